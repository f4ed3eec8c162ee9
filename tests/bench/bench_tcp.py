#!/usr/bin/env python3
"""Whole-path TCP benchmark: sluice's own TCP against its UDP path, per
message, on the same footing, in memory.

sluice runs as the net_memif server on one lcore (-l 0: that lcore
receives, frames, parses, compresses and writes); tests/bench/tcp_blast, a
DPDK load generator, runs as the memif client on the other CPU (-l 1). For
each (connections, messages per segment) it opens the connections with a
Linux-like handshake, sends ~140-byte LF-terminated syslog messages (K per
segment) inside sluice's advertised window for --seconds, FINs, then the
script stops sluice with SIGINT and reads its final counters. Then the same
messages as UDP datagrams (one per datagram), as fast as sluice takes them.

Kernel senders over veth reach ~100k packets/s on this VM; tcp_blast
reaches several million messages/s from one lcore, so sluice is the limit.

  tests/bench/bench_tcp.py [--build build] [--seconds 10] [--conns 1,16,256]
                           [--k 1,8] [--octet] [--repeat 1] [--no-udp]
                           [--no-verify] [--extra "sluice flags"] [--keep]

Columns: stored/s = records sluice stored / tcp_blast's sending time;
worker ns/msg = sluice's summary worker_ns_per_msg (worker lcore time on
non-empty RX bursts per message: decode, TCP, framing, parse, shard; not
the compression); TCP/UDP = that figure over the UDP run's.
Prints nothing into docs: copy the table into docs/BENCHMARKS.md with the
machine and the load.
"""
import argparse
import collections
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


# The counter reader is bench_udp.py's (same directory).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_udp import counters  # noqa: E402


class Proc:
    """A child whose output is read by a thread (no pipe can fill up)."""

    def __init__(self, cmd, log, cwd=None, core=False):
        self.log = open(log, 'w')
        self.lines = []

        def pre():
            if core:  # a crash leaves a core in cwd (kernel.core_pattern 'core')
                resource.setrlimit(resource.RLIMIT_CORE,
                                   (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True, cwd=cwd, preexec_fn=pre)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)
            self.log.write(line)
        self.log.flush()

    def text(self):
        return ''.join(self.lines)

    def wait_for(self, what, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if any(what in l for l in self.lines):
                return True
            if self.p.poll() is not None:
                time.sleep(0.1)
                return any(what in l for l in self.lines)
            time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGINT, timeout=60):
        """Signal, wait bounded, then kill. @return the exit code (None if killed)."""
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        self.t.join(timeout=10)
        self.log.close()
        return self.p.returncode

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def run_one(a, tmp, n, blast_args, sluice_extra, secs_timeout):
    """One sluice + one tcp_blast. @return (blast RESULT dict, counters, sluice text, out dir)."""
    sock = os.path.join(tmp, 'memif-%d.sock' % n)
    out = os.path.join(tmp, 'out-%d' % n)
    tag = 'sl-btcp-%d-%d' % (os.getpid(), n)
    sluice = [os.path.join(a.build, 'app/sluice/sluice'),
              '-l', a.sluice_lcores, '--no-pci', '--no-huge', '-m', '2048',
              '--file-prefix', tag, '--log-level', 'pmd.*:error',
              '--vdev', 'net_memif0,role=server,socket=%s,socket-abstract=no,id=0' % sock,
              '--', '--out', out, '--listen', '10.77.0.1/24', '--tcp', '514', '--udp', '514',
              '--stats-interval', '0', '--flush-ms', '100'] + sluice_extra + a.extra.split()
    blast = [os.path.join(a.build, 'tests/bench/tcp_blast'),
             '-l', a.blast_lcores, '--no-pci', '--no-huge', '-m', '512',
             '--file-prefix', tag + '-blast', '--log-level', 'pmd.*:error',
             '--vdev', 'net_memif0,role=client,socket=%s,socket-abstract=no,id=0' % sock,
             '--', '--dst', '10.77.0.1', '--linger', '300'] + blast_args
    s = Proc(sluice, os.path.join(tmp, 'sluice-%d.log' % n), cwd=tmp, core=True)
    b = None
    try:
        if not s.wait_for('plan: out', 60) or not os.path.exists(sock):
            s.kill()
            sys.exit('sluice did not start:\n' + s.text())
        b = Proc(blast, os.path.join(tmp, 'blast-%d.log' % n))
        # tcp_blast prints RESULT, then holds its memif port open and idle
        # (--linger) until sluice has stopped: a memif peer that goes away
        # while the other side still polls is a race inside the PMD.
        if not b.wait_for('RESULT ', secs_timeout):
            b.stop(signal.SIGINT, 15)
            print('tcp_blast timed out or failed:\n' + b.text(), file=sys.stderr)
        # Let sluice take what is still in the memif ring (UDP: up to a
        # ring of datagrams the sender handed over but sluice had not
        # polled yet; TCP: our last ACK) before it stops RX.
        time.sleep(a.settle)
        rc = s.stop(signal.SIGINT, 120)
        b.stop(signal.SIGINT, 30)
        text = s.text()
        if rc != 0:
            cores = [f for f in os.listdir(tmp) if f.startswith('core')]
            if cores:
                a.keep = True
                print('sluice left %s in %s' % (cores, tmp), file=sys.stderr)
            sys.exit('sluice exited with %s:\n%s' % (rc, text))
    finally:
        s.kill()
        if b is not None:
            b.kill()
        try:
            os.unlink(sock)
        except FileNotFoundError:
            pass
    bt = b.text()
    m = re.search(r'^RESULT (.*)$', bt, re.M)
    if not m:
        sys.exit('tcp_blast printed no RESULT:\n' + bt)
    res = {}
    for k, v in re.findall(r'(\w+)=([\w.\-]+)', m.group(1)):
        try:
            res[k] = float(v)
        except ValueError:
            res[k] = v
    res['errors'] = [l for l in bt.splitlines() if 'ERROR' in l]
    return res, counters(text), text, out


def check_content(a, out, conns, per_conn):
    """Every (connection, seq) stored exactly once: no loss, no duplicate."""
    cat = subprocess.run([os.path.join(a.build, 'app/sluice-cat/sluice-cat'), '--count', out],
                         capture_output=True, text=True, timeout=120)
    count = int(cat.stdout.strip() or -1)
    raw = subprocess.Popen([os.path.join(a.build, 'app/sluice-cat/sluice-cat'), '--format', 'raw', out],
                           stdout=subprocess.PIPE)
    seen = collections.Counter()
    bad = 0
    pat = re.compile(rb' host-(\d{5}) app - - - seq=(\d{10}) ')
    for line in raw.stdout:
        mm = pat.search(line)
        if not mm:
            bad += 1
            continue
        seen[(int(mm.group(1)), int(mm.group(2)))] += 1
    raw.wait(timeout=120)
    dups = sum(v - 1 for v in seen.values() if v > 1)
    missing = sum(1 for c in range(conns) for q in range(per_conn) if (c, q) not in seen)
    return count, len(seen), dups, missing, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--seconds', type=float, default=10)
    ap.add_argument('--conns', default='1,16,256')
    ap.add_argument('--k', default='1,8', help='messages per segment')
    ap.add_argument('--octet', action='store_true', help='octet-counted framing instead of LF')
    ap.add_argument('--repeat', type=int, default=1)
    ap.add_argument('--no-udp', action='store_true')
    ap.add_argument('--no-verify', action='store_true')
    ap.add_argument('--udp-conns', type=int, default=16, help='UDP flows (source ports)')
    ap.add_argument('--udp-backpressure', default='on',
                    help="sluice --rx-backpressure for the UDP run (on: lossless, like TCP's window)")
    ap.add_argument('--sluice-lcores', default='0')
    ap.add_argument('--blast-lcores', default='1')
    ap.add_argument('--extra', default='', help='more sluice flags (every run)')
    ap.add_argument('--settle', type=float, default=1.0,
                    help='seconds between the end of tcp_blast and SIGINT to sluice')
    ap.add_argument('--keep', action='store_true')
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    # SIGTERM cleans up like Ctrl-C: children are killed, files removed.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    for exe in ('app/sluice/sluice', 'app/sluice-cat/sluice-cat', 'tests/bench/tcp_blast'):
        if not os.access(os.path.join(a.build, exe), os.X_OK):
            sys.exit('%s/%s is missing: ninja -C %s %s' % (a.build, exe, a.build, exe))
    tmp = tempfile.mkdtemp(prefix='sl-btcp-')
    framing = ['--octet'] if a.octet else []
    tmo = a.seconds + 60
    rows = []
    fails = 0
    n = 0
    t_all = time.time()
    try:
        with open('/proc/loadavg') as f:
            print('load before: %s' % f.read().split()[0], flush=True)
        if not a.no_verify:
            conns, per = 16, 20000
            res, c, text, out = run_one(a, tmp, n, ['--conns', str(conns), '--k', '8',
                                                    '--msgs', str(per)] + framing, [], tmo)
            n += 1
            count, distinct, dups, missing, bad = check_content(a, out, conns, per)
            want = conns * per
            stored = int(c.get('summary.stored', 0))
            ok = (res['msgs'] == want and res['acked'] == want and stored == want and
                  count == want and distinct == want and dups == 0 and missing == 0 and
                  bad == 0 and int(res['closed']) == conns and
                  c.get('tcp.conn_closed', 0) == conns and int(c.get('summary.dropped', 0)) == 0 and
                  c.get('tcp.conn_aborted', 0) == 0 and c.get('tcp.rst_sent', 0) == 0 and
                  not res['errors'])
            print('verify: %d conns x %d msgs (8/segment): tcp_blast sent=%d acked=%d closed=%d retrans=%d; '
                  'sluice tcp.msgs=%d stored=%d dropped=%d conn_closed=%d conn_aborted=%d; sluice-cat --count=%d; '
                  'distinct (conn,seq)=%d duplicates=%d missing=%d unparsed=%d: %s'
                  % (conns, per, res['msgs'], res['acked'], res['closed'], res['retrans'],
                     c.get('tcp.msgs', 0), stored, c.get('summary.dropped', 0),
                     c.get('tcp.conn_closed', 0), c.get('tcp.conn_aborted', 0), count, distinct, dups, missing, bad,
                     'OK' if ok else 'FAILED'), flush=True)
            for e in res['errors']:
                print('  ' + e)
            fails += not ok
            shutil.rmtree(out, ignore_errors=True)

        plan = []
        for _ in range(a.repeat):
            for conns in [int(x) for x in a.conns.split(',') if x]:
                for k in [int(x) for x in a.k.split(',') if x]:
                    plan.append(('tcp', conns, k))
            if not a.no_udp:
                plan.append(('udp', a.udp_conns, 1))
        for mode, conns, k in plan:
            if mode == 'tcp':
                bargs = ['--conns', str(conns), '--k', str(k), '--seconds', str(a.seconds)] + framing
                sx = []
            else:
                bargs = ['--udp', '--conns', str(conns), '--seconds', str(a.seconds)]
                sx = ['--rx-backpressure', a.udp_backpressure]
            res, c, text, out = run_one(a, tmp, n, bargs, sx, tmo)
            n += 1
            shutil.rmtree(out, ignore_errors=True)
            el = res['elapsed'] or 1
            stored = c.get('summary.stored', 0)
            row = {
                'mode': mode + ('-octet' if a.octet and mode == 'tcp' else ''),
                'conns': conns, 'k': k,
                'sent_s': res['acked'] / el,
                'stored_s': stored / el,
                'ns': c.get('summary.worker_ns_per_msg', 0),
                'stored': int(stored), 'sent': int(res['acked']),
                'dropped': int(c.get('summary.dropped', 0)),
                'segs_per_ack': (c.get('tcp.segs_in', 0) / c['tcp.acks_sent']
                                 if c.get('tcp.acks_sent') else 0),
                'zwin': int(c.get('tcp.zero_window', 0)),
                'held': int(c.get('shard.held_back', 0)),
                'paused': int(c.get('worker.rx_paused', 0)),
                'retrans': int(res['retrans']),
                'errors': res['errors'],
            }
            lost = row['sent'] - row['stored'] - row['dropped']
            print('%-9s conns=%-4d k=%d sent/s=%.0f stored/s=%.0f worker_ns/msg=%.1f stored=%d '
                  'sent=%d dropped=%d unaccounted=%d segs/ack=%.1f zero_window=%d held_back=%d '
                  'rx_paused=%d retrans=%d%s'
                  % (row['mode'], conns, k, row['sent_s'], row['stored_s'], row['ns'],
                     row['stored'], row['sent'], row['dropped'], lost, row['segs_per_ack'],
                     row['zwin'], row['held'], row['paused'], row['retrans'],
                     ' ERRORS' if row['errors'] else ''), flush=True)
            for e in row['errors'][:5]:
                print('  ' + e)
            if lost != 0 or row['errors']:
                fails += 1
            rows.append(row)

        # the table: medians would need more runs; each run is listed
        udp = [r['ns'] for r in rows if r['mode'] == 'udp']
        udp_ns = sorted(udp)[len(udp) // 2] if udp else 0
        with open('/proc/loadavg') as f:
            load = f.read().split()[0]
        print()
        print('sluice -l %s, tcp_blast -l %s, %.0f s per run, ~140-byte messages, %s framing; '
              'UDP with --rx-backpressure %s; load after %s; total %.0f s'
              % (a.sluice_lcores, a.blast_lcores, a.seconds, 'octet' if a.octet else 'LF',
                 a.udp_backpressure, load, time.time() - t_all))
        print('| mode | conns | msgs/segment | msgs/s stored | worker ns/msg | TCP/UDP ns/msg | segments/ACK |')
        print('|---|---|---|---|---|---|---|')
        for r in rows:
            ratio = '%.2f' % (r['ns'] / udp_ns) if udp_ns and r['mode'] != 'udp' else '-'
            print('| %s | %d | %d | %.2f M | %.1f | %s | %s |'
                  % (r['mode'], r['conns'], r['k'], r['stored_s'] / 1e6, r['ns'], ratio,
                     '%.1f' % r['segs_per_ack'] if r['segs_per_ack'] else '-'))
        if fails:
            print('\n%d run(s) with errors or unaccounted messages' % fails)
        return 1 if fails else 0
    finally:
        if a.keep:
            print('kept', tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
