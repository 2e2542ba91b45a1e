#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs vmsift rank on every case of a fleet built by build.sh and reports the culprit's rank.

Usage: run.py OUTDIR [--json] [--rank-arg ARG]...
  VMSIFT   the binary (default <repo>/target/release/vmsift)
Prints the per-case table and the totals; with --json prints a JSON summary on stdout and the
table on stderr. Raw rankings are kept in OUTDIR/results/<case>.json.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def fill(text, sub):
    for k, v in sub.items():
        text = text.replace("{" + k + "}", re.escape(v))
    return text


def matches(alt, row, sub):
    if alt.get("kind") and not re.fullmatch(alt["kind"], row["kind"], re.I):
        return False
    if alt.get("absent") and row.get("value") is not None:
        return False
    return bool(re.search(fill(alt["path"], sub), row["path"], re.I)) and bool(re.search(fill(alt["name"], sub), row["name"], re.I))


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out, as_json, rank_args = args[0], "--json" in args, []
    for i, a in enumerate(args):
        if a == "--rank-arg":
            rank_args.append(args[i + 1])
    vmsift = os.environ.get("VMSIFT", os.path.join(ROOT, "target", "release", "vmsift"))
    fleet = json.load(open(os.path.join(out, "fleet.json")))
    defs = {c["name"]: c for c in json.load(open(os.path.join(HERE, "cases.json")))["cases"]}
    os.makedirs(os.path.join(out, "results"), exist_ok=True)
    table = sys.stderr if as_json else sys.stdout
    results = []
    hdr = "%-26s %-3s %-38s %6s %4s %5s %7s  %s" % ("case", "os", "fault", "rank", "P", "ties", "time", "status")
    print(hdr, file=table)
    print("-" * len(hdr), file=table)
    for c in fleet["cases"]:
        d = defs[c["name"]]
        target = os.path.join(out, c["os"], c["target"])
        peers = [os.path.join(out, c["os"], p) for p in fleet["peers"][c["os"]]]
        t0 = time.monotonic()
        p = subprocess.run([vmsift, "rank", "--target", target, "--peers", *peers, "--format", "json", *rank_args],
                           capture_output=True, text=True)
        secs = time.monotonic() - t0
        res = {"case": c["name"], "os": c["os"], "fault": d["fault"], "peers": len(peers), "seconds": round(secs, 2),
               "shared_by": len(c.get("shared_by", [])), "rank": None, "ties": None, "status": "", "row": None}
        if p.returncode != 0:
            res["status"] = "error: " + p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "error"
        else:
            with open(os.path.join(out, "results", c["name"] + ".json"), "w") as f:
                f.write(p.stdout)
            ranking = json.loads(p.stdout)["ranking"]
            sub = c["subst"]
            hits = [r for r in ranking if any(matches(a, r, sub) for a in d["match"])]
            if hits:
                best = min(hits, key=lambda r: r["rank"])
                res["rank"] = best["rank"]
                res["ties"] = sum(1 for r in ranking if r["probability"] == best["probability"]) - 1
                res["row"] = {k: best[k] for k in ("kind", "path", "name", "value", "probability", "category")}
                res["status"] = "found"
            else:
                # Is the culprit's location extracted at all (on the target or on a peer)?
                seen = False
                for m in (target, peers[0]):
                    s = subprocess.run([vmsift, "scan", "--format", "ndjson", m], capture_output=True, text=True)
                    for line in s.stdout.splitlines():
                        row = json.loads(line)
                        if any(re.search(fill(a["path"], sub), row["path"], re.I) for a in d["match"]):
                            seen = True
                            break
                res["status"] = "not ranked (location extracted)" if seen else "not extracted"
        results.append(res)
        print("%-26s %-3s %-38s %6s %4d %5s %6.2fs  %s%s" % (
            c["name"], c["os"], d["fault"][:38], res["rank"] if res["rank"] else "-", len(peers),
            res["ties"] if res["ties"] is not None else "-", secs, res["status"],
            " (shared by %d peer%s)" % (res["shared_by"], "s" if res["shared_by"] > 1 else "") if res["shared_by"] else ""),
            file=table, flush=True)
    totals = {}
    for scope in ("win", "lin", "all"):
        rs = [r for r in results if scope == "all" or r["os"] == scope]
        if not rs:
            continue
        totals[scope] = {"cases": len(rs),
                         "rank1": sum(1 for r in rs if r["rank"] == 1),
                         "top3": sum(1 for r in rs if r["rank"] and r["rank"] <= 3),
                         "top10": sum(1 for r in rs if r["rank"] and r["rank"] <= 10),
                         "not_found": sum(1 for r in rs if not r["rank"]),
                         "not_extracted": sum(1 for r in rs if r["status"] == "not extracted"),
                         "max_seconds": max(r["seconds"] for r in rs)}
    print("", file=table)
    print("%-8s %6s %6s %6s %7s %10s %14s %8s" % ("", "cases", "rank1", "top3", "top10", "not found", "not extracted", "max s"), file=table)
    for scope, t in totals.items():
        print("%-8s %6d %6d %6d %7d %10d %14d %8.2f" % ({"win": "Windows", "lin": "Linux", "all": "overall"}[scope], t["cases"], t["rank1"],
                                                       t["top3"], t["top10"], t["not_found"], t["not_extracted"], t["max_seconds"]), file=table)
    if as_json:
        json.dump({"vmsift": vmsift, "rank_args": rank_args, "totals": totals, "cases": results}, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
