#!/usr/bin/env bash
# t-40: the kernel facts lvsdr is built on (KERNEL-FACTS.md in this repository), measured
# with plain `ip` and `sysctl -w` in a lab, never with lvsdr itself. If one of
# these fails, the kernel changed under us and lvsdr's advice may be wrong.
#
#     [client] 192.0.2.1 --- arpwho: "who has 192.0.2.100?"
#         |
#       (br0)------------------+-----------------------+
#         |                    |                       |
#     [dir1] .2            [rs1] .11                [rs2] .12
#     VIP/32 on eth0       VIP/32 on lo             VIP/32 on lo
#     (the one that        (must stay silent once   (same as rs1)
#      should answer)       the knobs are right)
#
# Every row starts from every ARP knob of the real servers at 0.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_start t-40 client dir1 rs1 rs2

RS="rs1 rs2"



# rs_sysctl KEY=VALUE...: the same settings on both real servers.
rs_sysctl() {
	local h
	for h in $RS; do on "$h" sysctl -qw "$@" || return 1; done
}

rs_reset() {
	local h
	for h in $RS; do lab_arp_reset "$h" || return 1; done
}

# icmp_in_echos HOST: echo requests HOST's IPv4 stack has received so far.
icmp_in_echos() {
	on "$1" cat /proc/net/snmp | awk '
		$1 == "Icmp:" && !n { for (i = 2; i <= NF; i++) col[$i] = i; n = 1; next }
		$1 == "Icmp:" { print $col["InEchos"]; exit }'
}

# Small predicates for check: a redirection after `check` would swallow its ok line.
starts_with() { [[ $1 == "$2"* ]]; }  # STRING PREFIX
absent() { ! grep -q -- "$1" "$2"; }  # PATTERN FILE
quiet() { "$@" >/dev/null 2>&1; }     # COMMAND...

FIX_ALL="net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
FIX_ETH0="net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2"
FIX_LO="net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2"

on dir1 ip addr add "$LAB_VIP/32" dev eth0
for h in $RS; do on "$h" ip addr add "$LAB_VIP/32" dev lo; done

# --- Who answers ARP for the VIP -------------------------------------------
rs_reset
lab_expect_who "ARP, all knobs 0: dir1, rs1 and rs2 answer (the leak)" \
	"$LAB_VIP" dir1 rs1 rs2

rs_reset && rs_sysctl $FIX_ALL $FIX_ETH0
lab_expect_who "ARP, arp_ignore=1 arp_announce=2 on all and eth0: only dir1 answers, rs1 and rs2 must NOT" \
	"$LAB_VIP" dir1

rs_reset && rs_sysctl $FIX_LO
lab_expect_who "ARP, the same knobs on lo only: dir1, rs1 and rs2 answer (lo never sees the request)" \
	"$LAB_VIP" dir1 rs1 rs2

rs_reset && rs_sysctl net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=1
lab_expect_who "ARP, arp_ignore all=0 eth0=1: only dir1 answers (effective value is max), rs1 and rs2 must NOT" \
	"$LAB_VIP" dir1

rs_reset && rs_sysctl net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=0
lab_expect_who "ARP, arp_ignore all=1 eth0=0: only dir1 answers (effective value is max), rs1 and rs2 must NOT" \
	"$LAB_VIP" dir1

rs_reset && rs_sysctl net.ipv4.conf.all.arp_filter=1 net.ipv4.conf.eth0.arp_filter=1
lab_expect_who "ARP, arp_filter=1 on all and eth0: dir1, rs1 and rs2 answer (not a fix)" \
	"$LAB_VIP" dir1 rs1 rs2

rs_reset && rs_sysctl $FIX_ALL $FIX_ETH0
for h in $RS; do
	on "$h" ip addr del "$LAB_VIP/32" dev lo
	on "$h" ip addr add "$LAB_VIP/32" dev eth0
done
lab_expect_who "ARP, VIP on the real servers' eth0 with the fix knobs: dir1, rs1 and rs2 answer (it must be on lo)" \
	"$LAB_VIP" dir1 rs1 rs2
for h in $RS; do
	on "$h" ip addr del "$LAB_VIP/32" dev eth0
	on "$h" ip addr add "$LAB_VIP/32" dev lo
done
rs_reset

# --- A VIP on lo with a /24 ------------------------------------------------
# ping's exit status cannot tell who answered, the echo counters can: nothing
# else in the lab pings, so a counter moves only because of the ping below.
before=$(icmp_in_echos client)
check "control, VIP as /32 on rs1's lo: rs1's ping to the client succeeds" \
	quiet on rs1 ping -q -n -c1 -W1 "$LAB_IP_client"
after=$(icmp_in_echos client)
check "control, VIP as /32 on rs1's lo: the client counted 1 echo request ($before -> $after)" \
	[ "$after" -eq $((before + 1)) ]

on rs1 ip addr del "$LAB_VIP/32" dev lo
on rs1 ip addr add "$LAB_VIP/24" dev lo
route=$(on rs1 ip -4 route get "$LAB_IP_client" | head -n1)
route=${route% }
check "VIP as /24 on rs1's lo: the client's address becomes local to rs1 ($route)" \
	starts_with "$route" "local $LAB_IP_client dev lo "
client_before=$(icmp_in_echos client) rs1_before=$(icmp_in_echos rs1)
on rs1 ping -q -n -c1 -W1 "$LAB_IP_client" >/dev/null
status=$?
client_after=$(icmp_in_echos client) rs1_after=$(icmp_in_echos rs1)
check "VIP as /24 on rs1's lo: rs1's ping never reaches the client (client echo requests $client_before -> $client_after)" \
	[ "$client_after" -eq "$client_before" ]
name="VIP as /24 on rs1's lo: yet ping 'succeeds' because rs1 answers itself (status $status, rs1 echo requests $rs1_before -> $rs1_after)"
if [ "$status" -eq 0 ] && [ "$rs1_after" -eq $((rs1_before + 1)) ]; then ok "$name"; else not_ok "$name"; fi
lab_expect_who "VIP as /24 on rs1's lo, knobs 0: rs1 answers ARP for an unused address of the /24 (192.0.2.77)" \
	192.0.2.77 rs1
on rs1 ip addr del "$LAB_VIP/24" dev lo
on rs1 ip addr add "$LAB_VIP/32" dev lo

# --- sysctl semantics: what a write to conf/default and a wild value do -----
# In a fresh namespace, where no conf/default knob was ever written: d0p's
# own knob is written, d0's never is. Only d0 follows conf/default.
FRESH=lvsdr-t40d-$$
trap 'ip netns del "$FRESH" 2>/dev/null; lab_down; rm -rf "$TMP"' EXIT
ip netns add "$FRESH"
fresh() { ip netns exec "$FRESH" "$@"; }
knob() { fresh cat "/proc/sys/net/ipv4/conf/$1/arp_ignore"; } # IFACE
fresh ip link add d0 type veth peer name d0p
fresh sysctl -qw net.ipv4.conf.d0p.arp_ignore=0 net.ipv4.conf.default.arp_ignore=1
check "sysctl, conf/default/arp_ignore=1: d0, whose knob was never written, now reads 1 (got $(knob d0))" \
	[ "$(knob d0)" = 1 ]
check "sysctl, conf/default/arp_ignore=1: d0p, whose knob was written, keeps 0 (got $(knob d0p))" \
	[ "$(knob d0p)" = 0 ]
fresh ip link add d1 type veth peer name d1p
check "sysctl, conf/default/arp_ignore=1: an interface created later starts with 1 (got $(knob d1))" \
	[ "$(knob d1)" = 1 ]
# An interface copies conf/default whole, the record of which knobs were
# written included: created after a write to conf/default, it no longer
# follows conf/default.
fresh sysctl -qw net.ipv4.conf.default.arp_ignore=2
check "sysctl, conf/default/arp_ignore=2: d1, created after conf/default was written, keeps 1 (got $(knob d1))" \
	[ "$(knob d1)" = 1 ]
check "sysctl, conf/default/arp_ignore=2: d0, created before, follows it (got $(knob d0))" \
	[ "$(knob d0)" = 2 ]
# A conf/ directory held open, as lvsdr events keeps them between events:
# once its interface is renamed it answers ENOENT for every knob, even
# with the old name back (a new directory was registered).
held=$(fresh bash -c 'exec 3</proc/sys/net/ipv4/conf/d1 && cat /proc/self/fd/3/arp_ignore &&
	ip link set d1 name d9 && ip link set d9 name d1 && { cat /proc/self/fd/3/arp_ignore || echo gone; }' 2>/dev/null)
check "sysctl, conf/d1 held open: read through it before d1 is renamed, ENOENT after it is named back (got $(paste -sd' ' <<<"$held"))" \
	[ "$(paste -sd' ' <<<"$held")" = "1 gone" ]
check "sysctl, conf/d1 named back: its path reads the knob again (got $(knob d1))" [ "$(knob d1)" = 1 ]
ip netns del "$FRESH"
for v in 9 42 -1; do
	check "sysctl, conf/all/arp_ignore=$v: the kernel takes it and reads it back" \
		quiet on rs1 sh -c "sysctl -qw net.ipv4.conf.all.arp_ignore=$v && [ \$(cat /proc/sys/net/ipv4/conf/all/arp_ignore) = $v ]"
done
rs_reset

# --- IPv6: no arp_ignore, and none needed ----------------------------------
on dir1 ip -6 addr add "$LAB_VIP6/128" dev eth0 nodad
lab_expect_who "IPv6, VIP6 on dir1's eth0: dir1 answers the neighbour solicitation" \
	"$LAB_VIP6" dir1
for h in $RS; do on "$h" ip -6 addr add "$LAB_VIP6/128" dev lo; done
lab_expect_who "IPv6, VIP6 also as /128 on rs1's and rs2's lo, knobs 0: only dir1 answers, rs1 and rs2 must NOT" \
	"$LAB_VIP6" dir1
on dir1 ip -6 addr del "$LAB_VIP6/128" dev eth0
lab_expect_who "IPv6, VIP6 only on rs1's and rs2's lo: nobody answers" \
	"$LAB_VIP6"
on dir1 ip -6 addr add "$LAB_VIP6/128" dev eth0 nodad

# --- arpsniff sees what arrives, with kernel timestamps, and nothing it sends
# dir1 forgets the client, so its ping must start with a broadcast ARP
# request; the client's arpwho draws a neighbour advertisement from dir1 and
# sends solicitations that arpsniff must not print.
# An order, not a clock: the sniffer must be gone while its -d of 60 s
# still runs (the wait gives up at 30 s).
on client timeout 70 "$HELPERS/arpsniff" -d 60000 -n 1 eth0 >"$TMP/sniff1" 2>"$TMP/sniff1.err" &
sniff=$!
wait_until 2 grep -qx ready "$TMP/sniff1.err"
on dir1 ip neigh flush dev eth0
on dir1 ping -q -n -c1 -W1 "$LAB_IP_client" >/dev/null
exited=yes
wait_until 30 bash -c '! kill -0 "$1" 2>/dev/null' _ "$sniff" || exited=no
[ "$exited" = no ] && kill "$sniff" 2>/dev/null
wait "$sniff"
lines=$(wc -l <"$TMP/sniff1")
name="arpsniff -n 1 exits after one frame, before its -d 60000 ($lines lines, exited: $exited)"
if [ "$lines" -eq 1 ] && [ "$exited" = yes ]; then ok "$name"; else not_ok "$name"; fi

# --- Namespaces of their own, outside the lab ----------------------------------
# scratch_ns NAME: recorded first, so lab_down (the EXIT trap) removes it
# even after a signal between the two.
scratch_ns() { LAB_NAMESPACES="$LAB_NAMESPACES $1" && ip netns add "$1"; }
scratch_ns_del() { ip netns del "$1" && LAB_NAMESPACES=${LAB_NAMESPACES/ $1/}; }

# --- IPv4: a primary's secondaries go with it unless promoted ------------------
#
#     [lvsdr-t40a-$$]
#       d0 (veth end, down)   198.51.100.1/24   primary
#                             198.51.100.2/24   secondary: same subnet, bound second
#                             203.0.113.1/24    primary of a subnet of its own
#
# Why lvsdr removes a secondary before the primary of its subnet (plan.c),
# and calls a removal that would take along an address it keeps `blocked`.
ADDR_NS=lvsdr-t40a-$$
scratch_ns "$ADDR_NS"
in_addr() { ip netns exec "$ADDR_NS" "$@"; }
in_addr ip link add d0 type veth peer name d0p
# d0's IPv4 addresses, sorted, a secondary marked ":secondary".
v4_of_d0() {
	in_addr ip -4 -o addr show dev d0 |
		awk '{ print $4 ($0 ~ / secondary / ? ":secondary" : "") }' | sort | paste -sd' '
}
bind_three() {
	in_addr ip addr flush dev d0 &&
		in_addr ip addr add 198.51.100.1/24 dev d0 &&
		in_addr ip addr add 198.51.100.2/24 dev d0 &&
		in_addr ip addr add 203.0.113.1/24 dev d0
}
# promote ALL D0: promote_secondaries on conf/all and on d0.
promote() { in_addr sysctl -qw "net.ipv4.conf.all.promote_secondaries=$1" "net.ipv4.conf.d0.promote_secondaries=$2"; }

promote 0 0 && bind_three
got=$(v4_of_d0)
check "IPv4, two addresses of one subnet on d0: the second bound is the secondary (got $got)" \
	[ "$got" = "198.51.100.1/24 198.51.100.2/24:secondary 203.0.113.1/24" ]
in_addr ip addr del 198.51.100.1/24 dev d0
got=$(v4_of_d0)
check "IPv4, promote_secondaries 0 on all and d0: deleting the primary deletes its subnet's secondary too, 203.0.113.1 must NOT go (left: $got)" \
	[ "$got" = "203.0.113.1/24" ]
bind_three
in_addr ip addr del 198.51.100.2/24 dev d0
got=$(v4_of_d0)
check "IPv4, promote_secondaries 0: deleting the secondary first leaves its primary (lvsdr's order; left: $got)" \
	[ "$got" = "198.51.100.1/24 203.0.113.1/24" ]
promote 0 1 && bind_three && in_addr ip addr del 198.51.100.1/24 dev d0
got=$(v4_of_d0)
check "IPv4, promote_secondaries all=0 d0=1: deleting the primary promotes the secondary (left: $got)" \
	[ "$got" = "198.51.100.2/24 203.0.113.1/24" ]
promote 1 0 && bind_three && in_addr ip addr del 198.51.100.1/24 dev d0
got=$(v4_of_d0) d0_own=$(in_addr cat /proc/sys/net/ipv4/conf/d0/promote_secondaries)
check "IPv4, promote_secondaries all=1 d0=0: deleting the primary promotes the secondary, d0's own knob still 0 (left: $got; d0 reads $d0_own)" \
	[ "$got" = "198.51.100.2/24 203.0.113.1/24" -a "$d0_own" = 0 ]

# --- IPv6 disabled: an address is refused with EACCES ---------------------------
# The same namespace, d0 and lo. iproute2's ip asks for extended acks and
# prints the kernel's reason; a socket that asks for none, like lvsdr's
# (libnl has no extended acks) and busybox's ip, gets only the errno.
in_addr sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.d0.disable_ipv6=0
in_addr ip -6 addr add 2001:db8:40::1/64 dev d0 nodad
check "IPv6, control, disable_ipv6=0 on d0: ip -6 addr add 2001:db8:40::1/64 succeeds" \
	eval 'in_addr ip -6 -o addr show dev d0 | grep -qF " 2001:db8:40::1/64 "'
in_addr sysctl -qw net.ipv6.conf.d0.disable_ipv6=1
out=$(in_addr ip -6 addr add 2001:db8:40::1/64 dev d0 nodad 2>&1)
rc=$? left=$(in_addr ip -6 -o addr show dev d0)
# What iproute2 prints is the kernel's extended ack where it sends one (6.18:
# "Error: ipv6: IPv6 is disabled on this device."), else the errno: shown,
# not asserted, as lvsdr never sees it.
check "IPv6, disable_ipv6=1 on d0: the address it held is gone and ip -6 addr add fails (status $rc; iproute2 says '$out')" \
	[ "$rc" -ne 0 -a -z "$left" ]
if command -v busybox >/dev/null 2>&1; then
	out=$(in_addr busybox ip -6 addr add 2001:db8:40::1/64 dev d0 2>&1)
	rc=$?
	check "IPv6, disable_ipv6=1 on d0: without extended acks (busybox ip) the kernel answers a bare EACCES (status $rc: '$out')" \
		[ "$rc" -ne 0 -a "$out" = "ip: RTNETLINK answers: Permission denied" ]
	in_addr sysctl -qw net.ipv6.conf.d0.disable_ipv6=0 net.ipv6.conf.all.disable_ipv6=1
	lo_own=$(in_addr cat /proc/sys/net/ipv6/conf/lo/disable_ipv6)
	out=$(in_addr busybox ip -6 addr add 2001:db8:40::100/128 dev lo 2>&1)
	rc=$?
	check "IPv6, disable_ipv6=1 on all: lo's own knob reads 1 too and a /128 on lo gets the same bare EACCES (lo reads $lo_own; status $rc: '$out')" \
		[ "$lo_own" = 1 -a "$rc" -ne 0 -a "$out" = "ip: RTNETLINK answers: Permission denied" ]
else
	unavailable "IPv6, disable_ipv6=1: the bare EACCES without extended acks" "no busybox (its ip asks for none)"
fi
scratch_ns_del "$ADDR_NS"

# --- Network namespaces: the cookie is never reused, the inode is ---------------
# Namespaces created and deleted one after another, one alive at a time:
#
#     [lvsdr-t40n-$$-1] --del--> [lvsdr-t40n-$$-2] --del--> ... (at most 40)
#      cookie C1, inode I1         cookie C2, inode I2 (I1 again once reused)
#
# Why the ownership record is /run/lvsdr/netns-COOKIE and a record under a
# namespace's inode number (older lvsdr) is ignored: the inode goes to
# whichever namespace is created next. The inode is what stat shows for
# /proc/PID/ns/net. The kernel frees it after the namespace's cleanup, which
# runs in the background: the loop pauses a little between namespaces and
# gives up after NS_TRIES.
NS_TRIES=40 NS_MIN=5
declare -A cookie_of_inode=()
cookies="" reused="" first_cookie="" cookie_err=""
for ((try = 1; try <= NS_TRIES; try++)); do
	n=lvsdr-t40n-$$-$try
	scratch_ns "$n" || break
	if ! c=$(ip netns exec "$n" "$HELPERS/netnscookie" 2>&1); then
		cookie_err=$c
		scratch_ns_del "$n"
		break
	fi
	i=$(ip netns exec "$n" stat -L -c %i /proc/self/ns/net)
	scratch_ns_del "$n"
	[ -n "$i" ] || break
	cookies="$cookies $c"
	if [ -z "$reused" ] && [ -n "${cookie_of_inode[$i]:-}" ]; then
		reused=$i first_cookie=${cookie_of_inode[$i]} reused_cookie=$c reused_try=$try
	fi
	cookie_of_inode[$i]=$c
	[ -n "$reused" ] && [ "$try" -ge "$NS_MIN" ] && break
	sleep 0.05
done
made=$(wc -w <<<"$cookies") distinct=$(tr ' ' '\n' <<<"$cookies" | sed '/^$/d' | sort -u | wc -l)
INODE_CASE="netns, inode: a deleted namespace's inode is given to a later one, whose cookie is its own"
if [ -n "$cookie_err" ]; then
	skip "netns, cookie: SO_NETNS_COOKIE gives none on this kernel (Linux >= 5.14 has it; lvsdr keeps no record there): $cookie_err"
	skip "$INODE_CASE: no cookie to compare"
else
	check "netns, cookie: namespaces created one after another each have a cookie of their own ($made made, $distinct distinct)" \
		[ "$made" -ge "$NS_MIN" -a "$distinct" -eq "$made" ]
	if [ -n "$reused" ]; then
		check "$INODE_CASE (inode $reused again at namespace $reused_try; cookies $first_cookie, then $reused_cookie)" \
			[ "$reused_cookie" != "$first_cookie" ]
	else
		skip "$INODE_CASE: no inode came back in $made namespaces created one after another (the kernel frees it after a background cleanup; nothing shown, nothing disproved)"
	fi
fi
