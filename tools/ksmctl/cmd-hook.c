// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl oci-hook and ksmctl nri-hook: a container's annotations set the
 * memory.ksm (and memory.ksm.weight, memory.ksm.isolated) of its cgroup,
 * or of its pod's.
 *
 * oci-hook is an OCI runtime hook (runtime-spec config.md, "hooks";
 * oci-hooks(5) for the hooks.d files of CRI-O and podman).  The runtime
 * runs it with the container's state on standard input:
 *
 *   {"ociVersion": "1.0.2", "id": "...", "status": "creating", "pid": 1234,
 *    "bundle": "/path/to/bundle", "annotations": {...}}
 *
 * and the container's config.json is in the bundle.  At createRuntime
 * (and prestart) the runtime has created the cgroup and put the
 * container's first process in it, which has not yet run the container's
 * program: what is set now holds from the program's first page.
 *
 * nri-hook is a plugin of NRI v0.1, the interface containerd 1.6 (as in
 * Debian 12) offers.  Its format, from github.com/containerd/nri, branch
 * v0.1.x: client.go (Client.InvokeWithSandbox, invokePlugin) and
 * types/v1/types.go (Request, Spec, Result); and containerd 1.6's CRI
 * plugin (pkg/cri/server/container_start.go, sandbox_run.go), which calls
 * InvokeWithSandbox(ctx, task, v1.Create, &nri.Sandbox{ID, Labels}) after
 * the task is created and before it is started.  containerd finds the
 * plugin named "type" in /etc/nri/conf.json
 *
 *   {"version": "0.1", "plugins": [{"type": "ksmctl-nri", "conf": {...}}]}
 *
 * on its PATH or in /opt/nri/bin, runs it as "NAME invoke" with the
 * request on standard input
 *
 *   {"conf": {...}, "version": "0.1", "state": "create", "id": "...",
 *    "sandboxID": "...", "pid": 1234,
 *    "spec": {"resources": {...}, "namespaces": {...},
 *             "cgroupsPath": "...", "annotations": {...}},
 *    "labels": {...}, "results": [...]}
 *
 * and reads a result from standard output:
 *
 *   {"plugin": "...", "version": "0.1", "error": "...", "metadata": {...}}
 *
 * A non-empty "error" fails the container's start; a non-zero exit status
 * alone does not, if the output is a result without one.
 *
 * Every annotation is checked before the first write, so that a value
 * that is refused leaves the cgroup as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cgroup.h"
#include "command.h"
#include "ksmctl.h"
#include "paths.h"
#include "util.h"

#define ANNOTATION_KSM "ksm.cgroup.dev/memory.ksm"
#define ANNOTATION_WEIGHT "ksm.cgroup.dev/memory.ksm.weight"
#define ANNOTATION_ISOLATED "ksm.cgroup.dev/memory.ksm.isolated"
#define ANNOTATION_SCOPE "ksm.cgroup.dev/scope"
/* crun's sub-cgroup below a systemd scope (crun(1), cgroup v2 default). */
#define ANNOTATION_CRUN_SUBGROUP "run.oci.systemd.subgroup"
#define CRUN_DEFAULT_SUBGROUP "container"

/* The container state and config.json are small; this bounds a bad input. */
#define HOOK_JSON_MAX (16 << 20)

#define NRI_PLUGIN_NAME "ksmctl-nri"

/* What the annotations ask for, checked, and where the container is. */
struct hook_request {
	const char *ksm;		/* "0", "1" or NULL */
	const char *weight;		/* "1".."10000" or NULL */
	const char *isolated;		/* "0", "1" or NULL */
	bool pod;
	long pid;			/* 0 if not known */
	const char *cgroups_path;	/* linux.cgroupsPath, or NULL */
	const char *subgroup;		/* crun's sub-cgroup name, or NULL */
};

/* ---- JSON input ---------------------------------------------------------- */

/* Read all of @fd; NUL-terminated.  Returns the length or -errno. */
static ssize_t read_all(int fd, char **text)
{
	size_t len = 0, size = 4096;
	char *buf = xmalloc(size);

	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			if (size >= HOOK_JSON_MAX) {
				free(buf);
				return -EFBIG;
			}
			size *= 2;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*text = buf;
	return (ssize_t)len;
}

/*
 * Parse the JSON object in @fd; @what names the input in messages.  One
 * object, nothing after it but white space.
 */
static int parse_json_fd(int fd, const char *what, struct json_object **obj)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	char *text = NULL;
	ssize_t len;
	size_t end;

	len = read_all(fd, &text);
	if (len < 0) {
		ksm_error("cannot read %s: %s", what, strerror((int)-len));
		return (int)len;
	}
	tok = json_tokener_new();
	if (!tok) {
		free(text);
		ksm_error("out of memory");
		return -ENOMEM;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		if (len == 0 || jerr == json_tokener_continue)
			ksm_error("%s: malformed JSON: unexpected end of input", what);
		else
			ksm_error("%s: malformed JSON at offset %zu: %s", what, end,
				  json_tokener_error_desc(jerr));
		json_object_put(o);
		free(text);
		return -EINVAL;
	}
	while (end < (size_t)len && strchr(" \t\r\n", text[end]))
		end++;
	free(text);
	if (end != (size_t)len) {
		ksm_error("%s: malformed JSON: data after the object at offset %zu", what, end);
		json_object_put(o);
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		ksm_error("%s: malformed: not a JSON object", what);
		json_object_put(o);
		return -EINVAL;
	}
	*obj = o;
	return 0;
}

static int parse_json_file(const char *path, struct json_object **obj)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ksm_error("cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = parse_json_fd(fd, path, obj);
	close(fd);
	return ret;
}

/*
 * The member @key of @obj if it has type @type; NULL if it is absent or
 * null.  A member of another type is an error, reported naming @what.
 */
static int json_member(struct json_object *obj, const char *key, enum json_type type,
		       const char *what, struct json_object **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, type)) {
		ksm_error("%s: \"%s\" is not %s", what, key,
			  type == json_type_object ? "an object" :
			  type == json_type_string ? "a string" : "a number");
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int json_string_member(struct json_object *obj, const char *key, const char *what,
			      const char **out)
{
	struct json_object *v;
	int ret;

	*out = NULL;
	ret = json_member(obj, key, json_type_string, what, &v);
	if (ret == 0 && v)
		*out = json_object_get_string(v);
	return ret;
}

/* A value as JSON: quoted, with control characters escaped, for messages. */
static const char *quoted(struct json_object *v)
{
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- annotations --------------------------------------------------------- */

/* Annotation maps, looked up in order: the first that has a key wins. */
struct annotations {
	struct json_object *map[2];
	const char *what[2];
	size_t n;
};

static void annotations_add(struct annotations *a, struct json_object *map, const char *what)
{
	if (map && a->n < ARRAY_SIZE(a->map)) {
		a->map[a->n] = map;
		a->what[a->n++] = what;
	}
}

/* The value of annotation @key, NULL if none has it; not a string is an error. */
static int annotation(const struct annotations *a, const char *key, struct json_object **v)
{
	size_t i;

	*v = NULL;
	for (i = 0; i < a->n; i++) {
		struct json_object *o;

		if (!json_object_object_get_ex(a->map[i], key, &o) || !o)
			continue;
		if (!json_object_is_type(o, json_type_string)) {
			ksm_error("%s: annotation %s: invalid value %s: not a string", a->what[i],
				  key, quoted(o));
			return -EINVAL;
		}
		*v = o;
		return 0;
	}
	return 0;
}

/* Exactly "1" to "10000": no sign, no leading zero, no white space. */
static bool weight_valid(const char *s)
{
	size_t len = strspn(s, "0123456789");
	unsigned int w;

	if (len == 0 || len > 5 || s[len] || s[0] == '0' || parse_weight(s, &w) < 0)
		return false;
	return true;
}

/* Check the project's annotations and fill @r; nothing is written. */
static int read_annotations(const struct annotations *a, struct hook_request *r)
{
	struct json_object *ksm, *weight, *isolated, *scope, *sub;
	int ret;

	ret = annotation(a, ANNOTATION_KSM, &ksm);
	if (ret == 0)
		ret = annotation(a, ANNOTATION_WEIGHT, &weight);
	if (ret == 0)
		ret = annotation(a, ANNOTATION_ISOLATED, &isolated);
	if (ret == 0)
		ret = annotation(a, ANNOTATION_SCOPE, &scope);
	if (ret == 0)
		ret = annotation(a, ANNOTATION_CRUN_SUBGROUP, &sub);
	if (ret < 0)
		return ret;

	if (ksm) {
		r->ksm = json_object_get_string(ksm);
		if (strcmp(r->ksm, "0") && strcmp(r->ksm, "1")) {
			ksm_error("annotation %s: invalid value %s: must be \"0\" or \"1\"",
				  ANNOTATION_KSM, quoted(ksm));
			return -EINVAL;
		}
	}
	if (isolated) {
		r->isolated = json_object_get_string(isolated);
		if (strcmp(r->isolated, "0") && strcmp(r->isolated, "1")) {
			ksm_error("annotation %s: invalid value %s: must be \"0\" or \"1\"",
				  ANNOTATION_ISOLATED, quoted(isolated));
			return -EINVAL;
		}
	}
	if (weight) {
		r->weight = json_object_get_string(weight);
		if (!weight_valid(r->weight)) {
			ksm_error("annotation %s: invalid value %s: must be an integer from %d to %d",
				  ANNOTATION_WEIGHT, quoted(weight), KSM_WEIGHT_MIN, KSM_WEIGHT_MAX);
			return -EINVAL;
		}
	}
	if (scope) {
		const char *s = json_object_get_string(scope);

		if (strcmp(s, "container") && strcmp(s, "pod")) {
			ksm_error("annotation %s: invalid value %s: must be \"container\" or \"pod\"",
				  ANNOTATION_SCOPE, quoted(scope));
			return -EINVAL;
		}
		r->pod = !strcmp(s, "pod");
	}
	if (sub)
		r->subgroup = json_object_get_string(sub);
	return 0;
}

/* ---- the cgroup ------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/*
 * A systemd slice's cgroup: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice,
 * "-.slice" the root.  Returns NULL for a name that is not a slice.
 */
static char *slice_path(const char *slice)
{
	size_t len = strlen(slice), suffix = strlen(".slice"), i, o = 0;
	char *path;

	if (!strcmp(slice, "-.slice"))
		return xstrdup("");
	if (len <= suffix || strcmp(slice + len - suffix, ".slice") ||
	    strchr(slice, '/') || slice[0] == '-')
		return NULL;
	/* At most one "/PREFIX.slice" per dash, plus the slice itself. */
	path = xmalloc(len * (len + suffix + 1) + 2);
	for (i = 0; i < len - suffix; i++) {
		if (slice[i] != '-')
			continue;
		if (slice[i + 1] == '-' || slice[i + 1] == '.')
			goto bad;
		o += sprintf(path + o, "/%.*s.slice", (int)i, slice);
	}
	sprintf(path + o, "/%s", slice);
	return path;
bad:
	free(path);
	return NULL;
}

/*
 * The cgroup named by linux.cgroupsPath: a path for the cgroupfs driver
 * ("/kubepods/besteffort/pod123/abc"), or "SLICE:PREFIX:NAME" for the
 * systemd driver, the scope PREFIX-NAME.scope in SLICE (as runc and crun
 * read it; NAME may itself be a slice).
 */
static int cgroup_of_path(const char *cgpath, char **cg)
{
	const char *c1 = strchr(cgpath, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *name = c2 ? c2 + 1 : NULL;
	char *slice, *spath = NULL, *raw = NULL;
	int ret = -EINVAL;

	if (cgpath[0] == '/') {
		ret = cg_normalize(cgpath, cg);
	} else if (c1 && c2 && *name && !strchr(name, ':')) {
		slice = c1 == cgpath ? xstrdup("system.slice")
				     : xasprintf("%.*s", (int)(c1 - cgpath), cgpath);
		spath = slice_path(slice);
		free(slice);
		if (spath && ends_with(name, ".slice"))
			raw = slice_path(name);
		else if (spath && c2 == c1 + 1)
			raw = xasprintf("%s/%s.scope", spath, name);
		else if (spath)
			raw = xasprintf("%s/%.*s-%s.scope", spath, (int)(c2 - c1 - 1), c1 + 1, name);
		if (raw)
			ret = cg_normalize(raw, cg);
	}
	free(spath);
	free(raw);
	if (ret < 0)
		ksm_error("invalid linux.cgroupsPath \"%s\"", cgpath);
	return ret;
}

static const char *last_component(const char *cg)
{
	return strrchr(cg, '/') + 1;
}

/*
 * The container's cgroup: that of its first process, which the runtime
 * has put there, whatever the cgroup driver; else linux.cgroupsPath.
 * Under the systemd driver crun puts the process in a sub-cgroup of the
 * container's scope ("container", or what run.oci.systemd.subgroup
 * says): the scope is the container's cgroup.
 */
static int container_cgroup(const struct hook_request *r, char **cg)
{
	const char *sub = r->subgroup ? r->subgroup : CRUN_DEFAULT_SUBGROUP;
	char *raw = NULL;
	int ret;

	if (r->pid > 0) {
		char pid[32];

		snprintf(pid, sizeof(pid), "%ld", r->pid);
		ret = cg_of_pid(pid, &raw);
		if (ret < 0)
			return ret;
		if (cg_normalize(raw, cg) < 0) {
			ksm_error("invalid cgroup \"%s\" of process %s", raw, pid);
			free(raw);
			return -EINVAL;
		}
		free(raw);
	} else if (r->cgroups_path) {
		ret = cgroup_of_path(r->cgroups_path, cg);
		if (ret < 0)
			return ret;
	} else {
		ksm_error("no process ID and no linux.cgroupsPath: cannot find the container's cgroup");
		return -EINVAL;
	}

	if (*sub && strcmp(*cg, "/") && !strcmp(last_component(*cg), sub)) {
		char *parent = cgroup_parent(*cg);

		if (ends_with(parent, ".scope")) {
			free(*cg);
			*cg = parent;
		} else {
			free(parent);
		}
	}
	ret = cg_check_exists(*cg);
	if (ret < 0) {
		free(*cg);
		*cg = NULL;
	}
	return ret;
}

/*
 * The pod's cgroup: the parent of the container's (the pod slice of the
 * systemd driver, podUID of cgroupfs).  A container that is not in a pod
 * has a top-level parent (system.slice, machine.slice, kubepods): KSM for
 * all of it would span security domains, so that is refused.
 */
static int pod_cgroup(const char *container, char **cg)
{
	char *parent = cgroup_parent(container);

	if (!strcmp(parent, "/") || !strchr(parent + 1, '/')) {
		ksm_error("annotation %s=pod: the container's cgroup %s is not in a pod: its "
			  "parent %s is a top-level cgroup, which KSM must not span",
			  ANNOTATION_SCOPE, container, parent);
		free(parent);
		return -EINVAL;
	}
	*cg = parent;
	return 0;
}

/* Why @file of the existing cgroup @cg is missing. */
static const char *missing_reason(const char *cg, const char *file)
{
	char *path = cgroup_file_path(cg, "memory.current");
	bool memory = access(path, F_OK) == 0, ksm;

	free(path);
	if (!memory)
		return "the memory controller is not enabled for the cgroup";
	path = cgroup_file_path(cg, KSM_FILE);
	ksm = access(path, F_OK) == 0;
	free(path);
	if (!ksm)
		return "the kernel has no cgroup KSM";
	if (!strcmp(file, KSM_ISOLATED_FILE))
		return "the kernel has no memory.ksm.isolated (no KSM merge domains)";
	return "the kernel has no memory.ksm.weight";
}

/*
 * Is @file of @cg there?  If not: an error with @strict, otherwise a
 * warning, and the container starts without it.  Returns 1 if it is
 * there, 0 if not (warned), -errno for an error.
 */
static int need_file(const char *cg, const char *file, bool strict)
{
	char *path = cgroup_file_path(cg, file);
	int ret = 1;

	if (access(path, F_OK) < 0) {
		if (errno != ENOENT) {
			ret = -errno;
			ksm_error("%s: %s", path, strerror(errno));
		} else if (strict) {
			ret = -ENOENT;
			ksm_error("%s is missing: %s", path, missing_reason(cg, file));
		} else {
			/* Without merge domains, what KSM merges, it merges node-wide. */
			bool iso = !strcmp(file, KSM_ISOLATED_FILE);

			ret = 0;
			ksm_warn("%s is missing: %s; the container starts without it%s "
				 "(--strict makes this an error)", path, missing_reason(cg, file),
				 iso ? ", sharing one merge domain with every KSM-enabled process "
				       "on the node" : "");
		}
	}
	free(path);
	return ret;
}

/* What was written, for the NRI result. */
struct applied {
	char *cg;
	const char *ksm;
	const char *weight;
	const char *isolated;
};

/*
 * Write what @r asks for to the container's or the pod's cgroup, in this
 * order:
 *
 * 1. memory.ksm.isolated, before anything that lets KSM merge: once
 *    memory.ksm is 1, ksmd may merge the cgroup's pages at its next pass,
 *    in the merge domain the cgroup is in then.  Written after memory.ksm,
 *    the isolation would come too late for the pages merged in between:
 *    merged in the parent's domain (on most nodes the root's: every
 *    KSM-enabled cgroup of the node, every prctl or madvise user), open to
 *    the timing channel of the other tenants until the kernel unmerged them
 *    on the domain's change.  Written first, no page of the container or
 *    pod is ever merged outside its domain.  At pod scope the pod's other
 *    containers may be merging already (an earlier memory.ksm, prctl,
 *    madvise): the kernel unmerges their pages of the old domain before
 *    they run on in the new.
 * 2. memory.ksm.weight, so that merging starts with it;
 * 3. memory.ksm.
 *
 * If a write fails, the ones before it get their old values back: a hook
 * that fails leaves the cgroup as it was.
 */
static int apply(const struct hook_request *r, bool strict, struct applied *done)
{
	char *cg = NULL, *target = NULL, old[32] = "";
	const char *ksm = r->ksm, *weight = r->weight, *isolated = r->isolated;
	bool wrote_isolated = false;
	int ret, old_isolated = -1;

	ret = cg_check_root();
	if (ret == 0)
		ret = container_cgroup(r, &cg);
	if (ret == 0 && r->pod)
		ret = pod_cgroup(cg, &target);
	else if (ret == 0)
		target = xstrdup(cg);
	free(cg);
	if (ret < 0)
		return ret;

	if (ksm) {
		ret = need_file(target, KSM_FILE, strict);
		if (ret == 0)
			ksm = weight = NULL;
	}
	if (ret >= 0 && isolated) {
		ret = need_file(target, KSM_ISOLATED_FILE, strict);
		if (ret == 0)
			isolated = NULL;
	}
	if (ret >= 0 && weight) {
		ret = need_file(target, KSM_WEIGHT_FILE, strict);
		if (ret == 0)
			weight = NULL;
	}
	/* The old values of what a later failure would set back. */
	if (ret >= 0 && isolated && (weight || ksm))
		ret = cg_read_bool(target, KSM_ISOLATED_FILE, &old_isolated);
	if (ret >= 0 && weight && ksm) {
		char text[32], *path = cgroup_file_path(target, KSM_WEIGHT_FILE);

		ret = read_file_at(AT_FDCWD, path, text, sizeof(text));
		if (ret < 0)
			ksm_error("cannot read %s: %s", path, strerror(-ret));
		else
			snprintf(old, sizeof(old), "%s", strstrip(text));
		free(path);
	}

	if (ret >= 0 && isolated) {
		ret = cg_write(target, KSM_ISOLATED_FILE, isolated);
		wrote_isolated = ret >= 0;
	}
	if (ret >= 0 && weight)
		ret = cg_write(target, KSM_WEIGHT_FILE, weight);
	if (ret >= 0 && ksm) {
		ret = cg_write(target, KSM_FILE, ksm);
		if (ret < 0 && weight && old[0])
			cg_write(target, KSM_WEIGHT_FILE, old);
	}
	/* memory.ksm is as it was: the isolation can go back to what it was too. */
	if (ret < 0 && wrote_isolated && old_isolated >= 0 && old_isolated != isolated[0] - '0')
		cg_write(target, KSM_ISOLATED_FILE, old_isolated ? "1" : "0");
	if (ret < 0) {
		free(target);
		return ret;
	}
	done->cg = target;
	done->ksm = ksm;
	done->weight = weight;
	done->isolated = isolated;
	return 0;
}

/* ---- oci-hook -------------------------------------------------------------- */

static void usage_annotations(FILE *f)
{
	fputs("Annotations (values exactly as shown; anything else is refused):\n"
	      "  " ANNOTATION_KSM "=0|1              write memory.ksm\n"
	      "  " ANNOTATION_WEIGHT "=1..10000  write memory.ksm.weight\n"
	      "  " ANNOTATION_ISOLATED "=0|1     write memory.ksm.isolated\n"
	      "                                             (before memory.ksm): 1 makes the\n"
	      "                                             cgroup a merge domain of its own\n"
	      "  " ANNOTATION_SCOPE "=container|pod         the container's cgroup (default)\n"
	      "                                             or its pod's\n"
	      "\n"
	      "KSM lets the processes it merges observe each other's memory contents\n"
	      "through timing: enable it only for containers of one security domain.\n"
	      "Without isolation, every KSM-enabled container of the node shares one\n"
	      "merge domain with every other: on a node shared by tenants, set\n"
	      "  " ANNOTATION_ISOLATED "=1 wherever " ANNOTATION_KSM "=1.\n", f);
}

static void usage_oci_hook(FILE *f)
{
	fputs("Usage: " PROGNAME " oci-hook [--strict]\n"
	      "\n"
	      "OCI runtime hook (createRuntime or prestart): set memory.ksm (.weight,\n"
	      ".isolated) of the container's cgroup, or its pod's, from the container's\n"
	      "annotations.  Reads the container state from standard input and\n"
	      "config.json from its bundle.\n"
	      "\n"
	      "      --strict         fail if the kernel lacks a file asked for\n"
	      "                       (memory.ksm, .weight, .isolated; default: warn\n"
	      "                       and let the container start without it)\n"
	      "  -h, --help           show this help\n"
	      "\n", f);
	usage_annotations(f);
}

static const struct option hook_longopts[] = {
	{ "strict", no_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int oci_hook(bool strict)
{
	struct json_object *state = NULL, *config = NULL, *sann, *cann, *linux_obj, *pidv;
	struct hook_request r = { 0 };
	struct annotations a = { .n = 0 };
	struct applied done = { 0 };
	const char *bundle;
	char *cpath = NULL;
	int ret;

	ret = parse_json_fd(STDIN_FILENO, "container state (standard input)", &state);
	if (ret < 0)
		return ret;
	ret = json_string_member(state, "bundle", "container state", &bundle);
	if (ret == 0 && !bundle) {
		ksm_error("container state: no \"bundle\"");
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = json_member(state, "pid", json_type_int, "container state", &pidv);
	if (ret == 0 && pidv)
		r.pid = (long)json_object_get_int64(pidv);
	if (ret == 0)
		ret = json_member(state, "annotations", json_type_object, "container state", &sann);
	if (ret == 0) {
		cpath = xasprintf("%s/config.json", bundle);
		ret = parse_json_file(cpath, &config);
	}
	if (ret == 0)
		ret = json_member(config, "annotations", json_type_object, cpath, &cann);
	if (ret == 0)
		ret = json_member(config, "linux", json_type_object, cpath, &linux_obj);
	if (ret == 0)
		ret = json_string_member(linux_obj, "cgroupsPath", cpath, &r.cgroups_path);
	if (ret < 0)
		goto out;

	/* config.json is what the container was made from; the state repeats it. */
	annotations_add(&a, cann, cpath);
	annotations_add(&a, sann, "container state");
	ret = read_annotations(&a, &r);
	if (ret < 0 || (!r.ksm && !r.weight && !r.isolated))
		goto out;
	ret = apply(&r, strict, &done);
	free(done.cg);
out:
	free(cpath);
	json_object_put(config);
	json_object_put(state);
	return ret;
}

/*
 * The options both hooks take.  Returns -1 to go on, or the exit status
 * (--help, or a bad option).
 */
static int hook_options(const char *cmd, void (*usage)(FILE *f), int argc,
			char **argv, bool *strict)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", hook_longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			*strict = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			return bad_option(cmd, argv, c);
		}
	}
	return -1;
}

int cmd_oci_hook(int argc, char **argv)
{
	bool strict = false;
	int ret;

	ret = hook_options("oci-hook", usage_oci_hook, argc, argv, &strict);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("oci-hook", "no arguments expected (the state is read from "
				   "standard input)");
	return oci_hook(strict) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- nri-hook -------------------------------------------------------------- */

static void usage_nri_hook(FILE *f)
{
	fputs("Usage: " PROGNAME " nri-hook [--strict] invoke\n"
	      "       ksmctl-nri invoke\n"
	      "\n"
	      "NRI v0.1 plugin for containerd 1.6: on the \"create\" request of a container\n"
	      "or pod sandbox, set memory.ksm (.weight, .isolated) of its cgroup, or its\n"
	      "pod's, from the annotations of its spec or the pod's labels.  Reads the\n"
	      "request from standard input and prints the result on standard output.\n"
	      "Installed as /opt/nri/bin/ksmctl-nri (a link to " PROGNAME ") and named in\n"
	      "/etc/nri/conf.json; {\"strict\": true} in its \"conf\" there is --strict.\n"
	      "\n"
	      "      --strict         fail if the kernel lacks a file asked for\n"
	      "                       (memory.ksm, .weight, .isolated; default: warn\n"
	      "                       and let the container start without it)\n"
	      "  -h, --help           show this help\n"
	      "\n", f);
	usage_annotations(f);
}

/* Handle the request; fill @meta with what was done. */
static int nri_handle(struct json_object *req, bool strict, struct json_object *meta)
{
	struct json_object *spec, *sann, *labels, *conf, *pidv, *v;
	struct hook_request r = { 0 };
	struct annotations a = { .n = 0 };
	struct applied done = { 0 };
	const char *state;
	int ret;

	ret = json_string_member(req, "state", "NRI request", &state);
	if (ret == 0)
		ret = json_member(req, "spec", json_type_object, "NRI request", &spec);
	if (ret == 0)
		ret = json_member(spec, "annotations", json_type_object, "NRI request spec", &sann);
	if (ret == 0)
		ret = json_string_member(spec, "cgroupsPath", "NRI request spec", &r.cgroups_path);
	if (ret == 0)
		ret = json_member(req, "labels", json_type_object, "NRI request", &labels);
	if (ret == 0)
		ret = json_member(req, "pid", json_type_int, "NRI request", &pidv);
	if (ret == 0)
		ret = json_member(req, "conf", json_type_object, "NRI request", &conf);
	if (ret < 0)
		return ret;
	if (pidv)
		r.pid = (long)json_object_get_int64(pidv);
	if (conf && json_object_object_get_ex(conf, "strict", &v) && json_object_get_boolean(v))
		strict = true;

	/* Only "create" comes with a cgroup that holds the task, not yet started. */
	if (!state || strcmp(state, "create"))
		return 0;

	/* A container's own annotations, then its pod's labels. */
	annotations_add(&a, sann, "NRI request spec");
	annotations_add(&a, labels, "NRI request labels");
	ret = read_annotations(&a, &r);
	if (ret < 0 || (!r.ksm && !r.weight && !r.isolated))
		return ret;
	ret = apply(&r, strict, &done);
	if (ret < 0)
		return ret;
	if (done.ksm || done.weight || done.isolated)
		json_object_object_add(meta, "cgroup", json_object_new_string(done.cg));
	if (done.isolated)
		json_object_object_add(meta, KSM_ISOLATED_FILE,
				       json_object_new_string(done.isolated));
	if (done.ksm)
		json_object_object_add(meta, KSM_FILE, json_object_new_string(done.ksm));
	if (done.weight)
		json_object_object_add(meta, KSM_WEIGHT_FILE, json_object_new_string(done.weight));
	free(done.cg);
	return 0;
}

/*
 * Messages go to standard error, which containerd passes on to its log,
 * and the failure's also into the result's "error", which containerd
 * returns to the kubelet.
 */
static int nri_hook(bool strict)
{
	struct json_object *req = NULL, *res, *meta, *ver = NULL;
	FILE *saved = ksm_errfile, *mem;
	char *msgs = NULL;
	size_t len = 0;
	int ret;

	mem = open_memstream(&msgs, &len);
	if (!mem) {
		ksm_error("out of memory");
		return -ENOMEM;
	}
	ksm_errfile = mem;
	meta = json_object_new_object();
	ret = parse_json_fd(STDIN_FILENO, "NRI request (standard input)", &req);
	if (ret == 0)
		ret = nri_handle(req, strict, meta);
	ksm_errfile = saved;
	fclose(mem);
	if (len)
		fputs(msgs, saved ? saved : stderr);

	res = json_object_new_object();
	json_object_object_add(res, "plugin", json_object_new_string(NRI_PLUGIN_NAME));
	if (req && json_object_object_get_ex(req, "version", &ver) &&
	    json_object_is_type(ver, json_type_string))
		json_object_object_add(res, "version", json_object_get(ver));
	else
		json_object_object_add(res, "version", json_object_new_string("0.1"));
	if (ret < 0)
		json_object_object_add(res, "error", json_object_new_string(
			len ? strstrip(msgs) : PROGNAME ": failed"));
	json_object_object_add(res, "metadata", meta);
	printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(res);
	json_object_put(req);
	free(msgs);
	return ret;
}

int cmd_nri_hook(int argc, char **argv)
{
	bool strict = false;
	int ret;

	ret = hook_options("nri-hook", usage_nri_hook, argc, argv, &strict);
	if (ret >= 0)
		return ret;
	if (optind >= argc || strcmp(argv[optind], "invoke"))
		return usage_error("nri-hook", optind >= argc ? "no operation given (\"invoke\")" :
				   "unknown operation: only \"invoke\" is known");
	if (optind + 1 < argc)
		return usage_error("nri-hook", "too many arguments");
	return nri_hook(strict) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
