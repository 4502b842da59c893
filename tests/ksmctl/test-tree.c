// SPDX-License-Identifier: GPL-2.0-or-later
/* Building the cgroup tree from a fake cgroup2 mount and procfs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "tree.h"
#include "util.h"

#define STAT(m, z, r, p) "effective 1\nmerging_pages " #m "\nzero_pages " #z \
	"\nrmap_items " #r "\nprofit " #p "\npages_scanned 10\n"

static void test_tree_order(void **state)
{
	static const char *const want[] = { "/", "/a", "/a/x", "/a/y", "/b", "/c" };
	struct cg_tree t;
	size_t i;

	(void)state;
	fake_cgroup("/c", 0, NULL);
	fake_cgroup("/a", 0, NULL);
	fake_cgroup("/b", 0, NULL);
	fake_cgroup("/a/y", 0, NULL);
	fake_cgroup("/a/x", 0, NULL);
	assert_int_equal(tree_build("/", &t), 0);
	assert_int_equal(t.count, 6);
	for (i = 0; i < t.count; i++)
		assert_string_equal(t.nodes[i]->path, want[i]);
	assert_string_equal(t.nodes[2]->name, "x");
	assert_int_equal(t.nodes[2]->depth, 2);
	assert_ptr_equal(t.nodes[2]->parent, t.nodes[1]);
	assert_int_equal(t.top->nchildren, 3);
	tree_free(&t);
}

static void test_tree_effective(void **state)
{
	struct cg_tree t;

	(void)state;
	fake_cgroup("/a", 1, NULL);
	fake_cgroup("/a/b", 0, NULL);
	fake_cgroup("/a/b/c", 0, NULL);
	fake_cgroup("/d", 0, NULL);
	assert_int_equal(tree_build("/", &t), 0);
	assert_int_equal(tree_find(&t, "/")->own, -1);
	assert_false(tree_find(&t, "/")->effective);
	assert_int_equal(tree_find(&t, "/a")->own, 1);
	assert_true(tree_find(&t, "/a")->effective);
	assert_int_equal(tree_find(&t, "/a/b/c")->own, 0);
	assert_true(tree_find(&t, "/a/b/c")->effective);
	assert_false(tree_find(&t, "/d")->effective);
	tree_free(&t);

	/* The top of a subtree looks at its ancestors. */
	assert_int_equal(tree_build("/a/b", &t), 0);
	assert_string_equal(t.top->path, "/a/b");
	assert_true(t.top->effective);
	assert_true(tree_find(&t, "/a/b/c")->effective);
	tree_free(&t);
}

static void test_tree_stat(void **state)
{
	struct cg_tree t;
	struct cg_node *n;

	(void)state;
	fake_cgroup("/a", 1, STAT(100, 2, 110, 400000));
	fake_file(fake.cg, "a/memory.ksm.weight", "100\n");
	fake_cgroup("/a/b", 0, STAT(60, 0, 60, 240000));
	fake_file(fake.cg, "a/b/memory.ksm.weight", "250\n");
	/* A process whose numbers must not be added: the kernel summed them. */
	fake_proc(10, "/a/b", "ksm_merging_pages 999\n");
	assert_int_equal(tree_load("/", false, &t), 0);
	n = tree_find(&t, "/a");
	assert_int_equal(n->source, SRC_STAT);
	assert_int_equal(n->counts.merging_pages, 100);
	assert_int_equal(n->counts.zero_pages, 2);
	assert_int_equal(n->counts.rmap_items, 110);
	assert_int_equal(n->counts.profit, 400000);
	assert_int_equal(n->counts.pages_scanned, 10);
	assert_int_equal(n->weight, 100);
	n = tree_find(&t, "/a/b");
	assert_int_equal(n->counts.merging_pages, 60);
	assert_int_equal(n->weight, 250);
	/* The root has no memory.ksm.stat: summed from the processes. */
	assert_int_equal(t.top->source, SRC_PROCS);
	assert_int_equal(t.top->counts.merging_pages, 999);
	assert_int_equal(t.top->weight, -1);
	tree_free(&t);
}

static void test_tree_kernel_without_stat(void **state)
{
	struct cg_tree t;

	(void)state;
	/*
	 * Once a cgroup with memory.ksm lacks memory.ksm.stat, the kernel has
	 * none, and the others are not asked: /b's file (which a real kernel
	 * could not have) goes unread.
	 */
	fake_cgroup("/a", 0, NULL);
	fake_cgroup("/b", 0, STAT(1, 0, 1, 4000));
	assert_int_equal(tree_build("/", &t), 0);
	assert_true(t.no_stat_file);
	assert_true(t.no_weight_file);
	assert_int_equal(tree_find(&t, "/b")->source, SRC_NONE);
	tree_free(&t);
}

static void test_tree_stat_effective_key(void **state)
{
	struct cg_tree t;

	(void)state;
	/* The kernel's word on "effective" wins over ksmctl's inference. */
	fake_cgroup("/a", 0, "effective 1\nmerging_pages 0\n");
	assert_int_equal(tree_build("/", &t), 0);
	assert_true(tree_find(&t, "/a")->effective);
	tree_free(&t);
}

static void test_tree_from_procs(void **state)
{
	struct cg_tree t;
	struct cg_node *n;

	(void)state;
	fake_cgroup("/a", 1, NULL);
	fake_cgroup("/a/b", 0, NULL);
	fake_cgroup("/c", 0, NULL);
	fake_proc(100, "/a/b", "ksm_rmap_items 10\nksm_zero_pages 1\n"
		  "ksm_merging_pages 8\nksm_process_profit 36000\nksm_merge_any: no\n");
	fake_proc(101, "/a/b", "ksm_rmap_items 5\nksm_zero_pages 0\n"
		  "ksm_merging_pages 4\nksm_process_profit 16000\n");
	fake_proc(102, "/a", "ksm_rmap_items 1\nksm_merging_pages 1\nksm_process_profit 4000\n");
	fake_proc(103, "/c", "ksm_rmap_items 2\nksm_process_profit -128\n");
	/* A kernel thread: no ksm_stat. */
	fake_proc(2, "/", NULL);
	/* A cgroup created after the walk counts for its nearest ancestor. */
	fake_proc(104, "/a/b/new", "ksm_merging_pages 100\n");
	/* Threads are not in /proc's listing; task/ must not be looked at. */
	fake_file(fake.proc, "100/task/100/ksm_stat", "ksm_merging_pages 5000\n");
	/* Not a process. */
	fake_file(fake.proc, "self/cgroup", "0::/a\n");

	assert_int_equal(tree_load("/", true, &t), 0);
	assert_true(t.from_procs);
	n = tree_find(&t, "/a/b");
	assert_int_equal(n->source, SRC_PROCS);
	assert_int_equal(n->counts.merging_pages, 8 + 4 + 100);
	assert_int_equal(n->counts.zero_pages, 1);
	assert_int_equal(n->counts.rmap_items, 15);
	assert_int_equal(n->counts.profit, 52000);
	n = tree_find(&t, "/a");
	assert_int_equal(n->counts.merging_pages, 113);
	assert_int_equal(n->counts.profit, 56000);
	assert_int_equal(tree_find(&t, "/c")->counts.profit, -128);
	assert_int_equal(t.top->counts.merging_pages, 113);
	assert_int_equal(t.top->counts.rmap_items, 18);
	assert_int_equal(t.top->counts.profit, 56000 - 128);
	/* ksm_stat has no pages_scanned. */
	assert_false(t.top->counts.have & KC_SCANNED);
	tree_free(&t);

	/* Processes outside a subtree do not count. */
	assert_int_equal(tree_load("/a/b", true, &t), 0);
	assert_int_equal(t.top->counts.merging_pages, 112);
	tree_free(&t);
}

static void test_tree_filter(void **state)
{
	struct cg_tree t;

	(void)state;
	fake_cgroup("/on", 1, NULL);
	fake_cgroup("/on/child", 0, NULL);
	fake_cgroup("/off", 0, NULL);
	fake_cgroup("/off/busy", 0, NULL);
	fake_cgroup("/off/idle", 0, NULL);
	fake_cgroup("/nomem", -1, NULL);
	fake_proc(7, "/off/busy", "ksm_merging_pages 3\n");

	assert_int_equal(tree_load("/", false, &t), 0);
	assert_true(tree_find(&t, "/")->shown);
	assert_true(tree_find(&t, "/on")->shown);
	assert_true(tree_find(&t, "/on/child")->shown);
	assert_true(tree_find(&t, "/off/busy")->shown);
	/* Only there as the parent of a shown cgroup. */
	assert_true(tree_find(&t, "/off")->shown);
	assert_false(tree_find(&t, "/off/idle")->shown);
	assert_false(tree_find(&t, "/nomem")->shown);
	/* For tree lines: the last shown child of each parent. */
	assert_true(tree_find(&t, "/on")->last_shown);
	assert_false(tree_find(&t, "/off")->last_shown);
	assert_true(tree_find(&t, "/off/busy")->last_shown);
	tree_free(&t);

	assert_int_equal(tree_load("/", true, &t), 0);
	assert_true(tree_find(&t, "/off/idle")->shown);
	assert_true(tree_find(&t, "/nomem")->shown);
	assert_true(tree_find(&t, "/on")->last_shown);
	assert_false(tree_find(&t, "/nomem")->last_shown);
	tree_free(&t);
}

static void test_tree_missing(void **state)
{
	struct cg_tree t;
	struct result r;
	char *msg = NULL;
	size_t len = 0;

	(void)state;
	/* tree_build prints the message; check it through the command. */
	r = run_ksmctl("status", "nope", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such cgroup: ");
	assert_contains(r.err, "/cgroup/nope");
	result_free(&r);

	ksm_errfile = open_memstream(&msg, &len);
	assert_int_not_equal(tree_build("/nope", &t), 0);
	fclose(ksm_errfile);
	ksm_errfile = NULL;
	assert_contains(msg, "no such cgroup: ");
	free(msg);
}

/*
 * 1000 cgroups with memory.ksm.stat, the case the walk is made for: it
 * must stay far below the half second the status command may take (here
 * under ASan, and on a tmpfs rather than cgroupfs).  Measured in CPU time
 * of this process, which a busy machine does not stretch as it does the
 * wall clock; make bench-ksmctl measures the real thing.
 */
static void test_tree_1000(void **state)
{
	struct timespec a, b;
	struct result r;
	char name[64];
	double sec;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "/g%d/c%d", i / 50, i);
		fake_cgroup(name, i % 3 == 0, STAT(5, 0, 5, 20000));
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	r = run_ksmctl("status", "--all", "--raw", NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	sec = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("# status --all on 1020 fake cgroups: %.3f s of CPU\n", sec);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "/g19/c999 1 1 - 20K 0B 5 19.5K\n");
	assert_true(sec < 0.5);
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	fake_test(test_tree_order),
	fake_test(test_tree_effective),
	fake_test(test_tree_stat),
	fake_test(test_tree_stat_effective_key),
	fake_test(test_tree_kernel_without_stat),
	fake_test(test_tree_from_procs),
	fake_test(test_tree_filter),
	fake_test(test_tree_missing),
	fake_test(test_tree_1000),
};

TEST_LIST(tree_tests, tests);
