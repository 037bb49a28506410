# shellcheck shell=bash
# HELPERS is for the scripts that source this file.
# shellcheck disable=SC2034
# Shared by every tests/t-*.sh. Source it; it never runs anything itself.
# Output protocol: one "ok - ", "not ok - " or "skip - " line per case.
set -u
: "${LVSDR:?run tests through tests/run or make check}"
: "${LVSDR_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HELPERS=$LVSDR_BUILD/helpers

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

# alive PID: it runs (a zombie, dead but not yet reaped, does not; kill -0
# and /proc/PID say yes to one).
alive() { [ -e "/proc/$1" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

# wait_until SECONDS COMMAND...: poll every 50 ms, bounded.
wait_until() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
