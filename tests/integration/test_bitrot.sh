#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bit rot in sealed segments. sluice imports a capture into several sealed
# segments (--segment-size 512K, --batch-size 64K: a few hundred frames),
# sluice-cat --format json reads everything back (the reference), then single
# bytes are flipped, each case on a fresh copy of the output:
#   frame cases  the middle of a middle frame's compressed bytes, the first
#                byte (zstd magic) of the first frame of a segment, the last
#                byte (content checksum) of the last frame of the last segment:
#                `sluice-cat --verify` exits 1, its DAMAGE lines name exactly
#                that segment and frame offset (taken from the index by
#                seg_tool.py, an independent reader of docs/FORMAT.md) and
#                nothing else, the summary says "1 damaged"; plain
#                `sluice-cat --format json` still returns every other record:
#                its output equals the reference minus exactly the records of
#                the damaged frame (shard, seq in [first_seq, first_seq+nrec)),
#                in the same order.
#   index case   one byte of an index entry: --verify exits 1 with a DAMAGE
#                line for that segment at or after the index frame; every
#                record is still returned (the data frames are whole).
#   trailer case one byte of the trailer's nrec: same assertions.
#
# usage: test_bitrot.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. Runs in a few seconds.
set -u
BUILD=$(cd "${1:?usage: test_bitrot.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
seg() { python3 "$HERE/seg_tool.py" "$@"; }
PREFIX=sl-it-rot-$$
. "$HERE/tap.sh"
it_scratch sl-it-rot "$PREFIX"

it_need "$GEN" "$SLUICE" "$CAT"

it_gen --out "$T/in.pcap" --count 30000 --flows 64 --seed 11
it_import "$T/in.pcap" "$T/orig" --segment-size 512K --batch-size 64K
rc=$?
if [ $rc = 0 ]; then
	ok "sluice imported 30000 messages and exited 0"
else
	notok "sluice exit status $rc"
	tail -n 5 "$T/sluice.err" | sed 's/^/# /'
	finish
fi
find "$T/orig" -name '*.zst' | sort >"$T/segs"
nseg=$(wc -l <"$T/segs")
if seg frames "$T/orig" >"$T/frames" 2>"$T/seg.err" && [ "$nseg" -ge 3 ]; then
	ok "$nseg segments, all sealed, $(wc -l <"$T/frames") frames in their indexes"
else
	notok "want >= 3 sealed segments: $nseg; $(head -c 300 "$T/seg.err")"
	finish
fi
if "$CAT" --verify "$T/orig" >"$T/v.out" 2>&1; then
	ok "before any flip: $(tail -1 "$T/v.out")"
else
	notok "before any flip, --verify fails: $(tail -3 "$T/v.out")"
fi
"$CAT" --format json "$T/orig" >"$T/ref.jsonl" 2>"$T/ref.err"
nref=$(wc -l <"$T/ref.jsonl")
[ "$nref" = 30000 ] && ok "reference read: 30000 records" || notok "reference read: $nref records, want 30000"

# damaged_frames VERIFY_STDERR: "PATH OFFSET" of each DAMAGE line, sorted, unique
damaged() { sed -n 's/^sluice-cat: DAMAGE \(.*\) offset \([0-9]*\): .*/\1 \2/p' "$1" | sort -u; }

# case_copy NAME: fresh copy of the pristine output in $T/NAME; prints nothing
case_copy() { rm -rf "${T:?}/$1"; cp -a "$T/orig" "$T/$1"; }

# frame_case NAME FRAMELINE WHERE: flip one byte of the frame; WHERE is mid|first|last
frame_case() {
	local name=$1 line=$2 where=$3 path shard off csize nrec fseq rel at vrc want
	read -r path shard off csize nrec fseq _ _ <<<"$line"
	rel=${path#"$T/orig/"}
	case "$where" in
	mid) at=$((off + csize / 2)) ;;
	first) at=$off ;;
	last) at=$((off + csize - 1)) ;;
	esac
	case_copy "$name"
	seg flip "$T/$name/$rel" "$at"
	"$CAT" --verify "$T/$name" >"$T/$name.vout" 2>"$T/$name.verr"
	vrc=$?
	want="$T/$name/$rel $off"
	if [ $vrc = 1 ] && [ "$(damaged "$T/$name.verr")" = "$want" ] &&
		grep -q ' 1 damaged$' "$T/$name.vout"; then
		ok "$name: --verify exits 1 and reports exactly $rel offset $off (byte $at flipped)"
	else
		notok "$name: --verify status $vrc (want 1), damage reported: $(damaged "$T/$name.verr" | tr '\n' ';') want: $want; $(tail -1 "$T/$name.vout")"
		head -5 "$T/$name.verr" | sed 's/^/# /'
	fi
	"$CAT" --format json "$T/$name" >"$T/$name.jsonl" 2>"$T/$name.cerr"
	python3 - "$T/ref.jsonl" "$T/$name.jsonl" "$shard" "$fseq" "$nrec" <<-'EOF' >"$T/$name.cmp" 2>&1
	import json, sys
	ref, got, shard, fseq, nrec = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
	want = []
	gone = 0
	for line in open(ref, 'rb'):
	    r = json.loads(line)
	    if r['shard'] == shard and fseq <= r['seq'] < fseq + nrec:
	        gone += 1
	        continue
	    want.append(line)
	have = open(got, 'rb').readlines()
	if gone != nrec:
	    print('reference holds %d records of the frame, its index says %d' % (gone, nrec)); sys.exit(1)
	if have != want:
	    print('got %d records, want %d (reference %d less the frame\'s %d)' % (len(have), len(want), len(want) + gone, gone))
	    for i, (a, b) in enumerate(zip(have, want)):
	        if a != b:
	            print('first difference at record %d' % i); break
	    sys.exit(1)
	print('%d records = reference less the %d of the damaged frame' % (len(have), gone))
	EOF
	if [ $? = 0 ]; then
		ok "$name: sluice-cat returns every other record: $(cat "$T/$name.cmp")"
	else
		notok "$name: sluice-cat output: $(head -c 400 "$T/$name.cmp")"
	fi
}

seg2=$(sed -n 2p "$T/segs")
nf2=$(grep -c "^$seg2 " "$T/frames")
frame_case frame_mid "$(grep "^$seg2 " "$T/frames" | sed -n "$(( (nf2 + 1) / 2 ))p")" mid
frame_case frame_first "$(grep "^$seg2 " "$T/frames" | head -1)" first
seglast=$(tail -1 "$T/segs")
frame_case frame_last "$(grep "^$seglast " "$T/frames" | tail -1)" last

# meta_case NAME OFFSET_EXPR: flip one byte of the index or trailer of segment 2
meta_case() {
	local name=$1 at=$2 rel=${seg2#"$T/orig/"} vrc dmg
	case_copy "$name"
	seg flip "$T/$name/$rel" "$at"
	"$CAT" --verify "$T/$name" >"$T/$name.vout" 2>"$T/$name.verr"
	vrc=$?
	dmg=$(damaged "$T/$name.verr")
	if [ $vrc = 1 ] && [ -n "$dmg" ] &&
		! echo "$dmg" | grep -qv "^$T/$name/$rel " &&
		echo "$dmg" | awk -v lo="$index_off" '$2 < lo { bad = 1 } END { exit bad }'; then
		ok "$name: --verify exits 1 and reports $rel at offset $(echo "$dmg" | awk '{print $2}' | tr '\n' ' ')(byte $at flipped, index at $index_off)"
	else
		notok "$name: --verify status $vrc (want 1), damage reported: $(echo "$dmg" | tr '\n' ';') (want $rel at >= $index_off)"
		head -5 "$T/$name.verr" | sed 's/^/# /'
	fi
	"$CAT" --format json "$T/$name" >"$T/$name.jsonl" 2>"$T/$name.cerr"
	if cmp -s "$T/ref.jsonl" "$T/$name.jsonl"; then
		ok "$name: sluice-cat still returns all $nref records, unchanged"
	else
		notok "$name: sluice-cat returns $(wc -l <"$T/$name.jsonl") records (want all $nref, unchanged)"
	fi
}

layout=$(seg layout "$seg2")
index_off=$(echo "$layout" | sed -n 's/.*index_off=\([0-9]*\).*/\1/p')
trailer_off=$(echo "$layout" | sed -n 's/.*trailer_off=\([0-9]*\).*/\1/p')
# index entry 1, byte 10 of it (inside csize); trailer payload byte 32 (nrec)
meta_case index "$((index_off + 8 + 32 + 48 + 10))"
meta_case trailer "$((trailer_off + 8 + 32))"
finish
