#!/usr/bin/env bash
# t-57: hostile conditions. What lvsdr trusts in the files it
# keeps and reads as root, and what it refuses: a run directory someone else
# can change, a FIFO, a directory or a link where a record should be, a FIFO
# in sysctl.d. Every refusal: exit 2 at once (never a hang), a message
# naming the path, nothing changed.
#
#     [rs1] eth0 192.0.2.11/24 (veth, peer in the switch namespace)
#           lo   VIPs 192.0.2.100/32, 2001:db8::100/128 once applied
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/lab.sh"

lab_start t-57 rs1
chmod 0755 "$TMP"

PROFILE=$TMP/rs.ini
lab_rs_profile "$PROFILE"

snapshot() { netns_state "$(ns rs1)"; }

# refused NAME REGEX ARGS...: lvsdr ARGS in rs1 exits 2 within 10 s, its
# output matches REGEX, the namespace is unchanged.
refused() {
	local name=$1 regex=$2 before after out rc
	shift 2
	before=$(snapshot)
	out=$(on rs1 timeout 10 "$LVSDR" "$@" 2>&1)
	rc=$?
	after=$(snapshot)
	if [ "$rc" -ne 2 ]; then
		not_ok "$name (status $rc, wanted 2)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	elif ! grep -qE -- "$regex" <<<"$out"; then
		not_ok "$name (message does not match /$regex/)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	elif [ "$after" != "$before" ]; then
		not_ok "$name (the namespace changed)"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	else
		ok "$name"
	fi
}
apply() { on rs1 "$LVSDR" apply -q "$PROFILE"; }
release() { on rs1 "$LVSDR" release -q "$PROFILE" >/dev/null 2>&1; }
A=(apply -q "$PROFILE")
R=(release -q "$PROFILE")

# --- the run directory --------------------------------------------------------
mkdir -m 0777 "$LVSDR_RUNDIR"
refused "a run directory writable by others is refused" \
	"$LVSDR_RUNDIR: refused: the directory is writable by others \(mode 0777" "${A[@]}"
chmod 0775 "$LVSDR_RUNDIR"
refused "a run directory writable by its group is refused" \
	"$LVSDR_RUNDIR: refused: the directory is writable by its group" "${A[@]}"
chmod 0755 "$LVSDR_RUNDIR"
chown 65534 "$LVSDR_RUNDIR"
refused "a run directory owned by another user is refused" \
	"$LVSDR_RUNDIR: refused: the directory is owned by another user" "${A[@]}"
chown 0 "$LVSDR_RUNDIR"
rmdir "$LVSDR_RUNDIR"
mkdir -m 0755 "$TMP/elsewhere"
ln -s "$TMP/elsewhere" "$LVSDR_RUNDIR"
refused "a run directory that is a symbolic link is refused" \
	"$LVSDR_RUNDIR: is a symbolic link, not a directory" "${A[@]}"
rm "$LVSDR_RUNDIR"

# A hardened umask on a manual run: the folders and the record stay
# readable, so a later unprivileged verify can read them.
release
rm -rf "$LVSDR_RUNDIR"
check "apply under umask 077: exit 0" on rs1 sh -c "umask 077; exec '$LVSDR' apply -q '$PROFILE'"
RECORD=$(lab_record rs1)
NSDIR=$(dirname "$RECORD")
check "under umask 077 the run directory is still mode 0755" [ "$(stat -c %a "$LVSDR_RUNDIR")" = 755 ]
check "under umask 077 the namespace's folder is still mode 0755" [ "$(stat -c %a "$NSDIR")" = 755 ]
check "under umask 077 the record is mode 0644" [ "$(stat -c %a "$RECORD")" = 644 ]
if id nobody >/dev/null 2>&1; then
	out=$(on rs1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$LVSDR" verify "$PROFILE" 2>&1)
	rc=$?
	check "an unprivileged verify after a umask-077 apply reads the record: exit 0 ($rc)" [ "$rc" = 0 ]
	check "... and says nothing about a record it cannot read" \
		eval '! grep -q "cannot" <<<"$out"'
fi

chmod 0777 "$NSDIR"
refused "a namespace folder writable by others is refused" "$NSDIR: refused: the directory is writable by others" \
	"${R[@]}"
chmod 0755 "$NSDIR"

# --- the record ----------------------------------------------------------------
mv "$RECORD" "$TMP/owned.saved"
mkfifo "$RECORD"
refused "a FIFO where the record should be: refused at once, naming it" "$RECORD: is a FIFO, not a regular file" \
	"${R[@]}"
rm "$RECORD"
mkdir "$RECORD"
refused "a directory where the record should be: refused, naming it" "$RECORD: is a directory, not a regular file" \
	"${R[@]}"
rmdir "$RECORD"
ln -s "$TMP/owned.saved" "$RECORD"
refused "a symbolic link where the record should be: refused, never followed" \
	"$RECORD: is a symbolic link, which lvsdr never follows there" "${R[@]}"
rm "$RECORD"
mv "$TMP/owned.saved" "$RECORD"
mkfifo "$NSDIR/lock.new" && mv "$NSDIR/lock.new" "$NSDIR/lock"
refused "a FIFO where the lock should be: refused, naming it" "$NSDIR/lock: is a FIFO, not a regular file" "${R[@]}"
rm -f "$NSDIR/lock"

# A link planted as the temporary file: removed, never written through.
check "release: exit 0" release
echo "victim" >"$TMP/victim"
ln -s "$TMP/victim" "$RECORD.tmp"
check "apply with a link planted as the record's temporary file: exit 0" apply
check "... the file the link pointed to is untouched" [ "$(cat "$TMP/victim")" = victim ]
check "... the record is written, a regular file" [ -f "$RECORD" -a ! -L "$RECORD" ]
check "... the link is gone" [ ! -L "$RECORD.tmp" ]

# --- the profile ---------------------------------------------------------------
# The trust check judges the file read (fstat of its descriptor): a FIFO
# given as the profile is refused at once, a device too.
mkfifo "$TMP/fifo.ini"
refused "a FIFO given as the profile is refused at once" "fifo.ini.*is not a regular file" \
	apply "$TMP/fifo.ini"

# --- sysctl.d -------------------------------------------------------------------
export LVSDR_SYSCTL_ROOT=$TMP/root
mkdir -p "$LVSDR_SYSCTL_ROOT/etc/sysctl.d"
mkfifo "$LVSDR_SYSCTL_ROOT/etc/sysctl.d/50-fifo.conf"
echo "net.ipv4.conf.all.arp_ignore = 0" >"$LVSDR_SYSCTL_ROOT/etc/sysctl.d/95-late.conf"
check "apply for the persist checks: exit 0" apply
out=$(on rs1 timeout 10 "$LVSDR" verify "$PROFILE" 2>&1)
rc=$?
check "verify with a FIFO in sysctl.d ends (no hang): status $rc" [ "$rc" -ne 124 ]
check "... and names the FIFO as skipped" grep -qF "/etc/sysctl.d/50-fifo.conf: is a FIFO, not a regular file: skipped" <<<"$out"
check "... and still reads the files after it (95-late.conf)" grep -qF "/etc/sysctl.d/95-late.conf:1" <<<"$out"
out=$(timeout 10 "$LVSDR" persist "$PROFILE" 2>&1)
rc=$?
check "persist with a FIFO in sysctl.d ends (no hang): status $rc" [ "$rc" -ne 124 ]
check "... and names the FIFO" grep -qF "50-fifo.conf: is a FIFO" <<<"$out"
rm -f "$LVSDR_SYSCTL_ROOT"/etc/sysctl.d/*
mkfifo "$LVSDR_SYSCTL_ROOT/etc/sysctl.d/90-lvsdr-rs.conf"
refused "persist with a FIFO where its drop-in goes: refused, naming it" "90-lvsdr-rs.conf: is a FIFO" \
	persist "$PROFILE"
check "... the FIFO is left alone" [ -p "$LVSDR_SYSCTL_ROOT/etc/sysctl.d/90-lvsdr-rs.conf" ]
unset LVSDR_SYSCTL_ROOT
release

# --- interface names sysctl.d cannot express ------------------------------------
# The kernel allows them; a drop-in line naming them would be a glob that
# sets other interfaces too, or a key cut at the '='.
export LVSDR_SYSCTL_ROOT=$TMP/root2
mkdir -p "$LVSDR_SYSCTL_ROOT/etc/sysctl.d"
for name in 'e*0' 'e=0' 'e?0' 'e[0'; do
	check "the kernel allows an interface named $name" on rs1 ip link add "$name" type veth peer name odd-peer
	printf '[host]\nrole = realserver\ninterface = %s\n[vip]\naddress = %s\n' "$name" "$LAB_VIP" >"$TMP/odd.ini"
	out=$("$LVSDR" persist "$TMP/odd.ini" 2>&1)
	rc=$?
	check "persist refuses interface = $name: exit 2 ($rc)" [ "$rc" = 2 ]
	check "... naming file:line and the key" grep -qF "$TMP/odd.ini:3: [host] interface = $name: a sysctl.d line cannot name this interface: '${name:1:1}'" <<<"$out"
	check "... and writes nothing" [ -z "$(ls -A "$LVSDR_SYSCTL_ROOT/etc/sysctl.d")" ]
	on rs1 ip link del "$name"
done
unset LVSDR_SYSCTL_ROOT

# --- fd exhaustion ----------------------------------------------------------------
# Out of descriptors the state is unread: exit 2 naming the cause, never
# "blocked: the kernel has no conf/all/arp_ignore" (exit 1, as drift).
check "apply: in sync before the fd cases" apply
check "verify in sync: exit 0" on rs1 "$LVSDR" verify -q "$PROFILE"
# Under valgrind the binary itself runs here: the wrapper's shell and
# valgrind need descriptors of their own, and with 5 they fail before lvsdr
# starts (seen: "/bin/sh: 0: 3: Invalid argument").
FD_LVSDR=$LVSDR
[ -n "${LVSDR_WRAP_OTHER:-}" ] && FD_LVSDR=$LVSDR_BUILD/lvsdr
# How many descriptors a verify needs moves with the code (one netlink
# socket fewer once links were read by netlink alone): each limit from 4
# up gives either the full answer (in sync, exit 0) or exit 2 naming the
# cause, never a wrong verdict, and the smallest ones give exit 2.
short=0
for n in 4 5 6 7 8; do
	out=$(on rs1 bash -c "ulimit -n $n; exec '$FD_LVSDR' verify -q '$PROFILE'" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		check "verify with $n descriptors: enough, in sync (exit 0, nothing said)" [ -z "$out" ]
		continue
	fi
	short=$((short + 1))
	check "verify with $n descriptors: exit 2, an unreadable state ($rc)" [ "$rc" = 2 ]
	check "... naming the cause" grep -qF "Too many open files" <<<"$out"
	check "... and no knob reported missing" eval '! grep -q "the kernel has no" <<<"$out"'
done
check "verify with 4 descriptors is short of them: the exit-2 path ran ($short limits)" [ "$short" -ge 1 ]
release

# --- IPv6 disabled where a VIP goes -------------------------------------------------
# The kernel refuses the address with a bare "Permission denied": lvsdr
# names the cause, and refuses before it changes anything.
on rs1 sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
refused "apply with IPv6 disabled on lo: refused, naming the cause" \
	"$LAB_VIP6/128 +blocked +missing: IPv6 is disabled on lo \(net.ipv6.conf.lo.disable_ipv6 = 1" "${A[@]}"
out=$(on rs1 "$LVSDR" apply "$PROFILE" 2>&1)
check "... and never says only 'Permission denied'" eval '! grep -q "Permission denied" <<<"$out"'
on rs1 sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
cat >"$TMP/dir.ini" <<EOF2
[host]
role = director
interface = eth0
[vip]
address = $LAB_VIP6/64
EOF2
on rs1 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
out=$(on rs1 "$LVSDR" verify "$TMP/dir.ini" 2>&1)
check "verify, a director with IPv6 disabled on its NIC: the VIP is blocked, naming the cause" \
	grep -qE "$LAB_VIP6/64 +blocked +missing: IPv6 is disabled on eth0" <<<"$out"
on rs1 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0

# --- a renamed NIC -------------------------------------------------------------------
# Renaming rewrites the labels (the first address gets the bare name) and
# leaves the record's old name: the VIP is still lvsdr's, and release
# removes it. nicA/nicB: a second veth in rs1, the VIP its only address.
on rs1 ip link add nicA type veth peer name nicA-peer
on rs1 ip link set nicA up
on rs1 ip link set nicA-peer up
for n in A B; do
	printf '[host]\nrole = director\ninterface = nic%s\n[vip]\naddress = 203.0.113.100/24\n' "$n" >"$TMP/nic$n.ini"
done
check "takeover on nicA: exit 0" on rs1 "$LVSDR" takeover -q "$TMP/nicA.ini"
on rs1 ip link set nicA down
on rs1 ip link set nicA name nicB
on rs1 ip link set nicB up
check "after the rename the kernel labels the VIP 'nicB' (the bare name)" \
	eval 'on rs1 ip -o -4 addr show dev nicB | grep -q "203.0.113.100/24 .* nicB\\\\"'
out=$(on rs1 "$LVSDR" verify -v "$TMP/nicB.ini" 2>&1)
check "verify on the renamed NIC: the VIP is lvsdr's, not 'someone else's'" \
	grep -qE "203.0.113.100/24 +ok +bound$" <<<"$out"
check "release on the renamed NIC: exit 0" on rs1 "$LVSDR" release -q "$TMP/nicB.ini"
check "... removes the VIP" eval '! on rs1 ip -o addr show dev nicB | grep -q 203.0.113.100'
check "... and the record no longer names it" eval '! grep -qs 203.0.113.100 "$RECORD"'
on rs1 ip link del nicB

# --- a NIC that is a bridge port -------------------------------------------------------
# The bridge gets the NIC's frames and answers ARP with its own knobs: the
# NIC's knobs and VIPs mean nothing, so lvsdr must not call it in sync.
on rs1 ip link add nicC type veth peer name nicC-peer
on rs1 ip link add brC type bridge
on rs1 ip link set nicC master brC
on rs1 ip link set brC up
on rs1 ip link set nicC up
printf '[host]\nrole = realserver\ninterface = nicC\n[vip]\naddress = 203.0.113.100\n' >"$TMP/nicC.ini"
refused "apply on a bridge port: refused, naming the bridge" \
	"nicC +blocked +nicC is a port of bridge brC: the frames for it reach brC" apply "$TMP/nicC.ini"
out=$(on rs1 "$LVSDR" verify "$TMP/nicC.ini" 2>&1)
rc=$?
check "verify on a bridge port: not in sync, blocked ($rc)" [ "$rc" = 1 ]
check "... naming the bridge" grep -qF "nicC is a port of bridge brC" <<<"$out"
on rs1 ip link del nicC
on rs1 ip link del brC

# --- persist under a hardened umask ------------------------------------------------------
export LVSDR_SYSCTL_ROOT=$TMP/root3
mkdir -p "$LVSDR_SYSCTL_ROOT/etc"
check "persist under umask 077: exit 0" sh -c "umask 077; exec '$LVSDR' persist -q '$PROFILE'"
check "... /etc/sysctl.d it made is mode 0755" [ "$(stat -c %a "$LVSDR_SYSCTL_ROOT/etc/sysctl.d")" = 755 ]
check "... the drop-in is mode 0644" [ "$(stat -c %a "$LVSDR_SYSCTL_ROOT/etc/sysctl.d/90-lvsdr-rs.conf")" = 644 ]
unset LVSDR_SYSCTL_ROOT
