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
# shellcheck source-path=SCRIPTDIR source=qemu/lib.sh
. "$here/qemu/lib.sh"
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

qemu_need
qemu_need_helper
for i in 0 1; do
	[ -c /dev/ttyVS$i ] || skip_all "/dev/ttyVS$i missing (insmod kmod/ttyvs.ko)"
done

qemu_tmp qemu_bridge_test

echo "1..$N"

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

tap_done
