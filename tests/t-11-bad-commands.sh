#!/usr/bin/env bash
# t-11: broken command lines (tests/bad-commands/cases.tsv), each run inside a
# namespace set up as a half-provisioned real server: each must exit with
# its status and first line, and the namespace must be byte-for-byte as it
# was. The profiles are files named RS, DIR and IF9 in a temporary
# directory, so the expected messages hold those names.
. "$(dirname "$0")/lib/common.sh"

CASES=$LVSDR_ROOT/tests/bad-commands/cases.tsv
TMP=$(mktemp -d /tmp/lvsdr-t11.XXXXXX) || exit 1
NS=
cleanup() {
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! ip netns add "lvsdr-t11-$$" 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		not_ok "t-11: needs root and network namespaces (CI=true: must run)"
	else
		skip "t-11: bad command lines against a namespace: needs root and network namespaces"
	fi
	exit 0
fi
NS=lvsdr-t11-$$
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth1
ip -n "$NS" addr add 192.0.2.11/24 dev eth0
ip -n "$NS" link set eth0 up
# Half provisioned: one knob set, one VIP bound by hand, so a command that
# wrongly went ahead would have something to change.
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.arp_ignore=1
ip -n "$NS" addr add 192.0.2.100/32 dev lo
export LVSDR_RUNDIR=$TMP/run

cd "$TMP" || exit 1
printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\naddress = 192.0.2.101\n' >RS
printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 198.51.100.10/24\n' >DIR
printf '[host]\nrole = realserver\ninterface = eth9\n[vip]\naddress = 192.0.2.100\n' >IF9

snapshot() {
	ip netns exec "$NS" sh -c 'grep -r . /proc/sys/net/ipv4/conf/*/arp_*; ip -o addr show' 2>&1
}
before=$(snapshot)
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
after=$(snapshot)
if [ "$before" = "$after" ]; then
	ok "the namespace is byte-for-byte unchanged after $n broken command lines"
else
	not_ok "the namespace is byte-for-byte unchanged after $n broken command lines"
	diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
fi
records=$(find "$TMP/run" -name owned 2>/dev/null)
check "no ownership record was written" test -z "$records"
