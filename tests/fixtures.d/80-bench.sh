#!/usr/bin/env bash
# 20 GiB sparse Windows-like disks for the imagefs benchmark (crates/imagefs/benches/open_sparse.rs):
# GPT, one NTFS partition at 19 GiB holding the real Windows 10 1709 SYSTEM hive (from
# containers-b/win.raw, Recipe 1), converted by qemu-img into each container format.
bench="$out/bench"
mkdir -p "$bench"
dd if="$out/containers-b/win.raw" of="$work/bench-ntfs.img" bs=1M skip=1 count=62 status=none
truncate -s 20G "$bench/sparse20g.raw"
printf 'label: gpt\nunit: sectors\nstart=%d, size=126976, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\n' \
  $((19 * 1024 * 2048)) | sfdisk -q "$bench/sparse20g.raw"
dd if="$work/bench-ntfs.img" of="$bench/sparse20g.raw" bs=1M seek=$((19 * 1024)) conv=notrunc,sparse status=none
qemu-img convert -q -f raw -O vpc -o subformat=dynamic "$bench/sparse20g.raw" "$bench/sparse20g.vhd"
qemu-img convert -q -f raw -O vhdx -o subformat=dynamic "$bench/sparse20g.raw" "$bench/sparse20g.vhdx"
qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse "$bench/sparse20g.raw" "$bench/sparse20g.vmdk"
qemu-img convert -q -f raw -O qcow2 "$bench/sparse20g.raw" "$bench/sparse20g.qcow2"
