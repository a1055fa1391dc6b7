#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the ttyvs selftests (as root, inside the test VM):
#   scripts/vm/run -- selftests/run_tests.sh [TEST...]
#
# Loads ttyvs (insmod ${TTYVS_KO:-kmod/ttyvs.ko}, relative to the repo root)
# if it is not loaded, runs each test binary from the Makefile's
# TEST_GEN_PROGS (or the ones named) with a timeout, streams their TAP
# output and ends with "N passed, N failed, N skipped".  Exit status 1
# when anything failed, crashed or timed out, else 0.
#
# Environment: TTYVS_KO (module path), TTYVS_TEST_TIMEOUT (seconds per
# binary, default 600 x TTYVS_SLOW), TTYVS_STRESS_SECONDS (passed on to
# stress_test), TTYVS_SLOW (the test kernel's slowness factor, default 1:
# the tests scale their timeouts by it; see ttyvs_lib.h), TTYVS_EXCLUDE
# (shell patterns of tests not to run, each named in the output; make check
# CHECK_DEBUG=y leaves the helper and QEMU tests out on the debug kernel).

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
case ${TTYVS_SLOW:-1} in
'' | 0 | *[!0-9]*) slow=1 ;;
*) slow=$TTYVS_SLOW ;;
esac
# Generous: nested QEMU (qemu_test.sh) is slow on a loaded machine.
timeout_s=${TTYVS_TEST_TIMEOUT:-$((600 * slow))}
# A long stress run needs its duration plus time to stop and check.
if [ -n "$TTYVS_STRESS_SECONDS" ] && [ "$TTYVS_STRESS_SECONDS" -gt 0 ] 2>/dev/null &&
   [ $((TTYVS_STRESS_SECONDS + 120)) -gt "$timeout_s" ]; then
	timeout_s=$((TTYVS_STRESS_SECONDS + 120))
fi

ko=${TTYVS_KO:-kmod/ttyvs.ko}
case $ko in
/*) ;;
*) ko=$root/$ko ;;
esac
TTYVS_KO=$ko
export TTYVS_KO

# A make variable's words, continuation lines included.
make_list()
{
	sed -n "/^$1[[:space:]]*[:+]*=/{
		:a
		/\\\\\$/{N;ba
		}
		s/^[^=]*=//
		s/\\\\\\n/ /g
		p
	}" "$here/Makefile" | tr '\n' ' '
}

if [ $# -gt 0 ]; then
	tests=$*
else
	# The lists live in one place: TEST_GEN_PROGS (built) and TEST_PROGS
	# (scripts) in the Makefile.
	tests="$(make_list TEST_GEN_PROGS) $(make_list TEST_PROGS)"
fi
# TTYVS_BRIDGE_ASAN=1: the whole list also runs bridge_asan_test.sh,
# bridge_test.sh with the ASan + UBSan ttyvsctl (make -C helper asan): as
# long again as bridge_test.sh, so not by default.
if [ $# -eq 0 ] && [ "${TTYVS_BRIDGE_ASAN:-}" = 1 ]; then
	tests="$tests bridge_asan_test.sh"
fi
if [ -n "${TTYVS_EXCLUDE:-}" ]; then
	kept=
	set -f	# the patterns are for case, not for the file system
	for t in $tests; do
		out=
		for pat in $TTYVS_EXCLUDE; do
			# shellcheck disable=SC2254 # pat is a pattern
			case $t in $pat) out=1 ;; esac
		done
		if [ -n "$out" ]; then
			echo "# $t: not run (TTYVS_EXCLUDE=\"$TTYVS_EXCLUDE\")"
		else
			kept="$kept $t"
		fi
	done
	set +f
	tests=$kept
fi
if [ -z "$(echo $tests)" ]; then
	echo "run_tests: no tests found in $here/Makefile" >&2
	exit 1
fi

loaded_here=0
if [ ! -d /sys/module/ttyvs ]; then
	if ! insmod "$ko"; then
		echo "run_tests: insmod $ko failed" >&2
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	loaded_here=1
fi
# devtmpfs creates the nodes; give it a moment.
i=0
while [ ! -e /dev/ttyVS0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# Put the module back into its default state after a test binary.
restore_defaults()
{
	if [ ! -d /sys/module/ttyvs ]; then
		insmod "$ko" || return 1
	fi
	# A test that lost a default pair must not take the next ones down.
	if [ "$(cat /sys/module/ttyvs/parameters/pairs 2>/dev/null)" != 2 ] ||
	   [ ! -e /sys/class/tty/ttyVS0 ] || [ ! -e /sys/class/tty/ttyVS3 ]; then
		rmmod ttyvs && insmod "$ko" || return 1
	fi
	echo N > /sys/module/ttyvs/parameters/emulate_baud 2>/dev/null
	return 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ttyvs-selftests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
skip=0
start=$(date +%s)

for t in $tests; do
	bin=$here/$t
	echo "# ---- $t"
	if [ ! -x "$bin" ]; then
		echo "not ok $t # binary missing: run make -C selftests first"
		fail=$((fail + 1))
		continue
	fi
	t0=$(date +%s)
	(
		cd "$here" || exit 1
		timeout -k 10 "$timeout_s" "$bin" 2>&1
		echo $? >"$tmp/rc"
	) | tee "$tmp/out"
	rc=$(cat "$tmp/rc" 2>/dev/null || echo 255)

	# Top-level TAP results of the harness (indented lines are nested).
	p=$(grep -c '^ok [0-9]' "$tmp/out")
	s=$(grep -c '^ok [0-9].*# SKIP' "$tmp/out")
	f=$(grep -c '^not ok [0-9]' "$tmp/out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp/out" | head -n 1)
	p=$((p - s))
	seen=$((p + s + f))
	missing=0
	if [ -n "$plan" ] && [ "$seen" -lt "$plan" ]; then
		missing=$((plan - seen))
	fi
	# A file that skips as a whole ("1..0 # SKIP reason") counts as one skip.
	if [ "$rc" = 4 ] && [ "$seen" -eq 0 ]; then
		s=1
	fi
	case $rc in
	0 | 4) ;;
	*)
		if [ "$f" -eq 0 ] && [ "$missing" -eq 0 ]; then
			# Crashed or timed out outside any single test.
			missing=1
		fi
		;;
	esac
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "# $t: timed out after ${timeout_s}s"
	elif [ "$rc" -gt 128 ] 2>/dev/null; then
		echo "# $t: killed by signal $((rc - 128))"
	fi
	pass=$((pass + p))
	skip=$((skip + s))
	fail=$((fail + f + missing))
	echo "# ---- $t: rc=$rc, $p passed, $((f + missing)) failed, $s skipped, $(($(date +%s) - t0))s"

	if ! restore_defaults; then
		echo "# $t: could not restore the module's default state"
		fail=$((fail + 1))
	fi
done

if [ $loaded_here = 1 ]; then
	if ! rmmod ttyvs; then
		echo "# rmmod ttyvs failed after the tests (a port still open?)"
		fail=$((fail + 1))
	fi
fi

echo "# total time $(($(date +%s) - start))s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
