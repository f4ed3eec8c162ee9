#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end through net_pcap: a sluice-gen capture (>= 200,000 messages,
# 256 flows, IPv6, 802.1Q and QinQ, fragmented datagrams, trailing LF/CRLF/NUL)
# is replayed into sluice, and what sluice-cat reads back from the segments
# must equal what was sent: the same multiset of (flow, message bytes), each
# flow in send order, sluice exiting 0 with no drop counter above zero.
#
# usage: test_pcap_ingest.sh BUILD_DIR LCORES      e.g. LCORES=0 or 0,1
# env:   SL_IT_COUNT (200000)  SL_IT_SEED (1)  SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure.
set -u
BUILD=$(cd "${1:?usage: test_pcap_ingest.sh BUILD_DIR LCORES}" && pwd)
LCORES=${2:?usage: test_pcap_ingest.sh BUILD_DIR LCORES}
COUNT=${SL_IT_COUNT:-200000}
SEED=${SL_IT_SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-it-$$
. "$HERE/tap.sh"
it_scratch sl-it-pcap "$PREFIX"

it_need "$GEN" "$SLUICE" "$CAT"

# 1. the capture
if "$GEN" --out "$T/in.pcap" --expect "$T/expect.jsonl" --count "$COUNT" --flows 256 \
	--ipv6 30 --vlan 15 --qinq 5 --frag-pct 2 --trailing-lf 5 --seed "$SEED" \
	2>"$T/gen.err"; then
	ok "sluice-gen: $COUNT messages over 256 flows (IPv6 30%, VLAN 15% + QinQ 5%, 2% fragmented)"
else
	notok "sluice-gen failed: $(head -c 300 "$T/gen.err")"
	finish
fi
sed 's/^/# /' "$T/gen.err"
pkts=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$T/gen.err" | head -1)

# 2. sluice imports it and exits on idle
mkdir -p "$T/out"
start=$(date +%s%N)
timeout -k 10 300 "$SLUICE" --no-pci --no-huge -m 1024 --file-prefix "$PREFIX" -l "$LCORES" \
	--vdev "net_pcap0,rx_pcap=$T/in.pcap" -- \
	--out "$T/out" --udp 514 --idle-exit 1000 --stats-interval 0 \
	>"$T/sluice.out" 2>"$T/sluice.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
secs=$((ms / 1000)).$(printf %03d $((ms % 1000)))
if [ $rc = 0 ]; then
	ok "sluice -l $LCORES imported the capture and exited 0 (${secs}s)"
else
	[ $rc = 124 ] && why="killed by timeout after 300 s" || why="exit status $rc"
	notok "sluice -l $LCORES: $why"
	tail -n 20 "$T/sluice.err" "$T/sluice.out" | sed 's/^/# /'
fi

# 3. its final counters: printed, and no drop of any reason
if grep -q 'final counters' "$T/sluice.out"; then
	fin=$(sed -n '/final counters/,$p' "$T/sluice.out")
	drops=$(echo "$fin" | grep -oE '\<drop_[a-z0-9_]+=[1-9][0-9]*' | sort | uniq -c | tr '\n' ' ')
	port=$(echo "$fin" | grep -oE '\<(imissed|ierrors|rx_nombuf)=[1-9][0-9]*' | tr '\n' ' ')
	summ=$(echo "$fin" | grep -oE '^summary:.*\<dropped=[1-9][0-9]*' | tr '\n' ' ')
	if [ -z "$drops$port$summ" ]; then
		ok "final counters show no drop (drop_*, imissed, ierrors, rx_nombuf all 0)"
	else
		notok "final counters show drops: $drops $port $summ"
	fi
	echo "$fin" | grep -E '^(summary|port)' | sed 's/^/# /'
	ip=$(echo "$fin" | sed -n 's/^port [0-9]* ([^)]*): ipackets=\([0-9]*\).*/\1/p' | head -1)
	if [ -n "$ip" ] && [ -n "$pkts" ]; then
		if [ "$ip" = "$pkts" ]; then
			ok "the port received every packet of the capture ($pkts)"
		else
			notok "the port received $ip packets, the capture holds $pkts"
		fi
	fi
else
	notok "sluice printed no final counters"
fi

# 4. read the segments back and compare
if "$CAT" --format json "$T/out" >"$T/got.jsonl" 2>"$T/cat.err"; then
	ok "sluice-cat --format json read $(wc -l <"$T/got.jsonl") records"
else
	notok "sluice-cat failed: $(head -c 300 "$T/cat.err")"
fi
python3 "$HERE/compare.py" "$T/expect.jsonl" "$T/got.jsonl" >"$T/cmp.out" 2>&1
tap_relay "" "$T/cmp.out" $? compare.py
finish
