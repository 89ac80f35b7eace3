#!/usr/bin/env python3
"""
test_shmclock - tsyncd publishes the shared-memory clock page (status.shm)
and libtsclock's example program reads it: the page exists with mode 0644
and a valid header, the example reports "unsynchronized" without sources
(exit 1), and after SIGTERM the page is marked stopped (exit 2, "stale").

TSCLOCK_EXAMPLE names the example program; by hand it defaults to
../../contrib/examples/tsclock_example from $TSCTL's directory.
"""

import os
import stat
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

EXAMPLE = os.environ.get("TSCLOCK_EXAMPLE") or os.path.normpath(os.path.join(
    os.path.dirname(T.TSCTL), "..", "..", "contrib", "examples", "tsclock_example"))
PAGE_BYTES = 4096
D = {}


def example(path):
    return T.run([EXAMPLE, path])


def test_start(t):
    t.check(os.access(EXAMPLE, os.X_OK), "example program is executable (%s)" % EXAMPLE)
    sock = t.path("s.sock")
    D["shm"] = os.path.join(t.tmp, "run", "clock")  # the directory is created
    D["d"] = T.Daemon(t, T.base_config(sock, shm=D["shm"]), sock=sock, umask=0o077).start()


def test_page(t):
    shm = D["shm"]
    st = os.stat(shm)
    t.eq(stat.S_IMODE(st.st_mode), 0o644, "page mode 0644 despite umask 077")
    t.eq(st.st_size, PAGE_BYTES, "page is %d bytes" % PAGE_BYTES)
    with open(shm, "rb") as f:
        head = f.read(24)
    magic, version, size, seq = struct.unpack("=4sIQQ", head)
    t.eq(magic, b"TSCK", "magic TSCK")
    t.eq(version, 1, "layout version 1")
    t.check(32 <= size <= PAGE_BYTES, "record size within the page", "size=%d" % size)
    t.eq(seq % 2, 0, "seqlock generation even (no write in progress)")
    leftovers = [n for n in os.listdir(os.path.dirname(shm)) if n != "clock"]
    t.eq(leftovers, [], "no temporary file left next to the page")


def test_example_unsynchronized(t):
    r = example(D["shm"])
    t.eq(r.returncode, 1, "example exits 1 (no estimate)")
    t.contains(r.stdout, "unsynchronized", "example prints state unsynchronized")
    t.contains(r.stdout, "not traceable", "example prints not traceable")


def test_example_env_path(t):
    env = dict(os.environ, TSCLOCK_PATH=D["shm"])
    r = T.run([EXAMPLE], env=env)
    t.eq(r.returncode, 1, "example with $TSCLOCK_PATH exits 1")


def test_updates(t):
    with open(D["shm"], "rb") as f:
        seq0 = struct.unpack("=Q", f.read(24)[16:24])[0]

    def advanced():
        with open(D["shm"], "rb") as f:
            return struct.unpack("=Q", f.read(24)[16:24])[0] > seq0
    t.check(T.poll_until(advanced, timeout=3), "page is rewritten every second")


def test_stopped(t):
    d = D["d"]
    d.stop_and_check()
    t.check(os.path.exists(D["shm"]), "page stays after exit")
    r = example(D["shm"])
    t.eq(r.returncode, 2, "example exits 2 after SIGTERM")
    t.contains(r.stdout, "stale", "example reports stale")
    t.contains(r.stdout, "stopped", "example reports state stopped")


def test_missing_page(t):
    r = example(t.path("nonexistent"))
    t.eq(r.returncode, 3, "example exits 3 without a page")


def test_disabled(t):
    sock = t.path("off.sock")
    d = T.Daemon(t, T.base_config(sock, shm=""), sock=sock, name="noshm").start()
    t.check(not os.path.exists(t.path("clock")), 'status.shm "" creates no page')
    t.check(d.wait_log("shm_disabled"), "daemon logs shm_disabled")
    d.stop_and_check("shm off: ")


if __name__ == "__main__":
    T.main([test_start, test_page, test_example_unsynchronized, test_example_env_path,
            test_updates, test_stopped, test_missing_page, test_disabled], prefix="tsync-shm-")
