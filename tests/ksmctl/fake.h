/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake kernel for the unit tests: a cgroup tree, KSM's sysfs directory
 * and a procfs in a temporary directory, and a way to run ksmctl's
 * commands and see what they print.
 */
#ifndef KSMCTL_TEST_FAKE_H
#define KSMCTL_TEST_FAKE_H

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Short paths under /tmp, so that paths built on them fit PATH_MAX. */
struct fake {
	char dir[64];
	char cg[256];
	char ksm[256];
	char proc[256];
};

/* What a command printed, and its exit status. */
struct result {
	int status;
	char *out;
	char *err;
};

extern struct fake fake;

int fake_setup(void **state);
int fake_teardown(void **state);

void fake_file(const char *base, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *fake_read(const char *base, const char *rel);
void fake_cgroup(const char *cg, int ksm, const char *stat);
void fake_isolated(const char *cg, int isolated);
void fake_proc(int pid, const char *cg, const char *ksm_stat);
void fake_knobs(void);

struct result run_ksmctl(const char *arg, ...) __attribute__((sentinel));
struct result run_ksmctl_argv(const char *const *args);
struct result run_ksmctl_full(const char *argv0, const char *input, const char *const *args);
void result_free(struct result *r);

#define assert_contains(haystack, needle) do { \
	const char *h_ = (haystack), *n_ = (needle); \
	if (!strstr(h_, n_)) \
		fail_msg("\"%s\" not found in:\n%s", n_, h_); \
} while (0)

#define assert_not_contains(haystack, needle) do { \
	const char *h_ = (haystack), *n_ = (needle); \
	if (strstr(h_, n_)) \
		fail_msg("\"%s\" unexpectedly found in:\n%s", n_, h_); \
} while (0)

/* Each test file's list, gathered into one TAP plan by test-main.c. */
struct test_list {
	const struct CMUnitTest *tests;
	size_t count;
};

#define TEST_LIST(name, array) \
	const struct test_list name = { array, sizeof(array) / sizeof((array)[0]) }

#define fake_test(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)

#endif
