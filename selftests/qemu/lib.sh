# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared scaffolding of the QEMU selftests (qemu_test.sh, qemu_bridge_test.sh,
# qemu_log_test.sh, qemu_net_test.sh), sourced by each after it has set
# "here" (its own directory):
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/qemu/lib.sh"
# Sets root, QEMU, UARTGUEST, TTYVSCTL, SLOW and BOOT_TIMEOUT (exported for
# guestctl.py) and defines the TAP helpers (ok, not_ok, skip, skip_all,
# tap_done), the common skips (qemu_need, qemu_need_helper), the scratch
# directory and its cleanup (qemu_tmp), the guestctl.py runner (scenario,
# with SCENARIO_TIMEOUT and SCENARIO_LABEL_ARGS), QEMU start and stop
# (start_qemu, stop_pid), and for terminal programs in tmux (TMUX_CMD, set
# by the test) pane_wait and port_reset. Not a test itself: run_tests.sh
# runs the scripts of TEST_PROGS, which stay the place of each test's plan,
# checks and scenarios.

# shellcheck disable=SC2154 # here: set by the test that sources this
root=$(cd "$here/.." && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
UARTGUEST=${UARTGUEST:-$root/guest/uartguest.elf}
TTYVSCTL=${TTYVSCTL:-$root/helper/ttyvsctl}
# The test kernel's slowness factor (TTYVS_SLOW, 1-100, from the VM
# runner): every wait scales by it.
case ${TTYVS_SLOW:-1} in
'' | *[!0-9]*) SLOW=1 ;;
*) SLOW=${TTYVS_SLOW:-1} ;;
esac
[ "$SLOW" -ge 1 ] && [ "$SLOW" -le 100 ] || SLOW=1
BOOT_TIMEOUT=${QEMU_BOOT_TIMEOUT:-$((90 * SLOW))}
export QEMU UARTGUEST TTYVSCTL QEMU_BOOT_TIMEOUT=$BOOT_TIMEOUT
# Seconds (times SLOW) one guestctl.py scenario may take.
SCENARIO_TIMEOUT=300
# How many of a scenario's arguments name it in the output.
SCENARIO_LABEL_ARGS=2

n=0
fail=0
# Set by the tests that run terminal programs in tmux.
TMUX_CMD=

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	fail=$((fail + 1))
	echo "not ok $n - $*"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# The summary line; the status is the script's when it ends with this.
tap_done() {
	echo "# $((n - fail)) passed, $fail failed, ${SECONDS}s"
	[ $fail -eq 0 ]
}

# What every QEMU test needs (QEMU, python3, the guest, root), and the
# helper for those that run it: skip_all without.
qemu_need() {
	command -v "$QEMU" >/dev/null || skip_all "$QEMU not installed (apt-get install qemu-system-x86)"
	command -v python3 >/dev/null || skip_all "python3 missing"
	[ -r "$UARTGUEST" ] || skip_all "$UARTGUEST not built: make -C guest"
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

qemu_need_helper() {
	[ -x "$TTYVSCTL" ] || skip_all "$TTYVSCTL not built: make -C helper"
}

# qemu_tmp NAME: the scratch directory tmp (also guestctl.py's), removed
# at exit by cleanup, after the QEMUs and helpers of its *.pid files are
# killed, the tmux server (TMUX_CMD, if set) is gone and the test's own
# cleanup_more (if defined) has run.
qemu_tmp() {
	tmp=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	export QEMU_TEST_TMP=$tmp
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}

cleanup() {
	local f
	for f in "$tmp"/qemu-*.pid "$tmp"/helper-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	[ -n "${TMUX_CMD:-}" ] && $TMUX_CMD kill-server 2>/dev/null
	declare -F cleanup_more >/dev/null && cleanup_more
	rm -rf "$tmp"
}

# Run guestctl.py SCENARIO ARGS; its PASS/FAIL lines become TAP results.
# A scenario that ends early (crash, timeout) fails its missing results.
scenario() {
	local expect=$1 line got=0 t0=$SECONDS pid label
	shift
	label="${*:1:$SCENARIO_LABEL_ARGS}"
	# (The VM has no /dev/fd for a <(...) here: a FIFO instead.)
	rm -f "$tmp/results"
	mkfifo "$tmp/results" || return 1
	timeout -k 10 $((SCENARIO_TIMEOUT * SLOW)) python3 "$here/qemu/guestctl.py" "$@" >"$tmp/results" 2>&1 &
	pid=$!
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }"; got=$((got + 1)) ;;
		"FAIL "*) not_ok "${line#FAIL }"; got=$((got + 1)) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$tmp/results"
	wait $pid
	while [ $got -lt "$expect" ]; do
		not_ok "$label: result missing (guestctl.py ended early or timed out)"
		got=$((got + 1))
	done
	echo "# $label: $((SECONDS - t0))s"
}

# start_qemu NAME ARGS...: the guest in a QEMU (TCG), its output in
# $tmp/qemu-NAME.log, its pid in $tmp/qemu-NAME.pid.
start_qemu() {
	local name=$1
	shift
	"$QEMU" -accel tcg -nodefaults -no-reboot -display none -m 32 \
		-kernel "$UARTGUEST" "$@" </dev/null >"$tmp/qemu-$name.log" 2>&1 &
	echo $! >"$tmp/qemu-$name.pid"
}

# stop_pid NAME: kill and reap the process of $tmp/NAME.pid.
stop_pid() {
	local f=$tmp/$1.pid
	if [ -f "$f" ]; then
		kill "$(cat "$f")" 2>/dev/null
		wait "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	fi
}

# Wait until the tmux pane shows a line matching an extended regex.
pane_wait() {
	local pane=$1 re=$2 timeout=$3 end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		if $TMUX_CMD capture-pane -p -t "$pane" 2>/dev/null | grep -Eq -- "$re"; then
			return 0
		fi
		sleep 0.5
	done
	echo "# no /$re/ on the $pane screen within ${timeout}s; the screen:"
	$TMUX_CMD capture-pane -p -t "$pane" 2>/dev/null | sed '/^$/d; s/^/#   /'
	return 1
}

# The terminal program gone (killed with its tmux session: it may take a
# while to exit and restore termios), put the port's termios back to the
# driver's defaults for the tests after this one: minicom, killed so, was
# seen leaving an all-zero termios (speed 0, CS5, no CREAD or CLOCAL).
port_reset() {
	local dev=$1 i=0
	while [ $i -lt $((50 * SLOW)) ]; do
		"$TTYVSCTL" port show "$dev" 2>/dev/null | grep -q " open 0\$" && break
		sleep 0.2
		i=$((i + 1))
	done
	stty -F "/dev/$dev" sane 9600 cs8 -parenb -cstopb cread clocal hupcl 2>/dev/null
}
