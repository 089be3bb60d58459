/*
 * The file server's protocol (docs/FILES.md). The server is a user process
 * registered under the name "fs"; every request is one SQE to its queue,
 * answered by one reply whose arg[0] is the result (>= 0) or a negative
 * error. Who asks is the SQE's `sender`, which the page tables vouch for:
 * handles are per sender, so a process can only use the handles it opened,
 * was given by a dup, or redeemed from a grant.
 *
 * Bulk data (paths, file contents, directory entries) travels in a buffer
 * from the shared allocator: `buf` is the relative pointer of a whole block
 * (VDS(shm_alloc)) and `len` at most its size; the server refuses anything
 * else with -VDS_EFAULT. Requests never carry more than VDS_FS_IO_MAX bytes.
 */
#ifndef VDSOS_FS_H
#define VDSOS_FS_H

#include <stdint.h>

#define VDS_FS_NAME   "fs"
#define VDS_FS_IO_MAX (64 * 1024) /* bytes per read or write request */
#define VDS_PATH_MAX  256         /* bytes in a path, NUL included */
#define VDS_FNAME_MAX 56          /* bytes in one name, NUL included */

/* Operations (the SQE's op). Arguments are arg[0..4] as listed; "-> x" is
 * what the reply's arg[0] holds on success. */
enum vds_fs_op {
	VDS_FS_OPEN = 200, /* buf, len: the path (absolute); flags -> handle */
	VDS_FS_CLOSE,      /* handle -> 0 */
	VDS_FS_READ,       /* handle, buf, len -> bytes read, 0 at end of file */
	VDS_FS_WRITE,      /* handle, buf, len -> bytes written */
	VDS_FS_SEEK,       /* handle, offset (signed), whence (0 set, 1 cur, 2 end) -> offset */
	VDS_FS_TRUNCATE,   /* handle, length -> 0 */
	VDS_FS_STAT,       /* buf, len: the path -> 0; reply arg[1..3]: struct vds_stat */
	VDS_FS_FSTAT,      /* handle -> 0; reply arg[1..3]: struct vds_stat */
	VDS_FS_MKDIR,      /* buf, len: the path -> 0 */
	VDS_FS_UNLINK,     /* buf, len: the path (a file, or an empty directory) -> 0 */
	VDS_FS_RENAME,     /* buf, len: "old\0new\0" -> 0 */
	VDS_FS_READDIR, /* handle (a directory), buf, len -> bytes of struct vds_dirent, 0 at the end */
	VDS_FS_DUP,     /* handle -> a new handle on the same open file (shared offset) */
	VDS_FS_GRANT,  /* handle -> a token another process redeems once (spawn) */
	VDS_FS_REDEEM, /* token -> a new handle on the granted open file */
	VDS_FS_PIPE,   /* -> 0; reply arg[1]: read handle, arg[2]: write handle */
	VDS_FS_STATS,  /* -> 0; reply arg[1..4]: struct vds_fs_stats */
	VDS_FS_OP_END
};

/* Open flags (VDS_FS_OPEN's flags). */
#define VDS_O_READ   0x01 /* open for reading */
#define VDS_O_WRITE  0x02 /* open for writing */
#define VDS_O_CREATE 0x04 /* create a regular file if the path does not exist */
#define VDS_O_EXCL   0x08 /* with CREATE: fail with -VDS_EEXIST if it exists */
#define VDS_O_TRUNC  0x10 /* cut a regular file to length 0 */
#define VDS_O_APPEND 0x20 /* every write goes to the end */
#define VDS_O_DIR    0x40 /* the path must be a directory (for READDIR) */

/* What STAT and FSTAT return in reply arg[1..3]. */
#define VDS_T_FILE 1
#define VDS_T_DIR  2
#define VDS_T_PIPE 3
#define VDS_T_CONS 4 /* the console: never from the server, the runtime's own */
struct vds_stat {
	uint64_t type;  /* VDS_T_* */
	uint64_t size;  /* bytes (a directory: its entries; a pipe: bytes buffered) */
	uint64_t inode; /* unique while the file exists */
};

/* READDIR fills the buffer with whole entries of this fixed size. */
struct vds_dirent {
	uint32_t type; /* VDS_T_* */
	uint32_t reserved;
	uint64_t size;
	char name[VDS_FNAME_MAX];
};
_Static_assert(sizeof(struct vds_dirent) == 72, "dirent layout is protocol");

/* What STATS returns in reply arg[1..4]: the server's counts, for tests
 * that prove a hostile or dying client leaks nothing. */
struct vds_fs_stats {
	uint64_t handles; /* open handles, over every client */
	uint64_t files;   /* open file descriptions (shared by dup'ed handles) */
	uint64_t pending; /* blocked pipe reads and writes */
	uint64_t nodes;   /* files, directories and pipes that exist */
};

#endif
