// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl enable, disable: write memory.ksm of the cgroups named, all of
 * them or none.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "command.h"
#include "ksmctl.h"
#include "util.h"

static void usage_enable(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage: " PROGNAME " %s [OPTIONS] [CGROUP...]\n"
		"\n"
		"%s KSM for every process of each cgroup's subtree (memory.ksm = %s).\n"
		"\n"
		"  CGROUP               a cgroup path: a/b, /a/b or /sys/fs/cgroup/a/b\n"
		"  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
		"  -p, --pid PID        the cgroup of process PID\n"
		"  -s, --self           the cgroup of " PROGNAME " itself\n"
		"  -h, --help           show this help\n",
		cmd, !strcmp(cmd, "enable") ? "Enable" : "Disable",
		!strcmp(cmd, "enable") ? "1" : "0");
}

static const struct option target_longopts[] = {
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Write @value to the memory.ksm of every target, or to none: every file
 * is checked first, and if a write fails the ones before it are set back.
 * A write of 0 that fails may have unmerged part of the subtree already;
 * the kernel keeps the new value, so the user can simply retry.
 */
static int set_ksm(struct targets *t, bool on)
{
	const char *value = on ? "1" : "0";
	int *old = xcalloc(t->n, sizeof(int));
	size_t i, done;
	int ret = 0;

	for (i = 0; i < t->n && ret == 0; i++)
		ret = cg_need_file(t->cgs[i], KSM_FILE);
	for (i = 0; i < t->n && ret == 0; i++)
		ret = cg_read_ksm(t->cgs[i], &old[i]);
	for (done = 0; done < t->n && ret == 0; done++)
		ret = cg_write(t->cgs[done], KSM_FILE, value);
	if (ret < 0 && done > 0) {
		/* done - 1 is the one that failed */
		for (i = 0; i + 1 < done; i++)
			if (old[i] != on)
				cg_write(t->cgs[i], KSM_FILE, old[i] ? "1" : "0");
	}
	free(old);
	return ret;
}

int cmd_enable_disable(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct target_spec *specs = xcalloc(argc, sizeof(*specs));
	struct targets t = { 0 };
	size_t nspecs = 0, i;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sh", target_longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'p':
		case 's':
			specs[nspecs].kind = (char)c;
			specs[nspecs++].arg = optarg;
			break;
		case 'h':
			usage_enable(stdout, cmd);
			free(specs);
			return EXIT_SUCCESS;
		default:
			free(specs);
			return bad_option(cmd, argv, c);
		}
	}
	for (; optind < argc; optind++) {
		specs[nspecs].kind = 'c';
		specs[nspecs++].arg = argv[optind];
	}
	if (nspecs == 0) {
		free(specs);
		return usage_error(cmd, "no cgroup given");
	}

	ret = cg_check_root();
	for (i = 0; i < nspecs && ret == 0; i++)
		ret = targets_add(&t, specs[i].kind, specs[i].arg);
	if (ret == 0)
		ret = set_ksm(&t, !strcmp(cmd, "enable"));
	targets_free(&t);
	free(specs);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
