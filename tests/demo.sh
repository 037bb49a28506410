#!/usr/bin/env bash
# `make demo`: the ARP problem of LVS direct routing, and lvsdr solving it
# with the shipped profiles, in a throw-away lab of network namespaces:
# real servers provisioned, the leak shown before and gone after, a director
# failover under keepalived, a drift caught by verify and named by probe,
# and the direct-routing path checked end to end.
#
#   tests/demo.sh LVSDR_BINARY
#
#     [client] .1   asks "who has 192.0.2.100?" (arpwho), watches frames
#        |          (arpsniff), audits the segment (lvsdr probe)
#      (br0)-----------+--------------+--------------+--------------+
#                      |              |              |              |
#                   [dir1] .2      [dir2] .3      [rs1] .11      [rs2] .12
#                   director       director       real server    real server
#                   keepalived     keepalived     VIP on lo      VIP on lo
#                   priority 150   priority 100   tcp/80 socat   tcp/80 socat
#
# keepalived runs profiles/keepalived.conf (router_id, priority and two
# paths changed) and calls `lvsdr notify` on each change of state. Without
# keepalived the demo runs `lvsdr takeover` itself, as notify MASTER would,
# and says so. KEEPALIVED names its binary (default: keepalived from PATH;
# empty: run without it). Without socat the path check is skipped.
#
# Every step checks that it showed what it claims; if not, the demo stops
# with a message and status 1 (2: it cannot run here). The lab is removed on
# every exit, Ctrl-C included. LVSDR_BUILD names the build holding the test
# helpers (default: the repository's build/, refreshed with make); given by
# the caller (tests/run), it is used as it is. LVSDR_WRAP is honoured as in
# the tests. Colours only when stdout is a terminal and NO_COLOR is unset.
set -u
DEMO_T0=$(date +%s%N)

DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
cd "$DEMO_ROOT" || exit 2

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: tests/demo.sh LVSDR_BINARY   (or: make demo)" >&2
	exit 2
fi
LVSDR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LVSDR_ROOT=$DEMO_ROOT
demo_build_given=${LVSDR_BUILD:+yes}
LVSDR_BUILD=${LVSDR_BUILD:-$DEMO_ROOT/build}
export LVSDR LVSDR_ROOT LVSDR_BUILD

. tests/lib/common.sh
. tests/lib/lab.sh

RS_PROFILE=profiles/realserver.ini
DIR_PROFILE=profiles/director.ini
KA_CONF=profiles/keepalived.conf
KEEPALIVED=${KEEPALIVED-keepalived}
VIP=$LAB_VIP
STEPS=8
DEMO_TMP=
DEMO_STEP=0
SNIFF_PID=
KA=                     # keepalived's configs, logs and pid files, while it runs
KA_WHY=                 # why the directors run without keepalived
# shellcheck disable=SC2034 # read through their names (ka_running, ka_stop)
KA_PID_dir1='' KA_PID_dir2=''
PATHCHECK_WHY=          # why the path check is skipped

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	C_HEAD=$'\e[1m' C_CMD=$'\e[36m' C_GOOD=$'\e[32m' C_BAD=$'\e[31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
	C_HEAD='' C_CMD='' C_GOOD='' C_BAD='' C_DIM='' C_OFF=''
fi

# --- Clean-up ----------------------------------------------------------------
# ka_kill HOST: HOST's keepalived dies as in a crash. Frozen first, it can
# neither restart its VRRP process nor run a notify; then both are killed.
# KA_KILLED holds the commands, as the demo shows them.
ka_kill() {
	local var=KA_PID_$1 vrrp=
	local pid=${!var}
	KA_KILLED=
	[ -n "$pid" ] || return 0
	[ -n "$KA" ] && vrrp=$(cat "$KA/$1-vrrp.pid" 2>/dev/null)
	kill -STOP "$pid" 2>/dev/null
	[ -n "$vrrp" ] && kill -KILL "$vrrp" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	# Bounded, as every wait here: the clean-up goes on whatever happens.
	wait_until 5 all_gone "$pid" && wait "$pid" 2>/dev/null
	printf -v "$var" '%s' ''
	KA_KILLED="kill -STOP $pid; kill -KILL ${vrrp:+$vrrp }$pid"
}

# demo_namespaces: every namespace of this demo, recorded by lab.sh or not
# (a Ctrl-C can land between `ip netns add` and lab.sh's bookkeeping).
demo_namespaces() {
	ip netns list 2>/dev/null | awk -v s="-$$" '$1 ~ /^lvsdr-/ && substr($1, length($1) - length(s) + 1) == s { print $1 }'
}
# lab_pids: every process running in the demo's namespaces.
lab_pids() {
	local n
	for n in $(demo_namespaces); do ip netns pids "$n" 2>/dev/null; done
}
# all_gone PID...: none of them runs any more; a zombie, dead but not yet
# reaped by its parent, counts as gone.
all_gone() {
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$p/status" && return 1
	done
	return 0
}

# lab_up installs `trap lab_down EXIT`; wrapping lab_down makes that trap
# also stop keepalived, remove our temp dir and every namespace of ours, and
# kill what ignored lab.sh's SIGTERM rather than let it outlive its namespace.
eval "lab_down_lab_sh() $(declare -f lab_down | tail -n +2)"
lab_down() {
	local n p pids
	ka_kill dir1
	ka_kill dir2
	[ -n "$SNIFF_PID" ] && kill "$SNIFF_PID" 2>/dev/null
	SNIFF_PID=
	pids=$(lab_pids)
	lab_down_lab_sh
	for n in $(demo_namespaces); do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	# shellcheck disable=SC2086 # one PID per word
	if ! wait_until 2 all_gone $pids; then
		for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	fi
	[ -n "$DEMO_TMP" ] && rm -rf "$DEMO_TMP"
	DEMO_TMP='' KA=''
}
# A redirection on a function or builtin (`f 2>/dev/null`) is made and
# undone by this shell: a signal landing inside one would leave the
# clean-up's output going to /dev/null. The EXIT trap writes to copies
# saved here.
exec {DEMO_STDOUT}>&1 {DEMO_STDERR}>&2
demo_exit() {
	local rc=$?
	exec 1>&"$DEMO_STDOUT" 2>&"$DEMO_STDERR"
	lab_down
	[ "$rc" -eq 130 ] && echo "demo: interrupted; the lab is removed" >&2
	exit "$rc"
}
trap demo_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Output ------------------------------------------------------------------
die() {
	echo "${C_BAD}demo FAILED in step $DEMO_STEP: $*${C_OFF}" >&2
	exit 1
}
step() { # N TITLE
	DEMO_STEP=$1
	printf '\n%s== %s/%s  %s ==%s\n' "$C_HEAD" "$1" "$STEPS" "$2" "$C_OFF"
}
say() { printf '%s\n' "$@"; }
# good|bad LINE...: a step's conclusion, green when it is the outcome we
# want, red when it shows the problem.
conclude() {
	local colour=$1 line
	shift
	printf '  %s=> %s' "$colour" "$1"
	shift
	for line in "$@"; do printf '\n     %s' "$line"; done
	printf '%s\n' "$C_OFF"
}
good() { conclude "$C_GOOD" "$@"; }
bad() { conclude "$C_BAD" "$@"; }
indent() { sed 's/^/    /'; }
# show HOST DISPLAY [NOTE]: a command line as the demo prints it.
show() { printf '  %s%s# %s%s%s\n' "$C_CMD" "$1" "$2" "$C_OFF" "${3:+   $C_DIM($3)$C_OFF}"; }

# run HOST DISPLAY CMD...: print "HOST# DISPLAY", run CMD in HOST, print its
# output indented. OUT holds the output, RC the status.
run() {
	local host=$1 display=$2
	shift 2
	show "$host" "$display"
	OUT=$(on "$host" timeout --foreground -k 2 60 "$@" 2>&1)
	RC=$?
	[ -n "$OUT" ] && printf '%s\n' "$OUT" | indent
	return 0
}
sh_on() { run "$1" "${*:2}" "${@:2}"; }                          # HOST CMD...
lvsdr_on() { run "$1" "lvsdr ${*:2}" ${LVSDR_WRAP:-} "$LVSDR" "${@:2}"; } # HOST ARGS...

# want_rc WANT WHAT: the last command exited WANT, or the demo stops.
want_rc() {
	[ "$RC" -eq "$1" ] || die "$2 exited with status $RC, expected $1"
}

# who_has: the client sends ARP requests for the VIP and lists every answer
# with its host; WHO holds the answering hosts in lab order.
who_has() {
	local macs mac
	show client "arpwho eth0 $VIP" "who has $VIP? print every answer"
	macs=$(on client timeout --foreground -k 2 20 "$HELPERS/arpwho" eth0 "$VIP" 2>&1)
	case $? in 0 | 1) ;; *) die "arpwho failed: $macs" ;; esac
	WHO=
	[ -n "$macs" ] || printf '    (nobody answered)\n'
	for mac in $macs; do
		printf '    %s  %s\n' "$mac" "$(lab_host_of "$mac")"
		WHO="$WHO $(lab_host_of "$mac")"
	done
	WHO=${WHO# }
}
# expect_who HOST...: exactly these hosts answered.
expect_who() {
	[ "$WHO" = "$*" ] || die "expected ${*:-nobody} to answer ARP for $VIP, got: ${WHO:-nobody}"
}

# probe_vip EXPECTED_HOST: lvsdr probe from the client for the VIP, then the
# MACs of its answer named by host. PROBE_STATUS is the VIP's verdict (ok,
# leak, ...), PROBE_OTHERS the hosts that answered besides the expected one.
probe_vip() {
	local mac=LAB_MAC_$1 line m hosts=''
	lvsdr_on client probe -e "${!mac}" -i eth0 "$VIP"
	line=$(awk -v v="$VIP" '$1 == v' <<<"$OUT")
	PROBE_STATUS=$(awk '{ print $2 }' <<<"$line")
	PROBE_OTHERS=
	for m in $(grep -oE '([0-9a-f]{2}:){5}[0-9a-f]{2}( \(expected\))?' <<<"$line" | tr ' ' '_'); do
		hosts="$hosts, ${m%%_*} = $(lab_host_of "${m%%_*}")"
		[[ $m == *expected* ]] || PROBE_OTHERS="$PROBE_OTHERS $(lab_host_of "$m")"
	done
	PROBE_OTHERS=${PROBE_OTHERS# }
	[ -n "$hosts" ] && printf '    %s(%s)%s\n' "$C_DIM" "${hosts#, }" "$C_OFF"
	return 0
}

# neigh_line: the client's neighbour entry for the VIP, with its host named.
neigh_line() {
	local mac line
	show client "ip neigh show $VIP dev eth0"
	line=$(on client ip -4 neigh show to "$VIP" dev eth0)
	mac=$(lab_neigh client "$VIP")
	printf '    %s%s\n' "${line:-(no entry)}" "${mac:+   <- $(lab_host_of "$mac")}"
}

# ping_vip: one ping from the client to the VIP, showing only its outcome.
ping_vip() {
	show client "ping -c1 $VIP"
	OUT=$(on client ping -n -q -c1 -W1 "$VIP" 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | grep -E 'received|error|unreachable' | indent
}

# neigh_is HOST: the client's entry for the VIP holds HOST's MAC.
neigh_is() {
	local mac=LAB_MAC_$1
	[ "$(lab_neigh client "$VIP")" = "${!mac}" ]
}
# sniffed_from HOST N: arpsniff has printed at least N frames from HOST.
sniffed_from() {
	local mac=LAB_MAC_$1
	[ "$(grep -c "eth_src=${!mac}" "$DEMO_TMP/sniff")" -ge "$2" ]
}

# listens HOST PORT: a TCP socket listens on PORT in HOST.
listens() { [ -n "$(on "$1" ss -Hltn "sport = :$2")" ]; }

# director_is HOST master|backup: HOST holds the VIP (master) or does not
# (backup), as `lvsdr verify --state` judges it. Polled while a Ctrl-C may
# come: the redirection is on the command, not on a function (`on`).
director_is() {
	ip netns exec "$(ns "$1")" ${LVSDR_WRAP:-} "$LVSDR" verify -q --state "$2" "$DIR_PROFILE" >/dev/null 2>&1
}

# profile_line FILE: a profile's settings on one line, comments dropped.
profile_line() {
	awk '{ sub(/[;#].*/, ""); gsub(/^[ \t]+|[ \t]+$/, ""); gsub(/[ \t]*=[ \t]*/, " = ") }
		/^\[/ { printf "%s%s", (n++ ? "  " : ""), $0; sep = " "; next }
		NF { printf "%s%s", sep, $0; sep = ", " }
		END { print "" }' "$1"
}

# garp_frames: the frames one takeover of the director profile sends for
# its VIP: count rounds of one frame, two with mode = both (the defaults
# are lvsdr.ini(5)'s).
garp_frames() {
	awk '{ sub(/[;#].*/, "") } $1 == "count" { c = $3 } $1 == "mode" { m = $3 }
		END { c = c ? c : 3; print (m == "" || m == "both") ? 2 * c : c }' "$DIR_PROFILE"
}

# sniff_pretty T0: arpsniff's frames about the VIP as "ms after T0 (ns),
# sender host, what it says".
sniff_pretty() {
	local map='' h mac
	for h in $LAB_HOSTS_ALL; do mac=LAB_MAC_$h; map="$map ${!mac}=$h"; done
	awk -v map="$map" -v t0="$1" -v vip="$VIP" '
		BEGIN { n = split(map, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); host[p[1]] = p[2] } }
		{
			delete f
			for (i = 2; i <= NF; i++) if (split($i, p, "=") == 2) f[p[1]] = p[2]
			if (f["spa"] != vip && f["tpa"] != vip && f["target"] != vip) next
			t = (substr($1, 3) - t0) / 1e6
			who = (f["eth_src"] in host) ? host[f["eth_src"]] : f["eth_src"]
			if ($2 == "arp")
				printf "    %6.0f ms  %-5s ARP %-7s %s is at %s%s\n", t, who, f["op"], f["spa"], f["sha"],
					(f["spa"] == f["tpa"] ? "  (gratuitous)" : "")
			else
				printf "    %6.0f ms  %-5s %s %s is at %s\n", t, who, toupper($2), f["target"], f["tlla"]
		}'
}

# ka_start HOST PRIORITY: keepalived in HOST, with the shipped config made
# HOST's; in the foreground of a background job, so the demo knows its PID.
ka_start() {
	local h=$1
	sed -e "s#/usr/sbin/lvsdr#$KA/bin/lvsdr#g" -e "s#/etc/lvsdr/director.ini#$DEMO_ROOT/$DIR_PROFILE#g" \
		-e "s/router_id lb1/router_id $h/" -e "s/priority 150/priority $2/" "$KA_CONF" >"$KA/$h.conf" ||
		die "cannot write $KA/$h.conf"
	grep -q "^[[:space:]]*notify \"$KA/bin/lvsdr notify $DEMO_ROOT/$DIR_PROFILE\"" "$KA/$h.conf" &&
		grep -q "^[[:space:]]*priority $2[[:space:]]" "$KA/$h.conf" ||
		die "$KA_CONF no longer has the notify line and priority 150 the demo adapts"
	show "$h" "keepalived -n -l -D -G -P -f $h.conf &" "priority $2; foreground, log to a file, VRRP only"
	ip netns exec "$(ns "$h")" "$KEEPALIVED" -n -l -D -G -P -f "$KA/$h.conf" \
		-p "$KA/$h.pid" -r "$KA/$h-vrrp.pid" >"$KA/$h.log" 2>&1 &
	printf -v "KA_PID_$h" '%s' "$!"
}
ka_running() { # HOST
	local var=KA_PID_$1
	[ -n "${!var}" ] && kill -0 "${!var}" 2>/dev/null
}
# ka_states HOST [STATE]: the VRRP state changes HOST's keepalived logged,
# with the missed adverts that cause them.
ka_states() {
	grep -E "Entering ${2:-[A-Z]+} STATE|Receive advertisement timeout" "$KA/$1.log" 2>/dev/null |
		sed -e 's/^.*[0-9]: //' -e "s/^/    [keepalived $1] /"
}
# ka_log HOST: the end of HOST's keepalived log, for a failure message.
ka_log() { tail -n 8 "$KA/$1.log" 2>/dev/null | sed "s/^/  [keepalived $1] /" >&2; }

# --- Before the lab ----------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (network namespaces, raw sockets): try 'sudo make demo'" >&2
	exit 2
fi
probe=lvsdr-probe-$$
ip netns add "$probe" 2>/dev/null || { echo "demo: cannot create a network namespace here" >&2; exit 2; }
ip netns del "$probe"

HELPERS=$LVSDR_BUILD/helpers
if [ -z "$demo_build_given" ]; then
	# Quietly build or refresh the two helpers; stale ones still do the job.
	if ! make_log=$(make -s -C "$DEMO_ROOT" NO_DEPS=1 BUILD="$LVSDR_BUILD" \
		"$HELPERS/arpwho" "$HELPERS/arpsniff" 2>&1); then
		[ -x "$HELPERS/arpwho" ] && [ -x "$HELPERS/arpsniff" ] ||
			{ printf '%s\n' "$make_log" >&2; echo "demo: cannot build the helpers arpwho, arpsniff" >&2; exit 2; }
		echo "demo: could not rebuild the helpers, using the ones in $HELPERS" >&2
	fi
fi
for h in arpwho arpsniff; do
	[ -x "$HELPERS/$h" ] || { echo "demo: missing $HELPERS/$h (make NO_DEPS=1 test-binaries)" >&2; exit 2; }
done

# The demo proves the shipped examples, so it runs them unchanged: they must
# still describe this lab.
for p in "$RS_PROFILE" "$DIR_PROFILE"; do
	out=$(${LVSDR_WRAP:-} "$LVSDR" check "$p" 2>&1) || { printf '%s\n' "$out" >&2; echo "demo: $p does not pass lvsdr check" >&2; exit 2; }
	[[ $(profile_line "$p") == *"interface = eth0"*"address = $VIP"* ]] ||
		{ echo "demo: $p no longer has interface = eth0 and VIP $VIP, which this lab is built for" >&2; exit 2; }
done

if [ -z "$KEEPALIVED" ]; then
	KA_WHY="KEEPALIVED is set empty"
elif ! command -v "$KEEPALIVED" >/dev/null 2>&1; then
	KA_WHY="$KEEPALIVED is not installed (Debian: apt-get install keepalived)"
fi
command -v socat >/dev/null 2>&1 || PATHCHECK_WHY="socat is not installed (Debian: apt-get install socat)"

# verify also judges the boot-time sysctl files (/etc/sysctl.d, ...); the
# demo judges the lab's namespaces, not this machine's /etc.
DEMO_TMP=$(mktemp -d "/tmp/lvsdr-demo-$$.XXXXXX") || { echo "demo: mktemp failed" >&2; exit 2; }
mkdir "$DEMO_TMP/sysctl-root" || exit 2
export LVSDR_RUNDIR=$DEMO_TMP/run LVSDR_SYSCTL_ROOT=$DEMO_TMP/sysctl-root

say "${C_HEAD}lvsdr demo: the ARP problem of LVS direct routing, and lvsdr fixing it${C_OFF}" \
	"Everything runs in throw-away network namespaces, removed at the end or on Ctrl-C." \
	"The profiles are the shipped examples, used unchanged:" \
	"  $DIR_PROFILE:   $(profile_line "$DIR_PROFILE")" \
	"  $RS_PROFILE: $(profile_line "$RS_PROFILE")"
if [ -z "$KA_WHY" ]; then
	say "  $KA_CONF: drives the directors ($("$KEEPALIVED" --version 2>&1 | head -n1))"
else
	say "  $KA_CONF: ${C_BAD}not used: $KA_WHY${C_OFF}"
fi

# --- 1 -----------------------------------------------------------------------
if [ -z "$KA_WHY" ]; then
	step 1 "The lab: two directors under keepalived"
else
	step 1 "The lab: two directors (without keepalived)"
fi
say "Building the lab: five hosts on one bridge..."
lab_up || die "the lab did not come up"
trap demo_exit EXIT # lab_up installed its own
say "Lab up: namespaces lvsdr-<host>-$$ on the bridge in lvsdr-switch-$$"
printf '    %-7s %-11s %-18s %s\n' host address MAC role \
	client "$LAB_IP_client" "$LAB_MAC_client" "asks for the VIP" \
	dir1 "$LAB_IP_dir1" "$LAB_MAC_dir1" "director, active" \
	dir2 "$LAB_IP_dir2" "$LAB_MAC_dir2" "director, standby" \
	rs1 "$LAB_IP_rs1" "$LAB_MAC_rs1" "real server" \
	rs2 "$LAB_IP_rs2" "$LAB_MAC_rs2" "real server"

if [ -z "$KA_WHY" ]; then
	KA=$DEMO_TMP/ka
	mkdir -p "$KA/bin" || die "cannot create $KA/bin"
	# enable_script_security runs only scripts that no one but root could
	# replace: a private copy of lvsdr in the demo's own 0700 directory.
	if [ -n "${LVSDR_WRAP:-}" ]; then
		printf '#!/bin/sh\nexec %s %q "$@"\n' "$LVSDR_WRAP" "$LVSDR" >"$KA/bin/lvsdr" && chmod 755 "$KA/bin/lvsdr"
	else
		install -m 0755 "$LVSDR" "$KA/bin/lvsdr"
	fi || die "cannot copy lvsdr to $KA/bin"
	say "" "keepalived runs VRRP between dir1 and dir2 with $KA_CONF; only router_id," \
		"priority and the two paths of its notify line change:"
	ka_start dir1 150
	ka_start dir2 100
	say "  $C_DIM(both: $(grep -m1 '^[[:space:]]*notify ' "$KA/dir1.conf" | sed 's/^[[:space:]]*//'))$C_OFF"
	sleep 0.3
	if ! ka_running dir1 || ! ka_running dir2; then
		KA_WHY="keepalived did not start in the lab's namespaces: $(grep -v '^$' "$KA"/dir*.log | tail -n1)"
		ka_kill dir1
		ka_kill dir2
	fi
fi
if [ -z "$KA_WHY" ]; then
	say "Waiting for the VRRP election: each starts as backup, and the one with the higher" \
		"priority becomes master after 3 adverts' time without hearing a better one..."
	wait_until 15 director_is dir1 master ||
		{ ka_log dir1; ka_log dir2; die "dir1 did not become master and take the VIP within 15 s"; }
	ka_states dir1
	ka_states dir2
	director_is dir2 backup || { ka_log dir2; die "dir2 is not backup: it holds the VIP as well"; }
	sh_on dir1 ip -4 -br addr show dev eth0
	[[ $OUT == *" $VIP/"* ]] || die "the VIP is not on dir1's eth0"
	sh_on dir2 ip -4 -br addr show dev eth0
	[[ $OUT != *" $VIP/"* ]] || die "the VIP is on dir2's eth0 too"
	good "dir1 is master: its keepalived ran lvsdr notify ... MASTER, which bound the VIP" \
		"on eth0 and announced it (keepalived.conf lists no VIP: lvsdr binds it). dir2 is" \
		"backup: its notify ran lvsdr notify ... BACKUP, and it holds no VIP."
else
	say "" "${C_BAD}keepalived is not used: $KA_WHY.${C_OFF}" \
		"The demo does its job: dir1 takes the VIP with lvsdr takeover, the command" \
		"keepalived's notify MASTER runs (lvsdr notify PROFILE ... MASTER):"
	lvsdr_on dir1 takeover "$DIR_PROFILE"
	want_rc 0 "lvsdr takeover on dir1"
	good "dir1 holds the VIP and announced it (lvsdr takeover, standing in for keepalived)."
fi

# --- 2 -----------------------------------------------------------------------
step 2 "The leak: real servers set up by hand"
say "In LVS direct routing the client sends to the VIP, the director forwards each" \
	"packet to a real server, and the real server answers the client directly. So the" \
	"real servers hold the VIP too. Set up naively, they also answer ARP for it."
say "rs1 and rs2 bind the VIP on lo as a blog post would, ARP knobs left at 0:"
for h in rs1 rs2; do
	sh_on "$h" ip addr add "$VIP/32" dev lo
	want_rc 0 "ip addr add on $h"
done
say "The client asks who has the VIP:"
who_has
expect_who dir1 rs1 rs2
bad "3 hosts answer for the VIP. The client takes one of the answers, and its traffic may" \
	"go straight to a real server, bypassing the director and its load balancing."

# --- 3 -----------------------------------------------------------------------
step 3 "The fix: lvsdr apply on the real servers"
say "Undo the hand-made set-up first:"
for h in rs1 rs2; do
	sh_on "$h" ip addr del "$VIP/32" dev lo
	want_rc 0 "ip addr del on $h"
done
say "Apply the shipped real-server profile: arp_ignore=1 (answer only for addresses on" \
	"eth0), arp_announce=2 (never use the VIP as ARP sender), the VIP as a /32 on lo:"
lvsdr_on rs1 apply "$RS_PROFILE"
want_rc 0 "lvsdr apply on rs1"
lvsdr_on rs2 apply -q "$RS_PROFILE"
want_rc 0 "lvsdr apply on rs2"
say "rs1 still holds the VIP, so it accepts the packets dir1 forwards to it:"
sh_on rs1 ip -4 -br addr show dev lo
[[ $OUT == *" $VIP/32"* ]] || die "the VIP is not bound on rs1's lo after apply"
say "The client asks again:"
who_has
expect_who dir1
good "only dir1 answers: all traffic for the VIP goes through the director."

# --- 4 -----------------------------------------------------------------------
step 4 "Verify: does rs1 still match its profile?"
say "verify compares the live kernel state with the profile and changes nothing;" \
	"its exit status is made for monitoring (0 in sync, 1 drift, 2 error)."
lvsdr_on rs1 verify "$RS_PROFILE"
want_rc 0 "lvsdr verify on rs1"
good "exit 0: rs1 is in sync."

# --- 5 -----------------------------------------------------------------------
step 5 "Drift: an old script resets a knob on rs2; probe names the culprit"
say "Months later someone's old tuning script runs on rs2:"
sh_on rs2 sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
want_rc 0 "sysctl -w on rs2"
say "Nothing fails on rs2. lvsdr probe, run from any host of the segment (here the" \
	"client), asks who has the VIP and expects only its owner, dir1, to answer:"
probe_vip dir1
want_rc 1 "lvsdr probe on the client after the drift"
[ "$PROBE_STATUS" = leak ] || die "probe did not report a leak for $VIP (verdict: ${PROBE_STATUS:-none})"
[ "$PROBE_OTHERS" = rs2 ] || die "probe did not name rs2 alone as the leak (it named: ${PROBE_OTHERS:-nobody})"
bad "exit 1, a leak: besides dir1, $LAB_MAC_rs2 answers for the VIP, and that MAC is rs2's."
say "verify on rs2 names the knob:"
lvsdr_on rs2 verify "$RS_PROFILE"
want_rc 1 "lvsdr verify on rs2"
[[ $OUT == *arp_ignore*drift* ]] || die "verify on rs2 did not name arp_ignore as drift"
bad "exit 1: drift on arp_ignore, with the changes apply would make."
say "apply puts it back, and probe finds the segment clean:"
lvsdr_on rs2 apply "$RS_PROFILE"
want_rc 0 "lvsdr apply on rs2"
probe_vip dir1
want_rc 0 "lvsdr probe on the client after apply"
if [ "$PROBE_STATUS" != ok ] || [ -n "$PROBE_OTHERS" ]; then
	die "probe still finds ${PROBE_OTHERS:-something} answering for $VIP (verdict: ${PROBE_STATUS:-none})"
fi
good "exit 0: only dir1 answers for the VIP again."

# --- 6 -----------------------------------------------------------------------
if [ -z "$KA_WHY" ]; then
	step 6 "Failover: dir1 dies, keepalived makes dir2 master"
else
	step 6 "Failover: dir2 takes over the VIP with gratuitous ARP"
fi
say "The client talks to the VIP, so its neighbour table maps the VIP to dir1:"
ping_vip
want_rc 0 "the client's ping to the VIP"
neigh_line
neigh_is dir1 || die "the client's entry for the VIP does not point at dir1"
say "From now on arpsniff, on the client, records every ARP frame that reaches it."
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 30000 eth0 >"$DEMO_TMP/sniff" 2>"$DEMO_TMP/sniff.err" &
SNIFF_PID=$!
wait_until 3 grep -qsx ready "$DEMO_TMP/sniff.err" || die "arpsniff did not start: $(cat "$DEMO_TMP/sniff.err")"
if [ -z "$KA_WHY" ]; then
	frames=$(garp_frames)
	say "dir1 crashes: its keepalived dies without a last advert or notify, and its cable" \
		"is pulled. The client's entry still says dir1: without news it would keep" \
		"sending into the void until the entry times out."
	t0=$(date +%s%N)
	ka_kill dir1
	show dir1 "$KA_KILLED" "keepalived frozen, then its VRRP process and itself killed"
	sh_on dir1 ip link set eth0 down
	want_rc 0 "ip link set eth0 down on dir1"
	say "dir2's keepalived hears no advert for 3 intervals and becomes master; its notify" \
		"runs lvsdr notify $DIR_PROFILE INSTANCE VI_1 MASTER 100, which binds" \
		"the VIP on dir2 and announces it:"
	wait_until 15 director_is dir2 master ||
		{ ka_log dir2; die "dir2 did not take the VIP within 15 s of dir1's death"; }
	ka_states dir2 MASTER | tail -n 2
else
	say "dir1 fails (we pull its cable). The client's entry still says dir1: without news" \
		"it would keep sending into the void until the entry times out."
	sh_on dir1 ip link set eth0 down
	want_rc 0 "ip link set eth0 down on dir1"
	say "${C_BAD}Without keepalived${C_OFF} the demo runs what its notify MASTER would on dir2:"
	t0=$(date +%s%N)
	lvsdr_on dir2 takeover "$DIR_PROFILE"
	want_rc 0 "lvsdr takeover on dir2"
	frames=$(sed -n 's/.*: \([0-9][0-9]*\) frames.*/\1/p' <<<"$OUT" | head -n1)
fi
wait_until 5 sniffed_from dir2 "${frames:-1}" ||
	die "the client did not receive the ${frames:-} frames dir2 announces"
wait_until 2 neigh_is dir2
kill "$SNIFF_PID" 2>/dev/null
wait "$SNIFF_PID" 2>/dev/null
SNIFF_PID=
if [ -z "$KA_WHY" ]; then
	say "  ${C_DIM}what the client's arpsniff saw, in ms after dir1 died:${C_OFF}"
else
	say "  ${C_DIM}what the client's arpsniff saw, in ms after the takeover started:${C_OFF}"
fi
sniff_pretty "$t0" <"$DEMO_TMP/sniff"
neigh_line
neigh_is dir2 || die "the client's entry for the VIP did not move to dir2"
ping_vip
want_rc 0 "the client's ping to the VIP after the takeover"
good "the client's entry moved from dir1 to dir2 without the client asking (STALE:" \
	"learnt from a frame it did not request), and its traffic reaches dir2 at once."

# --- 7 -----------------------------------------------------------------------
step 7 "Path check: do the real servers take packets for the VIP?"
if [ -z "$PATHCHECK_WHY" ]; then
	say "A health check to a real server's own address passes even when the VIP is missing" \
		"on its lo. lvsdr pathcheck, on the active director, sends what the director would" \
		"forward: a TCP SYN to the VIP, in a frame to the real server's MAC. A small" \
		"service listens on port 80 of each real server:"
	for h in rs1 rs2; do
		show "$h" "socat TCP-LISTEN:80,bind=0.0.0.0,fork,reuseaddr SYSTEM:'echo hello' &"
		on "$h" socat TCP-LISTEN:80,bind=0.0.0.0,fork,reuseaddr SYSTEM:'echo hello' >/dev/null 2>&1 &
	done
	for h in rs1 rs2; do
		wait_until 5 listens "$h" 80 || die "socat does not listen on port 80 of $h"
	done
	lvsdr_on dir2 pathcheck --realserver "$LAB_IP_rs1" --realserver "$LAB_IP_rs2" --port tcp/80 "$DIR_PROFILE"
	want_rc 0 "lvsdr pathcheck on dir2"
	[ "$(grep -cE "^ *$VIP +($LAB_IP_rs1|$LAB_IP_rs2) +tcp/80 +open " <<<"$OUT")" -eq 2 ] ||
		die "pathcheck did not report rs1 and rs2 open on tcp/80"
	good "exit 0: rs1 and rs2 both answer a SYN for the VIP on tcp/80: the DR path works."
else
	say "${C_BAD}Skipped: $PATHCHECK_WHY.${C_OFF}"
fi

# --- 8 -----------------------------------------------------------------------
step 8 "Tear down"
say "Stopping what runs in the lab (keepalived, the services) and deleting its" \
	"namespaces; the same clean-up runs on Ctrl-C or on any failure..."
running=$(lab_pids)
lab_down
left=$(demo_namespaces)
[ -z "$left" ] || die "namespaces left behind: $left"
# shellcheck disable=SC2086 # one PID per word
all_gone $running || die "processes of the lab still running: $(ps -o pid=,stat=,args= -p "$(echo $running | tr ' ' ,)")"
good "no lvsdr-*-$$ namespace left, and none of the $(wc -w <<<"$running") processes that ran in it."
say "" "${C_HEAD}Recap${C_OFF}"
if [ -z "$KA_WHY" ]; then
	say "  1. keepalived elected dir1; its notify ran lvsdr, which bound and announced the VIP."
else
	say "  1. without keepalived ($KA_WHY), lvsdr takeover put the VIP on dir1."
fi
say "  2. VIP on lo by hand, knobs at 0: three hosts answered ARP for the VIP." \
	"  3. lvsdr apply $RS_PROFILE on rs1, rs2: only the director answers." \
	"  4. lvsdr verify: exit 0, in sync." \
	"  5. a reset arp_ignore on rs2: lvsdr probe named rs2's MAC (exit 1), verify named the" \
	"     knob (exit 1), apply fixed it, probe found the segment clean (exit 0)."
if [ -z "$KA_WHY" ]; then
	say "  6. dir1 crashed: keepalived on dir2 ran lvsdr notify MASTER; the client followed."
else
	say "  6. lvsdr takeover $DIR_PROFILE on dir2: the client followed the VIP to dir2."
fi
if [ -z "$PATHCHECK_WHY" ]; then
	say "  7. lvsdr pathcheck from dir2: both real servers open on tcp/80 through the VIP."
else
	say "  7. path check skipped: $PATHCHECK_WHY."
fi
tenths=$((($(date +%s%N) - DEMO_T0) / 100000000))
say "Finished in $((tenths / 10)).$((tenths % 10)) s." \
	"More: man/lvsdr.8, man/lvsdr.ini.5, man/lvsdr-output.5, man/lvsdr-cluster.7 (man -l man/lvsdr.8), profiles/ for examples."
