# shellcheck shell=bash disable=SC2154 # SW_* are set by sw (bench/lib.sh)
# Scenario firstframe (issue 20): the first and the last announcement a
# client sees of a takeover of N VIPs, this build against the build it
# changed ("today's": BENCH_TODAY, default da257d7, the commit issue 20's
# work started from), and for IPv4 beside the plain tools (ip -batch, then
# one arping -U per VIP, all in parallel). Sourced by bench/run after
# bench/takeover.sh (director_profile, client_points_at_dir1,
# takeover_check), with the lab up; the topology is takeover.sh's.
#
# IPv4 documentation space holds 662 addresses clear of the lab's, fewer
# than 1,000: the IPv4 VIPs here come from 198.18.0.0/15, the range RFC 2544
# sets aside for benchmarks (never routed), as /32s on dir2's eth0.

# The commit "today's build" is built from. Hard-coded rather than taken
# from `git merge-base HEAD main`, which once the work is merged is HEAD.
BENCH_TODAY=${BENCH_TODAY:-da257d7}

# firstframe_today: today's lvsdr, built once per commit under
# $LVSDR_BUILD/bench/today-COMMIT from `git archive` of it. Prints its path.
firstframe_today() {
	local commit dir
	commit=$(git -C "$LVSDR_ROOT" rev-parse --short "$BENCH_TODAY^{commit}" 2>/dev/null) || {
		note "firstframe: BENCH_TODAY=$BENCH_TODAY is no commit of $LVSDR_ROOT"
		return 1
	}
	dir=$LVSDR_BUILD/bench/today-$commit
	if [ ! -x "$dir/build/lvsdr" ]; then
		if ! { rm -rf "$dir" && mkdir -p "$dir" && git -C "$LVSDR_ROOT" archive "$commit" | tar -x -C "$dir" &&
			make -s --no-print-directory -C "$dir" NO_DEPS=1 BUILD="$dir/build" "$dir/build/lvsdr"; } >"$dir.log" 2>&1; then
			note "firstframe: cannot build $commit (see $dir.log)"
			return 1
		fi
	fi
	echo "$dir/build/lvsdr"
}

# firstframe_list N FAMILY: N VIPs, one a line.
firstframe_list() {
	local i
	for ((i = 1; i <= $1; i++)); do
		if [ "$2" = 6 ]; then
			printf '2001:db8:1::%x\n' "$i"
		else
			echo "198.18.$((i / 256)).$((i % 256))"
		fi
	done
}

# firstframe_record SCENARIO SIDE N: the last stopwatch line as samples.
firstframe_record() {
	takeover_check "$1" "$2" "$3"
	sample "$1" "first announcement at client" ms "$2" "$(us_to_ms "$SW_first_frame_us")"
	sample "$1" "last VIP's first announcement" ms "$2" "$(us_to_ms "$SW_all_frames_us")"
	sample "$1" "command wall time" ms "$2" "$(us_to_ms "$SW_wall_us")"
}

# firstframe_n TODAY N FAMILY: alternating runs of today's build, this
# build and (IPv4, N <= 100: a thousand arpings at once would measure the
# fork storm) the plain tools.
firstframe_n() {
	local today=$1 n=$2 family=$3 i side runs sides order bin
	local vs="firstframe-$n (IPv$family) vs $BENCH_TODAY" tools="firstframe-$n (IPv$family) vs arping"
	local list=$BENCH_TMP/ff-$n-$family prof=$BENCH_TMP/ff-$n-$family.ini
	local add=$BENCH_TMP/ff-add-$n-$family del=$BENCH_TMP/ff-del-$n-$family arp=$BENCH_TMP/ff-arping.sh
	local watch=(-w eth0 -m "$LAB_MAC_dir2" -f "$list" -N "$(ns dir2)")

	firstframe_list "$n" "$family" >"$list"
	# shellcheck disable=SC2046 # one word per address
	director_profile "$prof" 1 $(cat "$list")
	awk -v p="$([ "$family" = 4 ] && echo 32 || echo 128)" '{ print "addr add " $1 "/" p " dev eth0" }' "$list" >"$add"
	sed 's/^addr add/addr del/' "$add" >"$del"
	# shellcheck disable=SC2016 # expanded by the sh that runs it
	echo 'for v in "$@"; do arping -q -U -c 1 -I eth0 "$v" & done; wait' >"$arp"
	describe "$vs" "lvsdr takeover (count = 1) built from $BENCH_TODAY" "lvsdr takeover (count = 1), this build"
	sides="today lvsdr"
	# This build linked two other ways (bench/run builds them): how much of
	# the first frame is the loader and libnl's start-up.
	if [ -n "$LVSDR_STATIC" ]; then
		describe "$vs STATIC=1" "(the same baseline samples)" "lvsdr takeover (count = 1), this build, make STATIC=1"
		sides="$sides static"
	fi
	if [ -n "$LVSDR_LIBNL_STATIC" ]; then
		describe "$vs LIBNL_STATIC=1" "(the same baseline samples)" \
			"lvsdr takeover (count = 1), this build, make LIBNL_STATIC=1"
		sides="$sides libnl"
	fi
	if [ "$family" = 4 ] && [ "$n" -le 100 ] && [ -n "$HAVE_ARPING" ]; then
		describe "$tools" "ip -batch (addr add x$n); arping -U -c 1 per VIP, all in parallel" \
			"lvsdr takeover (count = 1), this build"
		sides="$sides tools"
	fi

	runs=$(runs 7)
	say "$vs: $runs runs of each, alternating"
	for ((i = 0; i < runs; i++)); do
		# The order turns each run so that no side always goes first.
		order=$sides
		# shellcheck disable=SC2086 # one word per side
		((i % 2)) && order=$(printf '%s\n' $sides | tac)
		for side in $order; do
			# The kernel's MLD state drains for about a second after 1,000
			# IPv6 addresses leave (takeover.sh): each run starts settled.
			[ "$family" = 6 ] && sleep 1.5
			client_points_at_dir1 "$list" || return 1
			case $side in
			today | lvsdr | static | libnl)
				case $side in
				today) bin=$today ;;
				lvsdr) bin=$LVSDR ;;
				static) bin=$LVSDR_STATIC ;;
				libnl) bin=$LVSDR_LIBNL_STATIC ;;
				esac
				sw client "${watch[@]}" -- "$bin" takeover -q "$prof" || return 1
				case $side in
				today)
					firstframe_record "$vs" baseline "$n"
					[ -n "$LVSDR_STATIC" ] && firstframe_record "$vs STATIC=1" baseline "$n"
					[ -n "$LVSDR_LIBNL_STATIC" ] && firstframe_record "$vs LIBNL_STATIC=1" baseline "$n"
					;;
				lvsdr)
					firstframe_record "$vs" lvsdr "$n"
					[[ $sides == *tools* ]] && firstframe_record "$tools" lvsdr "$n"
					;;
				static) firstframe_record "$vs STATIC=1" lvsdr "$n" ;;
				libnl) firstframe_record "$vs LIBNL_STATIC=1" lvsdr "$n" ;;
				esac
				on dir2 "$LVSDR" release -q "$prof" || return 1
				;;
			tools)
				# shellcheck disable=SC2046
				sw client "${watch[@]}" -- ip -batch "$add" :: sh "$arp" $(cat "$list") || return 1
				firstframe_record "$tools" baseline "$n"
				on dir2 ip -batch "$del" || return 1
				;;
			esac
		done
	done
	i=$(on dir2 ip -o addr show dev eth0 | awk '{ sub("/.*", "", $4); print $4 }' | grep -cxFf "$list")
	[ "$i" = 0 ] || note "$vs: $i VIPs still on dir2 after the last release"
}

firstframe_all() {
	local today n family
	today=$(firstframe_today) || return 1
	say "firstframe: today's build is $today"
	HAVE_ARPING=
	command -v arping >/dev/null && arping -V 2>&1 | grep -q iputils && HAVE_ARPING=1
	[ -n "$HAVE_ARPING" ] || note "firstframe: no iputils arping, the IPv4 rows have no plain-tools side"
	for family in 4 6; do
		for n in 100 1000; do
			firstframe_n "$today" "$n" "$family" || note "firstframe-$n (IPv$family) stopped early"
		done
	done
}
