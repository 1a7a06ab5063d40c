/*
 * timeline.c — per URL of a case: first and last seen present, first seen
 * removed (and how), visits, versions, each with the seal that gives it a
 * trusted time. The record types and states are in timeline.h.
 *
 * One pass over the records in log order. A page's records are written
 * together (request, response or revisit, capture metadata, findings), so a
 * visit is held open until the next response, revisit, seal or watch record
 * and its findings record completes it (a removal notice on a page that
 * still shows personal data is not a removal). A revisit takes the facts of
 * the payload it repeats (digest map). Seals resolve the visits waiting for
 * one (the pending list), so a case of millions of visits is read once.
 *
 * Must never print, exit, fetch, judge a signature or a TSA's trust (the
 * verifier does), or read more of a body than TL_MAX_SCAN / TL_MAX_JSON.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "archive.h"

/* ---------------------------------------------------------------- removal rules */

static const char builtin_rules[] =
	"# custody removal-notice rules (samples/rules/removal.rules; the built-in copy is the same)\n"
	"#\n"
	"# notice PHRASE  the page's text says it was removed (ASCII case ignored)\n"
	"# login TEXT     a redirect whose target path contains TEXT leads to a login page\n"
	"# A redirect to the site's root (\"/\") is a redirect to the home page without a rule.\n"
	"# A page with a notice that still shows personal data is not counted as removed.\n"
	"\n"
	"# zh (simplified and traditional)\n"
	"notice 该内容已被删除\n"
	"notice 該內容已被刪除\n"
	"notice 内容已被删除\n"
	"notice 帖子不存在\n"
	"notice 帖子已被删除\n"
	"notice 该帖子已被删除\n"
	"notice 此帖已被删除\n"
	"notice 主题不存在\n"
	"notice 该主题不存在\n"
	"notice 该微博已被删除\n"
	"notice 该内容已被作者删除\n"
	"notice 内容不存在\n"
	"notice 页面不存在\n"
	"notice 该页面不存在\n"
	"notice 抱歉，该内容已被删除\n"
	"notice 因违反社区规定已被删除\n"
	"notice 该用户已被封禁\n"
	"notice 此內容已被刪除\n"
	"notice 帖子不存在或已被刪除\n"
	"notice 文章已被删除\n"
	"notice 该文章已被删除\n"
	"notice 此回答已被删除\n"
	"\n"
	"# en\n"
	"notice This post has been deleted\n"
	"notice This post was deleted\n"
	"notice This post has been removed\n"
	"notice This content has been removed\n"
	"notice This content is no longer available\n"
	"notice This page is no longer available\n"
	"notice This thread has been deleted\n"
	"notice This thread has been removed\n"
	"notice This tweet has been deleted\n"
	"notice This Tweet was deleted\n"
	"notice This message has been deleted\n"
	"notice Sorry, this page isn't available\n"
	"notice Sorry, this content isn't available\n"
	"notice removed for violating\n"
	"notice The page you requested does not exist\n"
	"notice [deleted]\n"
	"notice [removed]\n"
	"\n"
	"login /login\n"
	"login /signin\n"
	"login /sign-in\n"
	"login /passport\n"
	"login /account/login\n"
	"login /member.php?mod=logging\n"
	"login /auth\n";

struct tl_rules {
	char *phrase[TL_MAX_PHRASES];
	size_t plen[TL_MAX_PHRASES];
	size_t nphrase;
	char *login[TL_MAX_PHRASES];
	size_t nlogin;
};

const char *tl_rules_builtin(void)
{
	return builtin_rules;
}

void tl_rules_free(tl_rules_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nphrase; i++)
		free(r->phrase[i]);
	for (size_t i = 0; i < r->nlogin; i++)
		free(r->login[i]);
	free(r);
}

tl_rules_t *tl_rules_parse(const char *text, size_t len, const char *name, arc_error_t *err)
{
	tl_rules_t *r = calloc(1, sizeof *r);
	if (!r) {
		arc_fail(err, ARC_ENOMEM, name, 0, "", "out of memory");
		return NULL;
	}
	size_t pos = 0;
	unsigned long line = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		const char *p = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (!n || *p == '#')
			continue;
		int login = 0;
		size_t kw;
		if (n > 7 && !strncmp(p, "notice", 6) && (p[6] == ' ' || p[6] == '\t'))
			kw = 6;
		else if (n > 6 && !strncmp(p, "login", 5) && (p[5] == ' ' || p[5] == '\t'))
			kw = 5, login = 1;
		else {
			arc_fail(err, ARC_EFORMAT, name, line, "",
			         "%s, line %lu: a rule starts with \"notice \" or \"login \"", name, line);
			tl_rules_free(r);
			return NULL;
		}
		p += kw, n -= kw;
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (!n || n > TL_MAX_PHRASE || memchr(p, '\0', n) ||
		    (login ? r->nlogin : r->nphrase) >= TL_MAX_PHRASES) {
			arc_fail(err, ARC_ELIMIT, name, line, "", "%s, line %lu: %s", name, line,
			         !n ? "empty rule" : n > TL_MAX_PHRASE ? "phrase longer than 256 bytes"
			                                              : "too many rules (512 of a kind at most)");
			tl_rules_free(r);
			return NULL;
		}
		char *s = strndup(p, n);
		if (!s) {
			arc_fail(err, ARC_ENOMEM, name, 0, "", "out of memory");
			tl_rules_free(r);
			return NULL;
		}
		if (login) {
			r->login[r->nlogin++] = s;
		} else {
			r->plen[r->nphrase] = n;
			r->phrase[r->nphrase++] = s;
		}
	}
	return r;
}

tl_rules_t *tl_rules_load(const char *path, arc_error_t *err)
{
	if (!path)
		return tl_rules_parse(builtin_rules, sizeof builtin_rules - 1, "built-in removal rules", err);
	arc_buf_t b = {0};
	if (arc_read_file(path, 1 << 20, &b, NULL, err)) {
		arc_buf_free(&b);
		return NULL;
	}
	tl_rules_t *r = tl_rules_parse((const char *)b.data, b.len, path, err);
	arc_buf_free(&b);
	return r;
}

size_t tl_rules_count(const tl_rules_t *r, int login)
{
	return !r ? 0 : login ? r->nlogin : r->nphrase;
}

/* memmem with ASCII case folded */
static int has_ci(const unsigned char *h, size_t hl, const char *n, size_t nl)
{
	if (!nl || nl > hl)
		return 0;
	unsigned char f = (unsigned char)tolower((unsigned char)n[0]);
	for (size_t i = 0; i + nl <= hl; i++) {
		if ((unsigned char)tolower(h[i]) != f)
			continue;
		size_t k = 1;
		while (k < nl && tolower(h[i + k]) == tolower((unsigned char)n[k]))
			k++;
		if (k == nl)
			return 1;
	}
	return 0;
}

const char *tl_rules_notice(const tl_rules_t *r, const unsigned char *text, size_t len)
{
	if (!r || !text)
		return NULL;
	for (size_t i = 0; i < r->nphrase; i++)
		if (has_ci(text, len, r->phrase[i], r->plen[i]))
			return r->phrase[i];
	return NULL;
}

int tl_rules_redirect(const tl_rules_t *r, const char *loc)
{
	if (!loc || !*loc)
		return 0;
	const char *p = loc;
	const char *scheme = strstr(loc, "://");
	if (scheme && scheme < loc + 10) {
		p = strchr(scheme + 3, '/');
		if (!p)
			return 2; /* http://host: its root */
	} else if (p[0] == '/' && p[1] == '/') {
		p = strchr(p + 2, '/');
		if (!p)
			return 2;
	}
	for (size_t i = 0; r && i < r->nlogin; i++)
		if (has_ci((const unsigned char *)p, strlen(p), r->login[i], strlen(r->login[i])))
			return 1;
	if (p[0] == '/' && (p[1] == '\0' || p[1] == '?' || p[1] == '#'))
		return 2;
	if (!strncasecmp(p, "/index.", 7) && !strchr(p + 1, '/') && !strchr(p, '?'))
		return 2;
	return 0;
}

/* ---------------------------------------------------------------- types */

static const char *const type_names[] = {
	"cn_resident_id", "cn_mobile", "cn_landline", "cn_bank_card", "cn_passport",
	"hk_id", "tw_id", "cn_plate", "email", "qq", "wechat", "social_handle",
	"cn_address", "person_name", "dox_keyword", "intl_phone",
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

int tl_type_bit(const char *type)
{
	for (size_t i = 0; type && i < NTYPES; i++)
		if (!strcmp(type, type_names[i]))
			return (int)i;
	return type ? 31 : -1; /* a type this build does not know: "other" */
}

const char *tl_type_name(int bit)
{
	return bit >= 0 && (size_t)bit < NTYPES ? type_names[bit] : bit == 31 ? "other" : NULL;
}

const char *tl_state_name(tl_state_t s)
{
	switch (s) {
	case TL_PRESENT: return "present";
	case TL_REMOVED: return "removed";
	case TL_MOVED: return "moved";
	case TL_UNAVAILABLE: return "unavailable";
	case TL_UNREACHABLE: return "unreachable";
	default: return "none";
	}
}

/* ---------------------------------------------------------------- the timeline */

typedef struct {
	const char *notice;   /* borrowed from the rules; NULL none */
	int doxing, personal;
	uint32_t watched;
	int known;            /* findings seen for it */
} facts_t;

/* a copy of a visit that waits for its seal */
typedef struct {
	size_t url;
	int slot;             /* 0 first_present, 1 last_present, 2 removed, 3 last, 4+ history */
} pend_t;

typedef struct {
	char id[ARC_UUID_LEN + 4];
	uint64_t size;
	arc_buf_t sth;
} unstamped_t;

/* unstamped seals remembered: a watch without a TSA keeps only the latest few */
#define TL_MAX_UNSTAMPED(keep) ((keep) ? 65536u : 64u)

struct tl {
	const tl_rules_t *rules;
	int keep;
	tl_url_t *v;
	size_t n, cap;
	arc_map_t *by_url;    /* url -> index + 1 */
	arc_map_t *digests;   /* payload digest -> facts_t */
	pend_t *pend;
	size_t npend, cappend;
	uint64_t nrec;        /* records fed: the next record's leaf index */
	uint64_t gen;
	uint32_t last_round;
	/* the visit being completed by its findings record */
	int open;
	size_t open_url;
	tl_visit_t cur;
	const char *cur_notice;
	/* tl_read_case position */
	int have_pos;
	unsigned long pos_num;
	uint64_t pos_off;
	int stopped;          /* a damaged file stopped the reading: nothing after it is read */
	tl_alert_fn alert_fn;
	void *alert_ctx;
	/* seals read without a token, for a stamp record (custody stamp) that
	 * completes one later: its tokens are over the seal's tree-head bytes */
	unstamped_t *us;
	size_t nus, capus;
};

tl_t *tl_new(const tl_rules_t *rules, int keep_history)
{
	tl_t *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->rules = rules;
	t->keep = keep_history;
	t->by_url = arc_map_new(TL_MAX_URLS);
	t->digests = arc_map_new(0);
	if (!t->by_url || !t->digests) {
		tl_free(t);
		return NULL;
	}
	return t;
}

void tl_free(tl_t *t)
{
	if (!t)
		return;
	for (size_t k = 0; k < t->nus; k++)
		arc_buf_free(&t->us[k].sth);
	free(t->us);
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].url);
		free(t->v[i].hist);
		free(t->v[i].versions);
	}
	free(t->v);
	free(t->pend);
	arc_map_free(t->by_url, NULL);
	arc_map_free(t->digests, free);
	free(t);
}

size_t tl_count(const tl_t *t)
{
	return t->n;
}

tl_url_t *tl_url(tl_t *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

const tl_url_t *tl_find(const tl_t *t, const char *url)
{
	uintptr_t ix = (uintptr_t)arc_map_get(t->by_url, url);
	return ix ? &t->v[ix - 1] : NULL;
}

uint32_t tl_last_round(const tl_t *t)
{
	return t->last_round;
}

uint64_t tl_records(const tl_t *t)
{
	return t->nrec;
}

void tl_set_alert_fn(tl_t *t, tl_alert_fn fn, void *ctx)
{
	t->alert_fn = fn;
	t->alert_ctx = ctx;
}

uint64_t tl_next_generation(tl_t *t)
{
	return ++t->gen;
}

static int url_index(tl_t *t, const char *url, size_t *out)
{
	uintptr_t ix = (uintptr_t)arc_map_get(t->by_url, url);
	if (ix) {
		*out = ix - 1;
		return 0;
	}
	if (strlen(url) > TL_MAX_URL)
		return ARC_ELIMIT;
	int rc = arc_vec_reserve((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v, TL_MAX_URLS);
	if (rc)
		return rc;
	tl_url_t *u = &t->v[t->n];
	memset(u, 0, sizeof *u);
	u->prev_doxing = -1;
	if (!(u->url = strdup(url)))
		return ARC_ENOMEM;
	if ((rc = arc_map_put(t->by_url, url, (void *)(uintptr_t)(t->n + 1), NULL)) < 0) {
		free(u->url);
		return rc;
	}
	*out = t->n++;
	return 0;
}

static tl_visit_t *slot_of(tl_t *t, const pend_t *p)
{
	tl_url_t *u = &t->v[p->url];
	switch (p->slot) {
	case 0: return &u->first_present;
	case 1: return &u->last_present;
	case 2: return &u->removed;
	case 3: return &u->last;
	default: return (size_t)(p->slot - 4) < u->nhist ? &u->hist[p->slot - 4] : NULL;
	}
}

static int pend_add(tl_t *t, size_t url, int slot)
{
	/* a summary slot waits once, whatever visit it holds when the seal comes:
	 * the list stays within 4 entries a URL in an unsealed watch */
	if (slot < 4) {
		if (t->v[url].pend_mask & (1u << slot))
			return 0;
		t->v[url].pend_mask |= 1u << slot;
	}
	int rc = arc_vec_reserve((void **)&t->pend, &t->cappend, t->npend + 1, sizeof *t->pend, 0);
	if (rc)
		return rc;
	t->pend[t->npend].url = url;
	t->pend[t->npend].slot = slot;
	t->npend++;
	return 0;
}

static int add_version(tl_url_t *u, const char *d)
{
	if (!d[0])
		return 0;
	for (size_t i = 0; i < u->nversions; i++)
		if (!strcmp(u->versions[i], d))
			return 0;
	if (u->nversions >= TL_MAX_VERSIONS)
		return 0; /* counted up to the bound */
	int rc = arc_vec_reserve((void **)&u->versions, &u->capversions, u->nversions + 1,
	                         sizeof *u->versions, TL_MAX_VERSIONS);
	if (rc)
		return rc;
	snprintf(u->versions[u->nversions++], ARC_DIGEST_LEN, "%s", d);
	return 0;
}

/* The visit's state, its findings now known. */
static void settle(tl_visit_t *v, const char *notice)
{
	if (v->state != TL_PRESENT || !notice)
		return;
	if (v->personal > 0)
		return; /* the notice sits beside personal data: the page still exposes it */
	v->state = TL_REMOVED;
	snprintf(v->how, sizeof v->how, "notice: %s", notice);
}

static int commit(tl_t *t, size_t ui, tl_visit_t *v)
{
	tl_url_t *u = &t->v[ui];
	int rc = 0;
	u->visits++;
	if (v->state == TL_UNREACHABLE)
		u->unreachable++;
	if (v->state == TL_PRESENT) {
		if (u->has_last)
			u->prev_doxing = u->last_present.doxing;
		if (!u->has_first) {
			u->first_present = *v;
			u->has_first = 1;
			rc = rc ? rc : pend_add(t, ui, 0);
		}
		u->last_present = *v;
		u->has_last = 1;
		u->has_removed = 0; /* back up: a later removal is a new one */
		rc = rc ? rc : pend_add(t, ui, 1);
		rc = rc ? rc : add_version(u, v->digest);
	} else if (v->state == TL_REMOVED && !u->has_removed) {
		u->removed = *v;
		u->has_removed = 1;
		rc = rc ? rc : pend_add(t, ui, 2);
	}
	u->last = *v;
	u->touched = t->gen;
	rc = rc ? rc : pend_add(t, ui, 3);
	if (t->keep && !rc) {
		rc = arc_vec_reserve((void **)&u->hist, &u->caphist, u->nhist + 1, sizeof *u->hist, 0);
		if (!rc) {
			u->hist[u->nhist++] = *v;
			rc = pend_add(t, ui, (int)(4 + u->nhist - 1));
		}
	}
	return rc;
}

/* The open visit is complete (its findings, if any, were read). */
static int close_open(tl_t *t)
{
	if (!t->open)
		return 0;
	t->open = 0;
	settle(&t->cur, t->cur_notice);
	return commit(t, t->open_url, &t->cur);
}

int tl_end(tl_t *t)
{
	return close_open(t);
}

static const char *path_of(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "/";
}

static void field(char *out, size_t outsz, const char *v)
{
	snprintf(out, outsz, "%s", v ? v : "");
}

/* ---------------------------------------------------------------- charsets */

/* The iconv name of a charset label custody decodes before matching notices
 * (the Chinese legacy ones; WHATWG maps gbk, gb2312 ... to GB18030), NULL for
 * any other label (matched as UTF-8). */
static const char *legacy_charset(const char *l, size_t n)
{
	static const char *const gb[] = {"gbk", "gb2312", "gb18030", "x-gbk", "cp936", "chinese", "csgb2312",
	                                 "iso-ir-58", "gb_2312", "gb_2312-80", "csiso58gb231280", "windows-936",
	                                 "euc-cn", NULL};
	static const char *const big5[] = {"big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5", NULL};
	for (int i = 0; gb[i]; i++)
		if (strlen(gb[i]) == n && !strncasecmp(l, gb[i], n))
			return "GB18030";
	for (int i = 0; big5[i]; i++)
		if (strlen(big5[i]) == n && !strncasecmp(l, big5[i], n))
			return "BIG5-HKSCS";
	return NULL;
}

/* "charset=LABEL" in s (a Content-Type value or the head of a page):
 * *label and *n, or 0. */
static int find_charset(const unsigned char *s, size_t len, const char **label, size_t *n)
{
	for (size_t i = 0; i + 7 <= len; i++) {
		if (strncasecmp((const char *)s + i, "charset", 7))
			continue;
		size_t j = i + 7;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j >= len || s[j] != '=')
			continue;
		j++;
		while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '"' || s[j] == '\''))
			j++;
		size_t k = j;
		while (k < len && k - j < 40 && (isalnum(s[k]) || s[k] == '-' || s[k] == '_' || s[k] == ':' || s[k] == '.'))
			k++;
		if (k > j) {
			*label = (const char *)s + j;
			*n = k - j;
			return 1;
		}
	}
	return 0;
}

static int utf8_valid(const unsigned char *p, size_t n)
{
	json_t *j = json_stringn((const char *)p, n);
	int ok = j != NULL;
	json_decref(j);
	return ok;
}

/* The page's text as UTF-8 for matching notices: GB18030 (gbk, gb2312) and
 * Big5 pages decoded by the charset the HTTP header or the page declares (a
 * page declaring none that is not UTF-8 is tried as GB18030). *out NULL: use
 * the payload as it is. Undecodable bytes are skipped. */
static int to_utf8(const unsigned char *hdr, size_t hl, const unsigned char *p, size_t n, unsigned char **out,
                   size_t *outn)
{
	*out = NULL;
	*outn = 0;
	char ct[512] = "";
	const char *label = NULL, *cs = NULL;
	size_t ln = 0;
	http_header_get(hdr, hl, "Content-Type", ct, sizeof ct);
	if (find_charset((const unsigned char *)ct, strlen(ct), &label, &ln) ||
	    find_charset(p, n < 4096 ? n : 4096, &label, &ln))
		cs = legacy_charset(label, ln);
	else if (!utf8_valid(p, n))
		cs = "GB18030";
	if (!cs)
		return 0;
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return 0; /* no converter on this system: matched as it is */
	size_t cap = 2 * n + 16;
	unsigned char *o = malloc(cap);
	if (!o) {
		iconv_close(cd);
		return ARC_ENOMEM;
	}
	char *in = (char *)p, *op = (char *)o;
	size_t inl = n, ol = cap;
	while (inl) {
		if (iconv(cd, &in, &inl, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			break; /* cannot happen: 2n covers every GB18030/Big5 sequence */
		in++; /* EILSEQ, EINVAL: a byte skipped */
		inl--;
	}
	iconv_close(cd);
	*out = o;
	*outn = (size_t)(op - (char *)o);
	return 0;
}

static int on_capture(tl_t *t, const warc_rec_t *rec, const char *type, const char *uri,
                      uint64_t index)
{
	int rc = close_open(t);
	if (rc)
		return rc;
	if (!strncmp(uri, "urn:", 4) || !strcmp(path_of(uri), "/robots.txt") ||
	    (strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8)))
		return 0;
	size_t ui;
	if ((rc = url_index(t, uri, &ui)))
		return rc == ARC_ELIMIT ? 0 : rc; /* an overlong URL or too many: left out, not fatal */
	tl_visit_t *v = &t->cur;
	memset(v, 0, sizeof *v);
	v->doxing = -1;
	v->personal = -1;
	v->index = index;
	v->round = 0;
	field(v->date, sizeof v->date, warc_rec_get(rec, "WARC-Date"));
	field(v->record, sizeof v->record, warc_rec_get(rec, "WARC-Record-ID"));
	field(v->digest, sizeof v->digest, warc_rec_get(rec, "WARC-Payload-Digest"));
	size_t hl = http_header_end(rec->block, (size_t)rec->block_len);
	v->status = hl ? http_status(rec->block, hl) : 0;
	t->cur_notice = NULL;
	facts_t *f = v->digest[0] ? arc_map_get(t->digests, v->digest) : NULL;
	int s = v->status;
	if (s >= 200 && s < 300) {
		v->state = TL_PRESENT;
		if (f) {
			t->cur_notice = f->notice;
			if (f->known) {
				v->doxing = f->doxing;
				v->personal = f->personal;
				v->watched = f->watched;
			}
		} else if (!strcmp(type, "response")) {
			unsigned char *pl = NULL;
			size_t pn = 0;
			int partial = 0;
			arc_error_t e;
			if (http_decoded_payload(rec->block, (size_t)rec->block_len, TL_MAX_SCAN, &pl, &pn,
			                         &partial, &e) == 0) {
				unsigned char *u8 = NULL;
				size_t un = 0;
				if (to_utf8(rec->block, hl, pl, pn, &u8, &un)) {
					free(pl);
					return ARC_ENOMEM;
				}
				t->cur_notice = u8 ? tl_rules_notice(t->rules, u8, un) : tl_rules_notice(t->rules, pl, pn);
				free(u8);
			}
			free(pl);
			if (v->digest[0]) {
				facts_t *nf = calloc(1, sizeof *nf);
				if (!nf)
					return ARC_ENOMEM;
				nf->notice = t->cur_notice;
				nf->doxing = nf->personal = -1;
				if (arc_map_put(t->digests, v->digest, nf, NULL) != 0)
					free(nf);
			}
		}
	} else if (s >= 300 && s < 400) {
		char loc[1024] = "";
		http_header_get(rec->block, hl, "Location", loc, sizeof loc);
		int r = tl_rules_redirect(t->rules, loc);
		v->state = r ? TL_REMOVED : TL_MOVED;
		snprintf(v->how, sizeof v->how, "%s%.140s",
		         r == 1 ? "redirect to login: " : r == 2 ? "redirect to home page: " : "redirect: ", loc);
	} else if (s == 404 || s == 410 || s == 451) {
		v->state = TL_REMOVED;
		snprintf(v->how, sizeof v->how, "%d", s);
	} else {
		v->state = TL_UNAVAILABLE;
		snprintf(v->how, sizeof v->how, "%d", s);
	}
	t->open = 1;
	t->open_url = ui;
	return 0;
}

static void on_findings(tl_t *t, const warc_rec_t *rec)
{
	const char *to = warc_rec_get(rec, "WARC-Refers-To");
	if (!t->open || !to || strcmp(to, t->cur.record) || rec->block_len > TL_MAX_JSON)
		return;
	json_t *j = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, NULL);
	if (!j)
		return;
	json_t *verdict = json_object_get(j, "verdict");
	json_t *dx = json_object_get(verdict, "doxing");
	json_t *fs = json_object_get(j, "findings");
	int doxing = json_is_boolean(dx) ? json_is_true(dx) : -1;
	int personal = 0;
	uint32_t watched = 0;
	size_t i;
	json_t *f;
	json_array_foreach(fs, i, f) {
		const char *type = json_string_value(json_object_get(f, "type"));
		if (!type)
			continue;
		if (strcmp(type, "dox_keyword"))
			personal++;
		if (json_is_true(json_object_get(f, "watch"))) {
			int b = tl_type_bit(type);
			if (b >= 0)
				watched |= (uint32_t)1 << b;
		}
	}
	if (!json_is_array(fs))
		personal = -1;
	json_decref(j);
	t->cur.doxing = doxing;
	t->cur.personal = personal;
	t->cur.watched = watched;
	facts_t *ff = t->cur.digest[0] ? arc_map_get(t->digests, t->cur.digest) : NULL;
	if (ff) {
		ff->doxing = doxing;
		ff->personal = personal;
		ff->watched = watched;
		ff->known = 1;
	}
}

static int same_id(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	a += *a == '<';
	b += *b == '<';
	size_t na = strcspn(a, ">"), nb = strcspn(b, ">");
	return na == nb && !memcmp(a, b, na);
}

/* The earliest genTime among tokens over sth whose imprint and signature
 * hold (trust not judged), into stamp ("" none). */
static void first_stamp(const seal_body_t *b, const void *sth, size_t len, char stamp[24])
{
	stamp[0] = '\0';
	for (size_t i = 0; i < b->ntokens; i++) {
		seal_tsr_info_t info;
		memset(&info, 0, sizeof info);
		arc_error_t te;
		seal_tsr_verify(b->tokens[i].tsr.data, b->tokens[i].tsr.len, sth, len, NULL, -1, &info, &te);
		if (info.gen_time >= 0 && info.imprint_ok && info.signature_ok &&
		    (!stamp[0] || strcmp(info.gen_time_text, stamp) < 0))
			snprintf(stamp, 24, "%s", info.gen_time_text);
	}
}

static void restamp(tl_visit_t *v, uint64_t size, const char *stamp)
{
	if (v->sealed && v->index < size && (!v->stamp_time[0] || strcmp(stamp, v->stamp_time) < 0))
		snprintf(v->stamp_time, sizeof v->stamp_time, "%s", stamp);
}

/* A stamp record: the seal it completes now has a trusted time, and so has
 * every visit that seal covers and that had none (or a later one). */
static void stamp_resolve(tl_t *t, const warc_rec_t *rec)
{
	seal_body_t b;
	arc_error_t e;
	if (rec->block_len > SEAL_MAX_BODY ||
	    seal_body_parse(rec->block, (size_t)rec->block_len, 1, &b, &e) != 0)
		return;
	const char *to = warc_rec_get(rec, "WARC-Refers-To");
	size_t k;
	for (k = 0; k < t->nus; k++)
		if (same_id(t->us[k].id, b.seal_id) || same_id(t->us[k].id, to))
			break;
	if (k < t->nus && t->us[k].size == b.sth_parsed.tree_size) {
		char stamp[24];
		first_stamp(&b, t->us[k].sth.data, t->us[k].sth.len, stamp);
		uint64_t size = t->us[k].size;
		if (stamp[0]) {
			for (size_t i = 0; i < t->n; i++) {
				tl_url_t *u = &t->v[i];
				restamp(&u->first_present, size, stamp);
				restamp(&u->last_present, size, stamp);
				restamp(&u->removed, size, stamp);
				restamp(&u->last, size, stamp);
				for (size_t h = 0; h < u->nhist; h++)
					restamp(&u->hist[h], size, stamp);
			}
			arc_buf_free(&t->us[k].sth);
			memmove(&t->us[k], &t->us[k + 1], (t->nus - k - 1) * sizeof *t->us);
			t->nus--;
		}
	}
	seal_body_free(&b);
}

static void seal_remember(tl_t *t, const warc_rec_t *rec, const seal_body_t *b)
{
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	if (!id || strlen(id) >= sizeof t->us[0].id)
		return;
	if (t->nus >= TL_MAX_UNSTAMPED(t->keep)) {
		arc_buf_free(&t->us[0].sth);
		memmove(&t->us[0], &t->us[1], (t->nus - 1) * sizeof *t->us);
		t->nus--;
	}
	if (arc_vec_reserve((void **)&t->us, &t->capus, t->nus + 1, sizeof *t->us, 0))
		return; /* no memory: a later stamp of it is not reflected, nothing worse */
	unstamped_t *u = &t->us[t->nus];
	memset(u, 0, sizeof *u);
	snprintf(u->id, sizeof u->id, "%s", id);
	u->size = b->sth_parsed.tree_size;
	if (arc_buf_append(&u->sth, b->sth.data, b->sth.len)) {
		arc_buf_free(&u->sth);
		return;
	}
	t->nus++;
}

static void seal_resolve(tl_t *t, const warc_rec_t *rec)
{
	seal_body_t b;
	arc_error_t e;
	if (rec->block_len > SEAL_MAX_BODY ||
	    seal_body_parse(rec->block, (size_t)rec->block_len, 0, &b, &e) != 0)
		return;
	char stamp[24];
	first_stamp(&b, b.sth.data, b.sth.len, stamp);
	if (!stamp[0])
		seal_remember(t, rec, &b);
	uint64_t size = b.sth_parsed.tree_size;
	size_t keep = 0;
	for (size_t i = 0; i < t->npend; i++) {
		tl_visit_t *v = slot_of(t, &t->pend[i]);
		if (!v || v->sealed || v->index < size) {
			if (t->pend[i].slot < 4)
				t->v[t->pend[i].url].pend_mask &= ~(1u << t->pend[i].slot);
		}
		if (!v || v->sealed)
			continue;
		if (v->index < size) {
			v->sealed = 1;
			snprintf(v->seal_time, sizeof v->seal_time, "%s", b.sth_parsed.time);
			snprintf(v->stamp_time, sizeof v->stamp_time, "%s", stamp);
		} else {
			t->pend[keep++] = t->pend[i];
		}
	}
	t->npend = keep;
	seal_body_free(&b);
}

static int on_watch(tl_t *t, const warc_rec_t *rec, uint64_t index)
{
	if (rec->block_len > TL_MAX_JSON)
		return 0;
	json_t *j = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, NULL);
	if (!j)
		return 0;
	json_t *r = json_object_get(j, "round");
	uint32_t round = json_is_integer(r) && json_integer_value(r) > 0 &&
	                 json_integer_value(r) < UINT32_MAX ? (uint32_t)json_integer_value(r) : 0;
	if (round > t->last_round)
		t->last_round = round;
	(void)index;
	json_decref(j);
	return 0;
}

/* A capture metadata record without WARC-Concurrent-To: an attempt that got
 * no response at all (crawler/capture.c), the error in its body. */
static int on_failure(tl_t *t, const warc_rec_t *rec, uint64_t index)
{
	const char *uri = warc_rec_get(rec, "WARC-Target-URI");
	if (!uri || strncmp(uri, ARC_CAPTURE_URN, strlen(ARC_CAPTURE_URN)) || rec->block_len > TL_MAX_JSON)
		return 0;
	uri += strlen(ARC_CAPTURE_URN);
	if ((strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8)) || !strcmp(path_of(uri), "/robots.txt"))
		return 0;
	size_t ui;
	int rc = url_index(t, uri, &ui);
	if (rc)
		return rc == ARC_ELIMIT ? 0 : rc;
	json_t *j = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, NULL);
	const char *why = j ? json_string_value(json_object_get(j, "error")) : NULL;
	tl_visit_t v;
	memset(&v, 0, sizeof v);
	v.state = TL_UNREACHABLE;
	v.doxing = v.personal = -1;
	v.index = index;
	v.round = t->last_round + 1; /* the watch record of its round follows it */
	snprintf(v.how, sizeof v.how, "%.150s", why && *why ? why : "no response");
	/* keep the text valid UTF-8 where the cut fell inside a character */
	for (size_t n = strlen(v.how); n; n--) {
		json_t *ok = json_stringn(v.how, n);
		if (ok) {
			json_decref(ok);
			break;
		}
		v.how[n - 1] = '\0';
	}
	field(v.date, sizeof v.date, warc_rec_get(rec, "WARC-Date"));
	field(v.record, sizeof v.record, warc_rec_get(rec, "WARC-Record-ID"));
	json_decref(j);
	return commit(t, ui, &v);
}

static int on_alert(tl_t *t, const warc_rec_t *rec)
{
	if (rec->block_len > TL_MAX_JSON)
		return 0;
	json_t *j = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, NULL);
	const char *url = j ? json_string_value(json_object_get(j, "url")) : NULL;
	size_t ui;
	int rc = 0;
	if (url && !(rc = url_index(t, url, &ui))) {
		tl_url_t *u = &t->v[ui];
		size_t i;
		json_t *ty;
		json_array_foreach(json_object_get(j, "types"), i, ty) {
			int b = tl_type_bit(json_string_value(ty));
			if (b >= 0)
				u->alerted |= (uint32_t)1 << b;
		}
		const char *why = json_string_value(json_object_get(j, "reason"));
		if (why && !strcmp(why, "doxing"))
			u->alerted_doxing = 1;
		if (t->alert_fn) {
			uint32_t bits = 0;
			json_array_foreach(json_object_get(j, "types"), i, ty) {
				int b = tl_type_bit(json_string_value(ty));
				if (b >= 0)
					bits |= (uint32_t)1 << b;
			}
			json_t *r = json_object_get(j, "round");
			uint32_t round = json_is_integer(r) && json_integer_value(r) > 0 &&
			                 json_integer_value(r) < UINT32_MAX ? (uint32_t)json_integer_value(r) : 0;
			const char *id = warc_rec_get(rec, "WARC-Record-ID");
			const char *resp = json_string_value(json_object_get(j, "record"));
			const char *date = warc_rec_get(rec, "WARC-Date");
			if (id)
				t->alert_fn(t->alert_ctx, id, url, resp ? resp : "", round, why ? why : "watched", bits,
				            date ? date : "");
		}
	}
	json_decref(j);
	return rc == ARC_ELIMIT ? 0 : rc;
}

int tl_feed(tl_t *t, const warc_rec_t *rec, arc_error_t *err)
{
	uint64_t index = t->nrec++;
	const char *type = warc_rec_get(rec, "WARC-Type");
	const char *uri = warc_rec_get(rec, "WARC-Target-URI");
	const char *ct = warc_rec_get(rec, "Content-Type");
	int rc = 0;
	if (!type)
		return 0;
	if ((!strcmp(type, "response") || !strcmp(type, "revisit")) && uri) {
		rc = on_capture(t, rec, type, uri, index);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_FINDINGS)) {
		on_findings(t, rec);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_CAPTURE) &&
	           !warc_rec_get(rec, "WARC-Concurrent-To")) {
		if (!(rc = close_open(t)))
			rc = on_failure(t, rec, index);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_SEAL)) {
		if (!(rc = close_open(t)))
			seal_resolve(t, rec);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_STAMP)) {
		if (!(rc = close_open(t)))
			stamp_resolve(t, rec);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, TL_CT_WATCH)) {
		if (!(rc = close_open(t)))
			rc = on_watch(t, rec, index);
	} else if (!strcmp(type, "metadata") && arc_ct_is(ct, TL_CT_ALERT)) {
		if (!(rc = close_open(t)))
			rc = on_alert(t, rec);
	} else if (!strcmp(type, "warcinfo")) {
		rc = close_open(t);
	}
	if (rc)
		return arc_fail(err, rc, "", rec->offset, "", "%s building the timeline",
		                rc == ARC_ENOMEM ? "out of memory" : "a limit was reached");
	return 0;
}

int tl_read_case(tl_t *t, const char *dir, int *damaged, arc_error_t *err)
{
	arc_case_files_t files;
	if (damaged)
		*damaged = 0;
	if (t->stopped)
		return 0;
	int rc = arc_case_files(dir, &files, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < files.n && !rc; i++) {
		if (t->have_pos && files.v[i].num < t->pos_num)
			continue;
		uint64_t from = t->have_pos && files.v[i].num == t->pos_num ? t->pos_off : 0;
		/* bodies past the notice window are checked by the reader, not kept */
		warc_reader_opts_t ro = {.block_keep = TL_MAX_SCAN + HTTP_MAX_HEADER};
		warc_reader_t *r = warc_reader_open(files.v[i].path, &ro, err);
		if (!r) {
			rc = err->code ? err->code : ARC_EIO;
			break;
		}
		if (from && warc_reader_seek(r, from, err)) {
			warc_reader_free(r);
			rc = err->code ? err->code : ARC_EIO;
			break;
		}
		t->have_pos = 1;
		t->pos_num = files.v[i].num;
		t->pos_off = from;
		warc_rec_t rec;
		int n;
		while ((n = warc_reader_next(r, &rec, err)) == 1) {
			if ((rc = tl_feed(t, &rec, err)))
				break;
			t->pos_off = rec.offset + rec.length;
		}
		warc_reader_free(r);
		if (n < 0 && !rc) {
			/* a torn or damaged file: what follows it is not in this timeline
			 * (custody-verify says what is wrong). A torn tail a resumed write
			 * cuts off is read again from here. */
			if (damaged)
				*damaged = 1;
			if (i + 1 < files.n)
				t->stopped = 1;
			break;
		}
	}
	arc_case_files_free(&files);
	if (!rc)
		rc = close_open(t);
	return rc;
}

/* ---------------------------------------------------------------- JSON */

static json_t *visit_json(const tl_visit_t *v)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "state", json_string(tl_state_name(v->state)));
	json_object_set_new(o, "time", json_string(v->date));
	json_object_set_new(o, "trusted_time", v->stamp_time[0] ? json_string(v->stamp_time) : json_null());
	json_object_set_new(o, "sealed", v->sealed ? json_string(v->seal_time) : json_null());
	json_object_set_new(o, "status", v->status ? json_integer(v->status) : json_null());
	if (v->how[0])
		json_object_set_new(o, "how", json_string(v->how));
	json_object_set_new(o, "record", json_string(v->record));
	if (v->digest[0])
		json_object_set_new(o, "digest", json_string(v->digest));
	if (v->round)
		json_object_set_new(o, "round", json_integer(v->round));
	if (v->doxing >= 0)
		json_object_set_new(o, "doxing", json_boolean(v->doxing));
	if (v->watched) {
		json_t *a = json_array();
		for (int b = 0; b < 32; b++)
			if (v->watched & ((uint32_t)1 << b) && tl_type_name(b))
				json_array_append_new(a, json_string(tl_type_name(b)));
		json_object_set_new(o, "watched", a);
	}
	return o;
}

int tl_json(const tl_t *t, const char *url, arc_buf_t *out)
{
	json_t *root = json_object();
	json_t *arr = json_array();
	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return ARC_ENOMEM;
	}
	json_object_set_new(root, "kind", json_string("timeline"));
	json_object_set_new(root, "records", json_integer((json_int_t)t->nrec));
	json_object_set_new(root, "rounds", json_integer(t->last_round));
	for (size_t i = 0; i < t->n; i++) {
		const tl_url_t *u = &t->v[i];
		if (url && strcmp(url, u->url))
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "url", json_string(u->url));
		json_object_set_new(o, "state", json_string(tl_state_name(u->last.state)));
		json_object_set_new(o, "visits", json_integer((json_int_t)u->visits));
		json_object_set_new(o, "versions", json_integer(u->nversions));
		json_object_set_new(o, "unreachable", json_integer((json_int_t)u->unreachable));
		json_object_set_new(o, "first_present", u->has_first ? visit_json(&u->first_present) : json_null());
		json_object_set_new(o, "last_present", u->has_last ? visit_json(&u->last_present) : json_null());
		json_object_set_new(o, "removed", u->has_removed ? visit_json(&u->removed) : json_null());
		json_object_set_new(o, "last", u->visits ? visit_json(&u->last) : json_null());
		if (t->keep) {
			json_t *h = json_array();
			for (size_t k = 0; k < u->nhist; k++)
				json_array_append_new(h, visit_json(&u->hist[k]));
			json_object_set_new(o, "history", h);
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "urls", arr);
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return ARC_ENOMEM;
	int rc = arc_buf_append(out, s, strlen(s));
	free(s);
	return rc ? ARC_ENOMEM : 0;
}
