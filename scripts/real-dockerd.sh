#!/usr/bin/env bash
# Start (or find) a private real dockerd (Debian docker.io, API 1.41) for the real-docker
# tier, on its own socket with its own data root, and make sure the busybox image `busy:1`
# exists (imported from busybox-static; nothing can be pulled here). Prints the socket path.
# Idempotent. `scripts/real-dockerd.sh stop` stops it.
#
# This VM lacks CAP_SYS_RESOURCE, so runc cannot start privileged containers ("unable to
# apply caps"). A runtime wrapper drops that one capability from each bundle (runc create)
# and from each exec process spec (runc exec --process) before runc sees them.
set -euo pipefail
R=${OSH_REAL_DOCKERD_DIR:-${TMPDIR:-/tmp}/osh-real-dockerd}
SOCK=$R/docker.sock
ping_ok() { curl -s --max-time 2 --unix-socket "$SOCK" http://x/_ping 2>/dev/null | grep -q OK; }

if [ "${1:-}" = stop ]; then
  [ -f "$R/pid" ] && kill "$(cat "$R/pid")" 2>/dev/null || true
  exit 0
fi
mkdir -p "$R"
command -v dockerd >/dev/null || { echo "real-dockerd: dockerd not installed (apt-get install docker.io)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "real-dockerd: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

cat >"$R/runc-nosysres" <<'W'
#!/bin/sh
prev=""
for a in "$@"; do
  if [ "$prev" = "--bundle" ] || [ "$prev" = "-b" ]; then
    /usr/bin/python3 -c 'import json,sys
p=sys.argv[1]; c=json.load(open(p)); caps=c.get("process",{}).get("capabilities",{})
for k in caps: caps[k]=[x for x in caps[k] if x!="CAP_SYS_RESOURCE"]
json.dump(c,open(p,"w"))' "$a/config.json"
  fi
  # runc exec gets the process spec (capabilities at its top level) through --process FILE.
  if [ "$prev" = "--process" ] || [ "$prev" = "-p" ]; then
    /usr/bin/python3 -c 'import json,sys
p=sys.argv[1]; c=json.load(open(p)); caps=c.get("capabilities",{})
for k in caps: caps[k]=[x for x in caps[k] if x!="CAP_SYS_RESOURCE"]
json.dump(c,open(p,"w"))' "$a"
  fi
  prev=$a
done
exec runc "$@"
W
chmod +x "$R/runc-nosysres"

if ! ping_ok; then
  (setsid dockerd --data-root "$R/data" --exec-root "$R/exec" -H "unix://$SOCK" --pidfile "$R/pid" \
     --iptables=false --add-runtime "nosysres=$R/runc-nosysres" --default-runtime nosysres \
     >"$R/log" 2>&1 </dev/null &)
  for _ in $(seq 1 60); do ping_ok && break; sleep 0.5; done
  ping_ok || { echo "real-dockerd: dockerd did not answer on $SOCK; see $R/log" >&2; exit 1; }
fi
if ! DOCKER_HOST=unix://$SOCK docker image inspect busy:1 >/dev/null 2>&1; then
  rf=$(mktemp -d); mkdir -p "$rf/bin" "$rf/tmp"; cp /bin/busybox "$rf/bin/"
  for c in sh echo sleep hostname cat ls true false env printf test mkdir rm awk sed grep head tr wc; do
    ln -sf busybox "$rf/bin/$c"
  done
  tar -C "$rf" -c . | DOCKER_HOST=unix://$SOCK docker import - busy:1 >/dev/null; rm -rf "$rf"
fi
echo "$SOCK"
