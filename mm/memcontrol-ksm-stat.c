// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm.stat
 *
 * What KSM saves and costs for the processes of a cgroup's subtree,
 * whichever way they asked for merging (memory.ksm, prctl, madvise): the
 * numbers of /proc/<pid>/ksm_stat, summed.
 *
 * Every mm on ksmd's list has a charge in its mm slot: what its counters
 * last added to the memcg_ksm_stat of its owner's memory cgroup and of
 * every ancestor up to, not including, the root.  ksmd brings the charge
 * up to date with mem_cgroup_ksm_account() when it has scanned a batch of
 * the mm's pages and when it leaves the mm, under ksm_thread_mutex, which
 * is also what keeps the mm's counters still (KSM zero pages, which are
 * unmapped anywhere, are caught up with at the next call).  If the owner
 * moved to another memory cgroup, the whole charge moves with it then.
 * When ksmd frees the slot (the mm exited, or has nothing to merge any
 * more) the charge is given back.  Reading the file therefore sums
 * nothing, and once ksmd has been over every mm (a full scan) each
 * cgroup's numbers are the sums over its subtree's processes.
 * pages_scanned only grows: it stays with the cgroup where the pages were
 * scanned.
 *
 * Locking:
 *   mem_cgroup_ksm_account(): ksm_thread_mutex (ksmd), sometimes the mm's
 *   mmap_lock (read); takes rcu_read_lock only.  mem_cgroup_ksm_uncharge()
 *   is also called by __ksm_exit() without ksm_thread_mutex, for a slot
 *   that is off ksmd's list already and that nobody else can reach.  The
 *   counters are atomic: a reader sees each one whole, not all of them at
 *   one instant.
 */

#include <linux/cgroup.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

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

/**
 * mem_cgroup_ksm_account - bring an mm's share of memory.ksm.stat up to date
 * @charge: what @mm's counters added so far
 * @mm: the mm of a ksmd mm slot
 *
 * Called by ksmd with ksm_thread_mutex held.  Charges the change of @mm's
 * counters and the pages scanned since the last call to the memory cgroup
 * of @mm's owner.  If the owner moved to another cgroup, the charge moves
 * from the old cgroup to the new one.  An mm without an owner (exiting)
 * counts as the root cgroup's, which memory.ksm.stat does not show.
 */
void mem_cgroup_ksm_account(struct mem_cgroup_ksm_charge *charge,
			    struct mm_struct *mm)
{
	long merging_pages = mm->ksm_merging_pages;
	long zero_pages = mm_ksm_zero_pages(mm);
	long rmap_items = mm->ksm_rmap_items;
	struct mem_cgroup *memcg;

	if (mem_cgroup_disabled())
		return;

	memcg = get_mem_cgroup_from_mm(mm);
	if (memcg == charge->memcg) {
		css_put(&memcg->css);
	} else {
		mem_cgroup_ksm_uncharge(charge);
		charge->memcg = memcg;		/* takes over the reference */
	}
	memcg_ksm_stat_add(charge->memcg,
			   merging_pages - charge->merging_pages,
			   zero_pages - charge->zero_pages,
			   rmap_items - charge->rmap_items,
			   charge->pages_scanned);
	charge->merging_pages = merging_pages;
	charge->zero_pages = zero_pages;
	charge->rmap_items = rmap_items;
	charge->pages_scanned = 0;
}

/**
 * mem_cgroup_ksm_uncharge - take an mm's share out of memory.ksm.stat
 * @charge: what the mm's counters added so far
 *
 * Called when ksmd frees the mm's slot, or the mm moves to another cgroup.
 * Pages scanned and not charged yet are charged to the cgroup first.
 */
void mem_cgroup_ksm_uncharge(struct mem_cgroup_ksm_charge *charge)
{
	if (!charge->memcg)
		return;

	memcg_ksm_stat_add(charge->memcg, -charge->merging_pages,
			   -charge->zero_pages, -charge->rmap_items,
			   charge->pages_scanned);
	css_put(&charge->memcg->css);
	memset(charge, 0, sizeof(*charge));
}

static int memory_ksm_stat_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));
	struct memcg_ksm_stat *stat = &memcg->ksm_stat;
	long merging_pages = atomic_long_read(&stat->merging_pages);
	long zero_pages = atomic_long_read(&stat->zero_pages);
	long rmap_items = atomic_long_read(&stat->rmap_items);

	seq_printf(m, "effective %d\n", mem_cgroup_ksm_enabled(memcg));
	seq_printf(m, "merging_pages %ld\n", merging_pages);
	seq_printf(m, "zero_pages %ld\n", zero_pages);
	seq_printf(m, "rmap_items %ld\n", rmap_items);
	seq_printf(m, "profit %ld\n",
		   ksm_memcg_profit(merging_pages, zero_pages, rmap_items));
	seq_printf(m, "pages_scanned %lu\n",
		   (unsigned long)atomic_long_read(&stat->pages_scanned));
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
