# shellcheck shell=bash
# Lab hosts that live in the IPVS guest while the test runs on the host.
# Some drivers cannot run in the guest: ansible-playbook took 24 s to print
# its version there and each python3 start 4.5 s (load 4.7 on two cores), so
# a four-host play would outrun any budget. The guest (tests/uml/relay) holds
# the hosts whose kernel matters and runs, one at a time, the commands the
# host hands it through a shared folder (tests/uml/relay-exec). Source it
# after common.sh and guest.sh, then:
#
#   relay_up SHARE HOST...   boot the guest with SHARE (a host folder) mounted
#                            at its path, HOSTs up in the guest's lab
#   relay_exec HOST CMD...   CMD in HOST's namespace in the guest
#   relay_down               stop the guest; relay its own ok/not ok lines

relay_up() {
	local share=$1
	shift
	RELAY_DIR=$share/relay
	mkdir -p "$RELAY_DIR/req" || return 1
	LVSDR_GUEST_SHARE=$share guest_run "$LVSDR_ROOT/tests/uml/relay" "$RELAY_DIR" "$@" \
		>"$share/relay.log" 2>&1 &
	RELAY_PID=$!
	# Booting takes 2-20 s on a loaded machine, the lab a few more.
	wait_until 120 test -e "$RELAY_DIR/ready" ||
		{ echo "# relay: the guest did not come up in 120 s" >&2; return 1; }
}

relay_exec() { "$LVSDR_ROOT/tests/uml/relay-exec" "$RELAY_DIR" "$@"; }

relay_down() {
	[ -n "${RELAY_PID:-}" ] || return 0
	: >"$RELAY_DIR/stop"
	wait_until 60 eval '! alive "$RELAY_PID"' || kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
	cat "$(dirname "$RELAY_DIR")/relay.log"
}
