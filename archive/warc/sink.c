/*
 * sink.c — where compressed WARC frames go: an append-only file or memory.
 *
 * The writer needs exactly five things from its output: append bytes, know
 * the current offset (the offset of the next frame, which the CDXJ index and
 * the Merkle log record), flush, fsync, and cut back to an offset when a frame
 * could only be written in part — so that a full disk leaves a file whose
 * every frame is whole. A file sink must never seek backwards except through
 * truncate(), and never silently drop a short write.
 */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	int fd;
	uint64_t off;      /* current end of file, the next frame's offset */
	char path[4096];
} file_sink_t;

static int errno_code(int e)
{
	return (e == ENOSPC || e == EDQUOT || e == EFBIG) ? ARC_ENOSPC : ARC_EIO;
}

/* On failure errno is left as the failing call set it, so the writer can say
 * why in its message. */
static int file_write(void *ctx, const void *buf, size_t len)
{
	file_sink_t *f = ctx;
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno_code(errno);
		}
		if (n == 0) {
			errno = ENOSPC;
			return ARC_ENOSPC;
		}
		p += n;
		len -= (size_t)n;
		f->off += (uint64_t)n;
	}
	return ARC_OK;
}

/* Nothing is buffered in user space: every write() went to the kernel. */
static int file_flush(void *ctx)
{
	(void)ctx;
	return ARC_OK;
}

static int file_sync(void *ctx)
{
	file_sink_t *f = ctx;

	if (fsync(f->fd) != 0)
		return errno_code(errno);
	return ARC_OK;
}

static int file_truncate(void *ctx, uint64_t offset)
{
	file_sink_t *f = ctx;

	if (offset > f->off || offset > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return ARC_EINVAL;
	}
	while (ftruncate(f->fd, (off_t)offset) != 0) {
		if (errno != EINTR)
			return ARC_EIO;
	}
	f->off = offset;
	return ARC_OK;
}

static uint64_t file_tell(void *ctx)
{
	return ((file_sink_t *)ctx)->off;
}

int arc_sink_file_open(arc_sink_t *s, const char *path, arc_error_t *err)
{
	file_sink_t *f;
	struct stat st;
	size_t n = strlen(path);

	memset(s, 0, sizeof *s);
	if (n >= sizeof f->path)
		return arc_fail(err, ARC_EINVAL, path, 0, NULL,
		                "%.200s...: path too long", path);
	f = calloc(1, sizeof *f);
	if (!f)
		return arc_fail(err, ARC_ENOMEM, path, 0, NULL,
		                "%s: out of memory", path);
	memcpy(f->path, path, n + 1);
	/* O_APPEND: even a second writer by mistake cannot overwrite frames */
	f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;
		free(f);
		return arc_fail(err, errno_code(e), path, 0, NULL,
		                "cannot open %s for writing: %s", path, strerror(e));
	}
	if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(f->fd);
		free(f);
		return arc_fail(err, ARC_EIO, path, 0, NULL, "%s: %s", path,
		                e ? strerror(e) : "not a regular file");
	}
	f->off = (uint64_t)st.st_size;
	s->write = file_write;
	s->flush = file_flush;
	s->sync = file_sync;
	s->truncate = file_truncate;
	s->tell = file_tell;
	s->ctx = f;
	return ARC_OK;
}

void arc_sink_file_close(arc_sink_t *s)
{
	file_sink_t *f;

	if (!s || !s->ctx)
		return;
	f = s->ctx;
	close(f->fd);
	free(f);
	memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- memory */

static int mem_write(void *ctx, const void *buf, size_t len)
{
	return arc_buf_append(ctx, buf, len);
}

static int mem_nop(void *ctx)
{
	(void)ctx;
	return ARC_OK;
}

static int mem_truncate(void *ctx, uint64_t offset)
{
	arc_buf_t *b = ctx;

	if (offset > b->len)
		return ARC_EINVAL;
	b->len = (size_t)offset;
	return ARC_OK;
}

static uint64_t mem_tell(void *ctx)
{
	return ((arc_buf_t *)ctx)->len;
}

void arc_sink_mem(arc_sink_t *s, arc_buf_t *buf)
{
	s->write = mem_write;
	s->flush = mem_nop;
	s->sync = mem_nop;
	s->truncate = mem_truncate;
	s->tell = mem_tell;
	s->ctx = buf;
}
