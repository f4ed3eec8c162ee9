#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Captures for the tenant tests (test_tenants.sh) and the check of what
sluice stored against them.

  tenant_pcap.py gen [--seed N] SPEC OUT.pcap EXPECT.jsonl
  tenant_pcap.py check EXPECT.jsonl GOTDIR LOG --ids NAME=ID,... [--reject]
                 [--mode NAME=prefix|suffix|subseq ...]

SPEC: one group of messages per line ('#' comments, blank lines skipped):

  COUNT SRC DPORT TENANT [drop] [badtok] [stream=S] [fmt=5424|3164]
        [text=WORD] [size=N] [sd=STRUCTURED-DATA up to the end of the line]

COUNT UDP datagrams from SRC (IPv4 or IPv6) to DPORT (destination
10.98.0.1 or fd98::1), each message unique ('g=GROUP i=N' in its text).
TENANT is the tenant the test expects sluice to resolve them to ('default'
for the unmatched ones); 'drop': a rule drops them (counted 'filtered');
'badtok': their SD carries a token no tenant has (worker bad_token);
'stream=S': a rule routes them to stream S. fmt: RFC 5424 (default, with
SD, '-' when no sd=) or RFC 3164 (sd= then goes in the message text, where
it is no structured data). text=WORD starts the message text (for
rules to match). size=N adds N random printable characters (not
compressible much: a quota test must fill the disk). The groups are
interleaved evenly over the capture (a group of N is spread over all of
it), in a fixed order.

EXPECT.jsonl: per message in send order {"g","i","src","sport","dport",
"tenant","drop","badtok","stream","msg"}.

check: GOTDIR/<tenant>/<stream>.jsonl are `sluice-cat --format json
OUT/<tenant>/<stream>` of every directory sluice made; LOG is sluice's
stdout (final counters). TAP lines, then exit 1 when one failed:
  - per tenant and stream, the records are exactly the messages expected
    there (source, destination port, message bytes), in send order, each
    with the tenant's id (--ids, the file order) and the stream's;
  - a tenant's counters (tenant[NAME]:) match: msgs = messages resolved to
    it, stored, filtered, every drop_* 0;
  - worker bad_token and drop_no_tenant (summed) as expected (--reject:
    messages of 'default' are rejected, not stored).
--mode NAME=prefix (drop-newest quota): NAME's records are the first K it
sent, K = its stored counter, in order, and msgs = stored + drop_quota;
suffix (delete-oldest quota): the last K it sent, K >= 1, its counters say
all stored; subseq (rate limit): a subsequence in order, K = stored, and
msgs = stored + drop_rate_msgs + drop_rate_bytes. Other drop_* stay 0.
"""
import argparse
import collections
import ipaddress
import json
import os
import random
import re
import struct
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_bad_pcap import DST4, DST6, eth, ip4, udp4, ip6, udp6  # noqa: E402
from compare import msg_bytes, norm_addr  # noqa: E402

# Printable ASCII but the backslash and the quote (they would be escaped in
# JSON: same bytes, but a longer check line when one fails).
NOISE = ''.join(chr(c) for c in range(0x20, 0x7f) if chr(c) not in '\\"')
# Random bytes to NOISE characters (a little uneven: 256 is not a multiple
# of 93; it hardly compresses all the same).
NOISE_MAP = bytes(ord(NOISE[b % len(NOISE)]) for b in range(256))


def parse_spec(path):
    groups = []
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        sd = None
        if ' sd=' in line:
            line, sd = line.split(' sd=', 1)
        w = line.split()
        if len(w) < 4:
            sys.exit('%s:%d: want COUNT SRC DPORT TENANT ...' % (path, n))
        g = {'count': int(w[0]), 'src': ipaddress.ip_address(w[1]), 'dport': int(w[2]),
             'tenant': w[3], 'drop': False, 'badtok': False, 'stream': 'default',
             'fmt': '5424', 'size': 0, 'sd': sd, 'text': '', 'line': n}
        for f in w[4:]:
            k, _, v = f.partition('=')
            if k in ('drop', 'badtok') and not v:
                g[k] = True
            elif k in ('stream', 'text') and v:
                g[k] = v
            elif k == 'fmt' and v in ('5424', '3164'):
                g['fmt'] = v
            elif k == 'size' and v.isdigit():
                g['size'] = int(v)
            else:
                sys.exit('%s:%d: bad word %r' % (path, n, f))
        groups.append(g)
    return groups


def message(g, gi, i, rnd):
    text = (g['text'] + ' ' if g['text'] else '') + 'g=%d i=%d' % (gi, i)
    if g['size']:
        text += ' ' + rnd.randbytes(g['size']).translate(NOISE_MAP).decode('ascii')
    if g['fmt'] == '3164':
        sd = (' ' + g['sd']) if g['sd'] else ''
        m = '<13>Jan  2 03:04:05 host%d app[%d]:%s %s' % (gi, i, sd, text)
    else:
        m = '<14>1 2026-01-02T03:04:05.%06dZ host%d app %d ID%d %s %s' % (
            i % 1000000, gi, i, gi, g['sd'] or '-', text)
    return m.encode('utf-8')


def gen(args):
    rnd = random.Random(args.seed)
    groups = parse_spec(args.spec)
    # Even interleave: message i of a group of n sits at (i + 0.5) / n.
    order = sorted((((i + 0.5) / g['count']), gi, i)
                   for gi, g in enumerate(groups) for i in range(g['count']))
    frames = []
    expect = []
    for _, gi, i in order:
        g = groups[gi]
        msg = message(g, gi, i, rnd)
        sport = 20000 + gi
        if g['src'].version == 4:
            src = g['src'].packed
            fr = eth(0x0800, ip4(src, udp4(src, sport, g['dport'], msg)))
            dst = DST4
        else:
            src = g['src'].packed
            fr = eth(0x86dd, ip6(src, 17, udp6(src, sport, g['dport'], msg)))
            dst = DST6
        if len(fr) > 1514:
            sys.exit('group at line %d: %d-byte frame, keep messages below 1400 bytes'
                     % (g['line'], len(fr)))
        frames.append(fr)
        expect.append({'g': gi, 'i': i, 'src': str(g['src']), 'sport': sport,
                       'dst': str(ipaddress.ip_address(dst)), 'dport': g['dport'],
                       'tenant': g['tenant'], 'drop': g['drop'], 'badtok': g['badtok'],
                       'stream': g['stream'], 'msg': msg.decode('utf-8')})
    with open(args.pcap, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            f.write(struct.pack('<IIII', 1767323045 + k // 1000000, k % 1000000,
                                len(fr), len(fr)))
            f.write(fr)
    with open(args.expect, 'w') as f:
        for e in expect:
            f.write(json.dumps(e, separators=(',', ':')) + '\n')
    print('%d messages in %d groups, %d bytes of messages'
          % (len(expect), len(groups), sum(len(e['msg']) for e in expect)))


CTR_RE = re.compile(r'^([a-z_]+)\[([^\]]*)\]:(.*)$')


def counters(log):
    """{(module, instance): {name: value}} of the final counters."""
    out = {}
    lines = open(log, encoding='utf-8', errors='replace').read().split('\n')
    try:
        lines = lines[next(k for k, s in enumerate(lines) if 'final counters' in s):]
    except StopIteration:
        return None
    for s in lines:
        m = CTR_RE.match(s)
        if m:
            d = out.setdefault((m.group(1), m.group(2)), {})
            for kv in m.group(3).split():
                k, _, v = kv.partition('=')
                if v.isdigit():
                    d[k] = d.get(k, 0) + int(v)
    return out


class Tap:
    def __init__(self):
        self.failed = False

    def ok(self, cond, what, why=''):
        if cond:
            print('ok - ' + what)
        else:
            print('not ok - ' + what + (': ' + why if why else ''))
            self.failed = True


def key(e):
    return (norm_addr(e['src']), e['sport'], e['dport'], msg_bytes(e))


def check(args):
    tap = Tap()
    ids = dict((n, int(i)) for n, _, i in (x.partition('=') for x in args.ids.split(',')))
    modes = dict(x.split('=', 1) for x in args.mode)
    expect = [json.loads(s) for s in open(args.expect, encoding='utf-8')]
    rejected = (lambda e: e['tenant'] == 'default') if args.reject else (lambda e: False)
    sent = collections.defaultdict(list)        # tenant -> its messages, in order
    want = collections.defaultdict(list)        # (tenant, stream) -> stored ones, in order
    for e in expect:
        if rejected(e):
            continue
        sent[e['tenant']].append(e)
        if not e['drop']:
            want[(e['tenant'], e['stream'])].append(e)
    # The stream ids: 'default' 0, the others as the record says (checked
    # to be one per stream name).
    got = {}
    stream_ids = collections.defaultdict(set)
    bad_tid = []
    for t in sorted(os.listdir(args.gotdir)):
        for fn in sorted(os.listdir(os.path.join(args.gotdir, t))):
            s = fn[:-len('.jsonl')]
            recs = [json.loads(x) for x in open(os.path.join(args.gotdir, t, fn),
                                                encoding='utf-8', errors='surrogateescape')]
            recs.sort(key=lambda r: (r['shard'], r['seq']))
            if len({r['shard'] for r in recs}) > 1:
                tap.ok(False, '%s/%s: one shard' % (t, s), 'records of several shards: '
                       'the order checks need one worker and one shard')
            got[(t, s)] = recs
            for r in recs:
                stream_ids[s].add(r['stream'])
                if r['tenant'] != ids.get(t, -1):
                    bad_tid.append('%s/%s: tenant %d' % (t, s, r['tenant']))
    tap.ok(not bad_tid, 'every record stored under OUT/NAME/ carries NAME\'s tenant id (%s)'
           % ', '.join('%s=%d' % kv for kv in sorted(ids.items(), key=lambda kv: kv[1])),
           '; '.join(bad_tid[:5]))
    sid_bad = [s for s, v in stream_ids.items() if len(v) != 1 or (s == 'default') != (v == {0})]
    tap.ok(not sid_bad, 'each stream directory holds one stream id (default: 0)',
           ', '.join('%s: %s' % (s, sorted(stream_ids[s])) for s in sid_bad))
    for ts in sorted(set(got) | set(want)):
        t, s = ts
        g = [key(r) for r in got.get(ts, [])]
        w = [key(e) for e in want.get(ts, [])]
        mode = modes.get(t, 'exact')
        where = 'OUT/%s/%s' % ts
        if mode == 'exact':
            if g == w:
                tap.ok(True, '%s: exactly the %d messages sent to it, byte for byte, in order'
                       % (where, len(w)))
            else:
                gs, ws = collections.Counter(g), collections.Counter(w)
                miss, extra = ws - gs, gs - ws
                tap.ok(False, '%s: the %d messages sent to it' % (where, len(w)),
                       '%d stored, %d missing (e.g. %r), %d unexpected (e.g. %r)%s'
                       % (len(g), sum(miss.values()), list(miss)[:1], sum(extra.values()),
                          list(extra)[:1], '' if miss or extra else '; order differs'))
            continue
        k = len(g)
        if mode == 'prefix':
            tap.ok(g == w[:k], '%s: the %d records are the first %d of the %d sent, in order'
                   % (where, k, k, len(w)))
        elif mode == 'suffix':
            tap.ok(0 < k < len(w) and g == w[len(w) - k:],
                   '%s: the %d records are the newest %d of the %d sent (the oldest %d gone), '
                   'in order, down to the last' % (where, k, k, len(w), len(w) - k))
        elif mode == 'subseq':
            it = iter(w)
            tap.ok(all(x in it for x in g), '%s: the %d records are a subsequence of the %d '
                   'sent, in order' % (where, k, len(w)))

    ctr = counters(args.log)
    if ctr is None:
        tap.ok(False, 'sluice printed its final counters')
        sys.exit(1)
    for t in sorted(ids, key=ids.get):
        c = ctr.get(('tenant', t))
        if c is None:
            tap.ok(False, 'tenant[%s]: a counter line' % t)
            continue
        mode = modes.get(t, 'exact')
        n_sent = len(sent[t])
        n_drop = sum(1 for e in sent[t] if e['drop'])
        n_stored = sum(len(v) for (tt, _), v in got.items() if tt == t)
        drops = dict((k, v) for k, v in c.items() if k.startswith('drop_') and v)
        expect_c = {'msgs': n_sent, 'filtered': n_drop}
        allowed = {'exact': (), 'suffix': (), 'prefix': ('drop_quota',),
                   'subseq': ('drop_rate_msgs', 'drop_rate_bytes')}[mode]
        if mode == 'suffix':
            expect_c['stored'] = n_sent - n_drop
        else:
            expect_c['stored'] = n_stored
        if mode == 'exact':
            expect_c['stored'] = n_sent - n_drop
        wrong = ['%s=%d (want %d)' % (k, c.get(k, 0), v) for k, v in expect_c.items()
                 if c.get(k, 0) != v]
        wrong += ['%s=%d (want 0)' % (k, v) for k, v in drops.items() if k not in allowed]
        total = c.get('stored', 0) + c.get('filtered', 0) + sum(drops.values())
        if total != c.get('msgs', 0):
            wrong.append('msgs=%d != stored + filtered + drop_* = %d' % (c.get('msgs', 0), total))
        tap.ok(not wrong, 'tenant[%s] counters: msgs=%d stored=%d filtered=%d%s%s'
               % (t, c.get('msgs', 0), c.get('stored', 0), c.get('filtered', 0),
                  ''.join(' %s=%d' % kv for kv in sorted(drops.items())),
                  '' if mode == 'exact' else ' (%s)' % mode), '; '.join(wrong))
    wk = collections.Counter()
    for (mod, inst), d in ctr.items():
        if mod == 'worker':
            wk.update(dict((k, d.get(k, 0)) for k in ('bad_token', 'drop_no_tenant')))
    w_bad = sum(1 for e in expect if e['badtok'])
    w_rej = sum(1 for e in expect if rejected(e))
    tap.ok(wk['bad_token'] == w_bad and wk['drop_no_tenant'] == w_rej,
           'worker counters: bad_token=%d drop_no_tenant=%d' % (wk['bad_token'],
                                                                wk['drop_no_tenant']),
           'want bad_token=%d drop_no_tenant=%d' % (w_bad, w_rej))
    sys.exit(1 if tap.failed else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('gen')
    g.add_argument('--seed', type=int, default=1)
    g.add_argument('spec')
    g.add_argument('pcap')
    g.add_argument('expect')
    c = sub.add_parser('check')
    c.add_argument('expect')
    c.add_argument('gotdir')
    c.add_argument('log')
    c.add_argument('--ids', required=True)
    c.add_argument('--reject', action='store_true')
    c.add_argument('--mode', action='append', default=[])
    a = ap.parse_args()
    gen(a) if a.cmd == 'gen' else check(a)


if __name__ == '__main__':
    main()
