/*
 * picolibc stdio for user programs: stdout (and stderr) line-buffered onto
 * the console-write system call, stdin line by line from console read.
 */
#include <stdio.h>
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
	for (int done = 0; done < outlen;) {
		long n = sys_write(outbuf + done, (size_t)(outlen - done));
		if (n <= 0)
			break;
		done += (int)n;
	}
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
