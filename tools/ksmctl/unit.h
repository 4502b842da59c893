/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_UNIT_H
#define KSMCTL_UNIT_H

#include <sys/types.h>

char *unit_name_normalize(const char *name, const char *default_suffix);
const char *unit_interface(const char *unit);
int unit_cgroup(const char *unit, char **cgroup);
int scope_start(const char *unit, pid_t pid, const char *description, char **cgroup);
int systemd_running(void);

#endif
