// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl: control Kernel Samepage Merging for cgroups.  See ksmctl(8).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "ksmctl.h"

int main(int argc, char **argv)
{
	int ret;

	setlocale(LC_ALL, "");
	ret = ksmctl_main(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror(PROGNAME ": standard output");
		return EXIT_FAILURE;
	}
	return ret;
}
