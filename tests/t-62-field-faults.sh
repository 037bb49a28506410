#!/usr/bin/env bash
# t-62: the smaller faults found running a real director pair and real
# servers (issue 17), each through the real binary: what a message names,
# what a monitoring line says, what verify reports about conf/default, what
# a node_exporter text file labels, and whom watch expects.
#
#     [client] .1            probe, watch (no VIP, not a director)
#         |
#       (br0)------------+----------------+
#         |              |                |
#     [dir1] .2       [rs1] .11
#     VIPs on eth0    VIPs on lo (lvsdr apply)
#
#   VIPs: 192.0.2.100/24 and 2001:db8::100/64 on a director's eth0,
#   /32 and /128 on a real server's lo.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_require
if ! lab_up client dir1 rs1; then
	not_ok "t-62: the lab comes up"
	exit 1
fi
TMP=$(mktemp -d /tmp/lvsdr-t62.XXXXXX) || exit 1
trap 'lab_down; rm -rf "$TMP"' EXIT
export LVSDR_RUNDIR=$TMP/run

printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = %s\naddress = %s\n' \
	"$LAB_VIP" "$LAB_VIP6" >"$TMP/rs.ini"
printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s/24\naddress = %s/64\n' \
	"$LAB_VIP" "$LAB_VIP6" >"$TMP/lb.ini"
chmod 600 "$TMP"/*.ini

# --- release names where the VIPs are --------------------------------------------

run rs1 apply -q "$TMP/rs.ini"
want "apply: status $RC, not 0" status_is 0
run rs1 release "$TMP/rs.ini"
want "status $RC, not 0" status_is 0
want "no 'releasing on lo:'" out_has "^$TMP/rs.ini: releasing on lo:$"
want "it names eth0, where the real server's VIPs never are" out_lacks "on eth0"
want "the VIP is still on lo" eval '! on rs1 ip -o addr show dev lo | grep -q "$LAB_VIP/32"'
run rs1 release "$TMP/rs.ini"
want "status $RC, not 0" status_is 0
want "no 'nothing to release on lo'" out_has "^$TMP/rs.ini: nothing to release on lo$"
verdict "1 release on a real server says 'releasing on lo:' (and 'nothing to release on lo'), never eth0"
run dir1 takeover -q "$TMP/lb.ini"
run dir1 release "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "no 'releasing on eth0:' on a director" out_has "^$TMP/lb.ini: releasing on eth0:$"
verdict "1b release on a director still says 'releasing on eth0:'"
