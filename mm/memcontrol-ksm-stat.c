// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm.stat
 *
 * What KSM saves and costs for the processes of a cgroup's subtree,
 * whichever way they asked for merging (memory.ksm, prctl, madvise): the
 * numbers of /proc/<pid>/ksm_stat, summed, an mm shared by several
 * processes counted once; and the KSM pages charged to the subtree
 * (NR_KSM_PAGES of memory.stat), the copies kept of what was merged.
 *
 * profit is what merging saves the subtree: every page of its processes
 * that maps a KSM page or the zero page is a page not charged to it, but
 * for the KSM pages that are, minus KSM's metadata for its pages.  Summed
 * over the root's children (and the root's own processes) that is
 * general_profit, and it is the drop of memory.current that merging
 * brought, but for the metadata, which ksmd allocates uncharged.  A
 * process's ksm_process_profit counts every page that maps a KSM page,
 * the copy kept among them.
 *
 * Every mm on ksmd's list has a charge in its mm slot: what its counters
 * last added to the memcg_ksm_stat of its owner's memory cgroup and of
 * every ancestor up to, not including, the root.  The charge is brought up
 * to date (mem_cgroup_ksm_account()):
 *
 * - by ksmd, when it has scanned a batch of the mm's pages and when it
 *   leaves the mm: ksmd is the one that changes the mm's counters, under
 *   ksm_thread_mutex (KSM zero pages, which are unmapped anywhere, are
 *   caught up with at the next call);
 * - when the mm's owner moves to another memory cgroup, or the mm passes to
 *   an owner in another one (ksm_migrate_mm()): the whole charge moves to
 *   the new cgroup at once, without waiting for ksmd.
 *
 * The charge is given back (mem_cgroup_ksm_uncharge()) when the mm exits,
 * also when ksmd is not running to free its slot, so that a removed cgroup
 * is not kept by the reference the charge holds.  Reading the file sums
 * nothing: once ksmd has been over every mm since the last change (a full
 * scan) each cgroup's numbers are the sums over its subtree's processes.
 * pages_scanned only grows: it stays with the cgroup where the pages were
 * scanned.
 *
 * Locking: charges are updated under ksm_mmlist_lock, a spinlock, which
 * also serialises the writers of memcg_ksm_stat_seq.  A reader of the file
 * reads a cgroup's counters in one read section of that seqcount, so that
 * the numbers it shows, profit among them, are of one instant.
 */

#include <linux/cgroup.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/seqlock.h>

/* Writers hold ksm_mmlist_lock (mm/ksm.c) */
static seqcount_t memcg_ksm_stat_seq = SEQCNT_ZERO(memcg_ksm_stat_seq);

/* Add to memory.ksm.stat of @memcg and of its ancestors but the root. */
static void memcg_ksm_stat_add(struct mem_cgroup *memcg, long merging_pages,
			       long zero_pages, long rmap_items,
			       unsigned long pages_scanned)
{
	for (; memcg && !mem_cgroup_is_root(memcg);
	     memcg = parent_mem_cgroup(memcg)) {
		struct memcg_ksm_stat *stat = &memcg->ksm_stat;

		atomic_long_add(merging_pages, &stat->merging_pages);
		atomic_long_add(zero_pages, &stat->zero_pages);
		atomic_long_add(rmap_items, &stat->rmap_items);
		atomic_long_add(pages_scanned, &stat->pages_scanned);
	}
}

static void __mem_cgroup_ksm_uncharge(struct mem_cgroup_ksm_charge *charge)
{
	if (!charge->memcg)
		return;
	memcg_ksm_stat_add(charge->memcg, -charge->merging_pages,
			   -charge->zero_pages, -charge->rmap_items, 0);
	css_put(&charge->memcg->css);
	memset(charge, 0, sizeof(*charge));
}

/**
 * mem_cgroup_ksm_account - bring an mm's share of memory.ksm.stat up to date
 * @charge: what @mm's counters added so far
 * @mm: the mm of a ksmd mm slot, alive (mm_users not 0)
 * @pages_scanned: pages ksmd scanned in @mm since it last called this
 *
 * Called with ksm_mmlist_lock held.  Charges the change of @mm's counters,
 * and @pages_scanned, to the memory cgroup of @mm's owner.  If that is
 * another cgroup than the one charged so far, the whole charge moves there.
 */
void mem_cgroup_ksm_account(struct mem_cgroup_ksm_charge *charge,
			    struct mm_struct *mm, unsigned long pages_scanned)
{
	/* ksmd may be changing them: any value it stored is fine */
	long merging_pages = READ_ONCE(mm->ksm_merging_pages);
	long zero_pages = mm_ksm_zero_pages(mm);
	long rmap_items = READ_ONCE(mm->ksm_rmap_items);
	struct mem_cgroup *memcg;

	if (mem_cgroup_disabled())
		return;

	memcg = get_mem_cgroup_from_mm(mm);
	write_seqcount_begin(&memcg_ksm_stat_seq);
	if (memcg == charge->memcg) {
		css_put(&memcg->css);
	} else {
		__mem_cgroup_ksm_uncharge(charge);
		charge->memcg = memcg;		/* takes over the reference */
	}
	memcg_ksm_stat_add(charge->memcg,
			   merging_pages - charge->merging_pages,
			   zero_pages - charge->zero_pages,
			   rmap_items - charge->rmap_items, pages_scanned);
	charge->merging_pages = merging_pages;
	charge->zero_pages = zero_pages;
	charge->rmap_items = rmap_items;
	write_seqcount_end(&memcg_ksm_stat_seq);
}

/**
 * mem_cgroup_ksm_uncharge - take an mm's share out of memory.ksm.stat
 * @charge: what the mm's counters added so far
 *
 * Called with ksm_mmlist_lock held, when the mm exits or its slot is freed.
 */
void mem_cgroup_ksm_uncharge(struct mem_cgroup_ksm_charge *charge)
{
	if (!charge->memcg)
		return;
	write_seqcount_begin(&memcg_ksm_stat_seq);
	__mem_cgroup_ksm_uncharge(charge);
	write_seqcount_end(&memcg_ksm_stat_seq);
}

static int memory_ksm_stat_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));
	struct memcg_ksm_stat *stat = &memcg->ksm_stat;
	long merging_pages, zero_pages, rmap_items, ksm_pages;
	unsigned long pages_scanned;
	unsigned int seq;

	mem_cgroup_flush_stats(memcg);
	ksm_pages = memcg_page_state(memcg, NR_KSM_PAGES);

	do {
		seq = read_seqcount_begin(&memcg_ksm_stat_seq);
		merging_pages = atomic_long_read(&stat->merging_pages);
		zero_pages = atomic_long_read(&stat->zero_pages);
		rmap_items = atomic_long_read(&stat->rmap_items);
		pages_scanned = atomic_long_read(&stat->pages_scanned);
	} while (read_seqcount_retry(&memcg_ksm_stat_seq, seq));

	seq_printf(m, "effective %d\n", mem_cgroup_ksm_enabled(memcg));
	seq_printf(m, "merging_pages %ld\n", merging_pages);
	seq_printf(m, "zero_pages %ld\n", zero_pages);
	seq_printf(m, "rmap_items %ld\n", rmap_items);
	seq_printf(m, "profit %ld\n", ksm_memcg_profit(merging_pages, zero_pages,
						       rmap_items, ksm_pages));
	seq_printf(m, "pages_scanned %lu\n", pages_scanned);
	seq_printf(m, "ksm_pages %ld\n", ksm_pages);
	seq_printf(m, "domain_pages_shared %lu\n",
		   ksm_domain_pages_shared(mem_cgroup_ksm_domain(memcg)));
	return 0;
}

static struct cftype memcg_ksm_stat_files[] = {
	{
		.name = "ksm.stat",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = memory_ksm_stat_show,
	},
	{ }	/* terminate */
};

static int __init mem_cgroup_ksm_stat_init(void)
{
	if (mem_cgroup_disabled())
		return 0;

	WARN_ON(cgroup_add_dfl_cftypes(&memory_cgrp_subsys,
				       memcg_ksm_stat_files));
	return 0;
}
subsys_initcall(mem_cgroup_ksm_stat_init);
