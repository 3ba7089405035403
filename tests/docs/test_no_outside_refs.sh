#!/bin/sh
# test_no_outside_refs.sh SRC_DIR: the repository cites its own rules (docs/rules.md), never a
# document outside it: no "../shared", "SPEC.md" or "SPEC §N"/"SPEC N.N" citation in any
# tracked text file (write "rules §N" or "docs/rules.md §N").
set -eu
cd "$1"
hits=$(git ls-files 2>/dev/null | grep -v '^tests/docs/test_no_outside_refs.sh$' |
       xargs grep -InE '\.\./shared|SPEC\.md|\bSPEC (§|[0-9])|\bSPEC section' 2>/dev/null || true)
[ -z "$hits" ] || { echo "FAIL: references outside the repository (use docs/rules.md):"; echo "$hits"; exit 1; }
echo "no references outside the repository"
