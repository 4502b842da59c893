// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line: one subcommand per job, each in its own file
 * (cmd-*.c) with its own options (getopt_long), so that -n can mean
 * --noheadings to status as it does to lsblk and the number of iterations
 * to top as it does to systemd-cgtop.  This file holds the table of
 * commands and nothing a command uses.
 *
 * Commands return an exit status rather than exit, so that the unit tests
 * can run them.  Anything that can fail is checked before the first
 * write, so that a failure leaves things as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "ksmctl.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "enable", cmd_enable_disable, "enable KSM for cgroups (memory.ksm = 1)" },
	{ "disable", cmd_enable_disable, "disable KSM for cgroups (memory.ksm = 0)" },
	{ "isolate", cmd_isolate, "make cgroups KSM merge domains (memory.ksm.isolated = 1)" },
	{ "status", cmd_status, "show ksmd and the cgroup tree's KSM state" },
	{ "top", cmd_top, "live view of the cgroups sorted by profit" },
	{ "metrics", cmd_metrics, "numbers in the Prometheus text format" },
	{ "run", cmd_run, "run a command in a KSM-enabled cgroup" },
	{ "oci-hook", cmd_oci_hook, "OCI runtime hook: memory.ksm from annotations" },
	{ "nri-hook", cmd_nri_hook, "containerd NRI v0.1 plugin: the same" },
	{ "ksmd", cmd_ksmd, "show or set ksmd's knobs" },
	{ "start", cmd_start_stop, "start ksmd (run = 1)" },
	{ "stop", cmd_start_stop, "stop ksmd (run = 0)" },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: " PROGNAME " COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Control Kernel Samepage Merging (KSM) for cgroups.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "  -h, --help     show this help; COMMAND --help for a command's\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "See " PROGNAME "(8).\n", f);
}

int ksmctl_main(int argc, char **argv)
{
	const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
	size_t i;

	/* Installed as /opt/nri/bin/ksmctl-nri, NRI runs "ksmctl-nri invoke". */
	name = name ? name + 1 : argc > 0 ? argv[0] : "";
	if (!strcmp(name, "ksmctl-nri"))
		return cmd_nri_hook(argc, argv);
	if (argc < 2)
		return usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf(PROGNAME " %s (cgroup KSM)\n", KSMCTL_VERSION);
		return EXIT_SUCCESS;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	ksm_error("unknown command \"%s\"", argv[1]);
	fprintf(ksm_errfile ? ksm_errfile : stderr, "Try '" PROGNAME " --help'.\n");
	return EXIT_USAGE;
}
