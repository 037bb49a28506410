#!/usr/bin/env bash
# t-13: the layers point one way. tests/lib/layers.sh (make layers) maps
# which file of src/ and include/ includes which project header; no file
# may include a header of a layer above its own (commands -> engine ->
# model -> kernel and wire -> data -> util), and every file has a layer.
# The checker itself is tried on a made-up tree first, so a checker that
# finds nothing cannot pass for a clean tree. No namespaces, no root.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

layers=$LVSDR_ROOT/tests/lib/layers.sh
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT


# A made-up tree: a wire file that reaches up into the engine, a util file
# that includes only util, and a file with no layer.
mkdir -p "$tmp/tree/src" "$tmp/tree/include"
printf '#include "probe.h"\n#include "engine.h"\n#include "util.h"\n' >"$tmp/tree/src/probe.c"
printf '#include "util.h"\n' >"$tmp/tree/src/util.c"
: >"$tmp/tree/include/util.h"
out=$("$layers" "$tmp/tree")
rc=$?
if [ "$rc" = 1 ] && [ "$(grep '^upward:' <<<"$out")" = "upward: src/probe.c (kernel/wire) includes engine.h (engine)" ] &&
	grep -qx '  src/util.c *util.h' <<<"$out"; then
	ok "layers.sh flags a wire file including engine.h, and nothing else (status 1)"
else
	not_ok "layers.sh flags a wire file including engine.h, and nothing else (status $rc)"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi
printf '#include "util.h"\n' >"$tmp/tree/src/newthing.c"
out=$("$layers" "$tmp/tree")
rc=$?
if [ "$rc" = 2 ] && grep -qx 'no layer: src/newthing.c (give it one in tests/lib/layers.sh)' <<<"$out"; then
	ok "layers.sh refuses a file it cannot place (status 2)"
else
	not_ok "layers.sh refuses a file it cannot place (status $rc)"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi

out=$("$layers" "$LVSDR_ROOT")
rc=$?
if grep -q '^no layer:' <<<"$out"; then
	not_ok "every file of src/ and include/ has a layer"
	grep '^no layer:' <<<"$out" | sed 's/^/#   /'
else
	ok "every file of src/ and include/ has a layer"
fi
found=$(grep '^upward: ' <<<"$out" | sed 's/^upward: //')
if [ -z "$found" ] && [ "$rc" = 0 ]; then
	ok "no include of src/ or include/ points up a layer"
else
	not_ok "no include of src/ or include/ points up a layer (status $rc)"
	printf '%s\n' "$found" | sed 's/^/#   /'
fi

# One reader of link and address facts: rtnetlink.c, through libnl-route.
# Nothing else lists interfaces with getifaddrs(3) or asks them by ioctl,
# and only it (and the generic-netlink IPVS facade with the sequence
# helper it shares) includes <netlink/...>; the rtnetlink facade is two
# files too (rtnetlink_view.c: the notifications lvsdr events follows).
second=$(grep -nE 'getifaddrs|SIOCGIF[A-Z]+' "$LVSDR_ROOT"/src/*.c "$LVSDR_ROOT"/include/*.h | sed "s|^$LVSDR_ROOT/||")
if [ -z "$second" ]; then
	ok "no file reads links or addresses with getifaddrs or an SIOCGIF ioctl"
else
	not_ok "no file reads links or addresses with getifaddrs or an SIOCGIF ioctl"
	printf '%s\n' "$second" | sed 's/^/#   /'
fi
libnl=$(grep -l '^#include <netlink/' "$LVSDR_ROOT"/src/*.c "$LVSDR_ROOT"/include/*.h | sed "s|^$LVSDR_ROOT/||" | tr '\n' ' ')
if [ "$libnl" = "src/ipvs_daemon.c src/ipvs_netlink.c src/nl_seq.c src/rtnetlink.c src/rtnetlink_view.c " ] &&
	[ "$(grep -l '^#include <netlink/route/' "$LVSDR_ROOT"/src/*.c | sed "s|^$LVSDR_ROOT/||")" = src/rtnetlink.c ]; then
	ok "only rtnetlink.c includes <netlink/route/...>, and only the five netlink files (each facade in two) include <netlink/...>"
else
	not_ok "only rtnetlink.c includes <netlink/route/...>, and only the five netlink files (each facade in two) include <netlink/...>"
	echo "#   <netlink/...> in: $libnl"
fi

# A file that grows past about 600 lines is asking to be split by
# responsibility (STYLE.md); the margin lets a file a few lines over stay.
big=$(wc -l "$LVSDR_ROOT"/src/*.c | awk '$2 != "total" && $1 > 620 { sub(".*/src/", "src/", $2); print $2 " " $1 }')
if [ -z "$big" ]; then
	ok "no file of src/ is over 620 lines"
else
	not_ok "no file of src/ is over 620 lines"
	printf '%s\n' "$big" | sed 's/^/#   /'
fi

# One printer for "lvsdr: message" lines, lvsdr_warnx(), and one for "lvsdr
# COMMAND: message", lvsdr_warnx_cmd() (src/progname.c), instead of copies of
# fprintf(stderr, "%s: ...\n", lvsdr_prog, ...) or of a line put together
# by several writes.
copies=$(for f in "$LVSDR_ROOT"/src/*.c; do
	[ "${f##*/}" = progname.c ] && continue
	perl -0ne 'while (/fprintf\(stderr, ("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*)\s*,\s*lvsdr_prog\b/g) {
		my ($fmt, $at) = ($1, $-[0]);
		print substr($_, 0, $at) =~ tr/\n// + 1, "\n" if $fmt =~ /^"%s[: ]/ }' "$f" |
		sed "s|^|${f#"$LVSDR_ROOT"/}:|"
done)
if [ -z "$copies" ]; then
	ok "no fprintf(stderr, \"%s: ...\\n\", lvsdr_prog) left where lvsdr_warnx() or lvsdr_warnx_cmd() fits"
else
	not_ok "no fprintf(stderr, \"%s: ...\\n\", lvsdr_prog) left where lvsdr_warnx() or lvsdr_warnx_cmd() fits"
	printf '%s\n' "$copies" | sed 's/^/#   /'
fi
