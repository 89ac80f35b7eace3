#!/usr/bin/env python3
"""Under strace: the observe driver and the sim driver never write the real clock.

Writes are settimeofday/clock_settime/stime, and adjtimex/clock_adjtime
with modes != 0. Reads (modes=0) are fine, and the observe driver is
expected to make at least one. To protect the host, strace turns the
outright setters into EPERM (they are still logged, and still fail the
test).
"""

import os
import re
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

SETTERS = ("settimeofday", "clock_settime", "stime")
ADJUSTERS = ("clock_adjtime", "adjtimex")
CALL_RE = re.compile(r"^(?:\[pid\s+)?\d+\]?\s+(\w+)\(")


def strace_argv(log):
    return ["strace", "-f", "-qq", "-e", "signal=none",
            "-e", "trace=" + ",".join(ADJUSTERS + SETTERS),
            "-e", "inject=" + ",".join(SETTERS) + ":error=EPERM",
            "-o", log]


def parse(log_path):
    """Returns (reads, writes, other_lines)."""
    reads, writes = [], []
    with open(log_path, errors="replace") as f:
        for line in f:
            m = CALL_RE.match(line)
            if not m:
                continue  # "<... resumed>" tails, exit notes
            name = m.group(1)
            if name in SETTERS:
                writes.append(line.rstrip())
            elif name in ADJUSTERS:
                mm = re.search(r"\bmodes=([^,}]+)", line)
                if mm and mm.group(1).strip() == "0":
                    reads.append(line.rstrip())
                else:
                    writes.append(line.rstrip())
    return reads, writes


def exercise(t, label, clock_yaml):
    sock = t.path(label + ".sock")
    log = t.path(label + ".strace")
    # LeakSanitizer cannot run under ptrace; the other tests cover leaks.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    d = T.Daemon(t, T.base_config(sock, clock_yaml), sock=sock, name=label,
                 wrapper=strace_argv(log), env=env)
    sub = None
    dpid = None
    try:
        d.start(timeout=20)
        st = d.status()
        dpid = st["data"]["daemon"]["pid"]
        t.eq(st["data"]["clock"]["driver"], label.split("-")[0], "%s: driver in status" % label)
        r = T.run_tsctl(["--socket", sock, "status"])
        t.eq(r.returncode, 0, "%s: tsctl status under strace" % label)
        sub = T.Client(sock)
        rep = sub.request({"cmd": "subscribe"})
        t.check(rep.get("ok") is True, "%s: subscribe under strace" % label, "reply=%r" % rep)
        os.kill(dpid, signal.SIGHUP)
        time.sleep(1.5)  # let periodic work (clock reads, updates) run
        d.status()
        sub.close()
        sub = None
        rc = d.stop(pid=dpid)  # strace exits with its tracee's status
        t.eq(rc, 0, "%s: tsyncd exits 0 on SIGTERM under strace" % label)
        d.check_sanitizers(label + ": ")
    finally:
        if sub:
            sub.close()
        if dpid and d.alive():
            # Killing strace would only detach its tracee: kill the daemon.
            try:
                os.kill(dpid, signal.SIGKILL)
            except OSError:
                pass
        d.kill()
    reads, writes = parse(log)
    T.diag("%s: %d clock reads (modes=0), %d clock writes" % (label, len(reads), len(writes)))
    t.check(not writes, "%s: no write to the real clock" % label, "\n".join(writes[:10]))
    return reads


def test_observe(t):
    reads = exercise(t, "observe", "")
    t.check(len(reads) >= 1, "observe: strace saw the driver read the kernel clock (modes=0)",
            "no clock_adjtime/adjtimex calls recorded")


def test_sim_discipline(t):
    reads = exercise(t, "sim-discipline", "clock:\n  driver: sim\n  discipline: true\n")
    T.diag("sim: %d kernel clock reads recorded (none needed)" % len(reads))


def test_parser_catches_writes(t):
    """The log parser itself must flag writes, or the checks above prove nothing."""
    f = T.write_file(t.path("fake.strace"), "\n".join([
        "100 clock_adjtime(CLOCK_REALTIME, {modes=0, offset=0, freq=0}) = 5 (TIME_ERROR)",
        "100 clock_adjtime(CLOCK_REALTIME, {modes=ADJ_FREQUENCY, offset=0, freq=1}) = 0",
        "101 adjtimex({modes=ADJ_OFFSET|ADJ_STATUS, offset=1}) = 0",
        "101 clock_settime(CLOCK_REALTIME, {tv_sec=1, tv_nsec=0}) = -1 EPERM (INJECTED)",
        "102 clock_adjtime(CLOCK_REALTIME, {modes=0, offset=0 <unfinished ...>",
        "102 <... clock_adjtime resumed>) = 5",
    ]) + "\n")
    reads, writes = parse(f)
    t.check(len(reads) == 2 and len(writes) == 3, "strace log parser: 2 reads, 3 writes",
            "reads=%r writes=%r" % (reads, writes))


if __name__ == "__main__":
    if shutil.which("strace") is None:
        print("1..0 # SKIP strace not installed", flush=True)
        sys.exit(T.SKIP)
    T.main([test_parser_catches_writes, test_observe, test_sim_discipline])
