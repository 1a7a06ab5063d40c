#!/usr/bin/env python3
"""wacz_check.py — an independent check of a WACZ file (python stdlib only; shares no
code with custody).

  wacz_check.py FILE.wacz [--case CASE_DIR]

Checks: the zip opens and every entry is STORED; datapackage.json is WACZ 1.1.1 and
lists every other entry, each with the right sha256 and size; datapackage-digest.json
holds the sha256 of datapackage.json; pages/pages.jsonl starts with its header line and
every page has url and ts; indexes/index.cdxj is sorted, and every line's offset and
length are exactly one gzip member of archive/<filename> holding one WARC record whose
WARC-Target-URI, WARC-Payload-Digest and type agree with the line. With --case, every
index line also names the same WARC-Record-ID as the case's own index.cdxj line for the
same capture (read from the .warc.zst with the zstd tool), so offsets point at the same
records. Prints "ok"/"FAIL" lines and "N passed, N failed"; exit 1 on a failure.
"""
import hashlib, json, os, subprocess, sys, zipfile, zlib

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL  " + msg)
    return cond


def warc_fields(record):
    head = record.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    fields = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        fields.setdefault(k.strip().lower(), v.strip())
    return head[0], fields


def one_member(data):
    """The bytes of exactly one gzip member, or None."""
    d = zlib.decompressobj(31)
    try:
        out = d.decompress(data) + d.flush()
    except zlib.error:
        return None
    if not d.eof or d.unused_data:
        return None
    return out


def case_ids(case_dir):
    """(key, ts, url) -> WARC-Record-ID from the case's own index and .warc.zst files."""
    ids = {}
    with open(os.path.join(case_dir, "index.cdxj"), encoding="utf-8") as f:
        for line in f:
            key, ts, js = line.rstrip("\n").split(" ", 2)
            j = json.loads(js)
            with open(os.path.join(case_dir, j["filename"]), "rb") as g:
                g.seek(int(j["offset"]))
                frame = g.read(int(j["length"]))
            rec = subprocess.run(["zstd", "-dcq"], input=frame, capture_output=True, check=True).stdout
            ids[(key, ts, j["url"])] = warc_fields(rec)[1].get("warc-record-id")
    return ids


def main():
    args = sys.argv[1:]
    case = None
    if "--case" in args:
        i = args.index("--case")
        case = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    z = zipfile.ZipFile(args[0])
    names = z.namelist()
    check(z.testzip() is None, "zip CRCs")
    for info in z.infolist():
        check(info.compress_type == zipfile.ZIP_STORED, f"{info.filename} is STORED")
    raw = z.read("datapackage.json")
    dp = json.loads(raw)
    check(dp.get("profile") == "data-package" and dp.get("wacz_version") == "1.1.1",
          f"datapackage.json: profile/wacz_version {dp.get('profile')} {dp.get('wacz_version')}")
    listed = set()
    for r in dp.get("resources", []):
        p = r.get("path")
        listed.add(p)
        if not check(p in names, f"resource {p} is in the zip"):
            continue
        data = z.read(p)
        check(r.get("hash") == "sha256:" + hashlib.sha256(data).hexdigest(), f"{p}: sha256")
        check(r.get("bytes") == len(data), f"{p}: size {r.get('bytes')} vs {len(data)}")
    for n in names:
        if n not in ("datapackage.json", "datapackage-digest.json"):
            check(n in listed, f"{n} is listed in datapackage.json")
    for n in ("indexes/index.cdxj", "pages/pages.jsonl"):
        check(n in names, f"{n} present")
    check(any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names), "archive/*.warc.gz present")
    dd = json.loads(z.read("datapackage-digest.json"))
    check(dd.get("path") == "datapackage.json" and dd.get("hash") == "sha256:" + hashlib.sha256(raw).hexdigest(),
          "datapackage-digest.json: sha256 of datapackage.json")

    lines = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    head = json.loads(lines[0]) if lines else {}
    check(head.get("format") == "json-pages-1.0" and "id" in head, f"pages.jsonl header: {head}")
    for l in lines[1:]:
        p = json.loads(l)
        check(p.get("url") and p.get("ts") and "id" in p, f"page line has id, url, ts: {l[:200]}")
        check("doxing" not in p or isinstance(p["doxing"], bool), f"page doxing is a boolean: {l[:200]}")

    ids = case_ids(case) if case else None
    idx = z.read("indexes/index.cdxj").decode("utf-8").splitlines()
    keys = [" ".join(l.split(" ", 2)[:2]) for l in idx]
    check(keys == sorted(keys, key=lambda s: s.encode()), "index.cdxj is sorted")
    archives = {}
    for l in idx:
        key, ts, js = l.split(" ", 2)
        j = json.loads(js)
        name = "archive/" + j["filename"]
        if not check(name in names, f"index filename {name} in the zip"):
            continue
        if name not in archives:
            archives[name] = z.read(name)
        off, ln = int(j["offset"]), int(j["length"])
        rec = one_member(archives[name][off:off + ln])
        if not check(rec is not None, f"{key} {ts}: offset {off} length {ln} is exactly one gzip member"):
            continue
        first, f = warc_fields(rec)
        check(first.startswith("WARC/1."), f"{key}: a WARC record")
        check(f.get("warc-type") in ("response", "revisit") and f.get("warc-target-uri") == j["url"],
              f"{key}: record type {f.get('warc-type')} and URI {f.get('warc-target-uri')} match the line")
        if "digest" in j:
            check(f.get("warc-payload-digest") == j["digest"], f"{key}: payload digest matches the line")
        if ids is not None:
            want = ids.get((key, ts, j["url"]))
            check(want is not None and want == f.get("warc-record-id"),
                  f"{key} {ts}: record id {f.get('warc-record-id')} is the case's {want}")
    # every member of every archive is a whole record: walk them
    for name in [n for n in names if n.startswith("archive/")]:
        data, pos, n = z.read(name), 0, 0
        while pos < len(data):
            d = zlib.decompressobj(31)
            try:
                d.decompress(data[pos:])
            except zlib.error:
                break
            if not d.eof:
                break
            pos = len(data) - len(d.unused_data)
            n += 1
        check(pos == len(data) and n > 0, f"{name}: {n} gzip members cover the whole file")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
