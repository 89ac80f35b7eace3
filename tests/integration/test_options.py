#!/usr/bin/env python3
"""Command-line options of tsyncd and tsctl, and tsctl without a daemon."""

import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402


def test_tsyncd_version(t):
    r = T.run_tsyncd(["--version"])
    t.eq(r.returncode, 0, "tsyncd --version exits 0")
    first = (r.stdout.splitlines() or [""])[0]
    t.check(first.startswith("tsyncd ") and "0.1.0" in first,
            "tsyncd --version prints 'tsyncd 0.1.0' on stdout", "stdout=%r" % r.stdout)


def test_tsyncd_help(t):
    r = T.run_tsyncd(["--help"])
    t.eq(r.returncode, 0, "tsyncd --help exits 0")
    t.check("usage" in r.stdout.lower(), "tsyncd --help prints usage on stdout",
            "stdout=%r" % r.stdout)
    for opt in ("-f", "-n", "-t"):
        t.contains(r.stdout, opt, "tsyncd --help mentions %s" % opt)


def test_tsyncd_unknown_option(t):
    r = T.run_tsyncd(["--no-such-option"])
    t.eq(r.returncode, 2, "tsyncd --no-such-option exits 2")
    t.check("usage" in r.stderr.lower(), "tsyncd unknown option prints usage on stderr",
            "stderr=%r" % r.stderr)
    t.eq(r.stdout, "", "tsyncd unknown option prints nothing on stdout")


def test_check_good(t):
    good = T.write_file(t.path("good.yaml"),
                        "clock:\n"
                        "  driver: observe\n"
                        "  discipline: false\n"
                        "  step_threshold: 100ms\n"
                        "  max_frequency: 500ppm\n"
                        "tolerance:\n"
                        "  max_error: 100us\n"
                        "status:\n"
                        "  socket: %s\n"
                        "  max_clients: 64\n"
                        "  idle_timeout: 60s\n"
                        "log:\n"
                        "  level: info\n"
                        "  format: text\n"
                        "sources: []\n" % t.path("s.sock"))
    r = T.run_tsyncd(["-t", "-f", good])
    t.check(r.returncode == 0, "tsyncd -t -f good.yaml exits 0",
            "rc=%d stderr=%r" % (r.returncode, r.stderr))
    t.check(not os.path.exists(t.path("s.sock")), "tsyncd -t creates no socket")

    preset = T.write_file(t.path("preset.yaml"), "tolerance:\n  preset: rts25\n")
    r = T.run_tsyncd(["-t", "-f", preset])
    t.check(r.returncode == 0, "tsyncd -t accepts tolerance.preset: rts25",
            "rc=%d stderr=%r" % (r.returncode, r.stderr))

    sim = T.write_file(t.path("sim.yaml"),
                       "clock:\n  driver: sim\n  discipline: true\n"
                       "  sim:\n    seed: 42\n")
    r = T.run_tsyncd(["-t", "-f", sim])
    t.check(r.returncode == 0, "tsyncd -t accepts the sim driver with a seed",
            "rc=%d stderr=%r" % (r.returncode, r.stderr))


def test_check_missing(t):
    missing = t.path("missing.yaml")
    r = T.run_tsyncd(["-t", "-f", missing])
    t.eq(r.returncode, 2, "tsyncd -t -f missing.yaml exits 2")
    t.contains(r.stderr, "cannot open", "missing config: stderr says 'cannot open'")
    t.contains(r.stderr, missing, "missing config: stderr names the path")
    t.contains(r.stderr, "No such file or directory", "missing config: stderr gives the reason")


def test_tsctl_version(t):
    r = T.run_tsctl(["--version"])
    t.eq(r.returncode, 0, "tsctl --version exits 0")
    t.check(r.stdout.startswith("tsctl ") and "0.1.0" in r.stdout,
            "tsctl --version prints 'tsctl 0.1.0'", "stdout=%r" % r.stdout)


def test_tsctl_no_daemon(t):
    path = "/tmp/nonexistent/x.sock"
    r = T.run_tsctl(["--socket", path, "status"])
    t.eq(r.returncode, 3, "tsctl status, no socket dir: exit 3")
    t.contains(r.stderr, path, "tsctl status, no socket dir: stderr names the path")
    t.contains(r.stderr, "No such file or directory",
               "tsctl status, no socket dir: stderr gives the reason")
    t.eq(r.stdout, "", "tsctl status, no socket dir: nothing on stdout")

    r = T.run_tsctl(["--socket", path, "--json", "status"])
    t.eq(r.returncode, 3, "tsctl --json status, no daemon: exit 3")

    # A socket file nobody listens on: connection refused.
    stale = t.path("stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(stale)
    s.close()
    r = T.run_tsctl(["--socket", stale, "status"])
    t.eq(r.returncode, 3, "tsctl status, stale socket: exit 3")
    t.contains(r.stderr, stale, "tsctl status, stale socket: stderr names the path")
    t.contains(r.stderr, "Connection refused", "tsctl status, stale socket: stderr gives the reason")


if __name__ == "__main__":
    T.main([test_tsyncd_version, test_tsyncd_help, test_tsyncd_unknown_option,
            test_check_good, test_check_missing, test_tsctl_version,
            test_tsctl_no_daemon])
