#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real hypervisors on ttyVS ports (TAP): nested QEMUs (TCG) booting the
# bare-metal uartguest (guest/) with -serial /dev/ttyVS<n>, and on the
# other end real terminal programs or a second QEMU:
#   - picocom and minicom (in tmux) on ttyVS1 see the guest's banner, get
#     typed text echoed and command replies; minicom's capture file logs it
#   - modem lines both ways: guest MCR -> host TIOCMGET, host TIOCMBIS/BIC ->
#     guest MSR (QEMU polls TIOCMGET every 10 ms while IER.MSI is set)
#   - break both ways: guest LCR break -> host break; a host break reaches
#     the guest as a NUL byte (QEMU does not raise LSR.BI)
#   - two QEMUs on ttyVS2 <-> ttyVS3 exchange lines, modem lines and a break,
#     each observed and driven through a console on its COM2 (pipe: FIFOs)
# The host-side checks are in selftests/qemu/guestctl.py.
#
# Run as root inside the test VM, with ttyvs loaded (pairs >= 2) and the
# guest built on the host (make -C guest):
#   scripts/vm/run --timeout 600 -- sh -c 'insmod kmod/ttyvs.ko && selftests/qemu_test.sh'
# Environment: QEMU (binary, default qemu-system-x86_64), UARTGUEST (the
# guest ELF), QEMU_BOOT_TIMEOUT (seconds for a nested boot, default 90 x TTYVS_SLOW).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
UARTGUEST=${UARTGUEST:-$root/guest/uartguest.elf}
TTYVSCTL=${TTYVSCTL:-$root/helper/ttyvsctl}
# The test kernel's slowness factor (TTYVS_SLOW, 1-100, from the VM
# runner): every wait scales by it.
case ${TTYVS_SLOW:-1} in
'' | *[!0-9]*) SLOW=1 ;;
*) SLOW=$TTYVS_SLOW ;;
esac
[ "$SLOW" -ge 1 ] && [ "$SLOW" -le 100 ] || SLOW=1
BOOT_TIMEOUT=${QEMU_BOOT_TIMEOUT:-$((90 * SLOW))}
export QEMU UARTGUEST QEMU_BOOT_TIMEOUT=$BOOT_TIMEOUT
N=10

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

command -v "$QEMU" >/dev/null || skip_all "$QEMU not installed (apt-get install qemu-system-x86)"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -r "$UARTGUEST" ] || skip_all "$UARTGUEST not built: make -C guest"
[ "$(id -u)" = 0 ] || skip_all "needs root"
for i in 0 1 2 3; do
	[ -c /dev/ttyVS$i ] || skip_all "/dev/ttyVS$i missing (insmod kmod/ttyvs.ko, pairs >= 2)"
done

tmp=$(mktemp -d /tmp/qemu_test.XXXXXX) || exit 1
export QEMU_TEST_TMP=$tmp
tmux_sock=$tmp/tmux.sock
TMUX_CMD="tmux -S $tmux_sock -f /dev/null"

cleanup() {
	local f
	for f in "$tmp"/qemu-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	$TMUX_CMD kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "1..$N"
n=0
fail=0

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

# Run guestctl.py SCENARIO ARGS; its PASS/FAIL lines become TAP results.
# A scenario that ends early (crash, timeout) fails its missing results.
scenario() {
	local expect=$1 line got=0 t0=$SECONDS pid
	shift
	# (The VM has no /dev/fd for a <(...) here: a FIFO instead.)
	rm -f "$tmp/results"
	mkfifo "$tmp/results" || return 1
	timeout -k 10 $((300 * SLOW)) python3 "$here/qemu/guestctl.py" "$@" >"$tmp/results" 2>&1 &
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
		not_ok "$1: result missing (guestctl.py ended early or timed out)"
		got=$((got + 1))
	done
	echo "# $1: $((SECONDS - t0))s"
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

start_qemu() {
	local name=$1
	shift
	"$QEMU" -accel tcg -nodefaults -no-reboot -display none -m 32 \
		-kernel "$UARTGUEST" "$@" </dev/null >"$tmp/qemu-$name.log" 2>&1 &
	echo $! >"$tmp/qemu-$name.pid"
}

stop_qemu() {
	local f=$tmp/qemu-$1.pid
	if [ -f "$f" ]; then
		kill "$(cat "$f")" 2>/dev/null
		wait "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	fi
}

# A terminal program on ttyVS1 in tmux, QEMU's COM1 on ttyVS0. The terminal
# opens first: what is written to a closed ttyVS end is discarded. It must
# show the banner, the echo of a typed line (neither program echoes
# locally) and the reply to a command that reads the guest's MSR.
terminal() {
	local name=$1 ready=$2 cmd=$3 t0=$SECONDS word="typed-by-$1-$RANDOM"

	$TMUX_CMD new-session -d -s "$name" -x 120 -y 40 "$cmd" || return 1
	pane_wait "$name" "$ready" $((20 * SLOW)) || return 1
	# QEMU leaves CLOCAL as it finds it (see guestctl.py ensure_clocal).
	stty -F /dev/ttyVS0 clocal 2>/dev/null
	start_qemu "$name" -serial /dev/ttyVS0
	pane_wait "$name" "uartguest ready" "$BOOT_TIMEOUT" || return 1
	echo "# $name: banner after $((SECONDS - t0))s"
	$TMUX_CMD send-keys -t "$name" "$word" Enter
	pane_wait "$name" "^$word\$" $((20 * SLOW)) || return 1
	# The terminal holds DTR and RTS up: the guest sees DSR, DCD and CTS.
	$TMUX_CMD send-keys -t "$name" '!msr' Enter
	pane_wait "$name" "^msr cts=1 dsr=1 dcd=1 ri=0" $((20 * SLOW)) || return 1
	$TMUX_CMD capture-pane -p -t "$name" | sed '/^$/d; s/^/#   | /'
	return 0
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

terminal_end() {
	stop_qemu "$1"
	$TMUX_CMD kill-session -t "$1" 2>/dev/null
	port_reset ttyVS1
}

# 1-5: one guest, guestctl.py holding ttyVS1.
scenario 5 line /dev/ttyVS0 /dev/ttyVS1

# 6: picocom.
name="picocom on ttyVS1: banner, echo, MSR reply from the guest"
if ! command -v tmux >/dev/null; then
	skip "$name" "tmux not installed (apt-get install tmux)"
elif ! command -v picocom >/dev/null; then
	skip "$name" "picocom not installed (apt-get install picocom)"
elif terminal picocom "Terminal ready" \
	"picocom -b 115200 --noreset --nolock /dev/ttyVS1"; then
	ok "$name"
else
	not_ok "$name"
fi
terminal_end picocom

# 7: minicom, with its capture file as the console log.
name="minicom on ttyVS1: banner, echo, MSR reply; capture file has them"
if ! command -v tmux >/dev/null; then
	skip "$name" "tmux not installed (apt-get install tmux)"
elif ! command -v minicom >/dev/null; then
	skip "$name" "minicom not installed (apt-get install minicom)"
else
	# A private minirc: no hardware flow control, no modem init.
	mkdir -p "$tmp/home" /run/lock 2>/dev/null
	printf 'pu rtscts No\npu xonxoff No\n' >"$tmp/home/.minirc.dfl"
	if terminal minicom "CTRL-A Z" \
		"HOME=$tmp/home TERM=xterm minicom -D /dev/ttyVS1 -b 115200 -o -C $tmp/capture.txt" &&
	   grep -q "uartguest ready" "$tmp/capture.txt" &&
	   grep -q "^typed-by-minicom" "$tmp/capture.txt"; then
		ok "$name"
	else
		[ -f "$tmp/capture.txt" ] && sed 's/^/#   capture: /' "$tmp/capture.txt"
		not_ok "$name"
	fi
	terminal_end minicom
fi

# 8-10: two guests on one pair.
scenario 3 vm2vm /dev/ttyVS2 /dev/ttyVS3

echo "# $((n - fail)) passed, $fail failed, ${SECONDS}s"
[ $fail -eq 0 ]
