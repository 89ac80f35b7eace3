#!/usr/bin/env python3
"""The metrics endpoint (status.metrics): HTTP behaviour, promtool, and a
real Prometheus server scraping tsyncd on loopback.

Skips (77) only when promtool is absent. The daemon runs on libevent's
poll backend (EVENT_NOEPOLL), the one clknetsim needs."""

import http.client
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402
import labpeers  # noqa: E402

OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RULES = os.path.join(T.TOP_SRCDIR, "contrib", "prometheus", "tsync.rules.yml")
DASHBOARD = os.path.join(T.TOP_SRCDIR, "contrib", "grafana", "tsync-dashboard.json")
D = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(path="/metrics", method="GET", headers=None, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", D["port"], timeout=timeout)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    finally:
        c.close()


def test_start(t):
    sock = t.path("s.sock")
    D["port"] = free_port()
    # One NTP source (the test server), so the per-source families appear.
    ntp_port = labpeers.free_udp_port()
    labpeers.start_testserver(ntp_port, tmpdir=t.path("ntp"))
    cfg = T.base_config(sock, extra="sources:\n  - {name: lab, type: ntp, server: "
                        "127.0.0.1, port: %d, poll: 0, iburst: true}\n" % ntp_port).replace(
        "status:\n", "status:\n  metrics: 127.0.0.1:%d\n" % D["port"], 1)
    env = dict(os.environ, EVENT_NOEPOLL="1")
    D["d"] = T.Daemon(t, cfg, sock=sock, env=env).start()
    t.check(D["d"].wait_log("metrics_listening"), "daemon logs metrics_listening")
    t.check(T.poll_until(lambda: 'tsync_source_state{source="lab",state="selected"} 1'
                         in get()[2], timeout=20),
            "the NTP source is exported as selected within 20 s")


def test_get_metrics(t):
    st, hdr, body = get()
    t.eq(st, 200, "GET /metrics is 200")
    t.eq(hdr.get("Content-Type"), OM_TYPE, "OpenMetrics content type")
    t.check(body.endswith("# EOF\n") and body.count("# EOF") == 1,
            "body ends with a single # EOF", body[-200:])
    t.contains(body, 'tsync_source_state{source="lab",state="selected"} 1\n',
               "the source's selection state")
    t.check(re.search(r'\ntsync_source_reach\{source="lab"\} [1-9]', body),
            "the source's reach register (nonzero)", body)
    t.contains(body, 'tsync_source_delay_seconds{source="lab"} ', "the source's delay")
    t.contains(body, 'tsync_source_dropped_inputs_total{source="lab"} 0\n',
               "the source's dropped-input counter")
    t.contains(body, "# TYPE tsync_ctl_bad_requests counter\n", "OM counter family")
    t.contains(body, "\ntsync_ctl_bad_requests_total ", "counter sample _total")
    # every sample belongs to a family with TYPE and HELP
    types, helps, bad = set(), set(), []
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            types.add(line.split()[2])
        elif line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            fam = name[:-6] if name.endswith("_total") else \
                name[:-5] if name.endswith("_info") else name
            if fam not in types or fam not in helps:
                bad.append(line)
    t.check(not bad, "every OM sample has TYPE and HELP", "\n".join(bad))
    D["om"] = body


def test_promtool_check_metrics(t):
    st, hdr, body = get(headers={"Accept": "text/plain;version=0.0.4"})
    t.eq(st, 200, "GET with Accept text/plain is 200")
    t.eq(hdr.get("Content-Type"), TEXT_TYPE, "0.0.4 content type on request")
    r = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True, text=True, timeout=30)
    t.check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
            "promtool check metrics passes (no lint findings)",
            "rc=%d\n%s%s\n%s" % (r.returncode, r.stdout, r.stderr, body))
    samples = lambda b: sorted(l.rsplit(" ", 1)[0] for l in b.splitlines()
                               if l and not l.startswith("#"))
    t.eq(samples(body), samples(D["om"]), "both formats carry the same series")


def test_promtool_check_rules(t):
    r = T.run(["promtool", "check", "rules", RULES], timeout=30)
    t.check(r.returncode == 0 and "SUCCESS" in r.stdout,
            "promtool check rules contrib/prometheus/tsync.rules.yml",
            r.stdout + r.stderr)


def test_dashboard_json(t):
    with open(DASHBOARD) as f:
        dash = json.load(f)
    exprs = " ".join(tg.get("expr", "") for p in dash.get("panels", [])
                     for tg in p.get("targets", []))
    for m in ("tsync_offset_seconds", "tsync_expanded_uncertainty_seconds",
              "tsync_max_error_seconds", "tsync_tolerance_seconds",
              "tsync_state", "tsync_clock_class"):
        t.contains(exprs, m, "dashboard queries %s" % m)


def test_not_found_and_method(t):
    st, _, _ = get("/")
    t.eq(st, 404, "GET / is 404")
    st, _, _ = get("/metrics/x")
    t.eq(st, 404, "GET /metrics/x is 404")
    for m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        st, hdr, _ = get(method=m)
        t.eq(st, 405, "%s /metrics is 405" % m)
    t.eq(hdr.get("Allow"), "GET, HEAD", "405 names the allowed methods")
    st, hdr, body = get(method="HEAD")
    t.check(st == 200 and body == "", "HEAD /metrics is 200 without a body")


def test_garbage(t):
    d = D["d"]
    payloads = [b"\x00\xff\xfe garbage\r\n\r\n", b"GET /metrics HTTP/9.9\r\n\r\n",
                b"GET " + b"/a" * 10000 + b" HTTP/1.1\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nX: " + b"y" * 20000 + b"\r\n\r\n",
                b"POST /metrics HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n" + b"z" * 4096,
                b"GET /metrics HTTP/1.1\r\n"]   # never finished
    for p in payloads:
        with socket.create_connection(("127.0.0.1", D["port"]), timeout=5) as s:
            try:
                s.sendall(p)
                s.settimeout(0.5)
                s.recv(4096)
            except OSError:
                pass
    # and one client that connects and says nothing, left open
    idle = socket.create_connection(("127.0.0.1", D["port"]), timeout=5)
    st, _, body = get()
    t.check(d.alive() and st == 200 and body.endswith("# EOF\n"),
            "garbage and idle connections do not hurt the daemon")
    idle.close()
    t.check(d.status()["data"]["clock_class"] in (52, 248), "control socket still answers")


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
    with urllib.request.urlopen(url, timeout=3) as r:
        return json.loads(r.read().decode())


def test_prometheus_scrape(t):
    prom = shutil.which("prometheus")
    if not t.check(prom is not None, "prometheus server installed (Debian package prometheus)"):
        return
    pport = free_port()
    cfg = t.path("prometheus.yml")
    T.write_file(cfg, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                 "scrape_configs:\n  - job_name: tsync\n    static_configs:\n"
                 "      - targets: ['127.0.0.1:%d']\n" % D["port"]
                 + "rule_files:\n  - %s\n" % RULES)
    log = open(t.path("prometheus.log"), "wb")
    p = subprocess.Popen([prom, "--config.file=" + cfg,
                          "--storage.tsdb.path=" + t.path("tsdb"),
                          "--web.listen-address=127.0.0.1:%d" % pport],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        got, last = None, None
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and got is None:
            try:
                r = prom_query(pport, "tsync_clock_class")
                res = r.get("data", {}).get("result", [])
                if res:
                    got = res[0]
                last = r
            except (OSError, ValueError) as e:
                last = e
            if p.poll() is not None:
                break
            time.sleep(0.5)
        ok = t.check(got is not None, "Prometheus scraped tsync_clock_class",
                     "last: %r\n%s" % (last, open(t.path("prometheus.log")).read()[-3000:]))
        if ok:
            # The source has no trace: 248 while acquiring, 52 once locked,
            # never 6 or 7.
            t.check(got["value"][1] in ("52", "248"),
                    "scraped tsync_clock_class is 52 or 248 (untraceable source)",
                    repr(got))
            t.eq(got["metric"].get("job"), "tsync", "series carries job=tsync")
            r = prom_query(pport, "up{job=\"tsync\"}")
            t.eq(r["data"]["result"][0]["value"][1], "1", "target up")
            r = prom_query(pport, "tsync_ctl_bad_requests_total")
            t.check(r["data"]["result"], "counter ingested as tsync_ctl_bad_requests_total")
            url = "http://127.0.0.1:%d/api/v1/targets" % pport
            with urllib.request.urlopen(url, timeout=3) as rr:
                tg = json.loads(rr.read().decode())["data"]["activeTargets"][0]
            t.check(tg["health"] == "up" and tg["lastError"] == "",
                    "scrape healthy, no parse error", repr(tg))
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def test_stop(t):
    D["d"].stop_and_check()


def test_bad_address_fails_start(t):
    # a port already taken: start-up fails and says so
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        sock = t.path("b.sock")
        cfg = T.base_config(sock).replace(
            "status:\n", "status:\n  metrics: 127.0.0.1:%d\n" % port, 1)
        d = T.Daemon(t, cfg, sock=sock, name="busy").start(wait=False)
        rc = d.wait(10)
        t.check(rc not in (None, 0), "busy metrics port: tsyncd exits non-zero")
        t.contains(d.log_text(), "cannot listen on 127.0.0.1:%d" % port,
                   "error names the address")


if __name__ == "__main__":
    if shutil.which("promtool") is None:
        T.Tap().skip("promtool not installed (Debian package prometheus)")
    T.main([test_start, test_get_metrics, test_promtool_check_metrics,
            test_promtool_check_rules, test_dashboard_json, test_not_found_and_method,
            test_garbage, test_prometheus_scrape, test_stop, test_bad_address_fails_start])
