/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_KNOBS_H
#define KSMCTL_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum knob_kind {
	KNOB_NUMBER,		/* decimal in [min, max] */
	KNOB_ADVISOR,		/* "none" or "scan-time" */
	KNOB_STAT,		/* read-only number */
};

struct knob {
	const char *name;
	enum knob_kind kind;
	uint64_t min, max;
	bool is_signed;		/* general_profit */
	bool is_counter;	/* only ever grows: a Prometheus counter */
	const char *metric;	/* Prometheus name, NULL for advisor_mode */
	const char *help;
};

#define KNOB_VALUE_MAX 128

/* One reading of all knobs of the KSM sysfs directory. */
struct ksmd_state {
	bool present[32];
	char value[32][KNOB_VALUE_MAX];	/* advisor_mode: the selected one */
	char advisor_modes[KNOB_VALUE_MAX];	/* advisor_mode as read */
};

extern const struct knob knobs[];
extern const size_t knob_count;

const struct knob *knob_find(const char *name);
size_t knob_index(const struct knob *k);
bool knob_writable(const struct knob *k);
int knob_validate(const struct knob *k, const char *value);
void knob_describe_values(const struct knob *k, char *buf, size_t size);
int knob_read(const struct knob *k, char *buf, size_t size, char *raw, size_t rawsize);
int knob_write(const struct knob *k, const char *value);
char *knob_path(const struct knob *k);

int advisor_mode_parse(const char *raw, char *mode, size_t size);

void ksmd_read(struct ksmd_state *s);
const char *ksmd_value(const struct ksmd_state *s, const char *name);

#endif
