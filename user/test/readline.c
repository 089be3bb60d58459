/* readline TEXT: read one console line; exit 0 if it is TEXT. readline --eof:
 * exit 0 if the read reports end of input. */
#include <vdsos.h>

int main(int argc, char **argv)
{
	char buf[256];
	long n = sys_read(buf, sizeof(buf) - 1);
	if (argc > 1 && strcmp(argv[1], "--eof") == 0)
		return n == 0 ? 0 : 1;
	if (n <= 0)
		return 2;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (argc < 2 || strcmp(buf, argv[1]) != 0) {
		printf("readline: got '%s'\n", buf);
		return 1;
	}
	return 0;
}
