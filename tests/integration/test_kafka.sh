#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Kafka forwarder (--kafka) end to end, against librdkafka's mock
# cluster (build/tests/tools/sl-kafka-mock: one broker, 4 partitions per
# topic; SIGUSR1/SIGUSR2 take it down/up). Captures made by tenant_pcap.py
# replayed through net_pcap on one lcore; topics kt.{tenant}.{stream};
# what Kafka holds is read back with `sluice-cat --kafka` (records as JSON,
# and one line of headers per batch) and compared with the segments by
# kafka_check.py: a record is (tenant, stream, shard, seq).
#   1. Normal run, three tenants, two streams, two shards: every stored
#      record is in Kafka exactly once, equal to the disk's, in per-shard
#      order; batch ids unique; the counters agree (records forwarded =
#      stored, nothing resent, lag 0); `sluice-cat --kafka --verify` OK.
#   2. The broker down for 10 s while sluice ingests (slowed by
#      --writer-pause-us to last ~15 s): ingestion goes on during the
#      outage (stored records grow), the lag grows (sluice_kafka_lag_*
#      on /metrics), then returns to 0 once the broker is back; no loss;
#      sluice sends no batch twice (resent 0: librdkafka's idempotent
#      retries only; the mock, unlike a broker, does not drop those, so a
#      repeat per source is tolerated there and printed).
#   3. kill -9 while forwarding (slow broker: --rtt 40), then a restart:
#      nothing stored is missing from Kafka; repeated batches at most one
#      per source (shard store), and no more than the restart counts as
#      resent.
#   4. Retention pressure with Kafka down (--retain 2M, ~9 MB of
#      incompressible records): segments are deleted only because the
#      budget forces it (every deletion is an unforwarded one, logged at
#      ERR), the disk stays near the budget; once the broker is back the
#      forwarder skips exactly what retention counted
#      (kafka drop_deleted = retain unforwarded_records) and Kafka holds
#      everything else: forwarded + lost = stored.
#
# usage: test_kafka.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. ~70 s.
set -u
BUILD=$(cd "${1:?usage: test_kafka.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
MOCK=$BUILD/tests/tools/sl-kafka-mock
PREFIX=sl-it-kafka-$$
. "$HERE/tap.sh"
it_scratch sl-it-kafka "$PREFIX"
MPID=
cleanup() {
	[ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	it_cleanup
}
trap cleanup EXIT
it_need "$SLUICE" "$CAT" "$MOCK"

kc() { python3 "$HERE/kafka_check.py" "$@"; }
tp() { python3 "$HERE/tenant_pcap.py" "$@"; }

# mock_start: a fresh mock cluster; sets MPID and BS (its bootstrap).
mock_start() {
	local i
	[ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	"$MOCK" --partitions 4 "$@" >"$T/mock.out" 2>"$T/mock.err" &
	MPID=$!
	BS=
	for ((i = 0; i < 100; i++)); do
		BS=$(sed -n 's/^bootstrap=//p' "$T/mock.out")
		[ -n "$BS" ] && return 0
		sleep 0.05
	done
	return 1
}

# sl_start NAME PCAP OUT [FLAGS...]: sluice in the background (SPID).
sl_start() {
	local name=$1 pcap=$2 out=$3
	shift 3
	mkdir -p "$out"
	timeout -k 5 120 "$SLUICE" --no-pci --no-huge -m 512 --file-prefix "$PREFIX" -l 0 \
		--vdev "net_pcap0,rx_pcap=$pcap" -- --out "$out" --stats-interval 0 \
		--kafka "$BS" --kafka-topic 'kt.{tenant}.{stream}' --node-id edge-1 "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	SPID=$!
}

# sl_wait: wait for sluice; its exit status.
sl_wait() {
	local rc
	wait "$SPID"
	rc=$?
	SPID=
	return $rc
}

# metric NAME: the sum of a family's samples on /metrics (0 if none).
metric() {
	it_http "http://127.0.0.1:$MPORT/metrics" --timeout 2
	echo "$HTTP_BODY" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%d\n", s }'
}

# wait_metric NAME OP VALUE TRIES: poll every 0.2 s until NAME OP VALUE.
wait_metric() {
	local i v
	for ((i = 0; i < $4; i++)); do
		v=$(metric "$1")
		case $2 in
		eq) [ "$v" -eq "$3" ] && return 0 ;;
		ge) [ "$v" -ge "$3" ] && return 0 ;;
		gt) [ "$v" -gt "$3" ] && return 0 ;;
		esac
		sleep 0.2
	done
	return 1
}

# read_back OUT TAG: disk and Kafka JSON of every tenant/stream under OUT,
# and the batch headers, into $T/TAG.{disk,kafka,hdr}.
read_back() {
	local out=$1 tag=$2 d t s
	: >"$T/$tag.disk"
	: >"$T/$tag.kafka"
	: >"$T/$tag.hdr"
	for d in "$out"/*/*/; do
		t=$(basename "$(dirname "$d")")
		s=$(basename "$d")
		ls "$d"/shard-*/*.zst >/dev/null 2>&1 || continue
		"$CAT" --format json "$d" >>"$T/$tag.disk" 2>>"$T/$tag.cat.err"
		"$CAT" --kafka "$BS" --topic "kt.$t.$s" --from-beginning --kafka-timeout 10000 \
			--kafka-opt fetch.wait.max.ms=20 --format json >>"$T/$tag.kafka" 2>>"$T/$tag.cat.err"
		"$CAT" --kafka "$BS" --topic "kt.$t.$s" --from-beginning --kafka-timeout 10000 \
			--kafka-opt fetch.wait.max.ms=20 --headers >>"$T/$tag.hdr" 2>>"$T/$tag.cat.err"
	done
}

ksum() { kc sum "$T/$1.out" "$2" "$3"; }

cat >"$T/tenants.conf" <<'EOF'
tenant A prefix=10.3.0.0/16
tenant B prefix=10.4.0.0/16
EOF
cat >"$T/route.rules" <<'EOF'
route-sp  raw /routeme/  route special
EOF

# ---------------------------------------------------------------------------
# 1. Normal run
cat >"$T/n.spec" <<'EOF'
750 10.3.0.1 514 A size=200
750 10.3.0.2 514 A size=200
750 10.3.0.3 514 A size=200
750 10.3.0.4 514 A size=200
750 10.4.0.1 514 B size=200
750 10.4.0.3 514 B size=200
500 10.4.0.2 514 B stream=special text=routeme size=200
500 10.4.0.4 514 B stream=special text=routeme size=200
500 10.6.0.1 514 default size=200
500 10.6.0.3 514 default size=200
500 10.6.0.2 514 default stream=special text=routeme size=200
500 10.6.0.4 514 default stream=special text=routeme size=200
EOF
NMSG=7500
if ! tp gen --seed 9 "$T/n.spec" "$T/n.pcap" "$T/n.jsonl" >"$T/gen.out" 2>&1; then
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
	finish
fi
if ! mock_start; then
	notok "sl-kafka-mock prints its bootstrap: $(head -c 300 "$T/mock.err")"
	finish
fi
sl_start n "$T/n.pcap" "$T/n" --tenants "$T/tenants.conf" --rules "$T/route.rules" \
	--shards 2 --batch-size 16K --idle-exit 1000 --kafka-drain-ms 20000
if sl_wait; then ok "1: sluice exits 0"; else notok "1: sluice exits 0: $(tail -3 "$T/n.err")"; fi
grep -q '^plan: kafka .* topic kt.{tenant}.{stream} node edge-1: 12 sources' "$T/n.out" &&
	ok "1: the plan names the forwarder and its 12 sources (3 tenants x 2 streams x 2 shards)" ||
	notok "1: plan line: $(grep '^plan: kafka' "$T/n.out")"
stored=$(ksum n store records)
fwd=$(ksum n kafka records)
[ "$stored" -eq "$NMSG" ] && [ "$fwd" -eq "$stored" ] &&
	ok "1: all $NMSG messages stored and forwarded (kafka records = store records)" ||
	notok "1: stored $stored, forwarded $fwd, sent $NMSG"
[ "$(ksum n kafka batches)" -eq "$(ksum n store frames)" ] &&
	ok "1: one Kafka message per stored frame ($(ksum n kafka batches))" ||
	notok "1: kafka batches $(ksum n kafka batches), store frames $(ksum n store frames)"
r=$(( $(ksum n kafka resent) + $(ksum n kafka lag_records) + $(ksum n kafka delivery_errors) +
	$(ksum n kafka drop_deleted) + $(ksum n kafka drop_missing) + $(ksum n kafka drop_damaged) ))
[ "$r" -eq 0 ] && ok "1: nothing resent, lost or left behind (resent, lag, errors, drops all 0)" ||
	notok "1: kafka counters: $(grep '^kafka\[' "$T/n.out" | head -3)"
read_back "$T/n" n
res=$(kc compare "$T/n.disk" "$T/n.kafka" "$T/n.hdr")
[ $? -eq 0 ] && ok "1: Kafka holds every record once, equal to the disk, in per-shard order: $res" ||
	notok "1: compare: $res"
nparts=$(awk '{ print $1 "/" $2 }' "$T/n.hdr" | sort -u | wc -l)
nkeys=$(awk '{ print $4 }' "$T/n.hdr" | sort -u | wc -l)
[ "$nkeys" -eq 2 ] && [ "$(awk '{ print $4 }' "$T/n.hdr" | grep -cv '^key=edge-1/[01]$')" -eq 0 ] &&
	ok "1: keys are node/shard ($nkeys keys over $nparts topic partitions)" ||
	notok "1: keys: $(awk '{ print $4 }' "$T/n.hdr" | sort | uniq -c | head -5)"
v=$("$CAT" --kafka "$BS" --topic kt.A.default --topic kt.B.special --from-beginning --verify 2>&1)
[ $? -eq 0 ] && echo "$v" | grep -q ': OK$' && ok "1: sluice-cat --kafka --verify: $(echo "$v" | tail -1)" ||
	notok "1: verify: $(echo "$v" | tail -3)"

# ---------------------------------------------------------------------------
# 2. The broker down for 10 s mid-run
cat >"$T/o.spec" <<'EOF'
2000 10.3.0.1 514 A size=300
2000 10.4.0.1 514 B size=300
EOF
OMSG=4000
tp gen --seed 11 "$T/o.spec" "$T/o.pcap" "$T/o.jsonl" >"$T/gen.out" 2>&1 ||
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
mock_start || notok "2: mock cluster"
MPORT=$(it_free_port)
# ~1.4 MB of records at 64 KiB per 0.6 s: ~13 s of ingestion.
sl_start o "$T/o.pcap" "$T/o" --tenants "$T/tenants.conf" --batch-size 16K \
	--metrics "127.0.0.1:$MPORT" --writer-pause-us 600000 --flush-ms 100 --kafka-drain-ms 20000
if wait_metric sluice_kafka_records_total gt 0 50; then
	ok "2: forwarding started"
else
	notok "2: nothing forwarded in 10 s: $(tail -3 "$T/o.err")"
fi
it_http "http://127.0.0.1:$MPORT/metrics" --timeout 2
echo "$HTTP_BODY" >"$T/o.scrape"
if ! command -v promtool >/dev/null; then
	notok "2: promtool is not installed (deploy/install-deps installs prometheus)"
elif promtool check metrics <"$T/o.scrape" >"$T/promtool.out" 2>&1 &&
	grep -q '^sluice_kafka_lag_seconds{tenant="A",stream="default",shard="0"}' "$T/o.scrape"; then
	ok "2: the kafka families pass promtool check metrics ($(grep -c '^# TYPE sluice_kafka' "$T/o.scrape") families)"
else
	notok "2: promtool: $(head -3 "$T/promtool.out" | tr '\n' ' ') $(grep -c sluice_kafka "$T/o.scrape") kafka lines"
fi
kill -USR1 "$MPID"
sleep 1
s0=$(metric sluice_store_records_total)
f0=$(metric sluice_kafka_records_total)
sleep 9
s1=$(metric sluice_store_records_total)
f1=$(metric sluice_kafka_records_total)
lag=$(metric sluice_kafka_lag_records)
lagb=$(metric sluice_kafka_lag_batches)
[ "$s1" -gt "$s0" ] && [ "$lag" -gt 0 ] && [ "$lagb" -gt 0 ] &&
	ok "2: broker down: ingestion goes on (stored $s0 -> $s1), lag grows ($lag records, $lagb batches)" ||
	notok "2: broker down: stored $s0 -> $s1, lag $lag records $lagb batches"
[ "$f1" -le $((f0 + 1000)) ] && ok "2: little or nothing acknowledged while down ($f0 -> $f1)" ||
	notok "2: forwarded while the broker was down: $f0 -> $f1"
kill -USR2 "$MPID"
if wait_metric sluice_store_records_total eq $OMSG 150 && wait_metric sluice_kafka_lag_records eq 0 150 &&
	wait_metric sluice_kafka_records_total eq $OMSG 50; then
	ok "2: broker back: the lag returns to 0, all $OMSG forwarded"
else
	notok "2: after the outage: stored $(metric sluice_store_records_total) forwarded $(metric sluice_kafka_records_total) lag $(metric sluice_kafka_lag_records)"
fi
kill -TERM "$SPID" 2>/dev/null
sl_wait && ok "2: sluice exits 0 on SIGTERM" || notok "2: exit: $(tail -3 "$T/o.err")"
read_back "$T/o" o
# The mock cluster does not deduplicate an idempotent producer's retries
# (librdkafka 2.0.2 checks sequence numbers for transactional producers
# only): a produce request the broker took just before it went down may be
# there twice. A real broker drops the repeat. At most one batch per source
# may repeat here, and the count is printed.
res=$(kc compare "$T/o.disk" "$T/o.kafka" "$T/o.hdr" --max-dup 4)
rc=$?
echo "# repeated batches (the mock's, see above): $(echo "$res" | sed -n 's/.*dup_batches=\([0-9]*\).*/\1/p')"
[ $rc -eq 0 ] && ok "2: no loss, nothing but the mock's retries repeated: $res" || notok "2: compare: $res"
[ "$(ksum o kafka resent)" -eq 0 ] && [ "$(ksum o kafka delivery_errors)" -eq 0 ] &&
	ok "2: sluice sent no batch twice (resent 0, delivery errors 0)" ||
	notok "2: resent $(ksum o kafka resent), delivery errors $(ksum o kafka delivery_errors)"

# ---------------------------------------------------------------------------
# 3. kill -9 while forwarding, restart
mock_start --rtt 250 || notok "3: mock cluster"
MPORT=$(it_free_port)
sl_start k "$T/o.pcap" "$T/k" --tenants "$T/tenants.conf" --batch-size 8K --shards 2 \
	--writer-pause-us 200000 --flush-ms 100 --metrics "127.0.0.1:$MPORT"
wait_metric sluice_kafka_records_total gt 0 100
sleep 1
# Kill while the forwarder is behind the store (a sample of the lag above 0).
if wait_metric sluice_kafka_lag_records gt 0 100; then
	ok "3: forwarding behind the store when killed"
else
	notok "3: nothing to forward at the kill (lag $(metric sluice_kafka_lag_records)): the case tests nothing"
fi
# SIGKILL to sluice itself (SPID is its timeout wrapper).
pkill -KILL -P "$SPID"
sl_wait
cat >"$T/k2.spec" <<'EOF'
20 10.3.0.9 514 A
20 10.4.0.9 514 B
EOF
tp gen --seed 12 "$T/k2.spec" "$T/k2.pcap" "$T/k2.jsonl" >"$T/gen.out" 2>&1
sl_start k2 "$T/k2.pcap" "$T/k" --tenants "$T/tenants.conf" --batch-size 8K --shards 2 \
	--idle-exit 1500 --kafka-drain-ms 60000
if sl_wait; then ok "3: the restart after kill -9 exits 0"; else notok "3: restart: $(tail -3 "$T/k2.err")"; fi
nsrc=$(grep -c '^kafka\[.*shard' "$T/k2.out")
resent=$(ksum k2 kafka resent)
read_back "$T/k" k
res=$(kc compare "$T/k.disk" "$T/k.kafka" "$T/k.hdr" --max-dup "$resent")
rc=$?
dupb=$(echo "$res" | sed -n 's/.*dup_batches=\([0-9]*\).*/\1/p')
[ $rc -eq 0 ] && [ "$(ksum k2 kafka lag_records)" -eq 0 ] &&
	ok "3: nothing stored is missing from Kafka after the restart: $res" ||
	notok "3: compare (resent $resent): $res"
[ -n "$dupb" ] && [ "$dupb" -le "$resent" ] && [ "$resent" -le "$nsrc" ] &&
	ok "3: repeated batches $dupb <= resent $resent <= one per source ($nsrc)" ||
	notok "3: repeated $dupb, resent $resent, sources $nsrc"

# ---------------------------------------------------------------------------
# 4. Retention pressure with Kafka down
cat >"$T/r.spec" <<'EOF'
6000 10.3.0.1 514 A size=1400
EOF
RMSG=6000
BUDGET=$((2 << 20))
tp gen --seed 13 "$T/r.spec" "$T/r.pcap" "$T/r.jsonl" >"$T/gen.out" 2>&1 ||
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
mock_start || notok "4: mock cluster"
kill -USR1 "$MPID"
MPORT=$(it_free_port)
sl_start r "$T/r.pcap" "$T/r" --tenants "$T/tenants.conf" --retain "$BUDGET" \
	--segment-size 256K --batch-size 64K --metrics "127.0.0.1:$MPORT" --kafka-drain-ms 20000
maxdu=0
for ((i = 0; i < 200; i++)); do
	du=$(du -sb --exclude=.kafka-checkpoint --exclude=.rules-cache "$T/r" 2>/dev/null | cut -f1)
	[ "${du:-0}" -gt "$maxdu" ] && maxdu=$du
	[ "$(metric sluice_store_records_total)" -eq $RMSG ] && break
	sleep 0.1
done
sleep 1.5   # a retention poll after the last segment
du=$(du -sb --exclude=.kafka-checkpoint --exclude=.rules-cache "$T/r" 2>/dev/null | cut -f1)
del=$(metric sluice_retain_unforwarded_deleted_total)
alld=$(metric sluice_retain_segments_deleted_total)
[ "$(metric sluice_store_records_total)" -eq $RMSG ] && [ "$del" -gt 0 ] && [ "$del" -eq "$alld" ] &&
	ok "4: Kafka down: all $RMSG stored; every one of the $alld deletions was forced on an unforwarded segment" ||
	notok "4: stored $(metric sluice_store_records_total), deleted $alld, unforwarded deleted $del"
grep -q 'before it was forwarded to Kafka' "$T/r.err" &&
	ok "4: each forced deletion is logged ($(grep -c 'before it was forwarded to Kafka' "$T/r.err") lines)" ||
	notok "4: no 'before it was forwarded to Kafka' line in the log"
# After a poll: within the budget but for the newest segment of the shard
# (never deleted) and a batch. Between polls a second of writing may pass
# it (not asserted; the sampled maximum is printed).
echo "# du sampled every 0.1 s while ingesting: max $maxdu bytes"
[ "$du" -le $((BUDGET + (256 << 10) + (128 << 10))) ] &&
	ok "4: the disk is within the budget after a poll ($du bytes, budget $BUDGET)" ||
	notok "4: du $du after a poll, budget $BUDGET"
kill -USR2 "$MPID"
wait_metric sluice_kafka_lag_records eq 0 300 ||
	notok "4: lag after the broker came back: $(metric sluice_kafka_lag_records)"
kill -TERM "$SPID" 2>/dev/null
sl_wait && ok "4: sluice exits 0" || notok "4: exit: $(tail -3 "$T/r.err")"
lost=$(ksum r kafka drop_deleted)
rlost=$(ksum r retain unforwarded_records)
fwd=$(ksum r kafka records)
[ "$lost" -gt 0 ] && [ "$lost" -eq "$rlost" ] && [ $((fwd + lost)) -eq $RMSG ] &&
	ok "4: forwarded $fwd + lost $lost = stored $RMSG; the forwarder's loss = retention's count" ||
	notok "4: forwarded $fwd, kafka drop_deleted $lost, retain unforwarded_records $rlost, stored $RMSG"
read_back "$T/r" r
res=$(kc compare "$T/r.disk" "$T/r.kafka" "$T/r.hdr" --subset)
u=$(echo "$res" | sed -n 's/.*unique=\([0-9]*\).*/\1/p')
[ $? -eq 0 ] && [ "${u:-0}" -eq "$fwd" ] &&
	ok "4: Kafka holds what was forwarded, once, and everything still on the disk: $res" ||
	notok "4: compare: $res (forwarded $fwd)"

finish
