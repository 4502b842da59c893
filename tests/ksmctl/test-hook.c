// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci-hook and nri-hook: the container state or NRI request on standard
 * input, a bundle's config.json and a fake cgroup tree.  A refused
 * annotation must fail naming the annotation and the value and leave
 * every file as it was; a container without the annotations, or a kernel
 * without memory.ksm or memory.ksm.isolated (unless --strict), must not
 * stop the container; memory.ksm.isolated is written before memory.ksm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fake.h"

#define ANN "ksm.cgroup.dev/memory.ksm"
#define ANN_WEIGHT "ksm.cgroup.dev/memory.ksm.weight"
#define ANN_ISOLATED "ksm.cgroup.dev/memory.ksm.isolated"
#define ANN_SCOPE "ksm.cgroup.dev/scope"

#define POD_SLICE "/kubepods.slice/kubepods-besteffort.slice/" \
	"kubepods-besteffort-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice"

#define assert_file(base, rel, want) do { \
	char *c_ = fake_read(base, rel); \
	assert_non_null(c_); \
	assert_string_equal(c_, want); \
	free(c_); \
} while (0)

static char bundle[PATH_MAX];

/*
 * A bundle whose config.json has @annotations (a JSON object's members,
 * may be "") and linux.cgroupsPath @cgpath (none if NULL).
 */
static void make_bundle(const char *annotations, const char *cgpath)
{
	char cg[512] = "";

	snprintf(bundle, sizeof(bundle), "%s/bundle", fake.dir);
	if (cgpath)
		snprintf(cg, sizeof(cg), "\"cgroupsPath\": \"%s\", ", cgpath);
	fake_file(bundle, "config.json",
		  "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]},\n"
		  " \"root\": {\"path\": \"rootfs\"},\n"
		  " \"annotations\": {%s},\n"
		  " \"linux\": {%s\"resources\": {\"memory\": {}}, \"namespaces\": []}}\n",
		  annotations, cg);
}

/* The container state a runtime hands to a createRuntime hook. */
static char *state_json(int pid, const char *annotations)
{
	char *s;

	assert_true(asprintf(&s, "{\"ociVersion\": \"1.0.2\", \"id\": \"c1\", \"status\": "
			     "\"creating\", \"pid\": %d, \"bundle\": \"%s\", \"annotations\": {%s}}",
			     pid, bundle, annotations) > 0);
	return s;
}

static struct result hook(const char *input, const char *opt)
{
	const char *args[] = { "oci-hook", opt, NULL };

	return run_ksmctl_full("ksmctl", input, args);
}

/* Run the hook on pid 4242 with @annotations in config.json. */
static struct result hook_with(const char *annotations, const char *opt)
{
	struct result r;
	char *state;

	make_bundle(annotations, NULL);
	state = state_json(4242, "");
	r = hook(state, opt);
	free(state);
	return r;
}

/* A container's cgroup with memory.ksm and memory.ksm.weight, and pid 4242 in it. */
static void container_at(const char *cg)
{
	char rel[512], parent[512];

	snprintf(parent, sizeof(parent), "%s", cg);
	*strrchr(parent, '/') = '\0';
	fake_cgroup(parent, 0, NULL);
	fake_cgroup(cg, 0, NULL);
	snprintf(rel, sizeof(rel), "%s/memory.ksm.weight", cg + 1);
	fake_file(fake.cg, rel, "100\n");
	fake_proc(4242, cg, NULL);
}

/* ---- oci-hook ---------------------------------------------------------------- */

static void test_oci_hook_enable(void **state)
{
	struct result r;

	(void)state;
	container_at("/pods/pod1/c1");
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"300\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "300");
	/* The pod's cgroup is not the container's. */
	assert_file(fake.cg, "pods/pod1/memory.ksm", "0\n");
	result_free(&r);

	/* "0" turns it off; the weight alone is written alone. */
	r = hook_with("\"" ANN "\": \"0\"", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0");
	result_free(&r);
	r = hook_with("\"" ANN_WEIGHT "\": \"10000\"", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "10000");
	result_free(&r);
}

static void test_oci_hook_no_annotation(void **state)
{
	struct result r;

	(void)state;
	container_at("/pods/pod1/c1");
	r = hook_with("\"io.kubernetes.cri-o.ContainerType\": \"container\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100\n");
	result_free(&r);

	/* Nothing to do needs no cgroup, nor a kernel with memory.ksm. */
	r = hook_with("", "--strict");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	result_free(&r);
}

/* The state's annotations count when config.json has none; config.json wins. */
static void test_oci_hook_state_annotations(void **state)
{
	struct result r;
	char *s;

	(void)state;
	container_at("/pods/pod1/c1");
	make_bundle("", NULL);
	s = state_json(4242, "\"" ANN "\": \"1\"");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	result_free(&r);

	make_bundle("\"" ANN "\": \"0\"", NULL);
	s = state_json(4242, "\"" ANN "\": \"1\"");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0");
	result_free(&r);
}

/*
 * The systemd driver with crun: the process is in SCOPE/container, the
 * container's cgroup is the scope, the pod's the slice above it.
 */
static void test_oci_hook_pod_scope(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup(POD_SLICE, 0, NULL);
	fake_file(fake.cg, POD_SLICE "/memory.ksm.weight", "100\n");
	fake_cgroup(POD_SLICE "/crio-abc.scope", 0, NULL);
	fake_cgroup(POD_SLICE "/crio-abc.scope/container", 0, NULL);
	fake_proc(4242, POD_SLICE "/crio-abc.scope/container", NULL);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_SCOPE "\": \"container\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/memory.ksm", "1");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/container/memory.ksm", "0\n");
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "0\n");
	result_free(&r);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"50\", \"" ANN_SCOPE "\": \"pod\"",
		      NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "1");
	assert_file(fake.cg, POD_SLICE "/memory.ksm.weight", "50");
	result_free(&r);

	/* run.oci.systemd.subgroup="" : crun made no sub-cgroup. */
	fake_cgroup(POD_SLICE "/crio-def.scope", 0, NULL);
	fake_cgroup(POD_SLICE "/crio-def.scope/container", 0, NULL);
	fake_proc(4242, POD_SLICE "/crio-def.scope/container", NULL);
	r = hook_with("\"" ANN "\": \"1\", \"run.oci.systemd.subgroup\": \"\"", NULL);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, POD_SLICE "/crio-def.scope/container/memory.ksm", "1");
	assert_file(fake.cg, POD_SLICE "/crio-def.scope/memory.ksm", "0\n");
	result_free(&r);
}

/* Pod scope for a container that is in no pod would span a whole slice. */
static void test_oci_hook_pod_scope_no_pod(void **state)
{
	struct result r;

	(void)state;
	container_at("/system.slice/foo.scope");
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_SCOPE "\": \"pod\"", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "annotation " ANN_SCOPE "=pod: the container's cgroup "
			"/system.slice/foo.scope is not in a pod: its parent /system.slice is a "
			"top-level cgroup");
	assert_file(fake.cg, "system.slice/foo.scope/memory.ksm", "0\n");
	result_free(&r);
}

/* Every refused value: named with its annotation, and nothing written. */
static void test_oci_hook_bad_values(void **state)
{
	static const struct {
		const char *annotations;
		const char *msg;
	} bad[] = {
		{ "\"" ANN "\": \"2\"", "annotation " ANN ": invalid value \"2\": must be \"0\" or \"1\"" },
		{ "\"" ANN "\": \"yes please\"", "annotation " ANN ": invalid value \"yes please\"" },
		{ "\"" ANN "\": \"0x1\"", "invalid value \"0x1\"" },
		{ "\"" ANN "\": \"\"", "invalid value \"\"" },
		{ "\"" ANN "\": \" 1\"", "invalid value \" 1\"" },
		{ "\"" ANN "\": \"1\\n\"", "invalid value \"1\\n\"" },
		{ "\"" ANN "\": \"true\"", "invalid value \"true\"" },
		{ "\"" ANN "\": 1", "annotation " ANN ": invalid value 1: not a string" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"0\"",
		  "annotation " ANN_WEIGHT ": invalid value \"0\": must be an integer from 1 to 10000" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"10001\"", "invalid value \"10001\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"abc\"", "invalid value \"abc\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"0100\"", "invalid value \"0100\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"+5\"", "invalid value \"+5\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"-1\"", "invalid value \"-1\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"99999999999999999999\"",
		  "invalid value \"99999999999999999999\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_SCOPE "\": \"node\"",
		  "annotation " ANN_SCOPE ": invalid value \"node\": must be \"container\" or \"pod\"" },
		{ "\"" ANN_ISOLATED "\": \"2\"",
		  "annotation " ANN_ISOLATED ": invalid value \"2\": must be \"0\" or \"1\"" },
		{ "\"" ANN_ISOLATED "\": \"yes\"", "annotation " ANN_ISOLATED ": invalid value \"yes\"" },
		{ "\"" ANN_ISOLATED "\": \"\"", "annotation " ANN_ISOLATED ": invalid value \"\"" },
		{ "\"" ANN_ISOLATED "\": \" 1\"", "annotation " ANN_ISOLATED ": invalid value \" 1\"" },
		{ "\"" ANN_ISOLATED "\": \"1\\n\"", "annotation " ANN_ISOLATED ": invalid value \"1\\n\"" },
		{ "\"" ANN_ISOLATED "\": \"true\"", "annotation " ANN_ISOLATED ": invalid value \"true\"" },
		{ "\"" ANN_ISOLATED "\": 1", "annotation " ANN_ISOLATED ": invalid value 1: not a string" },
		/* A valid memory.ksm (and weight) beside it: nothing written either. */
		{ "\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"300\", \"" ANN_ISOLATED "\": \"01\"",
		  "annotation " ANN_ISOLATED ": invalid value \"01\": must be \"0\" or \"1\"" },
		{ "\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"yes\", \"" ANN_SCOPE "\": \"pod\"",
		  "annotation " ANN_ISOLATED ": invalid value \"yes\"" },
		/* A valid isolation beside a refused value: not written. */
		{ "\"" ANN "\": \"2\", \"" ANN_ISOLATED "\": \"1\"", "annotation " ANN ": invalid value \"2\"" },
		{ "\"" ANN_ISOLATED "\": \"1\", \"" ANN_WEIGHT "\": \"0\"",
		  "annotation " ANN_WEIGHT ": invalid value \"0\"" },
		{ "\"" ANN_ISOLATED "\": \"1\", \"" ANN_SCOPE "\": \"node\"",
		  "annotation " ANN_SCOPE ": invalid value \"node\"" },
	};
	struct result r;
	size_t i;

	(void)state;
	container_at("/pods/pod1/c1");
	fake_isolated("/pods/pod1/c1", 0);
	fake_isolated("/pods/pod1", 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = hook_with(bad[i].annotations, NULL);
		if (r.status != 1 || !strstr(r.err, bad[i].msg))
			fail_msg("{%s}: status %d, stderr:\n%s", bad[i].annotations, r.status, r.err);
		/* A file the hook wrote would read "0" or "1", without the newline. */
		assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
		assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100\n");
		assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "0\n");
		assert_file(fake.cg, "pods/pod1/memory.ksm", "0\n");
		assert_file(fake.cg, "pods/pod1/memory.ksm.isolated", "0\n");
		result_free(&r);
	}
}

static void test_oci_hook_old_kernel(void **state)
{
	char want[PATH_MAX + 128];
	struct result r;

	(void)state;
	/* The memory controller is there, memory.ksm is not. */
	fake_cgroup("/pods/pod1/c1", -1, NULL);
	fake_file(fake.cg, "pods/pod1/c1/memory.current", "0\n");
	fake_proc(4242, "/pods/pod1/c1", NULL);

	r = hook_with("\"" ANN "\": \"1\"", NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "ksmctl: warning: %s/pods/pod1/c1/memory.ksm is missing: "
		 "the kernel has no cgroup KSM; the container starts without it "
		 "(--strict makes this an error)\n", fake.cg);
	assert_string_equal(r.err, want);
	result_free(&r);

	r = hook_with("\"" ANN "\": \"1\"", "--strict");
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: %s/pods/pod1/c1/memory.ksm is missing: "
		 "the kernel has no cgroup KSM\n", fake.cg);
	assert_string_equal(r.err, want);
	result_free(&r);

	/* No memory controller for the cgroup at all. */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/pods/pod1/c1/memory.current", fake.cg);
		assert_int_equal(unlink(path), 0);
	}
	r = hook_with("\"" ANN "\": \"1\"", "--strict");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "memory.ksm is missing: the memory controller is not enabled "
			"for the cgroup");
	result_free(&r);
}

/* memory.ksm without memory.ksm.weight: a warning, or nothing with --strict. */
static void test_oci_hook_no_weight_file(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/pods/pod1/c1", 0, NULL);
	fake_proc(4242, "/pods/pod1/c1", NULL);
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"200\"", "--strict");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "memory.ksm.weight is missing: the kernel has no memory.ksm.weight");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	result_free(&r);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"200\"", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "ksmctl: warning: ");
	assert_contains(r.err, "memory.ksm.weight is missing");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	result_free(&r);
}

/* memory.ksm refuses the write: the weight written before it is put back. */
static void test_oci_hook_write_fails(void **state)
{
	char path[PATH_MAX];
	struct result r;

	(void)state;
	container_at("/pods/pod1/c1");
	snprintf(path, sizeof(path), "%s/pods/pod1/c1/memory.ksm", fake.cg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_WEIGHT "\": \"200\"", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot write \"1\" to ");
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm: Is a directory");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100");
	result_free(&r);
}

/* ---- oci-hook: memory.ksm.isolated ------------------------------------------ */

/* The container's cgroup, and the pod's, with memory.ksm.isolated 0. */
static void isolated_container_at(const char *cg)
{
	char parent[512];

	container_at(cg);
	fake_isolated(cg, 0);
	snprintf(parent, sizeof(parent), "%s", cg);
	*strrchr(parent, '/') = '\0';
	fake_isolated(parent, 0);
}

static void test_oci_hook_isolated(void **state)
{
	struct result r;

	(void)state;
	isolated_container_at("/pods/pod1/c1");
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "1");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	/* Container scope: the pod's cgroup is left alone. */
	assert_file(fake.cg, "pods/pod1/memory.ksm.isolated", "0\n");
	assert_file(fake.cg, "pods/pod1/memory.ksm", "0\n");
	result_free(&r);

	/* Isolation alone: the hook runs, memory.ksm is not touched. */
	r = hook_with("\"" ANN_ISOLATED "\": \"0\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "0");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	result_free(&r);

	/* With all three. */
	r = hook_with("\"" ANN "\": \"0\", \"" ANN_WEIGHT "\": \"20\", \"" ANN_ISOLATED "\": \"1\"",
		      "--strict");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "1");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "20");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0");
	result_free(&r);
}

/* Pod scope: the pod's cgroup (crun under the systemd driver) is isolated. */
static void test_oci_hook_isolated_pod(void **state)
{
	struct result r;
	char *s;

	(void)state;
	fake_cgroup(POD_SLICE, 0, NULL);
	fake_isolated(POD_SLICE, 0);
	fake_file(fake.cg, POD_SLICE "/memory.ksm.weight", "100\n");
	fake_cgroup(POD_SLICE "/crio-abc.scope", 0, NULL);
	fake_isolated(POD_SLICE "/crio-abc.scope", 0);
	fake_cgroup(POD_SLICE "/crio-abc.scope/container", 0, NULL);
	fake_isolated(POD_SLICE "/crio-abc.scope/container", 0);
	fake_proc(4242, POD_SLICE "/crio-abc.scope/container", NULL);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\", \"" ANN_SCOPE "\": \"pod\"",
		      NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, POD_SLICE "/memory.ksm.isolated", "1");
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "1");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/memory.ksm.isolated", "0\n");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/container/memory.ksm.isolated", "0\n");
	result_free(&r);

	/* From the state's annotations, the pod's isolation alone. */
	fake_isolated(POD_SLICE, 0);
	make_bundle("", NULL);
	s = state_json(4242, "\"" ANN_ISOLATED "\": \"1\", \"" ANN_SCOPE "\": \"pod\"");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, POD_SLICE "/memory.ksm.isolated", "1");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/memory.ksm.isolated", "0\n");
	result_free(&r);

	/* Pod scope for a container in no pod: refused, nothing isolated. */
	isolated_container_at("/system.slice/foo.scope");
	r = hook_with("\"" ANN_ISOLATED "\": \"1\", \"" ANN_SCOPE "\": \"pod\"", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/system.slice/foo.scope is not in a pod");
	assert_file(fake.cg, "system.slice/foo.scope/memory.ksm.isolated", "0\n");
	assert_file(fake.cg, "system.slice/memory.ksm.isolated", "0\n");
	result_free(&r);
}

/*
 * A kernel with memory.ksm but without merge domains: as for a missing
 * memory.ksm.weight, a warning that says so and the container starts
 * (memory.ksm written), or with --strict an error and nothing written.
 */
static void test_oci_hook_no_isolated_file(void **state)
{
	char want[PATH_MAX + 256];
	struct result r;

	(void)state;
	container_at("/pods/pod1/c1");
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\"", "--strict");
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "ksmctl: %s/pods/pod1/c1/memory.ksm.isolated is missing: "
		 "the kernel has no memory.ksm.isolated (no KSM merge domains)\n", fake.cg);
	assert_string_equal(r.err, want);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	result_free(&r);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\", \"" ANN_WEIGHT "\": \"300\"",
		      NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "ksmctl: warning: %s/pods/pod1/c1/memory.ksm.isolated is "
		 "missing: the kernel has no memory.ksm.isolated (no KSM merge domains); the "
		 "container starts without it, sharing one merge domain with every KSM-enabled "
		 "process on the node (--strict makes this an error)\n", fake.cg);
	assert_string_equal(r.err, want);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "1");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "300");
	result_free(&r);

	/* Isolation alone: the same warning, nothing written. */
	r = hook_with("\"" ANN_ISOLATED "\": \"1\"", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, want);
	result_free(&r);
	r = hook_with("\"" ANN_ISOLATED "\": \"1\"", "--strict");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "memory.ksm.isolated is missing: the kernel has no "
			"memory.ksm.isolated");
	result_free(&r);
}

/* A kernel without cgroup KSM at all: each file asked for is named. */
static void test_oci_hook_isolated_old_kernel(void **state)
{
	struct result r;

	(void)state;
	fake_cgroup("/pods/pod1/c1", -1, NULL);
	fake_file(fake.cg, "pods/pod1/c1/memory.current", "0\n");
	fake_proc(4242, "/pods/pod1/c1", NULL);
	r = hook_with("\"" ANN_ISOLATED "\": \"1\"", "--strict");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm.isolated is missing: the kernel has no "
			"cgroup KSM\n");
	result_free(&r);

	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\"", NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm is missing: the kernel has no cgroup "
			"KSM; the container starts without it");
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm.isolated is missing: the kernel has no "
			"cgroup KSM; the container starts without it, sharing one merge domain");
	result_free(&r);
}

/*
 * The order: memory.ksm.isolated before memory.ksm.  The fake files read
 * "0\n"; what the hook writes reads "0" or "1", without the newline.
 */
static void test_oci_hook_isolated_order(void **state)
{
	char path[PATH_MAX];
	struct result r;

	(void)state;
	isolated_container_at("/pods/pod1/c1");

	/*
	 * memory.ksm refuses the write: the isolation had been written
	 * before it (it reads "0", rewritten), and is set back, as the
	 * weight is.
	 */
	snprintf(path, sizeof(path), "%s/pods/pod1/c1/memory.ksm", fake.cg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\", \"" ANN_WEIGHT "\": \"200\"",
		      NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot write \"1\" to ");
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm: Is a directory");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "0");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100");
	result_free(&r);
	assert_int_equal(rmdir(path), 0);
	fake_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	fake_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100\n");

	/* Already isolated: nothing to set back; still written first. */
	fake_isolated("/pods/pod1/c1", 1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\"", NULL);
	assert_int_equal(r.status, 1);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "1");
	result_free(&r);
	assert_int_equal(rmdir(path), 0);
	fake_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	fake_isolated("/pods/pod1/c1", 0);

	/* The isolation refuses the write: neither the weight nor memory.ksm is written. */
	snprintf(path, sizeof(path), "%s/pods/pod1/c1/memory.ksm.isolated", fake.cg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	r = hook_with("\"" ANN "\": \"1\", \"" ANN_ISOLATED "\": \"1\", \"" ANN_WEIGHT "\": \"200\"",
		      NULL);
	assert_int_equal(r.status, 1);
	/* It cannot be read either: the old value, for a rollback, is read first. */
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm.isolated: Is a directory");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.weight", "100\n");
	result_free(&r);
	/* Isolation alone, so no old value is read: the write itself fails. */
	r = hook_with("\"" ANN_ISOLATED "\": \"1\"", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot write \"1\" to ");
	assert_contains(r.err, "/pods/pod1/c1/memory.ksm.isolated: Is a directory");
	result_free(&r);
	assert_int_equal(rmdir(path), 0);
	fake_isolated("/pods/pod1/c1", 0);

	/* The weight refuses the write: the isolation is set back, memory.ksm not written. */
	snprintf(path, sizeof(path), "%s/pods/pod1/c1/memory.ksm.weight", fake.cg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	r = hook_with("\"" ANN_ISOLATED "\": \"1\", \"" ANN_WEIGHT "\": \"200\"", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot write \"200\" to ");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm.isolated", "0");
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
	result_free(&r);
}

/* Without a pid the cgroup comes from linux.cgroupsPath, either driver. */
static void test_oci_hook_cgroups_path(void **state)
{
	struct result r;
	char *s;

	(void)state;
	fake_cgroup("/pods/pod2/c2", 0, NULL);
	make_bundle("\"" ANN "\": \"1\"", "/pods/pod2/c2");
	s = state_json(0, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, "pods/pod2/c2/memory.ksm", "1");
	result_free(&r);

	fake_cgroup(POD_SLICE "/crio-abc.scope", 0, NULL);
	make_bundle("\"" ANN "\": \"1\"", "kubepods-besteffort-pod0b1c2d3e_4f50_6172_8394_"
		    "a5b6c7d8e9f0.slice:crio:abc");
	s = state_json(0, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_file(fake.cg, POD_SLICE "/crio-abc.scope/memory.ksm", "1");
	result_free(&r);

	/* An empty slice is system.slice (runc, crun). */
	fake_cgroup("/system.slice/runc-c3.scope", 0, NULL);
	make_bundle("\"" ANN "\": \"1\"", ":runc:c3");
	s = state_json(0, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 0);
	assert_file(fake.cg, "system.slice/runc-c3.scope/memory.ksm", "1");
	result_free(&r);

	make_bundle("\"" ANN "\": \"1\"", "a:b");
	s = state_json(0, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "invalid linux.cgroupsPath \"a:b\"");
	result_free(&r);

	make_bundle("\"" ANN "\": \"1\"", NULL);
	s = state_json(0, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no process ID and no linux.cgroupsPath");
	result_free(&r);

	/* A process that is gone, a cgroup that is gone. */
	make_bundle("\"" ANN "\": \"1\"", NULL);
	s = state_json(777, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such process: 777");
	result_free(&r);
	fake_proc(778, "/gone", NULL);
	s = state_json(778, "");
	r = hook(s, NULL);
	free(s);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no such cgroup: ");
	result_free(&r);
}

static void test_oci_hook_malformed(void **state)
{
	struct result r;
	char *s, cfg[PATH_MAX + 64];

	(void)state;
	container_at("/pods/pod1/c1");
	make_bundle("\"" ANN "\": \"1\"", NULL);

	r = hook("{\"pid\": 4242, \"bundle\": ", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "container state (standard input): malformed JSON: "
			"unexpected end of input");
	result_free(&r);
	r = hook("", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "malformed JSON");
	result_free(&r);
	r = hook("{\"pid\": 4242} {}", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "malformed JSON: data after the object at offset 14");
	result_free(&r);
	r = hook("{\"pid\": 42x}", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "container state (standard input): malformed JSON at offset");
	result_free(&r);
	r = hook("[1, 2]", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "not a JSON object");
	result_free(&r);
	r = hook("{\"pid\": 4242}", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "container state: no \"bundle\"");
	result_free(&r);
	r = hook("{\"pid\": \"4242\", \"bundle\": \"/x\"}", NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "container state: \"pid\" is not a number");
	result_free(&r);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");

	/* config.json: missing, malformed, of the wrong shape. */
	s = state_json(4242, "");
	snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
	assert_int_equal(unlink(cfg), 0);
	r = hook(s, NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot open ");
	assert_contains(r.err, "/bundle/config.json: No such file or directory");
	result_free(&r);
	fake_file(bundle, "config.json", "{\"annotations\": {\"" ANN "\": \"1\"}");
	r = hook(s, NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/bundle/config.json: malformed JSON");
	result_free(&r);
	fake_file(bundle, "config.json", "{\"annotations\": [\"" ANN "=1\"]}");
	r = hook(s, NULL);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "/bundle/config.json: \"annotations\" is not an object");
	result_free(&r);
	free(s);
	assert_file(fake.cg, "pods/pod1/c1/memory.ksm", "0\n");
}

static void test_oci_hook_usage(void **state)
{
	struct result r;
	const char *extra[] = { "oci-hook", "state.json", NULL };
	const char *help[] = { "oci-hook", "--help", NULL };

	(void)state;
	r = run_ksmctl_full("ksmctl", "{}", extra);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no arguments expected");
	result_free(&r);
	r = hook("{}", "--bogus");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unrecognized option '--bogus'");
	result_free(&r);
	r = run_ksmctl_full("ksmctl", NULL, help);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, ANN "=0|1");
	assert_contains(r.out, ANN_WEIGHT "=1..10000");
	assert_contains(r.out, ANN_ISOLATED "=0|1");
	assert_contains(r.out, "(before memory.ksm)");
	assert_contains(r.out, ANN_ISOLATED "=1 wherever " ANN "=1");
	assert_contains(r.out, ANN_SCOPE "=container|pod");
	assert_contains(r.out, "security domain");
	result_free(&r);
}

/* ---- nri-hook ---------------------------------------------------------------- */

/* A request from tests/ksmctl/nri/, changed by @edit (may be NULL). */
static char *nri_request(const char *name, void (*edit)(struct json_object *))
{
	char path[PATH_MAX];
	struct json_object *req;
	char *s;

	snprintf(path, sizeof(path), "%s/nri/%s", KSMCTL_TESTDIR, name);
	req = json_object_from_file(path);
	if (!req)
		fail_msg("cannot read %s: %s", path, json_util_get_last_err());
	if (edit)
		edit(req);
	s = strdup(json_object_to_json_string(req));
	json_object_put(req);
	return s;
}

static struct json_object *spec_annotations(struct json_object *req)
{
	struct json_object *spec, *ann;

	assert_true(json_object_object_get_ex(req, "spec", &spec));
	assert_true(json_object_object_get_ex(spec, "annotations", &ann));
	return ann;
}

/* Run "ksmctl-nri invoke" on @input; the result must parse. */
static struct result nri(const char *input, struct json_object **res)
{
	const char *args[] = { "invoke", NULL };
	struct result r;

	r = run_ksmctl_full("/opt/nri/bin/ksmctl-nri", input, args);
	*res = json_tokener_parse(r.out);
	if (!*res)
		fail_msg("result is not JSON: \"%s\"; stderr:\n%s", r.out, r.err);
	return r;
}

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static const char *metadata(struct json_object *res, const char *key)
{
	struct json_object *meta;

	return json_object_object_get_ex(res, "metadata", &meta) ? member(meta, key) : NULL;
}

static void nri_pod(void)
{
	fake_cgroup(POD_SLICE, 0, NULL);
	fake_file(fake.cg, POD_SLICE "/memory.ksm.weight", "100\n");
	fake_cgroup(POD_SLICE "/cri-containerd-5d3c0e8a41b2f7e69c8d1a0b2c3d4e5f60718293a4b5c6d7"
		    "e8f9011223344556.scope", 0, NULL);
	fake_file(fake.cg, POD_SLICE "/cri-containerd-5d3c0e8a41b2f7e69c8d1a0b2c3d4e5f60718293a4b5"
		  "c6d7e8f9011223344556.scope/memory.ksm.weight", "100\n");
	fake_cgroup(POD_SLICE "/cri-containerd-9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281"
		    "706f5e4d3c2b1a0.scope", 0, NULL);
	fake_proc(4242, POD_SLICE "/cri-containerd-5d3c0e8a41b2f7e69c8d1a0b2c3d4e5f60718293a4b5c6"
		  "d7e8f9011223344556.scope", NULL);
	fake_proc(4200, POD_SLICE "/cri-containerd-9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39"
		  "281706f5e4d3c2b1a0.scope", NULL);
}

#define CTR_SCOPE POD_SLICE "/cri-containerd-5d3c0e8a41b2f7e69c8d1a0b2c3d4e5f60718293a4b5c6d7" \
	"e8f9011223344556.scope"

static void test_nri_container(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-container.json", NULL);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_string_equal(member(res, "plugin"), "ksmctl-nri");
	assert_string_equal(member(res, "version"), "0.1");
	assert_null(member(res, "error"));
	assert_string_equal(metadata(res, "cgroup"), CTR_SCOPE);
	assert_string_equal(metadata(res, "memory.ksm"), "1");
	assert_string_equal(metadata(res, "memory.ksm.weight"), "300");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "1");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm.weight", "300");
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);
}

/* The sandbox's request, with the pod's labels asking for pod scope. */
static void test_nri_sandbox_labels(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-sandbox.json", NULL);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_null(member(res, "error"));
	assert_string_equal(metadata(res, "cgroup"), POD_SLICE);
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "1");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);
}

static void edit_no_pid(struct json_object *req)
{
	json_object_object_del(req, "pid");
}

static void edit_delete(struct json_object *req)
{
	json_object_object_add(req, "state", json_object_new_string("delete"));
}

static void edit_bad(struct json_object *req)
{
	json_object_object_add(spec_annotations(req), ANN, json_object_new_string("yes please"));
}

static void edit_bad_weight(struct json_object *req)
{
	json_object_object_add(spec_annotations(req), ANN_WEIGHT, json_object_new_string("10001"));
}

static void edit_none(struct json_object *req)
{
	json_object_object_del(spec_annotations(req), ANN);
	json_object_object_del(spec_annotations(req), ANN_WEIGHT);
}

static void edit_strict(struct json_object *req)
{
	struct json_object *conf = json_object_new_object();

	json_object_object_add(conf, "strict", json_object_new_boolean(1));
	json_object_object_add(req, "conf", conf);
}

/* Without a pid (as for pre-create), linux.cgroupsPath of the systemd driver. */
static void test_nri_cgroups_path(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-container.json", edit_no_pid);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_string_equal(metadata(res, "cgroup"), CTR_SCOPE);
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "1");
	json_object_put(res);
	result_free(&r);
	free(req);
}

/* Other states, and containers without the annotations: nothing done. */
static void test_nri_nothing_to_do(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-container.json", edit_delete);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_null(member(res, "error"));
	assert_null(metadata(res, "cgroup"));
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);

	req = nri_request("create-container.json", edit_none);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_null(member(res, "error"));
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);
}

/* A refusal is in the result's "error", which fails the container's start. */
static void test_nri_bad_values(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-container.json", edit_bad);
	r = nri(req, &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "annotation " ANN ": invalid value \"yes please\"");
	assert_contains(r.err, "annotation " ANN ": invalid value \"yes please\"");
	assert_string_equal(member(res, "plugin"), "ksmctl-nri");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm.weight", "100\n");
	json_object_put(res);
	result_free(&r);
	free(req);

	req = nri_request("create-container.json", edit_bad_weight);
	r = nri(req, &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "annotation " ANN_WEIGHT ": invalid value \"10001\"");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);

	r = nri("{\"version\": \"0.1\", \"state\": ", &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "NRI request (standard input): malformed JSON");
	json_object_put(res);
	result_free(&r);
}

/* A kernel without memory.ksm: a warning, or an error with "strict" in conf. */
static void test_nri_old_kernel(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	fake_cgroup(CTR_SCOPE, -1, NULL);
	fake_file(fake.cg, CTR_SCOPE "/memory.current", "0\n");
	fake_proc(4242, CTR_SCOPE, NULL);
	req = nri_request("create-container.json", NULL);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_null(member(res, "error"));
	assert_contains(r.err, "ksmctl: warning: ");
	assert_contains(r.err, "memory.ksm is missing: the kernel has no cgroup KSM");
	json_object_put(res);
	result_free(&r);
	free(req);

	req = nri_request("create-container.json", edit_strict);
	r = nri(req, &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "memory.ksm is missing: the kernel has no cgroup KSM");
	json_object_put(res);
	result_free(&r);
	free(req);
}

/* ---- nri-hook: memory.ksm.isolated ------------------------------------------ */

static void edit_isolated(struct json_object *req)
{
	json_object_object_add(spec_annotations(req), ANN_ISOLATED, json_object_new_string("1"));
}

static void edit_isolated_label(struct json_object *req)
{
	struct json_object *labels;

	assert_true(json_object_object_get_ex(req, "labels", &labels));
	json_object_object_add(labels, ANN_ISOLATED, json_object_new_string("1"));
}

static void edit_bad_isolated(struct json_object *req)
{
	json_object_object_add(spec_annotations(req), ANN_ISOLATED, json_object_new_string("on"));
}

static void edit_isolated_strict(struct json_object *req)
{
	edit_isolated(req);
	edit_strict(req);
}

static void nri_pod_isolated(void)
{
	nri_pod();
	fake_isolated(POD_SLICE, 0);
	fake_isolated(CTR_SCOPE, 0);
}

static void test_nri_isolated(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod_isolated();
	req = nri_request("create-container.json", edit_isolated);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_null(member(res, "error"));
	assert_string_equal(metadata(res, "cgroup"), CTR_SCOPE);
	assert_string_equal(metadata(res, "memory.ksm.isolated"), "1");
	assert_string_equal(metadata(res, "memory.ksm"), "1");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm.isolated", "1");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "1");
	assert_file(fake.cg, POD_SLICE "/memory.ksm.isolated", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);

	/* The sandbox, with the pod's labels: scope pod. */
	req = nri_request("create-sandbox.json", edit_isolated_label);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_string_equal(metadata(res, "cgroup"), POD_SLICE);
	assert_string_equal(metadata(res, "memory.ksm.isolated"), "1");
	assert_file(fake.cg, POD_SLICE "/memory.ksm.isolated", "1");
	assert_file(fake.cg, POD_SLICE "/memory.ksm", "1");
	json_object_put(res);
	result_free(&r);
	free(req);

	/* Without the annotation, no memory.ksm.isolated in the result. */
	req = nri_request("create-container.json", NULL);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_null(metadata(res, "memory.ksm.isolated"));
	json_object_put(res);
	result_free(&r);
	free(req);
}

static void test_nri_isolated_refused(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod_isolated();
	req = nri_request("create-container.json", edit_bad_isolated);
	r = nri(req, &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "annotation " ANN_ISOLATED ": invalid value \"on\": "
			"must be \"0\" or \"1\"");
	assert_contains(r.err, "annotation " ANN_ISOLATED ": invalid value \"on\"");
	/* memory.ksm and the weight beside it were valid: not written either. */
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm.weight", "100\n");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm.isolated", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);
}

/* A kernel without memory.ksm.isolated: a warning, or an error with "strict". */
static void test_nri_no_isolated_file(void **state)
{
	struct json_object *res;
	struct result r;
	char *req;

	(void)state;
	nri_pod();
	req = nri_request("create-container.json", edit_isolated);
	r = nri(req, &res);
	assert_int_equal(r.status, 0);
	assert_null(member(res, "error"));
	assert_contains(r.err, "ksmctl: warning: ");
	assert_contains(r.err, "memory.ksm.isolated is missing: the kernel has no "
			"memory.ksm.isolated (no KSM merge domains); the container starts without "
			"it, sharing one merge domain with every KSM-enabled process on the node");
	assert_null(metadata(res, "memory.ksm.isolated"));
	assert_string_equal(metadata(res, "memory.ksm"), "1");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "1");
	json_object_put(res);
	result_free(&r);
	free(req);

	fake_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	req = nri_request("create-container.json", edit_isolated_strict);
	r = nri(req, &res);
	assert_int_equal(r.status, 1);
	assert_contains(member(res, "error"), "memory.ksm.isolated is missing: the kernel has no "
			"memory.ksm.isolated (no KSM merge domains)");
	assert_file(fake.cg, CTR_SCOPE "/memory.ksm", "0\n");
	json_object_put(res);
	result_free(&r);
	free(req);
}

static void test_nri_usage(void **state)
{
	const char *none[] = { NULL };
	const char *other[] = { "nri-hook", "start", NULL };
	struct result r;

	(void)state;
	r = run_ksmctl_full("ksmctl-nri", "{}", none);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "no operation given (\"invoke\")");
	result_free(&r);
	r = run_ksmctl_full("ksmctl", "{}", other);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unknown operation");
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	fake_test(test_oci_hook_enable),
	fake_test(test_oci_hook_no_annotation),
	fake_test(test_oci_hook_state_annotations),
	fake_test(test_oci_hook_pod_scope),
	fake_test(test_oci_hook_pod_scope_no_pod),
	fake_test(test_oci_hook_bad_values),
	fake_test(test_oci_hook_old_kernel),
	fake_test(test_oci_hook_no_weight_file),
	fake_test(test_oci_hook_write_fails),
	fake_test(test_oci_hook_isolated),
	fake_test(test_oci_hook_isolated_pod),
	fake_test(test_oci_hook_no_isolated_file),
	fake_test(test_oci_hook_isolated_old_kernel),
	fake_test(test_oci_hook_isolated_order),
	fake_test(test_oci_hook_cgroups_path),
	fake_test(test_oci_hook_malformed),
	fake_test(test_oci_hook_usage),
	fake_test(test_nri_container),
	fake_test(test_nri_sandbox_labels),
	fake_test(test_nri_cgroups_path),
	fake_test(test_nri_nothing_to_do),
	fake_test(test_nri_bad_values),
	fake_test(test_nri_old_kernel),
	fake_test(test_nri_isolated),
	fake_test(test_nri_isolated_refused),
	fake_test(test_nri_no_isolated_file),
	fake_test(test_nri_usage),
};

TEST_LIST(hook_tests, tests);
