/* hello: the smallest program that says something. */
#include <vdsos.h>

int main(void)
{
	printf("hello from pid %d\n", sys_getpid());
	return 0;
}
