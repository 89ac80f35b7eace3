#!/usr/bin/env python3
"""SIGHUP: a valid config is applied (and announced), a broken one is refused."""

import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402


def max_error_s(d):
    try:
        return d.status()["data"]["tolerance"]["max_error_s"]
    except (T.CheckFailed, KeyError, TypeError, ValueError):
        return None


def close_to(x, want):
    return isinstance(x, (int, float)) and abs(x - want) < 1e-12


def drain(c, timeout=0.2):
    got = []
    try:
        while True:
            got.append(c.json_line(timeout=timeout))
    except (socket.timeout, TimeoutError):
        pass
    return got


def wait_event(c, pred, timeout=5):
    """Read events until one satisfies pred; returns it or None."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            ev = c.json_line(timeout=max(0.01, deadline - time.monotonic()))
        except (socket.timeout, TimeoutError):
            break
        seen.append(ev)
        if pred(ev):
            return ev, seen
    return None, seen


def test_reload(t):
    sock = t.path("s.sock")
    v1 = T.base_config(sock)
    d = T.Daemon(t, v1, sock=sock, name="reload")
    sub = None
    try:
        d.start()
        pid = d.pid
        t.check(close_to(max_error_s(d), 0.001), "initial tolerance.max_error_s is 0.001")

        sub = T.Client(sock)
        rep = sub.request({"cmd": "subscribe"})
        t.check(rep.get("ok") is True and (rep.get("data") or {}).get("subscribed") is True,
                "subscribed", "reply=%r" % rep)
        drain(sub)

        # A valid change.
        T.write_file(d.config, v1 + "tolerance:\n  max_error: 250us\n")
        d.send_signal(signal.SIGHUP)
        got = T.poll_until(lambda: close_to(max_error_s(d), 0.00025), timeout=5)
        t.check(got, "after SIGHUP with max_error 250us, status shows max_error_s 0.00025",
                "max_error_s=%r log:\n%s" % (max_error_s(d), d.log_tail()))
        st = d.status()["data"]
        t.check(st["tolerance"].get("preset") is None,
                "tolerance.preset is null when max_error is given directly",
                "tolerance=%r" % st["tolerance"])
        t.eq(st["daemon"]["pid"], pid, "same daemon process after reload")
        ev, seen = wait_event(sub, lambda e: e.get("event") == "status" and close_to(
            ((e.get("data") or {}).get("tolerance") or {}).get("max_error_s"), 0.00025))
        t.check(ev is not None and ev.get("version") == 1,
                "subscriber gets a status event showing the new tolerance after reload",
                "events seen: %r" % seen)

        # A broken change: refused, old config kept, error logged with a location.
        broken = v1 + "tolerance:\n  max_error: lots\n"
        T.write_file(d.config, broken)
        err_line = broken.count("\n")  # the last line
        want = "%s:%d:14: tolerance.max_error:" % (d.config, err_line)
        d.send_signal(signal.SIGHUP)
        t.check(d.wait_log(want, timeout=5),
                "broken reload: log has '%s'" % want.replace(d.config, "F"), d.log_tail())
        t.check(d.alive(), "broken reload: daemon keeps running", d.log_tail())
        t.check(close_to(max_error_s(d), 0.00025),
                "broken reload: old config kept (max_error_s still 0.00025)",
                "max_error_s=%r" % max_error_s(d))
        r = T.run_tsctl(["--socket", sock, "status"])
        t.eq(r.returncode, 0, "broken reload: tsctl status still answers")

        # A broken config that names the socket elsewhere must not move it.
        T.write_file(d.config, "status:\n  socket: %s\n  max_clients: 0\n" % t.path("other.sock")
                     + T.audit_config(t.path("audit.log")))
        d.send_signal(signal.SIGHUP)
        t.check(d.wait_log("status.max_clients:", timeout=5),
                "second broken reload logged", d.log_tail())
        t.check(os.path.exists(sock) and not os.path.exists(t.path("other.sock")),
                "broken reload: socket stays where it was")

        # Fixing the file again works.
        T.write_file(d.config, v1 + "tolerance:\n  max_error: 2ms\n")
        d.send_signal(signal.SIGHUP)
        t.check(T.poll_until(lambda: close_to(max_error_s(d), 0.002), timeout=5),
                "a later valid reload is applied (max_error_s 0.002)",
                "max_error_s=%r" % max_error_s(d))
        t.check(not sub.eof, "subscriber still connected after the reloads")
        sub.close()
        sub = None
        d.stop_and_check()
    finally:
        if sub:
            sub.close()
        d.kill()


_pending = {}


def read_lines(proc, n, timeout):
    """Up to n stdout lines of a running process, within timeout. Reads the
    raw pipe (a buffered readline() would hide lines already read from the
    pipe from select()); bytes after the last newline wait for the next call."""
    import selectors
    fd = proc.stdout.fileno()
    buf = _pending.pop(fd, b"")
    out = []
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while True:
        while b"\n" in buf and len(out) < n:
            line, buf = buf.split(b"\n", 1)
            out.append(line.decode() + "\n")
        if len(out) >= n or time.monotonic() >= deadline:
            break
        if sel.select(timeout=max(0.01, deadline - time.monotonic())):
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
    sel.close()
    _pending[fd] = buf
    return out


def test_watch(t):
    """tsctl --json watch: subscribe reply, events, exit 3 when the daemon goes."""
    sock = t.path("w.sock")
    d = T.Daemon(t, T.base_config(sock), sock=sock, name="watch")
    w = None
    try:
        d.start()
        w = T.subprocess.Popen([T.TSCTL, "--socket", sock, "--json", "watch"],
                               stdin=T.subprocess.DEVNULL, stdout=T.subprocess.PIPE,
                               stderr=T.subprocess.PIPE, text=True, bufsize=1)
        first = read_lines(w, 2, 5)
        msgs = [T.json.loads(x) for x in first]
        t.check(len(msgs) == 2 and msgs[0].get("ok") is True
                and msgs[0]["data"].get("subscribed") is True
                and msgs[1].get("event") == "status",
                "tsctl --json watch prints the subscribe reply and a status event at once",
                "lines=%r" % first)
        T.write_file(d.config, T.base_config(sock) + "tolerance:\n  max_error: 50us\n")
        d.send_signal(signal.SIGHUP)
        more = read_lines(w, 1, 5)
        ev = T.json.loads(more[0]) if more else {}
        t.check(close_to(((ev.get("data") or {}).get("tolerance") or {}).get("max_error_s"),
                         0.00005),
                "tsctl watch prints the status event after a reload", "lines=%r" % more)
        d.stop_and_check("watch daemon ")
        try:
            rc = w.wait(5)
        except T.subprocess.TimeoutExpired:
            rc = None
        t.eq(rc, 3, "tsctl watch exits 3 when the daemon goes away")
        err = w.stderr.read()
        t.contains(err, sock, "tsctl watch says which socket went away")
    finally:
        if w is not None and w.poll() is None:
            w.kill()
            w.wait()
        d.kill()


if __name__ == "__main__":
    T.main([test_reload, test_watch])
