/*
 * cmd_crawl_seal.c — `custody crawl-seal`: one seal over a shared crawl
 * (issue 23). Each host of the crawl sealed its own case and, when the case
 * closed, recorded its closing tree head in the database (custody_closing).
 * This command reads those heads and writes FILE, a short text, the crawl
 * seal's head:
 *
 *     custody-crawl-seal-v1
 *     crawl: NAME
 *     time: YYYY-MM-DDThh:mm:ssZ
 *     hosts: N
 *     root: <64 hex>            Merkle root (RFC 9162) over the host lines
 *     host: ID case=urn:uuid:... tree-size=N records=R root=<hex> seal=sha256:<hex> urls=U duplicates=D
 *     ...                       one line per host, in host id byte order
 *
 * leaf i = SHA-256(0x00 || host line i, its "\n" included). Beside it,
 * FILE.p7s: a detached CMS signature over FILE's exact bytes (the operator's
 * key, as seals are signed), and FILE.tsr: an RFC 3161 token over the same
 * bytes (the first TSA that answered; FILE.2.tsr ... for the others). All three
 * can be checked with openssl alone; custody-verify checks them with the
 * host folders.
 *
 * The database is coordination only: nothing here is trusted by the
 * verifier except what it finds again in the host folders (each seal line's
 * closing seal, byte for byte). Must never: seal a crawl with a host whose
 * case is not closed, overwrite an existing FILE, or print a password.
 *
 * Exit status: 0 written, 1 not written (a host not closed, no TSA answered
 * when asked), 2 usage, database or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "crawler.h"
#include "keys.h"

static const cli_opt_t cs_opts[] = {
	{"state", 0, "CONNINFO", "The shared crawl's PostgreSQL database, as given to `custody crawl "
	                         "--state` (no password in it: PGPASSFILE or ~/.pgpass). Required."},
	{"crawl", 0, "NAME", "The shared crawl's name. Required."},
	{"output", 'o', "FILE", "Write the crawl seal to FILE (and FILE.p7s, FILE.tsr beside it). Required."},
	{"key", 0, "FILE", "Sign with this key (default: your default key from `custody keygen`)."},
	{"cert", 0, "FILE", "The key's certificate (default: --key's name with .crt)."},
	{"pass-file", 0, "FILE", "The key's passphrase, first line of FILE."},
	{"tsa", 0, "URL", "RFC 3161 time-stamp authority to ask (repeat for several)."},
	{0},
};

static const cli_cmd_t cs_cmd = {
	"crawl-seal",
	"custody crawl-seal --state CONNINFO --crawl NAME -o FILE [--key FILE] [--tsa URL]",
	"Seal a crawl shared by several hosts (custody crawl --state): a Merkle tree over the closing "
	"tree head of every host's case, signed with your key and time-stamped. Every host must have "
	"finished (its case closed). FILE is a short text naming each host's case and closing seal; "
	"FILE.p7s is its signature, FILE.tsr its time stamp. Check it with the host folders:\n"
	"custody-verify DIR1 DIR2 ... FILE\n\n"
	"Exit status: 0 written, 1 not written (a host has not closed its case, or no TSA answered), "
	"2 usage, database or I/O error.",
	cs_opts,
	"custody crawl-seal --state 'host=db.example dbname=custody sslmode=verify-full' --crawl boards "
	"-o boards.crawlseal --tsa https://tsa.example/tsr\n",
	NULL,
};

typedef struct {
	const char *state, *crawl, *out, *key, *cert, *pass_file;
	const char *tsa[SEAL_MAX_TOKENS];
	size_t ntsa;
} cs_cli_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	cs_cli_t *c = ctx;

	if (!strcmp(name, "tsa")) {
		if (c->ntsa >= SEAL_MAX_TOKENS || (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))) {
			fprintf(stderr, "custody crawl-seal: --tsa wants an http:// or https:// URL, not '%s'\n", arg);
			return 2;
		}
		c->tsa[c->ntsa++] = arg;
	} else if (!strcmp(name, "state")) {
		c->state = arg;
	} else if (!strcmp(name, "crawl")) {
		c->crawl = arg;
	} else if (!strcmp(name, "output")) {
		c->out = arg;
	} else if (!strcmp(name, "key")) {
		c->key = arg;
	} else if (!strcmp(name, "cert")) {
		c->cert = arg;
	} else if (!strcmp(name, "pass-file")) {
		c->pass_file = arg;
	}
	return 0;
}

/* A name that fits on a head line: 1..200 printable ASCII bytes, no space. */
static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Write len bytes to a new file (never over an existing one), synced. */
static int write_new(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	const char *p = data;

	if (fd < 0) {
		fprintf(stderr, "custody crawl-seal: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "custody crawl-seal: cannot write %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "custody crawl-seal: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_crawl_seal(int argc, char **argv)
{
	cs_cli_t c;
	crawl_pg_head_t *h = NULL;
	size_t n = 0, i, notclosed = 0;
	int first = 0, rc, used_default = 0;
	arc_error_t err;
	arc_buf_t head = {0}, lines = {0}, cms = {0};
	unsigned char (*leaves)[MERKLE_HASH_LEN] = NULL;
	seal_signer_t *signer = NULL;
	char path[4096];

	memset(&c, 0, sizeof c);
	rc = cli_parse(&cs_cmd, argc, argv, on_opt, &c, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	static cfg_t cfg; /* the user's settings file: a default --tsa, --key */
	if (cfg_load("crawl-seal", &cfg))
		return 2;
	cfg_apply(&cfg, "crawl-seal", 0, &c.key, &c.cert, c.tsa, &c.ntsa);
	if (first != argc || !c.state || !c.crawl || !c.out) {
		fprintf(stderr, "custody crawl-seal: --state, --crawl and -o FILE are required\n"
		                "Try 'custody crawl-seal --help'.\n");
		rc = 2;
		goto out;
	}
	if (!plain_name(c.crawl)) {
		fprintf(stderr, "custody crawl-seal: the crawl name must be 1 to 200 printable characters "
		                "without spaces\n");
		rc = 2;
		goto out;
	}
	if (strlen(c.out) > sizeof path - 16) {
		fprintf(stderr, "custody crawl-seal: -o: the name is too long\n");
		rc = 2;
		goto out;
	}
	if (access(c.out, F_OK) == 0) {
		fprintf(stderr, "custody crawl-seal: %s exists already: choose another name\n", c.out);
		rc = 2;
		goto out;
	}
	if (keys_load("crawl-seal", c.key, c.cert, c.pass_file, &signer, &used_default)) {
		rc = 2;
		goto out;
	}
	if (!signer) {
		fprintf(stderr, "custody crawl-seal: no key: give --key FILE (or make a default one with "
		                "`custody keygen`); an unsigned crawl seal proves nothing\n");
		rc = 2;
		goto out;
	}
	if (crawl_pg_heads(c.state, c.crawl, &h, &n, &err)) {
		fprintf(stderr, "custody crawl-seal: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "custody crawl-seal: the crawl '%s' has no hosts yet\n", c.crawl);
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!h[i].closed) {
			fprintf(stderr, "custody crawl-seal: host %s has not closed its case (still crawling, "
			                "or stopped: `custody crawl --resume` on it closes it)\n", h[i].host_id);
			notclosed++;
		} else if (!plain_name(h[i].host_id)) {
			fprintf(stderr, "custody crawl-seal: host id '%s' has spaces or control characters: it "
			                "cannot be named in a crawl seal\n", h[i].host_id);
			notclosed++;
		}
	}
	if (notclosed) {
		fprintf(stderr, "custody crawl-seal: nothing written\n");
		rc = 1;
		goto out;
	}
	if (h[0].not_done)
		fprintf(stderr, "custody crawl-seal: note: %llu URLs of the crawl are not done; the seal "
		                "covers what the hosts captured\n", h[0].not_done);
	if (!(leaves = calloc(n, sizeof *leaves))) {
		fprintf(stderr, "custody crawl-seal: out of memory\n");
		rc = 2;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char line[1024];
		int k = snprintf(line, sizeof line, "host: %s case=%s tree-size=%llu records=%llu root=%s "
		                 "seal=%s urls=%llu duplicates=%llu\n", h[i].host_id, h[i].head.case_id,
		                 (unsigned long long)h[i].head.tree_size,
		                 (unsigned long long)h[i].head.records, h[i].head.root,
		                 h[i].head.seal_sha256, h[i].done, h[i].duplicates);
		if (k <= 0 || (size_t)k >= sizeof line || arc_buf_append(&lines, line, (size_t)k)) {
			fprintf(stderr, "custody crawl-seal: out of memory\n");
			rc = 2;
			goto out;
		}
		merkle_leaf_hash(line, (size_t)k, leaves[i]);
	}
	{
		unsigned char root[MERKLE_HASH_LEN];
		char hex[2 * MERKLE_HASH_LEN + 1], when[SEAL_TIME_LEN], top[512];
		merkle_root_of((const unsigned char(*)[MERKLE_HASH_LEN])leaves, n, root);
		merkle_hex(root, hex);
		seal_time_format((int64_t)time(NULL), when);
		int k = snprintf(top, sizeof top, "custody-crawl-seal-v1\ncrawl: %s\ntime: %s\nhosts: %zu\n"
		                 "root: %s\n", c.crawl, when, n, hex);
		if (k <= 0 || (size_t)k >= sizeof top || arc_buf_append(&head, top, (size_t)k) ||
		    arc_buf_append(&head, lines.data, lines.len)) {
			fprintf(stderr, "custody crawl-seal: out of memory\n");
			rc = 2;
			goto out;
		}
	}
	if (seal_sign(signer, head.data, head.len, &cms, &err) != ARC_OK) {
		fprintf(stderr, "custody crawl-seal: signing: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	{
		seal_token_t tok[SEAL_MAX_TOKENS];
		size_t nt = 0;
		crawl_tsa_t tsa;
		memset(tok, 0, sizeof tok);
		memset(&tsa, 0, sizeof tsa);
		if (c.ntsa) {
			tsa.urls = c.tsa;
			tsa.nurls = c.ntsa;
			nt = crawl_tsa_stamp(&tsa, head.data, head.len, tok, SEAL_MAX_TOKENS);
			if (nt == 0) {
				fprintf(stderr, "custody crawl-seal: no time-stamp authority answered (%s): nothing "
				                "written; try again\n", tsa.last_error);
				rc = 1;
				goto out;
			}
		}
		rc = write_new(c.out, head.data, head.len) ? 2 : 0;
		snprintf(path, sizeof path, "%s.p7s", c.out);
		if (!rc && write_new(path, cms.data, cms.len))
			rc = 2;
		for (i = 0; i < nt; i++) {
			if (i == 0)
				snprintf(path, sizeof path, "%s.tsr", c.out);
			else
				snprintf(path, sizeof path, "%s.%zu.tsr", c.out, i + 1);
			if (!rc && write_new(path, tok[i].tsr.data, tok[i].tsr.len))
				rc = 2;
			arc_buf_free(&tok[i].tsr);
		}
		if (!rc)
			printf("%s: crawl seal of '%s' over %zu host%s, signed by %s%s\n", c.out, c.crawl, n,
			       n == 1 ? "" : "s", seal_signer_subject(signer),
			       nt ? ", time-stamped" : " (no --tsa: not time-stamped)");
	}
out:
	cfg_free(&cfg);
	free(h);
	free(leaves);
	arc_buf_free(&head);
	arc_buf_free(&lines);
	arc_buf_free(&cms);
	seal_signer_free(signer);
	return rc;
}
