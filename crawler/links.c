/*
 * links.c — the links of an HTML page, for the crawl to follow.
 *
 * libxml2's HTML parser (recovering, silent, no network) builds the tree; one
 * iterative walk (no recursion: hostile pages nest deeply) takes <base href>
 * first, then href/src of the elements that load or lead to other pages.
 * Each link is resolved and normalized with libcurl's URL API (scope.c).
 *
 * Must never follow a non-http(s) link (javascript:, mailto:, data:, ...),
 * report more than max_links links, or print parser errors.
 */
#include <limits.h>
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

int crawl_links_html(const unsigned char *html, size_t len, const char *page_url,
                     size_t max_links, crawl_link_fn fn, void *ctx)
{
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
	if (!doc)
		return 0; /* nothing parseable: no links */
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
				if (fn(ctx, abs, "meta"))
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
				if (fn(ctx, abs, (const char *)n->name))
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
	xmlFreeDoc(doc);
	return count;
}

/* Content types whose payload the crawl reads (links, detection). */
int crawl_is_text_type(const char *ct)
{
	if (!ct || !*ct)
		return 0;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n >= 5 && !strncasecmp(ct, "text/", 5))
		return 1;
	static const char *const types[] = {"application/json", "application/xhtml+xml",
	                                    "application/ld+json", "application/javascript"};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (n == strlen(types[i]) && !strncasecmp(ct, types[i], n))
			return 1;
	return n > 5 && !strncasecmp(ct + n - 5, "+json", 5);
}

int crawl_link_is_requisite(const char *tag)
{
	return strcasecmp(tag, "a") && strcasecmp(tag, "area") && strcasecmp(tag, "meta");
}

int crawl_is_html_type(const char *ct)
{
	if (!ct)
		return 0;
	size_t n = strcspn(ct, "; \t");
	return (n == 9 && !strncasecmp(ct, "text/html", 9)) ||
	       (n == 21 && !strncasecmp(ct, "application/xhtml+xml", 21));
}
