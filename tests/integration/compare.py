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


# Fast path for the layouts sluice-gen and sluice-cat write (flow keys in
# this order, the message last); any other line goes through json.
FLOW_RE = re.compile(r'"src":"([^"]*)","sport":(\d+),"dst":"([^"]*)","dport":(\d+)')
GOT_RE = re.compile(r'"src":"([^"]*)","sport":(\d+),"dst":"([^"]*)","dport":(\d+),'
                    r'.*"shard":(\d+),"seq":(\d+),"msg')


def tail_bytes(tail):
    """The message bytes of ',"msg":"..."' / ',"msg_b64":"..."' (closing quote cut)."""
    if tail.startswith(',"msg":"'):
        v = tail[8:]
        if "\\" in v:
            try:
                v = json.loads('"' + v + '"')
            except ValueError:
                return None     # more keys after msg: the general parser
        elif '"' in v:
            return None
        return v.encode("utf-8", "surrogatepass")
    if tail.startswith(',"msg_b64":"') and '"' not in tail[12:]:
        return base64.b64decode(tail[12:], validate=True)
    return None


def load(path, got):
    """Per flow (as written in the file): the messages in file order, as
    [bytes] (EXPECT) or [(shard, seq, bytes)] (GOT)."""
    per = collections.defaultdict(list)
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
        for n, line in enumerate(f, 1):
            try:
                i = line.find(',"msg')
                b = tail_bytes(line[i:-3]) if i > 0 and line.endswith('"}\n') else None
                if b is not None:
                    if got:
                        m = GOT_RE.search(line, 0, i + 6)
                        if m is not None:
                            per[m.group(1, 2, 3, 4)].append(
                                (int(m.group(5)), int(m.group(6)), b))
                            continue
                    else:
                        per[line[:i]].append(b)
                        continue
                if not line.strip():
                    continue
                o = json.loads(line)
                fk = (str(o["src"]), str(o["sport"]), str(o["dst"]), str(o["dport"]))
                if got:
                    per[fk].append((int(o.get("shard", 0)), int(o.get("seq", n)), msg_bytes(o)))
                else:
                    per['"src":"%s","sport":%s,"dst":"%s","dport":%s' % fk].append(msg_bytes(o))
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                sys.stderr.write("%s:%d: bad record: %s\n" % (path, n, e))
                sys.exit(2)
    return per


def flow_of(key):
    """Normalised (src, sport, dst, dport) of a load() key."""
    if isinstance(key, str):
        key = FLOW_RE.search(key).group(1, 2, 3, 4)
    return (norm_addr(key[0]), int(key[1]), norm_addr(key[2]), int(key[3]))


def show_examples(title, wanted):
    """Print up to EXAMPLES of wanted: {(flow, bytes): count}."""
    if not wanted:
        return
    print("# %s (examples):" % title)
    for (fl, b), _ in list(wanted.items())[:EXAMPLES]:
        print("#   %s:%d -> %s:%d len=%d %r" % (fl[0], fl[1], fl[2], fl[3], len(b), b[:160]))


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

    # Per normalised flow: EXPECT in send order, GOT ordered by (shard, seq).
    per_exp = collections.defaultdict(list)
    for k, msgs in load(a.expect, False).items():
        per_exp[flow_of(k)].extend(msgs)
    per_got = collections.defaultdict(list)
    for k, recs in load(a.got, True).items():
        per_got[flow_of(k)].extend(recs)
    for fl, recs in per_got.items():
        if any(recs[i][:2] > recs[i + 1][:2] for i in range(len(recs) - 1)):
            recs.sort(key=lambda r: r[:2])
        per_got[fl] = [r[2] for r in recs]
    nexp = sum(map(len, per_exp.values()))
    ngot = sum(map(len, per_got.values()))

    # (a) the multiset, flow by flow
    missing = collections.Counter()
    unexpected = collections.Counter()
    for fl in set(per_exp) | set(per_got):
        e, g = per_exp.get(fl, []), per_got.get(fl, [])
        if len(e) == len(g) and e == g:
            continue   # the common case, and the cheapest test
        ce, cg = collections.Counter(e), collections.Counter(g)
        if dict.__eq__(ce, cg):
            continue
        for b, c in (ce - cg).items():
            missing[(fl, b)] = c
        for b, c in (cg - ce).items():
            unexpected[(fl, b)] = c
    nmiss = sum(missing.values())
    nunex = sum(unexpected.values())
    failed = False

    print("# expected %d messages, got %d: missing %d, unexpected %d"
          % (nexp, ngot, nmiss, nunex))
    if a.allow_missing is None:
        if nmiss == 0 and nunex == 0:
            print("ok - multiset equal (%d messages)" % nexp)
        else:
            failed = True
            print("not ok - multiset equal (%d expected, %d got, %d missing, %d unexpected)"
                  % (nexp, ngot, nmiss, nunex))
    else:
        if nmiss <= a.allow_missing and nunex == 0:
            print("ok - at most %d missing (%d missing of %d, none unexpected)"
                  % (a.allow_missing, nmiss, nexp))
        else:
            failed = True
            print("not ok - at most %d missing (%d missing of %d, %d unexpected)"
                  % (a.allow_missing, nmiss, nexp, nunex))
    show_examples("missing", missing)
    show_examples("unexpected", unexpected)

    # (b) per-flow order, with GOT's unexpected messages (the last copies
    # of each) left out so that one stray record does not hide the order.
    extra = collections.defaultdict(collections.Counter)
    for (fl, b), c in unexpected.items():
        extra[fl][b] = c
    for fl, drop in extra.items():
        kept = []
        for b in reversed(per_got.get(fl, [])):
            if drop[b] > 0:
                drop[b] -= 1
            else:
                kept.append(b)
        per_got[fl] = kept[::-1]
    bad = []
    for fl, g in per_got.items():
        e = per_exp.get(fl, [])
        ok = g == e if len(g) == len(e) else is_subsequence(g, e)
        if not ok:
            bad.append(fl)
    if bad:
        failed = True
        print("not ok - per-flow order kept (%d of %d flows out of order)" % (len(bad), len(per_exp)))
        for fl in bad[:EXAMPLES]:
            e, g = per_exp.get(fl, []), per_got[fl]
            i = next((i for i, (x, y) in enumerate(zip(e, g)) if x != y), min(len(e), len(g)))
            print("#   flow %s:%d -> %s:%d: first difference at message %d of %d"
                  % (fl[0], fl[1], fl[2], fl[3], i, len(e)))
    else:
        print("ok - per-flow order kept (%d flows)" % len(per_exp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
