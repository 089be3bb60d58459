/*
 * Files, directories, pipes and the shell through the file server
 * (user/bin/fs.c), after xv6's usertests: each test starts a fresh server,
 * runs one mode of user/test/fstest.c against it, and stops it.
 */
#include <vdsos/fs.h>
#include "tests.h"

/*
 * fstest MODE against a fresh server: every check must hold, and every
 * shared buffer the clients took must be back (but `lost`: the ones a
 * killed client had in flight).
 */
static int fs_run(const char *mode, uint64_t lost)
{
	struct vds_shm_stats before, after;
	VDS(shm_stats)(&before);
	int srv = kt_fs_start();
	KT_ASSERT(srv > 0);
	int code = kt_wait_code_within(kt_spawnl("fstest", mode, NULL), 120000);
	KT_EQ(kt_fs_stop(srv), 0);
	uint64_t id;
	KT_EQ(VDS(name_get)(VDS_FS_NAME, &id), -VDS_ENOENT); /* the name goes with it */
	KT_EQ(code, 0);
	VDS(shm_stats)(&after);
	KT_EQ(after.blocks_live, before.blocks_live + lost);
	return 0;
}

#define FS_TEST(name, mode)             \
	int test_##name(void)           \
	{                               \
		return fs_run(mode, 0); \
	}

FS_TEST(fs_create, "create")
FS_TEST(fs_big_file, "big")
FS_TEST(fs_many_files, "many")
FS_TEST(fs_unlink_open, "unlinkopen")
FS_TEST(fs_dirs, "dirs")
FS_TEST(fs_rename, "rename")
FS_TEST(fs_dotdot, "dotdot")
FS_TEST(fs_exec, "exec")
FS_TEST(pipe_1mib, "pipe1m")
FS_TEST(pipe_three_programs, "pipe3")
FS_TEST(pipe_eof, "pipeeof")
FS_TEST(pipe_broken, "pipebroken")
FS_TEST(sh_script, "shell")
FS_TEST(fs_hostile, "hostile")

/* The killed client had one buffer in flight (its blocked write). */
int test_fs_dead_client(void)
{
	return fs_run("dead", 1);
}
