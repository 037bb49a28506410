#!/usr/bin/env bash
# t-39: lvsdr never touches IPVS services it did not create (verify warns,
# apply leaves them, --adopt takes them over), and its changes are all or
# nothing: a fault at every step and a SIGTERM half-way leave the table byte
# for byte as it was. In the user-mode Linux guest.
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

ipvs_director_applied
# --- what lvsdr does not own ----------------------------------------------
on dir1 ipvsadm -A -t "$LAB_VIP:443" -s wlc
on dir1 ipvsadm -a -t "$LAB_VIP:443" -r "$LAB_IP_rs1:443" -g -w 3
on dir1 ipvsadm -A -t "$LAB_VIP:81" -s wlc
BEFORE=$(table)
run dir1 verify "$P"
want "status $RC" status_is 1
want "warn" out_has 'tcp/192\.0\.2\.100:443 +warn +a service lvsdr did not create, on a VIP of this profile'
verdict "verify warns of a foreign service on a profile VIP"
run dir1 apply "$P"
check "apply leaves the foreign services alone (status $RC)" [ "$(table)" = "$BEFORE" ]
cat >>"$P" <<-INI

	[service admin]
	address = $LAB_VIP
	port = tcp/81
	scheduler = rr
	realserver = $LAB_IP_rs1
	INI
run dir1 apply "$P"
want "status $RC, not 2" status_is 2
want "blocked" out_has 'tcp/192\.0\.2\.100:81 +blocked +a service on this key exists that lvsdr did not create'
want "table changed" [ "$(table)" = "$BEFORE" ]
verdict "a foreign service on a profile key blocks apply, nothing changed"
run dir1 apply --adopt "$P"
want "status $RC" status_is 0
want "edit" out_has 'edit service tcp/192\.0\.2\.100:81 \(scheduler rr\)'
verdict "apply --adopt takes the service over, edited in place"
check "adopted: rr, rs1 added" grep -qx -- "-a -t 192.0.2.100:81 -r 192.0.2.11:81 -g -w 1" <<<"$(table)"
run dir1 verify "$P"
check "after adoption verify is in sync except the foreign :443 (status $RC)" [ "$RC" = 1 ]

# --- all or nothing -----------------------------------------------------
# One run that holds every kind of IPVS change (a service edited, added and
# deleted, a real server edited, added, drained and deleted, both
# families): a fault injected at each of its steps, and a SIGTERM half-way,
# leave the table byte for byte as it was (ipvsadm -Sn), the foreign
# service included.
on dir1 ipvsadm -D -t "$LAB_VIP:81"
{ base; printf '[service a]\naddress = %s\nport = tcp/80\nscheduler = rr\nrealserver = %s\nrealserver = %s\n' \
	"$LAB_VIP" "$LAB_IP_rs1" "$LAB_IP_rs2"
  printf '[service b]\naddress = %s\nport = udp/80\nscheduler = rr\nrealserver = %s\n' "$LAB_VIP" "$LAB_IP_rs1"
} >"$P"
run dir1 apply "$P"
want "status $RC" status_is 0
want "services $(table | grep -c '^-A')" [ "$(table | grep -c '^-A')" = 3 ]
verdict "the services that left the profile are gone (idle: at once), the foreign one stays"
BEFORE=$(table)
{ base; printf '[service a]\naddress = %s\nport = tcp/80\nscheduler = wlc\nrealserver = %s weight=3\n' \
	"$LAB_VIP" "$LAB_IP_rs1"
  printf '[service c]\naddress = %s\nport = tcp/8080\nscheduler = rr\nrealserver = %s\n' "$LAB_VIP" "$LAB_IP_rs1"
  printf '[service d]\naddress = %s\nport = tcp/80\nscheduler = sh\nsh-port = yes\nrealserver = %s\n' \
	"$LAB_VIP6" "$LAB_IP6_rs2"
} >"$P"
OUT=$(lv dir1 apply -n --json "$P")
STEPS=$(jq '.changes | length' <<<"$OUT")
KINDS=$(jq -r '[.changes[].action] | unique | join(" ")' <<<"$OUT")
check "the run has $STEPS steps of every kind ($KINDS)" \
	[ "$KINDS" = "add-realserver add-service delete-realserver delete-service edit-realserver edit-service" ]
KEYS=$(jq -r '[.changes[] | keys[]] | unique | join(" ")' <<<"$OUT")
check "its changes carry the keys lvsdr-output.5 names ($KEYS)" \
	[ "$KEYS" = "action method realserver scheduler service weight" ]
undocumented=
for word in $KEYS $KINDS; do
	grep -Eq "^\.(It )?Li $word( |\$)" "$LVSDR_ROOT/man/lvsdr-output.5" || undocumented="$undocumented $word"
done
check "lvsdr-output.5 documents each IPVS action and key${undocumented:+: missing$undocumented}" [ -z "$undocumented" ]
failed=
STEP_LIST=$(seq 1 "${STEPS:-0}")
# Under valgrind (6 s a run in the guest) the first, a middle and the last
# step: make check and make asan fault every one.
if [ -n "${LVSDR_WRAP_OTHER:-}" ]; then
	STEP_LIST=$(printf '%s\n' 1 $(((${STEPS:-0} + 1) / 2)) "${STEPS:-0}" | sort -un)
fi
for k in $STEP_LIST; do
	OUT=$(on dir1 env LVSDR_FAULT_STEP=$k "$LVSDR" apply "$P" 2>&1)
	RC=$?
	if [ "$RC" != 2 ] || [ "$(table)" != "$BEFORE" ] || ! grep -q 'the host is as it was' <<<"$OUT"; then
		failed="$failed $k(status $RC)"
	fi
done
check "a fault at step $(echo $STEP_LIST | tr ' ' ,) of $STEPS rolls the table back byte for byte${failed:+: failed at$failed}" \
	[ -z "$failed" ]
ip netns exec "$(ns dir1)" env LVSDR_TEST_STEP_DELAY_MS=1000 "$LVSDR" apply "$P" >"$TMP/term.out" 2>&1 &
pid=$!
# The first step is in the kernel: the signal lands with steps still to come.
wait_until 20 sh -c '[ "$(ip netns exec '"$(ns dir1)"' ipvsadm -Sn)" != "$0" ]' "$BEFORE"
kill -TERM "$pid" 2>/dev/null
wait "$pid"
RC=$?
check "SIGTERM mid-apply: status 2 and the table as before (status $RC)" \
	[ "$RC" = 2 -a "$(table)" = "$BEFORE" ]
run dir1 apply "$P"
want "status $RC" status_is 0
want "table" [ "$(table | grep -c '^-A')" = 4 ]
verdict "the same run without a fault applies"

