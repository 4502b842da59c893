// SPDX-License-Identifier: GPL-2.0
/*
 * pages N alike|unique SEED: map N anonymous pages and make them mergeable
 * (prctl PR_SET_MEMORY_MERGE), fill them, all with the same content
 * ("alike", which KSM merges) or each with its own ("unique", which it
 * never does), the content depending on SEED too, print "ready", and
 * sleep until killed.  A workload for the ksmd benchmarks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

int main(int argc, char **argv)
{
	long n, seed, i, j, words = sysconf(_SC_PAGESIZE) / sizeof(long);
	char *end;
	long *p;
	int alike;

	if (argc != 4 || (strcmp(argv[2], "alike") && strcmp(argv[2], "unique"))) {
		fprintf(stderr, "usage: pages N alike|unique SEED\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "pages: %s: not a positive number of pages\n",
			argv[1]);
		return 2;
	}
	alike = !strcmp(argv[2], "alike");
	seed = strtol(argv[3], NULL, 10);
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		perror("pages: PR_SET_MEMORY_MERGE");
	p = mmap(NULL, n * words * sizeof(long), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("pages: mmap");
		return 1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < words; j++)
			p[i * words + j] = (seed << 40) + j + (alike ? 0 : i << 20);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
