/*
 * The platform-level interrupt controller: routes the UART's interrupt to
 * each hart's S-mode context (contexts found in the device tree).
 */
#include "defs.h"
#include "fdt.h"

#define PLIC_PRIORITY(irq)  (4 * (irq))
#define PLIC_ENABLE(ctx)    (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004 + 0x1000 * (ctx))

static volatile uint32_t *plic_reg(uint64_t off)
{
	return (volatile uint32_t *)(bootinfo.plic_base + off);
}

void plic_init(void)
{
	*plic_reg(PLIC_PRIORITY(bootinfo.uart_irq)) = 1;
}

/* Enable the UART's interrupt for this hart's S-mode context. */
void plic_inithart(void)
{
	int ctx = bootinfo.plic_context[mycpu()->id];
	if (ctx < 0)
		return;
	uint32_t irq = bootinfo.uart_irq;
	*plic_reg(PLIC_ENABLE(ctx) + 4 * (irq / 32)) |= 1U << (irq % 32);
	*plic_reg(PLIC_THRESHOLD(ctx)) = 0;
}

int plic_claim(void)
{
	int ctx = bootinfo.plic_context[mycpu()->id];
	return ctx < 0 ? 0 : (int)*plic_reg(PLIC_CLAIM(ctx));
}

void plic_complete(int irq)
{
	int ctx = bootinfo.plic_context[mycpu()->id];
	if (ctx >= 0)
		*plic_reg(PLIC_CLAIM(ctx)) = (uint32_t)irq;
}
