/*
 * Files, descriptors and pipes in the user runtime (user/lib/fd.c,
 * docs/FILES.md). A descriptor is a small number in this process naming
 * either the console or a handle at the file server ("fs"), which holds
 * files, directories and pipes. The usual POSIX names work (open, read,
 * write, close, lseek, dup, dup2, pipe, mkdir, unlink, rmdir, rename,
 * chdir, getcwd, stat, fstat, ftruncate) with picolibc's declarations, and
 * so do fopen and the rest of stdio, which picolibc builds on them.
 *
 * Unlike POSIX they return the error itself, negative (-VDS_ENOENT, ...),
 * as the system calls do; errno is set to the same code, positive.
 * vds_strerror() gives the message.
 */
#ifndef VDSOS_FILES_H
#define VDSOS_FILES_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vdsos/fs.h>

#define VDS_FD_MAX 32 /* descriptors per process */

/* What a descriptor is, for a program that wants to know (vds_fdkind). */
#define VDS_FD_FREE 0
#define VDS_FD_CONS 1 /* the console: read a line, write text */
#define VDS_FD_FS   2 /* a handle at the file server: a file, a directory or a pipe */
int vds_fdkind(int fd);

/* The file server's own view of a path or descriptor. */
int vds_stat(const char *path, struct vds_stat *st);
int vds_fstat(int fd, struct vds_stat *st);

/* Up to max entries of directory fd (opened with O_DIRECTORY), continuing
 * where the last call stopped. Returns the number of entries, 0 at the
 * end. */
int vds_readdir(int fd, struct vds_dirent *out, int max);

/* Every entry of directory path at once, into *out (malloc'd; the caller
 * frees it). Returns how many, or the error. */
int vds_listdir(const char *path, struct vds_dirent **out);

/* Make path absolute and tidy ("." and ".." resolved, one slash each)
 * against the working directory, into out (VDS_PATH_MAX bytes). */
int vds_abspath(const char *path, char *out);

/* Start a program as a child of this process; it inherits every open
 * descriptor and the working directory. argv[0] is a path ("/bin/ls",
 * "./prog") or a bare name, looked for in /bin, then in the initrd.
 * Returns the child's pid. */
int vds_spawnv(char *const argv[]);

/* The same, but the child's descriptor i is this process's map[i] for i
 * below n (-1: closed), and it has no others: a shell wires a pipeline's
 * stages this way without touching its own descriptors. */
int vds_spawnfd(char *const argv[], const int *map, int n);

/* The server's counts (struct vds_fs_stats), for tests. */
int vds_fs_stats(struct vds_fs_stats *out);

/* The environment: NULL-terminated "NAME=value" strings (getenv works). */
extern char **environ;

#endif
