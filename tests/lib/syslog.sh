# shellcheck shell=bash
# What lvsdr sends to syslog, caught without a running syslog daemon or
# journal: socat receives the datagrams on a socket of ours, and the command
# under test runs in a mount namespace of its own where a tmpfs covers /dev
# and /dev/log is that socket (syslog(3) always writes to /dev/log).
#
#   syslog_start DIR          the receiving socket DIR/log.sock, output in DIR/raw
#   with_syslog DIR CMD...    CMD with /dev/log pointing at DIR/log.sock
#   syslog_lines DIR          lvsdr's lines so far, "PID PRIORITY TEXT" (30 = daemon.info, 27 = daemon.err)
#   syslog_stop DIR           stop the receiver

syslog_start() {
	local dir=$1
	mkdir -p "$dir" && rm -f "$dir/log.sock" && : >"$dir/raw" || return 1
	socat -u "UNIX-RECV:$dir/log.sock,mode=666" "OPEN:$dir/raw,append" 2>"$dir/socat.err" &
	echo $! >"$dir/socat.pid"
	wait_until 5 test -S "$dir/log.sock"
}

syslog_stop() {
	[ -f "$1/socat.pid" ] || return 0
	kill "$(cat "$1/socat.pid")" 2>/dev/null
	rm -f "$1/socat.pid"
}

with_syslog() {
	local dir=$1
	shift
	unshare -m --propagation private sh -c '
		d=$1
		shift
		mkdir -p "$d/realdev" && mount --bind /dev "$d/realdev" &&
			mount -t tmpfs -o mode=755 lvsdr-dev /dev || exit 125
		for f in null zero full random urandom; do
			: >"/dev/$f" && mount --bind "$d/realdev/$f" "/dev/$f" || exit 125
		done
		: >/dev/log && mount --bind "$d/log.sock" /dev/log || exit 125
		exec "$@"' sh "$dir" "$@"
}

# Datagrams arrive back to back in DIR/raw: each starts with "<PRI>", then
# "Mmm dd hh:mm:ss lvsdr[PID]: ".
syslog_lines() {
	sed -E 's/<([0-9]{1,3})>/\n<\1>/g' "$1/raw" |
		sed -nE 's/^<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} lvsdr\[([0-9]+)\]: (.*)$/\2 \1 \3/p'
}
