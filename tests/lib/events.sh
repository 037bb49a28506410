# shellcheck shell=bash
# lvsdr events on dir1, driven by a test that writes keepalived's lines into
# the FIFO itself. Source it after common.sh and lab.sh; it reads P (the
# profile), FIFO and LOG (stdout and stderr of every run, appended), and
# keeps the running service's pid in EV_PID.
#
#   ev_start ARGS...      start it (ARGS before PROFILE FIFO); true once it
#                         logs ready
#   ev_send LINE...       the lines, written at once
#   ev_count, ev_done N   the events the log shows finished (every run
#                         counted); at least N of them
#   ev_act LINE           write one event, wait until it is done
#   ev_stop               SIGTERM; its exit status in EV_RC
#   ev_storm N FIRST PRIO EV_LINES: N events of instance VI_1 with priority
#                         PRIO, alternating FIRST and the other of MASTER
#                         and BACKUP; EV_WANT: their states
#   ev_storm_run K PRIO   storm K of a series: 50 events (odd K ends on
#                         MASTER, even on BACKUP) written at once and waited
#                         for; true when the log shows the 50 in FIFO order
#                         and no event failed. EV_LAST: the last state;
#                         EV_GOT: the states the log shows
#   ev_kill_mid_storm PRIO  start it behind the step gate (a test hook), write
#                         a storm of 50, let it through a change at a time
#                         and kill it with SIGKILL once the log shows the
#                         20th event, while it waits before a change:
#                         mid-storm, mid-event

# shellcheck disable=SC2120 # the tests pass options (t-32: --prom, --name)
ev_start() {
	local before
	before=$(grep -c '^ready: ' "$LOG")
	# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
	ip netns exec "$(ns dir1)" ${LVSDR_WRAP:-} "$LVSDR" events "$@" "$P" "$FIFO" >>"$LOG" 2>&1 &
	EV_PID=$!
	# shellcheck disable=SC2016 # expanded by eval, at each try
	# Returns once ready: up to 60 s for a sanitizer or valgrind build in
	# a guest at load.
	wait_until 60 eval '[ "$(grep -c "^ready: " "$LOG")" -gt "$before" ]'
}

# Bounded: opening a FIFO for writing waits for a reader.
ev_send() { printf '%s\n' "$@" | timeout 5 tee "$FIFO" >/dev/null; }

ev_count() { grep -c '^event [0-9]*: [A-Z]* [a-z]*: exit status' "$LOG"; }
ev_done() { [ "$(ev_count)" -ge "$1" ]; }

ev_act() {
	local before
	before=$(ev_count)
	ev_send "$1"
	wait_until 10 ev_done $((before + 1))
}

ev_stop() {
	kill -TERM "$EV_PID" 2>/dev/null
	ev_reap
}

# ev_reap: wait for the service to end by itself and take its status;
# after 10 s it is killed (status 137, which no check takes for a success).
ev_reap() {
	wait_until 10 eval "! kill -0 $EV_PID 2>/dev/null" || kill -KILL "$EV_PID" 2>/dev/null
	wait "$EV_PID"
	# shellcheck disable=SC2034 # read by the checks, inside eval
	EV_RC=$?
	EV_PID=
}

ev_storm() {
	local i s=$2
	EV_LINES=() EV_WANT=()
	for ((i = 1; i <= $1; i++)); do
		EV_LINES+=("INSTANCE \"VI_1\" $s $3")
		EV_WANT+=("$s")
		if [ "$s" = MASTER ]; then s=BACKUP; else s=MASTER; fi
	done
}

ev_storm_run() {
	local before
	if (($1 % 2)); then ev_storm 50 BACKUP "$2"; else ev_storm 50 MASTER "$2"; fi
	# shellcheck disable=SC2034 # for the test that runs the storm
	EV_LAST=${EV_WANT[49]}
	before=$(ev_count)
	ev_send "${EV_LINES[@]}"
	wait_until 60 ev_done $((before + 50))
	EV_GOT=$(grep '^event [0-9]* (' "$LOG" | tail -n 50 | awk '{ print $6 }' | tr '\n' ' ')
	[ "$EV_GOT" = "${EV_WANT[*]} " ] && ! grep -q "^event [0-9]*: [A-Z]* failed" "$LOG"
}

ev_kill_mid_storm() {
	local gate=$TMP/gate n=1
	rm -rf "$gate" && mkdir "$gate"
	LVSDR_TEST_STEP_GATE=$gate ev_start
	ev_storm 50 BACKUP "$1"
	ev_send "${EV_LINES[@]}"
	# One change at a time (the service numbers them across events) until
	# the log shows the 20th event; it then stands before its next change,
	# events 21 to 50 each having one, and the kill lands there.
	while ! grep -q '^event 20 (' "$LOG"; do
		wait_until 30 test -e "$gate/at-$n" || break
		: >"$gate/go-$n"
		n=$((n + 1))
	done
	wait_until 30 test -e "$gate/at-$n"
	kill -KILL "$EV_PID"
	wait "$EV_PID" 2>/dev/null
	EV_PID=
}
