// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm.isolated
 *
 * A cgroup whose memory.ksm.isolated is 1 makes its subtree a KSM merge
 * domain of its own, keyed by its cgroup id, which is never reused (see
 * "Merge domains" in mm/ksm.c: KSM merges two pages only if their mms are
 * in the same domain).  A cgroup that is not isolated is in the domain of
 * its nearest isolated ancestor, or in the root domain, 0.  As for
 * memory.ksm, the state is not propagated but computed by walking up when
 * needed, so a cgroup created under an isolated parent is in its domain
 * without help, and a delegatee can narrow its domain but never widen it.
 *
 * An mm is put in the domain of its owner's cgroup whenever it is brought
 * in line with that cgroup for memory.ksm (ksm_memcg_enter_locked() and
 * ksm_memcg_unmerge_locked() begin with ksm_memcg_domain_sync_locked()):
 * by the writer of either file, for every process of the subtree, before
 * the write returns; by the task itself before it returns to user space,
 * after a migration, a clone into another domain or an owner handoff
 * (__ksm_migrate_mm() asks for that when the domain changes).  The mm of
 * a new program starts in its task's domain (mem_cgroup_ksm_domain_exec()).
 *
 * ksm_domains_key counts the cgroups whose memory.ksm.isolated is 1, as
 * memcg_ksm_key counts memory.ksm: until a cgroup is isolated, every mm is
 * in the root domain and the hooks cost a patched-out branch.
 *
 * Locking: memory.ksm.isolated is written with xchg() and read with
 * READ_ONCE(), under no lock; an mm's domain changes only under its
 * mmap_lock for writing (ksm_domain_sync_locked()).  The writer stores the
 * value and then walks the subtree (mem_cgroup_ksm_sync_subtree()), which
 * orders against fork, exec and migration as for memory.ksm.
 */

#include <linux/cgroup.h>
#include <linux/jump_label_ratelimit.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

/**
 * mem_cgroup_ksm_domain - the KSM merge domain of @memcg
 * @memcg: memory cgroup, or NULL; the caller keeps it alive
 *
 * Return: the cgroup id of the nearest of @memcg and its ancestors whose
 * memory.ksm.isolated is 1, or 0 (the root domain) if there is none.
 */
u64 mem_cgroup_ksm_domain(struct mem_cgroup *memcg)
{
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (READ_ONCE(memcg->ksm_isolated))
			return cgroup_id(memcg->css.cgroup);
	return 0;
}

/**
 * mm_memcg_ksm_domain - the merge domain of @mm's memory cgroup
 * @mm: the mm; the caller keeps it alive
 *
 * Return: the merge domain of the memory cgroup of @mm's owner.
 */
u64 mm_memcg_ksm_domain(struct mm_struct *mm)
{
	struct task_struct *owner;
	u64 domain = 0;

	if (mem_cgroup_disabled())
		return 0;

	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		domain = mem_cgroup_ksm_domain(mem_cgroup_from_task(owner));
	rcu_read_unlock();
	return domain;
}

/**
 * mem_cgroup_ksm_domain_exec - put a new program's mm in current's domain
 * @mm: the mm exec made for current, not in use yet
 *
 * Called through ksm_execve() before ksmd can know @mm.
 */
void mem_cgroup_ksm_domain_exec(struct mm_struct *mm)
{
	if (mem_cgroup_disabled())
		return;

	rcu_read_lock();
	mm->ksm_domain = mem_cgroup_ksm_domain(mem_cgroup_from_task(current));
	rcu_read_unlock();
}

static int memory_ksm_isolated_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));

	seq_printf(m, "%d\n", READ_ONCE(memcg->ksm_isolated));
	return 0;
}

/*
 * Writing moves the processes of the subtree whose merge domain changes
 * into their new one, and returns once what they had merged in the old
 * one is unmerged.  The value is stored first, and stays stored if that
 * fails: see memory.ksm.isolated in Documentation/admin-guide/cgroup-v2.rst.
 */
static ssize_t memory_ksm_isolated_write(struct kernfs_open_file *of,
					 char *buf, size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	int isolated, err;

	buf = strstrip(buf);
	if (!strcmp(buf, "1"))
		isolated = 1;
	else if (!strcmp(buf, "0"))
		isolated = 0;
	else
		return -EINVAL;

	/* The key goes on before the value, as memcg_ksm_key does */
	if (isolated)
		static_branch_deferred_inc(&ksm_domains_key);
	if (xchg(&memcg->ksm_isolated, isolated) == isolated) {
		if (isolated)
			static_branch_slow_dec_deferred(&ksm_domains_key);
	} else if (!isolated) {
		static_branch_slow_dec_deferred(&ksm_domains_key);
	}

	err = mem_cgroup_ksm_sync_subtree(memcg);
	return err ?: nbytes;
}

/**
 * mem_cgroup_ksm_domain_offline - a memory cgroup is being removed
 * @memcg: the cgroup, which has no tasks and no live children left
 *
 * Called under cgroup_mutex: gives back the cgroup's count in
 * ksm_domains_key, which does not block.  The KSM pages of the domain stay
 * in ksmd's trees, keyed by the cgroup's id, until their last mapping goes.
 */
void mem_cgroup_ksm_domain_offline(struct mem_cgroup *memcg)
{
	if (xchg(&memcg->ksm_isolated, 0))
		static_branch_slow_dec_deferred(&ksm_domains_key);
}

static struct cftype memcg_ksm_domain_files[] = {
	{
		.name = "ksm.isolated",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = memory_ksm_isolated_show,
		.write = memory_ksm_isolated_write,
	},
	{ }	/* terminate */
};

static int __init mem_cgroup_ksm_domain_init(void)
{
	if (mem_cgroup_disabled())
		return 0;

	WARN_ON(cgroup_add_dfl_cftypes(&memory_cgrp_subsys,
				       memcg_ksm_domain_files));
	return 0;
}
subsys_initcall(mem_cgroup_ksm_domain_init);
