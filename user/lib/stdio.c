/* picolibc stdio for user programs: stdout is line-buffered onto the console. */
#include <stdio.h>
#include "ulib.h"

#define OUTBUF 256

static char outbuf[OUTBUF];
static int outlen;

static int out_flush(FILE *f)
{
	(void)f;
	if (outlen > 0)
		console_write(outbuf, (size_t)outlen);
	outlen = 0;
	return 0;
}

static int out_put(char c, FILE *f)
{
	outbuf[outlen++] = c;
	if (c == '\n' || outlen == OUTBUF)
		out_flush(f);
	return (unsigned char)c;
}

static FILE ustdout = FDEV_SETUP_STREAM(out_put, NULL, out_flush, _FDEV_SETUP_WRITE);
FILE *const stdout = &ustdout;
FILE *const stderr = &ustdout;
FILE *const stdin = &ustdout;

void stdio_flush(void)
{
	out_flush(&ustdout);
}
