#!/usr/bin/env bash
# t-22: VIP ranges. A real server makes a whole prefix local with
# one route on lo; the ARP knobs must keep it silent for every address of
# the prefix while it accepts the director's frames for them. A director
# announces exactly the addresses its profile lists of a range.
#
#     [client] 192.0.2.1 --- arpwho / ND for addresses of the ranges;
#         |                  pathcheck: a SYN to rs1's MAC for each of them
#       (br0)------------------+-----------------------+
#         |                    |                       |
#     [dir1] .2            [rs1] .11 02:..:11
#     takeover: range      lvsdr apply: range 198.51.100.0/24 and
#     198.51.100.0/24 and  2001:db8:1::/64 as local routes on lo, knobs;
#     2001:db8:1::/64 on   socat on tcp/80 ([::], dual stack)
#     lo, announces .1-.3
#     and 2001:db8:1::1-2
#
# The addresses probed are the ranges' two ends and their middle.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_start t-22 client dir1 rs1
need_tools t-22 socat

R4=198.51.100.0/24
R6=2001:db8:1::/64
ENDS4="198.51.100.0 198.51.100.128 198.51.100.255"
ENDS6="2001:db8:1:: 2001:db8:1:0:8000:: 2001:db8:1:0:ffff:ffff:ffff:ffff"

# realserver NAME RANGE...: a real-server profile of ranges only.
realserver() {
	local name=$1 r
	shift
	{
		printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\n'
		for r in "$@"; do printf 'range = %s\n' "$r"; done
	} >"$TMP/$name.ini"
	echo "$TMP/$name.ini"
}
P=$(realserver rs "$R4" "$R6")

# snapshot HOST: what apply may change: the knobs, the addresses, the local
# routes and the ownership record.
snapshot() {
	on "$1" sh -c 'grep -r . /proc/sys/net/ipv4/conf/*/arp_*; ip -o addr show;
		ip route show table local; ip -6 route show table local'
	echo "record:"
	cat "$(lab_record "$1")" 2>/dev/null
}
show_diff() { diff -u <(echo "$1") <(echo "$2") | tail -n +3 | sed 's/^/#   /'; }
# routes HOST: HOST's local routes on lo that no address made, one a line.
routes() { on "$1" sh -c 'ip route show table local type local dev lo; ip -6 route show table local type local dev lo' |
	grep -v 'proto kernel' | awk '{ print $2 }'; }
has_route() { routes "$1" | grep -qxF "$2"; }
lacks_route() { ! has_route "$@"; }
# clean_rs: rs1 as lvsdr never touched it.
clean_rs() {
	lab_arp_reset rs1
	on rs1 ip route del local "$R4" dev lo table local 2>/dev/null
	on rs1 ip -6 route del local "$R6" dev lo table local 2>/dev/null
	on rs1 ip route flush table local type local dev lo proto static 2>/dev/null
	on rs1 ip route del local 198.51.100.128/25 dev lo table local 2>/dev/null
	rm -f "$(lab_record rs1)"
}
# pathcheck4, pathcheck6: the client's DR probe of rs1 on tcp/80 through
# each end and the middle of the range.
pathcheck4() { local a args=(); for a in $ENDS4; do args+=(--vip "$a"); done
	run client pathcheck -i eth0 "${args[@]}" --realserver "$LAB_IP_rs1" --port tcp/80 --timeout 1s; }
pathcheck6() { local a args=(); for a in $ENDS6; do args+=(--vip "$a"); done
	run client pathcheck -i eth0 "${args[@]}" --realserver "$LAB_IP6_rs1" --port tcp/80 --timeout 1s; }

ip netns exec "$(ns rs1)" socat TCP6-LISTEN:80,fork,reuseaddr SYSTEM:'echo hello' >/dev/null 2>&1 &
wait_until 3 sh -c "ip netns exec $(ns rs1) ss -Htln 'sport = :80' | grep -q ."

# --- 1. Before apply: rs1 does not accept the ranges ---------------------------
clean_rs
pathcheck4
want "exit $RC, wanted 1" status_is 1
for a in $ENDS4; do want "$a not vip-not-accepted" out_has "^  $a +$LAB_IP_rs1 +tcp/80 +vip-not-accepted"; done
verdict "1 control: without the range, rs1 does not accept a DR frame for $ENDS4 (vip-not-accepted)"

# --- 2. The leak: the route with the knobs at 0 ------------------------------
on rs1 ip route add local "$R4" dev lo
for a in $ENDS4; do
	lab_expect_who "2 leak: local route $R4 on rs1's lo, knobs 0: rs1 answers ARP for $a" "$a" rs1
done

# probe_ranges NAME: lvsdr probe of the ranges-only profile from the client,
# with lvsdr watch listening there meanwhile (both checked nothing of a
# range before: they now take each range's first, middle and last address).
probe_ranges() {
	ip netns exec "$(ns client)" "$LVSDR" watch -d 4s "$P" >"$TMP/$1.watch" 2>"$TMP/$1.watch.err" &
	WATCH_PID=$!
	wait_until 10 grep -qs watching "$TMP/$1.watch.err"
	run client probe -c 1 -t 300ms "$P"
	kill -TERM "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	WATCH_RC=$?
}
probe_ranges leak
want "probe: not 6 addresses" out_has "^$P: probed 6 addresses on eth0: "
for a in $ENDS4; do want "$a not answered by rs1" out_has "^  $a +ok +$LAB_MAC_rs1\$"; done
for a in $ENDS6; do want "$a: someone answered" out_has "^  $a +no-owner +nobody answered$"; done
verdict "2b probe of the ranges-only profile: rs1 answers ARP for $ENDS4 (the leak), nobody for the IPv6 ends"
want "watch exit $WATCH_RC" test "$WATCH_RC" = 0
for a in $ENDS4; do
	want "watch did not log rs1 claiming $a" grep -qE "^[0-9T:.Z-]+ ${a//./\\.} $LAB_MAC_rs1 arp-reply" "$TMP/leak.watch"
done
want "watch logged an address outside the samples" sh -c "! grep -E '^[0-9]{4}-' '$TMP/leak.watch' | grep -vE ' 198\.51\.100\.(0|128|255) '"
verdict "2c watch of the ranges-only profile logs rs1's claims of $ENDS4, and nothing else"

# --- 3. apply: one route per range, ARP and ND silent, DR frames accepted ----
clean_rs
run rs1 apply "$P"
want "apply exited $RC" status_is 0
want "no 'add local route $R4 on lo' step" out_has "^  [0-9]+\. add local route $R4 on lo$"
want "no 'add local route $R6 on lo' step" out_has "^  [0-9]+\. add local route $R6 on lo$"
want "an address was bound" out_lacks "bind "
want "route $R4 missing" has_route rs1 "$R4"
want "route $R6 missing" has_route rs1 "$R6"
want "lo holds an address of a range" sh -c "! ip netns exec $(ns rs1) ip -o addr show dev lo | grep -qE '198\.51\.100\.|2001:db8:1:'"
want "record lacks the routes" grep -qxF "route lo $R4 $P" "$(lab_record rs1)"
verdict "3a apply adds one local route on lo per range, binds no address, records both as routes"
for a in $ENDS4 $ENDS6; do
	lab_expect_who "3b after apply: nobody answers ARP/ND for $a (rs1 must NOT)" "$a"
done
probe_ranges applied
want "probe: not 6 addresses" out_has "^$P: probed 6 addresses on eth0: "
for a in $ENDS4 $ENDS6; do want "$a answered" out_has "^  $a +no-owner +nobody answered$"; done
want "watch logged a claim" sh -c "! grep -qE '^[0-9]{4}-' '$TMP/applied.watch'"
verdict "3b' after apply, probe finds nobody answering at the ranges' ends and middle (no-owner), watch logs no claim"
pathcheck4
want "exit $RC, wanted 0" status_is 0
for a in $ENDS4; do want "$a not open" out_has "^  $a +$LAB_IP_rs1 +tcp/80 +open"; done
verdict "3c a DR frame to rs1's MAC for tcp/80 at $ENDS4 is accepted (open)"
pathcheck6
want "exit $RC, wanted 0" status_is 0
for a in $ENDS6; do want "$a not open" out_has "^  $a +$LAB_IP6_rs1 +tcp/80 +open"; done
verdict "3d the same for IPv6 at $ENDS6 (open)"
run rs1 verify "$P"
want "exit $RC, wanted 0" status_is 0
want "not in sync" out_has '^ok: in sync \(2 knobs, 0 VIPs, 2 ranges\)$'
verdict "3e verify after apply: in sync, the two ranges counted"
run rs1 verify -v "$P"
want "range not listed bound" out_has "^  range $R4 +ok +bound$"
verdict "3f verify -v lists each range as bound"
run rs1 verify --nagios "$P"
want "exit $RC, wanted 0" status_is 0
want "plugin line" out_has "^LVSDR VERIFY OK: $P in sync \(realserver on eth0, 2 knobs, 0 VIPs, 2 ranges\) \|.* ranges=2;;;0 ranges_bound=2;;;0 "
lv rs1 verify -q --prom "$TMP/rs.prom" "$P"
OUT=$(cat "$TMP/rs.prom" 2>&1)
want "no lvsdr_range_bound for $R4" out_has "^lvsdr_range_bound\{profile=\"$P\",address=\"198\.51\.100\.0\",prefix=\"24\",in_sync=\"1\"\} 1$"
want "no lvsdr_range_bound for $R6" out_has "^lvsdr_range_bound\{profile=\"$P\",address=\"2001:db8:1::\",prefix=\"64\",in_sync=\"1\"\} 1$"
verdict "3g the Nagios line and the Prometheus file count the ranges"

# --- 4. Drift: ours deleted by hand, a foreign one added ------------------------
on rs1 ip route del local "$R4" dev lo table local
on rs1 ip route add local 198.51.100.128/25 dev lo
run rs1 verify "$P"
want "exit $RC, wanted 1" status_is 1
want "missing route not named" out_has "^  range $R4 +drift +missing: no local route on lo$"
want "foreign route not named" out_has "^  route 198\.51\.100\.128/25 +warn +foreign: a local route on lo not added by lvsdr, overlapping range $R4 \(line 6\)"
want "the plan does not add ours back" out_has "^  1\. add local route $R4 on lo$"
want "the plan touches the foreign route" out_lacks "remove local route"
verdict "4a verify names the deleted range (drift, missing) and the foreign route (warn), plans only ours"
run rs1 verify --json "$P"
want "json lacks the missing range" out_has "\"ranges\":\[\{\"address\":\"198\.51\.100\.0\",\"prefix\":24,\"family\":\"inet\",\"target\":\"lo\",\"status\":\"drift\",\"state\":\"missing\""
want "json lacks the foreign finding" out_has '"subject":"route 198\.51\.100\.128/25","status":"warn","detail":"foreign: '
want "json lacks the add-route change" out_has "\"changes\":\[\{\"action\":\"add-route\",\"address\":\"$R4\",\"interface\":\"lo\""
verdict "4b verify --json: the range's state, the foreign finding, the add-route change"
run rs1 verify --nagios "$P"
want "exit $RC, wanted 2 (critical)" status_is 2
want "the range's line" out_has "^range $R4: drift: missing: no local route on lo$"
want "the foreign route's line" out_has "^route 198\.51\.100\.128/25: warn: foreign: "
verdict "4c the Nagios plugin lists the missing range and the foreign route"
run rs1 apply "$P"
want "apply exited $RC" status_is 0
want "ours not back" has_route rs1 "$R4"
want "the foreign route was removed" has_route rs1 198.51.100.128/25
verdict "4d apply puts our route back and leaves the foreign one"

# --- 5. release and rollback remove only ours --------------------------------
run rs1 release "$P"
want "release exited $RC" status_is 0
want "$R4 still there" lacks_route rs1 "$R4"
want "$R6 still there" lacks_route rs1 "$R6"
want "the foreign route went too" has_route rs1 198.51.100.128/25
want "the record still names routes" sh -c "! grep -qs '^route ' '$(lab_record rs1)'"
verdict "5a release removes our two routes, keeps the foreign one, and the record forgets them"
on rs1 ip route del local 198.51.100.128/25 dev lo table local
# fault NAME COMMAND N OF STEP-ERE: COMMAND (apply or release) with a fault
# injected at step N of OF, which is STEP-ERE: exit 2, rs1 as before.
fault() {
	local name=$1 cmd=$2 n=$3 of=$4 step=$5 before now out rc
	before=$(snapshot rs1)
	out=$(LVSDR_FAULT_STEP=$n lv rs1 "$cmd" "$P" 2>&1)
	rc=$?
	now=$(snapshot rs1)
	if [ "$rc" -eq 2 ] && grep -qE "step $n of $of failed: $step" <<<"$out" && [ "$now" = "$before" ]; then
		ok "$name"
	else
		not_ok "$name (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		show_diff "$before" "$now"
	fi
}
clean_rs
for n in 5 6; do
	fault "5b fault at step $n (a route) of apply: exit 2, rs1 byte for byte as before" apply $n 6 "add local route"
done
lv rs1 apply -q "$P"
for n in 1 2; do
	fault "5c fault at step $n of release: the routes removed so far are back, rs1 as before" release $n 2 \
		"remove local route"
done
lv rs1 release -q "$P"

# --- 6. Ranges that would cut rs1 off its segment: refused, nothing changed ---
clean_rs
on rs1 ip route add 203.0.113.0/24 via "$LAB_IP_dir1"
on rs1 ip neigh replace "$LAB_IP_client" lladdr "$LAB_MAC_client" dev eth0
before=$(snapshot rs1)
lint() { # NAME RANGE REASON-ERE
	local p
	p=$(realserver "lint" "$2")
	for cmd in verify apply; do
		run rs1 "$cmd" "$p"
		want "$cmd exit $RC, wanted 2" status_is 2
		want "$cmd: no file:line:key message" out_has "^$p:6: \[vip\] range = $2: $3; "
	done
	want "rs1 changed" test "$(snapshot rs1)" = "$before"
	verdict "6 $1: verify and apply refuse range = $2 (exit 2, lint.ini:6), rs1 unchanged"
}
lint "the segment's subnet" 192.0.2.0/23 "contains eth0's subnet 192\.0\.2\.0/24"
lint "the host's own address" 192.0.2.8/29 "covers eth0's own address 192\.0\.2\.11"
lint "a gateway" "$LAB_IP_dir1/32" "covers 192\.0\.2\.2, the gateway of a route through eth0"
lint "a neighbour" "$LAB_IP_client/32" "covers 192\.0\.2\.1, a neighbour on eth0 \(in its neighbour table\)"
lint "the IPv6 subnet" 2001:db8::/63 "contains eth0's subnet 2001:db8::/64"
on rs1 ip route del 203.0.113.0/24

# --- 7. A director announces exactly the listed addresses of its ranges ------
cat >"$TMP/lb.ini" <<EOF
[host]
role = director
interface = eth0

[vip]
range = $R4
announce = 198.51.100.1-198.51.100.3
range = $R6
announce = 2001:db8:1::1-2001:db8:1::2

[garp]
count = 1
EOF
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 20000 eth0 >"$TMP/sniff.in" 2>"$TMP/sniff.err" &
SNIFF=$!
wait_until 2 grep -qsx ready "$TMP/sniff.err"
run dir1 takeover "$TMP/lb.ini"
sleep 0.3
kill -TERM "$SNIFF" 2>/dev/null
{ wait "$SNIFF"; } 2>/dev/null
# The addresses announced: ARP frames from dir1 with sender = target, NAs.
got=$(awk -v mac="$LAB_MAC_dir1" '$0 ~ "eth_src=" mac {
	spa = tpa = tgt = ""
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^spa=/) spa = substr($i, 5)
		if ($i ~ /^tpa=/) tpa = substr($i, 5)
		if ($i ~ /^target=/) tgt = substr($i, 8)
	}
	if ($2 == "arp" && spa == tpa) print spa
	if ($2 == "na") print tgt
}' "$TMP/sniff.in" | grep -E '^(198\.51\.100\.|2001:db8:1:)' | sort -u | tr '\n' ' ')
want "takeover exited $RC" status_is 0
want "announced [$got], wanted exactly 198.51.100.1-3 and 2001:db8:1::1-2" \
	test "$got" = "198.51.100.1 198.51.100.2 198.51.100.3 2001:db8:1::1 2001:db8:1::2 "
want "dir1 lacks the route $R4" has_route dir1 "$R4"
want "dir1 lacks the route $R6" has_route dir1 "$R6"
verdict "7a takeover: the client sees announcements for exactly the 5 listed addresses, dir1 holds both ranges on lo"
run dir1 release "$TMP/lb.ini"
want "release exited $RC" status_is 0
want "dir1 still holds $R4" lacks_route dir1 "$R4"
want "dir1 still holds an announced VIP" sh -c "! ip netns exec $(ns dir1) ip -o addr show dev eth0 | grep -q '198\.51\.100\.'"
verdict "7b release: the ranges' routes and the announced VIPs are gone from dir1"
