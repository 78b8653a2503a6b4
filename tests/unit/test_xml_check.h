/*
 * test_xml_check — a strict XML 1.0 well-formedness check for the reports
 * tests (junit.xml, diagram.svg): UTF-8 and XML's Char production, one root
 * element, matched tags, quoted and separated attributes, no bare `<` or
 * `&`, no `]]>` in text. Not a full parser: no DOCTYPE, comments or
 * processing instructions past the declaration. Functions are static (and
 * marked unused) so each test binary has its own copy.
 */
#ifndef KSIM_TEST_XML_CHECK_H
#define KSIM_TEST_XML_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/hist_json.h"

/* ---- a strict XML 1.0 well-formedness check (the subset junit.xml uses) -- */

struct xml {
	const char *p, *end;
	const char *err;
};

static __attribute__((unused)) bool xml_fail(struct xml *x, const char *why)
{
	if (!x->err)
		x->err = why;
	return false;
}

/* Every character is valid UTF-8 and allowed by XML 1.0's Char production. */
static __attribute__((unused)) bool xml_chars_ok(struct xml *x)
{
	const unsigned char *p = (const unsigned char *)x->p, *e = (const unsigned char *)x->end;
	while (p < e) {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				return xml_fail(x, "forbidden control character");
			p++;
			continue;
		}
		size_t len = hist_json_utf8_len(p, (size_t)(e - p));
		if (len == 0)
			return xml_fail(x, "invalid UTF-8");
		if (len == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
			return xml_fail(x, "U+FFFE or U+FFFF");
		p += len;
	}
	return true;
}

static __attribute__((unused)) bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static __attribute__((unused)) bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Reads a Name; returns its length (0: none). */
static __attribute__((unused)) size_t xml_name(struct xml *x)
{
	const char *s = x->p;
	if (x->p < x->end && is_name_start(*x->p))
		while (x->p < x->end && is_name_char(*x->p))
			x->p++;
	return (size_t)(x->p - s);
}

static __attribute__((unused)) void xml_space(struct xml *x)
{
	while (x->p < x->end && strchr(" \t\r\n", *x->p))
		x->p++;
}

/* A reference after '&': a predefined entity or a character reference. */
static __attribute__((unused)) bool xml_reference(struct xml *x)
{
	static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(ents[i]);
		if ((size_t)(x->end - x->p) >= n && memcmp(x->p, ents[i], n) == 0) {
			x->p += n;
			return true;
		}
	}
	if (x->p < x->end && *x->p == '#') {
		x->p++;
		const char *d = x->p;
		while (x->p < x->end && *x->p >= '0' && *x->p <= '9')
			x->p++;
		if (x->p > d && x->p < x->end && *x->p == ';') {
			x->p++;
			return true;
		}
	}
	return xml_fail(x, "bad reference");
}

/* Character data up to the next '<' (or the end): no "]]>", references valid. */
static __attribute__((unused)) bool xml_text(struct xml *x)
{
	while (x->p < x->end && *x->p != '<') {
		if (*x->p == '&') {
			x->p++;
			if (!xml_reference(x))
				return false;
			continue;
		}
		if (x->end - x->p >= 3 && memcmp(x->p, "]]>", 3) == 0)
			return xml_fail(x, "]]> in text");
		x->p++;
	}
	return true;
}

static __attribute__((unused)) bool xml_attributes(struct xml *x)
{
	for (;;) {
		const char *before = x->p;
		xml_space(x);
		if (x->p >= x->end)
			return xml_fail(x, "unterminated tag");
		if (*x->p == '>' || *x->p == '/')
			return true;
		if (x->p == before || xml_name(x) == 0)
			return xml_fail(x, "bad attribute name");
		xml_space(x);
		if (x->p >= x->end || *x->p++ != '=')
			return xml_fail(x, "attribute without =");
		xml_space(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return xml_fail(x, "unquoted attribute");
		char q = *x->p++;
		while (x->p < x->end && *x->p != q) {
			if (*x->p == '<')
				return xml_fail(x, "< in attribute");
			if (*x->p++ == '&' && !xml_reference(x))
				return false;
		}
		if (x->p >= x->end)
			return xml_fail(x, "unterminated attribute");
		x->p++;
	}
}

/* One element and its content, recursively; x->p is at '<'. */
static __attribute__((unused)) bool xml_element(struct xml *x, int depth)
{
	if (depth > 16)
		return xml_fail(x, "too deep");
	x->p++;
	const char *name = x->p;
	size_t n = xml_name(x);
	if (n == 0)
		return xml_fail(x, "bad element name");
	if (!xml_attributes(x))
		return false;
	if (*x->p == '/') {
		x->p++;
		if (x->p >= x->end || *x->p++ != '>')
			return xml_fail(x, "bad empty-element tag");
		return true;
	}
	x->p++; /* '>' */
	for (;;) {
		if (!xml_text(x))
			return false;
		if (x->p >= x->end)
			return xml_fail(x, "unclosed element");
		if (x->p + 1 < x->end && x->p[1] == '/')
			break;
		if (!xml_element(x, depth + 1))
			return false;
	}
	x->p += 2;
	const char *close = x->p;
	if (xml_name(x) != n || memcmp(close, name, n) != 0)
		return xml_fail(x, "mismatched end tag");
	xml_space(x);
	if (x->p >= x->end || *x->p++ != '>')
		return xml_fail(x, "bad end tag");
	return true;
}

/* Whether doc is a well-formed XML document: declaration, one root element. */
static __attribute__((unused)) bool xml_well_formed(const char *doc, const char **why)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	struct xml x = {doc, doc + strlen(doc), NULL};
	bool ok = xml_chars_ok(&x);
	if (ok && strncmp(x.p, decl, sizeof(decl) - 1) != 0)
		ok = xml_fail(&x, "no XML declaration");
	if (ok) {
		x.p += sizeof(decl) - 1;
		xml_space(&x);
		ok = x.p < x.end && *x.p == '<' ? xml_element(&x, 0) : xml_fail(&x, "no root");
	}
	if (ok) {
		xml_space(&x);
		if (x.p != x.end)
			ok = xml_fail(&x, "content after the root element");
	}
	*why = x.err;
	return ok;
}

static __attribute__((unused)) void assert_xml(const char *doc)
{
	const char *why = NULL;
	bool ok = xml_well_formed(doc, &why);
	if (!ok)
		fprintf(stderr, "not well-formed: %s\n%s\n", why, doc);
	assert_true(ok);
}

#endif
