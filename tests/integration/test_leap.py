#!/usr/bin/env python3
"""The leap-second table in the daemon: leap.file loaded at start and at
SIGHUP, its hash and expiry judged against the clock, reported by status,
the leap command and tsctl, with log events and audit records.

Expectations for the system file (and, for robustness, for the fixtures)
are derived here from the file's own lines against time.time(): a CI
machine may have a newer tzdata than the one this was written on."""

import calendar
import json
import os
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

SYSTEM_FILE = "/usr/share/zoneinfo/leap-seconds.list"
DATA = os.path.join(T.TOP_SRCDIR, "tests", "unit", "data")
FIX_2025B = os.path.join(DATA, "leap-seconds-2025b.list")
FIX_FUTURE = os.path.join(DATA, "leap-seconds-future.list")
FIX_BADHASH = os.path.join(DATA, "leap-seconds-badhash.list")
NTP_UNIX = 2208988800
EXPIRING_S = 30 * 86400


# ------------------------------------------------------------------ expectations

def parse_leap_file(path):
    """(updated, expires, [(unix_s, dtai)]) from a leap-seconds.list; no
    hash check (the C parser's unit tests do that)."""
    updated = expires = None
    entries = []
    with open(path) as f:
        for line in f:
            if line.startswith("#$"):
                updated = int(line[2:].split()[0]) - NTP_UNIX
            elif line.startswith("#@"):
                expires = int(line[2:].split()[0]) - NTP_UNIX
            elif line[:1].isdigit():
                w = line.split()
                entries.append((int(w[0]) - NTP_UNIX, int(w[1])))
    return updated, expires, entries


def iso_date(unix_s):
    return time.strftime("%Y-%m-%d", time.gmtime(unix_s))


def expected(path, now=None):
    """What the daemon should report for a well-formed file at `now`."""
    now = time.time() if now is None else now
    updated, expires, entries = parse_leap_file(path)
    if now >= expires:
        validity = "expired"
    elif expires - now < EXPIRING_S:
        validity = "expiring"
    else:
        validity = "valid"
    tai = None
    nxt = None
    prev = None
    for when, dtai in entries:
        if when <= now:
            tai = dtai
        elif nxt is None:
            nxt = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
                   "type": "insert" if dtai > prev else "delete",
                   "tai_offset_s": dtai}
        prev = dtai
    return {"validity": validity, "expires": iso_date(expires),
            "updated": iso_date(updated), "tai_offset_s": tai, "next_leap": nxt,
            "days_to_expiry": int((expires - now) / 86400), "expires_s": expires}


def start(t, name, leap_file):
    sock = t.path(name + ".sock")
    d = T.Daemon(t, T.base_config(sock, extra="leap:\n  file: %s\n" % leap_file,
                                  audit_file=t.path(name + ".audit")),
                 sock=sock, name=name)
    d.start()
    return d


def leap_reply(d):
    """`tsctl --json leap`: (exit code, parsed reply or None, raw stdout)."""
    r = T.run_tsctl(["--socket", d.sock, "--json", "leap"])
    try:
        return r.returncode, json.loads(r.stdout), r.stdout
    except ValueError:
        return r.returncode, None, r.stdout + r.stderr


def status_leap(d):
    return d.status()["data"].get("leap")


def audit_leap_records(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("type") == "leap":
                    out.append(rec["data"])
    except (OSError, ValueError):
        pass
    return out


def check_table(t, what, leap, want):
    """The figures of a usable table against the expectation."""
    t.eq(leap.get("valid"), True, "%s: hash verified" % what)
    t.eq(leap.get("validity"), want["validity"], "%s: validity" % what)
    t.eq(leap.get("expires"), want["expires"], "%s: expires" % what)
    t.eq(leap.get("updated"), want["updated"], "%s: updated" % what)
    t.eq(leap.get("tai_offset_s"), want["tai_offset_s"], "%s: tai_offset_s" % what)
    t.eq(leap.get("next_leap"), want["next_leap"], "%s: next_leap" % what)
    days = leap.get("days_to_expiry")
    t.check(isinstance(days, int) and abs(days - want["days_to_expiry"]) <= 1,
            "%s: days_to_expiry about %d" % (what, want["days_to_expiry"]),
            "leap=%r" % leap)
    t.eq(leap.get("error"), None, "%s: no error" % what)


def check_validity_event(t, what, d, want):
    """At start the log says expired / expiring; a valid table says neither."""
    if want["validity"] == "expired":
        ok = d.wait_log("leap_file_expired", timeout=2)
        t.check(ok, "%s: log has leap_file_expired at start" % what, d.log_tail())
        t.contains(d.log_text(), "expired on %s" % want["expires"],
                   "%s: the event names the expiry date" % what)
    elif want["validity"] == "expiring":
        ok = d.wait_log("leap_file_expiring", timeout=2)
        t.check(ok, "%s: log has leap_file_expiring at start" % what, d.log_tail())
    else:
        t.check(d.wait_log("leap_file_loaded", timeout=2) and
                "leap_file_expired" not in d.log_text() and
                "leap_file_expiring" not in d.log_text(),
                "%s: log has leap_file_loaded and no expiry warning" % what, d.log_tail())


# ------------------------------------------------------------------ tests

def test_system_file(t):
    if not os.path.exists(SYSTEM_FILE):
        T.diag("%s is missing: system-file checks skipped" % SYSTEM_FILE)
        return
    want = expected(SYSTEM_FILE)
    T.diag("system file %s: expires %s, expected validity %s"
           % (SYSTEM_FILE, want["expires"], want["validity"]))
    d = start(t, "system", SYSTEM_FILE)
    try:
        check_table(t, "system file status", status_leap(d), want)
        rc, rep, raw = leap_reply(d)
        t.eq(rc, 0, "system file: tsctl --json leap exits 0")
        t.check(rep is not None and rep.get("ok") is True and rep.get("version") == 1,
                "system file: the leap reply is an ok v1 envelope", raw)
        check_table(t, "system file leap command", (rep or {}).get("data") or {}, want)
        check_validity_event(t, "system file", d, want)
        for line in d.log_text().splitlines():
            if "leap_file_" in line:
                T.diag("daemon says: " + line)
        r = T.run_tsctl(["--socket", d.sock, "status"])
        line = [x for x in r.stdout.splitlines() if x.startswith("Leap table:")]
        t.check(len(line) == 1 and want["expires"] in line[0] and
                want["validity"].upper() in line[0],
                "system file: tsctl status shows one Leap table line", r.stdout)
        T.diag("tsctl status: " + (line[0] if line else "(none)"))
        recs = audit_leap_records(t.path("system.audit"))
        t.check(len(recs) == 1 and recs[0].get("reason") == "load" and
                recs[0].get("validity") == want["validity"],
                "system file: one audit leap record (load) with the validity", recs)
    finally:
        d.stop_and_check("system file: ")


def test_expired_fixture(t):
    want = expected(FIX_2025B)
    d = start(t, "b2025", FIX_2025B)
    try:
        leap = status_leap(d)
        t.eq(leap.get("validity"), "expired", "2025b fixture: expired")
        t.eq(leap.get("expires"), "2026-06-28", "2025b fixture: expires 2026-06-28")
        check_table(t, "2025b fixture", leap, want)
        check_validity_event(t, "2025b fixture", d, want)
        r = T.run_tsctl(["--socket", d.sock, "leap"])
        t.eq(r.returncode, 0, "2025b fixture: tsctl leap exits 0")
        t.contains(r.stdout, "EXPIRED", "2025b fixture: tsctl leap says EXPIRED")
        t.contains(r.stdout, "verified", "2025b fixture: tsctl leap says the hash is verified")
        t.contains(r.stdout, "TAI-UTC:          37 s", "2025b fixture: tsctl leap shows TAI-UTC")
        T.diag("tsctl leap:\n" + r.stdout)
    finally:
        d.stop_and_check("2025b fixture: ")


def test_future_fixture(t):
    want = expected(FIX_FUTURE)
    d = start(t, "future", FIX_FUTURE)
    try:
        leap = status_leap(d)
        check_table(t, "future fixture", leap, want)
        t.eq(leap.get("validity"), "valid", "future fixture: valid")
        if time.time() < calendar.timegm((2027, 1, 1, 0, 0, 0)):
            t.eq(leap.get("next_leap"), {"at": "2027-01-01T00:00:00Z", "type": "insert",
                                         "tai_offset_s": 38},
                 "future fixture: next leap 2027-01-01T00:00:00Z insert")
            t.eq(leap.get("tai_offset_s"), 37, "future fixture: TAI-UTC 37 s")
        r = T.run_tsctl(["--socket", d.sock, "leap"])
        t.contains(r.stdout, "insert at ", "future fixture: tsctl leap shows the next leap")
        check_validity_event(t, "future fixture", d, want)
    finally:
        d.stop_and_check("future fixture: ")


def check_unavailable(t, what, leap, needle):
    t.eq(leap.get("validity"), "unavailable", "%s: validity unavailable" % what)
    t.eq(leap.get("valid"), False, "%s: valid is false" % what)
    t.eq(leap.get("tai_offset_s"), None, "%s: no TAI offset" % what)
    t.eq(leap.get("next_leap"), None, "%s: no next leap" % what)
    t.eq(leap.get("days_to_expiry"), None, "%s: no days_to_expiry" % what)
    t.contains(leap.get("error"), needle, "%s: error says why" % what)


def test_bad_hash(t):
    d = start(t, "badhash", FIX_BADHASH)
    try:
        leap = status_leap(d)
        check_unavailable(t, "bad hash", leap, "SHA-1 mismatch")
        t.contains(leap.get("error"), FIX_BADHASH + ": line ",
                   "bad hash: error is file: line N: message")
        t.check(d.wait_log("leap_file_invalid", timeout=2), "bad hash: log has leap_file_invalid",
                d.log_tail())
        r = T.run_tsctl(["--socket", d.sock, "leap"])
        t.contains(r.stdout, "MISMATCH", "bad hash: tsctl leap says MISMATCH")
        t.check(d.alive() and d.status()["data"]["state"], "bad hash: the daemon runs on")
    finally:
        d.stop_and_check("bad hash: ")


def test_missing_file(t):
    missing = t.path("no-such-leap-seconds.list")
    d = start(t, "missing", missing)
    try:
        leap = status_leap(d)
        check_unavailable(t, "missing file", leap, "No such file or directory")
        t.eq(leap.get("expires"), None, "missing file: expires null")
        t.check(d.wait_log("leap_file_unavailable", timeout=2),
                "missing file: log has leap_file_unavailable", d.log_tail())
        r = T.run_tsctl(["--socket", d.sock, "status"])
        t.contains(r.stdout, "Leap table:       unavailable (",
                   "missing file: tsctl status says the table is unavailable")
    finally:
        d.stop_and_check("missing file: ")


def test_sighup_switch(t):
    path = t.path("leap-seconds.list")
    shutil.copyfile(FIX_FUTURE, path)
    d = start(t, "hup", path)
    try:
        t.eq(status_leap(d).get("validity"), "valid", "SIGHUP: valid before the switch")
        shutil.copyfile(FIX_2025B, path)
        d.send_signal(signal.SIGHUP)
        got = T.poll_until(lambda: status_leap(d).get("expires") == "2026-06-28", timeout=5)
        t.check(got, "SIGHUP: the new file's expiry is reported", d.log_tail())
        check_table(t, "SIGHUP to 2025b", status_leap(d), expected(FIX_2025B))
        shutil.copyfile(FIX_BADHASH, path)
        d.send_signal(signal.SIGHUP)
        got = T.poll_until(lambda: status_leap(d).get("validity") == "unavailable", timeout=5)
        t.check(got, "SIGHUP: a bad-hash file leaves no table", d.log_tail())
        t.eq(d.pid, d.status()["data"]["daemon"]["pid"], "SIGHUP: same daemon process")
        recs = audit_leap_records(t.path("hup.audit"))
        t.eq([(r.get("reason"), r.get("validity")) for r in recs],
             [("load", "valid"), ("load", expected(FIX_2025B)["validity"]),
              ("load", "unavailable")],
             "SIGHUP: an audit leap record per load")
    finally:
        d.stop_and_check("SIGHUP: ")


def test_source_votes(t):
    """Sources' leap announcements against the table (tsctl leap, event
    leap_disagreement). The 2025b fixture announces no leap after 2017, so
    at any date a server with LI=1 contradicts it and one with LI=0 agrees."""
    import labpeers
    ports = {}
    for name, li in (("liar", 1), ("quiet", 0)):
        ports[name] = labpeers.free_udp_port()
        labpeers.start_testserver(ports[name], "--leap", li, tmpdir=t.path("ntp-" + name),
                                  name="ntp_" + name)
    sock = t.path("votes.sock")
    extra = ("leap:\n  file: %s\nsources:\n" % FIX_2025B + "".join(
        "  - {name: %s, type: ntp, server: 127.0.0.1, port: %d, poll: 0, iburst: true}\n"
        % (n, p) for n, p in sorted(ports.items())))
    d = T.Daemon(t, T.base_config(sock, extra=extra, audit_file=t.path("votes.audit")),
                 sock=sock, name="votes").start()
    try:
        def votes():
            rc, rep, _ = leap_reply(d)
            return rep["data"] if rc == 0 and rep else {}
        t.check(T.poll_until(lambda: len(votes().get("sources", [])) == 2, 15),
                "votes: both sources' announcements are shown", repr(votes()))
        v = votes()
        by = {s["source"]: s for s in v.get("sources", [])}
        t.eq(by.get("liar", {}).get("announces"), "insert", "votes: LI=1 reads as insert")
        t.eq(by.get("liar", {}).get("agrees"), False, "votes: insert contradicts the table")
        t.eq(by.get("quiet", {}).get("announces"), "none", "votes: LI=0 reads as none")
        t.eq(by.get("quiet", {}).get("agrees"), True, "votes: none agrees with the table")
        t.eq(v.get("agreement"), "disagree", "votes: agreement is disagree")
        t.check(d.wait_log("leap_disagreement", timeout=5),
                "votes: leap_disagreement is logged", d.log_tail())
        r = T.run_tsctl(["--socket", sock, "leap"])
        t.contains(r.stdout, "liar             announces insert  (CONTRADICTS THE TABLE)",
                   "votes: tsctl leap flags the contradicting source")
        t.check(T.poll_until(lambda: '"disagreement"' in open(t.path("votes.audit")).read(), 5),
                "votes: the disagreement is in the audit log")
    finally:
        d.stop_and_check("votes: ")


if __name__ == "__main__":
    T.main([test_system_file, test_expired_fixture, test_future_fixture, test_bad_hash,
            test_missing_file, test_sighup_switch, test_source_votes])
