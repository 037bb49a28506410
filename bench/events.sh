# shellcheck shell=bash
# Scenario events: from the moment keepalived's event line is written to
# the FIFO to the first gratuitous ARP on the client's wire. Sourced by
# bench/run, after the lab is up and bench/takeover.sh (its profile and
# client helpers).
#
#   [client] 192.0.2.1   bench/stopwatch: packet socket + rtnetlink on eth0;
#       |                the clock starts just before the event is handed over
#     (br0)
#       |
#   [dir1] .2            the old owner: the client's entry points here (STALE)
#   [dir2] .3            baseline: `lvsdr notify PROFILE INSTANCE VI_1 MASTER 100`
#                        forked and exec'd per event, as keepalived's notify does;
#                        lvsdr: `lvsdr events PROFILE FIFO` running, the line
#                        `INSTANCE "VI_1" MASTER 100` written to its FIFO
#
# keepalived's own virtual_ipaddress has no such moment outside keepalived:
# events_failover, below, compares it from the old master's priority-0
# advertisement instead.

# events_wait N LOG: lvsdr events has finished N events (bounded, 10 s).
events_wait() {
	local deadline=$(($(date +%s%N) + 10000000000))
	until [ "$(grep -c '^event [0-9]*: [A-Z]* [a-z]*: exit status' "$2")" -ge "$1" ]; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}

# shellcheck disable=SC2154 # SW_* are set by sw() in bench/lib.sh
events_1() {
	local vip=$LAB_VIP i n side done=0 pid
	local p=$BENCH_TMP/events.ini fifo=$BENCH_TMP/events.fifo log=$BENCH_TMP/events.log
	local watch=(-w eth0 -m "$LAB_MAC_dir2" -a "$vip")
	local master='INSTANCE "VI_1" MASTER 100'
	local bare_fifo=$BENCH_TMP/bare.fifo bare_log=$BENCH_TMP/bare.log bare_pid='' bare_done=0

	director_profile "$p" 1 "$vip/24"
	echo "$vip" >"$BENCH_TMP/vip1"
	describe "events-1" "lvsdr notify PROFILE INSTANCE VI_1 MASTER 100: a process per event (notify)" \
		"the line written to the FIFO of a running lvsdr events (vrrp_notify_fifo)"
	[ -n "$BARE_GARP" ] && describe "events-1 vs the floor" \
		"bench/bare_garp -F FIFO eth0 VIP/24: the line read, one bind, one frame, nothing else (static)" \
		"the line written to the FIFO of a running lvsdr events (the same samples)"
	on dir2 "$LVSDR" events "$p" "$fifo" >"$log" 2>&1 &
	pid=$!
	if ! wait_until 10 grep -q '^ready: ' "$log"; then
		kill -TERM "$pid" 2>/dev/null
		say "events: lvsdr events did not start: $(tail -n 3 "$log")"
		return 1
	fi
	if [ -n "$BARE_GARP" ]; then
		mkfifo "$bare_fifo" || return 1
		ip netns exec "$(ns dir2)" "$BARE_GARP" -F "$bare_fifo" eth0 "$vip/24" >"$bare_log" 2>&1 &
		bare_pid=$!
	fi
	n=$(runs 21)
	say "events-1: $n runs of each, alternating"
	for ((i = 0; i < n; i++)); do
		for side in $( ((i % 2)) && echo "floor lvsdr base" || echo "base lvsdr floor"); do
			[ "$side" = floor ] && [ -z "$BARE_GARP" ] && continue
			client_points_at_dir1 "$BENCH_TMP/vip1" || break 2
			case $side in
			floor)
				sw client "${watch[@]}" -F "$bare_fifo" -E "$master" || break 2
				printf 'INSTANCE "VI_1" BACKUP 100\n' >"$bare_fifo"
				bare_done=$((bare_done + 2))
				wait_until 10 eval '[ "$(grep -c "^done " "$bare_log")" -ge "$bare_done" ]' || break 2
				takeover_check "events-1" floor 1
				sample "events-1 vs the floor" "first announcement at client" ms baseline "$(us_to_ms "$SW_first_frame_us")"
				continue
				;;
			base)
				sw client "${watch[@]}" -N "$(ns dir2)" -- "$LVSDR" notify "$p" INSTANCE VI_1 MASTER 100 || break 2
				on dir2 "$LVSDR" release -q "$p" || break 2
				;;
			lvsdr)
				sw client "${watch[@]}" -F "$fifo" -E "$master" || break 2
				printf 'INSTANCE "VI_1" BACKUP 100\n' >"$fifo"
				done=$((done + 2))
				events_wait "$done" "$log" || break 2
				;;
			esac
			takeover_check "events-1" "$side" 1
			sample "events-1" "first announcement at client" ms "$( [ "$side" = base ] && echo baseline || echo lvsdr)" \
				"$(us_to_ms "$SW_first_frame_us")"
			[ "$side" = lvsdr ] && [ -n "$BARE_GARP" ] &&
				sample "events-1 vs the floor" "first announcement at client" ms lvsdr "$(us_to_ms "$SW_first_frame_us")"
			sample "events-1" "client entry moved" ms "$( [ "$side" = base ] && echo baseline || echo lvsdr)" \
				"$(us_to_ms "$SW_all_moved_us")"
		done
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "$bare_pid" ]; then
		kill -TERM "$bare_pid" 2>/dev/null
		wait "$bare_pid" 2>/dev/null
		grep -q -v '^done ' "$bare_log" && note "events-1: bench/bare_garp -F: $(grep -m1 -v '^done ' "$bare_log")"
	fi
	grep -q ' failed: ' "$log" && note "events-1: lvsdr events logged a failed event: $(grep -m1 ' failed: ' "$log")"
	[ "$i" = "$n" ]
}

# events-failover: keepalived itself elects dir2 (priority 100) when dir1's
# keepalived (150, master) stops and sends its priority-0 advertisement; the
# clock runs from that advertisement on the client's wire to dir2's first
# gratuitous ARP for the VIP. Baseline: dir2's keepalived binds and announces
# the VIP itself (virtual_ipaddress); lvsdr: dir2's keepalived holds only the
# marker on lo and hands its events to lvsdr events (vrrp_notify_fifo). Both
# wait out VRRP's skew time (0.6 s at priority 100) alike.

# ka_conf FILE ROUTER PRIORITY STATE ADDRESS [FIFO_SCRIPT FIFO]
ka_conf() {
	{
		printf 'global_defs {\n\trouter_id %s\n\tenable_script_security\n\tscript_user root\n' "$2"
		[ -n "${6:-}" ] && printf '\tvrrp_notify_fifo %s\n\tvrrp_notify_fifo_script "%s"\n' "$7" "$6"
		printf '}\nvrrp_instance VI_1 {\n\tstate %s\n\tinterface eth0\n\tvirtual_router_id 51\n' "$4"
		printf '\tpriority %s\n\tadvert_int 1\n\tvirtual_ipaddress {\n\t\t%s\n\t}\n}\n' "$3" "$5"
	} >"$1"
}

# ka_up HOST CONF STATE: keepalived in HOST, until it logs STATE (10 s);
# its pid, from its pid file (the one $! names is the shell around it), in
# KA_HOST.
ka_up() {
	rm -f "$2.pid"
	on "$1" keepalived -n -l -D -G -P -f "$2" -p "$2.pid" -r "$2.vrrp.pid" >"$2.log" 2>&1 &
	wait_until 10 grep -q "Entering $3 STATE" "$2.log" && [ -s "$2.pid" ] || return 1
	eval "KA_$1=$(cat "$2.pid")"
}

# ka_gone HOST: HOST's keepalived has exited (bounded, 10 s; then SIGKILL).
ka_gone() {
	local pid=KA_$1
	[ -n "${!pid:-}" ] || return 0
	wait_until 10 eval "! kill -0 ${!pid} 2>/dev/null" || kill -KILL "${!pid}" 2>/dev/null
	eval "KA_$1="
}

ka_down() {
	local pid=KA_$1
	[ -n "${!pid:-}" ] && kill -TERM "${!pid}" 2>/dev/null
	ka_gone "$1"
}

# shellcheck disable=SC2154 # SW_* are set by sw() in bench/lib.sh
events_failover() {
	local vip=$LAB_VIP i n side base ms d=$BENCH_TMP/ka p=$BENCH_TMP/ka/director.ini
	local marker='127.0.0.51/32 dev lo scope host'
	if ! command -v keepalived >/dev/null 2>&1; then
		note "events-failover: skipped, keepalived is not installed (apt-get install keepalived)"
		return 0
	fi
	mkdir -p "$d/bin" && install -m 0755 "$LVSDR" "$d/bin/lvsdr" || return 1
	director_profile "$p" 1 "$vip/24"
	printf '#!/bin/sh\nexec %s events "$@" >>%s 2>&1\n' "$d/bin/lvsdr" "$d/events.log" >"$d/bin/events"
	chmod 0755 "$d/bin/events"
	# Each pair alike on both directors: keepalived ignores the advertisements
	# of a master whose addresses differ from its own (it waits out the
	# master-down timer instead).
	ka_conf "$d/dir1-own.conf" lb1 150 MASTER "$vip/24 dev eth0"
	ka_conf "$d/dir1-lvsdr.conf" lb1 150 MASTER "$marker"
	ka_conf "$d/dir2-own.conf" lb2 100 BACKUP "$vip/24 dev eth0"
	ka_conf "$d/dir2-lvsdr.conf" lb2 100 BACKUP "$marker" "$d/bin/events $p" "$d/notify.fifo"
	describe "events-failover" "keepalived alone: virtual_ipaddress on dir2 (its own gratuitous ARP)" \
		"keepalived + lvsdr events (vrrp_notify_fifo) on dir2; from dir1's priority-0 advert"
	n=$(runs 11)
	say "events-failover: $n runs of each, alternating (about 6 s a run)"
	for ((i = 0; i < n; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr own" || echo "own lvsdr"); do
			base=$([ "$side" = own ] && echo baseline || echo lvsdr)
			if ! ka_up dir1 "$d/dir1-$side.conf" MASTER || ! ka_up dir2 "$d/dir2-$side.conf" BACKUP; then
				say "events-failover: keepalived did not come up"
				ka_down dir1
				ka_down dir2
				return 1
			fi
			client_points_at_dir1 "$BENCH_TMP/vip1" || return 1
			sw client -w eth0 -m "$LAB_MAC_dir2" -a "$vip" -S "$LAB_MAC_dir1" -g 5000 -- kill -TERM "$KA_dir1" || return 1
			ka_gone dir1
			ka_down dir2
			takeover_check "events-failover" "$side" 1
			if [ "${SW_trigger_us:--1}" -ge 0 ] && [ "$SW_first_frame_us" -ge 0 ]; then
				ms=$(us_to_ms $((SW_first_frame_us - SW_trigger_us)))
				sample "events-failover" "priority-0 advert to first GARP" ms "$base" "$ms"
			else
				note "events-failover $side: no priority-0 advert or no announcement seen: $SW"
			fi
			# Neither side may leave the VIP bound for the next run.
			on dir1 ip addr del "$vip/24" dev eth0 2>/dev/null
			on dir2 ip addr del "$vip/24" dev eth0 2>/dev/null
		done
	done
	grep -q ' failed: ' "$d/events.log" && note "events-failover: lvsdr events logged a failed event"
	return 0
}
