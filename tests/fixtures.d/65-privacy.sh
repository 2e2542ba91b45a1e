#!/usr/bin/env bash
# Privacy and XSS fixtures (crates/cli/tests/privacy.rs, tests/e2e/flows/privacy.mjs).
#
# People's full names and e-mail addresses (LogonUI LastLoggedOnDisplayName, RegisteredOwner,
# a Run value) are in known.txt too: no output may hold them.
# Two Windows machines built from the corpus's real hives, each a FAT32 volume (mtools) with
# Windows/System32/config/{SYSTEM,SOFTWARE,SAM} and the user's NTUSER.DAT:
#   win7.img:  SYSTEM of WKS-WIN732BITA; user vibranium (NTUSER.DAT names WKS-WIN732BITA and
#              vibranium), SID S-1-5-21-2036804247-3058324640-2116585241-1673 (the SID in
#              vibranium's own NTUSER.DAT); SAM with Administrator, Guest, Preston.
#   win10.img: SYSTEM of DESKTOP-2KGM189 (its bam keys hold S-1-5-21-2595688666-…-1001); user
#              AndrewRathbun (the name in his NTUSER.DAT) with that SID.
# SOFTWARE is hivex's minimal hive + the corpus's .reg exports (no real SOFTWARE is small
# enough), plus a ProfileList entry for the user (as Windows writes it) and a Run value naming
# the user and the host, merged with hivexregedit.
# known.txt lists the identifying strings the exports must not contain.
#
# xss.img: ext4 (mke2fs -d, which takes any byte but '/' in a name) holding win7's Windows
# tree plus /etc: sshd_config with a hostile Banner, /etc/cron.d/<img src=x onerror=alert(1)>,
# and hostile registry values in SOFTWARE ... \Run.
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
priv="$out/privacy"
R="$corpus/registry"
mkdir -p "$priv"
priv_tree() { # dir system-xz user ntuser-xz sid-domain host full-name e-mail
  local d=$1 user=$3 dom=$5 host=$6 full=$7 mail=$8 cfg="$1/Windows/System32/config" sidhex
  mkdir -p "$cfg" "$d/Users/$user"
  xz -dc "$R/$2" > "$cfg/SYSTEM"
  xz -dc "$R/other/SAM.xz" > "$cfg/SAM"
  xz -dc "$R/user/$4" > "$d/Users/$user/NTUSER.DAT"
  cp "$R/hivex/minimal" "$cfg/SOFTWARE"; chmod u+w "$cfg/SOFTWARE"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$cfg/SOFTWARE" \
    "$R/reg-text/v2v-win10-software.reg" "$R/reg-text/v2v-windows-software-all.reg"
  sidhex=$(python3 -c "import struct,sys; d=[int(x) for x in sys.argv[1].split('-')]; b=bytes([1,5,0,0,0,0,0,5])+struct.pack('<5I',21,*d); print(','.join('%02x'%c for c in b))" "$dom")
  cat > "$work/priv-$user.reg" <<EOF
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList]

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-21-$dom]
"ProfileImagePath"="C:\\\\Users\\\\$user"
"Sid"=hex:$sidhex
"State"=dword:00000000

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]
"Sync"="C:\\\\Users\\\\$user\\\\AppData\\\\Local\\\\sync.exe /user:$user /host:$host"
"Mailer"="C:\\\\Program Files\\\\Mail\\\\mail.exe --account $mail --signature \\"$full\\""

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication]

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\LogonUI]
"LastLoggedOnDisplayName"="$full"
"LastLoggedOnUser"=".\\\\$user"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]
"RegisteredOwner"="$full"
EOF
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$cfg/SOFTWARE" "$work/priv-$user.reg"
}
priv_fat() { # tree img
  rm -f "$2"; truncate -s 64M "$2"
  mformat -i "$2" -T 131072 -h 16 -s 32 -F -v PRIV ::
  mcopy -s -i "$2" "$1/Windows" "$1/Users" ::/
}
priv_tree "$work/priv-win7" win7-x86/SYSTEM.xz vibranium NTUSER.DAT.xz 2036804247-3058324640-2116585241-1673 WKS-WIN732BITA \
  "Victoria Branium" victoria.branium@wks.example.org
priv_tree "$work/priv-win10" win10-1709/SYSTEM.xz AndrewRathbun NTUSER-WIN10-rathbun.DAT.xz 2595688666-2948619230-3055395256-1001 DESKTOP-2KGM189 \
  "Andrew Rathbun" a.rathbun@desktop.example.com
priv_fat "$work/priv-win7" "$priv/win7.img"
priv_fat "$work/priv-win10" "$priv/win10.img"
# Identifying strings of the two machines: host names, user names, the users' SIDs and
# their domain parts (a SID with another RID names the same machine).
cat > "$priv/known.txt" <<EOF
WKS-WIN732BITA
DESKTOP-2KGM189
vibranium
AndrewRathbun
2036804247-3058324640-2116585241
2595688666-2948619230-3055395256
Victoria Branium
Andrew Rathbun
victoria.branium@wks.example.org
a.rathbun@desktop.example.com
EOF

# --- XSS: hostile names and values in a real ext4 volume -------------------------------------
x="$work/xss"
cp -r "$work/priv-win7" "$x"
mkdir -p "$x/etc/ssh" "$x/etc/cron.d"
cp "$etc/ssh/sshd_config" "$x/etc/ssh/sshd_config"
sed -i '1i Banner "><script>alert(1)</script>' "$x/etc/ssh/sshd_config"
printf '# hostile file name\n' > "$x/etc/cron.d/<img src=x onerror=alert(1)>"
# A person's account (GECOS full name) and their e-mail address in a crontab (I8).
printf 'root:x:0:0:root:/root:/bin/bash\nvibranium:x:1000:1000:Victoria Branium,,,:/home/vibranium:/bin/bash\n' > "$x/etc/passwd"
printf 'MAILTO=victoria.branium@wks.example.org\nOWNER="Victoria Branium"\n0 3 * * * root /usr/local/bin/backup\n' > "$x/etc/cron.d/backup"
cat > "$work/xss.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run]
"<img src=x onerror=alert(1)>"="\"><script>alert(1)</script>"
"Updater"="<svg onload=alert(1)>"
EOF
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$x/Windows/System32/config/SOFTWARE" "$work/xss.reg"
rm -f "$priv/xss.img"; truncate -s 48M "$priv/xss.img"
mke2fs -q -F -t ext4 -E root_owner=0:0 -d "$x" "$priv/xss.img"
