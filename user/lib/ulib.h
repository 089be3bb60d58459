/* The user runtime's interface to programs. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

long console_write(const char *buf, size_t n);
void stdio_flush(void);

#endif
