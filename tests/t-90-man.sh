#!/usr/bin/env bash
# The man pages: lint-clean under mandoc, and in step with the code they
# describe. Keys, subcommands, options, exit statuses, environment variables
# and GARP defaults are read from the source or from each command's --help,
# so a key added to src/profile.c or an option added to a command fails here
# until it is documented. The transcripts and the JSON of lvsdr.8 are
# replayed in a throw-away network namespace, so the page shows what the
# tool prints:
#
#     [lvsdr-t90-$$]   eth0 <--veth--> peer0    (both ends inside; nothing
#      lo                                        reaches the host's network)
#
# A fresh namespace and a fresh LVSDR_RUNDIR for every transcript: each
# starts from the kernel's defaults with no VIP bound.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

man5=$LVSDR_ROOT/man/lvsdr.ini.5
man8=$LVSDR_ROOT/man/lvsdr.8
manout=$LVSDR_ROOT/man/lvsdr-output.5
mancl=$LVSDR_ROOT/man/lvsdr-cluster.7
scratch_netns t90
tmp=$TMP

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
lint "mandoc -Tlint lvsdr-output.5" "$manout"
lint "mandoc -Tlint lvsdr-cluster.7" "$mancl"

# man(1) renders each page as an installed one is read, without a warning
# (groff's, such as a line it cannot break or fit).
if command -v man >/dev/null 2>&1; then
	for page in "$man8" "$man5" "$manout" "$mancl"; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		check "man --warnings -l ${page##*/} warns of nothing${out:+: $out}" test -z "$out"
	done
else
	not_ok "man --warnings -l renders each page: man is not installed (make test-deps installs man-db)"
fi

# Every cross-reference holds: an .Xr to an lvsdr page names a page of man/,
# and an .Sx names a .Sh or .Ss of its own page, or with "in Xr PAGE N"
# (".Pq see Sx BOOT in Xr lvsdr-cluster 7 .") one of that page.
# xrefs PAGE: "TARGET<TAB>TITLE" for each .Sx, "TARGET<TAB>" for each .Xr.
xrefs() {
	sed -nE -e 's/^.*Xr (lvsdr[a-z.-]*) ([0-9]).*$/\1.\2\t/p' "$1"
	sed -nE -e '/(^\.| )Sx /{s/^.*Sx //; s/( [][().,:;!?]+)+$//
		/ in Xr lvsdr[a-z.-]* [0-9]$/{s/^(.*) in Xr (lvsdr[a-z.-]*) ([0-9])$/\2.\3\t\1/p; d}
		s/^/'"${1##*/}"'\t/p}' "$1"
}
for page in "$man8" "$man5" "$manout" "$mancl"; do
	bad=
	while IFS=$'\t' read -r target title; do
		if [ ! -f "$LVSDR_ROOT/man/$target" ]; then
			bad="$bad; no man/$target"
		elif [ -n "$title" ] && ! grep -Fqx -e ".Sh $title" -e ".Ss $title" -e ".Ss $title\\&" "$LVSDR_ROOT/man/$target"; then
			bad="$bad; no '$title' in $target"
		fi
	done < <(xrefs "$page" | sort -u)
	check "${page##*/}: every .Xr to an lvsdr page and every .Sx finds its target${bad:+ (${bad#; })}" test -z "$bad"
done

# lost_words PAGE: macro lines where a word meant as text is parsed as a
# macro and vanishes, which mandoc -Tlint does not flag: No right after
# the macro (".Ql No VIP specified" renders 'VIP specified'), or a
# macro name that reads as a word anywhere among the arguments (At, An, In,
# ...). Each candidate line is rendered alone with mandoc -T utf8 and
# reported only if the word is missing from the output: "Li inet No or"
# means to use No, and keeps every word it prints.
lost_words() {
	local page=$1 n line word rendered
	awk '
		/^\.(Dd|Dt|Os|Bd|Bl|Ed|El|Pp|\\")( |$)/ { next }
		/^\.[A-Z][a-z]+( |$)/ {
			if ($2 == "No") { print FNR "\t" $2 "\t" $0; next }
			for (i = 2; i <= NF; i++)
				if ($i ~ /^(At|An|In|Ms|Er|Ad|Ap|Ux|Bx|Bsx|Fx|Nx|Ox|Dx|St|Lb)$/) {
					print FNR "\t" $i "\t" $0
					next
				}
		}' "$page" | while IFS=$'\t' read -r n word line; do
		rendered=$(printf '.Dd $Mdocdate$\n.Dt X 8\n.Os\n.Sh DESCRIPTION\n%s\n' "$line" |
			mandoc -T utf8 -O width=500 2>/dev/null | col -b)
		grep -qw -- "$word" <<<"$rendered" ||
			printf '%s:%s: "%s" is read as a macro and lost: %s\n' "${page##*/}" "$n" "$word" "$line"
	done
}
for page in "$man5" "$man8" "$manout" "$mancl"; do
	out=$(lost_words "$page")
	if [ -z "$out" ]; then
		ok "${page##*/}: no word meant as text is read as an mdoc macro and lost (mandoc -T utf8)"
	else
		not_ok "${page##*/}: no word meant as text is read as an mdoc macro and lost (mandoc -T utf8)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done
# The same check must catch the fault it was written for.
printf '.Ql No VIP specified; at least one is sensible\n' >"$tmp/lost.8"
check "lost_words catches '.Ql No VIP specified' (it renders without 'No')" \
	bash -c '[ -n "$1" ]' _ "$(lost_words "$tmp/lost.8")"

# Every key of key_table in src/profile.c, listed as ".It Cm key" in the
# subsection of its section, every key of svc_keys in
# src/profile_service.c under ".Ss [service NAME]", and of sync_keys in
# src/profile_sync.c under ".Ss [sync]": lines like
#	[KEY_ROLE]      = { SEC_HOST, "role",      false, false },
#	[SVC_ADDRESS]            = { "address",            false },
keys=$(sed -n 's/^[[:space:]]*\[KEY_[A-Z_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*SEC_\([A-Z]*\),[[:space:]]*"\([^"]*\)".*/\1 \2/p' \
	"$LVSDR_ROOT/src/profile.c"
	sed -n 's/^[[:space:]]*\[SVC_[A-Z_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*"\([^"]*\)".*/SERVICE \1/p' \
	"$LVSDR_ROOT/src/profile_service.c"
	sed -n 's/^static const char \*const sync_keys\[SYNC_KEY_COUNT\] = { \(.*\) };$/\1/p' \
	"$LVSDR_ROOT/src/profile_sync.c" | tr -d '" ' | tr ',' '\n' | sed 's/^/SYNC /')
if [ -z "$keys" ]; then
	not_ok "lvsdr.ini.5 keys: no key found in src/profile.c's key_table (has its layout changed?)"
elif [ ! -f "$man5" ]; then
	not_ok "lvsdr.ini.5 keys: $man5 is missing"
else
	while read -r sec key; do
		sec=$(tr '[:upper:]' '[:lower:]' <<<"$sec")
		[ "$sec" = service ] && sec="service NAME"
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

# The GARP defaults in include/profile.h, as the [garp] items of lvsdr.ini.5
# state them (lvsdr.8 refers to it and repeats none).
garp_default() { # PAGE TEXT KEY MACRO UNIT
	local page=$1 text=$2 key=$3 want
	want=$(sed -n "s/^#define $4 \([0-9]*\).*/\1/p" "$LVSDR_ROOT/include/profile.h")
	[ -n "$want" ] || { not_ok "$page states the default of $key: no $4 in include/profile.h"; return; }
	[ "$want" != 0 ] && want=$want$5
	if item_text "$text" "$key" | grep -Eq "default $want([^0-9a-z]|$)"; then
		ok "$page states the default of $key ($want)"
	else
		not_ok "$page states the default of $key: 'default $want' not in its item"
	fi
}
mode=$(sed -n 's/^#define LVSDR_GARP_MODE GARP_\([A-Z]*\).*/\1/p' "$LVSDR_ROOT/include/profile.h" | tr '[:upper:]' '[:lower:]')
garp=$(section_text "$man5" Ss "[garp]")
garp_default lvsdr.ini.5 "$garp" count LVSDR_GARP_COUNT ""
garp_default lvsdr.ini.5 "$garp" interval LVSDR_GARP_INTERVAL_MS ms
garp_default lvsdr.ini.5 "$garp" refresh LVSDR_GARP_REFRESH_MS ms
if [ -n "$mode" ] && item_text "$garp" mode | grep -Eq "[Dd]efault $mode([^a-z]|$)"; then
	ok "lvsdr.ini.5 states the default of mode ($mode)"
else
	not_ok "lvsdr.ini.5 states the default of mode: '${mode:-?}' from include/profile.h not in its item"
fi

# The [service NAME] defaults and limits of include/profile.h, as the items
# of lvsdr.ini.5 state them.
service=$(section_text "$man5" Ss "[service NAME]")
svc_define() { # NAME: its number, or its string without quotes
	sed -n -e "s/^#define $1 \"\([a-z]*\)\".*/\1/p" -e "s/^#define $1 \([0-9][0-9]*\).*/\1/p" \
		"$LVSDR_ROOT/include/profile.h"
}
drain_s=$(($(svc_define LVSDR_SERVICE_DRAIN_MS) / 1000)) drain_max_s=$(($(svc_define LVSDR_SERVICE_DRAIN_MAX_MS) / 1000))
check "lvsdr.ini.5 states drain's range and default (0s-${drain_max_s}s, ${drain_s}s)" \
	grep -q "^Range 0s\\\\(en${drain_max_s}s, default ${drain_s}s" <<<"$(item_text "$service" drain)"
persist_max=$(svc_define LVSDR_SERVICE_PERSISTENCE_MAX_S)
check "lvsdr.ini.5 states persistence's limit (${persist_max}s)" \
	grep -q "^Range 1s\\\\(en${persist_max}s," <<<"$(item_text "$service" persistence)"
sched=$(svc_define LVSDR_SERVICE_SCHEDULER)
check "lvsdr.ini.5 states the default scheduler ($sched)" \
	grep -q "default \.Cm $sched (the kernel's default)" <<<"$(item_text "$service" scheduler | tr '\n' ' ')"
weight=$(svc_define LVSDR_SERVICE_WEIGHT) weight_max=$(svc_define LVSDR_SERVICE_WEIGHT_MAX)
check "lvsdr.ini.5 states weight's range and default (0-$weight_max, $weight)" \
	grep -q "0 to $weight_max, default $weight;" <<<"$(tr '\n' ' ' <<<"$service")"

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
codes=$(sed -n 's/^[[:space:]]*LVSDR_EXIT_[A-Z_]*[[:space:]]*=[[:space:]]*\([0-9]*\),.*/\1/p' "$LVSDR_ROOT/include/exit_status.h")
status=$(section_text "$man8" Sh "EXIT STATUS")
missing=
for c in $codes; do
	grep -qx "\.It $c" <<<"$status" || missing="$missing $c"
done
if [ -z "$codes" ]; then
	not_ok "lvsdr.8 lists every exit status: none found in include/exit_status.h"
elif [ -n "$missing" ]; then
	not_ok "lvsdr.8 lists every exit status: missing$missing"
else
	ok "lvsdr.8 lists every exit status ($(tr '\n' ' ' <<<"$codes" | sed 's/ $//'))"
fi

# Each command's options and exit statuses, as its --help prints them: every
# option of the Usage line in the SYNOPSIS entry of the command, every option
# of the help in the command's subsection, every exit status in the "Exit
# status:" list of that subsection.
for cmd in $cmds; do
	text=$(section_text "$man8" Ss "$cmd")
	# The SYNOPSIS lines from ".Cm CMD" to the next ".Nm".
	syn=$(section_text "$man8" Sh SYNOPSIS | awk -v cmd="$cmd" '
		$1 == ".Cm" && $2 == cmd { on = 1; next }
		on && $1 == ".Nm" { exit }
		on { print }')
	if ! help=$(lvsdr "$cmd" --help 2>&1); then
		not_ok "lvsdr $cmd --help exits 0"
		continue
	fi
	missing=
	usage_opts=$(sed -n 's/^Usage: [^ ]* [a-z]* //p' <<<"$help" | grep -oE '[[|]--?[a-zA-Z][a-z-]*' | cut -c2-)
	for opt in $usage_opts; do
		grep -Eq "(^| )Fl ${opt#-}( |$)" <<<"$syn" || missing="$missing $opt"
	done
	if [ -z "$missing" ]; then
		ok "lvsdr.8 SYNOPSIS of $cmd has the options of its usage line (${usage_opts//$'\n'/ })"
	else
		not_ok "lvsdr.8 SYNOPSIS of $cmd has the options of its usage line: missing$missing"
	fi
	missing=
	opts=$( { grep -oE -- '--[a-z][a-z-]*' <<<"$help"; grep -oE '^ +-[a-zA-Z],' <<<"$help" | tr -d ' ,'; } | sort -u)
	for opt in $opts; do
		grep -Eq "(^| )Fl ${opt#-}( |$)" <<<"$text" || missing="$missing $opt"
	done
	if [ -z "$missing" ]; then
		ok "lvsdr.8 describes every option of lvsdr $cmd --help (${opts//$'\n'/ })"
	else
		not_ok "lvsdr.8 describes every option of lvsdr $cmd --help: missing$missing under .Ss $cmd"
	fi
	codes=$(sed -n '/Exit status:/,$p' <<<"$help" | sed 's/.*Exit status://' | grep -oE '\b[0-9]\b' | sort -u)
	[ -n "$codes" ] || continue
	missing=
	for c in $codes; do
		grep -qx "\.It $c" <<<"$text" || missing="$missing $c"
	done
	if [ -z "$missing" ]; then
		ok "lvsdr.8 lists the exit statuses of $cmd (${codes//$'\n'/ })"
	else
		not_ok "lvsdr.8 lists the exit statuses of $cmd: missing '.It N' for$missing under .Ss $cmd"
	fi
done

# Every variable src/ reads from the environment, in ENVIRONMENT.
envs=$(grep -ohE 'getenv\("[A-Z_]+"\)' "$LVSDR_ROOT"/src/*.c | sed -E 's/getenv\("(.*)"\)/\1/' | sort -u)
environment=$(section_text "$man8" Sh ENVIRONMENT)
for v in $envs; do
	check "lvsdr.8 ENVIRONMENT lists $v" grep -qx "\.It Ev $v" <<<"$environment"
done
# define_of NAME FILE: VALUE of FILE's "#define NAME VALUE" (quotes taken
# off), or words no page holds.
define_of() {
	local v
	v=$(sed -n "s/^#define $1 \"\{0,1\}\([^\" ]*\).*/\1/p" "$LVSDR_ROOT/$2")
	echo "${v:-(no #define $1 in $2)}"
}
# states NAME TEXT STRING...: TEXT holds every STRING, as written.
states() {
	local name=$1 text=$2 want missing=
	shift 2
	for want in "$@"; do
		grep -qF -- "$want" <<<"$text" || missing="$missing '$want'"
	done
	if [ -z "$missing" ]; then ok "$name"; else not_ok "$name:$missing not found"; fi
}
rundir=$(define_of LVSDR_RUNDIR src/owned_dir.c)
states "lvsdr.8 ENVIRONMENT names the default run directory ($rundir, src/owned_dir.c)" "$environment" "$rundir"

# The lock timeout and the pacing of announcements, as the code has them.
ms=$(define_of LVSDR_LOCK_TIMEOUT_MS include/engine.h)
states "lvsdr.8 states the lock timeout in FILES ($ms ms)" "$(section_text "$man8" Sh FILES)" \
	"up to $([[ $ms =~ ^[0-9]+$ ]] && echo $((ms / 1000)) || echo "$ms") seconds"
pace=$(define_of PACE_FRAMES src/garp.c)
pause=$(define_of PACE_PAUSE_US src/garp.c)
states "lvsdr.ini.5 states the pacing of announcements in [garp] ($pace frames, $pause us)" \
	"$(section_text "$man5" Ss "[garp]")" "every $pace frames" "$pause \\(*ms"
batch=$(define_of BIND_BATCH_MAX src/execute.c)
states "lvsdr.8 states how takeover batches its binds (1 VIP, doubling up to $batch)" \
	"$(section_text "$man8" Ss takeover)" "double from 1 VIP up to $batch:"

# Every action apply --json and verify --json print, in lvsdr-output.5: the
# IPVS words from src/plan_print.c's table, the others from its format strings.
actions=$(sed -n '/ipvs_op_json\[\] = {/,/^};/s/.*= "\([a-z-]*\)",/\1/p' "$LVSDR_ROOT/src/plan_print.c")
actions="sysctl add remove add-route remove-route $actions"
for a in $actions; do
	check "lvsdr-output.5 lists the change action $a" grep -Eq "^\.Li $a( [,.;]|\$)" "$manout"
done
check "the IPVS change actions were found in src/plan_print.c ($(wc -w <<<"$actions") in all)" test "$(wc -w <<<"$actions")" -eq 11

# Every file of the source tree that a page points to exists.
for page in "$man8" "$man5" "$manout" "$mancl"; do
	while read -r f; do
		check "${page##*/} names $f, which exists" test -e "$LVSDR_ROOT/$f"
	done < <(grep -oE '(profiles|contrib)/[A-Za-z0-9._/@-]*[A-Za-z0-9]' "$page" | sort -u)
done

# The keepalived.conf of KEEPALIVED passes keepalived's own check, with no
# other complaint than the missing VIPs the page explains.
if ! command -v keepalived >/dev/null 2>&1; then
	not_ok "lvsdr-cluster.7 keepalived example passes keepalived --config-test: keepalived is not installed (make test-deps installs it)"
else
	section_text "$mancl" Sh KEEPALIVED | awk '
		/^\.Bd -literal/ { n++; on = n == 1; next }
		/^\.Ed/ { on = 0 }
		on { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print }' >"$tmp/keepalived.conf"
	keepalived --config-test="$tmp/keepalived.log" -f "$tmp/keepalived.conf" >/dev/null 2>&1
	other=$(grep -v 'No VIP specified; at least one is sensible' "$tmp/keepalived.log" 2>/dev/null)
	if grep -q '^vrrp_instance' "$tmp/keepalived.conf" && [ -z "$other" ]; then
		ok "lvsdr-cluster.7 keepalived example passes keepalived --config-test"
	else
		not_ok "lvsdr-cluster.7 keepalived example passes keepalived --config-test"
		printf '%s\n' "$other" | sed 's/^/#   /'
	fi
fi

# --- What needs a network namespace ---------------------------------------

# netns_usable: root and a working `ip netns`. Without them every case below
# is skipped loudly; on CI it fails, as lab_require does.
netns_usable() {
	[ "$(id -u)" = 0 ] && ip netns add "$NS" 2>/dev/null && ip netns del "$NS"
}
NETNS_CASES="transcripts replay, JSON keys documented"
if ! netns_usable; then
	if [ "${CI:-}" = true ]; then
		not_ok "man pages: $NETNS_CASES: need root and network namespaces (CI=true: must run)"
		exit 1
	fi
	skip "man pages: $NETNS_CASES: need root and network namespaces"
	exit 0
fi
if [ ! -x "$LVSDR" ]; then
	not_ok "man pages: $NETNS_CASES: $LVSDR is not built"
	exit 0
fi

# fresh_ns: (re)create $NS as a host with the kernel's defaults: every ARP
# knob 0 (a new namespace copies the host's conf/all and conf/default, and
# eth0 then starts from conf/default), eth0 up, no VIP, a new run directory.
RUNS=0
fresh_ns() {
	local k
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || return 1
	for k in arp_ignore arp_announce arp_filter arp_accept arp_notify; do
		ip netns exec "$NS" sysctl -qw "net.ipv4.conf.all.$k=0" "net.ipv4.conf.default.$k=0" \
			"net.ipv4.conf.lo.$k=0" || return 1
	done
	ip -n "$NS" link add eth0 type veth peer name peer0 || return 1
	ip -n "$NS" link set lo up && ip -n "$NS" link set eth0 up && ip -n "$NS" link set peer0 up || return 1
	RUNS=$((RUNS + 1))
	export LVSDR_RUNDIR=$tmp/run-$RUNS
}

# run_ns ARGS...: lvsdr in $NS, from a copy of profiles/ so that messages
# name the profile as the page does. A copy in our own temporary directory:
# run as root, lvsdr refuses a profile in a tree another user owns, which a
# checkout may be.
mkdir "$tmp/profiles" && cp "$LVSDR_ROOT"/profiles/*.ini "$tmp/profiles/" || exit 1
run_ns() {
	# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
	(cd "$tmp/profiles" && ip netns exec "$NS" ${LVSDR_WRAP:-} "$LVSDR" "$@")
}

# json_squeeze: JSON with the white space outside strings removed; a string
# broken across two lines (as the page does with long ones) gets one space.
json_squeeze() {
	awk '{
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (str) {
				out = out c
				if (esc) esc = 0
				else if (c == "\\") esc = 1
				else if (c == "\"") str = 0
			} else if (c == "\"") {
				out = out c; str = 1
			} else if (c != " " && c != "\t") {
				out = out c
			}
		}
		if (str) out = out " "
	} END { print out }'
}

# The literal blocks of lvsdr.8, lvsdr-output.5 and lvsdr-cluster.7 that are transcripts: "$ lvsdr CMD PROFILE"
# lines, each followed by what it prints, every PROFILE one of profiles/.
mkdir "$tmp/blocks"
awk -v dir="$tmp/blocks" '
	/^\.Bd -literal/ { n++; file = dir "/block-" n; on = 1; next }
	/^\.Ed/ { if (on) close(file); on = 0; next }
	on { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print > file }' "$man8" "$manout" "$mancl"
replayed=0
for block in "$tmp"/blocks/block-*; do
	head -n1 "$block" | grep -q '^\$ lvsdr ' || continue
	replay=1
	while read -r _ _ args; do
		[ -f "$tmp/profiles/${args##* }" ] || replay=0
	done < <(grep '^\$ ' "$block")
	[ "$replay" = 1 ] || continue
	replayed=$((replayed + 1))
	title=$(head -n1 "$block" | cut -c3-)
	[ "$(grep -c '^\$ ' "$block")" -gt 1 ] && title="$title ..."
	if ! fresh_ns; then
		not_ok "man page transcript '$title' replays: cannot create namespace $NS"
		continue
	fi
	# One command at a time: its expected output is every line up to the
	# next "$ ", with the page's wrapped lines (8 spaces) joined again.
	why=
	while IFS= read -r -d $'\x1e' chunk; do
		cmdline=$(head -n1 <<<"$chunk")
		read -ra args <<<"${cmdline#\$ lvsdr }"
		want=$(tail -n +2 <<<"$chunk" | awk 'NR > 1 && /^        / { line = line " " substr($0, 9); next }
			NR > 1 { print line } { line = $0 } END { if (NR) print line }')
		got=$(run_ns "${args[@]}" 2>&1)
		if [[ $want == "{"* ]]; then
			# Compare without layout; show a difference one member a line.
			want=$(json_squeeze <<<"$want" | sed 's/,"/,\n"/g')
			got=$(json_squeeze <<<"$got" | sed 's/,"/,\n"/g')
		fi
		[ "$want" = "$got" ] && continue
		why="$cmdline"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/#   /' >"$tmp/diff"
		break
	done < <(awk 'NR > 1 && /^\$ / { printf "\x1e" } { print } END { printf "\x1e" }' "$block")
	if [ -z "$why" ]; then
		ok "man page transcript '$title' replays"
	else
		not_ok "man page transcript '$title' replays: '$why' prints something else"
		cat "$tmp/diff"
	fi
done
[ "$replayed" -gt 0 ] || not_ok "man page transcripts replay: no transcript on a profile of profiles/ found"

# Every JSON key the tool prints is documented in the JSON subsection as
# ".It Li KEY Pq TYPE", and every key documented there is one it prints. The
# host below makes every member appear: knobs to change (sysctl changes), a
# VIP to bind (add), an address lvsdr bound that no profile lists (a finding
# and a remove), a conf/default value outside its range (a warning), and an
# apply for "result".
json=$(section_text "$manout" Ss JSON)
documented=$(sed -n 's/^\.It Li \([a-z_]*\) Pq .*/\1/p' <<<"$json" | sort -u)
if ! fresh_ns || ! ip -n "$NS" addr add 192.0.2.50/32 dev lo label lo:lvsdr ||
	! ip netns exec "$NS" sysctl -qw net.ipv4.conf.default.arp_announce=9; then
	not_ok "lvsdr-output.5 documents every JSON key: cannot set up namespace $NS"
	exit 0
fi
verify_json=$(run_ns verify --json realserver.ini 2>"$tmp/verify.err")
rc=$?
if [ "$rc" = 1 ]; then
	ok "verify --json exits 1 on drift"
else
	not_ok "verify --json exits 1 on drift (status $rc)"
	sed 's/^/#   /' "$tmp/verify.err"
fi
if apply_json=$(run_ns apply --json realserver.ini 2>"$tmp/apply.err"); then
	ok "apply --json exits 0 when only warnings are left"
else
	not_ok "apply --json exits 0 when only warnings are left"
	sed 's/^/#   /' "$tmp/apply.err"
fi
# A director with [sync] adds sync_daemons (null here without IPVS).
printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 192.0.2.100/24\n[service web]\naddress = 192.0.2.100\nport = tcp/80\nrealserver = 192.0.2.11\n[sync]\n' \
	>"$tmp/profiles/t90-sync.ini"
sync_json=$(run_ns verify --json t90-sync.ini 2>/dev/null)
check "verify --json of a director with [sync] prints sync_daemons" grep -q '"sync_daemons":' <<<"$sync_json"
# Whatever parser a script uses must read it: jq, or Python's.
json_parses() {
	if command -v jq >/dev/null 2>&1; then
		jq -e . >/dev/null 2>&1 <<<"$1"
	else
		python3 -m json.tool >/dev/null 2>&1 <<<"$1"
	fi
}
if command -v jq >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1; then
	check "verify --json prints valid JSON" json_parses "$verify_json"
	check "apply --json prints valid JSON" json_parses "$apply_json"
	check "verify --json with [sync] prints valid JSON" json_parses "$sync_json"
else
	skip "verify and apply --json print valid JSON: neither jq nor python3 is installed"
fi
printed=$(printf '%s\n%s\n%s\n' "$verify_json" "$apply_json" "$sync_json" | grep -oE '[{,]"[a-z_]+":' | sed -E 's/^[{,]"//; s/":$//' | sort -u)
for key in $printed; do
	check "lvsdr-output.5 documents JSON key $key" grep -qx "$key" <<<"$documented"
done
# The keys of an IPVS change are printed only where the kernel has IPVS:
# t-39-ipvs-foreign.sh checks them against this page in the guest.
ipvs_keys=" service scheduler realserver weight method "
for key in $documented; do
	[[ $ipvs_keys == *" $key "* ]] && continue
	grep -qx "$key" <<<"$printed" || not_ok "lvsdr-output.5 documents JSON key $key, which verify and apply never printed here"
done

# The values of status, state and result, from the source, each as ".It Li"
# or "Li" in the JSON subsection.
values=$( {
	grep -oE '\[VERDICT_[A-Z]+\] = "[a-z-]+"' "$LVSDR_ROOT/src/plan_print.c"
	grep -oE 'state = "[a-z-]+"' "$LVSDR_ROOT/src/plan.c"
	awk '/plan_print_json\(/ { on = 1 } on { print } on && /\);/ { on = 0 }' "$LVSDR_ROOT/src/cmd_apply.c" |
		grep -oE '"[a-z]+(-[a-z]+)*"'
} | grep -oE '"[a-z-]+"$' | tr -d '"' | sort -u)
for v in $values; do
	check "lvsdr-output.5 JSON explains the value $v" grep -Eq "(^\.| )Li $v( |$)" <<<"$json"
done
for key in action family role; do
	for v in $(printf '%s\n%s\n' "$verify_json" "$apply_json" | grep -oE "\"$key\":\"[a-z0-9-]+\"" | cut -d'"' -f4 | sort -u); do
		check "lvsdr-output.5 JSON explains the $key $v" grep -Eq "(^\.| )Li $v( |$)" <<<"$json"
	done
done

# -- README.md: what a newcomer reads first -------------------------------------
README=$LVSDR_ROOT/README.md
first_block=$(awk '/^```/ { n++; next } n == 1' "$README")
check "README leads with make demo, then make check" \
	test "$(awk '{ print $1, $2 }' <<<"$first_block" | tr '\n' ';')" = "make demo;make check;"
check ".ci/run runs the README's test command (make check) first" \
	test "$(grep -m1 -E '^run [a-z]+' "$LVSDR_ROOT/.ci/run")" = "run check"
# Every command line of the README's Commands block: the subcommand exists
# and each option it shows is in that subcommand's --help.
commands=$(awk '/^## Commands/ { on = 1; next } on && /^```/ { n++; if (n == 2) exit; next } on && n == 1' "$README" |
	sed 's/#.*//' | grep -E '^lvsdr ')
check "README's Commands block shows at least 12 command lines" test "$(grep -c . <<<"$commands")" -ge 12
while read -r _ sub rest; do
	if ! help=$("$LVSDR" "$sub" --help 2>&1); then
		not_ok "README: 'lvsdr $sub' is a command with --help"
		continue
	fi
	missing=
	for opt in $(grep -oE '(^| )--?[a-z][a-z-]*' <<<" $rest"); do
		grep -qE -- "(^|[ ,])$opt([ ,=]|$)" <<<"$help" || missing="$missing $opt"
	done
	check "README: lvsdr $sub ${rest%% *}... uses only options of 'lvsdr $sub --help'${missing:+ (not there:$missing)}" \
		test -z "$missing"
done <<<"$commands"
for f in $(grep -oE 'profiles/[a-z0-9_.-]+\.(ini|conf)' "$README" | sort -u); do
	check "README names $f, which exists" test -f "$LVSDR_ROOT/$f"
done

# -- every range lvsdr.ini(5) states, held against lvsdr check -----------------
# For each "Range A\(enB" under a key, the profile with A and with B passes
# check, and one step outside either end (1 for numbers, 1 ms for
# durations) is refused. A director profile hosts [arp] and [garp] keys; a
# director with one real server hosts [pathcheck]; a [service web] on the
# VIP's tcp/80 (or with a mark) with one real server hosts the service keys,
# and [health] (whose timeout must stay under half its interval: the other
# of the two is set to its far end; whose quorum needs real servers that
# weigh as much).
range_dir=$tmp/range
mkdir -p "$range_dir"
range_profile() { # SECTION KEY VALUE: a profile with KEY = VALUE in [SECTION]
	printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/24\n\n'
	case $1 in
	pathcheck) printf '[pathcheck]\nrealserver = 192.0.2.11\nport = tcp/80\n' ;;
	service)
		printf '[service web]\nrealserver = 192.0.2.11\n'
		[ "$2" = fwmark ] || printf 'address = 192.0.2.100\nport = tcp/80\n'
		;;
	health)
		printf '[service web]\naddress = 192.0.2.100\nport = tcp/80\nrealserver = 192.0.2.11\n'
		# quorum may not exceed the real servers' weight: 16 x 65535 hosts its top.
		[ "$2" = quorum ] && for i in $(seq 12 27); do printf 'realserver = 192.0.2.%s weight=65535\n' "$i"; done
		printf '\n[health]\n'
		case $2 in
		interval) printf 'timeout = 10ms\n' ;;
		timeout) printf 'interval = 3600s\n' ;;
		esac
		;;
	*) printf '[%s]\n' "$1" ;;
	esac
	printf '%s = %s\n' "$2" "$3"
}
to_ms() { # DURATION -> milliseconds
	case $1 in *ms) echo "${1%ms}" ;; *s) echo $((${1%s} * 1000)) ;; *) echo "$1" ;; esac
}
range_case() { # SECTION KEY VALUE WANT(0 accepted, 2 refused)
	range_profile "$1" "$2" "$3" >"$range_dir/p.ini"
	"$LVSDR" check -q "$range_dir/p.ini" >/dev/null 2>&1
	local rc=$?
	check "lvsdr.ini.5 [$1] $2: $3 is $([ "$4" = 0 ] && echo accepted || echo refused) by check (status $rc)" \
		test "$rc" -eq "$4"
}
ranges=$(awk '/^\.Ss \[/ { sec = $2; gsub(/[\[\]\\&]/, "", sec) }
	/^\.It Cm [a-z-]+ Li = / { key = $3 }
	/^Range / { print sec, key, $0 }' "$man5")
check "lvsdr.ini.5 states at least 10 ranges ($(grep -c . <<<"$ranges"))" test "$(grep -c . <<<"$ranges")" -ge 10
while read -r sec key _ text; do
	if [[ $text =~ ^([0-9]+)(ms|s)?\\\(en([0-9]+)(ms|s)?( or [0-9]+)?[.,] ]]; then
		lo=${BASH_REMATCH[1]}${BASH_REMATCH[2]} hi=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
	elif [[ $text =~ ^0\ or\ up\ to\ ([0-9]+)(s) ]]; then
		lo=0 hi=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
	else
		not_ok "lvsdr.ini.5 [$sec] $key: a range this test cannot read: $text"
		continue
	fi
	range_case "$sec" "$key" "$lo" 0
	range_case "$sec" "$key" "$hi" 0
	if [[ $hi == *s ]]; then
		range_case "$sec" "$key" "$(($(to_ms "$hi") + 1))ms" 2
		[ "$(to_ms "$lo")" -gt 0 ] && range_case "$sec" "$key" "$(($(to_ms "$lo") - 1))ms" 2
	else
		range_case "$sec" "$key" "$((hi + 1))" 2
		[ "$lo" -gt 0 ] && range_case "$sec" "$key" "$((lo - 1))" 2
	fi
	# "or 8" after a range: the one value beyond it that is allowed.
	if [[ $text =~ \ or\ ([0-9]+)\.$ ]]; then
		range_case "$sec" "$key" "${BASH_REMATCH[1]}" 0
		range_case "$sec" "$key" "$((BASH_REMATCH[1] + 1))" 2
	fi
done <<<"$ranges"
