#!/usr/bin/env bash
# t-78: the Ansible role lvsdr_cluster sets up the directors' IPVS tables on
# a kernel that has IPVS: t-76's inventory and plumbing (tests/lib/cluster.sh)
# with lvsdr_director_apply: true. ipvsadm is the reader, never the writer.
#
#   host (no IPVS)                          | user-mode Linux guest (IPVS)
#   ansible-playbook, one inventory         |
#        [rs1] .11     [rs2] .12            |   [dir1] .2        [dir2] .3
#        VIP on lo, arp_ignore=1,           |   IPVS: web, and   IPVS: web
#        arp_announce=2 (lvsdr module)      |   a foreign :443
#                                           |
#   directors' lvsdr_binary: a wrapper ------(tests/uml/relay-exec)----> lvsdr
#   in the director's namespace in the guest (tests/lib/guest-relay.sh)
#
#   VIP 192.0.2.100, service web tcp/80 wlc -> rs1 (weight 1), rs2 (weight 2).
#
# ansible-playbook itself runs on the host: in the guest it took 24 s to
# print its version and each python3 start 4.5 s (load 4.7), too slow for
# four hosts' plays. Every lvsdr run of the directors' tasks (the template's
# validate, persist -n, the module's apply --boot and --dry-run) runs in
# the guest, on the directors' kernel. The directors' modules run on the
# host, so lvsdr_modprobe is false there (the guest loaded ip_vs at boot).
# No keepalived runs and no director holds the VIP: apply --boot sets the
# table on master and backup alike; t-76 shows keepalived with lvsdr events,
# t-37 a table forwarding.
# Three ansible-playbook runs of four hosts: 581 s wall (444 s in a second
# run at a load of 10-14; the guest 561 s)
# at a load average of 12-13 on two cores; the timeout holds twice that,
# and the guest (it holds the directors for the whole script) all but 30 s.
# Under valgrind lvsdr's runs (the module's, the template's validate, the
# relay's) would be 10-30x slower inside the guest (t-76 outran 900 s on
# the host alone): make valgrind leaves it out. ASan cannot run in the
# guest, so make asan would run the UBSan build, here on the host too: the
# commands it drives run with that build in t-37 and t-39, and make asan
# leaves it out as well (154 s, mostly ansible). The lvsdr commands it
# drives run under valgrind in t-10, t-30 and t-37; make check runs it.
# timeout: 1200
# memory: no
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
. "$(dirname "$0")/lib/guest-relay.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/cluster.sh"

for tool in ansible-playbook:ansible-core keepalived:keepalived ipvsadm:ipvsadm; do
	if ! command -v "${tool%:*}" >/dev/null 2>&1; then
		unavailable "t-78" "${tool%:*} missing (package ${tool#*:})"
		exit 0
	fi
done
# As the other guest tests: fail on CI, skip loudly elsewhere.
if why=$(guest_unavailable); then
	unavailable "t-78" "needs IPVS, and $why"
	exit 0
fi
if guest_asan; then
	[ -n "${LVSDR_GUEST_BUILD:-}" ] && [ -x "$LVSDR_GUEST_BUILD/lvsdr" ] ||
		{ unavailable "t-78" "AddressSanitizer cannot run in the guest and no UBSan build (LVSDR_GUEST_BUILD) was given"; exit 0; }
	export LVSDR_BUILD=$LVSDR_GUEST_BUILD LVSDR=$LVSDR_GUEST_BUILD/lvsdr
	unset ASAN_OPTIONS
fi

lab_require
TMP=$(mktemp -d /tmp/lvsdr-t78.XXXXXX) || exit 1
cleanup() {
	relay_down
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! lab_up rs1 rs2; then
	not_ok "t-78: the real servers' lab comes up"
	exit 1
fi
trap cleanup EXIT
if ! relay_up "$TMP" dir1 dir2; then
	not_ok "t-78: the guest holding dir1 and dir2 comes up"
	exit 1
fi
export LVSDR_RUNDIR=$TMP/run
VIP=$LAB_VIP

# The directors' modules run on the host; lvsdr, in the guest.
cluster_python() { case $1 in dir*) echo /usr/bin/python3 ;; *) echo "ip netns exec $(ns "$1") /usr/bin/python3" ;; esac; }
cluster_binary() { case $1 in dir*) echo "$TMP/bin/$1/lvsdr" ;; *) echo "$BIN" ;; esac; }
cluster_extra_vars() { case $1 in dir*) echo "lvsdr_modprobe: false" ;; esac; }
if ! cluster_setup true; then
	not_ok "t-78: the inventory and ansible's environment are written"
	exit 1
fi
for h in dir1 dir2; do
	mkdir -p "$TMP/bin/$h" &&
		printf '#!/bin/sh\nexec %q %q %q %q "$@"\n' "$LVSDR_ROOT/tests/uml/relay-exec" "$RELAY_DIR" "$h" "$BIN" \
			>"$TMP/bin/$h/lvsdr" && chmod 0755 "$TMP/bin/$h/lvsdr" || exit 1
done

# table HOST: its IPVS table as ipvsadm-save writes it, sorted (the kernel's
# order is a hash's).
table() { relay_exec "$1" ipvsadm -Sn | sort; }
tables() { echo "== dir1"; table dir1; echo "== dir2"; table dir2; }
# table_is NAME HOST WEIGHT2: the host's table is the inventory's web
# service, with rs2 at WEIGHT2, and on dir1 the foreign service: nothing else.
table_is() {
	{ printf '%s\n' "-A -t $VIP:80 -s wlc" "-a -t $VIP:80 -r $LAB_IP_rs1:80 -g -w 1" \
		"-a -t $VIP:80 -r $LAB_IP_rs2:80 -g -w $3"
		[ "$2" = dir1 ] && printf '%s\n' "$FOREIGN"; } | sort >"$TMP/want"
	if diff -u "$TMP/want" <(table "$2") >"$TMP/table.diff"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$TMP/table.diff"
	fi
}
# changed_in TAG TASK: the hosts the task reported changed, sorted, one line.
changed_in() {
	sed -n "/^TASK \[lvsdr_cluster : $2/,/^TASK/p" "$TMP/$1.out" | sed -n 's/^changed: \[\([^]]*\)\].*/\1/p' | sort | tr '\n' ' '
}

# A service lvsdr did not create, there before the role runs: it must stay.
relay_exec dir1 ipvsadm -A -t "$VIP:443" -s rr
relay_exec dir1 ipvsadm -a -t "$VIP:443" -r "$LAB_IP_rs1:443" -g -w 3
FOREIGN="-A -t $VIP:443 -s rr
-a -t $VIP:443 -r $LAB_IP_rs1:443 -g -w 3"

# --- check mode on fresh hosts ------------------------------------------------
# shellcheck disable=SC2034 # read by the eval'd check below
before=$(tables)
play check0 cluster.yml --check --diff
check "--check --diff on fresh hosts: no host fails" eval '[ -z "$(recap check0 | grep -v "failed=0")" ] && [ -n "$(recap check0)" ]'
check "--check --diff on fresh hosts: the IPVS step reports a change on dir1 and dir2 (got: $(changed_in check0 "Bring the director"))" \
	[ "$(changed_in check0 "Bring the director")" = "dir1 dir2 " ]
check "--check --diff on fresh hosts: the diff shows each director's service with both real servers" \
	eval '[ "$(grep -c "^+\[service web\]" "$TMP/check0.out")" = 2 ] && [ "$(grep -c "^+realserver = $LAB_IP_rs2 weight=2" "$TMP/check0.out")" = 2 ]'
check "--check --diff on fresh hosts: no table changed (dir1: the foreign service alone, dir2: empty)" \
	eval '[ "$before" = "$(tables)" ] && [ "$(table dir1)" = "$(sort <<<"$FOREIGN")" ] && [ -z "$(table dir2)" ]'

# --- the first run --------------------------------------------------------------
# dir1 dir2: profile dir, profile, modules-load.d file, lvsdr apply --boot
# (the table), keepalived dir, keepalived.conf = 6 changed (no drop-in: a
# director here sets no knob); rs1 rs2: profile dir, profile, lvsdr apply,
# drop-in = 4.
expect_play "first run: every host set up (changed=6 6 4 4, failed=0)" first cluster.yml 6 6 4 4 --
check "first run: the IPVS step changed dir1 and dir2 (got: $(changed_in first "Bring the director"))" \
	[ "$(changed_in first "Bring the director")" = "dir1 dir2 " ]
table_is "first run: dir1's table is the inventory's service (wlc), rs1 weight 1, rs2 weight 2, and the foreign service untouched" dir1 2
table_is "first run: dir2's table is exactly the inventory's service (wlc), rs1 weight 1, rs2 weight 2" dir2 2
for h in dir1 dir2; do
	check "$h: ip_vs listed for boot in its modules-load.d file under LVSDR_SYSCTL_ROOT, not the machine's /etc" \
		eval '[ "$(cat "$TMP/$h/etc/modules-load.d/lvsdr-ip_vs.conf")" = ip_vs ]'
done
# lvsdr's own verdict, in the guest: dir2 in sync; dir1 too but for the
# foreign service on its VIP, which verify names for a person (warn) and
# apply leaves alone.
verify_of() { relay_exec "$1" "$BIN" verify --state backup "$(profile_of "$1")"; }
printf '%s\n' "$(profile_of dir2): director on eth0" "ok: in sync (0 knobs, 1 VIP, 1 service, 2 real servers)" >"$TMP/want-verify2"
expect_output "dir2: lvsdr verify in the guest: in sync (1 VIP, 1 service, 2 real servers)" 0 "$TMP/want-verify2" verify_of dir2
printf '%s\n' "$(profile_of dir1): director on eth0" \
	"  tcp/$VIP:443  warn     a service lvsdr did not create, on a VIP of this profile: left alone" \
	"drift: 1 difference; apply would make 0 changes; 1 to fix by hand" >"$TMP/want-verify1"
expect_output "dir1: lvsdr verify in the guest: the foreign service alone is named (warn, left alone), apply would make 0 changes" 1 \
	"$TMP/want-verify1" verify_of dir1
check "rs1 and rs2 get no modules-load.d file (no IPVS on a real server)" \
	eval '[ ! -e "$TMP/rs1/etc/modules-load.d/lvsdr-ip_vs.conf" ] && [ ! -e "$TMP/rs2/etc/modules-load.d/lvsdr-ip_vs.conf" ]'

# --- the second run ---------------------------------------------------------------
expect_play "second run: nothing changed on any host (changed=0)" second cluster.yml 0 0 0 0 --
table_is "second run: dir1's table is as before, the foreign service still there" dir1 2
table_is "second run: dir2's table is as before" dir2 2
