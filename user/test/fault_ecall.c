/* Expected to be killed: an ecall outside the vDSO's doorbell (Zircon's rule). */
#include <vdsos/abi.h>

int main(void)
{
	register long a7 __asm__("a7") = VDS_DOORBELL_MAGIC; /* even with the doorbell's magic */
	__asm__ volatile("ecall" : : "r"(a7));
	return 0;
}
