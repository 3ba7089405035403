#!/bin/sh
# mockd_test.sh MOCKD: openshell-mockd's command line: endpoints printed then "ready", exit 0
# on SIGINT, clear messages and non-zero exits for sockets it cannot bind and bad scenarios.
set -u
MOCKD=$1
DIR=$(mktemp -d /tmp/mockd.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# refused DESCRIPTION EXPECTED-STDERR-SUBSTRING ARGS...: mockd exits non-zero saying so
refused() {
    desc=$1; want=$2; shift 2
    "$MOCKD" "$@" > "$DIR/o" 2> "$DIR/e"; rc=$?
    if [ $rc -eq 0 ]; then fail "$desc: exit 0"; return; fi
    grep -qF -- "$want" "$DIR/e" && echo "ok: $desc" || fail "$desc: stderr lacks '$want': $(cat "$DIR/e")"
    grep -q '^ready$' "$DIR/o" && fail "$desc: printed ready"
}
refused "no endpoint" "at least one --docker endpoint is required"
refused "bad endpoint" "--docker http://x: expected unix:///PATH or tcp://HOST:PORT" --docker http://x
refused "unknown argument" "unknown argument: --bogus" --docker "unix://$DIR/a.sock" --bogus
refused "socket dir missing" "cannot serve docker on unix://$DIR/nodir/d.sock: $DIR/nodir/d.sock: cannot listen" \
    --docker "unix://$DIR/nodir/d.sock"
refused "journal size" "--journal-entries 0: expected a number from 1 to 100000000" --docker "unix://$DIR/b.sock" --journal-entries 0
refused "missing scenario" "$DIR/none.json: cannot read scenario" --docker "unix://$DIR/b.sock" --scenario "$DIR/none.json"
printf '{"docker": {"images": [' > "$DIR/broken.json"
refused "scenario syntax" "$DIR/broken.json: invalid scenario: JSON syntax error" --docker "unix://$DIR/b.sock" --scenario "$DIR/broken.json"
echo '[1]' > "$DIR/array.json"
refused "scenario not an object" "$DIR/array.json: scenario: expected object" --docker "unix://$DIR/b.sock" --scenario "$DIR/array.json"
echo 'null' > "$DIR/null.json"
refused "scenario null" "$DIR/null.json: scenario: expected object" --docker "unix://$DIR/b.sock" --scenario "$DIR/null.json"
echo '{"images": []}' > "$DIR/flat.json"
refused "scenario outside docker" "$DIR/flat.json: scenario.images: unknown key (expected one of: docker, cluster, kube" --docker "unix://$DIR/b.sock" --scenario "$DIR/flat.json"
# The world validates its document and mockd adds no key list of its own: "clusters" (the
# simulator's state key, not a scenario key) is refused once, with every key the world accepts.
echo '{"clusters": {}}' > "$DIR/clusters.json"
refused "clusters is no scenario key" "$DIR/clusters.json: scenario.clusters: unknown key (expected one of: docker, cluster, kube, defaults, comment, description, name)" \
    --docker "unix://$DIR/b.sock" --scenario "$DIR/clusters.json"
[ "$(grep -c 'unknown key' "$DIR/e")" -eq 1 ] && [ "$(wc -l < "$DIR/e")" -eq 1 ] && echo "ok: clusters refused once" ||
    fail "clusters: more than one complaint: $(cat "$DIR/e")"
refused "missing flag value" "--scenario needs a value" --docker "unix://$DIR/b.sock" --scenario
refused "value on a switch" "--no-redact=1 takes no value" --docker "unix://$DIR/b.sock" --no-redact=1
refused "operand" "unknown argument: extra" --docker "unix://$DIR/b.sock" extra
echo '{"docker": {"containers": [{"name": "x1"}]}}' > "$DIR/bad.json"
refused "scenario field" "$DIR/bad.json: docker.containers[0].create: expected the create body" --docker "unix://$DIR/b.sock" --scenario "$DIR/bad.json"
refused "agent-sandbox release" "--agent-sandbox: unknown release \"2.0\" (expected 0.1, 0.5, 1.0 or none)" \
    --docker "unix://$DIR/b.sock" --kube http://127.0.0.1:0 --agent-sandbox 2.0
echo '{"kube": {"agent_sandbox_crd": {"kind": "CustomResourceDefinition", "metadata": {"name": "sandboxes.agents.x-k8s.io"}}}}' > "$DIR/crd.json"
refused "malformed CRD in a world" "kube.agent_sandbox_crd: spec.group: expected string" \
    --docker "unix://$DIR/b.sock" --kube http://127.0.0.1:0 --scenario "$DIR/crd.json"

# a port in use
"$MOCKD" --docker tcp://127.0.0.1:0 > "$DIR/first" 2>&1 &
P1=$!
i=0; while ! grep -q '^ready$' "$DIR/first"; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done
PORT=$(sed -n 's/^docker: tcp:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$DIR/first")
[ -n "$PORT" ] && echo "ok: ephemeral tcp port printed" || fail "no tcp port printed: $(cat "$DIR/first")"
refused "port in use" "cannot serve docker on tcp://127.0.0.1:$PORT" --docker "tcp://127.0.0.1:$PORT"
kill -INT $P1
wait $P1; rc=$?
[ $rc -eq 0 ] && echo "ok: exit 0 on SIGINT" || fail "exit $rc on SIGINT"

# IPv6 loopback, bracketed as in DOCKER_HOST (skipped when the host has no ::1)
if "$MOCKD" --docker 'tcp://[::1]:0' > "$DIR/v6" 2>&1 & then
    P6=$!
    i=0; while ! grep -q '^ready$' "$DIR/v6" && kill -0 $P6 2>/dev/null; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done
    if grep -q '^ready$' "$DIR/v6"; then
        grep -q '^docker: tcp://\[::1\]:[0-9][0-9]*$' "$DIR/v6" && echo "ok: IPv6 endpoint printed bracketed" || fail "IPv6 endpoint: $(cat "$DIR/v6")"
        kill -TERM $P6; wait $P6
    else
        echo "note: no IPv6 loopback here: $(cat "$DIR/v6")"
    fi
fi

# Issue 12.4: a live socket is never taken over; the socket and the kubeconfig are 0600
# whatever the umask (the kubeconfig carries a token).
touch "$DIR/k.yaml"; chmod 644 "$DIR/k.yaml"
(umask 000; exec "$MOCKD" --docker "unix://$DIR/live.sock" --kube http://127.0.0.1:0 --kubeconfig-out "$DIR/k.yaml") > "$DIR/live" 2>&1 &
PL=$!
i=0; while ! grep -q '^ready$' "$DIR/live" && kill -0 $PL 2>/dev/null; do i=$((i+1)); [ $i -gt 1000 ] && break; sleep 0.01; done
if grep -q '^ready$' "$DIR/live"; then
    [ "$(stat -c %a "$DIR/live.sock")" = 600 ] && echo "ok: socket mode 0600 under umask 000" || fail "socket mode $(stat -c %a "$DIR/live.sock")"
    [ "$(stat -c %a "$DIR/k.yaml")" = 600 ] && echo "ok: kubeconfig mode 0600 (was 0644)" || fail "kubeconfig mode $(stat -c %a "$DIR/k.yaml")"
    refused "socket in use" "$DIR/live.sock: in use by another server" --docker "unix://$DIR/live.sock"
    if command -v curl > /dev/null; then
        [ "$(curl -s --unix-socket "$DIR/live.sock" http://d/_ping)" = OK ] && echo "ok: the first server still answers" || fail "the first server lost its socket"
    fi
    kill -TERM $PL; wait $PL
else
    fail "mockd with --kube did not start: $(cat "$DIR/live")"
fi

# --journal-entries N: a ring of the last N requests; the journal says how many were dropped
if command -v curl > /dev/null; then
    "$MOCKD" --docker "unix://$DIR/j.sock" --journal-entries 3 > "$DIR/jout" 2>&1 &
    PJ=$!
    i=0; while ! grep -q '^ready$' "$DIR/jout" && kill -0 $PJ 2>/dev/null; do i=$((i+1)); [ $i -gt 1000 ] && break; sleep 0.01; done
    for n in 1 2 3 4 5; do curl -s --unix-socket "$DIR/j.sock" http://d/_ping > /dev/null; done
    curl -s -D "$DIR/jh" --unix-socket "$DIR/j.sock" http://d/_mock/journal > "$DIR/jb"
    [ "$(grep -o '"seq"' "$DIR/jb" | wc -l)" = 3 ] && echo "ok: journal keeps 3 entries" || fail "journal: $(cat "$DIR/jb")"
    grep -qi '^X-Mock-Journal-Dropped: 2' "$DIR/jh" && echo "ok: journal says 2 dropped" || fail "journal headers: $(cat "$DIR/jh")"
    kill -TERM $PJ; wait $PJ
fi

[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all mockd checks passed"
