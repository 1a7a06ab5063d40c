/*
 * links.c — the links of an HTML page, for the crawl to follow.
 *
 * libxml2's HTML parser (recovering, silent, no network) builds the tree; one
 * iterative walk (no recursion: hostile pages nest deeply) takes <base href>
 * first, then href/src of the elements that load or lead to other pages.
 * Each link is resolved and normalized with libcurl's URL API (scope.c).
 * On request (crawl --focus) each link also gets its text: title and alt
 * attributes and, for <a>, the text and image alts inside it, bounded to
 * CRAWL_LINK_TEXT_MAX bytes; the plain crawl does not pay for it. What a
 * page embeds beyond src/href is taken too, as a person saw the page: srcset
 * candidates, url() and @import in style attributes, <style> elements and
 * fetched style sheets (crawl_links_css).
 *
 * Must never follow a non-http(s) link (javascript:, mailto:, data:, ...),
 * report more than max_links links, print parser errors, or let a link's
 * text outgrow its bound (an <a> may wrap a whole page).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "crawl_int.h"

static const struct {
	const char *tag, *attr;
} link_attrs[] = {
	{"a", "href"},      {"link", "href"},   {"area", "href"},
	{"img", "src"},     {"script", "src"},  {"iframe", "src"},
	{"frame", "src"},   {"embed", "src"},   {"source", "src"},
	{"video", "src"},   {"audio", "src"},   {"video", "poster"},
};

/* Whether a <link rel=...> embeds what it names in the page a person saw
 * (a style sheet, an icon, a preloaded script or font, a manifest); the
 * others (canonical, next, prev, alternate, search, prefetch ...) name other
 * documents and are hyperlinks, never requisites. rel is a space-separated
 * token list, case-insensitive; a missing rel embeds nothing. */
static int link_rel_embeds(const char *rel)
{
	static const char *const embeds[] = {"stylesheet", "icon", "apple-touch-icon",
	                                     "apple-touch-icon-precomposed", "preload",
	                                     "modulepreload", "manifest", "mask-icon"};
	const char *p = rel;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
			p++;
		size_t n = strcspn(p, " \t\n\r\f");
		for (size_t i = 0; n && i < sizeof embeds / sizeof embeds[0]; i++)
			if (strlen(embeds[i]) == n && !strncasecmp(p, embeds[i], n))
				return 1;
		p += n;
	}
	return 0;
}

/* Next node in document order, without recursion. */
static xmlNodePtr next_node(xmlNodePtr n)
{
	if (n->children && n->type == XML_ELEMENT_NODE)
		return n->children;
	while (n) {
		if (n->next)
			return n->next;
		n = n->parent;
		if (n && n->type != XML_ELEMENT_NODE)
			return NULL; /* back at the document node */
	}
	return NULL;
}

static int skip_scheme(const char *v)
{
	static const char *const bad[] = {"javascript:", "mailto:", "data:", "tel:", "about:",
	                                  "blob:", "vbscript:", "file:", "ftp:", "sms:"};
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!strncasecmp(v, bad[i], strlen(bad[i])))
			return 1;
	return 0;
}

/* libxml2 reports some errors (encoding conversion, I/O) through its global
 * handlers even with HTML_PARSE_NOERROR; a library must not print. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* The URL of a refresh content value "5; url='x'" (modified in place), or NULL. */
static char *refresh_url(const char *content)
{
	char *p = (char *)content;
	while (*p == ' ' || *p == '\t' || (*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (*p != ';' && *p != ',')
		return NULL;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncasecmp(p, "url", 3)) {
		char *q = p + 3;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=') {
			p = q + 1;
			while (*p == ' ' || *p == '\t')
				p++;
		}
	}
	if (*p == '\'' || *p == '"') {
		char quote = *p++;
		char *end = strchr(p, quote);
		if (end)
			*end = '\0';
	}
	return p;
}

/* A link's text being gathered: UTF-8, whitespace runs collapsed to one
 * space, cut at a character boundary once full. */
typedef struct {
	char s[CRAWL_LINK_TEXT_MAX];
	size_t n;
	int gap;        /* a space is due before the next character */
	int full;
} link_text_t;

static void text_add(link_text_t *t, const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	while (*u && !t->full) {
		if (*u == ' ' || *u == '\t' || *u == '\n' || *u == '\r' || *u == '\f') {
			t->gap = t->n > 0;
			u++;
			continue;
		}
		size_t clen = *u < 0x80 ? 1 : *u >= 0xF0 ? 4 : *u >= 0xE0 ? 3 : *u >= 0xC0 ? 2 : 1;
		for (size_t k = 1; k < clen; k++)
			if ((u[k] & 0xC0) != 0x80) {
				clen = 1; /* not UTF-8 after all: take the byte alone */
				break;
			}
		if (t->n + (size_t)t->gap + clen >= sizeof t->s) {
			t->full = 1;
			break;
		}
		if (t->gap)
			t->s[t->n++] = ' ';
		t->gap = 0;
		memcpy(t->s + t->n, u, clen);
		t->n += clen;
		u += clen;
	}
	t->s[t->n] = '\0';
}

static void text_add_attr(link_text_t *t, xmlNodePtr n, const char *attr)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	if (v) {
		t->gap = t->n > 0;
		text_add(t, (const char *)v);
		xmlFree(v);
	}
}

/* Nodes looked at inside one <a>: its text is bounded, and so is the work of
 * finding it when the anchor holds thousands of empty elements. */
#define LINK_TEXT_MAX_NODES 512

/* The text of link element e: title and alt, then (for <a>) the text and
 * image alts inside it, in document order, without recursion. */
static void link_text(xmlNodePtr e, link_text_t *t)
{
	t->n = 0;
	t->gap = t->full = 0;
	t->s[0] = '\0';
	text_add_attr(t, e, "title");
	text_add_attr(t, e, "alt");
	if (strcasecmp((const char *)e->name, "a"))
		return;
	xmlNodePtr n = e->children;
	for (int visited = 0; n && !t->full && visited < LINK_TEXT_MAX_NODES; visited++) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				text_add(t, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE) {
			if (!strcasecmp((const char *)n->name, "img"))
				text_add_attr(t, n, "alt");
			if (!strcasecmp((const char *)n->name, "br") || !strcasecmp((const char *)n->name, "img"))
				t->gap = t->n > 0;
			if (n->children && strcasecmp((const char *)n->name, "script") &&
			    strcasecmp((const char *)n->name, "style")) {
				n = n->children;
				continue;
			}
		}
		while (n && n != e && !n->next)
			n = n->parent;
		if (!n || n == e)
			break;
		n = n->next;
	}
}

/* The walk behind both entry points: fn gets the links, tfn (when not NULL)
 * the links with their text. */
/* ---------------------------------------------------------------- requisites in attributes and CSS */

/* Where one reported link goes: resolved against base, counted, handed to
 * fn (or tfn with an empty text). */
typedef struct {
	const char *base;
	size_t max;
	int *count;
	crawl_link_fn fn;
	crawl_link_text_fn tfn;
	void *ctx;
	int stop;
} sink_t;

static void report(sink_t *k, const char *raw, size_t n, const char *tag)
{
	char buf[CRAWL_MAX_URL + 1];
	char *abs = NULL;
	while (n && (*raw == ' ' || *raw == '\t' || *raw == '\n' || *raw == '\r' || *raw == '\f'))
		raw++, n--;
	while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\n' ||
	             raw[n - 1] == '\r' || raw[n - 1] == '\f'))
		n--;
	if (k->stop || !n || n > CRAWL_MAX_URL || (size_t)*k->count >= k->max)
		return;
	memcpy(buf, raw, n);
	buf[n] = '\0';
	if (skip_scheme(buf) || crawl_url_normalize(k->base, buf, &abs) != 0)
		return;
	(*k->count)++;
	if (k->tfn ? k->tfn(k->ctx, abs, tag, "", 0) : k->fn(k->ctx, abs, tag))
		k->stop = 1;
	free(abs);
}

/* url(...) and @import "..." of CSS text (a style sheet, a <style>
 * element, a style attribute). Escapes inside URLs are rare and left as
 * written. */
static void css_urls(sink_t *k, const char *css, size_t len, const char *tag)
{
	size_t i = 0;
	while (i < len && !k->stop) {
		size_t q;
		if (i + 4 <= len && !strncasecmp(css + i, "url(", 4)) {
			i += 4;
			while (i < len && (css[i] == ' ' || css[i] == '\t' || css[i] == '\n' || css[i] == '\r'))
				i++;
			if (i < len && (css[i] == '"' || css[i] == '\'')) {
				char quote = css[i++];
				for (q = i; q < len && css[q] != quote && css[q] != '\n'; q++)
					;
			} else {
				for (q = i; q < len && css[q] != ')'; q++)
					;
			}
			if (q >= len)
				return;
			report(k, css + i, q - i, tag);
			i = q + 1;
		} else if (i + 7 <= len && !strncasecmp(css + i, "@import", 7)) {
			i += 7;
			while (i < len && (css[i] == ' ' || css[i] == '\t' || css[i] == '\n' || css[i] == '\r'))
				i++;
			if (i < len && (css[i] == '"' || css[i] == '\'')) {
				char quote = css[i++];
				for (q = i; q < len && css[q] != quote && css[q] != '\n'; q++)
					;
				if (q >= len)
					return;
				report(k, css + i, q - i, tag);
				i = q + 1;
			} /* @import url(...) is caught by the url( branch */
		} else {
			i++;
		}
	}
}

/* srcset="a.jpg 1x, b.jpg 2x" (HTML: image candidate strings). */
static void srcset_urls(sink_t *k, const char *v, const char *tag)
{
	const char *p = v;
	while (*p && !k->stop) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *u = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
			p++;
		size_t n = (size_t)(p - u);
		while (n && u[n - 1] == ',')
			n--; /* "a.jpg," without a descriptor */
		report(k, u, n, tag);
		while (*p && *p != ',')
			p++; /* the descriptor */
	}
}

int crawl_links_css(const unsigned char *css, size_t len, const char *page_url, size_t max_links,
                    crawl_link_fn fn, void *ctx)
{
	int count = 0;
	sink_t k = {page_url, max_links, &count, fn, NULL, ctx, 0};
	css_urls(&k, (const char *)css, len, "style");
	return count;
}

/* Length of a character reference to U+0000 at p ("&#0;", "&#x00;", "&#000"),
 * or 0. */
static size_t nul_ref(const unsigned char *p, size_t n)
{
	size_t i = 2, digits = 0;
	if (n < 3 || p[0] != '&' || p[1] != '#')
		return 0;
	if (i < n && (p[i] == 'x' || p[i] == 'X'))
		i++;
	while (i < n && p[i] == '0') {
		i++;
		digits++;
	}
	if (!digits || (i < n && ((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
	                          (p[i] >= 'A' && p[i] <= 'F'))))
		return 0;
	return i < n && p[i] == ';' ? i + 1 : i;
}

/* HTML (WHATWG 13.2.5.80) reads a NUL, written or as &#0;, as U+FFFD;
 * libxml2 hands attribute values over as C strings, so "/l2&#0;z" would
 * become "/l2", another page. A copy with each NUL spelled &#xFFFD; when
 * there is one (*out NULL otherwise). 0 or ARC_ENOMEM. */
static int nul_fix(const unsigned char *html, size_t len, unsigned char **out, size_t *out_len)
{
	size_t extra = 0, k;
	*out = NULL;
	for (size_t i = 0; i < len; i++)
		if (html[i] == 0)
			extra += 8;
		else if (html[i] == '&' && (k = nul_ref(html + i, len - i)))
			extra += 8;
	if (!extra)
		return 0;
	unsigned char *o = malloc(len + extra);
	if (!o)
		return ARC_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		k = html[i] == '&' ? nul_ref(html + i, len - i) : 0;
		if (html[i] == 0 || k) {
			memcpy(o + n, "&#xFFFD;", 8);
			n += 8;
			if (k)
				i += k - 1;
		} else {
			o[n++] = html[i];
		}
	}
	*out = o;
	*out_len = n;
	return 0;
}

static int links_walk(const unsigned char *html, size_t len, const char *page_url,
                      size_t max_links, crawl_link_fn fn, crawl_link_text_fn tfn, void *ctx,
                      size_t *too_long)
{
	unsigned char *fixed = NULL;
	size_t fixed_len = 0;
	if (nul_fix(html, len, &fixed, &fixed_len))
		return ARC_ENOMEM;
	if (fixed) {
		int r = links_walk(fixed, fixed_len, page_url, max_links, fn, tfn, ctx, too_long);
		free(fixed);
		return r;
	}
	link_text_t *text = NULL;
	if (tfn && !(text = malloc(sizeof *text)))
		return ARC_ENOMEM;
	if (len > INT_MAX)
		len = INT_MAX;
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc old_structured = xmlStructuredError;
	void *old_structured_ctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	htmlDocPtr doc = htmlReadMemory((const char *)html, (int)len, page_url, NULL,
	                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                                HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	if (!doc) {
		free(text);
		return 0; /* nothing parseable: no links */
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *base = NULL;
	int count = 0, rc = 0;

	/* <base href> applies to the whole document, wherever it sits */
	for (xmlNodePtr n = root; n; n = next_node(n)) {
		if (n->type == XML_ELEMENT_NODE && !strcasecmp((const char *)n->name, "base")) {
			xmlChar *v = xmlGetProp(n, (const xmlChar *)"href");
			if (v) {
				char *abs = NULL;
				if (crawl_url_normalize(page_url, (const char *)v, &abs) == 0)
					base = abs;
				xmlFree(v);
			}
			if (base)
				break;
		}
	}
	const char *resolve_from = base ? base : page_url;

	for (xmlNodePtr n = root; n && (size_t)count < max_links; n = next_node(n)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcasecmp((const char *)n->name, "meta")) {
			/* <meta http-equiv="refresh" content="0; url=..."> redirects too */
			xmlChar *he = xmlGetProp(n, (const xmlChar *)"http-equiv");
			xmlChar *ct = he && !strcasecmp((const char *)he, "refresh")
			                  ? xmlGetProp(n, (const xmlChar *)"content") : NULL;
			const char *u = ct ? refresh_url((const char *)ct) : NULL;
			char *abs = NULL;
			if (u && *u && !skip_scheme(u) && crawl_url_normalize(resolve_from, u, &abs) == 0) {
				count++;
				if (tfn ? tfn(ctx, abs, "meta", "", 0) : fn(ctx, abs, "meta"))
					rc = 1;
				free(abs);
			}
			xmlFree(he);
			xmlFree(ct);
			if (rc)
				break;
			continue;
		}
		/* requisites a person saw: srcset candidates, CSS in style= and <style> */
		sink_t k = {resolve_from, max_links, &count, fn, tfn, ctx, 0};
		if (!strcasecmp((const char *)n->name, "img") || !strcasecmp((const char *)n->name, "source")) {
			xmlChar *ss = xmlGetProp(n, (const xmlChar *)"srcset");
			if (ss)
				srcset_urls(&k, (const char *)ss, (const char *)n->name);
			xmlFree(ss);
		}
		xmlChar *st = xmlHasProp(n, (const xmlChar *)"style") ? xmlGetProp(n, (const xmlChar *)"style") : NULL;
		if (st)
			css_urls(&k, (const char *)st, strlen((const char *)st), "style");
		xmlFree(st);
		if (!strcasecmp((const char *)n->name, "style")) {
			xmlChar *css = xmlNodeGetContent(n);
			if (css)
				css_urls(&k, (const char *)css, strlen((const char *)css), "style");
			xmlFree(css);
		}
		if (k.stop) {
			rc = 1;
			break;
		}
		for (size_t i = 0; i < sizeof link_attrs / sizeof link_attrs[0]; i++) {
			if (strcasecmp((const char *)n->name, link_attrs[i].tag))
				continue;
			xmlChar *v = xmlGetProp(n, (const xmlChar *)link_attrs[i].attr);
			if (!v)
				continue;
			char *abs = NULL;
			if (too_long && !skip_scheme((const char *)v) && strlen((const char *)v) > CRAWL_MAX_URL)
				(*too_long)++; /* not followed: said in the capture metadata */
			/* a <link> that embeds nothing is reported as "link-rel": a hyperlink */
			const char *tag = (const char *)n->name;
			if (!strcasecmp(tag, "link")) {
				xmlChar *rel = xmlGetProp(n, (const xmlChar *)"rel");
				if (!link_rel_embeds((const char *)rel))
					tag = "link-rel";
				xmlFree(rel);
			}
			if (!skip_scheme((const char *)v) && v[0] &&
			    crawl_url_normalize(resolve_from, (const char *)v, &abs) == 0) {
				count++;
				if (tfn)
					link_text(n, text);
				if (tfn ? tfn(ctx, abs, tag, text->s, text->n) : fn(ctx, abs, tag))
					rc = 1;
				free(abs);
			}
			xmlFree(v);
			if (rc || (size_t)count >= max_links)
				break;
		}
		if (rc)
			break;
	}
	free(base);
	free(text);
	xmlFreeDoc(doc);
	return count;
}

int crawl_links_html(const unsigned char *html, size_t len, const char *page_url,
                     size_t max_links, crawl_link_fn fn, void *ctx)
{
	return links_walk(html, len, page_url, max_links, fn, NULL, ctx, NULL);
}

int crawl_links_walk(const unsigned char *html, size_t len, const char *page_url, size_t max_links,
                     crawl_link_fn fn, crawl_link_text_fn tfn, void *ctx, size_t *too_long)
{
	return links_walk(html, len, page_url, max_links, fn, tfn, ctx, too_long);
}

int crawl_links_html_text(const unsigned char *html, size_t len, const char *page_url,
                          size_t max_links, crawl_link_text_fn fn, void *ctx)
{
	return links_walk(html, len, page_url, max_links, NULL, fn, ctx, NULL);
}

/* Content types whose payload the crawl reads (links, detection): exactly
 * what the detector reads (detect_media_kind), so a page `custody scan`
 * would read is read by the crawl too (+xml, ndjson ...). */
int crawl_is_text_type(const char *ct)
{
	return detect_media_kind(ct) != DETECT_KIND_NONE;
}

int crawl_link_is_requisite(const char *tag)
{
	return strcasecmp(tag, "a") && strcasecmp(tag, "area") && strcasecmp(tag, "meta") &&
	       strcasecmp(tag, "link-rel");
}

int crawl_is_html_type(const char *ct)
{
	return detect_media_kind(ct) == DETECT_KIND_HTML;
}
