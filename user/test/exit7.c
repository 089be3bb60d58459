/* Exits at once with status 7: spawn/exit cycles and exit-status tests. */
int main(void)
{
	return 7;
}
