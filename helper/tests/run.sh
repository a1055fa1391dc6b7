#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the helper's unit test programs (TAP) found in DIR (test_*), show
# their output and end with one line per program and a summary
# "N passed, N failed, N skipped" (in TAP checks).
#
# usage: tests/run.sh [--counts FILE] [--quiet] DIR
#   --counts FILE  write "PASSED FAILED SKIPPED" (programs, not checks):
#                  a program passes if it exits 0 with a complete plan
#   --quiet        leave out the "ok" lines (failures and notes stay)
#
# Sanitizer options are set for ASan/UBSan builds (harmless otherwise).

set -uo pipefail

counts= quiet=
while [ $# -gt 1 ]; do
	case $1 in
	--counts) counts=${2?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	*) break ;;
	esac
done
dir=${1?usage: tests/run.sh [--counts FILE] [--quiet] DIR}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

npass=0 nfail=0 nskip=0 ppass=0 pfail=0
summary=()
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	if [ -n "$quiet" ]; then
		grep -vE '^ok [0-9]+ - ' <<< "$out" | grep -vE '# SKIP' || true
		grep -E '^ok [0-9]+ .*# SKIP' <<< "$out" || true
	else
		echo "$out"
	fi
	p=$(grep -cE '^ok [0-9]+' <<< "$out")
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' <<< "$out")
	f=$(grep -cE '^not ok [0-9]+' <<< "$out")
	plan=$(grep -E '^1\.\.[0-9]+$' <<< "$out" | tail -n 1)
	p=$((p - s))
	npass=$((npass + p)) nskip=$((nskip + s)) nfail=$((nfail + f))
	name="$(basename "$dir")/$(basename "$t")"
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "${plan#1..}" = $((p + s + f)) ]; then
		ppass=$((ppass + 1))
		summary+=("ok: $name: $p passed, $s skipped")
	else
		pfail=$((pfail + 1))
		summary+=("FAILED: $name: $p passed, $f failed, $s skipped, exit $rc${plan:+, plan $plan}")
	fi
done
echo
for l in "${summary[@]}"; do
	echo "# $l"
done
if [ $((ppass + pfail)) -eq 0 ]; then
	echo "# no test programs in $dir"
	pfail=1
fi
[ -z "$counts" ] || echo "$ppass $pfail 0" > "$counts"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$pfail" -eq 0 ]
