#!/usr/bin/env bash
# The man pages: lint-clean under mandoc, and in step with the code they
# describe. Keys, subcommands, exit statuses and GARP defaults are read from
# the source, so a key added to src/profile.c fails here until it is
# documented.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

man5=$LVSDR_ROOT/man/lvsdr.ini.5
man8=$LVSDR_ROOT/man/lvsdr.8
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# lint NAME PAGE: mandoc must print nothing at level warning or above.
lint() {
	local name=$1 page=$2 out
	if ! command -v mandoc >/dev/null 2>&1; then
		not_ok "$name: mandoc is not installed (make test-deps installs it)"
		return
	fi
	if [ ! -f "$page" ]; then
		not_ok "$name: $page is missing"
		return
	fi
	if out=$(mandoc -Tlint -W warning "$page" 2>&1) && [ -z "$out" ]; then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# section_text PAGE MACRO TITLE: the lines from ".MACRO TITLE" (or with a
# trailing \&, which keeps mandoc from reading "]" as a delimiter) up to
# the next .Sh (or .Ss when MACRO is Ss).
section_text() {
	awk -v head=".$2 $3" -v macro="$2" '
		$0 == head || $0 == head "\\&" { on = 1; next }
		on && ($1 == ".Sh" || $1 == "." macro) { exit }
		on { print }' "$1"
}

# item_text TEXT KEY: the body of ".It Cm KEY ..." up to the next .It or .El
# at the same depth.
item_text() {
	awk -v key="$2" '
		!on && $1 == ".It" && $2 == "Cm" && $3 == key { on = 1; depth = 0; next }
		on && /^\.Bl/ { depth++ }
		on && /^\.El/ { if (depth == 0) exit; depth-- }
		on && depth == 0 && /^\.It/ { exit }
		on { print }' <<<"$1"
}

lint "mandoc -Tlint lvsdr.ini.5" "$man5"
lint "mandoc -Tlint lvsdr.8" "$man8"

# Every key of key_table in src/profile.c, listed as ".It Cm key" in the
# subsection of its section: lines like
#	[KEY_ROLE]      = { SEC_HOST, "role",      false, false },
keys=$(sed -n 's/^[[:space:]]*\[KEY_[A-Z_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*SEC_\([A-Z]*\),[[:space:]]*"\([^"]*\)".*/\1 \2/p' \
	"$LVSDR_ROOT/src/profile.c")
if [ -z "$keys" ]; then
	not_ok "lvsdr.ini.5 keys: no key found in src/profile.c's key_table (has its layout changed?)"
elif [ ! -f "$man5" ]; then
	not_ok "lvsdr.ini.5 keys: $man5 is missing"
else
	while read -r sec key; do
		sec=$(tr '[:upper:]' '[:lower:]' <<<"$sec")
		text=$(section_text "$man5" Ss "[$sec]")
		if [ -z "$text" ]; then
			not_ok "lvsdr.ini.5 documents [$sec] $key: no '.Ss [$sec]' subsection"
		elif grep -Eq "^\.It Cm $key( |$)" <<<"$text"; then
			ok "lvsdr.ini.5 documents [$sec] $key"
		else
			not_ok "lvsdr.ini.5 documents [$sec] $key: no '.It Cm $key' under .Ss [$sec]"
		fi
	done <<<"$keys"
fi

# The GARP defaults in include/profile.h, as the [garp] items state them.
garp=$(section_text "$man5" Ss "[garp]")
garp_default() { # KEY MACRO UNIT
	local want
	want=$(sed -n "s/^#define $2 \([0-9]*\).*/\1/p" "$LVSDR_ROOT/include/profile.h")
	[ -n "$want" ] || { not_ok "lvsdr.ini.5 states the default of $1: no $2 in include/profile.h"; return; }
	[ "$want" != 0 ] && want=$want$3
	if item_text "$garp" "$1" | grep -Eq "default $want([^0-9a-z]|$)"; then
		ok "lvsdr.ini.5 states the default of $1 ($want)"
	else
		not_ok "lvsdr.ini.5 states the default of $1: 'default $want' not in its item"
	fi
}
garp_default count LVSDR_GARP_COUNT ""
garp_default interval LVSDR_GARP_INTERVAL_MS ms
garp_default refresh LVSDR_GARP_REFRESH_MS ms
mode=$(sed -n 's/^#define LVSDR_GARP_MODE GARP_\([A-Z]*\).*/\1/p' "$LVSDR_ROOT/include/profile.h" | tr '[:upper:]' '[:lower:]')
if [ -n "$mode" ] && item_text "$garp" mode | grep -Eq "[Dd]efault $mode([^a-z]|$)"; then
	ok "lvsdr.ini.5 states the default of mode ($mode)"
else
	not_ok "lvsdr.ini.5 states the default of mode: '${mode:-?}' from include/profile.h not in its item"
fi

# The profiles in EXAMPLES are meant to be pasted: each must pass check.
if [ ! -x "$LVSDR" ]; then
	not_ok "lvsdr.ini.5 examples pass lvsdr check: $LVSDR is not built"
else
	section_text "$man5" Sh EXAMPLES | awk -v dir="$tmp" '
		/^\.Bd -literal/ { n++; file = dir "/example-" n ".ini"; on = 1; next }
		/^\.Ed/ { on = 0; close(file); next }
		on { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print > file }'
	found=0
	for f in "$tmp"/example-*.ini; do
		if [ ! -f "$f" ] || ! grep -q '^\[host\]' "$f"; then
			continue
		fi
		found=$((found + 1))
		if out=$(lvsdr check "$f" 2>&1); then
			ok "lvsdr.ini.5 example $found passes lvsdr check"
		else
			not_ok "lvsdr.ini.5 example $found passes lvsdr check"
			printf '%s\n' "$out" | sed 's/^/#   /'
		fi
	done
	[ "$found" -gt 0 ] || not_ok "lvsdr.ini.5 examples pass lvsdr check: no profile found in EXAMPLES"

	# DIAGNOSTICS shows a broken web1.ini and what check prints for it,
	# long lines wrapped with a two-space indent: the page must stay true.
	mkdir "$tmp/diag"
	section_text "$man5" Sh DIAGNOSTICS | awk -v dir="$tmp/diag" '
		/^\.Bd -literal/ { n++; file = dir "/block-" n; on = 1; next }
		/^\.Ed/ { on = 0; close(file); next }
		on { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print > file }'
	profile='' want=''
	for f in "$tmp"/diag/block-*; do
		[ -f "$f" ] || continue
		grep -q '^\[host\]' "$f" && profile=$f
		grep -q '^web1\.ini:' "$f" && want=$f
	done
	if [ -z "$profile" ] || [ -z "$want" ]; then
		not_ok "lvsdr.ini.5 DIAGNOSTICS shows what lvsdr check prints: no web1.ini profile and output found"
	else
		cp "$profile" "$tmp/diag/web1.ini"
		awk 'NR > 1 && /^  / { line = line " " substr($0, 3); next }
		     NR > 1 { print line } { line = $0 } END { print line }' "$want" >"$tmp/diag/want"
		# The message names the file as given: run from its directory.
		# shellcheck disable=SC2016
		expect_output "lvsdr.ini.5 DIAGNOSTICS shows what lvsdr check prints" 2 "$tmp/diag/want" \
			bash -c 'cd "$1" && $2 "$3" check web1.ini' _ "$tmp/diag" "${LVSDR_WRAP:-}" "$LVSDR"
	fi
fi

# Every subcommand of src/main.c's table in the SYNOPSIS of lvsdr.8, and with
# a subsection of its own: lines like
#	{ "check",  check_main,  "Validate profiles ..." },
cmds=$(sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z-]*\)",[[:space:]]*[a-z_]*_main,.*/\1/p' "$LVSDR_ROOT/src/main.c")
if [ -z "$cmds" ]; then
	not_ok "lvsdr.8 subcommands: none found in src/main.c's table (has its layout changed?)"
elif [ ! -f "$man8" ]; then
	not_ok "lvsdr.8 subcommands: $man8 is missing"
else
	synopsis=$(section_text "$man8" Sh SYNOPSIS)
	for cmd in $cmds; do
		if ! grep -Eq "^\.Cm $cmd( |$)" <<<"$synopsis"; then
			not_ok "lvsdr.8 documents $cmd: not in SYNOPSIS"
		elif ! grep -qx "\.Ss $cmd" "$man8"; then
			not_ok "lvsdr.8 documents $cmd: no '.Ss $cmd' subsection"
		else
			ok "lvsdr.8 documents $cmd"
		fi
	done
fi

# Every exit status of enum lvsdr_exit in EXIT STATUS.
codes=$(sed -n 's/^[[:space:]]*LVSDR_EXIT_[A-Z_]*[[:space:]]*=[[:space:]]*\([0-9]*\),.*/\1/p' "$LVSDR_ROOT/include/lvsdr.h")
status=$(section_text "$man8" Sh "EXIT STATUS")
missing=
for c in $codes; do
	grep -qx "\.It $c" <<<"$status" || missing="$missing $c"
done
if [ -z "$codes" ]; then
	not_ok "lvsdr.8 lists every exit status: none found in include/lvsdr.h"
elif [ -n "$missing" ]; then
	not_ok "lvsdr.8 lists every exit status: missing$missing"
else
	ok "lvsdr.8 lists every exit status ($(tr '\n' ' ' <<<"$codes" | sed 's/ $//'))"
fi
