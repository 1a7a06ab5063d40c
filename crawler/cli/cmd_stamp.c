/*
 * cmd_stamp.c — `custody stamp`: time-stamp the seals of a case that have no
 * token yet (the TSA was down during the crawl), by appending stamp records.
 *
 * Earlier records are never rewritten: each stamp record (metadata,
 * application/vnd.custody.stamp, WARC-Refers-To the seal) carries RFC 3161
 * tokens over the seal's exact tree-head bytes, obtained now, so the time
 * they prove is today's, honestly later than the capture. Tokens are asked
 * for first: an attempt that gets none writes nothing. With a key (--key or
 * the default one) the new capture file that holds the stamps is a session
 * of its own, opened by a reopening seal and ended by a closing one (signed,
 * stamped by the same TSAs); without a key only the stamp records are
 * written, never an unsigned seal.
 *
 * Exit status: 0 every seal now stamped (or nothing to do), 1 some TSA
 * request failed, 2 usage error or the case could not be read or written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "crawler.h"
#include "keys.h"

static const cli_opt_t stamp_opts[] = {
	{"tsa", 0, "URL", "RFC 3161 time-stamp authority to ask (repeat for several). Required."},
	{"key", 0, "FILE", "Sign the seals that open and close the stamp records with this key "
	                   "(default: your default key from `custody keygen`, if any; without a key "
	                   "only the stamp records are written)."},
	{"cert", 0, "FILE", "The key's certificate (default: --key's name with .crt)."},
	{"pass-file", 0, "FILE", "The key's passphrase, first line of FILE."},
	{0},
};

static const cli_cmd_t stamp_cmd = {
	"stamp",
	"custody stamp CASE_DIR --tsa URL [--tsa URL ...] [--key FILE]",
	"Complete the seals of a case that carry no time stamp (the time-stamp authority could not be "
	"reached while crawling). For each such seal, custody asks the TSAs for tokens over the seal's "
	"exact tree-head bytes and appends a stamp record referring to the seal; nothing already written "
	"is changed. The time these tokens prove is the time of this command, later than the capture: "
	"custody-verify and its report show that honest, later time.\n\n"
	"Exit status: 0 every seal is stamped (or there was nothing to do), 1 a TSA failed (the seals "
	"it should have stamped stay unstamped; try again later), 2 usage error or the case could not be "
	"read or written.",
	stamp_opts,
	"custody stamp case1 --tsa https://freetsa.example/tsr\n"
	"custody-verify --trust operator.crt --tsa-trust tsa-ca.pem case1\n",
	NULL, /* few options: --help shows them all */
};

typedef struct {
	const char *tsa[SEAL_MAX_TOKENS];
	size_t ntsa;
	const char *key, *cert, *pass_file;
} stamp_cli_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	stamp_cli_t *c = ctx;

	if (!strcmp(name, "tsa")) {
		if (c->ntsa >= SEAL_MAX_TOKENS || (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))) {
			fprintf(stderr, "custody stamp: --tsa wants an http:// or https:// URL, not '%s'\n", arg);
			return 2;
		}
		c->tsa[c->ntsa++] = arg;
	} else if (!strcmp(name, "key")) {
		c->key = arg;
	} else if (!strcmp(name, "cert")) {
		c->cert = arg;
	} else if (!strcmp(name, "pass-file")) {
		c->pass_file = arg;
	}
	return 0;
}

/* A seal of the case without any token (and no stamp record for it). */
typedef struct {
	char id[ARC_UUID_LEN + 8];
	seal_body_t body;
	int stamped;
} pending_seal_t;

/* Every seal of the case, and whether it has a token or a stamp record. */
static int find_seals(const char *dir, pending_seal_t **out, size_t *n)
{
	arc_case_files_t files;
	arc_error_t err;
	size_t i, cap = 0;
	pending_seal_t *v = NULL;

	*out = NULL;
	*n = 0;
	if (arc_case_files(dir, &files, &err) != ARC_OK) {
		fprintf(stderr, "custody stamp: %s\n", err.msg);
		return -1;
	}
	if (files.n == 0) {
		fprintf(stderr, "custody stamp: %s holds no capture files\n", dir);
		arc_case_files_free(&files);
		return -1;
	}
	for (i = 0; i < files.n; i++) {
		warc_reader_t *r = warc_reader_open(files.v[i].path, NULL, &err);
		warc_rec_t rec;
		int rc = -1;
		while (r && (rc = warc_reader_next(r, &rec, &err)) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *ct = warc_rec_get(&rec, "Content-Type");
			const char *id = warc_rec_get(&rec, "WARC-Record-ID");
			if (!type || strcmp(type, "metadata") || !ct || !id)
				continue;
			if (!strcmp(ct, SEAL_CT_STH)) {
				pending_seal_t *p;
				if (*n == cap) {
					pending_seal_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *nv);
					if (!nv)
						break;
					v = nv;
				}
				p = &v[*n];
				memset(p, 0, sizeof *p);
				if (seal_body_parse(rec.block, (size_t)rec.block_len, 0, &p->body, &err) != ARC_OK) {
					fprintf(stderr, "custody stamp: %s, offset %llu: %s (skipped)\n",
					        files.v[i].path, (unsigned long long)rec.offset, err.msg);
					continue;
				}
				snprintf(p->id, sizeof p->id, "%s", id);
				p->stamped = p->body.ntokens > 0;
				(*n)++;
			} else if (!strcmp(ct, SEAL_CT_STAMP)) {
				const char *ref = warc_rec_get(&rec, "WARC-Refers-To");
				for (size_t k = 0; ref && k < *n; k++)
					if (!strcmp(v[k].id, ref))
						v[k].stamped = 1;
			}
		}
		if (rc < 0 && r)
			fprintf(stderr, "custody stamp: %s (the records after it are not looked at)\n", err.msg);
		warc_reader_free(r);
	}
	arc_case_files_free(&files);
	*out = v;
	return 0;
}

int cmd_stamp(int argc, char **argv)
{
	stamp_cli_t c;
	pending_seal_t *seals = NULL;
	size_t nseals = 0, todo = 0, done = 0, i;
	seal_signer_t *signer = NULL;
	int used_default = 0, first = 0, rc;
	const char *dir;

	memset(&c, 0, sizeof c);
	rc = cli_parse(&stamp_cmd, argc, argv, on_opt, &c, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	static cfg_t cfg; /* the user's settings file: a default --tsa, --key */
	if (cfg_load("stamp", &cfg))
		return 2;
	cfg_apply(&cfg, "stamp", 0, &c.key, &c.cert, c.tsa, &c.ntsa);
	if (first != argc - 1 || !c.ntsa) {
		fprintf(stderr, "custody stamp: %s\nTry 'custody stamp --help'.\n",
		        first != argc - 1 ? "give exactly one CASE_DIR"
		                          : "--tsa URL is required (or a tsa line in ~/.config/custody/config)");
		return 2;
	}
	dir = argv[first];
	if (find_seals(dir, &seals, &nseals))
		return 2;
	for (i = 0; i < nseals; i++)
		todo += !seals[i].stamped;
	if (todo == 0) {
		printf("%s: %zu seal%s, every one time-stamped: nothing to do\n", dir, nseals,
		       nseals == 1 ? "" : "s");
		rc = 0;
		goto out;
	}
	if (keys_load("stamp", c.key, c.cert, c.pass_file, &signer, &used_default)) {
		rc = 2;
		goto out;
	}
	{
		crawl_tsa_t tsa;
		arc_error_t err;
		arc_case_opts_t co;
		arc_case_t *cas;
		seal_writer_t *sw = NULL;
		seal_writer_opts_t so;
		size_t got = 0;

		memset(&tsa, 0, sizeof tsa);
		tsa.urls = c.tsa;
		tsa.nurls = c.ntsa;
		/* tokens first: an attempt that gets none writes nothing at all */
		for (i = 0; i < nseals; i++) {
			seal_body_t *b = &seals[i].body;
			char bare[ARC_UUID_LEN + 8];
			size_t n, k = strlen(seals[i].id);
			if (seals[i].stamped)
				continue;
			for (n = 0; n < b->ntokens; n++)
				arc_buf_free(&b->tokens[n].tsr);
			b->ntokens = 0;
			n = crawl_tsa_stamp(&tsa, b->sth.data, b->sth.len, b->tokens, SEAL_MAX_TOKENS);
			if (n == 0) {
				fprintf(stderr, "custody stamp: seal %s: %s\n", seals[i].id, tsa.last_error);
				continue;
			}
			b->ntokens = n;
			/* the stamp body names the seal by its bare id */
			if (seals[i].id[0] == '<' && k >= 2)
				snprintf(bare, sizeof bare, "%.*s", (int)(k - 2), seals[i].id + 1);
			else
				snprintf(bare, sizeof bare, "%s", seals[i].id);
			if (!(b->seal_id = strdup(bare))) {
				fprintf(stderr, "custody stamp: out of memory\n");
				rc = 2;
				goto out;
			}
			got++;
		}
		if (got == 0) {
			printf("%s: no time-stamp authority answered: nothing was written (try again later)\n",
			       dir);
			rc = 1;
			goto out;
		}
		memset(&co, 0, sizeof co);
		co.software = "custody/" CUSTODY_VERSION;
		co.command_line = "custody stamp";
		co.operator_ = signer ? seal_signer_subject(signer) : NULL;
		cas = arc_case_open(dir, &co, &err);
		if (!cas) {
			fprintf(stderr, "custody stamp: %s\n", err.msg);
			rc = 2;
			goto out;
		}
		/* with a key: a session of its own, reopened and closed by signed
		 * seals; without one: stamp records only (each names the seal whose
		 * head its tokens cover), never an unsigned seal */
		if (signer) {
			memset(&so, 0, sizeof so);
			so.signer = signer;
			so.stamp = crawl_tsa_stamp;
			so.stamp_ctx = &tsa;
			sw = seal_writer_new(&so);
			if (!sw || seal_writer_open(sw, cas, &err) != ARC_OK) {
				fprintf(stderr, "custody stamp: %s\n", sw ? err.msg : "out of memory");
				rc = 2;
			}
		}
		for (i = 0; i < nseals && rc == 0; i++) {
			seal_body_t *b = &seals[i].body;
			if (seals[i].stamped || !b->ntokens)
				continue;
			if (seal_write_body(cas, b, 1, seals[i].id, NULL, &err) != ARC_OK) {
				fprintf(stderr, "custody stamp: %s\n", err.msg);
				rc = 2;
				break;
			}
			done++;
		}
		if (arc_case_close(cas, &err) != ARC_OK) {
			fprintf(stderr, "custody stamp: %s\n", err.msg);
			rc = 2;
		}
		seal_writer_free(sw);
	}
	printf("%s: %zu of %zu unstamped seal%s now time-stamped%s\n", dir, done, todo,
	       todo == 1 ? "" : "s", signer ? "" : " (no key: stamp records only, no new seal)");
	if (rc == 0)
		rc = done == todo ? 0 : 1;
out:
	cfg_free(&cfg);
	for (i = 0; i < nseals; i++)
		seal_body_free(&seals[i].body);
	free(seals);
	seal_signer_free(signer);
	return rc;
}
