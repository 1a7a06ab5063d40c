/*
 * sealer.c — the sealer: writes seal records into a case as its Merkle log
 * grows (the bodies' format is in seal.c, the tree head's in sth.c).
 *
 * A session of writing (a crawl, a --resume, custody stamp with a key) is
 * framed by two seals: seal_writer_open writes the first one at once
 * ("opening" for a new case: over its warcinfo and whatever else was written
 * before the first capture, the start of the trusted capture window;
 * "reopening" for a case that already holds seals), and arc_case_close,
 * through the hook, writes the "closing" seal whose head says how many files
 * and records the case now holds. In between, the sealer is the case's hook:
 * after every write it seals ("interim") when N records or S seconds have
 * passed since the last seal, and before a rotation so that every file ends
 * sealed. Signing and the time-stamp callback run synchronously (the
 * callback's own timeouts bound the wait); a TSA that fails leaves the seal
 * unstamped and the crawl goes on.
 *
 * Must never: write a seal whose tree head does not match the log as written,
 * let a failed signature pass as a signed seal, or write a seal after the
 * closing one in the same session.
 */
#include "archive.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- the sealer */

struct seal_writer {
	const seal_signer_t *signer;       /* borrowed; NULL: unsigned seals */
	seal_stamp_fn stamp;               /* NULL: no TSA */
	void *stamp_ctx;
	uint64_t every;                    /* records between seals */
	int64_t interval;                  /* seconds between seals */
	int64_t last_time;                 /* when the last seal was written (or the sealer attached) */
	int opened, closed;                /* this session's first / closing seal written */
	seal_writer_stats_t st;
};

seal_writer_t *seal_writer_new(const seal_writer_opts_t *o)
{
	seal_writer_t *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->signer = o ? o->signer : NULL;
	s->stamp = o ? o->stamp : NULL;
	s->stamp_ctx = o ? o->stamp_ctx : NULL;
	s->every = o && o->every ? o->every : 1000;
	s->interval = o && o->interval ? o->interval : 60;
	s->last_time = (int64_t)time(NULL);
	return s;
}

void seal_writer_free(seal_writer_t *s)
{
	free(s);
}

const seal_writer_stats_t *seal_writer_stats(const seal_writer_t *s)
{
	return &s->st;
}

/* Body of a seal over the case's log as it stands. */
static int make_seal(seal_writer_t *s, arc_case_t *c, int kind, seal_body_t *b, arc_error_t *err)
{
	const merkle_tree_t *t = arc_case_tree(c);
	uint64_t psize;
	unsigned char proot[MERKLE_HASH_LEN];
	int rc;

	memset(b, 0, sizeof *b);
	b->sth_parsed.version = SEAL_STH_V2;
	b->sth_parsed.kind = kind;
	b->sth_parsed.files = arc_case_file_count(c);
	b->sth_parsed.records = t->size + 1;
	b->sth_parsed.tree_size = t->size;
	merkle_root(t, b->sth_parsed.root);
	if (seal_time_format((int64_t)time(NULL), b->sth_parsed.time) != ARC_OK)
		return arc_fail(err, ARC_EIO, "", 0, NULL, "the clock is out of range");
	snprintf(b->sth_parsed.case_id, sizeof b->sth_parsed.case_id, "%s", arc_case_id(c));
	if (arc_case_last_seal(c, &psize, proot)) {
		b->sth_parsed.has_previous = 1;
		memcpy(b->sth_parsed.previous_root, proot, sizeof proot);
	}
	if ((rc = seal_sth_format(&b->sth_parsed, &b->sth)) != ARC_OK)
		return arc_fail(err, rc, "", 0, NULL, "cannot format the tree head (case id %s)",
		                arc_case_id(c));
	if (s->signer) {
		if ((rc = seal_sign(s->signer, b->sth.data, b->sth.len, &b->cms, err)) != ARC_OK)
			return rc;
		if (seal_signer_cert_pem(s->signer, &b->cert_pem) != ARC_OK)
			return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
	}
	if (s->stamp)
		b->ntokens = s->stamp(s->stamp_ctx, b->sth.data, b->sth.len, b->tokens, SEAL_MAX_TOKENS);
	return ARC_OK;
}

int seal_write_body(arc_case_t *c, const seal_body_t *b, int stamp, const char *refers_to,
                    warc_written_t *out, arc_error_t *err)
{
	arc_buf_t body = { 0 };
	char target[ARC_UUID_LEN + 32];
	warc_field_t f[1];
	warc_record_t rec;
	int rc;

	if ((rc = seal_body_format(b, stamp, &body)) != ARC_OK)
		return arc_fail(err, rc, "", 0, NULL, "out of memory");
	snprintf(target, sizeof target, "urn:custody:%s:%s", stamp ? "stamp" : "seal", arc_case_id(c));
	memset(&rec, 0, sizeof rec);
	rec.type = "metadata";
	rec.target_uri = target;
	rec.content_type = stamp ? SEAL_CT_STAMP : SEAL_CT_STH;
	rec.block = body.data;
	rec.block_len = body.len;
	if (refers_to) {
		f[0].name = "WARC-Refers-To";
		f[0].value = refers_to;
		rec.fields = f;
		rec.nfields = 1;
	}
	rc = arc_case_write(c, &rec, out, err);
	arc_buf_free(&body);
	return rc;
}

/* Write one seal of the given kind over the log as it stands; fsyncs. */
static int write_seal(seal_writer_t *s, arc_case_t *c, int kind, arc_error_t *err)
{
	seal_body_t b;
	warc_written_t w;
	int rc;

	if ((rc = make_seal(s, c, kind, &b, err)) != ARC_OK) {
		seal_body_free(&b);
		return rc;
	}
	memset(&w, 0, sizeof w);
	rc = seal_write_body(c, &b, 0, NULL, &w, err);
	if (rc == ARC_OK) {
		arc_case_set_last_seal(c, b.sth_parsed.tree_size, b.sth_parsed.root);
		rc = arc_case_sync(c, err);
		s->st.seals++;
		if (b.ntokens == 0)
			s->st.unstamped++;
	}
	s->last_time = (int64_t)time(NULL);
	seal_body_free(&b);
	return rc;
}

/* The session's first seal: opening for a new case, reopening otherwise. */
static int first_seal(seal_writer_t *s, arc_case_t *c, arc_error_t *err)
{
	uint64_t psize;
	unsigned char root[MERKLE_HASH_LEN];
	int kind = arc_case_last_seal(c, &psize, root) ? SEAL_KIND_REOPENING : SEAL_KIND_OPENING;

	s->opened = 1;
	return write_seal(s, c, kind, err);
}

int seal_writer_open(seal_writer_t *s, arc_case_t *c, arc_error_t *err)
{
	if (!s || !c)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "seal_writer_open: bad arguments");
	seal_writer_attach(s, c);
	if (s->opened)
		return ARC_OK;
	return first_seal(s, c, err);
}

int seal_now(seal_writer_t *s, arc_case_t *c, arc_error_t *err)
{
	uint64_t size = arc_case_tree(c)->size, psize = 0;
	unsigned char root[MERKLE_HASH_LEN];

	if (s->closed)
		return ARC_OK; /* what follows a closing seal is a tail, never sealed in this session */
	if (!s->opened)
		return first_seal(s, c, err);
	/* nothing new since the last seal: the log holds only the seal record itself */
	if (arc_case_last_seal(c, &psize, root) && size <= psize + 1)
		return ARC_OK;
	return write_seal(s, c, SEAL_KIND_INTERIM, err);
}

int seal_close(seal_writer_t *s, arc_case_t *c, arc_error_t *err)
{
	int rc;

	if (!s || !c)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "seal_close: bad arguments");
	if (s->closed)
		return ARC_OK;
	if (!s->opened && (rc = first_seal(s, c, err)) != ARC_OK)
		return rc;
	s->closed = 1;
	return write_seal(s, c, SEAL_KIND_CLOSING, err);
}

/* The arc_case hook. */
static int seal_hook(void *ctx, arc_case_t *c, int event, arc_error_t *err)
{
	seal_writer_t *s = ctx;
	uint64_t psize = 0;
	unsigned char root[MERKLE_HASH_LEN];

	if (event == ARC_CASE_AFTER_WRITE) {
		if (!arc_case_last_seal(c, &psize, root))
			psize = 0;
		if (arc_case_tree(c)->size - psize < s->every &&
		    (int64_t)time(NULL) - s->last_time < s->interval)
			return ARC_OK;
	}
	if (event == ARC_CASE_CLOSING)
		return seal_close(s, c, err);
	return seal_now(s, c, err);
}

void seal_writer_attach(seal_writer_t *s, arc_case_t *c)
{
	arc_case_set_hook(c, seal_hook, s);
}
