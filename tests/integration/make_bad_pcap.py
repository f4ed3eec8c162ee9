#!/usr/bin/env python3
"""Write a capture of good syslog datagrams interleaved with malformed
packets of every kind, plus the expected messages (JSONL, the format of
compare.py) and the expected drop counters (JSON).

  make_bad_pcap.py OUT.pcap EXPECT.jsonl COUNTERS.json [--frag-flood N]
"""
import json
import random
import struct
import sys

DST4 = bytes([10, 98, 0, 1])
DST6 = bytes.fromhex('fd980000000000000000000000000001')
MAC_D = bytes.fromhex('020000000001')
MAC_S = bytes.fromhex('020000000002')


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(etype, payload, vlans=()):
    h = MAC_D + MAC_S
    for v in vlans:
        h += struct.pack('!HH', 0x8100, v)
    return h + struct.pack('!H', etype) + payload


def ip4(src, payload, proto=17, ident=1, frag=0, mf=False, tot=None, bad_cksum=False):
    tot = tot if tot is not None else 20 + len(payload)
    off = (frag // 8) | (0x2000 if mf else 0)
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, ident, off, 64, proto, 0, src, DST4)
    c = csum(h)
    if bad_cksum:
        c ^= 0x5a5a
    return h[:10] + struct.pack('!H', c) + h[12:] + payload


def udp4(src, sport, dport, data, bad=False, length=None, zero=False):
    ln = length if length is not None else 8 + len(data)
    h = struct.pack('!HHHH', sport, dport, ln, 0)
    if zero:
        return h + data
    ph = src + DST4 + struct.pack('!BBH', 0, 17, 8 + len(data))
    c = csum(ph + h + data) or 0xffff
    if bad:
        c ^= 0x1111
    return struct.pack('!HHHH', sport, dport, ln, c) + data


def ip6(src, nh, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64, src, DST6) + payload


def udp6(src, sport, dport, data, bad=False, zero=False):
    h = struct.pack('!HHHH', sport, dport, 8 + len(data), 0)
    if zero:
        return h + data
    ph = src + DST6 + struct.pack('!IxxxB', 8 + len(data), 17)
    c = csum(ph + h + data) or 0xffff
    if bad:
        c ^= 0x2222
    return struct.pack('!HHHH', sport, dport, 8 + len(data), c) + data


def ip_str(b):
    if len(b) == 4:
        return '.'.join(str(x) for x in b)
    import ipaddress
    return str(ipaddress.IPv6Address(b))


def main():
    out, exp, ctr = sys.argv[1:4]
    flood = 2000
    if '--frag-flood' in sys.argv:
        flood = int(sys.argv[sys.argv.index('--frag-flood') + 1])
    rnd = random.Random(7)
    frames = []
    expect = []
    bad = {'drop_bad_l2': 0, 'drop_bad_ip': 0, 'drop_bad_ip_cksum': 0,
           'drop_bad_l4': 0, 'drop_bad_l4_cksum': 0}
    seq = 0

    def good(v6=False):
        nonlocal seq
        seq += 1
        sport = 40000 + seq % 50
        msg = ('<%d>Nov 23 04:%02d:%02d host%d app[%d]: good message %d %s'
               % (rnd.randrange(192), seq % 60, seq % 60, seq % 7, seq, seq,
                  'x' * rnd.randrange(0, 300))).encode()
        if v6:
            src = bytes.fromhex('fd980000000000000000000000000002')
            frames.append(eth(0x86dd, ip6(src, 17, udp6(src, sport, 514, msg))))
        else:
            src = bytes([10, 98, 0, 2])
            frames.append(eth(0x0800, ip4(src, udp4(src, sport, 514, msg))))
        expect.append({'src': ip_str(src), 'sport': sport, 'dst': ip_str(DST6 if v6 else DST4),
                       'dport': 514, 'msg': msg.decode()})

    src4 = bytes([10, 98, 0, 3])
    src6 = bytes.fromhex('fd980000000000000000000000000003')
    for round_ in range(50):
        good()
        # Truncated Ethernet header; truncated VLAN tag.
        frames.append(MAC_D + MAC_S[:3]); bad['drop_bad_l2'] += 1
        frames.append(MAC_D + MAC_S + b'\x81\x00\x00'); bad['drop_bad_l2'] += 1
        good(True)
        # IPv4: truncated header, bad version, IHL < 5, total length > frame.
        frames.append(eth(0x0800, ip4(src4, udp4(src4, 1, 514, b'abc'))[:12])); bad['drop_bad_ip'] += 1
        p = bytearray(ip4(src4, udp4(src4, 1, 514, b'abc'))); p[0] = 0x55
        frames.append(eth(0x0800, bytes(p))); bad['drop_bad_ip'] += 1
        p = bytearray(ip4(src4, udp4(src4, 1, 514, b'abc'))); p[0] = 0x44
        frames.append(eth(0x0800, bytes(p))); bad['drop_bad_ip'] += 1
        frames.append(eth(0x0800, ip4(src4, udp4(src4, 1, 514, b'abc'), tot=400))); bad['drop_bad_ip'] += 1
        good()
        # Bad IPv4 header checksum.
        frames.append(eth(0x0800, ip4(src4, udp4(src4, 2, 514, b'bad ip cksum'), bad_cksum=True)))
        bad['drop_bad_ip_cksum'] += 1
        # UDP: bad checksum v4 and v6, zero checksum on v6, length past the IP payload,
        # header cut short.
        frames.append(eth(0x0800, ip4(src4, udp4(src4, 3, 514, b'bad udp cksum', bad=True))))
        bad['drop_bad_l4_cksum'] += 1
        frames.append(eth(0x86dd, ip6(src6, 17, udp6(src6, 3, 514, b'bad udp6 cksum', bad=True))))
        bad['drop_bad_l4_cksum'] += 1
        frames.append(eth(0x86dd, ip6(src6, 17, udp6(src6, 4, 514, b'zero udp6 cksum', zero=True))))
        bad['drop_bad_l4_cksum'] += 1
        frames.append(eth(0x0800, ip4(src4, udp4(src4, 5, 514, b'long', length=200, zero=True))))
        bad['drop_bad_l4'] += 1
        frames.append(eth(0x0800, ip4(src4, b'\x00\x05\x02')))
        bad['drop_bad_l4'] += 1
        good(True)
        # IPv6 payload length past the frame.
        p = bytearray(ip6(src6, 17, udp6(src6, 6, 514, b'short'))); p[4:6] = struct.pack('!H', 900)
        frames.append(eth(0x86dd, bytes(p))); bad['drop_bad_ip'] += 1
        good()

    # A zero UDP checksum is allowed on IPv4: stored.
    src = bytes([10, 98, 0, 4])
    msg = b'<14>Nov 23 04:00:00 host app: zero checksum is fine on IPv4'
    frames.append(eth(0x0800, ip4(src, udp4(src, 777, 514, msg, zero=True))))
    expect.append({'src': ip_str(src), 'sport': 777, 'dst': ip_str(DST4), 'dport': 514,
                   'msg': msg.decode()})

    # Fragment flood: first fragments of `flood` datagrams that never complete.
    for i in range(flood):
        data = udp4(src4, 9, 514, b'F' * 2000)
        frames.append(eth(0x0800, ip4(src4, data[:1480], ident=10000 + i, mf=True,
                                      tot=20 + 1480)))
        if i % 100 == 0:
            good()
    n_frag = flood

    # A complete fragmented datagram after the flood must still arrive whole.
    src = bytes([10, 98, 0, 5])
    msg = ('<13>Nov 23 04:00:01 host app: after the flood ' + 'z' * 5000).encode()
    data = udp4(src, 888, 514, msg)
    off = 0
    while off < len(data):
        part = data[off:off + 1480]
        frames.append(eth(0x0800, ip4(src, part, ident=4242, frag=off,
                                      mf=off + 1480 < len(data), tot=20 + len(part))))
        off += 1480
    expect.append({'src': ip_str(src), 'sport': 888, 'dst': ip_str(DST4), 'dport': 514,
                   'msg': msg.decode()})

    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        t = 1700000000
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', t + i // 1000, i % 1000, len(fr), len(fr)))
            f.write(fr)
    with open(exp, 'w') as f:
        for e in expect:
            f.write(json.dumps(e, separators=(',', ':')) + '\n')
    with open(ctr, 'w') as f:
        json.dump({'bad': bad, 'frag_flood': n_frag,
                   'good': len(expect), 'frames': len(frames)}, f)


if __name__ == '__main__':
    main()
