#include "harness/scn_yaml.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The builder's state for one parse: the open containers, the last known
 * position (an empty scalar has none of its own) and the first error. */
struct builder {
	const struct scn_alloc *a;
	const char *name;
	const char *buf; /* the input, for single-quoted scalars */
	size_t len;
	struct scn_error *err;
	int status;
	struct scn_ynode *root;
	struct scn_ynode *stack[SCN_YAML_MAX_DEPTH];
	size_t depth;
	int line;
	int column;
	bool documents_seen;
	bool syntax_captured;
	int syntax_line;
	int syntax_column;
	char syntax_msg[200];
	char syntax_msg_full[240];
};

void scn_error_set(struct scn_error *err, const char *name, int line, int column, const char *fmt,
                   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->line = line;
	err->column = column;
	if (line > 0)
		snprintf(err->text, sizeof(err->text), "%s:%d:%d: %s", name, line, column,
		         err->message);
	else
		snprintf(err->text, sizeof(err->text), "%s: %s", name, err->message);
}

const char *scn_ykind_name(enum scn_ykind kind)
{
	switch (kind) {
	case SCN_Y_SCALAR:
		return "a scalar";
	case SCN_Y_SEQ:
		return "a sequence";
	default:
		return "a mapping";
	}
}

static void *libc_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	if (n == 0) {
		free(p);
		return NULL;
	}
	return realloc(p, n);
}

const struct scn_alloc scn_alloc_libc = {libc_realloc, NULL};

void *scn_mem_realloc(const struct scn_alloc *a, void *p, size_t n)
{
	return n ? a->realloc(a->ctx, p, n) : NULL;
}

void *scn_mem_alloc(const struct scn_alloc *a, size_t n)
{
	return scn_mem_realloc(a, NULL, n ? n : 1);
}

void *scn_mem_calloc(const struct scn_alloc *a, size_t count, size_t size)
{
	if (count && size > SIZE_MAX / count)
		return NULL;
	size_t n = count * size;
	void *p = scn_mem_alloc(a, n);
	if (p && n)
		memset(p, 0, n);
	return p;
}

void scn_mem_free(const struct scn_alloc *a, void *p)
{
	if (p)
		a->realloc(a->ctx, p, 0);
}

void scn_yaml_free(const struct scn_alloc *a, struct scn_ynode *node)
{
	if (!node)
		return;
	/* Depth is bounded by SCN_YAML_MAX_DEPTH, so recursion is safe. */
	for (size_t i = 0; i < node->count; i++)
		scn_yaml_free(a, node->items[i]);
	scn_mem_free(a, node->items);
	scn_mem_free(a, node->text);
	scn_mem_free(a, node);
}

static int fail(struct builder *b, int status, int line, int column, const char *msg)
{
	if (b->status == SCN_OK) {
		b->status = status;
		scn_error_set(b->err, b->name, line, column, "%s", msg);
	}
	return -1;
}

/*
 * libfyaml reports syntax errors only through its diagnostic output: per
 * diagnostic, one chunk "INPUT:LINE:COL: error: MESSAGE\n", then the
 * offending source line (no newline), then a caret line that starts with a
 * newline. This keeps the position and message of the first error header
 * and prints nothing. Only header-shaped chunks are read, so text in the
 * echoed source line cannot pose as an error.
 */
static void diag_output_cb(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	struct builder *b = user;
	(void)diag;
	if (b->syntax_captured || len == 0 || buf[0] == '\n' || buf[len - 1] != '\n')
		return;
	static const char tag[] = ": error: ";
	const char *hit = NULL;
	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++) {
		if (memcmp(buf + i, tag, sizeof(tag) - 1) == 0) {
			hit = buf + i;
			break;
		}
	}
	if (!hit)
		return;
	/* Walk back over ":LINE:COL" before the tag. */
	const char *p = hit;
	int nums[2] = {0, 0};
	for (int k = 1; k >= 0; k--) {
		int value = 0, scale = 1, digits = 0;
		while (p > buf && p[-1] >= '0' && p[-1] <= '9' && digits < 9) {
			value += (p[-1] - '0') * scale;
			scale *= 10;
			digits++;
			p--;
		}
		if (!digits || value == 0 || p == buf || p[-1] != ':')
			return;
		nums[k] = value;
		p--;
	}
	const char *msg = hit + sizeof(tag) - 1;
	size_t n = 0;
	while (msg + n < buf + len && msg[n] != '\n')
		n++;
	if (n >= sizeof(b->syntax_msg))
		n = sizeof(b->syntax_msg) - 1;
	memcpy(b->syntax_msg, msg, n);
	b->syntax_msg[n] = '\0';
	b->syntax_line = nums[0];
	b->syntax_column = nums[1];
	snprintf(b->syntax_msg_full, sizeof(b->syntax_msg_full), "invalid YAML: %s", b->syntax_msg);
	b->syntax_captured = true;
}

static struct scn_ynode *node_new(struct builder *b, enum scn_ykind kind)
{
	struct scn_ynode *n = scn_mem_calloc(b->a, 1, sizeof(*n));
	if (!n) {
		fail(b, SCN_ERR_NOMEM, 0, 0, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = b->line;
	n->column = b->column;
	return n;
}

static int append(struct builder *b, struct scn_ynode *parent, struct scn_ynode *child)
{
	if (parent->count == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct scn_ynode **items =
		    scn_mem_realloc(b->a, parent->items, cap * sizeof(*items));
		if (!items)
			return fail(b, SCN_ERR_NOMEM, 0, 0, "out of memory");
		parent->items = items;
		parent->cap = cap;
	}
	parent->items[parent->count++] = child;
	return 0;
}

/* A key must be a scalar and must not repeat an earlier key of the map. */
static int check_key(struct builder *b, struct scn_ynode *map, struct scn_ynode *key)
{
	char msg[200];
	if (key->kind != SCN_Y_SCALAR)
		return fail(b, SCN_ERR_SYNTAX, key->line, key->column,
		            "mapping keys must be scalars");
	for (size_t i = 0; i < map->count; i += 2) {
		struct scn_ynode *k = map->items[i];
		if (k->len == key->len && memcmp(k->text, key->text, k->len) == 0) {
			snprintf(msg, sizeof(msg), "duplicate key '%.100s' (first at line %d)",
			         key->text, k->line);
			return fail(b, SCN_ERR_SYNTAX, key->line, key->column, msg);
		}
	}
	return 0;
}

/* Hangs a finished or just-opened node under the innermost open container
 * (or makes it the root), taking ownership of it in every case. */
static int attach(struct builder *b, struct scn_ynode *node)
{
	if (b->depth == 0) {
		if (b->root) {
			scn_yaml_free(b->a, node);
			return fail(b, SCN_ERR_SYNTAX, b->line, b->column,
			            "more than one root node");
		}
		b->root = node;
		return 0;
	}
	struct scn_ynode *parent = b->stack[b->depth - 1];
	if (parent->kind == SCN_Y_MAP && parent->count % 2 == 0 && check_key(b, parent, node)) {
		scn_yaml_free(b->a, node);
		return -1;
	}
	if (append(b, parent, node)) {
		scn_yaml_free(b->a, node);
		return -1;
	}
	return 0;
}

/*
 * The text of a single-quoted scalar, decoded from the source by YAML 1.2's
 * rules (7.3.2): '' is one quote; at a line break, white space around it
 * is dropped and the break folds to a space, or, when empty lines follow,
 * to one newline per empty line. Done here because libfyaml 0.7.12 leaks
 * 2 KiB formatting a scalar with many '' escapes (fy_token_get_text) and
 * its chunk iterator returns wrong text for them (both found by fuzz_scn).
 * `out` has room for `n` bytes, the source length, which is never exceeded.
 */
static size_t decode_single_quoted(const char *src, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		char ch = src[i];
		if (ch == '\'' && i + 1 < n && src[i + 1] == '\'') {
			out[o++] = '\'';
			i += 2;
		} else if (ch == '\n' || ch == '\r') {
			while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
				o--;
			size_t breaks = 0;
			while (i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' ||
			                 src[i] == '\r')) {
				if (src[i] == '\n' ||
				    (src[i] == '\r' && !(i + 1 < n && src[i + 1] == '\n')))
					breaks++;
				i++;
			}
			if (breaks <= 1)
				out[o++] = ' ';
			for (size_t k = 1; k < breaks; k++)
				out[o++] = '\n';
		} else {
			out[o++] = ch;
			i++;
		}
	}
	return o;
}

/* A scalar's text after unescaping and folding, as a new NUL-terminated
 * copy in n->text. */
static int read_scalar(struct builder *b, struct fy_token *token, struct scn_ynode *n)
{
	/* The token's marks delimit the content, inside the quotes. */
	const struct fy_mark *s = fy_token_start_mark(token), *e = fy_token_end_mark(token);
	if (fy_token_scalar_style(token) == FYSS_SINGLE_QUOTED && s && e && s->input_pos > 0 &&
	    s->input_pos <= e->input_pos && e->input_pos < b->len &&
	    b->buf[s->input_pos - 1] == '\'' && b->buf[e->input_pos] == '\'') {
		size_t raw = e->input_pos - s->input_pos;
		if (!(n->text = scn_mem_alloc(b->a, raw + 1)))
			return fail(b, SCN_ERR_NOMEM, 0, 0, "out of memory");
		n->len = decode_single_quoted(b->buf + s->input_pos, raw, n->text);
		n->text[n->len] = '\0';
		return 0;
	}
	size_t len = 0;
	const char *text = fy_token_get_text(token, &len);
	if (!text)
		len = 0;
	if (!(n->text = scn_mem_alloc(b->a, len + 1)))
		return fail(b, SCN_ERR_NOMEM, 0, 0, "out of memory");
	if (len)
		memcpy(n->text, text, len);
	n->text[len] = '\0';
	n->len = len;
	return 0;
}

static int on_scalar(struct builder *b, struct fy_event *e)
{
	struct scn_ynode *n = node_new(b, SCN_Y_SCALAR);
	if (!n)
		return -1;
	if (read_scalar(b, e->scalar.value, n)) {
		scn_yaml_free(b->a, n);
		return -1;
	}
	n->plain = fy_token_scalar_style(e->scalar.value) == FYSS_PLAIN;
	return attach(b, n);
}

static int on_start(struct builder *b, enum scn_ykind kind)
{
	if (b->depth == SCN_YAML_MAX_DEPTH)
		return fail(b, SCN_ERR_SYNTAX, b->line, b->column, "nesting deeper than 32 levels");
	struct scn_ynode *n = node_new(b, kind);
	if (!n || attach(b, n))
		return -1;
	b->stack[b->depth++] = n;
	return 0;
}

static bool has_tag(struct fy_event *e)
{
	switch (e->type) {
	case FYET_SCALAR:
		return e->scalar.tag != NULL;
	case FYET_SEQUENCE_START:
		return e->sequence_start.tag != NULL;
	case FYET_MAPPING_START:
		return e->mapping_start.tag != NULL;
	default:
		return false;
	}
}

static int on_event(struct builder *b, struct fy_event *e)
{
	const struct fy_mark *m = fy_event_start_mark(e);
	if (m && m->line >= 0 && m->column >= 0) {
		b->line = m->line + 1;
		b->column = m->column + 1;
	}
	if (has_tag(e))
		return fail(b, SCN_ERR_SYNTAX, b->line, b->column,
		            "YAML tags are not supported in scenarios");
	switch (e->type) {
	case FYET_DOCUMENT_START:
		if (b->documents_seen)
			return fail(b, SCN_ERR_SYNTAX, b->line, b->column,
			            "more than one YAML document in the file");
		b->documents_seen = true;
		return 0;
	case FYET_ALIAS:
		return fail(b, SCN_ERR_SYNTAX, b->line, b->column,
		            "YAML aliases are not supported in scenarios");
	case FYET_SCALAR:
		return on_scalar(b, e);
	case FYET_SEQUENCE_START:
		return on_start(b, SCN_Y_SEQ);
	case FYET_MAPPING_START:
		return on_start(b, SCN_Y_MAP);
	case FYET_SEQUENCE_END:
	case FYET_MAPPING_END:
		if (b->depth > 0)
			b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Length of the UTF-8 sequence at p (at most n bytes) and its code point,
 * or 0 when malformed: truncated, overlong, a surrogate or past U+10FFFF. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = p[0] < 0x80             ? 1
	             : (p[0] & 0xe0) == 0xc0 ? 2
	             : (p[0] & 0xf0) == 0xe0 ? 3
	             : (p[0] & 0xf8) == 0xf0 ? 4
	                                     : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t v = len == 1 ? p[0] : p[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3fu);
	}
	if (v < min_cp[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* YAML 1.2's printable set (c-printable): tab, line breaks, and the
 * printable characters of Unicode. */
static bool yaml_printable(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
	       (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	       (cp >= 0x10000 && cp <= 0x10ffff);
}

/*
 * Refuses bytes that are not YAML text before libfyaml sees them: YAML
 * streams are Unicode, and libfyaml 0.7 can loop forever on some malformed
 * UTF-8 (an invalid byte inside a directive line, found by fuzz_scn).
 */
static int check_text(struct builder *b, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	int line = 1, column = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			scn_error_set(b->err, b->name, line, column,
			              "invalid UTF-8 byte 0x%02x: a scenario must be UTF-8 text",
			              p[i]);
			b->status = SCN_ERR_SYNTAX;
			return -1;
		}
		if (!yaml_printable(cp)) {
			scn_error_set(b->err, b->name, line, column,
			              "character U+%04X is not allowed in YAML", (unsigned)cp);
			b->status = SCN_ERR_SYNTAX;
			return -1;
		}
		column++;
		if (cp == '\n') {
			line++;
			column = 1;
		}
		i += n;
	}
	return 0;
}

static void run_parser(struct builder *b, struct fy_parser *fyp)
{
	struct fy_event *e;
	while ((e = fy_parser_parse(fyp)) != NULL) {
		int rc = on_event(b, e);
		fy_parser_event_free(fyp, e);
		if (rc)
			return;
	}
	if (fy_parser_get_stream_error(fyp)) {
		if (b->syntax_captured)
			fail(b, SCN_ERR_SYNTAX, b->syntax_line, b->syntax_column,
			     b->syntax_msg_full);
		else
			fail(b, SCN_ERR_SYNTAX, b->line, b->column, "invalid YAML");
	}
}

int scn_yaml_parse(const struct scn_alloc *a, const char *name, const char *buf, size_t len,
                   struct scn_ynode **root, struct scn_error *err)
{
	struct builder b;
	memset(&b, 0, sizeof(b));
	b.a = a;
	b.buf = buf;
	b.len = len;
	b.name = name;
	b.err = err;
	b.line = 1;
	b.column = 1;
	*root = NULL;

	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_output_cb;
	dcfg.user = &b;
	dcfg.colorize = false;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	struct fy_parse_cfg pcfg = {.flags = FYPCF_QUIET, .diag = diag};
	struct fy_parser *fyp = diag ? fy_parser_create(&pcfg) : NULL;
	if (!fyp || fy_parser_set_string(fyp, len ? buf : "", len))
		fail(&b, SCN_ERR_NOMEM, 0, 0, "out of memory");
	else if (check_text(&b, buf, len) == 0)
		run_parser(&b, fyp);
	if (fyp)
		fy_parser_destroy(fyp);
	if (diag)
		fy_diag_destroy(diag);
	if (b.status != SCN_OK) {
		scn_yaml_free(a, b.root);
		return b.status;
	}
	*root = b.root;
	return SCN_OK;
}
