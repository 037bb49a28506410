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
t_start=$(date +%s%N)
on client timeout 5 "$HELPERS/arpsniff" -d 1500 eth0 >"$TMP/sniff" 2>"$TMP/sniff.err" &
sniff=$!
check "arpsniff prints 'ready' once bound" wait_until 2 grep -qx ready "$TMP/sniff.err"
on dir1 ip neigh flush dev eth0
on dir1 ping -q -n -c1 -W1 "$LAB_IP_client" >/dev/null
on client "$HELPERS/arpwho" eth0 "$LAB_VIP6" >/dev/null
wait "$sniff"
status=$?
t_end=$(date +%s%N)
check "arpsniff ends by itself after -d 1500 (status $status)" [ "$status" -eq 0 ]
check "arpsniff shows dir1's broadcast ARP request for the client" \
	grep -q " arp op=request eth_src=$LAB_MAC_dir1 eth_dst=ff:ff:ff:ff:ff:ff sha=$LAB_MAC_dir1 spa=$LAB_IP_dir1 tha=00:00:00:00:00:00 tpa=$LAB_IP_client\$" "$TMP/sniff"
check "arpsniff shows dir1's solicited advertisement for the VIP6 (flags SO, tlla)" \
	grep -q " na eth_src=$LAB_MAC_dir1 eth_dst=$LAB_MAC_client src=$LAB_VIP6 dst=$LAB_IP6_client target=$LAB_VIP6 flags=SO tlla=$LAB_MAC_dir1\$" "$TMP/sniff"
check "arpsniff prints nothing the client sent itself" \
	absent "eth_src=$LAB_MAC_client" "$TMP/sniff"
check "arpsniff timestamps are realtime ns within the run" \
	awk -v a="$t_start" -v b="$t_end" '
		{ t = substr($1, 3) }
		!($1 ~ /^t=[0-9]+$/) || t < a || t > b { bad = 1 }
		END { exit bad || NR == 0 }' "$TMP/sniff"
if grep -q . "$TMP/sniff.err" && ! grep -qx ready "$TMP/sniff.err"; then
	sed 's/^/#   arpsniff: /' "$TMP/sniff.err"
fi

t_start=$(date +%s%N)
on client timeout 5 "$HELPERS/arpsniff" -d 4000 -n 1 eth0 >"$TMP/sniff1" 2>"$TMP/sniff1.err" &
sniff=$!
wait_until 2 grep -qx ready "$TMP/sniff1.err"
on dir1 ip neigh flush dev eth0
on dir1 ping -q -n -c1 -W1 "$LAB_IP_client" >/dev/null
wait "$sniff"
elapsed_ms=$((($(date +%s%N) - t_start) / 1000000))
lines=$(wc -l <"$TMP/sniff1")
name="arpsniff -n 1 exits after one frame, long before -d 4000 ($lines lines, ${elapsed_ms} ms)"
if [ "$lines" -eq 1 ] && [ "$elapsed_ms" -lt 3000 ]; then ok "$name"; else not_ok "$name"; fi
