# shellcheck shell=bash
# An LVS direct-routing cluster that forwards, on a kernel with IPVS (inside
# the guest of tests/lib/guest.sh). Source it after common.sh and lab.sh: it
# builds on lab.sh's switch and hosts, and only defines things until a test
# calls ipvs_lab_up.
#
#        [client] .1 / ::1          asks VIP:80 N times, counts who answered
#            |
#          (br0)---------------+--------------------+
#            |                 |                    |
#        [dir1] .2 / ::2    [rs1] .11 / ::11     [rs2] .12 / ::12
#        VIP on eth0        VIP/32, VIP/128 on lo, arp_ignore=1, arp_announce=2
#        (/24, /64)         TCP :80 on the VIP answers "rs1" / "rs2",
#                           UDP :80 echoes (and logs: whose answer it was)
#        IPVS: whatever the test configures (ipvsadm as an oracle, or lvsdr)
#
#   VIP 192.0.2.100 and 2001:db8::100 (LAB_VIP, LAB_VIP6), one segment.
#
#   ipvs_lab_up [HOST...]         lab_up (client dir1 rs1 rs2 by default), the
#                                 VIPs bound, real servers serving
#   ipvs_lab_down                 remove it all (the EXIT trap; idempotent)
#   ipvs_lab_ask N tcp|udp ADDR   N fresh connections (datagrams) from the
#                                 client to ADDR port 80; one line per answer
#   ipvs_lab_split N PROTO ADDR   the answers counted: "rs1=5 rs2=5 other=0"
#   ipvs_lab_hostport ADDR [PORT] ADDR:PORT, [ADDR]:PORT for IPv6
#   ipvs_lab_stats HOST PROTO ADDR   "CONNS INPKTS OUTPKTS" of that service in
#                                 `ipvsadm -Ln --stats` (an independent reader)
#   ipvs_lab_wait_stats HOST PROTO ADDR CONNS   wait (3 s: the estimator folds
#                                 the counters in every 2 s) until the
#                                 service counts CONNS connections, print stats

IPVS_LAB_PORT=80
# How long a client waits for one answer (a lost one is a failure, not a
# hang): generous, a loaded machine slows the guest tenfold.
IPVS_LAB_WAIT=5

# ipvs_lab_realserver HOST: the VIPs on lo and the ARP knobs that keep HOST
# from answering for them; then TCP and UDP servers on the VIPs.
ipvs_lab_realserver() {
	local h=$1 proto addr
	# One process for both: each costs 0.1-0.3 s in the guest.
	ip -n "$(ns "$h")" -batch - <<-EOF || return 1
		addr add $LAB_VIP/32 dev lo
		addr add $LAB_VIP6/128 dev lo nodad
	EOF
	on "$h" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2 || return 1
	# A real server answers for the VIP, from the VIP, or the client's
	# connected socket drops the answer. TCP: bound to the VIPs, each
	# connection gets the file holding the name and is closed (no process
	# started per connection: each costs 0.1-0.2 s in the guest). UDP: the
	# project's udpecho answers from the address each datagram was sent to
	# and logs it; which real server answered is read from the logs. (socat's
	# UDP-RECVFROM,fork can fork twice for one datagram, and the second child
	# then answers the next client's datagram to the previous client's port:
	# under load 1 answer in 10 was lost.)
	echo "$h" >"$IPVS_LAB_DIR/$h" || return 1
	for addr in "$LAB_VIP" "[$LAB_VIP6]"; do
		proto=
		[[ $addr == \[* ]] && proto=6
		on "$h" socat -U "TCP$proto-LISTEN:$IPVS_LAB_PORT,bind=$addr,fork,reuseaddr" \
			"OPEN:$IPVS_LAB_DIR/$h" </dev/null >/dev/null 2>&1 &
	done
	on "$h" "$HELPERS/udpecho" "$IPVS_LAB_PORT" </dev/null >"$IPVS_LAB_DIR/$h.udp" 2>/dev/null &
}

# ipvs_lab_listening HOST: all four sockets are bound.
ipvs_lab_listening() {
	[ "$(on "$1" ss -Hntul "sport = :$IPVS_LAB_PORT" | wc -l)" -eq 4 ]
}

ipvs_lab_up() {
	local hosts=${*:-client dir1 rs1 rs2} h
	# shellcheck disable=SC2086 # a list of hosts
	lab_up $hosts || return 1
	trap ipvs_lab_down EXIT
	IPVS_LAB_DIR=$(mktemp -d /tmp/lvsdr-ipvs-lab.XXXXXX) || return 1
	for h in $hosts; do
		case $h in
		dir*)
			ip -n "$(ns "$h")" -batch - <<-EOF || return 1
				addr add $LAB_VIP/24 dev eth0
				addr add $LAB_VIP6/64 dev eth0 nodad
			EOF
			;;
		rs*) ipvs_lab_realserver "$h" || return 1 ;;
		esac
	done
	# Generous: a loaded machine slows the guest's process starts tenfold.
	for h in $hosts; do
		[[ $h == rs* ]] || continue
		wait_until 10 ipvs_lab_listening "$h" ||
			lab_fail "$h: servers not listening on port $IPVS_LAB_PORT after 10 s" || return 1
	done
}

# ipvs_lab_down: lab_down, and the servers' files. Safe to call twice.
ipvs_lab_down() {
	lab_down
	[ -n "${IPVS_LAB_DIR:-}" ] && rm -rf "$IPVS_LAB_DIR"
	IPVS_LAB_DIR=
}

# ipvs_lab_ask N tcp|udp ADDR: one bash in the client makes the N requests,
# each from a fresh socket (a new source port: a new IPVS connection), so
# the scheduler decides every one. A request nobody answers prints nothing.
ipvs_lab_ask() {
	local n=$1 proto=$2 addr=$3
	# shellcheck disable=SC2016 # expanded by the client's bash
	on client timeout $((n * (IPVS_LAB_WAIT + 1) + 5)) bash -c '
		n=$1 proto=$2 addr=$3 port=$4 wait=$5
		for ((i = 0; i < n; i++)); do
			if [ "$proto" = tcp ]; then
				# The connect itself is bounded by the outer timeout.
				exec 3<>"/dev/tcp/$addr/$port" || continue
				read -r -t "$wait" name <&3 && echo "$name"
			else
				exec 3<>"/dev/udp/$addr/$port" || continue
				echo ask >&3
				# bash reads a socket a byte at a time, which would truncate
				# the datagram: dd takes it whole.
				timeout "$wait" dd bs=512 count=1 status=none <&3
			fi
			exec 3<&-
		done
		exit 0' ipvs-lab-ask "$n" "$proto" "$addr" "$IPVS_LAB_PORT" "$IPVS_LAB_WAIT" 2>/dev/null
}

# ipvs_lab_echoes HOST: how many datagrams HOST's udpecho has answered.
ipvs_lab_echoes() {
	local n=0 line
	[ -f "$IPVS_LAB_DIR/$1.udp" ] || { echo 0; return; }
	while IFS= read -r line; do
		[[ $line == echo\ * ]] && n=$((n + 1))
	done <"$IPVS_LAB_DIR/$1.udp"
	echo "$n"
}

ipvs_lab_udp_logged() { # WANT: rs1's and rs2's new log lines reach WANT
	[ $(($(ipvs_lab_echoes rs1) - b1 + $(ipvs_lab_echoes rs2) - b2)) -ge "$1" ]
}

ipvs_lab_split() {
	local rs1=0 rs2=0 other=0 name answers got=0 b1 b2 lost
	b1=$(ipvs_lab_echoes rs1) b2=$(ipvs_lab_echoes rs2)
	# A client that could not ask must not pass for "nothing answered".
	answers=$(ipvs_lab_ask "$@") || { echo "the client failed (status $?)"; return 1; }
	# Counted by bash itself: a grep per count would cost more than the asking.
	while IFS= read -r name; do
		case $name in
		rs1) rs1=$((rs1 + 1)) ;;
		rs2) rs2=$((rs2 + 1)) ;;
		ask) got=$((got + 1)) ;; # an echo: udpecho's log says whose
		'') ;;
		*) other=$((other + 1)) ;; # named, so an exact comparison catches it
		esac
	done <<<"$answers"
	if [ "$2" = udp ]; then
		# Each log line is written just after its answer is sent.
		wait_until 3 ipvs_lab_udp_logged "$got"
		rs1=$(($(ipvs_lab_echoes rs1) - b1)) rs2=$(($(ipvs_lab_echoes rs2) - b2))
		lost=$((rs1 + rs2 - got))
		# An answer sent but not received is named: exact comparisons fail.
		[ "$lost" -ne 0 ] && other="$other lost=$lost"
	fi
	echo "rs1=$rs1 rs2=$rs2 other=$other"
}

# ipvs_lab_hostport ADDR [PORT]: ADDR:PORT as ipvsadm writes it ([v6]:port).
ipvs_lab_hostport() {
	local port=${2:-$IPVS_LAB_PORT}
	if [[ $1 == *:* ]]; then echo "[$1]:$port"; else echo "$1:$port"; fi
}

# ipvs_lab_stats HOST PROTO ADDR: the service's line of `ipvsadm -Ln --stats`
# (a test oracle, never used by the product) as "CONNS INPKTS OUTPKTS".
ipvs_lab_stats() {
	on "$1" ipvsadm -Ln --stats --exact | awk -v p="${2^^}" -v k="$(ipvs_lab_hostport "$3")" \
		'$1 == p && $2 == k { print $3, $4, $5 }'
}

ipvs_lab_stats_conns_are() { # HOST PROTO ADDR CONNS
	local s
	s=$(ipvs_lab_stats "$1" "$2" "$3")
	[ "${s%% *}" = "$4" ]
}

ipvs_lab_wait_stats() {
	wait_until 3 ipvs_lab_stats_conns_are "$@"
	ipvs_lab_stats "$1" "$2" "$3"
}
