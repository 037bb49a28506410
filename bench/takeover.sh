# shellcheck shell=bash
# SW_* come from the stopwatch's output through eval (bench/lib.sh), LAB_MAC_*
# from lab.sh.
# shellcheck disable=SC2154
# Scenarios 1 and 2: a director takes over VIPs and the client on the same
# bridge re-points its neighbour entries. Sourced by bench/run, after the
# lab is up.
#
#   [client] 192.0.2.1   runs bench/stopwatch: packet socket + rtnetlink
#       |                (neighbour events) on its eth0, then fork + setns
#     (br0)              into dir2 + exec of the command under test
#       |
#   [dir1] .2  02:..:02  the old owner: each run starts with the client's
#       |                entries for the VIPs pointing here (STALE)
#   [dir2] .3  02:..:03  takes the VIPs over: baseline or lvsdr

# director_profile FILE COUNT ADDRESS...: a director profile for dir2's eth0.
director_profile() {
	{
		profile_text director eth0 "${@:3}"
		printf '\n[garp]\ncount = %s\n' "$2"
	} >"$1"
}

# client_points_at_dir1 FILE: every address of FILE gets a STALE entry for
# dir1's MAC on the client, whatever the last run left there.
client_points_at_dir1() {
	sed "s/.*/neigh replace & lladdr $LAB_MAC_dir1 dev eth0 nud stale/" "$1" >"$BENCH_TMP/neigh.batch"
	on client ip -batch "$BENCH_TMP/neigh.batch"
}

# takeover_1: one VIP, the figure that decides how long clients keep
# sending to the old director.
takeover_1() {
	local vip=$LAB_VIP i n side prof
	local p1=$BENCH_TMP/takeover1-count1.ini p3=$BENCH_TMP/takeover1-count3.ini
	local watch=(-w eth0 -m "$LAB_MAC_dir2" -a "$vip" -N "$(ns dir2)")
	local base=(ip addr add "$vip/24" dev eth0 :: arping -q -U -c 1 -I eth0 "$vip")

	director_profile "$p1" 1 "$vip/24"
	director_profile "$p3" 3 "$vip/24"
	echo "$vip" >"$BENCH_TMP/vip1"
	describe "takeover-1 count=1" "ip addr add VIP/24 dev eth0; arping -U -c 1 -I eth0 VIP" \
		"lvsdr takeover (count = 1, mode = both)"
	describe "takeover-1 count=3" "(the same baseline samples)" "lvsdr takeover (count = 3: the default)"
	[ -n "$LVSDR_STATIC" ] && describe "takeover-1 STATIC=1" "(the same baseline samples)" \
		"lvsdr takeover (count = 1), built with make STATIC=1"
	[ -n "$LVSDR_STATIC" ] && [ -n "$BARE_GARP" ] && describe "takeover-1 vs the floor" \
		"bench/bare_garp eth0 VIP: one frame, nothing else (static)" \
		"lvsdr takeover (count = 1), built with make STATIC=1"

	n=$(runs 15)
	say "takeover-1: $n runs of each, alternating"
	for ((i = 0; i < n; i++)); do
		# The order turns each run so that neither side always goes first.
		for side in $( ((i % 2)) && echo "floor static lvsdr3 base lvsdr1" || echo "base lvsdr1 lvsdr3 static floor"); do
			[ "$side" = static ] && [ -z "$LVSDR_STATIC" ] && continue
			[ "$side" = floor ] && { [ -z "$LVSDR_STATIC" ] || [ -z "$BARE_GARP" ]; } && continue
			client_points_at_dir1 "$BENCH_TMP/vip1" || return 1
			case $side in
			base)
				sw client "${watch[@]}" -- "${base[@]}" || return 1
				on dir2 ip addr del "$vip/24" dev eth0
				takeover_record "takeover-1 count=1" baseline
				takeover_record "takeover-1 count=3" baseline
				[ -n "$LVSDR_STATIC" ] && takeover_record "takeover-1 STATIC=1" baseline
				;;
			static)
				sw client "${watch[@]}" -- "$LVSDR_STATIC" takeover -q "$p1" || return 1
				on dir2 "$LVSDR" release -q "$p1" || return 1
				takeover_record "takeover-1 STATIC=1" lvsdr
				[ -n "$BARE_GARP" ] && takeover_record "takeover-1 vs the floor" lvsdr
				;;
			floor)
				# The address is not even bound: only the frame counts here.
				sw client "${watch[@]}" -- "$BARE_GARP" eth0 "$vip" || return 1
				takeover_record "takeover-1 vs the floor" baseline
				;;
			lvsdr1 | lvsdr3)
				# Released by the profile that bound it: the record names
				# its owner, and a release for another profile leaves it.
				prof=$p1
				[ "$side" = lvsdr3 ] && prof=$p3
				sw client "${watch[@]}" -- "$LVSDR" takeover -q "$prof" || return 1
				on dir2 "$LVSDR" release -q "$prof" || return 1
				takeover_record "takeover-1 count=${side#lvsdr}" lvsdr
				;;
			esac
		done
	done
}

# startup: the floor under every figure here. From the stopwatch's fork,
# through setns into dir2 and exec, to the end of the process: /bin/true
# (the least a command can cost on this machine) beside lvsdr --version
# (the binary and its libraries loaded, nothing done), as built and with
# STATIC=1.
startup() {
	local i n side
	describe "start-up" "/bin/true" "lvsdr --version"
	[ -n "$LVSDR_STATIC" ] && describe "start-up STATIC=1" "/bin/true" "lvsdr --version, built with STATIC=1"
	n=$(runs 31)
	say "start-up: $n runs of each, alternating"
	for ((i = 0; i < n; i++)); do
		for side in base lvsdr static; do
			case $side in
			base) sw client -N "$(ns dir2)" -- /bin/true || return 1 ;;
			lvsdr) sw client -N "$(ns dir2)" -- "$LVSDR" --version || return 1 ;;
			static)
				[ -n "$LVSDR_STATIC" ] || continue
				sw client -N "$(ns dir2)" -- "$LVSDR_STATIC" --version || return 1
				;;
			esac
			case $side in
			base)
				sample "start-up" "command wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
				[ -n "$LVSDR_STATIC" ] && sample "start-up STATIC=1" "command wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
				;;
			lvsdr) sample "start-up" "command wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")" ;;
			static) sample "start-up STATIC=1" "command wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")" ;;
			esac
		done
	done
}

# takeover_check SCENARIO SIDE N: a note when the client did not see all N
# VIPs announced and moved, or the capture lost frames or events.
takeover_check() {
	if [ "$SW_announced" != "$3" ] || [ "$SW_moved" != "$3" ] || [ "$SW_drops" != 0 ] || [ "$SW_overrun" != 0 ]; then
		note "$1 $2: a run saw $SW_announced of $3 announced, $SW_moved moved: $SW"
	fi
}

# takeover_record SCENARIO SIDE: the last stopwatch line as samples.
takeover_record() {
	takeover_check "$1" "$2" 1
	sample "$1" "first announcement at client" ms "$2" "$(us_to_ms "$SW_first_frame_us")"
	sample "$1" "client entry moved" ms "$2" "$(us_to_ms "$SW_all_moved_us")"
	sample "$1" "command wall time" ms "$2" "$(us_to_ms "$SW_wall_us")"
}

# takeover_n N FAMILY: N VIPs at once. IPv4 (the documentation ranges hold
# 408: 198.51.100.1-254, then 192.0.2.101-254, clear of the lab's hosts):
# the baseline binds them with one ip -batch and starts one arping per VIP,
# all in parallel (one after the other would take N x 1 s: each arping
# waits a second after its frame). IPv6: no standard tool sends unsolicited
# NAs, so the baseline binds only and the announcement rows are lvsdr's alone.
takeover_n() {
	local n=$1 family=$2 scen="takeover-$1 (IPv$2)" i side runs a
	local list=$BENCH_TMP/vips-$n-$family prof=$BENCH_TMP/takeover-$n.ini
	local add=$BENCH_TMP/add-$n-$family del=$BENCH_TMP/del-$n-$family arp=$BENCH_TMP/arping-$n.sh
	local watch=(-w eth0 -m "$LAB_MAC_dir2" -f "$list" -N "$(ns dir2)")

	for ((i = 1; i <= n; i++)); do
		if [ "$family" = 6 ]; then
			printf '2001:db8:1::%x\n' "$i"
		elif [ "$i" -le 254 ]; then
			echo "198.51.100.$i"
		else
			echo "192.0.2.$((i - 154))"
		fi
	done >"$list"
	# shellcheck disable=SC2046 # one word per address
	director_profile "$prof" 1 $(cat "$list")
	awk -v p="$([ "$family" = 4 ] && echo 32 || echo 128)" '{ print "addr add " $1 "/" p " dev eth0" }' "$list" >"$add"
	sed 's/^addr add/addr del/' "$add" >"$del"
	# shellcheck disable=SC2016 # expanded by the sh that runs it
	echo 'for v in "$@"; do arping -q -U -c 1 -I eth0 "$v" & done; wait' >"$arp"
	if [ "$family" = 4 ]; then
		describe "$scen" "ip -batch (addr add x$n); arping -U -c 1 per VIP, all in parallel" \
			"lvsdr takeover (count = 1, mode = both)"
	else
		describe "$scen" "ip -batch (addr add x$n) only: no announcement" "lvsdr takeover (count = 1)"
	fi

	runs=$(runs 7)
	say "$scen: $runs runs of each, alternating"
	for ((i = 0; i < runs; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr base" || echo "base lvsdr"); do
			# After 1,000 IPv6 addresses leave an interface, the kernel's MLD
			# state needs about a second to drain; binding meanwhile costs
			# 3-4 times as much (measured: 0.4 s settled, 1.4 s at once).
			# Each run starts settled, as a real takeover would.
			[ "$family" = 6 ] && sleep 1.5
			client_points_at_dir1 "$list" || return 1
			if [ "$side" = base ]; then
				if [ "$family" = 4 ]; then
					# shellcheck disable=SC2046
					sw client "${watch[@]}" -- ip -batch "$add" :: sh "$arp" $(cat "$list") || return 1
				else
					sw client -N "$(ns dir2)" -- ip -batch "$add" || return 1
				fi
				sample "$scen" "command wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
				[ "$family" = 4 ] && takeover_record_n "$scen" baseline "$n"
				sw client -N "$(ns dir2)" -- ip -batch "$del" || return 1
				sample "$scen" "VIPs removed (release)" ms baseline "$(us_to_ms "$SW_wall_us")"
			else
				sw client "${watch[@]}" -- "$LVSDR" takeover -q "$prof" || return 1
				sample "$scen" "command wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
				takeover_record_n "$scen" lvsdr "$n"
				sw client -N "$(ns dir2)" -- "$LVSDR" release -q "$prof" || return 1
				sample "$scen" "VIPs removed (release)" ms lvsdr "$(us_to_ms "$SW_wall_us")"
			fi
		done
	done
	a=$(on dir2 ip -o addr show dev eth0 | awk '{ sub("/.*", "", $4); print $4 }' | grep -cxFf "$list")
	[ "$a" = 0 ] || note "$scen: $a VIPs still on dir2 after the last release"
}

takeover_record_n() {
	takeover_check "$1" "$2" "$3"
	sample "$1" "first announcement at client" ms "$2" "$(us_to_ms "$SW_first_frame_us")"
	sample "$1" "every VIP announced once" ms "$2" "$(us_to_ms "$SW_all_frames_us")"
	sample "$1" "every client entry moved" ms "$2" "$(us_to_ms "$SW_all_moved_us")"
}
