#!/usr/bin/env bash
# t-36: lvsdr's generic-netlink IPVS facade (src/ipvs_netlink.c)
# against a real kernel, with ipvsadm as the independent reader. This
# machine's kernel has no IPVS, so the script re-runs itself in a user-mode
# Linux guest (tests/lib/guest.sh).
#
#   [netns ipvs36-PID]   lo up
#     v0 198.51.100.1/24, 2001:db8:1::1/64 ---veth--- v1 (nobody behind it)
#     route 192.0.2.100/32 dev v0: a local client's packets to the VIP
#     the table: written and read by tests/helpers/ipvs-tool (the facade),
#     read again by `ipvsadm -Sn` / `-Ln --stats` / `-Lnc`
#
# Real servers 198.51.100.11-14 and 2001:db8:1::11-21 never answer: the
# table, its counters and the connection entries are what is judged.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/guest.sh"

TOOL=$HELPERS/ipvs-tool
# Here, before the guest: a kernel without IPVS is named as such (the engine
# tells it apart by -ENOENT and reports the table as unreadable).
if [ ! -e /proc/net/ip_vs ]; then
	OUT=$("$TOOL" list 2>&1)
	RC=$?
	check "0 no IPVS in this kernel: said so, status 2 (got $RC: $OUT)" \
		[ "$RC: $OUT" = "2: ipvs-tool: the kernel has no IPVS (module ip_vs not loaded or not built)" ]
fi
guest_reexec "$0" "$@"

NS=ipvs36-$$
TMPD=$(mktemp -d /tmp/lvsdr-t36.XXXXXX) || exit 1
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
n() { ip netns exec "$NS" "$@"; }

# tool COMMAND...: the facade in the namespace; OUT and RC.
tool() {
	OUT=$(n "$TOOL" "$@" 2>&1)
	RC=$?
}

# same NAME WANT_RC WANT_TEXT: the last tool run, exactly.
same() {
	local name=$1 want_rc=$2 want=$3
	if [ "$RC" = "$want_rc" ] && [ "$OUT" = "$want" ]; then
		ok "$name"
		return 0
	fi
	not_ok "$name (status $RC, wanted $want_rc)"
	# Files, not <(...): the guest has no /dev/fd.
	printf '%s\n' "$want" >"$TMPD/want"
	printf '%s\n' "$OUT" >"$TMPD/got"
	diff -u "$TMPD/want" "$TMPD/got" | sed 's/^/#   /'
	return 1
}

# same_text NAME WANT GOT
same_text() {
	OUT=$3 RC=0 same "$1" 0 "$2"
}

# ipvsadm's view, sorted: it lists services in the kernel's hash order.
oracle() { n ipvsadm -Sn | sort; }

ip netns add "$NS" || { not_ok "t-36: create namespace $NS"; exit 1; }

# --- 1. A namespace with no address and no route at all ------------------
tool "add-service tcp 192.0.2.100 80 sched rr" "add-dest tcp 192.0.2.100 80 dest 198.51.100.11 80" \
	"del-service tcp 192.0.2.100 80"
same "1 no route: the kernel refuses the DR real server (EINVAL), reported for that change alone" 1 \
	"ok add-service tcp/192.0.2.100:80
error add-dest tcp/192.0.2.100:80 198.51.100.11:80: Invalid argument (-22)
ok del-service tcp/192.0.2.100:80"
check "1 no route: the table is empty again (ipvsadm -Sn)" [ -z "$(n ipvsadm -Sn)" ]

n ip link set lo up
n ip link add v0 type veth peer name v1
n ip link set v0 up
n ip link set v1 up
n ip addr add 198.51.100.1/24 dev v0
n ip addr add 2001:db8:1::1/64 dev v0 nodad
n ip route add 192.0.2.100/32 dev v0

# --- 2. Schedulers ---------------------------------------------------------
# Every scheduler module the kernel has loaded (the guest loads them all).
SCHEDS=$(find /sys/module -maxdepth 1 -name 'ip_vs_*' -printf '%f\n' | sed 's/^ip_vs_//' |
	grep -Ev '^(ftp|pe_.*)$' | sort | tr '\n' ' ')
echo "# schedulers of this kernel ($(uname -r)): $SCHEDS"
missing=
for s in rr wrr lc wlc sh mh; do
	case " $SCHEDS " in *" $s "*) ;; *) missing="$missing $s" ;; esac
done
check "2 the kernel offers rr, wrr, lc, wlc, sh and mh (missing:${missing:- none})" [ -z "$missing" ]
args=() want=
for s in $SCHEDS nosuch ../ip_vs rr/x; do
	args+=("scheduler $s")
	case "$s" in nosuch | */*) want+="scheduler $s missing"$'\n' ;; *) want+="scheduler $s available"$'\n' ;; esac
done
tool "${args[@]}"
same "2 ipvs_scheduler_available: every loaded scheduler, and no made-up or path-like name" 0 "${want%$'\n'}"

# --- 3. Load a table in one pipelined run ------------------------------------
LOAD=(
	"add-service tcp 192.0.2.100 80 sched rr"
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.11 80 weight 3"
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.12 80 uthreshold 100 lthreshold 10"
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.13 80 method tunnel weight 2"
	"add-dest tcp 192.0.2.100 80 dest 2001:db8:1::20 80 method tunnel"
	"add-service udp 192.0.2.100 53 sched wrr flags 4"
	"add-dest udp 192.0.2.100 53 dest 198.51.100.11 53"
	"add-service udp 192.0.2.100 5353 sched rr"
	"add-dest udp 192.0.2.100 5353 dest 198.51.100.11 5353"
	"add-service sctp 192.0.2.100 9 sched lc"
	"add-dest sctp 192.0.2.100 9 dest 198.51.100.12 9 weight 0"
	"add-service tcp 192.0.2.100 443 sched wlc flags 1 timeout 300 prefix 24"
	"add-dest tcp 192.0.2.100 443 dest 198.51.100.11 443"
	"add-service tcp 2001:db8::100 80 sched sh flags 24"
	"add-dest tcp 2001:db8::100 80 dest 2001:db8:1::11 80 weight 5"
	"add-service udp 2001:db8::100 53 sched mh flags 8"
	"add-dest udp 2001:db8::100 53 dest 2001:db8:1::12 53 method tunnel"
	"add-service fwmark 1 inet sched wlc flags 1 timeout 600 prefix 32"
	"add-dest fwmark 1 inet dest 198.51.100.11 0"
	"add-service fwmark 2 inet6 sched rr flags 1 timeout 120 prefix 64"
	"add-dest fwmark 2 inet6 dest 2001:db8:1::11 0"
)
i=0
for s in $SCHEDS; do
	LOAD+=("add-service tcp 192.0.2.101 $((1000 + i)) sched $s")
	i=$((i + 1))
done
want=
for c in "${LOAD[@]}"; do
	set -- $c
	case "$1" in
	*-dest)
		if [ "$2" = fwmark ]; then key="fwmark $3 ($([ "$4" = inet ] && echo IPv4 || echo IPv6))" && shift 4
		else key="$2/$([[ $3 == *:* ]] && echo "[$3]" || echo "$3"):$4" && shift 4; fi
		d="$([[ $2 == *:* && $3 != 0 ]] && echo "[$2]:$3" || { [ "$3" = 0 ] && echo "$2" || echo "$2:$3"; })"
		want+="ok add-dest $key $d"$'\n' ;;
	*)
		if [ "$2" = fwmark ]; then key="fwmark $3 ($([ "$4" = inet ] && echo IPv4 || echo IPv6))"
		else key="$2/$([[ $3 == *:* ]] && echo "[$3]" || echo "$3"):$4"; fi
		want+="ok add-service $key"$'\n' ;;
	esac
done
tool "${LOAD[@]}" requests
same "3 load: ${#LOAD[@]} changes in one pipelined run, each acknowledged, one request each" 0 \
	"${want}requests ${#LOAD[@]}"

WANT_LIST="tcp/192.0.2.100:80 sched rr flags 0x0 timeout 0 prefix 32
  -> 198.51.100.11:80 method dr weight 3 uthreshold 0 lthreshold 0
  -> 198.51.100.12:80 method dr weight 1 uthreshold 100 lthreshold 10
  -> 198.51.100.13:80 method tunnel weight 2 uthreshold 0 lthreshold 0
  -> [2001:db8:1::20]:80 method tunnel weight 1 uthreshold 0 lthreshold 0
tcp/192.0.2.100:443 sched wlc flags 0x1 timeout 300 prefix 24
  -> 198.51.100.11:443 method dr weight 1 uthreshold 0 lthreshold 0"
i=0
for s in $SCHEDS; do
	WANT_LIST+=$'\n'"tcp/192.0.2.101:$((1000 + i)) sched $s flags 0x0 timeout 0 prefix 32"
	i=$((i + 1))
done
WANT_LIST+="
udp/192.0.2.100:53 sched wrr flags 0x4 timeout 0 prefix 32
  -> 198.51.100.11:53 method dr weight 1 uthreshold 0 lthreshold 0
udp/192.0.2.100:5353 sched rr flags 0x0 timeout 0 prefix 32
  -> 198.51.100.11:5353 method dr weight 1 uthreshold 0 lthreshold 0
sctp/192.0.2.100:9 sched lc flags 0x0 timeout 0 prefix 32
  -> 198.51.100.12:9 method dr weight 0 uthreshold 0 lthreshold 0
fwmark 1 (IPv4) sched wlc flags 0x1 timeout 600 prefix 32
  -> 198.51.100.11 method dr weight 1 uthreshold 0 lthreshold 0
tcp/[2001:db8::100]:80 sched sh flags 0x18 timeout 0 prefix 128
  -> [2001:db8:1::11]:80 method dr weight 5 uthreshold 0 lthreshold 0
udp/[2001:db8::100]:53 sched mh flags 0x8 timeout 0 prefix 128
  -> [2001:db8:1::12]:53 method tunnel weight 1 uthreshold 0 lthreshold 0
fwmark 2 (IPv6) sched rr flags 0x1 timeout 120 prefix 64
  -> 2001:db8:1::11 method dr weight 1 uthreshold 0 lthreshold 0"
tool list
same "3 the list reads back exactly what was written (sorted: family, address services by protocol, address, port, then fwmark)" 0 \
	"$WANT_LIST"

WANT_SAVE="-A -f 1 -s wlc -p 600
-A -f 2 -6 -s rr -p 120 -M 64
-A --sctp-service 192.0.2.100:9 -s lc
-A -t 192.0.2.100:443 -s wlc -p 300 -M 255.255.255.0
-A -t 192.0.2.100:80 -s rr
-A -t [2001:db8::100]:80 -s sh -b sh-fallback,sh-port
-A -u 192.0.2.100:53 -s wrr -o
-A -u 192.0.2.100:5353 -s rr
-A -u [2001:db8::100]:53 -s mh -b mh-fallback
-a -f 1 -r 198.51.100.11:0 -g -w 1
-a -f 2 -6 -r [2001:db8:1::11]:0 -g -w 1
-a --sctp-service 192.0.2.100:9 -r 198.51.100.12:9 -g -w 0
-a -t 192.0.2.100:443 -r 198.51.100.11:443 -g -w 1
-a -t 192.0.2.100:80 -r 198.51.100.11:80 -g -w 3
-a -t 192.0.2.100:80 -r 198.51.100.12:80 -g -w 1
-a -t 192.0.2.100:80 -r 198.51.100.13:80 -i -w 2 --tun-type ipip
-a -t 192.0.2.100:80 -r [2001:db8:1::20]:80 -i -w 1 --tun-type ipip
-a -t [2001:db8::100]:80 -r [2001:db8:1::11]:80 -g -w 5
-a -u 192.0.2.100:53 -r 198.51.100.11:53 -g -w 1
-a -u 192.0.2.100:5353 -r 198.51.100.11:5353 -g -w 1
-a -u [2001:db8::100]:53 -r [2001:db8:1::12]:53 -i -w 1 --tun-type ipip"
i=0
for s in $SCHEDS; do
	WANT_SAVE+=$'\n'"-A -t 192.0.2.101:$((1000 + i)) -s $s"
	i=$((i + 1))
done
same_text "3 ipvsadm -Sn shows the same table" "$(sort <<<"$WANT_SAVE")" "$(oracle)"
# ipvsadm -S leaves the thresholds out; -L --thresholds shows them.
got=$(n ipvsadm -Ln --thresholds -t 192.0.2.100:80 | awk '$1 == "->" && $2 != "RemoteAddress:Port" {print $2, $3, $4}')
same_text "3 ipvsadm -Ln --thresholds shows the thresholds written" "198.51.100.11:80 0 0
198.51.100.12:80 100 10
198.51.100.13:80 0 0
[2001:db8:1::20]:80 0 0" "$got"

# --- 4. Edit in place ----------------------------------------------------------
# One UDP datagram from this namespace to the VIP: IPVS schedules it (local
# clients count) and keeps a connection entry for the real server.
n bash -c 'echo probe >/dev/udp/192.0.2.100/5353'
# The estimator folds the counters in every 2 s.
udp_counted() {
	tool stats
	grep -q '^  -> 198.51.100.11:5353 .* inactive 1 .* conns 1 ' <<<"$OUT"
}
if ! wait_until 6 udp_counted; then
	not_ok "4 a datagram to udp/192.0.2.100:5353 makes one connection, counted within 6 s"
	printf '%s\n' "$OUT" | sed 's/^/#   /'
fi
conn_before=$(n ipvsadm -Lnc | grep -c '192.0.2.100:5353 *198.51.100.11:5353')
tool "edit-dest udp 192.0.2.100 5353 dest 198.51.100.11 5353 weight 4" "edit-service udp 192.0.2.100 5353 sched wrr" \
	requests
same "4 edit: weight and scheduler changed in place, one request each" 0 \
	"ok edit-dest udp/192.0.2.100:5353 198.51.100.11:5353
ok edit-service udp/192.0.2.100:5353
requests 2"
tool stats
# Outgoing counters left out: the director's ICMP "host unreachable" for
# the silent real server may or may not have passed IPVS yet.
same_text "4 edit: the service keeps its counters and the real server its connection" \
	"udp/192.0.2.100:5353 sched wrr flags 0x0 timeout 0 prefix 32 conns 1 inpkts 1 inbytes 34
  -> 198.51.100.11:5353 method dr weight 4 uthreshold 0 lthreshold 0 active 0 inactive 1 persistent 0 conns 1 inpkts 1" \
	"$(grep -A1 '^udp/192.0.2.100:5353 ' <<<"$OUT" | sed -E 's/ outpkts [0-9]+//; s/ outbytes [0-9]+//')"
got=$(n ipvsadm -Ln --stats -u 192.0.2.100:5353 | awk '$1 == "UDP" || $1 == "->" && $2 ~ /5353/ {print $1, $2, $3, $4, $6}')
same_text "4 edit: ipvsadm -Ln --stats shows the same counters (conns, inpkts, inbytes)" "UDP 192.0.2.100:5353 1 1 34
-> 198.51.100.11:5353 1 1 34" "$got"
conn_after=$(n ipvsadm -Lnc | grep -c '192.0.2.100:5353 *198.51.100.11:5353')
check "4 edit: the connection entry is still there (ipvsadm -Lnc: $conn_before before, $conn_after after)" \
	[ "$conn_before $conn_after" = "1 1" ]
got=$(n ipvsadm -Sn | grep 5353 | sort)
same_text "4 edit: ipvsadm -Sn shows the new weight and scheduler" "-A -u 192.0.2.100:5353 -s wrr
-a -u 192.0.2.100:5353 -r 198.51.100.11:5353 -g -w 4" "$got"

tool requests "edit-dest tcp 192.0.2.100 80 dest 198.51.100.11 80 weight 5" requests
same "4 one changed weight costs one request (one SET_DEST)" 0 "requests 0
ok edit-dest tcp/192.0.2.100:80 198.51.100.11:80
requests 1"
nsvc=$(n ipvsadm -Sn | grep -c '^-A')
tool list
tool requests list requests
check "4 a list costs one service dump and one destination dump per service ($nsvc services: $(tail -1 <<<"$OUT"))" \
	[ "$(tail -1 <<<"$OUT")" = "requests $((nsvc + 1))" ]

# --- 5. Failures, one per change, in one pipelined run ---------------------------
before=$(oracle)
tool "add-service tcp 192.0.2.100 80 sched rr" \
	"add-service tcp 192.0.2.100 81 sched nosuch" \
	"add-dest tcp 192.0.2.100 82 dest 198.51.100.11 82" \
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.11 80" \
	"add-dest tcp 192.0.2.100 80 dest 2001:db8:1::21 80" \
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.14 80 weight 2147483648" \
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.14 80 uthreshold 5 lthreshold 10" \
	"edit-dest tcp 192.0.2.100 80 dest 198.51.100.99 80" \
	"del-dest tcp 192.0.2.100 80 dest 198.51.100.99 80" \
	"del-service tcp 192.0.2.100 83" \
	"add-dest tcp 192.0.2.100 80 dest 198.51.100.14 80 weight 9"
same "5 failures: each change gets the kernel's own error, and a good change after them still runs" 1 \
	"error add-service tcp/192.0.2.100:80: File exists (-17)
error add-service tcp/192.0.2.100:81: No such file or directory (-2)
error add-dest tcp/192.0.2.100:82 198.51.100.11:82: No such process (-3)
error add-dest tcp/192.0.2.100:80 198.51.100.11:80: File exists (-17)
error add-dest tcp/192.0.2.100:80 [2001:db8:1::21]:80: Invalid argument (-22)
error add-dest tcp/192.0.2.100:80 198.51.100.14:80: Numerical result out of range (-34)
error add-dest tcp/192.0.2.100:80 198.51.100.14:80: Numerical result out of range (-34)
error edit-dest tcp/192.0.2.100:80 198.51.100.99:80: No such file or directory (-2)
error del-dest tcp/192.0.2.100:80 198.51.100.99:80: No such file or directory (-2)
error del-service tcp/192.0.2.100:83: No such process (-3)
ok add-dest tcp/192.0.2.100:80 198.51.100.14:80"
same_text "5 failures: ipvsadm -Sn shows nothing changed but the one good change" \
	"$(sort <<<"$before"$'\n'"-a -t 192.0.2.100:80 -r 198.51.100.14:80 -g -w 9")" "$(oracle)"

# --- 6. Delete ------------------------------------------------------------------
tool list
list_before=$OUT
before=$(oracle)
tool "del-dest tcp 192.0.2.100 80 dest 198.51.100.14 80" "del-service tcp 192.0.2.100 443" \
	"del-service fwmark 2 inet6" "del-dest tcp 192.0.2.100 80 dest 2001:db8:1::20 80" requests
same "6 delete: real servers and services (with their real servers) go, one request each" 0 \
	"ok del-dest tcp/192.0.2.100:80 198.51.100.14:80
ok del-service tcp/192.0.2.100:443
ok del-service fwmark 2 (IPv6)
ok del-dest tcp/192.0.2.100:80 [2001:db8:1::20]:80
requests 4"
gone='198\.51\.100\.14:80|192\.0\.2\.100:443|-f 2 |2001:db8:1::20'
same_text "6 delete: ipvsadm -Sn shows exactly those gone" "$(grep -Ev -- "$gone" <<<"$before")" "$(oracle)"
tool list
same "6 delete: the list shows exactly those gone" 0 \
	"$(grep -Ev '198\.51\.100\.14:80|192\.0\.2\.100:443 |198\.51\.100\.11:443|fwmark 2 |2001:db8:1::11 method|2001:db8:1::20' \
		<<<"$list_before")"

# --- 7. A large table ----------------------------------------------------------
n ipvsadm -C
tool "batch 100 10" requests
lines=$(grep -c '^ok ' <<<"$OUT")
check "7 batch: 100 services x 10 real servers in one run: 1,100 changes acknowledged, 1,100 requests (got $lines, $(tail -1 <<<"$OUT"))" \
	[ "$RC $lines $(tail -1 <<<"$OUT")" = "0 1100 requests 1100" ]
got="$(n ipvsadm -Sn | grep -c '^-A -t 192.0.2.100:1[0-9]* -s wlc$') $(n ipvsadm -Sn | grep -c '^-a -t 192.0.2.100:\(1[0-9]*\) -r 198.51.100.[0-9]*:\1 -g -w 1$')"
check "7 batch: ipvsadm -Sn shows 100 services and 1,000 DR real servers on their ports (got $got)" [ "$got" = "100 1000" ]
tool list
got="$(grep -c '^tcp/192.0.2.100:1[0-9]* sched wlc ' <<<"$OUT") $(grep -c '^  -> 198.51.100.[0-9]*:1[0-9]* method dr weight 1 ' <<<"$OUT")"
check "7 batch: the list reads back 100 services and 1,000 real servers (got $got)" [ "$got" = "100 1000" ]
tool requests "edit-dest tcp 192.0.2.100 10042 dest 198.51.100.7 10042 weight 3" requests
same "7 batch: one changed weight among 1,000 real servers costs one request" 0 "requests 0
ok edit-dest tcp/192.0.2.100:10042 198.51.100.7:10042
requests 1"
check "7 batch: ipvsadm shows that one weight" n sh -c "ipvsadm -Sn | grep -qx -- '-a -t 192.0.2.100:10042 -r 198.51.100.7:10042 -g -w 3'"
