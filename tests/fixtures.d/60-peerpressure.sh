#!/usr/bin/env bash
# Peer-profile fixtures (crate peerpressure): real configuration files from the corpus,
# one directory per source machine. Sourced by tests/fixtures.sh with $out, $corpus, $etc.
# The tests turn their lines into settings, build peer profiles from them and use the
# encoded profiles as sample files for the truncation / bit-flip decoding tests.
mkdir -p "$out/peerpressure"
cp -r "$etc" "$out/peerpressure/augeas-etc"
cp -r "$corpus/linux-etc/velociraptor/linux" "$out/peerpressure/velociraptor-linux"
