#!/usr/bin/env bash
# t-33: lvsdr events' health checks the DR way ([health]), in
# namespaces. This kernel has no IPVS: here the checks, their rise and fall,
# the log and the metrics are proved, and that each change reaches the
# engine (which says the table cannot be changed); the weights in a real
# IPVS table are the guest's part (see the end of this file).
#
#     [dir1] .2  lvsdr events, BACKUP (no VIP held): checks run all the same
#        |
#      (br0)-----------------------+
#        |                         |
#     [rs1] .11                 [rs2] .12
#     lvsdr apply: VIP on lo, knobs; tcp/80 (socat) on both
#
#   [service web] 192.0.2.100 tcp/80 -> rs1, rs2
#   [health] interval 500ms, timeout 100ms, rise 2, fall 2
# Then two more runs of events: one whose round waits 3 s on a silent real
# server while a MASTER arrives (acted on at once), one with quorum = 2
# (the VIP released and taken back as rs1 goes and comes).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_start t-33 dir1 rs1 rs2
need_tools t-33 socat

EV_PID=
declare -A SERVICE_PID
cleanup() {
	local pid
	[ -n "$EV_PID" ] && kill -KILL "$EV_PID" 2>/dev/null
	for pid in "${SERVICE_PID[@]}"; do kill "$pid" 2>/dev/null; done
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT

LOG=$TMP/events.log
PROM=$TMP/lvsdr-events.prom
INTERVAL_MS=500 FALL=2 RISE=2
printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = %s\n' "$LAB_VIP" >"$TMP/rs.ini"
cat >"$TMP/lb.ini" <<EOF
[host]
role = director
interface = eth0

[vip]
address = $LAB_VIP/24

[service web]
address = $LAB_VIP
port = tcp/80
realserver = $LAB_IP_rs1
realserver = $LAB_IP_rs2

[health]
interval = ${INTERVAL_MS}ms
timeout = 100ms
rise = $RISE
fall = $FALL
EOF
chmod 600 "$TMP"/*.ini

# web HOST: its tcp/80 service, started in the background (not through
# `on`: stop must signal socat itself).
web() {
	ip netns exec "$(ns "$1")" socat TCP6-LISTEN:80,fork,reuseaddr SYSTEM:'echo hello' >/dev/null 2>&1 &
	SERVICE_PID[$1]=$!
	wait_until 3 eval "on $1 ss -Htln 'sport = :80' | grep -q ."
}
web_stop() {
	kill "${SERVICE_PID[$1]}" 2>/dev/null
	wait "${SERVICE_PID[$1]}" 2>/dev/null
	unset "SERVICE_PID[$1]"
}
# logged ERE: a line of the service's log matches.
logged() { grep -Eq -- "$1" "$LOG"; }
# prom NAME RS: the sample of NAME for real server RS.
prom() { sed -n "s/^$1{profile=\"[^\"]*\",service=\"web\",realserver=\"$2\"} //p" "$PROM"; }

: >"$LOG"
setup_ok=1
for h in rs1 rs2; do
	lv "$h" apply -q "$TMP/rs.ini" && web "$h" || setup_ok=0
done
if [ "$setup_ok" != 1 ]; then
	not_ok "t-33: real servers provisioned by lvsdr apply, tcp/80 listening"
	exit 1
fi

# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
ip netns exec "$(ns dir1)" ${LVSDR_WRAP:-} "$LVSDR" events --prom "$PROM" "$TMP/lb.ini" "$TMP/notify.fifo" >>"$LOG" 2>&1 &
EV_PID=$!
check "events says what it checks: 2 real servers every 500 ms, rise 2, fall 2, action weight0" \
	wait_until 10 logged "^health: 2 real servers checked the DR way every 500 ms \(timeout 100 ms, rise 2, fall 2, action weight0\)$"
# shellcheck disable=SC2016 # expanded by eval, at each try
check "after a round, the metrics hold both real servers up with their weight, checks counted" \
	wait_until 5 eval '[ "$(prom lvsdr_events_realserver_up 192.0.2.11)" = 1 ] && [ "$(prom lvsdr_events_realserver_up 192.0.2.12)" = 1 ] && [ "$(prom lvsdr_events_realserver_checks 192.0.2.11)" -ge 1 ] && [ "$(prom lvsdr_events_realserver_weight 192.0.2.11)" = 1 ]'
check "no real server goes down while both answer" bash -c "! grep -q 'down after' '$LOG'"

# --- rs1's service stopped: down within fall x interval ----------------------
web_stop rs1
t0=$(date +%s%N)
down_re="^health: real server 192\.0\.2\.11 of service web \(tcp/192\.0\.2\.100:80\) down after $FALL failed checks: closed"
if wait_until 5 logged "$down_re"; then
	took=$((($(date +%s%N) - t0) / 1000000))
	# "Within fall x interval" is held by the count, not by a clock: the
	# line says exactly FALL failed checks, one a round on the service's
	# own timer. The time taken is printed, not asserted (under load it
	# measures the scheduler).
	ok "rs1 stopped: down after $FALL failed checks (closed), logged with the reason (${took} ms here; fall x interval = $((FALL * INTERVAL_MS)) ms)"
else
	not_ok "rs1 stopped: down after $FALL failed checks, logged with the reason (closed)"
	sed 's/^/#   /' "$LOG" | tail -20
fi
check "the log says what is done with it: weight 0, its connections finish" \
	logged "$down_re.*; weight 0 \(its connections finish\)$"
check "each change goes to the engine's IPVS plan, which says this kernel's table cannot be changed" \
	logged "^health: the IPVS table was not changed: the kernel has no IPVS"
# shellcheck disable=SC2016 # expanded by eval, at each try
check "metrics: rs1 up 0, weight 0, failed checks counted; rs2 still up" \
	wait_until 3 eval '[ "$(prom lvsdr_events_realserver_up 192.0.2.11)" = 0 ] && [ "$(prom lvsdr_events_realserver_weight 192.0.2.11)" = 0 ] && [ "$(prom lvsdr_events_realserver_checks_failed 192.0.2.11)" -ge '"$FALL"' ] && [ "$(prom lvsdr_events_realserver_up 192.0.2.12)" = 1 ]'
check "rs2, still answering, never goes down" bash -c "! grep -q 'real server 192.0.2.12 .* down' '$LOG'"

# --- back after rise successes -----------------------------------------------
web rs1
check "rs1 serving again: up after $RISE passed checks, its weight back" \
	wait_until 5 logged "^health: real server 192\.0\.2\.11 of service web \(tcp/192\.0\.2\.100:80\) up after $RISE passed checks: weight 1 again$"
# shellcheck disable=SC2016 # expanded by eval, at each try
check "metrics: rs1 up 1 again" wait_until 3 eval '[ "$(prom lvsdr_events_realserver_up 192.0.2.11)" = 1 ]'

# --- the classic DR mistake: the VIP missing from rs1's lo -------------------
on rs1 ip addr del "$LAB_VIP/32" dev lo
check "rs1 without the VIP on lo: down, the DR check not accepted by it" \
	wait_until 5 logged "^health: real server 192\.0\.2\.11 of service web \(tcp/192\.0\.2\.100:80\) down after $FALL failed checks: vip-not-accepted"
check "...where a check of rs1's own address still passes (tcp/80 on 192.0.2.11 answers)" \
	eval 'on dir1 timeout 3 socat -u TCP:192.0.2.11:80,connect-timeout=2 - | grep -qx hello'
check "rs2, with its VIP, stays up throughout" bash -c "! grep -q 'real server 192.0.2.12 .* down' '$LOG'"

kill -TERM "$EV_PID" 2>/dev/null
# shellcheck disable=SC2016 # expanded by eval, at each try
check "events stops on SIGTERM" wait_until 5 eval '! kill -0 "$EV_PID" 2>/dev/null'
wait "$EV_PID"
check "events exits with status 0" test $? -eq 0
EV_PID=
check "that the table cannot be changed is said once, not every round" \
	test "$(grep -c '^health: the IPVS table was not changed' "$LOG")" -eq 1
check "every line of the service's log is one lvsdr wrote: no error on standard error" \
	bash -c "! grep -Eq '^lvsdr|rror' '$LOG'"
sed 's/^/# log: /' "$LOG"

# --- a round in flight never holds an event back ------------------------------
# A real server that never answers (192.0.2.13: no host has it, so each
# ARP request of the round waits out its 3 s timeout): a MASTER written
# while that round is in flight is acted on at once. Proved by the order of
# the log, not by a time: the takeover, its bind and its end are logged
# before the round's result; and rs2 sees the gratuitous ARP.
#   [service web] 192.0.2.100 tcp/80 -> 192.0.2.13 (silent)
#   [health] interval 7s, timeout 3s, fall 1
P2=$TMP/lb-silent.ini
FIFO2=$TMP/notify2.fifo
LOG2=$TMP/events2.log
sed -e 's/^realserver = .*//' -e "s/^port = tcp\/80$/port = tcp\/80\nrealserver = 192.0.2.13/" \
	-e 's/^interval = .*/interval = 7s/' -e 's/^timeout = .*/timeout = 3s/' -e 's/^fall = .*/fall = 1/' \
	"$TMP/lb.ini" >"$P2"
printf '\n[garp]\ncount = 1\n' >>"$P2"
chmod 600 "$P2"
: >"$LOG2"
# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
ip netns exec "$(ns dir1)" ${LVSDR_WRAP:-} "$LVSDR" events "$P2" "$FIFO2" >>"$LOG2" 2>&1 &
EV_PID=$!
ip netns exec "$(ns rs2)" "$HELPERS/arpsniff" -d 8000 eth0 >"$TMP/sniff" 2>"$TMP/sniff.err" &
SNIFF=$!
wait_until 2 grep -qsx ready "$TMP/sniff.err"
if wait_until 10 grep -q '^ready: ' "$LOG2"; then
	# The first round begins at once: the MASTER goes in once its ARP
	# request for 192.0.2.13 has reached rs2 (the order asserted below).
	wait_until 5 grep -qE "arp op=request .* tpa=192\.0\.2\.13$" "$TMP/sniff"
	printf 'INSTANCE "VI_1" MASTER 150\n' | timeout 5 tee "$FIFO2" >/dev/null
fi
wait_until 10 grep -q '^health: real server 192\.0\.2\.13 .* down after 1 failed check: unreachable' "$LOG2"
kill -TERM "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
# line ERE: the number of the first line of LOG2 matching ERE (0: none).
line() { grep -nE -m1 -- "$1" "$LOG2" | cut -d: -f1 | grep . || echo 0; }
took=$(line '^event 1 \(.*\): INSTANCE "VI_1" MASTER 150: taking over$')
bound=$(line "^$P2: bind $LAB_VIP/24 on eth0")
done_=$(line '^event 1: MASTER done: exit status 0, 1 of 1 VIPs held')
result=$(line '^health: real server 192\.0\.2\.13 of service web .* down after 1 failed check: unreachable: no ARP answer')
# shellcheck disable=SC2016 # expanded by eval
check "a MASTER during a round: taken over, bound and done before the round's result (log lines $took, $bound, $done_ < $result)" \
	eval '[ "$took" -gt 0 ] && [ "$bound" -gt "$took" ] && [ "$done_" -gt "$bound" ] && [ "$result" -gt "$done_" ]'
# shellcheck disable=SC2016 # expanded by eval
check "...the round was in flight: its ARP requests for 192.0.2.13 went out before the MASTER's gratuitous ARP" \
	eval 'grep -nE "arp op=request .* tpa=192\.0\.2\.13$" "$TMP/sniff" | head -1 | grep -q . &&
		[ "$(grep -nE "arp op=request .* tpa=192\.0\.2\.13$" "$TMP/sniff" | head -1 | cut -d: -f1)" -lt \
		  "$(grep -nE "spa=$LAB_VIP tha=.* tpa=$LAB_VIP$" "$TMP/sniff" | head -1 | cut -d: -f1)" ]'
check "the gratuitous ARP for $LAB_VIP reached rs2" grep -qE "arp op=request eth_src=$LAB_MAC_dir1 .* spa=$LAB_VIP .*tpa=$LAB_VIP\$" "$TMP/sniff"
# Released the way keepalived would, so the next run finds no VIP.
printf 'INSTANCE "VI_1" BACKUP 100\n' | timeout 5 tee "$FIFO2" >/dev/null
wait_until 5 grep -q '^event 2: BACKUP done' "$LOG2"
kill -TERM "$EV_PID" 2>/dev/null
# shellcheck disable=SC2016 # expanded by eval, at each try
wait_until 5 eval '! kill -0 "$EV_PID" 2>/dev/null'
wait "$EV_PID"
check "events with a round in flight stops on SIGTERM with status 0" test $? -eq 0
EV_PID=
sed 's/^/# log2: /' "$LOG2"

# --- [health] quorum: the VIPs released below it, taken back above it ----------
#   [service web] 192.0.2.100 tcp/80 -> rs1, rs2 (weight 1 each)
#   [health] interval 500ms, timeout 100ms, rise 2, fall 2, quorum 2
# rs1's service stopped: web weighs 1 < 2, the VIP released; a MASTER then
# does not take it; rs1 back: taken again (the last event was MASTER).
# After a BACKUP, the quorum met again leaves the VIP released.
P3=$TMP/lb-quorum.ini
FIFO3=$TMP/notify3.fifo
LOG3=$TMP/events3.log
PROM3=$TMP/lvsdr-events3.prom
# rs1 gets its VIP on lo back (taken away above).
on rs1 ip addr add "$LAB_VIP/32" dev lo
cp "$TMP/lb.ini" "$P3"
printf 'quorum = 2\n\n[garp]\ncount = 1\n' >>"$P3"
chmod 600 "$P3"
: >"$LOG3"
vip_held() { on dir1 ip -o -4 addr show dev eth0 | grep -qw "$LAB_VIP/24"; }
ev3() { printf '%s\n' "$1" | timeout 5 tee "$FIFO3" >/dev/null; }
logged3() { grep -Eq -- "$1" "$LOG3"; }
count3() { grep -Ec -- "$1" "$LOG3"; }
quorum_prom() { sed -n "s/^lvsdr_events_quorum{profile=\"[^\"]*\"} //p" "$PROM3"; }
# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
ip netns exec "$(ns dir1)" ${LVSDR_WRAP:-} "$LVSDR" events --prom "$PROM3" "$P3" "$FIFO3" >>"$LOG3" 2>&1 &
EV_PID=$!
wait_until 10 grep -q '^ready: ' "$LOG3"
# shellcheck disable=SC2016 # expanded by eval
check "quorum: metrics say met at start" wait_until 3 eval '[ "$(quorum_prom)" = 1 ]'
ev3 'INSTANCE "VI_1" MASTER 150'
check "quorum met: MASTER takes the VIP over" wait_until 5 vip_held
web_stop rs1
lost_re='^health: quorum lost \(service web \(tcp/192\.0\.2\.100:80\): live real servers weigh 1, under quorum 2 - hysteresis 0\): releasing the VIPs$'
check "rs1 down: the quorum lost, logged with the service, its weight and the quorum" wait_until 5 logged3 "$lost_re"
# shellcheck disable=SC2016 # expanded by eval
check "...the VIP released on dir1" wait_until 3 eval '! vip_held'
check "...and said: 0 of 1 VIPs held" logged3 '^health: quorum lost: exit status 0, 0 of 1 VIPs held'
# shellcheck disable=SC2016 # expanded by eval
check "...the metrics say quorum 0" wait_until 3 eval '[ "$(quorum_prom)" = 0 ]'
# shellcheck disable=SC2016 # expanded by eval
check "...the real server's fall is logged before the quorum's loss" \
	eval '[ "$(grep -n "192\.0\.2\.11 .* down after" "$LOG3" | head -1 | cut -d: -f1)" -lt "$(grep -nE "$lost_re" "$LOG3" | cut -d: -f1)" ]'
ev3 'INSTANCE "VI_1" MASTER 150'
check "a MASTER while the quorum is lost does not take the VIP" \
	wait_until 5 logged3 '^event 2 \(.*\): INSTANCE "VI_1" MASTER 150: not taking over, the quorum is lost \(service web'
# shellcheck disable=SC2016 # expanded by eval
check "...the VIP stays released" eval '! vip_held'
web rs1
check "rs1 back: the quorum met again, the VIP taken back (the last event was MASTER)" \
	wait_until 5 logged3 '^health: quorum met again \(every checked service.s live real servers weigh at least quorum 2 \+ hysteresis 0 \(least: 2, service web\)\): taking the VIPs back \(the last event was MASTER\)$'
check "...the VIP bound on dir1 again" wait_until 3 vip_held
# shellcheck disable=SC2016 # expanded by eval
check "...the metrics say quorum 1" wait_until 3 eval '[ "$(quorum_prom)" = 1 ]'
ev3 'INSTANCE "VI_1" BACKUP 100'
wait_until 5 eval '! vip_held'
web_stop rs1
# shellcheck disable=SC2016 # expanded by eval
check "rs1 down again after the BACKUP: the quorum lost again" \
	wait_until 5 eval '[ "$(count3 "^health: quorum lost \(.*\): releasing the VIPs$")" -eq 2 ]'
web rs1
check "after a BACKUP, the quorum met again leaves the VIP released" \
	wait_until 5 logged3 '^health: quorum met again \(.*\); the last event was BACKUP: the VIPs stay released$'
# shellcheck disable=SC2016 # expanded by eval
check "...not bound" eval '! vip_held'
check "the VIP was taken back exactly once" test "$(count3 '^health: quorum met again .*taking the VIPs back')" -eq 1
# The quorum lost, then taken out of the profile: SIGHUP gives the VIP back.
ev3 'INSTANCE "VI_1" MASTER 150'
wait_until 5 vip_held
web_stop rs1
# shellcheck disable=SC2016 # expanded by eval
wait_until 5 eval '[ "$(count3 "^health: quorum lost \(.*\): releasing the VIPs$")" -eq 3 ]'
sed -i '/^quorum = /d' "$P3"
kill -HUP "$EV_PID"
check "the quorum lost, then deleted from the profile: SIGHUP takes the VIP back (the last event was MASTER)" \
	wait_until 5 logged3 '^health: quorum met again \(no quorum in the profile read again\): taking the VIPs back \(the last event was MASTER\)$'
check "...the VIP bound on dir1" wait_until 3 vip_held
web rs1
kill -TERM "$EV_PID" 2>/dev/null
# shellcheck disable=SC2016 # expanded by eval, at each try
wait_until 5 eval '! kill -0 "$EV_PID" 2>/dev/null'
wait "$EV_PID"
rc=$?
# shellcheck disable=SC2016 # expanded by eval
check "events with a quorum stops on SIGTERM with status 0, nothing on standard error" \
	eval '[ "$rc" -eq 0 ] && ! grep -Eq "^lvsdr|rror" "$LOG3"'
EV_PID=
sed 's/^/# log3: /' "$LOG3"

# The weights in a real IPVS table, and the clients counted, are
# t-33-health-ipvs.sh, in the user-mode Linux guest.

