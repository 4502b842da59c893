// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm.weight
 *
 * Every memory cgroup but the root has a ksmd scan group (struct ksm_group,
 * private to mm/ksm.c), which ksmd's scheduler ("Scan groups" in mm/ksm.c)
 * uses to divide its work among the cgroups that own mms on its list: in
 * proportion to memory.ksm.weight among the active siblings, from the root
 * down.  This file holds the cgroup side: the file, the group's life with
 * the cgroup, and the references that keep a cgroup while ksmd has mms in
 * its group.
 *
 * Locking: the weight is written with WRITE_ONCE() and read by ksmd with
 * READ_ONCE(); a new weight counts from the next pages ksmd scans.  A
 * group is allocated with its memory cgroup, before any task can join it,
 * and freed with it: each mm slot in a group holds a reference on the
 * cgroup's css, taken by mem_cgroup_ksm_group_get(), so the cgroup is not
 * freed before its group is empty.
 */

#include <linux/cgroup.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>

/**
 * mem_cgroup_ksm_alloc - allocate a memory cgroup's scan group
 * @memcg: the cgroup being allocated
 * @parent: its parent, NULL for the root cgroup
 *
 * The root cgroup's mms belong to ksmd's root group, which has no cgroup.
 *
 * Return: 0, or -ENOMEM.
 */
int mem_cgroup_ksm_alloc(struct mem_cgroup *memcg, struct mem_cgroup *parent)
{
	if (!parent)
		return 0;
	memcg->ksm_group = ksm_group_alloc(parent->ksm_group, &memcg->css);
	return memcg->ksm_group ? 0 : -ENOMEM;
}

/**
 * mem_cgroup_ksm_free - free a memory cgroup's scan group
 * @memcg: the cgroup being freed
 */
void mem_cgroup_ksm_free(struct mem_cgroup *memcg)
{
	ksm_group_free(memcg->ksm_group);
}

/**
 * mem_cgroup_ksm_group_get - the scan group of an mm's memory cgroup
 * @mm: the mm
 *
 * Return: the group of the memory cgroup of @mm's owner, with a reference
 * on the cgroup's css, or NULL when that is the root cgroup, the mm has no
 * owner, or the memory controller is disabled: such mms are the root
 * group's.
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
	return memcg->ksm_group;
}

static int memory_ksm_weight_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));

	seq_printf(m, "%u\n", ksm_group_weight(memcg->ksm_group));
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

	ksm_group_set_weight(memcg->ksm_group, weight);
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
