/* Checks the argv the kernel built: run as "argv one two three". */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char *want[] = { "argv", "one", "two", "three" };
	if (argc != 4) {
		printf("argv: argc %d, want 4\n", argc);
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], want[i]) != 0) {
			printf("argv: argv[%d] = '%s', want '%s'\n", i, argv[i], want[i]);
			return 1;
		}
	}
	if (argv[argc] != NULL || ((unsigned long)argv & 15) != 0) {
		printf("argv: array not NULL-terminated or not 16-byte aligned\n");
		return 1;
	}
	return 0;
}
