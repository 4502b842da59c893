/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_OUTPUT_H
#define KSMCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "knobs.h"
#include "tree.h"

enum col_id {
	COL_CGROUP,
	COL_KSM,
	COL_EFFECTIVE,
	COL_WEIGHT,
	COL_ISOLATED,
	COL_DOMAIN,
	COL_MERGING,
	COL_KEPT,
	COL_DOMSHARED,
	COL_ZERO,
	COL_RMAP,
	COL_PROFIT,
	COL_SCANNED,
	COL_SOURCE,
	COL_SCANRATE,
	COL_DELTA,
	NCOLS
};

struct column {
	const char *name;
	const char *help;
	bool right;		/* numbers align right */
};

extern const struct column columns[NCOLS];

enum out_mode {
	OUT_TABLE,		/* for people: tree, units, marks */
	OUT_RAW,		/* for scripts: one line a cgroup, escaped */
	OUT_PAIRS,		/* for scripts: KEY="value" pairs, one line a cgroup */
	OUT_JSON,
};

struct out_opts {
	enum out_mode mode;
	bool bytes;		/* sizes in bytes rather than units */
	bool noheadings;
	bool list;		/* full paths, no tree */
	enum col_id cols[NCOLS];
	size_t ncols;
};

void out_opts_init(struct out_opts *o);
int out_parse_columns(struct out_opts *o, const char *list);
void out_list_columns(FILE *f);

char *cell_text(const struct cg_node *n, enum col_id col, const struct out_opts *o);
int print_table(FILE *f, struct cg_node **rows, size_t nrows, const struct out_opts *o,
		bool tree);
struct json_object *cgroups_json(struct cg_node **rows, size_t nrows,
				 const struct out_opts *o);
struct json_object *ksmd_json(const struct ksmd_state *s);
void print_ksmd_summary(FILE *f, const struct ksmd_state *s, bool bytes);
void print_json(FILE *f, struct json_object *obj);

#endif
