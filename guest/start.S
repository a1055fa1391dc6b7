/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uartguest entry: multiboot v1 header, our own flat GDT, a stack, and the
 * three interrupt entry points the C code puts into the IDT.
 *
 * QEMU's -kernel loads a 32-bit ELF carrying this header and jumps to
 * _start in 32-bit protected mode, paging off, interrupts off.
 */

	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0		/* no memory map, no modules needed */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text
	.globl _start
_start:
	cli
	lgdt gdt_desc			/* the loader's GDT may be anywhere */
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $stack_top, %esp
	cld
	call main
2:	cli
	hlt
	jmp 2b

/* IRQ0, the PIT at 1 kHz: count a tick, end of interrupt to the master PIC. */
	.globl irq_timer
irq_timer:
	pushl %eax
	incl ticks
	movb $0x20, %al
	outb %al, $0x20
	popl %eax
	iret

/* Any other PIC line (all masked; spurious ones): acknowledge both PICs. */
	.globl irq_other
irq_other:
	pushl %eax
	movb $0x20, %al
	outb %al, $0xA0
	outb %al, $0x20
	popl %eax
	iret

/* CPU exceptions (vectors 0-31): say so and stop. */
	.globl cpu_exception
cpu_exception:
	cli
	call exception_report
3:	hlt
	jmp 3b

	.section .data
	.align 8
gdt:
	.quad 0				/* null */
	.quad 0x00CF9A000000FFFF	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad 0x00CF92000000FFFF	/* 0x10: data, base 0, 4 GiB */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.section .bss
	.align 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
