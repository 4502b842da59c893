// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm.weight
 *
 * Every memory cgroup has a ksmd scan group (struct ksm_group), which
 * ksmd's scheduler in mm/ksm.c ("Scan groups") uses to divide its work
 * among the cgroups that own mms on its list: in proportion to
 * memory.ksm.weight among the active siblings, from the root down.  This
 * file holds the cgroup side: the file, the group's place in the
 * hierarchy, and the references that keep a group while ksmd has mms in
 * it.
 *
 * Locking: the weight is written with WRITE_ONCE() and read by ksmd with
 * READ_ONCE(); a new weight counts from the next pages ksmd scans.  A
 * group is set up in ->css_online(), before any task can join the cgroup,
 * and lives as long as the cgroup's css: each mm slot in a group holds a
 * css reference, taken by mem_cgroup_ksm_group_get().
 */

#include <linux/cgroup.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>

/**
 * mem_cgroup_ksm_online - set up a memory cgroup's scan group
 * @memcg: the cgroup going online
 */
void mem_cgroup_ksm_online(struct mem_cgroup *memcg)
{
	struct mem_cgroup *parent = parent_mem_cgroup(memcg);

	ksm_group_init(&memcg->ksm_group,
		       parent && !mem_cgroup_is_root(parent) ?
		       &parent->ksm_group : NULL);
}

/**
 * mem_cgroup_ksm_group_get - the scan group of an mm's memory cgroup
 * @mm: the mm
 *
 * Return: the group of the memory cgroup of @mm's owner, with a css
 * reference, or NULL when that is the root cgroup, the mm has no owner, or
 * the memory controller is disabled: such mms are the root group's.
 */
struct ksm_group *mem_cgroup_ksm_group_get(struct mm_struct *mm)
{
	struct mem_cgroup *memcg;

	if (mem_cgroup_disabled())
		return NULL;

	memcg = get_mem_cgroup_from_mm(mm);
	if (mem_cgroup_is_root(memcg)) {
		css_put(&memcg->css);
		return NULL;
	}
	return &memcg->ksm_group;
}

/**
 * mem_cgroup_ksm_group_put - drop what mem_cgroup_ksm_group_get() took
 * @group: a group it returned
 */
void mem_cgroup_ksm_group_put(struct ksm_group *group)
{
	css_put(&container_of(group, struct mem_cgroup, ksm_group)->css);
}

static int memory_ksm_weight_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));

	seq_printf(m, "%u\n", READ_ONCE(memcg->ksm_group.weight));
	return 0;
}

static ssize_t memory_ksm_weight_write(struct kernfs_open_file *of,
				       char *buf, size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	unsigned int weight;

	if (kstrtouint(strstrip(buf), 10, &weight) ||
	    weight < KSM_WEIGHT_MIN || weight > KSM_WEIGHT_MAX)
		return -EINVAL;

	WRITE_ONCE(memcg->ksm_group.weight, weight);
	return nbytes;
}

static struct cftype memcg_ksm_weight_files[] = {
	{
		.name = "ksm.weight",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = memory_ksm_weight_show,
		.write = memory_ksm_weight_write,
	},
	{ }	/* terminate */
};

static int __init mem_cgroup_ksm_weight_init(void)
{
	if (mem_cgroup_disabled())
		return 0;

	WARN_ON(cgroup_add_dfl_cftypes(&memory_cgrp_subsys,
				       memcg_ksm_weight_files));
	return 0;
}
subsys_initcall(mem_cgroup_ksm_weight_init);
