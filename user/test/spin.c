/* Computes forever: the kernel must preempt it (and can kill it). */
int main(void)
{
	volatile unsigned long n = 0;
	for (;;)
		n++;
}
