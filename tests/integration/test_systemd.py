#!/usr/bin/env python3
"""The systemd service: the unit and its snippets parse, and tsyncd speaks
the sd_notify protocol to a test socket standing in for the manager.

Protocol checked: READY=1 only once the control socket answers; a STATUS=
line naming the state tsctl reports; RELOADING=1 (with MONOTONIC_USEC)
then READY=1 around SIGHUP, a refused config included; STOPPING=1 at
SIGTERM; WATCHDOG=1 at half of WATCHDOG_USEC, and none without it.
"""

import os
import re
import shutil
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

UNIT_DIR = os.path.join(T.TOP_SRCDIR, "contrib", "systemd")
UNIT = os.path.join(UNIT_DIR, "tsyncd.service")
STATES = ("unsynchronized", "acquiring", "locked", "holdover", "freerun")


# ------------------------------------------------------------ static files

def unit_copy(t, name, edit=None):
    """The unit with ExecStart pointing at the built tsyncd (verify wants
    an existing executable); edit(text) may change it further."""
    with open(UNIT) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^ExecStart=/usr/sbin/tsyncd\b", "ExecStart=" + T.TSYNCD, text)
    if n != 1:
        raise T.CheckFailed("ExecStart=/usr/sbin/tsyncd not found once in %s" % UNIT)
    if edit:
        text = edit(text)
    d = t.path(name + ".d")
    os.makedirs(d, exist_ok=True)
    return T.write_file(os.path.join(d, "tsyncd.service"), text)


def verify(path):
    return T.run(["systemd-analyze", "verify", "--man=no", path], timeout=30)


def test_unit_verifies(t):
    if shutil.which("systemd-analyze") is None:
        T.diag("systemd-analyze not installed (apt-get install systemd): "
               "unit verification not run")
        return
    r = verify(unit_copy(t, "good"))
    # verify exits 0 even for lines it ignores: its output must be empty.
    t.check(r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "",
            "systemd-analyze verify: tsyncd.service is clean",
            "rc=%d\nstdout:\n%s\nstderr:\n%s" % (r.returncode, r.stdout, r.stderr))
    # The check can fail: a misspelt setting is reported.
    bad = unit_copy(t, "bad", lambda s: s.replace("ProtectHome=yes", "ProtectHome=yes\nProtectHomme=yes"))
    r = verify(bad)
    t.check("ProtectHomme" in r.stdout + r.stderr,
            "systemd-analyze verify reports a misspelt setting (control)",
            "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))


def test_unit_content(t):
    with open(UNIT) as f:
        text = f.read()
    keys = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            keys.setdefault(m.group(1), []).append(m.group(2).strip())
    want = {
        "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30s",
        "ExecStart": "/usr/sbin/tsyncd -n -f /etc/tsyncd/tsyncd.yaml",
        "ExecReload": "/bin/kill -HUP $MAINPID", "ProtectSystem": "strict",
        "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
        "RuntimeDirectory": "tsyncd", "StateDirectory": "tsyncd", "LogsDirectory": "tsyncd",
    }
    for k, v in want.items():
        t.eq(keys.get(k), [v], "unit sets %s=%s" % (k, v))
    bset = set((keys.get("CapabilityBoundingSet") or [""])[0].split())
    t.check({"CAP_SYS_TIME", "CAP_NET_BIND_SERVICE"} <= bset
            and bset <= {"CAP_SYS_TIME", "CAP_NET_BIND_SERVICE", "CAP_SETUID",
                         "CAP_SETGID", "CAP_SETPCAP"},
            "CapabilityBoundingSet: CAP_SYS_TIME, CAP_NET_BIND_SERVICE and only "
            "what the user switch needs", "got %r" % sorted(bset))
    conflicts = set(" ".join(keys.get("Conflicts", [])).split())
    t.check({"chronyd.service", "chrony.service", "ntpd.service", "ntp.service",
             "systemd-timesyncd.service"} <= conflicts,
            "unit conflicts with chrony, ntpd and systemd-timesyncd", "got %r" % conflicts)
    t.check("ProtectClock" not in keys, "unit does not set ProtectClock= (it forbids clock writes)")


def test_sysusers_tmpfiles(t):
    if shutil.which("systemd-sysusers") is None or shutil.which("systemd-tmpfiles") is None:
        T.diag("systemd-sysusers/systemd-tmpfiles not installed: snippets not checked")
        return
    root = t.path("root")
    os.makedirs(os.path.join(root, "etc"))
    r = T.run(["systemd-sysusers", "--root=" + root,
               os.path.join(UNIT_DIR, "tsyncd.sysusers")], timeout=30)
    t.check(r.returncode == 0, "systemd-sysusers accepts tsyncd.sysusers", r.stderr)
    with open(os.path.join(root, "etc", "passwd")) as f:
        users = {ln.split(":")[0]: ln.rstrip("\n").split(":") for ln in f}
    with open(os.path.join(root, "etc", "group")) as f:
        groups = {ln.split(":")[0]: ln.rstrip("\n").split(":") for ln in f}
    pw = users.get("tsync")
    t.check(pw is not None and pw[6] == "/usr/sbin/nologin" and int(pw[2]) < 1000
            and "tsync" in groups and groups["tsync"][2] == pw[3],
            "sysusers creates system user tsync (nologin) with group tsync", "passwd: %r" % pw)
    r = T.run(["systemd-tmpfiles", "--root=" + root, "--create",
               os.path.join(UNIT_DIR, "tsyncd.tmpfiles")], timeout=30)
    t.check(r.returncode == 0, "systemd-tmpfiles accepts tsyncd.tmpfiles", r.stderr)
    gid = int(groups["tsync"][2]) if "tsync" in groups else -1
    for rel, mode in (("run/tsyncd", 0o775), ("var/lib/tsyncd", 0o770), ("var/log/tsyncd", 0o770)):
        try:
            st = os.stat(os.path.join(root, rel))
            got = (oct(st.st_mode & 0o7777), st.st_uid, st.st_gid)
        except OSError as e:
            got = str(e)
        t.eq(got, (oct(mode), 0, gid), "tmpfiles: /%s is %o root:tsync" % (rel, mode))


# ------------------------------------------------------------ notify protocol

class Manager:
    """A datagram socket standing in for the service manager."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.msgs = []          # (monotonic time, [lines])

    def close(self):
        self.sock.close()

    def recv(self, timeout):
        """Next datagram as a list of lines, or None."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except (socket.timeout, TimeoutError):
            return None
        lines = data.decode(errors="replace").split("\n")
        self.msgs.append((time.monotonic(), lines))
        return lines

    def wait_for(self, pred, timeout=5):
        """Read datagrams until pred(lines); returns (lines, seen) or (None, seen)."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            lines = self.recv(deadline - time.monotonic())
            if lines is None:
                break
            seen.append(lines)
            if pred(lines):
                return lines, seen
        return None, seen


def is_msg(word):
    return lambda lines: word in lines


def status_state(lines):
    for ln in lines:
        if ln.startswith("STATUS="):
            m = re.search(r"\b(%s)\b" % "|".join(STATES), ln)
            if m:
                return m.group(1)
    return None


def notify_env(path, extra=None):
    env = dict(os.environ)
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    env["NOTIFY_SOCKET"] = path
    env.update(extra or {})
    return env


def socket_answers(sock):
    try:
        with T.Client(sock, timeout=2) as c:
            return c.request({"cmd": "version"}, timeout=2).get("ok") is True
    except (OSError, ValueError, T.CheckFailed):
        return False


def test_notify_protocol(t):
    sock = t.path("n.sock")
    mgr = Manager(t.path("notify.sock"))
    cfg = T.base_config(sock)
    d = T.Daemon(t, cfg, sock=sock, name="notify", env=notify_env(mgr.path))
    try:
        d.start(wait=False)
        ready, seen = mgr.wait_for(is_msg("READY=1"), timeout=10)
        if not t.check(ready is not None, "READY=1 received at start-up",
                       "datagrams: %r\nlog:\n%s" % (seen, d.log_tail())):
            return
        # READY means usable: the socket must answer now, not eventually.
        t.check(socket_answers(sock), "the control socket answers as soon as READY=1 arrives")
        t.eq(ready, ["READY=1"], "READY=1 is a datagram of its own")
        t.check(all(s.startswith("STATUS=") for m in seen[:-1] for s in m),
                "only STATUS= lines come before READY=1", "datagrams: %r" % seen)
        states = [status_state(m) for m in seen if status_state(m)]
        want = d.status()["data"]["state"]
        t.check(states and states[-1] == want,
                "a STATUS= line names the state tsctl reports (%s)" % want,
                "datagrams: %r" % seen)

        # Reload: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        before_us = time.monotonic_ns() // 1000
        d.send_signal(signal.SIGHUP)
        rel, seen = mgr.wait_for(is_msg("RELOADING=1"), timeout=5)
        t.check(rel is not None, "SIGHUP: RELOADING=1 received", "datagrams: %r" % seen)
        if rel is not None:
            mono = [int(ln.split("=", 1)[1]) for ln in rel if ln.startswith("MONOTONIC_USEC=")]
            t.check(len(mono) == 1 and before_us <= mono[0] <= time.monotonic_ns() // 1000,
                    "RELOADING=1 carries MONOTONIC_USEC of the reload", "message: %r" % rel)
        ready, seen = mgr.wait_for(is_msg("READY=1"), timeout=5)
        t.check(ready is not None, "SIGHUP: READY=1 follows RELOADING=1", "datagrams: %r" % seen)

        # A refused config must end the reload too, or systemd waits forever.
        T.write_file(d.config, cfg + "clock:\n  driver: no-such-driver\n")
        d.send_signal(signal.SIGHUP)
        rel, seen = mgr.wait_for(is_msg("RELOADING=1"), timeout=5)
        ready, seen2 = mgr.wait_for(is_msg("READY=1"), timeout=5)
        t.check(rel is not None and ready is not None,
                "SIGHUP with a bad config: RELOADING=1 then READY=1 (still running)",
                "datagrams: %r %r" % (seen, seen2))
        t.check(d.alive() and socket_answers(sock), "daemon still serves after the refused reload")

        d.send_signal(signal.SIGTERM)
        stop, seen = mgr.wait_for(is_msg("STOPPING=1"), timeout=5)
        t.check(stop is not None, "SIGTERM: STOPPING=1 received", "datagrams: %r" % seen)
        d.stop_and_check("notify: ")
        t.check(not any("WATCHDOG=1" in m for _, m in mgr.msgs),
                "no WATCHDOG=1 without WATCHDOG_USEC", "datagrams: %r" % mgr.msgs)
    finally:
        d.kill()
        mgr.close()


def test_watchdog(t):
    sock = t.path("w.sock")
    mgr = Manager(t.path("wd.sock"))
    # WATCHDOG_PID unset means "for whoever reads it" (sd_watchdog_enabled).
    d = T.Daemon(t, T.base_config(sock), sock=sock, name="watchdog",
                 env=notify_env(mgr.path, {"WATCHDOG_USEC": "1000000"}))
    try:
        d.start(wait=False)
        mgr.wait_for(is_msg("READY=1"), timeout=10)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.6:
            mgr.recv(2.6 - (time.monotonic() - t0))
        pings = [ts for ts, m in mgr.msgs if "WATCHDOG=1" in m and ts >= t0]
        # Every 0.5 s: 5 in 2.6 s, allowing for the loop's 0.1 s tick.
        t.check(4 <= len(pings) <= 7, "WATCHDOG_USEC=1s: WATCHDOG=1 about every 0.5 s",
                "%d pings in 2.6 s: %r" % (len(pings), [round(p - t0, 2) for p in pings]))
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        t.check(gaps and max(gaps) < 0.75, "no gap between pings reaches 0.75 s",
                "gaps %r" % [round(g, 2) for g in gaps])
        d.stop_and_check("watchdog: ")
    finally:
        d.kill()
        mgr.close()


def test_no_notify_socket(t):
    sock = t.path("q.sock")
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    d = T.Daemon(t, T.base_config(sock), sock=sock, name="quiet", env=env)
    try:
        d.start()
        t.check(d.alive(), "without NOTIFY_SOCKET tsyncd starts and serves as before")
        d.stop_and_check("quiet: ")
    finally:
        d.kill()


if __name__ == "__main__":
    T.main([test_unit_verifies, test_unit_content, test_sysusers_tmpfiles,
            test_notify_protocol, test_watchdog, test_no_notify_socket], prefix="tsync-sd-")
