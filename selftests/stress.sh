#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The long kernel-side runs of issue 7, in the test VM, for `make stress`
# and `make fuzz` (the top Makefile builds everything first, as for
# `make check`, and passes the test kernel's scripts/vm/run arguments).
#
# usage: selftests/stress.sh stress|fuzz DURATION [scripts/vm/run options]
#
#   stress  race_test and stress_test for DURATION seconds each,
#           nl_fuzz with 100000 requests, ioctl_fuzz with 200000 calls,
#           modload_test.sh with 300 load/unload cycles
#   fuzz    the kernel fuzzers longer: nl_fuzz with 500000 requests and
#           ioctl_fuzz with 500000 calls (about 17 and 9 minutes on the
#           stock kernel at ~500 and ~950 a second; DURATION is not used;
#           several times that on the debug kernel); then the hook for the
#           userspace fuzzers: `make -C helper fuzz` when helper/Makefile
#           has a fuzz target (the helper's libFuzzer targets, to be
#           added there; that Makefile decides how long each runs)
#
# The counts can be overridden: TTYVS_FUZZ_COUNT (nl_fuzz),
# TTYVS_IOCTL_FUZZ_COUNT, TTYVS_MODLOAD_COUNT; seeds: TTYVS_FUZZ_SEED,
# TTYVS_RACE_SEED (printed by each run). TTYVS_KO: the module (default
# kmod/ttyvs.ko). Ends with "N passed, N failed, N skipped"; exit status
# 0 only when everything passed and the kernel reported nothing (the VM
# runner checks dmesg: KASAN, lockdep, WARN, hung tasks, ...).

set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

mode=${1:-}
duration=${2:-600}
shift 2 2>/dev/null || true
case $mode in
stress | fuzz) ;;
*)
	echo "usage: selftests/stress.sh stress|fuzz DURATION [scripts/vm/run options]" >&2
	exit 2
	;;
esac
case $duration in
'' | *[!0-9]*)
	echo "stress: DURATION must be a number of seconds, not '$duration'" >&2
	exit 2
	;;
esac

export TTYVS_KO=${TTYVS_KO:-kmod/ttyvs.ko}
if [ "$mode" = stress ]; then
	export TTYVS_STRESS_SECONDS=$duration
	export TTYVS_FUZZ_COUNT=${TTYVS_FUZZ_COUNT:-100000}
	export TTYVS_IOCTL_FUZZ_COUNT=${TTYVS_IOCTL_FUZZ_COUNT:-200000}
	export TTYVS_MODLOAD_COUNT=${TTYVS_MODLOAD_COUNT:-300}
	tests="race_test stress_test nl_fuzz ioctl_fuzz modload_test.sh"
	# Each long binary gets its duration plus time to stop and check;
	# the fuzzers run at a few hundred to a few thousand calls a second.
	per_test=$((duration + 1800))
	vm_timeout=$((2 * duration + 4 * 1800))
else
	export TTYVS_FUZZ_COUNT=${TTYVS_FUZZ_COUNT:-500000}
	export TTYVS_IOCTL_FUZZ_COUNT=${TTYVS_IOCTL_FUZZ_COUNT:-500000}
	tests="nl_fuzz ioctl_fuzz"
	per_test=$((3 * 3600))
	vm_timeout=$((2 * per_test + 600))
fi
export TTYVS_TEST_TIMEOUT=${TTYVS_TEST_TIMEOUT:-$per_test}

log=$(mktemp "${TMPDIR:-/tmp}/ttyvs-$mode.XXXXXX")
trap 'rm -f "$log"' EXIT

echo "$mode: $tests (DURATION=$duration, nl_fuzz $TTYVS_FUZZ_COUNT requests," \
     "ioctl_fuzz $TTYVS_IOCTL_FUZZ_COUNT calls)"
start=$(date +%s)
# shellcheck disable=SC2086 # the test list is words
scripts/vm/run --timeout "$vm_timeout" "$@" -- selftests/run_tests.sh $tests 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "$mode: kernel side took $(($(date +%s) - start)) s"

line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
if [ -n "$line" ]; then
	read -r pass _ fail _ skip _ <<< "$line"
else
	pass=0 fail=0 skip=0
fi
grep -E 'stress operations per second|requests, [0-9]+ answered|calls in [0-9.]+ s' "$log" |
	sed "s/^/$mode: summary: /"
case $rc in
0) [ -n "$line" ] || { echo "$mode: FAILED: no summary line"; fail=$((fail + 1)); rc=1; } ;;
3) echo "$mode: FAILED: the kernel reported a problem (see the dmesg lines above)"; fail=$((fail + 1)) ;;
124) echo "$mode: FAILED: VM timeout"; fail=$((fail + 1)) ;;
125) echo "$mode: FAILED: VM failure"; fail=$((fail + 1)) ;;
*) [ "$fail" -gt 0 ] || { echo "$mode: FAILED: exit status $rc"; fail=$((fail + 1)); } ;;
esac

# Hook for the userspace fuzzers (the helper's libFuzzer targets).
if [ "$mode" = fuzz ]; then
	if [ -f helper/Makefile ] && grep -q '^fuzz:' helper/Makefile; then
		if make -C helper fuzz; then
			pass=$((pass + 1))
		else
			echo "fuzz: make -C helper fuzz failed"
			fail=$((fail + 1))
			[ "$rc" -ne 0 ] || rc=1
		fi
	else
		echo "fuzz: helper/Makefile has no fuzz target yet: no userspace fuzzing"
	fi
fi

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$rc" -eq 0 ]
