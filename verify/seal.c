/*
 * seal.c — custody-verify's seal checks: the case's Merkle log rebuilt from
 * the records, every seal's tree head, signature and time stamps, stamp
 * records, and the inclusion proofs of an exhibit.
 *
 * A case: every record, in file order, is a leaf (SHA-256(0x00 || its exact
 * header block), archive/seal/merkle.c). At a seal record the log must have
 * exactly tree-size leaves and give the head's root; previous-root must be
 * the previous seal's root, so seals form one chain and nothing before a
 * seal can be removed, changed, reordered or inserted without failing it.
 * The CMS signature must hold over the tree-head bytes, and with --trust the
 * signer must chain to it at the time the seal's first valid token proves
 * (its genTime; no token: --at or now); every token must be over the same
 * bytes and, with --tsa-trust, chain at its own genTime. Records after the
 * last seal are an unsealed tail, counted and never called verified.
 *
 * The case's structure is read from the signed heads (custody-sth-v2): the
 * first seal must be an "opening" seal with nothing captured before it; a
 * "closing" seal ends each session and must name the files and records the
 * log holds; after it only a new file's warcinfo, stamp records and a
 * "reopening" seal may follow. A case whose last seal is not a closing seal
 * (a crash, a cut end, a v1 head) is never anchored. The case id is the one
 * in the first signed head; a seal or warcinfo that names another fails.
 *
 * Time: only a token that chains to --tsa-trust gives a trusted time; the
 * signer's chain is checked at the earliest trusted time proving the seal
 * existed (its own token or a later stamp record's), and only without one at
 * --at or now. A token that does not chain is reported as a claim.
 *
 * An exhibit (custody export: first warcinfo with Custody-Exhibit-Of) holds a
 * few records of a case, the seal that covers them and a proof record: each
 * record's leaf is checked against the seal's root with its RFC 9162
 * inclusion proof instead of rebuilding the whole log.
 *
 * Memory: the log is its frontier (2 KiB); an exhibit keeps one leaf per
 * record, at most VF_SEAL_MAX_EXHIBIT records; seals keep their id and
 * tree-head text for stamp records, at most VF_SEAL_MAX_SEALS.
 *
 * Must never: count a seal as trusted without the anchors given, treat the
 * tail as sealed, or read a body beyond archive/'s bounds.
 */
#include "seal.h"
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define VF_SEAL_MAX_SEALS   100000
#define VF_SEAL_MAX_EXHIBIT 100000
/* Time (issue 19, class 8): a record may be dated at most this much after the
 * trusted time of the seal that covers it (the capture machine's clock ahead
 * of the time-stamp authority's), and a tree head's own time this far from
 * its token's before it is reported. */
#define VF_SEAL_TIME_TOLERANCE 600

typedef struct {
	char *id;                       /* bare record id */
	unsigned char sth[SEAL_STH_MAX];
	size_t sth_len;
	int stamped, time_trusted;
	int64_t gen_time;               /* earliest trusted genTime, -1 none */
	unsigned char *cms;             /* kept while the signer's chain waits for a trusted time */
	size_t cms_len;
	uint64_t offset;
	void *ctx;
	int64_t seg_max;                /* the latest WARC-Date of the records it was the first to cover */
	char seg_id[96], seg_text[40];
} seen_seal_t;

typedef struct {
	char *id;
	unsigned char leaf[MERKLE_HASH_LEN];
	int proven;
} ex_rec_t;

struct vf_seal {
	const seal_trust_t *trust, *tsa_trust;
	int64_t at;
	vf_seal_report_t rep;
	uint64_t nfail;                 /* failures reported so far (a seal is ok when none came) */
	/* per case */
	merkle_tree_t tree;
	int started, broken, exhibit;
	char case_id[ARC_UUID_LEN];
	int have_prev;
	unsigned char prev_root[MERKLE_HASH_LEN];
	uint64_t last_seal_index;       /* log index of the last seal record */
	int any_seal;
	seen_seal_t *seals;
	size_t nseals, capseals;
	ex_rec_t *ex;
	size_t nex, capex;
	uint64_t ex_size;               /* exhibit: the size of its seal's tree */
	vf_seal_summary_t sum;
	char fingerprint[ARC_DIGEST_LEN];
	int64_t first_gen, last_gen;
	int64_t claimed_gen;            /* earliest genTime of a token not checked against --tsa-trust */
	char claimed_tsa[SEAL_SUBJECT_MAX];
	/* the case's structure (signed heads) */
	int last_kind;                  /* kind of the last seal (SEAL_KIND_*), -1 none */
	int closed;                     /* the last seal is a closing seal */
	int legacy;                     /* a custody-sth-v1 head was seen */
	uint64_t captures_before_open;  /* capture records before the first seal */
	uint64_t warcinfos;             /* warcinfo records in the log */
	uint64_t since_seal;            /* records after the last seal that a seal should cover */
	uint64_t ex_over;               /* exhibit records past VF_SEAL_MAX_EXHIBIT */
	char head_case[ARC_UUID_LEN];   /* the case named by the first signed head */
	/* the latest WARC-Date among the records the next seal will cover */
	int64_t seg_max_date;
	/* id -> index + 1 of seals[] and ex[] (issue 19, class 14: a stamp or a proof entry
	 * finds its record in constant time, not by a scan); NULL or *_linear after a
	 * failure to grow them: a scan then, still correct */
	arc_map_t *seal_ids, *ex_ids;
	int seal_ids_linear, ex_ids_linear;
	char seg_max_id[96], seg_max_text[40];
	void *last_ctx;
};

static void failf(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                  const char *check, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void failf(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                  const char *check, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->nfail++;
	s->rep.fail(ctx, rec ? rec->offset : 0, rid ? rid : "", check, msg);
}

static void pass(vf_seal_t *s, void *ctx)
{
	if (s->rep.pass)
		s->rep.pass(ctx);
}

/* "<urn:uuid:x>" -> "urn:uuid:x" (malloc'd). */
static char *bare(const char *id)
{
	size_t n;
	char *d;

	if (!id)
		return NULL;
	if (*id == '<')
		id++;
	n = strlen(id);
	if (n && id[n - 1] == '>')
		n--;
	d = malloc(n + 1);
	if (d) {
		memcpy(d, id, n);
		d[n] = '\0';
	}
	return d;
}

vf_seal_t *vf_seal_new(const seal_trust_t *trust, const seal_trust_t *tsa_trust, int64_t at,
                       const vf_seal_report_t *rep)
{
	vf_seal_t *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->trust = trust;
	s->tsa_trust = tsa_trust;
	s->at = at;
	s->rep = *rep;
	s->first_gen = -1;
	s->last_gen = -1;
	s->seg_max_date = -1;
	s->claimed_gen = -1;
	s->last_kind = -1;
	return s;
}

static void case_reset(vf_seal_t *s)
{
	size_t i;

	for (i = 0; i < s->nseals; i++) {
		free(s->seals[i].id);
		free(s->seals[i].cms);
	}
	for (i = 0; i < s->nex; i++)
		free(s->ex[i].id);
	s->nseals = s->nex = 0;
	arc_map_free(s->seal_ids, NULL);
	arc_map_free(s->ex_ids, NULL);
	s->seal_ids = s->ex_ids = NULL;
	s->seal_ids_linear = s->ex_ids_linear = 0;
	merkle_init(&s->tree);
	s->started = s->broken = s->exhibit = s->have_prev = s->any_seal = 0;
	s->case_id[0] = '\0';
	s->head_case[0] = '\0';
	s->last_seal_index = 0;
	s->last_kind = -1;
	s->closed = s->legacy = 0;
	s->captures_before_open = s->warcinfos = s->since_seal = s->ex_over = 0;
	s->seg_max_date = -1;
}

void vf_seal_begin_case(vf_seal_t *s)
{
	case_reset(s);
}

void vf_seal_break(vf_seal_t *s)
{
	s->broken = 1;
}

void vf_seal_free(vf_seal_t *s)
{
	if (!s)
		return;
	case_reset(s);
	free(s->seals);
	free(s->ex);
	free(s);
}

/* Verify the tokens of a seal or stamp over sth. Returns how many hold;
 * *trusted how many of those chain to --tsa-trust; *gen the earliest genTime
 * of those (-1: none). A token that holds but was not checked against
 * --tsa-trust gives no time: it is kept as a claim, never the headline. */
static size_t check_tokens(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                           const seal_body_t *b, const void *sth, size_t sth_len, size_t *trusted,
                           int64_t *gen)
{
	size_t i, ok = 0;

	*trusted = 0;
	*gen = -1;
	for (i = 0; i < b->ntokens; i++) {
		size_t k;
		for (k = 0; k < i; k++)
			if (b->tokens[k].tsr.len == b->tokens[i].tsr.len &&
			    !memcmp(b->tokens[k].tsr.data, b->tokens[i].tsr.data, b->tokens[i].tsr.len))
				break;
		if (k < i) {
			failf(s, ctx, rec, rid, "seal timestamp", "token %zu repeats token %zu: a token is "
			      "counted once", i + 1, k + 1);
			continue;
		}
		seal_tsr_info_t ti;
		arc_error_t e;
		int rc = seal_tsr_verify(b->tokens[i].tsr.data, b->tokens[i].tsr.len, sth, sth_len,
		                         s->tsa_trust, s->at, &ti, &e);
		if (rc != ARC_OK) {
			failf(s, ctx, rec, rid, "seal timestamp", "token %zu (%s): %s", i + 1,
			      b->tokens[i].tsa, e.msg);
			continue;
		}
		pass(s, ctx);
		ok++;
		if (!ti.chain_ok) {
			if (s->claimed_gen < 0 || ti.gen_time < s->claimed_gen) {
				s->claimed_gen = ti.gen_time;
				snprintf(s->claimed_tsa, sizeof s->claimed_tsa, "%s", ti.tsa_subject);
			}
			continue;
		}
		(*trusted)++;
		if (*gen < 0 || ti.gen_time < *gen)
			*gen = ti.gen_time;
		if (!s->sum.tsa[0])
			snprintf(s->sum.tsa, sizeof s->sum.tsa, "%s", ti.tsa_subject);
	}
	if (*gen >= 0) {
		if (s->first_gen < 0 || *gen < s->first_gen)
			s->first_gen = *gen;
		if (*gen > s->last_gen)
			s->last_gen = *gen;
	}
	return ok;
}

/* The signer of a seal: a new one for the summary. */
static void note_signer(vf_seal_t *s, const seal_cms_info_t *ci)
{
	if (strcmp(s->fingerprint, ci->fingerprint) != 0) {
		if (s->fingerprint[0])
			s->sum.signers++;
		else
			s->sum.signers = 1;
		memcpy(s->fingerprint, ci->fingerprint, sizeof s->fingerprint);
		snprintf(s->sum.signer, sizeof s->sum.signer, "%s", ci->subject);
	}
}

/* The signer's chain to --trust at time when (seconds; <0: --at or now). */
static void check_chain(vf_seal_t *s, void *ctx, uint64_t offset, const char *rid,
                        const unsigned char *cms, size_t cms_len, const void *sth, size_t sth_len,
                        int64_t when)
{
	seal_cms_info_t ci;
	arc_error_t e;
	warc_rec_t at;

	memset(&at, 0, sizeof at);
	at.offset = offset;
	if (seal_cms_verify(cms, cms_len, sth, sth_len, s->trust, when >= 0 ? when : s->at, &ci,
	                    &e) == ARC_OK) {
		pass(s, ctx);
		if (ci.chain_ok) {
			s->sum.seals_trusted++;
			memcpy(s->sum.chain, ci.chain, sizeof s->sum.chain);
		}
		return;
	}
	if (when < 0 && ci.signature_ok && ci.chain_checked && !ci.chain_ok &&
	    (strstr(e.msg, "expired") || strstr(e.msg, "not yet valid"))) {
		/* no trusted time shows when the seal was made: not a failure of the
		 * evidence, but nothing anchors it (a claimed token time never does) */
		s->sum.untimed_expired++;
		return;
	}
	if (ci.signature_ok && ci.chain_checked && !ci.chain_ok &&
	    (strstr(e.msg, "local issuer") || strstr(e.msg, "self-signed") ||
	     strstr(e.msg, "self signed") || strstr(e.msg, "issuer certificate")))
		failf(s, ctx, &at, rid, "seal signature",
		      "the records are consistent, but the seals are signed by %s, not by the certificate "
		      "you gave (--trust %s): %s", ci.subject, seal_trust_path(s->trust), e.msg);
	else
		failf(s, ctx, &at, rid, "seal signature", "%s", e.msg);
}

/* The signature over the head now; the chain at gen, the earliest trusted
 * time (or, with none yet, later: a stamp record may bring one). Returns 1 if
 * the chain check waits (x keeps the signature). */
static void check_signature(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                            const seal_body_t *b, int64_t gen, seen_seal_t *x)
{
	seal_cms_info_t ci;
	arc_error_t e;
	int rc;

	if (!b->cms.len) {
		failf(s, ctx, rec, rid, "seal signature", "the seal is not signed (no \"cms\")");
		return;
	}
	rc = seal_cms_verify(b->cms.data, b->cms.len, b->sth.data, b->sth.len, NULL, -1, &ci, &e);
	if (rc != ARC_OK || !ci.signature_ok) {
		failf(s, ctx, rec, rid, "seal signature", "%s", e.msg);
		return;
	}
	s->sum.seals_signed_ok++;
	note_signer(s, &ci);
	/* the body's certificate field must be the certificate that signed */
	if (!b->cert_pem.len) {
		failf(s, ctx, rec, rid, "seal certificate", "the seal's \"certificate\" field is missing "
		      "(the writer always names the certificate that signed, here %s)", ci.subject);
	} else {
		char fp[ARC_DIGEST_LEN];
		if (seal_pem_fingerprint(b->cert_pem.data, b->cert_pem.len, fp) != ARC_OK ||
		    strcmp(fp, ci.fingerprint) != 0)
			failf(s, ctx, rec, rid, "seal certificate",
			      "the seal's \"certificate\" field is not the certificate that signed it (%s)",
			      ci.subject);
	}
	if (!s->trust)
		return;
	if (gen >= 0 || !x) {
		check_chain(s, ctx, rec->offset, rid, b->cms.data, b->cms.len, b->sth.data, b->sth.len, gen);
		return;
	}
	if ((x->cms = malloc(b->cms.len)) != NULL) {
		memcpy(x->cms, b->cms.data, b->cms.len);
		x->cms_len = b->cms.len;
		x->offset = rec->offset;
		x->ctx = ctx;
	} else {
		check_chain(s, ctx, rec->offset, rid, b->cms.data, b->cms.len, b->sth.data, b->sth.len, -1);
	}
}

/* A seal whose chain check waited: now, at when (a trusted time, or -1). */
static void settle_chain(vf_seal_t *s, seen_seal_t *x, int64_t when)
{
	if (!x->cms)
		return;
	check_chain(s, x->ctx, x->offset, x->id, x->cms, x->cms_len, x->sth, x->sth_len, when);
	free(x->cms);
	x->cms = NULL;
}

/* The structure of the case from the signed head (not for exhibits). */
static void check_structure(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                            const seal_sth_t *h)
{
	int first = s->last_kind < 0;

	if (!s->head_case[0])
		memcpy(s->head_case, h->case_id, sizeof s->head_case);
	else if (strcmp(s->head_case, h->case_id) != 0)
		failf(s, ctx, rec, rid, "seal case", "this seal names case %s, the case's first seal %s: "
		      "records of another case were mixed in", h->case_id, s->head_case);
	if (s->case_id[0] && strcmp(s->case_id, h->case_id) != 0)
		failf(s, ctx, rec, rid, "seal case", "the seal names case %s, the files' warcinfo case %s",
		      h->case_id, s->case_id);
	if (h->version != SEAL_STH_V2) {
		s->legacy = 1;
		s->last_kind = SEAL_KIND_V1;
		s->closed = 0;
		return;
	}
	if (first && h->kind != SEAL_KIND_OPENING)
		failf(s, ctx, rec, rid, "opening seal",
		      "the case's first seal is a%s %s seal, not its opening seal: the start of the case "
		      "was removed", h->kind == SEAL_KIND_INTERIM ? "n" : "", seal_kind_name(h->kind));
	else if (!first && h->kind == SEAL_KIND_OPENING)
		failf(s, ctx, rec, rid, "opening seal",
		      "a second opening seal: the case was restarted or another case's seals were mixed in");
	if (h->kind == SEAL_KIND_OPENING && s->captures_before_open)
		failf(s, ctx, rec, rid, "opening seal", "%llu captured records come before the opening "
		      "seal", (unsigned long long)s->captures_before_open);
	if (s->closed && h->kind != SEAL_KIND_REOPENING)
		failf(s, ctx, rec, rid, "closing seal", "a%s %s seal follows the closing seal: only a "
		      "reopening seal may", h->kind == SEAL_KIND_INTERIM ? "n" : "", seal_kind_name(h->kind));
	if (h->files != s->warcinfos)
		failf(s, ctx, rec, rid, h->kind == SEAL_KIND_CLOSING ? "closing seal" : "seal files",
		      "the seal says the case holds %llu capture file%s, the log before it has %llu: a "
		      "file was removed or added", (unsigned long long)h->files, h->files == 1 ? "" : "s",
		      (unsigned long long)s->warcinfos);
	s->last_kind = h->kind;
	s->closed = h->kind == SEAL_KIND_CLOSING;
}

/* Remember that index idx of seals[] or ex[] has id (the first one wins). */
static void index_id(arc_map_t **m, int *linear, const char *id, size_t idx)
{
	if (*linear || !id)
		return;
	if (!*m)
		*m = arc_map_new(0);
	if (!*m || arc_map_put(*m, id, (void *)(uintptr_t)(idx + 1), NULL) < 0)
		*linear = 1;
}

/* A seal with a trusted time: no record it covers may be dated after that
 * time (beyond VF_SEAL_TIME_TOLERANCE): the record existed before the seal
 * did. The head's own time (the capture machine's clock) far from the token's
 * is reported, not failed: the clock is the operator's, not evidence. */
static void check_times(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid,
                        const seal_sth_t *h, int64_t gen)
{
	char g[SEAL_TIME_LEN];
	int64_t ht;

	seal_time_format(gen, g);
	if (s->seg_max_date > gen + VF_SEAL_TIME_TOLERANCE)
		failf(s, ctx, rec, rid, "record time",
		      "record %s is dated %s, %lld s after the trusted time of this seal, which covers it "
		      "(%s; tolerance VF_SEAL_TIME_TOLERANCE = %d s): its WARC-Date cannot be true",
		      s->seg_max_id, s->seg_max_text, (long long)(s->seg_max_date - gen), g,
		      VF_SEAL_TIME_TOLERANCE);
	else if (s->seg_max_date >= 0)
		pass(s, ctx);
	if (seal_time_parse(h->time, strlen(h->time), &ht) == ARC_OK &&
	    (ht - gen > VF_SEAL_TIME_TOLERANCE || gen - ht > VF_SEAL_TIME_TOLERANCE)) {
		s->sum.clock_far++;
		if (!s->sum.clock_example[0])
			snprintf(s->sum.clock_example, sizeof s->sum.clock_example,
			         "a tree head says %s, its trusted token %s (%+lld s)", h->time, g,
			         (long long)(ht - gen));
	}
}

static void on_seal(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid)
{
	seal_body_t b;
	arc_error_t e;
	unsigned char root[MERKLE_HASH_LEN];
	size_t ok, trusted;
	int64_t gen;
	seen_seal_t *x;
	uint64_t fails_before = s->nfail;

	s->sum.seals++;
	if (seal_body_parse(rec->block, (size_t)rec->block_len, 0, &b, &e) != ARC_OK) {
		failf(s, ctx, rec, rid, "seal", "%s", e.msg);
		return;
	}
	if (!s->exhibit && s->started && !s->broken) {
		merkle_root(&s->tree, root);
		if (b.sth_parsed.tree_size != s->tree.size || memcmp(root, b.sth_parsed.root, sizeof root)) {
			failf(s, ctx, rec, rid, "seal root",
			      "the %llu records before this seal do not give its root (the seal covers %llu): "
			      "a record before it was changed, removed, added or reordered",
			      (unsigned long long)s->tree.size, (unsigned long long)b.sth_parsed.tree_size);
		} else {
			pass(s, ctx);
		}
		if (s->have_prev != b.sth_parsed.has_previous ||
		    (s->have_prev && memcmp(s->prev_root, b.sth_parsed.previous_root, MERKLE_HASH_LEN))) {
			failf(s, ctx, rec, rid, "seal chain",
			      "previous-root does not name the previous seal's root (a seal was removed or "
			      "the chain was restarted)");
		} else {
			pass(s, ctx);
		}
		check_structure(s, ctx, rec, rid, &b.sth_parsed);
		s->have_prev = 1;
		memcpy(s->prev_root, b.sth_parsed.root, MERKLE_HASH_LEN);
	}
	ok = check_tokens(s, ctx, rec, rid, &b, b.sth.data, b.sth.len, &trusted, &gen);
	if (b.ntokens == 0)
		s->sum.seals_no_token++;
	x = NULL;
	if (s->nseals < VF_SEAL_MAX_SEALS) {
		if (s->nseals == s->capseals) {
			size_t cap = s->capseals ? s->capseals * 2 : 16;
			seen_seal_t *n = realloc(s->seals, cap * sizeof *n);
			if (n) {
				s->seals = n;
				s->capseals = cap;
			}
		}
		if (s->nseals < s->capseals) {
			x = &s->seals[s->nseals++];
			memset(x, 0, sizeof *x);
			x->id = bare(warc_rec_get(rec, "WARC-Record-ID"));
			index_id(&s->seal_ids, &s->seal_ids_linear, x->id, s->nseals - 1);
			memcpy(x->sth, b.sth.data, b.sth.len);
			x->sth_len = b.sth.len;
			x->stamped = ok > 0;
			x->time_trusted = trusted > 0;
			x->gen_time = gen;
		}
	} else {
		failf(s, ctx, rec, rid, "seal", "more than %d seals in one case: the verifier's limit "
		      "(VF_SEAL_MAX_SEALS); stamp records for later seals cannot be matched", VF_SEAL_MAX_SEALS);
	}
	check_signature(s, ctx, rec, rid, &b, gen, x);
	if (gen >= 0 && !s->exhibit)
		check_times(s, ctx, rec, rid, &b.sth_parsed, gen);
	else if (x && !s->exhibit && s->seg_max_date >= 0) {
		/* no trusted token yet: a later stamp record's time bounds these records */
		x->seg_max = s->seg_max_date;
		memcpy(x->seg_id, s->seg_max_id, sizeof x->seg_id);
		memcpy(x->seg_text, s->seg_max_text, sizeof x->seg_text);
	}
	s->seg_max_date = -1;
	if (s->exhibit) { /* the exhibit's proof refers to this seal's root */
		s->have_prev = 1;
		memcpy(s->prev_root, b.sth_parsed.root, MERKLE_HASH_LEN);
		s->ex_size = b.sth_parsed.tree_size; /* for the proof record */
		if (!s->head_case[0])
			memcpy(s->head_case, b.sth_parsed.case_id, sizeof s->head_case);
		else if (strcmp(s->head_case, b.sth_parsed.case_id))
			failf(s, ctx, rec, rid, "seal case", "this seal names case %s, the exhibit's first "
			      "seal %s", b.sth_parsed.case_id, s->head_case);
		if (s->case_id[0] && strcmp(s->case_id, b.sth_parsed.case_id))
			failf(s, ctx, rec, rid, "exhibit case", "the exhibit's warcinfo says it is of case %s, "
			      "its seal is of case %s", s->case_id, b.sth_parsed.case_id);
	}
	if (s->nfail == fails_before)
		s->sum.seals_ok++;
	s->any_seal = 1;
	s->since_seal = 0;
	s->last_seal_index = s->exhibit ? 0 : s->tree.size;
	seal_body_free(&b);
}

static seen_seal_t *find_seal(vf_seal_t *s, const char *id)
{
	size_t i;

	if (!s->seal_ids_linear) {
		void *v = id && s->seal_ids ? arc_map_get(s->seal_ids, id) : NULL;
		return v ? &s->seals[(uintptr_t)v - 1] : NULL;
	}
	for (i = 0; id && i < s->nseals; i++)
		if (s->seals[i].id && !strcmp(s->seals[i].id, id))
			return &s->seals[i];
	return NULL;
}

static void on_stamp(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid)
{
	seal_body_t b;
	arc_error_t e;
	char *ref = bare(warc_rec_get(rec, "WARC-Refers-To"));
	seen_seal_t *x;
	seal_sth_t h;
	size_t ok, trusted;
	int64_t gen;

	s->sum.stamps++;
	if (seal_body_parse(rec->block, (size_t)rec->block_len, 1, &b, &e) != ARC_OK) {
		failf(s, ctx, rec, rid, "stamp", "%s", e.msg);
		free(ref);
		return;
	}
	x = find_seal(s, ref);
	if (!x || !b.seal_id || strcmp(b.seal_id, ref) != 0) {
		failf(s, ctx, rec, rid, "stamp", "the stamp refers to seal %s, which is not earlier in the case",
		      ref ? ref : "(none)");
	} else if (seal_sth_parse(x->sth, x->sth_len, &h, NULL) != ARC_OK ||
	           h.tree_size != b.sth_parsed.tree_size ||
	           memcmp(h.root, b.sth_parsed.root, MERKLE_HASH_LEN) != 0) {
		failf(s, ctx, rec, rid, "stamp", "the stamp's \"tree_size\"/\"root\" are not those of the "
		      "seal it names");
	} else {
		ok = check_tokens(s, ctx, rec, rid, &b, x->sth, x->sth_len, &trusted, &gen);
		if (gen >= 0 && x->seg_id[0] && x->seg_max > gen + VF_SEAL_TIME_TOLERANCE) {
			char g[SEAL_TIME_LEN];

			seal_time_format(gen, g);
			failf(s, ctx, rec, rid, "record time",
			      "record %s is dated %s, %lld s after the trusted time of this stamp (%s; "
			      "tolerance VF_SEAL_TIME_TOLERANCE = %d s), whose seal covers it: its WARC-Date "
			      "cannot be true", x->seg_id, x->seg_text, (long long)(x->seg_max - gen), g,
			      VF_SEAL_TIME_TOLERANCE);
		}
		if (ok) {
			x->stamped = 1;
			if (trusted)
				x->time_trusted = 1;
			if (gen >= 0 && (x->gen_time < 0 || gen < x->gen_time))
				x->gen_time = gen;
			if (gen >= 0)
				settle_chain(s, x, x->gen_time); /* the stamp proves when the seal existed */
		}
	}
	free(ref);
	seal_body_free(&b);
}

/* An exhibit's proof record: each listed record's leaf, index and path
 * against the exhibit's seal. */
static void on_proof(vf_seal_t *s, void *ctx, const warc_rec_t *rec, const char *rid)
{
	json_error_t je;
	json_t *o = NULL, *recs;
	unsigned char root[MERKLE_HASH_LEN];
	uint64_t size;
	size_t i, j;

	if (rec->block_len > SEAL_MAX_BODY ||
	    !(o = json_loadb((const char *)rec->block, (size_t)rec->block_len, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_object(o)) {
		failf(s, ctx, rec, rid, "proof", "the proof body is not a JSON object");
		json_decref(o);
		return;
	}
	recs = json_object_get(o, "records");
	{
		json_t *r = json_object_get(o, "root"), *n = json_object_get(o, "tree_size");
		if (!json_is_string(r) || !json_is_integer(n) || json_integer_value(n) <= 0 ||
		    merkle_unhex(json_string_value(r), json_string_length(r), root) != ARC_OK ||
		    !json_is_array(recs)) {
			failf(s, ctx, rec, rid, "proof", "the proof lacks root, tree_size or records");
			json_decref(o);
			return;
		}
		size = (uint64_t)json_integer_value(n);
	}
	if (!s->have_prev || memcmp(root, s->prev_root, sizeof root) != 0 || size != s->ex_size) {
		failf(s, ctx, rec, rid, "proof", "the proof is not against the exhibit's seal");
		json_decref(o);
		return;
	}
	for (i = 0; i < json_array_size(recs); i++) {
		json_t *r = json_array_get(recs, i), *path = json_object_get(r, "path");
		json_t *idj = json_object_get(r, "id"), *ix = json_object_get(r, "index");
		unsigned char p[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
		ex_rec_t *x = NULL;
		const char *id = json_string_value(idj);
		int bad = 0;

		if (!s->ex_ids_linear) {
			void *v = id && s->ex_ids ? arc_map_get(s->ex_ids, id) : NULL;
			x = v ? &s->ex[(uintptr_t)v - 1] : NULL;
		} else {
			for (j = 0; id && j < s->nex; j++)
				if (!strcmp(s->ex[j].id, id) && !x)
					x = &s->ex[j];
		}
		if (!x || !json_is_integer(ix) || json_integer_value(ix) < 0 || !json_is_array(path) ||
		    json_array_size(path) > MERKLE_MAX_PROOF) {
			failf(s, ctx, rec, id ? id : rid, "inclusion proof",
			      "proof entry %zu names no record of the exhibit or is malformed", i);
			continue;
		}
		for (j = 0; j < json_array_size(path); j++) {
			json_t *h = json_array_get(path, j);
			if (!json_is_string(h) || merkle_unhex(json_string_value(h), json_string_length(h), p[j]))
				bad = 1;
		}
		if (bad || merkle_verify_inclusion((uint64_t)json_integer_value(ix), size, x->leaf,
		                                   (const unsigned char (*)[MERKLE_HASH_LEN])p,
		                                   json_array_size(path), root) != ARC_OK) {
			failf(s, ctx, rec, id, "inclusion proof",
			      "the record is not leaf %lld of the sealed tree (it or its header was changed)",
			      (long long)json_integer_value(ix));
			continue;
		}
		x->proven = 1;
		s->sum.proofs_ok++;
		pass(s, ctx);
	}
	json_decref(o);
}

void vf_seal_record(vf_seal_t *s, void *ctx, const warc_rec_t *rec)
{
	const char *type = warc_rec_get(rec, "WARC-Type");
	const char *ct = warc_rec_get(rec, "Content-Type");
	const char *rid = warc_rec_get(rec, "WARC-Record-ID");
	int is_meta = type && !strcmp(type, "metadata");

	if (!s->started && !s->broken) {
		/* the log starts at the case's first file: its warcinfo names file 0 */
		const char *fn = warc_rec_get(rec, "WARC-Filename");
		const char *cid = warc_rec_get(rec, "Custody-Case-ID");
		unsigned long num = 1;
		if (type && !strcmp(type, "warcinfo") && warc_rec_get(rec, "Custody-Exhibit-Of")) {
			const char *of = warc_rec_get(rec, "Custody-Exhibit-Of");
			s->exhibit = 1;
			s->started = 1;
			if (strlen(of) < sizeof s->case_id)
				memcpy(s->case_id, of, strlen(of) + 1);
			return; /* the exhibit's own warcinfo is not in the case's log */
		}
		if (!type || strcmp(type, "warcinfo") || !fn || arc_case_name_parse(fn, &num, NULL) != 0 ||
		    num != 0) {
			s->broken = 1;
			s->sum.not_from_start = 1;
		} else {
			s->started = 1;
			if (cid && strlen(cid) < sizeof s->case_id)
				memcpy(s->case_id, cid, strlen(cid) + 1);
		}
	} else if (type && !strcmp(type, "warcinfo") && !s->broken) {
		/* every file of a case names the same case; an exhibit carries one warcinfo */
		const char *cid = warc_rec_get(rec, s->exhibit ? "Custody-Exhibit-Of" : "Custody-Case-ID");
		if (s->exhibit)
			failf(s, ctx, rec, rid, "exhibit", "a second warcinfo record: an exhibit is one file");
		else if (cid && s->case_id[0] && strcmp(cid, s->case_id) != 0)
			failf(s, ctx, rec, rid, "seal case", "this file names case %.60s, the case's first "
			      "file %s: files of another case were mixed in", cid, s->case_id);
	}
	s->last_ctx = ctx;
	if (s->started && !s->broken && !s->exhibit) {
		int allowed_after_close = s->closed && ((type && !strcmp(type, "warcinfo")) ||
		                                        (is_meta && ct && !strcmp(ct, SEAL_CT_STAMP)));
		if (type && !strcmp(type, "warcinfo"))
			s->warcinfos++;
		if (!s->any_seal && type && (!strcmp(type, "response") || !strcmp(type, "request") ||
		                             !strcmp(type, "resource") || !strcmp(type, "revisit") ||
		                             !strcmp(type, "conversion")))
			s->captures_before_open++;
		if (s->any_seal && !allowed_after_close &&
		    !(is_meta && ct && !strcmp(ct, SEAL_CT_STH)))
			s->since_seal++;
		if (!allowed_after_close && !(is_meta && ct && !strcmp(ct, SEAL_CT_STH))) {
			int64_t when;
			const char *wd = warc_rec_get(rec, "WARC-Date");

			if (wd && vf_warc_date(wd, &when) == ARC_OK && when > s->seg_max_date) {
				s->seg_max_date = when;
				snprintf(s->seg_max_id, sizeof s->seg_max_id, "%.90s", rid ? rid : "?");
				snprintf(s->seg_max_text, sizeof s->seg_max_text, "%.39s", wd);
			}
		}
	}
	if (is_meta && ct && !strcmp(ct, SEAL_CT_STH))
		on_seal(s, ctx, rec, rid);
	else if (is_meta && ct && !strcmp(ct, SEAL_CT_STAMP))
		on_stamp(s, ctx, rec, rid);
	else if (is_meta && ct && !strcmp(ct, SEAL_CT_PROOF) && s->exhibit) {
		on_proof(s, ctx, rec, rid);
		return;
	}
	if (s->exhibit) {
		if (!(is_meta && ct && (!strcmp(ct, SEAL_CT_STH) || !strcmp(ct, SEAL_CT_STAMP))) &&
		    s->nex >= VF_SEAL_MAX_EXHIBIT) {
			if (s->ex_over++ == 0)
				failf(s, ctx, rec, rid, "exhibit",
				      "more than %d records: the verifier's exhibit limit (VF_SEAL_MAX_EXHIBIT); this "
				      "record and every later one are not proven", VF_SEAL_MAX_EXHIBIT);
		} else if (!(is_meta && ct && (!strcmp(ct, SEAL_CT_STH) || !strcmp(ct, SEAL_CT_STAMP)))) {
			ex_rec_t *x;
			if (s->nex == s->capex) {
				size_t cap = s->capex ? s->capex * 2 : 16;
				ex_rec_t *n = realloc(s->ex, cap * sizeof *n);
				if (!n) {
					s->ex_over++; /* counted as not proven */
					return;
				}
				s->ex = n;
				s->capex = cap;
			}
			x = &s->ex[s->nex++];
			x->id = rid ? strdup(rid) : strdup("");
			index_id(&s->ex_ids, &s->ex_ids_linear, x->id, s->nex - 1);
			x->proven = 0;
			merkle_leaf_hash(rec->header, rec->header_len, x->leaf);
		}
		return;
	}
	if (s->started && !s->broken)
		merkle_append_data(&s->tree, rec->header, rec->header_len);
}

void vf_seal_end_case(vf_seal_t *s, vf_seal_summary_t *sum)
{
	size_t i;

	/* signers whose chain waited for a stamp that never came: --at or now */
	for (i = 0; i < s->nseals; i++)
		settle_chain(s, &s->seals[i], s->seals[i].gen_time);
	if (s->exhibit) {
		uint64_t proven = 0;
		for (i = 0; i < s->nex; i++) {
			if (!s->ex[i].proven)
				s->sum.tail++; /* records of the exhibit no proof covers */
			else
				proven++;
		}
		s->sum.tail += s->ex_over;
		s->sum.exhibits++;
		s->sum.ex_disclosed += proven;
		s->sum.ex_size += s->ex_size;
		snprintf(s->sum.case_of, sizeof s->sum.case_of, "%s", s->head_case);
	} else if (s->started && !s->broken) {
		if (!s->any_seal) {
			s->sum.tail += s->tree.size;
		} else {
			s->sum.tail += s->since_seal;
			s->sum.records_sealed += s->last_seal_index;
			if (!s->closed)
				s->sum.not_closed++;
			if (s->legacy)
				s->sum.legacy++;
		}
		snprintf(s->sum.case_of, sizeof s->sum.case_of, "%s", s->head_case);
	}
	for (i = 0; i < s->nseals; i++) {
		if (s->seals[i].stamped)
			s->sum.seals_stamped_ok++;
		if (s->seals[i].time_trusted)
			s->sum.seals_time_trusted++;
	}
	if (s->first_gen < 0 && s->claimed_gen >= 0) {
		seal_time_format(s->claimed_gen, s->sum.claimed_time);
		memcpy(s->sum.claimed_tsa, s->claimed_tsa, sizeof s->sum.claimed_tsa);
	}
	if (s->first_gen >= 0)
		seal_time_format(s->first_gen, s->sum.first_time);
	if (s->last_gen >= 0)
		seal_time_format(s->last_gen, s->sum.last_time);
	/* add this case's counts to the caller's */
	sum->seals += s->sum.seals;
	sum->seals_ok += s->sum.seals_ok;
	sum->records_sealed += s->sum.records_sealed;
	sum->seals_signed_ok += s->sum.seals_signed_ok;
	sum->seals_trusted += s->sum.seals_trusted;
	sum->seals_stamped_ok += s->sum.seals_stamped_ok;
	sum->seals_time_trusted += s->sum.seals_time_trusted;
	sum->proofs_ok += s->sum.proofs_ok;
	sum->tail += s->sum.tail;
	sum->seals_no_token += s->sum.seals_no_token;
	sum->stamps += s->sum.stamps;
	sum->untimed_expired += s->sum.untimed_expired;
	sum->not_closed += s->sum.not_closed;
	sum->legacy += s->sum.legacy;
	sum->exhibits += s->sum.exhibits;
	sum->ex_disclosed += s->sum.ex_disclosed;
	sum->ex_size += s->sum.ex_size;
	if (s->sum.case_of[0]) {
		if (sum->case_of[0] && strcmp(sum->case_of, s->sum.case_of))
			sum->cases++;
		else if (!sum->case_of[0])
			sum->cases = 1;
		memcpy(sum->case_of, s->sum.case_of, sizeof sum->case_of);
	}
	sum->clock_far += s->sum.clock_far;
	if (s->sum.clock_example[0] && !sum->clock_example[0])
		memcpy(sum->clock_example, s->sum.clock_example, sizeof sum->clock_example);
	if (s->sum.claimed_time[0] && !sum->claimed_time[0]) {
		memcpy(sum->claimed_time, s->sum.claimed_time, sizeof sum->claimed_time);
		memcpy(sum->claimed_tsa, s->sum.claimed_tsa, sizeof sum->claimed_tsa);
	}
	sum->not_from_start |= s->sum.not_from_start;
	if (s->sum.signers > sum->signers)
		sum->signers = s->sum.signers;
	if (s->sum.signer[0])
		memcpy(sum->signer, s->sum.signer, sizeof sum->signer);
	if (s->sum.chain[0])
		memcpy(sum->chain, s->sum.chain, sizeof sum->chain);
	if (s->sum.tsa[0])
		memcpy(sum->tsa, s->sum.tsa, sizeof sum->tsa);
	if (s->sum.first_time[0] && (!sum->first_time[0] || strcmp(s->sum.first_time, sum->first_time) < 0))
		memcpy(sum->first_time, s->sum.first_time, sizeof sum->first_time);
	if (s->sum.last_time[0] && strcmp(s->sum.last_time, sum->last_time) > 0)
		memcpy(sum->last_time, s->sum.last_time, sizeof sum->last_time);
	memset(&s->sum, 0, sizeof s->sum);
	s->first_gen = s->last_gen = s->claimed_gen = -1;
	s->claimed_tsa[0] = '\0';
	s->fingerprint[0] = '\0';
	case_reset(s);
}

int vf_seal_verdict(const vf_seal_summary_t *m, int have_trust, int have_tsa_trust,
                    char notes[VF_SEAL_MAX_NOTES][VF_SEAL_NOTE_LEN], size_t *nnotes, char *headline,
                    size_t hlsz)
{
	size_t n = 0;
	int verified = 1;

#define NOTE(...) do { if (n < VF_SEAL_MAX_NOTES) snprintf(notes[n++], VF_SEAL_NOTE_LEN, __VA_ARGS__); } while (0)
	headline[0] = '\0';
	if (m->seals == 0) {
		*nnotes = 0;
		return 0; /* verify.c says "no seal" itself */
	}
	if (m->not_from_start) {
		NOTE("seals: the case's first capture file is not among the files given, so the Merkle "
		     "log (and with it every seal's root) could not be rebuilt; give the case directory");
		verified = 0;
	}
	if (m->seals_signed_ok < m->seals) {
		NOTE("%llu of %llu seals are not signed: who sealed them is not proven",
		     (unsigned long long)(m->seals - m->seals_signed_ok), (unsigned long long)m->seals);
		verified = 0;
	} else if (!have_trust) {
		NOTE("the signer (%.200s) was not checked against a trust anchor: give --trust with the "
		     "operator's certificate or their CA's", m->signer);
		verified = 0;
	} else if (m->seals_trusted < m->seals) {
		verified = 0; /* the failures name the seals */
	}
	if (m->seals_stamped_ok < m->seals) {
		NOTE("%llu of %llu seals carry no valid time stamp: their time rests on the capturing "
		     "machine's clock (`custody stamp` can add one, with a later time)",
		     (unsigned long long)(m->seals - m->seals_stamped_ok), (unsigned long long)m->seals);
		verified = 0;
	} else if (!have_tsa_trust) {
		NOTE("the time-stamp authority (%.200s%s) was not checked against a trust anchor: give "
		     "--tsa-trust with its CA certificate", m->tsa[0] ? m->tsa : m->claimed_tsa,
		     m->tsa[0] ? "" : ", as its tokens say");
		verified = 0;
	} else if (m->seals_time_trusted < m->seals) {
		verified = 0;
	}
	if (m->not_closed) {
		if (m->legacy)
			NOTE("the case was not closed: its seals are custody-sth-v1 tree heads, written "
			     "before custody marked a case's last seal; nothing proves the capture was not cut "
			     "short or its end removed");
		else
			NOTE("the case was not closed: the capture may have been cut short, or its end "
			     "removed (a crawl that crashed or was killed leaves this; `custody crawl "
			     "--resume` closes it)");
		verified = 0;
	}
	if (m->untimed_expired)
		NOTE("%llu seal%s: the signer's certificate is not valid at the time checked (--at or "
		     "now) and no trusted time stamp shows when the seal was made; give --tsa-trust so "
		     "the token's time can be used", (unsigned long long)m->untimed_expired,
		     m->untimed_expired == 1 ? "" : "s");
	if (m->seals_no_token)
		NOTE("%llu seal%s carr%s no time stamp at all (no token in the seal%s)",
		     (unsigned long long)m->seals_no_token, m->seals_no_token == 1 ? "" : "s",
		     m->seals_no_token == 1 ? "ies" : "y", m->stamps ? "; a stamp record may add one" : "");
	if (m->signers > 1)
		NOTE("the seals were signed with %d different certificates", m->signers);
	if (m->clock_far)
		NOTE("the capture machine's clock: %llu seal%s' tree-head time differ%s from the trusted "
		     "token's by more than %d s (VF_SEAL_TIME_TOLERANCE), e.g. %s; WARC-Date and the "
		     "heads' times rest on that clock, the tokens' times do not",
		     (unsigned long long)m->clock_far, m->clock_far == 1 ? "" : "s",
		     m->clock_far == 1 ? "s" : "", VF_SEAL_TIME_TOLERANCE, m->clock_example);

	if (m->cases > 1)
		NOTE("the files given hold more than one case");
	if (m->exhibits)
		snprintf(headline, hlsz, "exhibit of case %s: %llu of the %llu records in its sealed log "
		         "are disclosed here%s%s%s%s%s%s", m->case_of, (unsigned long long)m->ex_disclosed,
		         (unsigned long long)m->ex_size,
		         m->signer[0] ? "; signed by " : "", m->signer,
		         m->first_time[0] ? "; existed no later than " : "", m->last_time,
		         m->first_time[0] ? " UTC according to " : "", m->tsa);
	else
		snprintf(headline, hlsz, "%s%s%llu seal%s%s%s%s%s%s%s",
		         m->case_of[0] ? "case " : "", m->case_of[0] ? m->case_of : "",
		         (unsigned long long)m->seals, m->seals == 1 ? "" : "s",
		         m->signer[0] ? ": signed by " : "", m->signer,
		         m->first_time[0] ? "; existed no later than " : "", m->last_time,
		         m->first_time[0] ? " UTC according to " : "", m->tsa);
	if (!m->first_time[0] && m->claimed_time[0]) {
		size_t hl = strlen(headline);
		snprintf(headline + hl, hlsz - hl, "; a token that claims to come from %s says %s "
		         "(not checked: no --tsa-trust anchor it chains to)", m->claimed_tsa, m->claimed_time);
	}
#undef NOTE
	*nnotes = n;
	return verified;
}
