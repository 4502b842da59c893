// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Naming cgroups and reading and writing their memory.ksm files, with
 * messages that say why a file is not there: no such cgroup, no memory
 * controller in the parent's cgroup.subtree_control, or a kernel without
 * cgroup KSM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "kstat.h"
#include "paths.h"
#include "util.h"

/* Strip @prefix from @path if it names a directory prefix of it. */
static const char *skip_prefix(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);

	while (len > 1 && prefix[len - 1] == '/')
		len--;
	if (strncmp(path, prefix, len) || (path[len] != '/' && path[len] != '\0'))
		return NULL;
	return path + len;
}

/*
 * Turn a cgroup as the user names it into ksmctl's form ("/a/b"): a path
 * relative to the cgroup2 mount, with or without a leading '/', or an
 * absolute path under the mount ("/sys/fs/cgroup/a/b").  ".." is refused
 * rather than resolved: it would let a name leave the cgroup tree.
 */
int cg_normalize(const char *arg, char **cg)
{
	const char *rest, *p;
	char *out, *o;

	if (!*arg)
		return -EINVAL;
	rest = skip_prefix(arg, cgroup_root());
	if (!rest)
		rest = skip_prefix(arg, DEFAULT_CGROUP_ROOT);
	if (!rest)
		rest = arg;

	o = out = xmalloc(strlen(rest) + 2);
	for (p = rest; *p;) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 2 && !strncmp(p, "..", 2)) {
			free(out);
			return -EINVAL;
		}
		if (!(len == 1 && *p == '.')) {
			*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	*cg = out;
	return 0;
}

/*
 * The real root must be a cgroup2 mount: on a v1 or hybrid hierarchy the
 * memory controller is not in cgroup2 and memory.ksm cannot exist.  A
 * root moved for the tests is a plain directory and is not checked.
 */
int cg_check_root(void)
{
	struct statfs sfs;

	if (cgroup_root_overridden())
		return 0;
	if (statfs(cgroup_root(), &sfs) < 0) {
		ksm_error("%s: %s", cgroup_root(), strerror(errno));
		return -errno;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		ksm_error("%s is not a cgroup2 mount (a cgroup v1 or hybrid hierarchy?)",
			  cgroup_root());
		return -ENOTSUP;
	}
	return 0;
}

int cg_check_exists(const char *cg)
{
	char *path = cgroup_dir_path(cg);
	struct stat st;
	int ret = 0;

	if (stat(path, &st) < 0) {
		ret = -errno;
		if (errno == ENOENT || errno == ENOTDIR)
			ksm_error("no such cgroup: %s", path);
		else
			ksm_error("%s: %s", path, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		ksm_error("no such cgroup: %s (not a directory)", path);
	}
	free(path);
	return ret;
}

/* Normalize @arg and check that the cgroup exists. */
int cg_resolve(const char *arg, char **cg)
{
	int ret;

	if (cg_normalize(arg, cg) < 0) {
		ksm_error("invalid cgroup name \"%s\"", arg);
		return -EINVAL;
	}
	ret = cg_check_exists(*cg);
	if (ret < 0) {
		free(*cg);
		*cg = NULL;
	}
	return ret;
}

/* The cgroup of process @pid ("self" for ksmctl's own), from procfs. */
int cg_of_pid(const char *pid, char **cg)
{
	char text[KSM_FILE_MAX], *path, *end;
	long n;
	int ret;

	if (strcmp(pid, "self")) {
		errno = 0;
		n = strtol(pid, &end, 10);
		if (errno || *end || n <= 0 || end == pid) {
			ksm_error("invalid process ID \"%s\"", pid);
			return -EINVAL;
		}
	}
	path = xasprintf("%s/%s/cgroup", proc_dir(), pid);
	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	if (ret < 0) {
		if (ret == -ENOENT)
			ksm_error("no such process: %s (%s)", pid, path);
		else
			ksm_error("cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	ret = proc_cgroup_parse(text, cg);
	if (ret < 0)
		ksm_error("%s: no cgroup2 entry (\"0::PATH\")", path);
out:
	free(path);
	return ret;
}

/*
 * Explain why the memory.* file @file of @cg is missing, or return 0 if
 * it is there.  Called before any write, so that a failure changes
 * nothing.
 */
int cg_need_file(const char *cg, const char *file)
{
	char text[KSM_FILE_MAX], *path, *parent = NULL, *pfile = NULL, *rfile = NULL;
	int ret;

	if (!strcmp(cg, "/")) {
		ksm_error("the root cgroup has no %s: name a child cgroup", file);
		return -EINVAL;
	}
	path = cgroup_file_path(cg, file);
	if (access(path, F_OK) == 0) {
		free(path);
		return 0;
	}
	ret = -errno;
	if (ret != -ENOENT) {
		ksm_error("%s: %s", path, strerror(-ret));
		goto out;
	}
	ret = cg_check_exists(cg);
	if (ret < 0)
		goto out;
	ret = -ENOENT;

	rfile = cgroup_file_path("/", "cgroup.controllers");
	if (read_file_at(AT_FDCWD, rfile, text, sizeof(text)) >= 0 &&
	    !has_word(text, "memory")) {
		ksm_error("memory controller not available: not in %s", rfile);
		goto out;
	}
	parent = cgroup_parent(cg);
	pfile = cgroup_file_path(parent, "cgroup.subtree_control");
	if (read_file_at(AT_FDCWD, pfile, text, sizeof(text)) >= 0 &&
	    !has_word(text, "memory")) {
		ksm_error("memory controller not enabled in %s (%s is missing)", pfile, path);
		goto out;
	}
	if (!strcmp(file, KSM_FILE))
		ksm_error("kernel has no %s (needs a kernel with cgroup KSM): %s", file, path);
	else
		ksm_error("kernel has no %s (needs a newer kernel with cgroup KSM): %s",
			  file, path);
out:
	free(rfile);
	free(pfile);
	free(parent);
	free(path);
	return ret;
}

/* A file of @cg that reads 0 or 1: memory.ksm, memory.ksm.isolated. */
static int read_bool(const char *cg, const char *file, int *value, bool quiet)
{
	char text[64], *path = cgroup_file_path(cg, file), *v;
	int ret;

	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	if (ret < 0) {
		if (!quiet)
			ksm_error("cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	v = strstrip(text);
	if (strcmp(v, "0") && strcmp(v, "1")) {
		if (!quiet)
			ksm_error("%s: unexpected content \"%s\"", path, v);
		ret = -EINVAL;
		goto out;
	}
	*value = v[0] - '0';
	ret = 0;
out:
	free(path);
	return ret;
}

/* The cgroup's own memory.ksm setting: 0 or 1. */
int cg_read_ksm(const char *cg, int *value)
{
	return read_bool(cg, KSM_FILE, value, false);
}

/* As cg_read_ksm(), without a message: for cgroups that may have none */
int cg_read_ksm_quiet(const char *cg, int *value)
{
	return read_bool(cg, KSM_FILE, value, true);
}

/* The cgroup's own setting in @file, which reads 0 or 1. */
int cg_read_bool(const char *cg, const char *file, int *value)
{
	return read_bool(cg, file, value, false);
}

/* As cg_read_bool(), without a message: for cgroups that may have none */
int cg_read_bool_quiet(const char *cg, const char *file, int *value)
{
	return read_bool(cg, file, value, true);
}

int cg_write(const char *cg, const char *file, const char *value)
{
	char *path = cgroup_file_path(cg, file);
	int ret;

	ret = write_file_at(AT_FDCWD, path, value);
	if (ret < 0)
		ksm_error("cannot write \"%s\" to %s: %s", value, path, strerror(-ret));
	free(path);
	return ret;
}

static bool subtree_has_memory(const char *cg, int *err)
{
	char text[KSM_FILE_MAX], *path = cgroup_file_path(cg, "cgroup.subtree_control");
	int ret;

	ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
	if (ret < 0)
		ksm_error("cannot read %s: %s", path, strerror(-ret));
	free(path);
	*err = ret < 0 ? ret : 0;
	return ret >= 0 && has_word(text, "memory");
}

/*
 * Make the memory controller available in @cg: enable it in the
 * cgroup.subtree_control of each ancestor, from the root down, where it
 * is not yet.  The ancestors changed are returned in @added, for
 * cg_undo_memory() should a later step fail.
 */
int cg_enable_memory(const char *cg, char ***added, int *nadded)
{
	char *anc[256];
	int depth = 0, i, ret = 0, err;
	char *c = xstrdup(cg);

	*added = NULL;
	*nadded = 0;
	while (strcmp(c, "/") && depth < (int)ARRAY_SIZE(anc)) {
		anc[depth] = cgroup_parent(c);
		free(c);
		c = xstrdup(anc[depth++]);
	}
	free(c);
	*added = xcalloc(depth, sizeof(char *));
	for (i = depth - 1; i >= 0; i--) {
		if (subtree_has_memory(anc[i], &err))
			continue;
		if (err) {
			ret = err;
			break;
		}
		ret = cg_write(anc[i], "cgroup.subtree_control", "+memory");
		if (ret < 0)
			break;
		(*added)[(*nadded)++] = xstrdup(anc[i]);
	}
	for (i = 0; i < depth; i++)
		free(anc[i]);
	if (ret < 0) {
		cg_undo_memory(*added, *nadded);
		*added = NULL;
		*nadded = 0;
	}
	return ret;
}

/* Take back what cg_enable_memory() enabled, deepest first; frees @added. */
void cg_undo_memory(char **added, int nadded)
{
	int i;

	for (i = nadded - 1; i >= 0; i--) {
		cg_write(added[i], "cgroup.subtree_control", "-memory");
		free(added[i]);
	}
	free(added);
}

int parse_weight(const char *s, unsigned int *weight)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v < KSM_WEIGHT_MIN || v > KSM_WEIGHT_MAX)
		return -EINVAL;
	*weight = (unsigned int)v;
	return 0;
}
