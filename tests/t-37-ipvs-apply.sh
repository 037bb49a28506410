#!/usr/bin/env bash
# t-37: lvsdr configures the director's IPVS table from the profile, and the
# cluster forwards: TCP and UDP, IPv4 and IPv6, split as the scheduler says,
# replies straight to the client. Needs a kernel with IPVS: on this
# machine's, the script re-runs itself in a user-mode Linux guest
# (tests/lib/guest.sh). ipvsadm is the independent reader, never the writer.
#
#        [client] 192.0.2.1 / 2001:db8::1
#            |          asks VIP:80, counts who answered
#          (br0)---------------+--------------------+
#            |                 |                    |
#        [dir1] .2 / ::2    [rs1] .11 / ::11     [rs2] .12 / ::12
#        VIP on eth0,       VIP on lo, arp_ignore=1, arp_announce=2,
#        lvsdr apply        TCP and UDP :80 answering "rs1" / "rs2",
#                           TCP :8080 echoing (held connections)
#
#   VIP 192.0.2.100 and 2001:db8::100; the profile: tests/lib/ipvs-director.sh.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"
guest_reexec "$0" "$@"
. "$(dirname "$0")/lib/ipvs-director.sh"

ipvs_director_up

profile
run dir1 verify "$P"
want "status $RC, not 1" status_is 1
want "no missing web" out_has 'tcp/192\.0\.2\.100:80 +drift +missing: apply adds it \(scheduler rr, 2 real servers\)'
want "no IPv6 service" out_has 'udp/\[2001:db8::100\]:80 +drift +missing'
verdict "verify names each missing service with its scheduler and real servers"

run dir1 apply "$P"
want "status $RC" status_is 0
want "no add service step" out_has 'add service tcp/192\.0\.2\.100:80 \(scheduler rr\)'
want "no add real server step" out_has 'add real server 192\.0\.2\.12:80 to tcp/192\.0\.2\.100:80 \(weight 1, dr\)'
want "not in sync" out_has '^ok: in sync'
verdict "apply creates the table"

OUT=$(table)
want "web" out_has '^-A -t 192\.0\.2\.100:80 -s rr$'
want "web rs1" out_has '^-a -t 192\.0\.2\.100:80 -r 192\.0\.2\.11:80 -g -w 1$'
want "web rs2" out_has '^-a -t 192\.0\.2\.100:80 -r 192\.0\.2\.12:80 -g -w 1$'
want "dns6 one-packet" out_has '^-A -u \[2001:db8::100\]:80 -s rr -o$'
want "dns6 rs" out_has '^-a -u \[2001:db8::100\]:80 -r \[2001:db8::12\]:80 -g -w 1$'
want "services: $(grep -c '^-A' <<<"$OUT")" [ "$(grep -c '^-A' <<<"$OUT")" = 5 ]
want "real servers: $(grep -c '^-a' <<<"$OUT")" [ "$(grep -c '^-a' <<<"$OUT")" = 10 ]
verdict "ipvsadm -Sn reads the table the profile describes, and nothing else"

for svc in "tcp $LAB_VIP" "udp $LAB_VIP" "tcp $LAB_VIP6" "udp $LAB_VIP6"; do
	set -- $svc
	got=$(ipvs_lab_split "$N" "$1" "$2")
	check "$1 $(ipvs_lab_hostport "$2"): $N requests split 5/5 by rr (got $got)" [ "$got" = "rs1=5 rs2=5 other=0" ]
	OUT=$(ipvs_lab_wait_stats dir1 "$1" "$2" "$N")
	read -r conns _ outpkts <<<"$OUT"
	check "$1 $(ipvs_lab_hostport "$2"): the replies bypass the director (Conns ${conns:-?}, OutPkts ${outpkts:-?})" \
		[ "${conns:-}" = "$N" -a "${outpkts:-}" = 0 ]
done

run dir1 verify "$P"
want "status $RC" status_is 0
want "summary" out_has '^ok: in sync \(.*5 services, 10 real servers\)$'
verdict "verify after apply: in sync, services and real servers counted"

run dir1 apply "$P"
want "status $RC" status_is 0
want "changes" out_lacks 'apply|add|edit'
verdict "a second apply changes nothing"

# A service lvsdr did not create, for the metrics and the import below.
on dir1 ipvsadm -A -t "$LAB_VIP:443" -s wlc
on dir1 ipvsadm -a -t "$LAB_VIP:443" -r "$LAB_IP_rs1:443" -g -w 3

# --- monitoring and import ------------------------------------------------
run dir1 verify -q --prom "$TMP/ipvs.prom" "$P"
OUT=$(cat "$TMP/ipvs.prom")
want "weight" out_has '^lvsdr_ipvs_backend_weight\{profile=".*",local_address="192\.0\.2\.100",local_port="80",local_mark="",proto="TCP",remote_address="192\.0\.2\.11",remote_port="80"\} 1$'
want "owned" out_has '^lvsdr_ipvs_service_owned\{.*local_port="443".*\} 0$'
for m in $(grep -oE '^\.It Va lvsdr_ipvs_[a-z_]+' "$LVSDR_ROOT/man/lvsdr-output.5" | awk '{ print $3 }'); do
	want "$m not written" out_has "^$m\{"
done
verdict "verify --prom: every IPVS metric lvsdr-output(5) documents, with node_exporter's labels"
if command -v promtool >/dev/null 2>&1; then
	check "promtool accepts the IPVS metrics" sh -c "promtool check metrics <'$TMP/ipvs.prom' >/dev/null 2>&1"
fi

on dir1 ipvsadm -Sn >"$TMP/saved"
OUT=$(lv dir1 import - <"$TMP/saved" 2>&1)
RC=$?
want "status $RC" status_is 0
want "web" out_has '^address = 192\.0\.2\.100$'
want "one-packet" out_has '^one-packet = yes$'
verdict "import - reads ipvsadm-save -n"
{ printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = %s/24\naddress = %s/64\n' "$LAB_VIP" "$LAB_VIP6"
	printf '%s\n' "$OUT"; } >"$TMP/imported.ini"
run dir1 check "$TMP/imported.ini"
want "status $RC" status_is 0
verdict "what import prints is a valid profile"
OUT=$(lv dir1 import 2>&1)
check "import of the live table equals import of ipvsadm-save (status $?)" \
	[ "$OUT" = "$(lv dir1 import - <"$TMP/saved" 2>&1)" ]
