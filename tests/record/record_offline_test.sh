#!/bin/sh
# record_offline_test.sh MOCKD: record and replay (issue 15) without a real daemon: the
# recording proxy in front of the mock Docker Engine (another openshell-mockd), the docker CLI
# and curl through it; the file's shape and redaction; exact replay; an unmatched request; the
# upstream going away; bad input. Exits 77 without the docker CLI or curl.
set -u
MOCKD=$1
command -v docker >/dev/null 2>&1 || { echo "SKIP: the docker CLI is not installed"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "SKIP: curl is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
DIR=$(mktemp -d /tmp/recoff.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
check() { if eval "$2"; then ok "$1"; else fail "$1"; fi; }
# start NAME ARGS...: openshell-mockd in the background until it says ready
start() {
    name=$1; shift
    "$MOCKD" "$@" > "$DIR/$name.out" 2> "$DIR/$name.err" &
    eval "PID_$name=$!"
    PIDS="$PIDS $!"
    i=0
    while ! grep -q '^ready$' "$DIR/$name.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 1000 ] || ! kill -0 "$(eval echo \$PID_$name)" 2>/dev/null; then
            echo "mockd $name not ready: $(cat "$DIR/$name.err")"; exit 1
        fi
        sleep 0.01
    done
}
stop() { p=$(eval echo \$PID_$1); kill "$p"; wait "$p"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"; }

PEM='-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRECORDTESTKEY\n-----END PRIVATE KEY-----\n'
B64=$(printf '%b' "$PEM" | base64 -w0)
cat > "$DIR/world.json" <<JSON
{"docker": {"images": [{"ref": "busy:1", "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]}}],
  "pullable": [{"ref": "busy:2"}],
  "containers": [{"name": "c0", "create": {"Image": "busy:1", "Cmd": ["sleep", "100"]}, "state": "running",
                  "files": [{"path": "/key.pem", "content": "$(printf '%b' "$PEM" | sed 's/$/\\n/' | tr -d '\n')"}],
                  "logs": [{"stream": "stdout", "text": "line one"}]}],
  "execs": [{"script": "read-secret", "stdout": "$B64\n"}]}}
JSON
start up --docker "unix://$DIR/up.sock" --scenario "$DIR/world.json"
start rec --docker "unix://$DIR/p.sock" --record "$DIR/r.json" --upstream "unix://$DIR/up.sock"
check "--record prints docker:, recording:, ready" \
    '[ "$(cat $DIR/rec.out)" = "$(printf "docker: unix://$DIR/p.sock\nrecording: $DIR/r.json\nready")" ]'

# The same commands, later replayed. Outputs are kept to compare.
commands() {
    docker version --format '{{.Server.Version}}'
    echo "rc=$?"
    docker exec c0 cat /key.pem | head -1
    docker exec c0 sh -c read-secret | cut -c1-20
    docker create --name c1 -e REGISTRY_PASSWORD=hunter2secret -e A=1 busy:1 sleep 100
    docker start c1
    docker inspect -f '{{.Config.Env}}' c1 | sed 's/hunter2secret/SECRET/; s/<redacted:credential-env:1>/SECRET/'
    echo hello | docker exec -i c0 cat; echo "rc=$?"
    docker exec c0 sh -c 'exit 3'; echo "rc=$?"
    docker logs c0
    docker inspect nosuch 2>&1; echo "rc=$?"
    curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$1" -H 'X-Registry-Auth: c2VjcmV0YXV0aA==' \
        -X POST 'http://d/v1.41/images/create?fromImage=busy&tag=2'
    docker rm -f c1
}
DOCKER_HOST="unix://$DIR/p.sock" commands "$DIR/p.sock" > "$DIR/recorded.txt" 2>&1
check "the proxy is transparent: the key file comes through" 'grep -q "^-----BEGIN PRIVATE KEY-----$" $DIR/recorded.txt'
check "the proxy is transparent: exec exit status" 'grep -q "^rc=3$" $DIR/recorded.txt'
check "the proxy is transparent: error answers" 'grep -q "No such object: nosuch" $DIR/recorded.txt'
check "the proxy is transparent: logs, pull" 'grep -q "^line one$" $DIR/recorded.txt && grep -q "^200$" $DIR/recorded.txt'
# a follower that ends when the container stops
DOCKER_HOST="unix://$DIR/p.sock" docker logs -f c0 > "$DIR/follow.txt" 2>&1 &
FOL=$!
sleep 0.3
DOCKER_HOST="unix://$DIR/up.sock" docker stop c0 >/dev/null
wait $FOL
check "docker logs -f through the proxy ends when the container stops" '[ $? -eq 0 ] && grep -q "line one" $DIR/follow.txt'
stop rec
check "SIGTERM: exit 0" '[ $? -eq 0 ]'
R=$DIR/r.json
check "the file is a complete version-1 recording" \
    '[ "$(json "d[\"format\"], d[\"version\"], d[\"end\"][\"complete\"], d[\"end\"][\"reason\"]" $R)" = "openshell-docker-recording 1 True SIGTERM" ]'
check "no private key, password or registry auth in the file" \
    '! grep -q "PRIVATE KEY\|$(echo "$B64" | cut -c1-30)\|hunter2secret\|c2VjcmV0YXV0aA" $R'
check "redactions list each kind" \
    '[ "$(json "\",\".join(sorted(set(x[\"kind\"] for x in d[\"redactions\"])))" $R)" = "base64-private-key,credential-env,pem-private-key,registry-auth" ]'
check "the same password gets one placeholder (create body and inspect answer)" \
    '[ "$(json "[len(x[\"exchanges\"]) for x in d[\"redactions\"] if x[\"kind\"] == \"credential-env\"]" $R)" = "[2]" ]'
check "exec output recorded as multiplexed frames, the hijacked stdin as an in-frame" \
    'json "[f for e in d[\"exchanges\"] for f in e[\"response\"].get(\"upgraded\", {}).get(\"frames\", []) if f.get(\"dir\") == \"in\"]" $R | grep -q "hello"'
check "the follow stream recorded as ended by the daemon" \
    '[ "$(json "\",\".join(e[\"response\"][\"stream\"][\"end\"] for e in d[\"exchanges\"] if \"follow=1\" in e[\"request\"][\"query\"])" $R)" = "complete" ]'

# ---- exact replay
start rep --docker "unix://$DIR/q.sock" --replay "$R"
check "--replay prints docker:, replaying:, ready" '[ "$(sed -n 2p $DIR/rep.out)" = "replaying: $R" ]'
DOCKER_HOST="unix://$DIR/q.sock" commands "$DIR/q.sock" > "$DIR/replayed.txt" 2>&1
# the key is its placeholder, the base64 key the base64 of its placeholder (a stand-in that decodes)
STANDIN=$(printf '<redacted:base64-private-key:1>\n' | base64 -w0 | cut -c1-20)
sed "s/^-----BEGIN PRIVATE KEY-----\$/<redacted:pem-private-key:1>/; s/^$(echo "$B64" | cut -c1-20)\$/$STANDIN/" \
    "$DIR/recorded.txt" > "$DIR/recorded.cmp"
check "replay: the same outputs (the key replaced by its placeholder)" \
    'diff "$DIR/recorded.cmp" "$DIR/replayed.txt" >/dev/null || { diff "$DIR/recorded.cmp" "$DIR/replayed.txt"; false; }'
DOCKER_HOST="unix://$DIR/q.sock" docker logs -f c0 > /dev/null 2>&1
curl -s --unix-socket "$DIR/q.sock" http://d/_mock/replay > "$DIR/report.json"
check "GET /_mock/replay: everything consumed, nothing unmatched" \
    '[ "$(json "len(d[\"unconsumed\"]), len(d[\"unmatched\"]), len(d[\"consumed\"]) > 20" $DIR/report.json)" = "0 0 True" ]'
out=$(DOCKER_HOST="unix://$DIR/q.sock" docker rm -f c1 2>&1)
check "an unmatched request: an error naming the nearest recorded exchange" \
    'echo "$out" | grep -q "no recorded exchange matches DELETE /v1.[0-9]*/containers/c1?force=1 (every recorded exchange with this method and path was already answered); nearest recorded exchange: #[0-9]* DELETE /v1.41/containers/c1?force=1" || { echo "$out"; false; }'
check "mockd logs unmatched requests" 'grep -q "^openshell-mockd: replay: no recorded exchange matches DELETE" $DIR/rep.err'
stop rep
check "--replay: exit 0 on SIGTERM" '[ $? -eq 0 ]'
start rept --docker "unix://$DIR/t.sock" --replay "$R" --replay-timing real
check "--replay-timing real answers too" '[ "$(DOCKER_HOST=unix://$DIR/t.sock docker version --format "{{.Server.Version}}")" = "20.10.24" ]'
out=$(curl -s --unix-socket "$DIR/t.sock" 'http://d/v1.41/containers/c0/json?size=1')
check "an unmatched query: the nearest is the same path, the query differs" 'echo "$out" | grep -q "(the query differs); nearest recorded exchange: #[0-9]* GET /v1.41/containers/c0/json" || { echo "$out"; false; }'
stop rept

# ---- --no-redact, the upstream going away
start rec2 --docker "unix://$DIR/p2.sock" --record "$DIR/r2.json" --upstream "unix://$DIR/up.sock" --no-redact
DOCKER_HOST="unix://$DIR/p2.sock" docker exec c1 true >/dev/null 2>&1
DOCKER_HOST="unix://$DIR/p2.sock" docker start c0 >/dev/null 2>&1
DOCKER_HOST="unix://$DIR/p2.sock" docker exec c0 cat /key.pem > /dev/null
stop up
curl -s --unix-socket "$DIR/p2.sock" http://d/_ping > "$DIR/gone.txt" 2>&1
wait $PID_rec2
rc=$?
check "upstream gone: mockd exits 1 naming it" '[ $rc -eq 1 ] && grep -q "upstream unix://$DIR/up.sock went away: .*recording $DIR/r2.json is complete" $DIR/rec2.err'
check "upstream gone: the client got a 502 naming the upstream" 'grep -q "upstream unix://$DIR/up.sock" $DIR/gone.txt'
check "upstream gone: the file is complete, its end says so" \
    '[ "$(json "d[\"end\"][\"complete\"], d[\"end\"][\"reason\"][:13]" $DIR/r2.json)" = "True upstream-gone" ]'
check "--no-redact keeps the key" 'grep -q "BEGIN PRIVATE KEY" $DIR/r2.json && [ "$(json "d[\"redaction\"], d[\"redactions\"]" $DIR/r2.json)" = "False []" ]'

# ---- to a world scenario
"$MOCKD" --recording-to-scenario "$R" > "$DIR/scen.json" 2> "$DIR/scen.err"
check "--recording-to-scenario writes JSON" '[ $? -eq 0 ] && json "d[\"docker\"][\"images\"][0][\"ref\"]" $DIR/scen.json | grep -q busy:1'
check "the scenario: the pulled ref is pullable, the running container and its image exist" \
    '[ "$(json "\",\".join([p[\"ref\"] for p in d[\"docker\"][\"pullable\"]] + [c[\"name\"] for c in d[\"docker\"][\"containers\"]])" $DIR/scen.json)" = "busy:2,c0" ]'
start world --docker "unix://$DIR/w.sock" --scenario "$DIR/scen.json"
check "the scenario loads in mockd and has the pre-existing container" \
    '[ "$(DOCKER_HOST=unix://$DIR/w.sock docker inspect -f "{{.State.Running}}" c0)" = "true" ]'
stop world

# ---- bad input
"$MOCKD" --docker "unix://$DIR/x.sock" --record "$DIR/x.json" --upstream "unix://$DIR/none.sock" > /dev/null 2> "$DIR/e1"
check "missing unix upstream: exit 1 naming it" '[ $? -eq 1 ] && grep -q "upstream unix://$DIR/none.sock: cannot connect" $DIR/e1 && [ ! -e $DIR/x.json ]'
"$MOCKD" --docker "unix://$DIR/x.sock" --record "$DIR/x.json" --upstream tcp://127.0.0.1:1 > /dev/null 2> "$DIR/e2"
check "missing tcp upstream: exit 1 naming it" '[ $? -eq 1 ] && grep -q "upstream tcp://127.0.0.1:1: cannot connect" $DIR/e2'
"$MOCKD" --docker "unix://$DIR/x.sock" --record "$DIR/x.json" --upstream http://x > /dev/null 2> "$DIR/e3"
check "bad upstream URL: exit 1" '[ $? -eq 1 ] && grep -q "expected unix:///PATH or tcp://HOST:PORT" $DIR/e3'
start up3 --docker "unix://$DIR/up3.sock"
"$MOCKD" --docker "unix://$DIR/x.sock" --record "$DIR/no/such/dir/x.json" --upstream "unix://$DIR/up3.sock" > /dev/null 2> "$DIR/e13"
check "unwritable recording: exit 1 naming the file" '[ $? -eq 1 ] && grep -q "$DIR/no/such/dir/x.json: cannot write recording: No such file or directory" $DIR/e13'
stop up3
head -c 5000 "$R" > "$DIR/trunc.json"
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$DIR/trunc.json" > /dev/null 2> "$DIR/e4"
check "truncated recording: exit 1, file:line:column" '[ $? -eq 1 ] && grep -q "^openshell-mockd: $DIR/trunc.json:[0-9]*:[0-9]*: invalid recording: JSON syntax error at byte [0-9]* (the file ends early: truncated?)" $DIR/e4'
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['exchanges'][2]['response']['status']='x'; json.dump(d,open(sys.argv[2],'w'))" "$R" "$DIR/edit.json"
"$MOCKD" --recording-to-scenario "$DIR/edit.json" > /dev/null 2> "$DIR/e5"
check "hand-edited field: exit 1 naming its path" '[ $? -eq 1 ] && grep -q "$DIR/edit.json: exchanges\[2\].response.status: expected an integer 100..599" $DIR/e5'
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['version']=2; json.dump(d,open(sys.argv[2],'w'))" "$R" "$DIR/v2.json"
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$DIR/v2.json" > /dev/null 2> "$DIR/e6"
check "unknown version: exit 1" '[ $? -eq 1 ] && grep -q "$DIR/v2.json: version 2 is not supported (this openshell-mockd reads version 1)" $DIR/e6'
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['exchanges'][3]['seq']=d['exchanges'][1]['seq']; json.dump(d,open(sys.argv[2],'w'))" "$R" "$DIR/dup.json"
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$DIR/dup.json" > /dev/null 2> "$DIR/e7"
check "a seq used twice: exit 1" '[ $? -eq 1 ] && grep -q "exchanges\[3\].seq: [0-9]* is used twice (also exchanges\[1\])" $DIR/e7'
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$DIR/none.json" > /dev/null 2> "$DIR/e8"
check "missing recording: exit 1" '[ $? -eq 1 ] && grep -q "$DIR/none.json: cannot read recording: No such file" $DIR/e8'
"$MOCKD" --docker "unix://$DIR/x.sock" --record "$DIR/x.json" > /dev/null 2> "$DIR/e9"
check "--record without --upstream: exit 2" '[ $? -eq 2 ] && grep -q "needs --upstream" $DIR/e9'
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$R" --scenario "$DIR/world.json" > /dev/null 2> "$DIR/e10"
check "--replay with --scenario: exit 2" '[ $? -eq 2 ] && grep -q "do not go with" $DIR/e10'
"$MOCKD" --docker "unix://$DIR/x.sock" --replay "$R" --replay-timing fast > /dev/null 2> "$DIR/e11"
check "--replay-timing fast: exit 2" '[ $? -eq 2 ] && grep -q "expected compressed or real" $DIR/e11'
"$MOCKD" --docker "unix://$DIR/x.sock" --no-redact > /dev/null 2> "$DIR/e12"
check "--no-redact alone: exit 2" '[ $? -eq 2 ] && grep -q "needs --record" $DIR/e12'

[ $FAILS -eq 0 ] && echo "all checks passed" || echo "$FAILS check(s) failed"
[ $FAILS -eq 0 ]
