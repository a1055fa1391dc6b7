#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ttyvs module load/unload cycles (TAP), for issue 7's hardening.
# TTYVS_MODLOAD_COUNT (default 100) cycles in all, in three modes:
#   1. 30% with the default parameters (the two default pairs, nothing else);
#   2. 30% with pairs=8;
#   3. 40% with pairs created over netlink (a plain pair, a named one with
#      baud emulation and rewired RI, a loopback one) and every port
#      opened, written to and closed before the unload; every other round a
#      netlink socket subscribed to the events stays open across the unload;
# and then:
#   4. unload attempts with a port open must fail with EAGAIN/EBUSY and
#      leave the module working (data passes); after the close it unloads
#      (COUNT/10 rounds);
#   5. ttyvsctl (if built) on a freshly loaded module, then the module is
#      back in its default state (pairs=2) at the end.
# Leaks and warnings are the VM runner's business (dmesg, kmemleak scan).
#
# The cycles run in selftests/modload_cycle (syscalls): an exec costs most
# of a second in the TCG guest, an insmod/rmmod pair two or three. A cycle
# takes about 0.25 s there (0.7 s with netlink pairs and fds): 100 cycles
# fit in about a minute; make stress runs more.
#
# Run as root inside the test VM:
#   scripts/vm/run -- sh -c 'TTYVS_KO=$PWD/kmod/ttyvs.ko selftests/modload_test.sh'
# Environment: TTYVS_KO (the module; the test is skipped without it),
# TTYVS_MODLOAD_COUNT (cycles per mode), TTYVSCTL (default helper/ttyvsctl).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
C=${TTYVSCTL:-$root/helper/ttyvsctl}
ko=${TTYVS_KO:-}
count=${TTYVS_MODLOAD_COUNT:-100}
N=5

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

[ -n "$ko" ] || skip_all "TTYVS_KO unset: cannot load the module"
case $ko in
/*) ;;
*) ko=$root/$ko ;;
esac
[ -r "$ko" ] || skip_all "TTYVS_KO=$ko not readable"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -e /proc/modules ] || skip_all "this kernel cannot load modules"

cycle=$here/modload_cycle
[ -x "$cycle" ] || skip_all "$cycle not built: make -C selftests"

t=0
failed=0
ok() {
	t=$((t + 1))
	echo "ok $t - $*"
}
not_ok() {
	t=$((t + 1))
	failed=$((failed + 1))
	echo "not ok $t - $*"
}

echo "1..$N"

if [ -d /sys/module/ttyvs ] && ! rmmod ttyvs; then
	echo "Bail out! ttyvs is loaded and cannot be unloaded (a port open?)"
	exit 1
fi

# mode description [count]
run() {
	"$cycle" "$ko" "$1" "${3:-$count}"
	case $? in
	0) ok "$2" ;;
	4) t=$((t + 1)); echo "ok $t - $2 # SKIP the module has no netlink family" ;;
	*) not_ok "$2" ;;
	esac
}

n_plain=$((count * 3 / 10))
n_nl=$((count - 2 * n_plain))
rounds=$((count / 10))
[ "$rounds" -ge 1 ] || rounds=1
run plain "$n_plain load/unload cycles, default pairs" "$n_plain"
run pairs8 "$n_plain load/unload cycles with pairs=8" "$n_plain"
run netlink "$n_nl load/unload cycles with netlink pairs, every port opened and closed" "$n_nl"
run busy "$rounds times: unload refused while a port is open, module works, unloads after the close" "$rounds"

# Back to the default state, checked by ttyvsctl when there is one.
if insmod "$ko" && [ "$(cat /sys/module/ttyvs/parameters/pairs)" = 2 ] && [ -e /dev/ttyVS3 ]; then
	if [ ! -x "$C" ]; then
		ok "module loaded again with its defaults (pairs=2; ttyvsctl not built)"
	elif [ "$("$C" pair list 2>&1 | grep -c ttyVS)" -ge 2 ]; then
		ok "module loaded again with its defaults (pairs=2), ttyvsctl lists its pairs"
	else
		"$C" pair list 2>&1 | sed 's/^/# /'
		not_ok "ttyvsctl pair list after the reloads"
	fi
else
	not_ok "module state after the test: cannot load it with its defaults"
fi

[ "$failed" -eq 0 ]
