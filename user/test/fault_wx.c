/* Expected to be killed: writes its own code (W^X: store page fault). */
int main(void)
{
	volatile unsigned int *code = (unsigned int *)(void *)main;
	*code = 0;
	return 0;
}
