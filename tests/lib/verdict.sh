# shellcheck shell=bash
# Cases that gather several expectations, for lab tests. Source it after
# common.sh and lab.sh.
#
#   run HOST ARGS...    lv (lab.sh), keeping the combined output in OUT, the status in RC
#   want WHAT CMD...    note WHAT when CMD fails
#   verdict NAME        print "ok - NAME", or "not ok - NAME (what failed)" and
#                       the last output; returns 1 on failure
#   status_is N         the last run exited N
#   out_has ERE         a line of the last output matches
#   out_lacks ERE       no line does

run() {
	OUT=$(lv "$@" 2>&1)
	RC=$?
}

WHY=
want() {
	local what=$1
	shift
	"$@" || WHY="$WHY; $what"
}

verdict() {
	local failed=$WHY
	WHY=
	if [ -z "$failed" ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1 (${failed#; })"
	printf '%s\n' "${OUT:-}" | sed 's/^/#   /'
	return 1
}

status_is() { [ "$RC" -eq "$1" ]; }
out_has() { grep -qE -- "$1" <<<"$OUT"; }
out_lacks() { ! grep -qE -- "$1" <<<"$OUT"; }
