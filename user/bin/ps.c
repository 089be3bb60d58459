/* ps: list the processes. */
#include <vdsos.h>

static const char *state(int s)
{
	static const char *const names[] = { "?",       "runnable", "running",
		                             "waiting", "exiting",  "zombie" };
	return s >= 0 && s <= VDS_PS_ZOMBIE ? names[s] : "?";
}

int main(void)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64);
	if (n < 0) {
		printf("ps: %s\n", vds_strerror(n));
		return 1;
	}
	printf("  PID  PPID  STATE     CPU  TICKS  TRAPS  NAME\n"); /* TRAPS: doorbells */
	for (int i = 0; i < n; i++)
		printf("%5d %5d  %-9s %3d %6lu %6lu  %s\n", ps[i].pid, ps[i].ppid,
		       state(ps[i].state), ps[i].cpu, (unsigned long)ps[i].ticks,
		       (unsigned long)ps[i].doorbells, ps[i].name);
	return 0;
}
