#!/usr/bin/env bash
# t-10: `lvsdr check` against the profile corpus.
#   tests/bad-profiles/NAME.ini    each with NAME.expect, the exact output
#                                  (status 2); the first line of the .ini says
#                                  what is wrong with it
#   tests/good-profiles/NAME.ini   each must pass
#   profiles/*.ini                 the shipped examples must pass
# Then the same bad profiles go through verify and apply inside a namespace
# made for the purpose: each must stop with status 2 and the same message,
# and leave the namespace's sysctls and addresses exactly as they were.
. "$(dirname "$0")/lib/common.sh"

BAD=$LVSDR_ROOT/tests/bad-profiles
GOOD=$LVSDR_ROOT/tests/good-profiles
scratch_netns t10

# Under `make valgrind` a run costs a second or more and the corpus holds
# hundreds of profiles: valgrind reads each corpus in one `lvsdr check` run
# (check reads and frees the profiles it is given one after the other, so
# an error or a leak on any one's path still shows), and the cases, one per
# profile, run the binary itself (tests/run keeps it as LVSDR_BUILD/lvsdr).
corpus_lvsdr=$LVSDR
[ -n "${LVSDR_WRAP_OTHER:-}" ] && corpus_lvsdr=$LVSDR_BUILD/lvsdr

# Paths in messages are as given on the command line: run from the corpus
# directory so the golden files hold bare names.
cd "$BAD" || exit 1
if [ -n "${LVSDR_WRAP_OTHER:-}" ]; then
	expect_output "under valgrind, one check of every bad profile prints each one's message, status 2" 2 \
		<(for f in *.ini; do cat "${f%.ini}.expect"; done) lvsdr check -- *.ini
fi
n=0
for f in *.ini; do
	name=${f%.ini}
	n=$((n + 1))
	if [ ! -f "$name.expect" ]; then
		not_ok "bad profile $f has a $name.expect"
		continue
	fi
	expect_output "check rejects $f: $(head -n1 "$f" | sed 's/^; *//')" 2 "$name.expect" "$corpus_lvsdr" check "$f"
done
check "the corpus holds at least 60 broken profiles ($n)" test "$n" -ge 60
for e in *.expect; do
	[ -f "${e%.expect}.ini" ] || not_ok "$e has no profile beside it"
done

cd "$GOOD" || exit 1
if [ -n "${LVSDR_WRAP_OTHER:-}" ]; then
	check "under valgrind, one check of every good profile and shipped example passes" \
		lvsdr check -q -- *.ini "$LVSDR_ROOT"/profiles/*.ini
fi
for f in *.ini; do
	expect_output "check accepts $f" 0 <(echo "$f: ok$(sed -n 's/^; expect: *//p' "$f" | head -n1)") \
		bash -c 'out=$("$0" check "$1") && echo "${out%% (*}"' "$corpus_lvsdr" "$f"
done

cd "$LVSDR_ROOT/profiles" || exit 1
for f in *.ini; do
	check "shipped example profiles/$f passes check" "$corpus_lvsdr" check -q "$f"
done

# -- the command line -------------------------------------------------------
cd "$TMP" || exit 1
expect_status() { # NAME STATUS PATTERN COMMAND...: status, and PATTERN in the output
	local name=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name (status $rc, wanted $want and /$pattern/)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n' >good.ini
expect_status "check without a profile prints usage, status 2" 2 '^Usage: lvsdr check' lvsdr check
expect_status "check of a missing file names it, status 2" 2 '^nothere.ini: cannot open the profile: No such file' \
	lvsdr check nothere.ini
expect_status "check of a directory says so, status 2" 2 "^$TMP: .*directory" lvsdr check "$TMP"
expect_status "check -q prints nothing for a valid profile" 0 '^$' lvsdr check -q good.ini
expect_status "check counts a director's services and real servers, as lvsdr.8 shows" 0 \
	'director-ipvs.ini: ok \(director on eth0, 1 VIP, 1 service, 2 real servers\)$' lvsdr check "$LVSDR_ROOT/profiles/director-ipvs.ini"
expect_status "check of a profile without services names none" 0 'good.ini: ok \(realserver on eth0, 1 VIP\)$' \
	lvsdr check good.ini
expect_status "check of several profiles fails if one fails" 2 'nothere.ini' lvsdr check good.ini nothere.ini
expect_status "check with an unknown option prints usage, status 2" 2 'Usage: lvsdr check' lvsdr check --frobnicate good.ini
expect_status "an unknown command is named, status 2" 2 "'chekc' is not a command" lvsdr chekc good.ini
expect_status "lvsdr without a command prints usage, status 2" 2 '^Usage: lvsdr' lvsdr
expect_status "lvsdr --version prints the version" 0 '^lvsdr [0-9]' lvsdr --version
expect_status "lvsdr --help lists the commands" 0 'takeover' lvsdr --help
for cmd in check verify apply takeover release notify; do
	expect_status "lvsdr $cmd --help prints its usage, status 0" 0 "^Usage: lvsdr $cmd" lvsdr "$cmd" --help
done
if [ "$(id -u)" != 0 ]; then
	chmod 000 good.ini
	expect_status "an unreadable profile is named, status 2" 2 'good.ini: cannot open the profile: Permission denied' \
		lvsdr check good.ini
	chmod 644 good.ini
fi

# -- bad profiles change nothing ----------------------------------------------
netns_bare "lvsdr-t10-$$" "bad profiles against a namespace"
export LVSDR_RUNDIR=$TMP/run
before=$(netns_state "$NS")
cd "$BAD" || exit 1
bad=
# Under `make valgrind` a run costs a second or more: check's loop above
# took every profile through the reader under valgrind already, and
# verify and apply stop in that same reader. Every tenth profile goes
# through them under valgrind again, the rest run the binary itself
# (tests/run keeps it as LVSDR_BUILD/lvsdr), so the suite keeps its budget.
i=0
for f in *.ini; do
	bin=$LVSDR
	[ -n "${LVSDR_WRAP_OTHER:-}" ] && [ $((i++ % 10)) -ne 0 ] && bin=$LVSDR_BUILD/lvsdr
	for cmd in verify apply; do
		out=$(ip netns exec "$NS" "$bin" "$cmd" "$f" 2>&1)
		rc=$?
		if [ "$rc" -ne 2 ] || [ "$out" != "$(cat "${f%.ini}.expect")" ]; then
			bad="$bad $cmd:$f(status $rc)"
		fi
	done
done
if [ -z "$bad" ]; then
	ok "verify and apply reject every bad profile with status 2 and check's message"
else
	not_ok "verify and apply reject every bad profile with status 2 and check's message:$bad"
fi
same_state "the namespace is byte-for-byte unchanged after $((n * 2)) rejected runs" "$before" "$(netns_state "$NS")"
check "no record of owned addresses was written" test ! -e "$TMP/run"
