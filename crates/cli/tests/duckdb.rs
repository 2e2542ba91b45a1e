// SPDX-License-Identifier: GPL-3.0-or-later
//! Fleets at scale: `vmsift scan --format ndjson` aggregated by DuckDB with the GROUP BY of
//! the README, fed to `vmsift profile from-counts`, gives the very profile that
//! `vmsift profile build` makes from the same machines.
//!
//! Machines: the slice fleet (tests/fixtures.d/10-slice.sh) and the two Linux disks of
//! tests/fixtures.d/50-linux.sh, so that settings are missing on some peers (ABSENT) and
//! locations differ. DuckDB comes from PyPI (`cargo xtask test` installs it).

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures")).join(rel);
    assert!(path.exists(), "{} is missing: run tests/fixtures.sh", path.display());
    path
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "status {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    out
}

fn vmsift<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmsift")).args(args).output().unwrap()
}

/// The aggregation of the README's "Fleets at scale" section. Columns are typed explicitly:
/// read_json_auto would turn an all-numeric `value` column into integers ("0022" → 22).
const COUNTS: &str = "SELECT kind, path, name, value, count(*) AS count \
    FROM read_json('{scan}', columns = {machine: 'VARCHAR', kind: 'VARCHAR', path: 'VARCHAR', name: 'VARCHAR', value: 'VARCHAR'}) \
    GROUP BY ALL";

/// ABSENT rows (value NULL): peers lacking each setting, so that N needs no --peers.
const ABSENT: &str = "WITH s AS (SELECT * FROM read_json('{scan}', columns = {machine: 'VARCHAR', kind: 'VARCHAR', path: 'VARCHAR', name: 'VARCHAR', value: 'VARCHAR'})), \
    n AS (SELECT count(DISTINCT machine) AS n FROM s) \
    SELECT kind, path, name, NULL AS value, any_value(n.n) - count(*) AS count FROM s, n \
    GROUP BY kind, path, name HAVING any_value(n.n) > count(*)";

fn duckdb(script: &str) {
    let out = Command::new("python3").args(["-c", script]).output().expect("python3 is needed");
    assert!(
        out.status.success(),
        "DuckDB failed (install it with `python3 -m pip install duckdb==2.0.0`, or run `cargo xtask test`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn duckdb_group_by_counts_make_the_same_profile_as_build() {
    let mut machines: Vec<PathBuf> =
        ["target", "peer1", "peer2", "peer3", "peer4"].iter().map(|m| fixture(&format!("slice/{m}.img"))).collect();
    machines.push(fixture("linux/linux-ext4.img"));
    machines.push(fixture("linux/linux-fat.img"));
    let dir = std::env::temp_dir().join(format!("vmsift-cli-duckdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scan = dir.join("fleet.ndjson");
    let mut args: Vec<std::ffi::OsString> = vec!["scan".into(), "--format".into(), "ndjson".into()];
    args.extend(machines.iter().map(Into::into));
    std::fs::write(&scan, ok(vmsift(&args)).stdout).unwrap();

    let built = dir.join("built.vmsiftpp");
    let mut args: Vec<std::ffi::OsString> = vec!["profile".into(), "build".into(), "-o".into(), built.clone().into()];
    args.extend(machines.iter().map(Into::into));
    ok(vmsift(&args));
    let built_json = dir.join("built.json");
    args.push("--json".into());
    args[3] = built_json.clone().into();
    ok(vmsift(&args));

    let counts = COUNTS.replace("{scan}", &scan.display().to_string());
    let absent = ABSENT.replace("{scan}", &scan.display().to_string());
    let (csv, nd, with_absent) = (dir.join("counts.csv"), dir.join("counts.ndjson"), dir.join("absent.csv"));
    duckdb(&format!(
        "import duckdb\n\
         duckdb.sql(\"\"\"COPY ({counts}) TO '{}' (HEADER)\"\"\")\n\
         duckdb.sql(\"\"\"COPY ({counts}) TO '{}' (FORMAT JSON)\"\"\")\n\
         duckdb.sql(\"\"\"COPY (SELECT * FROM ({counts}) UNION ALL SELECT * FROM ({absent})) TO '{}' (HEADER)\"\"\")\n",
        csv.display(),
        nd.display(),
        with_absent.display()
    ));
    let n = machines.len().to_string();
    let from = |input: &PathBuf, out: &PathBuf, extra: &[&str]| {
        let mut a: Vec<std::ffi::OsString> =
            vec!["profile".into(), "from-counts".into(), input.into(), "-o".into(), out.into()];
        a.extend(extra.iter().map(Into::into));
        ok(vmsift(&a));
        std::fs::read(out).unwrap()
    };
    let expected = std::fs::read(&built).unwrap();
    assert_eq!(from(&csv, &dir.join("csv.vmsiftpp"), &["--peers", &n]), expected, "CSV counts");
    assert_eq!(from(&nd, &dir.join("nd.vmsiftpp"), &["--peers", &n]), expected, "NDJSON counts");
    // N from the ABSENT rows alone; JSON output equals build --json.
    let absent_text = std::fs::read_to_string(&with_absent).unwrap();
    assert!(absent_text.lines().any(|l| l.contains(",,")), "no ABSENT row: {absent_text}");
    assert_eq!(from(&with_absent, &dir.join("absent.json"), &["--json"]), std::fs::read(&built_json).unwrap());
    // A wrong N is refused: the ABSENT rows disagree with it.
    let out = vmsift([
        std::ffi::OsString::from("profile"),
        "from-counts".into(),
        with_absent.clone().into(),
        "--peers".into(),
        "9".into(),
        "-o".into(),
        dir.join("wrong.vmsiftpp").into(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("make {n} peers, but --peers says 9")));
}
