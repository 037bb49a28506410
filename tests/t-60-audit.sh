#!/usr/bin/env bash
# t-60: the segment audit: probe names every MAC that answers for
# a VIP, takeover checks for a holder before it binds, watch logs every claim
# and flags foreign owners and flip-flops, and verify and probe speak the
# formats monitoring collects (plugin line, Prometheus text file, JSON).
#
#                 [client] .1   probe, watch, arpsniff
#                     |
#   (br0)-------+-----+------+----------+---------+
#               |            |          |         |
#          [dir1] .2     [dir2] .3  [rs1] .11  [rs2] .12
#          MAC :02       MAC :03    MAC :11    MAC :12
#          VIPs on eth0  conflict   VIPs on lo, knobs 1/2 (rs1 drops them
#                        check      to 0 to leak)
#
#   VIPs: 192.0.2.100 and 2001:db8::100 (/24, /64 on a director's eth0;
#   /32, /128 on a real server's lo).
#
# Timing bounds are sanity checks with a wide margin, not benchmarks.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

# The delays and defaults the pages state are the ones the code has; this
# needs no lab, so it runs first.
doc_states() { # PAGE TEXT...: each TEXT is in man/PAGE, whatever its line breaks
	local page=$LVSDR_ROOT/man/$1 text
	shift
	for text in "$@"; do tr '\n' ' ' <"$page" | grep -qF -- "$text" || return 1; done
}
define() { sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$LVSDR_ROOT/include/probe.h"; }
wait_ms=$(define LVSDR_CONFLICT_WAIT_MS) count=$(define LVSDR_CONFLICT_COUNT)
# lvsdr.ini(5) [garp] tells the check whole; lvsdr(8) names its delay.
check "lvsdr.ini.5 states the delay of the conflict check ($count probes per VIP in $((wait_ms / 2)) ms, $wait_ms ms)" \
	doc_states lvsdr.ini.5 "$count per VIP in the first $((wait_ms / 2)) ms, answers collected for $wait_ms ms" \
	"This delays the takeover by $wait_ms ms."
check "lvsdr.8 states the delay of the conflict check ($wait_ms ms)" \
	doc_states lvsdr.8 "whether another host holds a VIP ($wait_ms ms)"
check "lvsdr.8 states probe's defaults (--count $(define LVSDR_PROBE_COUNT), --timeout $(define LVSDR_PROBE_WAIT_MS)ms)" \
	doc_states lvsdr.8 "Probes per address, 1 to 10, default $(define LVSDR_PROBE_COUNT)." \
	"10ms to 60s, default $(define LVSDR_PROBE_WAIT_MS)ms."

lab_start t-60

chmod 755 "$TMP" # profiles are read by an unprivileged user below
cleanup() {
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT

WRAPPED=${LVSDR_WRAP:-}${LVSDR_WRAP_OTHER:-}
BCAST=ff:ff:ff:ff:ff:ff
NOBODY=65534

# run NAME HOST ARGS...: lv with stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err; RC holds the status and MS the milliseconds it took.
# run_on NAME HOST COMMAND...: the same for any command.
run() {
	local name=$1 host=$2
	shift 2
	run_on "$name" "$host" "$LVSDR" "$@"
}
run_on() {
	local name=$1 t0
	shift
	t0=$(date +%s%N)
	on "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

# show NAME: both outputs of a run, indented, after a failing case.
show() { sed 's/^/#   /' "$TMP/$1.out" "$TMP/$1.err"; }

# expect NAME STATUS CASE [GREP-ARGS...]: the run NAME ended with STATUS and,
# when a pattern is given, its stdout or stderr matches it.
expect() {
	local name=$1 want=$2 what=$3
	shift 3
	if [ "$RC" -eq "$want" ] && { [ $# -eq 0 ] || grep -q "$@" "$TMP/$name.out" "$TMP/$name.err"; }; then
		ok "$what"
	else
		not_ok "$what (status $RC, wanted $want${1:+; pattern ${*: -1}})"
		show "$name"
	fi
}

# refute NAME CASE GREP-ARGS...: neither output of NAME matches.
refute() {
	local name=$1 what=$2
	shift 2
	if grep -q "$@" "$TMP/$name.out" "$TMP/$name.err"; then
		not_ok "$what"
		show "$name"
	else
		ok "$what"
	fi
}

# probe_line NAME ADDRESS: the text line probe printed for ADDRESS, squeezed.
probe_line() { awk -v a="$2" '$1 == a { $1 = $1; print }' "$TMP/$1.out"; }

expect_line() { # NAME ADDRESS WANT CASE
	local got
	got=$(probe_line "$1" "$2")
	if [ "$got" = "$3" ]; then ok "$4"; else not_ok "$4 (got '$got', wanted '$3')"; fi
}

profile() { # FILE ROLE CONFLICT VIP...
	local file=$1 role=$2 conflict=$3 v
	shift 3
	{
		printf '[host]\nrole = %s\ninterface = eth0\n\n[vip]\n' "$role"
		for v in "$@"; do printf 'address = %s\n' "$v"; done
		[ -n "$conflict" ] && printf '\n[garp]\nconflict = %s\n' "$conflict"
	} >"$file"
}
DIR=$TMP/director.ini RS=$TMP/realserver.ini
profile "$DIR" director "" "$LAB_VIP/24" "$LAB_VIP6/64"
profile "$TMP/refuse.ini" director refuse "$LAB_VIP/24" "$LAB_VIP6/64"
profile "$TMP/warn.ini" director warn "$LAB_VIP/24" "$LAB_VIP6/64"
profile "$RS" realserver "" "$LAB_VIP" "$LAB_VIP6"
chmod 644 "$TMP"/*.ini

json_valid() { jq -e . >/dev/null 2>&1 <"$1"; }

# nagios_valid NAME STATUS: the first line of the run's stdout is a plugin
# line as the Nagios plugin development guidelines describe it: "SERVICE
# STATUS: text", then optionally " | " and performance data items
# 'label'=value[UOM];[warn];[crit];[min];[max] separated by spaces; the
# status word matches the exit status (0 OK, 1 WARNING, 2 CRITICAL, 3
# UNKNOWN); no later line holds a '|'.
nagios_valid() {
	local first words=(OK WARNING CRITICAL UNKNOWN) perf num thr
	num='-?[0-9]+(\.[0-9]+)?'
	thr='[@~0-9.:-]*'
	perf="('[^'=]+'|[A-Za-z0-9_]+)=$num(us|ms|s|%|B|KB|MB|TB|c)?(;$thr(;$thr(;($num)?(;($num)?)?)?)?)?"
	first=$(head -n1 "$TMP/$1.out")
	[ "$2" -le 3 ] || return 1
	[[ $first =~ ^LVSDR\ (VERIFY|PROBE)\ ${words[$2]}:\ [^\|]+(\ \|\ $perf(\ $perf)*)?$ ]] || return 1
	[ "${#first}" -lt 4096 ] && ! tail -n +2 "$TMP/$1.out" | grep -q '|'
}

expect_nagios() { # NAME STATUS CASE
	if [ "$RC" -eq "$2" ] && nagios_valid "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3 (status $RC, wanted $2, or the line breaks the plugin guidelines)"
		show "$1"
	fi
}

# prom_valid FILE: the Prometheus text exposition format, read strictly:
# HELP and TYPE once per family and before its samples, the samples of a
# family together, valid metric and label names, label values with only
# \\ \" \n escapes, a number as value, no timestamp, no series twice, and
# a final newline. promtool checks it too when there is one (PROMTOOL or
# on PATH; Debian's prometheus package has it).
prom_valid() {
	local file=$1 promtool=${PROMTOOL:-$(command -v promtool)}
	[ -s "$file" ] && [ "$(tail -c1 "$file" | od -An -c | tr -d ' ')" = '\n' ] || return 1
	awk '
	function fail(why) { print FILENAME ":" NR ": " why ": " $0 > "/dev/stderr"; bad = 1; exit 1 }
	/^# HELP / {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad metric name in HELP")
		if (help[$3]++) fail("HELP twice"); if ($3 in sampled) fail("HELP after samples"); next }
	/^# TYPE / {
		if (NF != 4 || $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad TYPE")
		if (type[$3]++) fail("TYPE twice"); if ($3 in sampled) fail("TYPE after samples"); next }
	/^#/ { next }
	{
		line = $0
		if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) fail("no metric name")
		name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1); series = name
		if (!(name in type)) fail("sample before its TYPE")
		if (name != last && (name in sampled)) fail("samples of a family apart")
		sampled[name] = 1; last = name
		if (substr(rest, 1, 1) == "{") {
			rest = substr(rest, 2)
			while (substr(rest, 1, 1) != "}") {
				if (!match(rest, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) fail("bad label")
				series = series "," substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
				for (;;) {
					c = substr(rest, 1, 1)
					if (c == "") fail("unterminated label value")
					if (c == "\\") {
						e = substr(rest, 2, 1)
						if (e != "\\" && e != "\"" && e != "n") fail("bad escape")
						series = series c e; rest = substr(rest, 3); continue
					}
					rest = substr(rest, 2)
					if (c == "\"") break
					series = series c
				}
				if (substr(rest, 1, 1) == ",") rest = substr(rest, 2)
				else if (substr(rest, 1, 1) != "}") fail("bad label separator")
			}
			rest = substr(rest, 2)
		}
		if (rest !~ /^ [-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$/) fail("bad value or a timestamp")
		if (seen[series]++) fail("series twice")
	}
	END { if (bad) exit 1 }' "$file" || return 1
	if [ -n "$promtool" ]; then
		"$promtool" check metrics <"$file" >/dev/null 2>&1 || { "$promtool" check metrics <"$file" >&2; return 1; }
	fi
}

expect_prom() { # FILE CASE
	local why
	if why=$(prom_valid "$1" 2>&1); then
		ok "$2"
	else
		not_ok "$2"
		printf '%s\n' "$why" | sed 's/^/#   /'
		sed 's/^/#   file: /' "$1" 2>/dev/null
	fi
}
if [ -n "${PROMTOOL:-$(command -v promtool)}" ]; then
	ok "the Prometheus files below are also checked by promtool check metrics"
else
	skip "promtool check metrics: promtool is not installed (Debian package prometheus; the strict parser above still runs)"
fi

# prom_has FILE LINE...: every LINE is in FILE as a whole line.
prom_has() {
	local file=$1 l
	shift
	for l in "$@"; do grep -qxF -- "$l" "$file" || { echo "missing: $l" >&2; return 1; }; done
}

# --- A clean segment: dir1 holds both VIPs, rs1 and rs2 are provisioned -----
lv dir1 takeover -q "$DIR" && lv rs1 apply -q "$RS" && lv rs2 apply -q "$RS" ||
	not_ok "provisioning: dir1 takes over, rs1 and rs2 apply"

lab_ref_start client 5s
run clean client probe -i eth0 --expect "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
expect clean 0 "probe from the client, provisioned segment: exit 0"
expect_line clean "$LAB_VIP" "$LAB_VIP ok $LAB_MAC_dir1 (expected)" \
	"probe names dir1, and only dir1, as the MAC answering for $LAB_VIP"
expect_line clean "$LAB_VIP6" "$LAB_VIP6 ok $LAB_MAC_dir1 (expected)" \
	"probe names dir1, and only dir1, as the MAC answering for $LAB_VIP6 (neighbour solicitation)"
check "probe waited no longer than its timeout allows: its 500 ms ended before a 5 s probe started with it ($MS ms)" \
	lab_ref_outlived
run clean-any client probe -i eth0 "$LAB_VIP" "$LAB_VIP6"
expect clean-any 0 "probe without --expect: one MAC per VIP is exit 0" -F "ok: 2 VIPs, each answered by exactly its owner"
run clean-dir dir1 probe "$DIR"
expect clean-dir 0 "probe on dir1 with its director profile: exit 0"
expect_line clean-dir "$LAB_VIP" "$LAB_VIP ok $LAB_MAC_dir1 (expected, this host)" \
	"probe on dir1: this host, which holds the VIP, is the expected owner and its answer"
run clean-rs rs2 probe --expect "$LAB_MAC_dir1" "$RS"
expect clean-rs 0 "probe on rs2 with its real-server profile and --expect dir1: exit 0"
run clean-json client probe --json -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
if ! command -v jq >/dev/null 2>&1; then
	skip "probe --json: jq is not installed (tests/deps.sh test)"
elif [ "$RC" -eq 0 ] && json_valid "$TMP/clean-json.out" &&
	[ "$(jq -c '[.schema, .ok, .interface, [.vips[] | [.address, .status, .expected_from, [.responders[].mac]]]]' \
		"$TMP/clean-json.out")" = "[1,true,\"eth0\",[[\"$LAB_VIP\",\"ok\",\"option\",[\"$LAB_MAC_dir1\"]],[\"$LAB_VIP6\",\"ok\",\"option\",[\"$LAB_MAC_dir1\"]]]]" ]; then
	ok "probe --json: valid JSON, schema 1, each VIP ok with dir1 as its only responder"
else
	not_ok "probe --json: valid JSON, schema 1, each VIP ok with dir1 as its only responder"
	show clean-json
fi

# Broadcast every time: arping sends its later probes unicast to the last
# responder and so never hears a second one.
ip netns exec "$(ns rs2)" "$HELPERS/arpsniff" -d 5000 eth0 >"$TMP/bcast.sniff" 2>"$TMP/bcast.err" &
SNIFF=$!
wait_until 3 grep -qsx ready "$TMP/bcast.err"
run bcast client probe -i eth0 --count 3 "$LAB_VIP" "$LAB_VIP6"
sleep 0.2
kill "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
n4=$(grep -c " arp op=request eth_src=$LAB_MAC_client eth_dst=$BCAST sha=$LAB_MAC_client spa=$LAB_IP_client tha=00:00:00:00:00:00 tpa=$LAB_VIP\$" "$TMP/bcast.sniff")
n6=$(grep -c " ns eth_src=$LAB_MAC_client eth_dst=33:33:ff:00:01:00 src=fe80::[0-9a-f:]* dst=ff02::1:ff00:100 target=$LAB_VIP6 slla=$LAB_MAC_client\$" "$TMP/bcast.sniff")
check "probe --count 3: all 3 ARP requests broadcast from the client's own address, all 3 NS to the solicited-node group from its link-local address ($n4, $n6 seen by rs2)" \
	[ "$n4" -eq 3 -a "$n6" -eq 3 ]

# Only CAP_NET_RAW: no root, no other capability.
run_on caps client setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all,+net_raw \
	--ambient-caps=+net_raw "$LVSDR" probe -e "$LAB_MAC_dir1" "$RS"
expect caps 0 "probe as an unprivileged user holding only CAP_NET_RAW: works, exit 0"
run_on nocaps client setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$LVSDR" probe "$RS"
expect nocaps 2 "probe without CAP_NET_RAW: exit 2, naming the capability" -F "needs CAP_NET_RAW"

# --- Monitoring output of verify, in sync and drifted ----------------------
run v-ok rs2 verify --nagios --prom "$TMP/rs2.prom" "$RS"
expect_nagios v-ok 0 "verify --nagios on a real server in sync: 'LVSDR VERIFY OK: ...', exit 0"
expect_prom "$TMP/rs2.prom" "verify --prom in sync: a valid exposition file"
check "verify --prom in sync: in_sync 1, drift 0, both VIPs bound on lo, arp_ignore effective 1, arp_announce 2" \
	prom_has "$TMP/rs2.prom" \
	"lvsdr_verify_success{profile=\"$RS\"} 1" \
	"lvsdr_verify_in_sync{profile=\"$RS\",role=\"realserver\",interface=\"eth0\"} 1" \
	"lvsdr_verify_drift{profile=\"$RS\"} 0" \
	"lvsdr_vip_bound{profile=\"$RS\",address=\"$LAB_VIP\",prefix=\"32\",interface=\"lo\"} 1" \
	"lvsdr_vip_bound{profile=\"$RS\",address=\"$LAB_VIP6\",prefix=\"128\",interface=\"lo\"} 1" \
	"lvsdr_arp_knob_effective{profile=\"$RS\",interface=\"eth0\",knob=\"arp_ignore\"} 1" \
	"lvsdr_arp_knob_effective{profile=\"$RS\",interface=\"eth0\",knob=\"arp_announce\"} 2"
check "verify --prom: the file is world-readable and nothing else was left beside it" \
	bash -c '[ "$(stat -c %a "$1/rs2.prom")" = 644 ] && [ -z "$(ls "$1" | grep "\.prom\.")" ]' _ "$TMP"

# A second profile on rs2 with a range: its local route counted too.
printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\nrange = 198.51.100.0/24\n' >"$TMP/range.ini"
lv rs2 apply -q "$TMP/range.ini" || not_ok "rs2 applies a profile with range = 198.51.100.0/24"
run v-range rs2 verify --nagios --prom "$TMP/rs2-range.prom" "$TMP/range.ini"
expect_nagios v-range 0 "verify --nagios of a profile with a range in sync: 'LVSDR VERIFY OK: ...', exit 0"
check "verify --prom of a profile with a range: lvsdr_range_bound 1, in sync" prom_has "$TMP/rs2-range.prom" \
	"lvsdr_range_bound{profile=\"$TMP/range.ini\",address=\"198.51.100.0\",prefix=\"24\",in_sync=\"1\"} 1"
lv rs2 release -q "$TMP/range.ini" || not_ok "rs2 releases the range"

# rs1 leaks from here on: its knobs back to the kernel defaults.
on rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0 \
	net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth0.arp_announce=0
run v-drift rs1 verify --nagios --prom "$TMP/rs1.prom" "$RS"
expect_nagios v-drift 2 "verify --nagios on the leaking real server: 'LVSDR VERIFY CRITICAL: ...', exit 2"
expect v-drift 2 "verify --nagios: the long output names each finding" -E '^arp_ignore: drift: effective 0, want 1'
expect_prom "$TMP/rs1.prom" "verify --prom with drift: a valid exposition file"
check "verify --prom with drift: in_sync 0, drift 2, arp_ignore and arp_announce effective 0, VIPs still bound" \
	prom_has "$TMP/rs1.prom" \
	"lvsdr_verify_in_sync{profile=\"$RS\",role=\"realserver\",interface=\"eth0\"} 0" \
	"lvsdr_verify_drift{profile=\"$RS\"} 2" \
	"lvsdr_verify_findings{profile=\"$RS\",verdict=\"drift\"} 2" \
	"lvsdr_arp_knob_effective{profile=\"$RS\",interface=\"eth0\",knob=\"arp_ignore\"} 0" \
	"lvsdr_arp_knob_effective{profile=\"$RS\",interface=\"eth0\",knob=\"arp_announce\"} 0" \
	"lvsdr_arp_knob_wanted{profile=\"$RS\",interface=\"eth0\",knob=\"arp_ignore\"} 1" \
	"lvsdr_vip_bound{profile=\"$RS\",address=\"$LAB_VIP\",prefix=\"32\",interface=\"lo\"} 1"
on rs2 sysctl -qw net.ipv4.conf.default.arp_announce=9
run v-warn rs2 verify --nagios "$RS"
expect_nagios v-warn 1 "verify --nagios with only a finding to fix by hand (conf/default): WARNING, exit 1"
on rs2 sysctl -qw net.ipv4.conf.default.arp_announce=0
printf '[host]\nrole = realserver\n' >"$TMP/broken.ini"
run v-bad rs2 verify --nagios --prom "$TMP/broken.prom" "$TMP/broken.ini"
expect_nagios v-bad 3 "verify --nagios of an invalid profile: UNKNOWN, exit 3"
check "verify --prom of an invalid profile: the file says lvsdr_verify_success 0 and nothing more" \
	bash -c 'prom_has() { grep -qxF -- "$2" "$1"; }; prom_has "$1" "lvsdr_verify_success{profile=\"$2\"} 0" &&
		[ "$(grep -vc "^#" "$1")" = 1 ]' _ "$TMP/broken.prom" "$TMP/broken.ini"
run v-usage rs2 verify --nagios --state nonsense "$RS"
expect v-usage 3 "verify --nagios with a bad option: exit 3 (UNKNOWN), as plugins do"
run v-prom-name rs2 verify --prom "$TMP/rs.txt" "$RS"
expect v-prom-name 2 "verify --prom FILE not ending in .prom: exit 2, saying why" -F "ending in .prom"
run v-both rs2 verify --json --nagios "$RS"
expect v-both 3 "verify --json --nagios: one format only; a usage error, UNKNOWN (3) as --nagios asks"
run p-both client probe --json --nagios -i eth0 "$LAB_VIP"
expect p-both 3 "probe --json --nagios: the same"

# --- A leaking real server, named by its MAC ------------------------------
run leak client probe -i eth0 --expect "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
expect leak 1 "probe from the client, rs1's knobs at 0: exit 1"
expect_line leak "$LAB_VIP" "$LAB_VIP leak $LAB_MAC_dir1 (expected), $LAB_MAC_rs1" \
	"probe names rs1's MAC beside dir1's for $LAB_VIP (rs2, still fixed, is not named)"
expect_line leak "$LAB_VIP6" "$LAB_VIP6 ok $LAB_MAC_dir1 (expected)" \
	"the IPv6 VIP on rs1's lo still answers only from dir1 (Linux answers NS only for addresses on the NIC)"
who=$(on client "$HELPERS/arpwho" eth0 "$LAB_VIP" | tr '\n' ' ')
check "arpwho, an independent oracle, agrees: dir1 and rs1 answer ($who)" \
	[ "$who" = "$LAB_MAC_dir1 $LAB_MAC_rs1 " ]
run leak-any client probe -i eth0 "$LAB_VIP"
expect leak-any 1 "probe without --expect: two MACs are a conflict, exit 1" -F "conflict"
run leak-json client probe --json -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP"
command -v jq >/dev/null 2>&1 || skip "probe --json on the leak: jq is not installed (tests/deps.sh test)"
command -v jq >/dev/null 2>&1 && check "probe --json on the leak: status leak, rs1 listed as not expected" \
	test "$(jq -c '.vips[0] | [.status, [.responders[] | [.mac, .expected]]]' "$TMP/leak-json.out" 2>/dev/null)" = \
	"[\"leak\",[[\"$LAB_MAC_dir1\",true],[\"$LAB_MAC_rs1\",false]]]"
run leak-nagios client probe --nagios -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
expect_nagios leak-nagios 2 "probe --nagios on the leak: 'LVSDR PROBE CRITICAL: ...', exit 2"
expect leak-nagios 2 "probe --nagios names the leaking MAC in its first line" \
	-F "$LAB_VIP leak ($LAB_MAC_dir1 expected, $LAB_MAC_rs1)"
run leak-prom client probe -q --prom "$TMP/probe.prom" -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
expect leak-prom 1 "probe -q --prom on the leak: exit 1, nothing printed"
[ -s "$TMP/leak-prom.out" ] && not_ok "probe -q printed something" && show leak-prom
expect_prom "$TMP/probe.prom" "probe --prom: a valid exposition file"
check "probe --prom: ok 0 and 2 responders for $LAB_VIP, rs1 a responder not expected, ok 1 for $LAB_VIP6" \
	prom_has "$TMP/probe.prom" \
	"lvsdr_probe_success{probe=\"$LAB_VIP,$LAB_VIP6\",interface=\"eth0\"} 1" \
	"lvsdr_probe_ok{probe=\"$LAB_VIP,$LAB_VIP6\",interface=\"eth0\",address=\"$LAB_VIP\"} 0" \
	"lvsdr_probe_responders{probe=\"$LAB_VIP,$LAB_VIP6\",interface=\"eth0\",address=\"$LAB_VIP\"} 2" \
	"lvsdr_probe_responder{probe=\"$LAB_VIP,$LAB_VIP6\",interface=\"eth0\",address=\"$LAB_VIP\",mac=\"$LAB_MAC_rs1\",expected=\"false\"} 1" \
	"lvsdr_probe_ok{probe=\"$LAB_VIP,$LAB_VIP6\",interface=\"eth0\",address=\"$LAB_VIP6\"} 1"

# The IPv6 leak: the VIP on a real server's NIC instead of lo.
on rs1 ip -6 addr add "$LAB_VIP6/128" dev eth0 nodad
run leak6 client probe -i eth0 --expect "$LAB_MAC_dir1" "$LAB_VIP6"
expect leak6 1 "probe, VIP6 also on rs1's eth0: exit 1"
expect_line leak6 "$LAB_VIP6" "$LAB_VIP6 leak $LAB_MAC_dir1 (expected), $LAB_MAC_rs1" \
	"probe names rs1's MAC beside dir1's for $LAB_VIP6"
on rs1 ip -6 addr del "$LAB_VIP6/128" dev eth0

# --- Nobody home, and bad input ---------------------------------------------
run none client probe -i eth0 -e "$LAB_MAC_dir1" 192.0.2.200
expect none 1 "probe for an address nobody holds: exit 1"
expect_line none 192.0.2.200 "192.0.2.200 no-owner nobody answered (expected $LAB_MAC_dir1)" \
	"probe says nobody answered and whom it expected"
run none-nagios client probe --nagios -i eth0 192.0.2.200
expect_nagios none-nagios 2 "probe --nagios, no owner: CRITICAL, exit 2"
run e-if client probe -i nosuch0 "$LAB_VIP"
expect e-if 2 "probe on a missing interface: exit 2, naming it" -F "no interface nosuch0"
run e-if-nagios client probe --nagios -i nosuch0 "$LAB_VIP"
expect_nagios e-if-nagios 3 "probe --nagios on a missing interface: UNKNOWN, exit 3"
run e-mac client probe -i eth0 -e 02:00:00:00:00 "$LAB_VIP"
expect e-mac 2 "probe --expect with a short MAC: exit 2" -F -- "--expect 02:00:00:00:00: not a unicast MAC"
run e-mcast client probe -i eth0 -e 01:00:5e:00:00:01 "$LAB_VIP"
expect e-mcast 2 "probe --expect with a multicast MAC: exit 2"
run e-addr client probe -i eth0 224.0.0.1
expect e-addr 2 "probe of a multicast address: exit 2" -F "224.0.0.1: not a unicast"
run e-twice client probe -i eth0 "$LAB_VIP" "$LAB_VIP"
expect e-twice 2 "probe of the same address twice: exit 2" -F "given twice"
run e-none client probe -i eth0
expect e-none 2 "probe -i without an address: usage, exit 2" -F "Usage: lvsdr probe"
run e-timeout client probe -t 5ms -i eth0 "$LAB_VIP"
expect e-timeout 2 "probe --timeout below 10ms: exit 2" -F -- "--timeout 5ms"
run e-count client probe -c 11 -i eth0 "$LAB_VIP"
expect e-count 2 "probe --count 11: exit 2" -F -- "--count 11: must be a whole number, 1-10"
run e-prof client probe "$TMP/broken.ini"
expect e-prof 2 "probe of an invalid profile: exit 2 with the profile's message" -F "interface is missing"

# --- Conflict check before takeover -----------------------------------------
lv rs1 apply -q "$RS" || not_ok "rs1 fixed again"
# dir1 holds both VIPs; the client talks to them, so its entries point at dir1.
on client ping -q -n -c1 -W2 "$LAB_VIP" >/dev/null 2>&1
on client ping -q -n -c1 -W2 "$LAB_VIP6" >/dev/null 2>&1
before4=$(lab_neigh client "$LAB_VIP") before6=$(lab_neigh client "$LAB_VIP6")
check "conflict: the client's entries for both VIPs are dir1's ($before4, $before6)" \
	[ "$before4" = "$LAB_MAC_dir1" -a "$before6" = "$LAB_MAC_dir1" ]
on dir1 ip neigh flush dev eth0
ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 10000 eth0 >"$TMP/refuse.sniff" 2>"$TMP/refuse.sniff.err" &
SNIFF=$!
wait_until 3 grep -qsx ready "$TMP/refuse.sniff.err"
lab_ref_start client 3s
run refuse dir2 takeover "$TMP/refuse.ini"
lab_ref_outlived
outlived=$?
sleep 0.3
kill "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
expect refuse 2 "conflict = refuse while dir1 holds the VIPs: exit 2" -F "refusing to take over: 2 VIPs already answer"
expect refuse 2 "conflict = refuse names the holder of $LAB_VIP" -F "conflict: $LAB_VIP is held by $LAB_MAC_dir1"
expect refuse 2 "conflict = refuse names the holder of $LAB_VIP6" -F "conflict: $LAB_VIP6 is held by $LAB_MAC_dir1"
check "conflict = refuse: nothing bound on dir2" \
	bash -c '! ip -n "$1" addr show dev eth0 | grep -qwF -e "$2" -e "$3"' _ "$(ns dir2)" "$LAB_VIP" "$LAB_VIP6"
after4=$(lab_neigh client "$LAB_VIP") after6=$(lab_neigh client "$LAB_VIP6")
check "conflict = refuse: the client's entries still point at dir1 ($after4, $after6)" \
	[ "$after4" = "$LAB_MAC_dir1" -a "$after6" = "$LAB_MAC_dir1" ]
check "conflict = refuse: the client received no frame from dir2 claiming a VIP (ARP with it as sender, NA for it)" \
	bash -c '! grep -E "^t=[0-9]+ (arp .*eth_src=$1 .* spa=$2 |na eth_src=$1 .* target=$3 )" "$4"' \
	_ "$LAB_MAC_dir2" "$LAB_VIP" "$LAB_VIP6" "$TMP/refuse.sniff"
check "conflict = refuse: dir2 probed the RFC 5227 way, from 0.0.0.0 (and NS from ::)" \
	bash -c 'grep -q "arp op=request eth_src=$1 eth_dst=ff:ff:ff:ff:ff:ff sha=$1 spa=0.0.0.0 .* tpa=$2\$" "$4" &&
		grep -q "ns eth_src=$1 .* src=:: dst=ff02::1:ff00:100 target=$3 slla=-\$" "$4"' \
	_ "$LAB_MAC_dir2" "$LAB_VIP" "$LAB_VIP6" "$TMP/refuse.sniff"
n=$(on dir1 ip neigh show dev eth0 | grep -c -e "$LAB_IP_dir2 " -e "$LAB_IP6_dir2 ")
check "conflict = refuse: the holder learnt no neighbour entry from the probes ($n)" [ "$n" -eq 0 ]
if [ -n "$WRAPPED" ]; then
	skip "conflict = refuse: delay: not measured under valgrind"
else
	check "conflict = refuse: it waited its 200 ms ($MS ms) and ended before a 3 s probe started with it" \
		[ "$MS" -ge 200 -a "$outlived" -eq 0 ]
fi

run warn dir2 takeover "$TMP/warn.ini"
expect warn 0 "conflict = warn while dir1 holds the VIPs: takes over, exit 0"
expect warn 0 "conflict = warn names the old holder" \
	-F "warning: $LAB_VIP is held by $LAB_MAC_dir1; taking it over anyway"
after4=$(lab_neigh client "$LAB_VIP") after6=$(lab_neigh client "$LAB_VIP6")
check "conflict = warn: the client's entries moved to dir2 ($after4, $after6)" \
	[ "$after4" = "$LAB_MAC_dir2" -a "$after6" = "$LAB_MAC_dir2" ]
lv dir2 release -q "$TMP/warn.ini"
lv dir1 release -q "$DIR"

lab_ref_start client 3s
run refuse-free dir2 takeover "$TMP/refuse.ini"
lab_ref_outlived
outlived=$?
expect refuse-free 0 "conflict = refuse when nobody holds the VIPs: takes over, exit 0"
refute refuse-free "conflict = refuse, nobody holding: no conflict reported" -e "held by" -e "refusing"
lv dir2 release -q "$TMP/refuse.ini"
if [ -z "$WRAPPED" ]; then
	check "conflict = refuse, nobody holding: the delay is the stated 200 ms ($MS ms), and the takeover ended before a 3 s probe started with it" \
		[ "$MS" -ge 200 -a "$outlived" -eq 0 ]
fi

ip netns exec "$(ns client)" "$HELPERS/arpsniff" -d 10000 eth0 >"$TMP/off.sniff" 2>"$TMP/off.sniff.err" &
SNIFF=$!
wait_until 3 grep -qsx ready "$TMP/off.sniff.err"
lv dir1 takeover -q "$DIR"
run off dir2 takeover "$DIR"
sleep 0.3
kill "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
expect off 0 "conflict = off (the default) while dir1 holds the VIPs: takes over without a word, exit 0"
refute off "conflict = off: no conflict reported" -e "held by"
check "conflict = off: dir2 sent no probe at all (no ARP from 0.0.0.0, no NS from ::)" \
	bash -c '! grep -E "eth_src=$1 .*(spa=0\.0\.0\.0 |src=:: )" "$2"' _ "$LAB_MAC_dir2" "$TMP/off.sniff"
lv dir2 release -q "$DIR"

# --- watch -------------------------------------------------------------------
# watch_start NAME HOST ARGS...: lvsdr watch in the background; returns once
# it listens. watch_stop NAME [REGEX]: once the log has a line matching
# REGEX (the last frame the case waits for; bounded) and a moment for
# stragglers, SIGTERM ends it; RC is its status. Ending on a signal rather
# than a --duration keeps the cases right under valgrind's slowness.
watch_start() {
	local name=$1 host=$2
	shift 2
	# ip netns exec execs the tool: WATCH_PID is the tool's own.
	ip netns exec "$(ns "$host")" "$LVSDR" watch "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	WATCH_PID=$!
	wait_until 10 grep -qs 'watching' "$TMP/$name.err"
}
watch_stop() {
	[ $# -lt 2 ] || wait_until 10 grep -qE "$2" "$TMP/$1.out"
	sleep 0.3
	kill -TERM "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	RC=$?
}
# gone PID: the process has ended (a zombie counts as ended).
gone() { ! alive "$1"; }
# watch_lines NAME ADDRESS MAC: the log lines about ADDRESS claimed by MAC.
watch_lines() { grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z $2 $3 " "$TMP/$1.out"; }

# A legitimate takeover, dir1 to dir2: an owner change, nothing foreign.
lv dir1 release -q "$DIR"
watch_start legit client -i eth0 -e "$LAB_MAC_dir1" -e "$LAB_MAC_dir2" "$LAB_VIP" "$LAB_VIP6"
lv dir1 takeover -q "$DIR"
lv dir1 release -q "$DIR"
lv dir2 takeover -q "$DIR"
watch_stop legit "$LAB_VIP6 $LAB_MAC_dir2 na owner change"
expect legit 0 "watch, dir1 then dir2 take over (both expected): exit 0"
check "watch logs dir1's announcements of $LAB_VIP as 'owner', with a UTC timestamp" \
	bash -c 'grep -qE "^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z $1 $2 arp-request owner\$" "$3"' _ "$LAB_VIP" "$LAB_MAC_dir1" "$TMP/legit.out"
expect legit 0 "watch logs dir2's takeover of $LAB_VIP as an owner change from dir1" \
	-E "Z $LAB_VIP $LAB_MAC_dir2 arp-request owner change \(was $LAB_MAC_dir1\)\$"
expect legit 0 "watch logs dir2's takeover of $LAB_VIP6 (NA) as an owner change from dir1" \
	-E "Z $LAB_VIP6 $LAB_MAC_dir2 na owner change \(was $LAB_MAC_dir1\)\$"
refute legit "watch, legitimate takeover: nothing FOREIGN, no FLIP-FLOP" -e FOREIGN -e FLIP-FLOP
expect legit 0 "watch prints a summary at the end" -F "summary: "
lv dir2 release -q "$DIR"

# A claim from a third namespace: only dir1 is expected, dir2 announces.
lv dir1 takeover -q "$DIR"
watch_start forged client -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP" "$LAB_VIP6"
lv dir1 takeover -q "$DIR"
lv dir2 takeover -q "$DIR"
watch_stop forged "$LAB_VIP6 $LAB_MAC_dir2 na"
lv dir2 release -q "$DIR"
expect forged 1 "watch, a claim from dir2 while only dir1 is expected: exit 1"
expect forged 1 "watch flags dir2's claim on $LAB_VIP as FOREIGN" \
	-E "Z $LAB_VIP $LAB_MAC_dir2 arp-request owner change \(was $LAB_MAC_dir1\) FOREIGN: not an expected owner\$"
expect forged 1 "watch flags dir2's claim on $LAB_VIP6 as FOREIGN" \
	-E "Z $LAB_VIP6 $LAB_MAC_dir2 na .*FOREIGN: not an expected owner\$"
refute forged "watch does not flag dir1" -E "$LAB_MAC_dir1 .*FOREIGN"

# A forged frame: arping on rs2 (a provisioned real server, which itself
# never claims the VIP) sends a gratuitous ARP claiming the VIP for rs2's
# MAC, as a spoofer would; rs2's knobs play no part in what arping sends.
if command -v arping >/dev/null 2>&1 && arping -V 2>&1 | grep -q iputils; then
	on rs2 sysctl -qw net.ipv4.ip_nonlocal_bind=1
	watch_start spoof client -i eth0 -e "$LAB_MAC_dir1" "$LAB_VIP"
	on rs2 arping -q -U -c 1 -w 1 -I eth0 -s "$LAB_VIP" "$LAB_VIP"
	watch_stop spoof "$LAB_VIP $LAB_MAC_rs2"
	on rs2 sysctl -qw net.ipv4.ip_nonlocal_bind=0
	expect spoof 1 "watch flags a gratuitous ARP for the VIP forged with arping on rs2: FOREIGN, exit 1" \
		-E "Z $LAB_VIP $LAB_MAC_rs2 arp-request .*FOREIGN: not an expected owner\$"
elif [ "${CI:-}" = true ]; then
	not_ok "watch and a forged frame: iputils arping is missing (CI=true: must run)"
else
	skip "watch and a forged frame: iputils arping is missing (tests/deps.sh test)"
fi

# The leaking real server: with arp_announce 0, rs1 answers a client from
# the VIP and asks for the client's MAC with the VIP as sender. Watched from
# rs2 with its own profile; then dir1 announces again: a flip-flop.
on rs1 sysctl -qw net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth0.arp_announce=0
watch_start rsleak rs2 --expect "$LAB_MAC_dir1" "$RS"
lv dir1 takeover -q "$DIR"
on rs1 ip neigh flush dev eth0
on rs1 ping -q -n -c1 -W1 -I "$LAB_VIP" "$LAB_IP_client" >/dev/null 2>&1
lv dir1 takeover -q "$DIR"
watch_stop rsleak "$LAB_VIP $LAB_MAC_dir1 arp-request FLIP-FLOP"
expect rsleak 1 "watch on rs2, rs1 leaking: exit 1"
expect rsleak 1 "watch names rs1's ARP request with the VIP as sender: FOREIGN" \
	-E "Z $LAB_VIP $LAB_MAC_rs1 arp-request owner change \(was $LAB_MAC_dir1\) FOREIGN: not an expected owner\$"
expect rsleak 1 "watch flags dir1 taking the VIP back as a FLIP-FLOP" \
	-E "Z $LAB_VIP $LAB_MAC_dir1 arp-request FLIP-FLOP: back [0-9]+\.[0-9]{3} s after losing it to $LAB_MAC_rs1\$"

# The real server watching itself: its own claim is foreign, whoever else is expected.
watch_start self rs1 "$RS"
on rs1 ip neigh flush dev eth0
on rs1 ping -q -n -c1 -W1 -I "$LAB_VIP" "$LAB_IP_client" >/dev/null 2>&1
watch_stop self "$LAB_VIP $LAB_MAC_rs1"
expect self 1 "watch on the leaking real server itself: its own claim is FOREIGN, exit 1" \
	-E "Z $LAB_VIP $LAB_MAC_rs1 arp-request \(sent by this host\) owner FOREIGN: this host never claims its VIPs"

# Flip-flop with no owner named: two directors fighting.
watch_start flip client -i eth0 "$LAB_VIP"
lv dir1 takeover -q "$DIR"
lv dir2 takeover -q "$DIR"
lv dir1 takeover -q "$DIR"
watch_stop flip "$LAB_VIP $LAB_MAC_dir1 arp-request FLIP-FLOP"
expect flip 1 "watch without --expect, dir1 -> dir2 -> dir1: exit 1"
expect flip 1 "watch flags the return to dir1 as a FLIP-FLOP" -E "Z $LAB_VIP $LAB_MAC_dir1 arp-request FLIP-FLOP"
refute flip "watch without --expect flags nothing as FOREIGN" -e FOREIGN
lv dir2 release -q "$DIR"

# Until a signal, or for --duration.
for sig in INT TERM; do
	watch_start "sig$sig" client -d 60s -i eth0 "$LAB_VIP"
	lv dir1 takeover -q "$DIR"
	wait_until 10 grep -q "$LAB_VIP $LAB_MAC_dir1" "$TMP/sig$sig.out"
	kill "-$sig" "$WATCH_PID"
	# Its 60 s --duration still runs: if it is gone, the signal stopped it.
	wait_until 30 gone "$WATCH_PID"
	stopped=$?
	[ "$stopped" -eq 0 ] || kill -KILL "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	RC=$?
	expect "sig$sig" 0 "watch stops on SIG$sig, exit 0, saying so" -F "stopped by SIG$sig"
	expect "sig$sig" 0 "watch on SIG$sig: the claims seen are in the summary" \
		-E "^  $LAB_VIP: $LAB_MAC_dir1, [1-9][0-9]* claims"
	check "watch stops on SIG$sig at once: gone while its 60 s --duration still runs" [ "$stopped" -eq 0 ]
done
t0=$(date +%s%N)
watch_start dur client -d 1s -i eth0 "$LAB_VIP"
# Nothing stops it but its --duration; the wait is bounded all the same.
wait_until 30 gone "$WATCH_PID" || kill -KILL "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID"
RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect dur 0 "watch --duration 1s ends by itself, exit 0, with its summary" -F "summary: "
check "watch --duration 1s: it ran its whole second, not less ($ms ms since it was started)" [ "$ms" -ge 1000 ]

# Privileges: CAP_NET_RAW and nothing else is enough.
run_on wcaps client setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all,+net_raw \
	--ambient-caps=+net_raw "$LVSDR" watch -d 300ms "$RS"
expect wcaps 0 "watch as an unprivileged user holding only CAP_NET_RAW: works, exit 0" -F "summary: 0 claims"
run_on wnocaps client setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$LVSDR" watch -d 300ms "$RS"
expect wnocaps 2 "watch without CAP_NET_RAW: exit 2, naming the capability" -F "needs CAP_NET_RAW"
run w-usage client watch
expect w-usage 2 "watch without a profile: usage, exit 2" -F "Usage: lvsdr watch"
run w-dur client watch -d 5 "$RS"
expect w-dur 2 "watch --duration without a unit: exit 2" -F -- "--duration 5"
run w-mac client watch -e nonsense "$RS"
expect w-mac 2 "watch --expect nonsense: exit 2" -F -- "--expect nonsense"
run w-addr client watch -i eth0 -d 100ms 192.0.2.100/24
expect w-addr 2 "watch -i with a prefix: exit 2" -F "192.0.2.100/24"

# --- what lvsdr-output(5) promises scripts, held against what they got here --
# Metric names: every one in the .prom files written above is documented
# under "Prometheus", and every documented one was written at least once.
manout=$LVSDR_ROOT/man/lvsdr-output.5
documented=$(grep -oE '^\.It Va lvsdr_[a-z_]+' "$manout" | awk '{ print $3 }' | sort -u)
written=$(cat "$TMP"/*.prom 2>/dev/null | grep -oE '^lvsdr_[a-z_]+' | sort -u)
check "verify and probe wrote metrics here ($(grep -c . <<<"$written") names)" test "$(grep -c . <<<"$written")" -ge 10
for m in $written; do
	check "lvsdr-output.5 documents the metric $m" grep -qx "$m" <<<"$documented"
done
for m in $documented; do
	# The IPVS metrics need a kernel with IPVS: the guest test
	# (t-37-ipvs-apply.sh) holds them to the page.
	[[ $m == lvsdr_ipvs_* ]] && continue
	grep -qx "$m" <<<"$written" || not_ok "lvsdr-output.5 documents the metric $m, which no .prom file here holds"
done
# probe --json members: each key printed is named in the "probe JSON"
# subsection, and each key named there was printed.
section=$(awk '/^\.Ss probe JSON/ { on = 1; next } on && /^\.S[sh] / { exit } on' "$manout")
named=$(grep -oE '(^\.|[ (])Li [a-z_-]+( , [a-z_]+)*' <<<"$section" | sed 's/^.*Li //' | tr ',' '\n' | tr -d ' ' | sort -u)
printed=$(cat "$TMP"/clean-json.out "$TMP"/leak-json.out 2>/dev/null | grep -oE '"[a-z_]+":' | tr -d '":' | sort -u)
check "probe --json printed members here ($(grep -c . <<<"$printed"))" test "$(grep -c . <<<"$printed")" -ge 10
for k in $printed; do
	check "lvsdr-output.5 probe JSON names the member $k" grep -qx "$k" <<<"$named"
done
values="inet inet6 ok leak conflict none option this-host"
for k in $named; do
	[[ " $values " == *" $k "* ]] && continue
	grep -qx "$k" <<<"$printed" || not_ok "lvsdr-output.5 probe JSON names $k, which no probe --json printed here"
done
