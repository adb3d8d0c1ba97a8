// SPDX-License-Identifier: GPL-2.0
/*
 * .umt metadata: the key/value pairs and attach-plan entries of a trace's
 * header (docs/FORMAT.md), and the attach entry's byte layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "umt_int.h"

/* ---- metadata ---- */

const char *umt_meta_get(const struct umt_meta *m, const char *key)
{
	int i;

	for (i = 0; i < m->nr_kv; i++) {
		if (!strcmp(m->kv[i].key, key))
			return m->kv[i].value;
	}
	return NULL;
}

int umt_meta_set(struct umt_meta *m, const char *key, const char *value)
{
	char *v;
	int i;

	if (!key || !*key || !value)
		return -EINVAL;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->nr_kv; i++) {
		if (!strcmp(m->kv[i].key, key)) {
			free(m->kv[i].value);
			m->kv[i].value = v;
			return 0;
		}
	}
	if (m->nr_kv >= UMT_MAX_META) {
		free(v);
		return -ENOSPC;
	}
	m->kv[m->nr_kv].key = strdup(key);
	if (!m->kv[m->nr_kv].key) {
		free(v);
		return -ENOMEM;
	}
	m->kv[m->nr_kv++].value = v;
	return 0;
}

int umt_meta_add_attach(struct umt_meta *m, const struct umt_attach *a)
{
	if (m->nr_attach >= UMT_MAX_META)
		return -ENOSPC;
	m->attach[m->nr_attach++] = *a;
	return 0;
}

void umt_meta_free(struct umt_meta *m)
{
	int i;

	for (i = 0; i < m->nr_kv; i++) {
		free(m->kv[i].key);
		free(m->kv[i].value);
	}
	m->nr_kv = 0;
	m->nr_attach = 0;
}

/* Copy a fixed-size string field, always NUL-terminated and NUL-padded. */
static void put_str(uint8_t *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memset(dst, 0, size);
	memcpy(dst, src, n);
}

static void get_str(char *dst, const uint8_t *src, size_t size)
{
	size_t n = strnlen((const char *)src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Serialized umt_attach: hook[32] symbol[64] mechanism[16] s32 err note[96] */
void umt_attach_encode(uint8_t *p, const struct umt_attach *a)
{
	put_str(p, a->hook, sizeof(a->hook));
	put_str(p + 32, a->symbol, sizeof(a->symbol));
	put_str(p + 96, a->mechanism, sizeof(a->mechanism));
	put32(p + 112, (uint32_t)a->err);
	put_str(p + 116, a->note, sizeof(a->note));
}

void umt_attach_decode(struct umt_attach *a, const uint8_t *p)
{
	get_str(a->hook, p, sizeof(a->hook));
	get_str(a->symbol, p + 32, sizeof(a->symbol));
	get_str(a->mechanism, p + 96, sizeof(a->mechanism));
	a->err = (int32_t)get32(p + 112);
	get_str(a->note, p + 116, sizeof(a->note));
}

