// SPDX-License-Identifier: GPL-2.0
/*
 * What memory.ksm costs when it is not used: fork+exit, mmap+touch+munmap
 * and page faults, in a cgroup whose memory.ksm is 0 (or that has no such
 * file, on a kernel without the series).  Prints one line per workload:
 * "NAME OPS_PER_SECOND".  tests/bench/run-unused boots both kernels in
 * turn and compares.
 *
 * Usage: unused CGROUP_DIR SECONDS_PER_WORKLOAD
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fork_exit(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
		perror("fork");
		exit(1);
	}
}

/* 64 pages: map, touch each, unmap. */
static void mmap_touch_munmap(void)
{
	size_t size = 64 * 4096;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	munmap(p, size);
}

/* One page fault: a fresh page of a large mapping, dropped in batches. */
static char *fault_area;
static size_t fault_next;
#define FAULT_AREA (256UL << 20)

static void page_fault(void)
{
	if (fault_next == FAULT_AREA) {
		madvise(fault_area, FAULT_AREA, MADV_DONTNEED);
		fault_next = 0;
	}
	fault_area[fault_next] = 1;
	fault_next += 4096;
}

static void run(const char *name, void (*fn)(void), double seconds)
{
	double start = now(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++)
			fn();
		n += 64;
		t = now() - start;
	} while (t < seconds);
	printf("%s %.1f\n", name, n / t);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char path[4096];
	double seconds;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: unused CGROUP_DIR SECONDS\n");
		return 2;
	}
	seconds = atof(argv[2]);
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "0\n") < 0 || fclose(f)) {
		perror(path);
		return 1;
	}
	fault_area = mmap(NULL, FAULT_AREA, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (fault_area == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	run("fork_exit", fork_exit, seconds);
	run("mmap_touch_munmap", mmap_touch_munmap, seconds);
	run("page_fault", page_fault, seconds);
	return 0;
}
