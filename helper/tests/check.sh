#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The helper's host-side checks for `make check` (no VM, no module):
#   1. the unit tests (tests/test_*.c), plain
#   2. the same built with ASan + UBSan (-fno-sanitize-recover=all), and
#      ttyvsctl built that way (build/asan/ttyvsctl, for the VM's bridge test)
#   3. each libFuzzer target for FUZZ seconds from its corpus, if clang
#      can build them (else SKIP, with what to install)
# Ends with "N passed, N failed, N skipped": one per test program and
# flavour, one per fuzz target.
#
# usage: tests/check.sh [--counts FILE] [--fuzz-time SECONDS]
#   --counts FILE   also write "PASSED FAILED SKIPPED" to FILE

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

counts= fuzz_time=20
while [ $# -gt 0 ]; do
	case $1 in
	--counts) counts=${2?}; shift 2 ;;
	--fuzz-time) fuzz_time=${2?}; shift 2 ;;
	*) echo "usage: tests/check.sh [--counts FILE] [--fuzz-time SECONDS]" >&2; exit 2 ;;
	esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ttyvs-helper-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0
add() {
	local p f s
	read -r p f s < "$1" || { fail=$((fail + 1)); return; }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}
make_q() {
	make --no-print-directory "$@" > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; return 1; }
}

echo "# helper: unit tests"
if make_q test-build; then
	tests/run.sh --counts "$tmp/unit" --quiet build/test
	add "$tmp/unit"
else
	echo "# helper: FAILED: make -C helper test-build"
	fail=$((fail + 1))
fi

echo "# helper: unit tests with ASan + UBSan"
if make_q asan; then
	tests/run.sh --counts "$tmp/asan" --quiet build/asan
	add "$tmp/asan"
else
	echo "# helper: FAILED: make -C helper asan"
	fail=$((fail + 1))
fi

echo "# helper: libFuzzer targets, $fuzz_time s each"
probe=$tmp/probe.c
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; return (int)n * 0; }' > "$probe"
names=$(make --no-print-directory -s print-fuzz-names)
if ! command -v "${CLANG:-clang}" > /dev/null; then
	why="no clang (apt-get install clang libclang-rt-14-dev)"
elif ! "${CLANG:-clang}" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$probe" > /dev/null 2>&1; then
	why="clang cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)"
else
	why=
fi
if [ -n "$why" ]; then
	for n in $names; do
		echo "ok - fuzz_$n # SKIP $why"
		skip=$((skip + 1))
	done
elif make_q fuzz-build; then
	# shellcheck disable=SC2086 # names are words
	fuzz/run.sh --counts "$tmp/fuzz" build/fuzz "$fuzz_time" $names
	add "$tmp/fuzz"
else
	echo "# helper: FAILED: make -C helper fuzz-build"
	fail=$((fail + 1))
fi

echo
echo "# helper: $pass passed, $fail failed, $skip skipped"
[ -z "$counts" ] || echo "$pass $fail $skip" > "$counts"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
