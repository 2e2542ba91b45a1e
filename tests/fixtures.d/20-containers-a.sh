#!/usr/bin/env bash
# VHD, VHDX and QCOW2 fixtures: one raw disk converted by qemu-img into every variant, a
# qcow2 overlay, 20 GiB sparse images, and the corpus images decompressed.
# Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
# Ground truth for every image is `qemu-img convert -O raw` of it (<image>.raw).
ca="$out/containers-a"
mkdir -p "$ca/corpus"

# --- the source disk: 64 MiB, GPT, FAT32 partition at 1 MiB with real files ----------
raw="$ca/disk.raw"
truncate -s 64M "$raw"
printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\nstart=2048, size=126976, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="data"\n' | sfdisk -q "$raw"
mformat -i "$raw@@1M" -T 126976 -h 16 -s 32 -F -v CONTAINERS ::
tree="$work/containers-a"
mkdir -p "$tree"
echo containers-a > "$tree/hostname"
xz -dc "$corpus/registry/other/SAM.xz" > "$tree/SAM"
xz -dc "$corpus/registry/other/amcache.hve.xz" > "$tree/Amcache.hve"
xz -dc "$corpus/registry/user/NTUSER-WIN7.DAT.xz" > "$tree/NTUSER.DAT"
mmd -i "$raw@@1M" ::/etc ::/etc/ssh ::/Windows ::/Windows/System32 ::/Windows/System32/config ::/Users
mcopy -i "$raw@@1M" "$tree/hostname" ::/etc/hostname
mcopy -i "$raw@@1M" "$etc/ssh/sshd_config" ::/etc/ssh/sshd_config
mcopy -i "$raw@@1M" "$tree/SAM" ::/Windows/System32/config/SAM
mcopy -i "$raw@@1M" "$tree/Amcache.hve" ::/Windows/System32/config/Amcache.hve
mcopy -i "$raw@@1M" "$tree/NTUSER.DAT" ::/Users/NTUSER.DAT

# --- every variant qemu-img makes -----------------------------------------------------
conv() { # output format options...
  local o=$1 f=$2; shift 2
  qemu-img convert -f raw -O "$f" "$@" "$raw" "$ca/$o"
}
conv disk-dynamic.vhd vpc -o subformat=dynamic,force_size=on
conv disk-fixed.vhd vpc -o subformat=fixed,force_size=on
conv disk-dynamic.vhdx vhdx -o subformat=dynamic
conv disk-dynamic-1m.vhdx vhdx -o subformat=dynamic,block_size=1M
conv disk-fixed.vhdx vhdx -o subformat=fixed
conv disk-v2.qcow2 qcow2 -o compat=0.10
conv disk-v3.qcow2 qcow2 -o compat=1.1
conv disk-v2-zlib.qcow2 qcow2 -c -o compat=0.10
conv disk-v3-zlib.qcow2 qcow2 -c -o compat=1.1
conv disk-v3-zlib-4k.qcow2 qcow2 -c -o compat=1.1,cluster_size=4096
conv disk-v3-zstd.qcow2 qcow2 -c -o compat=1.1,compression_type=zstd
conv disk-v3-extl2.qcow2 qcow2 -o compat=1.1,extended_l2=on
for img in disk-v2-zlib.qcow2 disk-v3-zlib.qcow2 disk-v3-zlib-4k.qcow2 disk-v3-zstd.qcow2; do
  qemu-img map --output=json "$ca/$img" | grep -q '"compressed": true' || { echo "fixtures: $img has no compressed cluster" >&2; exit 1; }
done

# --- overlays: a 64 KiB pattern and zeroed clusters over a backing file (relative name) -
(
  cd "$ca"
  qemu-img create -q -f qcow2 -b disk-v3.qcow2 -F qcow2 ov.qcow2
  qemu-io -c 'write -P 0x5a 1M 64k' -c 'write -z 3M 128k' ov.qcow2 >/dev/null
  # Extended L2 (2 KiB subclusters): a 4 KiB write allocates two subclusters only.
  qemu-img create -q -f qcow2 -o extended_l2=on -b disk-v3.qcow2 -F qcow2 ov-extl2.qcow2
  qemu-io -c 'write -P 0xa5 0x110800 4k' -c 'write -z 0x300800 2k' ov-extl2.qcow2 >/dev/null
  # Over a raw backing file.
  qemu-img create -q -f qcow2 -b disk.raw -F raw ov-raw.qcow2
  qemu-io -c 'write -P 0x3c 33M 128k' ov-raw.qcow2 >/dev/null
  qemu-img info --output=json ov-raw.qcow2 > ov-raw.qcow2.info.json
  # A backing chain that loops: loop-a -> loop-b -> loop-a (rebase -u writes it unchecked).
  qemu-img create -q -f qcow2 loop-a.qcow2 1M
  qemu-img create -q -f qcow2 -b loop-a.qcow2 -F qcow2 loop-b.qcow2
  qemu-img rebase -u -b loop-b.qcow2 -F qcow2 loop-a.qcow2
)

# --- QCOW2 internal snapshots, a dirty image, a corrupt one -------------------------------
(
  cd "$ca"
  # snap1 = the FAT disk; snap2 after a first write; then the active state moves on again.
  qemu-img convert -f raw -O qcow2 disk.raw snap.qcow2
  qemu-img snapshot -c snap1 snap.qcow2
  qemu-io -c 'write -P 0x61 2M 192k' -c 'write -z 40M 1M' snap.qcow2 >/dev/null
  qemu-img snapshot -c snap2 snap.qcow2
  # Grown to 96 MiB after the snapshots (each keeps its own 64 MiB size in its extra data).
  qemu-img resize -q snap.qcow2 96M
  qemu-io -c 'write -P 0x62 2112k 64k' -c 'write -P 0x63 60M 64k' -c 'write -P 0x64 80M 64k' snap.qcow2 >/dev/null
  for s in snap1 snap2; do
    qemu-img convert -l snapshot.name=$s -O raw snap.qcow2 snap.qcow2.$s.raw
    # qemu-img reads a snapshot at the image's current size: past the snapshot's 64 MiB, zeros.
    cmp -s -n $((32 << 20)) -i $((64 << 20)):0 snap.qcow2.$s.raw /dev/zero \
      || { echo "fixtures: snapshot $s reads non-zero past its size" >&2; exit 1; }
    truncate -s 64M snap.qcow2.$s.raw
  done
  TZ=UTC qemu-img snapshot -l snap.qcow2 > snap.qcow2.list
  # Dirty: lazy refcounts and a process killed before closing the image (bit 0 at 72 stays set).
  qemu-img create -q -f qcow2 -o lazy_refcounts=on dirty.qcow2 64M
  # (In a subshell, whose stderr also takes the shell's "Killed" notice.)
  (qemu-io -c 'write -P 0x44 0 64k' -c 'write -P 0x45 5M 128k' -c 'sigraise 9' dirty.qcow2 >/dev/null || true) 2>/dev/null
  [ "$(od -An -tx1 -j79 -N1 dirty.qcow2 | tr -d ' ')" = 01 ] || { echo "fixtures: dirty.qcow2 is not dirty" >&2; exit 1; }
  # Corrupt: point the L2 entry of guest cluster 0 at the refcount block; qemu's overlap check
  # then refuses the next write there and sets the corrupt bit itself (bit 1 at 72).
  qemu-img create -q -f qcow2 corrupt.qcow2 64M
  qemu-io -c 'write -P 0x55 0 64k' -c 'write -P 0x66 1M 64k' corrupt.qcow2 >/dev/null
  python3 - corrupt.qcow2 <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    h = f.read(112)
    l1 = struct.unpack(">Q", h[40:48])[0]
    rt = struct.unpack(">Q", h[48:56])[0]
    f.seek(l1); l2 = struct.unpack(">Q", f.read(8))[0] & 0x00fffffffffffe00
    f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
    f.seek(l2); f.write(struct.pack(">Q", (1 << 63) | rb))
PY
  qemu-io -c 'write -P 0x77 0 4k' corrupt.qcow2 >/dev/null 2>&1 || true
  qemu-img info corrupt.qcow2 | grep -q 'corrupt: true' || { echo "fixtures: qemu did not mark corrupt.qcow2" >&2; exit 1; }
)

# --- 20 GiB sparse images: opening one must read almost nothing -----------------------
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$ca/sparse-20g.vhd" 20G
qemu-img create -q -f vhdx "$ca/sparse-20g.vhdx" 20G
qemu-img create -q -f qcow2 "$ca/sparse-20g.qcow2" 20G

# --- corpus images --------------------------------------------------------------------
for f in "$corpus"/disks/vhd/*.xz "$corpus"/disks/vhdx/*.xz "$corpus"/disks/qcow2/*; do
  b=$(basename "$f")
  case $b in
    *.xz) xz -dc "$f" > "$ca/corpus/${b%.xz}" ;;
    *) cp "$f" "$ca/corpus/$b" ;;
  esac
done

# --- ground truth: qemu-img's own reading of each image (fixed VHD needs -f vpc) ------
for img in "$ca"/*.vhd "$ca"/*.vhdx "$ca"/*.qcow2 "$ca"/corpus/*; do
  case $img in *sparse-20g*|*fat-differential*|*loop-*|*corrupt*) continue ;; esac
  fmt=(); case $img in *.vhd) fmt=(-f vpc) ;; esac
  (cd "$(dirname "$img")" && qemu-img convert "${fmt[@]}" -O raw "$img" "$img.raw")
done

# --- a parent for the corpus' Windows-made differencing VHD ----------------------------
# Its real parent (fat-parent.vhd) is not in the corpus. Stand in a fixed VHD whose sectors
# each hold their own number (never zero), with the footer's unique id patched to the one the
# child names and the footer checksum recomputed; qemu-img's reading of the child alone
# (which ignores sector bitmaps and parents) is the other half of the ground truth.
diff_vhd="$ca/corpus/dfvfs-fat-differential.vhd"
qemu-img convert -f vpc -O raw "$diff_vhd" "$diff_vhd.child.raw"
python3 - "$work/fat-parent.raw" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(8192):
        f.write(bytes([i % 251 + 1, i // 251 + 1]) * 256)
PY
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$work/fat-parent.raw" "$ca/fat-parent.vhd"
cp "$work/fat-parent.raw" "$ca/fat-parent.vhd.raw"
python3 - "$diff_vhd" "$ca/fat-parent.vhd" <<'PY'
import struct, sys
child = open(sys.argv[1], "rb").read()
parent_uuid = child[512 + 40:512 + 56]          # dynamic disk header: parent unique id
with open(sys.argv[2], "r+b") as f:
    f.seek(-512, 2)
    footer = bytearray(f.read(512))
    footer[68:84] = parent_uuid
    footer[64:68] = b"\0\0\0\0"
    footer[64:68] = struct.pack(">I", ~sum(footer) & 0xffffffff)
    f.seek(-512, 2)
    f.write(footer)
PY

# --- a VHDX left with a log to replay ----------------------------------------------------
# blkdebug fails the write of the BAT sector (at 2 MiB) that qemu makes when it replays its
# own log entry, so the header keeps the log GUID and the entry stays in the log, as after a
# crash. Ground truth: qemu-img check -r all (which replays the log) on a copy, then convert.
qemu-img create -q -f vhdx "$ca/dirty.vhdx" 64M
printf '[inject-error]\nevent = "pwritev"\nsector = "4096"\nerrno = "5"\n' > "$work/blkdebug.cfg"
qemu-io -c 'write -P 0x11 0 1M' \
  "json:{\"driver\":\"vhdx\",\"file\":{\"driver\":\"blkdebug\",\"config\":\"$work/blkdebug.cfg\",\"image\":{\"driver\":\"file\",\"filename\":\"$ca/dirty.vhdx\"}}}" \
  >/dev/null 2>&1 || true
if qemu-img info "$ca/dirty.vhdx" >/dev/null 2>&1; then
  echo "fixtures: dirty.vhdx has no log to replay" >&2; exit 1
fi
cp "$ca/dirty.vhdx" "$work/repaired.vhdx"
qemu-img check -q -r all "$work/repaired.vhdx" || true
qemu-img convert -O raw "$work/repaired.vhdx" "$ca/dirty.vhdx.raw"

# --- a VHDX whose log holds an active sequence of three entries ----------------------------
# qemu writes each BAT update as one log entry and applies it at once (it refuses to add an
# entry while the header names a log: vhdx_log_write returns -ENOTSUP), so it never leaves
# more than one entry to replay. Here qemu writes three blocks 520 MiB apart, so that their
# BAT entries lie in three different 4 KiB BAT sectors (three entries, each applied, each
# under its own log GUID); then the three entries are chained into one unapplied
# sequence: one log GUID in both headers and the entries, tails at the first entry, CRC-32C
# recomputed, and the BAT put back as it was before the writes. Only the log's own data
# (qemu's descriptors and BAT sectors) then makes the blocks visible. Ground truth: qemu's
# own replay (qemu-img check -r all) of a copy, then convert.
qemu-img create -q -f vhdx -o subformat=dynamic,block_size=1M "$ca/multilog.vhdx" 1100M
cp "$ca/multilog.vhdx" "$work/multilog-before.vhdx"
(qemu-io -c 'write -P 0x21 0 1M' -c 'write -P 0x22 520M 1M' -c 'write -P 0x23 1040M 512k' -c 'sigraise 9' \
  "$ca/multilog.vhdx" >/dev/null || true) 2>/dev/null
python3 - "$ca/multilog.vhdx" "$work/multilog-before.vhdx" <<'PY'
import struct, sys
POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
def with_crc(block, at):
    block[at:at + 4] = b"\0\0\0\0"
    block[at:at + 4] = struct.pack("<I", crc32c(bytes(block)))
img = bytearray(open(sys.argv[1], "rb").read())
before = open(sys.argv[2], "rb").read()
guid = bytes.fromhex("5d0f1c2b8a4e47e6b1a3c4d5e6f70812")
heads = [0x10000, 0x20000]
cur = max(heads, key=lambda h: struct.unpack_from("<Q", img, h + 8)[0])
log_len, log_off = struct.unpack_from("<IQ", img, cur + 68)
entries = [o for o in range(log_off, log_off + log_len, 4096) if img[o:o + 4] == b"loge"]
seqs = [struct.unpack_from("<Q", img, o + 16)[0] for o in entries]
assert len(entries) == 3 and seqs == list(range(seqs[0], seqs[0] + 3)), (entries, seqs)
for o in entries:
    length = struct.unpack_from("<I", img, o + 8)[0]
    entry = img[o:o + length]
    struct.pack_into("<I", entry, 12, entries[0] - log_off)   # tail: the first entry
    entry[32:48] = guid                                        # LogGuid
    with_crc(entry, 4)
    img[o:o + length] = entry
for h in heads:
    header = img[h:h + 4096]
    header[48:64] = guid
    with_crc(header, 4)
    img[h:h + 4096] = header
# The BAT region (region table at 192 KiB, BAT GUID 2DC27766-F623-4200-9D64-115E9BFD4A08).
bat_guid = bytes.fromhex("6677c22d23f600429d64115e9bfd4a08")
count = struct.unpack_from("<I", img, 0x30000 + 8)[0]
for i in range(count):
    e = 0x30000 + 16 + 32 * i
    if img[e:e + 16] == bat_guid:
        off, length = struct.unpack_from("<QI", img, e + 16)
        assert img[off:off + length] != before[off:off + length], "qemu did not update the BAT"
        img[off:off + length] = before[off:off + length]
open(sys.argv[1], "wb").write(img)
PY
if qemu-img info "$ca/multilog.vhdx" >/dev/null 2>&1; then
  echo "fixtures: qemu sees no log to replay in multilog.vhdx" >&2; exit 1
fi
cp "$ca/multilog.vhdx" "$work/multilog-replayed.vhdx"
qemu-img check -q -r all "$work/multilog-replayed.vhdx" || true
qemu-img convert -O raw "$work/multilog-replayed.vhdx" "$ca/multilog.vhdx.raw"
# 1.1 GiB of mostly zeros: qemu's map of the sparse raw file says where the data is.
qemu-img map --output=json -f raw "$ca/multilog.vhdx.raw" > "$ca/multilog.vhdx.raw.map"
[ "$(od -An -tx1 -j$((1040 << 20)) -N1 "$ca/multilog.vhdx.raw" | tr -d ' ')" = 23 ] \
  || { echo "fixtures: qemu's replay of multilog.vhdx did not restore the third block" >&2; exit 1; }
