# shellcheck shell=bash
# It sets variables for the test (N, IPVS_LAB_WAIT) and reads lab.sh's
# LAB_IP_* through names shellcheck cannot follow.
# shellcheck disable=SC2034,SC2154
# The director of the IPVS lab (tests/lib/ipvs-lab.sh) driven by lvsdr: its
# profile, written by the test, and its table as ipvsadm reads it. Source it
# after common.sh, and after guest_reexec (tests/lib/guest.sh) in a script
# that moves into the guest; it sources what it builds on (lab.sh,
# ipvs-lab.sh, verdict.sh), then call ipvs_director_up.
#
#   ipvs_director_up [HOST...]  the lab (ipvs_lab_up's hosts by default), an
#                        echo server on :8080 of each real server
#                        (connections a test holds open); sets TMP, P, N and
#                        LVSDR_STATEDIR (lvsdr drain's list)
#   ipvs_director_applied [HOST...]  ipvs_director_up, then the table of profile
#                        set up by lvsdr apply -q (one ok line)
#   profile [W2] [RS2]   write P: services web (tcp/80), dns (udp/80), web6,
#                        dns6 (one-packet) and hold (tcp/8080, drain 60s),
#                        each to rs1 and rs2; W2 is rs2's weight on web, RS2
#                        "no" leaves rs2 out
#   base                 the [host] and [vip] sections alone, on stdout
#   table                the director's table, `ipvsadm -Sn` (an oracle only)

IPVS_DIRECTOR_LIB=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=lab.sh
. "$IPVS_DIRECTOR_LIB/lab.sh"
# shellcheck source=ipvs-lab.sh
. "$IPVS_DIRECTOR_LIB/ipvs-lab.sh"
# shellcheck source=verdict.sh
. "$IPVS_DIRECTOR_LIB/verdict.sh"

ipvs_director_up() {
	lab_require
	if ! ipvs_lab_up "$@"; then
		not_ok "$(basename "$0"): the IPVS lab comes up"
		exit 1
	fi
	# Answers in the guest are slow on a loaded machine: wait long enough
	# that only a real loss fails.
	IPVS_LAB_WAIT=5
	TMP=$IPVS_LAB_DIR
	export LVSDR_STATEDIR=$TMP/state
	P=$TMP/director.ini
	N=10
	local h
	for h in rs1 rs2; do
		on "$h" socat "TCP-LISTEN:8080,bind=$LAB_VIP,fork,reuseaddr" EXEC:cat </dev/null >/dev/null 2>&1 &
	done
}

ipvs_director_applied() {
	ipvs_director_up "$@"
	profile
	run dir1 apply -q "$P"
	check "apply -q sets the table up (status $RC)" [ "$RC" = 0 ]
}

base() {
	printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = %s/24\naddress = %s/64\n' \
		"$LAB_VIP" "$LAB_VIP6"
}

# profile [RS2_WEIGHT] [WITHOUT_RS2]: the director's profile, in P.
# shellcheck disable=SC2120 # the tests pass them; ipvs_director_applied does not
profile() {
	local w2=${1:-1} rs2=${2:-yes} line2='' line2b='' line26=''
	if [ "$rs2" = yes ]; then
		line2="realserver = $LAB_IP_rs2 weight=$w2"
		line2b="realserver = $LAB_IP_rs2"
		line26="realserver = $LAB_IP6_rs2"
	fi
	cat >"$P" <<-INI
	[host]
	role = director
	interface = eth0

	[vip]
	address = $LAB_VIP/24
	address = $LAB_VIP6/64

	[service web]
	address = $LAB_VIP
	port = tcp/80
	scheduler = rr
	realserver = $LAB_IP_rs1
	$line2

	[service dns]
	address = $LAB_VIP
	port = udp/80
	scheduler = rr
	realserver = $LAB_IP_rs1
	$line2b

	[service web6]
	address = $LAB_VIP6
	port = tcp/80
	scheduler = rr
	realserver = $LAB_IP6_rs1
	$line26

	[service dns6]
	address = $LAB_VIP6
	port = udp/80
	scheduler = rr
	one-packet = yes
	realserver = $LAB_IP6_rs1
	$line26

	[service hold]
	address = $LAB_VIP
	port = tcp/8080
	scheduler = rr
	drain = 60s
	realserver = $LAB_IP_rs1
	$line2b
	INI
}

table() { on dir1 ipvsadm -Sn; }
