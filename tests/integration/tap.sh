# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the integration scripts: TAP output and a scratch directory.
#
#   . "$HERE/tap.sh"
#   it_scratch sl-it-pcap PREFIX   # T=/tmp/sl-it-pcap.XXXXXX; removed at exit
#                                  # with the EAL's files of --file-prefix PREFIX
#                                  # (and sluice killed if SPID holds its pid)
#   ok "what held"; notok "what failed"; finish   # "1..N", exit 0 or 1
#                                  # (nfail: how many failed so far)
# SL_IT_KEEP=1 keeps the scratch directory.
n=0
fail=0
nfail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; nfail=$((nfail + 1)); }
finish() { echo "1..$n"; exit $fail; }

# tap_relay PREFIX FILE [STATUS WHAT]: a checker's output (compare.py and
# the like) as this script's TAP: "ok - X" and "not ok - X" lines become
# checks "PREFIXX", other lines comments; TAP_RELAYED counts the checks.
# With STATUS (the checker's) non-zero and no failed check among them, one
# more: "PREFIXWHAT failed (status STATUS)".
tap_relay() {
	local line bad=0
	TAP_RELAYED=0
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$1${line#ok - }"; TAP_RELAYED=$((TAP_RELAYED + 1)) ;;
		"not ok - "*) notok "$1${line#not ok - }"; TAP_RELAYED=$((TAP_RELAYED + 1)); bad=1 ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$2"
	if [ "${3:-0}" != 0 ] && [ $bad = 0 ]; then
		notok "$1$4 failed (status $3)"
	fi
}

it_scratch() {
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	IT_PREFIX=$2
	trap it_cleanup EXIT
}

it_cleanup() {
	[ -n "${SPID:-}" ] && kill -KILL "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	if [ "${SL_IT_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
	rm -rf "/var/run/dpdk/$IT_PREFIX" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$IT_PREFIX"
}

# it_need PROGRAM...: each must be an executable; otherwise a failed check
# and the end of the script.
it_need() {
	local b
	for b in "$@"; do
		[ -x "$b" ] || { notok "built: $b is missing"; finish; }
	done
}

# it_gen ARGS...: sluice-gen ($GEN) with ARGS; on failure a failed check and
# the end of the script.
it_gen() {
	"$GEN" "$@" 2>"$T/gen.err" ||
		{ notok "sluice-gen failed: $(head -c 300 "$T/gen.err")"; finish; }
}

# it_import PCAP OUT [FLAGS...]: import a capture with sluice ($SLUICE) on
# one lcore (--file-prefix $IT_PREFIX), exit on idle, at most 60 s;
# stdout/stderr in $T/sluice.out and $T/sluice.err. Returns its status.
it_import() {
	local pcap=$1 out=$2
	shift 2
	mkdir -p "$out"
	timeout -k 5 60 "$SLUICE" --no-pci --no-huge -m 512 --file-prefix "$IT_PREFIX" -l 0 \
		--vdev "net_pcap0,rx_pcap=$pcap" -- --out "$out" --idle-exit 300 \
		--stats-interval 0 "$@" >"$T/sluice.out" 2>"$T/sluice.err"
}

# it_free_port: a TCP port free on 127.0.0.1 now (for --metrics).
it_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# it_http URL [ARGS...]: http_get.py; sets HTTP_CODE (or "none") and
# HTTP_BODY.
it_http() {
	local out
	out=$(python3 "$(dirname "${BASH_SOURCE[0]}")/http_get.py" "$@" 2>/dev/null)
	HTTP_CODE=$(echo "$out" | head -1)
	HTTP_BODY=$(echo "$out" | tail -n +2)
	[ -n "$HTTP_CODE" ] || HTTP_CODE=none
}

# it_health_wait URL CODE PATTERN TRIES: poll URL/healthz every 0.1 s until
# it answers CODE with a body matching PATTERN (grep -E); 0 if it did.
it_health_wait() {
	local i
	for ((i = 0; i < $4; i++)); do
		it_http "$1/healthz" --timeout 1
		[ "$HTTP_CODE" = "$2" ] && echo "$HTTP_BODY" | grep -qE "$3" && return 0
		sleep 0.1
	done
	return 1
}
