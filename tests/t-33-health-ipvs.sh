#!/usr/bin/env bash
# t-33 (IPVS): lvsdr events' health checks drive the weights of a real IPVS
# table ([health]). In the user-mode Linux guest; the checks, the
# log and the metrics alone are t-33-health.sh, in namespaces.
#
#        [client] 192.0.2.1     asks VIP:80 N times, counts who answered
#            |
#          (br0)---------------+--------------------+
#            |                 |                    |
#        [dir1] .2          [rs1] .11            [rs2] .12
#        VIP on eth0,       VIP on lo, knobs; TCP :80 on the VIP answers
#        lvsdr apply, then  "rs1" / "rs2" (tests/lib/ipvs-lab.sh)
#        lvsdr events (no event: checks run all the same)
#
#   [service web] 192.0.2.100 tcp/80 rr -> rs1, rs2
#   [health] interval 1s, timeout 200ms, rise 2, fall 2
#   then, by SIGHUP: web -> rs1 alone, [health] sorry = rs2
#   then, by SIGHUP: web -> rs1, rs2, [health] action = remove
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
guest_reexec "$0" "$@"
. "$(dirname "$0")/lib/ipvs-director.sh"

ipvs_director_up
INTERVAL_MS=1000 FALL=2 RISE=2
LOG=$TMP/events.log
: >"$LOG"
{
	base
	printf '\n[service web]\naddress = %s\nport = tcp/80\nscheduler = rr\nrealserver = %s\nrealserver = %s\n' \
		"$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
	printf '\n[health]\ninterval = %sms\ntimeout = 200ms\nrise = %s\nfall = %s\n' "$INTERVAL_MS" "$RISE" "$FALL"
} >"$P"
chmod 600 "$P"

# weight RS: rs's weight on web, as ipvsadm reads it; "absent" when it is
# not in the table.
weight() {
	local w
	w=$(table | sed -n "s/^-a -t $LAB_VIP:80 -r $1:80 -g -w \([0-9]*\)$/\1/p")
	echo "${w:-absent}"
}
weight_is() { [ "$(weight "$1")" = "$2" ]; }
logged() { grep -Eq -- "$1" "$LOG"; }
# web_stop: rs1's TCP :80 on the IPv4 VIP stops (its socat, by its pid);
# web_start starts it again as tests/lib/ipvs-lab.sh does.
web_stop() {
	local pid
	pid=$(on rs1 ss -Htlnp "sport = :80" | grep -F "$LAB_VIP:80" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)
	[ -n "$pid" ] && kill "$pid" && wait_until 5 eval "! on rs1 ss -Htln 'sport = :80' | grep -qF '$LAB_VIP:80'"
}
web_start() {
	on rs1 socat -U "TCP-LISTEN:80,bind=$LAB_VIP,fork,reuseaddr" "OPEN:$IPVS_LAB_DIR/rs1" </dev/null >/dev/null 2>&1 &
	wait_until 5 eval "on rs1 ss -Htln 'sport = :80' | grep -qF '$LAB_VIP:80'"
}

run dir1 apply -q "$P"
check "apply -q sets the table up (status $RC)" [ "$RC" = 0 ]
# Not through `on`: a function run in the background is a subshell, and
# the signals must reach lvsdr itself.
# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
ip netns exec "$(ns dir1)" ${LVSDR_WRAP:-} "$LVSDR" events "$P" "$TMP/notify.fifo" >>"$LOG" 2>&1 &
EV_PID=$!
# Up to 60 s: the service's start (a dump, the profile, the sockets) under
# valgrind in the guest took over 20 s at load 4; returns at once when ready.
check "events checks 2 real servers" wait_until 60 logged "^health: 2 real servers checked the DR way"
# shellcheck disable=SC2016 # expanded by eval
check "both real servers answer their checks: weight 1 each" eval 'weight_is "$LAB_IP_rs1" 1 && weight_is "$LAB_IP_rs2" 1'
got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
check "clients reach both real servers (got $got)" grep -qx "rs1=$((N / 2)) rs2=$((N / 2)) other=0" <<<"$got"

# --- rs1's service stopped ----------------------------------------------------
web_stop
t0=$(date +%s%N)
# "Within fall x interval" is held by the count, not by a clock: the log line
# below says it went down after exactly FALL failed checks (one round each,
# INTERVAL_MS apart by the service's own timer). The time taken here is
# printed, not asserted: in a loaded guest it measures the scheduler.
if wait_until 20 weight_is "$LAB_IP_rs1" 0; then
	took=$((($(date +%s%N) - t0) / 1000000))
	ok "rs1 stopped: weight 0 (${took} ms here; fall x interval = $((FALL * INTERVAL_MS)) ms)"
else
	not_ok "rs1 stopped: weight 0 within 20 s (now $(weight "$LAB_IP_rs1"))"
	sed 's/^/#   /' "$LOG" | tail -20
fi
check "the log names rs1, the service and the reason" \
	logged "^health: real server $LAB_IP_rs1 of service web \(tcp/$LAB_VIP:80\) down after $FALL failed checks: closed.*; weight 0 \(its connections finish\)$"
check "the table took it through the engine: health: IPVS table: 1 change made" \
	logged "^health: IPVS table: 1 change made$"
check "rs2 keeps weight 1" weight_is "$LAB_IP_rs2" 1
got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
check "clients are never sent to rs1 after that: all $N to rs2 (got $got)" grep -qx "rs1=0 rs2=$N other=0" <<<"$got"

# --- an apply by hand puts it back: the next round holds it again ---------------
# (The table is not read between the two: the next round may come first.)
held=$(grep -c "^health: IPVS table: 1 change made$" "$LOG")
run dir1 apply "$P"
want "status $RC" status_is 0
want "no weight 1 edit" out_has "edit real server $LAB_IP_rs1:80 of tcp/$LAB_VIP:80 \(weight 1, dr\)"
verdict "an apply by hand gives rs1 its weight 1 back"
# shellcheck disable=SC2016 # expanded by eval, at each try
check "the next round holds it at 0 again" \
	wait_until 10 eval 'weight_is "$LAB_IP_rs1" 0 && [ "$(grep -c "^health: IPVS table: 1 change made$" "$LOG")" -gt '"$held"' ]'

# --- back after rise successes ---------------------------------------------------
web_start
check "rs1 serving again: weight 1 back after $RISE passed checks" wait_until 20 weight_is "$LAB_IP_rs1" 1
check "the log says so" logged "^health: real server $LAB_IP_rs1 of service web \(tcp/$LAB_VIP:80\) up after $RISE passed checks: weight 1 again$"
got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
check "clients reach both again (got $got)" grep -qx "rs1=$((N / 2)) rs2=$((N / 2)) other=0" <<<"$got"

# --- the classic DR mistake: the VIP missing from rs1's lo ----------------------
on rs1 ip addr del "$LAB_VIP/32" dev lo
check "rs1 without the VIP on lo: weight 0" wait_until 20 weight_is "$LAB_IP_rs1" 0
check "the DR check says why: not accepted" \
	logged "^health: real server $LAB_IP_rs1 of service web \(tcp/$LAB_VIP:80\) down after $FALL failed checks: vip-not-accepted"
# rs1's own address: a check of it alone would call rs1 healthy.
on rs1 socat -U "TCP-LISTEN:81,bind=$LAB_IP_rs1,fork,reuseaddr" "OPEN:$IPVS_LAB_DIR/rs1" </dev/null >/dev/null 2>&1 &
wait_until 5 eval "on rs1 ss -Htln 'sport = :81' | grep -q ." || true
check "...where a check of rs1's own address passes (tcp/81 on $LAB_IP_rs1 answers rs1)" \
	eval "on client timeout 5 socat -u TCP:$LAB_IP_rs1:81,connect-timeout=3 - | grep -qx rs1"
check "rs2 never went down" eval "! grep -q 'real server $LAB_IP_rs2 .* down' '$LOG'"

# --- a sorry server, through SIGHUP: web has rs1 alone, rs2 stands in ------------
on rs1 ip addr add "$LAB_VIP/32" dev lo
check "rs1 with its VIP again: weight 1" wait_until 20 weight_is "$LAB_IP_rs1" 1
{
	base
	printf '\n[service web]\naddress = %s\nport = tcp/80\nscheduler = rr\nrealserver = %s\n' "$LAB_VIP" "$LAB_IP_rs1"
	printf '\n[health]\ninterval = %sms\ntimeout = 200ms\nrise = %s\nfall = %s\nsorry = %s\n' \
		"$INTERVAL_MS" "$RISE" "$FALL" "$LAB_IP_rs2"
} >"$P"
kill -HUP "$EV_PID"
check "SIGHUP: the profile read again, 1 real server checked" wait_until 10 logged "^health: 1 real server checked the DR way"
check "rs2, now the sorry server and no real server of web, leaves the table while rs1 serves" \
	wait_until 10 weight_is "$LAB_IP_rs2" absent
check "rs1 kept its state across SIGHUP: weight 1" weight_is "$LAB_IP_rs1" 1
# sorry_step WHAT RS1 RS2 LOGGED CLIENTS SPLIT: rs1's weight becomes RS1
# and the sorry server rs2's RS2 ("absent": out of the table), the log
# says "sorry server rs2 LOGGED", and N new clients split as SPLIT.
sorry_step() {
	local got rs2="at weight $3"
	[ "$3" = absent ] && rs2="out of the table"
	# shellcheck disable=SC2016 # expanded by eval, at each try
	check "$1: rs1 at weight $2, the sorry server rs2 $rs2" \
		wait_until 20 eval 'weight_is "$LAB_IP_rs1" '"$2"' && weight_is "$LAB_IP_rs2" '"$3"
	check "the log says so" logged "^health: service web \(tcp/$LAB_VIP:80\): sorry server $LAB_IP_rs2 $4$"
	got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
	check "every client gets $5 (got $got)" grep -qx "$6" <<<"$got"
}
web_stop
sorry_step "rs1 stopped" 0 1 "in \(every real server is out\)" "the sorry server" "rs1=0 rs2=$N other=0"
web_start
sorry_step "rs1 back (no connection left on rs2)" 1 absent "leaves \(a real server is back\)" "rs1 again" \
	"rs1=$N rs2=0 other=0"

# --- action = remove, through SIGHUP: web -> rs1, rs2 again -------------------
{
	base
	printf '\n[service web]\naddress = %s\nport = tcp/80\nscheduler = rr\nrealserver = %s\nrealserver = %s\n' \
		"$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
	printf '\n[health]\ninterval = %sms\ntimeout = 200ms\nrise = %s\nfall = %s\naction = remove\n' \
		"$INTERVAL_MS" "$RISE" "$FALL"
} >"$P"
kill -HUP "$EV_PID"
check "SIGHUP: 2 real servers checked, action remove" \
	wait_until 10 logged "^health: 2 real servers checked the DR way .*action remove\)$"
check "rs2, a real server again, back in the table at weight 1" wait_until 10 weight_is "$LAB_IP_rs2" 1
web_stop
check "rs1 stopped, action remove: out of the table (no connection to wait for)" \
	wait_until 20 weight_is "$LAB_IP_rs1" absent
check "the log says removed" \
	logged "^health: real server $LAB_IP_rs1 of service web \(tcp/$LAB_VIP:80\) down after $FALL failed checks: closed.*; removed \(once its connections end\)$"
got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
check "every client gets rs2 (got $got)" grep -qx "rs1=0 rs2=$N other=0" <<<"$got"
web_start
# (No clients counted here: the guest run stays well under its limit.)
check "rs1 back: added again at weight 1" wait_until 20 weight_is "$LAB_IP_rs1" 1

kill -TERM "$EV_PID"
check "events stops on SIGTERM" wait_until 10 eval "! kill -0 $EV_PID 2>/dev/null"
wait "$EV_PID"
check "events exits with status 0" test $? -eq 0
check "nothing on standard error" eval "! grep -q '^lvsdr' '$LOG'"
sed 's/^/# log: /' "$LOG"
