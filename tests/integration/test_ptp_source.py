#!/usr/bin/env python3
"""The PTP source (issue 5, items 2, 4 and 6) against real ptp4l.

Two ptp4l instances in network namespaces joined by a veth pair, software
timestamping (-S): a grandmaster announcing clockClass 6, clockAccuracy
0x21 (100 ns), GNSS, and (pmc SET GRANDMASTER_SETTINGS_NP) timeTraceable
with a valid currentUtcOffset; a slave with slaveOnly 1 and free_running 1
(a pure measurement engine). tsyncd (observe driver) runs in the slave's
namespace with a ptp source on the slave's management socket.

Phases, each giving up once an earlier one failed:
  lock      the source is selected, the state locked and traceable, the
            offset sane, `tsctl --json sources` carries the PTP fields and
            `tsctl --json trace` names the grandmaster;
  timescale the grandmaster flags ptpTimescale (its clock still keeps UTC,
            as every software grandmaster does): ptp4l's master_offset
            jumps by 37 s, tsyncd's offset does not (ptp_timescale_mismatch);
            the flag cleared again, the correction goes;
  class     clockClass 7 keeps the trace, 248 breaks it;
  restart   the slave's ptp4l killed: the source unreachable
            (ptp_engine_lost), holdover; restarted: ptp_engine_back, the
            source selected again;
  gm        the grandmaster killed: the slave's port leaves UNCALIBRATED,
            the source is unusable, the state holdover.

Safety: network namespaces share this host's CLOCK_REALTIME, and ptp4l
3.1.1 in -S mode resets the system clock's frequency and leap flags at
start even with free_running 1. Every ptp4l therefore runs under
`capsh --drop=cap_sys_time`, and its CapEff is checked before the test
goes on (a ptp4l holding CAP_SYS_TIME is killed at once). pmc binds its
client socket in the test's temp dir (-i).

Skips (77) only when ptp4l, pmc, ip or capsh are missing, or network
namespaces cannot be created (not root, no CAP_SYS_ADMIN)."""

import atexit
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402
import labpeers as L  # noqa: E402

# A passing run takes about 2 minutes; every wait running out about 7.
if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 480.0

CAP_SYS_TIME = 25
SLAVE_TIMEOUT_S = 30      # ptp4l: announce timeout, then UNCALIBRATED
LOCK_TIMEOUT_S = 60       # observe mode locks after 16 steady selections
CHANGE_TIMEOUT_S = 15     # a GM setting reaches the slave with the next Announce
LOSS_TIMEOUT_S = 15
RECOVER_TIMEOUT_S = 40
SANE_OFFSET_S = 1e-3      # one CLOCK_REALTIME on both sides: software stamps only
TAI_WATCH_S = 12
GM_IDENTITY_RE = re.compile(r"^[0-9a-f]{6}\.[0-9a-f]{4}\.[0-9a-f]{6}$")
PTP_KEYS = ("address", "port_state", "gm_identity", "clock_class", "clock_accuracy",
            "time_source", "steps_removed", "time_traceable", "ptp_timescale", "utc_offset",
            "master_offset_s", "mean_path_delay_s", "delay_s", "phc", "timestamping",
            "reach", "last_sample", "chain", "poll_s")


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ------------------------------------------------------------------ the lab

class Lab:
    """Two namespaces, a veth pair, two ptp4l, a tsyncd; torn down always."""

    def __init__(self, t):
        self.t = t
        tag = "%d" % (os.getpid() % 100000)
        self.ns_gm, self.ns_sl = "tsync-gm-" + tag, "tsync-sl-" + tag
        self.if_gm, self.if_sl = "tsg" + tag, "tss" + tag
        self.dir = t.path("ptp")
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.gm_uds = os.path.join(self.dir, "gm.sock")
        self.sl_uds = os.path.join(self.dir, "slave.sock")
        self.gm = self.slave = self.d = None
        self.made = []
        self.pmc_n = 0
        atexit.register(self.teardown)

    # namespaces
    def ip(self, *args):
        return T.run(["ip"] + list(args), timeout=10)

    def create(self):
        """Returns None, or why namespaces cannot be made here."""
        for ns in (self.ns_gm, self.ns_sl):
            r = self.ip("netns", "add", ns)
            if r.returncode != 0:
                return "ip netns add: %s" % (r.stderr.strip() or r.returncode)
            self.made.append(ns)
        steps = [("link", "add", self.if_gm, "type", "veth", "peer", "name", self.if_sl),
                 ("link", "set", self.if_gm, "netns", self.ns_gm),
                 ("link", "set", self.if_sl, "netns", self.ns_sl),
                 ("-n", self.ns_gm, "addr", "add", "10.231.0.1/24", "dev", self.if_gm),
                 ("-n", self.ns_sl, "addr", "add", "10.231.0.2/24", "dev", self.if_sl),
                 ("-n", self.ns_gm, "link", "set", self.if_gm, "up"),
                 ("-n", self.ns_sl, "link", "set", self.if_sl, "up"),
                 ("-n", self.ns_gm, "link", "set", "lo", "up"),
                 ("-n", self.ns_sl, "link", "set", "lo", "up")]
        for s in steps:
            r = self.ip(*s)
            if r.returncode != 0:
                raise T.CheckFailed("ip %s: %s" % (" ".join(s), r.stderr.strip()))
        return None

    def teardown(self):
        for p in (self.d, self.slave, self.gm):
            if p is not None:
                p.kill()
        for ns in self.made:
            self.ip("netns", "del", ns)
        self.made = []

    # ptp4l
    def conf(self, name, lines):
        path = os.path.join(self.dir, name + ".cfg")
        T.write_file(path, "[global]\n" + "".join("%s\n" % x for x in lines))
        return path

    def start_ptp4l(self, name, ns, ifname, conf):
        """ptp4l -S without CAP_SYS_TIME; its CapEff checked before use."""
        argv = ["ip", "netns", "exec", ns, "capsh", "--drop=cap_sys_time", "--", "-c",
                "exec ptp4l -S -m -i %s -f %s" % (ifname, conf)]
        p = L.Peer(name, argv, os.path.join(self.dir, name + ".log"), 0, ns).start()
        deadline = time.monotonic() + 5
        capeff = None
        while time.monotonic() < deadline and p.alive():
            try:
                with open("/proc/%d/comm" % p.pid) as f:
                    comm = f.read().strip()
                with open("/proc/%d/status" % p.pid) as f:
                    capeff = int(re.search(r"^CapEff:\s*([0-9a-f]+)", f.read(), re.M).group(1),
                                 16)
            except (OSError, AttributeError):
                comm = None
            if comm == "ptp4l":
                break
            time.sleep(0.02)
        if capeff is None or capeff & (1 << CAP_SYS_TIME):
            p.kill()
            raise T.CheckFailed("%s: could not confirm ptp4l runs without CAP_SYS_TIME "
                                "(CapEff %r); killed" % (name, capeff))
        T.diag("%s: pid %d, CapEff %016x (no CAP_SYS_TIME)" % (name, p.pid, capeff))
        return p

    def start_gm(self):
        conf = self.conf("gm", ["clockClass 6", "clockAccuracy 0x21",
                                "offsetScaledLogVariance 0x4e5d", "timeSource 0x20",
                                "priority1 10", "domainNumber 0", "logSyncInterval 0",
                                "use_syslog 0", "uds_address " + self.gm_uds])
        self.gm = self.start_ptp4l("ptp4l-gm", self.ns_gm, self.if_gm, conf)

    def start_slave(self):
        conf = self.conf("slave", ["slaveOnly 1", "free_running 1", "domainNumber 0",
                                   "use_syslog 0", "uds_address " + self.sl_uds])
        self.slave = self.start_ptp4l("ptp4l-slave", self.ns_sl, self.if_sl, conf)

    def pmc(self, uds, *cmds):
        self.pmc_n += 1
        me = os.path.join(self.dir, "pmc.%d" % self.pmc_n)
        r = T.run(["pmc", "-u", "-b", "0", "-i", me, "-s", uds] + list(cmds), timeout=10)
        return r.stdout

    def gm_settings(self, clock_class=6, ptp_timescale=0, traceable=1):
        """SET GRANDMASTER_SETTINGS_NP (every field, in pmc's order)."""
        out = self.pmc(self.gm_uds, "SET GRANDMASTER_SETTINGS_NP clockClass %d "
                       "clockAccuracy 0x21 offsetScaledLogVariance 0x4e5d currentUtcOffset 37 "
                       "leap61 0 leap59 0 currentUtcOffsetValid 1 ptpTimescale %d "
                       "timeTraceable %d frequencyTraceable %d timeSource 0x20"
                       % (clock_class, ptp_timescale, traceable, traceable))
        if "RESPONSE" not in out:
            raise T.CheckFailed("pmc SET GRANDMASTER_SETTINGS_NP: no response:\n%s" % out)

    def gm_identity(self):
        m = re.search(r"clockIdentity\s+(\S+)", self.pmc(self.gm_uds, "GET DEFAULT_DATA_SET"))
        return m.group(1) if m else None

    def slave_field(self, what, field):
        m = re.search(r"^\s*%s\s+(\S+)" % re.escape(field), self.pmc(self.sl_uds, "GET " + what),
                      re.M)
        return m.group(1) if m else None

    def start_tsyncd(self):
        t = self.t
        sock = t.path("ptp.sock")
        src = ("sources:\n"
               "  - name: ptp\n"
               "    type: ptp\n"
               "    uds: %s\n"
               "    free_running: true\n"
               "    trace: \"UTC(lab)\"\n" % self.sl_uds)
        text = T.base_config(sock, extra=src + "tolerance:\n  max_error: 1s\n",
                             audit_file=t.path("ptp.audit"), shm=t.path("ptp.clock"))
        env = dict(os.environ, TSYNCD_RUNDIR=t.tmp)
        self.d = T.Daemon(t, text, sock=sock, name="tsyncd-ptp", env=env,
                          wrapper=["ip", "netns", "exec", self.ns_sl]).start()


# ------------------------------------------------------------------ reading tsyncd

def sources(d):
    r = T.run_tsctl(["--socket", d.sock, "--json", "sources"])
    if r.returncode != 0:
        raise T.CheckFailed("tsctl --json sources exit %d: %s" % (r.returncode, r.stderr))
    return {s["name"]: s for s in json.loads(r.stdout)["data"]["sources"]}


def status(d):
    return d.status()["data"]


def trace(d):
    r = T.run_tsctl(["--socket", d.sock, "--json", "trace"])
    if r.returncode != 0:
        raise T.CheckFailed("tsctl --json trace exit %d: %s" % (r.returncode, r.stderr))
    return json.loads(r.stdout).get("data")


class Watch:
    """Samples status and the ptp source; keeps a history for failures."""

    def __init__(self, d):
        self.d = d
        self.t0 = time.monotonic()
        self.hist = []
        self.error = None

    def sample(self):
        try:
            st, src = status(self.d), sources(self.d)["ptp"]
        except (T.CheckFailed, ValueError, KeyError, TypeError, OSError,
                subprocess.TimeoutExpired) as e:
            self.error = e
            return None, None
        est = st.get("estimate") or {}
        self.hist.append((round(time.monotonic() - self.t0, 1), st.get("state"),
                          st.get("traceable"), est.get("offset_s"), src.get("state"),
                          src.get("port_state"), src.get("reach"), src.get("offset_s"),
                          src.get("master_offset_s"), src.get("clock_class"),
                          src.get("traceable")))
        return st, src

    def until(self, cond, timeout, interval=0.5):
        deadline = time.monotonic() + timeout
        while True:
            st, src = self.sample()
            try:
                ok = st is not None and cond(st, src)
            except (KeyError, TypeError, AttributeError) as e:
                ok, self.error = False, e
            if ok or time.monotonic() >= deadline or not self.d.alive():
                return ok
            time.sleep(interval)

    def story(self, n=15):
        lines = ["t_s, state, traceable, status offset, source state, port, reach, "
                 "source offset, master_offset, class, source traceable:"]
        lines += ["  %r" % (h,) for h in self.hist[-n:]]
        if self.error is not None:
            lines.append("last error: %r" % (self.error,))
        lines.append("tsyncd log tail:")
        lines.append(self.d.log_tail(15))
        return "\n".join(lines)


def events(d, name):
    return [x for x in d.log_text().splitlines() if name + ":" in x]


def sane(st, src):
    est = st.get("estimate") or {}
    return (is_num(est.get("offset_s")) and abs(est["offset_s"]) < SANE_OFFSET_S and
            is_num(src.get("offset_s")) and abs(src["offset_s"]) < SANE_OFFSET_S)


# ------------------------------------------------------------------ phases

def phase_lock(t, lab, w):
    d = lab.d
    ok = w.until(lambda st, src: src.get("state") == "selected" and st.get("state") == "locked",
                 LOCK_TIMEOUT_S)
    if not t.check(ok, "lock: source selected and state locked within %d s" % LOCK_TIMEOUT_S,
                   w.story()):
        return False
    T.diag("locked %.1f s after tsyncd started" % w.hist[-1][0])
    st, src = w.sample()
    est = st.get("estimate") or {}
    T.diag("status: state %s, offset %r s, u %r s, max_error %r s, traceable %r"
           % (st.get("state"), est.get("offset_s"), est.get("u_s"), est.get("max_error_s"),
              st.get("traceable")))
    T.diag("source: " + json.dumps(src, sort_keys=True))
    t.check(sane(st, src), "lock: status and source offsets within +-%g s" % SANE_OFFSET_S,
            w.story(3))
    missing = [k for k in PTP_KEYS if k not in src]
    t.check(not missing, "lock: sources --json has every PTP field", "missing %s" % missing)
    t.eq(src.get("type"), "ptp", "lock: type ptp")
    t.eq(src.get("address"), lab.sl_uds, "lock: address is the slave's uds")
    t.eq(src.get("port_state"), "UNCALIBRATED", "lock: port UNCALIBRATED (free_running)")
    gm = lab.gm_identity()
    t.check(gm is not None and GM_IDENTITY_RE.match(gm), "lock: the GM's clockIdentity (pmc)",
            "got %r" % gm)
    t.eq(src.get("gm_identity"), gm, "lock: gm_identity is the GM's clockIdentity")
    t.eq(src.get("clock_class"), 6, "lock: clock_class 6")
    t.eq(src.get("clock_accuracy"), 0x21, "lock: clock_accuracy 0x21")
    t.eq(src.get("time_source"), "GNSS", "lock: time_source GNSS")
    t.eq(src.get("steps_removed"), 1, "lock: steps_removed 1")
    t.eq(src.get("time_traceable"), True, "lock: time_traceable")
    t.eq(src.get("ptp_timescale"), False, "lock: ARB timescale (a software GM's default)")
    t.eq(src.get("utc_offset"), 37, "lock: utc_offset 37")
    t.eq(src.get("timestamping"), "software", "lock: software timestamping")
    t.eq(src.get("phc"), None, "lock: no PHC")
    t.check(isinstance(src.get("reach"), int) and src["reach"] != 0, "lock: reach nonzero",
            "reach %r" % src.get("reach"))
    mo, mpd = src.get("master_offset_s"), src.get("mean_path_delay_s")
    t.check(is_num(mo) and abs(mo) < SANE_OFFSET_S, "lock: master_offset_s sane", "%r" % mo)
    t.check(is_num(mpd) and 0 <= mpd < SANE_OFFSET_S, "lock: mean_path_delay_s sane",
            "%r" % mpd)
    ls = src.get("last_sample") or {}
    t.check(is_num(ls.get("hard_bound_s")) and is_num(mpd) and
            ls["hard_bound_s"] >= mpd + 100e-9, "lock: hard bound >= path delay + GM accuracy",
            json.dumps(ls))
    names = [r.get("name") for r in ls.get("budget", [])]
    t.check("server" in names and "asymmetry" in names, "lock: budget has the GM and the path",
            names)
    t.eq(src.get("traceable"), True, "lock: the source is traceable (class 6, timeTraceable)")
    ok = w.until(lambda st, src: st.get("traceable") is True, 10)
    t.check(ok, "lock: status traceable", w.story(3))
    tr = trace(d)
    t.check(gm is not None and gm in json.dumps(tr), "lock: tsctl trace names the grandmaster",
            json.dumps(tr)[:2000])
    r = T.run_tsctl(["--socket", d.sock, "trace"])
    T.diag("tsctl trace:\n" + r.stdout)
    return True


def phase_timescale(t, lab, w):
    lab.gm_settings(ptp_timescale=1)
    ok = w.until(lambda st, src: src.get("ptp_timescale") is True and
                 is_num(src.get("master_offset_s")) and src["master_offset_s"] > 30,
                 CHANGE_TIMEOUT_S)
    if not t.check(ok, "timescale: ptpTimescale reaches the slave, ptp4l's master_offset "
                   "jumps by ~37 s", w.story()):
        return False
    T.diag("ptp4l's master_offset now %r s" % w.hist[-1][8])
    start = len(w.hist)
    end = time.monotonic() + TAI_WATCH_S
    w.until(lambda st, src: time.monotonic() >= end, TAI_WATCH_S + 5, interval=0.5)
    seen = w.hist[start:]
    offs = [abs(h[3]) for h in seen if is_num(h[3])] + [abs(h[7]) for h in seen if is_num(h[7])]
    t.check(seen and offs and max(offs) < SANE_OFFSET_S,
            "timescale: for %d s tsyncd's offsets stay within +-%g s (largest %s)"
            % (TAI_WATCH_S, SANE_OFFSET_S, max(offs) if offs else None), w.story())
    t.check(all(h[1] == "locked" for h in seen), "timescale: state stays locked", w.story())
    ev = events(lab.d, "ptp_timescale_mismatch")
    t.check(ev, "timescale: a ptp_timescale_mismatch event", lab.d.log_tail())
    for x in ev[:1]:
        T.diag("daemon says: " + x)
    src = sources(lab.d)["ptp"]
    t.eq(src.get("timescale_relabelled"), True, "timescale: the source shows the relabelling")
    t.eq(src.get("traceable"), False, "timescale: a mislabelled GM is not traceable")
    T.diag("master_offset %r s, tsyncd source offset %r s"
           % (src.get("master_offset_s"), src.get("offset_s")))

    lab.gm_settings(ptp_timescale=0)
    ok = w.until(lambda st, src: src.get("ptp_timescale") is False and
                 src.get("timescale_relabelled") is False and sane(st, src) and
                 src.get("traceable") is True, CHANGE_TIMEOUT_S)
    t.check(ok, "timescale: flag cleared, correction gone, offsets sane, traceable again",
            w.story())
    return ok


def phase_class(t, lab, w):
    lab.gm_settings(clock_class=7)
    ok = w.until(lambda st, src: src.get("clock_class") == 7, CHANGE_TIMEOUT_S)
    if not t.check(ok, "class: clockClass 7 reaches tsyncd", w.story()):
        return False
    st, src = w.sample()
    t.eq(src.get("traceable"), True, "class: 7 (holdover within spec) stays traceable")
    t.check(st.get("traceable") is True, "class: status traceable with 7", w.story(3))
    lab.gm_settings(clock_class=248)
    ok = w.until(lambda st, src: src.get("clock_class") == 248 and src.get("traceable") is False
                 and st.get("traceable") is False, CHANGE_TIMEOUT_S)
    t.check(ok, "class: 248 breaks the trace (source and status not traceable)", w.story())
    st, src = w.sample()
    t.check(src.get("state") == "selected" and sane(st, src),
            "class: 248 is still a usable time source", w.story(3))
    t.check(events(lab.d, "ptp_gm_quality"), "class: ptp_gm_quality events", lab.d.log_tail())
    lab.gm_settings(clock_class=6)
    return True


def phase_restart(t, lab, w):
    rc = lab.slave.stop()
    T.diag("slave ptp4l stopped (rc %r)" % rc)
    stopped = time.monotonic()
    ok = w.until(lambda st, src: src.get("state") == "unreachable" and
                 st.get("state") == "holdover", LOSS_TIMEOUT_S)
    if not t.check(ok, "restart: source unreachable and state holdover within %d s"
                   % LOSS_TIMEOUT_S, w.story()):
        return False
    T.diag("unreachable and holdover %.1f s after the stop" % (time.monotonic() - stopped))
    ev = events(lab.d, "ptp_engine_lost")
    t.check(ev, "restart: a ptp_engine_lost event", lab.d.log_tail())
    for x in ev[:1]:
        T.diag("daemon says: " + x)
    lab.start_slave()
    restarted = time.monotonic()
    ok = w.until(lambda st, src: src.get("state") == "selected" and sane(st, src),
                 RECOVER_TIMEOUT_S)
    if not t.check(ok, "restart: selected again within %d s" % RECOVER_TIMEOUT_S, w.story()):
        return False
    T.diag("selected again %.1f s after the restart" % (time.monotonic() - restarted))
    t.check(events(lab.d, "ptp_engine_back"), "restart: a ptp_engine_back event",
            lab.d.log_tail())
    src = sources(lab.d)["ptp"]
    t.eq(src.get("subscribed"), True, "restart: subscribed again")
    t.check(src.get("reconnects", 0) >= 1, "restart: reconnects counted", src.get("reconnects"))
    t.eq(len(events(lab.d, "ptp_gm_changed")), 0,
         "restart: no ptp_gm_changed for the restarted ptp4l's own clock")
    ok = w.until(lambda st, src: st.get("state") == "locked", LOCK_TIMEOUT_S)
    return t.check(ok, "restart: locked again within %d s" % LOCK_TIMEOUT_S, w.story())


def phase_gm_lost(t, lab, w):
    lab.gm.stop()
    ok = w.until(lambda st, src: src.get("state") == "unusable" and
                 st.get("state") == "holdover", 30)
    t.check(ok, "gm: grandmaster killed: source unusable, state holdover within 30 s",
            w.story())
    st, src = w.sample()
    T.diag("after the GM stopped: port %r, why %r" % (src.get("port_state"), src.get("why")))
    t.check(events(lab.d, "ptp_port_state") or events(lab.d, "ptp_unusable"),
            "gm: a port state / unusable event", lab.d.log_tail())


# ------------------------------------------------------------------ main

def main():
    t = T.Tap("tsync-ptp-")
    for tool in ("ptp4l", "pmc", "ip", "capsh"):
        if shutil.which(tool) is None:
            t.skip("%s not installed (packages linuxptp, iproute2, libcap2-bin)" % tool)
    if os.geteuid() != 0:
        t.skip("network namespaces need root")
    probe = T.run(["capsh", "--drop=cap_sys_time", "--", "-c", "grep CapEff /proc/self/status"])
    m = re.search(r"CapEff:\s*([0-9a-f]+)", probe.stdout)
    if m is None or int(m.group(1), 16) & (1 << CAP_SYS_TIME):
        t.skip("capsh cannot drop CAP_SYS_TIME here: ptp4l must not run")
    lab = Lab(t)
    try:
        why = lab.create()
        if why is not None:
            lab.teardown()
            t.skip("cannot create network namespaces: %s" % why)
        lab.start_gm()
        lab.start_slave()
        ok = T.poll_until(lambda: lab.slave_field("PORT_DATA_SET", "portState") ==
                          "UNCALIBRATED", timeout=SLAVE_TIMEOUT_S, interval=0.5)
        if t.check(ok, "lab: the slave ptp4l follows the grandmaster within %d s"
                   % SLAVE_TIMEOUT_S, lab.slave.log_tail()):
            lab.gm_settings()
            lab.start_tsyncd()
            w = Watch(lab.d)
            for phase in (phase_lock, phase_timescale, phase_class, phase_restart):
                try:
                    if not phase(t, lab, w):
                        break
                except T.CheckFailed as e:
                    t.check(False, "%s: %s" % (phase.__name__, e))
                    break
            else:
                phase_gm_lost(t, lab, w)
            lab.d.stop_and_check("ptp: ")
            t.check(not os.path.exists(os.path.join(t.tmp, "ptp-ptp.sock")),
                    "ptp: the client socket is removed on exit")
    except T.TestTimeout as e:
        t.check(False, "deadline: %s" % e)
    except T.CheckFailed as e:
        t.check(False, str(e))
    finally:
        lab.teardown()
        for ns in (lab.ns_gm, lab.ns_sl):
            t.check(ns not in T.run(["ip", "netns", "list"]).stdout,
                    "cleanup: namespace %s removed" % ns)
    t.exit()


if __name__ == "__main__":
    main()
