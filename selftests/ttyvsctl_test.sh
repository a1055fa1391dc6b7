#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ttyvsctl end to end (TAP): pairs added, listed, shown, changed and
# deleted through the command; the kernel's messages and the exit codes
# of its error paths; JSON output; events seen by "ttyvsctl monitor".
#
# Run as root inside the test VM, with ttyvs loaded or loadable:
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/ttyvsctl_test.sh'
# Environment: TTYVSCTL (the binary, default helper/ttyvsctl), TTYVS_KO (the
# module, for the "module not loaded" case, which unloads and reloads it;
# TTYVS_NO_RMMOD=1 skips that case).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
C=${TTYVSCTL:-$root/helper/ttyvsctl}
ko=${TTYVS_KO:-$root/kmod/ttyvs.ko}
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
N=25

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

[ -x "$C" ] || skip_all "ttyvsctl not built ($C): make -C helper"
command -v python3 >/dev/null || skip_all "python3 missing"
[ "$(id -u)" = 0 ] || skip_all "needs root"
if [ ! -d /sys/module/ttyvs ]; then
	[ -r "$ko" ] && insmod "$ko" 2>/dev/null || skip_all "ttyvs module not loaded and $ko not loadable"
fi
"$C" pair list >/dev/null 2>&1 || skip_all "ttyvs has no netlink family (old module?)"

tmp=$(mktemp -d /tmp/ttyvsctl_test.XXXXXX) || exit 1
mon_pid=
mon2_pid=
cleanup() {
	for p in $mon_pid $mon2_pid; do kill -KILL "$p" 2>/dev/null; done
	for n in tvs_a tvs_b tvs_lb tvs_probe tvs_busy tvs_ev; do
		"$C" pair del "$n" force >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "1..$N"
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
	for f in out err; do
		[ -s "$tmp/$f" ] && cut -c1-300 "$tmp/$f" | sed "s/^/# $f: /"
	done
}

# run ARGS...: the command's output in $tmp/out, $tmp/err, status in $rc
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# check DESC CONDITION...: ok if the shell condition holds
check() {
	desc=$1
	shift
	if eval "$*"; then ok "$desc"; else not_ok "$desc (rc=$rc)"; fi
}

out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }
# alive PID: the process exists and is not a zombie waiting for "wait"
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# stop PID SIGNAL: send SIGNAL, give the process 30 s to exit, reap it;
# its exit status in $stop_rc. One that does not exit is reported with
# what it was doing (state, signal masks, kernel stack), killed, and
# stop_rc is 124: a failure, never a hang of the whole test.
stop() {
	kill -"$2" "$1" 2>/dev/null
	i=0
	while alive "$1" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive "$1"; then
		echo "# pid $1 did not exit within 30 s of SIG$2:"
		grep -E '^(Name|State|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt):' "/proc/$1/status" | sed 's/^/#   /'
		echo "#   wchan $(cat "/proc/$1/wchan" 2>/dev/null)"
		sed 's/^/#   stack /' "/proc/$1/stack" 2>/dev/null
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		stop_rc=124
		return
	fi
	wait "$1"
	stop_rc=$?
}

# json EXPR: python expression on the parsed stdout (d), true -> status 0
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1" 2>>"$tmp/err"
}

# 1-4: add, list, show
run "$C" pair add tvs_a
check "pair add NAME prints the new pair" '[ $rc = 0 ] && out_has "name tvs_a" && out_has " a ttyVS" && out_has " b ttyVS"'
id=$(sed -n 's/^pair \([0-9]*\) .*/\1/p' "$tmp/out")
pa=$(sed -n 's/^    a \(ttyVS[0-9]*\) .*/\1/p' "$tmp/out")
pb=$(sed -n 's/^    b \(ttyVS[0-9]*\) .*/\1/p' "$tmp/out")

run "$C" pair list
check "pair list shows it" '[ $rc = 0 ] && out_has "^$id  *tvs_a  *$pa<->$pb "'

run "$C" pair show "$id"
check "pair show ID == pair show NAME, with wiring" '[ $rc = 0 ] && out_has "wiring cts=rts,dsr=dtr,dcd=dtr,ri=off" &&
	"$C" pair show tvs_a | cmp -s - "$tmp/out"'

check "sysfs pair_name/pair_end of its ports" '[ "$(cat /sys/class/tty/$pa/pair_name)" = tvs_a ] &&
	[ "$(cat /sys/class/tty/$pa/pair_end)" = a ] && [ "$(cat /sys/class/tty/$pb/pair_end)" = b ]'

# 5-6: JSON
run "$C" -j pair list
check "-j pair list is JSON with the pair" '[ $rc = 0 ] && json "any(p[\"name\"] == \"tvs_a\" and [q[\"name\"] for q in p[\"ports\"]] == [\"$pa\", \"$pb\"] for p in d)"'
run "$C" -j pair show tvs_a
check "-j pair show is JSON" '[ $rc = 0 ] && json "d[\"id\"] == $id and d[\"ports\"][1][\"wiring\"] == {\"cts\": \"rts\", \"dsr\": \"dtr\", \"dcd\": \"dtr\", \"ri\": \"off\"}"'

# 7: duplicate name, with the kernel's message
run "$C" pair add tvs_a
check "duplicate name refused (exit 1) with the kernel's message" '[ $rc = 1 ] && err_has "already exists" && err_has "kernel says: ."'

# 8-9: set
run "$C" pair set tvs_a wiring-a 'cts=on,dsr=!open' wiring-b 'ri=~dtr' baud-emulation on buffer 16k
run2=$rc
run "$C" pair show tvs_a
check "pair set changes wiring (partial), baud emulation, buffer" '[ $run2 = 0 ] &&
	out_has "baud-emulation on buffer 16384" && out_has "a $pa open 0 wiring cts=on,dsr=!open,dcd=dtr,ri=off" &&
	out_has "b $pb open 0 wiring cts=rts,dsr=dtr,dcd=dtr,ri=!dtr"'
run "$C" pair set tvs_a buffer 12
check "out-of-range buffer: exit 1, kernel message names the attribute" '[ $rc = 1 ] && err_has "kernel says:" && err_has "pair-buf-size"'

# 10: loopback and named add with options
run "$C" pair add tvs_lb loopback wiring-a dcd=off
check "loopback pair has one port wired as asked" '[ $rc = 0 ] && out_has "loopback" && out_has "wiring cts=rts,dsr=dtr,dcd=off,ri=off" && ! out_has " b ttyVS"'

# 11: wiring given at creation drives the inputs at once
run "$C" pair add tvs_b wiring-b 'dcd=on,ri=!open,cts=off'
wb=$(sed -n 's/^    b \(ttyVS[0-9]*\) .*/\1/p' "$tmp/out")
run "$C" port show "$wb"
check "wiring-b at creation: end b sees DCD (on) and RI (!open) while nothing is open" '[ $rc = 0 ] && out_has "lines out - | in DCD RI\$"'
"$C" pair del tvs_b >/dev/null 2>&1

# 12: bad wiring specs are usage errors
bad=0
for spec in cts=xx foo=rts cts cts=rts,cts=dtr 'cts=rts,' '' 'dcd=!!open'; do
	run "$C" pair add tvs_b wiring-a "$spec"
	[ $rc = 2 ] || { bad=1; echo "# spec '$spec': rc $rc"; }
done
run "$C" pair show tvs_b
check "bad wiring specs: exit 2, nothing created" '[ $bad = 0 ] && [ $rc = 1 ]'

# 13-14: port show, human and JSON, after a program set the port up
python3 - "/dev/$pa" <<'PY' 2>"$tmp/err"
import os, sys, termios, fcntl, struct
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
a = termios.tcgetattr(fd)
a[4] = a[5] = termios.B115200
a[2] = (a[2] & ~(termios.CSIZE | termios.PARENB | termios.CSTOPB)) | termios.CS8 | termios.CRTSCTS
termios.tcsetattr(fd, termios.TCSANOW, a)
fcntl.ioctl(fd, termios.TIOCMBIC, struct.pack('i', termios.TIOCM_DTR))
PY
# termios persists after close; the lines dropped with HUPCL
run "$C" port show "/dev/$pa"
check "port show /dev/ttyVSn: termios summary, lines, counters" '[ $rc = 0 ] && out_has "^$pa: pair $id name tvs_a end a open 0" &&
	out_has "termios 115200 8N1 crtscts" && out_has "lines out - | in " && out_has "counters rx 0 tx 0"'
ln -s "/dev/$pa" "$tmp/link-a"
run "$C" port show "$tmp/link-a"
run2=$rc
grep -q "^$pa: " "$tmp/out" || run2=99
run "$C" -j port show "${pa#ttyVS}"
check "-j port show N is JSON; port show LINK follows the link" '[ $run2 = 0 ] && [ $rc = 0 ] && json "d[\"name\"] == \"$pa\" and d[\"pair_name\"] == \"tvs_a\" and d[\"termios\"][\"baud\"] == 115200 and d[\"termios\"][\"crtscts\"] is True"'

# 15: port list (dump) has every port of every pair
run "$C" -j pair list
cp "$tmp/out" "$tmp/pairs.json"
run "$C" -j port list
check "port list has every port of every pair" '[ $rc = 0 ] && python3 -c "import json, sys
want = [q[\"name\"] for p in json.load(open(sys.argv[1])) for q in p[\"ports\"]]
got = [q[\"name\"] for q in json.load(open(sys.argv[2]))]
print(\"# want\", *want); print(\"# got \", *got)
sys.exit(want != got)" "$tmp/pairs.json" "$tmp/out" >"$tmp/err"'

# 16-18: monitor, human and JSON, with a port open/lines/close sequence.
# A background command of a shell without job control starts with SIGINT
# ignored: the monitor must block it before that matters (helper/monitor.c).
# Every step that talks to the kernel has a time limit, so a monitor or
# port that does not answer fails these cases instead of hanging the test.
"$C" -j monitor >"$tmp/mon.json" 2>"$tmp/mon.err" &
mon_pid=$!
"$C" monitor timestamp >"$tmp/mon.txt" 2>&1 &
mon2_pid=$!
# both subscribed once a probe pair shows up in both
i=0
ready=0
while [ $i -lt 100 ]; do
	timeout 30 "$C" pair add tvs_probe >/dev/null 2>&1
	timeout 30 "$C" pair del tvs_probe >/dev/null 2>&1
	if grep -q tvs_probe "$tmp/mon.json" && grep -q tvs_probe "$tmp/mon.txt"; then
		ready=1
		break
	fi
	alive "$mon_pid" && alive "$mon2_pid" || break
	sleep 0.1
	i=$((i + 1))
done
[ $ready = 1 ] || echo "# the monitors did not report a probe pair after $i tries (alive: $(alive "$mon_pid" && echo -j) $(alive "$mon2_pid" && echo timestamp))"
timeout 30 "$C" pair add tvs_ev >/dev/null 2>&1
ev_a=$(timeout 30 "$C" -j pair show tvs_ev | python3 -c 'import json, sys; print(json.load(sys.stdin)["ports"][0]["name"])')
timeout 60 python3 - "/dev/$ev_a" <<'PY' 2>"$tmp/err"
import os, sys, time, termios, fcntl, struct
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
time.sleep(0.05)
a = termios.tcgetattr(fd)
a[4] = a[5] = termios.B57600
termios.tcsetattr(fd, termios.TCSANOW, a)
time.sleep(0.05)
fcntl.ioctl(fd, termios.TIOCMBIC, struct.pack('i', termios.TIOCM_RTS))
time.sleep(0.2)
termios.tcsendbreak(fd, 0)
time.sleep(0.05)
os.close(fd)
PY
ev_rc=$?
[ $ev_rc = 0 ] || echo "# the port sequence on /dev/$ev_a failed (rc $ev_rc$([ $ev_rc = 124 ] && echo ', timed out'))"
timeout 30 "$C" pair del tvs_ev >/dev/null 2>&1
sleep 0.5
stop "$mon_pid" INT
mon_rc=$stop_rc
mon_pid=
stop "$mon2_pid" TERM
mon2_rc=$stop_rc
mon2_pid=
cp "$tmp/mon.json" "$tmp/out"
: >"$tmp/err"
check "monitor -j: JSON lines, exits 0 on SIGINT" '[ $mon_rc = 0 ] && python3 -c "import json, sys; [json.loads(l) for l in open(sys.argv[1])]" "$tmp/mon.json" 2>"$tmp/err"'
python3 - "$tmp/mon.json" "$ev_a" >"$tmp/err" 2>&1 <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
port = sys.argv[2]
pair = [e["event"] for e in evs if e.get("pair", {}).get("name") == "tvs_ev"]
assert pair == ["pair-new", "pair-del"], pair
seq = [e for e in evs if e.get("port", {}).get("name") == port]
kinds = [e["event"] for e in seq]
assert kinds[0] == "port-open" and kinds[-1] == "port-close", kinds
for k in ("port-termios", "port-lines", "port-break"):
    assert k in kinds, (k, kinds)
t = [e for e in seq if e["event"] == "port-termios"][-1]
assert t["port"]["termios"]["baud"] == 57600, t
opened = [e for e in seq if e["event"] == "port-lines" and e["port"]["open_count"] == 1]
assert opened and "RTS" not in opened[-1]["port"]["lines_out"], opened
assert seq[-1]["port"]["open_count"] == 0
print("events:", " ".join(kinds))
PY
res=$?
cp "$tmp/mon.json" "$tmp/out"
check "monitor -j: pair-new/del and port open, termios, lines, break, close" '[ $res = 0 ]'
sed -n 's/^/# /p' "$tmp/err"
cp "$tmp/mon.txt" "$tmp/out"
: >"$tmp/err"
ts='^\[[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{6\}\] '
check "monitor timestamp: one line per event, exits 0 on SIGTERM" '[ $mon2_rc = 0 ] && out_has "${ts}pair-new pair [0-9]* name tvs_ev " &&
	out_has "${ts}port-open $ev_a pair" && out_has "${ts}port-close $ev_a pair" && out_has "${ts}pair-del pair [0-9]* name tvs_ev "'

# 19-20: busy pair: refused, then force hangs up the open fd
python3 - "/dev/$pb" "$C" >"$tmp/out" 2>"$tmp/err" <<'PY'
import errno, os, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
r1 = subprocess.run([sys.argv[2], "pair", "del", "tvs_a"], capture_output=True, text=True)
print("del rc", r1.returncode, r1.stderr.strip())
r2 = subprocess.run([sys.argv[2], "pair", "del", "tvs_a", "force"], capture_output=True, text=True)
print("force rc", r2.returncode, r2.stderr.strip())
try:
    rd = os.read(fd, 1)
    print("read", "eof" if rd == b"" else rd)
except OSError as e:
    print("read", errno.errorcode[e.errno])
try:
    os.write(fd, b"x")
    print("write ok")
except OSError as e:
    print("write", errno.errorcode[e.errno])
os.close(fd)
PY
check "pair del of an open pair: exit 1, says in use and how to force" 'out_has "^del rc 1 .*in use.*force.*kernel says: ."'
check "pair del force: exit 0, the open fd is hung up" 'out_has "^force rc 0" && { out_has "^read eof" || out_has "^read EIO"; } && out_has "^write EIO"'

# 21: gone
run "$C" pair show tvs_a
check "deleted pair: show fails (exit 1, does not exist)" '[ $rc = 1 ] && err_has "does not exist"'

# 22: unprivileged
bad=0
for cmd in "pair add tvs_b" "pair del tvs_lb" "pair set tvs_lb buffer 4096"; do
	run $NOBODY "$C" $cmd
	{ [ $rc = 4 ] && err_has "needs CAP_NET_ADMIN (run as root)"; } || { bad=1; echo "# $cmd: rc $rc"; }
done
run $NOBODY "$C" -j pair list
check "unprivileged: add/del/set exit 4 with the CAP_NET_ADMIN message, list works" '[ $bad = 0 ] && [ $rc = 0 ] && json "any(p[\"name\"] == \"tvs_lb\" for p in d)"'

# 23: usage
run "$C" pair frobnicate
rc1=$rc
run "$C" help pair add
check "usage errors exit 2, help exits 0" '[ $rc1 = 2 ] && [ $rc = 0 ] && out_has "wiring-a SPEC"'

# 24: a pair re-created on the minor of one whose user cleared CLOCAL starts
# from the driver's termios (CLOCAL, 9600), so a blocking open does not wait
# for a carrier nobody raises. The tty core of 6.12 and later kept the
# termios it saved at the last close: the open hung this test in the full
# suite after ioctl_fuzz had left CLOCAL off on its pair's minors.
run "$C" pair add tvs_b
ra=$(sed -n 's/^    a \(ttyVS[0-9]*\) .*/\1/p' "$tmp/out")
timeout 30 python3 - "/dev/$ra" <<'PY' >"$tmp/out" 2>"$tmp/err"
import os, sys, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
a = termios.tcgetattr(fd)
a[2] &= ~termios.CLOCAL
a[4] = a[5] = termios.B1200
termios.tcsetattr(fd, termios.TCSANOW, a)
os.close(fd)
PY
"$C" pair del tvs_b >/dev/null 2>&1
run "$C" pair add tvs_b
rb=$(sed -n 's/^    a \(ttyVS[0-9]*\) .*/\1/p' "$tmp/out")
timeout 30 python3 - "/dev/$rb" <<'PY' >"$tmp/out" 2>"$tmp/err"
import os, sys, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
a = termios.tcgetattr(fd)
os.close(fd)
print("clocal", 1 if a[2] & termios.CLOCAL else 0, "speed", 9600 if a[5] == termios.B9600 else a[5])
PY
rc=$?
echo "# $ra (CLOCAL cleared, 1200) -> pair re-created: $rb: $(cat "$tmp/out")$([ $rc = 124 ] && echo 'blocking open timed out')"
check "a re-created pair's port opens at once with the default termios (CLOCAL, 9600)" '[ $rc = 0 ] && out_has "^clocal 1 speed 9600"'
"$C" pair del tvs_b >/dev/null 2>&1

# 25: module not loaded (unloads and reloads ttyvs)
"$C" pair del tvs_lb >/dev/null 2>&1
if [ -n "$TTYVS_NO_RMMOD" ]; then
	t=$((t + 1)); echo "ok $t - module not loaded: exit 3 # SKIP TTYVS_NO_RMMOD is set"
elif [ ! -r "$ko" ]; then
	t=$((t + 1)); echo "ok $t - module not loaded: exit 3 # SKIP no $ko to reload"
elif ! rmmod ttyvs 2>/dev/null; then
	t=$((t + 1)); echo "ok $t - module not loaded: exit 3 # SKIP rmmod ttyvs failed (in use)"
else
	run "$C" pair list
	rc1=$rc
	cp "$tmp/err" "$tmp/err1"
	run "$C" monitor
	insmod "$ko"
	check "module not loaded: exit 3 with the modprobe hint" '[ $rc1 = 3 ] && [ $rc = 3 ] &&
		grep -q "ttyvs module not loaded (modprobe ttyvs)" "$tmp/err1" && err_has "modprobe ttyvs"'
fi

[ $t = $N ] || { echo "# ran $t tests, planned $N"; failed=$((failed + 1)); }
echo "# $((t - failed)) passed, $failed failed"
[ $failed = 0 ]
