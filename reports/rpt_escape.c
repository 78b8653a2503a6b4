/*
 * rpt_escape — JSON, XML and Markdown text from arbitrary bytes (see
 * rpt_escape.h for the rules of each).
 */
#include "reports/rpt_escape.h"

#include <stddef.h>
#include <string.h>

#include "harness/hist_json.h"

/* U+FFFD in UTF-8: what an invalid byte or a forbidden character becomes. */
static const char replacement[] = "\xEF\xBF\xBD";

/* Characters Markdown or inline HTML give a meaning to anywhere in a line. */
/* Characters that mean something anywhere in a line; `_` only at a word's
 * edge, `#` after a blank (an ATX heading's closing run); the rest of the
 * punctuation only at a line's start (md_block_put_ascii). */
static const char md_special[] = "\\`*[]<|~&";

/*
 * Copies the non-ASCII character at p (p[0] >= 0x80, avail >= 1 bytes
 * readable) and returns how many input bytes it used: the sequence's length
 * when it is valid UTF-8, else 1, for which one U+FFFD is written. With xml
 * set, U+FFFE and U+FFFF (which XML 1.0 forbids) are replaced as well.
 */
static size_t put_utf8(FILE *out, const unsigned char *p, size_t avail, bool xml)
{
	size_t len = hist_json_utf8_len(p, avail);
	if (len == 0) {
		fputs(replacement, out);
		return 1;
	}
	if (xml && len == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
		fputs(replacement, out);
	else
		fwrite(p, 1, len, out);
	return len;
}

static int done(FILE *out)
{
	return ferror(out) ? -1 : 0;
}

static void json_put_ascii(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\b':
		fputs("\\b", out);
		break;
	case '\f':
		fputs("\\f", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		if (c < 0x20)
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			putc(c, out);
	}
}

int rpt_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	putc('"', out);
	for (size_t i = 0; i < n;) {
		if (p[i] >= 0x80) {
			i += put_utf8(out, p + i, n - i, false);
			continue;
		}
		json_put_ascii(out, p[i++]);
	}
	putc('"', out);
	return done(out);
}

static void xml_put_ascii(FILE *out, unsigned char c, bool attr)
{
	switch (c) {
	case '&':
		fputs("&amp;", out);
		break;
	case '<':
		fputs("&lt;", out);
		break;
	case '>':
		fputs("&gt;", out);
		break;
	case '"':
		fputs("&quot;", out);
		break;
	case '\'':
		fputs("&apos;", out);
		break;
	case '\r':
		fputs("&#13;", out);
		break;
	case '\t':
	case '\n':
		if (attr)
			fprintf(out, "&#%u;", (unsigned)c);
		else
			putc(c, out);
		break;
	default:
		/* XML 1.0's Char production excludes the other C0 controls. */
		if (c < 0x20)
			fputs(replacement, out);
		else
			putc(c, out);
	}
}

int rpt_xml_write_text(FILE *out, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (p[i] >= 0x80) {
			i += put_utf8(out, p + i, n - i, true);
			continue;
		}
		xml_put_ascii(out, p[i++], attr);
	}
	return done(out);
}

static bool is_ascii_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) ||
	       (c >= 0x7b && c <= 0x7e);
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Whether c, between prev and next (0 at the text's ends), must be escaped
 * wherever it stands: `_` inside a word (orders_v2) is literal in GitHub
 * Markdown, and `#` is only special after a blank. */
static bool md_escape_anywhere(unsigned char prev, unsigned char c, unsigned char next)
{
	if (c == '_')
		return !is_alnum(prev) || !is_alnum(next);
	if (c == '#')
		return prev == ' ' || prev == '\t';
	return c && strchr(md_special, c) != NULL;
}

int rpt_md_write_inline(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			i += put_utf8(out, p + i, n - i, false);
			continue;
		}
		if (c < 0x20)
			c = ' ';
		else if (md_escape_anywhere(i ? p[i - 1] : 0, c, p[i + 1]))
			putc('\\', out);
		putc(c, out);
		i++;
	}
	return done(out);
}

/*
 * Where a block-form line stands: at its start (blanks are dropped there),
 * and whether everything written on it so far is digits (then a `.` or `)`
 * would make an ordered-list marker).
 */
struct md_line {
	bool start;
	bool digits;
};

static void md_block_put_ascii(FILE *out, unsigned char prev, unsigned char c,
                               unsigned char next, struct md_line *l)
{
	if (c == '\n') {
		putc('\n', out);
		*l = (struct md_line){true, true};
		return;
	}
	if (c < 0x20)
		c = ' ';
	if (l->start && c == ' ')
		return;
	bool escape = md_escape_anywhere(prev, c, next) || (l->start && is_ascii_punct(c)) ||
	              (l->digits && !l->start && (c == '.' || c == ')'));
	if (escape)
		putc('\\', out);
	putc(c, out);
	l->digits = l->digits && c >= '0' && c <= '9';
	l->start = false;
}

int rpt_md_write_block(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct md_line line = {true, true};
	for (size_t i = 0; i < n;) {
		if (p[i] >= 0x80) {
			i += put_utf8(out, p + i, n - i, false);
			line = (struct md_line){false, false};
			continue;
		}
		md_block_put_ascii(out, i ? p[i - 1] : 0, p[i], p[i + 1], &line);
		i++;
	}
	return done(out);
}

int rpt_md_write_code(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (p[i] >= 0x80) {
			i += put_utf8(out, p + i, n - i, false);
			continue;
		}
		putc(p[i] < 0x20 ? ' ' : p[i], out);
		i++;
	}
	return done(out);
}
