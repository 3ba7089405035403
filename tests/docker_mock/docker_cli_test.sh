#!/bin/sh
# docker_cli_test.sh MOCKD: the installed docker CLI against openshell-mockd through
# DOCKER_HOST. Every step asserts the CLI's output or exit status. Exits 77 without docker.
set -u
MOCKD=$1
command -v docker >/dev/null 2>&1 || { echo "SKIP: the docker CLI is not installed"; exit 77; }
DIR=$(mktemp -d /tmp/dkcli.XXXXXX)
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# expect_out DESCRIPTION EXPECTED-SUBSTRING COMMAND...: the command succeeds and prints it
expect_out() {
    desc=$1; want=$2; shift 2
    out=$("$@" 2>&1); rc=$?
    [ $rc -eq 0 ] || { fail "$desc: exit $rc: $out"; return; }
    case "$out" in *"$want"*) echo "ok: $desc" ;; *) fail "$desc: output lacks '$want': $out" ;; esac
}
# expect_rc DESCRIPTION RC COMMAND...: the command exits with RC
expect_rc() {
    desc=$1; want=$2; shift 2
    out=$("$@" 2>&1); rc=$?
    [ $rc -eq "$want" ] && echo "ok: $desc" || fail "$desc: exit $rc, want $want: $out"
}

cat > "$DIR/scenario.json" <<'JSON'
{"docker": {"images": [{"ref": "busy:1", "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]}}],
            "cdi_spec_dirs": ["/etc/cdi"]}}
JSON
"$MOCKD" --docker "unix://$DIR/docker.sock" --docker tcp://127.0.0.1:0 --scenario "$DIR/scenario.json" > "$DIR/out" 2> "$DIR/err" &
PID=$!
i=0
while ! grep -q '^ready$' "$DIR/out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 500 ] && { echo "mockd not ready: $(cat "$DIR/err")"; exit 1; }
    sleep 0.01
done
grep -q "^docker: unix://$DIR/docker.sock$" "$DIR/out" || fail "mockd did not print the unix endpoint"
TCP=$(sed -n 's/^docker: \(tcp:.*\)$/\1/p' "$DIR/out")
[ -n "$TCP" ] || fail "mockd did not print the tcp endpoint"
export DOCKER_HOST="unix://$DIR/docker.sock"

expect_out "version (server 20.10 on API 1.41)" "API version:      1.41" docker version
expect_out "version over tcp" "20.10.24" env DOCKER_HOST="$TCP" docker version --format '{{.Server.Version}}'
expect_out "info shows CDI spec dirs" "/etc/cdi" docker info
expect_out "volume create" "v1" docker volume create v1
expect_out "volume inspect" '"Name": "v1"' docker volume inspect v1
expect_out "volume ls" "v1" docker volume ls
expect_out "network create" "" docker network create n1
expect_out "network inspect" '"Driver": "bridge"' docker network inspect n1
expect_rc "network create duplicate (CLI sends CheckDuplicate)" 1 docker network create n1
expect_out "create with every flag" "" docker create --name c1 --hostname h1 -p 18080:30051 -v v1:/data \
    --privileged --restart unless-stopped --add-host foo:1.2.3.4 busy:1 sleep 100
expect_out "inspect: hostname" "h1" docker inspect -f '{{.Config.Hostname}}' c1
expect_out "inspect: privileged" "true" docker inspect -f '{{.HostConfig.Privileged}}' c1
expect_out "inspect: restart policy" "unless-stopped" docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' c1
expect_out "inspect: extra hosts" "foo:1.2.3.4" docker inspect -f '{{.HostConfig.ExtraHosts}}' c1
expect_out "inspect: port binding" "18080" docker inspect -f '{{json .HostConfig.PortBindings}}' c1
expect_out "inspect: binds" "v1:/data" docker inspect -f '{{.HostConfig.Binds}}' c1
expect_out "start" "c1" docker start c1
expect_out "inspect: running" "running" docker inspect -f '{{.State.Status}}' c1
expect_out "ps shows the published port" "0.0.0.0:18080->30051/tcp" docker ps
expect_out "ps -a --filter name" "c1" docker ps -a --filter name=c1 --format '{{.Names}}'
out=$(docker ps -a --filter status=exited --format '{{.Names}}')
[ -z "$out" ] && echo "ok: ps -a --filter status=exited is empty" || fail "status filter: $out"
expect_out "exec echo" "hello" docker exec c1 echo hello
expect_rc "exec exit code propagated" 3 docker exec c1 sh -c 'exit 3'
expect_rc "exec of an unknown command" 127 docker exec c1 nosuchcmd
expect_out "exec hostname" "h1" docker exec c1 hostname
printf 'line from stdin\n' > "$DIR/stdin.txt"
expect_out "exec -i cat reads stdin" "line from stdin" sh -c "docker exec -i c1 cat < '$DIR/stdin.txt'"
expect_out "exec -i sh -c 'cat; echo end'" "end" sh -c "docker exec -i c1 sh -c 'cat; echo end' < '$DIR/stdin.txt'"
out=$(docker exec c1 cat < "$DIR/stdin.txt" 2>&1)
[ -z "$out" ] && echo "ok: exec without -i does not pass stdin" || fail "exec without -i: $out"
expect_out "network connect" "" docker network connect n1 c1
expect_out "inspect: two networks" "n1" docker inspect -f '{{json .NetworkSettings.Networks}}' c1
expect_out "network disconnect" "" docker network disconnect n1 c1
echo "file content" > "$DIR/in.txt"
expect_out "cp in" "" docker cp "$DIR/in.txt" c1:/tmp/in.txt
expect_out "cat what cp put" "file content" docker exec c1 cat /tmp/in.txt
expect_out "cp out" "" docker cp c1:/tmp/in.txt "$DIR/back.txt"
[ "$(cat "$DIR/back.txt" 2>/dev/null)" = "file content" ] && echo "ok: cp round trip" || fail "cp round trip"
expect_out "logs" "" docker logs c1
expect_out "stop" "c1" docker stop c1
expect_out "inspect: exited" "exited" docker inspect -f '{{.State.Status}}' c1
expect_out "ps -a --filter status=exited" "c1" docker ps -a --filter status=exited --format '{{.Names}}'
expect_rc "exec in a stopped container fails" 1 docker exec c1 true
expect_out "start again" "c1" docker start c1
expect_out "rm -f" "c1" docker rm -f c1
# --type container: "c1" is also a valid image ID prefix, and the CLI falls back to an image
# lookup (dockerd matches short IDs), so a random image ID starting with c1 would answer.
expect_rc "inspect after rm" 1 docker inspect --type container c1
expect_out "volume rm" "v1" docker volume rm v1
expect_out "network rm" "n1" docker network rm n1
expect_out "run --rm (attach, start, wait removed)" "hi" timeout 30 docker run --rm busy:1 echo hi
expect_rc "run --rm removed the container" 0 sh -c '[ -z "$(docker ps -aq)" ]'
expect_rc "run propagates the exit code" 3 timeout 30 docker run --name quick busy:1 sh -c 'echo a; exit 3'
expect_out "the exited container" "Exited (3)" docker ps -a --filter name=quick
expect_out "logs of what it printed" "a" docker logs quick
expect_out "logs --timestamps" "Z a" docker logs --timestamps quick
out=$(timeout 30 docker start -a quick 2>&1); rc=$?
[ $rc -eq 3 ] && [ "$out" = "a" ] && echo "ok: start -a runs it again" || fail "start -a: exit $rc: $out"
expect_out "rm" "quick" docker rm quick
expect_out "image inspect" "sha256:" docker image inspect -f '{{.Id}}' busy:1
expect_out "image save" "" docker image save busy:1 -o "$DIR/img.tar"
tar tf "$DIR/img.tar" | grep -q manifest.json && echo "ok: saved archive has manifest.json" || fail "save archive"
expect_out "image rm" "Untagged: busy:1" docker image rm busy:1
expect_rc "image inspect after rm" 1 docker image inspect busy:1
expect_out "image load" "Loaded image: busy:1" docker image load -i "$DIR/img.tar"
expect_out "image ls" "busy" docker image ls

kill -TERM $PID
wait $PID; rc=$?
[ $rc -eq 0 ] && echo "ok: mockd exits 0 on SIGTERM" || fail "mockd exit status $rc on SIGTERM"
[ -e "$DIR/docker.sock" ] && fail "socket left behind" || echo "ok: socket removed"
trap 'rm -rf "$DIR"' EXIT
[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all docker CLI checks passed"
