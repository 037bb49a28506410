#!/usr/bin/env bash
# t-70: operating lvsdr for real: what `make install` puts in place (the
# lvsdr@.service unit checked by systemd-analyze, the bash completion), the
# sysctl.d drop-in of `lvsdr persist` read back by the real `sysctl --system`
# and `systemd-sysctl`, verify's report of a later file that overrides it,
# interfaces created anew, and `apply --boot`.
#
#   [lvsdr-t70-$$]   eth0     <--veth-->  peer0    real server web1.ini,
#                    eth0.100 <--veth-->  p100     director lb1.ini
#                    lo: 192.0.2.100/32             (a veth named like a VLAN:
#                                                    no 8021q module here)
#
#   $ROOT/etc/sysctl.d, $ROOT/etc/sysctl.conf      the boot configuration
#
# lvsdr reads and writes $ROOT through LVSDR_SYSCTL_ROOT. The sysctl tools
# have no such option: `sandbox` runs them in the namespace and in a private
# mount namespace where $ROOT's files are bind-mounted over /etc/sysctl.d and
# /etc/sysctl.conf and an empty directory over every other sysctl.d, so they
# read only our files and write only the namespace's net.* knobs.
# shellcheck disable=SC2016 # the checks are eval'd: they expand when they run
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

scratch_netns t70

# Small predicates for check: a redirection after `check` would swallow its ok line.
quiet() { "$@" >/dev/null 2>&1; }
has() { grep -q -- "$1" "$2"; }            # PATTERN FILE
lacks() { ! grep -qF -- "$1" "$2"; }       # TEXT FILE
same() { [ "$1" = "$2" ]; }                # GOT WANT
status_is() { # WANT COMMAND...: exit status WANT, output to $TMP/out
	local expected=$1 rc
	shift
	"$@" >"$TMP/out" 2>&1
	rc=$?
	[ "$rc" = "$expected" ] && return 0
	echo "# status $rc, wanted $expected:"
	sed 's/^/#   /' "$TMP/out"
	return 1
}

# --- make install into a prefix, so the unit's paths exist -------------------

INST=$TMP/inst
if ! make -s -C "$LVSDR_ROOT" --no-print-directory NO_DEPS=1 BUILD="$LVSDR_BUILD" install PREFIX="$INST/usr" \
	SYSCONFDIR="$INST/etc" >"$TMP/install.log" 2>&1; then
	not_ok "make install PREFIX=$INST/usr SYSCONFDIR=$INST/etc"
	sed 's/^/#   /' "$TMP/install.log"
	exit 1
fi
UNIT=$INST/usr/lib/systemd/system/lvsdr@.service
COMPLETION=$INST/usr/share/bash-completion/completions/lvsdr

# --- the systemd unit -----------------------------------------------------------

unit_line() { grep -qx -- "$1" "$UNIT"; }
check "unit: Type=oneshot with RemainAfterExit=yes" eval 'unit_line Type=oneshot && unit_line RemainAfterExit=yes'
check "unit: ExecStart applies the instance's profile with --boot" \
	unit_line "ExecStart=$INST/usr/sbin/lvsdr apply --boot $INST/etc/lvsdr/%i.ini"
check "unit: ExecReload runs the same apply again" \
	unit_line "ExecReload=$INST/usr/sbin/lvsdr apply --boot $INST/etc/lvsdr/%i.ini"
check "unit: before the network is configured (Before= and Wants=network-pre.target)" \
	eval 'grep -Eq "^Before=.*\bnetwork-pre\.target\b" "$UNIT" && grep -Eq "^Wants=.*\bnetwork-pre\.target\b" "$UNIT"'
check "unit: after systemd-sysctl, so that the drop-ins cannot undo it" \
	grep -Eq '^After=.*\bsystemd-sysctl\.service\b' "$UNIT"
check "unit: hardened, yet /proc/sys stays writable (no ProtectKernelTunables, ProcSubset=pid, PrivateNetwork)" \
	eval 'unit_line ProtectSystem=strict && unit_line NoNewPrivileges=yes && unit_line CapabilityBoundingSet=CAP_NET_ADMIN &&
		! grep -Eq "^(ProtectKernelTunables|ProcSubset|PrivateNetwork)=" "$UNIT"'
check "unit: keeps /run/lvsdr on stop (the record of what lvsdr bound)" unit_line RuntimeDirectoryPreserve=yes

if ! command -v systemd-analyze >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		not_ok "unit: systemd-analyze verify: systemd-analyze is not installed (CI=true: must run; make test-deps installs systemd)"
	else
		skip "unit: systemd-analyze verify: SYSTEMD-ANALYZE IS NOT INSTALLED, THE UNIT IS NOT VERIFIED (make test-deps installs systemd)"
	fi
else
	# An instance name: verify loads the template through it. MANPATH lets
	# it check the Documentation= pages we installed.
	mkdir "$TMP/units"
	cp "$UNIT" "$TMP/units/lvsdr@.service"
	ln -s lvsdr@.service "$TMP/units/lvsdr@realserver.service"
	man_check=--man=yes
	command -v man >/dev/null 2>&1 || man_check=--man=no
	verify_unit() { MANPATH=$INST/usr/share/man systemd-analyze verify $man_check "$1" >"$TMP/analyze" 2>&1 && [ ! -s "$TMP/analyze" ]; }
	if verify_unit "$TMP/units/lvsdr@realserver.service"; then
		ok "unit: systemd-analyze verify lvsdr@realserver.service prints nothing"
	else
		not_ok "unit: systemd-analyze verify lvsdr@realserver.service prints nothing"
		sed 's/^/#   /' "$TMP/analyze"
	fi
	# The same check must catch a broken unit, or it proves nothing.
	sed 's/^Type=oneshot/Type=oneshoot/' "$UNIT" >"$TMP/units/broken@.service"
	ln -s broken@.service "$TMP/units/broken@realserver.service"
	verify_unit "$TMP/units/broken@realserver.service"
	check "unit: systemd-analyze verify does catch a broken copy (Type=oneshoot)" has "Failed to parse service type" "$TMP/analyze"
fi

# --- bash completion ---------------------------------------------------------------

# complete WORDS...: what the installed completion offers for the last word,
# sorted, one line; run in a clean bash that sources only the completion.
complete_words() {
	(cd "$TMP/compdir" && PATH=$(dirname "$LVSDR"):$PATH bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_lvsdr "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$COMPLETION" "$@")
}
mkdir -p "$TMP/compdir/sub"
touch "$TMP/compdir/web1.ini" "$TMP/compdir/notes.txt"
cmds=$(sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z-]*\)",[[:space:]]*[a-z_]*_main,.*/\1/p' "$LVSDR_ROOT/src/main.c" | sort)
first_words=$(printf '%s\n' $cmds --help --version | sort | tr '\n' ' ')
check "completion: the first word is every subcommand of src/main.c, --help and --version" \
	same "$(complete_words "$LVSDR" "")" "$first_words"
for cmd in $cmds; do
	opts=$( { "$LVSDR" "$cmd" --help | grep -E '^ +-' | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,'
		printf '%s\n' -h --help; } | sort -u | tr '\n' ' ')
	check "completion: lvsdr $cmd - offers the options of its --help ($opts)" same "$(complete_words "$LVSDR" "$cmd" -)" "$opts"
done
check "completion: --state offers master, backup, any, notified" same "$(complete_words lvsdr verify --state "")" "any backup master notified "
profiles=$(cd "$INST/etc/lvsdr" && printf "$INST/etc/lvsdr/%s\n" *.ini | sort | tr '\n' ' ')
check "completion: a profile is a *.ini or a directory here, or a profile in SYSCONFDIR/lvsdr" \
	same "$(complete_words lvsdr apply "")" "$(printf '%s\n' $profiles sub web1.ini | sort | tr '\n' ' ')"
check "completion: a full path completes among SYSCONFDIR/lvsdr's profiles" \
	same "$(complete_words lvsdr verify "$INST/etc/lvsdr/real")" "$INST/etc/lvsdr/realserver.ini "
check "completion: nothing after the one profile of verify" same "$(complete_words lvsdr verify -q web1.ini "")" ""
check "completion: check takes any number of profiles" same "$(complete_words lvsdr check web1.ini w)" "web1.ini "
check "completion: notify's STATE (or keepalived's TYPE) after the profile" \
	same "$(complete_words lvsdr notify web1.ini "")" "BACKUP DELETED FAULT GROUP INSTANCE MASTER STOP "
check "completion: notify's STATE after TYPE NAME" \
	same "$(complete_words lvsdr notify web1.ini INSTANCE VI_1 "")" "BACKUP DELETED FAULT MASTER STOP "
# An option's value is not the profile: after it, the profile is still due.
all_profiles=$(printf '%s\n' $profiles sub web1.ini | sort | tr '\n' ' ')
for words in "verify --prom /tmp/x.prom" "verify -q --state backup" "probe -e 02:00:00:00:00:01" \
	"probe --expect 02:00:00:00:00:01 -t 1s -c 2" "watch -e 02:00:00:00:00:01 -d 10s" \
	"pathcheck --port tcp/80 --vip 192.0.2.100 --realserver 192.0.2.11" "pathcheck -i eth0 --timeout 2s --retries 1"; do
	# shellcheck disable=SC2086 # the words are split on purpose
	check "completion: lvsdr $words offers the profiles (the option's value is not the profile)" \
		same "$(complete_words lvsdr $words "")" "$all_profiles"
done
check "completion: after probe -i IFACE the arguments are addresses: no profile" \
	same "$(complete_words lvsdr probe -i eth0 "")" ""
check "completion: after watch --interface IFACE ADDRESS, still no profile" \
	same "$(complete_words lvsdr watch --interface eth0 192.0.2.100 "")" ""
check "completion: -i offers the interfaces (lo among them)" \
	bash -c '[[ " $1" == *" lo "* ]]' _ "$(complete_words lvsdr watch -i "")"
check "completion: --prom offers any file, not only profiles" \
	bash -c '[[ " $1" == *" notes.txt "* ]]' _ "$(complete_words lvsdr verify --prom "")"
check "completion: options come from its own table: the same with no lvsdr to run" \
	same "$(complete_words /nonexistent/lvsdr probe -)" "$(complete_words "$LVSDR" probe -)"

# --- What needs a network namespace -----------------------------------------------

lab_require
export LVSDR_RUNDIR=$TMP/run
ROOT=$TMP/root
export LVSDR_SYSCTL_ROOT=$ROOT
mkdir -p "$ROOT/etc" "$TMP/empty"
PROF=$TMP/prof
mkdir "$PROF"
printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n' >"$PROF/web1.ini"
printf '[host]\nrole = realserver\ninterface = eth0\n[arp]\nscope = interface\n[vip]\naddress = 192.0.2.100\n' >"$PROF/dev.ini"
printf '[host]\nrole = realserver\ninterface = eth0.100\n[vip]\naddress = 192.0.2.101\n' >"$PROF/vlan.ini"
printf '[host]\nrole = director\ninterface = eth0\n[arp]\nnotify = 1\n[vip]\naddress = 192.0.2.100/24\n' >"$PROF/lb1.ini"
printf '[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 192.0.2.100/24\n' >"$PROF/lb2.ini"

# ns_fresh: the namespace anew, every ARP knob 0 (a new namespace may copy
# the host's conf/all and conf/default), eth0 and eth0.100 up.
ns_fresh() {
	local k
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || return 1
	for k in arp_ignore arp_announce arp_filter arp_accept arp_notify; do
		ip netns exec "$NS" sysctl -qw "net.ipv4.conf.all.$k=0" "net.ipv4.conf.default.$k=0" || return 1
	done
	ip -n "$NS" link set lo up &&
		ip -n "$NS" link add eth0 type veth peer name peer0 &&
		ip -n "$NS" link add eth0.100 type veth peer name p100 &&
		ip -n "$NS" link set eth0 up && ip -n "$NS" link set peer0 up &&
		ip -n "$NS" link set eth0.100 up && ip -n "$NS" link set p100 up
}
# nic_recreate NAME PEER: the interface deleted and created again, as after
# a driver reload or a VLAN re-created by the network configuration.
nic_recreate() {
	ip -n "$NS" link del "$1" && ip -n "$NS" link add "$1" type veth peer name "$2" &&
		ip -n "$NS" link set "$1" up && ip -n "$NS" link set "$2" up
}
knob() { ip netns exec "$NS" cat "/proc/sys/net/ipv4/conf/$1/$2"; } # SCOPE KNOB
knob_is() { [ "$(knob "$1" "$2")" = "$3" ]; }                       # SCOPE KNOB VALUE
# lvsdr in the namespace, from the profiles' directory so that messages
# name them as the expected outputs do.
run() { (cd "$PROF" && ip netns exec "$NS" "$LVSDR" "$@"); }
vip_on() { ip -n "$NS" -o addr show dev "$1" | grep -q " $2/"; } # DEV ADDRESS

# sandbox COMMAND...: COMMAND in the namespace, seeing $ROOT's sysctl files
# in place of the host's.
SANDBOX_OK=1
for f in /etc/sysctl.d /etc/sysctl.conf; do [ -e "$f" ] || SANDBOX_OK=0; done
sandbox() {
	ip netns exec "$NS" unshare -m --propagation private sh -ec '
		root=$1 empty=$2
		shift 2
		mount --bind "$root/etc/sysctl.d" /etc/sysctl.d
		mount --bind "${SYSCTL_CONF:-/dev/null}" /etc/sysctl.conf
		for d in /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
			if [ -d "$d" ]; then mount --bind "$empty" "$d"; fi
		done
		exec "$@"' _ "$ROOT" "$TMP/empty" "$@" >"$TMP/sandbox.log" 2>&1
}
sandbox_sysctl() { SYSCTL_CONF=$( [ -e "$ROOT/etc/sysctl.conf" ] && echo "$ROOT/etc/sysctl.conf") sandbox sysctl --system; }
SYSTEMD_SYSCTL=
for f in /lib/systemd/systemd-sysctl /usr/lib/systemd/systemd-sysctl; do
	[ -x "$f" ] && SYSTEMD_SYSCTL=$f && break
done
sandbox_systemd_sysctl() { SYSCTL_CONF=$( [ -e "$ROOT/etc/sysctl.conf" ] && echo "$ROOT/etc/sysctl.conf") sandbox "$SYSTEMD_SYSCTL" "$@"; }
need_sandbox() { # NAME: true when the sysctl tools can run on $ROOT, else a loud skip
	if [ "$SANDBOX_OK" = 0 ]; then
		skip "$1: this host has no /etc/sysctl.d or /etc/sysctl.conf to bind over"
		return 1
	fi
	return 0
}
need_systemd_sysctl() {
	need_sandbox "$1" || return 1
	[ -n "$SYSTEMD_SYSCTL" ] && return 0
	if [ "${CI:-}" = true ]; then
		not_ok "$1: systemd-sysctl is not installed (CI=true: must run)"
	else
		skip "$1: SYSTEMD-SYSCTL IS NOT INSTALLED (make test-deps installs systemd)"
	fi
	return 1
}

if ! ns_fresh; then
	not_ok "t-70: the namespace comes up"
	exit 1
fi

# --- persist: the drop-in -------------------------------------------------------------

DROPIN=$ROOT/etc/sysctl.d/90-lvsdr-web1.conf
cat >"$TMP/web1.conf" <<'EOF'
# The ARP knobs of profile web1, a realserver on eth0 (lvsdr persist).
# systemd-sysctl applies them at boot, and udev again for eth0 whenever
# it appears. Change the profile and run lvsdr persist again.
net.ipv4.conf.all.arp_ignore = 1
net.ipv4.conf.eth0.arp_ignore = 1
net.ipv4.conf.all.arp_announce = 2
net.ipv4.conf.eth0.arp_announce = 2
EOF
expect_output "persist -n prints the drop-in" 0 "$TMP/web1.conf" run persist -n web1.ini
check "persist -n writes nothing" test ! -e "$ROOT/etc/sysctl.d"
echo "web1.ini: wrote /etc/sysctl.d/90-lvsdr-web1.conf (4 settings)" >"$TMP/want"
expect_output "persist writes /etc/sysctl.d/90-lvsdr-web1.conf under the root" 0 "$TMP/want" run persist web1.ini
check "persist: the file holds what -n printed" cmp -s "$TMP/web1.conf" "$DROPIN"
check "persist: mode 644 in a new sysctl.d of mode 755" \
	same "$(stat -c %a "$DROPIN") $(stat -c %a "$ROOT/etc/sysctl.d")" "644 755"
echo "web1.ini: unchanged: /etc/sysctl.d/90-lvsdr-web1.conf is up to date (4 settings)" >"$TMP/want"
expect_output "persist again: nothing to do, exit 0" 0 "$TMP/want" run persist web1.ini
check "persist -q prints nothing when all is well" same "$(run persist -q web1.ini 2>&1)" ""

run persist vlan.ini >/dev/null
check "persist: eth0.100 is written in the slash form" \
	eval 'has "^net/ipv4/conf/eth0.100/arp_ignore = 1$" "$ROOT/etc/sysctl.d/90-lvsdr-vlan.conf" &&
		lacks "net.ipv4.conf.eth0.100" "$ROOT/etc/sysctl.d/90-lvsdr-vlan.conf"'
ip netns exec "$NS" sysctl -q -p "$ROOT/etc/sysctl.d/90-lvsdr-vlan.conf" >"$TMP/out" 2>&1
check "sysctl -p of the drop-in sets conf/eth0.100 itself" eval 'knob_is eth0.100 arp_ignore 1 && knob_is eth0.100 arp_announce 2'
echo "net.ipv4.conf.eth0.100.arp_ignore = 1" >"$TMP/dotted.conf"
check "while the dotted form names no such key (why the slash form)" \
	eval '! ip netns exec "$NS" sysctl -q -p "$TMP/dotted.conf" 2>"$TMP/out" && has "eth0/100" "$TMP/out"'
rm "$ROOT/etc/sysctl.d/90-lvsdr-vlan.conf"

echo "lb2.ini: sets no knob: nothing to persist" >"$TMP/want"
expect_output "persist: a director without [arp] has nothing to persist" 0 "$TMP/want" run persist lb2.ini
check "persist: and writes no file for it" test ! -e "$ROOT/etc/sysctl.d/90-lvsdr-lb2.conf"
cp "$DROPIN" "$ROOT/etc/sysctl.d/90-lvsdr-lb2.conf"
echo "lb2.ini: sets no knob: nothing to persist; removed /etc/sysctl.d/90-lvsdr-lb2.conf" >"$TMP/want"
expect_output "persist: a drop-in the profile no longer needs is removed" 0 "$TMP/want" run persist lb2.ini

# Refusals change nothing.
mkdir -m 777 "$TMP/open" && cp "$PROF/web1.ini" "$TMP/open/open.ini"
check "persist refuses, as root, a profile in a directory anyone can write (2)" \
	eval 'status_is 2 ip netns exec "$NS" "$LVSDR" persist "$TMP/open/open.ini" && has "nothing written" "$TMP/out" &&
		test ! -e "$ROOT/etc/sysctl.d/90-lvsdr-open.conf"'
printf '[host]\nrole = realserver\ninterface = eth0\nbogus = 1\n' >"$PROF/bad.ini"
check "persist: an invalid profile is refused with file:line (2)" \
	eval 'status_is 2 run persist bad.ini && has "^bad.ini:4: " "$TMP/out" && test ! -e "$ROOT/etc/sysctl.d/90-lvsdr-bad.conf"'
check "persist: bad usage (2)" eval 'status_is 2 run persist && has "^Usage: lvsdr persist" "$TMP/out"'
check "persist: an unwritable sysctl.d is an error (2)" \
	eval 'LVSDR_SYSCTL_ROOT=$TMP/nonexistent status_is 2 run persist web1.ini && has "nothing written" "$TMP/out"'

# --- the real sysctl tools read the drop-in -------------------------------------------

if need_sandbox "sysctl --system applies the drop-in"; then
	if sandbox_sysctl && knob_is all arp_ignore 1 && knob_is eth0 arp_ignore 1 && knob_is all arp_announce 2 &&
		knob_is eth0 arp_announce 2; then
		ok "sysctl --system applies the drop-in: conf/all and conf/eth0 arp_ignore 1, arp_announce 2"
	else
		not_ok "sysctl --system applies the drop-in"
		sed 's/^/#   /' "$TMP/sandbox.log"
	fi
	check "verify after the boot-time sysctl: the knobs are in sync, only the VIP is missing" \
		eval 'status_is 1 run verify web1.ini && lacks "arp_" "$TMP/out" && has "192.0.2.100/32  drift    missing" "$TMP/out"'
fi
if need_systemd_sysctl "systemd-sysctl applies the drop-in"; then
	ns_fresh
	if sandbox_systemd_sysctl && knob_is all arp_ignore 1 && knob_is eth0 arp_announce 2; then
		ok "systemd-sysctl (what runs at boot) applies the drop-in"
	else
		not_ok "systemd-sysctl (what runs at boot) applies the drop-in"
		sed 's/^/#   /' "$TMP/sandbox.log"
	fi
fi

# --- a later file overrides the drop-in -------------------------------------------------

ns_fresh
run apply -q web1.ini
# Debian: /etc/sysctl.d/99-sysctl.conf links to /etc/sysctl.conf, which sorts
# after 90-lvsdr-web1.conf; `sysctl --system` reads sysctl.conf last again.
printf '# an old recipe\nnet.ipv4.conf.all.arp_ignore = 0\nnet.ipv4.conf.eth0.arp_ignore = 0\n' >"$ROOT/etc/sysctl.conf"
ln -s ../sysctl.conf "$ROOT/etc/sysctl.d/99-sysctl.conf"
cat >"$TMP/want" <<'EOF'
web1.ini: realserver on eth0
  arp_ignore     warn     at boot /etc/sysctl.conf:2 sets conf/all/arp_ignore = 0, not 1, overriding /etc/sysctl.d/90-lvsdr-web1.conf:4: remove it there
  arp_ignore     warn     at boot /etc/sysctl.conf:3 sets conf/eth0/arp_ignore = 0, not 1, overriding /etc/sysctl.d/90-lvsdr-web1.conf:5: remove it there
drift: 2 differences; apply would make 0 changes; 2 to fix by hand
EOF
expect_output "verify names the later file and line that override the drop-in (exit 1)" 1 "$TMP/want" run verify web1.ini
check "verify --json lists them as warn findings" \
	eval 'run verify --json web1.ini >"$TMP/json"; has "\"findings\":\[{\"subject\":\"arp_ignore\",\"status\":\"warn\",\"detail\":\"at boot /etc/sysctl.conf:2" "$TMP/json"'
cat >"$TMP/want" <<'EOF'
web1.ini: unchanged: /etc/sysctl.d/90-lvsdr-web1.conf is up to date (4 settings)
lvsdr: web1.ini: arp_ignore: at boot /etc/sysctl.conf:2 sets conf/all/arp_ignore = 0, not 1, overriding /etc/sysctl.d/90-lvsdr-web1.conf:4: remove it there
lvsdr: web1.ini: arp_ignore: at boot /etc/sysctl.conf:3 sets conf/eth0/arp_ignore = 0, not 1, overriding /etc/sysctl.d/90-lvsdr-web1.conf:5: remove it there
EOF
expect_output "persist says so too, and exits 1" 1 "$TMP/want" run persist web1.ini
if need_sandbox "sysctl --system: the override wins as verify said"; then
	sandbox_sysctl
	check "sysctl --system: the override wins as verify said (conf/all and conf/eth0 arp_ignore back to 0)" \
		eval 'knob_is all arp_ignore 0 && knob_is eth0 arp_ignore 0 && knob_is all arp_announce 2'
	check "and verify then shows the leak as drift" \
		eval 'status_is 1 run verify web1.ini && has "arp_ignore     drift    effective 0, want 1" "$TMP/out"'
fi
if need_systemd_sysctl "systemd-sysctl: the override wins through 99-sysctl.conf"; then
	ns_fresh
	run apply -q web1.ini
	sandbox_systemd_sysctl
	check "systemd-sysctl: the override wins through 99-sysctl.conf, as verify said" \
		eval 'knob_is all arp_ignore 0 && knob_is eth0 arp_ignore 0'
fi
printf '# an old recipe, cleaned up\n' >"$ROOT/etc/sysctl.conf"
run apply -q web1.ini
check "once the lines are gone, verify is in sync (exit 0)" status_is 0 run verify web1.ini

# A profile changed since persist: the next boot would undo apply.
sed 's/^interface = eth0$/interface = eth0\n[arp]\nignore = 2/' "$PROF/web1.ini" >"$TMP/web1-2.ini"
cp "$TMP/web1-2.ini" "$PROF/web1.ini"
run apply -q web1.ini
check "verify: a drop-in the profile has moved away from (warn)" \
	eval 'status_is 1 run verify web1.ini && has "90-lvsdr-web1.conf  warn     /etc/sysctl.d/90-lvsdr-web1.conf does not match the profile, and the next boot applies it: run lvsdr persist web1.ini" "$TMP/out"'
check "persist again, and verify is in sync" eval 'status_is 0 run persist web1.ini && status_is 0 run verify web1.ini'
printf '[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n' >"$PROF/web1.ini"
rm -f "$ROOT"/etc/sysctl.d/* "$ROOT/etc/sysctl.conf"

# --- interfaces that appear later -------------------------------------------------------

ns_fresh
run apply -q web1.ini
run persist -q web1.ini
nic_recreate eth0 peer0
check "eth0 created anew starts from conf/default (arp_ignore 0)" knob_is eth0 arp_ignore 0
# conf/all keeps the effective values right, but the new eth0's own knobs
# are what the scope writes too: drift, which apply writes back.
cat >"$TMP/want" <<'EOF'
web1.ini: realserver on eth0
  arp_ignore     drift    conf/eth0/arp_ignore = 0, lvsdr writes 1: the host answers ARP for the VIPs on eth0 once conf/all is lowered
  arp_announce   drift    conf/eth0/arp_announce = 0, lvsdr writes 2: the host may send ARP with a VIP as sender and pull the VIP's traffic to itself on eth0 once conf/all is lowered
changes apply would make, in order:
  1. set conf/eth0/arp_ignore 0 -> 1
  2. set conf/eth0/arp_announce 0 -> 2
drift: 2 differences; apply would make 2 changes
EOF
expect_output "scope = all+interface: after eth0 is created anew, conf/all keeps the effective values, verify names conf/eth0 (exit 1)" \
	1 "$TMP/want" run verify web1.ini
check "scope = all+interface: apply writes conf/eth0 back, verify in sync" \
	eval 'status_is 0 run apply -q web1.ini && status_is 0 run verify web1.ini && knob_is eth0 arp_ignore 1'

rm -f "$ROOT"/etc/sysctl.d/*
ns_fresh
run apply -q dev.ini
run persist -q dev.ini
nic_recreate eth0 peer0
cat >"$TMP/want" <<'EOF'
dev.ini: realserver on eth0
  arp_ignore     drift    effective 0, want 1: conf/all/arp_ignore and conf/eth0/arp_ignore are both 0
  arp_announce   drift    effective 0, want 2: conf/all/arp_announce and conf/eth0/arp_announce are both 0
changes apply would make, in order:
  1. set conf/eth0/arp_ignore 0 -> 1
  2. set conf/eth0/arp_announce 0 -> 2
drift: 2 differences; apply would make 2 changes
EOF
expect_output "scope = interface: after eth0 is created anew, verify shows the leak (exit 1)" 1 "$TMP/want" run verify dev.ini
if need_systemd_sysctl "udev's systemd-sysctl --prefix puts the knobs of a new eth0 back"; then
	# What 99-systemd.rules runs for every new interface.
	sandbox_systemd_sysctl --prefix=/net/ipv4/conf/eth0
	check "udev's systemd-sysctl --prefix=/net/ipv4/conf/eth0 puts them back from the drop-in: verify in sync" \
		status_is 0 run verify dev.ini
	run persist -q vlan.ini
	nic_recreate eth0.100 p100
	sandbox_systemd_sysctl --prefix=/net/ipv4/conf/eth0.100
	check "and for eth0.100, thanks to the slash form" eval 'knob_is eth0.100 arp_ignore 1 && knob_is eth0.100 arp_announce 2'
fi
rm -f "$ROOT"/etc/sysctl.d/*

# --- apply --boot -------------------------------------------------------------------------

ns_fresh
check "apply --boot on a director writes its knobs" eval 'status_is 0 run apply --boot lb1.ini && knob_is eth0 arp_notify 1'
check "and binds no VIP: they are keepalived's" eval '! vip_on eth0 192.0.2.100'
run takeover -q lb1.ini
check "apply --boot again (systemctl reload) on a master: exit 0, the VIP stays bound" \
	eval 'status_is 0 run apply --boot lb1.ini && vip_on eth0 192.0.2.100 && has "ok: in sync" "$TMP/out"'
run release -q lb1.ini
check "apply --boot on a backup binds nothing either" eval 'status_is 0 run apply --boot lb1.ini && ! vip_on eth0 192.0.2.100'
check "apply --boot on a real server is the whole apply: knobs and the VIP on lo" \
	eval 'status_is 0 run apply --boot web1.ini && vip_on lo 192.0.2.100 && knob_is all arp_ignore 1'
check "apply --boot -n on a director plans the knobs alone" \
	eval 'ns_fresh && status_is 1 run apply --boot -n lb1.ini && lacks "192.0.2.100" "$TMP/out" && has "arp_notify" "$TMP/out"'

# The unit's own command lines, as systemd would run them for lvsdr@realserver
# (and for an instance whose profile does not exist).
unit_cmd() { sed -n "s/^$1=//p" "$UNIT" | sed "s/%i/$2/g"; } # KEY INSTANCE
# shellcheck disable=SC2034 # used in the eval'd checks below
start=$(unit_cmd ExecStart realserver)
# shellcheck disable=SC2034
reload=$(unit_cmd ExecReload realserver)
# shellcheck disable=SC2034
missing=$(unit_cmd ExecStart no-such-profile)
# shellcheck disable=SC2086 # a unit's command line is words
run_unit() { ip netns exec "$NS" $1; }
ns_fresh
check "unit: ExecStart on the installed realserver.ini sets the host up" \
	eval 'status_is 0 run_unit "$start" && vip_on lo 192.0.2.100 && knob_is eth0 arp_announce 2'
check "unit: ExecReload then finds it in sync" eval 'status_is 0 run_unit "$reload" && has "ok: in sync" "$TMP/out"'
ns_fresh
ip -n "$NS" link del eth0
check "unit: ExecStart before the interface exists fails loudly (2), so the unit fails" \
	eval 'status_is 2 run_unit "$start" && has "no interface eth0" "$TMP/out" && ! vip_on lo 192.0.2.100'
check "unit: an instance without a profile fails loudly (2), not skipped in silence" \
	eval 'status_is 2 run_unit "$missing" && has "no-such-profile.ini: cannot open the profile" "$TMP/out"'
