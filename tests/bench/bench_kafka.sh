#!/bin/bash
# Kafka forwarding throughput: the forwarder ships a backlog of stored
# batches to librdkafka's mock cluster (build/tests/tools/sl-kafka-mock, in
# its own process) and we time it.
#
#   1. Fill: sluice-gen makes MSGS messages (realistic sizes, ~140 B),
#      sluice stores them under a scratch --out with SHARDS shards, once
#      per batch size (no --kafka).
#   2. Forward: build/tests/bench/bench_forward (the forwarder alone, no
#      EAL) ships that backlog from a fresh checkpoint; the clock runs from
#      the start of its thread until Kafka acknowledged every record and
#      the checkpoint holds it.
#   3. Per configuration (batch size x --kafka-inflight): MB/s of frames
#      (compressed: as stored and as sent), MB/s of records (uncompressed),
#      batches/s, msg/s, and CPU seconds per forwarded MB (compressed) of
#      the forwarder's process (its thread and librdkafka's) and of the
#      mock broker.
#
# usage: tests/bench/bench_kafka.sh BUILD_DIR [MSGS] [SHARDS] [CONFIGS]
#   MSGS     messages in the backlog (default 2000000)
#   SHARDS   shards (sources; default 4)
#   CONFIGS  comma-separated BATCH:INFLIGHT (default 1M:1,1M:4,64K:1,64K:4)
# Environment: MOCK_ARGS, more sl-kafka-mock options (e.g. "--rtt 20": a
# broker 20 ms away); KAFKA_OPTS, librdkafka properties for the forwarder
# (e.g. "linger.ms=5").
# Root not needed. ~20 s per batch size to fill, seconds per configuration.
set -u
[ $# -ge 1 ] || { sed -n 's/^# \{0,1\}//; /^usage:/,/^Root/p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
MSGS=${2:-2000000}
SHARDS=${3:-4}
CONFIGS=${4:-1M:1,1M:4,64K:1,64K:4}
SLUICE=$BUILD/app/sluice/sluice
GEN=$BUILD/app/sluice-gen/sluice-gen
MOCK=$BUILD/tests/tools/sl-kafka-mock
BENCH=$BUILD/tests/bench/bench_forward
W=$(mktemp -d /tmp/sl-bench-kafka.XXXXXX) || exit 1
PREFIX=sl-bench-kafka-$$
MPID=
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
	[ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
HZ=$(getconf CLK_TCK)

proc_cpu() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; }


echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
echo "# $MSGS messages (realistic sizes, ~140 B), $SHARDS shards, mock broker in its own process ${MOCK_ARGS:-}"
"$GEN" --out "$W/in.pcap" --count "$MSGS" --flows 256 --seed 7 >/dev/null 2>"$W/gen.err" ||
	{ echo "sluice-gen failed: $(head -3 "$W/gen.err")"; exit 1; }

printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "batch" "inflight" "sources" \
	"batches" "MB (frames)" "seconds" "MB/s frames" "MB/s records" "batches/s" "msg/s" \
	"CPU-s per forwarded MB: forwarder / broker"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
IFS=, read -r -a cfgs <<<"$CONFIGS"
for cfg in "${cfgs[@]}"; do
	batch=${cfg%%:*}
	inflight=${cfg##*:}
	out=$W/out-$batch
	if [ ! -d "$out" ]; then
		mkdir -p "$out"
		"$SLUICE" --no-pci --no-huge -m 1024 --file-prefix "$PREFIX" -l 0 \
			--vdev "net_pcap0,rx_pcap=$W/in.pcap" -- --out "$out" --shards "$SHARDS" \
			--batch-size "$batch" --idle-exit 300 --stats-interval 0 >"$out.fill" 2>&1 ||
			{ echo "fill failed: $(tail -3 "$out.fill")"; exit 1; }
	fi
	[ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	# shellcheck disable=SC2086
	"$MOCK" --partitions 4 ${MOCK_ARGS:-} >"$W/mock.out" 2>"$W/mock.err" &
	MPID=$!
	for ((i = 0; i < 100; i++)); do
		BS=$(sed -n 's/^bootstrap=//p' "$W/mock.out")
		[ -n "$BS" ] && break
		sleep 0.05
	done
	m0=$(proc_cpu "$MPID")
	# shellcheck disable=SC2086
	res=$("$BENCH" "$out" "$BS" "$inflight" ${KAFKA_OPTS:-}) || { echo "bench_forward failed: $res"; exit 1; }
	m1=$(proc_cpu "$MPID")
	# Record bytes (uncompressed) of the backlog: the fill's store counters.
	rawb=$(grep '^store\[' "$out.fill" | grep -o ' bytes_in=[0-9]*' | cut -d= -f2 |
		awk '{ s += $1 } END { print s + 0 }')
	python3 - "$batch" "$inflight" "$res" "$m0" "$m1" "$rawb" "$HZ" <<-'EOF'
	import sys
	batch, infl, res, m0, m1, rawb, hz = sys.argv[1:]
	v = dict(kv.split('=') for kv in res.split())
	s = float(v['seconds'])
	mb = int(v['bytes']) / 1e6
	print('| %s | %s | %s | %s | %.1f | %.2f | %.1f | %.1f | %.0f | %.0f | %.4f / %.4f |' % (
	    batch, infl, v['sources'], v['batches'], mb, s, mb / s, int(rawb) / 1e6 / s,
	    int(v['batches']) / s, int(v['records']) / s, float(v['cpu_fwd']) / mb,
	    (int(m1) - int(m0)) / int(hz) / mb))
	EOF
done
