#!/usr/bin/env bash
# Identity fixtures: machines that differ only in who they are. Each: 64 MiB MBR disk,
# partition 1 ext4 (mke2fs -d) holding real corpus /etc files (sshd_config, smb.conf, hosts,
# resolv.conf) plus per-machine identity: /etc/hostname, /etc/machine-id (random, as
# systemd-machine-id-setup makes), a Debian "127.0.1.1 FQDN name" line and the machine's own
# address for its name in /etc/hosts, the
# host name as Samba's NetBIOS name and the machine's own address/MAC in /etc/default/ifcfg.
# id-c is id-a again on FAT32 (mtools) with an upper-case host name.
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
id_tree() { # dir hostname ip mac
  local t=$1
  mkdir -p "$t/etc/ssh" "$t/etc/samba" "$t/etc/default"
  cp "$etc/ssh/sshd_config" "$t/etc/ssh/"
  cp "$etc/hosts" "$etc/resolv.conf" "$t/etc/"
  sed "/^\[global\]/a\\   netbios name = $2" "$etc/samba/smb.conf" > "$t/etc/samba/smb.conf"
  echo "$2" > "$t/etc/hostname"
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$t/etc/machine-id"; echo >> "$t/etc/machine-id"
  printf '127.0.1.1\t%s.example.lan %s\n%s\t%s\n' "$2" "$2" "$3" "$2" >> "$t/etc/hosts"
  printf 'DEVICE=eth0\nIPADDR=%s\nHWADDR=%s\nGATEWAY=10.0.0.1\n' "$3" "$4" > "$t/etc/default/ifcfg"
}
id_ext4() { # tree img
  # 64 MiB like id_fat's disk: disk sizes are settings too (disk-header facts).
  rm -f "$2"; truncate -s 64M "$2"
  printf 'label: dos\nunit: sectors\nstart=2048, size=129024, type=83\n' | sfdisk -q "$2"
  mke2fs -q -F -t ext4 -E offset=1048576,root_owner=0:0 -d "$1" "$2" 64512k
}
id_fat() { # tree img
  rm -f "$2"; truncate -s 64M "$2"
  printf 'label: dos\nunit: sectors\nstart=2048, size=129024, type=c\n' | sfdisk -q "$2"
  mformat -i "$2@@1M" -T 129024 -h 16 -s 32 -F -v IDC ::
  mcopy -s -i "$2@@1M" "$1"/etc ::/
}
mkdir -p "$out/identity"
id_tree "$work/id-a" web-01 10.0.0.11 52:54:00:00:00:11
id_tree "$work/id-b" db-7 10.0.0.27 52:54:00:00:00:27
id_tree "$work/id-c" WEB-010 10.0.0.110 52:54:00:00:01:10
id_ext4 "$work/id-a" "$out/identity/id-a.img"
id_ext4 "$work/id-b" "$out/identity/id-b.img"
id_fat "$work/id-c" "$out/identity/id-c.img"
cp "$work/id-a/etc/machine-id" "$out/identity/id-a.machine-id"
