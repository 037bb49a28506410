# shellcheck shell=bash
# It reads lab.sh's LAB_IP_* and the test's TMP and CPORT.
# shellcheck disable=SC2154
# The eval strings are expanded at each try.
# shellcheck disable=SC2016
# One client TCP connection to VIP:8080 held open across a failover (t-31,
# t-34): the real servers echo each line there. Source after lab.sh; set
# TMP. conn_open, conn_send LINE, client_port, conn_close; conn_entry DIR
# and conn_entry_is DIR "STATE RS" read DIR's IPVS entry of the socket
# whose client port is CPORT.

# The client's connection: a bash in its namespace holds one socket to
# VIP:8080 (a real server's echo), says "connected", then for each line of its
# control FIFO sends it and prints the answer ("CLOSED" when the
# connection ends instead, "NOANSWER" after 5 s of silence). The line
# CONN-END ends it (conn_close).
conn_open() {
	CTL=$TMP/client.ctl CONN_OUT=$TMP/client.out
	rm -f "$CTL" "$CONN_OUT"
	mkfifo "$CTL"
	: >"$CONN_OUT"
	on client timeout 200 bash -c '
		exec 3<>"/dev/tcp/$1/8080" || { echo CONNECT-FAILED; exit 1; }
		echo connected
		while IFS= read -r line && [ "$line" != CONN-END ]; do
			printf "%s\n" "$line" >&3 2>/dev/null || { echo CLOSED; continue; }
			if IFS= read -r -t 5 ans <&3; then echo "$ans"
			elif [ $? -gt 128 ]; then echo NOANSWER
			else echo CLOSED; fi
		done' client-conn "$LAB_VIP" <"$CTL" >>"$CONN_OUT" 2>/dev/null &
	CONN_PID=$!
	exec 7>"$CTL"
	wait_until 10 grep -q '^connected$\|CONNECT-FAILED' "$CONN_OUT"
}
conn_send() { # LINE: send it, wait (bounded) for one more answer; print it
	local before
	before=$(grep -c . "$CONN_OUT")
	echo "$1" >&7
	wait_until 15 eval '[ "$(grep -c . "$CONN_OUT")" -gt '"$before"' ]'
	tail -n1 "$CONN_OUT"
}
# client_port: the local port of the client's connection to VIP:8080.
client_port() {
	on client ss -Htn state established "dport = :8080" |
		awk -v c="$LAB_IP_client:" '{ for (i = 1; i <= NF; i++) if (index($i, c) == 1) { sub(/.*:/, "", $i); print $i } }' |
		head -n1
}
# conn_close: CONN-END ends the bash. EOF on the control FIFO would not
# come while a process started since conn_open holds fd 7, which it
# inherited: each close waited 5 s for it. Still bounded: after 5 s, SIGTERM
# (t-31 waited out the 200 s timeout without it).
conn_close() {
	echo CONN-END >&7
	exec 7>&-
	wait_until 5 eval "! kill -0 $CONN_PID 2>/dev/null" || kill -TERM "$CONN_PID" 2>/dev/null
	wait "$CONN_PID" 2>/dev/null
}
# conn_entry DIR: DIR's IPVS connection of the client's socket, as
# "STATE RS" from `ipvsadm -Lnc` (an oracle); empty when it has none.
# Printed once: ipvsadm reads /proc/net/ip_vs_conn, a walk of the kernel's
# connection hash table while it changes, which listed the held
# connection's line twice once (t-34 under valgrind).
conn_entry() {
	on "$1" ipvsadm -Lnc | awk -v c="$LAB_IP_client:$CPORT" -v v="$LAB_VIP:8080" \
		'$1 == "TCP" && $4 == c && $5 == v && !seen[$3 " " $6]++ { print $3, $6 }'
}
conn_entry_is() { [ "$(conn_entry "$1")" = "$2" ]; }
