// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line: one subcommand per job, each with its own options
 * (getopt_long), so that -n can mean --noheadings to status as it does
 * to lsblk and the number of iterations to top as it does to
 * systemd-cgtop.
 *
 * Commands return an exit status rather than exit, so that the unit tests
 * can run them.  Anything that can fail is checked before the first
 * write, so that a failure leaves things as they were.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "knobs.h"
#include "ksmctl.h"
#include "metrics.h"
#include "output.h"
#include "paths.h"
#include "tree.h"
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
	fprintf(ksm_errfile ? ksm_errfile : stderr, "Try 'ksmctl %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int usage_error(const char *cmd, const char *msg)
{
	ksm_error("%s", msg);
	if (cmd)
		fprintf(ksm_errfile ? ksm_errfile : stderr, "Try 'ksmctl %s --help'.\n", cmd);
	else
		fprintf(ksm_errfile ? ksm_errfile : stderr, "Try 'ksmctl --help'.\n");
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

/* A cgroup as named on the command line, resolved once all are parsed. */
struct target_spec {
	char kind;		/* 'c', 'u', 'p', 's' as for targets_add(); 0 for none */
	const char *arg;
};

/* ---- enable, disable ---------------------------------------------------- */

static void usage_enable(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage: ksmctl %s [OPTIONS] [CGROUP...]\n"
		"\n"
		"%s KSM for every process of each cgroup's subtree (memory.ksm = %s).\n"
		"\n"
		"  CGROUP               a cgroup path: a/b, /a/b or /sys/fs/cgroup/a/b\n"
		"  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
		"  -p, --pid PID        the cgroup of process PID\n"
		"  -s, --self           the cgroup of ksmctl itself\n"
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

static int cmd_enable_disable(int argc, char **argv)
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

/* ---- status ------------------------------------------------------------ */

static void usage_status(FILE *f)
{
	fputs("Usage: ksmctl status [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Show ksmd's state and the cgroup tree below CGROUP (default: the root)\n"
	      "with each cgroup's KSM setting and numbers.  Only cgroups where KSM is on\n"
	      "or that have numbers are shown, and their ancestors, unless --all.\n"
	      "\n"
	      "  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID        the cgroup of process PID\n"
	      "  -s, --self           the cgroup of ksmctl itself\n"
	      "  -a, --all            show every cgroup\n"
	      "  -b, --bytes          print sizes in bytes\n"
	      "  -o, --output COLS    columns to show (+COLS adds to the default)\n"
	      "  -l, --list           full paths instead of a tree\n"
	      "  -J, --json           JSON output\n"
	      "  -r, --raw            raw output: one line per cgroup, escaped\n"
	      "  -n, --noheadings     no column headings\n"
	      "  -H, --list-columns   list the columns\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "A '*' after a number: summed over the processes of the subtree, for a\n"
	      "kernel without memory.ksm.stat.\n", f);
}

/* The shown nodes, in tree order. */
static struct cg_node **shown_rows(const struct cg_tree *tree, size_t *n)
{
	struct cg_node **rows = xcalloc(tree->count, sizeof(*rows));
	size_t i;

	*n = 0;
	for (i = 0; i < tree->count; i++)
		if (tree->nodes[i]->shown)
			rows[(*n)++] = tree->nodes[i];
	return rows;
}

static bool rows_from_procs(struct cg_node **rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i]->source == SRC_PROCS)
			return true;
	return false;
}

static int status_print(const char *cg, bool all, const struct out_opts *o)
{
	struct ksmd_state ks;
	struct cg_tree tree;
	struct cg_node **rows;
	size_t n;
	int ret;

	ret = tree_load(cg, all, &tree);
	if (ret < 0)
		return ret;
	ksmd_read(&ks);
	rows = shown_rows(&tree, &n);

	if (o->mode == OUT_JSON) {
		struct json_object *root = json_object_new_object();

		json_object_object_add(root, "ksmd", ksmd_json(&ks));
		json_object_object_add(root, "cgroups", cgroups_json(rows, n, o));
		print_json(stdout, root);
		json_object_put(root);
	} else {
		if (o->mode == OUT_TABLE && !o->noheadings) {
			print_ksmd_summary(stdout, &ks, o->bytes);
			fputc('\n', stdout);
		}
		print_table(stdout, rows, n, o, true);
		if (o->mode == OUT_TABLE && !o->noheadings && rows_from_procs(rows, n))
			printf("\n* summed over the processes of the subtree "
			       "(this kernel has no %s)\n", KSM_STAT_FILE);
	}
	free(rows);
	tree_free(&tree);
	return 0;
}

static const struct option status_longopts[] = {
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "all", no_argument, NULL, 'a' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "output", required_argument, NULL, 'o' },
	{ "list", no_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'J' },
	{ "raw", no_argument, NULL, 'r' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "list-columns", no_argument, NULL, 'H' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int set_target(struct target_spec *spec, char kind, const char *arg, const char *cmd)
{
	if (spec->kind) {
		usage_error(cmd, "only one cgroup can be given");
		return -EINVAL;
	}
	spec->kind = kind;
	spec->arg = arg;
	return 0;
}

static int resolve_one(struct target_spec *spec, char **cg)
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

static int cmd_status(int argc, char **argv)
{
	struct target_spec spec = { 0, NULL };
	struct out_opts o;
	bool all = false;
	char *cg;
	int c, ret;

	out_opts_init(&o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sabo:lJrnHh", status_longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'p':
		case 's':
			if (set_target(&spec, (char)c, optarg, "status") < 0)
				return EXIT_USAGE;
			break;
		case 'a':
			all = true;
			break;
		case 'b':
			o.bytes = true;
			break;
		case 'o':
			if (out_parse_columns(&o, optarg) < 0)
				return EXIT_USAGE;
			break;
		case 'l':
			o.list = true;
			break;
		case 'J':
			o.mode = OUT_JSON;
			break;
		case 'r':
			o.mode = OUT_RAW;
			break;
		case 'n':
			o.noheadings = true;
			break;
		case 'H':
			out_list_columns(stdout);
			return EXIT_SUCCESS;
		case 'h':
			usage_status(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option("status", argv, c);
		}
	}
	if (optind < argc && set_target(&spec, 'c', argv[optind++], "status") < 0)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("status", "only one cgroup can be given");

	if (resolve_one(&spec, &cg) < 0)
		return EXIT_FAILURE;
	ret = status_print(cg, all, &o);
	free(cg);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- metrics ----------------------------------------------------------- */

static void usage_metrics(FILE *f)
{
	fputs("Usage: ksmctl metrics [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Print ksmd's and the cgroups' numbers in the Prometheus text format.\n"
	      "\n"
	      "  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID        the cgroup of process PID\n"
	      "  -s, --self           the cgroup of ksmctl itself\n"
	      "  -a, --all            every cgroup, not only those where KSM is on or\n"
	      "                       that have numbers\n"
	      "  -w, --write FILE     write to FILE atomically (node_exporter's textfile\n"
	      "                       collector) instead of standard output\n"
	      "  -h, --help           show this help\n", f);
}

/*
 * node_exporter may read the file at any moment: write a temporary file
 * beside it and rename it over, so that it only ever sees a whole one.
 */
static int write_metrics_file(const char *file, const struct cg_tree *t,
			      const struct ksmd_state *ks)
{
	char *tmp = xasprintf("%s.XXXXXX", file);
	FILE *f = NULL;
	int fd, ret = 0;

	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		ksm_error("cannot create %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return ret;
	}
	metrics_write(f, t, ks);
	if (fflush(f) != 0 || fsync(fd) < 0) {
		ret = -errno;
		ksm_error("cannot write %s: %s", tmp, strerror(errno));
	}
	if (fclose(f) != 0 && !ret) {
		ret = -errno;
		ksm_error("cannot write %s: %s", tmp, strerror(errno));
	}
	if (!ret && rename(tmp, file) < 0) {
		ret = -errno;
		ksm_error("cannot rename %s to %s: %s", tmp, file, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

static const struct option metrics_longopts[] = {
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "all", no_argument, NULL, 'a' },
	{ "write", required_argument, NULL, 'w' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_metrics(int argc, char **argv)
{
	struct target_spec spec = { 0, NULL };
	const char *file = NULL;
	struct ksmd_state ks;
	struct cg_tree tree;
	bool all = false;
	char *cg;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:saw:h", metrics_longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'p':
		case 's':
			if (set_target(&spec, (char)c, optarg, "metrics") < 0)
				return EXIT_USAGE;
			break;
		case 'a':
			all = true;
			break;
		case 'w':
			file = optarg;
			break;
		case 'h':
			usage_metrics(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option("metrics", argv, c);
		}
	}
	if (optind < argc && set_target(&spec, 'c', argv[optind++], "metrics") < 0)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("metrics", "only one cgroup can be given");

	if (resolve_one(&spec, &cg) < 0)
		return EXIT_FAILURE;
	ret = tree_load(cg, all, &tree);
	free(cg);
	if (ret < 0)
		return EXIT_FAILURE;
	ksmd_read(&ks);
	if (file) {
		ret = write_metrics_file(file, &tree, &ks);
	} else {
		metrics_write(stdout, &tree, &ks);
		ret = fflush(stdout) == 0 ? 0 : -errno;
	}
	tree_free(&tree);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- ksmd, start, stop --------------------------------------------------- */

static void usage_ksmd(FILE *f)
{
	size_t i;

	fputs("Usage: ksmctl ksmd [OPTIONS] [KEY[=VALUE]...]\n"
	      "\n"
	      "Show ksmd's knobs and numbers in /sys/kernel/mm/ksm, or set knobs.\n"
	      "Without KEY, show all that this kernel has.\n"
	      "\n"
	      "  -J, --json           JSON output\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Keys:\n", f);
	for (i = 0; i < knob_count; i++) {
		char values[64];

		knob_describe_values(&knobs[i], values, sizeof(values));
		fprintf(f, "  %-36s %s\n", knobs[i].name, values);
	}
}

struct assignment {
	const struct knob *knob;
	const char *value;
	char old[KNOB_VALUE_MAX];
};

static int knob_by_name(const char *name, size_t len, const struct knob **k)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	*k = knob_find(buf);
	if (!*k) {
		ksm_error("unknown ksmd key \"%s\" (see ksmctl ksmd --help)", buf);
		return -EINVAL;
	}
	return 0;
}

static void knob_write_error(const struct knob *k, const char *value, int err)
{
	char *path = knob_path(k);
	char mode[KNOB_VALUE_MAX];

	ksm_error("cannot write \"%s\" to %s: %s", value, path, strerror(-err));
	/* The kernel refuses pages_to_scan while the advisor sets it. */
	if (err == -EINVAL && !strcmp(k->name, "pages_to_scan") &&
	    knob_read(knob_find("advisor_mode"), mode, sizeof(mode), NULL, 0) == 0 &&
	    strcmp(mode, "none"))
		ksm_error("pages_to_scan is set by the advisor: set advisor_mode=none first");
	free(path);
}

/*
 * Set the knobs of @a: all values are checked first, and if the kernel
 * refuses one, the knobs set before it get their old values back.
 */
static int knobs_set(struct assignment *a, size_t n)
{
	size_t i, done;
	int ret;

	for (i = 0; i < n; i++) {
		char values[64];

		ret = knob_validate(a[i].knob, a[i].value);
		if (ret == 0)
			continue;
		knob_describe_values(a[i].knob, values, sizeof(values));
		if (ret == -EROFS)
			ksm_error("%s is read-only", a[i].knob->name);
		else
			ksm_error("invalid value \"%s\" for %s: must be %s", a[i].value,
				  a[i].knob->name, values);
		return ret;
	}
	for (i = 0; i < n; i++) {
		ret = knob_read(a[i].knob, a[i].old, sizeof(a[i].old), NULL, 0);
		if (ret < 0) {
			char *path = knob_path(a[i].knob);

			if (ret == -ENOENT)
				ksm_error("kernel has no %s", path);
			else
				ksm_error("cannot read %s: %s", path, strerror(-ret));
			free(path);
			return ret;
		}
	}
	for (done = 0; done < n; done++) {
		ret = knob_write(a[done].knob, a[done].value);
		if (ret < 0) {
			knob_write_error(a[done].knob, a[done].value, ret);
			while (done-- > 0)
				knob_write(a[done].knob, a[done].old);
			return ret;
		}
	}
	return 0;
}

static int knobs_show(char **keys, size_t n, bool json)
{
	struct ksmd_state ks;
	struct json_object *obj;
	size_t i;
	int ret = 0;

	ksmd_read(&ks);
	for (i = 0; i < n; i++) {
		const struct knob *k;

		if (knob_by_name(keys[i], strlen(keys[i]), &k) < 0)
			return -EINVAL;
		if (!ks.present[knob_index(k)]) {
			char *path = knob_path(k);

			ksm_error("kernel has no %s", path);
			free(path);
			return -ENOENT;
		}
	}
	if (json) {
		obj = ksmd_json(&ks);
		if (n) {
			struct json_object *sel = json_object_new_object();

			for (i = 0; i < n; i++) {
				struct json_object *v = NULL;

				json_object_object_get_ex(obj, keys[i], &v);
				json_object_object_add(sel, keys[i], json_object_get(v));
			}
			json_object_put(obj);
			obj = sel;
		}
		print_json(stdout, obj);
		json_object_put(obj);
		return 0;
	}
	if (n) {
		for (i = 0; i < n; i++)
			printf("%s=%s\n", keys[i], ksmd_value(&ks, keys[i]));
		return 0;
	}
	for (i = 0; i < knob_count; i++)
		if (ks.present[i])
			printf("%s=%s\n", knobs[i].name, ks.value[i]);
	if (access(ksm_sysfs_dir(), F_OK) < 0) {
		ksm_error("%s: %s (a kernel without KSM?)", ksm_sysfs_dir(), strerror(errno));
		ret = -errno;
	}
	return ret;
}

static int cmd_ksmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct assignment *set;
	char **show;
	size_t nset = 0, nshow = 0;
	bool json = false;
	int c, i, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'h':
			usage_ksmd(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option("ksmd", argv, c);
		}
	}
	set = xcalloc(argc, sizeof(*set));
	show = xcalloc(argc, sizeof(*show));
	ret = 0;
	for (i = optind; i < argc && ret == 0; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq) {
			show[nshow++] = argv[i];
			continue;
		}
		ret = knob_by_name(argv[i], eq - argv[i], &set[nset].knob);
		set[nset++].value = eq + 1;
	}
	if (ret == 0 && nset && nshow) {
		usage_error("ksmd", "give keys to show or KEY=VALUE to set, not both");
		ret = -EINVAL;
		free(set);
		free(show);
		return EXIT_USAGE;
	}
	if (ret == 0)
		ret = nset ? knobs_set(set, nset) : knobs_show(show, nshow, json);
	free(set);
	free(show);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * `ksmctl start` and `ksmctl stop`, as the ksmctl of Debian's ksmtuned
 * package: ksmd's run knob to 1 or 0.
 */
static int cmd_start_stop(int argc, char **argv)
{
	struct assignment a = { knob_find("run"), NULL, "" };

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("Usage: ksmctl %s\n\n%s ksmd (%s/run = %s).\n", argv[0],
			       !strcmp(argv[0], "start") ? "Start" : "Stop", DEFAULT_KSM_SYSFS,
			       !strcmp(argv[0], "start") ? "1" : "0");
			return EXIT_SUCCESS;
		}
		return usage_error(argv[0], "no arguments expected");
	}
	a.value = !strcmp(argv[0], "start") ? "1" : "0";
	return knobs_set(&a, 1) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- main ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "enable", cmd_enable_disable, "enable KSM for cgroups (memory.ksm = 1)" },
	{ "disable", cmd_enable_disable, "disable KSM for cgroups (memory.ksm = 0)" },
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

	fputs("Usage: ksmctl COMMAND [OPTIONS] [ARGS]\n"
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
	      "See ksmctl(8).\n", f);
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
		printf("ksmctl %s (cgroup KSM)\n", KSMCTL_VERSION);
		return EXIT_SUCCESS;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	ksm_error("unknown command \"%s\"", argv[1]);
	fprintf(ksm_errfile ? ksm_errfile : stderr, "Try 'ksmctl --help'.\n");
	return EXIT_USAGE;
}
