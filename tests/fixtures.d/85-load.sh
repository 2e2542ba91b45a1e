#!/usr/bin/env bash
# Load fleets for the browser's load tests (tests/e2e/flows/load.mjs) and benchmark
# (tests/bench/browser.sh). Sourced by tests/fixtures.sh ($out, $work, $etc set).
#
# load/peers/peer-NNN.img: 100 peers, 2 MiB MBR + FAT12 disks holding the corpus's
#   sshd_config and a per-machine hostname and machine-id (noise); load/target.img is the
#   same with "PermitRootLogin yes" (the injected fault).
# load/big-{target,peer}.img: 32 MiB FAT16 disks with 120,000 sysctl keys (two files of
#   60,000 lines), so the ranking has over 100,000 rows; the target differs in one key.
load="$out/load"
mkdir -p "$load/peers"

small_fat_disk() { # image
  truncate -s 2M "$1"
  printf 'label: dos\nunit: sectors\nstart=2048, size=2048, type=1\n' | sfdisk -q "$1"
  mformat -i "$1@@1M" -T 2048 -h 2 -s 16 -v FLEET ::
  mmd -i "$1@@1M" ::/etc ::/etc/ssh
}
small_fat_disk "$work/load-base.img"
mcopy -i "$work/load-base.img@@1M" "$etc/ssh/sshd_config" ::/etc/ssh/sshd_config
for i in $(seq -w 0 99); do
  img="$load/peers/peer-0$i.img"
  cp "$work/load-base.img" "$img"
  printf 'fleet-0%s\n' "$i" > "$work/hostname"
  printf '%032x\n' "$((16#5eed0000 + 10#$i))" > "$work/machine-id"
  mcopy -i "$img@@1M" "$work/hostname" ::/etc/hostname
  mcopy -i "$img@@1M" "$work/machine-id" ::/etc/machine-id
done
small_fat_disk "$load/target.img"
sed '1i PermitRootLogin yes' "$etc/ssh/sshd_config" > "$work/sshd_config"
mcopy -i "$load/target.img@@1M" "$work/sshd_config" ::/etc/ssh/sshd_config
printf 'fleet-target\n' > "$work/hostname" && mcopy -i "$load/target.img@@1M" "$work/hostname" ::/etc/hostname
printf '%032x\n' "$((16#5eedffff))" > "$work/machine-id" && mcopy -i "$load/target.img@@1M" "$work/machine-id" ::/etc/machine-id

big_fat_disk() { # image, value of the changed key
  truncate -s 32M "$1"
  printf 'label: dos\nunit: sectors\nstart=2048, size=63488, type=6\n' | sfdisk -q "$1"
  mformat -i "$1@@1M" -T 63488 -h 16 -s 32 -v BIG ::
  mmd -i "$1@@1M" ::/etc ::/etc/sysctl.d
  for part in 50 60; do
    awk -v part="$part" -v changed="$2" 'BEGIN {
      for (i = 0; i < 60000; i++) {
        value = (part == 60 && i == 41234) ? changed : i % 7
        printf "fleet.part%s.key%05d = %s\n", part, i, value
      }
    }' > "$work/$part-bulk.conf"
    mcopy -i "$1@@1M" "$work/$part-bulk.conf" "::/etc/sysctl.d/$part-bulk.conf"
  done
}
big_fat_disk "$load/big-peer.img" 4
big_fat_disk "$load/big-target.img" 9999
