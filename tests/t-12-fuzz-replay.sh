#!/usr/bin/env bash
# t-12: replay the fuzzer's checked-in corpus (tests/fuzz/corpus, grown by
# `make fuzz FUZZ_MERGE=1`) through the fuzz target: the profile reader,
# the validator, the plan against a made-up live state and both printers.
# Under `make asan` this runs with ASan/UBSan, under `make valgrind` with
# valgrind, so every input the fuzzer ever kept is checked on each CI run.
. "$(dirname "$0")/lib/common.sh"

corpus=$LVSDR_ROOT/tests/fuzz/corpus
n=$(find "$corpus" -type f | wc -l)
out=$(${LVSDR_WRAP_OTHER:-} "$LVSDR_BUILD/fuzz/replay" "$corpus" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "replayed $n inputs" ]; then
	ok "the fuzz target keeps every promise on all $n corpus inputs"
else
	not_ok "the fuzz target keeps every promise on all $n corpus inputs (status $rc)"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
fi
