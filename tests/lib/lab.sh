# shellcheck shell=bash
# The LAB_* addresses are for the tests that source this file.
# shellcheck disable=SC2034
# A throw-away LVS direct-routing lab in network namespaces. Source it after
# common.sh; it only defines things until a test calls lab_up.
#
#                      +------------------ lvsdr-switch-$$ ------------------+
#                      |                         br0                         |
#                      |  (stp off, forward_delay 0, multicast_snooping 0)   |
#                      |   client     dir1     dir2      rs1       rs2       |
#                      +-----+----------+--------+---------+---------+-------+
#                            |          |        |         |         |
#                          veth       veth     veth      veth      veth
#                            |          |        |         |         |
#                          eth0       eth0     eth0      eth0      eth0
#                        [client]    [dir1]   [dir2]     [rs1]     [rs2]
#   IPv4 (/24)        192.0.2.1      .2        .3        .11       .12
#   IPv6 (/64)      2001:db8::1      ::2       ::3       ::11      ::12
#   MAC         02:00:00:00:00:01    :02       :03       :11       :12
#
# Each [host] is the namespace lvsdr-<host>-$$; the outer end of its veth is
# the br0 port named after the host. The VIP is LAB_VIP / LAB_VIP6; the lab
# binds it nowhere, every test puts it where its scenario needs it.
#
#   lab_require                     skip the script unless root + netns work
#   lab_up [HOST...]                build the lab (all five hosts by default)
#   lab_start TAG [HOST...]         a script's start: lab_require, lab_up, TMP, trap
#   need_tools TAG TOOL...          fail the script unless every TOOL is installed
#   lab_rs_profile FILE             write a real server's profile for the VIPs
#   on HOST CMD...                  run CMD in HOST's namespace
#   ns HOST                         print HOST's namespace name
#   lab_neigh HOST IP               MAC of HOST's neighbour entry for IP, or ""
#   lab_neigh_state HOST IP         its state (REACHABLE, STALE, ...), or ""
#   lab_arp_reset HOST              every ARP knob of HOST back to 0
#   lab_host_of MAC                 the lab host owning MAC (or MAC itself)
#   lab_expect_who NAME ADDR HOST.. ok if exactly these HOSTs answer the client for ADDR
#   lab_down                        remove everything (idempotent; runs on EXIT)
#
# `in HOST CMD` would read better, but `in` is a bash reserved word: no
# function can be called by that name. LAB_VERBOSE=1 prints every command
# run through `on` to stderr as "# [host] CMD".

LAB_VIP=192.0.2.100
LAB_VIP6=2001:db8::100
LAB_HOSTS_ALL="client dir1 dir2 rs1 rs2"
LAB_MAC_client=02:00:00:00:00:01
LAB_MAC_dir1=02:00:00:00:00:02
LAB_MAC_dir2=02:00:00:00:00:03
LAB_MAC_rs1=02:00:00:00:00:11
LAB_MAC_rs2=02:00:00:00:00:12
LAB_IP_client=192.0.2.1
LAB_IP_dir1=192.0.2.2
LAB_IP_dir2=192.0.2.3
LAB_IP_rs1=192.0.2.11
LAB_IP_rs2=192.0.2.12
LAB_IP6_client=2001:db8::1
LAB_IP6_dir1=2001:db8::2
LAB_IP6_dir2=2001:db8::3
LAB_IP6_rs1=2001:db8::11
LAB_IP6_rs2=2001:db8::12
export LAB_VIP LAB_VIP6 LAB_MAC_client LAB_MAC_dir1 LAB_MAC_dir2 LAB_MAC_rs1 LAB_MAC_rs2

# The knobs lab_arp_reset zeroes; 0 is the kernel default for each of them.
LAB_ARP_KNOBS="arp_ignore arp_announce arp_filter arp_accept arp_notify drop_gratuitous_arp"

LAB_SWITCH=lvsdr-switch-$$
LAB_HOSTS=""          # hosts lab_up created, in order
LAB_NAMESPACES=""     # every namespace to remove, switch first

ns() { echo "lvsdr-$1-$$"; }

# on HOST COMMAND...: COMMAND inside HOST's namespace. The name is written
# out here rather than through $(ns): in the guest every fork costs ~30 ms.
on() {
	local host=$1
	shift
	[ "${LAB_VERBOSE:-0}" = 1 ] && echo "# [$host] $*" >&2
	ip netns exec "lvsdr-$host-$$" "$@"
}

# lv HOST ARGS...: lvsdr, the binary under test, inside HOST's namespace.
# tests/run has made $LVSDR a wrapper when LVSDR_WRAP is set (valgrind).
lv() {
	local h=$1
	shift
	# shellcheck disable=SC2086 # LVSDR_WRAP is a command line: split it.
	on "$h" ${LVSDR_WRAP:-} "$LVSDR" "$@"
}

# lab_require: the lab needs root and working network namespaces. Without
# them the script is skipped, except on CI, where a skip would hide a
# broken runner: there it fails.
lab_require() {
	local probe=lvsdr-probe-$$
	if [ "$(id -u)" = 0 ] && ip netns add "$probe" 2>/dev/null; then
		ip netns del "$probe"
		return 0
	fi
	no_netns "$(basename "$0")" 1
}

lab_fail() {
	echo "lab: $*" >&2
	return 1
}

# lab_host_known HOST: is HOST one of the five the lab knows?
lab_host_known() {
	case " $LAB_HOSTS_ALL " in *" $1 "*) return 0 ;; esac
	return 1
}

lab_up() {
	local hosts=${*:-$LAB_HOSTS_ALL} h mac ip4 ip6 knob knobs
	for h in $hosts; do
		lab_host_known "$h" || lab_fail "unknown host '$h' (known: $LAB_HOSTS_ALL)" || return 1
	done
	[ -z "$LAB_NAMESPACES" ] || lab_fail "lab_up called twice" || return 1
	# Signals become an ordinary exit, so the EXIT trap cleans up in every case.
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	LAB_NAMESPACES=$LAB_SWITCH
	ip netns add "$LAB_SWITCH" || return 1
	# No IPv6 in the switch: the bridge and its ports stay silent on the wire.
	ip netns exec "$LAB_SWITCH" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	ip -n "$LAB_SWITCH" link set lo up || return 1
	ip -n "$LAB_SWITCH" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
	ip -n "$LAB_SWITCH" link set br0 up || return 1

	for h in $hosts; do
		mac=LAB_MAC_$h ip4=LAB_IP_$h ip6=LAB_IP6_$h
		# Recorded first: a signal between the two lines must not leak it.
		LAB_NAMESPACES="$LAB_NAMESPACES $(ns "$h")"
		ip netns add "$(ns "$h")" || return 1
		LAB_HOSTS="$LAB_HOSTS $h"
		# A new namespace copies the host's IPv4 conf (devconf_inherit_init_net=0):
		# start from kernel defaults whatever the machine running the tests has.
		# eth0 does not exist yet, so it inherits these `default` values. One
		# sysctl and one ip -batch per host: in the guest a process costs ~0.1 s.
		knobs=()
		for knob in $LAB_ARP_KNOBS; do
			knobs+=("net.ipv4.conf.all.$knob=0" "net.ipv4.conf.default.$knob=0" "net.ipv4.conf.lo.$knob=0")
		done
		on "$h" sysctl -qw "${knobs[@]}" || return 1
		ip -n "$LAB_SWITCH" link add "$h" type veth peer name eth0 address "${!mac}" netns "$(ns "$h")" ||
			return 1
		# No duplicate address detection: nothing waits on it and it sends no NS.
		on "$h" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 || return 1
		printf '%s\n' "link set lo up" "addr add ${!ip4}/24 dev eth0" "addr add ${!ip6}/64 dev eth0 nodad" \
			"link set eth0 up" | ip -n "$(ns "$h")" -batch - || return 1
		ip -n "$LAB_SWITCH" link set "$h" master br0 up || return 1
	done
	lab_wait_ready
}

# lab_rs_profile FILE: a real server's profile: eth0, LAB_VIP and LAB_VIP6.
lab_rs_profile() {
	printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = %s\naddress = %s\n' \
		"$LAB_VIP" "$LAB_VIP6" >"$1"
}

# lab_start TAG [HOST...]: how a namespace test starts. The lab with HOST...
# up (a failed case named TAG and exit when it does not come up), TMP a
# fresh directory that holds lvsdr's run directory, and both removed at
# exit. A script with more to stop sets its own EXIT trap after this one,
# calling lab_down and removing TMP itself.
lab_start() {
	local tag=$1
	shift
	lab_require
	if ! lab_up "$@"; then
		not_ok "$tag: the lab comes up"
		exit 1
	fi
	TMP=$(mktemp -d "/tmp/lvsdr-${tag//-/}.XXXXXX") || exit 1
	trap 'lab_down; rm -rf "$TMP"' EXIT
	export LVSDR_RUNDIR=$TMP/run
}

# need_tools TAG TOOL...: every TOOL is on PATH, or a failed case named
# TAG and exit (tests/deps.sh test installs them).
need_tools() {
	local tag=$1 tool
	shift
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			not_ok "$tag: $tool is installed (make test-deps installs it)"
			exit 1
		fi
	done
}

# lab_ports_forwarding: every host's bridge port is in state forwarding.
lab_ports_forwarding() {
	local h line forwarding=' '
	while IFS= read -r line; do
		[[ $line =~ ^[0-9]+:\ ([^@:]+)[@:].*\ state\ forwarding\  ]] && forwarding+="${BASH_REMATCH[1]} "
	done < <(bridge -n "$LAB_SWITCH" link show 2>/dev/null)
	for h in $LAB_HOSTS; do
		[[ $forwarding == *" $h "* ]] || return 1
	done
}

# lab_link_local_present: every host's eth0 holds its fe80:: address.
lab_link_local_present() {
	local h
	for h in $LAB_HOSTS; do
		[ -n "$(ip -n "$(ns "$h")" -6 -o addr show dev eth0 scope link 2>/dev/null)" ] || return 1
	done
}

# lab_wait_ready: within ~3 s the ports forward and the client (without a
# client, the first host) pings every other host. The pings of one round run
# in parallel, so a round lasts at most the 1 s of ping -W1.
lab_wait_ready() {
	local deadline=$((${EPOCHREALTIME//[!0-9]/} + 3000000)) from h ip pending='' left='' pids=()
	wait_until 3 lab_ports_forwarding ||
		lab_fail "bridge ports not forwarding after 3 s: $(bridge -n "$LAB_SWITCH" link show)" || return 1
	# The kernel adds eth0's fe80:: address when it sees the carrier, which
	# may come after the ports forward: a test that snapshots a host's
	# addresses right after lab_up must not see it arrive (t-57 did, once).
	wait_until 3 lab_link_local_present ||
		lab_fail "no IPv6 link-local address on every eth0 after 3 s" || return 1
	from=client
	[[ " $LAB_HOSTS " == *" client "* ]] || read -r from _ <<<"$LAB_HOSTS"
	for h in $LAB_HOSTS; do [ "$h" = "$from" ] || pending="$pending $h"; done
	while [ -n "$pending" ]; do
		pids=()
		for h in $pending; do
			ip=LAB_IP_$h
			on "$from" ping -q -n -c1 -W1 "${!ip}" >/dev/null 2>&1 &
			pids+=($!)
		done
		left=
		for h in $pending; do
			wait "${pids[0]}" || left="$left $h"
			pids=("${pids[@]:1}")
		done
		pending=$left
		[ -z "$pending" ] && break
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$deadline" ] || lab_fail "$from cannot ping:$pending after 3 s" || return 1
		sleep 0.05
	done
}

# lab_down: stop what still runs inside the lab, then remove the namespaces
# (removing the switch removes every veth with it). Safe to call twice.
lab_down() {
	local n pid
	for n in $LAB_NAMESPACES; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	for n in $LAB_NAMESPACES; do
		ip netns del "$n" 2>/dev/null
	done
	LAB_NAMESPACES='' LAB_HOSTS=''
}

# lab_record HOST: the path of lvsdr's ownership record for HOST's network
# namespace, which lvsdr keys by the namespace's cookie (lvsdr(8) FILES).
lab_record() { echo "$LVSDR_RUNDIR/netns-$(on "$1" "$HELPERS/netnscookie")/owned"; }

# lab_neigh HOST IP: the MAC in HOST's eth0 neighbour entry for IP (IPv4 or IPv6).
lab_neigh() {
	local fam=-4
	[[ $2 == *:* ]] && fam=-6
	on "$1" ip "$fam" neigh show to "$2" dev eth0 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# lab_neigh_state HOST IP: that entry's state: REACHABLE, STALE, FAILED, PERMANENT...
lab_neigh_state() {
	local fam=-4
	[[ $2 == *:* ]] && fam=-6
	on "$1" ip "$fam" neigh show to "$2" dev eth0 2>/dev/null | awk '{ print $NF }'
}

# lab_arp_reset HOST: every knob in LAB_ARP_KNOBS to 0 on all, default, lo and eth0.
lab_arp_reset() {
	local knob dev args=()
	for knob in $LAB_ARP_KNOBS; do
		for dev in all default lo eth0; do
			args+=("net.ipv4.conf.$dev.$knob=0")
		done
	done
	on "$1" sysctl -qw "${args[@]}"
}

# lab_host_of MAC: the lab host owning MAC, or MAC itself for a stranger.
lab_host_of() {
	local h mac
	for h in $LAB_HOSTS_ALL; do
		mac=LAB_MAC_$h
		[ "${!mac}" = "$1" ] && echo "$h" && return
	done
	echo "$1"
}

# lab_expect_who NAME ADDRESS HOST...: exactly these HOSTs answer the client's ARP
# request (or neighbour solicitation) for ADDRESS. A mismatch names each host
# that answered but must NOT, and each that stayed silent.
lab_expect_who() {
	local name=$1 addr=$2 h mac want=() got why=
	shift 2
	for h in "$@"; do
		mac=LAB_MAC_$h
		want+=("${!mac}")
	done
	got=$(on client "$HELPERS/arpwho" eth0 "$addr")
	case $? in 0 | 1) ;; *) not_ok "$name (arpwho failed)"; return ;; esac
	for mac in $got; do
		[[ " ${want[*]} " == *" $mac "* ]] || why="$why; $(lab_host_of "$mac") answered but must NOT"
	done
	for mac in "${want[@]}"; do
		[[ " $got " == *"$mac"* ]] || why="$why; $(lab_host_of "$mac") did not answer"
	done
	if [ -z "$why" ]; then ok "$name"; else not_ok "$name (${why#; })"; fi
}

# lab_ref_start HOST TIME: a reference run that lasts TIME by its own timer
# (probe of 192.0.2.200, which no lab host holds, on HOST's eth0), started
# with a run under test; lab_ref_outlived: the reference still runs, so the
# run under test ended first. An order, not a clock: both start together and
# share the machine's load (and valgrind, when $LVSDR is its wrapper).
lab_ref_start() {
	ip netns exec "$(ns "$1")" "$LVSDR" probe -i eth0 -t "$2" 192.0.2.200 >/dev/null 2>&1 &
	LAB_REF_PID=$!
}
lab_ref_outlived() {
	local rc=1
	alive "$LAB_REF_PID" && rc=0
	kill "$LAB_REF_PID" 2>/dev/null
	wait "$LAB_REF_PID" 2>/dev/null
	return $rc
}
