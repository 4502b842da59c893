// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enable, disable, isolate, ksmd, start, stop and run, and every way they
 * can fail:
 * each failure must exit non-zero, name the file (and the value of a
 * failed write) and leave the files as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fake.h"

static char *cg_file(const char *rel)
{
	return fake_read(fake.cg, rel);
}

#define assert_file(base, rel, want) do { \
	char *c_ = fake_read(base, rel); \
	assert_non_null(c_); \
	assert_string_equal(c_, want); \
	free(c_); \
} while (0)

static void path_of(char *buf, size_t size, const char *base, const char *rel)
{
	snprintf(buf, size, "%s/%s", base, rel);
}

/* ---- enable, disable ---------------------------------------------------- */

static void test_enable_disable(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/a", 0, NULL);
	fake_cgroup("/a/b", 0, NULL);
	r = run_ksmctl("enable", "a", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a: memory.ksm 0 -> 1\n");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "a/memory.ksm", "1");
	result_free(&r);

	/* Every spelling of a cgroup, and several at once. */
	r = run_ksmctl("enable", "/sys/fs/cgroup/a/b", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "a/b/memory.ksm", "1");
	result_free(&r);
	r = run_ksmctl("disable", "/a", "a/b/", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "a/memory.ksm", "0");
	assert_file(fake.cg, "a/b/memory.ksm", "0");
	result_free(&r);
	{
		char abs[PATH_MAX];

		path_of(abs, sizeof(abs), fake.cg, "a/b");
		r = run_ksmctl("enable", abs, NULL);
		assert_int_equal(r.status, 0);
		assert_file(fake.cg, "a/b/memory.ksm", "1");
		result_free(&r);
	}
}

/*
 * No silent success: what changed, for which cgroup, and what keeps it
 * from working.
 */
static void test_enable_says(void **state)
{
	struct result r;

	(void)state;
	fake_knobs();
	fake_cgroup("/svc", 0, NULL);
	fake_cgroup("/p", 1, NULL);
	fake_cgroup("/p/c", 1, NULL);
	fake_proc(4242, "/svc", NULL);
	fake_file(fake.proc, "self/cgroup", "0::/svc\n");

	/* A PID names its whole cgroup */
	r = run_ksmctl("enable", "--pid", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/svc: memory.ksm 0 -> 1 (the cgroup of PID 4242: "
			    "every process in it)\n");
	assert_string_equal(r.err, "");
	result_free(&r);
	r = run_ksmctl("enable", "--self", NULL);
	assert_string_equal(r.out, "/svc: memory.ksm was already 1 (the cgroup of "
			    "ksmctl itself)\n");
	result_free(&r);
	r = run_ksmctl("disable", "-q", "svc", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "svc/memory.ksm", "0");
	result_free(&r);

	/* ksmd stopped, or scanning nothing */
	fake_file(fake.ksm, "run", "0\n");
	r = run_ksmctl("enable", "-q", "svc", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "ksmctl: warning: ksmd is stopped (run is 0): nothing "
			    "is merged until it runs (ksmctl start)\n");
	result_free(&r);
	fake_file(fake.ksm, "run", "1\n");
	fake_file(fake.ksm, "pages_to_scan", "0\n");
	r = run_ksmctl("enable", "-q", "svc", NULL);
	assert_contains(r.err, "warning: pages_to_scan is 0: ksmd scans nothing");
	result_free(&r);
	/* The advisor sets pages_to_scan itself */
	fake_file(fake.ksm, "advisor_mode", "none [scan-time]\n");
	r = run_ksmctl("enable", "-q", "svc", NULL);
	assert_string_equal(r.err, "");
	result_free(&r);

	/* disable says which ancestor keeps the cgroup enabled */
	r = run_ksmctl("disable", "p/c", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/p/c: memory.ksm 1 -> 0\n");
	assert_string_equal(r.err, "ksmctl: warning: /p/c stays enabled: its ancestor "
			    "/p has memory.ksm 1\n");
	result_free(&r);
	r = run_ksmctl("disable", "p", NULL);
	assert_string_equal(r.err, "");
	result_free(&r);
}

static void test_enable_pid_self(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/svc", 0, NULL);
	fake_cgroup("/me", 0, NULL);
	fake_proc(4242, "/svc", NULL);
	fake_file(fake.proc, "self/cgroup", "0::/me\n");
	r = run_ksmctl("enable", "--pid", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "svc/memory.ksm", "1");
	result_free(&r);
	r = run_ksmctl("enable", "--self", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "me/memory.ksm", "1");
	result_free(&r);

	r = run_ksmctl("enable", "-p", "12x", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid process ID \"12x\"");
	result_free(&r);
	r = run_ksmctl("enable", "-p", "777", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such process: 777 (");
	assert_contains(r.err, "/proc/777/cgroup)");
	result_free(&r);
	/* A process in a cgroup that went away. */
	fake_proc(4343, "/gone", NULL);
	r = run_ksmctl("enable", "-p", "4343", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such cgroup: ");
	assert_contains(r.err, "/cgroup/gone");
	result_free(&r);
}

static void test_enable_no_cgroup(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/a", 0, NULL);
	r = run_ksmctl("enable", "a", "nope", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "ksmctl: no such cgroup: ");
	assert_contains(r.err, "/cgroup/nope\n");
	/* Nothing half-done: a was checked fine but not written. */
	assert_file(fake.cg, "a/memory.ksm", "0\n");
	result_free(&r);

	r = run_ksmctl("enable", "../etc", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid cgroup name \"../etc\"");
	result_free(&r);

	r = run_ksmctl("enable", "/", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "the root cgroup has no memory.ksm: name a child cgroup");
	result_free(&r);

	r = run_ksmctl("enable", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no cgroup given");
	result_free(&r);
}

static void test_enable_no_memory_controller(void **state)
{
	char want[PATH_MAX + 128];
	struct result r;

	(void)state;
	fake_cgroup("/p", 0, NULL);
	fake_cgroup("/p/q", -1, NULL);
	fake_cgroup("/ok", 0, NULL);
	fake_file(fake.cg, "p/cgroup.subtree_control", "cpu\n");
	r = run_ksmctl("enable", "ok", "p/q", NULL);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: memory controller not enabled in "
		 "%s/p/cgroup.subtree_control (%s/p/q/memory.ksm is missing)\n", fake.cg, fake.cg);
	assert_string_equal(r.err, want);
	assert_file(fake.cg, "ok/memory.ksm", "0\n");
	result_free(&r);

	/* No memory controller at all. */
	fake_file(fake.cg, "cgroup.controllers", "cpu io pids\n");
	r = run_ksmctl("enable", "p/q", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "memory controller not available: not in ");
	assert_contains(r.err, "/cgroup/cgroup.controllers");
	result_free(&r);
}

static void test_enable_old_kernel(void **state)
{
	char want[PATH_MAX + 128];
	struct result r;

	(void)state;
	/* The memory controller is there, memory.ksm is not. */
	fake_cgroup("/old", -1, NULL);
	fake_file(fake.cg, "old/memory.current", "0\n");
	r = run_ksmctl("enable", "old", NULL);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: kernel has no memory.ksm (needs a kernel with "
		 "cgroup KSM): %s/old/memory.ksm\n", fake.cg);
	assert_string_equal(r.err, want);
	result_free(&r);
}

/*
 * Run ksmctl ARG... as an unprivileged user in a child (root bypasses
 * file modes) and check its status and that the message holds @want.
 */
static void run_unprivileged(const char *want, const char *a1, const char *a2, const char *a3)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct result r;
		int ok;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		r = run_ksmctl(a1, a2, a3, NULL);
		ok = r.status == 1 && strstr(r.err, want);
		if (!ok)
			fprintf(stderr, "# status %d, stderr: %s", r.status, r.err);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_enable_permission_denied(void **state)
{
	char want[PATH_MAX + 128], path[PATH_MAX];

	(void)state;
	fake_cgroup("/a", 0, NULL);
	fake_cgroup("/b", 0, NULL);
	/* a is the unprivileged user's, b is not. */
	path_of(path, sizeof(path), fake.cg, "a/memory.ksm");
	assert_int_equal(chown(path, 65534, 65534), 0);
	path_of(path, sizeof(path), fake.cg, "b/memory.ksm");
	chmod(path, 0644);

	snprintf(want, sizeof(want), "ksmctl: cannot write \"1\" to %s: Permission denied\n",
		 path);
	run_unprivileged(want, "enable", "a", "b");
	/* a was written, then set back when b failed. */
	assert_file(fake.cg, "a/memory.ksm", "0");
	assert_file(fake.cg, "b/memory.ksm", "0\n");
}

static void test_enable_unreadable(void **state)
{
	char path[PATH_MAX];
	struct result r;

	(void)state;
	/* memory.ksm as a directory: read() fails with EISDIR. */
	fake_cgroup("/d", -1, NULL);
	path_of(path, sizeof(path), fake.cg, "d/memory.ksm");
	assert_int_equal(mkdir(path, 0755), 0);
	r = run_ksmctl("enable", "d", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot read ");
	assert_contains(r.err, "/d/memory.ksm: Is a directory");
	result_free(&r);

	/* A value the kernel would never show. */
	fake_cgroup("/e", 0, NULL);
	fake_file(fake.cg, "e/memory.ksm", "maybe\n");
	r = run_ksmctl("enable", "e", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/e/memory.ksm: unexpected content \"maybe\"");
	assert_file(fake.cg, "e/memory.ksm", "maybe\n");
	result_free(&r);
}

static void test_unit_without_systemd(void **state)
{
	struct result r;

	(void)state;
	/* No systemd here (or no such unit there): a clear failure either way. */
	r = run_ksmctl("enable", "--unit", "ksmctl-test-no-such-unit", NULL);
	assert_int_equal(r.status, 1);
	if (!strstr(r.err, "cannot connect to systemd") &&
	    !strstr(r.err, "ksmctl-test-no-such-unit.service"))
		fail_msg("unexpected message: %s", r.err);
	result_free(&r);
}

static void test_usage_errors(void **state)
{
	struct result r;

	(void)state;
	r = run_ksmctl_argv((const char *[]){ NULL });
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no command given");
	result_free(&r);
	r = run_ksmctl("frobnicate", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "ksmctl: unknown command \"frobnicate\"");
	result_free(&r);
	r = run_ksmctl("status", "--frob", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unrecognized option '--frob'");
	result_free(&r);
	r = run_ksmctl("status", "-Z", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unrecognized option '-Z'");
	result_free(&r);
	r = run_ksmctl("status", "-o", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "option '-o' needs an argument");
	result_free(&r);
	r = run_ksmctl("enable", "--pid", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "option '--pid' needs an argument");
	result_free(&r);
	r = run_ksmctl("stop", "now", NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);
}

/* ---- isolate -------------------------------------------------------------- */

static void test_isolate(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/a", 0, NULL);
	fake_isolated("/a", 0);
	fake_cgroup("/a/b", 0, NULL);
	fake_isolated("/a/b", 0);
	r = run_ksmctl("isolate", "a", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a: memory.ksm.isolated 0 -> 1\n");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "a/memory.ksm.isolated", "1");
	/* memory.ksm is another file: left alone. */
	assert_file(fake.cg, "a/memory.ksm", "0\n");
	assert_file(fake.cg, "a/b/memory.ksm.isolated", "0\n");
	result_free(&r);

	r = run_ksmctl("isolate", "/a", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a: memory.ksm.isolated was already 1\n");
	result_free(&r);

	/* --off, anywhere among the arguments; several cgroups at once. */
	r = run_ksmctl("isolate", "/sys/fs/cgroup/a/b", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "a/b/memory.ksm.isolated", "1");
	result_free(&r);
	r = run_ksmctl("isolate", "a/b/", "--off", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a/b: memory.ksm.isolated 1 -> 0\n");
	/* Its domain is /a's now, not the root's: said, as a warning. */
	assert_string_equal(r.err, "ksmctl: warning: /a/b stays apart from the root's merge "
			    "domain: it joins the domain of its ancestor /a, which has "
			    "memory.ksm.isolated 1\n");
	assert_file(fake.cg, "a/b/memory.ksm.isolated", "0");
	assert_file(fake.cg, "a/memory.ksm.isolated", "1");
	result_free(&r);
	r = run_ksmctl("isolate", "--off", "-q", "/a", "a/b", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "a/memory.ksm.isolated", "0");
	assert_file(fake.cg, "a/b/memory.ksm.isolated", "0");
	result_free(&r);
}

static void test_isolate_pid_self(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/svc", 0, NULL);
	fake_isolated("/svc", 0);
	fake_cgroup("/me", 0, NULL);
	fake_isolated("/me", 1);
	fake_proc(4242, "/svc", NULL);
	fake_file(fake.proc, "self/cgroup", "0::/me\n");
	r = run_ksmctl("isolate", "--pid", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/svc: memory.ksm.isolated 0 -> 1 (the cgroup of PID 4242: "
			    "every process in it)\n");
	assert_file(fake.cg, "svc/memory.ksm.isolated", "1");
	result_free(&r);
	r = run_ksmctl("isolate", "--off", "--self", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/me: memory.ksm.isolated 1 -> 0 (the cgroup of "
			    "ksmctl itself)\n");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "me/memory.ksm.isolated", "0");
	result_free(&r);
}

/* A kernel with cgroup KSM, without merge domains. */
static void test_isolate_old_kernel(void **state)
{
	char want[PATH_MAX + 128];
	struct result r;

	(void)state;
	fake_cgroup("/new", 0, NULL);
	fake_isolated("/new", 0);
	fake_cgroup("/old", 0, NULL);
	r = run_ksmctl("isolate", "new", "old", NULL);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: kernel has no memory.ksm.isolated (needs a newer "
		 "kernel with cgroup KSM): %s/old/memory.ksm.isolated\n", fake.cg);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	/* Checked before any write: new is as it was. */
	assert_file(fake.cg, "new/memory.ksm.isolated", "0\n");
	result_free(&r);

	r = run_ksmctl("isolate", "--off", "old", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, want);
	result_free(&r);
}

static void test_isolate_bad_target(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/a", 0, NULL);
	fake_isolated("/a", 0);
	r = run_ksmctl("isolate", "a", "nope", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "ksmctl: no such cgroup: ");
	assert_contains(r.err, "/cgroup/nope\n");
	assert_file(fake.cg, "a/memory.ksm.isolated", "0\n");
	result_free(&r);

	r = run_ksmctl("isolate", "../etc", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid cgroup name \"../etc\"");
	result_free(&r);
	r = run_ksmctl("isolate", "/", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "the root cgroup has no memory.ksm.isolated: name a child cgroup");
	result_free(&r);
	r = run_ksmctl("isolate", "-p", "12x", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid process ID \"12x\"");
	result_free(&r);

	r = run_ksmctl("isolate", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no cgroup given");
	assert_contains(r.err, "Try 'ksmctl isolate --help'.");
	result_free(&r);
	r = run_ksmctl("isolate", "--on", "a", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unrecognized option '--on'");
	result_free(&r);
	r = run_ksmctl("isolate", "--unit", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "option '--unit' needs an argument");
	result_free(&r);

	/* A value the kernel would never show. */
	fake_cgroup("/e", 0, NULL);
	fake_file(fake.cg, "e/memory.ksm.isolated", "yes\n");
	r = run_ksmctl("isolate", "e", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/e/memory.ksm.isolated: unexpected content \"yes\"");
	assert_file(fake.cg, "e/memory.ksm.isolated", "yes\n");
	result_free(&r);
}

static void test_isolate_permission_denied(void **state)
{
	char want[PATH_MAX + 128], path[PATH_MAX];

	(void)state;
	fake_cgroup("/a", 0, NULL);
	fake_isolated("/a", 0);
	fake_cgroup("/b", 0, NULL);
	fake_isolated("/b", 0);
	/* a is the unprivileged user's, b is not. */
	path_of(path, sizeof(path), fake.cg, "a/memory.ksm.isolated");
	assert_int_equal(chown(path, 65534, 65534), 0);
	path_of(path, sizeof(path), fake.cg, "b/memory.ksm.isolated");
	chmod(path, 0644);

	snprintf(want, sizeof(want), "ksmctl: cannot write \"1\" to %s: Permission denied\n",
		 path);
	run_unprivileged(want, "isolate", "a", "b");
	/* a was written, then set back when b failed. */
	assert_file(fake.cg, "a/memory.ksm.isolated", "0");
	assert_file(fake.cg, "b/memory.ksm.isolated", "0\n");
}

/* ---- ksmd, start, stop --------------------------------------------------- */

static void test_ksmd_set(void **state)
{
	struct result r;

	(void)state;
	fake_knobs();
	r = run_ksmctl("ksmd", "pages_to_scan=5000", "sleep_millisecs=10", "advisor_mode=scan-time",
		       NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.ksm, "pages_to_scan", "5000");
	assert_file(fake.ksm, "sleep_millisecs", "10");
	assert_file(fake.ksm, "advisor_mode", "scan-time");
	result_free(&r);

	r = run_ksmctl("stop", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.ksm, "run", "0");
	result_free(&r);
	r = run_ksmctl("start", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.ksm, "run", "1");
	result_free(&r);
}

static void test_ksmd_invalid(void **state)
{
	struct result r;

	(void)state;
	fake_knobs();
	/* Checked before anything is written. */
	r = run_ksmctl("ksmd", "pages_to_scan=200", "run=5", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "ksmctl: invalid value \"5\" for run: must be an integer "
			    "from 0 to 2\n");
	assert_file(fake.ksm, "pages_to_scan", "100\n");
	result_free(&r);

	r = run_ksmctl("ksmd", "advisor_mode=fast", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid value \"fast\" for advisor_mode: must be none or scan-time");
	result_free(&r);
	r = run_ksmctl("ksmd", "use_zero_pages=yes", NULL);
	assert_contains(r.err, "invalid value \"yes\" for use_zero_pages: must be 0 or 1");
	result_free(&r);
	r = run_ksmctl("ksmd", "max_page_sharing=1", NULL);
	assert_contains(r.err, "for max_page_sharing: must be an integer from 2 to 2147483647");
	result_free(&r);
	r = run_ksmctl("ksmd", "full_scans=0", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "ksmctl: full_scans is read-only");
	result_free(&r);
	r = run_ksmctl("ksmd", "turbo=1", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "unknown ksmd key \"turbo\"");
	result_free(&r);
	r = run_ksmctl("ksmd", "turbo", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "unknown ksmd key \"turbo\"");
	result_free(&r);
	r = run_ksmctl("ksmd", "run", "run=1", NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);
}

static void test_ksmd_missing_knob(void **state)
{
	char path[PATH_MAX];
	struct result r;

	(void)state;
	fake_knobs();
	path_of(path, sizeof(path), fake.ksm, "advisor_mode");
	unlink(path);
	r = run_ksmctl("ksmd", "advisor_mode=none", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "kernel has no ");
	assert_contains(r.err, "/ksm/advisor_mode");
	result_free(&r);
}

static void test_ksmd_write_error_rollback(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128];
	struct result r;

	(void)state;
	fake_knobs();
	/* /dev/full fails every write with ENOSPC: a real write error. */
	path_of(path, sizeof(path), fake.ksm, "sleep_millisecs");
	unlink(path);
	assert_int_equal(symlink("/dev/full", path), 0);
	r = run_ksmctl("ksmd", "pages_to_scan=300", "sleep_millisecs=10", NULL);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: cannot write \"10\" to %s: No space left on device\n",
		 path);
	assert_string_equal(r.err, want);
	/* pages_to_scan was set, then set back. */
	assert_file(fake.ksm, "pages_to_scan", "100");
	result_free(&r);
}

static void test_ksmd_permission_denied(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128];

	(void)state;
	fake_knobs();
	path_of(path, sizeof(path), fake.ksm, "run");
	snprintf(want, sizeof(want), "ksmctl: cannot write \"0\" to %s: Permission denied\n", path);
	run_unprivileged(want, "stop", NULL, NULL);
	assert_file(fake.ksm, "run", "1\n");
}

/* ---- run ------------------------------------------------------------------ */

/*
 * Run ksmctl ARG... in a child, which becomes the command on success.
 * Returns the exit status and the messages.
 */
#define run_child(err, ...) run_child_argv(err, (const char *[]){ __VA_ARGS__, NULL })

static int run_child_argv(char **err, const char *const *args)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct result r = run_ksmctl_argv(args);

		fake_file(fake.dir, "err", "%s", r.err);
		_exit(r.status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*err = fake_read(fake.dir, "err");
	if (!*err)
		*err = strdup("");
	return WEXITSTATUS(status);
}

static void setup_self(const char *cg)
{
	fake_cgroup(cg, 0, NULL);
	fake_file(fake.proc, "self/cgroup", "0::%s\n", cg);
}

static void test_run_existing_cgroup(void **state)
{
	char *err, *procs;

	(void)state;
	setup_self("/work/me");
	fake_cgroup("/work/job", 0, NULL);
	fake_file(fake.cg, "work/job/memory.ksm.weight", "100\n");
	assert_int_equal(run_child(&err, "run", "--cgroup", "job", "--weight", "0250",
				   "true"), 0);
	assert_string_equal(err, "");
	free(err);
	assert_file(fake.cg, "work/job/memory.ksm", "1");
	assert_file(fake.cg, "work/job/memory.ksm.weight", "250");
	/* The child moved itself in before it exec'ed. */
	procs = cg_file("work/job/cgroup.procs");
	assert_non_null(procs);
	assert_true(atoi(procs) > 0);
	free(procs);
}

static void test_run_exec_fails(void **state)
{
	char *err;

	(void)state;
	setup_self("/work/me");
	fake_cgroup("/work/job", 0, NULL);
	assert_int_equal(run_child(&err, "run", "-c", "/work/job", "--",
				   "/nonexistent/command"), 127);
	assert_contains(err, "ksmctl: cannot run /nonexistent/command: No such file or directory");
	free(err);
	/* Everything set back: memory.ksm, and the process moved home. */
	assert_file(fake.cg, "work/job/memory.ksm", "0");
	{
		char *home = cg_file("work/me/cgroup.procs");

		assert_non_null(home);
		assert_true(atoi(home) > 0);
		free(home);
	}
}

static void test_run_new_cgroup_old_kernel(void **state)
{
	char path[PATH_MAX], *err;
	struct stat st;

	(void)state;
	setup_self("/x/me");
	/* /x lacks memory for its children: run enables it, then takes it back. */
	fake_file(fake.cg, "x/cgroup.subtree_control", "%s", "");
	assert_int_equal(run_child(&err, "run", "true"), 1);
	/*
	 * A fresh directory here is not a cgroup: no memory.ksm in it (and
	 * /x's cgroup.subtree_control reads "+memory", not "memory").
	 */
	assert_contains(err, "/x/ksmctl-run-");
	assert_contains(err, "/memory.ksm");
	free(err);
	assert_file(fake.cg, "x/cgroup.subtree_control", "-memory");
	/* The cgroup it created is gone again. */
	path_of(path, sizeof(path), fake.cg, "x");
	{
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "ls %s | grep -q ksmctl-run-", path);
		assert_int_not_equal(system(cmd), 0);
	}
	assert_int_equal(stat(path, &st), 0);
}

static void test_run_errors(void **state)
{
	struct result r;
	char *err;

	(void)state;
	setup_self("/me");
	r = run_ksmctl("run", "--weight", "0", "true", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "invalid weight \"0\": must be an integer from 1 to 10000");
	result_free(&r);
	r = run_ksmctl("run", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no command given");
	result_free(&r);

	fake_cgroup("/job", 0, NULL);
	/* The weight file is checked before memory.ksm is written. */
	assert_int_equal(run_child(&err, "run", "-c", "job", "-w", "5", "true"), 1);
	assert_contains(err, "kernel has no memory.ksm.weight");
	free(err);
	assert_file(fake.cg, "job/memory.ksm", "0\n");

	assert_int_equal(run_child(&err, "run", "-c", "..", "true"), 1);
	assert_contains(err, "--cgroup: invalid cgroup name \"..\"");
	free(err);
}

static const struct CMUnitTest tests[] = {
	fake_test(test_enable_disable),
	fake_test(test_enable_says),
	fake_test(test_enable_pid_self),
	fake_test(test_enable_no_cgroup),
	fake_test(test_enable_no_memory_controller),
	fake_test(test_enable_old_kernel),
	fake_test(test_enable_permission_denied),
	fake_test(test_enable_unreadable),
	fake_test(test_isolate),
	fake_test(test_isolate_pid_self),
	fake_test(test_isolate_old_kernel),
	fake_test(test_isolate_bad_target),
	fake_test(test_isolate_permission_denied),
	fake_test(test_unit_without_systemd),
	fake_test(test_usage_errors),
	fake_test(test_ksmd_set),
	fake_test(test_ksmd_invalid),
	fake_test(test_ksmd_missing_knob),
	fake_test(test_ksmd_write_error_rollback),
	fake_test(test_ksmd_permission_denied),
	fake_test(test_run_existing_cgroup),
	fake_test(test_run_exec_fails),
	fake_test(test_run_new_cgroup_old_kernel),
	fake_test(test_run_errors),
};

TEST_LIST(command_tests, tests);
