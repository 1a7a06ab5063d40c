/*
 * cmd_export.c — `custody export CASE_DIR`: take a case, or some of its
 * pages, out of custody's .warc.zst into what replay tools open.
 *
 * The output kind is chosen in one place (export_kind): --wacz (or an -o
 * ending in .wacz) writes one WACZ file for ReplayWeb.page; --warc-gz writes
 * .warc.gz files and index.cdxj into a directory for pywb; an -o ending in
 * .warc.zst asks for a sealed exhibit (a record with its Merkle inclusion
 * proof), which needs the sealing code and is refused until it exists.
 * The work is archive/wacz.c's; this file parses options and prints.
 *
 * Must never modify the case, or leave a half-written WACZ under the name
 * asked for (the library builds it under a temporary name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"
#include "crawler.h"

static const cli_opt_t export_opts[] = {
	{"wacz", 0, NULL, "Write one WACZ 1.1.1 file (-o FILE.wacz): the records as .warc.gz inside, "
	                  "indexes/index.cdxj, pages/pages.jsonl (doxing pages marked), datapackage.json. "
	                  "Open it in ReplayWeb.page."},
	{"warc-gz", 0, NULL, "Write .warc.gz files (one gzip member per record) and index.cdxj into the "
	                     "directory -o DIR, for pywb (wb-manager add) and other WARC tools."},
	{"output", 'o', "PATH", "Where to write: the .wacz file, or the directory for --warc-gz. An existing "
	                        "file is not overwritten."},
	{"url", 0, "URL", "Export only the captures of this URL (exactly as captured; repeatable), with their "
	                  "request, capture metadata and findings records."},
	{"record", 0, "ID", "Export only this record (a WARC-Record-ID, repeatable) and the capture it belongs to."},
	{"title", 0, "TEXT", "Title of the WACZ (default: the case directory's name)."},
	{0},
};

static const cli_cmd_t export_cmd = {
	"export",
	"custody export CASE_DIR (--wacz -o FILE.wacz | --warc-gz -o DIR) [--url URL]... [--record ID]...",
	"Copy a case, or only some of its pages, into the formats web-archive replay tools read. Every "
	"record is copied byte for byte into its own gzip member, so every digest still holds and "
	"custody-verify checks the export as it checks the case; the evidence itself stays .warc.zst.\n\n"
	"With --url or --record only the chosen captures leave the case, each with its request, capture "
	"metadata and findings, the original of a revisit, and the warcinfo record of the files they came from.",
	export_opts,
	"custody export case1 --wacz -o case1.wacz\n"
	"custody export case1 --warc-gz -o case1-gz && wb-manager add coll case1-gz/*.warc.gz\n"
	"custody export case1 --wacz --url https://forum.example/thread/1 -o thread1.wacz\n",
};

typedef enum { KIND_NONE, KIND_WACZ, KIND_WARCGZ, KIND_EXHIBIT } export_kind_t;

typedef struct {
	int wacz, warcgz;
	const char *out, *title;
	const char **urls, **records;
	size_t nurls, nrecords;
	int oom;
} export_args_t;

static int push(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int export_on_opt(void *ctx, const char *name, const char *arg)
{
	export_args_t *a = ctx;

	if (!strcmp(name, "wacz"))
		a->wacz = 1;
	else if (!strcmp(name, "warc-gz"))
		a->warcgz = 1;
	else if (!strcmp(name, "output"))
		a->out = arg;
	else if (!strcmp(name, "title"))
		a->title = arg;
	else if (!strcmp(name, "url"))
		a->oom |= push(&a->urls, &a->nurls, arg);
	else if (!strcmp(name, "record"))
		a->oom |= push(&a->records, &a->nrecords, arg);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* The one place the output kind is decided. */
static export_kind_t export_kind(const export_args_t *a, const char **why)
{
	*why = NULL;
	if (a->wacz && a->warcgz) {
		*why = "give --wacz or --warc-gz, not both";
		return KIND_NONE;
	}
	if (a->wacz)
		return KIND_WACZ;
	if (a->warcgz)
		return KIND_WARCGZ;
	if (ends_with(a->out, ".warc.zst"))
		return KIND_EXHIBIT;
	if (ends_with(a->out, ".wacz"))
		return KIND_WACZ;
	*why = "say what to write: --wacz -o FILE.wacz, or --warc-gz -o DIR";
	return KIND_NONE;
}

int cmd_export(int argc, char **argv)
{
	export_args_t a;
	arc_export_opts_t o;
	arc_export_stats_t st;
	arc_error_t err;
	export_kind_t kind;
	const char *why;
	char software[64];
	int first = 0, rc;

	memset(&a, 0, sizeof a);
	rc = cli_parse(&export_cmd, argc, argv, export_on_opt, &a, &first);
	if (rc) {
		free(a.urls);
		free(a.records);
		return rc == 1 ? 0 : 2;
	}
	rc = 2;
	if (a.oom) {
		fprintf(stderr, "custody export: out of memory\n");
		goto out;
	}
	if (first != argc - 1 || !a.out) {
		fprintf(stderr, "custody export: give one CASE_DIR and -o PATH\n"
		                "Try 'custody export --help' for the options.\n");
		goto out;
	}
	kind = export_kind(&a, &why);
	if (kind == KIND_NONE) {
		fprintf(stderr, "custody export: %s\n", why);
		goto out;
	}
	if (kind == KIND_EXHIBIT) {
		fprintf(stderr, "custody export: %s: a sealed exhibit (.warc.zst with its Merkle inclusion "
		                "proof) needs case sealing, which this custody does not have yet; use --wacz "
		                "or --warc-gz\n", a.out);
		goto out;
	}
	snprintf(software, sizeof software, "custody/%s", CUSTODY_VERSION);
	memset(&o, 0, sizeof o);
	o.urls = a.urls;
	o.nurls = a.nurls;
	o.records = a.records;
	o.nrecords = a.nrecords;
	o.software = software;
	o.title = a.title;
	if (kind == KIND_WACZ)
		rc = arc_export_wacz(argv[first], a.out, &o, &st, &err);
	else
		rc = arc_export_warcgz(argv[first], a.out, &o, &st, &err);
	if (rc != ARC_OK) {
		fprintf(stderr, "custody export: %s\n", err.msg);
		rc = rc == ARC_EINVAL ? 2 : 1;
		goto out;
	}
	if (kind == KIND_WACZ)
		printf("%s: %zu records from %zu capture file%s, %zu page%s (%zu doxing), %llu bytes of WARC.gz\n",
		       a.out, st.records, st.files, st.files == 1 ? "" : "s", st.pages,
		       st.pages == 1 ? "" : "s", st.doxing_pages, (unsigned long long)st.bytes);
	else
		printf("%s: %zu records in %zu .warc.gz file%s (%llu bytes) and index.cdxj\n", a.out,
		       st.records, st.files, st.files == 1 ? "" : "s", (unsigned long long)st.bytes);
	rc = 0;
out:
	free(a.urls);
	free(a.records);
	return rc;
}
