#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of selftests/qemu_test.sh: runs nested QEMUs with the uartguest
(guest/) on ttyVS ports and checks what goes through them.

usage: guestctl.py line GUEST_TTY HOST_TTY   one QEMU on GUEST_TTY; this
                                           process holds HOST_TTY: echo,
                                           modem lines and break both ways
       guestctl.py vm2vm TTY_A TTY_B        two QEMUs, one on each end of a
                                           pair, consoles on COM2 (FIFOs)
       guestctl.py sock KIND APP_TTY BRIDGE_TTY PORT
                                           QEMU's COM1 on a socket or pipe
                                           chardev (KIND: see SOCK_KINDS),
                                           ttyvsctl bridge BRIDGE_TTY joined
                                           to it, this process on APP_TTY
       guestctl.py log GUEST_TTY BRIDGE_TTY LOGFILE
                                           QEMU on GUEST_TTY, ttyvsctl bridge
                                           BRIDGE_TTY file:LOGFILE
       guestctl.py net MODE GUEST_A BRIDGE_A GUEST_B BRIDGE_B
                                           two "hosts" (netns NETNS_A and
                                           NETNS_B, server at ADDR_A), a QEMU
                                           and a bridge on each; MODE tcp
                                           (ttyvsctl daemon) or rfc2217

Output: "PASS name", "FAIL name: why" and "# diagnostic" lines, which
qemu_test.sh turns into TAP. Exit status 0 when everything passed.
Environment: QEMU (binary), UARTGUEST (the ELF), QEMU_TEST_TMP (scratch dir),
QEMU_BOOT_TIMEOUT (seconds to wait for the banner, default 90), TTYVSCTL
(the helper).
"""

import fcntl
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
GUEST = os.environ.get("UARTGUEST", os.path.join(ROOT, "guest", "uartguest.elf"))
TMP = os.environ.get("QEMU_TEST_TMP", "/tmp")
# The test kernel's slowness factor (1-100; the VM runner sets it for slow
# kernels such as the debug one): every wait below scales by it.
try:
    SLOW = min(max(int(os.environ.get("TTYVS_SLOW", "1")), 1), 100)
except ValueError:
    SLOW = 1
BOOT_TIMEOUT = float(os.environ.get("QEMU_BOOT_TIMEOUT", str(90 * SLOW)))
TTYVSCTL = os.environ.get("TTYVSCTL", os.path.join(ROOT, "helper", "ttyvsctl"))
STEP_TIMEOUT = 20.0 * SLOW
# QEMU polls TIOCMGET every 10 ms (virtual time); seconds on a loaded host.
POLL_TIMEOUT = 10.0 * SLOW

TIOCGICOUNT = 0x545D
BANNER = rb"uartguest ready\r\n"

failed = 0


def diag(msg):
    print("# " + msg, flush=True)


def result(name, ok, why=""):
    global failed
    if ok:
        print("PASS " + name, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why), flush=True)


class Fail(Exception):
    pass


def qemu_argv(serials, extra=()):
    argv = [QEMU, "-accel", "tcg", "-nodefaults", "-no-reboot",
            "-display", "none", "-m", "32", "-kernel", GUEST]
    for s in serials:
        argv += ["-serial", s]
    return argv + list(extra)


def ensure_clocal(path):
    """QEMU leaves CLOCAL as it finds it, and termios outlive the program
    that set them: with CLOCAL off, the other end dropping DTR (DCD) would
    hang up QEMU's port. Set it, as a user would with stty clocal."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        t = termios.tcgetattr(fd)
        if not t[2] & termios.CLOCAL:
            t[2] |= termios.CLOCAL
            termios.tcsetattr(fd, termios.TCSANOW, t)
            diag("%s had CLOCAL off (left by an earlier program): set it" %
                 path)
    finally:
        os.close(fd)


class Qemu:
    """One QEMU process in its own process group, stopped on close().
    paused: start with -S and an HMP monitor socket; cont() starts the CPU
    (so that the banner is not printed before a socket peer is there).
    netns: run it in that network namespace (ip netns exec)."""

    def __init__(self, name, serials, extra=(), paused=False, netns=None):
        self.name = name
        self.log = os.path.join(TMP, "qemu-%s.log" % name)
        self.mon = os.path.join(TMP, "mon-%s.sock" % name)
        for ser in serials:
            if ser.startswith("/dev/"):
                ensure_clocal(ser)
        argv = qemu_argv(serials, extra)
        if paused:
            if os.path.exists(self.mon):
                os.unlink(self.mon)
            argv += ["-S", "-monitor",
                     "unix:%s,server=on,wait=off" % self.mon]
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        diag("%s: %s" % (name, " ".join(argv)))
        # Its own process group, not its own session: QEMU opens the port
        # without O_NOCTTY, and a session leader would take it as its
        # controlling tty, to be killed by SIGHUP when DCD drops on a port
        # whose CLOCAL a program before it cleared (minicom does).
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         process_group=0)
        self.t0 = time.monotonic()
        # For qemu_test.sh's cleanup, should this process die first.
        self.pidfile = os.path.join(TMP, "qemu-%s.pid" % name)
        with open(self.pidfile, "w") as f:
            f.write("%d\n" % self.proc.pid)

    def check(self):
        if self.proc.poll() is not None:
            with open(self.log, "rb") as f:
                out = f.read().decode(errors="replace").strip()
            raise Fail("QEMU %s exited with %s: %s" %
                       (self.name, self.proc.returncode, out[-500:]))

    def cont(self):
        """Start the CPU of a paused QEMU through its monitor."""
        end = time.monotonic() + BOOT_TIMEOUT
        while True:
            self.check()
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.mon)
                break
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise Fail("QEMU %s: no monitor at %s" %
                               (self.name, self.mon))
                time.sleep(0.2)
        with s:
            s.settimeout(STEP_TIMEOUT)
            buf = b""
            while b"(qemu)" not in buf:
                d = s.recv(4096)
                if not d:
                    raise Fail("QEMU %s: monitor closed" % self.name)
                buf += d
            s.sendall(b"cont\n")
            buf = b""
            while b"(qemu)" not in buf:
                d = s.recv(4096)
                if not d:
                    break
                buf += d
        self.t0 = time.monotonic()

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)


class Helper:
    """A ttyvsctl bridge or daemon in the background (own process group),
    stderr to TMP/NAME.log, stopped with SIGTERM on close()."""

    def __init__(self, name, args, netns=None):
        self.name = name
        self.log = os.path.join(TMP, "%s.log" % name)
        argv = [TTYVSCTL] + list(args)
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        diag("%s: %s" % (name, " ".join(argv)))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.pidfile = os.path.join(TMP, "helper-%s.pid" % name)
        with open(self.pidfile, "w") as f:
            f.write("%d\n" % self.proc.pid)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def check(self):
        if self.proc.poll() is not None:
            raise Fail("%s exited with %s: %s" %
                       (self.name, self.proc.returncode, self.text()[-500:]))

    def wait_log(self, pattern, timeout=STEP_TIMEOUT):
        end = time.monotonic() + timeout
        while not re.search(pattern, self.text()):
            self.check()
            if time.monotonic() > end:
                raise Fail("%s: no /%s/ in its log within %.0fs: %s" %
                           (self.name, pattern, timeout, self.text()[-500:]))
            time.sleep(0.2)

    def close(self):
        """Stop it; its exit status (0 expected after SIGTERM)."""
        if not os.path.exists(self.pidfile):
            return self.proc.returncode
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        for line in self.text().strip().splitlines()[-6:]:
            diag("  %s: %s" % (self.name, line))
        return self.proc.returncode


class Stream:
    """Bytes read from rfd into a buffer that read_until() searches."""

    def __init__(self, name, rfd, wfd, qemu=None):
        self.name, self.rfd, self.wfd, self.qemu = name, rfd, wfd, qemu
        self.buf = b""
        self.seen = b""			# everything consumed, for messages

    def _fill(self, timeout):
        r, _, _ = select.select([self.rfd], [], [], timeout)
        if r:
            try:
                data = os.read(self.rfd, 4096)
            except BlockingIOError:
                data = b""
            self.buf += data

    def read_until(self, pattern, timeout=STEP_TIMEOUT):
        """Wait for regex pattern (bytes); consume up to its end; return the
        match. Raises Fail on timeout."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.seen += self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("%s: no %r within %.0fs; got %r" %
                           (self.name, pattern, timeout,
                            (self.seen + self.buf)[-200:]))
            if self.qemu:
                self.qemu.check()
            self._fill(min(left, 0.5))

    def drain(self, quiet=0.3):
        """Consume whatever arrives until quiet for `quiet` seconds."""
        while True:
            n = len(self.buf)
            self._fill(quiet)
            if len(self.buf) == n:
                break
        self.seen += self.buf
        self.buf = b""

    def write(self, data):
        end = time.monotonic() + STEP_TIMEOUT
        while data:
            try:
                n = os.write(self.wfd, data)
                data = data[n:]
            except BlockingIOError:
                if time.monotonic() > end:
                    raise Fail("%s: write stalled" % self.name)
                time.sleep(0.01)

    def command(self, cmd, reply, timeout=STEP_TIMEOUT):
        """Type a command line; wait for its reply line (a regex)."""
        self.write(cmd.encode() + b"\r")
        return self.read_until(reply, timeout)


class Tty(Stream):
    def __init__(self, path, qemu=None):
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        super().__init__(path, fd, fd, qemu)
        self.raw(parmrk=False)

    def raw(self, parmrk):
        iflag, oflag, cflag, lflag, _, _, cc = termios.tcgetattr(self.rfd)
        iflag &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK |
                   termios.ISTRIP | termios.INLCR | termios.IGNCR |
                   termios.ICRNL | termios.IXON | termios.IXOFF | termios.INPCK)
        if parmrk:
            iflag |= termios.PARMRK
        oflag &= ~termios.OPOST
        lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON |
                   termios.ISIG | termios.IEXTEN)
        cflag &= ~(termios.CSIZE | termios.PARENB | termios.CRTSCTS)
        cflag |= termios.CS8 | termios.CLOCAL | termios.CREAD
        cc[termios.VMIN], cc[termios.VTIME] = 1, 0
        speed = termios.B115200
        termios.tcsetattr(self.rfd, termios.TCSANOW,
                          [iflag, oflag, cflag, lflag, speed, speed, cc])

    def tiocm(self):
        v = struct.unpack("i", fcntl.ioctl(self.rfd, termios.TIOCMGET,
                                           b"\0" * 4))[0]
        return {"dtr": v & termios.TIOCM_DTR, "rts": v & termios.TIOCM_RTS,
                "cts": v & termios.TIOCM_CTS, "dsr": v & termios.TIOCM_DSR,
                "dcd": v & termios.TIOCM_CAR, "ri": v & termios.TIOCM_RNG}

    def lines(self, which):
        """'cts=1 dsr=0 ...' for the named input lines."""
        m = self.tiocm()
        return " ".join("%s=%d" % (k, 1 if m[k] else 0) for k in which)

    def set_lines(self, on, bits):
        req = termios.TIOCMBIS if on else termios.TIOCMBIC
        fcntl.ioctl(self.rfd, req, struct.pack("i", bits))

    def brk_count(self):
        # struct serial_icounter_struct: cts dsr rng dcd rx tx frame
        # overrun parity brk buf_overrun reserved[9]
        v = struct.unpack("19i", fcntl.ioctl(self.rfd, TIOCGICOUNT,
                                             b"\0" * 76))
        return v[9]


class Fifo(Stream):
    """QEMU's pipe: chardev: PATH.in (to the guest), PATH.out (from it)."""

    def __init__(self, path, qemu):
        super().__init__(os.path.basename(path) + " console",
                         os.open(path + ".out", os.O_RDONLY | os.O_NONBLOCK),
                         # O_RDWR: no ENXIO before QEMU has opened it
                         os.open(path + ".in", os.O_RDWR | os.O_NONBLOCK),
                         qemu)


def wait_lines(tty, expect, what, timeout=5.0 * SLOW):
    """Poll TIOCMGET until the input lines read `expect`."""
    keys = [kv.split("=")[0] for kv in expect.split()]
    end = time.monotonic() + timeout
    while True:
        got = tty.lines(keys)
        if got == expect:
            return
        if time.monotonic() > end:
            raise Fail("%s: host %s reads %s, want %s" %
                       (what, tty.name, got, expect))
        time.sleep(0.01)


booted = True


def step(name, fn, boot=False):
    """Run one check. After a failed boot the later checks fail at once."""
    global booted
    if not booted:
        result(name, False, "the guest did not boot")
        return
    t = time.monotonic()
    try:
        fn()
        diag("(%.1f s)" % (time.monotonic() - t))
        result(name, True)
    except (Fail, OSError) as e:
        result(name, False, str(e))
        if boot:
            booted = False


# ---- one guest, this process on the other end -------------------------------

def scenario_line(guest_tty, host_tty):
    host = Tty(host_tty)		# open first: nothing written to a closed end is kept
    vm = Qemu("line", [guest_tty])
    host.qemu = vm
    try:
        def boot():
            host.read_until(BANNER, BOOT_TIMEOUT)
            diag("banner after %.1fs" % (time.monotonic() - vm.t0))
            host.command("hello ttyvs 123", rb"hello ttyvs 123\r\n")
        step("line: guest banner and echo through %s <-> %s" %
             (guest_tty, host_tty), boot, boot=True)

        def mcr():
            # uartguest raised DTR and RTS at start (MCR = DTR|RTS|OUT2).
            wait_lines(host, "cts=1 dsr=1 dcd=1 ri=0", "initial MCR")
            for cmd, reply, want in (
                    ("!mcr D0", b"mcr dtr=0 rts=1", "cts=1 dsr=0 dcd=0"),
                    ("!mcr R0", b"mcr dtr=0 rts=0", "cts=0 dsr=0 dcd=0"),
                    ("!mcr D1", b"mcr dtr=1 rts=0", "cts=0 dsr=1 dcd=1"),
                    ("!mcr R1", b"mcr dtr=1 rts=1", "cts=1 dsr=1 dcd=1")):
                host.command(cmd, re.escape(reply) + rb"\r\n")
                # QEMU's TIOCMSET comes before the guest's reply: no wait.
                wait_lines(host, want, cmd, timeout=0)
                diag("%s -> host %s" % (cmd, want))
        step("line: guest MCR DTR/RTS -> host DSR/DCD/CTS", mcr)

        def msr():
            host.drain()
            for on, bits, want in (
                    (False, termios.TIOCM_DTR, "cts=1 dsr=0 dcd=0 ri=0"),
                    (False, termios.TIOCM_RTS, "cts=0 dsr=0 dcd=0 ri=0"),
                    (True, termios.TIOCM_DTR | termios.TIOCM_RTS,
                     "cts=1 dsr=1 dcd=1 ri=0")):
                t = time.monotonic()
                host.set_lines(on, bits)
                # Unsolicited: QEMU's 10 ms TIOCMGET poll flags the change.
                host.read_until(rb"msr change " + want.encode() + rb"\r\n",
                               POLL_TIMEOUT)
                lat = (time.monotonic() - t) * 1000
                host.command("!msr", rb"msr " + want.encode() + rb"\r\n")
                diag("host %s %s -> guest MSR %s (change seen after %.0f ms)" %
                     ("TIOCMBIS" if on else "TIOCMBIC",
                      "DTR|RTS" if on else ("DTR" if bits == termios.TIOCM_DTR
                                            else "RTS"), want, lat))
        step("line: host DTR/RTS -> guest MSR CTS/DSR/DCD (QEMU polling)", msr)

        def brk_out():
            host.drain()
            host.raw(parmrk=True)
            try:
                for ms in (250, 600):
                    n0 = host.brk_count()
                    t = time.monotonic()
                    m = host.command("!brk %d" % ms,
                                     rb"(?s)(.*)brk ms=%d\r\n" % ms, 30 * SLOW)
                    n = host.brk_count() - n0
                    if b"\xff\x00\x00" not in m.group(1):
                        raise Fail("no PARMRK break mark before the reply: %r"
                                   % m.group(1))
                    if n != 1:
                        raise Fail("icount.brk went up by %d, want 1" % n)
                    diag("!brk %d: host read \\377\\0\\0, icount.brk +1 "
                         "(%.0f ms)" % (ms, (time.monotonic() - t) * 1000))
            finally:
                host.raw(parmrk=False)
        step("line: guest LCR break -> host break (PARMRK mark, icount.brk)",
             brk_out)

        def brk_in():
            host.drain()
            m = host.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) .*\r\n")
            bi0, nul0 = int(m.group(1)), int(m.group(2))
            termios.tcsendbreak(host.rfd, 0)
            m = host.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) .*\r\n")
            bi, nul = int(m.group(1)) - bi0, int(m.group(2)) - nul0
            diag("host tcsendbreak -> guest LSR.BI +%d, NUL bytes +%d" %
                 (bi, nul))
            # QEMU's serial backend does not detect breaks: the host n_tty
            # (PARMRK, BRKINT, IGNBRK cleared by QEMU) passes one NUL byte.
            if bi != 0 or nul != 1:
                raise Fail("want BI +0 and NUL +1 (QEMU carries a received "
                           "break as a NUL byte), got BI +%d NUL +%d" %
                           (bi, nul))
        step("line: host break -> guest NUL byte (QEMU sets no LSR.BI)",
             brk_in)
    finally:
        vm.close()
        os.close(host.rfd)


# ---- two guests, one on each end of a pair -----------------------------------

def scenario_vm2vm(tty_a, tty_b):
    vms, cons = {}, {}
    try:
        for n, tty in (("a", tty_a), ("b", tty_b)):
            fifo = os.path.join(TMP, "con-" + n)
            for suffix in (".in", ".out"):
                if os.path.exists(fifo + suffix):
                    os.unlink(fifo + suffix)
                os.mkfifo(fifo + suffix)
            vms[n] = Qemu(n, [tty, "pipe:" + fifo])
            cons[n] = Fifo(fifo, vms[n])
        a, b = cons["a"], cons["b"]

        def boot():
            for n in "ab":
                cons[n].read_until(BANNER + rb"uartguest: console COM2, "
                                   rb"line COM1\r\n", BOOT_TIMEOUT)
                diag("guest %s banner after %.1fs" %
                     (n, time.monotonic() - vms[n].t0))
        step("vm2vm: both guests boot (COM1s on %s <-> %s, consoles on COM2)"
             % (tty_a, tty_b), boot, boot=True)

        def data():
            a.command("!send hello from A", rb"sent bytes=14\r\n")
            b.read_until(rb"rx: hello from A\r\n")
            b.command("!send hello from B", rb"sent bytes=14\r\n")
            a.read_until(rb"rx: hello from B\r\n")
            # A burst: more lines than the UART FIFOs and n_tty hold at once.
            text = ["line %02d %s" % (i, "abcdefghijklmnopqrstuvwxyz" * 3)
                    for i in range(40)]
            a.write(b"".join(("!send " + t + "\r").encode() for t in text))
            for t in text:
                b.read_until(rb"rx: " + re.escape(t.encode()) + rb"\r\n")
            diag("A -> B: %d lines of %d bytes in order" %
                 (len(text), len(text[0]) + 2))
        step("vm2vm: guests exchange lines both ways", data)

        def lines():
            a.drain()
            b.drain()
            # A's DTR is B's DSR/DCD, A's RTS B's CTS: QEMU A's TIOCMSET on
            # one end, QEMU B's TIOCMGET poll on the other.
            a.command("!mcr D0", rb"mcr dtr=0 rts=1\r\n")
            b.read_until(rb"msr change cts=1 dsr=0 dcd=0 ri=0\r\n",
                        POLL_TIMEOUT)
            a.command("!mcr R0", rb"mcr dtr=0 rts=0\r\n")
            b.read_until(rb"msr change cts=0 dsr=0 dcd=0 ri=0\r\n",
                        POLL_TIMEOUT)
            a.command("!mcr D1 R1", rb"mcr dtr=1 rts=1\r\n")
            b.read_until(rb"msr change cts=1 dsr=1 dcd=1 ri=0\r\n",
                        POLL_TIMEOUT)
            b.command("!mcr R0", rb"mcr dtr=1 rts=0\r\n")
            a.read_until(rb"msr change cts=0 dsr=1 dcd=1 ri=0\r\n",
                        POLL_TIMEOUT)
            b.command("!mcr R1", rb"mcr dtr=1 rts=1\r\n")
            a.read_until(rb"msr change cts=1 dsr=1 dcd=1 ri=0\r\n",
                        POLL_TIMEOUT)
            b.command("!msr", rb"msr cts=1 dsr=1 dcd=1 ri=0\r\n")
            # A break from A reaches B as a NUL byte (see scenario_line).
            m = b.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
            nul0 = int(m.group(2))
            a.command("!brk", rb"brk ms=250\r\n", 30 * SLOW)
            m = b.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
            if (int(m.group(1)), int(m.group(2)) - nul0) != (0, 1):
                raise Fail("B after A's break: bi=%s, NUL +%d; want bi=0, "
                           "NUL +1" % (m.group(1), int(m.group(2)) - nul0))
            diag("A MCR -> B MSR, B MCR -> A MSR, A break -> B NUL byte")
        step("vm2vm: modem lines and break between the guests", lines)
    finally:
        for vm in vms.values():
            vm.close()


# ---- a guest behind a QEMU socket/pipe chardev, bridged to a pair -----------

def wait_tcp_listen(port, timeout):
    """Wait for a listening TCP socket on port (from /proc/net/tcp, without
    connecting: a connection would be QEMU's one client)."""
    end = time.monotonic() + timeout
    want = ":%04X" % port
    while time.monotonic() < end:
        with open("/proc/net/tcp") as f:
            for ln in f.readlines()[1:]:
                w = ln.split()
                if w[1].endswith(want) and w[3] == "0A":
                    return
        time.sleep(0.2)
    raise Fail("nothing listens on TCP port %d after %.0fs" % (port, timeout))


def wait_path(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise Fail("%s did not appear within %.0fs" % (path, timeout))
        time.sleep(0.2)


def echo_burst(con, what, nlines=12):
    """Type nlines lines at the guest's console; its echo must come back
    byte for byte (each line + CR LF): compared by sha256."""
    import hashlib
    text = [("%s %02d " % (what, i)) + "0123456789abcdefghijklmnopqrstuvwxyz" * 2
            for i in range(nlines)]
    want = b"".join(t.encode() + b"\r\n" for t in text)
    con.drain()
    con.write(b"".join(t.encode() + b"\r" for t in text))
    m = con.read_until(rb"(?s).{%d}" % len(want), 60 * SLOW)
    got = m.group(0)
    if got != want:
        raise Fail("echo differs: sha256 %s, want %s; got %r" %
                   (hashlib.sha256(got).hexdigest()[:16],
                    hashlib.sha256(want).hexdigest()[:16], got[:120]))
    diag("%d lines (%d bytes) echoed, sha256 %s" %
         (nlines, len(want), hashlib.sha256(got).hexdigest()[:16]))


# kind: (QEMU's side of the link, the bridge's backend, who starts first)
# {p} is a TCP/UDP port, {q} a second UDP port, {path} a socket or FIFO base.
SOCK_KINDS = {
    # VirtualBox "Host Pipe" / VMware "named pipe" with the hypervisor as
    # the server: QEMU listens on a unix socket, the helper connects.
    "unix": (["-serial", "unix:{path},server=on,wait=off"],
             "unix:{path},retry=100", "qemu"),
    # VirtualBox "TCP" mode as server, QEMU -serial tcp::PORT,server.
    "tcp": (["-serial", "tcp:127.0.0.1:{p},server=on,wait=off"],
            "tcp:127.0.0.1:{p},retry=100", "qemu"),
    # QEMU -serial udp:REMOTE@LOCAL, the helper the other way round.
    "udp": (["-serial", "udp:127.0.0.1:{q}@127.0.0.1:{p}"],
            "udp:127.0.0.1:{p},bind=127.0.0.1:{q}", "bridge"),
    # The hypervisor as the client: QEMU connects to the helper's server.
    "tcp-client": (["-chardev", "socket,id=line,host=127.0.0.1,port={p}",
                    "-serial", "chardev:line"],
                   "tcp-listen:127.0.0.1:{p}", "bridge"),
    "unix-client": (["-chardev", "socket,id=line,path={path}",
                     "-serial", "chardev:line"],
                    "unix-listen:{path}", "bridge"),
    # QEMU's telnet server and the helper's telnet client: as tcp, and
    # IAC BREAK, which QEMU turns into a received break (LSR.BI).
    "telnet": (["-serial", "telnet:127.0.0.1:{p},server=on,wait=off"],
               "telnet:127.0.0.1:{p},retry=100", "qemu"),
    # QEMU's pipe chardev (PATH.in, PATH.out) and the helper's fifo backend.
    "pipe": (["-chardev", "pipe,id=line,path={path}",
              "-serial", "chardev:line"],
             "fifo:{path}", "bridge"),
}


def scenario_sock(kind, app_tty, br_tty, port):
    qargs, backend, first = SOCK_KINDS[kind]
    path = os.path.join(TMP, "line-" + kind)
    fmt = {"p": port, "q": port + 1, "path": path}
    qargs = [a.format(**fmt) for a in qargs]
    backend = backend.format(**fmt)
    app = Tty(app_tty)		# the terminal's end: open before any output
    vm = br = None
    try:
        def boot():
            nonlocal vm, br
            if first == "bridge":
                br = Helper("bridge-" + kind, ["bridge", br_tty, backend])
                if kind == "tcp-client":
                    wait_tcp_listen(port, STEP_TIMEOUT)
                elif kind == "unix-client":
                    wait_path(path, STEP_TIMEOUT)
                elif kind == "pipe":
                    wait_path(path + ".out", STEP_TIMEOUT)
                vm = Qemu(kind, [], qargs, paused=True)
            else:
                vm = Qemu(kind, [], qargs, paused=True)
                if kind in ("tcp", "telnet"):
                    wait_tcp_listen(port, BOOT_TIMEOUT)
                else:
                    wait_path(path, BOOT_TIMEOUT)
                br = Helper("bridge-" + kind, ["bridge", br_tty, backend])
            app.qemu = vm
            # The bridge raises DTR and RTS on its end while its peer (QEMU)
            # is connected: the terminal's end sees DSR, DCD and CTS.
            wait_lines(app, "cts=1 dsr=1 dcd=1", "bridge connected", 60 * SLOW)
            br.check()
            vm.cont()
            app.read_until(BANNER, BOOT_TIMEOUT)
            diag("banner after %.1fs" % (time.monotonic() - vm.t0))
            word = "hello over %s %d" % (kind, os.getpid())
            app.command(word, re.escape(word.encode()) + rb"\r\n")
        step(("%s: QEMU %s <-> ttyvsctl bridge %s %s: banner and echo on %s"
              % (kind, " ".join(qargs), br_tty, backend,
                 app_tty)).replace(path, "PATH"), boot, boot=True)

        def burst():
            echo_burst(app, kind)
            br.check()
        step("%s: 12 lines typed on the terminal end come back from the "
             "guest, sha256 equal" % kind, burst)

        def lines():
            # QEMU's socket/pipe chardevs have no modem lines: the guest's
            # MCR goes nowhere and its MSR stays at QEMU's reset value
            # (CTS, DSR, DCD on); the terminal's lines show the bridge's
            # connection.
            app.drain()
            app.command("!mcr D0 R0", rb"mcr dtr=0 rts=0\r\n")
            time.sleep(0.5)
            wait_lines(app, "cts=1 dsr=1 dcd=1", "after guest !mcr D0 R0", 0)
            app.set_lines(False, termios.TIOCM_DTR | termios.TIOCM_RTS)
            try:
                time.sleep(0.5)
                app.command("!msr", rb"msr cts=1 dsr=1 dcd=1 ri=0\r\n")
            finally:
                app.set_lines(True, termios.TIOCM_DTR | termios.TIOCM_RTS)
            app.command("!mcr D1 R1", rb"mcr dtr=1 rts=1\r\n")
        step("%s: data only: guest MCR and host DTR/RTS are not carried "
             "(QEMU socket chardevs have no modem lines)" % kind, lines)

        if kind == "telnet":
            def brk_in():
                app.drain()
                m = app.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) .*\r\n")
                bi0, nul0 = int(m.group(1)), int(m.group(2))
                termios.tcsendbreak(app.rfd, 0)
                end = time.monotonic() + STEP_TIMEOUT
                while True:
                    m = app.command("!lsr",
                                    rb"lsr bi=(\d+) .*nul=(\d+) .*\r\n")
                    bi, nul = int(m.group(1)) - bi0, int(m.group(2)) - nul0
                    if bi or time.monotonic() > end:
                        break
                    time.sleep(0.5)
                diag("host tcsendbreak -> bridge IAC BREAK -> QEMU -> guest "
                     "LSR.BI +%d, NUL bytes +%d" % (bi, nul))
                if bi != 1:
                    raise Fail("guest LSR.BI +%d, want +1" % bi)
            step("telnet: a break on the terminal end reaches the guest as a "
                 "break (LSR.BI), through IAC BREAK", brk_in)

        def stop():
            vm.close()
            if kind in ("unix", "tcp", "tcp-client", "unix-client", "telnet"):
                # QEMU gone = peer gone: the bridge drops DTR/RTS.
                wait_lines(app, "cts=0 dsr=0 dcd=0", "QEMU stopped", 30 * SLOW)
            rc = br.close()
            if rc != 0:
                raise Fail("bridge exited %s after SIGTERM" % rc)
        step("%s: QEMU stops (the terminal end sees the link drop where the "
             "bridge can tell), the bridge exits 0 on SIGTERM" % kind, stop)
    finally:
        if vm:
            vm.close()
        if br:
            br.close()
        os.close(app.rfd)


# ---- the guest's output logged by the file backend ---------------------------

def scenario_log(guest_tty, br_tty, logfile):
    fifo = os.path.join(TMP, "con-log")
    for suffix in (".in", ".out"):
        if os.path.exists(fifo + suffix):
            os.unlink(fifo + suffix)
        os.mkfifo(fifo + suffix)
    br = Helper("bridge-file", ["bridge", br_tty, "file:%s,timestamps" % logfile])
    vm = None
    try:
        def boot():
            nonlocal vm
            # The file backend counts as connected: the guest's COM1 sees DSR.
            br.check()
            vm = Qemu("log", [guest_tty, "pipe:" + fifo], paused=True)
            con = Fifo(fifo, vm)
            vm.con = con
            vm.cont()
            con.read_until(BANNER + rb"uartguest: console COM2, line COM1\r\n",
                           BOOT_TIMEOUT)
            diag("banner after %.1fs" % (time.monotonic() - vm.t0))
        step("log: guest COM1 on %s, ttyvsctl bridge %s file:LOG,timestamps"
             % (guest_tty, br_tty), boot, boot=True)

        def log():
            import hashlib
            con = vm.con
            text = ["log line %02d %s" % (i, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2)
                    for i in range(10)]
            for t in text:
                con.command("!send " + t, rb"sent bytes=%d\r\n" % (len(t) + 2))
            want = "".join(t + "\r\n" for t in text).encode()
            # Each line: "YYYY-MM-DD HH:MM:SS.mmm " + what the guest sent.
            rx = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (.*\r?)$",
                            re.M)
            end = time.monotonic() + STEP_TIMEOUT
            while True:
                with open(logfile, "rb") as f:
                    data = f.read()
                stripped = b"".join(m.group(1) + b"\n" for m in rx.finditer(data))
                if stripped == want:
                    break
                if time.monotonic() > end:
                    raise Fail("log content differs (sha256 %s, want %s): %r" %
                               (hashlib.sha256(stripped).hexdigest()[:16],
                                hashlib.sha256(want).hexdigest()[:16],
                                data[-300:]))
                time.sleep(0.3)
            diag("log: %d timestamped lines, content sha256 %s; first: %r" %
                 (len(text), hashlib.sha256(stripped).hexdigest()[:16],
                  data.splitlines()[0]))
        step("log: 10 lines the guest sent on COM1 are in LOG, timestamped, "
             "content equal", log)
    finally:
        if vm:
            vm.close()
        br.close()


# ---- two "computers": network namespaces, a QEMU and a bridge in each -------

def scenario_net(mode, guest_a, br_a, guest_b, br_b):
    """Host A (netns NETNS_A, address ADDR_A) runs QEMU on guest_a and the
    server bridge on br_a; host B runs QEMU on guest_b and the client
    bridge on br_b. mode: tcp (ttyvsctl daemon with a config file on each
    host) or rfc2217 (ttyvsctl bridge rfc2217-listen / rfc2217)."""
    ns = {"a": os.environ["NETNS_A"], "b": os.environ["NETNS_B"]}
    addr = os.environ["ADDR_A"]
    guest = {"a": guest_a, "b": guest_b}
    vms, cons, brs = {}, {}, {}
    try:
        def boot():
            for n in "ab":
                fifo = os.path.join(TMP, "con-%s-%s" % (mode, n))
                for suffix in (".in", ".out"):
                    if os.path.exists(fifo + suffix):
                        os.unlink(fifo + suffix)
                    os.mkfifo(fifo + suffix)
                vms[n] = Qemu("%s-%s" % (mode, n), [guest[n], "pipe:" + fifo],
                              paused=True, netns=ns[n])
                cons[n] = Fifo(fifo, vms[n])
            if mode == "tcp":
                for n, br, backend in (
                        ("a", br_a, "tcp-listen:%s:4000" % addr),
                        ("b", br_b, "tcp:%s:4000,retry=200" % addr)):
                    conf = os.path.join(TMP, "ttyvsd-%s.conf" % n)
                    # The pair exists (the test made it): "pair" uses it.
                    pair = br[:-2] if br.endswith("-b") else None
                    with open(conf, "w") as f:
                        f.write("# host %s\n" % n)
                        if pair:
                            f.write("pair %s\n" % pair)
                        f.write("bridge %s %s\n" % (br, backend))
                    diag("host %s: ttyvsd.conf: %sbridge %s %s" %
                         (n, "pair %s; " % pair if pair else "", br, backend))
                    brs[n] = Helper("ttyvsd-" + n, ["daemon", "-c", conf],
                                    netns=ns[n])
            else:
                brs["a"] = Helper("rfc2217-a", ["bridge", br_a,
                                  "rfc2217-listen:%s:4001" % addr],
                                  netns=ns["a"])
                brs["b"] = Helper("rfc2217-b", ["bridge", br_b,
                                  "rfc2217:%s:4001,retry=200" % addr],
                                  netns=ns["b"])
            brs["a"].wait_log(r"client \S+ connected", 60 * SLOW)
            brs["b"].check()
            for n in "ab":
                vms[n].cont()
            for n in "ab":
                cons[n].read_until(BANNER + rb"uartguest: console COM2, "
                                   rb"line COM1\r\n", BOOT_TIMEOUT)
                diag("guest %s banner after %.1fs" %
                     (n, time.monotonic() - vms[n].t0))
        step("net %s: two hosts (netns %s, %s over veth), a guest and a bridge "
             "on each, linked" % (mode, ns["a"], ns["b"]), boot, boot=True)

        def data():
            a, b = cons["a"], cons["b"]
            a.command("!send hello from A", rb"sent bytes=14\r\n")
            b.read_until(rb"rx: hello from A\r\n")
            b.command("!send hello from B", rb"sent bytes=14\r\n")
            a.read_until(rb"rx: hello from B\r\n")
            for src, dst, tag in ((a, b, "A"), (b, a, "B")):
                text = ["%s line %02d %s" % (tag, i, "0123456789" * 7)
                        for i in range(20)]
                src.write(b"".join(("!send " + t + "\r").encode()
                                   for t in text))
                for t in text:
                    dst.read_until(rb"rx: " + re.escape(t.encode()) + rb"\r\n",
                                   60)
                diag("%s -> other guest: %d lines of %d bytes, in order" %
                     (tag, len(text), len(text[0]) + 2))
            for n in "ab":
                brs[n].check()
        step("net %s: the guests exchange lines both ways across the link"
             % mode, data)

        if mode == "tcp":
            def nolines():
                a, b = cons["a"], cons["b"]
                a.drain()
                b.drain()
                a.command("!mcr D0 R0", rb"mcr dtr=0 rts=0\r\n")
                time.sleep(2)
                b.command("!msr", rb"msr cts=1 dsr=1 dcd=1 ri=0\r\n")
                a.command("!mcr D1 R1", rb"mcr dtr=1 rts=1\r\n")
            step("net tcp: a raw TCP link carries data only: guest B's MSR "
                 "shows the link (up), not guest A's MCR", nolines)
        else:
            def lines():
                a, b = cons["a"], cons["b"]
                a.drain()
                b.drain()
                for src, dst, cmd, reply, want in (
                        (a, b, "!mcr D0", "dtr=0 rts=1", "cts=1 dsr=0 dcd=0"),
                        (a, b, "!mcr R0", "dtr=0 rts=0", "cts=0 dsr=0 dcd=0"),
                        (a, b, "!mcr D1 R1", "dtr=1 rts=1", "cts=1 dsr=1 dcd=1"),
                        (b, a, "!mcr R0", "dtr=1 rts=0", "cts=0 dsr=1 dcd=1"),
                        (b, a, "!mcr D0", "dtr=0 rts=0", "cts=0 dsr=0 dcd=0"),
                        (b, a, "!mcr D1 R1", "dtr=1 rts=1", "cts=1 dsr=1 dcd=1")):
                    t = time.monotonic()
                    src.command(cmd, rb"mcr " + reply.encode() + rb"\r\n")
                    dst.read_until(rb"msr change " + want.encode() +
                                   rb" ri=0\r\n", 30 * SLOW)
                    diag("guest %s %s -> guest %s MSR %s (%.1f s)" %
                         ("A" if src is a else "B", cmd,
                          "B" if src is a else "A", want, time.monotonic() - t))
                b.command("!msr", rb"msr cts=1 dsr=1 dcd=1 ri=0\r\n")
                a.command("!msr", rb"msr cts=1 dsr=1 dcd=1 ri=0\r\n")
            step("net rfc2217: DTR/RTS of each guest reach the other guest's "
                 "DSR/DCD/CTS across RFC 2217", lines)

            def brk():
                a, b = cons["a"], cons["b"]
                m = a.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
                nul0 = int(m.group(2))
                b.command("!brk", rb"brk ms=250\r\n", 30 * SLOW)
                end = time.monotonic() + 30 * SLOW
                while True:
                    m = a.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
                    if int(m.group(2)) - nul0 >= 1 or time.monotonic() > end:
                        break
                    time.sleep(1)
                if int(m.group(2)) - nul0 != 1:
                    raise Fail("guest A after B's break: NUL +%d, want +1" %
                               (int(m.group(2)) - nul0))
                diag("guest B break -> RFC 2217 SET-CONTROL BREAK -> guest A "
                     "(a NUL byte: QEMU sets no LSR.BI)")
                # The other way: the server's break detect to the client.
                m = b.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
                nul0 = int(m.group(2))
                a.command("!brk", rb"brk ms=250\r\n", 30 * SLOW)
                end = time.monotonic() + 30 * SLOW
                while True:
                    m = b.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
                    if int(m.group(2)) - nul0 >= 1 or time.monotonic() > end:
                        break
                    time.sleep(1)
                if int(m.group(2)) - nul0 != 1:
                    raise Fail("guest B after A's break: NUL +%d, want +1" %
                               (int(m.group(2)) - nul0))
                diag("guest A break -> RFC 2217 break detect -> guest B "
                     "(a NUL byte)")
            step("net rfc2217: a break from either guest reaches the other",
                 brk)
    finally:
        for vm in vms.values():
            vm.close()
        for br in brs.values():
            br.close()


def main():
    # On timeout(1)'s SIGTERM, still stop the QEMUs (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    if len(sys.argv) == 4 and sys.argv[1] == "line":
        scenario_line(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "vm2vm":
        scenario_vm2vm(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "sock":
        scenario_sock(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif len(sys.argv) == 7 and sys.argv[1] == "net":
        scenario_net(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "log":
        scenario_log(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
