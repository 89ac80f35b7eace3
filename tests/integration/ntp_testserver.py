#!/usr/bin/env python3
"""ntp_testserver - a small NTPv4 server for the integration tests.

Stdlib only, UDP over IPv4. Answers client (mode 3) requests with server
(mode 4) replies whose receive and transmit timestamps are this host's
time.time_ns() plus --offset, so a test can place a server a known amount
off the other sources. It can also answer with kiss-o'-death packets
(--kod, --kod-after) and count the requests it receives (--count-file) so
that a test can tell when a client stopped polling.

It never reads or sets the clock beyond time.time_ns().

    ntp_testserver.py --port 11124 [--addr 127.0.0.1] [--offset 0.05]
        [--stratum 1] [--refid TEST] [--leap 0..3] [--kod DENY]
        [--kod-after N] [--root-delay S] [--root-dispersion S]
        [--count-file PATH] [--verbose]

Prints "ready" on stdout once the socket is bound; exits 0 on SIGTERM or
SIGINT.
"""

import argparse
import os
import signal
import socket
import struct
import sys
import time

NTP_UNIX_S = 2208988800          # 1900-01-01 to 1970-01-01
PACKET = struct.Struct("!BBbbII4sQQQQ")   # the 48-byte NTPv4 header
MODE_CLIENT, MODE_SERVER = 3, 4
LEAP_UNSYNC = 3
PRECISION_LOG2 = -20             # about 1 us: time.time_ns() on Linux


def ntp_from_unix_ns(ns):
    """64-bit NTP timestamp (era folded) of a Unix time in ns."""
    secs, frac_ns = divmod(ns, 1000000000)
    frac = (frac_ns << 32) // 1000000000
    return (((secs + NTP_UNIX_S) & 0xFFFFFFFF) << 32) | frac


def short_fixed(seconds):
    """NTP short format (unsigned 16.16 seconds), clamped."""
    v = int(round(seconds * 65536))
    return max(0, min(v, 0xFFFFFFFF))


def refid_bytes(text):
    raw = text.encode("ascii", "replace")[:4]
    return raw + b"\0" * (4 - len(raw))


def parse_args(argv):
    p = argparse.ArgumentParser(description="NTPv4 test server (mode 3 in, mode 4 out)")
    p.add_argument("--port", type=int, required=True, help="UDP port (0: any, printed on stderr)")
    p.add_argument("--addr", default="127.0.0.1", help="IPv4 address to bind")
    p.add_argument("--offset", type=float, default=0.0,
                   help="seconds added to the reply timestamps (0.05: 50 ms ahead)")
    p.add_argument("--stratum", type=int, default=1, choices=range(0, 17), metavar="0..16")
    p.add_argument("--refid", default="TEST", help="reference id, up to 4 ASCII characters")
    p.add_argument("--leap", type=int, default=0, choices=range(0, 4), metavar="0..3")
    p.add_argument("--kod", metavar="CODE",
                   help="answer with a kiss-o'-death (stratum 0, refid CODE: DENY, RATE, RSTR)")
    p.add_argument("--kod-after", type=int, metavar="N",
                   help="answer N requests normally, then kiss-o'-death (CODE from --kod, "
                        "default DENY)")
    p.add_argument("--root-delay", type=float, default=0.0, metavar="S")
    p.add_argument("--root-dispersion", type=float, default=0.0, metavar="S")
    p.add_argument("--count-file", metavar="PATH",
                   help="keep the number of requests received in this file")
    p.add_argument("--verbose", action="store_true", help="one stderr line per request")
    a = p.parse_args(argv)
    if a.kod_after is not None and a.kod_after < 0:
        p.error("--kod-after must be >= 0")
    if a.kod_after is not None and a.kod is None:
        a.kod = "DENY"
    if a.kod is not None and not (1 <= len(a.kod) <= 4 and a.kod.isascii()):
        p.error("--kod CODE must be 1 to 4 ASCII characters")
    if a.root_delay < 0 or a.root_dispersion < 0:
        p.error("--root-delay and --root-dispersion must be >= 0")
    return a


class Server:
    def __init__(self, args):
        self.a = args
        self.offset_ns = int(round(args.offset * 1e9))
        self.requests = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((args.addr, args.port))
        self.write_count()

    def write_count(self):
        """Replace the count file atomically: a reader never sees it half written."""
        if not self.a.count_file:
            return
        tmp = self.a.count_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.requests)
        os.replace(tmp, self.a.count_file)

    def kod_now(self):
        if self.a.kod is None:
            return False
        if self.a.kod_after is None:
            return True
        return self.requests > self.a.kod_after

    def reply(self, req, rx_ns):
        """The reply to one request, or None to ignore it."""
        if len(req) < PACKET.size:
            return None
        (lvm, _stratum, poll, _prec, _rdelay, _rdisp, _refid,
         _ref, _org, _rec, xmt) = PACKET.unpack_from(req)
        version, mode = (lvm >> 3) & 7, lvm & 7
        if mode != MODE_CLIENT or not 1 <= version <= 4:
            return None
        self.requests += 1
        self.write_count()
        if self.kod_now():
            # As ntpd sends it: LI unsynchronised, stratum 0, the code in
            # refid, the request's transmit timestamp echoed everywhere, so
            # a client that takes it for time gets nonsense, never a sample.
            return PACKET.pack((LEAP_UNSYNC << 6) | (version << 3) | MODE_SERVER,
                               0, poll, PRECISION_LOG2, 0, 0, refid_bytes(self.a.kod),
                               xmt, xmt, xmt, xmt), "kod " + self.a.kod
        rec = ntp_from_unix_ns(rx_ns + self.offset_ns)
        ref = ntp_from_unix_ns((rx_ns + self.offset_ns) // 1000000000 * 1000000000)
        tx_ns = time.time_ns() + self.offset_ns
        return PACKET.pack((self.a.leap << 6) | (version << 3) | MODE_SERVER,
                           self.a.stratum, poll, PRECISION_LOG2,
                           short_fixed(self.a.root_delay), short_fixed(self.a.root_dispersion),
                           refid_bytes(self.a.refid), ref, xmt, rec,
                           ntp_from_unix_ns(tx_ns)), "time"

    def serve(self):
        while True:
            data, peer = self.sock.recvfrom(2048)
            rx_ns = time.time_ns()
            out = self.reply(data, rx_ns)
            if out is None:
                if self.a.verbose:
                    log("ignored %d bytes from %s:%d" % (len(data), peer[0], peer[1]))
                continue
            pkt, what = out
            try:
                self.sock.sendto(pkt, peer)
            except OSError as e:
                log("sendto %s:%d: %s" % (peer[0], peer[1], e))
            if self.a.verbose:
                log("request %d from %s:%d: %s" % (self.requests, peer[0], peer[1], what))


def log(msg):
    sys.stderr.write("ntp_testserver: %s\n" % msg)
    sys.stderr.flush()


def on_signal(signum, frame):
    raise SystemExit(0)


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        srv = Server(args)
    except OSError as e:
        log("cannot bind %s:%d: %s" % (args.addr, args.port, e))
        return 1
    addr, port = srv.sock.getsockname()
    log("listening on %s:%d offset %+.9f s stratum %d refid %s leap %d%s"
        % (addr, port, args.offset, args.stratum, args.refid, args.leap,
           "" if args.kod is None else
           " kod %s after %s" % (args.kod, args.kod_after or 0)))
    print("ready", flush=True)
    try:
        srv.serve()
    except SystemExit:
        pass
    finally:
        srv.sock.close()
    log("exiting after %d requests" % srv.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
