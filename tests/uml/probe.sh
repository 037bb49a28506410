#!/usr/bin/env bash
# The guest harness's own probe (t-35): a script that needs IPVS, prints
# what it was given and where it ran, and exits with its second argument.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/guest.sh"
guest_reexec "$0" "$@"
ok "probe: ran with [$1] on $(uname -r), IPVS $([ -e /proc/net/ip_vs ] && echo present)"
exit "${2:-0}"
