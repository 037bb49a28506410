#!/usr/bin/env bash
# t-15: `make install` and `make uninstall` into a DESTDIR honour PREFIX,
# SBINDIR, MANDIR, SYSCONFDIR, SYSTEMDUNITDIR, BASHCOMPDIR, DOCDIR and EXAMPLEDIR, install
# exactly the binary, the three man pages, the systemd unit, the bash completion,
# the example profiles and the keepalived example (which keepalived -t
# accepts), and never overwrite or remove a profile the operator changed.
. "$(dirname "$0")/lib/common.sh"

TMP=$(mktemp -d /tmp/lvsdr-t15.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
mk() { make -s -C "$LVSDR_ROOT" --no-print-directory NO_DEPS=1 BUILD="$LVSDR_BUILD" "$@" >"$TMP/log" 2>&1; }

# Packagers and other distributions run plain `make`: it compiles and never
# installs a package; the targets that run programs install what they need.
plan() { make -n -C "$LVSDR_ROOT" --no-print-directory BUILD="$TMP/plan" "$@" 2>/dev/null; }
check "plain make only compiles: it never runs tests/deps.sh" bash -c '! grep -q deps.sh <<<"$1"' _ "$(plan)"
check "make deps installs the build packages" grep -qx 'tests/deps.sh build' <(plan deps)
for t in check demo asan valgrind; do
	check "make $t installs the test packages first" grep -qx 'tests/deps.sh test' <(plan "$t" | head -n1)
done
check "NO_DEPS=1 make check installs nothing" bash -c '! grep -q deps.sh <<<"$1"' _ "$(plan NO_DEPS=1 check)"

if mk install DESTDIR="$TMP/root" PREFIX=/usr; then
	ok "make install DESTDIR=... PREFIX=/usr succeeds"
else
	not_ok "make install DESTDIR=... PREFIX=/usr succeeds"
	sed 's/^/#   /' "$TMP/log"
fi
want=$(
	cd "$LVSDR_ROOT/profiles" && for f in *.ini; do echo "/etc/lvsdr/$f 644"; done
	echo "/usr/lib/systemd/system/lvsdr@.service 644
/usr/sbin/lvsdr 755
/usr/share/bash-completion/completions/lvsdr 644
/usr/share/doc/lvsdr/examples/keepalived.conf 644
/usr/share/man/man5/lvsdr-output.5 644
/usr/share/man/man5/lvsdr.ini.5 644
/usr/share/man/man7/lvsdr-cluster.7 644
/usr/share/man/man8/lvsdr.8 644"
)
got=$(cd "$TMP/root" && find . -type f -printf '/%P %m\n' | sort)
expect_output "the tree holds the binary, the man pages, the unit, the completion, the example profiles and the keepalived example" 0 \
	<(echo "$want") echo "$got"
check "the installed binary runs" "$TMP/root/usr/sbin/lvsdr" --version >/dev/null
check "/etc/lvsdr is mode 755: apply refuses profiles under a directory others can write" \
	test "$(stat -c %a "$TMP/root/etc/lvsdr")" = 755
for f in "$LVSDR_ROOT"/profiles/*.ini; do
	check "example profile ${f##*/} is installed as shipped" cmp -s "$f" "$TMP/root/etc/lvsdr/${f##*/}"
done
unit=$TMP/root/usr/lib/systemd/system/lvsdr@.service
check "the unit runs /usr/sbin/lvsdr on /etc/lvsdr/%i.ini" \
	grep -qx 'ExecStart=/usr/sbin/lvsdr apply --boot /etc/lvsdr/%i.ini' "$unit"
check "the keepalived example is profiles/keepalived.conf as shipped (PREFIX=/usr changes no path)" \
	cmp -s "$LVSDR_ROOT/profiles/keepalived.conf" "$TMP/root/usr/share/doc/lvsdr/examples/keepalived.conf"

# An operator's edit survives a reinstall, and the uninstall.
echo "; edited by the operator" >>"$TMP/root/etc/lvsdr/realserver.ini"
cp "$TMP/root/etc/lvsdr/realserver.ini" "$TMP/edited"
mk install DESTDIR="$TMP/root" PREFIX=/usr
check "a reinstall keeps the profile the operator edited" cmp -s "$TMP/edited" "$TMP/root/etc/lvsdr/realserver.ini"
check "a reinstall says it kept it" grep -q "kept .*/etc/lvsdr/realserver.ini" "$TMP/log"
rm "$TMP/root/etc/lvsdr/director.ini"
mk install DESTDIR="$TMP/root" PREFIX=/usr
check "a reinstall puts back a profile that is missing" test -f "$TMP/root/etc/lvsdr/director.ini"

mk install DESTDIR="$TMP/root2" PREFIX=/opt/lvsdr SBINDIR=/opt/lvsdr/bin MANDIR=/opt/lvsdr/man SYSCONFDIR=/opt/lvsdr/etc \
	SYSTEMDUNITDIR=/opt/lvsdr/units BASHCOMPDIR=/opt/lvsdr/completions
check "SBINDIR and MANDIR are honoured" test -x "$TMP/root2/opt/lvsdr/bin/lvsdr" -a -f "$TMP/root2/opt/lvsdr/man/man8/lvsdr.8"
check "SYSCONFDIR, SYSTEMDUNITDIR and BASHCOMPDIR are honoured" test -f "$TMP/root2/opt/lvsdr/etc/lvsdr/realserver.ini" \
	-a -f "$TMP/root2/opt/lvsdr/units/lvsdr@.service" -a -f "$TMP/root2/opt/lvsdr/completions/lvsdr"
unit=$TMP/root2/opt/lvsdr/units/lvsdr@.service
check "the unit names this install's SBINDIR and SYSCONFDIR" \
	grep -qx 'ExecStart=/opt/lvsdr/bin/lvsdr apply --boot /opt/lvsdr/etc/lvsdr/%i.ini' "$unit"
check "the unit names no path outside this install" test -z "$(grep -E '(^|[ =])/(usr|etc)/' "$unit")"
ka=$TMP/root2/opt/lvsdr/share/doc/lvsdr/examples/keepalived.conf
check "DOCDIR: the keepalived example's notify and track script name this install's lvsdr and profile" \
	eval 'grep -qx "	notify \"/opt/lvsdr/bin/lvsdr notify /opt/lvsdr/etc/lvsdr/director.ini\"" "$ka" &&
		grep -qx "	script \"/opt/lvsdr/bin/lvsdr verify -q --state notified /opt/lvsdr/etc/lvsdr/director.ini\"" "$ka" &&
		! grep -qE "(^|[ \"])/(usr/sbin|etc/lvsdr)" "$ka"'
check "the completion looks for profiles in this install's SYSCONFDIR" \
	grep -q 'for f in /opt/lvsdr/etc/lvsdr/\*.ini' "$TMP/root2/opt/lvsdr/completions/lvsdr"
# keepalived -t on the installed example: installed for real (no DESTDIR)
# under TMP, so the scripts it names exist, root's and writable by no one
# else, as enable_script_security demands; in a namespace with an eth0.
if ! command -v keepalived >/dev/null 2>&1; then
	skip "keepalived -t on the installed example: keepalived is not installed (tests/deps.sh test)"
elif [ "$(id -u)" != 0 ] || ! ip netns add "lvsdr-t15-$$" 2>/dev/null; then
	skip "keepalived -t on the installed example: needs root and network namespaces"
else
	ip -n "lvsdr-t15-$$" link add eth0 type veth peer name eth1 && ip -n "lvsdr-t15-$$" link set eth0 up
	mk install PREFIX="$TMP/real" SYSCONFDIR="$TMP/real/etc"
	ka=$TMP/real/share/doc/lvsdr/examples/keepalived.conf
	out=$(ip netns exec "lvsdr-t15-$$" keepalived -t -f "$ka" 2>&1)
	rc=$?
	check "keepalived -t on the installed keepalived example: status 0, not a word (status $rc: $out)" \
		[ "$rc" -eq 0 -a -z "$out" ]
	check "the installed example names the installed lvsdr, which exists" \
		eval 'grep -q "\"$TMP/real/sbin/lvsdr notify $TMP/real/etc/lvsdr/director.ini\"" "$ka" && test -x "$TMP/real/sbin/lvsdr"'
	ip netns del "lvsdr-t15-$$"
fi

mk install DESTDIR="$TMP/root3" PREFIX=/usr/local
check "a PREFIX of /usr/local puts the unit and the completion where systemd and bash-completion look" \
	test -f "$TMP/root3/usr/local/lib/systemd/system/lvsdr@.service" \
	-a -f "$TMP/root3/usr/local/share/bash-completion/completions/lvsdr" -a -f "$TMP/root3/etc/lvsdr/realserver.ini"

# EXAMPLEDIR, as the Debian package sets it: the example profiles beside
# the keepalived example, and not one file under /etc.
mk install DESTDIR="$TMP/root4" PREFIX=/usr EXAMPLEDIR=/usr/share/doc/lvsdr/examples
check "EXAMPLEDIR puts the example profiles beside the keepalived example" \
	test "$(cd "$TMP/root4/usr/share/doc/lvsdr/examples" && ls | tr '\n' ' ')" = \
	"$(cd "$LVSDR_ROOT/profiles" && ls *.ini keepalived.conf | sort | tr '\n' ' ')"
check "EXAMPLEDIR: nothing is installed under /etc (negative)" test ! -e "$TMP/root4/etc"

# A build directory that exists already (make deb makes BUILD/deb first)
# still gets its unit/ and helpers/ subdirectories.
mkdir -p "$TMP/prebuilt/deb"
mk "$TMP/prebuilt/unit/main.o" BUILD="$TMP/prebuilt" CFLAGS=-O0
check "make builds into a BUILD directory that exists without its unit/ subdirectory" test -f "$TMP/prebuilt/unit/main.o"

mk uninstall DESTDIR="$TMP/root" PREFIX=/usr
left=$(cd "$TMP/root" && find . -type f -printf '/%P\n')
check "make uninstall removes every installed file but the edited profile" test "$left" = /etc/lvsdr/realserver.ini
check "make uninstall says it kept the edited profile" grep -q "kept .*/etc/lvsdr/realserver.ini (changed)" "$TMP/log"
rm "$TMP/root/etc/lvsdr/realserver.ini"
mk uninstall DESTDIR="$TMP/root" PREFIX=/usr
check "make uninstall removes /etc/lvsdr once it is empty" test ! -e "$TMP/root/etc/lvsdr"

# The version: a tarball has no .git, so VERSION names it; a clone's comes
# from git describe, and with no v* tag it still starts with VERSION.
mkdir "$TMP/tarball"
(cd "$LVSDR_ROOT" && tar --exclude=.git --exclude='./build*' --exclude=./lvsdr -cf - .) | tar -xf - -C "$TMP/tarball"
# main.c prints the header's string as it is: no need to compile it.
make -s -C "$TMP/tarball" --no-print-directory NO_DEPS=1 build/version.h >"$TMP/log" 2>&1
check "a tree without .git (a tarball): lvsdr --version prints VERSION's version" \
	grep -qx "#define LVSDR_VERSION \"$(cat "$LVSDR_ROOT/VERSION")\"" "$TMP/tarball/build/version.h"
if [ -e "$LVSDR_ROOT/.git" ] && command -v git >/dev/null 2>&1 && ! git -C "$LVSDR_ROOT" describe --tags --match 'v[0-9]*' >/dev/null 2>&1; then
	check "a clone with no v* tag: lvsdr --version is VERSION and the commit" \
		grep -qx "lvsdr $(cat "$LVSDR_ROOT/VERSION")-g$(git -C "$LVSDR_ROOT" rev-parse --short HEAD)\(-dirty\)\?" \
		<("$LVSDR_BUILD/lvsdr" --version)
fi

# LIBNL_STATIC=1: the same program, libnl linked in from Debian's static
# archives (the bench measures what that saves at start-up). -O0: this
# checks the link, not the code.
if ls /usr/lib/*/libnl-route-3.a >/dev/null 2>&1; then
	mk "$TMP/static/lvsdr" BUILD="$TMP/static" LIBNL_STATIC=1 CFLAGS=-O0
	check "make LIBNL_STATIC=1 builds lvsdr" test -x "$TMP/static/lvsdr"
	check "LIBNL_STATIC=1: no libnl among the shared libraries it loads" \
		bash -c '! ldd "$1" | grep -q libnl' _ "$TMP/static/lvsdr"
	check "LIBNL_STATIC=1: the same program (its --help and check of a shipped profile)" \
		bash -c 'diff <("$1" --help) <("$2" --help) && "$2" check -q "$3/profiles/realserver.ini"' _ \
		"$LVSDR_BUILD/lvsdr" "$TMP/static/lvsdr" "$LVSDR_ROOT"
else
	skip "make LIBNL_STATIC=1: Debian's static libnl archives are not installed (libnl-route-3-dev ships them)"
fi

# STATIC=1: one static executable, glibc included (libc6-dev ships libc.a).
# The linker's warnings about libnl's name lookups are expected; an error
# is not.
if ls /usr/lib/*/libnl-route-3.a /usr/lib/*/libinih.a /usr/lib/*/libc.a >/dev/null 2>&1; then
	mk "$TMP/fullstatic/lvsdr" BUILD="$TMP/fullstatic" STATIC=1 CFLAGS=-O0
	check "make STATIC=1 builds lvsdr" test -x "$TMP/fullstatic/lvsdr"
	check "STATIC=1: no shared library at all, no dynamic loader" \
		bash -c '! readelf -l "$1" | grep -q INTERP' _ "$TMP/fullstatic/lvsdr"
	check "STATIC=1: the same program (its --help and check of a shipped profile)" \
		bash -c 'diff <("$1" --help) <("$2" --help) && "$2" check -q "$3/profiles/director.ini"' _ \
		"$LVSDR_BUILD/lvsdr" "$TMP/fullstatic/lvsdr" "$LVSDR_ROOT"
else
	skip "make STATIC=1: a static archive is missing (libnl-route-3-dev, libinih-dev, libc6-dev ship them)"
fi
