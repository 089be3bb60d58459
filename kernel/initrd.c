/*
 * The initrd: user programs embedded in the kernel image. The build
 * generates the table (scripts/mkinitrd.sh): name, start, size per program.
 */
#include <string.h>
#include "defs.h"

struct initrd_entry {
	const char *name;
	const void *data;
	uint64_t size;
};

extern const struct initrd_entry initrd_table[]; /* ends with a NULL name */

int initrd_find(const char *name, const void **data, size_t *size)
{
	for (const struct initrd_entry *e = initrd_table; e->name; e++) {
		if (strcmp(e->name, name) == 0) {
			*data = e->data;
			*size = e->size;
			return 0;
		}
	}
	return -VDS_ENOENT;
}

/* The i-th program's name, or NULL past the end (for listings and tests). */
const char *initrd_name(int i)
{
	for (int k = 0; initrd_table[k].name; k++)
		if (k == i)
			return initrd_table[k].name;
	return NULL;
}
