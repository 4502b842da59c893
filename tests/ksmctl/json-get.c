// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json-get FILE [STEP...]: check that FILE ("-" for standard input) is
 * valid JSON (strictly: RFC 8259, strings in UTF-8), then walk STEPs into it and print the value reached:
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

/* Parse FILE as a strict parser does: RFC 8259, and strings in UTF-8. */
static struct json_object *parse_strict(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct json_object *obj = NULL;
	struct json_tokener *tok;
	char *text = NULL;
	size_t size = 0, len = 0, n;

	if (!f) {
		perror(file);
		return NULL;
	}
	do {
		if (len + 4096 + 1 > size) {
			size = 2 * size + 4096 + 1;
			text = realloc(text, size);
			if (!text) {
				perror("json-get");
				exit(2);
			}
		}
		n = fread(text + len, 1, size - len - 1, f);
		len += n;
	} while (n);
	text[len] = '\0';
	if (f != stdin)
		fclose(f);
	tok = json_tokener_new();
	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		obj = json_tokener_parse_ex(tok, text, len + 1);
		if (!obj)
			fprintf(stderr, "json-get: %s: invalid JSON: %s\n", file,
				json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
	}
	free(text);
	return obj;
}

int main(int argc, char **argv)
{
	struct json_object *root, *v;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: json-get FILE [STEP...]\n");
		return 2;
	}
	root = parse_strict(argv[1]);
	if (!root)
		return 1;
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
