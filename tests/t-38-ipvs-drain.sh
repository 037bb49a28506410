#!/usr/bin/env bash
# t-38: a change of the IPVS table never cuts an established connection: a
# weight edited in place, a real server drained (lvsdr drain, kept across
# applies, undrain), a real server removed from the profile (weight 0 until
# its connections end, then deleted). In the user-mode Linux guest.
#
#        [client] 192.0.2.1 / 2001:db8::1
#            |          asks VIP:80, counts who answered
#          (br0)---------------+--------------------+
#            |                 |                    |
#        [dir1] .2 / ::2    [rs1] .11 / ::11     [rs2] .12 / ::12
#        VIP on eth0,       VIP on lo, arp_ignore=1, arp_announce=2,
#        lvsdr apply        TCP and UDP :80 answering "rs1" / "rs2",
#                           TCP :8080 echoing (held connections)
#
#   VIP 192.0.2.100 and 2001:db8::100; the profile: tests/lib/ipvs-director.sh.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
guest_reexec "$0" "$@"
. "$(dirname "$0")/lib/ipvs-director.sh"

ipvs_director_applied
# --- a held connection through edits, drain and removal ----------------
# hold_open: a connection from the client to VIP:8080, kept by a coprocess.
hold_open() {
	coproc HOLD { on client socat - "TCP:$LAB_VIP:8080" 2>/dev/null; }
}
# hold_echo WORD: the held connection still carries data both ways.
hold_echo() {
	local got
	echo "$1" >&"${HOLD[1]}" || return 1
	read -r -t 3 got <&"${HOLD[0]}" && [ "$got" = "$1" ]
}
hold_close() {
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
}
# hold_rs: the real server the held connection went to, from the
# connection table (immediate, unlike the counters).
hold_rs() {
	on dir1 ipvsadm -Lnc | awk -v v="$LAB_VIP:8080" '$5 == v && $3 == "ESTABLISHED" { print $6 }' | head -n1
}

hold_open
check "a held connection through VIP:8080 echoes" hold_echo one
HELD=$(hold_rs)
HELD=${HELD%:8080}
one_of() { [ "$1" = "$2" ] || [ "$1" = "$3" ]; }
check "the held connection is in the director's table (to ${HELD:-nobody})" one_of "$HELD" "$LAB_IP_rs1" "$LAB_IP_rs2"

profile 5
LVSDR_STATS=1 run dir1 apply "$P"
want "status $RC" status_is 0
want "no edit step" out_has 'edit real server 192\.0\.2\.12:80 of tcp/192\.0\.2\.100:80 \(weight 5, dr\)'
want "a delete" out_lacks 'delete'
# LVSDR_STATS (lvsdr(8)): one change sent; the rest are the two readings of
# the table (before the plan and to confirm it), 1 + 5 dumps each.
want "no stats line, or not one change" out_has '^ipvs: 13 requests \(1 changes\)$'
verdict "a changed weight is one edit in place"
check "ipvsadm reads weight 5 for rs2 on web" grep -qx -- "-a -t 192.0.2.100:80 -r 192.0.2.12:80 -g -w 5" <<<"$(table)"
check "the held connection survives the weight change" hold_echo two

run dir1 drain -w 0 "$P" "$HELD"
want "status $RC, not 1 (connections remain)" status_is 1
want "no remain line" out_has "^$HELD: drained \(weight 0 on 3 services\), but 1 active connection is still open after the wait$"
verdict "drain sets weight 0 on every service of the real server and reports the connection left"
OUT=$(table)
check "ipvsadm reads weight 0 for $HELD on its three services" \
	[ "$(grep -c -- "-r $HELD:[0-9]* -g -w 0$" <<<"$OUT")" = 3 ]
check "the held connection survives the drain" hold_echo three
got=$(ipvs_lab_split "$N" tcp "$LAB_VIP")
name_held=rs1
[ "$HELD" = "$LAB_IP_rs2" ] && name_held=rs2
check "new connections avoid the drained real server (got $got)" grep -q "$name_held=0 " <<<"$got"
run dir1 verify "$P"
want "status $RC" status_is 0
want "drained line" out_has "real server $HELD:80 drained \(lvsdr drain\): weight 0"
verdict "verify reports a drained real server as drained, not as drift"
run dir1 apply "$P"
check "a later apply keeps it drained" [ "$(grep -c -- "-r $HELD:[0-9]* -g -w 0$" <<<"$(table)")" = 3 ]
run dir1 undrain "$P" "$HELD"
want "status $RC" status_is 0
verdict "undrain"
check "undrain gives the weights back" [ "$(grep -c -- "-r $HELD:[0-9]* -g -w 0$" <<<"$(table)")" = 0 ]

# Removing the real server that holds the connection: weight 0, not deleted.
if [ "$HELD" = "$LAB_IP_rs2" ]; then profile 5 no; else
	sed -i "s/^realserver = $LAB_IP_rs1\$//" "$P"
fi
run dir1 apply "$P"
want "status $RC" status_is 0
verdict "apply with a real server removed from the profile"
OUT=$(table)
check "the removed real server with a connection stays, at weight 0, on the held service" \
	grep -qx -- "-a -t $LAB_VIP:8080 -r $HELD:8080 -g -w 0" <<<"$OUT"
check "on the services where it had no connection it is deleted at once" \
	[ "$(grep -c -- "-r $HELD:80 " <<<"$OUT")" = 0 ]
check "the held connection survives the removal" hold_echo four
run dir1 verify "$P"
want "status $RC, not 1" status_is 1
want "draining" out_has "real server $HELD:8080 is draining: weight 0, 1 active connection"
verdict "verify says the removed real server is draining"
hold_close
# Closed: the connection leaves ESTABLISHED (FIN_WAIT / TIME_WAIT count inactive).
wait_until 5 sh -c "! ip netns exec $(ns dir1) ipvsadm -Lnc | grep -q ESTABLISHED"
run dir1 apply "$P"
want "status $RC" status_is 0
want "delete" out_has "delete real server $HELD:8080 from tcp/$LAB_VIP:8080"
verdict "once its connection ended, apply deletes the drained real server"
profile
run dir1 apply -q "$P"
check "the real server comes back with the profile" [ "$(table | grep -c -- "-r $HELD:")" = 3 ]

