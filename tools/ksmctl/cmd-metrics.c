// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl metrics: the Prometheus text format (metrics.c), on standard
 * output or written atomically for node_exporter's textfile collector.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "command.h"
#include "knobs.h"
#include "ksmctl.h"
#include "metrics.h"
#include "tree.h"
#include "util.h"

static void usage_metrics(FILE *f)
{
	fputs("Usage: " PROGNAME " metrics [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Print ksmd's and the cgroups' numbers in the Prometheus text format.\n"
	      "\n"
	      "  -u, --unit NAME      the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID        the cgroup of process PID\n"
	      "  -s, --self           the cgroup of " PROGNAME " itself\n"
	      "  -a, --all            every cgroup, not only those where KSM is on, that\n"
	      "                       are isolated or that have numbers\n"
	      "      --max-depth N    no cgroup more than N levels below CGROUP (their\n"
	      "                       numbers are in their ancestors')\n"
	      "  -w, --write FILE     write to FILE atomically (node_exporter's textfile\n"
	      "                       collector) instead of standard output\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "A cgroup's numbers include its descendants': sum over one level only.\n", f);
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
	{ "max-depth", required_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_metrics(int argc, char **argv)
{
	struct target_spec spec = { 0, NULL };
	const char *file = NULL;
	struct ksmd_state ks;
	struct cg_tree tree;
	bool all = false;
	long max_depth = -1;
	char *cg, *end;
	size_t i;
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
		case 'D':
			errno = 0;
			max_depth = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || max_depth < 0)
				return usage_error("metrics", "--max-depth needs a number, 0 or more");
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
	/* Hierarchical numbers: what is cut off is counted in its ancestors. */
	for (i = 0; max_depth >= 0 && i < tree.count; i++)
		if (tree.nodes[i]->depth > max_depth)
			tree.nodes[i]->shown = false;
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
