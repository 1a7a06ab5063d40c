/*
 * seal.h — custody-verify's seal checker (private to verify/): fed every
 * record of one case in order, it rebuilds the case's Merkle log and checks
 * each seal, stamp and exhibit proof against it (verify/seal.c).
 */
#ifndef CUSTODY_VERIFY_SEAL_H
#define CUSTODY_VERIFY_SEAL_H

#include <stdint.h>

#include "archive.h"

/* How failures and passed checks reach the caller's report. ctx is what the
 * caller gave with the record (verify.c: the file being read). */
typedef struct {
	void (*fail)(void *ctx, uint64_t offset, const char *record, const char *check,
	             const char *message);
	void (*pass)(void *ctx);
} vf_seal_report_t;

typedef struct {
	uint64_t seals;              /* seal records checked */
	uint64_t seals_ok;           /* ... with no failure (root, chain, signature, tokens) */
	uint64_t records_sealed;     /* records covered by the last seal */
	uint64_t seals_signed_ok;    /* signature holds */
	uint64_t seals_trusted;      /* ... and the signer chains to --trust */
	uint64_t seals_stamped_ok;   /* at least one token (or a stamp record) holds */
	uint64_t seals_time_trusted; /* ... and chains to --tsa-trust */
	uint64_t proofs_ok;          /* exhibit inclusion proofs that hold */
	uint64_t tail;               /* records after the last seal (not covered) */
	int not_from_start;          /* the case's first file was not given: log not checked */
	int signers;                 /* distinct signing certificates seen */
	char signer[SEAL_SUBJECT_MAX];
	char chain[SEAL_CHAIN_MAX];  /* the signer's chain to --trust as checked, signer first */
	char tsa[SEAL_SUBJECT_MAX];
	char first_time[SEAL_TIME_LEN], last_time[SEAL_TIME_LEN]; /* trusted times (genTime) */
	uint64_t seals_no_token;     /* seals whose body carries no token */
	uint64_t stamps;             /* stamp records */
	uint64_t untimed_expired;    /* signers out of validity at --at/now, no trusted time */
	uint64_t not_closed;         /* cases whose last seal is not a closing seal */
	uint64_t legacy;             /* ... of them with custody-sth-v1 heads */
	uint64_t exhibits;           /* exhibits read */
	uint64_t ex_disclosed;       /* their records proven by inclusion */
	uint64_t ex_size;            /* the records of their seals' logs */
	int cases;                   /* distinct cases (signed heads) */
	char case_of[ARC_UUID_LEN];  /* the case named by the signed heads */
	char claimed_time[SEAL_TIME_LEN];   /* earliest time of a token not checked against --tsa-trust */
	char claimed_tsa[SEAL_SUBJECT_MAX];
	uint64_t clock_far;          /* seals whose head time is far from their trusted token's */
	char clock_example[160];
} vf_seal_summary_t;

typedef struct vf_seal vf_seal_t;
/* trust / tsa_trust: loaded anchors or NULL; at: seconds (<0: now). */
vf_seal_t *vf_seal_new(const seal_trust_t *trust, const seal_trust_t *tsa_trust, int64_t at,
                       const vf_seal_report_t *rep);
/* A new case (group of files) begins. */
void vf_seal_begin_case(vf_seal_t *s);
/* Every record, in file order. */
void vf_seal_record(vf_seal_t *s, void *ctx, const warc_rec_t *rec);
/* A record could not be read: the log cannot be followed past it. */
void vf_seal_break(vf_seal_t *s);
/* The case ended: fills sum (adds to it). */
void vf_seal_end_case(vf_seal_t *s, vf_seal_summary_t *sum);
void vf_seal_free(vf_seal_t *s);

#define VF_SEAL_MAX_NOTES 6
#define VF_SEAL_NOTE_LEN  400
/* 1 when the seals anchor identity and time (every seal signed and stamped,
 * chained to the anchors given, the log followed from the case's start); the
 * unsealed tail is the caller's (checks.c reports it and keeps the verdict
 * from "verified"). notes say what is not anchored; headline sums up who
 * sealed and when. */
int vf_seal_verdict(const vf_seal_summary_t *m, int have_trust, int have_tsa_trust,
                    char notes[VF_SEAL_MAX_NOTES][VF_SEAL_NOTE_LEN], size_t *nnotes, char *headline,
                    size_t hlsz);

#endif
