/*
 * picolibc stdio for user programs: stdin, stdout and stderr are
 * descriptors 0, 1 and 2 (user/lib/fd.c), so a redirected or piped program
 * needs no change. stdout is line-buffered on the console and
 * block-buffered elsewhere (a pipe gets whole blocks, not one message per
 * line); stderr is flushed at every newline. fopen() and the rest come from
 * picolibc, built on open/read/write/lseek/close.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <vdsos/files.h>
#include "ulib.h"

#define OUTBUF 4096
#define INBUF  4096

struct ostream {
	FILE file; /* first: picolibc hands us &file */
	int fd;
	int len;
	char buf[OUTBUF];
};

static int out_flush(FILE *f);
static int out_put(char c, FILE *f);
static int in_get(FILE *f);

static struct ostream uout = {
	FDEV_SETUP_STREAM(out_put, NULL, out_flush, _FDEV_SETUP_WRITE), 1, 0, { 0 }
};
static struct ostream uerr = {
	FDEV_SETUP_STREAM(out_put, NULL, out_flush, _FDEV_SETUP_WRITE), 2, 0, { 0 }
};
static FILE uin = FDEV_SETUP_STREAM(NULL, in_get, NULL, _FDEV_SETUP_READ);
FILE *const stdout = &uout.file;
FILE *const stderr = &uerr.file;
FILE *const stdin = &uin;

static char inbuf[INBUF];
static long inlen, inpos;

static int out_flush(FILE *f)
{
	struct ostream *s = (struct ostream *)f;
	while (s->len > 0) {
		char block[OUTBUF];
		int len = s->len;
		memcpy(block, s->buf, (size_t)len);
		s->len = 0; /* before the call: it may run other coroutines */
		for (int done = 0; done < len;) {
			ssize_t n = write(s->fd, block + done, (size_t)(len - done));
			if (n <= 0)
				return EOF; /* a closed pipe or a bad descriptor: drop */
			done += (int)n;
		}
	}
	return 0;
}

static int out_put(char c, FILE *f)
{
	struct ostream *s = (struct ostream *)f;
	if (s->len == OUTBUF && out_flush(f) == EOF)
		return EOF;
	s->buf[s->len++] = c;
	if (c == '\n' && (s == &uerr || isatty(s->fd)))
		out_flush(f);
	return (unsigned char)c;
}

static int in_get(FILE *f)
{
	(void)f;
	if (inpos == inlen) {
		stdio_flush(); /* a prompt without a newline shows before we wait */
		inlen = read(0, inbuf, INBUF);
		inpos = 0;
		if (inlen <= 0) {
			inlen = 0;
			return EOF;
		}
	}
	return (unsigned char)inbuf[inpos++];
}

void stdio_flush(void)
{
	out_flush(&uerr.file);
	out_flush(&uout.file);
}
