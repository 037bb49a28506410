#!/usr/bin/env bash
# t-16: the Debian package, installed the way an operator installs it.
#
#   make deb                   build/deb/lvsdr_N_ARCH.deb (rebuilt only when a source changed)
#   a copy, version N+t16      build/deb-next/lvsdr_N+t16_ARCH.deb: changelog and program
#   lintian                    no error, no warning on the .deb, .changes, .buildinfo
#
#   clean Debian 12 root (debootstrap minbase, cached in /var/cache/lvsdr-test)
#     apt-get install ./lvsdr_N.deb     apt resolves the libraries from the archive
#     lvsdr --version, lvsdr check on a shipped example
#     [lvsdr-t16-$$]  eth0 <--veth--> peer0     ip netns exec NS chroot ROOT
#      lo: 192.0.2.100/32                       /usr/sbin/lvsdr apply EXAMPLE
#     apt-get purge lvsdr               every file of dpkg -L gone, no state left
#     install N, edit /etc/lvsdr/web1.ini, install N+t16, purge: the edit stays
#
# Needs root, debootstrap, dpkg-buildpackage and the archive: without them
# it skips, except on CI (CI=true), where tests/deps.sh installs them.
# memory: no
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/debroot.sh"

NS=lvsdr-t16-$$
TMP=$(mktemp -d /tmp/lvsdr-t16.XXXXXX) || exit 1
ROOT=$TMP/root
cleanup() {
	ip netns del "$NS" 2>/dev/null
	[ -d "$ROOT/var/cache/apt/archives" ] && debroot_save_debs "$ROOT"
	debroot_umount "$ROOT"
	if debroot_mounted "$ROOT"; then
		echo "# t-16: something is still mounted under $ROOT: left in place" >&2
	else
		rm -rf --one-file-system "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# require WHY COMMAND...: without it, skip the script, or fail it on CI.
require() {
	local why=$1
	shift
	"$@" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		not_ok "t-16-package: $why (CI=true: must run)"
		exit 1
	fi
	skip "t-16-package: $why"
	exit 0
}
require "needs root" test "$(id -u)" = 0
require "needs dpkg-buildpackage, dh and fakeroot (tests/deps.sh deb)" \
	command -v dpkg-buildpackage dh fakeroot
require "needs debootstrap and lintian (tests/deps.sh test)" command -v debootstrap lintian
require "needs network namespaces" ip netns add "$NS"

ARCH=$(dpkg --print-architecture)
N=$(cat "$LVSDR_ROOT/VERSION")
NEXT=$N+t16
DEB=$LVSDR_BUILD/deb/lvsdr_${N}_$ARCH.deb
DEB_NEXT=$LVSDR_BUILD/deb-next/lvsdr_${NEXT}_$ARCH.deb
mk() { make -s -C "$1" --no-print-directory NO_DEPS=1 "${@:2}" >"$TMP/make.log" 2>&1; }
show() { sed 's/^/#   /' "$1"; }

# make_deb NAME DEB DIR MAKE-ARGS...: a case that needs DEB built; the
# script cannot go on without it.
make_deb() {
	if mk "$3" "${@:4}" deb && [ -f "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		show "$TMP/make.log"
		exit 1
	fi
}
make_deb "make deb builds lvsdr_${N}_$ARCH.deb, the version VERSION names" "$DEB" "$LVSDR_ROOT" BUILD="$LVSDR_BUILD"
check "make deb leaves the tree clean (no debian/lvsdr, no debian/.debhelper)" \
	test ! -e "$LVSDR_ROOT/debian/lvsdr" -a ! -e "$LVSDR_ROOT/debian/.debhelper"
check "the runtime dependencies are the shared libraries only" \
	test "$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/ *(.*//; s/^ *//' | sort | tr '\n' ' ')" = \
	"libc6 libinih1 libnl-3-200 libnl-genl-3-200 libnl-route-3-200 "
# The package's own build, with dpkg-buildflags, not the binary of the
# tree's BUILD that `make deb BUILD=...` could hand down.
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/sbin/lvsdr >"$TMP/lvsdr.pkg"
check "the packaged lvsdr is built with Debian's hardening: BIND_NOW and fortified calls" \
	eval 'readelf -d "$TMP/lvsdr.pkg" | grep -q "FLAGS.*BIND_NOW" && readelf -W --dyn-syms "$TMP/lvsdr.pkg" | grep -q "__[a-z]*_chk@"'
check "the package holds no conffile and nothing under /etc" \
	eval '! dpkg-deb -c "$DEB" | grep -q " \./etc/" && ! dpkg-deb -I "$DEB" conffiles >/dev/null 2>&1'

# The same tree, one version later: the upgrade below goes from N to it.
# The edited files keep their times, so make rebuilds it only when a
# source changed.
mkdir -p "$TMP/next"
tar -C "$LVSDR_ROOT" -cf - Makefile README.md VERSION debian dist include man profiles src |
	tar -C "$TMP/next" -xf -
for f in VERSION debian/changelog; do
	sed -i -e "1s/^$N\$/$NEXT/" -e "1s/^lvsdr ($N)/lvsdr ($NEXT)/" "$TMP/next/$f"
	touch -r "$LVSDR_ROOT/$f" "$TMP/next/$f"
done
make_deb "make deb in a copy at version $NEXT builds lvsdr_${NEXT}_$ARCH.deb" "$DEB_NEXT" "$TMP/next" \
	DEBDIR="$LVSDR_BUILD/deb-next"
# A changelog behind the program is refused: the package would lie.
echo 9.9.9 >"$TMP/next/VERSION"
mk "$TMP/next" DEBDIR="$TMP/never" deb
check "make deb refuses a changelog that is not at the program's version, and builds nothing" \
	eval 'grep -q "debian/changelog is at $NEXT, VERSION at 9.9.9" "$TMP/make.log" && test ! -e "$TMP/never/lvsdr_9.9.9.stamp"'

# lintian takes half a minute: its verdict is kept beside the .changes it judged.
changes=${DEB%.deb}.changes
if [ ! "$LVSDR_BUILD/deb/lintian.log" -nt "$changes" ]; then
	lintian --fail-on none "$changes" >"$LVSDR_BUILD/deb/lintian.tmp" 2>&1 &&
		mv "$LVSDR_BUILD/deb/lintian.tmp" "$LVSDR_BUILD/deb/lintian.log"
fi
if [ -f "$LVSDR_BUILD/deb/lintian.log" ] && ! grep -q '^[EW]: ' "$LVSDR_BUILD/deb/lintian.log"; then
	ok "lintian: no error and no warning on the .deb, the .changes and the .buildinfo"
else
	not_ok "lintian: no error and no warning on the .deb, the .changes and the .buildinfo"
	show "$LVSDR_BUILD/deb/lintian.log"
fi

# The clean root. Its first making takes minutes and the archive.
if ! debroot_unpack "$ROOT" 2>"$TMP/debroot.log"; then
	show "$TMP/debroot.log"
	require "a Debian 12 root from $(debroot_mirror) (debootstrap failed; see above)" false
fi
debroot_mount "$ROOT" || { not_ok "mount /proc and /dev in the root"; exit 1; }
in_root() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
# apt_install DEB: with the lists of the cached root, or fresh ones once the
# archive has moved on.
apt_install() {
	cp "$1" "$ROOT/tmp/" || return 1
	in_root apt-get install -y -q --no-install-recommends "/tmp/${1##*/}" >"$TMP/apt.log" 2>&1 ||
		{ in_root apt-get update -q >>"$TMP/apt.log" 2>&1 &&
			in_root apt-get install -y -q --no-install-recommends "/tmp/${1##*/}" >>"$TMP/apt.log" 2>&1; }
	local rc=$?
	rm -f "$ROOT/tmp/${1##*/}"
	return $rc
}

if apt_install "$DEB"; then
	ok "apt-get install ./lvsdr_${N}_$ARCH.deb in a clean Debian 12 root"
else
	not_ok "apt-get install ./lvsdr_${N}_$ARCH.deb in a clean Debian 12 root"
	show "$TMP/apt.log"
	exit 1
fi
check "the installed lvsdr --version says $N" test "$(in_root /usr/sbin/lvsdr --version 2>&1)" = "lvsdr $N"
files=$(in_root dpkg -L lvsdr | sort)
check "dpkg -L: the binary, the four man pages, the unit template, the completion, the examples" eval '
	for f in /usr/sbin/lvsdr /usr/share/man/man8/lvsdr.8.gz /usr/share/man/man5/lvsdr.ini.5.gz \
		/usr/share/man/man5/lvsdr-output.5.gz /usr/share/man/man7/lvsdr-cluster.7.gz \
		/lib/systemd/system/lvsdr@.service /usr/share/bash-completion/completions/lvsdr \
		/usr/share/doc/lvsdr/examples/keepalived.conf /usr/share/doc/lvsdr/copyright \
		$(cd "$LVSDR_ROOT/profiles" && printf "/usr/share/doc/lvsdr/examples/%s " *.ini); do
		grep -qx "$f" <<<"$files" && test -f "$ROOT$f" || { echo "# missing: $f"; exit 1; }
	done'
check "the keepalived example and the unit name /usr/sbin/lvsdr and /etc/lvsdr" eval '
	grep -q "notify \"/usr/sbin/lvsdr notify /etc/lvsdr/director.ini\"" "$ROOT/usr/share/doc/lvsdr/examples/keepalived.conf" &&
	grep -qx "ExecStart=/usr/sbin/lvsdr apply --boot /etc/lvsdr/%i.ini" "$ROOT/lib/systemd/system/lvsdr@.service"'
check "the install enables no unit and leaves no /etc/lvsdr" \
	eval 'test -z "$(find "$ROOT/etc/systemd" -name "lvsdr*")" && test ! -e "$ROOT/etc/lvsdr"'
example=/usr/share/doc/lvsdr/examples/realserver.ini
check "the installed lvsdr checks the shipped $example" in_root /usr/sbin/lvsdr check -q "$example"
check "and refuses a profile that is not there, with status 2 (negative)" \
	eval 'in_root /usr/sbin/lvsdr check -q /nonexistent.ini >/dev/null 2>&1; test $? -eq 2'

# A real server, provisioned by the installed binary in a namespace of ours.
ip -n "$NS" link add eth0 type veth peer name peer0 &&
	ip -n "$NS" link set eth0 up && ip -n "$NS" link set peer0 up && ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" chroot "$ROOT" /usr/sbin/lvsdr "$@"; }
knob() { ip netns exec "$NS" cat "/proc/sys/net/ipv4/conf/$1/$2"; }
in_ns verify -q "$example" >/dev/null 2>&1
check "before apply, the installed verify sees drift (status 1)" test $? -eq 1
in_ns apply "$example" >"$TMP/apply.log" 2>&1
rc=$?
check "ip netns exec NS chroot ROOT /usr/sbin/lvsdr apply $example: status 0 (status $rc)" test "$rc" -eq 0
check "the VIP is on lo as 192.0.2.100/32, labelled lo:lvsdr" \
	eval 'ip -n "$NS" -o -4 addr show dev lo | grep -q "inet 192.0.2.100/32 .* lo:lvsdr"'
check "the VIP is on lo only, not on eth0 (negative)" \
	eval '! ip -n "$NS" -o addr show dev eth0 | grep -q 192.0.2.100'
check "arp_ignore=1 and arp_announce=2 on all and eth0" \
	test "$(knob all arp_ignore)$(knob eth0 arp_ignore)$(knob all arp_announce)$(knob eth0 arp_announce)" = 1122
check "the installed verify: in sync (status 0)" in_ns verify -q "$example"
check "the ownership record is under the root's /run/lvsdr" test -d "$ROOT/run/lvsdr"

# Purge: every file dpkg listed is gone, and nothing named lvsdr is left.
if in_root apt-get purge -y -q lvsdr >"$TMP/apt.log" 2>&1; then
	ok "apt-get purge lvsdr"
else
	not_ok "apt-get purge lvsdr"
	show "$TMP/apt.log"
fi
left=$(while read -r f; do
	[ -e "$ROOT$f" ] || continue
	# Shared directories (/usr/sbin, /lib/systemd) belong to other packages too.
	[ -d "$ROOT$f" ] && [ "${f/lvsdr/}" = "$f" ] && continue
	echo "$f"
done <<<"$files")
check "after purge every file of dpkg -L lvsdr is gone${left:+ (left: $left)}" test -z "$left"
left=$(find "$ROOT" -path "$ROOT/proc" -prune -o -path "$ROOT/dev" -prune -o -name '*lvsdr*' -print)
check "after purge nothing named lvsdr is left: no /etc/lvsdr, /run/lvsdr, dpkg or systemd state${left:+ (left: $left)}" \
	test -z "$left"

# An upgrade from N to N+t16 keeps the operator's profile as it is.
apt_install "$DEB" || { not_ok "install $N again"; show "$TMP/apt.log"; }
mkdir -p "$ROOT/etc/lvsdr"
sed 's/^address = 192.0.2.100$/address = 192.0.2.101 ; edited/' "$ROOT$example" >"$ROOT/etc/lvsdr/web1.ini"
cp "$ROOT/etc/lvsdr/web1.ini" "$TMP/web1.edited"
check "the edited profile is valid for the installed $N" in_root /usr/sbin/lvsdr check -q /etc/lvsdr/web1.ini
if apt_install "$DEB_NEXT"; then
	ok "apt-get install ./lvsdr_${NEXT}_$ARCH.deb upgrades $N"
else
	not_ok "apt-get install ./lvsdr_${NEXT}_$ARCH.deb upgrades $N"
	show "$TMP/apt.log"
fi
check "the installed package and lvsdr --version are at $NEXT" \
	test "$(in_root dpkg-query -W -f '${Version}' lvsdr) $(in_root /usr/sbin/lvsdr --version)" = "$NEXT lvsdr $NEXT"
check "the upgrade left the edited /etc/lvsdr/web1.ini as it was" cmp -s "$TMP/web1.edited" "$ROOT/etc/lvsdr/web1.ini"
check "dpkg asked nothing about it: the profile belongs to no package" \
	eval '! grep -qi "conffile\|web1.ini" "$TMP/apt.log" && ! in_root dpkg -S /etc/lvsdr/web1.ini >/dev/null 2>&1'
in_root apt-get purge -y -q lvsdr >"$TMP/apt.log" 2>&1
check "a purge keeps the operator's profile too" cmp -s "$TMP/web1.edited" "$ROOT/etc/lvsdr/web1.ini"
