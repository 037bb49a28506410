#!/usr/bin/env bash
# t-75: lvsdr under Pacemaker (contrib/ocf/lvsdr, the OCF resource agent) and
# Ansible (contrib/ansible, the lvsdr module and its example playbook), each
# driven by the real thing from Debian: ocf-tester from resource-agents, and
# ansible-playbook from ansible-core with the local connection, run inside the
# lab's namespaces. The bridge plays no part: only each host's eth0 matters.
#
#     [dir1]  ocf-tester, director profile: takeover / release
#     [rs1]   ocf-tester, real-server profile: apply / release, and every
#             action's exit status one by one
#     [rs2]   ansible-playbook: first run changed, second ok, drift repaired,
#             released, verified, failures carry lvsdr's message
#     [dir2]  ansible-playbook --check (--diff) against kernel defaults: must
#             leave the namespace exactly as it was
#     [dir2, dir1, client]  keepalived with the shipped profiles/keepalived.conf
#             (a partial takeover): dir2 (priority 150) holds a stray copy of the IPv6
#             VIP on stray0; alone, it becomes master, takes over the IPv4 VIP
#             only, logs it all to syslog, and its track script fails; dir1
#             (priority 100, healthy) then takes both VIPs over.
#
# Driven by slow outside tools (ocf-tester, ansible-playbook, keepalived),
# it was make valgrind's longest script (290 s at three scripts at a time,
# and it outran its 300 s budget once): make valgrind leaves it out. The
# lvsdr commands they drive (check, apply, verify, release, takeover, notify)
# run under valgrind in t-10, t-20 and t-30, and the syslog mirror a service
# manager's environment turns on in t-30 and t-32 (notify and events always
# log); make check and make asan run it.
# valgrind: no
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/syslog.sh"
. "$(dirname "$0")/lib/keepalived.sh"

lab_start t-75 client dir1 dir2 rs1 rs2

cleanup() {
	ka_stop_all
	syslog_stop "$TMP/sl"
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
# ocf-tester runs meta-data as nobody, who must reach the agent's copy. lvsdr
# runs as root and reads profiles only from directories no one else can write.
chmod 755 "$TMP"
OCF_ROOT=/usr/lib/ocf
VIP=$LAB_VIP

# Small predicates for check: a redirection after `check` would swallow its ok line.
has() { grep -q -- "$2" "$1"; }        # FILE PATTERN
lacks() { ! grep -q -- "$2" "$1"; }    # FILE PATTERN
quiet() { "$@" >/dev/null 2>&1; }      # COMMAND...
in_sync() { on "$1" "$LVSDR" verify -q "$2"; } # HOST PROFILE
knob() { on "$1" sysctl -n "net.ipv4.conf.$2.$3"; } # HOST SCOPE NAME
vip_on() { on "$1" ip -o addr show dev "$2" | grep -q " $3/"; } # HOST DEV ADDRESS

realserver_profile() { # FILE VIP...
	local file=$1 v
	shift
	{
		printf '[host]\nrole = realserver\ninterface = eth0\n\n[arp]\nignore = 1\nannounce = 2\n\n[vip]\n'
		for v in "$@"; do printf 'address = %s\n' "$v"; done
	} >"$file"
}

director_profile() { # FILE INTERFACE
	printf '[host]\nrole = director\ninterface = %s\n\n[vip]\naddress = %s/24\n\n[garp]\ncount = 1\n' \
		"$2" "$VIP" >"$1"
}

mkdir -p "$TMP/p"
RS=$TMP/p/realserver.ini
RS2=$TMP/p/two-vips.ini
DIR=$TMP/p/director.ini
DIR_GONE=$TMP/p/director-eth9.ini
BAD=$TMP/p/broken.ini
realserver_profile "$RS" "$VIP"
realserver_profile "$RS2" "$VIP" 198.51.100.7
director_profile "$DIR" eth0
director_profile "$DIR_GONE" eth9
realserver_profile "$BAD" "$VIP"
echo 'scope = everywhere' >>"$BAD"

# --- Pacemaker: the OCF resource agent ----------------------------------------
AGENT=$TMP/agent/lvsdr
mkdir -p "$TMP/agent" && install -m 755 "$LVSDR_ROOT/contrib/ocf/lvsdr" "$AGENT"

# ra HOST PROFILE ACTION [VAR=VALUE...]: run the agent as Pacemaker would (a
# recurring operation unless VAR sets the interval to 0); stdout and stderr
# go to $TMP/ra.out and $TMP/ra.err, the status is the agent's.
ra() {
	local host=$1 profile=$2 action=$3
	shift 3
	on "$host" env OCF_ROOT=$OCF_ROOT OCF_RESOURCE_INSTANCE=lvsdr-t75 \
		OCF_RESKEY_profile="$profile" OCF_RESKEY_binary="$LVSDR" \
		OCF_RESKEY_CRM_meta_interval=10000 "$@" \
		"$AGENT" "$action" >"$TMP/ra.out" 2>"$TMP/ra.err"
}

# ra_expect NAME STATUS HOST PROFILE ACTION [VAR=VALUE...]: the agent exits STATUS.
ra_expect() {
	local name=$1 want=$2 rc
	shift 2
	ra "$@"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name"
	else
		not_ok "$name (status $rc, wanted $want)"
		sed 's/^/#   /' "$TMP/ra.err"
	fi
}

# ocf_tester_start TAG HOST PROFILE: resource-agents' own compliance test, in
# the background (the two hosts' runs overlap: under valgrind each takes 20 s).
ocf_tester_start() {
	on "$2" env OCF_ROOT=$OCF_ROOT ocf-tester -n lvsdr-t75 -o profile="$3" \
		-o binary="$LVSDR" "$AGENT" >"$TMP/$1.out" 2>&1 &
	TESTER_PIDS+=($!)
}

# ocf_tester_result NAME TAG PID: it exited 0 and said so.
ocf_tester_result() {
	if wait "$3" && has "$TMP/$2.out" "passed all tests"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$TMP/$2.out"
	fi
}

if ! command -v ocf-tester >/dev/null 2>&1 || [ ! -r "$OCF_ROOT/lib/heartbeat/ocf-shellfuncs" ]; then
	unavailable "OCF resource agent cases" "ocf-tester or $OCF_ROOT/lib/heartbeat/ocf-shellfuncs missing (package resource-agents)"
else
	TESTER_PIDS=()
	ocf_tester_start tester-rs rs1 "$RS"
	ocf_tester_start tester-dir dir1 "$DIR"
	ocf_tester_result "ocf-tester: the agent passes with a real-server profile in rs1" tester-rs "${TESTER_PIDS[0]}"
	ocf_tester_result "ocf-tester: the agent passes with a director profile in dir1" tester-dir "${TESTER_PIDS[1]}"

	ra_expect "OCF meta-data exits 0" 0 rs1 "" meta-data
	if command -v xmllint >/dev/null 2>&1; then
		check "OCF meta-data is valid XML under resource-agents' ra-api-1.dtd" \
			quiet xmllint --noout --valid --path /usr/share/resource-agents "$TMP/ra.out"
	else
		unavailable "OCF meta-data validation" "xmllint missing (package libxml2-utils)"
	fi
	check "OCF meta-data: profile is a required parameter, binary has the default lvsdr" \
		eval 'has "$TMP/ra.out" "<parameter name=\"profile\" required=\"1\"" &&
			has "$TMP/ra.out" "content type=\"string\" default=\"lvsdr\""'

	ra_expect "OCF validate-all: a valid profile is OCF_SUCCESS (0)" 0 rs1 "$RS" validate-all
	ra_expect "OCF validate-all: a profile lvsdr rejects is OCF_ERR_CONFIGURED (6)" 6 rs1 "$BAD" validate-all
	check "OCF validate-all: lvsdr's own file:line message is on stderr" \
		has "$TMP/ra.err" "$BAD:11: "
	ra_expect "OCF validate-all: no profile parameter is OCF_ERR_CONFIGURED (6)" 6 rs1 "" validate-all
	ra_expect "OCF validate-all: no lvsdr program is OCF_ERR_INSTALLED (5)" 5 rs1 "$RS" validate-all \
		OCF_RESKEY_binary="$TMP/no-such-lvsdr"
	ra_expect "OCF probe: no lvsdr program means not running (7)" 7 rs1 "$RS" monitor \
		OCF_RESKEY_binary="$TMP/no-such-lvsdr" OCF_RESKEY_CRM_meta_interval=0
	ra_expect "OCF validate-all: a profile missing on this node is OCF_ERR_INSTALLED (5)" 5 rs1 "$TMP/p/none.ini" validate-all
	ra_expect "OCF probe: a profile missing on this node means not running (7)" 7 rs1 "$TMP/p/none.ini" monitor \
		OCF_RESKEY_CRM_meta_interval=0
	ra_expect "OCF unknown action (promote) is OCF_ERR_UNIMPLEMENTED (3)" 3 rs1 "$RS" promote

	ra_expect "OCF real server: monitor before start is OCF_NOT_RUNNING (7)" 7 rs1 "$RS" monitor
	ra_expect "OCF real server: start is OCF_SUCCESS" 0 rs1 "$RS" start
	check "OCF real server: start bound the VIP on lo and set the knobs (lvsdr verify: in sync)" \
		eval 'vip_on rs1 lo "$VIP" && in_sync rs1 "$RS"'
	ra_expect "OCF real server: start again is OCF_SUCCESS" 0 rs1 "$RS" start
	ra_expect "OCF real server: monitor while started is OCF_SUCCESS" 0 rs1 "$RS" monitor
	ra_expect "OCF real server: reload is OCF_SUCCESS" 0 rs1 "$RS" reload
	# A value lvsdr never writes (warn): a restart would not fix it, so the
	# resource keeps running and the log says what a person should do.
	on rs1 sysctl -qw net.ipv4.conf.default.arp_ignore=9
	ra_expect "OCF real server: a warning alone (conf/default/arp_ignore = 9), monitor is still OCF_SUCCESS" 0 rs1 "$RS" monitor
	check "OCF real server: ... and the warning is in the log" has "$TMP/ra.err" "WARNING: .*conf/default/arp_ignore = 9"
	on rs1 sysctl -qw net.ipv4.conf.default.arp_ignore=0

	# Someone sets arp_ignore back to 0: the real server answers ARP for the
	# VIP again, so it has failed.
	on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
	ra_expect "OCF real server: arp_ignore reset behind lvsdr's back, monitor is OCF_ERR_GENERIC (1)" 1 rs1 "$RS" monitor
	check "OCF real server: the drift is named in the log (stderr)" has "$TMP/ra.err" "arp_ignore"
	ra_expect "OCF real server: stop is OCF_SUCCESS" 0 rs1 "$RS" stop
	check "OCF real server: stop took the VIP off lo" eval '! vip_on rs1 lo "$VIP"'
	check "OCF real server: stop left the knobs alone (arp_announce still 2, arp_ignore still 0)" \
		eval '[ "$(knob rs1 all arp_announce)" = 2 ] && [ "$(knob rs1 all arp_ignore)" = 0 ]'
	ra_expect "OCF real server: monitor after stop is OCF_NOT_RUNNING (7), knob drift or not" 7 rs1 "$RS" monitor
	ra_expect "OCF real server: stop again is OCF_SUCCESS" 0 rs1 "$RS" stop
	ra_expect "OCF real server: start repairs the knobs" 0 rs1 "$RS" start
	check "OCF real server: after that start, lvsdr verify finds the host in sync" in_sync rs1 "$RS"
	ra_expect "OCF real server: stop" 0 rs1 "$RS" stop

	# Half the VIPs is neither running nor stopped.
	ra_expect "OCF real server, two VIPs: start" 0 rs1 "$RS2" start
	on rs1 ip addr del 198.51.100.7/32 dev lo
	ra_expect "OCF real server, two VIPs: one VIP removed by hand, monitor is OCF_ERR_GENERIC (1)" 1 rs1 "$RS2" monitor
	ra_expect "OCF real server, two VIPs: stop" 0 rs1 "$RS2" stop
	ra_expect "OCF real server, two VIPs: monitor after stop is OCF_NOT_RUNNING (7)" 7 rs1 "$RS2" monitor

	# A copy of the VIP that lvsdr did not bind: release leaves it, so the
	# node still takes the VIP's traffic and the stop must not claim success.
	on rs1 ip addr add "$VIP/32" dev lo
	ra_expect "OCF real server: a VIP bound by hand on lo, stop is OCF_ERR_GENERIC (1)" 1 rs1 "$RS" stop
	check "OCF real server: that failed stop says why" has "$TMP/ra.err" "lvsdr did not bind it"
	on rs1 ip addr del "$VIP/32" dev lo

	ra_expect "OCF director: start is OCF_SUCCESS" 0 dir1 "$DIR" start
	check "OCF director: start bound the VIP on eth0 (takeover)" vip_on dir1 eth0 "$VIP"
	ra_expect "OCF director: monitor while started is OCF_SUCCESS" 0 dir1 "$DIR" monitor
	ra_expect "OCF director: stop is OCF_SUCCESS" 0 dir1 "$DIR" stop
	check "OCF director: stop removed the VIP from eth0 (release)" eval '! vip_on dir1 eth0 "$VIP"'
	ra_expect "OCF director: monitor after stop is OCF_NOT_RUNNING (7)" 7 dir1 "$DIR" monitor
	ra_expect "OCF director: no such interface on this node, validate-all is OCF_ERR_INSTALLED (5)" 5 dir1 "$DIR_GONE" validate-all
	ra_expect "OCF director: no such interface, the probe says not running (7)" 7 dir1 "$DIR_GONE" monitor \
		OCF_RESKEY_CRM_meta_interval=0
	ra_expect "OCF director: no such interface, stop is OCF_SUCCESS (no VIP can be bound there)" 0 dir1 "$DIR_GONE" stop
fi

# --- Ansible: the lvsdr module and the example playbook -----------------------
PLAYBOOK=$LVSDR_ROOT/contrib/ansible/examples/realserver.yml
AP_PROFILE=$TMP/etc/lvsdr/realserver.ini
# No configuration from the machine or the working directory; temporary
# files in TMP; the module from contrib.
: >"$TMP/ansible.cfg"
export ANSIBLE_CONFIG=$TMP/ansible.cfg ANSIBLE_LIBRARY=$LVSDR_ROOT/contrib/ansible/library
export ANSIBLE_LOCAL_TEMP=$TMP/ansible/local ANSIBLE_REMOTE_TEMP=$TMP/ansible/remote
export ANSIBLE_PYTHON_INTERPRETER=auto_silent ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_HOME=$TMP/ansible/home ANSIBLE_DEPRECATION_WARNINGS=0

# play HOST TAG [ARGS...]: the example playbook against HOST's namespace (as
# root already, so no become); output in $TMP/TAG.out.
play() {
	local host=$1 tag=$2
	shift 2
	on "$host" ansible-playbook -c local -i localhost, -e lvsdr_hosts=all -e ansible_become=false \
		-e "lvsdr_profile=$AP_PROFILE" -e "lvsdr_binary=$LVSDR" "$@" "$PLAYBOOK" >"$TMP/$tag.out" 2>&1
}

# recap TAG: the numbers of the PLAY RECAP line, such as "ok=3 changed=1 failed=0".
recap() {
	awk '/^localhost +: ok=/ { print $3, $4, $6 }' "$TMP/$1.out"
}

# lvsdr_task TAG: how the lvsdr task ended: ok, changed or fatal.
lvsdr_task() {
	awk '/^TASK \[Bring the host to its profile with lvsdr\]/ { t = 1; next }
		t && /^(ok|changed|fatal|skipping):/ { sub(/:.*/, ""); print; exit }' "$TMP/$1.out"
}

# play_expect NAME HOST TAG RECAP TASK [ARGS...]: a run whose recap and lvsdr
# task are as given; the output is shown otherwise.
play_expect() {
	local name=$1 host=$2 tag=$3 want_recap=$4 want_task=$5 got
	shift 5
	play "$host" "$tag" "$@"
	got="$(recap "$tag") / $(lvsdr_task "$tag")"
	if [ "$got" = "$want_recap / $want_task" ]; then
		ok "$name"
	else
		not_ok "$name (got '$got', wanted '$want_recap / $want_task')"
		sed 's/^/#   /' "$TMP/$tag.out"
	fi
}

# snapshot HOST: every ARP knob, every address, and lvsdr's record and lock
# directory for HOST's namespace.
snapshot() {
	local cookie
	cookie=$(on "$1" "$HELPERS/netnscookie")
	on "$1" sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.conf\.[^.]+\.(arp_|drop_gratuitous)'
	on "$1" ip -o addr show
	find "$LVSDR_RUNDIR" -path "*netns-$cookie/*" -exec sh -c 'echo "== $1"; cat "$1" 2>/dev/null' _ {} \; 2>/dev/null
}

if ! command -v ansible-playbook >/dev/null 2>&1; then
	unavailable "Ansible module cases" "ansible-playbook missing (package ansible-core)"
else
	play_expect "Ansible: the first run creates the profile and applies it (changed)" \
		rs2 first "ok=3 changed=3 failed=0" changed
	check "Ansible: after the first run the host is in sync with the templated profile" \
		eval 'in_sync rs2 "$AP_PROFILE" && vip_on rs2 lo "$VIP"'
	check "Ansible: the templated profile is root's and writable by no one else" \
		eval '[ "$(stat -c %U:%a "$AP_PROFILE")" = root:644 ]'
	play_expect "Ansible: the second run changes nothing (ok)" rs2 second "ok=3 changed=0 failed=0" ok

	on rs2 sysctl -qw net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth0.arp_announce=0
	play_expect "Ansible: arp_announce reset by hand, the next run repairs it (lvsdr task changed)" \
		rs2 drift "ok=3 changed=1 failed=0" changed
	check "Ansible: ... and the host is in sync again" in_sync rs2 "$AP_PROFILE"

	# shellcheck disable=SC2034 # read by the eval'd assertions below
	before=$(snapshot dir2)
	play_expect "Ansible --check on a fresh namespace: the lvsdr task reports changed" \
		dir2 check "ok=3 changed=1 failed=0" changed --check
	check "Ansible --check: the namespace is exactly as before (knobs, addresses, lvsdr's record)" \
		eval '[ "$before" = "$(snapshot dir2)" ]'
	play_expect "Ansible --check --diff on the fresh namespace: changed" \
		dir2 diff "ok=3 changed=1 failed=0" changed --check --diff
	check "Ansible --diff: the knobs before and after, and the VIP to bind" \
		eval 'has "$TMP/diff.out" "^-conf/all/arp_ignore = 0" && has "$TMP/diff.out" "^+conf/all/arp_ignore = 1" &&
			has "$TMP/diff.out" "^+conf/eth0/arp_announce = 2" && has "$TMP/diff.out" "^+$VIP/32 on lo"'
	check "Ansible --check --diff: still nothing changed" eval '[ "$before" = "$(snapshot dir2)" ]'

	play_expect "Ansible state=released --check: changed, nothing removed" \
		rs2 rel-check "ok=3 changed=1 failed=0" changed --check --diff -e lvsdr_state=released
	check "Ansible state=released --check: the VIP is still on lo, the diff shows it going" \
		eval 'vip_on rs2 lo "$VIP" && has "$TMP/rel-check.out" "^-$VIP/32 on lo"'
	play_expect "Ansible state=released: the VIP comes off lo (changed)" \
		rs2 released "ok=3 changed=1 failed=0" changed -e lvsdr_state=released
	check "Ansible state=released: VIP gone, knobs kept" \
		eval '! vip_on rs2 lo "$VIP" && [ "$(knob rs2 all arp_ignore)" = 1 ]'
	play_expect "Ansible state=released again: ok" rs2 released2 "ok=3 changed=0 failed=0" ok \
		-e lvsdr_state=released
	play_expect "Ansible state=verified on a released host: fails on the drift" \
		rs2 verify-drift "ok=2 changed=0 failed=1" fatal -e lvsdr_state=verified
	check "Ansible state=verified: the failure names the missing VIP" \
		has "$TMP/verify-drift.out" "$VIP/32: drift: not bound on lo"
	play rs2 reapply
	play_expect "Ansible state=verified on an applied host: ok" rs2 verified "ok=3 changed=0 failed=0" ok \
		-e lvsdr_state=verified

	# A change that fails is rolled back by lvsdr: nothing changed, and the
	# task fails with lvsdr's words.
	on rs2 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
	LVSDR_FAULT_STEP=1 play_expect "Ansible: a failing lvsdr apply (rolled back) fails the task, not changed" \
		rs2 fault "ok=2 changed=0 failed=1" fatal
	check "Ansible: the failure carries lvsdr's message and result rolled-back" \
		eval 'has "$TMP/fault.out" "\"result\": \"rolled-back\"" && has "$TMP/fault.out" "rolled back"'
	check "Ansible: after the rollback arp_ignore is still 0" eval '[ "$(knob rs2 all arp_ignore)" = 0 ]'

	# A bad value in the inventory never reaches the host: the template task
	# validates with lvsdr check and keeps the old profile.
	cp "$AP_PROFILE" "$TMP/profile.before"
	play_expect "Ansible: a VIP that is not an address fails in the template task" \
		rs2 badvar "ok=1 changed=0 failed=1" "" -e '{"lvsdr_vips": ["192.0.2.300"]}'
	check "Ansible: ... with lvsdr check's message, and the profile on disk is unchanged" \
		eval 'has "$TMP/badvar.out" "not an IPv4 address" && cmp -s "$TMP/profile.before" "$AP_PROFILE"'

	# The module on its own, with a profile lvsdr rejects: exit 2, its message.
	on rs2 ansible -c local -i localhost, localhost -m lvsdr -a "profile=$BAD binary=$LVSDR" \
		>"$TMP/adhoc.out" 2>&1
	check "Ansible module: a profile lvsdr rejects fails with lvsdr's file:line message and rc 2" \
		eval 'has "$TMP/adhoc.out" "\"msg\": \"$BAD:11: " && has "$TMP/adhoc.out" "\"rc\": 2"'

	# boot=true is lvsdr apply --boot, as lvsdr@.service runs it: on a
	# director the knobs and the IPVS table, never the VIPs (keepalived's).
	on dir1 ansible -c local -i localhost, localhost -m lvsdr -a "profile=$DIR binary=$LVSDR boot=true" \
		>"$TMP/boot.out" 2>&1
	check "Ansible module boot=true on a director: ok, not changed, and the VIP NOT bound on eth0" \
		eval 'has "$TMP/boot.out" "^localhost | SUCCESS" && has "$TMP/boot.out" "\"changed\": false" &&
			! vip_on dir1 eth0 "$VIP"'
	on dir1 ansible -c local -i localhost, localhost -m lvsdr -a "profile=$DIR binary=$LVSDR boot=true" --check \
		>"$TMP/boot-check.out" 2>&1
	check "Ansible module boot=true --check on a director: nothing to do (the VIP is not planned)" \
		eval 'has "$TMP/boot-check.out" "^localhost | SUCCESS" && has "$TMP/boot-check.out" "\"changed\": false"'
fi

# --- keepalived: a partial takeover, logged, handed to a healthy peer ---------
KA=$TMP/ka
KP=$KA/director.ini
VIP6=$LAB_VIP6
# ka_config HOST PRIORITY: the shipped example with this test's lvsdr and
# profile, HOST as router_id and its priority.
ka_config() {
	sed -e "s#/usr/sbin/lvsdr#$KA/bin/lvsdr#g" -e "s#/etc/lvsdr/director.ini#$KP#g" \
		-e "s/router_id lb1/router_id $1/" -e "s/priority 150/priority $2/" \
		"$LVSDR_ROOT/profiles/keepalived.conf" >"$KA/$1.conf"
}
# ka_start HOST: keepalived (VRRP only, foreground) in HOST, with /dev/log
# pointing at this test's syslog receiver; its console log in KA/HOST.log.
ka_start() {
	with_syslog "$TMP/sl" ip netns exec "$(ns "$1")" keepalived -n -l -D -P -f "$KA/$1.conf" \
		-p "$KA/$1.pid" -r "$KA/$1-vrrp.pid" >"$KA/$1.log" 2>&1 &
	ka_track $!
}
holds() { on "$1" ip -o addr show dev eth0 | grep -q " $2 "; } # HOST ADDRESS/PREFIX
# master_run_lines: syslog lines of the lvsdr run that keepalived's notify
# MASTER started in dir2, as "PRIORITY TEXT", the priority argument as N.
master_run_lines() {
	local pid
	pid=$(syslog_lines "$TMP/sl" | awk -v p="notify $KP INSTANCE VI_1 MASTER" 'index($0, p) { print $1; exit }')
	[ -n "$pid" ] && syslog_lines "$TMP/sl" | awk -v pid="$pid" '$1 == pid { $1 = ""; print substr($0, 2) }' |
		sed -E 's/ MASTER [0-9]+: exit status/ MASTER N: exit status/'
}

if ! command -v keepalived >/dev/null 2>&1 || ! command -v socat >/dev/null 2>&1; then
	unavailable "keepalived partial takeover cases" "keepalived or socat missing"
elif ! mkdir -p "$KA/bin" || ! install -m 0755 "$LVSDR" "$KA/bin/lvsdr" || ! syslog_start "$TMP/sl"; then
	not_ok "keepalived partial takeover: the private lvsdr and the syslog receiver are ready"
else
	printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s/24\naddress = %s/64\n\n[garp]\ncount = 1\n' \
		"$VIP" "$VIP6" >"$KP"
	ka_config dir2 150
	ka_config dir1 100
	on dir2 ip link add stray0 type veth peer name stray1 && on dir2 ip link set stray0 up &&
		on dir2 ip addr add "$VIP6/64" dev stray0 nodad
	on client ip neigh replace "$VIP" lladdr "$LAB_MAC_dir1" dev eth0 nud stale
	ka_start dir2
	wait_until 20 eval 'master_run_lines | grep -q "exit status"'
	check "keepalived dir2 (alone): notify MASTER bound $VIP/24 on eth0, not $VIP6/64; the stray copy is untouched" \
		eval 'holds dir2 "$VIP/24" && ! holds dir2 "$VIP6/64" && on dir2 ip -o addr show dev stray0 | grep -q " $VIP6/64 "'
	check "keepalived dir2: the client's entry for $VIP moved to dir2's MAC (announced)" \
		wait_until 5 eval '[ "$(lab_neigh client "$VIP")" = "$LAB_MAC_dir2" ]'
	want_lines=$TMP/want-syslog
	printf '%s\n' \
		"27 $KP: $VIP6/64 not taken over: also bound on stray0; not bound by lvsdr, so lvsdr leaves it: ip addr del $VIP6/64 dev stray0" \
		"30 $KP: bind $VIP/24 on eth0 (label eth0:lvsdr)" \
		"30 $KP: announcing $VIP on eth0" \
		"27 $KP: took over 1 of 2 VIPs; 1 left out (named above): this host does not hold them" \
		"27 notify $KP INSTANCE VI_1 MASTER N: exit status 1" >"$want_lines"
	expect_output "syslog (daemon, ident lvsdr): the partial takeover, line by line, and its exit status 1" 0 \
		"$want_lines" master_run_lines
	check "syslog: no line claims $VIP6 was bound or announced" \
		eval '! syslog_lines "$TMP/sl" | grep -qE "(bind|announcing) $VIP6"'
	on dir2 "$LVSDR" verify -q --state notified "$KP"
	rc=$?
	check "the track script's check fails on dir2, the master that does not hold $VIP6 (status $rc)" [ "$rc" -eq 1 ]
	check "keepalived dir2 runs the track script and sees it fail" \
		wait_until 10 grep -q "VRRP_Script(chk_lvsdr) failed" "$KA/dir2.log"
	ka_start dir1
	check "keepalived dir1 (priority 100, healthy) preempts dir2 (150 - 80) and holds both VIPs within 20 s" \
		wait_until 20 eval 'holds dir1 "$VIP/24" && holds dir1 "$VIP6/64"'
	check "dir2 went backup and released $VIP/24; the stray copy stays on stray0" \
		wait_until 10 eval '! holds dir2 "$VIP/24" && on dir2 ip -o addr show dev stray0 | grep -q " $VIP6/64 "'

	# systemd and Pacemaker are told by their environment; a person at a
	# shell, and verify under any caller, log nothing.
	# logged TAG VAR=VALUE... -- ARGS...: lvsdr ARGS in rs1 under that
	# environment; its syslog lines ("PRIORITY TEXT") in TMP/TAG.log.
	logged() {
		local tag=$1
		shift
		: >"$TMP/sl/raw"
		with_syslog "$TMP/sl" env -u INVOCATION_ID -u OCF_RESOURCE_INSTANCE "$@" >/dev/null 2>&1
		sleep 0.2
		syslog_lines "$TMP/sl" | cut -d' ' -f2- >"$TMP/$tag.log"
	}
	logged plain ip netns exec "$(ns rs1)" "$LVSDR" apply -q "$RS"
	on rs1 "$LVSDR" release -q "$RS"
	check "a person's apply (no manager in the environment) logs nothing" test ! -s "$TMP/plain.log"
	logged systemd INVOCATION_ID=t75 ip netns exec "$(ns rs1)" "$LVSDR" apply -q "$RS"
	check "apply under systemd (INVOCATION_ID): the VIP bound and the exit status, at daemon.info" \
		eval 'grep -qx "30 $RS: bind $VIP/32 on lo (label lo:lvsdr)" "$TMP/systemd.log" &&
			grep -qx "30 apply -q $RS: exit status 0" "$TMP/systemd.log"'
	logged verify INVOCATION_ID=t75 ip netns exec "$(ns rs1)" "$LVSDR" verify "$RS"
	check "verify under systemd logs nothing (monitors run it every few seconds)" test ! -s "$TMP/verify.log"
	logged pacemaker OCF_RESOURCE_INSTANCE=lvsdr-t75 ip netns exec "$(ns rs1)" "$LVSDR" release "$RS"
	check "release under Pacemaker (OCF_RESOURCE_INSTANCE): the VIP removed and the exit status" \
		eval 'grep -qx "30 $RS: remove $VIP/32 from lo" "$TMP/pacemaker.log" &&
			grep -qx "30 release $RS: exit status 0" "$TMP/pacemaker.log"'
fi
