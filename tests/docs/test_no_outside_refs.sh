#!/bin/sh
# test_no_outside_refs.sh SRC_DIR: the repository cites its own rules (docs/rules.md), never a
# document outside it: no "../shared", "SPEC.md" or "SPEC §N"/"SPEC N.N" citation in any
# tracked text file (write "rules §N" or "docs/rules.md §N").
set -eu
cd "$1"
hits=$(git ls-files 2>/dev/null | grep -v '^tests/docs/test_no_outside_refs.sh$' |
       xargs grep -InE '\.\./shared|SPEC\.md|\bSPEC (§|[0-9])|\bSPEC section' 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "FAIL: references outside the repository (use docs/rules.md):"; echo "$hits"
  cat <<'HINT'
The usual fix for citations (perl -i breaks symlinks: skip them):
  perl -pi -e 's/\bSPEC (§\S+)/rules $1/g; s/\bSPEC (\d[\d.]*\d|\d)\b/rules §$1/g' FILE...
HINT
  exit 1
fi
echo "no references outside the repository"
