#!/usr/bin/env python3
"""
Kernel coherence (issue 3 item 7): with a disciplining driver, the clock's
maxerror and esterror are tsyncd's max_error and u after every update,
STA_UNSYNC is set until the estimate is locked, and the TAI offset comes
from the leap table. The sim driver stands in for the kernel (its status is
what clock_adjtime would hold), so this machine's clock is never touched;
the system driver's writes are unit-tested in check_clock.
"""
import os

import labpeers
import tsynctest as T

# The servo converges on the simulated clock in about a minute.
if "TSYNC_TEST_TIMEOUT" not in os.environ:
    T.SCRIPT_TIMEOUT_S = 240.0


def kernel(d):
    data = d.status()["data"]
    return data["clock"].get("kernel", {}), data.get("estimate"), data["state"]


def test_kernel_follows_estimate(t):
    port = labpeers.free_udp_port()
    labpeers.start_testserver(port, tmpdir=t.path("ntp"))
    sock = t.path("k.sock")
    extra = ("clock:\n  driver: sim\n  discipline: true\n"
             "  sim: {initial_offset: 300us, frequency_offset: 5ppm, noise: 1us}\n"
             "sources:\n  - {name: lab, type: ntp, server: 127.0.0.1, port: %d, poll: 0, "
             "iburst: true}\n" % port)
    d = T.Daemon(t, T.base_config(sock, extra=extra), sock=sock, name="kernel").start()
    try:
        k, est, state = kernel(d)
        t.check(k.get("unsync") is True, "before a lock the kernel is told: unsynchronised",
                repr(k))
        t.check(T.poll_until(lambda: kernel(d)[2] == "locked", 180),
                "the sim clock is disciplined to the NTP source and locks", d.log_tail())
        t.check(T.poll_until(lambda: kernel(d)[0].get("unsync") is False, 5),
                "once locked STA_UNSYNC is cleared", repr(kernel(d)[0]))
        k, est, state = kernel(d)
        me, u = est["max_error_s"], est["u_s"]
        # Written at the last update (<= 1 s ago), in whole microseconds,
        # while max_error grows at max_error_rate.
        slack = 1e-6 + abs(est.get("max_error_rate", 0)) * 1.5
        t.check(abs(k["maxerror_s"] - me) <= slack + 2e-6,
                "kernel maxerror is the published max_error (%.3g vs %.3g s)"
                % (k["maxerror_s"], me))
        t.check(abs(k["esterror_s"] - u) <= 2e-6 + 0.1 * u,
                "kernel esterror is the published u (%.3g vs %.3g s)" % (k["esterror_s"], u))
        t.eq(k.get("tai_offset_s"), 37, "kernel TAI offset from the leap table (37 s)")
        t.eq(k.get("leap"), "none", "no leap flag armed (no leap due)")
        d.stop_and_check("kernel: ")
    finally:
        d.kill()


if __name__ == "__main__":
    T.main([test_kernel_follows_estimate], prefix="tsync-kernel-")
