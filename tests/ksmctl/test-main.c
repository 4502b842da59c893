// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksmctl's unit tests: the lists of every test-*.c file run as one cmocka
 * group, so that CMOCKA_MESSAGE_OUTPUT=TAP gives one TAP plan.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

extern const struct test_list parse_tests, tree_tests, output_tests, command_tests,
	hook_tests;

int main(void)
{
	const struct test_list *lists[] = { &parse_tests, &tree_tests, &output_tests,
					    &command_tests, &hook_tests };
	struct CMUnitTest *all;
	size_t n = 0, i;
	int ret;

	/* Tree lines in ASCII, messages in English. */
	setlocale(LC_ALL, "C");
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		n += lists[i]->count;
	all = calloc(n, sizeof(*all));
	if (!all)
		return 1;
	n = 0;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		memcpy(all + n, lists[i]->tests, lists[i]->count * sizeof(*all));
		n += lists[i]->count;
	}
	ret = _cmocka_run_group_tests("ksmctl", all, n, NULL, NULL);
	free(all);
	return ret;
}
