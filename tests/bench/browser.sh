#!/usr/bin/env bash
# Browser benchmark of the WASM path: time from drop to ranked list in headless Chromium,
# next to the native CLI (`vmsift rank`, release build) doing the same work, in one run.
#   demo:   the built-in demo fleet (1 target + 8 peers, MBR + FAT disks), "Try the demo" click.
#   sparse: a 20 GiB sparse VHDX target (NTFS with the real Windows 10 SYSTEM hive) and
#           20 peers: QCOW2 copies of the same 20 GiB disk, each with its own
#           64 KiB written by qemu-io (so no two are alike).
# Every browser run uses a fresh profile (no IndexedDB cache). Prints medians of RUNS runs.
# Usage: tests/bench/browser.sh [RUNS]   (needs `cargo xtask tools` and tests/fixtures.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
cd "$root"
fx="$root/target/fixtures/bench"
[ -f "$fx/sparse20g.vhdx" ] || { echo "run tests/fixtures.sh first" >&2; exit 1; }
cargo build -q --release -p cli
target_dir=${CARGO_TARGET_DIR:-$root/target}
vmsift="$target_dir/release/vmsift"
[ -f "${VMSIFT_DIST:-$root/dist}/index.html" ] || cargo xtask build
work="$root/target/bench-browser"
mkdir -p "$work/peers"
for i in $(seq -w 1 20); do
  peer="$work/peers/peer-$i.qcow2"
  [ -f "$peer" ] && continue
  cp --sparse=always "$fx/sparse20g.qcow2" "$peer.tmp"
  qemu-io -f qcow2 -c "write -P 0x$i $((10#$i * 64))M 64k" "$peer.tmp" >/dev/null
  mv "$peer.tmp" "$peer"
done
cargo xtask demo >/dev/null 2>&1
demo="$root/target/demo"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cargo xtask serve --no-build --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.2; done
# shellcheck source=tests/bench/median.sh
source "$root/tests/bench/median.sh"
demo_peers=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(sys.argv[2] + "/" + p for p in m["peers"]))' "$demo/manifest.json" "$demo")
demo_target="$demo/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"])' "$demo/manifest.json")"
# shellcheck disable=SC2086
cli_demo=$(median "$vmsift" rank --target "$demo_target" --peers $demo_peers)
cli_sparse=$(median "$vmsift" rank --target "$fx/sparse20g.vhdx" --peers "$work"/peers/*.qcow2)
BASE_URL="http://127.0.0.1:$port/" RUNS="$runs" SPARSE_TARGET="$fx/sparse20g.vhdx" SPARSE_PEERS="$work/peers" \
  node tests/bench/browser.mjs > "$work/browser.json"
read -r web_demo web_sparse < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["demo"], r["sparse"])' "$work/browser.json")
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
echo "scenario                         browser (s)  CLI (s)  browser/CLI"
printf 'demo fleet (1 + 8 FAT disks)     %11s  %7s  %10s×\n' "$web_demo" "$cli_demo" "$(ratio "$web_demo" "$cli_demo")"
printf '20 GiB VHDX target + 20 peers    %11s  %7s  %10s×\n' "$web_sparse" "$cli_sparse" "$(ratio "$web_sparse" "$cli_sparse")"
