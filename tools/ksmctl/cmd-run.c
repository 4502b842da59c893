// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl run: run a command in a cgroup whose memory.ksm is 1.
 *
 * Under systemd the cgroup is a transient scope, started with ksmctl's own
 * process in it, so that systemd knows the cgroup and cleans it up when
 * the command ends; ksmctl then writes memory.ksm and execs the command.
 * Elsewhere it is a plain cgroup beside " PROGNAME "'s own (or where --cgroup
 * says), created with the memory controller enabled down to it.
 *
 * Everything is set up before the exec, and taken back if a step fails,
 * including the exec itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "command.h"
#include "ksmctl.h"
#include "paths.h"
#include "unit.h"
#include "util.h"

static void usage_run(FILE *f)
{
	fputs("Usage: " PROGNAME " run [OPTIONS] [--] COMMAND [ARG...]\n"
	      "\n"
	      "Run COMMAND in a cgroup with KSM enabled: a transient systemd scope when\n"
	      "systemd is PID 1, otherwise a new cgroup beside " PROGNAME "'s own.\n"
	      "\n"
	      "  -c, --cgroup NAME    the scope's name (NAME.scope), or the cgroup:\n"
	      "                       a name beside " PROGNAME "'s cgroup, or a path\n"
	      "  -w, --weight N       also set memory.ksm.weight (1-10000)\n"
	      "      --no-systemd     a plain cgroup even under systemd\n"
	      "  -h, --help           show this help\n", f);
}

/* Exit status when COMMAND cannot be run, as for env(1) and shells. */
static int exec_status(int err)
{
	return err == ENOENT ? 127 : 126;
}

static int setup_ksm(const char *cg, const char *weight)
{
	int ret;

	ret = cg_need_file(cg, KSM_FILE);
	if (ret == 0 && weight) {
		ret = cg_need_file(cg, KSM_WEIGHT_FILE);
		if (ret == 0)
			ret = cg_write(cg, KSM_WEIGHT_FILE, weight);
	}
	if (ret == 0)
		ret = cg_write(cg, KSM_FILE, "1");
	return ret;
}

/* ---- systemd scope ------------------------------------------------------- */

static int run_in_scope(const char *name, const char *weight, char **cmd)
{
	char *unit, *desc, *raw = NULL, *cg = NULL;
	int ret, err;

	if (name) {
		unit = unit_name_normalize(name, ".scope");
		if (!unit_interface(unit) || strcmp(unit_interface(unit),
						    "org.freedesktop.systemd1.Scope")) {
			ksm_error("--cgroup %s: not a scope name", name);
			free(unit);
			return EXIT_USAGE;
		}
	} else {
		unit = xasprintf(PROGNAME "-run-%d.scope", (int)getpid());
	}
	desc = xasprintf(PROGNAME " run %s", cmd[0]);

	ret = scope_start(unit, getpid(), desc, &raw);
	if (ret == 0 && cg_normalize(raw, &cg) < 0) {
		ksm_error("scope %s: invalid control group \"%s\"", unit, raw);
		ret = -EINVAL;
	}
	/*
	 * Should this fail, the scope ends with ksmctl: systemd removes a
	 * scope once its last process is gone.
	 */
	if (ret == 0)
		ret = setup_ksm(cg, weight);
	free(raw);
	free(cg);
	free(desc);
	free(unit);
	if (ret < 0)
		return EXIT_FAILURE;

	execvp(cmd[0], cmd);
	err = errno;
	ksm_error("cannot run %s: %s", cmd[0], strerror(err));
	return exec_status(err);
}

/* ---- plain cgroup -------------------------------------------------------- */

struct plain_run {
	char *self;		/* ksmctl's cgroup, to go back to */
	char *cg;		/* the cgroup to run in */
	bool created;		/* by us: to remove if a step fails */
	char **added;		/* ancestors where we enabled memory */
	int nadded;
	/* What an existing cgroup had before, to restore; "" if untouched. */
	char old_weight[32];
	char old_ksm[32];
	bool moved;
};

/* The cgroup to create: NAME beside ours, a path, or ksmctl-run-PID. */
static int plain_cgroup_name(const char *name, const char *self, char **cg)
{
	char *parent = cgroup_parent(self);
	int ret = 0;

	if (name && strchr(name, '/')) {
		ret = cg_normalize(name, cg);
		if (ret == 0 && !strcmp(*cg, "/")) {
			free(*cg);
			ret = -EINVAL;
		}
	} else if (name) {
		if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
			ret = -EINVAL;
		else
			*cg = xasprintf("%s/%s", strcmp(parent, "/") ? parent : "", name);
	} else {
		*cg = xasprintf("%s/" PROGNAME "-run-%d", strcmp(parent, "/") ? parent : "",
				(int)getpid());
	}
	if (ret < 0)
		ksm_error("--cgroup: invalid cgroup name \"%s\"", name);
	free(parent);
	return ret;
}

static void plain_undo(struct plain_run *r)
{
	char pid[32];

	if (r->moved) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		cg_write(r->self, "cgroup.procs", pid);
	}
	if (r->created) {
		char *dir = cgroup_dir_path(r->cg);

		if (rmdir(dir) < 0)
			ksm_warn("cannot remove %s: %s", dir, strerror(errno));
		free(dir);
	} else {
		if (r->old_ksm[0])
			cg_write(r->cg, KSM_FILE, r->old_ksm);
		if (r->old_weight[0])
			cg_write(r->cg, KSM_WEIGHT_FILE, r->old_weight);
	}
	cg_undo_memory(r->added, r->nadded);
	r->added = NULL;
	r->nadded = 0;
}

/* Read a memory.* file of an existing cgroup, to restore it on failure. */
static int save_value(const char *cg, const char *file, char *buf, size_t size)
{
	char text[64], *path = cgroup_file_path(cg, file);
	int ret;

	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	if (ret < 0)
		ksm_error("cannot read %s: %s", path, strerror(-ret));
	else
		snprintf(buf, size, "%s", strstrip(text));
	free(path);
	return ret < 0 ? ret : 0;
}

static int plain_setup(struct plain_run *r, const char *weight)
{
	char pid[32], ksm[32] = "", wgt[32] = "", *dir;
	int ret;

	ret = cg_enable_memory(r->cg, &r->added, &r->nadded);
	if (ret < 0)
		return ret;

	dir = cgroup_dir_path(r->cg);
	if (mkdir(dir, 0755) == 0) {
		r->created = true;
	} else if (errno != EEXIST) {
		ret = -errno;
		ksm_error("cannot create cgroup %s: %s", dir, strerror(errno));
	}
	free(dir);
	if (ret < 0)
		return ret;

	/* Every file checked, and the old values kept, before any write. */
	ret = cg_need_file(r->cg, KSM_FILE);
	if (ret == 0 && weight)
		ret = cg_need_file(r->cg, KSM_WEIGHT_FILE);
	if (ret == 0 && !r->created)
		ret = save_value(r->cg, KSM_FILE, ksm, sizeof(ksm));
	if (ret == 0 && !r->created && weight)
		ret = save_value(r->cg, KSM_WEIGHT_FILE, wgt, sizeof(wgt));
	if (ret < 0)
		return ret;

	if (weight) {
		ret = cg_write(r->cg, KSM_WEIGHT_FILE, weight);
		if (ret < 0)
			return ret;
		strcpy(r->old_weight, wgt);
	}
	ret = cg_write(r->cg, KSM_FILE, "1");
	if (ret < 0)
		return ret;
	strcpy(r->old_ksm, ksm);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = cg_write(r->cg, "cgroup.procs", pid);
	if (ret == 0)
		r->moved = true;
	return ret;
}

static int run_in_cgroup(const char *name, const char *weight, char **cmd)
{
	struct plain_run r = { 0 };
	char *raw = NULL;
	int ret, err;

	ret = cg_check_root();
	if (ret == 0)
		ret = cg_of_pid("self", &raw);
	if (ret == 0 && cg_normalize(raw, &r.self) < 0) {
		ksm_error("invalid cgroup of " PROGNAME " \"%s\"", raw);
		ret = -EINVAL;
	}
	free(raw);
	if (ret == 0)
		ret = plain_cgroup_name(name, r.self, &r.cg);
	if (ret < 0) {
		free(r.self);
		return EXIT_FAILURE;
	}

	ret = plain_setup(&r, weight);
	if (ret == 0) {
		execvp(cmd[0], cmd);
		err = errno;
		ksm_error("cannot run %s: %s", cmd[0], strerror(err));
		ret = exec_status(err);
	} else {
		ret = EXIT_FAILURE;
	}
	plain_undo(&r);
	free(r.self);
	free(r.cg);
	return ret;
}

/* ---- the command --------------------------------------------------------- */

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "weight", required_argument, NULL, 'w' },
		{ "no-systemd", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *weight = NULL;
	char weight_buf[16];
	bool no_systemd = false;
	unsigned int w;
	int c;

	optind = 0;
	opterr = 0;
	/* '+': the command's own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:c:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			name = optarg;
			break;
		case 'w':
			if (parse_weight(optarg, &w) < 0) {
				ksm_error("invalid weight \"%s\": must be an integer from %d to %d",
					  optarg, KSM_WEIGHT_MIN, KSM_WEIGHT_MAX);
				return EXIT_USAGE;
			}
			/* As the kernel reads it, whatever base the user had in mind. */
			snprintf(weight_buf, sizeof(weight_buf), "%u", w);
			weight = weight_buf;
			break;
		case 'N':
			no_systemd = true;
			break;
		case 'h':
			usage_run(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option("run", argv, c);
		}
	}
	if (optind >= argc)
		return usage_error("run", "no command given");

	fflush(stdout);
	if (!no_systemd && !cgroup_root_overridden() && systemd_running())
		return run_in_scope(name, weight, argv + optind);
	return run_in_cgroup(name, weight, argv + optind);
}
