#!/usr/bin/env bash
# The size rules (HACKING.md): no file of src/ over 650 lines
# and no function over 80 body lines, so a file or a function that grows
# past them is split by responsibility when it grows, not years later.
# A function is what clang-format's Linux braces make of it: a line that
# opens a definition at column 0 ending in ')' (or a '{' alone after one),
# its body the lines between the '{' and the '}' at column 0.
#
#   tests/lib/sizes.sh [ROOT]     (make lint)
# prints one line per breach, as
#   FILE:LINE: function NAME has N body lines (at most 80)
#   FILE: N lines (at most 650)
# and exits 1 when there is any, 0 (with one summary line) when none.
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2
max_body=80 max_file=650

awk -v max_body="$max_body" -v max_file="$max_file" '
FNR == 1 { name = ""; inbody = 0; candidate = "" }
# A definition opens at column 0 with a name followed by "(": remember it
# until the "{" alone on a line that starts its body.
!inbody && /^[A-Za-z_][^;=]*[A-Za-z0-9_]\(/ && !/^(static )?(const )?(struct|enum|union) [A-Za-z0-9_]+ *\{/ {
	candidate = $0
	sub(/\(.*/, "", candidate)
	sub(/.*[ *]/, "", candidate)
	cline = FNR
}
!inbody && /^\{$/ && candidate != "" {
	inbody = 1; name = candidate; start = FNR; candidate = ""
	next
}
!inbody && /;[ \t]*$/ && !/^[ \t]/ { candidate = "" }
inbody && /^\}/ {
	inbody = 0
	body = FNR - start - 1
	nfuncs++
	if (body > max_body) {
		printf "%s:%d: function %s has %d body lines (at most %d)\n", FILENAME, cline, name, body, max_body
		bad++
	}
}
ENDFILE {
	nfiles++
	if (FNR > max_file) {
		printf "%s: %d lines (at most %d)\n", FILENAME, FNR, max_file
		bad++
	}
}
END {
	if (bad) exit 1
	printf "  SIZES   %d functions in %d files of src/: none over %d body lines, no file over %d lines\n", nfuncs, nfiles, max_body, max_file
}' src/*.c
