#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end bench of the bridge (issue 4): throughput both ways and the
# 1-byte round trip of
#   app - ttyVS pair - ttyvsctl bridge - TCP - ttyvsctl bridge - ttyVS pair - app
# against the same chain built with socat,
#   app - pty - socat - TCP - socat - pty - app,
# both over loopback, measured in one run by ttyvs-bench (--ref-a/--ref-b:
# the socat chain is its reference, repetitions interleaved, ratios
# bridge/socat). Run as root in the VM with ttyvs loaded (make bench does):
#   bench/bridge-bench.sh [ttyvs-bench options, e.g. -s 64 -r 3]
# The two pairs are made with "buffer 64k" (BRIDGE_BENCH_PAIR, options of
# ttyvsctl pair add): about what a pty holds in flight (the tty layer's
# 64 KiB flip buffer limit), where ttyvs's default is 8 KiB.
# Environment: TTYVSCTL (default helper/ttyvsctl), BRIDGE_BENCH_PAIR.
# Exit status as ttyvs-bench's (4 = skipped: something missing).

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
C=${TTYVSCTL:-$root/helper/ttyvsctl}
B=$here/ttyvs-bench
prog=bridge-bench
PAIR_OPTS=${BRIDGE_BENCH_PAIR-buffer 64k}

skip() {
	echo "$prog: SKIP: $*"
	exit 4
}
[ -x "$B" ] || skip "$B not built (make -C bench)"
[ -x "$C" ] || skip "$C not built (make -C helper)"
command -v socat >/dev/null || skip "socat missing (apt-get install socat)"
[ -d /sys/module/ttyvs ] || skip "ttyvs module not loaded"

tmp=$(mktemp -d /tmp/bridge-bench.XXXXXX) || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$C" pair del tvsbench1 force >/dev/null 2>&1
	"$C" pair del tvsbench2 force >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bg() {
	"$@" &
	pids="$pids $!"
}

# waitfor SECONDS CONDITION
waitfor() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		eval "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "$prog: timed out waiting for: $2" >&2
	for f in "$tmp"/*.log; do sed "s|^|$prog: $(basename "$f"): |" "$f" >&2; done
	exit 1
}

portof() {	# portof NAME END
	for f in /sys/class/tty/ttyVS*/pair_name; do
		d=${f%/pair_name}
		[ "$(cat "$f")" = "$1" ] && [ "$(cat "$d/pair_end")" = "$2" ] && basename "$d"
	done
}

"$C" pair del tvsbench1 force >/dev/null 2>&1
"$C" pair del tvsbench2 force >/dev/null 2>&1
# shellcheck disable=SC2086
"$C" pair add tvsbench1 $PAIR_OPTS >/dev/null && "$C" pair add tvsbench2 $PAIR_OPTS >/dev/null || exit 1
waitfor 5 '[ -n "$(portof tvsbench1 a)" ] && [ -n "$(portof tvsbench2 a)" ]'
A1=/dev/$(portof tvsbench1 a)
A2=/dev/$(portof tvsbench2 a)
waitfor 5 '[ -c $A1 ] && [ -c $A2 ]'

# the ttyvs chain
bg "$C" bridge tvsbench1-b tcp-listen:127.0.0.1:4391 2>"$tmp/br1.log"
waitfor 10 'grep -q listening "$tmp/br1.log"'
bg "$C" bridge tvsbench2-b tcp:127.0.0.1:4391,retry=50 2>"$tmp/br2.log"
waitfor 10 'grep -q "connected to" "$tmp/br2.log"'

# the socat chain: each socat connects its TCP side first, then creates the
# pty (the link appears when the TCP connection is up)
bg socat tcp-listen:4392,bind=127.0.0.1,reuseaddr "pty,raw,echo=0,link=$tmp/s1" 2>"$tmp/socat1.log"
sleep 0.3
bg socat tcp:127.0.0.1:4392,retry=50,interval=0.1 "pty,raw,echo=0,link=$tmp/s2" 2>"$tmp/socat2.log"
waitfor 10 '[ -e "$tmp/s1" ] && [ -e "$tmp/s2" ]'

echo "$prog: bridge chain $A1 - $(cat /sys/class/tty/${A1#/dev/}/peer) = tcp 127.0.0.1:4391 = $(cat /sys/class/tty/${A2#/dev/}/peer) - $A2"
echo "$prog: socat chain $(readlink "$tmp/s1") - socat = tcp 127.0.0.1:4392 = socat - $(readlink "$tmp/s2")"
echo "$prog: pairs: ttyvsctl pair add NAME $PAIR_OPTS"
echo "$prog: load average $(cut -d' ' -f1-3 /proc/loadavg) (in the VM)"
"$B" --ref-a "$tmp/s1" --ref-b "$tmp/s2" --ref-name socat -a "$A1" -b "$A2" --name bridge "$@"
