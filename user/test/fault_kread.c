/* Expected to be killed: reads kernel memory (load page fault). */
int main(void)
{
	volatile unsigned long *kernel = (unsigned long *)0x80200000UL;
	return (int)*kernel;
}
