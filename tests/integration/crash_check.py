#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Helper of test_crash.sh.
#
# usage: crash_check.py prep CAPTURE.pcap EXPECT.jsonl OUTDIR
#            writes OUTDIR/expect.raw (each sent message + LF, in capture
#            order: what `sluice-cat --format raw` prints for them) and
#            OUTDIR/table.bin; prints the number of messages. Fails unless
#            the capture holds exactly one packet per message.
#        crash_check.py loss OUTDIR BOUND_BYTES ROUNDS.tsv
#            ROUNDS.tsv lines: "ROUND DELAY_MS POS STORED" (POS: the capture
#            file's read offset in the stopped sluice, -1 if unknown).
#            Taken in <= F = packets lying wholly before POS (the capture is
#            read in order, so this bounds what sluice had read); lost <= the
#            record bytes (64 + len) of messages STORED..F-1. Prints one TAP-like
#            line per round ("ok ROUND ..." / "not ok ROUND ...") and a summary.
import array
import base64
import bisect
import json
import struct
import sys


def prep(pcap, expect, outdir):
    ends = array.array('q')
    with open(pcap, 'rb') as f:
        data = f.read()
    magic = struct.unpack_from('<I', data, 0)[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        sys.exit('not a little-endian pcap')
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from('<I', data, off + 8)[0]
        off += 16 + caplen
        ends.append(off)
    recb = array.array('q', [0])
    n = 0
    with open(expect, 'rb') as f, open(outdir + '/expect.raw', 'wb') as raw:
        for line in f:
            r = json.loads(line)
            if 'msg_b64' in r:
                m = base64.b64decode(r['msg_b64'])
            else:
                m = r['msg'].encode('utf-8', 'surrogatepass')
            raw.write(m + b'\n')
            recb.append(recb[-1] + 64 + len(m))
            n += 1
    if n != len(ends):
        sys.exit('capture has %d packets for %d messages: want one each' % (len(ends), n))
    with open(outdir + '/table.bin', 'wb') as f:
        f.write(struct.pack('<q', n))
        ends.tofile(f)
        recb.tofile(f)
    print(n)


def loss(outdir, bound, rounds):
    with open(outdir + '/table.bin', 'rb') as f:
        n = struct.unpack('<q', f.read(8))[0]
        ends = array.array('q')
        ends.fromfile(f, n)
        recb = array.array('q')
        recb.fromfile(f, n + 1)
    worst = 0
    bad = 0
    for line in open(rounds):
        rnd, delay, pos, stored = line.split()[:4]
        pos, stored = int(pos), int(stored)
        if pos < 0:
            print('not ok %s - round %s: read offset unknown' % (rnd, rnd))
            bad += 1
            continue
        f = bisect.bisect_right(ends, pos)  # packets wholly before pos
        if stored > f:
            print('not ok %s - round %s: %d stored but at most %d read (pos %d)' % (rnd, rnd, stored, f, pos))
            bad += 1
            continue
        lost = recb[f] - recb[stored]
        worst = max(worst, lost)
        verdict = 'ok' if lost <= bound else 'not ok'
        if lost > bound:
            bad += 1
        print('%s %s - round %s (kill at %s ms): read <= %d, stored %d, lost <= %d msgs / %d record bytes (bound %d)'
              % (verdict, rnd, rnd, delay, f, stored, f - stored, lost, bound))
    print('worst %d' % worst)
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'prep':
        prep(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == 'loss':
        sys.exit(loss(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    else:
        sys.stderr.write('usage: crash_check.py prep PCAP EXPECT OUTDIR | loss OUTDIR BOUND ROUNDS.tsv\n')
        sys.exit(2)
