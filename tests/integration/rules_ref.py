#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent reference for sluice's rules, for test_rules_ingest.sh.

It understands the subset of the rules syntax the end-to-end test uses:
`NAME raw /PATTERN/FLAGS ACTION [ARG] [severity<=N] [port=N]`, flags i and
s, `default ACTION [ARG]`; patterns must mean the same to Python's re and
to Hyperscan (plain alternations, classes, \\b, escaped slashes).

usage:
  rules_ref.py expect RULES EXPECT.jsonl REFDIR
      evaluate the rules over sluice-gen's messages in capture order; write
      REFDIR/<stream>.jsonl (what each stream must hold) and
      REFDIR/counters.json (per-rule counters)
  rules_ref.py check REFDIR DIR PREFIX LOG
      compare DIR/PREFIX.<stream>.jsonl (sluice-cat --format json of each
      stream directory) and the per-rule counters in LOG with the
      reference; print TAP lines "ok - ..." / "not ok - ..."
"""
import base64
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import msg_bytes, norm_addr  # noqa: E402

SEV = re.compile(rb'<(\d{1,3})>')


def parse_rules(path):
    rules, default = [], ("keep", None)
    streams, tags = ["default"], []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("default "):
            w = line.split()
            default = (w[1], w[2] if len(w) > 2 else None)
            continue
        m = re.match(r'(\S+)\s+(\S+)\s+/((?:\\.|[^/\\])*)/(\w*)\s+(.*)$', line)
        if not m:
            raise SystemExit("rules_ref.py: cannot read: " + line)
        name, field, pat, flags, rest = m.groups()
        if field != "raw":
            raise SystemExit("rules_ref.py: only raw fields: " + line)
        w = rest.split()
        action, arg, conds = w[0], None, []
        w = w[1:]
        if action in ("route", "sample", "tag"):
            arg, w = w[0], w[1:]
        for c in w:
            cm = re.match(r'(severity|port)(<=|=)(\d+)$', c)
            if not cm:
                raise SystemExit("rules_ref.py: condition not supported: " + c)
            conds.append((cm.group(1), cm.group(2), int(cm.group(3))))
        if action == "route" and arg not in streams:
            streams.append(arg)
        if action == "tag" and arg not in tags:
            tags.append(arg)
        f = (re.I if "i" in flags else 0) | (re.S if "s" in flags else 0)
        rx = re.compile(pat.replace("\\/", "/").encode(), f)
        rules.append(dict(name=name, rx=rx, action=action, arg=arg, conds=conds))
    if default[0] == "route" and default[1] not in streams:
        streams.append(default[1])
    return rules, default, streams, tags


def severity(msg):
    m = SEV.match(msg)
    if m and int(m.group(1)) <= 191 and (len(m.group(1)) == 1 or m.group(1)[0:1] != b"0"):
        return int(m.group(1)) & 7
    return None


def cond_ok(c, msg, dport):
    what, op, v = c
    if what == "severity":
        s = severity(msg)
        return s is not None and (s <= v if op == "<=" else s == v)
    return dport == v if op == "=" else False


def expect(rules_path, exp_path, refdir):
    rules, default, streams, tags = parse_rules(rules_path)
    os.makedirs(refdir, exist_ok=True)
    out = {s: [] for s in streams}
    ctr = {r["name"]: collections.Counter() for r in rules}
    seen = collections.Counter()  # sample rule -> messages it decided
    ndrop = 0
    for line in open(exp_path, encoding="utf-8"):
        o = json.loads(line)
        msg = msg_bytes(o)
        tagbits, decided = 0, None
        for i, r in enumerate(rules):
            if not r["rx"].search(msg) or not all(cond_ok(c, msg, o["dport"]) for c in r["conds"]):
                continue
            if r["action"] == "tag":
                tagbits |= 1 << tags.index(r["arg"])
                ctr[r["name"]]["matched"] += 1
                continue
            decided = i
            break
        if decided is None:
            action, arg, rule_id = default[0], default[1], 0
        else:
            r = rules[decided]
            action, arg, rule_id = r["action"], r["arg"], decided + 1
            ctr[r["name"]]["matched"] += 1
        stream = "default"
        if action == "drop":
            keep = False
        elif action == "sample":
            key = rules[decided]["name"] if decided is not None else "<default>"
            keep = seen[key] % int(arg) == 0
            seen[key] += 1
        else:
            keep = True
            if action == "route":
                stream = arg
        if decided is not None:
            name = rules[decided]["name"]
            if not keep:
                ctr[name]["dropped"] += 1
            elif action == "route":
                ctr[name]["routed"] += 1
            elif action == "sample":
                ctr[name]["sampled"] += 1
        if not keep:
            ndrop += 1
            continue
        out[stream].append(dict(src=norm_addr(o["src"]), sport=o["sport"],
                                dst=norm_addr(o["dst"]), dport=o["dport"],
                                rule=rule_id, tags=tagbits,
                                msg_b64=base64.b64encode(msg).decode()))
    for s, recs in out.items():
        with open(os.path.join(refdir, s + ".jsonl"), "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
    with open(os.path.join(refdir, "counters.json"), "w") as f:
        json.dump({k: dict(v) for k, v in ctr.items()}, f)
    print("streams " + " ".join("%s=%d" % (s, len(v)) for s, v in out.items()) +
          " dropped=%d" % ndrop)
    print("rules " + " ".join("%s:%s" % (k, ",".join("%s=%d" % kv for kv in sorted(v.items())))
                              for k, v in ctr.items()))


def load_got(path):
    recs = []
    if not os.path.exists(path):
        return recs
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        recs.append(dict(src=norm_addr(o["src"]), sport=o["sport"], dst=norm_addr(o["dst"]),
                         dport=o["dport"], rule=o["rule"], tags=o["tags"],
                         shard=o["shard"], seq=o["seq"],
                         msg_b64=base64.b64encode(msg_bytes(o)).decode()))
    return recs


def key(r):
    return (r["src"], r["sport"], r["dst"], r["dport"], r["rule"], r["tags"], r["msg_b64"])


def check(refdir, d, prefix, log):
    fail = 0
    streams = [f[:-6] for f in sorted(os.listdir(refdir)) if f.endswith(".jsonl")]
    got_streams = {f[len(prefix) + 1:-6] for f in os.listdir(d)
                   if f.startswith(prefix + ".") and f.endswith(".jsonl")}
    for s in streams:
        ref = [json.loads(l) for l in open(os.path.join(refdir, s + ".jsonl"))]
        got = load_got(os.path.join(d, "%s.%s.jsonl" % (prefix, s)))
        rc, gc = collections.Counter(map(key, ref)), collections.Counter(map(key, got))
        if rc == gc:
            print("ok - stream %s holds exactly the %d records the rules send there "
                  "(message, flow, rule id, tags)" % (s, len(ref)))
        else:
            fail = 1
            miss, extra = rc - gc, gc - rc
            print("not ok - stream %s: %d expected, %d stored, %d missing, %d unexpected"
                  % (s, len(ref), len(got), sum(miss.values()), sum(extra.values())))
            for k in list(miss)[:3]:
                print("# missing: %s" % (k[:6],))
            for k in list(extra)[:3]:
                print("# unexpected: %s" % (k[:6],))
        # per flow order
        flows = collections.defaultdict(list)
        for r in ref:
            flows[key(r)[:4]].append(r["msg_b64"])
        gflows = collections.defaultdict(list)
        for r in sorted(got, key=lambda r: (r["shard"], r["seq"])):
            gflows[key(r)[:4]].append(r["msg_b64"])
        bad = [f for f in flows if flows[f] != gflows.get(f, [])]
        if not bad:
            print("ok - stream %s: every flow in capture order" % s)
        else:
            fail = 1
            print("not ok - stream %s: %d flows out of order or incomplete" % (s, len(bad)))
    stray = got_streams - set(streams)
    if stray:
        fail = 1
        print("not ok - stream directories the rules do not name: %s" % sorted(stray))
    want = json.load(open(os.path.join(refdir, "counters.json")))
    got = {}
    for line in open(log, encoding="utf-8", errors="replace"):
        m = re.match(r'rule (\S+): (.*)$', line)
        if m:
            got[m.group(1)] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', m.group(2))}
    badc = []
    for name, c in want.items():
        g = got.get(name, {})
        for k in ("matched", "dropped", "routed", "sampled"):
            if g.get(k, 0) != c.get(k, 0):
                badc.append("%s.%s=%s want %s" % (name, k, g.get(k), c.get(k, 0)))
    if not badc:
        print("ok - per-rule counters (matched, dropped, routed, sampled) equal the reference")
    else:
        fail = 1
        print("not ok - per-rule counters: " + "; ".join(badc[:6]))
    return fail


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "expect":
        expect(*sys.argv[2:])
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "check":
        return check(*sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
