#!/usr/bin/env bash
# The layer map: which file of src/ and include/ includes which project
# header, grouped by layer, and every include that points up a layer.
# Calls point one way (HACKING.md, "Layers"):
#   commands -> engine -> model -> kernel and wire -> data -> util
# "data" is the model's structs (host.h, ipvs.h) with their compare and
# format helpers: the profile reader and the kernel readers fill the same
# structs (wireguard-tools' containers.h), so the kernel layer includes
# them and they include nothing above util. A header belongs to the layer
# of the file it is named after. A file no pattern below places is an
# error: a new file must be given a layer here.
#
#   tests/lib/layers.sh [ROOT]     (make layers)
# prints the map; exit 1 when an include points up, 2 when a file has no
# layer. The last lines list the upward includes, one per line, as
#   upward: FILE (LAYER) includes HEADER (LAYER)
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

awk '
function layer(m) {
	if (m ~ /^(main|version|lvsdr|command_line|cmd_.*|events_.*)$/) return 5
	if (m ~ /^(engine|execute|execute_ipvs)$/) return 4
	if (m ~ /^(health|diag|profile|profile_.*|plan|plan_.*|monitor|monitor_.*|state|state_.*|owned|owned_.*|notified|persist|ipvs_sched)$/) return 3
	if (m ~ /^(rtnetlink|rtnetlink_view|rtnetlink_internal|ipvs_netlink|ipvs_netlink_internal|ipvs_daemon|nl_seq|sysctl|sysctl_conf|nic|privilege|frames|garp|probe|watch|neighbour|pathcheck|pathcheck_.*|checksum)$/) return 2
	if (m ~ /^(host|ipvs)$/) return 1
	if (m ~ /^(util|ipaddr|safe_open|record_file|syslog_mirror|progname|exit_status)$/) return 0
	return -1
}
function module(path,   b) {
	b = path
	sub(/.*\//, "", b)
	sub(/\.[^.]*$/, "", b)
	return b
}
BEGIN {
	split("util data kernel/wire model engine commands", name, " ")
}
FNR == 1 {
	files[++nfiles] = FILENAME
	fl = layer(module(FILENAME))
	flayer[FILENAME] = fl
	if (fl < 0)
		unplaced[++nunplaced] = FILENAME
}
/^#[ \t]*include[ \t]*"/ {
	h = $0
	sub(/^#[ \t]*include[ \t]*"/, "", h)
	sub(/".*/, "", h)
	hl = layer(module(h))
	fl = flayer[FILENAME]
	if (hl < 0)
		incl[FILENAME] = incl[FILENAME] " " h "(?)"
	else if (fl >= 0 && hl > fl) {
		incl[FILENAME] = incl[FILENAME] " " h "(UP:" name[hl + 1] ")"
		upward[++nupward] = FILENAME " (" name[fl + 1] ") includes " h " (" name[hl + 1] ")"
	} else
		incl[FILENAME] = incl[FILENAME] " " h
}
END {
	for (l = 5; l >= 0; l--) {
		print name[l + 1] ":"
		for (i = 1; i <= nfiles; i++)
			if (flayer[files[i]] == l)
				printf "  %-28s%s\n", files[i], incl[files[i]]
	}
	for (i = 1; i <= nunplaced; i++)
		print "no layer: " unplaced[i] " (give it one in tests/lib/layers.sh)"
	print nupward + 0 " upward include(s)"
	for (i = 1; i <= nupward; i++)
		print "upward: " upward[i]
	exit nunplaced ? 2 : nupward ? 1 : 0
}
' src/*.c include/*.h
