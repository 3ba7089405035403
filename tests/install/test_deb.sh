#!/bin/sh
# test_deb.sh BUILD_DIR: cpack -G DEB, then check the package with dpkg-deb (file list,
# dependencies computed by dpkg-shlibdeps) and unpack it into a throwaway root, where the
# installed runner judges the installed openshell from another directory.
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null || { echo "SKIP: dpkg-deb/dpkg-shlibdeps missing (apt-get install dpkg-dev)"; exit 77; }

(cd "$build" && cpack -G DEB -B "$tmp/out") >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$tmp"/out/*.deb)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb -I "$deb" >"$tmp/info"
sed -n 's/^ \(Package\|Version\|Architecture\|Installed-Size\|Depends\): /  \1: /p' "$tmp/info"
depends=$(sed -n 's/^ Depends: //p' "$tmp/info")
for lib in libc6 libmicrohttpd12 libcurl4 libcjson1 libarchive13 libyaml-0-2; do
  echo "$depends" | grep -q "\b$lib\b" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/files"
for f in ./usr/bin/openshell ./usr/bin/openshell-mockd ./usr/bin/openshell-conformance \
         ./usr/include/openshell/mock_world.h ./usr/lib/pkgconfig/openshell-mocks.pc \
         ./usr/lib/cmake/OpenShellConformance/OpenShellConformanceConfig.cmake \
         ./usr/share/openshell-conformance/scenarios/DEP-FRESH.json \
         ./usr/share/openshell-conformance/fixtures/scenarios/default.json \
         ./usr/share/doc/openshell-conformance/rules.md ./usr/share/man/man1/openshell-conformance.1; do
  grep -qx "$f" "$tmp/files" || fail "not in the package: $f"
done
grep -q '^./usr/lib/libopenshell-mocks.so' "$tmp/files" || fail "the mocks library is not in the package"
echo "  $(wc -l <"$tmp/files") entries"

# A throwaway root: the package's files alone, run from another directory.
dpkg-deb -x "$deb" "$tmp/root"
cd /
"$tmp/root/usr/bin/openshell-conformance" --version
"$tmp/root/usr/bin/openshell-conformance" --impl "$tmp/root/usr/bin/openshell" \
    --filter 'DEP-FRESH,NN-DEPLOY*,CLI-BADNAME-*,DES-FULL,SBX-G1' --jobs 2 || fail "the unpacked runner against the unpacked openshell"
echo "install.deb: all passed"
