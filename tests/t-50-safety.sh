#!/usr/bin/env bash
# t-50: nothing half-done. A run interrupted by a signal, refused for its
# privileges or its profile's permissions, or racing another run leaves the
# namespace byte-for-byte as it was, or as one whole run left it.
#
#     [rs1] eth0 192.0.2.11/24 (veth, peer in the switch namespace)
#           lo   VIPs 192.0.2.100/32, 2001:db8::100/128 once applied
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_start t-50 rs1

PROFILE=$TMP/rs.ini
lab_rs_profile "$PROFILE"

snapshot() { netns_state "$(ns rs1)"; }
# same_as NAME BEFORE: the namespace now equals BEFORE
same_as() { same_state "$1" "$2" "$(snapshot)"; }

# changed: the kernel state of rs1 is no longer BEFORE, so the run in flight
# has carried out its first step. Signals are sent on what the kernel shows,
# never after a sleep: a loaded machine (valgrind, three scripts at a time)
# can take longer than a step between a sleep and the kill, and a run that
# has finished before the signal dies of it instead of rolling back.
changed() { [ "$(snapshot)" != "$before" ]; }
vip_bound() { on rs1 ip -o addr show dev lo | grep -q "$LAB_VIP/32"; }

# -- signals mid-apply --------------------------------------------------------
# The test hook slows every step to 1 s, and the signal is sent as soon as
# the first step shows in the kernel: five steps (four knobs, then two VIPs)
# are still to come, whatever the machine. A background job of a script
# starts with SIGINT ignored: --default-signal undoes that.
# IPv6 link-local addresses stay "tentative" until the link has carrier
# and DAD is over: wait, or the snapshots differ by that flag alone.
settled() { ! on rs1 ip -6 addr show | grep -q tentative; }
wait_until 10 settled || not_ok "rs1's addresses leave the tentative state within 10 s"
before=$(snapshot)
for sig in INT TERM HUP; do
	ip netns exec "$(ns rs1)" env --default-signal=INT LVSDR_TEST_STEP_DELAY_MS=1000 "$LVSDR" apply "$PROFILE" >"$TMP/out" 2>&1 &
	pid=$!
	wait_until 30 changed
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	check "SIG$sig mid-apply: status 2 (got $rc)" test "$rc" -eq 2
	check "SIG$sig mid-apply: says it was interrupted and rolled back" \
		grep -q "interrupted by SIG$sig.*" "$TMP/out"
	# The signal lands after step 1 or 2: what must hold is that the
	# changes made were rolled back.
	check "SIG$sig mid-apply: reports the rollback of what it changed" grep -qE "rolled back [1-5] changes?" "$TMP/out"
	same_as "SIG$sig mid-apply: the namespace is as it was" "$before"
done

# A signal while the VIPs are being bound: the IPv4 VIP (step 5) is bound,
# the IPv6 one (step 6 of 6) is a second away.
ip netns exec "$(ns rs1)" env LVSDR_TEST_STEP_DELAY_MS=1000 "$LVSDR" apply "$PROFILE" >"$TMP/out" 2>&1 &
pid=$!
wait_until 30 vip_bound
kill -TERM "$pid"
wait "$pid"
check "SIGTERM while binding VIPs: status 2" test $? -eq 2
same_as "SIGTERM while binding VIPs: the namespace is as it was, VIP unbound" "$before"
check "SIGTERM while binding VIPs: the ownership record holds nothing" \
	bash -c '! grep -hvs "^netns-cookie " "$1"/netns-*/owned | grep -q .' _ "$LVSDR_RUNDIR"

# -- fault injection at every step -----------------------------------------------
# A real server's apply, from nothing to the profile (a director's takeover
# and release, with removals, follow at the end of this file).
for n in 1 2 3 4 5 6; do
	on rs1 env LVSDR_FAULT_STEP=$n "$LVSDR" apply -q "$PROFILE" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "step $n of 6 failed" "$TMP/out" && [ "$(snapshot)" = "$before" ]; then
		ok "a failure at step $n of 6 is rolled back to the exact state before"
	else
		not_ok "a failure at step $n of 6 is rolled back to the exact state before (status $rc)"
		sed 's/^/#   /' "$TMP/out"
	fi
done

# -- a damaged ownership record --------------------------------------------------
# The record says which addresses lvsdr may remove: a line that is not what
# lvsdr writes means someone edited it, and a run must not act on half of
# it. apply refuses, names the file and line, and changes nothing.
record=$(lab_record rs1)
mkdir -p "$(dirname "$record")"
printf 'netns-cookie %s\nlo 192.0.2.100/32\nlo 192.0.2.101/32 extra\n' "$(on rs1 "$HELPERS/netnscookie")" >"$record"
out=$(on rs1 "$LVSDR" apply "$PROFILE" 2>&1)
rc=$?
check "a damaged ownership record: apply refuses with status 2 (got $rc)" test "$rc" -eq 2
check "a damaged ownership record: the message names its file and line 2" \
	grep -qF "$record:3: damaged ownership record" <<<"$out"
same_as "a damaged ownership record: nothing changed" "$before"
rm -f "$record"

# -- the reader of the output gone -------------------------------------------------
# `lvsdr apply | head -n 1`: the reader leaves after the first line, and
# the next line apply writes meets a closed pipe. That is no request to
# stop: the run goes on to the end (its later lines lost) instead of dying
# of SIGPIPE half-way with nothing rolled back. Fails on a build that lets
# SIGPIPE kill it (status 141, the VIPs half bound).
ip netns exec "$(ns rs1)" env LVSDR_TEST_STEP_DELAY_MS=300 "$LVSDR" apply "$PROFILE" 2>&1 | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
check "the output's reader gone mid-apply (SIGPIPE): the run ends with status 0 (got $rc)" test "$rc" -eq 0
check "the output's reader gone mid-apply: the profile is applied whole (verify in sync)" \
	on rs1 "$LVSDR" verify -q "$PROFILE"

# -- the lock -------------------------------------------------------------------
# Eight runs at once (keepalived starts notify scripts concurrently): every
# one succeeds, one of them does the work, and the result is the profile.
pids=()
for i in 1 2 3 4 5 6 7 8; do
	on rs1 "$LVSDR" apply -q "$PROFILE" >"$TMP/par.$i" 2>&1 &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
check "8 concurrent applies all succeed ($failed failed)" test "$failed" -eq 0
check "after 8 concurrent applies, verify is in sync" on rs1 "$LVSDR" verify -q "$PROFILE"
n=$(on rs1 ip -o addr show dev lo | grep -c "$LAB_VIP/32")
check "the VIP is bound once, not eight times ($n)" test "$n" -eq 1
applied=$(snapshot)

# A run killed with SIGKILL holds the lock until it dies and not after:
# flock goes with the process, so the next run is not blocked. Shown by the
# lock's state, not a clock: a non-blocking flock gets it as soon as the
# killed run is reaped, and lvsdr's own first non-blocking try then does too.
lock=$(dirname "$(lab_record rs1)")/lock
ip netns exec "$(ns rs1)" env LVSDR_TEST_STEP_DELAY_MS=2000 "$LVSDR" release "$PROFILE" >/dev/null 2>&1 &
pid=$!
check "the run to be killed takes the lock" wait_until 5 sh -c "lslocks -n -o PID | grep -qw $pid"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
flock -n "$lock" true
free=$?
on rs1 "$LVSDR" apply -q "$PROFILE" >"$TMP/out" 2>&1
rc=$?
check "after a run killed with SIGKILL, its lock is free at once (flock -n: status $free) and the next run takes it (status $rc)" \
	test "$free" -eq 0 -a "$rc" -eq 0

# -- privileges -------------------------------------------------------------------
if command -v setpriv >/dev/null; then
	on rs1 setpriv --inh-caps=-all --bounding-set=-net_admin,-net_raw "$LVSDR" verify -q "$PROFILE"
	check "verify needs no capability" test $? -eq 0
	# Not root at all: an operator's own account, or a monitoring agent's.
	# The profile and the ownership record must be readable to it.
	chmod 0755 "$TMP"
	nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	check "check runs as an unprivileged user (uid 65534)" on rs1 "${nobody[@]}" "$LVSDR" check -q "$PROFILE"
	check "verify runs as an unprivileged user: in sync, exit 0" on rs1 "${nobody[@]}" "$LVSDR" verify -q "$PROFILE"
	out=$(on rs1 "${nobody[@]}" "$LVSDR" apply "$PROFILE" 2>&1)
	rc=$?
	check "apply as an unprivileged user: in sync, so nothing to do, exit 0 ($rc)" test "$rc" -eq 0
	on rs1 ip addr del "$LAB_VIP/32" dev lo
	out=$(on rs1 "${nobody[@]}" "$LVSDR" verify "$PROFILE" 2>&1)
	rc=$?
	check "verify as an unprivileged user sees the drift: exit 1 ($rc)" test "$rc" -eq 1
	out=$(on rs1 "${nobody[@]}" "$LVSDR" apply "$PROFILE" 2>&1)
	rc=$?
	check "apply as an unprivileged user with work to do: exit 2, naming CAP_NET_ADMIN ($rc)" \
		eval '[ "$rc" -eq 2 ] && grep -q "needs CAP_NET_ADMIN" <<<"$out"'
	on rs1 "$LVSDR" apply -q "$PROFILE"
	on rs1 ip addr del "$LAB_VIP/32" dev lo
	drift=$(snapshot)
	out=$(on rs1 setpriv --inh-caps=-all --bounding-set=-net_admin "$LVSDR" apply "$PROFILE" 2>&1)
	rc=$?
	check "apply without CAP_NET_ADMIN: status 2 (got $rc)" test "$rc" -eq 2
	check "apply without CAP_NET_ADMIN names it" grep -q "needs CAP_NET_ADMIN" <<<"$out"
	same_as "apply without CAP_NET_ADMIN changes nothing" "$drift"
	on rs1 "$LVSDR" apply -q "$PROFILE"
else
	skip "privileges: setpriv (util-linux) is missing"
fi

# -- profiles others can write ------------------------------------------------------
mkdir -m 0777 "$TMP/open"
cp "$PROFILE" "$TMP/open/rs.ini"
cp "$PROFILE" "$TMP/world.ini"
chmod 0666 "$TMP/world.ini"
on rs1 ip addr del "$LAB_VIP/32" dev lo
drift=$(snapshot)
for f in "$TMP/world.ini" "$TMP/open/rs.ini"; do
	out=$(on rs1 "$LVSDR" apply "$f" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "refusing to run as root: .* writable by others" <<<"$out"; then
		ok "root refuses a profile others can change: ${f#"$TMP"/}"
	else
		not_ok "root refuses a profile others can change: ${f#"$TMP"/} (status $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done
same_as "refused profiles change nothing" "$drift"
check "check and verify still read a profile others can write" lvsdr check -q "$TMP/world.ini"
chmod 1777 "$TMP/open"
# The copy is another profile (the record names each VIP's by its path):
# the VIPs move to it and back, so neither claims the other's.
on rs1 "$LVSDR" release -q "$PROFILE"
check "a sticky directory (as /tmp) is accepted" on rs1 "$LVSDR" apply -q "$TMP/open/rs.ini"
same_as "and the host is as the profile says" "$applied"
on rs1 "$LVSDR" release -q "$TMP/open/rs.ini"
on rs1 "$LVSDR" apply -q "$PROFILE"

# -- a release during a long announcement -----------------------------------------
# Later rounds run without the lock, so keepalived's BACKUP notify does not
# wait for a refresh burst, and the burst does not re-announce a VIP given up.
cat >"$TMP/dir.ini" <<EOP
[host]
role = director
interface = eth0
[vip]
address = 198.51.100.10/24
[garp]
count = 1
refresh = 10s
EOP
on rs1 "$LVSDR" takeover "$TMP/dir.ini" >"$TMP/takeover.out" 2>&1 &
pid=$!
bound() { on rs1 ip -o addr show dev eth0 | grep -q "198.51.100.10/24"; }
wait_until 10 bound
# In its refresh wait the takeover holds its packet socket, and no longer
# the capability it took to open it (dropped before the first bind, so once
# the VIP is there): CAP_NET_RAW (bit 13) is gone from its effective and
# permitted sets; CAP_NET_ADMIN (bit 12), which it still uses, stays.
takeover_pid() { # the process of that takeover (valgrind's own, under valgrind)
	local p
	for p in $(ip netns pids "$(ns rs1)"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "takeover $TMP/dir.ini" && echo "$p" && return
	done
}
cap_bit() { # FIELD BIT: is BIT set in the takeover's /proc status FIELD?
	local hex
	hex=$(awk -v f="$1:" '$1 == f { print $2 }' "/proc/$(takeover_pid)/status" 2>/dev/null)
	[ -n "$hex" ] && (((0x$hex >> $2) & 1))
}
check "takeover, after opening its packet socket: CAP_NET_RAW dropped from CapEff and CapPrm, CAP_NET_ADMIN kept" \
	eval '! cap_bit CapEff 13 && ! cap_bit CapPrm 13 && cap_bit CapEff 12'
# "At once": the release ends while the takeover still waits out its 10 s
# (an order, not a time: under valgrind a release alone takes seconds).
on rs1 "$LVSDR" release -q "$TMP/dir.ini"
rc=$?
check "release during a takeover's refresh wait runs at once: done (status $rc) while the takeover still waits" \
	eval '[ "$rc" -eq 0 ] && alive "$pid"'
wait "$pid"
check "the takeover still ends with status 0" test $? -eq 0
check "the refresh burst is skipped: the VIP was released" grep -q "stopped after 1 of 2 rounds" "$TMP/takeover.out"
check "the VIP stays released" bash -c '! on rs1 ip -o addr show dev eth0 | grep -q 198.51.100.10' 2>/dev/null || ! bound

# -- a director's takeover and release, failed at every step ------------------
# Three VIPs on eth0 and one knob: a takeover plans five steps (the knob
# in two scopes, then the binds), a release three. Two IPv4 VIPs share a
# subnet: the second is the kernel's secondary, which vanishes with the
# primary, so a release removes it first. A failure at any step, or a
# signal between two, leaves the namespace as it was before that run.
cat >"$TMP/dir3.ini" <<EOP
[host]
role = director
interface = eth0
[arp]
notify = 1
[vip]
address = 198.51.100.21/24
address = 198.51.100.22/24
address = 2001:db8:5::22/64
[garp]
count = 1
EOP
dir_steps() { # COMMAND: how many changes COMMAND would make now (verify's plan)
	local want=master
	[ "$1" = release ] && want=backup
	on rs1 "$LVSDR" verify --json --state "$want" "$TMP/dir3.ini" | jq '.changes | length'
}
fault_every_step() { # COMMAND: LVSDR_FAULT_STEP=1..N on COMMAND, each rolled back
	local cmd=$1 n k before out rc
	n=$(dir_steps "$cmd")
	before=$(snapshot)
	for ((k = 1; k <= n; k++)); do
		out=$(on rs1 env LVSDR_FAULT_STEP=$k "$LVSDR" "$cmd" -q "$TMP/dir3.ini" 2>&1)
		rc=$?
		if [ "$rc" -eq 2 ] && grep -q "step $k of $n failed" <<<"$out" && [ "$(snapshot)" = "$before" ]; then
			ok "$cmd: a failure at step $k of $n is rolled back to the exact state before"
		else
			not_ok "$cmd: a failure at step $k of $n is rolled back to the exact state before (status $rc)"
			printf '%s\n' "$out" | sed 's/^/#   /'
		fi
	done
	check "$cmd: the fault loop covered every step ($n, more than one)" test "${n:-0}" -gt 1
}
if command -v jq >/dev/null 2>&1; then
	fault_every_step takeover
	on rs1 "$LVSDR" takeover -q "$TMP/dir3.ini"
	check "takeover without a fault binds all three VIPs" on rs1 "$LVSDR" verify -q --state master "$TMP/dir3.ini"
	fault_every_step release
	on rs1 "$LVSDR" release -q "$TMP/dir3.ini"
else
	not_ok "director fault injection needs jq (tests/deps.sh test)"
fi

# SIGTERM between the binds of a takeover: every VIP it bound is gone again.
before=$(snapshot)
ip netns exec "$(ns rs1)" env LVSDR_TEST_STEP_DELAY_MS=1000 "$LVSDR" takeover "$TMP/dir3.ini" >"$TMP/out" 2>&1 &
pid=$!
wait_until 10 eval 'on rs1 ip -o addr show dev eth0 | grep -q 198.51.100.21/24'
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM mid-takeover: status 2 (got $rc)" test "$rc" -eq 2
check "SIGTERM mid-takeover: says it was interrupted and rolled back" \
	grep -q "interrupted by SIGTERM" "$TMP/out"
same_as "SIGTERM mid-takeover: the namespace is as it was, no VIP left bound" "$before"

# A takeover sends frames: without CAP_NET_RAW it is refused before anything
# is bound, and says which capability is missing.
if command -v setpriv >/dev/null; then
	out=$(on rs1 setpriv --inh-caps=-all --bounding-set=-net_raw "$LVSDR" takeover "$TMP/dir3.ini" 2>&1)
	rc=$?
	check "takeover without CAP_NET_RAW: status 2 (got $rc)" test "$rc" -eq 2
	check "takeover without CAP_NET_RAW names it" grep -q "CAP_NET_RAW" <<<"$out"
	same_as "takeover without CAP_NET_RAW changes nothing" "$before"
	on rs1 "$LVSDR" takeover -q "$TMP/dir3.ini"
	bound3=$(snapshot)
	out=$(on rs1 setpriv --inh-caps=-all --bounding-set=-net_admin "$LVSDR" release "$TMP/dir3.ini" 2>&1)
	rc=$?
	check "release without CAP_NET_ADMIN: status 2, names it (got $rc)" \
		eval '[ "$rc" -eq 2 ] && grep -q "needs CAP_NET_ADMIN" <<<"$out"'
	same_as "release without CAP_NET_ADMIN leaves the VIPs bound" "$bound3"
	on rs1 "$LVSDR" release -q "$TMP/dir3.ini"
else
	skip "takeover without CAP_NET_RAW: setpriv (util-linux) is missing"
fi

# -- a primary and its secondaries ------------------------------------------------
# Two VIPs of one subnet: the first bound is the kernel's primary, the second
# its secondary, which the kernel deletes with the primary unless the
# interface promotes it. A profile that drops the primary alone would lose
# the other VIP with it: refused, nothing changed, unless promote_secondaries
# is set; a release that would delete someone else's address says so.
# One profile, edited (the record names each VIP's profile by its path, and
# a profile removes only its own): dir-e.ini is dir3, then dir-b, dir-a.
DIRE=$TMP/dir-e.ini
dir_a() { sed -e '/198.51.100.22/d' -e '/2001:db8:5::22/d' "$TMP/dir3.ini" >"$DIRE"; }
dir_b() { printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 198.51.100.22/24\n[garp]\ncount = 1\n' >"$DIRE"; }
cp "$TMP/dir3.ini" "$DIRE"
on rs1 sysctl -qw net.ipv4.conf.all.promote_secondaries=0 net.ipv4.conf.eth0.promote_secondaries=0
on rs1 "$LVSDR" takeover -q "$DIRE"
dir_b
check "two VIPs of one subnet: the second is the kernel's secondary" \
	eval 'on rs1 ip -o -4 addr show dev eth0 | grep -q "198.51.100.22/24 .*secondary"'
two=$(snapshot)
out=$(on rs1 "$LVSDR" takeover "$DIRE" 2>&1)
rc=$?
check "dropping the primary VIP alone: refused, status 2 ($rc)" test "$rc" -eq 2
check "the refusal names the VIP that would go with it and promote_secondaries" \
	grep -q "198.51.100.22 .*removing 198.51.100.21/24 from eth0 deletes this secondary too (net.ipv4.conf.eth0.promote_secondaries is 0)" <<<"$out"
same_as "dropping the primary VIP alone: nothing changed" "$two"
on rs1 sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
out=$(on rs1 "$LVSDR" takeover "$DIRE" 2>&1)
rc=$?
check "with promote_secondaries = 1 on eth0 the same change goes through ($rc)" test "$rc" -eq 0
check "and the remaining VIP is still bound, in sync" on rs1 "$LVSDR" verify -q "$DIRE"
on rs1 "$LVSDR" release -q "$DIRE"
on rs1 sysctl -qw net.ipv4.conf.eth0.promote_secondaries=0
# Someone else's address in the subnet of our primary: a release must still
# release (a backup director keeping its VIPs is a duplicate), and says what
# the kernel takes with it.
dir_a
on rs1 "$LVSDR" takeover -q "$DIRE"
on rs1 ip addr add 198.51.100.23/24 dev eth0
out=$(on rs1 "$LVSDR" release "$DIRE" 2>&1)
rc=$?
check "release with a foreign secondary behind our primary: goes on, status 0 ($rc)" test "$rc" -eq 0
if grep -q "198.51.100.23: .*deletes this secondary too" <<<"$out"; then
	ok "release names the foreign address the kernel deletes with our VIP"
else
	not_ok "release names the foreign address the kernel deletes with our VIP"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi
on rs1 ip addr del 198.51.100.23/24 dev eth0 2>/dev/null
cp "$TMP/dir3.ini" "$DIRE"
on rs1 "$LVSDR" release -q "$DIRE"

# -- a record belongs to one namespace for its whole life ------------------------
# The kernel gives a dead namespace's inode to the next one; its cookie it
# never gives again. lvsdr binds an IPv6 VIP in namespace A and A is
# deleted; namespaces are created until one, B, has A's inode (bounded),
# and B holds the same VIP bound by hand. An older lvsdr left its record of
# A at net-<inode>/owned, where B finds it by path: planted here as that
# lvsdr wrote it. release and apply in B must leave the hand-bound VIP alone
# and say why they ignore the record; so must a record of A's cookie found
# at B's path.
#
#   [own-a] eth0 (veth)  lo 2001:db8::100/128 by lvsdr      -> deleted
#   [own-b] eth0 (veth)  lo 2001:db8::100/128 by hand (A's inode, if reused)
cat >"$TMP/rs6.ini" <<EOF
[host]
role = realserver
interface = eth0
[vip]
address = $LAB_VIP6
EOF
# own_ns HOST: a namespace with lo up and an eth0, removed by lab_down.
own_ns() {
	ip netns add "$(ns "$1")" || return 1
	LAB_NAMESPACES="$LAB_NAMESPACES $(ns "$1")"
	on "$1" ip link set lo up &&
		on "$1" ip link add eth0 type veth peer name eth0-peer &&
		on "$1" ip link set eth0 up
}
own_ns_del() { ip netns del "$(ns "$1")"; LAB_NAMESPACES=${LAB_NAMESPACES/ $(ns "$1")/}; }
inode_of() { on "$1" stat -L -c %i /proc/self/ns/net; }
vip6_on_lo() { on "$1" ip -6 -o addr show dev lo | grep -qF " $LAB_VIP6/128 "; }
# record_ignored WHAT WARNING: in B, release and apply exit 0, leave the
# hand-bound VIP, and print WARNING.
record_ignored() {
	local cmd out rc
	for cmd in release apply; do
		out=$(on own-b "$LVSDR" "$cmd" "$TMP/rs6.ini" 2>&1)
		rc=$?
		check "B, $1: $cmd exits 0 ($rc)" [ "$rc" -eq 0 ]
		check "B, $1: $cmd leaves the hand-bound $LAB_VIP6 on lo" vip6_on_lo own-b
		check "B, $1: $cmd warns, naming the file and why" grep -qF "$2" <<<"$out"
	done
}

if own_ns own-a && on own-a "$LVSDR" apply -q "$TMP/rs6.ini" && vip6_on_lo own-a; then
	ino_a=$(inode_of own-a) cookie_a=$(on own-a "$HELPERS/netnscookie") rec_a=$(lab_record own-a)
	check "namespace A: lvsdr's record of its IPv6 VIP is keyed by the namespace cookie and names it on line 1" \
		[ "$(head -n1 "$rec_a" 2>/dev/null)" = "netns-cookie $cookie_a" -a "$(sed -n 2p "$rec_a")" = "lo $LAB_VIP6/128 $(realpath "$TMP/rs6.ini")" ]
	own_ns_del own-a
	reused=no
	for try in $(seq 1 40); do
		own_ns own-b || break
		if [ "$(inode_of own-b)" = "$ino_a" ]; then
			reused=yes
			break
		fi
		own_ns_del own-b
		sleep 0.05
	done
	echo "# namespace B reuses A's inode $ino_a: $reused (after $try tries)"
	ip netns list | grep -q "^$(ns own-b)\b" || own_ns own-b
	on own-b ip -6 addr add "$LAB_VIP6/128" dev lo nodad
	ino_b=$(inode_of own-b)
	legacy=$LVSDR_RUNDIR/net-$ino_b/owned
	mkdir -p "$(dirname "$legacy")"
	printf 'lo %s/128\n' "$LAB_VIP6" >"$legacy"
	check "namespace B has its own cookie, not A's ($cookie_a)" \
		[ "$(on own-b "$HELPERS/netnscookie")" != "$cookie_a" ]
	record_ignored "an older lvsdr's inode-keyed record of A found by path" \
		"lvsdr: warning: $legacy: ignored: an older lvsdr keyed it by the network namespace's inode, which the kernel gives to a new namespace once the old one is gone, so it cannot be tied to this namespace"
	rm -rf "$(dirname "$legacy")"
	rec_b=$(lab_record own-b)
	rm -f "$rec_b"
	mkdir -p "$(dirname "$rec_b")"
	cp "$rec_a" "$rec_b"
	record_ignored "a record of A's cookie at B's path" \
		"lvsdr: warning: $rec_b: ignored: it belongs to the network namespace with cookie $cookie_a, this one's is $(on own-b "$HELPERS/netnscookie")"
	out=$(on own-b "$LVSDR" verify -v "$TMP/rs6.ini" 2>&1)
	check "B: verify -v calls the VIP someone else's" grep -qF "bound on lo by someone else" <<<"$out"
else
	not_ok "namespace A: lvsdr binds $LAB_VIP6 on lo"
fi
