#!/usr/bin/env python3
"""tsctl check and tsctl report.

check: against a daemon without sources (unsynchronized, no estimate)
exit 2 with a "TSYNC CRITICAL - ..." line whose perfdata parses by the
plugin guidelines; against no daemon exit 3 UNKNOWN.

report: over the audit log of a daemon run of a few seconds with
audit.summary_interval 1s - text names the state and 0 % within
tolerance, json has the expected keys, html holds an <svg>; over a
synthetic log (written here with the canonical hashing rule of
src/proto/audit_chain.h) with a holdover - the exact holdover time
appears; one edited byte makes it refuse with exit 2. The HTML is
rendered by headless Chromium when it is installed.
"""

import hashlib
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

# 'label'=value[UOM];[warn];[crit];[min];[max]
PERF = re.compile(r"^'?[^'=]+'?=(U|-?[0-9.eE+-]+)(s|%|B|c|us|ms)?"
                  r"(;(-?[0-9.eE+-]*)){0,4}$")


def parse_plugin_line(line):
    m = re.match(r"^TSYNC (OK|WARNING|CRITICAL|UNKNOWN) - (.*?)(?: \| (.*))?$", line)
    if not m:
        return None
    perf = (m.group(3) or "").split()
    return m.group(1), m.group(2), perf


def test_check(t):
    sock = t.path("c.sock")
    d = T.Daemon(t, T.base_config(sock), sock=sock, name="check").start()
    r = T.run_tsctl(["--socket", sock, "check"])
    t.eq(r.returncode, 2, "check: no sources -> exit 2 (CRITICAL)")
    lines = r.stdout.splitlines()
    t.eq(len(lines), 1, "check prints exactly one line")
    p = parse_plugin_line(lines[0] if lines else "")
    t.check(p is not None and p[0] == "CRITICAL", "the line is TSYNC CRITICAL", r.stdout)
    if p:
        t.contains(p[1], "no estimate", "the line says there is no estimate")
        t.contains(p[1], "unsynchronized", "the line names the state")
        t.check(p[2] and all(PERF.match(x) for x in p[2]),
                "perfdata follows 'label'=value[UOM];warn;crit;min;max", p[2])
        labels = dict(x.split("=", 1) for x in p[2])
        t.check(labels.get("max_error", "").startswith("U;"),
                "max_error is U (undetermined) without an estimate", labels)
        t.check("clock_class" in labels, "perfdata has clock_class", labels)
    r = T.run_tsctl(["--socket", sock, "check", "--max-error", "1ms",
                     "--warning", "100us", "--require-traceable"])
    t.eq(r.returncode, 2, "check with thresholds: still CRITICAL")
    t.contains(r.stdout, "max_error=U;0.0001;0.001;0;", "perfdata carries the thresholds")
    r = T.run_tsctl(["--socket", sock, "check", "--max-error", "bogus"])
    t.eq(r.returncode, 3, "check with a bad duration: UNKNOWN")
    d.stop_and_check("check: ")
    r = T.run_tsctl(["--socket", sock, "check"])
    t.eq(r.returncode, 3, "check with no daemon: exit 3 (UNKNOWN)")
    t.check(r.stdout.startswith("TSYNC UNKNOWN - cannot reach tsyncd"),
            "the line says TSYNC UNKNOWN and why", r.stdout)


def test_report_daemon_run(t):
    sock = t.path("r.sock")
    audit = t.path("audit.log")
    d = T.Daemon(t, T.base_config(sock, summary_interval="1s"), sock=sock,
                 name="report").start()
    time.sleep(3.5)
    d.stop_and_check("report: ")
    r = T.run_tsctl(["report", audit])
    t.eq(r.returncode, 0, "report on the run's log exits 0")
    t.contains(r.stdout, "unsynchronized", "text names the state")
    t.check(re.search(r"Within tolerance\s+0\.000 %", r.stdout),
            "text: 0 % within tolerance (no estimate)", r.stdout)
    r = T.run_tsctl(["report", "--format", "json", audit])
    t.eq(r.returncode, 0, "report --format json exits 0")
    j = json.loads(r.stdout)
    for k in ("since", "until", "period_s", "tolerance", "within_tolerance",
              "worst_max_error", "states_s", "steps", "tolerance_crossings",
              "gaps", "leap", "software", "chain"):
        t.check(k in j, "json has %s" % k, sorted(j))
    t.eq(j.get("within_tolerance", {}).get("share"), 0.0, "json: share within 0")
    t.check(j.get("summaries", 0) >= 2, "json: at least 2 summaries", j.get("summaries"))
    t.check(j.get("states_s", {}).get("unsynchronized", 0) > 1.5,
            "json: > 1.5 s unsynchronized", j.get("states_s"))
    t.eq(j.get("worst_max_error"), None, "json: no max_error published")
    r = T.run_tsctl(["report", "--format", "html", audit])
    t.eq(r.returncode, 0, "report --format html exits 0")
    t.check("<svg" in r.stdout and "</html>" in r.stdout, "html holds an <svg>")
    t.check(not re.search(r"(src|href)=\"(https?:)?//", r.stdout),
            "html loads no external resource")


# ------------------------------------------------------------ synthetic log

class Chain:
    """Canonical records: the hash covers the line up to "prev"'s quote."""

    def __init__(self, path):
        self.f = open(path, "w")
        self.seq = 0
        self.head = "0" * 64

    def put(self, ts, typ, data):
        body = '{"seq":%d,"ts":"%s","type":"%s","data":%s,"prev":"%s"' % (
            self.seq, ts, typ, json.dumps(data, separators=(",", ":")), self.head)
        h = hashlib.sha256(body.encode()).hexdigest()
        self.f.write(body + ',"hash":"%s"}\n' % h)
        self.seq += 1
        self.head = h

    def close(self):
        self.f.close()


def ts(s):
    return "2026-03-01T10:%02d:%02d.000000Z" % (s // 60, s % 60)


def summary(me, state):
    return {"interval_s": 60.0, "offset_min_s": -2e-6, "offset_max_s": 3e-6,
            "offset_mean_s": 1e-7, "max_error_max_s": me, "state": state,
            "samples": 60}


def synthetic(path):
    """locked 60..300, holdover 300..540 (4 min), locked again to 600."""
    c = Chain(path)
    c.put(ts(0), "start", {"version": "0.1.0", "config_path": "/etc/tsyncd/tsyncd.yaml",
                           "config_sha256": "ab" * 32, "pid": 7})
    c.put(ts(0), "leap", {"validity": "valid", "expires": "2026-06-28", "tai_offset_s": 37})
    c.put(ts(60), "state", {"from": "unsynchronized", "to": "locked", "reason": "r",
                            "clock_class": 6, "traceable": True, "max_error_s": 2e-5})
    for s in (120, 180, 240, 300):
        c.put(ts(s), "summary", summary(3e-5, "locked"))
    c.put(ts(300), "state", {"from": "locked", "to": "holdover", "reason": "lost",
                             "clock_class": 7, "traceable": True, "max_error_s": 4e-5})
    c.put(ts(360), "summary", summary(6e-5, "holdover"))
    c.put(ts(420), "summary", summary(1.2e-4, "holdover"))
    c.put(ts(420), "tolerance", {"within": False, "max_error_s": 1.2e-4,
                                 "tolerance_s": 1e-4, "state": "holdover"})
    c.put(ts(480), "summary", summary(1.8e-4, "holdover"))
    c.put(ts(540), "state", {"from": "holdover", "to": "locked", "reason": "back",
                             "clock_class": 6, "traceable": True})
    c.put(ts(540), "summary", summary(2.4e-4, "locked"))
    c.put(ts(550), "tolerance", {"within": True, "max_error_s": 3e-5,
                                 "tolerance_s": 1e-4, "state": "locked"})
    c.put(ts(600), "summary", summary(3e-5, "locked"))
    c.close()


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, as
    Chromium writes its screenshots; stdlib only."""
    import struct
    import zlib
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise T.CheckFailed("PNG type %d/%d not handled" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def render(t, html):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        T.diag("chromium not installed: the HTML rendering check is skipped")
        return
    png = t.path("report.png")
    # A closed network: no background connections, a fresh profile.
    r = T.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + t.path("chromium-profile"),
               "--screenshot=%s" % png, "--window-size=1000,1200",
               "file://" + html], timeout=90)
    ok = os.path.exists(png) and os.path.getsize(png) > 10000
    t.check(ok, "headless chromium renders the report to a non-trivial PNG",
            r.stderr[-2000:])
    if ok:
        # The SVG plot must have drawn something: many distinct colours in
        # the picture, not a blank page with a few lines of text.
        with open(png, "rb") as f:
            data = f.read()
        t.check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
        w, h, rows = png_pixels(data)
        seen = set(px for row in rows for px in row)
        near = lambda want: any(all(abs(px[i] - want[i]) <= 12 for i in range(3))
                                for px in seen)
        t.check(near((0x08, 0x51, 0x9c)), "the offset plot's line (#08519c) is drawn")
        t.check(near((0x9e, 0xca, 0xe1)), "the offset plot's min..max band (#9ecae1) is drawn")
        T.diag("report rendered: %dx%d, %d colours" % (w, h, len(seen)))


def test_report_holdover(t):
    log = t.path("synthetic.log")
    synthetic(log)
    r = T.run_tsctl(["report", log])
    t.eq(r.returncode, 0, "report on the synthetic log exits 0")
    t.check(re.search(r"holdover\s+4m 00s\s+40\.000 %", r.stdout),
            "text: holdover 4m 00s, 40 % of 10 min", r.stdout)
    # within 100 us: [60,360] and [540,600]; (360,540] has summaries above.
    t.check(re.search(r"Within tolerance\s+60\.000 %", r.stdout),
            "text: 60 % within 100 us", r.stdout)
    t.check(re.search(r"Tolerance crossings\s+2 \(1 left, 1 re-entered\)", r.stdout),
            "text: two tolerance crossings", r.stdout)
    r = T.run_tsctl(["report", "--format", "json", "--tolerance", "rts25", log])
    j = json.loads(r.stdout)
    t.eq(j["states_s"]["holdover"], 240.0, "json: 240 s in holdover")
    t.eq(j["within_tolerance"]["share"], 0.9, "json: --tolerance rts25 (1 ms): 90 %")
    t.eq(j["worst_max_error"]["max_error_s"], 2.4e-4, "json: worst max_error")
    t.eq(j["tolerance"]["max_error_s"], 0.001, "json: rts25 is 1 ms")
    r = T.run_tsctl(["report", "--since", "2026-03-01T10:05:00Z",
                     "--until", "2026-03-01T10:08:00Z", "--format", "json", log])
    j = json.loads(r.stdout)
    t.eq(j["states_s"]["holdover"], 180.0, "json: --since/--until clip the holdover")
    html = t.path("report.html")
    r = T.run_tsctl(["report", "--format", "html", log])
    T.write_file(html, r.stdout)
    t.check("<svg" in r.stdout and "<polyline" in r.stdout,
            "html: an svg with the offset and max_error lines")
    render(t, html)
    with open(log) as f:
        text = f.read()
    T.write_file(log, text.replace('"to":"holdover"', '"to":"locked!!"', 1))
    r = T.run_tsctl(["report", log])
    t.eq(r.returncode, 2, "an edited record: report refuses with exit 2")
    t.contains(r.stderr, "REFUSED", "and says so")
    t.eq(r.stdout, "", "and prints no report")


if __name__ == "__main__":
    T.main([test_check, test_report_daemon_run, test_report_holdover],
           prefix="tsync-report-")
