#!/usr/bin/env python3
"""Check what sluice stored (sluice-cat --format json output) against what
was sent.

  check_store.py --cat CAT.json --sent SENT.jsonl [--allow-missing N]
      Every stored record of the sent flows is one of the sent datagrams,
      byte-exact, at most once; at most N sent datagrams are missing; each
      flow's records are in the order they were sent (missing ones aside).
      A flow is (src, sport, dst, dport); records of other flows are ignored
      (--tag TAG: and records without tag=TAG, whose sender reused a port).

  check_store.py --cat CAT.json --sent SENT.jsonl --select-to OUT.json
      Only write the records of the sent flows to OUT.json (for
      tests/integration/compare.py, which wants nothing else in GOT).

  check_store.py --cat CAT.json --expect MARKER REGEX [--expect ...]
      A stored record contains MARKER and matches REGEX (re.search on the
      message text), e.g. --expect m-3164-123 '^<13>[A-Z][a-z]{2} '.

Prints one line per finding and a summary line; exit 0 when all holds.
Tolerates the usual field spellings (msg/message, sport/src_port, ...).
"""
import argparse
import base64
import json
import re
import sys
from collections import defaultdict


def first(obj, *names):
    for n in names:
        if n in obj:
            return obj[n]
    return None


def norm_addr(a):
    a = str(a or "").strip("[]")
    if a.lower().startswith("::ffff:") and "." in a:
        a = a[7:]
    return a.lower()


def message_of(obj):
    m = first(obj, "msg", "message", "data", "raw")
    if m is not None:
        return m
    b = first(obj, "msg_b64", "message_b64")
    if b is not None:
        return base64.b64decode(b).decode("latin-1")
    h = first(obj, "msg_hex", "message_hex")
    if h is not None:
        return bytes.fromhex(h).decode("latin-1")
    return None


def flow_of(obj):
    return (norm_addr(first(obj, "src", "source", "src_addr", "saddr")),
            int(first(obj, "sport", "src_port", "source_port") or 0),
            norm_addr(first(obj, "dst", "dest", "destination", "dst_addr", "daddr")),
            int(first(obj, "dport", "dst_port", "dest_port") or 0))


def load_jsonl(path, what):
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                print("%s %s line %d is not JSON: %s" % (what, path, n, e))
                sys.exit(2)
    return out


def check_sent(cat, sent_path, allow_missing, verbose):
    sent = load_jsonl(sent_path, "sent")
    want = defaultdict(dict)          # flow -> msg -> index in flow
    order = defaultdict(list)
    for o in sent:
        fl = flow_of(o)
        m = message_of(o)
        want[fl][m] = len(order[fl])
        order[fl].append(m)
    seen = defaultdict(set)
    last = {}
    bad = dup = disorder = 0
    shown = 0
    for o in cat:
        fl = flow_of(o)
        if fl not in want:
            continue
        m = message_of(o)
        idx = want[fl].get(m)
        if idx is None:
            bad += 1
            if shown < 5:
                shown += 1
                print("  unexpected record in flow %s: %d bytes: %.80r"
                      % (fl, len(m or ""), m))
            continue
        if idx in seen[fl]:
            dup += 1
            continue
        seen[fl].add(idx)
        if fl in last and idx < last[fl]:
            disorder += 1
            if shown < 5:
                shown += 1
                print("  out of order in flow %s: #%d after #%d" % (fl, idx, last[fl]))
        last[fl] = idx
    total = len(sent)
    stored = sum(len(v) for v in seen.values())
    missing = total - stored
    if verbose and missing:
        for fl, msgs in order.items():
            miss = [i for i in range(len(msgs)) if i not in seen[fl]]
            if miss:
                print("  flow %s: %d missing, first #%s" % (fl, len(miss), miss[:8]))
    ok = bad == 0 and dup == 0 and disorder == 0 and missing <= allow_missing
    print("%s: sent=%d stored=%d missing=%d (allowed %d) unexpected=%d "
          "duplicates=%d out_of_order=%d flows=%d"
          % (sent_path.rsplit("/", 1)[-1], total, stored, missing, allow_missing,
             bad, dup, disorder, len(order)))
    return ok


def check_expect(cat, marker, regex, src=None):
    rx = re.compile(regex)
    recs = [o for o in cat if marker in (message_of(o) or "")]
    if not recs:
        print("marker %s: not stored" % marker)
        return False
    good = [o for o in recs if rx.search(message_of(o))]
    if not good:
        print("marker %s: stored, but no match for %r: %.120r"
              % (marker, regex, message_of(recs[0])))
        return False
    if src is not None:
        srcs = [flow_of(o)[0] for o in good]
        if norm_addr(src) not in srcs:
            print("marker %s: stored from %s, expected from %s" % (marker, srcs, src))
            return False
    print("marker %s: stored (%d), matches %r: %.100r"
          % (marker, len(recs), regex, message_of(good[0])))
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cat", required=True, help="sluice-cat --format json output")
    ap.add_argument("--sent", help="JSONL of what was sent")
    ap.add_argument("--allow-missing", type=int, default=0)
    ap.add_argument("--expect", nargs=2, action="append", default=[],
                    metavar=("MARKER", "REGEX"))
    ap.add_argument("--src", action="append", default=[], nargs=2,
                    metavar=("MARKER", "ADDR"),
                    help="the --expect record of MARKER came from ADDR")
    ap.add_argument("--select-to", metavar="OUT",
                    help="write the records of the --sent flows to OUT, check nothing")
    ap.add_argument("--tag", help="only records whose message holds 'tag=TAG ' (udp_send.py "
                    "--tag): another sender that reused a source port is not a flow's")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    cat = load_jsonl(a.cat, "sluice-cat")
    if cat and message_of(cat[0]) is None:
        print("sluice-cat json has no message field; keys: %s" % sorted(cat[0]))
        return 2
    if a.tag:
        cat = [o for o in cat if ("tag=%s " % a.tag) in message_of(o)]
    if a.select_to:
        if not a.sent:
            ap.error("--select-to needs --sent")
        flows = {flow_of(o) for o in load_jsonl(a.sent, "sent")}
        with open(a.select_to, "w", encoding="utf-8", errors="surrogateescape") as f:
            for o in cat:
                if flow_of(o) in flows:
                    f.write(json.dumps(o) + "\n")
        return 0
    ok = True
    if a.sent:
        ok &= check_sent(cat, a.sent, a.allow_missing, a.verbose)
    srcs = dict(a.src)
    for marker, regex in a.expect:
        ok &= check_expect(cat, marker, regex, srcs.get(marker))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
