#!/usr/bin/env bash
# Compares `vmsift scan` of a 64 MiB Windows-like disk (GPT + NTFS holding the real Windows 10
# 1709 SYSTEM hive; tests/fixtures.d/30-containers-b.sh) with `hivexregedit --export` of the
# same hive (C libhivex + Perl) and with a full `qemu-img convert -O raw` read of the image.
# Prints median wall times of RUNS runs and the ratios. Usage: tests/bench/cli_vs_tools.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
fx="$root/target/fixtures/containers-b"
[ -f "$fx/win.raw" ] || { echo "run tests/fixtures.sh first" >&2; exit 1; }
cargo build -q --release -p cli --manifest-path "$root/Cargo.toml"
vmsift="$root/target/release/vmsift"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/bench/median.sh
source "$root/tests/bench/median.sh"
scan=$(median "$vmsift" scan --format json "$fx/win.raw")
hivex=$(median hivexregedit --export --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$fx/SYSTEM" '\')
convert=$(median qemu-img convert -O raw "$fx/win.raw" "$tmp/out.raw")
settings=$("$vmsift" scan --format json "$fx/win.raw" | grep -c '"kind"')
echo "vmsift scan win.raw (64 MiB disk, ${settings} settings): ${scan} s"
echo "hivexregedit --export SYSTEM (hive only):          ${hivex} s  → vmsift is $(awk "BEGIN{printf \"%.1f\", $hivex/$scan}")× faster"
echo "qemu-img convert -O raw win.raw (full read):       ${convert} s  → ratio $(awk "BEGIN{printf \"%.2f\", $convert/$scan}")"
echo "target: vmsift scan ≤ 0.3 s"
