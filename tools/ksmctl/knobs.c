// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KSM's global knobs in /sys/kernel/mm/ksm.  The table gives what each
 * accepts, so that ksmctl can refuse a bad value with a message before the
 * kernel answers a bare EINVAL, and what each means, for the Prometheus
 * HELP lines.  Knobs that a kernel lacks are skipped everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knobs.h"
#include "paths.h"
#include "util.h"

#define UINT_MAXV UINT64_C(4294967295)
#define INT_MAXV UINT64_C(2147483647)
#define ULONG_MAXV UINT64_MAX

/*
 * The ranges are those of the kernel's store functions (mm/ksm.c),
 * except advisor_max_cpu, a percentage of one CPU that the kernel does
 * not check.
 */
const struct knob knobs[] = {
	{ "run", KNOB_NUMBER, 0, 2, false, false, "ksm_run",
	  "ksmd state: 0 stopped, 1 running, 2 stopped and everything unmerged." },
	{ "pages_to_scan", KNOB_NUMBER, 0, UINT_MAXV, false, false, "ksm_pages_to_scan",
	  "Pages ksmd scans before it sleeps." },
	{ "sleep_millisecs", KNOB_NUMBER, 0, UINT_MAXV, false, false, "ksm_sleep_seconds",
	  "Seconds ksmd sleeps between batches (sleep_millisecs)." },
	{ "max_page_sharing", KNOB_NUMBER, 2, INT_MAXV, false, false, "ksm_max_page_sharing",
	  "Maximum number of page tables mapping one KSM page." },
	{ "merge_across_nodes", KNOB_NUMBER, 0, 1, false, false, "ksm_merge_across_nodes",
	  "1 if pages of different NUMA nodes may be merged." },
	{ "use_zero_pages", KNOB_NUMBER, 0, 1, false, false, "ksm_use_zero_pages",
	  "1 if empty pages are merged with the kernel zero page." },
	{ "smart_scan", KNOB_NUMBER, 0, 1, false, false, "ksm_smart_scan",
	  "1 if ksmd skips pages that did not merge before." },
	{ "advisor_mode", KNOB_ADVISOR, 0, 0, false, false, NULL,
	  "Scan rate advisor in use." },
	{ "advisor_target_scan_time", KNOB_NUMBER, 1, ULONG_MAXV, false, false,
	  "ksm_advisor_target_scan_time_seconds",
	  "Seconds the advisor aims at for a full scan." },
	{ "advisor_max_cpu", KNOB_NUMBER, 1, 100, false, false, "ksm_advisor_max_cpu_percent",
	  "Percent of one CPU the advisor lets ksmd use at most." },
	{ "advisor_min_pages_to_scan", KNOB_NUMBER, 1, ULONG_MAXV, false, false,
	  "ksm_advisor_min_pages_to_scan", "Lower bound of the advisor's pages_to_scan." },
	{ "advisor_max_pages_to_scan", KNOB_NUMBER, 1, ULONG_MAXV, false, false,
	  "ksm_advisor_max_pages_to_scan", "Upper bound of the advisor's pages_to_scan." },
	{ "stable_node_chains_prune_millisecs", KNOB_NUMBER, 0, UINT_MAXV, false, false,
	  "ksm_stable_node_chains_prune_seconds",
	  "Seconds between prunes of stale stable node chains "
	  "(stable_node_chains_prune_millisecs)." },
	{ "full_scans", KNOB_STAT, 0, 0, false, true, "ksm_full_scans_total",
	  "Full scans of all mergeable areas." },
	{ "pages_shared", KNOB_STAT, 0, 0, false, false, "ksm_pages_shared",
	  "KSM pages in use (each shared by several mappings)." },
	{ "pages_sharing", KNOB_STAT, 0, 0, false, false, "ksm_pages_sharing",
	  "Mappings of KSM pages beyond the first: pages saved." },
	{ "pages_unshared", KNOB_STAT, 0, 0, false, false, "ksm_pages_unshared",
	  "Pages scanned that are unique but checked again." },
	{ "pages_volatile", KNOB_STAT, 0, 0, false, false, "ksm_pages_volatile",
	  "Pages changing too fast to be merged." },
	{ "pages_scanned", KNOB_STAT, 0, 0, false, true, "ksm_pages_scanned_total",
	  "Pages scanned by ksmd." },
	{ "pages_skipped", KNOB_STAT, 0, 0, false, true, "ksm_pages_skipped_total",
	  "Pages skipped by smart scanning." },
	{ "general_profit", KNOB_STAT, 0, 0, true, false, "ksm_general_profit_bytes",
	  "Memory saved by KSM minus its metadata, in bytes." },
	{ "ksm_zero_pages", KNOB_STAT, 0, 0, false, false, "ksm_zero_pages",
	  "Empty pages merged with the kernel zero page." },
	{ "stable_node_chains", KNOB_STAT, 0, 0, false, false, "ksm_stable_node_chains",
	  "KSM pages that hit the max_page_sharing limit." },
	{ "stable_node_dups", KNOB_STAT, 0, 0, false, false, "ksm_stable_node_dups",
	  "Duplicated KSM pages in stable node chains." },
};

const size_t knob_count = ARRAY_SIZE(knobs);

_Static_assert(ARRAY_SIZE(knobs) <= ARRAY_SIZE(((struct ksmd_state *)0)->present),
	       "struct ksmd_state is too small for the knob table");

const struct knob *knob_find(const char *name)
{
	size_t i;

	for (i = 0; i < knob_count; i++)
		if (!strcmp(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

size_t knob_index(const struct knob *k)
{
	return (size_t)(k - knobs);
}

bool knob_writable(const struct knob *k)
{
	return k->kind != KNOB_STAT;
}

char *knob_path(const struct knob *k)
{
	return xasprintf("%s/%s", ksm_sysfs_dir(), k->name);
}

/* What @k accepts, for error messages and `ksmctl ksmd --help`. */
void knob_describe_values(const struct knob *k, char *buf, size_t size)
{
	switch (k->kind) {
	case KNOB_ADVISOR:
		snprintf(buf, size, "none or scan-time");
		break;
	case KNOB_STAT:
		snprintf(buf, size, "read-only");
		break;
	case KNOB_NUMBER:
		if (k->min == 0 && k->max == 1)
			snprintf(buf, size, "0 or 1");
		else if (k->max == ULONG_MAXV)
			snprintf(buf, size, "an integer >= %" PRIu64, k->min);
		else
			snprintf(buf, size, "an integer from %" PRIu64 " to %" PRIu64,
				 k->min, k->max);
		break;
	}
}

/* 0 if @value is acceptable for @k, -EROFS or -EINVAL if not. */
int knob_validate(const struct knob *k, const char *value)
{
	uint64_t v;

	switch (k->kind) {
	case KNOB_STAT:
		return -EROFS;
	case KNOB_ADVISOR:
		return strcmp(value, "none") && strcmp(value, "scan-time") ? -EINVAL : 0;
	case KNOB_NUMBER:
		if (parse_u64(value, &v) < 0 || v < k->min || v > k->max)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/*
 * advisor_mode reads like "[none] scan-time": the selected mode is in
 * brackets.  A kernel without brackets gets its value taken as it is.
 */
int advisor_mode_parse(const char *raw, char *mode, size_t size)
{
	const char *open = strchr(raw, '['), *close;
	size_t len;

	if (!open) {
		snprintf(mode, size, "%s", raw);
		return *raw ? 0 : -EINVAL;
	}
	close = strchr(open, ']');
	if (!close)
		return -EINVAL;
	len = close - open - 1;
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(mode, open + 1, len);
	mode[len] = '\0';
	return 0;
}

/*
 * Read @k into @buf (stripped; the selected mode for advisor_mode) and,
 * if @raw is given, the file as it is.  Returns 0 or -errno.
 */
int knob_read(const struct knob *k, char *buf, size_t size, char *raw, size_t rawsize)
{
	char text[KSM_FILE_MAX], *path = knob_path(k), *v;
	int ret;

	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	free(path);
	if (ret < 0)
		return ret;
	v = strstrip(text);
	if (raw)
		snprintf(raw, rawsize, "%s", v);
	if (k->kind == KNOB_ADVISOR)
		return advisor_mode_parse(v, buf, size);
	snprintf(buf, size, "%s", v);
	return 0;
}

int knob_write(const struct knob *k, const char *value)
{
	char *path = knob_path(k);
	int ret;

	ret = write_file_at(AT_FDCWD, path, value);
	free(path);
	return ret;
}

/* Read every knob the kernel has; a knob that cannot be read is absent. */
void ksmd_read(struct ksmd_state *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < knob_count; i++) {
		char *raw = knobs[i].kind == KNOB_ADVISOR ? s->advisor_modes : NULL;

		s->present[i] = knob_read(&knobs[i], s->value[i], KNOB_VALUE_MAX,
					  raw, sizeof(s->advisor_modes)) == 0;
	}
}

const char *ksmd_value(const struct ksmd_state *s, const char *name)
{
	const struct knob *k = knob_find(name);

	if (!k || !s->present[knob_index(k)])
		return NULL;
	return s->value[knob_index(k)];
}
