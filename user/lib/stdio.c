/*
 * picolibc stdio for user programs: stdout (and stderr) line-buffered onto
 * the console-write system call, stdin line by line from console read.
 */
#include <stdio.h>
#include <string.h>
#include <vdsos/sys.h>
#include "ulib.h"

#define OUTBUF 256
#define INBUF  256

static char outbuf[OUTBUF];
static int outlen;
static char inbuf[INBUF];
static long inlen, inpos;

static int out_flush(FILE *f)
{
	(void)f;
	while (outlen > 0) {
		char line[OUTBUF];
		int len = outlen;
		memcpy(line, outbuf, (size_t)len);
		outlen = 0; /* before the call: it may run other coroutines */
		for (int done = 0; done < len;) {
			long n = sys_write(line + done, (size_t)(len - done));
			if (n <= 0)
				break;
			done += (int)n;
		}
	}
	return 0;
}

static int out_put(char c, FILE *f)
{
	if (outlen == OUTBUF)
		out_flush(f);
	outbuf[outlen++] = c;
	if (c == '\n')
		out_flush(f);
	return (unsigned char)c;
}

static int in_get(FILE *f)
{
	(void)f;
	if (inpos == inlen) {
		out_flush(NULL); /* a prompt without a newline shows before we wait */
		inlen = sys_read(inbuf, INBUF);
		inpos = 0;
		if (inlen <= 0) {
			inlen = 0;
			return EOF;
		}
	}
	return (unsigned char)inbuf[inpos++];
}

static FILE ustdio = FDEV_SETUP_STREAM(out_put, in_get, out_flush, _FDEV_SETUP_RW);
FILE *const stdout = &ustdio;
FILE *const stderr = &ustdio;
FILE *const stdin = &ustdio;

void stdio_flush(void)
{
	out_flush(&ustdio);
}
