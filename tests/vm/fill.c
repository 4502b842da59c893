// SPDX-License-Identifier: GPL-2.0
/*
 * fill MIB [SEED]: map MIB MiB of anonymous memory, fill every page with
 * content that depends only on SEED and the page's index modulo 16 (so
 * processes with the same SEED hold identical data), say "ready", then
 * sleep until killed.  A helper for the demo and the integration tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib, seed, page = sysconf(_SC_PAGESIZE), i;
	size_t size;
	char *p;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fill MIB [SEED]\n");
		return 2;
	}
	mib = strtol(argv[1], NULL, 10);
	seed = argc == 3 ? strtol(argv[2], NULL, 10) : 1;
	if (mib <= 0) {
		fprintf(stderr, "fill: %s: not a positive number of MiB\n", argv[1]);
		return 2;
	}
	size = (size_t)mib << 20;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("fill: mmap");
		return 1;
	}
	for (i = 0; i < (long)(size / page); i++)
		memset(p + i * page, (int)(seed * 31 + i % 16 + 1), page);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
