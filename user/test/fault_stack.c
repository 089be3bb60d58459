/* Expected to be killed: deep recursion runs into the stack guard page. */
static int deep(volatile char *prev, unsigned long depth)
{
	volatile char frame[1024];
	frame[0] = prev ? prev[0] + 1 : 0;
	if (depth == 0) /* never reached: 64 KiB of stack runs out first */
		return frame[0];
	return deep(frame, depth - 1) + frame[1];
}

int main(void)
{
	return deep(0, 1UL << 20);
}
