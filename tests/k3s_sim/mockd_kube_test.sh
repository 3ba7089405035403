#!/bin/sh
# mockd_kube_test.sh MOCKD: openshell-mockd --kube serves the Kubernetes API of the simulated
# cluster: prints "kube: http://127.0.0.1:PORT", writes a kubeconfig kubectl uses, and a
# cluster container started through its Docker socket shows up as a node through the API.
# Needs kubectl and the docker CLI (exit 77 without them).
set -u
MOCKD=$1
command -v kubectl >/dev/null 2>&1 || { echo "SKIP: kubectl is not installed"; exit 77; }
command -v docker >/dev/null 2>&1 || { echo "SKIP: the docker CLI is not installed"; exit 77; }
DIR=$(mktemp -d /tmp/mockd-kube.XXXXXX)
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
"$MOCKD" --docker "unix://$DIR/d.sock" --kube http://127.0.0.1:0 --kubeconfig-out "$DIR/kubeconfig" > "$DIR/out" 2> "$DIR/err" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
i=0; while ! grep -q '^ready$' "$DIR/out"; do i=$((i+1)); [ $i -gt 1000 ] && break; sleep 0.01; done
grep -q '^docker: unix://'"$DIR"'/d.sock$' "$DIR/out" && echo "ok: docker endpoint printed" || fail "docker line: $(cat "$DIR/out" "$DIR/err")"
grep -q '^kube: http://127.0.0.1:[0-9][0-9]*$' "$DIR/out" && echo "ok: kube endpoint printed" || fail "kube line: $(cat "$DIR/out")"
export KUBECONFIG="$DIR/kubeconfig" DOCKER_HOST="unix://$DIR/d.sock"
out=$(kubectl get namespace openshell -o name 2>&1) && [ "$out" = "namespace/openshell" ] \
    && echo "ok: kubectl through the written kubeconfig" || fail "kubectl get namespace: $out"
docker volume create k3s >/dev/null && docker run -d --name c1 --hostname n1 -v k3s:/var/lib/rancher/k3s \
    ghcr.io/nvidia/openshell/cluster:dev server >/dev/null || fail "docker run"
out=$(kubectl get nodes -o name 2>&1) && [ "$out" = "node/n1" ] \
    && echo "ok: the running cluster's node through the API" || fail "kubectl get nodes: $out"
docker exec c1 kubectl delete node n1 >/dev/null 2>&1 || fail "docker exec kubectl delete node"
out=$(kubectl get nodes -o name 2>&1)
[ -z "$out" ] || [ "$out" = "No resources found" ] && echo "ok: a node deleted by exec is gone from the API" || fail "after delete: $out"
"$MOCKD" --docker "unix://$DIR/x.sock" --kubeconfig-out "$DIR/k2" > /dev/null 2> "$DIR/e2" && fail "--kubeconfig-out without --kube accepted"
grep -q -- "--kubeconfig-out needs --kube" "$DIR/e2" && echo "ok: --kubeconfig-out needs --kube" || fail "$(cat "$DIR/e2")"
"$MOCKD" --docker "unix://$DIR/y.sock" --kube http://10.0.0.1:80 > /dev/null 2> "$DIR/e3" && fail "--kube on another host accepted"
grep -q -- "--kube http://10.0.0.1:80: expected http://127.0.0.1:PORT" "$DIR/e3" && echo "ok: --kube host checked" || fail "$(cat "$DIR/e3")"
echo '{"cluster": {"helth": 1}}' > "$DIR/bad.json"
"$MOCKD" --docker "unix://$DIR/z.sock" --scenario "$DIR/bad.json" > /dev/null 2> "$DIR/e4"; rc=$?
[ $rc -eq 2 ] && grep -q "$DIR/bad.json: cluster.helth: unknown key" "$DIR/e4" && echo "ok: bad cluster section refused" || fail "rc $rc: $(cat "$DIR/e4")"
[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all mockd --kube checks passed"
