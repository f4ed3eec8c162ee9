#!/usr/bin/env python3
"""Check that sluice stored each tenant's messages apart, under the right
tenant, as many as expected (tests/netns/test_tenants_veth.sh).

  tenant_check.py --out OUT --cat SLUICE_CAT --tenants FILE \\
      --expect TAG TENANT COUNT [--expect ...]

Reads every OUT/<dir>/ with `sluice-cat --format json OUT/<dir>` (one run
per directory, so where a record lies on disk is known) and finds in each
message the sender's marker:
  udp_send.py   "tag=TAG flow=F seq=S"
  tcp_send.py   "run=TAG conn=C seq=S"
(any other sender may write "tag=TAG flow=F seq=S" too).

For each --expect TAG TENANT COUNT, one TAP line: exactly COUNT records of
TAG, all of them in OUT/TENANT/, each with the record field "tenant" equal
to TENANT's id (default 0, the others 1, 2, ... in file order, as
docs/TENANTS.md says), none stored twice (same TAG, flow, seq). COUNT 0
means none was stored anywhere. Then one line: no record outside the
expected tags (and no directory of an unknown tenant).

Prints "ok - ..." / "not ok - ..." lines and "# ..." notes; exit 0 when all
hold, 1 otherwise, 2 on usage or input errors.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

MARK = re.compile(r"(?:tag|run)=([A-Za-z0-9_.-]+) (?:flow|conn)=(\d+) seq=(\d+)")


def tenant_ids(path):
    """Tenant name -> id, as sluice numbers them."""
    ids = {"default": 0}
    with open(path) as f:
        for line in f:
            words = []
            for w in line.split():
                if w.startswith("#"):
                    break
                words.append(w)
            if len(words) >= 2 and words[0] == "tenant" and words[1] not in ids:
                ids[words[1]] = len(ids)
    return ids


def read_dir(cat, d):
    """sluice-cat --format json D: the records as dicts."""
    p = subprocess.run([cat, "--format", "json", d], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise SystemExit("tenant_check: sluice-cat %s failed (%d): %s"
                         % (d, p.returncode, p.stderr.decode(errors="replace")[:300]))
    out = []
    for n, line in enumerate(p.stdout.decode("utf-8", "surrogateescape").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise SystemExit("tenant_check: %s line %d is not JSON: %s" % (d, n, e))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="sluice's --out directory")
    ap.add_argument("--cat", required=True, help="the sluice-cat binary")
    ap.add_argument("--tenants", required=True, help="the --tenants file of the run")
    ap.add_argument("--expect", nargs=3, action="append", default=[],
                    metavar=("TAG", "TENANT", "COUNT"))
    a = ap.parse_args()

    ids = tenant_ids(a.tenants)
    want = {}
    for tag, tenant, count in a.expect:
        if tenant not in ids:
            ap.error("--expect %s: tenant %s is not in %s" % (tag, tenant, a.tenants))
        want[tag] = (tenant, int(count))

    # (tag) -> Counter of (dir, tenant field); seen keys for duplicates.
    where = collections.defaultdict(collections.Counter)
    seen = set()
    dups = collections.Counter()
    other = collections.Counter()   # dir -> records without an expected tag
    examples = []
    dirs = sorted(e for e in os.listdir(a.out) if os.path.isdir(os.path.join(a.out, e)))
    for d in dirs:
        recs = read_dir(a.cat, os.path.join(a.out, d))
        print("# OUT/%s: %d records" % (d, len(recs)))
        for r in recs:
            m = MARK.search(r.get("msg", ""))
            if m is None or m.group(1) not in want:
                other[d] += 1
                if len(examples) < 5:
                    examples.append("OUT/%s: %r" % (d, r.get("msg", "")[:100]))
                continue
            tag = m.group(1)
            key = (tag, int(m.group(2)), int(m.group(3)))
            if key in seen:
                dups[tag] += 1
            seen.add(key)
            where[tag][(d, r.get("tenant"))] += 1

    bad = 0
    for tag, (tenant, count) in want.items():
        tid = ids[tenant]
        got = sum(where[tag].values())
        right = where[tag].get((tenant, tid), 0)
        wrong = ", ".join("%d in OUT/%s with tenant %s" % (n, d, t)
                          for (d, t), n in sorted(where[tag].items(), key=str)
                          if (d, t) != (tenant, tid))
        good = got == count and right == count and dups[tag] == 0
        bad += not good
        print("%s - %s: %d stored, in OUT/%s/ with tenant %d: %d (want %d)%s%s"
              % ("ok" if good else "not ok", tag, got, tenant, tid, right, count,
                 "; elsewhere: " + wrong if wrong else "",
                 "; %d duplicates" % dups[tag] if dups[tag] else ""))
    unknown = [d for d in dirs if d not in ids]
    good = not other and not unknown
    bad += not good
    print("%s - no record outside the expected tags (%s), no directory of an unknown "
          "tenant (%s)" % ("ok" if good else "not ok",
                           ", ".join("%d in OUT/%s" % (n, d) for d, n in sorted(other.items()))
                           or "none", ", ".join(unknown) or "none"))
    for e in examples:
        print("# unexpected record: " + e)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main())
