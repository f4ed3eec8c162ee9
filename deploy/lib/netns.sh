# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are for the scripts that source this
# Network-namespace helpers shared by deploy/quickstart and tests/netns/.
#
# Source it, then:
#   sl_ns_check              -> 0, or 1 with the reason in SL_NS_WHY
#   sl_ns_setup ID           two namespaces and a veth pair between them
#   sl_sluice_start BUILD OUT LOG [sluice options...]
#   sl_sluice_stop [SECS]    SIGINT, wait (bounded); rc in SL_SLUICE_RC
#   sl_ns_cleanup            stop sluice, delete the namespaces (idempotent)
#   sl_ns_setup_relay ID     three namespaces: sender -- relay -- node
#   sl_relay_start BUILD [tcp_relay options...]  / sl_relay_stop [SECS]
#
# Topology (ID is normally $$, so parallel runs do not clash):
#
#   netns sl-node-ID                         netns sl-snd-ID
#   sln-ID (no kernel address,   <-- veth -->  sls-ID 10.99.0.2/24, fd99::2/64
#           sluice on it through net_af_packet)
#
# sluice answers ARP, neighbour solicitation and ping for 10.99.0.1 and
# fd99::1 itself: the kernel in the node namespace has no address there.
# Nothing here touches the host's own interfaces or namespace.

SL_NODE4=10.99.0.1
SL_NODE6=fd99::1
SL_SND4=10.99.0.2
SL_SND6=fd99::2

SL_NS_NODE=
SL_NS_SND=
SL_IF_NODE=
SL_IF_SND=
SL_SLUICE_PID=
SL_SLUICE_RC=
SL_SLUICE_LOG=
SL_NS_WHY=
# sl_ns_setup_relay only.
SL_NS_RELAY=
SL_IF_RELAY_SND=
SL_IF_RELAY_NODE=
SL_RELAY_PID=
SL_RELAY_RC=
SL_RELAY_LOG=

# Can this process build namespaces? Sets SL_NS_WHY when not.
sl_ns_check() {
	local t
	if [ "$(id -u)" -ne 0 ]; then
		SL_NS_WHY="not root"
		return 1
	fi
	for t in ip ethtool timeout sysctl; do
		if ! command -v "$t" >/dev/null 2>&1; then
			SL_NS_WHY="$t not installed"
			return 1
		fi
	done
	t="sl-probe-$$-$RANDOM"
	if ! ip netns add "$t" 2>/dev/null; then
		SL_NS_WHY="ip netns add does not work here"
		return 1
	fi
	ip netns del "$t" 2>/dev/null
	return 0
}

# Run a command inside a namespace, bounded in time.
sl_in_node() { ip netns exec "$SL_NS_NODE" "$@"; }
sl_in_snd() { ip netns exec "$SL_NS_SND" "$@"; }

# Checksum and segmentation offloads off: af_packet would otherwise see
# frames with partial checksums (looks like bad checksums) and 64 KB
# GSO/GRO super-frames. Features a veth lacks are simply not changed.
sl_ns_offloads_off() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" ethtool -K "$ifc" tx off tso off gso off gro off rx off \
		>/dev/null 2>&1 || true
	# Verify the ones that matter.
	if ip netns exec "$ns" ethtool -k "$ifc" 2>/dev/null |
		grep -Eq '^(tx-checksumming|generic-segmentation-offload|generic-receive-offload): on'; then
		echo "netns: could not turn offloads off on $ifc in $ns" >&2
		return 1
	fi
	return 0
}

# sl_ns_setup ID: build the topology. On failure, cleans what it made.
sl_ns_setup() {
	local id=$1
	SL_NS_NODE="sl-node-$id"
	SL_NS_SND="sl-snd-$id"
	# Interface names: at most 15 characters.
	SL_IF_NODE="sln-$id"
	SL_IF_SND="sls-$id"
	if [ ${#SL_IF_NODE} -gt 15 ]; then
		SL_IF_NODE="sln-${id: -10}"
		SL_IF_SND="sls-${id: -10}"
	fi

	ip netns add "$SL_NS_NODE" || return 1
	if ! ip netns add "$SL_NS_SND"; then
		ip netns del "$SL_NS_NODE" 2>/dev/null
		return 1
	fi
	# Create the pair inside the node namespace, peer straight into the
	# sender namespace: the host namespace never sees either end.
	if ! ip -n "$SL_NS_NODE" link add "$SL_IF_NODE" type veth \
		peer name "$SL_IF_SND" netns "$SL_NS_SND"; then
		sl_ns_cleanup
		return 1
	fi
	ip -n "$SL_NS_NODE" link set lo up
	ip -n "$SL_NS_SND" link set lo up

	# Node end: up, no address, and no IPv6 on the kernel side either, so
	# the kernel sends nothing of its own (RS, MLD) into sluice's port.
	sl_in_node sysctl -qw "net.ipv6.conf.$SL_IF_NODE.disable_ipv6=1" || true
	# Sender end: the only kernel addresses in the topology. DAD off so
	# fd99::2 is usable at once.
	sl_in_snd sysctl -qw "net.ipv6.conf.$SL_IF_SND.accept_dad=0" || true
	sl_in_snd sysctl -qw "net.ipv6.conf.all.accept_dad=0" || true

	if ! sl_ns_offloads_off "$SL_NS_NODE" "$SL_IF_NODE" ||
		! sl_ns_offloads_off "$SL_NS_SND" "$SL_IF_SND"; then
		sl_ns_cleanup
		return 1
	fi
	if ! ip -n "$SL_NS_SND" addr add "$SL_SND4/24" dev "$SL_IF_SND" ||
		! ip -n "$SL_NS_SND" -6 addr add "$SL_SND6/64" dev "$SL_IF_SND" nodad ||
		! ip -n "$SL_NS_NODE" link set "$SL_IF_NODE" up ||
		! ip -n "$SL_NS_SND" link set "$SL_IF_SND" up; then
		sl_ns_cleanup
		return 1
	fi
	return 0
}

# MAC address of an interface in a namespace.
sl_ns_mac() {
	ip -n "$1" -o link show "$2" 2>/dev/null |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# One counter of an interface: sl_ns_ifstat NS IF rx_packets|tx_packets|rx_dropped|tx_dropped
sl_ns_ifstat() {
	local v
	v=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null)
	echo "${v:-0}"
}

# Is PID alive (and not a zombie)?
sl_pid_running() {
	local st
	[ -n "${1:-}" ] || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# net_af_packet joins its sockets to a PACKET_FANOUT group with
# PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles IPv4 fragments before
# the ring: a ring frame must hold a whole 64 KiB datagram. 65280-byte
# frames, 16 to a 1 MiB block (the kernel wants blocks of whole pages and
# whole frames), and mbufs with room for a frame (--mbuf-size 65408).
SL_AFP_BIG=",blocksz=1044480,framesz=65280,framecnt=${SL_AFP_FRAMES:-1024}"

# sl_sluice_start BUILD OUT LOG [sluice options...]
# Starts sluice in the node namespace on the node veth through
# net_af_packet, in the background, bounded by `timeout` (SIGINT at the
# limit, SIGKILL 10 s later). Waits (up to SL_START_SECS, default 30) for
# its plan lines. Options after LOG replace the default option set.
# Environment: SL_LCORES (default 0,1), SL_START_SECS, SL_RUN_SECS (120),
# SL_AFP_ARGS (net_af_packet devargs after qpairs; default $SL_AFP_BIG).
sl_sluice_start() {
	local build=$1 out=$2 log=$3 i
	shift 3
	local bin="$build/app/sluice/sluice"
	local opts=("$@")
	if [ ${#opts[@]} -eq 0 ]; then
		opts=(--out "$out" --listen "$SL_NODE4/24" --listen "$SL_NODE6/64"
			--udp 514 --stats-interval 0 --flush-ms 100
			--mbuf-size 65408 --rx-desc 512 --tx-desc 256 --frag-flows 64 --batch-size 128K)
	fi
	if [ ! -x "$bin" ]; then
		echo "netns: $bin not built" >&2
		return 1
	fi
	SL_SLUICE_LOG=$log
	SL_SLUICE_RC=
	ip netns exec "$SL_NS_NODE" timeout -s INT -k 10 "${SL_RUN_SECS:-120}" \
		"$bin" --no-pci --no-huge -m 1024 --file-prefix "sl-ns-$$-$RANDOM" \
		-l "${SL_LCORES:-0,1}" \
		--vdev "net_af_packet0,iface=$SL_IF_NODE,qpairs=1${SL_AFP_ARGS-$SL_AFP_BIG}" \
		-- "${opts[@]}" >"$log" 2>&1 &
	SL_SLUICE_PID=$!
	for ((i = 0; i < ${SL_START_SECS:-30} * 10; i++)); do
		if grep -q '^plan: out ' "$log" 2>/dev/null; then
			return 0
		fi
		if ! sl_pid_running "$SL_SLUICE_PID"; then
			wait "$SL_SLUICE_PID" 2>/dev/null
			SL_SLUICE_RC=$?
			SL_SLUICE_PID=
			echo "netns: sluice exited (rc $SL_SLUICE_RC) before it was ready; its log:" >&2
			tail -20 "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "netns: sluice printed no plan within ${SL_START_SECS:-30} s; its log:" >&2
	tail -20 "$log" >&2
	return 1
}

# sl_sluice_stop [SECS]: SIGINT, then wait up to SECS (default 30) for the
# final counters and exit; SIGKILL after that. Exit status in SL_SLUICE_RC.
sl_sluice_stop() {
	local secs=${1:-30} i pid=$SL_SLUICE_PID
	[ -n "$pid" ] || return 0
	# $pid is `timeout`, which passes SIGINT on to sluice.
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		sl_pid_running "$pid" || break
		sleep 0.1
	done
	if sl_pid_running "$pid"; then
		echo "netns: sluice did not stop within $secs s after SIGINT; killing it" >&2
		# timeout's child (sluice) first, then timeout itself.
		local c
		for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
			kill -KILL "$c" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	SL_SLUICE_RC=$?
	SL_SLUICE_PID=
	[ "$SL_SLUICE_RC" -eq 0 ]
}

# Stop sluice if it runs and delete both namespaces (the veth goes with
# them). Safe to call more than once and from an EXIT trap.
sl_ns_cleanup() {
	if [ -n "${SL_SLUICE_PID:-}" ]; then
		sl_sluice_stop 15 >/dev/null 2>&1
	fi
	# Anything else still running in the node namespace was ours.
	if [ -n "${SL_NS_NODE:-}" ] && ip netns pids "$SL_NS_NODE" >/dev/null 2>&1; then
		local p
		for p in $(ip netns pids "$SL_NS_NODE" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	if [ -n "${SL_NS_SND:-}" ] && ip netns pids "$SL_NS_SND" >/dev/null 2>&1; then
		local p
		for p in $(ip netns pids "$SL_NS_SND" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	# The relay namespace (sl_ns_setup_relay): the relay, if it still
	# runs, is ours too.
	if [ -n "${SL_NS_RELAY:-}" ] && ip netns pids "$SL_NS_RELAY" >/dev/null 2>&1; then
		local p
		for p in $(ip netns pids "$SL_NS_RELAY" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	[ -n "${SL_NS_NODE:-}" ] && ip netns del "$SL_NS_NODE" 2>/dev/null
	[ -n "${SL_NS_SND:-}" ] && ip netns del "$SL_NS_SND" 2>/dev/null
	[ -n "${SL_NS_RELAY:-}" ] && ip netns del "$SL_NS_RELAY" 2>/dev/null
	SL_NS_NODE=
	SL_NS_SND=
	SL_NS_RELAY=
	SL_RELAY_PID=
	return 0
}

# Value of KEY=N on the first log line starting with PREFIX (0 if absent).
# sl_log_value LOG 'summary:' dropped
sl_log_value() {
	local v
	v=$(grep -m1 "^$2" "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=\([0-9]*\)$/\1/p" | head -1)
	echo "${v:-0}"
}

# Sum of KEY=N over all lines starting with PREFIX.
sl_log_sum() {
	grep "^$2" "$1" 2>/dev/null | tr ' ' '\n' |
		awk -F= -v k="$3" '$1 == k { s += $2 } END { print s + 0 }'
}

# sl_ns_setup_relay ID: sender and node namespaces as sl_ns_setup makes
# them (same variables, names and addresses), but joined through a third
# namespace where tcp_relay (tests/netns/relay.c) bridges two veth pairs
# with loss, duplication, reordering and delay:
#
#   netns sl-snd-ID          netns sl-rly-ID                  netns sl-node-ID
#   sls-ID 10.99.0.2/24 <-> slrs-ID  [tcp_relay]  slrn-ID <-> sln-ID (sluice)
#          fd99::2/64       (no addresses, no IPv6)
#
# SL_NS_RELAY, SL_IF_RELAY_SND (peer of the sender's veth, tcp_relay --a)
# and SL_IF_RELAY_NODE (peer of the node's, --b). Offloads are off on all
# four ends. Until the relay runs nothing crosses. On failure, cleans what
# it made.
sl_ns_setup_relay() {
	local id=$1 ifc
	SL_NS_NODE="sl-node-$id"
	SL_NS_SND="sl-snd-$id"
	SL_NS_RELAY="sl-rly-$id"
	SL_IF_NODE="sln-$id"
	SL_IF_SND="sls-$id"
	SL_IF_RELAY_SND="slrs-$id"
	SL_IF_RELAY_NODE="slrn-$id"
	if [ ${#SL_IF_NODE} -gt 15 ]; then
		SL_IF_NODE="sln-${id: -10}"
		SL_IF_SND="sls-${id: -10}"
	fi
	if [ ${#SL_IF_RELAY_SND} -gt 15 ]; then
		SL_IF_RELAY_SND="slrs-${id: -10}"
		SL_IF_RELAY_NODE="slrn-${id: -10}"
	fi

	if ! ip netns add "$SL_NS_NODE"; then
		SL_NS_NODE=''
		SL_NS_SND=''
		SL_NS_RELAY=''
		return 1
	fi
	if ! ip netns add "$SL_NS_SND"; then
		SL_NS_SND=''
		SL_NS_RELAY=''
		sl_ns_cleanup
		return 1
	fi
	if ! ip netns add "$SL_NS_RELAY"; then
		SL_NS_RELAY=''
		sl_ns_cleanup
		return 1
	fi
	# Both pairs are created in the relay namespace, each peer straight
	# into its own namespace: the host namespace never sees any end.
	if ! ip -n "$SL_NS_RELAY" link add "$SL_IF_RELAY_NODE" type veth \
		peer name "$SL_IF_NODE" netns "$SL_NS_NODE" ||
		! ip -n "$SL_NS_RELAY" link add "$SL_IF_RELAY_SND" type veth \
			peer name "$SL_IF_SND" netns "$SL_NS_SND"; then
		sl_ns_cleanup
		return 1
	fi
	ip -n "$SL_NS_NODE" link set lo up
	ip -n "$SL_NS_SND" link set lo up
	ip -n "$SL_NS_RELAY" link set lo up

	# Node end as in sl_ns_setup: no kernel IPv6 (nothing of the kernel's
	# own goes into sluice's port). Relay ends: no IPv6 either, so the relay
	# namespace's kernel sends nothing (RS, MLD) that the relay would pass.
	sl_in_node sysctl -qw "net.ipv6.conf.$SL_IF_NODE.disable_ipv6=1" || true
	for ifc in "$SL_IF_RELAY_NODE" "$SL_IF_RELAY_SND"; do
		ip netns exec "$SL_NS_RELAY" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" || true
	done
	sl_in_snd sysctl -qw "net.ipv6.conf.$SL_IF_SND.accept_dad=0" || true
	sl_in_snd sysctl -qw "net.ipv6.conf.all.accept_dad=0" || true

	if ! sl_ns_offloads_off "$SL_NS_NODE" "$SL_IF_NODE" ||
		! sl_ns_offloads_off "$SL_NS_SND" "$SL_IF_SND" ||
		! sl_ns_offloads_off "$SL_NS_RELAY" "$SL_IF_RELAY_NODE" ||
		! sl_ns_offloads_off "$SL_NS_RELAY" "$SL_IF_RELAY_SND"; then
		sl_ns_cleanup
		return 1
	fi
	if ! ip -n "$SL_NS_SND" addr add "$SL_SND4/24" dev "$SL_IF_SND" ||
		! ip -n "$SL_NS_SND" -6 addr add "$SL_SND6/64" dev "$SL_IF_SND" nodad ||
		! ip -n "$SL_NS_RELAY" link set "$SL_IF_RELAY_NODE" up ||
		! ip -n "$SL_NS_RELAY" link set "$SL_IF_RELAY_SND" up ||
		! ip -n "$SL_NS_NODE" link set "$SL_IF_NODE" up ||
		! ip -n "$SL_NS_SND" link set "$SL_IF_SND" up; then
		sl_ns_cleanup
		return 1
	fi
	return 0
}

# sl_relay_start BUILD [tcp_relay options...]: start tcp_relay in the relay
# namespace between $SL_IF_RELAY_SND (--a; a->b is sender -> node) and
# $SL_IF_RELAY_NODE (--b), in the background, bounded by `timeout`
# (SL_RELAY_SECS, default 300: SIGTERM, SIGKILL 5 s later). Waits (10 s at
# most) for "relay: ready". Output (its counters) in SL_RELAY_LOG (default
# /tmp/sl-relay-PID.log). Binary: SL_RELAY_BIN, else
# BUILD/tests/netns/tcp_relay.
sl_relay_start() {
	local build=$1 i
	shift
	local bin=${SL_RELAY_BIN:-$build/tests/netns/tcp_relay}
	if [ -z "${SL_NS_RELAY:-}" ]; then
		echo "netns: sl_relay_start needs sl_ns_setup_relay first" >&2
		return 1
	fi
	if [ ! -x "$bin" ]; then
		echo "netns: $bin not built" >&2
		return 1
	fi
	SL_RELAY_LOG=${SL_RELAY_LOG:-/tmp/sl-relay-$$.log}
	SL_RELAY_RC=
	ip netns exec "$SL_NS_RELAY" timeout -s TERM -k 5 "${SL_RELAY_SECS:-300}" \
		"$bin" --a "$SL_IF_RELAY_SND" --b "$SL_IF_RELAY_NODE" \
		--seconds "${SL_RELAY_SECS:-300}" "$@" >"$SL_RELAY_LOG" 2>&1 &
	SL_RELAY_PID=$!
	for ((i = 0; i < 100; i++)); do
		if grep -q '^relay: ready' "$SL_RELAY_LOG" 2>/dev/null; then
			return 0
		fi
		if ! sl_pid_running "$SL_RELAY_PID"; then
			wait "$SL_RELAY_PID" 2>/dev/null
			SL_RELAY_RC=$?
			SL_RELAY_PID=
			echo "netns: tcp_relay exited (rc $SL_RELAY_RC) before it was ready:" >&2
			tail -5 "$SL_RELAY_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "netns: tcp_relay not ready within 10 s" >&2
	return 1
}

# sl_relay_stop [SECS]: SIGTERM (it prints its counters and exits), wait up
# to SECS (default 10), SIGKILL after that. Exit status in SL_RELAY_RC.
sl_relay_stop() {
	local secs=${1:-10} i pid=$SL_RELAY_PID c
	[ -n "$pid" ] || return 0
	# $pid is `timeout`, which passes SIGTERM on to tcp_relay.
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		sl_pid_running "$pid" || break
		sleep 0.1
	done
	if sl_pid_running "$pid"; then
		echo "netns: tcp_relay did not stop within $secs s; killing it" >&2
		for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
			kill -KILL "$c" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	SL_RELAY_RC=$?
	SL_RELAY_PID=
	[ "$SL_RELAY_RC" -eq 0 ]
}
