#!/usr/bin/env bash
# t-15: `make install` and `make uninstall` into a DESTDIR honour PREFIX,
# SBINDIR and MANDIR, and install exactly the binary and both man pages.
. "$(dirname "$0")/lib/common.sh"

TMP=$(mktemp -d /tmp/lvsdr-t15.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
mk() { make -s -C "$LVSDR_ROOT" --no-print-directory NO_DEPS=1 BUILD="$LVSDR_BUILD" "$@" >"$TMP/log" 2>&1; }

if mk install DESTDIR="$TMP/root" PREFIX=/usr; then
	ok "make install DESTDIR=... PREFIX=/usr succeeds"
else
	not_ok "make install DESTDIR=... PREFIX=/usr succeeds"
	sed 's/^/#   /' "$TMP/log"
fi
want="/usr/sbin/lvsdr 755
/usr/share/man/man5/lvsdr.ini.5 644
/usr/share/man/man8/lvsdr.8 644"
got=$(cd "$TMP/root" && find . -type f -printf '/%P %m\n' | sort)
expect_output "the tree holds the binary and both man pages, with their modes" 0 <(echo "$want") echo "$got"
check "the installed binary runs" "$TMP/root/usr/sbin/lvsdr" --version >/dev/null
mk install DESTDIR="$TMP/root2" PREFIX=/opt/lvsdr SBINDIR=/opt/lvsdr/bin MANDIR=/opt/lvsdr/man
check "SBINDIR and MANDIR are honoured" test -x "$TMP/root2/opt/lvsdr/bin/lvsdr" -a -f "$TMP/root2/opt/lvsdr/man/man8/lvsdr.8"
mk uninstall DESTDIR="$TMP/root" PREFIX=/usr
left=$(find "$TMP/root" -type f)
check "make uninstall removes every installed file" test -z "$left"
