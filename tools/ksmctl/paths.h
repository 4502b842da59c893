/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_PATHS_H
#define KSMCTL_PATHS_H

#include <stdbool.h>

#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"
#define DEFAULT_KSM_SYSFS "/sys/kernel/mm/ksm"
#define DEFAULT_PROC "/proc"

const char *cgroup_root(void);
const char *ksm_sysfs_dir(void);
const char *proc_dir(void);
bool cgroup_root_overridden(void);

char *cgroup_dir_path(const char *cg);
char *cgroup_file_path(const char *cg, const char *name);
char *cgroup_parent(const char *cg);

#endif
