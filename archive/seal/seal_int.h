/*
 * seal_int.h — helpers sign.c shares with tsp.c: private to archive/, with
 * OpenSSL's types (archive.h stays free of OpenSSL headers).
 *
 * Must never: be included from outside archive/ (tests excepted).
 */
#ifndef CUSTODY_SEAL_INT_H
#define CUSTODY_SEAL_INT_H

#include "archive.h"

#include <openssl/x509.h>

/* The trust store with its verification time set to at (<0: now); the
 * store is shared, so set the time right before each use. */
X509_STORE *seal_trust_store_at(const seal_trust_t *t, int64_t at);
/* ASN1_TIME as seconds since the epoch, -1 if unreadable. */
int64_t seal_asn1_time(const ASN1_TIME *t);
/* Subject/issuer text (n bytes each), "sha256:<hex>" of the DER, validity. Any out may be NULL. */
void seal_cert_info(const X509 *x, char *subject, char *issuer, size_t n,
                    char fingerprint[ARC_DIGEST_LEN], int64_t *not_before, int64_t *not_after);
/* custody's policy for a certificate that signs seals (docs/THREATS.md,
 * issue 19 class 7): not a CA (basicConstraints CA:TRUE refused); keyUsage,
 * if present, names digitalSignature or nonRepudiation, and a certificate
 * that is not self-signed must have it; extendedKeyUsage, if present, names
 * documentSigning (1.3.6.1.5.5.7.3.36), emailProtection or codeSigning (so a
 * TLS server or client certificate, a TSA's or an OCSP responder's is
 * refused; anyExtendedKeyUsage alone is refused too). 1 if it holds; 0 and
 * why (e.g. "extendedKeyUsage serverAuth only") if not. */
int seal_signing_purpose(X509 *x, char *why, size_t whysz);
/* 1 if x chains to the trust anchors at time at (<0: now) using the untrusted
 * certificates as intermediates, checked for purpose (X509_PURPOSE_*, 0: none);
 * else 0 with why filled. */
int seal_chain_check(const seal_trust_t *trust, X509 *x, STACK_OF(X509) *untrusted,
                     int64_t at, int purpose, char *why, size_t whysz);
/* The same, and the chain that held as text (signer first, names joined by
 * " <- ", the anchor file last) in chain (chainsz bytes; "" if it failed). */
int seal_chain_check_text(const seal_trust_t *trust, X509 *x, STACK_OF(X509) *untrusted,
                          int64_t at, char *why, size_t whysz, char *chain, size_t chainsz);

/* The last OpenSSL error as text (for messages) in buf, the queue cleared. */
const char *seal_ossl_err(char *buf, size_t n);

#endif
