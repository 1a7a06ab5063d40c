/*
 * test_cdxj.c — archive/export/cdxj.c: SURT keys, the line format, and rebuilding
 * the index of a small case (sorting, revisits, findings, a damaged file).
 * Runs the shared check-cdxj on the case when $SHARED is set.
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *S(const char *s)
{
	return s;
}

static char tmpdir[128];

/* Expected keys are what the python surt package (0.3.1, the one pywb calls
 * as surt.surt(url)) gives for the same URL; see the comment in cdxj.c. */
static void test_surt(void)
{
	static const char *const cases[][2] = {
		{ "http://www.Example.COM/Path/A/?b=2&a=1#frag", "com,example)/path/a?a=1&b=2" },
		{ "https://example.com:443/", "com,example)/" },
		{ "http://example.com:80", "com,example)/" },
		{ "http://example.com", "com,example)/" },
		{ "http://example.com:8080/x", "com,example:8080)/x" },
		{ "https://example.com:80/", "com,example:80)/" },
		{ "http://example.com:443/", "com,example:443)/" },
		{ "http://example.com:0080/", "com,example)/" },
		{ "http://user:pw@sub.Example.org/a", "org,example,sub)/a" },
		{ "http://127.0.0.1:8000/a", "1,0,0,127:8000)/a" },
		{ "http://192.168.1.254/info/", "254,1,168,192)/info" },
		{ "http://3279880203/blah", "11,0,127,195)/blah" },
		{ "http://017.0.0.1/x", "1,0,0,15)/x" },
		{ "http://[::1]:8080/", "::1:8080)/" },
		{ "http://example.com?q=1", "com,example)/?q=1" },
		{ "http://www.archive.org/", "org,archive)/" },
		{ "http://www2.example.com/", "com,example)/" },
		{ "http://www12.foo.com/", "com,foo)/" },
		{ "http://wwwx.example.com/", "com,example,wwwx)/" },
		{ "http://www2foo.com/", "com,www2foo)/" },
		{ "http://www.com/", "com)/" },
		{ "http://example.com./a", "com,example)/a" },
		{ "http://www.google.com.../", "com,google)/" },
		{ "HTTP://EXAMPLE.COM/A#x", "com,example)/a" },
		{ "dns:Example.com", "dns:example.com" },
		{ "mailto:foo@example.com", "mailto:foo@example.com" },
		{ "whois://whois.isoc.org.il/shaveh.co.il", "il,org,isoc,whois)/shaveh.co.il" },
		{ "ftp://www.example.com/", "com,example)/" },
		{ "http://archive.org/goo/", "org,archive)/goo" },
		{ "http://archive.org/goo/?", "org,archive)/goo" },
		{ "http://archive.org/goo/?b&a", "org,archive)/goo?a&b" },
		{ "http://archive.org/goo/?a=2&b&a=1", "org,archive)/goo?a=1&a=2&b" },
		{ "http://example.com/?a-b=1&a=2&a", "com,example)/?a&a=2&a-b=1" },
		{ "http://example.com/?a=1&", "com,example)/?&a=1" },
		{ "http://archive.org/index.php?PHPSESSID=0123456789abcdefghijklemopqrstuv&action=profile;u=4221", "org,archive)/index.php?action=profile;u=4221" },
		{ "http://example.com/?a=1&jsessionid=0123456789abcdefghijklmnopqrstuv&b=2", "com,example)/?a=1&b=2" },
		{ "http://example.com/?jsessionid=0123456789abcdefghijklmnopqrstuv", "com,example)/" },
		{ "http://example.com/?ASPSESSIONIDABCDEFGH=abcdefghijklmnopqrstuvwx&x=y", "com,example)/?x=y" },
		{ "http://example.com/?cfid=123&cftoken=456&x=y", "com,example)/?x=y" },
		{ "http://example.com/(S(4hqa0555fwsecu455xqckv45))/mileg.aspx", "com,example)/mileg.aspx" },
		{ "http://example.com/x/(4hqa0555fwsecu455xqckv45)/mileg.aspx?page=1", "com,example)/x/mileg.aspx?page=1" },
		{ "http://www.google.com/blah/..", "com,google)/" },
		{ "http://example.com/a/./b/../c//d/", "com,example)/a/c/d" },
		{ "http://example.com/../a", "com,example)/../a" },
		{ "http://host.com//twoslashes?more//slashes", "com,host)/twoslashes?more//slashes" },
		{ "http://www.google.com/q?r?s", "com,google)/q?r?s" },
		{ "http://evil.com/foo#bar#baz", "com,evil)/foo" },
		{ "http:////////////////www.vikings.com", "com,vikings)/" },
		{ "http://https://order.1and1.com", "com,1and1,order)/" },
		{ "http://mineral.galleries.com:/minerals/silicate/chabazit/chabazit.htm", "com,galleries,mineral)/minerals/silicate/chabazit/chabazit.htm" },
		{ "  http://www.google.com/  ", "com,google)/" },
		{ "www.google.com", "com,google)/" },
		{ "http://example.com/app?item=Wroc%C5%82aw", "com,example)/app?item=wroc%c5%82aw" },
		{ "http://EXAMPLE.com/%e4%B8%AD", "com,example)/%e4%b8%ad" },
		{ "http://example.com/a b", "com,example)/a%20b" },
		{ "http://example.com/100%", "com,example)/100%25" },
		{ "http://[2001:DB8::1]/x", "2001:db8::1)/x" },
		{ "http://example.com/a?b#c?d", "com,example)/a?b" },
		{ "http://www.google.com/foo\tbar\rbaz\n2", "com,google)/foobarbaz2" },
		{ "http://example.com/\xc3\xa9?Q=\xc3\x89", "com,example)/%c3%a9?q=%c3%89" },
	};
	/* Expected keys from the surt repository's own tests (tests/test_surt.py
	 * of surt 0.3.1): surt.surt() cases as written there; GoogleURLCanonicalizer
	 * and IAURLCanonicalizer cases carried through the rest of surt.surt (IA
	 * lower-casing, "www" and trailing "/" dropped, host reversed). */
	static const char *const surt_tests[][2] = {
		{ "filedesc:foo.arc.gz", "filedesc:foo.arc.gz" },
		{ "filedesc://foo.arc.gz", "filedesc://foo.arc.gz" },
		{ "warcinfo:foo.warc.gz", "warcinfo:foo.warc.gz" },
		{ "dns:alexa.com", "dns:alexa.com" },
		{ "http://visit.webhosting.yahoo.com/visit.gif?&r=http%3A//web.archive.org/web/20090517140029/http%3A//anthonystewarthead.electric-chi.com/&b=Netscape%205.0%20%28Windows%3B%20en-US%29&s=1366x768&o=Win32&c=24&j=true&v=1.2",
		  "com,yahoo,webhosting,visit)/visit.gif?&b=netscape%205.0%20(windows;%20en-us)&c=24&j=true&o=win32&r=http://web.archive.org/web/20090517140029/http://anthonystewarthead.electric-chi.com/&s=1366x768&v=1.2" },
		/* surt's xfail test: "%26" is decoded before the arguments are split,
		 * and pywb keys with this behaviour, so custody must too */
		{ "http://example.com/script?type=a+b+%26+c&grape=wine", "com,example)/script?+c&grape=wine&type=a+b+" },
		/* unescapeRepeatedly, then escapeOnce */
		{ "http://host/%25%32%35", "host)/%25" },
		{ "http://host/%25%32%35%25%32%35", "host)/%25%25" },
		{ "http://host/%2525252525252525", "host)/%25" },
		{ "http://host/asdf%25%32%35asd", "host)/asdf%25asd" },
		{ "http://host/%%%25%32%35asd%%", "host)/%25%25%25asd%25%25" },
		{ "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
		  "26,99,188,168)/.secure/www.ebay.com" },
		{ "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
		  "11,0,127,195)/uploads/%20%20%20%20/.verify/.ebaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx" },
		{ "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
		  "com,host%23)/~a!b@c%23d$e%25f^00&11*22(33)44_55+" },
		{ "http://www.GOOgle.com/", "com,google)/" },
		{ "http://evil.com/foo;", "com,evil)/foo;" },
		{ "http://evil.com/foo?bar;", "com,evil)/foo?bar;" },
		{ "http://www.google.com/q?", "com,google)/q" },
		{ "http://www.google.com/q?r?", "com,google)/q?r?" },
		{ "http://host.com/ab%23cd", "com,host)/ab%23cd" },
		{ "http://notrailingslash.com", "com,notrailingslash)/" },
		{ "http://www.gotaport.com:1234/", "com,gotaport:1234)/" },
		{ "http:// leadingspace.com/", "com,%20leadingspace)/" },
		{ "http://%20leadingspace.com/", "com,%20leadingspace)/" },
		{ "%20leadingspace.com/", "com,%20leadingspace)/" },
		{ "http://10.0.258/", "2,1,0,10)/" },
		{ "http://1.2.3.256/", "256,3,2,1)/" },
		{ "http://39024579298/", "226,210,11,22)/" },
		/* a host that is not ASCII: IDNA, or escaped when the codec fails */
		{ "B\xc3\xbc" "cher.ch:8080", "ch,xn--bcher-kva:8080)/" },
		{ "\xe2\x98\x83.com", "com,xn--n3h)/" },
		{ "http://\x01\xc2\x80.com/", "com,%01%c2%80)/" },
		{ "http://www.t%EF%BF%BD%04.82.net/", "net,82,t%ef%bf%bd%04)/" },
		{ "https://www.archive.org:80/", "org,archive:80)/" },
		{ "http://www.archive.org:443/", "org,archive:443)/" },
		{ "http://www34.archive.org/index.html?b=a&b=b&a=b", "org,archive)/index.html?a=b&b=a&b=b" },
		{ "http://www2.www2foo.com/", "com,www2foo)/" },
		{ "http://archive.org/index.html?a=1&", "org,archive)/index.html?&a=1" },
		/* decoding happens before the path is normalised and the query
		 * sorted: "%2F" is a '/', "%7E" a '~', "%41" an 'a' */
		{ "http://example.com/A%7Eb/%2F?Q=%7E", "com,example)/a~b?q=~" },
		{ "http://example.com/a%2F..%2Fb", "com,example)/b" },
		{ "http://example.com/%41%2541", "com,example)/aa" },
		{ "http://example.com/?b=%26&a", "com,example)/?&a&b=" },
		{ "http://example.com/a%20b%2520c", "com,example)/a%20b%20c" },
		{ "http://example.com/%e9t%C3%A9", "com,example)/%e9t%c3%a9" },
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = cdxj_surt(cases[i][0], out, sizeof out);
		CHECK(rc == 0, "surt(%s) rc %d", cases[i][0], rc);
		CHECK(!strcmp(out, cases[i][1]), "surt(%s) = '%s', want '%s'", cases[i][0], out,
		      cases[i][1]);
	}
	for (i = 0; i < sizeof surt_tests / sizeof surt_tests[0]; i++) {
		int rc = cdxj_surt(surt_tests[i][0], out, sizeof out);
		CHECK(rc == 0 && !strcmp(out, surt_tests[i][1]), "surt(%s) = '%s' (rc %d), want '%s'",
		      surt_tests[i][0], out, rc, surt_tests[i][1]);
	}
	CHECK(cdxj_surt("http://example.com/long/path", out, 10) == ARC_ELIMIT, "small buffer");
	CHECK(cdxj_surt("http://example.com/", out, 13) == ARC_ELIMIT, "exactly no room for the NUL");
	CHECK(cdxj_surt("http://example.com/", out, 14) == 0 && !strcmp(out, "com,example)/"), "just fits");
	CHECK(cdxj_surt("http:///", out, sizeof out) == ARC_EINVAL, "no host");
	CHECK(cdxj_surt("http://user@:80", out, sizeof out) == ARC_EINVAL, "empty host");
	CHECK(cdxj_surt("", out, sizeof out) == 0 && !strcmp(out, "-"), "empty URL: '-' as surt");
	CHECK(cdxj_surt(NULL, out, sizeof out) == ARC_EINVAL, "NULL");
}

static void test_line(void)
{
	arc_buf_t b = { 0 };
	int rc;

	rc = cdxj_format_line("http://www.example.com/a?b=\"1\"", "2026-11-25T17:06:23.123456Z",
	                      "text/html", 200, "sha256:ab", 123, 4567, "capture-00000.warc.zst",
	                      NULL, &b);
	CHECK(rc == 0, "format rc %d", rc);
	CHECK_STR(S((char *)b.data),
	          "com,example)/a?b=\"1\" 20261125170623 {\"url\": \"http://www.example.com/a?b=\\\"1\\\"\", "
	          "\"mime\": \"text/html\", \"status\": \"200\", \"digest\": \"sha256:ab\", "
	          "\"length\": \"123\", \"offset\": \"4567\", \"filename\": \"capture-00000.warc.zst\"}");
	b.len = 0;
	rc = cdxj_format_line("http://example.com/", "2026-11-25T17:06:23Z", NULL, 0, NULL, 1, 0,
	                      "f", "\"doxing\": true", &b);
	CHECK(rc == 0, "format rc %d", rc);
	CHECK_STR(S((char *)b.data),
	          "com,example)/ 20261125170623 {\"url\": \"http://example.com/\", \"length\": \"1\", "
	          "\"offset\": \"0\", \"filename\": \"f\", \"doxing\": true}");
	b.len = 0;
	CHECK(cdxj_format_line("http://example.com/", "not a date", NULL, 0, NULL, 1, 0, "f", NULL,
	                       &b) == ARC_EFORMAT && b.len == 0, "bad date refused");
	/* surt drops TAB/CR/LF and escapes a space */
	CHECK(cdxj_format_line("http://example.com/a b\tc", "2026-11-25T17:06:23Z", NULL, 0, NULL, 1, 0,
	                       "f", NULL, &b) == 0 && !strncmp((char *)b.data, "com,example)/a%20bc 2026", 24),
	      "whitespace in the key: %s", (char *)b.data);
	b.len = 0;
	CHECK(cdxj_format_line("http://User@:80", "2026-11-25T17:06:23Z", NULL, 0, NULL, 1, 0,
	                       "f", NULL, &b) == 0 && !strncmp((char *)b.data, "http://user@:80 2026", 20),
	      "no host: the URL is the key: %s", (char *)b.data);
	b.len = 0;
	/* bytes that are not UTF-8 still give a JSON line */
	rc = cdxj_format_line("http://example.com/\xff\x01", "2026-11-25T17:06:23Z", NULL, 0, NULL,
	                      1, 0, "f", NULL, &b);
	CHECK(rc == 0 && strstr((char *)b.data, "\\ufffd\\u0001"), "escaped: %s", (char *)b.data);
	arc_buf_free(&b);
}

/* ---------------------------------------------------------------- rebuild */

static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; charset=utf-8\r\n\r\n<p>hi</p>";

static int write_rec(arc_case_t *c, const char *type, const char *uri, const char *ct,
                     const char *body, const warc_field_t *f, size_t nf, warc_written_t *out)
{
	warc_record_t r;
	arc_error_t e;
	int rc;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.target_uri = uri;
	r.content_type = ct;
	r.block = body;
	r.block_len = strlen(body);
	r.fields = f;
	r.nfields = nf;
	rc = arc_case_write(c, &r, out, &e);
	if (rc)
		printf("write %s %s: %s\n", type, uri, e.msg);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	arc_buf_t b = { 0 };
	char tmp[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		arc_buf_append(&b, tmp, n);
	fclose(f);
	arc_buf_append(&b, "", 0);
	return (char *)b.data;
}

static int nlines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void test_rebuild(void)
{
	char dir[256], path[400], cmd[1200];
	arc_case_opts_t o;
	arc_case_t *c;
	arc_error_t e;
	warc_written_t out, first;
	warc_field_t f[4];
	char refers[ARC_UUID_LEN + 8], findings[512];
	char *idx, *idx2, *p, *prev;
	int fails = 0;
	FILE *fh;

	snprintf(dir, sizeof dir, "%s/case", tmpdir);
	memset(&o, 0, sizeof o);
	o.software = "custody/test";
	o.max_file_size = 2000; /* a few files */
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "open: %s", e.msg);
	if (!c)
		return;
	/* unsorted on purpose; "/a/", "/a-b", "/a" test key-then-timestamp ordering */
	fails += write_rec(c, "request", "http://example.com/a/", "application/http; msgtype=request",
	                   "GET /a/ HTTP/1.1\r\nHost: example.com\r\n\r\n", NULL, 0, &out);
	fails += write_rec(c, "response", "http://example.com/a/", "application/http; msgtype=response",
	                   RESP, NULL, 0, &first);
	memcpy(refers, first.record_id, sizeof refers);
	fails += write_rec(c, "response", "http://www.example.com/a-b", "application/http; msgtype=response",
	                   RESP, NULL, 0, &out);
	fails += write_rec(c, "response", "http://example.com/a", "application/http; msgtype=response",
	                   RESP, NULL, 0, &out);
	fails += write_rec(c, "response", "http://www.Example.com/Q?b=2&A=1#top", "application/http; msgtype=response",
	                   RESP, NULL, 0, &out);
	fails += write_rec(c, "response", "http://127.0.0.1:8080/z", "application/http; msgtype=response",
	                   "HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n", NULL, 0, &out);
	f[0] = (warc_field_t){ "WARC-Refers-To", refers };
	snprintf(findings, sizeof findings,
	         "{\"target\": \"%s\", \"verdict\": {\"doxing\": true, \"score\": 0.93}, "
	         "\"findings\": [{\"type\": \"phone\"}, {\"type\": \"cn_resident_id\"}]}", refers);
	fails += write_rec(c, "metadata", "http://example.com/a/", "application/vnd.custody.findings+json",
	                   findings, f, 1, &out);
	f[0] = (warc_field_t){ "WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest" };
	f[1] = (warc_field_t){ "WARC-Refers-To", refers };
	f[2] = (warc_field_t){ "WARC-Refers-To-Target-URI", "http://example.com/a/" };
	f[3] = (warc_field_t){ "WARC-Refers-To-Date", first.date };
	fails += write_rec(c, "revisit", "http://example.com/a/", "application/http; msgtype=response",
	                   RESP, f, 4, &out);
	fails += write_rec(c, "resource", "http://example.com/shot.png", "image/png", "png", NULL, 0, &out);
	CHECK(fails == 0, "%d writes failed", fails);
	CHECK(arc_case_close(c, &e) == 0, "close: %s", e.msg);

	snprintf(path, sizeof path, "%s/index.cdxj", dir);
	idx = slurp(path);
	CHECK(idx != NULL, "index.cdxj exists");
	if (!idx)
		return;
	CHECK(nlines(idx) == 6, "6 lines (5 responses, 1 revisit), got %d:\n%s", nlines(idx), idx);
	/* sorted: key, then timestamp */
	prev = NULL;
	for (p = idx; *p; p = strchr(p, '\n') + 1) {
		if (prev) {
			size_t kp = strcspn(prev, " "), kc = strcspn(p, " ");
			int c1 = memcmp(prev, p, kp < kc ? kp : kc);
			CHECK(c1 < 0 || (c1 == 0 && kp <= kc), "order: %.40s before %.40s", prev, p);
		}
		prev = p;
	}
	CHECK(!strncmp(idx, "1,0,0,127:8080)/z ", 18), "IP key first: %.40s", idx);
	CHECK(strstr(idx, "\"status\": \"301\"") != NULL, "status 301");
	/* "/a/" and "/a" share the key "com,example)/a" (surt drops the trailing
	 * slash); every such line sorts before "com,example)/a-b" */
	{
		const char *ab = strstr(idx, "com,example)/a-b ");
		int na = 0;
		for (p = idx; (p = strstr(p, "com,example)/a ")) != NULL; p++, na++)
			CHECK(ab && p < ab, "a < a-b");
		CHECK(na == 3 && ab, "3 lines keyed com,example)/a and one a-b, got %d", na);
	}
	CHECK(strstr(idx, "\ncom,example)/q?a=1&b=2 ") != NULL, "query sorted and lower-cased in the key");
	p = strstr(idx, "{\"url\": \"http://example.com/a/\", \"mime\": \"text/html\"");
	CHECK(p && strstr(p, "\"mime\": \"text/html\", \"status\": \"200\"") &&
	      strstr(p, "\"mime\": \"text/html\"") < strchr(p, '\n'), "mime lower-cased, no parameters");
	CHECK(p && strstr(p, "\"doxing\": true, \"findings\": 2}") &&
	      strstr(p, "\"doxing\": true, \"findings\": 2}") < strchr(p, '\n'), "findings on the response line");
	CHECK(strstr(idx, "\"mime\": \"warc/revisit\", \"status\": \"200\"") != NULL, "revisit line");
	CHECK(strstr(idx, "shot.png") == NULL, "resource records are not indexed (check-cdxj wants response/revisit)");
	{
		int nd = 0;
		for (p = idx; (p = strstr(p, "doxing")) != NULL; p++)
			nd++;
		CHECK(nd == 1, "doxing on exactly one line, got %d", nd);
	}
	if (getenv("SHARED")) {
		snprintf(cmd, sizeof cmd, "'%s/interop/check-cdxj' '%s' >%s/check-cdxj.log 2>&1",
		         getenv("SHARED"), dir, tmpdir);
		CHECK(system(cmd) == 0, "check-cdxj %s (log in %s)", dir, tmpdir);
	}

	/* rebuilding again gives the same bytes */
	CHECK(cdxj_rebuild(dir, &e) == 0, "rebuild: %s", e.msg);
	idx2 = slurp(path);
	CHECK(idx2 && !strcmp(idx, idx2), "rebuild is deterministic");
	free(idx2);

	/* a damaged tail: what could be read is indexed, and the error says where */
	{
		arc_case_files_t l;
		CHECK(arc_case_files(dir, &l, &e) == 0 && l.n > 0, "list: %s", e.msg);
		snprintf(path, sizeof path, "%s/capture-%s-99999.warc.zst", dir, l.n ? l.v[0].short_id : "");
		snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf '\\050\\265\\057\\375garbage' >> '%s'",
		         l.n ? l.v[0].path : "/nonexistent", path, path);
		arc_case_files_free(&l);
	}
	CHECK(system(cmd) == 0, "make a damaged copy");
	CHECK(cdxj_rebuild(dir, &e) < 0 && strstr(e.msg, "-99999.warc.zst"), "damage reported: %s", e.msg);
	snprintf(path, sizeof path, "%s/index.cdxj", dir);
	idx2 = slurp(path);
	CHECK(idx2 && nlines(idx2) > nlines(idx), "readable records of the damaged file indexed");
	free(idx2);
	free(idx);

	/* an empty case: an empty index */
	snprintf(dir, sizeof dir, "%s/empty", tmpdir);
	mkdir(dir, 0755);
	CHECK(cdxj_rebuild(dir, &e) == 0, "empty: %s", e.msg);
	snprintf(path, sizeof path, "%s/index.cdxj", dir);
	fh = fopen(path, "rb");
	CHECK(fh && fgetc(fh) == EOF, "empty index");
	if (fh)
		fclose(fh);
	CHECK(cdxj_rebuild("/nonexistent/custody", &e) == ARC_EIO && strstr(e.msg, "/nonexistent/custody"),
	      "missing dir named: %s", e.msg);
}

int main(void)
{
	char cmd[200];

	tu_tmp(tmpdir, sizeof tmpdir, "custody-test-cdxj.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_surt();
	test_line();
	test_rebuild();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (tu_fail == 0 && !getenv("KEEP_TMP"))
		(void)!system(cmd);
	else
		printf("files kept in %s\n", tmpdir);
	TU_END();
}
