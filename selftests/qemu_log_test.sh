#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VM's serial console on a terminal program and in a log file, through
# ttyVS pairs and ttyvsctl bridge (TAP). Nested QEMUs (TCG) run the
# bare-metal uartguest (guest/):
#   - headless logging: the guest's COM1 on ttyVS0, ttyvsctl bridge ttyVS1
#     file:LOG,timestamps; lines the guest sends (driven through a console
#     on its COM2) are in LOG in order, timestamped (content compared)
#   - picocom (in tmux) on ttyVS0, the bridge's unix: client on ttyVS1
#     joined to QEMU -serial unix:PATH,server (what VirtualBox's "Host Pipe"
#     and VMware's "named pipe" are on Linux): banner and typed echo
#   - minicom on ttyVS0, the bridge's tcp: client joined to QEMU's TCP
#     server, with QEMU's chardev logfile= keeping the console log at the
#     same time (one reader per tty end: the log is not a second reader)
# QEMUs start paused (-S) and are continued once the bridge is connected.
#
# Run as root inside the test VM with ttyvs loaded (pairs >= 1) and the
# guest built (make -C guest):
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/qemu_log_test.sh'
# Environment: QEMU, UARTGUEST, QEMU_BOOT_TIMEOUT (as qemu_test.sh),
# TTYVSCTL (the helper, default helper/ttyvsctl).
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
export QEMU UARTGUEST TTYVSCTL QEMU_BOOT_TIMEOUT=$BOOT_TIMEOUT
N=4

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

command -v "$QEMU" >/dev/null || skip_all "$QEMU not installed (apt-get install qemu-system-x86)"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -r "$UARTGUEST" ] || skip_all "$UARTGUEST not built: make -C guest"
[ -x "$TTYVSCTL" ] || skip_all "$TTYVSCTL not built: make -C helper"
[ "$(id -u)" = 0 ] || skip_all "needs root"
for i in 0 1; do
	[ -c /dev/ttyVS$i ] || skip_all "/dev/ttyVS$i missing (insmod kmod/ttyvs.ko)"
done

tmp=$(mktemp -d /tmp/qemu_log_test.XXXXXX) || exit 1
export QEMU_TEST_TMP=$tmp
tmux_sock=$tmp/tmux.sock
TMUX_CMD="tmux -S $tmux_sock -f /dev/null"

cleanup() {
	local f
	for f in "$tmp"/qemu-*.pid "$tmp"/helper-*.pid; do
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
		not_ok "$1 $2: result missing (guestctl.py ended early or timed out)"
		got=$((got + 1))
	done
	echo "# $1 $2: $((SECONDS - t0))s"
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

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.3
	done
}

tcp_listening() {
	grep -q ":$(printf %04X "$1") [0-9A-F:]* 0A" /proc/net/tcp
}

# DSR, DCD and CTS of a tty all on (the bridge's peer is connected).
lines_up() {
	python3 -c '
import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
v = struct.unpack("i", fcntl.ioctl(fd, termios.TIOCMGET, b"\0" * 4))[0]
m = termios.TIOCM_DSR | termios.TIOCM_CAR | termios.TIOCM_CTS
sys.exit(0 if v & m == m else 1)' "$1"
}

# start_qemu NAME ARGS...: paused (-S), with a monitor socket for cont.
start_qemu() {
	local name=$1
	shift
	"$QEMU" -accel tcg -nodefaults -no-reboot -display none -m 32 \
		-kernel "$UARTGUEST" -S -monitor "unix:$tmp/mon-$name.sock,server=on,wait=off" \
		"$@" </dev/null >"$tmp/qemu-$name.log" 2>&1 &
	echo $! >"$tmp/qemu-$name.pid"
}

cont_qemu() {
	wait_for $((60 * SLOW)) test -S "$tmp/mon-$1.sock" || return 1
	echo cont | socat - "UNIX-CONNECT:$tmp/mon-$1.sock" >/dev/null
}

stop_pid() {
	local f=$tmp/$1.pid
	if [ -f "$f" ]; then
		kill "$(cat "$f")" 2>/dev/null
		wait "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	fi
}

start_bridge() {
	local name=$1
	shift
	"$TTYVSCTL" bridge "$@" </dev/null >"$tmp/$name.log" 2>&1 &
	echo $! >"$tmp/helper-$name.pid"
}

# A terminal program on ttyVS0 in tmux; QEMU (paused) with the socket
# chardev of $qemu_args; the bridge on ttyVS1 with $backend; once the
# bridge is connected (DSR/DCD/CTS on ttyVS0) the guest runs: the
# terminal must show the banner and the echo of a typed line.
terminal() {
	local name=$1 ready=$2 cmd=$3 listen=$4 t0=$SECONDS word="typed-in-$1-$RANDOM"

	$TMUX_CMD new-session -d -s "$name" -x 120 -y 40 "$cmd" || return 1
	pane_wait "$name" "$ready" $((20 * SLOW)) || return 1
	start_qemu "$name" "${qemu_args[@]}"
	wait_for $((60 * SLOW)) $listen || { echo "# QEMU's socket not there: $(cat "$tmp/qemu-$name.log")"; return 1; }
	start_bridge "$name" /dev/ttyVS1 "$backend"
	wait_for $((60 * SLOW)) lines_up /dev/ttyVS0 || { echo "# bridge not connected: $(cat "$tmp/$name.log")"; return 1; }
	cont_qemu "$name" || return 1
	pane_wait "$name" "uartguest ready" "$BOOT_TIMEOUT" || return 1
	echo "# $name: banner after $((SECONDS - t0))s"
	$TMUX_CMD send-keys -t "$name" "$word" Enter
	pane_wait "$name" "^$word\$" $((20 * SLOW)) || return 1
	$TMUX_CMD capture-pane -p -t "$name" | sed '/^$/d; s/^/#   | /'
	typed=$word
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
	stop_pid "qemu-$1"
	stop_pid "helper-$1"
	sed 's/^/#   bridge: /' "$tmp/$1.log"
	$TMUX_CMD kill-session -t "$1" 2>/dev/null
	port_reset ttyVS0
}

# 1-2: the guest's COM1 logged by the file backend (no terminal).
scenario 2 log /dev/ttyVS0 /dev/ttyVS1 "$tmp/com1.log"

# 3: picocom on a VirtualBox/VMware-style unix socket (QEMU the server).
name="picocom on ttyVS0, bridge ttyVS1 unix: to QEMU -serial unix:PATH,server: banner, echo"
if ! command -v tmux >/dev/null || ! command -v picocom >/dev/null || ! command -v socat >/dev/null; then
	skip "$name" "tmux, picocom or socat not installed"
else
	qemu_args=(-serial "unix:$tmp/vm.sock,server=on,wait=off")
	backend="unix:$tmp/vm.sock,retry=100"
	if terminal picocom "Terminal ready" "picocom -b 115200 --noreset --nolock /dev/ttyVS0" \
		"test -S $tmp/vm.sock"; then
		ok "$name"
	else
		not_ok "$name"
	fi
	terminal_end picocom
fi

# 4: minicom over TCP (QEMU the server, the helper its client), and the
# console logged at the same time by QEMU's chardev logfile= option: a
# terminal and a log of one serial port without two readers on one tty.
name="minicom on ttyVS0, bridge ttyVS1 tcp: to QEMU -chardev socket,server,logfile=LOG: banner, echo, LOG has both"
if ! command -v tmux >/dev/null || ! command -v minicom >/dev/null || ! command -v socat >/dev/null; then
	skip "$name" "tmux, minicom or socat not installed"
else
	mkdir -p "$tmp/home" /run/lock 2>/dev/null
	printf 'pu rtscts No\npu xonxoff No\n' >"$tmp/home/.minirc.dfl"
	qemu_args=(-chardev "socket,id=com1,host=127.0.0.1,port=4790,server=on,wait=off,logfile=$tmp/console.log"
		-serial chardev:com1)
	backend="tcp:127.0.0.1:4790,retry=100"
	if terminal minicom "CTRL-A Z" \
		"HOME=$tmp/home TERM=xterm minicom -D /dev/ttyVS0 -b 115200 -o" "tcp_listening 4790" &&
	   grep -q "uartguest ready" "$tmp/console.log" &&
	   grep -q "^$typed" "$tmp/console.log"; then
		ok "$name"
		sed 's/^/#   LOG: /' "$tmp/console.log"
	else
		[ -f "$tmp/console.log" ] && sed 's/^/#   LOG: /' "$tmp/console.log"
		not_ok "$name"
	fi
	terminal_end minicom
fi

echo "# $((n - fail)) passed, $fail failed, ${SECONDS}s"
[ $fail -eq 0 ]
