#!/usr/bin/env bash
# t-11: broken command lines (tests/bad-commands/cases.tsv), each run inside a
# namespace set up as a half-provisioned real server: each must exit with
# its status and first line, and the namespace must be byte-for-byte as it
# was. The profiles are files named RS, DIR and IF9 in a temporary
# directory, so the expected messages hold those names.
. "$(dirname "$0")/lib/common.sh"

CASES=$LVSDR_ROOT/tests/bad-commands/cases.tsv
scratch_netns t11

netns_bare "lvsdr-t11-$$" "t-11: bad command lines against a namespace"
# Half provisioned: one knob set, one VIP bound by hand, so a command that
# wrongly went ahead would have something to change.
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.arp_ignore=1
ip -n "$NS" addr add 192.0.2.100/32 dev lo
export LVSDR_RUNDIR=$TMP/run

cd "$TMP" || exit 1
printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\naddress = 192.0.2.101\n' >RS
printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 198.51.100.10/24\n' >DIR
printf '[host]\nrole = realserver\ninterface = eth9\n[vip]\naddress = 192.0.2.100\n' >IF9

before=$(netns_state "$NS")
n=0
while IFS=$'\t' read -r args status first; do
	case $args in "#"*) continue ;; esac
	[ "$args" = "(none)" ] && args=
	n=$((n + 1))
	# shellcheck disable=SC2086 # the arguments are words by design
	out=$(ip netns exec "$NS" "$LVSDR" $args 2>&1)
	rc=$?
	got=$(head -n1 <<<"$out")
	if [ "$rc" -eq "$status" ] && [ "$got" = "$first" ]; then
		ok "lvsdr $args: status $status, \"$first\""
	else
		not_ok "lvsdr $args: wanted status $status and \"$first\""
		printf 'status %s\n%s\n' "$rc" "$out" | sed 's/^/#   /'
	fi
done <"$CASES"
check "the table holds at least 40 broken command lines ($n)" test "$n" -ge 40
same_state "the namespace is byte-for-byte unchanged after $n broken command lines" "$before" "$(netns_state "$NS")"
records=$(find "$TMP/run" -name owned 2>/dev/null)
check "no ownership record was written" test -z "$records"
