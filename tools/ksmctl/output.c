// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tables and JSON for status and top, after the conventions of util-linux
 * (lsblk, findmnt): -o selects columns ("+COL" adds to the default), sizes
 * have units unless --bytes, --raw prints one escaped line per cgroup,
 * --pairs KEY="value" pairs, --json gives numbers as numbers and sizes in
 * bytes with --bytes.  Tables are libsmartcols'; JSON is json-c's, as its
 * schema (ksmd's knobs beside the cgroups, typed values) is documented in
 * ksmctl(8).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libsmartcols.h>

#include "output.h"
#include "paths.h"
#include "util.h"

const struct column columns[NCOLS] = {
	[COL_CGROUP] = { "CGROUP", "cgroup path, below the cgroup2 mount", false },
	[COL_KSM] = { "KSM", "own memory.ksm setting (0, 1; - without the file)", true },
	[COL_EFFECTIVE] = { "EFFECTIVE", "1 if its or an ancestor's memory.ksm is 1", true },
	[COL_WEIGHT] = { "WEIGHT", "memory.ksm.weight", true },
	[COL_ISOLATED] = { "ISOLATED", "own memory.ksm.isolated setting (0, 1; - without the file)",
			   true },
	[COL_DOMAIN] = { "DOMAIN", "merge domain: the nearest isolated cgroup, itself or an "
			 "ancestor; / for the root domain", false },
	[COL_MERGING] = { "MERGING", "memory of merged pages (merging_pages)", true },
	[COL_KEPT] = { "KEPT", "memory of merged copies kept and charged to it (ksm_pages)",
		       true },
	[COL_DOMSHARED] = { "DOMSHARED", "memory of the KSM pages its merge domain keeps "
			    "(domain_pages_shared; the domain's, not summed)", true },
	[COL_ZERO] = { "ZERO", "memory of pages merged with the zero page", true },
	[COL_RMAP] = { "RMAP", "reverse map items: KSM's per-page metadata", true },
	[COL_PROFIT] = { "PROFIT", "memory saved: drop of memory.current, less metadata "
			 "(may be negative; root: general_profit)", true },
	[COL_SCANNED] = { "SCANNED", "pages scanned by ksmd", true },
	[COL_SOURCE] = { "SOURCE", "where the numbers come from: stat, procs, root; nomemcg: "
			 "none, no memory controller", false },
	[COL_SCANRATE] = { "SCANRATE", "pages scanned per second since the previous frame (top)",
			   true },
	[COL_DELTA] = { "DELTA", "change of MERGING since the previous frame (top)", true },
};

static const enum col_id default_cols[] = {
	COL_CGROUP, COL_KSM, COL_EFFECTIVE, COL_WEIGHT, COL_ISOLATED, COL_MERGING, COL_ZERO,
	COL_RMAP, COL_PROFIT,
};

void out_opts_init(struct out_opts *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->cols, default_cols, sizeof(default_cols));
	o->ncols = ARRAY_SIZE(default_cols);
}

static int column_by_name(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		if (strlen(columns[i].name) == len && !strncasecmp(columns[i].name, name, len))
			return i;
	return -1;
}

/* -o COL,COL...; a leading '+' appends to the default columns. */
int out_parse_columns(struct out_opts *o, const char *list)
{
	const char *p = list;

	if (*p == '+')
		p++;
	else
		o->ncols = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int col = column_by_name(p, len);

		if (col < 0) {
			ksm_error("unknown column: %.*s (see --list-columns)", (int)len, p);
			return -EINVAL;
		}
		if (o->ncols == NCOLS) {
			ksm_error("too many columns: %s", list);
			return -EINVAL;
		}
		o->cols[o->ncols++] = col;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!o->ncols) {
		ksm_error("no columns given");
		return -EINVAL;
	}
	return 0;
}

void out_list_columns(FILE *f)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		fprintf(f, "%10s  %s\n", columns[i].name, columns[i].help);
}

static int64_t pages_to_bytes(int64_t pages)
{
	return pages * page_size();
}

static bool have_col(const struct cg_node *n, enum col_id col)
{
	if (n->source == SRC_NONE)
		return false;
	switch (col) {
	case COL_MERGING:
		return n->source == SRC_PROCS || (n->counts.have & KC_MERGING);
	case COL_ZERO:
		return n->source == SRC_PROCS || (n->counts.have & KC_ZERO);
	case COL_RMAP:
		return n->source == SRC_PROCS || (n->counts.have & KC_RMAP);
	case COL_PROFIT:
		return n->source == SRC_PROCS || (n->counts.have & KC_PROFIT);
	case COL_KEPT:
		return n->counts.have & KC_KSM_PAGES;
	case COL_DOMSHARED:
		return n->counts.have & KC_DOMAIN_SHARED;
	case COL_SCANNED:
		return n->counts.have & KC_SCANNED;
	case COL_SCANRATE:
		return n->have_rate && (n->counts.have & KC_SCANNED);
	case COL_DELTA:
		return n->have_rate && have_col(n, COL_MERGING);
	default:
		return true;
	}
}

static int64_t col_value(const struct cg_node *n, enum col_id col)
{
	switch (col) {
	case COL_MERGING:
		return pages_to_bytes(n->counts.merging_pages);
	case COL_KEPT:
		return pages_to_bytes(n->counts.ksm_pages);
	case COL_DOMSHARED:
		return pages_to_bytes(n->counts.domain_pages_shared);
	case COL_ZERO:
		return pages_to_bytes(n->counts.zero_pages);
	case COL_RMAP:
		return n->counts.rmap_items;
	case COL_PROFIT:
		return n->counts.profit;
	case COL_SCANNED:
		return n->counts.pages_scanned;
	case COL_SCANRATE:
		return (int64_t)(n->scan_rate + 0.5);
	case COL_DELTA:
		return pages_to_bytes(n->merging_delta);
	default:
		return 0;
	}
}

static bool is_size(enum col_id col)
{
	return col == COL_MERGING || col == COL_KEPT || col == COL_DOMSHARED || col == COL_ZERO ||
	       col == COL_PROFIT || col == COL_DELTA;
}

static const char *source_name(enum count_source s)
{
	switch (s) {
	case SRC_STAT:
		return "stat";
	case SRC_PROCS:
		return "procs";
	case SRC_ROOT:
		return "root";
	case SRC_NOMEMCG:
		return "nomemcg";
	case SRC_NONE:
		break;
	}
	return NULL;
}

/* The text of one cell, malloc'ed. */
char *cell_text(const struct cg_node *n, enum col_id col, const struct out_opts *o)
{
	char buf[64];
	bool mark = o->mode == OUT_TABLE && n->source == SRC_PROCS;

	switch (col) {
	case COL_CGROUP:
		return xstrdup(n->path);
	case COL_KSM:
		return xstrdup(n->own < 0 ? "-" : n->own ? "1" : "0");
	case COL_EFFECTIVE:
		return xstrdup(n->effective ? "1" : "0");
	case COL_WEIGHT:
		return n->weight < 0 ? xstrdup("-") : xasprintf("%d", n->weight);
	case COL_ISOLATED:
		return xstrdup(n->isolated < 0 ? "-" : n->isolated ? "1" : "0");
	case COL_DOMAIN:
		return xstrdup(n->domain);
	case COL_SOURCE:
		return xstrdup(source_name(n->source) ?: "-");
	case COL_MERGING:
	case COL_KEPT:
	case COL_DOMSHARED:
	case COL_ZERO:
	case COL_RMAP:
	case COL_PROFIT:
	case COL_SCANNED:
	case COL_SCANRATE:
	case COL_DELTA:
		if (!have_col(n, col))
			return xstrdup("-");
		if (is_size(col) && !o->bytes)
			format_size(buf, sizeof(buf), col_value(n, col));
		else
			snprintf(buf, sizeof(buf), "%" PRId64, col_value(n, col));
		if (col == COL_DELTA && col_value(n, col) > 0)
			return xasprintf("+%s%s", buf, mark ? "*" : "");
		return xasprintf("%s%s", buf,
				 mark && col != COL_SCANNED && col != COL_SCANRATE ? "*" : "");
	case NCOLS:
		break;
	}
	return xstrdup("?");
}

/*
 * Print @rows as a table with libsmartcols, as lsblk does: a table, raw
 * lines or KEY="value" pairs.  With @tree (and not --list, --raw or
 * --pairs), the CGROUP column shows the top's path, then each cgroup's
 * name under tree lines.  libsmartcols writes what cannot be printed, the
 * backslash, and in raw output white space, as \xHH.
 */
int print_table(FILE *f, struct cg_node **rows, size_t nrows, const struct out_opts *o,
		bool tree)
{
	bool draw = tree && !o->list && o->mode == OUT_TABLE;
	struct libscols_line **lines;
	struct libscols_table *tb;
	size_t r, c;
	int ret = -ENOMEM;

	tb = scols_new_table();
	if (!tb)
		return -ENOMEM;
	lines = xcalloc(nrows ?: 1, sizeof(*lines));
	scols_table_set_stream(tb, f);
	scols_table_enable_raw(tb, o->mode == OUT_RAW);
	scols_table_enable_export(tb, o->mode == OUT_PAIRS);
	scols_table_enable_noheadings(tb, o->noheadings);
	for (c = 0; c < o->ncols; c++) {
		const struct column *col = &columns[o->cols[c]];
		int flags = col->right ? SCOLS_FL_RIGHT : 0;

		/* Long paths are cut to the terminal's width, not the numbers. */
		if (o->cols[c] == COL_CGROUP)
			flags |= (draw ? SCOLS_FL_TREE : 0) | SCOLS_FL_TRUNC;
		if (o->cols[c] == COL_DOMAIN)
			flags |= SCOLS_FL_TRUNC;
		if (!scols_table_new_column(tb, col->name, 0, flags))
			goto out;
	}
	for (r = 0; r < nrows; r++) {
		const struct cg_node *n = rows[r];
		struct libscols_line *parent = NULL;
		size_t p;

		/* Rows come depth-first: a shown parent is above its children. */
		for (p = r; draw && n->depth > 0 && p-- > 0;) {
			if (rows[p] == n->parent) {
				parent = lines[p];
				break;
			}
		}
		lines[r] = scols_table_new_line(tb, parent);
		if (!lines[r])
			goto out;
		for (c = 0; c < o->ncols; c++) {
			char *text = o->cols[c] == COL_CGROUP && draw && n->depth > 0 ?
				xstrdup(n->name) : cell_text(n, o->cols[c], o);

			/* The line takes the text, and frees it. */
			if (scols_line_refer_data(lines[r], c, text) < 0) {
				free(text);
				goto out;
			}
		}
	}
	ret = scols_print_table(tb);
out:
	free(lines);
	scols_unref_table(tb);
	return ret;
}

/* A cgroup path as a JSON string: valid UTF-8 whatever the name holds. */
static struct json_object *json_string_name(const char *path)
{
	char *safe = utf8_escape_invalid(path);
	struct json_object *s = json_object_new_string(safe);

	free(safe);
	return s;
}

static char *json_key(enum col_id col)
{
	char *key = xstrdup(columns[col].name), *p;

	for (p = key; *p; p++)
		*p = tolower((unsigned char)*p);
	return key;
}

static struct json_object *cell_json(const struct cg_node *n, enum col_id col,
				     const struct out_opts *o)
{
	char buf[64];

	switch (col) {
	case COL_CGROUP:
		return json_string_name(n->path);
	case COL_KSM:
		return n->own < 0 ? NULL : json_object_new_boolean(n->own);
	case COL_EFFECTIVE:
		return json_object_new_boolean(n->effective);
	case COL_WEIGHT:
		return n->weight < 0 ? NULL : json_object_new_int(n->weight);
	case COL_ISOLATED:
		return n->isolated < 0 ? NULL : json_object_new_boolean(n->isolated);
	case COL_DOMAIN:
		return json_string_name(n->domain);
	case COL_SOURCE:
		return source_name(n->source) ? json_object_new_string(source_name(n->source)) : NULL;
	case COL_MERGING:
	case COL_KEPT:
	case COL_DOMSHARED:
	case COL_ZERO:
	case COL_RMAP:
	case COL_PROFIT:
	case COL_SCANNED:
	case COL_SCANRATE:
	case COL_DELTA:
		if (!have_col(n, col))
			return NULL;
		if (is_size(col) && !o->bytes) {
			format_size(buf, sizeof(buf), col_value(n, col));
			return json_object_new_string(buf);
		}
		return json_object_new_int64(col_value(n, col));
	case NCOLS:
		break;
	}
	return NULL;
}

/*
 * An array of objects, one per cgroup, with the selected columns as keys
 * in lower case; an absent value is null.  "cgroup" and "source" are
 * always there: numbers are of little use without them.
 */
struct json_object *cgroups_json(struct cg_node **rows, size_t nrows, const struct out_opts *o)
{
	struct json_object *arr = json_object_new_array();
	size_t r, c;

	for (r = 0; r < nrows; r++) {
		struct json_object *obj = json_object_new_object();
		bool cg = false, src = false;

		for (c = 0; c < o->ncols; c++) {
			char *key = json_key(o->cols[c]);

			cg |= o->cols[c] == COL_CGROUP;
			src |= o->cols[c] == COL_SOURCE;
			json_object_object_add(obj, key, cell_json(rows[r], o->cols[c], o));
			free(key);
		}
		if (!cg)
			json_object_object_add(obj, "cgroup", cell_json(rows[r], COL_CGROUP, o));
		if (!src)
			json_object_object_add(obj, "source", cell_json(rows[r], COL_SOURCE, o));
		json_object_array_add(arr, obj);
	}
	return arr;
}

/* Every knob the kernel has: numbers as numbers, advisor_mode a string. */
struct json_object *ksmd_json(const struct ksmd_state *s)
{
	struct json_object *obj = json_object_new_object();
	size_t i;

	for (i = 0; i < knob_count; i++) {
		const char *v = s->value[i];
		struct json_object *val;
		uint64_t u;
		int64_t n;

		if (!s->present[i])
			continue;
		if (knobs[i].kind == KNOB_ADVISOR)
			val = json_object_new_string(v);
		else if (knobs[i].is_signed && parse_s64(v, &n) == 0)
			val = json_object_new_int64(n);
		else if (parse_u64(v, &u) == 0)
			val = json_object_new_uint64(u);
		else
			val = json_object_new_string(v);
		json_object_object_add(obj, knobs[i].name, val);
	}
	return obj;
}

/* The line over the status table: what ksmd is doing. */
void print_ksmd_summary(FILE *f, const struct ksmd_state *s, bool bytes)
{
	static const char *const shown[] = {
		"run", "pages_to_scan", "sleep_millisecs", "advisor_mode",
		"full_scans", "general_profit",
	};
	bool any = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(shown); i++) {
		const char *v = ksmd_value(s, shown[i]);
		char buf[64];
		int64_t n;

		if (!v)
			continue;
		if (!strcmp(shown[i], "general_profit") && !bytes && parse_s64(v, &n) == 0) {
			format_size(buf, sizeof(buf), n);
			v = buf;
		}
		fprintf(f, "%s%s=%s", any ? " " : "ksmd: ", shown[i], v);
		any = true;
	}
	if (!any)
		fprintf(f, "ksmd: no knobs in %s", ksm_sysfs_dir());
	fputc('\n', f);
}

void print_json(FILE *f, struct json_object *obj)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}
