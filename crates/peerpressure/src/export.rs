// SPDX-License-Identifier: GPL-3.0-or-later
//! The ranking as CSV and JSON: the one writer of `vmsift rank --format csv|json` and of the
//! page's exports.

use serde::Serialize;

use crate::Ranking;

/// Header row of [`Ranking::to_csv`].
pub const CSV_HEADER: &str = "rank,probability,category,kind,path,name,value,m,c,ties";

/// A CSV field as RFC 4180 quotes it: in double quotes when it holds a separator, a
/// quote or a line break. For data read back by programs (`vmsift scan --format csv`).
pub fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A CSV field for a spreadsheet: [`csv_quote`]d, and text from an image that a
/// spreadsheet would run as a formula (`=`, `+`, `@`, a tab or carriage return, or `-`
/// not followed by a digit) gets a leading `'`.
pub fn csv_cell(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '@', '\t', '\r'])
        || s.strip_prefix('-').is_some_and(|rest| !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_digit()));
    if formula {
        csv_quote(&format!("'{s}"))
    } else {
        csv_quote(s)
    }
}

/// One machine's warnings, as the JSON export lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineWarnings<'a> {
    /// The machine (its file or folder name).
    pub machine: String,
    /// Its warnings.
    pub warnings: &'a [String],
}

/// `rank --format json`: the ranking's fields (in [`Ranking`]'s order) and the warnings.
#[derive(Serialize)]
struct RankOutput<'a> {
    peers: u32,
    suspects: u32,
    ranking: &'a [crate::RankedSetting],
    warnings: &'a [MachineWarnings<'a>],
}

impl Ranking {
    /// The ranking as CSV: [`CSV_HEADER`], then one line per row in ranking order, each
    /// field a [`csv_cell`]; an absent value is `(absent)`. Every line ends with `\n`.
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for r in &self.ranking {
            let value = r.value.as_deref().unwrap_or("(absent)");
            out.push_str(&format!(
                "{},{:.6e},{},{},{},{},{},{},{},{}\n",
                r.rank,
                r.probability,
                r.category.as_str(),
                r.kind.as_str(),
                csv_cell(&r.path),
                csv_cell(&r.name),
                csv_cell(value),
                r.m,
                r.c,
                r.ties
            ));
        }
        out
    }

    /// The ranking as pretty JSON: its fields and `warnings`, `[{machine, warnings}]` for
    /// each machine that has warnings. No final line break.
    pub fn to_json(&self, warnings: &[MachineWarnings<'_>]) -> String {
        let output = RankOutput { peers: self.peers, suspects: self.suspects, ranking: &self.ranking, warnings };
        serde_json::to_string_pretty(&output).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
    }
}

/// Every machine's warnings as CSV, `machine,warning`, one line per warning, each field a
/// [`csv_cell`].
pub fn warnings_csv(warnings: &[MachineWarnings<'_>]) -> String {
    let mut out = String::from("machine,warning\n");
    for machine in warnings {
        for w in machine.warnings {
            out.push_str(&format!("{},{}\n", csv_cell(&machine.machine), csv_cell(w)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{rank, PeerProfile};
    use model::{Kind, Setting};

    fn setting(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/app.conf".into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn csv_quotes_and_defuses_hostile_values() {
        let target = [setting("a", "x,\"y\"\nz"), setting("b", "=HYPERLINK(\"e\")"), setting("c", "-5")];
        let peer = [setting("a", "1"), setting("b", "1"), setting("c", "-5")];
        let ranking = rank(&target, &PeerProfile::from_machines([&peer[..]]));
        let text = ranking.to_csv();
        assert!(text.starts_with("rank,probability,category,kind,path,name,value,m,c,ties\n"));
        assert!(text.contains(",a,\"x,\"\"y\"\"\nz\","), "{text}");
        assert!(text.contains(",b,\"'=HYPERLINK(\"\"e\"\")\","), "{text}");
        assert!(text.contains(",c,-5,1,1,1\n"), "{text}");
        assert_eq!(text.matches("/etc/app.conf").count(), ranking.ranking.len());
        assert_eq!(csv_cell("-x"), "'-x");
        assert_eq!(csv_quote("-x"), "-x");
    }

    #[test]
    fn warnings_csv_has_one_line_per_warning() {
        let (a, b) = (
            vec!["a.img partition 0:/etc/x: file at offset 0x0: skipped, over budget".to_owned()],
            vec!["one".to_owned(), "two".to_owned()],
        );
        let warned = [
            MachineWarnings { machine: "a.img".into(), warnings: &a },
            MachineWarnings { machine: "=b.img".into(), warnings: &b },
        ];
        assert_eq!(
            warnings_csv(&warned),
            "machine,warning\na.img,\"a.img partition 0:/etc/x: file at offset 0x0: skipped, over budget\"\n'=b.img,one\n'=b.img,two\n"
        );
    }

    #[test]
    fn json_has_the_ranking_and_the_warnings() {
        let ranking = rank(&[setting("a", "1")], &PeerProfile::from_machines([&[setting("a", "2")][..]]));
        let w = vec!["peer.img partition 0:/x: file at offset 0x0: skipped".to_owned()];
        let warned = [MachineWarnings { machine: "peer.img".into(), warnings: &w }];
        let v: serde_json::Value = serde_json::from_str(&ranking.to_json(&warned)).unwrap();
        assert_eq!(v["warnings"][0]["machine"], "peer.img");
        assert_eq!(v["warnings"][0]["warnings"][0], w[0]);
        assert_eq!(v["peers"], 1);
        let row = &v["ranking"][0];
        for k in ["rank", "kind", "path", "name", "value", "probability", "category", "m", "c", "peer_values"] {
            assert!(row.get(k).is_some(), "{k} missing in {row}");
        }
        assert_eq!(row["peer_values"][0][0], "2");
        // The ranking's own fields, in its order, then the warnings.
        let mut plain = serde_json::to_value(&ranking).unwrap();
        plain.as_object_mut().unwrap().insert("warnings".into(), v["warnings"].clone());
        assert_eq!(v, plain);
        let text = ranking.to_json(&[]);
        let keys: Vec<&str> = text.lines().filter(|l| l.starts_with("  \"")).map(|l| &l[3..]).collect();
        assert!(keys[0].starts_with("peers") && keys[1].starts_with("suspects"), "{keys:?}");
    }
}
