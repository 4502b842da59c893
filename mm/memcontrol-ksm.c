// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm
 *
 * Writing 1 to a cgroup's memory.ksm makes every process in the cgroup's
 * subtree eligible for merging, as if each had called
 * prctl(PR_SET_MEMORY_MERGE, 1): present processes, children they fork,
 * processes that exec, that are cloned into the subtree with
 * CLONE_INTO_CGROUP or that migrate in.  Writing 0 stops merging and
 * unmerges what was merged because of the cgroup.
 *
 * A cgroup is "effectively" enabled when its own memory.ksm or that of any
 * ancestor is 1.  The state is not propagated: it is computed by walking up
 * from the cgroup when it is needed, as memory.zswap.writeback does, so a
 * cgroup created under an enabled parent is enabled without help.
 *
 * An mm belongs to the memory cgroup of its owner (mm->owner).  The
 * cgroup's decision is not recorded in VMA flags: ksmd asks, when it scans
 * an mm, whether the owner's memory cgroup is effectively enabled, and then
 * treats every KSM-compatible VMA as mergeable unless the process took it
 * out with MADV_UNMERGEABLE (VM_UNMERGEABLE).  This leaves VM_MERGEABLE to
 * what the process itself asked for (madvise, prctl), so that turning the
 * cgroup off never takes away a process's own choice, and it keeps VMA
 * flags identical to those of a process outside such a cgroup, so that
 * adjacent anonymous mappings still merge into one VMA.
 *
 * What the cgroup side has to keep up to date is therefore small:
 *
 * - ksmd only scans mms on its list.  Every mm of an effectively enabled
 *   cgroup is put there (ksm_memcg_enter()): by the write of 1 for present
 *   processes, by the fork, exec and attach hooks for new ones.  Such an mm
 *   is marked MMF_VM_MERGE_MEMCG: it may hold pages merged for the cgroup.
 *
 * - When an mm stops being effectively enabled (a write of 0, or its owner
 *   migrating out), the pages merged for the cgroup are unmerged
 *   (ksm_memcg_unmerge()).  A write of 0 does so before returning; for a
 *   migration, which cannot fail or sleep for long under the cgroup locks,
 *   ->attach() queues the work and ->post_attach() waits for it, so that the
 *   write to cgroup.procs returns once the pages are unmerged.
 *
 * - memcg_ksm_key counts the cgroups whose own memory.ksm is 1.  While it
 *   is zero, the fork and exec hooks and ksmd's question cost a branch that
 *   is patched out.  A writer of 1 turns it on before it walks the subtree,
 *   so the argument below holds for it too; a cgroup removed while its
 *   memory.ksm is 1 gives its count back in mem_cgroup_ksm_offline().
 *
 * Ordering against fork, exec and migration, without holding
 * cgroup_threadgroup_rwsem: a writer stores the new memory.ksm value and
 * then walks the subtree's tasks with css_task_iter, which takes
 * css_set_lock.  A forked or migrated task is linked into its css_set under
 * css_set_lock before ->fork() or ->attach() runs, and exec installs its new
 * mm under task_lock(), which the writer also takes to look at task->mm.  So
 * either the writer's walk finds the task with its mm, or the hook reads the
 * new value.  Both may act; ksm_memcg_enter() and ksm_memcg_unmerge() are
 * idempotent under the mmap_lock.
 *
 * Locking:
 *   memcg_ksm_mutex			serialises writers of memory.ksm and
 *					changes of memcg_ksm_key
 *     cpus_read_lock, jump_label_mutex	in static_branch_inc/dec()
 *     css_set_lock			inside css_task_iter, never held across
 *     task_lock			to look at task->mm, never held across
 *     mmap_lock (write)		in ksm_memcg_enter(), ksm_memcg_unmerge()
 *       ksm_mmlist_lock		in __ksm_enter()
 *
 *   ->attach(): cgroup_mutex, cgroup_threadgroup_rwsem (write)
 *     mmap_lock (write)		as cpuset_attach() takes it for mpol
 *   ->fork(): cgroup_threadgroup_rwsem (read), cgroup_mutex with
 *   CLONE_INTO_CGROUP; mmap_lock of the child's new mm, which nobody else
 *   holds yet
 *   exec: mmap_lock of the new mm, after exec_mmap() released the old one's
 *
 * The unmerge work items take mmap_lock from a workqueue, and
 * ->post_attach() waits for them with cgroup_mutex held: they must not,
 * and do not, take cgroup_mutex.
 */

#include <linux/cgroup.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/* Serialises writers of memory.ksm and changes of memcg_ksm_key. */
static DEFINE_MUTEX(memcg_ksm_mutex);

/* On while the own memory.ksm of some cgroup is 1; see above. */
DEFINE_STATIC_KEY_FALSE(memcg_ksm_key);

/* Unmerges mms that migrated out of an enabled cgroup; see above. */
static struct workqueue_struct *memcg_ksm_wq;

/**
 * mem_cgroup_ksm_enabled - is KSM enabled for @memcg by memory.ksm?
 * @memcg: memory cgroup, or NULL
 *
 * Return: true if memory.ksm of @memcg or of one of its ancestors is 1.
 * The caller keeps @memcg alive (RCU or a reference).
 */
bool mem_cgroup_ksm_enabled(struct mem_cgroup *memcg)
{
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (READ_ONCE(memcg->ksm))
			return true;
	return false;
}

/**
 * __mm_memcg_ksm_enabled - does @mm's memory cgroup ask for merging?
 * @mm: the mm; the caller holds a reference on it
 *
 * Called through mm_memcg_ksm_enabled() once memcg_ksm_key is on.
 *
 * Return: true if the memory cgroup of @mm's owner is effectively enabled.
 * Cheap enough for ksmd to ask once per mm it scans.
 */
bool __mm_memcg_ksm_enabled(struct mm_struct *mm)
{
	struct task_struct *owner;
	bool ret = false;

	if (mem_cgroup_disabled())
		return false;

	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		ret = mem_cgroup_ksm_enabled(mem_cgroup_from_task(owner));
	rcu_read_unlock();
	return ret;
}

/*
 * Return @task's mm with a reference if @task owns it, so that each mm of a
 * cgroup walk is looked at once, by its owner's cgroup.
 */
static struct mm_struct *memcg_ksm_get_owned_mm(struct task_struct *task)
{
	struct mm_struct *mm = get_task_mm(task);

	if (mm && rcu_access_pointer(mm->owner) != task) {
		mmput(mm);
		mm = NULL;
	}
	return mm;
}

/*
 * Bring @mm in line with its memory cgroup: have ksmd scan it if the cgroup
 * is enabled, unmerge what was merged for the cgroup if it is not.
 */
static int memcg_ksm_sync_mm(struct mm_struct *mm)
{
	if (mm_memcg_ksm_enabled(mm))
		return ksm_memcg_enter(mm);
	if (test_bit(MMF_VM_MERGE_MEMCG, &mm->flags))
		return ksm_memcg_unmerge(mm);
	return 0;
}

/*
 * Apply the memory.ksm state to every process of @memcg's subtree.  Stops
 * at the first error and returns it; what was done before stays done.
 */
static int memcg_ksm_sync_tree(struct mem_cgroup *memcg)
{
	struct mem_cgroup *iter;
	int err = 0;

	for (iter = mem_cgroup_iter(memcg, NULL, NULL); iter;
	     iter = mem_cgroup_iter(memcg, iter, NULL)) {
		struct css_task_iter it;
		struct task_struct *task;

		css_task_iter_start(&iter->css, 0, &it);
		while (!err && (task = css_task_iter_next(&it))) {
			struct mm_struct *mm = memcg_ksm_get_owned_mm(task);

			if (!mm)
				continue;
			err = memcg_ksm_sync_mm(mm);
			mmput(mm);
			if (!err && fatal_signal_pending(current))
				err = -EINTR;
			cond_resched();
		}
		css_task_iter_end(&it);
		if (err) {
			mem_cgroup_iter_break(memcg, iter);
			break;
		}
	}
	return err;
}

/**
 * __mem_cgroup_ksm_fork - a new task is linked into its memory cgroup
 * @task: the new task
 *
 * Called from the memory controller's ->fork(), through
 * mem_cgroup_ksm_fork() once memcg_ksm_key is on.  A child that shares its
 * parent's mm changes nothing.  A child with its own mm is put on ksmd's
 * list if its cgroup is enabled: ksm_fork() already did so if the parent
 * was merging, but a child cloned into another cgroup (CLONE_INTO_CGROUP)
 * may land in an enabled cgroup from one that is not.  Best effort, as
 * ksm_fork() is: only a failed allocation of a few bytes leaves the child
 * unmerged.
 */
void __mem_cgroup_ksm_fork(struct task_struct *task)
{
	struct mm_struct *mm = memcg_ksm_get_owned_mm(task);

	if (!mm)
		return;
	if (mm_memcg_ksm_enabled(mm))
		ksm_memcg_enter(mm);
	mmput(mm);
}

/**
 * __mem_cgroup_ksm_exec - a task installed the mm of a new program
 * @mm: the new mm, owned by current
 *
 * Called from exec after the new mm is installed, through
 * mem_cgroup_ksm_exec() once memcg_ksm_key is on.  Like ksm_execve() for
 * prctl(PR_SET_MEMORY_MERGE), this keeps a process merging across execve().
 */
void __mem_cgroup_ksm_exec(struct mm_struct *mm)
{
	if (mm_memcg_ksm_enabled(mm))
		ksm_memcg_enter(mm);
}

struct memcg_ksm_unmerge_work {
	struct work_struct work;
	struct mm_struct *mm;
};

static void memcg_ksm_unmerge_workfn(struct work_struct *work)
{
	struct memcg_ksm_unmerge_work *uw =
		container_of(work, struct memcg_ksm_unmerge_work, work);

	memcg_ksm_sync_mm(uw->mm);
	mmput(uw->mm);
	kfree(uw);
}

/**
 * mem_cgroup_ksm_attach - tasks migrated to new memory cgroups
 * @tset: the migrating tasks
 *
 * Called from the memory controller's ->attach(), with cgroup_mutex and
 * cgroup_threadgroup_rwsem held.  An mm whose owner moved into an enabled
 * cgroup is put on ksmd's list here.  An mm that may hold pages merged for
 * its old cgroup and whose new one is not enabled is unmerged from a work
 * item that mem_cgroup_ksm_post_attach() waits for.  If that work item
 * cannot be allocated, ksmd stops merging the mm all the same but its
 * merged pages stay merged until memory.ksm of the new cgroup is written.
 */
void mem_cgroup_ksm_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *css;
	struct task_struct *task;

	cgroup_taskset_for_each(task, css, tset) {
		struct memcg_ksm_unmerge_work *uw;
		struct mm_struct *mm = memcg_ksm_get_owned_mm(task);

		if (!mm)
			continue;
		if (mm_memcg_ksm_enabled(mm)) {
			ksm_memcg_enter(mm);
		} else if (test_bit(MMF_VM_MERGE_MEMCG, &mm->flags)) {
			uw = kmalloc(sizeof(*uw), GFP_KERNEL);
			if (uw) {
				INIT_WORK(&uw->work, memcg_ksm_unmerge_workfn);
				uw->mm = mm;
				queue_work(memcg_ksm_wq, &uw->work);
				continue;	/* the work item puts mm */
			}
		}
		mmput(mm);
	}
}

/**
 * mem_cgroup_ksm_post_attach - wait for the unmerging that attach queued
 *
 * Called from the memory controller's ->post_attach(), without cgroup locks.
 */
void mem_cgroup_ksm_post_attach(void)
{
	flush_workqueue(memcg_ksm_wq);
}

static int memory_ksm_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));

	seq_printf(m, "%d\n", READ_ONCE(memcg->ksm));
	return 0;
}

/*
 * Writing 1 returns once every process of the subtree is on ksmd's list;
 * writing 0 returns once the pages merged for the cgroup are unmerged.
 * The value is stored first and stays stored if applying it fails: with 1,
 * ksmd merges every process it already has on its list, and with 0 it
 * merges none of the subtree's processes any more (for the cgroup's sake),
 * but some of their pages may still be merged.  Writing the same value
 * again finishes the job.
 */
static ssize_t memory_ksm_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	bool enable;
	int err;

	buf = strstrip(buf);
	if (!strcmp(buf, "1"))
		enable = true;
	else if (!strcmp(buf, "0"))
		enable = false;
	else
		return -EINVAL;

	err = mutex_lock_killable(&memcg_ksm_mutex);
	if (err)
		return err;
	if (enable != memcg->ksm) {
		if (enable)
			static_branch_inc(&memcg_ksm_key);
		WRITE_ONCE(memcg->ksm, enable);
		if (!enable)
			static_branch_dec(&memcg_ksm_key);
	}
	/*
	 * Turning the cgroup off under an enabled ancestor changes nothing;
	 * in all other cases bring the subtree's processes in line.
	 */
	if (enable || !mem_cgroup_ksm_enabled(memcg))
		err = memcg_ksm_sync_tree(memcg);
	mutex_unlock(&memcg_ksm_mutex);

	return err ?: nbytes;
}

/**
 * mem_cgroup_ksm_offline - a memory cgroup is being removed
 * @memcg: the cgroup, which has no tasks and no live children left
 *
 * Gives back the cgroup's count in memcg_ksm_key.
 */
void mem_cgroup_ksm_offline(struct mem_cgroup *memcg)
{
	mutex_lock(&memcg_ksm_mutex);
	if (memcg->ksm) {
		WRITE_ONCE(memcg->ksm, false);
		static_branch_dec(&memcg_ksm_key);
	}
	mutex_unlock(&memcg_ksm_mutex);
}

static struct cftype memcg_ksm_files[] = {
	{
		.name = "ksm",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = memory_ksm_show,
		.write = memory_ksm_write,
	},
	{ }	/* terminate */
};

static int __init mem_cgroup_ksm_init(void)
{
	if (mem_cgroup_disabled())
		return 0;

	memcg_ksm_wq = alloc_workqueue("memcg_ksm", WQ_UNBOUND, 0);
	if (WARN_ON(!memcg_ksm_wq))
		return -ENOMEM;
	WARN_ON(cgroup_add_dfl_cftypes(&memory_cgrp_subsys, memcg_ksm_files));
	return 0;
}
subsys_initcall(mem_cgroup_ksm_init);
