#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of selftests/qemu_test.sh: runs nested QEMUs with the uartguest
(guest/) on ttyVS ports and checks what goes through them.

usage: guestctl.py line GUEST_TTY HOST_TTY   one QEMU on GUEST_TTY; this
                                           process holds HOST_TTY: echo,
                                           modem lines and break both ways
       guestctl.py vm2vm TTY_A TTY_B        two QEMUs, one on each end of a
                                           pair, consoles on COM2 (FIFOs)

Output: "PASS name", "FAIL name: why" and "# diagnostic" lines, which
qemu_test.sh turns into TAP. Exit status 0 when everything passed.
Environment: QEMU (binary), UARTGUEST (the ELF), QEMU_TEST_TMP (scratch dir),
QEMU_BOOT_TIMEOUT (seconds to wait for the banner, default 90).
"""

import fcntl
import os
import re
import select
import signal
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
BOOT_TIMEOUT = float(os.environ.get("QEMU_BOOT_TIMEOUT", "90"))
STEP_TIMEOUT = 20.0
# QEMU polls TIOCMGET every 10 ms (virtual time); seconds on a loaded host.
POLL_TIMEOUT = 10.0

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


def qemu_argv(serials):
    argv = [QEMU, "-accel", "tcg", "-nodefaults", "-no-reboot",
            "-display", "none", "-m", "32", "-kernel", GUEST]
    for s in serials:
        argv += ["-serial", s]
    return argv


class Qemu:
    """One QEMU process in its own process group, stopped on close()."""

    def __init__(self, name, serials):
        self.name = name
        self.log = os.path.join(TMP, "qemu-%s.log" % name)
        argv = qemu_argv(serials)
        diag("%s: %s" % (name, " ".join(argv)))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
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


def wait_lines(tty, expect, what, timeout=5.0):
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
    try:
        fn()
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
                                     rb"(?s)(.*)brk ms=%d\r\n" % ms, 30)
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
            a.command("!brk", rb"brk ms=250\r\n", 30)
            m = b.command("!lsr", rb"lsr bi=(\d+) .*nul=(\d+) ")
            if (int(m.group(1)), int(m.group(2)) - nul0) != (0, 1):
                raise Fail("B after A's break: bi=%s, NUL +%d; want bi=0, "
                           "NUL +1" % (m.group(1), int(m.group(2)) - nul0))
            diag("A MCR -> B MSR, B MCR -> A MSR, A break -> B NUL byte")
        step("vm2vm: modem lines and break between the guests", lines)
    finally:
        for vm in vms.values():
            vm.close()


def main():
    # On timeout(1)'s SIGTERM, still stop the QEMUs (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    if len(sys.argv) == 4 and sys.argv[1] == "line":
        scenario_line(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "vm2vm":
        scenario_vm2vm(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
