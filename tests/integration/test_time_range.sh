#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Time-range reads. sluice imports a capture on one lcore into two shards with
# small batches (--batch-size 64K, --flush-ms 20, --segment-size 1M): a few
# sealed segments and a few hundred frames per shard, each frame covering a
# narrow slice of receive time (rx_ns is sluice's wall clock, not the pcap
# timestamp: a full-speed replay still spreads over ~0.2 s, and frame ranges
# follow each other per shard). The reference is a full
# `sluice-cat --format json` read. For each range below:
#   - `sluice-cat --format json --since T --until U` prints exactly the
#     reference records with T <= rx_ns < U, in the same order;
#   - `sluice-cat --verbose --count --since T --until U` says on stderr
#     "read: segments=N frames=F frames_skipped_by_index=S bytes=N" with F
#     exactly the number of frames whose index range [min_ns, max_ns] meets
#     [T, U), counted by seg_tool.py from the segments' indexes (an
#     independent reader of docs/FORMAT.md): only the frames the index
#     selects are decompressed; F + S = all frames; the count is right.
# Ranges: three frames in the middle of the run (T = a frame's min_ns, U = a
# later frame's max_ns, exclusive), a single nanosecond (the median record's
# rx_ns), everything before the first record (empty), --since alone (the last
# quarter), and the first range again with both bounds in ISO-8601 form.
#
# usage: test_time_range.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. Runs in a few seconds.
set -u
BUILD=$(cd "${1:?usage: test_time_range.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-it-tr-$$
. "$HERE/tap.sh"
it_scratch sl-it-tr "$PREFIX"
seg() { python3 "$HERE/seg_tool.py" "$@"; }

it_need "$GEN" "$SLUICE" "$CAT"

it_gen --out "$T/in.pcap" --count 80000 --flows 64 --seed 21
it_import "$T/in.pcap" "$T/out" --shards 2 --segment-size 1M --batch-size 64K --flush-ms 20
rc=$?
if [ $rc = 0 ]; then
	ok "sluice imported 80000 messages into 2 shards and exited 0"
else
	notok "sluice exit status $rc"
	tail -n 5 "$T/sluice.err" | sed 's/^/# /'
	finish
fi
if ! seg frames "$T/out" >"$T/frames" 2>"$T/seg.err"; then
	notok "segments not all sealed: $(head -c 300 "$T/seg.err")"
	finish
fi
nframes=$(wc -l <"$T/frames")
nseg=$(find "$T/out" -name '*.zst' | wc -l)
"$CAT" --format json "$T/out" >"$T/ref.jsonl" 2>"$T/ref.err"
nref=$(wc -l <"$T/ref.jsonl")
if [ "$nref" = 80000 ] && [ "$nframes" -ge 100 ]; then
	ok "reference: $nref records in $nframes frames of $nseg sealed segments"
else
	notok "reference: $nref records (want 80000) in $nframes frames (want >= 100)"
fi

# Range bounds from the data: frames sorted by min_ns.
sort -n -k7 "$T/frames" >"$T/frames.bytime"
k=$((nframes / 2))
T1=$(awk -v k=$k 'NR == k { print $7 }' "$T/frames.bytime")
U1=$(awk -v k=$((k + 2)) 'NR == k { print $8 }' "$T/frames.bytime")
TMED=$(python3 -c '
import json, sys
ns = sorted(int(l.split(b",", 1)[0].split(b":")[1]) for l in open(sys.argv[1], "rb"))
print(ns[len(ns) // 2])' "$T/ref.jsonl")
TFIRST=$(awk 'NR == 1 { print $7 }' "$T/frames.bytime")
TLATE=$(($(awk -v k=$((nframes * 3 / 4)) 'NR == k { print $7 }' "$T/frames.bytime") + 1))
iso() { python3 -c '
import sys, time
ns = int(sys.argv[1])
print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + ".%09dZ" % (ns % 10**9))' "$1"; }

# check_range NAME T U [CAT_T CAT_U]: U = 0 means no --until
check_range() {
	local name=$1 t=$2 u=$3 ct=${4:-$2} cu=${5:-$3} args want got line frames skipped
	args=(--since "$ct")
	[ "$u" != 0 ] && args+=(--until "$cu")
	"$CAT" --format json "${args[@]}" "$T/out" >"$T/$name.jsonl" 2>"$T/$name.err"
	python3 - "$T/ref.jsonl" "$t" "$u" <<-'EOF' >"$T/$name.want"
	import sys
	t, u = int(sys.argv[2]), int(sys.argv[3])
	out = sys.stdout.buffer
	for line in open(sys.argv[1], 'rb'):
	    ns = int(line.split(b',', 1)[0].split(b':')[1])
	    if ns >= t and (u == 0 or ns < u):
	        out.write(line)
	EOF
	want=$(wc -l <"$T/$name.want")
	got=$(wc -l <"$T/$name.jsonl")
	if cmp -s "$T/$name.want" "$T/$name.jsonl"; then
		ok "$name [${ct}, ${cu}): exactly the $want records in range, in order"
	else
		notok "$name [${ct}, ${cu}): got $got records, want the $want with $t <= rx_ns < $u; $(head -1 "$T/$name.err")"
	fi
	frames=$(seg count-range "$t" "$u" "$T/out")
	"$CAT" --verbose --count "${args[@]}" "$T/out" >"$T/$name.vout" 2>"$T/$name.verr"
	line=$(grep -E '^read: segments=[0-9]+ frames=[0-9]+ frames_skipped_by_index=[0-9]+ bytes=[0-9]+' "$T/$name.verr" | tail -1)
	got=$(echo "$line" | sed -n 's/.* frames=\([0-9]*\) .*/\1/p')
	skipped=$(echo "$line" | sed -n 's/.* frames_skipped_by_index=\([0-9]*\) .*/\1/p')
	if [ -z "$line" ]; then
		notok "$name: no 'read: segments=N frames=N frames_skipped_by_index=N bytes=N' line from sluice-cat --verbose (waits for --verbose): $(head -1 "$T/$name.verr")"
	elif [ "$got" = "$frames" ] && [ "$(cat "$T/$name.vout")" = "$want" ] &&
		[ $((got + skipped)) = "$nframes" ]; then
		ok "$name: --verbose read $got frames = the $frames of $nframes the index selects (skipped $skipped), count $want"
	else
		notok "$name: --verbose read $got frames (count $(cat "$T/$name.vout")), the index selects $frames of $nframes (count $want): $line"
	fi
}

check_range middle "$T1" "$U1"
check_range one_ns "$TMED" "$((TMED + 1))"
check_range before_all 1 "$TFIRST"
check_range since_only "$TLATE" 0
check_range middle_iso "$T1" "$U1" "$(iso "$T1")" "$(iso "$U1")"
finish
