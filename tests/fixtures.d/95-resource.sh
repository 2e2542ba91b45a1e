#!/usr/bin/env bash
# Resource-exhaustion inputs (crates/cli/tests/resources.rs, the hostile sweep): the six
# inputs of tests/resource/resource-findings.sh (copied from the hostile-input probe of
# issue 15), built with mke2fs -d, qemu-img, mkfs.fat, mtools and the probe's own Python
# builders: sparse huge dirty hives with sparse logs (f1), a log declaring 512 MiB of hive
# bins (f2), a 100k-line file hard-linked 50 times (f3), a sparse 64 MiB log hard-linked
# 200 times (f4), a FAT16 directory whose cluster chain points to itself (f5-loop), a FIFO (f6).
# Sourced by tests/fixtures.sh with $out and $corpus set ($root may be reused by earlier parts).
VMSIFT_CORPUS="$corpus" "$(dirname "${BASH_SOURCE[0]}")/../resource/resource-findings.sh" "$out/resource" >/dev/null
# g1.qcow2, the sparse-file attack generalized: ext4 with a sparse 512 MiB file at every file
# path the built-in extraction profile reads (a `*` becomes a name it matches) and at each
# machine hive's path.
g1="$work/resource-g1"; rm -rf "$g1"; mkdir -p "$g1"
python3 - "$(dirname "${BASH_SOURCE[0]}")/../../crates/model/src/default_profile.json" "$g1" <<'PY'
import json, os, sys
profile, root = json.load(open(sys.argv[1])), sys.argv[2]
paths = [r["path"].replace("*", "huge") for r in profile["files"]]
paths += ["/Windows/System32/config/" + h for h in ("SYSTEM", "SOFTWARE", "DEFAULT", "SAM")]
for p in paths:
    full = os.path.join(root, p.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if not os.path.exists(full):
        with open(full, "wb") as f:
            f.truncate(512 << 20)
PY
rm -f "$work/g1.raw"; mke2fs -q -t ext4 -d "$g1" "$work/g1.raw" 64M
qemu-img convert -c -O qcow2 "$work/g1.raw" "$out/resource/g1.qcow2"; rm -rf "$g1" "$work/g1.raw"
