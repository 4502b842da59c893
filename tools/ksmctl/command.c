// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the commands share: usage errors in one form ("Try '" PROGNAME " CMD
 * --help'."), and naming cgroups by path, unit, process or ksmctl itself.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "command.h"
#include "unit.h"
#include "util.h"

int bad_option(const char *cmd, char **argv, int c)
{
	const char *opt = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (optopt && (!opt || strncmp(opt, "--", 2)))
		opt = shortopt;
	if (c == ':')
		ksm_error("option '%s' needs an argument", opt);
	else
		ksm_error("unrecognized option '%s'", opt);
	fprintf(ksm_errfile ? ksm_errfile : stderr, "Try '" PROGNAME " %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int usage_error(const char *cmd, const char *msg)
{
	ksm_error("%s", msg);
	if (cmd)
		fprintf(ksm_errfile ? ksm_errfile : stderr, "Try '" PROGNAME " %s --help'.\n", cmd);
	else
		fprintf(ksm_errfile ? ksm_errfile : stderr, "Try '" PROGNAME " --help'.\n");
	return EXIT_USAGE;
}

/*
 * Add a cgroup named by a path (@kind 'c'), a unit ('u'), a process ('p')
 * or ksmctl itself ('s').  The cgroup must exist.
 */
int targets_add(struct targets *t, char kind, const char *arg)
{
	char *cg = NULL, *raw = NULL;
	int ret;

	switch (kind) {
	case 'c':
		ret = cg_resolve(arg, &cg);
		break;
	case 'p':
	case 's':
		ret = cg_of_pid(kind == 's' ? "self" : arg, &raw);
		break;
	case 'u':
		ret = unit_cgroup(arg, &raw);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret < 0)
		return ret;
	if (raw) {
		if (cg_normalize(raw, &cg) < 0) {
			ksm_error("invalid cgroup \"%s\"", raw);
			free(raw);
			return -EINVAL;
		}
		free(raw);
		ret = cg_check_exists(cg);
		if (ret < 0) {
			free(cg);
			return ret;
		}
	}
	t->cgs = xrealloc(t->cgs, (t->n + 1) * sizeof(*t->cgs));
	t->cgs[t->n++] = cg;
	return 0;
}

void targets_free(struct targets *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->cgs[i]);
	free(t->cgs);
	t->cgs = NULL;
	t->n = 0;
}

/* A positive number of seconds, fractions allowed ("0.5"). */
int parse_seconds(const char *s, double *sec)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400)
		return -EINVAL;
	*sec = v;
	return 0;
}

int set_target(struct target_spec *spec, char kind, const char *arg, const char *cmd)
{
	if (spec->kind) {
		usage_error(cmd, "only one cgroup can be given");
		return -EINVAL;
	}
	spec->kind = kind;
	spec->arg = arg;
	return 0;
}

int resolve_one(const struct target_spec *spec, char **cg)
{
	struct targets t = { 0 };
	int ret;

	ret = cg_check_root();
	if (ret < 0)
		return ret;
	ret = targets_add(&t, spec->kind ? spec->kind : 'c', spec->kind ? spec->arg : "/");
	if (ret < 0)
		return ret;
	*cg = t.cgs[0];
	free(t.cgs);
	return 0;
}
