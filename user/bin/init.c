/* init: the first process. */
#include <stdio.h>

int main(void)
{
	printf("init: hello from user space\n");
	return 0;
}
