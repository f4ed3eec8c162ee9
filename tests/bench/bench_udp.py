#!/usr/bin/env python3
"""Whole-path UDP benchmark: a sluice-gen capture replayed from memory
(net_pcap infinite_rx=1) through decode, shard, zstd and the segment writer.

Prints msg/s, MB/s, ns/msg per worker lcore and CPU-seconds; appends nothing
by itself: copy the printed line into docs/BENCHMARKS.md with the machine.

  tests/bench/bench_udp.py [--build build] [--lcores 0,1] [--seconds 10]
                           [--count 20000] [--zstd-level 1] [--keep]
"""
import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def counters(text):
    """Sum every 'module[instance]: k=v ...' counter over instances."""
    tot = {}
    for line in text.splitlines():
        m = re.match(r'^(\w+)\[[^\]]*\]:(.*)$', line)
        if not m:
            continue
        for k, v in re.findall(r'(\w+)=(\d+)', m.group(2)):
            key = m.group(1) + '.' + k
            tot[key] = tot.get(key, 0) + int(v)
    summ = re.search(r'^summary: (.*)$', text, re.M)
    if summ:
        for k, v in re.findall(r'(\w+)=([\d.]+)', summ.group(1)):
            tot['summary.' + k] = float(v)
    return tot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--lcores', default='0,1')
    ap.add_argument('--seconds', type=float, default=10)
    ap.add_argument('--count', type=int, default=20000)
    ap.add_argument('--flows', type=int, default=256)
    ap.add_argument('--zstd-level', default='1')
    ap.add_argument('--extra', default='', help='more sluice flags')
    ap.add_argument('--keep', action='store_true')
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix='sl-bench-')
    pcap = os.path.join(tmp, 'bench.pcap')
    out = os.path.join(tmp, 'out')
    try:
        subprocess.run([os.path.join(a.build, 'app/sluice-gen/sluice-gen'),
                        '--out', pcap, '--expect', os.path.join(tmp, 'exp.jsonl'),
                        '--count', str(a.count), '--flows', str(a.flows),
                        '--frag-pct', '0', '--seed', '1'],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = [os.path.join(a.build, 'app/sluice/sluice'),
               '-l', a.lcores, '--no-pci', '--no-huge', '-m', '2048',
               '--file-prefix', 'sl-bench-%d' % os.getpid(),
               '--log-level', 'pmd.*:error',
               '--vdev', 'net_pcap0,rx_pcap=%s,infinite_rx=1' % pcap,
               '--', '--out', out, '--stats-interval', '0',
               '--zstd-level', a.zstd_level,
               '--extra-mbufs', str(a.count + 4096)] + a.extra.split()
        t0 = time.time()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Wait for the plan (start-up loads the capture into mbufs).
        buf = ''
        while 'plan: out' not in buf:
            line = p.stdout.readline()
            if not line:
                print(buf, file=sys.stderr)
                sys.exit('sluice exited during start-up')
            buf += line
        t_start = time.time()
        time.sleep(a.seconds)
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=120)
        t_stop = time.time()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        text = buf + rest
        if p.returncode != 0:
            print(text, file=sys.stderr)
            sys.exit('sluice exited with %d' % p.returncode)
        c = counters(text)
        secs = t_stop - t_start
        stored = c.get('store.records', 0)
        raw = c.get('shard.bytes', 0)
        bytes_in = c.get('store.bytes_in', 0)
        bytes_out = c.get('store.bytes_out', 0)
        msgs = c.get('worker.msgs', 0)
        busy = c.get('summary.worker_ns_per_msg', 0)
        dropped = int(c.get('summary.dropped', 0))
        filtered = int(c.get('summary.filtered', 0))
        n_workers = len([l for l in text.splitlines() if l.startswith('plan: worker')])
        cpu = ru.ru_utime + ru.ru_stime
        print('lcores=%s workers=%d zstd=%s seconds=%.1f' % (a.lcores, n_workers, a.zstd_level, secs))
        print('msgs=%d stored=%d dropped=%d filtered=%d msg_bytes=%d record_bytes=%d disk_bytes=%d ratio=%.1f'
              % (msgs, stored, dropped, filtered, raw, bytes_in, bytes_out,
                 bytes_in / bytes_out if bytes_out else 0))
        # msg/s: stored per second; in_msg/s: taken in (stored + filtered
        # by rules + dropped) per second, the figure to compare with rules.
        print('RESULT msg/s=%.0f in_msg/s=%.0f MB/s=%.1f ns/msg/worker(wall)=%.1f ns/msg/worker(busy)=%.1f cpu_s=%.1f avg_msg=%.0f'
              % (stored / secs, msgs / secs, raw / secs / 1e6,
                 secs * 1e9 * max(n_workers, 1) / msgs if msgs else 0, busy, cpu,
                 raw / stored if stored else 0))
    finally:
        if a.keep:
            print('kept', tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
