/* Expected to be killed: reads a supervisor CSR from U-mode (illegal instruction). */
int main(void)
{
	unsigned long v;
	__asm__ volatile("csrr %0, sstatus" : "=r"(v));
	return (int)v;
}
