/*
 * sign.c — who sealed a case: operator keys, certificates and CMS signatures.
 *
 * The operator's key signs each tree head with a CMS detached SignedData
 * (RFC 5652; binary content, the signer's certificate and any chain
 * certificates included, signingTime as a signed attribute), the form stock
 * `openssl cms -verify -binary -inform DER -content sth.txt` checks. Keys are
 * ECDSA P-256 with SHA-256 by default; SM2/SM3 and Ed25519 are offered only
 * when this OpenSSL's CMS can sign *and* verify with them, which
 * seal_alg_usable() finds out by trying once with a throwaway key (OpenSSL
 * 3.0's CMS refuses both; a later OpenSSL may not).
 *
 * keygen writes PREFIX.key (PEM PKCS#8, created 0600 with O_EXCL so no other
 * mode ever exists on disk; AES-256-CBC encrypted when a passphrase is
 * given), a self-signed PREFIX.crt and PREFIX.csr for an organisation's CA.
 *
 * Verification separates the two questions a court asks: does the signature
 * hold over these bytes (checked with the certificate inside the CMS), and
 * does that certificate chain to the anchor the expert trusts *at a given
 * time* — the time a timestamp token proves, not today, so a case still
 * verifies after the operator's certificate has expired.
 *
 * Must never: print or log a private key or passphrase, prompt on a terminal
 * (a missing passphrase is an error), overwrite an existing key file, leave a
 * key file readable by others, or report a chain as checked when no trust
 * anchor was given.
 */
#include "archive.h"
#include "seal_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define SEAL_MAX_CERTS 16       /* certificates in a cert or trust file */
#define SEAL_MAX_PEM   (1u << 20)

struct seal_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;  /* further certificates from the cert file */
	X509_REQ *csr;          /* keygen only */
	seal_alg_t alg;
	char subject[SEAL_SUBJECT_MAX];
};

struct seal_trust {
	X509_STORE *store;
	char path[256];
};

/* sk_X509_pop_free (OSSL_STACK_OF_X509_free is OpenSSL 3.2) */
static void certs_free(STACK_OF(X509) *sk)
{
	sk_X509_pop_free(sk, X509_free);
}

/* The last OpenSSL error as text (for messages), queue cleared. */
const char *seal_ossl_err(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		snprintf(buf, n, "no detail from OpenSSL");
	else
		ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

/* ---------------------------------------------------------------- algorithms */

const char *seal_alg_name(seal_alg_t alg)
{
	switch (alg) {
	case SEAL_ALG_P256: return "p256";
	case SEAL_ALG_SM2: return "sm2";
	case SEAL_ALG_ED25519: return "ed25519";
	}
	return "?";
}

int seal_alg_parse(const char *name, seal_alg_t *alg, arc_error_t *err)
{
	if (name && (!strcmp(name, "p256") || !strcmp(name, "P-256") || !strcmp(name, "ecdsa")))
		*alg = SEAL_ALG_P256;
	else if (name && (!strcmp(name, "sm2") || !strcmp(name, "SM2")))
		*alg = SEAL_ALG_SM2;
	else if (name && (!strcmp(name, "ed25519") || !strcmp(name, "Ed25519")))
		*alg = SEAL_ALG_ED25519;
	else
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "unknown key algorithm \"%s\" (use p256, sm2 or ed25519)", name ? name : "");
	return ARC_OK;
}

static EVP_PKEY *gen_key(seal_alg_t alg)
{
	switch (alg) {
	case SEAL_ALG_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case SEAL_ALG_SM2: return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	case SEAL_ALG_ED25519: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	}
	return NULL;
}

/* Digest used to sign certificates and CMS: SHA-256, SM3 with SM2, none
 * (built in) for Ed25519. */
static const EVP_MD *alg_md(seal_alg_t alg)
{
	switch (alg) {
	case SEAL_ALG_P256: return EVP_sha256();
	case SEAL_ALG_SM2: return EVP_sm3();
	case SEAL_ALG_ED25519: return NULL;
	}
	return NULL;
}

/* The key's algorithm, for a loaded key. */
static int key_alg(EVP_PKEY *k, seal_alg_t *alg)
{
	if (EVP_PKEY_is_a(k, "SM2")) {
		*alg = SEAL_ALG_SM2;
	} else if (EVP_PKEY_is_a(k, "ED25519")) {
		*alg = SEAL_ALG_ED25519;
	} else if (EVP_PKEY_is_a(k, "EC")) {
		char group[64] = "";
		size_t gl = 0;
		if (!EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &gl))
			return -1;
		if (!strcmp(group, "SM2")) {
			*alg = SEAL_ALG_SM2;
			return 0;
		}
		if (strcmp(group, "prime256v1") && strcmp(group, "P-256"))
			return -1;
		*alg = SEAL_ALG_P256;
	} else {
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- subject */

static const char *const subject_keys[] = { "CN", "O", "OU", "C", "ST", "L", "emailAddress", NULL };

/* Valid UTF-8 without control characters. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], len, k;
		uint32_t cp;
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
		else return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += len;
	}
	return 1;
}

/* "/CN=Jane Roe/O=Example Advocacy/C=CN": '/'-separated key=value pairs,
 * keys from a short list, values non-empty UTF-8 without control bytes,
 * at most 64 bytes each ("\/" puts a slash in a value). CN is required. */
static int parse_subject(const char *subject, X509_NAME **out, arc_error_t *err)
{
	X509_NAME *name;
	const char *p = subject;
	int have_cn = 0;
	size_t total;

	*out = NULL;
	if (!subject || !*subject)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "no subject given (e.g. --subject \"/CN=Jane Roe/O=Example Advocacy\")");
	total = strlen(subject);
	if (total > 1024)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "subject longer than 1024 bytes");
	if (*p != '/')
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "subject must start with '/' as in \"/CN=Jane Roe/O=Example Advocacy\"");
	name = X509_NAME_new();
	if (!name)
		return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
	while (*p == '/') {
		char key[16], val[65];
		size_t kl = 0, vl = 0, i;
		int known = 0;
		p++;
		while (*p && *p != '=' && *p != '/') {
			if (kl + 1 >= sizeof key)
				goto bad_key;
			key[kl++] = *p++;
		}
		key[kl] = '\0';
		if (*p != '=')
			goto bad_key;
		p++;
		for (i = 0; subject_keys[i]; i++)
			known |= !strcmp(key, subject_keys[i]);
		if (!known)
			goto bad_key;
		while (*p && *p != '/') {
			if (*p == '\\' && (p[1] == '/' || p[1] == '\\'))
				p++;
			if (vl + 1 >= sizeof val) {
				X509_NAME_free(name);
				return arc_fail(err, ARC_EINVAL, "", 0, NULL,
				                "subject: the value of %s is longer than 64 bytes", key);
			}
			val[vl++] = *p++;
		}
		val[vl] = '\0';
		if (vl == 0 || !utf8_ok((const unsigned char *)val, vl) || val[0] == ' ' ||
		    val[vl - 1] == ' ') {
			X509_NAME_free(name);
			return arc_fail(err, ARC_EINVAL, "", 0, NULL,
			                "subject: %s needs a value of printable UTF-8 text without "
			                "leading or trailing spaces", key);
		}
		if (!strcmp(key, "C") && (vl != 2 || val[0] < 'A' || val[0] > 'Z' ||
		                          val[1] < 'A' || val[1] > 'Z')) {
			X509_NAME_free(name);
			return arc_fail(err, ARC_EINVAL, "", 0, NULL,
			                "subject: C must be a two-letter country code such as CN or DE");
		}
		if (!strcmp(key, "CN")) {
			if (have_cn) {
				X509_NAME_free(name);
				return arc_fail(err, ARC_EINVAL, "", 0, NULL, "subject: CN given twice");
			}
			have_cn = 1;
		}
		if (!X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8, (const unsigned char *)val,
		                                (int)vl, -1, 0)) {
			X509_NAME_free(name);
			ERR_clear_error();
			return arc_fail(err, ARC_EINVAL, "", 0, NULL, "subject: OpenSSL refused %s=%s", key, val);
		}
	}
	if (*p != '\0' || !have_cn) {
		X509_NAME_free(name);
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, *p ? "subject: unexpected text \"%.40s\""
		                : "subject: a CN (the operator's name) is required%s", *p ? p : "");
	}
	*out = name;
	return ARC_OK;
bad_key:
	X509_NAME_free(name);
	return arc_fail(err, ARC_EINVAL, "", 0, NULL,
	                "subject: expected KEY=value with KEY one of CN, O, OU, C, ST, L, emailAddress "
	                "(as in \"/CN=Jane Roe/O=Example Advocacy\")");
}

int seal_subject_check(const char *subject, arc_error_t *err)
{
	X509_NAME *n = NULL;
	int rc = parse_subject(subject, &n, err);

	X509_NAME_free(n);
	return rc;
}

/* "CN=..., O=..." in UTF-8, one line. */
static void name_text(const X509_NAME *n, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_DN_REV) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0 && p) {
			size_t k = (size_t)len < outsz - 1 ? (size_t)len : outsz - 1;
			memcpy(out, p, k);
			out[k] = '\0';
		}
	}
	BIO_free(b);
}

/* ---------------------------------------------------------------- key generation */

static int add_ext(X509 *cert, X509 *issuer, X509_REQ *req, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, req, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return 0;
	ok = cert ? X509_add_ext(cert, ex, -1) : 1;
	X509_EXTENSION_free(ex);
	return ok;
}

/* The signing purpose custody's policy asks for (seal_signing_purpose), as a
 * request: a CA that copies requested extensions issues a certificate that
 * verifies; one that does not must be asked for these by hand (README). */
#define SEAL_KEY_USAGE "critical,digitalSignature,nonRepudiation"
#define SEAL_EXT_KEY_USAGE "1.3.6.1.5.5.7.3.36,emailProtection" /* documentSigning (RFC 9336) */

static int req_purpose(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509V3_CTX ctx;
	X509_EXTENSION *ku, *eku;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, NULL, NULL, req, NULL, 0);
	ku = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, SEAL_KEY_USAGE);
	eku = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, SEAL_EXT_KEY_USAGE);
	ok = exts && ku && eku && sk_X509_EXTENSION_push(exts, ku) && (ku = NULL, 1) &&
	     sk_X509_EXTENSION_push(exts, eku) && (eku = NULL, 1) && X509_REQ_add_extensions(req, exts);
	X509_EXTENSION_free(ku);
	X509_EXTENSION_free(eku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok;
}

static int random_serial(X509 *cert)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof b) != 1)
		return 0;
	b[0] &= 0x7f;
	b[0] |= 0x01; /* positive, 16 bytes, never zero */
	bn = BN_bin2bn(b, sizeof b, NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

void seal_signer_free(seal_signer_t *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	certs_free(s->chain);
	X509_REQ_free(s->csr);
	free(s);
}

int seal_keygen(seal_alg_t alg, const char *subject, int days, seal_signer_t **out,
                arc_error_t *err)
{
	seal_signer_t *s;
	X509_NAME *name = NULL;
	char e[256];
	int rc;

	*out = NULL;
	if (days < 1 || days > 36500)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "--days must be 1..36500 (got %d)", days);
	if ((rc = seal_alg_usable(alg, err)) != ARC_OK)
		return rc;
	if ((rc = parse_subject(subject, &name, err)) != ARC_OK)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s) {
		X509_NAME_free(name);
		return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
	}
	s->alg = alg;
	s->key = gen_key(alg);
	s->cert = X509_new();
	s->csr = X509_REQ_new();
	if (!s->key || !s->cert || !s->csr)
		goto fail;
	if (!X509_set_version(s->cert, 2) || !random_serial(s->cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(s->cert), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(s->cert), days, 0, NULL) ||
	    !X509_set_subject_name(s->cert, name) || !X509_set_issuer_name(s->cert, name) ||
	    !X509_set_pubkey(s->cert, s->key) ||
	    !add_ext(s->cert, s->cert, NULL, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(s->cert, s->cert, NULL, NID_key_usage, SEAL_KEY_USAGE) ||
	    !add_ext(s->cert, s->cert, NULL, NID_ext_key_usage, SEAL_EXT_KEY_USAGE) ||
	    !add_ext(s->cert, s->cert, NULL, NID_subject_key_identifier, "hash") ||
	    !add_ext(s->cert, s->cert, NULL, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(s->cert, s->key, alg_md(alg)))
		goto fail;
	if (!X509_REQ_set_version(s->csr, 0) || !X509_REQ_set_subject_name(s->csr, name) ||
	    !X509_REQ_set_pubkey(s->csr, s->key) || !req_purpose(s->csr) ||
	    !X509_REQ_sign(s->csr, s->key, alg_md(alg)))
		goto fail;
	name_text(name, s->subject, sizeof s->subject);
	X509_NAME_free(name);
	*out = s;
	return ARC_OK;
fail:
	X509_NAME_free(name);
	seal_signer_free(s);
	return arc_fail(err, ARC_EINVAL, "", 0, NULL, "cannot make a %s key and certificate: %s",
	                seal_alg_name(alg), seal_ossl_err(e, sizeof e));
}

/* Create path with O_EXCL and mode; write the PEM that fn produces. */
static int write_new_file(const char *path, mode_t mode, int (*fn)(BIO *, const void *, const char *, size_t),
                          const void *obj, const char *pass, size_t pass_len, arc_error_t *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	BIO *b;
	FILE *f;
	int ok, e;

	if (fd < 0) {
		e = errno;
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot create %s: %s%s", path, strerror(e),
		                e == EEXIST ? " (refusing to overwrite it)" : "");
	}
	if (fchmod(fd, mode) != 0) { /* umask must not loosen or tighten what we promised */
		e = errno;
		close(fd);
		unlink(path);
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot set the mode of %s: %s", path, strerror(e));
	}
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		unlink(path);
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot write %s: %s", path, strerror(e));
	}
	b = BIO_new_fp(f, BIO_NOCLOSE);
	ok = b && fn(b, obj, pass, pass_len) && BIO_flush(b) == 1;
	BIO_free(b);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	e = errno;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		char m[256];
		unlink(path);
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot write %s: %s", path,
		                ERR_peek_last_error() ? seal_ossl_err(m, sizeof m) : strerror(e));
	}
	return ARC_OK;
}

static int pem_key(BIO *b, const void *obj, const char *pass, size_t pass_len)
{
	const seal_signer_t *s = obj;

	if (pass && pass_len > 0)
		return PEM_write_bio_PKCS8PrivateKey(b, s->key, EVP_aes_256_cbc(), pass, (int)pass_len,
		                                     NULL, NULL);
	return PEM_write_bio_PKCS8PrivateKey(b, s->key, NULL, NULL, 0, NULL, NULL);
}

static int pem_cert(BIO *b, const void *obj, const char *pass, size_t pass_len)
{
	(void)pass;
	(void)pass_len;
	return PEM_write_bio_X509(b, ((const seal_signer_t *)obj)->cert);
}

static int pem_csr(BIO *b, const void *obj, const char *pass, size_t pass_len)
{
	(void)pass;
	(void)pass_len;
	return PEM_write_bio_X509_REQ(b, ((const seal_signer_t *)obj)->csr);
}

int seal_signer_write(const seal_signer_t *s, const char *prefix, const char *pass,
                      size_t pass_len, arc_error_t *err)
{
	char key[4096], crt[4096], csr[4096];
	int rc;

	if (!s || !prefix || !*prefix || pass_len > 1024)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "seal_signer_write: bad arguments");
	if ((size_t)snprintf(key, sizeof key, "%s.key", prefix) >= sizeof key ||
	    (size_t)snprintf(crt, sizeof crt, "%s.crt", prefix) >= sizeof crt ||
	    (size_t)snprintf(csr, sizeof csr, "%s.csr", prefix) >= sizeof csr)
		return arc_fail(err, ARC_EINVAL, prefix, 0, NULL, "%s: path too long", prefix);
	/* refuse before creating anything, so a refusal leaves no half set */
	if (access(key, F_OK) == 0 || access(crt, F_OK) == 0 || (s->csr && access(csr, F_OK) == 0))
		return arc_fail(err, ARC_EIO, key, 0, NULL,
		                "%s.key, .crt or .csr already exists: refusing to overwrite a key "
		                "(move it away or choose another -o)", prefix);
	if ((rc = write_new_file(key, 0600, pem_key, s, pass, pass_len, err)) != ARC_OK)
		return rc;
	if ((rc = write_new_file(crt, 0644, pem_cert, s, NULL, 0, err)) != ARC_OK) {
		unlink(key);
		return rc;
	}
	if (s->csr && (rc = write_new_file(csr, 0644, pem_csr, s, NULL, 0, err)) != ARC_OK) {
		unlink(key);
		unlink(crt);
		return rc;
	}
	return ARC_OK;
}

/* ---------------------------------------------------------------- loading */

typedef struct {
	const char *pass;
	size_t len;
	int asked;
} pass_ctx_t;

/* Never prompts: with no passphrase an encrypted key is an error. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	pass_ctx_t *p = u;

	(void)rwflag;
	p->asked = 1;
	if (!p->pass || p->len == 0 || size <= 0 || p->len > (size_t)size)
		return -1;
	memcpy(buf, p->pass, p->len);
	return (int)p->len;
}

static BIO *open_pem(const char *path, arc_error_t *err)
{
	struct stat st;
	BIO *b;

	if (stat(path, &st) != 0) {
		int e = errno;
		arc_fail(err, ARC_EIO, path, 0, NULL, "cannot read %s: %s", path, strerror(e));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)SEAL_MAX_PEM) {
		arc_fail(err, ARC_ELIMIT, path, 0, NULL, "%s: not a regular file of at most %u bytes",
		         path, SEAL_MAX_PEM);
		return NULL;
	}
	b = BIO_new_file(path, "rb");
	if (!b) {
		ERR_clear_error();
		arc_fail(err, ARC_EIO, path, 0, NULL, "cannot read %s", path);
	}
	return b;
}

/* Every certificate in a PEM file, at most SEAL_MAX_CERTS. */
static int read_certs(const char *path, STACK_OF(X509) **out, arc_error_t *err)
{
	BIO *b = open_pem(path, err);
	STACK_OF(X509) *sk;
	X509 *x;

	*out = NULL;
	if (!b)
		return err ? err->code : ARC_EIO;
	sk = sk_X509_new_null();
	while (sk && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(sk) >= SEAL_MAX_CERTS || !sk_X509_push(sk, x)) {
			X509_free(x);
			certs_free(sk);
			BIO_free(b);
			return arc_fail(err, ARC_ELIMIT, path, 0, NULL, "%s: more than %d certificates",
			                path, SEAL_MAX_CERTS);
		}
	}
	ERR_clear_error(); /* the end of the file reads as an error */
	BIO_free(b);
	if (!sk || sk_X509_num(sk) == 0) {
		certs_free(sk);
		return arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s: no PEM certificate in it", path);
	}
	*out = sk;
	return ARC_OK;
}

int seal_signer_load(const char *key_path, const char *cert_path, const char *pass,
                     size_t pass_len, seal_signer_t **out, arc_error_t *err)
{
	seal_signer_t *s;
	pass_ctx_t pc = { pass, pass_len, 0 };
	BIO *b;
	int rc;
	char e[256];

	*out = NULL;
	if (!key_path || !cert_path)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "a key needs its certificate (--key and --cert)");
	s = calloc(1, sizeof *s);
	if (!s)
		return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
	b = open_pem(key_path, err);
	if (!b) {
		seal_signer_free(s);
		return err ? err->code : ARC_EIO;
	}
	s->key = PEM_read_bio_PrivateKey(b, NULL, pass_cb, &pc);
	BIO_free(b);
	if (!s->key) {
		seal_signer_free(s);
		ERR_clear_error();
		if (pc.asked && !pass)
			return arc_fail(err, ARC_EINVAL, key_path, 0, NULL,
			                "%s is encrypted: give its passphrase with --pass-file", key_path);
		return arc_fail(err, ARC_EFORMAT, key_path, 0, NULL, pc.asked
		                ? "%s: cannot decrypt the key (wrong passphrase?)"
		                : "%s: not a PEM private key", key_path);
	}
	if (key_alg(s->key, &s->alg) != 0) {
		seal_signer_free(s);
		return arc_fail(err, ARC_EINVAL, key_path, 0, NULL,
		                "%s: unsupported key type (custody signs with P-256, SM2 or Ed25519 keys)",
		                key_path);
	}
	if ((rc = seal_alg_usable(s->alg, err)) != ARC_OK) {
		seal_signer_free(s);
		return rc;
	}
	if ((rc = read_certs(cert_path, &s->chain, err)) != ARC_OK) {
		seal_signer_free(s);
		return rc;
	}
	s->cert = sk_X509_shift(s->chain);
	if (X509_check_private_key(s->cert, s->key) != 1) {
		seal_signer_free(s);
		return arc_fail(err, ARC_EINVAL, cert_path, 0, NULL,
		                "%s does not belong to the key %s (%s)", cert_path, key_path,
		                seal_ossl_err(e, sizeof e));
	}
	name_text(X509_get_subject_name(s->cert), s->subject, sizeof s->subject);
	*out = s;
	return ARC_OK;
}

const char *seal_signer_subject(const seal_signer_t *s)
{
	return s ? s->subject : "";
}

seal_alg_t seal_signer_alg(const seal_signer_t *s)
{
	return s ? s->alg : SEAL_ALG_P256;
}

int seal_signer_cert_pem(const seal_signer_t *s, arc_buf_t *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;
	int rc = ARC_ENOMEM;

	if (!s || !b || !PEM_write_bio_X509(b, s->cert))
		goto done;
	len = BIO_get_mem_data(b, &p);
	if (len > 0 && p)
		rc = arc_buf_append(out, p, (size_t)len) ? ARC_ENOMEM : ARC_OK;
done:
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

/* ---------------------------------------------------------------- signing */

static int cms_sign_raw(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain, seal_alg_t alg,
                        const void *data, size_t len, arc_buf_t *out, char *ebuf, size_t esz)
{
	BIO *in = BIO_new_mem_buf(data, (int)len), *mem = NULL;
	CMS_ContentInfo *cms = NULL;
	unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL | CMS_NOSMIMECAP;
	const EVP_MD *md = alg == SEAL_ALG_ED25519 ? EVP_sha512() : alg_md(alg);
	char *p = NULL;
	long n;
	int ok = 0;

	if (!in || len > INT32_MAX)
		goto done;
	cms = CMS_sign(NULL, NULL, chain, NULL, flags);
	if (!cms || !CMS_add1_signer(cms, cert, key, md, flags & ~CMS_PARTIAL) ||
	    !CMS_final(cms, in, NULL, flags & ~CMS_PARTIAL))
		goto done;
	mem = BIO_new(BIO_s_mem());
	if (!mem || !i2d_CMS_bio(mem, cms))
		goto done;
	n = BIO_get_mem_data(mem, &p);
	ok = n > 0 && p && arc_buf_append(out, p, (size_t)n) == 0;
done:
	if (!ok)
		seal_ossl_err(ebuf, esz);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(mem);
	return ok;
}

int seal_sign(const seal_signer_t *s, const void *data, size_t len, arc_buf_t *cms_der,
              arc_error_t *err)
{
	char e[256];

	if (!s || !data || !cms_der)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "seal_sign: bad arguments");
	if (!cms_sign_raw(s->key, s->cert, s->chain, s->alg, data, len, cms_der, e, sizeof e))
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "CMS signing with the %s key failed: %s",
		                seal_alg_name(s->alg), e);
	return ARC_OK;
}

/* ---------------------------------------------------------------- trust anchors */

int seal_trust_load(const char *path, seal_trust_t **out, arc_error_t *err)
{
	STACK_OF(X509) *sk = NULL;
	seal_trust_t *t;
	int rc, i;

	*out = NULL;
	if ((rc = read_certs(path, &sk, err)) != ARC_OK)
		return rc;
	t = calloc(1, sizeof *t);
	if (!t || !(t->store = X509_STORE_new())) {
		free(t);
		certs_free(sk);
		return arc_fail(err, ARC_ENOMEM, path, 0, NULL, "out of memory");
	}
	for (i = 0; i < sk_X509_num(sk); i++)
		if (!X509_STORE_add_cert(t->store, sk_X509_value(sk, i)))
			ERR_clear_error(); /* a duplicate is harmless */
	certs_free(sk);
	snprintf(t->path, sizeof t->path, "%s", path);
	*out = t;
	return ARC_OK;
}

void seal_trust_free(seal_trust_t *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t);
}

X509_STORE *seal_trust_store_at(const seal_trust_t *t, int64_t at)
{
	X509_VERIFY_PARAM *vp;

	if (!t)
		return NULL;
	vp = X509_STORE_get0_param(t->store);
	if (at >= 0) {
		X509_VERIFY_PARAM_set_time(vp, (time_t)at);
	} else {
		X509_VERIFY_PARAM_clear_flags(vp, X509_V_FLAG_USE_CHECK_TIME);
	}
	return t->store;
}

const char *seal_trust_path(const seal_trust_t *t)
{
	return t ? t->path : "";
}

int64_t seal_asn1_time(const ASN1_TIME *asn1_time)
{
	struct tm tm;

	if (!asn1_time || ASN1_TIME_to_tm(asn1_time, &tm) != 1)
		return -1;
	return (int64_t)timegm(&tm);
}

void seal_cert_info(const X509 *x, char *subject, char *issuer, size_t n,
                    char fingerprint[ARC_DIGEST_LEN], int64_t *not_before, int64_t *not_after)
{
	unsigned char *der = NULL;
	int dl;

	if (subject)
		name_text(X509_get_subject_name(x), subject, n);
	if (issuer)
		name_text(X509_get_issuer_name(x), issuer, n);
	if (fingerprint) {
		dl = i2d_X509(x, &der);
		if (dl > 0)
			arc_sha256_hex(der, (size_t)dl, fingerprint);
		else
			fingerprint[0] = '\0';
		OPENSSL_free(der);
	}
	if (not_before)
		*not_before = seal_asn1_time(X509_get0_notBefore(x));
	if (not_after)
		*not_after = seal_asn1_time(X509_get0_notAfter(x));
}

/* ---------------------------------------------------------------- verification */

int seal_pem_fingerprint(const void *pem, size_t len, char fingerprint[ARC_DIGEST_LEN])
{
	BIO *b;
	X509 *x;

	fingerprint[0] = '\0';
	if (!pem || len == 0 || len > SEAL_MAX_CMS || !(b = BIO_new_mem_buf(pem, (int)len)))
		return ARC_EFORMAT;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!x)
		return ARC_EFORMAT;
	seal_cert_info(x, NULL, NULL, 0, fingerprint, NULL, NULL);
	X509_free(x);
	return fingerprint[0] ? ARC_OK : ARC_EFORMAT;
}

int seal_signing_purpose(X509 *x, char *why, size_t whysz)
{
	uint32_t flags = X509_get_extension_flags(x), ku = X509_get_key_usage(x);
	EXTENDED_KEY_USAGE *eku;
	int i, ok = 1;

	why[0] = '\0';
	if (X509_check_ca(x) > 0 && (flags & EXFLAG_BCONS) && (flags & EXFLAG_CA)) {
		snprintf(why, whysz, "a CA certificate (basicConstraints CA:TRUE) does not sign seals");
		return 0;
	}
	if (flags & EXFLAG_KUSAGE) {
		if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
			snprintf(why, whysz, "keyUsage has neither digitalSignature nor nonRepudiation "
			         "(a certificate for %s)", ku & KU_KEY_ENCIPHERMENT ? "key encipherment"
			                                   : ku & KU_KEY_AGREEMENT ? "key agreement" : "another use");
			return 0;
		}
	} else if (!(flags & EXFLAG_SS)) {
		snprintf(why, whysz, "a certificate issued by a CA must state keyUsage digitalSignature "
		         "or nonRepudiation to sign seals; this one has no keyUsage");
		return 0;
	}
	if (!(flags & EXFLAG_XKUSAGE))
		return 1;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (!eku) {
		snprintf(why, whysz, "extendedKeyUsage cannot be read");
		return 0;
	}
	ok = 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		char txt[80];
		int nid = OBJ_obj2nid(o);

		OBJ_obj2txt(txt, sizeof txt, o, 1);
		ok = nid == NID_email_protect || nid == NID_code_sign ||
		     !strcmp(txt, "1.3.6.1.5.5.7.3.36"); /* id-kp-documentSigning, RFC 9336 */
	}
	if (!ok) {
		size_t o = 0;

		o += (size_t)snprintf(why, whysz, "extendedKeyUsage");
		for (i = 0; i < sk_ASN1_OBJECT_num(eku) && o < whysz; i++) {
			char txt[80];

			OBJ_obj2txt(txt, sizeof txt, sk_ASN1_OBJECT_value(eku, i), 0);
			o += (size_t)snprintf(why + o, whysz - o, "%s%s", i ? ", " : " ", txt);
		}
		if (o < whysz)
			snprintf(why + o, whysz - o, " only: not for signing documents (documentSigning, "
			         "emailProtection or codeSigning)");
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ERR_clear_error();
	return ok;
}

int seal_chain_check(const seal_trust_t *trust, X509 *x509, STACK_OF(X509) *untrusted_stack,
                     int64_t at, int purpose, char *why, size_t whysz)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, x509, untrusted_stack)) {
		snprintf(why, whysz, "out of memory");
		X509_STORE_CTX_free(ctx);
		return 0;
	}
	if (at >= 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
	if (purpose)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		snprintf(why, whysz, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int seal_chain_check_text(const seal_trust_t *trust, X509 *x509, STACK_OF(X509) *untrusted_stack,
                          int64_t at, char *why, size_t whysz, char *chain, size_t chainsz)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *got = NULL;
	int ok = 0, i;
	size_t o = 0;

	chain[0] = '\0';
	if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, x509, untrusted_stack)) {
		snprintf(why, whysz, "out of memory");
		X509_STORE_CTX_free(ctx);
		return 0;
	}
	if (at >= 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		snprintf(why, whysz, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	else if ((got = X509_STORE_CTX_get1_chain(ctx)) != NULL) {
		for (i = 0; i < sk_X509_num(got) && o + 1 < chainsz; i++) {
			char name[SEAL_SUBJECT_MAX];

			name_text(X509_get_subject_name(sk_X509_value(got, i)), name, sizeof name);
			o += (size_t)snprintf(chain + o, chainsz - o, "%s%s", i ? " <- " : "", name);
		}
		if (o + 1 < chainsz)
			snprintf(chain + o, chainsz - o, " (in %s)", trust->path);
		certs_free(got);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int seal_cms_verify(const void *cms_der, size_t cms_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t at, seal_cms_info_t *info,
                    arc_error_t *err)
{
	BIO *in = NULL, *content = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	X509_STORE *empty = NULL;
	X509 *signer;
	char e[256], why[256];
	int rc = ARC_EDIGEST;

	memset(info, 0, sizeof *info);
	info->signing_time = -1;
	if (!cms_der || cms_len == 0 || cms_len > SEAL_MAX_CMS || len > INT32_MAX)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "CMS signature: %zu bytes (expected 1..%u)",
		                cms_len, SEAL_MAX_CMS);
	in = BIO_new_mem_buf(cms_der, (int)cms_len);
	/* the content behind a pass-through filter: given a memory BIO itself,
	 * OpenSSL 3.0's CMS_verify copies it into a BIO it leaks on some failures */
	content = BIO_new(BIO_f_null());
	if (content) {
		BIO *mem = BIO_new_mem_buf(data, (int)len);
		if (mem)
			BIO_push(content, mem);
		else {
			BIO_free(content);
			content = NULL;
		}
	}
	empty = X509_STORE_new();
	if (!in || !content || !empty) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, NULL, "out of memory");
		goto done;
	}
	cms = d2i_CMS_bio(in, NULL);
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || !CMS_is_detached(cms)) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		              "CMS signature: not a detached CMS SignedData in DER (%s)", seal_ossl_err(e, sizeof e));
		goto done;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (!sis || sk_CMS_SignerInfo_num(sis) != 1) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "CMS signature: %d signers (expected exactly one)",
		              sis ? sk_CMS_SignerInfo_num(sis) : 0);
		goto done;
	}
	/* the signature over these bytes, with the certificate carried inside */
	if (CMS_verify(cms, NULL, empty, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
		              "CMS signature does not verify over the tree head (%s)", seal_ossl_err(e, sizeof e));
		goto done;
	}
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		rc = arc_fail(err, ARC_EFORMAT, "", 0, NULL, "CMS signature: the signer's certificate is not included");
		goto done;
	}
	signer = sk_X509_value(signers, 0);
	seal_cert_info(signer, info->subject, info->issuer, sizeof info->subject, info->fingerprint,
	               &info->not_before, &info->not_after);
	{
		int idx = CMS_signed_get_attr_by_NID(sk_CMS_SignerInfo_value(sis, 0), NID_pkcs9_signingTime, -1);
		X509_ATTRIBUTE *a = idx >= 0 ? CMS_signed_get_attr(sk_CMS_SignerInfo_value(sis, 0), idx) : NULL;
		ASN1_TYPE *ty = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
		if (ty && (ty->type == V_ASN1_UTCTIME || ty->type == V_ASN1_GENERALIZEDTIME))
			info->signing_time = seal_asn1_time(ty->value.asn1_string);
	}
	info->signature_ok = 1;
	if (!seal_signing_purpose(signer, why, sizeof why)) {
		rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL, "signer %s: not a certificate for signing "
		              "seals: %s", info->subject, why);
		goto done;
	}
	info->purpose_ok = 1;
	if (trust) {
		certs = CMS_get1_certs(cms);
		info->chain_checked = 1;
		if (!seal_chain_check_text(trust, signer, certs, at, why, sizeof why, info->chain,
		                           sizeof info->chain)) {
			char t[SEAL_TIME_LEN] = "now";
			if (at >= 0)
				seal_time_format(at, t);
			rc = arc_fail(err, ARC_EDIGEST, "", 0, NULL,
			              "signer %s does not chain to %s as of %s: %s", info->subject,
			              trust->path, t, why);
			goto done;
		}
		info->chain_ok = 1;
	}
	rc = ARC_OK;
done:
	certs_free(certs);
	sk_X509_free(signers);
	CMS_ContentInfo_free(cms);
	X509_STORE_free(empty);
	BIO_free(in);
	BIO_free_all(content);
	ERR_clear_error();
	return rc;
}

/* ---------------------------------------------------------------- what works on this OpenSSL */

int seal_alg_usable(seal_alg_t alg, arc_error_t *err)
{
	static const char probe[] = "custody-sth-v1\nprobe\n";
	EVP_PKEY *k;
	X509 *x = NULL;
	X509_NAME *n = NULL;
	arc_buf_t der = { 0 };
	char e[256] = "";
	int ok = 0;

	if ((unsigned)alg > 2)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "unknown key algorithm");
	/* a throwaway key and certificate, one signature and its check: a few
	 * milliseconds, once per keygen or key load */
	k = gen_key(alg);
	x = X509_new();
	n = X509_NAME_new();
	if (k && x && n && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"probe", -1, -1, 0) &&
	    X509_set_subject_name(x, n) && X509_set_issuer_name(x, n) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -60) && X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
	    X509_set_pubkey(x, k) && X509_sign(x, k, alg_md(alg)) &&
	    cms_sign_raw(k, x, NULL, alg, probe, sizeof probe - 1, &der, e, sizeof e)) {
		seal_cms_info_t info;
		ok = seal_cms_verify(der.data, der.len, probe, sizeof probe - 1, NULL, -1, &info, NULL) == ARC_OK;
		if (!ok)
			snprintf(e, sizeof e, "its signatures do not verify");
	} else if (!e[0]) {
		seal_ossl_err(e, sizeof e);
	}
	EVP_PKEY_free(k);
	X509_free(x);
	X509_NAME_free(n);
	arc_buf_free(&der);
	ERR_clear_error();
	if (!ok)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "%s keys cannot be used: CMS signing with them fails in this OpenSSL "
		                "(%s: %s); use p256 (ECDSA P-256 with SHA-256)",
		                seal_alg_name(alg), OpenSSL_version(OPENSSL_VERSION), e);
	return ARC_OK;
}
