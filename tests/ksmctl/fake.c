// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "ksmctl.h"
#include "util.h"

struct fake fake;

static void mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

int fake_setup(void **state)
{
	(void)state;
	snprintf(fake.dir, sizeof(fake.dir), "/tmp/ksmctl-test.XXXXXX");
	if (!mkdtemp(fake.dir))
		return -1;
	/* Readable by the unprivileged user of the permission tests. */
	chmod(fake.dir, 0755);
	snprintf(fake.cg, sizeof(fake.cg), "%s/cgroup", fake.dir);
	snprintf(fake.ksm, sizeof(fake.ksm), "%s/ksm", fake.dir);
	snprintf(fake.proc, sizeof(fake.proc), "%s/proc", fake.dir);
	mkdirs(fake.cg);
	mkdirs(fake.ksm);
	mkdirs(fake.proc);
	setenv("KSMCTL_CGROUP_ROOT", fake.cg, 1);
	setenv("KSMCTL_KSM_SYSFS", fake.ksm, 1);
	setenv("KSMCTL_PROC", fake.proc, 1);
	/* The root as the kernel has it: memory on for the children. */
	fake_file(fake.cg, "cgroup.controllers", "cpu io memory pids\n");
	fake_file(fake.cg, "cgroup.subtree_control", "memory\n");
	fake_file(fake.cg, "cgroup.procs", "%s", "");
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int fake_teardown(void **state)
{
	(void)state;
	nftw(fake.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("KSMCTL_CGROUP_ROOT");
	unsetenv("KSMCTL_KSM_SYSFS");
	unsetenv("KSMCTL_PROC");
	return 0;
}

/* Write BASE/REL, creating its directories. */
void fake_file(const char *base, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], *slash;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

/* The content of BASE/REL, malloc'ed; NULL if it cannot be read. */
char *fake_read(const char *base, const char *rel)
{
	char path[PATH_MAX], buf[KSM_FILE_MAX];
	int n;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	n = read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	return n < 0 ? NULL : strdup(buf);
}

/*
 * A cgroup with the memory controller: memory.ksm reads @ksm (none if
 * -1), memory.ksm.stat holds @stat (none if NULL).  The parent's
 * cgroup.subtree_control gets "memory".
 */
void fake_cgroup(const char *cg, int ksm, const char *stat)
{
	char dir[PATH_MAX];
	const char *rel = cg[0] == '/' ? cg + 1 : cg;

	snprintf(dir, sizeof(dir), "%s/%s", fake.cg, rel);
	mkdirs(dir);
	fake_file(dir, "cgroup.procs", "%s", "");
	fake_file(dir, "cgroup.subtree_control", "%s", "");
	if (ksm >= 0) {
		fake_file(dir, "memory.ksm", "%d\n", ksm);
		fake_file(dir, "memory.current", "0\n");
	}
	if (stat)
		fake_file(dir, "memory.ksm.stat", "%s", stat);
	*strrchr(dir, '/') = '\0';
	if (strcmp(dir, fake.cg))
		fake_file(dir, "cgroup.subtree_control", "memory\n");
}

/* memory.ksm.isolated of the cgroup @cg, made by fake_cgroup(), reads @isolated. */
void fake_isolated(const char *cg, int isolated)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/memory.ksm.isolated", cg[0] == '/' ? cg + 1 : cg);
	fake_file(fake.cg, rel, "%d\n", isolated);
}

void fake_proc(int pid, const char *cg, const char *ksm_stat)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%d/cgroup", pid);
	fake_file(fake.proc, rel, "0::%s\n", cg);
	if (ksm_stat) {
		snprintf(rel, sizeof(rel), "%d/ksm_stat", pid);
		fake_file(fake.proc, rel, "%s", ksm_stat);
	}
}

/* The knobs of a 6.12 kernel with ksmd running. */
void fake_knobs(void)
{
	static const char *const values[][2] = {
		{ "run", "1" }, { "pages_to_scan", "100" }, { "sleep_millisecs", "20" },
		{ "max_page_sharing", "256" }, { "merge_across_nodes", "1" },
		{ "use_zero_pages", "0" }, { "smart_scan", "1" },
		{ "advisor_mode", "[none] scan-time" }, { "advisor_target_scan_time", "200" },
		{ "advisor_max_cpu", "70" }, { "advisor_min_pages_to_scan", "500" },
		{ "advisor_max_pages_to_scan", "30000" },
		{ "stable_node_chains_prune_millisecs", "2000" }, { "full_scans", "7" },
		{ "pages_shared", "10" }, { "pages_sharing", "8000" },
		{ "pages_unshared", "3" }, { "pages_volatile", "1" },
		{ "pages_scanned", "123456" }, { "pages_skipped", "0" },
		{ "general_profit", "32761600" }, { "ksm_zero_pages", "0" },
		{ "stable_node_chains", "0" }, { "stable_node_dups", "0" },
	};
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		fake_file(fake.ksm, values[i][0], "%s\n", values[i][1]);
}

static char *slurp(FILE *f)
{
	long len;
	char *s;

	fflush(f);
	len = ftell(f);
	s = calloc(1, len + 1);
	rewind(f);
	if (len > 0 && fread(s, 1, len, f) != (size_t)len)
		s[0] = '\0';
	return s;
}

/* Run ksmctl ARG... and collect its output. */
struct result run_ksmctl(const char *arg, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	for (; arg && n < 63; arg = va_arg(ap, const char *))
		args[n++] = arg;
	va_end(ap);
	args[n] = NULL;
	return run_ksmctl_argv(args);
}

/* The same with the arguments in a NULL-terminated array. */
struct result run_ksmctl_argv(const char *const *args)
{
	return run_ksmctl_full("ksmctl", NULL, args);
}

/*
 * The same run as @argv0, with @input on standard input (when not NULL),
 * as a runtime runs a hook.
 */
struct result run_ksmctl_full(const char *argv0, const char *input, const char *const *args)
{
	char *argv[64];
	struct result r;
	FILE *out = tmpfile(), *err = tmpfile(), *in = NULL;
	int argc = 0, saved, saved_in = -1;

	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = (char *)argv0;
	for (; *args && argc < 63; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	if (input) {
		in = tmpfile();
		assert_non_null(in);
		assert_true(fputs(input, in) >= 0);
		assert_int_equal(fflush(in), 0);
		rewind(in);
		saved_in = dup(STDIN_FILENO);
		dup2(fileno(in), STDIN_FILENO);
	}

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	ksm_errfile = err;
	r.status = ksmctl_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ksm_errfile = NULL;
	if (in) {
		dup2(saved_in, STDIN_FILENO);
		close(saved_in);
		fclose(in);
	}

	fseek(out, 0, SEEK_END);
	r.out = slurp(out);
	r.err = slurp(err);
	fclose(out);
	fclose(err);
	return r;
}

void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}
