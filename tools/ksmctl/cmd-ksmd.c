// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl ksmd, start, stop: show or set the knobs in /sys/kernel/mm/ksm,
 * all of them or none.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "knobs.h"
#include "ksmctl.h"
#include "output.h"
#include "paths.h"
#include "util.h"

static void usage_ksmd(FILE *f)
{
	size_t i;

	fputs("Usage: " PROGNAME " ksmd [OPTIONS] [KEY[=VALUE]...]\n"
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
		ksm_error("unknown ksmd key \"%s\" (see " PROGNAME " ksmd --help)", buf);
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

int cmd_ksmd(int argc, char **argv)
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
int cmd_start_stop(int argc, char **argv)
{
	struct assignment a = { knob_find("run"), NULL, "" };

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("Usage: " PROGNAME " %s\n\n%s ksmd (%s/run = %s).\n", argv[0],
			       !strcmp(argv[0], "start") ? "Start" : "Stop", DEFAULT_KSM_SYSFS,
			       !strcmp(argv[0], "start") ? "1" : "0");
			return EXIT_SUCCESS;
		}
		return usage_error(argv[0], "no arguments expected");
	}
	a.value = !strcmp(argv[0], "start") ? "1" : "0";
	return knobs_set(&a, 1) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
