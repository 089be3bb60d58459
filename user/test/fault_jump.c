/* Expected to be killed: jumps to an unmapped address (instruction page fault). */
int main(void)
{
	void (*nowhere)(void) = (void (*)(void))0x50000000UL;
	nowhere();
	return 0;
}
