#!/bin/bash
# sluice as a real network endpoint: a veth pair between two network
# namespaces, sluice on one end through net_af_packet, Linux senders on the
# other. TAP output; exit status non-zero on any failure.
#
#   ping 10.99.0.1 and fd99::1 answered by sluice; the sender learnt the
#     node's MAC through ARP / neighbour discovery (no static entries)
#   util-linux logger over UDP: RFC 3164 and RFC 5424 to 10.99.0.1, one to
#     [fd99::1]; each stored with its marker, PRI and version intact
#   8 KiB, 32 KiB and 60 KiB datagrams (IPv4 and IPv6, fragmented over the
#     1500-byte MTU) stored whole and byte-exact
#   a burst of 50,000 ~140-byte datagrams on 8 flows: every one stored, or
#     every missing one counted (summary dropped=, which includes the port's
#     imissed / rx_nombuf / ierrors); no duplicates, no corruption, each
#     flow in order
#   SIGINT stops sluice with exit 0 and final counters; summary stored=
#     equals what sluice-cat reads back
#   overload (a second run, the PMD's default 512-frame ring, 3 unpaced
#     senders): whatever is not stored is counted -- a TODO while
#     net_af_packet does not report af_packet ring drops
#
# Comparisons use tests/integration/compare.py when it exists (what was sent
# is written by udp_send.py in its EXPECT format), check_store.py otherwise.
#
# usage: tests/netns/test_udp_veth.sh [BUILD_DIR]     (root; 30-60 s)
# Environment: SL_NETNS_KEEP=1 keeps the temporary directory (logs,
# segments); SL_NETNS_BURST (50000); SL_NETNS_OVERLOAD (60000, 0 = skip);
# SL_NETNS_STRICT=1 makes the overload check a real one.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/netns/tap.sh
. "$HERE/tap.sh"
nt_build "${1:-}"

BURST=${SL_NETNS_BURST:-50000}
NT_NAME="netns UDP over veth"
# bail DESC: a step the rest depends on failed.
bail() {
	notok "$1"
	echo "# bailing out: the remaining checks need this step"
	finish
}

nt_need_tools logger ping awk
nt_python
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
[ -x "$SLUICE" ] || bail "sluice is built ($SLUICE)"
[ -x "$CAT" ] || bail "sluice-cat is built ($CAT)"

nt_tmp sl-netns
OUT=$TMP/out
LOG=$TMP/sluice.log
NT_FAIL_LOG=$LOG
LOG2=$TMP/sluice-overload.log

# --- topology and sluice --------------------------------------------------
if sl_ns_setup $$ 2>"$TMP/setup.err"; then
	ok "namespaces $SL_NS_NODE / $SL_NS_SND with veth $SL_IF_NODE <-> $SL_IF_SND, offloads off"
else
	diag <"$TMP/setup.err"
	bail "namespaces and veth pair"
fi
NODE_MAC=$(sl_ns_mac "$SL_NS_NODE" "$SL_IF_NODE")

# A 1024-frame af_packet ring of 64 KiB frames (deploy/lib/netns.sh) rides
# out the moments the worker lcore is not scheduled on this 2-vCPU machine;
# frames the kernel still drops there are counted by sluice's port
# (drop_kernel_ring, from PACKET_STATISTICS).
if sl_sluice_start "$BUILD" "$OUT" "$LOG" 2>"$TMP/start.err"; then
	ok "sluice starts on net_af_packet in $SL_NS_NODE and prints its plan"
	grep '^plan:' "$LOG" | diag
else
	diag <"$TMP/start.err"
	bail "sluice starts on net_af_packet in $SL_NS_NODE and prints its plan"
fi
node_rx0=$(sl_ns_ifstat "$SL_NS_NODE" "$SL_IF_NODE" rx_packets)
snd_txdrop0=$(sl_ns_ifstat "$SL_NS_SND" "$SL_IF_SND" tx_dropped)

# --- ping, ARP, ND ------------------------------------------------------------
if timeout 15 ip netns exec "$SL_NS_SND" ping -n -c 3 -i 0.2 -W 2 "$SL_NODE4" >"$TMP/ping4" 2>&1; then
	ok "ping $SL_NODE4 answered by sluice"
else
	diag <"$TMP/ping4"
	notok "ping $SL_NODE4 answered by sluice"
fi
if timeout 15 ip netns exec "$SL_NS_SND" ping -6 -n -c 3 -i 0.2 -W 2 "$SL_NODE6" >"$TMP/ping6" 2>&1; then
	ok "ping $SL_NODE6 answered by sluice"
else
	diag <"$TMP/ping6"
	notok "ping $SL_NODE6 answered by sluice"
fi
# The sender's neighbour table learnt sluice's MAC (the node veth's) by ARP
# and neighbour discovery: nothing static was configured.
for a in "$SL_NODE4" "$SL_NODE6"; do
	nb=$(ip -n "$SL_NS_SND" neigh show "$a" dev "$SL_IF_SND" 2>/dev/null)
	if echo "$nb" | grep -q "lladdr $NODE_MAC" && ! echo "$nb" | grep -q PERMANENT; then
		ok "sender learnt $a -> $NODE_MAC ($(echo "$nb" | awk '{print $NF}'))"
	else
		echo "neighbour entry: '${nb:-none}', node MAC $NODE_MAC" | diag
		notok "sender learnt $a -> $NODE_MAC by $([ "$a" = "$SL_NODE4" ] && echo ARP || echo ND)"
	fi
done

# --- logger ---------------------------------------------------------------
tag=$$-$RANDOM
M3164=sl-netns-3164-$tag
M5424=sl-netns-5424-$tag
M6=sl-netns-v6-$tag
lg_ok=1
timeout 10 ip netns exec "$SL_NS_SND" logger -d -n "$SL_NODE4" -P 514 --rfc3164 \
	-t sluice-test "rfc3164 over IPv4 $M3164" || lg_ok=0
timeout 10 ip netns exec "$SL_NS_SND" logger -d -n "$SL_NODE4" -P 514 --rfc5424 \
	-t sluice-test "rfc5424 over IPv4 $M5424" || lg_ok=0
timeout 10 ip netns exec "$SL_NS_SND" logger -d -n "$SL_NODE6" -P 514 --rfc5424 \
	-t sluice-test "rfc5424 over IPv6 $M6" || lg_ok=0
if [ $lg_ok = 1 ]; then ok "logger sent RFC 3164 and RFC 5424 over UDP (IPv4, IPv6)"; else notok "logger sent"; fi

# --- big datagrams: fragmented, must arrive whole ---------------------------
# 8, 32 and 60 KiB, twice each, per family; Linux fragments them over the
# 1500-byte MTU (IPv4: 6, 23 and 42 fragments).
BIG_SIZES=8192,32768,61440,8192,32768,61440
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$SL_NODE4; else dst=$SL_NODE6; fi
	if timeout 30 ip netns exec "$SL_NS_SND" "$PY" "$HERE/udp_send.py" \
		--dst "$dst" --port 514 --flows 1 --count 6 --sizes "$BIG_SIZES" \
		--tag big$fam --batch 1 --pause-ms 20 \
		--out "$TMP/big$fam.jsonl" 2>"$TMP/big.err"; then
		ok "sent 8, 32 and 60 KiB datagrams to $dst ($(cat "$TMP/big.err"))"
	else
		diag <"$TMP/big.err"
		notok "sent 8, 32 and 60 KiB datagrams to $dst"
	fi
done

# --- burst ----------------------------------------------------------------
if timeout 90 ip netns exec "$SL_NS_SND" "$PY" "$HERE/udp_send.py" \
	--dst "$SL_NODE4" --dst "$SL_NODE6" --port 514 --flows 8 --count "$BURST" \
	--sizes 120,140,160 --tag burst --batch 64 --pause-ms 2 --max-secs 60 \
	--out "$TMP/burst.jsonl" 2>"$TMP/burst.err"; then
	ok "sent a burst of $BURST datagrams on 8 flows ($(cat "$TMP/burst.err"))"
else
	diag <"$TMP/burst.err"
	notok "sent a burst of $BURST datagrams"
fi

# Let the last frames leave the af_packet ring before RX stops.
sleep 1
node_rx1=$(sl_ns_ifstat "$SL_NS_NODE" "$SL_IF_NODE" rx_packets)
snd_txdrop1=$(sl_ns_ifstat "$SL_NS_SND" "$SL_IF_SND" tx_dropped)

# --- stop -----------------------------------------------------------------
if sl_sluice_stop 30 && grep -q '^summary: ' "$LOG"; then
	ok "SIGINT stops sluice: exit 0 and final counters"
else
	notok "SIGINT stops sluice: exit 0 and final counters (rc ${SL_SLUICE_RC:-?})"
fi
final | diag

# --- read back ------------------------------------------------------------
if timeout 60 "$CAT" --format json "$OUT" >"$TMP/cat.json" 2>"$TMP/cat.err"; then
	ok "sluice-cat --format json reads $(wc -l <"$TMP/cat.json") records"
else
	diag <"$TMP/cat.err"
	bail "sluice-cat --format json reads the segments"
fi
cnt=$(timeout 60 "$CAT" --count "$OUT" 2>/dev/null | tr -dc '0-9')
stored=$(sl_log_value "$LOG" 'summary:' stored)
dropped=$(sl_log_value "$LOG" 'summary:' dropped)
lines=$(wc -l <"$TMP/cat.json")
if [ "${cnt:-x}" = "$stored" ] && [ "$lines" = "$stored" ]; then
	ok "summary stored=$stored equals sluice-cat --count and the json records"
else
	notok "summary stored=$stored equals sluice-cat --count (${cnt:-?}) and json records ($lines)"
fi

# Logger messages: marker, PRI <13> (user.notice), 3164 timestamp or the
# 5424 version "1 ".
if "$PY" "$HERE/check_store.py" --cat "$TMP/cat.json" \
	--expect "$M3164" '^<13>[A-Z][a-z]{2} +[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2} ' \
	--src "$M3164" "$SL_SND4" >"$TMP/chk.log" 2>&1; then
	ok "logger RFC 3164 message stored with <13> PRI and its marker"
else
	notok "logger RFC 3164 message stored with <13> PRI and its marker"
fi
diag <"$TMP/chk.log"
if "$PY" "$HERE/check_store.py" --cat "$TMP/cat.json" \
	--expect "$M5424" '^<13>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T' \
	--src "$M5424" "$SL_SND4" >"$TMP/chk.log" 2>&1; then
	ok "logger RFC 5424 message stored with <13>1 PRI/version and its marker"
else
	notok "logger RFC 5424 message stored with <13>1 PRI/version and its marker"
fi
diag <"$TMP/chk.log"
if "$PY" "$HERE/check_store.py" --cat "$TMP/cat.json" \
	--expect "$M6" '^<13>1 ' --src "$M6" "$SL_SND6" >"$TMP/chk.log" 2>&1; then
	ok "logger message to [$SL_NODE6]:514 stored from $SL_SND6"
else
	notok "logger message to [$SL_NODE6]:514 stored from $SL_SND6"
fi
diag <"$TMP/chk.log"

# compare_sent SENT ALLOW DESC TAG: TAP lines for "what was sent on SENT's flows
# is what was stored": byte-exact multiset with at most ALLOW missing
# ("exact": none) and nothing unexpected, and each flow in send order.
# Only records carrying udp_send.py's tag=TAG count as the flows'.
# Uses tests/integration/compare.py when present (the integration suite's
# checker), check_store.py otherwise. Sets CMP_MISSING.
COMPARE=$ROOT/tests/integration/compare.py
compare_sent() {
	local sent=$1 allow=$2 desc=$3 tag=$4 summ
	local args=()
	CMP_MISSING=
	if [ -f "$COMPARE" ]; then
		# compare.py wants only the records of these flows in GOT.
		# --tag: logger's datagrams (earlier, their own markers) may have
		# left from a source port udp_send.py later reused.
		if ! "$PY" "$HERE/check_store.py" --cat "$TMP/cat.json" --sent "$sent" \
			--tag "$tag" --select-to "$TMP/got.json" >"$TMP/cmp.log" 2>&1; then
			diag <"$TMP/cmp.log"
			notok "$desc: records selected for compare.py"
			return
		fi
		[ "$allow" = exact ] || args=(--allow-missing "$allow")
		"$PY" "$COMPARE" "${args[@]}" "$sent" "$TMP/got.json" >"$TMP/cmp.log" 2>&1
		CMP_MISSING=$(sed -n 's/^# expected [0-9]* messages, got [0-9]*: missing \([0-9]*\),.*/\1/p' "$TMP/cmp.log")
		tap_relay "$desc: " "$TMP/cmp.log"
		[ "$TAP_RELAYED" -gt 0 ] || notok "$desc: tests/integration/compare.py ran"
		return
	fi
	[ "$allow" = exact ] && allow=0
	"$PY" "$HERE/check_store.py" --cat "$TMP/cat.json" --sent "$sent" --tag "$tag" \
		--allow-missing "$allow" -v >"$TMP/cmp.log" 2>&1
	diag <"$TMP/cmp.log"
	summ=$(grep -E '^[^ ]+\.jsonl: sent=' "$TMP/cmp.log")
	CMP_MISSING=$(echo "$summ" | sed -n 's/.* missing=\([0-9]*\) .*/\1/p')
	if [ -n "$CMP_MISSING" ] && [ "$CMP_MISSING" -le "$allow" ] &&
		echo "$summ" | grep -q 'unexpected=0 duplicates=0'; then
		ok "$desc: byte-exact, at most $allow missing ($CMP_MISSING), none unexpected"
	else
		notok "$desc: byte-exact, at most $allow missing (${CMP_MISSING:-?}), none unexpected"
	fi
	if echo "$summ" | grep -q 'out_of_order=0'; then
		ok "$desc: per-flow order kept"
	else
		notok "$desc: per-flow order kept"
	fi
}

# Big datagrams: all, byte-exact.
for fam in 4 6; do
	compare_sent "$TMP/big$fam.jsonl" exact "8/32/60 KiB datagrams over IPv$fam (fragmented)" "big$fam"
	if [ $fam = 4 ] && [ "${CMP_MISSING:-1}" != 0 ] &&
		[ "$(sl_log_sum "$LOG" 'decode\[' drop_bad_ip)" -gt 0 ]; then
		echo "likely cause: net_af_packet joins its sockets to a PACKET_FANOUT group with" \
			"PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles IPv4 fragments before the" \
			"ring; the whole datagram is cut to the ring's frame size (framesz, default" \
			"2048) and decode counts it as drop_bad_ip (total length > frame)." | diag
	fi
done

# Burst: all stored, or every missing datagram counted by sluice (summary
# dropped= includes the port's imissed, rx_nombuf and ierrors).
imissed=$(sl_log_value "$LOG" 'port 0 ' imissed)
echo "burst: summary dropped=$dropped (port imissed=$imissed)" | diag
compare_sent "$TMP/burst.jsonl" "$dropped" "burst of $BURST on 8 flows" burst

# Frames the node veth passed up vs frames sluice's port read. The kernel
# hands net_af_packet each IPv4 datagram whole (fanout defrag), so the IPv4
# fragments count once; what remains was lost in the af_packet ring, which
# net_af_packet (DPDK 22.11) does not report (imissed stays 0).
node_rx=$((node_rx1 - node_rx0))
port_rx=$(sl_log_value "$LOG" 'port 0 ' ipackets)
v4_merged=0
for sz in ${BIG_SIZES//,/ }; do
	v4_merged=$((v4_merged + (sz + 8 + 1479) / 1480 - 1))
done
ring_lost=$((node_rx - v4_merged - port_rx))
echo "kernel: node veth passed up $node_rx frames while sluice ran; minus $v4_merged IPv4" \
	"fragments merged by the kernel = $((node_rx - v4_merged)); port ipackets=$port_rx;" \
	"sender veth tx_dropped +$((snd_txdrop1 - snd_txdrop0))" | diag
if [ "$ring_lost" -gt 0 ]; then
	echo "note: about $ring_lost frames were lost in the af_packet ring, invisible to sluice's counters" | diag
fi
# Any drop reason at all shows what went wrong (bad checksums mean
# offloads were left on).
grep -E '^(decode|shard|store|worker|writer)\[' "$LOG" | tr ' ' '\n' | grep -E '^drop_.*=[1-9]' |
	sed 's/^/nonzero drop counter: /' | diag

# --- overload: unpaced senders against a small ring -------------------------
# Whatever is not stored must still be counted: net_af_packet (DPDK 22.11)
# does not report frames the kernel dropped because its ring was full, so
# sluice's port reads them from the PMD's sockets (drop_kernel_ring) and
# the summary's dropped= includes them.
OVER=${SL_NETNS_OVERLOAD:-60000}
if [ "$OVER" -gt 0 ]; then
	todo=
	if SL_AFP_FRAMES=64 sl_sluice_start "$BUILD" "$TMP/out2" "$LOG2" 2>"$TMP/start.err"; then
		r0=$(sl_ns_ifstat "$SL_NS_NODE" "$SL_IF_NODE" rx_packets)
		pids=()
		for i in 1 2 3; do
			timeout 60 ip netns exec "$SL_NS_SND" "$PY" "$HERE/udp_send.py" \
				--dst "$SL_NODE4" --dst "$SL_NODE6" --port 514 --flows 2 \
				--count $((OVER / 3)) --sizes 140 --tag over$i --batch $((OVER / 3)) \
				--pause-ms 0 --max-secs 40 2>>"$TMP/over.err" &
			pids+=($!)
		done
		wait "${pids[@]}"
		sleep 1
		r1=$(sl_ns_ifstat "$SL_NS_NODE" "$SL_IF_NODE" rx_packets)
		sl_sluice_stop 30
		sent=$((OVER / 3 * 3))
		st=$(sl_log_value "$LOG2" 'summary:' stored)
		dr=$(sl_log_value "$LOG2" 'summary:' dropped)
		prx=$(sl_log_value "$LOG2" 'port 0 ' ipackets)
		diag <"$TMP/over.err"
		echo "overload: sent $sent, stored $st, counted dropped $dr; node veth passed up" \
			"$((r1 - r0)) frames, port ipackets $prx" | diag
		if [ $((sent - st)) -eq "$dr" ]; then
			ok "overload: $sent unpaced datagrams: every one stored or counted (missing $((sent - st)) == dropped $dr)$todo"
		else
			notok "overload: $sent unpaced datagrams: every one stored or counted (missing $((sent - st)) == dropped $dr)$todo"
			# A TODO failure does not fail the suite.
			if [ -n "$todo" ]; then
				nfail=$((nfail - 1))
				[ "$nfail" -ne 0 ] || fail=0
			fi
		fi
	else
		diag <"$TMP/start.err"
		notok "overload: sluice starts again"
	fi
fi

finish
