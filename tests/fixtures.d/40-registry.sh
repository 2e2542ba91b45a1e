#!/usr/bin/env bash
# Registry fixtures: real hives (decompressed), their transaction logs, expected value counts
# computed by hivexregedit (libhivex), and two Windows "volumes" (plain directory trees) that
# differ only in host name, user name and user SID.
# Sourced by tests/fixtures.sh with $out, $corpus and $work set.
reg="$out/registry"
R="$corpus/registry"
command -v hivexregedit >/dev/null || { echo "fixtures: hivexregedit missing (apt-get install libwin-hivex-perl)" >&2; exit 1; }
mkdir -p "$reg"
unxz_to() { mkdir -p "$(dirname "$reg/$2")"; xz -dc "$R/$1" > "$reg/$2"; }
copy_to() { mkdir -p "$(dirname "$reg/$2")"; cp "$R/$1" "$reg/$2"; chmod u+w "$reg/$2"; }

# --- hives, one directory each so that logs sit next to their hive under Windows' names ----
unxz_to win7-x86/SYSTEM.xz win7/SYSTEM
unxz_to win10-1709/SYSTEM.xz win10-1709/SYSTEM
unxz_to win10-sensei/SYSTEM.xz sensei/SYSTEM
unxz_to win10-dirty/SYSTEM_B.xz win10-dirty/SYSTEM
unxz_to win10-dirty/SYSTEM_B.LOG1.xz win10-dirty/SYSTEM.LOG1
unxz_to win10-dirty/SYSTEM_B.LOG2.xz win10-dirty/SYSTEM.LOG2
unxz_to user/NTUSER.DAT.xz ntuser-vibranium/NTUSER.DAT
unxz_to user/NTUSER_modified.DAT.xz ntuser-modified/NTUSER.DAT
unxz_to user/NTUSER-WIN7.DAT.xz ntuser-win7/NTUSER.DAT
unxz_to user/NTUSER-WIN10-rathbun.DAT.xz ntuser-win10/NTUSER.DAT
unxz_to user-dirty/transactions_NTUSER.DAT.xz ntuser-dirty/NTUSER.DAT
unxz_to user-dirty/transactions_ntuser.dat.log1.xz ntuser-dirty/NTUSER.DAT.LOG1
unxz_to user-dirty/transactions_ntuser.dat.log2.xz ntuser-dirty/NTUSER.DAT.LOG2
unxz_to win11-dirty/NTUSER.DAT.xz win11/NTUSER.DAT
unxz_to win11-dirty/ntuser.dat.LOG1.xz win11/NTUSER.DAT.LOG1
unxz_to win11-dirty/ntuser.dat.LOG2.xz win11/NTUSER.DAT.LOG2
unxz_to win11-dirty/DEFAULT.xz win11/DEFAULT
unxz_to win11-dirty/DEFAULT.LOG1.xz win11/DEFAULT.LOG1
unxz_to win11-dirty/DEFAULT.LOG2.xz win11/DEFAULT.LOG2
copy_to win11-dirty/SAM win11/SAM
unxz_to other/SAM.xz other/SAM
unxz_to other/SECURITY.xz other/SECURITY
unxz_to other/BCD.xz other/BCD
unxz_to other/amcache.hve.xz other/amcache.hve
unxz_to broken/corrupted_system_hive.xz broken/SYSTEM
copy_to nt-hive/testhive small/testhive
for h in minimal special rlenvalue_test_hive; do copy_to hivex/$h small/$h; done
for h in BigDataHive StringValuesHive UnicodeHive; do copy_to yarp/$h small/$h; done
mkdir -p "$reg/yarp"
cp -r "$R/yarp/NewDirtyHive1" "$R/yarp/OldDirtyHive" "$reg/yarp/"
chmod -R u+w "$reg/yarp"

# --- expected value counts: one line per hive, "<path relative to $reg> <values>" -----------
# Every value is one line of the export starting with `"name"=` or `@=` (continuation lines of
# long hex values start with two spaces). Dirty hives are counted as they are on disk.
: > "$reg/counts.txt"
for h in win7/SYSTEM win10-1709/SYSTEM sensei/SYSTEM win10-dirty/SYSTEM \
         ntuser-vibranium/NTUSER.DAT ntuser-modified/NTUSER.DAT ntuser-win7/NTUSER.DAT \
         ntuser-win10/NTUSER.DAT ntuser-dirty/NTUSER.DAT win11/NTUSER.DAT win11/DEFAULT win11/SAM \
         other/SAM other/SECURITY other/BCD other/amcache.hve small/testhive small/minimal \
         small/special small/rlenvalue_test_hive small/BigDataHive small/StringValuesHive \
         small/UnicodeHive yarp/NewDirtyHive1/RecoveredHive_Windows10 yarp/OldDirtyHive/RecoveredHive_Windows7; do
  n=$(hivexregedit --export "$reg/$h" '\' 2>/dev/null | grep -c -E '^("|@=)' || true)
  echo "$h $n" >> "$reg/counts.txt"
done

# --- two peers: same hives, different host name, user name and user SID ---------------------
# peer a: host PEER-ALPHA, user alice, SID S-1-5-21-1111111111-2222222222-3333333333-1001
# peer b: host WS-BRAVO,   user bob,   SID S-1-5-21-3444444444-555555555-666666666-1001
make_peer() { # dir host user sid-domain
  local d="$reg/peers/$1" host=$2 user=$3 dom=$4 cfg
  cfg="$d/Windows/System32/config"
  mkdir -p "$cfg" "$d/Users/$user"
  cp "$reg/win7/SYSTEM" "$cfg/SYSTEM"
  printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName]\n"ComputerName"="%s"\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Tcpip\\Parameters]\n"Hostname"="%s"\n"NV Hostname"="%s"\n"SearchList"="%s.corp.example"\n' \
    "$host" "$(echo "$host" | tr A-Z a-z)" "$(echo "$host" | tr A-Z a-z)" "$(echo "$host" | tr A-Z a-z)" > "$work/$1-system.reg"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$cfg/SYSTEM" "$work/$1-system.reg"
  cp "$R/hivex/minimal" "$cfg/SOFTWARE"; chmod u+w "$cfg/SOFTWARE"
  # libguestfs' phony Uninstall keys first (native and WOW6432Node): the v2v files after it
  # set the Windows 10 CurrentVersion values.
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$cfg/SOFTWARE" "$R/reg-text/libguestfs-windows-software.reg" \
    "$R/reg-text/v2v-win10-software.reg" "$R/reg-text/v2v-windows-software-all.reg"
  # The binary Sid value is the SID in its on-disk form (revision 1, 5 sub-authorities).
  local sidhex
  sidhex=$(python3 -c "import struct,sys; d=[int(x) for x in sys.argv[1].split('-')]; b=bytes([1,5,0,0,0,0,0,5])+struct.pack('<5I',21,*d,1001); print(','.join('%02x'%c for c in b))" "$dom")
  printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-18]\n"ProfileImagePath"="%%systemroot%%\\\\system32\\\\config\\\\systemprofile"\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-21-%s-1001]\n"ProfileImagePath"="C:\\\\Users\\\\%s"\n"Sid"=hex:%s\n"State"=dword:00000000\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\n"Sync"="C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\sync.exe /user:%s"\n' \
    "$dom" "$user" "$sidhex" "$user" "$user" > "$work/$1-software.reg"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$cfg/SOFTWARE" "$work/$1-software.reg"
  cp "$reg/ntuser-vibranium/NTUSER.DAT" "$d/Users/$user/NTUSER.DAT"
  printf 'Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Volatile Environment]\n"USERPROFILE"="C:\\\\Users\\\\%s"\n"USERNAME"="%s"\n"USERDOMAIN"="%s"\n' \
    "$user" "$user" "$host" > "$work/$1-user.reg"
  hivexregedit --merge --prefix 'HKEY_CURRENT_USER' "$d/Users/$user/NTUSER.DAT" "$work/$1-user.reg"
  # One per-user install; an INI file under C:/Windows that names the computer (rule I7).
  printf 'Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall]\n\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Teams]\n"DisplayName"="Microsoft Teams"\n"DisplayVersion"="1.5.0.30767"\n"InstallLocation"="C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\Microsoft\\\\Teams"\n' \
    "$user" > "$work/$1-user-uninstall.reg"
  hivexregedit --merge --prefix 'HKEY_CURRENT_USER' "$d/Users/$user/NTUSER.DAT" "$work/$1-user-uninstall.reg"
  printf '[agent]\r\nserver=mgmt.corp.example\r\nclient=%s\r\nlog=C:\\ProgramData\\agent\\%s.log\r\n' "$host" "$host" > "$d/Windows/agent.ini"
}
make_peer a PEER-ALPHA alice 1111111111-2222222222-3333333333
make_peer b WS-BRAVO bob 3444444444-555555555-666666666

# --- peer a as a FAT16 volume (no partition table), for the end-to-end scan_machine test ----
img="$reg/peer-a-fat.img"
truncate -s 48M "$img"
mformat -i "$img" -T 98304 -h 16 -s 32 -v PEERA ::
mcopy -s -i "$img" "$reg/peers/a/Windows" "$reg/peers/a/Users" ::/
img="$reg/peer-b-fat.img"
truncate -s 48M "$img"
mformat -i "$img" -T 98304 -h 16 -s 32 -v PEERB ::
mcopy -s -i "$img" "$reg/peers/b/Windows" "$reg/peers/b/Users" ::/

# --- services of the real Windows 10 1709 SYSTEM hive, read by libhivex (Win::Hivex), the
# oracle for the service settings and their provenance. One line per service with a Start
# value: name, Start, Type, DelayedAutostart (or -), ImagePath (or -), file offset of
# Start's vk cell (a hivex value handle).
cat > "$work/services.pl" <<'PERL'
use strict; use warnings; use Win::Hivex;
my $h = Win::Hivex->open($ARGV[0]);
my $root = $h->root();
my $cur = $h->value_dword($h->node_get_value($h->node_get_child($root, "Select"), "Current"));
my $svcs = $h->node_get_child($h->node_get_child($root, sprintf("ControlSet%03d", $cur)), "Services");
sub val { my ($n, $k) = @_; return eval { $h->node_get_value($n, $k) }; }
sub num { my $v = shift; return "-" unless $v; my ($t) = $h->value_type($v); return $t == 4 ? $h->value_dword($v) : "-"; }
for my $n ($h->node_children($svcs)) {
  my $start = val($n, "Start"); next unless $start;
  my $img = val($n, "ImagePath");
  printf "%s\t%s\t%s\t%s\t%s\t%d\n", $h->node_name($n), num($start), num(val($n, "Type")),
    num(val($n, "DelayedAutostart")), ($img ? $h->value_string($img) : "-"), $start;
}
PERL
perl "$work/services.pl" "$reg/win10-1709/SYSTEM" > "$reg/win10-1709/services.txt"
v="$reg/vol-1709/Windows/System32/config"
mkdir -p "$v"
ln "$reg/win10-1709/SYSTEM" "$v/SYSTEM"

# --- volumes with dirty hives: logs next to them (found case-insensitively, as Windows names
# NTUSER.DAT's logs ntuser.dat.LOG1), and the same SYSTEM hive without its logs -------------
v="$reg/vol-dirty/Windows/System32/config"
mkdir -p "$v" "$reg/vol-nolog/Windows/System32/config"
ln "$reg/win10-dirty/SYSTEM" "$v/SYSTEM"
ln "$reg/win10-dirty/SYSTEM.LOG1" "$v/SYSTEM.LOG1"
ln "$reg/win10-dirty/SYSTEM.LOG2" "$v/SYSTEM.LOG2"
ln "$reg/win11/DEFAULT" "$v/DEFAULT"
ln "$reg/win11/DEFAULT.LOG1" "$v/default.LOG1"
ln "$reg/win11/DEFAULT.LOG2" "$v/default.LOG2"
ln "$reg/win10-dirty/SYSTEM" "$reg/vol-nolog/Windows/System32/config/SYSTEM"
