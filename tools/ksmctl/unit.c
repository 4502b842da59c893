// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Talking to systemd over D-Bus (sd-bus): the cgroup of a unit, and
 * transient scopes for `ksmctl run`.
 *
 * As root, ksmctl talks to the manager over its private socket, as
 * systemctl does: it works early at boot and on systems without a D-Bus
 * daemon.  Other users go through the system bus.
 *
 * libsystemd is loaded with dlopen() when a command needs it.  With the
 * libraries it pulls in, loading it costs more than everything else
 * `ksmctl status` does on a tree of a thousand cgroups, and most commands
 * never talk to systemd.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "unit.h"
#include "util.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static typeof(sd_bus_new) *sym_sd_bus_new;
static typeof(sd_bus_set_address) *sym_sd_bus_set_address;
static typeof(sd_bus_start) *sym_sd_bus_start;
static typeof(sd_bus_unref) *sym_sd_bus_unref;
static typeof(sd_bus_open_system) *sym_sd_bus_open_system;
static typeof(sd_bus_error_is_set) *sym_sd_bus_error_is_set;
static typeof(sd_bus_call_method) *sym_sd_bus_call_method;
static typeof(sd_bus_error_has_name) *sym_sd_bus_error_has_name;
static typeof(sd_bus_error_free) *sym_sd_bus_error_free;
static typeof(sd_bus_message_read) *sym_sd_bus_message_read;
static typeof(sd_bus_message_unref) *sym_sd_bus_message_unref;
static typeof(sd_bus_get_property_string) *sym_sd_bus_get_property_string;
static typeof(sd_bus_flush_close_unref) *sym_sd_bus_flush_close_unref;
static typeof(sd_bus_message_open_container) *sym_sd_bus_message_open_container;
static typeof(sd_bus_message_append) *sym_sd_bus_message_append;
static typeof(sd_bus_message_close_container) *sym_sd_bus_message_close_container;
static typeof(sd_bus_match_signal) *sym_sd_bus_match_signal;
static typeof(sd_bus_message_new_method_call) *sym_sd_bus_message_new_method_call;
static typeof(sd_bus_call) *sym_sd_bus_call;
static typeof(sd_bus_process) *sym_sd_bus_process;
static typeof(sd_bus_wait) *sym_sd_bus_wait;
static typeof(sd_bus_slot_unref) *sym_sd_bus_slot_unref;

#define SYM(name) { #name, (void **)&sym_##name }

static const struct {
	const char *name;
	void **fn;
} libsystemd_syms[] = {
	SYM(sd_bus_new),
	SYM(sd_bus_set_address),
	SYM(sd_bus_start),
	SYM(sd_bus_unref),
	SYM(sd_bus_open_system),
	SYM(sd_bus_error_is_set),
	SYM(sd_bus_call_method),
	SYM(sd_bus_error_has_name),
	SYM(sd_bus_error_free),
	SYM(sd_bus_message_read),
	SYM(sd_bus_message_unref),
	SYM(sd_bus_get_property_string),
	SYM(sd_bus_flush_close_unref),
	SYM(sd_bus_message_open_container),
	SYM(sd_bus_message_append),
	SYM(sd_bus_message_close_container),
	SYM(sd_bus_match_signal),
	SYM(sd_bus_message_new_method_call),
	SYM(sd_bus_call),
	SYM(sd_bus_process),
	SYM(sd_bus_wait),
	SYM(sd_bus_slot_unref),
};

static int load_libsystemd(void)
{
	static void *handle;
	size_t i;

	if (handle)
		return 0;
	handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		ksm_error("cannot load libsystemd.so.0, needed to talk to systemd: %s", dlerror());
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(libsystemd_syms); i++) {
		*libsystemd_syms[i].fn = dlsym(handle, libsystemd_syms[i].name);
		if (!*libsystemd_syms[i].fn) {
			ksm_error("libsystemd.so.0 has no %s", libsystemd_syms[i].name);
			dlclose(handle);
			handle = NULL;
			return -ENOENT;
		}
	}
	return 0;
}

static const struct {
	const char *suffix;
	const char *interface;
} cgroup_units[] = {
	{ ".service", "org.freedesktop.systemd1.Service" },
	{ ".scope", "org.freedesktop.systemd1.Scope" },
	{ ".slice", "org.freedesktop.systemd1.Slice" },
	{ ".socket", "org.freedesktop.systemd1.Socket" },
	{ ".mount", "org.freedesktop.systemd1.Mount" },
	{ ".swap", "org.freedesktop.systemd1.Swap" },
};

static const char *const other_suffixes[] = {
	".target", ".timer", ".path", ".device", ".automount",
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && !strcmp(s + ls - lx, suffix);
}

/* "foo" -> "foo.service", as systemctl does; a name with a type is kept. */
char *unit_name_normalize(const char *name, const char *default_suffix)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cgroup_units); i++)
		if (ends_with(name, cgroup_units[i].suffix))
			return xstrdup(name);
	for (i = 0; i < ARRAY_SIZE(other_suffixes); i++)
		if (ends_with(name, other_suffixes[i]))
			return xstrdup(name);
	return xasprintf("%s%s", name, default_suffix);
}

/* The D-Bus interface with the ControlGroup property of @unit's type. */
const char *unit_interface(const char *unit)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cgroup_units); i++)
		if (ends_with(unit, cgroup_units[i].suffix))
			return cgroup_units[i].interface;
	return NULL;
}

/* What sd_booted() checks, without loading libsystemd for it. */
int systemd_running(void)
{
	return access("/run/systemd/system/", F_OK) == 0;
}

static int bus_open(sd_bus **bus)
{
	int ret;

	if (geteuid() == 0) {
		ret = sym_sd_bus_new(bus);
		if (ret < 0)
			return ret;
		ret = sym_sd_bus_set_address(*bus, "unix:path=/run/systemd/private");
		if (ret >= 0)
			ret = sym_sd_bus_start(*bus);
		if (ret >= 0)
			return 0;
		*bus = sym_sd_bus_unref(*bus);
	}
	return sym_sd_bus_open_system(bus);
}

static int bus_connect(sd_bus **bus)
{
	int ret = load_libsystemd();

	if (ret < 0)
		return ret;
	ret = bus_open(bus);
	if (ret < 0)
		ksm_error("cannot connect to systemd: %s", strerror(-ret));
	return ret;
}

static const char *bus_error_text(const sd_bus_error *e, int ret)
{
	return sym_sd_bus_error_is_set(e) && e->message ? e->message : strerror(-ret);
}

/* The object path of @unit, loading it if systemd does not have it yet. */
static int unit_object(sd_bus *bus, const char *unit, char **object)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int ret;

	ret = sym_sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit",
				 &error, &reply, "s", unit);
	if (ret < 0 && sym_sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit")) {
		sym_sd_bus_error_free(&error);
		ret = sym_sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit",
					 &error, &reply, "s", unit);
	}
	if (ret < 0) {
		ksm_error("cannot look up unit %s: %s", unit, bus_error_text(&error, ret));
		goto out;
	}
	ret = sym_sd_bus_message_read(reply, "o", &path);
	if (ret < 0) {
		ksm_error("cannot look up unit %s: %s", unit, strerror(-ret));
		goto out;
	}
	*object = xstrdup(path);
out:
	sym_sd_bus_error_free(&error);
	sym_sd_bus_message_unref(reply);
	return ret < 0 ? ret : 0;
}

static int bus_unit_cgroup(sd_bus *bus, const char *unit, char **cgroup)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *iface = unit_interface(unit);
	char *object = NULL, *cg = NULL;
	int ret;

	if (!iface) {
		ksm_error("unit %s has no control group (only services, scopes, slices, "
			  "sockets, mounts and swaps have one)", unit);
		return -EINVAL;
	}
	ret = unit_object(bus, unit, &object);
	if (ret < 0)
		return ret;
	ret = sym_sd_bus_get_property_string(bus, SD_DEST, object, iface, "ControlGroup",
					 &error, &cg);
	if (ret < 0) {
		ksm_error("cannot get the control group of %s: %s", unit,
			  bus_error_text(&error, ret));
	} else if (!cg || !*cg) {
		ksm_error("unit %s has no control group: is it running?", unit);
		ret = -ENOENT;
	} else {
		*cgroup = cg;
		cg = NULL;
		ret = 0;
	}
	free(cg);
	free(object);
	sym_sd_bus_error_free(&error);
	return ret;
}

/* The cgroup of the unit @unit ("foo" means "foo.service"), as "/a/b". */
int unit_cgroup(const char *unit, char **cgroup)
{
	char *name = unit_name_normalize(unit, ".service");
	sd_bus *bus = NULL;
	int ret;

	ret = bus_connect(&bus);
	if (ret >= 0)
		ret = bus_unit_cgroup(bus, name, cgroup);
	if (bus)
		sym_sd_bus_flush_close_unref(bus);
	free(name);
	return ret;
}

struct job_wait {
	const char *job;
	char *result;
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *error)
{
	struct job_wait *w = data;
	const char *path, *unit, *result;
	uint32_t id;

	(void)error;
	if (sym_sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job && !strcmp(path, w->job) && !w->result)
		w->result = xstrdup(result);
	return 0;
}

static int append_properties(sd_bus_message *m, pid_t pid, const char *description)
{
	int ret;

	ret = sym_sd_bus_message_open_container(m, 'a', "(sv)");
	if (ret >= 0)
		ret = sym_sd_bus_message_append(m, "(sv)", "Description", "s", description);
	if (ret >= 0)
		ret = sym_sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
	/* The scope needs memory.* files for memory.ksm. */
	if (ret >= 0)
		ret = sym_sd_bus_message_append(m, "(sv)", "MemoryAccounting", "b", 1);
	if (ret >= 0)
		ret = sym_sd_bus_message_close_container(m);
	/* No auxiliary units. */
	if (ret >= 0)
		ret = sym_sd_bus_message_append(m, "a(sa(sv))", 0);
	return ret;
}

/*
 * Start the transient scope @unit with process @pid in it and wait until
 * its job is done, so that the process is in the scope's cgroup when this
 * returns.  The scope's cgroup goes to @cgroup.
 */
int scope_start(const char *unit, pid_t pid, const char *description, char **cgroup)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	struct job_wait w = { NULL, NULL };
	sd_bus_slot *slot = NULL;
	const char *job;
	sd_bus *bus = NULL;
	int ret;

	ret = bus_connect(&bus);
	if (ret < 0)
		return ret;
	/* Before the call: the signal may come before the reply. */
	ret = sym_sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				  on_job_removed, &w);
	if (ret >= 0)
		ret = sym_sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
						     "StartTransientUnit");
	if (ret >= 0)
		ret = sym_sd_bus_message_append(m, "ss", unit, "fail");
	if (ret >= 0)
		ret = append_properties(m, pid, description);
	if (ret < 0) {
		ksm_error("cannot start scope %s: %s", unit, strerror(-ret));
		goto out;
	}
	ret = sym_sd_bus_call(bus, m, 0, &error, &reply);
	if (ret < 0) {
		ksm_error("cannot start scope %s: %s", unit, bus_error_text(&error, ret));
		goto out;
	}
	ret = sym_sd_bus_message_read(reply, "o", &job);
	if (ret < 0) {
		ksm_error("cannot start scope %s: %s", unit, strerror(-ret));
		goto out;
	}
	w.job = job;
	while (!w.result) {
		ret = sym_sd_bus_process(bus, NULL);
		if (ret < 0)
			break;
		if (ret == 0)
			ret = sym_sd_bus_wait(bus, UINT64_MAX);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		ksm_error("waiting for scope %s: %s", unit, strerror(-ret));
		goto out;
	}
	if (strcmp(w.result, "done")) {
		ksm_error("cannot start scope %s: job %s", unit, w.result);
		ret = -EIO;
		goto out;
	}
	ret = bus_unit_cgroup(bus, unit, cgroup);
out:
	free(w.result);
	sym_sd_bus_slot_unref(slot);
	sym_sd_bus_message_unref(reply);
	sym_sd_bus_message_unref(m);
	sym_sd_bus_error_free(&error);
	sym_sd_bus_flush_close_unref(bus);
	return ret;
}
