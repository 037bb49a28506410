#!/usr/bin/env bash
# t-20: real-server provisioning on a live kernel. lvsdr apply and
# verify run inside the real servers' namespaces; the client judges the
# result from the wire, as a user of the service would.
#
#     [client] 192.0.2.1 --- arpwho / ping / socat to the VIP
#         |
#       (br0)------------------+-----------------------+
#         |                    |                       |
#     [dir1] .2            [rs1] .11                [rs2] .12
#     VIP/32, VIP6/128     lvsdr apply: knobs on    same as rs1
#     on eth0 (the only    all + eth0, VIPs on lo
#     one that answers)    (must stay silent)
#
# Every case starts its real servers from clean_rs: every ARP knob 0, no VIP
# anywhere, no ownership record. The DR data path (case 3) stands in for the
# director's MAC rewrite with a permanent neighbour entry on the client.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_start t-20 client dir1 rs1 rs2

RS="rs1 rs2"
# The ownership record and lock go here, one directory per namespace.

# --- Helpers ----------------------------------------------------------------

# profile NAME INTERFACE ADDRESS...: a real-server profile, default knobs.
profile() {
	profile_text realserver "$2" "${@:3}" >"$TMP/$1.ini"
	echo "$TMP/$1.ini"
}
P_V4=$(profile v4 eth0 "$LAB_VIP")
P_DUAL=$(profile dual eth0 "$LAB_VIP" "$LAB_VIP6")
P_OTHER=$(profile other eth0 192.0.2.101)
P_ETH9=$(profile eth9 eth9 "$LAB_VIP")

same() { [ "$1" = "$2" ]; }                    # A B
differ() { [ "$1" != "$2" ]; }                 # A B

# record HOST: the path of lvsdr's ownership record for HOST's namespace.
record() { lab_record "$1"; }

# absent_in_record HOST ADDRESS/PREFIX: the record does not claim it.
absent_in_record() { ! grep -qF " $2" "$(record "$1")" 2>/dev/null; }

# snapshot HOST: everything apply may change, as text: every ARP knob of
# every interface, every address, and the ownership record.
snapshot() {
	on "$1" sh -c 'grep -r . /proc/sys/net/ipv4/conf/*/arp_*; ip -o addr show'
	echo "record:"
	cat "$(record "$1")" 2>/dev/null
}

# show_diff A B: the difference of two snapshots, as comment lines.
show_diff() { diff -u <(echo "$1") <(echo "$2") | tail -n +3 | sed 's/^/#   /'; }

# clean_rs HOST...: back to a host lvsdr never touched.
clean_rs() {
	local h
	for h in "$@"; do
		lab_arp_reset "$h"
		on "$h" ip addr flush dev lo scope global
		on "$h" ip addr del "$LAB_VIP/32" dev eth0 2>/dev/null
		on "$h" ip -6 addr del "$LAB_VIP6/128" dev eth0 2>/dev/null
		rm -f "$(record "$h")"
	done
}

# addr_line HOST ADDRESS: HOST's `ip -o addr` line for ADDRESS/prefix, or "".
addr_line() { on "$1" ip -o addr show | grep -F " $2 " | sed 's/\\.*//'; }



# json_get KEY: the top-level KEY of the JSON document in OUT, compact.
JSON=
command -v python3 >/dev/null 2>&1 && JSON=python3
command -v jq >/dev/null 2>&1 && JSON=jq
json_parses() {
	case $JSON in
	jq) jq . <<<"$OUT" >/dev/null 2>&1 ;;
	python3) python3 -m json.tool <<<"$OUT" >/dev/null 2>&1 ;;
	esac
}
json_get() {
	case $JSON in
	jq) jq -c ".$1" <<<"$OUT" 2>/dev/null ;;
	python3) python3 -c 'import json, sys
print(json.dumps(json.load(sys.stdin)[sys.argv[1]], separators=(",", ":")).lower())' "$1" <<<"$OUT" 2>/dev/null ;;
	esac
}
# json_knob NAME FIELD: FIELD of the knob NAME in OUT's knobs[], as text.
json_knob() {
	case $JSON in
	jq) jq -r ".knobs[] | select(.name == \"$1\") | .$2" <<<"$OUT" 2>/dev/null ;;
	python3) python3 -c 'import json, sys
print(next(k[sys.argv[2]] for k in json.load(sys.stdin)["knobs"] if k["name"] == sys.argv[1]))' "$1" "$2" <<<"$OUT" 2>/dev/null ;;
	esac
}
# knob_of HOST DIR NAME: /proc/sys/net/ipv4/conf/DIR/NAME in HOST.
knob_of() { on "$1" cat "/proc/sys/net/ipv4/conf/$2/$3"; }
# json_count KEY: how many elements the array KEY holds.
json_count() { json_get "$1" | grep -o '{' | wc -l; }

# The director holds both VIPs for the whole run: it is the one host that
# must answer for them.
on dir1 ip addr add "$LAB_VIP/32" dev eth0
on dir1 ip -6 addr add "$LAB_VIP6/128" dev eth0 nodad

# --- 1. The leak, and apply closing it --------------------------------------
clean_rs $RS
for h in $RS; do on "$h" ip addr add "$LAB_VIP/32" dev lo; done
lab_expect_who "1a leak: VIP/32 on the real servers' lo by hand, knobs 0: dir1, rs1 and rs2 all answer ARP" \
	"$LAB_VIP" dir1 rs1 rs2

clean_rs $RS
for h in $RS; do
	run "$h" apply "$P_V4"
	want "apply on $h exited $RC" status_is 0
done
verdict "1b apply of a realserver profile (eth0, VIP $LAB_VIP) on rs1 and rs2 from a clean host: exit 0"
lab_expect_who "1c after apply: only dir1 answers ARP for the VIP, rs1 and rs2 must NOT" "$LAB_VIP" dir1

# --- 2. Knobs on lo only: still a leak, and verify says why ----------------
clean_rs $RS
for h in $RS; do
	on "$h" ip addr add "$LAB_VIP/32" dev lo
	on "$h" sysctl -qw net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
done
lab_expect_who "2a arp_ignore=1 arp_announce=2 on lo only: dir1, rs1 and rs2 still answer ARP" \
	"$LAB_VIP" dir1 rs1 rs2
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no arp_ignore drift line naming conf/lo as useless" \
	out_has '^  arp_ignore +drift +effective 0, want 1: .*conf/lo/arp_ignore = 1 does nothing: lo never receives ARP for eth0'
want "no arp_announce drift line naming conf/lo as useless" \
	out_has '^  arp_announce +drift +effective 0, want 2: .*conf/lo/arp_announce = 2 does nothing'
verdict "2b verify with the knobs on lo only: exit 1, arp_ignore and arp_announce drift, 'conf/lo/... does nothing: lo never receives ARP'"

# --- 3. The direct-routing data path -----------------------------------------
# rs2 is left clean (no VIP): only rs1 could answer for the VIPs here.
clean_rs $RS
run rs1 apply "$P_DUAL"
want "apply exited $RC" status_is 0
verdict "3a apply of a dual-stack profile on rs1: exit 0"

# $SOCAT_SOCKADDR is the local address the connection arrived on.
reply='echo hello from $SOCAT_SOCKADDR'
on rs1 socat TCP4-LISTEN:8080,fork,reuseaddr SYSTEM:"$reply" >/dev/null 2>&1 &
srv4=$!
on rs1 socat TCP6-LISTEN:8080,ipv6only=1,fork,reuseaddr SYSTEM:"$reply" >/dev/null 2>&1 &
srv6=$!
listening() { [ "$(on rs1 ss -Hltn 'sport = :8080' | wc -l)" -eq 2 ]; }
want "socat on rs1 not listening on 8080 after 3 s" wait_until 3 listening
verdict "3b rs1 listens on TCP 8080 (IPv4 and IPv6)"

# rs1 must look its client up by ARP while the capture runs: that request
# shows which sender address arp_announce made it use.
on rs1 ip neigh flush dev eth0
on rs1 ip -6 neigh flush dev eth0
on client ip neigh replace "$LAB_VIP" lladdr "$LAB_MAC_rs1" dev eth0 nud permanent
on client ip -6 neigh replace "$LAB_VIP6" lladdr "$LAB_MAC_rs1" dev eth0 nud permanent
on client timeout 10 tcpdump -i eth0 -e -n -l -U 'arp or tcp src port 8080' >"$TMP/cap" 2>"$TMP/cap.err" &
cap=$!
if ! wait_until 3 grep -q 'listening on' "$TMP/cap.err"; then
	not_ok "3 tcpdump on the client did not start: $(head -c 300 "$TMP/cap.err")"
fi
got4=$(on client socat -t2 -T3 - "TCP4:$LAB_VIP:8080,connect-timeout=2" </dev/null 2>&1)
got6=$(on client socat -t2 -T3 - "TCP6:[$LAB_VIP6]:8080,connect-timeout=2" </dev/null 2>&1)
# tcpdump needs a moment to print what it saw before it is told to stop.
wait_until 2 grep -q "$LAB_VIP6.8080 > " "$TMP/cap"
kill "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
kill "$srv4" "$srv6" 2>/dev/null
wait "$srv4" "$srv6" 2>/dev/null

OUT=$got4
want "reply '$got4'" same "$got4" "hello from $LAB_VIP"
want "no reply from $LAB_VIP.8080 sent by rs1's MAC straight to the client in the capture" \
	grep -qE "^[0-9:.]+ $LAB_MAC_rs1 > $LAB_MAC_client, .*IPv4.*: $LAB_VIP\.8080 > $LAB_IP_client\." "$TMP/cap"
verdict "3c IPv4 DR path: client -> $LAB_VIP:8080 via rs1's MAC gets 'hello' from rs1, which accepted it on the VIP and answered from the VIP" || dump=1
OUT=$(grep -E "ARP.*tell" "$TMP/cap")
want "rs1 sent no ARP request for the client during the exchange" \
	grep -qE "^[0-9:.]+ $LAB_MAC_rs1 > ff:ff:ff:ff:ff:ff, .*who-has $LAB_IP_client tell $LAB_IP_rs1," "$TMP/cap"
want "an ARP request from rs1 carried the VIP as sender (arp_announce not in effect)" \
	out_lacks "tell $LAB_VIP,"
verdict "3d IPv4 DR path: rs1's ARP request for the client says 'tell $LAB_IP_rs1', never 'tell $LAB_VIP'" || dump=1

OUT=$got6
# socat prints an IPv6 address in full, bracketed.
want "reply '$got6'" same "$got6" "hello from [2001:0db8:0000:0000:0000:0000:0000:0100]"
want "no reply from $LAB_VIP6.8080 sent by rs1's MAC in the capture" \
	grep -qE "^[0-9:.]+ $LAB_MAC_rs1 > $LAB_MAC_client, .*IPv6.*: $LAB_VIP6\.8080 > $LAB_IP6_client\." "$TMP/cap"
verdict "3e IPv6 DR path: client -> [$LAB_VIP6]:8080 via rs1's MAC gets 'hello' from rs1, answered from the VIP6" || dump=1
if [ "${dump:-0}" = 1 ]; then sed 's/^/#   capture: /' "$TMP/cap"; fi

# Now the client resolves the VIPs for itself: the director must win.
on client ip neigh del "$LAB_VIP" dev eth0
on client ip -6 neigh del "$LAB_VIP6" dev eth0
lab_expect_who "3f after apply, IPv4: only dir1 answers ARP for the VIP, rs1 must NOT" "$LAB_VIP" dir1
lab_expect_who "3g after apply, IPv6: only dir1 answers the solicitation for the VIP6, rs1 must NOT" "$LAB_VIP6" dir1
on client ping -q -n -c1 -W1 "$LAB_VIP" >/dev/null 2>&1
on client ping -q -n -c1 -W1 "$LAB_VIP6" >/dev/null 2>&1
n4=$(lab_neigh client "$LAB_VIP") n6=$(lab_neigh client "$LAB_VIP6")
OUT="client's entries: $LAB_VIP -> $n4, $LAB_VIP6 -> $n6"
want "$LAB_VIP -> ${n4:-nothing}, not dir1" same "$n4" "$LAB_MAC_dir1"
want "$LAB_VIP6 -> ${n6:-nothing}, not dir1" same "$n6" "$LAB_MAC_dir1"
verdict "3h the client's own neighbour entries for both VIPs point at dir1's MAC, never rs1's"

# --- 4. verify: in sync, and every kind of drift ------------------------------
clean_rs rs1
run rs1 apply "$P_V4"
run rs1 verify "$P_V4"
want "status $RC, wanted 0" status_is 0
want "no 'ok: in sync' line" out_has '^ok: in sync \(2 knobs, 1 VIP\)$'
verdict "4a verify right after apply: exit 0, 'ok: in sync (2 knobs, 1 VIP)'"

if [ -n "$JSON" ]; then
	run rs1 verify --json "$P_V4"
	want "status $RC, wanted 0" status_is 0
	want "not valid JSON ($JSON)" json_parses
	want "schema $(json_get schema), wanted 1" same "$(json_get schema)" 1
	want "in_sync $(json_get in_sync), wanted true" same "$(json_get in_sync)" true
	want "drift $(json_get drift), wanted 0" same "$(json_get drift)" 0
	want "changes $(json_get changes), wanted []" same "$(json_get changes)" "[]"
	want "knobs[] has $(json_count knobs) entries" differ "$(json_count knobs)" 0
	want "vips[] has $(json_count vips) entries, wanted 1" same "$(json_count vips)" 1
	verdict "4b verify --json in sync: valid JSON ($JSON), schema 1, in_sync true, drift 0, no changes"
else
	skip "4b verify --json: neither jq nor python3 to parse it"
fi

# restore NAME: apply puts rs1 back in sync; a case whose drift apply cannot
# fix is restored by hand before this.
restore() {
	run rs1 apply "$P_V4"
	want "apply exited $RC" status_is 0
	run rs1 verify "$P_V4"
	want "verify after apply exited $RC" status_is 0
	verdict "$1"
}

# apply_refused HOST PROFILE PATTERN NAME: apply exits 2, its output
# matches PATTERN, and the host is as it was.
apply_refused() {
	local before after
	before=$(snapshot "$1")
	run "$1" apply "$2"
	after=$(snapshot "$1")
	want "status $RC, wanted 2" status_is 2
	want "no '$3'" out_has "$3"
	want "the host changed" same "$before" "$after"
	verdict "$4"
}

# refuse_blocked NAME: apply must not touch an address lvsdr did not bind.
refuse_blocked() {
	apply_refused rs1 "$P_V4" 'refusing to apply: 1 finding needs a hand .*nothing changed' \
		"$1 apply refuses the blocked finding: exit 2, 'refusing to apply', nothing changed"
}

on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no arp_ignore drift line naming both conf values" \
	out_has '^  arp_ignore +drift +effective 0, want 1: conf/all/arp_ignore and conf/eth0/arp_ignore are both 0$'
want "plan lacks 'set conf/all/arp_ignore 0 -> 1'" out_has '^  1\. set conf/all/arp_ignore 0 -> 1$'
want "plan lacks 'set conf/eth0/arp_ignore 0 -> 1'" out_has '^  2\. set conf/eth0/arp_ignore 0 -> 1$'
verdict "4c drift, arp_ignore 0 on all and eth0: exit 1, 'effective 0, want 1: conf/all/arp_ignore and conf/eth0/arp_ignore are both 0'"
if [ -n "$JSON" ]; then
	run rs1 verify --json "$P_V4"
	want "status $RC, wanted 1" status_is 1
	want "not valid JSON" json_parses
	want "in_sync $(json_get in_sync), wanted false" same "$(json_get in_sync)" false
	want "drift $(json_get drift), wanted 1" same "$(json_get drift)" 1
	want "changes[] has $(json_count changes) entries, wanted 2" same "$(json_count changes)" 2
	verdict "4d verify --json with knob drift: in_sync false, drift 1, 2 changes"
fi
restore "4e apply repairs the arp_ignore drift: verify exit 0 again"

on rs1 ip addr del "$LAB_VIP/32" dev lo
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no VIP drift line 'missing: not bound on lo'" out_has "^  $LAB_VIP/32 +drift +missing: not bound on lo$"
want "plan lacks the bind step" out_has "^  1\. bind $LAB_VIP/32 on lo \(label lo:lvsdr\)$"
verdict "4f drift, the VIP removed from lo: exit 1, '$LAB_VIP/32 drift missing: not bound on lo'"
restore "4g apply binds the VIP again: verify exit 0"

on rs1 ip addr add "$LAB_VIP/32" dev eth0
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no line naming the copy on eth0" out_has "^  $LAB_VIP/32 +blocked +elsewhere: also bound on eth0: "
want "no hint how to remove it" out_has "ip addr del $LAB_VIP/32 dev eth0"
verdict "4h drift, the VIP also on eth0 (a foreign copy): exit 1, '$LAB_VIP/32 blocked elsewhere: also bound on eth0'"
refuse_blocked "4h'"
on rs1 ip addr del "$LAB_VIP/32" dev eth0
restore "4i the foreign copy removed by hand: verify exit 0 again"

on rs1 ip addr del "$LAB_VIP/32" dev lo
on rs1 ip addr add "$LAB_VIP/24" dev lo
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no wrong-prefix line" out_has "^  $LAB_VIP/32 +blocked +wrong-prefix: bound on lo as /24, want /32"
verdict "4j drift, the VIP on lo as /24 instead of /32: exit 1, 'wrong-prefix: bound on lo as /24, want /32'"
refuse_blocked "4j'"
on rs1 ip addr del "$LAB_VIP/24" dev lo
restore "4k the /24 removed by hand, apply binds the /32: verify exit 0 again"

on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=9
stored=$(on rs1 cat /proc/sys/net/ipv4/conf/all/arp_ignore)
run rs1 verify "$P_V4"
want "the kernel holds $stored, not 9" same "$stored" 9
want "status $RC, wanted 1" status_is 1
want "no out-of-range line" out_has '^  arp_ignore +drift +conf/all/arp_ignore = 9 is outside its meaningful range'
verdict "4l drift, conf/all/arp_ignore = 9 (the kernel takes it): exit 1, 'outside its meaningful range'"
restore "4m apply rewrites the out-of-range knob: verify exit 0 again"

# Effectively right but not where the scope puts it: someone resets
# conf/all while eth0 keeps 1 and 2. The effective values hold only until
# eth0 is re-created, so verify holds each knob to every place the profile's
# scope (all+interface, the default) writes, and apply writes it back.
MISPLACED_ALL_IGNORE="conf/all/arp_ignore = 0, lvsdr writes 1: the host answers ARP for the VIPs on any NIC created or re-created later"
MISPLACED_ALL_ANNOUNCE="conf/all/arp_announce = 0, lvsdr writes 2: the host may send ARP with a VIP as sender and pull the VIP's traffic to itself on any NIC created or re-created later"
on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no arp_ignore drift line naming conf/all and the consequence" out_has "^  arp_ignore +drift +$MISPLACED_ALL_IGNORE\$"
want "no arp_announce drift line naming conf/all and the consequence" out_has "^  arp_announce +drift +$MISPLACED_ALL_ANNOUNCE\$"
want "plan lacks 'set conf/all/arp_ignore 0 -> 1'" out_has '^  1\. set conf/all/arp_ignore 0 -> 1$'
want "plan lacks 'set conf/all/arp_announce 0 -> 2'" out_has '^  2\. set conf/all/arp_announce 0 -> 2$'
want "a step for conf/eth0, which is right" out_lacks 'set conf/eth0/'
verdict "4n arp_ignore and arp_announce 0 on all, 1 and 2 on eth0 (effective right): exit 1, drift naming conf/all and the consequence, 2 steps"
if [ -n "$JSON" ]; then
	run rs1 verify --json "$P_V4"
	want "status $RC, wanted 1" status_is 1
	want "drift $(json_get drift), wanted 2" same "$(json_get drift)" 2
	want "arp_ignore: effective $(json_knob arp_ignore effective), wanted 1" same "$(json_knob arp_ignore effective)" 1
	want "arp_ignore: status $(json_knob arp_ignore status), wanted drift" same "$(json_knob arp_ignore status)" drift
	want "arp_ignore: detail '$(json_knob arp_ignore detail)'" same "$(json_knob arp_ignore detail)" "$MISPLACED_ALL_IGNORE"
	want "arp_announce: detail '$(json_knob arp_announce detail)'" same "$(json_knob arp_announce detail)" "$MISPLACED_ALL_ANNOUNCE"
	want "changes[] has $(json_count changes) entries, wanted 2" same "$(json_count changes)" 2
	verdict "4n verify --json, conf/all reset: drift 2, each knob's status drift with the detail naming conf/all"
fi
restore "4n apply writes conf/all back: verify exit 0 again"
want "conf/all/arp_ignore $(knob_of rs1 all arp_ignore), wanted 1" same "$(knob_of rs1 all arp_ignore)" 1
want "conf/all/arp_announce $(knob_of rs1 all arp_announce), wanted 2" same "$(knob_of rs1 all arp_announce)" 2
verdict "4n after apply conf/all holds 1 and 2 again"
on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=0
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no arp_ignore drift line naming conf/eth0" \
	out_has '^  arp_ignore +drift +conf/eth0/arp_ignore = 0, lvsdr writes 1: the host answers ARP for the VIPs on eth0 once conf/all is lowered$'
want "plan lacks 'set conf/eth0/arp_ignore 0 -> 1'" out_has '^  1\. set conf/eth0/arp_ignore 0 -> 1$'
verdict "4o arp_ignore all=1 eth0=0 (effective 1): exit 1, drift naming conf/eth0"
restore "4o apply writes conf/eth0 back: verify exit 0 again"
# scope = interface writes only conf/eth0: conf/all is not its business.
# The same profile, edited: the record names the VIP's profile by its path.
cp "$P_V4" "$TMP/v4.saved"
printf '[host]\nrole = realserver\ninterface = eth0\n[arp]\nscope = interface\n[vip]\naddress = %s\n' "$LAB_VIP" >"$P_V4"
on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0
run rs1 verify "$P_V4"
want "status $RC, wanted 0" status_is 0
want "a drift line" out_lacks drift
verdict "4o scope = interface, conf/all reset to 0, eth0 1 and 2: in sync (exit 0), conf/all is not judged"
cp "$TMP/v4.saved" "$P_V4"
restore "4o back to the default scope: apply writes conf/all again, verify exit 0"
on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=2 net.ipv4.conf.eth0.arp_ignore=1
run rs1 verify "$P_V4"
want "status $RC, wanted 1" status_is 1
want "no line explaining the effective 2 by conf/all" \
	out_has '^  arp_ignore +drift +effective 2, want 1: conf/all/arp_ignore = 2 makes it 2 \(conf/eth0/arp_ignore = 1\)$'
verdict "4p arp_ignore all=2 eth0=1: effective 2, drift (exit 1) blamed on conf/all/arp_ignore = 2"
restore "4q apply lowers conf/all/arp_ignore: verify exit 0 again"

# --- 5. apply is idempotent; --dry-run is verify ------------------------------
clean_rs rs1
before=$(snapshot rs1)
run rs1 verify "$P_DUAL"
v_out=$OUT v_rc=$RC
run rs1 apply --dry-run "$P_DUAL"
after=$(snapshot rs1)
want "dry-run status $RC, verify status $v_rc" same "$RC" "$v_rc"
want "dry-run output differs from verify's" same "$OUT" "$v_out"
want "dry-run changed the host" same "$before" "$after"
verdict "5a apply --dry-run on a clean host: same output and status ($v_rc) as verify, nothing changed"
[ "$before" = "$after" ] || show_diff "$before" "$after"

run rs1 apply "$P_DUAL"
first=$(snapshot rs1)
run rs1 apply "$P_DUAL"
second=$(snapshot rs1)
want "status $RC, wanted 0" status_is 0
want "no 'ok: in sync' line" out_has '^ok: in sync \(2 knobs, 2 VIPs\)$'
want "it claims to apply something" out_lacks 'applying|^  [0-9]+\. '
want "the second apply changed the host" same "$first" "$second"
verdict "5b apply twice: the second prints 'ok: in sync', exits 0 and changes nothing"
[ "$first" = "$second" ] || show_diff "$first" "$second"

run rs1 verify "$P_DUAL"
v_out=$OUT v_rc=$RC
run rs1 apply -n "$P_DUAL"
want "dry-run status $RC, verify status $v_rc" same "$RC" "$v_rc"
want "dry-run output differs from verify's" same "$OUT" "$v_out"
verdict "5c apply -n on an applied host: same output and status ($v_rc) as verify"

# --- 6. Rollback at every step ---------------------------------------------------
clean_rs rs2
before=$(snapshot rs2)
run rs2 verify --json "$P_DUAL"
nsteps=$(json_count changes)
OUT="changes: $(json_get changes)"
want "the plan has $nsteps steps, wanted 6 (4 knobs, 2 VIPs)" same "$nsteps" 6
verdict "6a a clean host and the dual-stack profile: 6 steps to roll back from"
[ "${nsteps:-0}" -gt 0 ] 2>/dev/null || nsteps=6
for n in $(seq 1 "$nsteps"); do
	OUT=$(on rs2 env LVSDR_FAULT_STEP="$n" ${LVSDR_WRAP:-} "$LVSDR" apply "$P_DUAL" 2>&1)
	RC=$?
	after=$(snapshot rs2)
	want "status $RC, wanted 2" status_is 2
	want "no 'step $n of $nsteps failed'" out_has "step $n of $nsteps failed: .*injected fault"
	want "no 'rolled back' message" out_has 'rolled back [0-9]+ changes?; the host is as it was before this run'
	want "the host changed" same "$before" "$after"
	verdict "6b LVSDR_FAULT_STEP=$n of $nsteps: exit 2, 'rolled back', knobs, addresses and record as before"
	[ "$before" = "$after" ] || show_diff "$before" "$after"
done
OUT=$(on rs2 env LVSDR_FAULT_STEP=$((nsteps + 1)) ${LVSDR_WRAP:-} "$LVSDR" apply "$P_DUAL" 2>&1)
RC=$?
want "status $RC, wanted 0" status_is 0
verdict "6c LVSDR_FAULT_STEP=$((nsteps + 1)), past the last step: apply succeeds (the loop above covered every step)"

clean_rs rs2
apply_refused rs2 "$P_ETH9" 'no interface eth9 in this network namespace' \
	"6d apply of a profile with interface = eth9: exit 2, 'no interface eth9 in this network namespace', nothing changed"

# --- 7. Privileges -------------------------------------------------------------------
# Root without CAP_NET_ADMIN: out of the bounding and inheritable sets, so
# the exec'd lvsdr never gets it.
clean_rs rs2
if command -v setpriv >/dev/null 2>&1; then
	nocap() { on rs2 setpriv --inh-caps=-all --bounding-set=-net_admin -- ${LVSDR_WRAP:-} "$LVSDR" "$@"; }
	before=$(snapshot rs2)
	OUT=$(nocap apply "$P_V4" 2>&1)
	RC=$?
	after=$(snapshot rs2)
	want "status $RC, wanted 2" status_is 2
	want "no message naming CAP_NET_ADMIN" out_has 'needs CAP_NET_ADMIN.*nothing changed'
	want "the host changed" same "$before" "$after"
	verdict "7a apply without CAP_NET_ADMIN: exit 2, 'needs CAP_NET_ADMIN', nothing changed"
	OUT=$(nocap verify "$P_V4" 2>&1)
	RC=$?
	want "status $RC, wanted 1 (drift on a clean host)" status_is 1
	want "no plan printed" out_has '^drift: 3 differences; apply would make 5 changes$'
	verdict "7b verify without CAP_NET_ADMIN: reads everything, exit 1 with the full plan"
	lv rs2 apply -q "$P_V4"
	OUT=$(nocap verify "$P_V4" 2>&1)
	RC=$?
	want "status $RC, wanted 0" status_is 0
	verdict "7c verify without CAP_NET_ADMIN on an applied host: exit 0"
else
	skip "7 privileges: setpriv (util-linux) is not installed"
fi

# --- 8. Addresses lvsdr does not own -------------------------------------------------
clean_rs rs1
on rs1 ip addr add 198.51.100.7/32 dev lo
stranger=$(addr_line rs1 198.51.100.7/32)
run rs1 apply "$P_V4"
want "apply exited $RC" status_is 0
want "198.51.100.7/32 on lo changed: '$(addr_line rs1 198.51.100.7/32)'" same "$(addr_line rs1 198.51.100.7/32)" "$stranger"
run rs1 verify "$P_V4"
want "verify exited $RC, wanted 0" status_is 0
want "verify mentions the unrelated address" out_lacks 198.51.100.7
verdict "8a an unrelated 198.51.100.7/32 on lo survives apply untouched and verify ignores it"

# A profile that no longer lists the VIP (edited: the record names the
# profile each address was bound for by its path): lvsdr removes its own
# copy only.
profile v4 eth0 192.0.2.101 >/dev/null
run rs1 apply "$P_V4"
profile v4 eth0 "$LAB_VIP" >/dev/null
want "apply exited $RC" status_is 0
want "apply did not remove its own, now stale $LAB_VIP/32" out_has "remove $LAB_VIP/32 from lo"
want "$LAB_VIP/32 is still on lo" same "$(addr_line rs1 "$LAB_VIP/32")" ""
want "198.51.100.7/32 on lo changed" same "$(addr_line rs1 198.51.100.7/32)" "$stranger"
verdict "8b a profile switched to 192.0.2.101: apply removes lvsdr's stale $LAB_VIP, 198.51.100.7 survives"

# A VIP bound by hand before lvsdr came: it satisfies the profile (verify -v
# shows it bound), but lvsdr neither relabels nor records it, so it never
# removes it either.
clean_rs rs1
on rs1 ip addr add "$LAB_VIP/32" dev lo
by_hand=$(addr_line rs1 "$LAB_VIP/32")
run rs1 verify -v "$P_V4"
want "verify exited $RC, wanted 1 (knobs)" status_is 1
want "the hand-bound VIP is not reported as bound by someone else" \
	out_has "^  $LAB_VIP/32 +ok +bound: bound on lo by someone else .*never removed by lvsdr$"
verdict "8c a VIP bound on lo by hand (no lvsdr label): verify -v reports it ok, bound by someone else; only the knobs drift"
run rs1 apply "$P_V4"
want "apply exited $RC" status_is 0
want "apply binds the VIP a second time" out_lacks "bind $LAB_VIP"
want "the address changed: '$(addr_line rs1 "$LAB_VIP/32")' (was '$by_hand')" same "$(addr_line rs1 "$LAB_VIP/32")" "$by_hand"
want "the ownership record claims it" absent_in_record rs1 "$LAB_VIP/32"
verdict "8d apply leaves the hand-bound VIP alone: no relabel to lo:lvsdr, not in the ownership record"
run rs1 apply "$P_OTHER"
want "apply exited $RC" status_is 0
want "apply removed the hand-bound VIP" out_lacks "remove $LAB_VIP"
want "the hand-bound VIP is gone or changed" same "$(addr_line rs1 "$LAB_VIP/32")" "$by_hand"
verdict "8e switching the profile away from $LAB_VIP: apply does not delete the hand-bound VIP"

# --- 9. The shipped example profiles --------------------------------------------------
for example in realserver dualstack; do
	clean_rs rs1
	run rs1 apply "$LVSDR_ROOT/profiles/$example.ini"
	want "apply exited $RC" status_is 0
	run rs1 verify "$LVSDR_ROOT/profiles/$example.ini"
	want "verify exited $RC, wanted 0" status_is 0
	want "no 'ok: in sync'" out_has '^ok: in sync '
	verdict "9 profiles/$example.ini applied on rs1: verify exit 0, in sync"
done
