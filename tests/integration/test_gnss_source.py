#!/usr/bin/env python3
"""The GNSS source (issue 6, item 5) on a simulated receiver: gnss_feeder.py
writes NMEA for the current time on a pty, one burst per second, 100 ms
after the second it labels; tsyncd (observe driver) reads the pty slave.

  (a) NMEA alone with serial_delay = the feeder's emission offset: locks
      with its declared uncertainty (u = 100 ms / sqrt 3, max_error 100 ms
      plus statistics); a checksum error, a status-V epoch and a one-second
      jump are dropped and counted (`dropped`), never used: the offset
      stays within the declared bound against the feeder's own figures;
  (b) serial_delay not given: the sample is centred at 500 ms with a
      half-width of 500 ms, which still covers the true offset; a run of
      no-fix epochs makes the source unusable (with the reason) and it
      recovers; the feeder killed, the source is unreachable; restarted,
      it is read again;
  (c) pps configured but not there: no sample at all (no silent fallback
      to NMEA alone), the source unusable, the reason shown;
  (d) NMEA + PPS on a stand-in RFC 2783 device (an LD_PRELOAD shim built
      here, whose edges are stamped 5 us after each second): every burst
      pairs with its edge, and the offset is cable_delay - 5 us exactly.

The host clock is the reference and is never touched (observe driver):
the feeder stamps its bursts with the same CLOCK_REALTIME tsyncd reads.
Nothing to skip: the feeder is Python's stdlib and a pty, the shim needs
the C compiler that built tsyncd.
"""

import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402
import labpeers as L  # noqa: E402

if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 360.0

FEEDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gnss_feeder.py")
OFFSET_S = 0.1            # the feeder writes each burst 100 ms after its second
FIRST_SAMPLE_S = 10
LOCK_TIMEOUT_S = 60
UNUSABLE_TIMEOUT_S = 15
U_DECLARED = 0.1 / math.sqrt(3)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def start_feeder(t, name, *args):
    """The feeder on a fresh pty; returns (peer, link) once the link exists."""
    link = t.path(name + ".tty")
    argv = [sys.executable, FEEDER, "--link", link, "--offset", str(OFFSET_S)] + \
        [str(a) for a in args]
    peer = L.Peer(name, argv, t.path(name + ".log"), 0).start()
    ok = T.poll_until(lambda: os.path.islink(link) or not peer.alive(), timeout=5)
    if not ok or not peer.alive():
        peer.kill()
        raise T.CheckFailed("feeder %s did not create %s; log:\n%s"
                            % (name, link, peer.log_tail()))
    return peer, link


def feeder_bursts(peer):
    """[(burst number, label, lateness s, tags)] from the feeder's log."""
    out = []
    for line in peer.log_text().splitlines():
        m = re.match(r"burst (\d+) label (\d+) late (-?[0-9.]+)(.*)", line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), float(m.group(3)),
                        m.group(4).strip()))
    return out


def gnss_yaml(name, device, extra=""):
    return ("  - name: %s\n"
            "    type: gnss\n"
            "    device: %s\n" % (name, json.dumps(device))) + extra


def start_tsyncd(t, name, sources, extra="tolerance:\n  max_error: 2s\n"):
    sock = t.path(name + ".sock")
    text = T.base_config(sock, extra="sources:\n" + "".join(sources) + extra,
                         audit_file=t.path(name + ".audit"), shm=t.path(name + ".clock"))
    return T.Daemon(t, text, sock=sock, name=name).start()


def sources(d):
    r = T.run_tsctl(["--socket", d.sock, "--json", "sources"])
    if r.returncode != 0:
        raise T.CheckFailed("tsctl --json sources exit %d: %s" % (r.returncode, r.stderr))
    rep = json.loads(r.stdout)
    return {s["name"]: s for s in rep["data"]["sources"]}


def status(d):
    return d.status()["data"]


class Watch:
    """Samples tsyncd's view of one source, keeping every picture."""

    def __init__(self, d, name):
        self.d, self.name = d, name
        self.t0 = time.monotonic()
        self.hist = []

    def sample(self):
        try:
            st, src = status(self.d), sources(self.d)[self.name]
        except (T.CheckFailed, ValueError, KeyError, OSError, subprocess.TimeoutExpired):
            return None, None
        self.hist.append((time.monotonic() - self.t0, st.get("state"), src))
        return st, src

    def until(self, cond, timeout, interval=0.5):
        deadline = time.monotonic() + timeout
        while True:
            st, src = self.sample()
            ok = st is not None and cond(st, src)
            if ok or time.monotonic() >= deadline or not self.d.alive():
                return ok
            time.sleep(interval)

    def story(self, n=10):
        lines = ["%6.1f s  %-12s %-12s dropped=%s offset=%s u=%s max_error=%s" % (
            at, st, src.get("state"), src.get("dropped"), src.get("offset_s"),
            src.get("u_s"), src.get("max_error_s")) for at, st, src in self.hist[-n:]]
        return "\n".join(lines + ["daemon log tail:", self.d.log_tail(15)])


# ------------------------------------------------------------------ (a)

def test_nmea_locks_and_drops_faults(t):
    """(a) serial_delay known: lock, declared u and bound, faults dropped."""
    feeder, link = start_feeder(t, "feeder-a", "--bad-checksum", 6, "--status-v", 9,
                                "--jump", 12)
    d = None
    try:
        d = start_tsyncd(t, "lock", [gnss_yaml("gps", link, "    serial_delay: 100ms\n"
                                                "    trace: UTC(lab)\n")])
        w = Watch(d, "gps")
        first = w.until(lambda st, s: (s.get("counters") or {}).get("samples", 0) > 0,
                        FIRST_SAMPLE_S)
        if not t.check(first, "lock: first sample within %d s" % FIRST_SAMPLE_S, w.story()):
            return
        # Every fault is behind us (burst 12, plus the epoch after the jump).
        done = T.poll_until(lambda: any(b[0] >= 14 for b in feeder_bursts(feeder)), 20)
        t.check(done, "lock: the feeder wrote its 14 bursts", feeder.log_tail())
        ok = w.until(lambda st, s: st["state"] == "locked" and s["state"] == "selected",
                     LOCK_TIMEOUT_S)
        if not t.check(ok, "lock: locked on the gnss source within %d s" % LOCK_TIMEOUT_S,
                       w.story()):
            return
        st, e = w.sample()
        T.diag("gps: " + json.dumps(e, sort_keys=True))
        c = e.get("counters") or {}
        t.eq(e.get("type"), "gnss", "lock: type gnss")
        t.eq(e.get("mode"), "nmea", "lock: mode nmea (no pps)")
        t.eq(e.get("constellation"), "GPS", "lock: constellation from the talker GP")
        t.eq(e.get("trace"), "UTC(lab) via GPS", "lock: trace = UTC(k) via the constellation")
        t.eq(e.get("address"), link, "lock: address is the device")
        t.eq(c.get("bad_sentences"), 1, "lock: one bad sentence (the checksum error)")
        t.eq(c.get("no_fix_epochs"), 1, "lock: one epoch without fix (status V)")
        t.eq(c.get("jumps"), 2, "lock: the jump drops two epochs (+2 s, then +0 s)")
        t.eq(e.get("dropped"), 4, "lock: dropped counts the four")
        t.eq(e.get("rejected"), 0, "lock: the engine rejected nothing (the driver did)")
        log = d.log_text()
        t.contains(log, "sentence dropped: bad_checksum", "lock: the checksum error is logged")
        t.contains(log, "no fix: RMC status V", "lock: the status-V epoch is logged")
        t.contains(log, "the label jumped by +2.000 s", "lock: the jump is logged")
        u, me, off = e.get("u_s"), e.get("max_error_s"), e.get("offset_s")
        t.check(is_num(u) and U_DECLARED <= u < U_DECLARED * 1.05,
                "lock: u is the declared 100 ms / sqrt 3 (%.1f ms) plus little" % (
                    U_DECLARED * 1e3), "u_s %r" % u)
        # Each sample is certain to +-100 ms; the engine intersects the
        # samples' intervals, which can be narrower by as much as the
        # samples' offsets spread (ms here: max_error 0.0997 s was seen
        # under the sanitizer build), never wider than declared + growth.
        t.check(is_num(me) and 0.095 <= me < 0.12, "lock: max_error is the declared 100 ms, "
                "less the samples' spread, plus little", "max_error_s %r" % me)
        # The true offset is 0 (one clock); what tsyncd measures is the
        # feeder's lateness past its 100 ms, with the opposite sign.
        late = [b[2] for b in feeder_bursts(feeder)]
        mean_late = statistics.mean(late)
        t.check(is_num(off) and abs(off) <= me, "lock: |offset| within max_error",
                "offset %r max_error %r" % (off, me))
        t.check(is_num(off) and abs(off + mean_late) < 0.005,
                "lock: offset matches the feeder's lateness within 5 ms",
                "offset %r, feeder lateness mean %.6f" % (off, mean_late))
        worst = max(abs(s.get("offset_s")) for _, _, s in w.hist if is_num(s.get("offset_s")))
        t.check(worst < 0.01, "lock: |offset| stayed under 10 ms all along (no bad label "
                "got in)", w.story())
        est = st.get("estimate") or {}
        T.diag("figures: offset %.6f s, u %.6f s, max_error %.6f s, status offset %s, "
               "feeder lateness mean %.6f s max %.6f s over %d bursts, samples %s"
               % (off, u, me, est.get("offset_s"), mean_late, max(late), len(late),
                  c.get("samples")))
        t.check(is_num(est.get("offset_s")) and abs(est["offset_s"]) <= est.get(
            "max_error_s", 0), "lock: status offset within its max_error", est)
    finally:
        if d is not None:
            d.stop_and_check("lock: ")
        feeder.stop()


# ------------------------------------------------------------------ (b)

def test_uncalibrated_nofix_and_loss(t):
    """(b) no serial_delay; a no-fix run; the feeder killed and restarted."""
    feeder, link = start_feeder(t, "feeder-b", "--status-v", ",".join(
        str(n) for n in range(12, 18)))
    d = None
    try:
        d = start_tsyncd(t, "loss", [gnss_yaml("gps", link)])
        w = Watch(d, "gps")
        ok = w.until(lambda st, s: is_num(s.get("offset_s")) and s["state"] == "selected",
                     FIRST_SAMPLE_S + 5)
        if not t.check(ok, "loss: selected within %d s" % (FIRST_SAMPLE_S + 5), w.story()):
            return
        _, e = w.sample()
        off, me = e.get("offset_s"), e.get("max_error_s")
        T.diag("uncalibrated: offset %s max_error %s u %s budget %s" % (
            off, me, e.get("u_s"), json.dumps((e.get("last_sample") or {}).get("budget"))))
        t.check(is_num(off) and abs(off - 0.4) < 0.01,
                "loss: uncalibrated offset is centred: 0.5 s - the feeder's 0.1 s",
                "offset %r" % off)
        t.check(is_num(me) and me >= 0.5 and abs(off) <= me,
                "loss: max_error >= 0.5 s and covers the true offset 0", "max_error %r" % me)
        ok = w.until(lambda st, s: s["state"] == "unusable", UNUSABLE_TIMEOUT_S + 10)
        t.check(ok, "loss: six epochs without fix make the source unusable", w.story())
        _, e = w.sample()
        t.eq((e or {}).get("no_fix_reason"), "RMC status V",
             "loss: the reason is shown (no_fix_reason)")
        t.check(d.wait_log("gnss_no_fix", 2), "loss: a gnss_no_fix event is logged",
                d.log_tail())
        ok = w.until(lambda st, s: s["state"] == "selected", UNUSABLE_TIMEOUT_S)
        t.check(ok, "loss: fixes again, selected again", w.story())

        feeder.stop()
        ok = w.until(lambda st, s: s["state"] == "unreachable", 10)
        t.check(ok, "loss: feeder gone, the source is unreachable within 10 s", w.story())
        t.check(d.wait_log("gnss_device_lost", 2), "loss: gnss_device_lost is logged",
                d.log_tail())
        feeder, link2 = start_feeder(t, "feeder-b")
        t.eq(link2, link, "loss: the feeder is back on the same link")
        ok = w.until(lambda st, s: s["state"] == "selected" and
                     (s.get("counters") or {}).get("opens", 0) >= 2, 20)
        t.check(ok, "loss: reopened and selected again within 20 s", w.story())
    finally:
        if d is not None:
            d.stop_and_check("loss: ")
        feeder.stop()


# ------------------------------------------------------------------ (c)

def test_pps_missing(t):
    """(c) a pps path that does not exist: never a sample, unusable."""
    feeder, link = start_feeder(t, "feeder-c")
    nopps = t.path("pps-absent")
    d = None
    try:
        d = start_tsyncd(t, "pps", [gnss_yaml("gps", link, "    pps: %s\n" % nopps)])
        w = Watch(d, "gps")
        ok = w.until(lambda st, s: s["state"] == "unusable" and
                     (s.get("counters") or {}).get("epochs", 0) >= 6, 20)
        t.check(ok, "pps: six epochs read and the source unusable", w.story())
        _, e = w.sample()
        e = e or {}
        T.diag("pps: " + json.dumps({k: e.get(k) for k in ("mode", "pps", "pps_error", "state",
                                                          "dropped", "counters")}))
        t.eq(e.get("mode"), "nmea+pps", "pps: mode nmea+pps")
        t.eq((e.get("counters") or {}).get("samples"), 0,
             "pps: no sample at all (no fallback to NMEA alone)")
        t.check("cannot open" in (e.get("pps_error") or ""),
                "pps: pps_error says the device cannot be opened", e.get("pps_error"))
        t.check(d.wait_log("gnss_no_pps", 2) and d.wait_log("gnss_pps_failed", 1),
                "pps: gnss_pps_failed and gnss_no_pps are logged", d.log_tail())
        t.check(is_num(e.get("dropped")) and e["dropped"] >= 5,
                "pps: the unpaired epochs are dropped and counted", e.get("dropped"))
    finally:
        if d is not None:
            d.stop_and_check("pps: ")
        feeder.stop()


# ------------------------------------------------------------------ (d)

# An RFC 2783 device stand-in, preloaded into tsyncd: the path in
# PPS_SHIM_PATH opens /dev/null, and the PPS ioctls on that descriptor
# answer with an assert edge at every whole second of CLOCK_REALTIME plus
# PPS_SHIM_LATENCY_NS (an interrupt that stamps late), sequence = second.
PPS_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/pps.h>

static int fake_fd = -1;

static int
fake(const char *path)
{
	const char *p = getenv("PPS_SHIM_PATH");

	return p != NULL && path != NULL && strcmp(p, path) == 0;
}

static int
fake_open(void)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");

	return fake_fd = real("/dev/null", O_RDWR);
}

#define PASS_OPEN(name, ...) do {					\
	va_list ap; int m;						\
	va_start(ap, flags); m = va_arg(ap, int); va_end(ap);		\
	return ((int (*)())dlsym(RTLD_NEXT, name))(__VA_ARGS__, m);	\
} while (0)

int open(const char *path, int flags, ...)
{ if (fake(path)) return fake_open(); PASS_OPEN("open", path, flags); }
int open64(const char *path, int flags, ...)
{ if (fake(path)) return fake_open(); PASS_OPEN("open64", path, flags); }
int openat(int d, const char *path, int flags, ...)
{ if (fake(path)) return fake_open(); PASS_OPEN("openat", d, path, flags); }
int openat64(int d, const char *path, int flags, ...)
{ if (fake(path)) return fake_open(); PASS_OPEN("openat64", d, path, flags); }

int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fake_fd)
		return ((int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT,
		    "ioctl"))(fd, req, arg);
	if (req == PPS_GETPARAMS) {
		struct pps_kparams *k = arg;

		memset(k, 0, sizeof(*k));
		k->api_version = PPS_API_VERS;
		k->mode = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
		return 0;
	}
	if (req == PPS_SETPARAMS)
		return 0;
	if (req == PPS_GETCAP) {
		*(int *)arg = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
		return 0;
	}
	if (req == PPS_FETCH) {
		struct pps_fdata *f = arg;
		const char *l = getenv("PPS_SHIM_LATENCY_NS");
		long lat = l != NULL ? atol(l) : 0;
		struct timespec now;
		long long sec;

		clock_gettime(CLOCK_REALTIME, &now);
		sec = now.tv_nsec >= lat ? now.tv_sec : now.tv_sec - 1;
		memset(&f->info, 0, sizeof(f->info));
		f->info.assert_sequence = (unsigned)sec;
		f->info.assert_tu.sec = sec;
		f->info.assert_tu.nsec = (int)lat;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}
"""


def build_shim(t):
    src = T.write_file(t.path("pps_shim.c"), PPS_SHIM)
    so = t.path("pps_shim.so")
    cc = os.environ.get("CC") or "cc"
    r = T.run([cc, "-shared", "-fPIC", "-O2", "-o", so, src, "-ldl"], timeout=60)
    if r.returncode != 0:
        raise T.CheckFailed("cannot build the PPS stand-in: %s" % r.stderr)
    return so


def test_pps_pairs_with_cable_delay(t):
    """(d) NMEA + PPS through the RFC 2783 calls, on a stand-in device
    whose edges are stamped 5 us late: every burst pairs with its edge and
    the offset is cable_delay (300 ns) - 5 us exactly: the sign of both."""
    shim = build_shim(t)
    feeder, link = start_feeder(t, "feeder-d")
    pps = t.path("pps0")
    latency_ns, cable_ns = 5000, 300
    env = dict(os.environ, LD_PRELOAD=shim, PPS_SHIM_PATH=pps,
               PPS_SHIM_LATENCY_NS=str(latency_ns),
               ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                             ":verify_asan_link_order=0").lstrip(":"))
    d = None
    try:
        sock = t.path("ppsd.sock")
        text = T.base_config(sock, extra="sources:\n" + gnss_yaml(
            "gps", link, "    pps: %s\n    cable_delay: %dns\n    trace: UTC(lab)\n"
            % (pps, cable_ns)) + "tolerance:\n  max_error: 1ms\n",
            audit_file=t.path("ppsd.audit"), shm=t.path("ppsd.clock"))
        d = T.Daemon(t, text, sock=sock, name="ppsd", env=env).start()
        w = Watch(d, "gps")
        ok = w.until(lambda st, s: st["state"] == "locked" and
                     (s.get("counters") or {}).get("pairs", 0) >= 10, LOCK_TIMEOUT_S)
        if not t.check(ok, "pps: locked with 10 pairs within %d s" % LOCK_TIMEOUT_S,
                       w.story()):
            return
        st, e = w.sample()
        c = e.get("counters") or {}
        T.diag("pps: " + json.dumps(e, sort_keys=True))
        want = (cable_ns - latency_ns) * 1e-9
        off, u, me = e.get("offset_s"), e.get("u_s"), e.get("max_error_s")
        T.diag("figures: offset %r s (want %.9f), u %r s, max_error %r s, label latency %r s"
               % (off, want, u, me, e.get("label_latency_s")))
        t.eq(e.get("mode"), "nmea+pps", "pps: mode nmea+pps")
        t.eq(e.get("timestamping"), "kernel", "pps: kernel timestamps")
        t.eq((e.get("last_sample") or {}).get("kind"), "pps", "pps: the samples are PPS's")
        t.check(is_num(off) and abs(off - want) < 2e-8,
                "pps: offset = cable_delay - edge latency = %.1f us" % (want * 1e6),
                "offset %r" % off)
        t.check(is_num(u) and 0.1e-6 / math.sqrt(3) <= u < 0.2e-6,
                "pps: u is the default receiver accuracy 100 ns / sqrt 3 plus little",
                "u %r" % u)
        t.check(is_num(me) and 50.1e-6 <= me < 60e-6 and abs(off) <= me,
                "pps: max_error = 100 ns + 50 us timestamp allowance, covering the offset",
                "max_error %r" % me)
        lat = e.get("label_latency_s")
        t.check(is_num(lat) and abs(lat - (OFFSET_S - latency_ns * 1e-9)) < 0.01,
                "pps: label latency (edge to burst) shown, ~%.0f ms" % (OFFSET_S * 1e3), lat)
        refused = c.get("pairs_refused") or {}
        t.check(sum(refused.values()) <= 1, "pps: at most the first burst unpaired", refused)
        t.eq(e.get("rejected"), 0, "pps: the engine rejected nothing")
        t.eq(st.get("traceable"), True, "pps: traceable (trace given, locked, within 1 ms)")
    finally:
        if d is not None:
            d.stop_and_check("pps: ")
        feeder.stop()


def test_pps_alone(t):
    """(e) PPS alone (pps, no device) on the stand-in: with nothing else
    to number the edges, every edge is dropped and counted and the source
    is unusable; with an NMEA source (noselect, serial timing declared to
    10 ms) beside it, each edge is numbered and the offset is -5 us."""
    shim = build_shim(t)
    pps = t.path("pps1")
    latency_ns = 5000
    env = dict(os.environ, LD_PRELOAD=shim, PPS_SHIM_PATH=pps,
               PPS_SHIM_LATENCY_NS=str(latency_ns),
               ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                             ":verify_asan_link_order=0").lstrip(":"))
    alone = "  - name: pps\n    type: gnss\n    pps: %s\n" % json.dumps(pps)
    d = feeder = None
    try:
        sock = t.path("alone.sock")
        text = T.base_config(sock, extra="sources:\n" + alone,
                             audit_file=t.path("alone.audit"), shm=t.path("alone.clock"))
        d = T.Daemon(t, text, sock=sock, name="alone", env=env).start()
        w = Watch(d, "pps")
        ok = w.until(lambda st, s: (s.get("counters") or {}).get("pps_unnumbered", 0) >= 3, 20)
        st, e = w.sample()
        e = e or {}
        c = e.get("counters") or {}
        T.diag("alone: " + json.dumps({k: e.get(k) for k in ("mode", "address", "device",
                                                          "state", "dropped", "counters")}))
        t.check(ok, "alone: three edges dropped as unnumbered", w.story())
        t.eq(e.get("mode"), "pps", "alone: mode pps")
        t.eq(e.get("address"), pps, "alone: the address is the PPS device")
        t.eq(c.get("samples"), 0, "alone: no sample: the second is never guessed")
        t.eq(e.get("state"), "unusable", "alone: the source is unusable")
        t.check(d.wait_log("gnss_pps_dropped", 2), "alone: gnss_pps_dropped is logged",
                d.log_tail())
        d.stop_and_check("alone: ")
        d = None

        feeder, link = start_feeder(t, "feeder-e")
        sock = t.path("locked.sock")
        text = T.base_config(sock, extra="sources:\n" + gnss_yaml(
            "nmea", link, "    serial_delay: 100ms\n    accuracy: 10ms\n"
            "    noselect: true\n") + alone + "tolerance:\n  max_error: 1ms\n",
            audit_file=t.path("locked.audit"), shm=t.path("locked.clock"))
        d = T.Daemon(t, text, sock=sock, name="locked", env=env).start()
        w = Watch(d, "pps")
        ok = w.until(lambda st, s: st["state"] == "locked" and
                     (s.get("counters") or {}).get("samples", 0) >= 10, LOCK_TIMEOUT_S)
        st, e = w.sample()
        e = e or {}
        c = e.get("counters") or {}
        T.diag("numbered: " + json.dumps(e, sort_keys=True))
        if not t.check(ok, "numbered: locked with 10 PPS samples within %d s"
                       % LOCK_TIMEOUT_S, w.story()):
            return
        off, me = e.get("offset_s"), e.get("max_error_s")
        t.check(is_num(off) and abs(off + latency_ns * 1e-9) < 2e-8,
                "numbered: offset = -edge latency = -5 us (the right second)",
                "offset %r" % off)
        t.check(is_num(me) and abs(off) <= me < 60e-6,
                "numbered: max_error covers it, PPS-grade", "max_error %r" % me)
        t.eq(c.get("pps_off_bound"), 0, "numbered: no edge beyond the bounds")
        t.eq(e.get("state"), "selected", "numbered: the PPS is the reference")
    finally:
        if d is not None:
            d.stop_and_check("pps alone: ")
        if feeder is not None:
            feeder.stop()


if __name__ == "__main__":
    T.main([test_nmea_locks_and_drops_faults, test_uncalibrated_nofix_and_loss,
            test_pps_missing, test_pps_pairs_with_cable_delay, test_pps_alone],
           prefix="tsync-gnss-")
