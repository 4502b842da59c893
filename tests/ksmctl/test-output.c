// SPDX-License-Identifier: GPL-2.0-or-later
/* What status, top, metrics and ksmd print. */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <json-c/json.h>

#include "fake.h"

/* memory.ksm.stat as the kernel writes it; k: ksm_pages. */
#define STAT(m, z, r, p, k) "effective 1\nmerging_pages " #m "\nzero_pages " #z \
	"\nrmap_items " #r "\nprofit " #p "\npages_scanned 77\nksm_pages " #k "\n"
#define STAT_OFF "effective 0\nmerging_pages 0\nzero_pages 0\nrmap_items 0\nprofit 0\n" \
	"pages_scanned 0\nksm_pages 0\n"
/* The same on a kernel with merge domains; d: domain_pages_shared. */
#define STAT_DOM(m, z, r, p, k, d) STAT(m, z, r, p, k) "domain_pages_shared " #d "\n"

/* How many times @needle is in @haystack. */
static int count_of(const char *haystack, const char *needle)
{
	int n = 0;

	for (; (haystack = strstr(haystack, needle)); haystack += strlen(needle))
		n++;
	return n;
}

/* The "cgroups" array of ksmctl's JSON in @out; put *@root, which holds it. */
static struct json_object *json_cgroups(const char *out, struct json_object **root)
{
	struct json_object *cgroups;

	*root = json_tokener_parse(out);
	assert_non_null(*root);
	assert_true(json_object_object_get_ex(*root, "cgroups", &cgroups));
	return cgroups;
}

/* Member @key of entry @i of @cgroups, which must have it (null or not). */
static struct json_object *cgroup_member(struct json_object *cgroups, size_t i,
					 const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(json_object_array_get_idx(cgroups, i), key, &v));
	return v;
}

/*
 * /a on with numbers and children /a/b, /a/c; /off off and idle.  The
 * root has no memory.ksm.stat, as on the kernel: its numbers are those of
 * fake_knobs(): 10 + 8000 pages merging, none with the zero page, 123456
 * scanned, general_profit (32761600 bytes) its profit, pages_shared (10)
 * its KEPT as its memory.stat has no "ksm" line; no RMAP.
 */
static void small_tree(void)
{
	fake_knobs();
	fake_cgroup("/a", 1, STAT(8000, 2, 8100, 32250000, 10));
	fake_file(fake.cg, "a/memory.ksm.weight", "100\n");
	fake_cgroup("/a/b", 0, STAT(6000, 0, 6000, 24192000, 6));
	fake_file(fake.cg, "a/b/memory.ksm.weight", "300\n");
	fake_cgroup("/a/c", 0, STAT(0, 0, 0, 0, 0));
	fake_cgroup("/off", 0, STAT_OFF);
}

static void test_status_table(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	r = run_ksmctl("status", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"ksmd: run=1 pages_to_scan=100 sleep_millisecs=20 advisor_mode=none "
		"full_scans=7 general_profit=31.2M\n"
		"\n"
		"CGROUP KSM EFFECTIVE WEIGHT ISOLATED MERGING ZERO RMAP PROFIT\n"
		"/        -         0      -        -   31.3M   0B    -  31.2M\n"
		"`-a      1         1    100        -   31.3M   8K 8100  30.8M\n"
		"  |-b    0         1    300        -   23.4M   0B 6000  23.1M\n"
		"  `-c    0         1      -        -      0B   0B    0     0B\n");
	assert_string_equal(r.err, "");
	result_free(&r);
}

static void test_status_weight_default(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	/* Without the file, the weight is "-": the kernel has none. */
	r = run_ksmctl("status", "-r", "-n", "-o", "cgroup,weight", "/a", NULL);
	assert_string_equal(r.out, "/a 100\n/a/b 300\n/a/c -\n");
	result_free(&r);
}

static void test_status_bytes(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	r = run_ksmctl("status", "--bytes", "--raw", "--all", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"CGROUP KSM EFFECTIVE WEIGHT ISOLATED MERGING ZERO RMAP PROFIT\n"
		"/ - 0 - - 32808960 0 - 32761600\n"
		"/a 1 1 100 - 32768000 8192 8100 32250000\n"
		"/a/b 0 1 300 - 24576000 0 6000 24192000\n"
		"/a/c 0 1 - - 0 0 0 0\n"
		"/off 0 0 - - 0 0 0 0\n");
	result_free(&r);
}

static void test_status_columns(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	r = run_ksmctl("status", "-o", "CGROUP,profit,Source,SCANNED", "-n", "-l", "/a", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"/a      30.8M stat        77\n"
		"/a/b    23.1M stat        77\n"
		"/a/c       0B stat        77\n");
	result_free(&r);

	r = run_ksmctl("status", "-o", "+SOURCE", "--raw", "/a/b", NULL);
	assert_string_equal(r.out,
		"CGROUP KSM EFFECTIVE WEIGHT ISOLATED MERGING ZERO RMAP PROFIT SOURCE\n"
		"/a/b 0 1 300 - 23.4M 0B 6000 23.1M stat\n");
	result_free(&r);

	r = run_ksmctl("status", "-o", "cgroup,nosuch", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "ksmctl: unknown column: nosuch");
	result_free(&r);

	r = run_ksmctl("status", "--list-columns", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "PROFIT");
	assert_contains(r.out, "RMAP");
	assert_contains(r.out, "KEPT  ");
	result_free(&r);
}

/*
 * KEPT, ksm_pages as a size; and the root's row: KSM's system-wide
 * numbers, its KEPT the "ksm" line of its memory.stat, no RMAP.
 */
static void test_status_kept_and_root(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	fake_file(fake.cg, "memory.stat", "anon 104857600\nswapcached 0\nksm 49152\n"
		  "anon_thp 0\n");
	/* In the root cgroup itself; and one that /a/b's file counts already. */
	fake_proc(10, "/", "ksm_rmap_items 300\nksm_merging_pages 256\n"
		  "ksm_process_profit 1048576\n");
	fake_proc(11, "/a/b", "ksm_merging_pages 999\nksm_process_profit 999\n");
	r = run_ksmctl("status", "-o", "cgroup,merging,kept,zero,rmap,profit,scanned,source", NULL);
	assert_int_equal(r.status, 0);
	/* No mark, no footnote: the kernel has memory.ksm.stat. */
	assert_contains(r.out,
		"CGROUP MERGING KEPT ZERO RMAP PROFIT SCANNED SOURCE\n"
		"/        31.3M  48K   0B    -  31.2M  123456 root\n"
		"`-a      31.3M  40K   8K 8100  30.8M      77 stat\n"
		"  |-b    23.4M  24K   0B 6000  23.1M      77 stat\n"
		"  `-c       0B   0B   0B    0     0B      77 stat\n");
	assert_not_contains(r.out, "*");
	assert_string_equal(r.err, "");
	result_free(&r);

	r = run_ksmctl("status", "-o", "cgroup,merging,kept,zero,rmap,profit,scanned,source",
		       "--bytes", "--raw", "-n", NULL);
	assert_string_equal(r.out,
		"/ 32808960 49152 0 - 32761600 123456 root\n"
		"/a 32768000 40960 8192 8100 32250000 77 stat\n"
		"/a/b 24576000 24576 0 6000 24192000 77 stat\n"
		"/a/c 0 0 0 0 0 77 stat\n");
	result_free(&r);

	/* top shows the root's the same. */
	r = run_ksmctl("top", "-b", "-n", "1", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out,
		"CGROUP KSM EFFECTIVE WEIGHT MERGING DELTA ZERO RMAP PROFIT SCANRATE\n"
		"/        -         0      -   31.3M     -   0B    -  31.2M        -\n"
		"/a       1         1    100   31.3M     -   8K 8100  30.8M        -\n");
	result_free(&r);
}

/* Watches @dir for opens and reads of it and of the files in it. */
static void watch_opens(int fd, const char *dir)
{
	assert_true(inotify_add_watch(fd, dir, IN_OPEN | IN_ACCESS) >= 0);
}

/* The events of @fd since the last call. */
static int count_events(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len, off;
	int n = 0;

	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < len; n++)
			off += sizeof(struct inotify_event) +
			       ((struct inotify_event *)(buf + off))->len;
	assert_true(len < 0 && errno == EAGAIN);
	return n;
}

/*
 * On a kernel with memory.ksm.stat, status, top and metrics do not open
 * /proc, nor any file in it: the fake /proc is watched with inotify.
 */
static void test_status_reads_no_proc(void **state)
{
	static const char *const cmds[][8] = {
		{ "status", NULL },
		{ "status", "--all", "--json", "-o", "cgroup,merging,rmap,profit", NULL },
		{ "top", "-b", "-n", "2", "-d", "0.01", NULL },
		{ "metrics", "--all", NULL },
	};
	char dir[PATH_MAX];
	struct result r;
	size_t i;
	int fd;

	(void)state;
	small_tree();
	fake_proc(10, "/", "ksm_rmap_items 300\nksm_merging_pages 256\n"
		  "ksm_process_profit 1048576\n");
	fake_proc(11, "/a/b", "ksm_merging_pages 999\nksm_process_profit 999\n");
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(fd >= 0);
	watch_opens(fd, fake.proc);
	snprintf(dir, sizeof(dir), "%s/10", fake.proc);
	watch_opens(fd, dir);
	snprintf(dir, sizeof(dir), "%s/11", fake.proc);
	watch_opens(fd, dir);
	assert_int_equal(count_events(fd), 0);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = run_ksmctl_argv(cmds[i]);
		assert_int_equal(r.status, 0);
		if (count_events(fd))
			fail_msg("ksmctl %s (command %zu) read the fake /proc", cmds[i][0], i);
		result_free(&r);
	}

	/* The watch does see ksmctl read it, where it must. */
	r = run_ksmctl("status", "--pid", "10", NULL);
	assert_int_equal(r.status, 0);
	assert_true(count_events(fd) > 0);
	result_free(&r);
	close(fd);
}

static void test_status_raw_escapes(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/we ird\\x", 1, NULL);
	fake_cgroup("/new\nline", 1, NULL);
	r = run_ksmctl("status", "--raw", "-n", "-o", "cgroup,ksm", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/ -\n/new\\x0aline 1\n/we\\x20ird\\x5cx 1\n");
	result_free(&r);

	/*
	 * For people, what cannot be printed and the backslash (so that
	 * "\\x0a" cannot pass for an escape) are escaped, as lsblk does.
	 */
	r = run_ksmctl("status", "-n", "-l", "-o", "cgroup", NULL);
	assert_string_equal(r.out, "/\n/new\\x0aline\n/we ird\\x5cx\n");
	result_free(&r);

	/* --pairs: KEY="value", as lsblk -P. */
	r = run_ksmctl("status", "-P", "-o", "cgroup,ksm", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "CGROUP=\"/\" KSM=\"-\"\nCGROUP=\"/new\\x0aline\" KSM=\"1\"\n"
			    "CGROUP=\"/we ird\\x5cx\" KSM=\"1\"\n");
	result_free(&r);
}

static void test_status_json(void **state)
{
	struct json_object *root, *ksmd, *cgroups, *cg, *v;
	struct result r;

	(void)state;
	small_tree();
	fake_cgroup("/q\"uote", 1, NULL);
	r = run_ksmctl("status", "--json", NULL);
	assert_int_equal(r.status, 0);
	root = json_tokener_parse(r.out);
	assert_non_null(root);

	assert_true(json_object_object_get_ex(root, "ksmd", &ksmd));
	assert_true(json_object_object_get_ex(ksmd, "run", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(ksmd, "advisor_mode", &v));
	assert_string_equal(json_object_get_string(v), "none");
	assert_true(json_object_object_get_ex(ksmd, "general_profit", &v));
	assert_int_equal(json_object_get_int64(v), 32761600);

	assert_true(json_object_object_get_ex(root, "cgroups", &cgroups));
	assert_int_equal(json_object_array_length(cgroups), 5);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/");
	assert_true(json_object_object_get_ex(cg, "ksm", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(cg, "source", &v));
	assert_string_equal(json_object_get_string(v), "root");
	assert_true(json_object_object_get_ex(cg, "profit", &v));
	assert_string_equal(json_object_get_string(v), "31.2M");
	/* The kernel has no system-wide count of rmap items. */
	assert_true(json_object_object_get_ex(cg, "rmap", &v));
	assert_null(v);
	/* Not a default column. */
	assert_false(json_object_object_get_ex(cg, "kept", &v));

	cg = json_object_array_get_idx(cgroups, 1);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/a");
	assert_true(json_object_object_get_ex(cg, "ksm", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cg, "weight", &v));
	assert_int_equal(json_object_get_int(v), 100);
	/* Sizes carry units without --bytes, as in lsblk. */
	assert_true(json_object_object_get_ex(cg, "merging", &v));
	assert_string_equal(json_object_get_string(v), "31.3M");
	assert_true(json_object_object_get_ex(cg, "rmap", &v));
	assert_int_equal(json_object_get_int(v), 8100);
	assert_true(json_object_object_get_ex(cg, "source", &v));
	assert_string_equal(json_object_get_string(v), "stat");

	cg = json_object_array_get_idx(cgroups, 4);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/q\"uote");
	assert_true(json_object_object_get_ex(cg, "merging", &v));
	assert_string_equal(json_object_get_string(v), "0B");
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("status", "--json", "--bytes", "-o", "merging,profit", "/a/b", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "merging", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), 24576000);
	assert_true(json_object_object_get_ex(cg, "profit", &v));
	assert_int_equal(json_object_get_int64(v), 24192000);
	/* Always there. */
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_true(json_object_object_get_ex(cg, "source", &v));
	assert_false(json_object_object_get_ex(cg, "rmap", &v));
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("status", "--json", "-o", "kept,profit", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 2);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/a/b");
	assert_true(json_object_object_get_ex(cg, "kept", &v));
	assert_string_equal(json_object_get_string(v), "24K");
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("status", "--json", "--bytes", "-o", "kept,profit", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	/* The root's: pages_shared, as its memory.stat has no "ksm" line. */
	assert_true(json_object_object_get_ex(cg, "kept", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), 10 * 4096);
	assert_true(json_object_object_get_ex(cg, "profit", &v));
	assert_int_equal(json_object_get_int64(v), 32761600);
	json_object_put(root);
	result_free(&r);
}

/*
 * Merge domains, in small_tree(): /a is isolated, /a/b is not (its domain
 * is /a's), and /a/b/g is (its own); /off is not, in the root domain.
 */
static void isolated_tree(void)
{
	small_tree();
	fake_isolated("/a", 1);
	fake_isolated("/a/b", 0);
	fake_cgroup("/a/b/g", 0, STAT(0, 0, 0, 0, 0));
	fake_isolated("/a/b/g", 1);
	fake_isolated("/a/c", 0);
	fake_isolated("/off", 0);
}

static void test_status_isolated(void **state)
{
	struct result r;

	(void)state;
	isolated_tree();
	/* ISOLATED is a default column; /a/b/g is shown for being isolated. */
	r = run_ksmctl("status", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out,
		"CGROUP  KSM EFFECTIVE WEIGHT ISOLATED MERGING ZERO RMAP PROFIT\n"
		"/         -         0      -        -   31.3M   0B    -  31.2M\n"
		"`-a       1         1    100        1   31.3M   8K 8100  30.8M\n"
		"  |-b     0         1    300        0   23.4M   0B 6000  23.1M\n"
		"  | `-g   0         1      -        1      0B   0B    0     0B\n"
		"  `-c     0         1      -        0      0B   0B    0     0B\n");
	assert_not_contains(r.out, "DOMAIN");
	assert_string_equal(r.err, "");
	result_free(&r);

	r = run_ksmctl("status", "--all", "--raw", "-o", "cgroup,isolated,domain", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"CGROUP ISOLATED DOMAIN\n"
		"/ - /\n"
		"/a 1 /a\n"
		"/a/b 0 /a\n"
		"/a/b/g 1 /a/b/g\n"
		"/a/c 0 /a\n"
		"/off 0 /\n");
	result_free(&r);

	/* A subtree: its top's domain comes from its ancestors. */
	r = run_ksmctl("status", "-n", "-l", "-o", "cgroup,domain", "/a/b", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a/b   /a\n/a/b/g /a/b/g\n");
	result_free(&r);
	r = run_ksmctl("status", "-P", "-o", "+domain", "/a/b/g", NULL);
	assert_string_equal(r.out, "CGROUP=\"/a/b/g\" KSM=\"0\" EFFECTIVE=\"1\" WEIGHT=\"-\" "
			    "ISOLATED=\"1\" MERGING=\"0B\" ZERO=\"0B\" RMAP=\"0\" PROFIT=\"0B\" "
			    "DOMAIN=\"/a/b/g\"\n");
	result_free(&r);

	/* The columns are listed. */
	r = run_ksmctl("status", "--list-columns", NULL);
	assert_contains(r.out, "  ISOLATED  own memory.ksm.isolated setting");
	assert_contains(r.out, "    DOMAIN  merge domain");
	result_free(&r);
}

static void test_status_isolated_json(void **state)
{
	struct json_object *root, *cgroups, *cg, *v;
	struct result r;

	(void)state;
	isolated_tree();
	r = run_ksmctl("status", "--json", "--all", "-o", "+domain", NULL);
	assert_int_equal(r.status, 0);
	cgroups = json_cgroups(r.out, &root);
	assert_int_equal(json_object_array_length(cgroups), 6);

	/* The root: no file, null; the root domain. */
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), "/");

	cg = json_object_array_get_idx(cgroups, 1);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/a");
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_string_equal(json_object_get_string(v), "/a");

	/* Not isolated, below an isolated parent: the parent's domain. */
	cg = json_object_array_get_idx(cgroups, 2);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/a/b");
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_string_equal(json_object_get_string(v), "/a");

	/* Isolated below that: its own. */
	cg = json_object_array_get_idx(cgroups, 3);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/a/b/g");
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_string_equal(json_object_get_string(v), "/a/b/g");

	cg = json_object_array_get_idx(cgroups, 5);
	assert_true(json_object_object_get_ex(cg, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/off");
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_string_equal(json_object_get_string(v), "/");
	json_object_put(root);
	result_free(&r);

	/* "domain" only when asked for; "isolated" by default. */
	r = run_ksmctl("status", "--json", "/a/b", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_false(json_object_object_get_ex(cg, "domain", &v));
	json_object_put(root);
	result_free(&r);

	/* A kernel without the file: null, and the root domain. */
	fake_cgroup("/old", 1, NULL);
	r = run_ksmctl("status", "--json", "-o", "isolated,domain", "/old", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "isolated", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(cg, "domain", &v));
	assert_string_equal(json_object_get_string(v), "/");
	json_object_put(root);
	result_free(&r);
}

/*
 * isolated_tree() on a kernel with merge domains: the domain of /a (/a,
 * /a/b, /a/c) keeps 12 KSM pages, that of /a/b/g 3, and the root domain
 * (/off) 5.  Every cgroup of a domain reads its domain's number.
 */
static void domain_tree(void)
{
	isolated_tree();
	fake_file(fake.cg, "a/memory.ksm.stat", "%s", STAT_DOM(8000, 2, 8100, 32250000, 10, 12));
	fake_file(fake.cg, "a/b/memory.ksm.stat", "%s", STAT_DOM(6000, 0, 6000, 24192000, 6, 12));
	fake_file(fake.cg, "a/b/g/memory.ksm.stat", "%s", STAT_DOM(0, 0, 0, 0, 0, 3));
	fake_file(fake.cg, "a/c/memory.ksm.stat", "%s", STAT_DOM(0, 0, 0, 0, 0, 12));
	fake_file(fake.cg, "off/memory.ksm.stat", "%s", STAT_OFF "domain_pages_shared 5\n");
}

/*
 * DOMSHARED: the domain's KSM pages as a size, the same in each cgroup of
 * the domain, not summed into its ancestors; none for the root, whose row
 * is the system's.
 */
static void test_status_domshared(void **state)
{
	struct result r;

	(void)state;
	domain_tree();
	r = run_ksmctl("status", "--all", "--raw", "-o", "cgroup,domain,domshared", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"CGROUP DOMAIN DOMSHARED\n"
		"/ / -\n"
		"/a /a 48K\n"
		"/a/b /a 48K\n"
		"/a/b/g /a/b/g 12K\n"
		"/a/c /a 48K\n"
		"/off / 20K\n");
	assert_string_equal(r.err, "");
	result_free(&r);

	r = run_ksmctl("status", "--all", "--raw", "--bytes", "-n", "-o", "cgroup,domshared,kept",
		       NULL);
	assert_string_equal(r.out,
		"/ - 40960\n"
		"/a 49152 40960\n"
		"/a/b 49152 24576\n"
		"/a/b/g 12288 0\n"
		"/a/c 49152 0\n"
		"/off 20480 0\n");
	result_free(&r);

	/* Right-aligned; /off, idle, is not shown for its domain's pages. */
	r = run_ksmctl("status", "-o", "cgroup,merging,domshared", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out,
		"CGROUP  MERGING DOMSHARED\n"
		"/         31.3M         -\n"
		"`-a       31.3M       48K\n"
		"  |-b     23.4M       48K\n"
		"  | `-g      0B       12K\n"
		"  `-c        0B       48K\n");
	assert_not_contains(r.out, "off");
	result_free(&r);

	/* Not a default column. */
	r = run_ksmctl("status", NULL);
	assert_not_contains(r.out, "DOMSHARED");
	assert_not_contains(r.out, "48K");
	result_free(&r);

	r = run_ksmctl("status", "-P", "-o", "cgroup,domshared", "/a/b/g", NULL);
	assert_string_equal(r.out, "CGROUP=\"/a/b/g\" DOMSHARED=\"12K\"\n");
	result_free(&r);

	/* A subtree's top shows its domain's, an ancestor's. */
	r = run_ksmctl("status", "-r", "-n", "-o", "cgroup,domain,domshared", "/a/b", NULL);
	assert_string_equal(r.out, "/a/b /a 48K\n/a/b/g /a/b/g 12K\n");
	result_free(&r);

	r = run_ksmctl("top", "-b", "-n", "1", "-o", "cgroup,domshared", "--order", "path",
		       "--bytes", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "/a/b/g     12288\n");
	result_free(&r);

	r = run_ksmctl("status", "--list-columns", NULL);
	assert_contains(r.out, " DOMSHARED  memory of the KSM pages its merge domain keeps "
			"(domain_pages_shared");
	result_free(&r);
}

/* A kernel without merge domains: no domain_pages_shared, "-" and null. */
static void test_status_domshared_absent(void **state)
{
	struct json_object *root, *cgroups;
	struct result r;
	size_t i;

	(void)state;
	small_tree();
	r = run_ksmctl("status", "--raw", "-n", "-o", "cgroup,domshared", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/ -\n/a -\n/a/b -\n/a/c -\n");
	result_free(&r);

	r = run_ksmctl("status", "--json", "--bytes", "--all", "-o", "domshared", NULL);
	cgroups = json_cgroups(r.out, &root);
	assert_int_equal(json_object_array_length(cgroups), 5);
	for (i = 0; i < json_object_array_length(cgroups); i++)
		assert_null(cgroup_member(cgroups, i, "domshared"));
	json_object_put(root);
	result_free(&r);
}

static void test_status_domshared_json(void **state)
{
	struct json_object *root, *cgroups, *v;
	struct result r;

	(void)state;
	domain_tree();
	r = run_ksmctl("status", "--json", "--all", "-o", "cgroup,domshared", NULL);
	assert_int_equal(r.status, 0);
	cgroups = json_cgroups(r.out, &root);
	assert_int_equal(json_object_array_length(cgroups), 6);
	/* The root: null, not a sum. */
	assert_null(cgroup_member(cgroups, 0, "domshared"));
	/* Sizes carry units without --bytes, as the other sizes. */
	v = cgroup_member(cgroups, 1, "cgroup");
	assert_string_equal(json_object_get_string(v), "/a");
	v = cgroup_member(cgroups, 1, "domshared");
	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), "48K");
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("status", "--json", "--all", "--bytes", "-o", "domshared", NULL);
	cgroups = json_cgroups(r.out, &root);
	assert_null(cgroup_member(cgroups, 0, "domshared"));
	v = cgroup_member(cgroups, 2, "cgroup");
	assert_string_equal(json_object_get_string(v), "/a/b");
	v = cgroup_member(cgroups, 2, "domshared");
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), 12 * 4096);
	v = cgroup_member(cgroups, 3, "domshared");
	assert_int_equal(json_object_get_int64(v), 3 * 4096);
	v = cgroup_member(cgroups, 5, "cgroup");
	assert_string_equal(json_object_get_string(v), "/off");
	v = cgroup_member(cgroups, 5, "domshared");
	assert_int_equal(json_object_get_int64(v), 5 * 4096);
	/* Only when asked for. */
	assert_false(json_object_object_get_ex(json_object_array_get_idx(cgroups, 5),
					       "kept", &v));
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("status", "--json", NULL);
	cgroups = json_cgroups(r.out, &root);
	assert_false(json_object_object_get_ex(json_object_array_get_idx(cgroups, 1),
					       "domshared", &v));
	json_object_put(root);
	result_free(&r);
}

static void test_status_from_procs(void **state)
{
	struct json_object *root, *cgroups, *cg, *v;
	struct result r;

	(void)state;
	fake_cgroup("/a", 1, NULL);
	fake_proc(42, "/a", "ksm_rmap_items 10\nksm_zero_pages 0\n"
		  "ksm_merging_pages 256\nksm_process_profit 1048000\n");
	r = run_ksmctl("status", "a", NULL);
	assert_int_equal(r.status, 0);
	/* Marked, and explained under the table. */
	assert_contains(r.out, "/a       1         1      -        -     1M*  0B*  10* 1023.4K*\n");
	assert_contains(r.out, "* summed over the processes of the subtree "
			"(this kernel has no memory.ksm.stat)");
	/* No knobs at all: said so rather than left out. */
	assert_contains(r.out, "ksmd: no knobs in ");
	result_free(&r);

	r = run_ksmctl("status", "--raw", "-n", "a", NULL);
	assert_string_equal(r.out, "/a 1 1 - - 1M 0B 10 1023.4K\n");
	result_free(&r);

	r = run_ksmctl("status", "--json", "--bytes", "a", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "source", &v));
	assert_string_equal(json_object_get_string(v), "procs");
	assert_true(json_object_object_get_ex(cg, "merging", &v));
	assert_int_equal(json_object_get_int64(v), 256 * 4096);
	json_object_put(root);
	result_free(&r);

	/* /proc/PID/ksm_stat has no ksm_pages, nor domain_pages_shared. */
	r = run_ksmctl("status", "--json", "--bytes", "-o", "kept,domshared", "a", NULL);
	cgroups = json_cgroups(r.out, &root);
	cg = json_object_array_get_idx(cgroups, 0);
	assert_true(json_object_object_get_ex(cg, "kept", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(cg, "domshared", &v));
	assert_null(v);
	json_object_put(root);
	result_free(&r);
	r = run_ksmctl("status", "-o", "cgroup,domshared,merging", NULL);
	assert_contains(r.out, "CGROUP DOMSHARED MERGING\n/              -     1M*\n");
	result_free(&r);

	/*
	 * The root too is summed over the processes, its own and its
	 * children's, and general_profit is not its profit on such a kernel.
	 */
	fake_knobs();
	fake_proc(43, "/", "ksm_merging_pages 16\nksm_process_profit 65000\n");
	r = run_ksmctl("status", "-o", "cgroup,merging,kept,profit,source", "--raw", "-n",
		       "--bytes", NULL);
	assert_string_equal(r.out,
		"/ 1114112 - 1113000 procs\n"
		"/a 1048576 - 1048000 procs\n");
	result_free(&r);
}

static void test_status_targets(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	fake_proc(321, "/a/b", NULL);
	r = run_ksmctl("status", "-n", "-r", "-o", "cgroup", "--pid", "321", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/a/b\n");
	result_free(&r);

	fake_file(fake.proc, "self/cgroup", "0::/a/c\n");
	r = run_ksmctl("status", "-n", "-r", "-o", "cgroup", "--self", NULL);
	assert_string_equal(r.out, "/a/c\n");
	result_free(&r);

	r = run_ksmctl("status", "-n", "-r", "-o", "cgroup", "--pid", "9999", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such process: 9999");
	result_free(&r);

	r = run_ksmctl("status", "a", "b", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "only one cgroup can be given");
	result_free(&r);

	/* Two ways of naming the cgroup: refused, not the last one kept. */
	{
		static const char *const cmds[] = { "status", "top", "metrics" };
		size_t i;

		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			r = run_ksmctl(cmds[i], "-u", "x.service", "-p", "1", NULL);
			assert_int_equal(r.status, 2);
			assert_contains(r.err, "only one cgroup can be given");
			result_free(&r);
			r = run_ksmctl(cmds[i], "--self", "/a", NULL);
			assert_int_equal(r.status, 2);
			assert_contains(r.err, "only one cgroup can be given");
			result_free(&r);
		}
	}
}

/* A cgroup without the memory controller says so, in every output. */
static void test_status_nomemcg(void **state)
{
	struct json_object *root, *v;
	struct result r;

	(void)state;
	small_tree();
	fake_cgroup("/a/nomem", -1, NULL);
	fake_proc(11, "/a/nomem", "ksm_merging_pages 7\nksm_process_profit 28000\n");
	r = run_ksmctl("status", "-o", "cgroup,ksm,merging,source", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "  `-nomem   -       - nomemcg\n");
	assert_contains(r.out, "\n- no numbers where the memory controller is off: its "
			"processes count in the nearest ancestor with it\n");
	assert_not_contains(r.out, "this kernel has no");
	assert_not_contains(r.out, "*");
	result_free(&r);

	r = run_ksmctl("status", "--json", "/a/nomem", NULL);
	root = json_tokener_parse(r.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "cgroups", &v));
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "merging", &v));
	assert_null(v);
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("metrics", "--all", NULL);
	assert_not_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/a/nomem\"}");
	assert_not_contains(r.out, "ksm_cgroup_summed_from_processes{cgroup=\"/a/nomem\"}");
	result_free(&r);
}

static void test_top_batch(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	r = run_ksmctl("top", "-b", "-n", "2", "-d", "0.01", NULL);
	assert_int_equal(r.status, 0);
	/*
	 * Sorted by profit; the same frame twice, each ending in a blank line.
	 * The first frame has no rates, the second has nothing changed.
	 */
	assert_string_equal(r.out,
		"ksmd: run=1 pages_to_scan=100 sleep_millisecs=20 advisor_mode=none "
		"full_scans=7 general_profit=31.2M\n"
		"\n"
		"CGROUP KSM EFFECTIVE WEIGHT MERGING DELTA ZERO RMAP PROFIT SCANRATE\n"
		"/        -         0      -   31.3M     -   0B    -  31.2M        -\n"
		"/a       1         1    100   31.3M     -   8K 8100  30.8M        -\n"
		"/a/b     0         1    300   23.4M     -   0B 6000  23.1M        -\n"
		"/a/c     0         1      -      0B     -   0B    0     0B        -\n"
		"\n"
		"ksmd: run=1 pages_to_scan=100 sleep_millisecs=20 advisor_mode=none "
		"full_scans=7 general_profit=31.2M\n"
		"\n"
		"CGROUP KSM EFFECTIVE WEIGHT MERGING DELTA ZERO RMAP PROFIT SCANRATE\n"
		"/        -         0      -   31.3M    0B   0B    -  31.2M        0\n"
		"/a       1         1    100   31.3M    0B   8K 8100  30.8M        0\n"
		"/a/b     0         1    300   23.4M    0B   0B 6000  23.1M        0\n"
		"/a/c     0         1      -      0B    0B   0B    0     0B        0\n"
		"\n");
	result_free(&r);

	r = run_ksmctl("top", "-b", "-n", "0", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--iterations needs a positive number");
	result_free(&r);
	r = run_ksmctl("top", "-b", "-d", "soon", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--delay needs a positive number of seconds");
	result_free(&r);
}

/* top's -o, --order, --depth and --json, as systemd-cgtop has them. */
static void test_top_options(void **state)
{
	struct json_object *frame, *cgroups, *v;
	struct result r;
	char *line, *save = NULL;
	int frames = 0;

	(void)state;
	small_tree();
	r = run_ksmctl("top", "-b", "-n", "1", "-o", "cgroup,merging", "--order", "path",
		       "--depth", "1", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "CGROUP MERGING\n/        31.3M\n/a       31.3M\n\n");
	assert_not_contains(r.out, "/a/b");
	result_free(&r);

	r = run_ksmctl("top", "-b", "-n", "1", "-o", "cgroup", "--order", "merging", NULL);
	assert_contains(r.out, "CGROUP\n/\n/a\n/a/b\n/a/c\n");
	result_free(&r);

	/* JSON Lines: one object a frame, the second with rates. */
	r = run_ksmctl("top", "-b", "-J", "-n", "2", "-d", "0.01", "--bytes", NULL);
	assert_int_equal(r.status, 0);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		frame = json_tokener_parse(line);
		assert_non_null(frame);
		assert_true(json_object_object_get_ex(frame, "ksmd", &v));
		assert_true(json_object_object_get_ex(frame, "cgroups", &cgroups));
		assert_int_equal(json_object_array_length(cgroups), 4);
		v = json_object_array_get_idx(cgroups, 1);
		assert_true(json_object_object_get_ex(v, "cgroup", &v));
		assert_string_equal(json_object_get_string(v), "/a");
		v = json_object_array_get_idx(cgroups, 1);
		assert_true(json_object_object_get_ex(v, "scanrate", &v));
		if (frames == 0) {
			assert_null(v);
		} else {
			assert_true(json_object_is_type(v, json_type_int));
			assert_int_equal(json_object_get_int(v), 0);
		}
		json_object_put(frame);
		frames++;
	}
	assert_int_equal(frames, 2);
	result_free(&r);

	r = run_ksmctl("top", "-J", "-n", "1", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--json needs --batch");
	result_free(&r);
	r = run_ksmctl("top", "-b", "--order", "size", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--order takes profit, merging, scanrate, delta or path");
	result_free(&r);
	r = run_ksmctl("top", "-b", "--depth", "x", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--depth needs a number, 0 or more");
	result_free(&r);
	r = run_ksmctl("top", "-b", "-o", "cgroup,nope", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unknown column: nope");
	result_free(&r);
}

/*
 * The exposition format, line by line: HELP then TYPE then the samples of
 * each family, no family twice, names and values well-formed.
 */
static void check_exposition(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	char family[128] = "", seen[4096] = " ";
	int state = 0;	/* 0: want HELP, 1: want TYPE, 2: samples */

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[140];
		const char *p;
		char *end;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_not_equal(state, 1);
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			snprintf(key, sizeof(key), " %s ", family);
			if (strstr(seen, key))
				fail_msg("family %s twice", family);
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			state = 1;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			assert_int_equal(state, 1);
			assert_int_equal(sscanf(line + 7, "%127s %31s", name, type), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(type, "gauge") || !strcmp(type, "counter"));
			state = 2;
			continue;
		}
		assert_int_equal(state, 2);
		for (p = line; isalnum((unsigned char)*p) || *p == '_' || *p == ':'; p++)
			;
		snprintf(name, sizeof(name), "%.*s", (int)(p - line), line);
		assert_string_equal(name, family);
		if (*p == '{') {
			/* label="value" with \\, \" and \n escapes only. */
			for (p++; *p != '}'; p++) {
				while (isalnum((unsigned char)*p) || *p == '_')
					p++;
				assert_int_equal(*p++, '=');
				assert_int_equal(*p++, '"');
				for (; *p != '"'; p++) {
					assert_true(*p != '\0' && *p != '\n');
					if (*p == '\\') {
						p++;
						assert_true(*p == '\\' || *p == '"' || *p == 'n');
					}
				}
				p++;
				if (*p != ',')
					break;
			}
			assert_int_equal(*p++, '}');
		}
		assert_int_equal(*p++, ' ');
		strtod(p, &end);
		assert_true(end != p && *end == '\0');
	}
	free(copy);
}

static void test_metrics(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	fake_cgroup("/we\"ird\\name\nx", 1, NULL);
	r = run_ksmctl("metrics", NULL);
	assert_int_equal(r.status, 0);
	check_exposition(r.out);
	assert_contains(r.out, "# HELP ksm_general_profit_bytes ");
	assert_contains(r.out, "# TYPE ksm_general_profit_bytes gauge\n"
			"ksm_general_profit_bytes 32761600\n");
	assert_contains(r.out, "# TYPE ksm_full_scans_total counter\nksm_full_scans_total 7\n");
	assert_contains(r.out, "ksm_advisor_mode{mode=\"none\"} 1\n");
	assert_contains(r.out, "ksm_advisor_mode{mode=\"scan-time\"} 0\n");
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/a/b\"} 6000\n");
	assert_contains(r.out, "ksm_cgroup_profit_bytes{cgroup=\"/a\"} 32250000\n");
	assert_contains(r.out, "ksm_cgroup_weight{cgroup=\"/a/b\"} 300\n");
	assert_contains(r.out, "ksm_cgroup_pages_scanned_total{cgroup=\"/a\"} 77\n");
	/* Base units: seconds, not the knobs' milliseconds. */
	assert_contains(r.out, "# TYPE ksm_sleep_seconds gauge\nksm_sleep_seconds 0.020\n");
	assert_contains(r.out, "\nksm_stable_node_chains_prune_seconds 2.000\n");
	assert_not_contains(r.out, "millisecs ");
	assert_contains(r.out, "ksm_cgroup_enabled{cgroup=\"/we\\\"ird\\\\name\\nx\"} 1\n");
	assert_contains(r.out, "ksm_cgroup_summed_from_processes{cgroup=\"/a\"} 0\n");
	assert_contains(r.out, "# HELP ksm_cgroup_ksm_pages KSM pages (copies kept of merged "
			"contents) charged to the cgroup's subtree.\n"
			"# TYPE ksm_cgroup_ksm_pages gauge\n"
			"ksm_cgroup_ksm_pages{cgroup=\"/\"} 10\n"
			"ksm_cgroup_ksm_pages{cgroup=\"/a\"} 10\n"
			"ksm_cgroup_ksm_pages{cgroup=\"/a/b\"} 6\n");
	/* The root: the system's numbers, not from processes; no rmap items. */
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/\"} 8010\n");
	assert_contains(r.out, "ksm_cgroup_zero_pages{cgroup=\"/\"} 0\n");
	assert_contains(r.out, "ksm_cgroup_profit_bytes{cgroup=\"/\"} 32761600\n");
	assert_contains(r.out, "ksm_cgroup_pages_scanned_total{cgroup=\"/\"} 123456\n");
	assert_contains(r.out, "ksm_cgroup_summed_from_processes{cgroup=\"/\"} 0\n");
	assert_contains(r.out, "ksm_cgroup_rmap_items{cgroup=\"/a\"} 8100\n");
	assert_not_contains(r.out, "ksm_cgroup_rmap_items{cgroup=\"/\"}");
	assert_contains(r.out, "# HELP ksm_cgroup_profit_bytes ");
	/* /off is off and has nothing: only with --all. */
	assert_not_contains(r.out, "{cgroup=\"/off\"}");
	/* No memory.ksm.isolated in small_tree(): no family. */
	assert_not_contains(r.out, "ksm_cgroup_isolated");
	/* No domain_pages_shared in its memory.ksm.stat: no family either. */
	assert_not_contains(r.out, "ksm_domain_pages_shared");
	result_free(&r);
}

static void test_metrics_isolated(void **state)
{
	struct result r;

	(void)state;
	isolated_tree();
	r = run_ksmctl("metrics", NULL);
	assert_int_equal(r.status, 0);
	check_exposition(r.out);
	assert_contains(r.out, "# HELP ksm_cgroup_isolated Own memory.ksm.isolated setting of "
			"the cgroup (1: its subtree is a KSM merge domain of its own, 0 not).\n"
			"# TYPE ksm_cgroup_isolated gauge\n"
			"ksm_cgroup_isolated{cgroup=\"/a\"} 1\n"
			"ksm_cgroup_isolated{cgroup=\"/a/b\"} 0\n"
			"ksm_cgroup_isolated{cgroup=\"/a/b/g\"} 1\n"
			"ksm_cgroup_isolated{cgroup=\"/a/c\"} 0\n"
			"# HELP ");
	/* The root has no file; /off is off and has nothing. */
	assert_not_contains(r.out, "ksm_cgroup_isolated{cgroup=\"/\"}");
	assert_not_contains(r.out, "{cgroup=\"/off\"}");
	result_free(&r);

	/* An isolated cgroup is there, though KSM is off and it has no numbers. */
	fake_cgroup("/lone", 0, STAT_OFF);
	fake_isolated("/lone", 1);
	r = run_ksmctl("metrics", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_cgroup_isolated{cgroup=\"/lone\"} 1\n");
	assert_contains(r.out, "ksm_cgroup_enabled{cgroup=\"/lone\"} 0\n");
	result_free(&r);
	r = run_ksmctl("metrics", "--all", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_cgroup_isolated{cgroup=\"/off\"} 0\n");
	result_free(&r);
}

/*
 * ksm_domain_pages_shared: one sample per domain of the listed cgroups,
 * though each of its cgroups reads the number; none for the root cgroup.
 */
static void test_metrics_domain(void **state)
{
	struct result r;

	(void)state;
	domain_tree();
	r = run_ksmctl("metrics", NULL);
	assert_int_equal(r.status, 0);
	check_exposition(r.out);
	/* /a, /a/b and /a/c all read 12: one sample.  /off is not listed. */
	assert_contains(r.out, "# HELP ksm_domain_pages_shared KSM pages of the merge domain, "
			"its part of pages_shared; the root domain's (domain=\"/\") is "
			"pages_shared less the other domains'. One sample per domain: every "
			"cgroup of the domain reads this number, so it is not to be summed over "
			"cgroups.\n"
			"# TYPE ksm_domain_pages_shared gauge\n"
			"ksm_domain_pages_shared{domain=\"/a\"} 12\n"
			"ksm_domain_pages_shared{domain=\"/a/b/g\"} 3\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{"), 2);
	assert_int_equal(count_of(r.out, "# TYPE ksm_domain_pages_shared "), 1);
	/* Not a per-cgroup family. */
	assert_not_contains(r.out, "ksm_cgroup_domain");
	result_free(&r);

	/* With /off, the root domain; first, by path. */
	r = run_ksmctl("metrics", "--all", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "# TYPE ksm_domain_pages_shared gauge\n"
			"ksm_domain_pages_shared{domain=\"/\"} 5\n"
			"ksm_domain_pages_shared{domain=\"/a\"} 12\n"
			"ksm_domain_pages_shared{domain=\"/a/b/g\"} 3\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{"), 3);
	result_free(&r);

	/* Below /a: /a's domain from /a/b, the top. */
	r = run_ksmctl("metrics", "/a/b", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/a\"} 12\n"
			"ksm_domain_pages_shared{domain=\"/a/b/g\"} 3\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{"), 2);
	result_free(&r);

	/* A domain none of whose cgroups is listed has no sample. */
	r = run_ksmctl("metrics", "--max-depth", "1", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/a\"} 12\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{"), 1);
	result_free(&r);
	r = run_ksmctl("metrics", "/off", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/\"} 5\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{"), 1);
	result_free(&r);

	/*
	 * Read while ksmd merged: /a/c says 13.  Still one sample, the first
	 * cgroup's of the domain in tree order (/a's), not a sum.
	 */
	fake_file(fake.cg, "a/c/memory.ksm.stat", "%s", STAT_DOM(0, 0, 0, 0, 0, 13));
	r = run_ksmctl("metrics", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/a\"} 12\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{domain=\"/a\"}"), 1);
	result_free(&r);
	/* Where the domain's top has none, the next that has it. */
	fake_file(fake.cg, "a/memory.ksm.stat", "%s", STAT(8000, 2, 8100, 32250000, 10));
	r = run_ksmctl("metrics", NULL);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/a\"} 12\n");
	result_free(&r);
	fake_file(fake.cg, "a/b/memory.ksm.stat", "%s", STAT(6000, 0, 6000, 24192000, 6));
	r = run_ksmctl("metrics", NULL);
	assert_contains(r.out, "ksm_domain_pages_shared{domain=\"/a\"} 13\n");
	assert_int_equal(count_of(r.out, "ksm_domain_pages_shared{domain=\"/a\"}"), 1);
	result_free(&r);
}

static void test_metrics_filter(void **state)
{
	struct result r;

	(void)state;
	fake_knobs();
	fake_cgroup("/idle", 0, "merging_pages 0\nprofit 0\n");
	fake_cgroup("/busy", 0, "merging_pages 5\nprofit 20000\n");
	r = run_ksmctl("metrics", NULL);
	check_exposition(r.out);
	assert_not_contains(r.out, "cgroup=\"/idle\"");
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/busy\"} 5\n");
	result_free(&r);
	r = run_ksmctl("metrics", "--all", NULL);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/idle\"} 0\n");
	result_free(&r);
}

/* --max-depth bounds the series; the numbers cut off are in the ancestors'. */
static void test_metrics_max_depth(void **state)
{
	struct result r;

	(void)state;
	small_tree();
	r = run_ksmctl("metrics", "--max-depth", "1", NULL);
	assert_int_equal(r.status, 0);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/a\"} 8000\n");
	assert_not_contains(r.out, "cgroup=\"/a/b\"");
	result_free(&r);

	r = run_ksmctl("metrics", "--max-depth", "0", "/a", NULL);
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/a\"} 8000\n");
	assert_not_contains(r.out, "cgroup=\"/a/");
	assert_not_contains(r.out, "cgroup=\"/\"");
	result_free(&r);

	r = run_ksmctl("metrics", "--max-depth", "2", NULL);
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/a/b\"} 6000\n");
	result_free(&r);

	r = run_ksmctl("metrics", "--max-depth", "-1", NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--max-depth needs a number, 0 or more");
	result_free(&r);
}

/* A kernel without memory.ksm.stat: the root too is summed over processes. */
static void test_metrics_from_procs(void **state)
{
	struct result r;

	(void)state;
	fake_knobs();
	fake_cgroup("/a", 1, NULL);
	fake_proc(42, "/a", "ksm_merging_pages 256\nksm_process_profit 1048000\n");
	fake_proc(43, "/", "ksm_merging_pages 16\nksm_process_profit 65000\n");
	r = run_ksmctl("metrics", NULL);
	assert_int_equal(r.status, 0);
	check_exposition(r.out);
	assert_contains(r.out, "ksm_cgroup_merging_pages{cgroup=\"/\"} 272\n");
	assert_contains(r.out, "ksm_cgroup_profit_bytes{cgroup=\"/\"} 1113000\n");
	assert_contains(r.out, "ksm_cgroup_summed_from_processes{cgroup=\"/\"} 1\n");
	assert_contains(r.out, "ksm_cgroup_summed_from_processes{cgroup=\"/a\"} 1\n");
	assert_not_contains(r.out, "ksm_cgroup_ksm_pages");
	result_free(&r);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * promtool is the judge of the format.  `make deps` installs it; without
 * it the test is reported skipped, not passed.
 */
static void promtool_check(const char *path)
{
	char cmd[PATH_MAX + 64];

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		print_message("# promtool not installed: the format is not checked\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd), "promtool check metrics <'%s' 1>&2", path);
	assert_int_equal(system(cmd), 0);
}

/* promtool, where installed, is the judge of the format. */
static void test_metrics_promtool(void **state)
{
	char path[PATH_MAX];
	struct result r;
	FILE *f;

	(void)state;
	domain_tree();
	/* A domain whose name needs escaping, and one that is not UTF-8. */
	fake_cgroup("/dom\"ain\\x", 1, STAT_DOM(1, 0, 1, 4000, 1, 2));
	fake_isolated("/dom\"ain\\x", 1);
	fake_cgroup("/dom\377bad", 1, STAT_DOM(1, 0, 1, 4000, 1, 2));
	fake_isolated("/dom\377bad", 1);
	fake_cgroup("/we\"ird\\name\nx", 1, NULL);
	fake_isolated("/we\"ird\\name\nx", 1);
	fake_proc(5, "/a", "ksm_merging_pages 1\n");
	snprintf(path, sizeof(path), "%s/out.prom", fake.dir);
	r = run_ksmctl("metrics", "--all", "--write", path, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	f = fopen(path, "r");
	assert_non_null(f);
	/* With every per-cgroup family, ksm_cgroup_isolated among them. */
	{
		char *text = NULL;
		size_t len = 0;

		assert_true(getdelim(&text, &len, '\0', f) > 0);
		assert_contains(text, "# TYPE ksm_cgroup_isolated gauge\n");
		assert_contains(text, "# TYPE ksm_domain_pages_shared gauge\n");
		assert_contains(text, "ksm_domain_pages_shared{domain=\"/dom\\\"ain\\\\x\"} 2\n");
		assert_contains(text, "ksm_domain_pages_shared{domain=\"/dom\\\\xffbad\"} 2\n");
		check_exposition(text);
		free(text);
	}
	fclose(f);
	result_free(&r);
	promtool_check(path);
}

/*
 * Names any delegatee can create: a byte that is not UTF-8, a space, a
 * Unicode name.  Every output stays valid UTF-8 and says which is which.
 */
static void odd_tree(void)
{
	small_tree();
	fake_cgroup("/bad\377name", 1, STAT(4, 0, 4, 16128, 1));
	fake_cgroup("/with space", 1, STAT(2, 0, 2, 8064, 1));
	fake_cgroup("/Ünïcødé", 1, STAT(2, 0, 2, 8064, 1));
}

/* Parse as a strict JSON parser does, rejecting anything that is not UTF-8. */
static struct json_object *parse_strict(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, strlen(text) + 1);
	if (!obj)
		print_error("json: %s\n", json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	return obj;
}

static bool json_has_cgroup(struct json_object *root, const char *path)
{
	struct json_object *cgroups, *v;
	size_t i;

	assert_true(json_object_object_get_ex(root, "cgroups", &cgroups));
	for (i = 0; i < json_object_array_length(cgroups); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(cgroups, i), "cgroup", &v) &&
		    !strcmp(json_object_get_string(v), path))
			return true;
	return false;
}

static void test_odd_names_status(void **state)
{
	struct json_object *root;
	struct result r;

	(void)state;
	odd_tree();
	r = run_ksmctl("status", "-o", "cgroup,ksm", NULL);
	assert_int_equal(r.status, 0);
	/* In the C locale, what is not ASCII is escaped too, as lsblk does. */
	assert_contains(r.out, "|-bad\\xffname                           1\n");
	assert_contains(r.out, "|-with space                            1\n");
	assert_contains(r.out, "`-\\xc3\\x9cn\\xc3\\xafc\\xc3\\xb8d\\xc3\\xa9   1\n");
	result_free(&r);

	/* In a UTF-8 locale, Unicode is printed, and 0xff still escaped. */
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	r = run_ksmctl("status", "-o", "cgroup,ksm", NULL);
	setlocale(LC_ALL, "C");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\u251c\u2500bad\\xffname   1\n");
	assert_contains(r.out, "\u2514\u2500Ünïcødé       1\n");
	result_free(&r);

	r = run_ksmctl("status", "--raw", "-n", "-o", "cgroup", NULL);
	assert_contains(r.out, "/bad\\xffname\n/with\\x20space\n");
	result_free(&r);

	/* A lone byte 0xff cannot be in a string of a strict parser. */
	assert_null(parse_strict("{\"cgroup\": \"/bad\377name\"}"));
	r = run_ksmctl("status", "--json", NULL);
	assert_int_equal(r.status, 0);
	root = parse_strict(r.out);
	assert_non_null(root);
	assert_true(json_has_cgroup(root, "/bad\\xffname"));
	assert_true(json_has_cgroup(root, "/with space"));
	assert_true(json_has_cgroup(root, "/Ünïcødé"));
	json_object_put(root);
	result_free(&r);

	r = run_ksmctl("top", "-b", "-n", "2", "-d", "0.01", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "/bad\\xffname ");
	assert_not_contains(r.out, "\377");
	result_free(&r);
}

static void test_odd_names_metrics(void **state)
{
	char path[PATH_MAX];
	struct result r;

	(void)state;
	odd_tree();
	r = run_ksmctl("metrics", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "ksm_cgroup_enabled{cgroup=\"/bad\\\\xffname\"} 1\n");
	assert_contains(r.out, "ksm_cgroup_enabled{cgroup=\"/with space\"} 1\n");
	assert_not_contains(r.out, "\377");
	snprintf(path, sizeof(path), "%s/odd.prom", fake.dir);
	write_text(path, r.out);
	result_free(&r);
	promtool_check(path);
}

static void test_ksmd_show(void **state)
{
	struct json_object *root, *v;
	struct result r;

	(void)state;
	fake_knobs();
	r = run_ksmctl("ksmd", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "run=1\npages_to_scan=100\n");
	assert_contains(r.out, "advisor_mode=none\n");
	assert_contains(r.out, "stable_node_dups=0\n");
	result_free(&r);

	r = run_ksmctl("ksmd", "advisor_mode", "general_profit", NULL);
	assert_string_equal(r.out, "advisor_mode=none\ngeneral_profit=32761600\n");
	result_free(&r);

	r = run_ksmctl("ksmd", "--json", "run", NULL);
	root = json_tokener_parse(r.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "run", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_int_equal(json_object_object_length(root), 1);
	json_object_put(root);
	result_free(&r);

	/* An older kernel: only what exists is shown. */
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, fake.ksm), "/smart_scan"));
	r = run_ksmctl("ksmd", NULL);
	assert_int_equal(r.status, 0);
	assert_not_contains(r.out, "smart_scan");
	result_free(&r);
	r = run_ksmctl("ksmd", "smart_scan", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "kernel has no ");
	assert_contains(r.err, "/ksm/smart_scan");
	result_free(&r);
}

static void test_help(void **state)
{
	static const char *const cmds[] = {
		"enable", "disable", "isolate", "status", "top", "metrics", "run", "ksmd", "start",
		"stop",
	};
	struct result r;
	size_t i;

	(void)state;
	r = run_ksmctl("--help", NULL);
	assert_int_equal(r.status, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_contains(r.out, cmds[i]);
	result_free(&r);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = run_ksmctl(cmds[i], "--help", NULL);
		assert_int_equal(r.status, 0);
		assert_contains(r.out, "Usage: ksmctl ");
		result_free(&r);
	}
	r = run_ksmctl("--version", NULL);
	assert_contains(r.out, "ksmctl ");
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	fake_test(test_status_table),
	fake_test(test_status_weight_default),
	fake_test(test_status_bytes),
	fake_test(test_status_columns),
	fake_test(test_status_kept_and_root),
	fake_test(test_status_reads_no_proc),
	fake_test(test_status_raw_escapes),
	fake_test(test_status_json),
	fake_test(test_status_isolated),
	fake_test(test_status_isolated_json),
	fake_test(test_status_domshared),
	fake_test(test_status_domshared_absent),
	fake_test(test_status_domshared_json),
	fake_test(test_status_from_procs),
	fake_test(test_status_targets),
	fake_test(test_status_nomemcg),
	fake_test(test_top_batch),
	fake_test(test_top_options),
	fake_test(test_metrics),
	fake_test(test_metrics_filter),
	fake_test(test_metrics_isolated),
	fake_test(test_metrics_domain),
	fake_test(test_metrics_max_depth),
	fake_test(test_metrics_from_procs),
	fake_test(test_metrics_promtool),
	fake_test(test_odd_names_status),
	fake_test(test_odd_names_metrics),
	fake_test(test_ksmd_show),
	fake_test(test_help),
};

TEST_LIST(output_tests, tests);
