/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_COMMAND_H
#define KSMCTL_COMMAND_H

#include <stddef.h>

/* Cgroups named on the command line, resolved to "/a/b". */
struct targets {
	char **cgs;
	size_t n;
};

/* A cgroup as named on the command line, resolved once all are parsed. */
struct target_spec {
	char kind;		/* 'c', 'u', 'p', 's' as for targets_add(); 0 for none */
	const char *arg;
};

int bad_option(const char *cmd, char **argv, int c);
int usage_error(const char *cmd, const char *msg);
int targets_add(struct targets *t, char kind, const char *arg);
void targets_free(struct targets *t);
int parse_seconds(const char *s, double *sec);
int set_target(struct target_spec *spec, char kind, const char *arg, const char *cmd);
int resolve_one(const struct target_spec *spec, char **cg);

#endif
