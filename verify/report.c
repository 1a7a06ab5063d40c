/*
 * report.c — custody-verify's HTML report, for a court: one self-contained
 * page that prints well. First the verdict in one sentence, then what was
 * verified and how (files, checks and their results, seals, what was not
 * checked), every failure, then per captured page the URL, capture time,
 * server address, TLS certificate and its verification at capture, HTTP
 * status, record and location, both digests with their check results, and
 * every finding highlighted in its context with type, byte range and
 * SHA-256; for a page a browser rendered (custody crawl --browser), the
 * rendered DOM as a page of its own with its findings, which chromium
 * rendered it, whether it settled, and the screenshot embedded as a data: URI
 * (up to VF_REPORT_PNG_MAX; larger ones are named, not embedded). --redact
 * masks the personal data for sharing outside the court (the screenshot is
 * then left out: it shows the data).
 *
 * Must never: let archive text reach the page unescaped (esc() escapes every
 * byte HTML gives meaning to), load anything from elsewhere (inline style, no
 * scripts, a Content-Security-Policy that forbids the rest), or decide a
 * result — it only shows vf_result_t.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
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

/* UTF-8 aware: keep the first n/3 (at most 6) and last n/4 (at most 4)
 * characters of an identifier, '*' for the rest; short values all '*'. */
char *vf_mask(const char *s)
{
	size_t len = s ? strlen(s) : 0, chars = 0, i, keep_a, keep_b, k = 0, o = 0;
	char *out = malloc(len * 1 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	keep_a = chars <= 4 ? 0 : chars / 3 > 6 ? 6 : chars / 3;
	keep_b = chars <= 4 ? 0 : chars / 4 > 4 ? 4 : chars / 4;
	for (i = 0; i < len; i++) {
		int lead = ((unsigned char)s[i] & 0xC0) != 0x80;

		if (lead)
			k++;
		if (k <= keep_a || k > chars - keep_b)
			out[o++] = s[i];
		else if (lead)
			out[o++] = '*';
	}
	out[o] = '\0';
	return out;
}

/* Write s, masking every finding text of the page that occurs in it. */
static void esc_redacted(FILE *f, const char *s, const vf_page_t *p)
{
	while (*s) {
		const char *best = NULL;
		const vf_finding_t *bf = NULL;
		size_t i;

		for (i = 0; i < p->nfindings; i++) {
			const char *t = p->findings[i].text, *hit;

			if (!t || strlen(t) < 3 || !(hit = strstr(s, t)))
				continue;
			if (!best || hit < best)
				best = hit, bf = &p->findings[i];
		}
		if (!best) {
			esc(f, s);
			return;
		}
		html_text(f, s, (size_t)(best - s));
		{
			char *m = vf_mask(bf->text);
			esc(f, m ? m : "***");
			free(m);
		}
		s = best + strlen(bf->text);
	}
}

/* The context with the finding's text marked (first occurrence). */
static void context_marked(FILE *f, const vf_finding_t *fd, const vf_page_t *p, int redact)
{
	const char *ctx = fd->context ? fd->context : "", *text = fd->text ? fd->text : "";
	const char *hit = *text ? strstr(ctx, text) : NULL;
	char *tmp;

	if (!hit) {
		if (!*ctx)
			fputs("<mark>", f);
		if (redact)
			esc_redacted(f, *ctx ? ctx : text, p);
		else
			esc(f, *ctx ? ctx : text);
		if (!*ctx)
			fputs("</mark>", f);
		return;
	}
	if (!(tmp = malloc((size_t)(hit - ctx) + 1)))
		return;
	memcpy(tmp, ctx, (size_t)(hit - ctx));
	tmp[hit - ctx] = '\0';
	if (redact)
		esc_redacted(f, tmp, p);
	else
		esc(f, tmp);
	free(tmp);
	fputs("<mark>", f);
	if (redact) {
		char *m = vf_mask(text);
		esc(f, m ? m : "***");
		free(m);
	} else {
		esc(f, text);
	}
	fputs("</mark>", f);
	if (redact)
		esc_redacted(f, hit + strlen(text), p);
	else
		esc(f, hit + strlen(text));
}

static void row(FILE *f, const char *th, const char *value, const char *cls)
{
	fprintf(f, "<tr><th>%s</th><td%s%s>", th, cls ? " class=" : "", cls ? cls : "");
	esc(f, value && *value ? value : "(not recorded)");
	fputs("</td></tr>\n", f);
}

/* The head of a captured response's section. */
static void page_head(FILE *f, const vf_page_t *x, size_t n, int sealed)
{
	fprintf(f, "<section class=page id=p%zu><h3>Page %zu", n, n);
	if (x->revisit)
		fputs(" (revisit: same content as an earlier capture)", f);
	if (x->has_findings && x->doxing)
		fputs(" <span class=bad>doxing page</span>", f);
	fputs("</h3>\n<table>\n", f);
	row(f, "URL", x->url, "mono");
	row(f, sealed ? "Capture time (WARC-Date, bound by the seal)"
	              : "Capture time (WARC-Date, the archive's own claim)", x->date, NULL);
	row(f, "Server address", x->ip, "mono");
	row(f, "Protocol", x->protocol, NULL);
	fprintf(f, "<tr><th>HTTP status</th><td>%d</td></tr>\n", x->status);
	if (x->has_capture && x->tls) {
		row(f, "TLS certificate subject", x->tls_subject, "mono");
		row(f, "TLS certificate issuer", x->tls_issuer, "mono");
		fprintf(f, "<tr><th>TLS certificate at capture</th><td>%s</td></tr>\n",
		        x->tls_verified > 0 ? "<span class=ok>verified</span> (chain and host name)"
		        : x->tls_verified == 0 ? "<span class=bad>not verified</span>"
		                               : "<span class=na>unknown</span>");
	} else if (x->has_capture) {
		fputs("<tr><th>TLS</th><td>none (plain HTTP)</td></tr>\n", f);
	} else {
		fputs("<tr><th>TLS</th><td class=na>no capture record for this page</td></tr>\n", f);
	}
}

/* The screenshot inline as a data: URI (base64 written in pieces). */
static void png_inline(FILE *f, const unsigned char *png, size_t len)
{
	arc_buf_t b = {0};
	size_t off = 0;

	fputs("<img class=shot alt=\"screenshot of the rendered page\" src=\"data:image/png;base64,", f);
	while (off < len) {
		size_t n = len - off > 3 * 16384 ? 3 * 16384 : len - off; /* whole groups of 3 */

		b.len = 0;
		if (seal_b64_encode(png + off, n, &b) != 0)
			break;
		fwrite(b.data, 1, b.len, f);
		off += n;
	}
	arc_buf_free(&b);
	fputs("\">\n", f);
}

/* A rendered DOM's page: which browser, whether it settled, the screenshot. */
static void rendering(FILE *f, const vf_page_t *x)
{
	if (!x->has_rendering) {
		fputs("<tr><th>Rendering</th><td class=na>no rendering metadata record for this "
		      "DOM</td></tr>\n", f);
		return;
	}
	fputs("<tr><th>Rendering</th><td>The DOM below was rendered by ", f);
	esc(f, x->browser && *x->browser ? x->browser : "an unnamed browser");
	fputs(x->settled > 0 ? "; the page <span class=ok>settled</span> (no request in flight) before "
	                       "it was collected"
	      : x->settled == 0 ? "; the page <span class=bad>did not settle</span>: collected as far as "
	                          "it got"
	                        : "; whether it settled is not recorded", f);
	if (x->render_note && *x->render_note) {
		fputs(" (", f);
		esc(f, x->render_note);
		fputs(")", f);
	}
	fputs(". It shows what a person opening the page saw; the bytes the server sent are in the "
	      "page's response records.</td></tr>\n", f);
	if (!x->png_total) {
		fputs("<tr><th>Screenshot</th><td class=na>none found</td></tr>\n", f);
		return;
	}
	fputs("<tr><th>Screenshot</th><td>", f);
	esc(f, x->png_record);
	fprintf(f, ", %llu bytes, block digest %s", (unsigned long long)x->png_total, state(x->png_ok));
	if (!x->png)
		fprintf(f, "; <span class=na>not embedded: larger than %zu MiB (or the report's image "
		           "budget is spent); extract it from the record</span>", VF_REPORT_PNG_MAX >> 20);
	fputs("</td></tr>\n", f);
}

static void page(FILE *f, const vf_page_t *x, size_t n, const vf_report_opts_t *o, int sealed)
{
	size_t i;

	if (x->rendered) {
		fprintf(f, "<section class=page id=p%zu><h3>Page %zu: rendered DOM", n, n);
		if (x->has_findings && x->doxing)
			fputs(" <span class=bad>doxing page</span>", f);
		fputs("</h3>\n<table>\n", f);
		row(f, "URL", x->url, "mono");
		row(f, sealed ? "Rendered at (WARC-Date, bound by the seal)"
		              : "Rendered at (WARC-Date, the archive's own claim)", x->date, NULL);
		rendering(f, x);
	} else {
		page_head(f, x, n, sealed);
	}

	fputs("<tr><th>Record</th><td class=mono>", f);
	esc(f, x->record_id);
	fputs("<br>", f);
	esc(f, x->file);
	fprintf(f, ", byte offset %llu</td></tr>\n", (unsigned long long)x->offset);
	fputs("<tr><th>Block digest</th><td class=mono>", f);
	esc(f, x->block_digest && *x->block_digest ? x->block_digest : "(none)");
	fprintf(f, " %s</td></tr>\n<tr><th>Payload digest</th><td class=mono>", state(x->block_ok));
	esc(f, x->payload_digest && *x->payload_digest ? x->payload_digest : "(none)");
	fprintf(f, " %s</td></tr>\n", state(x->payload_ok));
	if (x->has_findings)
		fprintf(f, "<tr><th>Findings</th><td>%llu fragment%s; offsets and hashes %s; page "
		           "score %.2f</td></tr>\n", (unsigned long long)x->findings_total,
		        x->findings_total == 1 ? "" : "s", state(x->findings_ok), x->score);
	if (x->findings_omitted)
		fprintf(f, "<tr><th>Not recorded</th><td>%llu further fragment%s found at capture time "
		           "were left out of the findings record, which keeps the first ones in page "
		           "order; the page itself is recorded whole</td></tr>\n",
		        (unsigned long long)x->findings_omitted, x->findings_omitted == 1 ? "" : "s");
	fputs("</table>\n", f);
	if (x->rendered && x->png && !o->redact)
		png_inline(f, x->png, x->png_len);
	else if (x->rendered && x->png)
		fputs("<p class=na>The screenshot is left out of this report (--redact): it shows the "
		      "personal data.</p>\n", f);
	if (!x->nfindings) {
		fputs("</section>\n", f);
		return;
	}
	fputs("<table class=findings><tr><th>Type</th><th>Value</th><th>Bytes</th><th>SHA-256 of "
	      "those bytes</th><th>Check</th><th>In context</th></tr>\n", f);
	for (i = 0; i < x->nfindings; i++) {
		const vf_finding_t *fd = &x->findings[i];

		fputs("<tr><td>", f);
		esc(f, fd->type);
		if (fd->disguise && *fd->disguise) {
			/* how the poster wrote it to get past filters (detector's "disguise") */
			fputs("<br><small class=disguise>written as: ", f);
			esc(f, fd->disguise);
			fputs("</small>", f);
		}
		fputs("</td><td class=mono>", f);
		if (o->redact) {
			char *m = vf_mask(fd->value);
			esc(f, m ? m : "***");
			free(m);
		} else {
			esc(f, fd->value);
		}
		fprintf(f, "</td><td class=mono>[%llu, %llu)</td><td class=\"mono hash\">",
		        (unsigned long long)fd->start, (unsigned long long)fd->end);
		if (o->redact)
			fputs("(hidden by --redact)", f);
		else
			esc(f, fd->sha256);
		fprintf(f, "</td><td>%s</td><td>", state(fd->ok));
		context_marked(f, fd, x, o->redact);
		fputs("</td></tr>\n", f);
	}
	if (x->findings_total > x->nfindings)
		fprintf(f, "<tr><td colspan=6>... and %llu more findings (all checked; the report shows "
		           "the first %zu)</td></tr>\n",
		        (unsigned long long)(x->findings_total - x->nfindings), x->nfindings);
	fputs("</table>\n</section>\n", f);
}

/* What each check does, and how many failures it had. */
static const struct {
	const char *check, *how;
} checks[] = {
	{ "zstd frame", "each record is one intact zstd frame with its checksum; every byte of the "
	                "file belongs to a record" },
	{ "warc framing", "WARC header, Content-Length and the CRLF CRLF after each block" },
	{ "mandatory fields", "WARC-Record-ID, WARC-Type and WARC-Date are present" },
	{ "unique fields", "fields allowed once appear once (no second, contradicting digest)" },
	{ "record id", "no record id is used twice" },
	{ "block digest", "the SHA-256 of every record block equals its WARC-Block-Digest" },
	{ "payload digest", "the SHA-256 of every HTTP payload equals its WARC-Payload-Digest" },
	{ "warcinfo first", "every file starts with a warcinfo record" },
	{ "case identity", "each file's warcinfo names that file and the same case" },
	{ "file sequence", "no capture file is missing from the case folder" },
	{ "references", "every record a record names exists, with the right type" },
	{ "findings", "every finding's byte range and SHA-256 match the captured payload" },
};

static uint64_t failures_of(const vf_result_t *r, const char *check)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->nfailures; i++)
		n += r->failures[i].check && !strcmp(r->failures[i].check, check);
	return n;
}

int vf_report_html(const char *path, const vf_result_t *res, const vf_report_opts_t *o)
{
	FILE *f = fopen(path, "w");
	vf_report_opts_t none = { 0 };
	const vf_anchors_t *s = &res->anchors;
	int failed = !strcmp(res->verdict, "failed"), sealed = s->seals > 0 && s->seals_ok == s->seals;
	size_t i;
	int rc;

	if (!f)
		return -1;
	if (!o)
		o = &none;
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	      "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>custody-verify report</title>\n<style>\n"
	      "body{font:15px/1.45 sans-serif;max-width:62em;margin:2em auto;padding:0 1em;color:#111}\n"
	      "table{border-collapse:collapse;margin:.5em 0;width:100%}\n"
	      "th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}\n"
	      "th{background:#f2f2f2;width:16em}.findings th,.list th{width:auto}\n"
	      "img.shot{max-width:100%;border:1px solid #bbb;margin:.5em 0}\n"
	      ".mono{font-family:monospace;word-break:break-all}.hash{font-size:85%}\n"
	      ".ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}.na{color:#666}\n"
	      "mark{background:#ff0;font-weight:bold}\n"
	      ".verdict{font-size:1.3em;padding:.6em;border:3px solid #060}\n"
	      ".verdict.failed{border-color:#b00}\n"
	      ".page{border-top:2px solid #333;margin-top:1.5em}\n"
	      "@media print{body{max-width:none;margin:0;font-size:10pt}"
	      ".page{break-inside:avoid-page}h2{break-after:avoid}"
	      "tr{break-inside:avoid}mark{outline:1px solid #000}"
	      "a{color:inherit;text-decoration:none}}\n"
	      "</style></head><body>\n<h1>custody-verify report</h1>\n", f);
	fprintf(f, "<p class=\"verdict%s\">%llu record%s in %zu file%s <span class=%s>%s</span>",
	        failed ? " failed" : "", (unsigned long long)res->records,
	        res->records == 1 ? "" : "s", res->nfiles, res->nfiles == 1 ? "" : "s",
	        failed ? "bad" : "ok", failed ? "FAILED" : res->verdict);
	if (strcmp(res->verdict, "verified") != 0 && (s->nsigners || s->ntimes))
		fputs(" (seals", f);
	if (s->nsigners) {
		fputs(strcmp(res->verdict, "verified") ? " signed by " : ": signed by ", f);
		for (i = 0; i < s->nsigners; i++) {
			fputs(i ? " and " : "", f);
			esc(f, s->signers[i].subject);
		}
	}
	if (s->ntimes) {
		fputs("; existed no later than ", f);
		esc(f, s->times[0].time);
		fputs(" according to ", f);
		esc(f, s->times[0].tsa);
		for (i = 1; i < s->ntimes; i++) {
			fputs(" (and ", f);
			esc(f, s->times[i].tsa);
			fputs(")", f);
		}
	}
	if (strcmp(res->verdict, "verified") != 0 && (s->nsigners || s->ntimes))
		fputs(", not anchored: see &ldquo;Not checked&rdquo;)", f);
	fprintf(f, "; %llu failure%s</p>\n", (unsigned long long)res->failures_total,
	        res->failures_total == 1 ? "" : "s");
	fputs("<p>", f);
	if (!strcmp(res->verdict, "verified"))
		fputs("Every byte is what was captured, and who captured it and when is anchored by "
		      "signatures and trusted timestamps.", f);
	else if (!strcmp(res->verdict, "intact"))
		fputs("Every byte is what was captured (every integrity check passed), but who "
		      "captured it and when is <b>not</b> anchored by a verified signature and trusted "
		      "timestamp: see &ldquo;Not checked&rdquo;.", f);
	else
		fputs("Something in these files is not what was captured, or cannot be checked: see "
		      "&ldquo;Failures&rdquo; for the file, byte offset, record and check.", f);
	fputs("</p>\n<table>\n", f);
	if (res->case_id && *res->case_id)
		row(f, "Case", res->case_id, "mono");
	row(f, "Report written", o->generated, NULL);
	row(f, "By", o->version ? o->version : "custody-verify", NULL);
	if (res->at)
		row(f, "Verified as of", res->at, NULL);
	if (o->redact)
		row(f, "Redaction", "personal data masked (--redact): values, text, context, hashes", NULL);
	fputs("</table>\n", f);

	fputs("<h2>What was verified and how</h2>\n<table class=list><tr><th>File</th>"
	      "<th>Records</th><th>Bytes</th><th>Checks passed</th><th>Failed</th></tr>\n", f);
	for (i = 0; i < res->nfiles; i++) {
		fputs("<tr><td class=mono>", f);
		esc(f, res->files[i].name);
		fprintf(f, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
		        (unsigned long long)res->files[i].records, (unsigned long long)res->files[i].bytes,
		        (unsigned long long)res->files[i].passed, (unsigned long long)res->files[i].failed);
	}
	fputs("</table>\n<table class=list><tr><th>Check</th><th>How</th><th>Result</th></tr>\n", f);
	for (i = 0; i < sizeof checks / sizeof *checks; i++) {
		uint64_t n = failures_of(res, checks[i].check);

		size_t k, partly = 0;

		for (k = 0; k < res->nnot_checked; k++)
			partly |= !strncmp(res->not_checked[k], checks[i].check, strlen(checks[i].check));
		if (!strcmp(checks[i].check, "references") && res->outside)
			partly = 1;
		fprintf(f, "<tr><td>%s</td><td>%s</td><td>", checks[i].check, checks[i].how);
		if (n)
			fprintf(f, "<span class=bad>%llu failed</span>", (unsigned long long)n);
		else if (partly)
			fputs("<span class=ok>passed</span> <span class=na>(partly not checked: see "
			      "below)</span>", f);
		else
			fputs("<span class=ok>passed</span>", f);
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "</table>\n<p>%llu findings re-checked against the captured bytes; %llu references "
	           "resolved; %llu seal record%s (%llu verified).</p>\n",
	        (unsigned long long)res->findings_checked, (unsigned long long)res->references_checked,
	        (unsigned long long)s->seals, s->seals == 1 ? "" : "s", (unsigned long long)s->seals_ok);
	if (s->nsigners || s->ntimes) {
		fputs("<h3>Signers and trusted times</h3>\n<table class=list><tr><th>Who</th><th>"
		      "What</th><th>Chain</th></tr>\n", f);
		for (i = 0; i < s->nsigners; i++) {
			fputs("<tr><td class=mono>", f);
			esc(f, s->signers[i].subject);
			fprintf(f, "</td><td>signed %llu seal%s</td><td>%s</td></tr>\n",
			        (unsigned long long)s->signers[i].seals, s->signers[i].seals == 1 ? "" : "s",
			        state(s->signers[i].trusted));
		}
		for (i = 0; i < s->ntimes; i++) {
			fputs("<tr><td class=mono>", f);
			esc(f, s->times[i].tsa);
			fputs("</td><td>timestamp ", f);
			esc(f, s->times[i].time);
			fprintf(f, "</td><td>%s</td></tr>\n", state(s->times[i].trusted));
		}
		fputs("</table>\n", f);
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
	if (res->nfailures) {
		fputs("<h2>Failures</h2>\n<table class=list><tr><th>File</th><th>Offset</th><th>Record"
		      "</th><th>Check</th><th>Expected and found</th></tr>\n", f);
		for (i = 0; i < res->nfailures; i++) {
			const vf_failure_t *x = &res->failures[i];

			fputs("<tr><td class=mono>", f);
			esc(f, x->file);
			fprintf(f, "</td><td>%llu</td><td class=mono>", (unsigned long long)x->offset);
			esc(f, x->record);
			fputs("</td><td class=bad>", f);
			esc(f, x->check);
			fputs("</td><td>", f);
			esc(f, x->message);
			fputs("</td></tr>\n", f);
		}
		if (res->failures_total > res->nfailures)
			fprintf(f, "<tr><td colspan=5>... and %llu more</td></tr>\n",
			        (unsigned long long)(res->failures_total - res->nfailures));
		fputs("</table>\n", f);
	}
	fprintf(f, "<h2>Captured pages (%zu)</h2>\n", res->npages);
	for (i = 0; i < res->npages; i++)
		page(f, &res->pages[i], i + 1, o, sealed);
	fputs("<h2>Re-checking without custody</h2>\n<p>Each <code>.warc.zst</code> file is a "
	      "series of standard zstd frames, one WARC record each: <code>zstd -dc FILE</code> "
	      "prints the records. A record's block digest is the SHA-256 of the Content-Length "
	      "bytes after its header's blank line; a finding's SHA-256 is that of bytes "
	      "[start, end) of the page after removing the chunked and gzip codings.</p>\n", f);
	if (!sealed)
		fputs("<p><small>Capture times are the archive's own claim until a verified seal with "
		      "a trusted timestamp anchors them.</small></p>\n", f);
	fputs("</body></html>\n", f);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
