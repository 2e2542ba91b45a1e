#!/usr/bin/env bash
# The small form of the realistic fleet benchmark (tests/bench/realfleet/README.md): 8 Windows
# and 8 Linux peers with the variation of a real fleet, 6 broken targets (3 per OS), built with
# the same generator as the full benchmark into target/fixtures/realfleet-small (about 40 s).
# crates/cli/tests/realfleet.rs ranks its cases and asserts a floor.
# Sourced by tests/fixtures.sh with $out and $root set.
REALFLEET_JOBS=2 "$root/tests/bench/realfleet/build.sh" "$out/realfleet-small" --small
