// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl enable, disable: write memory.ksm of the cgroups named, all of
 * them or none, and say what changed and what will keep it from working:
 * ksmd stopped, a cgroup that an ancestor keeps enabled, a systemd unit
 * whose next start makes a new cgroup.  ksmctl isolate does the same with
 * memory.ksm.isolated, which makes a cgroup's subtree a merge domain of
 * its own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "command.h"
#include "knobs.h"
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
		"  -q, --quiet          do not say what changed (warnings stay)\n"
		"  -h, --help           show this help\n",
		cmd, !strcmp(cmd, "enable") ? "Enable" : "Disable",
		!strcmp(cmd, "enable") ? "1" : "0");
}

static const struct option target_longopts[] = {
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage_isolate(FILE *f)
{
	fputs("Usage: " PROGNAME " isolate [OPTIONS] [CGROUP...]\n"
	      "\n"
	      "Make each cgroup's subtree a KSM merge domain of its own\n"
	      "(memory.ksm.isolated = 1): the pages of its processes are merged only\n"
	      "with pages of processes in the same domain, however merging was enabled.\n"
	      "\n"
	      "  CGROUP               a cgroup path: a/b, /a/b or /sys/fs/cgroup/a/b\n"
	      "      --off            end the isolation (memory.ksm.isolated = 0): the\n"
	      "                       subtree merges in its parent's domain again\n"
	      "  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID        the cgroup of process PID\n"
	      "  -s, --self           the cgroup of " PROGNAME " itself\n"
	      "  -q, --quiet          do not say what changed (warnings stay)\n"
	      "  -h, --help           show this help\n", f);
}

/*
 * Write 1 or 0 to the @file (memory.ksm, memory.ksm.isolated) of every
 * target, or to none: every file is checked first, and if a write fails
 * the ones before it are set back.  A write of 0 to memory.ksm that fails
 * may have unmerged part of the subtree already; the kernel keeps the new
 * value, so the user can simply retry.
 */
static int set_bool_file(struct targets *t, const char *file, bool on, int *old)
{
	const char *value = on ? "1" : "0";
	size_t i, done;
	int ret = 0;

	for (i = 0; i < t->n && ret == 0; i++)
		ret = cg_need_file(t->cgs[i], file);
	for (i = 0; i < t->n && ret == 0; i++)
		ret = cg_read_bool(t->cgs[i], file, &old[i]);
	for (done = 0; done < t->n && ret == 0; done++)
		ret = cg_write(t->cgs[done], file, value);
	if (ret < 0 && done > 0) {
		/* done - 1 is the one that failed */
		for (i = 0; i + 1 < done; i++)
			if (old[i] != on)
				cg_write(t->cgs[i], file, old[i] ? "1" : "0");
	}
	return ret;
}

/* What the user named, when it was not the cgroup itself */
static void say_changed(const char *cg, const char *file, const struct target_spec *spec,
			int old, bool on)
{
	if (old == on)
		printf("%s: %s was already %d", cg, file, on);
	else
		printf("%s: %s %d -> %d", cg, file, old, on);
	switch (spec->kind) {
	case 'p':
		printf(" (the cgroup of PID %s: every process in it)", spec->arg);
		break;
	case 's':
		printf(" (the cgroup of " PROGNAME " itself)");
		break;
	case 'u':
		printf(" (the cgroup of unit %s)", spec->arg);
		break;
	}
	putchar('\n');
}

/* Merging needs ksmd to run and to scan something. */
static void warn_ksmd(void)
{
	char run[KNOB_VALUE_MAX], pages[KNOB_VALUE_MAX], mode[KNOB_VALUE_MAX];

	if (knob_read(knob_find("run"), run, sizeof(run), NULL, 0) == 0) {
		if (!strcmp(run, "0"))
			ksm_warn("ksmd is stopped (run is 0): nothing is merged until "
				 "it runs (" PROGNAME " start)");
		else if (!strcmp(run, "2"))
			ksm_warn("ksmd unmerges every page (run is 2): nothing is "
				 "merged until run is 1 (" PROGNAME " start)");
	}
	/* With the advisor on, ksmd chooses pages_to_scan itself. */
	if (knob_read(knob_find("advisor_mode"), mode, sizeof(mode), NULL, 0) < 0)
		strcpy(mode, "none");
	if (!strcmp(mode, "none") &&
	    knob_read(knob_find("pages_to_scan"), pages, sizeof(pages), NULL, 0) == 0 &&
	    !strcmp(pages, "0"))
		ksm_warn("pages_to_scan is 0: ksmd scans nothing (" PROGNAME
			 " ksmd pages_to_scan=N)");
}

/*
 * The nearest ancestor of @cg whose @file reads 1, malloc'ed; NULL if
 * none.  The root has no such file.
 */
static char *ancestor_set(const char *cg, const char *file)
{
	char *a = xstrdup(cg), *slash;
	int v;

	while ((slash = strrchr(a, '/')) && slash != a) {
		*slash = '\0';
		if (cg_read_bool_quiet(a, file, &v) == 0 && v == 1)
			return a;
	}
	free(a);
	return NULL;
}

/*
 * A cgroup is enabled when it or an ancestor is: after disable, say which
 * ancestor keeps it so.
 */
static void warn_enabled_ancestor(const char *cg)
{
	char *a = ancestor_set(cg, KSM_FILE);

	if (a)
		ksm_warn("%s stays enabled: its ancestor %s has memory.ksm 1", cg, a);
	free(a);
}

/*
 * A cgroup's merge domain is its nearest isolated ancestor's, else the
 * root's: after isolate --off, say when that is not the root's.
 */
static void warn_isolated_ancestor(const char *cg)
{
	char *a = ancestor_set(cg, KSM_ISOLATED_FILE);

	if (a)
		ksm_warn("%s stays apart from the root's merge domain: it joins the "
			 "domain of its ancestor %s, which has memory.ksm.isolated 1", cg, a);
	free(a);
}

/*
 * Resolve the cgroups named, write @file of them all, and say what changed
 * and what the user may not expect.
 */
static int set_targets(const char *file, bool on, const struct target_spec *specs,
		       size_t nspecs, bool quiet)
{
	bool ksm = !strcmp(file, KSM_FILE);
	struct targets t = { 0 };
	size_t i;
	int ret, *old;

	ret = cg_check_root();
	/* One target per spec, in order */
	for (i = 0; i < nspecs && ret == 0; i++)
		ret = targets_add(&t, specs[i].kind, specs[i].arg);
	old = xcalloc(nspecs, sizeof(int));
	if (ret == 0)
		ret = set_bool_file(&t, file, on, old);
	for (i = 0; i < t.n && ret == 0; i++) {
		if (!quiet)
			say_changed(t.cgs[i], file, &specs[i], old[i], on);
		if (!on && ksm)
			warn_enabled_ancestor(t.cgs[i]);
		if (!on && !ksm)
			warn_isolated_ancestor(t.cgs[i]);
		if (on && ksm && specs[i].kind == 'u')
			ksm_warn("systemd makes a new cgroup for %s when it starts "
				 "again, with memory.ksm 0: set MemoryKSM=yes on the "
				 "unit, or install the drop-in, to keep it (see "
				 PROGNAME "(8))", specs[i].arg);
		if (on && !ksm && specs[i].kind == 'u')
			ksm_warn("systemd makes a new cgroup for %s when it starts "
				 "again, with memory.ksm.isolated 0: isolate it again "
				 "after each start", specs[i].arg);
	}
	if (ret == 0 && on && ksm)
		warn_ksmd();
	free(old);
	targets_free(&t);
	return ret;
}

/*
 * enable, disable and isolate: write @file of the cgroups named by the
 * options and the arguments, 1 if @on (isolate --off clears it).
 */
static int set_command(int argc, char **argv, const char *file, bool on,
		       const struct option *longopts)
{
	const char *cmd = argv[0];
	struct target_spec *specs = xcalloc(argc, sizeof(*specs));
	bool quiet = false;
	size_t nspecs = 0;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'O':
			on = false;
			break;
		case 'u':
		case 'p':
		case 's':
			specs[nspecs].kind = (char)c;
			specs[nspecs++].arg = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			if (!strcmp(file, KSM_FILE))
				usage_enable(stdout, cmd);
			else
				usage_isolate(stdout);
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

	ret = set_targets(file, on, specs, nspecs, quiet);
	free(specs);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_enable_disable(int argc, char **argv)
{
	return set_command(argc, argv, KSM_FILE, !strcmp(argv[0], "enable"),
			   target_longopts);
}

static const struct option isolate_longopts[] = {
	{ "off", no_argument, NULL, 'O' },
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_isolate(int argc, char **argv)
{
	return set_command(argc, argv, KSM_ISOLATED_FILE, true, isolate_longopts);
}
