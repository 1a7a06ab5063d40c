/*
 * report.c — custody-verify's self-contained HTML report, for a judge: the
 * verdict and what was not checked first, then every failure, then per
 * captured page the URL, capture time, server address, HTTP status, record
 * id and location, both digests with their check result, and the findings
 * highlighted in their context.
 *
 * Everything printed from the archive is hostile text: it must never reach
 * the page unescaped (html_text escapes every byte that HTML gives meaning
 * to), the page loads nothing from elsewhere (inline style, no scripts), and
 * this file never decides a result — it only shows vf_result_t.
 */
#include "verify.h"

#include <stdio.h>
#include <string.h>

static void html_text(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
				fputc('?', f);
			else
				fputc(s[i], f);
		}
	}
}

static void esc(FILE *f, const char *s)
{
	html_text(f, s ? s : "", s ? strlen(s) : 0);
}

static const char *state(int ok)
{
	return ok > 0 ? "<span class=ok>passed</span>"
	              : ok < 0 ? "<span class=bad>FAILED</span>" : "<span class=na>not present</span>";
}

/* The context with the finding's text marked (first occurrence). */
static void context_marked(FILE *f, const vf_finding_t *fd)
{
	const char *ctx = fd->context, *hit = *fd->text ? strstr(ctx, fd->text) : NULL;

	if (!*ctx) {
		fputs("<mark>", f);
		esc(f, fd->text);
		fputs("</mark>", f);
		return;
	}
	if (!hit) {
		esc(f, ctx);
		return;
	}
	html_text(f, ctx, (size_t)(hit - ctx));
	fputs("<mark>", f);
	esc(f, fd->text);
	fputs("</mark>", f);
	esc(f, hit + strlen(fd->text));
}

static void exhibit(FILE *f, const vf_exhibit_t *x, size_t n)
{
	size_t i;

	fprintf(f, "<section class=exhibit><h3>Exhibit %zu", n);
	if (x->revisit)
		fputs(" (revisit: same content as an earlier capture)", f);
	if (x->has_findings && x->doxing)
		fputs(" <span class=bad>doxing page</span>", f);
	fputs("</h3>\n<table>\n<tr><th>URL</th><td class=mono>", f);
	esc(f, x->url);
	fputs("</td></tr>\n<tr><th>Capture time (claimed, not anchored)</th><td>", f);
	esc(f, x->date);
	fputs("</td></tr>\n<tr><th>Server address</th><td>", f);
	esc(f, *x->ip ? x->ip : "(not recorded)");
	fprintf(f, "</td></tr>\n<tr><th>HTTP status</th><td>%d</td></tr>\n", x->status);
	fputs("<tr><th>Record</th><td class=mono>", f);
	esc(f, x->record_id);
	fputs("<br>", f);
	esc(f, x->file);
	fprintf(f, " at byte offset %llu</td></tr>\n", (unsigned long long)x->offset);
	fputs("<tr><th>Block digest</th><td class=mono>", f);
	esc(f, x->block_digest);
	fprintf(f, " %s</td></tr>\n<tr><th>Payload digest</th><td class=mono>", state(x->block_ok));
	esc(f, x->payload_digest);
	fprintf(f, " %s</td></tr>\n", state(x->payload_ok));
	if (x->has_findings)
		fprintf(f, "<tr><th>Findings</th><td>%zu fragment%s, offsets and hashes %s; page "
		           "score %.2f</td></tr>\n", x->nfindings, x->nfindings == 1 ? "" : "s",
		        state(x->findings_ok), x->score);
	fputs("</table>\n", f);
	if (x->nfindings) {
		fputs("<table class=findings><tr><th>Type</th><th>Value</th><th>Bytes</th>"
		      "<th>Check</th><th>In context</th></tr>\n", f);
		for (i = 0; i < x->nfindings; i++) {
			const vf_finding_t *fd = &x->findings[i];

			fputs("<tr><td>", f);
			esc(f, fd->type);
			fputs("</td><td class=mono>", f);
			esc(f, fd->value);
			fprintf(f, "</td><td>[%llu, %llu)</td><td>%s</td><td>",
			        (unsigned long long)fd->start, (unsigned long long)fd->end,
			        state(fd->ok ? 1 : -1));
			context_marked(f, fd);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("</section>\n", f);
}

int vf_report_html(const char *path, const vf_result_t *res)
{
	FILE *f = fopen(path, "w");
	size_t i;
	int rc;

	if (!f)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	      "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<title>custody-verify report</title>\n<style>\n"
	      "body{font:15px/1.45 sans-serif;max-width:60em;margin:2em auto;padding:0 1em}\n"
	      "table{border-collapse:collapse;margin:.5em 0;width:100%}\n"
	      "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}\n"
	      "th{background:#f4f4f4;width:14em}.findings th{width:auto}\n"
	      ".mono{font-family:monospace;word-break:break-all}\n"
	      ".ok{color:#070;font-weight:bold}.bad{color:#b00;font-weight:bold}.na{color:#777}\n"
	      "mark{background:#ff0;font-weight:bold}\n"
	      ".exhibit{border-top:2px solid #333;margin-top:1.5em}\n"
	      "</style></head><body>\n<h1>custody-verify report</h1>\n", f);
	fprintf(f, "<h2>Verdict: <span class=%s>%s</span></h2>\n",
	        !strcmp(res->verdict, "failed") ? "bad" : "ok", res->verdict);
	fprintf(f, "<p>%llu records in %zu file%s; %zu failed check%s; %llu finding%s re-checked "
	           "against the captured bytes; %llu seal record%s.</p>\n",
	        (unsigned long long)res->records, res->nfiles, res->nfiles == 1 ? "" : "s",
	        res->nfailures, res->nfailures == 1 ? "" : "s",
	        (unsigned long long)res->findings_checked, res->findings_checked == 1 ? "" : "s",
	        (unsigned long long)res->sealed, res->sealed == 1 ? "" : "s");
	if (res->at) {
		fputs("<p>Verified as of ", f);
		esc(f, res->at);
		fputs(".</p>\n", f);
	}
	if (res->nnot_checked) {
		fputs("<h3>Not checked</h3>\n<ul>\n", f);
		for (i = 0; i < res->nnot_checked; i++) {
			fputs("<li>", f);
			esc(f, res->not_checked[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fputs("<h3>Files</h3>\n<table><tr><th>File</th><th>Records</th><th>Checks passed</th>"
	      "<th>Failed</th></tr>\n", f);
	for (i = 0; i < res->nfiles; i++) {
		fputs("<tr><td class=mono>", f);
		esc(f, res->files[i].path_utf8);
		fprintf(f, "</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
		        (unsigned long long)res->files[i].records,
		        (unsigned long long)res->files[i].passed,
		        (unsigned long long)res->files[i].failed);
	}
	fputs("</table>\n", f);
	if (res->nfailures) {
		fputs("<h3>Failures</h3>\n<table><tr><th>File</th><th>Offset</th><th>Record</th>"
		      "<th>Check</th><th>What</th></tr>\n", f);
		for (i = 0; i < res->nfailures; i++) {
			const vf_failure_t *x = &res->failures[i];

			fputs("<tr><td class=mono>", f);
			esc(f, x->file);
			fprintf(f, "</td><td>%llu</td><td class=mono>", (unsigned long long)x->offset);
			esc(f, x->record);
			fputs("</td><td>", f);
			esc(f, x->check);
			fputs("</td><td>", f);
			esc(f, x->message);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fprintf(f, "<h2>Captured pages (%zu)</h2>\n", res->nexhibits);
	for (i = 0; i < res->nexhibits; i++)
		exhibit(f, &res->exhibits[i], i + 1);
	fputs("<p><small>Capture times are the archive's own claim until a seal with a trusted "
	      "timestamp anchors them.</small></p>\n</body></html>\n", f);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
