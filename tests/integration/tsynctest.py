"""
tsynctest - shared helpers for the tsync integration tests.

Stdlib only. Each test script builds a Tap, runs a few test functions
through tap.run(), and ends with tap.exit(). Binaries come from the
environment the automake harness exports (TSYNCD, TSCTL, TOP_SRCDIR);
when a script is run by hand they default to the build tree next to the
source tree.

Rules kept here so that no test can hang or leak a daemon:
  - every wait has a deadline; the whole script has one too (SIGALRM,
    TSYNC_TEST_TIMEOUT seconds, default 60);
  - every daemon started is registered and killed on the way out;
  - exit 77 (SKIP) only for a missing external tool, via tap.skip().
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
TSYNCD = os.environ.get("TSYNCD") or os.path.join(TOP_SRCDIR, "src", "tsyncd")
TSCTL = os.environ.get("TSCTL") or os.path.join(TOP_SRCDIR, "src", "tsctl", "tsctl")

SKIP = 77
SANITIZER_MARKERS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer")
SCRIPT_TIMEOUT_S = float(os.environ.get("TSYNC_TEST_TIMEOUT", "60"))

_live_daemons = []


class TestTimeout(BaseException):
    """Raised by SIGALRM when the whole script overruns its deadline.
    A BaseException so that `except Exception` in tests does not eat it."""


class CheckFailed(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout("script deadline of %.0f s exceeded" % SCRIPT_TIMEOUT_S)


def _on_term(signum, frame):
    # Killed by a harness timeout: still stop our daemons on the way out.
    raise TestTimeout("terminated by signal %d" % signum)


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


class Tap:
    """TAP-like output: one 'ok N - name' / 'not ok N - name' per check."""

    def __init__(self, prefix="tsync-"):
        self.n = 0
        self.failed = 0
        self.tmp = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.signal(signal.SIGTERM, _on_term)
        signal.setitimer(signal.ITIMER_REAL, SCRIPT_TIMEOUT_S)
        for name, path in (("TSYNCD", TSYNCD), ("TSCTL", TSCTL)):
            if not os.access(path, os.X_OK):
                # Not a skip: the binaries are ours, their absence is a failure.
                self.check(False, "%s is executable (%s)" % (name, path))

    def path(self, name):
        return os.path.join(self.tmp, name)

    def check(self, cond, name, detail=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name), flush=True)
            if detail is not None:
                diag(detail)
        return bool(cond)

    def eq(self, got, want, name):
        return self.check(got == want, name, "got  %r\nwant %r" % (got, want))

    def contains(self, text, needle, name):
        return self.check(needle in (text or ""), name,
                          "%r not found in:\n%s" % (needle, text))

    def run(self, fn):
        """Run one test function; an exception is one failed check."""
        try:
            fn(self)
        except TestTimeout as e:
            self.check(False, "%s: %s" % (fn.__name__, e))
            raise
        except Exception as e:  # noqa: BLE001 - report and go on
            import traceback
            self.check(False, "%s raised %s: %s" % (fn.__name__, type(e).__name__, e),
                       traceback.format_exc())

    def skip(self, why):
        print("1..0 # SKIP %s" % why, flush=True)
        self._cleanup(keep=False)
        sys.exit(SKIP)

    def _cleanup(self, keep):
        for d in list(_live_daemons):
            d.kill()
        if keep:
            diag("test files kept in %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def exit(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        print("1..%d" % self.n, flush=True)
        self._cleanup(keep=self.failed > 0)
        sys.exit(0 if self.failed == 0 and self.n > 0 else 1)


def main(tests, prefix="tsync-"):
    """Run test functions in order; always exit through tap.exit()."""
    tap = Tap(prefix)
    try:
        for fn in tests:
            tap.run(fn)
    except TestTimeout:
        pass
    finally:
        for d in list(_live_daemons):
            d.kill()
    tap.exit()


# ------------------------------------------------------------------ processes

def run(argv, timeout=10, **kw):
    """Run a command to completion; returns CompletedProcess (text)."""
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=timeout, **kw)


def run_tsctl(args, timeout=10):
    return run([TSCTL] + list(args), timeout=timeout)


def run_tsyncd(args, timeout=10):
    return run([TSYNCD] + list(args), timeout=timeout)


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def audit_config(path, summary_interval=None):
    """The audit section of a test config. Every daemon a test starts must
    write its audit log to a temp path: the default is /var/lib/tsyncd."""
    text = "audit:\n  file: %s\n" % path
    if summary_interval is not None:
        text += "  summary_interval: %s\n" % summary_interval
    return text


def base_config(sock, extra="", max_clients=64, idle_timeout="60s", audit_file=None,
                shm=None, summary_interval=None):
    """A minimal valid config text with our socket; `extra` is appended
    (top-level YAML sections other than status, log and audit). The audit
    log goes next to the socket (audit.log) unless audit_file is given, and
    so does the shared-memory clock page (clock) unless shm is given ("" to
    disable it): the defaults are under /var/lib and /run. summary_interval
    sets audit.summary_interval (None: the daemon's default)."""
    here = os.path.dirname(sock) or tempfile.gettempdir()
    if audit_file is None:
        audit_file = os.path.join(here, "audit.log")
    if shm is None:
        shm = os.path.join(here, "clock")
    return ("status:\n"
            "  socket: %s\n"
            "  max_clients: %d\n"
            "  idle_timeout: %s\n"
            "  shm: %s\n"
            "log:\n"
            "  level: info\n" % (sock, max_clients, idle_timeout, json.dumps(shm))
            + audit_config(audit_file, summary_interval)) + extra


class Daemon:
    """A tsyncd in the foreground, stdout+stderr captured to a file."""

    def __init__(self, tap, config_text=None, config_path=None, sock=None,
                 name="tsyncd", wrapper=(), umask=None, env=None):
        self.tap = tap
        self.name = name
        self.sock = sock
        self.config = config_path or tap.path(name + ".yaml")
        if config_text is not None:
            write_file(self.config, config_text)
        self.log = tap.path(name + ".log")
        self.wrapper = list(wrapper)
        self.umask = umask
        self.env = env
        self.proc = None
        self.rc = None

    @property
    def pid(self):
        return self.proc.pid

    def start(self, wait=True, timeout=10):
        logf = open(self.log, "ab")
        kw = {}
        if self.umask is not None:
            kw["umask"] = self.umask
        if self.env is not None:
            kw["env"] = self.env
        self.proc = subprocess.Popen(self.wrapper + [TSYNCD, "-n", "-f", self.config],
                                     stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, **kw)
        logf.close()
        _live_daemons.append(self)
        if wait:
            self.wait_ready(timeout)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=10):
        """Poll until the socket answers a version request."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise CheckFailed("%s exited early with %s; log:\n%s"
                                  % (self.name, self.proc.returncode, self.log_text()))
            try:
                with Client(self.sock, timeout=1) as c:
                    c.send(b'{"cmd":"version"}\n')
                    reply = c.json_line(timeout=1)
                    if reply.get("ok") is True:
                        return
                    last = reply
            except (OSError, ValueError, CheckFailed) as e:
                last = e
            time.sleep(0.02)
        raise CheckFailed("%s did not answer on %s within %.0f s (last: %r); log:\n%s"
                          % (self.name, self.sock, timeout, last, self.log_text()))

    def send_signal(self, sig, pid=None):
        os.kill(pid or self.pid, sig)

    def wait(self, timeout=10):
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.rc = None
        return self.rc

    def stop(self, sig=signal.SIGTERM, timeout=10, pid=None):
        """SIGTERM and wait. Returns the exit code (None if it had to be killed)."""
        if self.alive():
            self.send_signal(sig, pid)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
        if self in _live_daemons:
            _live_daemons.remove(self)
        return rc

    def stop_and_check(self, what=""):
        """SIGTERM; check exit 0 and that the socket file is gone."""
        rc = self.stop()
        t = self.tap
        ok = t.check(rc == 0, "%sSIGTERM: %s exits 0" % (what, self.name),
                     "rc=%r; log:\n%s" % (rc, self.log_tail()))
        if self.sock:
            ok &= t.check(not os.path.lexists(self.sock),
                          "%sSIGTERM: socket file %s removed" % (what, self.sock))
        ok &= self.check_sanitizers(what)
        return ok

    def check_sanitizers(self, what=""):
        """No ASan/UBSan/LSan report in the daemon's output (sanitizer builds)."""
        text = self.log_text()
        hits = [m for m in SANITIZER_MARKERS if m in text]
        return self.tap.check(not hits, "%s%s log has no sanitizer report" % (what, self.name),
                              self.log_tail(60))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self in _live_daemons:
            _live_daemons.remove(self)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def wait_log(self, needle, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def status(self):
        """`tsctl --json status` parsed (raises on failure)."""
        r = run_tsctl(["--socket", self.sock, "--json", "status"])
        if r.returncode != 0:
            raise CheckFailed("tsctl status exit %d: %s" % (r.returncode, r.stderr))
        return json.loads(r.stdout)


# ------------------------------------------------------------------ raw client

class Client:
    """A raw control-socket client reading one line at a time."""

    def __init__(self, path, timeout=5, connect=True):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False
        if connect:
            self.sock.connect(path)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def request(self, obj_or_line, timeout=5):
        line = obj_or_line if isinstance(obj_or_line, (bytes, str)) \
            else json.dumps(obj_or_line)
        if isinstance(line, str):
            line = line.encode()
        if not line.endswith(b"\n"):
            line += b"\n"
        self.send(line)
        return self.json_line(timeout)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("no complete line within deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            # A peer that closes with our bytes unread resets us (AF_UNIX).
            chunk = b""
        if not chunk:
            self.eof = True
        self.buf += chunk

    def line(self, timeout=5):
        """One line as bytes including '\\n'; b'' at EOF; raises socket.timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                rest, self.buf = self.buf, b""
                return rest
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def json_line(self, timeout=5):
        raw = self.line(timeout)
        if not raw:
            raise CheckFailed("connection closed instead of a reply")
        return json.loads(raw)

    def wait_eof(self, timeout=5):
        """True if the peer closes (after any pending lines) within timeout."""
        deadline = time.monotonic() + timeout
        try:
            while not self.eof:
                self.buf = b""
                self._fill(deadline)
        except (socket.timeout, TimeoutError):
            return False
        return True


def connect_many(path, n, timeout=5):
    out = []
    for _ in range(n):
        out.append(Client(path, timeout=timeout))
    return out


def error_code(reply):
    """error.code of an error reply, or a description of what it was."""
    if not isinstance(reply, dict):
        return "<not an object: %r>" % (reply,)
    if reply.get("ok") is not False:
        return "<ok=%r>" % reply.get("ok")
    err = reply.get("error")
    if not isinstance(err, dict):
        return "<no error object>"
    return err.get("code")


def is_error_reply(reply, code):
    """The full v1 error envelope with the given code and a message."""
    return (isinstance(reply, dict) and reply.get("ok") is False
            and reply.get("version") == 1
            and isinstance(reply.get("error"), dict)
            and reply["error"].get("code") == code
            and isinstance(reply["error"].get("message"), str)
            and reply["error"]["message"] != "")


def strip_uptime(line):
    """A reply line with the ever-changing ages (uptime_s, state_age_s)
    blanked."""
    return re.sub(r'"(uptime_s|state_age_s)":\s*[-0-9.eE+]+', r'"\1":X', line)


def poll_until(fn, timeout=5, interval=0.05):
    """Call fn until it returns truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)

