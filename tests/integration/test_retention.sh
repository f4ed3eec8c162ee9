#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Retention (--retain BYTES). A capture of poorly compressible messages
# (random hex from a --corpus: ~3.9 MB of segments per replay) is replayed
# through net_pcap three times into the same --out (three runs: retention
# works at run time and picks up the existing tree at start) with
# --retain 2M --segment-size 256K --batch-size 64K on one lcore (one shard):
# ~6 times the budget over ~45 segment rotations. Asserted:
#   - each run exits 0 on --idle-exit (1500 ms: at least one retention poll,
#     once a second, after the last rotation) and prints a "plan: retain" line;
#   - after each run, `du` of the --out tree <= budget + what the newest
#     (never deleted) segment of the shard may hold beyond it: segment size +
#     two batches, + 64 KiB for directories;
#   - deletions happened and the log names each one: the "deleted PATH"
#     lines = the retain counters' segments_deleted (summed over the runs) >
#     0, and no deleted file is still there;
#   - what is left is a contiguous run of sequence numbers (each segment's
#     first_seq = the previous one's + its records, from the indexes), not
#     starting at 0, holding the newest records: what `sluice-cat --format
#     raw` returns is byte for byte the tail of what was sent (the three
#     replays one after the other), down to the last message;
#   - `sluice-cat --verify` passes.
# The usage between two polls is not asserted (it can exceed the budget by
# up to a second of writing); the maximum seen by sampling `du` every 100 ms
# is printed as a comment.
#
# usage: test_retention.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. ~10 s.
set -u
BUILD=$(cd "${1:?usage: test_retention.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-it-ret-$$
BUDGET=$((2 << 20))
SEGSZ=$((256 << 10))
ALLOW=$((SEGSZ + 2 * (64 << 10) + (64 << 10)))
RUNS=3
. "$HERE/tap.sh"
it_scratch sl-it-ret "$PREFIX"
SPID=
seg() { python3 "$HERE/seg_tool.py" "$@"; }

it_need "$GEN" "$SLUICE" "$CAT"

python3 - "$T/corpus.txt" <<-'EOF'
import random, sys
r = random.Random(3)
with open(sys.argv[1], 'w') as f:
    for i in range(4000):
        f.write('app[%d]: ' % i + ''.join(r.choice('0123456789abcdef')
                for _ in range(r.randint(150, 450))) + '\n')
EOF
"$GEN" --out "$T/in.pcap" --expect "$T/expect.jsonl" --count 20000 --corpus "$T/corpus.txt" \
	--seed 3 2>"$T/gen.err" ||
	{ notok "sluice-gen failed: $(head -c 300 "$T/gen.err")"; finish; }
python3 - "$T/expect.jsonl" "$T/expect.raw" <<-'EOF'
import base64, json, sys
with open(sys.argv[2], 'wb') as out:
    for line in open(sys.argv[1], 'rb'):
        r = json.loads(line)
        m = base64.b64decode(r['msg_b64']) if 'msg_b64' in r else r['msg'].encode('utf-8', 'surrogatepass')
        out.write(m + b'\n')
EOF

OUT=$T/out
mkdir -p "$OUT"
deleted_ctr=0
maxdu=0
for run in $(seq 1 $RUNS); do
	"$SLUICE" --no-pci --no-huge -m 512 --file-prefix "$PREFIX" -l 0 \
		--vdev "net_pcap0,rx_pcap=$T/in.pcap" -- --out "$OUT" --idle-exit 1500 \
		--stats-interval 0 --batch-size 64K --segment-size 256K --retain 2M \
		>"$T/run$run.out" 2>"$T/run$run.err" &
	SPID=$!
	# sample the usage while it runs; bounded: 30 s
	for _ in $(seq 1 300); do
		kill -0 "$SPID" 2>/dev/null || break
		d=$(du -s --block-size=1 "$OUT" 2>/dev/null | cut -f1)
		[ "${d:-0}" -gt $maxdu ] && maxdu=$d
		sleep 0.1
	done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID"
	rc=$?
	SPID=
	d=$(du -s --block-size=1 "$OUT" | cut -f1)
	if [ $rc = 0 ] && grep -q '^plan: retain' "$T/run$run.out" "$T/run$run.err"; then
		ok "run $run: exit 0, plan: $(grep -h '^plan: retain' "$T/run$run.out" "$T/run$run.err" | head -1)"
	else
		notok "run $run: exit status $rc (or no 'plan: retain' line): $(tail -2 "$T/run$run.err" | tr '\n' ' ')"
	fi
	if [ "$d" -le $((BUDGET + ALLOW)) ]; then
		ok "run $run: du of --out after the run: $d bytes <= budget $BUDGET + $ALLOW"
	else
		notok "run $run: du of --out after the run: $d bytes > budget $BUDGET + $ALLOW"
		find "$OUT" -name '*.zst' -printf '# %s %b %p\n'
	fi
	c=$(sed -n '/final counters/,$p' "$T/run$run.out" | grep -o 'segments_deleted=[0-9]*' | cut -d= -f2 | head -1)
	deleted_ctr=$((deleted_ctr + ${c:-0}))
done
echo "# largest du seen while running: $maxdu bytes (budget $BUDGET)"

cat "$T"/run*.out "$T"/run*.err | grep -o 'deleted [^ ]*\.zst' | sed 's/^deleted //; s/:$//' >"$T/deleted"
nlog=$(wc -l <"$T/deleted")
still=0
while IFS= read -r p; do
	case "$p" in /*) ;; *) p=$OUT/${p#"$OUT"/} ;; esac
	[ -e "$p" ] && still=$((still + 1))
done <"$T/deleted"
if [ "$nlog" -gt 0 ] && [ "$nlog" = $deleted_ctr ] && [ $still = 0 ]; then
	ok "the log names $nlog deletions = segments_deleted over the runs; none of those files remain"
else
	notok "deletions: $nlog in the log, segments_deleted=$deleted_ctr over the runs, $still still present"
	grep -h -i 'retain\|delet' "$T"/run*.out "$T"/run*.err | head -5 | sed 's/^/# /'
fi

if seg frames "$OUT" >"$T/frames" 2>"$T/seg.err"; then
	res=$(python3 - "$T/frames" <<-'EOF'
	import sys
	segs = {}
	for line in open(sys.argv[1]):
	    p, shard, off, csize, nrec, fseq, mn, mx = line.split()
	    segs.setdefault(p, []).append((int(fseq), int(nrec)))
	nxt = None
	first = None
	for p in sorted(segs):
	    fr = segs[p]
	    if first is None:
	        first = fr[0][0]
	    if nxt is not None and fr[0][0] != nxt:
	        print('gap: %s starts at seq %d, want %d' % (p, fr[0][0], nxt)); sys.exit(1)
	    for s, n in fr:
	        if nxt is not None and s != nxt:
	            print('gap inside %s at seq %d' % (p, s)); sys.exit(1)
	        nxt = s + n
	print('%d segments hold seq %d .. %d' % (len(segs), first, nxt - 1))
	sys.exit(0 if first > 0 else 1)
	EOF
	)
	[ $? = 0 ] && ok "what is left is contiguous and the oldest is gone: $res" || notok "sequence: $res"
else
	notok "segments left are not all sealed: $(head -c 200 "$T/seg.err")"
fi

"$CAT" --format raw "$OUT" >"$T/got.raw" 2>"$T/cat.err"
for _ in $(seq 1 $RUNS); do cat "$T/expect.raw"; done >"$T/sent.raw"
got=$(stat -c %s "$T/got.raw")
if [ "$got" -gt 0 ] && tail -c "$got" "$T/sent.raw" | cmp -s - "$T/got.raw"; then
	ok "the newest records are all there: the $(wc -l <"$T/got.raw") records left are the last ones sent, byte for byte, in order"
else
	notok "the $(wc -l <"$T/got.raw") records left are not the last ones sent"
fi
vout=$("$CAT" --verify "$OUT" 2>&1)
[ $? = 0 ] && ok "sluice-cat --verify: $(echo "$vout" | tail -1)" ||
	notok "sluice-cat --verify: $(echo "$vout" | head -3 | tr '\n' ' ')"
finish
