#!/usr/bin/env python3
"""Pool the figures of several runs (analyze.py --json files) per scenario.

RMS offsets are pooled over all seconds of all runs (sqrt of the mean
square), maxima are the maximum over the runs, coverage is the share of
all covered seconds, and the ratio is candidate / reference (chronyd;
phc2sys in run_ptp.sh's runs) of the pooled figures (the per-run range
is shown beside it). With --check, the exit status says whether the
targets hold: ratio of the pooled RMS <= --max-ratio (1.0, issue 4; 0.8
for issue 5's PTP target) and max_error coverage of 100 % for every
scenario (--check-validation: the looser sanity checks for a candidate
of the reference's kind, see README.md).
"""

import argparse
import json
import math
import sys


def fmt_s(x):
    if x is None:
        return "n/a"
    a = abs(x)
    if a >= 1:
        return "%.3fs" % x
    if a >= 1e-3:
        return "%.3fms" % (x * 1e3)
    if a >= 1e-6:
        return "%.2fus" % (x * 1e6)
    return "%.0fns" % (x * 1e9)


def pooled(runs, node):
    n = sum(r["clients"][node]["offset"]["seconds"] for r in runs)
    ss = sum(r["clients"][node]["offset"]["rms_s"] ** 2 *
             r["clients"][node]["offset"]["seconds"] for r in runs)
    mean = sum(r["clients"][node]["offset"]["mean_s"] *
               r["clients"][node]["offset"]["seconds"] for r in runs) / n
    return {"rms": math.sqrt(ss / n), "max": max(
        r["clients"][node]["offset"]["max_s"] for r in runs), "mean": mean}


def pooled_cov(runs, node):
    covs = [r["clients"][node].get("coverage") for r in runs]
    if not covs or any(c is None for c in covs):
        return None
    sec = sum(c["seconds"] for c in covs)
    return {"share": sum(c["covered"] for c in covs) / sec if sec else None,
            "share_clock": sum(c["covered_clock"] for c in covs) / sec
            if sec else None,
            "worst": max(c["worst_ratio"] for c in covs),
            "median": sorted(c["bound_median_s"] for c in covs
                             if c["bound_median_s"] is not None)[len(covs) // 2]
            if any(c["bound_median_s"] is not None for c in covs) else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--ref-node", default="2")
    ap.add_argument("--cand-node", default="3")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--check-validation", action="store_true")
    ap.add_argument("--max-ratio", type=float, default=1.0,
                    help="--check: the largest pooled RMS ratio that passes")
    a = ap.parse_args()

    by = {}
    for p in a.files:
        with open(p) as f:
            r = json.load(f)
        by.setdefault(r["scenario"], []).append(r)

    ok = True
    ref, cand = a.ref_node, a.cand_node
    kind = None
    ref_kind = next(iter(by.values()))[0]["clients"][ref]["kind"]
    hdr = ("%-12s %4s  %-19s %-19s %-21s %-7s %-16s %-9s %-11s" % (
        "scenario", "runs", "%s rms/max" % ref_kind, "cand rms/max",
        "ratio rms (runs)", "r. max", "cand cover (clk)", "cand bnd",
        "%s bnd" % ref_kind))
    print(hdr)
    for sc, runs in by.items():
        kind = runs[0]["clients"][cand]["kind"]
        p_ref, p_cand = pooled(runs, ref), pooled(runs, cand)
        ratios = [r["ratio_rms"] for r in runs if r["ratio_rms"] is not None]
        r_rms = p_cand["rms"] / p_ref["rms"] if p_ref["rms"] else float("nan")
        r_max = p_cand["max"] / p_ref["max"] if p_ref["max"] else float("nan")
        cov = pooled_cov(runs, cand)
        rcov = pooled_cov(runs, ref)
        bounds = sorted(r["clients"][ref].get("bound_median_s") or 0
                        for r in runs)
        ref_bnd = fmt_s(bounds[len(bounds) // 2]) if any(bounds) else "n/a"
        killed = sum(1 for r in runs if r.get("cand_killed"))
        print("%-12s %4d  %-19s %-19s %-21s %-7s %-16s %-9s %-11s%s" % (
            sc, len(runs),
            "%s/%s" % (fmt_s(p_ref["rms"]), fmt_s(p_ref["max"])),
            "%s/%s" % (fmt_s(p_cand["rms"]), fmt_s(p_cand["max"])),
            "%.3f (%.2f-%.2f)" % (r_rms, min(ratios), max(ratios)),
            "%.3f" % r_max,
            "%.2f%% (%.0f%%)" % (100 * cov["share"], 100 * cov["share_clock"])
            if cov else "n/a",
            fmt_s(cov["median"]) if cov else "n/a",
            ref_bnd,
            "  [cand killed at the end in %d runs]" % killed if killed else ""))
        if a.check:
            if not r_rms <= a.max_ratio:
                print("  FAIL %s: RMS ratio %.3f > %.2f" % (sc, r_rms,
                                                       a.max_ratio))
                ok = False
            if cov is None or cov["share"] < 1.0:
                print("  FAIL %s: max_error coverage %s < 100 %%" % (
                    sc, "n/a" if cov is None else "%.4f %%" % (100 * cov["share"])))
                ok = False
        if a.check_validation and ref_kind == "phc2sys":
            # Two phc2sys read the same PHC with independent read noise.
            if not 0.8 <= r_rms <= 1.25:
                print("  FAIL %s: phc2sys/phc2sys RMS ratio %.3f not in "
                      "[0.8, 1.25]" % (sc, r_rms))
                ok = False
            if not p_ref["rms"] < 10e-6:
                print("  FAIL %s: phc2sys RMS %s" % (sc, fmt_s(p_ref["rms"])))
                ok = False
        elif a.check_validation:
            # Two chronyd with paired delays must agree; both must track.
            if not 0.9 <= r_rms <= 1.1:
                print("  FAIL %s: chronyd/chronyd RMS ratio %.3f not in "
                      "[0.9, 1.1]" % (sc, r_rms))
                ok = False
            if not p_ref["rms"] < 2e-3:
                print("  FAIL %s: chronyd RMS %s" % (sc, fmt_s(p_ref["rms"])))
                ok = False
            if rcov is None or rcov["share"] < 1.0:
                print("  FAIL %s: chronyd's own bound did not cover its error"
                      % sc)
                ok = False
            if sc == "wan" and not 0.7e-3 < abs(p_ref["mean"]) < 1.3e-3:
                print("  FAIL wan: mean offset %s, expected ~1 ms from the "
                      "asymmetry" % fmt_s(p_ref["mean"]))
                ok = False
            if sc == "fourservers" and not p_ref["max"] < 1e-3:
                print("  FAIL fourservers: max offset %s: the 5 ms server "
                      "was not rejected" % fmt_s(p_ref["max"]))
                ok = False
    print("(cand = node %s, %s; ref = node %s, %s; cover = share of "
          "seconds its published max_error covered |clock + offset - true| "
          "(|clock - true|); bnd = median bound: cand max_error, chronyd "
          "root delay/2 + root dispersion)" % (cand, kind, ref, ref_kind))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
