// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl status: ksmd's state and the cgroup tree's KSM numbers, as a
 * tree, a list, raw lines or JSON, in the manner of lsblk.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "command.h"
#include "knobs.h"
#include "ksmctl.h"
#include "output.h"
#include "tree.h"
#include "util.h"

static void usage_status(FILE *f)
{
	fputs("Usage: " PROGNAME " status [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Show ksmd's state and the cgroup tree below CGROUP (default: the root)\n"
	      "with each cgroup's KSM setting and numbers.  Only cgroups where KSM is on,\n"
	      "that are isolated or that have numbers are shown, and their ancestors,\n"
	      "unless --all.\n"
	      "\n"
	      "  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID        the cgroup of process PID\n"
	      "  -s, --self           the cgroup of " PROGNAME " itself\n"
	      "  -a, --all            show every cgroup\n"
	      "  -b, --bytes          print sizes in bytes\n"
	      "  -o, --output COLS    columns to show (+COLS adds to the default)\n"
	      "  -l, --list           full paths instead of a tree\n"
	      "  -J, --json           JSON output\n"
	      "  -r, --raw            raw output: one line per cgroup, escaped\n"
	      "  -P, --pairs          KEY=\"value\" pairs, one line per cgroup\n"
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

static bool rows_have_source(struct cg_node **rows, size_t n, enum count_source src)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i]->source == src)
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
		ret = print_table(stdout, rows, n, o, true);
		if (ret < 0)
			ksm_error("cannot print the table: %s", strerror(-ret));
		if (ret == 0 && o->mode == OUT_TABLE && !o->noheadings && rows_have_source(rows, n, SRC_PROCS))
			printf("\n* summed over the processes of the subtree "
			       "(this kernel has no %s)\n", KSM_STAT_FILE);
		if (ret == 0 && o->mode == OUT_TABLE && !o->noheadings &&
		    rows_have_source(rows, n, SRC_NOMEMCG))
			printf("\n- no numbers where the memory controller is off: its "
			       "processes count in the nearest ancestor with it\n");
	}
	free(rows);
	tree_free(&tree);
	return ret;
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
	{ "pairs", no_argument, NULL, 'P' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "list-columns", no_argument, NULL, 'H' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_status(int argc, char **argv)
{
	struct target_spec spec = { 0, NULL };
	struct out_opts o;
	bool all = false;
	char *cg;
	int c, ret;

	out_opts_init(&o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sabo:lJrPnHh", status_longopts, NULL)) != -1) {
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
		case 'P':
			o.mode = OUT_PAIRS;
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
