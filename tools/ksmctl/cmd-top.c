// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl top: the cgroups sorted by KSM profit, refreshed every DELAY
 * seconds, after systemd-cgtop.  On a terminal it redraws the screen and
 * quits on 'q'; with --batch, or when the output is not a terminal, it
 * prints one plain frame after the other, for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "cgroup.h"
#include "knobs.h"
#include "command.h"
#include "ksmctl.h"
#include "output.h"
#include "tree.h"
#include "util.h"

static volatile sig_atomic_t top_stop;

static void on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void usage_top(FILE *f)
{
	fputs("Usage: " PROGNAME " top [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Show the cgroups below CGROUP sorted by KSM profit, refreshed.\n"
	      "\n"
	      "  -u, --unit NAME        the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID          the cgroup of process PID\n"
	      "  -s, --self             the cgroup of " PROGNAME " itself\n"
	      "  -n, --iterations N     stop after N frames\n"
	      "  -d, --delay SECONDS    time between frames (default 1)\n"
	      "  -b, --batch            plain frames one after the other, no screen\n"
	      "                         control, no keys\n"
	      "  -a, --all              every cgroup, not only those where KSM is on,\n"
	      "                         that are isolated or that have numbers\n"
	      "  -o, --output LIST      columns to show (see status --list-columns)\n"
	      "      --order KEY        sort by profit (default), merging, scanrate,\n"
	      "                         delta or path\n"
	      "      --depth N          no cgroup more than N levels below CGROUP\n"
	      "  -J, --json             one JSON object per frame and line (with --batch)\n"
	      "      --bytes            print sizes in bytes\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "SCANRATE and DELTA are taken between two frames: the first has none.\n"
	      "Keys: q quits.\n", f);
}

enum top_order { ORDER_PROFIT, ORDER_MERGING, ORDER_SCANRATE, ORDER_DELTA, ORDER_PATH };

static const char *const order_names[] = {
	[ORDER_PROFIT] = "profit", [ORDER_MERGING] = "merging", [ORDER_SCANRATE] = "scanrate",
	[ORDER_DELTA] = "delta", [ORDER_PATH] = "path",
};

static enum top_order top_order;

/* Largest first, then by path; qsort() has no context argument. */
static int cmp_rows(const void *a, const void *b)
{
	const struct cg_node *x = *(struct cg_node *const *)a;
	const struct cg_node *y = *(struct cg_node *const *)b;
	double vx = 0, vy = 0;

	switch (top_order) {
	case ORDER_PROFIT:
		vx = (double)x->counts.profit;
		vy = (double)y->counts.profit;
		if (vx == vy) {
			vx = (double)x->counts.merging_pages;
			vy = (double)y->counts.merging_pages;
		}
		break;
	case ORDER_MERGING:
		vx = (double)x->counts.merging_pages;
		vy = (double)y->counts.merging_pages;
		break;
	case ORDER_SCANRATE:
		vx = x->have_rate ? x->scan_rate : -1;
		vy = y->have_rate ? y->scan_rate : -1;
		break;
	case ORDER_DELTA:
		vx = x->have_rate ? (double)x->merging_delta : -1e18;
		vy = y->have_rate ? (double)y->merging_delta : -1e18;
		break;
	case ORDER_PATH:
		break;
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The state one frame keeps for the next: its tree, and when it was read. */
struct top_prev {
	struct cg_tree tree;
	struct timespec at;
	bool valid;
};

static void top_prev_free(struct top_prev *p)
{
	if (p->valid)
		tree_free(&p->tree);
	p->valid = false;
}

struct top_opts {
	const char *cg;
	bool all, screen, json;
	long depth;		/* -1: no limit */
	struct out_opts out;
};

static int terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

/*
 * One frame; on a terminal cut to its height.  @prev holds the previous
 * frame's tree and gets this one's.
 */
static int top_frame(const struct top_opts *to, struct top_prev *prev)
{
	const struct out_opts *o = &to->out;
	struct ksmd_state ks;
	struct cg_tree tree;
	struct cg_node **rows;
	struct timespec now;
	size_t n = 0, i, max;
	int ret;

	ret = tree_load(to->cg, to->all, &tree);
	if (ret < 0)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ksmd_read(&ks);
	if (prev->valid)
		tree_rates(&tree, &prev->tree, (double)(now.tv_sec - prev->at.tv_sec) +
			   (now.tv_nsec - prev->at.tv_nsec) / 1e9);
	rows = xcalloc(tree.count, sizeof(*rows));
	for (i = 0; i < tree.count; i++)
		if (tree.nodes[i]->shown && (to->depth < 0 || tree.nodes[i]->depth <= to->depth))
			rows[n++] = tree.nodes[i];
	qsort(rows, n, sizeof(*rows), cmp_rows);

	if (to->json) {
		struct json_object *frame = json_object_new_object();

		json_object_object_add(frame, "ksmd", ksmd_json(&ks));
		json_object_object_add(frame, "cgroups", cgroups_json(rows, n, o));
		printf("%s\n", json_object_to_json_string_ext(frame,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(frame);
	} else {
		if (to->screen) {
			/* Summary, blank line, heading, and a line for the cursor. */
			max = terminal_rows() > 4 ? (size_t)terminal_rows() - 4 : 1;
			if (n > max)
				n = max;
			fputs("\033[H\033[2J", stdout);
		}
		print_ksmd_summary(stdout, &ks, o->bytes);
		fputc('\n', stdout);
		ret = print_table(stdout, rows, n, o, false);
		if (ret < 0)
			ksm_error("cannot print the table: %s", strerror(-ret));
		else if (!to->screen)
			fputc('\n', stdout);
	}
	fflush(stdout);
	free(rows);

	top_prev_free(prev);
	prev->tree = tree;
	prev->at = now;
	prev->valid = true;
	return ret;
}

/*
 * Wait @sec seconds; on a terminal, return early with true when 'q' is
 * pressed.
 */
static bool wait_or_quit(double sec, bool keys)
{
	struct timespec end, now;
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)sec;
	end.tv_nsec += (long)((sec - (time_t)sec) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (!top_stop) {
		long ms;
		char c;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return false;
		if (poll(&pfd, keys ? 1 : 0, (int)ms) > 0 && read(STDIN_FILENO, &c, 1) == 1 &&
		    (c == 'q' || c == 'Q'))
			return true;
	}
	return true;
}

static const struct option top_longopts[] = {
	{ "unit", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "self", no_argument, NULL, 's' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "delay", required_argument, NULL, 'd' },
	{ "batch", no_argument, NULL, 'b' },
	{ "all", no_argument, NULL, 'a' },
	{ "output", required_argument, NULL, 'o' },
	{ "order", required_argument, NULL, 'O' },
	{ "depth", required_argument, NULL, 'D' },
	{ "json", no_argument, NULL, 'J' },
	{ "bytes", no_argument, NULL, 'B' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_top(int argc, char **argv)
{
	static const enum col_id cols[] = {
		COL_CGROUP, COL_KSM, COL_EFFECTIVE, COL_WEIGHT, COL_MERGING, COL_DELTA,
		COL_ZERO, COL_RMAP, COL_PROFIT, COL_SCANRATE,
	};
	struct top_opts to = { .depth = -1 };
	struct top_prev prev = { .valid = false };
	struct targets t = { 0 };
	char kind = 'c';
	const char *arg = "/";
	long iterations = -1, i;
	double delay = 1;
	bool batch = false, keys;
	struct termios saved, raw;
	struct sigaction sa;
	char *end;
	size_t k;
	int c, ret = 0;

	out_opts_init(&to.out);
	memcpy(to.out.cols, cols, sizeof(cols));
	to.out.ncols = ARRAY_SIZE(cols);
	to.out.list = true;
	top_order = ORDER_PROFIT;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sn:d:bao:Jh", top_longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'p':
		case 's':
			if (kind != 'c')
				return usage_error("top", "only one cgroup can be given");
			kind = (char)c;
			arg = optarg;
			break;
		case 'n':
			errno = 0;
			iterations = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || iterations < 1)
				return usage_error("top", "--iterations needs a positive number");
			break;
		case 'd':
			if (parse_seconds(optarg, &delay) < 0)
				return usage_error("top", "--delay needs a positive number of seconds");
			break;
		case 'b':
			batch = true;
			break;
		case 'a':
			to.all = true;
			break;
		case 'o':
			if (out_parse_columns(&to.out, optarg) < 0)
				return EXIT_USAGE;
			break;
		case 'O':
			for (k = 0; k < ARRAY_SIZE(order_names); k++)
				if (!strcmp(optarg, order_names[k]))
					break;
			if (k == ARRAY_SIZE(order_names))
				return usage_error("top", "--order takes profit, merging, scanrate, "
						   "delta or path");
			top_order = (enum top_order)k;
			break;
		case 'D':
			errno = 0;
			to.depth = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || to.depth < 0)
				return usage_error("top", "--depth needs a number, 0 or more");
			break;
		case 'J':
			to.json = true;
			break;
		case 'B':
			to.out.bytes = true;
			break;
		case 'h':
			usage_top(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option("top", argv, c);
		}
	}
	if (optind < argc) {
		if (kind != 'c' || optind + 1 < argc)
			return usage_error("top", "only one cgroup can be given");
		arg = argv[optind];
	}
	/* A screen that redraws itself is no place for JSON. */
	if (to.json && !batch)
		return usage_error("top", "--json needs --batch");
	if (to.json)
		to.out.mode = OUT_JSON;
	if (cg_check_root() < 0 || targets_add(&t, kind, arg) < 0)
		return EXIT_FAILURE;
	to.cg = t.cgs[0];

	to.screen = !batch && isatty(STDOUT_FILENO);
	keys = to.screen && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (keys) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	/* Without SA_RESTART, so that poll() returns on a signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	top_stop = 0;

	for (i = 0; iterations < 0 || i < iterations; i++) {
		if (i > 0 && wait_or_quit(delay, keys))
			break;
		ret = top_frame(&to, &prev);
		if (ret < 0 || top_stop)
			break;
	}

	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	top_prev_free(&prev);
	targets_free(&t);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
