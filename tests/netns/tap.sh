# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Sourced by the netns test scripts: deploy/lib/netns.sh, TAP output
# (tests/integration/tap.sh) and what the scripts share around sluice in
# the node namespace. Sets ROOT (the source tree).
#
#   nt_build "${1:-}"               # BUILD: the directory given, else ROOT/build
#   NT_NAME="netns UDP over veth"   # skip_all's TAP line
#   ONLY=abc                        # want LETTER: LETTER is in $ONLY
#   nt_need_tools logger ss awk     # skip_all unless each is installed
#   nt_python                       # PY
#   nt_tmp sl-udp                   # TMP=/tmp/sl-udp.PID.XXXXXX, cleaned
#                                   # up with the namespaces at exit
#   NT_FAIL_LOG=FILE                # finish shows its tail on failure
#
# SL_NETNS_KEEP=1 keeps the temporary directory.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/lib/netns.sh
. "$ROOT/deploy/lib/netns.sh"
# shellcheck source=tests/integration/tap.sh
. "$ROOT/tests/integration/tap.sh"

# nt_build [BUILD_DIR]: BUILD, BUILD_DIR or ROOT/build (absolute if it exists).
nt_build() {
	BUILD=$(cd "${1:-$ROOT/build}" 2>/dev/null && pwd) || BUILD=${1:-$ROOT/build}
}

diag() { sed 's/^/# /'; }

# finish: "1..N"; on failure how many failed and the last 40 lines of
# $NT_FAIL_LOG (if set), exit 1; else exit 0.
finish() {
	echo "1..$n"
	if [ "$fail" != 0 ]; then
		echo "# $nfail of $n failed"
		if [ -n "${NT_FAIL_LOG:-}" ] && [ -f "$NT_FAIL_LOG" ]; then
			echo "# sluice log (last 40 lines):"
			tail -40 "$NT_FAIL_LOG" | diag
		fi
		exit 1
	fi
	exit 0
}

# skip_all REASON: the whole script skipped (one TAP line, exit 0).
skip_all() {
	echo "1..1"
	echo "ok 1 - $NT_NAME # SKIP $1"
	exit 0
}

want() { [[ $ONLY == *"$1"* ]]; }

# nt_need_tools PROGRAM...: skip_all unless each is on PATH (after
# sl_ns_check: root, ip, namespaces).
nt_need_tools() {
	sl_ns_check || skip_all "$SL_NS_WHY"
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip_all "$t not installed"
	done
}

# nt_python: PY. The distribution's python starts in 0.1 s; a pyenv shim
# takes ~1 s.
nt_python() {
	# shellcheck disable=SC2034  # PY is for the sourcing script
	if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else
		PY=$(command -v python3) || skip_all "python3 not installed"
	fi
}

# nt_tmp PREFIX: TMP, a new directory /tmp/PREFIX.PID.XXXXXX; at exit the
# relay and sluice are stopped, the namespaces and the EAL's runtime
# directories of this script's sluice runs (sl_sluice_start: --file-prefix
# sl-ns-PID-N) removed, and TMP unless SL_NETNS_KEEP=1.
nt_tmp() {
	TMP=$(mktemp -d "/tmp/$1.$$.XXXXXX") || { notok "temporary directory"; finish; }
	trap nt_on_exit EXIT
	trap 'exit 130' INT TERM
}

nt_on_exit() {
	[ -n "${SL_RELAY_PID:-}" ] && sl_relay_stop 5 >/dev/null 2>&1
	sl_ns_cleanup
	rm -rf /var/run/dpdk/sl-ns-$$-*
	if [ "${SL_NETNS_KEEP:-0}" = 1 ]; then
		echo "# kept $TMP"
	else
		rm -rf "$TMP"
	fi
}

OUT=
LOG=
# nt_sluice_start NAME DESC [sluice options...]: sluice (sl_sluice_start)
# in the node namespace with --out $OUT, listening on $SL_NODE4/24 and
# $SL_NODE6/64, --stats-interval 0 --flush-ms 100 --rx-desc 512 --tx-desc
# 512 and the options; OUT=$TMP/NAME.out, LOG=$TMP/NAME.log. On failure the
# TAP line "NAME: DESC" and status 1.
nt_sluice_start() {
	local name=$1 desc=$2
	shift 2
	OUT=$TMP/$name.out
	LOG=$TMP/$name.log
	if ! sl_sluice_start "$BUILD" "$OUT" "$LOG" --out "$OUT" \
		--listen "$SL_NODE4/24" --listen "$SL_NODE6/64" "$@" 2>"$TMP/start.err"; then
		diag <"$TMP/start.err"
		notok "$name: $desc"
		return 1
	fi
}

# nt_sluice_stop NAME LINES: stop sluice; TAP line for a clean exit with
# counters; then the final counters' lines that match the extended regex
# ^(LINES) as diagnostics.
nt_sluice_stop() {
	local name=$1
	if sl_sluice_stop 30 && grep -q '^summary: ' "$LOG"; then
		ok "$name: SIGINT stops sluice: exit 0 and final counters"
	else
		notok "$name: SIGINT stops sluice: exit 0 and final counters (rc ${SL_SLUICE_RC:-?})"
		tail -20 "$LOG" | diag
	fi
	final | grep -E "^($2)" | diag
}

# The final counters of $LOG.
final() { sed -n '/^--- final counters/,$p' "$LOG"; }

# ctr_sum MODULE NAME: MODULE's counter NAME from the final counters,
# summed over instances ("MODULE[INSTANCE]: NAME=N" lines, or "MODULE.NAME=N"
# tokens); nothing if it was not printed.
ctr_sum() {
	final | awk -v m="$1" -v k="$2" '
		{ for (i = 1; i <= NF; i++) {
			n = index($i, "="); if (n == 0) continue
			key = substr($i, 1, n - 1); v = substr($i, n + 1)
			if (key == m "." k || (key == k && index($1, m) == 1 &&
			    substr($1, length(m) + 1, 1) ~ /[[:punct:]]/)) { s += v; seen = 1 }
		} }
		END { if (seen) print s + 0 }'
}

# positive_ok DESC NAME VALUE: TAP line for counter NAME's VALUE > 0
# ("DESC (NAME=VALUE)"); status 1 when not.
positive_ok() {
	if [ -n "$3" ] && [ "$3" -gt 0 ]; then
		ok "$1 ($2=$3)"
	else
		notok "$1 ($2=${3:-not printed})"
		return 1
	fi
}

# wait_acked SECS PORT...: until no sender socket to the PORTs has unACKed
# data or an unACKed FIN (logger and loggen close without waiting).
wait_acked() {
	local secs=$1 i busy filt p
	shift
	filt="( "
	for p in "$@"; do
		[ "$filt" = "( " ] || filt+=" or "
		filt+="dport = :$p"
	done
	filt+=" )"
	for ((i = 0; i < secs * 10; i++)); do
		busy=$(ip netns exec "$SL_NS_SND" ss -tnH state established state fin-wait-1 \
			state closing state last-ack state syn-sent "$filt" 2>/dev/null | wc -l)
		[ "$busy" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "sender sockets still not done after $secs s:" | diag
	ip netns exec "$SL_NS_SND" ss -tnH "$filt" | head -5 | diag
	return 1
}
