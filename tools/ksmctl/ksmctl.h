/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_H
#define KSMCTL_H

#include <stdbool.h>
#include <stddef.h>

#define KSMCTL_VERSION "0.1"

/* Cgroups named on the command line, resolved to "/a/b". */
struct targets {
	char **cgs;
	size_t n;
};

int ksmctl_main(int argc, char **argv);

/* Shared by the commands (cli.c). */
int bad_option(const char *cmd, char **argv, int c);
int usage_error(const char *cmd, const char *msg);
int targets_add(struct targets *t, char kind, const char *arg);
void targets_free(struct targets *t);
int parse_seconds(const char *s, double *sec);

int cmd_top(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_nri_hook(int argc, char **argv);

#endif
