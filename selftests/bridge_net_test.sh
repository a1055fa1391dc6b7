#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two "computers" joined by ttyvsctl bridges over a network (TAP): two
# network namespaces (tvsc1, tvsc2) linked by a veth pair, each with its
# own ttyvs pair (tvsn1, tvsn2) and its own bridge on the pair's b end;
# the applications (a python3 helper) use the a ends.
#
#   app1 - tvsn1-a = tvsn1-b - bridge (tvsc1, 10.231.7.1)
#                                 | TCP / RFC 2217 over veth
#   app2 - tvsn2-a = tvsn2-b - bridge (tvsc2, 10.231.7.2)
#
# Over TCP: data both ways (sha256), modem lines following the connection
# only (plain TCP carries no lines), faults: the remote bridge stopped and
# restarted (reconnect, data again), the local bridge killed with SIGKILL
# and restarted under the application's open fd, a 16 MiB transfer with
# CRTSCTS on both applications across an outage of the remote bridge
# (complete, sha256 equal), and a TCP peer that half-closes (everything it
# sent reaches the application before the bridge drops the lines).
# Over RFC 2217 (rfc2217-listen on computer 1, rfc2217 client on computer
# 2): data both ways, DTR -> DSR/DCD and RTS -> CTS across, break across,
# the application's speed on computer 2 appearing on computer 1's
# application end; skipped while the helper has no rfc2217 backend.
#
# Run as root inside the test VM with ttyvs loaded:
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/bridge_net_test.sh'
# Environment: TTYVSCTL (the binary, default helper/ttyvsctl),
# BRIDGE_TEST_SIZE (bytes of the data transfers, default 128 KiB),
# BRIDGE_NET_OUTAGE_SIZE (bytes of the outage transfer, default 16 MiB),
# TTYVS_SLOW (timeouts x this factor).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
C=${TTYVSCTL:-$root/helper/ttyvsctl}
SIZE=${BRIDGE_TEST_SIZE:-131072}
OSIZE=${BRIDGE_NET_OUTAGE_SIZE:-16777216}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# the test kernel's slowness factor (see run_tests.sh): scales the timeouts
SLOW=${TTYVS_SLOW:-1}
case $SLOW in
'' | 0 | *[!0-9]*) SLOW=1 ;;
esac
NS1=tvsc1
NS2=tvsc2
IP1=10.231.7.1
IP2=10.231.7.2
N=27

echo "TAP version 13"
t_start=$(date +%s)

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

[ -x "$C" ] || skip_all "ttyvsctl not built ($C): make -C helper"
command -v "$PY" >/dev/null || skip_all "python3 missing"
# no site packages: the helper needs none, and starts faster under TCG
PY="$PY -S"
command -v sha256sum >/dev/null || skip_all "sha256sum missing"
command -v ip >/dev/null || skip_all "ip (iproute2) missing"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /sys/module/ttyvs ] || skip_all "ttyvs module not loaded (insmod kmod/ttyvs.ko)"

tmp=$(mktemp -d /tmp/bridge_net_test.XXXXXX) || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	ip netns del $NS1 2>/dev/null
	ip netns del $NS2 2>/dev/null
	"$C" pair del tvsn1 force >/dev/null 2>&1
	"$C" pair del tvsn2 force >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the two computers -----------------------------------------------------------
ip netns del $NS1 2>/dev/null
ip netns del $NS2 2>/dev/null
# rtnetlink does not load veth by itself in the test VM: do it here
modprobe veth 2>/dev/null
if ! ip link add tvsv1 type veth peer name tvsv2 2>"$tmp/ip.txt"; then
	skip_all "cannot create a veth pair: $(head -n 1 "$tmp/ip.txt") (CONFIG_VETH?)"
fi
if ! { ip netns add $NS1 && ip netns add $NS2 &&
	ip link set tvsv1 netns $NS1 && ip link set tvsv2 netns $NS2 &&
	ip -n $NS1 addr add $IP1/24 dev tvsv1 && ip -n $NS2 addr add $IP2/24 dev tvsv2 &&
	ip -n $NS1 link set tvsv1 up && ip -n $NS2 link set tvsv2 up &&
	ip -n $NS1 link set lo up && ip -n $NS2 link set lo up; } 2>"$tmp/ip.txt"; then
	ip link del tvsv1 2>/dev/null
	skip_all "cannot set up network namespaces: $(head -n 1 "$tmp/ip.txt") (CONFIG_NET_NS?)"
fi

"$C" pair del tvsn1 force >/dev/null 2>&1
"$C" pair del tvsn2 force >/dev/null 2>&1
"$C" pair add tvsn1 >"$tmp/pair.txt" 2>&1 && "$C" pair add tvsn2 >>"$tmp/pair.txt" 2>&1 ||
	skip_all "cannot create pairs: $(head -n 1 "$tmp/pair.txt")"

portof() {	# portof NAME END: ttyVSn of that end of the named pair
	for f in /sys/class/tty/ttyVS*/pair_name; do
		d=${f%/pair_name}
		[ "$(cat "$f")" = "$1" ] && [ "$(cat "$d/pair_end")" = "$2" ] && basename "$d"
	done
}
i=0
while { [ -z "$APP1" ] || [ -z "$APP2" ] || [ ! -c "/dev/$APP1" ] || [ ! -c "/dev/$APP2" ]; } &&
	[ $i -lt 50 ]; do
	APP1=$(portof tvsn1 a)
	APP2=$(portof tvsn2 a)
	sleep 0.1
	i=$((i + 1))
done
[ -c "/dev/$APP1" ] && [ -c "/dev/$APP2" ] || skip_all "device nodes of tvsn1/tvsn2 missing"
BR1=$(cat /sys/class/tty/$APP1/peer)
BR2=$(cat /sys/class/tty/$APP2/peer)

# The application: a python3 helper on the tty (raw; CLOCAL unless told).
cat >"$tmp/app.py" <<'EOF'
import errno, fcntl, os, select, struct, sys, termios, time, tty

TIOCGICOUNT = 0x545D

def opentty(dev, clocal=True, crtscts=False):
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    t = termios.tcgetattr(fd)
    t[2] |= termios.CREAD
    if clocal:
        t[2] |= termios.CLOCAL
    else:
        t[2] &= ~termios.CLOCAL
    if crtscts:
        t[2] |= termios.CRTSCTS
    else:
        t[2] &= ~termios.CRTSCTS
    termios.tcsetattr(fd, termios.TCSANOW, t)
    return fd

def mget(fd):
    return struct.unpack('i', fcntl.ioctl(fd, termios.TIOCMGET, struct.pack('i', 0)))[0]

def lines(fd):
    v = mget(fd)
    names = [('DSR', termios.TIOCM_DSR), ('CD', termios.TIOCM_CD), ('CTS', termios.TIOCM_CTS)]
    return [n for n, b in names if v & b]

def ready(path):
    open(path, 'w').close()

def opts(i):
    return sys.argv[i].split(',') if len(sys.argv) > i else []

cmd, dev = sys.argv[1], '/dev/' + sys.argv[2]
if cmd == 'recv':
    # recv DEV OUT NBYTES STALL READY [crtscts,noclocal]: read NBYTES into OUT,
    # giving up after STALL s without data (noclocal: or at the hangup);
    # also counts the bytes read after CD was first seen falling (-1: CD was
    # up until the last byte)
    out, n, stall = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    o = opts(7)
    fd = opentty(dev, clocal='noclocal' not in o, crtscts='crtscts' in o)
    ready(sys.argv[6])
    got = 0
    hup = False
    cd_up, after_cd = False, -1
    t0 = last = time.time()
    with open(out, 'wb') as f:
        while got < n and time.time() < last + stall:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            try:
                d = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                d = b''
            if not d:
                hup = True
                break
            f.write(d)
            got += len(d)
            last = time.time()
            if after_cd >= 0:
                after_cd += len(d)
            elif mget(fd) & termios.TIOCM_CD:
                cd_up = True
            elif cd_up:
                after_cd = 0
    print('received %d%s%s in %.1f s, %d after CD fell' % (got, ' hangup' if hup else '',
          ' (stalled %d s)' % stall if got < n and not hup else '', time.time() - t0, after_cd))
    sys.exit(0 if got == n else 1)
elif cmd == 'send':
    # send DEV FILE HOLD READY [crtscts]: write FILE, stay open HOLD s
    data = open(sys.argv[3], 'rb').read()
    hold = float(sys.argv[4])
    fd = opentty(dev, crtscts='crtscts' in opts(6))
    ready(sys.argv[5])
    off = 0
    while off < len(data):
        try:
            off += os.write(fd, data[off:off + 65536])
        except BlockingIOError:
            select.select([], [fd], [], 1)
    print('sent %d' % off)
    sys.stdout.flush()
    time.sleep(hold)
elif cmd == 'lines':
    # no termios change: another opener's settings must stay as they are
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    print(' '.join(lines(fd)) or 'none')
elif cmd == 'hold':
    # hold DEV CMDFILE READY: keep the tty open (CLOCAL) and obey one-line
    # commands written to CMDFILE: "dtr 0|1", "rts 0|1", "baud N", "break",
    # "exit"; each is acknowledged by creating CMDFILE.done
    cf = sys.argv[3]
    fd = opentty(dev)
    ready(sys.argv[4])
    while True:
        try:
            c = open(cf).read().split()
        except FileNotFoundError:
            time.sleep(0.05)
            continue
        os.unlink(cf)
        if not c:
            continue
        if c[0] in ('dtr', 'rts'):
            bit = termios.TIOCM_DTR if c[0] == 'dtr' else termios.TIOCM_RTS
            req = termios.TIOCMBIS if c[1] == '1' else termios.TIOCMBIC
            fcntl.ioctl(fd, req, struct.pack('i', bit))
        elif c[0] == 'baud':
            t = termios.tcgetattr(fd)
            sp = getattr(termios, 'B' + c[1])
            t[4] = t[5] = sp
            termios.tcsetattr(fd, termios.TCSANOW, t)
        elif c[0] == 'break':
            termios.tcsendbreak(fd, 0)
        ready(cf + '.done')
        if c[0] == 'exit':
            break
elif cmd == 'breaks':
    # breaks DEV: the break counter of the port (TIOCGICOUNT)
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    ic = struct.unpack('20i', fcntl.ioctl(fd, TIOCGICOUNT, b'\0' * 80))
    print(ic[9])
elif cmd == 'halfclose':
    # halfclose DEV(unused) HOST PORT FILE OUT: connect, send FILE, shut
    # down the write side, then read until EOF into OUT
    import socket
    host, port, data, out = sys.argv[3], int(sys.argv[4]), open(sys.argv[5], 'rb').read(), sys.argv[6]
    s = socket.create_connection((host, port), timeout=60)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t0 = time.time()
    with open(out, 'wb') as f:
        while True:
            d = s.recv(65536)
            if not d:
                break
            f.write(d)
    print('peer: sent %d, EOF after %.1f s' % (len(data), time.time() - t0))
EOF

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
	for f in "$tmp"/*.log "$tmp"/*.txt; do
		[ -s "$f" ] && tail -n 8 "$f" | cut -c1-300 | sed "s|^|# $(basename "$f"): |"
	done
}

skip() {
	t=$((t + 1))
	echo "ok $t - $1 # SKIP $2"
}

# check DESC CONDITION...
check() {
	desc=$1
	shift
	if eval "$*"; then ok "$desc"; else not_ok "$desc"; fi
}

# bg CMD...: start in the background, remember the pid in $last
bg() {
	"$@" &
	last=$!
	pids="$pids $last"
}

# stop PID...: kill and reap
stop() {
	for p in "$@"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# wait_until SECONDS CONDITION...: poll every 0.1 s
wait_until() {
	w_end=$(($1 * 10 * SLOW))
	shift
	w_i=0
	while [ $w_i -lt $w_end ]; do
		eval "$*" && return 0
		sleep 0.1
		w_i=$((w_i + 1))
	done
	return 1
}

begin() {
	rm -f "$tmp"/*.txt "$tmp"/out* "$tmp"/ready*
}

# count LOG PATTERN: matching lines in a bridge log
count() { grep -c -- "$2" "$tmp/$1" 2>/dev/null; }
same() { [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]; }
size_of() { wc -c <"$1" | tr -d ' '; }

# The bridges: computer 1 listens, computer 2 connects. bridge1/bridge2
# BACKEND start one (pid in $br1 / $br2), logging to br1.log / br2.log.
bridge1() {
	bg ip netns exec $NS1 "$C" bridge "$BR1" "$1" 2>>"$tmp/br1.log"
	br1=$last
}
bridge2() {
	bg ip netns exec $NS2 "$C" bridge "$BR2" "$1" 2>>"$tmp/br2.log"
	br2=$last
}

# linked N: wait until computer 2 has connected N times in all and
# computer 1 has seen N clients
linked() {
	l_n=$1
	wait_until 30 '[ "$(count br2.log " connected to ")" -ge $l_n ] && [ "$(count br1.log "client [^ ]* connected")" -ge $l_n ]'
}

# recv APP OUT NBYTES [OPTS]: application reader in the background ($rpid)
recv() {
	a_r=$tmp/ready.r$1
	rm -f "$a_r"
	bg $PY "$tmp/app.py" recv "$1" "$2" "$3" $((60 * SLOW)) "$a_r" "${4:-}" >"$tmp/recv_$1.txt"
	rpid=$last
	wait_until 5 '[ -e "$a_r" ]'
}

# send APP FILE HOLD [OPTS]: application writer in the background ($spid)
send() {
	a_r=$tmp/ready.s$1
	rm -f "$a_r"
	bg $PY "$tmp/app.py" send "$1" "$2" "$3" "$a_r" "${4:-}" >"$tmp/send_$1.txt"
	spid=$last
	wait_until 5 '[ -e "$a_r" ]'
}

# hold APP: an application holding its tty open, driven by do_cmd ($hpid)
hold() {
	a_r=$tmp/ready.h$1
	rm -f "$a_r" "$tmp/cmd.$1"*
	bg $PY "$tmp/app.py" hold "$1" "$tmp/cmd.$1" "$a_r"
	hpid=$last
	wait_until 5 '[ -e "$a_r" ]'
}
# do_cmd APP COMMAND: one command to the holder of APP, waits for its ack
do_cmd() {
	a_r=$tmp/cmd.$1
	rm -f "$a_r.done"
	echo "$2" >"$a_r.new" && mv "$a_r.new" "$a_r"
	wait_until 10 '[ -e "$a_r.done" ]'
}

# lines PORT: the DSR, CD, CTS that PORT sees ("DSR CD CTS" ... "none"), as
# the driver reports them (ttyvsctl starts much faster than python in TCG)
lines() {
	l_in=" $("$C" port show "$1" 2>/dev/null | sed -n 's/^ *lines out .* | in //p') "
	l_out=
	case $l_in in *" DSR "*) l_out="$l_out DSR" ;; esac
	case $l_in in *" DCD "*) l_out="$l_out CD" ;; esac
	case $l_in in *" CTS "*) l_out="$l_out CTS" ;; esac
	echo "${l_out# }" | sed 's/^$/none/'
}
# breaks PORT: breaks PORT has received
breaks() { "$C" port show "$1" 2>/dev/null | sed -n 's/.* brk \([0-9][0-9]*\).*/\1/p'; }
# lines_are APP WANT: wait (up to 10 s) for APP's DSR/CD/CTS to be WANT
lines_are() {
	l_p=$1
	l_w=$2
	wait_until 10 '[ "$(lines "$l_p")" = "$l_w" ]'
}

head -c "$SIZE" /dev/urandom >"$tmp/in1.bin"
head -c "$SIZE" /dev/urandom >"$tmp/in2.bin"
head -c 65536 /dev/urandom >"$tmp/small.bin"

# ---- TCP: data both ways -----------------------------------------------------------
begin
bridge1 tcp-listen:$IP1:4201
bridge2 tcp:$IP1:4201,retry=100
linked 1
check "tcp: computer 2's bridge connects to computer 1's over the veth link" \
	'[ "$(count br1.log "client $IP2:[0-9]* connected")" = 1 ]'

recv $APP2 "$tmp/out2" "$SIZE"
send $APP1 "$tmp/in1.bin" 1
wait "$rpid"
echo "# $(cat "$tmp/recv_$APP2.txt")"
check "tcp: $SIZE bytes app 1 -> app 2, sha256 equal" same "$tmp/in1.bin" "$tmp/out2"
stop "$spid"

recv $APP1 "$tmp/out1" "$SIZE"
send $APP2 "$tmp/in2.bin" 1
wait "$rpid"
check "tcp: $SIZE bytes app 2 -> app 1, sha256 equal" same "$tmp/in2.bin" "$tmp/out1"
stop "$spid"

recv $APP1 "$tmp/out1" "$SIZE"
r1=$rpid
recv $APP2 "$tmp/out2" "$SIZE"
r2=$rpid
send $APP1 "$tmp/in1.bin" 1
s1=$spid
send $APP2 "$tmp/in2.bin" 1
s2=$spid
wait "$r1"
wait "$r2"
check "tcp: $SIZE bytes each way at once, both sha256 equal" \
	'same "$tmp/in2.bin" "$tmp/out1" && same "$tmp/in1.bin" "$tmp/out2"'
stop "$s1" "$s2"

# ---- TCP: modem lines follow the connection only ----------------------------------
begin
hold $APP1
h1=$hpid
hold $APP2
h2=$hpid
lines_are $APP1 "DSR CD CTS"
lines_are $APP2 "DSR CD CTS"
check "tcp lines: both applications see DSR, CD, CTS while the bridges are linked" \
	'[ "$(lines $APP1)" = "DSR CD CTS" ] && [ "$(lines $APP2)" = "DSR CD CTS" ]'
do_cmd $APP1 "dtr 0"
do_cmd $APP1 "rts 0"
sleep 1
check "tcp lines: app 1 dropping DTR and RTS does not reach app 2 (plain TCP carries no lines)" \
	'[ "$(lines $APP2)" = "DSR CD CTS" ]'
do_cmd $APP1 "dtr 1"
do_cmd $APP1 "rts 1"

# ---- TCP: the remote bridge stops and comes back ----------------------------------
stop "$br2"
lines_are $APP1 none
check "tcp fault: remote bridge stopped: app 1's DSR, CD, CTS fall" '[ "$(lines $APP1)" = none ]'
check "tcp fault: remote bridge stopped: app 2's fall too (its bridge closed its end)" \
	'lines_are $APP2 none'
bridge2 tcp:$IP1:4201,retry=100
linked 2
lines_are $APP1 "DSR CD CTS"
check "tcp fault: remote bridge restarted: reconnected, lines up again on both" \
	'[ "$(lines $APP1)" = "DSR CD CTS" ] && [ "$(lines $APP2)" = "DSR CD CTS" ] && kill -0 $br1'
recv $APP2 "$tmp/out2" 65536
send $APP1 "$tmp/small.bin" 0.5
wait "$rpid"
stop "$spid"
recv $APP1 "$tmp/out1" 65536
send $APP2 "$tmp/small.bin" 0.5
wait "$rpid"
stop "$spid"
check "tcp fault: after the reconnect data flows both ways (sha256 equal)" \
	'same "$tmp/small.bin" "$tmp/out1" && same "$tmp/small.bin" "$tmp/out2"'

# ---- TCP: the local bridge killed with SIGKILL and restarted ------------------------
# app 1 keeps its tty open (the holder and a reader) through the kill
recv $APP1 "$tmp/out1" 65536
r1=$rpid
kill -9 "$br1"
wait "$br1" 2>/dev/null
lines_are $APP1 none
check "tcp fault: local bridge SIGKILLed: app 1's lines fall, its fd stays open" \
	'[ "$(lines $APP1)" = none ] && kill -0 $r1 && kill -0 $h1'
bridge1 tcp-listen:$IP1:4201
linked 3
lines_are $APP1 "DSR CD CTS"
send $APP2 "$tmp/small.bin" 0.5
wait "$r1"
rc=$?
stop "$spid"
check "tcp fault: local bridge restarted: the open fd of app 1 gets data again (sha256 equal)" \
	'[ $rc = 0 ] && same "$tmp/small.bin" "$tmp/out1"'
recv $APP2 "$tmp/out2" 65536
do_cmd $APP1 "exit"
send $APP1 "$tmp/small.bin" 0.5
wait "$rpid"
stop "$spid"
check "tcp fault: local bridge restarted: app 1 -> app 2 again, remote bridge still running" \
	'same "$tmp/small.bin" "$tmp/out2" && kill -0 $br2'
stop "$h1" "$h2"

# ---- TCP: a 16 MiB transfer with CRTSCTS across an outage ---------------------------
begin
head -c "$OSIZE" /dev/urandom >"$tmp/big.bin"
recv $APP2 "$tmp/out2" "$OSIZE" crtscts
r2=$rpid
send $APP1 "$tmp/big.bin" 1 crtscts
s1=$spid
wait_until 300 '[ "$(size_of "$tmp/out2")" -ge $((OSIZE / 4)) ]'
at=$(size_of "$tmp/out2")
stop "$br2"
wait_until 10 '[ "$(lines $APP1)" = none ]'
down=$(lines $APP1)
sleep 3	# an outage of some seconds, with the sender blocked on CTS
bridge2 tcp:$IP1:4201,retry=100
wait "$r2"
rc=$?
stop "$s1"
echo "# outage at $at bytes; app 1 saw \"$down\" during it; $(cat "$tmp/recv_$APP2.txt")"
check "tcp outage: CTS of the sender fell while the remote bridge was down" '[ "$down" = none ]'
check "tcp outage: $OSIZE bytes with CRTSCTS across a remote bridge restart, complete, sha256 equal" \
	'[ $rc = 0 ] && same "$tmp/big.bin" "$tmp/out2"'
rm -f "$tmp/big.bin" "$tmp/out2"
stop "$br1" "$br2"

# ---- TCP: a peer that half-closes ------------------------------------------------------
# The peer sends, then shuts down its write side and waits: everything it
# sent reaches the application, and DCD falls only when the bridge has
# given it all to the tty: what the application reads after that is at
# most what the pair and its line discipline hold (8 + 4 KiB; a bridge
# that dropped the lines at the peer's EOF left up to its 64 KiB ring to
# come after). With CLOCAL clear, what is unread at the hangup is lost, as
# on a real modem line, so the application keeps CLOCAL set here.
begin
bridge1 tcp-listen:$IP1:4202
wait_until 5 '[ "$(count br1.log "listening on $IP1:4202")" -ge 1 ]'
recv $APP1 "$tmp/out1" "$SIZE"
bg ip netns exec $NS2 $PY "$tmp/app.py" halfclose - $IP1 4202 "$tmp/in1.bin" "$tmp/out.peer" >"$tmp/peer.txt"
pc=$last
wait "$rpid"
rc=$?
wait_until 20 '! kill -0 $pc 2>/dev/null'
echo "# $(cat "$tmp/recv_$APP1.txt")"
check "half-close: all $SIZE bytes reach the application, sha256 equal" \
	'[ $rc = 0 ] && same "$tmp/in1.bin" "$tmp/out1"'
after=$(sed -n 's/.*, \(-*[0-9]*\) after CD fell$/\1/p' "$tmp/recv_$APP1.txt")
check "half-close: DCD falls only once the bridge has given it all to the tty ($after bytes read after)" \
	'[ -n "$after" ] && [ "$after" -le 16384 ]'
check "half-close: then the bridge closes the connection (the peer reads EOF)" \
	'! kill -0 $pc 2>/dev/null && grep -q "EOF after" "$tmp/peer.txt" && [ "$(count br1.log "client $IP2:[0-9]* disconnected")" -ge 1 ]'
stop "$br1"

# ---- RFC 2217 ----------------------------------------------------------------------------
rfc_cases=9
if ! "$C" bridge --help 2>&1 | grep -q rfc2217; then
	i=0
	while [ $i -lt $rfc_cases ]; do
		not_ok "rfc2217 case $((i + 1)): ttyvsctl bridge has no rfc2217 backend"
		i=$((i + 1))
	done
else
	begin
	bridge1 rfc2217-listen:$IP1:4203
	bridge2 rfc2217:$IP1:4203,retry=100
	linked 1
	recv $APP2 "$tmp/out2" "$SIZE"
	send $APP1 "$tmp/in1.bin" 1
	wait "$rpid"
	check "rfc2217: $SIZE bytes app 1 -> app 2, sha256 equal" same "$tmp/in1.bin" "$tmp/out2"
	stop "$spid"
	recv $APP1 "$tmp/out1" "$SIZE"
	send $APP2 "$tmp/in2.bin" 1
	wait "$rpid"
	check "rfc2217: $SIZE bytes app 2 -> app 1, sha256 equal" same "$tmp/in2.bin" "$tmp/out1"
	stop "$spid"

	# lines: app 2 (the client's side) drives DTR/RTS through the server
	hold $APP1
	h1=$hpid
	hold $APP2
	h2=$hpid
	lines_are $APP1 "DSR CD CTS"
	do_cmd $APP2 "dtr 0"
	lines_are $APP1 "CTS"
	check "rfc2217: app 2 drops DTR -> app 1's DSR and CD fall, CTS stays" \
		'[ "$(lines $APP1)" = CTS ]'
	do_cmd $APP2 "rts 0"
	lines_are $APP1 none
	check "rfc2217: app 2 drops RTS -> app 1's CTS falls" '[ "$(lines $APP1)" = none ]'
	do_cmd $APP2 "dtr 1"
	do_cmd $APP2 "rts 1"
	lines_are $APP1 "DSR CD CTS"
	check "rfc2217: app 2 raises DTR and RTS -> app 1 sees DSR, CD, CTS" \
		'[ "$(lines $APP1)" = "DSR CD CTS" ]'
	# and the other way: app 1's lines reach the client as NOTIFY-MODEMSTATE
	do_cmd $APP1 "dtr 0"
	do_cmd $APP1 "rts 0"
	lines_are $APP2 none
	check "rfc2217: app 1 drops DTR and RTS -> app 2's DSR, CD, CTS fall" \
		'[ "$(lines $APP2)" = none ]'
	do_cmd $APP1 "dtr 1"
	do_cmd $APP1 "rts 1"
	lines_are $APP2 "DSR CD CTS"
	check "rfc2217: app 1 raises them again -> app 2 sees DSR, CD, CTS" \
		'[ "$(lines $APP2)" = "DSR CD CTS" ]'

	b0=$(breaks $APP1)
	do_cmd $APP2 "break"
	wait_until 10 '[ "$(breaks $APP1)" -gt "${b0:-0}" ]'
	check "rfc2217: a break from app 2 arrives at app 1" '[ -n "$b0" ] && [ "$(breaks $APP1)" -gt "$b0" ]'

	# the client's application end sets the speed of the server's port
	do_cmd $APP2 "baud 57600"
	wait_until 10 'stty -F /dev/$BR1 2>/dev/null | grep -q "speed 57600 baud"'
	check "rfc2217: app 2 sets 57600 baud -> computer 1's port (app 1's peer) runs at 57600" \
		'stty -F /dev/$BR1 2>/dev/null | grep -q "speed 57600 baud"'
	do_cmd $APP2 "exit"
	do_cmd $APP1 "exit"
	stop "$h1" "$h2" "$br1" "$br2"
fi

echo "# $failed of $t failed in $(($(date +%s) - t_start)) s"
[ "$t" = "$N" ] || { echo "# planned $N tests, ran $t"; exit 1; }
[ "$failed" = 0 ]
