#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Virtual machines on two computers joined over the network (TAP). Two
# network namespaces joined by a veth pair stand for two hosts. Each host
# has its own ttyvs pair (net-a, net-b), a nested QEMU (TCG) whose COM1 is
# the pair's -a end running the bare-metal uartguest (guest/), and the
# helper on the -b end; a console on each guest's COM2 (QEMU pipe: FIFOs)
# drives and observes it:
#   - TCP: ttyvsctl daemon on each host, its config file naming the bridge
#     (host A: tcp-listen:ADDR_A:4000, host B: tcp:ADDR_A:4000): the guests
#     exchange lines both ways (content and order checked); the raw TCP link
#     carries no modem lines
#   - RFC 2217: ttyvsctl bridge rfc2217-listen: on A and rfc2217: on B: the
#     same data, and each guest's DTR/RTS reaching the other guest's
#     DSR/DCD/CTS, and breaks both ways (SKIP while the helper has no
#     RFC 2217)
# The host-side checks are in selftests/qemu/guestctl.py ("net").
#
# Run as root inside the test VM with ttyvs loaded:
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/qemu_net_test.sh'
# Environment: QEMU, UARTGUEST, QEMU_BOOT_TIMEOUT (as qemu_test.sh),
# TTYVSCTL (the helper, default helper/ttyvsctl).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=qemu/lib.sh
. "$here/qemu/lib.sh"
# Two nested boots and a link in one scenario.
SCENARIO_TIMEOUT=400
NETNS_A=ttyvs-host-a
NETNS_B=ttyvs-host-b
ADDR_A=10.199.0.1
ADDR_B=10.199.0.2
export NETNS_A NETNS_B ADDR_A
N=7

echo "TAP version 13"

qemu_need
qemu_need_helper
command -v ip >/dev/null || skip_all "ip (iproute2) missing"
[ -d /sys/module/ttyvs ] || skip_all "ttyvs module not loaded (insmod kmod/ttyvs.ko)"

qemu_tmp qemu_net_test

cleanup_more() {
	sleep 0.5
	"$TTYVSCTL" pair del net-a force >/dev/null 2>&1
	"$TTYVSCTL" pair del net-b force >/dev/null 2>&1
	ip netns del $NETNS_A 2>/dev/null
	ip netns del $NETNS_B 2>/dev/null
}

# Two "hosts": namespaces joined by veth.
modprobe veth 2>/dev/null
ip netns del $NETNS_A 2>/dev/null
ip netns del $NETNS_B 2>/dev/null
if ! { ip netns add $NETNS_A && ip netns add $NETNS_B &&
       ip link add ttyvs-va netns $NETNS_A type veth peer name ttyvs-vb netns $NETNS_B &&
       ip -n $NETNS_A addr add $ADDR_A/24 dev ttyvs-va &&
       ip -n $NETNS_B addr add $ADDR_B/24 dev ttyvs-vb &&
       ip -n $NETNS_A link set lo up && ip -n $NETNS_B link set lo up &&
       ip -n $NETNS_A link set ttyvs-va up && ip -n $NETNS_B link set ttyvs-vb up; } 2>"$tmp/ip.err"; then
	skip_all "cannot make two network namespaces joined by veth: $(head -1 "$tmp/ip.err")"
fi
# Each host's pair; QEMU needs the -a end's /dev path.
tty_of() {
	local d
	for d in /sys/class/tty/ttyVS*; do
		if [ "$(cat "$d/pair_name" 2>/dev/null)" = "$1" ] &&
		   [ "$(cat "$d/pair_end" 2>/dev/null)" = "$2" ]; then
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	return 1
}
for p in net-a net-b; do
	"$TTYVSCTL" pair del $p force >/dev/null 2>&1
	"$TTYVSCTL" pair add $p >"$tmp/pair.err" 2>&1 || skip_all "ttyvsctl pair add $p: $(cat "$tmp/pair.err")"
done
i=0
until ga=$(tty_of net-a a) && gb=$(tty_of net-b a) && [ -c "$ga" ] && [ -c "$gb" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || skip_all "no /dev nodes for the pairs net-a, net-b"
	sleep 0.1
done
echo "# host A: netns $NETNS_A $ADDR_A, QEMU on $ga, helper on net-a-b"
echo "# host B: netns $NETNS_B $ADDR_B, QEMU on $gb, helper on net-b-b"

echo "1..$N"

# 1-3: TCP, a ttyvsctl daemon with a config file on each host.
scenario 3 net tcp "$ga" net-a-b "$gb" net-b-b

# 4-7: RFC 2217, once the helper has it.
if "$TTYVSCTL" bridge /dev/null rfc2217-listen:1 2>&1 | grep -q "unknown address kind"; then
	for t in "net rfc2217: two hosts linked" "net rfc2217: lines both ways" \
		 "net rfc2217: DTR/RTS of each guest reach the other guest's DSR/DCD/CTS" \
		 "net rfc2217: a break from either guest reaches the other"; do
		skip "$t" "$TTYVSCTL has no rfc2217-listen:/rfc2217: backend yet"
	done
else
	scenario 4 net rfc2217 "$ga" net-a-b "$gb" net-b-b
fi

tap_done
