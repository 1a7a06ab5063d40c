/*
 * crawlseal.h — custody-verify's check of a crawl seal (custody crawl-seal,
 * issue 23) against the host folders given with it. Private to verify/.
 * Must never: print (the caller prints the text it returns) or exit.
 */
#ifndef CUSTODY_VERIFY_CRAWLSEAL_H
#define CUSTODY_VERIFY_CRAWLSEAL_H

#include "archive.h"

#define VF_CS_MAX_FILE  ((size_t)1 << 20)   /* bytes of a crawl seal head */
#define VF_CS_MAX_HOSTS 4096u

enum {
	VF_CS_VERIFIED = 0,   /* every host present and matching, signature and time trusted */
	VF_CS_INTACT = 1,     /* nothing contradicts it, but not everything holds: a host's
	                         folder missing, no --trust / --tsa-trust, no time stamp */
	VF_CS_FAILED = 2      /* a folder's closing head differs, the head or a signature is wrong */
};

/* 1 when path is a regular file starting "custody-crawl-seal-v1\n". */
int vf_crawl_seal_is(const char *path);
/* Check the crawl seal at path (and path.p7s, path.tsr) with the case
 * folders dirs. Appends the lines to print to out. Returns VF_CS_*; <0 on
 * ENOMEM. trust/tsa_trust may be NULL; at < 0: now. */
int vf_crawl_seal_check(const char *path, char *const *dirs, size_t ndirs,
                        const seal_trust_t *trust, const seal_trust_t *tsa_trust, int64_t at,
                        arc_buf_t *out);

#endif
