#!/usr/bin/env bash
# VMDK / OVA containers, NTFS and ext4 filesystems (imagefs tests containers_vmdk_ova.rs and
# filesystems.rs). Sourced by tests/fixtures.sh with $out, $corpus, $work and $etc set.
# Output in $out/containers-b/:
#   win.raw        64 MiB GPT disk, NTFS (label OS) holding the real Windows 10 1709 SYSTEM hive
#                  and the hivex "minimal" hive as SOFTWARE (RECIPES.md Recipe 1)
#   small.raw      24 MiB GPT disk, NTFS holding only the minimal hive as SYSTEM
#   win-*.vmdk, small-*.vmdk   qemu-img conversions (sparse, stream, flat, split sparse/flat)
#   win.ova        ustar: win.ovf (a real VMware OVF from the corpus) + win-stream.vmdk
#   two.ova        ustar: a real two-disk VMware OVF + the Windows and the Linux disk, streamOptimized
#   linux.raw      64 MiB MBR disk, ext4 with /etc from the corpus (Recipe 3); linux-sparse.vmdk
#   delta/         base.vmdk + child.vmdk (qemu-img create -b, qemu-io writes into the child)
#   big/           20 GiB sparse raw with ext4 at 19 GiB, as monolithicSparse and twoGbMaxExtentSparse
#   vmfs/          the corpus ESX 4.0 "vmfs" descriptor with its 6 GiB flat extent (linux.raw inside)
#   corpus/        every image of $corpus/disks, .xz ones decompressed
#   *.sha256       expected hashes
export PATH="$PATH:/usr/sbin:/sbin"
for tool in mkntfs wimlib-imagex mke2fs debugfs qemu-io tar; do
  command -v $tool >/dev/null || { echo "fixtures: $tool missing (apt-get install ntfs-3g wimtools e2fsprogs qemu-utils)" >&2; exit 1; }
done
cb="$out/containers-b"
mkdir -p "$cb"

# --- Windows-like disks (Recipe 1) ----------------------------------------------------------
make_ntfs_disk() { # name size_mib system_hive
  local name=$1 mib=$2 hive=$3 tree="$work/cb-$1"
  mkdir -p "$tree/Windows/System32/config" "$tree/Users/Public" "$tree/ProgramData"
  cp "$hive" "$tree/Windows/System32/config/SYSTEM"
  cp "$corpus/registry/hivex/minimal" "$tree/Windows/System32/config/SOFTWARE"
  cp "$corpus/linux-etc/velociraptor/windows-hosts" "$tree/Users/Public/hosts.txt"
  local sectors=$(( (mib - 2) * 2048 ))
  truncate -s $((mib - 2))M "$work/cb-$name.ntfs"
  mkntfs -F -Q -q -s 512 -L OS -p 2048 -H 255 -S 63 "$work/cb-$name.ntfs" 2>/dev/null
  wimlib-imagex capture "$tree" "$work/cb-$name.wim" OS --compress=none >/dev/null
  wimlib-imagex apply "$work/cb-$name.wim" 1 "$work/cb-$name.ntfs" >/dev/null
  truncate -s ${mib}M "$cb/$name.raw"
  printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\nstart=2048, size=%d, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\n' \
    $sectors | sfdisk -q "$cb/$name.raw"
  dd if="$work/cb-$name.ntfs" of="$cb/$name.raw" bs=1M seek=1 conv=notrunc,sparse status=none
}
xz -dc "$corpus/registry/win10-1709/SYSTEM.xz" > "$cb/SYSTEM"
make_ntfs_disk win 64 "$cb/SYSTEM"
make_ntfs_disk small 24 "$corpus/registry/hivex/minimal"
cp "$corpus/registry/hivex/minimal" "$cb/minimal-hive"

qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic "$cb/win.raw" "$cb/win-sparse.vmdk"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$cb/win.raw" "$cb/win-stream.vmdk"
(cd "$cb" && for sub in monolithicSparse streamOptimized monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat; do
  qemu-img convert -f raw -O vmdk -o subformat=$sub small.raw small-$sub.vmdk
done)

# --- OVA: the OVF first, then the disk (as the OVF 1.x specification orders them) -----------
cp "$corpus/vmconfig/ovf/v2v-test-i-ova.ovf" "$work/win.ovf"
cp "$work/win.ovf" "$cb/win.ovf"
cp "$cb/win-stream.vmdk" "$work/win-disk1.vmdk"
tar --format=ustar -C "$work" -cf "$cb/win.ova" win.ovf win-disk1.vmdk

# --- Linux disk (Recipe 3) ------------------------------------------------------------------
root="$work/cb-linux"
mkdir -p "$root/etc/ssh"
cp "$etc"/{passwd,shadow,group,gshadow,hosts,fstab,resolv.conf,sudoers,crontab,sysctl.conf} "$root/etc/"
cp "$etc/ssh/sshd_config" "$root/etc/ssh/"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n' > "$root/etc/os-release"
ln -s ../etc/hosts "$root/etc/hosts.link"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"; chmod 0440 "$root/etc/sudoers"
truncate -s 64M "$cb/linux.raw"
printf 'label: dos\nunit: sectors\nstart=2048, size=129024, type=83, bootable\n' | sfdisk -q "$cb/linux.raw"
mke2fs -q -F -t ext4 -L root -E offset=1048576,root_owner=0:0 -d "$root" "$cb/linux.raw" 64512k
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$cb/linux.raw" "$cb/linux-sparse.vmdk"
cp "$etc/ssh/sshd_config" "$cb/sshd_config"
cp "$etc/hosts" "$cb/hosts"

# --- OVA with two disks: VMware's two-disk OVF (disk1.vmdk, disk2.vmdk) from the corpus ------
# disk1 = the Windows disk, disk2 = the Linux disk, both streamOptimized by qemu-img. The tar
# holds disk2 before disk1, so only the OVF's DiskSection gives the order disk1, disk2.
mkdir -p "$work/cb-two"
cp "$corpus/vmconfig/ovf/v2v-test-i-ova-two-disks.ovf" "$work/cb-two/two.ovf"
cp "$cb/win-stream.vmdk" "$work/cb-two/disk1.vmdk"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$cb/linux.raw" "$work/cb-two/disk2.vmdk"
tar --format=ustar -C "$work/cb-two" -cf "$cb/two.ova" two.ovf disk2.vmdk disk1.vmdk
(cd "$work/cb-two" && for d in disk1 disk2; do
  qemu-img convert -O raw "$d.vmdk" "$work/cb-two/$d.raw"
  echo "$(sha256sum < "$work/cb-two/$d.raw" | cut -c1-64)  $d.vmdk"
done > "$cb/two-ova.sha256")
rm -rf "$work/cb-two"

# --- delta disk: child.vmdk on base.vmdk; the child overwrites 64 KiB at 5 MiB ----------------
mkdir -p "$cb/delta"
qemu-img convert -f raw -O vmdk "$cb/small.raw" "$cb/delta/base.vmdk"
(cd "$cb/delta" && qemu-img create -q -f vmdk -b base.vmdk -F vmdk child.vmdk \
  && qemu-io -f vmdk -c 'write -P 0xab 5M 64k' child.vmdk >/dev/null \
  && qemu-img convert -O raw child.vmdk child.raw \
  && qemu-img info --output=json child.vmdk > child.vmdk.info.json)

# --- 20 GiB sparse disk, ext4 (the Linux tree) at 19 GiB --------------------------------------
mkdir -p "$cb/big"
truncate -s 20G "$work/cb-big.raw"
printf 'label: dos\nunit: sectors\nstart=39845888, size=131072, type=83\n' | sfdisk -q "$work/cb-big.raw"
mke2fs -q -F -t ext4 -L big -E offset=$((39845888 * 512)),root_owner=0:0 -d "$root" "$work/cb-big.raw" 65536k
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$work/cb-big.raw" "$cb/big/big.vmdk"
(cd "$cb/big" && qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse "$work/cb-big.raw" split.vmdk)
dd if="$work/cb-big.raw" of="$cb/big/at-19g.raw" bs=1M skip=$((19 * 1024)) count=64 status=none
rm -f "$work/cb-big.raw"

# --- ESX vmfs descriptor from the corpus, with a 6 GiB flat extent holding linux.raw ---------
mkdir -p "$cb/vmfs"
cp "$corpus/disks/vmdk/esx-vmfs-descriptor.vmdk" "$cb/vmfs/esx.vmdk"
truncate -s $((12582912 * 512)) "$cb/vmfs/ESX4.0-rhel4u8-32b-flat.vmdk"
dd if="$cb/linux.raw" of="$cb/vmfs/ESX4.0-rhel4u8-32b-flat.vmdk" bs=1M conv=notrunc,sparse status=none

# --- the shared corpus of disks ----------------------------------------------------------------
for f in "$corpus"/disks/*/*; do
  sub=$(basename "$(dirname "$f")"); mkdir -p "$cb/corpus/$sub"
  case "$f" in
    *.xz) xz -dc "$f" > "$cb/corpus/$sub/$(basename "$f" .xz)" ;;
    *) cp "$f" "$cb/corpus/$sub/" ;;
  esac
done
chmod -R u+w "$cb"
# Entries of the htree directory /big_dir of the ext4-view test image, by debugfs (minus . and ..
# and the empty slots, inode 0, that debugfs also prints).
echo $(( $(debugfs -R 'ls -p /big_dir' "$cb/corpus/raw/ext4view-test_disk1.ext4" 2>/dev/null | grep '^/' | grep -vc '^/0/') - 2 )) \
  > "$cb/big_dir.count"
cp "$corpus/linux-etc/velociraptor/windows-hosts" "$cb/windows-hosts"
debugfs -R 'cat /thejungle.txt' "$cb/corpus/raw/hierarchy_64.ext4" 2>/dev/null | sha256sum | cut -c1-64 \
  > "$cb/thejungle.sha256"

# --- expected values: qemu-img's raw view of every converted image, and the files' hashes ------
(cd "$cb" && for img in win-sparse win-stream small-monolithicSparse small-streamOptimized small-monolithicFlat \
  small-twoGbMaxExtentSparse small-twoGbMaxExtentFlat linux-sparse; do
  qemu-img convert -O raw "$img.vmdk" "$work/cb-back.raw"
  echo "$(sha256sum < "$work/cb-back.raw" | cut -c1-64)  $img.vmdk"
done > qemu-raw.sha256)
rm -f "$work/cb-back.raw"
(cd "$cb" && sha256sum SYSTEM minimal-hive > files.sha256)
