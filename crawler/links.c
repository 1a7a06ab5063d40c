/*
 * links.c — the links of an HTML page, for the crawl to follow.
 *
 * libxml2's HTML parser (recovering, silent, no network) builds the tree; one
 * iterative walk (no recursion: hostile pages nest deeply) takes <base href>
 * first, then href/src of the elements that load or lead to other pages.
 * Each link is resolved and normalized with libcurl's URL API (scope.c).
 * On request (crawl --focus) each link also gets its text: title and alt
 * attributes and, for <a>, the text and image alts inside it, bounded to
 * CRAWL_LINK_TEXT_MAX bytes; the plain crawl does not pay for it.
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
static int links_walk(const unsigned char *html, size_t len, const char *page_url,
                      size_t max_links, crawl_link_fn fn, crawl_link_text_fn tfn, void *ctx)
{
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
		for (size_t i = 0; i < sizeof link_attrs / sizeof link_attrs[0]; i++) {
			if (strcasecmp((const char *)n->name, link_attrs[i].tag))
				continue;
			xmlChar *v = xmlGetProp(n, (const xmlChar *)link_attrs[i].attr);
			if (!v)
				continue;
			char *abs = NULL;
			if (!skip_scheme((const char *)v) && v[0] &&
			    crawl_url_normalize(resolve_from, (const char *)v, &abs) == 0) {
				count++;
				if (tfn)
					link_text(n, text);
				if (tfn ? tfn(ctx, abs, (const char *)n->name, text->s, text->n)
				        : fn(ctx, abs, (const char *)n->name))
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
	return links_walk(html, len, page_url, max_links, fn, NULL, ctx);
}

int crawl_links_html_text(const unsigned char *html, size_t len, const char *page_url,
                          size_t max_links, crawl_link_text_fn fn, void *ctx)
{
	return links_walk(html, len, page_url, max_links, NULL, fn, ctx);
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
	return strcasecmp(tag, "a") && strcasecmp(tag, "area") && strcasecmp(tag, "meta");
}

int crawl_is_html_type(const char *ct)
{
	return detect_media_kind(ct) == DETECT_KIND_HTML;
}
