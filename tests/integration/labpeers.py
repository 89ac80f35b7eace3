"""
labpeers - NTP peers for the integration tests (and scripts/demo.sh):
a real chronyd serving its local clock on 127.0.0.1, our own
ntp_testserver.py, and a tiny NTP client to check that they answer.

Stdlib only. Every process started here is registered with tsynctest the
way its Daemon objects are (tsynctest._live_daemons: anything with a
kill() method), so Tap cleanup and tsynctest.main() kill it on the way out
even after a failure or a script timeout; an atexit hook does the same
for users without a Tap.

chronyd runs with -x: it never adjusts or sets this host's clock. It is
only a server: no `server`/`pool` lines, no makestep, no RTC, and every
file it writes (pid, drift, dumps, NTS dumps, log) is inside its own
directory. Its command sockets are off (cmdport 0, bindcmdaddress /), so
it neither takes over the system chronyd's /run/chrony/chronyd.sock nor
answers chronyc.
"""

import atexit
import collections
import os
import pwd
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tsynctest as T  # noqa: E402

TESTSERVER = os.path.join(HERE, "ntp_testserver.py")
NTP_UNIX_S = 2208988800
PACKET = struct.Struct("!BBbbII4sQQQQ")

NtpReply = collections.namedtuple(
    "NtpReply", "offset stratum leap delay refid root_delay root_dispersion version mode poll")
NtpReply.__doc__ = """One NTP answer as seen by ntp_query(). offset and delay
in seconds (positive offset: the server is ahead of us); refid is the four
bytes as text when printable, else dotted quad; leap 0..3; mode 4 for a
server reply. A kiss-o'-death has stratum 0 and the code in refid."""


class PeerFailed(T.CheckFailed):
    pass


# ------------------------------------------------------------------ client

def _ntp_ts(unix_ns):
    secs, frac_ns = divmod(unix_ns, 1000000000)
    return (((secs + NTP_UNIX_S) & 0xFFFFFFFF) << 32) | ((frac_ns << 32) // 1000000000)


def _unix_ns(ntp_ts, near_ns):
    """Unix ns of a 64-bit NTP timestamp, in the era nearest near_ns."""
    secs = ntp_ts >> 32
    frac_ns = ((ntp_ts & 0xFFFFFFFF) * 1000000000) >> 32
    near_s = near_ns // 1000000000 + NTP_UNIX_S
    era = (near_s - secs + (1 << 31)) >> 32
    return (secs + (era << 32) - NTP_UNIX_S) * 1000000000 + frac_ns


def _refid_text(raw, stratum):
    if stratum <= 1 and all(32 <= b < 127 or b == 0 for b in raw):
        return raw.rstrip(b"\0").decode("ascii")
    return ".".join(str(b) for b in raw)


def ntp_query(port, addr="127.0.0.1", timeout=1.0):
    """One NTPv4 client request to addr:port. Returns an NtpReply, or None
    when nothing valid came back within timeout (seconds). The transmit
    timestamp is random and the reply must echo it, as the issue asks of
    tsyncd itself; our send time is kept locally."""
    nonce = random.getrandbits(64)
    req = PACKET.pack((0 << 6) | (4 << 3) | 3, 0, 0, 0, 0, 0, b"\0" * 4, 0, 0, 0, nonce)
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((addr, port))
        t1 = time.time_ns()
        try:
            s.send(req)
        except OSError:
            return None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data = s.recv(2048)
            except (socket.timeout, ConnectionRefusedError, OSError):
                # ECONNREFUSED arrives as an error on the next recv: no server.
                return None
            t4 = time.time_ns()
            if len(data) < PACKET.size:
                continue
            (lvm, stratum, poll, _prec, rdelay, rdisp, refid,
             _ref, org, rec, xmt) = PACKET.unpack_from(data)
            if org != nonce:
                continue
            t2, t3 = _unix_ns(rec, t1), _unix_ns(xmt, t4)
            offset = ((t2 - t1) + (t3 - t4)) / 2e9
            delay = ((t4 - t1) - (t3 - t2)) / 1e9
            if stratum == 0:
                offset = delay = None   # a KoD carries no time
            return NtpReply(offset, stratum, lvm >> 6, delay, _refid_text(refid, stratum),
                            rdelay / 65536.0, rdisp / 65536.0, (lvm >> 3) & 7, lvm & 7, poll)


def free_udp_port(addr="127.0.0.1"):
    """A UDP port nobody has bound on addr right now (the kernel's pick).
    There is a window before the caller binds it; the ports come from the
    ephemeral range, which servers rarely use."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ processes

class Peer:
    """A peer process, output captured to a log file, registered for cleanup
    in tsynctest._live_daemons (so Tap and tsynctest.main kill it)."""

    def __init__(self, name, argv, log, port, addr="127.0.0.1"):
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.port = port
        self.addr = addr
        self.proc = None
        self.rc = None

    def __repr__(self):
        return "<%s %s:%d pid %s>" % (self.name, self.addr, self.port,
                                      self.proc.pid if self.proc else None)

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        logf = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT)
        finally:
            logf.close()
        T._live_daemons.append(self)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal and wait; returns the exit code (None if it had to be killed)."""
        if self.alive():
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.rc = None
            self.kill()
        self._unregister()
        return self.rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._unregister()

    def _unregister(self):
        if self in T._live_daemons:
            T._live_daemons.remove(self)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=20):
        return "\n".join(self.log_text().splitlines()[-n:])

    def query(self, timeout=1.0):
        return ntp_query(self.port, self.addr, timeout)

    def wait_ntp(self, timeout=10, what="answers NTP"):
        """Until the port answers a synchronised reply (LI != 3, stratum
        1..15); raises PeerFailed with the log when it exits or times out."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise PeerFailed("%s exited with %s before it %s; log:\n%s"
                                 % (self.name, self.proc.returncode, what, self.log_tail()))
            last = self.query(timeout=0.5)
            if last is not None and last.leap != 3 and 1 <= last.stratum <= 15:
                return last
            time.sleep(0.1)
        raise PeerFailed("%s on %s:%d did not answer NTP within %.0f s (last reply %r); log:\n%s"
                         % (self.name, self.addr, self.port, timeout, last, self.log_tail()))

    def wait_log(self, needle, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return True
            if not self.alive():
                return needle in self.log_text()
            time.sleep(0.05)
        return False


def _kill_all_at_exit():
    for p in list(T._live_daemons):
        if isinstance(p, Peer):
            p.kill()


atexit.register(_kill_all_at_exit)


# ------------------------------------------------------------------ chronyd

def find_chronyd():
    """The chronyd binary, or None when chrony is not installed."""
    path = shutil.which("chronyd")
    if path is None:
        for cand in ("/usr/sbin/chronyd", "/usr/local/sbin/chronyd", "/sbin/chronyd"):
            if os.access(cand, os.X_OK):
                return cand
    return path


def chrony_conf(tmpdir, port, addr="127.0.0.1", extra_conf=""):
    """A server-only chrony.conf: local stratum 1 on addr:port, every file
    inside tmpdir, no command sockets, no sources, no makestep."""
    p = lambda name: os.path.join(tmpdir, name)  # noqa: E731
    return ("# written by tests/integration/labpeers.py: a lab NTP server only\n"
            "port %d\n"
            "bindaddress %s\n"
            "allow %s\n"
            "local stratum 1\n"
            "cmdport 0\n"
            "bindcmdaddress /\n"
            "driftfile %s\n"
            "pidfile %s\n"
            "dumpdir %s\n"
            "ntsdumpdir %s\n"
            % (port, addr, addr, p("chrony.drift"), p("chronyd.pid"), p("dump"), p("ntsdump"))
            + extra_conf + ("\n" if extra_conf and not extra_conf.endswith("\n") else ""))


def chronyd_argv(chronyd, conf):
    """-x never touches the clock; -d foreground, log to stderr. As root,
    -u root keeps chronyd from switching to _chrony, which could not write
    the drift file in a 0700 temp dir (and may not exist). As another user,
    -U skips chronyd's root check and -u names ourselves: it never drops
    privileges it does not have, but it looks the user up."""
    argv = [chronyd, "-x", "-d", "-f", conf]
    if os.geteuid() == 0:
        argv[1:1] = ["-u", "root"]
    else:
        argv[1:1] = ["-U", "-u", pwd.getpwuid(os.geteuid()).pw_name]
    return argv


def start_chronyd(tmpdir, port, extra_conf="", addr="127.0.0.1", name="chronyd", timeout=10):
    """Start chronyd as a lab NTP server on addr:port, its files in tmpdir
    (created if missing; one directory per instance). Returns a Peer once
    the port answers a synchronised NTP reply; raises PeerFailed otherwise
    (the peer is killed). Call it again with the same tmpdir and port to
    restart one that was stopped."""
    chronyd = find_chronyd()
    if chronyd is None:
        raise PeerFailed("chronyd is not installed")
    os.makedirs(tmpdir, mode=0o700, exist_ok=True)
    conf = T.write_file(os.path.join(tmpdir, "chrony.conf"),
                        chrony_conf(tmpdir, port, addr, extra_conf))
    # A pid file left by a killed instance stops chronyd if its pid was reused.
    try:
        os.unlink(os.path.join(tmpdir, "chronyd.pid"))
    except FileNotFoundError:
        pass
    peer = Peer(name, chronyd_argv(chronyd, conf), os.path.join(tmpdir, "chronyd.log"),
                port, addr)
    peer.start()
    try:
        peer.wait_ntp(timeout, "answered NTP")
    except BaseException:
        peer.kill()
        raise
    return peer


# ------------------------------------------------------------------ our server

def start_testserver(port, *args, tmpdir=None, addr="127.0.0.1", name="ntp_testserver",
                     timeout=5):
    """Start ntp_testserver.py on addr:port with extra arguments (strings or
    numbers: "--offset", 0.05). Its output goes to tmpdir/NAME.log (a fresh
    temp dir when tmpdir is None). Returns a Peer once it printed "ready";
    no NTP query is sent, so --count-file counts only the client's requests."""
    if tmpdir is None:
        import tempfile
        tmpdir = tempfile.mkdtemp(prefix="ntp-testserver-", dir="/tmp")
    os.makedirs(tmpdir, mode=0o700, exist_ok=True)
    argv = [sys.executable, TESTSERVER, "--port", str(port), "--addr", addr] + \
        [str(a) for a in args]
    peer = Peer(name, argv, os.path.join(tmpdir, name + ".log"), port, addr)
    start_at = len(peer.log_text())
    peer.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = peer.log_text()[start_at:]
        if "\nready\n" in "\n" + text:
            return peer
        if not peer.alive():
            peer.kill()
            raise PeerFailed("%s exited with %s before ready; log:\n%s"
                             % (name, peer.proc.returncode, text))
        time.sleep(0.02)
    peer.kill()
    raise PeerFailed("%s did not print ready within %.0f s; log:\n%s"
                     % (name, timeout, peer.log_tail()))


def read_count(path):
    """The request count an ntp_testserver keeps in --count-file (0 if none yet)."""
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


if __name__ == "__main__":
    # A manual check: python3 labpeers.py chronyd|testserver [ARGS...]
    import tempfile
    what = sys.argv[1] if len(sys.argv) > 1 else "chronyd"
    d = tempfile.mkdtemp(prefix="labpeers-", dir="/tmp")
    port = free_udp_port()
    if what == "chronyd":
        p = start_chronyd(d, port)
    else:
        p = start_testserver(port, *sys.argv[2:], tmpdir=d)
    for _ in range(3):
        print("%s %s:%d -> %r" % (p.name, p.addr, p.port, p.query()))
        time.sleep(0.5)
    print("stop rc=%r; log in %s:\n%s" % (p.stop(), d, p.log_tail()))
