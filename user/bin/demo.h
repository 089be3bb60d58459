/* Message types of the IPC demos (ping/pong, kvsrv/kvcli). */
#ifndef USER_BIN_DEMO_H
#define USER_BIN_DEMO_H

#include <vdsos/sys.h>

#define OP_PING (VDS_OP_USER + 1) /* arg0: a number; the reply is arg0 + 1 */
#define OP_QUIT (VDS_OP_USER + 2) /* the server replies (pong: its stats), then ends */

/* Key-value: keys and values are strings in a shared-allocator buffer,
 * passed by relative pointer (arg0) with its length (arg1). The server
 * frees the request buffer; the client frees a reply buffer. */
#define OP_KV_PUT    (VDS_OP_USER + 10) /* buffer "key\0value\0" */
#define OP_KV_GET    (VDS_OP_USER + 11) /* buffer "key\0"; reply arg1/arg2: value buffer */
#define OP_KV_DEL    (VDS_OP_USER + 12) /* buffer "key\0" */
#define OP_KV_COUNT  (VDS_OP_USER + 13) /* reply arg0: number of keys */

#define KV_KEY_MAX   32
#define KV_VALUE_MAX 4096

#endif
