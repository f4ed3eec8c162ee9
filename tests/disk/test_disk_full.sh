#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Disk full. A 64 MiB ext4 image is loop-mounted (mkfs.ext4 -m 0, no blocks
# reserved for root) and a filler file leaves ~1 MiB free. sluice ingests an
# endless replay (net_pcap infinite_rx=1 of a 20,000-message capture) into
# it on one lcore with --zstd-level 19 (slow compression keeps the write
# rate around 0.5 MB/s, so the filler alone decides when the disk is full)
# and --stats-interval 1. Steps and assertions:
#   1. the disk fills: a periodic counter line shows drop_disk_full > 0
#      within 20 s, and the log says "disk full";
#   2. the filler is deleted while sluice runs (time t_free); a periodic line
#      then shows more records stored than before, within 15 s;
#   3. SIGTERM: sluice exits 0 within 30 s and prints its final counters (no
#      crash, no hang);
#   4. the counters explain every message: summary msgs = stored + the sum of
#      every drop_* counter of the store[...] and shard[...] lines, with
#      drop_disk_full > 0;
#   5. `sluice-cat --count` = stored, and records received after t_free are
#      stored (`sluice-cat --count --since t_free` > 0): ingestion resumed;
#   6. `sluice-cat --verify` passes (nothing half-written was left behind).
#   Health (--metrics): /healthz answers 503 "disk full" while it is, and
#   200 again once the filler is gone.
# Phase 2: a second filler leaves ~1 MiB free again, sluice restarts into the
# same tree, the disk fills (1 again), and SIGTERM comes while it is still
# full: 3, 4 (the frames kept in memory that cannot be written are lost at
# shutdown, and must be counted), `sluice-cat --count` = phase 1 + stored,
# and 6.
# Needs root (mount, losetup); prints "1..0 # SKIP" otherwise or when loop
# devices are not available. The EXIT trap kills sluice, unmounts (bounded
# retries, then lazily) and detaches the loop device.
#
# usage: test_disk_full.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir (the image is always unmounted)
# Prints TAP; exits non-zero on failure. ~20 s.
set -u
BUILD=$(cd "${1:?usage: test_disk_full.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$BUILD/app/sluice-gen/sluice-gen
SLUICE=$BUILD/app/sluice/sluice
CAT=$BUILD/app/sluice-cat/sluice-cat
PREFIX=sl-disk-$$
. "$HERE/../integration/tap.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (mount -o loop)"
	exit 0
fi
it_scratch sl-disk "$PREFIX"
SPID=
LOOP=
MNT=$T/mnt
disk_cleanup() {
	if [ -n "$SPID" ]; then
		kill -KILL "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
	fi
	if mountpoint -q "$MNT" 2>/dev/null; then
		for _ in 1 2 3 4 5; do
			umount "$MNT" 2>/dev/null && break
			sleep 0.5
		done
		mountpoint -q "$MNT" && umount -l "$MNT"
	fi
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	it_cleanup
}
trap disk_cleanup EXIT

it_need "$GEN" "$SLUICE" "$CAT"
for t in mkfs.ext4 losetup mountpoint; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

truncate -s 64M "$T/fs.img"
if ! mkfs.ext4 -q -F -m 0 "$T/fs.img" >"$T/mkfs.err" 2>&1 ||
	! LOOP=$(losetup -f --show "$T/fs.img" 2>"$T/losetup.err"); then
	echo "1..0 # SKIP no loop device: $(head -c 200 "$T/losetup.err" "$T/mkfs.err" | tr '\n' ' ')"
	exit 0
fi
mkdir -p "$MNT"
if ! mount "$LOOP" "$MNT" 2>"$T/mount.err"; then
	echo "1..0 # SKIP cannot mount $LOOP: $(head -c 200 "$T/mount.err")"
	exit 0
fi
mkdir -p "$MNT/out"
# fill NAME: a filler file that leaves ~1 MiB free
fill() {
	local free
	free=$(df -B1 --output=avail "$MNT" | tail -1)
	dd if=/dev/zero of="$MNT/$1" bs=64K count=$(((free - (1 << 20)) / 65536)) status=none 2>"$T/dd.err"
}
fill filler
ok "64 MiB ext4 on $LOOP, filler leaves $(df -B1 --output=avail "$MNT" | tail -1) bytes free"

it_gen --out "$T/in.pcap" --count 20000 --flows 64 --seed 9
MPORT=$(it_free_port)
MURL=http://127.0.0.1:$MPORT

start() {
	"$SLUICE" --no-pci --no-huge -m 512 --file-prefix "$PREFIX" -l 0 \
		--vdev "net_pcap0,rx_pcap=$T/in.pcap,infinite_rx=1" -- --out "$MNT/out" \
		--stats-interval 1 --zstd-level 19 --extra-mbufs 22000 --segment-size 1M \
		--metrics "127.0.0.1:$MPORT" \
		>"$T/sluice.out" 2>"$T/sluice.err" &
	SPID=$!
}

# last_stored: records= of the last store[...] line printed so far
last_stored() { grep '^store\[' "$T/sluice.out" | tail -1 | grep -o '\<records=[0-9]*' | cut -d= -f2; }

# wait_full PHASE: drop_disk_full > 0 in a periodic line within 20 s
wait_full() {
	local full=0
	for _ in $(seq 1 200); do
		kill -0 "$SPID" 2>/dev/null || break
		grep -q '^store\[.*drop_disk_full=[1-9]' "$T/sluice.out" && { full=1; break; }
		sleep 0.1
	done
	if [ $full = 1 ] && grep -qi 'disk full' "$T/sluice.err" "$T/sluice.out"; then
		ok "$1: the disk filled during ingestion: drop_disk_full counts, the log says: $(grep -hi 'disk full' "$T/sluice.err" "$T/sluice.out" | head -1 | cut -c1-160)"
	else
		notok "$1: no drop_disk_full > 0 within 20 s (or no 'disk full' in the log); sluice $(kill -0 "$SPID" 2>/dev/null && echo running || echo gone)"
	fi
}

# stop PHASE: SIGTERM, exit 0 with final counters within 30 s
stop() {
	local rc
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 1 300); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID"
	rc=$?
	SPID=
	if [ $rc = 0 ] && grep -q 'final counters' "$T/sluice.out"; then
		ok "$1: SIGTERM: sluice exited 0 with final counters"
	else
		notok "$1: SIGTERM: exit status $rc (137: killed after 30 s), final counters $(grep -c 'final counters' "$T/sluice.out")"
		tail -5 "$T/sluice.err" | sed 's/^/# /'
	fi
}

# account PHASE: the final counters explain every message
account() {
	fin=$(sed -n '/final counters/,$p' "$T/sluice.out")
	msgs=$(echo "$fin" | sed -n 's/^summary:.* msgs=\([0-9]*\).*/\1/p')
	stored=$(echo "$fin" | sed -n 's/^summary:.* stored=\([0-9]*\).*/\1/p')
	drops=$(echo "$fin" | grep -E '^(store|shard)\[' | grep -oE '\<drop_[a-z_]+=[0-9]+' | cut -d= -f2 | paste -sd+ | bc)
	dfull=$(echo "$fin" | grep '^store\[' | grep -oE '\<drop_disk_full=[0-9]+' | cut -d= -f2 | paste -sd+ | bc)
	echo "$fin" | grep -E '^(summary|store)' | sed 's/^/# /'
	if [ -n "$msgs" ] && [ -n "$stored" ] && [ "$msgs" = $((stored + ${drops:-0})) ] && [ "${dfull:-0}" -gt 0 ]; then
		ok "$1: every message accounted for: msgs=$msgs = stored $stored + drops $drops (drop_disk_full=$dfull)"
	else
		notok "$1: accounting: msgs=${msgs:-?} != stored ${stored:-?} + store/shard drop_* ${drops:-?} (drop_disk_full=${dfull:-?}; short by $((${msgs:-0} - ${stored:-0} - ${drops:-0})))"
		grep -hi 'shutdown\|lost' "$T/sluice.err" "$T/sluice.out" | head -3 | sed 's/^/# /'
	fi
}

# verify PHASE
verify() {
	local vout
	vout=$("$CAT" --verify "$MNT/out" 2>&1)
	[ $? = 0 ] && ok "$1: sluice-cat --verify: $(echo "$vout" | tail -1)" ||
		notok "$1: sluice-cat --verify: $(echo "$vout" | head -3 | tr '\n' ' ')"
}

# Phase 1: full, space freed, resumes, clean stop.
P=phase1
start
wait_full $P
if it_health_wait "$MURL" 503 "disk full" 30; then
	ok "$P: /healthz answers 503 while the disk is full: $HTTP_BODY"
else
	notok "$P: /healthz while the disk is full: $HTTP_CODE $HTTP_BODY"
fi
sleep 1
before=$(last_stored)
rm -f "$MNT/filler"
t_free=$(date +%s%N)
resumed=0
for _ in $(seq 1 150); do
	kill -0 "$SPID" 2>/dev/null || break
	now=$(last_stored)
	[ -n "$now" ] && [ "$now" -gt "${before:-0}" ] && { resumed=1; break; }
	sleep 0.1
done
sleep 1
if [ $resumed = 1 ]; then
	ok "$P: after the filler was deleted, storing resumed: records $before -> $now"
else
	notok "$P: after the filler was deleted, no more records stored within 15 s (stuck at ${before:-?})"
fi
if it_health_wait "$MURL" 200 "^ok$" 50; then
	ok "$P: /healthz answers 200 again once there is space"
else
	notok "$P: /healthz after the space came back: $HTTP_CODE $HTTP_BODY"
fi
stop $P
account $P
ncat=$("$CAT" --count "$MNT/out" 2>"$T/cat.err")
[ -n "$stored" ] && [ "$ncat" = "$stored" ] && ok "$P: sluice-cat --count = stored = $ncat" ||
	notok "$P: sluice-cat --count $ncat, stored=${stored:-?}: $(head -c 200 "$T/cat.err")"
late=$("$CAT" --count --since "$t_free" "$MNT/out" 2>/dev/null)
[ "${late:-0}" -gt 0 ] && ok "$P: $late records received after the space came back are stored" ||
	notok "$P: no record received after the space came back is stored"
verify $P
total1=$ncat

# Phase 2: restart into the same tree, fill it again, stop while still full:
# the kept frames that cannot be written are lost, and counted.
P=phase2
fill filler2
start
wait_full $P
sleep 1
stop $P
account $P
ncat=$("$CAT" --count "$MNT/out" 2>"$T/cat.err")
[ -n "$stored" ] && [ "$ncat" = $((total1 + stored)) ] &&
	ok "$P: sluice-cat --count = phase 1 + stored = $ncat" ||
	notok "$P: sluice-cat --count $ncat, phase 1 $total1 + stored ${stored:-?}: $(head -c 200 "$T/cat.err")"
verify $P
finish
