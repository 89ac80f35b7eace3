#!/bin/sh
# Count individual checks across the automake test logs of a build tree:
# Check suites print "N%: Checks: C, Failures: F, Errors: E"; integration
# tests print TAP-like "ok N - ..." / "not ok N - ..." lines.
set -eu
build=${1:-build}
passed=0 failed=0 skipped=0
for log in $(find "$build/tests" -name '*.log' ! -name test-suite.log | sort); do
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1 || true)
	if [ -n "$line" ]; then
		c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		passed=$((passed + c - f - e)); failed=$((failed + f + e))
		continue
	fi
	ok=$(grep -cE '^ok [0-9]+' "$log" || true)
	nok=$(grep -cE '^not ok [0-9]+' "$log" || true)
	passed=$((passed + ok)); failed=$((failed + nok))
	trs=${log%.log}.trs
	if [ -f "$trs" ] && grep -q ':test-result: SKIP' "$trs"; then
		skipped=$((skipped + 1))
	elif [ -f "$trs" ] && grep -qE ':test-result: (FAIL|ERROR)' "$trs" && [ "$nok" -eq 0 ]; then
		failed=$((failed + 1))
	fi
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
