#!/bin/sh
# help_tree.sh PROGRAM: the --help text of PROGRAM and of every sub-command its help lists
# under "Commands:" or as "usage: ... <a|b|c>" (recursively), each after a line "== PROGRAM SUB...". The man page of a
# program with sub-commands and the docs tests (tests/docs) read the same walk, so a new
# command or flag shows up in both without editing either.
set -eu
prog=$1
walk() { # walk WORDS...: the help of "prog WORDS --help", then of each listed command
  echo "== $(basename "$prog")${*:+ $*}"
  text=$(ASAN_OPTIONS=detect_leaks=0 "$prog" "$@" --help 2>&1) || true
  printf '%s\n' "$text"
  # sub-commands: the lines under "Commands:", or the choices of a "usage: ... <a|b|c>" line
  { printf '%s\n' "$text" | awk '/^Commands:/ {on=1; next} on && /^[^ ]/ {on=0} on && /^  [a-z]/ {print $1}'
    printf '%s\n' "$text" | sed -n 's/^[Uu]sage: [^<]*<\([a-z-]*|[a-z|-]*\)>.*/\1/p' | head -n 1 | tr '|' '\n'
  } | while read -r sub; do walk "$@" "$sub"; done
}
walk
