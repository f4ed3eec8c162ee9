#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-cat --kafka against librdkafka's mock cluster (sl-kafka-mock).
# sluice imports a capture into two shards, many small frames and several
# sealed segments per shard; sl-kafka-put produces every data frame as one
# message following the forwarder's contract (value = the frame's bytes,
# key node/shard, timestamp, sluice.* headers). Asserted:
#   - JSON from a 1-partition topic is byte for byte `sluice-cat --format
#     json DIR`; text and raw too; from a 4-partition topic (partitioned by
#     key) the same lines as a multiset, each shard's seqs in order;
#     --since/--until select the same records as on disk; --count over two
#     topics is the sum;
#   - --headers: one line per frame, equal to what seg_tool.py (an
#     independent reader of docs/FORMAT.md) says each frame is (segment,
#     offset, size, shard, seq, records, first/last ns, key), in storage
#     order on the 1-partition topic, and no duplicates;
#   - --verify: "verify: N messages, N records, 0 damaged: OK", exit 0;
#   - a flipped byte in one value: DAMAGE naming TOPIC/PARTITION@OFFSET,
#     exit 1, that batch's records (and only those) missing from the output,
#     also without --verify; a header that disagrees with its batch: DAMAGE
#     under --verify only, its records still counted;
#   - a missing topic exits 2 within --kafka-timeout and is not created by
#     asking; an unreachable cluster exits 2 within --kafka-timeout; a bad
#     --kafka-opt exits 2 naming the property; flag misuse exits 2;
#   - following: --from-beginning --follow keeps reading across the brokers
#     going down and up (SIGUSR1/SIGUSR2 to the mock), reports the consumer
#     errors on stderr, gets every record once and exits 0 on SIGTERM;
#     without --from-beginning it starts at the end: only what is produced
#     after it started;
#   - sl-kafka-mock: bad arguments exit 2, --brokers 3 --rtt works, SIGTERM
#     exits 0.
#
# usage: test_kafka_cat.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. ~25 s.
set -u
BUILD=$(cd "${1:?usage: test_kafka_cat.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
MOCK=$BUILD/tests/tools/sl-kafka-mock
PUT=$BUILD/tests/tools/sl-kafka-put
PREFIX=sl-it-kcat-$$
NODE=edge-7
. "$HERE/tap.sh"
it_scratch sl-it-kcat "$PREFIX"
MPID=
M2PID=
FPID=
cleanup() {
	local p
	for p in $FPID $MPID $M2PID; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	it_cleanup
}
trap cleanup EXIT
seg() { python3 "$HERE/seg_tool.py" "$@"; }

# wait_until TENTHS CMD...: CMD every 0.1 s until it succeeds; 1 if it never did
wait_until() {
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# kcat ARGS...: sluice-cat --kafka on the mock, bounded; stdout in $T/k.out,
# stderr in $T/k.err, status in $rc
kcat() {
	timeout -k 5 60 "$CAT" --kafka "$BS" "$@" >"$T/k.out" 2>"$T/k.err"
	rc=$?
}
# start_mock FILE ARGS...: sl-kafka-mock in the background (pid in $started),
# its bootstrap list in $started_bs once it printed it (10 s at most)
start_mock() {
	local out=$1
	shift
	"$MOCK" "$@" >"$out" 2>"$out.err" &
	started=$!
	started_bs=
	if wait_until 100 grep -q '^bootstrap=' "$out"; then
		started_bs=$(sed -n 's/^bootstrap=//p' "$out")
	fi
}

it_need "$GEN" "$SLUICE" "$CAT" "$MOCK" "$PUT"

# --- segments -------------------------------------------------------------
it_gen --out "$T/in.pcap" --count 20000 --flows 16 --seed 5
it_import "$T/in.pcap" "$T/seg" --shards 2 --batch-size 8K --flush-ms 5 --segment-size 64K
rc=$?
D=$T/seg
if [ $rc = 0 ] && seg frames "$D" >"$T/frames" 2>"$T/seg.err"; then
	ok "sluice imported 20000 messages: $(wc -l <"$T/frames") frames in $(find "$D" -name '*.zst' | wc -l) sealed segments"
else
	notok "import: sluice status $rc; $(head -c 300 "$T/seg.err")"
	finish
fi
NFRAMES=$(wc -l <"$T/frames")
"$CAT" --format json "$D" >"$T/disk.json"
"$CAT" --format text "$D" >"$T/disk.text"
"$CAT" --format raw "$D" >"$T/disk.raw"
NREC=$(wc -l <"$T/disk.json")
SH0=$D/default/default/shard-00
SH1=$D/default/default/shard-01
"$CAT" --format json "$SH0" >"$T/sh0.json"
"$CAT" --format json "$SH1" >"$T/sh1.json"

# --- the mock ---------------------------------------------------------------
start_mock "$T/mock.out" --topic one:1 --topic four:4 --topic bad:1 --topic live:2 --topic tail:1
MPID=$started
BS=$started_bs
if [ -n "$BS" ] && [ "$(wc -l <"$T/mock.out")" = 1 ]; then
	ok "sl-kafka-mock printed one line: bootstrap=$BS"
else
	notok "sl-kafka-mock printed no bootstrap line: $(head -c 300 "$T/mock.out.err")"
	finish
fi

for topic in one four; do
	timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic "$topic" --node "$NODE" "$D" \
		>"$T/put.$topic" 2>"$T/put.$topic.err"
	prc=$?
	if [ $prc = 0 ] && grep -qx "put: messages=$NFRAMES records=$NREC bytes=[0-9]*" "$T/put.$topic"; then
		ok "sl-kafka-put (idempotent producer) put $NFRAMES frames ($NREC records) into '$topic'"
	else
		notok "sl-kafka-put into '$topic': status $prc, $(cat "$T/put.$topic") $(head -c 300 "$T/put.$topic.err")"
	fi
done

# --- records ----------------------------------------------------------------
for f in json text raw; do
	kcat --topic one --from-beginning --format "$f"
	if [ $rc = 0 ] && cmp -s "$T/k.out" "$T/disk.$f"; then
		ok "--format $f from a 1-partition topic = --format $f of the segments, byte for byte"
	else
		notok "--format $f from 'one': status $rc, $(wc -l <"$T/k.out") lines (want $NREC, same bytes); $(head -c 300 "$T/k.err")"
	fi
done

kcat --topic four --from-beginning --format json
cp "$T/k.out" "$T/four.json"
if [ $rc = 0 ] && cmp -s <(sort "$T/four.json") <(sort "$T/disk.json"); then
	ok "--format json from a 4-partition topic: the same $NREC lines as the segments (as a multiset)"
else
	notok "--format json from 'four': status $rc, $(wc -l <"$T/four.json") lines; $(head -c 300 "$T/k.err")"
fi
order=$(python3 - "$T/four.json" <<-'EOF'
	import json, sys
	last = {}
	bad = 0
	for line in open(sys.argv[1], 'rb'):
	    r = json.loads(line)
	    if r['seq'] != last.get(r['shard'], -1) + 1:
	        bad += 1
	    last[r['shard']] = r['seq']
	print('%d shards, %d out of order' % (len(last), bad))
	EOF
)
if [ "$order" = "2 shards, 0 out of order" ]; then
	ok "from 'four', each shard's records come in seq order without gaps ($order)"
else
	notok "from 'four': $order"
fi

kcat --topic one --topic four --from-beginning --count
if [ $rc = 0 ] && [ "$(cat "$T/k.out")" = $((2 * NREC)) ]; then
	ok "--count over two topics: $((2 * NREC))"
else
	notok "--count over 'one' and 'four': status $rc, '$(cat "$T/k.out")' (want $((2 * NREC)))"
fi

# A range in the middle: the 40th to the 60th percentile of receive times.
read -r TS TU < <(python3 - "$T/disk.json" <<-'EOF'
	import sys
	ns = sorted(int(l.split(b',', 1)[0].split(b':')[1]) for l in open(sys.argv[1], 'rb'))
	print(ns[len(ns) * 2 // 5], ns[len(ns) * 3 // 5])
	EOF
)
"$CAT" --format json --since "$TS" --until "$TU" "$D" >"$T/disk.range"
kcat --topic one --from-beginning --format json --since "$TS" --until "$TU"
if [ $rc = 0 ] && [ -s "$T/k.out" ] && cmp -s "$T/k.out" "$T/disk.range"; then
	ok "--since/--until: the same $(wc -l <"$T/k.out") records as from the segments"
else
	notok "--since $TS --until $TU: status $rc, $(wc -l <"$T/k.out") records, want $(wc -l <"$T/disk.range")"
fi

# --- headers ----------------------------------------------------------------
python3 - "$T/frames" "$NODE" >"$T/want.headers" <<-'EOF'
	import os, sys
	for line in open(sys.argv[1]):
	    path, shard, off, csize, nrec, seq, mn, mx = line.split()
	    parts = path.split('/')
	    print('key=%s/%s sluice.format=1 sluice.node=%s sluice.tenant=%s sluice.stream=%s '
	          'sluice.shard=%s sluice.segment=%s sluice.offset=%s sluice.seq=%s '
	          'sluice.records=%s sluice.first_ns=%s sluice.last_ns=%s bytes=%s'
	          % (sys.argv[2], shard, sys.argv[2], parts[-4], parts[-3], shard,
	             os.path.basename(path)[:-4], off, seq, nrec, mn, mx, csize))
	EOF
kcat --topic one --from-beginning --headers
cut -d' ' -f4- "$T/k.out" >"$T/got.headers"
if [ $rc = 0 ] && cmp -s "$T/got.headers" "$T/want.headers" &&
	awk 'BEGIN { o = 0 } $1 != "one" || $2 != 0 || $3 != o++ { exit 1 }' "$T/k.out"; then
	ok "--headers on 'one': $NFRAMES lines, offsets 0.., each frame's segment, offset, size, seq, records, ns range and key as seg_tool.py reads them, in storage order"
else
	notok "--headers on 'one': status $rc; first difference: $(diff "$T/want.headers" "$T/got.headers" | head -3 | tr '\n' ' ')"
fi
kcat --topic four --from-beginning --headers
cut -d' ' -f4- "$T/k.out" | sort >"$T/got4.headers"
dups=$(cut -d' ' -f1-3 "$T/k.out" | sort | uniq -d | wc -l)
if [ $rc = 0 ] && cmp -s "$T/got4.headers" <(sort "$T/want.headers") && [ "$dups" = 0 ] &&
	[ "$(awk '{ split($4, k, "="); p[k[2]] = p[k[2]] " " $2 } END { for (s in p) { n = split(p[s], a, " "); for (i = 2; i <= n; i++) if (a[i] != a[1]) print s } }' "$T/k.out")" = "" ]; then
	ok "--headers on 'four': every frame once, no duplicate offsets, each key in one partition"
else
	notok "--headers on 'four': status $rc, $(wc -l <"$T/k.out") lines, $dups duplicate offsets"
fi

# --- verify -----------------------------------------------------------------
for topic in one four; do
	kcat --topic "$topic" --from-beginning --verify
	if [ $rc = 0 ] && [ "$(cat "$T/k.out")" = "verify: $NFRAMES messages, $NREC records, 0 damaged: OK" ] &&
		[ ! -s "$T/k.err" ]; then
		ok "--verify on '$topic': $(cat "$T/k.out")"
	else
		notok "--verify on '$topic': status $rc, '$(cat "$T/k.out")'; $(head -c 300 "$T/k.err")"
	fi
done

# --- damage -------------------------------------------------------------------
# Shard 0's frames in storage order: message 2's value gets a flipped byte,
# message 4 says it has 1 record.
grep "/shard-00/" "$T/frames" >"$T/frames0"
N0=$(wc -l <"$T/frames0")
R0=$(wc -l <"$T/sh0.json")
read -r _ _ _ _ BADN BADSEQ _ < <(sed -n 3p "$T/frames0")
read -r _ _ _ _ HDRN _ < <(sed -n 5p "$T/frames0")
timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic bad --node "$NODE" --tamper 2:value \
	--tamper 4:sluice.records=1 "$SH0" >"$T/put.bad" 2>"$T/put.bad.err" ||
	notok "sl-kafka-put into 'bad' failed: $(head -c 300 "$T/put.bad.err")"
python3 - "$T/sh0.json" "$BADSEQ" "$BADN" >"$T/want.bad" <<-'EOF'
	import json, sys
	lo, n = int(sys.argv[2]), int(sys.argv[3])
	for line in open(sys.argv[1], 'rb'):
	    if not lo <= json.loads(line)['seq'] < lo + n:
	        sys.stdout.buffer.write(line)
	EOF
kcat --topic bad --from-beginning --format json
if [ $rc = 1 ] && cmp -s "$T/k.out" "$T/want.bad" && [ "$(grep -c DAMAGE "$T/k.err")" = 1 ] &&
	grep -q '^sluice-cat: DAMAGE kafka bad/0@2: value: ' "$T/k.err"; then
	ok "a flipped byte in a value, no --verify: exit 1, 'DAMAGE kafka bad/0@2: value: ...', exactly its $BADN records missing"
else
	notok "flipped value: status $rc (want 1), $(wc -l <"$T/k.out") records (want $((R0 - BADN))); $(head -c 300 "$T/k.err")"
fi
kcat --topic bad --from-beginning --verify
want="verify: $N0 messages, $((R0 - BADN)) records, 2 damaged"
if [ $rc = 1 ] && [ "$(cat "$T/k.out")" = "$want" ] && [ "$(grep -c DAMAGE "$T/k.err")" = 2 ] &&
	grep -q '^sluice-cat: DAMAGE kafka bad/0@2: value: ' "$T/k.err" &&
	grep -qx "sluice-cat: DAMAGE kafka bad/0@4: header sluice.records=1 but the batch has $HDRN records" "$T/k.err"; then
	ok "--verify: exit 1, the bad value and the lying header each named by TOPIC/PARTITION@OFFSET; $want"
else
	notok "--verify on 'bad': status $rc, '$(cat "$T/k.out")' (want '$want'); $(head -c 400 "$T/k.err")"
fi

# --- errors -----------------------------------------------------------------
start=$(date +%s%N)
kcat --topic nosuch --from-beginning --kafka-timeout 5000
ms=$((($(date +%s%N) - start) / 1000000))
kcat --topic nosuch --from-beginning --kafka-timeout 5000
rc2=$rc
if [ "$rc2" = 2 ] && [ $ms -lt 6000 ] && grep -q "topic 'nosuch' does not exist" "$T/k.err"; then
	ok "a missing topic: exit 2 in $ms ms (--kafka-timeout 5000), still missing when asked again"
else
	notok "missing topic: status $rc2 after $ms ms; $(head -c 300 "$T/k.err")"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(date +%s%N)
timeout -k 5 60 "$CAT" --kafka "127.0.0.1:$port" --topic one --from-beginning --kafka-timeout 1500 \
	>"$T/k.out" 2>"$T/k.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc = 2 ] && [ $ms -lt 5000 ] && grep -q "no metadata within 1500 ms" "$T/k.err"; then
	ok "an unreachable cluster: exit 2 in $ms ms (--kafka-timeout 1500)"
else
	notok "unreachable cluster: status $rc after $ms ms; $(head -c 300 "$T/k.err")"
fi
kcat --topic one --from-beginning --kafka-opt no.such.property=1
if [ $rc = 2 ] && grep -q 'no.such.property' "$T/k.err" && [ ! -s "$T/k.out" ]; then
	ok "a bad --kafka-opt: exit 2, named: $(head -1 "$T/k.err")"
else
	notok "bad --kafka-opt: status $rc; $(head -c 300 "$T/k.err")"
fi
kcat --topic one --from-beginning --kafka-opt fetch.wait.max.ms=lots
if [ $rc = 2 ] && grep -q 'fetch.wait.max.ms' "$T/k.err"; then
	ok "a bad --kafka-opt value: exit 2, named"
else
	notok "bad --kafka-opt value: status $rc; $(head -c 300 "$T/k.err")"
fi
usage_ok=1
for args in "--stats --topic one" "" "--topic one --headers --count" "--topic one $D" \
	"--topic one --kafka-opt novalue" "--topic one --kafka-timeout 0"; do
	# shellcheck disable=SC2086
	kcat $args
	[ $rc = 2 ] || { usage_ok=0; echo "# --kafka $args: status $rc"; }
done
timeout 10 "$CAT" --topic one "$D" >/dev/null 2>&1
[ $? = 2 ] || { usage_ok=0; echo "# --topic without --kafka accepted"; }
if [ $usage_ok = 1 ]; then
	ok "misuse exits 2: --stats, no --topic, --headers with --count, a DIR, KEY without =, timeout 0, --topic without --kafka"
else
	notok "some misuse was not refused with exit 2"
fi

# --- following ----------------------------------------------------------------
timeout -k 5 120 "$CAT" --kafka "$BS" --topic live --from-beginning --follow --format json \
	--kafka-opt reconnect.backoff.max.ms=500 >"$T/live.json" 2>"$T/live.err" &
FPID=$!
timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic live --node "$NODE" "$SH0" >/dev/null 2>"$T/put.live.err"
wait_until 200 lines_ge "$T/live.json" "$R0"
got0=$(wc -l <"$T/live.json")
kill -USR1 "$MPID"
wait_until 50 grep -q 'sl-kafka-mock: brokers down' "$T/mock.out.err"
downlog=$?
sleep 1
kill -USR2 "$MPID"
wait_until 50 grep -q 'sl-kafka-mock: brokers up' "$T/mock.out.err"
uplog=$?
if [ $downlog = 0 ] && [ $uplog = 0 ]; then
	ok "SIGUSR1/SIGUSR2: the mock logs 'brokers down' and 'brokers up'"
else
	notok "mock down/up not logged: $(tail -3 "$T/mock.out.err")"
fi
timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic live --node "$NODE" "$SH1" >/dev/null 2>>"$T/put.live.err"
wait_until 400 lines_ge "$T/live.json" "$NREC"
kill -TERM "$FPID"
wait "$FPID"
frc=$?
FPID=
if [ "$got0" = "$R0" ] && [ $frc = 0 ] && cmp -s <(sort "$T/live.json") <(sort "$T/disk.json"); then
	ok "--from-beginning --follow: shard 0's $R0 records, then across brokers down and up shard 1's; all $NREC once; exit 0 on SIGTERM"
else
	notok "--follow: $got0 records before the outage (want $R0), $(wc -l <"$T/live.json") in all (want $NREC), status $frc; $(tail -c 300 "$T/live.err")"
fi
if grep -qE 'brokers are down|Connection refused|Disconnected' "$T/live.err"; then
	ok "the consumer's errors while the brokers were down are on stderr: $(grep -m1 -E 'brokers are down|Connection refused|Disconnected' "$T/live.err")"
else
	notok "no consumer error reported while the brokers were down"
fi

# From the end: what 'tail' holds before the start is not read. The fetch
# debug log says when the partition's end offset is resolved and fetching.
timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic tail --node "$NODE" "$SH0" >/dev/null 2>"$T/put.tail.err"
timeout -k 5 120 "$CAT" --kafka "$BS" --topic tail --format json --kafka-opt debug=fetch \
	>"$T/tail.json" 2>"$T/tail.err" &
FPID=$!
wait_until 100 grep -q 'Fetch topic tail \[0\] at offset' "$T/tail.err"
timeout -k 5 60 "$PUT" --bootstrap "$BS" --topic tail --node "$NODE" "$SH1" >/dev/null 2>>"$T/put.tail.err"
wait_until 200 lines_ge "$T/tail.json" "$(wc -l <"$T/sh1.json")"
sleep 0.5
kill -TERM "$FPID"
wait "$FPID"
frc=$?
FPID=
if [ $frc = 0 ] && cmp -s "$T/tail.json" "$T/sh1.json"; then
	ok "without --from-beginning: only the $(wc -l <"$T/sh1.json") records produced after the start, in order; exit 0 on SIGTERM"
else
	notok "from the end: $(wc -l <"$T/tail.json") records (want the $(wc -l <"$T/sh1.json") of shard 1 only), status $frc"
fi

# --- the mock itself ------------------------------------------------------------
bad=0
for args in "--brokers 0" "--partitions x" "--topic t:0" "--rtt -1" "--nope" "extra"; do
	# shellcheck disable=SC2086
	timeout 10 "$MOCK" $args >/dev/null 2>&1
	[ $? = 2 ] || { bad=1; echo "# sl-kafka-mock $args: not exit 2"; }
done
if [ $bad = 0 ]; then
	ok "sl-kafka-mock: bad arguments exit 2"
else
	notok "sl-kafka-mock accepted bad arguments"
fi
start_mock "$T/mock2.out" --brokers 3 --partitions 2 --topic three --rtt 5
M2PID=$started
nb=$(echo "$started_bs" | tr ',' '\n' | grep -c .)
BS2=$started_bs
timeout -k 5 60 "$PUT" --bootstrap "$BS2" --topic three --node "$NODE" "$D" >/dev/null 2>&1
timeout -k 5 60 "$CAT" --kafka "$BS2" --topic three --from-beginning --verify --verbose \
	>"$T/k.out" 2>"$T/k.err"
if [ "$nb" = 3 ] && grep -qx "verify: $NFRAMES messages, $NREC records, 0 damaged: OK" "$T/k.out" &&
	grep -q '^kafka: messages=[0-9]* bytes=[0-9]* partitions=2$' "$T/k.err"; then
	ok "--brokers 3 --partitions 2 --rtt 5: 3 bootstrap brokers, a 2-partition topic, $NFRAMES messages"
else
	notok "--brokers 3: $nb brokers, '$(cat "$T/k.out")'; $(head -c 300 "$T/k.err")"
fi
mrc=0
for p in "$MPID" "$M2PID"; do
	kill -TERM "$p"
	for _ in $(seq 1 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	wait "$p"
	r=$?
	[ $r = 0 ] || mrc=$r
done
MPID=
M2PID=
if [ $mrc = 0 ]; then
	ok "sl-kafka-mock exits 0 on SIGTERM"
else
	notok "sl-kafka-mock exit status $mrc on SIGTERM"
fi
finish
