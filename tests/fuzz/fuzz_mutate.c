/*
 * fuzz_mutate.c — libFuzzer target: the structural mutation oracle of
 * tests/e2e/test_mutate.py in C, over the stored signed, stamped exhibit
 * tests/data/exhibit/thread-101.warc.zst (checked with its own anchors).
 *
 * The fuzzer's bytes are a program of edits, four bytes each (op, a, b, c):
 * delete, duplicate or swap records, move a record elsewhere, flip a bit of a
 * record's header or block (Content-Length, WARC-Block-Digest left as they
 * are: what the digests must catch), or drop the bytes after a record. The
 * edited records are framed again (one zstd frame each, checksummed) and run
 * through custody-verify's checks with the seal checker, exactly as the
 * program wires them. Oracle: if the verdict is "verified", every record the
 * exhibit discloses (not its warcinfo, not its proof record) must be one of
 * the original's, byte for byte; otherwise the target traps.
 *
 * CUSTODY_EXHIBIT_DIR names the fixture's folder (default tests/data/exhibit,
 * from the repository's top). Must never: write anything, or run the
 * verifier with other anchors than the fixture's.
 */
#include "archive.h"
#include "seal.h"
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define MAX_RECS 64

typedef struct {
	unsigned char *p;
	size_t n;
} blob_t;

static blob_t orig[MAX_RECS];
static size_t norig;
static seal_trust_t *trust, *tsa_trust;
static int loaded = -1;

static int load(void)
{
	const char *dir = getenv("CUSTODY_EXHIBIT_DIR");
	char path[1024];
	arc_buf_t fb = { 0 };
	unsigned char *file;
	size_t len, pos = 0;
	int truncated = 0;
	arc_error_t e;

	if (!dir)
		dir = "tests/data/exhibit";
	snprintf(path, sizeof path, "%s/thread-101.warc.zst", dir);
	if (arc_read_file(path, 1u << 24, &fb, &truncated, &e) != ARC_OK || truncated)
		return 0;
	file = fb.data;
	len = fb.len;
	while (pos < len && norig < MAX_RECS) {
		size_t fl = ZSTD_findFrameCompressedSize(file + pos, len - pos);
		unsigned long long cs = ZSTD_isError(fl) ? 0 : ZSTD_getFrameContentSize(file + pos, fl);
		if (ZSTD_isError(fl) || cs == ZSTD_CONTENTSIZE_UNKNOWN || cs == ZSTD_CONTENTSIZE_ERROR ||
		    cs > (1u << 24))
			break;
		orig[norig].p = malloc(cs ? cs : 1);
		orig[norig].n = ZSTD_decompress(orig[norig].p, cs, file + pos, fl);
		if (ZSTD_isError(orig[norig].n))
			break;
		norig++;
		pos += fl;
	}
	arc_buf_free(&fb);
	snprintf(path, sizeof path, "%s/operator.crt", dir);
	if (seal_trust_load(path, &trust, &e) != ARC_OK)
		return 0;
	snprintf(path, sizeof path, "%s/tsa-ca.pem", dir);
	if (seal_trust_load(path, &tsa_trust, &e) != ARC_OK)
		return 0;
	return norig > 2;
}

/* ---------------------------------------------------------------- the seal hook, as verify.c wires it */

typedef struct {
	vf_seal_t *seal;
	vf_seal_summary_t sum;
	vf_ctx_t *c;
	size_t file;
} hook_t;

static void h_fail(void *ctx, uint64_t off, const char *record, const char *check, const char *msg)
{
	hook_t *h = ctx;
	vf_fail(h->c, h->file, off, record ? record : "", check, "%s", msg);
}

static void h_pass(void *ctx)
{
	hook_t *h = ctx;
	vf_pass(h->c, h->file);
}

static void h_begin(void *state, vf_ctx_t *c)
{
	(void)c;
	vf_seal_begin_case(((hook_t *)state)->seal);
}

static void h_record(void *state, vf_ctx_t *c, size_t file, const warc_rec_t *rec)
{
	hook_t *h = state;
	h->c = c;
	h->file = file;
	vf_seal_record(h->seal, h, rec);
}

static void h_gap(void *state, vf_ctx_t *c, size_t file, uint64_t offset)
{
	(void)c;
	(void)file;
	(void)offset;
	vf_seal_break(((hook_t *)state)->seal);
}

static void h_end(void *state, vf_ctx_t *c)
{
	hook_t *h = state;
	char notes[VF_SEAL_MAX_NOTES][VF_SEAL_NOTE_LEN], headline[1600];
	size_t nn = 0;
	vf_anchors_t *a = vf_anchors(c);

	vf_seal_end_case(h->seal, &h->sum);
	a->anchored = vf_seal_verdict(&h->sum, 1, 1, notes, &nn, headline, sizeof headline);
	a->seals = h->sum.seals;
	a->seals_ok = h->sum.seals_ok;
	a->unsealed_tail = h->sum.tail;
}

static void nop_fail(void *ctx, uint64_t off, const char *record, const char *check, const char *msg)
{
	(void)ctx; (void)off; (void)record; (void)check; (void)msg;
}

/* ---------------------------------------------------------------- the oracle */

static int is_evidence(const blob_t *r)
{
	/* the exhibit's own records: its warcinfo and its proof record */
	return !(r->n > 40 && (strstr((const char *)r->p, "WARC-Type: warcinfo\r\n") ||
	                       strstr((const char *)r->p, "application/vnd.custody.proof")));
}

static int known(const blob_t *r)
{
	size_t i;

	for (i = 0; i < norig; i++)
		if (orig[i].n == r->n && !memcmp(orig[i].p, r->p, r->n))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	blob_t recs[MAX_RECS];
	size_t n, i, k, out_len = 0, cap = 0;
	unsigned char *out = NULL;
	vf_opts_t o = { .max_record = 1u << 20 };
	vf_ctx_t *c;
	hook_t h;
	vf_seal_report_t rep = { h_fail, h_pass };
	int changed = 0;

	(void)nop_fail;
	if (loaded < 0)
		loaded = load();
	if (!loaded)
		return 0;
	/* the NUL ends the strstr in is_evidence */
	for (n = 0; n < norig; n++) {
		recs[n].p = malloc(orig[n].n + 1);
		memcpy(recs[n].p, orig[n].p, orig[n].n);
		recs[n].p[orig[n].n] = '\0';
		recs[n].n = orig[n].n;
	}
	for (k = 0; k + 4 <= size && k < 64; k += 4) {
		uint8_t op = data[k], a = data[k + 1], b = data[k + 2], v = data[k + 3];
		size_t x = n ? a % n : 0, y = n ? b % n : 0;
		blob_t t;
		if (!n)
			break;
		switch (op % 6) {
		case 0: /* delete */
			free(recs[x].p);
			memmove(&recs[x], &recs[x + 1], (n - x - 1) * sizeof recs[0]);
			n--;
			break;
		case 1: /* duplicate */
			if (n == MAX_RECS)
				break;
			memmove(&recs[x + 1], &recs[x], (n - x) * sizeof recs[0]);
			recs[x + 1].p = malloc(recs[x].n + 1);
			memcpy(recs[x + 1].p, recs[x].p, recs[x].n + 1);
			n++;
			break;
		case 2: /* swap */
			t = recs[x];
			recs[x] = recs[y];
			recs[y] = t;
			break;
		case 3: /* move x before y */
			t = recs[x];
			memmove(&recs[x], &recs[x + 1], (n - x - 1) * sizeof recs[0]);
			y = y % n;
			memmove(&recs[y + 1], &recs[y], (n - 1 - y) * sizeof recs[0]);
			recs[y] = t;
			break;
		case 4: /* flip a bit */
			if (recs[x].n)
				recs[x].p[((size_t)b << 8 | v) % recs[x].n] ^= (uint8_t)(1u << (v & 7));
			break;
		default: /* drop everything after x */
			for (i = x + 1; i < n; i++)
				free(recs[i].p);
			n = x + 1;
			break;
		}
		changed = 1;
	}
	for (i = 0; i < n; i++) {
		size_t bound = ZSTD_compressBound(recs[i].n), w;
		ZSTD_CCtx *z = ZSTD_createCCtx();
		if (out_len + bound > cap) {
			cap = (out_len + bound) * 2;
			out = realloc(out, cap);
		}
		ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
		w = ZSTD_compress2(z, out + out_len, cap - out_len, recs[i].p, recs[i].n);
		ZSTD_freeCCtx(z);
		if (!ZSTD_isError(w))
			out_len += w;
	}
	memset(&h, 0, sizeof h);
	h.seal = vf_seal_new(trust, tsa_trust, -1, &rep);
	c = vf_new(&o);
	if (c && h.seal) {
		vf_hook_t hk = { &h, h_begin, h_record, h_gap, h_end };
		vf_add_hook(c, &hk);
		vf_add_mem(c, out, out_len, "exhibit.warc.zst");
		vf_run(c);
		if (getenv("FUZZ_MUTATE_SHOW"))
			fprintf(stderr, "fuzz_mutate: %zu records, verdict %s\n", n, vf_result(c)->verdict);
		if (changed && !strcmp(vf_result(c)->verdict, "verified"))
			for (i = 0; i < n; i++)
				if (is_evidence(&recs[i]) && !known(&recs[i]))
					__builtin_trap(); /* an altered record passed as verified */
	}
	vf_free(c);
	vf_seal_free(h.seal);
	for (i = 0; i < n; i++)
		free(recs[i].p);
	free(out);
	return 0;
}
