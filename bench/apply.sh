# shellcheck shell=bash
# SW_* come from the stopwatch's output through eval (bench/lib.sh).
# shellcheck disable=SC2154
# Scenario 3: a real server (the lab's rs1) binds N VIPs on lo and sets its
# two ARP knobs. Sourced by bench/run, after the lab is up.
#
#   baseline: sysctl -w of the two knobs on all + eth0, then one ip -batch
#             of the same `addr add` lines lvsdr sends
#   lvsdr:    lvsdr apply -q PROFILE
#
# IPv4 documentation space holds 762 addresses, so N >= 1000 is IPv6
# (2001:db8:2::/64). Every run starts from the same state: knobs at 0, no VIP.

RS_KNOBS_ON="net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2"

rs_knobs_off() {
	on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0 \
		net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth0.arp_announce=0
}

# rs_lo_reset: every VIP off rs1's lo at once, and lvsdr's record for rs1
# with them, as on a host that never ran lvsdr. Deleting 10,000 IPv6
# addresses one by one costs the kernel 15-25 s (each deletion walks the
# whole IPv6 routing table); taking lo down drops them in one go.
rs_lo_reset() {
	on rs1 ip link set lo down && on rs1 ip link set lo up || return 1
	rm -rf "$(dirname "$(lab_record rs1)")"
	rs_knobs_off
}

# realserver_profile FILE LIST: rs1's profile with the addresses of LIST.
realserver_profile() {
	{
		printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\n'
		sed 's/^/address = /' "$2"
	} >"$1"
}

# vip_list N FAMILY FILE
vip_list() {
	local i
	for ((i = 1; i <= $1; i++)); do
		if [ "$2" = 4 ]; then echo "198.51.100.$i"; else printf '2001:db8:2::%x\n' "$i"; fi
	done >"$3"
}

# apply_n N FAMILY RUNS: apply and remove N VIPs. For N > 1000 the removal
# is rs_lo_reset instead (see there), and verify, a second apply with
# nothing to do, and the listing a verify needs are timed too.
apply_n() {
	local n=$1 family=$2 runs i side scen="apply-$1 (IPv$2)" big=0
	local list=$BENCH_TMP/rs-$n.list prof=$BENCH_TMP/rs-$n.ini
	local add=$BENCH_TMP/rs-$n.add del=$BENCH_TMP/rs-$n.del replace=$BENCH_TMP/rs-$n.replace
	local -a knobs
	read -ra knobs <<<"$RS_KNOBS_ON"

	[ "$n" -gt 1000 ] && big=1
	vip_list "$n" "$family" "$list"
	realserver_profile "$prof" "$list"
	if [ "$family" = 4 ]; then
		sed 's|.*|addr add &/32 dev lo label lo:lvsdr|' "$list" >"$add"
	else
		sed 's|.*|addr add &/128 dev lo|' "$list" >"$add"
	fi
	sed 's/^addr add/addr del/' "$add" >"$del"
	sed 's/^addr add/addr replace/' "$add" >"$replace"
	describe "$scen" "sysctl -w (4 knobs); ip -batch (addr add x$n)$([ $big = 1 ] &&
		echo '; verify: ip -o addr show dev lo; no-op: sysctl -w + ip -batch of addr replace')" \
		"lvsdr apply -q$([ $big = 1 ] && echo '; lvsdr verify; lvsdr apply -q again')"

	runs=$(runs "$3")
	say "$scen: $runs runs of each, alternating"
	rs_lo_reset || return 1
	for ((i = 0; i < runs; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr base" || echo "base lvsdr"); do
			if [ "$side" = base ]; then
				sw rs1 -N "$(ns rs1)" -- sysctl -qw "${knobs[@]}" :: ip -batch "$add" || return 1
				sample "$scen" "apply wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
				sample "$scen" "apply peak RSS" KiB baseline "$SW_maxrss_kb"
				if [ $big = 1 ]; then
					sw rs1 -N "$(ns rs1)" -- ip -o addr show dev lo || return 1
					sample "$scen" "verify wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
					sample "$scen" "verify peak RSS" KiB baseline "$SW_maxrss_kb"
					sw rs1 -N "$(ns rs1)" -- sysctl -qw "${knobs[@]}" :: ip -batch "$replace" || return 1
					sample "$scen" "no-op apply wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
					rs_lo_reset || return 1
				else
					sw rs1 -N "$(ns rs1)" -- ip -batch "$del" || return 1
					sample "$scen" "remove VIPs (release)" ms baseline "$(us_to_ms "$SW_wall_us")"
					rs_knobs_off || return 1
				fi
			else
				sw rs1 -N "$(ns rs1)" -- "$LVSDR" apply -q "$prof" || return 1
				sample "$scen" "apply wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
				sample "$scen" "apply peak RSS" KiB lvsdr "$SW_maxrss_kb"
				if [ $big = 1 ]; then
					sw rs1 -N "$(ns rs1)" -- "$LVSDR" verify "$prof" || return 1
					sample "$scen" "verify wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
					sample "$scen" "verify peak RSS" KiB lvsdr "$SW_maxrss_kb"
					sw rs1 -N "$(ns rs1)" -- "$LVSDR" apply -q "$prof" || return 1
					sample "$scen" "no-op apply wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
					rs_lo_reset || return 1
				else
					sw rs1 -N "$(ns rs1)" -- "$LVSDR" release -q "$prof" || return 1
					sample "$scen" "remove VIPs (release)" ms lvsdr "$(us_to_ms "$SW_wall_us")"
					rs_knobs_off || return 1
				fi
			fi
		done
	done
}

# list_n N RUNS: with N VIPs bound, lvsdr verify against the listing it
# cannot do without, `ip -o addr show dev lo`.
list_n() {
	local n=$1 runs i side scen="verify-$1 (IPv6)"
	local list=$BENCH_TMP/rs-$n.list prof=$BENCH_TMP/rs-$n.ini

	vip_list "$n" 6 "$list"
	realserver_profile "$prof" "$list"
	describe "$scen" "ip -o addr show dev lo" "lvsdr verify (in sync)"
	rs_lo_reset && on rs1 "$LVSDR" apply -q "$prof" || return 1
	runs=$(runs "$2")
	say "$scen: $runs runs of each, alternating"
	for ((i = 0; i < runs; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr base" || echo "base lvsdr"); do
			if [ "$side" = base ]; then
				sw rs1 -N "$(ns rs1)" -- ip -o addr show dev lo || return 1
			else
				sw rs1 -N "$(ns rs1)" -- "$LVSDR" verify "$prof" || return 1
			fi
			sample "$scen" "wall time" ms "$([ "$side" = base ] && echo baseline || echo lvsdr)" \
				"$(us_to_ms "$SW_wall_us")"
		done
	done
	rs_lo_reset
}

apply_all() {
	apply_n 100 4 15 || return 1
	apply_n 1000 6 9 || return 1
	list_n 5000 15 || return 1
	apply_n 10000 6 5 || return 1
	# The figure /usr/bin/time -v prints as "Maximum resident set size" is
	# the same wait4() counter stopwatch reads: one run shows they agree.
	if [ -x /usr/bin/time ]; then
		local prof=$BENCH_TMP/rs-10000.ini kb
		on rs1 "$LVSDR" apply -q "$prof" || return 1
		kb=$(on rs1 /usr/bin/time -v "$LVSDR" verify "$prof" 2>&1 >/dev/null |
			awk -F': ' '/Maximum resident set size/ { print $2 }')
		note "apply-10000: /usr/bin/time -v says lvsdr verify peaks at ${kb:-?} KiB (compare the verify peak RSS row)"
		rs_lo_reset
	fi
}
