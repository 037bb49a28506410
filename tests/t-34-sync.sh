#!/usr/bin/env bash
# t-34 (IPVS): lvsdr events switches the kernel's connection-sync daemon
# with keepalived's events ([sync]), so an established TCP
# connection survives a failover. In the user-mode Linux guest.
#
#        [client] 192.0.2.1     one TCP connection to VIP:8080, held open:
#            |                  a line sent, the same line back
#          (br0)------------+-----------------+-----------------+----------------+
#            |              |                 |                 |                |
#        [dir1] .2       [dir2] .3         [rs1] .11         [rs2] .12
#        lvsdr events    lvsdr events      VIP on lo, knobs; tcp/8080 on the VIP
#        MASTER, then    BACKUP, then      echoes each line
#        BACKUP          MASTER
#        sync master --- 224.0.0.81:8848 ---> sync backup (then the other way)
#
#   both: [service hold] 192.0.2.100 tcp/8080 rr -> rs1, rs2; [sync] syncid 7
#   keepalived's FIFO lines are written by hand (the format of t-32-events.sh)
#   then without [sync] (SIGHUP): no daemon, and the connection after a
#   failover is reset by the new master.
# timeout: 480
# The checks pass eval strings, expanded at each try:
# shellcheck disable=SC2016
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
# Two directors, two failovers and a held connection: on a loaded machine
# the guest needs more than the 270 s of the default (the "timeout" above
# lets tests/run wait for it).
export LVSDR_GUEST_TIMEOUT=${LVSDR_GUEST_TIMEOUT:-450}
guest_reexec "$0" "$@"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/ipvs-lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

. "$(dirname "$0")/lib/ipvs-director.sh"
. "$(dirname "$0")/lib/heldconn.sh"

ipvs_director_up client dir1 dir2 rs1 rs2
P_NOSYNC=$TMP/director-nosync.ini
SYNCID=7
# The lab binds the VIPs on every director: lvsdr events binds them here.
for d in dir1 dir2; do
	ip -n "$(ns "$d")" -batch - <<-EOF
		addr del $LAB_VIP/24 dev eth0
		addr del $LAB_VIP6/64 dev eth0
	EOF
done

# profile FILE [SYNC]: both directors' profile; SYNC "no" leaves [sync] out.
profile() {
	{
		printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s/24\n\n' "$LAB_VIP"
		printf '[service hold]\naddress = %s\nport = tcp/8080\nscheduler = rr\nrealserver = %s\nrealserver = %s\n' \
			"$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
		[ "${2:-yes}" = yes ] && printf '\n[sync]\nsyncid = %s\n' "$SYNCID"
	} >"$1"
	chmod 600 "$1"
}
profile "$P"
profile "$P_NOSYNC" no

# ev_start DIR: lvsdr events on DIR, reading TMP/DIR.fifo, logging to
# TMP/DIR.log, metrics in TMP/DIR.prom; true once it says ready.
declare -A EV_PID
ev_start() {
	local d=$1 before
	touch "$TMP/$d.log"
	before=$(grep -c '^ready: ' "$TMP/$d.log")
	# Not through `on`: the signals must reach lvsdr itself.
	# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
	ip netns exec "$(ns "$d")" ${LVSDR_WRAP:-} "$LVSDR" events --prom "$TMP/$d.prom" "$P" "$TMP/$d.fifo" \
		>>"$TMP/$d.log" 2>&1 &
	EV_PID[$d]=$!
	# 60 s: under valgrind in the guest a start took more than 20.
	wait_until 60 eval '[ "$(grep -c "^ready: " "$TMP/$d.log")" -gt "$before" ]'
}
ev_count() { grep -c '^event [0-9]*: [A-Z]* [a-z]*: exit status' "$TMP/$1.log"; }
ev_done() { [ "$(ev_count "$1")" -ge "$2" ]; }
# ev_act DIR STATE: keepalived's line for VI_1 in STATE, and wait, bounded,
# until DIR has acted on it (the sync switch comes after its log line).
ev_act() {
	local before
	before=$(ev_count "$1")
	printf 'INSTANCE "VI_1" %s 100\n' "$2" | timeout 5 tee "$TMP/$1.fifo" >/dev/null
	wait_until 20 ev_done "$1" $((before + 1))
}
# ev_stop DIR: SIGTERM, bounded; its exit status in EV_RC.
ev_stop() {
	kill -TERM "${EV_PID[$1]}" 2>/dev/null
	wait_until 10 eval "! kill -0 ${EV_PID[$1]} 2>/dev/null"
	wait "${EV_PID[$1]}"
	EV_RC=$?
}
logged() { grep -Eq -- "$2" "$TMP/$1.log"; }
# daemons DIR: the sync daemons as ipvsadm reads them (an oracle only).
daemons() { on "$1" ipvsadm -L --daemon; }
daemon_is() { # DIR STATE...: exactly these daemons, of eth0 and SYNCID, run
	local dir=$1 all got want
	shift
	all=$(daemons "$dir")
	got=$(sed -n 's/^\([a-z]*\) sync daemon (mcast=eth0, syncid='"$SYNCID"'[,)].*/\1/p' <<<"$all" | sort | xargs)
	want=$(printf '%s\n' "$@" | sort | xargs)
	[ "$got" = "$want" ] && [ "$(grep -c . <<<"$all")" -eq "$#" ]
}
no_daemon() { [ -z "$(daemons "$1")" ]; }


# --- both directors up: dir2 BACKUP, then dir1 MASTER --------------------------
run dir1 apply -q "$P"
check "apply sets dir1's table up (status $RC)" [ "$RC" = 0 ]
run dir2 apply -q "$P"
check "apply sets dir2's table up (status $RC)" [ "$RC" = 0 ]
check "events starts on dir1" ev_start dir1
check "events starts on dir2" ev_start dir2
check "no daemon runs before the first event" eval 'no_daemon dir1 && no_daemon dir2'
check "dir2: BACKUP acted on" ev_act dir2 BACKUP
check "dir1: MASTER acted on" ev_act dir1 MASTER
check "dir1 runs the master daemon alone: ipvsadm -L --daemon says master, eth0, syncid $SYNCID" \
	wait_until 10 daemon_is dir1 master
check "dir2 runs the backup daemon alone, same syncid" wait_until 10 daemon_is dir2 backup
check "dir1's log: sync: master daemon started (master on eth0, syncid $SYNCID, the default group)" \
	logged dir1 "^sync: master daemon started \(master on eth0, syncid $SYNCID, the default group\)$"
check "dir2's log: sync: backup daemon started" \
	logged dir2 "^sync: backup daemon started \(backup on eth0, syncid $SYNCID, the default group\)$"
check "dir1's metrics: lvsdr_events_sync_daemon master 1, backup 0" \
	eval 'grep -qx "lvsdr_events_sync_daemon{profile=\"$P\",state=\"master\"} 1" "$TMP/dir1.prom" &&
		grep -qx "lvsdr_events_sync_daemon{profile=\"$P\",state=\"backup\"} 0" "$TMP/dir1.prom"'
check "the VIP is on dir1 alone" \
	eval '[ -n "$(on dir1 ip -4 -o addr show dev eth0 to "$LAB_VIP")" ] && [ -z "$(on dir2 ip -4 -o addr show dev eth0 to "$LAB_VIP")" ]'

# --- (2) one connection through dir1, synchronised to dir2 ----------------------
conn_open
CPORT=$(client_port)
check "a line through dir1 comes back (client port $CPORT)" eval '[ -n "$CPORT" ] && [ "$(conn_send one)" = one ]'
RS=$(conn_entry dir1 | sed -n 's/^ESTABLISHED //p')
check "dir1's table: ESTABLISHED to a real server ($RS)" \
	eval '[ "$RS" = "$LAB_IP_rs1:8080" ] || [ "$RS" = "$LAB_IP_rs2:8080" ]'
# The master sends what it has at least every 2 s (the kernel's flush time).
check "the sync daemon puts it into dir2's table: ESTABLISHED to the same $RS" \
	wait_until 15 conn_entry_is dir2 "ESTABLISHED $RS"

# --- failover: dir1 BACKUP, dir2 MASTER -----------------------------------------
check "dir1: BACKUP acted on" ev_act dir1 BACKUP
check "dir2: MASTER acted on" ev_act dir2 MASTER
check "the VIP moved to dir2" \
	eval '[ -z "$(on dir1 ip -4 -o addr show dev eth0 to "$LAB_VIP")" ] && [ -n "$(on dir2 ip -4 -o addr show dev eth0 to "$LAB_VIP")" ]'
check "the client's ARP entry for the VIP points at dir2" wait_until 10 eval '[ "$(lab_neigh client "$LAB_VIP")" = "$LAB_MAC_dir2" ]'
check "the established connection keeps working through dir2: a line sent, the same line back" \
	eval '[ "$(conn_send two)" = two ]'
check "dir2 forwarded it to the same $RS, over the synchronised entry" conn_entry_is dir2 "ESTABLISHED $RS"
run dir2 verify --json "$P"
check "verify --json on dir2 shows its sync daemon: master on eth0, syncid $SYNCID" \
	grep -qF "\"sync_daemons\":[\"master on eth0, syncid $SYNCID, group 224.0.0.81:8848\"]" <<<"$OUT"
check "a third line too" eval '[ "$(conn_send three)" = three ]'
conn_close
# (3) the daemons switched roles.
check "dir2 now runs the master daemon alone" wait_until 10 daemon_is dir2 master
check "dir1 now runs the backup daemon alone" wait_until 10 daemon_is dir1 backup
check "dir1's log: sync: master daemon stopped, then backup daemon started" \
	eval 'grep -A1 "^sync: master daemon stopped$" "$TMP/dir1.log" | grep -q "^sync: backup daemon started"'
check "dir2's log: sync: backup daemon stopped, then master daemon started" \
	eval 'grep -A1 "^sync: backup daemon stopped$" "$TMP/dir2.log" | grep -q "^sync: master daemon started"'
check "dir2's metrics: master 1, backup 0" \
	wait_until 5 eval 'grep -qx "lvsdr_events_sync_daemon{profile=\"$P\",state=\"master\"} 1" "$TMP/dir2.prom" &&
		grep -qx "lvsdr_events_sync_daemon{profile=\"$P\",state=\"backup\"} 0" "$TMP/dir2.prom"'

# --- SIGTERM leaves the daemons; a new events takes them over ------------------
ev_stop dir1
check "dir1's events stops on SIGTERM with status 0 ($EV_RC)" test "$EV_RC" = 0
check "...and says the sync daemons stay" logged dir1 "^stopping: .*, and so do the sync daemons$"
check "dir1's backup daemon still runs after events ended" daemon_is dir1 backup
check "events starts again on dir1" ev_start dir1
check "it takes the running backup daemon over" \
	logged dir1 "^sync: backup daemon running as the profile says \(backup on eth0, syncid $SYNCID, group 224\.0\.0\.81:8848\): taken over$"

# --- without [sync]: SIGHUP stops ours; after a failover the connection is reset
cp "$P_NOSYNC" "$P"
kill -HUP "${EV_PID[dir1]}" "${EV_PID[dir2]}"
check "SIGHUP without [sync]: dir1's backup daemon stopped" wait_until 10 no_daemon dir1
check "SIGHUP without [sync]: dir2's master daemon stopped" wait_until 10 no_daemon dir2
check "dir2's log says so" logged dir2 "^sync: master daemon stopped$"
conn_open
CPORT=$(client_port)
check "a new connection through dir2 (client port $CPORT): a line comes back" \
	eval '[ -n "$CPORT" ] && [ "$(conn_send four)" = four ]'
sleep 3 # two flush periods: a sync daemon, were one running, would have sent it
check "no daemon ran: the connection is not in dir1's table" eval '[ -z "$(conn_entry dir1)" ]'
check "dir2: BACKUP acted on" ev_act dir2 BACKUP
check "dir1: MASTER acted on" ev_act dir1 MASTER
check "the client's ARP entry for the VIP points at dir1" wait_until 10 eval '[ "$(lab_neigh client "$LAB_VIP")" = "$LAB_MAC_dir1" ]'
got=$(conn_send five)
# dir1 has no entry and IPVS makes none for a segment without SYN: the
# segment reaches dir1's own stack, which holds the VIP and no such socket,
# and answers with a reset.
check "without sync the connection does NOT survive: reset by dir1 (got '$got')" test "$got" = CLOSED
check "dir1 never forwarded it: no entry in its table" eval '[ -z "$(conn_entry dir1)" ]'
conn_close
check "still no daemon on either director" eval 'no_daemon dir1 && no_daemon dir2'

ev_stop dir1
check "dir1's events exits with status 0 ($EV_RC)" test "$EV_RC" = 0
ev_stop dir2
check "dir2's events exits with status 0 ($EV_RC)" test "$EV_RC" = 0
check "nothing on standard error" eval "! grep -q '^lvsdr' '$TMP/dir1.log' '$TMP/dir2.log'"
sed 's/^/# dir1: /' "$TMP/dir1.log"
sed 's/^/# dir2: /' "$TMP/dir2.log"
