#!/bin/sh
# test_rule_coverage.sh RUNNER EXPECTED: `openshell-conformance --coverage` names no unknown
# citation, and its UNCOVERED rules are exactly those listed in EXPECTED (one anchor a line,
# # comments). A rule that loses its last scenario, or a new rule without one, fails here
# until a scenario cites it or it is added to the list on purpose; a listed rule that became
# covered fails too, so the list only shrinks.
set -eu
runner=$1 expected=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
"$runner" --coverage >"$tmp/out" 2>"$tmp/err" || rc=$?
grep '^UNKNOWN ' "$tmp/out" && { cat "$tmp/err"; echo "FAIL: citations that name no section of docs/rules.md (above)"; exit 1; }
[ "$rc" -eq 0 ] || { cat "$tmp/err"; echo "FAIL: --coverage exited $rc"; exit 1; }
sed -n 's/^UNCOVERED \([^ ]*\) .*/\1/p' "$tmp/out" | sort >"$tmp/now"
sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$expected" | sort >"$tmp/want"
new=$(comm -23 "$tmp/now" "$tmp/want")
gone=$(comm -13 "$tmp/now" "$tmp/want")
covered=$(grep -vc '^UNCOVERED\|^UNKNOWN' "$tmp/out")
echo "$covered rules, $(wc -l <"$tmp/now") not covered by any scenario"
[ -z "$new" ] || { echo "FAIL: newly uncovered rules (cite them from a scenario, or add them to $expected):"; echo "$new" | sed 's/^/  §/'; rc=1; }
[ -z "$gone" ] || { echo "FAIL: rules now covered, remove them from $expected:"; echo "$gone" | sed 's/^/  §/'; rc=1; }
exit "$rc"
