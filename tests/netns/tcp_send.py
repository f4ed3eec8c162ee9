#!/usr/bin/env python3
"""Scripted syslog-over-TCP client: many concurrent connections, RFC 6587
framing, every message unique, and a record of what was sent.

Connection c goes to --dst[c % D] port --port[(c // D) % P] (IPv4 and IPv6
may be mixed). Each connection sends --msgs messages; message s of
connection c is

  <14>1 - sl-snd tcp_send - - - run=RUN conn=C seq=S len=L PADDING

exactly L bytes long (--size: fixed, or A-B: a size per message drawn from
--seed), no LF/CR/NUL inside, ending on a visible character, so the bytes
stored must equal the bytes sent. Framing (RFC 6587) per connection:
  octet   "LEN SP MSG" (octet counting)
  lf      "MSG LF" (non-transparent)
  mixed   connections take octet, lf and permsg in turn
  permsg  each message of the connection picks octet or lf (from the seed)

Non-blocking sockets and one selector; bounded by --timeout (whole run),
--connect-timeout (per connection) and --fin-timeout. With --rate, at most
that many messages per second in total. With --half-close, each connection
ends with shutdown(SHUT_WR) and waits for the peer's FIN: the peer has then
taken every byte (a receiver that FINs only after delivering everything
proves delivery). With --wait-acked, each connection waits until the
kernel's send queue is empty (every byte ACKed), then closes.

--src ADDR (repeatable): each connection binds to the first ADDR of its
destination's family before it connects (extra addresses on one interface
tell senders apart).

--expect FILE: a JSON-lines file: a header line with the generator's
parameters (check_tcp.py regenerates every message from it), then one line
per connection:
  {"conn": 0, "src": "10.99.0.2", "sport": 40000, "dst": "10.99.0.1",
   "dport": 514, "framing": "octet", "sent": 20, "ok": true, "error": null}
"sent" counts messages whose last byte the kernel took.

Exit 0 when every connection connected and sent (and, with --half-close,
saw the FIN) everything; 1 otherwise (why is printed); 2 on usage errors.

Example:
  tcp_send.py --dst 10.99.0.1 --dst fd99::1 --port 514,601 --conns 1000 \\
      --msgs 20 --framing mixed --size 100-300 --half-close --expect exp.jsonl
"""
import argparse
import json
import os
import resource
import selectors
import socket
import sys
import time

FILL = ("the quick brown fox jumps over the lazy dog; sluice tcp test "
        "payload 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz ")
MAX_SIZE = 1 << 20
_BIG = FILL * ((MAX_SIZE + 2 * len(FILL)) // len(FILL) + 1)
HEAD = "<%d>1 - sl-snd tcp_send - - - run=%s conn=%d seq=%d len=%d "
M64 = (1 << 64) - 1


def mix(a, b, c):
    """A 64-bit hash of three integers (splitmix64 finaliser)."""
    z = (a * 0x9E3779B97F4A7C15 + b * 0xBF58476D1CE4E5B9 + c * 0x94D049BB133111EB
         + 0x2545F4914F6CDD1D) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Generator:
    """The messages of one run, from the parameters in the EXPECT header."""

    def __init__(self, run, size_min, size_max, seed, pri=14):
        self.run = run
        self.size_min = size_min
        self.size_max = size_max
        self.seed = seed
        self.pri = pri

    @classmethod
    def from_header(cls, h):
        return cls(h["run"], h["size_min"], h["size_max"], h["seed"], h.get("pri", 14))

    def header(self):
        return {"tool": "tcp_send", "version": 1, "run": self.run,
                "size_min": self.size_min, "size_max": self.size_max,
                "seed": self.seed, "pri": self.pri}

    def size(self, conn, seq):
        if self.size_min == self.size_max:
            return self.size_min
        span = self.size_max - self.size_min + 1
        return self.size_min + mix(self.seed, conn, seq) % span

    def message(self, conn, seq):
        """Message text (str, ASCII) without framing."""
        size = self.size(conn, seq)
        head = HEAD % (self.pri, self.run, conn, seq, size)
        if len(head) >= size:
            body = head[:size]
        else:
            rot = (conn * 7 + seq * 13) % len(FILL)
            body = head + _BIG[rot:rot + size - len(head)]
        if body[-1] == " ":
            body = body[:-1] + "."
        return body

    def min_size(self, conns, msgs):
        """Shortest head (so the marker is never cut) for this run's range."""
        return len(HEAD % (self.pri, self.run, max(conns - 1, 0), max(msgs - 1, 0), 99999))


def conn_framing(mode, conn, ndst):
    if mode != "mixed":
        return mode
    return ("octet", "lf", "permsg")[(conn // ndst) % 3]


def msg_framing(cfr, seed, conn, seq):
    if cfr != "permsg":
        return cfr
    return "octet" if mix(seed ^ 0x5A5A, conn, seq) & 1 else "lf"


def frame(msg_bytes, fr):
    if fr == "octet":
        return b"%d %s" % (len(msg_bytes), msg_bytes)
    return msg_bytes + b"\n"


def norm_addr(a):
    if a.startswith("::ffff:") and "." in a:
        return a[7:]
    return a


class Conn:
    __slots__ = ("idx", "dst", "port", "framing", "sock", "state", "src", "sport",
                 "next_seq", "done", "buf", "off", "ends", "end_i", "error",
                 "t_start", "deadline", "registered", "bytes", "extra_rx")

    def __init__(self, idx, dst, port, framing):
        self.idx = idx
        self.dst = dst
        self.port = port
        self.framing = framing
        self.sock = None
        self.state = "new"
        self.src = None
        self.sport = None
        self.next_seq = 0      # next message to generate
        self.done = 0          # messages fully handed to the kernel
        self.buf = b""
        self.off = 0
        self.ends = []
        self.end_i = 0
        self.error = None
        self.t_start = 0.0
        self.deadline = 0.0
        self.registered = 0
        self.bytes = 0
        self.extra_rx = 0


def parse_size(s):
    if "-" in s:
        a, b = s.split("-", 1)
        return int(a), int(b)
    return int(s), int(s)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--dst", action="append", required=True,
                    help="destination address (repeatable; connections round-robin)")
    ap.add_argument("--port", action="append", default=[],
                    help="port(s), comma-separated or repeated (default 514)")
    ap.add_argument("--conns", type=int, default=1, help="connections (default 1)")
    ap.add_argument("--msgs", type=int, default=10, help="messages per connection")
    ap.add_argument("--framing", default="octet",
                    choices=("octet", "lf", "mixed", "permsg"))
    ap.add_argument("--size", default="160",
                    help="message size in bytes, or A-B: random per message (default 160)")
    ap.add_argument("--seed", type=int, default=1, help="sizes and permsg framing")
    ap.add_argument("--run", default=None, help="run id in every message (default random)")
    ap.add_argument("--rate", type=float, default=0,
                    help="messages per second in total (default 0: unpaced)")
    ap.add_argument("--parallel", type=int, default=256,
                    help="connects in progress at once (default 256)")
    ap.add_argument("--timeout", type=float, default=60, help="whole run, seconds (default 60)")
    ap.add_argument("--connect-timeout", type=float, default=10,
                    help="per connection, seconds (default 10)")
    ap.add_argument("--fin-timeout", type=float, default=15,
                    help="--half-close / --wait-acked: seconds to wait after the last byte (default 15)")
    ap.add_argument("--half-close", action="store_true",
                    help="shutdown(SHUT_WR) at the end and wait for the peer's FIN")
    ap.add_argument("--wait-acked", action="store_true",
                    help="at the end wait until every byte is ACKed (send queue empty)")
    ap.add_argument("--chunk", type=int, default=65536,
                    help="bytes generated per send burst (default 64 KiB)")
    ap.add_argument("--src", action="append", default=[],
                    help="bind to this source address (repeatable: the first of "
                    "each connection's family is used)")
    ap.add_argument("--expect", help="write what was sent here (JSON lines)")
    ap.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    a = ap.parse_args()

    ports = []
    for p in a.port or ["514"]:
        ports += [int(x) for x in p.split(",") if x]
    smin, smax = parse_size(a.size)
    if not 1 <= a.conns <= 65000 or a.msgs < 0 or a.msgs > 100_000_000:
        ap.error("--conns 1..65000, --msgs 0..100000000")
    if not ports or min(ports) < 1 or max(ports) > 65535:
        ap.error("--port: 1..65535")
    if a.half_close and a.wait_acked:
        ap.error("--half-close or --wait-acked, not both")
    for d in a.dst:
        if a.src and not any((":" in x) == (":" in d) for x in a.src):
            ap.error("--src: no address of the family of --dst %s" % d)
    run = a.run or os.urandom(4).hex()
    if not run.replace("-", "").replace("_", "").isalnum():
        ap.error("--run: letters, digits, - and _ only")
    gen = Generator(run, smin, smax, a.seed)
    need = gen.min_size(a.conns, a.msgs)
    if smin < need or smax > MAX_SIZE or smin > smax:
        ap.error("--size: %d..%d bytes here (the marker needs %d)" % (need, MAX_SIZE, need))

    # One descriptor per connection, and then some.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need_fds = a.conns + 64
    if soft < need_fds:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(need_fds, hard), hard))
        except (ValueError, OSError):
            pass
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need_fds:
            print("tcp_send: RLIMIT_NOFILE %d is below %d connections" % (hard, a.conns),
                  file=sys.stderr)
            return 1

    ndst = len(a.dst)
    conns = [Conn(c, a.dst[c % ndst], ports[(c // ndst) % len(ports)],
                  conn_framing(a.framing, c, ndst)) for c in range(a.conns)]
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    t_end = t0 + a.timeout
    pending = list(reversed(conns))   # not yet started (pop from the end)
    connecting = 0
    active = 0                        # started and not finished
    total_done = 0                    # messages handed to the kernel, all connections
    total_gen = 0                     # messages generated (rate accounting)
    total_target = a.conns * a.msgs
    rate_wait = []                    # connections waiting for rate tokens
    finished = 0

    def fail(c, why):
        nonlocal connecting, active, finished
        if c.state == "connecting":
            connecting -= 1
        c.error = why
        c.state = "failed"
        if c.registered:
            sel.unregister(c.sock)
            c.registered = 0
        if c.sock is not None:
            try:
                # Nothing lingers: a failed connection is reset.
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            except OSError:
                pass
            c.sock.close()
        active -= 1
        finished += 1

    def finish(c):
        nonlocal active, finished
        c.state = "done"
        if c.registered:
            sel.unregister(c.sock)
            c.registered = 0
        c.sock.close()
        active -= 1
        finished += 1

    def want(c, ev):
        if ev == 0:
            if c.registered:
                sel.unregister(c.sock)
                c.registered = 0
        elif not c.registered:
            sel.register(c.sock, ev, c)
            c.registered = ev
        elif c.registered != ev:
            sel.modify(c.sock, ev, c)
            c.registered = ev

    def start(c, now):
        nonlocal connecting, active
        fam = socket.AF_INET6 if ":" in c.dst else socket.AF_INET
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
        except OSError as e:
            c.error = "socket: %s" % e
            c.state = "failed"
            return False
        s.setblocking(False)
        c.sock = s
        c.state = "connecting"
        mine = [x for x in a.src if (":" in x) == (fam == socket.AF_INET6)]
        c.t_start = now
        c.deadline = now + a.connect_timeout
        connecting += 1
        active += 1
        try:
            if mine:
                s.bind((mine[0], 0))
            s.connect((c.dst, c.port))
        except BlockingIOError:
            pass
        except OSError as e:
            fail(c, "connect: %s" % e)
            return True
        want(c, selectors.EVENT_WRITE)
        return True

    def tokens(now):
        if a.rate <= 0:
            return 1 << 62
        return int(a.rate * (now - t0)) + 1 - total_gen

    def refill(c, now):
        """Generate the next burst of messages; False when rate-limited."""
        nonlocal total_gen
        left = a.msgs - c.next_seq
        n = min(left, tokens(now))
        if n <= 0:
            return False
        parts = []
        ends = []
        size = 0
        seq = c.next_seq
        while seq < c.next_seq + n and size < a.chunk:
            m = gen.message(c.idx, seq).encode("ascii")
            f = frame(m, msg_framing(c.framing, a.seed, c.idx, seq))
            parts.append(f)
            size += len(f)
            ends.append(size)
            seq += 1
        total_gen += seq - c.next_seq
        c.next_seq = seq
        c.buf = b"".join(parts)
        c.off = 0
        c.ends = ends
        c.end_i = 0
        return True

    def end_phase(c, now):
        """Every message written: close, half-close or wait for ACKs."""
        if a.half_close:
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError as e:
                fail(c, "shutdown: %s after %d/%d messages" % (e, c.done, a.msgs))
                return
            c.state = "fin_wait"
            c.deadline = now + a.fin_timeout
            want(c, selectors.EVENT_READ)
        elif a.wait_acked:
            c.state = "ack_wait"
            c.deadline = now + a.fin_timeout
            want(c, 0)
        else:
            finish(c)

    def pump(c, now):
        """Write as much as the socket takes."""
        nonlocal total_done
        while True:
            if c.off >= len(c.buf):
                if c.next_seq >= a.msgs:
                    end_phase(c, now)
                    return
                if not refill(c, now):
                    want(c, 0)
                    if c not in rate_wait:
                        rate_wait.append(c)
                    return
            try:
                n = c.sock.send(memoryview(c.buf)[c.off:])
            except BlockingIOError:
                want(c, selectors.EVENT_WRITE)
                return
            except OSError as e:
                fail(c, "send: %s after %d/%d messages" % (e, c.done, a.msgs))
                return
            c.off += n
            c.bytes += n
            ends = c.ends
            i = c.end_i
            while i < len(ends) and ends[i] <= c.off:
                i += 1
            total_done += i - c.end_i
            c.done += i - c.end_i
            c.end_i = i
            if c.off < len(c.buf):
                want(c, selectors.EVENT_WRITE)
                return

    # --- the loop ----------------------------------------------------------
    last_sweep = 0.0
    while finished < a.conns:
        now = time.monotonic()
        if now >= t_end:
            break
        while pending and connecting < a.parallel:
            c = pending.pop()
            if not start(c, now):
                finished += 1
        if rate_wait and tokens(now) > 0:
            waiting, rate_wait[:] = rate_wait[:], []
            for c in waiting:
                if c.state == "sending":
                    pump(c, now)
        timeout = 0.05
        if rate_wait:
            timeout = min(timeout, max(0.0005, 1.0 / a.rate))
        events = sel.select(timeout)
        now = time.monotonic()
        for key, ev in events:
            c = key.data
            if c.state == "connecting":
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(c, "connect to %s port %d: %s" % (c.dst, c.port, os.strerror(err)))
                    continue
                connecting -= 1
                try:
                    sn = c.sock.getsockname()
                except OSError as e:
                    fail(c, "getsockname: %s" % e)
                    continue
                c.src, c.sport = norm_addr(sn[0]), sn[1]
                c.state = "sending"
                pump(c, now)
            elif c.state == "sending":
                pump(c, now)
            elif c.state == "fin_wait":
                try:
                    d = c.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail(c, "waiting for FIN: %s (all %d messages written)" % (e, c.done))
                    continue
                if d:
                    c.extra_rx += len(d)
                else:
                    finish(c)
        # Deadlines and the ACK wait, a few times a second.
        if now - last_sweep >= 0.02:
            last_sweep = now
            for c in conns:
                if c.state == "connecting" and now > c.deadline:
                    fail(c, "connect to %s port %d: no answer in %.1f s"
                         % (c.dst, c.port, a.connect_timeout))
                elif c.state == "fin_wait" and now > c.deadline:
                    fail(c, "no FIN from the peer within %.1f s after half-close "
                         "(all %d messages written)" % (a.fin_timeout, c.done))
                elif c.state == "ack_wait":
                    try:
                        q = outq(c.sock)
                    except OSError as e:
                        fail(c, "SIOCOUTQ: %s" % e)
                        continue
                    if q == 0:
                        finish(c)
                    elif now > c.deadline:
                        fail(c, "%d bytes still not ACKed %.1f s after the last write"
                             % (q, a.fin_timeout))

    elapsed = time.monotonic() - t0
    for c in conns:
        if c.state in ("new",):
            c.error = "never started (--timeout %.1f s)" % a.timeout
            c.state = "failed"
        elif c.state not in ("done", "failed"):
            what = {"connecting": "connecting", "sending": "sending",
                    "fin_wait": "waiting for FIN", "ack_wait": "waiting for ACKs"}[c.state]
            fail(c, "--timeout %.1f s while %s (%d/%d messages written)"
                 % (a.timeout, what, c.done, a.msgs))

    if a.expect:
        with open(a.expect, "w") as f:
            h = gen.header()
            h.update({"conns": a.conns, "msgs": a.msgs, "framing": a.framing,
                      "half_close": a.half_close})
            f.write(json.dumps(h) + "\n")
            for c in conns:
                f.write(json.dumps({
                    "conn": c.idx, "src": c.src, "sport": c.sport, "dst": norm_addr(c.dst),
                    "dport": c.port, "framing": c.framing, "sent": c.done,
                    "ok": c.state == "done", "error": c.error}) + "\n")

    ok = [c for c in conns if c.state == "done"]
    bad = [c for c in conns if c.state != "done"]
    sent_bytes = sum(c.bytes for c in conns)
    if not a.quiet or bad:
        print("tcp_send: run=%s conns=%d ok=%d failed=%d msgs=%d/%d bytes=%d in %.2f s "
              "(%.0f msgs/s)%s"
              % (run, a.conns, len(ok), len(bad), total_done, total_target, sent_bytes,
                 elapsed, total_done / elapsed if elapsed > 0 else 0,
                 "" if not ok else
                 " half-closed, FIN seen on all ok" if a.half_close else
                 " every byte ACKed on all ok" if a.wait_acked else ""),
              file=sys.stderr)
    if bad:
        reasons = {}
        for c in bad:
            key = c.error.split(" after ")[0].split(" (")[0] if c.error else "?"
            reasons.setdefault(key, []).append(c)
        for key, cs in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            print("tcp_send: %d connection(s): %s" % (len(cs), key), file=sys.stderr)
            for c in cs[:3]:
                print("tcp_send:   conn %d %s:%s -> %s port %d: %s"
                      % (c.idx, c.src or "?", c.sport or "?", c.dst, c.port, c.error),
                      file=sys.stderr)
    return 0 if not bad else 1


def outq(sock):
    """Bytes in the send queue not yet ACKed (SIOCOUTQ)."""
    import fcntl
    import struct
    import termios
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("tcp_send: interrupted", file=sys.stderr)
        sys.exit(1)
