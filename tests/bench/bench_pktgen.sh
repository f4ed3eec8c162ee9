#!/bin/bash
# pktgen-DPDK against sluice over a veth pair on one host, at several rates:
# deploy/pktgen/run-veth once per rate (one pktgen + sluice pair at a time),
# then one table row per rate. Builds nothing. The last column is the CPU
# time the rest of the machine (anything not started by this script) used
# during the run: above ~1 CPU-s, the row was disturbed; run it again.
#
# usage: tests/bench/bench_pktgen.sh BUILD_DIR PKTGEN_BIN [SECONDS] [RATES]
#   BUILD_DIR   sluice build directory (app/sluice/sluice, sluice-cat, sluice-gen)
#   PKTGEN_BIN  pktgen 23.06 binary (deploy/pktgen/README.md builds one)
#   SECONDS     sending time per rate, 1-40 (10)
#   RATES       comma-separated packets/s or max (50000,100000,200000,400000,max)
# Environment: RUN_VETH_ARGS, more run-veth options (e.g. "--afp-frames 512").
#
# A rate whose run exits 3 (pktgen sent next to nothing: a pacing race of
# pktgen 23.06, see deploy/pktgen/replay.pkt.in) is run once more. Root;
# ~20 s + SECONDS a rate.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 2 ] || { sed -n 's/^# \{0,1\}//; /^usage:/,/^Environment/p' "$0"; exit 2; }
BUILD=$1
PKTGEN=$2
SECS=${3:-10}
RATES=${4:-50000,100000,200000,400000,max}
LOGDIR=$(mktemp -d /tmp/sl-bench-pktgen.XXXXXX) || exit 1
trap 'rm -rf "$LOGDIR"' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
echo "# pktgen $PKTGEN, sluice build $BUILD, $SECS s a rate"
printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "asked pps" \
	"sent pps (mean / steady)" "sent" "veth drops" "af_packet ring drops" "sluice drops" \
	"stored" "stored msg/s" "sent - stored" "longest RX gap (ms)" "other work (CPU-s)"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
# CPU time of the whole machine (user + nice + system, no irq/softirq) and
# of this script's children (run-veth, sluice, pktgen, ...): the difference
# over a run is what other work on the machine took meanwhile.
HZ=$(getconf CLK_TCK)
machine_cpu() { awk -v hz="$HZ" '/^cpu / { printf "%.2f", ($2 + $3 + $4) / hz; exit }' /proc/stat; }
# `times` in this shell (not in a $(...) subshell, which has children of
# its own), through a file.
children_cpu() {
	awk 'NR == 2 { n = split($1 " " $2, t, " "); s = 0
		for (i = 1; i <= n; i++) { split(t[i], ms, "m"); sub(/s$/, "", ms[2]); s += ms[1] * 60 + ms[2] }
		printf "%.2f", s }' "$LOGDIR/times"
}
fails=0
for r in ${RATES//,/ }; do
	m0=$(machine_cpu)
	times >"$LOGDIR/times"
	c0=$(children_cpu)
	for _ in 1 2; do
		# shellcheck disable=SC2086  # RUN_VETH_ARGS: words on purpose
		"$ROOT/deploy/pktgen/run-veth" --build "$BUILD" --pktgen "$PKTGEN" --rate "$r" \
			--seconds "$SECS" ${RUN_VETH_ARGS:-} >"$LOGDIR/$r.log" 2>&1
		rc=$?
		[ "$rc" = 3 ] || break
	done
	m1=$(machine_cpu)
	times >"$LOGDIR/times"
	others=$(awk -v m0="$m0" -v m1="$m1" -v c0="$c0" -v c1="$(children_cpu)" \
		'BEGIN { o = (m1 - m0) - (c1 - c0); printf "%.1f", (o > 0 ? o : 0) }')
	res=$(grep '^RESULT ' "$LOGDIR/$r.log")
	if [ "$rc" != 0 ] || [ -z "$res" ]; then
		echo "| $r | run-veth failed (exit $rc) | | | | | | | | | $others |"
		sed 's/^/#   /' "$LOGDIR/$r.log" | tail -15
		fails=$((fails + 1))
		continue
	fi
	v() { echo "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	asked=$(v asked_pps)
	[ "$r" = max ] && asked="max (100 % = $asked)"
	printf '| %s | %s / %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$asked" \
		"$(v sent_pps)" "$(v steady_pps)" "$(v sent)" "$(v veth_drop)" "$(v ring_drop)" \
		"$(v sluice_drop)" "$(v stored)" "$(v stored_pps)" "$(($(v sent) - $(v stored)))" \
		"$(awk -v g="$(v max_gap_us)" 'BEGIN { printf "%.1f", g / 1000 }')" "$others"
	# Stored must equal what sluice-cat reads back.
	[ "$(v stored)" = "$(v stored_cat)" ] ||
		echo "# $r: summary stored=$(v stored) but sluice-cat --count $(v stored_cat)"
done
echo "# $(uptime | sed 's/.*load/load/') at the end"
[ $fails = 0 ]
