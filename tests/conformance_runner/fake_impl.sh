#!/bin/sh
# fake_impl.sh: stands in for an implementation in the runner's own tests. Its arguments
# are commands run in order:
#   req METHOD PATH QUERY STATUS BODY   append a request to the fake world's journal
#   kreq METHOD PATH QUERY STATUS BODY  the same for the Kubernetes journal
#   out TEXT | err TEXT                 print a line to stdout / stderr
#   write FILE TEXT | chmod FILE MODE   make a file
#   env                                 print the environment
#   sleep SECONDS | exit N
journal="${DOCKER_HOST#unix://}.journal"
code=0
while [ $# -gt 0 ]; do
  cmd=$1; shift
  case "$cmd" in
    req|kreq)
      j=$journal; [ "$cmd" = kreq ] && j="${DOCKER_HOST#unix://}.kube-journal"
      printf '{"method":"%s","path":"%s","query":"%s","status":%s,"body":%s}\n' "$1" "$2" "$3" "$4" "$5" >> "$j"
      shift 5 ;;
    out) printf '%s\n' "$1"; shift ;;
    err) printf '%s\n' "$1" >&2; shift ;;
    write) mkdir -p "$(dirname "$1")"; printf '%s' "$2" > "$1"; shift 2 ;;
    chmod) chmod "$2" "$1"; shift 2 ;;
    env) env ;;
    sleep) sleep "$1"; shift ;;
    exit) code=$1; shift ;;
    *) echo "fake_impl: unknown command $cmd" >&2; exit 99 ;;
  esac
done
exit $code
