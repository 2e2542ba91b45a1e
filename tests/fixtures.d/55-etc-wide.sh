#!/usr/bin/env bash
# Wider extraction and non-image machines (settings tests, crates/cli/tests/machines.rs):
# - etc-wide/linux: a root tree of real files (corpus pam.d/login, security/limits.conf,
#   yum.conf as /etc/app.ini (an INI file no rule names), inittab (plain text), shadow
#   (never read); the build host's Debian pam.d, security, logrotate.d and environment
#   files), as a directory, on ext4 (mke2fs -d) and on FAT (mtools).
# - etc-wide/wintree: the registry peer "a" tree (40-registry.sh) with every name
#   lower-cased, as Windows trees copied onto a case-sensitive host often are, plus the
#   corpus' real Windows hosts file.
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set (after 40-registry.sh).
ew="$out/etc-wide"
mkdir -p "$ew/linux/etc/pam.d" "$ew/linux/etc/security/limits.d" "$ew/linux/etc/logrotate.d" "$ew/linux/etc/ssh"
t="$ew/linux/etc"
cp "$etc/pam.d/login" "$t/pam.d/login"
cp "$etc/security/limits.conf" "$t/security/limits.conf"
cp "$etc/yum.conf" "$t/app.ini"
cp "$etc/inittab" "$t/inittab"
cp "$etc/shadow" "$t/shadow"
cp "$etc/ssh/sshd_config" "$t/ssh/sshd_config"
# Debian 12 ships these (libpam-runtime, login, libpam-modules, apt, dpkg, libpam-modules-bin);
# the tests need common-auth and logrotate.d/dpkg.
for f in common-auth common-password common-session su; do
  if [ -f "/etc/pam.d/$f" ]; then cp "/etc/pam.d/$f" "$t/pam.d/$f"; fi
done
for f in access.conf pam_env.conf faillock.conf time.conf; do
  if [ -f "/etc/security/$f" ]; then cp "/etc/security/$f" "$t/security/$f"; fi
done
for f in /etc/logrotate.d/apt /etc/logrotate.d/dpkg /etc/environment; do
  if [ -f "$f" ]; then cp "$f" "$t/${f#/etc/}"; fi
done
# A systemd drop-in as Debian's systemd ships it (systemd.unit(5): <unit>.d/*.conf).
dropin=/usr/lib/systemd/system/user-.slice.d/10-defaults.conf
if [ -f "$dropin" ]; then mkdir -p "$t/systemd/system/user-.slice.d"; cp "$dropin" "$t/systemd/system/user-.slice.d/"; fi
chmod -R u+w "$ew/linux"
rm -f "$ew/linux-ext4.img"; truncate -s 16M "$ew/linux-ext4.img"
mke2fs -q -F -t ext4 -L root -E root_owner=0:0 -d "$ew/linux" "$ew/linux-ext4.img"
rm -f "$ew/linux-fat.img"; truncate -s 16M "$ew/linux-fat.img"
mkfs.fat -F 16 -n ROOT "$ew/linux-fat.img" >/dev/null
mcopy -s -i "$ew/linux-fat.img" "$ew/linux/etc" ::/

w="$ew/wintree"
mkdir -p "$w/windows/system32/config" "$w/users/alice" "$w/windows/system32/drivers/etc"
cp "$reg/peers/a/Windows/System32/config/SYSTEM" "$w/windows/system32/config/system"
cp "$reg/peers/a/Windows/System32/config/SOFTWARE" "$w/windows/system32/config/software"
cp "$reg/peers/a/Users/alice/NTUSER.DAT" "$w/users/alice/ntuser.dat"
cp "$corpus/linux-etc/velociraptor/windows-hosts" "$w/windows/system32/drivers/etc/hosts"
# Scheduled tasks: Windows keeps one file per task under System32\Tasks, in folders
# (Microsoft\Windows\<area>); only their presence is extracted, so the files are empty.
mkdir -p "$w/windows/system32/tasks/Microsoft/Windows/Defrag" "$w/windows/system32/tasks/Microsoft/Windows/Windows Defender"
: > "$w/windows/system32/tasks/Microsoft/Windows/Defrag/ScheduledDefrag"
: > "$w/windows/system32/tasks/Microsoft/Windows/Windows Defender/Windows Defender Scheduled Scan"
# The same tree on NTFS in a GPT disk (RECIPES.md Recipe 1: mkntfs, wimlib-imagex apply, sfdisk).
truncate -s 62M "$work/ew-ntfs.img"
mkntfs -F -Q -q -s 512 -L OS -p 2048 -H 255 -S 63 "$work/ew-ntfs.img" 2>/dev/null
wimlib-imagex capture "$w" "$work/ew.wim" OS --compress=none >/dev/null
wimlib-imagex apply "$work/ew.wim" 1 "$work/ew-ntfs.img" >/dev/null
rm -f "$ew/wintree-ntfs.img"; truncate -s 64M "$ew/wintree-ntfs.img"
printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\nstart=2048, size=126976, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' | sfdisk -q "$ew/wintree-ntfs.img"
dd if="$work/ew-ntfs.img" of="$ew/wintree-ntfs.img" bs=1M seek=1 conv=notrunc,sparse status=none
