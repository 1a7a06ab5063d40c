/*
 * sealing.h — archive/seal/: the case's Merkle log (merkle.c), tree-head
 * text (sth.c), operator keys and CMS signatures (sign.c), RFC 3161 time
 * stamps (tsp.c), seal/stamp/proof record bodies (seal.c) and the writer
 * that seals a case as it grows (sealer.c).
 *
 * Included through archive/archive.h, the one public header of archive/;
 * never on its own. Writer and verifier share all of it.
 */
#ifndef CUSTODY_ARCHIVE_SEALING_H
#define CUSTODY_ARCHIVE_SEALING_H

/* ================================================================ sealing (merkle.c, sth.c, sign.c, tsp.c)
 *
 * The case is one append-only log: leaf i = SHA-256(0x00 || exact WARC header
 * block of record i), the tree per RFC 9162 §2.1. A seal is a tree head
 * (seal_sth_t, exact text below) signed with CMS and timestamped per RFC 3161.
 * Writer and verifier share all of it. Times are seconds since the epoch,
 * UTC (int64_t).
 */

/* ---------------------------------------------------------------- Merkle tree (merkle.c) */

#define MERKLE_HASH_LEN  32
#define MERKLE_MAX_PROOF 64   /* hashes in any proof of a tree < 2^64 leaves */

/* The tree as its frontier: frontier[k] is the root of a complete subtree of
 * 2^k leaves when bit k of size is set. Plain data, 2 KiB, copyable. */
typedef struct {
	uint64_t size;
	unsigned char frontier[64][MERKLE_HASH_LEN];
} merkle_tree_t;

void merkle_leaf_hash(const void *data, size_t len, unsigned char out[MERKLE_HASH_LEN]);
void merkle_node_hash(const unsigned char left[MERKLE_HASH_LEN],
                      const unsigned char right[MERKLE_HASH_LEN],
                      unsigned char out[MERKLE_HASH_LEN]);
/* Root of the empty tree: SHA-256 of nothing. */
void merkle_empty_root(unsigned char out[MERKLE_HASH_LEN]);
void merkle_init(merkle_tree_t *t);
/* Append one leaf hash (or the data to hash as a leaf). 0 or ARC_ELIMIT. */
int merkle_append(merkle_tree_t *t, const unsigned char leaf[MERKLE_HASH_LEN]);
int merkle_append_data(merkle_tree_t *t, const void *data, size_t len);
/* Root at the current size. */
void merkle_root(const merkle_tree_t *t, unsigned char out[MERKLE_HASH_LEN]);
/* Root over an array of n leaf hashes. */
int merkle_root_of(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                   unsigned char out[MERKLE_HASH_LEN]);
/* RFC 9162 §2.1.3 inclusion proof of leaf index in the tree of the first n
 * leaves; proof has room for MERKLE_MAX_PROOF hashes, leaf-first. 0 or ARC_EINVAL. */
int merkle_inclusion_proof(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                           uint64_t index, unsigned char (*proof)[MERKLE_HASH_LEN],
                           size_t *proof_len);
/* RFC 9162 §2.1.4 consistency proof from the tree of m leaves to that of n
 * (0 < m <= n; m == n gives an empty proof). */
int merkle_consistency_proof(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                             uint64_t m, unsigned char (*proof)[MERKLE_HASH_LEN],
                             size_t *proof_len);
/* 0 if the proof leads from leaf to root, else ARC_EDIGEST. */
int merkle_verify_inclusion(uint64_t index, uint64_t tree_size,
                            const unsigned char leaf[MERKLE_HASH_LEN],
                            const unsigned char (*proof)[MERKLE_HASH_LEN], size_t proof_len,
                            const unsigned char root[MERKLE_HASH_LEN]);
/* 0 if the tree of `second` leaves extends the tree of `first`, else ARC_EDIGEST. */
int merkle_verify_consistency(uint64_t first, uint64_t second,
                              const unsigned char first_root[MERKLE_HASH_LEN],
                              const unsigned char second_root[MERKLE_HASH_LEN],
                              const unsigned char (*proof)[MERKLE_HASH_LEN], size_t proof_len);
/* 64 lower-case hex digits + NUL; parse exactly 64 lower-case hex digits. */
void merkle_hex(const unsigned char h[MERKLE_HASH_LEN], char out[2 * MERKLE_HASH_LEN + 1]);
int merkle_unhex(const char *s, size_t len, unsigned char out[MERKLE_HASH_LEN]);

/* ---------------------------------------------------------------- tree head text (sth.c) */

#define SEAL_STH_MAX  512   /* bytes of a tree head text */
#define SEAL_TIME_LEN 21    /* "YYYY-MM-DDThh:mm:ssZ" + NUL */

/* What a seal is in the case's life (custody-sth-v2 "kind:"). A v1 head has
 * no kind (SEAL_KIND_V1): an old case, never read as closed. */
enum {
	SEAL_KIND_V1 = 0,
	SEAL_KIND_OPENING = 1,    /* the first seal of the case: over its warcinfo (and environment) */
	SEAL_KIND_REOPENING = 2,  /* the first seal of a later session (--resume, stamp, watch) */
	SEAL_KIND_INTERIM = 3,    /* by count, interval or before a rotation */
	SEAL_KIND_CLOSING = 4     /* the last seal of a session: the case holds files/records */
};
#define SEAL_STH_V2 2

typedef struct {
	int version;                                  /* 0: custody-sth-v1; SEAL_STH_V2 */
	int kind;                                     /* SEAL_KIND_* (v2) */
	uint64_t tree_size;
	unsigned char root[MERKLE_HASH_LEN];
	char time[SEAL_TIME_LEN];                     /* "2026-11-30T10:42:07Z" */
	char case_id[ARC_UUID_LEN];                   /* "urn:uuid:..." */
	int has_previous;                             /* 0: "previous-root: none" */
	unsigned char previous_root[MERKLE_HASH_LEN];
	uint64_t files;                               /* v2: capture files the log spans, this one included */
	uint64_t records;                             /* v2: records of the log including this seal */
} seal_sth_t;

/* "opening" | "reopening" | "interim" | "closing" ("" for v1). */
const char *seal_kind_name(int kind);
/* Appends the exact text (v1: six, v2: nine "\n"-ended lines) to out.
 * 0, ARC_EINVAL, ARC_ENOMEM. */
int seal_sth_format(const seal_sth_t *s, arc_buf_t *out);
/* Strict: only the text seal_sth_format writes is accepted (v1 or v2; a v2
 * head whose records is not tree-size + 1 is refused). 0 or ARC_EFORMAT. */
int seal_sth_parse(const void *data, size_t len, seal_sth_t *s, arc_error_t *err);
/* Seconds since the epoch <-> "YYYY-MM-DDThh:mm:ssZ" (a real calendar date). */
int seal_time_format(int64_t t, char out[SEAL_TIME_LEN]);
int seal_time_parse(const char *s, size_t len, int64_t *out);

/* ---------------------------------------------------------------- operator keys and CMS (sign.c) */

#define SEAL_SUBJECT_MAX 512          /* subject text "CN=...,O=..." */
#define SEAL_CHAIN_MAX 1200           /* a chain as text: up to two names and the anchor file */
#define SEAL_MAX_CMS     (64u * 1024u) /* bytes of one CMS signature */

typedef enum { SEAL_ALG_P256 = 0, SEAL_ALG_SM2 = 1, SEAL_ALG_ED25519 = 2 } seal_alg_t;

/* "p256" | "sm2" | "ed25519". */
int seal_alg_parse(const char *name, seal_alg_t *alg, arc_error_t *err);
const char *seal_alg_name(seal_alg_t alg);
/* 0 if this OpenSSL's CMS signs and verifies with alg (tried with a
 * throwaway key), else ARC_EINVAL with a message saying what to use instead. */
int seal_alg_usable(seal_alg_t alg, arc_error_t *err);
/* Strict "/CN=.../O=.../OU=.../C=XX/ST=.../L=.../emailAddress=..." (CN required). */
int seal_subject_check(const char *subject, arc_error_t *err);

typedef struct seal_signer seal_signer_t;
/* New key pair, self-signed certificate valid `days` from now, and a CSR. */
int seal_keygen(seal_alg_t alg, const char *subject, int days, seal_signer_t **out,
                arc_error_t *err);
/* PREFIX.key (PEM PKCS#8, created 0600 with O_EXCL; AES-256-CBC encrypted
 * when pass_len > 0), PREFIX.crt, PREFIX.csr (keygen'd signers). Refuses to
 * overwrite any of them. */
int seal_signer_write(const seal_signer_t *s, const char *prefix, const char *pass,
                      size_t pass_len, arc_error_t *err);
/* Load a key (pass may be NULL; an encrypted key then fails, never prompts)
 * and its certificate file (the signer's certificate first, then any chain). */
int seal_signer_load(const char *key_path, const char *cert_path, const char *pass,
                     size_t pass_len, seal_signer_t **out, arc_error_t *err);
void seal_signer_free(seal_signer_t *s);
const char *seal_signer_subject(const seal_signer_t *s); /* "CN=...,O=..." */
seal_alg_t seal_signer_alg(const seal_signer_t *s);
int seal_signer_cert_pem(const seal_signer_t *s, arc_buf_t *out);
/* Detached CMS SignedData (DER) over data: binary, signer certificate and
 * chain included, signingTime. Appended to cms_der. */
int seal_sign(const seal_signer_t *s, const void *data, size_t len, arc_buf_t *cms_der,
              arc_error_t *err);

/* Trust anchors: every certificate of a PEM file. */
typedef struct seal_trust seal_trust_t;
int seal_trust_load(const char *pem_path, seal_trust_t **out, arc_error_t *err);
void seal_trust_free(seal_trust_t *t);
const char *seal_trust_path(const seal_trust_t *t);

typedef struct {
	int signature_ok;          /* the signature holds over the bytes */
	int chain_checked;         /* a trust store was given */
	int chain_ok;              /* the signer chains to it at the time asked */
	char subject[SEAL_SUBJECT_MAX];
	char issuer[SEAL_SUBJECT_MAX];
	char fingerprint[ARC_DIGEST_LEN]; /* sha256 of the signer certificate (DER) */
	int64_t signing_time;      /* the signer's claim, -1 if absent */
	int64_t not_before, not_after;
	int purpose_ok;            /* the certificate is for signing (seal_signing_purpose) */
	/* the chain that was checked, signer first: "CN=Op <- CN=Org CA (in
	 * operator-ca.pem)"; "" when no trust store was given or it did not hold */
	char chain[SEAL_CHAIN_MAX];
} seal_cms_info_t;
/* seal_cms_verify refuses a signer certificate that is not for signing:
 * the policy is seal_signing_purpose's in seal_int.h (docs/THREATS.md). */
/* "sha256:<hex>" of the DER of the first certificate of a PEM text, as
 * seal_cms_info_t.fingerprint. 0 or ARC_EFORMAT. */
int seal_pem_fingerprint(const void *pem, size_t len, char fingerprint[ARC_DIGEST_LEN]);
/* Check a detached CMS signature over data; with trust, also the signer's
 * chain as of time at (seconds; <0: now). 0 only if everything asked holds;
 * ARC_EDIGEST (signature or chain), ARC_EFORMAT (not a one-signer detached
 * SignedData). info says how far it got. */
int seal_cms_verify(const void *cms_der, size_t cms_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t at, seal_cms_info_t *info,
                    arc_error_t *err);

/* ---------------------------------------------------------------- RFC 3161 time stamps (tsp.c) */

#define SEAL_MAX_TSR (64u * 1024u)   /* bytes of one TimeStampResp */

/* A TimeStampReq: SHA-256 imprint of the bytes, random 64-bit nonce, certReq. */
typedef struct {
	arc_buf_t der;               /* the request to POST as application/timestamp-query */
	unsigned char nonce[8];
} seal_tsq_t;
int seal_tsq_make(const void *data, size_t len, seal_tsq_t *q, arc_error_t *err);
void seal_tsq_free(seal_tsq_t *q);
/* Check a reply the moment it arrives: granted, imprint = SHA-256(data), the
 * request's nonce, the TSA certificate inside the token and the token's
 * signature holding with it. 0; ARC_EINVAL (not granted), ARC_EDIGEST,
 * ARC_EFORMAT. Trust in the TSA is not judged here. */
int seal_tsr_check_reply(const seal_tsq_t *q, const void *data, size_t len, const void *tsr,
                         size_t tsr_len, arc_error_t *err);

typedef struct {
	int64_t gen_time;                     /* the time the TSA vouches for; -1 unknown */
	char gen_time_text[SEAL_TIME_LEN];
	char serial[64];                      /* token serial, hex */
	char tsa_subject[SEAL_SUBJECT_MAX];
	char tsa_issuer[SEAL_SUBJECT_MAX];
	char tsa_fingerprint[ARC_DIGEST_LEN];
	int64_t tsa_not_before, tsa_not_after;
	int imprint_ok, signature_ok, chain_checked, chain_ok;
} seal_tsr_info_t;
/* Verify a stored TimeStampResp over data: granted, SHA-256 imprint, the
 * signature, and with trust the TSA's chain at the token's genTime (an
 * expired TSA certificate still vouches for times inside its validity; a
 * genTime outside it is refused). A genTime later than now (+5 min; now < 0:
 * the clock) is refused. 0 only if all asked holds. */
int seal_tsr_verify(const void *tsr, size_t tsr_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t now, seal_tsr_info_t *info,
                    arc_error_t *err);

/* ---------------------------------------------------------------- seal, stamp and proof records (seal.c) */

#define SEAL_CT_STH     ARC_CT_SEAL
#define SEAL_CT_STAMP   ARC_CT_STAMP
#define SEAL_CT_PROOF   ARC_CT_PROOF
#define SEAL_MAX_TOKENS 8                    /* timestamps in one seal or stamp */
#define SEAL_MAX_BODY   (1024u * 1024u)      /* bytes of a seal/stamp/proof body */

/* Standard base64 without line breaks (EVP_EncodeBlock); decoding refuses
 * whitespace and more than max bytes. Appends to out. */
int seal_b64_encode(const void *data, size_t len, arc_buf_t *out);
int seal_b64_decode(const char *s, size_t len, size_t max, arc_buf_t *out);

typedef struct {
	char tsa[512];          /* the TSA's URL */
	arc_buf_t tsr;          /* DER TimeStampResp */
} seal_token_t;

/* A seal record's body (or, with stamp, a stamp record's). */
typedef struct {
	arc_buf_t sth;                  /* exact tree-head text (seal) */
	seal_sth_t sth_parsed;          /* parsed; for a stamp only tree_size and root */
	arc_buf_t cms;                  /* DER CMS, len 0: unsigned */
	arc_buf_t cert_pem;             /* signer certificate, len 0: none */
	seal_token_t tokens[SEAL_MAX_TOKENS];
	size_t ntokens;
	char *seal_id;                  /* stamp: the seal's record id */
} seal_body_t;
/* JSON body (see seal.c). stamp: a stamp record's body. Appends to out. */
int seal_body_format(const seal_body_t *b, int stamp, arc_buf_t *out);
/* Strict, bounded parse; a seal's sth is parsed and must agree with
 * tree_size/root. 0 or ARC_EFORMAT/ARC_ELIMIT; b freed on failure. */
int seal_body_parse(const void *data, size_t len, int stamp, seal_body_t *b, arc_error_t *err);
void seal_body_free(seal_body_t *b);

/* The case's Merkle log, kept by arc_case: every record written (warcinfo
 * included) is a leaf; opening an existing case rebuilds it from the files. */
const merkle_tree_t *arc_case_tree(const arc_case_t *c);
/* What arc_case_close leaves for the next arc_case_open of the same case in
 * the same process (arc_case_opts_t.state): the log, the last seal, the case
 * id, and the newest file's number and size. The open uses it only when
 * that file is still the newest and has exactly that size (else it reads
 * the files, as always). */
typedef struct arc_case_state {
	int valid;
	merkle_tree_t tree;
	int have_seal;
	uint64_t seal_size;
	unsigned char seal_root[MERKLE_HASH_LEN];
	char case_id[ARC_UUID_LEN];
	unsigned long last_num;
	uint64_t last_size;
} arc_case_state_t;
/* Capture files the case's log spans, the one being written included. */
uint64_t arc_case_file_count(const arc_case_t *c);
/* 1 and the size and root of the tree the last seal covered, 0 if none. */
int arc_case_last_seal(const arc_case_t *c, uint64_t *size, unsigned char root[MERKLE_HASH_LEN]);
void arc_case_set_last_seal(arc_case_t *c, uint64_t size, const unsigned char root[MERKLE_HASH_LEN]);
/* A hook the case calls after each write, before a rotation (so the file
 * ends sealed) and at close; never while the hook itself writes. */
enum { ARC_CASE_AFTER_WRITE = 1, ARC_CASE_BEFORE_ROTATE = 2, ARC_CASE_CLOSING = 3 };
typedef int (*arc_case_hook_fn)(void *ctx, arc_case_t *c, int event, arc_error_t *err);
void arc_case_set_hook(arc_case_t *c, arc_case_hook_fn fn, void *ctx);

/* Ask time-stamp authorities for tokens over the sth bytes: fill at most max
 * tokens (each reply already checked with seal_tsr_check_reply) and return
 * how many; 0 leaves the seal unstamped. */
typedef size_t (*seal_stamp_fn)(void *ctx, const void *sth, size_t len, seal_token_t *out, size_t max);

typedef struct {
	const seal_signer_t *signer;   /* borrowed; NULL: seals are not signed */
	seal_stamp_fn stamp;           /* NULL: no TSA */
	void *stamp_ctx;
	uint64_t every;                /* seal after this many records (0: 1000) */
	int64_t interval;              /* or this many seconds (0: 60) */
} seal_writer_opts_t;
typedef struct {
	uint64_t seals, unstamped;
} seal_writer_stats_t;
typedef struct seal_writer seal_writer_t;
seal_writer_t *seal_writer_new(const seal_writer_opts_t *o);
void seal_writer_free(seal_writer_t *s);
/* Seal the case as it grows (sets the case's hook) without writing a seal
 * now; production code calls seal_writer_open instead. */
void seal_writer_attach(seal_writer_t *s, arc_case_t *c);
/* Begin a session: attach, and write its first seal at once, "opening" if
 * the case has no seal yet, else "reopening". Call it after what belongs in
 * the opening window (the warcinfo arc_case_open wrote, an environment
 * record) and before the first capture. 0 or an ARC_E* code. */
int seal_writer_open(seal_writer_t *s, arc_case_t *c, arc_error_t *err);
/* End a session: the closing seal (its head says the files and records the
 * case holds). arc_case_close calls it through the hook when not done yet;
 * records written after it are an unsealed tail. */
int seal_close(seal_writer_t *s, arc_case_t *c, arc_error_t *err);
/* Seal now unless nothing was written since the last seal; fsyncs. */
int seal_now(seal_writer_t *s, arc_case_t *c, arc_error_t *err);
const seal_writer_stats_t *seal_writer_stats(const seal_writer_t *s);
/* Write a seal (stamp=0) or stamp record (stamp=1, refers_to the seal id) with body b. */
int seal_write_body(arc_case_t *c, const seal_body_t *b, int stamp, const char *refers_to,
                    warc_written_t *out, arc_error_t *err);


/* ---------------------------------------------------------------- a case's closing head (closing.c)
 * What a crawl seal (custody crawl-seal, issue 23) names for each host. */
typedef struct {
	char case_id[ARC_UUID_LEN];
	uint64_t tree_size, records;
	char root[2 * MERKLE_HASH_LEN + 1];       /* hex */
	char seal_sha256[ARC_DIGEST_LEN];         /* "sha256:<hex>" of the closing seal record's block */
	int wanted_found;                         /* want_sha256 is one of the case's closing seals */
	int after_closing;                        /* a later seal follows the last closing one */
} seal_closing_t;
/* The last closing seal of the case folder dir (only its last capture file
 * when last_file_only). want_sha256 (may be NULL): also say whether any
 * closing seal's block has that hash. 0, ARC_EFORMAT (none), ARC_EIO. */
int seal_case_closing(const char *dir, int last_file_only, const char *want_sha256,
                      seal_closing_t *out, arc_error_t *err);

#endif
