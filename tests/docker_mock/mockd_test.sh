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
refused "missing scenario" "$DIR/none.json: cannot read scenario" --docker "unix://$DIR/b.sock" --scenario "$DIR/none.json"
printf '{"docker": {"images": [' > "$DIR/broken.json"
refused "scenario syntax" "$DIR/broken.json: invalid scenario: JSON syntax error" --docker "unix://$DIR/b.sock" --scenario "$DIR/broken.json"
echo '{"images": []}' > "$DIR/flat.json"
refused "scenario outside docker" "$DIR/flat.json: invalid scenario: images: unknown field" --docker "unix://$DIR/b.sock" --scenario "$DIR/flat.json"
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

[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all mockd checks passed"
