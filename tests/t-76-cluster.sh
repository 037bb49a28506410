#!/usr/bin/env bash
# t-76: a whole cluster from one inventory, with the Ansible role
# contrib/ansible/roles/lvsdr_cluster (playbooks contrib/ansible/cluster.yml
# and cluster-verify.yml), run by Debian's ansible-core against the lab's
# namespaces standing in for four hosts.
#
#        [client] 192.0.2.1             probes nothing; the VIP's ARP oracle
#            |
#          (br0)----------+-------------+-------------+
#            |            |             |             |
#        [dir1] .2     [dir2] .3     [rs1] .11     [rs2] .12
#        keepalived    keepalived    VIP on lo, arp_ignore=1, arp_announce=2
#        prio 150      prio 100      (lvsdr apply through the module)
#        lvsdr events  lvsdr events
#
# One ansible-playbook run drives all four: every host has the local
# connection, and its Python runs inside its namespace, so every module acts
# on that host. The cluster is one inventory file; host_vars beside it hold
# only this test's plumbing (tests/lib/cluster.sh).
# The kernel has no IPVS: the directors' profiles are generated with their
# services and checked (validate: lvsdr check), not applied
# (lvsdr_director_apply: false); t-78 runs the role from the same inventory
# (tests/lib/cluster.sh) with the directors' tables applied, in the IPVS guest.
# Seven ansible-playbook runs of four hosts: at a load of 6 on two cores,
# under ASan, they took 300 s. Under valgrind (every lvsdr run of the
# module, the template's validate and keepalived's track script at 10-30x)
# they outran 900 s at a load of 36: make valgrind leaves the script out,
# and make asan too (152 s there, for the ansible runs: the commands
# are the same). The lvsdr commands it drives (check, apply, verify,
# events) run under ASan and valgrind in t-10, t-20, t-30 and t-32; make
# check runs it.
# timeout: 600
# memory: no
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

. "$(dirname "$0")/lib/keepalived.sh"
. "$(dirname "$0")/lib/cluster.sh"

# keepalived too: the role's template checks keepalived.conf with keepalived -t.
for tool in ansible-playbook:ansible-core keepalived:keepalived; do
	if ! command -v "${tool%:*}" >/dev/null 2>&1; then
		unavailable "t-76" "${tool%:*} missing (package ${tool#*:})"
		exit 0
	fi
done

lab_start t-76 client dir1 dir2 rs1 rs2

cleanup() {
	ka_stop_all
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
VIP=$LAB_VIP
if ! cluster_setup false; then
	not_ok "t-76: the inventory and ansible's environment are written"
	exit 1
fi

vip_on() { on "$1" ip -o addr show dev "$2" | grep -q " $3/"; } # HOST DEV ADDRESS
knob() { on "$1" sysctl -n "net.ipv4.conf.$2.$3"; }         # HOST SCOPE NAME
# snapshot: every host's knobs and addresses, and every file the role writes.
snapshot() {
	local h
	for h in $HOSTS; do
		echo "== $h"
		on "$h" sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.conf\.[^.]+\.arp_'
		on "$h" ip -o addr show
		find "$TMP/$h" -type f -exec sh -c 'echo "-- $1"; cat "$1"' _ {} \;
	done
}

# --- the first run --------------------------------------------------------------
before=$(snapshot)
play check0 cluster.yml --check --diff
check "--check --diff on fresh hosts: no host fails" eval '[ -z "$(recap check0 | grep -v "failed=0")" ] && [ -n "$(recap check0)" ]'
# The profiles are not written in check mode, so lvsdr has nothing to plan
# from yet: the diff is the profiles' text, and the module says so.
check "--check --diff on fresh hosts: the diff shows each profile to come, its VIP and its service" \
	eval '[ "$(grep -c "^+address = $VIP" "$TMP/check0.out")" = 6 ] && has "$TMP/check0.out" "^+\[service web\]" &&
		has "$TMP/check0.out" "realserver.ini does not exist"'
check "--check --diff on fresh hosts: nothing changed on any host" eval '[ "$before" = "$(snapshot)" ]'

# dir1 dir2: profile dir, profile, keepalived dir, keepalived.conf, drop-in
# absent (nothing: a director here sets no knob) = 4 changed; rs1 rs2:
# profile dir, profile, lvsdr apply, drop-in = 4.
expect_play "first run: every host set up (changed=4 each, failed=0)" first cluster.yml 4 4 4 4 --
for h in rs1 rs2; do
	check "$h: VIP $VIP/32 on lo, arp_ignore 1 and arp_announce 2 on all and eth0" \
		eval 'vip_on $h lo "$VIP" && [ "$(knob $h all arp_ignore)$(knob $h eth0 arp_ignore)" = 11 ] &&
			[ "$(knob $h all arp_announce)$(knob $h eth0 arp_announce)" = 22 ]'
	check "$h: lvsdr verify finds it in sync with its generated profile" on "$h" "$BIN" verify -q "$(profile_of "$h")"
	check "$h: the knobs persisted in its sysctl.d drop-in, as lvsdr persist writes it" \
		eval 'cmp -s "$TMP/$h/etc/sysctl.d/90-lvsdr-realserver.conf" <(printf "%s\n" "$("$BIN" persist -n "$(profile_of $h)")")'
done
cat >"$TMP/want-services" <<EOF
[service web]
address = $VIP
port = tcp/80
scheduler = wlc
drain = 300s
realserver = $LAB_IP_rs1
realserver = $LAB_IP_rs2 weight=2
EOF
for h in dir1 dir2; do
	expect_output "$h: the director profile holds the service and both real servers (rs2 weight 2)" 0 \
		"$TMP/want-services" sed -n '/^\[service web\]/,$p' "$(profile_of "$h")"
	expect_output "$h: lvsdr check counts it: 1 VIP, 1 service, 2 real servers" 0 \
		<(echo "$(profile_of "$h"): ok (director on eth0, 1 VIP, 1 service, 2 real servers)") \
		"$BIN" check "$(profile_of "$h")"
	check "$h: keepalived.conf names lvsdr events as the FIFO's reader and the track script" \
		eval 'has "$TMP/$h/etc/keepalived/keepalived.conf" "vrrp_notify_fifo_script \"$BIN events $(profile_of $h)\"" &&
			has "$TMP/$h/etc/keepalived/keepalived.conf" "script \"$BIN verify -q --state notified $(profile_of $h)\""'
	check "$h: keepalived -t accepts it" on "$h" keepalived -t -f "$TMP/$h/etc/keepalived/keepalived.conf"
	check "$h: no drop-in (a director without [arp] sets no knob)" test ! -e "$TMP/$h/etc/sysctl.d/90-lvsdr-director.conf"
done
check "priorities from the group's order: dir1 150, dir2 100" \
	eval 'has "$TMP/dir1/etc/keepalived/keepalived.conf" "priority 150" && has "$TMP/dir2/etc/keepalived/keepalived.conf" "priority 100"'

expect_play "second run: nothing changed on any host (changed=0)" second cluster.yml 0 0 0 0 --

# --- check and diff mode on a changed inventory --------------------------------
cluster_inventory 3
# shellcheck disable=SC2034 # read by the eval'd check below
before=$(snapshot)
expect_play "--check --diff, rs2's weight 2 -> 3: only the directors' profiles would change" check1 cluster.yml 1 1 0 0 -- --check --diff
check "--check --diff: the diff shows the real server line before and after" \
	eval 'has "$TMP/check1.out" "^-realserver = $LAB_IP_rs2 weight=2" && has "$TMP/check1.out" "^+realserver = $LAB_IP_rs2 weight=3"'
check "--check --diff: nothing changed on any host (knobs, addresses, files)" eval '[ "$before" = "$(snapshot)" ]'
cluster_inventory 2

# --- keepalived with lvsdr events --------------------------------------------------
KA=$TMP/ka
mkdir -p "$KA"
ka_start() { # HOST
	on "$1" keepalived -n -l -D -P -f "$TMP/$1/etc/keepalived/keepalived.conf" \
		-p "$KA/$1.pid" -r "$KA/$1-vrrp.pid" >"$KA/$1.log" 2>&1 &
	ka_track $!
}
holds() { on "$1" ip -o addr show dev eth0 | grep -q " $VIP/24 "; }
ka_start dir1
ka_start dir2
check "keepalived: dir1 (priority 150) becomes master and lvsdr events binds $VIP/24 on its eth0" \
	wait_until 20 holds dir1
check "keepalived: dir2 stays backup and does NOT hold $VIP" eval 'sleep 2; ! holds dir2'
lab_expect_who "the client's ARP request for $VIP: exactly dir1 answers (no real server leaks)" "$VIP" dir1

expect_play "verify play: every host in sync, the probe finds dir1 alone (failed=0)" verify0 cluster-verify.yml 0 0 0 0 --

on rs2 ip addr del "$VIP/32" dev lo
play verify1 cluster-verify.yml
check "verify play, rs2's VIP removed by hand: rs2 fails, the other three do not" \
	eval '[ "$(recap verify1 | tr "\n" " ")" = "dir1 changed=0 failed=0 dir2 changed=0 failed=0 rs1 changed=0 failed=0 rs2 changed=0 failed=1 " ]'
if has "$TMP/verify1.out" "\"msg\": \"rs2: lvsdr verify $(profile_of rs2): $VIP/32: drift: not bound on lo"; then
	ok "verify play: the failure names rs2 and the finding"
else
	not_ok "verify play: the failure names rs2 and the finding"
	show verify1
fi
check "verify play: it changed nothing (the VIP is still gone from rs2)" eval '! vip_on rs2 lo "$VIP"'
expect_play "cluster play repairs rs2 (changed=1 there only)" repair cluster.yml 0 0 0 1 --
