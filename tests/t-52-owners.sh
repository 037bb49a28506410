#!/usr/bin/env bash
# t-52: two profiles on one host (two keepalived instances on one director,
# each with its own profile) never remove each other's VIPs; a VIP both
# list is refused naming both; nothing is removed without being named; a
# record written by an older lvsdr (no profile) and the claims of a run
# killed before it bound its addresses are handled safely.
#
#     [dir1] eth0 192.0.2.2/24 (veth, peer in the switch namespace)
#            profile A: 192.0.2.100/24, 2001:db8::100/64
#            profile B: 192.0.2.101/24, 2001:db8::101/64
#            profile C: 192.0.2.101/24 (B's too), 192.0.2.102/24
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_start t-52 dir1

# director PROFILE VIP...: a director profile of one quick announcement.
director() {
	local file=$1 v
	shift
	{
		printf '[host]\nrole = director\ninterface = eth0\n[vip]\n'
		for v in "$@"; do printf 'address = %s\n' "$v"; done
		printf '[garp]\ncount = 1\ninterval = 10ms\n'
	} >"$file"
}
A=$TMP/a.ini B=$TMP/b.ini C=$TMP/c.ini
director "$A" 192.0.2.100/24 2001:db8::100/64
director "$B" 192.0.2.101/24 2001:db8::101/64
director "$C" 192.0.2.101/24 192.0.2.102/24
RECORD=$(lab_record dir1)

lv() { on dir1 "$LVSDR" "$@"; }
# bound ADDR/PREFIX...: every one is on dir1's eth0.
bound() {
	local a
	for a in "$@"; do
		on dir1 ip -o addr show dev eth0 | grep -q " ${a%/*}/" || return 1
	done
}
absent() {
	local a
	for a in "$@"; do
		! on dir1 ip -o addr show dev eth0 | grep -q " ${a%/*}/" || return 1
	done
}
# run NAME WANT_STATUS ARGS...: lvsdr ARGS in dir1, output in $TMP/out.
run() {
	local name=$1 want=$2 rc
	shift 2
	lv "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name"
	else
		not_ok "$name (status $rc, wanted $want)"
		sed 's/^/#   /' "$TMP/out"
	fi
}
has() { grep -qF -- "$1" "$TMP/out"; }
hasnt() { ! grep -qF -- "$1" "$TMP/out"; }
BVIPS="192.0.2.101/24 2001:db8::101/64"
AVIPS="192.0.2.100/24 2001:db8::100/64"

# -- two profiles, one namespace ------------------------------------------------
run "apply A binds A's VIPs" 0 apply "$A"
run "apply B binds B's VIPs" 0 apply "$B"
check "both profiles' VIPs are bound" bound $AVIPS $BVIPS
check "the record names each address's profile by its absolute path" \
	grep -qx "eth0 192.0.2.101/24 $B" "$RECORD"
check "the record names A's IPv6 VIP as A's" grep -qx "eth0 2001:db8::100/64 $A" "$RECORD"
# Before: A's apply removed B's VIPs, "bound by lvsdr, no longer in the profile".
run "apply A again: exit 0" 0 apply "$A"
check "apply A again leaves B's VIPs bound (IPv4 with lvsdr's label, and IPv6)" bound $BVIPS
check "apply A again names B's VIPs and B's profile, and leaves them" \
	has "192.0.2.101    ok       bound on eth0 by lvsdr for another profile, $B: left to it"
check "apply A again: no 'no longer in the profile' for B's VIPs" hasnt "no longer in the profile"
run "verify A: in sync (exit 0) while B holds its VIPs" 0 verify "$A"
run "verify B: in sync (exit 0) while A holds its VIPs" 0 verify "$B"
run "release A: exit 0" 0 release "$A"
check "release A removes A's VIPs" absent $AVIPS
check "release A leaves B's VIPs bound" bound $BVIPS
check "release A names what it removes" has "remove 2001:db8::100/64 from eth0"
check "release A does not remove B's" hasnt "remove 192.0.2.101"
run "notify A MASTER: exit 0" 0 notify "$A" INSTANCE VI_A MASTER 100
check "notify A MASTER binds A's VIPs and leaves B's" bound $AVIPS $BVIPS
run "notify A BACKUP: exit 0" 0 notify "$A" INSTANCE VI_A BACKUP 100
check "notify A BACKUP releases A's VIPs only" eval 'absent $AVIPS && bound $BVIPS'

# -- one VIP in two profiles ------------------------------------------------------
before=$(on dir1 ip -o addr show)
run "apply C, which lists B's 192.0.2.101 too: refused, exit 2" 2 apply "$C"
check "apply C names B's profile and the conflict" \
	has "bound on eth0 by lvsdr for another profile, $B: two profiles must not share a VIP"
check "apply C names C's profile in its refusal" has "lvsdr: $C: refusing to apply"
check "apply C changed nothing" test "$before" = "$(on dir1 ip -o addr show)"
run "takeover C: the shared VIP is left out, exit 1" 1 takeover "$C"
check "takeover C names the VIP it leaves out and B's profile" \
	has "lvsdr: $C: 192.0.2.101/24 not taken over: bound on eth0 by lvsdr for another profile, $B"
check "takeover C binds its own VIP, B's stays" bound 192.0.2.102/24 $BVIPS
run "release C: exit 0" 0 release "$C"
check "release C removes its own VIP and not B's" eval 'absent 192.0.2.102/24 && bound $BVIPS'
check "release C says B's VIP is bound for B, and leaves it" \
	has "bound by lvsdr for $B, so this run leaves it"
check "the record still names 192.0.2.101 as B's" grep -qx "eth0 192.0.2.101/24 $B" "$RECORD"

# -- nothing removed unnamed: a VIP dropped from the profile ----------------------
run "apply A: exit 0" 0 apply "$A"
director "$A" 192.0.2.100/24
run "takeover A after 2001:db8::100 left its profile: exit 0" 0 takeover "$A"
check "takeover names the address it removes" has "remove 2001:db8::100/64 from eth0"
check "takeover removed it, B's stay" eval 'absent 2001:db8::100/64 && bound $BVIPS'
director "$A" 192.0.2.100/24 2001:db8::100/64
run "apply A: exit 0" 0 apply "$A"

# -- a record an older lvsdr wrote: no profile -------------------------------------
# Entries without an owner: the profile that lists the address takes it, any
# other leaves it alone with a warning.
sed -i 's|^\(eth0 [^ ]*\) .*|\1|' "$RECORD"
run "apply A over an older record: exit 0" 0 apply "$A"
check "apply A leaves B's VIPs, whose owner no record names" bound $BVIPS
check "apply A warns that no record says whose B's VIPs are" \
	has "2001:db8::101  warn     bound on eth0 by lvsdr, and no ownership record says for which profile"
check "apply A claims its own VIPs in the record" grep -qx "eth0 2001:db8::100/64 $A" "$RECORD"
check "B's entries stay without an owner" grep -qx "eth0 2001:db8::101/64" "$RECORD"
run "release A over an older record: exit 0" 0 release "$A"
check "release A removes its VIPs, not B's" eval 'absent $AVIPS && bound $BVIPS'
run "apply B over an older record: exit 0, claims its VIPs" 0 apply "$B"
check "apply B claims its VIPs in the record" grep -qx "eth0 2001:db8::101/64 $B" "$RECORD"

# -- a profile renamed: what the old name bound counts as nobody's ----------------
run "apply A: exit 0" 0 apply "$A"
mv "$A" "$TMP/a2.ini"
run "apply A under its new name: exit 0" 0 apply "$TMP/a2.ini"
check "apply under the new name takes the VIPs the old name bound" \
	grep -qx "eth0 2001:db8::100/64 $TMP/a2.ini" "$RECORD"
check "and removes nothing, B's stay" eval 'bound $AVIPS $BVIPS && hasnt remove'
mv "$TMP/a2.ini" "$A"
run "apply A under its old name again: exit 0" 0 apply "$A"
check "the record names A again" grep -qx "eth0 192.0.2.100/24 $A" "$RECORD"
run "release A: exit 0" 0 release "$A"

# -- claims of a run killed before binding ---------------------------------------------
# The record names what a run is about to bind before it binds: a run killed
# after the first VIP leaves a claim on the second, which the next run drops.
ip netns exec "$(ns dir1)" env LVSDR_TEST_STEP_DELAY_MS=1000 "$LVSDR" apply "$A" >"$TMP/killed" 2>&1 &
pid=$!
wait_until 30 bound 192.0.2.100/24
kill -KILL "$pid"
wait "$pid" 2>/dev/null
check "SIGKILL after the first VIP: the second is not bound" absent 2001:db8::100/64
check "SIGKILL mid-apply: the record still claims the unbound VIP" grep -qx "eth0 2001:db8::100/64 $A" "$RECORD"
run "the next run (release B): exit 0" 0 release "$B"
check "the next run names the claim it drops" \
	has "lvsdr: note: $RECORD: dropped eth0 2001:db8::100/64 (bound for $A) from the ownership record: the kernel does not hold it"
check "the claim is gone from the record" eval '! grep -q "2001:db8::100/" "$RECORD"'
check "the bound VIP's claim stays" grep -qx "eth0 192.0.2.100/24 $A" "$RECORD"
# The address bound by hand now is someone else's: release A leaves it.
on dir1 ip addr add 2001:db8::100/64 dev eth0 nodad
run "release A after 2001:db8::100 was bound by hand: exit 0" 0 release "$A"
check "release A leaves the address bound by hand" bound 2001:db8::100/64
check "release A says it is not lvsdr's" has "not bound by lvsdr, so lvsdr leaves it"
check "release A removes the VIP it bound" absent 192.0.2.100/24
