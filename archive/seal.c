/*
 * seal.c — seal, stamp and proof records: their JSON bodies, and the sealer
 * that writes seals into a case as the log grows.
 *
 * A seal record (metadata, application/vnd.custody.sth, WARC-Target-URI
 * urn:custody:seal:<case-id>) sits at log index N and seals the tree of the N
 * records before it; its body is
 *
 *   {"sth": TEXT, "cms": BASE64|null, "certificate": PEM|null,
 *    "timestamps": [{"tsa": URL, "tsr": BASE64}, ...], "tree_size": N, "root": HEX}
 *
 * where TEXT is the exact tree head (sth.c), cms a detached CMS SignedData over
 * it, and each tsr an RFC 3161 TimeStampResp over the same bytes. tree_size and
 * root repeat the head for tools that do not parse it; the verifier checks
 * they agree. A stamp record (application/vnd.custody.stamp, WARC-Refers-To
 * the seal) completes an unstamped seal later: {"seal": ID, "tree_size": N,
 * "root": HEX, "timestamps": [...]}; earlier records are never rewritten.
 *
 * The sealer is attached to an arc_case as its hook: after every write it
 * seals when N records or S seconds have passed since the last seal, before a
 * rotation so that every file ends sealed, and at close. Signing and the
 * time-stamp callback run synchronously (the callback's own timeouts bound
 * the wait); a TSA that fails leaves the seal unstamped and the crawl goes on.
 *
 * Must never: write a seal whose tree head does not match the log as written,
 * accept a body larger than SEAL_MAX_BODY or with more than SEAL_MAX_TOKENS
 * tokens, or let a failed signature pass as a signed seal.
 */
#include "archive.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

/* ---------------------------------------------------------------- base64 */

int seal_b64_encode(const void *data, size_t len, arc_buf_t *out)
{
	size_t need;
	int n;

	if (len > (SIZE_MAX / 4) * 3 - 3 || len > INT32_MAX / 2)
		return ARC_ELIMIT;
	need = 4 * ((len + 2) / 3) + 1;
	if (out->cap - out->len < need) {
		size_t cap = out->len + need;
		unsigned char *p = realloc(out->data, cap);
		if (!p)
			return ARC_ENOMEM;
		out->data = p;
		out->cap = cap;
	}
	n = EVP_EncodeBlock(out->data + out->len, data, (int)len);
	if (n < 0)
		return ARC_EFORMAT;
	out->len += (size_t)n;
	out->data[out->len] = '\0';
	return ARC_OK;
}

int seal_b64_decode(const char *s, size_t len, size_t max, arc_buf_t *out)
{
	size_t pad = 0, need;
	int n;

	if (len % 4 != 0 || len / 4 * 3 > max + 2)
		return len % 4 ? ARC_EFORMAT : ARC_ELIMIT;
	if (len == 0)
		return ARC_OK;
	if (s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	need = len / 4 * 3 + 1;
	if (out->cap - out->len < need) {
		size_t cap = out->len + need;
		unsigned char *p = realloc(out->data, cap);
		if (!p)
			return ARC_ENOMEM;
		out->data = p;
		out->cap = cap;
	}
	/* EVP_DecodeBlock skips leading/trailing whitespace; refuse it first so
	 * one token has one spelling */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || (c == '=' && i >= len - pad)))
			return ARC_EFORMAT;
	}
	n = EVP_DecodeBlock(out->data + out->len, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad)
		return ARC_EFORMAT;
	out->len += (size_t)n - pad;
	return ARC_OK;
}

/* ---------------------------------------------------------------- bodies */

void seal_body_free(seal_body_t *b)
{
	size_t i;

	if (!b)
		return;
	arc_buf_free(&b->sth);
	arc_buf_free(&b->cms);
	arc_buf_free(&b->cert_pem);
	for (i = 0; i < b->ntokens; i++)
		arc_buf_free(&b->tokens[i].tsr);
	free(b->seal_id);
	memset(b, 0, sizeof *b);
}

static int json_add_b64(json_t *o, const char *key, const arc_buf_t *bytes)
{
	arc_buf_t t = { 0 };
	int rc;

	if (!bytes->len)
		return json_object_set_new(o, key, json_null()) ? ARC_ENOMEM : ARC_OK;
	rc = seal_b64_encode(bytes->data, bytes->len, &t);
	if (rc == ARC_OK && json_object_set_new(o, key, json_stringn((const char *)t.data, t.len)))
		rc = ARC_ENOMEM;
	arc_buf_free(&t);
	return rc;
}

static json_t *tokens_json(const seal_body_t *b)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < b->ntokens; i++) {
		json_t *t = json_object();
		if (!t || json_object_set_new(t, "tsa", json_string(b->tokens[i].tsa)) ||
		    json_add_b64(t, "tsr", &b->tokens[i].tsr) || json_array_append_new(a, t)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int seal_body_format(const seal_body_t *b, int stamp, arc_buf_t *out)
{
	json_t *o = json_object();
	char root[2 * MERKLE_HASH_LEN + 1];
	char *s = NULL;
	int rc = ARC_ENOMEM;

	if (!o)
		return ARC_ENOMEM;
	merkle_hex(b->sth_parsed.root, root);
	if (stamp) {
		if (json_object_set_new(o, "seal", json_string(b->seal_id ? b->seal_id : "")))
			goto done;
	} else {
		if (json_object_set_new(o, "sth", json_stringn((const char *)b->sth.data, b->sth.len)) ||
		    json_add_b64(o, "cms", &b->cms) ||
		    json_object_set_new(o, "certificate", b->cert_pem.len
		                        ? json_stringn((const char *)b->cert_pem.data, b->cert_pem.len)
		                        : json_null()))
			goto done;
	}
	if (json_object_set_new(o, "timestamps", tokens_json(b)) ||
	    json_object_set_new(o, "tree_size", json_integer((json_int_t)b->sth_parsed.tree_size)) ||
	    json_object_set_new(o, "root", json_string(root)))
		goto done;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s && !arc_buf_append(out, s, strlen(s)))
		rc = ARC_OK;
done:
	free(s);
	json_decref(o);
	return rc;
}

static int get_b64(json_t *o, const char *key, size_t max, arc_buf_t *out, int nullable,
                   const char *what, arc_error_t *err)
{
	json_t *v = json_object_get(o, key);
	int rc;

	if (nullable && (!v || json_is_null(v)))
		return ARC_OK;
	if (!json_is_string(v))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: \"%s\" missing or not a string", what, key);
	rc = seal_b64_decode(json_string_value(v), json_string_length(v), max, out);
	if (rc != ARC_OK)
		return arc_fail(err, rc, "", 0, NULL, "%s: \"%s\" is not base64 of at most %zu bytes",
		                what, key, max);
	return ARC_OK;
}

int seal_body_parse(const void *data, size_t len, int stamp, seal_body_t *b, arc_error_t *err)
{
	const char *what = stamp ? "stamp record" : "seal record";
	json_t *o, *v, *ts;
	json_error_t je;
	size_t i;
	int rc = ARC_EFORMAT;

	memset(b, 0, sizeof *b);
	if (!data || len > SEAL_MAX_BODY)
		return arc_fail(err, ARC_ELIMIT, "", 0, NULL, "%s: body of %zu bytes (at most %u)", what,
		                len, SEAL_MAX_BODY);
	o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: not a JSON object (%s)", what,
		                o ? "another JSON value" : je.text);
	}
	if (stamp) {
		v = json_object_get(o, "seal");
		if (!json_is_string(v) || json_string_length(v) > 128 ||
		    !(b->seal_id = strdup(json_string_value(v)))) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: \"seal\" missing", what);
			goto done;
		}
	} else {
		v = json_object_get(o, "sth");
		if (!json_is_string(v) || json_string_length(v) > SEAL_STH_MAX ||
		    arc_buf_append(&b->sth, json_string_value(v), json_string_length(v))) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: \"sth\" missing or too long", what);
			goto done;
		}
		if ((rc = seal_sth_parse(b->sth.data, b->sth.len, &b->sth_parsed, err)) != ARC_OK)
			goto done;
		if ((rc = get_b64(o, "cms", SEAL_MAX_CMS, &b->cms, 1, what, err)) != ARC_OK)
			goto done;
		v = json_object_get(o, "certificate");
		if (v && !json_is_null(v)) {
			if (!json_is_string(v) || json_string_length(v) > SEAL_MAX_CMS ||
			    arc_buf_append(&b->cert_pem, json_string_value(v), json_string_length(v))) {
				rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: bad \"certificate\"", what);
				goto done;
			}
		}
	}
	ts = json_object_get(o, "timestamps");
	if (!json_is_array(ts) || json_array_size(ts) > SEAL_MAX_TOKENS) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: \"timestamps\" missing or more than %d",
		              what, SEAL_MAX_TOKENS);
		goto done;
	}
	for (i = 0; i < json_array_size(ts); i++) {
		json_t *t = json_array_get(ts, i), *u = json_object_get(t, "tsa");
		seal_token_t *k = &b->tokens[b->ntokens++];
		if (!json_is_string(u) || json_string_length(u) >= sizeof k->tsa) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: timestamp %zu without its \"tsa\"", what, i);
			goto done;
		}
		memcpy(k->tsa, json_string_value(u), json_string_length(u) + 1);
		if ((rc = get_b64(t, "tsr", SEAL_MAX_TSR, &k->tsr, 0, what, err)) != ARC_OK)
			goto done;
	}
	{
		json_t *n = json_object_get(o, "tree_size"), *r = json_object_get(o, "root");
		unsigned char root[MERKLE_HASH_LEN];
		if (!json_is_integer(n) || json_integer_value(n) < 0 || !json_is_string(r) ||
		    merkle_unhex(json_string_value(r), json_string_length(r), root) != ARC_OK) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: \"tree_size\" or \"root\" missing", what);
			goto done;
		}
		if (stamp) {
			b->sth_parsed.tree_size = (uint64_t)json_integer_value(n);
			memcpy(b->sth_parsed.root, root, sizeof root);
		} else if ((uint64_t)json_integer_value(n) != b->sth_parsed.tree_size ||
		           memcmp(root, b->sth_parsed.root, sizeof root) != 0) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL,
			              "%s: \"tree_size\"/\"root\" differ from the signed tree head", what);
			goto done;
		}
	}
	rc = ARC_OK;
done:
	json_decref(o);
	if (rc != ARC_OK)
		seal_body_free(b);
	return rc;
}

/* ---------------------------------------------------------------- the sealer */

struct seal_writer {
	const seal_signer_t *signer;       /* borrowed; NULL: unsigned seals */
	seal_stamp_fn stamp;               /* NULL: no TSA */
	void *stamp_ctx;
	uint64_t every;                    /* records between seals */
	int64_t interval;                  /* seconds between seals */
	int64_t last_time;                 /* when the last seal was written (or the sealer attached) */
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
static int make_seal(seal_writer_t *s, arc_case_t *c, seal_body_t *b, arc_error_t *err)
{
	const merkle_tree_t *t = arc_case_tree(c);
	uint64_t psize;
	unsigned char proot[MERKLE_HASH_LEN];
	int rc;

	memset(b, 0, sizeof *b);
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

int seal_now(seal_writer_t *s, arc_case_t *c, arc_error_t *err)
{
	seal_body_t b;
	warc_written_t w;
	uint64_t size = arc_case_tree(c)->size, psize = 0;
	unsigned char root[MERKLE_HASH_LEN];
	int rc;

	/* nothing new since the last seal: the log holds only the seal record itself */
	if (arc_case_last_seal(c, &psize, root) && size <= psize + 1)
		return ARC_OK;
	if ((rc = make_seal(s, c, &b, err)) != ARC_OK) {
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
	return seal_now(s, c, err);
}

void seal_writer_attach(seal_writer_t *s, arc_case_t *c)
{
	arc_case_set_hook(c, seal_hook, s);
}
