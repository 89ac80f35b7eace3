#!/usr/bin/env python3
"""
Admin commands on the control socket (tsyncd(8), "CONTROL SOCKET"):
`reload` is accepted from root and from members of status.admin_group,
as SO_PEERCRED shows them, and refused to anyone else with
permission_denied; read-only commands stay open to every peer that can
connect. The unprivileged peer is uid/gid 65534 (nobody/nogroup) through
setpriv, on a socket made world-writable for the test.
"""
import os
import shutil

import tsynctest as T

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def config(t, sock, admin_group=""):
    text = T.base_config(sock)
    return text.replace("  shm:", "  admin_group: %s\n  shm:" % (admin_group or '""'), 1)


def start(t, name, admin_group=""):
    sock = t.path(name + ".sock")
    d = T.Daemon(t, config(t, sock, admin_group), sock=sock, name=name).start()
    os.chmod(sock, 0o666)
    return d


def reloads(d):
    return d.log_text().count("config_reloaded")


def tsctl_as_nobody(sock, *args):
    return T.run(NOBODY + [T.TSCTL, "--socket", sock] + list(args))


def test_root_may_reload(t):
    d = start(t, "root")
    r = T.run_tsctl(["--socket", d.sock, "reload"])
    t.eq(r.returncode, 0, "root: tsctl reload exits 0")
    t.contains(r.stdout, "reload requested", "root: tsctl says the reload was requested")
    t.check(T.poll_until(lambda: reloads(d) == 1, timeout=5),
            "root: the daemon reloaded its configuration (config_reloaded logged)", d.log_tail())
    t.contains(d.log_text(), "reload requested by control client", "root: the request is logged with its peer")
    d.stop_and_check("root: ")


def test_others_are_refused(t):
    d = start(t, "other")
    r = tsctl_as_nobody(d.sock, "reload")
    t.eq(r.returncode, 1, "nobody: tsctl reload exits 1 (the daemon answered with an error)")
    t.contains(r.stderr, "permission_denied", "nobody: the error code is permission_denied")
    r = tsctl_as_nobody(d.sock, "--json", "status")
    t.eq(r.returncode, 0, "nobody: status is still answered")
    t.check(reloads(d) == 0, "nobody: no reload happened", d.log_tail())
    t.contains(d.log_text(), "reload denied", "nobody: the refusal is logged")
    d.stop_and_check("other: ")


def test_admin_group_may_reload(t):
    d = start(t, "group", admin_group="nogroup")
    r = tsctl_as_nobody(d.sock, "reload")
    t.eq(r.returncode, 0, "admin_group nogroup: nobody's tsctl reload exits 0")
    t.check(T.poll_until(lambda: reloads(d) == 1, timeout=5),
            "admin_group nogroup: the daemon reloaded", d.log_tail())
    d.stop_and_check("group: ")


def main():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        tap = T.Tap("tsync-admin-")
        tap.skip("needs root and setpriv to act as another user")
    # nobody must reach the socket inside the test's directory.
    T.main([lambda t: os.chmod(t.tmp, 0o755), test_root_may_reload,
            test_others_are_refused, test_admin_group_may_reload], prefix="tsync-admin-")


if __name__ == "__main__":
    main()
