#!/usr/bin/env bash
# t-80: `make demo` (tests/demo.sh), the README's first command. The demo
# checks its own steps; this test checks what a reader sees: every step
# shows the right hosts, the run is short, and nothing is left behind, not
# even when Ctrl-C stops it half-way.
#
#   run 1  to the end, stdout a file     exit 0, each step's output, no colour
#   run 2  to the end, stdout a terminal colours (skipped without script(1))
#   run 3  Ctrl-C once the lab is up     SIGINT to the process group, as a terminal does
#   run 4  SIGINT during the failover    to the demo's PID only, arpsniff running
#
# A demo's namespaces are lvsdr-<host>-PID, PID being the demo's shell.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_require
DEMO=$LVSDR_ROOT/tests/demo.sh
TMP=$(mktemp -d /tmp/lvsdr-t80.XXXXXX) || exit 1
DEMO_PID=
cleanup() {
	local n
	# A demo that outlived its test must not keep its lab.
	if [ -n "$DEMO_PID" ] && kill -0 "$DEMO_PID" 2>/dev/null; then
		kill -TERM "$DEMO_PID" 2>/dev/null
		wait_until 10 gone "$DEMO_PID"
	fi
	for n in $(ns_of "$DEMO_PID"); do ip netns del "$n"; done
	rm -rf "$TMP"
}
trap cleanup EXIT

gone() { ! kill -0 "$1" 2>/dev/null; }

# ns_of PID: the namespaces named after PID.
ns_of() {
	[ -n "$1" ] || return 0
	ip netns list | awk -v s="-$1" '$1 ~ /^lvsdr-/ && substr($1, length($1) - length(s) + 1) == s { print $1 }'
}
no_ns_of() { [ -z "$(ns_of "$1")" ]; }
# no_tmp_of PID: the demo's temp dir (LVSDR_RUNDIR lives in it) is gone.
no_tmp_of() { ! compgen -G "/tmp/lvsdr-demo-$1.*" >/dev/null; }

# demo_start OUT [BINARY]: run the demo of BINARY (default: the lvsdr under
# test) in the background, output to OUT, created first so that a poll
# never races the redirection. Job control
# on: a non-interactive shell starts background jobs with SIGINT ignored, and
# the demo must receive the Ctrl-C this test sends; it also gives the demo its
# own process group, as a terminal would.
demo_start() {
	: >"$1"
	set -m
	bash "$DEMO" "${2:-$LVSDR}" >"$1" 2>&1 &
	DEMO_PID=$!
	set +m
}

# demo_wait SECONDS: wait for the demo to end; DEMO_RC is its status (124 if
# it had to be killed).
demo_wait() {
	if wait_until "$1" gone "$DEMO_PID"; then
		wait "$DEMO_PID"
		DEMO_RC=$?
	else
		kill -TERM "$DEMO_PID" 2>/dev/null
		wait "$DEMO_PID"
		DEMO_RC=124
	fi
}

# section N FILE: the output of step N (its heading to the next heading).
section() {
	awk -v h="== $1/6 " 'index($0, h) == 1 { p = 1; next } /^== [0-9]\/6 / { p = 0 } p' "$2"
}
# answers N FILE: one line per arpwho run in step N: the hosts that answered.
# (No {5} in the MAC pattern: mawk has no interval expressions.)
answers() {
	section "$1" "$2" | awk '
		/client# arpwho / { if (n++) print line; line = ""; next }
		n && /^    [0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]  / { line = line (line == "" ? "" : " ") $2 }
		END { if (n) print line }'
}
# expect_answers NAME N FILE WANT: the arpwho runs of step N gave WANT (one
# "host host" group per run, separated by " / ").
expect_answers() {
	local got
	got=$(answers "$2" "$3" | paste -sd/ | sed 's|/| / |g')
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1 (got: ${got:-no arpwho output})"; fi
}
# has N FILE STRING: step N's output holds STRING; matches: a regex.
has() { section "$1" "$2" | grep -qF -- "$3"; }
matches() { section "$1" "$2" | grep -q -- "$3"; }
lacks() { ! grep -q -- "$2" "$1"; } # FILE REGEX
# stopped_by_signal: the demo failed, by itself and not by demo_wait's kill.
stopped_by_signal() { [ "$DEMO_RC" -ne 0 ] && [ "$DEMO_RC" -ne 124 ]; }
lab_busy() { [ -n "$(ip netns pids "lvsdr-$1-$2" 2>/dev/null)" ]; } # HOST PID
no_escape() { ! grep -q $'\e' "$1"; }
dump() { sed 's/^/#   /' "$1"; }

# --- Run 1: to the end ---------------------------------------------------------
OUT=$TMP/demo.out
t0=$(date +%s)
demo_start "$OUT"
pid=$DEMO_PID
demo_wait 120
elapsed=$(($(date +%s) - t0))
if [ "$DEMO_RC" -eq 0 ]; then
	ok "demo runs to the end with status 0"
else
	not_ok "demo runs to the end with status 0 (status $DEMO_RC)"
	dump "$OUT"
fi
# Valgrind slows every lvsdr run down several times over.
limit=60
[ -n "${LVSDR_WRAP:-}" ] && limit=150
check "demo finishes in under $limit s (${elapsed} s)" [ "$elapsed" -lt "$limit" ]
check "demo: no lvsdr-*-$pid namespace left after it" no_ns_of "$pid"
check "demo: its temp dir (LVSDR_RUNDIR) is removed" no_tmp_of "$pid"
check "demo: no colour codes when stdout is not a terminal" no_escape "$OUT"
check "demo: validates the shipped profiles before building the lab" \
	grep -q "^  profiles/realserver.ini: \[host\] role = realserver, interface = eth0 .*address = $LAB_VIP" "$OUT"
for n in 1 2 3 4 5 6; do
	check "demo: step $n has a heading" grep -q "^== $n/6  [A-Z]" "$OUT"
done

check "step 1: dir1 takes the VIP with lvsdr takeover profiles/director.ini" \
	has 1 "$OUT" "dir1# lvsdr takeover profiles/director.ini"
check "step 1: rs1 and rs2 bind the VIP on lo by hand" \
	has 1 "$OUT" "rs2# ip addr add $LAB_VIP/32 dev lo"
expect_answers "step 1: dir1, rs1 and rs2 answer ARP for the VIP (the leak), MACs named" 1 "$OUT" "dir1 rs1 rs2"

check "step 2: the hand-added VIPs are removed first" has 2 "$OUT" "rs1# ip addr del $LAB_VIP/32 dev lo"
check "step 2: rs1's lvsdr apply output is shown, ending in sync" \
	has 2 "$OUT" "rs1# lvsdr apply profiles/realserver.ini"
check "step 2: apply binds the VIP on lo" has 2 "$OUT" "bind $LAB_VIP/32 on lo"
check "step 2: apply ends in sync" has 2 "$OUT" "ok: in sync"
expect_answers "step 2: after apply only dir1 answers, rs1 and rs2 must NOT" 2 "$OUT" "dir1"

check "step 3: lvsdr verify on rs1 reports in sync" has 3 "$OUT" "ok: in sync (2 knobs, 1 VIP)"

check "step 4: the drift is the sysctl an old script would run" \
	has 4 "$OUT" "rs2# sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0"
expect_answers "step 4: the drift lets rs2 answer again; after apply only dir1 answers" 4 "$OUT" "dir1 rs2 / dir1"
check "step 4: verify on rs2 names the arp_ignore drift" \
	matches 4 "$OUT" "^      arp_ignore  *drift "
check "step 4: apply on rs2 resets the two arp_ignore knobs" \
	has 4 "$OUT" "set conf/all/arp_ignore 0 -> 1"

check "step 5: before the takeover the client's entry for the VIP points at dir1" \
	has 5 "$OUT" "$LAB_VIP lladdr $LAB_MAC_dir1 REACHABLE    <- dir1"
check "step 5: dir2 runs lvsdr takeover profiles/director.ini" \
	has 5 "$OUT" "dir2# lvsdr takeover profiles/director.ini"
check "step 5: the client's arpsniff shows dir2's gratuitous ARP" \
	has 5 "$OUT" "ms  dir2  ARP request $LAB_VIP is at $LAB_MAC_dir2  (gratuitous)"
check "step 5: after the takeover the entry points at dir2, learnt unasked (STALE)" \
	has 5 "$OUT" "$LAB_VIP lladdr $LAB_MAC_dir2 STALE    <- dir2"

check "step 6: the demo says its namespaces are gone" has 6 "$OUT" "no lvsdr-*-$pid namespace left"

# --- Run 2: colours on a terminal ------------------------------------------------
if script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
	TTY=$TMP/demo.tty
	TERM=xterm script -qec "bash '$DEMO' '$LVSDR'" "$TTY" >/dev/null 2>&1 </dev/null
	rc=$?
	check "demo on a terminal: status 0 (status $rc)" [ "$rc" -eq 0 ]
	check "demo on a terminal: headings in bold" grep -q $'\e\\[1m== 1/6 ' "$TTY"
else
	skip "demo on a terminal: script(1) cannot allocate a terminal here"
fi

# --- Run 3: Ctrl-C once the lab is up --------------------------------------------
OUT=$TMP/demo.int
demo_start "$OUT"
pid=$DEMO_PID
if wait_until 20 grep -q "^Lab up: " "$OUT"; then
	check "Ctrl-C: the lab is up before the interrupt" [ -n "$(ns_of "$pid")" ]
	kill -INT -- "-$pid"
	demo_wait 15
	check "Ctrl-C: the demo ends with a non-zero status ($DEMO_RC)" stopped_by_signal
	check "Ctrl-C: all its namespaces are gone within 5 s" wait_until 5 no_ns_of "$pid"
	check "Ctrl-C: its temp dir is removed" no_tmp_of "$pid"
	check "Ctrl-C: it says it was interrupted" grep -q "interrupted; the lab is removed" "$OUT"
else
	not_ok "Ctrl-C: the demo never printed 'Lab up:' within 20 s"
	dump "$OUT"
	demo_wait 1
fi

# --- Run 4: SIGINT to the demo alone, during the failover ------------------------
# Here only the shell gets the signal, while a child runs and arpsniff sits in
# the client's namespace: the trap must still run and take both down.
OUT=$TMP/demo.int5
demo_start "$OUT"
pid=$DEMO_PID
if wait_until 30 grep -q "while arpsniff, on the client" "$OUT"; then
	wait_until 3 lab_busy client "$pid"
	lab_pids=()
	for n in $(ns_of "$pid"); do lab_pids+=($(ip netns pids "$n" 2>/dev/null)); done
	kill -INT "$pid"
	demo_wait 15
	check "SIGINT in step 5: the demo ends with a non-zero status ($DEMO_RC)" stopped_by_signal
	check "SIGINT in step 5: all its namespaces are gone within 5 s" wait_until 5 no_ns_of "$pid"
	check "SIGINT in step 5: its temp dir is removed" no_tmp_of "$pid"
	left=
	for p in "${lab_pids[@]}"; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	check "SIGINT in step 5: every process that ran in the lab is gone (was: ${lab_pids[*]:-none}; left:${left:- none})" \
		[ -z "$left" ]
else
	not_ok "SIGINT in step 5: the demo never reached the failover within 30 s"
	dump "$OUT"
	demo_wait 1
fi

# --- Run 5: a step that does not show what it should ------------------------------
# An lvsdr whose apply does nothing: step 2 must stop the demo, not narrate a
# fix that did not happen.
FAKE=$TMP/lvsdr-apply-does-nothing
printf '#!/bin/sh\n[ "$1" = apply ] && exit 0\nexec "%s" "$@"\n' "$LVSDR" >"$FAKE"
chmod +x "$FAKE"
OUT=$TMP/demo.fail
demo_start "$OUT" "$FAKE"
pid=$DEMO_PID
demo_wait 60
check "broken apply: the demo fails with status 1 (status $DEMO_RC)" [ "$DEMO_RC" -eq 1 ]
check "broken apply: it says step 2 failed and why" \
	grep -q "^demo FAILED in step 2: .*rs1" "$OUT"
check "broken apply: it never reaches step 3" lacks "$OUT" "^== 3/6"
check "broken apply: no lvsdr-*-$pid namespace left" no_ns_of "$pid"
