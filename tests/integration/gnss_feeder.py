#!/usr/bin/env python3
"""gnss_feeder - a simulated GNSS receiver for the tests and the demo.

Serial mode (default): opens a pty pair, points --link at the slave
(a symlink, replaced if it exists) and writes one NMEA burst per second
for the current time (CLOCK_REALTIME) on the master: RMC + GGA + GSA (and
ZDA with --zda), the burst written --offset seconds after the second it
labels, as a receiver sends its sentences after the PPS edge they belong
to. Every write is logged on stdout with its lateness against the target
instant, so a test knows the real emission delay (--quiet: only the
bursts that did not fit).

Faults, each at the given 1-based burst numbers (comma lists):
  --bad-checksum N   the GGA of that burst has a wrong checksum
  --status-v N       the RMC of that burst says V (no fix); GGA quality 0
  --jump N           that burst is labelled one second late (S+1): a
                     one-second jump forward, and back at the next burst

Log mode (--log FILE --start UNIX --seconds N): writes N seconds of the
same bursts, labelled from --start, to FILE (for gpsfake) and exits.

Stdlib only. The master is non-blocking: with nobody reading the slave,
bursts that do not fit are dropped (and counted), never blocking. SIGTERM
or SIGINT removes the link and the pid file and exits 0.
"""

import argparse
import fcntl
import os
import signal
import sys
import time
import tty

POSITION = ("4807.0380", "N", "01131.0000", "E")


def checksum(body):
    x = 0
    for ch in body.encode("ascii"):
        x ^= ch
    return x


def sentence(body, bad=False):
    cs = checksum(body)
    if bad:
        cs ^= 0x5A
    return "$%s*%02X\r\n" % (body, cs)


def burst(label_s, talker="GP", sats=8, zda=False, bad_checksum=False, status_v=False):
    """The sentences of one epoch labelled label_s (Unix seconds, UTC)."""
    t = time.gmtime(label_s)
    hms = "%02d%02d%02d.00" % (t.tm_hour, t.tm_min, t.tm_sec)
    dmy = "%02d%02d%02d" % (t.tm_mday, t.tm_mon, t.tm_year % 100)
    lat, ns, lon, ew = POSITION
    status, mode, quality = ("V", "N", 0) if status_v else ("A", "A", 1)
    prns = ["%02d" % p for p in (4, 5, 9, 12, 15, 17, 18, 22, 24, 26, 27, 29)[:sats]]
    prns += [""] * (12 - len(prns))
    out = [
        sentence("%sRMC,%s,%s,%s,%s,%s,%s,0.0,0.0,%s,,,%s"
                 % (talker, hms, status, lat, ns, lon, ew, dmy, mode)),
        sentence("%sGGA,%s,%s,%s,%s,%s,%d,%02d,0.9,545.4,M,46.9,M,,"
                 % (talker, hms, lat, ns, lon, ew, quality, sats), bad=bad_checksum),
        sentence("%sGSA,A,%d,%s,1.5,0.9,1.2" % (talker, 1 if status_v else 3, ",".join(prns))),
    ]
    if zda:
        out.append(sentence("%sZDA,%s,%02d,%02d,%04d,00,00"
                            % (talker, hms, t.tm_mday, t.tm_mon, t.tm_year)))
    return "".join(out)


def numbers(text):
    return {int(x) for x in text.split(",") if x.strip()} if text else set()


def write_log(args):
    with open(args.log, "w") as f:
        for i in range(args.seconds):
            f.write(burst(args.start + i, args.talker, args.sats, args.zda))
    return 0


class Pty:
    def __init__(self, link):
        self.link = link
        self.master, self.slave = os.openpty()
        # Raw, so that nothing is echoed back or cooked before tsyncd
        # opens the slave (and sets it raw itself).
        tty.setraw(self.slave)
        fl = fcntl.fcntl(self.master, fcntl.F_GETFL)
        fcntl.fcntl(self.master, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        self.name = os.ttyname(self.slave)
        tmp = link + ".tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self.name, tmp)
        os.replace(tmp, link)

    def write(self, data):
        """True if all of data went out; False if the pty was full."""
        try:
            n = os.write(self.master, data.encode("ascii"))
        except BlockingIOError:
            return False
        return n == len(data)

    def close(self):
        try:
            if os.path.islink(self.link) and os.readlink(self.link) == self.name:
                os.unlink(self.link)
        except OSError:
            pass


def serve(args):
    faults = {"bad_checksum": numbers(args.bad_checksum), "status_v": numbers(args.status_v),
              "jump": numbers(args.jump)}
    pty = Pty(args.link)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("feeder: %s -> %s, offset %.3f s" % (args.link, pty.name, args.offset), flush=True)
    n = 0
    dropped = 0
    t_end = time.time() + args.duration if args.duration > 0 else None
    try:
        while t_end is None or time.time() < t_end:
            now = time.time()
            second = int(now) + 1 if now - int(now) >= args.offset else int(now)
            target = second + args.offset
            time.sleep(max(0.0, target - time.time()))
            n += 1
            label = second + (1 if n in faults["jump"] else 0)
            data = burst(label, args.talker, args.sats, args.zda,
                         bad_checksum=n in faults["bad_checksum"],
                         status_v=n in faults["status_v"])
            ok = pty.write(data)
            late = time.time() - target
            if not ok:
                dropped += 1
            tags = [k for k, v in faults.items() if n in v]
            if args.quiet and ok:
                continue
            print("burst %d label %d late %.6f%s%s" % (n, label, late, " " + ",".join(tags)
                                                        if tags else "",
                                                        "" if ok else " dropped(full)"),
                  flush=True)
    finally:
        pty.close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--link", help="path of the symlink to the pty slave")
    p.add_argument("--pidfile")
    p.add_argument("--offset", type=float, default=0.1,
                   help="seconds after the second at which its burst is written (0.1)")
    p.add_argument("--talker", default="GP")
    p.add_argument("--sats", type=int, default=8)
    p.add_argument("--zda", action="store_true")
    p.add_argument("--bad-checksum", default="")
    p.add_argument("--status-v", default="")
    p.add_argument("--jump", default="")
    p.add_argument("--duration", type=float, default=0, help="seconds; 0: until killed")
    p.add_argument("--quiet", action="store_true", help="log only dropped bursts")
    p.add_argument("--log", help="log mode: write bursts to this file and exit")
    p.add_argument("--start", type=int, help="log mode: first label, Unix seconds")
    p.add_argument("--seconds", type=int, default=60, help="log mode: bursts to write")
    args = p.parse_args()
    if not 0 <= args.offset < 0.9 or not 1 <= args.sats <= 12:
        p.error("--offset must be in [0, 0.9) and --sats in 1..12")
    if args.log:
        if args.start is None:
            p.error("--log needs --start")
        return write_log(args)
    if not args.link:
        p.error("--link is required (or --log)")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
