#!/bin/sh
# test_catalogue.sh RUNNER: every scenario of the catalogue can fail. An implementation that
# does nothing and succeeds (/bin/true) or does nothing and fails (/bin/false) must fail every
# scenario: a scenario that passes against either checks nothing the implementation does.
set -u
runner=$1
out=$(mktemp); trap 'rm -f "$out"' EXIT
fails=0
for impl in /bin/true /bin/false; do
  "$runner" --impl "$impl" > "$out" 2>&1
  if grep -q '^PASS ' "$out"; then
    echo "FAILED: these scenarios pass against $impl:"; grep '^PASS ' "$out"; fails=1
  fi
  tail -n 1 "$out"
done
exit $fails
