#!/usr/bin/env bash
# Hard links and directory loops (issue 15), on filesystems made by real tools, into links/:
#   ext-links.img   ext4 (mke2fs -d) with /etc/sysctl.d/a.conf hard-linked as b.conf (the
#                   same inode) and a directory hard link /etc/app/sub/up → /etc/app made by
#                   debugfs `link` (e2fsck calls it an error; the kernel refuses to make one).
#   ntfs-links.img  NTFS (mkntfs, wimlib-imagex apply, which makes real NTFS hard links) with the
#                   same hard links, and /etc/app/sub/up a real directory whose index entry in
#                   /etc/app/sub is then pointed at /etc/app's file record (no tool makes a
#                   directory hard link on NTFS: a documented synthetic mutation of one 6-byte
#                   field, checked against the name and parent in the entry's key).
#   fat-loop.img    FAT16 (mkfs.fat, mtools) with /ETC/APP/SUB/UP a directory whose entry's
#                   first cluster is then set to /ETC/APP's (no tool makes such a loop; a
#                   documented synthetic mutation of the entry's two cluster fields).
# All are bare filesystems (no partition table). Sourced by tests/fixtures.sh ($out, $work).
links="$out/links"; mkdir -p "$links"
tree="$work/links-tree"; rm -rf "$tree"; mkdir -p "$tree/etc/app/sub" "$tree/etc/sysctl.d"
printf 'ID=debian\nVERSION_ID="12"\n' > "$tree/etc/os-release"
printf 'key = value\n' > "$tree/etc/app/sub/x.conf"
printf 'net.a = 1\nnet.b = 2\n' > "$tree/etc/sysctl.d/a.conf"
ln "$tree/etc/sysctl.d/a.conf" "$tree/etc/sysctl.d/b.conf"
rm -f "$links/ext-links.img"
mke2fs -q -t ext4 -d "$tree" "$links/ext-links.img" 8M >/dev/null
debugfs -w -R "link /etc/app /etc/app/sub/up" "$links/ext-links.img" 2>/dev/null
debugfs -R "ls -l /etc/app/sub" "$links/ext-links.img" 2>/dev/null | grep -q " up *$" \
  || { echo "fixtures: debugfs did not link /etc/app/sub/up" >&2; exit 1; }

mkdir -p "$tree/etc/app/sub/up"
rm -f "$links/ntfs-links.img"; truncate -s 8M "$links/ntfs-links.img"
mkntfs -F -Q -q -s 512 "$links/ntfs-links.img" 2>/dev/null
wimlib-imagex capture "$tree" "$work/links.wim" OS --compress=none >/dev/null
wimlib-imagex apply "$work/links.wim" 1 "$links/ntfs-links.img" >/dev/null
record() { ntfsinfo -F "$1" "$links/ntfs-links.img" | sed -n 's/^Dumping Inode \([0-9]*\).*/\1/p'; }
python3 - "$links/ntfs-links.img" "$(record /etc/app)" "$(record /etc/app/sub)" "$(record /etc/app/sub/up)" <<'PY'
# The index entry of "up" in /etc/app/sub: file reference (6-byte record number, 2-byte
# sequence) at +0, its $FILE_NAME key at +16 with the parent reference at key+0 and the
# UTF-16 name at key+0x42. Only the record number changes: up → /etc/app.
import struct, sys
path, app, sub, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
data = bytearray(open(path, 'rb').read())
name = 'up'.encode('utf-16-le')
hits = []
at = data.find(name)
while at >= 0:
    entry = at - 16 - 0x42
    if entry >= 0 and data[at - 2] == 2:  # name length 2
        ref = int.from_bytes(data[entry:entry + 6], 'little')
        parent = int.from_bytes(data[entry + 16:entry + 22], 'little')
        if ref == up and parent == sub:
            hits.append(entry)
    at = data.find(name, at + 1)
assert len(hits) == 1, f'index entries of up: {hits}'
entry = hits[0]
# The 6 bytes must not hold an update sequence slot (the last 2 bytes of a 512-byte sector).
assert entry % 512 <= 504, entry
data[entry:entry + 6] = app.to_bytes(6, 'little')
open(path, 'wb').write(data)
PY
ntfsls -i -p /etc/app/sub "$links/ntfs-links.img" | grep -q "^ *$(record /etc/app) up$" \
  || { echo "fixtures: /etc/app/sub/up does not lead to /etc/app" >&2; exit 1; }
rm -rf "$tree" "$work/links.wim"

rm -f "$links/fat-loop.img"; truncate -s 8M "$links/fat-loop.img"
mkfs.fat -F 16 -S 512 -s 1 "$links/fat-loop.img" >/dev/null
mmd -i "$links/fat-loop.img" ::/ETC ::/ETC/APP ::/ETC/APP/SUB ::/ETC/APP/SUB/UP
printf 'key = value\n' > "$work/x.conf"; mcopy -i "$links/fat-loop.img" "$work/x.conf" ::/ETC/APP/SUB/X.CONF; rm -f "$work/x.conf"
python3 - "$links/fat-loop.img" <<'PY'
# Short directory entries (32 bytes): name 8.3 at +0, attributes at +11 (0x10: directory),
# first cluster high 16 bits at +20, low at +26. UP's cluster becomes APP's.
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
def entry(name):
    hits = [i for i in range(0, len(data) - 32, 32) if data[i:i + 11] == name and data[i + 11] & 0x10]
    assert len(hits) == 1, (name, hits)
    return hits[0]
app, up = entry(b'APP        '), entry(b'UP         ')
data[up + 20:up + 22] = data[app + 20:app + 22]
data[up + 26:up + 28] = data[app + 26:app + 28]
open(path, 'wb').write(data)
PY
mdir -i "$links/fat-loop.img" ::/ETC/APP/SUB/UP/SUB | grep -q " X\.CONF$" \
  || { echo "fixtures: /ETC/APP/SUB/UP does not lead to /ETC/APP" >&2; exit 1; }
