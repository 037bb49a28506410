#!/usr/bin/env bash
# Where a MASTER event's time goes inside lvsdr events, from its own marks
# (LVSDR_MARKS=1: "event N: marks (ms after the line was read): lock 0.041,
# ..."): N MASTER events, each followed by a BACKUP, written to the FIFO of
# a running lvsdr events in a namespace whose eth0 is one end of a veth
# pair; the median of each mark over the MASTER events, and the step from
# the mark before. Two builds are measured in turns, 20 events at a time,
# so the machine's load hits both alike. Never pass/fail.
#
#   bench/marks.sh [N] LVSDR...     (as root; N MASTER events a build, default 60)
#
#   [evm-d-PID] eth0 192.0.2.3/24 --veth-- eth0 192.0.2.1/24 [evm-c-PID]
#   lvsdr events, VIP 192.0.2.100/24, count = 1, run directory on /dev/shm
set -u
n=60
case ${1:-} in [0-9]*) n=$1 && shift ;; esac
if [ $# = 0 ] || [ "$(id -u)" != 0 ]; then
	echo "usage: bench/marks.sh [N] LVSDR... (as root)" >&2
	exit 2
fi
TMP=$(mktemp -d /dev/shm/lvsdr-marks.XXXXXX) || exit 2
chmod 755 "$TMP"
D=evm-d-$$ C=evm-c-$$ PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$D" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$D" && ip netns add "$C" || exit 2
ip -n "$D" link add eth0 type veth peer name eth0 netns "$C"
ip -n "$D" addr add 192.0.2.3/24 dev eth0
ip -n "$D" link set lo up
ip -n "$D" link set eth0 up
ip -n "$C" addr add 192.0.2.1/24 dev eth0
ip -n "$C" link set eth0 up
printf '[host]\nrole = director\ninterface = eth0\n\n[garp]\ncount = 1\n\n[vip]\naddress = 192.0.2.100/24\n' >"$TMP/p.ini"

# logged N LOG: N events have logged their marks (bounded, 10 s).
logged() {
	local i
	for ((i = 0; i < 2000; i++)); do
		[ "$(grep -c '^event [0-9]*: marks' "$2")" -ge "$1" ] && return 0
		sleep 0.005
	done
	return 1
}

# batch LVSDR K OUT: K MASTER events (and K BACKUP) through a fresh service;
# the MASTER events' marks appended to OUT.
batch() {
	local i log=$TMP/log
	rm -rf "$TMP/run" "$TMP/fifo"
	LVSDR_MARKS=1 LVSDR_RUNDIR=$TMP/run ip netns exec "$D" "$1" events "$TMP/p.ini" "$TMP/fifo" >"$log" 2>&1 &
	PID=$!
	for ((i = 0; i < 500; i++)); do
		grep -q '^ready: ' "$log" && break
		sleep 0.02
	done
	exec 3>"$TMP/fifo"
	for ((i = 1; i <= $2; i++)); do
		printf 'INSTANCE "VI_1" MASTER 100\n' >&3
		logged $((2 * i - 1)) "$log" || break
		sleep 0.05
		printf 'INSTANCE "VI_1" BACKUP 100\n' >&3
		logged $((2 * i)) "$log" || break
		sleep 0.05
	done
	exec 3>&-
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
	grep ' failed: ' "$log" | head -n 3
	sed -n 's/^event \([0-9]*[13579]\): marks (ms after the line was read): //p' "$log" >>"$3"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((done = 0; done < n; done += 20)); do
	k=$((n - done < 20 ? n - done : 20)) i=0
	for b in "$@"; do
		batch "$b" "$k" "$TMP/marks.$i"
		i=$((i + 1))
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
for b in "$@"; do
	echo "$b: $(wc -l <"$TMP/marks.$i") MASTER events, ms after the line was read: median (step from the mark before) [min]"
	sed 's/, /\n/g' "$TMP/marks.$i" | awk '
		{ x = $NF; sub(/ [^ ]*$/, ""); if (!($0 in seen)) { seen[$0] = 1; order[++n] = $0 } v[$0] = v[$0] " " x }
		END {
			prev = 0
			for (k = 1; k <= n; k++) {
				m = split(v[order[k]], a, " ")
				cmd = "printf \"%s\\n\"" v[order[k]] " | sort -g"
				j = 0
				while ((cmd | getline x) > 0) s[++j] = x
				close(cmd)
				med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
				printf "  %-13s %.3f (%+.3f) [%.3f]\n", order[k], med, med - prev, s[1]
				prev = med
			}
		}'
	i=$((i + 1))
done
