#!/usr/bin/env python3
"""The control socket against a running tsyncd: protocol, limits, abuse."""

import json
import os
import selectors
import signal
import socket
import stat
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

MAX_CLIENTS = 40
IDLE_S = 2.0
N_IDLE = 32
N_ABUSE = 1000

# Shared by the tests of one daemon.
D = {}

# The malformed requests and the error code each must get.
OVERSIZE = b'{"cmd":"status","pad":"' + b"x" * 5000 + b'"}\n'
BAD = [
    (b"this is not json\n", "parse_error"),
    (b"{}\n", "bad_request"),
    (b'{"cmd":"nope"}\n', "unknown_command"),
    (b'{"cmd":"status","version":2}\n', "unsupported_version"),
    (b"\x00\x01\xff\xfe{\x00\"cmd\x00}\x00\n", "parse_error"),
    (b"[1,2,3]\n", "parse_error"),
    (b'{"cmd":42}\n', "bad_request"),
    (b'{"cmd":"status"\n', "parse_error"),
]


def start_main(t):
    sock = t.path("s.sock")
    cfg = ("status:\n  socket: %s\n  max_clients: %d\n  idle_timeout: 2s\n"
           "  shm: %s\n"
           "log:\n  level: info\n" % (sock, MAX_CLIENTS, t.path("clock"))
           + T.audit_config(t.path("audit.log")))
    d = T.Daemon(t, cfg, sock=sock, name="main", umask=0o022).start()
    D["d"] = d
    return d


def test_socket_mode(t):
    d = start_main(t)
    st = os.lstat(d.sock)
    t.check(stat.S_ISSOCK(st.st_mode), "socket file is a socket")
    t.eq(oct(stat.S_IMODE(st.st_mode)), oct(0o660), "socket mode is 0660 (srw-rw----)")


def test_tsctl_status(t):
    d = D["d"]
    r = T.run_tsctl(["--socket", d.sock, "status"])
    t.eq(r.returncode, 0, "tsctl status exits 0")
    t.contains(r.stdout, "unsynchronized", "tsctl status output says unsynchronized")
    t.contains(r.stdout, "observe", "tsctl status output names the observe driver")

    r = T.run_tsctl(["--socket", d.sock, "--json", "status"])
    t.eq(r.returncode, 0, "tsctl --json status exits 0")
    t.check(r.stdout.endswith("\n") and r.stdout.count("\n") == 1,
            "tsctl --json status prints exactly one line", "stdout=%r" % r.stdout)
    with T.Client(d.sock) as c:
        c.send(b'{"cmd":"status"}\n')
        raw = c.line().decode()
    t.eq(T.strip_uptime(r.stdout), T.strip_uptime(raw),
         "tsctl --json status prints the daemon's reply line unchanged (but for uptime)")
    rep = json.loads(r.stdout)
    data = rep.get("data") or {}
    t.check(rep.get("ok") is True, "status reply: ok true")
    t.eq(rep.get("version"), 1, "status reply: version 1")
    t.eq(data.get("state"), "unsynchronized", "status: state unsynchronized")
    clock = data.get("clock") or {}
    t.eq(clock.get("driver"), "observe", "status: clock.driver observe")
    t.check(clock.get("discipline") is False, "status: clock.discipline false",
            "got %r" % clock.get("discipline"))
    t.eq(data.get("sources"), [], "status: sources []")
    t.eq(data.get("config"), d.config, "status: config is the config path")
    tol = data.get("tolerance") or {}
    t.check(isinstance(tol.get("max_error_s"), (int, float))
            and abs(tol["max_error_s"] - 0.001) < 1e-12,
            "status: tolerance.max_error_s is 0.001 (default)", "tolerance=%r" % tol)
    up = data.get("uptime_s")
    t.check(isinstance(up, (int, float)) and not isinstance(up, bool) and 0 <= up < 60,
            "status: uptime_s >= 0", "uptime_s=%r" % up)
    # With no source there is no estimate and nothing to be traceable to.
    t.eq(data.get("estimate"), None, "status: estimate null without sources")
    t.eq(data.get("clock_class"), 248, "status: clockClass 248 (default) when unsynchronized")
    t.check(data.get("traceable") is False, "status: traceable false")
    t.check(isinstance(data.get("reason"), str) and data["reason"] != "",
            "status: state has a reason", "reason=%r" % data.get("reason"))
    age = data.get("state_age_s")
    t.check(isinstance(age, (int, float)) and 0 <= age <= up + 1e-6,
            "status: state_age_s within uptime", "state_age_s=%r uptime_s=%r" % (age, up))
    t.check(tol.get("within") is False, "status: not within tolerance without an estimate")
    dm = data.get("daemon") or {}
    t.eq(dm.get("pid"), d.pid, "status: daemon.pid is the daemon's pid")
    t.eq(dm.get("version"), "0.1.0", "status: daemon.version 0.1.0")


def test_tsctl_version(t):
    d = D["d"]
    r = T.run_tsctl(["--socket", d.sock, "--json", "version"])
    t.eq(r.returncode, 0, "tsctl --json version exits 0")
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        rep = {}
    t.eq(rep, {"ok": True, "version": 1, "data": {"protocol": 1, "daemon": "0.1.0"}},
         "tsctl --json version reply")
    r = T.run_tsctl(["--socket", d.sock, "version"])
    t.eq(r.returncode, 0, "tsctl version exits 0")
    t.contains(r.stdout, "0.1.0", "tsctl version names the daemon version")


def test_malformed(t):
    d = D["d"]
    with T.Client(d.sock) as c:
        for req, code in BAD:
            rep = c.request(req)
            t.check(T.is_error_reply(rep, code), "%r -> %s" % (req[:30], code),
                    "reply=%r" % rep)
        rep = c.request(b'{"cmd":"status","version":1}')
        t.check(rep.get("ok") is True and rep["data"]["state"] == "unsynchronized",
                "after bad requests the connection still answers status (version 1)",
                "reply=%r" % rep)
        rep = c.request(b'{"cmd":"version"}\r\n')
        t.check(rep.get("ok") is True, "a request ending in CRLF is accepted", "reply=%r" % rep)
        c.send(OVERSIZE)
        rep = c.json_line()
        t.check(T.is_error_reply(rep, "request_too_large"), "5000-byte line -> request_too_large",
                "reply=%r" % rep)
        t.check(c.wait_eof(3), "after request_too_large the connection is closed")
    # Oversize without any newline at all: the daemon must not wait for one.
    with T.Client(d.sock) as c:
        c.send(b"{" * 5000)
        rep = c.json_line(timeout=3)
        t.check(T.is_error_reply(rep, "request_too_large"),
                "5000 bytes without newline -> request_too_large", "reply=%r" % rep)
        t.check(c.wait_eof(3), "... and the connection is closed")
    # CTL_MAX_LINE is 4096 bytes including the newline.
    base = b'{"cmd":"version"}'
    for size, ok in ((4095, True), (4096, False)):
        with T.Client(d.sock) as c:
            rep = c.request(base + b" " * (size - len(base)))
            if ok:
                t.check(rep.get("ok") is True, "a %d-byte request (+newline) is answered" % size,
                        "reply=%r" % rep)
            else:
                t.check(T.is_error_reply(rep, "request_too_large"),
                        "a %d-byte request (+newline) is request_too_large" % size,
                        "reply=%r" % rep)
    # A last request without newline, then half-close: answered, then EOF.
    with T.Client(d.sock) as c:
        c.send(b'{"cmd":"version"}')
        c.sock.shutdown(socket.SHUT_WR)
        rep = c.json_line(timeout=3)
        t.check(rep.get("ok") is True and c.wait_eof(3),
                "an unterminated request before half-close is answered, then EOF",
                "reply=%r" % rep)
    # Requests split across writes are reassembled.
    with T.Client(d.sock) as c:
        c.send(b'{"cmd":')
        time.sleep(0.05)
        c.send(b'"version"}\n{"cmd":"version"}\n')
        a, b = c.json_line(), c.json_line()
        t.check(a.get("ok") is True and b.get("ok") is True,
                "a request split over two writes and a pipelined one both answered")


class EofWatcher(threading.Thread):
    """Records, per socket, when the daemon closed it."""

    def __init__(self, clients, until):
        super().__init__(daemon=True)
        self.clients = clients
        self.until = until
        self.closed_at = {}
        self.data = {}

    def run(self):
        sel = selectors.DefaultSelector()
        for c in self.clients:
            c.sock.setblocking(False)
            sel.register(c.sock, selectors.EVENT_READ, c)
        while len(self.closed_at) < len(self.clients) and time.monotonic() < self.until:
            for key, _ in sel.select(timeout=0.05):
                c = key.data
                try:
                    chunk = c.sock.recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if chunk:
                    self.data[c] = self.data.get(c, b"") + chunk
                else:
                    self.closed_at[c] = time.monotonic()
                    sel.unregister(c.sock)
        sel.close()


def abuse(t, d):
    """N_ABUSE malformed/oversized requests over a few connections.
    Returns the number of wrong replies."""
    wrong = []
    sent = 0
    conns = [T.Client(d.sock) for _ in range(3)]
    try:
        i = 0
        while sent < N_ABUSE:
            if i % 10 == 9:
                # Oversized: on its own connection, which must then close.
                with T.Client(d.sock) as c:
                    c.send(OVERSIZE)
                    rep = c.json_line()
                    if T.error_code(rep) != "request_too_large" or not c.wait_eof(3):
                        wrong.append(("oversize", rep))
                sent += 1
            else:
                # A pipelined batch of bad requests in one write.
                c = conns[i % len(conns)]
                batch = [BAD[(sent + k) % len(BAD)] for k in range(min(20, N_ABUSE - sent))]
                c.send(b"".join(req for req, _ in batch))
                for req, code in batch:
                    rep = c.json_line()
                    if not T.is_error_reply(rep, code):
                        wrong.append((req, rep))
                sent += len(batch)
            i += 1
    finally:
        for c in conns:
            c.close()
    return sent, wrong


def test_acceptance(t):
    """Idle clients, max_clients, 1000 bad requests, fresh status, idle drop."""
    d = D["d"]
    t0 = time.monotonic()
    idle = T.connect_many(d.sock, N_IDLE)
    sub = T.Client(d.sock)
    rep = sub.request({"cmd": "subscribe"})
    t.check(rep.get("ok") is True and rep.get("version") == 1
            and (rep.get("data") or {}).get("subscribed") is True,
            "subscribe -> ok, data.subscribed true", "reply=%r" % rep)
    ev = sub.json_line(timeout=3)
    t.check(ev.get("event") == "status" and ev.get("version") == 1
            and (ev.get("data") or {}).get("state") == "unsynchronized",
            "after the subscribe reply, a status event line", "got %r" % ev)
    watcher = EofWatcher(idle, t0 + IDLE_S + 8)
    watcher.start()
    extra = []
    try:
        # 32 idle + 1 subscriber + 7 more = max_clients; each extra one is
        # proven accepted by an answered request.
        answered = 0
        for _ in range(MAX_CLIENTS - N_IDLE - 1):
            c = T.Client(d.sock)
            extra.append(c)
            if c.request({"cmd": "version"}).get("ok") is True:
                answered += 1
        t.eq(answered, MAX_CLIENTS - N_IDLE - 1,
             "connections up to max_clients=%d are accepted" % MAX_CLIENTS)
        t1 = time.monotonic()
        with T.Client(d.sock) as c41:
            rep = c41.json_line(timeout=3)
            dt = time.monotonic() - t1
            t.check(T.is_error_reply(rep, "too_many_clients"),
                    "connection %d gets too_many_clients" % (MAX_CLIENTS + 1), "reply=%r" % rep)
            t.check(c41.wait_eof(3), "connection %d is then closed" % (MAX_CLIENTS + 1))
            T.diag("too_many_clients reply after %.1f ms" % (dt * 1e3))
            t.check(dt < 1.0, "too_many_clients arrives immediately (< 1 s)")
        for c in extra:
            c.close()
        extra = []
        # Let the daemon see those closes before counting slots again.
        time.sleep(0.1)

        ta = time.monotonic()
        sent, wrong = abuse(t, d)
        ta = time.monotonic() - ta
        T.diag("%d bad requests answered in %.0f ms" % (sent, ta * 1e3))
        t.check(sent == N_ABUSE and not wrong,
                "%d malformed/oversized requests each get the right error" % N_ABUSE,
                "wrong replies: %d, first: %r" % (len(wrong), wrong[:3]))
        t.check(d.alive(), "daemon still running after the abuse", d.log_tail())

        ts = time.monotonic()
        r = T.run_tsctl(["--socket", d.sock, "--json", "status"])
        ms = (time.monotonic() - ts) * 1e3
        T.diag("fresh tsctl status after abuse: %.1f ms wall" % ms)
        t.check(r.returncode == 0 and json.loads(r.stdout or "{}").get("ok") is True,
                "fresh tsctl status answers after the abuse",
                "rc=%d out=%r err=%r" % (r.returncode, r.stdout, r.stderr))
        t.check(ms < 2000, "fresh tsctl status within 2 s (%.1f ms)" % ms)

        # Idle clients go away after idle_timeout; the subscriber does not.
        watcher.join(t0 + IDLE_S + 8 - time.monotonic())
        closed = watcher.closed_at
        t.eq(len(closed), N_IDLE, "all %d idle clients are dropped" % N_IDLE)
        if closed:
            first = min(closed.values()) - t0
            last = max(closed.values()) - t0
            T.diag("idle clients dropped between %.2f s and %.2f s after connecting"
                   % (first, last))
            t.check(first >= IDLE_S - 0.3, "no idle client dropped before idle_timeout (2 s)",
                    "first drop at %.2f s" % first)
            t.check(last <= IDLE_S + 2.0, "idle clients dropped within ~4 s",
                    "last drop at %.2f s" % last)
        t.eq(sum(len(v) for v in watcher.data.values()), 0,
             "idle clients were sent nothing before being dropped")

        # The subscriber, idle as long as the others, is still there.
        # Skip any events already queued, then make the daemon publish one.
        pending = []
        try:
            while True:
                pending.append(sub.json_line(timeout=0.2))
        except (socket.timeout, TimeoutError):
            pass
        t.check(not sub.eof, "subscriber still connected after the idle timeout")
        t.check(all(e.get("event") == "status" for e in pending),
                "subscriber only got status events so far", "got %r" % pending)
        d.send_signal(signal.SIGHUP)
        ev = sub.json_line(timeout=5)
        t.check(ev.get("event") == "status" and ev.get("version") == 1
                and (ev.get("data") or {}).get("state") == "unsynchronized"
                and "ok" not in ev,
                "subscriber receives a status event {event,version,data}", "event=%r" % ev)
    finally:
        for c in idle + extra + [sub]:
            c.close()


def test_slow_client(t):
    d = D["d"]
    slow = T.Client(d.sock)
    try:
        # 200 requests, never read; then keep pushing (non-blocking) until
        # the daemon's output toward us has surely backed up.
        slow.send(b'{"cmd":"status"}\n' * 200)
        slow.sock.setblocking(False)
        pushed = 200
        for _ in range(5000):
            try:
                slow.sock.send(b'{"cmd":"status"}\n')
                pushed += 1
            except (BlockingIOError, OSError):
                break
        T.diag("slow client pushed %d requests without reading" % pushed)
        ts = time.monotonic()
        r = T.run_tsctl(["--socket", d.sock, "--json", "status"], timeout=10)
        ms = (time.monotonic() - ts) * 1e3
        T.diag("status next to the slow client: %.1f ms" % ms)
        t.check(r.returncode == 0 and ms < 2000,
                "a slow client does not block another client's status",
                "rc=%d ms=%.0f err=%r" % (r.returncode, ms, r.stderr))
    finally:
        slow.close()
    t.check(d.alive(), "daemon survives the slow client", d.log_tail())
    r = T.run_tsctl(["--socket", d.sock, "status"])
    t.eq(r.returncode, 0, "status answers after the slow client left")


def test_second_daemon(t):
    d = D["d"]
    d2 = T.Daemon(t, config_path=d.config, sock=d.sock, name="second")
    d2.start(wait=False)
    rc = d2.wait(10)
    if rc is None:
        d2.kill()
    log = d2.log_text()
    t.check(rc not in (None, 0), "a second tsyncd on the same socket refuses to start",
            "rc=%r log:\n%s" % (rc, log))
    t.eq(rc, 1, "... with exit code 1 (startup failure)")
    t.contains(log, d.sock, "... its error names the socket path")
    t.contains(log, "already", "... and says 'already'")
    d2.check_sanitizers()
    t.check(os.path.exists(d.sock), "the first daemon's socket file is still there")
    r = T.run_tsctl(["--socket", d.sock, "--json", "status"])
    t.check(r.returncode == 0 and (json.loads(r.stdout or "{}").get("data") or {})
            .get("daemon", {}).get("pid") == d.pid,
            "the first tsyncd still answers", "rc=%d out=%r" % (r.returncode, r.stdout))


def test_sigterm(t):
    d = D.pop("d")
    d.stop_and_check("main daemon ")


def test_stale_socket(t):
    sock = t.path("stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    try:
        T.Client(sock, timeout=1).close()
        refused = False
    except ConnectionRefusedError:
        refused = True
    t.check(refused and stat.S_ISSOCK(os.lstat(sock).st_mode),
            "set-up: a stale socket file nobody listens on")
    d = T.Daemon(t, T.base_config(sock), sock=sock, name="stale", umask=0o077)
    try:
        d.start()
        t.check(True, "tsyncd starts over a stale socket file")
        st = os.lstat(sock)
        t.eq(oct(stat.S_IMODE(st.st_mode)), oct(0o660), "socket mode is 0660 under umask 077")
        r = T.run_tsctl(["--socket", sock, "status"])
        t.eq(r.returncode, 0, "tsctl status answers on the replaced socket")
        d.stop_and_check("stale-socket daemon ")
    finally:
        d.kill()


def test_socket_disabled(t):
    cfg = T.write_file(t.path("nosock.yaml"), 'status:\n  socket: ""\n  shm: ""\nlog:\n  level: info\n'
                       + T.audit_config(t.path("nosock-audit.log")))
    before = set(os.listdir(t.tmp))
    default_existed = os.path.exists("/run/tsyncd/tsyncd.sock")
    d = T.Daemon(t, config_path=cfg, sock=None, name="nosock")
    try:
        d.start(wait=False)
        time.sleep(1.0)
        t.check(d.alive(), "tsyncd runs with status.socket \"\"", d.log_tail())
        after = set(os.listdir(t.tmp)) - before - {"nosock.log", "nosock-audit.log"}
        t.eq(sorted(after), [], "no socket file created in the test dir")
        if not default_existed:
            t.check(not os.path.exists("/run/tsyncd/tsyncd.sock"),
                    "no socket created at the default path")
        rc = d.stop()
        t.eq(rc, 0, "socketless tsyncd: SIGTERM exits 0")
        d.check_sanitizers()
    finally:
        d.kill()


if __name__ == "__main__":
    T.main([test_socket_mode, test_tsctl_status, test_tsctl_version, test_malformed,
            test_acceptance, test_slow_client, test_second_daemon, test_sigterm,
            test_stale_socket, test_socket_disabled])
