#!/usr/bin/env python3
"""Figures of one clknetsim run (see README.md in this directory).

Inputs, all written by run_scenario.sh into one directory:

  log.offset      clknetsim -o: one line per simulated second (line k is
                  network time k s), one tab-separated column per node:
                  that node's CLOCK_REALTIME minus true time, in seconds.
  tracking.N      chronyd's tracking log of node N (logdir + `log tracking`):
                  one line per clock update, stamped with the node's own
                  clock (UTC, 1 s resolution).
  tsyncd.log      tsyncd's JSON log (log.format json): one record per
                  update carrying max_error_s and the CLOCK_REALTIME
                  reading it is for (real_ns, or the record's "ts").

Per client it prints the RMS and maximum |true offset| over the seconds
after the warm-up, the ratio of the candidate (node 3; node 4 in
run_ptp.sh's runs) to the reference (node 2, chronyd; node 3, phc2sys,
which publishes no bound), chronyd's own bound (root delay/2 + root dispersion)
and, for any client with a bound, the share of simulated seconds where
the bound published last, grown to that second, covered the true error.

Times: a record stamped with the node's clock reading T (seconds since
CLKNETSIM_START_DATE) was made at the true time t where t + off(t) = T;
off() is interpolated linearly in log.offset. Two iterations suffice:
off() changes by far less than a second per second.
"""

import argparse
import calendar
import json
import math
import os
import sys
import time


def read_offsets(path):
    cols = None
    with open(path) as f:
        for line in f:
            v = line.split()
            if not v:
                continue
            if cols is None:
                cols = [[] for _ in v]
            for i, x in enumerate(v):
                cols[i].append(float(x))
    if cols is None:
        raise SystemExit("%s: empty" % path)
    return cols


class Truth:
    """off(t) of one node: its clock minus true time, t in simulated s."""

    def __init__(self, col):
        self.col = col
        self.n = len(col)

    def at(self, t):
        if t <= 0:
            return self.col[0]
        if t >= self.n - 1:
            return self.col[-1]
        k = int(math.floor(t))
        a = t - k
        return self.col[k] * (1 - a) + self.col[k + 1] * a

    def true_time(self, node_t):
        """The true time at which the node's clock read node_t."""
        t = node_t - self.at(node_t)
        return node_t - self.at(t)


def stats(col, t0, t1):
    v = [abs(x) for x in col[t0:t1 + 1]]
    if not v:
        return None
    return {
        "seconds": len(v),
        "rms_s": math.sqrt(sum(x * x for x in v) / len(v)),
        "max_s": max(v),
        "mean_s": sum(col[t0:t1 + 1]) / len(v),
    }


def coverage(truth, records, t0, t1):
    """records: (node_t, offset_s, max_error_s, rate) in time order.

    For each simulated second t in [t0, t1] the last record made at or
    before t is taken, its bound grown by rate * age, and compared with
    the error of the time it publishes: clock + offset_s - UTC, i.e.
    off(t) + offset_s ("published"); and, stricter, with |off(t)|, the
    error of CLOCK_REALTIME itself ("clock").
    """
    recs = []
    for node_t, off_s, me, rate in records:
        if me is None or not math.isfinite(me):
            continue
        recs.append((truth.true_time(node_t), off_s or 0.0, me, rate or 0.0))
    recs.sort()
    out = {"seconds": 0, "covered": 0, "covered_clock": 0,
           "no_bound": 0, "worst_ratio": 0.0, "bound_median_s": None,
           "bound_max_s": None, "records": len(recs)}
    j = -1
    bounds = []
    for t in range(t0, t1 + 1):
        while j + 1 < len(recs) and recs[j + 1][0] <= t:
            j += 1
        out["seconds"] += 1
        if j < 0:
            out["no_bound"] += 1
            continue
        tr, off_s, me, rate = recs[j]
        grown = me + abs(rate) * (t - tr)
        bounds.append(grown)
        off = truth.at(t)
        err = abs(off + off_s)
        if err <= grown:
            out["covered"] += 1
        if abs(off) <= grown:
            out["covered_clock"] += 1
        if grown > 0:
            out["worst_ratio"] = max(out["worst_ratio"], err / grown)
    if bounds:
        bounds.sort()
        out["bound_median_s"] = bounds[len(bounds) // 2]
        out["bound_max_s"] = bounds[-1]
    n = out["seconds"]
    out["share"] = out["covered"] / n if n else None
    out["share_clock"] = out["covered_clock"] / n if n else None
    return out


def read_tracking(path, start_date):
    """chronyd tracking log -> records and (node_t, bound) pairs.

    Columns: date time ref stratum freq skew offset leap combined
    offset_sd rem_corr root_delay root_disp [max_error].
    """
    recs = []
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) < 13 or not v[0][:1].isdigit():
                continue
            try:
                ts = calendar.timegm(time.strptime(v[0] + " " + v[1],
                                                   "%Y-%m-%d %H:%M:%S"))
                skew = float(v[5]) * 1e-6
                root_delay = float(v[11])
                root_disp = float(v[12])
                max_err = float(v[13]) if len(v) > 13 else None
            except ValueError:
                continue
            # The stamp is truncated to the second: the middle of it.
            node_t = ts - start_date + 0.5
            bound = root_delay / 2 + root_disp
            # chronyd grows its root dispersion by skew + maxclockerror
            # (1 ppm by default) per second.
            recs.append({"node_t": node_t, "bound": bound, "rate": skew + 1e-6,
                         "max_error": max_err})
    return recs


def parse_ts(s):
    # "2010-01-01T00:00:05.123456Z"
    frac = 0.0
    if "." in s:
        s, f = s.rstrip("Z").split(".", 1)
        frac = float("0." + f)
    else:
        s = s.rstrip("Z")
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%S")) + frac


def read_tsyncd(path, start_date, event):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if event and j.get("event") != event:
                continue
            me = j.get("max_error_s")
            if not isinstance(me, (int, float)):
                continue
            if isinstance(j.get("real_ns"), (int, float)):
                real = j["real_ns"] / 1e9
            elif isinstance(j.get("ts"), str):
                real = parse_ts(j["ts"])
            else:
                continue
            off = j.get("offset_s")
            rate = j.get("max_error_rate")
            recs.append((real - start_date,
                         off if isinstance(off, (int, float)) else 0.0,
                         float(me),
                         rate if isinstance(rate, (int, float)) else 0.0))
    return recs


def fmt_s(x):
    if x is None:
        return "n/a"
    a = abs(x)
    if a >= 1:
        return "%.3f s" % x
    if a >= 1e-3:
        return "%.3f ms" % (x * 1e3)
    if a >= 1e-6:
        return "%.2f us" % (x * 1e6)
    return "%.1f ns" % (x * 1e9)


def fmt_pct(x):
    return "n/a" if x is None else "%.2f %%" % (100 * x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="the run's directory")
    ap.add_argument("--scenario", default="?")
    ap.add_argument("--warmup", type=int, default=0,
                    help="seconds left out of the figures")
    ap.add_argument("--start-date", type=int, default=1262304000)
    ap.add_argument("--ref-node", type=int, default=2)
    ap.add_argument("--ref-kind", default="chronyd",
                    choices=("chronyd", "phc2sys"))
    ap.add_argument("--cand-node", type=int, default=3)
    ap.add_argument("--cand-kind", default="tsyncd",
                    choices=("tsyncd", "chronyd", "phc2sys"))
    ap.add_argument("--server-nodes", default="1",
                    help="comma-separated server nodes (true offsets shown)")
    ap.add_argument("--tsyncd-event", default="",
                    help="only JSON records with this event name")
    ap.add_argument("--cand-killed", action="store_true",
                    help="the candidate did not exit on clknetsim's SIGTERM")
    ap.add_argument("--json", help="write the figures here as JSON")
    a = ap.parse_args()

    cols = read_offsets(os.path.join(a.dir, "log.offset"))
    end = len(cols[0]) - 1
    t0 = min(a.warmup, end)
    res = {"scenario": a.scenario, "seconds": end, "warmup_s": t0,
           "clients": {}, "servers": {}, "cand_killed": a.cand_killed}

    for s in [int(x) for x in a.server_nodes.split(",") if x]:
        res["servers"][s] = stats(cols[s - 1], t0, end)

    for node, kind in ((a.ref_node, a.ref_kind), (a.cand_node, a.cand_kind)):
        truth = Truth(cols[node - 1])
        c = {"node": node, "kind": kind, "offset": stats(cols[node - 1], t0, end)}
        if kind == "chronyd":
            p = os.path.join(a.dir, "tracking.%d" % node)
            tr = read_tracking(p, a.start_date) if os.path.exists(p) else []
            after = [r for r in tr if truth.true_time(r["node_t"]) >= t0]
            bounds = sorted(r["bound"] for r in after)
            c["updates"] = len(after)
            c["bound_median_s"] = bounds[len(bounds) // 2] if bounds else None
            c["bound_max_s"] = bounds[-1] if bounds else None
            mes = sorted(r["max_error"] for r in after
                         if r["max_error"] is not None)
            c["max_error_median_s"] = mes[len(mes) // 2] if mes else None
            c["coverage"] = coverage(
                truth, [(r["node_t"], 0.0, r["bound"], r["rate"]) for r in tr],
                t0, end) if tr else None
        elif kind == "tsyncd":
            p = os.path.join(a.dir, "tsyncd.log")
            recs = read_tsyncd(p, a.start_date, a.tsyncd_event) \
                if os.path.exists(p) else []
            c["coverage"] = coverage(truth, recs, t0, end) if recs else None
        res["clients"][node] = c

    ref = res["clients"][a.ref_node]["offset"]
    cand = res["clients"][a.cand_node]["offset"]
    res["ratio_rms"] = cand["rms_s"] / ref["rms_s"] if ref["rms_s"] else None
    res["ratio_max"] = cand["max_s"] / ref["max_s"] if ref["max_s"] else None

    print("scenario %s: %d s simulated, figures over %d s after a %d s warm-up"
          % (a.scenario, end, end - t0 + 1, t0))
    for s, st in sorted(res["servers"].items()):
        print("  server node %d: true offset mean %s  rms %s" % (
            s, fmt_s(st["mean_s"]), fmt_s(st["rms_s"])))
    for node in (a.ref_node, a.cand_node):
        c = res["clients"][node]
        o = c["offset"]
        print("  node %d (%s): rms %s  max %s  mean %s" % (
            node, c["kind"], fmt_s(o["rms_s"]), fmt_s(o["max_s"]),
            fmt_s(o["mean_s"])))
        if c["kind"] == "chronyd" and "bound_median_s" in c:
            print("      chronyd bound (root delay/2 + root dispersion) at "
                  "its %d updates: median %s  max %s; tracking Max. error "
                  "median %s" % (c["updates"], fmt_s(c["bound_median_s"]),
                                 fmt_s(c["bound_max_s"]),
                                 fmt_s(c.get("max_error_median_s"))))
        cov = c.get("coverage")
        if cov:
            print("      bound covered |true error| at %s of %d s "
                  "(|clock error| alone: %s; worst |err|/bound %.2f; "
                  "bound median %s max %s; %d s before the first bound)" % (
                      fmt_pct(cov["share"]), cov["seconds"],
                      fmt_pct(cov["share_clock"]), cov["worst_ratio"],
                      fmt_s(cov["bound_median_s"]), fmt_s(cov["bound_max_s"]),
                      cov["no_bound"]))
        elif c["kind"] == "tsyncd":
            print("      max_error coverage: n/a (no JSON record with "
                  "max_error_s in tsyncd.log)")
    print("  ratio node %d / node %d: rms %.3f  max %.3f" % (
        a.cand_node, a.ref_node, res["ratio_rms"] or float("nan"),
        res["ratio_max"] or float("nan")))

    if a.cand_killed:
        print("  note: node %d did not exit on clknetsim's SIGTERM at the end "
              "(killed by the harness)" % a.cand_node)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
