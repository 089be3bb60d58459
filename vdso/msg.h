/* Messaging (msg.c) and message authentication (siphash.c). */
#ifndef VDSO_MSG_H
#define VDSO_MSG_H

#include "internal.h"

uint64_t siphash24(const uint64_t key[2], const uint64_t *w, size_t n);

#endif
