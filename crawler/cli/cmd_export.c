/*
 * cmd_export.c — `custody export`: take a case, or some of its pages, out of
 * the case, in one of three forms chosen in one place (export_kind):
 *
 *  - an exhibit (-o FILE.warc.zst): one .warc.zst holding a warcinfo record
 *    of its own (naming the case with Custody-Exhibit-Of), the chosen records
 *    copied frame for frame (the exact bytes of the case, so every digest and
 *    leaf hash is unchanged), the first seal that covers them (and any stamp
 *    records completing it), and a proof record
 *    (application/vnd.custody.proof+json) with each chosen record's RFC 9162
 *    inclusion proof in that seal's tree; custody-verify checks it alone;
 *  - a WACZ (--wacz, or -o FILE.wacz) for ReplayWeb.page, and
 *  - .warc.gz files with index.cdxj (--warc-gz -o DIR) for pywb;
 *    both written by archive/export/wacz.c, every record byte for byte in its own
 *    gzip member.
 *
 * With --url/--record nothing else of the case leaves: other pages, other
 * victims, are not disclosed.
 *
 * Exit status: 0 written; 1 the chosen records are not sealed yet (exhibit:
 * nothing written) or the export failed; 2 usage error, nothing matched, or
 * the case could not be read.
 *
 * Must never: write a record byte that differs from the case, modify the
 * case, or include a record that was not chosen (besides the seal, its
 * stamps, the proof, and what belongs to a chosen capture).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "crawler.h"

static const cli_opt_t export_opts[] = {
	{"output", 'o', "PATH", "Where to write: an exhibit FILE.warc.zst, a FILE.wacz, or the directory for "
	                        "--warc-gz. Never overwritten. Required."},
	{"url", 0, "URL", "Export the capture of URL (exactly as captured): its response (or revisit), "
	                  "request, capture metadata and findings records. Repeatable."},
	{"record", 0, "ID", "Export the record with this WARC-Record-ID (with or without <>) and the records "
	                    "that belong to it. Repeatable."},
	{"wacz", 0, NULL, "Write one WACZ 1.1.1 file (-o FILE.wacz): the records as .warc.gz inside, "
	                  "indexes/index.cdxj, pages/pages.jsonl (doxing pages marked), datapackage.json. "
	                  "Open it in ReplayWeb.page. Without --url/--record: the whole case."},
	{"warc-gz", 0, NULL, "Write .warc.gz files (one gzip member per record) and index.cdxj into the "
	                     "directory -o DIR, for pywb (wb-manager add) and other WARC tools."},
	{"title", 0, "TEXT", "Title of the WACZ (default: the case directory's name)."},
	{0},
};

static const cli_cmd_t export_cmd = {
	"export",
	"custody export CASE_DIR (--url URL | --record ID)... -o EXHIBIT.warc.zst\n"
	"       custody export CASE_DIR (--wacz -o FILE.wacz | --warc-gz -o DIR) [--url URL]... [--record ID]...",
	"Take evidence out of a case without changing a byte of it.\n\n"
	"An exhibit (-o FILE.warc.zst) holds the chosen pages' records exactly as captured, the seal that "
	"covers them and an inclusion proof for each, so a court can check one page against the signed, "
	"time-stamped seal without receiving the rest of the case: `custody-verify --trust ... --tsa-trust "
	"... EXHIBIT.warc.zst` checks it alone. The seal chosen is the first one written after the last "
	"chosen record; records written after the case's last seal cannot be exported as an exhibit until "
	"the case is sealed again (resume the crawl, or run `custody stamp`).\n\n"
	"A WACZ (--wacz) or .warc.gz files (--warc-gz) are for replay tools (ReplayWeb.page, pywb): every "
	"record is copied byte for byte into its own gzip member, so every digest still holds and "
	"custody-verify checks the export as it checks the case; the evidence itself stays .warc.zst. "
	"With --url or --record only the chosen captures leave, each with its request, capture metadata "
	"and findings, the original of a revisit, and the warcinfo record of the files they came from.\n\n"
	"Exit status: 0 written, 1 the records are not sealed yet (exhibit) or writing failed, 2 usage "
	"error, nothing matched, or the case could not be read.",
	export_opts,
	"custody export case1 --url http://forum.example/thread/101.html -o thread101.warc.zst\n"
	"custody-verify --trust operator.crt --tsa-trust tsa-ca.pem thread101.warc.zst\n"
	"custody export case1 --wacz -o case1.wacz\n"
	"custody export case1 --warc-gz -o case1-gz && wb-manager add coll case1-gz/*.warc.gz\n"
	"custody export case1 --wacz --url https://forum.example/thread/1 -o thread1.wacz\n",
	NULL, /* few options: --help shows them all */
};

#define EXPORT_MAX_SEL 4096 /* --url and --record each */

typedef enum { KIND_NONE, KIND_WACZ, KIND_WARCGZ, KIND_EXHIBIT } export_kind_t;

typedef struct {
	int wacz, warcgz;
	const char *out, *title;
	const char **urls, **records;
	size_t nurls, nrecords;
	int oom, too_many;
} export_args_t;

static int push(const char ***v, size_t *n, const char *s)
{
	void *p = *v;
	size_t cap = *n;
	if (arc_vec_reserve(&p, &cap, *n + 1, sizeof **v, EXPORT_MAX_SEL))
		return -1;
	*v = p;
	(*v)[(*n)++] = s;
	return 0;
}

static int export_on_opt(void *ctx, const char *name, const char *arg)
{
	export_args_t *a = ctx;

	if (!strcmp(name, "wacz"))
		a->wacz = 1;
	else if (!strcmp(name, "warc-gz"))
		a->warcgz = 1;
	else if (!strcmp(name, "output"))
		a->out = arg;
	else if (!strcmp(name, "title"))
		a->title = arg;
	else if (!strcmp(name, "url"))
		a->oom |= push(&a->urls, &a->nurls, arg);
	else if (!strcmp(name, "record"))
		a->oom |= push(&a->records, &a->nrecords, arg);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* The one place the output kind is decided. */
static export_kind_t export_kind(const export_args_t *a, const char **why)
{
	*why = NULL;
	if (a->wacz && a->warcgz) {
		*why = "give --wacz or --warc-gz, not both";
		return KIND_NONE;
	}
	if (a->wacz)
		return KIND_WACZ;
	if (a->warcgz)
		return KIND_WARCGZ;
	if (ends_with(a->out, ".warc.zst"))
		return KIND_EXHIBIT;
	if (ends_with(a->out, ".wacz"))
		return KIND_WACZ;
	*why = "say what to write: -o EXHIBIT.warc.zst (with --url or --record), --wacz -o FILE.wacz, or "
	       "--warc-gz -o DIR";
	return KIND_NONE;
}

/* One record of the case, in log order. */
typedef struct {
	char *id, *type, *uri, *conc, *refers, *ct;
	size_t file;
	uint64_t offset, length;
	int chosen;
} rec_t;

static char *dupf(const warc_rec_t *r, const char *name)
{
	const char *v = warc_rec_get(r, name);
	return v ? strdup(v) : NULL;
}

static int same_id(const char *a, const char *b)
{
	size_t na, nb;

	if (!a || !b)
		return 0;
	if (*a == '<')
		a++;
	if (*b == '<')
		b++;
	na = strcspn(a, ">");
	nb = strcspn(b, ">");
	return na == nb && !memcmp(a, b, na);
}

static int copy_frame(const char *path, uint64_t off, uint64_t len, arc_sink_t *sink)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char buf[65536];
	int rc = 0;

	if (fd < 0)
		return -1;
	while (len > 0 && rc == 0) {
		size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n <= 0)
			rc = -1;
		else if (sink->write(sink->ctx, buf, (size_t)n) != ARC_OK)
			rc = -1;
		else {
			off += (uint64_t)n;
			len -= (uint64_t)n;
		}
	}
	close(fd);
	return rc;
}

/* The exhibit: the chosen records, their seal and the inclusion proofs. */
static int export_exhibit(const char *dir, const char *const *urls, size_t nurls,
                          const char *const *ids, size_t nids, const char *out_path)
{
	arc_case_files_t files;
	arc_error_t err;
	rec_t *v = NULL;
	unsigned char (*leaves)[MERKLE_HASH_LEN] = NULL;
	size_t n = 0, cap = 0, i, j, last = 0, nchosen = 0, seal = (size_t)-1;
	int rc, have_files = 0;
	char case_id[ARC_UUID_LEN] = "";

	if (!nurls && !nids) {
		fprintf(stderr, "custody export: an exhibit holds chosen pages: give --url or --record\n"
		                "Try 'custody export --help'.\n");
		return 2;
	}

	memset(&err, 0, sizeof err);
	if (arc_case_files(dir, &files, &err) != ARC_OK) {
		fprintf(stderr, "custody export: %s\n", err.msg);
		return 2;
	}
	if (files.n == 0) {
		fprintf(stderr, "custody export: no capture files in %s\n", dir);
		arc_case_files_free(&files);
		return 2;
	}
	have_files = 1;
	rc = 2;
	/* the whole log: one leaf per record, in order */
	for (i = 0; i < files.n; i++) {
		warc_reader_t *r = warc_reader_open(files.v[i].path, NULL, &err);
		warc_rec_t rec;
		int rr = -1;
		while (r && (rr = warc_reader_next(r, &rec, &err)) == 1) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				rec_t *nv = realloc(v, nc * sizeof *nv);
				unsigned char (*nl)[MERKLE_HASH_LEN] = nv ? realloc(leaves, nc * sizeof *nl) : NULL;
				if (!nv || !nl) {
					if (nv)
						v = nv;
					fprintf(stderr, "custody export: out of memory\n");
					warc_reader_free(r);
					goto out;
				}
				v = nv;
				leaves = nl;
				cap = nc;
			}
			memset(&v[n], 0, sizeof v[n]);
			v[n].id = dupf(&rec, "WARC-Record-ID");
			v[n].type = dupf(&rec, "WARC-Type");
			v[n].uri = dupf(&rec, "WARC-Target-URI");
			v[n].conc = dupf(&rec, "WARC-Concurrent-To");
			v[n].refers = dupf(&rec, "WARC-Refers-To");
			v[n].ct = dupf(&rec, "Content-Type");
			v[n].file = i;
			v[n].offset = rec.offset;
			v[n].length = rec.length;
			if (!case_id[0] && warc_rec_get(&rec, "Custody-Case-ID"))
				snprintf(case_id, sizeof case_id, "%s", warc_rec_get(&rec, "Custody-Case-ID"));
			merkle_leaf_hash(rec.header, rec.header_len, leaves[n]);
			n++;
		}
		warc_reader_free(r);
		if (rr != 0) {
			fprintf(stderr, "custody export: %s: the case cannot be read past this point\n",
			        r ? err.msg : files.v[i].path);
			goto out;
		}
	}
	/* choose: responses/revisits by URL or records by id, then what refers to them */
	for (i = 0; i < n; i++) {
		int resp = v[i].type && (!strcmp(v[i].type, "response") || !strcmp(v[i].type, "revisit"));
		for (j = 0; j < nurls; j++)
			if (resp && v[i].uri && !strcmp(v[i].uri, urls[j]))
				v[i].chosen = 1;
		for (j = 0; j < nids; j++)
			if (same_id(v[i].id, ids[j]))
				v[i].chosen = 1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].chosen != 1)
			continue;
		for (j = 0; j < n; j++) {
			int is_seal = v[j].ct && (!strcmp(v[j].ct, SEAL_CT_STH) || !strcmp(v[j].ct, SEAL_CT_STAMP));
			if (!v[j].chosen && !is_seal && (same_id(v[j].conc, v[i].id) || same_id(v[j].refers, v[i].id)))
				v[j].chosen = 2;
		}
	}
	for (i = 0; i < n; i++)
		if (v[i].chosen) {
			nchosen++;
			last = i;
		}
	if (!nchosen) {
		fprintf(stderr, "custody export: nothing in %s matches the --url/--record given\n", dir);
		goto out;
	}
	for (i = last + 1; i < n; i++)
		if (v[i].type && !strcmp(v[i].type, "metadata") && v[i].ct && !strcmp(v[i].ct, SEAL_CT_STH)) {
			seal = i;
			break;
		}
	if (seal == (size_t)-1) {
		fprintf(stderr, "custody export: the chosen records are after the case's last seal: not "
		                "sealed yet (resume the crawl, or run custody stamp, to seal them)\n");
		rc = 1;
		goto out;
	}
	{
		arc_sink_t sink;
		warc_writer_t *w;
		warc_record_t rec;
		warc_field_t f[3];
		json_t *proof = json_object(), *arr = json_array();
		unsigned char root[MERKLE_HASH_LEN], path[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
		char hex[2 * MERKLE_HASH_LEN + 1], *body = NULL, info[1024];
		const char *base = strrchr(out_path, '/');
		int fd, ok = 1;

		fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "custody export: cannot create %s: %s\n", out_path, strerror(errno));
			json_decref(proof);
			json_decref(arr);
			goto out;
		}
		close(fd);
		if (arc_sink_file_open(&sink, out_path, &err) != ARC_OK || !(w = warc_writer_new(&sink, NULL))) {
			fprintf(stderr, "custody export: %s\n", err.msg);
			json_decref(proof);
			json_decref(arr);
			goto out;
		}
		snprintf(info, sizeof info, "software: custody/%s\r\nformat: WARC File Format 1.1\r\n"
		         "description: an exhibit of case %s: %zu records, the seal that covers them and "
		         "their inclusion proofs\r\n", CUSTODY_VERSION, case_id, nchosen);
		f[0] = (warc_field_t){ "WARC-Filename", base ? base + 1 : out_path };
		f[1] = (warc_field_t){ "Custody-Exhibit-Of", case_id[0] ? case_id : "unknown" };
		memset(&rec, 0, sizeof rec);
		rec.type = "warcinfo";
		rec.content_type = "application/warc-fields";
		rec.fields = f;
		rec.nfields = 2;
		rec.block = info;
		rec.block_len = strlen(info);
		ok = warc_writer_write(w, &rec, NULL, &err) == ARC_OK;
		merkle_root_of((const unsigned char (*)[MERKLE_HASH_LEN])leaves, seal, root);
		for (i = 0; ok && i < n; i++) {
			size_t plen = 0, k;
			json_t *p, *e;
			int stamp_of_seal = v[i].ct && !strcmp(v[i].ct, SEAL_CT_STAMP) && same_id(v[i].refers, v[seal].id);
			if (!v[i].chosen && i != seal && !stamp_of_seal)
				continue;
			if (copy_frame(files.v[v[i].file].path, v[i].offset, v[i].length, &sink) != 0) {
				fprintf(stderr, "custody export: cannot copy a record from %s\n", files.v[v[i].file].path);
				ok = 0;
				break;
			}
			if (!v[i].chosen)
				continue;
			merkle_inclusion_proof((const unsigned char (*)[MERKLE_HASH_LEN])leaves, seal, i, path, &plen);
			p = json_array();
			for (k = 0; k < plen; k++) {
				merkle_hex(path[k], hex);
				json_array_append_new(p, json_string(hex));
			}
			merkle_hex(leaves[i], hex);
			e = json_pack("{s:s, s:I, s:s, s:o}", "id", v[i].id, "index", (json_int_t)i, "leaf", hex,
			              "path", p);
			json_array_append_new(arr, e);
		}
		merkle_hex(root, hex);
		json_object_set_new(proof, "seal", json_string(v[seal].id));
		json_object_set_new(proof, "tree_size", json_integer((json_int_t)seal));
		json_object_set_new(proof, "root", json_string(hex));
		json_object_set_new(proof, "records", arr);
		body = json_dumps(proof, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(proof);
		if (ok && body) {
			char target[ARC_UUID_LEN + 32];
			snprintf(target, sizeof target, "urn:custody:proof:%s", case_id);
			f[0] = (warc_field_t){ "WARC-Refers-To", v[seal].id };
			memset(&rec, 0, sizeof rec);
			rec.type = "metadata";
			rec.target_uri = target;
			rec.content_type = SEAL_CT_PROOF;
			rec.fields = f;
			rec.nfields = 1;
			rec.block = body;
			rec.block_len = strlen(body);
			ok = warc_writer_write(w, &rec, NULL, &err) == ARC_OK;
		}
		free(body);
		ok = ok && sink.flush(sink.ctx) == ARC_OK && sink.sync(sink.ctx) == ARC_OK;
		warc_writer_free(w);
		arc_sink_file_close(&sink);
		if (!ok) {
			fprintf(stderr, "custody export: writing %s failed%s%s\n", out_path, err.msg[0] ? ": " : "", err.msg);
			unlink(out_path);
			goto out;
		}
		printf("%s: %zu records of %s, sealed by the seal at log index %zu, with inclusion proofs\n",
		       out_path, nchosen, dir, seal);
		rc = 0;
	}
out:
	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].type);
		free(v[i].uri);
		free(v[i].conc);
		free(v[i].refers);
		free(v[i].ct);
	}
	free(v);
	free(leaves);
	if (have_files)
		arc_case_files_free(&files);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	export_args_t a;
	arc_export_opts_t o;
	arc_export_stats_t st;
	arc_error_t err;
	export_kind_t kind;
	const char *why;
	char software[64];
	int first = 0, rc;

	memset(&a, 0, sizeof a);
	rc = cli_parse(&export_cmd, argc, argv, export_on_opt, &a, &first);
	if (rc) {
		free(a.urls);
		free(a.records);
		return rc == 1 ? 0 : 2;
	}
	rc = 2;
	if (a.oom) {
		fprintf(stderr, "custody export: at most %d --url and %d --record (or out of memory)\n",
		        EXPORT_MAX_SEL, EXPORT_MAX_SEL);
		goto out;
	}
	if (first != argc - 1 || !a.out) {
		fprintf(stderr, "custody export: give one CASE_DIR and -o PATH\n"
		                "Try 'custody export --help' for the options.\n");
		goto out;
	}
	kind = export_kind(&a, &why);
	if (kind == KIND_NONE) {
		fprintf(stderr, "custody export: %s\n", why);
		goto out;
	}
	if (kind == KIND_EXHIBIT) {
		rc = export_exhibit(argv[first], a.urls, a.nurls, a.records, a.nrecords, a.out);
		goto out;
	}
	snprintf(software, sizeof software, "custody/%s", CUSTODY_VERSION);
	memset(&o, 0, sizeof o);
	o.urls = a.urls;
	o.nurls = a.nurls;
	o.records = a.records;
	o.nrecords = a.nrecords;
	o.software = software;
	o.title = a.title;
	if (kind == KIND_WACZ)
		rc = arc_export_wacz(argv[first], a.out, &o, &st, &err);
	else
		rc = arc_export_warcgz(argv[first], a.out, &o, &st, &err);
	if (rc != ARC_OK) {
		fprintf(stderr, "custody export: %s\n", err.msg);
		rc = rc == ARC_EINVAL ? 2 : 1;
		goto out;
	}
	if (kind == KIND_WACZ)
		printf("%s: %zu records from %zu capture file%s, %zu page%s (%zu doxing), %llu bytes of WARC.gz\n",
		       a.out, st.records, st.files, st.files == 1 ? "" : "s", st.pages,
		       st.pages == 1 ? "" : "s", st.doxing_pages, (unsigned long long)st.bytes);
	else
		printf("%s: %zu records in %zu .warc.gz file%s (%llu bytes) and index.cdxj\n", a.out,
		       st.records, st.files, st.files == 1 ? "" : "s", (unsigned long long)st.bytes);
	rc = 0;
out:
	free(a.urls);
	free(a.records);
	return rc;
}
