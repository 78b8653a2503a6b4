/*
 * hist_json — a small strict JSON parser for one line of a history file.
 *
 * The parser reads one JSON text (RFC 8259) from a byte range and builds a
 * tree of nodes in arrays owned by the `struct hist_json` it is given; the
 * next parse reuses those arrays, so a reader of a million lines allocates
 * only while a line is larger than every line before it. Strings are decoded
 * (escapes resolved, surrogate pairs joined) into the parser's own buffer and
 * must be valid UTF-8. Numbers keep their integer value when they are
 * integers that fit int64; any other number is accepted by the grammar but
 * marked as not an integer. Nesting deeper than HIST_JSON_MAX_DEPTH is
 * refused so that hostile input cannot exhaust the stack. Errors carry the
 * 1-based byte column where they were found.
 */
#ifndef KSIM_HIST_JSON_H
#define KSIM_HIST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { HIST_JSON_MAX_DEPTH = 32 };

enum hist_json_type {
	HIST_JSON_NULL,
	HIST_JSON_FALSE,
	HIST_JSON_TRUE,
	HIST_JSON_NUMBER,
	HIST_JSON_STRING,
	HIST_JSON_ARRAY,
	HIST_JSON_OBJECT,
};

/*
 * One value. Children of an array or object form a list through `next`
 * (0 ends it; node 0 is always the root, so it is never anyone's child). A
 * member of an object has its key in key_off/key_len.
 */
struct hist_json_node {
	uint8_t type;
	bool is_int;      /* NUMBER only: an integer that fits int64 */
	uint32_t col;     /* 1-based column of the value's first byte */
	uint32_t child;   /* ARRAY/OBJECT: first child, 0 if empty */
	uint32_t next;    /* next sibling, 0 if last */
	uint32_t count;   /* ARRAY/OBJECT: number of children */
	uint32_t key_off; /* object members: key bytes in the string buffer */
	uint32_t key_len;
	uint32_t str_off; /* STRING: decoded bytes in the string buffer */
	uint32_t str_len;
	int64_t i; /* NUMBER with is_int */
};

struct hist_json {
	struct hist_json_node *nodes;
	size_t n_nodes, cap_nodes;
	char *str; /* decoded strings, each followed by a NUL */
	size_t n_str, cap_str;
	/* Set by a failed parse. */
	uint32_t err_col;
	const char *err_msg;
};

enum hist_json_status {
	HIST_JSON_OK = 0,
	HIST_JSON_ESYNTAX = 1, /* err_col and err_msg say where and why */
	HIST_JSON_ENOMEM = 2,
};

/* Zeroes a parser; it owns nothing until the first parse. */
void hist_json_init(struct hist_json *j);
/* Frees the parser's arrays; the parser may be reused after hist_json_init. */
void hist_json_free(struct hist_json *j);

/*
 * Parses the n bytes at p as exactly one JSON value surrounded by optional
 * whitespace. On success node 0 is the root and the nodes stay valid until
 * the next parse or free. Returns HIST_JSON_ESYNTAX with err_col/err_msg set
 * for any input that is not strict JSON (including NUL bytes, invalid UTF-8,
 * control characters in strings, leading zeros, trailing commas), or
 * HIST_JSON_ENOMEM.
 */
int hist_json_parse(struct hist_json *j, const char *p, size_t n);

/*
 * The first member of object node `obj` named key (NUL-terminated), or NULL
 * when there is none or obj is not an object. *dup is set when the key occurs
 * more than once (the parser accepts duplicate keys; a caller that gives them
 * no meaning refuses them). Linear in the object's size.
 */
const struct hist_json_node *hist_json_get(const struct hist_json *j, uint32_t obj, const char *key,
                                           bool *dup);
/* The decoded bytes of STRING node v (NUL-terminated; may contain NULs). */
const char *hist_json_str(const struct hist_json *j, const struct hist_json_node *v);
/* Index of node v, for walking children. */
uint32_t hist_json_index(const struct hist_json *j, const struct hist_json_node *v);

/*
 * Length of the valid UTF-8 sequence starting at p (avail bytes readable,
 * avail >= 1, p[0] >= 0x80), or 0 when it is not valid UTF-8 per RFC 3629
 * (no overlongs, no surrogates, nothing past U+10FFFF).
 */
size_t hist_json_utf8_len(const unsigned char *p, size_t avail);

#endif
