// replay_test.mjs — open a custody WACZ in ReplayWeb.page inside Debian's
// chromium (headless, driven by puppeteer-core) and check what the replay frame
// shows; entirely offline: the page, ReplayWeb.page's ui.js/sw.js and the WACZ
// are served from 127.0.0.1, and every request to any other address is
// aborted (request interception for the page, a host resolver rule for the
// browser and its service worker).
//
//   node replay_test.mjs CONFIG.json
//
// CONFIG: {"chromium": path, "rwp": dir with ui.js and sw.js, "wacz": file,
//          "screenshot": png path, "checks": [{"url": U, "expect": [texts],
//          "label": L, "lands": URL the replay ends on (redirects),
//          "screenshot": png}, ...]}
// Prints one line per check ("ok ..." / "FAIL ...") and "N passed, N failed".
// Must never reach the network: a request not to 127.0.0.1 is a failure.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import puppeteer from "puppeteer-core";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let passed = 0, failed = 0;
const outside = [];
function check(ok, msg) {
  if (ok) { passed++; console.log(`ok    ${msg}`); } else { failed++; console.log(`FAIL  ${msg}`); }
  return ok;
}

const EMBED = `<!doctype html><html><head><meta charset="utf-8"><script src="/ui.js"></script></head>
<body style="margin:0"><replay-web-page id="rwp" replayBase="/replay/" embed="replayonly"
 style="display:block;width:1200px;height:800px"></replay-web-page>
<script>
const q = new URLSearchParams(location.search);
const r = document.getElementById("rwp");
r.setAttribute("source", q.get("source"));
r.setAttribute("url", q.get("url"));
</script></body></html>`;

// A static server with HTTP range support (wabac reads the WACZ by ranges).
function serve() {
  const files = {
    "/embed.html": { type: "text/html", file: null, body: Buffer.from(EMBED) },
    "/ui.js": { type: "application/javascript", file: path.join(cfg.rwp, "ui.js") },
    "/replay/sw.js": { type: "application/javascript", file: path.join(cfg.rwp, "sw.js") },
    "/case.wacz": { type: "application/wacz", file: cfg.wacz },
  };
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, "http://127.0.0.1");
    const f = files[u.pathname];
    if (!f) { res.writeHead(404, { "Content-Type": "text/plain" }); res.end("not here"); return; }
    const body = f.body || fs.readFileSync(f.file);
    const headers = { "Content-Type": f.type, "Accept-Ranges": "bytes", "Cache-Control": "no-store" };
    if (u.pathname === "/replay/sw.js") headers["Service-Worker-Allowed"] = "/replay/";
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || "");
    if (m) {
      let start = m[1] === "" ? body.length - Number(m[2]) : Number(m[1]);
      let end = m[1] !== "" && m[2] !== "" ? Number(m[2]) : body.length - 1;
      if (m[1] === "") end = body.length - 1;
      end = Math.min(end, body.length - 1);
      if (start < 0 || start > end) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` }); res.end(); return;
      }
      headers["Content-Range"] = `bytes ${start}-${end}/${body.length}`;
      headers["Content-Length"] = end - start + 1;
      res.writeHead(206, headers);
      res.end(req.method === "HEAD" ? undefined : body.subarray(start, end + 1));
      return;
    }
    headers["Content-Length"] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// The text of the replayed page: the innermost frame serving the archived URL.
async function frameText(page, url, deadline) {
  let last = "";
  while (Date.now() < deadline) {
    for (const fr of page.frames()) {
      const fu = fr.url();
      if (!fu.includes("mp_/")) continue;
      if (!fu.includes(url.replace(/^https?:\/\//, ""))) continue;
      try {
        last = await fr.evaluate(() => document.body ? document.body.innerText : "");
        if (last.trim()) return last;
      } catch { /* navigating: try again */ }
    }
    await sleep(250);
  }
  console.log("  (frames: " + page.frames().map((f) => f.url()).join(" | ") + ")");
  return last;
}

const srv = await serve();
const base = `http://127.0.0.1:${srv.address().port}`;
let browser;
try {
  browser = await puppeteer.launch({
    executablePath: cfg.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const u = req.url();
    if (/^https?:\/\/127\.0\.0\.1[:/]/.test(u) || /^(data|blob|about):/.test(u)) req.continue();
    else { outside.push(u); req.abort(); }
  });
  for (const c of cfg.checks) {
    const q = new URLSearchParams({ source: `${base}/case.wacz`, url: c.url });
    let text = "", miss = c.expect;
    // the first load also installs the service worker and reads the WACZ:
    // one more load if the frame has not shown the page by then
    for (let attempt = 0; attempt < 2 && miss.length; attempt++) {
      await page.goto(`${base}/embed.html?${q}`, { waitUntil: "load" });
      text = await frameText(page, c.lands || c.url, Date.now() + (c.timeout || 45000));
      miss = c.expect.filter((t) => !text.includes(t));
    }
    check(miss.length === 0, `${c.label}: ${c.url} shows ${JSON.stringify(c.expect)}` +
      (miss.length ? ` — frame text: ${JSON.stringify(text.slice(0, 300))}` : ""));
    if (c.screenshot) await page.screenshot({ path: c.screenshot });
  }
  await page.screenshot({ path: cfg.screenshot });
} catch (e) {
  check(false, `browser: ${e && e.stack ? e.stack.split("\n").slice(0, 3).join(" ") : e}`);
} finally {
  if (browser) await browser.close();
  srv.close();
}
check(outside.filter((u) => !u.startsWith("chrome")).length === 0,
  `no request left 127.0.0.1 (${outside.length} aborted: ${outside.slice(0, 3).join(" ")})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
