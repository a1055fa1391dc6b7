#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ttyvsctl bridge end to end (TAP): each backend against a real peer
# (socat), data both ways checked by sha256, DSR/DCD/CTS of the
# application end following the connection (and a hangup with CLOCAL
# clear), refuse and replace policies, reconnect of the TCP client,
# backpressure with a slow network reader; the daemon: pairs created from
# its config, bridges following pair deletion and re-creation, SIGHUP
# reload, SIGKILL and restart under an open application tty, bad config
# lines; telnet (IAC escaping, breaks both ways) and RFC 2217 (the server
# against pyserial, the client against the helper's server and ser2net:
# termios, DTR/RTS, modem state, breaks, data), a hostile telnet peer.
# Loopback addresses only.
#
# The bridge runs on ttyVS1 (or on NAME-b of a named pair), the
# "application" (a python3 helper) on ttyVS0.
#
# Run as root inside the test VM with ttyvs loaded:
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/bridge_test.sh'
# Environment: TTYVSCTL (the binary, default helper/ttyvsctl),
# BRIDGE_TEST_SIZE (bytes of the bulk transfers, default 1 MiB).
# Exit status: 0 all passed, 1 something failed, 4 skipped.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
C=${TTYVSCTL:-$root/helper/ttyvsctl}
SIZE=${BRIDGE_TEST_SIZE:-1048576}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
APP=ttyVS0
BR=ttyVS1
N=84

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

[ -x "$C" ] || skip_all "ttyvsctl not built ($C): make -C helper"
command -v socat >/dev/null || skip_all "socat missing (apt-get install socat)"
command -v "$PY" >/dev/null || skip_all "python3 missing"
command -v sha256sum >/dev/null || skip_all "sha256sum missing"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /sys/module/ttyvs ] || skip_all "ttyvs module not loaded (insmod kmod/ttyvs.ko)"
[ -c /dev/$APP ] && [ -c /dev/$BR ] || skip_all "/dev/$APP and /dev/$BR missing (pairs=0?)"

tmp=$(mktemp -d /tmp/bridge_test.XXXXXX) || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for n in tvsbr tvsd1 tvsd2 tvsrfc; do
		"$C" pair del $n force >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The application: a python3 helper on the tty (raw, CLOCAL unless told).
cat >"$tmp/app.py" <<'EOF'
import errno, fcntl, os, select, struct, sys, termios, time, tty

def opentty(dev, clocal=True):
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    t = termios.tcgetattr(fd)
    t[2] |= termios.CREAD
    if clocal:
        t[2] |= termios.CLOCAL
    else:
        t[2] &= ~termios.CLOCAL
    termios.tcsetattr(fd, termios.TCSANOW, t)
    return fd

def lines(fd):
    v = struct.unpack('i', fcntl.ioctl(fd, termios.TIOCMGET, struct.pack('i', 0)))[0]
    names = [('DSR', termios.TIOCM_DSR), ('CD', termios.TIOCM_CD), ('CTS', termios.TIOCM_CTS)]
    return [n for n, b in names if v & b]

def ready(path):
    open(path, 'w').close()

cmd, dev = sys.argv[1], '/dev/' + sys.argv[2]
if cmd == 'recv':
    # recv DEV OUT NBYTES TIMEOUT READY: read NBYTES into OUT
    out, n, timeout = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    fd = opentty(dev)
    ready(sys.argv[6])
    got = 0
    end = time.time() + timeout
    with open(out, 'wb') as f:
        while got < n and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            try:
                d = os.read(fd, 65536)
            except BlockingIOError:
                continue
            f.write(d)
            got += len(d)
    print('received %d' % got)
    sys.exit(0 if got == n else 1)
elif cmd == 'send':
    # send DEV FILE HOLD READY: write FILE, report where it first blocked, stay open HOLD s
    data = open(sys.argv[3], 'rb').read()
    hold = float(sys.argv[4])
    fd = opentty(dev)
    ready(sys.argv[5])
    off, blocked_at = 0, -1
    while off < len(data):
        try:
            off += os.write(fd, data[off:off + 65536])
        except BlockingIOError:
            if blocked_at < 0:
                blocked_at = off
            select.select([], [fd], [], 1)
    print('sent %d blocked_at %d' % (off, blocked_at))
    sys.stdout.flush()
    time.sleep(hold)
elif cmd == 'lines':
    # no termios change: another opener's CLOCAL must stay as it is
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    print(' '.join(lines(fd)) or 'none')
elif cmd == 'watch':
    # watch DEV TIMEOUT READY: CLOCAL clear; wait for DSR+CD, then for their
    # fall, then check that the tty was hung up
    timeout = float(sys.argv[3])
    fd = opentty(dev, clocal=False)
    ready(sys.argv[4])
    end = time.time() + timeout
    state = 'wait-up'
    while time.time() < end:
        try:
            l = lines(fd)
        except OSError as e:
            # DCD fell and the tty was hung up before we looked again
            if state == 'wait-down' and e.errno == errno.EIO:
                print('down'); print('hangup'); sys.exit(0)
            raise
        if state == 'wait-up' and 'DSR' in l and 'CD' in l and 'CTS' in l:
            print('up: ' + ' '.join(l)); sys.stdout.flush()
            state = 'wait-down'
        elif state == 'wait-down' and not l:
            print('down'); sys.stdout.flush()
            time.sleep(0.2)
            try:
                r = os.read(fd, 100)
                print('hangup' if r == b'' else 'read %d bytes' % len(r))
            except OSError as e:
                print('hangup' if e.errno == errno.EIO else 'read error %s' % e)
            sys.exit(0)
        time.sleep(0.05)
    print('timeout in ' + state)
    sys.exit(1)
EOF

# tn.py: the telnet and RFC 2217 checks, both ends in one process
cat >"$tmp/tn.py" <<'EOF'
import errno, fcntl, hashlib, os, select, socket, struct, subprocess, sys, termios, time, tty

C = os.environ.get('TTYVSCTL', 'helper/ttyvsctl')
IAC, SB, SE, WILL, WONT, DO, DONT, BRK = 255, 250, 240, 251, 252, 253, 254, 243

def opentty(dev):
    fd = os.open('/dev/' + dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    t = termios.tcgetattr(fd)
    t[0] |= termios.IGNBRK          # breaks are counted (icount), not read as NUL
    t[2] |= termios.CREAD | termios.CLOCAL
    t[2] &= ~termios.CRTSCTS
    termios.tcsetattr(fd, termios.TCSANOW, t)
    return fd

def brk(fd):
    b = fcntl.ioctl(fd, 0x545D, bytes(80))      # TIOCGICOUNT
    return struct.unpack('20i', b)[9]

def lines(fd):
    v = struct.unpack('i', fcntl.ioctl(fd, termios.TIOCMGET, struct.pack('i', 0)))[0]
    names = [('DSR', termios.TIOCM_DSR), ('CD', termios.TIOCM_CD), ('CTS', termios.TIOCM_CTS)]
    return ' '.join(n for n, b in names if v & b) or 'none'

def setlines(fd, dtr, rts):
    for on, bit in ((dtr, termios.TIOCM_DTR), (rts, termios.TIOCM_RTS)):
        fcntl.ioctl(fd, termios.TIOCMBIS if on else termios.TIOCMBIC, struct.pack('i', bit))

SLOW = os.environ.get('TTYVS_SLOW', '1')
SLOW = max(int(SLOW), 1) if SLOW.isdigit() else 1

def until(timeout, f):
    end = time.time() + timeout * SLOW
    while time.time() < end:
        if f():
            return True
        time.sleep(0.05)
    return f()

def report(name, good, detail=''):
    print('%s %s%s' % ('ok' if good else 'FAIL', name, (': ' + detail) if detail else ''))
    sys.stdout.flush()

def payload(n):
    d = bytearray(os.urandom(n))
    d[::7] = b'\xff' * len(d[::7])       # plenty of IAC bytes
    d[3::11] = b'\r' * len(d[3::11])
    return bytes(d)

def sha(b):
    return hashlib.sha256(b).hexdigest()

def portshow(port):
    return subprocess.run([C, 'port', 'show', port], capture_output=True, text=True).stdout

def termios_of(port):
    for l in portshow(port).splitlines():
        l = l.strip()
        if l.startswith('termios '):
            return l.split(' (')[0][8:]
    return '?'

def pump(fds, sends, want, timeout):
    """fds: {name: (rfd, wfd, readfn, writefn)}; sends: {name: bytes}; want: {name: n}"""
    got = {k: bytearray() for k in want}
    off = {k: 0 for k in sends}
    end = time.time() + timeout * SLOW
    while time.time() < end:
        if all(len(got[k]) >= want[k] for k in want) and all(off[k] >= len(sends[k]) for k in sends):
            break
        r = [fds[k][0] for k in want if len(got[k]) < want[k]]
        w = [fds[k][1] for k in sends if off[k] < len(sends[k])]
        rr, ww, _ = select.select(r, w, [], 0.2)
        for k in sends:
            if fds[k][1] in ww:
                try:
                    off[k] += fds[k][3](sends[k][off[k]:off[k] + 4096])
                except (BlockingIOError, InterruptedError):
                    pass
        for k in want:
            if fds[k][0] in rr:
                try:
                    got[k] += fds[k][2]()
                except (BlockingIOError, InterruptedError):
                    pass
    return got

class Telnet:
    """A minimal telnet client: agrees to everything, un-escapes, counts IAC BREAK."""
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port))
        self.s.setblocking(False)
        self.st = 0
        self.breaks = 0
        self.answered = set()
        self.data = bytearray()
    def feed(self, b):
        out = bytearray()
        for c in b:
            if self.st == 0:
                if c == IAC: self.st = 1
                else: out.append(c)
            elif self.st == 1:
                self.st = 0
                if c == IAC: out.append(c)
                elif c in (WILL, WONT, DO, DONT): self.verb = c; self.st = 2
                elif c == SB: self.st = 3
                elif c == BRK: self.breaks += 1
            elif self.st == 2:
                self.st = 0
                if (self.verb, c) not in self.answered and self.verb in (WILL, DO):
                    self.answered.add((self.verb, c))
                    self.s.sendall(bytes([IAC, DO if self.verb == WILL else WILL, c]))
            elif self.st == 3:
                if c == IAC: self.st = 4
            elif self.st == 4:
                self.st = 0 if c == SE else 3
        return bytes(out)
    def read(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        return self.feed(d)
    def write(self, b):
        esc = b.replace(b'\xff', b'\xff\xff')
        n = self.s.send(esc)
        # count input bytes fully sent; keep it simple: send the rest blocking
        if n < len(esc):
            self.s.setblocking(True); self.s.sendall(esc[n:]); self.s.setblocking(False)
        return len(b)

def do_telnet(port, app, size):
    a = opentty(app)
    t = Telnet(port)
    until(3, lambda: (select.select([t.s], [], [], 0.1)[0] and t.read() is not None) and False)
    report('telnet: negotiation (server offers BINARY, SGA, ECHO)',
           (WILL, 0) in t.answered and (DO, 0) in t.answered and (WILL, 1) in t.answered,
           str(sorted(t.answered)))
    time.sleep(0.3)
    n2a, a2n = payload(size), payload(size)
    fds = {'net': (t.s, t.s, t.read, t.write), 'app': (a, a, lambda: os.read(a, 65536), lambda b: os.write(a, b))}
    got = pump({'app': fds['app'], 'net': fds['net']}, {'net': n2a, 'app': a2n}, {'app': size, 'net': size}, 120)
    report('telnet: %d bytes client -> app with 0xff and CR, sha256 equal' % size, sha(got['app']) == sha(n2a), '%d bytes' % len(got['app']))
    report('telnet: %d bytes app -> client, IAC escaped, sha256 equal' % size, sha(got['net']) == sha(a2n), '%d bytes' % len(got['net']))
    b0 = brk(a)
    t.s.sendall(bytes([IAC, BRK]))
    report('telnet: IAC BREAK from the client -> a break on the app end', until(10, lambda: brk(a) > b0))
    termios.tcsendbreak(a, 0)
    def seen():
        try:
            t.read()
        except (BlockingIOError, InterruptedError):
            pass
        return t.breaks > 0
    report('telnet: a break of the app -> IAC BREAK to the client', until(10, seen))

def do_pyserial(port, app, br, size):
    import serial
    a = opentty(app)
    s = serial.serial_for_url('rfc2217://127.0.0.1:%d?timeout=%d' % (port, 10 * SLOW), baudrate=57600, bytesize=7,
                              parity='E', stopbits=2, timeout=1)
    ok = until(5, lambda: termios_of(br).startswith('57600 7E2'))
    report('rfc2217-listen: pyserial 57600 7E2 -> the bridge end termios', ok, termios_of(br))
    s.baudrate = 115200; s.bytesize = 8; s.parity = 'N'; s.stopbits = 1
    ok = until(5, lambda: termios_of(br).startswith('115200 8N1'))
    report('rfc2217-listen: a change to 115200 8N1 follows', ok, termios_of(br))
    try:
        s.baudrate = 250000     # no Bxxx code: termios2 BOTHER; pyserial raises if refused
        ok, why = until(5, lambda: termios_of(br).startswith('250000 8N1')), termios_of(br)
    except Exception as e:
        ok, why = False, 'pyserial: %s' % e
    report('rfc2217-listen: a non-standard rate (250000) is set and acknowledged', ok, why)
    s.baudrate = 115200
    s.dtr = True; s.rts = False
    ok1 = until(5, lambda: lines(a) == 'DSR CD')
    r1 = lines(a)
    s.dtr = False; s.rts = True
    ok2 = until(5, lambda: lines(a) == 'CTS')
    report('rfc2217-listen: pyserial DTR -> app DSR+CD, RTS -> app CTS', ok1 and ok2, '%s / %s' % (r1, lines(a)))
    setlines(a, dtr=False, rts=True)
    ok1 = until(10, lambda: s.cts and not s.dsr and not s.cd)
    r1 = (s.cts, s.dsr, s.cd)
    setlines(a, dtr=True, rts=False)
    ok2 = until(10, lambda: not s.cts and s.dsr and s.cd)
    report('rfc2217-listen: app RTS -> pyserial CTS, app DTR -> pyserial DSR+CD (NOTIFY-MODEMSTATE)', ok1 and ok2,
           'cts,dsr,cd %s then %s' % (r1, (s.cts, s.dsr, s.cd)))
    b0 = brk(a)
    s.send_break(0.2)
    report('rfc2217-listen: pyserial send_break -> a break on the app end', until(10, lambda: brk(a) > b0))
    s.rfc2217_send_subnegotiation(serial.rfc2217.SET_LINESTATE_MASK, b'\x10')
    time.sleep(0.5)
    termios.tcsendbreak(a, 0)
    report('rfc2217-listen: a break of the app -> NOTIFY-LINESTATE break-detect',
           until(10, lambda: s._linestate & 0x10))
    s.write(b'stale')
    time.sleep(0.5)
    s.reset_input_buffer()
    n2a, a2n = payload(size), payload(size)
    s.timeout = 1
    # pyserial's rfc2217 object reads in a thread: poll it
    got_app = bytearray(); got_net = bytearray()
    os.read(a, 65536) if select.select([a], [], [], 0.5)[0] else None
    off = 0
    s.write(n2a)
    end = time.time() + 120 * SLOW
    while time.time() < end and (len(got_app) < size or len(got_net) < size):
        if off < size:
            try:
                off += os.write(a, a2n[off:off + 4096])
            except BlockingIOError:
                pass
        if select.select([a], [], [], 0.02)[0]:
            got_app += os.read(a, 65536)
        if s.in_waiting:
            got_net += s.read(s.in_waiting)
    report('rfc2217-listen: %d bytes pyserial -> app, sha256 equal' % size, sha(got_app) == sha(n2a), '%d bytes' % len(got_app))
    report('rfc2217-listen: %d bytes app -> pyserial, sha256 equal' % size, sha(got_net) == sha(a2n), '%d bytes' % len(got_net))
    s.close()

def do_rfcpair(what, appc, apps, brs, size):
    """appc: app on the client bridge's pair; apps: app on the server side; brs: the served port"""
    c = opentty(appc)
    s = opentty(apps)
    t = termios.tcgetattr(c)
    t[4] = t[5] = termios.B38400
    t[2] = (t[2] & ~(termios.CSIZE | termios.PARENB)) | termios.CS7 | termios.PARENB | termios.PARODD | termios.CSTOPB
    termios.tcsetattr(c, termios.TCSANOW, t)
    ok = until(10, lambda: termios_of(brs).startswith('38400 7O2'))
    report('%s: app termios 38400 7O2 -> the served port' % what, ok, termios_of(brs))
    t[4] = t[5] = termios.B19200
    t[2] = (t[2] & ~(termios.CSIZE | termios.PARENB | termios.PARODD | termios.CSTOPB)) | termios.CS8
    termios.tcsetattr(c, termios.TCSANOW, t)
    ok = until(10, lambda: termios_of(brs).startswith('19200 8N1'))
    report('%s: a change to 19200 8N1 follows' % what, ok, termios_of(brs))
    setlines(c, dtr=True, rts=False)
    ok1 = until(10, lambda: lines(s) == 'DSR CD')
    r1 = lines(s)
    setlines(c, dtr=False, rts=True)
    ok2 = until(10, lambda: lines(s) == 'CTS')
    report('%s: app DTR -> remote DSR+CD, RTS -> remote CTS' % what, ok1 and ok2, '%s / %s' % (r1, lines(s)))
    setlines(s, dtr=False, rts=True)
    ok1 = until(10, lambda: lines(c) == 'CTS')
    r1 = lines(c)
    setlines(s, dtr=True, rts=False)
    ok2 = until(10, lambda: lines(c) == 'DSR CD')
    report('%s: remote RTS -> app CTS, remote DTR -> app DSR+CD (NOTIFY-MODEMSTATE)' % what, ok1 and ok2,
           '%s / %s' % (r1, lines(c)))
    b0 = brk(s)
    termios.tcsendbreak(c, 0)
    report('%s: a break of the app -> a break on the remote port' % what, until(10, lambda: brk(s) > b0))
    b0 = brk(c)
    termios.tcsendbreak(s, 0)
    got = until(10, lambda: brk(c) > b0)
    if not got and 'ser2net' in what:
        print('SKIP %s: a break on the remote port -> a break to the app: ser2net sends no '
              'NOTIFY-LINESTATE break-detect for a break it receives' % what)
    else:
        report('%s: a break on the remote port -> a break to the app' % what, got)
    c2s, s2c = payload(size), payload(size)
    rd = lambda fd: (lambda: os.read(fd, 65536))
    wr = lambda fd: (lambda b: os.write(fd, b))
    got = pump({'c': (c, c, rd(c), wr(c)), 's': (s, s, rd(s), wr(s))}, {'c': c2s, 's': s2c}, {'s': size, 'c': size}, 120)
    report('%s: %d bytes app -> remote, sha256 equal' % (what, size), sha(got['s']) == sha(c2s), '%d bytes' % len(got['s']))
    report('%s: %d bytes remote -> app, sha256 equal' % (what, size), sha(got['c']) == sha(s2c), '%d bytes' % len(got['c']))

cmd = sys.argv[1]
if cmd == 'telnet':
    do_telnet(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
elif cmd == 'pyserial':
    do_pyserial(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
elif cmd == 'rfcpair':
    do_rfcpair(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
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

# The test kernel's slowness factor scales the waits (see ttyvs_lib.h).
case ${TTYVS_SLOW:-1} in
'' | 0 | *[!0-9]*) SLOW=1 ;;
*) SLOW=$TTYVS_SLOW ;;
esac

# wait_until SECONDS CONDITION...: poll every 0.1 s, for SECONDS x SLOW
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

# Per test: fresh logs; the bridge's stderr goes to br.log.
begin() {
	rm -f "$tmp"/*.log "$tmp"/*.txt "$tmp"/out* "$tmp"/ready*
}

# bridge PORT BACKEND: start it and wait for its first log line
bridge() {
	bg "$C" bridge "$1" "$2" 2>>"$tmp/br.log"
	brpid=$last
	wait_until 5 'grep -q "listening\|connected\|sending\|reading\|appending\|connect to" "$tmp/br.log"'
}

logged() { grep -q -- "$1" "$tmp/br.log"; }
same() { [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]; }
size_of() { wc -c <"$1" | tr -d ' '; }

# app_recv OUT NBYTES: application reader in the background, ready when it returns
app_recv() {
	rm -f "$tmp/ready.r"
	bg $PY "$tmp/app.py" recv $APP "$1" "$2" $((60 * SLOW)) "$tmp/ready.r" >"$tmp/app_recv.txt"
	apppid=$last
	wait_until 5 '[ -e "$tmp/ready.r" ]'
}

# app_send FILE HOLD: application writer in the background
app_send() {
	rm -f "$tmp/ready.s"
	bg $PY "$tmp/app.py" send $APP "$1" "$2" "$tmp/ready.s" >"$tmp/app_send.txt"
	sendpid=$last
	wait_until 5 '[ -e "$tmp/ready.s" ]'
}

head -c "$SIZE" /dev/urandom >"$tmp/in.bin"
head -c 65536 /dev/urandom >"$tmp/small.bin"

# ---- tcp-listen ------------------------------------------------------------
begin
bridge $BR tcp-listen:4101
app_recv "$tmp/out.tty" "$SIZE"
socat -u "FILE:$tmp/in.bin" TCP:127.0.0.1:4101 2>"$tmp/socat.log"
wait "$apppid"
check "tcp-listen: $SIZE bytes network -> tty, sha256 equal" same "$tmp/in.bin" "$tmp/out.tty"
check "tcp-listen: one line per connect and disconnect" \
	'logged "client 127.0.0.1:[0-9]* connected" && logged "client 127.0.0.1:[0-9]* disconnected"'

bg socat -u TCP:127.0.0.1:4101 "CREATE:$tmp/out.net"
rd=$last
wait_until 5 '[ $(grep -c " connected" "$tmp/br.log") -ge 2 ]'
app_send "$tmp/in.bin" 1
wait_until 60 '[ "$(size_of "$tmp/out.net")" -ge "$SIZE" ]'
sleep 0.2
stop "$rd" "$sendpid"
check "tcp-listen: $SIZE bytes tty -> network, sha256 equal" same "$tmp/in.bin" "$tmp/out.net"
stop "$brpid"

# ---- modem lines follow the connection ------------------------------------------
begin
bridge $BR tcp-listen:4102
$PY "$tmp/app.py" lines $APP >"$tmp/lines0.txt"
bg $PY "$tmp/app.py" watch $APP $((20 * SLOW)) "$tmp/ready.w" >"$tmp/watch.txt"
w=$last
wait_until 5 '[ -e "$tmp/ready.w" ]'
bg sh -c "sleep 30 | socat - TCP:127.0.0.1:4102"
cl=$last
wait_until 5 'logged " connected"'
sleep 0.5
$PY "$tmp/app.py" lines $APP >"$tmp/lines1.txt"
check "lines: DSR, CD, CTS clear before a client connects" 'grep -qx none "$tmp/lines0.txt"'
check "lines: DSR, CD, CTS set while a client is connected" \
	'grep -qx "DSR CD CTS" "$tmp/lines1.txt"'
pkill -P "$cl" socat 2>/dev/null
stop "$cl"
wait "$w"
$PY "$tmp/app.py" lines $APP >"$tmp/lines2.txt"
check "lines: cleared when the client disconnects" 'grep -qx none "$tmp/lines2.txt"'
check "lines: with CLOCAL clear the application saw them rise, fall, and a hangup" \
	'grep -q "^up: DSR CD CTS" "$tmp/watch.txt" && grep -qx down "$tmp/watch.txt" && grep -qx hangup "$tmp/watch.txt"'
stop "$brpid"

# ---- refuse (default) and replace ---------------------------------------------
begin
bridge $BR tcp-listen:4103
bg socat -u TCP:127.0.0.1:4103 "CREATE:$tmp/out.c1"
c1=$last
wait_until 5 'logged " connected"'
bg socat -u TCP:127.0.0.1:4103 "CREATE:$tmp/out.c2"
c2=$last
wait_until 5 'logged "refused"'
wait_until 5 '! kill -0 $c2 2>/dev/null'
check "refuse: a second client is refused (logged, its connection closed)" \
	'logged "client 127.0.0.1:[0-9]* refused" && ! kill -0 $c2 2>/dev/null'
app_send "$tmp/small.bin" 1
wait_until 20 '[ "$(size_of "$tmp/out.c1")" -ge 65536 ]'
check "refuse: the first client keeps the data" same "$tmp/small.bin" "$tmp/out.c1"
stop "$c1" "$c2" "$sendpid" "$brpid"

begin
bridge $BR tcp-listen:4104,replace
bg socat -u TCP:127.0.0.1:4104 "CREATE:$tmp/out.c1"
c1=$last
wait_until 5 'logged " connected"'
bg socat -u TCP:127.0.0.1:4104 "CREATE:$tmp/out.c2"
c2=$last
wait_until 5 'logged "replaced by"'
wait_until 5 '! kill -0 $c1 2>/dev/null'
app_send "$tmp/small.bin" 1
wait_until 20 '[ "$(size_of "$tmp/out.c2")" -ge 65536 ]'
check "replace: the new client takes over (old one closed, data to the new one)" \
	'logged "disconnected (replaced by" && ! kill -0 $c1 2>/dev/null && same "$tmp/small.bin" "$tmp/out.c2"'
stop "$c1" "$c2" "$sendpid" "$brpid"

# ---- tcp client, reconnect -------------------------------------------------------
begin
bg socat -u TCP-LISTEN:4105,bind=127.0.0.1,reuseaddr "CREATE:$tmp/out.net"
srv=$last
sleep 0.3
bridge $BR tcp:127.0.0.1:4105,retry=100
wait_until 10 'logged "connected to 127.0.0.1:4105"'
app_send "$tmp/in.bin" 1
wait_until 60 '[ "$(size_of "$tmp/out.net")" -ge "$SIZE" ]'
sleep 0.2
check "tcp: $SIZE bytes tty -> server, sha256 equal" same "$tmp/in.bin" "$tmp/out.net"
stop "$srv" "$sendpid"
wait_until 5 'logged "disconnected from 127.0.0.1:4105"'
sleep 1		# the server is down: the bridge retries with backoff
app_recv "$tmp/out.tty" "$SIZE"
bg socat -u "FILE:$tmp/in.bin" TCP-LISTEN:4105,bind=127.0.0.1,reuseaddr
srv=$last
wait "$apppid"
check "tcp: reconnects after the server restarts" \
	'[ $(grep -c "connected to 127.0.0.1:4105" "$tmp/br.log") -ge 2 ] && logged "cannot connect to 127.0.0.1:4105"'
check "tcp: $SIZE bytes server -> tty after the reconnect, sha256 equal" same "$tmp/in.bin" "$tmp/out.tty"
stop "$srv" "$brpid"

# ---- udp ------------------------------------------------------------------------
begin
bg socat -u UDP-RECV:4106,bind=127.0.0.1 "CREATE:$tmp/out.net"
rcv=$last
bridge $BR udp:127.0.0.1:4106,bind=127.0.0.1:4107
app_send "$tmp/small.bin" 1
wait_until 20 '[ "$(size_of "$tmp/out.net")" -ge 65536 ]'
check "udp: 64 KiB tty -> remote, sha256 equal" same "$tmp/small.bin" "$tmp/out.net"
stop "$rcv" "$sendpid"
app_recv "$tmp/out.tty" 65536
socat -u "FILE:$tmp/small.bin" UDP-SENDTO:127.0.0.1:4107,bind=127.0.0.1:4106 2>"$tmp/socat.log"
wait "$apppid"
check "udp: 64 KiB remote -> tty, sha256 equal" same "$tmp/small.bin" "$tmp/out.tty"
stop "$brpid"

begin
bridge $BR udp-listen:4108
app_recv "$tmp/out.tty" 65536
socat -u "FILE:$tmp/small.bin" UDP-SENDTO:127.0.0.1:4108,bind=127.0.0.1:4109 2>"$tmp/socat.log"
wait "$apppid"
check "udp-listen: learns the peer from its first datagram; 64 KiB -> tty, sha256 equal" \
	'logged "peer 127.0.0.1:4109" && same "$tmp/small.bin" "$tmp/out.tty"'
bg socat -u UDP-RECV:4109,bind=127.0.0.1 "CREATE:$tmp/out.net"
rcv=$last
sleep 0.3
app_send "$tmp/small.bin" 1
wait_until 20 '[ "$(size_of "$tmp/out.net")" -ge 65536 ]'
check "udp-listen: 64 KiB tty -> learnt peer, sha256 equal" same "$tmp/small.bin" "$tmp/out.net"
stop "$rcv" "$sendpid" "$brpid"

# ---- unix-listen, unix ------------------------------------------------------------
begin
$PY -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/s.sock"
bridge $BR "unix-listen:$tmp/s.sock"
check "unix-listen: a stale socket file is replaced" 'logged "listening on $tmp/s.sock"'
app_recv "$tmp/out.tty" "$SIZE"
socat -u "FILE:$tmp/in.bin" "UNIX-CONNECT:$tmp/s.sock" 2>"$tmp/socat.log"
wait "$apppid"
check "unix-listen: $SIZE bytes client -> tty, sha256 equal" same "$tmp/in.bin" "$tmp/out.tty"
bg socat -u "UNIX-CONNECT:$tmp/s.sock" "CREATE:$tmp/out.net"
rd=$last
wait_until 5 '[ $(grep -c " connected" "$tmp/br.log") -ge 2 ]'
app_send "$tmp/in.bin" 1
wait_until 60 '[ "$(size_of "$tmp/out.net")" -ge "$SIZE" ]'
sleep 0.2
stop "$rd" "$sendpid"
check "unix-listen: $SIZE bytes tty -> client, sha256 equal" same "$tmp/in.bin" "$tmp/out.net"
stop "$brpid"
check "unix-listen: the socket file is removed on exit" '[ ! -e "$tmp/s.sock" ]'

begin
app_recv "$tmp/out.tty" "$SIZE"
bg socat -u "FILE:$tmp/in.bin" "UNIX-LISTEN:$tmp/c.sock"
srv=$last
wait_until 5 '[ -S "$tmp/c.sock" ]'
bridge $BR "unix:$tmp/c.sock,retry=100"
wait "$apppid"
check "unix: $SIZE bytes server -> tty, sha256 equal" same "$tmp/in.bin" "$tmp/out.tty"
stop "$srv"
bg socat -u "UNIX-LISTEN:$tmp/c.sock,unlink-early" "CREATE:$tmp/out.net"
srv=$last
wait_until 10 '[ $(grep -c "connected to" "$tmp/br.log") -ge 2 ]'
app_send "$tmp/in.bin" 1
wait_until 60 '[ "$(size_of "$tmp/out.net")" -ge "$SIZE" ]'
sleep 0.2
check "unix: reconnects; $SIZE bytes tty -> server, sha256 equal" same "$tmp/in.bin" "$tmp/out.net"
stop "$srv" "$sendpid" "$brpid"

# ---- fifo ---------------------------------------------------------------------------
begin
bridge $BR "fifo:$tmp/p"
cat "$tmp/small.bin" "$tmp/small.bin" >"$tmp/two.bin"
app_recv "$tmp/out.tty" 131072
socat -u "FILE:$tmp/small.bin" "PIPE:$tmp/p.out" 2>"$tmp/socat.log"
sleep 0.5
socat -u "FILE:$tmp/small.bin" "PIPE:$tmp/p.out" 2>>"$tmp/socat.log"
wait "$apppid"
check "fifo: two writers in turn on PATH.out -> tty (reopened on EOF), sha256 equal" \
	same "$tmp/two.bin" "$tmp/out.tty"
bg socat -u "PIPE:$tmp/p.in" "CREATE:$tmp/out.net"
rd=$last
app_send "$tmp/in.bin" 1
wait_until 60 '[ "$(size_of "$tmp/out.net")" -ge "$SIZE" ]'
sleep 0.2
stop "$rd" "$sendpid" "$brpid"
check "fifo: $SIZE bytes tty -> PATH.in, sha256 equal" same "$tmp/in.bin" "$tmp/out.net"

# ---- file -------------------------------------------------------------------------------
begin
bridge $BR "file:$tmp/log.bin"
app_send "$tmp/small.bin" 1
wait_until 20 '[ "$(size_of "$tmp/log.bin")" -ge 65536 ]'
stop "$sendpid" "$brpid"
check "file: the application's output is appended as is" same "$tmp/small.bin" "$tmp/log.bin"
begin
printf 'AB\r\n' >"$tmp/ab.bin"
bridge $BR "file:$tmp/hex.log,hex,timestamps"
app_send "$tmp/ab.bin" 0.5
wait_until 10 'grep -q "> 41 42 0d 0a" "$tmp/hex.log"'
stop "$sendpid" "$brpid"
check "file: hex with timestamps" \
	'grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\.[0-9]{3} > 41 42 0d 0a$" "$tmp/hex.log"'

# ---- backpressure: a slow network reader ------------------------------------------------
begin
BIG=$((SIZE * 2))
head -c "$BIG" /dev/urandom >"$tmp/big.bin"
bridge $BR tcp-listen:4110
bg sh -c "socat -u TCP:127.0.0.1:4110,rcvbuf=4096 STDOUT | (sleep 4; cat) >'$tmp/out.net'"
rd=$last
wait_until 5 'logged " connected"'
app_send "$tmp/big.bin" 1
wait_until 120 '[ "$(size_of "$tmp/out.net")" -ge "$BIG" ]'
sleep 0.2
stop "$sendpid"
check "backpressure: the tty writer blocked while the reader stalled" \
	'awk "/^sent/ { exit !(\$4 >= 0 && \$4 < $BIG) }" "$tmp/app_send.txt"'
check "backpressure: nothing lost ($BIG bytes, sha256 equal)" same "$tmp/big.bin" "$tmp/out.net"
pkill -P "$rd" 2>/dev/null
stop "$rd" "$brpid"

# ---- drop: no peer, the application's output is discarded, not held --------------------
begin
bridge $BR tcp-listen:4113,drop
app_send "$tmp/small.bin" 0.5
wait "$sendpid"
check "drop: with no client the application's writes complete" \
	'grep -q "^sent 65536 " "$tmp/app_send.txt"'
bg socat -u TCP:127.0.0.1:4113 "CREATE:$tmp/out.net"
rd=$last
wait_until 5 'logged " connected"'
printf 'fresh\n' >"$tmp/fresh.txt"
app_send "$tmp/fresh.txt" 0.5
wait_until 10 '[ "$(size_of "$tmp/out.net")" -ge 6 ]'
sleep 0.3
check "drop: a client then gets only what was sent after it connected" same "$tmp/fresh.txt" "$tmp/out.net"
stop "$rd" "$sendpid" "$brpid"

# ---- named pair, hangup, bad addresses --------------------------------------------------
begin
"$C" pair add tvsbr >"$tmp/pair.txt" 2>&1
a=$(grep -l '^tvsbr$' /sys/class/tty/ttyVS*/pair_name 2>/dev/null | while read -r f; do
	d=${f%/pair_name}; [ "$(cat "$d/pair_end")" = a ] && basename "$d"; done)
bridge tvsbr-b tcp-listen:4111
check "NAME-b resolves to the pair's second port" \
	'[ -n "$a" ] && logged "ttyvsctl bridge: $(cat /sys/class/tty/$a/peer): tcp-listen:4111: listening"'
"$C" pair del tvsbr force >/dev/null 2>&1
wait "$brpid"
rc=$?
check "a deleted pair stops the bridge (exit 1, hangup logged)" '[ $rc = 1 ] && logged "hung up"'

"$C" bridge $BR tcp-listen:70000 2>"$tmp/bad.txt"
rc=$?
"$C" bridge $BR bogus:1 2>>"$tmp/bad.txt"
rc2=$?
check "bad addresses: usage error (exit 2) with the reason" \
	'[ $rc = 2 ] && [ $rc2 = 2 ] && grep -q "not a number 1..65535" "$tmp/bad.txt" && grep -q "unknown address kind" "$tmp/bad.txt"'

# ---- address syntax (parser) -----------------------------------------------------------
begin
cat >"$tmp/ok.conf" <<CONF
bridge ttyVS1 tcp-listen:4000
bridge ttyVS2 tcp-listen:0.0.0.0:4000,replace
bridge ttyVS3 tcp-listen:[::1]:4000
bridge ttyVS4 tcp:localhost:1,retry=10
bridge ttyVS5 udp:127.0.0.1:5,bind=127.0.0.1:6
bridge ttyVS6 udp-listen:7
bridge ttyVS7 unix-listen:/tmp/a,replace
bridge ttyVS8 unix:/tmp/b,retry=30000
bridge ttyVS9 fifo:/tmp/f
bridge ttyVS10 file:/tmp/l,dir=out,hex,timestamps
bridge ttyVS11 TCP-LISTEN:9,drop
bridge x-a tcp:[::1]:65535
CONF
"$C" daemon -c "$tmp/ok.conf" --check >"$tmp/parse.txt" 2>&1
check "addresses: every form and option accepted" 'grep -q "0 pairs, 12 bridges: OK" "$tmp/parse.txt"'
long=$(printf '%0200d' 0)
bad=0
while IFS='|' read -r a want; do
	"$C" bridge $BR "$a" 2>"$tmp/bad1.txt"
	rc=$?
	if [ $rc != 2 ] || ! grep -qF -- "$want" "$tmp/bad1.txt"; then
		echo "# \"$a\": rc=$rc: $(head -n 1 "$tmp/bad1.txt")"
		bad=$((bad + 1))
	fi
done <<CASES
tcp-listen:|port "" is not a number
tcp-listen:0|port "0" is not a number 1..65535
tcp:4000|expected HOST:PORT
tcp::4000|missing host
tcp:::1:4000|in brackets
tcp:[::1:4000|expected [IPV6]:PORT
tcp-listen:4000,replace=1|takes no value
tcp-listen:4000,retry=5|unknown option "retry" for tcp-listen (allowed: replace, drop)
tcp:h:1,retry=5|milliseconds 10..30000
tcp:h:1,retry=x|not a number of milliseconds
udp:h:1,bind=|needs a value
udp:h:1,bind=1:2:3|in brackets
file:/x,dir=sideways|expected both, in or out
unix-listen:/$long|path longer than
fifo:|missing path
tcp-listen:4000,,replace|empty option
nokind|expected KIND:ARGUMENTS
serial:x|unknown address kind "serial"
CASES
check "addresses: malformed ones rejected (exit 2) with the reason" '[ $bad = 0 ]'

# ---- speed follows the application's end -------------------------------------------------
begin
stty -F /dev/$APP 57600 2>"$tmp/stty.txt"
bridge $BR tcp-listen:4112
check "speed: the bridge's end takes the application end's speed" \
	'stty -F /dev/$BR 2>&1 | grep -q "speed 57600 baud"'
stop "$brpid"
stty -F /dev/$APP 9600

# ---- daemon ------------------------------------------------------------------------------
begin
portof() {	# portof NAME END: ttyVSn of that end of the named pair
	for f in /sys/class/tty/ttyVS*/pair_name; do
		d=${f%/pair_name}
		[ "$(cat "$f")" = "$1" ] && [ "$(cat "$d/pair_end")" = "$2" ] && basename "$d"
	done
}
cat >"$tmp/d.conf" <<CONF
# test config
pair tvsd1 buffer 16k
pair tvsd2
bridge tvsd1-b tcp-listen:4120   # a comment
bridge tvsd2-b unix-listen:$tmp/d.sock
CONF
bg "$C" daemon -c "$tmp/d.conf" 2>>"$tmp/br.log"
dpid=$last
wait_until 10 'logged "running: 2 pairs, 2 bridges" && logged "tcp-listen:4120: listening" && logged "d.sock: listening"'
APP1=$(portof tvsd1 a)
check "daemon: creates the pairs and starts the bridges" \
	'[ -n "$APP1" ] && logged "created pair tvsd1" && logged "created pair tvsd2" && logged "listening on 127.0.0.1:4120"'
APP=$APP1
app_recv "$tmp/out.tty" 65536
socat -u "FILE:$tmp/small.bin" TCP:127.0.0.1:4120 2>"$tmp/socat.log"
wait "$apppid"
check "daemon: data through a configured bridge" same "$tmp/small.bin" "$tmp/out.tty"

"$C" pair del tvsd1 force >/dev/null 2>&1
wait_until 10 'logged "tvsd1-b: bridge tcp-listen:4120 stopped (pair deleted)" || logged "tvsd1-b: no such pair"'
sleep 0.5
socat -u /dev/null TCP:127.0.0.1:4120 2>/dev/null
rc=$?
check "daemon: a deleted pair stops its bridge" '[ $rc != 0 ] && logged "hung up\|pair deleted"'
"$C" pair add tvsd1 >/dev/null 2>&1
wait_until 10 'logged "pair tvsd1 created: bridge tcp-listen:4120 started"'
APP=$(portof tvsd1 a)
app_recv "$tmp/out.tty" 65536
socat -u "FILE:$tmp/small.bin" TCP:127.0.0.1:4120 2>"$tmp/socat.log"
wait "$apppid"
check "daemon: a re-created pair restarts its bridge" \
	'logged "pair tvsd1 created: bridge tcp-listen:4120 started" && same "$tmp/small.bin" "$tmp/out.tty"'

stty -F /dev/$APP 19200
wait_until 5 'stty -F /dev/$(cat /sys/class/tty/$APP/peer) 2>&1 | grep -q "speed 19200 baud"'
check "daemon: the bridge's end follows the application end's speed changes" \
	'stty -F /dev/$(cat /sys/class/tty/$APP/peer) 2>&1 | grep -q "speed 19200 baud"'

# SIGHUP: the tcp bridge (with a client connected) stays, the unix one goes, a new one comes
bg sh -c "sleep 60 | socat - TCP:127.0.0.1:4120"
cl=$last
wait_until 5 '[ $(grep -c "tcp-listen:4120: client .* connected" "$tmp/br.log") -ge 3 ]'
sed -i "s|^bridge tvsd2-b .*|bridge tvsd2-b tcp-listen:4121|" "$tmp/d.conf"
kill -HUP "$dpid"
wait_until 10 'logged "reloaded"'
check "daemon: SIGHUP reloads: unchanged bridge kept, removed one stopped, new one started" \
	'logged "1 bridges unchanged, 1 new, 1 removed" && logged "listening on 127.0.0.1:4121" && [ ! -e "$tmp/d.sock" ] && [ $(grep -c "tcp-listen:4120: client .* disconnected" "$tmp/br.log") = 2 ]'
echo "bridge nonsense" >>"$tmp/d.conf"
kill -HUP "$dpid"
wait_until 10 'logged "keeping the old configuration"'
check "daemon: a bad file on SIGHUP names FILE:LINE and keeps the old configuration" \
	'logged "d.conf:6: bridge: expected" && logged "keeping the old configuration" && kill -0 $dpid'
pkill -P "$cl" socat 2>/dev/null
stop "$cl"

# SIGKILL and restart: the application keeps its tty open
sed -i '$d' "$tmp/d.conf"
app_recv "$tmp/out.tty" 65536
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
bg "$C" daemon -c "$tmp/d.conf" 2>>"$tmp/br.log"
dpid=$last
wait_until 10 '[ $(grep -c "listening on 127.0.0.1:4120" "$tmp/br.log") -ge 3 ]'
socat -u "FILE:$tmp/small.bin" TCP:127.0.0.1:4120 2>"$tmp/socat.log"
wait "$apppid"
check "daemon: killed with SIGKILL and restarted, the open application tty gets data again" \
	same "$tmp/small.bin" "$tmp/out.tty"
stop "$dpid"
check "daemon: stops on SIGTERM" 'logged "daemon: Terminated: stopping"'

printf 'pair ok\npair ok\n' >"$tmp/bad.conf"
"$C" daemon -c "$tmp/bad.conf" 2>"$tmp/bad.txt"
rc=$?
check "daemon: a malformed file refuses to start, naming FILE:LINE" \
	'[ $rc != 0 ] && grep -q "bad.conf:2: pair \"ok\" already defined at line 1" "$tmp/bad.txt"'
"$C" pair del tvsd1 force >/dev/null 2>&1
"$C" pair del tvsd2 force >/dev/null 2>&1
APP=ttyVS0

# ---- telnet, RFC 2217 --------------------------------------------------------------------
# tn.py does both ends in one process and prints one "ok NAME" or "FAIL NAME: why" per
# check; tncheck turns them into TAP lines and counts them (a crash shows as missing ones).
tncheck() {	# tncheck FILE WANT
	tn_n=0
	while IFS= read -r l; do
		case $l in
		ok\ *) ok "${l#ok }"; tn_n=$((tn_n + 1)) ;;
		FAIL\ *) not_ok "${l#FAIL }"; tn_n=$((tn_n + 1)) ;;
		SKIP\ *) t=$((t + 1)); tn_n=$((tn_n + 1)); echo "ok $t - ${l#SKIP } # SKIP" ;;
		esac
	done <"$1"
	while [ $tn_n -lt "$2" ]; do
		not_ok "tn.py stopped before its check $((tn_n + 1)) of $2"
		tn_n=$((tn_n + 1))
	done
}
tnskip() {	# tnskip N REASON
	for i in $(seq "$1"); do
		t=$((t + 1))
		echo "ok $t # SKIP $2"
	done
}
TNSIZE=65536
export TTYVSCTL="$C" TTYVS_SLOW=$SLOW

begin
bridge $BR telnet-listen:4130
timeout $((400 * SLOW)) $PY "$tmp/tn.py" telnet 4130 $APP $TNSIZE >"$tmp/tn.txt" 2>"$tmp/tn.log"
tncheck "$tmp/tn.txt" 5
stop "$brpid"

begin
if $PY -c 'import serial.rfc2217' 2>/dev/null; then
	bridge $BR rfc2217-listen:4131
	timeout $((400 * SLOW)) $PY "$tmp/tn.py" pyserial 4131 $APP $BR $TNSIZE >"$tmp/tn.txt" 2>"$tmp/tn.log"
	tncheck "$tmp/tn.txt" 8
	stop "$brpid"
else
	tnskip 8 "python3-serial missing (apt-get install python3-serial)"
fi

# The helper's client against its own server: the application on tvsrfc-a, the
# client on tvsrfc-b, the server on ttyVS1, the remote application on ttyVS0.
begin
"$C" pair add tvsrfc >/dev/null 2>&1
RA=$(portof tvsrfc a)
bridge $BR rfc2217-listen:4132
srvpid=$brpid
bridge tvsrfc-b rfc2217:127.0.0.1:4132,retry=100
wait_until 10 'logged "connected to 127.0.0.1:4132"'
timeout $((400 * SLOW)) $PY "$tmp/tn.py" rfcpair "rfc2217 -> rfc2217-listen" $RA $APP $BR $TNSIZE >"$tmp/tn.txt" 2>"$tmp/tn.log"
tncheck "$tmp/tn.txt" 8
# Netlink events lost: the client is stopped while the application changes
# its termios and lines (the kernel merges each kind to one event per 8 ms)
# until the client's netlink socket has dropped events (its Drops in
# /proc/net/netlink: how long that takes depends on the kernel's buffer
# accounting), then sets 38400. On SIGCONT the client reads ENOBUFS: it
# must read the application's state again and send the speed, or the
# remote stays at an old one.
kill -STOP "$brpid"
$PY - /dev/$RA "$brpid" $((60 * SLOW)) <<'PYEOF'
import fcntl, os, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
pid, limit = sys.argv[2], float(sys.argv[3])
socks = set()
for f in os.listdir('/proc/%s/fd' % pid):
    try:
        socks.add(os.readlink('/proc/%s/fd/%s' % (pid, f)))
    except OSError:
        pass

def drops():
    n = 0
    with open('/proc/net/netlink') as f:
        next(f)
        for line in f:
            c = line.split()
            if 'socket:[%s]' % c[9] in socks:
                n += int(c[8])
    return n

t = termios.tcgetattr(fd)
start, i = time.time(), 0
while time.time() < start + limit and not (i % 100 == 0 and drops()):
    i += 1
    t[4] = t[5] = termios.B9600 if i % 2 else termios.B19200
    termios.tcsetattr(fd, termios.TCSANOW, t)
    fcntl.ioctl(fd, termios.TIOCMBIS if i % 2 else termios.TIOCMBIC, termios.TIOCM_DTR.to_bytes(4, sys.byteorder))
    time.sleep(0.002)
print('# the stopped client\'s netlink sockets dropped %d messages after %.1f s' % (drops(), time.time() - start))
t[4] = t[5] = termios.B38400
termios.tcsetattr(fd, termios.TCSANOW, t)
time.sleep(0.2)
PYEOF
kill -CONT "$brpid"
desc="rfc2217: events lost while the client was stopped -> it reads the application's state again (remote at 38400)"
if wait_until 20 'logged "netlink events were lost" && stty -F /dev/$BR 2>&1 | grep -q "speed 38400 baud"'; then
	ok "$desc"
else
	not_ok "$desc"
	echo "# remote: $(stty -F /dev/$BR 2>&1 | head -n 1); app: $(stty -F /dev/$RA 2>&1 | head -n 1)"
	tail -n 5 "$tmp/br.log" | sed 's/^/# br.log: /'
fi

# All four remote inputs over RFC 2217: with the application end wired
# cts=rts,dsr=out1,dcd=dtr,ri=out2, the remote port's DSR and RI (driven
# here by the remote application's OUT1 and OUT2 through the served pair's
# wiring) reach the application one to one. A client that ends while still
# connected (the server is stopped, so the ordered stop cannot finish, and
# a second signal ends it) takes back what the server had set: a closed
# port would otherwise go on presenting OUT1/OUT2, and the application's
# DSR and RI would stay up.
cat >"$tmp/out12.py" <<'PYEOF'
import fcntl, os, struct, sys, termios, time
OUT1, OUT2 = 0x2000, 0x4000	# TIOCM_OUT1, TIOCM_OUT2
remote = os.open('/dev/' + sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
app = os.open('/dev/' + sys.argv[2], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
timeout = float(sys.argv[3])

def mset(req, bits):
    fcntl.ioctl(remote, req, struct.pack('i', bits))

def inputs():
    v = struct.unpack('i', fcntl.ioctl(app, termios.TIOCMGET, struct.pack('i', 0)))[0]
    return (bool(v & termios.TIOCM_DSR), bool(v & termios.TIOCM_RI))

def expect(want, what):
    end = time.time() + timeout
    while time.time() < end:
        if inputs() == want:
            return True
        time.sleep(0.05)
    print('# %s: app (DSR, RI) = %s, wanted %s' % (what, inputs(), want))
    return False

mset(termios.TIOCMBIC, OUT1 | OUT2)
ok = expect((False, False), 'remote OUT1/OUT2 off')
mset(termios.TIOCMBIS, OUT1)
ok = expect((True, False), 'remote OUT1 on') and ok
print('dsr', 'ok' if ok else 'fail')
mset(termios.TIOCMBIS, OUT2)
ok = expect((True, True), 'remote OUT2 on')
mset(termios.TIOCMBIC, OUT1)
ok = expect((False, True), 'remote OUT1 off') and ok
mset(termios.TIOCMBIS, OUT1)
ok = expect((True, True), 'remote OUT1 on again') and ok
print('ri', 'ok' if ok else 'fail', flush=True)
open(sys.argv[4], 'w').close()
end = time.time() + 4 * timeout
while not os.path.exists(sys.argv[5]) and time.time() < end:
    time.sleep(0.05)
print('down', 'ok' if expect((False, False), 'the client ended') else 'fail')
mset(termios.TIOCMBIC, OUT1 | OUT2)
PYEOF
P0=$("$C" -j port show $BR | $PY -c 'import json, sys; print(json.load(sys.stdin)["pair_id"])')
"$C" pair set tvsrfc wiring-a cts=rts,dsr=out1,dcd=dtr,ri=out2 >/dev/null
"$C" pair set "$P0" wiring-b dsr=out1,ri=out2 >/dev/null
rm -f "$tmp/out12.ready" "$tmp/out12.go"
bg $PY "$tmp/out12.py" $APP $RA $((10 * SLOW)) "$tmp/out12.ready" "$tmp/out12.go" >"$tmp/out12.txt"
o12=$last
wait_until $((40 * SLOW)) '[ -e "$tmp/out12.ready" ]'
check "rfc2217: remote DSR -> app DSR through OUT1 (wiring-a dsr=out1)" 'grep -qx "dsr ok" "$tmp/out12.txt"'
check "rfc2217: remote RI -> app RI through OUT2 (wiring-a ri=out2)" 'grep -qx "ri ok" "$tmp/out12.txt"'
kill -STOP "$srvpid"
kill "$brpid"
sleep 1
kill "$brpid" 2>/dev/null
wait "$brpid"
touch "$tmp/out12.go"
wait "$o12"
kill -CONT "$srvpid"
check "rfc2217: the client ended while connected takes back OUT1/OUT2 (app DSR and RI fall)" \
	'grep -qx "down ok" "$tmp/out12.txt"'
grep "^#" "$tmp/out12.txt"
"$C" pair set tvsrfc wiring-a dsr=dtr,ri=off >/dev/null
"$C" pair set "$P0" wiring-b dsr=dtr,ri=off >/dev/null
# the next test needs the client connected again (the server may refuse it
# once, while it has not yet seen the old one go)
nsrv=$(grep -c "rfc2217-listen:4132: client .* connected" "$tmp/br.log")
bridge tvsrfc-b rfc2217:127.0.0.1:4132,retry=100
wait_until $((10 * SLOW)) '[ $(grep -c "rfc2217-listen:4132: client .* connected" "$tmp/br.log") -gt $nsrv ]'

# An ordered stop of the RFC 2217 client (SIGTERM) delivers what it holds:
# the remote application does not read until then, so the data backs up
# through the server into the client's rings and socket. Everything the
# client took from its tty (what its end received during this test, less
# what may still sit in that tty: the pair's 8 KiB buffer and n_tty's
# 4 KiB) must reach the remote, in order, after the stop. Without a drain
# the client's 64 KiB ring and its output would be lost.
head -c $((16 * 1024 * 1024)) /dev/urandom >"$tmp/stop.bin"
rm -f "$tmp/stop.go"
cat >"$tmp/stop.py" <<'PYEOF'
import os, select, sys, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
tty.setraw(fd)
open(sys.argv[5], 'w').close()
end = time.time() + float(sys.argv[4])
while not os.path.exists(sys.argv[2]) and time.time() < end:
    time.sleep(0.1)
idle = time.time() + 5
with open(sys.argv[3], 'wb') as f:
    while time.time() < min(idle, end):
        if select.select([fd], [], [], 0.2)[0]:
            try:
                d = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not d:
                print('# reader: EOF (hangup)')
                break
            f.write(d)
            idle = time.time() + 5
PYEOF
rx_of() {	# rx_of PORT: bytes the port has received since it was made
	"$C" -j port show "$1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["counters"]["rx"])'
}
CB=$(portof tvsrfc b)
bg $PY "$tmp/stop.py" "/dev/$APP" "$tmp/stop.go" "$tmp/stop.out" $((60 * SLOW)) "$tmp/stop.ready"
rdpid=$last
wait_until 10 '[ -e "$tmp/stop.ready" ]'
base=$(rx_of "$CB")
bg $PY "$tmp/app.py" send $RA "$tmp/stop.bin" 0 "$tmp/ready.stop" >/dev/null
stsend=$last
prev=-1 cur=0 i=0
while [ $i -lt $((60 * SLOW)) ]; do	# until the chain is full: no progress for 1 s
	sleep 1
	cur=$(($(rx_of "$CB") - base))
	[ "$cur" = "$prev" ] && break
	prev=$cur
	i=$((i + 1))
done
kill "$brpid"
touch "$tmp/stop.go"
wait "$brpid"
wait "$rdpid"
kill "$stsend" 2>/dev/null
wait "$stsend" 2>/dev/null
got=$(size_of "$tmp/stop.out")
check "rfc2217: the client stopped by SIGTERM delivers what it held ($got bytes arrived; its tty end had received $cur)" \
	'[ "$cur" -gt 65536 ] && [ "$got" -ge $((cur - 12288)) ] && [ "$got" -le "$cur" ] && cmp -s -n "$got" "$tmp/stop.out" "$tmp/stop.bin"'
grep "stopping\|undelivered\|4132.*disconnected" "$tmp/br.log" | tail -n 4 | sed 's/^/# br.log: /'
stop "$brpid" "$srvpid"

# Against ser2net serving ttyVS1 with telnet(rfc2217).
begin
if command -v ser2net >/dev/null; then
	cat >"$tmp/ser2net.yaml" <<YAML
%YAML 1.1
---
connection: &tvs
  accepter: telnet(rfc2217),tcp,127.0.0.1,4133
  connector: serialdev,/dev/$BR,9600n81,local
YAML
	# gensio resolves with AI_ADDRCONFIG, for which glibc wants an IPv4 address
	# other than 127.0.0.1: the test VM has none; one more on lo will do
	extra=
	if ! ip -4 -o addr show 2>/dev/null | grep -v " 127\.0\.0\.1/" | grep -q inet; then
		ip addr add 192.0.2.1/32 dev lo 2>/dev/null && extra=192.0.2.1/32
	fi
	bg ser2net -n -u -c "$tmp/ser2net.yaml" -P "$tmp/ser2net.pid" 2>"$tmp/ser2net.log"
	s2n=$last
	bridge tvsrfc-b rfc2217:127.0.0.1:4133,retry=100
	wait_until 20 'logged "connected to 127.0.0.1:4133"'
	timeout $((400 * SLOW)) $PY "$tmp/tn.py" rfcpair "rfc2217 -> ser2net" $RA $APP $BR $TNSIZE >"$tmp/tn.txt" 2>"$tmp/tn.log"
	tncheck "$tmp/tn.txt" 8
	stop "$brpid" "$s2n"
	[ -n "$extra" ] && ip addr del "$extra" dev lo
else
	tnskip 8 "ser2net missing (apt-get install ser2net)"
fi
"$C" pair del tvsrfc force >/dev/null 2>&1

# A hostile telnet peer: garbage, endless option requests, an oversized
# subnegotiation, all unread; the bridge stays up and still carries data.
begin
bridge $BR rfc2217-listen:4134
$PY - 4134 >"$tmp/hostile.txt" 2>&1 <<'PYEOF'
import os, socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
junk = bytes(b % 255 for b in os.urandom(65536)) + bytes([255, 253, 99]) * 20000 + bytes([255, 250, 44]) + b'\x01' * 100000 + bytes([255, 240])
s.settimeout(20)
try:
    s.sendall(junk)
    s.shutdown(socket.SHUT_WR)
    print('sent')
    while s.recv(65536):
        pass
except OSError as e:
    print('send stopped: %s' % e)
PYEOF
wait_until 10 'logged "disconnected"'
alive=no
kill -0 "$brpid" 2>/dev/null && alive=yes
stop "$brpid"
check "hostile telnet peer: the bridge stayed up and logged the discarded subnegotiation" \
	'[ $alive = yes ] && grep -q "^sent\|^send stopped" "$tmp/hostile.txt" && logged "oversized subnegotiations were discarded" && ! logged "hung up"'

check "addresses: telnet and rfc2217 forms accepted, a bad option rejected" \
	'printf "bridge a-a telnet-listen:1,replace,drop\nbridge a-b telnet:h:1,retry=20,drop\nbridge b-a rfc2217-listen:[::1]:2,replace\nbridge b-b rfc2217:h:2,retry=10\n" >"$tmp/tn.conf" && "$C" daemon -c "$tmp/tn.conf" --check | grep -q "4 bridges: OK" && ! timeout 5 "$C" bridge $BR rfc2217-listen:1,drop 2>"$tmp/bad.txt" && grep -q "unknown option \"drop\" for rfc2217-listen (allowed: replace)" "$tmp/bad.txt"'

echo "# $failed of $t failed"
[ "$t" = "$N" ] || { echo "# planned $N tests, ran $t"; exit 1; }
[ "$failed" = 0 ]
