#!/usr/bin/env bash
# A small FAT32 volume (mkfs.fat, mtools) for the hostile FAT tests of crates/imagefs:
# fat32/fat32.img holds /LONG.TXT (14,000 bytes); fat32/fuzz-container_qcow2-fatfs-overflow is
# the fuzz inputs (ours, in crates/imagefs/tests/data) that overflowed fatfs' offsets.
mkdir -p "$out/fat32"
truncate -s 40M "$out/fat32/fat32.img"
mkfs.fat -F 32 -n FAT32 "$out/fat32/fat32.img" >/dev/null
head -c 14000 /dev/zero | tr '\0' 'x' > "$work/long.txt"
mcopy -i "$out/fat32/fat32.img" "$work/long.txt" ::/LONG.TXT
# ($root may be reused by earlier scripts: find the repository from this file.)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for input in fuzz-container_qcow2-fatfs-overflow fuzz-container_vhd-fatfs-cluster; do
  xz -dc "$repo/crates/imagefs/tests/data/$input.xz" > "$out/fat32/$input"
done
