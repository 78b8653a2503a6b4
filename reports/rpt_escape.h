/*
 * rpt_escape — writing arbitrary bytes (scenario names, descriptions, values
 * quoted in checker examples) into JSON, XML and Markdown so that the output
 * stays well formed and shows the text as text.
 *
 * Every writer walks its input as UTF-8: a valid sequence is copied, and a
 * byte that does not start one (invalid or truncated UTF-8, an overlong form,
 * a surrogate) becomes U+FFFD, the replacement character, so each output is
 * valid UTF-8 whatever the input. The writers keep nothing; the FILE is the
 * caller's. Each returns 0, or -1 when the stream reports an error.
 */
#ifndef KSIM_RPT_ESCAPE_H
#define KSIM_RPT_ESCAPE_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Writes s (NUL-terminated) as a JSON string, quotes included: `"` and `\`
 * are escaped, control characters below 0x20 become \b \f \n \r \t or
 * \u00XX (RFC 8259, section 7).
 */
int rpt_json_write_string(FILE *out, const char *s);

/*
 * Writes s as XML 1.0 character data: `&`, `<`, `>`, `"` and `'` become
 * entity references (so `]]>` can never appear and the same text serves
 * elements and attribute values). Characters XML 1.0 forbids (controls other
 * than tab, newline and carriage return; U+FFFE and U+FFFF) become U+FFFD.
 * With attr set, tab, newline and carriage return are written as character
 * references so that attribute-value normalisation keeps them; otherwise
 * only carriage return is (a parser would turn a literal one into newline).
 */
int rpt_xml_write_text(FILE *out, const char *s, bool attr);

/*
 * Markdown (CommonMark/GitHub) text. The inline form is for headings and
 * table cells: every control character (newline included) becomes a space
 * and the characters Markdown or HTML give meaning to wherever they stand
 * (`\` `` ` `` `*` `[` `]` `<` `|` `~` `&`, `_` at a word's edge, `#` after a
 * blank) are escaped with a backslash, so the text can neither end a table
 * cell nor open a link, an emphasis or an HTML tag; the rest is left as it is,
 * so that the text reads the same as plain text (`(`, `)` and `!` cannot open
 * a link without an unescaped `[`). The block form is for a paragraph: as inline, but
 * newlines are kept, each line's leading blanks are dropped, and a line's
 * first character (and a `.` right after leading digits) is escaped too when
 * it is punctuation, so no line can start a list, heading, quote or code
 * block.
 */
int rpt_md_write_inline(FILE *out, const char *s);
int rpt_md_write_block(FILE *out, const char *s);

/*
 * Writes s for the inside of a fenced code block: control characters
 * (newline included) become a space, so that the text stays on the line
 * the caller began (with text of its own, so no fence can start there);
 * nothing else is escaped, as code blocks show text literally.
 */
int rpt_md_write_code(FILE *out, const char *s);

#endif
