/*
 * scope.c — URL normalization (libcurl's URL API) and the crawl scope.
 *
 * Normalization decides what "the same URL" means for the seen set, so it is
 * deliberately conservative: resolve relative references (RFC 3986, done by
 * CURLU), drop the fragment (never sent to the server), lower-case scheme and
 * host, drop the default port. Path and query are kept as written (no
 * re-ordering of query arguments, no case folding): two URLs that differ there
 * may be different pages, and missing one is worse than fetching twice.
 *
 * Also here: the --include/--exclude filters (POSIX extended regular
 * expressions over the normalized URL) and the reading of Retry-After.
 *
 * Must never accept a non-http(s) URL or one longer than CRAWL_MAX_URL.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crawl_int.h"

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int crawl_url_normalize(const char *base, const char *href, char **out)
{
	*out = NULL;
	if (!href || strlen(href) > CRAWL_MAX_URL)
		return ARC_EINVAL;
	/* leading/trailing whitespace is common in hrefs and never meaningful */
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r' || *href == '\f')
		href++;
	size_t n = strlen(href);
	while (n && (href[n - 1] == ' ' || href[n - 1] == '\t' || href[n - 1] == '\n' ||
	             href[n - 1] == '\r' || href[n - 1] == '\f'))
		n--;
	char *h = malloc(n + 1);
	if (!h)
		return ARC_ENOMEM;
	memcpy(h, href, n);
	h[n] = '\0';
	/* tabs and newlines inside a URL are removed by browsers (WHATWG) */
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (h[i] != '\t' && h[i] != '\n' && h[i] != '\r')
			h[j++] = h[i];
	h[j] = '\0';
	if (base && (h[0] == '#' || !h[0])) {
		/* a fragment-only reference is the base document itself (libcurl 7.88
		 * resolves it to the base's directory) */
		free(h);
		return crawl_url_normalize(NULL, base, out);
	}

	int rc = ARC_EINVAL;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *full = NULL;
	if (!u) {
		free(h);
		return ARC_ENOMEM;
	}
	unsigned flags = CURLU_ALLOW_SPACE;
	if (base && curl_url_set(u, CURLUPART_URL, base, flags) != CURLUE_OK)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, h, flags) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto done;
	lower(scheme);
	if (strcmp(scheme, "http") && strcmp(scheme, "https"))
		goto done;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
		goto done;
	lower(host);
	if (curl_url_set(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
		goto done;
	/* user:password@ in a link would be sent to the server: drop it */
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &full, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	if (strlen(full) > CRAWL_MAX_URL)
		goto done;
	*out = strdup(full);
	rc = *out ? 0 : ARC_ENOMEM;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(full);
	curl_url_cleanup(u);
	free(h);
	return rc;
}

static int url_part(const char *url, CURLUPart part, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *v = NULL;
	int rc = ARC_EINVAL;
	if (!u)
		return ARC_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_ALLOW_SPACE) == CURLUE_OK &&
	    curl_url_get(u, part, &v, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) == CURLUE_OK) {
		size_t n = strlen(v);
		if (n < outsz) {
			memcpy(out, v, n + 1);
			lower(out);
			rc = 0;
		}
	}
	curl_free(v);
	curl_url_cleanup(u);
	return rc;
}

int crawl_url_host(const char *url, char *out, size_t outsz)
{
	return url_part(url, CURLUPART_HOST, out, outsz);
}

int crawl_url_origin(const char *url, char *out, size_t outsz)
{
	char scheme[16], host[1024], port[16];
	if (url_part(url, CURLUPART_SCHEME, scheme, sizeof scheme) ||
	    url_part(url, CURLUPART_HOST, host, sizeof host) ||
	    url_part(url, CURLUPART_PORT, port, sizeof port))
		return ARC_EINVAL;
	int n = snprintf(out, outsz, "%s://%s:%s", scheme, host, port);
	return n < 0 || (size_t)n >= outsz ? ARC_EINVAL : 0;
}

/* ---------------------------------------------------------------- scope */

struct crawl_scope {
	crawl_scope_mode_t mode;
	char **items;   /* hosts, domains, prefixes or URLs, by mode */
	size_t n, cap;
};

crawl_scope_t *crawl_scope_new(crawl_scope_mode_t mode)
{
	crawl_scope_t *s = calloc(1, sizeof *s);
	if (s)
		s->mode = mode;
	return s;
}

void crawl_scope_free(crawl_scope_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	free(s);
}

static int scope_add(crawl_scope_t *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i], v))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **ni = realloc(s->items, cap * sizeof *ni);
		if (!ni)
			return ARC_ENOMEM;
		s->items = ni;
		s->cap = cap;
	}
	if (!(s->items[s->n] = strdup(v)))
		return ARC_ENOMEM;
	s->n++;
	return 0;
}

int crawl_scope_add_seed(crawl_scope_t *s, const char *url)
{
	char host[1024];
	switch (s->mode) {
	case CRAWL_SCOPE_HOST:
		if (crawl_url_host(url, host, sizeof host))
			return ARC_EINVAL;
		return scope_add(s, host);
	case CRAWL_SCOPE_DOMAIN:
		if (crawl_url_host(url, host, sizeof host))
			return ARC_EINVAL;
		return scope_add(s, strncmp(host, "www.", 4) ? host : host + 4);
	case CRAWL_SCOPE_PREFIX: {
		/* the seed's directory: everything up to the last '/' before any query */
		size_t n = strcspn(url, "?");
		while (n && url[n - 1] != '/')
			n--;
		char *p = strndup(url, n);
		if (!p)
			return ARC_ENOMEM;
		int rc = scope_add(s, p);
		free(p);
		return rc;
	}
	case CRAWL_SCOPE_SEEDS:
		return scope_add(s, url);
	}
	return ARC_EINVAL;
}

int crawl_scope_match(const crawl_scope_t *s, const char *url)
{
	char host[1024];
	if (s->mode == CRAWL_SCOPE_HOST || s->mode == CRAWL_SCOPE_DOMAIN)
		if (crawl_url_host(url, host, sizeof host))
			return 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *v = s->items[i];
		switch (s->mode) {
		case CRAWL_SCOPE_HOST:
			if (!strcmp(host, v))
				return 1;
			break;
		case CRAWL_SCOPE_DOMAIN: {
			size_t hl = strlen(host), vl = strlen(v);
			if (!strcmp(host, v) || (hl > vl && host[hl - vl - 1] == '.' && !strcmp(host + hl - vl, v)))
				return 1;
			break;
		}
		case CRAWL_SCOPE_PREFIX:
			if (!strncmp(url, v, strlen(v)))
				return 1;
			break;
		case CRAWL_SCOPE_SEEDS:
			if (!strcmp(url, v))
				return 1;
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- --include / --exclude */

struct crawl_filter {
	regex_t *inc, *exc;
	size_t ninc, nexc;
};

void crawl_filter_free(crawl_filter_t *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ninc; i++)
		regfree(&f->inc[i]);
	for (size_t i = 0; i < f->nexc; i++)
		regfree(&f->exc[i]);
	free(f->inc);
	free(f->exc);
	free(f);
}

static int compile_all(regex_t *v, size_t *nv, const char *const *src, size_t n, const char *opt,
                       arc_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		int r = regcomp(&v[i], src[i], REG_EXTENDED | REG_NOSUB);
		if (r) {
			char msg[256];
			regerror(r, &v[i], msg, sizeof msg);
			return arc_fail(err, ARC_EINVAL, "", 0, "", "--%s '%.200s': %s", opt, src[i], msg);
		}
		(*nv)++;
	}
	return 0;
}

crawl_filter_t *crawl_filter_new(const char *const *include, size_t ninclude,
                                 const char *const *exclude, size_t nexclude, arc_error_t *err)
{
	crawl_filter_t *f = calloc(1, sizeof *f);
	if (!f || (ninclude && !(f->inc = calloc(ninclude, sizeof *f->inc))) ||
	    (nexclude && !(f->exc = calloc(nexclude, sizeof *f->exc)))) {
		crawl_filter_free(f);
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		return NULL;
	}
	if (compile_all(f->inc, &f->ninc, include, ninclude, "include", err) ||
	    compile_all(f->exc, &f->nexc, exclude, nexclude, "exclude", err)) {
		crawl_filter_free(f);
		return NULL;
	}
	return f;
}

int crawl_filter_match(const crawl_filter_t *f, const char *url)
{
	if (!f)
		return 1;
	int in = f->ninc == 0;
	for (size_t i = 0; i < f->ninc && !in; i++)
		in = regexec(&f->inc[i], url, 0, NULL, 0) == 0;
	for (size_t i = 0; i < f->nexc && in; i++)
		if (regexec(&f->exc[i], url, 0, NULL, 0) == 0)
			in = 0;
	return in;
}

/* ---------------------------------------------------------------- Retry-After */

long crawl_retry_after(const char *v, time_t now)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		char *end;
		errno = 0;
		long long s = strtoll(v, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || *end || s < 0)
			return -1;
		return s > 86400 * 365 ? 86400 * 365 : (long)s;
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return t > now ? (long)(t - now) : 0;
}
