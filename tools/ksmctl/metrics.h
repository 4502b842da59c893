/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_METRICS_H
#define KSMCTL_METRICS_H

#include <stdio.h>

#include "knobs.h"
#include "tree.h"

void prom_label_value(FILE *f, const char *s);
void metrics_write(FILE *f, const struct cg_tree *t, const struct ksmd_state *s);

#endif
