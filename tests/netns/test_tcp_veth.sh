#!/bin/bash
# sluice's TCP receiver end to end: sluice on net_af_packet in a network
# namespace (--listen 10.99.0.1/24 --listen fd99::1/64 --tcp 514,601
# --udp 514), Linux TCP clients in another. TAP output; exit status
# non-zero on any failure. Each scenario runs its own sluice (own --out, own
# final counters):
#
#   a  logger: --tcp --octet-count and --tcp (LF) to 10.99.0.1:514, one
#      octet-counted to [fd99::1]:601: each stored exactly once with its
#      marker, from the sender's address, as TCP
#   b  syslog-ng loggen over TCP, 4 connections, LF framing to 10.99.0.1:514
#      and octet counting (-P) to [fd99::1]:601: stored count equals loggen's
#      count=, each connection's seq 0,1,2,... in order, no gap or duplicate
#   c  tcp_send.py: 1,000 concurrent connections x 20 messages, mixed
#      framing, IPv4 and IPv6, ports 514 and 601: check_tcp.py exact (every
#      message once, byte-exact, per-connection order, transport TCP);
#      tcp conn_opened >= 1000
#   d  through tcp_relay (sender -- relay -- node namespaces): 5 % loss,
#      25 % reordering, 1 % duplication, 2+0..1 ms delay both ways; 16
#      connections x 2,000 messages: exact; the relay really dropped,
#      reordered and duplicated frames
#   e  SYN flood (syn_flood.py, 20,000 spoofed SYNs at 4,000/s to IPv4 and
#      2,000 to IPv6) while 50 tcp_send.py connections connect and send:
#      all succeed, exact; tcp syncookies_sent > 0
#   f  backpressure: slow writers (--writer-pause-us 150000: after a chunk
#      a writer takes nothing for 150 ms per 64 KiB of it; --ring-size 4:
#      under 0.9 MB/s for both writers), --tcp-rcvbuf 96K; 30,000 messages
#      (~4.8 MB) on 4 connections: exact (zero loss); tcp zero_window > 0
#      (sluice offers no window smaller than a segment, so a held-back
#      sender meets a zero window and probes) and shard held_back > 0.
#      (The pause once slept inside the writer; the writer beside the
#      worker then stalled RX itself, the sender was slowed by that instead
#      of by the window, and zero_window was sometimes 0.)
#
# tcp_send.py connections end with --half-close: shutdown(SHUT_WR), then
# wait for sluice's FIN, which sluice sends only after every byte before
# the sender's FIN was delivered. logger and loggen just close; the script
# waits until the sender's kernel has every byte ACKed (ss) before it stops
# sluice.
#
# Counters are read from sluice's final counters: lines
# "tcp[INSTANCE]: name=N ..." (sl_ctr_print) summed over instances, or
# "tcp.name=N" tokens.
#
# usage: tests/netns/test_tcp_veth.sh [BUILD_DIR]      (root; ~1-3 min)
# Environment:
#   SL_TCP_ONLY=LETTERS   run only these scenarios (e.g. c, or ade)
#   SL_TCP_STANDIN=1      a kernel TCP server (python, in the node
#                         namespace, kernel addresses 10.99.0.1/fd99::1)
#                         stands in for sluice: checks the test tooling
#                         itself; sluice counters are replaced by the node
#                         kernel's (nstat TcpExtSyncookiesSent,
#                         TcpExtTCPToZeroWindowAdv)
#   SL_TCP_SLUICE_ARGS    extra sluice options for every run
#   SL_TCP_BP_ARGS        scenario f's options (default
#                         "--writer-pause-us 150000 --ring-size 4 --max-msg 2048
#                         --batch-size 64K --tcp-rcvbuf 96K")
#   SL_TCP_RELAY_ARGS     scenario d's impairment (default
#                         "--loss 5 --reorder 25 --dup 1 --delay 2 --jitter 1")
#   SL_TCP_SEED           relay seed (default: random, printed)
#   SL_TCP_AFP_ARGS       net_af_packet devargs after qpairs (default
#                         ",blocksz=4096,framesz=2048,framecnt=4096")
#   SL_NETNS_KEEP=1       keep the temporary directory (logs, segments)
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/netns/tap.sh
. "$HERE/tap.sh"
nt_build "${1:-}"

ONLY=${SL_TCP_ONLY:-abcdef}
STANDIN=${SL_TCP_STANDIN:-0}
SEED=${SL_TCP_SEED:-$((RANDOM * 32768 + RANDOM))}
BP_ARGS=${SL_TCP_BP_ARGS:---writer-pause-us 150000 --ring-size 4 --max-msg 2048 --batch-size 64K --tcp-rcvbuf 96K}
RELAY_ARGS=${SL_TCP_RELAY_ARGS:---loss 5 --reorder 25 --dup 1 --delay 2 --jitter 1}
export SL_AFP_ARGS=${SL_TCP_AFP_ARGS:-,blocksz=4096,framesz=2048,framecnt=4096}

NT_NAME="netns TCP over veth"
nt_need_tools logger loggen ss awk
nt_python
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
if [ "$STANDIN" != 1 ]; then
	it_need "$SLUICE" "$CAT"
fi

nt_tmp sl-tcp
STANDIN_PID=

# tcp_relay: the meson target, else compiled here from the source.
RELAY_BIN=$BUILD/tests/netns/tcp_relay
if [ ! -x "$RELAY_BIN" ] && want d; then
	if cc -O2 -o "$TMP/tcp_relay" "$HERE/relay.c" 2>"$TMP/relay-cc.err"; then
		RELAY_BIN=$TMP/tcp_relay
	else
		diag <"$TMP/relay-cc.err"
	fi
fi
export SL_RELAY_BIN=$RELAY_BIN

[ "$STANDIN" = 1 ] && echo "# SL_TCP_STANDIN=1: a kernel TCP server stands in for sluice"

# --- the receiver: sluice, or the kernel stand-in -----------------------------

# Kernel stand-in (SL_TCP_STANDIN=1): accepts on ADDRS x PORTS, writes each
# connection's bytes to OUT/SRC_SPORT_DST_DPORT.bin (check_tcp.py
# --streams), answers the peer's FIN with its own. --read-bps paces reading
# (the senders meet a zero window); --rcvbuf fixes the receive buffer.
cat >"$TMP/standin.py" <<'EOF'
import argparse, os, resource, selectors, signal, socket, time
ap = argparse.ArgumentParser()
ap.add_argument("--listen", action="append", required=True)
ap.add_argument("--port", action="append", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--seconds", type=float, default=300)
ap.add_argument("--read-bps", type=float, default=0)
ap.add_argument("--rcvbuf", type=int, default=0)
a = ap.parse_args()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
os.makedirs(a.out, exist_ok=True)
sel = selectors.DefaultSelector()
stop = []
signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
signal.signal(signal.SIGINT, lambda *x: stop.append(1))
for addr in a.listen:
    for port in a.port:
        ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.rcvbuf:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        ls.bind((addr, port))
        ls.listen(4096)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
print("plan: out %s (kernel stand-in)" % a.out, flush=True)
conns = closed = nbytes = 0
t0 = time.monotonic()
while not stop and time.monotonic() < t0 + a.seconds:
    for key, _ in sel.select(0.2):
        if key.data is None:
            while True:
                try:
                    c, peer = key.fileobj.accept()
                except BlockingIOError:
                    break
                c.setblocking(False)
                me = c.getsockname()
                name = "%s_%d_%s_%d.bin" % (peer[0], peer[1], me[0], me[1])
                sel.register(c, selectors.EVENT_READ, open(os.path.join(a.out, name), "ab"))
                conns += 1
            continue
        c, f = key.fileobj, key.data
        n = 65536
        if a.read_bps:
            n = min(n, int(a.read_bps * (time.monotonic() - t0)) - nbytes)
            if n <= 0:
                time.sleep(0.002)
                continue
        try:
            d = c.recv(n)
        except BlockingIOError:
            continue
        except OSError:
            d = b""
        if d:
            f.write(d)
            nbytes += len(d)
        else:
            sel.unregister(c)
            f.close()
            c.close()
            closed += 1
print("--- final counters\nstandin: conns=%d closed=%d bytes=%d" % (conns, closed, nbytes),
      flush=True)
for key in list(sel.get_map().values()):
    if key.data is not None:
        key.data.close()
EOF

# node_start NAME [sluice options...]: the receiver in the node namespace;
# its store in $OUT, its log in $LOG. TAP line on failure only.
node_start() {
	local name=$1 i
	shift
	if [ "$STANDIN" = 1 ]; then
		OUT=$TMP/$name.out
		LOG=$TMP/$name.log
		local sargs=()
		[[ " $* " == *" --writer-pause-us "* ]] && sargs=(--read-bps 8000000 --rcvbuf 65536)
		sl_in_node sysctl -qw "net.ipv6.conf.$SL_IF_NODE.disable_ipv6=0"
		ip -n "$SL_NS_NODE" addr replace "$SL_NODE4/24" dev "$SL_IF_NODE"
		ip -n "$SL_NS_NODE" -6 addr replace "$SL_NODE6/64" dev "$SL_IF_NODE" nodad
		# Baseline of the node kernel's counters (tcp_ctr subtracts it).
		sl_in_node nstat -asz >"$TMP/nstat0" 2>/dev/null
		ip netns exec "$SL_NS_NODE" timeout -s TERM -k 5 150 "$PY" "$TMP/standin.py" \
			--listen "$SL_NODE4" --listen "$SL_NODE6" --port 514 --port 601 \
			--out "$OUT" "${sargs[@]}" >"$LOG" 2>&1 &
		STANDIN_PID=$!
		for ((i = 0; i < 50; i++)); do
			grep -q '^plan: out' "$LOG" 2>/dev/null && return 0
			sleep 0.1
		done
		diag <"$LOG"
		notok "$name: kernel stand-in starts"
		return 1
	fi
	# shellcheck disable=SC2086  # SL_TCP_SLUICE_ARGS is a list of words
	nt_sluice_start "$name" "sluice starts (options: $*)" --tcp 514,601 --udp 514 \
		--stats-interval 0 --flush-ms 100 --rx-desc 512 --tx-desc 512 \
		${SL_TCP_SLUICE_ARGS:-} "$@"
}

# node_stop NAME: stop the receiver; TAP line for a clean exit with counters.
node_stop() {
	local name=$1
	if [ "$STANDIN" = 1 ]; then
		kill -TERM "$STANDIN_PID" 2>/dev/null
		timeout 10 tail --pid="$STANDIN_PID" -f /dev/null 2>/dev/null
		wait "$STANDIN_PID" 2>/dev/null
		STANDIN_PID=
		return 0
	fi
	nt_sluice_stop "$name" 'tcp|framing|summary|port'
}

# check DESC ARGS...: check_tcp.py over what the receiver stored; TAP line.
check() {
	local desc=$1
	shift
	local src=(--segments "$OUT" --sluice-cat "$CAT")
	[ "$STANDIN" = 1 ] && src=(--streams "$OUT")
	if timeout 120 "$PY" "$HERE/check_tcp.py" "${src[@]}" "$@" >"$TMP/check.log" 2>&1; then
		ok "$desc"
		grep '^check_tcp: ' "$TMP/check.log" | grep -v 'records read' | diag
	else
		notok "$desc"
		head -40 "$TMP/check.log" | diag
	fi
}

# tcp_ctr NAME: a TCP counter from the final counters, summed over the
# "tcp[...]:" lines (or "tcp.NAME=" tokens); empty when never printed.
# Stand-in: the node kernel's nstat counter that means the same.
tcp_ctr() {
	if [ "$STANDIN" = 1 ]; then
		local k
		case $1 in
		syncookies_sent) k=TcpExtSyncookiesSent ;;
		zero_window) k=TcpExtTCPToZeroWindowAdv ;;
		conn_opened) k=TcpPassiveOpens ;;
		*) return 0 ;;
		esac
		sl_in_node nstat -asz 2>/dev/null | awk -v k="$k" '
			NR == FNR { if ($1 == k) b = $2; next }
			$1 == k { print $2 - b }' "$TMP/nstat0" -
		return 0
	fi
	ctr_sum tcp "$1"
}

# ctr_positive NAME DESC: TAP line for counter NAME > 0.
ctr_positive() { positive_ok "$2" "$1" "$(tcp_ctr "$1")"; }

# send NAME ARGS...: tcp_send.py from the sender namespace, EXPECT in
# $TMP/NAME.exp; TAP line.
send() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	if timeout 150 ip netns exec "$SL_NS_SND" "$PY" "$HERE/tcp_send.py" \
		--dst "$SL_NODE4" --dst "$SL_NODE6" --half-close --expect "$TMP/$name.exp" \
		"$@" >"$TMP/$name.send" 2>&1; then
		t1=$(date +%s.%N)
		ok "$name: tcp_send.py $* ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
		diag <"$TMP/$name.send"
	else
		notok "$name: tcp_send.py $*"
		head -20 "$TMP/$name.send" | diag
	fi
}

# --- scenarios ----------------------------------------------------------------

scenario_a() {
	local tag=$$-$RANDOM m1 m2 m3 rc=0
	node_start a || return
	m1=sl-tcp-oct4-$tag
	m2=sl-tcp-lf4-$tag
	m3=sl-tcp-oct6-$tag
	timeout 5 ip netns exec "$SL_NS_SND" logger -T --octet-count -n "$SL_NODE4" -P 514 \
		--rfc5424 -t sluice-test "octet-counted over IPv4 $m1" 2>"$TMP/logger.err" || rc=1
	timeout 5 ip netns exec "$SL_NS_SND" logger -T -n "$SL_NODE4" -P 514 \
		--rfc3164 -t sluice-test "LF-framed over IPv4 $m2" 2>>"$TMP/logger.err" || rc=1
	timeout 5 ip netns exec "$SL_NS_SND" logger -T --octet-count -n "$SL_NODE6" -P 601 \
		--rfc5424 -t sluice-test "octet-counted over IPv6 $m3" 2>>"$TMP/logger.err" || rc=1
	if [ "$rc" = 0 ]; then
		ok "a: logger -T sent (octet counting and LF to $SL_NODE4:514, octet to [$SL_NODE6]:601)"
	else
		notok "a: logger -T sent (octet counting and LF to $SL_NODE4:514, octet to [$SL_NODE6]:601)"
		diag <"$TMP/logger.err"
	fi
	wait_acked 10 514 601
	node_stop a
	check "a: each logger message stored once over TCP, right source and framing" \
		--marker "$m1" --marker-regex "$m1" '^<13>1 [0-9]{4}-' --marker-src "$m1" "$SL_SND4" \
		--marker "$m2" --marker-regex "$m2" '^<13>[A-Z][a-z]{2} .*'"$m2"'$' \
		--marker-src "$m2" "$SL_SND4" \
		--marker "$m3" --marker-regex "$m3" '^<13>1 .*'"$m3"'$' --marker-src "$m3" "$SL_SND6"
}

# loggen_run DESC ARGS...: loggen from the sender namespace; its count= in
# LOGGEN_COUNT.
loggen_run() {
	local desc=$1
	shift
	LOGGEN_COUNT=
	timeout 10 ip netns exec "$SL_NS_SND" loggen "$@" >"$TMP/loggen.out" 2>&1
	LOGGEN_COUNT=$(sed -n 's/.*average rate = .*count=\([0-9]*\),.*/\1/p' "$TMP/loggen.out" | tail -1)
	if [ -n "$LOGGEN_COUNT" ] && [ "$LOGGEN_COUNT" -gt 0 ]; then
		ok "b: loggen $desc: count=$LOGGEN_COUNT"
	else
		notok "b: loggen $desc reports what it sent"
		tail -5 "$TMP/loggen.out" | diag
	fi
}

scenario_b() {
	local n4 n6
	node_start b || return
	loggen_run "LF over IPv4, 4 connections" -i -S -n 5000 -r 5000 -s 300 \
		--active-connections=4 "$SL_NODE4" 514
	n4=${LOGGEN_COUNT:-0}
	loggen_run "octet counting (-P) over IPv6, 4 connections" -i -S -P -6 -n 5000 -r 5000 \
		-s 300 --active-connections=4 "$SL_NODE6" 601
	n6=${LOGGEN_COUNT:-0}
	wait_acked 15 514 601
	node_stop b
	check "b: loggen LF to $SL_NODE4:514: all $n4 stored, each connection in order" \
		--loggen "$n4" --loggen-conns 4 --dst "$SL_NODE4" --dport 514
	check "b: loggen octet-counted to [$SL_NODE6]:601: all $n6 stored, each connection in order" \
		--loggen "$n6" --loggen-conns 4 --dst "$SL_NODE6" --dport 601
}

scenario_c() {
	node_start c || return
	send c --port 514,601 --conns 1000 --msgs 20 --framing mixed --size 80-400 \
		--parallel 500 --connect-timeout 20 --timeout 90 --seed "$SEED"
	node_stop c
	check "c: 1,000 connections x 20 messages: every message once, byte-exact, in order" \
		--expect "$TMP/c.exp"
	local v
	v=$(tcp_ctr conn_opened)
	if [ -n "$v" ] && [ "$v" -ge 1000 ]; then
		ok "c: conn_opened=$v >= 1000"
	else
		notok "c: conn_opened=${v:-not printed} >= 1000"
	fi
}

scenario_d() {
	local f
	if [ ! -x "$SL_RELAY_BIN" ]; then
		notok "d: tcp_relay is built ($BUILD/tests/netns/tcp_relay, or cc)"
		return
	fi
	sl_ns_cleanup
	if sl_ns_setup_relay $$ 2>"$TMP/setup.err"; then
		ok "d: namespaces $SL_NS_SND -- $SL_NS_RELAY -- $SL_NS_NODE, two veth pairs, offloads off"
	else
		diag <"$TMP/setup.err"
		notok "d: relay topology"
		return
	fi
	node_start d || return
	# shellcheck disable=SC2086  # RELAY_ARGS is a list of words
	if SL_RELAY_LOG=$TMP/relay.log SL_RELAY_SECS=150 sl_relay_start "$BUILD" \
		$RELAY_ARGS --seed "$SEED" 2>"$TMP/relay.err"; then
		ok "d: tcp_relay runs: $(head -1 "$TMP/relay.log" | sed 's/^relay: //')"
	else
		diag <"$TMP/relay.err"
		notok "d: tcp_relay starts"
		node_stop d
		return
	fi
	send d --port 514,601 --conns 16 --msgs 2000 --framing mixed --size 80-600 \
		--connect-timeout 20 --timeout 120 --fin-timeout 30 --seed "$SEED"
	sl_relay_stop 10
	grep '^relay ' "$TMP/relay.log" | diag
	for f in dropped reordered duplicated; do
		local v
		v=$(sl_log_value "$TMP/relay.log" 'relay a->b:' "$f")
		if [ "$v" -gt 0 ]; then
			ok "d: the relay $f frames sender -> node ($f=$v)"
		else
			notok "d: the relay $f frames sender -> node ($f=$v)"
		fi
	done
	node_stop d
	check "d: 16 x 2,000 messages through loss, reordering, duplication: each once, in order" \
		--expect "$TMP/d.exp"
	if [ "$STANDIN" != 1 ]; then
		for f in ooo_segs retrans_segs drop_window; do
			echo "tcp $f=$(tcp_ctr "$f")"
		done | diag
	fi
}

scenario_e() {
	local fl4 fl6 rc4 rc6
	node_start e || return
	ip netns exec "$SL_NS_SND" timeout 40 "$PY" "$HERE/syn_flood.py" --dst "$SL_NODE4" \
		--port 514,601 --count 20000 --rate 4000 --spoof 10.99.0.0/24 \
		--exclude "$SL_SND4" --seed "$SEED" >"$TMP/flood4.log" 2>&1 &
	fl4=$!
	ip netns exec "$SL_NS_SND" timeout 40 "$PY" "$HERE/syn_flood.py" --dst "$SL_NODE6" \
		--port 514 --count 2000 --rate 1000 --spoof fd99::/64 \
		--exclude "$SL_SND6" --seed "$SEED" >"$TMP/flood6.log" 2>&1 &
	fl6=$!
	sleep 1
	send e --port 514,601 --conns 50 --msgs 200 --framing mixed --size 80-400 \
		--connect-timeout 20 --timeout 60 --seed "$SEED"
	wait "$fl4"
	rc4=$?
	wait "$fl6"
	rc6=$?
	if [ "$rc4" = 0 ] && [ "$rc6" = 0 ]; then
		ok "e: SYN flood sent: $(cat "$TMP/flood4.log" "$TMP/flood6.log" | tr '\n' ' ')"
	else
		notok "e: SYN flood sent (rc $rc4/$rc6)"
		cat "$TMP/flood4.log" "$TMP/flood6.log" | diag
	fi
	node_stop e
	check "e: 50 connections during the flood: every message once, in order" \
		--expect "$TMP/e.exp"
	ctr_positive syncookies_sent "e: SYN cookies were sent during the flood"
}

scenario_f() {
	# shellcheck disable=SC2086  # BP_ARGS is a list of words
	node_start f $BP_ARGS || return
	send f --port 514,601 --conns 4 --msgs 7500 --framing mixed --size 100-220 \
		--connect-timeout 20 --timeout 150 --fin-timeout 60 --seed "$SEED"
	node_stop f
	check "f: 30,000 messages against slow writers: zero loss, each once, in order" \
		--expect "$TMP/f.exp"
	ctr_positive zero_window "f: the window fell to zero (senders were slowed)"
	[ "$STANDIN" = 1 ] && return
	positive_ok "f: the worker held TCP back at the shard" held_back "$(ctr_sum shard held_back)" ||
		grep -E '^(shard|writer|tcp)\[|tcp_now' "$TMP/f.log" | diag
}

# --- run ------------------------------------------------------------------------
echo "# seed $SEED (SL_TCP_SEED), scenarios $ONLY"
if [[ $ONLY == *[abcef]* ]]; then
	if sl_ns_setup $$ 2>"$TMP/setup.err"; then
		ok "namespaces $SL_NS_NODE / $SL_NS_SND with veth $SL_IF_NODE <-> $SL_IF_SND, offloads off"
	else
		diag <"$TMP/setup.err"
		notok "namespaces and veth pair"
		finish
	fi
fi
for s in a b c e f d; do
	want $s || continue
	t0=$SECONDS
	"scenario_$s"
	echo "# scenario $s: $((SECONDS - t0)) s"
done
finish
