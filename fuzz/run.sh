#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, seeded from ../shared/corpus.
# Needs the nightly toolchain and cargo-fuzz (installed here from crates.io when missing).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
corpus_root=${VMSIFT_CORPUS:-../../shared/corpus}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
seed() { # target, files...
  local dir="corpus/$1"; shift; mkdir -p "$dir"
  for f in "$@"; do
    case "$f" in *.xz) xz -dc "$f" | head -c 4194304 > "$dir/$(basename "$f" .xz)" ;; *) head -c 4194304 "$f" > "$dir/$(basename "$f")" ;; esac
  done
}
seed open_machine "$corpus_root"/disks/*/*
seed registry_hive "$corpus_root"/registry/hivex/* "$corpus_root"/registry/nt-hive/testhive "$corpus_root"/registry/other/*.xz
seed config_parsers $(find "$corpus_root/linux-etc" "$corpus_root/vmconfig" -type f | head -200)
for target in open_machine registry_hive config_parsers peer_profile; do
  mkdir -p "corpus/$target"
  cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4194304
done
