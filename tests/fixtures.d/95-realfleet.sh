#!/usr/bin/env bash
# The small form of the realistic fleet benchmark (tests/bench/realfleet/README.md): 8 Windows
# and 8 Linux peers with the variation of a real fleet, 6 broken targets (3 per OS), built with
# the same generator as the full benchmark into target/fixtures/realfleet-small (about 30 s).
# crates/cli/tests/realfleet.rs ranks its cases and asserts a floor.
# Sourced by tests/fixtures.sh with $out set ($root may have been reused by an earlier part,
# so the builder is found next to this file).
REALFLEET_JOBS=2 "$(dirname "${BASH_SOURCE[0]}")/../bench/realfleet/build.sh" "$out/realfleet-small" --small
