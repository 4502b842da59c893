/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __LINUX_KSM_TYPES_H
#define __LINUX_KSM_TYPES_H

#include <linux/list.h>
#include <linux/rbtree_types.h>
#include <linux/types.h>

/* memory.ksm.weight */
#define KSM_WEIGHT_MIN		1
#define KSM_WEIGHT_DFL		100
#define KSM_WEIGHT_MAX		10000

/**
 * struct ksm_group - what ksmd scans for one memory cgroup
 * @parent: the group of the parent memory cgroup, NULL for the root group
 * @weight: share of ksmd's work among the active siblings (memory.ksm.weight)
 * @slots: the mm slots of the mms this group owns, the next to scan first
 * @children: active child groups, by @vtime
 * @node: in @parent's @children while active
 * @vtime: pages scanned for the subtree, divided by @weight
 * @own_vtime: pages scanned in @slots, divided by the default weight
 * @min_vtime: the least virtual time a newly active child starts from
 * @nr_slots: entries on @slots
 * @nr_children: entries in @children
 * @done: the last full scan in which every slot on @slots was scanned
 * @backoff: the profit feed divides the group's share by 2^@backoff
 * @lap_visits: slots scanned to their end since the feed last looked
 * @lap_gain: pages the slots gained in merges meanwhile
 * @lap_changed: pages found changed meanwhile
 * @lap_profit: the profit of the slots scanned to their end meanwhile
 *
 * A group is active while it has slots or active children.  Everything
 * but @weight and the lap_* fields is protected by ksm_mmlist_lock; the
 * lap_* fields and @backoff are ksmd's own, under ksm_thread_mutex;
 * @weight is written with WRITE_ONCE() and read with READ_ONCE().
 * See "Scan groups" in mm/ksm.c.
 */
struct ksm_group {
	struct ksm_group *parent;
	unsigned int weight;
	struct list_head slots;
	struct rb_root_cached children;
	struct rb_node node;
	u64 vtime;
	u64 own_vtime;
	u64 min_vtime;
	unsigned long nr_slots;
	unsigned long nr_children;
	unsigned long done;
	unsigned int backoff;
	unsigned long lap_visits;
	unsigned long lap_gain;
	unsigned long lap_changed;
	long lap_profit;
};

#endif /* __LINUX_KSM_TYPES_H */
