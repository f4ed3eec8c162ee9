#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Multi-tenancy end to end (docs/TENANTS.md), offline: captures made by
# tenant_pcap.py replayed through net_pcap on one lcore (one worker, one
# shard: capture order is store order).
#   1. --check --tenants: a good file (comments, CR LF, repeated keys) prints
#      a 'plan: tenant ID NAME' line per tenant, ids in file order, defaults
#      filled in (a tenth of a second of burst, byte burst at least
#      --max-msg), and exits 0; a file with an error on most lines exits
#      non-zero and reports each one as FILE:LINE (sorted by line) and none
#      on its good lines; tenants x streams above 256 is refused, 256 is
#      not; a missing file is named.
#   2. Resolution: nested IPv4 and IPv6 prefixes (longest wins), a port,
#      tokens (beat prefixes; found in a second SD element, after other
#      params and escaped quotes and brackets; the first key= counts; not in
#      another SD-ID nor in an RFC 3164 message); an unknown token falls back
#      and counts worker bad_token. default accept, then default reject
#      (worker drop_no_tenant): each OUT/NAME/ holds exactly its tenant's
#      messages, byte for byte, in order, each record with the tenant's id,
#      and the tenant[NAME] counters agree.
#   3. Rules scoped to tenants: 'drop tenant=A,C' drops only A's and C's
#      matching messages, 'route special tenant!=A' routes everyone's but
#      A's (OUT/NAME/special/).
#   4. Quotas (--segment-size 64K, 1 MiB quotas, 8.5 and 2.6 MB of
#      incompressible messages for the two quota tenants, ingestion slowed
#      by --writer-pause-us to ~1.6 MB/s so that it lasts ~3 s while the
#      quota poll runs every 200 ms): drop-newest Q drops (drop_quota > 0)
#      only once its measured usage passed the quota, keeps the first
#      messages it got, and its du (sampled every 50 ms) never exceeds quota
#      + the bound derived below, well below what it sent; delete-oldest D
#      deletes (segments_deleted > 0, the log names each file, all under
#      OUT/D/), ends at most a segment above its quota and keeps the newest
#      messages, down to the last; tenant O without a quota keeps all.
#      And a delete-oldest quota holds at exit after a run shorter than a
#      poll, as --retain does.
#   5. Rates: msgs=1/s msg-burst=50 keeps between 50 and 50 + rate x the
#      time from its first to its last stored message (one worker: no lease
#      left over); bytes=1K/s byte-burst=64K likewise in bytes; the
#      counters say the rest was dropped for the rate; an unlimited tenant
#      in the same capture loses nothing.
#
# usage: test_tenants.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. ~35 s on 2 vCPUs.
set -u
BUILD=$(cd "${1:?usage: test_tenants.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-it-tn-$$
. "$HERE/tap.sh"
it_scratch sl-it-tn "$PREFIX"
SPID=
tp() { python3 "$HERE/tenant_pcap.py" "$@"; }

it_need "$SLUICE" "$CAT"

EAL=(--no-pci --no-huge -m 512 --file-prefix "$PREFIX" -l 0 --log-level 'pmd.*:error')

# check FILE [FLAGS...]: sluice --check --tenants FILE; output in $T/chk.out.
check() {
	local f=$1
	shift
	timeout -k 5 60 "$SLUICE" "${EAL[@]}" --vdev net_null0 -- --out "$T/chk" \
		--udp 514,5514 --check --tenants "$f" "$@" >"$T/chk.out" 2>&1
}

# run NAME PCAP TENANTS [FLAGS...]: import PCAP into $T/NAME (one lcore,
# exit on idle); log $T/NAME.log, status in $rc, wall time in $ms.
run() {
	local name=$1 pcap=$2 tn=$3 t0
	shift 3
	rm -rf "${T:?}/$name"
	mkdir -p "$T/$name"
	t0=$(date +%s%N)
	timeout -k 5 60 "$SLUICE" "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$pcap" -- \
		--out "$T/$name" --udp 514,5514 --stats-interval 0 --tenants "$tn" \
		--rules-cache none "$@" >"$T/$name.log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
}

# ran NAME: a check that the last run exited 0 with final counters.
ran() {
	if [ $rc = 0 ] && grep -q 'final counters' "$T/$1.log"; then
		ok "$1: sluice imported the capture and exited 0 (${ms} ms)"
		return 0
	fi
	notok "$1: sluice exited $rc"
	tail -15 "$T/$1.log" | sed 's/^/# /'
	return 1
}

# collect NAME: sluice-cat --format json of each OUT/<tenant>/<stream>/
# into $T/NAME.got/<tenant>/<stream>.jsonl.
collect() {
	local d t s
	rm -rf "${T:?}/$1.got"
	for d in "$T/$1"/*/*/; do
		[ -d "$d" ] || continue
		t=$(basename "$(dirname "$d")")
		s=$(basename "$d")
		mkdir -p "$T/$1.got/$t"
		if ! "$CAT" --format json "$d" >"$T/$1.got/$t/$s.jsonl" 2>"$T/cat.err" &&
			[ -n "$(find "$d" -name '*.zst')" ]; then
			notok "$1: sluice-cat $t/$s: $(head -c 200 "$T/cat.err")"
		fi
	done
}

# verify NAME SPEC-EXPECT IDS [check flags...]: tenant_pcap.py check, its TAP
# lines prefixed with NAME.
verify() {
	local name=$1 exp=$2 ids=$3
	shift 3
	tp check "$exp" "$T/$name.got" "$T/$name.log" --ids "$ids" "$@" >"$T/$name.cmp" 2>&1
	tap_relay "$name: " "$T/$name.cmp" $? "tenant_pcap.py check"
}

# ctr NAME MODULE[INSTANCE] KEY: a final counter of run NAME (empty if none).
ctr() {
	sed -n '/final counters/,$p' "$T/$1.log" | grep -F "$2:" | head -1 |
		grep -oE "(^| )$3=[0-9]+" | cut -d= -f2
}

# du_of DIR: bytes the tree takes (st_blocks x 512, as the quota counts).
du_of() { du -s --block-size=1 "$1" 2>/dev/null | cut -f1; }

# ---------------------------------------------------------------------------
# 1. --check
printf '%s\r\n' \
	'# tenants for the --check test: comments, blank lines, CR LF' \
	'' \
	'tenant acme   prefix=10.1.0.0/16 prefix=2001:db8:1::/48 msgs=10000/s bytes=10M/s weight=2 quota=50G quota-policy=delete-oldest  # comment' \
	'tenant beta   port=5514 msgs=5000/s msg-burst=12345' \
	'tenant gamma  token=9f2c#6e1d msgs=2000/s quota=5G' \
	'   # an indented comment' \
	'tenant low    prefix=192.0.2.0/24 bytes=100K/s' \
	'tenant default msgs=1000/s' \
	'default accept' >"$T/good.conf"
if check "$T/good.conf" && grep -q '^check: ok' "$T/chk.out"; then
	ok "--check --tenants good.conf: exit 0, check: ok"
else
	notok "--check --tenants good.conf: exit $?"; tail -8 "$T/chk.out" | sed 's/^/# /'
fi
# want ID NAME TEXT...: the plan line of tenant ID is named NAME and holds
# each TEXT.
plan_bad=
want() {
	local id=$1 name=$2 line x
	shift 2
	line=$(grep "^plan: tenant $id '$name' " "$T/chk.out")
	[ -n "$line" ] || { plan_bad+=" [no plan line for $id '$name']"; return; }
	for x in "$@"; do
		case "$line" in *"$x"*) ;; *) plan_bad+=" ['$name' lacks '$x': $line]" ;; esac
	done
}
want 0 default "1000 msgs/s (burst 100)" "bytes unlimited" "weight 1" "no quota"
want 1 acme "10000 msgs/s (burst 1000)" "10485760 bytes/s (burst 1048576)" "weight 2" \
	"quota 53687091200 bytes, delete-oldest"
want 2 beta "5000 msgs/s (burst 12345)" "bytes unlimited" "no quota"
want 3 gamma "2000 msgs/s (burst 200)" "quota 5368709120 bytes, drop-newest"
want 4 low "msgs unlimited" "102400 bytes/s (burst 65535)"
np=$(grep -c '^plan: tenant [0-9]' "$T/chk.out")
if [ -z "$plan_bad" ] && [ "$np" = 5 ]; then
	ok "--check plan: 5 'plan: tenant' lines, ids in file order (default 0), rates, bursts (a tenth of a second; byte burst >= --max-msg), weight, quotas (1024-based sizes)"
else
	notok "--check plan ($np tenant lines):$plan_bad"
	grep '^plan: tenant' "$T/chk.out" | sed 's/^/# /'
fi

# A line number and what its error must say (extended regex, any case);
# the lines not listed must have no error.
cat >"$T/bad.conf" <<'EOF'
# every tenant line but 2 and 14 is wrong, and so are lines 15 and 17
tenant one prefix=10.9.0.0/16,2001:db8:9::/48
tenant one prefix=10.8.0.0/16
tenant two prefix=10.9.0.0/16
tenant three prefix=2001:db8:9::/48
tenant four port=7000
tenant five colour=blue
tenant six msgs=fast
tenant seven msg-burst=100 prefix=10.10.0.0/16
tenant eight bytes=1M/s byte-burst=1K prefix=10.11.0.0/16
tenant nine prefix=10.7.0.1/16
tenant ten prefix=2001:db8:7::1/48
tenant eleven quota-policy=delete-oldest prefix=10.12.0.0/16
tenant ok1 msgs=10/s prefix=10.13.0.0/16
tenant default prefix=10.6.0.0/16
default accept
default reject
tenant .. msgs=1/s
tenant twelve weight=0 prefix=10.14.0.0/16
tenant thirteen token=0123456789012345678901234567890123456789012345678901234567890123x
tenant fourteen msgs=10/m prefix=10.15.0.0/16
tenant fifteen prefix=10.16.0.0/16,2001:db8:16::/48 prefix=10.16.0.0/16
EOF
cat >"$T/bad.want" <<'EOF'
3 duplicate.*line 2
4 already belongs to tenant one
5 already belongs to tenant one
6 port 7000.*not an ingest port
7 colour
8 msgs.*fast
9 msg-burst.*without.*msgs
10 byte-burst.*max-msg
11 10\.7\.0\.1.*(bits|host)|(bits|host).*10\.7\.0\.1
12 2001:db8:7::1.*(bits|host)|(bits|host).*2001:db8:7::1
13 quota-policy.*without.*quota
15 default.*(prefix|match|key)|prefix.*default
17 (second|two|twice|again).*default|default.*(line 16|twice|again)
18 name.*\.\.|\.\..*name
19 weight.*0
20 token.*(long|64)
21 msgs.*10/m
22 10\.16\.0\.0/16.*(twice|again|already)
EOF
check "$T/bad.conf"
brc=$?
errs=$(grep "^$T/bad.conf:[0-9]*: " "$T/chk.out")
missing=
while read -r ln re; do
	echo "$errs" | grep "^$T/bad.conf:$ln: " | grep -qiE "$re" || missing+=" $ln"
done <"$T/bad.want"
extra=$(echo "$errs" | sed -n "s|^$T/bad.conf:\([0-9]*\): .*|\1|p" | sort -un |
	grep -vxF -f <(cut -d' ' -f1 "$T/bad.want") | tr '\n' ' ')
order=$(echo "$errs" | sed -n "s|^$T/bad.conf:\([0-9]*\): .*|\1|p")
if [ $brc != 0 ] && ! grep -q '^check: ok' "$T/chk.out" && [ -z "$missing" ] && [ -z "$extra" ] &&
	[ "$order" = "$(echo "$order" | sort -n)" ]; then
	ok "--check bad.conf: exit $brc; all $(wc -l <"$T/bad.want") bad lines reported as FILE:LINE with their reason (dup name, prefix of another tenant v4/v6, a prefix twice in a tenant, port not ingested, unknown key, bad rate x2, burst without rate, byte-burst < --max-msg, host bits v4/v6, quota-policy without quota, keys on default, two default lines, bad name, weight, long token), sorted, none on the good lines"
else
	notok "--check bad.conf: exit $brc; lines not reported as wanted:${missing:- none}; errors on good lines: ${extra:-none}"
	sed 's/^/# /' "$T/chk.out" | grep -v '^# plan' | head -30
fi

# tenants x streams: 256 stores per shard at most.
many() { # many N: N tenants besides the default
	local i
	for ((i = 0; i < $1; i++)); do
		echo "tenant t$i prefix=10.$((i / 256)).$((i % 256)).0/24"
	done
}
many 255 >"$T/t255.conf"
many 256 >"$T/t256.conf"
many 128 >"$T/t128.conf"
printf 'r raw /x/ route other\n' >"$T/two-streams.rules"
if check "$T/t255.conf" && grep -q '^check: ok' "$T/chk.out"; then
	ok "--check: 255 tenants + default = 256 tenants x 1 stream is accepted"
else
	notok "--check: 255 tenants + default refused"; tail -3 "$T/chk.out" | sed 's/^/# /'
fi
if ! check "$T/t256.conf" && grep -q '256' "$T/chk.out" && grep -qi 'tenant' "$T/chk.out" &&
	! grep -q '^check: ok' "$T/chk.out"; then
	ok "--check: 257 tenants x 1 stream refused: $(grep -i 256 "$T/chk.out" | head -1 | sed "s/^ *Cause: //")"
else
	notok "--check: 257 tenants not refused with a message naming the limit 256"
	tail -3 "$T/chk.out" | sed 's/^/# /'
fi
if ! check "$T/t128.conf" --rules "$T/two-streams.rules" && grep -q '256' "$T/chk.out" &&
	! grep -q '^check: ok' "$T/chk.out"; then
	ok "--check: 129 tenants x 2 streams refused: $(grep 256 "$T/chk.out" | head -1 | sed "s/^ *Cause: //")"
else
	notok "--check: 129 tenants x 2 streams not refused naming 256"
	tail -3 "$T/chk.out" | sed 's/^/# /'
fi
if ! check "$T/no-such.conf" && grep -q "no-such.conf" "$T/chk.out" &&
	grep -qiE 'no such file|cannot|not found' "$T/chk.out"; then
	ok "--tenants missing file: exit non-zero: $(grep 'no-such.conf' "$T/chk.out" | head -1)"
else
	notok "--tenants missing file: no clear error"; tail -3 "$T/chk.out" | sed 's/^/# /'
fi

# ---------------------------------------------------------------------------
# 2. Resolution
# COUNT SRC DPORT TENANT [flags] [sd=...] (tenant_pcap.py). Tokens: s3cr3t
# (tok), 0ther#tok (tok2).
cat >"$T/res.spec" <<'EOF'
15 10.1.9.9 514 outer
15 10.1.2.9 514 inner
15 10.1.2.3 514 host
15 10.1.2.4 514 inner
15 10.1.3.0 514 outer
15 10.1.2.3 5514 host
15 10.1.9.9 5514 outer
15 2001:db8:1:ffff::1 514 outer
15 2001:db8:1:2::9 514 inner
15 2001:db8:1:2::3 514 host
15 2001:db8:1:2::3 5514 host
15 2001:db8:1:3::3 514 outer
15 10.2.0.1 5514 portt
15 2001:db8:2::1 5514 portt
15 10.2.0.1 514 default
15 2001:db8:2::1 514 default
15 10.0.255.255 514 default
15 10.1.2.9 514 tok sd=[sluice@32473 key="s3cr3t"]
15 10.2.0.1 5514 tok sd=[exampleSDID@32473 iut="3" eventSource="App"][sluice@32473 key="s3cr3t"]
15 2001:db8:1:2::3 514 tok sd=[sluice@32473 note="x\"] key=\"nope" key="s3cr3t"]
15 10.2.0.1 514 tok sd=[sluice@32473 a="\\" key="s3cr3t" key="0ther#tok"]
15 2001:db8:2::1 514 tok2 sd=[sluice@32473 key="0ther#tok"]
15 10.1.9.9 514 outer badtok sd=[sluice@32473 key="nope"]
15 10.2.0.1 514 default badtok sd=[sluice@32473 key="s3cr\"3t"]
15 2001:db8:1:2::9 514 inner badtok sd=[sluice@32473 key="s3cr3tX"]
15 10.2.0.1 5514 portt sd=[other@1 key="s3cr3t"]
15 10.2.0.1 514 default fmt=3164 sd=[sluice@32473 key="s3cr3t"]
EOF
res_conf() { # res_conf accept|reject
	cat <<-EOF
	tenant outer prefix=10.1.0.0/16,2001:db8:1::/48
	tenant inner prefix=10.1.2.0/24 prefix=2001:db8:1:2::/64
	tenant host  prefix=10.1.2.3/32,2001:db8:1:2::3/128
	tenant portt port=5514
	tenant tok   token=s3cr3t
	tenant tok2  token=0ther#tok
	default $1
	EOF
}
res_conf accept >"$T/accept.conf"
res_conf reject >"$T/reject.conf"
RES_IDS=default=0,outer=1,inner=2,host=3,portt=4,tok=5,tok2=6
if tp gen --seed 1 "$T/res.spec" "$T/res.pcap" "$T/res.jsonl" >"$T/gen.out" 2>&1; then
	for mode in accept reject; do
		run "$mode" "$T/res.pcap" "$T/$mode.conf" --idle-exit 300 || true
		ran "$mode" || continue
		collect "$mode"
		if [ $mode = accept ]; then
			verify "$mode" "$T/res.jsonl" "$RES_IDS"
		else
			verify "$mode" "$T/res.jsonl" "$RES_IDS" --reject
		fi
	done
	# The tenant's directory as a whole reads back its count.
	cnt=$("$CAT" --count "$T/accept/tok" 2>/dev/null)
	st=$(ctr accept 'tenant[tok]' stored)
	if [ -n "$cnt" ] && [ "$cnt" = "$st" ]; then
		ok "sluice-cat --count OUT/tok (the tenant's whole directory) = tenant[tok] stored = $cnt"
	else
		notok "sluice-cat --count OUT/tok = '$cnt', tenant[tok] stored=$st"
	fi
else
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
fi

# ---------------------------------------------------------------------------
# 3. Rules scoped to tenants
cat >"$T/rules.spec" <<'EOF'
30 10.3.0.1 514 A drop text=dropme
30 10.3.0.1 514 A
30 10.4.0.1 514 B text=dropme
30 10.4.0.1 514 B
30 10.5.0.1 5514 C drop text=dropme
30 10.3.0.1 514 A text=routeme
30 10.4.0.1 514 B stream=special text=routeme
30 10.5.0.1 5514 C stream=special text=routeme
30 10.6.0.1 514 default text=dropme
30 10.6.0.1 514 default stream=special text=routeme
EOF
cat >"$T/rules.conf" <<'EOF'
tenant A prefix=10.3.0.0/16
tenant B prefix=10.4.0.0/16
tenant C port=5514
EOF
cat >"$T/scoped.rules" <<'EOF'
drop-ac   raw /dropme/   drop tenant=A,C
route-na  raw /routeme/  route special tenant!=A
EOF
if tp gen --seed 2 "$T/rules.spec" "$T/rules.pcap" "$T/rules.jsonl" >"$T/gen.out" 2>&1; then
	run rules "$T/rules.pcap" "$T/rules.conf" --idle-exit 300 --rules "$T/scoped.rules"
	if ran rules; then
		collect rules
		verify rules "$T/rules.jsonl" default=0,A=1,B=2,C=3
	fi
else
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
fi

# ---------------------------------------------------------------------------
# 4. Quotas. One shard; writer slowed to <= 64 KiB per PAUSE us (RX waits:
# backpressure), so the 3 MB of each quota tenant take ~2 s to arrive and
# the 200 ms quota poll sees the quota crossed early.
QUOTA=$((1 << 20))
SEGSZ=$((64 << 10))
# Frames are at least a chunk (64 KiB with --max-msg 4096): say so.
BATCH=$((64 << 10))
PAUSE=40000
# A segment on disk: it rotates once past SEGSZ, so its last frame (at most
# a batch, compressed: a little more for incompressible data) starts below
# it; then its index and trailer, block-aligned.
SEGMAX=$((SEGSZ + BATCH + (16 << 10)))
# drop-newest Q: what may land after its usage passed the quota:
#  - until the next poll measures it: 200 ms, plus the delay of a poll on
#    the busy lcore, 250 ms in all, of the writer's most (64 KiB per PAUSE
#    us) and a chunk it takes at once;
#  - what was taken in before the poll but is not on disk yet: the RX burst
#    (32 x 1.5 KiB), the worker's open chunk, the ring (--ring-size 4), its
#    backlog (2 chunks), the writer's chunk, and Q's store: its open batch,
#    the one compressing and 4 frames queued (6 batches); the derivation of
#    test_crash.sh;
#  - a segment (the open one holds preallocated blocks), 64 KiB of
#    directories.
# ~2.7 MB: Q sends 8.5 MB (6.7 MB of segments), so a quota that does not
# hold fails.
INGEST=$((250000 * 65536 / PAUSE + (64 << 10)))
PIPE=$((48 * 1024 + 64 * 1024 + 4 * 64 * 1024 + 2 * 64 * 1024 + 64 * 1024 + 6 * BATCH))
Q_MAX=$((QUOTA + INGEST + PIPE + SEGMAX + (64 << 10)))
# delete-oldest D at exit: a segment and directories (one shard).
D_MAX=$((QUOTA + SEGMAX + (64 << 10)))
cat >"$T/quota.spec" <<'EOF'
8000 10.7.0.1 514 Q size=1000
2500 10.8.0.1 514 D size=1000
300 10.9.0.1 514 O size=200
EOF
cat >"$T/quota.conf" <<EOF
tenant Q prefix=10.7.0.0/16 quota=1M
tenant D prefix=10.8.0.0/16 quota=1M quota-policy=delete-oldest
tenant O prefix=10.9.0.0/16
EOF
if tp gen --seed 3 "$T/quota.spec" "$T/quota.pcap" "$T/quota.jsonl" >"$T/gen.out" 2>&1; then
	rm -rf "$T/quota"
	mkdir -p "$T/quota"
	t0=$(date +%s%N)
	"$SLUICE" "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$T/quota.pcap" -- --out "$T/quota" \
		--udp 514 --stats-interval 0 --tenants "$T/quota.conf" --idle-exit 1000 \
		--segment-size $SEGSZ --batch-size $BATCH --ring-size 4 --max-msg 4096 \
		--writer-pause-us $PAUSE >"$T/quota.log" 2>&1 &
	SPID=$!
	maxq=0
	for _ in $(seq 1 600); do # sample Q's usage; bounded: 30 s
		kill -0 "$SPID" 2>/dev/null || break
		d=$(du_of "$T/quota/Q")
		[ "${d:-0}" -gt "$maxq" ] && maxq=$d
		sleep 0.05
	done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID"
	rc=$?
	SPID=
	ms=$((($(date +%s%N) - t0) / 1000000))
	if ran quota; then
		collect quota
		verify quota "$T/quota.jsonl" default=0,Q=1,D=2,O=3 --mode Q=prefix --mode D=suffix
		echo "# $(grep -E '^(tenant\[[QDO]\]|retain\[quota)' "$T/quota.log" | cut -c1-150 | tr '\n' '|')"
		dq=$(ctr quota 'tenant[Q]' drop_quota)
		uq=$(ctr quota 'retain[quota Q]' usage_bytes)
		sdq=$(ctr quota 'retain[quota Q]' segments_deleted)
		duq=$(du_of "$T/quota/Q")
		[ "${duq:-0}" -gt "$maxq" ] && maxq=$duq
		if [ "${dq:-0}" -gt 0 ] && [ "${uq:-0}" -gt $QUOTA ] && [ "${sdq:-1}" = 0 ] &&
			[ $maxq -le $Q_MAX ]; then
			ok "quota drop-newest Q: drop_quota=$dq, measured usage $uq > quota $QUOTA before dropping, nothing deleted; du of OUT/Q at most $maxq (sampled every 50 ms) <= $Q_MAX (quota + $INGEST of 250 ms of ingest + $PIPE in the pipeline + a segment + directories)"
		else
			notok "quota drop-newest Q: drop_quota=$dq usage_bytes=$uq segments_deleted=$sdq, du max $maxq (bound $Q_MAX)"
		fi
		sdd=$(ctr quota 'retain[quota D]' segments_deleted)
		dud=$(du_of "$T/quota/D")
		if [ "${sdd:-0}" -gt 0 ] && [ "$dud" -le $D_MAX ]; then
			ok "quota delete-oldest D: segments_deleted=$sdd; du of OUT/D at exit $dud <= $D_MAX (quota + a segment + directories)"
		else
			notok "quota delete-oldest D: segments_deleted=$sdd; du of OUT/D at exit $dud (bound $D_MAX)"
			find "$T/quota/D" -name '*.zst' -printf '# %s %b %p\n'
		fi
		grep -o 'deleted [^ ]*\.zst' "$T/quota.log" | sed 's/^deleted //' >"$T/deleted"
		nd=$(wc -l <"$T/deleted")
		notd=$(grep -vc "^$T/quota/D/" "$T/deleted")
		still=0
		while IFS= read -r p; do [ -e "$p" ] && still=$((still + 1)); done <"$T/deleted"
		if [ "$nd" = "${sdd:-0}" ] && [ "$notd" = 0 ] && [ $still = 0 ]; then
			ok "quota delete-oldest D: the log names $nd deleted segments = segments_deleted, all under OUT/D/, none still there"
		else
			notok "quota deletions: $nd logged, segments_deleted=$sdd, $notd outside OUT/D/, $still still there"
			head -3 "$T/deleted" | sed 's/^/# /'
		fi
		vout=$("$CAT" --verify "$T/quota" 2>&1)
		[ $? = 0 ] && ok "quota: sluice-cat --verify: $(echo "$vout" | tail -1)" ||
			notok "quota: sluice-cat --verify: $(echo "$vout" | head -3 | tr '\n' ' ')"
	fi
else
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
fi

# The same for a run shorter than a quota poll: 3 MB for D at full speed
# (~0.1 s) and exit 100 ms after the last packet. At exit D is within its
# quota as --retain is: the usage is not left to the next start.
printf '3000 10.8.0.1 514 D size=1000\n' >"$T/short.spec"
printf 'tenant D prefix=10.8.0.0/16 quota=1M quota-policy=delete-oldest\n' >"$T/short.conf"
if tp gen --seed 5 "$T/short.spec" "$T/short.pcap" "$T/short.jsonl" >"$T/gen.out" 2>&1; then
	run short "$T/short.pcap" "$T/short.conf" --idle-exit 100 --segment-size $SEGSZ \
		--batch-size $BATCH --max-msg 4096
	if ran short; then
		sdd=$(ctr short 'retain[quota D]' segments_deleted)
		dud=$(du_of "$T/short/D")
		if [ "${sdd:-0}" -gt 0 ] && [ "$dud" -le $D_MAX ]; then
			ok "quota delete-oldest, run shorter than a poll: segments_deleted=$sdd; du of OUT/D at exit $dud <= $D_MAX"
		else
			notok "quota delete-oldest, run shorter than a poll: at exit du of OUT/D $dud (bound $D_MAX), segments_deleted=$sdd: $(grep 'retain\[quota D\]' "$T/short.log" | cut -c1-120)"
		fi
	fi
else
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
fi

# ---------------------------------------------------------------------------
# 5. Rates
cat >"$T/rate.spec" <<'EOF'
2000 10.11.0.1 514 R
2000 10.12.0.1 514 U
1000 10.13.0.1 514 Y size=400
EOF
cat >"$T/rate.conf" <<'EOF'
tenant R prefix=10.11.0.0/16 msgs=1/s msg-burst=50
tenant U prefix=10.12.0.0/16
tenant Y prefix=10.13.0.0/16 bytes=1K/s byte-burst=64K
EOF
if tp gen --seed 4 "$T/rate.spec" "$T/rate.pcap" "$T/rate.jsonl" >"$T/gen.out" 2>&1; then
	run rate "$T/rate.pcap" "$T/rate.conf" --idle-exit 300
	if ran rate; then
		collect rate
		verify rate "$T/rate.jsonl" default=0,R=1,U=2,Y=3 --mode R=subseq --mode Y=subseq
		# GCRA: in the span S from a tenant's first to its last admitted
		# message it gets at most burst + rate x S. One worker: its leases
		# (1 message, 1 byte at these rates, or what the message needs)
		# leave nothing over. S from the records' rx_ns, + 10 ms for the
		# meter's TSC against CLOCK_REALTIME.
		span() { # span TENANT: ms from its first to its last record, + 10
			python3 -c 'import json, sys
ts = [json.loads(l)["rx_ns"] for l in open(sys.argv[1])]
print((max(ts) - min(ts)) // 1000000 + 10 if ts else 0)' "$T/rate.got/$1/default.jsonl"
		}
		sr=$(ctr rate 'tenant[R]' stored)
		dr=$(ctr rate 'tenant[R]' drop_rate_msgs)
		spr=$(span R)
		rmax=$((50 + spr / 1000))
		if [ "${sr:-0}" -ge 50 ] && [ "$sr" -le $rmax ] && [ $((sr + ${dr:-0})) = 2000 ]; then
			ok "rate msgs=1/s msg-burst=50: stored=$sr in [50, $rmax] (burst + rate x ${spr} ms from its first to its last), drop_rate_msgs=$dr = 2000 - stored"
		else
			notok "rate msgs=1/s msg-burst=50: stored=$sr (want 50..$rmax: burst + rate x ${spr} ms), drop_rate_msgs=$dr (want 2000 - stored)"
		fi
		sy=$(ctr rate 'tenant[Y]' stored)
		by=$(ctr rate 'tenant[Y]' stored_bytes)
		dy=$(ctr rate 'tenant[Y]' drop_rate_bytes)
		spy=$(span Y)
		big=$(python3 -c 'import json, sys
print(max(len(e["msg"]) for e in map(json.loads, open(sys.argv[1])) if e["tenant"] == "Y"))' "$T/rate.jsonl")
		ymax=$((65536 + 1024 * spy / 1000))
		# at least the burst less the message that did not fit
		if [ "${by:-0}" -gt $((65536 - big)) ] && [ "$by" -le $ymax ] &&
			[ $((sy + ${dy:-0})) = 1000 ]; then
			ok "rate bytes=1K/s byte-burst=64K: stored_bytes=$by in ($((65536 - big)), $ymax] (burst + rate x ${spy} ms), $sy messages; drop_rate_bytes=$dy = 1000 - stored"
		else
			notok "rate bytes=1K/s byte-burst=64K: stored_bytes=$by (want $((65536 - big + 1))..$ymax), stored=$sy, drop_rate_bytes=$dy (want 1000 - stored)"
		fi
	fi
else
	notok "tenant_pcap.py gen: $(tail -2 "$T/gen.out")"
fi
finish
