// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksm-fill [MIB]: map MIB MiB (default 32) of anonymous memory, fill every
 * page with the same bytes, say "ready" and sleep until killed.  It asks
 * for nothing itself (no madvise, no prctl): whether its pages merge is up
 * to its cgroup's memory.ksm.  Built static, for the test guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 32;
	long page = sysconf(_SC_PAGESIZE), i;
	size_t size;
	char *p;

	if (mib <= 0 || argc > 2) {
		fprintf(stderr, "usage: ksm-fill [MIB]\n");
		return 2;
	}
	size = (size_t)mib << 20;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("ksm-fill: mmap");
		return 1;
	}
	for (i = 0; i < (long)(size / page); i++)
		memset(p + i * page, 0x5a, page);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
