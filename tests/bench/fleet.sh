#!/usr/bin/env bash
# Fleet benchmark: builds >= 10 healthy Linux peers and several targets, each target with one
# injected misconfiguration, all with realistic per-machine noise, then runs
#   cargo run -p cli --release -- rank --target T --peers ... --format json
# per target and prints the rank of the culprit setting.
#
# Usage: tests/bench/fleet.sh [WORKDIR]       (default: a temp dir, removed at the end)
# Env:   FLEET_PEERS (default 12), FLEET_FS=ext4|fat (default ext4), FLEET_SEED (default 42),
#        VMSIFT_CORPUS (default ../shared/corpus). CARGO_TARGET_DIR is honoured.
#
# Every machine starts from the same tree as tests/fixtures.d/50-linux.sh (real corpus /etc
# files, real host files, dpkg-query status stanzas). Noise per machine: /etc/hostname,
# /etc/machine-id, a 127.0.1.1 line naming the host in /etc/hosts, random line counts of
# /var/log/{syslog,auth.log,dpkg.log}; on three random peers one package's version drifts.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" MTOOLS_SKIP_CHECK=1
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${VMSIFT_CORPUS:-$root/../shared/corpus}
peers_n=${FLEET_PEERS:-12}
fs=${FLEET_FS:-ext4}
RANDOM=${FLEET_SEED:-42}
if [ -n "${1:-}" ]; then work=$1; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
VMSIFT_LINUX_LIB=1 source "$root/tests/fixtures.d/50-linux.sh"

hex() { local s=""; for _ in 1 2 3 4; do s+=$(printf '%08x' $(( (RANDOM << 16) | RANDOM ))); done; echo "$s"; }
lines() { seq 1 "$2" | sed "s/^/Jan  1 00:00:00 host $1[1]: message /"; }

# noise TREE NAME: per-machine values every real fleet has.
noise() {
  local t=$1 name=$2
  echo "$name" > "$t/etc/hostname"
  hex > "$t/etc/machine-id"
  printf '127.0.1.1\t%s.example.lan %s\n' "$name" "$name" >> "$t/etc/hosts"
  lines syslog $(( 500 + RANDOM % 5000 )) > "$t/var/log/syslog"
  lines sshd $(( 20 + RANDOM % 400 )) > "$t/var/log/auth.log"
  lines dpkg $(( 100 + RANDOM % 900 )) > "$t/var/log/dpkg.log"
}

# drift TREE: bumps one installed package's version (a peer that updated earlier).
drift() {
  local pkgs=(bash coreutils dpkg e2fsprogs mtools) p
  p=${pkgs[$(( RANDOM % 5 ))]}
  awk -v p="$p" '/^Package: /{cur=$2} cur==p && /^Version: /{$0=$0"+deb12u1"} {print}' \
    "$t/var/lib/dpkg/status" > "$t/status.new" && mv "$t/status.new" "$t/var/lib/dpkg/status"
  echo "  drift: $p on $(basename "$t")" >&2
}

# Injected misconfigurations: case name, how to apply it to a tree, culprit "kind|path|name".
cases=(sshd-root fstab-noexec sudoers-env sysctl-forward rogue-unit resolver)
inject() {
  local t=$1
  case $2 in
    # Before the first Match block: appended after it, it would only apply inside the block.
    sshd-root) sed -i '0,/^Match/s//PermitRootLogin yes\nMatch/' "$t/etc/ssh/sshd_config" ;;
    fstab-noexec) sed -i 's|^\(/dev/vg00/home *\S* *\S* *\)defaults|\1defaults,noexec|' "$t/etc/fstab" ;;
    sudoers-env) sed -i 's/^Defaults    env_reset/Defaults    !env_reset/' "$t/etc/sudoers" ;;
    sysctl-forward) sed -i 's/^net.ipv4.ip_forward = 0/net.ipv4.ip_forward = 1/' "$t/etc/sysctl.conf" ;;
    rogue-unit) : > "$t/etc/systemd/system/multi-user.target.wants/telnetd.service" ;;
    resolver) sed -i 's/^nameserver 192.168.0.1$/nameserver 203.0.113.53/' "$t/etc/resolv.conf" ;;
  esac
}
culprit() {
  case $1 in
    sshd-root) echo 'config|/etc/ssh/sshd_config|permitrootlogin' ;;
    fstab-noexec) echo 'config|/etc/fstab|/home:options' ;;
    sudoers-env) echo 'config|/etc/sudoers|Defaults/env_reset' ;;
    sysctl-forward) echo 'config|/etc/sysctl.conf|net.ipv4.ip_forward' ;;
    rogue-unit) echo 'directory|/etc/systemd/system/multi-user.target.wants|telnetd.service' ;;
    resolver) echo 'config|/etc/resolv.conf|nameserver' ;;
  esac
}

disk() { if [ "$fs" = fat ]; then linux_disk_fat "$@"; else linux_disk_ext4 "$@"; fi; }

echo "fleet: building $peers_n peers and ${#cases[@]} targets ($fs) in $work" >&2
base="$work/base"; rm -rf "$base"; linux_tree "$base"
drifted=" $(( RANDOM % peers_n + 1 )) $(( RANDOM % peers_n + 1 )) $(( RANDOM % peers_n + 1 )) "
peer_imgs=()
for i in $(seq 1 "$peers_n"); do
  t="$work/peer$i"; rm -rf "$t"; cp -a "$base" "$t"
  noise "$t" "web-$(printf %02d "$i")"
  case $drifted in *" $i "*) drift "$t" ;; esac
  disk "$t" "$work/peer$i.img"; rm -rf "$t"
  peer_imgs+=("$work/peer$i.img")
done
for c in "${cases[@]}"; do
  t="$work/target-$c"; rm -rf "$t"; cp -a "$base" "$t"
  noise "$t" "web-$c"
  inject "$t" "$c"
  disk "$t" "$work/target-$c.img"; rm -rf "$t"
done

cd "$root"
cargo build -q -p cli --release
printf '%-16s %6s %9s  %s\n' case rank suspects culprit
for c in "${cases[@]}"; do
  start=$(date +%s.%N)
  cargo run -q -p cli --release -- rank --target "$work/target-$c.img" --peers "${peer_imgs[@]}" --format json \
    > "$work/rank-$c.json"
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$work/rank-$c.json" "$(culprit "$c")" "$c" "$secs" <<'PY'
import json, sys
ranking = json.load(open(sys.argv[1]))
kind, path, name = sys.argv[2].split("|", 2)
hit = [r for r in ranking["ranking"] if r["kind"] == kind and r["path"] == path and r["name"] == name]
rank = hit[0]["rank"] if hit else "absent"
print(f"{sys.argv[3]:<16} {rank!s:>6} {ranking['suspects']:>9}  {kind} {path} {name}  ({float(sys.argv[4]):.2f} s, {ranking['peers']} peers)")
PY
done
