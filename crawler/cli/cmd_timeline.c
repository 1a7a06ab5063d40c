/*
 * cmd_timeline.c — `custody timeline CASE_DIR [--json] [--url URL]`: per URL,
 * when it was first and last seen present, when it was first seen removed
 * and how, its visits and versions, each with its trusted time. The story
 * is built by archive/timeline.c from the records alone (the verifier's
 * report uses the same code).
 *
 * Must never modify the case, or call a visit the network failed "removed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"

static const cli_opt_t timeline_opts[] = {
	{"json", 0, NULL, "One JSON object: {\"kind\": \"timeline\", \"records\", \"rounds\", \"urls\": [{\"url\", "
	                  "\"state\", \"visits\", \"versions\", \"unreachable\", \"first_present\", \"last_present\", "
	                  "\"removed\", \"last\", \"history\"}]}, each visit {\"state\", \"time\", \"trusted_time\", "
	                  "\"sealed\", \"status\", \"how\", \"record\", \"digest\", \"doxing\"}."},
	{"url", 0, "URL", "Only this URL."},
	{"removal-rules", 0, "FILE", "Removal-notice rules (default: the built-in copy of "
	                             "samples/rules/removal.rules)."},
	{0},
};

static const cli_cmd_t timeline_cmd = {
	"timeline",
	"custody timeline [--json] [--url URL] CASE_DIR",
	"How long each page of a case stayed up. Per URL: first captured present, last seen present, first "
	"seen removed after that (and how: the status 404, 410 or 451, a redirect to a login or home page, or "
	"a removal notice in the page's text), the number of visits and of distinct versions. Each time is "
	"the capture's own clock and, where a seal covers the visit, the seal's time and its RFC 3161 "
	"time stamp (the trusted time; custody-verify checks it). A visit that got no answer (network "
	"down) is \"unreachable\", an answer like 403 or 503 \"unavailable\": neither is a removal.",
	timeline_opts,
	"custody timeline case1\ncustody timeline --json --url https://forum.example/t/1 case1\n",
	NULL,
};

typedef struct {
	int json;
	const char *url, *rules;
} tl_cli_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	tl_cli_t *c = ctx;
	if (!strcmp(name, "json"))
		c->json = 1;
	else if (!strcmp(name, "url"))
		c->url = arg;
	else if (!strcmp(name, "removal-rules"))
		c->rules = arg;
	return 0;
}

static const char *when(const tl_visit_t *v)
{
	return v->stamp_time[0] ? v->stamp_time : v->date;
}

static const char *tag(const tl_visit_t *v)
{
	return v->stamp_time[0] ? "trusted" : v->sealed ? "sealed, no time stamp" : "not sealed";
}

int cmd_timeline(int argc, char **argv)
{
	tl_cli_t c = {0};
	int first = 0;
	int rc = cli_parse(&timeline_cmd, argc, argv, on_opt, &c, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (first != argc - 1) {
		fprintf(stderr, "custody timeline: one CASE_DIR, please\nTry 'custody timeline --help'.\n");
		return 2;
	}
	const char *dir = argv[first];
	arc_error_t err;
	memset(&err, 0, sizeof err);
	tl_rules_t *rules = tl_rules_load(c.rules, &err);
	if (!rules) {
		fprintf(stderr, "custody timeline: %s\n", err.msg);
		return 2;
	}
	tl_t *t = tl_new(rules, 1);
	int damaged = 0;
	if (!t || tl_read_case(t, dir, &damaged, &err) < 0) {
		fprintf(stderr, "custody timeline: %s\n", t ? err.msg : "out of memory");
		tl_free(t);
		tl_rules_free(rules);
		return 2;
	}
	if (damaged)
		fprintf(stderr, "custody timeline: %s (the timeline stops there; custody-verify says more)\n", err.msg);
	if (c.url && !tl_find(t, c.url))
		fprintf(stderr, "custody timeline: %s is not in %s\n", c.url, dir);
	if (c.json) {
		arc_buf_t b = {0};
		if (tl_json(t, c.url, &b) == 0) {
			fwrite(b.data, 1, b.len, stdout);
			fputc('\n', stdout);
		} else {
			rc = 2;
		}
		arc_buf_free(&b);
	} else {
		for (size_t i = 0; i < tl_count(t); i++) {
			const tl_url_t *u = tl_url(t, i);
			if (c.url && strcmp(c.url, u->url))
				continue;
			printf("%s\n  now %s; %llu visit%s, %u version%s, %llu unreachable\n", u->url,
			       tl_state_name(u->last.state), (unsigned long long)u->visits, u->visits == 1 ? "" : "s",
			       u->nversions, u->nversions == 1 ? "" : "s", (unsigned long long)u->unreachable);
			if (u->has_first)
				printf("  first present  %s (%s)\n", when(&u->first_present), tag(&u->first_present));
			if (u->has_last)
				printf("  last present   %s (%s)\n", when(&u->last_present), tag(&u->last_present));
			if (u->has_removed)
				printf("  removed by     %s (%s): %s\n", when(&u->removed), tag(&u->removed), u->removed.how);
			else if (u->last.state == TL_UNREACHABLE || u->last.state == TL_UNAVAILABLE)
				printf("  last visit     %s: %s %s (not a removal)\n", when(&u->last),
				       tl_state_name(u->last.state), u->last.how);
		}
	}
	tl_free(t);
	tl_rules_free(rules);
	return rc;
}
