// SPDX-License-Identifier: GPL-2.0-or-later
/* Building the cgroup tree from a fake cgroup2 mount and procfs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fake.h"
#include "tree.h"
#include "util.h"

/* memory.ksm.stat as the kernel writes it; k: ksm_pages. */
#define STAT(m, z, r, p, k) "effective 1\nmerging_pages " #m "\nzero_pages " #z \
	"\nrmap_items " #r "\nprofit " #p "\npages_scanned 10\nksm_pages " #k "\n"

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

/*
 * Merge domains: an isolated parent, a child that is not (its domain is
 * the parent's), an isolated grandchild (its own), and below it a cgroup
 * without the memory controller (the grandchild's).
 */
static void isolated_tree(void)
{
	fake_cgroup("/p", 0, NULL);
	fake_isolated("/p", 1);
	fake_cgroup("/p/c", 0, NULL);
	fake_isolated("/p/c", 0);
	fake_cgroup("/p/c/g", 0, NULL);
	fake_isolated("/p/c/g", 1);
	fake_cgroup("/p/c/g/nomem", -1, NULL);
	fake_cgroup("/q", 0, NULL);
	fake_isolated("/q", 0);
}

static void test_tree_domain(void **state)
{
	struct cg_tree t;

	(void)state;
	isolated_tree();
	assert_int_equal(tree_build("/", &t), 0);
	assert_false(t.no_isolated_file);
	assert_int_equal(tree_find(&t, "/")->isolated, -1);
	assert_string_equal(tree_find(&t, "/")->domain, "/");
	assert_int_equal(tree_find(&t, "/p")->isolated, 1);
	assert_string_equal(tree_find(&t, "/p")->domain, "/p");
	assert_int_equal(tree_find(&t, "/p/c")->isolated, 0);
	assert_string_equal(tree_find(&t, "/p/c")->domain, "/p");
	assert_int_equal(tree_find(&t, "/p/c/g")->isolated, 1);
	assert_string_equal(tree_find(&t, "/p/c/g")->domain, "/p/c/g");
	assert_int_equal(tree_find(&t, "/p/c/g/nomem")->isolated, -1);
	assert_string_equal(tree_find(&t, "/p/c/g/nomem")->domain, "/p/c/g");
	assert_int_equal(tree_find(&t, "/q")->isolated, 0);
	assert_string_equal(tree_find(&t, "/q")->domain, "/");
	tree_free(&t);

	/* An isolated cgroup is shown, though KSM is off and it has no numbers. */
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_true(tree_find(&t, "/p/c/g")->shown);
	assert_false(tree_find(&t, "/p/c/g/nomem")->shown);
	assert_false(tree_find(&t, "/q")->shown);
	tree_free(&t);

	/* The top of a subtree looks at its ancestors. */
	assert_int_equal(tree_build("/p/c", &t), 0);
	assert_int_equal(t.top->isolated, 0);
	assert_string_equal(t.top->domain, "/p");
	assert_string_equal(tree_find(&t, "/p/c/g")->domain, "/p/c/g");
	tree_free(&t);
	assert_int_equal(tree_build("/p/c/g/nomem", &t), 0);
	assert_string_equal(t.top->domain, "/p/c/g");
	tree_free(&t);
	/* Not the nearest ancestor with memory.ksm 1: the nearest isolated one. */
	fake_file(fake.cg, "p/c/memory.ksm", "1\n");
	assert_int_equal(tree_build("/p/c/g/nomem", &t), 0);
	assert_true(t.top->effective);
	assert_string_equal(t.top->domain, "/p/c/g");
	tree_free(&t);
	assert_int_equal(tree_build("/q", &t), 0);
	assert_string_equal(t.top->domain, "/");
	tree_free(&t);
}

/*
 * A cgroup that cannot be opened (removed during the walk, or here not
 * readable by an unprivileged user) is kept, in its parent's domain.
 */
static void test_tree_domain_unread(void **state)
{
	char path[PATH_MAX];
	pid_t pid;
	int status;

	(void)state;
	isolated_tree();
	fake_cgroup("/p/locked", 0, NULL);
	fake_isolated("/p/locked", 1);
	snprintf(path, sizeof(path), "%s/p/locked", fake.cg);
	assert_int_equal(chmod(path, 0), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cg_tree t;
		struct cg_node *n;
		int ok;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		if (tree_build("/", &t) < 0)
			_exit(4);
		n = tree_find(&t, "/p/locked");
		ok = n && n->isolated == -1 && n->domain && !strcmp(n->domain, "/p");
		tree_free(&t);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(path, 0755);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_tree_stat(void **state)
{
	struct cg_tree t;
	struct cg_node *n;

	(void)state;
	fake_cgroup("/a", 1, STAT(100, 2, 110, 400000, 7));
	fake_file(fake.cg, "a/memory.ksm.weight", "100\n");
	fake_cgroup("/a/b", 0, STAT(60, 0, 60, 240000, 5));
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
	assert_int_equal(n->counts.ksm_pages, 7);
	assert_true(n->counts.have & KC_KSM_PAGES);
	assert_int_equal(n->weight, 100);
	n = tree_find(&t, "/a/b");
	assert_int_equal(n->counts.merging_pages, 60);
	assert_int_equal(n->counts.ksm_pages, 5);
	assert_int_equal(n->weight, 250);
	/*
	 * The root has no memory.ksm.stat.  On a kernel with the file its
	 * numbers are KSM's system-wide ones, of which this sysfs has none:
	 * absent, not summed over /proc (not the 999 of the process, which
	 * the kernel counted in /a/b).  Without general_profit, the profit is
	 * the children's (/a's, which holds /a/b's).
	 */
	assert_int_equal(t.top->source, SRC_ROOT);
	assert_int_equal(t.top->counts.have, KC_PROFIT);
	assert_int_equal(t.top->counts.profit, 400000);
	assert_int_equal(t.top->counts.merging_pages, 0);
	assert_false(t.from_procs);
	assert_int_equal(t.top->weight, -1);
	tree_free(&t);
}

/*
 * domain_pages_shared, on a kernel with merge domains: each cgroup's as
 * its memory.ksm.stat says, its domain's number.  It is not summed: the
 * root's row (the system's numbers) has none, whatever its children say.
 * Nor does it make a cgroup worth showing: every cgroup of a domain with
 * KSM pages has it.
 */
static void test_tree_domain_shared(void **state)
{
	struct cg_tree t;
	struct cg_node *n;

	(void)state;
	fake_knobs();
	fake_cgroup("/p", 1, STAT(100, 0, 100, 400000, 7) "domain_pages_shared 30\n");
	fake_isolated("/p", 1);
	fake_cgroup("/p/c", 0, STAT(60, 0, 60, 240000, 5) "domain_pages_shared 30\n");
	fake_isolated("/p/c", 0);
	fake_cgroup("/q", 0, "effective 0\nmerging_pages 0\nzero_pages 0\nrmap_items 0\n"
		    "profit 0\npages_scanned 0\nksm_pages 0\ndomain_pages_shared 12\n");
	fake_isolated("/q", 0);
	fake_cgroup("/r", 1, STAT(10, 0, 10, 36000, 1) "domain_pages_shared 12\n");
	fake_isolated("/r", 0);

	assert_int_equal(tree_load("/", false, &t), 0);
	n = tree_find(&t, "/p");
	assert_int_equal(n->counts.domain_pages_shared, 30);
	assert_true(n->counts.have & KC_DOMAIN_SHARED);
	/* The domain's, not the subtree's: /p's is not /p/c's plus its own. */
	n = tree_find(&t, "/p/c");
	assert_int_equal(n->counts.domain_pages_shared, 30);
	assert_true(n->counts.have & KC_DOMAIN_SHARED);
	assert_string_equal(n->domain, "/p");
	n = tree_find(&t, "/r");
	assert_int_equal(n->counts.domain_pages_shared, 12);
	assert_string_equal(n->domain, "/");
	/* The root: no memory.ksm.stat, nothing added up from its children. */
	assert_int_equal(t.top->source, SRC_ROOT);
	assert_false(t.top->counts.have & KC_DOMAIN_SHARED);
	assert_int_equal(t.top->counts.domain_pages_shared, 0);
	assert_true(t.top->counts.have & KC_MERGING);
	/* /q has nothing of its own: not shown for its domain's KSM pages. */
	n = tree_find(&t, "/q");
	assert_true(n->counts.have & KC_DOMAIN_SHARED);
	assert_false(n->shown);
	tree_free(&t);

	/* A kernel without merge domains: no such line, no bit. */
	fake_file(fake.cg, "p/memory.ksm.stat", "%s", STAT(100, 0, 100, 400000, 7));
	assert_int_equal(tree_load("/p", true, &t), 0);
	assert_false(t.top->counts.have & KC_DOMAIN_SHARED);
	assert_true(t.top->counts.have & KC_KSM_PAGES);
	assert_true(tree_find(&t, "/p/c")->counts.have & KC_DOMAIN_SHARED);
	tree_free(&t);
}

/*
 * top's rates between two readings: pages scanned per second and the
 * change of merging_pages, for the cgroups in both; none for a new one.
 */
static void test_tree_rates(void **state)
{
	struct cg_tree before, after;
	struct cg_node *n;

	(void)state;
	fake_cgroup("/a", 1, STAT(100, 0, 100, 400000, 7));
	fake_cgroup("/b", 1, STAT(50, 0, 50, 200000, 2));
	assert_int_equal(tree_load("/", false, &before), 0);
	/* pages_scanned of STAT() is 10: 10 -> 4010 and 10 -> 5 (made again). */
	fake_file(fake.cg, "a/memory.ksm.stat", "merging_pages 160\npages_scanned 4010\n");
	fake_file(fake.cg, "b/memory.ksm.stat", "merging_pages 20\npages_scanned 5\n");
	fake_cgroup("/c", 1, STAT(1, 0, 1, 4000, 0));
	assert_int_equal(tree_load("/", false, &after), 0);
	tree_rates(&after, &before, 2.0);

	n = tree_find(&after, "/a");
	assert_true(n->have_rate);
	assert_true(n->scan_rate > 1999.9 && n->scan_rate < 2000.1);
	assert_int_equal(n->merging_delta, 60);
	n = tree_find(&after, "/b");
	assert_true(n->have_rate);
	assert_true(n->scan_rate == 0);
	assert_int_equal(n->merging_delta, -30);
	assert_false(tree_find(&after, "/c")->have_rate);

	/* No time between them: no rates. */
	tree_free(&after);
	assert_int_equal(tree_load("/", false, &after), 0);
	tree_rates(&after, &before, 0);
	assert_false(tree_find(&after, "/a")->have_rate);
	tree_free(&after);
	tree_free(&before);
}

/* The root's memory.stat, as a kernel that counts KSM pages writes it. */
static void fake_root_memory_stat(const char *ksm_line)
{
	fake_file(fake.cg, "memory.stat", "anon 104857600\nfile 52428800\nshmem 0\n"
		  "swapcached 0\n%sanon_thp 0\n", ksm_line);
}

/*
 * The root on a kernel with memory.ksm.stat: KSM's system-wide numbers,
 * from sysfs and the root's memory.stat, whatever its children's files
 * and the processes say.
 */
static void test_tree_root(void **state)
{
	char line[64];
	struct cg_tree t;

	(void)state;
	fake_knobs();
	fake_file(fake.ksm, "ksm_zero_pages", "3\n");
	snprintf(line, sizeof(line), "ksm %ld\n", 20 * page_size());
	fake_root_memory_stat(line);
	fake_cgroup("/a", 1, STAT(100, 2, 110, 400000, 30));
	fake_cgroup("/a/b", 0, STAT(60, 0, 60, 240000, 20));
	fake_cgroup("/c", 0, STAT(10, 1, 12, 36000, 4));
	/* In the root cgroup itself, and in children: none of it is read. */
	fake_proc(10, "/", "ksm_rmap_items 6\nksm_zero_pages 1\n"
		  "ksm_merging_pages 5\nksm_process_profit 20000\n");
	fake_proc(11, "/a/b", "ksm_merging_pages 999\nksm_process_profit 999\n");
	fake_proc(12, "/new", "ksm_merging_pages 555\nksm_process_profit 555\n");
	fake_proc(2, "/", NULL);

	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->source, SRC_ROOT);
	/* pages_shared + pages_sharing */
	assert_int_equal(t.top->counts.merging_pages, 10 + 8000);
	assert_int_equal(t.top->counts.zero_pages, 3);
	assert_int_equal(t.top->counts.pages_scanned, 123456);
	assert_int_equal(t.top->counts.profit, 32761600);
	/* The "ksm" line, from bytes to pages. */
	assert_int_equal(t.top->counts.ksm_pages, 20);
	/* No system-wide count of rmap items: absent, not a sum. */
	assert_int_equal(t.top->counts.rmap_items, 0);
	assert_int_equal(t.top->counts.have, KC_MERGING | KC_ZERO | KC_PROFIT | KC_SCANNED |
			 KC_KSM_PAGES);
	assert_false(t.from_procs);
	/* The children keep their own numbers. */
	assert_int_equal(tree_find(&t, "/a")->counts.merging_pages, 100);
	assert_int_equal(tree_find(&t, "/a/b")->counts.merging_pages, 60);
	assert_int_equal(tree_find(&t, "/c")->counts.profit, 36000);
	tree_free(&t);

	/* Below the root, the top is a cgroup like any other. */
	assert_int_equal(tree_load("/a", false, &t), 0);
	assert_int_equal(t.top->source, SRC_STAT);
	assert_int_equal(t.top->counts.merging_pages, 100);
	assert_int_equal(t.top->counts.profit, 400000);
	tree_free(&t);
}

/*
 * A sysfs number that is missing or not a number leaves the root's
 * count absent, not 0; but for the profit, then the children's, and
 * KSM pages, then pages_shared.
 */
static void test_tree_root_sysfs_missing(void **state)
{
	char path[PATH_MAX];
	struct cg_tree t;

	(void)state;
	fake_knobs();
	fake_cgroup("/a", 1, STAT(100, 2, 110, 400000, 30));
	fake_cgroup("/c", 0, STAT(10, 1, 12, -36000, 4));
	fake_proc(10, "/", "ksm_merging_pages 5\nksm_process_profit 20000\n");

	/* No memory.stat in the root: pages_shared. */
	snprintf(path, sizeof(path), "%s/general_profit", fake.ksm);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->source, SRC_ROOT);
	assert_int_equal(t.top->counts.merging_pages, 10 + 8000);
	assert_int_equal(t.top->counts.profit, 400000 - 36000);
	assert_true(t.top->counts.have & KC_PROFIT);
	assert_int_equal(t.top->counts.ksm_pages, 10);
	assert_true(t.top->counts.have & KC_KSM_PAGES);
	tree_free(&t);

	/* Not numbers; a memory.stat without the line, then with a bad one. */
	fake_file(fake.ksm, "general_profit", "lots\n");
	fake_file(fake.ksm, "pages_sharing", "\n");
	fake_file(fake.ksm, "ksm_zero_pages", "-3\n");
	fake_file(fake.ksm, "pages_scanned", "12x\n");
	fake_root_memory_stat("");
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->counts.profit, 400000 - 36000);
	assert_int_equal(t.top->counts.ksm_pages, 10);
	assert_int_equal(t.top->counts.have, KC_PROFIT | KC_KSM_PAGES);
	tree_free(&t);
	fake_root_memory_stat("ksm many\n");
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->counts.ksm_pages, 10);
	tree_free(&t);

	/* Without pages_shared, neither merging nor the fallback for KSM pages. */
	snprintf(path, sizeof(path), "%s/pages_shared", fake.ksm);
	assert_int_equal(unlink(path), 0);
	fake_file(fake.ksm, "pages_sharing", "8000\n");
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->counts.have, KC_PROFIT);
	tree_free(&t);
	fake_root_memory_stat("ksm 0\n");
	assert_int_equal(tree_load("/", false, &t), 0);
	assert_int_equal(t.top->counts.ksm_pages, 0);
	assert_int_equal(t.top->counts.have, KC_PROFIT | KC_KSM_PAGES);
	tree_free(&t);
}

/*
 * A kernel with memory.ksm.stat and a cgroup without the memory
 * controller: that cgroup has no numbers (its processes count in /a's),
 * nothing is summed over /proc, the root's numbers stay the system's.
 */
static void test_tree_root_and_procs(void **state)
{
	struct cg_tree t;

	(void)state;
	fake_knobs();
	fake_cgroup("/a", 1, STAT(100, 2, 110, 400000, 30));
	fake_cgroup("/a/nomem", -1, NULL);
	fake_proc(10, "/", "ksm_merging_pages 5\nksm_process_profit 20000\n");
	fake_proc(11, "/a/nomem", "ksm_merging_pages 7\nksm_process_profit 28000\n");

	assert_int_equal(tree_load("/", true, &t), 0);
	assert_false(t.from_procs);
	assert_int_equal(tree_find(&t, "/a/nomem")->source, SRC_NOMEMCG);
	assert_int_equal(tree_find(&t, "/a/nomem")->counts.have, 0);
	assert_int_equal(tree_find(&t, "/a/nomem")->counts.merging_pages, 0);
	assert_true(tree_find(&t, "/a/nomem")->effective);
	assert_int_equal(tree_find(&t, "/a")->source, SRC_STAT);
	assert_int_equal(tree_find(&t, "/a")->counts.merging_pages, 100);
	assert_int_equal(t.top->source, SRC_ROOT);
	assert_int_equal(t.top->counts.merging_pages, 10 + 8000);
	assert_int_equal(t.top->counts.profit, 32761600);
	assert_false(t.top->counts.have & KC_RMAP);
	tree_free(&t);
}

static void test_tree_kernel_without_stat(void **state)
{
	struct cg_tree t;

	(void)state;
	/*
	 * Once a cgroup with memory.ksm lacks memory.ksm.stat, the kernel has
	 * none, and the others are not asked: /b's files (which a real kernel
	 * could not have) go unread.
	 */
	fake_cgroup("/a", 0, NULL);
	fake_cgroup("/b", 0, STAT(1, 0, 1, 4000, 1));
	fake_isolated("/b", 1);
	assert_int_equal(tree_build("/", &t), 0);
	assert_true(t.no_stat_file);
	assert_true(t.no_weight_file);
	assert_true(t.no_isolated_file);
	assert_int_equal(tree_find(&t, "/b")->source, SRC_NONE);
	/* Without memory.ksm.isolated, every cgroup is in the root domain. */
	assert_int_equal(tree_find(&t, "/a")->isolated, -1);
	assert_string_equal(tree_find(&t, "/a")->domain, "/");
	assert_int_equal(tree_find(&t, "/b")->isolated, -1);
	assert_string_equal(tree_find(&t, "/b")->domain, "/");
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
	/* A kernel without memory.ksm.stat, but with general_profit. */
	fake_knobs();
	fake_cgroup("/a", 1, NULL);
	fake_cgroup("/a/b", 0, NULL);
	fake_cgroup("/c", 0, NULL);
	fake_proc(100, "/a/b", "ksm_rmap_items 10\nksm_zero_pages 1\n"
		  "ksm_merging_pages 8\nksm_process_profit 36000\nksm_merge_any: no\n");
	fake_proc(101, "/a/b", "ksm_rmap_items 5\nksm_zero_pages 0\n"
		  "ksm_merging_pages 4\nksm_process_profit 16000\n");
	/* Not a key of ksm_stat: ignored, were a kernel to write it there. */
	fake_proc(102, "/a", "ksm_rmap_items 1\nksm_merging_pages 1\nksm_process_profit 4000\n"
		  "domain_pages_shared 99\n");
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
	/* The root is summed over every process, like the other cgroups. */
	assert_int_equal(t.top->source, SRC_PROCS);
	assert_int_equal(t.top->counts.merging_pages, 113);
	assert_int_equal(t.top->counts.rmap_items, 18);
	assert_int_equal(t.top->counts.profit, 56000 - 128);
	/* ksm_stat has no pages_scanned, nor ksm_pages, nor domain_pages_shared. */
	assert_false(t.top->counts.have & KC_SCANNED);
	assert_false(t.top->counts.have & KC_KSM_PAGES);
	assert_false(t.top->counts.have & KC_DOMAIN_SHARED);
	assert_false(tree_find(&t, "/a/b")->counts.have & KC_DOMAIN_SHARED);
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
		fake_cgroup(name, i % 3 == 0, STAT(5, 0, 5, 20000, 1));
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	r = run_ksmctl("status", "--all", "--raw", NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	sec = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("# status --all on 1020 fake cgroups: %.3f s of CPU\n", sec);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "/g19/c999 1 1 - - 20K 0B 5 19.5K\n");
	assert_true(sec < 0.5);
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	fake_test(test_tree_order),
	fake_test(test_tree_effective),
	fake_test(test_tree_domain),
	fake_test(test_tree_domain_unread),
	fake_test(test_tree_stat),
	fake_test(test_tree_domain_shared),
	fake_test(test_tree_rates),
	fake_test(test_tree_root),
	fake_test(test_tree_root_sysfs_missing),
	fake_test(test_tree_root_and_procs),
	fake_test(test_tree_stat_effective_key),
	fake_test(test_tree_kernel_without_stat),
	fake_test(test_tree_from_procs),
	fake_test(test_tree_filter),
	fake_test(test_tree_missing),
	fake_test(test_tree_1000),
};

TEST_LIST(tree_tests, tests);
