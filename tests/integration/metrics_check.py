#!/usr/bin/env python3
"""Compare a Prometheus scrape of sluice's /metrics with the final counters
sluice printed at exit (its stdout), taken while nothing changed.

Every counter of every "module[instance]: name=value" line and every
"rule NAME:" line is looked up in the scrape: drop_X as
sluice_<module>_dropped_total{reason="X"}, other counters as
sluice_<module>_<name>_total (gauges are skipped). Sums over instances must be
equal; tenant and rule counters are also compared per label. Counters that
move at shutdown (sealing, the final flush) are listed in SHUTDOWN and
skipped. Exit 0 when all agree and at least --min counters were compared.

usage: metrics_check.py SCRAPE SLUICE_STDOUT [--min N]
"""
import argparse
import re
import sys
from collections import defaultdict

# Written by the seal and the last flush at exit, after the scrape.
SHUTDOWN = {
    ("store", "segments_sealed"), ("store", "bytes_out"), ("store", "pad_bytes"),
    ("store", "fsyncs"), ("store", "frames"), ("writer", "busy_cycles"),
    ("writer", "flushes"),
}

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_scrape(path):
    types, fams = {}, defaultdict(list)
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            _, _, name, t = line.split(" ", 3)
            types[name] = t
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise SystemExit(f"metrics_check: bad sample line: {line!r}")
        labels = dict(LABEL.findall(m.group(3) or ""))
        fams[m.group(1)].append((labels, int(float(m.group(4)))))
    return types, fams


def parse_final(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    if "--- final counters" not in text:
        raise SystemExit("metrics_check: no final counters in " + path)
    text = text.split("--- final counters", 1)[1]
    sets = []  # (module, instance, {name: value})
    for line in text.splitlines():
        m = re.match(r'^([a-z_]+)\[(.*?)\]: ?(.*)$', line)
        if m:
            mod, inst, rest = m.groups()
        else:
            m = re.match(r'^rule (\S+): (.*)$', line)
            if not m:
                continue
            mod, inst, rest = "rule", m.group(1), m.group(2)
        vals = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', rest))
        sets.append((mod, inst, vals))
    return sets


def family_of(types, mod, name):
    if name.startswith("drop_"):
        return f"sluice_{mod}_dropped_total", name[5:]
    fam = f"sluice_{mod}_{name}_total"
    if types.get(fam) == "counter":
        return fam, None
    return None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scrape")
    ap.add_argument("final")
    ap.add_argument("--min", type=int, default=100)
    a = ap.parse_args()
    types, fams = parse_scrape(a.scrape)
    sets = parse_final(a.final)
    text_sum, per_label = defaultdict(int), []
    for mod, inst, vals in sets:
        for name, v in vals.items():
            if (mod, name) in SHUTDOWN:
                continue
            fam, reason = family_of(types, mod, name)
            if fam is None:
                continue
            text_sum[(fam, reason)] += v
            if mod == "tenant":
                per_label.append((fam, reason, "tenant", inst, v))
            elif mod == "rule":
                per_label.append((fam, reason, "rule", inst, v))
    bad = []
    for (fam, reason), v in sorted(text_sum.items(), key=str):
        got = sum(s for labels, s in fams.get(fam, [])
                  if reason is None or labels.get("reason") == reason)
        if fam not in fams:
            bad.append(f"{fam}{'{reason=' + reason + '}' if reason else ''}: not in the scrape")
        elif got != v:
            bad.append(f"{fam}{'{reason=' + reason + '}' if reason else ''}: scrape {got}, final {v}")
    for fam, reason, lname, lval, v in per_label:
        got = sum(s for labels, s in fams.get(fam, [])
                  if labels.get(lname) == lval and (reason is None or labels.get("reason") == reason))
        if got != v:
            bad.append(f"{fam}{{{lname}={lval}{',reason=' + reason if reason else ''}}}: scrape {got}, final {v}")
    n = len(text_sum) + len(per_label)
    print(f"metrics_check: compared {len(text_sum)} counter sums and {len(per_label)} "
          f"per-tenant/rule counters; {len(bad)} differ")
    for b in bad[:20]:
        print("  " + b)
    return 0 if not bad and n >= a.min else 1


if __name__ == "__main__":
    sys.exit(main())
