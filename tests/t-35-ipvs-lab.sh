#!/usr/bin/env bash
# t-35: an LVS-DR cluster that really forwards, on a kernel with IPVS (issue
# 15). This machine's kernel has none, so the script re-runs itself in a
# user-mode Linux guest (tests/lib/guest.sh). Here ipvsadm, a test oracle
# only, configures the director; the lab (tests/lib/ipvs-lab.sh) is the one
# lvsdr's own IPVS tests build on.
#
#        [client] 192.0.2.1 / 2001:db8::1
#            |          asks VIP:80, counts who answered
#          (br0)---------------+--------------------+
#            |                 |                    |
#        [dir1] .2 / ::2    [rs1] .11 / ::11     [rs2] .12 / ::12
#        VIP on eth0,       VIP on lo, arp_ignore=1, arp_announce=2,
#        ipvsadm -s rr -g   TCP :80 answering "rs1" / "rs2", UDP :80 udpecho
#
#   VIP 192.0.2.100 and 2001:db8::100. Replies go from the real servers
#   straight to the client: the director sees only the client's packets.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
. "$(dirname "$0")/lib/verdict.sh"

# The harness itself, on a kernel without IPVS, before this script moves
# into the guest: tests/uml/probe.sh needs IPVS and exits with its 2nd arg.
# probe ENV...: run it, OUT its output, RC its status.
probe() {
	OUT=$(env "$@" bash "$LVSDR_ROOT/tests/uml/probe.sh" "a b" 3 2>&1)
	RC=$?
}
# guest_none_left: no UML booted by this script's probes still runs. They
# carry a tag of their own on the kernel's command line: make valgrind runs
# three scripts at a time, and another script's guest is no leftover.
GUEST_TAG=t35-$$
guest_none_left() { ! pgrep -f "lvsdr_tag=$GUEST_TAG" >/dev/null; }
if [ ! -e /proc/net/ip_vs ] && [ -z "${LVSDR_IN_GUEST:-}" ] && ! guest_unavailable >/dev/null &&
	! guest_asan; then
	probe CI=
	want "status $RC, not the script's 3" status_is 3
	want "no ok line with its argument" out_has '^ok - probe: ran with \[a b\] on [0-9.]+, IPVS present$'
	want "no boot time" out_has '^# guest: booted in [0-9]+\.[0-9]{2} s'
	want "a line neither the script's nor a comment" out_lacks '^([^#o]|o[^k])'
	verdict "guest: a script's lines, argument and status come back from the guest"

	probe CI= LVSDR_GUEST_TIMEOUT=1 LVSDR_GUEST_TAG="$GUEST_TAG"
	want "status $RC" status_is 125
	want "no not ok line" out_has '^not ok - probe.sh: the guest ended without its end marker after [0-9.]+ s \(limit 1 s\)$'
	want "an ok line" out_lacks '^ok - '
	want "a guest left running" guest_none_left
	verdict "guest: a guest past its time limit is a failure, never a hang"

	probe CI= LVSDR_UML=/nonexistent/linux.uml
	want "status $RC" status_is 0
	want "no skip line naming why" out_has '^skip - probe.sh: needs IPVS, and this kernel has none; no user-mode Linux kernel at /nonexistent/linux.uml \(Debian package user-mode-linux; tests/deps.sh test\)$'
	want "an ok line" out_lacks '^ok - '
	verdict "guest: without user-mode Linux the script is skipped, saying why"

	probe CI=true LVSDR_UML=/nonexistent/linux.uml
	want "status $RC" status_is 1
	want "no not ok line" out_has '^not ok - probe.sh: needs IPVS, and no user-mode Linux kernel at /nonexistent/linux.uml .*\(CI=true: must run\)$'
	want "a skip line" out_lacks '^skip - '
	verdict "guest: on CI a script that needs IPVS never skips"
fi

guest_reexec "$0" "$@"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/ipvs-lab.sh"

lab_require
if ! ipvs_lab_up; then
	not_ok "t-35: the IPVS lab comes up"
	exit 1
fi

N=10 # connections per service: rr splits them exactly 5/5
NONE="rs1=0 rs2=0 other=0"

# The harness: what later tests take for granted.
OUT=$(lv dir1 --version 2>&1)
RC=$?
want "status $RC" status_is 0
want "no version" out_has '^lvsdr [0-9]'
verdict "harness: the binary under test ($LVSDR) runs here"

if [ -n "${LVSDR_IN_GUEST:-}" ]; then
	OUT=$( { rmmod ip_vs_sh && on dir1 ipvsadm -A -t "$LAB_VIP:81" -s sh &&
		on dir1 ipvsadm -D -t "$LAB_VIP:81" && grep -w ip_vs_sh /proc/modules; } 2>&1)
	RC=$?
	want "status $RC" status_is 0
	verdict "harness: the guest kernel loads a scheduler on demand (kernel/modprobe)"
fi

# ipvsadm_dr PROTO VIP RS1 RS2: a round-robin DR service for VIP:80 in dir1,
# in one ipvsadm (each process costs 0.1-0.3 s in the guest).
ipvsadm_dr() {
	local opt=-t svc
	[ "$1" = udp ] && opt=-u
	svc=$(ipvs_lab_hostport "$2")
	on dir1 ipvsadm -R <<-EOF
		-A $opt $svc -s rr
		-a $opt $svc -r $(ipvs_lab_hostport "$3") -g
		-a $opt $svc -r $(ipvs_lab_hostport "$4") -g
	EOF
}

# dr_cases PROTO VIP RS1 RS2: the data path of one service, from nothing to
# forwarding to nothing again.
dr_cases() {
	local proto=$1 vip=$2 rs1=$3 rs2=$4 name got conns inpkts outpkts
	name="$proto $(ipvs_lab_hostport "$vip")"
	got=$(ipvs_lab_split 2 "$proto" "$vip")
	check "$name: without a service nothing answers for the VIP (got $got)" [ "$got" = "$NONE" ]

	if ! ipvsadm_dr "$proto" "$vip" "$rs1" "$rs2"; then
		not_ok "$name: ipvsadm configures the service"
		return
	fi
	got=$(ipvs_lab_split "$N" "$proto" "$vip")
	check "$name: $N requests split 5/5 between rs1 and rs2 by rr (got $got)" \
		[ "$got" = "rs1=5 rs2=5 other=0" ]

	# The estimator folds the counters in every 2 s: wait for all N.
	OUT=$(ipvs_lab_wait_stats dir1 "$proto" "$vip" "$N")
	read -r conns inpkts outpkts <<<"$OUT"
	want "Conns ${conns:-none}, not $N" [ "${conns:-}" = "$N" ]
	want "InPkts ${inpkts:-none}, under $N" [ "${inpkts:-0}" -ge "$N" ]
	want "OutPkts ${outpkts:-none}, not 0: replies went through the director" [ "${outpkts:-}" = 0 ]
	verdict "$name: replies bypass the director (ipvsadm --stats: Conns $N, InPkts >= $N, OutPkts 0)"

	on dir1 ipvsadm -D "$([ "$proto" = udp ] && echo -u || echo -t)" "$(ipvs_lab_hostport "$vip")"
	got=$(ipvs_lab_split 2 "$proto" "$vip")
	check "$name: nothing answers once the service is removed (got $got)" [ "$got" = "$NONE" ]
}

dr_cases tcp "$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
dr_cases udp "$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
dr_cases tcp "$LAB_VIP6" "$LAB_IP6_rs1" "$LAB_IP6_rs2"
dr_cases udp "$LAB_VIP6" "$LAB_IP6_rs1" "$LAB_IP6_rs2"

# The real servers stayed silent on the wire for the VIP: the client reached
# it at the director's MAC, for both families.
check "ARP: the client has the VIP at dir1's MAC, not a real server's" \
	[ "$(lab_neigh client "$LAB_VIP")" = "$LAB_MAC_dir1" ]
check "NDP: the client has the IPv6 VIP at dir1's MAC, not a real server's" \
	[ "$(lab_neigh client "$LAB_VIP6")" = "$LAB_MAC_dir1" ]
check "the director's IPVS table is empty again" \
	[ -z "$(on dir1 ipvsadm -Sn)" ]
