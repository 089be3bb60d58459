/* Expected to be killed: writes kernel memory (store page fault). */
int main(void)
{
	volatile unsigned long *kernel = (unsigned long *)0x80200000UL;
	*kernel = 0;
	return 0;
}
