#!/usr/bin/env bash
# t-65: the DR path check. lvsdr pathcheck sends each real server
# what the director's MAC rewrite forwards (a frame to the real server's MAC
# with the VIP as IP destination) and judges the answer. The real servers
# are provisioned by lvsdr itself; the services are real sockets.
#
#     [client] .1            pathcheck from any host of the segment:
#         |                  command line only, no VIP held
#       (br0)-----------------+-----------------------+
#         |                   |                       |
#     [dir1] .2           [rs1] .11 02:..:11       [rs2] .12 02:..:12
#     takeover: VIP and   lvsdr apply: VIP, VIP6 on lo, knobs;
#     VIP6 on eth0;       tcp/80 (socat) and udp/53 (udpecho) on 0.0.0.0/[::]
#     pathcheck from      rs1 only, one case each:
#     its profile           tcp/8080, udp/5300 bound to 192.0.2.11 alone
#                           udp/5353 dropping its first 2 datagrams
#                           udp/5400 answering from 192.0.2.11, not the VIP
#     192.0.2.13, 2001:db8::13: nobody (a real server that does not exist)
#
# The director holds the VIP, so its kernel drops every answer (the source,
# the VIP, is one of its own addresses) and resets nothing: a connection
# left half-open on a real server would be lvsdr's doing.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_start t-65 client dir1 rs1 rs2
need_tools t-65 socat tcpdump jq nft

UDPECHO=$HELPERS/udpecho

# line VIP RS PORT VERDICT [DETAIL-ERE]: the result line for that check.
line() { out_has "^  $1 +$2 +$3 +$4 +${5:-}"; }

# --- The cluster -------------------------------------------------------------

printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = %s\naddress = %s\n' \
	"$LAB_VIP" "$LAB_VIP6" >"$TMP/rs.ini"
# The director's profile carries its own check.
cat >"$TMP/lb.ini" <<EOF
[host]
role = director
interface = eth0

[vip]
address = $LAB_VIP
address = $LAB_VIP6

[pathcheck]
realserver = $LAB_IP_rs1
realserver = $LAB_IP_rs2
realserver = $LAB_IP6_rs1
realserver = $LAB_IP6_rs2
port = tcp/80
port = udp/53
timeout = 1s
EOF
chmod 600 "$TMP"/*.ini

# service HOST NAME CMD...: start CMD in HOST as a background service whose
# stdout and stderr go to $TMP/NAME.out. Not through `on`: a function run in
# the background is a subshell, and stop must signal the service itself.
declare -A SERVICE_PID
service() {
	local h=$1 name=$2
	shift 2
	ip netns exec "$(ns "$h")" "$@" >"$TMP/$name.out" 2>&1 &
	SERVICE_PID[$name]=$!
}
stop() {
	kill "${SERVICE_PID[$1]}" 2>/dev/null
	wait "${SERVICE_PID[$1]}" 2>/dev/null
}
# listening HOST PROTO PORT: a socket of HOST listens on PORT.
listening() {
	local opt=-Htln
	[ "$2" = udp ] && opt=-Huln
	on "$1" ss "$opt" "sport = :$3" | grep -q .
}

setup_ok=1
for h in rs1 rs2; do
	lv "$h" apply -q "$TMP/rs.ini" || setup_ok=0
	# A rule that looks at connection state turns conntrack on in the
	# namespace, as a firewall does on a real server; it drops nothing.
	on "$h" nft -f - <<-'EOF' || setup_ok=0
		table inet t65 {
			chain input { type filter hook input priority 0; policy accept; ct state invalid counter; }
		}
	EOF
	service "$h" "$h-tcp80" socat TCP6-LISTEN:80,fork,reuseaddr SYSTEM:'echo hello'
	service "$h" "$h-udp53" "$UDPECHO" 53
	wait_until 3 listening "$h" tcp 80 && wait_until 3 listening "$h" udp 53 || setup_ok=0
done
lv dir1 takeover -q "$TMP/lb.ini" || setup_ok=0
if [ "$setup_ok" != 1 ]; then
	not_ok "t-65: real servers provisioned with services, director took over"
	exit 1
fi

# --- 1. Every real server open, as the director sends --------------------------

# Watch rs1's wire meanwhile: what arrives must be what a director forwards.
service rs1 tcpdump tcpdump --immediate-mode -i eth0 -nn -e -U -w "$TMP/rs1.pcap"
wait_until 5 grep -qs "listening on" "$TMP/tcpdump.out" ||
	not_ok "1 tcpdump on rs1 starts (it did not say 'listening on')"
# A 10 s --timeout and a 5 s reference started with it: ending first shows
# that answers, not the timeout, ended the run (the ARP of the reference is
# not in the tcp and udp read from the capture below).
lab_ref_start client 5s
run dir1 pathcheck --timeout 10s "$TMP/lb.ini"
lab_ref_outlived
outlived=$?
want "status $RC, not 0" status_is 0
for rs in "$LAB_IP_rs1" "$LAB_IP_rs2"; do
	want "$rs tcp/80 not open from the VIP" line "$LAB_VIP" "$rs" tcp/80 open "SYN-ACK from the VIP in .*; reset"
	want "$rs udp/53 not open from the VIP" line "$LAB_VIP" "$rs" udp/53 open "reply from the VIP in"
done
for rs in "$LAB_IP6_rs1" "$LAB_IP6_rs2"; do
	want "$rs tcp/80 not open" line "$LAB_VIP6" "$rs" tcp/80 open
	want "$rs udp/53 not open" line "$LAB_VIP6" "$rs" udp/53 open
done
want "no 'open: all 8 checks' summary" out_has '^open: all 8 checks$'
want "answers within a millisecond must not wait for the 10 s timeout, yet it ended after a 5 s probe started with it" \
	[ "$outlived" -eq 0 ]
verdict "1 from the director's profile: both real servers open on tcp/80 and udp/53, IPv4 and IPv6, exit 0"

# No half-open connection on the real servers: the director's kernel reset
# nothing, so only lvsdr's own RST can have closed them.
half_open() {
	local h
	for h in rs1 rs2; do
		on "$h" ss -Htan state syn-recv state established state fin-wait-1 '( sport = :80 )'
	done
}
OUT=$(half_open)
want "connections left behind on a real server" [ -z "$OUT" ]
# Conntrack saw every probe (so the check below means something) and holds
# each TCP one as closed by the RST, none half-open or established. (A UDP
# entry lives its 30 s whatever the prober does: any datagram makes one.)
for h in rs1 rs2; do
	ct=$(on "$h" cat /proc/net/nf_conntrack 2>/dev/null | grep -E '^ipv[46] +[0-9]+ tcp .* dport=80 ')
	want "$h: conntrack holds no entry for the probes to port 80 (is it on?)" [ "$(grep -c . <<<"$ct")" -ge 2 ]
	live=$(grep -vE ' CLOSE ' <<<"$ct")
	want "$h: conntrack entries not closed: $live" [ -z "$live" ]
done
verdict "1b no connection left on the real servers: ss shows none half-open or established, conntrack has them CLOSE"

stop tcpdump
OUT=$(on rs1 tcpdump -r "$TMP/rs1.pcap" -nn -e tcp 2>/dev/null)
# 02:..:02 > 02:..:11, ethertype IPv4 (0x0800), length 58: 192.0.2.2.40000 > 192.0.2.100.80: Flags [S], ...
syn=$(grep -E "^[^ ]+ $LAB_MAC_dir1 > $LAB_MAC_rs1, ethertype IPv4 .*: $LAB_IP_dir1\.[0-9]+ > $LAB_VIP\.80: Flags \[S\]," \
	<<<"$OUT" | head -n1)
sport=$(sed -nE "s/.*: $LAB_IP_dir1\.([0-9]+) > .*/\1/p" <<<"$syn")
want "no SYN from the director's MAC to rs1's MAC with the VIP as destination" [ -n "$syn" ]
want "the SYN carries no MSS option" grep -q "options \[mss 1460\]" <<<"$syn"
want "no SYN-ACK from the VIP" out_has "$LAB_VIP\.80 > $LAB_IP_dir1\.$sport: Flags \[S\.\]"
want "no RST from the director's address and the probe's port after the SYN-ACK" \
	out_has "$LAB_MAC_dir1 > $LAB_MAC_rs1, .*: $LAB_IP_dir1\.$sport > $LAB_VIP\.80: Flags \[R\]"
want "no IPv6 SYN to rs1's MAC for the VIP6" \
	out_has "$LAB_MAC_dir1 > $LAB_MAC_rs1, ethertype IPv6 .*: $LAB_IP6_dir1\.[0-9]+ > $LAB_VIP6\.80: Flags \[S\]"
OUT=$(on rs1 tcpdump -r "$TMP/rs1.pcap" -nn -e -q udp 2>/dev/null)
want "no 16-byte UDP datagram to rs1's MAC for the VIP" \
	out_has "$LAB_MAC_dir1 > $LAB_MAC_rs1, IPv4, .*: $LAB_IP_dir1\.[0-9]+ > $LAB_VIP\.53: UDP, length 16"
verdict "1c on rs1's wire: SYN and UDP to rs1's MAC with the VIP as destination, SYN-ACK answered by a RST"

run dir1 pathcheck --json "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "not valid JSON" jq -e . <<<"$OUT" >/dev/null
want "all_open not true, or counts wrong" jq -e '.all_open == true and .counts.open == 8 and
	.counts.closed == 0 and .counts["vip-not-accepted"] == 0 and .counts.unreachable == 0 and
	.timeout_ms == 1000 and .retries == 3 and .interface == "eth0"' <<<"$OUT" >/dev/null
# shellcheck disable=SC2016 # $m1 and $m2 are jq's variables
want "a result not open from its VIP, through the real server's MAC, from the director's address" \
	jq -e --arg m1 "$LAB_MAC_rs1" --arg m2 "$LAB_MAC_rs2" '[.results[] | select(.verdict == "open" and
	.answer_from == .vip and (.mac == $m1 or .mac == $m2) and (.source == "192.0.2.2" or .source == "2001:db8::2")
	and .tries >= 1 and (.rtt_us | type) == "number")] | length == 8' <<<"$OUT" >/dev/null
verdict "2 --json: 8 results open, answered by the VIP through each real server's MAC, exit 0"

run dir1 pathcheck -q "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "output with -q" [ -z "$OUT" ]
verdict "2b -q prints nothing and exits 0"

# --- 2. A real server without the VIP on lo ------------------------------------

lv rs2 release -q "$TMP/rs.ini"
run dir1 pathcheck --timeout 500ms "$TMP/lb.ini"
want "status $RC, not 1" status_is 1
for p in tcp/80 udp/53; do
	want "rs2 $p not vip-not-accepted" line "$LAB_VIP" "$LAB_IP_rs2" "$p" vip-not-accepted "no answer to 4 "
	want "rs2 $p (IPv6) not vip-not-accepted" line "$LAB_VIP6" "$LAB_IP6_rs2" "$p" vip-not-accepted
	want "rs1 $p not still open" line "$LAB_VIP" "$LAB_IP_rs1" "$p" open
	want "rs1 $p (IPv6) not still open" line "$LAB_VIP6" "$LAB_IP6_rs1" "$p" open
done
want "the SYN's detail does not ask whether the VIP is on lo" \
	out_has "tcp/80 +vip-not-accepted +no answer to 4 SYNs in 500 ms: is $LAB_VIP bound on lo of $LAB_IP_rs2\?"
# rs2 answers the ping of its own address (ICMP and ICMPv6): the VIP is
# what it does not take.
want "the IPv6 SYN's detail does not ask whether the VIP6 is on lo (was the ICMPv6 ping not answered?)" \
	out_has "tcp/80 +vip-not-accepted +no answer to 4 SYNs in 500 ms: is $LAB_VIP6 bound on lo of $LAB_IP6_rs2\?"
want "a ping went unanswered" out_lacks "nor to [0-9]+ ping"
want "no summary counting 4 vip-not-accepted" out_has '^not open: 4 of 8 checks \(4 vip-not-accepted\)$'
verdict "3 rs2 without the VIP on lo: vip-not-accepted on every port, rs1 still open, exit 1"
lv rs2 apply -q "$TMP/rs.ini"

# --- 2b. A VIP on lo with a /24: bound, but nothing of the real server reaches us

# The whole /24 is local to rs2 then: its SYN-ACK to the director stays on
# rs2, and so does its answer to a ping. A ping of its own address that
# goes unanswered, while it answers ARP, is what tells this from a VIP that
# is not bound at all.
lv rs2 release -q "$TMP/rs.ini"
on rs2 ip addr add "$LAB_VIP/24" dev lo
run dir1 pathcheck --vip "$LAB_VIP" --realserver "$LAB_IP_rs2" --realserver "$LAB_IP_rs1" --port tcp/80 \
	--timeout 500ms "$TMP/lb.ini"
want "status $RC, not 1" status_is 1
want "rs2 not vip-not-accepted with the cause: its answers stay on it, a prefix wider than /32" \
	line "$LAB_VIP" "$LAB_IP_rs2" tcp/80 vip-not-accepted "no answer to 4 SYNs in 500 ms, nor to 4 pings of $LAB_IP_rs2, which answers ARP: nothing it sends reaches $LAB_IP_dir1\. Is $LAB_VIP on its lo with a prefix wider than /32\? That makes $LAB_IP_dir1 local to it\. Or a firewall drops both$"
want "it still asks whether the VIP is bound on lo, though it is" out_lacks "is $LAB_VIP bound on lo of $LAB_IP_rs2"
want "rs1 not still open" line "$LAB_VIP" "$LAB_IP_rs1" tcp/80 open
verdict "3b rs2 with the VIP on lo as a /24: vip-not-accepted, naming the wide prefix (no ping answered either), not 'is it bound?'"
on rs2 ip addr del "$LAB_VIP/24" dev lo
lv rs2 apply -q "$TMP/rs.ini"

# --- 2c. One family of a dual-stack profile ---------------------------------------

run dir1 pathcheck --vip "$LAB_VIP" "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "no note that the IPv6 real servers are not checked" \
	out_has "^lvsdr: $TMP/lb.ini: real server $LAB_IP6_rs1 not checked: no IPv6 VIP to check it through$"
want "no note for $LAB_IP6_rs2" out_has "real server $LAB_IP6_rs2 not checked: no IPv6 VIP to check it through$"
want "the header does not count 2 real servers" out_has "^$TMP/lb.ini: path check on eth0: 1 VIP, 2 real servers, 2 ports$"
want "no 'open: all 4 checks'" out_has '^open: all 4 checks$'
want "an IPv6 check ran" out_lacks "^  $LAB_VIP6 "
verdict "3c --vip IPv4 on a dual-stack profile: the IPv6 real servers skipped and said so, 2 real servers, exit 0 (was 2)"
run dir1 pathcheck "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "the header does not count 2 real servers at 4 addresses" \
	out_has "^$TMP/lb.ini: path check on eth0: 2 VIPs, 2 real servers \(4 addresses\), 2 ports$"
OUT=$(lv dir1 pathcheck --json "$TMP/lb.ini" 2>&1)
want "--json: realservers is not 2 with 4 addresses" jq -e '.realservers == 2 and .realserver_addresses == 4' \
	<<<"$OUT" >/dev/null
verdict "3d two dual-stack real servers are 2 real servers (4 addresses), by MAC once resolved; --json says so too"
run client pathcheck -i eth0 --vip "$LAB_VIP6" --realserver 192.0.2.13 --port tcp/80
want "status $RC, not 2" status_is 2
want "no message that nothing is left to check" out_has "nothing to check: no real server shares a family with a VIP"
verdict "3e only real servers of another family than the VIPs: nothing to check, exit 2"

# --- 3. Services bound to the real server's own address ------------------------

service rs1 tcp8080 socat TCP-LISTEN:8080,bind="$LAB_IP_rs1",fork,reuseaddr SYSTEM:'echo own'
service rs1 udp5300 "$UDPECHO" -b "$LAB_IP_rs1" 5300
wait_until 3 listening rs1 tcp 8080 && wait_until 3 listening rs1 udp 5300
# The health check a director usually runs passes: the services answer on
# the real server's own address.
OUT=$(on client socat -T1 - TCP:"$LAB_IP_rs1":8080 </dev/null 2>&1)
want "tcp/8080 does not answer on the real server's own address ($OUT)" [ "$OUT" = own ]
OUT=$(echo ping | on client socat -T1 - UDP:"$LAB_IP_rs1":5300 2>&1)
want "udp/5300 does not answer on the real server's own address ($OUT)" [ "$OUT" = ping ]
run dir1 pathcheck --vip "$LAB_VIP" --realserver "$LAB_IP_rs1" --port tcp/8080 --port udp/5300 --timeout 500ms \
	"$TMP/lb.ini"
want "status $RC, not 1" status_is 1
want "tcp/8080 not closed by a RST from the VIP" \
	line "$LAB_VIP" "$LAB_IP_rs1" tcp/8080 closed "RST from the VIP: the real server takes the VIP, but nothing listens on tcp/8080"
want "udp/5300 not closed by ICMP port unreachable from the VIP" \
	line "$LAB_VIP" "$LAB_IP_rs1" udp/5300 closed "ICMP port unreachable from the VIP"
want "no summary counting 2 closed" out_has '^not open: 2 of 2 checks \(2 closed\)$'
verdict "4 services bound to the real server's own address: a health check passes, pathcheck says closed (RST, port unreachable), exit 1"
stop tcp8080
stop udp5300

# --- 4. A real server that does not exist --------------------------------------

lab_ref_start client 10s
run client pathcheck -i eth0 --vip "$LAB_VIP" --vip "$LAB_VIP6" --realserver 192.0.2.13 --realserver "$LAB_IP_rs1" \
	--realserver 2001:db8::13 --port tcp/80 --timeout 500ms
lab_ref_outlived
outlived=$?
want "status $RC, not 1" status_is 1
want "192.0.2.13 not unreachable" line "$LAB_VIP" 192.0.2.13 tcp/80 unreachable \
	"no ARP answer for 192.0.2.13 on eth0 \(4 requests in 500 ms\)"
want "2001:db8::13 not unreachable" line "$LAB_VIP6" 2001:db8::13 tcp/80 unreachable \
	"no neighbour advertisement for 2001:db8::13"
want "rs1 not open" line "$LAB_VIP" "$LAB_IP_rs1" tcp/80 open
want "resolving (500 ms) and probing (500 ms) must end before a 10 s probe started with them" [ "$outlived" -eq 0 ]
verdict "5 from the client, command line only: a real server that does not exist is unreachable, IPv4 and IPv6; rs1 open"

# --- 5. Loss: retries with backoff ---------------------------------------------

service rs1 flaky "$UDPECHO" -d 2 5353
wait_until 3 listening rs1 udp 5353
run dir1 pathcheck --vip "$LAB_VIP" --realserver "$LAB_IP_rs1" --port udp/5353 "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "udp/5353 not open after 3 tries" line "$LAB_VIP" "$LAB_IP_rs1" udp/5353 open "reply from the VIP in .*, after 3 tries"
want "the service did not see 2 drops then an echo: $(tr '\n' ';' <"$TMP/flaky.out")" \
	[ "$(grep -cE '^(drop 1|drop 2|echo 3) ' "$TMP/flaky.out")" = 3 ]
verdict "6 a UDP service that drops its first 2 datagrams: open on the 3rd try (retries 3, backoff), exit 0"
stop flaky
service rs1 flaky2 "$UDPECHO" -d 2 5353
wait_until 3 listening rs1 udp 5353
run dir1 pathcheck --vip "$LAB_VIP" --realserver "$LAB_IP_rs1" --port udp/5353 --retries 1 --timeout 300ms \
	"$TMP/lb.ini"
want "status $RC, not 1" status_is 1
want "not vip-not-accepted after 2 datagrams" \
	line "$LAB_VIP" "$LAB_IP_rs1" udp/5353 vip-not-accepted "no answer to 2 datagrams in 300 ms"
verdict "6b the same with --retries 1: both datagrams lost, vip-not-accepted: the retries are what found it open"
stop flaky2

# --- 6. A UDP answer from the wrong address ------------------------------------

service rs1 wrongsrc "$UDPECHO" -w 5400
wait_until 3 listening rs1 udp 5400
run dir1 pathcheck --vip "$LAB_VIP" --realserver "$LAB_IP_rs1" --port udp/5400 --timeout 500ms "$TMP/lb.ini"
want "status $RC, not 1" status_is 1
want "not vip-not-accepted for the reply from the real server's own address" \
	line "$LAB_VIP" "$LAB_IP_rs1" udp/5400 vip-not-accepted "reply from $LAB_IP_rs1, not from the VIP"
verdict "7 a UDP service on 0.0.0.0 answering from the real server's own address: vip-not-accepted, exit 1"
stop wrongsrc

# --- 6b. One source of truth: the profile's [service NAME] sections -----------

# Each service's own real servers on its own port, not every real server
# on every port: rs2 serves no udp/53 here and must not be probed on it.
# lb.ini's [host] and [vip], then services instead of its lists.
sed '/^\[pathcheck\]$/,$d' "$TMP/lb.ini" >"$TMP/svc.ini"
cat >>"$TMP/svc.ini" <<EOF
[service web]
address = $LAB_VIP
port = tcp/80
realserver = $LAB_IP_rs1
realserver = $LAB_IP_rs2:80 weight=2

[service dns]
address = $LAB_VIP
port = udp/53
realserver = $LAB_IP_rs1

[service web6]
address = $LAB_VIP6
port = tcp/80
realserver = [$LAB_IP6_rs1]:80

[service marked]
fwmark = 1
realserver = $LAB_IP_rs2

[service sip]
address = $LAB_VIP
port = sctp/5060
realserver = $LAB_IP_rs1

[pathcheck]
timeout = 1s
EOF
chmod 600 "$TMP/svc.ini"
run dir1 pathcheck "$TMP/svc.ini"
want "status $RC, not 0" status_is 0
want "no header counting 3 services and 2 real servers (3 addresses)" out_has "svc.ini: path check on eth0: 3 services, 2 real servers \(3 addresses\)$"
want "web: rs1 tcp/80 not open" line "$LAB_VIP" "$LAB_IP_rs1" tcp/80 open
want "web: rs2 tcp/80 not open" line "$LAB_VIP" "$LAB_IP_rs2" tcp/80 open
want "dns: rs1 udp/53 not open" line "$LAB_VIP" "$LAB_IP_rs1" udp/53 open
want "web6: rs1 tcp/80 not open" line "$LAB_VIP6" "$LAB_IP6_rs1" tcp/80 open
want "rs2 probed on udp/53, which no service of it has" out_lacks "^  $LAB_VIP +$LAB_IP_rs2 +udp/53"
want "IPv6 probed on udp/53 or through rs2" out_lacks "^  $LAB_VIP6 +($LAB_IP6_rs2 +|$LAB_IP6_rs1 +udp)"
want "no 'open: all 4 checks' summary" out_has '^open: all 4 checks$'
want "the fwmark service is not named as skipped" \
	out_has "svc.ini: service marked \(fwmark 1 \(IPv4\)\) not checked: a fwmark service has no port to probe$"
want "the sctp service is not named as skipped" \
	out_has "svc.ini: service sip \(sctp/$LAB_VIP:5060\) not checked: pathcheck probes tcp and udp only$"
want "a probe on sctp/5060" out_lacks "5060 +(open|closed)"
verdict "9 a profile with services: each service's real servers on its port (4 checks, not 3 x 2 x 2), fwmark and sctp services named as not checked, exit 0"

OUT=$(lv dir1 pathcheck --json "$TMP/svc.ini" 2>/dev/null)
RC=$?
want "status $RC, not 0" status_is 0
want "JSON results not exactly the 4 service checks" jq -e '[.results[] | "\(.vip) \(.realserver) \(.protocol)/\(.port) \(.verdict)"]
	| sort == ["192.0.2.100 192.0.2.11 tcp/80 open", "192.0.2.100 192.0.2.11 udp/53 open",
	"192.0.2.100 192.0.2.12 tcp/80 open", "2001:db8::100 2001:db8::11 tcp/80 open"]' <<<"$OUT" >/dev/null
verdict "9b --json with services: exactly the 4 service checks, all open"

run dir1 pathcheck --vip "$LAB_VIP6" "$TMP/svc.ini"
want "status $RC, not 0" status_is 0
want "--vip VIP6 does not limit the checks to web6" out_has '^open: all 1 check$'
want "--vip VIP6 probed the IPv4 VIP" out_lacks "^  $LAB_VIP "
run dir1 pathcheck --port tcp/80 --timeout 500ms "$TMP/svc.ini"
want "status $RC, not 0 with --port tcp/80 over the services' real servers" status_is 0
want "--port: not each VIP x the services' real servers of its family x tcp/80 (3 checks)" \
	out_has '^open: all 3 checks$'
verdict "9c --vip keeps the services on that VIP; --port asks for every combination of the services' real servers"

awk -v rs="$LAB_IP_rs1" '{ print } /^\[pathcheck\]$/ { print "realserver = " rs; print "port = tcp/80" }' \
	"$TMP/svc.ini" >"$TMP/both.ini"
chmod 600 "$TMP/both.ini"
run dir1 pathcheck "$TMP/both.ini"
want "status $RC, not 2" status_is 2
want "no message saying to delete [pathcheck] realserver and port" \
	out_has "both.ini:[0-9]+: \[pathcheck\] realserver: pathcheck probes the real servers and ports of the \[service NAME\] sections; delete \[pathcheck\] realserver and port"
run dir1 pathcheck --port sctp/5060 "$TMP/svc.ini"
want "status $RC for --port sctp/5060, not 2" status_is 2
want "no message about --port sctp/5060" out_has "--port sctp/5060: must be tcp/N or udp/N"
verdict "9d [pathcheck] realserver and port beside services, and --port sctp/N: exit 2 saying what to do"

# --- 7. Errors: status 2, a message, nothing sent -------------------------------

printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s\n' "$LAB_VIP" >"$TMP/bare.ini"
run dir1 pathcheck "$TMP/bare.ini"
want "status $RC, not 2" status_is 2
want "no message naming what is missing" out_has "bare.ini: nothing to check without a real server"
verdict "8a a director profile without [pathcheck] and no --realserver: exit 2, says what is missing"
run rs1 pathcheck "$TMP/rs.ini"
want "status $RC, not 2" status_is 2
want "no message refusing a real server's profile" out_has "pathcheck takes a director's profile"
verdict "8b a real server's profile is refused: exit 2"
run dir1 pathcheck --port tcp/080 "$TMP/lb.ini"
want "status $RC, not 2" status_is 2
want "no message about --port" out_has "--port tcp/080: must be tcp/N or udp/N"
verdict "8c --port tcp/080: exit 2 naming the option"
run dir1 pathcheck -i eth0 --vip "$LAB_VIP" --realserver 2001:db8::11 --port tcp/80
want "status $RC, not 2" status_is 2
want "no message about the family" out_has "real server 2001:db8::11 not checked: no IPv6 VIP to check it through"
want "no message that nothing is left" out_has "nothing to check: no real server shares a family with a VIP"
verdict "8d an IPv6 real server with only an IPv4 VIP: skipped, so nothing to check: exit 2"
run dir1 pathcheck -i eth9 "$TMP/lb.ini"
want "status $RC, not 2" status_is 2
want "no message about eth9" out_has "no interface eth9 in this network namespace; nothing checked"
verdict "8e no such interface: exit 2"
if command -v setpriv >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	OUT=$(on dir1 setpriv --inh-caps=-all --bounding-set=-net_raw -- ${LVSDR_WRAP:-} "$LVSDR" pathcheck \
		"$TMP/lb.ini" 2>&1)
	RC=$?
	want "status $RC, not 2" status_is 2
	want "no message naming CAP_NET_RAW" out_has "needs CAP_NET_RAW.*nothing checked"
	verdict "8f without CAP_NET_RAW: exit 2 naming the capability"
else
	skip "8f without CAP_NET_RAW: setpriv (util-linux) is not installed"
fi
{
	printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\n'
	printf 'address = 192.0.2.%s\n' 100 101 102 103
	printf '\n[pathcheck]\nrealserver = %s\nrealserver = %s\n' "$LAB_IP_rs1" "$LAB_IP_rs2"
	seq -f 'port = tcp/%g' 1 12501
} >"$TMP/huge.ini"
run dir1 pathcheck "$TMP/huge.ini"
want "status $RC, not 2" status_is 2
want "no message about the number of checks" out_has "make more than 100000 checks; check fewer at a time"
verdict "8g 4 VIPs x 2 real servers x 12501 ports: more than 100000 checks is refused before anything is sent"
