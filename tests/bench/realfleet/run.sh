#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the realistic fleet benchmark built by build.sh: for each case,
#   $VMSIFT rank --target T --peers P... --format json
# finds the culprit's rank with the case's matcher (cases.json) and prints a table per case
# (case, OS, fault kind, rank, P, rows tied with it, wall time) and rank 1 / top 3 / top 10 /
# not found per OS and overall.
#
# Usage: tests/bench/realfleet/run.sh OUTDIR [--json] [--rank-arg ARG]...
#   --json            JSON summary on stdout (the table goes to stderr)
#   --rank-arg ARG    extra argument for vmsift rank (e.g. --rank-arg --scope-to-parent)
# Env:  VMSIFT (default <repo>/target/release/vmsift)
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
