#!/bin/sh
# test_consumer.sh BUILD_DIR SOURCE_DIR: install the kit into a temporary prefix, check the
# installed tree, move it (nothing may point into the build or source tree), run the runner
# from another directory, build and run examples/consumer with find_package and its C test
# with pkg-config alone, and check the configure-time errors of openshell_conformance_add_tests.
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/first" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
mv "$tmp/first" "$tmp/prefix"   # a moved tree must still work: no absolute paths inside
p=$tmp/prefix
for f in bin/openshell bin/openshell-mockd bin/openshell-conformance \
         include/openshell/mock_world.h lib/pkgconfig/openshell-mocks.pc \
         lib/cmake/OpenShellConformance/OpenShellConformanceConfig.cmake \
         share/openshell-conformance/scenarios/DEP-FRESH.json share/openshell-conformance/scenarios/_common.json \
         share/openshell-conformance/fixtures/scenarios/default.json \
         share/doc/openshell-conformance/rules.md share/doc/openshell-conformance/CHANGELOG.md \
         share/man/man1/openshell.1 share/man/man1/openshell-mockd.1 share/man/man1/openshell-conformance.1; do
  [ -e "$p/$f" ] || fail "not installed: $f"
done
ls "$p"/lib/libopenshell-mocks.so* >/dev/null 2>&1 || fail "not installed: lib/libopenshell-mocks.so"
echo "installed tree:"; (cd "$p" && find . -path ./share/openshell-conformance -prune -o -print | sort | sed 's/^/  /')
echo "  ./share/openshell-conformance: $(ls "$p/share/openshell-conformance/scenarios" | wc -l) catalogue files, $(find "$p/share/openshell-conformance/fixtures" -type f | wc -l) fixture files"
grep -rl -e "$build" -e "$src" "$p/share" "$p/lib/cmake" "$p/lib/pkgconfig" && fail "installed text files name the build or source tree"

# The installed runner, from another directory, finds its own catalogue; --catalogue overrides.
cd /
"$p/bin/openshell-conformance" --version | grep -qx 'openshell-conformance [0-9.]*' || fail "--version"
"$p/bin/openshell-conformance" --list --filter 'DEP-FRESH' | grep -q '^DEP-FRESH' || fail "installed runner does not find its catalogue"
mkdir "$tmp/cat" && cp "$src/conformance/scenarios/_common.json" "$src/conformance/scenarios/NN-VEC-N01.json" "$tmp/cat/"
[ "$("$p/bin/openshell-conformance" --catalogue "$tmp/cat" --list | wc -l)" = 1 ] || fail "--catalogue DIR does not override"
"$p/bin/openshell-conformance" --catalogue "$tmp/none" --list 2>"$tmp/err" && fail "a missing catalogue must fail"
grep -q "scenario catalogue $tmp/none" "$tmp/err" || fail "the missing catalogue is not named: $(cat "$tmp/err")"
"$p/bin/openshell-conformance" --filter 'NN-VEC-N0*,CLI-BADNAME-SLASH' --jobs 2 || fail "installed runner against the installed openshell"

# examples/consumer through find_package: scenarios as its ctests and the in-process mock world.
cmake -S "$src/examples/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$p" >"$tmp/cfg.log" 2>&1 || { cat "$tmp/cfg.log"; fail "consumer configure"; }
cmake --build "$tmp/consumer" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "consumer build"; }
ctest --test-dir "$tmp/consumer" --output-on-failure -j2 || fail "consumer ctest"
n=$(ctest --test-dir "$tmp/consumer" -N -L conformance | grep -c 'consumer\.')
[ "$n" -ge 10 ] || fail "expected the filtered scenarios as ctests, got $n"

# The same C test through pkg-config alone.
export PKG_CONFIG_PATH="$p/lib/pkgconfig"
flags=$(pkg-config --cflags --libs openshell-mocks) || fail "pkg-config openshell-mocks"
cc -o "$tmp/pc_test" "$src/examples/consumer/mock_world_test.c" $flags -Wl,-rpath,"$p/lib" || fail "pkg-config build"
"$tmp/pc_test" || fail "pkg-config built test"

# Bad input is a configure-time error naming the problem.
bad() { # bad NAME 'cmake call' 'expected message'
  mkdir -p "$tmp/bad-$1"
  printf 'cmake_minimum_required(VERSION 3.18)\nproject(bad LANGUAGES C)\nenable_testing()\nfind_package(OpenShellConformance REQUIRED)\n%s\n' "$2" >"$tmp/bad-$1/CMakeLists.txt"
  if cmake -S "$tmp/bad-$1" -B "$tmp/bad-$1/b" -DCMAKE_PREFIX_PATH="$p" >"$tmp/bad-$1.log" 2>&1; then fail "$1: configure succeeded"; fi
  # CMake wraps messages: compare with the lines joined
  tr '\n' ' ' <"$tmp/bad-$1.log" | tr -s ' ' | grep -q "$3" || { cat "$tmp/bad-$1.log"; fail "$1: message lacks '$3'"; }
  echo "ok configure error: $1"
}
bad no-impl 'openshell_conformance_add_tests(FILTER "DEP-*")' 'IMPL <command> is required'
bad filter-none 'openshell_conformance_add_tests(IMPL /bin/true FILTER "NOPE-*")' "FILTER 'NOPE-\*' selects no scenario"
bad caps-missing 'openshell_conformance_add_tests(IMPL /bin/true CAPABILITIES /nonexistent/caps.json)' 'CAPABILITIES file /nonexistent/caps.json does not exist'

# A scenario needing a capability the implementation lacks is a skipped ctest, not a pass.
mkdir -p "$tmp/caps"
echo '{"missing": ["sandbox"]}' >"$tmp/caps/caps.json"
printf 'cmake_minimum_required(VERSION 3.18)\nproject(caps LANGUAGES C)\nenable_testing()\nfind_package(OpenShellConformance REQUIRED)\nopenshell_conformance_add_tests(IMPL %s FILTER SBX-G1 CAPABILITIES ${CMAKE_CURRENT_SOURCE_DIR}/caps.json)\n' \
  "$p/bin/openshell" >"$tmp/caps/CMakeLists.txt"
cmake -S "$tmp/caps" -B "$tmp/caps/b" -DCMAKE_PREFIX_PATH="$p" >"$tmp/caps.log" 2>&1 || { cat "$tmp/caps.log"; fail "capabilities project"; }
ctest --test-dir "$tmp/caps/b" >"$tmp/caps.out" 2>&1 || true
grep -q 'conformance.SBX-G1 .*Skipped' "$tmp/caps.out" || { cat "$tmp/caps.out"; fail "a scenario lacking a capability is not a skipped ctest"; }
echo "ok capability missing: skipped ctest"

mv "$p/share/openshell-conformance/scenarios" "$p/share/openshell-conformance/moved"
bad no-catalogue 'openshell_conformance_add_tests(IMPL /bin/true)' 'the scenario catalogue [^ ]*/share/openshell-conformance/scenarios does not exist'
echo "install.consumer: all passed"
