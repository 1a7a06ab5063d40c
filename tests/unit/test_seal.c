/*
 * test_seal.c — archive/seal/sth.c, sign.c and tsp.c with real OpenSSL objects
 * made in-process (no mocks): the tree-head text round trip and hostile
 * inputs; subjects; keygen files (0600, encryption, refusing to overwrite);
 * CMS sign -> verify for each algorithm this OpenSSL can do (the others must
 * be refused with a clear message), chains checked at a given time (an
 * expired certificate still verifies as of a time inside its validity);
 * RFC 3161 replies produced by OpenSSL's own TS_RESP_CTX from a test CA and
 * TSA: a good reply, wrong imprint, wrong nonce, rejection, no certificate,
 * and later verification at the token's genTime.
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

static char tmpd[256];

static const char *tpath(const char *name)
{
	static char b[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(b[i], sizeof b[i], "%s/%s", tmpd, name);
	return b[i];
}

/* ---------------------------------------------------------------- STH */

static void test_sth(void)
{
	seal_sth_t s, p;
	arc_buf_t b = { 0 };
	arc_error_t err;
	size_t i;
	int64_t t;
	static const char good[] =
		"custody-sth-v1\n"
		"tree-size: 1234\n"
		"root: 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
		"time: 2026-11-30T10:42:07Z\n"
		"case: urn:uuid:0b7e5a3c-1d2f-4a6b-8c9d-0e1f2a3b4c5d\n"
		"previous-root: none\n";

	memset(&s, 0, sizeof s);
	s.tree_size = 1234;
	merkle_unhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", 64, s.root);
	memcpy(s.time, "2026-11-30T10:42:07Z", 21);
	memcpy(s.case_id, "urn:uuid:0b7e5a3c-1d2f-4a6b-8c9d-0e1f2a3b4c5d", 46);
	CHECK(seal_sth_format(&s, &b) == 0, "format");
	CHECK(b.len == sizeof good - 1 && !memcmp(b.data, good, b.len), "exact text");
	CHECK(seal_sth_parse(b.data, b.len, &p, &err) == 0, "parse: %s", err.msg);
	CHECK(!memcmp(&s, &p, sizeof s), "round trip");
	/* with a previous root, and size 0 */
	s.has_previous = 1;
	memcpy(s.previous_root, s.root, 32);
	s.previous_root[0] ^= 0xff;
	s.tree_size = 0;
	b.len = 0;
	CHECK(seal_sth_format(&s, &b) == 0 && seal_sth_parse(b.data, b.len, &p, &err) == 0 &&
	      !memcmp(&s, &p, sizeof s), "round trip with previous root");
	arc_buf_free(&b);

	/* hostile inputs, each a small edit of the good text */
	{
		static const struct { const char *from, *to; } ed[] = {
			{ "custody-sth-v1\n", "custody-sth-v2\n" },
			{ "custody-sth-v1\n", "custody-sth-v1\r\n" },
			{ "tree-size: 1234", "tree-size: 01234" },
			{ "tree-size: 1234", "tree-size: -1" },
			{ "tree-size: 1234", "tree-size: 99999999999999999999" },
			{ "tree-size: 1234", "tree-size:  1234" },
			{ "tree-size: 1234", "tree-size: " },
			{ "root: 5dc9", "root: 5DC9" },
			{ "4328\ntime", "432\ntime" },
			{ "4328\ntime", "43288\ntime" },
			{ "2026-11-30T10:42:07Z", "2026-11-31T10:42:07Z" },
			{ "2026-11-30T10:42:07Z", "2026-02-29T10:42:07Z" },
			{ "2026-11-30T10:42:07Z", "2026-11-30T24:42:07Z" },
			{ "2026-11-30T10:42:07Z", "2026-11-30T10:42:07.5Z" },
			{ "2026-11-30T10:42:07Z", "2026-11-30 10:42:07Z" },
			{ "urn:uuid:0b7e", "urn:uuid:0B7E" },
			{ "urn:uuid:0b7e5a3c-", "urn:uuid:0b7e5a3c" },
			{ "previous-root: none\n", "previous-root: none" },
			{ "previous-root: none\n", "previous-root: none\n\n" },
			{ "previous-root: none\n", "previous-root: None\n" },
			{ "previous-root: none\n", "" },
			{ "case: ", "Case: " },
			{ "time: 2026-11-30T10:42:07Z\ncase", "case" },
		};
		for (i = 0; i < sizeof ed / sizeof ed[0]; i++) {
			char buf[1024];
			const char *at = strstr(good, ed[i].from);
			size_t pre = (size_t)(at - good), fl = strlen(ed[i].from), tl = strlen(ed[i].to);
			size_t n = pre + tl + (sizeof good - 1 - pre - fl);
			memcpy(buf, good, pre);
			memcpy(buf + pre, ed[i].to, tl);
			memcpy(buf + pre + tl, at + fl, sizeof good - 1 - pre - fl);
			CHECK(seal_sth_parse(buf, n, &p, &err) == ARC_EFORMAT, "edit %zu accepted: %s -> %s",
			      i, ed[i].from, ed[i].to);
		}
	}
	/* truncated at every length, an embedded NUL, oversize */
	for (i = 0; i < sizeof good - 1; i++)
		CHECK(seal_sth_parse(good, i, &p, NULL) != 0, "truncated at %zu accepted", i);
	{
		char buf[sizeof good];
		memcpy(buf, good, sizeof good);
		buf[40] = '\0';
		CHECK(seal_sth_parse(buf, sizeof good - 1, &p, NULL) != 0, "NUL accepted");
		CHECK(seal_sth_parse(good, SEAL_STH_MAX + 1, &p, NULL) != 0, "oversize accepted");
	}
	/* custody-sth-v2: kind, files, records */
	{
		static const char v2[] =
			"custody-sth-v2\n"
			"case: urn:uuid:0b7e5a3c-1d2f-4a6b-8c9d-0e1f2a3b4c5d\n"
			"kind: closing\n"
			"tree-size: 1234\n"
			"root: 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
			"previous-root: none\n"
			"time: 2026-11-30T10:42:07Z\n"
			"files: 3\n"
			"records: 1235\n";
		static const struct { const char *from, *to; } ed2[] = {
			{ "kind: closing", "kind: Closing" },
			{ "kind: closing", "kind: final" },
			{ "kind: closing", "kind: " },
			{ "records: 1235", "records: 1234" },
			{ "records: 1235", "records: 01235" },
			{ "files: 3", "files: 0" },
			{ "files: 3", "files: 03" },
			{ "files: 3\n", "" },
			{ "records: 1235\n", "" },
			{ "records: 1235\n", "records: 1235\nx\n" },
			{ "kind: closing\n", "" },
			{ "case: urn:uuid:0b7e5a3c-1d2f-4a6b-8c9d-0e1f2a3b4c5d\nkind: closing\n",
			  "kind: closing\ncase: urn:uuid:0b7e5a3c-1d2f-4a6b-8c9d-0e1f2a3b4c5d\n" },
		};
		memset(&s, 0, sizeof s);
		CHECK(seal_sth_parse(v2, sizeof v2 - 1, &p, &err) == 0 && p.version == SEAL_STH_V2 &&
		      p.kind == SEAL_KIND_CLOSING && p.files == 3 && p.records == 1235 && p.tree_size == 1234 &&
		      !strcmp(seal_kind_name(p.kind), "closing"), "v2 parse: %s", err.msg);
		b.len = 0;
		CHECK(seal_sth_format(&p, &b) == 0 && b.len == sizeof v2 - 1 && !memcmp(b.data, v2, b.len),
		      "v2 round trip");
		p.records = 7;
		b.len = 0;
		CHECK(seal_sth_format(&p, &b) == ARC_EINVAL, "v2 format refuses records != tree-size + 1");
		arc_buf_free(&b);
		for (i = 0; i < sizeof ed2 / sizeof ed2[0]; i++) {
			char buf[1024];
			const char *at = strstr(v2, ed2[i].from);
			size_t pre = (size_t)(at - v2), fl = strlen(ed2[i].from), tl = strlen(ed2[i].to);
			size_t n = pre + tl + (sizeof v2 - 1 - pre - fl);
			memcpy(buf, v2, pre);
			memcpy(buf + pre, ed2[i].to, tl);
			memcpy(buf + pre + tl, at + fl, sizeof v2 - 1 - pre - fl);
			CHECK(seal_sth_parse(buf, n, &p, &err) == ARC_EFORMAT, "v2 edit %zu accepted: %s -> %s",
			      i, ed2[i].from, ed2[i].to);
		}
		for (i = 0; i < sizeof v2 - 1; i++)
			CHECK(seal_sth_parse(v2, i, &p, NULL) != 0, "v2 truncated at %zu accepted", i);
	}
	CHECK(seal_time_parse("1970-01-01T00:00:00Z", 20, &t) == 0 && t == 0, "epoch");
	CHECK(seal_time_parse("2024-02-29T23:59:59Z", 20, &t) == 0 && t == 1709251199, "leap day %lld",
	      (long long)t);
	{
		char tx[SEAL_TIME_LEN];
		CHECK(seal_time_format(1709251199, tx) == 0 && !strcmp(tx, "2024-02-29T23:59:59Z"), "format time");
	}
}

/* ---------------------------------------------------------------- subjects */

static void test_subject(void)
{
	arc_error_t err;
	static const char *const good[] = {
		"/CN=Jane Roe", "/CN=Jane Roe/O=Example Advocacy/C=CN",
		"/CN=\xe5\xbc\xa0\xe4\xb8\x89/O=\xe7\xa4\xba\xe4\xbe\x8b", "/O=x/CN=a\\/b",
	};
	static const char *const bad[] = {
		"", "CN=Jane", "/CN=", "/CN", "/XX=1/CN=a", "/CN=a/C=China", "/CN=a/C=cn",
		"/CN=a\nb", "/CN=\xff", "/CN=a/CN=b", "/O=only", "/CN= lead", "/CN=a//O=b",
		"/CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"/CN=\xc0\xaf",
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(seal_subject_check(good[i], &err) == 0, "subject %s refused: %s", good[i], err.msg);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = '\0';
		CHECK(seal_subject_check(bad[i], &err) == ARC_EINVAL && err.msg[0], "subject %zu accepted", i);
	}
}

/* ---------------------------------------------------------------- test PKI made in-process */

static EVP_PKEY *ec_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A certificate for key, signed by ikey/icert (NULL: self-signed), valid
 * from now+nb_days to now+na_days. kind: 'c' CA, 't' TSA, 'e' end entity. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *icert, EVP_PKEY *ikey,
                       long nb_days, long na_days, char kind)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	static long serial = 100;
	const char *exts[3][2] = { { "basicConstraints", NULL }, { "keyUsage", NULL },
		                   { "extendedKeyUsage", NULL } };
	int i;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"custody tests", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, icert ? X509_get_subject_name(icert) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), nb_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), na_days * 86400);
	X509_set_pubkey(x, key);
	if (kind == 'c') {
		exts[0][1] = "critical,CA:TRUE";
		exts[1][1] = "critical,keyCertSign,cRLSign";
	} else if (kind == 't') {
		exts[0][1] = "critical,CA:FALSE";
		exts[1][1] = "critical,digitalSignature";
		exts[2][1] = "critical,timeStamping";
	} else {
		exts[0][1] = "critical,CA:FALSE";
		exts[1][1] = "critical,digitalSignature,nonRepudiation";
	}
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, icert ? icert : x, x, NULL, NULL, 0);
	for (i = 0; i < 3; i++) {
		X509_EXTENSION *ex;
		if (!exts[i][1])
			continue;
		ex = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
		X509_add_ext(x, ex, -1);
		X509_EXTENSION_free(ex);
	}
	X509_sign(x, ikey ? ikey : key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static void write_pem_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	PEM_write_X509(f, x);
	fclose(f);
}

static void write_pem_key(const char *path, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	PEM_write_PKCS8PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

/* ---------------------------------------------------------------- keys and CMS */

static void test_keygen_files(void)
{
	seal_signer_t *s = NULL, *l = NULL;
	arc_error_t err;
	struct stat st;
	char buf[256];
	FILE *f;
	size_t n;
	static const char data[] = "custody-sth-v1\nabc\n";
	arc_buf_t cms = { 0 };
	seal_trust_t *tr = NULL;
	seal_cms_info_t info;

	CHECK(seal_keygen(SEAL_ALG_P256, "/CN=Jane Roe/O=Example Advocacy", 30, &s, &err) == 0,
	      "keygen: %s", err.msg);
	if (!s)
		return;
	CHECK(!strcmp(seal_signer_subject(s), "CN=Jane Roe,O=Example Advocacy"), "subject %s",
	      seal_signer_subject(s));
	umask(0);  /* the key must still come out 0600 */
	CHECK(seal_signer_write(s, tpath("op"), NULL, 0, &err) == 0, "write: %s", err.msg);
	umask(022);
	CHECK(stat(tpath("op.key"), &st) == 0 && (st.st_mode & 0777) == 0600, "key mode %o",
	      (unsigned)(st.st_mode & 0777));
	CHECK(stat(tpath("op.crt"), &st) == 0 && stat(tpath("op.csr"), &st) == 0, "crt and csr written");
	f = fopen(tpath("op.key"), "r");
	n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK(strstr(buf, "-----BEGIN PRIVATE KEY-----") != NULL, "PKCS#8 PEM");
	CHECK(seal_signer_write(s, tpath("op"), NULL, 0, &err) == ARC_EIO && strstr(err.msg, "overwrite"),
	      "second write refused: %s", err.msg);
	/* encrypted */
	CHECK(seal_signer_write(s, tpath("enc"), "s3cret pass", 11, &err) == 0, "write enc: %s", err.msg);
	f = fopen(tpath("enc.key"), "r");
	n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK(strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL, "encrypted PKCS#8");
	CHECK(seal_signer_load(tpath("enc.key"), tpath("enc.crt"), NULL, 0, &l, &err) == ARC_EINVAL &&
	      strstr(err.msg, "--pass-file"), "no passphrase: %s", err.msg);
	CHECK(seal_signer_load(tpath("enc.key"), tpath("enc.crt"), "wrong", 5, &l, &err) != 0,
	      "wrong passphrase refused");
	CHECK(seal_signer_load(tpath("enc.key"), tpath("enc.crt"), "s3cret pass", 11, &l, &err) == 0,
	      "load enc: %s", err.msg);
	seal_signer_free(l);
	l = NULL;
	CHECK(seal_signer_load(tpath("op.key"), tpath("op.crt"), NULL, 0, &l, &err) == 0, "load: %s", err.msg);
	seal_signer_free(l);
	l = NULL;
	CHECK(seal_signer_load(tpath("op.key"), tpath("enc.crt"), NULL, 0, &l, &err) == 0,
	      "same key, same cert");
	seal_signer_free(l);
	CHECK(seal_signer_load(tpath("op.key"), tpath("op.crt"), NULL, 0, &l, &err) == 0, "reload");
	/* sign with the loaded key; verify against its own certificate as anchor */
	CHECK(seal_sign(l, data, sizeof data - 1, &cms, &err) == 0, "sign: %s", err.msg);
	CHECK(seal_trust_load(tpath("op.crt"), &tr, &err) == 0, "trust: %s", err.msg);
	CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, tr, -1, &info, &err) == 0 &&
	      info.signature_ok && info.chain_checked && info.chain_ok, "verify self-signed: %s", err.msg);
	CHECK(!strcmp(info.subject, "CN=Jane Roe,O=Example Advocacy"), "signer %s", info.subject);
	CHECK(info.signing_time > 0 && llabs((long long)(info.signing_time - time(NULL))) < 600,
	      "signingTime %lld", (long long)info.signing_time);
	CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 2, tr, -1, &info, &err) == ARC_EDIGEST &&
	      !info.signature_ok, "other bytes refused");
	CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, tr, (int64_t)time(NULL) + 60 * 86400,
	                      &info, &err) == ARC_EDIGEST && info.signature_ok && !info.chain_ok,
	      "after expiry refused: %s", err.msg);
	CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, NULL, -1, &info, &err) == 0 &&
	      !info.chain_checked, "signature only");
	{   /* every 7th byte flipped: never a crash; CMS leaves a few container
	     * bytes unsigned (e.g. the digestAlgorithms set), so a variant may
	     * verify, but never with another signer */
		size_t i, bad = 0;
		char fp[ARC_DIGEST_LEN];
		memcpy(fp, info.fingerprint, sizeof fp);
		for (i = 0; i < cms.len; i += 7) {
			cms.data[i] ^= 0x41;
			if (seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, tr, -1, &info, NULL) == 0 &&
			    strcmp(info.fingerprint, fp) != 0)
				bad++;
			cms.data[i] ^= 0x41;
		}
		CHECK(bad == 0, "%zu corrupted signatures accepted with another signer", bad);
		/* the signature value itself (the last bytes) */
		cms.data[cms.len - 3] ^= 0x01;
		CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, tr, -1, &info, NULL) != 0,
		      "flipped signature value accepted");
		cms.data[cms.len - 3] ^= 0x01;
	}
	arc_buf_free(&cms);
	seal_trust_free(tr);
	seal_signer_free(l);
	/* a certificate that does not match the key */
	{
		seal_signer_t *o = NULL;
		CHECK(seal_keygen(SEAL_ALG_P256, "/CN=Other", 30, &o, &err) == 0, "keygen other");
		CHECK(seal_signer_write(o, tpath("other"), NULL, 0, &err) == 0, "write other");
		CHECK(seal_signer_load(tpath("op.key"), tpath("other.crt"), NULL, 0, &l, &err) == ARC_EINVAL &&
		      strstr(err.msg, "does not belong"), "mismatch: %s", err.msg);
		/* another key's certificate as the anchor */
		CHECK(seal_signer_load(tpath("op.key"), tpath("op.crt"), NULL, 0, &l, &err) == 0, "load");
		CHECK(seal_sign(l, data, sizeof data - 1, &cms, &err) == 0, "sign");
		CHECK(seal_trust_load(tpath("other.crt"), &tr, &err) == 0, "trust other");
		CHECK(seal_cms_verify(cms.data, cms.len, data, sizeof data - 1, tr, -1, &info, &err) == ARC_EDIGEST &&
		      info.signature_ok && !info.chain_ok, "wrong anchor refused");
		arc_buf_free(&cms);
		seal_trust_free(tr);
		seal_signer_free(l);
		seal_signer_free(o);
	}
	seal_signer_free(s);
	CHECK(seal_keygen(SEAL_ALG_P256, "/O=no cn", 30, &s, &err) == ARC_EINVAL && !s, "no CN refused");
	CHECK(seal_keygen(SEAL_ALG_P256, "/CN=a", 0, &s, &err) == ARC_EINVAL, "0 days refused");
}

/* Which algorithms this OpenSSL's CMS can use: each either signs and
 * verifies, or is refused at keygen with a message naming p256. */
static void test_algorithms(void)
{
	seal_alg_t algs[3] = { SEAL_ALG_P256, SEAL_ALG_SM2, SEAL_ALG_ED25519 };
	size_t i;

	for (i = 0; i < 3; i++) {
		arc_error_t err;
		seal_signer_t *s = NULL;
		int usable = seal_alg_usable(algs[i], &err) == 0;
		int rc = seal_keygen(algs[i], "/CN=Alg Test", 10, &s, &err);
		printf("algorithm %s: %s\n", seal_alg_name(algs[i]),
		       usable ? "CMS sign+verify works" : err.msg);
		if (usable) {
			static const char d[] = "tree head\n";
			arc_buf_t cms = { 0 };
			seal_cms_info_t info;
			char prefix[64];
			seal_trust_t *tr = NULL;
			snprintf(prefix, sizeof prefix, "alg-%s", seal_alg_name(algs[i]));
			CHECK(rc == 0 && s, "keygen %s: %s", seal_alg_name(algs[i]), err.msg);
			CHECK(s && seal_sign(s, d, sizeof d - 1, &cms, &err) == 0, "sign %s", seal_alg_name(algs[i]));
			CHECK(s && seal_signer_write(s, tpath(prefix), NULL, 0, &err) == 0, "write");
			snprintf(prefix, sizeof prefix, "alg-%s.crt", seal_alg_name(algs[i]));
			CHECK(seal_trust_load(tpath(prefix), &tr, &err) == 0, "trust");
			CHECK(seal_cms_verify(cms.data, cms.len, d, sizeof d - 1, tr, -1, &info, &err) == 0,
			      "verify %s: %s", seal_alg_name(algs[i]), err.msg);
			seal_trust_free(tr);
			arc_buf_free(&cms);
		} else {
			CHECK(rc == ARC_EINVAL && !s && strstr(err.msg, "p256"), "%s refused clearly: %s",
			      seal_alg_name(algs[i]), err.msg);
		}
		seal_signer_free(s);
	}
	CHECK(seal_alg_usable(SEAL_ALG_P256, NULL) == 0, "p256 works");
}

/* A CA-issued certificate that has expired still verifies as of a time
 * inside its validity, and not outside it. */
static void test_chain_time(EVP_PKEY *cakey, X509 *ca)
{
	EVP_PKEY *k = ec_key();
	X509 *x = make_cert(k, "Expired Operator", ca, cakey, -10, -1, 'e');
	seal_signer_t *s = NULL;
	seal_trust_t *tr = NULL;
	arc_buf_t cms = { 0 };
	seal_cms_info_t info;
	arc_error_t err;
	int64_t now = (int64_t)time(NULL);
	static const char d[] = "custody-sth-v1\n...\n";

	write_pem_cert(tpath("exp.crt"), x);
	write_pem_key(tpath("exp.key"), k);
	write_pem_cert(tpath("ca.crt"), ca);
	CHECK(seal_signer_load(tpath("exp.key"), tpath("exp.crt"), NULL, 0, &s, &err) == 0, "load: %s", err.msg);
	CHECK(s && seal_sign(s, d, sizeof d - 1, &cms, &err) == 0, "sign with expired cert");
	CHECK(seal_trust_load(tpath("ca.crt"), &tr, &err) == 0, "trust ca");
	CHECK(seal_cms_verify(cms.data, cms.len, d, sizeof d - 1, tr, now - 5 * 86400, &info, &err) == 0 &&
	      info.chain_ok, "verifies as of 5 days ago: %s", err.msg);
	CHECK(seal_cms_verify(cms.data, cms.len, d, sizeof d - 1, tr, now, &info, &err) == ARC_EDIGEST &&
	      strstr(err.msg, "expired"), "not as of now: %s", err.msg);
	CHECK(seal_cms_verify(cms.data, cms.len, d, sizeof d - 1, tr, now - 15 * 86400, &info, &err) == ARC_EDIGEST,
	      "not before it was issued");
	arc_buf_free(&cms);
	seal_trust_free(tr);
	seal_signer_free(s);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* ---------------------------------------------------------------- RFC 3161 */

typedef struct {
	X509 *cert;
	EVP_PKEY *key;
	long gen;          /* genTime to use, 0: now */
	int only_sha512;   /* accept only SHA-512 imprints (forces a rejection) */
} tsa_t;

static int time_cb(struct TS_resp_ctx *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = *(long *)data;
	*usec = 0;
	return 1;
}

/* Reply of the test TSA to a DER request, as DER (malloc'd). */
static unsigned char *tsa_reply(tsa_t *t, const unsigned char *req, size_t len, size_t *out_len)
{
	TS_RESP_CTX *c = TS_RESP_CTX_new();
	BIO *in = BIO_new_mem_buf(req, (int)len);
	TS_RESP *resp;
	unsigned char *der = NULL;
	int n;
	ASN1_OBJECT *pol = OBJ_txt2obj("1.3.6.1.4.1.4146.2.3", 1);

	TS_RESP_CTX_set_signer_cert(c, t->cert);
	TS_RESP_CTX_set_signer_key(c, t->key);
	TS_RESP_CTX_set_def_policy(c, pol);
	TS_RESP_CTX_add_md(c, t->only_sha512 ? EVP_sha512() : EVP_sha256());
	TS_RESP_CTX_set_signer_digest(c, EVP_sha256());
	if (t->gen)
		TS_RESP_CTX_set_time_cb(c, time_cb, &t->gen);
	resp = TS_RESP_create_response(c, in);
	n = resp ? i2d_TS_RESP(resp, &der) : -1;
	*out_len = n > 0 ? (size_t)n : 0;
	TS_RESP_free(resp);
	TS_RESP_CTX_free(c);
	BIO_free(in);
	ASN1_OBJECT_free(pol);
	ERR_clear_error();
	return der;
}

/* The request with certReq turned off (same imprint and nonce). */
static arc_buf_t without_cert_req(const arc_buf_t *der)
{
	const unsigned char *p = der->data;
	TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)der->len);
	unsigned char *o = NULL;
	arc_buf_t b = { 0 };
	int n;

	TS_REQ_set_cert_req(r, 0);
	n = i2d_TS_REQ(r, &o);
	if (n > 0)
		arc_buf_append(&b, o, (size_t)n);
	OPENSSL_free(o);
	TS_REQ_free(r);
	return b;
}

static void test_tsp(EVP_PKEY *cakey, X509 *ca)
{
	static const char sth[] = "custody-sth-v1\ntree-size: 3\n";
	tsa_t tsa = { 0 }, old = { 0 };
	seal_tsq_t q, q2, qo;
	seal_trust_t *tr = NULL, *wrong = NULL;
	seal_tsr_info_t info;
	arc_error_t err;
	unsigned char *r;
	size_t rl;
	int64_t now = (int64_t)time(NULL);

	tsa.key = ec_key();
	tsa.cert = make_cert(tsa.key, "custody TEST timestamp authority - not trusted", ca, cakey, -30, 30, 't');
	write_pem_cert(tpath("ca.crt"), ca);
	CHECK(seal_trust_load(tpath("ca.crt"), &tr, &err) == 0, "trust ca");

	CHECK(seal_tsq_make(sth, sizeof sth - 1, &q, &err) == 0 && q.der.len > 40, "request");
	CHECK(seal_tsq_make(sth, sizeof sth - 1, &q2, &err) == 0 && memcmp(q.nonce, q2.nonce, 8) != 0,
	      "fresh nonce each time");

	/* good reply */
	r = tsa_reply(&tsa, q.der.data, q.der.len, &rl);
	CHECK(r && seal_tsr_check_reply(&q, sth, sizeof sth - 1, r, rl, &err) == 0, "good reply: %s", err.msg);
	CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, &err) == 0 && info.chain_ok &&
	      info.imprint_ok && llabs((long long)(info.gen_time - now)) < 600, "verify good: %s", err.msg);
	CHECK(strstr(info.tsa_subject, "custody TEST timestamp authority") != NULL, "TSA subject %s",
	      info.tsa_subject);
	CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 2, tr, -1, &info, &err) == ARC_EDIGEST &&
	      strstr(err.msg, "other bytes"), "verify over other bytes: %s", err.msg);
	CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, NULL, -1, &info, &err) == 0 && !info.chain_checked,
	      "verify without trust");
	CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, now - 3600, &info, &err) == ARC_EDIGEST &&
	      strstr(err.msg, "future"), "genTime after 'now' refused: %s", err.msg);
	{   /* a trust store without the TSA's CA */
		EVP_PKEY *k2 = ec_key();
		X509 *ca2 = make_cert(k2, "Other CA", NULL, NULL, -30, 30, 'c');
		write_pem_cert(tpath("ca2.crt"), ca2);
		CHECK(seal_trust_load(tpath("ca2.crt"), &wrong, &err) == 0, "trust ca2");
		CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, wrong, -1, &info, &err) == ARC_EDIGEST &&
		      info.signature_ok && !info.chain_ok, "other anchor refused: %s", err.msg);
		X509_free(ca2);
		EVP_PKEY_free(k2);
	}
	{   /* corruption: never a crash; an accepted variant (unsigned container
	     * bytes) still names the same time and TSA */
		size_t i, bad = 0;
		int64_t g = info.gen_time;
		char fp[ARC_DIGEST_LEN];
		CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, &err) == 0, "again");
		g = info.gen_time;
		memcpy(fp, info.tsa_fingerprint, sizeof fp);
		for (i = 0; i < rl; i += 5) {
			r[i] ^= 0x24;
			if (seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, NULL) == 0 &&
			    (info.gen_time != g || strcmp(info.tsa_fingerprint, fp)))
				bad++;
			r[i] ^= 0x24;
		}
		CHECK(bad == 0, "%zu corrupted tokens accepted with another time or TSA", bad);
		r[rl - 3] ^= 0x01;
		CHECK(seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, NULL) != 0,
		      "flipped token signature accepted");
		r[rl - 3] ^= 0x01;
		CHECK(seal_tsr_check_reply(&q, sth, sizeof sth - 1, r, rl - 1, &err) == ARC_EFORMAT, "short reply");
	}
	/* the same reply does not answer another request */
	CHECK(seal_tsr_check_reply(&q2, sth, sizeof sth - 1, r, rl, &err) == ARC_EDIGEST &&
	      strstr(err.msg, "nonce"), "wrong nonce: %s", err.msg);
	/* a reply over other bytes */
	CHECK(seal_tsr_check_reply(&q, "other", 5, r, rl, &err) == ARC_EDIGEST && strstr(err.msg, "other bytes"),
	      "wrong imprint: %s", err.msg);
	OPENSSL_free(r);

	/* rejection */
	tsa.only_sha512 = 1;
	r = tsa_reply(&tsa, q.der.data, q.der.len, &rl);
	CHECK(r && seal_tsr_check_reply(&q, sth, sizeof sth - 1, r, rl, &err) == ARC_EINVAL &&
	      strstr(err.msg, "rejection"), "rejection: %s", err.msg);
	CHECK(r && seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, &err) != 0, "rejection not a token");
	OPENSSL_free(r);
	tsa.only_sha512 = 0;

	/* no certificate in the token */
	{
		arc_buf_t nocert = without_cert_req(&q.der);
		r = tsa_reply(&tsa, nocert.data, nocert.len, &rl);
		CHECK(r && seal_tsr_check_reply(&q, sth, sizeof sth - 1, r, rl, &err) == ARC_EFORMAT &&
		      strstr(err.msg, "certificate"), "missing cert: %s", err.msg);
		OPENSSL_free(r);
		arc_buf_free(&nocert);
	}

	/* a TSA whose certificate expired yesterday: its old tokens still
	 * verify at their genTime, a token dated after its expiry does not */
	old.key = ec_key();
	old.cert = make_cert(old.key, "Expired TSA", ca, cakey, -10, -1, 't');
	old.gen = (long)(now - 5 * 86400);
	CHECK(seal_tsq_make(sth, sizeof sth - 1, &qo, &err) == 0, "request");
	r = tsa_reply(&old, qo.der.data, qo.der.len, &rl);
	CHECK(r && seal_tsr_check_reply(&qo, sth, sizeof sth - 1, r, rl, &err) == 0, "old reply: %s", err.msg);
	CHECK(r && seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, &err) == 0 && info.chain_ok &&
	      info.gen_time == now - 5 * 86400, "old token verifies at its genTime: %s", err.msg);
	OPENSSL_free(r);
	old.gen = 0; /* now: after the certificate expired */
	r = tsa_reply(&old, qo.der.data, qo.der.len, &rl);
	CHECK(r && seal_tsr_check_reply(&qo, sth, sizeof sth - 1, r, rl, &err) == ARC_EDIGEST,
	      "token after TSA expiry refused at once: %s", err.msg);
	CHECK(r && seal_tsr_verify(r, rl, sth, sizeof sth - 1, tr, -1, &info, &err) == ARC_EDIGEST &&
	      !info.chain_ok, "token after TSA expiry refused later: %s", err.msg);
	OPENSSL_free(r);

	seal_tsq_free(&q);
	seal_tsq_free(&q2);
	seal_tsq_free(&qo);
	seal_trust_free(tr);
	seal_trust_free(wrong);
	X509_free(tsa.cert);
	EVP_PKEY_free(tsa.key);
	X509_free(old.cert);
	EVP_PKEY_free(old.key);
}

int main(void)
{
	EVP_PKEY *cakey;
	X509 *ca;
	char cmd[600];

	tu_tmp(tmpd, sizeof tmpd, "custody-test-seal.XXXXXX");
	if (!mkdtemp(tmpd)) {
		printf("cannot make a temp dir\n0 passed, 1 failed\n");
		return 1;
	}
	cakey = ec_key();
	ca = make_cert(cakey, "custody TEST CA - not trusted", NULL, NULL, -20, 20, 'c');
	test_sth();
	test_subject();
	test_keygen_files();
	test_algorithms();
	test_chain_time(cakey, ca);
	test_tsp(cakey, ca);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpd);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", tmpd);
	TU_END();
}
