# shellcheck shell=bash
# HELPERS is for the scripts that source this file.
# shellcheck disable=SC2034
# Shared by every tests/t-*.sh. Source it; it never runs anything itself.
# Output protocol: one "ok - ", "not ok - " or "skip - " line per case.
set -u
: "${LVSDR:?run tests through tests/run or make check}"
: "${LVSDR_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HELPERS=$LVSDR_BUILD/helpers
# sleep as a bash builtin (Debian's bash-builtins; tests/deps.sh test): the
# polls of wait_until sleep 50 ms each, and in the user-mode Linux guest a
# sleep that forks costs as much again. Without the package, /bin/sleep.
enable -f /usr/lib/bash/sleep sleep 2>/dev/null || true

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# unavailable WHAT WHY: a tool a case needs is missing: a loud skip, a
# failure on CI (tests/deps.sh test installs every package there).
unavailable() {
	if [ "${CI:-}" = true ]; then
		not_ok "$1: $2 (CI=true: must run; tests/deps.sh test installs it)"
	else
		skip "$1: $2 (run tests/deps.sh test as root)"
	fi
}

# check NAME COMMAND...: a case that passes when COMMAND exits 0.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# lvsdr ARGS...: the binary under test. Under `make valgrind`, tests/run has
# made $LVSDR a wrapper that runs it under LVSDR_WRAP.
lvsdr() { "$LVSDR" "$@"; }

# expect_output NAME WANT_STATUS WANT_FILE COMMAND...: run, compare status and
# combined output with a golden file; show a diff on mismatch.
expect_output() {
	local name=$1 want_rc=$2 want_file=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		not_ok "$name (status $rc, wanted $want_rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		return
	fi
	if ! diff -u "$want_file" - <<<"$out" >/tmp/lvsdr-diff.$$; then
		not_ok "$name (output differs)"
		sed 's/^/#   /' /tmp/lvsdr-diff.$$
	else
		ok "$name"
	fi
	rm -f /tmp/lvsdr-diff.$$
}

# no_netns WHAT [STATUS]: the cases WHAT need root and network namespaces,
# which this run lacks: skipped, or failed on CI, where a skip would hide a
# broken runner, and the script exits (with STATUS there, default 0).
no_netns() {
	local why="needs root and network namespaces"
	if [ "${CI:-}" = true ]; then
		not_ok "$1: $why (CI=true: must run)"
		exit "${2:-0}"
	fi
	skip "$1: $why"
	exit 0
}

# netns_bare NAME WHAT: NS, a namespace NAME with lo up and eth0 at
# 192.0.2.11/24 (a veth, not dummy: the dummy module is not on every
# kernel); the caller's EXIT trap deletes $NS. No root: no_netns WHAT.
netns_bare() {
	if [ "$(id -u)" != 0 ] || ! ip netns add "$1" 2>/dev/null; then
		no_netns "$2"
	fi
	NS=$1
	ip -n "$NS" link set lo up
	ip -n "$NS" link add eth0 type veth peer name eth1
	ip -n "$NS" addr add 192.0.2.11/24 dev eth0
	ip -n "$NS" link set eth0 up
}

# profile_text ROLE INTERFACE ADDRESS...: a profile of [host] and [vip],
# one address a line, on stdout.
profile_text() {
	local a
	printf '[host]\nrole = %s\ninterface = %s\n\n[vip]\n' "$1" "$2"
	shift 2
	for a in "$@"; do printf 'address = %s\n' "$a"; done
}

# scratch_netns TAG: TMP, a fresh directory, and NS=lvsdr-TAG-$$, the name
# of the namespace the script makes itself; both removed at exit, and a
# signal is an ordinary exit, so that the removal runs.
scratch_netns() {
	TMP=$(mktemp -d "/tmp/lvsdr-$1.XXXXXX") || exit 2
	NS=lvsdr-$1-$$
	trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# netns_state NS: what a refused command must leave alone in namespace NS,
# as text: every ARP knob of every interface, and every address.
netns_state() { ip netns exec "$1" sh -c 'grep -r . /proc/sys/net/ipv4/conf/*/arp_*; ip -o addr show' 2>&1; }

# same_state NAME BEFORE AFTER: a case that passes when two netns_state
# texts are the same; their difference as comment lines when not.
same_state() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff <(echo "$2") <(echo "$3") | sed 's/^/#   /'
	fi
}

# alive PID: it runs (a zombie, dead but not yet reaped, does not; kill -0
# and /proc/PID say yes to one).
alive() {
	local line
	[ -e "/proc/$1" ] || return 1
	while IFS= read -r line; do
		[[ $line =~ ^State:[[:space:]]*Z ]] && return 1
	done 2>/dev/null <"/proc/$1/status"
	return 0
}

# wait_until SECONDS COMMAND...: poll every 50 ms, bounded. The clock is
# bash's own (EPOCHREALTIME, in microseconds once its separator is gone): a
# `date` per poll costs ~0.1 s in the user-mode Linux guest.
wait_until() {
	local deadline=$((${EPOCHREALTIME//[!0-9]/} + $1 * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME//[!0-9]/}" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
