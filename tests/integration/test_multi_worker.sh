#!/bin/bash
# Several workers: a net_pcap port with one RX queue per capture file, two
# worker lcores (and, in the second run, two writers over four shards),
# three lcores mapped onto the CPUs there are. Every message stored once,
# byte for byte, each flow in order, no drop.
#
# usage: test_multi_worker.sh BUILD_DIR
set -u
build=${1:?usage: test_multi_worker.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sl-mw-XXXXXX)
trap 'rm -rf "$tmp"; rm -rf /var/run/dpdk/sl-mw-$$-*' EXIT
fail=0
gen="$build/app/sluice-gen/sluice-gen"

"$gen" --out "$tmp/a.pcap" --expect "$tmp/a.jsonl" --count 60000 --flows 64 \
	--ipv6 30 --vlan 10 --frag-pct 2 --seed 11 2>/dev/null &&
"$gen" --out "$tmp/b.pcap" --expect "$tmp/b.jsonl" --count 60000 --flows 64 \
	--ipv6 30 --vlan 10 --frag-pct 2 --seed 12 \
	--src-net4 10.20.0.0/16 --src-net6 fd00:20::/64 2>/dev/null ||
	{ echo "not ok - sluice-gen"; exit 1; }
cat "$tmp/a.jsonl" "$tmp/b.jsonl" >"$tmp/expect.jsonl"
cpu2=$(( $(nproc) > 2 ? 2 : $(nproc) - 1 ))

run=0
for roles in "--workers 1,2 --writers 0" "--workers 1,2 --writers 0,2 --shards 4"; do
	run=$((run + 1))
	out="$tmp/out$run"
	timeout 180 "$build/app/sluice/sluice" --lcores "0@0,1@$cpu2,2@$cpu2" \
		--no-pci --no-huge -m 1024 --file-prefix "sl-mw-$$-$run" --log-level 'pmd.*:error' \
		--vdev "net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap" -- \
		--out "$out" --idle-exit 1000 --stats-interval 0 $roles >"$tmp/log$run" 2>&1
	rc=$?
	workers=$(grep -c '^plan: worker' "$tmp/log$run")
	if [ $rc -eq 0 ] && [ "$workers" -eq 2 ]; then
		echo "ok - sluice with 2 workers ($roles) exits 0"
	else
		echo "not ok - sluice with 2 workers ($roles): exit $rc, $workers workers"
		sed 's/^/# /' "$tmp/log$run" | tail -15
		fail=1
		continue
	fi
	grep '^plan: \(worker\|writer\)' "$tmp/log$run" | sed 's/^/# /'
	if grep -E '^(decode|shard|store)\[' "$tmp/log$run" | grep -qE ' drop_[a-z_]+=[1-9]' ||
		! grep -q 'dropped=0 ' "$tmp/log$run"; then
		echo "not ok - no drops ($roles)"; grep summary "$tmp/log$run" | sed 's/^/# /'; fail=1
	else
		echo "ok - no drops ($roles)"
	fi
	"$build/app/sluice-cat/sluice-cat" --format json "$out" >"$tmp/got$run.jsonl" || fail=1
	python3 "$here/compare.py" "$tmp/expect.jsonl" "$tmp/got$run.jsonl" || fail=1
done
exit $fail
