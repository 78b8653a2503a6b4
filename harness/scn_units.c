/*
 * The scenario units: durations, ranges, rates and sizes, parsed exactly
 * into integers. Decimal fractions are converted with 128-bit arithmetic so
 * that `1.5s` is exactly 1500000000 ns and `0.1ns` is refused rather than
 * rounded.
 */
#include "harness/scn.h"

#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 scn_u128;

struct unit {
	const char *name;
	uint64_t scale;
};

static const struct unit duration_units[] = {
    {"ns", 1ull}, {"us", 1000ull}, {"ms", 1000000ull}, {"s", 1000000000ull}, {"m", 60000000000ull},
};

static const struct unit size_units[] = {
    {"B", 1ull},
    {"KiB", 1024ull},
    {"MiB", 1024ull * 1024},
    {"GiB", 1024ull * 1024 * 1024},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int find_unit(const struct unit *units, size_t n, const char *s, size_t len, uint64_t *scale)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(units[i].name) == len && memcmp(units[i].name, s, len) == 0) {
			*scale = units[i].scale;
			return 0;
		}
	}
	return -1;
}

/* Reads 1..19 decimal digits at s[*pos] into *value (no overflow possible
 * below 10^19 < 2^64). */
static int read_digits(const char *s, size_t len, size_t *pos, uint64_t *value, size_t *ndigits)
{
	uint64_t v = 0;
	size_t start = *pos;
	while (*pos < len && is_digit(s[*pos])) {
		if (*pos - start == 19)
			return -1;
		v = v * 10 + (uint64_t)(s[*pos] - '0');
		(*pos)++;
	}
	if (*pos == start)
		return -1;
	*value = v;
	*ndigits = *pos - start;
	return 0;
}

/* Like read_digits, but zeros past the 18th digit are dropped: they change
 * nothing, and any other digit there is finer than a nanosecond anyway. */
static int read_fraction(const char *s, size_t len, size_t *pos, uint64_t *value, size_t *ndigits)
{
	uint64_t v = 0;
	size_t start = *pos, kept = 0;
	for (; *pos < len && is_digit(s[*pos]); (*pos)++) {
		if (kept == 18) {
			if (s[*pos] != '0')
				return -1;
			continue;
		}
		v = v * 10 + (uint64_t)(s[*pos] - '0');
		kept++;
	}
	if (*pos == start)
		return -1;
	*value = v;
	*ndigits = kept;
	return 0;
}

int scn_parse_duration(const char *text, size_t len, bool allow_negative, int64_t *ns)
{
	size_t pos = 0, nint, nfrac = 0;
	bool negative = false;
	uint64_t whole, frac = 0, scale;
	if (pos < len && text[pos] == '-') {
		if (!allow_negative)
			return -1;
		negative = true;
		pos++;
	}
	if (read_digits(text, len, &pos, &whole, &nint))
		return -1;
	if (pos < len && text[pos] == '.') {
		pos++;
		if (read_fraction(text, len, &pos, &frac, &nfrac))
			return -1;
	}
	if (find_unit(duration_units, 5, text + pos, len - pos, &scale))
		return -1;
	scn_u128 pow10 = 1;
	for (size_t i = 0; i < nfrac; i++)
		pow10 *= 10;
	scn_u128 frac_ns = (scn_u128)frac * scale;
	if (frac_ns % pow10 != 0)
		return -1; /* not a whole number of nanoseconds */
	scn_u128 total = (scn_u128)whole * scale + frac_ns / pow10;
	if (total > (scn_u128)INT64_MAX)
		return -1;
	*ns = negative ? -(int64_t)total : (int64_t)total;
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

int scn_parse_range(const char *text, size_t len, struct scn_range *range)
{
	struct scn_range r;
	const char *dots = NULL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] == '.' && text[i + 1] == '.') {
			dots = text + i;
			break;
		}
	}
	const char *a = text, *b;
	size_t alen = dots ? (size_t)(dots - text) : len, blen;
	trim(&a, &alen);
	if (scn_parse_duration(a, alen, false, &r.min_ns))
		return -1;
	r.max_ns = r.min_ns;
	if (dots) {
		b = dots + 2;
		blen = len - (size_t)(b - text);
		trim(&b, &blen);
		if (scn_parse_duration(b, blen, false, &r.max_ns) || r.max_ns < r.min_ns)
			return -1;
	}
	*range = r;
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int scn_parse_rate(const char *text, size_t len, struct scn_rate *rate)
{
	size_t pos = 0, nd;
	uint64_t count, scale;
	if (read_digits(text, len, &pos, &count, &nd) || count == 0)
		return -1;
	if (pos >= len || text[pos] != '/')
		return -1;
	pos++;
	if (find_unit(duration_units, 5, text + pos, len - pos, &scale))
		return -1;
	/* count events per `scale` ns = count * 1e9 / scale events per second. */
	scn_u128 num = (scn_u128)count * 1000000000u;
	/* gcd(num, scale) == gcd(num mod scale, scale), which fits 64 bits. */
	uint64_t g = gcd((uint64_t)(num % scale), scale);
	scn_u128 n = num / g;
	if (n > UINT64_MAX)
		return -1;
	rate->num = (uint64_t)n;
	rate->den = scale / g;
	return 0;
}

int scn_parse_size(const char *text, size_t len, uint64_t *bytes)
{
	size_t pos = 0, nd;
	uint64_t count, scale;
	if (read_digits(text, len, &pos, &count, &nd))
		return -1;
	if (find_unit(size_units, 4, text + pos, len - pos, &scale))
		return -1;
	scn_u128 total = (scn_u128)count * scale;
	if (total > UINT64_MAX)
		return -1;
	*bytes = (uint64_t)total;
	return 0;
}

char *scn_format_duration(int64_t ns, char *buf, size_t size)
{
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	const struct unit *u = &duration_units[0];
	for (size_t i = 5; i-- > 0;) {
		if (mag % duration_units[i].scale == 0) {
			u = &duration_units[i];
			break;
		}
	}
	if (mag == 0)
		u = &duration_units[3];
	snprintf(buf, size, "%s%llu%s", ns < 0 ? "-" : "", (unsigned long long)(mag / u->scale),
	         u->name);
	return buf;
}
