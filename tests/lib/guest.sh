# shellcheck shell=bash
# Tests that need a kernel with IPVS run in a user-mode Linux guest. The
# kernels CI and the developers run on have none; the Debian package
# user-mode-linux ships one (/usr/bin/linux.uml, IPVS as modules) that boots
# in about 2 s with the host's own / as its read-only root, so the guest runs
# the same binaries, the same build and the same test script.
# See /work/shared/IPVS-LAB.md (Option A) for the measurements behind it.
#
# Source it after common.sh, then:
#   guest_reexec "$0" "$@"   on a kernel without IPVS, run this very script in
#                            the guest, relay its ok/not ok/skip lines and exit
#                            with its status; on a kernel with IPVS, return
#   guest_run SCRIPT ARGS... boot the guest, run SCRIPT in it, relay, return
#                            the script's status (125: the guest failed)
#   guest_unavailable        print why no guest can boot here; false if one can
#   guest_asan               the binary under test has ASan: guest_reexec skips
#
# In the guest / is the host's, read-only; /tmp, /run, /var/lib, /var/tmp and
# /dev/shm are private tmpfs (the host folders the environment names, such
# as LVSDR_SYSCTL_ROOT or valgrind's wrapper, are mounted back at their
# paths): a test writes under /tmp as it does on the host.
#
# Where no guest can boot, the script is skipped loudly; with CI=true it fails
# instead: on CI a test that needs IPVS never skips.
#
#   LVSDR_GUEST_TIMEOUT  seconds for the whole guest run (default 30 under
#                        tests/run's TEST_TIMEOUT, so a hung guest is reported here)
#   LVSDR_GUEST_MEM      guest memory (default 1G; backed by /dev/shm, only
#                        what the guest touches is used)
#   LVSDR_UML            the UML kernel (default /usr/bin/linux.uml)
#   LVSDR_GUEST_SHARE    one more host folder the guest mounts back at its path
#   LVSDR_GUEST_NICE     the guest's niceness on the host (default: unchanged);
#                        a test whose point is a race set it (t-31), so that
#                        the scripts tests/run starts beside it do not decide it

GUEST_UML=${LVSDR_UML:-/usr/bin/linux.uml}

guest_unavailable() {
	if [ ! -x "$GUEST_UML" ]; then
		echo "no user-mode Linux kernel at $GUEST_UML (Debian package user-mode-linux; tests/deps.sh test)"
	elif [ ! -d /usr/lib/uml/modules ]; then
		echo "no modules for $GUEST_UML in /usr/lib/uml/modules"
	elif ! command -v busybox >/dev/null 2>&1; then
		echo "no busybox to power the guest off (Debian package busybox-static)"
	else
		return 1
	fi
	return 0
}

# guest_asan: the binary under test is built with AddressSanitizer, which
# cannot run in the guest: UML's x86-64 processes have a 39-bit address
# space and ASan's shadow alone needs 16 TiB (measured: "Shadow memory range
# interleaves with an existing memory mapping"; clang's dynamic shadow too).
guest_asan() {
	grep -qaE '__asan_init|libasan\.so' "$LVSDR_BUILD/lvsdr" 2>/dev/null
}

# guest_now: nanoseconds, for the boot and run times printed as comments.
guest_now() { date +%s%N; }
guest_secs() { # FROM TO: the seconds between, as 1.23
	local ms=$((($2 - $1) / 1000000))
	printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}

# guest_env FILE: the test's environment, as bash lines the guest sources.
# LVSDR, every LVSDR_*, LAB_* and sanitizer setting passes, and CI: what tests/run
# and make export, and what a developer sets by hand.
guest_env() {
	local name
	for name in $(compgen -e); do
		case "$name" in
		LVSDR | LVSDR_* | LAB_* | CI | ASAN_OPTIONS | UBSAN_OPTIONS | LSAN_OPTIONS | VALGRIND_OPTS | TEST_*)
			printf 'export %s=%q\n' "$name" "${!name}"
			;;
		esac
	done
}

# guest_keep: the host folders the test's environment names. The guest has a
# fresh tmpfs on /tmp, /run, /var/tmp...; those of these folders that lie
# under one are mounted back from the host (tests/uml/init).
guest_keep() { # [FOLDER...]: more of them
	local p keep=
	for p in "$@" "${LVSDR_GUEST_SHARE:-}" "$LVSDR_ROOT" "$LVSDR_BUILD" "$(dirname "$LVSDR")" "${LVSDR_SYSCTL_ROOT:-}"; do
		[ -n "$p" ] && [ -d "$p" ] && keep="$keep $(cd "$p" && pwd -P)"
	done
	echo "$keep"
}

# guest_kill_helpers DIR: UML runs every guest process as a host process it
# traces; killed with SIGKILL it cannot stop them, and they run on, stopped
# or not, outside any group timeout signals (measured: one still alive 4
# minutes later, holding our pipe). Each carries the kernel command line,
# which names DIR, a folder mktemp made for this run alone.
guest_kill_helpers() {
	local pids
	pids=$(pgrep -f -- "lvsdr_guest=$1( |$)") || return 0
	# shellcheck disable=SC2086 # a list of pids
	kill -KILL $pids 2>/dev/null
	return 0
}

guest_run() {
	local script name dir shm limit=${LVSDR_GUEST_TIMEOUT:-$((${TEST_TIMEOUT:-300} - 30))} t0 t1 t2 line part='' rc='' fd st
	local -a boot=()
	script=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
	name=$(basename "$1")
	shift
	dir=$(mktemp -d /tmp/lvsdr-guest.XXXXXX) || return 125
	printf '%s\n' "$script" "$@" >"$dir/argv"
	{
		guest_env
		printf 'export LVSDR_GUEST_KEEP=%q\n' "$(guest_keep "$(dirname "$script")")"
		printf 'export LVSDR_GUEST_UML=%q\n' "$LVSDR_ROOT/tests/uml"
	} >"$dir/env"
	# The guest's memory is a file in TMPDIR: on tmpfs it costs no disk I/O.
	shm=/dev/shm
	[ -w "$shm" ] || shm=$dir
	t0=$(guest_now)
	# timeout bounds the kernel; the helpers it leaves, guest_kill_helpers.
	# timeout runs in a process group of its own: a signal to this test
	# reaches the guest through the traps.
	exec {fd}< <(TMPDIR=$shm exec timeout -k 5 "$limit" nice -n "${LVSDR_GUEST_NICE:-0}" "$GUEST_UML" \
		mem="${LVSDR_GUEST_MEM:-1G}" root=/dev/root rootfstype=hostfs rootflags=/ ro \
		init="$LVSDR_ROOT/tests/uml/init" uml_dir="$dir" umid=lvsdr-$$ \
		con=null con0=null,fd:1 ssl=null pty.legacy_count=0 \
		initcall_blacklist=raid6_select_algo,init_zswap quiet \
		lvsdr_guest="$dir" ${LVSDR_GUEST_TAG:+lvsdr_tag="$LVSDR_GUEST_TAG"} </dev/null 2>&1)
	GUEST_PID=$!
	trap 'kill "$GUEST_PID" 2>/dev/null; sleep 1; guest_kill_helpers "$dir"; exit 143' TERM
	trap 'kill "$GUEST_PID" 2>/dev/null; sleep 1; guest_kill_helpers "$dir"; exit 130' INT
	while :; do
		# Polled: a UML helper that outlives the kernel (below) keeps the
		# pipe open, and a plain read would wait for it forever.
		IFS= read -r -t 1 -u "$fd" line
		st=$?
		if [ "$st" -ne 0 ]; then
			[ "$st" -gt 128 ] || break # end of the output
			part=$part$line # a timed-out read keeps what it got
			if ! kill -0 "$GUEST_PID" 2>/dev/null; then
				guest_kill_helpers "$dir"
			fi
			continue
		fi
		line=$part${line%$'\r'}
		part=
		if [[ $line =~ ^lvsdr-guest-end\ rc=([0-9]+)$ ]]; then
			rc=${BASH_REMATCH[1]}
		elif [ -n "$rc" ]; then
			continue # the kernel's farewell
		elif [ -n "${t1:-}" ]; then
			printf '%s\n' "$line"
		elif [ "$line" = lvsdr-guest-start ]; then
			t1=$(guest_now)
			echo "# guest: booted in $(guest_secs "$t0" "$t1") s ($GUEST_UML)"
		else
			boot+=("$line")
		fi
	done
	exec {fd}<&-
	trap - TERM INT
	wait "$GUEST_PID" 2>/dev/null
	guest_kill_helpers "$dir"
	t2=$(guest_now)
	rm -rf "$dir"
	if [ -z "$rc" ] || [ -z "${t1:-}" ]; then
		if [ -z "$rc" ]; then
			not_ok "$name: the guest ended without its end marker after $(guest_secs "$t0" "$t2") s (limit $limit s)"
		else
			not_ok "$name: the guest could not start the test (status $rc)"
		fi
		local from=$((${#boot[@]} > 30 ? ${#boot[@]} - 30 : 0))
		printf '%s\n' "${boot[@]:from}" | sed 's/^/#   guest: /'
		return 125
	fi
	echo "# guest: $name ran in $(guest_secs "$t1" "$t2") s, $(guest_secs "$t0" "$t2") s in all"
	return "$rc"
}

guest_reexec() {
	local name why
	name=$(basename "$1")
	[ -e /proc/net/ip_vs ] && return 0
	if [ -n "${LVSDR_IN_GUEST:-}" ]; then
		not_ok "$name: the guest kernel has no IPVS (/proc/net/ip_vs is absent)"
		exit 1
	fi
	if guest_asan; then
		# make asan builds the same sources with UBSan alone for the guest
		# (LVSDR_GUEST_BUILD): undefined behaviour is still caught there.
		if [ -z "${LVSDR_GUEST_BUILD:-}" ] || [ ! -x "$LVSDR_GUEST_BUILD/lvsdr" ]; then
			if [ "${CI:-}" = true ]; then
				not_ok "$name: needs IPVS, which only the user-mode Linux guest has; AddressSanitizer cannot run there and no UBSan build (LVSDR_GUEST_BUILD) was given"
				exit 1
			fi
			skip "$name: needs IPVS, which only the user-mode Linux guest has, and AddressSanitizer cannot run there; make check and make valgrind run it"
			exit 0
		fi
		echo "# guest: AddressSanitizer cannot run in user-mode Linux: the guest runs the UBSan build $LVSDR_GUEST_BUILD"
		export LVSDR_BUILD=$LVSDR_GUEST_BUILD LVSDR=$LVSDR_GUEST_BUILD/lvsdr
		# shellcheck disable=SC2034 # for the test script that runs in the guest
		HELPERS=$LVSDR_BUILD/helpers
		unset ASAN_OPTIONS
	fi
	if why=$(guest_unavailable); then
		if [ "${CI:-}" = true ]; then
			not_ok "$name: needs IPVS, and $why (CI=true: must run)"
			exit 1
		fi
		skip "$name: needs IPVS, and this kernel has none; $why"
		exit 0
	fi
	guest_run "$@"
	exit
}
