# shellcheck shell=bash
# shellcheck disable=SC2154 # SW_* are set by sw() in bench/lib.sh
# Scenario range: a real server (the lab's rs1) takes N VIPs as one range
# (issue 20). Sourced by bench/run, after the lab is up.
#
#   baseline: ip -batch of N `addr add A/32 dev lo label lo:lvsdr` lines, in
#             a namespace of its own made for the run (lo up, nothing else),
#             so that removing 100,000 addresses never slows the next run
#   lvsdr:    lvsdr apply -q of a profile with `range = PREFIX` on rs1 (the
#             two knobs and one local route), then lvsdr release -q
#
# The addresses are IPv4 198.18.0.0/15 (RFC 2544's benchmarking block, the
# one IPv4 block with room for 100,000): the first N of it for the baseline,
# the smallest prefix holding N for lvsdr. The baseline's cost per address
# grows with the addresses already bound, so at 100,000 it runs once, under
# a time limit (RANGE_BASE_LIMIT_S, default 300 s; 60 s with BENCH_QUICK=1):
# a run cut there is recorded as the limit and noted as a lower bound.

RANGE_NS=lvsdr-bench-range-$$

# range_prefix N: the smallest prefix of 198.18.0.0 that holds N addresses.
range_prefix() {
	local bits=0
	while ((1 << bits < $1)); do bits=$((bits + 1)); done
	echo "198.18.0.0/$((32 - bits))"
}

# range_batch N FILE: the baseline's ip -batch lines.
range_batch() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "addr add 198.%d.%d.%d/32 dev lo label lo:lvsdr\n", 18 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$2"
}

range_rs_reset() {
	on rs1 ip route flush table local type local dev lo proto static 2>/dev/null
	rm -f "$(lab_record rs1 2>/dev/null)" 2>/dev/null
	rs_knobs_off
}

# range_base N LIMIT_S: one baseline run in a fresh namespace; sets SW_*.
# Returns 2 when the limit cut it.
range_base() {
	local batch=$BENCH_TMP/range-$1.batch ret=0
	[ -s "$batch" ] || range_batch "$1" "$batch"
	ip netns add "$RANGE_NS" && ip -n "$RANGE_NS" link set lo up || return 1
	sw rs1 -N "$RANGE_NS" -T "$(($2 * 1000))" -- ip -batch "$batch" || ret=1
	if [ "$SW_status" = 124 ]; then
		ret=2
		RANGE_CUT_AT=$(ip -n "$RANGE_NS" -4 -o addr show dev lo | grep -c ' 198\.18\.')
	fi
	ip netns del "$RANGE_NS"
	return $ret
}

# range_n N RUNS BASE_RUNS: lvsdr's apply, verify and release of the range
# RUNS times; the baseline BASE_RUNS times, alternating while both run.
range_n() {
	local n=$1 scen="range-$1 (IPv4)" prefix prof=$BENCH_TMP/range-$1.ini i side runs base_runs limit ret
	prefix=$(range_prefix "$n")
	limit=${RANGE_BASE_LIMIT_S:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 60 || echo 300)}
	{
		printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\nrange = %s\n' "$prefix"
		[ "${prefix#*/}" -lt 16 ] && printf 'wide = yes\n'
	} >"$prof"
	describe "$scen" "ip -batch (addr add x$n on lo, fresh namespace)" \
		"lvsdr apply -q (range = $prefix); lvsdr verify; lvsdr release -q"
	runs=$(runs "$2")
	base_runs=$3
	[ "$base_runs" -gt "$runs" ] && base_runs=$runs
	say "$scen: $runs lvsdr runs, $base_runs baseline runs (limit $limit s), alternating"
	range_rs_reset || return 1
	for ((i = 0; i < runs; i++)); do
		for side in $( ((i % 2)) && echo "lvsdr base" || echo "base lvsdr"); do
			if [ "$side" = base ]; then
				[ "$i" -lt "$base_runs" ] || continue
				range_base "$n" "$limit"
				ret=$?
				if [ "$ret" = 2 ]; then
					sample "$scen" "bind wall time" ms baseline "$((limit * 1000))"
					note "$scen: the baseline did not finish within ${limit} s ($RANGE_CUT_AT of $n addresses bound by then); its row is that limit, a lower bound"
				elif [ "$ret" = 0 ]; then
					sample "$scen" "bind wall time" ms baseline "$(us_to_ms "$SW_wall_us")"
				else
					return 1
				fi
				continue
			fi
			sw rs1 -N "$(ns rs1)" -- "$LVSDR" apply -q "$prof" || return 1
			sample "$scen" "bind wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
			sample "$scen" "apply peak RSS" KiB lvsdr "$SW_maxrss_kb"
			sw rs1 -N "$(ns rs1)" -- "$LVSDR" verify "$prof" || return 1
			sample "$scen" "verify wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
			sw rs1 -N "$(ns rs1)" -- "$LVSDR" release -q "$prof" || return 1
			sample "$scen" "release wall time" ms lvsdr "$(us_to_ms "$SW_wall_us")"
			range_rs_reset || return 1
		done
	done
}

range_all() {
	range_n 10000 9 3 || return 1
	range_n 100000 9 1 || return 1
	note "range: lvsdr binds the same one route at any N; compare its bind rows at 10,000 and 100,000"
}
