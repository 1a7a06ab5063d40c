/* cmd_scan.c — placeholder while the command is being written (replaced by its owner). */
#include <stdio.h>
#include "cmd.h"
int cmd_scan(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "custody %s: not available in this build\n", argv[0]);
	return 2;
}
