// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cgroup tree below a cgroup, with each cgroup's KSM setting and
 * numbers.
 *
 * The walk goes from directory descriptor to directory descriptor
 * (openat, getdents64), so that a tree of thousands of cgroups costs a
 * few system calls per cgroup and no path lookups from the root.  The
 * numbers come from memory.ksm.stat.  On a kernel without that file they
 * are summed over /proc/PID/ksm_stat, in one pass over /proc for the
 * whole tree.  The root cgroup has no memory.ksm.stat on any kernel; on
 * a kernel with the file its numbers are KSM's system-wide ones, read
 * from sysfs, and /proc is not read for them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "knobs.h"
#include "paths.h"
#include "tree.h"
#include "util.h"

static struct cg_node *node_new(struct cg_tree *t, struct cg_node *parent, const char *name)
{
	struct cg_node *n = xcalloc(1, sizeof(*n));

	if (!parent) {
		n->path = xstrdup(name);
		n->name = n->path;
	} else {
		n->path = xasprintf("%s/%s", strcmp(parent->path, "/") ? parent->path : "", name);
		n->name = strrchr(n->path, '/') + 1;
		n->depth = parent->depth + 1;
	}
	n->parent = parent;
	n->own = -1;
	n->weight = -1;
	n->isolated = -1;
	/* For a cgroup removed before it is read; read_node() decides. */
	n->domain = parent ? parent->domain : "/";

	if (t->count % 64 == 0)
		t->nodes = xrealloc(t->nodes, (t->count + 64) * sizeof(*t->nodes));
	t->nodes[t->count++] = n;
	return n;
}

/* "0" or "1", white space around allowed: 0 or 1; else -1. */
static int parse_bool(char *text)
{
	char *v = strstrip(text);

	if (!strcmp(v, "0") || !strcmp(v, "1"))
		return v[0] - '0';
	return -1;
}

/* A memory.ksm that reads "0" or "1", else -1. */
static int read_bool_at(int dirfd, const char *name)
{
	char buf[32];

	if (read_file_at(dirfd, name, buf, sizeof(buf)) < 0)
		return -1;
	return parse_bool(buf);
}

/*
 * A cgroup with memory.ksm but without memory.ksm.stat, .weight or
 * .isolated tells that the kernel has none: the other cgroups are not
 * asked, which saves three failed lookups per cgroup.
 */
static void read_node(struct cg_tree *t, int dirfd, struct cg_node *n)
{
	char buf[KSM_FILE_MAX];
	uint64_t w;
	int eff, ret;

	n->own = read_bool_at(dirfd, KSM_FILE);
	/* The top's ancestors were looked at by tree_build(). */
	n->effective = n->own == 1 || (n->parent ? n->parent->effective : n->effective);

	if (!t->no_isolated_file) {
		ret = read_file_at(dirfd, KSM_ISOLATED_FILE, buf, sizeof(buf));
		if (ret >= 0)
			n->isolated = parse_bool(buf);
		else if (ret == -ENOENT && n->own >= 0)
			t->no_isolated_file = true;
	}
	/* The top's parent's domain was found by tree_build(). */
	n->domain = n->isolated == 1 ? n->path : n->parent ? n->parent->domain : t->top_domain;

	if (!t->no_weight_file) {
		ret = read_file_at(dirfd, KSM_WEIGHT_FILE, buf, sizeof(buf));
		if (ret >= 0 && parse_u64(strstrip(buf), &w) == 0 && w <= KSM_WEIGHT_MAX)
			n->weight = (int)w;
		else if (ret == -ENOENT && n->own >= 0)
			t->no_weight_file = true;
	}
	if (!t->no_stat_file) {
		ret = read_file_at(dirfd, KSM_STAT_FILE, buf, sizeof(buf));
		if (ret >= 0) {
			ksm_stat_parse(buf, &n->counts, &eff);
			n->source = SRC_STAT;
			t->have_stat_file = true;
			if (eff >= 0)
				n->effective = eff;
		} else if (ret == -ENOENT && n->own >= 0) {
			t->no_stat_file = true;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names of the subdirectories of @dirfd, sorted; every one is a
 * cgroup.  getdents64() on @dirfd itself, rather than a DIR stream on a
 * duplicate, saves three system calls per cgroup.
 */
static char **list_children(int dirfd, size_t *count)
{
	char buf[32768];
	char **names = NULL;
	size_t n = 0, alloc = 0;
	ssize_t len;

	*count = 0;
	while ((len = getdents64(dirfd, buf, sizeof(buf))) > 0) {
		ssize_t off;

		for (off = 0; off < len;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (de->d_type == DT_UNKNOWN) {
				struct stat st;

				if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
				    !S_ISDIR(st.st_mode))
					continue;
			} else if (de->d_type != DT_DIR) {
				continue;
			}
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 8;
				names = xrealloc(names, alloc * sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*count = n;
	return names;
}

/* Read @n and its subtree; t->nodes comes out depth-first in name order. */
static void walk(struct cg_tree *t, int dirfd, struct cg_node *n)
{
	char **names;
	size_t i;

	read_node(t, dirfd, n);
	names = list_children(dirfd, &n->nchildren);
	if (!n->nchildren) {
		free(names);
		return;
	}
	n->children = xcalloc(n->nchildren, sizeof(*n->children));
	for (i = 0; i < n->nchildren; i++) {
		struct cg_node *c = node_new(t, n, names[i]);
		int cfd;

		n->children[i] = c;
		free(names[i]);
		cfd = openat(dirfd, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;	/* removed meanwhile: keep it, without numbers */
		walk(t, cfd, c);
		close(cfd);
	}
	free(names);
}

/*
 * Whether the top of the tree is effectively enabled, and its merge
 * domain, depend on its ancestors, which the walk does not visit: @on if
 * one has memory.ksm 1, @domain (malloc'ed) the nearest with
 * memory.ksm.isolated 1, else "/".
 */
static void read_ancestors(const char *cg, bool *on, char **domain)
{
	char *p = cgroup_parent(cg);

	*on = false;
	*domain = NULL;
	while ((!*on || !*domain) && strcmp(p, "/")) {
		char *dir = cgroup_dir_path(p), *next;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			if (!*on)
				*on = read_bool_at(fd, KSM_FILE) == 1;
			if (!*domain && read_bool_at(fd, KSM_ISOLATED_FILE) == 1)
				*domain = xstrdup(p);
			close(fd);
		}
		free(dir);
		next = cgroup_parent(p);
		free(p);
		p = next;
	}
	free(p);
	if (!*domain)
		*domain = xstrdup("/");
}

/* Build the tree below the cgroup @cg ("/a/b"), which must exist. */
int tree_build(const char *cg, struct cg_tree *t)
{
	char *dir = cgroup_dir_path(cg);
	int fd, ret = 0;

	memset(t, 0, sizeof(*t));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (errno == ENOENT || errno == ENOTDIR)
			ksm_error("no such cgroup: %s", dir);
		else
			ksm_error("cannot open %s: %s", dir, strerror(errno));
		free(dir);
		return ret;
	}
	free(dir);

	t->top = node_new(t, NULL, cg);
	read_ancestors(cg, &t->top->effective, &t->top_domain);
	walk(t, fd, t->top);
	close(fd);
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	const struct cg_node *x = *(struct cg_node *const *)a;
	const struct cg_node *y = *(struct cg_node *const *)b;

	return strcmp(x->path, y->path);
}

static int cmp_key_path(const void *key, const void *b)
{
	return strcmp(key, (*(struct cg_node *const *)b)->path);
}

/* A node by path, in a node array sorted by cmp_path. */
static struct cg_node *find_sorted(struct cg_node **sorted, size_t n, const char *path)
{
	struct cg_node **p = bsearch(path, sorted, n, sizeof(*sorted), cmp_key_path);

	return p ? *p : NULL;
}

struct cg_node *tree_find(const struct cg_tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (!strcmp(t->nodes[i]->path, path))
			return t->nodes[i];
	return NULL;
}

static int cmp_node_path(const void *a, const void *b)
{
	return strcmp((*(struct cg_node *const *)a)->path, (*(struct cg_node *const *)b)->path);
}

/*
 * The rates of @t since @prev, read @seconds earlier: for every cgroup in
 * both, pages scanned per second and the change of merging_pages.  A
 * counter that went back (the cgroup was removed and made again) gives 0.
 */
void tree_rates(struct cg_tree *t, const struct cg_tree *prev, double seconds)
{
	struct cg_node **by_path;
	size_t i;

	if (seconds <= 0 || !prev->count)
		return;
	by_path = xcalloc(prev->count, sizeof(*by_path));
	memcpy(by_path, prev->nodes, prev->count * sizeof(*by_path));
	qsort(by_path, prev->count, sizeof(*by_path), cmp_node_path);
	for (i = 0; i < t->count; i++) {
		struct cg_node *n = t->nodes[i], key = { .path = n->path }, *kp = &key, **p;
		int64_t before, now = n->counts.pages_scanned;

		p = bsearch(&kp, by_path, prev->count, sizeof(*by_path), cmp_node_path);
		if (!p)
			continue;
		before = (*p)->counts.pages_scanned;
		n->have_rate = true;
		n->scan_rate = now >= before ? (double)(now - before) / seconds : 0;
		n->merging_delta = n->counts.merging_pages - (*p)->counts.merging_pages;
	}
	free(by_path);
}

/*
 * The node a process of cgroup @path counts for: its own, or the nearest
 * ancestor in the tree if the cgroup appeared after the walk.  NULL if
 * the process is outside the tree.
 */
static struct cg_node *node_for(const struct cg_tree *t, struct cg_node **sorted,
				const char *path)
{
	const char *top = t->top->path;
	size_t len = strlen(top);
	char *p, *slash;
	struct cg_node *n;

	if (strcmp(top, "/") &&
	    (strncmp(path, top, len) || (path[len] != '/' && path[len] != '\0')))
		return NULL;
	p = xstrdup(path);
	while (!(n = find_sorted(sorted, t->count, p))) {
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	if (!n && strcmp(top, "/") == 0)
		n = t->top;
	free(p);
	return n;
}

/*
 * For the cgroups without memory.ksm.stat, sum /proc/PID/ksm_stat over
 * the processes of their subtree, in one pass over /proc.  /proc lists
 * thread group leaders only, so the threads of a process, which share
 * its mm, count once.  A process's numbers belong to its mm, which is
 * charged to the memory cgroup of the mm's owner: the process itself, in
 * all but rare cases.
 */
static void sum_procs(struct cg_tree *t)
{
	struct cg_node **sorted;
	struct dirent *de;
	DIR *dir;
	size_t i;

	dir = opendir(proc_dir());
	if (!dir)
		return;
	for (i = 0; i < t->count; i++) {
		if (t->nodes[i]->source == SRC_NONE) {
			t->nodes[i]->source = SRC_PROCS;
			t->from_procs = true;
		}
	}

	sorted = xmalloc(t->count * sizeof(*sorted));
	memcpy(sorted, t->nodes, t->count * sizeof(*sorted));
	qsort(sorted, t->count, sizeof(*sorted), cmp_path);

	while ((de = readdir(dir))) {
		char text[KSM_FILE_MAX], *cg;
		struct ksm_counts c;
		struct cg_node *n;
		int pfd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;	/* exited */
		if (read_file_at(pfd, "cgroup", text, sizeof(text)) < 0 ||
		    proc_cgroup_parse(text, &cg) < 0) {
			close(pfd);
			continue;
		}
		n = node_for(t, sorted, cg);
		free(cg);
		/* Its ksm_stat is read only if some cgroup takes its numbers. */
		while (n && n->source != SRC_PROCS)
			n = n->parent;
		/* Kernel threads have no ksm_stat; they have no mm either. */
		if (n && read_file_at(pfd, "ksm_stat", text, sizeof(text)) >= 0) {
			proc_ksm_stat_parse(text, &c);
			c.have &= ~KC_SCANNED;
			for (; n; n = n->parent)
				if (n->source == SRC_PROCS)
					ksm_counts_add(&n->counts, &c);
		}
		close(pfd);
	}
	closedir(dir);
	free(sorted);
}

/*
 * A number of KSM's sysfs directory.  -1 if the kernel has no such file
 * or it does not hold a number: the caller leaves the count absent.
 */
static int ksm_sysfs_number(const char *name, int64_t *v)
{
	const struct knob *k = knob_find(name);
	char buf[KNOB_VALUE_MAX];
	uint64_t u;

	if (!k || knob_read(k, buf, sizeof(buf), NULL, 0) < 0)
		return -1;
	if (k->is_signed)
		return parse_s64(buf, v) < 0 ? -1 : 0;
	if (parse_u64(buf, &u) < 0 || u > INT64_MAX)
		return -1;
	*v = (int64_t)u;
	return 0;
}

/* kv_foreach() callback: the "ksm" line of memory.stat, in bytes. */
static int ksm_stat_line(const char *key, const char *value, void *data)
{
	if (strcmp(key, "ksm"))
		return 0;
	return parse_u64(value, data) < 0 ? -EINVAL : 1;
}

/*
 * The KSM pages charged to the root's subtree, that is to every cgroup:
 * the "ksm" line of the root's memory.stat, which is in bytes.  -1 if
 * there is no such line (a kernel that does not count them per cgroup,
 * or no memory.stat in the root) or it is not a number.
 */
static int root_ksm_pages(int64_t *pages)
{
	char text[KSM_FILE_MAX], *path = cgroup_file_path("/", "memory.stat");
	uint64_t bytes;
	int ret;

	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	free(path);
	if (ret < 0 || kv_foreach(text, ksm_stat_line, &bytes) != 1)
		return -1;
	*pages = (int64_t)(bytes / (uint64_t)page_size());
	return 0;
}

/* The root's counts that are a sysfs number unchanged. */
static const struct {
	const char *name;
	size_t offset;
	unsigned int bit;
} root_sysfs_counts[] = {
	{ "ksm_zero_pages", offsetof(struct ksm_counts, zero_pages), KC_ZERO },
	{ "pages_scanned", offsetof(struct ksm_counts, pages_scanned), KC_SCANNED },
	{ "general_profit", offsetof(struct ksm_counts, profit), KC_PROFIT },
};

/*
 * The root cgroup's numbers on a kernel with memory.ksm.stat, which the
 * root does not have: KSM's, system-wide, from its sysfs directory, as
 * every process is in the root's subtree.  merging_pages, a cgroup's
 * mappings of KSM pages, is pages_shared + pages_sharing: one mapping of
 * each KSM page plus the others.  zero_pages is ksm_zero_pages,
 * pages_scanned counts every page ksmd scanned, and the profit is
 * general_profit, which the profits of the root's children and of its
 * own processes add up to.  ksm_pages is the "ksm" line of the root's
 * memory.stat, else pages_shared, which it equals but for the KSM pages
 * that only processes KSM does not scan map.  The kernel counts rmap
 * items per process only: the root has none, rather than a sum over
 * /proc.
 *
 * A number sysfs does not give is absent, but for the profit: without
 * general_profit it is the sum of the children's, which leaves out what
 * merging saves the root's own processes.
 */
static void fill_root(struct cg_node *root)
{
	struct ksm_counts *c = &root->counts;
	int64_t shared, sharing, v;
	bool have_shared;
	size_t i;

	have_shared = ksm_sysfs_number("pages_shared", &shared) == 0;
	if (have_shared && ksm_sysfs_number("pages_sharing", &sharing) == 0) {
		c->merging_pages = shared + sharing;
		c->have |= KC_MERGING;
	}
	for (i = 0; i < ARRAY_SIZE(root_sysfs_counts); i++) {
		if (ksm_sysfs_number(root_sysfs_counts[i].name, &v) == 0) {
			*(int64_t *)((char *)c + root_sysfs_counts[i].offset) = v;
			c->have |= root_sysfs_counts[i].bit;
		}
	}
	if (root_ksm_pages(&v) == 0) {
		c->ksm_pages = v;
		c->have |= KC_KSM_PAGES;
	} else if (have_shared) {
		c->ksm_pages = shared;
		c->have |= KC_KSM_PAGES;
	}
	if (!(c->have & KC_PROFIT)) {
		for (i = 0; i < root->nchildren; i++) {
			const struct ksm_counts *cc = &root->children[i]->counts;

			if (cc->have & KC_PROFIT) {
				c->profit += cc->profit;
				c->have |= KC_PROFIT;
			}
		}
	}
}

/*
 * Whether the kernel has memory.ksm.stat, asked of the nearest ancestor of
 * @cg with the memory controller, for a subtree that has it nowhere.
 */
static bool ancestor_has_stat(const char *cg)
{
	char *p = cgroup_parent(cg), *next, *file;
	bool found = false, has = false;

	while (!found && strcmp(p, "/")) {
		file = cgroup_file_path(p, KSM_FILE);
		found = access(file, F_OK) == 0;
		free(file);
		if (found) {
			file = cgroup_file_path(p, KSM_STAT_FILE);
			has = access(file, F_OK) == 0;
			free(file);
		}
		next = cgroup_parent(p);
		free(p);
		p = next;
	}
	free(p);
	return has;
}

/*
 * Numbers for the cgroups without memory.ksm.stat.  The root's, on a
 * kernel with the file, are the system's, from sysfs; the others' there
 * are none (no memory controller).  On a kernel without the file, every
 * cgroup's, the root's included, are summed over the processes of its
 * subtree: /proc is read only then.
 */
void tree_fill(struct cg_tree *t)
{
	size_t i;

	if (!t->have_stat_file && !t->no_stat_file && strcmp(t->top->path, "/"))
		t->have_stat_file = ancestor_has_stat(t->top->path);
	if (!strcmp(t->top->path, "/") && t->top->source == SRC_NONE && t->have_stat_file)
		t->top->source = SRC_ROOT;
	/*
	 * On a kernel with memory.ksm.stat, a cgroup without it has no memory
	 * controller: KSM is neither set nor counted there, and its processes
	 * are counted in the nearest ancestor that has one.
	 */
	for (i = 0; t->have_stat_file && i < t->count; i++)
		if (t->nodes[i]->source == SRC_NONE && t->nodes[i]->own < 0)
			t->nodes[i]->source = SRC_NOMEMCG;
	for (i = 0; i < t->count; i++) {
		if (t->nodes[i]->source == SRC_NONE) {
			sum_procs(t);
			break;
		}
	}
	/* After sum_procs(): the profit's fallback adds up the children's. */
	if (t->top->source == SRC_ROOT)
		fill_root(t->top);
}

/*
 * Show the cgroups where KSM is on, that are isolated or that have
 * numbers, and their ancestors so that the tree holds together; with
 * @all, every cgroup.
 * The top is always shown.
 */
void tree_filter(struct cg_tree *t, bool all)
{
	size_t i, j;

	for (i = 0; i < t->count; i++) {
		struct cg_node *n = t->nodes[i];

		n->shown = all || n->own == 1 || n->effective || n->isolated == 1 ||
			   ksm_counts_nonzero(&n->counts);
		if (n->shown)
			for (n = n->parent; n && !n->shown; n = n->parent)
				n->shown = true;
	}
	t->top->shown = true;

	for (i = 0; i < t->count; i++) {
		struct cg_node *n = t->nodes[i];
		bool last = true;

		for (j = 0; j < n->nchildren; j++) {
			struct cg_node *c = n->children[n->nchildren - 1 - j];

			c->last_shown = last && c->shown;
			if (c->shown)
				last = false;
		}
	}
}

void tree_free(struct cg_tree *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		free(t->nodes[i]->path);
		free(t->nodes[i]->children);
		free(t->nodes[i]);
	}
	free(t->nodes);
	free(t->top_domain);
	memset(t, 0, sizeof(*t));
}

/* Build, fill and filter: what status, top and metrics need. */
int tree_load(const char *cg, bool all, struct cg_tree *t)
{
	int ret = tree_build(cg, t);

	if (ret < 0)
		return ret;
	tree_fill(t);
	tree_filter(t, all);
	return 0;
}
