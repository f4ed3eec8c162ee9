#!/usr/bin/env python3
"""Helpers for deploy/pktgen/run-veth (and for hand use with pktgen-DPDK).

  pgtool.py pct --pcap F.pcap --pps N [--link-mbps 10000]
      The average frame of the capture as pktgen counts it (each frame at
      least 60 and at most 1514 bytes, no FCS) and the `set 0 rate`
      percentage that asks for N packets/s on a link of --link-mbps:
          pct = N * (avg_frame + 24) * 8 / (link_mbps * 1e6) * 100
      (24 = preamble 7 + SFD 1 + inter-frame gap 12 + FCS 4, pktgen's
      PKT_OVERHEAD_SIZE). Prints "avg_frame=.. wire_bytes=.. pct=.. pps_at_100=..".

  pgtool.py poll --prefix P [--port 0] [--interval 0.5] [--seconds 60] --out F
      Reads /ethdev/stats,PORT from the DPDK telemetry socket of the process
      started with --file-prefix P (/var/run/dpdk/P/dpdk_telemetry.v2) every
      INTERVAL seconds until the socket goes away or SECONDS pass; writes one
      JSON object a line to F ({"t": unix time, "stats": {...}}), the last
      line being the last reading. Waits up to 30 s for the socket to appear.

  pgtool.py last F
      key=value of the last reading in F (opackets, obytes, oerrors,
      ipackets, imissed, rx_nombuf, ...), plus t_first_tx / t_last_tx: the
      times of the first reading with opackets > 0 and of the first reading
      that has the final opackets; tx_secs, how long pktgen sent (from the
      midpoints of the readings around the start and the stop, +- half the interval);
      tx_pps = opackets / tx_secs; steady_pps, the median rate of the
      intervals between readings while it sent (ramps left out).

No third-party modules; Python 3.7+.
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

OVERHEAD = 24  # pktgen PKT_OVERHEAD_SIZE: IFG 12 + SFD 1 + preamble 7 + FCS 4
MIN_FRAME = 60  # RTE_ETHER_MIN_LEN - FCS
MAX_FRAME = 1514  # RTE_ETHER_MAX_LEN - FCS (no -j)


def avg_frame(path):
    """Average frame length of a pcap as pktgen_pcap_parse computes it."""
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise SystemExit('%s: not a pcap file' % path)
        magic = struct.unpack('<I', hdr[:4])[0]
        if magic == 0xa1b2c3d4:
            endian = '<'
        elif magic == 0xd4c3b2a1:
            endian = '>'
        elif magic in (0xa1b23c4d, 0x4d3cb2a1):
            raise SystemExit('%s: nanosecond pcap: pktgen 23.06 reads microsecond pcap only '
                             '(sluice-gen without --nsec)' % path)
        else:
            raise SystemExit('%s: not a pcap file (pktgen reads neither pcapng nor others)' % path)
        n = tot = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack(endian + 'IIII', rec)[2]
            f.seek(incl, 1)
            n += 1
            tot += min(max(incl, MIN_FRAME), MAX_FRAME)
    if n == 0:
        raise SystemExit('%s: no packets' % path)
    return tot // n, n


def cmd_pct(a):
    frame, n = avg_frame(a.pcap)
    wire_bits = (frame + OVERHEAD) * 8
    # pktgen_packet_rate(): pps = (link_bps / wire_bits) * rate / 100, the
    # division in integers.
    at100 = (a.link_mbps * 1000000) // wire_bits
    if a.pps <= 0:
        pct = 100.0
    else:
        pct = min(100.0, a.pps * 100.0 / at100)
    print('packets=%d avg_frame=%d wire_bytes=%d pps_at_100=%d pct=%.6f pps_asked=%d'
          % (n, frame, frame + OVERHEAD, at100, pct, int(at100 * pct / 100)))


def telemetry_query(sock, cmd, maxlen):
    sock.send(cmd.encode())
    return json.loads(sock.recv(maxlen).decode())


def cmd_poll(a):
    path = '/var/run/dpdk/%s/dpdk_telemetry.v2' % a.prefix
    t_end = time.time() + a.seconds
    deadline = time.time() + 30
    sock = None
    while time.time() < deadline:
        if os.path.exists(path):
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                sock.connect(path)
                break
            except OSError:
                sock.close()
                sock = None
        time.sleep(0.2)
    if sock is None:
        sys.exit('pgtool: no telemetry socket %s' % path)
    info = json.loads(sock.recv(1024).decode())
    maxlen = int(info.get('max_output_len', 16384))
    n = 0
    with open(a.out, 'w') as out:
        while time.time() < t_end:
            try:
                r = telemetry_query(sock, '/ethdev/stats,%d' % a.port, maxlen)
            except (OSError, ValueError):
                break
            st = r.get('/ethdev/stats')
            if isinstance(st, dict):
                # Per-queue arrays are left out: totals only.
                st = {k: v for k, v in st.items() if not isinstance(v, list)}
                out.write(json.dumps({'t': round(time.time(), 3), 'stats': st}) + '\n')
                out.flush()
                n += 1
            time.sleep(a.interval)
    sock.close()
    if n == 0:
        sys.exit('pgtool: no reading from %s' % path)


def cmd_last(a):
    rows = []
    try:
        with open(a.file) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    if not rows:
        print('readings=0')
        return
    last = rows[-1]['stats']
    final = last.get('opackets', 0)
    t_first = next((r['t'] for r in rows if r['stats'].get('opackets', 0) > 0), 0)
    t_last = next((r['t'] for r in rows if r['stats'].get('opackets', 0) == final), 0)
    # When pktgen sent: TX started between the last reading at 0 and the
    # first above 0, and ended between the last reading below the final
    # count and the first at it; the midpoints give the window (+- half
    # the interval). tx_pps is the mean over that window;
    # steady_pps the median rate of the intervals inside it (start-up
    # ramps and the stop left out).
    tx_secs = tx_pps = steady = 0
    i_first = next((i for i, r in enumerate(rows) if r['stats'].get('opackets', 0) > 0), None)
    i_final = next((i for i, r in enumerate(rows) if r['stats'].get('opackets', 0) == final), None)
    if i_first is not None and i_first > 0 and i_final is not None and i_final > i_first:
        t_start = (rows[i_first - 1]['t'] + rows[i_first]['t']) / 2
        t_stop = (rows[i_final - 1]['t'] + rows[i_final]['t']) / 2
        tx_secs = t_stop - t_start
        tx_pps = final / tx_secs if tx_secs > 0 else 0
        rates = sorted((rows[i + 1]['stats']['opackets'] - rows[i]['stats']['opackets'])
                       / (rows[i + 1]['t'] - rows[i]['t'])
                       for i in range(i_first, i_final - 1) if rows[i + 1]['t'] > rows[i]['t'])
        if rates:
            steady = rates[len(rates) // 2]
    print('readings=%d' % len(rows))
    for k in sorted(last):
        print('%s=%s' % (k, last[k]))
    print('t_first_tx=%.3f' % t_first)
    print('t_last_tx=%.3f' % t_last)
    print('tx_secs=%.2f' % tx_secs)
    print('tx_pps=%d' % tx_pps)
    print('steady_pps=%d' % steady)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('pct')
    p.add_argument('--pcap', required=True)
    p.add_argument('--pps', type=int, required=True, help='0 = line rate (100%%)')
    p.add_argument('--link-mbps', type=int, default=10000,
                   help='link speed pktgen sees (net_af_packet reports 10000)')
    p = sub.add_parser('poll')
    p.add_argument('--prefix', required=True)
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--interval', type=float, default=0.5)
    p.add_argument('--seconds', type=float, default=60)
    p.add_argument('--out', required=True)
    p = sub.add_parser('last')
    p.add_argument('file')
    a = ap.parse_args()
    {'pct': cmd_pct, 'poll': cmd_poll, 'last': cmd_last}[a.cmd](a)


if __name__ == '__main__':
    main()
