// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for tests/diff/run.sh: edit or query a JSON file with jansson
 * so seeded regressions are derived from real reports without jq.
 *
 *   jset FILE PATH OP [PATH OP...]	write the edited JSON to stdout
 *   jset -g FILE PATH			print the value at PATH
 *   jset -c FILE PATH			print how many elements PATH matches
 *
 * PATH is dot-separated keys; a key may select array elements:
 * "results[policy=batched,arch=x86]" or "rows[3]".  OP is =N, +N, -N, *F
 * (integer result), =del (remove the key or the selected elements),
 * ={} (an empty object) or ="text" (a string).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg, const char *what)
{
	fprintf(stderr, "jset: %s: %s\n", msg, what);
	exit(2);
}

/* Does @el match "k=v,k=v"?  Values compare as strings or integers. */
static int sel_match(json_t *el, const char *sel)
{
	char *copy = strdup(sel), *save = NULL, *kv;
	int ok = 1;

	for (kv = strtok_r(copy, ",", &save); kv && ok;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		json_t *v;

		if (!eq)
			die("selector needs k=v", sel);
		*eq = '\0';
		v = json_object_get(el, kv);
		if (json_is_string(v))
			ok = !strcmp(json_string_value(v), eq + 1);
		else if (json_is_integer(v))
			ok = json_integer_value(v) == atoll(eq + 1);
		else
			ok = 0;
	}
	free(copy);
	return ok;
}

/*
 * Walk @path from @root.  The last segment is returned in *@last with its
 * parent; every array selection except the last must match exactly one.
 */
static json_t *walk(json_t *root, const char *path, char **last,
		    size_t *count)
{
	char *p = strdup(path), *seg = p, *dot;
	json_t *cur = root;

	*count = 1;
	for (;;) {
		char *br;

		dot = NULL;
		for (br = seg; *br; br++) {
			if (*br == '[')
				br = strchr(br, ']');
			if (!br)
				die("unbalanced [ in", path);
			if (*br == '.') {
				dot = br;
				break;
			}
		}
		if (!dot)
			break;
		*dot = '\0';
		br = strchr(seg, '[');
		if (br) {
			json_t *arr, *el, *hit = NULL;
			size_t i, n = 0;

			*br = '\0';
			br[strlen(br + 1)] = '\0';	/* the ']' */
			arr = json_object_get(cur, seg);
			json_array_foreach(arr, i, el) {
				if ((br[1] >= '0' && br[1] <= '9' &&
				     i == (size_t)atoll(br + 1)) ||
				    (strchr(br + 1, '=') &&
				     sel_match(el, br + 1))) {
					hit = el;
					n++;
				}
			}
			if (n != 1)
				die("selector does not match once", path);
			cur = hit;
		} else {
			cur = json_object_get(cur, seg);
		}
		if (!cur)
			die("no such key in", path);
		seg = dot + 1;
	}
	*last = strdup(seg);
	free(p);
	return cur;
}

/* The array elements that "key[sel]" matches, for -c */
static size_t count(json_t *parent, const char *last)
{
	char *k = strdup(last), *br = strchr(k, '[');
	json_t *arr, *el;
	size_t i, n = 0;

	if (!br) {
		n = json_object_get(parent, k) != NULL;
		free(k);
		return n;
	}
	*br = '\0';
	br[strlen(br + 1)] = '\0';
	arr = json_object_get(parent, k);
	json_array_foreach(arr, i, el)
		n += sel_match(el, br + 1);
	free(k);
	return n;
}

/* "=del" on "key[sel]": drop every matching element */
static void del_elements(json_t *parent, const char *last)
{
	char *k = strdup(last), *br = strchr(k, '[');
	json_t *arr;
	size_t i;

	*br = '\0';
	br[strlen(br + 1)] = '\0';
	arr = json_object_get(parent, k);
	for (i = json_array_size(arr); i--; )
		if (sel_match(json_array_get(arr, i), br + 1))
			json_array_remove(arr, i);
	free(k);
}

static void apply(json_t *parent, const char *key, const char *op)
{
	json_t *v = json_object_get(parent, key);
	long long cur = json_integer_value(v);

	if (!strcmp(op, "=del") && strchr(key, '[')) {
		del_elements(parent, key);
		return;
	}
	if (!strcmp(op, "=del")) {
		if (json_object_del(parent, key))
			die("cannot delete", key);
		return;
	}
	if (!strcmp(op, "={}")) {
		json_object_set_new(parent, key, json_object());
		return;
	}
	if (op[0] == '=' && op[1] == '"') {
		char *s = strdup(op + 2);

		s[strlen(s) - 1] = '\0';
		json_object_set_new(parent, key, json_string(s));
		free(s);
		return;
	}
	if (!json_is_integer(v) && op[0] != '=')
		die("not an integer", key);
	switch (op[0]) {
	case '=':
		cur = atoll(op + 1);
		break;
	case '+':
		cur += atoll(op + 1);
		break;
	case '-':
		cur -= atoll(op + 1);
		break;
	case '*':
		cur = (long long)(cur * atof(op + 1) + 0.5);
		break;
	default:
		die("bad op", op);
	}
	json_object_set_new(parent, key, json_integer(cur));
}

int main(int argc, char **argv)
{
	int mode = 0, i, first = 1;
	json_error_t err;
	json_t *root;
	char *last;
	size_t n;

	if (argc > 1 && (!strcmp(argv[1], "-g") || !strcmp(argv[1], "-c"))) {
		mode = argv[1][1];
		first = 2;
	}
	if (argc < first + 2)
		die("usage", "jset [-g|-c] FILE PATH [OP PATH OP...]");
	root = json_load_file(argv[first], 0, &err);
	if (!root)
		die(argv[first], err.text);
	if (mode) {
		json_t *parent = walk(root, argv[first + 1], &last, &n);

		if (mode == 'c') {
			printf("%zu\n", count(parent, last));
		} else {
			json_t *v = json_object_get(parent, last);
			char *s;

			if (!v)
				die("no such key", argv[first + 1]);
			if (json_is_string(v)) {
				printf("%s\n", json_string_value(v));
			} else {
				s = json_dumps(v, JSON_ENCODE_ANY |
					       JSON_REAL_PRECISION(10));
				printf("%s\n", s);
				free(s);
			}
		}
		free(last);
		json_decref(root);
		return 0;
	}
	for (i = first + 1; i + 1 < argc; i += 2) {
		json_t *parent = walk(root, argv[i], &last, &n);

		apply(parent, last, argv[i + 1]);
		free(last);
	}
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(root);
	return 0;
}
