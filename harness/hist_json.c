/*
 * hist_json — see hist_json.h. A recursive-descent parser over a byte range;
 * recursion is bounded by HIST_JSON_MAX_DEPTH and every loop consumes input,
 * so any input ends in bounded time and stack.
 */
#include "harness/hist_json.h"

#include <stdlib.h>
#include <string.h>

struct parser {
	const unsigned char *p;
	size_t n, pos;
	struct hist_json *j;
	int depth;
	int status;
};

void hist_json_init(struct hist_json *j)
{
	memset(j, 0, sizeof(*j));
}

void hist_json_free(struct hist_json *j)
{
	free(j->nodes);
	free(j->str);
	hist_json_init(j);
}

static int fail(struct parser *ps, size_t pos, const char *msg)
{
	if (ps->status == HIST_JSON_OK) {
		ps->status = HIST_JSON_ESYNTAX;
		ps->j->err_col = (uint32_t)pos + 1;
		ps->j->err_msg = msg;
	}
	return -1;
}

static int nomem(struct parser *ps)
{
	if (ps->status == HIST_JSON_OK) {
		ps->status = HIST_JSON_ENOMEM;
		ps->j->err_col = (uint32_t)ps->pos + 1;
		ps->j->err_msg = "out of memory";
	}
	return -1;
}

/* Returns the index of a fresh zeroed node, or -1 after nomem. */
static int64_t new_node(struct parser *ps, uint8_t type, size_t pos)
{
	struct hist_json *j = ps->j;
	if (j->n_nodes == j->cap_nodes) {
		size_t cap = j->cap_nodes ? 2 * j->cap_nodes : 64;
		void *q = realloc(j->nodes, cap * sizeof(*j->nodes));
		if (!q)
			return nomem(ps);
		j->nodes = q;
		j->cap_nodes = cap;
	}
	struct hist_json_node *v = &j->nodes[j->n_nodes];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->col = (uint32_t)pos + 1;
	return (int64_t)j->n_nodes++;
}

static int put_bytes(struct parser *ps, const void *b, size_t len)
{
	struct hist_json *j = ps->j;
	if (j->cap_str - j->n_str < len + 1) {
		size_t cap = j->cap_str ? j->cap_str : 256;
		while (cap - j->n_str < len + 1)
			cap *= 2;
		void *q = realloc(j->str, cap);
		if (!q)
			return nomem(ps);
		j->str = q;
		j->cap_str = cap;
	}
	memcpy(j->str + j->n_str, b, len);
	j->n_str += len;
	return 0;
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->n) {
		unsigned char c = ps->p[ps->pos];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
		ps->pos++;
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the four hex digits after "\u" at ps->pos; -1 on a bad digit. */
static int32_t read_hex4(struct parser *ps)
{
	if (ps->n - ps->pos < 4)
		return fail(ps, ps->pos, "truncated \\u escape");
	int32_t v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(ps->p[ps->pos + (size_t)k]);
		if (h < 0)
			return fail(ps, ps->pos + (size_t)k, "bad hex digit in \\u escape");
		v = v * 16 + h;
	}
	ps->pos += 4;
	return v;
}

static int put_utf8(struct parser *ps, uint32_t cp)
{
	unsigned char b[4];
	size_t len;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	return put_bytes(ps, b, len);
}

/* After the backslash: decodes one escape into the string buffer. */
static int read_escape(struct parser *ps)
{
	size_t at = ps->pos - 1;
	if (ps->pos >= ps->n)
		return fail(ps, at, "truncated escape");
	unsigned char c = ps->p[ps->pos++];
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
	const char *hit = c ? strchr(from, c) : NULL;
	if (hit)
		return put_bytes(ps, to + (hit - from), 1);
	if (c != 'u')
		return fail(ps, at, "unknown escape");
	int32_t hi = read_hex4(ps);
	if (hi < 0)
		return -1;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(ps, at, "lone low surrogate");
	if (hi < 0xd800 || hi > 0xdbff)
		return put_utf8(ps, (uint32_t)hi);
	if (ps->n - ps->pos < 2 || ps->p[ps->pos] != '\\' || ps->p[ps->pos + 1] != 'u')
		return fail(ps, at, "high surrogate without a low one");
	ps->pos += 2;
	int32_t lo = read_hex4(ps);
	if (lo < 0)
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(ps, at, "high surrogate without a low one");
	return put_utf8(ps, 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00));
}

/* The table of RFC 3629 section 4, lead byte by lead byte. */
size_t hist_json_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* At the opening quote: decodes a string, appends it and a NUL. */
static int read_string(struct parser *ps, uint32_t *off, uint32_t *len)
{
	size_t start = ps->pos++;
	*off = (uint32_t)ps->j->n_str;
	for (;;) {
		if (ps->pos >= ps->n)
			return fail(ps, start, "unterminated string");
		unsigned char c = ps->p[ps->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(ps, ps->pos, "control character in string");
		if (c == '\\') {
			ps->pos++;
			if (read_escape(ps))
				return -1;
			continue;
		}
		size_t run = 1;
		if (c >= 0x80 && !(run = hist_json_utf8_len(ps->p + ps->pos, ps->n - ps->pos)))
			return fail(ps, ps->pos, "invalid UTF-8 in string");
		if (put_bytes(ps, ps->p + ps->pos, run))
			return -1;
		ps->pos += run;
	}
	ps->pos++;
	*len = (uint32_t)(ps->j->n_str - *off);
	if (put_bytes(ps, "", 1))
		return -1;
	return 0;
}

static bool is_digit(const struct parser *ps)
{
	return ps->pos < ps->n && ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9';
}

static int read_number(struct parser *ps, struct hist_json_node *v)
{
	size_t start = ps->pos;
	bool neg = ps->p[ps->pos] == '-';
	if (neg)
		ps->pos++;
	if (!is_digit(ps))
		return fail(ps, start, "bad number");
	bool fits = true;
	uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (ps->p[ps->pos] == '0') {
		ps->pos++;
		if (is_digit(ps))
			return fail(ps, start, "leading zero in number");
	} else {
		while (is_digit(ps)) {
			unsigned d = ps->p[ps->pos++] - '0';
			if (mag > (limit - d) / 10)
				fits = false;
			else
				mag = mag * 10 + d;
		}
	}
	bool integral = true;
	if (ps->pos < ps->n && ps->p[ps->pos] == '.') {
		ps->pos++;
		if (!is_digit(ps))
			return fail(ps, start, "bad number");
		while (is_digit(ps))
			ps->pos++;
		integral = false;
	}
	if (ps->pos < ps->n && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
		ps->pos++;
		if (ps->pos < ps->n && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
			ps->pos++;
		if (!is_digit(ps))
			return fail(ps, start, "bad number");
		while (is_digit(ps))
			ps->pos++;
		integral = false;
	}
	v->is_int = integral && fits;
	if (v->is_int)
		v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int64_t parse_value(struct parser *ps);

/* At '[' or '{': parses the members into a list under node idx. */
static int parse_container(struct parser *ps, int64_t idx, bool object)
{
	char close = object ? '}' : ']';
	uint32_t last = 0;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->n && ps->p[ps->pos] == close) {
		ps->pos++;
		return 0;
	}
	for (;;) {
		uint32_t koff = 0, klen = 0;
		if (object) {
			if (ps->pos >= ps->n || ps->p[ps->pos] != '"')
				return fail(ps, ps->pos, "expected a string key");
			if (read_string(ps, &koff, &klen))
				return -1;
			skip_ws(ps);
			if (ps->pos >= ps->n || ps->p[ps->pos] != ':')
				return fail(ps, ps->pos, "expected ':'");
			ps->pos++;
		}
		int64_t c = parse_value(ps);
		if (c < 0)
			return -1;
		struct hist_json_node *nodes = ps->j->nodes;
		nodes[c].key_off = koff;
		nodes[c].key_len = klen;
		if (last)
			nodes[last].next = (uint32_t)c;
		else
			nodes[idx].child = (uint32_t)c;
		nodes[idx].count++;
		last = (uint32_t)c;
		skip_ws(ps);
		if (ps->pos < ps->n && ps->p[ps->pos] == ',') {
			ps->pos++;
			skip_ws(ps);
			continue;
		}
		if (ps->pos < ps->n && ps->p[ps->pos] == close) {
			ps->pos++;
			return 0;
		}
		return fail(ps, ps->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int read_literal(struct parser *ps, const char *word)
{
	size_t len = strlen(word);
	if (ps->n - ps->pos < len || memcmp(ps->p + ps->pos, word, len) != 0)
		return fail(ps, ps->pos, "unexpected character");
	ps->pos += len;
	return 0;
}

/* Skips leading whitespace, parses one value, returns its node index or -1. */
static int64_t parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->pos >= ps->n)
		return fail(ps, ps->pos, "expected a value");
	unsigned char c = ps->p[ps->pos];
	static const struct {
		char c;
		const char *word;
		uint8_t type;
	} lits[] = {{'n', "null", HIST_JSON_NULL},
	            {'t', "true", HIST_JSON_TRUE},
	            {'f', "false", HIST_JSON_FALSE}};
	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		if (c != lits[k].c)
			continue;
		int64_t idx = new_node(ps, lits[k].type, ps->pos);
		if (idx < 0 || read_literal(ps, lits[k].word))
			return -1;
		return idx;
	}
	if (c == '"') {
		int64_t idx = new_node(ps, HIST_JSON_STRING, ps->pos);
		uint32_t off, len;
		if (idx < 0 || read_string(ps, &off, &len))
			return -1;
		ps->j->nodes[idx].str_off = off;
		ps->j->nodes[idx].str_len = len;
		return idx;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		int64_t idx = new_node(ps, HIST_JSON_NUMBER, ps->pos);
		if (idx < 0 || read_number(ps, &ps->j->nodes[idx]))
			return -1;
		return idx;
	}
	if (c != '[' && c != '{')
		return fail(ps, ps->pos, "unexpected character");
	if (ps->depth >= HIST_JSON_MAX_DEPTH)
		return fail(ps, ps->pos, "nesting too deep");
	int64_t idx = new_node(ps, c == '{' ? HIST_JSON_OBJECT : HIST_JSON_ARRAY, ps->pos);
	if (idx < 0)
		return -1;
	ps->depth++;
	int rc = parse_container(ps, idx, c == '{');
	ps->depth--;
	return rc ? -1 : idx;
}

int hist_json_parse(struct hist_json *j, const char *p, size_t n)
{
	struct parser ps = {(const unsigned char *)p, n, 0, j, 0, HIST_JSON_OK};
	j->n_nodes = 0;
	j->n_str = 0;
	j->err_col = 0;
	j->err_msg = NULL;
	/* Offsets and columns are 32-bit; a longer line is refused outright. */
	if (n > UINT32_MAX / 2) {
		fail(&ps, 0, "line too long");
		return ps.status;
	}
	if (parse_value(&ps) >= 0) {
		skip_ws(&ps);
		if (ps.pos < ps.n)
			fail(&ps, ps.pos, "trailing characters after the value");
	}
	return ps.status;
}

const struct hist_json_node *hist_json_get(const struct hist_json *j, uint32_t obj, const char *key,
                                           bool *dup)
{
	size_t klen = strlen(key);
	const struct hist_json_node *hit = NULL;
	*dup = false;
	if (j->nodes[obj].type != HIST_JSON_OBJECT)
		return NULL;
	for (uint32_t c = j->nodes[obj].child; c; c = j->nodes[c].next) {
		const struct hist_json_node *v = &j->nodes[c];
		if (v->key_len != klen || memcmp(j->str + v->key_off, key, klen) != 0)
			continue;
		if (hit)
			*dup = true;
		else
			hit = v;
	}
	return hit;
}

const char *hist_json_str(const struct hist_json *j, const struct hist_json_node *v)
{
	return j->str + v->str_off;
}

uint32_t hist_json_index(const struct hist_json *j, const struct hist_json_node *v)
{
	return (uint32_t)(v - j->nodes);
}
