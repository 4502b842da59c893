// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small helpers: messages, allocation that cannot fail, whole-file reads
 * and writes of kernel interface files, number parsing and sizes for
 * people.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

FILE *ksm_errfile;

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = ksm_errfile ? ksm_errfile : stderr;

	fprintf(f, PROGNAME ": %s", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void ksm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void ksm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

static void *check_alloc(void *p)
{
	if (!p) {
		fputs(PROGNAME ": out of memory\n", stderr);
		exit(EXIT_FAILURE);
	}
	return p;
}

void *xmalloc(size_t size)
{
	return check_alloc(malloc(size ? size : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t size)
{
	return check_alloc(realloc(p, size ? size : 1));
}

char *xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_alloc(n < 0 ? NULL : s);
}

/*
 * Read the file @name relative to @dirfd into @buf, NUL-terminated.
 * Returns the length or -errno.  Kernel interface files are produced by
 * one show() call and come whole in one read(): a read that does not fill
 * the buffer is taken as the end, which saves a read() per file, the
 * larger part of the cost of walking a big cgroup tree.
 */
int read_file_at(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
		if ((size_t)n < size - 1 - (len - n))
			break;
	}
	close(fd);
	buf[len] = '\0';
	return err ? err : (int)len;
}

/*
 * Write @value to the file @name relative to @dirfd in one write(), as
 * kernel interface files expect.  The kernel reports a rejected value
 * from write(); close() can report a late error on other filesystems.
 * Returns 0 or -errno.
 */
int write_file_at(int dirfd, const char *name, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, err = 0;

	fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) < 0 && !err && errno != EINTR)
		err = -errno;
	return err;
}

/*
 * The length of the UTF-8 sequence at @s if it is a valid one (no overlong
 * forms, no surrogates, nothing above U+10FFFF), else 0.  @s is a C string,
 * so a sequence cut short by the NUL is invalid.
 */
size_t utf8_seq_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (u[0] < 0x80)
		return u[0] ? 1 : 0;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlongs, surrogates, > U+10FFFF. */
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return len;
}

/*
 * @s with every byte that is not part of a valid UTF-8 sequence written as
 * \xHH, as systemd and util-linux show such names: the result is valid
 * UTF-8, fit for JSON strings and Prometheus labels.  A name that is valid
 * UTF-8 comes back unchanged.
 */
char *utf8_escape_invalid(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *o = out;

	while (*s) {
		size_t len = utf8_seq_len(s);

		if (len) {
			memcpy(o, s, len);
			o += len;
			s += len;
		} else {
			o += sprintf(o, "\\x%02x", (unsigned char)*s++);
		}
	}
	*o = '\0';
	return out;
}

/* Remove leading and trailing white space in place. */
char *strstrip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Is @word one of the white-space separated words of @list? */
bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!strncmp(p, word, len) &&
		    (p[len] == '\0' || isspace((unsigned char)p[len])))
			return true;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	return false;
}

/* Decimal only: kernel files print decimal, and "010" must not be 8. */
int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*v = n;
	return 0;
}

int parse_s64(const char *s, int64_t *v)
{
	long long n;
	char *end;

	if (!isdigit((unsigned char)*s) &&
	    !(*s == '-' && isdigit((unsigned char)s[1])))
		return -EINVAL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*v = n;
	return 0;
}

/*
 * Sizes the way util-linux prints them: binary units with one letter,
 * one decimal when it matters ("512B", "4K", "1.5M", "-32M").
 */
void format_size(char *buf, size_t size, int64_t bytes)
{
	static const char units[] = "BKMGTPE";
	uint64_t abs = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	const char *sign = bytes < 0 ? "-" : "";
	unsigned int exp = 0, tenths;
	uint64_t whole;

	while (exp < sizeof(units) - 2 && abs >= (UINT64_C(1024) << (10 * exp)))
		exp++;
	if (exp == 0) {
		snprintf(buf, size, "%s%" PRIu64 "B", sign, abs);
		return;
	}
	whole = abs >> (10 * exp);
	/* Round to the nearest tenth of the unit. */
	tenths = (unsigned int)(((abs & ((UINT64_C(1) << (10 * exp)) - 1)) * 10 +
				 (UINT64_C(1) << (10 * exp - 1))) >> (10 * exp));
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (whole >= 1024 && exp < sizeof(units) - 2) {
		whole = 1;
		exp++;
	}
	if (tenths)
		snprintf(buf, size, "%s%" PRIu64 ".%u%c", sign, whole, tenths, units[exp]);
	else
		snprintf(buf, size, "%s%" PRIu64 "%c", sign, whole, units[exp]);
}

long page_size(void)
{
	static long size;

	if (!size)
		size = sysconf(_SC_PAGESIZE);
	return size;
}
