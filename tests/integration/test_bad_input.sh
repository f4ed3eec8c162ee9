#!/bin/bash
# Bad input of every kind through the whole node: truncated Ethernet/VLAN,
# IPv4/IPv6/UDP header faults, bad checksums, wrong lengths, and a flood of
# fragments that never complete, interleaved with good datagrams.
# Every bad packet is counted under its own reason, every good message is
# stored byte for byte, a whole datagram sent after the flood still arrives,
# and nothing crashes.
#
# usage: test_bad_input.sh BUILD_DIR
set -u
build=${1:?usage: test_bad_input.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sl-bad-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

python3 "$here/make_bad_pcap.py" "$tmp/bad.pcap" "$tmp/expect.jsonl" "$tmp/expect.json" \
	--frag-flood 2000 || { nok "make_bad_pcap.py"; exit 1; }

timeout 120 "$build/app/sluice/sluice" -l 0 --no-pci --no-huge -m 1024 \
	--file-prefix "sl-bad-$$" --log-level 'pmd.*:error' \
	--vdev "net_pcap0,rx_pcap=$tmp/bad.pcap" -- \
	--out "$tmp/out" --idle-exit 500 --stats-interval 0 --frag-flows 256 \
	>"$tmp/sluice.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "sluice exits 0 after bad input"; else
	nok "sluice exited $rc"; sed 's/^/# /' "$tmp/sluice.log" | tail -20; fi

"$build/app/sluice-cat/sluice-cat" --format json "$tmp/out" >"$tmp/got.jsonl" 2>"$tmp/cat.err" \
	|| nok "sluice-cat failed: $(head -3 "$tmp/cat.err")"
python3 "$here/compare.py" "$tmp/expect.jsonl" "$tmp/got.jsonl" || fail=1

# Exact counters: each kind of fault under its reason, the flood evicted
# or flushed at stop, nothing else dropped.
python3 - "$tmp/expect.json" "$tmp/sluice.log" <<'PY' || fail=1
import json, re, sys
exp = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
ctr = {}
for line in log.splitlines():
    m = re.match(r'^decode\[[^\]]*\]:(.*)$', line)
    if m:
        for k, v in re.findall(r'(\w+)=(\d+)', m.group(1)):
            ctr[k] = ctr.get(k, 0) + int(v)
bad = 0
for k, want in sorted(exp['bad'].items()):
    got = ctr.get(k, -1)
    print('%s - %s == %d (got %d)' % ('ok' if got == want else 'not ok', k, want, got))
    bad += got != want
frag = ctr.get('drop_frag_evicted', 0) + ctr.get('drop_frag_unfinished', 0) + \
    ctr.get('drop_frag_timeout', 0)
want = exp['frag_flood']
print('%s - flood fragments counted as evicted/unfinished/timeout: %d of %d'
      % ('ok' if frag == want else 'not ok', frag, want))
bad += frag != want
others = {k: v for k, v in ctr.items()
          if k.startswith('drop_') and k not in exp['bad'] and v and
          k not in ('drop_frag_evicted', 'drop_frag_unfinished', 'drop_frag_timeout')}
print('%s - no other drop reason (%s)' % ('not ok' if others else 'ok', others or 'none'))
bad += bool(others)
summ = re.search(r'^summary: .*dropped=(\d+)', log, re.M)
total = sum(exp['bad'].values()) + want
print('%s - summary dropped=%s equals the bad packets sent (%d)'
      % ('ok' if summ and int(summ.group(1)) == total else 'not ok',
         summ.group(1) if summ else '?', total))
bad += not (summ and int(summ.group(1)) == total)
sys.exit(1 if bad else 0)
PY
exit $fail
