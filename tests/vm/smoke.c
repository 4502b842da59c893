// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the test guest: the kernel is the one just built, cgroup v2
 * has the memory controller, and KSM merges two processes that opted in
 * with prctl(PR_SET_MEMORY_MERGE).
 *
 * Usage: smoke EXPECTED_RELEASE EXPECTED_VERSION
 * (uname -r and uname -v of the kernel the host built).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

#define NR_PAGES 4096
#define KSM "/sys/kernel/mm/ksm/"

static long page_size;

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void test_version(const char *release, const char *version)
{
	struct utsname u;

	if (uname(&u)) {
		ksft_test_result_fail("uname: %s\n", strerror(errno));
		return;
	}
	if (strcmp(u.release, release) || strcmp(u.version, version)) {
		ksft_print_msg("booted %s %s, built %s %s\n",
			       u.release, u.version, release, version);
		ksft_test_result_fail("the booted kernel is the one just built\n");
		return;
	}
	ksft_test_result_pass("the booted kernel is the one just built (%s %s)\n",
			      release, version);
}

static void test_memcg(void)
{
	char buf[512];

	if (read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory")) {
		ksft_test_result_fail("memory controller in cgroup v2\n");
		return;
	}
	if (read_file("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) ||
	    !strstr(buf, "memory")) {
		ksft_test_result_fail("memory enabled in the root's subtree_control\n");
		return;
	}
	ksft_test_result_pass("memory controller available in cgroup v2\n");
}

/* A child: map identical pages, opt in, report, wait, check its data. */
static void merge_child(int ready_fd, int go_fd)
{
	char *p, c;
	long i;

	p = mmap(NULL, NR_PAGES * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < NR_PAGES * page_size; i++)
		p[i] = (char)(i / page_size % 7 == 0 ? 0x5a : 0xa5);
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		_exit(3);
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
		_exit(4);
	for (i = 0; i < NR_PAGES * page_size; i++)
		if (p[i] != (char)(i / page_size % 7 == 0 ? 0x5a : 0xa5))
			_exit(5);
	_exit(0);
}

static void test_prctl_merge(void)
{
	int ready[2], go[2], i, status, fails = 0;
	long scans, merging[2];
	pid_t pid[2];
	char path[64], c;
	time_t deadline;

	if (write_file(KSM "pages_to_scan", "4000") ||
	    write_file(KSM "sleep_millisecs", "10") ||
	    write_file(KSM "run", "1")) {
		ksft_test_result_fail("cannot start ksmd: %s\n", strerror(errno));
		return;
	}
	if (pipe(ready) || pipe(go))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (pid[i] == 0)
			merge_child(ready[1], go[0]);
	}
	for (i = 0; i < 2; i++)
		if (read(ready[0], &c, 1) != 1)
			ksft_exit_fail_msg("child did not start\n");

	/* Two full scans after both opted in: the second one merges. */
	scans = read_long(KSM "full_scans");
	deadline = time(NULL) + 120;
	for (;;) {
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages",
				 pid[i]);
			merging[i] = read_long(path);
		}
		/* Other pages of theirs (stack, zeroes) may merge too. */
		if (merging[0] >= NR_PAGES && merging[1] >= NR_PAGES)
			break;
		if (read_long(KSM "full_scans") >= scans + 3 ||
		    time(NULL) > deadline)
			break;
		usleep(20000);
	}
	if (write(go[1], "gg", 2) != 2)
		ksft_exit_fail_msg("write: %s\n", strerror(errno));
	for (i = 0; i < 2; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("child %d: status %#x\n", pid[i], status);
			fails++;
		}
	}
	write_file(KSM "run", "2");
	ksft_print_msg("ksm_merging_pages: %ld and %ld of %d\n",
		       merging[0], merging[1], NR_PAGES);
	ksft_test_result(!fails && merging[0] >= NR_PAGES &&
			 merging[1] >= NR_PAGES,
			 "two processes with PR_SET_MEMORY_MERGE are merged, data intact\n");
}

int main(int argc, char **argv)
{
	if (argc != 3)
		ksft_exit_fail_msg("usage: smoke RELEASE VERSION\n");
	page_size = sysconf(_SC_PAGESIZE);
	ksft_print_header();
	ksft_set_plan(3);
	test_version(argv[1], argv[2]);
	test_memcg();
	test_prctl_merge();
	ksft_finished();
}
