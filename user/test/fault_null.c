/* Expected to be killed: dereferences NULL (nothing is mapped at page 0). */
int main(void)
{
	volatile int *p = 0;
	return *p;
}
