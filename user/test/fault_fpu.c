/* Expected to be killed: a floating-point instruction while the FPU is off. */
int main(void)
{
	__asm__ volatile(".word 0x00000053"); /* fadd.s f0, f0, f0 */
	return 0;
}
