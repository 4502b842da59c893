// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where ksmctl finds the kernel: the cgroup2 mount, KSM's sysfs directory
 * and procfs.  In the unit tests' build (KSMCTL_TESTING) each can be moved
 * with an environment variable, so that the tests run on a fake tree; a
 * ksmctl that is installed (a hook run by a container runtime as root, for
 * one) reads no environment for them.
 *
 * Cgroups are named inside ksmctl as paths relative to the cgroup root,
 * always starting with '/' and never ending with one except for the root
 * itself ("/", "/system.slice/foo.service"), as in /proc/PID/cgroup.
 */
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "util.h"

static const char *from_env(const char *var, const char *def)
{
#ifdef KSMCTL_TESTING
	const char *v = getenv(var);

	return v && *v ? v : def;
#else
	(void)var;
	return def;
#endif
}

const char *cgroup_root(void)
{
	return from_env("KSMCTL_CGROUP_ROOT", DEFAULT_CGROUP_ROOT);
}

const char *ksm_sysfs_dir(void)
{
	return from_env("KSMCTL_KSM_SYSFS", DEFAULT_KSM_SYSFS);
}

const char *proc_dir(void)
{
	return from_env("KSMCTL_PROC", DEFAULT_PROC);
}

bool cgroup_root_overridden(void)
{
	return strcmp(cgroup_root(), DEFAULT_CGROUP_ROOT) != 0;
}

char *cgroup_dir_path(const char *cg)
{
	return xasprintf("%s%s", cgroup_root(), strcmp(cg, "/") ? cg : "");
}

char *cgroup_file_path(const char *cg, const char *name)
{
	return xasprintf("%s%s/%s", cgroup_root(), strcmp(cg, "/") ? cg : "", name);
}

/* The parent of a cgroup; the root is its own parent. */
char *cgroup_parent(const char *cg)
{
	const char *slash = strrchr(cg, '/');
	char *parent;

	if (!slash || slash == cg)
		return xstrdup("/");
	parent = xmalloc(slash - cg + 1);
	memcpy(parent, cg, slash - cg);
	parent[slash - cg] = '\0';
	return parent;
}
