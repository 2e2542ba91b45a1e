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
