#!/usr/bin/env bash
# Registry extraction speed in WASM (headless Chromium, dedicated worker, as the app runs it)
# vs natively, same hive (Windows 10 1709 SYSTEM, 90,307 values), same code, same release
# profile, in one run. Two measurements each, best of 15 iterations (the machine is shared):
#   walk    — every value of the hive walked and formatted (settings::registry::count_values)
#   extract — the default profile's SYSTEM roots extracted and canonicalized, services
#             derived (settings::registry::extract_registry on an in-memory volume)
# Halves: crates/settings/examples/registry_speed.rs (native) and
# crates/worker/tests/extract_speed.rs (wasm, feature bench-wasm). Goal: wasm within 1.5x.
# Usage: tests/bench/wasm_vs_native.sh   (needs tests/fixtures.sh to have run, chromium and
# chromedriver, wasm-bindgen-test-runner; the first run compiles for a few minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
hive="$root/target/fixtures/registry/win10-1709/SYSTEM"
[ -f "$hive" ] || { echo "missing $hive: run tests/fixtures.sh first" >&2; exit 1; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cd "$root"

wasm_env=(CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$root/tests/webdriver.json" WASM_BINDGEN_TEST_TIMEOUT=300)
wasm_test=(cargo test --release --target wasm32-unknown-unknown -p worker --features bench-wasm --test extract_speed)
# Build both first, so that nothing compiles while either half is timed.
cargo build -q --release -p settings --example registry_speed
env "${wasm_env[@]}" "${wasm_test[@]}" --no-run -q
# The machine is shared: native runs before and after the wasm run; the faster native time
# is used (which can only make the ratio worse for wasm).
native1=$(cargo run -q --release -p settings --example registry_speed 2>/dev/null)
wasm=$(env "${wasm_env[@]}" "${wasm_test[@]}" -- --nocapture 2>/dev/null | grep -E '^wasm (walk|extract):')
native2=$(cargo run -q --release -p settings --example registry_speed 2>/dev/null)
native=$(printf '%s\n%s\n' "$native1" "$native2")
printf '%s\n%s\n' "$native" "$wasm"
ms() { echo "$1" | grep "^$2 $3:" | sed -E 's/.*best ([0-9.]+) ms.*/\1/' | sort -g | head -n 1; }
for what in walk extract; do
  n=$(ms "$native" native $what); w=$(ms "$wasm" wasm $what)
  awk -v n="$n" -v w="$w" -v what="$what" \
    'BEGIN { printf "%-8s native %.1f ms, wasm %.1f ms: wasm/native time %.2fx (goal <= 1.5x)\n", what, n, w, w / n }'
done
