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

# out_match ERE: a line of OUT matches, as grep -qE would say, by bash's
# own =~ (the same POSIX extended syntax, from the same libc): a grep per
# expectation costs ~0.1 s in the user-mode Linux guest. Status 2 when ERE
# is not a valid expression, so that a broken out_lacks cannot pass.
out_match() {
	local line st
	while IFS= read -r line; do
		[[ $line =~ $1 ]]
		st=$?
		[ "$st" -eq 1 ] || return "$st"
	done <<<"$OUT"
	return 1
}
out_has() { out_match "$1"; }
out_lacks() {
	out_match "$1"
	[ $? -eq 1 ]
}
