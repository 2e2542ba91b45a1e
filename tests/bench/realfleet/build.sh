#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the realistic fleet benchmark (README.md next to this script) into OUTDIR:
#   OUTDIR/win/<id>/disk.<ext> + <host>.vmx     Windows 10 peers and targets (NTFS, GPT/MBR)
#   OUTDIR/lin/<id>/disk.<ext> + <host>.xml     Ubuntu 22.04 peers and targets (ext4, GPT/MBR)
#   OUTDIR/fleet.json                           peers per OS, the target of each case
# with real tools from ../shared/corpus (RECIPES.md): hivexregedit --merge on the real hives,
# mkntfs + wimlib-imagex apply, mke2fs -d, sfdisk, qemu-img convert into rotating containers.
# Deterministic: every value comes from gen.py's fixed seed and the machine's id.
#
# Usage: tests/bench/realfleet/build.sh OUTDIR [--small] [--if-stale]
#   --if-stale  do nothing when OUTDIR holds a fleet built from the same gen.py, cases.json
#               and build.sh (under a lock: concurrent callers wait, then find it built)
# Env:   VMSIFT_CORPUS (default <repo>/../shared/corpus), REALFLEET_JOBS (default 2)
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
corpus=${VMSIFT_CORPUS:-$root/../shared/corpus}
out=${1:?usage: build.sh OUTDIR [--small] [--if-stale]}
small= if_stale=
for a in "${@:2}"; do
  case $a in --small) small=--small ;; --if-stale) if_stale=1 ;; *) echo "build.sh: unknown option $a" >&2; exit 2 ;; esac
done
jobs=${REALFLEET_JOBS:-2}
for tool in hivexregedit mkntfs wimlib-imagex mke2fs sfdisk qemu-img xz python3; do
  command -v $tool >/dev/null || { echo "realfleet: $tool missing" >&2; exit 1; }
done
# What the fleet is a function of: with --if-stale, a fleet built from the same inputs is kept.
inputs=$(cat "$here/gen.py" "$here/cases.json" "$here/build.sh" | sha256sum | cut -c1-16)$small
if [ -n "$if_stale" ]; then
  mkdir -p "$(dirname "$out")"
  exec 9>"$out.lock"; flock 9
  [ "$(cat "$out/.inputs" 2>/dev/null)" = "$inputs" ] && exit 0
fi
start=$(date +%s.%N)
rm -rf "$out"; mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/.work"
python3 "$here/gen.py" "$corpus" "$work" $small

# Base hives, built once: the real SYSTEM with the golden image's settings, SOFTWARE from
# hivex's minimal hive + the corpus's .reg text (no real SOFTWARE hive exists in the corpus),
# the real NTUSER.DAT and SAM.
base="$work/base"; mkdir -p "$base"
xz -dc "$corpus/registry/win10-1709/SYSTEM.xz" > "$base/SYSTEM"
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$base/SYSTEM" "$work/golden-system.reg"
cp "$corpus/registry/hivex/minimal" "$base/SOFTWARE"
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$base/SOFTWARE" \
  "$corpus/registry/reg-text/v2v-win10-software.reg" "$corpus/registry/reg-text/v2v-windows-software-all.reg" \
  "$work/golden-software.reg"
xz -dc "$corpus/registry/user/NTUSER.DAT.xz" > "$base/NTUSER.DAT"
xz -dc "$corpus/registry/other/SAM.xz" > "$base/SAM"

# container NAME RAW OUTDIR INDEX: converts RAW into the INDEX-th container format.
container() {
  local raw=$2 dir=$3 i=$4 f
  local fmts=(vhd-dynamic vmdk-sparse qcow2-v3 vhdx vmdk-stream qcow2-v2 vhd-fixed qcow2-zlib)
  f=${fmts[$((i % ${#fmts[@]}))]}
  case $f in
    vhd-dynamic) qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on "$raw" "$dir/disk.vhd"; echo disk.vhd ;;
    vhd-fixed) qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$dir/disk.vhd"; echo disk.vhd ;;
    vhdx) qemu-img convert -q -f raw -O vhdx -o subformat=dynamic "$raw" "$dir/disk.vhdx"; echo disk.vhdx ;;
    vmdk-sparse) qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic "$raw" "$dir/disk.vmdk"; echo disk.vmdk ;;
    vmdk-stream) qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized "$raw" "$dir/disk.vmdk"; echo disk.vmdk ;;
    qcow2-v2) qemu-img convert -q -f raw -O qcow2 -o compat=0.10 "$raw" "$dir/disk.qcow2"; echo disk.qcow2 ;;
    qcow2-v3) qemu-img convert -q -f raw -O qcow2 -o compat=1.1 "$raw" "$dir/disk.qcow2"; echo disk.qcow2 ;;
    qcow2-zlib) qemu-img convert -q -c -f raw -O qcow2 -o compat=1.1 "$raw" "$dir/disk.qcow2"; echo disk.qcow2 ;;
  esac
}

# partition_table RAW INDEX TYPE: GPT on two of every four machines, MBR on the others.
partition_table() {
  if [ $((($2 / 2) % 2)) = 0 ]; then
    local g=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
    [ "$3" = linux ] && g=0FC63DAF-8483-4772-8E79-3D69D8477DE4
    printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\nlabel-id: %s\nstart=2048, size=126976, type=%s\n' "$4" "$g" | sfdisk -q "$1"
  else
    local t=7; [ "$3" = linux ] && t=83
    printf 'label: dos\nunit: sectors\nlabel-id: 0x%s\nstart=2048, size=126976, type=%s, bootable\n' "${4:0:8}" "$t" | sfdisk -q "$1"
  fi
}

build_one() {
  local os=$1 id=$2 w="$work/$1/$2" dir="$out/$1/$2" i host uuid disk cfg
  i=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index"])' "$w/meta.json")
  host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"])' "$w/meta.json")
  uuid=$(printf '%s' "$id" | sha256sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
  mkdir -p "$dir"
  local b="$w/build"; rm -rf "$b"; mkdir -p "$b"
  truncate -s 64M "$b/disk.raw"
  if [ "$os" = win ]; then
    local t="$b/tree" cfgdir="$b/tree/Windows/System32/config"
    mkdir -p "$cfgdir" "$t/Windows/System32/drivers/etc" "$t/Users/Public" "$t/ProgramData/Microsoft"
    cp "$base/SYSTEM" "$base/SOFTWARE" "$base/SAM" "$cfgdir/"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$cfgdir/SYSTEM" "$w/system.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$cfgdir/SOFTWARE" "$w/software.reg"
    hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SAM' "$cfgdir/SAM" "$w/sam.reg"
    local u
    for u in "$w"/ntuser/*.reg; do
      u=$(basename "$u" .reg)
      mkdir -p "$t/Users/$u"
      cp "$base/NTUSER.DAT" "$t/Users/$u/NTUSER.DAT"
      hivexregedit --merge --prefix 'HKEY_CURRENT_USER' "$t/Users/$u/NTUSER.DAT" "$w/ntuser/$u.reg"
    done
    cp "$w/hosts" "$t/Windows/System32/drivers/etc/hosts"
    truncate -s 62M "$b/ntfs.img"
    mkntfs -F -Q -q -s 512 -L OS -p 2048 -H 255 -S 63 "$b/ntfs.img" 2>/dev/null
    wimlib-imagex capture "$t" "$b/t.wim" OS --compress=none >/dev/null
    wimlib-imagex apply "$b/t.wim" 1 "$b/ntfs.img" >/dev/null
    partition_table "$b/disk.raw" "$i" windows "$uuid"
    dd if="$b/ntfs.img" of="$b/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
    cfg="$host.vmx"; cp "$w/vm.vmx" "$b/cfg"
  else
    partition_table "$b/disk.raw" "$i" linux "$uuid"
    local fsuuid
    fsuuid=$(sed -n 's|^/dev/disk/by-uuid/\(\S*\) / ext4.*|\1|p' "$w/tree/etc/fstab")
    find "$w/tree" -exec touch -h -d @1733000000 {} +
    E2FSPROGS_FAKE_TIME=1733000000 mke2fs -q -F -t ext4 -L root -U "$fsuuid" \
      -E offset=1048576,root_owner=0:0,hash_seed="$fsuuid" -d "$w/tree" "$b/disk.raw" 63488k
    cfg="$host.xml"; cp "$w/vm.xml" "$b/cfg"
  fi
  disk=$(container "$id" "$b/disk.raw" "$dir" "$i")
  sed "s|{disk}|$disk|" "$b/cfg" > "$dir/$cfg"
  rm -rf "$b"
}
export -f build_one container partition_table
export work out base

# Machines in a fixed order, $jobs at a time.
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); [print(m["os"], i) for i, m in sorted(f["machines"].items())]' "$work/fleet.json" \
  | xargs -P "$jobs" -L 1 bash -c 'build_one "$0" "$1"'
cp "$work/fleet.json" "$out/fleet.json"
rm -rf "$work"
echo "$inputs" > "$out/.inputs"
n=$(ls -d "$out"/win/* "$out"/lin/* | wc -l)
printf 'realfleet: %d machines in %s (%.1f s)\n' "$n" "$out" "$(echo "$(date +%s.%N) - $start" | bc)" >&2
