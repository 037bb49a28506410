#!/usr/bin/env bash
# The ipvs scenario's measurements, run inside the user-mode Linux guest by
# bench/ipvs.sh (this machine's kernel has no IPVS). It reports to the host
# on stdout, one line each:
#   bench-sample <TAB> scenario <TAB> metric <TAB> unit <TAB> side <TAB> value
#   bench-note <TAB> text
# and comments ("# ...") for the reader.
#
#   bench/ipvs-guest.sh RUNS
#
# One director namespace: eth0 a veth with 192.0.2.2/24, so that the real
# servers 192.0.2.11-20 are on a direct subnet. The table: one VIP,
# 192.0.2.100, with 1,000 tcp ports (10001-11000), rr, each to the ten real
# servers: 1,000 services and 10,000 destinations, 11,000 objects.
set -u
RUNS=${1:-5}
STOPWATCH=$LVSDR_BUILD/bench/stopwatch
SCEN_LOAD="ipvs-load 1000x10"
SCEN_WEIGHT="ipvs-one-weight"
SCEN_VERIFY="ipvs-verify 1000x10"
NS=lvsdr-bench-ipvs-$$
W=$(mktemp -d /tmp/lvsdr-bench-ipvs.XXXXXX) || exit 2
# lvsdr's ownership record and drained list: a tmpfs of the guest, made
# again before every load so that lvsdr starts as from nothing.
export LVSDR_RUNDIR=/dev/shm/lvsdr-bench-ipvs LVSDR_STATEDIR=$W/state
VIP=192.0.2.100

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W" "$LVSDR_RUNDIR"
}
trap cleanup EXIT

emit() { local IFS=$'\t'; echo "bench-sample	$*"; }
note() { echo "bench-note	$*"; }

# sw ARGS...: bench/stopwatch in the director's namespace; fields into SW_*.
sw() {
	local out field
	SW_status='' SW_wall_us='' SW_maxrss_kb=''
	: >"$W/cmd.log"
	out=$("$STOPWATCH" -N "$NS" -l "$W/cmd.log" -T 600000 "$@") || return 1
	for field in $out; do printf -v "SW_${field%%=*}" '%s' "${field#*=}"; done
	if [ "$SW_status" != 0 ]; then
		echo "# command failed (status $SW_status): $*"
		tail -n 5 "$W/cmd.log" | sed 's/^/#   /'
		return 1
	fi
}
ms() { awk -v u="$1" 'BEGIN { printf "%.3f\n", u / 1000 }'; }

# profile FILE WEIGHT: the director's profile; WEIGHT is that of the first
# real server of the first service, the rest have weight 1.
profile() {
	awk -v vip="$VIP" -v w="$2" 'BEGIN {
		printf "[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s/24\n", vip
		for (p = 10001; p <= 11000; p++) {
			printf "\n[service s%d]\naddress = %s\nport = tcp/%d\nscheduler = rr\n", p, vip, p
			for (r = 11; r <= 20; r++)
				printf "realserver = 192.0.2.%d weight=%d\n", r, (p == 10001 && r == 11) ? w : 1
		}
	}' >"$1"
}

# The same table as ipvsadm -R lines (what ipvsadm-save -n would print).
restore_lines() {
	awk -v vip="$VIP" 'BEGIN {
		for (p = 10001; p <= 11000; p++) {
			printf "-A -t %s:%d -s rr\n", vip, p
			for (r = 11; r <= 20; r++) printf "-a -t %s:%d -r 192.0.2.%d:%d -g -w 1\n", vip, p, r, p
		}
	}' >"$1"
}

# empty: no service in the kernel, no record of lvsdr's.
empty() {
	ip netns exec "$NS" ipvsadm -C || return 1
	rm -rf "$LVSDR_RUNDIR" && mkdir -p "$LVSDR_RUNDIR"
}

setup() {
	ip netns add "$NS" || return 1
	ip link add lvsdr-bench0 type veth peer name eth0 netns "$NS" || return 1
	ip link set lvsdr-bench0 up
	ip -n "$NS" link set lo up
	ip -n "$NS" link set eth0 up
	ip -n "$NS" addr add 192.0.2.2/24 dev eth0 || return 1
	mkdir -p "$LVSDR_STATEDIR"
	profile "$W/director.ini" 1
	profile "$W/director-w5.ini" 5
	restore_lines "$W/table.rules"
}

# load RUNS: from empty, ipvsadm -R against lvsdr apply --boot, alternating.
# --boot: the table and the knobs, no VIP (the HA manager's), so no probe
# for another holder; ipvsadm -R binds none either.
load() {
	local i side
	echo "# $SCEN_LOAD: $1 runs of each, alternating"
	for ((i = 0; i < $1; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr baseline" || echo "baseline lvsdr"); do
			empty || return 1
			if [ "$side" = baseline ]; then
				sw -- ipvsadm -R <"$W/table.rules" || return 1
			else
				sw -- "$LVSDR" apply -q --boot "$W/director.ini" || return 1
			fi
			emit "$SCEN_LOAD" "load wall time" ms "$side" "$(ms "$SW_wall_us")"
			emit "$SCEN_LOAD" "load peak RSS" KiB "$side" "$SW_maxrss_kb"
		done
	done
	[ "$(ip netns exec "$NS" ipvsadm -Sn | grep -c '^-a')" = 10000 ] ||
		note "$SCEN_LOAD: the table does not hold 10,000 destinations after lvsdr's load"
}

# requests: LVSDR_STATS=1 counts of the full load and of one changed weight.
# The baseline of both is what ipvsadm -R sends for the table: one request
# per line, 11,000.
requests() {
	local full one
	empty || return 1
	full=$(LVSDR_STATS=1 ip netns exec "$NS" "$LVSDR" apply -q --boot "$W/director.ini" 2>&1 >/dev/null |
		sed -n 's/^ipvs: \([0-9]*\) requests (\([0-9]*\) changes)$/\1 \2/p')
	one=$(LVSDR_STATS=1 ip netns exec "$NS" "$LVSDR" apply -q --boot "$W/director-w5.ini" 2>&1 >/dev/null |
		sed -n 's/^ipvs: \([0-9]*\) requests (\([0-9]*\) changes)$/\1 \2/p')
	if [ -z "$full" ] || [ -z "$one" ]; then
		note "$SCEN_WEIGHT: no 'ipvs: N requests' line from LVSDR_STATS=1"
		return 1
	fi
	# shellcheck disable=SC2086 # two numbers each: split on purpose
	set -- $full $one
	emit "$SCEN_LOAD" "changes sent (netlink)" requests baseline "$(wc -l <"$W/table.rules")"
	emit "$SCEN_LOAD" "changes sent (netlink)" requests lvsdr "$2"
	emit "$SCEN_LOAD" "all requests, reads included" requests lvsdr "$1"
	emit "$SCEN_WEIGHT" "changes sent (netlink)" requests baseline "$(wc -l <"$W/table.rules")"
	emit "$SCEN_WEIGHT" "changes sent (netlink)" requests lvsdr "$4"
	emit "$SCEN_WEIGHT" "all requests, reads included" requests lvsdr "$3"
	ip netns exec "$NS" ipvsadm -Sn | grep -q -- "-r 192.0.2.11:10001 -g -w 5$" ||
		note "$SCEN_WEIGHT: the weight did not change"
}

# verify RUNS: the loaded table, ipvsadm -Ln against lvsdr verify (in sync).
verify() {
	local i side
	empty && ip netns exec "$NS" "$LVSDR" apply -q --boot "$W/director.ini" || return 1
	# verify judges the VIP too: bind it, as the master would hold it.
	ip -n "$NS" addr add "$VIP/24" dev eth0 || return 1
	echo "# $SCEN_VERIFY: $1 runs of each, alternating"
	for ((i = 0; i < $1; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr baseline" || echo "baseline lvsdr"); do
			if [ "$side" = baseline ]; then
				sw -- ipvsadm -Ln || return 1
			else
				sw -- "$LVSDR" verify "$W/director.ini" || return 1
			fi
			emit "$SCEN_VERIFY" "verify wall time" ms "$side" "$(ms "$SW_wall_us")"
			emit "$SCEN_VERIFY" "verify peak RSS" KiB "$side" "$SW_maxrss_kb"
		done
	done
	ip -n "$NS" addr del "$VIP/24" dev eth0
}

setup || { echo "# the director namespace did not come up"; exit 1; }
rc=0
load "$RUNS" || { note "$SCEN_LOAD stopped early"; rc=1; }
requests || { note "$SCEN_WEIGHT stopped early"; rc=1; }
verify "$RUNS" || { note "$SCEN_VERIFY stopped early"; rc=1; }
exit "$rc"
