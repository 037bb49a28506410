# shellcheck shell=bash
# A clean Debian 12 root for the tests of the installed package (t-16).
# Source it after common.sh; make check runs it with "prepare" (at the end).
#
#   debroot_mirror            the machine's configured Debian mirror for bookworm
#   debroot_tarball           path of the cached minbase root; made once (minutes)
#   debroot_unpack DIR        a fresh root in DIR from the cache (seconds)
#   debroot_save_debs DIR     the packages apt fetched into DIR, kept for later runs
#   debroot_mount DIR         /proc and /dev into DIR
#   debroot_umount DIR        undo debroot_mount; safe to call twice
#   debroot_mounted DIR       anything still mounted under DIR
#
# The root is made with debootstrap from the mirror apt already uses here:
# the package archive is the only network the tests need. The tarball keeps
# apt's lists, so installing into it needs no `apt-get update` until the
# mirror moves on.
DEBROOT_SUITE=bookworm
DEBROOT_CACHE=${LVSDR_DEBROOT_CACHE:-/var/cache/lvsdr-test}

debroot_mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
		awk -v s="$DEBROOT_SUITE" '$2 == s && $3 == "deb" { print $1; exit }'
}

debroot_tarball() {
	local arch tar mirror tmp
	arch=$(dpkg --print-architecture) || return 1
	tar=$DEBROOT_CACHE/$DEBROOT_SUITE-minbase-$arch.tar.gz
	[ -s "$tar" ] && { echo "$tar"; return 0; }
	mirror=$(debroot_mirror)
	[ -n "$mirror" ] || { echo "no apt source for $DEBROOT_SUITE on this machine" >&2; return 1; }
	mkdir -p "$DEBROOT_CACHE" || return 1
	tmp=$(mktemp -d "$DEBROOT_CACHE/make.XXXXXX") || return 1
	# A failed run must not leave a half root that later runs would trust.
	if debootstrap --variant=minbase "$DEBROOT_SUITE" "$tmp/root" "$mirror" >"$tmp/log" 2>&1 &&
		chroot "$tmp/root" apt-get update -qq >>"$tmp/log" 2>&1 &&
		chroot "$tmp/root" apt-get clean >>"$tmp/log" 2>&1 &&
		tar -C "$tmp/root" --numeric-owner -czf "$tmp/root.tar.gz" . &&
		mv "$tmp/root.tar.gz" "$tar"; then
		rm -rf "$tmp"
		echo "$tar"
		return 0
	fi
	tail -n 20 "$tmp/log" >&2
	rm -rf "$tmp"
	return 1
}

# The packages apt downloads are kept in the cache too (debroot_save_debs):
# a later run installs the libraries lvsdr depends on without fetching them
# again. Copied, not bind-mounted: two runs at once would fight over apt's
# lock of a shared archives directory.
debroot_unpack() { # DIR
	local tar
	tar=$(debroot_tarball) || return 1
	mkdir -p "$1" && tar -C "$1" --numeric-owner -xzf "$tar" &&
		cp -L /etc/resolv.conf "$1/etc/resolv.conf" || return 1
	if [ -d "$DEBROOT_CACHE/archives" ]; then
		find "$DEBROOT_CACHE/archives" -maxdepth 1 -name '*.deb' -exec cp -t "$1/var/cache/apt/archives/" {} +
	fi
	return 0
}

debroot_save_debs() { # DIR
	local f
	mkdir -p "$DEBROOT_CACHE/archives" || return 1
	for f in "$1"/var/cache/apt/archives/*.deb; do
		[ -e "$f" ] && [ ! -e "$DEBROOT_CACHE/archives/${f##*/}" ] || continue
		cp "$f" "$DEBROOT_CACHE/archives/.${f##*/}.$$" &&
			mv "$DEBROOT_CACHE/archives/.${f##*/}.$$" "$DEBROOT_CACHE/archives/${f##*/}"
	done
	return 0
}

debroot_mount() { # DIR
	mount -t proc proc "$1/proc" &&
		mount --rbind /dev "$1/dev" && mount --make-rslave "$1/dev"
}

debroot_umount() { # DIR
	local m
	for m in dev proc; do
		if mountpoint -q "$1/$m"; then umount -R "$1/$m" || return 1; fi
	done
	return 0
}

# debroot_mounted DIR: is anything still mounted under DIR? Then it must not
# be removed: rm would reach through into /dev or the cache.
debroot_mounted() {
	awk -v d="$1/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/self/mounts
}

# `bash tests/lib/debroot.sh prepare`, from make check: the cached root made
# before the tests run, so that its first making (minutes, the archive)
# does not count against t-16's time budget. Where it cannot be made, t-16
# says why.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = prepare ]; then
	[ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null 2>&1 || exit 0
	[ -s "$DEBROOT_CACHE/$DEBROOT_SUITE-minbase-$(dpkg --print-architecture).tar.gz" ] && exit 0
	echo "lvsdr: making a Debian $DEBROOT_SUITE root for t-16 (once; cached in $DEBROOT_CACHE)" >&2
	debroot_tarball >/dev/null || echo "lvsdr: could not; t-16 will say why" >&2
	exit 0
fi
