// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tables and JSON for status and top, after the conventions of util-linux
 * (lsblk, findmnt): -o selects columns ("+COL" adds to the default), sizes
 * have units unless --bytes, --raw prints one escaped line per cgroup,
 * --json gives numbers as numbers and sizes in bytes with --bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output.h"
#include "paths.h"
#include "util.h"

const struct column columns[NCOLS] = {
	[COL_CGROUP] = { "CGROUP", "cgroup path, below the cgroup2 mount", false },
	[COL_KSM] = { "KSM", "own memory.ksm setting (0, 1; - without the file)", true },
	[COL_EFFECTIVE] = { "EFFECTIVE", "1 if its or an ancestor's memory.ksm is 1", true },
	[COL_WEIGHT] = { "WEIGHT", "memory.ksm.weight", true },
	[COL_MERGING] = { "MERGING", "memory of merged pages (merging_pages)", true },
	[COL_KEPT] = { "KEPT", "memory of merged copies kept and charged to it (ksm_pages)",
		       true },
	[COL_ZERO] = { "ZERO", "memory of pages merged with the zero page", true },
	[COL_RMAP] = { "RMAP", "reverse map items: KSM's per-page metadata", true },
	[COL_PROFIT] = { "PROFIT", "memory saved: drop of memory.current, less metadata "
			 "(may be negative; root: general_profit)", true },
	[COL_SCANNED] = { "SCANNED", "pages scanned by ksmd", true },
	[COL_SOURCE] = { "SOURCE", "where the numbers come from: stat, procs or root", false },
};

static const enum col_id default_cols[] = {
	COL_CGROUP, COL_KSM, COL_EFFECTIVE, COL_WEIGHT, COL_MERGING, COL_ZERO,
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

bool use_utf8(void)
{
	return !strcmp(nl_langinfo(CODESET), "UTF-8");
}

/*
 * Cgroup names can hold any byte but '/' and NUL: show what cannot be
 * printed as \xHH, and in raw output also white space and the backslash,
 * so that each line splits into its columns at spaces.
 */
static char *escape_name(const char *s, bool raw)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f || (raw && (c == ' ' || c == '\\')))
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = '\0';
	return out;
}

/* Tree lines before a name, as lsblk draws them. */
static void tree_prefix(const struct cg_node *n, char *buf, size_t size)
{
	const char *vert = use_utf8() ? "\u2502 " : "| ";
	const char *mid = use_utf8() ? "\u251c\u2500" : "|-";
	const char *end = use_utf8() ? "\u2514\u2500" : "`-";
	const struct cg_node *anc[64];
	int depth = 0, i;

	buf[0] = '\0';
	if (n->depth == 0)
		return;
	for (const struct cg_node *a = n->parent; a && a->depth > 0 && depth < 64; a = a->parent)
		anc[depth++] = a;
	for (i = depth - 1; i >= 0; i--)
		strncat(buf, anc[i]->last_shown ? "  " : vert, size - strlen(buf) - 1);
	strncat(buf, n->last_shown ? end : mid, size - strlen(buf) - 1);
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
	case COL_SCANNED:
		return n->counts.have & KC_SCANNED;
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
	case COL_ZERO:
		return pages_to_bytes(n->counts.zero_pages);
	case COL_RMAP:
		return n->counts.rmap_items;
	case COL_PROFIT:
		return n->counts.profit;
	case COL_SCANNED:
		return n->counts.pages_scanned;
	default:
		return 0;
	}
}

static bool is_size(enum col_id col)
{
	return col == COL_MERGING || col == COL_KEPT || col == COL_ZERO || col == COL_PROFIT;
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
		return escape_name(n->path, o->mode == OUT_RAW);
	case COL_KSM:
		return xstrdup(n->own < 0 ? "-" : n->own ? "1" : "0");
	case COL_EFFECTIVE:
		return xstrdup(n->effective ? "1" : "0");
	case COL_WEIGHT:
		return n->weight < 0 ? xstrdup("-") : xasprintf("%d", n->weight);
	case COL_SOURCE:
		return xstrdup(source_name(n->source) ?: "-");
	case COL_MERGING:
	case COL_KEPT:
	case COL_ZERO:
	case COL_RMAP:
	case COL_PROFIT:
	case COL_SCANNED:
		if (!have_col(n, col))
			return xstrdup("-");
		if (is_size(col) && !o->bytes)
			format_size(buf, sizeof(buf), col_value(n, col));
		else
			snprintf(buf, sizeof(buf), "%" PRId64, col_value(n, col));
		return xasprintf("%s%s", buf, mark && col != COL_SCANNED ? "*" : "");
	case NCOLS:
		break;
	}
	return xstrdup("?");
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * Print @rows as a table.  With @tree (and not --list or --raw), the
 * CGROUP column shows the top's path, then each cgroup's name under tree
 * lines.
 */
void print_table(FILE *f, struct cg_node **rows, size_t nrows, const struct out_opts *o,
		 bool tree)
{
	size_t width[NCOLS] = { 0 }, r, c;
	char ***cells = xcalloc(nrows, sizeof(*cells));
	bool draw = tree && !o->list && o->mode == OUT_TABLE;

	for (c = 0; c < o->ncols; c++)
		if (!o->noheadings)
			width[c] = strlen(columns[o->cols[c]].name);
	for (r = 0; r < nrows; r++) {
		cells[r] = xcalloc(o->ncols, sizeof(char *));
		for (c = 0; c < o->ncols; c++) {
			const struct cg_node *n = rows[r];

			if (o->cols[c] == COL_CGROUP && draw && n->depth > 0) {
				char prefix[512], *name = escape_name(n->name, false);

				tree_prefix(n, prefix, sizeof(prefix));
				cells[r][c] = xasprintf("%s%s", prefix, name);
				free(name);
			} else {
				cells[r][c] = cell_text(n, o->cols[c], o);
			}
			if (text_width(cells[r][c]) > width[c])
				width[c] = text_width(cells[r][c]);
		}
	}

	for (r = 0; r <= nrows; r++) {
		if (r == 0 && o->noheadings)
			continue;
		for (c = 0; c < o->ncols; c++) {
			const char *text = r ? cells[r - 1][c] : columns[o->cols[c]].name;
			bool last = c + 1 == o->ncols;
			size_t pad;

			if (o->mode == OUT_RAW) {
				fprintf(f, "%s%s", text, last ? "" : " ");
				continue;
			}
			pad = width[c] - text_width(text);
			if (columns[o->cols[c]].right)
				fprintf(f, "%*s%s", (int)pad, "", text);
			else
				fprintf(f, "%s%*s", text, last ? 0 : (int)pad, "");
			if (!last)
				fputc(' ', f);
		}
		fputc('\n', f);
	}

	for (r = 0; r < nrows; r++) {
		for (c = 0; c < o->ncols; c++)
			free(cells[r][c]);
		free(cells[r]);
	}
	free(cells);
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
		return json_object_new_string(n->path);
	case COL_KSM:
		return n->own < 0 ? NULL : json_object_new_boolean(n->own);
	case COL_EFFECTIVE:
		return json_object_new_boolean(n->effective);
	case COL_WEIGHT:
		return n->weight < 0 ? NULL : json_object_new_int(n->weight);
	case COL_SOURCE:
		return source_name(n->source) ? json_object_new_string(source_name(n->source)) : NULL;
	case COL_MERGING:
	case COL_KEPT:
	case COL_ZERO:
	case COL_RMAP:
	case COL_PROFIT:
	case COL_SCANNED:
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
