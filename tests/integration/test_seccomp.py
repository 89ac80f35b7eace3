#!/usr/bin/env python3
"""
privileges.seccomp: the system-call allowlist installed after start-up
(tsyncd(8), PRIVILEGES). The kernel must show the filter on the running
daemon (/proc/PID/status: Seccomp 2), and everything the daemon does after
start-up must still work under it: an NTP source (sockets, kernel
timestamps), the control socket (status, sources, trace, reload), the
metrics endpoint, the audit log, SIGHUP reload with log reopening, and a
clean exit.
"""
import os
import socket
import urllib.request

import labpeers
import tsynctest as T


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_daemon_under_seccomp(t):
    sock = t.path("s.sock")
    ntp_port = labpeers.free_udp_port()
    labpeers.start_testserver(ntp_port, tmpdir=t.path("ntp"))
    mport = free_tcp_port()
    logfile = t.path("events.log")
    cfg = T.base_config(sock, extra=(
        "privileges: {seccomp: true}\n"
        "sources:\n  - {name: lab, type: ntp, server: 127.0.0.1, port: %d, poll: 0, "
        "iburst: true}\n" % ntp_port))
    cfg = cfg.replace("status:\n", "status:\n  metrics: 127.0.0.1:%d\n" % mport, 1)
    cfg = cfg.replace("  level: info\n", "  level: info\n  file: %s\n  interval: 1s\n" % logfile)
    # LeakSanitizer's exit scan needs clone/ptrace, which the filter refuses.
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    d = T.Daemon(t, cfg, sock=sock, name="sandboxed", env=env)
    try:
        d.start()
        st = proc_status(d.pid)
        t.eq(st.get("Seccomp"), "2", "the kernel shows a seccomp filter (Seccomp: 2)")
        t.check(T.poll_until(lambda: "seccomp_enabled" in open(logfile).read(), 5),
                "seccomp_enabled is logged")
        t.check(T.poll_until(lambda: d.status()["data"]["state"] == "locked", 40),
                "an NTP source locks under the filter", d.log_tail())
        for cmd in ("sources", "trace"):
            r = T.run_tsctl(["--socket", sock, cmd])
            t.eq(r.returncode, 0, "tsctl %s answers under the filter" % cmd)
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=5) as r:
            body = r.read().decode()
        t.contains(body, 'tsync_source_reach{source="lab"}', "metrics are served")
        os.rename(logfile, logfile + ".1")
        r = T.run_tsctl(["--socket", sock, "reload"])
        t.eq(r.returncode, 0, "tsctl reload under the filter")
        t.check(T.poll_until(lambda: os.path.exists(logfile) and
                             "config_reloaded" in open(logfile).read(), 5),
                "the reload reopened the log and reloaded the configuration")
        t.check(T.poll_until(lambda: os.path.exists(t.path("audit.log")) and
                             '"config"' in open(t.path("audit.log")).read(), 5),
                "the audit log is written")
        text = open(logfile).read() + open(logfile + ".1").read()
        t.check("Operation not permitted" not in text,
                "nothing the daemon did was refused (no EPERM in the log)",
                "\n".join(l for l in text.splitlines() if "not permitted" in l))
        d.stop_and_check("sandboxed: ")
    finally:
        d.kill()


if __name__ == "__main__":
    T.main([test_daemon_under_seccomp], prefix="tsync-seccomp-")
