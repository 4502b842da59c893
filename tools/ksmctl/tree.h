/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_TREE_H
#define KSMCTL_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "kstat.h"

enum count_source {
	SRC_NONE,		/* no numbers */
	SRC_STAT,		/* memory.ksm.stat */
	SRC_PROCS,		/* summed over the processes of the subtree */
	SRC_ROOT,		/* the root: KSM's system-wide numbers (sysfs) */
	SRC_NOMEMCG,		/* no memory controller in the cgroup: no numbers */
};

struct cg_node {
	char *path;		/* "/a/b" */
	const char *name;	/* last component of path; the path for the top */
	struct cg_node *parent;
	struct cg_node **children;
	size_t nchildren;
	int depth;		/* 0 for the top */

	int own;		/* memory.ksm: 0, 1, or -1 without the file */
	bool effective;		/* own or an ancestor's memory.ksm is 1 */
	int weight;		/* memory.ksm.weight, -1 without the file */
	int isolated;		/* memory.ksm.isolated: 0, 1, or -1 without the file */
	/*
	 * The merge domain: the path of the nearest cgroup, itself or an
	 * ancestor, with memory.ksm.isolated 1, else "/" (the root domain).
	 * Points to a node's path, to the tree's top_domain or to "/".
	 */
	const char *domain;
	struct ksm_counts counts;
	enum count_source source;

	/* top: since the previous frame, if the cgroup was in it */
	bool have_rate;
	double scan_rate;	/* pages scanned per second */
	int64_t merging_delta;	/* change of merging_pages */

	bool shown;		/* passes the filter */
	bool last_shown;	/* no shown sibling after it: for tree drawing */
};

struct cg_tree {
	struct cg_node *top;
	struct cg_node **nodes;	/* depth-first, children by name */
	size_t count;
	bool from_procs;	/* some cgroups' numbers were summed over processes */
	bool have_stat_file;	/* some cgroup has memory.ksm.stat */
	/* The kernel has no such file: found once, not looked for again. */
	bool no_stat_file, no_weight_file, no_isolated_file;
	char *top_domain;	/* the domain of the top's parent */
};

int tree_build(const char *cg, struct cg_tree *t);
void tree_fill(struct cg_tree *t);
void tree_filter(struct cg_tree *t, bool all);
struct cg_node *tree_find(const struct cg_tree *t, const char *path);
void tree_rates(struct cg_tree *t, const struct cg_tree *prev, double seconds);
void tree_free(struct cg_tree *t);
int tree_load(const char *cg, bool all, struct cg_tree *t);

#endif
