/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_KSTAT_H
#define KSMCTL_KSTAT_H

#include <stdbool.h>
#include <stdint.h>

/* KSM's numbers for a cgroup subtree or a process. */
struct ksm_counts {
	int64_t merging_pages;
	int64_t zero_pages;
	int64_t rmap_items;
	int64_t profit;		/* bytes, may be negative */
	int64_t pages_scanned;
	int64_t ksm_pages;	/* KSM pages charged: the copies kept */
	/*
	 * The KSM pages of the cgroup's merge domain: the domain's number,
	 * the same in each of its cgroups, not the subtree's.  Never summed:
	 * ksm_counts_add() leaves it alone.
	 */
	int64_t domain_pages_shared;
	unsigned int have;	/* KC_* bits of the fields that were read */
};

enum {
	KC_MERGING = 1 << 0,
	KC_ZERO = 1 << 1,
	KC_RMAP = 1 << 2,
	KC_PROFIT = 1 << 3,
	KC_SCANNED = 1 << 4,
	KC_KSM_PAGES = 1 << 5,
	KC_DOMAIN_SHARED = 1 << 6,
};

/* memory.ksm.stat; *effective is -1 when the file does not say. */
int ksm_stat_parse(char *text, struct ksm_counts *c, int *effective);
/* /proc/PID/ksm_stat */
int proc_ksm_stat_parse(char *text, struct ksm_counts *c);
/* /proc/PID/cgroup: the cgroup2 path ("0::/a/b"), malloc'ed */
int proc_cgroup_parse(const char *text, char **cgroup);

void ksm_counts_add(struct ksm_counts *sum, const struct ksm_counts *c);
bool ksm_counts_nonzero(const struct ksm_counts *c);

typedef int (*kv_fn)(const char *key, const char *value, void *data);
int kv_foreach(char *text, kv_fn fn, void *data);

#endif
