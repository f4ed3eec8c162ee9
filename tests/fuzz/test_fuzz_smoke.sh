#!/bin/bash
# Fuzz smoke: build the libFuzzer targets with clang (ASan + UBSan), replay
# each committed corpus (every input must pass), then fuzz each target for
# a short bounded time. The long campaigns are run by hand:
#   CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
#   build-fuzz/tests/fuzz/fuzz_decode -max_total_time=600 tests/fuzz/corpus/decode
#
# usage: test_fuzz_smoke.sh BUILD_DIR   (BUILD_DIR unused: a clang build of
#        its own goes to build-fuzz/ beside it)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bdir="$repo/build-fuzz"
secs=${SL_FUZZ_SECS:-20}
log=$(mktemp /tmp/sl-fuzz-build-XXXXXX.log)
work=$(mktemp -d /tmp/sl-fuzz-XXXXXX)
trap 'rm -rf "$work" "$log"' EXIT

if ! command -v clang >/dev/null 2>&1; then
	echo "1..0 # SKIP clang not installed"
	exit 0
fi
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" "$repo" -Dfuzz=true >"$log" 2>&1 ||
		{ echo "not ok - configure the fuzz build"; sed 's/^/# /' "$log" | tail -20; exit 1; }
fi
if ninja -C "$bdir" tests/fuzz/fuzz_decode tests/fuzz/fuzz_reader tests/fuzz/fuzz_parse tests/fuzz/fuzz_rules tests/fuzz/fuzz_framing tests/fuzz/fuzz_tcp tests/fuzz/fuzz_tenant tests/fuzz/fuzz_http tests/fuzz/fuzz_kafka_msg >"$log" 2>&1; then
	echo "ok - fuzz targets build with clang (ASan, UBSan)"
else
	echo "not ok - fuzz targets build"; sed 's/^/# /' "$log" | tail -20; exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0
for t in decode reader parse rules framing tcp tenant http kafka_msg; do
	bin="$bdir/tests/fuzz/fuzz_$t"
	corpus="$here/corpus/$t"
	n=$(find "$corpus" -type f | wc -l)
	if timeout 300 "$bin" -runs=0 "$corpus" >"$work/$t.replay" 2>&1; then
		echo "ok - fuzz_$t replays its $n corpus inputs"
	else
		echo "not ok - fuzz_$t replays its corpus"; tail -30 "$work/$t.replay" | sed 's/^/# /'; fail=1
	fi
	mkdir -p "$work/$t"
	# New inputs go to a scratch corpus, never into the tree.
	if timeout $((secs + 60)) "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/$t" "$corpus" >"$work/$t.run" 2>&1; then
		echo "ok - fuzz_$t runs ${secs}s without a finding ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t.run" | awk '{print $2}') execs)"
	else
		echo "not ok - fuzz_$t found a crash in ${secs}s"; tail -40 "$work/$t.run" | sed 's/^/# /'
		ls "$work"/crash-* "$work"/leak-* 2>/dev/null | sed 's/^/# artifact: /'
		fail=1
	fi
done
exit $fail
