/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_CGROUP_H
#define KSMCTL_CGROUP_H

#include <stdbool.h>

#define KSM_FILE "memory.ksm"
#define KSM_STAT_FILE "memory.ksm.stat"
#define KSM_WEIGHT_FILE "memory.ksm.weight"
#define KSM_ISOLATED_FILE "memory.ksm.isolated"
#define KSM_WEIGHT_MIN 1
#define KSM_WEIGHT_MAX 10000

int cg_normalize(const char *arg, char **cg);
int cg_check_root(void);
int cg_check_exists(const char *cg);
int cg_resolve(const char *arg, char **cg);
int cg_of_pid(const char *pid, char **cg);
int cg_need_file(const char *cg, const char *file);
int cg_read_ksm(const char *cg, int *value);
int cg_read_ksm_quiet(const char *cg, int *value);
int cg_read_bool(const char *cg, const char *file, int *value);
int cg_read_bool_quiet(const char *cg, const char *file, int *value);
int cg_write(const char *cg, const char *file, const char *value);
int cg_enable_memory(const char *cg, char ***added, int *nadded);
void cg_undo_memory(char **added, int nadded);
int parse_weight(const char *s, unsigned int *weight);

#endif
