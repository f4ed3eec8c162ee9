#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare what sluice stored with what sluice-gen sent.

usage: compare.py [--allow-missing N] EXPECT.jsonl GOT.jsonl

EXPECT.jsonl: sluice-gen --expect output, one object per message in send
order: {"src","sport","dst","dport","msg" | "msg_b64"}.
GOT.jsonl: `sluice-cat --format json DIR` output (records with at least
src, sport, dst, dport, shard, seq and msg | msg_b64).

Checks, printed as TAP lines:
  (a) the multiset of (src, sport, dst, dport, message bytes) is equal,
      byte for byte (with --allow-missing N: at most N missing and none
      unexpected);
  (b) per flow, the messages in GOT ordered by (shard, seq) come in the
      order they were sent (with losses: what arrived is a subsequence).
Exit status 1 when a check fails, 2 on bad input.
"""
import argparse
import base64
import collections
import hashlib
from hashlib import blake2b
import ipaddress
import json
import re
import sys

EXAMPLES = 5


def norm_addr(s, cache={}):
    """One spelling per address: IPv4 dotted (also for ::ffff:a.b.c.d)."""
    r = cache.get(s)
    if r is None:
        a = ipaddress.ip_address(s)
        if a.version == 6 and a.ipv4_mapped is not None:
            a = a.ipv4_mapped
        r = cache[s] = str(a)
    return r


def msg_bytes(o):
    if "msg" in o:
        return o["msg"].encode("utf-8", "surrogatepass")
    if "msg_b64" in o:
        return base64.b64decode(o["msg_b64"], validate=True)
    raise ValueError("no msg or msg_b64")


def digest(b):
    return hashlib.blake2b(b, digest_size=16).digest()


# Fast path for the layouts sluice-gen and sluice-cat write (flow keys in
# this order, the message last); any other line goes through json.
FLOW_RE = re.compile(r'"src":"([^"]*)","sport":(\d+),"dst":"([^"]*)","dport":(\d+)')
ORDER_RE = re.compile(r'"shard":(\d+),"seq":(\d+)')


def parse_slow(line, n, got):
    o = json.loads(line)
    fl = (norm_addr(o["src"]), int(o["sport"]), norm_addr(o["dst"]), int(o["dport"]))
    key = (int(o.get("shard", 0)), int(o.get("seq", n))) if got else n
    return fl, msg_bytes(o), key


def parse_fast(line, n, got, flows):
    """(flow, bytes, key), or None when the line is not in the usual layout."""
    i = line.find(',"msg')
    if i < 0 or not line.endswith('"}\n'):
        return None
    head, tail = line[:i], line[i:-3]
    if tail.startswith(',"msg":"'):
        v = tail[8:]
        b = (v if "\\" not in v else json.loads('"' + v + '"')).encode("utf-8", "surrogatepass")
    elif tail.startswith(',"msg_b64":"'):
        b = base64.b64decode(tail[12:], validate=True)
    else:
        return None
    if got:
        m = FLOW_RE.search(head)
        k = ORDER_RE.search(head)
        if m is None or k is None:
            return None
        fk = m.group(0)
        key = (int(k.group(1)), int(k.group(2)))
    else:
        fk = head
        key = n
        m = None
    fl = flows.get(fk)
    if fl is None:
        m = m or FLOW_RE.search(head)
        if m is None:
            return None
        fl = flows[fk] = (norm_addr(m.group(1)), int(m.group(2)),
                          norm_addr(m.group(3)), int(m.group(4)))
    return fl, b, key


def load(path, got):
    """Returns a list of (flow, digest, order_key) in file order."""
    out = []
    flows = {}
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
        for n, line in enumerate(f, 1):
            try:
                r = parse_fast(line, n, got, flows)
                if r is None:
                    if not line.strip():
                        continue
                    r = parse_slow(line, n, got)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                sys.stderr.write("%s:%d: bad record: %s\n" % (path, n, e))
                sys.exit(2)
            out.append((r[0], blake2b(r[1], digest_size=16).digest(), r[2]))
    return out


def show_examples(title, wanted, path):
    """Print up to EXAMPLES records of path whose (flow, digest) is in wanted."""
    if not wanted:
        return
    print("# %s (examples):" % title)
    left = dict(wanted)
    shown = 0
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            fl = (norm_addr(o["src"]), int(o["sport"]), norm_addr(o["dst"]), int(o["dport"]))
            b = msg_bytes(o)
            k = (fl, digest(b))
            if left.get(k, 0) > 0:
                left[k] -= 1
                print("#   %s:%d -> %s:%d len=%d %r" % (fl[0], fl[1], fl[2], fl[3], len(b), b[:160]))
                shown += 1
                if shown >= EXAMPLES:
                    break


def is_subsequence(sub, seq):
    it = iter(seq)
    return all(any(x == y for y in it) for x in sub)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--allow-missing", type=int, default=None, metavar="N",
                    help="lossy test: up to N messages may be missing (none unexpected)")
    ap.add_argument("expect")
    ap.add_argument("got")
    a = ap.parse_args()

    exp = load(a.expect, False)
    got = load(a.got, True)
    ce = collections.Counter((fl, d) for fl, d, _ in exp)
    cg = collections.Counter((fl, d) for fl, d, _ in got)
    if dict.__eq__(ce, cg):
        missing = unexpected = collections.Counter()
    else:
        missing = ce - cg
        unexpected = cg - ce
    nmiss = sum(missing.values())
    nunex = sum(unexpected.values())
    failed = False

    print("# expected %d messages, got %d: missing %d, unexpected %d"
          % (len(exp), len(got), nmiss, nunex))
    if a.allow_missing is None:
        if nmiss == 0 and nunex == 0:
            print("ok - multiset equal (%d messages)" % len(exp))
        else:
            failed = True
            print("not ok - multiset equal (%d expected, %d got, %d missing, %d unexpected)"
                  % (len(exp), len(got), nmiss, nunex))
    else:
        if nmiss <= a.allow_missing and nunex == 0:
            print("ok - at most %d missing (%d missing of %d, none unexpected)"
                  % (a.allow_missing, nmiss, len(exp)))
        else:
            failed = True
            print("not ok - at most %d missing (%d missing of %d, %d unexpected)"
                  % (a.allow_missing, nmiss, len(exp), nunex))
    if nmiss:
        show_examples("missing", missing, a.expect)
    if nunex:
        show_examples("unexpected", unexpected, a.got)

    # (b) per-flow order: GOT by (shard, seq), unexpected ones left out.
    per_exp = collections.defaultdict(list)
    for fl, d, _ in exp:
        per_exp[fl].append(d)
    if any(got[i][2] > got[i + 1][2] for i in range(len(got) - 1)):
        got.sort(key=lambda t: t[2])
    per_got = collections.defaultdict(list)
    for fl, d, _ in got:
        if (fl, d) in ce:
            per_got[fl].append(d)
    bad = []
    for fl, g in per_got.items():
        e = per_exp[fl]
        ok = g == e if len(g) == len(e) else is_subsequence(g, e)
        if not ok:
            bad.append(fl)
    if bad:
        failed = True
        print("not ok - per-flow order kept (%d of %d flows out of order)" % (len(bad), len(per_exp)))
        for fl in bad[:EXAMPLES]:
            e, g = per_exp[fl], per_got[fl]
            i = next((i for i, (x, y) in enumerate(zip(e, g)) if x != y), min(len(e), len(g)))
            print("#   flow %s:%d -> %s:%d: first difference at message %d of %d"
                  % (fl[0], fl[1], fl[2], fl[3], i, len(e)))
    else:
        print("ok - per-flow order kept (%d flows)" % len(per_exp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
