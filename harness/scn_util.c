/*
 * The loader's typed getters and error helpers (see scn_internal.h).
 */
#include "harness/scn_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int scn_fail(struct scn_ctx *c, const struct scn_ynode *n, const char *fmt, ...)
{
	if (c->status != SCN_OK)
		return -1;
	char msg[sizeof(c->err->message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->status = SCN_ERR_INVALID;
	scn_error_set(c->err, c->name, n ? n->line : 1, n ? n->column : 1, "%s", msg);
	return -1;
}

int scn_fail_nomem(struct scn_ctx *c)
{
	if (c->status == SCN_OK) {
		c->status = SCN_ERR_NOMEM;
		scn_error_set(c->err, c->name, 0, 0, "out of memory");
	}
	return -1;
}

char *scn_strdup(struct scn_ctx *c, const char *text)
{
	size_t len = strlen(text);
	char *copy = scn_mem_alloc(c->a, len + 1);
	if (!copy) {
		scn_fail_nomem(c);
		return NULL;
	}
	memcpy(copy, text, len + 1);
	return copy;
}

/* Levenshtein distance, or a large value for words too long to matter. */
static size_t edit_distance(const char *a, const char *b)
{
	enum { MAX = 64 };
	size_t la = strlen(a), lb = strlen(b);
	if (la >= MAX || lb >= MAX)
		return MAX;
	size_t row[MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *scn_closest(const char *word, const char *const *names)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; names[i]; i++) {
		size_t d = edit_distance(word, names[i]);
		/* Two edits, or a third of the word, still reads as a typo; very
		 * short names are all close to each other, so they never match. */
		if (strlen(names[i]) >= 3 && (d <= 2 || d * 3 <= strlen(names[i])) && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

int scn_want(struct scn_ctx *c, const struct scn_ynode *n, enum scn_ykind kind, const char *what)
{
	if (n->kind == kind)
		return 0;
	return scn_fail(c, n, "'%s' must be %s, got %s", what, scn_ykind_name(kind),
	                scn_ykind_name(n->kind));
}

int scn_check_map(struct scn_ctx *c, const struct scn_ynode *n, const char *const *keys,
                  const char *where)
{
	if (scn_want(c, n, SCN_Y_MAP, where))
		return -1;
	for (size_t i = 0; i < n->count; i += 2) {
		const struct scn_ynode *k = n->items[i];
		size_t j = 0;
		while (keys[j] && strcmp(keys[j], k->text) != 0)
			j++;
		if (keys[j])
			continue;
		const char *hint = scn_closest(k->text, keys);
		if (hint)
			return scn_fail(c, k, "unknown key '%.60s' in %s (did you mean '%s'?)",
			                k->text, where, hint);
		return scn_fail(c, k, "unknown key '%.60s' in %s", k->text, where);
	}
	return 0;
}

const struct scn_ynode *scn_get_key(const struct scn_ynode *map, const char *key)
{
	if (!map || map->kind != SCN_Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->count; i += 2)
		if (strcmp(map->items[i]->text, key) == 0)
			return map->items[i];
	return NULL;
}

const struct scn_ynode *scn_get(const struct scn_ynode *map, const char *key)
{
	if (!map || map->kind != SCN_Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->count; i += 2)
		if (strcmp(map->items[i]->text, key) == 0)
			return map->items[i + 1];
	return NULL;
}

int scn_require(struct scn_ctx *c, const struct scn_ynode *map, const char *key, const char *where,
                const struct scn_ynode **out)
{
	*out = scn_get(map, key);
	if (*out)
		return 0;
	return scn_fail(c, map, "missing required key '%s' in %s", key, where);
}

/* A scalar with some text; an empty plain scalar is YAML's null. */
static int want_value(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                      const char *expected)
{
	if (n->kind != SCN_Y_SCALAR)
		return scn_fail(c, n, "'%s' must be %s, got %s", what, expected,
		                scn_ykind_name(n->kind));
	if (n->len == 0 || strlen(n->text) != n->len)
		return scn_fail(c, n, "'%s' has no value", what);
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (neg)
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int scn_get_int(struct scn_ctx *c, const struct scn_ynode *n, const char *what, int64_t min,
                int64_t max, int64_t *out)
{
	int64_t v;
	if (want_value(c, n, what, "an integer"))
		return -1;
	if (!n->plain || parse_i64(n->text, &v))
		return scn_fail(c, n, "'%s' must be an integer, got '%.60s'", what, n->text);
	if (v < min || v > max)
		return scn_fail(c, n, "'%s' must be from %lld to %lld, got %lld", what,
		                (long long)min, (long long)max, (long long)v);
	*out = v;
	return 0;
}

int scn_get_u64(struct scn_ctx *c, const struct scn_ynode *n, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	if (want_value(c, n, what, "an integer"))
		return -1;
	const char *s = n->text;
	bool ok = n->plain && *s;
	for (; ok && *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		ok = *s >= '0' && *s <= '9' && v <= (UINT64_MAX - d) / 10;
		v = v * 10 + d;
	}
	if (!ok)
		return scn_fail(c, n, "'%s' must be an integer from 0 to %llu, got '%.60s'", what,
		                (unsigned long long)UINT64_MAX, n->text);
	*out = v;
	return 0;
}

int scn_get_bool(struct scn_ctx *c, const struct scn_ynode *n, const char *what, bool *out)
{
	if (want_value(c, n, what, "true or false"))
		return -1;
	if (n->plain && strcmp(n->text, "true") == 0)
		*out = true;
	else if (n->plain && strcmp(n->text, "false") == 0)
		*out = false;
	else
		return scn_fail(c, n, "'%s' must be true or false, got '%.60s'", what, n->text);
	return 0;
}

static bool all_digits(const struct scn_ynode *n)
{
	size_t i = n->text[0] == '-' ? 1 : 0;
	if (i == n->len)
		return false;
	for (; i < n->len; i++)
		if (n->text[i] < '0' || n->text[i] > '9')
			return false;
	return true;
}

/* NUMBER.FRACTION followed by a unit: well formed, but finer than 1ns. */
static bool too_fine(const struct scn_ynode *n)
{
	size_t digits = strspn(n->text, "0123456789.");
	const char *unit = n->text + digits;
	return memchr(n->text, '.', digits) && digits > 0 &&
	       (!strcmp(unit, "ns") || !strcmp(unit, "us") || !strcmp(unit, "ms") ||
	        !strcmp(unit, "s") || !strcmp(unit, "m"));
}

int scn_get_duration(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                     bool allow_negative, int64_t *out)
{
	if (want_value(c, n, what, "a duration"))
		return -1;
	if (all_digits(n))
		return scn_fail(c, n,
		                "'%s' needs a unit: '%.30s' is a bare integer "
		                "(write %.30ss, %.30sms, ...)",
		                what, n->text, n->text, n->text);
	if (scn_parse_duration(n->text, n->len, allow_negative, out) && too_fine(n))
		return scn_fail(c, n, "'%s' must be a whole number of nanoseconds, got '%.60s'",
		                what, n->text);
	if (scn_parse_duration(n->text, n->len, allow_negative, out))
		return scn_fail(c, n,
		                "'%s' must be a %sduration such as 250ms, 1.5s or 2m "
		                "(units ns, us, ms, s, m), got '%.60s'",
		                what, allow_negative ? "" : "non-negative ", n->text);
	return 0;
}

int scn_get_range(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                  struct scn_range *out)
{
	if (want_value(c, n, what, "a duration range"))
		return -1;
	if (all_digits(n))
		return scn_fail(c, n, "'%s' needs a unit: '%.30s' is a bare integer", what,
		                n->text);
	if (scn_parse_range(n->text, n->len, out))
		return scn_fail(c, n,
		                "'%s' must be a duration or a range MIN..MAX such as "
		                "1ms..5ms (MIN <= MAX), got '%.60s'",
		                what, n->text);
	return 0;
}

int scn_get_rate(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                 struct scn_rate *out)
{
	if (want_value(c, n, what, "a rate"))
		return -1;
	if (scn_parse_rate(n->text, n->len, out))
		return scn_fail(c, n,
		                "'%s' must be a positive rate such as 500/s or 20/ms, "
		                "got '%.60s'",
		                what, n->text);
	return 0;
}

int scn_get_size(struct scn_ctx *c, const struct scn_ynode *n, const char *what, uint64_t *out)
{
	if (want_value(c, n, what, "a size"))
		return -1;
	if (scn_parse_size(n->text, n->len, out))
		return scn_fail(c, n,
		                "'%s' must be a size such as 100B, 16KiB or 1MiB, got '%.60s'",
		                what, n->text);
	return 0;
}

int scn_get_string(struct scn_ctx *c, const struct scn_ynode *n, const char *what, char **out)
{
	if (want_value(c, n, what, "a string"))
		return -1;
	*out = scn_strdup(c, n->text);
	return *out ? 0 : -1;
}

int scn_get_enum(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                 const char *const *names, int *out)
{
	if (want_value(c, n, what, "a name"))
		return -1;
	char list[200];
	size_t used = 0;
	list[0] = '\0';
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], n->text) == 0) {
			*out = i;
			return 0;
		}
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	const char *hint = scn_closest(n->text, names);
	if (hint)
		return scn_fail(c, n, "'%s' must be one of %s, got '%.60s' (did you mean '%s'?)",
		                what, list, n->text, hint);
	return scn_fail(c, n, "'%s' must be one of %s, got '%.60s'", what, list, n->text);
}

int scn_find_topic(const struct scn_scenario *s, const char *name)
{
	for (size_t i = 0; i < s->topic_count; i++)
		if (strcmp(s->topics[i].name, name) == 0)
			return (int)i;
	return -1;
}
