#!/usr/bin/env python3
"""test_focus.py — `custody crawl --focus` captures the exposing pages first.

Serves samples/site (python's http.server, 127.0.0.1, free port) and crawls it from index.html
with one transfer at a time (-c 1, so the capture order is the fetch order):

1. --max-pages 9 without --focus: breadth-first, as before — index.html, then its links in
   document order; no doxing page among the 9.
2. --max-pages 9 with --focus: all 6 doxing pages of samples/labels.jsonl (thread/101..105 and
   api/user.json, which only a doxing thread links to) are among the 9, and style sheets are not
   fetched early.
3. Whole site, with and without --focus: the same set of URLs is captured (focus only reorders),
   and with --focus the last doxing page comes far earlier.
4. --focus with --no-detect (no verdicts, no rules): still a complete crawl.
Prints "N passed, N failed".
"""
import functools, http.server, json, os, sys, threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally()
SITE = os.path.join(lib.TOP, "samples", "site")
LABELS = os.path.join(lib.TOP, "samples", "labels.jsonl")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def doxing_pages():
    out = set()
    with open(LABELS, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                j = json.loads(line)
                if j.get("type") == "page" and j.get("value") is True:
                    out.add(j["page"])
    return out


def crawl_order(base, label, *args):
    """Pages (paths relative to the site) in the order their responses were written."""
    case = os.path.join(lib.tmpdir(), "case")
    r = lib.custody("crawl", "-q", "-c", "1", "-o", case, *args, base + "/index.html")
    T.check(r.returncode == 0, f"{label}: exit {r.returncode}: {r.stderr[-500:]}")
    order = []
    for rec in lib.case_records(case):
        if rec.type == "response" and rec.uri.startswith(base + "/"):
            p = rec.uri[len(base) + 1:]
            if p != "robots.txt" and p not in order:
                order.append(p)
    return order


def main():
    srv = serve()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    dox = doxing_pages()
    T.check(len(dox) == 6, f"labels: 6 doxing pages, got {sorted(dox)}")
    try:
        plain = crawl_order(base, "plain --max-pages 9", "--max-pages", "9")
        want_bfs = ["index.html", "style.css", "forum.html", "news/2024-03-15-harbor.html", "recipe.html",
                    "shop/order-20240315.html", "gallery.html", "help/privacy.html", "about.html"]
        T.check(plain == want_bfs, f"without --focus: breadth-first order as before: {plain}")
        T.check(not dox & set(plain), f"without --focus: no doxing page in the first 9: {plain}")

        focus = crawl_order(base, "focus --max-pages 9", "--max-pages", "9", "--focus")
        got = dox & set(focus)
        T.check(len(focus) == 9, f"--focus: 9 pages captured: {focus}")
        T.check(got == dox, f"--focus: all 6 doxing pages among the first 9, got {len(got)}: {focus}")
        T.check(focus[:1] == ["index.html"], f"--focus: the seed first: {focus}")
        T.check("style.css" not in focus, f"--focus: style sheets wait (priority 0): {focus}")
        T.check("thread/101.html" in focus[:3],
                f"--focus: the thread whose link text says 开盒 comes right after the seed: {focus}")

        full_plain = crawl_order(base, "plain full")
        full_focus = crawl_order(base, "focus full", "--focus")
        T.check(sorted(full_plain) == sorted(full_focus) and len(full_plain) >= 17,
                f"--focus only reorders: same {len(full_plain)} URLs "
                f"({sorted(set(full_plain) ^ set(full_focus))} differ)")

        def last_dox(order):
            return max(order.index(p) for p in dox) + 1 if dox <= set(order) else None

        def first_dox(order):
            return min(order.index(p) for p in dox & set(order)) + 1 if dox & set(order) else None

        lp, lf = last_dox(full_plain), last_dox(full_focus)
        print(f"info  whole site, -c 1: first doxing page is capture #{first_dox(full_plain)} without "
              f"--focus, #{first_dox(full_focus)} with; the last #{lp} without, #{lf} with", flush=True)
        T.check(lp is not None and lf is not None and lf <= 9 < lp,
                f"whole site: all doxing pages within the first 9 with --focus (#{lf}), not without (#{lp})")

        nodetect = crawl_order(base, "focus --no-detect", "--focus", "--no-detect")
        T.check(sorted(nodetect) == sorted(full_plain), f"--focus --no-detect: complete crawl: {nodetect}")
    finally:
        srv.shutdown()
        srv.server_close()
    T.finish()


if __name__ == "__main__":
    main()
