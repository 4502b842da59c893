// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of memory.ksm (KSM enabled for every process of a memory cgroup),
 * memory.ksm.stat (what KSM saves and costs for a cgroup),
 * memory.ksm.weight (the cgroup's share of ksmd's work) and
 * memory.ksm.isolated (the cgroup a merge domain of its own).
 *
 * Each test starts "workers": processes that map NR_PAGES anonymous pages
 * with the same content (four distinct pages, repeated), then wait for
 * commands on a pipe.  Merging is judged by /proc/<pid>/ksm_merging_pages,
 * waiting for ksmd's full_scans to advance, never for a fixed time; after
 * every merge and unmerge the workers check their pages byte for byte.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

#define NR_PAGES	512
#define KSM_SYSFS	"/sys/kernel/mm/ksm/"
/* Bounds of every wait for ksmd: full scans, and seconds as a backstop. */
#define WAIT_SCANS	4
#define WAIT_SECONDS	180

/* How a worker sets itself up. */
enum {
	W_PRCTL		= 1 << 0,	/* prctl(PR_SET_MEMORY_MERGE, 1) */
	W_MADVISE	= 1 << 1,	/* MADV_MERGEABLE on its pages */
	W_UNMERGEABLE	= 1 << 2,	/* MADV_UNMERGEABLE on the second half */
	W_THREADS	= 1 << 3,	/* fill the pages from three threads */
	W_EXEC		= 1 << 4,	/* execve() itself before mapping */
	W_ZEROES	= 1 << 5,	/* also ZERO_PAGES pages of zeroes */
	W_LARGE		= 1 << 6,	/* LARGE_PAGES pages, not NR_PAGES */
	W_SALT		= 1 << 7,	/* contents of its own (the pacemaker) */
	W_NODE0		= 1 << 8,	/* its pages on NUMA node 0 ... */
	W_NODE1		= 1 << 9,	/* ... or on node 1 (MPOL_BIND) */
};

/* The pages of a W_LARGE worker: 128 MiB with 4 KiB pages */
#define LARGE_PAGES	32768

#define ZERO_PAGES	64
/* Children that test_ksm_fork_many() forks */
#define FORK_CHECKS	400

struct worker {
	pid_t pid;
	int cmd;	/* commands to the worker */
	int resp;	/* its answers */
};

static char *self_exe;
/*
 * In a worker: its pages, how many, page 0's generation (CMD_WRITE), and
 * its pages of zeroes (W_ZEROES) or NULL.  A worker's children inherit
 * them all.
 */
static char *worker_p;
static long worker_npages = NR_PAGES;
static int worker_gen0;
static int worker_salt;
static char *worker_z;
/* The cgroup the tests run in, and the process ksmd always has to scan */
static char *runner_cg;
static struct worker pacemaker;
/* ksmd's knobs as the tests found them */
static long saved_run, saved_pages, saved_sleep, saved_smart, saved_feed;

/* ---- page contents ---------------------------------------------------- */

static char page_byte(long page, long off, int gen)
{
	return (char)(0x11 * (page % 4 + 1) + off % 251 + gen + worker_salt);
}

static void fill_pages(char *p, long first, long nr)
{
	long i, j;

	for (i = first; i < first + nr; i++)
		for (j = 0; j < PAGE_SIZE; j++)
			p[i * PAGE_SIZE + j] = page_byte(i, j, 0);
}

/* Byte-for-byte check; page 0 has generation @gen0 (see CMD_WRITE). */
static bool check_pages(const char *p, int gen0)
{
	long i, j;

	for (i = 0; i < worker_npages; i++)
		for (j = 0; j < PAGE_SIZE; j++)
			if (p[i * PAGE_SIZE + j] != page_byte(i, j, i ? 0 : gen0))
				return false;
	return true;
}

/* Pages that were written and hold zeroes again (use_zero_pages). */
static char *map_zeroes(void)
{
	char *z;
	long i;

	z = mmap(NULL, ZERO_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z == MAP_FAILED)
		return NULL;
	for (i = 0; i < ZERO_PAGES * PAGE_SIZE; i += PAGE_SIZE) {
		z[i] = 1;
		z[i] = 0;
	}
	return z;
}

static bool check_zeroes(const char *z)
{
	long i;

	for (i = 0; i < ZERO_PAGES * PAGE_SIZE; i++)
		if (z[i])
			return false;
	return true;
}

/* ---- the worker --------------------------------------------------------- */

enum {
	CMD_CHECK = 'c',	/* check the pages: 'y' or 'n' */
	CMD_WRITE = 'w',	/* write a new generation to page 0 */
	CMD_GET = 'g',		/* PR_GET_MEMORY_MERGE: '0' or '1' */
	CMD_FORK = 'f',		/* fork a worker; answers its pid */
	CMD_CLONE_VM = 'v',	/* clone a CLONE_VM sibling; answers its pid */
	CMD_COUNT = 'k',	/* how many of its pages are KSM pages (long) */
	CMD_FORK_CHECK = 'i',	/* fork children: how many not merged (long) */
	CMD_FORK_INTO = 'F',	/* then an int fd: CMD_FORK into that cgroup */
	CMD_FORK_STORM = 's',	/* fork until a byte comes (storm_result) */
	CMD_VM_WORKER = 'V',	/* CMD_FORK, but a CLONE_VM sibling */
	CMD_ADDR = 'a',		/* the address of its pages (unsigned long) */
	CMD_ONLY = 'o',		/* MADV_UNMERGEABLE but on its pages: 'y' */
	CMD_EXIT = 'e',
};

struct fill_arg {
	char *p;
	long first, nr;
};

static void *fill_thread(void *arg)
{
	struct fill_arg *a = arg;

	fill_pages(a->p, a->first, a->nr);
	return NULL;
}

static int vm_sibling(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static int worker_loop(int cmd, int resp, int flags);
static int worker_serve(int cmd, int resp);

/*
 * How many of the worker's pages at @p are KSM pages, by the "KSM:" lines
 * of /proc/self/smaps.  Other pages of a process (stack, zeroes) may be
 * merged as well, so the tests count the worker's own pages this way rather
 * than by ksm_merging_pages; guard pages keep them in VMAs of their own.
 * (/proc/kpageflags is no help: this kernel reports KPF_KSM for every
 * anonymous page.)  No stdio, no malloc: a CLONE_VM sibling counts this
 * way too, with the memory of a process that may be gone.
 */
static long count_ksm_pages(const char *p)
{
	unsigned long start = (unsigned long)p;
	unsigned long end = start + worker_npages * PAGE_SIZE;
	static char buf[65536];
	size_t len = 0;
	bool in = false;
	long kb, n = 0;
	ssize_t r;
	int fd;

	fd = open("/proc/self/smaps", O_RDONLY);
	if (fd < 0)
		return -1;
	for (;;) {
		char *line = buf, *nl;
		unsigned long s, e;

		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += r;
		buf[len] = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (sscanf(line, "%lx-%lx ", &s, &e) == 2)
				in = s < end && e > start;
			else if (in && sscanf(line, "KSM: %ld kB", &kb) == 1)
				n += kb * 1024 / PAGE_SIZE;
			line = nl + 1;
		}
		len -= line - buf;
		memmove(buf, line, len);
	}
	close(fd);
	return r < 0 ? -1 : n;
}

static int answer(int resp, const void *buf, size_t len)
{
	return write(resp, buf, len) == (ssize_t)len ? 0 : -1;
}

static int worker_main(int cmd, int resp, int flags)
{
	char fds[2][16], fl[16];

	/*
	 * A forked worker starts with the test's pages (heap, stack, data),
	 * shared until one side writes.  prctl(PR_SET_MEMORY_MERGE) makes them
	 * mergeable in the worker alone, and KSM may make such a page a KSM
	 * page where it is (it refuses only in the VMAs merged for a memory
	 * cgroup): the test would map a KSM page that no rmap_item leads to,
	 * which run=2 cannot unmerge and which keeps ksmd's knobs EBUSY.  So a
	 * prctl() worker starts from an mm of its own.
	 */
	if (flags & W_PRCTL)
		flags |= W_EXEC;
	if (flags & W_EXEC) {
		snprintf(fds[0], sizeof(fds[0]), "%d", cmd);
		snprintf(fds[1], sizeof(fds[1]), "%d", resp);
		snprintf(fl, sizeof(fl), "%d", flags & ~W_EXEC);
		execl(self_exe, self_exe, "--worker", fds[0], fds[1], fl,
		      (char *)NULL);
		return 100;
	}
	return worker_loop(cmd, resp, flags);
}

/*
 * CMD_ONLY: take every mapping of the process but its pages out of the
 * merging of its cgroup (MADV_UNMERGEABLE), so that its pages are all it
 * has merged: its stack, heap and data are much like those of any other
 * worker.  Mappings that KSM cannot merge ignore the advice.
 */
static int unmergeable_elsewhere(void)
{
	unsigned long start = (unsigned long)worker_p, s, e;
	static char buf[16384];
	char *line, *save;
	ssize_t len;

	len = read_text("/proc/self/maps", buf, sizeof(buf));
	if (len <= 0 || len == sizeof(buf) - 1)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lx-%lx", &s, &e) != 2 || s == start)
			continue;
		if (madvise((void *)s, e - s, MADV_UNMERGEABLE) &&
		    errno != EINVAL && errno != ENOMEM)
			return -1;
	}
	return 0;
}

/*
 * CMD_FORK and CMD_FORK_INTO: a child that is a worker of its own, on new
 * pipes, with the pages it inherits; the pipes' ends for the test follow
 * the pid.  @cgroup_fd < 0: fork(), else clone3(CLONE_INTO_CGROUP) into
 * that cgroup.
 */
static int worker_fork_child(int cmd, int resp, int cgroup_fd)
{
	int c2[2], r2[2];
	pid_t pid;

	if (pipe(c2) || pipe(r2))
		return 107;
	pid = cgroup_fd < 0 ? fork() : clone_into_cgroup(cgroup_fd);
	if (pid == 0) {
		close(cmd);
		close(resp);
		close(c2[1]);
		close(r2[0]);
		exit(worker_serve(c2[0], r2[1]));
	}
	close(c2[0]);
	close(r2[1]);
	c2[0] = c2[1];
	c2[1] = r2[0];
	if (answer(resp, &pid, sizeof(pid)) || answer(resp, c2, sizeof(c2)))
		return 108;
	return 0;
}

/* Children of CMD_FORK_STORM: before it answers, and in all */
#define STORM_BEFORE	8
#define STORM_MAX	256

/* What CMD_FORK_STORM answers */
struct storm_result {
	long children;		/* forked */
	long merged;		/* of them, with KSM pages left */
	long corrupt;		/* of them, with pages that differ */
};

/*
 * CMD_FORK_STORM: fork STORM_BEFORE children, answer, and fork more until
 * the test sends a byte (STORM_MAX at most); then let them look: each
 * child counts its KSM pages, checks its pages, and reports on a pipe.
 */
static int worker_fork_storm(int cmd, int resp)
{
	struct pollfd pfd = { .fd = cmd, .events = POLLIN };
	struct storm_result res = {};
	bool answered = false;
	int go[2], rep[2];
	long report[2];
	pid_t pid;
	char c;

	if (pipe(go) || pipe(rep))
		return 116;
	while (res.children < STORM_MAX) {
		if (res.children == STORM_BEFORE) {
			if (answer(resp, "r", 1))
				return 117;
			answered = true;
		}
		if (answered && poll(&pfd, 1, 0))
			break;
		pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			close(go[1]);
			close(rep[0]);
			/* Wait for the test's word, then look at the pages */
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			report[0] = count_ksm_pages(worker_p);
			report[1] = check_pages(worker_p, worker_gen0);
			_exit(write(rep[1], report, sizeof(report)) !=
			      sizeof(report));
		}
		res.children++;
	}
	/* Too few children: the test finds out from the answer */
	if (!answered && answer(resp, "r", 1))
		return 117;
	if (read(cmd, &c, 1) != 1)
		return 118;
	close(go[1]);
	close(rep[1]);
	while (read(rep[0], report, sizeof(report)) == sizeof(report)) {
		res.merged += report[0] != 0;
		res.corrupt += !report[1];
	}
	close(go[0]);
	close(rep[0]);
	while (wait(NULL) > 0)
		;
	return answer(resp, &res, sizeof(res)) ? 119 : 0;
}

/* A CLONE_VM sibling that answers CMD_COUNT and CMD_CHECK for the mm */
struct vm_worker_arg {
	int cmd, resp;
};

static int vm_worker(void *arg)
{
	struct vm_worker_arg *a = arg;

	return worker_serve(a->cmd, a->resp);
}

/*
 * CMD_VM_WORKER: clone a CLONE_VM sibling on new pipes, like CMD_FORK.  It
 * shares the worker's memory, and so its pages.
 */
static int worker_vm_child(int resp)
{
	static struct vm_worker_arg a;
	size_t stack_size = 256 * 1024;
	char *stack = malloc(stack_size);
	int c2[2], r2[2];
	pid_t pid;

	if (!stack || pipe(c2) || pipe(r2))
		return 120;
	a = (struct vm_worker_arg){ c2[0], r2[1] };
	pid = clone(vm_worker, stack + stack_size, CLONE_VM | SIGCHLD, &a);
	c2[0] = c2[1];
	c2[1] = r2[0];
	if (answer(resp, &pid, sizeof(pid)) || answer(resp, c2, sizeof(c2)))
		return 121;
	return 0;
}

/* Answer the test's commands on @cmd and @resp about the worker's pages */
static int worker_serve(int cmd, int resp)
{
	char *z = worker_z;
	char c;
	long i;
	int err;

	while (read(cmd, &c, 1) == 1) {
		int cgroup_fd;
		pid_t pid;
		char r;

		switch (c) {
		case CMD_CHECK:
			r = check_pages(worker_p, worker_gen0) &&
			    (!z || check_zeroes(z)) ? 'y' : 'n';
			break;
		case CMD_WRITE:
			worker_gen0++;
			for (i = 0; i < PAGE_SIZE; i++)
				worker_p[i] = page_byte(0, i, worker_gen0);
			r = 'y';
			break;
		case CMD_GET:
			r = '0' + prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);
			break;
		case CMD_FORK:
		case CMD_FORK_INTO:
			cgroup_fd = -1;
			if (c == CMD_FORK_INTO &&
			    read(cmd, &cgroup_fd, sizeof(cgroup_fd)) !=
			    sizeof(cgroup_fd))
				return 115;
			err = worker_fork_child(cmd, resp, cgroup_fd);
			if (err)
				return err;
			continue;
		case CMD_FORK_CHECK: {
			long missing = 0;

			for (i = 0; i < FORK_CHECKS; i++) {
				pid = fork();
				if (pid == 0)
					for (;;)
						pause();
				if (pid < 0)
					return 113;
				missing += proc_read_strstr(pid, false, "ksm_stat",
							    "ksm_merge_memcg: yes") != 0;
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
			}
			if (answer(resp, &missing, sizeof(missing)))
				return 114;
			continue;
		}
		case CMD_FORK_STORM:
			err = worker_fork_storm(cmd, resp);
			if (err)
				return err;
			continue;
		case CMD_COUNT: {
			long n = count_ksm_pages(worker_p);

			if (answer(resp, &n, sizeof(n)))
				return 111;
			continue;
		}
		case CMD_CLONE_VM: {
			size_t stack_size = 64 * 1024;
			char *stack = malloc(stack_size);

			pid = stack ? clone(vm_sibling, stack + stack_size,
					    CLONE_VM | SIGCHLD, NULL) : -1;
			if (answer(resp, &pid, sizeof(pid)))
				return 109;
			continue;
		}
		case CMD_ONLY:
			r = unmergeable_elsewhere() ? 'n' : 'y';
			break;
		case CMD_ADDR: {
			unsigned long addr = (unsigned long)worker_p;

			if (answer(resp, &addr, sizeof(addr)))
				return 116;
			continue;
		}
		case CMD_VM_WORKER:
			err = worker_vm_child(resp);
			if (err)
				return err;
			continue;
		case CMD_EXIT:
			return 0;
		default:
			r = '?';
		}
		if (answer(resp, &r, 1))
			return 110;
	}
	return 0;
}

static int worker_loop(int cmd, int resp, int flags)
{
	size_t size;
	char *p, *z = NULL;
	long i;

	if (flags & W_LARGE)
		worker_npages = LARGE_PAGES;
	if (flags & W_SALT)
		worker_salt = 0x40;
	size = worker_npages * PAGE_SIZE;
	if ((flags & W_PRCTL) && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		return 101;
	/* Between guard pages: a VMA that merges with no neighbour. */
	p = mmap(NULL, size + 2 * PAGE_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 102;
	p += PAGE_SIZE;
	if (mprotect(p, size, PROT_READ | PROT_WRITE))
		return 102;
	if ((flags & W_MADVISE) && madvise(p, size, MADV_MERGEABLE))
		return 103;
	if ((flags & W_UNMERGEABLE) &&
	    madvise(p + size / 2, size / 2, MADV_UNMERGEABLE))
		return 104;
	if (flags & (W_NODE0 | W_NODE1)) {
		unsigned long node = flags & W_NODE1 ? 2 : 1;

		if (syscall(__NR_mbind, p, size, MPOL_BIND, &node,
			    sizeof(node) * 8, 0))
			return 113;
	}
	if (flags & W_THREADS) {
		struct fill_arg a[3];
		pthread_t t[3];

		for (i = 0; i < 3; i++) {
			a[i].p = p;
			a[i].first = worker_npages * i / 3;
			a[i].nr = worker_npages * (i + 1) / 3 - a[i].first;
			if (pthread_create(&t[i], NULL, fill_thread, &a[i]))
				return 105;
		}
		for (i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
	} else {
		fill_pages(p, 0, worker_npages);
	}
	if (flags & W_ZEROES) {
		z = map_zeroes();
		if (!z)
			return 112;
	}
	worker_p = p;
	worker_z = z;
	if (answer(resp, "r", 1))
		return 106;
	return worker_serve(cmd, resp);
}

struct spawn_arg {
	int cmd, resp, flags;
	int close_cmd, close_resp;
};

static int spawn_fn(const char *cgroup, void *arg)
{
	struct spawn_arg *a = arg;

	close(a->close_cmd);
	close(a->close_resp);
	return worker_main(a->cmd, a->resp, a->flags);
}

/* Wait for a worker's "ready"; false if it died instead. */
static bool worker_ready(struct worker *w)
{
	char c;

	return read(w->resp, &c, 1) == 1 && c == 'r';
}

/*
 * Start a worker in @cgroup (clone3(CLONE_INTO_CGROUP), or fork and
 * migrate where that is missing).
 */
static int worker_start(struct worker *w, const char *cgroup, int flags)
{
	struct spawn_arg a;
	int c[2], r[2];

	if (pipe(c) || pipe(r))
		return -1;
	a = (struct spawn_arg){ c[0], r[1], flags, c[1], r[0] };
	w->pid = cg_run_nowait(cgroup, spawn_fn, &a);
	close(c[0]);
	close(r[1]);
	w->cmd = c[1];
	w->resp = r[0];
	if (w->pid < 0)
		return -1;
	return worker_ready(w) ? 0 : -1;
}

static char worker_cmd(struct worker *w, char cmd)
{
	char r = 0;

	if (write(w->cmd, &cmd, 1) != 1 || read(w->resp, &r, 1) != 1)
		return 0;
	return r;
}

static bool worker_check(struct worker *w)
{
	return worker_cmd(w, CMD_CHECK) == 'y';
}

/* How many of the worker's NR_PAGES pages are merged, or -1. */
static long worker_ksm_pages(struct worker *w)
{
	char c = CMD_COUNT;
	long n;

	if (write(w->cmd, &c, 1) != 1 ||
	    read(w->resp, &n, sizeof(n)) != sizeof(n))
		return -1;
	return n;
}

/*
 * Ask @w for a child with @cmd (CMD_FORK, CMD_FORK_INTO with @cgroup_fd,
 * CMD_VM_WORKER): a worker of its own, with @w's pages.
 */
static int worker_child(struct worker *w, struct worker *child, char cmd,
			int cgroup_fd)
{
	char path[64];
	int fd[2];

	if (write(w->cmd, &cmd, 1) != 1 ||
	    (cmd == CMD_FORK_INTO &&
	     write(w->cmd, &cgroup_fd, sizeof(cgroup_fd)) != sizeof(cgroup_fd)) ||
	    read(w->resp, &child->pid, sizeof(pid_t)) != sizeof(pid_t) ||
	    read(w->resp, fd, sizeof(fd)) != sizeof(fd) || child->pid <= 0)
		return -1;
	/* The pipes are the forking worker's: open them through /proc. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", w->pid, fd[0]);
	child->cmd = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", w->pid, fd[1]);
	child->resp = open(path, O_RDONLY);
	if (child->cmd < 0 || child->resp < 0)
		return -1;
	return 0;
}

/* Ask @w to fork: the child is a worker of its own, with @w's pages. */
static int worker_fork(struct worker *w, struct worker *child)
{
	return worker_child(w, child, CMD_FORK, -1);
}

static void worker_stop(struct worker *w)
{
	char c = CMD_EXIT;

	if (w->pid <= 0)
		return;
	if (write(w->cmd, &c, 1) != 1)
		kill(w->pid, SIGKILL);
	close(w->cmd);
	close(w->resp);
	waitpid(w->pid, NULL, 0);
	w->pid = 0;
}

/* ---- ksmd --------------------------------------------------------------- */

static long ksm_read(const char *knob)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), KSM_SYSFS "%s", knob);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

static int ksm_write(const char *knob, long val)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), KSM_SYSFS "%s", knob);
	snprintf(buf, sizeof(buf), "%ld", val);
	return write_text(path, buf, strlen(buf)) == (ssize_t)strlen(buf) ? 0 : -1;
}

static long merging_pages(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/*
 * The bound of a wait for ksmd: WAIT_SCANS more full scans, but at least
 * STAT_SECONDS, or WAIT_SECONDS.  The memory controller's counters
 * (memory.stat, ksm_pages) may lag by a few updates per CPU until its
 * periodic flush, every two seconds.
 */
#define STAT_SECONDS	5

struct ksm_wait {
	long scans;
	time_t least, deadline;
};

static struct ksm_wait ksm_wait_start(void)
{
	return (struct ksm_wait){
		.scans = ksm_read("full_scans") + WAIT_SCANS,
		.least = time(NULL) + STAT_SECONDS,
		.deadline = time(NULL) + WAIT_SECONDS,
	};
}

static bool ksm_wait_over(const struct ksm_wait *w)
{
	time_t now = time(NULL);

	return (ksm_read("full_scans") >= w->scans && now > w->least) ||
	       now > w->deadline;
}

/*
 * What ksmd and the kernel know of a worker that a wait gave up on: its
 * cgroup and its /proc/<pid>/ksm_stat, one line each.
 */
static void worker_diag(struct worker *w)
{
	char buf[1024], *line, *save;

	if (proc_read_text(w->pid, false, "cgroup", buf, sizeof(buf)) > 0)
		ksft_print_msg("pid %d: cgroup %s", w->pid, buf);
	if (proc_read_text(w->pid, false, "ksm_stat", buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		ksft_print_msg("pid %d: %s\n", w->pid, line);
}

/*
 * Wait until @want of each worker's pages are merged, or until ksmd has
 * made WAIT_SCANS more full scans without that happening.  Returns true if
 * it happened.
 */
static bool wait_merging(struct worker *w, int n, long want)
{
	struct ksm_wait wait = ksm_wait_start();
	time_t start = time(NULL);
	long got;
	int i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (worker_ksm_pages(&w[i]) != want)
				break;
		if (i == n)
			return true;
		if (ksm_wait_over(&wait)) {
			ksft_print_msg("gave up after %lds and %ld full scans\n",
				       (long)(time(NULL) - start),
				       ksm_read("full_scans") + WAIT_SCANS -
				       wait.scans);
			for (i = 0; i < n; i++) {
				got = worker_ksm_pages(&w[i]);
				ksft_print_msg("pid %d: %ld pages merged, want %ld\n",
					       w[i].pid, got, want);
				if (got != want)
					worker_diag(&w[i]);
			}
			return false;
		}
		usleep(10000);
	}
}

/* Let ksmd make @scans full scans (bounded by WAIT_SECONDS). */
static bool wait_scans(int scans)
{
	long start = ksm_read("full_scans");
	time_t deadline = time(NULL) + WAIT_SECONDS;

	while (ksm_read("full_scans") < start + scans) {
		if (time(NULL) > deadline) {
			ksft_print_msg("ksmd made no %d full scans in %ds\n",
				       scans, WAIT_SECONDS);
			return false;
		}
		usleep(10000);
	}
	return true;
}

/*
 * Nothing of the workers is merged after ksmd made two more full scans,
 * by the count of the whole process (ksm_merging_pages).
 */
static bool stays_unmerged(struct worker *w, int n)
{
	int i;

	if (!wait_scans(2))
		return false;
	for (i = 0; i < n; i++)
		if (merging_pages(w[i].pid) != 0) {
			ksft_print_msg("pid %d: %ld pages merged, want none\n",
				       w[i].pid, merging_pages(w[i].pid));
			return false;
		}
	return true;
}

/*
 * None of the workers' pages is a KSM page, right now: what a write that
 * unmerges must leave behind when it returns.  (ksm_merging_pages drops
 * later, when ksmd next passes and drops its rmap_items.)
 */
static bool none_merged(struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (worker_ksm_pages(&w[i]) != 0) {
			ksft_print_msg("pid %d: %ld pages still merged\n",
				       w[i].pid, worker_ksm_pages(&w[i]));
			return false;
		}
	return true;
}

static bool all_check(struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!worker_check(&w[i])) {
			ksft_print_msg("pid %d: page contents differ\n", w[i].pid);
			return false;
		}
	return true;
}

/* The "ksm_merge_*" lines of /proc/<pid>/ksm_stat. */
static bool ksm_stat_says(pid_t pid, const char *line)
{
	return proc_read_strstr(pid, false, "ksm_stat", line) == 0;
}

/* ---- cgroups ------------------------------------------------------------ */

static int cg_ksm(const char *cgroup, int val)
{
	return cg_write(cgroup, "memory.ksm", val ? "1" : "0");
}

/* memory.ksm.isolated */
static int cg_isolated(const char *cgroup, int val)
{
	return cg_write(cgroup, "memory.ksm.isolated", val ? "1" : "0");
}

static char *cg_new(const char *root, const char *name)
{
	char *cg = cg_name(root, name);

	if (cg && cg_create(cg)) {
		free(cg);
		return NULL;
	}
	return cg;
}

/* @file is absent from the root cgroup @root and has @mode in @cg. */
static bool cg_file_mode(const char *root, const char *cg, const char *file,
			 mode_t mode)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	if (!access(path, F_OK)) {
		ksft_print_msg("the root cgroup has %s\n", file);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (stat(path, &st)) {
		ksft_print_msg("%s: %s\n", path, strerror(errno));
		return false;
	}
	if ((st.st_mode & 0777) != mode) {
		ksft_print_msg("%s: mode %o, want %o\n", path,
			       st.st_mode & 0777, mode);
		return false;
	}
	return true;
}

static void cg_free(char *cg)
{
	if (cg) {
		cg_killall(cg);
		cg_destroy(cg);
		free(cg);
	}
}

/*
 * Create the cgroups @names, parents first, into @cg, and enable the memory
 * controller for the children of the first @parents; cg_free_tree() frees
 * what was created, also when this failed.
 */
static int cg_new_tree(const char *root, const char *const *names, int n,
		       int parents, char **cg)
{
	int i;

	for (i = 0; i < n; i++) {
		cg[i] = cg_new(root, names[i]);
		if (!cg[i])
			return -1;
	}
	for (i = 0; i < parents; i++)
		if (cg_write(cg[i], "cgroup.subtree_control", "+memory"))
			return -1;
	return 0;
}

/* Children first */
static void cg_free_tree(char **cg, int n)
{
	while (n--)
		cg_free(cg[n]);
}

static void stop_all(struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		worker_stop(&w[i]);
}

/* ---- the tests ---------------------------------------------------------- */

/*
 * The file: 0644 in non-root cgroups, absent at the root, 0 by default,
 * takes 0 and 1 (with or without a newline), refuses anything else with
 * EINVAL and keeps its value.
 */
static int test_ksm_file(const char *root)
{
	static const char *const bad[] = {
		"2", "-1", "10", "01", "yes", "1 1", "0x1", "\n", "11\n",
	};
	int ret = KSFT_FAIL;
	char *cg;
	size_t i;

	cg = cg_new(root, "ksm_test_file");
	if (!cg || !cg_file_mode(root, cg, "memory.ksm", 0644))
		goto out;
	if (cg_read_strcmp(cg, "memory.ksm", "0\n"))
		goto out;
	if (cg_write(cg, "memory.ksm", "1") ||
	    cg_read_strcmp(cg, "memory.ksm", "1\n"))
		goto out;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cg_write(cg, "memory.ksm", (char *)bad[i]) != -EINVAL) {
			ksft_print_msg("writing \"%s\" did not fail with EINVAL\n",
				       bad[i]);
			goto out;
		}
		if (cg_read_strcmp(cg, "memory.ksm", "1\n"))
			goto out;
	}
	if (cg_write(cg, "memory.ksm", "0\n") ||
	    cg_read_strcmp(cg, "memory.ksm", "0\n") ||
	    cg_write(cg, "memory.ksm", "1\n") ||
	    cg_read_strcmp(cg, "memory.ksm", "1\n"))
		goto out;
	ret = KSFT_PASS;
out:
	cg_free(cg);
	return ret;
}

/*
 * Processes already in a cgroup are merged when 1 is written; those of a
 * sibling are not.  ksm_stat says the cgroup, not the process, asked.
 */
static int test_ksm_enable_present(const char *root)
{
	struct worker w[2] = {}, s[2] = {};
	char *a = NULL, *b = NULL;
	int ret = KSFT_FAIL;

	a = cg_new(root, "ksm_test_a");
	b = cg_new(root, "ksm_test_b");
	if (!a || !b)
		goto out;
	if (worker_start(&w[0], a, 0) || worker_start(&w[1], a, 0) ||
	    worker_start(&s[0], b, 0) || worker_start(&s[1], b, 0))
		goto out;
	if (!stays_unmerged(w, 2))
		goto out;
	if (!ksm_stat_says(w[0].pid, "ksm_merge_memcg: no"))
		goto out;
	if (cg_ksm(a, 1))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	if (!stays_unmerged(s, 2) || !all_check(s, 2))
		goto out;
	if (!ksm_stat_says(w[0].pid, "ksm_merge_memcg: yes") ||
	    !ksm_stat_says(w[0].pid, "ksm_merge_any: no") ||
	    !ksm_stat_says(s[0].pid, "ksm_merge_memcg: no"))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	stop_all(s, 2);
	cg_free(a);
	cg_free(b);
	return ret;
}

/*
 * A child cgroup of an enabled one is enabled, though its own file says 0,
 * and cannot opt out; disabling the parent unmerges the child's processes.
 */
static int test_ksm_effective(const char *root)
{
	char *parent = NULL, *child = NULL;
	struct worker w[2] = {};
	int ret = KSFT_FAIL;

	parent = cg_new(root, "ksm_test_parent");
	if (!parent || cg_write(parent, "cgroup.subtree_control", "+memory"))
		goto out;
	child = cg_name(parent, "child");
	if (!child || cg_create(child))
		goto out;
	if (worker_start(&w[0], child, 0) || worker_start(&w[1], child, 0))
		goto out;
	if (cg_ksm(parent, 1))
		goto out;
	if (cg_read_strcmp(child, "memory.ksm", "0\n"))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	/* 0 in the child changes nothing while the parent says 1. */
	if (cg_ksm(child, 0) || !wait_scans(2) ||
	    worker_ksm_pages(&w[0]) != NR_PAGES)
		goto out;
	if (cg_ksm(parent, 0))
		goto out;
	if (!none_merged(w, 2))
		goto out;
	if (!all_check(w, 2) || !stays_unmerged(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(child);
	cg_free(parent);
	return ret;
}

/*
 * Writing 0 returns once the pages are unmerged, contents intact, and
 * ksmd does not merge them again.
 */
static int test_ksm_disable(const char *root)
{
	struct worker w[3] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_disable");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, 0) || worker_start(&w[1], cg, 0) ||
	    worker_start(&w[2], cg, 0))
		goto out;
	if (!wait_merging(w, 3, NR_PAGES))
		goto out;
	if (cg_ksm(cg, 0))
		goto out;
	if (!none_merged(w, 3) || !all_check(w, 3) || !stays_unmerged(w, 3))
		goto out;
	if (!ksm_stat_says(w[0].pid, "ksm_merge_memcg: no"))
		goto out;
	/* And on again. */
	if (cg_ksm(cg, 1) || !wait_merging(w, 3, NR_PAGES) || !all_check(w, 3))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 3);
	cg_free(cg);
	return ret;
}

/*
 * Writing to a merged page gives the writer a copy: the other processes
 * still read the old content, the writer its new one.
 */
static int test_ksm_cow(const char *root)
{
	struct worker w[3] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_cow");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, 0) || worker_start(&w[1], cg, 0) ||
	    worker_start(&w[2], cg, 0))
		goto out;
	if (!wait_merging(w, 3, NR_PAGES))
		goto out;
	if (worker_cmd(&w[0], CMD_WRITE) != 'y')
		goto out;
	if (worker_ksm_pages(&w[0]) != NR_PAGES - 1)
		goto out;
	if (!all_check(w, 3))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 3);
	cg_free(cg);
	return ret;
}

/* Children forked after 1 was written are merged. */
static int test_ksm_fork(const char *root)
{
	struct worker parent = {}, c[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_fork");
	if (!cg || worker_start(&parent, cg, 0) || cg_ksm(cg, 1))
		goto out;
	if (worker_fork(&parent, &c[0]) || worker_fork(&parent, &c[1]))
		goto out;
	if (!wait_merging(c, 2, NR_PAGES) || !all_check(c, 2) ||
	    !worker_check(&parent))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(c, 2);
	worker_stop(&parent);
	cg_free(cg);
	return ret;
}

/*
 * Every child forked in an enabled cgroup is on ksmd's list once fork()
 * returns, also when ksmd looked at its mm before the fork was complete:
 * ksm_fork() registers the mm while the child is not in its cgroup yet,
 * and ksmd, finding nothing mergeable there for the root cgroup, may drop
 * it again before the memory controller's fork hook runs; the hook must
 * then register it again.  ksmd never sleeps meanwhile, to look often.
 */
static int test_ksm_fork_many(const char *root)
{
	long sleep_saved = ksm_read("sleep_millisecs");
	struct worker parent = {};
	char cmd = CMD_FORK_CHECK;
	int ret = KSFT_FAIL;
	long missing;
	char *cg;

	cg = cg_new(root, "ksm_test_fork_many");
	if (!cg || cg_ksm(cg, 1) || worker_start(&parent, cg, 0))
		goto out;
	if (!wait_merging(&parent, 1, NR_PAGES) ||
	    ksm_write("sleep_millisecs", 0))
		goto out;
	if (write(parent.cmd, &cmd, 1) != 1 ||
	    read(parent.resp, &missing, sizeof(missing)) != sizeof(missing))
		goto out;
	if (missing) {
		ksft_print_msg("%ld of %d children not on ksmd's list\n",
			       missing, FORK_CHECKS);
		goto out;
	}
	ret = KSFT_PASS;
out:
	ksm_write("sleep_millisecs", sleep_saved);
	worker_stop(&parent);
	cg_free(cg);
	return ret;
}

/* A process that execs in an enabled cgroup is merged in its new image. */
static int test_ksm_exec(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_exec");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, W_EXEC) || worker_start(&w[1], cg, W_EXEC))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/*
 * clone3(CLONE_INTO_CGROUP) children of a parent outside the cgroup (this
 * test, in a cgroup that is not enabled) are merged.  worker_start() uses
 * cg_run_nowait(), which clones into the cgroup.
 */
static int test_ksm_clone_into_cgroup(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_clone3");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, 0) || worker_start(&w[1], cg, 0))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/*
 * Processes migrated into an enabled cgroup are merged, also while they
 * sleep (their smaps read from outside); migrated out to one that is not,
 * they unmerge before they next run user code (the write to cgroup.procs
 * does not wait for it): the worker counts its KSM pages.
 */
static bool wait_merged_asleep(struct worker *w, int n, long pages);

static int test_ksm_migrate(const char *root)
{
	char *on = NULL, *off = NULL;
	struct worker w[2] = {};
	int ret = KSFT_FAIL, i;

	on = cg_new(root, "ksm_test_on");
	off = cg_new(root, "ksm_test_off");
	if (!on || !off || cg_ksm(on, 1))
		goto out;
	if (worker_start(&w[0], off, 0) || worker_start(&w[1], off, 0))
		goto out;
	if (!stays_unmerged(w, 2))
		goto out;
	for (i = 0; i < 2; i++)
		if (cg_enter(on, w[i].pid))
			goto out;
	/* They sleep in read(): merged all the same */
	if (!wait_merged_asleep(w, 2, NR_PAGES))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	if (cg_enter(off, w[0].pid))
		goto out;
	if (!none_merged(w, 1))
		goto out;
	if (!all_check(w, 2) || !stays_unmerged(w, 1))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(on);
	cg_free(off);
	return ret;
}

/*
 * What a process asked for itself survives the cgroup: with 0 written,
 * prctl(PR_SET_MEMORY_MERGE) and MADV_MERGEABLE workers stay merged, a
 * plain one is unmerged; PR_GET_MEMORY_MERGE reports the process's own
 * setting throughout.
 */
static int test_ksm_process_choice(const char *root)
{
	struct worker w[3] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_choice");
	if (!cg)
		goto out;
	if (worker_start(&w[0], cg, W_PRCTL) ||
	    worker_start(&w[1], cg, W_MADVISE) || worker_start(&w[2], cg, 0))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES))
		goto out;
	if (cg_ksm(cg, 1) || !wait_merging(w, 3, NR_PAGES))
		goto out;
	if (worker_cmd(&w[0], CMD_GET) != '1' ||
	    worker_cmd(&w[2], CMD_GET) != '0')
		goto out;
	if (!ksm_stat_says(w[0].pid, "ksm_merge_any: yes") ||
	    !ksm_stat_says(w[0].pid, "ksm_merge_memcg: yes"))
		goto out;
	if (cg_ksm(cg, 0))
		goto out;
	if (worker_ksm_pages(&w[2]) != 0 ||
	    worker_ksm_pages(&w[0]) != NR_PAGES ||
	    worker_ksm_pages(&w[1]) != NR_PAGES) {
		ksft_print_msg("after 0: merged %ld %ld %ld\n",
			       worker_ksm_pages(&w[0]),
			       worker_ksm_pages(&w[1]),
			       worker_ksm_pages(&w[2]));
		goto out;
	}
	if (worker_cmd(&w[0], CMD_GET) != '1' ||
	    worker_cmd(&w[2], CMD_GET) != '0')
		goto out;
	if (!wait_scans(2) || worker_ksm_pages(&w[0]) != NR_PAGES ||
	    worker_ksm_pages(&w[1]) != NR_PAGES || merging_pages(w[2].pid))
		goto out;
	if (!all_check(w, 3))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 3);
	cg_free(cg);
	return ret;
}

/* MADV_UNMERGEABLE takes a range out even in an enabled cgroup. */
static int test_ksm_unmergeable(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_unmergeable");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, W_UNMERGEABLE) ||
	    worker_start(&w[1], cg, W_UNMERGEABLE))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES / 2) || !wait_scans(2) ||
	    worker_ksm_pages(&w[0]) != NR_PAGES / 2 || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/* Count the VMAs of this process that overlap [start, end). */
static int count_vmas(unsigned long start, unsigned long end)
{
	unsigned long s, e;
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < end && e > start)
			n++;
	fclose(f);
	return n;
}

/*
 * In an enabled cgroup, wait until ksmd has merged 16 pages at @a (pages
 * alike), then map 16 more right after them: the two must be one VMA.
 */
static int vma_merge_fn(const char *cgroup, void *arg)
{
	size_t sz = 16 * PAGE_SIZE;
	struct ksm_wait wait;
	char *a, *b;

	a = mmap(NULL, 2 * sz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || munmap(a, 2 * sz))
		return 1;
	a = mmap(a, sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a == MAP_FAILED)
		return 2;
	memset(a, 1, sz);
	/* KSM has been at the first mapping: merged it, scanned its VMA */
	worker_npages = 16;
	wait = ksm_wait_start();
	while (count_ksm_pages(a) != 16) {
		if (ksm_wait_over(&wait))
			return 5;
		usleep(10000);
	}
	b = mmap(a + sz, sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (b != a + sz)
		return 3;
	memset(b, 1, sz);
	if (count_vmas((unsigned long)a, (unsigned long)a + 2 * sz) != 1)
		return 4;
	return 0;
}

/*
 * Adjacent anonymous mappings still merge into one VMA in an enabled
 * cgroup, also after ksmd merged the pages of the first one: the cgroup's
 * merging leaves VMA flags alone.
 */
static int test_ksm_vma_merge(const char *root)
{
	int ret = KSFT_FAIL, rc;
	char *cg;

	cg = cg_new(root, "ksm_test_vma_merge");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	rc = cg_run(cg, vma_merge_fn, NULL);
	if (rc) {
		ksft_print_msg("%s\n", rc == 4 ? "two VMAs where one was due" :
			       rc == 5 ? "the pages were not merged" :
			       "cannot map");
		goto out;
	}
	ret = KSFT_PASS;
out:
	cg_free(cg);
	return ret;
}

/*
 * MADV_UNMERGEABLE on half of an anonymous range.  Returns the number of
 * VMAs the range is in then.
 */
static int unmergeable_fn(const char *cgroup, void *arg)
{
	size_t sz = 16 * PAGE_SIZE;
	char *p;

	p = mmap(NULL, sz + 2 * PAGE_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 10;
	p += PAGE_SIZE;
	if (mprotect(p, sz, PROT_READ | PROT_WRITE))
		return 11;
	memset(p, 1, sz);
	if (madvise(p + sz / 2, sz / 2, MADV_UNMERGEABLE))
		return 12;
	return count_vmas((unsigned long)p, (unsigned long)p + sz);
}

/*
 * Outside a cgroup that merges, MADV_UNMERGEABLE on a range the process
 * never made mergeable does what it does without memory.ksm: nothing, the
 * VMA stays whole.  In an enabled cgroup it takes the range out of the
 * cgroup's merging (VM_UNMERGEABLE), and the VMA splits.
 */
static int test_ksm_unmergeable_neutral(const char *root)
{
	char *on = NULL, *off = NULL;
	int ret = KSFT_FAIL, n;

	on = cg_new(root, "ksm_test_unmergeable_on");
	off = cg_new(root, "ksm_test_unmergeable_off");
	if (!on || !off || cg_ksm(on, 1))
		goto out;
	n = cg_run(off, unmergeable_fn, NULL);
	if (n != 1) {
		ksft_print_msg("outside: %d VMAs, want 1\n", n);
		goto out;
	}
	n = cg_run(on, unmergeable_fn, NULL);
	if (n != 2) {
		ksft_print_msg("enabled: %d VMAs, want 2\n", n);
		goto out;
	}
	ret = KSFT_PASS;
out:
	cg_free(on);
	cg_free(off);
	return ret;
}

/* A process whose pages were filled by several threads is merged. */
static int test_ksm_threads(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_threads");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, W_THREADS) ||
	    worker_start(&w[1], cg, W_THREADS))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES) || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/*
 * An mm shared by two processes (CLONE_VM) follows the cgroup of its
 * owner: moving the other process out changes nothing, moving the owner
 * out unmerges it.
 */
static int test_ksm_shared_mm(const char *root)
{
	struct worker w[2] = {};
	char *on = NULL, *off = NULL;
	int ret = KSFT_FAIL;
	pid_t sibling = 0;
	char c = CMD_CLONE_VM;

	on = cg_new(root, "ksm_test_mm_on");
	off = cg_new(root, "ksm_test_mm_off");
	if (!on || !off || cg_ksm(on, 1))
		goto out;
	if (worker_start(&w[0], on, 0) || worker_start(&w[1], on, 0))
		goto out;
	if (write(w[0].cmd, &c, 1) != 1 ||
	    read(w[0].resp, &sibling, sizeof(sibling)) != sizeof(sibling) ||
	    sibling <= 0)
		goto out;
	if (!wait_merging(w, 2, NR_PAGES))
		goto out;
	/* One mm, one set of numbers. */
	if (merging_pages(sibling) != merging_pages(w[0].pid))
		goto out;
	if (cg_enter(off, sibling) || !wait_scans(2) ||
	    worker_ksm_pages(&w[0]) != NR_PAGES)
		goto out;
	if (cg_enter(off, w[0].pid))
		goto out;
	if (!none_merged(w, 1))
		goto out;
	if (!all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	if (sibling > 0)
		kill(sibling, SIGKILL);
	stop_all(w, 2);
	cg_free(on);
	cg_free(off);
	return ret;
}

/*
 * KSM pages of process @pid, by the "KSM:" lines of its smaps, read from
 * outside: the process does not run for it, so does not bring its mm in
 * line with its cgroup either.
 */
static long proc_ksm_kb(pid_t pid)
{
	char path[64], line[512];
	long kb, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "KSM: %ld kB", &kb) == 1)
			n += kb;
	fclose(f);
	return n;
}

/*
 * Wait until each of the workers maps at least @pages KSM pages, judged
 * from outside (they need not run), or until ksmd has made WAIT_SCANS more
 * full scans.
 */
static bool wait_merged_asleep(struct worker *w, int n, long pages)
{
	struct ksm_wait wait = ksm_wait_start();
	int i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (proc_ksm_kb(w[i].pid) < pages * (PAGE_SIZE / 1024))
				break;
		if (i == n)
			return true;
		if (ksm_wait_over(&wait)) {
			ksft_print_msg("pid %d: %ld kB merged while asleep\n",
				       w[i].pid, proc_ksm_kb(w[i].pid));
			return false;
		}
		usleep(10000);
	}
}

/*
 * A writer of 0 killed while it unmerges leaves a consistent state: the
 * file reads 0, some pages are still merged, ksmd merges nothing more for
 * the cgroup, and the processes that still hold pages merged for it
 * unmerge them themselves once ksmd has asked them to (it does once a full
 * scan), contents intact.  The workers hold 2 x 128 MiB, so that the kill
 * lands while the write is at work.
 */
static int test_ksm_disable_killed(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL, i, status;
	long left = 0, now;
	pid_t writer;
	char *cg;

	cg = cg_new(root, "ksm_test_killed");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	for (i = 0; i < 2; i++)
		if (worker_start(&w[i], cg, W_LARGE))
			goto out;
	if (!wait_merging(w, 2, LARGE_PAGES))
		goto out;
	writer = fork();
	if (writer < 0)
		goto out;
	if (writer == 0)
		exit(cg_ksm(cg, 0) ? 1 : 0);
	/* Kill it once 0 is stored, while it unmerges. */
	while (cg_read_strcmp(cg, "memory.ksm", "0\n") &&
	       waitpid(writer, &status, WNOHANG) == 0)
		;
	kill(writer, SIGKILL);
	if (waitpid(writer, &status, 0) != writer)
		goto out;
	if (!WIFSIGNALED(status)) {
		ksft_print_msg("the writer was done before the kill\n");
		goto out;
	}
	if (cg_read_strcmp(cg, "memory.ksm", "0\n"))
		goto out;
	for (i = 0; i < 2; i++)
		left += proc_ksm_kb(w[i].pid);
	ksft_print_msg("%ld kB still merged after the kill\n", left);
	if (!left)
		goto out;
	/* Nothing merges again behind the cgroup's back. */
	if (!wait_scans(2))
		goto out;
	now = 0;
	for (i = 0; i < 2; i++)
		now += proc_ksm_kb(w[i].pid);
	if (now > left) {
		ksft_print_msg("merged %ld kB -> %ld kB after 0\n", left, now);
		goto out;
	}
	/* ksmd asked them: they unmerge when they run, before they count. */
	if (!none_merged(w, 2) || !all_check(w, 2))
		goto out;
	if (!ksm_stat_says(w[0].pid, "ksm_merge_memcg: no"))
		goto out;
	if (cg_ksm(cg, 0))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/*
 * A child that an enabled process clones into a cgroup that is not enabled
 * (clone3(CLONE_INTO_CGROUP)) inherits its parent's merged pages and
 * unmerges them before its first instruction; the parent stays merged.
 */
static int test_ksm_clone_into_disabled(const char *root)
{
	struct worker w = {}, child = {};
	char *on = NULL, *off = NULL;
	int ret = KSFT_FAIL, fd = -1;

	on = cg_new(root, "ksm_test_clone_on");
	off = cg_new(root, "ksm_test_clone_off");
	if (!on || !off || cg_ksm(on, 1))
		goto out;
	/* Opened before the worker starts, which inherits it */
	fd = dirfd_open_opath(off);
	if (fd < 0 || worker_start(&w, on, 0))
		goto out;
	if (!wait_merging(&w, 1, NR_PAGES))
		goto out;
	if (worker_child(&w, &child, CMD_FORK_INTO, fd))
		goto out;
	if (proc_read_strstr(child.pid, false, "cgroup", "ksm_test_clone_off"))
		goto out;
	if (worker_ksm_pages(&child) != 0) {
		ksft_print_msg("the child maps %ld KSM pages\n",
			       worker_ksm_pages(&child));
		goto out;
	}
	if (!worker_check(&child) || !worker_check(&w) ||
	    worker_ksm_pages(&w) != NR_PAGES)
		goto out;
	if (!ksm_stat_says(child.pid, "ksm_merge_memcg: no") ||
	    !stays_unmerged(&child, 1))
		goto out;
	ret = KSFT_PASS;
out:
	worker_stop(&child);
	worker_stop(&w);
	if (fd >= 0)
		close(fd);
	cg_free(on);
	cg_free(off);
	return ret;
}

/*
 * A process outside the cgroup forks a child into it (CLONE_INTO_CGROUP):
 * the child's pages are the parent's until one of them writes, and ksmd
 * scans only the child.  None of those pages becomes a KSM page in the
 * parent, which KSM would not know it maps: with nothing else to merge
 * with, the child's inherited pages stay as they are (merging them with
 * each other would save nothing while the parent maps them all); once a
 * process of the cgroup has pages of the same contents, the child's are
 * merged into those, and the parent still maps its own pages, intact.
 */
static int test_ksm_inherited(const char *root)
{
	struct worker parent = {}, w[2] = {};
	char *on = NULL, *off = NULL;
	int ret = KSFT_FAIL, fd = -1;

	on = cg_new(root, "ksm_test_inherited_on");
	off = cg_new(root, "ksm_test_inherited_off");
	if (!on || !off || cg_ksm(on, 1))
		goto out;
	fd = dirfd_open_opath(on);
	if (fd < 0 || worker_start(&parent, off, 0))
		goto out;
	if (worker_child(&parent, &w[0], CMD_FORK_INTO, fd))
		goto out;
	if (!wait_scans(2))
		goto out;
	if (proc_ksm_kb(parent.pid) || worker_ksm_pages(&w[0])) {
		ksft_print_msg("parent maps %ld kB of KSM pages, child %ld pages\n",
			       proc_ksm_kb(parent.pid), worker_ksm_pages(&w[0]));
		goto out;
	}
	if (worker_start(&w[1], on, 0) || !wait_merging(w, 2, NR_PAGES))
		goto out;
	if (proc_ksm_kb(parent.pid)) {
		ksft_print_msg("parent maps %ld kB of KSM pages\n",
			       proc_ksm_kb(parent.pid));
		goto out;
	}
	if (!worker_check(&parent) || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	worker_stop(&parent);
	if (fd >= 0)
		close(fd);
	cg_free(on);
	cg_free(off);
	return ret;
}

/*
 * Children forked while 0 is written hold no page merged for the cgroup
 * once they run, whichever side of the write they were forked on: the
 * writer's walk finds them, or they find memory.ksm 0.  A large worker
 * that joined the cgroup first makes the write last: children are forked
 * while the forking worker's pages are still merged, and after.
 */
static int test_ksm_fork_race(const char *root)
{
	struct storm_result res;
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char c = 0;
	char *cg;

	cg = cg_new(root, "ksm_test_fork_race");
	if (!cg || cg_ksm(cg, 1) || worker_start(&w[0], cg, W_LARGE) ||
	    worker_start(&w[1], cg, 0))
		goto out;
	if (!wait_merging(&w[0], 1, LARGE_PAGES) ||
	    !wait_merging(&w[1], 1, NR_PAGES))
		goto out;
	if (worker_cmd(&w[1], CMD_FORK_STORM) != 'r')
		goto out;
	if (cg_ksm(cg, 0))
		goto out;
	if (write(w[1].cmd, &c, 1) != 1 ||
	    read(w[1].resp, &res, sizeof(res)) != sizeof(res))
		goto out;
	ksft_print_msg("%ld children: %ld merged, %ld corrupt\n",
		       res.children, res.merged, res.corrupt);
	if (res.children < STORM_BEFORE + 1 || res.merged || res.corrupt)
		goto out;
	if (!none_merged(w, 2) || !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

/*
 * An mm shared with CLONE_VM belongs to the cgroup of its owner.  When the
 * owner, in an enabled cgroup, exits, the mm passes to the other process,
 * in a cgroup that is not enabled: that one unmerges it before it next
 * runs user code.
 */
static int test_ksm_owner_handoff(const char *root)
{
	struct worker w = {}, sib = {};
	char *on = NULL, *off = NULL;
	int ret = KSFT_FAIL;

	on = cg_new(root, "ksm_test_owner_on");
	off = cg_new(root, "ksm_test_owner_off");
	if (!on || !off || cg_ksm(on, 1) || worker_start(&w, on, 0))
		goto out;
	if (worker_child(&w, &sib, CMD_VM_WORKER, -1) || cg_enter(off, sib.pid))
		goto out;
	/* The owner is in the enabled cgroup: the mm merges. */
	if (!wait_merging(&w, 1, NR_PAGES) || worker_ksm_pages(&sib) != NR_PAGES)
		goto out;
	kill(w.pid, SIGKILL);
	waitpid(w.pid, NULL, 0);
	w.pid = 0;
	if (worker_ksm_pages(&sib) != 0) {
		ksft_print_msg("the new owner maps %ld KSM pages\n",
			       worker_ksm_pages(&sib));
		goto out;
	}
	if (!worker_check(&sib) || !ksm_stat_says(sib.pid, "ksm_merge_memcg: no"))
		goto out;
	ret = KSFT_PASS;
out:
	if (sib.pid > 0)
		kill(sib.pid, SIGKILL);
	worker_stop(&w);
	cg_free(on);
	cg_free(off);
	return ret;
}

/*
 * run=2 unmerges what was merged for the cgroup too, contents intact; with
 * ksmd running again the cgroup's processes merge again.
 */
static int test_ksm_run2(const char *root)
{
	struct worker w[2] = {};
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_new(root, "ksm_test_run2");
	if (!cg || cg_ksm(cg, 1))
		goto out;
	if (worker_start(&w[0], cg, 0) || worker_start(&w[1], cg, 0))
		goto out;
	if (!wait_merging(w, 2, NR_PAGES))
		goto out;
	if (ksm_write("run", 2))
		goto out;
	if (!none_merged(w, 2) || !all_check(w, 2))
		goto out;
	if (ksm_write("run", 1) || !wait_merging(w, 2, NR_PAGES) ||
	    !all_check(w, 2))
		goto out;
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	stop_all(w, 2);
	cg_free(cg);
	return ret;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * While a write of 0 unmerges 256 MiB in one cgroup, cgroup operations
 * elsewhere do not wait for it: an rmdir (whose memory cgroup goes offline
 * behind it, under cgroup_mutex), a mkdir and a migration in an unrelated
 * cgroup each complete within a second, round after round, as long as the
 * write is at work.
 */
static int test_ksm_unmerge_latency(const char *root)
{
	static const char *const what[] = {
		"rmdir", "mkdir", "migration in", "migration out",
	};
	char *a = NULL, *b = NULL, *y = NULL, *z = NULL;
	double took, worst[4] = {};
	struct worker w[2] = {};
	int ret = KSFT_FAIL, i, status, rounds = 0;
	pid_t writer = 0, sleeper, done = 0;
	struct timespec t0;
	time_t deadline;

	a = cg_new(root, "ksm_test_latency_a");
	b = cg_new(root, "ksm_test_latency_b");
	if (!a || !b || cg_ksm(a, 1) ||
	    cg_write(b, "cgroup.subtree_control", "+memory"))
		goto out;
	y = cg_name(b, "y");
	z = cg_name(b, "z");
	if (!y || !z || cg_create(y) || cg_create(z))
		goto out;
	sleeper = fork();
	if (sleeper < 0)
		goto out;
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	for (i = 0; i < 2; i++)
		if (worker_start(&w[i], a, W_LARGE))
			goto out_sleeper;
	if (!wait_merging(w, 2, LARGE_PAGES))
		goto out_sleeper;

	writer = fork();
	if (writer < 0)
		goto out_sleeper;
	if (writer == 0)
		exit(cg_ksm(a, 0) ? 1 : 0);
	while (cg_read_strcmp(a, "memory.ksm", "0\n"))
		;
	deadline = time(NULL) + WAIT_SECONDS;
	while (!done && time(NULL) < deadline) {
		done = waitpid(writer, &status, WNOHANG);
		for (i = 0; i < 4; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if ((i == 0 && cg_destroy(y)) || (i == 1 && cg_create(y)) ||
			    (i == 2 && cg_enter(z, sleeper)) ||
			    (i == 3 && cg_enter(runner_cg, sleeper)))
				goto out_sleeper;
			took = seconds_since(&t0);
			if (took > worst[i])
				worst[i] = took;
		}
		rounds++;
	}
	for (i = 0; i < 4; i++)
		ksft_print_msg("%s: %.3f s at most\n", what[i], worst[i]);
	ksft_print_msg("%d rounds while the write was at work\n", rounds - 1);
	for (i = 0; i < 4; i++)
		if (worst[i] >= 1.0)
			goto out_sleeper;
	/* The last round began after the write */
	if (rounds < 2) {
		ksft_print_msg("the write was over too soon to tell\n");
		goto out_sleeper;
	}
	if (!done && waitpid(writer, &status, 0) != writer)
		goto out_sleeper;
	done = writer;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		goto out_sleeper;
	if (!none_merged(w, 2) || !all_check(w, 2))
		goto out_sleeper;
	ret = KSFT_PASS;
out_sleeper:
	if (writer > 0 && !done)
		waitpid(writer, NULL, 0);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
out:
	stop_all(w, 2);
	if (y)
		cg_destroy(y);
	if (z)
		cg_destroy(z);
	free(y);
	free(z);
	cg_free(a);
	cg_free(b);
	return ret;
}

/*
 * A cgroup removed while its processes' pages were merged goes away once
 * its processes are gone, with ksmd stopped: KSM keeps no reference on it
 * (nr_dying_descendants of its parent comes back within a few seconds).
 *
 * The workers' anonymous and KSM pages are gone with them; what they were
 * first to read of a file (this program's text, when it runs from a disk)
 * stays in the page cache charged to the cgroup and keeps it dying with or
 * without KSM, so it is reclaimed before the cgroup is removed.
 */
static int test_ksm_dying(const char *root)
{
	static const char *const names[] = {
		"ksm_test_dying", "ksm_test_dying/c",
	};
	long before = -1, now = -1, anon, ksm, file;
	struct worker w[2] = {};
	int ret = KSFT_FAIL, i;
	char *cg[2] = {};
	time_t deadline;

	if (cg_new_tree(root, names, 2, 1, cg) || cg_ksm(cg[1], 1))
		goto out;
	for (i = 0; i < 2; i++)
		if (worker_start(&w[i], cg[1], 0))
			goto out;
	if (!wait_merging(w, 2, NR_PAGES))
		goto out;
	before = cg_read_key_long(cg[0], "cgroup.stat", "nr_dying_descendants ");
	if (before < 0 || ksm_write("run", 0))
		goto out;
	stop_all(w, 2);
	/* memory.stat may lag until its periodic flush */
	deadline = time(NULL) + STAT_SECONDS;
	do {
		anon = cg_read_key_long(cg[1], "memory.stat", "anon ");
		ksm = cg_read_key_long(cg[1], "memory.stat", "\nksm ");
		if (!anon && !ksm)
			break;
		usleep(50000);
	} while (time(NULL) <= deadline);
	if (anon || ksm) {
		ksft_print_msg("after the exit: anon %ld ksm %ld\n", anon, ksm);
		goto out;
	}
	/* -EAGAIN if it reclaimed less: what is left is shown below */
	cg_write(cg[1], "memory.reclaim", "64M");
	file = cg_read_key_long(cg[1], "memory.stat", "file ");
	if (cg_destroy(cg[1]))
		goto out;
	deadline = time(NULL) + 10;
	while (time(NULL) <= deadline) {
		now = cg_read_key_long(cg[0], "cgroup.stat",
				       "nr_dying_descendants ");
		if (now == before)
			break;
		usleep(50000);
	}
	if (now != before) {
		ksft_print_msg("nr_dying_descendants %ld, was %ld (file %ld)\n",
			       now, before, file);
		goto out;
	}
	ret = KSFT_PASS;
out:
	stop_all(w, 2);
	ksm_write("run", 1);
	cg_free_tree(cg, 2);
	return ret;
}

/*
 * Delegation: a delegatee (uid 65534 here, its processes in D/home) owns
 * the memory.ksm of the cgroups it creates, and can merge its processes
 * there, as prctl() would let it; it cannot write the file of the cgroup
 * delegated to it, nor of its processes' own cgroup.  With nsdelegate, not
 * even root in a cgroup namespace can write the file of the namespace's
 * root cgroup.
 */
static int delegatee_fn(const char *home, void *arg)
{
	const char *d = arg;
	char *sub = cg_name(d, "sub");

	if (!sub || setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 11;
	if (cg_create(sub) || cg_write(sub, "memory.ksm", "1"))
		return 12;
	if (cg_write(d, "memory.ksm", "1") != -EACCES ||
	    cg_write(home, "memory.ksm", "1") != -EACCES)
		return 13;
	return 0;
}

static int nsroot_fn(const char *home, void *arg)
{
	const char *d = arg;
	char *sub = cg_name(d, "sub");

	if (!sub || unshare(CLONE_NEWCGROUP))
		return 11;
	if (cg_write(home, "memory.ksm", "1") != -EPERM)
		return 12;
	if (cg_write(sub, "memory.ksm", "0"))
		return 13;
	return 0;
}

static int test_ksm_delegation(const char *root)
{
	static const char *const names[] = {
		"ksm_test_delegated", "ksm_test_delegated/home",
	};
	static const char *const files[] = {
		"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control",
	};
	char path[PATH_MAX], *cg[2] = {}, *sub = NULL;
	int ret = KSFT_FAIL, rc, i;
	size_t j;

	if (cg_new_tree(root, names, 2, 1, cg))
		goto out;
	for (i = 0; i < 2; i++)
		for (j = 0; j < ARRAY_SIZE(files); j++) {
			snprintf(path, sizeof(path), "%s%s", cg[i], files[j]);
			if (chown(path, 65534, 65534))
				goto out;
		}
	rc = cg_run(cg[1], delegatee_fn, cg[0]);
	if (rc) {
		ksft_print_msg("delegatee: step %d failed\n", rc);
		goto out;
	}
	sub = cg_name(cg[0], "sub");
	if (!sub || cg_read_strcmp(sub, "memory.ksm", "1\n") ||
	    cg_read_strcmp(cg[0], "memory.ksm", "0\n"))
		goto out;
	if (proc_mount_contains("nsdelegate")) {
		rc = cg_run(cg[1], nsroot_fn, cg[0]);
		if (rc) {
			ksft_print_msg("namespace root: step %d failed\n", rc);
			goto out;
		}
	} else {
		ksft_print_msg("cgroup2 is not mounted with nsdelegate\n");
	}
	ret = KSFT_PASS;
out:
	if (sub) {
		cg_destroy(sub);
		free(sub);
	}
	cg_free_tree(cg, 2);
	return ret;
}

/* ---- stress ------------------------------------------------------------ */

/* ---- memory.ksm.stat ---------------------------------------------------- */

/*
 * The numbers that memory.ksm.stat sums over a subtree, as
 * /proc/<pid>/ksm_stat shows them for one process; a cgroup's profit, and
 * the KSM pages charged to it (none for a process).
 */
struct ksm_numbers {
	long merging_pages, zero_pages, rmap_items, profit, ksm_pages;
};

/* A cgroup and the cgroups of its subtree that hold processes. */
struct subtree {
	const char *cg;
	const char *procs[4];	/* NULL-terminated */
};

static const char *const stat_keys[] = {
	"effective", "merging_pages", "zero_pages", "rmap_items", "profit",
	"pages_scanned", "ksm_pages", "domain_pages_shared",
};

#define NR_STAT_KEYS ARRAY_SIZE(stat_keys)

/*
 * Read memory.ksm.stat of @cg into @v, in the order of stat_keys, checking
 * that it has exactly those keys in that order.
 */
static int cg_ksm_stat(const char *cg, long *v)
{
	char buf[1024], key[64], *line, *save;
	size_t i = 0;

	if (cg_read(cg, "memory.ksm.stat", buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		if (i == NR_STAT_KEYS || sscanf(line, "%63s %ld", key, &v[i]) != 2 ||
		    strcmp(key, stat_keys[i])) {
			ksft_print_msg("%s/memory.ksm.stat: unexpected \"%s\"\n",
				       cg, line);
			return -1;
		}
	}
	return i == NR_STAT_KEYS ? 0 : -1;
}

static int cg_ksm_numbers(const char *cg, struct ksm_numbers *n,
			  long *scanned)
{
	long v[NR_STAT_KEYS];

	if (cg_ksm_stat(cg, v))
		return -1;
	*n = (struct ksm_numbers){ v[1], v[2], v[3], v[4], v[6] };
	if (scanned)
		*scanned = v[5];
	return 0;
}

static int proc_ksm_numbers(pid_t pid, struct ksm_numbers *n)
{
	char path[64], buf[1024], *k;
	static const char *const keys[] = {
		"ksm_merging_pages ", "ksm_zero_pages ", "ksm_rmap_items ",
		"ksm_process_profit ",
	};
	long *v[] = { &n->merging_pages, &n->zero_pages, &n->rmap_items,
		      &n->profit };
	size_t i;

	*n = (struct ksm_numbers){};
	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		k = strstr(buf, keys[i]);
		if (!k)
			return -1;
		*v[i] = atol(k + strlen(keys[i]));
	}
	return 0;
}

/*
 * Sum /proc/<pid>/ksm_stat over the processes of @t, but for those in
 * @skip: processes that share the mm of another one.
 */
static int subtree_sum(const struct subtree *t, const pid_t *skip, int nskip,
		       struct ksm_numbers *sum)
{
	char buf[4096], *line, *save;
	int i, j;

	*sum = (struct ksm_numbers){};
	for (i = 0; t->procs[i]; i++) {
		if (cg_read(t->procs[i], "cgroup.procs", buf, sizeof(buf)))
			return -1;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			pid_t pid = atoi(line);
			struct ksm_numbers n;

			for (j = 0; j < nskip && skip[j] != pid; j++)
				;
			if (j < nskip)
				continue;
			if (proc_ksm_numbers(pid, &n))
				continue;	/* it exited meanwhile */
			sum->merging_pages += n.merging_pages;
			sum->zero_pages += n.zero_pages;
			sum->rmap_items += n.rmap_items;
			sum->profit += n.profit;
		}
	}
	return 0;
}

/*
 * The size of an rmap_item, as ksm_process_profit reckons it:
 * ksm_process_profit = (ksm_merging_pages + ksm_zero_pages) * PAGE_SIZE -
 * ksm_rmap_items * size, here of the pacemaker, which ksmd always scans.
 */
static long rmap_item_size(void)
{
	static long size;
	struct ksm_wait wait = ksm_wait_start();
	struct ksm_numbers n;

	while (!size) {
		if (proc_ksm_numbers(pacemaker.pid, &n))
			return -1;
		if (n.rmap_items) {
			size = ((n.merging_pages + n.zero_pages) * PAGE_SIZE -
				n.profit) / n.rmap_items;
			break;
		}
		if (ksm_wait_over(&wait))
			return -1;
		usleep(20000);
	}
	return size;
}

/*
 * What merging saves the processes of a cgroup: every page of theirs that
 * maps a KSM page or the zero page is a page freed, but for the KSM pages
 * charged to the cgroup, the copies kept; less the rmap_items.
 */
static long cg_profit(const struct ksm_numbers *c)
{
	return (c->merging_pages - c->ksm_pages + c->zero_pages) * PAGE_SIZE -
	       c->rmap_items * rmap_item_size();
}

/*
 * Does memory.ksm.stat of every subtree in @t equal its processes' sum,
 * and is its profit what its numbers say?
 */
static bool stat_matches(const struct subtree *t, int n, const pid_t *skip,
			 int nskip, bool verbose)
{
	struct ksm_numbers c, p;
	bool ok = true;
	int i;

	for (i = 0; i < n; i++) {
		if (cg_ksm_numbers(t[i].cg, &c, NULL) ||
		    subtree_sum(&t[i], skip, nskip, &p))
			return false;
		if (c.merging_pages == p.merging_pages &&
		    c.zero_pages == p.zero_pages &&
		    c.rmap_items == p.rmap_items && c.profit == cg_profit(&c))
			continue;
		ok = false;
		if (verbose)
			ksft_print_msg("%s: %ld %ld %ld %ld %ld; processes %ld %ld %ld; %ld\n",
				       t[i].cg, c.merging_pages, c.zero_pages,
				       c.rmap_items, c.profit, c.ksm_pages,
				       p.merging_pages, p.zero_pages,
				       p.rmap_items, cg_profit(&c));
	}
	return ok;
}

/*
 * Wait, for at most WAIT_SCANS full scans, until the numbers of every
 * subtree in @t equal the sums over its processes.
 */
static bool wait_stat_matches(const struct subtree *t, int n,
			      const pid_t *skip, int nskip)
{
	struct ksm_wait wait = ksm_wait_start();

	while (!stat_matches(t, n, skip, nskip, false)) {
		if (ksm_wait_over(&wait)) {
			stat_matches(t, n, skip, nskip, true);
			return false;
		}
		usleep(20000);
	}
	return true;
}

/* Wait until the numbers of every cgroup in @t are 0. */
static bool wait_stat_zero(const struct subtree *t, int n)
{
	struct ksm_wait wait = ksm_wait_start();
	struct ksm_numbers c, zero = {};
	int i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (cg_ksm_numbers(t[i].cg, &c, NULL) ||
			    memcmp(&c, &zero, sizeof(c)))
				break;
		if (i == n)
			return true;
		if (ksm_wait_over(&wait)) {
			ksft_print_msg("%s: %ld %ld %ld %ld %ld with no process left\n",
				       t[i].cg, c.merging_pages, c.zero_pages,
				       c.rmap_items, c.profit, c.ksm_pages);
			return false;
		}
		usleep(20000);
	}
}

/*
 * memory.ksm.stat: read-only, in non-root cgroups only, the seven keys in
 * order; "effective" follows the cgroup's and its ancestors' memory.ksm;
 * a new cgroup's numbers are 0.
 */
static int test_ksm_stat_file(const char *root)
{
	char *parent = NULL, *child = NULL;
	long v[NR_STAT_KEYS];
	int ret = KSFT_FAIL;
	size_t i;

	parent = cg_new(root, "ksm_test_stat");
	if (!parent || cg_write(parent, "cgroup.subtree_control", "+memory"))
		goto out;
	child = cg_new(parent, "child");
	if (!child || !cg_file_mode(root, child, "memory.ksm.stat", 0444))
		goto out;
	if (cg_write(child, "memory.ksm.stat", "0") == 0) {
		ksft_print_msg("%s/memory.ksm.stat: writable\n", child);
		goto out;
	}
	if (cg_ksm_stat(child, v))
		goto out;
	/* All 0 but domain_pages_shared, the root domain's */
	for (i = 0; i < NR_STAT_KEYS - 1; i++)
		if (v[i]) {
			ksft_print_msg("new cgroup: %s %ld\n", stat_keys[i], v[i]);
			goto out;
		}
	if (cg_ksm(parent, 1) || cg_ksm_stat(child, v) || v[0] != 1 ||
	    cg_ksm_stat(parent, v) || v[0] != 1)
		goto out;
	if (cg_ksm(parent, 0) || cg_ksm(child, 1) || cg_ksm_stat(parent, v) ||
	    v[0] != 0 || cg_ksm_stat(child, v) || v[0] != 1)
		goto out;
	ret = KSFT_PASS;
out:
	cg_free(child);
	cg_free(parent);
	return ret;
}

/*
 * The numbers are exact: across a hierarchy (a parent with two children,
 * and a sibling), with merging by memory.ksm and by prctl(), KSM zero
 * pages, threads, an mm shared by two processes, a fork, an exit and
 * migrations, each cgroup's numbers equal the sums over its subtree's
 * processes once ksmd has been over them, and they follow the processes
 * that migrate.  pages_scanned grows where pages are scanned and the
 * parent's covers its children's.  With every process gone, all are 0.
 */
static int test_ksm_stat(const char *root)
{
	char *p = NULL, *a = NULL, *b = NULL, *c = NULL;
	struct worker w[6] = {};
	long zero_saved = ksm_read("use_zero_pages");
	long sa, sb, sp, sc, sc0;
	struct ksm_numbers n;
	int ret = KSFT_FAIL;
	pid_t sibling = 0;
	char cmd = CMD_CLONE_VM;

	if (ksm_write("use_zero_pages", 1))
		goto out;
	p = cg_new(root, "ksm_test_stat_p");
	c = cg_new(root, "ksm_test_stat_c");
	if (!p || !c || cg_write(p, "cgroup.subtree_control", "+memory"))
		goto out;
	a = cg_new(p, "a");
	b = cg_new(p, "b");
	if (!a || !b || cg_ksm(p, 1))
		goto out;

	/* A: zero pages, and an mm shared with a CLONE_VM sibling; B: threads */
	if (worker_start(&w[0], a, W_ZEROES) || worker_start(&w[1], a, 0) ||
	    worker_start(&w[2], b, W_THREADS) ||
	    worker_start(&w[3], c, W_PRCTL | W_ZEROES) ||
	    worker_start(&w[4], c, 0))
		goto out;
	if (write(w[1].cmd, &cmd, 1) != 1 ||
	    read(w[1].resp, &sibling, sizeof(sibling)) != sizeof(sibling) ||
	    sibling <= 0)
		goto out;
	if (!wait_merging(w, 4, NR_PAGES))
		goto out;

	{
		const struct subtree t[] = {
			{ p, { p, a, b } }, { a, { a } }, { b, { b } },
			{ c, { c } },
		};

		if (!wait_stat_matches(t, 4, &sibling, 1))
			goto out;
		if (cg_ksm_numbers(a, &n, NULL) || n.merging_pages < 2 * NR_PAGES ||
		    n.zero_pages < ZERO_PAGES || n.profit <= 0) {
			ksft_print_msg("a: merging %ld zero %ld profit %ld\n",
				       n.merging_pages, n.zero_pages, n.profit);
			goto out;
		}
		if (cg_ksm_numbers(c, &n, &sc0) || n.merging_pages < NR_PAGES ||
		    sc0 <= 0)
			goto out;

		/*
		 * A fork in A, an exit in B, the mm's owner from A to B (its
		 * sibling stays), the prctl() process from C to A.
		 */
		if (worker_fork(&w[0], &w[5]))
			goto out;
		worker_stop(&w[2]);
		if (cg_enter(b, w[1].pid) || cg_enter(a, w[3].pid))
			goto out;
		if (!wait_merging(&w[5], 1, NR_PAGES) ||
		    !wait_stat_matches(t, 4, &sibling, 1))
			goto out;
		if (cg_ksm_numbers(b, &n, NULL) || n.merging_pages < NR_PAGES) {
			ksft_print_msg("b: %ld pages merged after the owner moved in\n",
				       n.merging_pages);
			goto out;
		}
		if (cg_ksm_numbers(c, &n, &sc) || n.merging_pages || n.zero_pages ||
		    sc < sc0) {
			ksft_print_msg("c: merging %ld zero %ld scanned %ld (was %ld)\n",
				       n.merging_pages, n.zero_pages, sc, sc0);
			goto out;
		}
		if (cg_ksm_numbers(a, &n, &sa) || cg_ksm_numbers(b, &n, &sb) ||
		    cg_ksm_numbers(p, &n, &sp))
			goto out;
		if (sa <= 0 || sb <= 0 || sp < sa + sb) {
			ksft_print_msg("pages_scanned: p %ld a %ld b %ld\n",
				       sp, sa, sb);
			goto out;
		}
		if (!all_check(w, 2) || !all_check(&w[3], 3))
			goto out;

		kill(sibling, SIGKILL);
		waitpid(sibling, NULL, 0);
		sibling = 0;
		stop_all(w, 6);
		if (!wait_stat_zero(t, 4))
			goto out;
	}
	ret = KSFT_PASS;
out:
	if (sibling > 0)
		kill(sibling, SIGKILL);
	stop_all(w, 6);
	cg_free(a);
	cg_free(b);
	cg_free(p);
	cg_free(c);
	ksm_write("use_zero_pages", zero_saved);
	return ret;
}

/* ---- what merging saves: profit, memory.current, general_profit ---------- */

static long vmstat_read(const char *item)
{
	char buf[16384], key[64], *k;

	if (read_text("/proc/vmstat", buf, sizeof(buf)) <= 0)
		return -1;
	snprintf(key, sizeof(key), "\n%s ", item);
	k = strstr(buf, key);
	return k ? atol(k + strlen(key)) : -1;
}

/*
 * At quiescence the profits of the root's children, with that of the
 * processes of the root itself, add up to general_profit; and the KSM pages
 * of the machine (the "ksm" of the root's memory.stat, nr_ksm_pages in
 * /proc/vmstat) are pages_shared.  The root's own processes have the KSM
 * pages charged to the root itself: all, less those of its children.
 */
static bool profit_adds_up(const char *root, bool verbose)
{
	long general = ksm_read("general_profit");
	long shared = ksm_read("pages_shared");
	long nr_ksm = vmstat_read("nr_ksm_pages");
	long total, children = 0, children_ksm = 0;
	const struct subtree own = { root, { root } };
	char path[PATH_MAX];
	struct ksm_numbers n;
	struct dirent *de;
	struct stat st;
	DIR *d;

	total = cg_read_key_long(root, "memory.stat", "\nksm ");
	d = opendir(root);
	if (total < 0 || !d) {
		if (d)
			closedir(d);
		return false;
	}
	total /= PAGE_SIZE;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (cg_ksm_numbers(path, &n, NULL)) {
			closedir(d);
			return false;
		}
		children += n.profit;
		children_ksm += n.ksm_pages;
	}
	closedir(d);
	if (subtree_sum(&own, NULL, 0, &n))
		return false;
	n.ksm_pages = total - children_ksm;
	if (children + cg_profit(&n) == general && total == shared &&
	    nr_ksm == shared)
		return true;
	if (!verbose)
		return false;
	ksft_print_msg("profits %ld + root's %ld, general_profit %ld\n",
		       children, cg_profit(&n), general);
	ksft_print_msg("KSM pages %ld (children %ld), nr_ksm_pages %ld, pages_shared %ld\n",
		       total, children_ksm, nr_ksm, shared);
	/* The processes that KSM has merged */
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		char cg[256];

		if (pid <= 0 || proc_ksm_numbers(pid, &n) ||
		    (!n.merging_pages && !n.rmap_items) ||
		    proc_read_text(pid, false, "cgroup", cg, sizeof(cg)) <= 0)
			continue;
		ksft_print_msg("pid %d: merging %ld zero %ld rmap %ld, %s",
			       pid, n.merging_pages, n.zero_pages,
			       n.rmap_items, cg);
	}
	if (d)
		closedir(d);
	return false;
}

static bool wait_adds_up(const char *root)
{
	struct ksm_wait wait = ksm_wait_start();

	while (!profit_adds_up(root, false)) {
		if (ksm_wait_over(&wait))
			return profit_adds_up(root, true);
		usleep(20000);
	}
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * The page frames of the @npages pages of each of the workers @w, sorted,
 * each once, by /proc/<pid>/pagemap: how many, or -1.
 */
static long worker_pfns(struct worker *w, int n, long npages, uint64_t *pfn)
{
	long i, nr = 0;
	int j;

	for (j = 0; j < n; j++) {
		unsigned long addr;
		char c = CMD_ADDR, path[64];
		ssize_t len = npages * sizeof(*pfn);
		int fd;

		if (write(w[j].cmd, &c, 1) != 1 ||
		    read(w[j].resp, &addr, sizeof(addr)) != sizeof(addr))
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/pagemap", w[j].pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		if (pread(fd, pfn + nr, len, addr / PAGE_SIZE * sizeof(*pfn)) !=
		    len) {
			close(fd);
			return -1;
		}
		close(fd);
		for (i = nr; i < nr + npages; i++) {
			if (!(pfn[i] >> 63))	/* not present */
				return -1;
			pfn[i] &= (1ULL << 55) - 1;
		}
		nr += npages;
	}
	qsort(pfn, nr, sizeof(*pfn), cmp_u64);
	for (i = 0, j = 0; i < nr; i++)
		if (!j || pfn[i] != pfn[j - 1])
			pfn[j++] = pfn[i];
	return j;
}

/*
 * With every page of the workers @w merged, the KSM pages charged to each
 * of the cgroups @cg are those of the workers' page frames that
 * /proc/kpagecgroup says are charged there; together, all of them.  The
 * frames are left in @pfn, their number in @nr.
 */
static bool ksm_charged(struct worker *w, int n, char *const *cg, int ncg,
			uint64_t *pfn, long *nr, bool verbose)
{
	long count[4] = {}, all = 0;
	struct ksm_numbers v[4];
	uint64_t ino[4], got;
	struct stat st;
	long i;
	int fd, j;

	/* Nothing of theirs but their pages merged (CMD_ONLY) */
	for (j = 0; j < n; j++)
		if (merging_pages(w[j].pid) != LARGE_PAGES) {
			if (verbose)
				ksft_print_msg("pid %d: %ld pages merged, %d of them its pages\n",
					       w[j].pid, merging_pages(w[j].pid),
					       LARGE_PAGES);
			return false;
		}
	for (j = 0; j < ncg; j++) {
		if (stat(cg[j], &st) || cg_ksm_numbers(cg[j], &v[j], NULL))
			return false;
		ino[j] = st.st_ino;
	}
	*nr = worker_pfns(w, n, LARGE_PAGES, pfn);
	fd = open("/proc/kpagecgroup", O_RDONLY);
	if (*nr < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (i = 0; i < *nr; i++) {
		if (pread(fd, &got, sizeof(got), pfn[i] * sizeof(got)) !=
		    sizeof(got))
			break;
		for (j = 0; j < ncg; j++)
			if (got == ino[j]) {
				count[j]++;
				all++;
			}
	}
	close(fd);
	for (j = 0; j < ncg && v[j].ksm_pages == count[j]; j++)
		;
	if (j == ncg && all == *nr)
		return true;
	if (verbose)
		for (j = 0; j < ncg; j++)
			ksft_print_msg("%s: ksm_pages %ld, %ld of the %ld KSM page frames\n",
				       cg[j], v[j].ksm_pages, count[j], *nr);
	return false;
}

static bool wait_charged(struct worker *w, int n, char *const *cg, int ncg,
			 uint64_t *pfn, long *nr)
{
	struct ksm_wait wait = ksm_wait_start();

	while (!ksm_charged(w, n, cg, ncg, pfn, nr, false)) {
		if (ksm_wait_over(&wait))
			return ksm_charged(w, n, cg, ncg, pfn, nr, true);
		usleep(20000);
	}
	return true;
}

/*
 * Does @cg's profit match the drop of its memory.current from @before?
 * Within 2%: the rmap_items, which the profit counts, are charged to no
 * cgroup.  Without them, within 1%: the pages freed.
 */
static bool profit_is_drop(const char *cg, long before)
{
	long drop = before - cg_read_long(cg, "memory.current");
	struct ksm_numbers n;
	long freed;

	if (cg_ksm_numbers(cg, &n, NULL))
		return false;
	freed = (n.merging_pages - n.ksm_pages + n.zero_pages) * PAGE_SIZE;
	ksft_print_msg("%s: profit %ld, pages freed %ld, memory.current %ld lower\n",
		       cg, n.profit, freed, drop);
	return drop > 0 && labs(n.profit - drop) <= drop / 50 &&
	       labs(freed - drop) <= drop / 100;
}

#define PROFIT_WORKERS	6	/* four in A, two in B */

/*
 * What merging saves a cgroup, and that it adds up.  Four workers in A,
 * two in its sibling B, all of 128 MiB of the same contents and nothing
 * else to merge (CMD_ONLY), one of A's with a CLONE_VM sibling.  With A
 * and B enabled, the profit of each is the drop of its memory.current that
 * merging brought, the KSM pages charged to each are those that
 * /proc/kpagecgroup says are, and the profits of the root's children add
 * up to general_profit.  So they stay across compaction, which migrates
 * KSM pages; after B's processes move to C, which is not enabled (B keeps
 * the charge of the KSM pages of its that A maps, and its profit is their
 * cost); when A is turned off, all 0; and when A, turned on again, exits,
 * all 0.
 */
static int test_ksm_profit(const char *root)
{
	char *p = NULL, *a = NULL, *b = NULL, *c = NULL;
	struct worker w[PROFIT_WORKERS] = {};
	uint64_t *pfn = NULL, *pfn2 = NULL;
	long before[2], nr, nr2, moved, i, j;
	int ret = KSFT_FAIL;
	char cmd = CMD_CLONE_VM;
	pid_t sibling = 0;

	pfn = calloc(PROFIT_WORKERS * LARGE_PAGES, sizeof(*pfn));
	pfn2 = calloc(PROFIT_WORKERS * LARGE_PAGES, sizeof(*pfn2));
	p = cg_new(root, "ksm_test_profit");
	c = cg_new(root, "ksm_test_profit_c");
	if (!pfn || !pfn2 || !p || !c ||
	    cg_write(p, "cgroup.subtree_control", "+memory"))
		goto out;
	a = cg_new(p, "a");
	b = cg_new(p, "b");
	if (!a || !b)
		goto out;
	for (i = 0; i < PROFIT_WORKERS; i++)
		if (worker_start(&w[i], i < 4 ? a : b, W_LARGE))
			goto out;
	if (write(w[0].cmd, &cmd, 1) != 1 ||
	    read(w[0].resp, &sibling, sizeof(sibling)) != sizeof(sibling) ||
	    sibling <= 0)
		goto out;
	before[0] = cg_read_long(a, "memory.current");
	before[1] = cg_read_long(b, "memory.current");
	if (cg_ksm(a, 1) || cg_ksm(b, 1))
		goto out;
	for (i = 0; i < PROFIT_WORKERS; i++)
		if (worker_cmd(&w[i], CMD_ONLY) != 'y')
			goto out;
	if (!wait_merging(w, PROFIT_WORKERS, LARGE_PAGES))
		goto out;
	{
		const struct subtree t[] = {
			{ a, { a } }, { b, { b } }, { p, { p, a, b } },
			{ c, { c } },
		};
		char *const cgs[] = { a, b, c };

		if (!wait_stat_matches(t, 4, &sibling, 1) || !wait_adds_up(root) ||
		    !wait_charged(w, PROFIT_WORKERS, cgs, 3, pfn, &nr))
			goto out;
		if (!profit_is_drop(a, before[0]) || !profit_is_drop(b, before[1]))
			goto out;
		if (!all_check(w, PROFIT_WORKERS))
			goto out;

		/* Compaction migrates KSM pages: the counts follow them */
		if (write_text("/proc/sys/vm/compact_memory", "1", 1) != 1 ||
		    !wait_merging(w, PROFIT_WORKERS, LARGE_PAGES) ||
		    !wait_adds_up(root) ||
		    !wait_charged(w, PROFIT_WORKERS, cgs, 3, pfn2, &nr2))
			goto out;
		for (i = 0, j = 0, moved = 0; i < nr2; i++) {
			while (j < nr && pfn[j] < pfn2[i])
				j++;
			moved += j == nr || pfn[j] != pfn2[i];
		}
		ksft_print_msg("compaction moved %ld of %ld KSM pages\n",
			       moved, nr2);
		if (!moved || !all_check(w, PROFIT_WORKERS))
			goto out;

		/*
		 * B's processes to C, where they are unmerged: B keeps the
		 * charge of the KSM pages of its that A maps, and pays for them.
		 */
		if (cg_enter(c, w[4].pid) || cg_enter(c, w[5].pid) ||
		    !wait_merging(&w[4], 2, 0) ||
		    !wait_merging(w, 4, LARGE_PAGES) ||
		    !wait_stat_matches(t, 4, &sibling, 1) ||
		    !wait_adds_up(root) || !wait_charged(w, 4, cgs, 3, pfn, &nr))
			goto out;
		{
			struct ksm_numbers n;

			if (cg_ksm_numbers(b, &n, NULL))
				goto out;
			ksft_print_msg("b without processes: ksm_pages %ld, profit %ld\n",
				       n.ksm_pages, n.profit);
		}
		if (!all_check(w, PROFIT_WORKERS))
			goto out;

		/* A turned off: nothing is merged, all 0 */
		if (cg_ksm(a, 0) || !none_merged(w, 4) ||
		    !wait_stat_zero(t, 4) || !wait_adds_up(root) ||
		    !all_check(w, PROFIT_WORKERS))
			goto out;

		/* A on again, then its processes exit: all 0 */
		if (cg_ksm(a, 1) || !wait_merging(w, 4, LARGE_PAGES) ||
		    !wait_stat_matches(t, 4, &sibling, 1) ||
		    !wait_adds_up(root) || !wait_charged(w, 4, cgs, 3, pfn, &nr) ||
		    !all_check(w, 4))
			goto out;
		kill(sibling, SIGKILL);
		waitpid(sibling, NULL, 0);
		sibling = 0;
		stop_all(w, 4);
		if (!wait_stat_zero(t, 4) || !wait_adds_up(root))
			goto out;
	}
	ret = KSFT_PASS;
out:
	if (sibling > 0) {
		kill(sibling, SIGKILL);
		waitpid(sibling, NULL, 0);
	}
	stop_all(w, PROFIT_WORKERS);
	cg_free(a);
	cg_free(b);
	cg_free(p);
	cg_free(c);
	free(pfn);
	free(pfn2);
	return ret;
}

#define STRESS_CGROUPS	4	/* a parent with two children, and a sibling */
#define STRESS_LEAVES	3	/* the cgroups that hold processes */
#define STRESS_WORKERS	4
#define STRESS_PAGES	64

/*
 * Failures of the processes of the storm that nobody waits for (the CLONE_VM
 * siblings left behind by an owner that exits): a counter in memory shared
 * with the test.
 */
static int *stress_failures;

static bool storm_pages_ok(const char *p)
{
	long i, j;

	for (i = 0; i < STRESS_PAGES; i++)
		for (j = 0; j < PAGE_SIZE; j++)
			if (p[i * PAGE_SIZE + j] != page_byte(i, j, 0))
				return false;
	return true;
}

/* A short-lived process of the storm: map, fill, check, exit. */
static int storm_child(void)
{
	size_t size = STRESS_PAGES * PAGE_SIZE;
	char *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	fill_pages(p, 0, STRESS_PAGES);
	usleep(rand() % 50000);		/* give ksmd a chance at them */
	return storm_pages_ok(p) ? 0 : 2;
}

struct storm_arg {
	int how;		/* STORM_* */
	char *cg;		/* another leaf, for STORM_CLONE and _HANDOFF */
	char *p;		/* the pages, for the CLONE_VM sibling */
};

enum {
	STORM_PLAIN,		/* map, fill, check */
	STORM_EXEC,		/* the same after execve() */
	STORM_CLONE,		/* and clone3(CLONE_INTO_CGROUP) into @cg */
	STORM_HANDOFF,		/* and leave the mm to a sibling in @cg */
	STORM_HOW
};

/*
 * The CLONE_VM sibling of STORM_HANDOFF: moves to another cgroup, waits
 * for the owner of the mm to exit, which makes it the owner, and checks
 * the pages.  No stdio, no malloc: the owner's libc state is not its own.
 */
static int storm_sibling(void *arg)
{
	struct storm_arg *a = arg;
	pid_t owner = getppid();
	int i;

	if (cg_enter_current(a->cg))
		__atomic_add_fetch(stress_failures, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 500 && getppid() == owner; i++)
		usleep(10000);
	if (!storm_pages_ok(a->p))
		__atomic_add_fetch(stress_failures, 1, __ATOMIC_SEQ_CST);
	_exit(0);
}

static int storm_fn(const char *cgroup, void *arg)
{
	struct storm_arg *a = arg;
	size_t size = STRESS_PAGES * PAGE_SIZE;
	size_t stack_size = 64 * 1024;
	int status, fd;
	pid_t pid;

	if (a->how == STORM_EXEC) {
		execl(self_exe, self_exe, "--storm-child", (char *)NULL);
		return 3;
	}
	if (a->how == STORM_PLAIN)
		return storm_child();

	a->p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->p == MAP_FAILED)
		return 1;
	fill_pages(a->p, 0, STRESS_PAGES);
	usleep(rand() % 50000);		/* give ksmd a chance at them */
	if (a->how == STORM_HANDOFF) {
		char *stack = malloc(stack_size);

		if (!stack || clone(storm_sibling, stack + stack_size,
				    CLONE_VM | SIGCHLD, a) < 0)
			return 4;
		/* Exit without libc's cleanup: the sibling uses the memory */
		_exit(storm_pages_ok(a->p) ? 0 : 2);
	}
	/* STORM_CLONE: a child of these pages in another cgroup */
	fd = dirfd_open_opath(a->cg);
	if (fd < 0)
		return 5;
	pid = clone_into_cgroup(fd);
	if (pid == 0)
		_exit(storm_pages_ok(a->p) ? 0 : 2);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 6;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 7;
	return storm_pages_ok(a->p) ? 0 : 2;
}

static bool stress_done(time_t end)
{
	return time(NULL) >= end;
}

/* Fork, clone3 into the cgroups, exec and exit, until @end. */
static int stress_storm(char **cgs, time_t end)
{
	int status, bad = 0;
	long n = 0;

	while (!stress_done(end)) {
		struct storm_arg a = {
			.how = rand() % STORM_HOW,
			.cg = cgs[rand() % STRESS_LEAVES],
		};
		pid_t pid;

		pid = cg_run_nowait(cgs[rand() % STRESS_LEAVES], storm_fn, &a);
		if (pid < 0)
			continue;
		if (waitpid(pid, &status, 0) == pid &&
		    (!WIFEXITED(status) || WEXITSTATUS(status))) {
			ksft_print_msg("storm child: status %#x\n", status);
			bad++;
		}
		n++;
	}
	ksft_print_msg("storm: %ld processes\n", n);
	return bad ? 1 : 0;
}

/*
 * Write 0 and 1 to the cgroups' memory.ksm, and weights to their
 * memory.ksm.weight, at random, and now and then 2 to ksmd's run, until
 * @end.
 */
static int stress_toggle(char **cgs, time_t end)
{
	char weight[16];
	long n = 0;

	while (!stress_done(end)) {
		if (rand() % 64 == 0 && (ksm_write("run", 2) || ksm_write("run", 1)))
			return 1;
		if (cg_ksm(cgs[rand() % STRESS_CGROUPS], rand() % 2) &&
		    errno != EINTR)
			return 1;
		/* Merge domains come and go: migrations cross them */
		if (cg_isolated(cgs[rand() % STRESS_CGROUPS], rand() % 2) &&
		    errno != EINTR)
			return 1;
		snprintf(weight, sizeof(weight), "%d", 1 + rand() % 10000);
		if (cg_write(cgs[rand() % STRESS_CGROUPS], "memory.ksm.weight",
			     weight))
			return 1;
		n++;
	}
	ksft_print_msg("toggle: %ld writes\n", n);
	return 0;
}

/* Move the workers between the cgroups, at random, until @end. */
static int stress_migrate(char **cgs, struct worker *w, time_t end)
{
	long n = 0;

	while (!stress_done(end)) {
		if (cg_enter(cgs[rand() % STRESS_LEAVES],
			     w[rand() % STRESS_WORKERS].pid))
			return 1;
		n++;
	}
	ksft_print_msg("migrate: %ld migrations\n", n);
	return 0;
}

static const char *const ksm_counters[] = {
	"pages_shared", "pages_sharing", "pages_unshared", "ksm_zero_pages",
};

#define NR_COUNTERS ARRAY_SIZE(ksm_counters)

/* KSM's global page counters before the first test started a process. */
static long ksm_initial[NR_COUNTERS];

static void ksm_counters_read(long *c)
{
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		c[i] = ksm_read(ksm_counters[i]);
}

/*
 * With every process gone, wait until ksmd has dropped what it knew of
 * them and its counters are back to ksm_initial.  ksmd stops scanning once
 * its list is empty, so this waits by time (WAIT_SECONDS), not by scans.
 */
static bool ksm_counters_back(void)
{
	time_t deadline = time(NULL) + WAIT_SECONDS;
	long c[NR_COUNTERS];
	size_t i;

	for (;;) {
		ksm_counters_read(c);
		if (!memcmp(c, ksm_initial, sizeof(c)))
			return true;
		if (time(NULL) > deadline)
			break;
		usleep(50000);
	}
	for (i = 0; i < NR_COUNTERS; i++)
		ksft_print_msg("%s: %ld at the start, %ld at the end\n",
			       ksm_counters[i], ksm_initial[i], c[i]);
	return false;
}

/*
 * Everything at once for TEST_KSM_STRESS_SECONDS (default 20): memory.ksm
 * and memory.ksm.isolated written at random in a small hierarchy, and now
 * and then run=2; workers migrated between its cgroups, and so between
 * merge domains; and a storm of processes forked, cloned
 * into the cgroups, exec'd, cloning children of their merged pages into
 * other cgroups (clone3(CLONE_INTO_CGROUP)), and leaving their mm to a
 * CLONE_VM sibling in another cgroup (owner handoff).  Passes if every
 * process finds its pages intact; if, with memory.ksm 0 everywhere, no
 * worker holds a KSM page once it has run; if memory.ksm.stat of every
 * cgroup then equals the sums over its processes, and the profits add up
 * to general_profit; and if, once all have exited, those numbers are 0, the
 * profits still add up, and KSM's global page counts are back where they
 * started.
 */
static int test_ksm_stress(const char *root)
{
	/* Leaves first; the parent of the first two last. */
	static const char *const names[STRESS_CGROUPS] = {
		"ksm_stress/a", "ksm_stress/b", "ksm_stress_c", "ksm_stress",
	};
	struct worker w[STRESS_WORKERS] = {};
	char *cgs[STRESS_CGROUPS] = {};
	int ret = KSFT_FAIL, i, status, bad = 0;
	const char *env = getenv("TEST_KSM_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 20;
	pid_t pids[3];
	time_t end;

	stress_failures = mmap(NULL, sizeof(*stress_failures),
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stress_failures == MAP_FAILED)
		return KSFT_FAIL;
	for (i = STRESS_CGROUPS - 1; i >= 0; i--) {
		cgs[i] = cg_new(root, names[i]);
		if (!cgs[i])
			goto out;
	}
	if (cg_write(cgs[3], "cgroup.subtree_control", "+memory"))
		goto out;
	for (i = 0; i < STRESS_WORKERS; i++)
		if (worker_start(&w[i], cgs[i % STRESS_LEAVES], 0))
			goto out;

	end = time(NULL) + seconds;
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			goto out;
		if (pids[i] == 0) {
			srand(getpid());
			if (i == 0)
				exit(stress_storm(cgs, end));
			if (i == 1)
				exit(stress_toggle(cgs, end));
			exit(stress_migrate(cgs, w, end));
		}
	}
	for (i = 0; i < 3; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("stress process %d: status %#x\n", i, status);
			bad++;
		}
	if (bad || !all_check(w, STRESS_WORKERS))
		goto out;
	if (ksm_write("run", 1))
		goto out;
	/* The one predicate: with memory.ksm 0 everywhere, nothing merged */
	for (i = STRESS_CGROUPS - 1; i >= 0; i--)
		if (cg_isolated(cgs[i], 0) || cg_ksm(cgs[i], 0))
			goto out;
	if (!none_merged(w, STRESS_WORKERS) || !all_check(w, STRESS_WORKERS))
		goto out;
	/*
	 * Weights of 1 beside weights of 10000 make a full scan 10000 times
	 * longer: back to the default for the waits below.
	 */
	for (i = 0; i < STRESS_CGROUPS; i++)
		if (cg_write(cgs[i], "memory.ksm.weight", "100"))
			goto out;
	{
		const struct subtree t[] = {
			{ cgs[0], { cgs[0] } }, { cgs[1], { cgs[1] } },
			{ cgs[2], { cgs[2] } }, { cgs[3], { cgs[3], cgs[0], cgs[1] } },
		};

		/* memory.ksm.stat is exact, and 0 once the workers are gone */
		if (!wait_stat_matches(t, STRESS_CGROUPS, NULL, 0) ||
		    !wait_adds_up(root))
			goto out;
		stop_all(w, STRESS_WORKERS);
		if (!wait_stat_zero(t, STRESS_CGROUPS) || !wait_adds_up(root))
			goto out;
	}

	/*
	 * All processes that KSM knows of gone, the pacemaker too, its
	 * counters must come back to where they started.
	 */
	worker_stop(&pacemaker);
	if (ksm_counters_back())
		ret = KSFT_PASS;
	if (*stress_failures) {
		ksft_print_msg("%d siblings found their pages changed\n",
			       *stress_failures);
		ret = KSFT_FAIL;
	}
	if (worker_start(&pacemaker, runner_cg, W_MADVISE | W_SALT))
		ksft_exit_fail_msg("cannot restart the process for ksmd\n");
out:
	stop_all(w, STRESS_WORKERS);
	for (i = 0; i < STRESS_CGROUPS; i++)
		cg_free(cgs[i]);
	munmap(stress_failures, sizeof(*stress_failures));
	return ret;
}

/* ---- memory.ksm.weight -------------------------------------------------- */

/*
 * The file: 0644 in non-root cgroups, absent at the root, 100 by default,
 * takes 1 to 10000, refuses anything else with EINVAL and keeps its value.
 */
static int test_ksm_weight_file(const char *root)
{
	static const char *const bad[] = {
		"0", "10001", "-1", "abc", "\n", "1 2", "100x", "4294967396",
	};
	int ret = KSFT_FAIL;
	char *cg;
	size_t i;

	cg = cg_new(root, "ksm_test_weight_file");
	if (!cg || !cg_file_mode(root, cg, "memory.ksm.weight", 0644))
		goto out;
	if (cg_read_strcmp(cg, "memory.ksm.weight", "100\n"))
		goto out;
	if (cg_write(cg, "memory.ksm.weight", "1") ||
	    cg_read_strcmp(cg, "memory.ksm.weight", "1\n") ||
	    cg_write(cg, "memory.ksm.weight", "10000\n") ||
	    cg_read_strcmp(cg, "memory.ksm.weight", "10000\n") ||
	    cg_write(cg, "memory.ksm.weight", "250"))
		goto out;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cg_write(cg, "memory.ksm.weight", (char *)bad[i]) != -EINVAL) {
			ksft_print_msg("writing \"%s\" did not fail with EINVAL\n",
				       bad[i]);
			goto out;
		}
		if (cg_read_strcmp(cg, "memory.ksm.weight", "250\n"))
			goto out;
	}
	ret = KSFT_PASS;
out:
	cg_free(cg);
	return ret;
}

/*
 * "Big" processes hold more pages than ksmd scans while a test measures,
 * all alike (they merge) or all different (they never do).
 */
#define BIG_PAGES	16384

struct big_arg {
	long pages;
	bool alike;
	long seed;
	int ready;	/* write end of a pipe: "r" once the pages are filled */
};

static int big_fn(const char *cgroup, void *arg)
{
	struct big_arg *a = arg;
	long n = PAGE_SIZE / sizeof(long);
	long i, j, *p;

	/*
	 * MADV_MERGEABLE, not prctl(PR_SET_MEMORY_MERGE): a forked process
	 * shares the test's heap, which must not become KSM pages where they
	 * are (see worker_main()).
	 */
	p = mmap(NULL, a->pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED ||
	    madvise(p, a->pages * PAGE_SIZE, MADV_MERGEABLE))
		return 1;
	for (i = 0; i < a->pages; i++)
		for (j = 0; j < n; j++)
			p[i * n + j] = a->seed + j + (a->alike ? 0 : i << 20);
	if (write(a->ready, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}

/* Start a process of @pages pages in @cg; cg_free() kills it. */
static pid_t big_start(const char *cg, long pages, bool alike, long seed)
{
	struct big_arg a;
	int fd[2];
	pid_t pid;
	char c;

	if (pipe(fd))
		return -1;
	a = (struct big_arg){ pages, alike, seed, fd[1] };
	pid = cg_run_nowait(cg, big_fn, &a);
	close(fd[1]);
	if (pid > 0 && read(fd[0], &c, 1) != 1)
		pid = -1;
	close(fd[0]);
	return pid;
}

static long cg_scanned(const char *cg)
{
	long v[NR_STAT_KEYS];

	return cg_ksm_stat(cg, v) ? -1 : v[5];
}

/*
 * Wait until ksmd has scanned @total pages for the cgroups @cg, counting
 * from @start (from 0 if NULL), and put what each got in @got.
 */
static bool wait_scanned(char **cg, int n, const long *start, long *got,
			 long total)
{
	time_t deadline = time(NULL) + WAIT_SECONDS;
	long sum;
	int i;

	for (;;) {
		for (i = 0, sum = 0; i < n; i++) {
			got[i] = cg_scanned(cg[i]);
			if (got[i] < 0)
				return false;
			got[i] -= start ? start[i] : 0;
			sum += got[i];
		}
		if (sum >= total)
			return true;
		if (time(NULL) > deadline) {
			ksft_print_msg("ksmd scanned %ld of %ld pages in %ds\n",
				       sum, total, WAIT_SECONDS);
			return false;
		}
		usleep(10000);
	}
}

/* Is @a / @b within 10% of @want? */
static bool ratio_near(const char *what, long a, long b, double want)
{
	double r = b > 0 ? (double)a / b : 0;

	ksft_print_msg("%s: %ld / %ld = %.3f, want %.3f\n", what, a, b, r, want);
	return r >= want * 0.9 && r <= want * 1.1;
}

/*
 * ksmd divides its work by weight among siblings, hierarchically: under a
 * parent, x (weight 100) with children a (100) and b (300), and c (300)
 * under y (100).  Each holds more pages than ksmd scans while the test
 * measures; b scans 3 times what a does, and c as much as a and b together.
 * The profit feed and smart scan are off: the pages never merge, and would
 * be backed off and skipped.
 */
static int test_ksm_weight(const char *root)
{
	/* Parents first */
	static const char *const names[] = {
		"ksm_test_weight", "ksm_test_weight/x", "ksm_test_weight/y",
		"ksm_test_weight/x/a", "ksm_test_weight/x/b",
		"ksm_test_weight/y/c",
	};
	enum { TOP, X, Y, A, B, C, N };
	char *cg[N] = {}, *leaves[3];
	long start[3], got[3], x0, x;
	int ret = KSFT_FAIL, i;

	if (cg_new_tree(root, names, N, Y + 1, cg) ||
	    ksm_write("profit_feed", 0) || ksm_write("smart_scan", 0))
		goto out;
	if (cg_write(cg[B], "memory.ksm.weight", "300") ||
	    cg_write(cg[C], "memory.ksm.weight", "300"))
		goto out;
	leaves[0] = cg[A];
	leaves[1] = cg[B];
	leaves[2] = cg[C];
	for (i = 0; i < 3; i++)
		if (big_start(leaves[i], BIG_PAGES, false, i << 8) < 0)
			goto out;

	/* Measure once ksmd scans for all three */
	for (i = 0; i < 3; i++)
		if (!wait_scanned(&leaves[i], 1, NULL, got, 1))
			goto out;
	for (i = 0; i < 3; i++)
		start[i] = cg_scanned(leaves[i]);
	x0 = cg_scanned(cg[X]);
	if (!wait_scanned(leaves, 3, start, got, BIG_PAGES))
		goto out;
	x = cg_scanned(cg[X]) - x0;
	for (i = 0; i < 3; i++)
		if (got[i] >= BIG_PAGES) {
			ksft_print_msg("%s went round its pages\n", leaves[i]);
			goto out;
		}
	if (ratio_near("b / a", got[1], got[0], 3) &&
	    ratio_near("c / x", got[2], x, 1) &&
	    ratio_near("c / (a + b)", got[2], got[0] + got[1], 1))
		ret = KSFT_PASS;
out:
	ksm_write("profit_feed", saved_feed);
	ksm_write("smart_scan", saved_smart);
	cg_free_tree(cg, N);
	return ret;
}

/*
 * The profit feed: beside a group of pages all alike, a group of pages
 * that are all different, and stay so, gets less than half of the scans
 * once ksmd has been over it a few times, at equal weights.  With
 * /sys/kernel/mm/ksm/profit_feed 0 it gets its share back (more than 2/3
 * of the other's).  Smart scan is off: the pages it skips count towards
 * the share too, but not in pages_scanned.
 */
/*
 * Enough unique pages that their rmap_items cost more than the few pages
 * that the process, a fork of this one, shares with the other: no profit.
 */
#define FEED_UNIQUE	(BIG_PAGES / 4)

static int test_ksm_profit_feed(const char *root)
{
	static const char *const names[] = {
		"ksm_test_feed", "ksm_test_feed/alike", "ksm_test_feed/unique",
	};
	long start[2], got[2];
	int ret = KSFT_FAIL, i;
	char *cg[3] = {};

	if (cg_new_tree(root, names, 3, 1, cg) ||
	    ksm_write("profit_feed", 1) || ksm_write("smart_scan", 0) ||
	    big_start(cg[1], BIG_PAGES, true, 1) < 0 ||
	    big_start(cg[2], FEED_UNIQUE, false, 2) < 0)
		goto out;

	/*
	 * Warm up: ksmd goes over the unique pages eight times, past the
	 * laps in which pages the process shares with the other one (it is
	 * a fork of this one too) merge and restore its share.
	 */
	if (!wait_scanned(&cg[2], 1, NULL, got, 8 * FEED_UNIQUE))
		goto out;
	for (i = 0; i < 2; i++)
		start[i] = cg_scanned(cg[i + 1]);
	if (!wait_scanned(&cg[1], 2, start, got, BIG_PAGES / 2))
		goto out;
	ksft_print_msg("feed on: alike %ld, unique %ld\n", got[0], got[1]);
	if (got[0] < 2 * got[1]) {
		ksft_print_msg("the unique pages were not backed off\n");
		goto out;
	}

	if (ksm_write("profit_feed", 0))
		goto out;
	for (i = 0; i < 2; i++)
		start[i] = cg_scanned(cg[i + 1]);
	if (!wait_scanned(&cg[1], 2, start, got, BIG_PAGES / 2))
		goto out;
	ksft_print_msg("feed off: alike %ld, unique %ld\n", got[0], got[1]);
	if (2 * got[0] >= 3 * got[1]) {
		ksft_print_msg("the unique pages did not get their share back\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	ksm_write("profit_feed", saved_feed);
	ksm_write("smart_scan", saved_smart);
	cg_free_tree(cg, 3);
	return ret;
}

/*
 * A forked child is scanned in its parent's group from the start.  Its mm
 * is registered while the child is not in its cgroup yet; scanned at the
 * root's share meanwhile, the child of a group of weight 1 would get a
 * third of ksmd's work here (beside ksm_test_runner and
 * ksm_test_fork_group, the root's other children) until ksmd came to the
 * end of its pages.  In its parent's group, beside a sibling of weight
 * 10000 that never runs out of pages, it gets nothing while the sibling
 * scans half a big process.
 */
static int test_ksm_fork_group(const char *root)
{
	static const char *const names[] = {
		"ksm_test_fork_group", "ksm_test_fork_group/light",
		"ksm_test_fork_group/heavy",
	};
	struct worker parent = {}, child = {};
	long start[2], got[2];
	int ret = KSFT_FAIL;
	char *cg[3] = {};

	if (cg_new_tree(root, names, 3, 1, cg) ||
	    ksm_write("profit_feed", 0) || ksm_write("smart_scan", 0) ||
	    cg_write(cg[1], "memory.ksm.weight", "1") ||
	    cg_write(cg[2], "memory.ksm.weight", "10000") ||
	    big_start(cg[2], BIG_PAGES, false, 3) < 0 ||
	    cg_ksm(cg[1], 1) || worker_start(&parent, cg[1], 0))
		goto out;
	/* light's first turn: its next one comes after 10000 of heavy's */
	if (!wait_scanned(&cg[1], 1, NULL, got, 1))
		goto out;
	/* From before the fork: ksmd may be over the child's pages at once */
	start[0] = cg_scanned(cg[1]);
	start[1] = cg_scanned(cg[2]);
	if (worker_fork(&parent, &child))
		goto out;
	if (!wait_scanned(&cg[2], 1, &start[1], &got[1], BIG_PAGES / 2))
		goto out;
	got[0] = cg_scanned(cg[1]) - start[0];
	ksft_print_msg("heavy scanned %ld pages, light %ld\n", got[1], got[0]);
	if (got[0] >= NR_PAGES / 2) {
		ksft_print_msg("the child was scanned outside its parent's group\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	worker_stop(&child);
	worker_stop(&parent);
	ksm_write("profit_feed", saved_feed);
	ksm_write("smart_scan", saved_smart);
	cg_free_tree(cg, 3);
	return ret;
}

/* ---- merge domains (memory.ksm.isolated) ------------------------------ */

/* page_byte() gives a worker's pages this many contents */
#define CONTENTS	4

/*
 * The workers @w map their pages to exactly @want page frames, all
 * together (by /proc/<pid>/pagemap): with every page merged, CONTENTS
 * frames per merge domain they are in, as long as no content has more
 * than max_page_sharing (256) mappings in a domain.
 */
static bool frames_are(struct worker *const *w, int n, long want)
{
	static uint64_t pfn[4 * NR_PAGES];
	struct worker one[4];
	long got;
	int i;

	for (i = 0; i < n; i++)
		one[i] = *w[i];
	got = worker_pfns(one, n, NR_PAGES, pfn);
	if (got == want)
		return true;
	ksft_print_msg("%d workers map %ld page frames, want %ld:", n, got,
		       want);
	for (i = 0; i < n; i++)
		printf(" %d", w[i]->pid);
	printf("\n");
	return false;
}

/* Every page of the workers @w merged, and their contents intact */
static bool merged_intact(struct worker *w, int n)
{
	return wait_merging(w, n, NR_PAGES) && all_check(w, n);
}

/*
 * Wait until ksmd's counter @knob reads @want: ksmd drops what it knew of
 * unmerged pages as it scans them again.
 */
static bool wait_counter(const char *knob, long want)
{
	struct ksm_wait wait = ksm_wait_start();
	long got;

	while ((got = ksm_read(knob)) != want) {
		if (ksm_wait_over(&wait)) {
			ksft_print_msg("%s: %ld, want %ld\n", knob, got, want);
			return false;
		}
		usleep(20000);
	}
	return true;
}

/*
 * Wait until domain_pages_shared of memory.ksm.stat reads @want in each of
 * the cgroups @cg (@want < 0: until the root domain's, read in runner_cg,
 * and those of @cg add up to pages_shared).
 */
static bool wait_domain_shared(char **cg, int n, long want)
{
	struct ksm_wait wait = ksm_wait_start();
	long got[3], shared, sum;
	int i;

	for (;;) {
		bool ok = true;

		shared = ksm_read("pages_shared");
		sum = cg_read_key_long(runner_cg, "memory.ksm.stat",
				       "domain_pages_shared ");
		for (i = 0; i < n; i++) {
			got[i] = cg_read_key_long(cg[i], "memory.ksm.stat",
						  "domain_pages_shared ");
			if (want >= 0 && got[i] != want)
				ok = false;
			sum += got[i];
		}
		if (want < 0 && sum != shared)
			ok = false;
		if (ok)
			return true;
		if (ksm_wait_over(&wait)) {
			for (i = 0; i < n; i++)
				ksft_print_msg("%s: domain_pages_shared %ld, want %ld\n",
					       cg[i], got[i], want);
			ksft_print_msg("pages_shared %ld, the domains' sum %ld\n",
				       shared, sum);
			return false;
		}
		usleep(20000);
	}
}

/* The mappings of @pid that hold KSM pages, as /proc/PID/smaps shows them */
static void ksm_mappings_diag(pid_t pid)
{
	char path[64], line[512], vma[512] = "";
	unsigned long start, end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			snprintf(vma, sizeof(vma), "%s", line);
		else if (!strncmp(line, "KSM:", 4) && atol(line + 4))
			ksft_print_msg("pid %d: %.*s in %s", pid,
				       (int)strcspn(line, "\n"), line, vma);
	}
	fclose(f);
}

/* Every process that maps a KSM page, with what the kernel knows of it */
static void ksm_mappers_diag(void)
{
	char buf[4096], *line, *save;
	struct dirent *de;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		if (proc_read_text(pid, false, "smaps_rollup", buf,
				   sizeof(buf)) <= 0)
			continue;
		line = strstr(buf, "\nKSM:");
		if (!line || atol(line + 5) == 0)
			continue;
		ksft_print_msg("pid %d maps KSM pages:%.*s\n", pid,
			       (int)strcspn(line + 5, "\n"), line + 5);
		if (proc_read_text(pid, false, "cgroup", buf, sizeof(buf)) > 0)
			ksft_print_msg("pid %d: cgroup %s", pid, buf);
		if (proc_read_text(pid, false, "status", buf, sizeof(buf)) > 0)
			for (line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				if (!strncmp(line, "Name:", 5) ||
				    !strncmp(line, "State:", 6) ||
				    !strncmp(line, "PPid:", 5))
					ksft_print_msg("pid %d: %s\n", pid, line);
		if (proc_read_text(pid, false, "ksm_stat", buf, sizeof(buf)) > 0)
			for (line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				ksft_print_msg("pid %d: %s\n", pid, line);
		ksm_mappings_diag(pid);
	}
	closedir(proc);
}

/*
 * Write @val to ksmd's knob @knob, which takes a new value only with no KSM
 * page left (EBUSY): after run=2, a KSM page may still be mapped for a
 * moment by an mm on its way out (__mmput() between ksm_exit() and
 * exit_mmap()), so run=2 again until it is not, bounded by WAIT_SECONDS.
 */
static int ksm_write_unmerged(const char *knob, long val)
{
	time_t deadline = time(NULL) + STAT_SECONDS;
	int tries = 1;

	while (ksm_write(knob, val)) {
		if (errno != EBUSY || time(NULL) > deadline) {
			ksft_print_msg("%s %ld: %s after run=2 (%d tries), pages_shared %ld\n",
				       knob, val, strerror(errno), tries,
				       ksm_read("pages_shared"));
			ksm_mappers_diag();
			return -1;
		}
		usleep(50000);
		if (ksm_write("run", 2))
			return -1;
		tries++;
	}
	if (tries > 1)
		ksft_print_msg("%s %ld: written after %d tries\n", knob, val,
			       tries);
	return 0;
}

/* How many page frames the workers @w map, all together, or -1 */
static long frames_of(struct worker *const *w, int n)
{
	static uint64_t pfn[4 * NR_PAGES];
	struct worker one[4];
	int i;

	for (i = 0; i < n; i++)
		one[i] = *w[i];
	return worker_pfns(one, n, NR_PAGES, pfn);
}

/*
 * The file: 0644 in non-root cgroups, absent at the root, 0 by default,
 * takes 0 and 1, refuses anything else with EINVAL and keeps its value.
 */
static int test_ksm_isolated_file(const char *root)
{
	static const char *const bad[] = {
		"2", "-1", "10", "01", "on", "1 1", "0x1", "\n", "11\n",
	};
	int ret = KSFT_FAIL;
	char *cg;
	size_t i;

	cg = cg_new(root, "ksm_test_isolated_file");
	if (!cg || !cg_file_mode(root, cg, "memory.ksm.isolated", 0644))
		goto out;
	if (cg_read_strcmp(cg, "memory.ksm.isolated", "0\n") ||
	    cg_isolated(cg, 1) ||
	    cg_read_strcmp(cg, "memory.ksm.isolated", "1\n"))
		goto out;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cg_write(cg, "memory.ksm.isolated", (char *)bad[i]) !=
		    -EINVAL) {
			ksft_print_msg("writing \"%s\" did not fail with EINVAL\n",
				       bad[i]);
			goto out;
		}
		if (cg_read_strcmp(cg, "memory.ksm.isolated", "1\n"))
			goto out;
	}
	if (cg_write(cg, "memory.ksm.isolated", "0\n") ||
	    cg_read_strcmp(cg, "memory.ksm.isolated", "0\n") ||
	    cg_read_strcmp(cg, "memory.ksm", "0\n"))
		goto out;
	ret = KSFT_PASS;
out:
	cg_free(cg);
	return ret;
}

/*
 * Two isolated siblings with pages of the same contents never share a page
 * frame, and each keeps a KSM page per content: CONTENTS frames more than
 * one domain would need.  Isolation toggled at runtime, both ways: a write
 * returns with the cgroup's pages unmerged from the old domain (ksmd
 * stopped meanwhile, so that nothing merges them again before they are
 * looked at), and ksmd merges them again within the new one: with the
 * root domain once neither is isolated, and apart from it again once one
 * is.
 */
static int test_ksm_isolated(const char *root)
{
	struct worker w[2] = {};
	struct worker *a = &w[0], *b = &w[1], *both[] = { a, b };
	char *cga = NULL, *cgb = NULL;
	int ret = KSFT_FAIL;

	cga = cg_new(root, "ksm_test_isolated_a");
	cgb = cg_new(root, "ksm_test_isolated_b");
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1) ||
	    cg_ksm(cga, 1) || cg_ksm(cgb, 1))
		goto out;
	if (worker_start(a, cga, 0) || worker_start(b, cgb, 0))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(&a, 1, CONTENTS) ||
	    !frames_are(&b, 1, CONTENTS) || !frames_are(both, 2, 2 * CONTENTS))
		goto out;

	/* a to the root domain; b stays isolated */
	if (ksm_write("run", 0) || cg_isolated(cga, 0) ||
	    !none_merged(a, 1) || worker_ksm_pages(b) != NR_PAGES ||
	    ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, 2 * CONTENTS))
		goto out;

	/* Neither isolated: one domain, one frame per content */
	if (ksm_write("run", 0) || cg_isolated(cgb, 0) ||
	    !none_merged(b, 1) || ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, CONTENTS))
		goto out;

	/* And apart again */
	if (ksm_write("run", 0) || cg_isolated(cga, 1) ||
	    !none_merged(a, 1) || ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, 2 * CONTENTS))
		goto out;
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	stop_all(w, 2);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

/*
 * Isolation holds however merging was asked for: processes that called
 * prctl(PR_SET_MEMORY_MERGE) or madvise(MADV_MERGEABLE) in isolated cgroups
 * whose memory.ksm is 0, and one in the root domain, share no frame.
 */
static int test_ksm_isolated_prctl(const char *root)
{
	struct worker w[3] = {};
	struct worker *all[] = { &w[0], &w[1], &w[2] };
	char *cga = NULL, *cgb = NULL;
	int ret = KSFT_FAIL;

	cga = cg_new(root, "ksm_test_isolated_prctl_a");
	cgb = cg_new(root, "ksm_test_isolated_prctl_b");
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1))
		goto out;
	if (worker_start(&w[0], cga, W_PRCTL) ||
	    worker_start(&w[1], cgb, W_MADVISE) ||
	    worker_start(&w[2], runner_cg, W_PRCTL))
		goto out;
	if (!merged_intact(w, 3) || !frames_are(all, 1, CONTENTS) ||
	    !frames_are(all + 1, 1, CONTENTS) ||
	    !frames_are(all + 2, 1, CONTENTS) ||
	    !frames_are(all, 3, 3 * CONTENTS))
		goto out;
	ret = KSFT_PASS;
out:
	stop_all(w, 3);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

/*
 * Nested domains: in isolated P, the processes of P/c2 and P/c3 (not
 * isolated) share P's domain, P/c1 (isolated) is a domain of its own, and
 * a process outside P is in the root domain.  With P's isolation gone,
 * c2 and c3 join the root domain and c1 stays apart.
 */
static int test_ksm_isolated_nested(const char *root)
{
	static const char *const names[] = {
		"ksm_test_nested", "ksm_test_nested/c1",
		"ksm_test_nested/c2", "ksm_test_nested/c3",
		"ksm_test_nested_r",
	};
	struct worker w[4] = {};
	struct worker *c1 = &w[0], *all[] = { &w[0], &w[1], &w[2], &w[3] };
	char *cg[5] = {};
	int ret = KSFT_FAIL, i;

	if (cg_new_tree(root, names, 5, 1, cg) || cg_isolated(cg[0], 1) ||
	    cg_isolated(cg[1], 1) || cg_ksm(cg[0], 1) || cg_ksm(cg[4], 1))
		goto out;
	for (i = 0; i < 4; i++)
		if (worker_start(&w[i], cg[i + 1], 0))
			goto out;
	/* c1 | c2 c3 | r */
	if (!merged_intact(w, 4) || !frames_are(all + 1, 2, CONTENTS) ||
	    !frames_are(all, 4, 3 * CONTENTS))
		goto out;

	if (ksm_write("run", 0) || cg_isolated(cg[0], 0) ||
	    !none_merged(&w[1], 2) || worker_ksm_pages(c1) != NR_PAGES ||
	    ksm_write("run", 1))
		goto out;
	/* c1 | c2 c3 r: 384 mappings a content, two frames each */
	if (!merged_intact(w, 4) || !frames_are(all + 1, 3, 2 * CONTENTS) ||
	    !frames_are(all, 4, 3 * CONTENTS))
		goto out;
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	stop_all(w, 4);
	cg_free_tree(cg, 5);
	return ret;
}

/*
 * A process migrated from one isolated cgroup to another unmerges before
 * it next runs user code (the first thing it answers is that it maps no
 * KSM page; ksmd stopped meanwhile), and merges again in its new domain:
 * with the process there, and with none of its old one.
 */
static int test_ksm_isolated_migrate(const char *root)
{
	struct worker w[3] = {};
	struct worker *a0 = &w[0], *a1 = &w[1], *b = &w[2];
	struct worker *moved[] = { a1, b }, *all[] = { a0, a1, b };
	char *cga = NULL, *cgb = NULL;
	int ret = KSFT_FAIL;

	cga = cg_new(root, "ksm_test_isolated_from");
	cgb = cg_new(root, "ksm_test_isolated_to");
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1) ||
	    cg_ksm(cga, 1) || cg_ksm(cgb, 1))
		goto out;
	if (worker_start(a0, cga, 0) || worker_start(a1, cga, 0) ||
	    worker_start(b, cgb, 0))
		goto out;
	if (!merged_intact(w, 3) || !frames_are(all, 2, CONTENTS) ||
	    !frames_are(all, 3, 2 * CONTENTS))
		goto out;
	if (ksm_write("run", 0) || cg_enter(cgb, a1->pid) ||
	    !none_merged(a1, 1) || worker_ksm_pages(a0) != NR_PAGES ||
	    ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 3) || !frames_are(moved, 2, CONTENTS) ||
	    !frames_are(all, 3, 2 * CONTENTS))
		goto out;
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	stop_all(w, 3);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

/*
 * A child cloned from an isolated cgroup into another domain
 * (CLONE_INTO_CGROUP) inherits its parent's KSM pages and unmerges them
 * before its first instruction; then it merges with the processes of its
 * own domain, and shares no frame with its parent's.
 */
static int test_ksm_isolated_clone(const char *root)
{
	struct worker w[2] = {}, child = {};
	struct worker *a = &w[0], *b = &w[1];
	struct worker *pair[] = { &child, b }, *all[] = { a, &child, b };
	char *cga = NULL, *cgb = NULL;
	int ret = KSFT_FAIL, fd = -1;

	cga = cg_new(root, "ksm_test_isolated_parent");
	cgb = cg_new(root, "ksm_test_isolated_child");
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1) ||
	    cg_ksm(cga, 1) || cg_ksm(cgb, 1))
		goto out;
	/* Opened before the worker starts, which inherits it */
	fd = dirfd_open_opath(cgb);
	if (fd < 0 || worker_start(a, cga, 0) || worker_start(b, cgb, 0))
		goto out;
	if (!merged_intact(w, 2))
		goto out;
	if (ksm_write("run", 0) || worker_child(a, &child, CMD_FORK_INTO, fd) ||
	    !none_merged(&child, 1) || ksm_write("run", 1))
		goto out;
	if (!merged_intact(&child, 1) || !merged_intact(w, 2) ||
	    !frames_are(pair, 2, CONTENTS) || !frames_are(all, 3, 2 * CONTENTS))
		goto out;
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	worker_stop(&child);
	stop_all(w, 2);
	if (fd >= 0)
		close(fd);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

/*
 * The cost of isolation, in ksmd's own counters: two processes that
 * madvise() the same contents in isolated cgroups keep a KSM page per
 * content each, in one domain they share one; so pages_shared is CONTENTS
 * higher with the two domains than with one, and pages_sharing as much
 * lower.  (Only the madvise()d range is mergeable: no other page of the
 * processes counts.)  memory.ksm.stat shows each domain's part of
 * pages_shared as domain_pages_shared: CONTENTS for each isolated cgroup,
 * and all of pages_shared once both are in the root domain.
 */
static int test_ksm_isolated_cost(const char *root)
{
	struct worker w[2] = {};
	struct worker *both[] = { &w[0], &w[1] };
	long shared, sharing;
	char *cga = NULL, *cgb = NULL, *cgs[2];
	int ret = KSFT_FAIL;

	cga = cg_new(root, "ksm_test_isolated_cost_a");
	cgb = cg_new(root, "ksm_test_isolated_cost_b");
	cgs[0] = cga;
	cgs[1] = cgb;
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1))
		goto out;
	if (worker_start(&w[0], cga, W_MADVISE) ||
	    worker_start(&w[1], cgb, W_MADVISE))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, 2 * CONTENTS))
		goto out;
	/* memory.ksm.stat: each domain's KSM pages, adding up to pages_shared */
	if (!wait_domain_shared(cgs, 2, CONTENTS) ||
	    !wait_domain_shared(cgs, 2, -1))
		goto out;
	shared = ksm_read("pages_shared");
	sharing = ksm_read("pages_sharing");

	if (ksm_write("run", 0) || cg_isolated(cga, 0) || cg_isolated(cgb, 0) ||
	    ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, CONTENTS) ||
	    !wait_counter("pages_shared", shared - CONTENTS) ||
	    !wait_counter("pages_sharing", sharing + CONTENTS))
		goto out;
	/* Both in the root domain: its number, which is all of pages_shared */
	if (!wait_domain_shared(cgs, 2, shared - CONTENTS))
		goto out;

	if (ksm_write("run", 0) || cg_isolated(cgb, 1) || ksm_write("run", 1))
		goto out;
	if (!merged_intact(w, 2) || !frames_are(both, 2, 2 * CONTENTS) ||
	    !wait_counter("pages_shared", shared) ||
	    !wait_counter("pages_sharing", sharing))
		goto out;
	ksft_print_msg("pages_shared %ld in two domains, %ld in one\n", shared,
		       shared - CONTENTS);
	ret = KSFT_PASS;
out:
	ksm_write("run", 1);
	stop_all(w, 2);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

/*
 * The knobs that act on the trees act per domain.  Two isolated cgroups of
 * two workers each, and each time after run=2, which unmerges both domains
 * (domain_pages_shared back to 0 in each):
 *  - max_page_sharing 16: each domain's 256 mappings of a content are split
 *    over chains of KSM pages of its own;
 *  - merge_across_nodes 0 (CONFIG_NUMA): a tree per node and domain, and
 *    with two nodes (numa=fake=2), where each domain has a worker on each
 *    node, a KSM page per content, domain and node: the workers of a
 *    domain share no frame;
 *  - the knobs back: a KSM page per content per domain again.
 * No frame is ever shared across the domains, and each domain's
 * domain_pages_shared covers its frames.
 */
enum knobs_round { KNOBS_CHAINS, KNOBS_NODES, KNOBS_BACK, KNOBS_ROUNDS };

static int test_ksm_isolated_knobs(const char *root)
{
	static const char *const what[] = {
		"max_page_sharing 16", "merge_across_nodes 0", "defaults",
	};
	struct worker w[4] = {};
	struct worker *all[] = { &w[0], &w[1], &w[2], &w[3] };
	long sharing, across, fa, fb, fall, want;
	char *cga = NULL, *cgb = NULL, *cgs[2];
	int ret = KSFT_FAIL, round, nodes = 1, f0 = 0, f1 = 0;

	sharing = ksm_read("max_page_sharing");
	across = ksm_read("merge_across_nodes");
	if (across < 0)
		ksft_print_msg("no merge_across_nodes (CONFIG_NUMA off): not switched\n");
	else if (!access("/sys/devices/system/node/node1", F_OK))
		nodes = 2;
	if (nodes == 2) {
		f0 = W_NODE0;
		f1 = W_NODE1;
	} else if (across >= 0) {
		ksft_print_msg("one NUMA node: merge_across_nodes 0 keeps one tree a domain\n");
	}
	cga = cg_new(root, "ksm_test_isolated_knobs_a");
	cgb = cg_new(root, "ksm_test_isolated_knobs_b");
	cgs[0] = cga;
	cgs[1] = cgb;
	if (!cga || !cgb || cg_isolated(cga, 1) || cg_isolated(cgb, 1) ||
	    cg_ksm(cga, 1) || cg_ksm(cgb, 1))
		goto out;
	if (worker_start(&w[0], cga, f0) || worker_start(&w[1], cga, f1) ||
	    worker_start(&w[2], cgb, f0) || worker_start(&w[3], cgb, f1))
		goto out;
	if (!merged_intact(w, 4) || !frames_are(all, 2, CONTENTS) ||
	    !frames_are(all + 2, 2, CONTENTS) ||
	    !frames_are(all, 4, 2 * CONTENTS))
		goto out;

	for (round = 0; round < KNOBS_ROUNDS; round++) {
		if (round == KNOBS_NODES && across < 0)
			continue;
		/* run=2 unmerges every domain, and the knobs can change */
		if (ksm_write("run", 2) || !none_merged(w, 4) ||
		    !all_check(w, 4) || !wait_domain_shared(cgs, 2, 0))
			goto out;
		if (ksm_write_unmerged("max_page_sharing",
				       round == KNOBS_CHAINS ? 16 : sharing) ||
		    (across >= 0 &&
		     ksm_write_unmerged("merge_across_nodes",
					round == KNOBS_NODES ? 0 : across)))
			goto out;
		if (ksm_write("run", 1) || !merged_intact(w, 4))
			goto out;
		fa = frames_of(all, 2);
		fb = frames_of(all + 2, 2);
		fall = frames_of(all, 4);
		ksft_print_msg("%s: %ld + %ld frames, %ld together\n",
			       what[round], fa, fb, fall);
		if (fall != fa + fb)
			goto out;
		switch (round) {
		case KNOBS_CHAINS:
			/* 256 mappings a content and domain: 16 KSM pages */
			if (fa < 16 * CONTENTS || fb < 16 * CONTENTS)
				goto out;
			break;
		case KNOBS_NODES:
			/* A KSM page per content, domain and node */
			want = nodes * CONTENTS;
			if (fa != want || fb != want)
				goto out;
			if (nodes == 2 &&
			    (frames_of(all, 1) + frames_of(all + 1, 1) != fa ||
			     frames_of(all + 2, 1) + frames_of(all + 3, 1) != fb)) {
				ksft_print_msg("a frame shared across the nodes\n");
				goto out;
			}
			break;
		default:
			if (fa != CONTENTS || fb != CONTENTS)
				goto out;
		}
		/*
		 * A domain's KSM pages: at least the frames of the workers'
		 * pages (the rest of their memory merges too), and with the
		 * root domain's they add up to pages_shared.
		 */
		if (cg_read_key_long(cga, "memory.ksm.stat",
				     "domain_pages_shared ") < fa ||
		    cg_read_key_long(cgb, "memory.ksm.stat",
				     "domain_pages_shared ") < fb ||
		    !wait_domain_shared(cgs, 2, -1)) {
			ksft_print_msg("domain_pages_shared: %ld and %ld\n",
				       cg_read_key_long(cga, "memory.ksm.stat",
							"domain_pages_shared "),
				       cg_read_key_long(cgb, "memory.ksm.stat",
							"domain_pages_shared "));
			goto out;
		}
	}
	ret = KSFT_PASS;
out:
	ksm_write("run", 2);
	ksm_write("max_page_sharing", sharing);
	if (across >= 0)
		ksm_write("merge_across_nodes", across);
	ksm_write("run", 1);
	stop_all(w, 4);
	cg_free(cga);
	cg_free(cgb);
	return ret;
}

#define T(x) { x, #x }
struct ksm_test {
	int (*fn)(const char *root);
	const char *name;
} tests[] = {
	T(test_ksm_file),
	T(test_ksm_enable_present),
	T(test_ksm_effective),
	T(test_ksm_disable),
	T(test_ksm_cow),
	T(test_ksm_fork),
	T(test_ksm_fork_many),
	T(test_ksm_exec),
	T(test_ksm_clone_into_cgroup),
	T(test_ksm_migrate),
	T(test_ksm_process_choice),
	T(test_ksm_unmergeable),
	T(test_ksm_vma_merge),
	T(test_ksm_threads),
	T(test_ksm_shared_mm),
	T(test_ksm_disable_killed),
	T(test_ksm_clone_into_disabled),
	T(test_ksm_inherited),
	T(test_ksm_fork_race),
	T(test_ksm_owner_handoff),
	T(test_ksm_run2),
	T(test_ksm_unmerge_latency),
	T(test_ksm_unmergeable_neutral),
	T(test_ksm_delegation),
	T(test_ksm_stat_file),
	T(test_ksm_stat),
	T(test_ksm_profit),
	T(test_ksm_stress),
	T(test_ksm_weight_file),
	T(test_ksm_weight),
	T(test_ksm_profit_feed),
	T(test_ksm_fork_group),
	T(test_ksm_dying),
	T(test_ksm_isolated_file),
	T(test_ksm_isolated),
	T(test_ksm_isolated_prctl),
	T(test_ksm_isolated_nested),
	T(test_ksm_isolated_migrate),
	T(test_ksm_isolated_clone),
	T(test_ksm_isolated_cost),
	T(test_ksm_isolated_knobs),
};

#undef T

/*
 * The tests' own process never merges, but it forks workers that share its
 * pages until one side writes, into cgroups that merge.  KSM must merge
 * such a page by copying it, never make it a KSM page where it is: the test
 * would map a page that no rmap_item of KSM leads to.
 */
static bool runner_maps_ksm(void)
{
	char buf[4096], *line;

	if (proc_read_text(getpid(), false, "smaps_rollup", buf,
			   sizeof(buf)) <= 0)
		return false;
	line = strstr(buf, "\nKSM:");
	if (!line || atol(line + 5) == 0)
		return false;
	ksft_print_msg("the test's own process maps KSM pages:%.*s\n",
		       (int)strcspn(line + 5, "\n"), line + 5);
	ksm_mappings_diag(getpid());
	return true;
}

/* ksmd's knobs as the tests found them; what ksmd merged stays merged */
static void ksm_restore(void)
{
	ksm_write("pages_to_scan", saved_pages);
	ksm_write("sleep_millisecs", saved_sleep);
	ksm_write("smart_scan", saved_smart);
	if (saved_feed >= 0)
		ksm_write("profit_feed", saved_feed);
	ksm_write("run", saved_run == 2 ? 0 : saved_run);
}

int main(int argc, char **argv)
{
	char root[PATH_MAX], path[PATH_MAX], *cg;
	int i, ret = EXIT_SUCCESS;

	self_exe = realpath("/proc/self/exe", NULL);
	if (argc == 5 && !strcmp(argv[1], "--worker"))
		return worker_loop(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 2 && !strcmp(argv[1], "--storm-child"))
		return storm_child();

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "memory"))
		ksft_exit_skip("memory controller isn't available\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "memory"))
		if (cg_write(root, "cgroup.subtree_control", "+memory"))
			ksft_exit_skip("Failed to set memory controller\n");
	if (access(KSM_SYSFS "run", W_OK))
		ksft_exit_skip("KSM is not available\n");
	/* The root has no memory.ksm: look in a new cgroup */
	cg = cg_name(root, "ksm_test_probe");
	if (!cg || cg_create(cg))
		ksft_exit_fail_msg("cannot create a cgroup\n");
	snprintf(path, sizeof(path), "%s/memory.ksm", cg);
	i = access(path, F_OK);
	cg_destroy(cg);
	free(cg);
	if (i)
		ksft_exit_skip("memory.ksm isn't available\n");

	saved_run = ksm_read("run");
	saved_pages = ksm_read("pages_to_scan");
	saved_sleep = ksm_read("sleep_millisecs");
	saved_smart = ksm_read("smart_scan");
	saved_feed = ksm_read("profit_feed");
	if (ksm_write("pages_to_scan", 4 * NR_PAGES) ||
	    ksm_write("sleep_millisecs", 20) || ksm_write("run", 1))
		ksft_exit_fail_msg("cannot set up ksmd\n");

	ksm_counters_read(ksm_initial);

	/* The tests run in a cgroup of their own, which is not enabled. */
	runner_cg = cg_name(root, "ksm_test_runner");
	cg = runner_cg;
	if (!cg || cg_create(cg) || cg_enter_current(cg))
		ksft_exit_fail_msg("cannot create the test's cgroup\n");
	/*
	 * ksmd sleeps while no process is registered with it, and the tests
	 * count its full scans: keep one process for it to scan, with a
	 * MADV_MERGEABLE range of contents no worker has.
	 */
	if (worker_start(&pacemaker, cg, W_MADVISE | W_SALT))
		ksft_exit_fail_msg("cannot start a process for ksmd\n");

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		/* test_ksm NAME...: run only these tests */
		if (argc > 1) {
			int j;

			for (j = 1; j < argc; j++)
				if (!strcmp(argv[j], tests[i].name))
					break;
			if (j == argc) {
				ksft_test_result_skip("%s\n", tests[i].name);
				continue;
			}
		}
		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			if (runner_maps_ksm()) {
				ret = EXIT_FAILURE;
				ksft_test_result_fail("%s\n", tests[i].name);
				break;
			}
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ret = EXIT_FAILURE;
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}

	worker_stop(&pacemaker);
	cg_enter_current(root);
	cg_destroy(cg);
	ksm_restore();
	ksft_finished();
	return ret;
}
