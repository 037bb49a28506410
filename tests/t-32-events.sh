#!/usr/bin/env bash
# t-32: lvsdr events, the resident reader of keepalived's notify FIFO.
# The test writes keepalived's lines into the FIFO itself; the
# last case runs keepalived with vrrp_notify_fifo_script.
#
#        [client] 192.0.2.1       arpsniff: every ARP/NA frame it receives
#            |
#          (br0)----------------------+
#            |                        |
#        [dir1] .2                [dir2] .3
#        lvsdr events             keepalived prio 100 (last case only)
#        (keepalived prio 150 in the last case)
#
#   VIPs: 192.0.2.100/24 and 2001:db8::100/64 on dir1's eth0. A foreign
#   address, 192.0.2.200/24, is bound there by hand: never lvsdr's to touch.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/events.sh"

lab_start t-32 client dir1 dir2

EV_PID=
KA_PIDS=()
cleanup() {
	local pid
	[ -n "$EV_PID" ] && kill -KILL "$EV_PID" 2>/dev/null
	for pid in "${KA_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait_until 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
	done
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT

P=$TMP/director.ini
FIFO=$TMP/notify.fifo
LOG=$TMP/events.log
PROM=$TMP/lvsdr-events.prom
FOREIGN=192.0.2.200/24

# profile FILE COUNT VIP...: a director profile for eth0, mode both.
profile() {
	local file=$1 count=$2 v
	shift 2
	{
		printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\n'
		for v in "$@"; do printf 'address = %s\n' "$v"; done
		printf '\n[garp]\ncount = %s\ninterval = 100ms\nmode = both\n' "$count"
	} >"$file"
}

# ev_check NAME COMMAND...: check, and on a failure the end of LOG.
ev_check() {
	local line
	line=$(check "$@")
	echo "$line"
	[[ $line != not* ]] || tail -n 12 "$LOG" | sed 's/^/#   [log] /'
}

held() { on dir1 ip -o addr show dev eth0 | awk '{ print $4 }' | grep -cxF -e "$LAB_VIP/24" -e "$LAB_VIP6/64"; }
state_is() { on dir1 "$LVSDR" verify --state "$1" "$P" >/dev/null 2>&1; }
foreign_kept() { on dir1 ip -o -4 addr show dev eth0 | grep -qw "$FOREIGN"; }

on dir1 ip addr add "$FOREIGN" dev eth0
profile "$P" 3 "$LAB_VIP/24" "$LAB_VIP6/64"

# --- bad input before the first event -------------------------------------------
BAD=$TMP/bad.ini
profile "$BAD" 3 "$LAB_VIP/24" 192.0.2.300/24
out=$(on dir1 "$LVSDR" events "$BAD" "$TMP/never.fifo" 2>&1)
rc=$?
check "a bad profile at start: exit 2, naming file:line and key ($rc)" \
	eval '[ "$rc" = 2 ] && grep -q "^$BAD:7: \[vip\] address = 192.0.2.300/24: " <<<"$out"'
check "a bad profile at start: no FIFO made, no event read, nothing bound" \
	eval '[ ! -e "$TMP/never.fifo" ] && ! grep -q "^ready" <<<"$out" && [ "$(held)" = 0 ]'
RS=$TMP/rs.ini
printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/32\n' >"$RS"
out=$(on dir1 "$LVSDR" events "$RS" "$TMP/never.fifo" 2>&1)
rc=$?
check "a real server's profile: exit 2, events is for a director" \
	eval '[ "$rc" = 2 ] && grep -q "events is for role = director" <<<"$out" && [ ! -e "$TMP/never.fifo" ]'
# [sync] needs IPVS, which this kernel lacks (t-34-sync.sh runs it in the guest).
SYNCP=$TMP/sync.ini
{ cat "$P"; printf '\n[sync]\n'; } >"$SYNCP"
if [ -e /proc/net/ip_vs ]; then
	skip "[sync] on a kernel without IPVS: this kernel has IPVS"
else
	out=$(on dir1 "$LVSDR" events "$SYNCP" "$TMP/never.fifo" 2>&1)
	rc=$?
	check "[sync] on a kernel without IPVS: exit 2, saying so, no FIFO made, nothing bound ($rc)" \
		eval '[ "$rc" = 2 ] && grep -qx "lvsdr: $SYNCP: \[sync\]: the kernel has no IPVS (module ip_vs not loaded or not built)" <<<"$out" &&
			[ ! -e "$TMP/never.fifo" ] && [ "$(held)" = 0 ]'
fi
out=$(on dir1 "$LVSDR" events --prom "$TMP/metrics.txt" "$P" "$TMP/never.fifo" 2>&1)
rc=$?
check "--prom FILE not ending in .prom: exit 2, nothing made" \
	eval '[ "$rc" = 2 ] && grep -q -- "--prom $TMP/metrics.txt: must name a file ending in .prom" <<<"$out" && [ ! -e "$TMP/never.fifo" ]'
out=$(on dir1 "$LVSDR" events "$P" 2>&1)
rc=$?
check "no FIFO on the command line: exit 2 and the usage ($rc)" eval '[ "$rc" = 2 ] && grep -q "^Usage: lvsdr events " <<<"$out"'
: >"$TMP/plain"
out=$(on dir1 "$LVSDR" events "$P" "$TMP/plain" 2>&1)
rc=$?
check "a FIFO path naming a regular file: exit 2, refused ($rc)" \
	eval '[ "$rc" = 2 ] && grep -q "$TMP/plain is not a FIFO" <<<"$out"'

# --- start, MASTER, BACKUP ---------------------------------------------------------
: >"$LOG"
ev_start --prom "$PROM"
check "events starts: the profile read, the state read (0 of 2 held), the FIFO made" \
	eval 'grep -qx "ready: $P, 2 VIPs on eth0 (0 held now), reading $FIFO" "$LOG" && [ -p "$FIFO" ]'
check "--prom at start: state none, nothing handled" \
	eval 'grep -qx "lvsdr_events_state{profile=\"$P\",state=\"none\"} 1" "$PROM" &&
		grep -qx "lvsdr_events_handled{profile=\"$P\"} 0" "$PROM"'

on client ip neigh replace "$LAB_VIP" lladdr "$LAB_MAC_dir2" dev eth0 nud stale
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 5000 eth0 >"$TMP/sniff" 2>"$TMP/sniff.err" &
SNIFF=$!
wait_until 2 grep -qsx ready "$TMP/sniff.err"
ev_send 'INSTANCE "VI_1" MASTER 150'
wait_until 10 ev_done 1
check "MASTER: both VIPs bound on dir1's eth0 (verify --state master)" state_is master
# count = 3: round 1 at once, rounds 2 and 3 from the loop, 100 ms apart.
sleep 0.5
kill -TERM "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
req=$(grep -c "arp op=request eth_src=$LAB_MAC_dir1 .* spa=$LAB_VIP tha=00:00:00:00:00:00 tpa=$LAB_VIP\$" "$TMP/sniff")
rep=$(grep -c "arp op=reply eth_src=$LAB_MAC_dir1 .* spa=$LAB_VIP tha=$LAB_MAC_dir1 tpa=$LAB_VIP\$" "$TMP/sniff")
na=$(grep -c "^t=[0-9]* na eth_src=$LAB_MAC_dir1 .* target=$LAB_VIP6 .*tlla=$LAB_MAC_dir1" "$TMP/sniff")
check "MASTER: the client receives 3 gratuitous ARP requests, 3 replies and 3 NAs (got $req, $rep, $na)" \
	[ "$req" = 3 -a "$rep" = 3 -a "$na" = 3 ]
out=$(on dir1 "$LVSDR" verify --state notified "$P" 2>&1)
rc=$?
check "MASTER recorded for the track script: verify --state notified judges as master (status $rc)" \
	eval '[ "$rc" = 0 ] && grep -qx "$P: keepalived last notified MASTER here: judged as master (every VIP bound)" <<<"$out"'
check "MASTER: the client's entry for $LAB_VIP moved to dir1" [ "$(lab_neigh client "$LAB_VIP")" = "$LAB_MAC_dir1" ]
check "MASTER: the log names the event, its FIFO line, each bind and the outcome" \
	eval 'grep -qx "event 1 ($FIFO:1): INSTANCE \"VI_1\" MASTER 150: taking over" "$LOG" &&
		grep -qx "$P: bind $LAB_VIP/24 on eth0 (label eth0:lvsdr)" "$LOG" &&
		grep -qx "$P: bind $LAB_VIP6/64 on eth0" "$LOG" &&
		grep -q "^event 1: MASTER done: exit status 0, 2 of 2 VIPs held ([0-9.]* ms)$" "$LOG"'
check "--prom after MASTER: state MASTER, 2 VIPs held, 1 handled, 0 failed, the last event" \
	eval 'grep -qx "lvsdr_events_state{profile=\"$P\",state=\"MASTER\"} 1" "$PROM" &&
		grep -qx "lvsdr_events_state{profile=\"$P\",state=\"none\"} 0" "$PROM" &&
		grep -qx "lvsdr_events_vips_held{profile=\"$P\"} 2" "$PROM" &&
		grep -qx "lvsdr_events_handled{profile=\"$P\"} 1" "$PROM" &&
		grep -qx "lvsdr_events_failed{profile=\"$P\"} 0" "$PROM" &&
		grep -qx "lvsdr_events_last_event{profile=\"$P\",type=\"INSTANCE\",name=\"VI_1\",state=\"MASTER\"} 1" "$PROM" &&
		grep -q "^lvsdr_events_last_event_timestamp_seconds{profile=\"$P\"} [0-9]*$" "$PROM" &&
		[ -z "$(ls "$TMP" | grep "lvsdr-events.prom.")" ]'

ev_send 'GROUP "VG_1" BACKUP 0'
wait_until 10 ev_done 2
check "BACKUP (a GROUP line): both VIPs released, the foreign address kept" \
	eval 'state_is backup && [ "$(held)" = 0 ] && foreign_kept'
check "BACKUP recorded for the track script: verify --state notified judges as any" \
	eval 'on dir1 "$LVSDR" verify --state notified "$P" | grep -qx "$P: keepalived last notified BACKUP here: judged as any"'
check "BACKUP: the log names each release" \
	eval 'grep -qx "$P: remove $LAB_VIP/24 from eth0" "$LOG" && grep -q "^event 2: BACKUP done: exit status 0, 0 of 2 VIPs held (" "$LOG"'
check "--prom after BACKUP: state BACKUP, 0 held, 2 handled" \
	eval 'grep -qx "lvsdr_events_state{profile=\"$P\",state=\"BACKUP\"} 1" "$PROM" &&
		grep -qx "lvsdr_events_vips_held{profile=\"$P\"} 0" "$PROM" &&
		grep -qx "lvsdr_events_handled{profile=\"$P\"} 2" "$PROM" &&
		grep -qx "lvsdr_events_last_event{profile=\"$P\",type=\"GROUP\",name=\"VG_1\",state=\"BACKUP\"} 1" "$PROM"'
check "every writer closing the FIFO is not the end: opened again, and said so" \
	grep -qx "$FIFO: every writer closed it (keepalived stopped or restarts): opened again" "$LOG"

# --- the NIC's MAC changed: the announcing socket is opened anew --------------------
NEWMAC=02:00:00:00:00:99
on dir1 ip link set eth0 address "$NEWMAC"
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 5000 eth0 >"$TMP/sniff2" 2>"$TMP/sniff2.err" &
SNIFF=$!
wait_until 2 grep -qsx ready "$TMP/sniff2.err"
ev_act 'INSTANCE "VI_1" MASTER 150'
sleep 0.5
kill -TERM "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
check "a new MAC on eth0: the next MASTER announces from it, never from the old one" \
	eval 'grep -q "arp op=request eth_src=$NEWMAC .* spa=$LAB_VIP " "$TMP/sniff2" &&
		! grep -q "eth_src=$LAB_MAC_dir1 .* spa=$LAB_VIP " "$TMP/sniff2"'
on dir1 ip link set eth0 address "$LAB_MAC_dir1"
ev_act 'INSTANCE "VI_1" BACKUP 150'

# --- lines that are not events ------------------------------------------------------
ev_send 'INSTANCE "VI_1" MASTERY 100' 'RS [192.0.2.11]:tcp:80 [192.0.2.100]:tcp:80 UP' 'INSTANCE "VI_1" FAULT 100'
wait_until 10 ev_done 5
check "a malformed line: ignored with FIFO:line and why; VS/RS lines pass silently; the next event acted on" \
	eval 'grep -qx "$FIFO:5: ignored: a state other than MASTER, BACKUP, FAULT, STOP or DELETED: INSTANCE \"VI_1\" MASTERY 100" "$LOG" &&
		! grep -q "^$FIFO:6:" "$LOG" && grep -qx "event 5 ($FIFO:7): INSTANCE \"VI_1\" FAULT 100: releasing" "$LOG" &&
		grep -qx "lvsdr_events_ignored{profile=\"$P\"} 1" "$PROM"'

# --- a storm: 50 alternating events at once, five times --------------------------------
storm_ok=0
for k in 1 2 3 4 5; do
	ev_storm_run "$k" 100
	in_order=$?
	if [ "$EV_LAST" = MASTER ]; then st=master n=2; else st=backup n=0; fi
	if [ "$in_order" = 0 ] && state_is "$st" && [ "$(held)" = "$n" ] && foreign_kept; then
		storm_ok=$((storm_ok + 1))
	else
		echo "# storm $k: wanted ${EV_WANT[*]} ending $EV_LAST; log: $EV_GOT; held $(held)"
	fi
done
check "a storm of 50 alternating events, 5 times: the 50 in FIFO order each time, none failed, the end state the last event's ($storm_ok of 5)" \
	[ "$storm_ok" = 5 ]
check "--prom after the storms: 255 events handled, 0 failed" \
	eval 'grep -qx "lvsdr_events_handled{profile=\"$P\"} 255" "$PROM" && grep -qx "lvsdr_events_failed{profile=\"$P\"} 0" "$PROM"'

# --- SIGHUP ------------------------------------------------------------------------------
cp "$P" "$TMP/good.ini"
profile "$P" 3 "$LAB_VIP/24" "$LAB_VIP6/64" "192.0.2.300/24"
n=$(ev_count)
kill -HUP "$EV_PID"
wait_until 10 grep -q "SIGHUP: $P: refused; the profile read before stays in force" "$LOG"
ev_act 'INSTANCE "VI_1" MASTER 100'
ev_check "SIGHUP with a bad profile: refused with file:line, the old profile kept (both VIPs taken over)" \
	eval 'grep -q "^$P:8: \[vip\] address = 192.0.2.300/24: " "$LOG" && [ "$(held)" = 2 ] && kill -0 $EV_PID'
profile "$P" 3 "$LAB_VIP/24" "$LAB_VIP6/64" 192.0.2.101/24
kill -HUP "$EV_PID"
wait_until 10 grep -qx "SIGHUP: $P read again: 3 VIPs on eth0" "$LOG"
ev_act 'INSTANCE "VI_1" MASTER 100'
check "SIGHUP with a good profile: its third VIP is bound by the next MASTER" \
	eval 'on dir1 ip -o addr show dev eth0 | grep -qw 192.0.2.101/24 && grep -qx "lvsdr_events_vips{profile=\"$P\"} 3" "$PROM"'
ev_act 'INSTANCE "VI_1" BACKUP 100'
cp "$TMP/good.ini" "$P"

# --- --name ---------------------------------------------------------------------------------
ev_stop
ev_check "SIGTERM: exit 0, logged, the VIPs left as they are (released by the last event)" \
	eval '[ "$EV_RC" = 0 ] && grep -q "^stopping: 258 events acted on, 0 failed" "$LOG" && state_is backup'
ev_start --name VI_1 --name VG_1
ev_send 'INSTANCE "VI_2" MASTER 100' 'INSTANCE "VI_1" MASTER 100'
wait_until 10 ev_done 259
check "--name VI_1: an event of VI_2 is ignored and said so, VI_1's acted on" \
	eval 'grep -qx "$FIFO:1: ignored: not one of the --name given: INSTANCE \"VI_2\" MASTER 100" "$LOG" &&
		grep -qx "event 1 ($FIFO:2): INSTANCE \"VI_1\" MASTER 100: taking over" "$LOG" && state_is master'
ev_stop
check "SIGTERM as master: exit 0, the VIPs stay bound (keepalived decides)" eval '[ "$EV_RC" = 0 ] && state_is master'
# keepalived's order at its stop, measured: SIGTERM to the reader, then STOP,
# on the FIFO keepalived holds open all along: opened here before the
# signal (read-write, which never blocks), so no process start of the
# test's falls inside the service's grace. Then keepalived exits, the last
# writer gone: the service ends by itself. A second signal, as ev_stop
# sends, would mean "stop now" and could overtake the STOP line.
ev_start
exec 9<>"$FIFO"
kill -TERM "$EV_PID"
printf '%s\n' 'INSTANCE "VI_1" STOP 100' >&9
exec 9>&-
ev_reap
ev_check "SIGTERM, then STOP written (keepalived stopping): STOP acted on, both VIPs released, exit 0" \
	eval '[ "$EV_RC" = 0 ] && grep -q "^event 1: STOP done: exit status 0, 0 of 2 VIPs held (" "$LOG" && state_is backup'

# --- SIGKILL mid-storm, and a restart ---------------------------------------------------------
# Behind the step gate (a test hook): the kill lands mid-storm, while an
# event waits before a change. A log of its own from here.
LOG=$TMP/events-after-kill.log
: >"$LOG"
ev_kill_mid_storm 100
ev_check "SIGKILL mid-storm: killed before the 50th event" eval '! grep -q "^event 50 " "$LOG"'
h=$(held)
# What was in the FIFO died with its last reader.
ev_start
check "restarted: the state read as it is ($h of 2 held)" \
	eval 'grep "^ready: " "$LOG" | tail -n 1 | grep -qx "ready: $P, 2 VIPs on eth0 ($h held now), reading $FIFO"'
ev_act 'INSTANCE "VI_1" MASTER 100'
check "after the restart MASTER takes over: both VIPs bound, the foreign address kept" \
	eval 'state_is master && foreign_kept'
ev_act 'INSTANCE "VI_1" BACKUP 100'
check "after the restart BACKUP releases both, and nothing foreign is touched" \
	eval 'state_is backup && [ "$(held)" = 0 ] && foreign_kept'

# --- changes between events, seen without a dump per event -------------------------------------
# The links and addresses come from the kernel's notifications on a route
# socket of the service's (groups RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
# RTNLGRP_IPV6_IFADDR: 00000111 in /proc/net/netlink), drained before each
# event: what changed since the last one is seen all the same.
subs=$(on dir1 awk '$2 == 0 && $4 == "00000111"' /proc/net/netlink | wc -l)
check "the service follows the kernel's link and address notifications (route sockets on those groups: $subs)" \
	[ "$subs" = 1 ]
ev_act 'INSTANCE "VI_1" MASTER 100'
on dir1 ip addr del "$LAB_VIP/24" dev eth0
ev_act 'INSTANCE "VI_1" MASTER 100'
check "a VIP removed by hand between two MASTER events: the second binds it again" \
	eval 'state_is master && [ "$(held)" = 2 ]'
on dir1 ip link set eth0 down
on dir1 ip link set eth0 name eth7
ev_act 'INSTANCE "VI_1" MASTER 100'
ev_check "eth0 renamed between events: the next MASTER finds no eth0, fails (2) and binds nothing" \
	eval 'grep "^event [0-9]*: MASTER " "$LOG" | tail -n 1 | grep -q "^event [0-9]*: MASTER failed: exit status 2, " &&
		grep -q "no interface eth0 in this network namespace" "$LOG" && [ "$(on dir1 ip -o addr show | grep -cwF "$LAB_VIP")" = 1 ]'
on dir1 ip link set eth7 name eth0
on dir1 ip link set eth0 up
# A rename gives the NIC a new conf/ directory in /proc/sys; the service's
# kept descriptor of the old one answers ENOENT for every knob.
ev_act 'INSTANCE "VI_1" MASTER 100'
ev_check "eth0 named back: the next MASTER binds both (its IPv4 read from the new conf/eth0, not the old one's)" \
	eval 'state_is master && [ "$(held)" = 2 ] && ! grep -q "has no IPv4" "$LOG"'
ev_act 'INSTANCE "VI_1" BACKUP 100'
check "eth0 named back: BACKUP releases both, nothing foreign touched" \
	eval 'state_is backup && [ "$(held)" = 0 ] && foreign_kept'
# The run directories are judged at every event, through the descriptors
# the service holds open (fstat): one made group-writable meanwhile is
# refused before anything changes.
NSDIR=$(dirname "$(lab_record dir1)")
chmod 0775 "$NSDIR"
ev_act 'INSTANCE "VI_1" MASTER 100'
ev_check "the namespace's run directory made group-writable between events: the next MASTER fails, naming it, and binds nothing" \
	eval 'grep "^event [0-9]*: MASTER " "$LOG" | tail -n 1 | grep -q "^event [0-9]*: MASTER failed: " &&
		grep -q "^lvsdr: $NSDIR: refused: the directory is writable by its group" "$LOG" && [ "$(held)" = 0 ]'
chmod 0755 "$NSDIR"
ev_act 'INSTANCE "VI_1" MASTER 100'
ev_check "its mode set back: the next MASTER binds both" eval 'state_is master && [ "$(held)" = 2 ]'
ev_act 'INSTANCE "VI_1" BACKUP 100'
ev_stop

# --- the systemd unit of contrib/ -----------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/units"
	sed "s#/usr/sbin/lvsdr#$LVSDR#" "$LVSDR_ROOT/contrib/systemd/lvsdr-events@.service" >"$TMP/units/lvsdr-events@.service"
	ln -s lvsdr-events@.service "$TMP/units/lvsdr-events@director.service"
	out=$(systemd-analyze verify --man=no "$TMP/units/lvsdr-events@director.service" 2>&1)
	check "contrib/systemd/lvsdr-events@.service: systemd-analyze verify prints nothing" eval '[ -z "$out" ]'
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
else
	skip "contrib/systemd/lvsdr-events@.service: systemd-analyze is not installed"
fi

# --- keepalived itself -------------------------------------------------------------------------
ka_case() {
	local KA=$TMP/ka conf=$TMP/ka/dir1.conf
	mkdir -p "$KA/bin" && install -m 0755 "$LVSDR" "$KA/bin/lvsdr" || return 1
	cp "$P" "$KA/director.ini"
	sed -e "s#/usr/sbin/lvsdr#$KA/bin/lvsdr#g" -e "s#/etc/lvsdr/director.ini#$KA/director.ini#g" \
		-e "s#/run/keepalived/lvsdr-events.fifo#$KA/notify.fifo#g" \
		"$LVSDR_ROOT/contrib/keepalived/keepalived-events.conf" >"$conf"
	out=$(keepalived --config-test -f "$conf" 2>&1)
	check "keepalived --config-test on contrib/keepalived/keepalived-events.conf (this build's paths): status 0, not a word" \
		eval '[ $? = 0 ] && [ -z "$out" ]'
	ip netns exec "$(ns dir1)" keepalived -n -l -D -G -P -f "$conf" -p "$KA/dir1.pid" -r "$KA/dir1-vrrp.pid" \
		>"$KA/dir1.log" 2>&1 &
	KA_PIDS+=($!)
	check "keepalived MASTER -> lvsdr events (vrrp_notify_fifo_script) binds both VIPs within 10 s" \
		wait_until 10 eval 'on dir1 "$LVSDR" verify --state master "$KA/director.ini" >/dev/null 2>&1'
	check "keepalived binds no VIP itself: the IPv4 VIP carries lvsdr's label, keepalived's marker is on lo" \
		eval 'on dir1 ip -o -4 addr show dev eth0 | grep -w "$LAB_VIP/24" | grep -q "eth0:lvsdr" &&
			on dir1 ip -o addr show dev lo | grep -q "127.0.0.51/32"'
	check "keepalived's track script (lvsdr verify --state notified) succeeds on the master lvsdr events keeps" \
		wait_until 10 grep -q "VRRP_Script(chk_lvsdr) succeeded" "$KA/dir1.log"
	kill -TERM "${KA_PIDS[-1]}"
	LOG=$KA/dir1.log ev_check "keepalived stopped: its STOP event releases the VIPs, within 10 s" \
		wait_until 10 eval 'on dir1 "$LVSDR" verify --state backup "$KA/director.ini" >/dev/null 2>&1'
}
if ! command -v keepalived >/dev/null 2>&1; then
	skip "keepalived with lvsdr events: keepalived is not installed (tests/deps.sh test)"
else
	ka_case || not_ok "keepalived with lvsdr events: a private copy of lvsdr for keepalived"
fi
