#!/usr/bin/env bash
# t-62: the smaller faults found running a real director pair and real
# servers, each through the real binary: what a message names,
# what a monitoring line says, what verify reports about conf/default, what
# a node_exporter text file labels, and whom watch expects.
#
#     [client] .1            probe, watch (no VIP, not a director)
#         |
#       (br0)------------+----------------+
#         |              |                |
#     [dir1] .2       [rs1] .11
#     VIPs on eth0    VIPs on lo (lvsdr apply)
#
#   VIPs: 192.0.2.100/24 and 2001:db8::100/64 on a director's eth0,
#   /32 and /128 on a real server's lo.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/verdict.sh"

lab_start t-62 client dir1 rs1

printf '[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = %s\naddress = %s\n' \
	"$LAB_VIP" "$LAB_VIP6" >"$TMP/rs.ini"
printf '[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = %s/24\naddress = %s/64\n' \
	"$LAB_VIP" "$LAB_VIP6" >"$TMP/lb.ini"
chmod 600 "$TMP"/*.ini

# --- release names where the VIPs are --------------------------------------------

run rs1 apply -q "$TMP/rs.ini"
want "apply: status $RC, not 0" status_is 0
run rs1 release "$TMP/rs.ini"
want "status $RC, not 0" status_is 0
want "no 'releasing on lo:'" out_has "^$TMP/rs.ini: releasing on lo:$"
want "it names eth0, where the real server's VIPs never are" out_lacks "on eth0"
want "the VIP is still on lo" eval '! on rs1 ip -o addr show dev lo | grep -q "$LAB_VIP/32"'
run rs1 release "$TMP/rs.ini"
want "status $RC, not 0" status_is 0
want "no 'nothing to release on lo'" out_has "^$TMP/rs.ini: nothing to release on lo$"
verdict "1 release on a real server says 'releasing on lo:' (and 'nothing to release on lo'), never eth0"
run dir1 takeover -q "$TMP/lb.ini"
run dir1 release "$TMP/lb.ini"
want "status $RC, not 0" status_is 0
want "no 'releasing on eth0:' on a director" out_has "^$TMP/lb.ini: releasing on eth0:$"
verdict "1b release on a director still says 'releasing on eth0:'"

# --- a monitoring line says the cause lvsdr knew -------------------------------------

printf '[host]\nrole = realserver\ninterface = ens3\n\n[vip]\naddress = %s\n' "$LAB_VIP" >"$TMP/ens3.ini"
printf '[host]\nrole = realserver\n' >"$TMP/broken.ini"
chmod 600 "$TMP"/*.ini
OUT=$(on rs1 "$LVSDR" verify --nagios "$TMP/ens3.ini" 2>/dev/null)
RC=$?
want "status $RC, not 3 (UNKNOWN)" status_is 3
want "the plugin line does not say 'no interface ens3'" \
	[ "$OUT" = "LVSDR VERIFY UNKNOWN: $TMP/ens3.ini: no interface ens3 in this network namespace" ]
want "it still guesses among causes" out_lacks "invalid profile, no such interface, or state unreadable"
verdict "2 verify --nagios, no such interface: 'LVSDR VERIFY UNKNOWN: PROFILE: no interface ens3 in this network namespace', exit 3"
OUT=$(on rs1 "$LVSDR" verify --nagios "$TMP/broken.ini" 2>/dev/null)
RC=$?
want "status $RC, not 3 (UNKNOWN)" status_is 3
want "the plugin line does not name the first error and how many more" \
	[ "$OUT" = "LVSDR VERIFY UNKNOWN: $TMP/broken.ini: [host] interface is missing: name the NIC on the segment shared by director and real servers (and 1 more error)" ]
verdict "2b verify --nagios, invalid profile: the first error on the plugin line, '(and 1 more error)'"
OUT=$(on client "$LVSDR" probe --nagios "$TMP/ens3.ini" 2>/dev/null)
RC=$?
want "status $RC, not 3 (UNKNOWN)" status_is 3
want "the plugin line does not say 'no interface ens3'" [ "$OUT" = "LVSDR PROBE UNKNOWN: $TMP/ens3.ini: no interface ens3" ]
verdict "2c probe --nagios, no such interface: 'LVSDR PROBE UNKNOWN: PROFILE: no interface ens3', exit 3"
OUT=$(on client "$LVSDR" probe --nagios -i eth0 192.0.2.0/24 2>/dev/null)
RC=$?
want "status $RC, not 3 (UNKNOWN)" status_is 3
want "the plugin line does not name the bad address" \
	[ "$OUT" = "LVSDR PROBE UNKNOWN: 192.0.2.0/24: not a unicast IPv4 or IPv6 address (without /prefix)" ]
verdict "2d probe --nagios -i eth0 192.0.2.0/24: the plugin line names the bad address, exit 3"
OUT=$(on rs1 "$LVSDR" verify --nagios --state nonsense "$TMP/rs.ini" 2>/dev/null)
RC=$?
want "status $RC, not 3 (UNKNOWN)" status_is 3
want "no plugin line naming --state" [ "$OUT" = "LVSDR VERIFY UNKNOWN: --state nonsense: must be master, backup, any or notified" ]
OUT2=$OUT
OUT=$(on client "$LVSDR" probe --nagios --count 0 "$TMP/rs.ini" 2>/dev/null)
want "no plugin line naming --count ($OUT)" [ "$OUT" = "LVSDR PROBE UNKNOWN: --count 0: must be a whole number, 1-10" ]
OUT=$(on client "$LVSDR" probe --nagios --bogus "$TMP/rs.ini" 2>/dev/null)
want "no plugin line naming --bogus ($OUT)" \
	[ "$OUT" = "LVSDR PROBE UNKNOWN: --bogus: not an option of lvsdr probe, or a value is missing (lvsdr probe --help)" ]
OUT="$OUT2"
verdict "2e a bad command line under --nagios: the plugin line on stdout says what is wrong (it printed none), exit 3"

# --- conf/default other than the kernel's 0 ----------------------------------------

run rs1 apply -q "$TMP/rs.ini"
run rs1 verify "$TMP/rs.ini"
want "in sync first: status $RC, not 0" status_is 0
want "a finding about conf/default with every knob 0" out_lacks "conf/default"
on rs1 sysctl -qw net.ipv4.conf.default.arp_ignore=1
run rs1 verify "$TMP/rs.ini"
want "status $RC, not 1" status_is 1
want "no warn line naming conf/default/arp_ignore = 1 and its consequence" out_has \
	"^  arp_ignore +warn +conf/default/arp_ignore = 1, not the kernel's 0: every interface created from now on starts with it \(reply only if the target address is on the receiving interface\); lvsdr never writes conf/default$"
want "no '1 to fix by hand' in the summary" out_has "1 to fix by hand"
want "a change planned for conf/default" out_lacks "set conf/default"
OUT=$(on rs1 "$LVSDR" verify --json "$TMP/rs.ini")
# shellcheck disable=SC2016
want "--json: no warn finding for conf/default/arp_ignore" jq -e '.in_sync == false and .warnings == 1 and
	([.findings[] | select(.subject == "arp_ignore" and .status == "warn" and
	 (.detail | startswith("conf/default/arp_ignore = 1, not the kernel'"'"'s 0: every interface created")))] | length) == 1' \
	<<<"$OUT" >/dev/null
verdict "3 verify: conf/default/arp_ignore = 1 (in range) is a warn finding naming the value and what it decides, text and --json"
on rs1 sysctl -qw net.ipv4.conf.default.arp_ignore=0
run rs1 verify "$TMP/rs.ini"
want "status $RC, not 0 once conf/default is 0 again" status_is 0
verdict "3b conf/default back at 0: in sync, no finding"

# --- probe --prom: two files on one host coexist ----------------------------------

# prom_merge FILE...: the files as node_exporter's textfile collector serves
# them together: each family's HELP and TYPE once, then its samples from
# every file.
prom_merge() {
	awk '
		/^# HELP / { name = $3; if (!(name in help)) { help[name] = $0; order[++n] = name } ; next }
		/^# TYPE / { type[$3] = $0; next }
		/^[a-z_]+/ { fam = $0; sub(/[{ ].*/, "", fam); samples[fam] = samples[fam] $0 "\n" }
		END { for (i = 1; i <= n; i++) printf "%s\n%s\n%s", help[order[i]], type[order[i]], samples[order[i]] }
	' "$@"
}
# series_clash MERGED: a series (name and labels) twice, or a family whose
# samples carry different label names, as the collector refuses them.
series_clash() {
	sed -n 's/^\([a-z_]*{[^}]*}\) .*/\1/p' "$1" | sort | uniq -d
	sed -n 's/^\([a-z_]*\){\(.*\)} .*/\1 \2/p' "$1" | sed -E 's/="[^"]*"//g' | sort -u | awk '{ print $1 }' | uniq -d
}
run dir1 takeover -q "$TMP/lb.ini"
want "takeover: status $RC, not 0" status_is 0
run client probe -q --prom "$TMP/a.prom" "$TMP/lb.ini"
want "probe of the profile: status $RC, not 0" status_is 0
run client probe -q --prom "$TMP/b.prom" -i eth0 "$LAB_VIP"
want "probe of one address: status $RC, not 0" status_is 0
prom_merge "$TMP/a.prom" "$TMP/b.prom" >"$TMP/merged.prom"
OUT=$(promtool check metrics <"$TMP/merged.prom" 2>&1)
want "promtool check metrics refuses the two files together: $OUT" promtool check metrics <"$TMP/merged.prom"
OUT=$(series_clash "$TMP/merged.prom")
want "series or label sets clash: $OUT" [ -z "$OUT" ]
want "no probe label naming the profile" \
	grep -qxF "lvsdr_probe_success{probe=\"$TMP/lb.ini\",interface=\"eth0\"} 1" "$TMP/merged.prom"
want "no probe label naming the address" \
	grep -qxF "lvsdr_probe_ok{probe=\"$LAB_VIP\",interface=\"eth0\",address=\"$LAB_VIP\"} 1" "$TMP/merged.prom"
verdict "4 probe --prom: two files of one host (a profile, an address) merged as node_exporter does pass promtool, no series twice"
run dir1 release -q "$TMP/lb.ini"

# --- watch from the client with a director's profile -------------------------------

# watch_run NAME HOST SECONDS ARGS...: lvsdr watch -d SECONDS in HOST, in the
# background; returns once it listens. watch_wait NAME: its status in RC.
watch_run() {
	local name=$1 host=$2 secs=$3
	shift 3
	ip netns exec "$(ns "$host")" "$LVSDR" watch -d "${secs}s" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	WATCH_PID=$!
	wait_until 10 grep -qs 'watching' "$TMP/$name.err"
}
watch_wait() {
	wait "$WATCH_PID"
	RC=$?
	OUT=$(cat "$TMP/$1.err" "$TMP/$1.out")
}
watch_run client-lb client 2 "$TMP/lb.ini"
lv dir1 takeover -q "$TMP/lb.ini"
watch_wait client-lb
want "status $RC, not 0: dir1's takeover flagged" status_is 0
want "the header lists the client's own MAC as an expected owner" out_lacks "expected owners:.*$LAB_MAC_client"
want "no header saying no owner is expected and why" \
	out_has "expected owners: any \(none given, and this host holds none of the VIPs\)$"
want "dir1's claim not logged as owner" out_has "Z $LAB_VIP $LAB_MAC_dir1 .* owner"
want "dir1's claim flagged FOREIGN" out_lacks FOREIGN
verdict "5 watch from the client with a director's profile: the client is no expected owner, dir1's takeover is not FOREIGN, exit 0"
watch_run dir1-lb dir1 1 "$TMP/lb.ini"
watch_wait dir1-lb
want "status $RC, not 0" status_is 0
want "the director holding the VIPs does not expect itself" out_has "expected owners: $LAB_MAC_dir1$"
verdict "5b watch on the director holding the VIPs, its profile: it expects itself"
lv dir1 release -q "$TMP/lb.ini"
