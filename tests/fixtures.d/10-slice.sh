#!/usr/bin/env bash
# Slice fleet: raw disks, MBR or GPT, FAT16 holding real config files from the corpus.
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
# Each machine: 16 MiB disk, partition 1 at 1 MiB; /etc/ssh/sshd_config and
# /etc/samba/smb.conf from the corpus, a per-machine /etc/hostname (noise).
# The target adds "PermitRootLogin yes" to sshd_config: the injected misconfiguration.
make_fat_disk() { # name label scheme
  local name=$1 label=$2 scheme=$3 img="$out/slice/$1.img" tree="$work/$1"
  mkdir -p "$tree/etc/ssh" "$tree/etc/samba"
  cp "$etc/ssh/sshd_config" "$tree/etc/ssh/sshd_config"
  cp "$etc/samba/smb.conf" "$tree/etc/samba/smb.conf"
  echo "$name" > "$tree/etc/hostname"
  # Before any Match block, so it applies globally.
  [ "$name" = target ] && sed -i '1i PermitRootLogin yes' "$tree/etc/ssh/sshd_config"
  truncate -s 16M "$img"
  if [ "$scheme" = gpt ]; then
    printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\nstart=2048, size=28672, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="data"\n' | sfdisk -q "$img"
  else
    printf 'label: dos\nunit: sectors\nstart=2048, size=30720, type=6\n' | sfdisk -q "$img"
  fi
  local sectors=$([ "$scheme" = gpt ] && echo 28672 || echo 30720)
  mformat -i "$img@@1M" -T $sectors -h 16 -s 32 -v "$label" ::
  mmd -i "$img@@1M" ::/etc ::/etc/ssh ::/etc/samba
  mcopy -i "$img@@1M" "$tree/etc/hostname" ::/etc/hostname
  mcopy -i "$img@@1M" "$tree/etc/ssh/sshd_config" ::/etc/ssh/sshd_config
  mcopy -i "$img@@1M" "$tree/etc/samba/smb.conf" ::/etc/samba/smb.conf
}
mkdir -p "$out/slice"
make_fat_disk target TARGET dos
make_fat_disk peer1 PEER1 dos
make_fat_disk peer2 PEER2 gpt
make_fat_disk peer3 PEER3 dos
make_fat_disk peer4 PEER4 gpt


# A 2 MiB MBR + FAT12 disk embedded by the worker's wasm test (small enough to compile in).
small="$out/slice/small.img"
truncate -s 2M "$small"
printf 'label: dos\nunit: sectors\nstart=2048, size=2048, type=1\n' | sfdisk -q "$small"
mformat -i "$small@@1M" -T 2048 -h 2 -s 16 -v SMALL ::
mmd -i "$small@@1M" ::/etc ::/etc/ssh
mcopy -i "$small@@1M" "$etc/ssh/sshd_config" ::/etc/ssh/sshd_config
printf 'small\n' > "$work/small-hostname" && mcopy -i "$small@@1M" "$work/small-hostname" ::/etc/hostname

# The same small disk in every container family, for the worker's wasm tests in Chromium.
qemu-img convert -q -f raw -O vpc -o subformat=dynamic "$small" "$out/slice/small.vhd"
qemu-img convert -q -f raw -O vhdx -o subformat=dynamic,block_size=1M "$small" "$out/slice/small.vhdx"
qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse "$small" "$out/slice/small.vmdk"
qemu-img convert -q -f raw -O qcow2 -c "$small" "$out/slice/small.qcow2"
qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized "$small" "$work/small-stream.vmdk"
cp "$corpus/vmconfig/ovf/v2v-test-i-ova.ovf" "$work/small.ovf"
tar -C "$work" -cf "$out/slice/small.ova" small.ovf small-stream.vmdk
