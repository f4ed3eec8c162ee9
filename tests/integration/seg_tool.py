#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Segment helper for the storage tests (docs/FORMAT.md, independent of the
# C reader): reads a sealed segment's trailer and index, and flips bytes.
#
# usage: seg_tool.py frames DIR|FILE...   one line per data frame of every
#            sealed segment: "PATH SHARD OFFSET CSIZE NREC FIRST_SEQ MIN_NS MAX_NS"
#            (sorted by path, then offset); exit 1 if a segment is not sealed
#        seg_tool.py layout FILE         "index_off=N index_len=N trailer_off=N
#            nframes=N nrec=N first_seq=N" of one sealed segment
#        seg_tool.py flip FILE OFFSET    XOR the byte at OFFSET with 0xFF
#        seg_tool.py count-range T U DIR|FILE...   number of frames whose
#            [min_ns, max_ns] meets [T, U) (U = 0: no upper bound)
import os
import struct
import sys

SKIP = 0x184D2A55
TRL_LEN = 88


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


CRC_TABLE = _crc_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def segments(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                out += [os.path.join(root, f) for f in files if f.endswith('.zst')]
        else:
            out.append(p)
    return sorted(out)


def layout(path):
    """Trailer and index of a sealed segment, checked; raises ValueError."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 168 + TRL_LEN:
        raise ValueError('%s: too short to be sealed' % path)
    hdr = data[8:168]
    if struct.unpack_from('<I', data, 0)[0] != SKIP or hdr[0:4] != b'SLS1':
        raise ValueError('%s: no segment header' % path)
    shard = struct.unpack_from('<H', hdr, 8)[0]
    t = data[-TRL_LEN:]
    magic, length = struct.unpack_from('<II', t, 0)
    p = t[8:]
    if magic != SKIP or length != 80 or p[0:4] != b'SLT1':
        raise ValueError('%s: no trailer' % path)
    if crc32c(p[0:76]) != struct.unpack_from('<I', p, 76)[0]:
        raise ValueError('%s: trailer CRC' % path)
    index_off, index_len, index_crc, nframes = struct.unpack_from('<QIII', p, 8)
    nrec, first_seq = struct.unpack_from('<QQ', p, 32)
    ipl = data[index_off + 8:index_off + 8 + index_len]
    if crc32c(ipl) != index_crc:
        raise ValueError('%s: index CRC' % path)
    if ipl[0:4] != b'SLI1':
        raise ValueError('%s: index magic' % path)
    hdr_len, ent_len, _, nent = struct.unpack_from('<HHHI', ipl, 6)
    frames = []
    for i in range(nent):
        o = hdr_len + i * ent_len
        off, csize, raw_len, fnrec, _, fseq, mn, mx = struct.unpack_from('<QIIIIQQQ', ipl, o)
        frames.append((off, csize, fnrec, fseq, mn, mx))
    return {
        'shard': shard, 'index_off': index_off, 'index_len': index_len,
        'trailer_off': len(data) - TRL_LEN, 'nframes': nframes, 'nrec': nrec,
        'first_seq': first_seq, 'frames': frames,
    }


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__ or 'usage: seg_tool.py frames|layout|flip|count-range ...\n')
        return 2
    cmd = argv[1]
    try:
        if cmd == 'frames':
            for s in segments(argv[2:]):
                lay = layout(s)
                for fr in lay['frames']:
                    print(s, lay['shard'], *fr)
        elif cmd == 'layout':
            lay = layout(argv[2])
            print(' '.join('%s=%d' % (k, lay[k]) for k in
                           ('index_off', 'index_len', 'trailer_off', 'nframes', 'nrec', 'first_seq')))
        elif cmd == 'flip':
            off = int(argv[3])
            with open(argv[2], 'r+b') as f:
                f.seek(off)
                b = f.read(1)
                if len(b) != 1:
                    raise ValueError('offset %d past the end' % off)
                f.seek(off)
                f.write(bytes([b[0] ^ 0xFF]))
        elif cmd == 'count-range':
            t, u = int(argv[2]), int(argv[3])
            n = 0
            for s in segments(argv[4:]):
                for fr in layout(s)['frames']:
                    mn, mx = fr[4], fr[5]
                    if mx >= t and (u == 0 or mn < u):
                        n += 1
            print(n)
        else:
            sys.stderr.write('seg_tool.py: unknown command %s\n' % cmd)
            return 2
    except (ValueError, OSError, struct.error) as e:
        sys.stderr.write('seg_tool.py: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
