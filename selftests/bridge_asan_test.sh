#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bridge_test.sh again, with ttyvsctl built with ASan + UBSan
# (-fno-sanitize-recover=all; make -C helper asan): every backend, the
# daemon, its reloads and bad configs, under the sanitizers. Any report
# (memory error, leak at exit, undefined behaviour) fails the run: the
# reports go to files, shown here after the TAP of bridge_test.sh.
#
# Run as root inside the test VM with ttyvs loaded:
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/bridge_asan_test.sh'
# Environment: TTYVSCTL_ASAN (default helper/build/asan/ttyvsctl), and
# those of bridge_test.sh (BRIDGE_TEST_SIZE...). Through run_tests.sh on a
# busy machine, give it time: TTYVS_TEST_TIMEOUT=2400.
# Exit status: bridge_test.sh's, 1 if there was a report, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${TTYVSCTL_ASAN:-$root/helper/build/asan/ttyvsctl}

if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP $bin not built: make -C helper asan"
	exit 4
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/ttyvs-asan.XXXXXX") || exit 1

# The reports, also when run_tests.sh's timeout stops us.
reported=0
report()
{
	[ "$reported" = 0 ] || return 0
	reported=1
	reports=$(ls "$logs" 2>/dev/null | grep -v '\.shown$')
	if [ -n "$reports" ]; then
		for f in $reports; do
			[ -e "$logs/$f.shown" ] && continue
			echo "# ---- sanitizer report $f:"
			sed 's/^/# /' "$logs/$f" | head -n 60
		done
		echo "# bridge_asan_test: $(echo "$reports" | wc -l) sanitizer report(s) from $bin"
		return 1
	fi
	echo "# bridge_asan_test: no sanitizer report from $bin"
	return 0
}
trap 'report; [ -z "$watch" ] || kill "$watch" 2>/dev/null; rm -rf "$logs"' EXIT
trap 'exit 1' HUP INT TERM

# Each report as soon as it is written: a timeout's SIGKILL leaves no
# chance to show them at the end.
watch=
(
	while sleep 2 && [ -d "$logs" ]; do
		for f in "$logs"/*san.*; do
			[ -s "$f" ] && [ ! -e "$f.shown" ] || continue
			sleep 1	# let it be written out
			echo "# ---- sanitizer report $(basename "$f") (as it came):"
			sed 's/^/# /' "$f" | head -n 60
			: >"$f.shown"
		done
	done
) &
watch=$!

ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:halt_on_error=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
TTYVSCTL=$bin
export ASAN_OPTIONS UBSAN_OPTIONS TTYVSCTL
"$here/bridge_test.sh"
rc=$?
report || exit 1
exit "$rc"
