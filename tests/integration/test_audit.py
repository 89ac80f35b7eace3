#!/usr/bin/env python3
"""The audit log: `tsctl audit verify` on clean, edited, rotated and torn
logs; kill -9 of a writer in the middle of appending loses at most the
record being written; every record is fdatasync'ed (strace).

Until tsyncd writes the audit log itself, records come from the test
program tests/integration/audit_writer (built as a check program): the
environment variable AUDIT_WRITER names it, else it is looked for at
tests/integration/audit_writer in the build tree that holds $TSCTL
(src/tsctl/tsctl). The canonical hashing rule is re-implemented here
with hashlib, independently of the C code, as an auditor would."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

AUDIT_WRITER = os.environ.get("AUDIT_WRITER") or os.path.normpath(os.path.join(
    os.path.dirname(T.TSCTL), "..", "..", "tests", "integration", "audit_writer"))
ZERO = "0" * 64
SUFFIX = re.compile(rb',"hash":"([0-9a-f]{64})"\}$')
OK_RE = re.compile(r"^OK: (\d+) records, seq (\d+)\.\.(\d+), chain intact")


def writer(args, timeout=20):
    return T.run([AUDIT_WRITER] + list(args), timeout=timeout)


def verify(files):
    return T.run_tsctl(["audit", "verify"] + list(files), timeout=30)


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")


def independent_check(files):
    """The canonical rule without the C code: hash = SHA-256 of the line
    bytes before `,"hash":"`; prev = the previous record's hash; seq + 1."""
    prev, seq, n = None, None, 0
    for path in files:
        raw = lines_of(path)
        if raw[-1] != b"":
            raise T.CheckFailed("%s: last line unterminated" % path)
        for line in raw[:-1]:
            m = SUFFIX.search(line)
            if not m:
                raise T.CheckFailed("%s: no canonical hash suffix: %r" % (path, line))
            rec = json.loads(line)
            want = hashlib.sha256(line[:m.start()]).hexdigest()
            if want != m.group(1).decode() or rec["hash"] != want:
                raise T.CheckFailed("%s: hash of seq %s wrong" % (path, rec["seq"]))
            if prev is None:
                if rec["type"] == "start" and rec["prev"] != ZERO:
                    raise T.CheckFailed("first start record has prev %s" % rec["prev"])
            elif rec["prev"] != prev or rec["seq"] != seq + 1:
                raise T.CheckFailed("%s: seq %s does not follow %s" % (path, rec["seq"], seq))
            prev, seq, n = rec["hash"], rec["seq"], n + 1
    return n, seq


def test_tools_present(t):
    t.check(os.access(AUDIT_WRITER, os.X_OK), "audit_writer is executable (%s)" % AUDIT_WRITER)


def test_clean_log_verifies(t):
    log = t.path("clean.log")
    cfg = T.write_file(t.path("c.yaml"), "log:\n  level: info\n")
    r = writer(["-c", cfg, "-n", "20", log])
    t.eq(r.returncode, 0, "writer wrote 20 records (%s)" % r.stderr.strip())
    r = verify([log])
    t.eq(r.returncode, 0, "clean log: exit 0")
    t.check(OK_RE.match(r.stdout) and "OK: 21 records, seq 0..20" in r.stdout,
            "clean log: OK line with count and seq range", r.stdout + r.stderr)
    t.eq(independent_check([log]), (21, 20), "hashlib agrees with the canonical rule")
    first = json.loads(lines_of(log)[0])
    digest = hashlib.sha256(open(cfg, "rb").read()).hexdigest()
    t.check(first["type"] == "start" and first["prev"] == ZERO
            and first["data"]["config_sha256"] == digest
            and first["data"]["config_path"] == cfg and first["data"]["version"],
            "start record: zero prev, version, config path and SHA-256", first)


def test_edited_byte_named(t):
    log = t.path("edit.log")
    writer(["-n", "10", log])
    raw = bytearray(open(log, "rb").read())
    at = raw.index(b'"i":6')            # record seq 7, line 8
    raw[at + 4] = ord("5")
    open(log, "wb").write(bytes(raw))
    r = verify([log])
    t.eq(r.returncode, 2, "one byte edited: exit 2")
    t.contains(r.stdout, "%s:8: seq 7: hash mismatch" % log, "the edited record is named")
    t.check(len([ln for ln in r.stdout.splitlines() if ln.startswith(log + ":")]) == 1,
            "only that record is reported", r.stdout)


def test_deleted_and_reordered(t):
    log = t.path("del.log")
    writer(["-n", "10", log])
    lines = lines_of(log)
    open(log, "wb").write(b"\n".join(lines[:4] + lines[5:]))
    r = verify([log])
    t.eq(r.returncode, 2, "line deleted: exit 2")
    t.contains(r.stdout, "%s:5: seq 5: seq gap: expected 4" % log, "the gap is named")
    lines[3], lines[4] = lines[4], lines[3]
    open(log, "wb").write(b"\n".join(lines))
    r = verify([log])
    t.eq(r.returncode, 2, "lines swapped: exit 2")
    t.contains(r.stdout, "%s:5: seq 3: seq out of order" % log, "the reordering is named")


def test_rotation(t):
    log = t.path("rot.log")
    r = writer(["-n", "10", "-r", "3", "-k", "2", log])
    t.eq(r.returncode, 0, "writer rotated every 3 records")
    files = [log + ".2", log + ".1", log]
    t.check(not os.path.exists(log + ".3"), "only 2 rotated files kept")
    r = verify(files)
    t.eq(r.returncode, 0, "rotated files in order: exit 0")
    t.contains(r.stdout, "chain intact", "rotated files: chain intact")
    # start 0, three rounds of 3 states + rotate (seq 1..12), state 13
    t.eq(independent_check(files)[1], 13, "hashlib follows the chain across files")
    r = verify([log + ".1", log + ".2", log])
    t.eq(r.returncode, 2, "rotated files out of order: exit 2")
    r = verify([log + ".2", log])
    t.eq(r.returncode, 2, "a rotated file missing: exit 2")
    r = verify([t.path("nonexistent.log")])
    t.eq(r.returncode, 1, "unreadable file: exit 1")


def test_torn_write_recovered(t):
    log = t.path("torn.log")
    writer(["-n", "5", log])
    size = os.path.getsize(log)
    with open(log, "r+b") as f:
        f.truncate(size - 40)
    r = verify([log])
    t.eq(r.returncode, 0, "torn last record: still exit 0")
    t.contains(r.stdout, "%s:6: seq 5: warning: torn last record" % log, "torn record warned")
    r = writer(["-n", "1", log])
    t.eq(r.returncode, 0, "writer reopens a torn log")
    r = verify([log])
    t.eq(r.returncode, 0, "after recovery: exit 0")
    t.check("warning" not in r.stdout, "after recovery: no warning", r.stdout)
    types = [json.loads(ln)["type"] for ln in lines_of(log)[:-1]]
    t.eq(types[5:], ["start", "recovered", "state"], "start, recovered, then new records")


def run_and_kill(t, log, min_records):
    """Start a looping writer, kill -9 it after min_records; returns the
    last seq it reported as written (durable)."""
    p = subprocess.Popen([AUDIT_WRITER, "-n", "0", log], stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    last = None
    try:
        for _ in range(min_records):
            line = p.stdout.readline()
            if not line:
                break
            last = int(line.split()[1])
    finally:
        p.send_signal(signal.SIGKILL)
        # Records reported before the kill landed are durable too.
        rest = p.stdout.read()
        p.wait(10)
    for line in rest.splitlines():
        last = int(line.split()[1])
    return last


def test_kill9_loses_at_most_one(t):
    log = t.path("kill.log")
    for round_ in range(5):
        last = run_and_kill(t, log, 30 + 17 * round_)
        t.check(last is not None, "round %d: writer reported records" % round_)
        r = verify([log])
        t.eq(r.returncode, 0, "round %d: after kill -9 the chain verifies" % round_)
        m = OK_RE.match(r.stdout)
        top = int(m.group(3)) if m else -1
        t.check(top in (last, last + 1),
                "round %d: file ends at seq %d, last acknowledged %s "
                "(at most the one in flight lost)" % (round_, top, last), r.stdout)
    t.eq(independent_check([log])[0] > 100, True, "several restarts continued one chain")


def test_every_record_fdatasynced(t):
    strace = shutil.which("strace")
    if strace is None:
        T.diag("strace not installed: fdatasync ordering not checked")
        return
    log = t.path("sync.log")
    trace = t.path("strace.out")
    # LeakSanitizer cannot run under ptrace; the sanitizer build needs this.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    r = T.run([strace, "-f", "-o", trace, "-e", "trace=write,fdatasync",
               AUDIT_WRITER, "-n", "5", log], timeout=30, env=env)
    t.eq(r.returncode, 0, "writer under strace")
    calls = [ln for ln in open(trace) if re.search(r"\b(write|fdatasync)\(", ln)]
    recs = [i for i, ln in enumerate(calls) if re.search(r'write\(\d+, "\{\\"seq\\"', ln)]
    t.eq(len(recs), 6, "one write() per record (start + 5)")
    t.check(all(i + 1 < len(calls) and "fdatasync(" in calls[i + 1] for i in recs),
            "every record write is followed by fdatasync", "".join(calls))


if __name__ == "__main__":
    T.main([test_tools_present, test_clean_log_verifies, test_edited_byte_named,
            test_deleted_and_reordered, test_rotation, test_torn_write_recovered,
            test_kill9_loses_at_most_one, test_every_record_fdatasynced],
           prefix="tsync-audit-")
