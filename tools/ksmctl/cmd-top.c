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
	fputs("Usage: ksmctl top [OPTIONS] [CGROUP]\n"
	      "\n"
	      "Show the cgroups below CGROUP sorted by KSM profit, refreshed.\n"
	      "\n"
	      "  -u, --unit NAME        the cgroup of the systemd unit NAME\n"
	      "  -p, --pid PID          the cgroup of process PID\n"
	      "  -s, --self             the cgroup of ksmctl itself\n"
	      "  -n, --iterations N     stop after N frames\n"
	      "  -d, --delay SECONDS    time between frames (default 1)\n"
	      "  -b, --batch            plain frames one after the other, no screen\n"
	      "                         control, no keys\n"
	      "  -a, --all              every cgroup, not only those where KSM is on or\n"
	      "                         that have numbers\n"
	      "      --bytes            print sizes in bytes\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Keys: q quits.\n", f);
}

static int cmp_profit(const void *a, const void *b)
{
	const struct cg_node *x = *(struct cg_node *const *)a;
	const struct cg_node *y = *(struct cg_node *const *)b;

	if (x->counts.profit != y->counts.profit)
		return x->counts.profit > y->counts.profit ? -1 : 1;
	if (x->counts.merging_pages != y->counts.merging_pages)
		return x->counts.merging_pages > y->counts.merging_pages ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

/* One frame; on a terminal cut to its height. */
static int top_frame(const char *cg, bool all, const struct out_opts *o, bool screen)
{
	struct ksmd_state ks;
	struct cg_tree tree;
	struct cg_node **rows;
	size_t n = 0, i, max;
	int ret;

	ret = tree_load(cg, all, &tree);
	if (ret < 0)
		return ret;
	ksmd_read(&ks);
	rows = xcalloc(tree.count, sizeof(*rows));
	for (i = 0; i < tree.count; i++)
		if (tree.nodes[i]->shown)
			rows[n++] = tree.nodes[i];
	qsort(rows, n, sizeof(*rows), cmp_profit);

	if (screen) {
		/* Summary, blank line, heading, and a line for the cursor. */
		max = terminal_rows() > 4 ? (size_t)terminal_rows() - 4 : 1;
		if (n > max)
			n = max;
		fputs("\033[H\033[2J", stdout);
	}
	print_ksmd_summary(stdout, &ks, o->bytes);
	fputc('\n', stdout);
	print_table(stdout, rows, n, o, false);
	if (!screen)
		fputc('\n', stdout);
	fflush(stdout);
	free(rows);
	tree_free(&tree);
	return 0;
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
	{ "bytes", no_argument, NULL, 'B' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_top(int argc, char **argv)
{
	static const enum col_id cols[] = {
		COL_CGROUP, COL_KSM, COL_EFFECTIVE, COL_WEIGHT, COL_MERGING, COL_ZERO,
		COL_RMAP, COL_PROFIT,
	};
	struct targets t = { 0 };
	char kind = 'c';
	const char *arg = "/";
	long iterations = -1, i;
	double delay = 1;
	bool batch = false, all = false, screen, keys;
	struct termios saved, raw;
	struct sigaction sa;
	struct out_opts o;
	char *end;
	int c, ret = 0;

	out_opts_init(&o);
	memcpy(o.cols, cols, sizeof(cols));
	o.ncols = ARRAY_SIZE(cols);
	o.list = true;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:sn:d:bah", top_longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'p':
		case 's':
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
			all = true;
			break;
		case 'B':
			o.bytes = true;
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
	if (cg_check_root() < 0 || targets_add(&t, kind, arg) < 0)
		return EXIT_FAILURE;

	screen = !batch && isatty(STDOUT_FILENO);
	keys = screen && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
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
		ret = top_frame(t.cgs[0], all, &o, screen);
		if (ret < 0 || top_stop)
			break;
	}

	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	targets_free(&t);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
