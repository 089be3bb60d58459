/*
 * The one header a vdsOS program includes: the C library (picolibc), the
 * system calls sys_*() (include/vdsos/syscalls.def lists them), messages
 * and IPC through VDS(...), error codes, and files and descriptors
 * (include/vdsos/files.h).
 */
#ifndef VDSOS_H
#define VDSOS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vdsos/files.h>
#include <vdsos/sys.h>

#endif
