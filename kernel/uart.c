/*
 * The ns16550a UART (address and IRQ from the device tree). Output polls the
 * transmitter; input arrives by receive interrupt through the PLIC and goes
 * to the console's line discipline.
 */
#include "defs.h"
#include "fdt.h"

#define RBR          0 /* receive buffer (read) */
#define THR          0 /* transmit holding (write) */
#define IER          1 /* interrupt enable */
#define FCR          2 /* FIFO control (write) */
#define LCR          3 /* line control */
#define LSR          5 /* line status */

#define IER_RX       0x01
#define FCR_ENABLE   0x01
#define FCR_CLEAR_TX 0x04 /* not RX: keep what was typed during boot */
#define LCR_8N1      0x03
#define LCR_DLAB     0x80
#define LSR_RX_READY 0x01
#define LSR_TX_IDLE  0x20

static volatile uint8_t *uart;

static uint8_t reg_read(int r)
{
	return uart[r];
}

static void reg_write(int r, uint8_t v)
{
	uart[r] = v;
}

void uart_init(uint64_t base)
{
	uart = (volatile uint8_t *)base;
	uart_intr(); /* had the firmware left the FIFOs off, enabling them would drop a byte */
	reg_write(IER, 0);
	reg_write(LCR, LCR_DLAB);
	reg_write(0, 0x03); /* divisor 3: 38400 baud (QEMU ignores it) */
	reg_write(1, 0);
	reg_write(LCR, LCR_8N1);
	reg_write(FCR, FCR_ENABLE | FCR_CLEAR_TX);
	reg_write(IER, IER_RX);
	uart_intr(); /* bytes already waiting raise no new interrupt edge */
}

/* Blocking write of one byte; the console lock orders bytes from different
 * harts. Before uart_init, the byte goes through the SBI console instead. */
void uart_putc(int c)
{
	if (uart == NULL) {
		sbi_console_putchar(c);
		return;
	}
	while ((reg_read(LSR) & LSR_TX_IDLE) == 0)
		;
	reg_write(THR, (uint8_t)c);
}

/* Receive interrupt: hand every waiting byte to the console. */
void uart_intr(void)
{
	while (reg_read(LSR) & LSR_RX_READY)
		console_rx(reg_read(RBR));
}
