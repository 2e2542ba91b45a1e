#!/usr/bin/env bash
# Resource-exhaustion inputs (crates/cli/tests/resources.rs, the hostile sweep): the six
# inputs of tests/resource/resource-findings.sh (copied from the hostile-input probe of
# issue 15), built with mke2fs -d, qemu-img, mkfs.fat, mtools and the probe's own Python
# builders: sparse huge dirty hives with sparse logs (f1), a log declaring 512 MiB of hive
# bins (f2), a 100k-line file hard-linked 50 times (f3), a sparse 64 MiB log hard-linked
# 200 times (f4), a FAT16 directory whose cluster chain points to itself (f5-loop), a FIFO (f6).
# Sourced by tests/fixtures.sh with $out and $corpus set ($root may be reused by earlier parts).
VMSIFT_CORPUS="$corpus" "$(dirname "${BASH_SOURCE[0]}")/../resource/resource-findings.sh" "$out/resource" >/dev/null
