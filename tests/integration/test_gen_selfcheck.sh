#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Self-check of sluice-gen: its captures are what a strict receiver accepts,
# and its expect file says exactly what that receiver must store.
#
# usage: test_gen_selfcheck.sh BUILD_DIR
#
# tcpdump reads the captures back and must report no bad checksum; an
# independent pcap parser (python, below) checks every IPv4 header
# checksum, reassembles IPv4 and IPv6 fragments, checks every UDP checksum
# and compares each datagram (with its trailing LF / CRLF / NUL trimmed)
# to the expect file. Prints TAP; exits non-zero on failure.
set -u
BUILD=${1:?usage: test_gen_selfcheck.sh BUILD_DIR}
GEN=$BUILD/app/sluice-gen/sluice-gen
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/sl-gen-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }

if [ ! -x "$GEN" ]; then
	echo "not ok 1 - sluice-gen built ($GEN missing)"
	echo "1..1"
	exit 1
fi
if ! command -v tcpdump >/dev/null && [ "$(id -u)" = 0 ]; then
	apt-get install -y -qq tcpdump >/dev/null 2>&1
fi

COMMON="--count 10000 --flows 64 --ipv6 30 --vlan 15 --qinq 10 --frag-pct 3 --trailing-lf 20"
check "sluice-gen writes a 10k-message capture" \
	"$GEN" --out "$T/a.pcap" --expect "$T/a.jsonl" $COMMON --seed 42 2>"$T/a.err"
sed 's/^/# /' "$T/a.err"
check "nanosecond capture (--nsec) with jumbo MTU" \
	"$GEN" --out "$T/n.pcap" --expect "$T/n.jsonl" --count 2000 --flows 16 --ipv6 50 \
	--vlan 50 --frag-pct 10 --mtu 9000 --nsec --seed 5 2>/dev/null

# tcpdump: the capture reads back, and no checksum is reported bad
# (fragments' UDP checksums tcpdump cannot check; the parser below does).
if command -v tcpdump >/dev/null; then
	for f in a n; do
		if tcpdump -r "$T/$f.pcap" -c 20 -nn -v >/dev/null 2>"$T/td.err"; then
			ok "tcpdump reads $f.pcap"
		else
			notok "tcpdump reads $f.pcap: $(head -c 200 "$T/td.err")"
		fi
		tcpdump -r "$T/$f.pcap" -nn -vv 2>/dev/null >"$T/$f.txt"
		bad=$(grep -ciE 'bad (udp |ip |)cksum|bad hdr length|truncated' "$T/$f.txt")
		sumok=$(grep -c 'sum ok' "$T/$f.txt")
		check "tcpdump -vv on $f.pcap: no bad checksums ($sumok 'sum ok', $bad bad)" \
			test "$bad" = 0 -a "$sumok" -gt 0
	done
	check "tcpdump sees VLAN, QinQ, IPv6 and fragments in a.pcap" bash -c "
		test \$(tcpdump -r '$T/a.pcap' -nn -e 2>/dev/null | grep -c '802.1Q-QinQ') -gt 0 &&
		test \$(tcpdump -r '$T/a.pcap' -nn -e 2>/dev/null | grep -c 'ethertype 802.1Q (0x8100), length') -gt 0 &&
		test \$(tcpdump -r '$T/a.pcap' -nn 2>/dev/null | grep -c ' IP6 ') -gt 0 &&
		test \$(tcpdump -r '$T/a.pcap' -nn -v 2>/dev/null | grep -c 'flags \[+\]') -gt 0 &&
		test \$(tcpdump -r '$T/a.pcap' -nn -v 2>/dev/null | grep -c 'frag (0x') -gt 0"
else
	notok "tcpdump is not installed (apt-get install tcpdump)"
fi

# The independent parser: every packet, every checksum, every message.
cat >"$T/check.py" <<'PY'
import json, struct, sys, base64, collections

def csum(data, init=0):
    if len(data) % 2:
        data += b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

def load_expect(path):
    out = []
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        o = json.loads(line)
        b = o["msg"].encode("utf-8", "surrogatepass") if "msg" in o else base64.b64decode(o["msg_b64"])
        out.append(((o["src"], o["sport"], o["dst"], o["dport"]), b))
    return out

def main(pcap, expect, mtu):
    import ipaddress
    data = open(pcap, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), "pcap magic %x" % magic
    linktype = struct.unpack("<I", data[20:24])[0]
    assert linktype == 1, "link type %d" % linktype
    exp = load_expect(expect)
    st = collections.Counter()
    errors = []
    frags = {}
    flowshape = {}
    got = []
    off = 24
    last_ts = -1
    def err(msg):
        if len(errors) < 10:
            errors.append(msg)
        st["errors"] += 1
    def datagram(src, dst, udp, shape, fragmented):
        sport, dport, ulen, uck = struct.unpack("!HHHH", udp[:8])
        if ulen != len(udp):
            err("udp length %d != %d" % (ulen, len(udp))); return
        if uck == 0:
            err("udp checksum 0"); return
        v6 = len(src) == 16
        ph = src + dst + (struct.pack("!IxxxB", ulen, 17) if v6 else struct.pack("!xBH", 17, ulen))
        if csum(ph + udp) != 0xffff:
            err("bad udp checksum %s:%d" % (ipaddress.ip_address(src), sport)); return
        a_src, a_dst = str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst))
        key = (a_src, sport, a_dst, dport)
        if flowshape.setdefault(key, shape) != shape:
            err("flow %s changes shape %s -> %s" % (key, flowshape[key], shape))
        payload = udp[8:]
        max1 = mtu - (48 if v6 else 28)
        if fragmented != (len(payload) > max1):
            err("datagram of %d bytes %s fragmented" % (len(payload), "was" if fragmented else "was not"))
        msg = payload.rstrip(b"\r\n\0")
        if msg != payload:
            st["trailing_trimmed"] += 1
        st["datagrams"] += 1
        st["v6" if v6 else "v4"] += 1
        if fragmented:
            st["frag_v6" if v6 else "frag_v4"] += 1
        got.append((key, msg))
    while off < len(data):
        ts_s, ts_sub, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16: off + 16 + incl]
        off += 16 + incl
        st["packets"] += 1
        ts = ts_s * 10**9 + (ts_sub if magic == 0xa1b23c4d else ts_sub * 1000)
        if ts < last_ts:
            err("timestamps go back")
        last_ts = ts
        if incl != orig or len(pkt) != incl:
            err("truncated record"); continue
        if len(pkt) < 60:
            err("runt frame of %d bytes" % len(pkt))
        et = struct.unpack("!H", pkt[12:14])[0]
        p = 14
        tags = []
        while et in (0x8100, 0x88a8):
            tags.append((et, struct.unpack("!H", pkt[p:p + 2])[0] & 0xfff))
            et = struct.unpack("!H", pkt[p + 2:p + 4])[0]
            p += 4
        shape = (et, tuple(tags))
        st["tags%d" % len(tags)] += 1
        if et == 0x0800:
            h = pkt[p:p + 20]
            if h[0] != 0x45:
                err("ipv4 version/ihl %x" % h[0]); continue
            if csum(h) != 0xffff:
                err("bad ipv4 header checksum"); continue
            tot, ident, fo = struct.unpack("!HHH", h[2:8])
            if tot > mtu:
                err("ipv4 packet of %d > mtu" % tot)
            if p + tot > len(pkt):
                err("ipv4 total length beyond frame"); continue
            body = pkt[p + 20:p + tot]
            src, dst = h[12:16], h[16:20]
            mf, foff = fo & 0x2000, (fo & 0x1fff) * 8
            if h[9] != 17:
                err("not udp"); continue
            if not mf and foff == 0:
                if not fo & 0x4000:
                    err("unfragmented ipv4 without DF")
                datagram(src, dst, body, shape, False)
                continue
            st["frag_pkts"] += 1
            if mf and len(body) % 8:
                err("fragment size not a multiple of 8")
            k = (4, src, dst, ident)
        elif et == 0x86dd:
            h = pkt[p:p + 40]
            plen, nh = struct.unpack("!HB", h[4:7])
            if p + 40 + plen > len(pkt):
                err("ipv6 payload length beyond frame"); continue
            if 40 + plen > mtu:
                err("ipv6 packet of %d > mtu" % (40 + plen))
            body = pkt[p + 40:p + 40 + plen]
            src, dst = h[8:24], h[24:40]
            if nh == 17:
                datagram(src, dst, body, shape, False)
                continue
            if nh != 44:
                err("ipv6 next header %d" % nh); continue
            fnh, fo, ident = struct.unpack("!BxHI", body[:8])
            if fnh != 17:
                err("fragment of next header %d" % fnh); continue
            mf, foff = fo & 1, fo & 0xfff8
            body = body[8:]
            st["frag_pkts"] += 1
            if mf and len(body) % 8:
                err("fragment size not a multiple of 8")
            k = (6, src, dst, ident)
        else:
            err("ethertype %x" % et); continue
        f = frags.setdefault(k, {"parts": {}, "end": None, "shape": shape})
        if foff in f["parts"]:
            err("duplicate fragment id %r" % (ident,))
        f["parts"][foff] = body
        if not mf:
            f["end"] = foff + len(body)
        if f["end"] is not None:
            buf = b""
            for o in sorted(f["parts"]):
                if o != len(buf):
                    break
                buf += f["parts"][o]
            if len(buf) == f["end"]:
                del frags[k]
                datagram(src, dst, buf, shape, True)
    if frags:
        err("%d datagrams never completed" % len(frags))
    # compare with the expect file, in send order
    if len(got) != len(exp):
        err("%d datagrams, %d expected messages" % (len(got), len(exp)))
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            err("message %d differs: got %r expected %r" % (i, g[:1] + (g[1][:80],), e[:1] + (e[1][:80],)))
    st["msg_bytes"] = sum(len(m) for _, m in got)
    st["b64_msgs"] = sum(1 for _, m in exp if not is_utf8(m))
    st["flows"] = len(flowshape)
    print("# " + " ".join("%s=%d" % kv for kv in sorted(st.items())))
    for e in errors:
        print("# " + e)
    return st

def is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False

st = main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
need = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] else []
missing = [k for k in need if st[k] == 0]
if missing:
    print("# categories never seen: " + ",".join(missing))
sys.exit(1 if st["errors"] or missing else 0)
PY

check "a.pcap: every checksum right, fragments reassemble, datagrams = expected messages (+ trailing trim), all kinds present" \
	python3 "$T/check.py" "$T/a.pcap" "$T/a.jsonl" 1500 \
	v4,v6,tags0,tags1,tags2,frag_v4,frag_v6,trailing_trimmed,b64_msgs
check "n.pcap (ns timestamps, MTU 9000): same checks" \
	python3 "$T/check.py" "$T/n.pcap" "$T/n.jsonl" 9000 v4,v6,frag_v4,frag_v6

# reproducible: same seed, same bytes; another seed, other bytes
"$GEN" --out "$T/b.pcap" --expect "$T/b.jsonl" $COMMON --seed 42 2>/dev/null
check "same seed gives identical pcap and expect file" \
	bash -c "cmp -s '$T/a.pcap' '$T/b.pcap' && cmp -s '$T/a.jsonl' '$T/b.jsonl'"
"$GEN" --out "$T/c.pcap" --expect "$T/c.jsonl" $COMMON --seed 43 2>/dev/null
check "another seed gives another capture" bash -c "! cmp -s '$T/a.jsonl' '$T/c.jsonl'"

# sizes: the average asked for (no large messages)
"$GEN" --out "$T/s.pcap" --expect "$T/s.jsonl" --count 20000 --sizes 140 --seed 3 2>"$T/s.err"
avg=$(sed -n 's/.*avg_msg=\([0-9.]*\).*/\1/p' "$T/s.err")
check "--sizes 140 gives an average of 130-150 bytes (got $avg)" \
	python3 -c "import sys; sys.exit(0 if 130 <= float('$avg') <= 150 else 1)"
"$GEN" --out "$T/f.pcap" --expect "$T/f.jsonl" --count 500 --sizes fixed:700 --trailing-lf 0 2>/dev/null
check "--sizes fixed:700 makes every message 700 bytes" python3 -c "
import json, base64, sys
L = [len(o['msg'].encode() if 'msg' in o else base64.b64decode(o['msg_b64'])) for o in map(json.loads, open('$T/f.jsonl'))]
sys.exit(0 if set(L) == {700} else 1)"

# corpus: lines in file order, raw by default
printf 'first line\nsecond \xe2\x9c\x93 line\r\n\nthird\tline with "quotes" and \\\\ backslash\nlatin1 caf\xe9\n' >"$T/corpus.txt"
"$GEN" --out "$T/k.pcap" --expect "$T/k.jsonl" --count 8 --corpus "$T/corpus.txt" --trailing-lf 50 2>/dev/null
check "--corpus sends its lines in order" python3 -c "
import json, base64, sys
L = [o['msg'].encode() if 'msg' in o else base64.b64decode(o['msg_b64']) for o in map(json.loads, open('$T/k.jsonl'))]
want = [b'first line', b'second \xe2\x9c\x93 line', b'third\tline with \"quotes\" and \\\\\\\\ backslash', b'latin1 caf\xe9'] * 2
sys.exit(0 if L == want else print(L) or 1)"
check "corpus capture passes the packet checks" python3 "$T/check.py" "$T/k.pcap" "$T/k.jsonl" 1500 ""

# flag errors name the flag
out=$("$GEN" --out "$T/x.pcap" --ipv6 120 2>&1)
check "a bad flag value is refused with the flag's name" bash -c "[[ '$out' == *--ipv6* ]] && ! '$GEN' --out '$T/x.pcap' --ipv6 120 2>/dev/null"

# compare.py: equal files pass; a dropped or changed message fails
CMP="$HERE/compare.py"
check "compare.py: expect vs itself passes" \
	bash -c "python3 '$CMP' '$T/a.jsonl' '$T/a.jsonl' >/dev/null"
sed 7d "$T/a.jsonl" >"$T/drop.jsonl"
check "compare.py: a missing message fails" \
	bash -c "! python3 '$CMP' '$T/a.jsonl' '$T/drop.jsonl' >/dev/null"
check "compare.py --allow-missing 1 accepts one missing message" \
	bash -c "python3 '$CMP' --allow-missing 1 '$T/a.jsonl' '$T/drop.jsonl' >/dev/null"

# the checker itself can fail: one flipped payload byte must be caught
python3 - "$T/a.pcap" "$T/bad.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[24 + 16 + 60] ^= 0x20   # a payload byte of the first packet
open(sys.argv[2], "wb").write(d)
PY
check "the packet checker catches a flipped payload byte" \
	bash -c "! python3 '$T/check.py' '$T/bad.pcap' '$T/a.jsonl' 1500 '' >/dev/null"

echo "1..$n"
exit $fail
