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
