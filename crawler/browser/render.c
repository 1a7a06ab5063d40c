/*
 * render.c — the derived records of a page a browser rendered (custody crawl
 * --browser), written through the case like every other record, so each is a
 * leaf of the Merkle log and sealed.
 *
 * In this order, each its own zstd frame through arc_case_write():
 *   resource  image/png, urn:custody:screenshot:<url> — the full-page screenshot;
 *   resource  text/html; charset=utf-8, urn:custody:dom:<url> — the rendered DOM
 *             serialized as HTML (open shadow roots as <template shadowrootmode>);
 *   resource  application/pdf, urn:custody:pdf:<url> — with --pdf;
 *   metadata  application/vnd.custody.rendered+json, urn:custody:rendered:<url>
 *             — which browser, when, whether the page settled and why not, and
 *             the record ids of the three above;
 *   metadata  application/vnd.custody.findings+json, urn:custody:findings:<url>,
 *             WARC-Refers-To the DOM record — detection over the DOM record's
 *             block, so its offsets are re-checked by the verifier exactly as
 *             for a response (a resource's payload is its block).
 * The resources carry WARC-Refers-To the page's main response (when the proxy
 * captured one) and WARC-Refers-To-Target-URI the page's URL: what they were
 * derived from. They are not evidence of the bytes the server sent — the
 * response records are — but of what a person opening the page saw.
 *
 * Must never: write a record the main thread did not write (it is not
 * thread-safe), or claim a DOM finding whose offsets are not into the DOM
 * record's own block.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "browser.h"

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v && *v ? json_string(v) : json_null());
}

/* One derived resource; its id into id. Nothing written for an empty block. */
static int write_resource(crawl_capture_ctx_t *c, const crawl_rendered_t *r, const char *prefix,
                          const char *ct, const unsigned char *block, size_t len,
                          const char *main_response, char *id, size_t idsz, crawl_rendered_out_t *out,
                          arc_error_t *err)
{
	id[0] = '\0';
	if (!block || !len)
		return 0;
	char *uri = crawl_urn(prefix, r->url);
	if (!uri)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", r->url);
	warc_field_t f[2];
	size_t nf = 0;
	if (main_response && *main_response)
		f[nf++] = (warc_field_t){"WARC-Refers-To", main_response};
	f[nf++] = (warc_field_t){"WARC-Refers-To-Target-URI", r->url};
	warc_record_t rec = {.type = "resource", .target_uri = uri, .content_type = ct,
	                     .date = r->finished[0] ? r->finished : NULL, .fields = f, .nfields = nf,
	                     .block = block, .block_len = len};
	warc_written_t w;
	memset(&w, 0, sizeof w);
	int rc = arc_case_write(c->cas, &rec, &w, err);
	free(uri);
	if (rc == 0) {
		out->records++;
		snprintf(id, idsz, "%s", w.record_id);
	}
	return rc;
}

/* The rendering's metadata body. NULL when out of memory. */
static char *rendered_json(const crawl_rendered_t *r, const char *main_response,
                           const crawl_rendered_out_t *out)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	set_str(o, "url", r->url);
	set_str(o, "final_url", r->final_url);
	set_str(o, "browser", r->browser);
	set_str(o, "started", r->started);
	set_str(o, "finished", r->finished);
	json_object_set_new(o, "settled", json_boolean(r->settled));
	json_object_set_new(o, "status", r->status ? json_integer(r->status) : json_null());
	set_str(o, "note", r->note);
	set_str(o, "main_response", main_response);
	set_str(o, "screenshot", out->screenshot_id);
	set_str(o, "dom", out->dom_id);
	set_str(o, "pdf", out->pdf_id);
	json_object_set_new(o, "screenshot_bytes", json_integer((json_int_t)r->png_len));
	json_object_set_new(o, "dom_bytes", json_integer((json_int_t)r->dom_len));
	json_object_set_new(o, "pdf_bytes", json_integer((json_int_t)r->pdf_len));
	/* what the proxy refused while the page rendered (never fetched) */
	json_t *blocked = r->blocked_json ? json_loads(r->blocked_json, 0, NULL) : NULL;
	json_object_set_new(o, "blocked", json_is_array(blocked) ? blocked : json_array());
	if (blocked && !json_is_array(blocked))
		json_decref(blocked);
	json_object_set_new(o, "blocked_count", json_integer((json_int_t)r->blocked));
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return s;
}

static int add_link(void *ctx, const char *url, const char *tag)
{
	(void)tag;
	crawl_rendered_out_t *o = ctx;
	char **nl = realloc(o->links, (o->nlinks + 1) * sizeof *nl);
	if (!nl)
		return 1;
	o->links = nl;
	if (!(o->links[o->nlinks] = strdup(url)))
		return 1;
	o->nlinks++;
	return 0;
}

/* Detection on the DOM record's block: the findings body into f. */
static void dom_findings(const crawl_capture_ctx_t *c, const crawl_rendered_t *r,
                         const char *dom_id, arc_buf_t *f, crawl_rendered_out_t *out)
{
	detect_result_t res;
	arc_error_t derr;
	memset(&res, 0, sizeof res);
	memset(&derr, 0, sizeof derr);
	if (detect_payload(c->rules, c->watch, ARC_CT_DOM, r->dom, r->dom_len, &res, &derr) == 0 &&
	    detect_findings_json(&res, dom_id, f) == 0) {
		out->nfindings = (int)res.n;
		out->doxing = res.doxing;
		for (size_t i = 0; i < res.n; i++)
			out->personal += strcmp(res.v[i].type, "dox_keyword") != 0;
	} else {
		/* never a silent "nothing found" (as capture.c) */
		char why[sizeof derr.msg + 32];
		snprintf(why, sizeof why, "detection failed: %s", derr.msg[0] ? derr.msg : "out of memory");
		arc_buf_free(f);
		if (detect_findings_error_json(dom_id, why, f) == 0)
			out->nfindings = 0;
		else
			arc_buf_free(f);
	}
	detect_result_free(&res);
}

int crawl_capture_rendered(crawl_capture_ctx_t *c, const crawl_rendered_t *r,
                           const char *main_response, size_t max_links,
                           crawl_rendered_out_t *out, arc_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->nfindings = -1;
	if (!c || !c->cas || !r || !r->url)
		return arc_fail(err, ARC_EINVAL, "", 0, "", "nothing to write");
	int rc;
	if ((rc = write_resource(c, r, ARC_SCREENSHOT_URN, ARC_CT_SCREENSHOT, r->png, r->png_len,
	                         main_response, out->screenshot_id, sizeof out->screenshot_id, out, err)) ||
	    (rc = write_resource(c, r, ARC_DOM_URN, ARC_CT_DOM, r->dom, r->dom_len, main_response,
	                         out->dom_id, sizeof out->dom_id, out, err)) ||
	    (rc = write_resource(c, r, ARC_PDF_URN, ARC_CT_PDF, r->pdf, r->pdf_len, main_response,
	                         out->pdf_id, sizeof out->pdf_id, out, err)))
		return rc;

	char *body = rendered_json(r, main_response, out);
	char *uri = crawl_urn(ARC_RENDERED_URN, r->url);
	if (!body || !uri) {
		free(body);
		free(uri);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", r->url);
	}
	warc_field_t f[2];
	size_t nf = 0;
	if (out->dom_id[0])
		f[nf++] = (warc_field_t){"WARC-Refers-To", out->dom_id};
	else if (out->screenshot_id[0])
		f[nf++] = (warc_field_t){"WARC-Refers-To", out->screenshot_id};
	warc_record_t rec = {.type = "metadata", .target_uri = uri, .content_type = ARC_CT_RENDERED,
	                     .date = r->finished[0] ? r->finished : NULL, .fields = f, .nfields = nf,
	                     .block = body, .block_len = strlen(body)};
	warc_written_t w;
	memset(&w, 0, sizeof w);
	rc = arc_case_write(c->cas, &rec, &w, err);
	free(body);
	free(uri);
	if (rc)
		return rc;
	out->records++;

	if (out->dom_id[0] && c->rules) {
		arc_buf_t fb = {0};
		dom_findings(c, r, out->dom_id, &fb, out);
		if (fb.len) {
			char *furi = crawl_urn(ARC_FINDINGS_URN, r->url);
			if (!furi) {
				arc_buf_free(&fb);
				return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", r->url);
			}
			warc_field_t ff[1] = {{"WARC-Refers-To", out->dom_id}};
			warc_record_t fr = {.type = "metadata", .target_uri = furi,
			                    .content_type = ARC_CT_FINDINGS, .fields = ff, .nfields = 1,
			                    .block = fb.data, .block_len = fb.len};
			rc = arc_case_write(c->cas, &fr, &w, err);
			free(furi);
			arc_buf_free(&fb);
			if (rc)
				return rc;
			out->records++;
		}
	}
	if (max_links && r->dom && r->dom_len)
		crawl_links_html(r->dom, r->dom_len, r->final_url ? r->final_url : r->url, max_links,
		                 add_link, out);
	return 0;
}

void crawl_rendered_out_free(crawl_rendered_out_t *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nlinks; i++)
		free(o->links[i]);
	free(o->links);
	o->links = NULL;
	o->nlinks = 0;
}
