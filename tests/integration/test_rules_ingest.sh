#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Rules end to end through net_pcap: a sluice-gen capture with a known mix
# is replayed into sluice --rules, and the segments of every stream must
# hold exactly what the rules say, computed independently in Python
# (rules_ref.py): dropped messages absent, routed ones in their stream,
# sampled counts exact (1st, N+1th... of the matching messages, in capture
# order: one worker), each record's rule id and tag bits right, per-rule
# counters equal to the reference. Run twice: the second start loads the
# compiled rules from the cache and must store the same.
#
# usage: test_rules_ingest.sh BUILD_DIR
# env:   SL_IT_COUNT (40000)  SL_IT_KEEP=1 keeps the temp dir
set -u
BUILD=$(cd "${1:?usage: test_rules_ingest.sh BUILD_DIR}" && pwd)
COUNT=${SL_IT_COUNT:-40000}
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-it-rules-$$
. "$HERE/tap.sh"
it_scratch sl-it-rules "$PREFIX"

it_need "$GEN" "$SLUICE" "$CAT"

# Raw-field patterns and severity conditions only, so that Python's re
# module is an independent reference (tests/unit/test_classify covers
# fields and every condition).
cat >"$T/e2e.rules" <<'RULES'
# name      field  pattern                                   action
errors      raw    /error|fail/i                              tag err
quiet       raw    /logrotate/                                drop
auth        raw    /authentication failure|failed password|sudo/i  route security
web         raw    /GET \/[a-z]/                              sample 7
hot         raw    /./                                        route alerts severity<=3
kern        raw    /kernel/                                   tag kern
chatty      raw    /CRON|cron/                                sample 4  port=514
default keep
RULES

if "$GEN" --out "$T/in.pcap" --expect "$T/expect.jsonl" --count "$COUNT" --flows 64 \
	--ipv6 20 --vlan 10 --frag-pct 1 --seed 7 2>"$T/gen.err"; then
	ok "sluice-gen: $COUNT messages over 64 flows (1% fragmented: chained mbufs)"
else
	notok "sluice-gen failed: $(head -c 300 "$T/gen.err")"
	finish
fi

python3 "$HERE/rules_ref.py" expect "$T/e2e.rules" "$T/expect.jsonl" "$T/ref" >"$T/ref.out" 2>&1 ||
	{ notok "rules_ref.py expect: $(tail -3 "$T/ref.out")"; finish; }
sed 's/^/# reference: /' "$T/ref.out"

run() { # run OUTDIR LOG
	timeout -k 10 300 "$SLUICE" --no-pci --no-huge -m 1024 --file-prefix "$PREFIX" -l 0 \
		--vdev "net_pcap0,rx_pcap=$T/in.pcap" -- \
		--out "$1" --udp 514 --idle-exit 1000 --stats-interval 0 \
		--rules "$T/e2e.rules" --rules-cache "$T/cache" >"$2" 2>&1
}

for pass in 1 2; do
	out=$T/out$pass
	mkdir -p "$out"
	if run "$out" "$T/sluice$pass.log"; then
		ok "pass $pass: sluice --rules imported the capture and exited 0"
	else
		notok "pass $pass: sluice exited $?"; tail -20 "$T/sluice$pass.log" | sed 's/^/# /'
		continue
	fi
	grep '^rules:' "$T/sluice$pass.log" | sed 's/^/# /'
	if [ $pass = 1 ]; then want=compiled; else want="loaded from the cache"; fi
	if grep -q "^rules: .*$want" "$T/sluice$pass.log"; then
		ok "pass $pass: rules $want"
	else
		notok "pass $pass: rules not $want"
	fi
	fin=$(sed -n '/final counters/,$p' "$T/sluice$pass.log")
	drops=$(echo "$fin" | grep -oE '\<drop_[a-z0-9_]+=[1-9][0-9]*' | grep -v drop_rule | tr '\n' ' ')
	if [ -z "$drops" ] && echo "$fin" | grep -q '^summary: .* dropped=0 '; then
		ok "pass $pass: no loss (every drop_* but drop_rule is 0, summary dropped=0)"
	else
		notok "pass $pass: losses: $drops $(echo "$fin" | grep '^summary')"
	fi
	for d in "$out"/default/*/; do
		s=$(basename "$d")
		"$CAT" --format json "$d" >"$T/got$pass.$s.jsonl" 2>"$T/cat.err" ||
			notok "pass $pass: sluice-cat $s: $(head -c 200 "$T/cat.err")"
	done
	python3 "$HERE/rules_ref.py" check "$T/ref" "$T" "got$pass" "$T/sluice$pass.log" >"$T/cmp$pass.out" 2>&1
	tap_relay "pass $pass: " "$T/cmp$pass.out" $? "rules_ref.py check"
done
finish
