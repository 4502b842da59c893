// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsers for the flat keyed files of the kernel: memory.ksm.stat
 * ("merging_pages 12") and /proc/PID/ksm_stat ("ksm_merging_pages 12",
 * "ksm_merge_any: no"), and for /proc/PID/cgroup.  Unknown keys are
 * ignored, so that a kernel adding a line does not break ksmctl.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kstat.h"
#include "util.h"

/*
 * Call @fn for each "key value" or "key: value" line of @text, which is
 * modified in place.  Lines without a value are skipped.  A non-zero
 * return of @fn stops the walk and is returned.
 */
int kv_foreach(char *text, kv_fn fn, void *data)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *key = line, *value;
		size_t klen = strcspn(line, " \t:");
		int ret;

		if (!klen || !line[klen])
			continue;
		value = line + klen;
		*value++ = '\0';
		value = strstrip(value);
		if (*value == ':')
			value = strstrip(value + 1);
		ret = fn(key, value, data);
		if (ret)
			return ret;
	}
	return 0;
}

struct count_key {
	const char *key;
	size_t offset;
	unsigned int bit;
};

static const struct count_key memcg_keys[] = {
	{ "merging_pages", offsetof(struct ksm_counts, merging_pages), KC_MERGING },
	{ "zero_pages", offsetof(struct ksm_counts, zero_pages), KC_ZERO },
	{ "rmap_items", offsetof(struct ksm_counts, rmap_items), KC_RMAP },
	{ "profit", offsetof(struct ksm_counts, profit), KC_PROFIT },
	{ "pages_scanned", offsetof(struct ksm_counts, pages_scanned), KC_SCANNED },
	{ "ksm_pages", offsetof(struct ksm_counts, ksm_pages), KC_KSM_PAGES },
	{ "domain_pages_shared", offsetof(struct ksm_counts, domain_pages_shared),
	  KC_DOMAIN_SHARED },
	{ NULL, 0, 0 }
};

static const struct count_key proc_keys[] = {
	{ "ksm_merging_pages", offsetof(struct ksm_counts, merging_pages), KC_MERGING },
	{ "ksm_zero_pages", offsetof(struct ksm_counts, zero_pages), KC_ZERO },
	{ "ksm_rmap_items", offsetof(struct ksm_counts, rmap_items), KC_RMAP },
	{ "ksm_process_profit", offsetof(struct ksm_counts, profit), KC_PROFIT },
	{ NULL, 0, 0 }
};

struct count_parse {
	const struct count_key *keys;
	struct ksm_counts *counts;
	int *effective;
};

static int count_line(const char *key, const char *value, void *data)
{
	struct count_parse *p = data;
	const struct count_key *k;
	int64_t v;

	if (p->effective && !strcmp(key, "effective")) {
		if (!strcmp(value, "0") || !strcmp(value, "1"))
			*p->effective = value[0] - '0';
		return 0;
	}
	for (k = p->keys; k->key; k++) {
		if (strcmp(key, k->key))
			continue;
		/* A malformed number is as good as an absent line. */
		if (parse_s64(value, &v) == 0) {
			*(int64_t *)((char *)p->counts + k->offset) = v;
			p->counts->have |= k->bit;
		}
		break;
	}
	return 0;
}

int ksm_stat_parse(char *text, struct ksm_counts *c, int *effective)
{
	struct count_parse p = { memcg_keys, c, effective };

	memset(c, 0, sizeof(*c));
	*effective = -1;
	return kv_foreach(text, count_line, &p);
}

int proc_ksm_stat_parse(char *text, struct ksm_counts *c)
{
	struct count_parse p = { proc_keys, c, NULL };

	memset(c, 0, sizeof(*c));
	return kv_foreach(text, count_line, &p);
}

/*
 * The cgroup2 line of /proc/PID/cgroup is "0::PATH"; on a hybrid
 * hierarchy the v1 lines come first.  -ENOENT when there is none.
 */
int proc_cgroup_parse(const char *text, char **cgroup)
{
	const char *line = text;

	while (*line) {
		size_t len = strcspn(line, "\n");

		if (len >= 3 && !strncmp(line, "0::", 3)) {
			char *path = xmalloc(len - 2);

			memcpy(path, line + 3, len - 3);
			path[len - 3] = '\0';
			if (path[0] != '/') {
				free(path);
				return -EINVAL;
			}
			*cgroup = path;
			return 0;
		}
		line += len;
		if (*line)
			line++;
	}
	return -ENOENT;
}

/*
 * Add @c to @sum, field by field: the numbers of a subtree are its
 * processes' or children's added up.  domain_pages_shared is not: it is
 * the merge domain's, which every cgroup of the domain shows whole, so
 * neither it nor its bit is carried over.
 */
void ksm_counts_add(struct ksm_counts *sum, const struct ksm_counts *c)
{
	sum->merging_pages += c->merging_pages;
	sum->zero_pages += c->zero_pages;
	sum->rmap_items += c->rmap_items;
	sum->profit += c->profit;
	sum->pages_scanned += c->pages_scanned;
	sum->ksm_pages += c->ksm_pages;
	sum->have |= c->have & ~KC_DOMAIN_SHARED;
}

/*
 * Whether the cgroup's subtree has KSM numbers to show.  Its domain's KSM
 * pages do not count: every cgroup of a domain has them, busy or not.
 */
bool ksm_counts_nonzero(const struct ksm_counts *c)
{
	return c->merging_pages || c->zero_pages || c->rmap_items || c->profit ||
	       c->ksm_pages;
}
