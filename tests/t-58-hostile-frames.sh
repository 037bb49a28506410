#!/usr/bin/env bash
# t-58: what watch cannot see, the kernel acts on. Frames that
# Linux accepts and that move a client's neighbour entry must be logged by
# `lvsdr watch`, attributed to the MAC the kernel took: ARP with hardware
# type 6 (IEEE 802), a neighbour advertisement with two target link-layer
# options (the kernel takes the first), advertisements behind hop-by-hop
# and destination options headers.
#
#     [client] .1  neighbour entries for the VIP, lvsdr watch
#     [dir1]   .2  holds 192.0.2.100/24, 2001:db8::100/64 on eth0
#     [rs1]    .11 the forger: framesend with made-up MACs 02:00:00:00:00:aX
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_start t-58 client dir1 rs1

on dir1 ip addr add "$LAB_VIP/24" dev eth0
on dir1 ip -6 addr add "$LAB_VIP6/64" dev eth0 nodad
# The client learns dir1 as the VIP's owner: entries the forgeries move.
on client ping -q -n -c1 -W2 "$LAB_VIP" >/dev/null
on client ping -q -n -c1 -W2 "$LAB_VIP6" >/dev/null
check "the client's entry for $LAB_VIP is dir1's" [ "$(lab_neigh client "$LAB_VIP")" = "$LAB_MAC_dir1" ]
check "the client's entry for $LAB_VIP6 is dir1's" [ "$(lab_neigh client "$LAB_VIP6")" = "$LAB_MAC_dir1" ]

# ip netns exec execs the tool: WATCH_PID is the tool's own.
ip netns exec "$(ns client)" "$LVSDR" watch -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6" >"$TMP/watch.out" 2>"$TMP/watch.err" &
WATCH_PID=$!
wait_until 10 grep -qs 'watching' "$TMP/watch.err" || not_ok "watch starts listening within 10 s"

# forged NAME ADDRESS WANT_MAC KIND ARGS...: rs1 sends the frame; the client's
# entry for ADDRESS moves to WANT_MAC (the kernel acted on it) and watch
# logs a FOREIGN claim of ADDRESS by WANT_MAC.
forged() {
	local name=$1 address=$2 want=$3 kind=$4 regex
	shift 4
	on rs1 "$HELPERS/framesend" eth0 "$kind" "$address" "$@" || not_ok "$name: framesend"
	regex="Z $address $want (arp-request|na) .*FOREIGN: not an expected owner\$"
	if wait_until 5 eval '[ "$(lab_neigh client "$address")" = "$want" ]'; then
		ok "$name: the kernel moved the client's entry to $want"
	else
		not_ok "$name: the kernel moved the client's entry to $want (it is $(lab_neigh client "$address"))"
	fi
	if wait_until 5 grep -qE "$regex" "$TMP/watch.out"; then
		ok "$name: watch flags $want as FOREIGN"
	else
		not_ok "$name: watch flags $want as FOREIGN"
		sed 's/^/#   /' "$TMP/watch.out"
	fi
}

forged "ARP with hardware type 6 (IEEE 802)" "$LAB_VIP" 02:00:00:00:00:a1 arp-ieee802 02:00:00:00:00:a1
forged "NA with two target options, sent from a3" "$LAB_VIP6" 02:00:00:00:00:a2 na-two 02:00:00:00:00:a2 \
	02:00:00:00:00:a3
check "NA with two target options: watch does not blame the second option's MAC (a3)" \
	eval '! grep -q "$LAB_VIP6 02:00:00:00:00:a3 " "$TMP/watch.out"'
forged "NA behind a hop-by-hop options header" "$LAB_VIP6" 02:00:00:00:00:a4 na-hbh 02:00:00:00:00:a4
forged "NA behind a destination options header" "$LAB_VIP6" 02:00:00:00:00:a5 na-dstopt 02:00:00:00:00:a5

kill -TERM "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID"
rc=$?
check "watch ends with status 1 (foreign claims seen): $rc" [ "$rc" -eq 1 ]
