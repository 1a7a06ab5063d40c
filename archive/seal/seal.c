/*
 * seal.c — seal, stamp and proof records: their JSON bodies (read and
 * written), shared by the sealer (sealer.c) and the verifier.
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
 * The sealer that writes them into a case is in sealer.c, a file of its own
 * so that the verifier, which reads bodies, links none of the writing code.
 *
 * Must never: accept a body larger than SEAL_MAX_BODY or with more than
 * SEAL_MAX_TOKENS tokens.
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
	{
		/* every field is one the verifier checks: no unknown key rides along */
		static const char *const seal_keys[] = { "sth", "cms", "certificate", "timestamps",
		                                         "tree_size", "root", NULL };
		static const char *const stamp_keys[] = { "seal", "timestamps", "tree_size", "root", NULL };
		const char *const *allowed = stamp ? stamp_keys : seal_keys;
		const char *key;
		json_t *val;
		json_object_foreach(o, key, val) {
			size_t k;
			(void)val;
			for (k = 0; allowed[k] && strcmp(allowed[k], key); k++)
				;
			if (!allowed[k]) {
				rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: unknown field \"%.40s\"", what, key);
				goto done;
			}
		}
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
		if (json_object_size(t) != 2) {
			rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "%s: timestamp %zu has fields other than "
			              "\"tsa\" and \"tsr\"", what, i);
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
