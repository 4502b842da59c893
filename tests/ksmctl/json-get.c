// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json-get FILE [STEP...]: check that FILE ("-" for standard input) is
 * valid JSON, then walk STEPs into it and print the value reached:
 * strings as they are, anything else as JSON.  A STEP is a key of an
 * object, or for an array an index or KEY=VALUE, the first element whose
 * KEY is the string VALUE.  Exit 1 if the JSON is invalid or a step leads
 * nowhere.  For the guest test, which has no python3 or jq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

static struct json_object *step(struct json_object *v, const char *s)
{
	struct json_object *out = NULL;
	const char *eq;
	size_t i;

	if (json_object_is_type(v, json_type_object)) {
		if (!json_object_object_get_ex(v, s, &out))
			return NULL;
		/* A key whose value is null: print "null". */
		return out ? out : (struct json_object *)-1;
	}
	if (!json_object_is_type(v, json_type_array))
		return NULL;
	eq = strchr(s, '=');
	if (!eq) {
		char *end;
		long idx = strtol(s, &end, 10);

		return *end || idx < 0 ? NULL : json_object_array_get_idx(v, idx);
	}
	for (i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i), *k;
		char key[256];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - s), s);
		if (json_object_object_get_ex(e, key, &k) &&
		    json_object_is_type(k, json_type_string) &&
		    !strcmp(json_object_get_string(k), eq + 1))
			return e;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct json_object *root, *v;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: json-get FILE [STEP...]\n");
		return 2;
	}
	root = strcmp(argv[1], "-") ? json_object_from_file(argv[1])
				    : json_object_from_fd(0);
	if (!root) {
		fprintf(stderr, "json-get: %s: invalid JSON: %s\n", argv[1],
			json_util_get_last_err() ?: "?");
		return 1;
	}
	v = root;
	for (i = 2; i < argc; i++) {
		if (v == (struct json_object *)-1)
			v = NULL;
		v = v ? step(v, argv[i]) : NULL;
		if (!v) {
			fprintf(stderr, "json-get: %s: no %s\n", argv[1], argv[i]);
			json_object_put(root);
			return 1;
		}
	}
	if (argc > 2) {
		if (v == (struct json_object *)-1)
			puts("null");
		else if (json_object_is_type(v, json_type_string))
			puts(json_object_get_string(v));
		else
			puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(root);
	return 0;
}
