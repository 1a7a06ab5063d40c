/*
 * case.c — a case directory: capture-<id8>-NNNNN.warc.zst files, rotated by
 * size, each starting with a warcinfo record; index.cdxj rebuilt on close.
 *
 * The case id (urn:uuid) is made with the first file and read back from the
 * newest warcinfo that carries it (Custody-Case-ID) when the case is opened
 * again; its first 8 hex digits are in every file name, so files of two cases
 * pooled in one collection never share a name.
 *
 * Numbering continues after the highest capture number already in the directory,
 * so a resumed or repeated crawl never appends to (or rewrites) a file that
 * may already be sealed, or whose last frame was torn when a process was
 * killed mid-write: every open starts a fresh file, created with O_EXCL.
 * A torn file is left as it is (it is evidence of what happened); the reader
 * reports its tail as "zstd frame truncated" with file and offset, and the
 * index keeps every record before it. Only --resume (cut_torn_tail) cuts a
 * last file that ends inside its last frame back to its last whole record,
 * as DESIGN.md's crash safety asks: that frame never was a record, and the
 * case's Merkle log (every record a leaf, rebuilt here from the files) must
 * go on from a readable end. arc_case_sync also syncs the directory
 * once per new file, so a synced file's name survives a power cut. Rotation happens
 * before a write, once the current file has reached max_file_size and holds
 * at least one record after its warcinfo, so no file is ever warcinfo-only
 * except the one an empty session leaves. Records never span files.
 *
 * A process that opens the same case again and again (custody watch) can
 * hand over the log from one close to the next open (arc_case_state_t): the
 * files are then not read again, provided the newest file is still the one
 * that close left, at the size it left (anything else: rebuilt from the files).
 *
 * Must never: overwrite an existing capture file, write a record to a file
 * that does not start with a warcinfo record, or report success for a write
 * that did not reach the kernel.
 */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CASE_NAME_MAX ARC_CASE_NAME_MAX

struct arc_case {
	char *dir;
	int lock_fd;            /* CASE/.lock, flock'd while this writer has the case */
	uint64_t max_file_size;
	int level;
	char *software, *command_line, *operator_, *robots, *note, *extra_info;
	char *hostname;         /* warcinfo's hostname, NULL: gethostname() */
	char case_id[ARC_UUID_LEN];        /* "urn:uuid:..." */
	char short_id[9];                  /* its first 8 hex digits, in file names */
	unsigned long num;                 /* number of the current file */
	arc_sink_t sink;
	int open;                          /* sink holds an open file */
	uint64_t records;                  /* records in the current file after warcinfo */
	int dir_synced;                    /* the current file's directory entry is on disk */
	warc_writer_t *w;
	char name[CASE_NAME_MAX];          /* current file's basename */
	char last[CASE_NAME_MAX];          /* file the last record went to */
	char path[PATH_MAX];               /* current file's path */
	merkle_tree_t tree;                /* the case's log: one leaf per record, in write order */
	int have_seal;                     /* a seal was found or written */
	uint64_t seal_size;                /* the tree size it covered (its own index in the log) */
	unsigned char seal_root[MERKLE_HASH_LEN];
	arc_case_hook_fn hook;             /* the sealer, or NULL */
	void *hook_ctx;
	int in_hook;                       /* the hook is writing: no hooks, no rotation */
	arc_case_state_t *state;           /* opts->state: filled at close */
	int skip_index;                    /* opts->skip_index */
};

static char *dup_or_null(const char *s, int *oom)
{
	char *d;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	d = malloc(n + 1);
	if (!d) {
		*oom = 1;
		return NULL;
	}
	memcpy(d, s, n + 1);
	return d;
}

/* warcinfo values are one line each: control bytes become \xNN. */
static int put_info(arc_buf_t *b, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;

	if (!value || !*value)
		return ARC_OK;
	if (arc_buf_printf(b, "%s: ", name))
		return ARC_ENOMEM;
	for (; *p; p++) {
		int rc = (*p < 32 || *p == 127) ? arc_buf_printf(b, "\\x%02x", *p)
		                                : arc_buf_append(b, p, 1);
		if (rc)
			return ARC_ENOMEM;
	}
	return arc_buf_append(b, "\r\n", 2);
}

static int write_warcinfo(arc_case_t *c, arc_error_t *err)
{
	arc_buf_t body = { 0 };
	char host[256] = "";
	const char *base = strrchr(c->dir, '/');
	warc_field_t f[2];
	warc_record_t rec;
	int rc;

	if (c->hostname)
		snprintf(host, sizeof host, "%s", c->hostname);
	else if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	base = base && base[1] ? base + 1 : c->dir;
	rc = put_info(&body, "software", c->software ? c->software : "custody");
	if (!rc) rc = put_info(&body, "format", "WARC File Format 1.1");
	if (!rc) rc = put_info(&body, "conformsTo",
	                       "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/");
	if (!rc) rc = put_info(&body, "hostname", host);
	if (!rc) rc = put_info(&body, "operator", c->operator_);
	if (!rc) rc = put_info(&body, "isPartOf", base);
	if (!rc) rc = put_info(&body, "command-line", c->command_line);
	if (!rc) rc = put_info(&body, "robots", c->robots);
	if (!rc) rc = put_info(&body, "note", c->note);
	if (!rc) rc = put_info(&body, "zstd-framing", "one frame per record");
	/* the caller's further fields: "name: value" lines */
	for (const char *l = c->extra_info; !rc && l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *colon = memchr(l, ':', len);
		if (colon && colon > l && colon - l < 64) {
			char name[64];
			const char *v = colon + 1, *end = l + len;
			if (v < end && *v == ' ')
				v++;
			char *value = strndup(v, (size_t)(end - v));
			memcpy(name, l, (size_t)(colon - l));
			name[colon - l] = '\0';
			rc = value ? put_info(&body, name, value) : ARC_ENOMEM;
			free(value);
		}
		l = nl ? nl + 1 : l + len;
	}
	if (rc) {
		arc_buf_free(&body);
		return arc_fail(err, ARC_ENOMEM, c->path, 0, NULL, "%s: out of memory", c->path);
	}
	f[0].name = "WARC-Filename";
	f[0].value = c->name;
	f[1].name = "Custody-Case-ID";
	f[1].value = c->case_id;
	memset(&rec, 0, sizeof rec);
	rec.type = "warcinfo";
	rec.content_type = ARC_CT_WARC_FIELDS;
	rec.fields = f;
	rec.nfields = 2;
	rec.block = body.data;
	rec.block_len = body.len;
	{
		warc_written_t w;
		memset(&w, 0, sizeof w);
		rc = warc_writer_write(c->w, &rec, &w, err);
		if (rc == ARC_OK)
			rc = merkle_append_data(&c->tree, w.header.data, w.header.len);
	}
	arc_buf_free(&body);
	return rc;
}

/* Put the writer's file name in front of its message. */
static int name_error(arc_case_t *c, int rc, arc_error_t *err)
{
	char msg[sizeof err->msg];
	char id[sizeof err->record_id];
	uint64_t off;

	if (!err)
		return rc;
	memcpy(msg, err->msg, sizeof msg);
	memcpy(id, err->record_id, sizeof id);
	off = err->offset;
	return arc_fail(err, rc, c->path, off, id, "%s: %s%s", c->path, msg,
	                rc == ARC_ENOSPC ? " (disk full: the file holds every record "
	                                   "written before this one)" : "");
}

/* Open the next capture file (never an existing one) and write its warcinfo. */
static int open_next(arc_case_t *c, arc_error_t *err)
{
	int rc, tries, fd;

	for (tries = 0;; tries++, c->num++) {
		int n = snprintf(c->name, sizeof c->name, "capture-%s-%05lu.warc.zst", c->short_id, c->num);
		if (n < 0 || (size_t)n >= sizeof c->name ||
		    (size_t)snprintf(c->path, sizeof c->path, "%s/%s", c->dir, c->name) >= sizeof c->path)
			return arc_fail(err, ARC_EINVAL, c->dir, 0, NULL,
			                "%s: path too long", c->dir);
		/* O_EXCL: the file is ours alone, never one that exists (a torn
		 * file from a killed run, another process's file) */
		fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries >= 1000) {
			int e = errno;
			return arc_fail(err, (e == ENOSPC || e == EDQUOT) ? ARC_ENOSPC : ARC_EIO,
			                c->path, 0, NULL, "cannot create %s: %s — choose another -o directory",
			                c->path, e == EEXIST ? "1000 capture files in a row already exist" : strerror(e));
		}
	}
	close(fd);
	c->dir_synced = 0;
	/* the sink appends to the empty file just created */
	rc = arc_sink_file_open(&c->sink, c->path, err);
	if (rc != ARC_OK) {
		if (err) {
			char msg[sizeof err->msg];
			memcpy(msg, err->msg, sizeof msg);
			arc_fail(err, rc, c->path, 0, NULL, "%s — choose another -o directory", msg);
		}
		return rc;
	}
	c->open = 1;
	c->records = 0;
	if (!c->w) { /* the writer keeps pointing at c->sink across rotations */
		warc_writer_opts_t wo;
		memset(&wo, 0, sizeof wo);
		wo.level = c->level;
		c->w = warc_writer_new(&c->sink, &wo);
		if (!c->w)
			return arc_fail(err, ARC_EINVAL, c->path, 0, NULL,
			                "%s: cannot set up the writer (out of memory or bad zstd level %d)",
			                c->path, c->level);
	}
	rc = write_warcinfo(c, err);
	if (rc != ARC_OK)
		return name_error(c, rc, err);
	return ARC_OK;
}

static void close_file(arc_case_t *c)
{
	if (c->open) {
		arc_sink_file_close(&c->sink);
		c->open = 0;
	}
}

/* One writer per case: an exclusive flock on CASE/.lock, which the kernel
 * drops when the process ends however it ends (kill -9 leaves no stale lock).
 * The holder writes who it is into the file, so a second writer can say who
 * has the case. Returns the fd, or -1 with err set (nothing written). */
static int case_lock(const char *dir, const char *command, arc_error_t *err)
{
	char path[PATH_MAX], who[600];
	int fd;

	if (snprintf(path, sizeof path, "%s/.lock", dir) >= (int)sizeof path) {
		arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s: the path is too long", dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int e = errno;
		arc_fail(err, ARC_EIO, path, 0, NULL, "cannot open %s: %s", path, strerror(e));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		ssize_t n = e == EWOULDBLOCK ? pread(fd, who, sizeof who - 1, 0) : -1;
		who[n > 0 ? n : 0] = '\0';
		who[strcspn(who, "\n")] = '\0';
		close(fd);
		if (e == EWOULDBLOCK)
			arc_fail(err, ARC_EBUSY, dir, 0, NULL,
			         "%s is being written by another custody process (%s): nothing was written; "
			         "wait until it ends, or stop it (Ctrl-C in its terminal) and run `custody crawl "
			         "--resume` later", dir, who[0] ? who : "unknown process");
		else
			arc_fail(err, ARC_EIO, path, 0, NULL, "cannot lock %s: %s", path, strerror(e));
		return -1;
	}
	{
		char when[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
		int n = snprintf(who, sizeof who, "pid %ld, since %s: %.400s\n", (long)getpid(), when,
		                 command && *command ? command : "custody");
		if (ftruncate(fd, 0) != 0 || pwrite(fd, who, (size_t)n, 0) != n) {
			/* the lock holds even if its note cannot be written */
		}
	}
	return fd;
}

static void case_free(arc_case_t *c)
{
	if (!c)
		return;
	close_file(c);
	if (c->lock_fd > 0)
		close(c->lock_fd); /* the lock goes with the descriptor */
	warc_writer_free(c->w);
	free(c->dir);
	free(c->software);
	free(c->command_line);
	free(c->operator_);
	free(c->robots);
	free(c->note);
	free(c->hostname);
	free(c->extra_info);
	free(c);
}

/* "urn:uuid:" + 36 characters of lower-case hex and dashes in 8-4-4-4-12. */
static int valid_case_id(const char *s)
{
	if (strlen(s) != 45 || strncmp(s, "urn:uuid:", 9))
		return 0;
	for (int i = 0; i < 36; i++) {
		char ch = s[9 + i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
	}
	return 1;
}

/* The case id of an existing case: from the newest file whose warcinfo (its
 * first record) carries a valid Custody-Case-ID. ARC_EFORMAT when none does. */
static int case_id_read(const arc_case_files_t *files, char out[ARC_UUID_LEN])
{
	for (size_t i = files->n; i-- > 0;) {
		warc_reader_t *r = warc_reader_open(files->v[i].path, NULL, NULL);
		warc_rec_t rec;
		int found = 0;
		if (r && warc_reader_next(r, &rec, NULL) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *id = warc_rec_get(&rec, "Custody-Case-ID");
			if (type && !strcmp(type, "warcinfo") && id && valid_case_id(id)) {
				memcpy(out, id, strlen(id) + 1);
				found = 1;
			}
		}
		warc_reader_free(r);
		if (found)
			return ARC_OK;
	}
	return ARC_EFORMAT;
}

/* The log of an existing case, read back from its files in order: one leaf
 * per record, and the last seal record seen (a seal at index N covers the N
 * records before it). Reading stops at the first damaged record: what
 * follows cannot be placed in the log, and the verifier will name it. */
static void log_rebuild(arc_case_t *c, const arc_case_files_t *files, int cut_torn_tail)
{
	for (size_t i = 0; i < files->n; i++) {
		warc_reader_t *r = warc_reader_open(files->v[i].path, NULL, NULL);
		warc_rec_t rec;
		arc_error_t e;
		int rc = -1;
		while (r && (rc = warc_reader_next(r, &rec, &e)) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *ct = warc_rec_get(&rec, "Content-Type");
			if (type && ct && !strcmp(type, "metadata") && !strcmp(ct, SEAL_CT_STH)) {
				c->have_seal = 1;
				c->seal_size = c->tree.size;
				merkle_root(&c->tree, c->seal_root);
			}
			merkle_append_data(&c->tree, rec.header, rec.header_len);
		}
		warc_reader_free(r);
		/* a torn tail: the last file ends inside its last frame (the
		 * process died mid-write). That frame was never a record; cut it
		 * so the file reads to its end and the log goes on from there */
		if (rc < 0 && r && cut_torn_tail && i == files->n - 1 && e.code == ARC_EZSTD &&
		    strstr(e.msg, ": zstd frame truncated: the file ends") &&
		    truncate(files->v[i].path, (off_t)e.offset) == 0)
			rc = 0;
		if (rc != 0)
			return;
	}
}

arc_case_t *arc_case_open(const char *dir, const arc_case_opts_t *opts, arc_error_t *err)
{
	arc_case_t *c;
	long maxnum = -1;
	int oom = 0;

	if (!dir || !*dir) {
		arc_fail(err, ARC_EINVAL, "", 0, NULL, "no case directory given");
		return NULL;
	}
	if (arc_mkdirs(dir, 0755) != 0) {
		int e = errno;
		arc_fail(err, ARC_EIO, dir, 0, NULL, "cannot create %s: %s — choose another -o directory",
		         dir, strerror(e));
		return NULL;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		int e = errno;
		arc_fail(err, ARC_EIO, dir, 0, NULL, "cannot create files in %s: %s — choose another -o directory",
		         dir, strerror(e));
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "%s: out of memory", dir);
		return NULL;
	}
	/* before anything is read or cut: one writer per case */
	if ((c->lock_fd = case_lock(dir, opts ? opts->command_line : NULL, err)) < 0) {
		free(c);
		return NULL;
	}
	c->dir = dup_or_null(dir, &oom);
	/* a trailing slash would make "dir//capture-..." in every message */
	if (c->dir) {
		size_t n = strlen(c->dir);
		while (n > 1 && c->dir[n - 1] == '/')
			c->dir[--n] = '\0';
	}
	c->max_file_size = (opts && opts->max_file_size) ? opts->max_file_size : ((uint64_t)1 << 30);
	c->level = opts ? opts->level : 0;
	if (opts) {
		c->software = dup_or_null(opts->software, &oom);
		c->command_line = dup_or_null(opts->command_line, &oom);
		c->operator_ = dup_or_null(opts->operator_, &oom);
		c->robots = dup_or_null(opts->robots, &oom);
		c->note = dup_or_null(opts->note, &oom);
		c->hostname = dup_or_null(opts->hostname, &oom);
		c->extra_info = dup_or_null(opts->extra_info, &oom);
	}
	if (oom || !c->dir) {
		arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "%s: out of memory", dir);
		case_free(c);
		return NULL;
	}
	arc_case_files_t files;
	if (arc_case_files(c->dir, &files, err) != ARC_OK) {
		case_free(c);
		return NULL;
	}
	if (files.n)
		maxnum = (long)files.v[files.n - 1].num;
	c->state = opts ? opts->state : NULL;
	c->skip_index = opts ? opts->skip_index : 0;
	struct stat st;
	if (c->state && c->state->valid && files.n && files.v[files.n - 1].num == c->state->last_num &&
	    stat(files.v[files.n - 1].path, &st) == 0 && (uint64_t)st.st_size == c->state->last_size) {
		/* the files are as this process's last close left them: the log is known */
		c->tree = c->state->tree;
		c->have_seal = c->state->have_seal;
		c->seal_size = c->state->seal_size;
		memcpy(c->seal_root, c->state->seal_root, MERKLE_HASH_LEN);
		memcpy(c->case_id, c->state->case_id, ARC_UUID_LEN);
	} else {
		if (c->state)
			c->state->valid = 0;
		if (case_id_read(&files, c->case_id) != ARC_OK && arc_uuid(c->case_id) != ARC_OK) {
			arc_case_files_free(&files);
			arc_fail(err, ARC_EIO, dir, 0, NULL, "%s: no randomness for the case id", dir);
			case_free(c);
			return NULL;
		}
		log_rebuild(c, &files, opts ? opts->cut_torn_tail : 0);
	}
	arc_case_files_free(&files);
	memcpy(c->short_id, c->case_id + 9, 8); /* "urn:uuid:" + 8 hex digits */
	c->short_id[8] = '\0';
	c->num = (unsigned long)(maxnum + 1);
	if (open_next(c, err) != ARC_OK) {
		case_free(c);
		return NULL;
	}
	return c;
}

static int call_hook(arc_case_t *c, int event, arc_error_t *err)
{
	int rc;

	if (!c->hook || c->in_hook)
		return ARC_OK;
	c->in_hook = 1;
	rc = c->hook(c->hook_ctx, c, event, err);
	c->in_hook = 0;
	return rc;
}

int arc_case_write(arc_case_t *c, const warc_record_t *rec, warc_written_t *out,
                   arc_error_t *err)
{
	int rc;

	if (!c || !rec)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "arc_case_write: bad arguments");
	if (!c->open)
		return arc_fail(err, ARC_EIO, c->dir, 0, NULL,
		                "%s: no capture file open (an earlier rotation failed)", c->dir);
	if (!c->in_hook && c->records > 0 && c->sink.tell(c->sink.ctx) >= c->max_file_size) {
		/* seal first, so every file ends with a seal over all before it */
		if ((rc = call_hook(c, ARC_CASE_BEFORE_ROTATE, err)) != ARC_OK)
			return rc;
		close_file(c);
		c->num++;
		if ((rc = open_next(c, err)) != ARC_OK) {
			close_file(c);
			return rc;
		}
	}
	{
		warc_written_t local;
		if (!out) {
			memset(&local, 0, sizeof local);
			out = &local;
		}
		rc = warc_writer_write(c->w, rec, out, err);
		if (rc != ARC_OK)
			return name_error(c, rc, err);
		/* the leaf: the exact header block, which carries the block digest */
		if ((rc = merkle_append_data(&c->tree, out->header.data, out->header.len)) != ARC_OK)
			return arc_fail(err, rc, c->path, 0, NULL, "%s: the case's log is full", c->path);
	}
	c->records++;
	memcpy(c->last, c->name, sizeof c->last);
	return call_hook(c, ARC_CASE_AFTER_WRITE, err);
}

const merkle_tree_t *arc_case_tree(const arc_case_t *c)
{
	return &c->tree;
}

uint64_t arc_case_file_count(const arc_case_t *c)
{
	return c ? (uint64_t)c->num + 1 : 0; /* numbered from 0, no gaps */
}

int arc_case_last_seal(const arc_case_t *c, uint64_t *size, unsigned char root[MERKLE_HASH_LEN])
{
	if (!c || !c->have_seal)
		return 0;
	*size = c->seal_size;
	memcpy(root, c->seal_root, MERKLE_HASH_LEN);
	return 1;
}

void arc_case_set_last_seal(arc_case_t *c, uint64_t size, const unsigned char root[MERKLE_HASH_LEN])
{
	c->have_seal = 1;
	c->seal_size = size;
	memcpy(c->seal_root, root, MERKLE_HASH_LEN);
}

void arc_case_set_hook(arc_case_t *c, arc_case_hook_fn fn, void *ctx)
{
	c->hook = fn;
	c->hook_ctx = ctx;
}

const char *arc_case_id(const arc_case_t *c)
{
	return c ? c->case_id : "";
}

const char *arc_case_filename(const arc_case_t *c)
{
	if (!c)
		return "";
	return c->last[0] ? c->last : c->name;
}

int arc_case_sync(arc_case_t *c, arc_error_t *err)
{
	int rc;

	if (!c)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "arc_case_sync: no case");
	if (!c->open)
		return ARC_OK;
	rc = c->sink.flush(c->sink.ctx);
	if (rc == ARC_OK)
		rc = c->sink.sync(c->sink.ctx);
	if (rc != ARC_OK) {
		int e = errno;
		return arc_fail(err, rc, c->path, c->sink.tell(c->sink.ctx), NULL,
		                "cannot sync %s: %s", c->path, strerror(e));
	}
	/* fsync of a new file does not make its name durable: once per file,
	 * sync the directory too, or a power cut could lose a sealed file */
	if (!c->dir_synced) {
		int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return arc_fail(err, ARC_EIO, c->dir, 0, NULL, "cannot sync directory %s: %s",
			                c->dir, strerror(e));
		}
		close(fd);
		c->dir_synced = 1;
	}
	return ARC_OK;
}

int arc_case_close(arc_case_t *c, arc_error_t *err)
{
	int rc, rc2;

	if (!c)
		return ARC_OK;
	rc = c->open ? call_hook(c, ARC_CASE_CLOSING, err) : ARC_OK;
	if (rc == ARC_OK)
		rc = arc_case_sync(c, err);
	else
		arc_case_sync(c, NULL);
	close_file(c);
	if (c->state) {
		struct stat st;
		arc_case_state_t *s = c->state;
		s->valid = rc == ARC_OK && stat(c->path, &st) == 0;
		if (s->valid) {
			s->tree = c->tree;
			s->have_seal = c->have_seal;
			s->seal_size = c->seal_size;
			memcpy(s->seal_root, c->seal_root, MERKLE_HASH_LEN);
			memcpy(s->case_id, c->case_id, ARC_UUID_LEN);
			s->last_num = c->num;
			s->last_size = (uint64_t)st.st_size;
		}
	}
	/* the index is rebuilt even after a sync failure: it describes what is there */
	rc2 = c->skip_index ? ARC_OK : cdxj_rebuild(c->dir, rc == ARC_OK ? err : NULL);
	case_free(c);
	return rc != ARC_OK ? rc : rc2;
}
