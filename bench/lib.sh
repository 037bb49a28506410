# shellcheck shell=bash
# Shared by bench/run and the scenario files it sources: recording samples,
# timing a command, the summary table and the JSON file.
#
#   describe SCENARIO BASELINE LVSDR     what the two sides of SCENARIO run
#   sample SCENARIO METRIC UNIT SIDE V   one measurement (SIDE: baseline|lvsdr)
#   note TEXT                            a line printed under the table
#   sw HOST ARGS...                      bench/stopwatch ARGS in HOST's namespace;
#                                        its result line lands in $SW (and SW_x)
#   runs N                               N, or fewer with BENCH_QUICK=1
#   bench_table, bench_json FILE         the outputs
#
# Samples go to $BENCH_TMP/samples.tsv, one per line:
#   scenario <TAB> metric <TAB> unit <TAB> side <TAB> value

SAMPLES=$BENCH_TMP/samples.tsv
DESCRIPTIONS=$BENCH_TMP/describe.tsv
NOTES=$BENCH_TMP/notes.txt
: >"$SAMPLES"
: >"$DESCRIPTIONS"
: >"$NOTES"

describe() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$DESCRIPTIONS"; }
sample() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$SAMPLES"; }
note() { printf '%s\n' "$*" >>"$NOTES"; echo "# note: $*" >&2; }
say() { echo "# $*" >&2; }

runs() {
	if [ "${BENCH_QUICK:-0}" = 1 ]; then echo 3; else echo "$1"; fi
}

# us_to_ms MICROSECONDS: milliseconds with three decimals; -1 stays -1.
us_to_ms() {
	awk -v u="$1" 'BEGIN { if (u < 0) print -1; else printf "%.3f\n", u / 1000 }'
}

# sw HOST STOPWATCH-ARGS...: run bench/stopwatch inside HOST's namespace
# (it watches that namespace's interfaces; -N puts the commands elsewhere).
# Sets SW to its line and SW_status, SW_wall_us, ... to each field. A
# failed command is shown with the tail of its log and returns 1.
sw() {
	local host=$1 field
	shift
	# shellcheck disable=SC2034 # read by the scenario files
	SW_status='' SW_wall_us='' SW_maxrss_kb='' SW_frames='' SW_announced='' SW_first_frame_us='' SW_all_frames_us='' \
		SW_moved='' SW_first_move_us='' SW_all_moved_us='' SW_drops='' SW_overrun='' SW_trigger_us=''
	: >"$BENCH_TMP/cmd.log"
	SW=$(on "$host" "$STOPWATCH" -l "$BENCH_TMP/cmd.log" "$@") || {
		say "stopwatch failed: $*"
		return 1
	}
	for field in $SW; do
		printf -v "SW_${field%%=*}" '%s' "${field#*=}"
	done
	if [ "$SW_status" != 0 ]; then
		say "command failed (status $SW_status): $*"
		tail -n 5 "$BENCH_TMP/cmd.log" | sed 's/^/#   /' >&2
		return 1
	fi
}

# The statistics of one side, as "n median min max" or "0 - - -".
# Shared by the table and the JSON writer.
BENCH_STATS_AWK='
function stats(list,    v, n, i, j, t, med) {
	n = split(list, v, " ")
	if (n == 0) return "0 - - -"
	for (i = 2; i <= n; i++) {          # insertion sort: a few dozen values at most
		t = v[i] + 0
		for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return n " " med " " v[1] " " v[n]
}
function fmt(x) {
	if (x == "-") return "-"
	x += 0
	if (x >= 1000 || x == int(x)) return sprintf("%.0f", x)
	if (x >= 100) return sprintf("%.0f", x)
	if (x >= 10) return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}
function load(file,    line, f, k) {
	while ((getline line < file) > 0) {
		split(line, f, "\t")
		k = f[1] SUBSEP f[2] SUBSEP f[3]
		if (!(k in seen)) { seen[k] = 1; order[++nkeys] = k }
		vals[k, f[4]] = vals[k, f[4]] (vals[k, f[4]] == "" ? "" : " ") f[5]
	}
	close(file)
}
'

# bench_table: one line per scenario and metric, baseline beside lvsdr.
bench_table() {
	awk -F '\t' "$BENCH_STATS_AWK"'
	BEGIN {
		load(ARGV[1]); ARGV[1] = ""
		fmtline = "%-25s %-34s %-6s %24s %24s %8s\n"
		printf fmtline, "scenario", "metric", "unit", "baseline median [min-max]", "lvsdr median [min-max]", "ratio"
		for (i = 1; i <= nkeys; i++) {
			k = order[i]; split(k, p, SUBSEP)
			split(stats(vals[k, "baseline"]), b, " ")
			split(stats(vals[k, "lvsdr"]), l, " ")
			bs = b[1] ? sprintf("%s [%s-%s]", fmt(b[2]), fmt(b[3]), fmt(b[4])) : "-"
			ls = l[1] ? sprintf("%s [%s-%s]", fmt(l[2]), fmt(l[3]), fmt(l[4])) : "-"
			ratio = (b[1] && l[1] && b[2] > 0) ? sprintf("%.2f%s", l[2] / b[2], l[2] > b[2] ? " *" : "") : "-"
			runs = b[1] > l[1] ? b[1] : l[1]
			printf fmtline, p[1], p[2] " (n=" runs ")", p[3], bs, ls, ratio
		}
	}' "$SAMPLES"
}

# bench_json FILE: every sample and its statistics, with the commands each
# side ran and the notes.
bench_json() {
	awk -F '\t' -v kernel="$(uname -r)" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		-v lvsdr="$LVSDR" -v quick="${BENCH_QUICK:-0}" "$BENCH_STATS_AWK"'
	function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); return "\"" s "\"" }
	function side(list,    s, n, v, i, out) {
		split(stats(list), s, " ")
		if (!s[1]) return "null"
		n = split(list, v, " ")
		out = ""
		for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") v[i]
		return sprintf("{\"n\": %d, \"median\": %s, \"min\": %s, \"max\": %s, \"samples\": [%s]}", \
			s[1], s[2], s[3], s[4], out)
	}
	BEGIN {
		load(ARGV[1]); ARGV[1] = ""
		while ((getline line < ARGV[2]) > 0) { split(line, f, "\t"); cmdb[f[1]] = f[2]; cmdl[f[1]] = f[3] }
		ARGV[2] = ""
		printf "{\n  \"date\": %s,\n  \"kernel\": %s,\n  \"lvsdr\": %s,\n  \"quick\": %s,\n", \
			q(date), q(kernel), q(lvsdr), quick == 1 ? "true" : "false"
		printf "  \"results\": [\n"
		for (i = 1; i <= nkeys; i++) {
			k = order[i]; split(k, p, SUBSEP)
			split(stats(vals[k, "baseline"]), b, " ")
			split(stats(vals[k, "lvsdr"]), l, " ")
			ratio = (b[1] && l[1] && b[2] > 0) ? sprintf("%.4f", l[2] / b[2]) : "null"
			printf "    {\"scenario\": %s, \"metric\": %s, \"unit\": %s,\n", q(p[1]), q(p[2]), q(p[3])
			printf "     \"baseline_command\": %s, \"lvsdr_command\": %s,\n", q(cmdb[p[1]]), q(cmdl[p[1]])
			printf "     \"baseline\": %s,\n", side(vals[k, "baseline"])
			printf "     \"lvsdr\": %s,\n", side(vals[k, "lvsdr"])
			printf "     \"ratio\": %s}%s\n", ratio, i < nkeys ? "," : ""
		}
		printf "  ],\n  \"notes\": ["
		n = 0
		while ((getline line < ARGV[3]) > 0) printf "%s\n    %s", n++ ? "," : "", q(line)
		printf "%s]\n}\n", n ? "\n  " : ""
	}' "$SAMPLES" "$DESCRIPTIONS" "$NOTES" >"$1"
}

# bench_legend: what each scenario's two sides run.
bench_legend() {
	awk -F '\t' '{ printf "%-25s baseline: %s\n%-25s lvsdr:    %s\n", $1, $2, "", $3 }' "$DESCRIPTIONS"
}
