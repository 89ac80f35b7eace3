#!/usr/bin/env python3
"""The audit log and the privilege drop, wired into the running tsyncd.

Audit: a daemon with audit.file in a temp dir and summary_interval 1s
writes a start record (version, config path) and a summary a second;
`tsctl audit verify` accepts the file; a SIGHUP with a changed valid
configuration adds a config record with the new file's SHA-256; a restart
on the same file continues the chain (seq goes on, verify still OK); one
edited byte makes verify exit 2 and name the line.

Privileges (root only; creates the system user tsync if missing, like
test_privdrop.py): `privileges: {user: tsync}` makes the running daemon
uid tsync with no capabilities in observe mode, and also with the sim
clock disciplining (it writes no real clock), while tsctl still answers
and the audit log keeps growing. The socket and audit directories are
temp dirs chowned to tsync here; in production the unit's
RuntimeDirectory=/StateDirectory= (with Group=tsync) give that ownership.
"""

import hashlib
import json
import re
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

USER = "tsync"


def config(sock, audit, extra="", interval="1s"):
    return ("status:\n  socket: %s\n  shm: %s\n"
            "log:\n  level: info\n"
            "audit:\n  file: %s\n  summary_interval: %s\n  keep: 3\n"
            % (sock, os.path.join(os.path.dirname(sock), "clock"), audit,
               interval)) + extra


def records(path):
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines() if line]


def of_type(recs, typ):
    return [r for r in recs if r["type"] == typ]


def verify(*files):
    return T.run_tsctl(["audit", "verify"] + list(files))


def version():
    return T.run_tsyncd(["--version"]).stdout.split()[-1]


def wait_records(path, typ, n, timeout=5):
    return T.poll_until(lambda: len(of_type(records(path), typ)) >= n, timeout)


def test_audit(t):
    audit = t.path("audit/audit.log")		# the daemon creates audit/
    sock = t.path("audit.sock")
    d = T.Daemon(t, config(sock, audit), sock=sock, name="audit").start()
    time.sleep(3.2)
    r = verify(audit)
    t.eq(r.returncode, 0, "after 3 s: tsctl audit verify exits 0")
    t.contains(r.stdout, "chain intact", "verify says the chain is intact")
    recs = records(audit)
    starts = of_type(recs, "start")
    t.eq(len(starts), 1, "one start record")
    t.eq(recs[0]["type"], "start", "the file begins with start")
    if starts:
        s = starts[0]["data"]
        t.eq(s.get("version"), version(), "start: version is tsyncd --version")
        t.eq(s.get("config_path"), d.config, "start: config path")
        with open(d.config, "rb") as f:
            t.eq(s.get("config_sha256"), hashlib.sha256(f.read()).hexdigest(),
                 "start: config_sha256 of the file")
        t.eq(s.get("pid"), d.pid, "start: pid")
    sums = of_type(recs, "summary")
    t.check(len(sums) >= 2, ">= 2 summary records in 3 s", "got %d" % len(sums))
    keys = {"interval_s", "offset_min_s", "offset_max_s", "offset_mean_s",
            "max_error_max_s", "state", "samples"}
    t.check(all(set(x["data"]) == keys for x in sums), "summary members",
            [x["data"] for x in sums])
    t.check(all(0.5 <= x["data"]["interval_s"] <= 1.6 for x in sums),
            "summary every ~1 s", [x["data"]["interval_s"] for x in sums])
    st = d.status()["data"]
    if sums:
        last = sums[-1]["data"]
        t.eq(last["state"], st["state"], "summary state matches tsctl status")
        if st["estimate"] is None:
            t.check(last["samples"] == 0 and last["offset_mean_s"] is None
                    and last["max_error_max_s"] is None,
                    "no estimate: samples 0, figures null", last)
        else:
            t.check(last["samples"] >= 1 and isinstance(last["offset_mean_s"], float),
                    "estimate: samples and figures", last)

    # SIGHUP with a changed, valid configuration -> a config record.
    T.write_file(d.config, config(sock, audit, "tolerance:\n  max_error: 50us\n"))
    d.send_signal(signal.SIGHUP)
    t.check(wait_records(audit, "config", 1), "SIGHUP: a config record", d.log_tail())
    cfgs = of_type(records(audit), "config")
    if cfgs:
        with open(d.config, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        t.eq(cfgs[0]["data"], {"config_path": d.config, "config_sha256": want},
             "config record: path and SHA-256 of the new file")
    # A reload that moves the audit file is refused for the file only.
    T.write_file(d.config, config(sock, t.path("elsewhere.log")))
    d.send_signal(signal.SIGHUP)
    t.check(d.wait_log("audit.file changed"), "audit.file change: restart warning",
            d.log_tail())
    t.check(wait_records(audit, "config", 2) and not os.path.exists(t.path("elsewhere.log")),
            "audit.file change: still writing the same file")
    T.write_file(d.config, config(sock, audit))
    d.stop_and_check("audit: ")
    before = records(audit)
    last_seq = before[-1]["seq"]

    # Restart on the same file: the chain goes on.
    d2 = T.Daemon(t, config_path=d.config, sock=sock, name="audit2").start()
    time.sleep(1.3)
    d2.stop_and_check("audit restart: ")
    recs = records(audit)
    t.eq([r["seq"] for r in recs], list(range(len(recs))), "seq has no gap or repeat")
    t.eq(recs[len(before)]["type"], "start", "restart: a new start record")
    t.eq(recs[len(before)]["seq"], last_seq + 1, "restart: seq continues")
    t.eq(recs[len(before)]["prev"], before[-1]["hash"], "restart: prev = last hash")
    r = verify(audit)
    t.eq(r.returncode, 0, "restart: verify still exits 0")

    # One byte edited -> exit 2, naming the line.
    with open(audit, "rb") as f:
        data = bytearray(f.read())
    lines = data.split(b"\n")
    target = 2		# third line
    pos = sum(len(x) + 1 for x in lines[:target]) + lines[target].index(b'"ts":"') + 8
    data[pos] = ord("9") if data[pos] != ord("9") else ord("8")
    with open(audit, "wb") as f:
        f.write(data)
    r = verify(audit)
    t.eq(r.returncode, 2, "one byte edited: verify exits 2")
    t.contains(r.stdout + r.stderr, "%s:%d" % (audit, target + 1),
               "verify names the edited line")


def test_audit_open_failure(t):
    sock = t.path("bad.sock")
    bad = t.path("not-a-dir")
    T.write_file(bad, "")
    cfg = T.write_file(t.path("bad.yaml"), config(sock, bad + "/audit.log"))
    r = T.run_tsyncd(["-n", "-f", cfg])
    t.eq(r.returncode, 1, "audit file cannot be opened: exit 1")
    t.contains(r.stderr, bad + "/audit.log", "the message names the audit path")
    t.check(not os.path.exists(sock), "no socket left behind")


def test_audit_disabled(t):
    sock = t.path("noaudit.sock")
    d = T.Daemon(t, config(sock, '""'), sock=sock, name="noaudit").start()
    t.check(d.wait_log("audit log disabled"), "audit.file \"\": logged as disabled")
    d.stop_and_check("no audit: ")


# ------------------------------------------------------------ privileges

def ensure_user(t):
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    r = T.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
    t.check(r.returncode == 0, "created system user %s" % USER, r.stderr)
    return pwd.getpwnam(USER)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def dropped_daemon(t, pw, label, clock_yaml):
    # A dir of its own under /tmp (1777): t.tmp is root's 0700.
    top = tempfile.mkdtemp(prefix="tsync-priv-", dir="/tmp")
    try:
        os.chmod(top, 0o755)
        os.mkdir(os.path.join(top, "run"))
        os.mkdir(os.path.join(top, "state"))
        for sub in ("run", "state"):
            os.chown(os.path.join(top, sub), pw.pw_uid, pw.pw_gid)
        sock = os.path.join(top, "run", "tsyncd.sock")
        audit = os.path.join(top, "state", "audit.log")
        d = T.Daemon(t, config(sock, audit, "privileges:\n  user: %s\n" % USER + clock_yaml),
                     sock=sock, name=label).start()
        st = proc_status(d.pid)
        t.eq(st["Uid"], [str(pw.pw_uid)] * 4, "%s: Uid is %s" % (label, USER))
        t.eq(st["Gid"], [str(pw.pw_gid)] * 4, "%s: Gid is %s's group" % (label, USER))
        t.eq(int(st["CapEff"][0], 16), 0, "%s: CapEff 0" % label)
        t.eq(int(st["CapPrm"][0], 16), 0, "%s: CapPrm 0" % label)
        t.check(d.status()["data"]["state"] != "", "%s: tsctl status answers" % label)
        t.check(d.wait_log("privileges_dropped") or d.wait_log("running as %s" % USER),
                "%s: the switch is logged" % label, d.log_tail())
        n = len(of_type(records(audit), "summary"))
        t.check(wait_records(audit, "summary", n + 2, timeout=4),
                "%s: audit summaries still written after the drop" % label)
        t.eq(verify(audit).returncode, 0, "%s: audit log verifies" % label)
        d.stop_and_check("%s: " % label)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_privileges(t):
    if os.geteuid() != 0:
        T.diag("not root: privilege checks skipped")
        return
    pw = ensure_user(t)
    dropped_daemon(t, pw, "priv-observe", "")
    dropped_daemon(t, pw, "priv-sim", "clock:\n  driver: sim\n  discipline: true\n")
    dropped_daemon(t, pw, "priv-system-observe", "clock:\n  driver: system\n  discipline: false\n")


def test_privileges_unknown_user(t):
    if os.geteuid() != 0:
        return
    sock = t.path("nouser.sock")
    cfg = T.write_file(t.path("nouser.yaml"),
                       config(sock, t.path("nouser-audit.log"),
                              "privileges:\n  user: no-such-user-x\n"))
    r = T.run_tsyncd(["-n", "-f", cfg])
    t.eq(r.returncode, 1, "unknown privileges.user: exit 1")
    t.contains(r.stderr, "no-such-user-x", "the message names the user")


def test_trace_records(t):
    """A new reference is a new trace chain: a "trace" record with the
    chain and its budget, counted by tsctl report."""
    import labpeers
    port = labpeers.free_udp_port()
    labpeers.start_testserver(port, tmpdir=t.path("ntp"))
    sock, audit = t.path("tr.sock"), t.path("tr.audit")
    extra = ("sources:\n  - {name: lab, type: ntp, server: 127.0.0.1, port: %d, poll: 0, "
             "iburst: true, trace: \"UTC(lab)\"}\n" % port)
    d = T.Daemon(t, config(sock, audit, extra), sock=sock, name="tracerec").start()
    try:
        t.check(wait_records(audit, "trace", 1, timeout=15),
                "trace: a trace record once the source is selected", d.log_tail())
        tr = of_type(records(audit), "trace")[0]["data"]
        t.eq(tr.get("reference"), "lab", "trace: the record names the reference")
        t.eq(tr.get("reason"), "none -> lab", "trace: and why (none -> lab)")
        chain = tr.get("chain") or []
        t.check(len(chain) == 4 and chain[0].get("identity") == "UTC(lab)" and
                chain[1].get("identity") == "127.0.0.1:%d" % port,
                "trace: the chain from UTC(lab) through the server", repr(chain))
        t.check(tr.get("budget", {}).get("rows") and tr.get("max_error", {}).get("rows"),
                "trace: with the budget and max_error rows", repr(tr))
        st = [r["data"] for r in of_type(records(audit), "state")]
        t.check(st and st[0].get("to") == "acquiring" and
                st[0].get("reason_code") == "selected",
                "state record: unsynchronized -> acquiring with reason_code selected", repr(st))
        t.check(T.poll_until(lambda: '"reason_code": "selected"' in d.log_text() or
                             "reason_code=selected" in d.log_text(), 5),
                "the state_changed log record carries reason_code", d.log_tail())
        d.stop_and_check("trace: ")
    finally:
        d.kill()
    r = T.run_tsctl(["report", audit])
    t.check(re.search(r"Trace-chain changes\s+1\b", r.stdout),
            "trace: tsctl report counts 1 trace-chain change", r.stdout)
    t.eq(verify(audit).returncode, 0, "trace: the chain verifies")


if __name__ == "__main__":
    T.main([test_audit, test_audit_open_failure, test_audit_disabled, test_privileges,
            test_privileges_unknown_user, test_trace_records])
