/*
 * fuzz_textmap.c — textmap_build on arbitrary bytes under each kind of
 * content type: it must never crash, and every map it returns must keep its
 * invariants (ranges inside the payload, segments ordered and non-empty,
 * text valid UTF-8). The first input byte picks the content type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textmap.h"

static const char *const TYPES[] = {
	NULL, "text/html", "text/html; charset=gbk", "text/html; charset=big5",
	"application/json", "application/json; charset=utf-16le", "text/plain",
	"text/plain; charset=shift_jis", "application/xml", "text/html; charset=euc-kr",
	"text/html; charset=windows-1251", "text/html; charset=utf-16be",
};

static int valid_utf8(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
		         : c >= 0xF0 && c < 0xF5 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *ct = TYPES[data[0] % (sizeof TYPES / sizeof TYPES[0])];
	data++;
	size--;
	textmap_t m;
	arc_error_t err;
	if (textmap_build(ct, data, size, &m, &err) != 0)
		return 0;
	if (!m.text || m.text[m.len] != 0 || !valid_utf8((const unsigned char *)m.text, m.len))
		abort();
	for (size_t i = 0; i < m.len; i++)
		if (m.src_start[i] > m.src_end[i] || m.src_end[i] > size)
			abort();
	size_t prev = 0;
	for (size_t k = 0; k < m.nseg; k++) {
		const textmap_seg_t *s = &m.seg[k];
		if (s->text_start < prev || s->text_end <= s->text_start || s->text_end > m.len || !s->xpath ||
		    !valid_utf8((const unsigned char *)s->xpath, strlen(s->xpath)))
			abort();
		for (size_t i = s->text_start + 1; i < s->text_end; i++)
			if (m.src_start[i] < m.src_start[i - 1])
				abort();
		if (textmap_seg_at(&m, s->text_start) != (long)k)
			abort();
		prev = s->text_end;
	}
	textmap_free(&m);
	return 0;
}
