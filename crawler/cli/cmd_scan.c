/*
 * cmd_scan.c — `custody scan`: detection on local files, for triage and for
 * checking the detector; the same detect_payload() the crawler runs.
 *
 * Output: human lines grouped by file with identifiers masked in the middle
 * (--reveal shows them), or JSON lines (DESIGN.md): one "finding" object per
 * finding and one "page" object per file. Exit status: 0 when every file was
 * read and scanned (whether or not anything was found), 2 on a usage error or
 * when a file could not be read or the rules/watchlist could not be loaded.
 *
 * Must never: print an identifier in full without --reveal or --json.
 */
#include <errno.h>
#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd.h"
#include "detect.h"

static const cli_opt_t scan_opts[] = {
	{"json", 0, NULL, "Print JSON lines: {\"kind\":\"finding\",\"file\",\"type\",\"value\",\"text\","
	                  "\"start\",\"end\",\"score\",\"sha256\",\"xpath\"} per finding of personal data "
	                  "(plus \"watch\":true when it is on the watchlist), the same with \"kind\":\"signal\" "
	                  "for each dox keyword (evidence for the verdict, not personal data), and "
	                  "{\"kind\":\"page\",\"file\",\"doxing\",\"score\",\"charset\",\"findings\","
	                  "\"scanned\":{\"bytes\",\"complete\"}} per file (complete is false when the "
	                  "file is larger than the 32 MiB scanned). "
	                  "Values are never masked in JSON."},
	{"reveal", 0, NULL, "Show identifiers in full in the human output (masked by default)."},
	{"rules", 0, "FILE", "Use this rules file instead of the built-in samples/rules/default.rules."},
	{"watch", 0, "FILE", "Mark findings whose normalized value is on this watchlist (made by "
	                     "'custody watch-hash')."},
	{"type", 0, "MIME", "Treat every input as this content type (text/html, application/json, "
	                    "text/plain; charset=...). Default: by extension (.html .htm .json .txt), "
	                    "else sniffed."},
	{0},
};

static const cli_cmd_t scan_cmd = {
	"scan",
	"custody scan [--json] [--reveal] [--rules FILE] [--watch FILE] FILE... | -",
	"Find exposed personal data in local files (HTML, JSON or text, any of UTF-8, GBK/GB18030, "
	"Big5, UTF-16): resident ID numbers, bank cards, mobile and landline numbers, passports, "
	"Hong Kong and Taiwan IDs, licence plates, e-mail, QQ, WeChat, social handles, addresses, "
	"names, and dox keywords, each validated (check digits, dates, number segments) and scored, "
	"and judge each file as a doxing page or not. start/end are byte offsets into the file as "
	"it is, sha256 is over exactly those bytes. '-' reads standard input.\n\n"
	"Exit status: 0 when every file was scanned, findings or not; 2 on a usage error or when a "
	"file, the rules or the watchlist could not be read.",
	scan_opts,
	"custody scan page.html\n"
	"custody scan --json --watch victim.watch saved/*.html > findings.jsonl\n"
	"curl -s https://example.org/post/1 | custody scan --json -",
	NULL, /* few options: --help shows them all */
};

typedef struct {
	int json, reveal;
	const char *rules, *watch, *type;
} scan_args_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	scan_args_t *a = ctx;
	if (!strcmp(name, "json"))
		a->json = 1;
	else if (!strcmp(name, "reveal"))
		a->reveal = 1;
	else if (!strcmp(name, "rules"))
		a->rules = arg;
	else if (!strcmp(name, "watch"))
		a->watch = arg;
	else if (!strcmp(name, "type"))
		a->type = arg;
	return 0;
}

/* Inputs are read (archive's arc_read_file, stdin for "-") up to one byte
 * past DETECT_MAX_INPUT: enough for detect_payload() to tell that the file is
 * larger than it scans. */
#define SCAN_READ_MAX (DETECT_MAX_INPUT + 1)

static const char *type_by_name(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm") || !strcasecmp(dot, ".xhtml"))
		return "text/html";
	if (!strcasecmp(dot, ".json"))
		return "application/json";
	if (!strcasecmp(dot, ".txt"))
		return "text/plain";
	return NULL;
}

/* Mask the middle of a value by characters: keep about a third at the start
 * and a quarter at the end (110105********123X); e-mail keeps its domain. */
static void print_masked(FILE *o, const char *type, const char *v)
{
	if (!strcmp(type, "dox_keyword")) {
		fputs(v, o);
		return;
	}
	const char *end = v + strlen(v);
	const char *tail = "";
	if (!strcmp(type, "email")) {
		const char *at = strchr(v, '@');
		if (at) {
			tail = at;
			end = at;
		}
	}
	size_t chars = 0;
	for (const char *p = v; p < end; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	size_t head = chars / 3, keep_tail = chars / 4;
	if (head == 0)
		head = 1;
	if (chars <= 2)
		keep_tail = 0;
	size_t ci = 0;
	for (const char *p = v; p < end;) {
		size_t l = 1;
		while (p + l < end && ((unsigned char)p[l] & 0xC0) == 0x80)
			l++;
		if (ci < head || ci >= chars - keep_tail)
			fwrite(p, 1, l, o);
		else
			fputc('*', o);
		ci++;
		p += l;
	}
	fputs(tail, o);
}

static int print_json_line(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	json_decref(o);
	if (!s)
		return -1;
	puts(s);
	free(s);
	return 0;
}

static void report_json(const char *file, const detect_result_t *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const detect_finding_t *f = &r->v[i];
		/* dox keywords are signals for the verdict, not personal data: their own kind */
		int signal = !strcmp(f->type, "dox_keyword");
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:s, s:s}",
		                      "kind", signal ? "signal" : "finding", "file", file, "type", f->type,
		                      "value", f->value, "text", f->text,
		                      "start", (json_int_t)f->start, "end", (json_int_t)f->end,
		                      "score", f->score, "sha256", f->sha256, "xpath", f->xpath);
		if (o && f->watch)
			json_object_set_new(o, "watch", json_true());
		if (o && f->disguise[0])
			json_object_set_new(o, "disguise", json_string(f->disguise));
		if (o)
			print_json_line(o);
	}
	json_t *p = json_pack("{s:s, s:s, s:b, s:f, s:s, s:I, s:{s:I, s:b}}", "kind", "page",
	                      "file", file, "doxing", r->doxing, "score", r->score,
	                      "charset", r->charset, "findings", (json_int_t)r->n,
	                      "scanned", "bytes", (json_int_t)r->scanned_bytes,
	                      "complete", !r->truncated);
	if (p)
		print_json_line(p);
}

static void report_human(const char *file, const detect_result_t *r, int reveal)
{
	printf("%s: %s (score %.2f), %zu finding%s%s%s\n", file,
	       r->doxing ? "DOXING PAGE" : "not a doxing page", r->score, r->n,
	       r->n == 1 ? "" : "s", r->charset[0] ? ", charset " : "", r->charset);
	if (r->truncated)
		printf("  INCOMPLETE: only the first %llu bytes were scanned; nothing is known "
		       "about the rest\n", (unsigned long long)r->scanned_bytes);
	for (size_t i = 0; i < r->n; i++) {
		const detect_finding_t *f = &r->v[i];
		printf("  %-15s ", f->type);
		if (reveal)
			fputs(f->value, stdout);
		else
			print_masked(stdout, f->type, f->value);
		printf("  bytes %llu-%llu  score %.2f%s%s%s\n", (unsigned long long)f->start,
		       (unsigned long long)f->end, f->score, f->watch ? "  WATCHLIST" : "",
		       f->disguise[0] ? "  written as " : "", f->disguise);
	}
}

int cmd_scan(int argc, char **argv)
{
	scan_args_t a = {0};
	int first;
	int rc = cli_parse(&scan_cmd, argc, argv, on_opt, &a, &first);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (first >= argc) {
		fprintf(stderr, "custody scan: no input files (use - for standard input)\n"
		                "Try 'custody scan --help' for the options.\n");
		return 2;
	}
	arc_error_t err;
	memset(&err, 0, sizeof err);
#ifdef __GLIBC__
	/* Each file's text map (about 9 bytes per byte of text) is freed before the
	 * next file: keep that memory in the process rather than giving it back to
	 * the kernel and faulting it in again per file (a third of the scan's time
	 * on many small files). Bounded by the largest file's map. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
	detect_rules_t *rules = detect_rules_load(a.rules, &err);
	if (!rules) {
		fprintf(stderr, "custody scan: rules: %s\n", err.msg);
		return 2;
	}
	detect_watch_t *watch = NULL;
	if (a.watch && !(watch = detect_watch_load(a.watch, &err))) {
		fprintf(stderr, "custody scan: watchlist: %s\n", err.msg);
		detect_rules_free(rules);
		return 2;
	}
	int status = 0;
	for (int i = first; i < argc; i++) {
		const char *file = argv[i];
		arc_buf_t in = {0};
		int truncated = 0;
		if (arc_read_file(file, SCAN_READ_MAX, &in, &truncated, &err)) {
			fprintf(stderr, "custody scan: %s\n", err.msg);
			arc_buf_free(&in);
			status = 2;
			continue;
		}
		const unsigned char *buf = in.data ? in.data : (const unsigned char *)"";
		size_t len = in.len;
		detect_result_t r;
		const char *ct = a.type ? a.type : strcmp(file, "-") ? type_by_name(file) : NULL;
		if (detect_payload(rules, watch, ct, buf, len, &r, &err)) {
			fprintf(stderr, "custody scan: %s: %s\n", file, err.msg);
			status = 2;
		} else {
			if (r.truncated || truncated)
				fprintf(stderr, "custody scan: %s: larger than %zu bytes, scanned the first "
				        "%llu only\n", file, DETECT_MAX_INPUT,
				        (unsigned long long)r.scanned_bytes);
			if (a.json)
				report_json(file, &r);
			else
				report_human(file, &r, a.reveal);
			detect_result_free(&r);
		}
		arc_buf_free(&in);
		fflush(stdout);
	}
	detect_watch_free(watch);
	detect_rules_free(rules);
	return status;
}
