#!/usr/bin/env bash
# Values per second: vmsift's registry walk (criterion bench `registry`) vs hivexml (libhivex, C)
# on the same real hive, the Windows 10 1709 SYSTEM hive (90,307 values).
# Usage: tests/bench/registry_vs_hivexml.sh   (needs tests/fixtures.sh to have run; hivexml installed)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
hive="$root/target/fixtures/registry/win10-1709/SYSTEM"
[ -f "$hive" ] || { echo "missing $hive: run tests/fixtures.sh first" >&2; exit 1; }
command -v hivexml >/dev/null || { echo "hivexml missing (apt-get install libhivex-bin)" >&2; exit 1; }
values=$(awk '$1 == "win10-1709/SYSTEM" { print $2 }' "$root/target/fixtures/registry/counts.txt")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

# hivexml: best of 5 runs, output discarded (it formats every value as XML, as we format text).
best=
for _ in 1 2 3 4 5; do
  s=$(date +%s%N); hivexml "$hive" > /dev/null; e=$(date +%s%N)
  t=$(( e - s )); if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
hivex_vps=$(awk -v v="$values" -v ns="$best" 'BEGIN { printf "%.0f", v / (ns / 1e9) }')

# vmsift: criterion's mean time per walk (estimates.json, nanoseconds).
(cd "$root" && cargo bench -q -p settings --bench registry -- --noplot >/dev/null 2>&1)
est="$CARGO_TARGET_DIR/criterion/registry/walk_win10_system/new/estimates.json"
ns=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['mean']['point_estimate'])" "$est")
ours_vps=$(awk -v v="$values" -v ns="$ns" 'BEGIN { printf "%.0f", v / (ns / 1e9) }')

printf 'hive: %s (%s values)\n' "$hive" "$values"
printf 'hivexml: %8.1f ms  %12s values/s\n' "$(awk -v n="$best" 'BEGIN { print n / 1e6 }')" "$hivex_vps"
printf 'vmsift:  %8.1f ms  %12s values/s\n' "$(awk -v n="$ns" 'BEGIN { print n / 1e6 }')" "$ours_vps"
awk -v a="$ours_vps" -v b="$hivex_vps" 'BEGIN { printf "ratio vmsift/hivexml: %.2fx (goal >= 2x)\n", a / b }'
