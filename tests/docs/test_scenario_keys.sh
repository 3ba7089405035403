#!/bin/sh
# test_scenario_keys.sh MOCKD DOC: the top-level keys of a world scenario that docs/scenarios.md
# lists (its table "The world: top-level keys") are exactly those the validator accepts, as
# its error for an unknown key lists them; and openshell-mockd refuses an unknown key, naming it.
set -eu
mockd=$1 doc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '{"images": []}' >"$tmp/bad.json"
if "$mockd" --docker "unix://$tmp/d.sock" --scenario "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"; then
  echo "FAIL: openshell-mockd accepted an unknown top-level key"; exit 1
fi
grep -q 'scenario.images: unknown key' "$tmp/err" || { cat "$tmp/err"; echo "FAIL: the unknown key is not named"; exit 1; }
sed -n 's/.*expected one of: \([^;)]*\)).*/\1/p' "$tmp/err" | tr ',' '\n' | tr -d ' ' | sort >"$tmp/code"
awk '/^## The world: top-level keys/ {on=1; next} on && /^## / {on=0} on && /^\| `/ {print $0}' "$doc" |
  cut -d'|' -f2 | grep -oE '`[a-z_]+`' | tr -d '`' | sort >"$tmp/doc"
[ -s "$tmp/code" ] || { cat "$tmp/err"; echo "FAIL: the validator's error lists no keys"; exit 1; }
if ! diff -u "$tmp/doc" "$tmp/code" >"$tmp/diff"; then
  echo "FAIL: docs/scenarios.md (-) and the validator (+) disagree on the top-level keys:"; cat "$tmp/diff"; exit 1
fi
echo "top-level keys agree: $(tr '\n' ' ' <"$tmp/code")"
