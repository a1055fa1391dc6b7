// SPDX-License-Identifier: GPL-2.0
/*
 * uartguest: a bare-metal x86 program that drives the PC's 16550 UARTs, so
 * that a QEMU using /dev/ttyVS<n> as a serial port has a real guest on the
 * other side in about a second of boot time. See README.md for the command
 * set and how the tests use it.
 *
 * Ports: COM1 (0x3F8) is "the line", the port under test. If a COM2
 * (0x2F8) exists it is "the console": banner, echo and commands there, and
 * what arrives on the line is reported on the console as "rx: TEXT" lines.
 * Without COM2, COM1 is both line and console.
 *
 * The UARTs are polled. The only interrupt is the PIT at 1 kHz, which times
 * breaks and lets the idle loop halt instead of spinning (a spinning guest
 * would eat a host CPU under TCG).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define COM1 0x3F8
#define COM2 0x2F8

/* 16550 registers (offsets from the base port) and bits. */
#define RBR 0		/* receive buffer (read) */
#define THR 0		/* transmit holding (write) */
#define DLL 0		/* divisor low (DLAB=1) */
#define IER 1		/* interrupt enable */
#define DLM 1		/* divisor high (DLAB=1) */
#define IIR 2		/* interrupt identification (read) */
#define FCR 2		/* FIFO control (write) */
#define LCR 3		/* line control */
#define MCR 4		/* modem control */
#define LSR 5		/* line status */
#define MSR 6		/* modem status */
#define SCR 7		/* scratch */

#define IER_MSI		0x08	/* modem status interrupt enable */
#define IIR_ID		0x0F
#define IIR_MSI		0x00	/* modem status change pending */
#define LCR_8N1		0x03
#define LCR_BREAK	0x40
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT2	0x08
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_PE		0x04
#define LSR_FE		0x08
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define LINE_MAX 128

struct port {
	u16 base;
	u8 mcr;
	u8 prev;			/* last byte received, for CR LF */
	u32 len;
	char buf[LINE_MAX];		/* the line being received */
	/* Counted since boot: LSR error bits seen, NUL bytes received. */
	u32 bi, fe, pe, oe, nul;
};

volatile u32 ticks;			/* milliseconds, from IRQ0 */

static struct port com1 = { .base = COM1 };
static struct port com2 = { .base = COM2 };
static struct port *line = &com1;
static struct port *con = &com1;

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Wait for the next interrupt with interrupts enabled only while halted. */
static inline void idle(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* ---- interrupts: IDT, PIC, PIT ------------------------------------------ */

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __attribute__((packed));

static struct idt_gate idt[256];

void irq_timer(void);
void irq_other(void);
void cpu_exception(void);

static void set_gate(int n, void (*fn)(void))
{
	u32 a = (u32)fn;

	idt[n].off_lo = a & 0xFFFF;
	idt[n].sel = 0x08;		/* our code segment (start.S) */
	idt[n].zero = 0;
	idt[n].type = 0x8E;		/* present, ring 0, 32-bit interrupt gate */
	idt[n].off_hi = a >> 16;
}

static void irq_init(void)
{
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
	int i;

	for (i = 0; i < 256; i++)
		set_gate(i, i < 32 ? cpu_exception : irq_other);
	set_gate(0x20, irq_timer);
	__asm__ volatile("lidt %0" : : "m"(idtr));

	/* Both 8259s: IRQ 0-7 -> vectors 0x20-0x27, 8-15 -> 0x28-0x2F. */
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, 0x20);
	outb(0xA1, 0x28);
	outb(0x21, 0x04);
	outb(0xA1, 0x02);
	outb(0x21, 0x01);
	outb(0xA1, 0x01);
	outb(0x21, 0xFE);		/* only IRQ0 */
	outb(0xA1, 0xFF);

	/* PIT channel 0, rate generator, 1193182 Hz / 1193 = 1 kHz. */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xFF);
	outb(0x40, 1193 >> 8);
}

static void delay_ms(u32 ms)
{
	u32 t0 = ticks;

	while (ticks - t0 < ms)
		idle();
}

/* ---- UART --------------------------------------------------------------- */

static int uart_present(u16 base)
{
	outb(base + SCR, 0x5A);
	if (inb(base + SCR) != 0x5A)
		return 0;
	outb(base + SCR, 0xA5);
	return inb(base + SCR) == 0xA5;
}

static void uart_init(struct port *p)
{
	outb(p->base + IER, 0);
	outb(p->base + LCR, LCR_DLAB);
	outb(p->base + DLL, 1);		/* 115200 baud */
	outb(p->base + DLM, 0);
	outb(p->base + LCR, LCR_8N1);
	outb(p->base + FCR, 0x07);	/* FIFOs on, both cleared */
	p->mcr = MCR_DTR | MCR_RTS | MCR_OUT2;
	outb(p->base + MCR, p->mcr);	/* QEMU: TIOCMSET DTR|RTS */
}

/* Read LSR, counting the error bits (reading clears them). */
static u8 lsr_read(struct port *p)
{
	u8 v = inb(p->base + LSR);

	if (v & LSR_BI)
		p->bi++;
	if (v & LSR_FE)
		p->fe++;
	if (v & LSR_PE)
		p->pe++;
	if (v & LSR_OE)
		p->oe++;
	return v;
}

static int uart_getc(struct port *p)
{
	if (lsr_read(p) & LSR_DR)
		return inb(p->base + RBR);
	return -1;
}

static void uart_putc(struct port *p, char c)
{
	while (!(lsr_read(p) & LSR_THRE))
		;
	outb(p->base + THR, c);
}

static void puts_(struct port *p, const char *s)
{
	while (*s)
		uart_putc(p, *s++);
}

static void putu(struct port *p, u32 v)
{
	char b[11];
	int i = sizeof(b);

	b[--i] = 0;
	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts_(p, b + i);
}

/* " name=value" */
static void field(const char *name, u32 v)
{
	uart_putc(con, ' ');
	puts_(con, name);
	uart_putc(con, '=');
	putu(con, v);
}

void exception_report(void)
{
	puts_(con, "\r\nuartguest: CPU exception, halted\r\n");
}

/* ---- commands ----------------------------------------------------------- */

static int starts(const char *s, const char *word)
{
	while (*word)
		if (*s++ != *word++)
			return 0;
	return *s == 0 || *s == ' ';
}

static const char *skip_word(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

static void print_msr(const char *what, u8 m)
{
	puts_(con, what);
	field("cts", !!(m & MSR_CTS));
	field("dsr", !!(m & MSR_DSR));
	field("dcd", !!(m & MSR_DCD));
	field("ri", !!(m & MSR_RI));
	puts_(con, "\r\n");
}

static void cmd_mcr(const char *a)
{
	u8 mcr = line->mcr;

	while (*a) {
		u8 bit = a[0] == 'D' ? MCR_DTR : a[0] == 'R' ? MCR_RTS : 0;

		if (!bit || (a[1] != '0' && a[1] != '1') || (a[2] && a[2] != ' ')) {
			puts_(con, "error: usage: !mcr D0|D1|R0|R1 ...\r\n");
			return;
		}
		mcr = a[1] == '1' ? mcr | bit : mcr & ~bit;
		a = skip_word(a);
	}
	line->mcr = mcr;
	outb(line->base + MCR, mcr);	/* QEMU: TIOCMGET + TIOCMSET */
	puts_(con, "mcr");
	field("dtr", !!(mcr & MCR_DTR));
	field("rts", !!(mcr & MCR_RTS));
	puts_(con, "\r\n");
}

static void cmd_brk(const char *a)
{
	u32 ms = 0;
	u8 lcr;

	while (*a >= '0' && *a <= '9' && ms < 100000)
		ms = ms * 10 + (*a++ - '0');
	if (!ms)
		ms = 250;
	if (ms > 5000)
		ms = 5000;
	lcr = inb(line->base + LCR);
	outb(line->base + LCR, lcr | LCR_BREAK);	/* QEMU: tcsendbreak() */
	delay_ms(ms);
	outb(line->base + LCR, lcr & ~LCR_BREAK);
	puts_(con, "brk");
	field("ms", ms);
	puts_(con, "\r\n");
}

static void cmd_lsr(void)
{
	u8 v = lsr_read(line);

	puts_(con, "lsr");
	field("bi", line->bi);
	field("fe", line->fe);
	field("pe", line->pe);
	field("oe", line->oe);
	field("nul", line->nul);
	field("dr", !!(v & LSR_DR));
	puts_(con, "\r\n");
}

static void cmd_send(const char *a)
{
	u32 n = 0;

	while (a[n])
		uart_putc(line, a[n++]);
	uart_putc(line, '\r');
	uart_putc(line, '\n');
	puts_(con, "sent");
	field("bytes", n + 2);
	puts_(con, "\r\n");
}

static void run(const char *s)
{
	const char *arg;

	if (*s++ != '!')
		return;			/* plain text: the echo was all */
	arg = skip_word(s);
	if (starts(s, "mcr"))
		cmd_mcr(arg);
	else if (starts(s, "msr"))
		print_msr("msr", inb(line->base + MSR));
	else if (starts(s, "brk"))
		cmd_brk(arg);
	else if (starts(s, "lsr"))
		cmd_lsr();
	else if (starts(s, "send"))
		cmd_send(arg);
	else if (starts(s, "time")) {
		puts_(con, "time");
		field("ms", ticks);
		puts_(con, "\r\n");
	} else if (starts(s, "help")) {
		puts_(con, line == con ? "console+line COM1" :
		      "console COM2, line COM1");
		puts_(con, "; commands: !mcr D0|D1|R0|R1..., !msr, !brk [ms],"
		      " !lsr, !send TEXT, !time, !help\r\n");
	} else {
		puts_(con, "error: unknown command, try !help\r\n");
	}
}

/*
 * Collect a line from p's bytes. CR, LF or CR LF end it; NUL bytes (a
 * break as the host's n_tty passes it on) are counted and dropped.
 * Returns 1 when p->buf holds a complete line.
 */
static int collect(struct port *p, u8 c, int echo)
{
	u8 prev = p->prev;

	p->prev = c;
	if (c == 0) {
		p->nul++;
		return 0;
	}
	if (c == '\n' && prev == '\r')
		return 0;
	if (c == '\r' || c == '\n') {
		if (echo)
			puts_(p, "\r\n");
		p->buf[p->len] = 0;
		return 1;
	}
	if (c == 0x7F || c == 0x08) {
		if (p->len) {
			p->len--;
			if (echo)
				puts_(p, "\b \b");
		}
		return 0;
	}
	if (p->len < LINE_MAX - 1)
		p->buf[p->len++] = c;
	if (echo)
		uart_putc(p, c);
	return 0;
}

int main(void)
{
	irq_init();
	uart_init(&com1);
	if (uart_present(COM2)) {
		uart_init(&com2);
		con = &com2;
	}
	puts_(con, "uartguest ready\r\n");
	if (con != line)
		puts_(con, "uartguest: console COM2, line COM1\r\n");
	/*
	 * Modem status interrupts on (still masked at the PIC): QEMU then
	 * polls TIOCMGET every 10 ms and flags changes in IIR/MSR.
	 */
	outb(line->base + IER, IER_MSI);

	for (;;) {
		int busy = 0, c;

		while ((c = uart_getc(con)) >= 0) {
			busy = 1;
			if (collect(con, c, 1)) {
				run(con->buf);
				con->len = 0;
			}
		}
		while (line != con && (c = uart_getc(line)) >= 0) {
			busy = 1;
			if (collect(line, c, 0) && line->len) {
				puts_(con, "rx: ");
				puts_(con, line->buf);
				puts_(con, "\r\n");
				line->len = 0;
			}
		}
		if ((inb(line->base + IIR) & IIR_ID) == IIR_MSI) {
			busy = 1;
			print_msr("msr change", inb(line->base + MSR));
		}
		if (!busy)
			idle();
	}
}
