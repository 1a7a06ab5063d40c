/*
 * cdxj.c — the CDXJ index of a case (index.cdxj), as pywb reads it.
 *
 * One line per response and revisit record:
 *   SURT-KEY TIMESTAMP14 {"url": ..., "mime": ..., "status": ..., "digest": ...,
 *                         "length": ..., "offset": ..., "filename": ...[, extra]}
 * sorted bytewise by key, then timestamp. length/offset are the record's zstd
 * frame in filename, so one ranged read plus `zstd -d` yields the record.
 * Numbers are written as JSON strings, as pywb's indexer does. Revisit lines
 * carry mime "warc/revisit" (what pywb and warcio's indexers write, and what
 * pywb keys on to resolve a revisit) and the status of the HTTP header the
 * revisit carries. A findings metadata record (application/vnd.custody.
 * findings+json) adds "doxing" and "findings" to the line of the response it
 * refers to (WARC-Refers-To).
 *
 * The index is derived data: cdxj_rebuild reads every capture file with the
 * streaming reader and replaces index.cdxj atomically (temp file + rename),
 * so a crash never leaves a half-written index.
 *
 * Must never: index a record it could not read, write an unsorted file, or
 * leave index.cdxj partially written.
 */
#include "archive.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

/* ---------------------------------------------------------------- SURT */

/*
 * cdxj_surt computes the key pywb computes for a URL: pywb looks a capture up
 * by running the python `surt` package (surt.surt(url), defaults: Google and
 * IA canonicalization, no scheme, no trailing comma, IP addresses reversed)
 * over the requested URL and searching the index for that exact key, so a key
 * that differs by one byte is a capture pywb cannot find. Steps, in surt's
 * order:
 *   parse  trim, drop TAB/CR/LF anywhere, "http://" when there is no scheme,
 *          "http://https://x" read as "https://x", "http:///x" as "http://x"
 *   host   user:pass dropped, ".." -> ".", dots trimmed, all-digit and
 *          dotted decimal/octal forms -> dotted quad, lower case, "www\d*."
 *          dropped, labels reversed and joined with ','
 *   port   dropped when it is the scheme's default (http 80, https 443) or 0
 *   path   "." and ".." resolved, empty segments dropped, "/" when empty,
 *          lower case, an ASP.NET "(S(...))/" session segment dropped, a
 *          trailing "/" dropped (but "/" stays)
 *   query  session ids dropped (jsessionid, phpsessid, sid, ASPSESSIONID,
 *          cfid+cftoken), lower case, arguments sorted as (name, value)
 *          pairs, an empty query and its "?" dropped
 *   #frag  dropped
 * Percent escapes: host, path and query are decoded repeatedly ("%2541" ->
 * "%41" -> "A") before anything else looks at them, so "%2F" is a '/' when
 * the path is normalised and "%26" a '&' when the query is split (surt's own
 * xfail test keeps that behaviour; pywb depends on it). Then every byte
 * outside 0x21..0x7e, '#' and '%' is escaped once as "%xx", so the key stays
 * one token of the index line whatever the URL holds. A host that is not
 * ASCII after decoding goes through IDNA (punycode) as python's codec does;
 * see idna_host for the part of nameprep that is not reproduced.
 */

typedef struct {
	const char *p;
	size_t n;
} span_t;

static char lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Append n bytes, lower-cased, escaped as surt's escapeOnce escapes after
 * unescapeRepeatedly: every byte outside 0x21..0x7e, '#' and '%' (after
 * decoding, a '%' is a literal per cent sign). Hex digits are lower case,
 * as the IA canonicalizer lower-cases what Google's step escaped. */
static int put_key(arc_buf_t *b, const char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '#') {
			char e[3] = { '%', hx[c >> 4], hx[c & 15] };
			if (arc_buf_append(b, e, 3))
				return ARC_ENOMEM;
		} else {
			char l = lc((char)c);
			if (arc_buf_append(b, &l, 1))
				return ARC_ENOMEM;
		}
	}
	return ARC_OK;
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* surt's unescapeRepeatedly: "%XX" (two hex digits) becomes the byte, again
 * and again until nothing changes ("%2541" -> "%41" -> "A"). out is
 * replaced. Every pass that changes something shortens the text, so this
 * ends after at most n/3 passes. */
static int unescape_rep(const char *p, size_t n, arc_buf_t *out)
{
	int changed = 1;

	out->len = 0;
	if (arc_buf_append(out, p, n) || arc_buf_append(out, "", 0))
		return ARC_ENOMEM;
	while (changed) {
		size_t i, w = 0;
		unsigned char *d = out->data;
		changed = 0;
		for (i = 0; i < out->len; i++) {
			if (d[i] == '%' && i + 2 < out->len && is_hex((char)d[i + 1]) && is_hex((char)d[i + 2])) {
				d[w++] = (unsigned char)(hexval((char)d[i + 1]) * 16 + hexval((char)d[i + 2]));
				i += 2;
				changed = 1;
			} else {
				d[w++] = d[i];
			}
		}
		out->len = w;
	}
	return ARC_OK;
}

/* ---------------------------------------------------------------- IDNA */

/*
 * A host that is not ASCII once unescaped is converted as python's "idna"
 * codec (IDNA 2003 ToASCII) converts it: UTF-8 read with invalid bytes
 * dropped, labels split at the four IDNA dots, each non-ASCII label
 * nameprep'd then punycoded with "xn--". When the codec would fail surt keeps
 * the host as it was (then escaped); so does this code. Nameprep here is the
 * mapping of table B.1, case folding of Latin (Latin-1, Latin Extended-A),
 * Greek and Cyrillic capitals, and the prohibitions of tables C.1.2-C.9;
 * NFKC and the bidi rule are not applied (a host that needs them keys
 * differently from surt, and is then only found by its exact URL).
 */

static int utf8_next(const unsigned char *p, size_t n, size_t *i, uint32_t *cp)
{
	unsigned char c = p[*i];
	size_t want, k;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 1;
	}
	want = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
	if (!want || *i + want > n) {
		(*i)++;
		return 0;
	}
	v = c & (want == 2 ? 0x1f : want == 3 ? 0x0f : 0x07);
	for (k = 1; k < want; k++) {
		if ((p[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0;
		}
		v = (v << 6) | (p[*i + k] & 0x3f);
	}
	if ((want == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (want == 4 && (v < 0x10000 || v > 0x10ffff))) {
		(*i)++;
		return 0;
	}
	*i += want;
	*cp = v;
	return 1;
}

static int prohibited(uint32_t c)
{
	return c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200f) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	       (c >= 0x80 && c <= 0x9f) || c == 0x6dd || c == 0x70f || c == 0x180e ||
	       (c >= 0x2060 && c <= 0x2063) || (c >= 0x206a && c <= 0x206f) ||
	       (c >= 0xfff9 && c <= 0xfffd) || (c >= 0x1d173 && c <= 0x1d17a) ||
	       (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000 || (c >= 0xfdd0 && c <= 0xfdef) ||
	       (c & 0xfffe) == 0xfffe || (c >= 0xd800 && c <= 0xdfff) ||
	       (c >= 0x2ff0 && c <= 0x2ffb) || c == 0x340 || c == 0x341 ||
	       (c >= 0x202a && c <= 0x202e) || c == 0xe0001 || (c >= 0xe0020 && c <= 0xe007f);
}

/* table B.1 (deleted) and the case folding described above; 0 = deleted */
static size_t nameprep_map(uint32_t c, uint32_t out[2])
{
	if (c == 0xad || c == 0x34f || c == 0x1806 || (c >= 0x180b && c <= 0x180d) ||
	    (c >= 0x200b && c <= 0x200d) || c == 0x2060 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff)
		return 0;
	if (c == 0xdf) {
		out[0] = out[1] = 's';
		return 2;
	}
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
	    (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) || (c >= 0x410 && c <= 0x42f))
		c += 0x20;
	else if (c >= 0x400 && c <= 0x40f)
		c += 0x50;
	else if (c == 0x178)
		c = 0xff;
	else if (c == 0x17f)
		c = 's';
	else if ((c >= 0x100 && c <= 0x137 && !(c & 1) && c != 0x130) || (c >= 0x14a && c <= 0x177 && !(c & 1)) ||
	         (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && (c & 1)))
		c += 1;
	out[0] = c;
	return 1;
}

/* RFC 3492 punycode of cp[0..n), appended to out; 0 or -1 */
static int punycode(const uint32_t *cp, size_t n, arc_buf_t *out)
{
	uint32_t m, delta = 0, bias = 72, nn = 128, q, k, t;
	size_t h, b = 0, j;

	for (j = 0; j < n; j++)
		if (cp[j] < 0x80) {
			char c = (char)cp[j];
			if (arc_buf_append(out, &c, 1))
				return -1;
			b++;
		}
	if (b && arc_buf_append(out, "-", 1))
		return -1;
	for (h = b; h < n; nn++, delta++) {
		for (m = 0xffffffffu, j = 0; j < n; j++)
			if (cp[j] >= nn && cp[j] < m)
				m = cp[j];
		if ((m - nn) > (0xffffffffu - delta) / (uint32_t)(h + 1))
			return -1;
		delta += (m - nn) * (uint32_t)(h + 1);
		nn = m;
		for (j = 0; j < n; j++) {
			if (cp[j] < nn && ++delta == 0)
				return -1;
			if (cp[j] != nn)
				continue;
			for (q = delta, k = 36;; k += 36) {
				char d;
				t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
				if (q < t)
					break;
				d = (char)(t + (q - t) % (36 - t));
				d = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				if (arc_buf_append(out, &d, 1))
					return -1;
				q = (q - t) / (36 - t);
			}
			{
				char d = (char)(q < 26 ? 'a' + q : '0' + q - 26);
				if (arc_buf_append(out, &d, 1))
					return -1;
			}
			/* adapt */
			{
				uint32_t dl = (h == b) ? delta / 700 : delta / 2;
				dl += dl / (uint32_t)(h + 1);
				for (k = 0; dl > ((36 - 1) * 26) / 2; k += 36)
					dl /= 36 - 1;
				bias = k + (36 * dl) / (dl + 38);
			}
			delta = 0;
			h++;
		}
	}
	return 0;
}

/* python's host.decode('utf-8', 'ignore').encode('idna'); 0 with out set,
 * or -1 when the codec would raise (the caller keeps the host). */
static int idna_host(const unsigned char *h, size_t n, arc_buf_t *out)
{
	uint32_t *cp, *lab;
	size_t ncp = 0, i = 0, s, j, nl, labels = 0;
	int ascii = 1, rc = 0;

	out->len = 0;
	if (n > 4096)
		return -1;
	cp = malloc((n + 1) * sizeof *cp);
	lab = malloc((2 * n + 1) * sizeof *lab);
	if (!cp || !lab) {
		free(cp);
		free(lab);
		return -1;
	}
	while (i < n) {
		uint32_t c;
		if (utf8_next(h, n, &i, &c)) {
			if (c == 0x3002 || c == 0xff0e || c == 0xff61)
				c = '.';
			else if (c >= 0x80)
				ascii = 0;
			cp[ncp++] = c;
		}
	}
	/* labels; a final empty label is the trailing dot */
	for (s = 0, j = 0; j <= ncp && rc == 0; j++) {
		int last = j == ncp, lascii = 1;
		size_t k;
		if (!last && cp[j] != '.')
			continue;
		if (last && j == s && labels > 0) {
			rc = arc_buf_append(out, ".", 1) ? -1 : 0;
			break;
		}
		for (k = s; k < j; k++)
			lascii &= cp[k] < 0x80;
		if (labels && arc_buf_append(out, ".", 1))
			rc = -1;
		if (rc == 0 && (ascii || lascii)) {
			if (j == s || j - s >= 64)
				rc = -1;
			for (k = s; k < j && rc == 0; k++) {
				char c = (char)cp[k];
				rc = arc_buf_append(out, &c, 1) ? -1 : 0;
			}
		} else if (rc == 0) {
			size_t before = out->len;
			uint32_t m[2];
			nl = 0;
			for (k = s; k < j && rc == 0; k++) {
				size_t z, nm = nameprep_map(cp[k], m);
				for (z = 0; z < nm; z++) {
					if (prohibited(m[z]))
						rc = -1;
					lab[nl++] = m[z];
				}
			}
			for (k = 0, lascii = 1; k < nl; k++)
				lascii &= lab[k] < 0x80;
			if (rc == 0 && lascii) {
				for (k = 0; k < nl && rc == 0; k++) {
					char c = (char)lab[k];
					rc = arc_buf_append(out, &c, 1) ? -1 : 0;
				}
			} else if (rc == 0) {
				if (nl >= 4 && lab[0] == 'x' && lab[1] == 'n' && lab[2] == '-' && lab[3] == '-')
					rc = -1;
				else if (arc_buf_append(out, "xn--", 4) || punycode(lab, nl, out))
					rc = -1;
			}
			if (rc == 0 && (out->len == before || out->len - before >= 64))
				rc = -1;
		}
		labels++;
		s = j + 1;
	}
	free(cp);
	free(lab);
	return rc;
}

/* The key of something that is no URL with a host (no scheme to parse, no
 * host): the text itself, lower-cased and escaped. */
static int put(char *out, size_t outsz, const char *p, size_t n)
{
	arc_buf_t b = { 0 };
	int rc = put_key(&b, p, n);

	if (rc == ARC_OK && b.len >= outsz)
		rc = ARC_ELIMIT;
	if (rc == ARC_OK) {
		memcpy(out, b.data ? (char *)b.data : "", b.len);
		out[b.len] = '\0';
	}
	arc_buf_free(&b);
	return rc;
}

static int starts_http(const char *s, size_t n)
{
	return (n >= 7 && !memcmp(s, "http://", 7)) ? 7 : (n >= 8 && !memcmp(s, "https://", 8)) ? 8 : 0;
}

/* surt's attemptIPFormats: an all-digit host is a 32-bit number (masked, as
 * surt does); dotted decimal or octal forms are read as inet_aton reads them
 * (what the resolver surt asks does for a numeric name). 1 and out set, or 0. */
static int ip_form(const char *h, size_t n, char out[16])
{
	size_t i, parts = 1;
	int octal;
	char tmp[64];
	struct in_addr a;

	if (n == 0 || n >= sizeof tmp)
		return 0;
	for (i = 0; i < n && h[i] >= '0' && h[i] <= '9'; i++)
		;
	if (i == n) {
		uint32_t v = 0;
		for (i = 0; i < n; i++)
			v = v * 10u + (uint32_t)(h[i] - '0'); /* mod 2^32, as surt masks */
		snprintf(out, 16, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
		return 1;
	}
	/* ^[1-9][0-9]*(\.[0-9]+){0,3}$ or ^0[0-7]*(\.[0-7]+){0,3}$ */
	octal = h[0] == '0';
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (i == 0 || h[i - 1] == '.' || i + 1 == n || ++parts > 4)
				return 0;
		} else if (h[i] < '0' || h[i] > (octal ? '7' : '9')) {
			return 0;
		}
	}
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	return inet_aton(tmp, &a) && inet_ntop(AF_INET, &a, out, 16) != NULL;
}

/* surt's normalizePath over p (a host's path, already unescaped): "" -> "/", "." dropped, ".."
 * pops the previous kept segment (or is kept when there is none), empty
 * segments dropped except a final one (the trailing slash). */
static int norm_path(const char *p, size_t n, arc_buf_t *out)
{
	span_t *seg;
	size_t ns = 0, i, s, k;
	int rc = ARC_OK;

	out->len = 0;
	if (n == 0)
		return arc_buf_append(out, "/", 1) ? ARC_ENOMEM : ARC_OK;
	seg = malloc((n + 1) * sizeof *seg);
	if (!seg)
		return ARC_ENOMEM;
	/* split on '/', skipping what precedes the first '/' as surt does */
	s = 0;
	for (i = 0, k = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (k++ > 0) {
			span_t t = { p + s, i - s };
			int dot = t.n == 1 && t.p[0] == '.';
			int dotdot = t.n == 2 && t.p[0] == '.' && t.p[1] == '.';
			if (dotdot && ns > 0)
				ns--;
			else if (!dot)
				seg[ns++] = t;
		}
		s = i + 1;
	}
	rc = arc_buf_append(out, "/", 1);
	for (i = 0; rc == ARC_OK && ns > 0 && i + 1 < ns; i++)
		if (seg[i].n)
			rc = arc_buf_append(out, seg[i].p, seg[i].n) || arc_buf_append(out, "/", 1);
	if (rc == ARC_OK && ns > 0)
		rc = arc_buf_append(out, seg[ns - 1].p, seg[ns - 1].n);
	free(seg);
	return rc ? ARC_ENOMEM : ARC_OK;
}

/* surt's stripPathSessionID, on a lower-cased path: ".../(s(<24>))/x.aspx"
 * or ".../(<24>)/x.aspx" loses the parenthesised segment. Both patterns are
 * applied in turn; the last '/' that gives a match wins (a greedy ".*\/"). */
static size_t aspx_token(const char *p, size_t n, int multi)
{
	size_t i = 0, j, reps = 0;

	if (n < 1 || p[0] != '(')
		return 0;
	i = 1;
	for (;;) {
		if (multi) {
			if (i + 2 > n || !is_alpha(p[i]) || p[i + 1] != '(')
				break;
			j = i + 2;
		} else {
			if (reps)
				break;
			j = i;
		}
		for (; j < n && j - (i + (multi ? 2 : 0)) < 24 && is_alnum(p[j]); j++)
			;
		if (j - (i + (multi ? 2 : 0)) != 24 || j >= n || p[j] != ')')
			return 0;
		i = j + 1;
		reps++;
		if (!multi)
			break;
	}
	if (!reps)
		return 0;
	if (multi) {
		if (i + 2 > n || p[i] != ')' || p[i + 1] != '/')
			return 0;
		return i + 2;
	}
	return (i + 1 <= n && p[i] == '/') ? i + 1 : 0;
}

static void strip_path_session(arc_buf_t *b)
{
	int multi;

	for (multi = 1; multi >= 0; multi--) {
		size_t j = b->len;
		while (j-- > 0) {
			const char *p = (const char *)b->data;
			size_t t, r, k;
			if (p[j] != '/')
				continue;
			t = aspx_token(p + j + 1, b->len - j - 1, multi);
			if (!t)
				continue;
			r = j + 1 + t; /* rest: [^?]+\.aspx.* */
			for (k = r + 1; k + 5 <= b->len; k++)
				if (!memcmp(p + k, ".aspx", 5))
					break;
			if (k + 5 > b->len)
				continue;
			memmove(b->data + j + 1, b->data + r, b->len - r);
			b->len -= r - j - 1;
			b->data[b->len] = '\0';
			break;
		}
	}
}

/* surt's stripQuerySessionID: "^(.*)NAME=VALUE(?:&(.*))?$", case-insensitive,
 * each pattern once, in order; the greedy "(.*)" makes the last match win. */
static size_t sid_match(const char *q, size_t n, int which)
{
	static const char *const names[] = { "jsessionid=", "phpsessid=", "sid=", "aspsessionid", "cfid=" };
	size_t ln = strlen(names[which]), i = ln, k;

	if (n < ln || strncasecmp(q, names[which], ln))
		return 0;
	switch (which) {
	case 3: /* ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24} */
		for (k = 0; k < 8; k++, i++)
			if (i >= n || !is_alpha(q[i]))
				return 0;
		if (i >= n || q[i++] != '=')
			return 0;
		for (k = 0; k < 24; k++, i++)
			if (i >= n || !is_alpha(q[i]))
				return 0;
		return i;
	case 4: /* cfid=[^&]+&cftoken=[^&]+ */
		for (k = i; i < n && q[i] != '&'; i++)
			;
		if (i == k || n - i < 9 || strncasecmp(q + i, "&cftoken=", 9))
			return 0;
		i += 9;
		for (k = i; i < n && q[i] != '&'; i++)
			;
		return i > k ? i : 0;
	default: /* [0-9a-zA-Z]{32} */
		for (k = 0; k < 32; k++, i++)
			if (i >= n || !is_alnum(q[i]))
				return 0;
		return i;
	}
}

static void strip_query_session(arc_buf_t *b)
{
	int which;

	for (which = 0; which < 5; which++) {
		size_t i = b->len + 1;
		while (i-- > 0) {
			size_t e = sid_match((const char *)b->data + i, b->len - i, which), cut;
			if (!e)
				continue;
			e += i;
			if (e < b->len && b->data[e] != '&')
				continue;
			cut = e < b->len ? e + 1 : e; /* "&" before the rest goes too */
			memmove(b->data + i, b->data + cut, b->len - cut);
			b->len -= cut - i;
			b->data[b->len] = '\0';
			break;
		}
	}
}

/* Python's sort of (name,) / (name, value) tuples: names bytewise, then an
 * argument without '=' first, then values bytewise. */
static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	return c ? c : (na < nb ? -1 : na > nb);
}

static int cmp_arg(const void *x, const void *y)
{
	const span_t *a = x, *b = y;
	const char *ea = memchr(a->p, '=', a->n), *eb = memchr(b->p, '=', b->n);
	size_t ka = ea ? (size_t)(ea - a->p) : a->n, kb = eb ? (size_t)(eb - b->p) : b->n;
	int c = cmp_bytes(a->p, ka, b->p, kb);

	if (c)
		return c;
	if (!ea || !eb)
		return !ea && !eb ? 0 : (!ea ? -1 : 1);
	return cmp_bytes(ea + 1, a->n - ka - 1, eb + 1, b->n - kb - 1);
}

static int sort_query(arc_buf_t *b)
{
	span_t *args;
	size_t na = 1, i, s;
	char *copy;
	int rc = ARC_OK;

	if (b->len <= 1)
		return ARC_OK;
	for (i = 0; i < b->len; i++)
		na += b->data[i] == '&';
	args = malloc(na * sizeof *args);
	copy = malloc(b->len);
	if (!args || !copy) {
		free(args);
		free(copy);
		return ARC_ENOMEM;
	}
	memcpy(copy, b->data, b->len);
	for (i = 0, s = 0, na = 0; i <= b->len; i++) {
		if (i < b->len && copy[i] != '&')
			continue;
		args[na].p = copy + s;
		args[na++].n = i - s;
		s = i + 1;
	}
	qsort(args, na, sizeof *args, cmp_arg);
	b->len = 0;
	for (i = 0; i < na && rc == ARC_OK; i++)
		rc = (i && arc_buf_append(b, "&", 1)) || arc_buf_append(b, args[i].p, args[i].n);
	free(args);
	free(copy);
	return rc ? ARC_ENOMEM : ARC_OK;
}

int cdxj_surt(const char *url, char *out, size_t outsz)
{
	arc_buf_t u = { 0 }, key = { 0 }, tmp = { 0 }, q = { 0 }, d = { 0 };
	const char *s, *e, *scheme, *auth = NULL, *path, *query = NULL, *host, *hend, *port = NULL;
	size_t slen, alen = 0, plen, qlen = 0, n, i, portlen = 0;
	int rc = ARC_OK, has_query;
	char ip[16];

	if (!url || !out || outsz < 2)
		return ARC_EINVAL;
	out[0] = '\0';
	/* ARC/WARC file headers: surt returns them as they are */
	if (!strncmp(url, "filedesc", 8)) {
		size_t ul = strlen(url);
		for (i = 0; i < ul && (unsigned char)url[i] > 0x20 && (unsigned char)url[i] < 0x7f; i++)
			;
		if (i < ul) /* a key must stay one token: escaped instead */
			return put(out, outsz, url, ul);
		if (ul >= outsz)
			return ARC_ELIMIT;
		memcpy(out, url, ul + 1);
		return ARC_OK;
	}
	/* trim ASCII white space (python's bytes.strip), drop TAB/CR/LF anywhere */
	s = url;
	e = url + strlen(url);
	while (s < e && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	while (e > s && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
		e--;
	if (s == e)
		return put(out, outsz, "-", 1);
	for (; s < e && rc == ARC_OK; s++)
		if (*s != '\t' && *s != '\r' && *s != '\n')
			rc = arc_buf_append(&u, s, 1);
	if (rc != ARC_OK)
		goto done;
	/* a scheme is [A-Za-z][A-Za-z0-9+.-]*: ; without one surt assumes http:// */
	for (i = 1; i < u.len && (is_alnum((char)u.data[i]) || u.data[i] == '+' ||
	                          u.data[i] == '.' || u.data[i] == '-'); i++)
		;
	if (!is_alpha((char)u.data[0]) || i >= u.len || u.data[i] != ':') {
		if ((rc = arc_buf_append(&tmp, "http://", 7)) || (rc = arc_buf_append(&tmp, u.data, u.len)))
			goto done;
		arc_buf_free(&u);
		u = tmp;
		memset(&tmp, 0, sizeof tmp);
	}
	s = (const char *)u.data;
	n = u.len;
	/* "http://https://x" is "https://x" */
	while ((i = (size_t)starts_http(s, n)) && starts_http(s + i, n - i)) {
		s += i;
		n -= i;
	}
	scheme = s;
	slen = strcspn(s, ":");
	s += slen + 1;
	/* RFC 2396 appendix B split */
	if (s[0] == '/' && s[1] == '/') {
		auth = s + 2;
		alen = strcspn(auth, "/?#");
		s = auth + alen;
	}
	path = s;
	plen = strcspn(path, "?#");
	has_query = path[plen] == '?';
	if (has_query) {
		query = path + plen + 1;
		qlen = strcspn(query, "#");
	}

	/* host and port from the authority: user:pass@ dropped, "host:" is "host" */
	host = hend = NULL;
	if (auth) {
		const char *a = auth, *ae = auth + alen, *at;
		while (ae > a && ae[-1] == ':')
			ae--;
		for (at = ae; at > a && at[-1] != '@'; at--)
			;
		a = at;
		if ((hend = memchr(a, '[', (size_t)(ae - a))) != NULL) {
			/* python's reading: the host is what the brackets hold */
			host = hend + 1;
			hend = memchr(host, ']', (size_t)(ae - host));
			if (!hend)
				hend = ae;
			port = memchr(hend, ':', (size_t)(ae - hend));
		} else {
			host = a;
			hend = memchr(a, ':', (size_t)(ae - a));
			port = hend;
			if (!hend)
				hend = ae;
		}
		if (port) {
			port++;
			portlen = (size_t)(ae - port);
		}
	}
	/* "http:////host/x": the host is the path's first segment */
	if ((!host || host == hend) && slen >= 4 && !memcmp(scheme, "http", 4) && plen) {
		while (plen && *path == '/') {
			path++;
			plen--;
		}
		host = path;
		hend = path + strcspn(path, "/?#");
		plen -= (size_t)(hend - path);
		path = hend;
		if (host == hend) {
			rc = ARC_EINVAL;
			goto done;
		}
		/* the path is "/" + what followed the host; norm_path adds the '/' */
	}

	if (!host || host == hend) {
		if (auth || (slen >= 4 && !strncasecmp(scheme, "http", 4))) {
			rc = ARC_EINVAL; /* an authority without a host: no key */
			goto done;
		}
		/* no host (dns:, mailto:, urn:): scheme as written, then the path,
		 * unescaped and escaped once, not normalised */
		if ((rc = arc_buf_append(&key, scheme, slen + 1)) || (rc = unescape_rep(path, plen, &d)) ||
		    (rc = put_key(&tmp, (const char *)d.data, d.len)))
			goto done;
		strip_path_session(&tmp);
		if (tmp.len > 1 && tmp.data[tmp.len - 1] == '/')
			tmp.len--;
		if (!tmp.len && has_query && qlen)
			rc = arc_buf_append(&tmp, "/", 1);
		if (rc || (tmp.len && (rc = arc_buf_append(&key, tmp.data, tmp.len))))
			goto done;
	} else {
		/* host: unescaped; not ASCII -> IDNA; ".." -> "." once over the
		 * text (python's replace), dots trimmed */
		const char *h = host;
		size_t hl;
		if ((rc = unescape_rep(host, (size_t)(hend - host), &d)))
			goto done;
		for (i = 0; i < d.len && d.data[i] < 0x80; i++)
			;
		if (i < d.len && idna_host(d.data, d.len, &q) == 0) {
			d.len = 0;
			if (arc_buf_append(&d, q.data, q.len)) {
				rc = ARC_ENOMEM;
				goto done;
			}
		}
		h = (const char *)d.data;
		hend = h + d.len;
		for (i = 0; h + i < hend && rc == ARC_OK; i++) {
			if (h[i] == '.' && h + i + 1 < hend && h[i + 1] == '.')
				i++;
			rc = arc_buf_append(&tmp, h + i, 1);
		}
		if (rc)
			goto done;
		h = (const char *)tmp.data;
		hl = tmp.len;
		while (hl && *h == '.') {
			h++;
			hl--;
		}
		while (hl && h[hl - 1] == '.')
			hl--;
		if (!hl) {
			rc = ARC_EINVAL;
			goto done;
		}
		if (ip_form(h, hl, ip)) {
			h = ip;
			hl = strlen(ip);
		} else if (!(slen == 3 && !memcmp(scheme, "dns", 3))) {
			/* surt's massageHost: "www\d*." at the start goes */
			if (hl > 3 && !strncasecmp(h, "www", 3)) {
				i = 3;
				while (i < hl && h[i] >= '0' && h[i] <= '9')
					i++;
				if (i < hl && h[i] == '.') {
					h += i + 1;
					hl -= i + 1;
				}
			}
		}
		/* labels in reverse order, comma-separated */
		e = h + hl;
		while (rc == ARC_OK) {
			const char *l = e;
			while (l > h && l[-1] != '.')
				l--;
			rc = put_key(&key, l, (size_t)(e - l));
			if (l == h || rc)
				break;
			rc = arc_buf_append(&key, ",", 1);
			e = l - 1;
		}
		if (rc)
			goto done;
		if (port && portlen) {
			unsigned long pv = 0;
			int valid = 1;
			for (i = 0; i < portlen && valid; i++) {
				if (port[i] < '0' || port[i] > '9')
					valid = 0;
				else if ((pv = pv * 10 + (unsigned long)(port[i] - '0')) > 65535)
					valid = 0;
			}
			if (!valid) { /* surt fails on these; keep what was written */
				if ((rc = arc_buf_append(&key, ":", 1)) || (rc = put_key(&key, port, portlen)))
					goto done;
			} else if (pv != 0 &&
			           !(pv == 80 && slen == 4 && !strncasecmp(scheme, "http", 4)) &&
			           !(pv == 443 && slen == 5 && !strncasecmp(scheme, "https", 5))) {
				if ((rc = arc_buf_printf(&key, ":%lu", pv)))
					goto done;
			}
		}
		if ((rc = arc_buf_append(&key, ")", 1)))
			goto done;
		/* path: unescaped, normalised, escaped once, lower-cased, session
		 * and trailing '/' dropped */
		if ((rc = unescape_rep(path, plen, &d)) || (rc = norm_path((const char *)d.data, d.len, &tmp)))
			goto done;
		q.len = 0;
		if ((rc = put_key(&q, (const char *)tmp.data, tmp.len)))
			goto done;
		strip_path_session(&q);
		if (q.len > 1 && q.data[q.len - 1] == '/')
			q.len--;
		if ((rc = arc_buf_append(&key, q.data, q.len)))
			goto done;
	}
	/* query: escaped and lower-cased, session ids dropped, arguments sorted */
	if (has_query && qlen) {
		q.len = 0;
		if ((rc = unescape_rep(query, qlen, &d)) || (rc = put_key(&q, (const char *)d.data, d.len)))
			goto done;
		strip_query_session(&q);
		if ((rc = sort_query(&q)))
			goto done;
		if (q.len && ((rc = arc_buf_append(&key, "?", 1)) || (rc = arc_buf_append(&key, q.data, q.len))))
			goto done;
	}
	if (key.len >= outsz) {
		rc = ARC_ELIMIT;
		goto done;
	}
	memcpy(out, key.data, key.len);
	out[key.len] = '\0';
done:
	arc_buf_free(&u);
	arc_buf_free(&key);
	arc_buf_free(&tmp);
	arc_buf_free(&q);
	arc_buf_free(&d);
	return rc;
}

/* ---------------------------------------------------------------- one line */

/* JSON string body: escapes quotes, backslashes and control bytes; bytes
 * that are not valid UTF-8 become U+FFFD so the line stays valid JSON. */
static int json_str(arc_buf_t *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (arc_buf_append(b, "\"", 1))
		return ARC_ENOMEM;
	while (*p) {
		int rc;
		size_t n = 1;
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			rc = arc_buf_append(b, e, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			rc = arc_buf_printf(b, "\\u%04x", *p);
		} else if (*p < 0x80) {
			rc = arc_buf_append(b, p, 1);
		} else {
			/* length of a well-formed UTF-8 sequence starting here, or 0 */
			size_t want = (*p >= 0xc2 && *p <= 0xdf) ? 2 : (*p >= 0xe0 && *p <= 0xef) ? 3
			            : (*p >= 0xf0 && *p <= 0xf4) ? 4 : 0, i;
			for (i = 1; i < want; i++)
				if ((p[i] & 0xc0) != 0x80)
					want = 0;
			if (want) {
				n = want;
				rc = arc_buf_append(b, p, n);
			} else {
				rc = arc_buf_append(b, "\\ufffd", 6);
			}
		}
		if (rc)
			return ARC_ENOMEM;
		p += n;
	}
	return arc_buf_append(b, "\"", 1) ? ARC_ENOMEM : ARC_OK;
}

static int json_kv(arc_buf_t *b, const char *k, const char *v)
{
	if (arc_buf_printf(b, ", \"%s\": ", k))
		return ARC_ENOMEM;
	return json_str(b, v);
}

/* Appends the line (no newline) to out. */
int cdxj_format_line(const char *url, const char *warc_date, const char *mime,
                     int status, const char *digest, uint64_t length,
                     uint64_t offset, const char *filename,
                     const char *extra_json, arc_buf_t *out)
{
	char *key, ts[15], num[32];
	size_t start, keysz;
	int rc;

	if (!url || !warc_date || !filename || !out)
		return ARC_EINVAL;
	if (arc_date14(warc_date, ts) != ARC_OK)
		return ARC_EFORMAT;
	/* every byte of the URL can at worst become three in the key */
	keysz = strlen(url);
	if (keysz > (SIZE_MAX - 32) / 3)
		return ARC_ELIMIT;
	keysz = keysz * 3 + 32; /* + room for "http://" and a dotted quad */
	key = malloc(keysz);
	if (!key)
		return ARC_ENOMEM;
	rc = cdxj_surt(url, key, keysz);
	if (rc == ARC_EINVAL) /* no usable host: the URL itself still gives a key */
		rc = put(key, keysz, url, strlen(url));
	if (rc != ARC_OK) {
		free(key);
		return rc;
	}
	start = out->len;
	rc = arc_buf_printf(out, "%s %s {\"url\": ", key, ts) || json_str(out, url);
	free(key);
	if (!rc && mime && *mime)
		rc = json_kv(out, "mime", mime);
	if (!rc && status > 0) {
		snprintf(num, sizeof num, "%d", status);
		rc = json_kv(out, "status", num);
	}
	if (!rc && digest && *digest)
		rc = json_kv(out, "digest", digest);
	if (!rc) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)length);
		rc = json_kv(out, "length", num);
	}
	if (!rc) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)offset);
		rc = json_kv(out, "offset", num);
	}
	if (!rc)
		rc = json_kv(out, "filename", filename);
	if (!rc && extra_json && *extra_json)
		rc = arc_buf_printf(out, ", %s", extra_json);
	if (!rc)
		rc = arc_buf_append(out, "}", 1);
	if (rc) {
		out->len = start;
		return ARC_ENOMEM;
	}
	return ARC_OK;
}

/* ---------------------------------------------------------------- rebuild */

typedef struct {
	char *line;      /* "KEY TS {json" without the closing brace */
	size_t keylen;   /* bytes of "KEY TS" */
	char *id;        /* WARC-Record-ID, angle brackets stripped */
	unsigned file;   /* file number, then offset: a stable tie-break */
	uint64_t offset;
} entry_t;

typedef struct {
	char *refers;    /* record id the findings are about, brackets stripped */
	int doxing;
	size_t findings;
	size_t seq;      /* order read: the last findings record wins */
} finding_t;

typedef struct {
	entry_t *e;
	size_t n, cap;
	finding_t *f;
	size_t nf, capf;
} index_t;

static char *strip_id(const char *s)
{
	size_t n;
	char *d;

	while (*s == ' ' || *s == '<')
		s++;
	n = strcspn(s, "> \t");
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return ARC_OK;
	nc = *cap ? *cap * 2 : 64;
	if (nc > SIZE_MAX / elem)
		return ARC_ENOMEM;
	p = realloc(*v, nc * elem);
	if (!p)
		return ARC_ENOMEM;
	*v = p;
	*cap = nc;
	return ARC_OK;
}

/* HTTP status and media type (no parameters, lower-cased) of a block. */
static void http_facts(const warc_rec_t *rec, int *status, char *mime, size_t mimesz)
{
	size_t hl;
	char *semi;

	*status = 0;
	mime[0] = '\0';
	if (!rec->block || rec->block_len == 0)
		return;
	hl = http_header_end(rec->block, rec->block_len > SIZE_MAX ? SIZE_MAX : (size_t)rec->block_len);
	if (!hl)
		return;
	*status = http_status(rec->block, hl);
	if (http_header_get(rec->block, hl, "Content-Type", mime, mimesz)) {
		size_t i;
		semi = strchr(mime, ';');
		if (semi)
			*semi = '\0';
		for (i = strlen(mime); i > 0 && (mime[i - 1] == ' ' || mime[i - 1] == '\t'); i--)
			mime[i - 1] = '\0';
		for (i = 0; mime[i]; i++)
			mime[i] = lc(mime[i]);
	}
}

static int add_entry(index_t *ix, const warc_rec_t *rec, const char *fname,
                     unsigned fileno, int revisit)
{
	const char *url = warc_rec_get(rec, "WARC-Target-URI");
	const char *date = warc_rec_get(rec, "WARC-Date");
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	const char *pd = warc_rec_get(rec, "WARC-Payload-Digest");
	const char *ct = warc_rec_get(rec, "Content-Type");
	char mime[256];
	int status = 0, rc;
	arc_buf_t line = { 0 };
	entry_t *e;

	if (!url || !date)
		return ARC_EFORMAT;
	mime[0] = '\0';
	if (ct && !strncasecmp(ct, "application/http", 16)) {
		http_facts(rec, &status, mime, sizeof mime);
	} else if (ct) {
		size_t n = strcspn(ct, "; \t");
		if (n >= sizeof mime)
			n = sizeof mime - 1;
		memcpy(mime, ct, n);
		mime[n] = '\0';
	}
	if (revisit)
		memcpy(mime, "warc/revisit", sizeof "warc/revisit");
	rc = cdxj_format_line(url, date, mime, status, pd, rec->length, rec->offset,
	                      fname, NULL, &line);
	if (rc != ARC_OK) {
		arc_buf_free(&line);
		return rc;
	}
	if (grow((void **)&ix->e, &ix->cap, ix->n, sizeof *ix->e)) {
		arc_buf_free(&line);
		return ARC_ENOMEM;
	}
	e = &ix->e[ix->n];
	line.data[--line.len] = '\0'; /* drop "}": findings may extend it */
	e->line = (char *)line.data;
	e->keylen = strcspn(e->line, " ");
	e->keylen += 1 + strcspn(e->line + e->keylen + 1, " ");
	e->id = strip_id(id ? id : "");
	e->file = fileno;
	e->offset = rec->offset;
	if (!e->id) {
		free(e->line);
		return ARC_ENOMEM;
	}
	ix->n++;
	return ARC_OK;
}

/* {"verdict":{"doxing":bool,"score":S},"findings":[...]} */
static int add_findings(index_t *ix, const warc_rec_t *rec)
{
	const char *refers = warc_rec_get(rec, "WARC-Refers-To");
	json_t *root, *v, *d, *fs;
	json_error_t je;
	finding_t *f;

	if (!rec->block || rec->block_len > SIZE_MAX)
		return ARC_OK;
	root = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, &je);
	if (!root)
		return ARC_OK; /* not ours to judge here; the verifier reports it */
	if (!refers) {
		json_t *t = json_object_get(root, "target");
		refers = json_is_string(t) ? json_string_value(t) : NULL;
	}
	v = json_object_get(root, "verdict");
	d = json_is_object(v) ? json_object_get(v, "doxing") : NULL;
	fs = json_object_get(root, "findings");
	if (!refers || !json_is_boolean(d)) {
		json_decref(root);
		return ARC_OK;
	}
	if (grow((void **)&ix->f, &ix->capf, ix->nf, sizeof *ix->f)) {
		json_decref(root);
		return ARC_ENOMEM;
	}
	f = &ix->f[ix->nf];
	f->refers = strip_id(refers);
	f->doxing = json_is_true(d);
	f->findings = json_is_array(fs) ? json_array_size(fs) : 0;
	f->seq = ix->nf;
	json_decref(root);
	if (!f->refers)
		return ARC_ENOMEM;
	ix->nf++;
	return ARC_OK;
}

static int index_file(index_t *ix, const char *dir, const char *fname, unsigned fileno,
                      arc_error_t *err)
{
	char path[PATH_MAX];
	warc_reader_t *r;
	warc_rec_t rec;
	int rc;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, fname) >= sizeof path)
		return arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s/%s: path too long", dir, fname);
	/* an index line needs the HTTP header, not the body: bounded memory
	 * whatever the size of the records */
	warc_reader_opts_t ro = {.block_keep = (uint64_t)HTTP_MAX_HEADER + 4096};
	r = warc_reader_open(path, &ro, err);
	if (!r)
		return err ? err->code : ARC_EIO;
	while ((rc = warc_reader_next(r, &rec, err)) == 1) {
		const char *type = warc_rec_get(&rec, "WARC-Type");
		const char *ct = warc_rec_get(&rec, "Content-Type");
		int a = ARC_OK;
		if (!type)
			continue;
		if (!strcmp(type, "response") || !strcmp(type, "revisit")) {
			a = add_entry(ix, &rec, fname, fileno, !strcmp(type, "revisit"));
			if (a == ARC_EFORMAT)
				a = ARC_OK; /* no URI or date: nothing a replay tool could look up */
		} else if (!strcmp(type, "metadata") && ct &&
		           arc_ct_is(ct, ARC_CT_FINDINGS)) {
			a = add_findings(ix, &rec);
		}
		if (a != ARC_OK) {
			rc = arc_fail(err, a, path, rec.offset, "", "%s: indexing the record at offset %llu: %s",
			              path, (unsigned long long)rec.offset, arc_strerror(a));
			break;
		}
	}
	warc_reader_free(r);
	return rc < 0 ? rc : ARC_OK;
}

static int cmp_entry(const void *a, const void *b)
{
	const entry_t *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c;

	/* "KEY TS": compare the key alone first so "a)/ ..." < "a)/x ..." holds
	 * whatever byte follows the shorter key */
	size_t kx = strcspn(x->line, " "), ky = strcspn(y->line, " ");
	size_t k = kx < ky ? kx : ky;
	c = memcmp(x->line, y->line, k);
	if (c || kx != ky)
		return c ? c : (kx < ky ? -1 : 1);
	c = memcmp(x->line, y->line, n);
	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

static int cmp_refers(const void *a, const void *b)
{
	return strcmp(((const finding_t *)a)->refers, ((const finding_t *)b)->refers);
}

static int cmp_finding(const void *a, const void *b)
{
	const finding_t *x = a, *y = b;
	int c = strcmp(x->refers, y->refers);

	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The index text: appended to b, and when fd >= 0 written out to fd in
 * pieces of about 1 MiB (b is then left empty). */
static int format_index(const index_t *ix, arc_buf_t *b, int fd)
{
	size_t i;
	int rc = ARC_OK;

	for (i = 0; i < ix->n && rc == ARC_OK; i++) {
		const entry_t *e = &ix->e[i];
		finding_t key, *f = NULL;
		memset(&key, 0, sizeof key);
		key.refers = e->id;
		if (ix->nf)
			f = bsearch(&key, ix->f, ix->nf, sizeof *ix->f, cmp_refers);
		while (f && f + 1 < ix->f + ix->nf && !strcmp(f[1].refers, e->id))
			f++;
		if (arc_buf_append(b, e->line, strlen(e->line)) ||
		    (f && arc_buf_printf(b, ", \"doxing\": %s, \"findings\": %zu",
		                         f->doxing ? "true" : "false", f->findings)) ||
		    arc_buf_append(b, "}\n", 2))
			rc = ARC_ENOMEM;
		if (rc == ARC_OK && fd >= 0 && (b->len >= (1u << 20) || i + 1 == ix->n)) {
			if (write_all(fd, b->data, b->len) != 0)
				rc = errno == ENOSPC ? ARC_ENOSPC : ARC_EIO;
			b->len = 0;
		}
	}
	return rc;
}

static int write_index(const index_t *ix, const char *dir, arc_error_t *err)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	arc_buf_t b = { 0 };
	int fd, rc = ARC_OK;

	if ((size_t)snprintf(dst, sizeof dst, "%s/index.cdxj", dir) >= sizeof dst ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.index.cdxj.tmp", dir) >= sizeof tmp)
		return arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s: path too long", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		return arc_fail(err, ARC_EIO, tmp, 0, NULL, "cannot create %s: %s", tmp, strerror(e));
	}
	rc = format_index(ix, &b, fd);
	arc_buf_free(&b);
	if (rc == ARC_OK && fsync(fd) != 0)
		rc = ARC_EIO;
	if (close(fd) != 0 && rc == ARC_OK)
		rc = ARC_EIO;
	if (rc == ARC_OK && rename(tmp, dst) != 0)
		rc = ARC_EIO;
	if (rc != ARC_OK) {
		int e = errno;
		unlink(tmp);
		return arc_fail(err, rc, dst, 0, NULL, "cannot write %s: %s", dst,
		                rc == ARC_ENOMEM ? "out of memory" : strerror(e));
	}
	/* make the rename itself durable */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return ARC_OK;
}

/* Index lines by key, findings by the record they refer to (what
 * format_index and write_index expect). */
static void index_sort(index_t *ix)
{
	if (ix->n)
		qsort(ix->e, ix->n, sizeof *ix->e, cmp_entry);
	if (ix->nf)
		qsort(ix->f, ix->nf, sizeof *ix->f, cmp_finding);
}

static void index_free(index_t *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->e[i].line);
		free(ix->e[i].id);
	}
	for (size_t i = 0; i < ix->nf; i++)
		free(ix->f[i].refers);
	free(ix->e);
	free(ix->f);
}

int cdxj_rebuild(const char *dir, arc_error_t *err)
{
	arc_case_files_t files;
	size_t i;
	index_t ix;
	int rc = ARC_OK, first_err = ARC_OK;
	arc_error_t e1;

	if (!dir)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "cdxj_rebuild: no directory");
	memset(&ix, 0, sizeof ix);
	memset(&e1, 0, sizeof e1);
	if ((rc = arc_case_files(dir, &files, err)) != ARC_OK)
		return rc;
	const size_t nn = files.n;
	/* numeric order: capture-100000 comes after capture-99999 */
	for (i = 0; i < nn && rc == ARC_OK; i++) {
		int r = index_file(&ix, dir, files.v[i].name, (unsigned)i, &e1);
		if (r == ARC_ENOMEM)
			rc = r;
		else if (r != ARC_OK && first_err == ARC_OK)
			first_err = r; /* a damaged file: index what could be read, say so */
	}
	if (rc == ARC_OK) {
		index_sort(&ix);
		rc = write_index(&ix, dir, err);
	} else {
		arc_fail(err, rc, dir, 0, NULL, "%s: out of memory while indexing", dir);
	}
	index_free(&ix);
	arc_case_files_free(&files);
	if (rc == ARC_OK && first_err != ARC_OK) {
		if (err)
			*err = e1;
		return first_err;
	}
	return rc;
}

int cdxj_build(const char *dir, const char *const *names, size_t n, arc_buf_t *out,
               arc_error_t *err)
{
	index_t ix;
	size_t i;
	int rc = ARC_OK;

	if (!dir || (!names && n) || !out)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "cdxj_build: bad arguments");
	memset(&ix, 0, sizeof ix);
	for (i = 0; i < n && rc == ARC_OK; i++)
		rc = index_file(&ix, dir, names[i], (unsigned)i, err);
	if (rc == ARC_OK) {
		index_sort(&ix);
		if ((rc = format_index(&ix, out, -1)) != ARC_OK)
			arc_fail(err, rc, dir, 0, NULL, "%s: out of memory while indexing", dir);
	}
	index_free(&ix);
	return rc;
}
