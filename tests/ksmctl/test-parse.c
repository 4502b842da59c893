// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsers and formatters: no fake tree needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "cgroup.h"
#include "knobs.h"
#include "kstat.h"
#include "metrics.h"
#include "unit.h"
#include "util.h"

static void test_ksm_stat_parse(void **state)
{
	char text[] = "effective 1\nmerging_pages 8192\nzero_pages 3\n"
		      "rmap_items 8200\nprofit -1234\npages_scanned 99999\n"
		      "ksm_pages 17\ndomain_pages_shared 40\nfuture_key 42\n\n";
	struct ksm_counts c;
	int eff;

	(void)state;
	assert_int_equal(ksm_stat_parse(text, &c, &eff), 0);
	assert_int_equal(eff, 1);
	assert_int_equal(c.merging_pages, 8192);
	assert_int_equal(c.zero_pages, 3);
	assert_int_equal(c.rmap_items, 8200);
	assert_int_equal(c.profit, -1234);
	assert_int_equal(c.pages_scanned, 99999);
	assert_int_equal(c.ksm_pages, 17);
	assert_int_equal(c.domain_pages_shared, 40);
	assert_int_equal(c.have, KC_MERGING | KC_ZERO | KC_RMAP | KC_PROFIT | KC_SCANNED |
			 KC_KSM_PAGES | KC_DOMAIN_SHARED);
}

/*
 * domain_pages_shared: its own bit, set only when the line is there and
 * holds a number; a kernel without merge domains has no such line.
 */
static void test_ksm_stat_parse_domain_shared(void **state)
{
	char absent[] = "effective 1\nmerging_pages 5\nksm_pages 1\n";
	char zero[] = "domain_pages_shared 0\n";
	char bad[] = "merging_pages 5\ndomain_pages_shared 12x\n";
	char empty[] = "domain_pages_shared\nmerging_pages 5\n";
	char big[] = "domain_pages_shared 4294967296\n";
	char proc[] = "ksm_merging_pages 5\ndomain_pages_shared 7\n";
	struct ksm_counts c;
	int eff;

	(void)state;
	assert_int_equal(ksm_stat_parse(absent, &c, &eff), 0);
	assert_false(c.have & KC_DOMAIN_SHARED);
	assert_int_equal(c.domain_pages_shared, 0);
	assert_int_equal(c.have, KC_MERGING | KC_KSM_PAGES);

	/* 0 is a number read, not an absent one. */
	assert_int_equal(ksm_stat_parse(zero, &c, &eff), 0);
	assert_int_equal(c.have, KC_DOMAIN_SHARED);
	assert_int_equal(c.domain_pages_shared, 0);

	/* Malformed: as good as absent, and the other lines still count. */
	assert_int_equal(ksm_stat_parse(bad, &c, &eff), 0);
	assert_int_equal(c.have, KC_MERGING);
	assert_int_equal(c.domain_pages_shared, 0);
	assert_int_equal(ksm_stat_parse(empty, &c, &eff), 0);
	assert_int_equal(c.have, KC_MERGING);

	assert_int_equal(ksm_stat_parse(big, &c, &eff), 0);
	assert_true(c.have & KC_DOMAIN_SHARED);
	assert_true(c.domain_pages_shared == 4294967296LL);

	/* Not a key of /proc/PID/ksm_stat. */
	assert_int_equal(proc_ksm_stat_parse(proc, &c), 0);
	assert_int_equal(c.have, KC_MERGING);
	assert_int_equal(c.domain_pages_shared, 0);
}

static void test_ksm_counts_add(void **state)
{
	struct ksm_counts sum = { 0 }, a = { 0 }, b = { 0 };

	(void)state;
	a.merging_pages = 10;
	a.ksm_pages = 3;
	a.profit = 100;
	a.have = KC_MERGING | KC_KSM_PAGES | KC_PROFIT;
	b.merging_pages = 5;
	b.zero_pages = 2;
	b.rmap_items = 7;
	b.pages_scanned = 9;
	b.profit = -40;
	b.have = KC_ZERO | KC_SCANNED;
	/* A domain's number, the same in each of its cgroups: never added. */
	a.domain_pages_shared = 40;
	a.have |= KC_DOMAIN_SHARED;
	b.domain_pages_shared = 40;
	b.have |= KC_DOMAIN_SHARED;
	ksm_counts_add(&sum, &a);
	ksm_counts_add(&sum, &b);
	assert_int_equal(sum.merging_pages, 15);
	assert_int_equal(sum.zero_pages, 2);
	assert_int_equal(sum.rmap_items, 7);
	assert_int_equal(sum.pages_scanned, 9);
	assert_int_equal(sum.ksm_pages, 3);
	assert_int_equal(sum.profit, 60);
	assert_int_equal(sum.domain_pages_shared, 0);
	assert_int_equal(sum.have, KC_MERGING | KC_KSM_PAGES | KC_PROFIT | KC_ZERO | KC_SCANNED);
	/* Nor is it taken from the one added into a sum that has it. */
	sum.domain_pages_shared = 9;
	sum.have |= KC_DOMAIN_SHARED;
	ksm_counts_add(&sum, &a);
	assert_int_equal(sum.domain_pages_shared, 9);
	assert_true(sum.have & KC_DOMAIN_SHARED);

	/* KSM pages still charged to a cgroup are something to show. */
	memset(&a, 0, sizeof(a));
	assert_false(ksm_counts_nonzero(&a));
	a.ksm_pages = 1;
	assert_true(ksm_counts_nonzero(&a));
	/* Its domain's KSM pages are not: every cgroup of the domain has them. */
	memset(&a, 0, sizeof(a));
	a.domain_pages_shared = 40;
	a.have = KC_DOMAIN_SHARED;
	assert_false(ksm_counts_nonzero(&a));
}

static void test_ksm_stat_parse_partial(void **state)
{
	/* A malformed number counts as absent, and so does a missing line. */
	char text[] = "merging_pages 12x\nzero_pages\nprofit 5\n";
	struct ksm_counts c;
	int eff;

	(void)state;
	assert_int_equal(ksm_stat_parse(text, &c, &eff), 0);
	assert_int_equal(eff, -1);
	assert_int_equal(c.have, KC_PROFIT);
	assert_int_equal(c.profit, 5);
	assert_int_equal(c.merging_pages, 0);
}

static void test_proc_ksm_stat_parse(void **state)
{
	char text[] = "ksm_rmap_items 100\nksm_zero_pages 2\nksm_merging_pages 8000\n"
		      "ksm_process_profit 32761600\nksm_merge_any: no\n"
		      "ksm_mergeable: yes\nksm_merge_memcg: yes\n";
	struct ksm_counts c;

	(void)state;
	assert_int_equal(proc_ksm_stat_parse(text, &c), 0);
	assert_int_equal(c.rmap_items, 100);
	assert_int_equal(c.zero_pages, 2);
	assert_int_equal(c.merging_pages, 8000);
	assert_int_equal(c.profit, 32761600);
	assert_int_equal(c.have, KC_MERGING | KC_ZERO | KC_RMAP | KC_PROFIT);
}

struct kv_seen {
	char keys[8][32];
	char values[8][32];
	int n;
};

static int kv_collect(const char *key, const char *value, void *data)
{
	struct kv_seen *s = data;

	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->values[s->n], sizeof(s->values[0]), "%s", value);
	s->n++;
	return 0;
}

static void test_kv_foreach(void **state)
{
	char text[] = "a 1\nb: yes\n\nlonely\nc\t  7  \nd:x\n";
	struct kv_seen s = { .n = 0 };

	(void)state;
	assert_int_equal(kv_foreach(text, kv_collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(s.values[0], "1");
	assert_string_equal(s.keys[1], "b");
	assert_string_equal(s.values[1], "yes");
	assert_string_equal(s.keys[2], "c");
	assert_string_equal(s.values[2], "7");
	assert_string_equal(s.keys[3], "d");
	assert_string_equal(s.values[3], "x");
}

static void test_proc_cgroup_parse(void **state)
{
	char *cg = NULL;

	(void)state;
	assert_int_equal(proc_cgroup_parse("0::/system.slice/a b.service\n", &cg), 0);
	assert_string_equal(cg, "/system.slice/a b.service");
	free(cg);
	/* A hybrid hierarchy lists the v1 hierarchies first. */
	assert_int_equal(proc_cgroup_parse("12:memory:/x\n1:name=systemd:/y\n0::/z\n", &cg), 0);
	assert_string_equal(cg, "/z");
	free(cg);
	assert_int_equal(proc_cgroup_parse("0::/\n", &cg), 0);
	assert_string_equal(cg, "/");
	free(cg);
	assert_int_equal(proc_cgroup_parse("4:memory:/x\n", &cg), -ENOENT);
	assert_int_equal(proc_cgroup_parse("", &cg), -ENOENT);
	assert_int_equal(proc_cgroup_parse("0::relative\n", &cg), -EINVAL);
}

static void test_parse_numbers(void **state)
{
	uint64_t u;
	int64_t s;

	(void)state;
	assert_int_equal(parse_u64("0", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(parse_u64("010", &u), 0);
	assert_int_equal(u, 10);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_u64("", &u), -EINVAL);
	assert_int_equal(parse_u64("1x", &u), -EINVAL);
	assert_int_equal(parse_u64("0x10", &u), -EINVAL);
	assert_int_equal(parse_u64(" 1", &u), -EINVAL);
	assert_int_equal(parse_s64("-42", &s), 0);
	assert_int_equal(s, -42);
	assert_int_equal(parse_s64("-", &s), -EINVAL);
	assert_int_equal(parse_s64("+1", &s), -EINVAL);
}

static void check_size(int64_t bytes, const char *want)
{
	char buf[32];

	format_size(buf, sizeof(buf), bytes);
	assert_string_equal(buf, want);
}

static void test_format_size(void **state)
{
	(void)state;
	check_size(0, "0B");
	check_size(1023, "1023B");
	check_size(1024, "1K");
	check_size(1536, "1.5K");
	check_size(32 << 20, "32M");
	check_size(32768000, "31.3M");
	check_size((int64_t)5 << 30 | (int64_t)1 << 28, "5.3G");
	/* 1023.96K rounds to 1024.0K, which is 1M. */
	check_size(1048535, "1M");
	check_size(-320, "-320B");
	check_size(-((int64_t)1 << 20), "-1M");
	check_size(INT64_MAX, "8E");
	check_size(INT64_MIN, "-8E");
}

static void test_has_word(void **state)
{
	(void)state;
	assert_true(has_word("cpu io memory pids", "memory"));
	assert_true(has_word("memory", "memory"));
	assert_true(has_word("  memory\n", "memory"));
	assert_false(has_word("cpu io pids", "memory"));
	assert_false(has_word("memoryx", "memory"));
	assert_false(has_word("", "memory"));
}

static void test_advisor_mode_parse(void **state)
{
	char mode[32];

	(void)state;
	assert_int_equal(advisor_mode_parse("[none] scan-time", mode, sizeof(mode)), 0);
	assert_string_equal(mode, "none");
	assert_int_equal(advisor_mode_parse("none [scan-time]", mode, sizeof(mode)), 0);
	assert_string_equal(mode, "scan-time");
	assert_int_equal(advisor_mode_parse("scan-time", mode, sizeof(mode)), 0);
	assert_string_equal(mode, "scan-time");
	assert_int_equal(advisor_mode_parse("[none scan-time", mode, sizeof(mode)), -EINVAL);
	assert_int_equal(advisor_mode_parse("[] none", mode, sizeof(mode)), -EINVAL);
	assert_int_equal(advisor_mode_parse("", mode, sizeof(mode)), -EINVAL);
}

static void check_knob(const char *name, const char *value, int want)
{
	const struct knob *k = knob_find(name);

	assert_non_null(k);
	if (knob_validate(k, value) != want)
		fail_msg("%s=%s: expected %d", name, value, want);
}

static void test_knob_validate(void **state)
{
	(void)state;
	check_knob("run", "0", 0);
	check_knob("run", "1", 0);
	check_knob("run", "2", 0);
	check_knob("run", "3", -EINVAL);
	check_knob("run", "-1", -EINVAL);
	check_knob("run", "", -EINVAL);
	check_knob("run", "yes", -EINVAL);
	check_knob("pages_to_scan", "4294967295", 0);
	check_knob("pages_to_scan", "4294967296", -EINVAL);
	check_knob("sleep_millisecs", "0", 0);
	check_knob("max_page_sharing", "1", -EINVAL);
	check_knob("max_page_sharing", "2", 0);
	check_knob("max_page_sharing", "2147483648", -EINVAL);
	check_knob("merge_across_nodes", "2", -EINVAL);
	check_knob("use_zero_pages", "1", 0);
	check_knob("use_zero_pages", "y", -EINVAL);
	check_knob("smart_scan", "0", 0);
	check_knob("advisor_mode", "none", 0);
	check_knob("advisor_mode", "scan-time", 0);
	check_knob("advisor_mode", "[none]", -EINVAL);
	check_knob("advisor_target_scan_time", "0", -EINVAL);
	check_knob("advisor_max_cpu", "100", 0);
	check_knob("advisor_max_cpu", "101", -EINVAL);
	check_knob("advisor_max_pages_to_scan", "18446744073709551615", 0);
	check_knob("full_scans", "0", -EROFS);
	check_knob("general_profit", "0", -EROFS);
	assert_null(knob_find("nonsense"));
}

static void test_knob_table(void **state)
{
	static const char *const expected[] = {
		"run", "pages_to_scan", "sleep_millisecs", "max_page_sharing",
		"merge_across_nodes", "use_zero_pages", "smart_scan", "advisor_mode",
		"advisor_target_scan_time", "advisor_max_cpu", "advisor_min_pages_to_scan",
		"advisor_max_pages_to_scan", "stable_node_chains_prune_millisecs",
		"full_scans", "pages_shared", "pages_sharing", "pages_unshared",
		"pages_volatile", "pages_scanned", "pages_skipped", "general_profit",
		"ksm_zero_pages", "stable_node_chains", "stable_node_dups",
	};
	size_t i;

	(void)state;
	assert_int_equal(knob_count, sizeof(expected) / sizeof(expected[0]));
	for (i = 0; i < knob_count; i++) {
		const struct knob *k = knob_find(expected[i]);

		assert_non_null(k);
		assert_int_equal(knob_writable(k), i < 13);
		/* Counters are named *_total, as Prometheus wants. */
		if (k->metric && k->is_counter)
			assert_non_null(strstr(k->metric, "_total"));
	}
}

static void check_normalize(const char *arg, const char *want)
{
	char *cg = NULL;
	int ret = cg_normalize(arg, &cg);

	if (!want) {
		assert_int_equal(ret, -EINVAL);
		return;
	}
	assert_int_equal(ret, 0);
	assert_string_equal(cg, want);
	free(cg);
}

static void test_cg_normalize(void **state)
{
	(void)state;
	unsetenv("KSMCTL_CGROUP_ROOT");
	check_normalize("a/b", "/a/b");
	check_normalize("/a/b", "/a/b");
	check_normalize("/sys/fs/cgroup/a/b", "/a/b");
	check_normalize("/sys/fs/cgroup", "/");
	check_normalize("/sys/fs/cgroup/", "/");
	check_normalize("/sys/fs/cgroupx/a", "/sys/fs/cgroupx/a");
	check_normalize("a//b/./", "/a/b");
	check_normalize("/", "/");
	check_normalize(".", "/");
	check_normalize("system.slice/a b.service", "/system.slice/a b.service");
	check_normalize("", NULL);
	check_normalize("../etc", NULL);
	check_normalize("a/../../b", NULL);
	check_normalize("a/..", NULL);
	/* A moved root is recognised too, and so is the usual one. */
	setenv("KSMCTL_CGROUP_ROOT", "/tmp/fakecg/", 1);
	check_normalize("/tmp/fakecg/x", "/x");
	check_normalize("/sys/fs/cgroup/x", "/x");
	unsetenv("KSMCTL_CGROUP_ROOT");
}

static void test_parse_weight(void **state)
{
	unsigned int w;

	(void)state;
	assert_int_equal(parse_weight("1", &w), 0);
	assert_int_equal(w, 1);
	assert_int_equal(parse_weight("10000", &w), 0);
	assert_int_equal(parse_weight("0", &w), -EINVAL);
	assert_int_equal(parse_weight("10001", &w), -EINVAL);
	assert_int_equal(parse_weight("abc", &w), -EINVAL);
}

static void test_unit_names(void **state)
{
	char *n;

	(void)state;
	n = unit_name_normalize("foo", ".service");
	assert_string_equal(n, "foo.service");
	free(n);
	n = unit_name_normalize("user.slice", ".service");
	assert_string_equal(n, "user.slice");
	free(n);
	n = unit_name_normalize("job", ".scope");
	assert_string_equal(n, "job.scope");
	free(n);
	n = unit_name_normalize("multi-user.target", ".service");
	assert_string_equal(n, "multi-user.target");
	free(n);
	assert_string_equal(unit_interface("a.service"), "org.freedesktop.systemd1.Service");
	assert_string_equal(unit_interface("a.scope"), "org.freedesktop.systemd1.Scope");
	assert_string_equal(unit_interface("-.slice"), "org.freedesktop.systemd1.Slice");
	assert_null(unit_interface("multi-user.target"));
	assert_null(unit_interface(".service"));
}

static void test_prom_label_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	prom_label_value(f, "/a\\b\"c\nd");
	prom_label_value(f, "/bad\377name");
	fclose(f);
	assert_string_equal(buf, "\"/a\\\\b\\\"c\\nd\"\"/bad\\\\xffname\"");
	free(buf);
}

/* UTF-8 as RFC 3629 defines it: what a strict parser accepts. */
static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} seqs[] = {
		{ "a", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 },
		{ "\xf0\x9f\x90\x91", 4 }, { "\xf4\x8f\xbf\xbf", 4 },
		{ "\xff", 0 }, { "\x80", 0 }, { "\xc3", 0 }, { "\xc0\xaf", 0 },
		{ "\xe0\x80\xaf", 0 }, { "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 },
		{ "\xf5\x80\x80\x80", 0 }, { "\xe2\x82", 0 }, { "", 0 },
	};
	char *e;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(seqs); i++)
		assert_int_equal(utf8_seq_len(seqs[i].s), seqs[i].len);

	e = utf8_escape_invalid("bad\xffname");
	assert_string_equal(e, "bad\\xffname");
	free(e);
	e = utf8_escape_invalid("caf\xc3\xa9 \\x41");
	assert_string_equal(e, "caf\xc3\xa9 \\x41");
	free(e);
	e = utf8_escape_invalid("\xed\xa0\x80\xc3");
	assert_string_equal(e, "\\xed\\xa0\\x80\\xc3");
	free(e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ksm_stat_parse),
	cmocka_unit_test(test_ksm_stat_parse_partial),
	cmocka_unit_test(test_ksm_stat_parse_domain_shared),
	cmocka_unit_test(test_ksm_counts_add),
	cmocka_unit_test(test_proc_ksm_stat_parse),
	cmocka_unit_test(test_kv_foreach),
	cmocka_unit_test(test_proc_cgroup_parse),
	cmocka_unit_test(test_parse_numbers),
	cmocka_unit_test(test_format_size),
	cmocka_unit_test(test_has_word),
	cmocka_unit_test(test_advisor_mode_parse),
	cmocka_unit_test(test_knob_validate),
	cmocka_unit_test(test_knob_table),
	cmocka_unit_test(test_cg_normalize),
	cmocka_unit_test(test_parse_weight),
	cmocka_unit_test(test_unit_names),
	cmocka_unit_test(test_prom_label_escape),
	cmocka_unit_test(test_utf8),
};

TEST_LIST(parse_tests, tests);
