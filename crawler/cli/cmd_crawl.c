/*
 * cmd_crawl.c — `custody crawl`: the command-line face of crawl_run().
 *
 * Options are declared once in the table below (help and parser both come
 * from it). This file decides what is printed and the exit status: 0 every
 * URL captured, 1 some URLs failed (the case is still usable), 2 usage error
 * or the case could not be written. Per-URL errors go to stderr as they
 * happen; progress is one updating line, only on a terminal.
 *
 * Must never write to the case itself: that is crawl_run's job.
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "crawler.h"
#include "keys.h"

static const cli_opt_t crawl_opts[] = {
	{"output", 'o', "CASE_DIR", "Case directory to write (created if missing). A folder that already "
	                            "holds a case is refused unless --resume continues it, and a case "
	                            "another custody process is writing is refused always. Required."},
	{"resume", 0, NULL, "Continue an interrupted crawl into an existing CASE_DIR (give the same URLs or "
	                    "--seeds again): URLs already captured there are not fetched again, the links of "
	                    "captured pages are queued again at the depth recorded with them, URLs that failed "
	                    "are tried again. The state is read from the capture files themselves."},
	{"seeds", 0, "FILE", "Read seed URLs from FILE, one per line; empty lines and lines starting with # "
	                     "are ignored, a UTF-8 BOM and CRLF line ends are fine, and a line that is not "
	                     "an http:// or https:// URL is named by its number and skipped (the run then "
	                     "ends with status 1). May be combined with URLs on the command line."},
	{"depth", 'd', "N", "Follow links up to N hops from a seed (default 5). 0 captures only the seeds "
	                    "(and their redirects)."},
	{"max-pages", 0, "N", "Fetch at most N pages (redirect hops and robots.txt not counted; default 0 = no limit)."},
	{"scope", 0, "MODE", "Which links to follow: host (the seeds' hosts, the default), domain (the seeds' "
	                     "hosts and their subdomains, \"www.\" dropped), prefix (URLs under the seed's "
	                     "directory), seeds (no links at all). A seed's redirect target joins the scope."},
	{"concurrency", 'c', "N", "Transfers at once (default 8)."},
	{"per-host", 0, "N", "Connections to one host at once (default 4): politeness towards the site. "
	                     "URLs wait in the crawl's own queue per host, so their --timeout does not run "
	                     "while they wait."},
	{"threads", 0, "N", "Threads that decode, detect and extract links while the main thread fetches and "
	                    "writes (default: CPUs - 1, at most 4; 0 does everything on the main thread). "
	                    "Records are always written by one thread, all records of a URL together."},
	{"max-body", 0, "SIZE", "Keep at most SIZE bytes of one response body (suffix K, M, G; default 100M). "
	                        "A longer body is cut there, recorded with WARC-Truncated: length."},
	{"timeout", 0, "SECONDS", "Give up one request after SECONDS (default 60); what arrived is recorded "
	                          "and flagged incomplete."},
	{"connect-timeout", 0, "SECONDS", "Give up connecting after SECONDS (default 15)."},
	{"max-redirects", 0, "N", "Follow at most N redirect hops from one URL (default 10). Each hop is "
	                          "recorded as its own request/response pair."},
	{"max-links", 0, "N", "Take at most N links from one page (default 5000)."},
	{"ignore-robots", 0, NULL, "Do not fetch or obey robots.txt. By default each origin's /robots.txt is "
	                           "fetched, archived and obeyed (user-agent token \"custody\"); evidence of a "
	                           "page a site hides from crawlers may need this. The policy used is recorded "
	                           "in every file's warcinfo record."},
	{"insecure", 'k', NULL, "Capture even when the server's TLS certificate does not verify. The "
	                        "verification result and the peer's certificate chain are recorded either way."},
	{"ca-file", 0, "FILE", "Verify TLS servers against the CA certificates in FILE (PEM) instead of the "
	                       "system store."},
	{"user-agent", 'A', "STRING", "User-Agent header (default \"custody/" CUSTODY_VERSION " (+evidence capture)\")."},
	{"http2", 0, NULL, "Allow HTTP/2 over TLS. Off by default: with HTTP/1.1 the records hold exactly the "
	                   "bytes on the wire, while HTTP/2 headers are compressed and libcurl shows them "
	                   "re-serialized."},
	{"rules", 0, "FILE", "Detection rules (default: the built-in copy of samples/rules/default.rules)."},
	{"watch", 0, "FILE", "Watchlist of salted hashes made by `custody watch-hash`: findings matching it are marked."},
	{"no-detect", 0, NULL, "Write no findings records."},
	{"focus", 0, NULL, "Fetch first the links most likely to lead to exposing pages, so that a crawl cut "
	                   "short by --max-pages or time has them. Each link gets a priority (0-6): +4 "
	                   "found on a page judged doxing (else +1 on a page with findings), +2 a strong dox "
	                   "keyword in its anchor text, title or alt (+1 a weak one); half its source page's "
	                   "priority when that is more. Style sheets and scripts get 0. Higher first, "
	                   "equal ones breadth-first; a link found again with a higher priority moves up."},
	{"requisites", 'p', NULL, "Capture what every page embeds (images, scripts, style sheets, icons, "
	                          "frames; of <link>s only rel stylesheet, icon, preload, modulepreload, "
	                          "manifest) at every depth, the last one too (as wget -p), also when it is "
	                          "hosted outside the scope, e.g. a photo on a CDN; nothing is followed from "
	                          "there. Without it, in-scope resources are captured only as links within "
	                          "--depth, so the pages of the last depth come without them."},
	{"note", 0, "TEXT", "A case note, recorded in the warcinfo record of every capture file."},
	{"max-file-size", 0, "SIZE", "Start a new capture file after SIZE bytes (suffix K, M, G; default 1G)."},
	{"level", 0, "N", "zstd compression level (default 3)."},
	{"key", 0, "FILE", "Sign the case's seals with this private key (PEM; default: the key `custody keygen` "
	                   "put in $XDG_CONFIG_HOME/custody/operator.key, else ~/.config/custody/, used "
	                   "automatically when it exists). Without any key the case is unsigned: the crawl "
	                   "says so at start and end, and custody-verify can then only call it intact."},
	{"cert", 0, "FILE", "The key's certificate (PEM; default: --key's name with .crt for .key). Further "
	                    "certificates in the file (an organisation's CA chain) go into every signature."},
	{"pass-file", 0, "FILE", "Read the key's passphrase from the first line of FILE (for a key made with "
	                         "keygen --pass-file). custody never prompts."},
	{"tsa", 0, "URL", "Ask this RFC 3161 time-stamp authority for a token over every seal (repeat for "
	                  "independent TSAs). Each reply is checked at once (status, imprint, nonce, the TSA's "
	                  "certificate); a TSA that fails or is slow (5 s to connect, 15 s in all) leaves the "
	                  "seal unstamped and the crawl goes on; `custody stamp` completes it later."},
	{"seal-every", 0, "N", "Seal after every N records (default 1000). Seals are also written every "
	                       "--seal-interval seconds, before a capture file is closed, and at the end."},
	{"seal-interval", 0, "SECONDS", "Seal at least every SECONDS while records are written (default 60)."},
	/* memory, login, politeness, log (issue 10) */
	{"scan-max", 0, "SIZE", "Scan at most SIZE decoded bytes of one response for personal data and links "
	                        "(default 1536K). Detection needs about 15 bytes of memory per byte scanned, so this "
	                        "bounds the crawl's memory: the whole body is still recorded (bytes past the "
	                        "window stream to disk), and the findings record of a longer page says "
	                        "\"complete\": false with the reason."},
	{"cookies", 0, "FILE", "Send the cookies of FILE, a Netscape cookie file (what browser extensions "
	                       "export and `curl -c` writes), where their domain and path allow: pages behind "
	                       "a login. Cookies the site sets during the crawl are kept for it too. The "
	                       "request records hold sha256:<hex> of the Cookie header, never its value."},
	{"header", 'H', "'NAME: VALUE'", "Add a request header to every request (repeatable), e.g. "
	                                 "--header 'Authorization: Bearer ...'. Values of Cookie, Authorization, "
	                                 "Proxy-Authorization and --secret-header names are stored hashed."},
	{"secret-header", 0, "NAME", "Treat header NAME as a secret too (repeatable): request records hold "
	                             "sha256:<hex> of its value, and the warcinfo command line the same."},
	{"keep-secrets", 0, NULL, "Keep secret header values verbatim in the request records (the operator's "
	                          "decision: anyone holding the case can then reuse the session). The "
	                          "command line recorded in warcinfo is hashed all the same."},
	{"include", 0, "REGEX", "Follow only links whose URL matches REGEX (POSIX extended; repeatable: "
	                        "any one matches). Seeds and redirects are always fetched."},
	{"exclude", 0, "REGEX", "Do not follow links whose URL matches REGEX (repeatable), e.g. "
	                        "--exclude '/logout|action=delete'."},
	{"delay", 0, "MS", "Wait at least MS milliseconds between two requests to one site (default 0)."},
	{"retries", 0, "N", "Ask again at most N times after 429 Too Many Requests or 503, after the "
	                    "Retry-After the server gave (at most 300 s; without one 1, 2, 4... s). Every "
	                    "answer is recorded (default 2)."},
	{"max-per-host", 0, "N", "Fetch at most N pages from one site (scheme, host and port; default 0 = "
	                         "no limit)."},
	/* browser capture (issue 13) */
	{"browser", 0, NULL, "Render each page (seeds and followed links) in Debian's chromium, headless, "
	                     "so that what only JavaScript shows is captured too. Every request the browser "
	                     "makes goes through custody's own proxy on 127.0.0.1 and is fetched, verified "
	                     "and recorded like any URL, so each body the browser showed is a response "
	                     "record exactly as received. Per page the case also gets a full-page "
	                     "screenshot (PNG) and the page as rendered (HTML), and the detector reads that "
	                     "too; links of the rendered page are followed like links of the HTML. Requests "
	                     "outside the scope are refused and listed with the page (--requisites allows "
	                     "what pages embed from other sites). One page at a time; WebSockets are "
	                     "refused and service workers bypassed. Needs chromium (make bootstrap installs it)."},
	{"pdf", 0, NULL, "With --browser, also print each rendered page to PDF (recorded like the screenshot)."},
	{"browser-settle", 0, "SECONDS", "With --browser, wait at most SECONDS for the page's network to go "
	                                 "quiet after it loaded (default 15, at most 300). A page that does not "
	                                 "settle is captured as far as it got and flagged."},
	{"browser-scrolls", 0, "N", "With --browser, scroll down at most N times so that lazily loaded content "
	                            "appears (default 10; 0 does not scroll, at most 100)."},
	{"chromium", 0, "PATH", "With --browser, the chromium executable to run (default: $CUSTODY_CHROMIUM, "
	                        "else chromium on PATH)."},
	/* a crawl shared by several hosts (issue 23) */
	{"state", 0, "CONNINFO", "Share this crawl's frontier with other hosts through PostgreSQL: CONNINFO is "
	                         "a libpq connection string ('host=db.example dbname=custody sslmode=verify-full' "
	                         "or a postgresql:// URL), never with a password in it (use "
	                         "~/.pgpass or PGPASSFILE). Every host runs the same command with the same "
	                         "seeds and its own -o: each URL is fetched by one host (claimed with a "
	                         "lease), each host writes and seals its own case. Needs --crawl."},
	{"crawl", 0, "NAME", "With --state, the name of the shared crawl."},
	{"create-crawl", 0, NULL, "With --state, start the shared crawl NAME (once, on one host; the others "
	                          "join without this option)."},
	{"host-id", 0, "NAME", "With --state, this host's name in the database (default: its case's id)."},
	{"lease-seconds", 0, "N", "With --state, a URL claimed by a host that stops answering goes to the "
	                          "others after N seconds (default 120); a live host renews its leases."},
	{"log", 0, "FILE", "Write one JSON line per URL to FILE when it ends: url, final_url, status, bytes, "
	                   "ms, outcome (ok, http_error, timeout, truncated, refused, dns, tls, robots, "
	                   "out_of_scope, skipped, failed), request and response record ids, file, offset, "
	                   "findings, doxing, message. Secrets never appear there."},
	/* the capture environment (issue 24) */
	{"private-environment", 0, NULL, "In the environment record (the hosts file, resolver, proxy, network "
	                                 "interfaces, routes to the seed hosts, software, user and host "
	                                 "names, written before the first capture), and in warcinfo, replace "
	                                 "the host and user names and every local address by HMAC-SHA256 "
	                                 "values keyed with your salt ($XDG_CONFIG_HOME/custody/"
	                                 "environment.salt, else ~/.config/custody/, made once with mode "
	                                 "0600; keep it, and with it you can show later whose machine it was)."},
	{"json", 0, NULL, "Print a JSON summary on stdout at the end."},
	{"quiet", 'q', NULL, "No progress line and no summary (per-URL errors are still printed)."},
	{0},
};

static const cli_cmd_t crawl_cmd = {
	"crawl",
	"custody crawl [options] -o CASE_DIR URL... | --seeds FILE",
	"Capture web pages as evidence. Each URL is fetched once; links on HTML pages are followed within the "
	"scope (by default the seeds' hosts) up to --depth hops. For every fetch the case gets a request record "
	"(the exact bytes sent), a response record (status line, headers and body exactly as received: chunked "
	"framing and gzip kept; SHA-256 block and payload digests; server IP address; protocol; TLS cipher "
	"suite), a metadata record (TLS certificate chain and verification result, timings, software versions, "
	"and whether the response is complete) and, for HTML, JSON and text, a findings record listing the "
	"personal data found, with byte offsets and hashes a verifier re-checks.\n\n"
	"Redirects are not followed silently: each hop is its own request/response pair. A URL that fails "
	"(DNS, refused connection, TLS, server closing mid-body) is reported on stderr and recorded as far as "
	"it got; the crawl goes on.\n\n"
	"Exit status: 0 every URL captured (HTTP errors such as 404 are captured responses), 1 some URLs "
	"failed, or a capture file already in the case is damaged, but the case is usable, 2 usage error or the case could not be written (what was written "
	"before stays readable), 130 stopped by Ctrl-C (the case is closed cleanly; the same command with "
	"--resume continues it).",
	crawl_opts,
	"custody crawl -o case1 https://forum.example/thread/123\n"
	"custody crawl -o case1 --depth 0 URL1 URL2        (only these pages)\n"
	"custody crawl -o case1 --seeds urls.txt --scope domain --focus\n"
	"custody crawl -o case1 --ca-file corp-ca.pem https://intranet.example/\n"
	"custody ls case1 && custody-verify case1\n",
	"output seeds depth scope requisites browser cookies tsa note resume ignore-robots",
};

/* A growable list of borrowed argv strings (--header, --include, ...). */
typedef struct {
	const char **v;
	size_t n, cap;
} strlist_t;

static int strlist_add(strlist_t *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		const char **nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return 2;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

typedef struct {
	crawl_opts_t o;
	strlist_t headers, secrets, include, exclude;
	FILE *log;
	const char **seeds;
	size_t nseeds, capseeds;
	int json, quiet, tty, progress_shown;
	int own_said;           /* chromium's own requests already named once */
	double last_draw;
	char *cmdline;
	const char *key, *cert, *pass_file;
	const char *tsa[SEAL_MAX_TOKENS];
	size_t ntsa;
	unsigned long bad_seeds;   /* lines of --seeds skipped as not a URL: the run ends non-zero */
} crawl_cli_t;

static volatile int g_stop;
static cfg_t g_cfg; /* the user's settings file (config.h); the options win */

/* The operator's salt for --private-environment: 32 random bytes kept as hex
 * in the config dir (mode 0600), made on first use. 0, or -1 (printed). */
static int env_salt(unsigned char out[32])
{
	char dir[4096], path[4200], hex[65];
	static const char *const x = "0123456789abcdef";
	if (keys_config_dir(dir, sizeof dir) != 0) {
		fprintf(stderr, "custody crawl: --private-environment: no HOME or XDG_CONFIG_HOME for the salt\n");
		return -1;
	}
	snprintf(path, sizeof path, "%s/environment.salt", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(hex, 1, 64, f);
		fclose(f);
		for (size_t i = 0; n == 64 && i < 32; i++) {
			const char *hi = memchr(x, hex[2 * i], 16), *lo = memchr(x, hex[2 * i + 1], 16);
			if (!hi || !lo)
				break;
			out[i] = (unsigned char)((hi - x) << 4 | (lo - x));
			if (i == 31)
				return 0;
		}
		fprintf(stderr, "custody crawl: %s is not 64 hex digits: move it away to make a new salt\n", path);
		return -1;
	}
	if (arc_mkdirs(dir, 0700) != 0 || RAND_bytes(out, 32) != 1) {
		fprintf(stderr, "custody crawl: cannot make the salt in %s\n", dir);
		return -1;
	}
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = x[out[i] >> 4];
		hex[2 * i + 1] = x[out[i] & 15];
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, hex, 64) != 64 || write(fd, "\n", 1) != 1 || close(fd) != 0) {
		fprintf(stderr, "custody crawl: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void on_sigint(int sig)
{
	g_stop = 1;
	signal(sig, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

static int add_seed(crawl_cli_t *c, const char *url)
{
	if (c->nseeds == c->capseeds) {
		size_t cap = c->capseeds ? c->capseeds * 2 : 16;
		const char **ns = realloc(c->seeds, cap * sizeof *ns);
		if (!ns)
			return -1;
		c->seeds = ns;
		c->capseeds = cap;
	}
	c->seeds[c->nseeds++] = url;
	return 0;
}

static int read_seeds(crawl_cli_t *c, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "custody crawl: cannot read seeds file %s: %s\n", path, strerror(errno));
		return 2;
	}
	char line[8192];
	unsigned long n = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		char *p = line;
		if (n == 1 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3; /* a UTF-8 byte order mark (Windows Notepad) */
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, "\r\n");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		p[len] = '\0';
		if (!*p || *p == '#')
			continue;
		if (strncasecmp(p, "http://", 7) && strncasecmp(p, "https://", 8)) {
			fprintf(stderr, "custody crawl: %s line %lu: not an http:// or https:// URL, skipped: %.80s\n",
			        path, n, p);
			c->bad_seeds++;
			continue;
		}
		char *u = strdup(p);
		if (!u || add_seed(c, u)) {
			free(u);
			fprintf(stderr, "custody crawl: out of memory reading %s\n", path);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static int parse_num(const char *opt, const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "custody crawl: --%s wants a number from %lld to %lld, not '%s'\n", opt,
		        min, max, s);
		return 2;
	}
	*out = v;
	return 0;
}

static int parse_size(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > UINT64_MAX / mul) {
		fprintf(stderr, "custody crawl: --%s wants a size like 500K, 100M or 2G, not '%s'\n", opt, s);
		return 2;
	}
	*out = v * mul;
	return 0;
}

/* "Name: value" with a token name and no line breaks. */
static int header_ok(const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h || strpbrk(h, "\r\n"))
		return 0;
	for (const char *p = h; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *p)))
			return 0;
	return 1;
}

/* Options that only set one field: a flag (1), a string (the argument,
 * borrowed from argv), a number within bounds, or a size with K/M/G. Each
 * option's name, help and argument are declared once in crawl_opts[]; what
 * it sets is declared once here. Options that do more are on_opt_special's. */
typedef enum { SET_FLAG, SET_STR, SET_INT, SET_LONG, SET_U64, SET_I64, SET_SIZE_T, SET_BYTES } set_kind;
typedef struct {
	const char *name;
	set_kind kind;
	size_t off;             /* of the field in crawl_cli_t */
	long long min, max;     /* numbers */
} opt_bind_t;

#define CO(field) offsetof(crawl_cli_t, o.field)
#define CC(field) offsetof(crawl_cli_t, field)
static const opt_bind_t crawl_binds[] = {
	{"output", SET_STR, CO(case_dir), 0, 0},
	{"depth", SET_INT, CO(depth), 0, 1000},
	{"max-pages", SET_U64, CO(max_pages), 0, INT64_MAX},
	{"concurrency", SET_INT, CO(concurrency), 1, 256},
	{"per-host", SET_INT, CO(per_host), 1, 256},
	{"threads", SET_INT, CO(threads), 0, 64},
	{"max-body", SET_BYTES, CO(max_body), 0, 0},
	{"timeout", SET_LONG, CO(timeout_s), 1, 86400},
	{"connect-timeout", SET_LONG, CO(connect_timeout_s), 1, 3600},
	{"max-redirects", SET_INT, CO(max_redirects), 0, 100},
	{"max-links", SET_SIZE_T, CO(max_links), 0, 10000000},
	{"ignore-robots", SET_FLAG, CO(ignore_robots), 0, 0},
	{"insecure", SET_FLAG, CO(insecure), 0, 0},
	{"ca-file", SET_STR, CO(ca_file), 0, 0},
	{"user-agent", SET_STR, CO(user_agent), 0, 0},
	{"http2", SET_FLAG, CO(http2), 0, 0},
	{"rules", SET_STR, CO(rules_path), 0, 0},
	{"watch", SET_STR, CO(watch_path), 0, 0},
	{"no-detect", SET_FLAG, CO(no_detect), 0, 0},
	{"focus", SET_FLAG, CO(focus), 0, 0},
	{"resume", SET_FLAG, CO(resume), 0, 0},
	{"requisites", SET_FLAG, CO(requisites), 0, 0},
	{"note", SET_STR, CO(note), 0, 0},
	{"max-file-size", SET_BYTES, CO(max_file_size), 0, 0},
	{"level", SET_INT, CO(level), 1, 19},
	{"key", SET_STR, CC(key), 0, 0},
	{"cert", SET_STR, CC(cert), 0, 0},
	{"pass-file", SET_STR, CC(pass_file), 0, 0},
	{"seal-every", SET_U64, CO(seal_every), 1, INT64_MAX},
	{"seal-interval", SET_I64, CO(seal_interval), 1, 86400 * 365},
	{"json", SET_FLAG, CC(json), 0, 0},
	{"quiet", SET_FLAG, CC(quiet), 0, 0},
	/* memory, login, politeness, log (issue 10) */
	{"scan-max", SET_BYTES, CO(scan_max), 0, 0},
	{"cookies", SET_STR, CO(cookie_file), 0, 0},
	{"keep-secrets", SET_FLAG, CO(keep_secrets), 0, 0},
	{"delay", SET_LONG, CO(delay_ms), 0, 3600000},
	{"retries", SET_INT, CO(retries), 0, 20},
	{"max-per-host", SET_U64, CO(max_per_host), 0, INT64_MAX},
	/* browser capture (issue 13) */
	{"browser", SET_FLAG, CO(browser), 0, 0},
	{"pdf", SET_FLAG, CO(pdf), 0, 0},
	{"browser-settle", SET_LONG, CO(browser_settle_s), 1, 300},
	{"chromium", SET_STR, CO(chromium), 0, 0},
	/* a crawl shared by several hosts (issue 23) */
	{"state", SET_STR, CO(state), 0, 0},
	{"crawl", SET_STR, CO(crawl_name), 0, 0},
	{"create-crawl", SET_FLAG, CO(create_crawl), 0, 0},
	{"host-id", SET_STR, CO(host_id), 0, 0},
	{"lease-seconds", SET_LONG, CO(lease_s), 10, 86400},
	/* the capture environment (issue 24) */
	{"private-environment", SET_FLAG, CO(private_env), 0, 0},
};
#undef CO
#undef CC

/* Set the field b names from arg. 0, or 2 (the message printed). */
static int opt_set(crawl_cli_t *c, const opt_bind_t *b, const char *arg)
{
	char *field = (char *)c + b->off;
	long long v = 0;
	int rc;

	switch (b->kind) {
	case SET_FLAG:
		*(int *)(void *)field = 1;
		return 0;
	case SET_STR:
		*(const char **)(void *)field = arg;
		return 0;
	case SET_BYTES:
		return parse_size(b->name, arg, (uint64_t *)(void *)field);
	default:
		break;
	}
	if ((rc = parse_num(b->name, arg, b->min, b->max, &v)) != 0)
		return rc;
	switch (b->kind) {
	case SET_INT: *(int *)(void *)field = (int)v; break;
	case SET_LONG: *(long *)(void *)field = (long)v; break;
	case SET_U64: *(uint64_t *)(void *)field = (uint64_t)v; break;
	case SET_I64: *(int64_t *)(void *)field = (int64_t)v; break;
	case SET_SIZE_T: *(size_t *)(void *)field = (size_t)v; break;
	default: break;
	}
	return 0;
}

/* The options that do more than set one field. */
static int on_opt_special(crawl_cli_t *c, const char *name, const char *arg)
{
	crawl_opts_t *o = &c->o;
	long long v;
	int rc = 0;

	if (!strcmp(name, "seeds"))
		rc = read_seeds(c, arg);
	else if (!strcmp(name, "scope")) {
		if (!strcmp(arg, "host"))
			o->scope = CRAWL_SCOPE_HOST;
		else if (!strcmp(arg, "domain"))
			o->scope = CRAWL_SCOPE_DOMAIN;
		else if (!strcmp(arg, "prefix"))
			o->scope = CRAWL_SCOPE_PREFIX;
		else if (!strcmp(arg, "seeds"))
			o->scope = CRAWL_SCOPE_SEEDS;
		else {
			fprintf(stderr, "custody crawl: --scope is host, domain, prefix or seeds, not '%s'\n", arg);
			rc = 2;
		}
	} else if (!strcmp(name, "tsa")) {
		if (c->ntsa >= SEAL_MAX_TOKENS || (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))) {
			fprintf(stderr, "custody crawl: --tsa wants an http:// or https:// URL (at most %d TSAs), "
			                "not '%s'\n", SEAL_MAX_TOKENS, arg);
			rc = 2;
		} else {
			c->tsa[c->ntsa++] = arg;
		}
	} else if (!strcmp(name, "header")) {
		if (!header_ok(arg)) {
			fprintf(stderr, "custody crawl: --header wants 'Name: value' (one header, no line break)\n");
			rc = 2;
		} else {
			rc = strlist_add(&c->headers, arg);
		}
	} else if (!strcmp(name, "secret-header"))
		rc = strlist_add(&c->secrets, arg);
	else if (!strcmp(name, "include"))
		rc = strlist_add(&c->include, arg);
	else if (!strcmp(name, "exclude"))
		rc = strlist_add(&c->exclude, arg);
	else if (!strcmp(name, "browser-scrolls") && !(rc = parse_num(name, arg, 0, 100, &v)))
		o->browser_scrolls = v ? (int)v : -1;
	else if (!strcmp(name, "log")) {
		if (c->log && c->log != stdout)
			fclose(c->log);
		c->log = strcmp(arg, "-") ? fopen(arg, "w") : stdout;
		if (!c->log) {
			fprintf(stderr, "custody crawl: cannot write the log %s: %s\n", arg, strerror(errno));
			rc = 2;
		}
	}
	return rc;
}

static int on_opt(void *ctx, const char *name, const char *arg)
{
	crawl_cli_t *c = ctx;

	for (size_t i = 0; i < sizeof crawl_binds / sizeof crawl_binds[0]; i++)
		if (!strcmp(name, crawl_binds[i].name))
			return opt_set(c, &crawl_binds[i], arg);
	return on_opt_special(c, name, arg);
}

static void human_bytes(uint64_t b, char *out, size_t outsz)
{
	if (b >= (uint64_t)1 << 30)
		snprintf(out, outsz, "%.1f GiB", (double)b / (1 << 30));
	else if (b >= (uint64_t)1 << 20)
		snprintf(out, outsz, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(out, outsz, "%.1f KiB", (double)b / 1024);
	else
		snprintf(out, outsz, "%llu B", (unsigned long long)b);
}

static void clear_progress(crawl_cli_t *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", stderr);
		c->progress_shown = 0;
	}
}

/* --log: one JSON line per URL when it ends. */
static void log_url(crawl_cli_t *c, const crawl_event_t *ev)
{
	json_t *o = json_object();
	if (!o)
		return;
	json_object_set_new(o, "url", json_string(ev->url));
	json_object_set_new(o, "final_url", json_string(ev->final_url ? ev->final_url : ev->url));
	json_object_set_new(o, "status", ev->status ? json_integer(ev->status) : json_null());
	json_object_set_new(o, "bytes", json_integer((json_int_t)ev->bytes));
	json_object_set_new(o, "ms", json_integer((json_int_t)(ev->ms + 0.5)));
	json_object_set_new(o, "outcome", json_string(ev->outcome));
	json_object_set_new(o, "request_record", ev->request_record ? json_string(ev->request_record) : json_null());
	json_object_set_new(o, "response_record", ev->response_record ? json_string(ev->response_record) : json_null());
	json_object_set_new(o, "file", ev->file ? json_string(ev->file) : json_null());
	json_object_set_new(o, "offset", ev->file ? json_integer((json_int_t)ev->offset) : json_null());
	/* personal data only, as `custody ls` counts */
	json_object_set_new(o, "findings", ev->personal >= 0 ? json_integer(ev->personal) : json_null());
	json_object_set_new(o, "doxing", json_boolean(ev->doxing));
	json_object_set_new(o, "message", ev->message ? json_string(ev->message) : json_null());
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (line) {
		fprintf(c->log, "%s\n", line);
		fflush(c->log);
		free(line);
	}
}

static void on_event(void *ctx, const crawl_event_t *ev)
{
	crawl_cli_t *c = ctx;
	const crawl_stats_t *s = ev->stats;
	if (c->log && ev->outcome && ev->url)
		log_url(c, ev);
	switch (ev->kind) {
	case CRAWL_EV_ERROR:
		clear_progress(c);
		if (ev->url)
			fprintf(stderr, "custody crawl: %s: %s\n", ev->url, ev->message ? ev->message : "failed");
		else /* about the case, not one URL */
			fprintf(stderr, "custody crawl: %s\n", ev->message ? ev->message : "failed");
		break;
	case CRAWL_EV_SKIPPED:
		/* chromium's own requests come with every page: named once, then only
		 * counted (each is in --log and in its page's rendering record) */
		if (!c->quiet && !(ev->browser_own && c->own_said++)) {
			clear_progress(c);
			fprintf(stderr, "custody crawl: skipped %s: %s\n", ev->url, ev->message ? ev->message : "");
			if (ev->browser_own)
				fprintf(stderr, "custody crawl: further requests chromium makes by itself are "
				                "refused the same way without a line each; the summary counts "
				                "them with the blocked requests\n");
		}
		break;
	case CRAWL_EV_FETCHED:
		if (ev->message && !c->quiet) {
			clear_progress(c);
			fprintf(stderr, "custody crawl: %s: %s\n", ev->url, ev->message);
		}
		break;
	case CRAWL_EV_PROGRESS:
		break;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (c->tty && !c->quiet && (now - c->last_draw >= 0.1 || !c->progress_shown)) {
		char b[32];
		c->last_draw = now;
		human_bytes(s->bytes, b, sizeof b);
		fprintf(stderr, "\r\033[K%" PRIu64 " fetched, %" PRIu64 " queued, %s, %" PRIu64 " errors, %" PRIu64
		        " doxing",
		        s->fetched, s->queued, b, s->failed, s->doxing_pages);
		if (c->o.browser)
			fprintf(stderr, ", %" PRIu64 " rendered, %" PRIu64 " blocked", s->rendered, s->blocked);
		c->progress_shown = 1;
	}
}

/* Is NAME (len bytes) a header whose value is a secret? */
static int secret_name(const crawl_cli_t *c, const char *name, size_t len)
{
	static const char *const always[] = {"Cookie", "Authorization", "Proxy-Authorization"};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		if (strlen(always[i]) == len && !strncasecmp(always[i], name, len))
			return 1;
	for (size_t i = 0; i < c->secrets.n; i++)
		if (strlen(c->secrets.v[i]) == len && !strncasecmp(c->secrets.v[i], name, len))
			return 1;
	return 0;
}

/* A --header argument as the warcinfo command line may show it: a secret
 * value replaced by sha256:<hex> (as in the request records); NULL if the
 * argument is not a secret header (malloc'd otherwise). */
static char *hash_header_arg(const crawl_cli_t *c, const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || !secret_name(c, h, (size_t)(colon - h)))
		return NULL;
	const char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	char d[ARC_DIGEST_LEN];
	arc_sha256_hex(v, vl, d);
	arc_buf_t b = {0};
	if (arc_buf_printf(&b, "%.*s: %s", (int)(colon - h), h, d) || arc_buf_append(&b, "", 1)) {
		arc_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

/* The command line as typed (for warcinfo), arguments with spaces quoted and
 * secret header values hashed. */
static char *join_args(const crawl_cli_t *c, int argc, char **argv)
{
	arc_buf_t b = {0};
	arc_buf_printf(&b, "custody");
	for (int i = 0; i < argc; i++) {
		/* --header VALUE, -H VALUE, --header=VALUE */
		const char *hv = NULL;
		int prefix = 0;
		if (i > 0 && (!strcmp(argv[i - 1], "--header") || !strcmp(argv[i - 1], "-H")))
			hv = argv[i];
		else if (!strncmp(argv[i], "--header=", 9))
			hv = argv[i] + 9, prefix = 9;
		else if (!strncmp(argv[i], "-H", 2) && argv[i][2])
			hv = argv[i] + 2, prefix = 2;
		char *hashed = hv ? hash_header_arg(c, hv) : NULL;
		if (hashed) {
			arc_buf_printf(&b, " '%.*s", prefix, argv[i]);
			for (const char *p = hashed; *p; p++)
				if (*p == '\'')
					arc_buf_printf(&b, "'\\''");
				else
					arc_buf_append(&b, p, 1);
			arc_buf_printf(&b, "'");
			free(hashed);
			continue;
		}
		if (strpbrk(argv[i], " \t'\"") || !argv[i][0]) {
			arc_buf_printf(&b, " '");
			for (const char *p = argv[i]; *p; p++)
				if (*p == '\'')
					arc_buf_printf(&b, "'\\''");
				else if (*p == '\n' || *p == '\r')
					arc_buf_printf(&b, " ");
				else
					arc_buf_append(&b, p, 1);
			arc_buf_printf(&b, "'");
		} else {
			arc_buf_printf(&b, " %s", argv[i]);
		}
	}
	if (arc_buf_append(&b, "", 1)) {
		arc_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

int cmd_crawl(int argc, char **argv)
{
	crawl_cli_t c;
	memset(&c, 0, sizeof c);
	crawl_opts_init(&c.o);
	int first = 0;
	int rc = cli_parse(&crawl_cmd, argc, argv, on_opt, &c, &first);
	if (rc) {
		free(c.seeds);
		return rc == 1 ? 0 : 2;
	}
	for (int i = first; i < argc; i++)
		add_seed(&c, argv[i]);
	if (!c.o.case_dir || !c.nseeds) {
		fprintf(stderr, "custody crawl: %s\nTry 'custody crawl --help' for the options.\n",
		        !c.o.case_dir ? "-o CASE_DIR is required" : "no URL given (URL... or --seeds FILE)");
		rc = 2;
		goto out;
	}
	{ /* the case folder: a folder, and new unless --resume continues it */
		struct stat cst;
		arc_case_files_t cf;
		arc_error_t ce;
		if (stat(c.o.case_dir, &cst) == 0 && !S_ISDIR(cst.st_mode)) {
			fprintf(stderr, "custody crawl: -o %s is a file, not a folder: give the folder the case "
			        "goes in (it is made if missing)\n", c.o.case_dir);
			rc = 2;
			goto out;
		}
		if (!c.o.resume && stat(c.o.case_dir, &cst) == 0 &&
		    arc_case_files(c.o.case_dir, &cf, &ce) == ARC_OK) {
			size_t n = cf.n;
			arc_case_files_free(&cf);
			if (n) {
				fprintf(stderr, "custody crawl: %s already holds a case (%zu capture file%s): nothing was "
				        "written. To continue it, add --resume (URLs already captured are not fetched "
				        "again); to record a new visit of the same pages, use another -o folder or "
				        "`custody watch`\n", c.o.case_dir, n, n == 1 ? "" : "s");
				rc = 2;
				goto out;
			}
		}
	}
	c.cmdline = join_args(&c, argc, argv);
	c.o.seeds = c.seeds;
	c.o.nseeds = c.nseeds;
	c.o.headers = c.headers.v;
	c.o.nheaders = c.headers.n;
	c.o.secret_headers = c.secrets.v;
	c.o.nsecret_headers = c.secrets.n;
	c.o.include = c.include.v;
	c.o.ninclude = c.include.n;
	c.o.exclude = c.exclude.v;
	c.o.nexclude = c.exclude.n;
	/* Large buffers (scan windows, detection maps of big pages) come and go:
	 * served by mmap they go back to the system when freed, so the peak
	 * stays the peak of what is live (glibc otherwise raises its threshold
	 * and keeps freed arenas: +20 MB on the hostile test) ... */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	/* ... and freed heap is given back only past 8 MiB: per-page buffers
	 * are reused instead of returned and faulted in again (madvise was 6%
	 * of a 2000-page crawl's time) */
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	c.o.command_line = c.cmdline;
	c.o.stop = &g_stop;
	c.tty = cli_stderr_is_tty();
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGPIPE, SIG_IGN);

	seal_signer_t *signer = NULL;
	int used_default = 0;
	if (cfg_load("crawl", &g_cfg)) {
		rc = 2;
		goto out;
	}
	cfg_apply(&g_cfg, "crawl", c.quiet, &c.key, &c.cert, c.tsa, &c.ntsa);
	if (keys_load("crawl", c.key, c.cert, c.pass_file, &signer, &used_default)) {
		rc = 2;
		goto out;
	}
	c.o.signer = signer;
	unsigned char salt[32];
	if (c.o.private_env) {
		if (env_salt(salt) != 0) {
			seal_signer_free(signer);
			rc = 2;
			goto out;
		}
		c.o.env_salt = salt;
		c.o.env_salt_len = sizeof salt;
	}
	c.o.tsa_urls = c.tsa;
	c.o.ntsa = c.ntsa;
	if (!c.quiet) {
		if (signer)
			fprintf(stderr, "custody crawl: sealing signed by %s%s%s\n", seal_signer_subject(signer),
			        used_default ? " (your default key)" : "",
			        c.ntsa ? "" : "; no --tsa: the seals carry no trusted time");
		else
			fprintf(stderr, "custody crawl: no signing key: the case will be UNSIGNED (who captured "
			                "it is not provable; run `custody keygen --subject \"/CN=Your Name/O=...\"` "
			                "once to sign every case)\n");
	}

	crawl_stats_t st;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	int crc = crawl_run(&c.o, &st, on_event, &c, &err);
	OPENSSL_cleanse(salt, sizeof salt);
	seal_signer_free(signer);
	clear_progress(&c);
	if (crc < 0) {
		fprintf(stderr, "custody crawl: %s\n", err.msg[0] ? err.msg : arc_strerror(crc));
		if ((crc == ARC_EIO || crc == ARC_ENOSPC) && st.records)
			fprintf(stderr, "custody crawl: stopped; the records written before this point stay "
			                "readable in %s\n", c.o.case_dir);
		rc = 2;
	} else {
		rc = (st.failed || st.damaged_files || c.bad_seeds) ? 1 : 0;
		if (c.bad_seeds)
			fprintf(stderr, "custody crawl: %lu line%s of the seeds file skipped (named above): correct "
			        "%s and run the same command again with --resume\n", c.bad_seeds,
			        c.bad_seeds == 1 ? "" : "s", c.bad_seeds == 1 ? "it" : "them");
	}
	if (g_stop && crc >= 0) {
		fprintf(stderr, "custody crawl: interrupted; the case was closed cleanly. To go on, run the same "
		        "command again with --resume (what is captured is not fetched again)\n");
		rc = 130;
	}
	if (!c.quiet && crc >= 0) {
		char b[32], resumed[64] = "", undetected[96] = "";
		human_bytes(st.bytes, b, sizeof b);
		if (st.undetected)
			snprintf(undetected, sizeof undetected, ", %" PRIu64 " pages the detector could not read "
			         "(see their findings records)", st.undetected);
		if (c.o.resume)
			snprintf(resumed, sizeof resumed, "; %" PRIu64 " URLs were already in the case", st.resumed);
		fprintf(stderr, "%" PRIu64 " URLs captured (%" PRIu64 " HTTP errors, %" PRIu64 " truncated), %" PRIu64
		        " failed, %" PRIu64 " blocked by robots.txt, %" PRIu64 " not fetched (--max-pages); "
		        "%s in %.1fs; %" PRIu64 " records, %" PRIu64 " revisits; %" PRIu64 " findings, %" PRIu64
		        " doxing pages%s%s -> %s\n",
		        st.fetched, st.http_errors, st.truncated, st.failed, st.robots_blocked, st.skipped, b,
		        st.seconds, st.records, st.revisits, st.findings, st.doxing_pages, undetected,
		        resumed, c.o.case_dir);
		if (c.o.state)
			fprintf(stderr, "custody crawl: shared crawl '%s': %" PRIu64 " of this host's captures are "
			        "duplicates (another host had taken the URL over; both are kept)\n", c.o.crawl_name,
			        st.duplicates);
		if (c.o.browser)
			fprintf(stderr, "custody crawl: %" PRIu64 " page%s rendered in chromium (%" PRIu64 " did not "
			        "settle, %" PRIu64 " failed to render); %" PRIu64 " browser request%s blocked (out of "
			        "scope)\n", st.rendered, st.rendered == 1 ? "" : "s", st.unsettled, st.render_failed,
			        st.blocked, st.blocked == 1 ? "" : "s");
	}
	if (!c.quiet && crc >= 0) {
		if (!c.o.signer && !c.ntsa)
			fprintf(stderr, "custody crawl: the case is UNSIGNED and has no trusted time: "
			                "custody-verify can only call it intact\n");
		else
			fprintf(stderr, "custody crawl: %" PRIu64 " seals written (%s%s%" PRIu64 " without a time stamp)\n",
			        st.seals, c.o.signer ? "signed" : "UNSIGNED", ", ", st.unstamped);
	}
	if (c.json) {
		printf("{\"case\": \"");
		for (const char *p = c.o.case_dir; *p; p++)
			if (*p == '"' || *p == '\\')
				printf("\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		printf("\", \"ok\": %s, \"fetched\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"http_errors\": %" PRIu64
		       ", \"truncated\": %" PRIu64 ", \"robots_blocked\": %" PRIu64 ", \"skipped\": %" PRIu64
		       ", \"queued\": %" PRIu64 ", \"seen\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"records\": %" PRIu64
		       ", \"revisits\": %" PRIu64 ", \"findings\": %" PRIu64 ", \"doxing_pages\": %" PRIu64
		       ", \"undetected\": %" PRIu64 ", \"resumed\": %" PRIu64 ", \"damaged_files\": %" PRIu64
		       ", \"seals\": %" PRIu64 ", \"unstamped\": %" PRIu64 ", \"signed\": %s"
		       ", \"rendered\": %" PRIu64 ", \"unsettled\": %" PRIu64 ", \"render_failed\": %" PRIu64
		       ", \"blocked\": %" PRIu64 ", \"duplicates\": %" PRIu64 ", \"seconds\": %.3f, \"exit\": %d}\n",
		       crc < 0 ? "false" : "true", st.fetched, st.failed, st.http_errors, st.truncated,
		       st.robots_blocked, st.skipped, st.queued, st.seen, st.bytes, st.records, st.revisits,
		       st.findings, st.doxing_pages, st.undetected, st.resumed, st.damaged_files, st.seals,
		       st.unstamped, c.o.signer ? "true" : "false", st.rendered, st.unsettled, st.render_failed,
		       st.blocked, st.duplicates, st.seconds, rc);
	}
out:
	cfg_free(&g_cfg);
	for (size_t i = 0; i < c.nseeds; i++) {
		int from_argv = 0;
		for (int j = first; j < argc; j++)
			if (c.seeds[i] == argv[j])
				from_argv = 1;
		if (!from_argv)
			free((char *)c.seeds[i]);
	}
	free(c.seeds);
	free(c.cmdline);
	free(c.headers.v);
	free(c.secrets.v);
	free(c.include.v);
	free(c.exclude.v);
	if (c.log && c.log != stdout)
		fclose(c.log);
	return rc;
}
