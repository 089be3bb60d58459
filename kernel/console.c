/*
 * The console: kernel printf (picolibc's tinystdio with our own put hook),
 * and the input line discipline (echo, backspace, ^U) fed by the UART
 * receive interrupt. Readers get whole lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include "defs.h"

#define CONS_BUF 512
#define CTRL(x)  ((x) - '@')

static struct {
	struct spinlock lock; /* output bytes and the input buffer */
	char buf[CONS_BUF];
	uint32_t r, w, e; /* read, end of committed lines, end of the line being edited */
	struct console_reader *readers; /* read calls waiting for a line: no limit, each */
	int nreaders;                   /* record lives in its waiting handler's frame */
} cons = { .lock = SPINLOCK_INIT("console") };

static int panicking;
static int echo_on = 1;

/* Echo typed input (on by default, like a terminal; the test runner turns
 * it off so that echoed bytes cannot land inside its KTAP lines). */
void console_set_echo(int on)
{
	echo_on = on;
}

static int kputc(char c, FILE *f)
{
	(void)f;
	if (c == '\n')
		uart_putc('\r'); /* the terminal is raw: a newline needs a carriage return */
	uart_putc(c);
	return (unsigned char)c;
}

static FILE kstdout = FDEV_SETUP_STREAM(kputc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &kstdout;
FILE *const stderr = &kstdout;
FILE *const stdin = &kstdout;

/* printf for the whole kernel: one call's output is never interleaved. */
int kprintf(const char *fmt, ...)
{
	va_list ap;
	int locked = !panicking;
	if (locked)
		acquire(&cons.lock);
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	if (locked)
		release(&cons.lock);
	return n;
}

void console_write(const char *s, size_t n)
{
	acquire(&cons.lock);
	for (size_t i = 0; i < n; i++)
		kputc(s[i], NULL);
	release(&cons.lock);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	panicking = 1; /* print even if this hart holds the console lock */
	intr_off();
	kprintf("\npanic (hart %d): ", (int)mycpu()->id);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	kprintf("\n");
	machine_exit(99);
}

static void echo(int c)
{
	if (!echo_on)
		return;
	if (c == '\b') {
		kputc('\b', NULL);
		kputc(' ', NULL);
	}
	kputc((char)c, NULL);
}

static void wake_readers(void)
{
	for (struct console_reader *r = cons.readers; r; r = r->next)
		VDS(event_signal)(&r->ev);
	cons.readers = NULL;
	cons.nreaders = 0;
}

/* One received byte, from the UART interrupt. */
void console_rx(int c)
{
	acquire(&cons.lock);
	switch (c) {
	case CTRL('U'): /* kill the line being edited */
		while (cons.e != cons.w && cons.buf[(cons.e - 1) % CONS_BUF] != '\n') {
			cons.e--;
			echo('\b');
		}
		break;
	case '\b':
	case 0x7f: /* backspace or delete */
		if (cons.e != cons.w) {
			cons.e--;
			echo('\b');
		}
		break;
	default:
		if (c == 0 || cons.e - cons.r >= CONS_BUF)
			break;
		c = (c == '\r') ? '\n' : c;
		cons.buf[cons.e++ % CONS_BUF] = (char)c;
		if (c != CTRL('D'))
			echo(c);
		if (c == '\n' || c == CTRL('D') || cons.e - cons.r == CONS_BUF) {
			cons.w = cons.e;
			wake_readers();
		}
		break;
	}
	release(&cons.lock);
}

/*
 * Copy up to n bytes of the next line into dst (a kernel buffer). Returns the
 * count, 0 at end of input (^D at the start of a line), or -VDS_EAGAIN when no
 * line is ready; then *ev (of process pid's read call) is signalled when one is.
 */
long console_read_line(char *dst, size_t n, struct console_reader *rd)
{
	long got = 0;
	acquire(&cons.lock);
	if (cons.r == cons.w) {
		rd->ev = (struct vds_event)VDS_EVENT_INIT;
		rd->next = cons.readers;
		cons.readers = rd;
		cons.nreaders++;
		release(&cons.lock);
		return -VDS_EAGAIN;
	}
	while (cons.r != cons.w && (size_t)got < n) {
		char c = cons.buf[cons.r % CONS_BUF];
		if (c == CTRL('D')) {
			if (got == 0)
				cons.r++; /* ^D alone is end of input; after text it ends the read */
			break;
		}
		cons.r++;
		dst[got++] = c;
		if (c == '\n')
			break;
	}
	release(&cons.lock);
	return got;
}

/* Forget a reader that gave up waiting (its process died). */
void console_cancel_read(struct console_reader *rd)
{
	acquire(&cons.lock);
	for (struct console_reader **pp = &cons.readers; *pp; pp = &(*pp)->next) {
		if (*pp == rd) {
			*pp = rd->next;
			cons.nreaders--;
			break;
		}
	}
	release(&cons.lock);
}

/* Read calls waiting for a line now (tests). */
int console_readers(void)
{
	return cons.nreaders;
}

/* Process pid is gone: wake its waiting read calls so that they end. */
void console_abort_readers(int pid)
{
	acquire(&cons.lock);
	for (struct console_reader *r = cons.readers; r; r = r->next)
		if (r->pid == pid)
			VDS(event_signal)(&r->ev);
	release(&cons.lock);
}
