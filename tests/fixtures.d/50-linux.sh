#!/usr/bin/env bash
# Linux fixtures: one Debian-like root tree from real files, as an MBR disk with ext4
# (mke2fs -d, RECIPES.md Recipe 3) and the same tree as an MBR disk with FAT32 (mtools).
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
# Also sourced by tests/bench/fleet.sh with VMSIFT_LINUX_LIB=1: then it only defines
# linux_tree / linux_disk_ext4 / linux_disk_fat.
#
# The tree: /etc files from the corpus (augeas root + velociraptor's Ubuntu sources.list),
# real files of the build host (nsswitch.conf, os-release, /etc/default/locale, cron.d,
# apt-daily.service, dpkg status stanzas of five packages via dpkg-query) and the names of
# the host's systemd *.wants entries (empty files: FAT has no symlinks). Expected values
# that depend on the host are written by real tools (dpkg-query, find, wc) to expected/.

# linux_tree DIR: builds the root tree in DIR.
linux_tree() {
  local t=$1 e="$corpus/linux-etc/augeas-root/etc"
  mkdir -p "$t/etc/ssh" "$t/etc/apt/sources.list.d" "$t/etc/default" "$t/etc/cron.d" "$t/etc/samba" \
    "$t/etc/systemd/system" "$t/var/lib/dpkg" "$t/var/log"
  cp "$e"/{passwd,shadow,group,gshadow,hosts,fstab,resolv.conf,sudoers,crontab,sysctl.conf,yum.conf,krb5.conf,vsftpd.conf} "$t/etc/"
  cp "$e/ssh/sshd_config" "$e/ssh/ssh_config" "$t/etc/ssh/"
  cp "$e/samba/smb.conf" "$t/etc/samba/"
  cp "$e/apt/sources.list" "$t/etc/apt/sources.list"
  mkdir -p "$t/etc/network"
  cp "$e/network/interfaces" "$t/etc/network/interfaces"
  cp "$corpus/linux-etc/velociraptor/debian/sources.list/sources.list" "$t/etc/apt/sources.list.d/ubuntu.list"
  cp /etc/nsswitch.conf "$t/etc/nsswitch.conf"
  cp /usr/lib/os-release "$t/etc/os-release"
  cp /etc/default/locale "$t/etc/default/locale"
  cp /etc/cron.d/e2scrub_all "$t/etc/cron.d/e2scrub_all"
  cp /usr/lib/systemd/system/apt-daily.service "$t/etc/systemd/system/apt-daily.service"
  echo "Etc/UTC" > "$t/etc/timezone"
  local w
  for w in /etc/systemd/system/*.wants; do
    [ -d "$w" ] || continue
    mkdir -p "$t/etc/systemd/system/$(basename "$w")"
    for u in "$w"/*; do : > "$t/etc/systemd/system/$(basename "$w")/$(basename "$u")"; done
  done
  # One entry every machine has, so the listing is never empty on a host without units.
  mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
  : > "$t/etc/systemd/system/multi-user.target.wants/ssh.service"
  dpkg-query -s bash coreutils dpkg e2fsprogs mtools > "$t/var/lib/dpkg/status"
  chmod 0640 "$t/etc/shadow" "$t/etc/gshadow"
}

# linux_disk_ext4 TREE IMG: 64 MiB MBR disk, partition 1 ext4 populated from TREE.
linux_disk_ext4() {
  rm -f "$2"; truncate -s 64M "$2"
  printf 'label: dos\nunit: sectors\nstart=2048, size=129024, type=83, bootable\n' | sfdisk -q "$2"
  mke2fs -q -F -t ext4 -L root -E offset=1048576,root_owner=0:0 -d "$1" "$2" 64512k
}

# linux_disk_fat TREE IMG: 64 MiB MBR disk, partition 1 FAT32 holding TREE (mcopy -s).
linux_disk_fat() {
  rm -f "$2"; truncate -s 64M "$2"
  printf 'label: dos\nunit: sectors\nstart=2048, size=129024, type=c\n' | sfdisk -q "$2"
  mformat -i "$2@@1M" -T 129024 -h 16 -s 32 -F -v LINUXROOT ::
  mcopy -s -i "$2@@1M" "$1"/etc "$1"/var ::/
}

if [ "${VMSIFT_LINUX_LIB:-}" != 1 ]; then
  for tool in mke2fs sfdisk mformat mcopy dpkg-query; do
    command -v $tool >/dev/null || { echo "fixtures: $tool missing" >&2; exit 1; }
  done
  lx="$out/linux"
  mkdir -p "$lx/expected"
  linux_tree "$lx/tree"
  seq 1 137 | sed 's/^/2026-01-01 00:00:00 status installed pkg:amd64 /' > "$lx/tree/var/log/dpkg.log"
  # Netplan: the examples netplan.io ships (Debian package, GPL-3.0), two of them installed
  # in /etc/netplan; the expected flattening of every example is computed by PyYAML
  # (BaseLoader: scalars as written) with the rules of crates/settings/src/parse/netplan.rs.
  (cd "$work" && apt-get download -q netplan.io >/dev/null 2>&1) || { echo "fixtures: apt-get download netplan.io failed" >&2; exit 1; }
  dpkg-deb -x "$work"/netplan.io_*.deb "$work/netplan"
  mkdir -p "$lx/netplan/examples" "$lx/netplan/expected" "$lx/tree/etc/netplan"
  cp "$work"/netplan/usr/share/doc/netplan/examples/*.yaml "$lx/netplan/examples/"
  python3 - "$lx/netplan" <<'PY'
import os, sys, yaml
root = sys.argv[1]
SECRETS = {"key", "private-key", "shared", "password", "psk", "private-key-password"}
def item(i):
    if isinstance(i, dict):
        parts = []
        def leaves(d):
            for k, v in d.items():
                if k in SECRETS: continue
                if isinstance(v, dict): leaves(v)
                elif isinstance(v, list): parts.append(k + "=" + ", ".join(item(x) for x in v))
                else: parts.append(k + "=" + v)
        leaves(i)
        return " ".join(parts)
    return ", ".join(item(x) for x in i) if isinstance(i, list) else i
def flat(d, prefix, out):
    for k, v in d.items():
        if k in SECRETS: continue
        name = prefix + "." + k if prefix else k
        if isinstance(v, dict) and v: flat(v, name, out)
        elif isinstance(v, dict): out.append((name, "{}"))
        elif isinstance(v, list): out.append((name, ", ".join(item(x) for x in v)))
        else: out.append((name, v))
for f in sorted(os.listdir(root + "/examples")):
    out = []
    flat(yaml.load(open(root + "/examples/" + f), Loader=yaml.BaseLoader), "", out)
    with open(root + "/expected/" + f + ".txt", "w") as o:
        for n, v in out: o.write(n + "\t" + v + "\n")
PY
  cp "$lx/netplan/examples/static.yaml" "$lx/tree/etc/netplan/01-static.yaml"
  cp "$lx/netplan/examples/bonding.yaml" "$lx/tree/etc/netplan/02-bonding.yaml"
  # /etc/localtime: a symlink into the zone database on ext4 (as systemd/tzdata make it),
  # a copy of the host's real TZif file on FAT (no symlinks there).
  ln -s ../usr/share/zoneinfo/Europe/Berlin "$lx/tree/etc/localtime"
  linux_disk_ext4 "$lx/tree" "$lx/linux-ext4.img"
  rm "$lx/tree/etc/localtime"; cp /usr/share/zoneinfo/Europe/Berlin "$lx/tree/etc/localtime"
  tail -n 1 /usr/share/zoneinfo/Europe/Berlin > "$lx/expected/tz-footer.txt"
  linux_disk_fat "$lx/tree" "$lx/linux-fat.img"
  dpkg-query -W -f '${Package} ${Version}\n' bash coreutils dpkg e2fsprogs mtools > "$lx/expected/dpkg.txt"
  (cd "$lx/tree" && find etc/systemd/system -path '*.wants/*' | sort) > "$lx/expected/wants.txt"
  wc -l < "$lx/tree/var/log/dpkg.log" > "$lx/expected/dpkg-log-lines.txt"
  unset lx
fi
