#!/usr/bin/env python3
"""JSON-lines logging, the poll backend (EVENT_NOEPOLL=1), -d, log reopen on
SIGHUP, and detaching without -n (the parent reports start-up success or
failure through its exit code)."""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def records(path):
    """Every line of a JSON-lines log, parsed; raises on a non-JSON line."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise T.CheckFailed("%s:%d is not JSON: %r" % (path, n, line))
    return out


def events(path):
    return [r.get("event") for r in records(path)]


def test_json_log_poll_backend(t):
    sock = t.path("s.sock")
    logfile = t.path("events.jsonl")
    cfg = T.base_config(sock).replace("  level: info\n", "  level: info\n"
                                      "  format: json\n  file: %s\n" % logfile)
    env = dict(os.environ, EVENT_NOEPOLL="1", EVENT_SHOW_METHOD="1")
    d = T.Daemon(t, cfg, sock=sock, name="jsonlog", env=env)
    try:
        d.start()
        t.contains(d.log_text(), "libevent using: poll", "libevent reports the poll backend")
        st = d.status()
        t.eq(st["data"]["state"], "unsynchronized", "status answers on the poll backend")
        with T.Client(sock) as c:
            rep = c.request(b"{not json}\n")
            t.check(T.is_error_reply(rep, "parse_error"), "bad request answered")
        os.kill(d.pid, signal.SIGHUP)
        t.check(T.poll_until(lambda: "config_reloaded" in events(logfile), 3),
                "SIGHUP reload works on the poll backend")
        # logrotate: move the file away, SIGHUP, a new file is started.
        os.rename(logfile, logfile + ".1")
        os.kill(d.pid, signal.SIGHUP)
        t.check(T.poll_until(lambda: os.path.exists(logfile) and
                             "config_reloaded" in events(logfile), 3),
                "SIGHUP reopens the log file (a new file after rotation)")
        d.stop_and_check("jsonlog ")
    finally:
        d.kill()
    old = records(logfile + ".1")
    new = records(logfile)
    t.check(len(old) >= 3, "rotated log holds the earlier records", repr(old))
    for r in old + new:
        ok = (ISO_RE.match(str(r.get("ts", ""))) and r.get("level") in
              ("error", "warning", "notice", "info", "debug") and
              isinstance(r.get("event"), str) and isinstance(r.get("msg"), str))
        if not ok:
            t.check(False, "every record has ts, level, event, msg", repr(r))
            break
    else:
        t.check(True, "every record has ts, level, event, msg")
    started = [r for r in old if r["event"] == "started"]
    t.check(len(started) == 1 and started[0].get("version") and
            started[0].get("config") == d.config and started[0].get("clock") == "observe",
            "'started' record carries version, config and clock fields", repr(started))
    bad = [r for r in old if r["event"] == "ctl_bad_request"]
    t.check(len(bad) == 1 and bad[0]["level"] == "warning",
            "a bad request is logged once as ctl_bad_request (warning)", repr(bad))
    t.eq(new[-1]["event"], "stopping", "the last record is 'stopping'")


def test_statistics_record(t):
    """log.interval: one "statistics" record per interval with the estimate
    fields (null before there is one) and a list of sources."""
    sock = t.path("st.sock")
    logfile = t.path("stats.jsonl")
    cfg = T.base_config(sock).replace("  level: info\n", "  level: info\n"
                                      "  format: json\n  file: %s\n  interval: 2s\n" % logfile)
    d = T.Daemon(t, cfg, sock=sock, name="stats")
    try:
        d.start()
        t.check(T.poll_until(lambda: len([r for r in records(logfile)
                                          if r["event"] == "statistics"]) >= 3, 15),
                "log.interval 2s: at least 3 statistics records within 15 s")
        d.stop_and_check("stats ")
    finally:
        d.kill()
    st = [r for r in records(logfile) if r["event"] == "statistics"]
    r = st[-1] if st else {}
    t.check(all(k in r for k in ("state", "traceable", "within_tolerance", "clock_class",
                                 "offset_s", "u_s", "max_error_s", "sources")),
            "a statistics record carries state, traceable, within_tolerance, clock_class, "
            "offset_s, u_s, max_error_s and sources", repr(r))
    t.check(r.get("state") == "unsynchronized" and r.get("offset_s") is None and
            r.get("sources") == [], "without sources: unsynchronized, offset null, no sources",
            repr(r))
    ts = [datetime.datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%S.%fZ") for r in st]
    gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:])]
    t.check(gaps and min(gaps) >= 1.9, "one record per 2 s interval, not per 1 s update",
            repr(gaps))


def test_debug_flag(t):
    sock = t.path("d.sock")
    cfg = T.base_config(sock).replace("level: info", "level: error")
    d = T.Daemon(t, cfg, sock=sock, name="debug")
    try:
        # -d overrides log.level: error. Daemon.start() has no room for
        # extra flags, so start it by hand the same way.
        with open(d.log, "ab") as logf:
            d.proc = subprocess.Popen([T.TSYNCD, "-n", "-d", "-f", d.config],
                                      stdin=subprocess.DEVNULL, stdout=logf,
                                      stderr=subprocess.STDOUT)
        d.wait_ready()
        t.check(d.wait_log("ctl_client_connected", 3),
                "-d logs debug records although log.level is error")
        d.stop_and_check("debug ")
    finally:
        d.kill()


def test_detach(t):
    sock = t.path("bg.sock")
    cfg = T.write_file(t.path("bg.yaml"), T.base_config(sock))
    r = T.run_tsyncd(["-f", cfg])
    t.eq(r.returncode, 0, "without -n tsyncd detaches and the parent exits 0")
    pid = None
    try:
        st = json.loads(T.run_tsctl(["--socket", sock, "--json", "status"]).stdout)
        pid = st["data"]["daemon"]["pid"]
        t.check(pid and os.path.exists("/proc/%d" % pid), "the detached daemon answers")
        # A second one on the same socket: the parent must report the failure.
        r2 = T.run_tsyncd(["-f", cfg])
        t.eq(r2.returncode, 1, "a detached start that fails exits 1 in the parent")
        os.kill(pid, signal.SIGTERM)
        t.check(T.poll_until(lambda: not os.path.exists("/proc/%d" % pid) or
                             open("/proc/%d/stat" % pid).read().split()[2] == "Z", 5),
                "the detached daemon exits on SIGTERM")
        t.check(T.poll_until(lambda: not os.path.lexists(sock), 3),
                "the detached daemon removes its socket")
        pid = None
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    T.main([test_json_log_poll_backend, test_statistics_record, test_debug_flag, test_detach])
