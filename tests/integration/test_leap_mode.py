#!/usr/bin/env python3
"""
leap.mode (issue 7): the configuration keys, and a smear end to end on the
sim clock driver (this machine's clock is never touched).

For the end-to-end test a leap-seconds.list is written with an invented
inserted second at the next UTC midnight (a valid #h over it), and
leap.smear_window is 7 days, so that now is inside the smear: the engine
must steer the sim clock to UTC + s(now) (s about -0.35..-0.49 s), report
the ramp in status and `tsctl leap`, include |s| in max_error, and leave
the kernel's leap flag unarmed, where a step-mode daemon with the same
file arms it.
"""
import calendar
import hashlib
import os
import re
import time

import labpeers
import tsynctest as T

if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 300.0

NTP_UNIX = 2208988800
DAY = 86400
WINDOW_S = 7 * DAY
FIX_2025B = os.path.join(T.TOP_SRCDIR, "tests", "unit", "data", "leap-seconds-2025b.list")


# ------------------------------------------------------------------ config

def check_config(t, name, text, rc, needle):
    f = T.write_file(t.path(name + ".yaml"), text)
    r = T.run_tsyncd(["-t", "-f", f])
    out = r.stdout + r.stderr
    t.check(r.returncode == rc, "%s: tsyncd -t exits %d" % (name, rc), out)
    if needle is not None:
        t.check(re.search(needle, out) is not None, "%s: says %r" % (name, needle), out)


def test_config(t):
    check_config(t, "bogus", "leap:\n  mode: bogus\n", 2,
                 r'bogus\.yaml:2:9: leap\.mode: expected one of step, slew, smear, '
                 r'got "bogus"')
    check_config(t, "window", "leap:\n  mode: smear\n  smear_window: 20min\n", 2,
                 r'window\.yaml:3:17: leap\.smear_window: 20min is out of range')
    check_config(t, "good", "leap:\n  mode: smear\n  smear_window: 12h\n", 0, None)
    check_config(t, "slew", "leap: {mode: slew}\n", 0, None)


# ------------------------------------------------------------------ smear

def leap_file(path, leap_unix):
    """The 1972-2017 entries plus +1 at leap_unix; expires in a year."""
    entries = []
    with open(FIX_2025B) as f:
        for line in f:
            if line[:1].isdigit():
                w = line.split()
                entries.append((int(w[0]), int(w[1])))
    entries.append((leap_unix + NTP_UNIX, entries[-1][1] + 1))
    now = int(time.time())
    updated = now - DAY + NTP_UNIX
    expires = now + 365 * DAY + NTP_UNIX
    h = hashlib.sha1(("%d%d" % (updated, expires) +
                      "".join("%d%d" % e for e in entries)).encode()).hexdigest()
    words = " ".join("%x" % int(h[i:i + 8], 16) for i in range(0, 40, 8))
    text = "#$\t%d\n#@\t%d\n#\n" % (updated, expires)
    text += "".join("%d\t%d\n" % e for e in entries)
    text += "#h\t%s\n" % words
    return T.write_file(path, text)


def next_midnight(now):
    """The next UTC midnight at least 10 minutes away."""
    m = (int(now) // DAY + 1) * DAY
    return m if m - now >= 600 else m + DAY


def smear_s(now, leap):
    """s(now) before the leap of a smear over WINDOW_S of UTC centred on it
    (WINDOW_S + 1 s of the leap-free timescale): minus the ramp."""
    return -(now - (leap - WINDOW_S / 2)) / (WINDOW_S + 1)


def start(t, name, port, mode, leapf):
    sock = t.path(name + ".sock")
    extra = ("clock:\n  driver: sim\n  discipline: true\n"
             "  sim: {initial_offset: 300us, frequency_offset: 5ppm, noise: 1us}\n"
             "leap:\n  file: %s\n  mode: %s\n  smear_window: %ds\n"
             "sources:\n  - {name: lab, type: ntp, server: 127.0.0.1, port: %d, poll: 0, "
             "iburst: true}\n" % (leapf, mode, WINDOW_S, port))
    return T.Daemon(t, T.base_config(sock, extra=extra, audit_file=t.path(name + ".audit"),
                                     shm=t.path(name + ".clock")),
                    sock=sock, name=name).start()


def data(d):
    return d.status()["data"]


def test_smear(t):
    port = labpeers.free_udp_port()
    labpeers.start_testserver(port, tmpdir=t.path("ntp"))
    leap = next_midnight(time.time())
    leap_day = leap - time.time() <= DAY
    leapf = leap_file(t.path("leap-seconds.list"), leap)
    ds = start(t, "smear", port, "smear", leapf)
    dk = start(t, "step", port, "step", leapf)
    try:
        st = data(ds)
        lp = st.get("leap") or {}
        t.check(lp.get("validity") == "valid", "the generated table is valid", repr(lp))
        t.eq(lp.get("mode"), "smear", "status.leap.mode is smear")
        t.eq(lp.get("smear_window_s"), WINDOW_S, "status.leap.smear_window_s")
        ramp = lp.get("ramp") or {}
        at = lambda u: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(u))
        t.check((ramp.get("mode"), ramp.get("start"), ramp.get("end")) ==
                ("smear", at(leap - WINDOW_S // 2), at(leap + WINDOW_S // 2)),
                "status.leap.ramp: smear, centred on the leap", repr(ramp))
        t.eq(data(dk).get("leap", {}).get("ramp"), None, "step mode: no ramp")

        t.check(T.poll_until(lambda: data(ds)["state"] == "locked", 180),
                "smear: the sim clock locks to the smeared timescale", ds.log_tail())
        t.check(T.poll_until(lambda: data(dk)["state"] == "locked", 180),
                "step: the sim clock locks", dk.log_tail())
        # Under make check -j2 the loopback server's jitter can make the
        # servo drop the lock for a while ("servo lost lock"), and the
        # smear daemon may have done so while the step one was locking:
        # the figures below are those of a locked clock, so read them once
        # it is locked again.
        T.poll_until(lambda: data(ds)["state"] == "locked", 120)
        st = data(ds)
        now = time.time()
        ramp = st["leap"]["ramp"]
        want = smear_s(now, leap)
        T.diag("smear: s expected %.6f s, reported %r; estimate %r"
               % (want, ramp.get("clock_minus_utc_s"), st.get("estimate")))
        t.check(ramp.get("active") is True, "smear: status says the smear is in progress",
                repr(ramp))
        t.check(isinstance(ramp.get("clock_minus_utc_s"), float) and
                abs(ramp["clock_minus_utc_s"] - want) < 1e-3,
                "smear: clock_minus_utc_s is s(now) = %.4f s" % want, repr(ramp))
        est = st.get("estimate") or {}
        me = est.get("max_error_s")
        t.check(isinstance(me, float) and abs(want) - 1e-3 <= me <= abs(want) + 0.02,
                "smear: max_error (%r) includes |s| (%.4f s)" % (me, abs(want)), repr(est))
        t.eq(st.get("tolerance", {}).get("within"), False,
             "smear: outside the tolerance while smeared")
        t.check(st.get("state") == "locked" and st.get("clock_class") == 52,
                "smear: locked, clockClass 52 (not to spec)",
                repr((st.get("state"), st.get("clock_class"))))
        if leap_day:
            t.eq(st["clock"].get("kernel", {}).get("leap"), "none",
                 "smear: the kernel's leap flag is not armed on the leap day")
            t.check(T.poll_until(lambda: data(dk)["clock"].get("kernel", {}).get("leap")
                                 == "insert", 10),
                    "step: the kernel's leap flag is armed on the leap day (control)",
                    repr(data(dk)["clock"].get("kernel")))
        else:
            T.diag("the leap is more than a day away: kernel flags not compared")
        r = T.run_tsctl(["--socket", ds.sock, "leap"])
        t.check(re.search(r"Leap smear: +clock -0\.\d{6} s from UTC, ends %s"
                          % re.escape(at(leap + WINDOW_S // 2)), r.stdout) is not None,
                "tsctl leap: the smear line", r.stdout)
        t.contains(r.stdout, "smear over %d s" % WINDOW_S, "tsctl leap: the mode line")
        t.contains(ds.log_tail(100000), "leap_smear_started", "smear: the start event is logged")
        with open(t.path("smear.audit")) as f:
            t.contains(f.read(), '"ramp_armed"', "smear: the armed ramp is in the audit log")
        ds.stop_and_check("smear: ")
        dk.stop_and_check("step: ")
    finally:
        ds.kill()
        dk.kill()


if __name__ == "__main__":
    T.main([test_config, test_smear], prefix="tsync-leapmode-")
