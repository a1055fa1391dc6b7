#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the helper's libFuzzer targets one after the other, SECONDS each, and
# end with one line per target (executions, crashes) and a summary
# "N passed, N failed, N skipped" (one per target).
#
# usage: fuzz/run.sh [--counts FILE] BUILDDIR SECONDS NAME...
#   BUILDDIR/fuzz_NAME  the target (make -C helper fuzz-build)
#   fuzz/corpus/NAME/   its seeds (read only, in git); new inputs go to
#                       BUILDDIR/corpus/NAME/, kept between runs
#   fuzz/NAME.dict      its dictionary, if any
#   --counts FILE       write "PASSED FAILED SKIPPED" to FILE
# A crash (or leak, sanitizer report, broken check, timeout) leaves the
# input in BUILDDIR/NAME-crash-* (or -leak-, -timeout-); reproduce with
# BUILDDIR/fuzz_NAME FILE, then add it to fuzz/corpus/NAME/ once fixed.

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

counts=
if [ "${1:-}" = --counts ]; then
	counts=${2?}
	shift 2
fi
[ $# -ge 3 ] || { echo "usage: fuzz/run.sh [--counts FILE] BUILDDIR SECONDS NAME..." >&2; exit 2; }
build=$1 secs=$2
shift 2

pass=0 fail=0 skip=0
lines=()
for name in "$@"; do
	bin=$build/fuzz_$name
	if [ ! -x "$bin" ]; then
		lines+=("fuzz: $name: SKIP: $bin not built")
		skip=$((skip + 1))
		continue
	fi
	work=$build/corpus/$name
	log=$build/$name.log
	mkdir -p "$work"
	dict=()
	[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
	echo "fuzz: $name for $secs s (log: $log)"
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$build/$name-" "${dict[@]}" "$work" "fuzz/corpus/$name" > "$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		lines+=("fuzz: $name: ${execs:-?} executions in $took s, 0 crashes (${cov:-no coverage line})")
	else
		fail=$((fail + 1))
		art=$(grep -oE "Test unit written to .*" "$log" | tail -n 1)
		lines+=("fuzz: $name: FAILED (exit $rc) after ${execs:-?} executions in $took s: ${art:-see $log}")
		grep -E 'check failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log" |
			head -n 5 | sed "s/^/fuzz: $name:   /"
	fi
done
for l in "${lines[@]}"; do
	echo "$l"
done
[ -z "$counts" ] || echo "$pass $fail $skip" > "$counts"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
