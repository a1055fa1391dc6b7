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
# shellcheck source-path=SCRIPTDIR source=qemu/lib.sh
. "$here/qemu/lib.sh"
# "line /dev/ttyVS0" is a scenario's name here, "line" enough.
SCENARIO_LABEL_ARGS=1
N=10

echo "TAP version 13"

qemu_need
for i in 0 1 2 3; do
	[ -c /dev/ttyVS$i ] || skip_all "/dev/ttyVS$i missing (insmod kmod/ttyvs.ko, pairs >= 2)"
done

qemu_tmp qemu_test
TMUX_CMD="tmux -S $tmp/tmux.sock -f /dev/null"

echo "1..$N"

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

terminal_end() {
	stop_pid "qemu-$1"
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

tap_done
