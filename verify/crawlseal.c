/*
 * crawlseal.c — a crawl seal checked with its host folders (issue 23).
 *
 * The crawl seal (format in crawler/cli/cmd_crawl_seal.c and docs/crawl-seal.md)
 * names each host's case and closing seal; the folders given are matched to
 * those lines by case id. For each line: its folder's closing seal record must
 * hash to the sealed value (a folder whose closing head differs: failed; a
 * case opened again after it — --resume, custody stamp — still holds that
 * seal, and that is said); a host whose folder was not given leaves the whole
 * at "intact" at best, with the host named. The head's Merkle root is
 * recomputed over the host lines; FILE.p7s must be a valid signature over the
 * head's bytes (trusted with --trust), FILE.tsr a token over them (trusted
 * with --tsa-trust). Per host and in all: URLs captured (distinct
 * WARC-Target-URI of response and revisit records), records, duplicates (as
 * the database listed them when sealed, and URLs captured by more than one of
 * the folders given).
 *
 * Must never: take the database's word for anything it can check in the
 * folders, say "verified" with a host missing, print, or exit.
 */
#include "crawlseal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CS_MAGIC "custody-crawl-seal-v1\n"

typedef struct {
	char line[1100];            /* the host line, "\n" included */
	char host[256], case_id[ARC_UUID_LEN], root[2 * MERKLE_HASH_LEN + 1], seal[ARC_DIGEST_LEN];
	unsigned long long tree_size, records, urls, duplicates;
	int dir;                    /* index into dirs, -1 none */
} cs_host_t;

static int read_all(const char *path, size_t max, arc_buf_t *out)
{
	FILE *f = fopen(path, "rb");
	unsigned char tmp[8192];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (out->len + n > max || arc_buf_append(out, tmp, n)) {
			fclose(f);
			return -2;
		}
	}
	fclose(f);
	return 0;
}

int vf_crawl_seal_is(const char *path)
{
	struct stat st;
	char head[sizeof CS_MAGIC];
	FILE *f;
	size_t n;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(path, "rb")))
		return 0;
	n = fread(head, 1, sizeof CS_MAGIC - 1, f);
	fclose(f);
	return n == sizeof CS_MAGIC - 1 && !memcmp(head, CS_MAGIC, n);
}

static void say(arc_buf_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(arc_buf_t *out, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (k > 0)
		arc_buf_append(out, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
}

/* "key=value" at *p up to the next space or line end; 0 or -1. */
static int field(const char **p, const char *key, char *out, size_t outsz)
{
	size_t k = strlen(key), n;
	if (strncmp(*p, key, k) || (*p)[k] != '=')
		return -1;
	*p += k + 1;
	n = strcspn(*p, " \n");
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	if (**p == ' ')
		(*p)++;
	return 0;
}

static int number(const char **p, const char *key, unsigned long long *v)
{
	char t[32], *end;
	if (field(p, key, t, sizeof t) || t[0] < '0' || t[0] > '9')
		return -1;
	*v = strtoull(t, &end, 10);
	return *end ? -1 : 0;
}

/* One host line (without its "\n"). 0 or -1. */
static int parse_host(const char *s, size_t len, cs_host_t *h)
{
	const char *p;
	size_t n;

	if (len + 2 > sizeof h->line || strncmp(s, "host: ", 6))
		return -1;
	memcpy(h->line, s, len);
	h->line[len] = '\n';
	h->line[len + 1] = '\0';
	p = h->line + 6;
	n = strcspn(p, " \n");
	if (n == 0 || n >= sizeof h->host || p[n] != ' ')
		return -1;
	memcpy(h->host, p, n);
	h->host[n] = '\0';
	p += n + 1;
	if (field(&p, "case", h->case_id, sizeof h->case_id) || number(&p, "tree-size", &h->tree_size) ||
	    number(&p, "records", &h->records) || field(&p, "root", h->root, sizeof h->root) ||
	    field(&p, "seal", h->seal, sizeof h->seal) || number(&p, "urls", &h->urls) ||
	    number(&p, "duplicates", &h->duplicates) || *p != '\n')
		return -1;
	h->dir = -1;
	return 0;
}

/* Distinct URLs of the folder's response/revisit records, added to all (the
 * union) and counted in *mine; *again: those another folder had already. */
static int count_urls(const char *dir, arc_map_t *all, unsigned long long *mine,
                      unsigned long long *again)
{
	arc_case_files_t files;
	arc_error_t e;
	arc_map_t *own = arc_map_new(0);

	*mine = *again = 0;
	if (!own || arc_case_files(dir, &files, &e) != ARC_OK) {
		arc_map_free(own, NULL);
		return -1;
	}
	for (size_t i = 0; i < files.n; i++) {
		warc_reader_t *r = warc_reader_open(files.v[i].path, NULL, &e);
		warc_rec_t rec;
		while (r && warc_reader_next(r, &rec, &e) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *uri = warc_rec_get(&rec, "WARC-Target-URI");
			if (!type || !uri || (strcmp(type, "response") && strcmp(type, "revisit")))
				continue;
			if (arc_map_put(own, uri, NULL, NULL) != 0)
				continue; /* this folder had it already (or full) */
			(*mine)++;
			if (arc_map_put(all, uri, NULL, NULL) == 1)
				(*again)++;
		}
		warc_reader_free(r);
	}
	arc_case_files_free(&files);
	arc_map_free(own, NULL);
	return 0;
}

int vf_crawl_seal_check(const char *path, char *const *dirs, size_t ndirs,
                        const seal_trust_t *trust, const seal_trust_t *tsa_trust, int64_t at,
                        arc_buf_t *out)
{
	arc_buf_t head = {0}, cms = {0}, tsr = {0};
	cs_host_t *h = NULL;
	size_t nh = 0, nhosts_said = 0, i, missing = 0;
	int failed = 0, intact = 0, rc;
	char crawl[256] = "", when[SEAL_TIME_LEN] = "", root[2 * MERKLE_HASH_LEN + 1] = "";
	char p2[4096];
	arc_map_t *all = arc_map_new(0);
	arc_error_t e;

	if (!all)
		return -1;
	rc = read_all(path, VF_CS_MAX_FILE, &head);
	if (rc) {
		say(out, "crawl seal %s: FAILED: %s\n", path, rc == -1 ? "cannot be read" : "too large");
		failed = 1;
		goto done;
	}
	/* the head, line by line */
	{
		const char *s = (const char *)head.data, *end = s + head.len;
		int lineno = 0;
		if (head.len == 0 || s[head.len - 1] != '\n') {
			say(out, "crawl seal %s: FAILED: not a complete crawl seal head\n", path);
			failed = 1;
			goto done;
		}
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			size_t len = (size_t)(nl - s);
			int bad = 0;
			lineno++;
			if (lineno == 1)
				bad = len != sizeof CS_MAGIC - 2 || memcmp(s, CS_MAGIC, len);
			else if (lineno == 2)
				bad = len < 8 || len - 7 >= sizeof crawl || strncmp(s, "crawl: ", 7) ||
				      (memcpy(crawl, s + 7, len - 7), crawl[len - 7] = '\0', 0);
			else if (lineno == 3) {
				int64_t t;
				bad = len != 6 + SEAL_TIME_LEN - 1 || strncmp(s, "time: ", 6) ||
				      seal_time_parse(s + 6, len - 6, &t) != ARC_OK;
				if (!bad)
					snprintf(when, sizeof when, "%.*s", (int)(len - 6), s + 6);
			} else if (lineno == 4) {
				char t[16], *x;
				bad = len < 8 || len - 7 >= sizeof t || strncmp(s, "hosts: ", 7);
				if (!bad) {
					memcpy(t, s + 7, len - 7);
					t[len - 7] = '\0';
					nhosts_said = (size_t)strtoul(t, &x, 10);
					bad = *x || t[0] < '1' || t[0] > '9' || nhosts_said > VF_CS_MAX_HOSTS;
				}
			} else if (lineno == 5) {
				unsigned char r[MERKLE_HASH_LEN];
				bad = len != 6 + 64 || strncmp(s, "root: ", 6) || merkle_unhex(s + 6, 64, r);
				if (!bad)
					snprintf(root, sizeof root, "%.64s", s + 6);
			} else {
				void *v = h;
				size_t cap = nh;
				if (nh >= nhosts_said || arc_vec_reserve(&v, &cap, nh + 1, sizeof *h, VF_CS_MAX_HOSTS)) {
					bad = 1;
				} else {
					h = v;
					bad = parse_host(s, len, &h[nh]);
					nh += !bad;
				}
			}
			if (bad) {
				say(out, "crawl seal %s: FAILED: line %d is not what a crawl seal holds\n", path, lineno);
				failed = 1;
				goto done;
			}
			s = nl + 1;
		}
		if (nh != nhosts_said) {
			say(out, "crawl seal %s: FAILED: it says %zu hosts and names %zu\n", path, nhosts_said, nh);
			failed = 1;
			goto done;
		}
	}
	say(out, "crawl seal %s: crawl '%s', %zu host%s, sealed %.10s %.8s UTC (its own claim)\n", path,
	    crawl, nh, nh == 1 ? "" : "s", when, when + 11);
	/* the root over the host lines */
	{
		unsigned char (*leaves)[MERKLE_HASH_LEN] = calloc(nh, sizeof *leaves), r[MERKLE_HASH_LEN];
		char hex[2 * MERKLE_HASH_LEN + 1];
		if (!leaves)
			goto nomem;
		for (i = 0; i < nh; i++)
			merkle_leaf_hash(h[i].line, strlen(h[i].line), leaves[i]);
		merkle_root_of((const unsigned char(*)[MERKLE_HASH_LEN])leaves, nh, r);
		free(leaves);
		merkle_hex(r, hex);
		if (strcmp(hex, root)) {
			say(out, "crawl seal: FAILED: its root is not the tree of its host lines\n");
			failed = 1;
		}
	}
	/* the signature */
	snprintf(p2, sizeof p2, "%s.p7s", path);
	if (read_all(p2, SEAL_MAX_CMS, &cms)) {
		say(out, "crawl seal: FAILED: no signature (%s cannot be read)\n", p2);
		failed = 1;
	} else {
		seal_cms_info_t ci;
		memset(&ci, 0, sizeof ci);
		if (seal_cms_verify(cms.data, cms.len, head.data, head.len, trust, at, &ci, &e) != ARC_OK) {
			say(out, "crawl seal: FAILED: signature: %s\n", e.msg);
			failed = 1;
		} else if (!trust) {
			say(out, "crawl seal: signed by %s (not anchored: give --trust)\n", ci.subject);
			intact = 1;
		} else {
			say(out, "crawl seal: signed by %s (trusted)\n", ci.subject);
		}
	}
	snprintf(p2, sizeof p2, "%s.tsr", path);
	if (read_all(p2, SEAL_MAX_TSR, &tsr)) {
		say(out, "crawl seal: no time stamp (%s): when it was sealed is its own claim\n", p2);
		intact = 1;
	} else {
		seal_tsr_info_t ti;
		memset(&ti, 0, sizeof ti);
		if (seal_tsr_verify(tsr.data, tsr.len, head.data, head.len, tsa_trust, at, &ti, &e) != ARC_OK) {
			say(out, "crawl seal: FAILED: time stamp: %s\n", e.msg);
			failed = 1;
		} else {
			say(out, "crawl seal: existed no later than %.10s %.8s UTC according to %s%s\n",
			    ti.gen_time_text, ti.gen_time_text + 11, ti.tsa_subject,
			    tsa_trust ? "" : " (not anchored: give --tsa-trust)");
			intact |= !tsa_trust;
		}
	}
	/* the folders, matched to the hosts by case id */
	for (size_t d = 0; d < ndirs; d++) {
		seal_closing_t c;
		if (seal_case_closing(dirs[d], 0, NULL, &c, &e) != ARC_OK) {
			say(out, "folder %s: %s\n", dirs[d], e.msg);
			intact = 1;
			continue;
		}
		for (i = 0; i < nh && strcmp(h[i].case_id, c.case_id); i++)
			;
		if (i == nh) {
			say(out, "folder %s: case %s is not named in the crawl seal\n", dirs[d], c.case_id);
			intact = 1;
			continue;
		}
		if (h[i].dir >= 0) {
			say(out, "folder %s: case %s was given already (%s)\n", dirs[d], c.case_id, dirs[h[i].dir]);
			continue;
		}
		h[i].dir = (int)d;
		if (strcmp(c.seal_sha256, h[i].seal)) {
			seal_closing_t again;
			if (seal_case_closing(dirs[d], 0, h[i].seal, &again, &e) == ARC_OK && again.wanted_found) {
				say(out, "host %s: the case was opened again after the crawl seal (a --resume or "
				    "custody stamp): the sealed closing head is in it, the records after it are "
				    "not covered by the crawl seal\n", h[i].host);
			} else {
				say(out, "host %s: FAILED: folder %s's closing head (%llu records, seal %s) is not "
				    "the one the crawl seal names (%llu records, seal %s)\n", h[i].host, dirs[d],
				    (unsigned long long)c.records, c.seal_sha256, h[i].records, h[i].seal);
				failed = 1;
			}
		} else if (c.tree_size != h[i].tree_size || c.records != h[i].records || strcmp(c.root, h[i].root)) {
			say(out, "host %s: FAILED: the closing seal matches but its head does not\n", h[i].host);
			failed = 1;
		}
	}
	/* per host, and in all */
	{
		unsigned long long t_urls = 0, t_recs = 0, t_dups = 0, t_again = 0;
		for (i = 0; i < nh; i++) {
			unsigned long long mine = 0, again = 0;
			if (h[i].dir < 0) {
				say(out, "host %s: MISSING: case %s (%llu records) is in the crawl seal but its "
				    "folder was not given\n", h[i].host, h[i].case_id, h[i].records);
				missing++;
				continue;
			}
			if (count_urls(dirs[h[i].dir], all, &mine, &again))
				goto nomem;
			say(out, "host %s: %s: %llu URLs, %llu records, %llu duplicates (captured after its lease "
			    "moved on), case %s\n", h[i].host, dirs[h[i].dir], mine, h[i].records,
			    h[i].duplicates, h[i].case_id);
			t_urls += mine;
			t_recs += h[i].records;
			t_dups += h[i].duplicates;
			t_again += again;
		}
		say(out, "crawl: %zu of %zu hosts present, %zu distinct URLs (%llu captures; %llu URLs captured "
		    "by more than one host), %llu records, %llu duplicates listed\n", nh - missing, nh,
		    arc_map_count(all), t_urls, t_again, t_recs, t_dups);
	}
	if (missing) {
		say(out, "crawl seal: %zu host folder%s missing: the crawl is not verified as a whole\n",
		    missing, missing == 1 ? "" : "s");
		intact = 1;
	}
done:
	arc_buf_free(&head);
	arc_buf_free(&cms);
	arc_buf_free(&tsr);
	free(h);
	arc_map_free(all, NULL);
	return failed ? VF_CS_FAILED : intact ? VF_CS_INTACT : VF_CS_VERIFIED;
nomem:
	arc_buf_free(&head);
	arc_buf_free(&cms);
	arc_buf_free(&tsr);
	free(h);
	arc_map_free(all, NULL);
	return -1;
}
