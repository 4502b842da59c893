/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_UTIL_H
#define KSMCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The name the program is installed under, in its messages and usage:
 * Debian's package calls it ksmcgctl, as ksmtuned has a ksmctl of its own
 * (make PROGNAME=ksmcgctl).
 */
#ifndef PROGNAME
#define PROGNAME "ksmctl"
#endif

/* Exit statuses; see EXIT STATUS in ksmctl.8. */
#define EXIT_USAGE 2

/* Large enough for any cgroup or sysfs file ksmctl reads. */
#define KSM_FILE_MAX 8192

/*
 * Where messages go.  NULL means stderr; the unit tests point it at a
 * memory stream to check what the user would read.
 */
extern FILE *ksm_errfile;

void ksm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ksm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int read_file_at(int dirfd, const char *name, char *buf, size_t size);
int write_file_at(int dirfd, const char *name, const char *value);

char *strstrip(char *s);
size_t utf8_seq_len(const char *s);
char *utf8_escape_invalid(const char *s);
bool has_word(const char *list, const char *word);
int parse_u64(const char *s, uint64_t *v);
int parse_s64(const char *s, int64_t *v);

void format_size(char *buf, size_t size, int64_t bytes);
long page_size(void);

#endif
