#!/usr/bin/env bash
# `make demo`: the ARP problem of LVS direct routing, and lvsdr solving it
# with the shipped profiles, in a throw-away lab of network namespaces.
#
#   tests/demo.sh LVSDR_BINARY
#
#     [client] .1  asks "who has 192.0.2.100?" (arpwho), watches frames (arpsniff)
#        |
#      (br0)-----------+--------------+--------------+--------------+
#        |             |              |              |
#     [dir1] .2     [dir2] .3      [rs1] .11      [rs2] .12
#     director      director       real server    real server
#     (active)      (standby)      VIP on lo      VIP on lo
#
# Every step checks that it showed what it claims; if not, the demo stops
# with a message and status 1 (2: it cannot run here). The lab is removed on
# every exit, Ctrl-C included. LVSDR_BUILD names the build holding the test
# helpers (default: the repository's build/, refreshed with make); given by
# the caller (tests/run), it is used as it is. LVSDR_WRAP is honoured as in
# the tests. Colours only when stdout is a terminal and NO_COLOR is unset.
set -u

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
VIP=$LAB_VIP
DEMO_TMP=
DEMO_STEP=0
SNIFF_PID=

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	C_HEAD=$'\e[1m' C_CMD=$'\e[36m' C_GOOD=$'\e[32m' C_BAD=$'\e[31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
	C_HEAD='' C_CMD='' C_GOOD='' C_BAD='' C_DIM='' C_OFF=''
fi

# --- Clean-up ----------------------------------------------------------------
# lab_up installs `trap lab_down EXIT`; wrapping lab_down makes that trap
# also remove our temp dir and any namespace of ours lab.sh had not recorded
# yet (a Ctrl-C can land between `ip netns add` and lab.sh's bookkeeping).
eval "lab_down_lab_sh() $(declare -f lab_down | tail -n +2)"
lab_down() {
	local n
	[ -n "$SNIFF_PID" ] && kill "$SNIFF_PID" 2>/dev/null
	lab_down_lab_sh
	for n in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ $n == lvsdr-*-"$$" ]] && ip netns del "$n" 2>/dev/null
	done
	[ -n "$DEMO_TMP" ] && rm -rf "$DEMO_TMP"
	DEMO_TMP=
}
demo_exit() {
	local rc=$?
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
	printf '\n%s== %s/6  %s ==%s\n' "$C_HEAD" "$1" "$2" "$C_OFF"
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

# run HOST DISPLAY CMD...: print "HOST# DISPLAY", run CMD in HOST, print its
# output indented. OUT holds the output, RC the status.
run() {
	local host=$1 display=$2
	shift 2
	printf '  %s%s# %s%s\n' "$C_CMD" "$host" "$display" "$C_OFF"
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
	printf '  %sclient# arpwho eth0 %s%s   %s(who has %s? print every answer)%s\n' \
		"$C_CMD" "$VIP" "$C_OFF" "$C_DIM" "$VIP" "$C_OFF"
	macs=$(on client "$HELPERS/arpwho" eth0 "$VIP" 2>&1)
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

# neigh_line: the client's neighbour entry for the VIP, with its host named.
neigh_line() {
	local mac line
	printf '  %sclient# ip neigh show %s dev eth0%s\n' "$C_CMD" "$VIP" "$C_OFF"
	line=$(on client ip -4 neigh show to "$VIP" dev eth0)
	mac=$(lab_neigh client "$VIP")
	printf '    %s%s\n' "${line:-(no entry)}" "${mac:+   <- $(lab_host_of "$mac")}"
}

# ping_vip: one ping from the client to the VIP, showing only its outcome.
ping_vip() {
	printf '  %sclient# ping -c1 %s%s\n' "$C_CMD" "$VIP" "$C_OFF"
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

# profile_line FILE: a profile's settings on one line, comments dropped.
profile_line() {
	awk '{ sub(/[;#].*/, ""); gsub(/^[ \t]+|[ \t]+$/, ""); gsub(/[ \t]*=[ \t]*/, " = ") }
		/^\[/ { printf "%s%s", (n++ ? "  " : ""), $0; sep = " "; next }
		NF { printf "%s%s", sep, $0; sep = ", " }
		END { print "" }' "$1"
}

# sniff_pretty: arpsniff lines as "time from first frame, sender host, what it says".
sniff_pretty() {
	local map='' h mac
	for h in $LAB_HOSTS_ALL; do mac=LAB_MAC_$h; map="$map ${!mac}=$h"; done
	awk -v map="$map" '
		BEGIN { n = split(map, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); host[p[1]] = p[2] } }
		{
			delete f
			for (i = 2; i <= NF; i++) if (split($i, p, "=") == 2) f[p[1]] = p[2]
			t = substr($1, 3) / 1e6; if (NR == 1) t0 = t
			who = (f["eth_src"] in host) ? host[f["eth_src"]] : f["eth_src"]
			if ($2 == "arp")
				printf "    %5.0f ms  %-5s ARP %-7s %s is at %s%s\n", t - t0, who, f["op"], f["spa"], f["sha"],
					(f["spa"] == f["tpa"] ? "  (gratuitous)" : "")
			else
				printf "    %5.0f ms  %-5s %s %s is at %s\n", t - t0, who, toupper($2), f["target"], f["tlla"]
		}'
}

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

say "${C_HEAD}lvsdr demo: the ARP problem of LVS direct routing, and lvsdr fixing it${C_OFF}" \
	"Everything runs in throw-away network namespaces, removed at the end or on Ctrl-C." \
	"The profiles are the shipped examples, used unchanged:" \
	"  $DIR_PROFILE:   $(profile_line "$DIR_PROFILE")" \
	"  $RS_PROFILE: $(profile_line "$RS_PROFILE")"

# --- 1 -----------------------------------------------------------------------
step 1 "The leak: real servers set up by hand"
say "In LVS direct routing the client sends to the VIP, the director forwards each" \
	"packet to a real server, and the real server answers the client directly. So the" \
	"real servers hold the VIP too. Set up naively, they also answer ARP for it."
say "" "Building the lab: five hosts on one bridge..."
lab_up || die "the lab did not come up"
trap demo_exit EXIT # lab_up installed its own
DEMO_TMP=$(mktemp -d "/tmp/lvsdr-demo-$$.XXXXXX") || die "mktemp failed"
export LVSDR_RUNDIR=$DEMO_TMP/run
say "Lab up: namespaces lvsdr-<host>-$$ on the bridge in lvsdr-switch-$$"
printf '    %-7s %-11s %-18s %s\n' host address MAC role \
	client "$LAB_IP_client" "$LAB_MAC_client" "asks for the VIP" \
	dir1 "$LAB_IP_dir1" "$LAB_MAC_dir1" "director, active" \
	dir2 "$LAB_IP_dir2" "$LAB_MAC_dir2" "director, standby" \
	rs1 "$LAB_IP_rs1" "$LAB_MAC_rs1" "real server" \
	rs2 "$LAB_IP_rs2" "$LAB_MAC_rs2" "real server"
say "" "dir1 takes the VIP with the shipped director profile:"
lvsdr_on dir1 takeover "$DIR_PROFILE"
want_rc 0 "lvsdr takeover on dir1"
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

# --- 2 -----------------------------------------------------------------------
step 2 "The fix: lvsdr apply on the real servers"
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

# --- 3 -----------------------------------------------------------------------
step 3 "Verify: does rs1 still match its profile?"
say "verify compares the live kernel state with the profile and changes nothing;" \
	"its exit status is made for monitoring (0 in sync, 1 drift, 2 error)."
lvsdr_on rs1 verify "$RS_PROFILE"
want_rc 0 "lvsdr verify on rs1"
good "exit 0: rs1 is in sync."

# --- 4 -----------------------------------------------------------------------
step 4 "Drift: an old script resets a knob on rs2"
say "Months later someone's old tuning script runs on rs2:"
sh_on rs2 sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
want_rc 0 "sysctl -w on rs2"
say "Nothing fails on rs2, but the client sees:"
who_has
expect_who dir1 rs2
bad "rs2 answers for the VIP again: the leak is back, silently."
say "verify finds it and names the knob:"
lvsdr_on rs2 verify "$RS_PROFILE"
want_rc 1 "lvsdr verify on rs2"
[[ $OUT == *arp_ignore*drift* ]] || die "verify on rs2 did not name arp_ignore as drift"
bad "exit 1: drift on arp_ignore, with the changes apply would make."
say "apply puts it back:"
lvsdr_on rs2 apply "$RS_PROFILE"
want_rc 0 "lvsdr apply on rs2"
who_has
expect_who dir1
good "only dir1 answers again."

# --- 5 -----------------------------------------------------------------------
step 5 "Failover: dir2 takes over the VIP with gratuitous ARP"
say "The client talks to the VIP, so its neighbour table maps the VIP to dir1:"
ping_vip
want_rc 0 "the client's ping to the VIP"
neigh_line
neigh_is dir1 || die "the client's entry for the VIP does not point at dir1"
say "dir1 fails (we pull its cable). The client's entry still says dir1: without news" \
	"it would keep sending into the void until the entry times out."
sh_on dir1 ip link set eth0 down
want_rc 0 "ip link set eth0 down on dir1"
say "dir2 takes over with the same director profile while arpsniff, on the client," \
	"prints every ARP frame that reaches it:"
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 10000 eth0 >"$DEMO_TMP/sniff" 2>"$DEMO_TMP/sniff.err" &
SNIFF_PID=$!
wait_until 3 grep -qx ready "$DEMO_TMP/sniff.err" || die "arpsniff did not start: $(cat "$DEMO_TMP/sniff.err")"
lvsdr_on dir2 takeover "$DIR_PROFILE"
want_rc 0 "lvsdr takeover on dir2"
frames=$(sed -n 's/.*: \([0-9][0-9]*\) frames.*/\1/p' <<<"$OUT" | head -n1)
wait_until 3 sniffed_from dir2 "${frames:-1}" ||
	die "the client did not receive the ${frames:-} frames dir2 announced"
wait_until 2 neigh_is dir2
kill "$SNIFF_PID" 2>/dev/null
wait "$SNIFF_PID" 2>/dev/null
SNIFF_PID=
say "  ${C_DIM}what the client's arpsniff saw:${C_OFF}"
sniff_pretty <"$DEMO_TMP/sniff"
neigh_line
neigh_is dir2 || die "the client's entry for the VIP did not move to dir2"
ping_vip
want_rc 0 "the client's ping to the VIP after the takeover"
good "the client's entry moved from dir1 to dir2 without the client asking (STALE:" \
	"learnt from a frame it did not request), and its traffic reaches dir2 at once."

# --- 6 -----------------------------------------------------------------------
step 6 "Tear down"
say "Stopping what runs in the lab and deleting its namespaces (the same clean-up runs" \
	"on Ctrl-C or on any failure)..."
lab_down
left=$(ip netns list | awk -v s="-$$" '$1 ~ /^lvsdr-/ && substr($1, length($1) - length(s) + 1) == s { print $1 }')
[ -z "$left" ] || die "namespaces left behind: $left"
good "no lvsdr-*-$$ namespace left."
say "" "${C_HEAD}Recap${C_OFF}" \
	"  1. VIP on lo by hand, knobs at 0: three hosts answered ARP for the VIP." \
	"  2. lvsdr apply $RS_PROFILE on rs1, rs2: only the director answers." \
	"  3. lvsdr verify: exit 0, in sync." \
	"  4. a reset arp_ignore on rs2: seen by the client, named by verify (exit 1), fixed by apply." \
	"  5. lvsdr takeover $DIR_PROFILE on dir2: the client followed the VIP to dir2." \
	"More: man/lvsdr.8, man/lvsdr.ini.5 (man -l man/lvsdr.8), profiles/ for examples."
