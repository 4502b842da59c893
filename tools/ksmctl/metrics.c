// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text exposition format, for node_exporter's textfile
 * collector: one family per number, each with its HELP and TYPE lines and
 * all its samples together, as the format requires.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

/*
 * A label value in double quotes: \, " and newline are escaped, and bytes
 * that are not UTF-8 written as \xHH first (the format requires UTF-8).
 */
void prom_label_value(FILE *f, const char *value)
{
	char *safe = utf8_escape_invalid(value), *s = safe;

	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
	free(safe);
}

/* HELP text escapes \ and newline only. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

enum cg_metric_value {
	M_OWN, M_EFFECTIVE, M_WEIGHT, M_ISOLATED, M_MERGING, M_ZERO, M_RMAP, M_PROFIT,
	M_SCANNED, M_KSM_PAGES, M_FROM_PROCS,
};

static const struct {
	const char *name, *type, *help;
	enum cg_metric_value value;
} cg_metrics[] = {
	{ "ksm_cgroup_enabled", "gauge",
	  "Own memory.ksm setting of the cgroup (1 on, 0 off).", M_OWN },
	{ "ksm_cgroup_effective", "gauge",
	  "1 if memory.ksm of the cgroup or of an ancestor is 1.", M_EFFECTIVE },
	{ "ksm_cgroup_weight", "gauge", "memory.ksm.weight of the cgroup.", M_WEIGHT },
	{ "ksm_cgroup_isolated", "gauge",
	  "Own memory.ksm.isolated setting of the cgroup (1: its subtree is a KSM merge "
	  "domain of its own, 0 not).", M_ISOLATED },
	{ "ksm_cgroup_merging_pages", "gauge",
	  "Pages of the cgroup's subtree merged by KSM.", M_MERGING },
	{ "ksm_cgroup_ksm_pages", "gauge",
	  "KSM pages (copies kept of merged contents) charged to the cgroup's subtree.",
	  M_KSM_PAGES },
	{ "ksm_cgroup_zero_pages", "gauge",
	  "Pages of the cgroup's subtree merged with the zero page.", M_ZERO },
	{ "ksm_cgroup_rmap_items", "gauge",
	  "KSM reverse map items (metadata) of the cgroup's subtree.", M_RMAP },
	{ "ksm_cgroup_profit_bytes", "gauge",
	  "Memory KSM saves the cgroup's subtree: the drop of its memory.current from "
	  "merging (the copies kept count against the cgroup they are charged to), less "
	  "KSM's metadata; may be negative.  The root's is general_profit.", M_PROFIT },
	{ "ksm_cgroup_pages_scanned_total", "counter",
	  "Pages of the cgroup's subtree scanned by ksmd.", M_SCANNED },
	{ "ksm_cgroup_summed_from_processes", "gauge",
	  "1 if the cgroup's numbers are summed over its processes' /proc/PID/ksm_stat "
	  "(a kernel without memory.ksm.stat).", M_FROM_PROCS },
};

/* The value of @m for @n; false if the cgroup has none. */
static bool cg_value(const struct cg_node *n, enum cg_metric_value m, int64_t *v)
{
	const struct ksm_counts *c = &n->counts;
	bool procs = n->source == SRC_PROCS;

	switch (m) {
	case M_OWN:
		*v = n->own;
		return n->own >= 0;
	case M_EFFECTIVE:
		*v = n->effective;
		return true;
	case M_WEIGHT:
		*v = n->weight;
		return n->weight >= 0;
	case M_ISOLATED:
		*v = n->isolated;
		return n->isolated >= 0;
	case M_MERGING:
		*v = c->merging_pages;
		return procs || (c->have & KC_MERGING);
	case M_ZERO:
		*v = c->zero_pages;
		return procs || (c->have & KC_ZERO);
	case M_RMAP:
		*v = c->rmap_items;
		return procs || (c->have & KC_RMAP);
	case M_PROFIT:
		*v = c->profit;
		return procs || (c->have & KC_PROFIT);
	case M_SCANNED:
		*v = c->pages_scanned;
		return c->have & KC_SCANNED;
	case M_KSM_PAGES:
		*v = c->ksm_pages;
		return c->have & KC_KSM_PAGES;
	case M_FROM_PROCS:
		*v = procs;
		return n->source != SRC_NONE && n->source != SRC_NOMEMCG;
	}
	return false;
}

static void cgroup_metrics(FILE *f, const struct cg_tree *t)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cg_metrics); i++) {
		bool started = false;

		for (j = 0; j < t->count; j++) {
			const struct cg_node *n = t->nodes[j];
			int64_t v;

			if (!n->shown || !cg_value(n, cg_metrics[i].value, &v))
				continue;
			if (!started)
				family(f, cg_metrics[i].name, cg_metrics[i].type, cg_metrics[i].help);
			started = true;
			fprintf(f, "%s{cgroup=", cg_metrics[i].name);
			prom_label_value(f, n->path);
			fprintf(f, "} %" PRId64 "\n", v);
		}
	}
}

struct domain_sample {
	const char *domain;
	size_t order;		/* the cgroup's place in the tree */
	int64_t pages;
};

/* By domain, then in tree order. */
static int cmp_domain_sample(const void *a, const void *b)
{
	const struct domain_sample *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	if (c)
		return c;
	return (x->order > y->order) - (x->order < y->order);
}

/*
 * ksm_domain_pages_shared: one sample per merge domain of the listed
 * cgroups, by domain path.  Every cgroup of a domain reads the same number,
 * the domain's: one sample per cgroup would be summed by whoever sums a
 * family.  A domain is there if a listed cgroup in it read the number
 * from its memory.ksm.stat: the root cgroup, which has none, does not
 * bring in the root domain ("/").  Should two cgroups of a domain
 * disagree (ksmd merged between the reads), the first in tree order, the
 * nearest the domain's top, gives it.
 */
static void domain_metrics(FILE *f, const struct cg_tree *t)
{
	struct domain_sample *s = xcalloc(t->count ?: 1, sizeof(*s));
	size_t i, n = 0;

	for (i = 0; i < t->count; i++) {
		const struct cg_node *node = t->nodes[i];

		if (!node->shown || !(node->counts.have & KC_DOMAIN_SHARED))
			continue;
		s[n].domain = node->domain;
		s[n].order = i;
		s[n].pages = node->counts.domain_pages_shared;
		n++;
	}
	qsort(s, n, sizeof(*s), cmp_domain_sample);
	for (i = 0; i < n; i++) {
		if (i > 0 && !strcmp(s[i].domain, s[i - 1].domain))
			continue;
		if (i == 0)
			family(f, "ksm_domain_pages_shared", "gauge",
			       "KSM pages of the merge domain, its part of pages_shared; the root "
			       "domain's (domain=\"/\") is pages_shared less the other domains'. "
			       "One sample per domain: every cgroup of the domain reads this "
			       "number, so it is not to be summed over cgroups.");
		fputs("ksm_domain_pages_shared{domain=", f);
		prom_label_value(f, s[i].domain);
		fprintf(f, "} %" PRId64 "\n", s[i].pages);
	}
	free(s);
}

/* advisor_mode: one sample per mode the kernel offers, 1 for the selected. */
static void advisor_metric(FILE *f, const struct ksmd_state *s)
{
	char modes[KNOB_VALUE_MAX], *save = NULL, *m;
	const char *sel = ksmd_value(s, "advisor_mode");

	if (!sel)
		return;
	family(f, "ksm_advisor_mode", "gauge", "1 for the scan rate advisor in use.");
	snprintf(modes, sizeof(modes), "%s", s->advisor_modes);
	for (m = strtok_r(modes, " \t[]", &save); m; m = strtok_r(NULL, " \t[]", &save)) {
		fputs("ksm_advisor_mode{mode=", f);
		prom_label_value(f, m);
		fprintf(f, "} %d\n", !strcmp(m, sel));
	}
}

static bool is_millisecs(const struct knob *k)
{
	size_t len = strlen(k->name), suffix = strlen("_millisecs");

	return len > suffix && !strcmp(k->name + len - suffix, "_millisecs");
}

static void global_metrics(FILE *f, const struct ksmd_state *s)
{
	size_t i;

	for (i = 0; i < knob_count; i++) {
		const struct knob *k = &knobs[i];
		int64_t n;
		uint64_t u;

		if (!s->present[i] || !k->metric)
			continue;
		/* A value that is not a number would make the whole file invalid. */
		if (parse_u64(s->value[i], &u) < 0 && parse_s64(s->value[i], &n) < 0)
			continue;
		family(f, k->metric, k->is_counter ? "counter" : "gauge", k->help);
		/* Prometheus wants base units: milliseconds as seconds. */
		if (is_millisecs(k))
			fprintf(f, "%s %" PRIu64 ".%03" PRIu64 "\n", k->metric,
				u / 1000, u % 1000);
		else
			fprintf(f, "%s %s\n", k->metric, s->value[i]);
	}
	advisor_metric(f, s);
	family(f, "ksm_page_size_bytes", "gauge", "Size of a page, for the *_pages metrics.");
	fprintf(f, "ksm_page_size_bytes %ld\n", page_size());
}

void metrics_write(FILE *f, const struct cg_tree *t, const struct ksmd_state *s)
{
	global_metrics(f, s);
	cgroup_metrics(f, t);
	domain_metrics(f, t);
}
