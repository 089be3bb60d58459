/* Names and messages of the error codes (include/vdsos/errors.def). */
#include <vdsos/sys.h>

struct errinfo {
	int num;
	const char *name, *msg;
};

static const struct errinfo errs[] = {
#define VDS_ERR(name, num, msg) { num, #name, msg },
#include <vdsos/errors.def>
#undef VDS_ERR
};

static const struct errinfo *find(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].num == err)
			return &errs[i];
	return NULL;
}

/* "no such process" for -VDS_ESRCH (either sign works). */
const char *vds_strerror(int err)
{
	const struct errinfo *e = find(err);
	return err == 0 ? "success" : e ? e->msg : "unknown error";
}

/* "ESRCH" for -VDS_ESRCH. */
const char *vds_errname(int err)
{
	const struct errinfo *e = find(err);
	return err == 0 ? "OK" : e ? e->name : "E?";
}
