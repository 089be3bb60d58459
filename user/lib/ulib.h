/* The user runtime's internal interface. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

void stdio_flush(void);
void fd_init(int argc, char **argv);
void fd_close_all(void);

#endif
