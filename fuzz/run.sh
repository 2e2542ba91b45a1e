#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other, at low priority, and
# prints one summary line per target: executions, CPU seconds, findings.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is the time per target; the heavy targets (containers, filesystems,
# the whole path, hives) get SECONDS each and the cheap ones (partitions, config parsers,
# profiles) get a third of it.
#
#   fuzz/run.sh smoke [TARGET...]
#
# CI's smoke mode (`cargo xtask test` runs it): the stable toolchain (RUSTC_BOOTSTRAP lets it
# take cargo-fuzz's sanitizer flag; stable ships the ASan runtime), every seed plus
# SMOKE_RUNS (default 300) mutations per target from a fixed libFuzzer seed, not nice'd; exits
# non-zero on any finding.
#
# Seeds come from ../shared/corpus (VMSIFT_CORPUS) and target/fixtures (VMSIFT_FIXTURES; run
# tests/fixtures.sh first), cut to the target's -max_len. Needs the nightly toolchain;
# cargo-fuzz is installed from crates.io when missing. Findings land in
# fuzz/artifacts/<target>/ (crash-*, oom-*, timeout-*, slow-unit-*); a target that crashes
# is restarted (at most three times) for the rest of its time so that one finding does not
# end its run. The summary is also appended to fuzz/runs.log.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$PWD
root=$(cd .. && pwd)
smoke=0
if [ "${1:-}" = smoke ]; then
  smoke=1
  shift
  set -- 1 "$@"
fi
seconds=${1:-60}
shift || true
corpus_root=${VMSIFT_CORPUS:-$root/../shared/corpus}
fixtures=${VMSIFT_FIXTURES:-$root/target/fixtures}
[ -d "$corpus_root" ] || { echo "corpus not found at $corpus_root (set VMSIFT_CORPUS)" >&2; exit 1; }
[ -d "$fixtures" ] || { echo "fixtures missing at $fixtures: run tests/fixtures.sh" >&2; exit 1; }
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

heavy=(open_machine machine_fat container_vhd container_vhdx container_vmdk container_qcow2 container_ova fs_fat fs_ntfs fs_ext
  registry_hive hive_log_replay)
light=(partitions config_parsers peer_profile share_link)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${heavy[@]}" "${light[@]}"); fi

# Largest input per target: big enough for the metadata of the seeds (a VHDX's BAT and
# metadata regions sit at 1-4 MiB), small enough for thousands of executions a second.
max_len() {
  case "$1" in
    container_vhdx | hive_log_replay) echo 4194304 ;;
    open_machine | machine_fat | container_* | fs_* | registry_hive) echo 2097152 ;;
    *) echo 1048576 ;;
  esac
}

# seed TARGET FILE...: copies (or decompresses) each file, cut to the target's max_len.
seed() {
  local target=$1 dir="corpus/$1" cap
  shift
  cap=$(max_len "$target")
  mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || continue
    local name
    name=$(basename "$(dirname "$f")")-$(basename "$f" .xz)
    case "$f" in
      # (|| true: xz stops with SIGPIPE when head has enough.)
      *.xz) xz -dc "$f" | head -c "$cap" >"$dir/$name" || true ;;
      *) head -c "$cap" "$f" >"$dir/$name" ;;
    esac
  done
}

# seed_pair TARGET NAME FIRST SECOND: one input made of FIRST and SECOND behind a 4-byte
# little-endian length prefix (the split of fuzz/common/mod.rs).
seed_pair() {
  local dir="corpus/$1" name=$2 a b
  mkdir -p "$dir"
  a=$(mktemp) b=$(mktemp)
  case "$3" in *.xz) xz -dc "$3" >"$a" ;; *) cat "$3" >"$a" ;; esac
  case "$4" in *.xz) xz -dc "$4" >"$b" ;; *) cat "$4" >"$b" ;; esac
  python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<I", int(sys.argv[1])))' "$(stat -c %s "$a")" \
    | cat - "$a" "$b" | head -c "$(max_len "$1")" >"$dir/$name" || true
  rm -f "$a" "$b"
}

c=$corpus_root
disks=("$c"/disks/*/*)
seed open_machine "${disks[@]}" "$fixtures"/slice/* "$fixtures"/containers-b/small-*.vmdk
seed container_vhd "$c"/disks/vhd/* "$fixtures"/containers-a/*.vhd
seed container_vhdx "$c"/disks/vhdx/* "$fixtures"/containers-a/*.vhdx
seed container_vmdk "$c"/disks/vmdk/* "$fixtures"/containers-b/*.vmdk "$fixtures"/containers-b/delta/*.vmdk
seed container_qcow2 "$c"/disks/qcow2/* "$fixtures"/containers-a/*.qcow2 "$fixtures"/slice/small.qcow2
seed container_ova "$fixtures"/slice/small.ova "$fixtures"/containers-b/win.ova
seed partitions "$c"/disks/raw/win7-mbr-sector.bin "$c"/disks/raw/tsk_volume_system.raw.xz "$fixtures"/slice/*.img
seed fs_fat "$c"/disks/raw/fat*
seed fs_ntfs "$c"/disks/raw/ntfs-*
seed fs_ext "$c"/disks/raw/*ext*
seed registry_hive "$c"/registry/*/* "$c"/registry/yarp/*/*
seed config_parsers $(find "$c/linux-etc" "$c/vmconfig" "$c/registry/reg-text" -type f)
y=$c/registry/yarp
seed_pair hive_log_replay new-log1 "$y"/NewDirtyHive1/NewDirtyHive "$y"/NewDirtyHive1/NewDirtyHive.LOG1
seed_pair hive_log_replay new-log2 "$y"/NewDirtyHive1/NewDirtyHive "$y"/NewDirtyHive1/NewDirtyHive.LOG2
seed_pair hive_log_replay old-log1 "$y"/OldDirtyHive/OldDirtyHive "$y"/OldDirtyHive/OldDirtyHive.LOG1
seed_pair hive_log_replay ntuser-log2 "$c"/registry/user-dirty/transactions_NTUSER.DAT.xz \
  "$c"/registry/user-dirty/transactions_ntuser.dat.log2.xz
seed_pair hive_log_replay default-log1 "$c"/registry/win11-dirty/DEFAULT.xz "$c"/registry/win11-dirty/DEFAULT.LOG1.xz
# machine_fat: real files at the paths the default profile reads, in its record format
# (fuzz_targets/machine_fat.rs): [path index][name][length u16][content] ...
mkdir -p corpus/machine_fat
python3 - "$root/crates/model/src/default_profile.json" corpus/machine_fat "$c" <<'PY'
import json, os, struct, sys
rules = [r["path"] for r in json.load(open(sys.argv[1]))["files"]]
hives = ["SYSTEM", "SOFTWARE", "SYSTEM.LOG1", "SOFTWARE.LOG2", "NTUSER.DAT"]
etc = os.path.join(sys.argv[3], "linux-etc/augeas-root/etc")
def record(pattern, path):
    try:
        data = open(path, "rb").read()[:65535]
    except OSError:
        return b""
    return bytes([rules.index(pattern), 0]) + struct.pack("<H", len(data)) + data
linux = b"".join(record(p, os.path.join(etc, p[len("/etc/"):])) for p in rules if p.startswith("/etc/") and "*" not in p)
open(os.path.join(sys.argv[2], "seed-linux"), "wb").write(b"\x00" + linux)
hive = os.path.join(sys.argv[3], "registry/hivex/minimal")
data = open(hive, "rb").read()[:65535]
win = bytes([len(rules), 0]) + struct.pack("<H", len(data)) + data
open(os.path.join(sys.argv[2], "seed-windows"), "wb").write(b"\x01" + win)
# The same Linux files with two overwrites in the FAT and root directory.
open(os.path.join(sys.argv[2], "seed-linux-patched"), "wb").write(b"\x02" + linux + bytes([0x00, 0x02, 0, 0xFF, 0x20, 0x50, 0, 0x41]))
PY
# Profiles: binary and JSON, built by the CLI from real images (VMSIFT=path to a built vmsift).
mkdir -p corpus/peer_profile
if [ -z "$(ls corpus/peer_profile)" ]; then
  vmsift=${VMSIFT:-}
  if [ -z "$vmsift" ]; then
    (cd "$root" && cargo build -q -p cli)
    vmsift=${CARGO_TARGET_DIR:-$root/target}/debug/vmsift
  fi
  "$vmsift" profile build "$fixtures"/slice/peer1.img "$fixtures"/slice/peer2.img -o corpus/peer_profile/slice.vmsiftpp
  "$vmsift" profile build --json "$fixtures"/slice/peer3.img -o corpus/peer_profile/slice.json
  "$vmsift" profile build "$c"/disks/qcow2/dfvfs-ext2.qcow2 -o corpus/peer_profile/ext2.vmsiftpp
fi

# Share links: raw payloads (version 1, flags, a raw deflate stream) for decode_payload.
mkdir -p corpus/share_link
python3 - corpus/share_link <<'PY'
import sys, zlib
def deflate(b):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()
for i, body in enumerate([b"", b"\x00" * 16, bytes(range(256)), b"\x01\x00\x00\x00/etc/ssh/sshd_config\x00PermitRootLogin"]):
    for flags in (0, 1):
        open(f"{sys.argv[1]}/seed-{i}-{flags}", "wb").write(bytes([1, flags]) + deflate(body))
PY

# One build for all targets (release with debug assertions, address sanitizer): the runs
# below use the binaries directly, so edits made meanwhile do not trigger rebuilds.
if [ "$smoke" = 1 ]; then
  RUSTC_BOOTSTRAP=1 cargo fuzz build --debug-assertions >/dev/null
else
  nice -n 15 cargo +nightly fuzz build --debug-assertions >/dev/null
fi
# (The host's triple: a target directory shared with the workspace also holds wasm32 builds.)
bin_dir=${CARGO_TARGET_DIR:-target}/$(rustc -vV | sed -n 's/^host: //p')/release
smoke_findings=0

: >"$fuzz_dir/runs.last"
total_execs=0
total_cpu=0
for t in "${targets[@]}"; do
  budget=$seconds
  case " ${light[*]} " in *" $t "*) budget=$(((seconds + 2) / 3)) ;; esac
  mkdir -p "artifacts/$t" "corpus/$t"
  execs=0 cpu=0 left=$budget restarts=0
  while [ "$left" -gt 0 ] && [ "$restarts" -le 3 ]; do
    start=$(date +%s)
    log=$(mktemp)
    if [ "$smoke" = 1 ]; then
      # One pass, no restart: every seed, then a fixed number of mutations.
      limits=(-runs="${SMOKE_RUNS:-300}" -seed=1 -rss_limit_mb=512)
      left=0
      priority=0
    else
      limits=(-max_total_time="$left" -rss_limit_mb=512)
      priority=15
    fi
    # Limits (issue 15): a resource blow-up is a finding. -timeout=10: one input may take at
    # most 10 s (a zstd-compressed 64 MiB QCOW2 seed takes 6 s under ASan on an idle core);
    # -rss_limit_mb=512, -malloc_limit_mb=256: inputs are at most 4 MiB, and no machine of
    # that size justifies a 256 MiB allocation (the per-machine budget floor is 64 MiB).
    # RSS is the whole process's: ASan's quarantine of freed memory (256 MB by default) plus
    # libFuzzer's corpus in memory passed 512 MB after a few hundred inputs of at most 72 MB
    # each (fuzz/README.md, "RSS creep"). A 16 MB quarantine keeps use-after-free checks for
    # recent frees and lets -rss_limit_mb measure the inputs.
    ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16} /usr/bin/time -f "%U %S" -o "$log.time" nice -n "$priority" "$bin_dir/$t" "corpus/$t" \
      "${limits[@]}" -max_len="$(max_len "$t")" -timeout=10 -malloc_limit_mb=256 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1 || true
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -n 1)
    execs=$((execs + ${n:-0}))
    # (time's output starts with "Command exited with non-zero status" after a finding.)
    cpu=$(awk -v a="$cpu" '/^[0-9.]+ [0-9.]+$/ { a += $1 + $2 } END { print a }' "$log.time")
    if grep -q -E '^==[0-9]+== ?ERROR|^SUMMARY|Test unit written' "$log"; then
      smoke_findings=$((smoke_findings + 1))
      grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$log" | head -n 5 | sed "s/^/  [$t] /"
    fi
    cp "$log" "artifacts/$t/last.log"
    rm -f "$log" "$log.time"
    [ "$smoke" = 1 ] || left=$((left - ($(date +%s) - start)))
    restarts=$((restarts + 1))
  done
  if [ "$smoke" = 1 ] && [ "$execs" -eq 0 ]; then
    echo "  [$t] ran no input: see fuzz/artifacts/$t/last.log" >&2
    smoke_findings=$((smoke_findings + 1))
  fi
  found=$(ls "artifacts/$t" | grep -c -E '^(crash|oom|timeout|slow-unit|leak)-' || true)
  line=$(printf '%-16s %6ss  executions %10d  cpu %7.1fs  findings %d in artifacts/ (corpus %d inputs)' "$t" "$budget" "$execs" "$cpu" \
    "$found" "$(ls "corpus/$t" | wc -l)")
  echo "$line" | tee -a "$fuzz_dir/runs.last"
  total_execs=$((total_execs + execs))
  total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN{print a + b}')
done
summary=$(printf 'TOTAL %d targets  executions %d  cpu %.2f h' "${#targets[@]}" "$total_execs" \
  "$(awk -v s="$total_cpu" 'BEGIN{print s / 3600}')")
echo "$summary" | tee -a "$fuzz_dir/runs.last"
{ date -u +%FT%TZ; cat "$fuzz_dir/runs.last"; } >>"$fuzz_dir/runs.log"
if [ "$smoke" = 1 ] && [ "$smoke_findings" -gt 0 ]; then
  echo "fuzz smoke: $smoke_findings target(s) found a problem: see fuzz/artifacts/" >&2
  exit 1
fi
