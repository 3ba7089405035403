#!/bin/sh
# test_flags.sh BIN_DIR MAN_DIR SRC_DIR: the documented flags against each program's --help
# (every sub-command's, walked by packaging/help_tree.sh), both ways:
#  - every flag a --help prints is in the program's document and in its man page;
#  - every flag on a documented command line (a line of a code block starting with the
#    program's name) or in the runner's option table is printed by some --help.
# A failure names the program, the flag and the file, so drift after adding a flag is one
# line to fix.
set -eu
bin=$1 man=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
miss() { echo "MISSING: $*"; bad=$((bad + 1)); }
flags() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }

# the documents that describe each program's flags
docs_for() {
  case $1 in
    openshell-conformance) echo "$src/docs/conformance.md" ;;
    openshell-mockd) echo "$src/docs/mocks.md" ;;
    openshell) ls "$src"/docs/*.md ;;
  esac
}

for prog in openshell openshell-mockd openshell-conformance; do
  sh "$src/packaging/help_tree.sh" "$bin/$prog" >"$tmp/$prog.help"
  flags <"$tmp/$prog.help" >"$tmp/$prog.flags"
  [ -s "$tmp/$prog.flags" ] || miss "$prog: --help printed no flags at all"
  sed 's/\\-/-/g; s/\\(em/--/g' "$man/$prog.1" >"$tmp/$prog.man"
  docs=$(docs_for "$prog")
  while read -r f; do
    # shellcheck disable=SC2086
    grep -qE -- "$f([^a-z0-9-]|$)" $docs || miss "$prog $f: printed by --help, documented in none of: $(echo $docs | sed "s|$src/||g")"
    grep -qE -- "$f([^a-z0-9-]|$)" "$tmp/$prog.man" || miss "$prog $f: printed by --help, not in its man page $man/$prog.1"
  done <"$tmp/$prog.flags"
  # documented command lines: code-block lines that start with the program's name
  for doc in "$src"/README.md "$src"/docs/*.md; do
    awk -v p="$prog" '/^```/ {code = !code; next} code && ($1 == p || $1 ~ "/" p "$") {print}' "$doc" | flags |
      while read -r f; do
        grep -qx -- "$f" "$tmp/$prog.flags" || echo "MISSING: $prog $f: on a command line in ${doc#$src/}, not printed by any --help"
      done
  done >>"$tmp/reverse"
done
# the runner's option table (rows whose first cell is a flag)
grep -E '^\| `--' "$src/docs/conformance.md" | cut -d'|' -f2 | flags | while read -r f; do
  grep -qx -- "$f" "$tmp/openshell-conformance.flags" || echo "MISSING: openshell-conformance $f: in the option table of docs/conformance.md, not in --help"
done >>"$tmp/reverse"
if [ -s "$tmp/reverse" ]; then cat "$tmp/reverse"; bad=$((bad + $(wc -l <"$tmp/reverse"))); fi
for prog in openshell openshell-mockd openshell-conformance; do
  echo "$prog: $(wc -l <"$tmp/$prog.flags") flags in --help"
done
[ "$bad" -eq 0 ] || { echo "$bad difference(s) between the documents and --help"; exit 1; }
echo "documents, man pages and --help agree"
