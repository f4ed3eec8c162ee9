# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the integration scripts: TAP output and a scratch directory.
#
#   . "$HERE/tap.sh"
#   it_scratch sl-it-pcap PREFIX   # T=/tmp/sl-it-pcap.XXXXXX; removed at exit
#                                  # with the EAL's files of --file-prefix PREFIX
#   ok "what held"; notok "what failed"; finish   # "1..N", exit 0 or 1
# SL_IT_KEEP=1 keeps the scratch directory.
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
finish() { echo "1..$n"; exit $fail; }

it_scratch() {
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	IT_PREFIX=$2
	trap it_cleanup EXIT
}

it_cleanup() {
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
