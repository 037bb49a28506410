# shellcheck shell=bash
# Scenario ipvs: a director's IPVS table of 1,000 services x 10 real
# servers. This machine's kernel has no IPVS, so the measurements run in the
# user-mode Linux guest of the tests (tests/lib/guest.sh) by
# bench/ipvs-guest.sh, which says what each side runs; its sample lines come
# back on its output and land here. Sourced by bench/run.
#
#   ipvs-load 1000x10   from an empty table: ipvsadm -R of 11,000 lines
#                       against lvsdr apply --boot of the same profile
#   ipvs-one-weight     one weight changed: the netlink changes lvsdr sends,
#                       beside the 11,000 of a full reload
#   ipvs-verify 1000x10 ipvsadm -Ln against lvsdr verify, and peak RSS

. tests/lib/guest.sh

ipvs_all() {
	local why line rc f
	if why=$(guest_unavailable); then
		note "ipvs: skipped, $why"
		return 0
	fi
	if grep -qaE '__asan_init|libasan\.so' "$LVSDR" 2>/dev/null; then
		note "ipvs: skipped, AddressSanitizer cannot run in the user-mode Linux guest"
		return 0
	fi
	describe "ipvs-load 1000x10" "ipvsadm -R (11,000 -A/-a lines) into an empty table" \
		"lvsdr apply -q --boot PROFILE (1,000 [service], 10 realserver each), no run record"
	describe "ipvs-one-weight" "ipvsadm -R of the whole table again (11,000 requests)" \
		"lvsdr apply -q --boot after one weight changed (LVSDR_STATS=1 counts)"
	describe "ipvs-verify 1000x10" "ipvsadm -Ln" "lvsdr verify PROFILE (in sync)"
	say "ipvs: booting the user-mode Linux guest ($(runs 9) runs of each)"
	# Some 1,000 ipvsadm and lvsdr runs of 11,000 requests in an emulator:
	# more than the tests' guest limit.
	exec {f}< <(LVSDR_GUEST_TIMEOUT=${LVSDR_GUEST_TIMEOUT:-1800} guest_run bench/ipvs-guest.sh "$(runs 9)"; echo "rc=$?")
	rc=
	while IFS= read -r -u "$f" line; do
		case $line in
		bench-sample$'\t'*) printf '%s\n' "${line#bench-sample$'\t'}" >>"$SAMPLES" ;;
		bench-note$'\t'*) note "${line#bench-note$'\t'}" ;;
		rc=*) rc=${line#rc=} ;;
		*) echo "$line" >&2 ;;
		esac
	done
	exec {f}<&-
	[ "$rc" = 0 ]
}
