#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The management plane (docs/METRICS.md): --metrics, /healthz, --drain-ms,
# DPDK telemetry. A capture (sluice-gen, 20,000 messages from 10.10.0.0/16)
# is replayed through net_pcap with two tenants (the two halves of the /16)
# and two rules (one routes, one drops), on one lcore.
#   1. Flag errors: --metrics without a port, port 0, a name instead of an
#      address, --drain-ms -1: exit non-zero naming the flag; a port already
#      taken: exit non-zero, "cannot listen".
#   2. While it runs, idle after the replay: /healthz answers 200 "ok"; the
#      scrape passes `promtool check metrics`, has the node totals (20,000
#      received, stored + filtered = 20,000), labels per worker, tenant,
#      rule, stream, shard and drop reason; HEAD, 404, 405, 400 and 505
#      answers; telemetry (dpdk-telemetry.py) answers /sluice/stats,
#      /sluice/tenants, /sluice/tenants,A, /sluice/rules, /sluice/worker,0,
#      /sluice/shards,0 and /sluice/health with the same values, and an
#      error for a worker that does not exist.
#   3. SIGTERM with --drain-ms 3000: /healthz answers 503 "draining" at
#      once, sluice keeps running through the drain, then exits 0.
#   4. Every counter of the final counters equals the scrape
#      (metrics_check.py), per tenant and per rule too.
#   5. A writer stalled (--writer-pause-us 10 s per 64 KiB, chunks
#      waiting): /healthz answers 503 "stalled" within 10 s.
#
# usage: test_metrics.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: test_metrics.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
PREFIX=sl-metrics-$$
. "$HERE/tap.sh"

it_scratch sl-metrics "$PREFIX"
it_need "$GEN" "$SLUICE"
N=20000
it_gen --out "$T/in.pcap" --count $N --flows 64 --seed 7
cat >"$T/tenants.conf" <<'TEN'
tenant A prefix=10.10.0.0/17
tenant B prefix=10.10.128.0/17
TEN
cat >"$T/rules" <<'RULES'
no-x     msg /xq/      drop
vowel-e  msg /e/       route e
RULES

EAL=(--no-pci --no-huge -m 512 --file-prefix "$PREFIX" -l 0)

# flag_error NAME WANT ARGS...: sluice --check ARGS exits non-zero and its
# stderr contains WANT.
flag_error() {
	local name=$1 want=$2
	shift 2
	timeout 20 "$SLUICE" "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$T/in.pcap" -- \
		--out "$T/o-err" "$@" >"$T/err.out" 2>"$T/err.err"
	local rc=$?
	if [ $rc != 0 ] && grep -q -- "$want" "$T/err.err"; then
		ok "$name: exit $rc: $(grep -- "$want" "$T/err.err" | head -1 | cut -c1-150)"
	else
		notok "$name: exit $rc, stderr: $(head -c 300 "$T/err.err")"
	fi
}
flag_error "--metrics without a port" "--metrics" --metrics 127.0.0.1
flag_error "--metrics port 0" "--metrics" --metrics 127.0.0.1:0
flag_error "--metrics with a host name" "--metrics" --metrics localhost:9180
flag_error "--drain-ms -1" "--drain-ms" --drain-ms -1
python3 -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/busy.port" &
BUSY=$!
for _ in $(seq 1 50); do [ -s "$T/busy.port" ] && break; sleep 0.1; done
flag_error "--metrics on a port already taken" "cannot listen" \
	--metrics "127.0.0.1:$(cat "$T/busy.port")" --stats-interval 0
kill "$BUSY" 2>/dev/null
wait "$BUSY" 2>/dev/null

# --- 2: a run -------------------------------------------------------------------------
MPORT=$(it_free_port)
MURL=http://127.0.0.1:$MPORT
"$SLUICE" "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$T/in.pcap" -- --out "$T/out" \
	--tenants "$T/tenants.conf" --rules "$T/rules" --flush-ms 100 --stats-interval 0 \
	--metrics "127.0.0.1:$MPORT" --drain-ms 3000 >"$T/sluice.out" 2>"$T/sluice.err" &
SPID=$!

# metric NAME [LABELS]: the sum of the samples of NAME (whose labels
# contain LABELS, e.g. 'tenant="A"') in $T/scrape.
metric() {
	awk -v n="$1" -v l="${2:-}" '$1 == n || index($1, n "{") == 1 {
		if (l == "" || index($1, l) > 0) s += $NF } END { printf "%d\n", s }' "$T/scrape"
}

done=0
for _ in $(seq 1 200); do
	kill -0 "$SPID" 2>/dev/null || break
	it_http "$MURL/metrics" --timeout 2
	if [ "$HTTP_CODE" = 200 ]; then
		echo "$HTTP_BODY" >"$T/scrape"
		st=$(metric sluice_stored_messages_total)
		fi_=$(metric sluice_filtered_messages_total)
		[ "$(metric sluice_received_packets_total)" = $N ] &&
			[ $((st + fi_)) = $N ] && { done=1; break; }
	fi
	sleep 0.1
done
if [ $done = 1 ]; then
	ok "scrape: the replay is in: received $N, stored $st, filtered $fi_"
else
	notok "scrape: replay not complete within 20 s (code $HTTP_CODE, stored ${st:-?})"
	tail -5 "$T/sluice.err" | sed 's/^/# /'
fi
sleep 0.5 # one more flush age: nothing moves any more
it_http "$MURL/metrics"
echo "$HTTP_BODY" >"$T/scrape"
if it_health_wait "$MURL" 200 "^ok$" 10; then
	ok "/healthz: 200 ok while running"
else
	notok "/healthz while running: $HTTP_CODE $HTTP_BODY"
fi
if command -v promtool >/dev/null; then
	if promtool check metrics <"$T/scrape" >"$T/promtool.out" 2>&1; then
		ok "promtool check metrics: passes ($(grep -c '^# TYPE' "$T/scrape") families, $(grep -vc '^#' "$T/scrape") samples)"
	else
		notok "promtool check metrics: $(head -5 "$T/promtool.out" | tr '\n' ' ')"
	fi
else
	notok "promtool is not installed (deploy/install-deps installs prometheus)"
fi
sa=$(metric sluice_tenant_stored_total 'tenant="A"')
sb=$(metric sluice_tenant_stored_total 'tenant="B"')
fa=$(metric sluice_tenant_filtered_total 'tenant="A"')
fb=$(metric sluice_tenant_filtered_total 'tenant="B"')
[ "$sa" -gt 0 ] && [ "$sb" -gt 0 ] && [ $((sa + sb)) = "$st" ] && [ $((fa + fb)) = "$fi_" ] &&
	ok "tenant labels: A stored $sa, B stored $sb (sum = stored), filtered $fa + $fb" ||
	notok "tenant labels: A $sa/$fa, B $sb/$fb, stored $st filtered $fi_"
re=$(metric sluice_rule_routed_total 'rule="vowel-e"')
rx=$(metric sluice_rule_dropped_total 'rule="no-x"')
se=$(metric sluice_store_records_total 'stream="e"')
[ "$re" -gt 0 ] && [ "$re" = "$se" ] && [ "$rx" = "$fi_" ] &&
	ok "rule and stream labels: vowel-e routed $re = stream e stored $se; no-x dropped $rx = filtered" ||
	notok "rule/stream labels: routed $re, stream e $se, no-x dropped $rx, filtered $fi_"
grep -q '^sluice_decode_dropped_total{worker="0",queue="0",lcore="0",reason="bad_ip_cksum"} 0$' "$T/scrape" &&
	ok "drop reasons are labels: sluice_decode_dropped_total{...,reason=\"bad_ip_cksum\"}" ||
	notok "no sluice_decode_dropped_total sample with reason=bad_ip_cksum"
g=$(grep -cE '^sluice_(ring_chunks|ring_capacity|writer_backlog_chunks|store_segment_open|store_disk_full|disk_free_bytes|tcp_now_conns|healthy) ' "$T/scrape")
g2=$(grep -cE '^sluice_(ring_capacity|writer_backlog_chunks|store_segment_open|disk_free_bytes)\{' "$T/scrape")
[ "$(metric sluice_healthy)" = 1 ] && [ "$g2" -ge 4 ] && [ "$(metric sluice_disk_free_bytes)" -gt 0 ] &&
	[ "$(metric sluice_ring_capacity)" -gt 0 ] &&
	ok "gauges: healthy 1, ring fill, writer backlog, open segments, disk free $(metric sluice_disk_free_bytes) B" ||
	notok "gauges missing: healthy=$(metric sluice_healthy) labelled=$g2 unlabelled=$g"

# HTTP edges.
it_http "$MURL/metrics" --method HEAD
[ "$HTTP_CODE" = 200 ] && [ -z "$HTTP_BODY" ] && ok "HEAD /metrics: 200, no body" ||
	notok "HEAD /metrics: $HTTP_CODE, body ${#HTTP_BODY} bytes"
it_http "$MURL/nope"
[ "$HTTP_CODE" = 404 ] && ok "GET /nope: 404" || notok "GET /nope: $HTTP_CODE"
it_http "$MURL/metrics" --method POST
[ "$HTTP_CODE" = 405 ] && ok "POST /metrics: 405" || notok "POST /metrics: $HTTP_CODE"
it_http "$MURL" --raw 'GET /metrics HTTP/2.0\r\n\r\n'
[ "$HTTP_CODE" = 505 ] && ok "HTTP/2.0 request line: 505" || notok "HTTP/2.0 request line: $HTTP_CODE"
it_http "$MURL" --raw 'GET\x00 / HTTP/1.1\r\n\r\n'
[ "$HTTP_CODE" = 400 ] && ok "a NUL in the request line: 400" || notok "NUL in the request line: $HTTP_CODE"

# Telemetry with DPDK's own client.
TEL=$(command -v dpdk-telemetry.py)
tel() { printf '%s\n' "$@" | timeout 10 python3 "$TEL" -f "$PREFIX" 2>/dev/null; }
if [ -z "$TEL" ]; then
	notok "dpdk-telemetry.py not found (Debian dpdk-dev ships it)"
else
	tel /sluice/stats /sluice/tenants /sluice/tenants,A /sluice/rules /sluice/worker,0 \
		/sluice/shards,0 /sluice/health /sluice/worker,9 >"$T/tel.out"
	python3 - "$T/tel.out" "$N" "$st" "$sa" "$re" <<'PY' >"$T/tel.check"
import json, sys
path, n, st, sa, re_ = sys.argv[1], *map(int, sys.argv[2:])
ans = [json.loads(l) for l in open(path) if l.startswith("{")]
v = [list(a.values())[0] for a in ans] + [None] * 8
checks = [
    ("/sluice/stats: received_packets, stored_messages",
     isinstance(v[0], dict) and v[0].get("received_packets") == n and v[0].get("stored_messages") == st),
    ("/sluice/tenants: [default, A, B]", v[1] == ["default", "A", "B"]),
    ("/sluice/tenants,A: tenant/stored", isinstance(v[2], dict) and v[2].get("tenant/stored") == sa),
    ("/sluice/rules: [no-x, vowel-e]", v[3] == ["no-x", "vowel-e"]),
    ("/sluice/worker,0: decode/rx_pkts", isinstance(v[4], dict) and v[4].get("decode/rx_pkts") == n),
    ("/sluice/shards,0: store/records, ring/capacity",
     isinstance(v[5], dict) and v[5].get("store/records") == st and v[5].get("ring/capacity", 0) > 0),
    ("/sluice/health: 200 ok", v[6] == {"code": 200, "reason": "ok"}),
    ("/sluice/worker,9: an error (no such worker)", len(ans) >= 8 and v[7] is None),
]
for name, good in checks:
    print(("ok " if good else "FAIL ") + name)
PY
	while read -r verdict what; do
		[ "$verdict" = ok ] && ok "telemetry $what" || notok "telemetry $what"
	done <"$T/tel.check"
	grep -q FAIL "$T/tel.check" && cut -c1-300 "$T/tel.out" | sed 's/^/# /'
fi

# --- 3: drain -----------------------------------------------------------------------
kill -TERM "$SPID"
t0=$(date +%s%N)
if it_health_wait "$MURL" 503 "draining" 10; then
	ok "SIGTERM: /healthz answers 503 at once: $HTTP_BODY"
else
	notok "SIGTERM: /healthz $HTTP_CODE $HTTP_BODY"
fi
it_http "$MURL/metrics"
echo "$HTTP_BODY" >"$T/scrape.drain"
grep -q '^sluice_draining 1$' "$T/scrape.drain" && grep -q '^sluice_healthy 0$' "$T/scrape.drain" &&
	ok "while draining: sluice_draining 1, sluice_healthy 0" ||
	notok "while draining: $(grep -E '^sluice_(draining|healthy) ' "$T/scrape.drain" | tr '\n' ' ')"
kill -0 "$SPID" 2>/dev/null && ok "sluice still runs $((($(date +%s%N) - t0) / 1000000)) ms into the 3 s drain" ||
	notok "sluice stopped before the drain was over"
for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
wait "$SPID"
rc=$?
SPID=
t1=$(date +%s%N)
el=$(((t1 - t0) / 1000000))
[ $rc = 0 ] && [ $el -ge 2900 ] && grep -q "draining for 3000 ms" "$T/sluice.err" &&
	ok "exit 0 after the drain ($el ms after SIGTERM); the log says it drained" ||
	notok "exit $rc after $el ms; log: $(grep -i drain "$T/sluice.err" | head -2)"

# --- 4: the scrape equals the final counters ----------------------------------------
if python3 "$HERE/metrics_check.py" "$T/scrape" "$T/sluice.out" >"$T/check.out" 2>&1; then
	ok "$(head -1 "$T/check.out")"
else
	notok "scrape vs final counters: $(head -1 "$T/check.out")"
	sed 's/^/# /' "$T/check.out" | tail -n +2
fi

# --- 5: a stalled writer --------------------------------------------------------------
MPORT=$(it_free_port)
MURL=http://127.0.0.1:$MPORT
"$SLUICE" "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$T/in.pcap,infinite_rx=1" -- \
	--out "$T/out-stall" --stats-interval 0 --extra-mbufs 22000 --flush-ms 5000 \
	--writer-pause-us 10000000 --metrics "127.0.0.1:$MPORT" \
	>"$T/stall.out" 2>"$T/stall.err" &
SPID=$!
if it_health_wait "$MURL" 503 "stalled" 100; then
	ok "a writer that takes nothing while chunks wait: 503: $HTTP_BODY"
else
	notok "stalled writer: /healthz $HTTP_CODE $HTTP_BODY"
fi
kill -KILL "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=
finish
