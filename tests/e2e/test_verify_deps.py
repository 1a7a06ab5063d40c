#!/usr/bin/env python3
"""test_verify_deps.py — custody-verify stays small and separate: `ldd` shows no libcurl and
no libxml2 (DESIGN.md: verify/ links only archive/'s reading and checking code, OpenSSL,
zstd, zlib and jansson), and the archive objects it is built from are only the reading and
checking ones (the link map of a fresh link). Last line: "N passed, N failed".
"""
import os, re, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("verify-deps")
exe = lib.CUSTODY_VERIFY
if not T.check(os.access(exe, os.X_OK), f"{exe} is built"):
    T.finish()
out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
libs = sorted({m.group(1) for m in re.finditer(r"^\s*(lib[^ .]+)", out, re.M)})
print("links:", " ".join(libs))
T.check("libcurl" not in out, "no libcurl")
T.check("libxml2" not in out, "no libxml2")
T.check("libssl" not in out, "no libssl (libcrypto is enough)")
for need in ("libcrypto", "libzstd", "libjansson"):
    T.check(need in out, f"links {need}")
allowed = {"libcrypto", "libzstd", "libjansson", "libz", "libc", "libm", "libpthread", "libdl",
           "libasan", "libubsan", "libgcc_s", "libstdc++", "librt", "liblzma", "liblz4"}
extra = [l for l in libs if l not in allowed and not l.startswith("ld-linux")]
T.check(not extra, f"nothing else linked: {extra}")

# which archive/ objects the verifier is built from (the linker pulls only what it needs)
build = os.environ.get("CUSTODY_BUILD") or os.path.join(lib.TOP, "build")
lv, la, vo = (os.path.join(build, x) for x in ("libverify.a", "libarchive.a", "verify/verify.o"))
if all(os.path.exists(p) for p in (lv, la, vo)):
    mapf = os.path.join(lib.tmpdir("custody-deps-"), "link.map")
    r = subprocess.run(["cc", "-o", "/dev/null", vo, lv, la, f"-Wl,-Map={mapf}",
                        *subprocess.run(["pkg-config", "--libs", "libcrypto", "libzstd", "jansson",
                                         "zlib"], capture_output=True, text=True).stdout.split(),
                        *(["-fsanitize=address,undefined"] if "asan" in build else [])],
                       capture_output=True, text=True)
    objs = sorted(set(re.findall(r"libarchive\.a\((\w+)\.o\)",
                                 open(mapf).read() if os.path.exists(mapf) else "")))
    print("archive objects:", " ".join(objs))
    T.check(objs and not {"writer", "case", "sink", "cdxj"} & set(objs),
            f"archive objects are reading and checking only: {objs}")
T.finish()
