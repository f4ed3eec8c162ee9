#!/usr/bin/env python3
"""Check what a TCP syslog receiver stored against what the senders sent.

Input (one of):
  --cat FILE        sluice-cat --format json output ("-": stdin)
  --segments DIR    run sluice-cat (--sluice-cat BIN) on sluice's --out DIR
  --streams DIR     raw bytes received per connection, one file per
                    connection named SRC_SPORT_DST_DPORT.bin (a stand-in
                    kernel server's output); deframed here by RFC 6587 the
                    way sluice frames (octet counting "LEN SP <...", else up
                    to LF or NUL, one CR before the LF dropped)

Checks (any combination):
  --expect FILE     tcp_send.py's EXPECT file (repeatable): every message
                    sent is stored exactly once, byte-exact (regenerated
                    from the EXPECT header), in its connection's record
                    flow (src, sport, dst, dport), in send order, as TCP,
                    without truncated/framing_error flags
  --loggen N        syslog-ng loggen's messages ("seq: N, thread: T, runid:
                    R"): N stored in all (loggen's count=), on each
                    connection seq 0, 1, 2, ... in order with no gap or
                    duplicate and one thread id; --loggen-conns K: on K
                    connections. --dst / --dport narrow the records looked at.
  --marker M        exactly one record contains M, stored as TCP, not
                    flagged truncated or framing_error;
                    --marker-regex M RE: it matches RE (re.search);
                    --marker-src M ADDR: it came from ADDR

Prints a summary line per check
  check_tcp: planned=N expected=N stored=N missing=N duplicated=N
    out_of_order=N corrupt=N unexpected=N foreign=N conns=N conns_failed=N
(planned: connections x messages asked of tcp_send; expected: what it
managed to send, which is what must be stored; a failed sender connection
fails the check too)
with up to --examples examples of each problem, and exits 0 only when
every check holds (1: a problem; 2: usage or input errors).

"foreign": records in a tcp_send flow that are not tcp_send's (another
client reused the port earlier); reported, not an error. A damaged
tcp_send record (marker intact but bytes differ, flags, wrong flow or
transport) is "corrupt"; a record of a sequence number never sent is
"unexpected".

Fast enough for a few million records (no json.loads on sluice-cat's
usual lines).
"""
import argparse
import base64
import ipaddress
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tcp_send import Generator  # noqa: E402  (same directory)

# sluice-cat --format json (app/sluice-cat/main.c put_json), field order
# fixed: the fields before "msg" by a regex anchored at the start, "msg"
# (always last) by position; json.loads only for escapes or msg_b64.
FAST = re.compile(
    r'\{"rx_ns":\d+,"time":"[^"]*","src":"([^"]*)","sport":(\d+),"dst":"([^"]*)",'
    r'"dport":(\d+),"transport":"(\w+)",[^\[]*"flags":\[([^\]]*)\]')
OURS = re.compile(r"<\d+>1 - sl-snd tcp_send - - - run=([\w-]+) conn=(\d+) seq=(\d+) ")
LOGGEN = re.compile(r"seq: (\d+), thread: (\d+), runid: (\d+)")

_addr_cache = {}


def norm_addr(a):
    r = _addr_cache.get(a)
    if r is None:
        s = str(a or "").strip("[]")
        try:
            ip = ipaddress.ip_address(s)
            if ip.version == 6 and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            r = ip.compressed
        except ValueError:
            r = s.lower()
        _addr_cache[a] = r
    return r


class Rec:
    # flags: only the BAD_FLAGS ones, comma-separated ("" when none)
    __slots__ = ("src", "sport", "dst", "dport", "transport", "flags", "msg", "where")

    def __init__(self, src, sport, dst, dport, transport, flags, msg, where):
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.transport = transport
        self.flags = flags
        self.msg = msg
        self.where = where

    def flow(self):
        return (self.src, self.sport, self.dst, self.dport)


# Record flags that mean the bytes are not the message as sent (ipv6, vlan,
# reassembled and parse_error are not about the bytes).
BAD_FLAGS = ("truncated", "framing_error")


def bad_flags(flags):
    """The subset of a record's flags (comma-separated) that are problems."""
    if not flags:
        return ""
    return ",".join(f for f in flags.split(",") if f in BAD_FLAGS)


def rec_from_json(line, where):
    m = FAST.match(line)
    k = line.find(',"msg":"')
    if m is not None and k > 0 and line.endswith('"}'):
        src, sport, dst, dport, transport, flags = m.groups()
        msg = line[k + 8:-2]
        if "\\" not in msg:
            return Rec(norm_addr(src), int(sport), norm_addr(dst), int(dport), transport,
                       bad_flags(flags.replace('"', "")) if flags else "", msg, where)
    o = json.loads(line)
    msg = o.get("msg")
    if msg is None and o.get("msg_b64") is not None:
        msg = base64.b64decode(o["msg_b64"]).decode("latin-1")
    return Rec(norm_addr(o.get("src")), int(o.get("sport") or 0), norm_addr(o.get("dst")),
               int(o.get("dport") or 0), o.get("transport", "?"),
               bad_flags(",".join(o.get("flags") or [])), msg or "", where)


def at(r):
    """Where a record came from: FILE:LINE or STREAMFILE#INDEX."""
    return "%s%d" % r.where


def records_json(f, name):
    for n, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        try:
            yield rec_from_json(line, (name + ":", n))
        except (ValueError, KeyError, TypeError) as e:
            raise SystemExit("check_tcp: %s line %d is not a sluice-cat JSON record: %s"
                             % (name, n, e))


def deframe(data):
    """RFC 6587 as sluice frames it: (message bytes, flags) pairs."""
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if c in (10, 13, 0):
            i += 1
            continue
        if 0x31 <= c <= 0x39:
            j = i + 1
            while j < n and j - i <= 9 and 0x30 <= data[j] <= 0x39:
                j += 1
            if j - i <= 9 and j + 1 < n and data[j] == 0x20 and data[j + 1] == 0x3C:
                ln = int(data[i:j])
                s = j + 1
                if s + ln <= n:
                    yield data[s:s + ln], ""
                    i = s + ln
                    continue
                yield data[s:], "truncated"
                return
        k = data.find(b"\n", i)
        z = data.find(b"\0", i, k if k >= 0 else n)
        if z >= 0:
            k = z
        if k < 0:
            line = data[i:]
            yield (line[:-1] if line.endswith(b"\r") else line), "truncated"
            return
        line = data[i:k]
        yield (line[:-1] if line.endswith(b"\r") else line), ""
        i = k + 1


def records_streams(d):
    names = sorted(os.listdir(d))
    for name in names:
        if not name.endswith(".bin"):
            continue
        parts = name[:-4].split("_")
        if len(parts) != 4:
            raise SystemExit("check_tcp: %s/%s: not SRC_SPORT_DST_DPORT.bin" % (d, name))
        src, sport, dst, dport = norm_addr(parts[0]), int(parts[1]), norm_addr(parts[2]), int(parts[3])
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        for k, (m, flags) in enumerate(deframe(data)):
            yield Rec(src, sport, dst, dport, "tcp", flags, m.decode("latin-1"),
                      (name + "#", k))


class Problems:
    def __init__(self, limit):
        self.limit = limit
        self.n = {}
        self.ex = {}

    def add(self, kind, text):
        self.n[kind] = self.n.get(kind, 0) + 1
        lst = self.ex.setdefault(kind, [])
        if len(lst) < self.limit:
            lst.append(text)

    def get(self, kind):
        return self.n.get(kind, 0)

    def show(self, prefix):
        for kind in sorted(self.ex):
            for t in self.ex[kind]:
                print("%s%s: %s" % (prefix, kind, t))


def short(m, k=90):
    return repr(m if len(m) <= k else m[:k] + "...")


# --- tcp_send -----------------------------------------------------------------

class ConnState:
    __slots__ = ("conn", "flow", "sent", "ok", "error", "seen", "last", "stored")

    def __init__(self, o):
        self.conn = o["conn"]
        self.flow = (norm_addr(o["src"]), o["sport"], norm_addr(o["dst"]), o["dport"]) \
            if o.get("src") else None
        self.sent = o["sent"]
        self.ok = o["ok"]
        self.error = o.get("error")
        self.seen = bytearray(self.sent)
        self.last = -1
        self.stored = 0


class ExpectCheck:
    def __init__(self, paths, examples):
        self.runs = {}      # run -> (Generator, [ConnState])
        self.flows = {}     # flow -> ConnState
        self.p = Problems(examples)
        self.foreign = 0
        self.paths = paths
        for path in paths:
            with open(path) as f:
                lines = [json.loads(x) for x in f if x.strip()]
            if not lines or lines[0].get("tool") != "tcp_send":
                raise SystemExit("check_tcp: %s is not a tcp_send EXPECT file" % path)
            gen = Generator.from_header(lines[0])
            conns = [ConnState(o) for o in lines[1:]]
            conns.sort(key=lambda c: c.conn)
            if [c.conn for c in conns] != list(range(len(conns))):
                raise SystemExit("check_tcp: %s: connection numbers are not 0..N-1" % path)
            self.planned = getattr(self, "planned", 0) + \
                lines[0].get("conns", 0) * lines[0].get("msgs", 0)
            self.runs[gen.run] = (gen, conns)
            for c in conns:
                if c.flow is not None:
                    self.flows[c.flow] = c

    def feed(self, r):
        msg = r.msg
        m = OURS.match(msg)
        st = self.runs.get(m.group(1)) if m else None
        if st is None:
            c = self.flows.get(r.flow())
            if c is None:
                return False
            if " tcp_send " in msg[:60]:
                self.p.add("corrupt", "%s: tcp_send-like record with no valid marker in "
                           "conn %d's flow: %s" % (at(r), c.conn, short(msg)))
            else:
                self.foreign += 1
            return True
        gen, conns = st
        conn, seq = int(m.group(2)), int(m.group(3))
        if conn >= len(conns):
            self.p.add("corrupt", "%s: conn=%d was never opened: %s" % (at(r), conn, short(msg)))
            return True
        c = conns[conn]
        if r.flow() != c.flow:
            self.p.add("corrupt", "%s: conn %d seq %d stored in flow %s, sent on %s"
                       % (at(r), conn, seq, r.flow(), c.flow))
            return True
        if r.transport != "tcp":
            self.p.add("corrupt", "%s: conn %d seq %d stored with transport %s"
                       % (at(r), conn, seq, r.transport))
            return True
        if seq >= c.sent:
            self.p.add("unexpected", "%s: conn %d seq %d, but %d were sent%s"
                       % (at(r), conn, seq, c.sent, "" if c.ok else " (connection failed)"))
            return True
        want = gen.message(conn, seq)
        if msg != want:
            i = next((k for k in range(min(len(msg), len(want))) if msg[k] != want[k]),
                     min(len(msg), len(want)))
            self.p.add("corrupt", "%s: conn %d seq %d: %d bytes stored, %d sent, first "
                       "difference at %d: stored %s sent %s%s"
                       % (at(r), conn, seq, len(msg), len(want), i, short(msg[i:i + 30], 30),
                          short(want[i:i + 30], 30),
                          " flags=" + r.flags if r.flags else ""))
            return True
        if r.flags:
            self.p.add("corrupt", "%s: conn %d seq %d: bytes right but flags %s"
                       % (at(r), conn, seq, r.flags))
            return True
        if c.seen[seq]:
            self.p.add("duplicated", "%s: conn %d seq %d stored again" % (at(r), conn, seq))
            return True
        c.seen[seq] = 1
        c.stored += 1
        if seq < c.last:
            self.p.add("out_of_order", "%s: conn %d seq %d after seq %d"
                       % (at(r), conn, seq, c.last))
        else:
            c.last = seq
        return True

    def report(self):
        expected = stored = missing = nconns = failed = 0
        miss_ex = []
        for run, (gen, conns) in self.runs.items():
            for c in conns:
                nconns += 1
                if not c.ok:
                    failed += 1
                expected += c.sent
                stored += c.stored
                mc = c.sent - c.stored
                missing += mc
                if mc and len(miss_ex) < self.p.limit:
                    first = c.seen.find(0)
                    miss_ex.append("run %s conn %d %s: %d of %d missing, first seq %d%s"
                                   % (run, c.conn, c.flow, mc, c.sent, first,
                                      "" if c.ok else " (sender failed: %s)" % c.error))
        for t in miss_ex:
            print("  missing: " + t)
        self.p.show("  ")
        if failed:
            print("  note: %d connection(s) failed on the sender side (tcp_send said why)"
                  % failed)
        bad = (missing + failed + self.p.get("duplicated") + self.p.get("out_of_order")
               + self.p.get("corrupt") + self.p.get("unexpected"))
        print("check_tcp: %s planned=%d expected=%d stored=%d missing=%d duplicated=%d "
              "out_of_order=%d corrupt=%d unexpected=%d foreign=%d conns=%d conns_failed=%d: %s"
              % ("+".join(os.path.basename(p) for p in self.paths), self.planned, expected,
                 stored, missing,
                 self.p.get("duplicated"), self.p.get("out_of_order"), self.p.get("corrupt"),
                 self.p.get("unexpected"), self.foreign, nconns, failed,
                 "OK" if bad == 0 and expected > 0 else "FAIL"))
        return bad == 0 and expected > 0


# --- loggen ---------------------------------------------------------------------

class LoggenCheck:
    def __init__(self, want, conns, dst, dport, examples):
        self.want = want
        self.want_conns = conns
        self.dst = norm_addr(dst) if dst else None
        self.dport = dport
        self.p = Problems(examples)
        self.flows = {}   # flow -> [next seq, thread, runid, stored]
        self.stored = 0

    def feed(self, r):
        if self.dst and r.dst != self.dst:
            return False
        if self.dport and r.dport != self.dport:
            return False
        m = LOGGEN.search(r.msg)
        if m is None:
            return False
        seq, thread, runid = int(m.group(1)), m.group(2), m.group(3)
        fl = r.flow()
        st = self.flows.get(fl)
        if st is None:
            st = self.flows[fl] = [0, thread, runid, 0]
        if r.transport != "tcp" or r.flags:
            self.p.add("corrupt", "%s: flow %s seq %d: transport %s flags %s"
                       % (at(r), fl, seq, r.transport, r.flags or "-"))
        if thread != st[1] or runid != st[2]:
            self.p.add("corrupt", "%s: flow %s seq %d: thread %s runid %s, flow began with "
                       "thread %s runid %s" % (at(r), fl, seq, thread, runid, st[1], st[2]))
        if seq == st[0]:
            st[0] += 1
            st[3] += 1
        elif seq > st[0]:
            self.p.add("missing", "flow %s: seq %d..%d not stored (next stored is %d)"
                       % (fl, st[0], seq - 1, seq))
            st[0] = seq + 1
            st[3] += 1
        else:
            self.p.add("duplicated_or_out_of_order", "%s: flow %s seq %d after seq %d"
                       % (at(r), fl, seq, st[0] - 1))
        return True

    def report(self):
        stored = sum(st[3] for st in self.flows.values())
        bad_order = self.p.get("duplicated_or_out_of_order")
        missing = max(self.want - stored, 0)
        extra = max(stored - self.want, 0)
        self.p.show("  ")
        for fl, st in sorted(self.flows.items()):
            print("  loggen flow %s:%d -> %s:%d thread %s: %d messages (seq 0..%d)"
                  % (fl[0], fl[1], fl[2], fl[3], st[1], st[3], st[0] - 1))
        conns_ok = self.want_conns is None or len(self.flows) == self.want_conns
        ok = (stored == self.want and bad_order == 0 and self.p.get("corrupt") == 0
              and self.p.get("missing") == 0 and conns_ok)
        print("check_tcp: loggen expected=%d stored=%d missing=%d extra=%d "
              "duplicated_or_out_of_order=%d gaps=%d corrupt=%d conns=%d%s: %s"
              % (self.want, stored, missing, extra, bad_order, self.p.get("missing"),
                 self.p.get("corrupt"), len(self.flows),
                 "" if self.want_conns is None else " (want %d)" % self.want_conns,
                 "OK" if ok else "FAIL"))
        return ok


# --- markers ----------------------------------------------------------------------

class MarkerCheck:
    def __init__(self, markers, regexes, srcs):
        self.markers = markers
        self.rx = {m: re.compile(r) for m, r in regexes}
        self.src = {m: norm_addr(a) for m, a in srcs}
        self.found = {m: [] for m in markers}

    def feed(self, r):
        hit = False
        for mk in self.markers:
            if mk in r.msg:
                self.found[mk].append(r)
                hit = True
        return hit

    def report(self):
        ok = True
        for mk in self.markers:
            recs = self.found[mk]
            why = []
            if len(recs) != 1:
                why.append("stored %d times" % len(recs))
            for r in recs[:1]:
                if r.transport != "tcp":
                    why.append("transport %s" % r.transport)
                if r.flags:
                    why.append("flags %s" % r.flags)
                if mk in self.rx and not self.rx[mk].search(r.msg):
                    why.append("no match for %r" % self.rx[mk].pattern)
                if mk in self.src and r.src != self.src[mk]:
                    why.append("from %s, not %s" % (r.src, self.src[mk]))
            if why:
                ok = False
            print("check_tcp: marker %s: %s%s" % (
                mk, "; ".join(why) if why else "stored once, TCP",
                (": %s:%d -> %s:%d %s" % (recs[0].src, recs[0].sport, recs[0].dst,
                                          recs[0].dport, short(recs[0].msg, 120))) if recs else ""))
        return ok


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--cat", help="sluice-cat --format json output, - for stdin")
    src.add_argument("--segments", help="sluice --out directory (runs sluice-cat)")
    src.add_argument("--streams", help="directory of SRC_SPORT_DST_DPORT.bin stream files")
    ap.add_argument("--sluice-cat", default="sluice-cat", help="sluice-cat binary for --segments")
    ap.add_argument("--expect", action="append", default=[], help="tcp_send.py EXPECT file")
    ap.add_argument("--loggen", type=int, help="loggen messages sent in all (its count=)")
    ap.add_argument("--loggen-conns", type=int, help="loggen connections (--active-connections)")
    ap.add_argument("--dst", help="--loggen: only records to this address")
    ap.add_argument("--dport", type=int, help="--loggen: only records to this port")
    ap.add_argument("--marker", action="append", default=[])
    ap.add_argument("--marker-regex", nargs=2, action="append", default=[], metavar=("M", "RE"))
    ap.add_argument("--marker-src", nargs=2, action="append", default=[], metavar=("M", "ADDR"))
    ap.add_argument("--examples", type=int, default=5, help="examples per problem (default 5)")
    a = ap.parse_args()
    if not (a.expect or a.loggen is not None or a.marker):
        ap.error("nothing to check: give --expect, --loggen or --marker")

    checks = []
    if a.expect:
        checks.append(ExpectCheck(a.expect, a.examples))
    if a.loggen is not None:
        checks.append(LoggenCheck(a.loggen, a.loggen_conns, a.dst, a.dport, a.examples))
    if a.marker:
        checks.append(MarkerCheck(a.marker, a.marker_regex, a.marker_src))

    proc = None
    if a.streams:
        recs = records_streams(a.streams)
    elif a.segments:
        proc = subprocess.Popen([a.sluice_cat, "--format", "json", a.segments],
                                stdout=subprocess.PIPE, encoding="utf-8",
                                errors="surrogateescape", bufsize=1 << 20)
        recs = records_json(proc.stdout, "sluice-cat")
    elif a.cat == "-":
        recs = records_json(sys.stdin, "stdin")
    else:
        f = open(a.cat, encoding="utf-8", errors="surrogateescape")
        recs = records_json(f, os.path.basename(a.cat))

    total = 0
    for r in recs:
        total += 1
        for ck in checks:
            ck.feed(r)
    if proc is not None:
        proc.stdout.close()
        if proc.wait() != 0:
            print("check_tcp: sluice-cat exited with %d" % proc.returncode)
            return 2
    print("check_tcp: %d records read" % total)
    ok = True
    for ck in checks:
        ok &= ck.report()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
