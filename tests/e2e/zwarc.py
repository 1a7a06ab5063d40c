"""Fast record-level editing of custody capture files for tests (test_structure.py, test_mutate.py).

A .warc.zst file is one zstd frame per record. This module reads a file into a list of raw
records (header bytes, block bytes) and writes a list back, one frame per record with the
content size and checksum custody writes, through libzstd by ctypes (a subprocess per record
would make a mutation run of thousands of files take hours). fix() recomputes Content-Length
and WARC-Block-Digest after an edit, as an attacker who holds only the files would.
Never used on anything but copies in a test's temporary directory.
"""
import ctypes, ctypes.util, hashlib, re

_z = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
_z.ZSTD_createCCtx.restype = ctypes.c_void_p
_z.ZSTD_CCtx_setParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_z.ZSTD_compress2.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]
_z.ZSTD_compress2.restype = ctypes.c_size_t
_z.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_z.ZSTD_compressBound.restype = ctypes.c_size_t
_z.ZSTD_isError.argtypes = [ctypes.c_size_t]
_z.ZSTD_isError.restype = ctypes.c_uint
_z.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]
_z.ZSTD_decompress.restype = ctypes.c_size_t
_z.ZSTD_findFrameCompressedSize.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_z.ZSTD_findFrameCompressedSize.restype = ctypes.c_size_t
_z.ZSTD_getFrameContentSize.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_z.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
_cctx = _z.ZSTD_createCCtx()
_z.ZSTD_CCtx_setParameter(_cctx, 100, 3)   # ZSTD_c_compressionLevel
_z.ZSTD_CCtx_setParameter(_cctx, 200, 1)   # ZSTD_c_contentSizeFlag
_z.ZSTD_CCtx_setParameter(_cctx, 201, 1)   # ZSTD_c_checksumFlag


def compress(data):
    cap = _z.ZSTD_compressBound(len(data))
    out = ctypes.create_string_buffer(cap)
    n = _z.ZSTD_compress2(_cctx, out, cap, data, len(data))
    if _z.ZSTD_isError(n):
        raise ValueError("zstd compress failed")
    return out.raw[:n]


def frames(data):
    """The zstd frames of a file's bytes, each decompressed: [(compressed, plain)]."""
    out, pos = [], 0
    buf = ctypes.create_string_buffer(data, len(data))
    while pos < len(data):
        p = ctypes.byref(buf, pos)
        n = _z.ZSTD_findFrameCompressedSize(p, len(data) - pos)
        if _z.ZSTD_isError(n):
            raise ValueError(f"no zstd frame at {pos}")
        size = _z.ZSTD_getFrameContentSize(p, n)
        if size >= 2 ** 63:
            raise ValueError(f"frame at {pos} without a content size")
        dst = ctypes.create_string_buffer(max(int(size), 1))
        m = _z.ZSTD_decompress(dst, int(size), p, n)
        if _z.ZSTD_isError(m):
            raise ValueError(f"bad zstd frame at {pos}")
        out.append((data[pos:pos + n], dst.raw[:m]))
        pos += n
    return out


class Rec:
    """One WARC record: head (bytes, from WARC/1.1 through the empty line) and block."""

    def __init__(self, raw):
        end = raw.index(b"\r\n\r\n") + 4
        self.head = raw[:end]
        n = int(re.search(rb"(?im)^Content-Length: *(\d+)\r\n", self.head).group(1))
        self.block = raw[end:end + n]
        self.frame = None          # the original compressed frame, reused when unchanged
        self.raw = raw

    def get(self, name):
        m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb": *([^\r\n]*)\r\n", self.head)
        return m.group(1).decode("utf-8", "replace") if m else None

    def set(self, name, value):
        """Replace (or, if absent, add before the end) a header field; value None deletes it."""
        pat = rb"(?im)^" + re.escape(name.encode()) + rb": *[^\r\n]*\r\n"
        if value is None:
            self.head = re.sub(pat, b"", self.head, count=1)
        elif re.search(pat, self.head):
            self.head = re.sub(pat, lambda m: name.encode() + b": " + value.encode() + b"\r\n",
                               self.head, count=1)
        else:
            self.head = self.head[:-2] + name.encode() + b": " + value.encode() + b"\r\n\r\n"
        self.frame = None

    def fix(self):
        """Content-Length and WARC-Block-Digest recomputed for the current block."""
        self.set("Content-Length", str(len(self.block)))
        self.set("WARC-Block-Digest", "sha256:" + hashlib.sha256(self.block).hexdigest())

    def bytes(self):
        return self.head + self.block + b"\r\n\r\n"


def read(path):
    recs = []
    for comp, plain in frames(open(path, "rb").read()):
        r = Rec(plain)
        if r.bytes() == plain:
            r.frame = comp
        recs.append(r)
    return recs


def write(path, recs):
    with open(path, "wb") as f:
        for r in recs:
            b = r.bytes()
            f.write(r.frame if r.frame is not None and b == r.raw else compress(b))


def copy_rec(r):
    n = Rec(r.bytes())
    n.frame = r.frame if r.bytes() == r.raw else None
    return n
