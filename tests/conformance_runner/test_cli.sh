#!/bin/sh
# test_cli.sh RUNNER FAKE_IMPL SCENARIO_DIR: the runner's command line end to end: the
# per-scenario lines, the exact summary line, exit statuses, --list, --filter, --tap,
# --junit, --report and --impl-capabilities, with fake_impl.sh as the implementation.
set -u
runner=$1; impl=$2; dir=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0
check() { if ! eval "$2"; then echo "FAILED: $1"; fails=$((fails + 1)); fi; }
echo '{"missing": ["gpu"]}' > "$work/caps.json"

"$runner" --scenarios "$dir" --impl "/bin/sh '$impl'" --impl-capabilities "$work/caps.json" \
  --junit "$work/j.xml" --report "$work/rep" --jobs 2 > "$work/out" 2> "$work/err"
rc=$?
check "exit 1 when a scenario fails" '[ $rc -eq 1 ]'
check "summary line is exact and last" '[ "$(tail -n 1 "$work/out")" = "1 passed, 1 failed, 1 skipped" ]'
check "a line per scenario with its time" 'grep -Eq "^PASS PASS-ONE [0-9]+\.[0-9]{3}s$" "$work/out"'
check "skip reason shown" 'grep -q "^SKIP SKIP-ONE .*lacks capability .gpu." "$work/out"'
check "failure detail shown" 'grep -q "stderr does not contain .Verify Docker is working." "$work/out"'
check "junit counts" 'grep -q "<testsuites tests=\"3\" failures=\"1\" skipped=\"1\"" "$work/j.xml"'
check "junit failure element" 'grep -q "<failure message=" "$work/j.xml"'
if [ -x /usr/bin/python3 ]; then
  check "junit is well-formed XML" '/usr/bin/python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$work/j.xml"'
  check "html report parses" '/usr/bin/python3 -c "import sys, html.parser as h; p = h.HTMLParser(); p.feed(open(sys.argv[1]).read())" "$work/rep/index.html"'
else
  echo "note: /usr/bin/python3 missing, XML well-formedness not checked"
fi
check "html report written" 'grep -q "FAIL-ONE" "$work/rep/index.html" && grep -q "1 failed" "$work/rep/index.html"'

"$runner" --scenarios "$dir" --impl "/bin/sh '$impl'" --filter 'PASS-*' > "$work/out2" 2>&1
check "exit 0 when none failed" '[ $? -eq 0 ]'
check "filtered summary" '[ "$(tail -n 1 "$work/out2")" = "1 passed, 0 failed, 0 skipped" ]'

"$runner" --scenarios "$dir" --impl "/bin/sh '$impl'" --tap > "$work/tap" 2> "$work/tap.err"
check "tap plan" 'grep -qx "1..3" "$work/tap"'
check "tap failure" 'grep -qx "not ok 1 - FAIL-ONE" "$work/tap"'
check "no capability file: the scenario runs (and fails)" 'grep -qx "not ok 3 - SKIP-ONE" "$work/tap"'
check "tap summary on stderr" '[ "$(tail -n 1 "$work/tap.err")" = "1 passed, 2 failed, 0 skipped" ]'

"$runner" --scenarios "$dir" --impl "/bin/sh '$impl'" --impl-capabilities "$work/caps.json" --tap > "$work/tap2" 2>/dev/null
check "tap skip directive with the reason" 'grep -q "^ok 3 - SKIP-ONE # SKIP implementation lacks capability .gpu." "$work/tap2"'

"$runner" --scenarios "$dir" --list > "$work/list"
check "list" '[ "$(cut -f1 "$work/list" | tr "\n" " ")" = "FAIL-ONE PASS-ONE SKIP-ONE " ]'

"$runner" --scenarios "$dir" --filter 'NOPE' > /dev/null 2> "$work/e1"
check "unmatched filter is a usage error" '[ $? -eq 2 ] && grep -q "no scenario matches" "$work/e1"'
echo '{"missing": "gpu"}' > "$work/bad.json"
"$runner" --scenarios "$dir" --impl-capabilities "$work/bad.json" > /dev/null 2> "$work/e2"
check "bad capabilities file" '[ $? -eq 2 ] && grep -q "array of strings" "$work/e2"'
# The capabilities file is read whole (it was once cut at 64 KiB, which broke its JSON), and
# one over the 1 MiB limit is refused by name, never truncated.
{ printf '{"missing": ['; i=0; while [ $i -lt 8000 ]; do printf '"cap-%d", ' $i; i=$((i + 1)); done
  printf '"gpu"]}\n'; } > "$work/big-caps.json"
check "capabilities file over 64 KiB" '[ $(wc -c < "$work/big-caps.json") -gt 65536 ]'
"$runner" --scenarios "$dir" --impl "/bin/sh '$impl'" --impl-capabilities "$work/big-caps.json" --tap \
  > "$work/tap3" 2> "$work/tap3.err"
check "big capabilities file read whole" 'grep -q "^ok 3 - SKIP-ONE # SKIP implementation lacks capability .gpu." "$work/tap3"'
head -c 1048577 /dev/zero | tr '\0' ' ' > "$work/huge-caps.json"
"$runner" --scenarios "$dir" --impl-capabilities "$work/huge-caps.json" > /dev/null 2> "$work/e6"
check "capabilities file over the limit refused" \
  '[ $? -eq 2 ] && grep -q "impl-capabilities $work/huge-caps.json: larger than 1048576 bytes" "$work/e6"'
echo '{"mising": ["gpu"]}' > "$work/typo-caps.json"
"$runner" --scenarios "$dir" --impl-capabilities "$work/typo-caps.json" > /dev/null 2> "$work/e12"
check "capabilities: unknown key named" \
  '[ $? -eq 2 ] && grep -q "impl-capabilities $work/typo-caps.json: mising: unknown key (expected one of: missing)" "$work/e12"'
echo '{"missing": "gpu"}' > "$work/type-caps.json"
"$runner" --scenarios "$dir" --impl-capabilities "$work/type-caps.json" > /dev/null 2> "$work/e13"
check "capabilities: wrong type named" '[ $? -eq 2 ] && grep -q "type-caps.json: missing: expected array of strings" "$work/e13"'
"$runner" --scenarios "$dir" --jobs 0 > /dev/null 2> "$work/e3"
check "bad --jobs" '[ $? -eq 2 ] && grep -q "jobs" "$work/e3"'
# The flag table's refusals name the flag, exit 2 and print the usage (getopt's wording, kept).
"$runner" --scenarios "$dir" --bogus > /dev/null 2> "$work/e7"
check "unknown flag" '[ $? -eq 2 ] && grep -q "^openshell-conformance: unrecognized option .--bogus.$" "$work/e7" && grep -q "^Options:" "$work/e7"'
"$runner" --scenarios "$dir" --filter > /dev/null 2> "$work/e8"
check "flag without its value" '[ $? -eq 2 ] && grep -q "option .--filter. requires an argument" "$work/e8"'
"$runner" --scenarios "$dir" --list=yes > /dev/null 2> "$work/e9"
check "value on a switch" '[ $? -eq 2 ] && grep -q "option .--list=yes. doesn.t allow an argument" "$work/e9"'
"$runner" --scenarios "$dir" extra > /dev/null 2> "$work/e10"
check "operand" '[ $? -eq 2 ] && grep -q "unexpected argument .extra." "$work/e10"'
mkdir "$work/empty"
"$runner" --catalogue "$work/empty" --list > /dev/null 2> "$work/e11"
check "empty catalogue listed cleanly" '! grep -q "runtime error" "$work/e11"'
"$runner" --scenarios="$dir" --list > "$work/list3"
check "--flag=VALUE" 'cmp -s "$work/list" "$work/list3"'
"$runner" --scenarios "$dir" --impl "'unterminated" > /dev/null 2> "$work/e4"
check "bad --impl" '[ $? -eq 2 ] && grep -q "unterminated" "$work/e4"'
"$runner" --scenarios "$work/none" > /dev/null 2> "$work/e5"
check "missing catalogue" '[ $? -eq 2 ] && grep -q "scenario catalogue $work/none" "$work/e5"'
"$runner" --catalogue "$dir" --list > "$work/list2"
check "--catalogue is --scenarios" 'cmp -s "$work/list" "$work/list2"'
check "--version" '"$runner" --version | grep -qx "openshell-conformance [0-9][0-9.]*"'

# The HTML report links each cited rule to its anchor in the rules document.
check "report links rules" 'grep -q "<a href=\"[^\"]*rules.md#3.4\">§3.4</a>" "$work/rep/index.html"'
"$runner" --scenarios "$dir" --rules-url "https://example.org/rules.md" --impl "/bin/sh '$impl'" --filter PASS-ONE \
  --report "$work/rep2" > /dev/null 2>&1
check "--rules-url" 'grep -q "<a href=\"https://example.org/rules.md#3.4\">" "$work/rep2/index.html"'

# --coverage: each rule with the scenarios citing it, then what no scenario covers.
printf '%s\n' '<a id="3"></a>' '## §3 CLI' '<a id="3.1"></a>' '### §3.1 Commands' '<a id="3.4"></a>' '### §3.4 Output' \
  '<a id="3.5"></a>' '### §3.5 Exit' '<a id="9"></a>' '## §9 Other' > "$work/rules.md"
"$runner" --scenarios "$dir" --rules "$work/rules.md" --coverage > "$work/cov" 2> "$work/cov.err"
check "coverage exit 0" '[ $? -eq 0 ]'
check "coverage lists citing scenarios" 'grep -q "^§3.4 Output	.*PASS-ONE" "$work/cov"'
check "coverage: parent through sub-sections" 'grep -q "^§3 CLI	(through sub-sections)" "$work/cov"'
check "coverage: uncovered rule" 'grep -qx "UNCOVERED 9 §9 Other" "$work/cov"'
printf '%s\n' '<a id="9"></a>' '## §9 Other' > "$work/rules2.md"
"$runner" --scenarios "$dir" --rules "$work/rules2.md" --coverage > "$work/cov2" 2> "$work/cov2.err"
check "coverage: unknown citation fails" '[ $? -eq 1 ] && grep -q "^UNKNOWN §3.4 in PASS-ONE" "$work/cov2"'
"$runner" --scenarios "$dir" --rules "$work/none.md" --coverage > /dev/null 2> "$work/cov3.err"
check "coverage: missing rules document" '[ $? -eq 2 ] && grep -q "rules document $work/none.md" "$work/cov3.err"'
# Lines of any length: a heading longer than any line buffer is read whole, not cut.
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
printf '%s\n' '<a id="3.1"></a>' '### §3.1 C' '<a id="3.4"></a>' '### §3.4 O' '<a id="3.5"></a>' '### §3.5 E' \
  '<a id="7"></a>' "## §7 $long" > "$work/rules3.md"
"$runner" --scenarios "$dir" --rules "$work/rules3.md" --coverage > "$work/cov4" 2> "$work/cov4.err"
check "coverage: a 5000-byte heading read whole" '[ $? -eq 0 ] && grep -qx "UNCOVERED 7 §7 $long" "$work/cov4"'
head -c 4194305 /dev/zero | tr '\0' '#' > "$work/huge-rules.md"
"$runner" --scenarios "$dir" --rules "$work/huge-rules.md" --coverage > /dev/null 2> "$work/cov5.err"
check "coverage: rules document over the limit refused" \
  '[ $? -eq 2 ] && grep -q "rules document $work/huge-rules.md: larger than 4194304 bytes" "$work/cov5.err"'

# --docker real writes the same reports as the mock mode (one reporting path). A world-less
# scenario needs no daemon, so it runs the same on both sides and is reported SAME (passed).
mkdir "$work/realcat"
echo '{"id": "REAL-ONE", "rule": "r", "spec": "§3.4", "world": false, "real": {"names": ["t"], "why": "w"},
  "steps": [{"args": ["out", "x"], "expect": {"stdout": {"equals": "x\n"}}}]}' > "$work/realcat/REAL-ONE.json"
"$runner" --catalogue "$work/realcat" --impl "/bin/sh '$impl'" --docker real --docker-host "unix://$work/no-daemon.sock" \
  --report "$work/realrep" --junit "$work/real.xml" --tap > "$work/realtap" 2> "$work/real.err"
check "real mode: exit 0" '[ $? -eq 0 ]'
check "real mode: SAME line" 'grep -q "^SAME REAL-ONE" "$work/real.err"'
check "real mode: html report" 'grep -q "REAL-ONE" "$work/realrep/index.html" && grep -q "1 passed" "$work/realrep/index.html"'
check "real mode: junit" 'grep -q "<testcase[^>]*REAL-ONE" "$work/real.xml"'
check "real mode: tap" 'grep -qx "1..1" "$work/realtap" && grep -qx "ok 1 - REAL-ONE" "$work/realtap"'
echo "$fails check(s) failed"
[ $fails -eq 0 ]
