#!/bin/bash
# TCP (and UDP, for comparison) from real Linux senders: syslog-ng's loggen
# in a network namespace, through a veth pair, into sluice on net_af_packet.
# For 1, 16 and 256 connections it sends for SECS seconds at full speed and
# prints, from sluice's own final counters: messages stored, msgs/s, the
# worker's busy ns per message (summary worker_ns_per_msg: cycles of
# non-empty polls over messages), and whether every message loggen counted
# was stored. sluice runs on lcore 0 alone; the sender gets the other CPU.
#
# What this measures on a 2-vCPU VM is mostly the kernel: a veth sender and
# af_packet's copies cost far more than sluice's TCP. sluice's own TCP cost
# is measured in memory by bench_tcp (stage alone) and bench_tcp.sh (whole
# pipeline over net_memif, tcp_blast as the peer).
#
# usage: tests/bench/bench_tcp_veth.sh [BUILD_DIR] [SECS]   (root)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SECS=${2:-8}
# shellcheck source=deploy/lib/netns.sh
. "$ROOT/deploy/lib/netns.sh"
sl_ns_check || { echo "bench_tcp_veth: $SL_NS_WHY" >&2; exit 1; }
command -v loggen >/dev/null || { echo "bench_tcp_veth: loggen not installed" >&2; exit 1; }
TMP=$(mktemp -d /tmp/sl-bench-tcp.XXXXXX)
trap 'sl_ns_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
sl_ns_setup "b$$" || { echo "bench_tcp_veth: namespaces" >&2; exit 1; }
SND_CPU=$(( $(nproc) > 1 ? 1 : 0 ))

# run MODE CONNS: one measurement; prints a table row.
run() {
	local mode=$1 conns=$2 out=$TMP/out-$1-$2 log=$TMP/log-$1-$2 sock i
	sock=-S
	[ "$mode" = udp ] && sock=-D
	rm -rf "$out"
	SL_LCORES=0 SL_AFP_ARGS=",blocksz=4096,framesz=2048,framecnt=4096" \
		sl_sluice_start "$BUILD" "$out" "$log" --out "$out" \
		--listen "$SL_NODE4/24" --udp 514 --tcp 514 --stats-interval 0 \
		--flush-ms 100 --rx-desc 1024 --tx-desc 1024 || return 1
	timeout $((SECS + 30)) ip netns exec "$SL_NS_SND" taskset -c "$SND_CPU" \
		loggen -i "$sock" -s 140 -r 10000000 -I "$SECS" --active-connections "$conns" \
		"$SL_NODE4" 514 >"$TMP/loggen" 2>&1
	sent=$(sed -n 's/.*average rate = .*count=\([0-9]*\),.*/\1/p' "$TMP/loggen" | tail -1)
	# loggen exits with data still in its sockets: wait (bounded) until the
	# sender's kernel has every byte acknowledged before stopping sluice.
	for ((i = 0; i < 300; i++)); do
		[ "$(ip netns exec "$SL_NS_SND" ss -Htn "( dport = :514 )" 2>/dev/null |
			awk '$3 > 0 || $1 !~ /TIME-WAIT|CLOSED/ {n++} END {print n+0}')" = 0 ] && break
		sleep 0.1
	done
	sleep 0.5
	sl_sluice_stop 60
	stored=$(sl_log_value "$log" 'summary:' stored)
	ns=$(sed -n 's/^summary:.*worker_ns_per_msg=\([0-9.]*\).*/\1/p' "$log")
	kdrop=$(sed -n 's/.*drop_kernel_ring=\([0-9]*\).*/\1/p' "$log" | head -1)
	printf "%-4s %6s %10s %10s %10.0f %10s %8s %s\n" "$mode" "$conns" "${sent:-?}" \
		"$stored" "$(echo "${stored:-0} / $SECS" | bc -l)" "$ns" "${kdrop:-0}" \
		"$([ "${sent:-x}" = "$stored" ] && echo exact || echo "DIFF")"
}

printf "%-4s %6s %10s %10s %10s %10s %8s %s\n" mode conns sent stored msg/s ns/msg kdrops check
for c in 1 16 256; do
	run tcp "$c"
done
run udp 1
run udp 16
