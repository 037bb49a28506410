# shellcheck shell=bash
# Scenario 4: instructions executed (valgrind's callgrind, "Ir"), a figure
# that does not move with the machine's load. Sourced by bench/run; uses
# the real-server profile of 10,000 VIPs that apply.sh writes.
#
#   check:  lvsdr check of the profile (no baseline: nothing else parses it)
#   verify: lvsdr verify with the 10,000 VIPs bound, beside
#           ip -o addr show dev lo, the listing it cannot do without
#
# The annotated profile of each lvsdr run is kept beside BENCH_OUT.

# callgrind_ir OUT: the total instruction count callgrind wrote to OUT.
callgrind_ir() {
	awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# callgrind_one HOST NAME SIDE CMD...: CMD under callgrind in HOST; the
# total in millions as a sample, and for lvsdr the top functions shown.
callgrind_one() {
	local host=$1 metric=$2 side=$3 out=$BENCH_TMP/callgrind.$RANDOM ir
	shift 3
	if ! on "$host" valgrind -q --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$BENCH_TMP/vg.log"; then
		# verify and check have their own exit codes; only a missing file is fatal
		[ -s "$out" ] || { sed 's/^/#   /' "$BENCH_TMP/vg.log" >&2; return 1; }
	fi
	ir=$(callgrind_ir "$out")
	[ -n "$ir" ] || return 1
	sample "callgrind-10000" "$metric" "M instr" "$side" "$(awk -v i="$ir" 'BEGIN { printf "%.2f\n", i / 1e6 }')"
	if [ "$side" = lvsdr ] && command -v callgrind_annotate >/dev/null; then
		local keep=${BENCH_OUT%.json}.callgrind-${metric%% *}.txt
		callgrind_annotate --inclusive=no "$out" >"$keep" 2>/dev/null
		say "callgrind: lvsdr $metric: $ir instructions; the top functions (all in $keep):"
		awk '/file:function/ { head = 1; next } head && /^-+$/ { go = 1; next } go && NF && n++ < 8' "$keep" |
			cut -c1-150 | sed 's/^/#   /' >&2
	fi
	rm -f "$out"
}

callgrind_all() {
	local prof=$BENCH_TMP/rs-10000.ini list=$BENCH_TMP/rs-10000.list

	if ! command -v valgrind >/dev/null; then
		note "callgrind: skipped, no valgrind"
		return 0
	fi
	if [ ! -f "$prof" ]; then
		vip_list 10000 6 "$list"
		realserver_profile "$prof" "$list"
	fi
	describe "callgrind-10000" "verify: ip -o addr show dev lo (check: none)" \
		"lvsdr check -q PROFILE; lvsdr verify PROFILE (10,000 VIPs bound)"
	say "callgrind: check and verify of 10,000 VIPs"
	callgrind_one rs1 "check (profile only)" lvsdr "$LVSDR" check -q "$prof" || return 1
	rs_lo_reset && on rs1 "$LVSDR" apply -q "$prof" || return 1
	callgrind_one rs1 "verify (10000 bound)" baseline ip -o addr show dev lo || return 1
	callgrind_one rs1 "verify (10000 bound)" lvsdr "$LVSDR" verify "$prof" || return 1
	rs_lo_reset
}
