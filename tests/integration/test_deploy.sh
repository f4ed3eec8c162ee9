#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Deployment files (deploy/systemd, deploy/host-setup, deploy/examples).
# Asserted:
#   (a) deploy/host-setup --dry-run --nic <the NIC of the default route>
#       --hugepages 1G prints the plan (the dpdk-hugepages.py and
#       dpdk-devbind.py commands), refuses with exit 3 naming the default
#       route, and changes nothing: nr_hugepages, the NIC's driver link,
#       /etc/sluice, /var/lib/sluice, the installed unit, /etc/dpdk/*,
#       /etc/modules-load.d and the loaded modules are the same afterwards,
#       and none of the commands that change the host (stubbed first on
#       PATH: dpdk-*.py, modprobe, install, systemctl, apt-get, mount, mkdir,
#       bash) was run. The same with --force: exit 0, still nothing run.
#       (On this machine that NIC is 0000:00:03.0. Only --dry-run is ever
#       run here.)
#   (b) a made-up PCI address fails with exit 2 and says there is no such
#       device; (c) bad arguments fail with exit 2 naming the option;
#       --help exits 0.
#   (d) deploy/systemd/sluice.service passes `systemd-analyze verify` with
#       no output at all, with only ExecStart's binary pointed at BUILD (the
#       one line that differs from the shipped file); it has the settings the
#       drain and DPDK rely on; TimeoutStopSec exceeds every env file's
#       --drain-ms by 15 s; RuntimeDirectory matches their --file-prefix.
#   (e) every env file (deploy/systemd/sluice.env, deploy/examples/*.env)
#       reads as shell under set -u and sets SLUICE_EAL and SLUICE_OPTS,
#       systemd's own parser (the environment.d generator, which uses the
#       EnvironmentFile= parser) gives the same words, SLUICE_EAL names its
#       port (-a, or --no-pci with --vdev) and --file-prefix; and
#       `sluice --check` accepts SLUICE_OPTS: with the file's lcore ids
#       mapped onto this machine's CPUs (--lcores '(LIST)@(CPUS)'), net_null
#       instead of the NIC, --out in a temp dir, --metrics on 127.0.0.1, and
#       the per-queue memory (ring, descriptors, TCP buffers, reassembly)
#       shrunk after the file's own values so the check fits in --no-huge
#       memory; the plan has as many workers and writers as the file names.
#   (f) shellcheck finds nothing in deploy/host-setup and this script (skipped
#       when shellcheck is not installed).
#
# usage: test_deploy.sh BUILD_DIR
# env:   SL_IT_KEEP=1 keeps the temp dir
# Prints TAP; exits non-zero on failure. ~15 s.
set -u
BUILD=$(cd "${1:?usage: test_deploy.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SLUICE=$BUILD/app/sluice/sluice
SETUP=$ROOT/deploy/host-setup
UNIT=$ROOT/deploy/systemd/sluice.service
PREFIX=sl-deploy-$$

# shellcheck source=tests/integration/tap.sh
. "$HERE/tap.sh"
it_scratch sl-it-deploy "$PREFIX"
# Also: the background --check runs (file prefixes $PREFIX-N).
# shellcheck disable=SC2317 # called by the trap
deploy_cleanup() {
	local p
	for p in "${CHK_PID[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$PREFIX"-* "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$PREFIX"-*
	it_cleanup
}
trap deploy_cleanup EXIT

ENV_FILES=("$ROOT/deploy/systemd/sluice.env")
for f in "$ROOT"/deploy/examples/*.env; do
	[ -f "$f" ] && ENV_FILES+=("$f")
done

# --- sluice --check on every env file, started now (the large example takes
# ~10 s of page faults in --no-huge memory) and evaluated further down ---------
# count_list LIST: how many lcores "2,15-31" names.
count_list() {
	local n=0 part a b
	local IFS=,
	for part in $1; do
		if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
			a=${BASH_REMATCH[1]}
			b=${BASH_REMATCH[2]}
			n=$((n + b - a + 1))
		elif [[ $part =~ ^[0-9]+$ ]]; then
			n=$((n + 1))
		else
			echo 0
			return
		fi
	done
	echo $n
}
it_need "$SLUICE"
ncpu=$(nproc)
cpus="0-$((ncpu - 1))"
[ "$ncpu" = 1 ] && cpus=0
port=$((20000 + $$ % 20000))
declare -A ENV_EAL=() ENV_OPTS=() ENV_LCORES=() CHK_PID=() CHK_NW=() CHK_NWR=()
i=0
for f in "${ENV_FILES[@]}"; do
	i=$((i + 1))
	vals=$(
		set -u
		set -f
		# shellcheck disable=SC1090
		. "$f" >/dev/null || exit 1
		# shellcheck disable=SC2086 # word splitting is what the unit does
		echo "EAL:" $SLUICE_EAL
		# shellcheck disable=SC2086
		echo "OPTS:" $SLUICE_OPTS
	)
	ENV_EAL[$i]=$(echo "$vals" | sed -n 's/^EAL: //p')
	ENV_OPTS[$i]=$(echo "$vals" | sed -n 's/^OPTS: //p')
	eal=${ENV_EAL[$i]}
	opts=${ENV_OPTS[$i]}
	lcores=$(echo " $eal " | sed -n 's/.* -l \([0-9,-]*\) .*/\1/p')
	[ -n "$lcores" ] || lcores=$(echo " $eal " | sed -n 's/.* --lcores[ =]\([0-9,-]*\) .*/\1/p')
	ENV_LCORES[$i]=$lcores
	if [ -z "$opts" ] || [ -z "$lcores" ]; then
		continue
	fi
	# The file's options, --out in a temp dir, --metrics on loopback; the
	# lcore ids kept, mapped onto this machine's CPUs; net_null for the NIC;
	# per-queue memory shrunk after the file's own (already validated)
	# values. Each run has its own --file-prefix: they run side by side.
	args=()
	set -f
	# shellcheck disable=SC2086
	set -- $opts
	set +f
	while [ $# -gt 0 ]; do
		case $1 in
		--out) shift ;;
		--metrics)
			args+=(--metrics "127.0.0.1:$((port + i))")
			shift
			;;
		*) args+=("$1") ;;
		esac
		shift
	done
	CHK_NW[$i]=$(count_list "$(echo " $opts " | sed -n 's/.* --workers \([0-9,-]*\) .*/\1/p')")
	CHK_NWR[$i]=$(count_list "$(echo " $opts " | sed -n 's/.* --writers \([0-9,-]*\) .*/\1/p')")
	mkdir -p "$T/out$i"
	timeout -k 5 60 "$SLUICE" --lcores "($lcores)@($cpus)" --no-pci --no-huge -m 2048 \
		--file-prefix "$PREFIX-$i" --vdev net_null0 --log-level 'pmd.*:error' -- \
		"${args[@]}" --out "$T/out$i" \
		--ring-size 4 --rx-desc 512 --tx-desc 512 --tcp-mem 1M --frag-flows 16 --check \
		>"$T/check$i.log" 2>&1 &
	CHK_PID[$i]=$!
done

# --- host-setup, dry runs only -----------------------------------------------
# Stubs for every command that changes the host: a dry run must call none.
mkdir -p "$T/stub"
for c in dpdk-devbind.py dpdk-hugepages.py modprobe install systemctl apt-get mount mkdir bash; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/stub.log"\nexit 99\n' "$c" "$T" >"$T/stub/$c"
	chmod +x "$T/stub/$c"
done
: >"$T/stub.log"
setup() { # ARGS...: host-setup with the stubs first on PATH; out/err in $T/hs.out, $T/hs.err
	PATH="$T/stub:$PATH" timeout 30 "$SETUP" "$@" >"$T/hs.out" 2>"$T/hs.err"
}

# The PCI address of the NIC that carries the default route, if it is one.
default_nic() {
	local dev p
	dev=$(ip -o route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
	[ -n "$dev" ] || return 1
	p=$(readlink -f "/sys/class/net/$dev/device" 2>/dev/null) || return 1
	while [ -n "$p" ] && [ "$p" != / ]; do
		if [[ ${p##*/} =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then
			echo "${p##*/}"
			return 0
		fi
		p=${p%/*}
	done
	return 1
}

# What host-setup could change, as one text to compare.
snapshot() { # PCI
	local f
	echo "nr_hugepages $(cat /proc/sys/vm/nr_hugepages)"
	for f in /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages; do
		[ -f "$f" ] && echo "$f $(cat "$f")"
	done
	[ -n "${1:-}" ] && echo "driver $(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)"
	for f in /etc/sluice /var/lib/sluice /etc/systemd/system/sluice.service \
		/etc/modules-load.d/sluice-vfio.conf /etc/dpdk/dpdk.conf /etc/dpdk/interfaces; do
		if [ -e "$f" ]; then
			echo "$f $(stat -c '%F %s %Y' "$f") $( [ -f "$f" ] && md5sum <"$f")"
		else
			echo "$f absent"
		fi
	done
	grep -sE '^(vfio|vfio_pci|vfio_iommu_type1) ' /proc/modules | awk '{print $1}'
	grep hugetlbfs /proc/mounts
}

if [ ! -x "$SETUP" ]; then
	notok "deploy/host-setup is missing or not executable"
	finish
fi

NIC=$(default_nic)
if [ -z "$NIC" ]; then
	ok "# SKIP no PCI NIC carries the default route here: the refusal is not tried"
	ok "# SKIP (same)"
else
	before=$(snapshot "$NIC")
	setup --dry-run --nic "$NIC" --hugepages 1G
	rc=$?
	after=$(snapshot "$NIC")
	if [ $rc -eq 3 ] && grep -q "dpdk-hugepages.py --pagesize [0-9]*[KMG] --reserve 1G" "$T/hs.out" &&
		grep -qF "dpdk-devbind.py --bind=vfio-pci $NIC" "$T/hs.out" &&
		grep -q "refusing to give $NIC to DPDK: .*default route" "$T/hs.err" &&
		grep -q "nothing was changed" "$T/hs.err" &&
		[ "$before" = "$after" ] && [ ! -s "$T/stub.log" ]; then
		ok "host-setup --dry-run --nic $NIC (the default route's NIC) --hugepages 1G: plan printed, refused (exit 3), nothing changed or run"
	else
		notok "host-setup --dry-run --nic $NIC --hugepages 1G (exit $rc)"
		sed 's/^/# out: /' "$T/hs.out" | tail -20
		sed 's/^/# err: /' "$T/hs.err"
		sed 's/^/# ran: /' "$T/stub.log"
		diff <(echo "$before") <(echo "$after") | sed 's/^/# state: /'
	fi
	setup --dry-run --force --nic "$NIC" --hugepages 1G
	rc=$?
	after=$(snapshot "$NIC")
	if [ $rc -eq 0 ] && grep -qF "dpdk-devbind.py --bind=vfio-pci $NIC --force" "$T/hs.out" &&
		grep -q "dry run: nothing was changed" "$T/hs.out" &&
		[ "$before" = "$after" ] && [ ! -s "$T/stub.log" ]; then
		ok "host-setup --dry-run --force: the plan binds with --force, exit 0, still nothing changed or run"
	else
		notok "host-setup --dry-run --force --nic $NIC (exit $rc)"
		sed 's/^/# err: /' "$T/hs.err"
		sed 's/^/# ran: /' "$T/stub.log"
		diff <(echo "$before") <(echo "$after") | sed 's/^/# state: /'
	fi
fi

# (b) an address that does not exist here.
fake=
for a in 0000:ff:1f.7 0000:fe:1f.6 0000:fd:1e.5; do
	[ -e "/sys/bus/pci/devices/$a" ] || { fake=$a; break; }
done
before=$(snapshot)
setup --dry-run --nic "$fake" --hugepages 1G
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--nic: there is no PCI device $fake" "$T/hs.err" && [ ! -s "$T/hs.out" ] &&
	[ "$before" = "$(snapshot)" ] && [ ! -s "$T/stub.log" ]; then
	ok "host-setup --dry-run --nic $fake (no such device): exit 2, '$(head -c 80 "$T/hs.err")...'"
else
	notok "host-setup --nic $fake (exit $rc)"
	sed 's/^/# /' "$T/hs.err" "$T/hs.out"
fi

# (c) bad arguments: exit 2, the message names the option; no plan.
nonnet=
for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/class" 2>/dev/null) in 0x02*) ;; *) nonnet=${d##*/}; break ;; esac
done
bad=("--nic 3b:00|--nic" "--nic|--nic" "--nic --dry-run|--nic" "--hugepages 1.5G|--hugepages"
	"--hugepages 0G|--hugepages" "--hugepages 3K|--hugepages" "--hugepages 1G --page-size 4X|--page-size"
	"--page-size 2M|--page-size" "--hugepages 1G --node x|--node" "--hugepages 1G --node 999|--node"
	"--hugepages 100000G|--hugepages" "--env $T/none.env|--env" "--bogus|--bogus")
[ -n "$nonnet" ] && bad+=("--nic $nonnet|not a network controller")
nbad=0
for b in "${bad[@]}"; do
	bargs=${b%%|*}
	want=${b#*|}
	# shellcheck disable=SC2086 # the words are the arguments
	setup --dry-run $bargs
	rc=$?
	if [ $rc -ne 2 ] || ! grep -q -- "$want" "$T/hs.err" || [ -s "$T/hs.out" ]; then
		notok "host-setup $bargs: exit $rc (want 2, an error naming '$want', no plan)"
		sed 's/^/# /' "$T/hs.err"
		nbad=$((nbad + 1))
	fi
done
[ $nbad = 0 ] && ok "host-setup refuses ${#bad[@]} kinds of bad arguments with exit 2, naming the option (e.g. '$(head -1 "$T/hs.err")')"
if setup --help && grep -q -- '--dry-run' "$T/hs.out" && grep -q -- '--hugepages SIZE' "$T/hs.out"; then
	ok "host-setup --help"
else
	notok "host-setup --help"
fi
if [ -s "$T/stub.log" ]; then
	notok "host-setup ran host-changing commands during dry runs"
	sed 's/^/# ran: /' "$T/stub.log"
else
	ok "no dry run called dpdk-devbind.py, dpdk-hugepages.py, modprobe, install, systemctl, apt-get, mount, mkdir or bash"
fi

# --- the unit -------------------------------------------------------------------
max_drain=0
for f in "${ENV_FILES[@]}"; do
	# shellcheck disable=SC1090
	d=$(set -u; . "$f" >/dev/null 2>&1; echo " ${SLUICE_OPTS:-} " | sed -n 's/.* --drain-ms \([0-9]*\) .*/\1/p')
	[ -n "$d" ] && [ "$d" -gt "$max_drain" ] && max_drain=$d
done
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$UNIT")
rtdir=$(sed -n 's|^RuntimeDirectory=dpdk/\(.*\)$|\1|p' "$UNIT")
missing=
# shellcheck disable=SC2016 # the literal line of the unit
for want in 'Type=simple' 'EnvironmentFile=/etc/sluice/sluice.env' \
	'ExecStart=/usr/local/bin/sluice $SLUICE_EAL -- $SLUICE_OPTS' 'Restart=on-failure' \
	'KillSignal=SIGTERM' 'LimitMEMLOCK=infinity' 'StateDirectory=sluice' \
	'Requires=dev-hugepages.mount' 'WantedBy=multi-user.target'; do
	grep -qxF -- "$want" "$UNIT" || missing+=" '$want'"
done
if [ -z "$missing" ] && [ -n "$stop" ] && [ $((stop * 1000)) -ge $((max_drain + 15000)) ]; then
	ok "sluice.service: restart, SIGTERM drain, limits and paths; TimeoutStopSec=$stop s >= the largest --drain-ms ($max_drain ms) + 15 s"
else
	notok "sluice.service settings: missing$missing; TimeoutStopSec=${stop:-none} vs --drain-ms $max_drain"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/unit"
	sed "s|^ExecStart=/usr/local/bin/sluice |ExecStart=$SLUICE |" "$UNIT" >"$T/unit/sluice.service"
	ndiff=$(diff "$UNIT" "$T/unit/sluice.service" | grep -c '^[<>]')
	timeout 60 systemd-analyze verify "$T/unit/sluice.service" >"$T/verify.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$T/verify.out" ] && [ "$ndiff" = 2 ]; then
		ok "systemd-analyze verify sluice.service: no complaint (only ExecStart pointed at $SLUICE)"
	else
		notok "systemd-analyze verify sluice.service: exit $rc, $ndiff lines differ from the shipped unit"
		sed 's/^/# /' "$T/verify.out"
	fi
else
	ok "# SKIP systemd-analyze is not installed (Debian package systemd)"
fi

# --- the env files -----------------------------------------------------------------
# Evaluated here; their `sluice --check` runs were started at the top.
genr=/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator
i=0
for f in "${ENV_FILES[@]}"; do
	i=$((i + 1))
	name=${f#"$ROOT"/}
	eal=${ENV_EAL[$i]}
	opts=${ENV_OPTS[$i]}
	if [ -z "$eal" ] || [ -z "$opts" ]; then
		notok "$name: does not read as shell setting SLUICE_EAL and SLUICE_OPTS under set -u"
		continue
	fi
	# systemd's parser.
	if [ -x "$genr" ]; then
		mkdir -p "$T/envd$i/environment.d"
		cp "$f" "$T/envd$i/environment.d/50-sluice.conf"
		genout=$(env -i HOME="$T" XDG_CONFIG_HOME="$T/envd$i" "$genr" 2>&1)
		# The generator prints NAME="value"; split the value as the unit does.
		# shellcheck disable=SC2086
		seal=$(set -f; v=$(echo "$genout" | sed -n 's/^SLUICE_EAL=//p'); v=${v#\"}; v=${v%\"}; echo $v)
		# shellcheck disable=SC2086
		sopts=$(set -f; v=$(echo "$genout" | sed -n 's/^SLUICE_OPTS=//p'); v=${v#\"}; v=${v%\"}; echo $v)
		if [ "$seal" = "$eal" ] && [ "$sopts" = "$opts" ]; then
			ok "$name: systemd's EnvironmentFile parser and the shell give the same $(echo "$eal $opts" | wc -w) words"
		else
			notok "$name: systemd reads it differently"
			printf '# shell:   %s -- %s\n# systemd: %s -- %s\n' "$eal" "$opts" "$seal" "$sopts"
		fi
	else
		ok "# SKIP $name: systemd's environment.d generator is not installed"
	fi
	# The EAL part names its port and prefix.
	lcores=${ENV_LCORES[$i]}
	fp=$(echo " $eal " | sed -n 's/.* --file-prefix[ =]\([^ ]*\) .*/\1/p')
	if [ -n "$lcores" ] && [ "$fp" = "$rtdir" ] &&
		{ echo " $eal " | grep -qE ' (-a|--allow) ' || { echo " $eal " | grep -q ' --no-pci ' && echo " $eal " | grep -q ' --vdev '; }; }; then
		ok "$name: SLUICE_EAL has -l $lcores, names its port, --file-prefix $fp = the unit's RuntimeDirectory"
	else
		notok "$name: SLUICE_EAL '$eal': lcores '${lcores}', port (-a, or --no-pci and --vdev), --file-prefix '$fp' (unit: dpdk/$rtdir)"
	fi
	# sluice --check on its options.
	if [ -z "${CHK_PID[$i]:-}" ]; then
		notok "$name: sluice --check not run (no -l LCORES in SLUICE_EAL)"
		continue
	fi
	wait "${CHK_PID[$i]}"
	rc=$?
	nw=${CHK_NW[$i]}
	nwr=${CHK_NWR[$i]}
	gw=$(grep -c '^plan: worker [0-9]* on lcore' "$T/check$i.log")
	gwr=$(grep -c '^plan: writer [0-9]* on lcore' "$T/check$i.log")
	if [ $rc -eq 0 ] && grep -q '^check: ok' "$T/check$i.log" &&
		{ [ "$nw" = 0 ] || [ "$gw" = "$nw" ]; } && { [ "$nwr" = 0 ] || [ "$gwr" = "$nwr" ]; }; then
		ok "$name: sluice --check accepts SLUICE_OPTS: $gw worker(s), $gwr writer(s), $(grep -c '^plan:' "$T/check$i.log") plan lines"
	else
		notok "$name: sluice --check (exit $rc; workers $gw of $nw, writers $gwr of $nwr)"
		grep -v '^EAL:\|^TELEMETRY:' "$T/check$i.log" | tail -8 | sed 's/^/# /'
	fi
done
CHK_PID=()

# --- shellcheck ----------------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
	if shellcheck -x "$SETUP" "$HERE/test_deploy.sh" >"$T/sc.out" 2>&1; then
		ok "shellcheck deploy/host-setup tests/integration/test_deploy.sh: clean"
	else
		notok "shellcheck: $(grep -c '^In ' "$T/sc.out") finding(s)"
		head -30 "$T/sc.out" | sed 's/^/# /'
	fi
else
	ok "# SKIP shellcheck is not installed"
fi

finish
