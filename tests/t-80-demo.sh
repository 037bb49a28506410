#!/usr/bin/env bash
# t-80: `make demo` (tests/demo.sh), the README's first command. The demo
# checks its own steps; this test checks what a reader sees: every step
# shows the right hosts, the run is short, and nothing is left behind, not
# even when Ctrl-C stops it half-way, keepalived included.
#
#   run 1  to the end, stdout a file      exit 0, each step's output, no colour,
#                                         blind to the machine's /etc/sysctl.d
#   run 2  to the end, KEEPALIVED=""      the fallback: lvsdr takeover, said so
#   run 3  to the end, stdout a terminal  colours (skipped without script(1))
#   run 4  Ctrl-C once keepalived runs    SIGINT to the process group, as a terminal does
#   run 5  SIGINT during the failover     to the demo's PID only, arpsniff and keepalived running
#   run 6  an apply that does nothing     the demo stops in step 3, cleans up
#
# A demo's namespaces are lvsdr-<host>-PID, PID being the demo's shell; its
# temp dir, which holds keepalived's configs, is /tmp/lvsdr-demo-PID.*.
#
# Six demos with keepalived took 270 s of make valgrind's 19 minutes (the
# longest script but one), adding no code valgrind does not already see: the
# commands the demo runs (apply, verify, probe, takeover, pathcheck, notify
# from keepalived) run under valgrind in t-20, t-30, t-60 and t-65. make
# check and make asan run it.
# valgrind: no
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
# procs_of PID: processes whose command line names the demo's temp dir:
# keepalived (-f .../ka/dir1.conf), its VRRP child, the notify runs.
procs_of() { pgrep -f "/tmp/lvsdr-demo-$1\." || true; }
no_procs_of() { [ -z "$(procs_of "$1")" ]; }
# lab_procs PID: every process in the namespaces of the demo PID.
lab_procs() {
	local n
	for n in $(ns_of "$1"); do ip netns pids "$n" 2>/dev/null; done
}

# demo_start OUT [BINARY [VAR=VALUE...]]: run the demo of BINARY (default:
# the lvsdr under test) in the background with the environment VARs, output
# to OUT, created first so that a poll never races the redirection. Job
# control on: a non-interactive shell starts background jobs with SIGINT
# ignored, and the demo must receive the Ctrl-C this test sends; it also
# gives the demo its own process group, as a terminal would.
demo_start() {
	local out=$1 bin=${2:-$LVSDR}
	shift
	[ $# -gt 0 ] && shift
	: >"$out"
	set -m
	env "$@" bash "$DEMO" "$bin" >"$out" 2>&1 &
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
	awk -v h="== $1/8 " 'index($0, h) == 1 { p = 1; next } /^== [0-9]\/8 / { p = 0 } p' "$2"
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
# in_order N FILE STRING...: step N's output holds each STRING, in this
# order (several may share a line).
in_order() {
	local n=$1 file=$2
	shift 2
	section "$n" "$file" | awk '
		BEGIN { for (i = 1; i < ARGC; i++) want[i] = ARGV[i]; n = ARGC - 1; ARGC = 1; k = 1 }
		{ rest = $0; while (k <= n && (i = index(rest, want[k]))) { rest = substr(rest, i + length(want[k])); k++ } }
		END { exit k <= n }' "$@"
}
# dir2_without_vip FILE: the address list shown for dir2's eth0 lacks the VIP.
dir2_without_vip() {
	local shown
	shown=$(section 1 "$1" | awk '/dir2# ip -4 -br addr/ { getline; print }')
	[ -n "$shown" ] && [[ $shown != *" $LAB_VIP/"* ]]
}
# stopped_by_signal: the demo failed, by itself and not by demo_wait's kill.
stopped_by_signal() { [ "$DEMO_RC" -ne 0 ] && [ "$DEMO_RC" -ne 124 ]; }
no_escape() { ! grep -q $'\e' "$1"; }
lab_busy() { [ -n "$(ip netns pids "lvsdr-$1-$2" 2>/dev/null)" ]; } # HOST PID
dump() { sed 's/^/#   /' "$1"; }
VIP_RE=${LAB_VIP//./\\.}

# ka_unavailable WHY: a loud skip, a failure on CI (tests/deps.sh installs keepalived).
ka_unavailable() {
	if [ "${CI:-}" = true ]; then
		not_ok "demo with keepalived: $1 (CI=true: must run)"
	else
		skip "demo with keepalived: $1"
	fi
}

# expect_fallback_steps FILE WHAT: without keepalived, lvsdr takeover stands in
# for notify MASTER on dir1, then on dir2, and the demo says so.
expect_fallback_steps() {
	check "$2: says keepalived is not used, and why" grep -q "^  profiles/keepalived.conf: not used: " "$1"
	check "$2: step 1 puts the VIP on dir1 with lvsdr takeover, standing in for keepalived" \
		in_order 1 "$1" "keepalived is not used: " "dir1# lvsdr takeover profiles/director.ini" "took over 1 VIP on eth0"
	check "$2: step 6 runs lvsdr takeover on dir2 itself, saying so" \
		in_order 6 "$1" "Without keepalived" "dir2# lvsdr takeover profiles/director.ini"
	check "$2: the recap says which path ran" grep -q "^  1\. without keepalived (" "$1"
}

# expect_common_steps FILE: steps 2 to 8, the same with or without keepalived.
expect_common_steps() {
	local out=$1 pid=$2
	check "step 2: rs1 and rs2 bind the VIP on lo by hand" \
		has 2 "$out" "rs2# ip addr add $LAB_VIP/32 dev lo"
	expect_answers "step 2: dir1, rs1 and rs2 answer ARP for the VIP (the leak), MACs named" 2 "$out" "dir1 rs1 rs2"

	check "step 3: the hand-added VIPs are removed first" has 3 "$out" "rs1# ip addr del $LAB_VIP/32 dev lo"
	check "step 3: rs1's lvsdr apply of the shipped profile is shown" \
		has 3 "$out" "rs1# lvsdr apply profiles/realserver.ini"
	check "step 3: apply binds the VIP on lo" has 3 "$out" "bind $LAB_VIP/32 on lo"
	check "step 3: apply ends in sync" has 3 "$out" "ok: in sync"
	expect_answers "step 3: after apply only dir1 answers, rs1 and rs2 must NOT" 3 "$out" "dir1"

	check "step 4: lvsdr verify on rs1 reports in sync" has 4 "$out" "ok: in sync (2 knobs, 1 VIP)"

	check "step 5: the drift is the sysctl an old script would run" \
		has 5 "$out" "rs2# sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0"
	check "step 5: probe runs from the client, dir1's MAC expected" \
		has 5 "$out" "client# lvsdr probe -e $LAB_MAC_dir1 -i eth0 $LAB_VIP"
	check "step 5: probe reports a leak: dir1 as expected, rs2's MAC besides it" \
		matches 5 "$out" "^      $VIP_RE  *leak  *$LAB_MAC_dir1 (expected), $LAB_MAC_rs2\$"
	check "step 5: the MACs probe lists are named: dir1 and rs2" \
		has 5 "$out" "($LAB_MAC_dir1 = dir1, $LAB_MAC_rs2 = rs2)"
	check "step 5: the demo names rs2 as the culprit, exit 1" \
		has 5 "$out" "=> exit 1, a leak: besides dir1, $LAB_MAC_rs2 answers for the VIP, and that MAC is rs2's."
	check "step 5: verify on rs2 names the arp_ignore drift" \
		matches 5 "$out" "^      arp_ignore  *drift "
	check "step 5: apply on rs2 resets the two arp_ignore knobs" \
		has 5 "$out" "set conf/all/arp_ignore 0 -> 1"
	check "step 5: then probe finds only dir1, exit 0 (in this order: leak, verify, apply, clean probe)" \
		in_order 5 "$out" " leak " "rs2# lvsdr verify" "rs2# lvsdr apply" "ok: 1 VIP, each answered by exactly its owner" "=> exit 0: only dir1 answers"

	check "step 6: before the failover the client's entry for the VIP points at dir1" \
		has 6 "$out" "$LAB_VIP lladdr $LAB_MAC_dir1 REACHABLE    <- dir1"
	check "step 6: dir1 loses its link" has 6 "$out" "dir1# ip link set eth0 down"
	check "step 6: the client's arpsniff shows dir2's gratuitous ARP" \
		has 6 "$out" "ms  dir2  ARP request $LAB_VIP is at $LAB_MAC_dir2  (gratuitous)"
	check "step 6: after the failover the entry points at dir2, learnt unasked (STALE)" \
		in_order 6 "$out" "<- dir1" "$LAB_VIP lladdr $LAB_MAC_dir2 STALE    <- dir2"

	if command -v socat >/dev/null 2>&1; then
		check "step 7: socat listens on port 80 of rs1 and rs2" \
			in_order 7 "$out" "rs1# socat TCP-LISTEN:80,bind=0.0.0.0" "rs2# socat TCP-LISTEN:80,bind=0.0.0.0"
		check "step 7: lvsdr pathcheck runs on the active director, dir2" \
			has 7 "$out" "dir2# lvsdr pathcheck --realserver $LAB_IP_rs1 --realserver $LAB_IP_rs2 --port tcp/80 profiles/director.ini"
		check "step 7: pathcheck: rs1 open on tcp/80 through the VIP" \
			matches 7 "$out" "^      $VIP_RE  *$LAB_IP_rs1  *tcp/80  *open "
		check "step 7: pathcheck: rs2 open on tcp/80 through the VIP" \
			matches 7 "$out" "^      $VIP_RE  *$LAB_IP_rs2  *tcp/80  *open "
	else
		skip "step 7: the path check: socat is not installed (tests/deps.sh test)"
	fi

	check "step 8: the demo says its namespaces and processes are gone" \
		has 8 "$out" "no lvsdr-*-$pid namespace left, and none of the"
}

# --- Run 1: to the end ---------------------------------------------------------
# The caller's LVSDR_SYSCTL_ROOT stands for a machine whose /etc/sysctl.d
# resets arp_ignore at boot: verify would report it on every real server.
# The demo judges its lab, so it must set its own empty root.
HOSTROOT=$TMP/hostroot
mkdir -p "$HOSTROOT/etc/sysctl.d"
echo "net.ipv4.conf.all.arp_ignore = 0" >"$HOSTROOT/etc/sysctl.d/50-old-tuning.conf"
OUT=$TMP/demo.out
t0=$(date +%s)
demo_start "$OUT" "$LVSDR" LVSDR_SYSCTL_ROOT="$HOSTROOT"
pid=$DEMO_PID
demo_wait 120
elapsed=$(($(date +%s) - t0))
if [ "$DEMO_RC" -eq 0 ]; then
	ok "demo runs to the end with status 0"
else
	not_ok "demo runs to the end with status 0 (status $DEMO_RC)"
	dump "$OUT"
fi
# How long it took is a figure, not a case: on a loaded runner (valgrind
# makes every lvsdr run several times slower) it measures the machine. That
# the demo ends at all is the case above: demo_wait is bounded (124 if not).
echo "# the demo took ${elapsed} s (load $(cut -d' ' -f1 /proc/loadavg))"
check "demo: no lvsdr-*-$pid namespace left after it" no_ns_of "$pid"
check "demo: its temp dir (LVSDR_RUNDIR, keepalived's files) is removed" no_tmp_of "$pid"
check "demo: no keepalived or notify process of it left" no_procs_of "$pid"
check "demo: no colour codes when stdout is not a terminal" no_escape "$OUT"
check "demo: verify ignores this machine's boot-time sysctl files (no 'at boot' finding from $HOSTROOT)" \
	lacks "$OUT" "at boot"
check "demo: validates the shipped profiles before building the lab" \
	grep -q "^  profiles/realserver.ini: \[host\] role = realserver, interface = eth0 .*address = $LAB_VIP" "$OUT"
for n in 1 2 3 4 5 6 7 8; do
	check "demo: step $n has a heading" grep -q "^== $n/8  [A-Z]" "$OUT"
done

if grep -q "^  profiles/keepalived.conf: drives the directors" "$OUT"; then
	check "step 1: keepalived starts on dir1 (priority 150) and dir2 (priority 100)" \
		in_order 1 "$OUT" "dir1# keepalived -n " "(priority 150;" "dir2# keepalived -n " "(priority 100;"
	check "step 1: keepalived's notify is lvsdr notify with the shipped director profile" \
		matches 1 "$OUT" "(both: notify \"/tmp/lvsdr-demo-$pid\.[^/]*/ka/bin/lvsdr notify $LVSDR_ROOT/profiles/director.ini\")"
	check "step 1: VRRP makes dir1 master and leaves dir2 backup" \
		in_order 1 "$OUT" "[keepalived dir1] (VI_1) Entering MASTER STATE" "[keepalived dir2] (VI_1) Entering BACKUP STATE"
	check "step 1: lvsdr, run by keepalived, bound the VIP on dir1's eth0" \
		in_order 1 "$OUT" "dir1# ip -4 -br addr show dev eth0" " $LAB_VIP/32" "dir2# ip -4 -br addr show dev eth0"
	check "step 1: dir2 holds no VIP" dir2_without_vip "$OUT"
	check "step 6: dir1's keepalived is killed, then dir2's becomes master" \
		in_order 6 "$OUT" "dir1# kill -STOP " "; kill -KILL " "dir1# ip link set eth0 down" \
			"[keepalived dir2] (VI_1) Receive advertisement timeout" "[keepalived dir2] (VI_1) Entering MASTER STATE"
	check "step 6: no lvsdr takeover by hand: keepalived's notify moved the VIP" lacks "$OUT" "# lvsdr takeover"
	# The frames come from dir2 only after it missed dir1's adverts.
	first=$(section 6 "$OUT" | awk '/ms  dir2  ARP / { print $1; exit }')
	check "step 6: dir2's first gratuitous ARP comes a VRRP timeout after dir1 died (${first:-?} ms; 2000..8000)" \
		[ "${first:-0}" -ge 2000 -a "${first:-0}" -le 8000 ]
	check "the recap says keepalived did the failover" grep -q "^  6\. dir1 crashed: keepalived on dir2 ran lvsdr notify MASTER" "$OUT"
elif command -v keepalived >/dev/null 2>&1; then
	ka_unavailable "keepalived is installed but the demo did not use it: $(grep -o 'not used: .*' "$OUT")"
	expect_fallback_steps "$OUT" "demo"
else
	ka_unavailable "keepalived is not installed (run tests/deps.sh test as root)"
	expect_fallback_steps "$OUT" "demo"
fi
expect_common_steps "$OUT" "$pid"

# --- Run 2: without keepalived ---------------------------------------------------
OUT=$TMP/demo.noka
demo_start "$OUT" "$LVSDR" KEEPALIVED=
pid=$DEMO_PID
demo_wait 120
if [ "$DEMO_RC" -eq 0 ]; then
	ok "KEEPALIVED=\"\": the demo runs to the end with status 0"
else
	not_ok "KEEPALIVED=\"\": the demo runs to the end with status 0 (status $DEMO_RC)"
	dump "$OUT"
fi
expect_fallback_steps "$OUT" 'KEEPALIVED=""'
check 'KEEPALIVED="": the client still follows the VIP from dir1 to dir2' \
	in_order 6 "$OUT" "<- dir1" "$LAB_VIP lladdr $LAB_MAC_dir2 STALE    <- dir2"
check 'KEEPALIVED="": no namespace left' no_ns_of "$pid"

# --- Run 3: colours on a terminal ------------------------------------------------
if script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
	TTY=$TMP/demo.tty
	TERM=xterm script -qec "bash '$DEMO' '$LVSDR'" "$TTY" >/dev/null 2>&1 </dev/null
	rc=$?
	check "demo on a terminal: status 0 (status $rc)" [ "$rc" -eq 0 ]
	check "demo on a terminal: headings in bold" grep -q $'\e\\[1m== 1/8 ' "$TTY"
else
	skip "demo on a terminal: script(1) cannot allocate a terminal here"
fi

# interrupt NAME PID SIGNAL_TARGET: send SIGINT (and SIGCONT, for a demo the
# caller froze), then check the demo ended by it and took its lab, every
# process in it and every keepalived of its own along.
interrupt() {
	local name=$1 pid=$2 target=$3 lab p left=
	lab=$(lab_procs "$pid")
	kill -INT -- "$target"
	kill -CONT "$pid"
	demo_wait 15
	check "$name: the demo ends with a non-zero status ($DEMO_RC)" stopped_by_signal
	stopped_by_signal || dump "$OUT"
	check "$name: all its namespaces are gone within 5 s" wait_until 5 no_ns_of "$pid"
	check "$name: its temp dir is removed" no_tmp_of "$pid"
	check "$name: it says it was interrupted" grep -q "interrupted; the lab is removed" "$OUT"
	for p in $lab; do alive "$p" && left="$left $p"; done
	check "$name: every process that ran in the lab is gone (was: $(paste -sd' ' <<<"$lab"); left:${left:- none})" [ -z "$left" ]
	check "$name: no keepalived or notify process of it left (left: $(procs_of "$pid" | paste -sd' '))" no_procs_of "$pid"
}

# --- Run 4: Ctrl-C once keepalived runs --------------------------------------------
# Mid-election, keepalived on both directors and maybe a notify under way.
OUT=$TMP/demo.int
demo_start "$OUT"
pid=$DEMO_PID
if wait_until 30 grep -q -e "^Waiting for the VRRP election" -e "keepalived is not used" "$OUT"; then
	if grep -q "^Waiting for the VRRP election" "$OUT"; then
		check "Ctrl-C: keepalived runs in the lab before the interrupt ($(procs_of "$pid" | paste -sd' '))" \
			[ -n "$(procs_of "$pid")" ]
	fi
	interrupt "Ctrl-C during the VRRP election" "$pid" "-$pid"
else
	not_ok "Ctrl-C: the demo never started its directors within 30 s"
	dump "$OUT"
	demo_wait 1
fi

# --- Run 5: SIGINT to the demo alone, during the failover ------------------------
# Here only the shell gets the signal, while a child runs, arpsniff sits in the
# client's namespace and keepalived on dir2 is about to become master: the trap
# must still run and take them all down.
OUT=$TMP/demo.int6
demo_start "$OUT"
pid=$DEMO_PID
if wait_until 60 grep -q -e "^dir2's keepalived hears no advert" -e "^Without keepalived" "$OUT"; then
	# The rest of the demo takes about 3 s from here; under load this
	# script's own checks could outlast it and the signal would find the
	# demo done. Frozen, its shell takes the SIGINT where it stands.
	kill -STOP "$pid"
	check "SIGINT in step 6: arpsniff runs on the client" \
		wait_until 3 lab_busy client "$pid"
	interrupt "SIGINT in step 6" "$pid" "$pid"
else
	not_ok "SIGINT in step 6: the demo never reached the failover within 60 s"
	dump "$OUT"
	demo_wait 1
fi

# --- Run 6: a step that does not show what it should ------------------------------
# An lvsdr whose apply does nothing: step 3 must stop the demo, not narrate a
# fix that did not happen.
FAKE=$TMP/lvsdr-apply-does-nothing
printf '#!/bin/sh\n[ "$1" = apply ] && exit 0\nexec "%s" "$@"\n' "$LVSDR" >"$FAKE"
chmod +x "$FAKE"
OUT=$TMP/demo.fail
demo_start "$OUT" "$FAKE"
pid=$DEMO_PID
demo_wait 60
check "broken apply: the demo fails with status 1 (status $DEMO_RC)" [ "$DEMO_RC" -eq 1 ]
check "broken apply: it says step 3 failed and why" \
	grep -q "^demo FAILED in step 3: .*rs1" "$OUT"
check "broken apply: it never reaches step 4" lacks "$OUT" "^== 4/8"
check "broken apply: no lvsdr-*-$pid namespace left" no_ns_of "$pid"
check "broken apply: no keepalived or notify process of it left" no_procs_of "$pid"

# `make demo` is this script: the recipe, as make would run it (-n runs
# nothing), builds lvsdr and the helpers and then starts tests/demo.sh.
recipe=$(make -s -n -C "$LVSDR_ROOT" NO_DEPS=1 demo 2>&1)
check "make demo runs tests/demo.sh with the lvsdr it builds" grep -q "tests/demo.sh $LVSDR_ROOT/lvsdr" <<<"$recipe"
