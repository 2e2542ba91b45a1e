#!/usr/bin/env bash
# Sparse Windows-like disks for the imagefs benchmark (crates/imagefs/benches/open_sparse.rs), in two
# virtual sizes, 2 GiB and 20 GiB: GPT, one NTFS partition 1 GiB before the end holding the real
# Windows 10 1709 SYSTEM hive (from containers-b/win.raw, Recipe 1), converted by qemu-img into each
# container format. Same content at the same distance from the end: only the virtual size differs.
bench="$out/bench"
mkdir -p "$bench"
dd if="$out/containers-b/win.raw" of="$work/bench-ntfs.img" bs=1M skip=1 count=62 status=none
for gib in 2 20; do
  img="$bench/sparse${gib}g"
  truncate -s ${gib}G "$img.raw"
  printf 'label: gpt\nunit: sectors\nstart=%d, size=126976, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\n' \
    $(((gib - 1) * 1024 * 2048)) | sfdisk -q "$img.raw"
  dd if="$work/bench-ntfs.img" of="$img.raw" bs=1M seek=$(((gib - 1) * 1024)) conv=notrunc,sparse status=none
  qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on "$img.raw" "$img.vhd"
  qemu-img convert -q -f raw -O vhdx -o subformat=dynamic "$img.raw" "$img.vhdx"
  qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse "$img.raw" "$img.vmdk"
  qemu-img convert -q -f raw -O qcow2 "$img.raw" "$img.qcow2"
done
