#!/bin/sh
# test_world.sh RUNNER FAKE_IMPL SCENARIO_DIR: the runner with the real mock world
# (mocks/world): a smoke scenario passes, an invalid world document fails naming its field.
set -u
runner=$1; impl=$2; dir=$3
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$runner" --scenarios "$dir" --impl "/bin/sh $impl" --jobs 2 --verbose > "$out" 2>&1
rc=$?
cat "$out"
fails=0
grep -q '^PASS WORLD-SMOKE ' "$out" || { echo "FAILED: WORLD-SMOKE should pass"; fails=1; }
grep -q '^FAIL WORLD-INVALID ' "$out" || { echo "FAILED: WORLD-INVALID should fail"; fails=1; }
grep -q 'cannot build the mock world: .*containers' "$out" || { echo "FAILED: the world error names the field"; fails=1; }
[ "$(tail -n 1 "$out")" = "1 passed, 1 failed, 0 skipped" ] || { echo "FAILED: summary"; fails=1; }
[ $rc -eq 1 ] || { echo "FAILED: exit status $rc, expected 1"; fails=1; }
exit $fails
