#!/bin/sh
# test_real_docker.sh RUNNER OPENSHELL BUILD_IMAGE: `openshell-conformance --docker real`
# against our openshell on the real dockerd of $OSH_REAL_DOCKER_HOST: every scenario marked
# "real" must be SAME on the mocks and on the daemon, or a known difference listed in
# docs/conformance.md (reported as a skip). Exits 77 when no real daemon is reachable.
set -u
runner=$1; openshell=$2; build_image=$3
host=${OSH_REAL_DOCKER_HOST:-}
if [ -z "$host" ]; then
  echo "skip: OSH_REAL_DOCKER_HOST is not set (start one with scripts/real-dockerd.sh)"; exit 77
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "skip: the docker CLI is missing (build-image.sh needs it)"; exit 77
fi
if ! DOCKER_HOST=$host docker version >/dev/null 2>&1; then
  echo "skip: no real Docker daemon answers at $host"; exit 77
fi
image="oshconf-$$-fake-cluster:dev"
work=$(mktemp -d)
cleanup() {
  DOCKER_HOST=$host docker rmi "$image" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
check() { if ! eval "$2"; then echo "FAILED: $1"; fails=$((fails + 1)); fi; }

if ! "$build_image" --host "$host" --tag "$image" --health-interval 1s --health-start-period 1ms \
    > "$work/build" 2>&1; then
  cat "$work/build"; echo "FAILED: cannot build the fake cluster image"; exit 1
fi

"$runner" --docker real --docker-host "$host" --real-image "$image" --impl "$openshell" --verbose \
  > "$work/out" 2>&1
rc=$?
cat "$work/out"
check "exit 0: every real scenario SAME or a known difference" '[ $rc -eq 0 ]'
check "no unexplained DIFF" '! grep -q "^DIFF " "$work/out"'
check "summary says 0 failed" 'tail -n 1 "$work/out" | grep -Eq "^[0-9]+ passed, 0 failed, [0-9]+ skipped$"'
same=$(grep -c "^SAME " "$work/out")
check "at least 45 scenarios compared SAME (got $same)" '[ "$same" -ge 45 ]'
check "a fresh deploy really ran on the daemon" 'grep -Eq "^SAME DEP-FRESH .*real [1-9][0-9]*\.[0-9]+s" "$work/out"'
left=0
for n in t one two a b ghost 12345 Prod_US dev.local_TEST-01 ...___---; do
  for what in container volume network; do
    DOCKER_HOST=$host docker "$what" inspect "openshell-cluster-$n" >/dev/null 2>&1 && left=$((left + 1))
  done
done
check "no container, volume or network left behind ($left)" '[ "$left" -eq 0 ]'

# Error paths of the real mode's command line.
"$runner" --docker bogus > "$work/e1" 2>&1; rc=$?
check "--docker bogus: exit 2, named" '[ $rc -eq 2 ] && grep -q "expected .mock. or .real., got .bogus." "$work/e1"'
"$runner" --docker-host "$host" > "$work/e2" 2>&1; rc=$?
check "--docker-host without --docker real: exit 2" '[ $rc -eq 2 ] && grep -q "need --docker real" "$work/e2"'
"$runner" --docker real --docker-host "unix://$work/none.sock" --impl "$openshell" --filter DEP-FRESH \
  > "$work/e3" 2>&1; rc=$?
check "unreachable daemon: the scenario fails, named" '[ $rc -eq 1 ] && grep -q "does not answer /_ping" "$work/e3"'
"$runner" --docker real --docker-host "$host" --filter 'NO-SUCH-*' > "$work/e4" 2>&1; rc=$?
check "nothing marked real selected: exit 2" '[ $rc -eq 2 ] && grep -q "is marked \"real\"" "$work/e4"'

[ $fails -eq 0 ] && echo "all checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
