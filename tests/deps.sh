#!/bin/sh
# Install the Debian packages a make target needs, or say exactly how to.
# Usage: tests/deps.sh build|deb|test|bench|lint
set -eu
build="pkg-config gcc make libc6-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libinih-dev"
# make deb: dpkg-buildpackage and dh; t-16 adds lintian and debootstrap.
deb="$build dpkg-dev debhelper fakeroot"
test="$deb lintian debootstrap iproute2 tcpdump iputils-ping socat mandoc valgrind procps kmod keepalived systemd util-linux man-db jq nftables resource-agents libxml2-utils ansible-core ansible-lint prometheus iputils-arping user-mode-linux ipvsadm busybox-static strace bash-builtins"
bench="$test time"
lint="shellcheck clang-format"
case "${1:-build}" in
build) want=$build ;;
deb) want=$deb ;;
test) want=$test ;;
bench) want=$bench ;;
lint) want=$lint ;;
*) echo "usage: $0 build|deb|test|bench|lint" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "lvsdr: missing packages:$missing (this helper knows only Debian's apt-get)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "lvsdr: missing packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "lvsdr: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
