/*
 * check.c — the per-record integrity checks the verifier runs on a record
 * read back: WARC-Block-Digest over the block, WARC-Payload-Digest over the
 * payload.
 *
 * The payload of an HTTP request or response record (Content-Type
 * application/http) is the entity body with transfer coding removed and
 * content coding kept (WARC 1.1 section 6.3.4 as clarified); for every other
 * record it is the block. A revisit record's payload digest names an earlier
 * body: custody writes revisits self-contained (the whole response in the
 * block, see writer.c), so when the block carries a body it is checked; a
 * foreign revisit holding headers only is not recomputed (nothing to hash). custody writes
 * sha256:<hex>; sha256 and sha1 in base32 (and hex) are read so that foreign
 * WARCs can be checked too. Anything else is an error that names the
 * algorithm: a check that cannot run must never look like a check that passed.
 * Never prints.
 */
#include "archive.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* A digest label parsed into raw bytes. */
typedef struct {
	const EVP_MD *md;
	unsigned char raw[EVP_MAX_MD_SIZE];
	size_t len;
} digest_t;

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int hex_decode(const char *s, size_t n, unsigned char *out, size_t want)
{
	size_t i;

	if (n != want * 2)
		return -1;
	for (i = 0; i < n; i++) {
		int c = lower((unsigned char)s[i]), v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/* RFC 4648 base32, upper or lower case, optional '=' padding. */
static int base32_decode(const char *s, size_t n, unsigned char *out, size_t want)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i, o = 0;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if ((n * 5) / 8 != want)
		return -1;
	for (i = 0; i < n; i++) {
		int c = lower((unsigned char)s[i]), v;

		if (c >= 'a' && c <= 'z')
			v = c - 'a';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o < want)
				out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == want ? 0 : -1;
}

/* Parse "alg:value". 0, or ARC_EFORMAT with why set. */
static int parse_label(const char *label, digest_t *d, const char **why)
{
	const char *colon = strchr(label, ':'), *v;
	size_t alen, vlen, want;

	if (!colon) {
		*why = "is not \"algorithm:value\"";
		return ARC_EFORMAT;
	}
	alen = (size_t)(colon - label);
	if (alen == 6 && !strncasecmp(label, "sha256", 6)) {
		d->md = EVP_sha256();
		want = 32;
	} else if ((alen == 4 && !strncasecmp(label, "sha1", 4)) ||
	           (alen == 5 && !strncasecmp(label, "sha-1", 5))) {
		d->md = EVP_sha1();
		want = 20;
	} else {
		*why = "uses an unsupported digest algorithm";
		return ARC_EFORMAT;
	}
	v = colon + 1;
	vlen = strlen(v);
	d->len = want;
	if (hex_decode(v, vlen, d->raw, want) == 0 || base32_decode(v, vlen, d->raw, want) == 0)
		return 0;
	*why = "has a value that is neither hex nor base32 of the right length";
	return ARC_EFORMAT;
}

static int compute(const EVP_MD *md, const void *buf, size_t len, unsigned char *out)
{
	unsigned int n = 0;

	return EVP_Digest(len ? buf : "", len, out, &n, md, NULL) == 1 ? 0 : -1;
}

/* "sha256:<hex>" style text of a raw digest, for messages. */
static void label_text(const digest_t *d, const unsigned char *raw, char *out, size_t outsz)
{
	static const char hx[] = "0123456789abcdef";
	const char *alg = d->md == EVP_sha1() ? "sha1:" : "sha256:";
	size_t i, o = strlen(alg);

	if (outsz < o + 2 * d->len + 1) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	memcpy(out, alg, o);
	for (i = 0; i < d->len; i++) {
		out[o++] = hx[raw[i] >> 4];
		out[o++] = hx[raw[i] & 15];
	}
	out[o] = '\0';
}

static int check_digest(const warc_rec_t *rec, const char *file, const char *field,
                        const char *what, const unsigned char *data, size_t len,
                        arc_error_t *err)
{
	const char *label = warc_rec_get(rec, field), *why = NULL;
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	unsigned char got[EVP_MAX_MD_SIZE];
	char got_text[160];
	digest_t d;

	if (!file)
		file = "";
	if (!id)
		id = "";
	if (!label)
		return 1;
	if (parse_label(label, &d, &why) != 0)
		return arc_fail(err, ARC_EFORMAT, file, rec->offset, id,
		                "%s: offset %llu, record %s: %s: %s \"%.80s\" %s", file,
		                (unsigned long long)rec->offset, id, what, field, label, why);
	if (compute(d.md, data, len, got) != 0)
		return arc_fail(err, ARC_ENOMEM, file, rec->offset, id,
		                "%s: offset %llu, record %s: %s: digest computation failed", file,
		                (unsigned long long)rec->offset, id, what);
	if (memcmp(got, d.raw, d.len) == 0)
		return 0;
	label_text(&d, got, got_text, sizeof got_text);
	return arc_fail(err, ARC_EDIGEST, file, rec->offset, id,
	                "%s: offset %llu, record %s: %s: expected %.80s (%s), found %s (the %s's "
	                "digest): the %s was changed after capture", file,
	                (unsigned long long)rec->offset, id, what, label, field, got_text,
	                strcmp(what, "block digest") ? "payload" : "block",
	                strcmp(what, "block digest") ? "payload" : "block");
}

int warc_check_block(const warc_rec_t *rec, const char *file, arc_error_t *err)
{
	if (!rec || (!rec->block && rec->block_len))
		return arc_fail(err, ARC_EINVAL, file, 0, NULL, "warc_check_block: no record");
	if (rec->block_len > SIZE_MAX)
		return arc_fail(err, ARC_ELIMIT, file, rec->offset, NULL, "block too large");
	return check_digest(rec, file, "WARC-Block-Digest", "block digest", rec->block,
	                    (size_t)rec->block_len, err);
}

/* Content-Type names an HTTP message ("application/http; msgtype=response"). */
static int is_http_message(const warc_rec_t *rec)
{
	const char *type = warc_rec_get(rec, "WARC-Type");
	const char *ct = warc_rec_get(rec, "Content-Type");

	if (!type || !ct || (strcasecmp(type, "response") && strcasecmp(type, "request") &&
	                     strcasecmp(type, "revisit")))
		return 0;
	return !strncasecmp(ct, "application/http", 16) &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

int warc_check_payload(const warc_rec_t *rec, const char *file, arc_error_t *err)
{
	const char *type, *id;
	unsigned char *ent;
	size_t ent_len;
	int owned, rc;

	if (!rec || (!rec->block && rec->block_len))
		return arc_fail(err, ARC_EINVAL, file, 0, NULL, "warc_check_payload: no record");
	if (!warc_rec_get(rec, "WARC-Payload-Digest"))
		return 1;
	type = warc_rec_get(rec, "WARC-Type");
	if (rec->block_len > SIZE_MAX)
		return arc_fail(err, ARC_ELIMIT, file, rec->offset, NULL, "block too large");
	if (!is_http_message(rec)) {
		if (type && !strcasecmp(type, "revisit"))
			return 1; /* names an earlier record's payload */
		return check_digest(rec, file, "WARC-Payload-Digest", "payload digest", rec->block,
		                    (size_t)rec->block_len, err);
	}
	rc = http_entity(rec->block, (size_t)rec->block_len, &ent, &ent_len, &owned);
	if (rc == ARC_ENOMEM)
		return arc_fail(err, rc, file, rec->offset, NULL, "out of memory for the payload");
	if (rc != 0) {
		id = warc_rec_get(rec, "WARC-Record-ID");
		if (owned)
			free(ent);
		return arc_fail(err, ARC_EFORMAT, file, rec->offset, id,
		                "%s: offset %llu, record %s: payload digest: the HTTP message's "
		                "payload cannot be delimited (%s)", file ? file : "",
		                (unsigned long long)rec->offset, id ? id : "",
		                http_header_end(rec->block, (size_t)rec->block_len)
		                        ? "malformed or truncated chunked transfer coding"
		                        : "no end of the HTTP header");
	}
	if (ent_len == 0 && type && !strcasecmp(type, "revisit"))
		rc = 1; /* headers only: the payload is in the earlier record */
	else
		rc = check_digest(rec, file, "WARC-Payload-Digest", "payload digest", ent, ent_len,
		                  err);
	if (owned)
		free(ent);
	return rc;
}

int warc_check_record(const warc_rec_t *rec, const char *file, arc_error_t *err)
{
	int rc = warc_check_block(rec, file, err);

	if (rc < 0)
		return rc;
	rc = warc_check_payload(rec, file, err);
	return rc < 0 ? rc : 0;
}
