#!/usr/bin/env bash
# Builds small hostile inputs that cost vmsift far more memory or time than their size justifies,
# then (with --run) scans each under a time and memory watch.
#   usage: resource-findings.sh OUTDIR [--run]      env: VMSIFT (default target/release/vmsift)
# Needs e2fsprogs, dosfstools, mtools, qemu-img, python3. Inputs:
#   f1.qcow2  ext4: sparse 512 MiB SYSTEM/SOFTWARE hives (dirty) + sparse 256 MiB .LOG/.LOG1/.LOG2
#   f2.img    FAT: 8 KiB dirty hive + old-format log declaring a 512 MiB hive, empty dirty bitmap
#   f3.qcow2  ext4: one 100k-line /etc/sysctl.d file hard-linked 50 times
#   f4.qcow2  ext4: one sparse 64 MiB /var/log file hard-linked 200 times
#   f5-loop.img FAT16: /ETC/DEFAULT whose cluster chain points to itself
#   f6.img    a FIFO given as the machine
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); CORPUS=${VMSIFT_CORPUS:-$HERE/../../../shared/corpus}
R=${1:?usage: resource-findings.sh OUTDIR [--run]}; mkdir -p "$R"; R=$(cd "$R" && pwd); cd "$R"
export MTOOLS_SKIP_CHECK=1 PATH="$PATH:/usr/sbin:/sbin"
V=${VMSIFT:-target/release/vmsift}
rm -rf f1 && mkdir -p f1/Windows/System32/config && C=f1/Windows/System32/config
for n in SYSTEM SOFTWARE; do head -c 4096 "$CORPUS/registry/yarp/NewDirtyHive1/NewDirtyHive" > $C/$n; truncate -s 512M $C/$n
  for l in LOG LOG1 LOG2; do truncate -s 256M $C/$n.$l; done; done
rm -f f1.raw f1.qcow2 && mke2fs -q -t ext4 -d f1 f1.raw 64M && qemu-img convert -c -O qcow2 f1.raw f1.qcow2 && rm -rf f1.raw f1
python3 "$HERE/dirty-log.py" 0x1FFFF000 "$CORPUS/registry/hivex/minimal" >/dev/null
rm -f f2.img && truncate -s 16M f2.img && mkfs.fat -F 16 f2.img >/dev/null && mmd -i f2.img ::/Windows ::/Windows/System32 ::/Windows/System32/config
for n in SYSTEM SOFTWARE; do mcopy -i f2.img HIVE ::/Windows/System32/config/$n; mcopy -i f2.img HIVE.LOG ::/Windows/System32/config/$n.LOG; done
rm -f HIVE HIVE.LOG
rm -rf f3 && mkdir -p f3/etc/sysctl.d
python3 -c "open('f3/etc/sysctl.d/k0.conf','w').write(''.join('net.key%06d = value%06d\n'%(i,i) for i in range(100000)))"
for i in $(seq 1 49); do ln f3/etc/sysctl.d/k0.conf f3/etc/sysctl.d/k$i.conf; done
rm -f f3.raw f3.qcow2 && mke2fs -q -t ext4 -d f3 f3.raw 32M && qemu-img convert -c -O qcow2 f3.raw f3.qcow2 && rm -rf f3.raw f3
rm -rf f4 && mkdir -p f4/var/log && truncate -s 64M f4/var/log/a0.log
for i in $(seq 1 199); do ln f4/var/log/a0.log f4/var/log/a$i.log; done
rm -f f4.raw f4.qcow2 && mke2fs -q -t ext4 -d f4 f4.raw 32M && qemu-img convert -c -O qcow2 f4.raw f4.qcow2 && rm -rf f4.raw f4
rm -f f5.img f5-loop.img && truncate -s 8M f5.img && mkfs.fat -F 16 -S 512 -s 1 f5.img >/dev/null && mmd -i f5.img ::/ETC ::/ETC/DEFAULT && : > e
for n in A B C D E F G H I J K L M N; do mcopy -i f5.img e ::/ETC/DEFAULT/$n; done
python3 "$HERE/fat-loop.py" f5.img f5-loop.img >/dev/null && rm -f e f5.img
rm -f f6.img && mkfifo f6.img
ls -la "$R"
[ "${2:-}" = --run ] || exit 0
for f in f1.qcow2 f2.img f3.qcow2 f4.qcow2 f5-loop.img f6.img; do
  /usr/bin/time -f "$f: %e s, %M KiB peak, exit %x" timeout 60 "$V" scan --format json "$R/$f" >/dev/null 2>"$R/$f.err" || true
  tail -1 "$R/$f.err"
done
