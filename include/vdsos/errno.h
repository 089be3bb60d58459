/*
 * Error codes of the vdsOS ABI. Every syscall and vDSO call returns a
 * negative code from this list on failure. Names and messages come from one
 * table (errors.def) through vds_strerror().
 */
#ifndef VDSOS_ERRNO_H
#define VDSOS_ERRNO_H

enum vds_errno {
	VDS_OK = 0,
#define VDS_ERR(name, num, msg) VDS_##name = num,
#include <vdsos/errors.def>
#undef VDS_ERR
};

#endif
