#!/usr/bin/env python3
"""Least privilege: privdrop_apply() as tsyncd calls it, seen through the
kernel's own view (/proc/self/status) printed by tests/integration/privdrop_probe.

Runs as root (it switches users). Creates the system user tsync if it is
missing. Checked: uid/gid become tsync with no supplementary groups; the
effective and permitted sets are exactly the capabilities asked for
(CAP_SYS_TIME = 0x2000000, or none for observe mode); inheritable and
ambient are empty; the bounding set is emptied (or, without CAP_SETPCAP as
under a unit that omits it, left as it was); root cannot be regained; an
unknown user is a clear error; a non-root start changes nothing.
"""

import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

# The build tree is the one holding $TSYNCD (<builddir>/src/tsyncd).
PROBE = os.environ.get("PRIVDROP_PROBE") or os.path.join(
    os.path.dirname(os.path.dirname(T.TSYNCD)), "tests", "integration", "privdrop_probe")
USER = "tsync"
CAP_SYS_TIME = 1 << 25
CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE = 1 << 6, 1 << 7, 1 << 10


def parse(stdout):
    """The probe's "key=value" and /proc "Key:\tvalue" lines as a dict."""
    out = {}
    for line in stdout.splitlines():
        sep = "=" if line.startswith(("rc=", "err=", "setuid0=")) else ":"
        k, _, v = line.partition(sep)
        out[k.strip()] = v.strip()
    return out


def probe(args, wrapper=(), **kw):
    r = T.run(list(wrapper) + [PROBE] + list(args), **kw)
    return r, parse(r.stdout)


def ids(field):
    return [int(x) for x in field.split()] if field else []


def capmask(out, key):
    try:
        return int(out.get(key, ""), 16)
    except ValueError:
        return None


def ensure_user(t):
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    r = T.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
    t.check(r.returncode == 0, "created system user %s" % USER, r.stderr)
    return pwd.getpwnam(USER)


def check_dropped(t, what, r, out, pw, want_caps, want_bnd):
    t.check(r.returncode == 0 and out.get("rc") == "0", "%s: privdrop_apply returns 0" % what,
            "exit %d stdout:\n%s\nstderr:\n%s" % (r.returncode, r.stdout, r.stderr))
    t.eq(ids(out.get("Uid")), [pw.pw_uid] * 4, "%s: real/effective/saved/fs uid are %s" % (what, USER))
    t.eq(ids(out.get("Gid")), [pw.pw_gid] * 4, "%s: all gids are %s's group" % (what, USER))
    t.eq(ids(out.get("Groups")), [], "%s: no supplementary groups" % what)
    t.eq(capmask(out, "CapEff"), want_caps, "%s: CapEff is exactly %#x" % (what, want_caps))
    t.eq(capmask(out, "CapPrm"), want_caps, "%s: CapPrm is exactly %#x" % (what, want_caps))
    t.eq((capmask(out, "CapInh"), capmask(out, "CapAmb")), (0, 0),
         "%s: no inheritable or ambient capabilities" % what)
    t.eq(capmask(out, "CapBnd"), want_bnd, "%s: CapBnd is %#x" % (what, want_bnd))
    t.eq(out.get("setuid0"), "EPERM", "%s: setuid(0) afterwards fails with EPERM" % what)
    t.contains(r.stderr, "privileges_dropped", "%s: the switch is logged" % what)


def test_discipline(t):
    pw = ensure_user(t)
    r, out = probe([USER, "sys_time"])
    check_dropped(t, "discipline", r, out, pw, CAP_SYS_TIME, 0)


def test_observe(t):
    pw = ensure_user(t)
    r, out = probe([USER])
    check_dropped(t, "observe", r, out, pw, 0, 0)


def test_supplementary_groups_dropped(t):
    pw = ensure_user(t)
    if shutil.which("setpriv") is None:
        T.diag("setpriv not installed: supplementary groups not checked")
        return
    r, out = probe([USER, "sys_time"], wrapper=["setpriv", "--groups=4,20,100"])
    check_dropped(t, "with groups 4,20,100", r, out, pw, CAP_SYS_TIME, 0)


def test_unit_bounding_set(t):
    """The unit's CapabilityBoundingSet without CAP_SETPCAP: the bounding
    set cannot be emptied, but effective and permitted still are exact."""
    pw = ensure_user(t)
    if shutil.which("setpriv") is None:
        T.diag("setpriv not installed: reduced bounding set not checked")
        return
    bset = "-all,+sys_time,+net_bind_service,+setuid,+setgid"
    r, out = probe([USER, "sys_time"], wrapper=["setpriv", "--bounding-set", bset])
    check_dropped(t, "no CAP_SETPCAP", r, out, pw, CAP_SYS_TIME,
                  CAP_SYS_TIME | CAP_NET_BIND_SERVICE | CAP_SETUID | CAP_SETGID)
    t.contains(r.stderr, "privdrop_bounding_kept", "no CAP_SETPCAP: the kept bounding set is logged")


def test_unknown_user(t):
    r, out = probe(["tsync-no-such-user", "sys_time"])
    t.check(r.returncode != 0 and out.get("rc") == "-1", "unknown user: privdrop_apply fails",
            "exit %d stdout:\n%s" % (r.returncode, r.stdout))
    t.contains(out.get("err"), 'user "tsync-no-such-user" does not exist',
               "unknown user: the error names the user")
    t.contains(out.get("err"), "useradd", "unknown user: the error says how to create it")


def test_not_root(t):
    pw = ensure_user(t)

    def become():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)

    r, out = probe([USER, "sys_time"], preexec_fn=become)
    t.check(r.returncode == 0 and out.get("rc") == "1",
            "not root: privdrop_apply returns 1 and does nothing",
            "exit %d stdout:\n%s\nstderr:\n%s" % (r.returncode, r.stdout, r.stderr))
    t.eq(ids(out.get("Uid")), [pw.pw_uid] * 4, "not root: uid unchanged")
    t.contains(r.stderr, "not started as root", "not root: the log says why nothing was done")


if __name__ == "__main__":
    if not os.access(PROBE, os.X_OK):
        # Ours, so its absence is a failure, not a skip.
        print("not ok 1 - privdrop_probe is executable (%s)\n1..1" % PROBE)
        sys.exit(1)
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root: it switches users and capabilities")
        sys.exit(T.SKIP)
    T.main([test_discipline, test_observe, test_supplementary_groups_dropped,
            test_unit_bounding_set, test_unknown_user, test_not_root], prefix="tsync-pd-")
