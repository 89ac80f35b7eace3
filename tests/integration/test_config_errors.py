#!/usr/bin/env python3
"""tsyncd -t on broken configs: exit 2 and 'FILE:LINE:COL: key.path: message'."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsynctest as T  # noqa: E402

# (name, yaml text, expected prefix after "F:", substrings of the message)
# Columns are 1-based and point at the offending value (or key, for an
# unknown key), as libyaml marks them.
CASES = [
    ("bad duration",
     "clock:\n  step_threshold: fast\n",
     '2:19: clock.step_threshold: expected a duration like "100ms", got "fast"', []),
    ("unknown key",
     "clock:\n  drivr: observe\n",
     "2:3: clock.drivr:", ["unknown key"]),
    ("unknown top-level key",
     "clocks:\n  driver: observe\n",
     "1:1: clocks:", ["unknown key"]),
    ("mapping where a scalar is expected",
     "clock:\n  step_threshold: {a: 1}\n",
     "2:19: clock.step_threshold:", ["got a mapping"]),
    ("scalar where a mapping is expected",
     "status: 5\n",
     "1:9: status:", ["expected a mapping"]),
    ("out of range",
     "status:\n  max_clients: 0\n",
     "2:16: status.max_clients:", ["out of range"]),
    ("out of range (too large)",
     "status:\n  max_clients: 100000\n",
     "2:16: status.max_clients:", ["out of range"]),
    ("bad enum",
     "clock:\n  driver: ptp\n",
     "2:11: clock.driver:", ["ptp", "observe"]),
    ("bad boolean",
     "clock:\n  discipline: maybe\n",
     "2:15: clock.discipline:", ["maybe"]),
    ("bad frequency",
     "clock:\n  max_frequency: 500\n",
     "2:18: clock.max_frequency:", ["500"]),
    ("bad log level",
     "log:\n  level: loud\n",
     "2:10: log.level:", ["loud"]),
    ("an ntp source without a server",
     "sources:\n  - {name: x, type: ntp}\n",
     "2:5: sources[0]:", ["missing required key \"server\""]),
    ("a key of another source type",
     "sources:\n  - {name: x, type: ptp, server: a.example}\n",
     "2:26: sources[0].server:", ["does not apply to a source of type ptp"]),
]


def check_case(t, name, text, want, extra):
    f = T.write_file(t.path(re.sub(r"\W+", "_", name) + ".yaml"), text)
    r = T.run_tsyncd(["-t", "-f", f])
    t.check(r.returncode == 2, "%s: exit 2" % name,
            "rc=%d stderr=%r" % (r.returncode, r.stderr))
    t.contains(r.stderr, "%s:%s" % (f, want), "%s: stderr has '%s:%s'" % (name, "F", want))
    for s in extra:
        t.contains(r.stderr, s, "%s: message contains %r" % (name, s))
    t.eq(r.stdout, "", "%s: nothing on stdout" % name)


def test_cases(t):
    for name, text, want, extra in CASES:
        check_case(t, name, text, want, extra)


def test_yaml_syntax_error(t):
    for i, text in enumerate(["clock:\n  driver: \"observe\n",
                              "clock:\n  driver: observe\n   discipline: true\n",
                              "clock: [observe\n"]):
        f = T.write_file(t.path("syntax%d.yaml" % i), text)
        r = T.run_tsyncd(["-t", "-f", f])
        t.eq(r.returncode, 2, "yaml syntax error %d: exit 2" % i)
        t.check(re.search(re.escape(f) + r":\d+:\d+: ", r.stderr),
                "yaml syntax error %d: stderr has F:LINE:COL:" % i, "stderr=%r" % r.stderr)


def test_only_one_error_line(t):
    f = T.write_file(t.path("one.yaml"), "clock:\n  step_threshold: fast\n")
    r = T.run_tsyncd(["-t", "-f", f])
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    t.check(len(lines) == 1, "an invalid config gives exactly one error line",
            "stderr=%r" % r.stderr)


def test_shipped_config(t):
    f = os.path.join(T.TOP_SRCDIR, "conf", "tsyncd.yaml")
    t.check(os.path.isfile(f), "shipped conf/tsyncd.yaml exists")
    r = T.run_tsyncd(["-t", "-f", f])
    t.check(r.returncode == 0, "shipped conf/tsyncd.yaml is valid (tsyncd -t exits 0)",
            "rc=%d stderr=%r" % (r.returncode, r.stderr))


def test_empty_config(t):
    f = T.write_file(t.path("empty.yaml"), "")
    r = T.run_tsyncd(["-t", "-f", f])
    t.check(r.returncode == 0, "an empty config (all defaults) is valid",
            "rc=%d stderr=%r" % (r.returncode, r.stderr))


if __name__ == "__main__":
    T.main([test_cases, test_yaml_syntax_error, test_only_one_error_line,
            test_shipped_config, test_empty_config])
