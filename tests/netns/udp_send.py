#!/usr/bin/env python3
"""Send UDP log datagrams from a socket loop and record what was sent.

One socket is one flow (fixed source port), so the receiver must keep the
order of each socket's datagrams. Flows go round-robin over the --dst
addresses (IPv4 and IPv6 may be mixed). Every datagram is unique (flow and
sequence number in the text) and exactly the size asked for; sizes above
the MTU fragment in the kernel.

Each datagram sent is written as one JSON line:
  {"src": "10.99.0.2", "sport": 40001, "dst": "10.99.0.1", "dport": 514,
   "msg": "<14>1 ..."}
(addresses as text, IPv6 compressed, IPv4 without ::ffff:).

Bounded: --count datagrams at most, --max-secs seconds at most; paced in
batches (--batch, --pause-ms) so a kernel sender does not overrun a veth,
or at --rate datagrams per second.

--src ADDR (repeatable) binds each flow's socket to the first ADDR of its
destination's family before it connects (extra addresses on one interface
tell senders apart). --sd puts RFC 5424 STRUCTURED-DATA in the header
instead of "-", e.g. --sd '[sluice@32473 key="9f2c6e1d"]'. --stats FILE
writes what happened as one JSON object: sent, flows, and the wall-clock
times (time.time()) of the first and the last datagram sent.

Example:
  udp_send.py --dst 10.99.0.1 --dst fd99::1 --port 514 --flows 8 \
      --count 50000 --sizes 140 --out sent.jsonl
"""
import argparse
import errno
import json
import socket
import sys
import time

FILL = ("the quick brown fox jumps over the lazy dog; sluice netns test "
        "payload 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz ")


def make_msg(tag, flow, seq, size, sd="-"):
    head = "<14>1 - sluice-netns udp_send - - %s tag=%s flow=%d seq=%d len=%d " % (
        sd, tag, flow, seq, size)
    if len(head) >= size:
        body = head[:size]
    else:
        need = size - len(head)
        rot = (flow * 7 + seq) % len(FILL)
        pat = FILL[rot:] + FILL[:rot]
        filler = (pat * (need // len(pat) + 1))[:need]
        body = head + filler
    # Receivers trim trailing CR/LF/NUL and spaces may follow; end on a
    # visible character so the bytes stored equal the bytes sent.
    if body[-1] in " \r\n\0":
        body = body[:-1] + "."
    return body.encode("ascii")


def norm_addr(a):
    if a.startswith("::ffff:") and "." in a:
        return a[7:]
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dst", action="append", required=True,
                    help="destination address (repeatable; flows round-robin)")
    ap.add_argument("--port", type=int, default=514)
    ap.add_argument("--count", type=int, required=True, help="datagrams in all")
    ap.add_argument("--sizes", default="140",
                    help="comma-separated payload sizes, cycled (default 140)")
    ap.add_argument("--flows", type=int, default=1, help="sockets (default 1)")
    ap.add_argument("--tag", default="burst", help="text put in every message")
    ap.add_argument("--out", help="JSONL file of what was sent")
    ap.add_argument("--append", action="store_true", help="append to --out")
    ap.add_argument("--batch", type=int, default=64,
                    help="datagrams between pauses (default 64)")
    ap.add_argument("--pause-ms", type=float, default=2.0,
                    help="pause after each batch (default 2 ms)")
    ap.add_argument("--max-secs", type=float, default=60.0,
                    help="stop sending after this long (default 60)")
    ap.add_argument("--src", action="append", default=[],
                    help="bind to this source address (repeatable: the first of "
                    "each flow's family is used)")
    ap.add_argument("--sd", default="-",
                    help="RFC 5424 STRUCTURED-DATA of every message (default -)")
    ap.add_argument("--rate", type=float, default=0,
                    help="datagrams per second in total, sent --batch at a time "
                    "(replaces --pause-ms; no catch-up burst after a stall)")
    ap.add_argument("--stats", help="JSON file: sent, flows, first and last send time")
    a = ap.parse_args()

    sizes = [int(s) for s in a.sizes.split(",") if s]
    if not sizes or min(sizes) < 1 or max(sizes) > 65507:
        ap.error("--sizes: each size must be 1..65507")
    if a.count < 0 or a.count > 10_000_000 or a.flows < 1 or a.flows > 4096:
        ap.error("--count 0..10000000, --flows 1..4096")
    if a.rate < 0 or a.batch < 1:
        ap.error("--rate >= 0, --batch >= 1")
    if not a.sd or any(c in a.sd for c in "\r\n\0") or (a.sd != "-" and a.sd[0] != "["):
        ap.error("--sd: '-' or SD elements '[ID PARAM=\"VALUE\" ...]'")

    socks = []
    for f in range(a.flows):
        dst = a.dst[f % len(a.dst)]
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        if a.src:
            mine = [x for x in a.src if (":" in x) == (fam == socket.AF_INET6)]
            if not mine:
                ap.error("--src: no address of the family of --dst %s" % dst)
            s.bind((mine[0], 0))
        s.connect((dst, a.port))
        src = s.getsockname()
        socks.append((s, norm_addr(src[0]), src[1], norm_addr(dst)))

    out = open(a.out, "a" if a.append else "w") if a.out else None
    sent = 0
    t_end = time.monotonic() + a.max_secs
    t0 = time.monotonic()
    t_next = t0          # --rate: when the next batch is due
    first = last = None  # wall-clock times of the first and last datagram
    try:
        while sent < a.count:
            if time.monotonic() > t_end:
                print("udp_send: --max-secs reached after %d datagrams" % sent,
                      file=sys.stderr)
                break
            k = min(a.batch, a.count - sent)
            for _ in range(k):
                f = sent % a.flows
                s, src, sport, dst = socks[f]
                seq = sent // a.flows
                msg = make_msg(a.tag, f, seq, sizes[sent % len(sizes)], a.sd)
                tries = 0
                while True:
                    try:
                        s.send(msg)
                        break
                    except OSError as e:
                        # Local queue full: wait a little, bounded.
                        if e.errno in (errno.ENOBUFS, errno.EAGAIN) and tries < 1000:
                            tries += 1
                            time.sleep(0.001)
                            continue
                        raise
                last = time.time()
                if first is None:
                    first = last
                if out:
                    out.write(json.dumps({"src": src, "sport": sport, "dst": dst,
                                          "dport": a.port,
                                          "msg": msg.decode("ascii")}) + "\n")
                sent += 1
            if a.rate > 0:
                # The next batch is due when the rate allows it; after a
                # stall the schedule restarts from now (no catch-up burst).
                t_next += k / a.rate
                now = time.monotonic()
                if now > t_next + 0.05:
                    t_next = now
                elif t_next > now:
                    time.sleep(t_next - now)
            elif a.pause_ms > 0:
                time.sleep(a.pause_ms / 1000.0)
    finally:
        if out:
            out.close()
        for s, _, _, _ in socks:
            s.close()
    dt = time.monotonic() - t0
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump({"sent": sent, "flows": a.flows, "first": first, "last": last,
                       "span": (last - first) if sent else 0.0, "secs": dt}, f)
            f.write("\n")
    print("udp_send: sent %d datagrams on %d flow(s) in %.2f s (%.0f/s)"
          % (sent, a.flows, dt, sent / dt if dt > 0 else 0), file=sys.stderr)
    return 0 if sent == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
