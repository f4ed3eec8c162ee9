#!/bin/bash
# The command-line contract: --check prints the plan and exits 0 without
# touching traffic; bad flags fail with a message naming the flag; --help;
# --stats-interval prints counters while running; SIGTERM stops RX, drains,
# seals and exits 0 with final counters; what it stored verifies.
#
# usage: test_cli.sh BUILD_DIR
set -u
build=${1:?usage: test_cli.sh BUILD_DIR}
bin="$build/app/sluice/sluice"
cat="$build/app/sluice-cat/sluice-cat"
tmp=$(mktemp -d /tmp/sl-cli-XXXXXX)
trap 'rm -rf "$tmp"; rm -rf /var/run/dpdk/sl-cli-$$-*' EXIT
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }
n=0
eal() { n=$((n + 1)); echo --no-pci --no-huge -m 512 --file-prefix "sl-cli-$$-$n" --log-level 'pmd.*:error'; }

# --check: plan, exit 0, nothing stored.
out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- --out "$tmp/chk" --listen 10.0.0.1/24 --check 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '^check: ok' && echo "$out" | grep -q '^plan: listen 10.0.0.1/24' &&
	[ -z "$(find "$tmp/chk" -name '*.zst' 2>/dev/null)" ]; then
	ok "--check prints the plan and exits 0 without storing"
else
	nok "--check (exit $rc)"; echo "$out" | sed 's/^/# /' | tail -10
fi

# Bad flags: non-zero exit, the message names the flag.
for bad in "--zstd-level 42" "--udp 0" "--listen 300.1.1.1" "--max-msg 2M" "--fsync sometimes" \
	"--rules /nonexistent/r.rules" "--bogus" "--workers 7" "--retain 10Q" "--retain 4K" \
	"--segment-age 5y" "--segment-age -1"; do
	out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- --out "$tmp/x" $bad 2>&1)
	rc=$?
	flag=${bad%% *}
	if [ $rc -ne 0 ] && echo "$out" | grep -q -- "$flag"; then
		ok "'$bad' is refused, naming $flag"
	else
		nok "'$bad' (exit $rc)"; echo "$out" | tail -3 | sed 's/^/# /'
	fi
done
# --rules: a file with errors stops sluice before the port, every error
# listed as FILE:LINE: rule NAME: reason; a good file shows its streams in
# the plan.
printf '%s\n' 'ok1 raw /a/ keep' 'bad1 raw /(x)\1/ drop' 'ok2 msg /b/ route sec' \
	'bad2 nofield /c/ drop' 'bad3 raw /d/ explode' >"$tmp/bad.rules"
out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- --out "$tmp/r" --rules "$tmp/bad.rules" --check 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "^$tmp/bad.rules:2: rule bad1: " &&
	echo "$out" | grep -q "^$tmp/bad.rules:4: rule bad2: " &&
	echo "$out" | grep -q "^$tmp/bad.rules:5: rule bad3: " &&
	! echo "$out" | grep -q "bad.rules:[13]:" && ! echo "$out" | grep -q '^plan:'; then
	ok "--rules with 3 bad lines: all 3 reported as FILE:LINE: rule NAME:, exit $rc before the plan"
else
	nok "--rules with errors (exit $rc)"; echo "$out" | tail -8 | sed 's/^/# /'
fi
printf '%s\n' 'a raw /x/ route sec' 'b raw /y/ sample 3' 'default drop' >"$tmp/good.rules"
out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- --out "$tmp/r" --rules "$tmp/good.rules" --check 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^plan: rules $tmp/good.rules: 2 rule(s), default drop" &&
	echo "$out" | grep -q "^plan: stream 1 'sec' -> $tmp/r/default/sec/shard-NN/" &&
	echo "$out" | grep -q '^check: ok'; then
	ok "--check --rules: the plan names the default action and every stream's directory"
else
	nok "--check --rules (exit $rc)"; echo "$out" | tail -8 | sed 's/^/# /'
fi
out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q -- '--out'; then ok "--out is required"; else nok "--out is required"; fi
out=$(timeout 60 "$bin" -l 0 $(eal) --vdev net_null0 -- --out "$tmp/ret" --retain 1G --segment-age 30s --check 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^plan: retain 1073741824 bytes under $tmp/ret " &&
	echo "$out" | grep -q '^plan: segments also rotate at 30000 ms of age' && echo "$out" | grep -q '^check: ok'; then
	ok "--check --retain 1G --segment-age 30s: both in the plan"
else
	nok "--check --retain --segment-age (exit $rc)"; echo "$out" | tail -5 | sed 's/^/# /'
fi
out=$(timeout 60 "$bin" -l 0 $(eal) -- --help 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q -- '--flush-ms'; then ok "--help lists the flags"; else nok "--help"; fi

# A running node: endless traffic from memory, stats every second, SIGTERM.
"$build/app/sluice-gen/sluice-gen" --out "$tmp/t.pcap" --count 5000 --flows 16 --seed 3 2>/dev/null
timeout 60 "$bin" -l 0,1 $(eal) --vdev "net_pcap0,rx_pcap=$tmp/t.pcap,infinite_rx=1" -- \
	--out "$tmp/run" --stats-interval 1 --extra-mbufs 9000 --segment-size 8M >"$tmp/run.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do
	[ "$(grep -c '^--- counters after' "$tmp/run.log")" -ge 2 ] && break
	sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
periodic=$(grep -c '^--- counters after' "$tmp/run.log")
if [ "$periodic" -ge 2 ]; then ok "--stats-interval 1 printed counters while running ($periodic times)"; else
	nok "--stats-interval 1 printed $periodic times"; fi
if [ $rc -eq 0 ] && grep -q '^stopping: SIGTERM' "$tmp/run.log" && grep -q '^--- final counters' "$tmp/run.log"; then
	ok "SIGTERM: exit 0, final counters"
else
	nok "SIGTERM: exit $rc"; tail -5 "$tmp/run.log" | sed 's/^/# /'
fi
sed -n '/^--- final counters/,$p' "$tmp/run.log" >"$tmp/final.log"
stored=$(sed -n 's/^summary: .* stored=\([0-9]*\) .*/\1/p' "$tmp/final.log")
sealed=$(grep '^store\[' "$tmp/final.log" | sed -n 's/.* segments_sealed=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
opened=$(grep '^store\[' "$tmp/final.log" | sed -n 's/.* segments_opened=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
count=$("$cat" --count "$tmp/run" 2>/dev/null)
if [ -n "$stored" ] && [ "$stored" -gt 0 ] && [ "$count" = "$stored" ]; then
	ok "sluice-cat --count ($count) equals stored= after SIGTERM"
else
	nok "sluice-cat --count ($count) vs stored=$stored"
fi
if [ -n "$sealed" ] && [ "$sealed" -ge 2 ] && [ "$sealed" = "$opened" ]; then
	ok "every segment sealed at exit ($sealed of $opened, rotated at 8M)"
else
	nok "segments sealed $sealed of $opened"
fi
if "$cat" --verify "$tmp/run" >"$tmp/verify.log" 2>&1; then
	ok "sluice-cat --verify: $(tail -1 "$tmp/verify.log")"
else
	nok "sluice-cat --verify"; tail -5 "$tmp/verify.log" | sed 's/^/# /'
fi

# Retention while running: 64K segments, a 1M budget. The oldest sealed
# segments are deleted (one NOTICE line each), the counters say as much,
# they are not drops, and what is left still verifies.
timeout 60 "$bin" -l 0,1 $(eal) --vdev "net_pcap0,rx_pcap=$tmp/t.pcap,infinite_rx=1" -- \
	--out "$tmp/ret" --stats-interval 1 --extra-mbufs 9000 --segment-size 64K --batch-size 64K \
	--retain 1M >"$tmp/ret.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do
	[ "$(grep -c '^--- counters after' "$tmp/ret.log" 2>/dev/null)" -ge 3 ] 2>/dev/null && break
	sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
sed -n '/^--- final counters/,$p' "$tmp/ret.log" >"$tmp/ret-final.log"
deleted=$(sed -n 's/^retain\[.*\]:.* segments_deleted=\([0-9]*\).*/\1/p' "$tmp/ret-final.log")
lines=$(grep -c 'retain: deleted .*\.zst: [0-9]* bytes, records ' "$tmp/ret.log")
left=$(find "$tmp/ret" -name '*.zst' -printf '%b\n' | awk '{s += $1 * 512} END {print s + 0}')
shards=$(find "$tmp/ret" -type d -name 'shard-*' | wc -l)
if [ $rc -eq 0 ] && [ -n "$deleted" ] && [ "$deleted" -gt 0 ] && [ "$deleted" = "$lines" ]; then
	ok "--retain 1M: $deleted segments deleted, one NOTICE line each"
else
	nok "--retain 1M: exit $rc, deleted=$deleted, log lines $lines"; grep -E '^(retain|summary)' "$tmp/ret.log" | tail -3 | sed 's/^/# /'
fi
usage=$(sed -n 's/^retain\[.*\]: usage_bytes=\([0-9]*\) .*/\1/p' "$tmp/ret-final.log")
if [ "$left" -le 1048576 ] && [ "$left" = "$usage" ]; then
	ok "--retain 1M: at exit $left bytes left in $shards shard(s), = usage_bytes"
else
	nok "--retain 1M: at exit $left bytes left in $shards shard(s), usage_bytes=$usage"
fi
if grep -q '^retain\[.*\]:.* delete_errors=0 ' "$tmp/ret-final.log" &&
	! grep '^summary:' "$tmp/ret-final.log" | grep -q 'dropped=[1-9]' &&
	"$cat" --verify "$tmp/ret" >"$tmp/ret-verify.log" 2>&1; then
	ok "--retain: no delete errors, nothing counted as dropped, the rest verifies"
else
	nok "--retain: errors, drops or damage"; grep -E '^(retain|summary)' "$tmp/ret-final.log" | sed 's/^/# /'
	tail -3 "$tmp/ret-verify.log" | sed 's/^/# /'
fi
exit $fail
