/*
 * robots.c — robots.txt rules (RFC 9309) for one user agent.
 *
 * Groups start with one or more User-agent lines; the group naming our
 * product token (case-insensitive) applies, else the "*" group, else nothing
 * (all allowed). Within the group the longest matching Allow/Disallow path
 * wins, Allow on a tie; '*' matches any run of characters and a final '$'
 * anchors the end. Crawl-delay and Sitemap are ignored (politeness comes from
 * the per-host connection limit).
 *
 * Must never read past the bounded input or keep more than ROBOTS_MAX_RULES.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crawl_int.h"

#define ROBOTS_MAX_BYTES (512u * 1024u)
#define ROBOTS_MAX_RULES 4096u

typedef struct {
	char *path;
	int allow;
} rule_t;

struct crawl_robots {
	rule_t *rules;
	size_t n;
	int fixed;  /* -1 parsed, 1 allow all, 0 disallow all */
};

crawl_robots_t *crawl_robots_fixed(int allow_all)
{
	crawl_robots_t *r = calloc(1, sizeof *r);
	if (r)
		r->fixed = allow_all ? 1 : 0;
	return r;
}

void crawl_robots_free(crawl_robots_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->rules[i].path);
	free(r->rules);
	free(r);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* does the user-agent line value name us? */
static int agent_matches(const char *v, const char *agent)
{
	size_t n = strcspn(v, " /\t");
	return n == strlen(agent) && !strncasecmp(v, agent, n);
}

crawl_robots_t *crawl_robots_parse(const char *body, size_t len, const char *agent)
{
	if (len > ROBOTS_MAX_BYTES)
		len = ROBOTS_MAX_BYTES;
	crawl_robots_t *r = calloc(1, sizeof *r);
	char *text = malloc(len + 1);
	if (!r || !text) {
		free(r);
		free(text);
		return NULL;
	}
	r->fixed = -1;
	memcpy(text, body, len);
	text[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = ' ';

	/* two passes: the rules of our own group if there is one, else of "*" */
	for (int pass = 0; pass < 2; pass++) {
		int in_group = 0, group_started_rules = 0, mine = 0, found = 0;
		size_t cap = 0;
		char *copy = strdup(text);
		if (!copy)
			break;
		char *p = copy;
		while (p && *p) {
			char *eol = p + strcspn(p, "\r\n");
			char *next = *eol ? eol + 1 : NULL;
			*eol = '\0';
			char *hash = strchr(p, '#');
			if (hash)
				*hash = '\0';
			char *colon = strchr(p, ':');
			if (colon) {
				*colon = '\0';
				char *key = trim(p), *val = trim(colon + 1);
				if (!strcasecmp(key, "user-agent")) {
					if (group_started_rules || !in_group) {
						in_group = 1;
						group_started_rules = 0;
						mine = 0;
					}
					if (pass == 0 ? agent_matches(val, agent) : !strcmp(val, "*"))
						mine = found = 1;
				} else if (!strcasecmp(key, "allow") || !strcasecmp(key, "disallow")) {
					group_started_rules = 1;
					if (mine && *val && r->n < ROBOTS_MAX_RULES) {
						if (r->n == cap) {
							cap = cap ? cap * 2 : 16;
							rule_t *nr = realloc(r->rules, cap * sizeof *nr);
							if (!nr)
								break;
							r->rules = nr;
						}
						r->rules[r->n].path = strdup(val);
						r->rules[r->n].allow = !strcasecmp(key, "allow");
						if (r->rules[r->n].path)
							r->n++;
					}
				} else if (in_group) {
					group_started_rules = 1; /* other directives end the agent list */
				}
			}
			p = next;
		}
		free(copy);
		if (found)
			break; /* a group for us, even an empty one, replaces "*" */
	}
	free(text);
	return r;
}

/* Does pattern ('*' any run, final '$' anchors the end) match a prefix of s
 * (all of s when anchored)? The usual greedy matcher with one backtrack point:
 * O(len(pat) * len(s)) at worst, never exponential. */
static int pat_match(const char *pat, const char *s)
{
	size_t pl = strlen(pat);
	int anchored = pl && pat[pl - 1] == '$';
	if (anchored)
		pl--;
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	for (;;) {
		if (pi == pl && (!anchored || !s[si]))
			return 1;
		if (pi < pl && pat[pi] == '*') {
			star = pi++;
			mark = si;
			continue;
		}
		if (pi < pl && s[si] && pat[pi] == s[si]) {
			pi++;
			si++;
			continue;
		}
		if (star != (size_t)-1 && s[mark]) {
			pi = star + 1;
			si = ++mark;
			continue;
		}
		return 0;
	}
}

int crawl_robots_allowed(const crawl_robots_t *r, const char *path_query)
{
	if (r->fixed >= 0)
		return r->fixed;
	size_t best = 0;
	int allow = 1;
	if (!strcmp(path_query, "/robots.txt"))
		return 1;
	for (size_t i = 0; i < r->n; i++) {
		const char *pat = r->rules[i].path;
		if (!pat_match(pat, path_query))
			continue;
		size_t len = strlen(pat);
		if (len > best || (len == best && r->rules[i].allow)) {
			best = len;
			allow = r->rules[i].allow;
		}
	}
	return allow;
}
