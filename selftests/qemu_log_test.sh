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
# shellcheck source-path=SCRIPTDIR source=qemu/lib.sh
. "$here/qemu/lib.sh"
N=4

echo "TAP version 13"

qemu_need
qemu_need_helper
for i in 0 1; do
	[ -c /dev/ttyVS$i ] || skip_all "/dev/ttyVS$i missing (insmod kmod/ttyvs.ko)"
done

qemu_tmp qemu_log_test
TMUX_CMD="tmux -S $tmp/tmux.sock -f /dev/null"

echo "1..$N"

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

# start_qemu_paused NAME ARGS...: paused (-S), with a monitor socket for cont.
start_qemu_paused() {
	local name=$1
	shift
	start_qemu "$name" -S -monitor "unix:$tmp/mon-$name.sock,server=on,wait=off" "$@"
}

# cont_qemu NAME: start the paused QEMU's CPU. It waits for the monitor's
# prompt before "cont" (a command sent before it can be lost) and confirms
# with "info status" that the VM runs.
cont_qemu() {
	wait_for $((60 * SLOW)) test -S "$tmp/mon-$1.sock" || return 1
	timeout $((30 * SLOW)) python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
def reply(cmd):
    if cmd:
        s.sendall(cmd + b"\n")
    buf = b""
    while b"(qemu)" not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit("monitor closed")
        buf += d
    return buf
reply(b"")
reply(b"cont")
st = reply(b"info status")
sys.exit(0 if b"running" in st else "not running: %r" % st)' "$tmp/mon-$1.sock" ||
		{ echo "# QEMU $1 did not start"; return 1; }
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
	start_qemu_paused "$name" "${qemu_args[@]}"
	# shellcheck disable=SC2086 # listen is a command and its arguments
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

tap_done
