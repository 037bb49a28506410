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
# keepalived's own virtual_ipaddress is not a side here: its state change
# happens inside keepalived, with no moment outside it to start the clock
# from that both sides share.

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

	director_profile "$p" 1 "$vip/24"
	echo "$vip" >"$BENCH_TMP/vip1"
	describe "events-1" "lvsdr notify PROFILE INSTANCE VI_1 MASTER 100: a process per event (notify)" \
		"the line written to the FIFO of a running lvsdr events (vrrp_notify_fifo)"
	on dir2 "$LVSDR" events "$p" "$fifo" >"$log" 2>&1 &
	pid=$!
	if ! wait_until 10 grep -q '^ready: ' "$log"; then
		kill -TERM "$pid" 2>/dev/null
		say "events: lvsdr events did not start: $(tail -n 3 "$log")"
		return 1
	fi
	n=$(runs 21)
	say "events-1: $n runs of each, alternating"
	for ((i = 0; i < n; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr base" || echo "base lvsdr"); do
			client_points_at_dir1 "$BENCH_TMP/vip1" || break 2
			case $side in
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
			sample "events-1" "client entry moved" ms "$( [ "$side" = base ] && echo baseline || echo lvsdr)" \
				"$(us_to_ms "$SW_all_moved_us")"
		done
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q ' failed: ' "$log" && note "events-1: lvsdr events logged a failed event: $(grep -m1 ' failed: ' "$log")"
	[ "$i" = "$n" ]
}
