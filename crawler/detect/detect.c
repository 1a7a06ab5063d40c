/*
 * detect.c — detection of exposed personal data in one payload: text map,
 * single scan, offsets back into the payload, hashes, page verdict, and the
 * findings record body.
 *
 * A finding is evidence only through its byte range: the scan runs on
 * normalized UTF-8 (textmap.h), and every match [a,b) of that text is mapped
 * back to payload[src_start[a], src_end[b-1]) in the payload's own encoding;
 * sha256 is taken over exactly those payload bytes, so anyone can re-check a
 * finding against the archived record without trusting this parser.
 *
 * The page verdict is computed by dt_verdict() in verdict.c. A payload
 * longer than TEXTMAP_MAX_INPUT is scanned up to that bound and the result
 * says so (scanned_bytes, truncated; "scanned" in the record body).
 *
 * Must never: report an offset outside the payload, or a hash of anything
 * but payload[start,end).
 */
#include "detect_int.h"
#include "disguise_int.h"
#include "textmap.h"

#include <iconv.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_CONTEXT_CHARS 30

/* ---------------------------------------------------------------- text helpers */

/* Copy s[0,n) as valid UTF-8 (invalid bytes become U+FFFD); malloc'd. */
static char *utf8_clean(const char *s, size_t n)
{
	char *o = malloc(n * 3 + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t adv;
		uint32_t cp = dt_utf8_at(s, n, i, &adv);
		if (cp == 0xFFFD && adv == 1 && (unsigned char)s[i] >= 0x80) {
			memcpy(o + k, "\xEF\xBF\xBD", 3);
			k += 3;
		} else if (cp == 0) {
			o[k++] = ' ';
		} else {
			memcpy(o + k, s + i, adv);
			k += adv;
		}
		i += adv;
	}
	o[k] = '\0';
	return o;
}

/* The payload bytes of a finding as UTF-8 (converted from the page charset). */
static char *source_text(const char *charset, const unsigned char *p, size_t n)
{
	if (!charset[0] || !strcasecmp(charset, "UTF-8") || !strcasecmp(charset, "US-ASCII"))
		return utf8_clean((const char *)p, n);
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 4 + 8;
	char *o = malloc(cap);
	if (!o) {
		iconv_close(cd);
		return NULL;
	}
	char *in = (char *)p, *out = o;
	size_t il = n, ol = cap - 1;
	size_t rc = iconv(cd, &in, &il, &out, &ol);
	iconv_close(cd);
	if (rc == (size_t)-1) {
		free(o);
		return NULL;
	}
	*out = '\0';
	char *c = utf8_clean(o, (size_t)(out - o));
	free(o);
	return c;
}

static size_t back_chars(const char *t, size_t pos, int k)
{
	while (pos > 0 && k > 0) {
		pos--;
		while (pos > 0 && ((unsigned char)t[pos] & 0xC0) == 0x80)
			pos--;
		k--;
	}
	return pos;
}

static size_t fwd_chars(const char *t, size_t len, size_t pos, int k)
{
	while (pos < len && k > 0) {
		pos++;
		while (pos < len && ((unsigned char)t[pos] & 0xC0) == 0x80)
			pos++;
		k--;
	}
	return pos;
}

/* seen: for a disguised finding, its text as written, put in the window in
 * place of the de-disguised identifier (so a reader, and the report's
 * highlight, find it as captured); NULL: the text map's own. */
static char *context_of(const textmap_t *m, size_t ts, size_t te, const char *seen)
{
	size_t a = back_chars(m->text, ts, DETECT_CONTEXT_CHARS);
	size_t b = fwd_chars(m->text, m->len, te, DETECT_CONTEXT_CHARS);
	char *c;
	if (seen) {
		size_t sl = strlen(seen);
		char *w = malloc((ts - a) + sl + (b - te) + 1);
		if (!w)
			return NULL;
		memcpy(w, m->text + a, ts - a);
		memcpy(w + (ts - a), seen, sl);
		memcpy(w + (ts - a) + sl, m->text + te, b - te);
		c = utf8_clean(w, (ts - a) + sl + (b - te));
		free(w);
	} else {
		c = utf8_clean(m->text + a, b - a);
	}
	if (c)
		for (char *p = c; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
	return c;
}

/* ---------------------------------------------------------------- JSON keys */

/* The key of a JSON value from its segment's xpath: the last key step of
 * the JSON path after the last "$" that starts one ("$.user.qq" -> "qq",
 * "$['a.b']" -> "a.b", "$.phones[1]" -> "phones", "/html/body/script[1]/$.name"
 * -> "name"). Not a JSON value (no such path, or HTML inside a JSON string:
 * a '/' after it): 0. Paths are read forward, step by step, as json_text.c
 * writes them. */
static int json_key_of(const char *xp, const char **key, size_t *klen)
{
	const char *p = xp[0] == '$' ? xp : NULL;
	for (const char *q = strstr(xp, "/$"); q; q = strstr(q + 1, "/$"))
		p = q + 1;
	if (!p)
		return 0;
	const char *ks = NULL;
	size_t kl = 0;
	for (p++; *p;) {
		if (*p == '.') {
			const char *q = p + 1;
			while (*q && *q != '.' && *q != '[' && *q != '/')
				q++;
			ks = p + 1;
			kl = (size_t)(q - ks);
			p = q;
		} else if (p[0] == '[' && p[1] == '\'') {
			const char *q = p + 2;
			while (*q && !(q[0] == '\'' && q[1] == ']')) {
				if (q[0] == '\\' && q[1])
					q++;
				q++;
			}
			if (!*q)
				return 0;
			ks = p + 2;
			kl = (size_t)(q - ks);
			p = q + 2;
		} else if (*p == '[') {
			/* an array index: the key names the list */
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9')
				q++;
			if (*q != ']' || q == p + 1)
				return 0;
			p = q + 1;
		} else {
			return 0;  /* '/': HTML inside the value */
		}
	}
	if (!ks || !kl)
		return 0;
	*key = ks;
	*klen = kl;
	return 1;
}

/* The key an HTML attribute value lends itself: "@data-phone" -> "phone",
 * "input[1][@name='idcard']/@value" -> "idcard" (html_text.c writes the
 * name as a predicate). 0 when neither. */
static int attr_key_of(const char *xp, const char **key, size_t *klen)
{
	const char *a = strrchr(xp, '@');
	if (!a || a == xp || a[-1] != '/')
		return 0;
	if (!strncmp(a + 1, "data-", 5) && a[6]) {
		*key = a + 6;
		*klen = strlen(a + 6);
		return 1;
	}
	size_t n = strlen(a);
	if (strcmp(a, "@value") || n == 0)
		return 0;
	/* ...[@name='X']/@value */
	const char *e = a - 1;   /* the '/' */
	if (e - xp < 4 || e[-1] != ']' || e[-2] != '\'')
		return 0;
	const char *q = e - 3;
	while (q > xp && *q != '\'')
		q--;
	if (q - xp < 7 || strncmp(q - 7, "[@name=", 7))
		return 0;
	*key = q + 1;
	*klen = (size_t)(e - 2 - (q + 1));
	return *klen > 0;
}

/* A data-* attribute that holds a platform's own number (data-mid, data-uid,
 * data-id, data-ts, data-count ...): never personal data, not reported. */
static int platform_data_attr(const char *xp)
{
	const char *k;
	size_t n;
	char kb[40];
	const char *a = strstr(xp, "/@data-");
	if (a) {
		k = a + 7;
		n = strlen(k);
	} else if (strstr(xp, "']/@value") && attr_key_of(xp, &k, &n) && n < sizeof kb) {
		/* <input name="csrf_token|uid|item_id|ts" value=...> likewise */
		memcpy(kb, k, n);
		kb[n] = 0;
		k = kb;
		if (strstr(kb, "token") || strstr(kb, "csrf") || strstr(kb, "nonce"))
			return 1;
	} else {
		return 0;
	}
	if ((n >= 2 && !strcasecmp(k + n - 2, "id")) || (n >= 3 && !strcasecmp(k + n - 3, "ids")))
		return 1;
	static const char *const words[] = {"ts", "time", "timestamp", "date", "created", "updated",
	                                    "count", "index", "idx", "page", "rank", "score", "price",
	                                    "sort", "order", "seq", "num-id", "pos", "offset", "size",
	                                    "width", "height", "version", "hash", "key", "src", "href",
	                                    "url", "mid", "oid", "rid", "sku"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcasecmp(k, words[i]))
			return 1;
	return 0;
}

/* Key context for the JSON value segments of m (NULL with *n == 0 when none). */
static int json_keys(const detect_rules_t *rules, const textmap_t *m, scan_key_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	for (size_t i = 0; i < m->nseg; i++) {
		const textmap_seg_t *sg = &m->seg[i];
		const char *k;
		size_t kl;
		if (!sg->xpath || sg->text_end <= sg->text_start ||
		    (!json_key_of(sg->xpath, &k, &kl) && !attr_key_of(sg->xpath, &k, &kl)))
			continue;
		uint32_t cats = dt_rules_json_key(rules, k, kl);
		if (!cats)
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			scan_key_t *nk = realloc(*out, nc * sizeof *nk);
			if (!nk) {
				free(*out);
				*out = NULL;
				*n = 0;
				return ARC_ENOMEM;
			}
			*out = nk;
			cap = nc;
		}
		(*out)[(*n)++] = (scan_key_t){sg->text_start, sg->text_end, cats};
	}
	return 0;
}

/* ---------------------------------------------------------------- disguises */

/* Disguise bits read from the bytes as seen (UTF-8), the finding's xpath and
 * the text before it in the de-disguised map. */
static uint16_t seen_disguise(const char *seen, const char *xpath, int type,
                              const textmap_t *n, size_t ts)
{
	uint16_t bits = 0;
	size_t len = strlen(seen);
	for (size_t i = 0; i < len;) {
		size_t adv;
		uint32_t c = dt_utf8_at(seen, len, i, &adv);
		if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0xAD)
			bits |= DG_ZERO_WIDTH;
		else if (c >= 0xFF01 && c <= 0xFF5E)
			bits |= DG_FULLWIDTH;
		else if (c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F)
			bits |= DG_SEPARATORS;
		else if (c == '<')
			bits |= DG_SPLIT_MARKUP;
		else if (c == '&') {
			static const char *const zw[] = {"&#8203;", "&#x200b;", "&#8204;", "&#x200c;",
			                                 "&#8205;", "&#x200d;", "&zwj;", "&zwnj;",
			                                 "&#8288;", "&#x2060;", "&#65279;", "&#xfeff;",
			                                 "&shy;", "&#173;"};
			for (size_t k = 0; k < sizeof zw / sizeof zw[0]; k++)
				if (!strncasecmp(seen + i, zw[k], strlen(zw[k])))
					bits |= DG_ZERO_WIDTH;
		}
		i += adv;
	}
	if (xpath && (strstr(xpath, "/@data-") || strstr(xpath, "/@value") ||
	              strstr(xpath, "comment()") || strstr(xpath, "noscript")))
		bits |= DG_HIDDEN;
	if (type == DT_WECHAT || type == DT_QQ || type == DT_SOCIAL) {
		/* the context word is an alias (薇信, 扣扣, 企鹅号 ...) */
		static const char *const alias[] = {"薇信", "威信", "V信", "v信", "卫星", "绿泡泡",
		                                    "微芯", "喂信", "扣扣", "企鹅", "Q号", "q号",
		                                    "球球", "VX", "vx", "Vx", "wei信", "V:", "v:"};
		size_t a = ts > 24 ? ts - 24 : 0;
		for (size_t k = 0; k < sizeof alias / sizeof alias[0]; k++) {
			size_t l = strlen(alias[k]);
			for (size_t p = a; p + l <= ts; p++)
				if (!memcmp(n->text + p, alias[k], l)) {
					bits |= DG_ALIAS;
					break;
				}
		}
	}
	return bits;
}

/* ---------------------------------------------------------------- payload */

static void finding_free(detect_finding_t *f)
{
	free(f->value);
	free(f->text);
	free(f->xpath);
	free(f->context);
}

void detect_result_free(detect_result_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		finding_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof *r);
}

int detect_payload(const detect_rules_t *rules, const detect_watch_t *watch,
                   const char *content_type, const unsigned char *payload,
                   size_t len, detect_result_t *out, arc_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (!rules || (!payload && len))
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "detect_payload: no rules or payload");
	textmap_t m0;
	memset(&m0, 0, sizeof m0);
	int rc = textmap_build(content_type, payload, len, &m0, err);
	if (rc)
		return rc;
	/* the disguises undone (disguise.c): the scan runs on that text, whose map
	 * still points at the payload bytes as captured */
	textmap_t m;
	uint16_t *dis = NULL;
	rc = dg_normalize(&m0, &m, &dis);
	if (rc == 1) {
		m = m0;  /* nothing disguised: the map as built */
		rc = 0;
	} else {
		textmap_free(&m0);
	}
	if (rc)
		return arc_fail(err, rc, "", 0, NULL, "detect: out of memory normalizing %zu bytes", len);
	scan_result_t s;
	scan_key_t *keys;
	size_t nkeys;
	rc = json_keys(rules, &m, &keys, &nkeys);
	if (!rc)
		rc = dt_scan_keys(rules, m.text, m.len, keys, nkeys, &s);
	free(keys);
	if (rc) {
		textmap_free(&m);
		free(dis);
		return arc_fail(err, rc, "", 0, NULL, "detect: out of memory scanning %zu bytes", len);
	}
	/* an 18-digit number shaped like a resident ID (a region, a birth date)
	 * whose ID check failed is a mistyped or made-up ID, not a card: after
	 * de-disguising (一一〇一〇五…) it is never reported as one */
	for (size_t i = 0, k = 0; dis && i < s.n; i++) {
		scan_match_t *sm = &s.v[i];
		int drop = 0;
		if (sm->type == DT_BANK_CARD && sm->value && strlen(sm->value) == 18 && sm->te <= m.len) {
			uint16_t bits = 0;
			for (size_t z = sm->ts; z < sm->te; z++)
				bits |= dis[z];
			const char *v = sm->value;
			int y = (v[6] - '0') * 1000 + (v[7] - '0') * 100 + (v[8] - '0') * 10 + (v[9] - '0');
			int mo = (v[10] - '0') * 10 + (v[11] - '0'), d = (v[12] - '0') * 10 + (v[13] - '0');
			drop = bits && v[0] >= '1' && v[0] <= '8' && dt_valid_date(y, mo, d, dt_today());
		}
		if (drop)
			free(sm->value);
		else
			s.v[k++] = *sm;
		if (i + 1 == s.n)
			s.n = k;
	}
	snprintf(out->charset, sizeof out->charset, "%s", m.charset);
	out->scanned_bytes = m.src_len;
	out->truncated = m.src_len < len;
	out->v = calloc(s.n ? s.n : 1, sizeof *out->v);
	if (!out->v) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, NULL, "detect: out of memory");
		goto done;
	}
	for (size_t i = 0; i < s.n; i++) {
		scan_match_t *sm = &s.v[i];
		if (sm->te <= sm->ts || sm->te > m.len)
			continue;
		uint64_t a = m.src_start[sm->ts], b = m.src_end[sm->te - 1];
		if (b <= a || b > len)
			continue;  /* a map we cannot prove is not reported */
		long psg = textmap_seg_at(&m, sm->ts);
		if (psg >= 0 && m.seg[psg].xpath && platform_data_attr(m.seg[psg].xpath)) {
			sm->type = DT__COUNT;  /* a platform's number: left out of the verdict too */
			continue;
		}
		/* the same type over the same bytes twice (matches come sorted by text
		 * position, and the map is monotonic, so look back over equal starts only) */
		int dup = 0;
		for (size_t k = out->n; k-- > 0 && !dup && out->v[k].start >= a;)
			if (out->v[k].start == a && out->v[k].end == b &&
			    !strcmp(out->v[k].type, dt_type_name(sm->type)))
				dup = 1;
		if (dup)
			continue;
		detect_finding_t *f = &out->v[out->n];
		f->type = dt_type_name(sm->type);
		f->start = a;
		f->end = b;
		f->score = sm->score;
		arc_sha256_hex(payload + a, (size_t)(b - a), f->sha256);
		f->value = strdup(sm->value);
		f->text = source_text(m.charset, payload + a, (size_t)(b - a));
		if (!f->text)
			f->text = utf8_clean(m.text + sm->ts, sm->te - sm->ts);
		long sg = textmap_seg_at(&m, sm->ts);
		f->xpath = strdup(sg >= 0 && m.seg[sg].xpath ? m.seg[sg].xpath : "");
		f->context = NULL;
		f->watch = watch && sm->type != DT_DOX ? detect_watch_match(watch, f->type, f->value) : 0;
		if (f->text && f->xpath) {
			uint16_t bits = seen_disguise(f->text, f->xpath, sm->type, &m, sm->ts);
			for (size_t k = sm->ts; dis && k < sm->te; k++)
				bits |= dis[k];
			dg_names_of(bits, f->disguise, sizeof f->disguise);
		}
		f->context = context_of(&m, sm->ts, sm->te, f->disguise[0] && f->text ? f->text : NULL);
		out->n++;
		if (!f->value || !f->text || !f->xpath || !f->context) {
			rc = arc_fail(err, ARC_ENOMEM, "", 0, NULL, "detect: out of memory");
			goto done;
		}
	}
	/* a dox keyword written in disguise (开❤盒, 人❤肉) was hidden from filters on
	 * purpose: never the ordinary sense of an ambiguous word, so a strong one */
	for (size_t i = 0; dis && i < s.n; i++) {
		scan_match_t *sm = &s.v[i];
		if (sm->type != DT_DOX || sm->score >= DETECT_SCORE_DOX || sm->te > m.len)
			continue;
		uint16_t bits = 0;
		for (size_t k = sm->ts; k < sm->te; k++)
			bits |= dis[k];
		if (bits & (DG_EMOJI | DG_SEPARATORS))
			sm->score = DETECT_SCORE_DOX;
	}
	dt_verdict(rules, s.v, s.n, &out->doxing, &out->score);
done:
	dt_scan_free(&s);
	textmap_free(&m);
	free(dis);
	if (rc)
		detect_result_free(out);
	return rc;
}

/* ---------------------------------------------------------------- findings record */

static int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

int detect_findings_error_json(const char *target_record_id, const char *why, arc_buf_t *out)
{
	json_t *root = json_object(), *sc = json_object();
	int bad = !root || !sc;
	if (!bad) {
		bad |= set_new(root, "target", json_string(target_record_id ? target_record_id : ""));
		bad |= json_object_set_new(root, "verdict", json_null());
		bad |= set_new(root, "scanned", sc);
		bad |= set_new(sc, "bytes", json_integer(0));
		bad |= set_new(sc, "complete", json_false());
		/* the message may quote bytes from the page: keep it valid UTF-8 */
		char *w = utf8_clean(why ? why : "not read", strlen(why ? why : "not read"));
		bad |= set_new(sc, "error", w ? json_string(w) : NULL);
		free(w);
		bad |= set_new(root, "findings", json_array());
	} else {
		json_decref(sc);
	}
	char *s = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return ARC_ENOMEM;
	int rc = arc_buf_append(out, s, strlen(s));
	free(s);
	return rc;
}

/* The body with the first `keep` findings of r; NULL on ENOMEM. */
static char *findings_dump(const detect_result_t *r, const char *target_record_id, size_t keep)
{
	json_t *root = json_object(), *verdict = json_object(), *arr = json_array();
	int bad = !root || !verdict || !arr;
	if (!bad) {
		bad |= set_new(root, "target", json_string(target_record_id ? target_record_id : ""));
		bad |= set_new(verdict, "doxing", json_boolean(r->doxing));
		bad |= set_new(verdict, "score", json_real(r->score));
		bad |= set_new(root, "verdict", verdict);
		verdict = NULL;
		/* a bounded scan says so: no findings past "bytes" means nothing was looked for */
		json_t *sc = json_object();
		bad |= set_new(root, "scanned", sc);
		if (sc) {
			bad |= set_new(sc, "bytes", json_integer((json_int_t)r->scanned_bytes));
			bad |= set_new(sc, "complete", json_boolean(!r->truncated));
		}
		if (keep < r->n)
			bad |= set_new(root, "findings_omitted", json_integer((json_int_t)(r->n - keep)));
		for (size_t i = 0; i < keep && !bad; i++) {
			const detect_finding_t *f = &r->v[i];
			json_t *o = json_object();
			if (!o) {
				bad = 1;
				break;
			}
			bad |= set_new(o, "type", json_string(f->type));
			bad |= set_new(o, "value", json_string(f->value));
			bad |= set_new(o, "text", json_string(f->text));
			bad |= set_new(o, "start", json_integer((json_int_t)f->start));
			bad |= set_new(o, "end", json_integer((json_int_t)f->end));
			bad |= set_new(o, "sha256", json_string(f->sha256));
			bad |= set_new(o, "xpath", json_string(f->xpath ? f->xpath : ""));
			bad |= set_new(o, "context", json_string(f->context ? f->context : ""));
			bad |= set_new(o, "score", json_real(f->score));
			if (f->watch)
				bad |= set_new(o, "watch", json_true());
			if (f->disguise[0])
				bad |= set_new(o, "disguise", json_string(f->disguise));
			bad |= json_array_append_new(arr, o);
		}
		bad |= set_new(root, "findings", arr);
		arr = NULL;
	}
	char *s = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	json_decref(root);
	json_decref(verdict);
	json_decref(arr);
	return s;
}

int detect_findings_json(const detect_result_t *r, const char *target_record_id,
                         arc_buf_t *out)
{
	size_t keep = r->n < DETECT_MAX_FINDINGS ? r->n : DETECT_MAX_FINDINGS;
	char *s = findings_dump(r, target_record_id, keep);
	/* long contexts or paths: halve what is kept until the body fits (a finding's
	 * strings are bounded, so this ends well before keep reaches 0) */
	while (s && strlen(s) > DETECT_MAX_FINDINGS_JSON && keep > 0) {
		free(s);
		keep /= 2;
		s = findings_dump(r, target_record_id, keep);
	}
	if (!s)
		return ARC_ENOMEM;
	int rc = arc_buf_append(out, s, strlen(s));
	free(s);
	return rc;
}
