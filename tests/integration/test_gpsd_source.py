#!/usr/bin/env python3
"""The shm and gpsd sources (issue 6, item 5) against a real gpsd run by
gpsfake and fed an NMEA log made for the current time (gnss_feeder.py
--log: RMC + GGA + GSA, one epoch a second, played one sentence every
1/3 s so that the labels keep up with the clock).

gpsd runs only inside this test: gpsfake starts it in the foreground (-N)
on a free port (-S), its control socket in the test's temp dir (TMPDIR),
in a process group of its own that the cleanup kills. gpsfake feeds it
over TCP (-t): gpsd never feeds NTP SHM from a pty (its test-harness
guard), and as root it writes the serial time to NTP0. gpsd has no code
that sets the clock; the test checks that nothing stepped CLOCK_REALTIME
or changed the kernel's frequency while it ran. The SHM segments gpsd
created (NTP0..NTP7 and gpsfake's export segment) are removed afterwards,
those that were there before are left alone.

  (a) shm unit 0: samples with gpsd's mode 1 and precision, the
      undeclared default accuracy (1 s), offsets within a few seconds;
  (b) gpsd JSON: TPV mode 3, TOFF samples (serial-grade, centred, 0.5 s);
  (c) gpsfake stopped: the gpsd source unreachable at once, the shm
      source after its 10 s of silence.

Skips (77) only when gpsd or gpsfake is not installed (Debian: gpsd,
gpsd-clients)."""

import ctypes
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402
import labpeers as L  # noqa: E402
import gnss_feeder as F  # noqa: E402

if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 180.0

NTP_KEY = 0x4e545030
LOG_SECONDS = 150
SAMPLES_TIMEOUT_S = 30
IPC_RMID = 0

libc = ctypes.CDLL(None, use_errno=True)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def find(prog):
    return shutil.which(prog) or next((p for p in ("/usr/sbin/" + prog, "/usr/bin/" + prog)
                                       if os.access(p, os.X_OK)), None)


def shm_exists(key):
    return libc.shmget(ctypes.c_int(key), ctypes.c_size_t(0), ctypes.c_int(0)) >= 0


def shm_remove(key):
    sid = libc.shmget(ctypes.c_int(key), ctypes.c_size_t(0), ctypes.c_int(0))
    if sid >= 0:
        libc.shmctl(sid, IPC_RMID, None)


def clock_state():
    """(CLOCK_REALTIME - CLOCK_MONOTONIC in s, kernel freq, kernel status):
    the first moves only when someone steps the clock, the others only
    when someone writes them with adjtimex."""
    buf = ctypes.create_string_buffer(256)     # struct timex, modes = 0: read
    libc.adjtimex(buf)
    freq = ctypes.c_long.from_buffer(buf, 16).value
    status = ctypes.c_int.from_buffer(buf, 40).value
    return (time.clock_gettime(time.CLOCK_REALTIME) -
            time.clock_gettime(time.CLOCK_MONOTONIC), freq, status)


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class GroupPeer(L.Peer):
    """A peer in its own session: stop and kill reach its children (gpsd
    under gpsfake) too."""

    def start(self):
        logf = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT, env=self.env,
                                         start_new_session=True)
        finally:
            logf.close()
        T._live_daemons.append(self)
        return self

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc is not None:
            self._signal_group(sig)
            try:
                self.rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.rc = None
        self.kill()
        return self.rc

    def kill(self):
        if self.proc is not None:
            self._signal_group(signal.SIGKILL)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._unregister()


def start_gpsfake(t, port):
    log = t.path("fake.nmea")
    with open(log, "w") as f:
        start = int(time.time()) + 1
        for i in range(LOG_SECONDS):
            f.write(F.burst(start + i))
    argv = [find("gpsfake"), "-t", "-1", "-n", "-c", "0.333", "-P", str(port), log]
    peer = GroupPeer("gpsfake", argv, t.path("gpsfake.log"), port)
    peer.env = dict(os.environ, TMPDIR=t.tmp)
    peer.start()
    ok = T.poll_until(lambda: port_open(port) or not peer.alive(), timeout=15, interval=0.2)
    if not ok or not peer.alive():
        peer.kill()
        raise T.CheckFailed("gpsfake/gpsd did not listen on %d; log:\n%s"
                            % (port, peer.log_tail()))
    return peer


def start_tsyncd(t, port):
    sock = t.path("tsyncd.sock")
    srcs = ("sources:\n"
            "  - name: shm0\n"
            "    type: shm\n"
            "    unit: 0\n"
            "  - name: gpsd\n"
            "    type: gpsd\n"
            "    server: 127.0.0.1\n"
            "    port: %d\n"
            "tolerance:\n"
            "  max_error: 10s\n" % port)
    text = T.base_config(sock, extra=srcs, audit_file=t.path("audit.log"),
                         shm=t.path("clock"))
    return T.Daemon(t, text, sock=sock, name="tsyncd").start()


def sources(d):
    r = T.run_tsctl(["--socket", d.sock, "--json", "sources"])
    if r.returncode != 0:
        raise T.CheckFailed("tsctl --json sources exit %d: %s" % (r.returncode, r.stderr))
    return {s["name"]: s for s in json.loads(r.stdout)["data"]["sources"]}


def wait_sources(d, cond, timeout):
    deadline = time.monotonic() + timeout
    last = {}
    while time.monotonic() < deadline and d.alive():
        try:
            last = sources(d)
            if cond(last):
                return True, last
        except (T.CheckFailed, ValueError, KeyError, OSError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.5)
    return False, last


def samples(e):
    return (e.get("counters") or {}).get("samples", 0)


def test_gpsd(t):
    if port_open(2947):
        T.diag("something listens on 127.0.0.1:2947 (a system gpsd?)")
    t.check(not port_open(2947), "no gpsd of the system runs (port 2947 is free): its "
            "NTP0 would be read instead of ours")
    keys = [NTP_KEY + u for u in range(8)]
    port = free_tcp_port()
    keys.append(int("4770%04X" % port, 16))     # gpsfake's GPSD_SHM_KEY for this port
    existing = {k for k in keys if shm_exists(k)}
    before = clock_state()
    fake = d = None
    try:
        fake = start_gpsfake(t, port)
        T.diag("gpsd (under gpsfake) on 127.0.0.1:%d; shm segments there before: %s"
               % (port, sorted(hex(k) for k in existing)))
        d = start_tsyncd(t, port)
        ok, srcs = wait_sources(d, lambda s: samples(s["shm0"]) >= 3 and
                                samples(s["gpsd"]) >= 3, SAMPLES_TIMEOUT_S)
        t.check(ok, "both sources have 3 samples within %d s" % SAMPLES_TIMEOUT_S,
                json.dumps(srcs, sort_keys=True) + "\n" + d.log_tail() + "\n" +
                fake.log_tail())
        shm, gp = srcs.get("shm0", {}), srcs.get("gpsd", {})
        T.diag("shm0: " + json.dumps(shm, sort_keys=True))
        T.diag("gpsd: " + json.dumps(gp, sort_keys=True))

        # (a) shm
        t.eq(shm.get("type"), "shm", "shm: type")
        t.eq(shm.get("attached"), True, "shm: NTP0 attached")
        t.eq(shm.get("mode"), 1, "shm: gpsd writes mode 1")
        t.check(is_num(shm.get("precision")) and shm["precision"] <= -1,
                "shm: gpsd's precision read (2^p <= 0.5 s)", shm.get("precision"))
        t.check(shm.get("state") in ("selected", "combined", "candidate"),
                "shm: usable (selected, combined or candidate)", shm.get("state"))
        t.check(is_num(shm.get("offset_s")) and abs(shm["offset_s"]) < 3,
                "shm: offset within 3 s (the log follows the clock)", shm.get("offset_s"))
        t.check(is_num(shm.get("max_error_s")) and shm["max_error_s"] >= 1.0,
                "shm: max_error >= the undeclared default of 1 s", shm.get("max_error_s"))
        rows = {r["name"]: r for r in (shm.get("last_sample") or {}).get("budget", [])}
        t.check("precision" in rows and "receiver" in rows,
                "shm: the budget has the writer's precision and the accuracy", rows)
        t.eq(shm.get("dropped"), 0, "shm: nothing dropped")

        # (b) gpsd JSON
        tpv = gp.get("tpv") or {}
        c = gp.get("counters") or {}
        t.eq(gp.get("type"), "gpsd", "gpsd: type")
        t.eq(gp.get("connected"), True, "gpsd: connected")
        t.eq(tpv.get("mode"), 3, "gpsd: TPV mode 3")
        t.check(is_num(tpv.get("ept_s")), "gpsd: TPV ept shown", tpv)
        t.check(c.get("toff", 0) >= 3 and c.get("tpv", 0) >= 3,
                "gpsd: TPV and TOFF messages read", c)
        t.eq((gp.get("last_sample") or {}).get("kind"), "toff",
             "gpsd: samples from TOFF (no PPS under gpsfake)")
        t.check(is_num(gp.get("offset_s")) and abs(gp["offset_s"]) < 3,
                "gpsd: offset within 3 s", gp.get("offset_s"))
        t.check(is_num(gp.get("max_error_s")) and gp["max_error_s"] >= 0.5,
                "gpsd: max_error >= the declared 0.5 s of serial timing",
                gp.get("max_error_s"))
        t.check(gp.get("state") in ("selected", "combined", "candidate"),
                "gpsd: usable", gp.get("state"))
        t.check(isinstance(gp.get("gpsd_release"), str) and gp["gpsd_release"] != "",
                "gpsd: gpsd's release from VERSION", gp.get("gpsd_release"))
        t.check(is_num(shm.get("offset_s")) and is_num(gp.get("offset_s")) and
                abs(shm["offset_s"] + 0.5 - gp["offset_s"]) < 0.05,
                "shm and gpsd agree (the same serial time; TOFF centred +0.5 s)",
                (shm.get("offset_s"), gp.get("offset_s")))
        T.diag("figures: shm offset %s u %s max_error %s; gpsd offset %s u %s max_error %s"
               % (shm.get("offset_s"), shm.get("u_s"), shm.get("max_error_s"),
                  gp.get("offset_s"), gp.get("u_s"), gp.get("max_error_s")))

        # (c) gpsd goes away
        fake.stop()
        ok, srcs = wait_sources(d, lambda s: s["gpsd"]["state"] == "unreachable", 5)
        t.check(ok, "gone: the gpsd source is unreachable within 5 s",
                json.dumps(srcs.get("gpsd"), sort_keys=True))
        ok, srcs = wait_sources(d, lambda s: s["shm0"]["state"] == "unreachable", 15)
        t.check(ok, "gone: the shm source is unreachable within 15 s",
                json.dumps(srcs.get("shm0"), sort_keys=True))
        t.check(d.wait_log("gpsd_disconnected", 2) and d.wait_log("shm_silent", 2),
                "gone: gpsd_disconnected and shm_silent are logged", d.log_tail())
    finally:
        if d is not None:
            d.stop_and_check()
        if fake is not None:
            fake.stop()
        for k in keys:
            if k not in existing:
                shm_remove(k)
        after = clock_state()
        t.check(abs(after[0] - before[0]) < 1e-3, "the clock was not stepped",
                "realtime - monotonic moved by %.6f s" % (after[0] - before[0]))
        t.check(after[1:] == before[1:], "the kernel's frequency and status are untouched",
                "before %r after %r" % (before[1:], after[1:]))
        t.check(not any(shm_exists(k) for k in keys if k not in existing),
                "the segments gpsd created are removed")


if __name__ == "__main__":
    if find("gpsd") is None or find("gpsfake") is None:
        T.Tap("tsync-gpsd-").skip("gpsd or gpsfake not installed (Debian: gpsd, gpsd-clients)")
    T.main([test_gpsd], prefix="tsync-gpsd-")
