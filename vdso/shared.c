/* The one object of shared data (its map: shared.h). */
#include "internal.h"

VDS_SHARED struct vds_shared_area vds_sh;
