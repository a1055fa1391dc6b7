#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hypervisor serial sockets joined to ttyVS pairs by ttyvsctl bridge (TAP).
# A nested QEMU (TCG) runs the bare-metal uartguest (guest/) with its COM1
# on a socket or pipe chardev, the way VirtualBox and VMware expose a
# serial port ("host pipe" = a unix socket, or TCP); ttyvsctl bridge joins
# that to ttyVS1 and guestctl.py, as the terminal, uses ttyVS0:
#   - QEMU as the server (this script): -serial unix:PATH,server=on,
#     wait=off (VirtualBox "Host Pipe" / VMware "named pipe", the hypervisor
#     creating it) with the helper's unix: client; -serial
#     tcp:127.0.0.1:PORT,server=on,wait=off with tcp:; -serial
#     udp:REMOTE@LOCAL with udp:; -serial telnet:...,server with telnet:
#   - QEMU as the client (qemu_bridge_client_test.sh runs this script with
#     QEMU_BRIDGE_KINDS="tcp-client unix-client pipe"): -chardev
#     socket,host=,port= against tcp-listen:, -chardev socket,path= against
#     unix-listen: ("connect to existing pipe"); -chardev pipe,path=BASE
#     against the helper's fifo:BASE
#   - each: the banner, a typed line echoed, 12 lines echoed (sha256), the
#     modem lines not carried (QEMU's socket chardevs have none), and the
#     link dropping when QEMU stops; telnet also a break on the terminal
#     end arriving in the guest as a real break (IAC BREAK; QEMU sets
#     LSR.BI)
# Terminal programs on such sockets and logging: qemu_log_test.sh.
# QEMUs start paused (-S) and are continued through their monitor once the
# bridge is connected, so the banner cannot go out before anyone listens.
#
# Run as root inside the test VM with ttyvs loaded (pairs >= 1) and the
# guest built (make -C guest):
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/qemu_bridge_test.sh'
# Environment: QEMU, UARTGUEST, QEMU_BOOT_TIMEOUT (as qemu_test.sh),
# TTYVSCTL (the helper, default helper/ttyvsctl), QEMU_BRIDGE_KINDS (the
# kinds to run: unix tcp udp telnet tcp-client unix-client pipe).
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
# The hypervisor as the server here; as the client in
# qemu_bridge_client_test.sh (the same script with QEMU_BRIDGE_KINDS), so
# that each stays well inside run_tests.sh's time limit per test.
KINDS=${QEMU_BRIDGE_KINDS:-unix tcp udp telnet}
N=0
for kind in $KINDS; do
	case $kind in
	telnet) N=$((N + 5)) ;;
	*) N=$((N + 4)) ;;
	esac
done

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

tmp=$(mktemp -d /tmp/qemu_bridge_test.XXXXXX) || exit 1
export QEMU_TEST_TMP=$tmp

cleanup() {
	local f
	for f in "$tmp"/qemu-*.pid "$tmp"/helper-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
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

# Each kind of socket with guestctl.py on ttyVS0; telnet adds a break.
port=4700
for kind in $KINDS; do
	case $kind in
	unix | tcp | udp | tcp-client | unix-client | pipe)
		scenario 4 sock "$kind" /dev/ttyVS0 /dev/ttyVS1 $port ;;
	telnet)
		if "$TTYVSCTL" bridge /dev/null telnet:127.0.0.1:1 2>&1 | grep -q "unknown address kind"; then
			for i in 1 2 3 4 5; do
				skip "telnet $i" "$TTYVSCTL has no telnet: backend"
			done
		else
			scenario 5 sock telnet /dev/ttyVS0 /dev/ttyVS1 $port
		fi ;;
	*)
		not_ok "unknown kind $kind in QEMU_BRIDGE_KINDS" ;;
	esac
	port=$((port + 10))
done

echo "# $((n - fail)) passed, $fail failed, ${SECONDS}s"
[ $fail -eq 0 ]
