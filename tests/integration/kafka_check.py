#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks for test_kafka.sh.

  kafka_check.py sum LOG MODULE COUNTER
      Sum COUNTER=N over the final counter lines 'MODULE[...]: ...' of a
      sluice stdout (the last block: lines after the last 'stopping:').

  kafka_check.py compare DISK.jsonl KAFKA.jsonl HEADERS [--subset] [--max-dup N]
      DISK: `sluice-cat --format json` of the segments; KAFKA: the same
      read back from Kafka (`sluice-cat --kafka ... --format json`), in the
      order it was read; HEADERS: `sluice-cat --kafka ... --headers`.
      A record is identified by (tenant, stream, shard, seq). Checks:
        - every disk record is in Kafka, with the same JSON line;
        - without --subset, Kafka holds nothing that is not on the disk;
        - records read more than once: at most --max-dup (default 0)
          batches' worth, and each repeat equal to its first copy;
        - per (tenant, stream, shard) the seqs come in increasing order,
          repeats aside (one key per shard: one partition);
        - the headers: batch ids (node, tenant, stream, shard, seq) repeat
          only as often as the records do, and records per batch add up.
      Prints 'disk=N kafka=N unique=N dup_records=N dup_batches=N
      batches=N' and exits 1 on any violation (each printed).
"""
import json
import re
import sys
from collections import Counter, defaultdict


def final_block(path):
    lines = open(path, errors='replace').read().splitlines()
    last = 0
    for i, l in enumerate(lines):
        if l.startswith('stopping:'):
            last = i
    return lines[last:]


def cmd_sum(log, module, counter):
    total = 0
    pat = re.compile(r'(?:^|\s)' + re.escape(counter) + r'=(\d+)')
    for l in final_block(log):
        if not l.startswith(module + '['):
            continue
        m = pat.search(l)
        if m:
            total += int(m.group(1))
    print(total)


def key(r):
    return (r['tenant'], r['stream'], r['shard'], r['seq'])


def cmd_compare(disk_path, kafka_path, hdr_path, subset, max_dup):
    bad = []
    disk = {}
    for l in open(disk_path):
        r = json.loads(l)
        disk[key(r)] = l
    seen = {}
    dup_records = 0
    last = defaultdict(lambda: -1)
    nk = 0
    for l in open(kafka_path):
        nk += 1
        r = json.loads(l)
        k = key(r)
        if k in seen:
            dup_records += 1
            if seen[k] != l:
                bad.append('repeat differs: %r' % (k,))
            continue
        seen[k] = l
        s = k[:3]
        if r['seq'] <= last[s]:
            bad.append('order: %r after seq %d' % (k, last[s]))
        last[s] = r['seq']
        if k in disk and disk[k] != l:
            bad.append('differs from the disk: %r' % (k,))
        if k not in disk and not subset:
            bad.append('in Kafka, not on the disk: %r' % (k,))
    missing = [k for k in disk if k not in seen]
    if missing:
        bad.append('%d disk records not in Kafka, e.g. %r' % (len(missing), missing[0]))
    ids = Counter()
    nrec = 0
    for l in open(hdr_path):
        h = dict(f.split('=', 1) for f in l.split()[3:] if '=' in f)
        try:
            ids[(h['sluice.node'], h['sluice.tenant'], h['sluice.stream'],
                 h['sluice.shard'], h['sluice.seq'])] += 1
            nrec += int(h['sluice.records'])
        except KeyError as e:
            bad.append('header missing: %s in %s' % (e, l.strip()))
    dup_batches = sum(c - 1 for c in ids.values())
    if nrec != nk:
        bad.append('records in the headers %d != records read %d' % (nrec, nk))
    if dup_batches > max_dup:
        bad.append('%d batches repeated, at most %d allowed' % (dup_batches, max_dup))
    if dup_records and not dup_batches:
        bad.append('records repeated without a batch repeated')
    print('disk=%d kafka=%d unique=%d dup_records=%d dup_batches=%d batches=%d'
          % (len(disk), nk, len(seen), dup_records, dup_batches, sum(ids.values())))
    for b in bad[:20]:
        print('BAD ' + b)
    return 1 if bad else 0


def main():
    a = sys.argv[1:]
    if a and a[0] == 'sum' and len(a) == 4:
        cmd_sum(a[1], a[2], a[3])
        return 0
    if a and a[0] == 'compare' and len(a) >= 4:
        subset = '--subset' in a
        max_dup = 0
        if '--max-dup' in a:
            max_dup = int(a[a.index('--max-dup') + 1])
        return cmd_compare(a[1], a[2], a[3], subset, max_dup)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
