#!/bin/sh
# run_fuzzers.sh: runs the libFuzzer binaries of a clang -DOSH_FUZZ=ON build one after the other,
# each for SECONDS (default 120), on a scratch copy of its seed corpus. Crashes are kept going
# past (fork mode) and saved under WORK/artifacts/TARGET/; the log of each run is WORK/TARGET.log.
# dict/TARGET.dict, when present, is handed to libFuzzer as -dict=.
# Usage: run_fuzzers.sh BUILD_DIR WORK_DIR [SECONDS] [TARGET...]
set -eu
build=$1 work=$2 seconds=${3:-120}
shift 2
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-$(cd "$here/corpus" && ls)}
mkdir -p "$work"
for t in $targets; do
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
    cp -n "$here/corpus/$t/"* "$work/corpus/$t/" 2>/dev/null || true
    dict=
    [ -e "$here/dict/$t.dict" ] && dict="-dict=$here/dict/$t.dict"
    echo "== $t ($seconds s)"
    "$build/bin/fuzz_$t" $dict -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t/" "$work/corpus/$t" >"$work/$t.log" 2>&1 || true
    tail -n 3 "$work/$t.log"
    ls "$work/artifacts/$t" | head
done
