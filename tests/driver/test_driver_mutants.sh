#!/bin/sh
# test_driver_mutants.sh RUNNER OPENSHELL MUTANT_DELETE MUTANT_PHASE: the DRV- scenarios
# catch two mutants of our driver (each impl/driver with one file replaced, tests/driver/mutants)
# and pass our own; a race fixed differently, declared through --impl-capabilities, is
# skipped, never passed.
set -u
runner=$1 openshell=$2 mutant_delete=$3 mutant_phase=$4
out=$(mktemp); caps=$(mktemp); trap 'rm -f "$out" "$caps"' EXIT
fails=0
expect_fail() { # IMPL SCENARIO...
  impl=$1; shift
  "$runner" --impl "$impl" --filter 'DRV-*' --jobs 2 > "$out" 2>&1
  code=$?
  [ "$code" = 1 ] || { echo "FAILED: $impl: the suite exited $code, not 1"; fails=1; }
  for id in "$@"; do
    grep -q "^FAIL $id " "$out" || { echo "FAILED: $impl is not caught by $id"; grep " $id " "$out"; fails=1; }
  done
  echo "$impl: $(grep '^FAIL ' "$out" | cut -d' ' -f2 | tr '\n' ' ')-- $(tail -n 1 "$out")"
}
expect_fail "$mutant_delete" DRV-DEL-OK DRV-DEL-RACE
expect_fail "$mutant_phase" DRV-PHASE-READY-FALSE-SANDBOXSUSPENDED

# Our own driver passes the races; declaring them fixed otherwise skips them.
printf '{"missing": ["upstream-delete-race", "upstream-stop-race"]}\n' > "$caps"
"$runner" --impl "$openshell" --impl-capabilities "$caps" --filter 'DRV-*-RACE' > "$out" 2>&1 || {
  echo "FAILED: the race scenarios with the capabilities declared missing"; cat "$out"; fails=1; }
grep -q '^SKIP DRV-DEL-RACE ' "$out" && grep -q '^SKIP DRV-STOP-RACE ' "$out" || {
  echo "FAILED: the declared race fixes were not skipped"; cat "$out"; fails=1; }
grep -q '^PASS ' "$out" && { echo "FAILED: a declared race fix passed"; fails=1; }
tail -n 1 "$out"
exit $fails
