#!/usr/bin/env python3
"""The phc clock driver (issue 5, item 5): tsyncd steers a PTP hardware
clock from an NTP source, the reverse of phc2sys.

There is no PHC on a test host, and no test may write the host's clock:
phc_shim.c, built here and loaded with LD_PRELOAD, stands in for
/dev/ptp0 with a software clock on CLOCK_MONOTONIC that starts 37 s + 3 ms
ahead of CLOCK_REALTIME and runs 20 ppm fast. It serves clock_gettime,
clock_adjtime and the PTP_SYS_OFFSET* ioctls for that device, refuses and
counts any write to CLOCK_REALTIME, and publishes its state in a mapped
file, from which this script computes the fake PHC's true offset from
TAI (host UTC + 37 s) at any instant.

The source is chronyd on 127.0.0.1 (labpeers, -x: it never touches the
clock), serving the host's clock; TAI - UTC comes from the leap table
fixture (37 s).

  (a) discipline on: the PHC converges to host UTC + 37 s (within 50 us,
      the loopback asymmetry allowance being a few us), the published
      max_error covers |true offset - published offset| at every status
      sample, the PHC was steered by frequency (the 3 ms are below the step
      threshold) and CLOCK_REALTIME was never written; the status says
      "phc /dev/ptp0 (tai)" and no kernel status, the budget has the PHC
      read rows;
  (b) discipline off: samples flow and the published offset is the PHC's
      -3 ms, within max_error, and nothing was written to the PHC.

Skips (77) when chronyd is not installed."""

import json
import math
import os
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402
import labpeers as L  # noqa: E402

if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 300.0

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_C = os.path.join(HERE, "phc_shim.c")
LEAPS = os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(HERE, "..", "..")),
                     "tests", "unit", "data", "leap-seconds-future.list")
PHC = "/dev/ptp0"
TAI_UTC_S = 37
START_OFFSET_NS = TAI_UTC_S * 1000000000 + 3000000   # PHC - CLOCK_REALTIME at start
INTRINSIC_PPB = 20000.0
CONVERGE_TIMEOUT_S = 90
CONVERGED_S = 50e-6
STATE_FMT = "<QqqddQQQQQ"     # struct state in phc_shim.c
STATE_KEYS = ("seq", "mono0_ns", "phc0_ns", "freq_ppb", "adj_ppb", "phc_writes",
              "realtime_writes", "steps", "freq_sets", "sys_offset_reads")


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def build_shim(t):
    so = t.path("phc_shim.so")
    cc = os.environ.get("CC") or "cc"
    r = T.run([cc, "-shared", "-fPIC", "-O2", "-o", so, SHIM_C, "-ldl", "-lpthread"],
              timeout=60)
    if r.returncode != 0:
        raise T.CheckFailed("cannot build the PHC stand-in: %s" % r.stderr)
    return so


def read_state(path):
    """The shim's state, consistent (its sequence counter even and unchanged)."""
    size = struct.calcsize(STATE_FMT)
    with open(path, "rb") as f:
        for _ in range(1000):
            a = struct.unpack(STATE_FMT, f.read(size))
            f.seek(0)
            b = struct.unpack(STATE_FMT, f.read(size))
            f.seek(0)
            if a[0] % 2 == 0 and a == b:
                return dict(zip(STATE_KEYS, a))
    raise T.CheckFailed("the shim's state never settled")


def true_offset_s(path):
    """TAI - PHC now (the sign of tsyncd's offset), from the shim's state
    and the host's clocks, in integer ns before the division."""
    s = read_state(path)
    m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    r = time.clock_gettime_ns(time.CLOCK_REALTIME)
    phc = s["phc0_ns"] + round((m - s["mono0_ns"]) * (1 + s["freq_ppb"] * 1e-9))
    return (r + TAI_UTC_S * 1000000000 - phc) * 1e-9, s


def start(t, name, discipline, port, shim):
    sock = t.path(name + ".sock")
    state = t.path(name + ".state")
    env = dict(os.environ, LD_PRELOAD=shim, PHC_SHIM_PATH=PHC, PHC_SHIM_STATE=state,
               PHC_SHIM_OFFSET_NS=str(START_OFFSET_NS),
               PHC_SHIM_FREQ_PPB=str(INTRINSIC_PPB),
               ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                             ":verify_asan_link_order=0").lstrip(":"))
    extra = ("clock:\n  driver: phc\n  phc: %s\n  discipline: %s\n"
             "leap:\n  file: %s\n"
             "tolerance:\n  max_error: 10ms\n"
             "sources:\n  - name: lab\n    type: ntp\n    server: 127.0.0.1\n"
             "    port: %d\n    poll: [0, 0]\n    iburst: true\n"
             % (PHC, "true" if discipline else "false", LEAPS, port))
    text = T.base_config(sock, extra=extra, audit_file=t.path(name + ".audit"), shm="")
    return T.Daemon(t, text, sock=sock, name=name, env=env).start(), state


class Record:
    """Status samples with the true offset read just before and after each
    request, on one open control connection (a request takes well under a
    millisecond, while spawning tsctl takes tens, in which a PHC being
    slewed at up to 500 ppm moves by more than its bound)."""

    def __init__(self, d, state):
        self.d, self.state = d, state
        self.rows = []
        self.client = T.Client(d.sock)

    def sample(self):
        before, _ = true_offset_s(self.state)
        data = self.client.request({"cmd": "status"})["data"]
        after, s = true_offset_s(self.state)
        est = data.get("estimate") or {}
        row = {"t": time.monotonic(), "state": data.get("state"),
               "offset": est.get("offset_s"), "max_error": est.get("max_error_s"),
               "true": (before + after) / 2, "true_spread": abs(after - before) / 2,
               "shim": s, "clock": data.get("clock")}
        self.rows.append(row)
        return row

    def uncovered(self):
        """Samples whose max_error does not cover |true - published| (the
        true offset known to +- its change across the status query)."""
        return [r for r in self.rows if is_num(r["offset"]) and is_num(r["max_error"]) and
                abs(r["true"] - r["offset"]) > r["max_error"] + r["true_spread"]]

    def story(self, n=12):
        return "\n".join("%7.1f s %-12s offset %s max_error %s true %+.3e" % (
            r["t"] - self.rows[0]["t"], r["state"], r["offset"], r["max_error"], r["true"])
            for r in self.rows[-n:])


def converged(rows, n=5):
    last = rows[-n:]
    return len(last) == n and all(r["state"] == "locked" and
                                  abs(r["true"]) < CONVERGED_S for r in last)


def test_discipline_on(t):
    """(a) the PHC steered to host UTC + 37 s, the bound honest, the system
    clock untouched."""
    shim = build_shim(t)
    port = L.free_udp_port()
    peer = L.start_chronyd(t.path("chronyd-a"), port, name="chronyd-a")
    d = None
    try:
        d, state = start(t, "phc-on", True, port, shim)
        rec = Record(d, state)
        t0 = time.monotonic()
        while time.monotonic() - t0 < CONVERGE_TIMEOUT_S and not converged(rec.rows):
            rec.sample()
            time.sleep(0.5)
        took = time.monotonic() - t0
        if not t.check(converged(rec.rows), "on: the PHC within %.0f us of UTC + 37 s, "
                       "locked, within %d s" % (CONVERGED_S * 1e6, CONVERGE_TIMEOUT_S),
                       rec.story() + "\n" + d.log_tail()):
            return
        first = next(r for r in rec.rows if is_num(r["offset"]))
        T.diag("converged in %.1f s: first estimate %+.6f s (true %+.6f s), now true "
               "%+.3f us, published %+.3f us, max_error %.3f us"
               % (took, first["offset"], first["true"], rec.rows[-1]["true"] * 1e6,
                  rec.rows[-1]["offset"] * 1e6, rec.rows[-1]["max_error"] * 1e6))
        for _ in range(20):     # locked: keep watching the bound
            rec.sample()
            time.sleep(0.5)
        bad = rec.uncovered()
        worst = max((abs(r["true"] - r["offset"]) / r["max_error"] for r in rec.rows
                     if is_num(r["offset"]) and is_num(r["max_error"]) and r["max_error"] > 0),
                    default=None)
        T.diag("%d status samples, worst |true - published| / max_error = %s, "
               "largest change of the true offset across one request %.3f us"
               % (len(rec.rows), "%.3f" % worst if worst is not None else "n/a",
                  max(r["true_spread"] for r in rec.rows) * 1e6))
        rec.client.close()
        t.check(len(rec.rows) >= 20 and not bad,
                "on: max_error covers the true offset at every status sample",
                "\n".join(json.dumps(r, default=str) for r in bad[:5]))
        t.check(all(abs(r["true"]) < CONVERGED_S for r in rec.rows[-20:]),
                "on: it stays within %.0f us once locked" % (CONVERGED_S * 1e6),
                rec.story(20))
        s = read_state(state)
        T.diag("shim: " + json.dumps(s))
        t.eq(s["realtime_writes"], 0, "on: no write to CLOCK_REALTIME was even tried")
        t.check(s["freq_sets"] > 0 and s["phc_writes"] > 0,
                "on: the PHC's frequency was set", s)
        t.check(abs(s["adj_ppb"] + INTRINSIC_PPB) < 2000,
                "on: the PHC's 20 ppm are corrected (adjustment near -20 ppm)", s)
        t.eq(s["steps"], 0, "on: no step for 3 ms (below the 100 ms threshold)")
        clock = rec.rows[-1]["clock"] or {}
        t.eq(clock.get("label"), "phc %s (tai)" % PHC, "on: status says phc /dev/ptp0 (tai)")
        t.check("kernel" in clock and clock["kernel"] is None,
                "on: no kernel maxerror for a PHC (kernel: null)", clock)
        r = T.run_tsctl(["--socket", d.sock, "status"])
        t.contains(r.stdout, "phc %s (tai) (discipline on)" % PHC, "on: tsctl status shows it")
        est = d.status()["data"].get("estimate") or {}
        names = {b.get("name") for b in est.get("budget") or []}
        t.check({"phc_read", "phc_lag"} <= names,
                "on: the budget has the PHC read and lag rows (Type B)", sorted(names))
        d.stop_and_check("on: ")
    finally:
        if d is not None:
            d.kill()
        if peer.alive():
            peer.stop()


def test_discipline_off(t):
    """(b) observed, never written."""
    shim = build_shim(t)
    port = L.free_udp_port()
    peer = L.start_chronyd(t.path("chronyd-b"), port, name="chronyd-b")
    d = None
    try:
        d, state = start(t, "phc-off", False, port, shim)
        rec = Record(d, state)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30 and (len(rec.rows) < 10 or
                                              not is_num(rec.rows[-1]["offset"])):
            rec.sample()
            time.sleep(0.5)
        last = rec.rows[-1]
        T.diag("off: published %s s, true %+.6f s, max_error %s s"
               % (last["offset"], last["true"], last["max_error"]))
        t.check(is_num(last["offset"]) and abs(last["offset"] + 3e-3) < 1e-3,
                "off: the published offset is the PHC's (-3 ms plus 20 ppm drift)", rec.story())
        t.check(not rec.uncovered(), "off: max_error covers the true offset", rec.story())
        rec.client.close()
        s = read_state(state)
        T.diag("shim: " + json.dumps(s))
        t.check(s["sys_offset_reads"] > 0, "off: the PHC was read against CLOCK_REALTIME", s)
        t.eq(s["phc_writes"], 0, "off: nothing written to the PHC")
        t.eq(s["freq_sets"] + s["steps"], 0, "off: no frequency set, no step")
        t.eq(s["realtime_writes"], 0, "off: nothing written to CLOCK_REALTIME")
        d.stop_and_check("off: ")
    finally:
        if d is not None:
            d.kill()
        if peer.alive():
            peer.stop()


if __name__ == "__main__":
    if L.find_chronyd() is None:
        T.Tap("tsync-phc-").skip("chronyd not installed (Debian package chrony)")
    T.main([test_discipline_on, test_discipline_off], prefix="tsync-phc-")
