#!/usr/bin/env bash
# Builds the test fixtures from ../shared/corpus with real tools (sfdisk, mtools).
# Output: target/fixtures/ (never committed). Cached: reruns only when this script changes.
# Usage: tests/fixtures.sh [OUT_DIR]
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" MTOOLS_SKIP_CHECK=1
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${VMSIFT_CORPUS:-$root/../shared/corpus}
out=${1:-$root/target/fixtures}
# One builder at a time: a second run waits, then finds the stamp.
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
stamp="$out/.stamp-$(cat "$0" "$root"/tests/fixtures.d/*.sh | sha256sum | cut -c1-16)"
[ -f "$stamp" ] && exit 0
[ -d "$corpus" ] || { echo "fixtures: corpus not found at $corpus" >&2; exit 1; }
# Debian packages the fixture scripts use (tool → package); installed when missing.
need=()
for pair in sfdisk:fdisk mformat:mtools qemu-img:qemu-utils xz:xz-utils mke2fs:e2fsprogs mkntfs:ntfs-3g \
            wimlib-imagex:wimtools hivexregedit:libwin-hivex-perl hivexml:libhivex-bin mkfs.fat:dosfstools; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "fixtures: installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
etc="$corpus/linux-etc/augeas-root/etc"

# Each tests/fixtures.d/*.sh adds its own fixtures; they run in name order.
for part in "$root"/tests/fixtures.d/*.sh; do
  echo "fixtures: $(basename "$part")" >&2
  # shellcheck source=/dev/null
  source "$part"
done

touch "$stamp"
echo "fixtures: built in $out"
