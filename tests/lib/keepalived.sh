# shellcheck shell=bash
# keepalived started in the lab's namespaces by a test. Source it after
# common.sh; call ka_stop_all from the test's cleanup.
#
#   ka_track PID     record a keepalived started in the background
#   ka_stop_all      TERM each one, KILL what still runs after 5 s
KA_PIDS=()

ka_track() { KA_PIDS+=("$1"); }

ka_stop_all() {
	local pid
	for pid in "${KA_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait_until 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
	done
	KA_PIDS=()
}
