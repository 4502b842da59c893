// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel Samepage Merging for memory cgroups: memory.ksm
 *
 * Writing 1 to a cgroup's memory.ksm makes every process in the cgroup's
 * subtree eligible for merging, as if each had called
 * prctl(PR_SET_MEMORY_MERGE, 1): present processes, children they fork,
 * processes that exec, that are cloned into the subtree with
 * CLONE_INTO_CGROUP or that migrate in.  Writing 0 stops that merging and
 * unmerges what was merged because of the cgroup; what a process asked
 * for itself (MADV_MERGEABLE, PR_SET_MEMORY_MERGE) stays.
 *
 * A cgroup is "effectively" enabled when its own memory.ksm or that of an
 * ancestor is 1.  The state is not propagated: it is computed by walking up
 * when needed, as memory.zswap.writeback does, so a cgroup created under an
 * enabled parent is enabled without help.  An mm belongs to the memory
 * cgroup of its owner (mm->owner).
 *
 * An mm is merged for its cgroup while it carries MMF_VM_MERGE_MEMCG (see
 * "Merging for the memory cgroup" in mm/ksm.c): set under mmap_lock when
 * the mm is put on ksmd's list for the cgroup, inherited on fork with the
 * pages, cleared under mmap_lock once the cgroup's pages are unmerged.
 * Bringing an mm in line with its cgroup (memcg_ksm_sync_locked()) sets or
 * clears it as the cgroup now asks.  That happens:
 *
 * - in the writer of memory.ksm, for every process of the subtree, before
 *   the write returns;
 *
 * - in the tasks themselves, before they return to user space, when
 *   something else may have changed what their cgroup asks of their mm: a
 *   migration (->attach()), an owner handoff (mm_update_next_owner()), a
 *   fork (the child may be in another cgroup than its parent, or the
 *   parent's mm was not merged yet), an exec (the new mm), or ksmd finding
 *   an mm merged for a cgroup that no longer asks for it.  Those paths only
 *   set MMF_VM_MERGE_MEMCG_SYNC and TIF_NOTIFY_RESUME (mem_cgroup_ksm_
 *   request()); they run under cgroup locks, task_lock or tasklist_lock,
 *   where neither unmerging nor mmap_lock belong.  The work, which can
 *   sleep, allocate and fail, is done and charged to the task, in
 *   __mem_cgroup_ksm_resume().  So a process migrated out of an enabled
 *   cgroup unmerges before it next runs user code in its new one, and a
 *   forked child before its first instruction.  An mm that the cgroup may
 *   start to merge is also entered at once from a work item
 *   (mem_cgroup_ksm_enter_async()), as a process that sleeps does not
 *   return to user space to do it.
 *
 * Resume protocol: a requester changes the state first (the cgroup core
 * moved the task, the owner changed), then sets SYNC.  A task returning to
 * user space takes mmap_lock for writing if it sees SYNC or BUSY, sets
 * BUSY, and clears SYNC before each look at the state, until SYNC stays
 * clear; then it clears BUSY.  A thread of the same mm that sees neither
 * bit knows that every request made before was served by a sync that has
 * finished; one that sees either waits on mmap_lock for the sync under way.
 *
 * memcg_ksm_key counts the cgroups whose own memory.ksm is 1; while it is
 * off the fork and exec hooks and ksmd's question cost a patched-out
 * branch.  Turning it off is deferred by a second, so that writers (a
 * cgroup's delegatee among them) cannot have kernel text patched, with
 * IPIs to every CPU, at the rate they write.
 *
 * Ordering against fork, exec and migration: a writer stores the new value
 * and then walks the subtree's processes with css_task_iter, under
 * css_set_lock, and reads task->mm under task_lock.  A forked or migrated
 * task is linked into its css_set under css_set_lock before ->fork() or
 * ->attach() runs, and exec installs its new mm under task_lock before
 * mem_cgroup_ksm_exec().  So either the writer's walk finds the task with
 * its mm, or the hook sees the new value.
 *
 * Locking:
 *   memory_ksm_write(): no cgroup lock; for each mm of the subtree
 *     css_set_lock (in css_task_iter), task_lock	never held across
 *     mmap_lock (write)			memcg_ksm_sync_locked()
 *       ksm_mmlist_lock			in __ksm_enter()
 *   ->attach(): cgroup_mutex, cgroup_threadgroup_rwsem (write)
 *     task_lock				to look at task->mm
 *       kmalloc(GFP_NOWAIT), queue_work()	mem_cgroup_ksm_enter_async()
 *   mm_update_next_owner(): tasklist_lock (read), task_lock
 *   ->fork(): cgroup_threadgroup_rwsem (read), cgroup_mutex with
 *     CLONE_INTO_CGROUP
 *   ->css_offline(): cgroup_mutex
 *     memcg_ksm_key: a deferred decrement, which does not block
 *   __mem_cgroup_ksm_resume(), memcg_ksm_enter_workfn(): no lock
 *     mmap_lock (write)			memcg_ksm_sync_locked(),
 *						ksm_memcg_enter_locked()
 */

#include <linux/cgroup.h>
#include <linux/jump_label_ratelimit.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/resume_user_mode.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

DEFINE_STATIC_KEY_DEFERRED_FALSE(memcg_ksm_key, HZ);

/**
 * mem_cgroup_ksm_enabled - is @memcg effectively enabled by memory.ksm?
 * @memcg: memory cgroup, or NULL; the caller keeps it alive
 *
 * Return: true if memory.ksm of @memcg or of one of its ancestors is 1.
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
 * @mm: the mm; the caller keeps it alive
 *
 * Called through mm_memcg_ksm_enabled() once memcg_ksm_key is on.
 *
 * Return: true if the memory cgroup of @mm's owner is effectively enabled.
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

/* Bring @mm in line with its memory cgroup; mmap_lock held for writing. */
static int memcg_ksm_sync_locked(struct mm_struct *mm)
{
	if (mm_memcg_ksm_enabled(mm))
		return ksm_memcg_enter_locked(mm);
	return ksm_memcg_unmerge_locked(mm);
}

/**
 * mem_cgroup_ksm_request - have @task bring @mm in line with its cgroup
 * @mm: the mm of @task, kept alive by the caller
 * @task: a task that uses @mm
 *
 * @task does it before it next returns to user space (a task running in
 * user space is interrupted to do so).  The caller has changed what @mm's
 * memory cgroup asks for before calling.  Does not sleep.
 */
void mem_cgroup_ksm_request(struct mm_struct *mm, struct task_struct *task)
{
	smp_mb__before_atomic();	/* the change, then the request */
	set_bit(MMF_VM_MERGE_MEMCG_SYNC, &mm->flags);
	set_notify_resume(task);
}

/**
 * mem_cgroup_ksm_request_owner - have @mm's owner bring it in line
 * @mm: an mm merged for a cgroup that no longer asks for it; the caller
 *      keeps it alive
 *
 * ksmd's way of asking again for an mm whose unmerging failed.
 */
void mem_cgroup_ksm_request_owner(struct mm_struct *mm)
{
	struct task_struct *owner;

	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		mem_cgroup_ksm_request(mm, owner);
	rcu_read_unlock();
}

struct memcg_ksm_enter_work {
	struct work_struct work;
	struct mm_struct *mm;
};

static void memcg_ksm_enter_workfn(struct work_struct *work)
{
	struct memcg_ksm_enter_work *ew =
		container_of(work, struct memcg_ksm_enter_work, work);
	struct mm_struct *mm = ew->mm;

	if (mmget_not_zero(mm)) {
		if (!mmap_write_lock_killable(mm)) {
			if (mm_memcg_ksm_enabled(mm))
				ksm_memcg_enter_locked(mm);
			mmap_write_unlock(mm);
		}
		mmput(mm);
	}
	mmdrop(mm);
	kfree(ew);
}

/**
 * mem_cgroup_ksm_enter_async - enter @mm for its cgroup from a work item
 * @mm: an mm whose memory cgroup may start to merge it; the caller keeps it
 *      alive
 *
 * A task migrated into an enabled cgroup enters its mm itself when it next
 * returns to user space, which an idle process may not do for long: a work
 * item that nobody waits for enters it now.  Does not sleep; if the work
 * item cannot be had, the task still does it.  Only entering is done so:
 * what unmerging there is to do is the task's, and charged to it.
 */
void mem_cgroup_ksm_enter_async(struct mm_struct *mm)
{
	struct memcg_ksm_enter_work *ew;

	ew = kmalloc(sizeof(*ew), GFP_NOWAIT | __GFP_NOWARN);
	if (!ew)
		return;
	mmgrab(mm);
	ew->mm = mm;
	INIT_WORK(&ew->work, memcg_ksm_enter_workfn);
	queue_work(system_unbound_wq, &ew->work);
}

/**
 * __mem_cgroup_ksm_resume - bring current's mm in line with its cgroup
 * @mm: current->mm
 *
 * Called before returning to user space, through mem_cgroup_ksm_resume(),
 * when @mm carries MMF_VM_MERGE_MEMCG_SYNC or _BUSY: see "Resume protocol"
 * above.  A failed sync is asked for again on a signal, which is handled
 * first; after a failed allocation the mm stays merged until ksmd asks
 * again, a full scan later.
 */
void __mem_cgroup_ksm_resume(struct mm_struct *mm)
{
	int err = 0;

	if (mmap_write_lock_killable(mm))
		return;		/* dying: nothing returns to user space */
	set_bit(MMF_VM_MERGE_MEMCG_BUSY, &mm->flags);
	while (test_and_clear_bit(MMF_VM_MERGE_MEMCG_SYNC, &mm->flags)) {
		err = memcg_ksm_sync_locked(mm);
		if (err)
			break;
	}
	clear_bit_unlock(MMF_VM_MERGE_MEMCG_BUSY, &mm->flags);
	mmap_write_unlock(mm);

	if (err == -ERESTARTSYS)
		mem_cgroup_ksm_request(mm, current);
}

/*
 * A new task is linked into its cgroups, through mem_cgroup_ksm_fork().
 * For a child with an mm of its own, that is a migration of the mm from
 * its parent's cgroup to its own: the child brings the mm in line before
 * it first runs, as its cgroup may merge (CLONE_INTO_CGROUP into an
 * enabled cgroup, a parent that was not merged yet) or not merge (a clone
 * into a cgroup that is not enabled, a parent merged for a cgroup just
 * turned off) what it inherited.  A thread or a CLONE_VM child shares an
 * mm that its owner takes care of.
 */
void __mem_cgroup_ksm_fork(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	if (!(task->flags & PF_KTHREAD) &&
	    rcu_access_pointer(mm->owner) == task)
		ksm_migrate_mm(mm, task);
}

/**
 * mem_cgroup_ksm_attach - tasks migrated to new memory cgroups
 * @tset: the migrating tasks
 *
 * Called from the memory controller's ->attach(), with cgroup_mutex and
 * cgroup_threadgroup_rwsem held: does not sleep.  Every migrating task
 * whose mm its new cgroup merges, or which was merged for the old one,
 * brings it in line before it returns to user space.
 */
void mem_cgroup_ksm_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *css;
	struct task_struct *task;

	cgroup_taskset_for_each(task, css, tset) {
		task_lock(task);
		if (task->mm && !(task->flags & PF_KTHREAD))
			ksm_migrate_mm(task->mm, task);
		task_unlock(task);
	}
}

/*
 * The mm of a process found by a walk over a cgroup, with a reference on
 * mm_users; the thread group leader may be a zombie with live threads.
 */
static struct mm_struct *memcg_ksm_get_mm(struct task_struct *task)
{
	struct mm_struct *mm = NULL;
	struct task_struct *t;

	if (task->flags & PF_KTHREAD)
		return NULL;
	t = find_lock_task_mm(task);
	if (t) {
		mm = t->mm;
		mmget(mm);
		task_unlock(t);
	}
	return mm;
}

/**
 * mem_cgroup_ksm_sync_subtree - bring the mms of a subtree in line
 * @memcg: the top of the subtree
 *
 * Brings the mm of every process of @memcg's subtree in line with its
 * cgroup, after a write to one of the cgroup's KSM files.  Takes no lock
 * across mms: each is brought in line under its own mmap_lock.
 *
 * Return: 0, or the first error, at which it stops; what was done stays
 * done.
 */
int mem_cgroup_ksm_sync_subtree(struct mem_cgroup *memcg)
{
	struct mem_cgroup *iter;
	int err = 0;

	for (iter = mem_cgroup_iter(memcg, NULL, NULL); iter;
	     iter = mem_cgroup_iter(memcg, iter, NULL)) {
		struct css_task_iter it;
		struct task_struct *task;

		css_task_iter_start(&iter->css, CSS_TASK_ITER_PROCS, &it);
		while (!err && (task = css_task_iter_next(&it))) {
			struct mm_struct *mm = memcg_ksm_get_mm(task);

			if (!mm)
				continue;
			/* Leave the mm of a process that is gone to exit */
			if (atomic_read(&mm->mm_users) > 1) {
				err = mmap_write_lock_killable(mm);
				if (!err) {
					err = memcg_ksm_sync_locked(mm);
					mmap_write_unlock(mm);
				}
			}
			mmput(mm);
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

static int memory_ksm_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(seq_css(m));

	seq_printf(m, "%d\n", READ_ONCE(memcg->ksm));
	return 0;
}

/*
 * Writing 1 returns once every process of the subtree is merged for the
 * cgroup; writing 0 returns once what was merged for the cgroup is
 * unmerged.  The value is stored first, and stays stored if applying it
 * fails: see memory.ksm in Documentation/admin-guide/cgroup-v2.rst.
 */
static ssize_t memory_ksm_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	int enable, err;

	buf = strstrip(buf);
	if (!strcmp(buf, "1"))
		enable = 1;
	else if (!strcmp(buf, "0"))
		enable = 0;
	else
		return -EINVAL;

	/* The key goes on before the value: see "Ordering" above. */
	if (enable)
		static_branch_deferred_inc(&memcg_ksm_key);
	if (xchg(&memcg->ksm, enable) == enable) {
		if (enable)
			static_branch_slow_dec_deferred(&memcg_ksm_key);
	} else if (!enable) {
		static_branch_slow_dec_deferred(&memcg_ksm_key);
	}

	/* Turning a cgroup off under an enabled ancestor changes nothing */
	if (!enable && mem_cgroup_ksm_enabled(memcg))
		return nbytes;
	err = mem_cgroup_ksm_sync_subtree(memcg);
	return err ?: nbytes;
}

/**
 * mem_cgroup_ksm_offline - a memory cgroup is being removed
 * @memcg: the cgroup, which has no tasks and no live children left
 *
 * Called under cgroup_mutex: gives back the cgroup's count in
 * memcg_ksm_key, which does not block.
 */
void mem_cgroup_ksm_offline(struct mem_cgroup *memcg)
{
	if (xchg(&memcg->ksm, 0))
		static_branch_slow_dec_deferred(&memcg_ksm_key);
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

	WARN_ON(cgroup_add_dfl_cftypes(&memory_cgrp_subsys, memcg_ksm_files));
	return 0;
}
subsys_initcall(mem_cgroup_ksm_init);
