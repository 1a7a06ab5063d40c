/*
 * tsp.c — when a seal existed: RFC 3161 time-stamp requests and tokens.
 *
 * A request carries the SHA-256 of the tree-head text, a random 64-bit nonce
 * and certReq, so the reply brings the TSA's certificate along and a replayed
 * reply to someone else's request is refused. A reply is checked the moment
 * it arrives (status granted, same imprint, same nonce, the TSA certificate
 * inside the token, the token's signature holding with it) so the writer
 * never stores a token it could not check; whether the TSA is *trusted* is the
 * verifier's question, asked later against the expert's --tsa-trust.
 *
 * Later verification checks the chain at the token's own genTime, as RFC 3161
 * practice and sigstore do: a TSA certificate that has since expired still
 * vouches for the times it signed while valid, and a genTime after its
 * expiry is refused because the chain does not hold at that time. The
 * network transport is not here (archive/ has no libcurl): the crawler posts
 * the request and hands back the bytes.
 *
 * Must never: accept a token whose imprint is not SHA-256 of the given bytes,
 * read more than SEAL_MAX_TSR bytes, or call a chain "checked" without a
 * trust store.
 */
#include "archive.h"
#include "seal_int.h"

#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

int seal_tsq_make(const void *data, size_t len, seal_tsq_t *q, arc_error_t *err)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	unsigned char h[32], *der = NULL;
	int dl = 0, ok = 0;
	char e[256];

	memset(q, 0, sizeof *q);
	if (!req || !mi || !alg || RAND_bytes(q->nonce, sizeof q->nonce) != 1)
		goto done;
	q->nonce[0] &= 0x7f; /* positive */
	q->nonce[0] |= 0x01; /* and eight bytes long */
	arc_sha256_raw(data, len, h);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	bn = BN_bin2bn(q->nonce, sizeof q->nonce, NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (!nonce || !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, h, sizeof h) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
		goto done;
	dl = i2d_TS_REQ(req, &der);
	ok = dl > 0 && arc_buf_append(&q->der, der, (size_t)dl) == 0;
done:
	OPENSSL_free(der);
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	if (!ok) {
		arc_buf_free(&q->der);
		return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "cannot make a time-stamp request: %s",
		                seal_ossl_err(e, sizeof e));
	}
	return ARC_OK;
}

void seal_tsq_free(seal_tsq_t *q)
{
	if (q)
		arc_buf_free(&q->der);
}

static TS_RESP *parse_resp(const void *tsr, size_t len, arc_error_t *err)
{
	const unsigned char *p = tsr;
	TS_RESP *resp;
	char e[256];

	if (!tsr || len == 0 || len > SEAL_MAX_TSR) {
		arc_fail(err, ARC_EFORMAT, "", 0, NULL, "time-stamp reply: %zu bytes (expected 1..%u)",
		         len, SEAL_MAX_TSR);
		return NULL;
	}
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	if (!resp || p != (const unsigned char *)tsr + len) {
		TS_RESP_free(resp);
		arc_fail(err, ARC_EFORMAT, "", 0, NULL, "time-stamp reply: not a DER TimeStampResp (%s)",
		         seal_ossl_err(e, sizeof e));
		return NULL;
	}
	return resp;
}

/* Status text of a reply that is not granted. */
static void status_text(TS_RESP *resp, char *out, size_t n)
{
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	long st = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
	static const char *const names[] = { "granted", "grantedWithMods", "rejection", "waiting",
		                             "revocationWarning", "revocationNotification" };
	const STACK_OF(ASN1_UTF8STRING) *txt = si ? TS_STATUS_INFO_get0_text(si) : NULL;
	const char *t = "";

	if (txt && sk_ASN1_UTF8STRING_num(txt) > 0) {
		const char *d = (const char *)ASN1_STRING_get0_data(sk_ASN1_UTF8STRING_value(txt, 0));
		if (d)
			t = d;
	}
	snprintf(out, n, "%s%s%.120s", st >= 0 && st <= 5 ? names[st] : "unknown status",
	         *t ? ": " : "", t);
}

/* The one certificate in the token that signed it, or NULL. Borrowed. */
static X509 *token_signer(PKCS7 *token)
{
	STACK_OF(X509) *s;
	X509 *x = NULL;

	if (!token || !PKCS7_type_is_signed(token))
		return NULL;
	s = PKCS7_get0_signers(token, NULL, 0);
	if (s && sk_X509_num(s) == 1)
		x = sk_X509_value(s, 0);
	sk_X509_free(s);
	ERR_clear_error();
	return x;
}

/* A store that trusts only x (the token's own certificate), for checking
 * that the signature holds before anyone decides whether to trust the TSA. */
static int verify_self(TS_RESP *resp, X509 *signer, int64_t gen, char *why, size_t whysz)
{
	X509_STORE *st = X509_STORE_new();
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	int ok = 0;

	if (!st || !ctx || !X509_STORE_add_cert(st, signer))
		goto done;
	X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(st), X509_V_FLAG_PARTIAL_CHAIN);
	if (gen >= 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), (time_t)gen);
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE);
	TS_VERIFY_CTX_set_store(ctx, st); /* ctx owns it now */
	st = NULL;
	ok = TS_RESP_verify_response(ctx, resp) == 1;
	if (!ok)
		seal_ossl_err(why, whysz);
done:
	X509_STORE_free(st);
	TS_VERIFY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int granted(TS_RESP *resp)
{
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	long st = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;

	return st == 0 || st == 1;
}

/* Imprint SHA-256 and equal to h. */
static int imprint_ok(TS_TST_INFO *tst, const unsigned char h[32])
{
	TS_MSG_IMPRINT *mi = tst ? TS_TST_INFO_get_msg_imprint(tst) : NULL;
	X509_ALGOR *a = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	ASN1_OCTET_STRING *m = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	const ASN1_OBJECT *obj = NULL;

	if (!a || !m)
		return 0;
	X509_ALGOR_get0(&obj, NULL, NULL, a);
	return OBJ_obj2nid(obj) == NID_sha256 && ASN1_STRING_length(m) == 32 &&
	       memcmp(ASN1_STRING_get0_data(m), h, 32) == 0;
}

int seal_tsr_check_reply(const seal_tsq_t *q, const void *data, size_t len, const void *tsr,
                         size_t tsr_len, arc_error_t *err)
{
	TS_RESP *resp = parse_resp(tsr, tsr_len, err);
	TS_TST_INFO *tst;
	const ASN1_INTEGER *nonce;
	BIGNUM *bn = NULL;
	unsigned char h[32], nb[8];
	char why[256];
	X509 *signer;
	int rc = ARC_EDIGEST;

	if (!resp)
		return err ? err->code : ARC_EFORMAT;
	if (!granted(resp)) {
		status_text(resp, why, sizeof why);
		rc = arc_fail(err, ARC_EINVAL, "", 0, NULL, "the TSA did not grant the time stamp (%s)", why);
		goto done;
	}
	tst = TS_RESP_get_tst_info(resp);
	arc_sha256_raw(data, len, h);
	if (!imprint_ok(tst, h)) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "the TSA stamped other bytes (message imprint is not SHA-256 of the tree head)");
		goto done;
	}
	nonce = TS_TST_INFO_get_nonce(tst);
	bn = nonce ? ASN1_INTEGER_to_BN(nonce, NULL) : NULL;
	if (!bn || BN_is_negative(bn) || BN_num_bytes(bn) != (int)sizeof nb ||
	    BN_bn2bin(bn, nb) != (int)sizeof nb || memcmp(nb, q->nonce, sizeof nb) != 0) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "the time-stamp reply answers another request (nonce differs)");
		goto done;
	}
	signer = token_signer(TS_RESP_get_token(resp));
	if (!signer) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		              "the time-stamp token does not carry the TSA's certificate (certReq was set)");
		goto done;
	}
	if (!verify_self(resp, signer, seal_asn1_time(TS_TST_INFO_get_time(tst)), why, sizeof why)) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "the time-stamp token's signature does not hold with its own certificate (%s)", why);
		goto done;
	}
	rc = ARC_OK;
done:
	BN_free(bn);
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}

int seal_tsr_verify(const void *tsr, size_t tsr_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t now, seal_tsr_info_t *info,
                    arc_error_t *err)
{
	TS_RESP *resp;
	TS_TST_INFO *tst;
	TS_VERIFY_CTX *ctx = NULL;
	unsigned char h[32];
	char why[256], t[SEAL_TIME_LEN];
	X509 *signer;
	int rc = ARC_EDIGEST;

	memset(info, 0, sizeof *info);
	info->gen_time = -1;
	resp = parse_resp(tsr, tsr_len, err);
	if (!resp)
		return err ? err->code : ARC_EFORMAT;
	if (!granted(resp)) {
		status_text(resp, why, sizeof why);
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "time-stamp reply not granted (%s)", why);
		goto done;
	}
	tst = TS_RESP_get_tst_info(resp);
	info->gen_time = tst ? seal_asn1_time(TS_TST_INFO_get_time(tst)) : -1;
	if (info->gen_time < 0) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "time-stamp token without a readable genTime");
		goto done;
	}
	seal_time_format(info->gen_time, info->gen_time_text);
	{
		const ASN1_INTEGER *sn = TS_TST_INFO_get_serial(tst);
		BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
		char *hx = bn ? BN_bn2hex(bn) : NULL;
		snprintf(info->serial, sizeof info->serial, "%s", hx ? hx : "");
		OPENSSL_free(hx);
		BN_free(bn);
	}
	signer = token_signer(TS_RESP_get_token(resp));
	if (!signer) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		              "time-stamp token does not carry the TSA's certificate");
		goto done;
	}
	seal_cert_info(signer, info->tsa_subject, info->tsa_issuer, sizeof info->tsa_subject,
	               info->tsa_fingerprint, &info->tsa_not_before, &info->tsa_not_after);
	arc_sha256_raw(data, len, h);
	if (!imprint_ok(tst, h)) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "time-stamp token is over other bytes (message imprint is not SHA-256 of the tree head)");
		goto done;
	}
	info->imprint_ok = 1;
	if (now < 0)
		now = (int64_t)time(NULL);
	if (info->gen_time > now + 300) { /* five minutes of clock skew between hosts */
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL, "time-stamp genTime %s lies in the future",
		              info->gen_time_text);
		goto done;
	}
	if (!verify_self(resp, signer, info->gen_time, why, sizeof why)) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "time-stamp token's signature does not hold (%s)", why);
		goto done;
	}
	info->signature_ok = 1;
	if (trust) {
		X509_STORE *st = seal_trust_store_at(trust, info->gen_time);
		info->chain_checked = 1;
		ctx = TS_VERIFY_CTX_new();
		if (!ctx || !X509_STORE_up_ref(st)) {
			rc = arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
			goto done;
		}
		TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
		TS_VERIFY_CTX_set_store(ctx, st);
		if (TS_RESP_verify_response(ctx, resp) != 1) {
			seal_time_format(info->gen_time, t);
			rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
			              "TSA %s does not chain to %s at the token's time %s (%s)",
			              info->tsa_subject, seal_trust_path(trust), t, seal_ossl_err(why, sizeof why));
			goto done;
		}
		info->chain_ok = 1;
	}
	rc = ARC_OK;
done:
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}
