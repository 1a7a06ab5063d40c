/*
 * environment.c — the capture environment, recorded before the first capture:
 * what a court's "clean environment" check (清洁性检查) asks of the machine, asked
 * by custody itself and written as one metadata record
 * (application/vnd.custody.environment+json, urn:custody:environment:<case>)
 * right after warcinfo, so that the opening seal covers it.
 *
 * It holds the hosts file (content and SHA-256), the resolver configuration,
 * the proxy settings the process saw and what libcurl makes of them, the
 * network interfaces and addresses, per seed host the addresses the system
 * resolver returned and the kernel's route to each (the source address and
 * interface a connect() picks), a TLS handshake with each https seed host,
 * the software versions and the executable's own SHA-256, the user and host
 * names and the command line. After the opening seal, crawl_env_clock()
 * compares the local clock with the TSA token's genTime; the offset goes into
 * a small clock record. Anomalies (a hosts-file entry for a seed host, a
 * proxy in use, a private or loopback answer for a public host name, a TLS
 * certificate that does not verify, a clock off by more than the tolerance)
 * are named in the record and kept for the front end to print.
 *
 * With private_env the host and user names and every local (non-loopback)
 * address are replaced by "hmac-sha256:<hex>" keyed with the operator's salt,
 * and the hosts and resolver files are summarised (digest, size, the lines
 * naming seed hosts) instead of copied.
 *
 * Must never: print or exit; fail a crawl because a fact cannot be read (the
 * fact says "error" instead); write a secret (proxy credentials are dropped,
 * the command line comes already hashed); read more than CRAWL_ENV_MAX_* of
 * any file; take longer than a few seconds per seed host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/hmac.h>

#include "crawl_int.h"

struct crawl_env {
	json_t *root;          /* the record body */
	json_t *anomalies;     /* borrowed from root */
	char **notes;          /* one plain sentence per anomaly */
	size_t nnotes;
	int private_env;
	unsigned char salt[64];
	size_t salt_len;
	long tolerance_s;
	char record_id[ARC_UUID_LEN + 8];
	int clock_checked;
	int64_t clock_offset_ms;
	char clock_line[200];
};

void crawl_env_opts_init(crawl_env_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->tls_probe = 1;
	o->clock_tolerance_s = CRAWL_ENV_CLOCK_TOLERANCE;
}

/* ---------------------------------------------------------------- small helpers */

/* Text of kept bytes for JSON: UTF-8 passes, anything else becomes \xNN. */
static json_t *text_of(const arc_buf_t *b)
{
	json_t *j = json_stringn((const char *)b->data, b->len);
	if (j)
		return j;
	arc_buf_t o = {0};
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = b->data[i];
		if (c < 0x80 && c != 0)
			arc_buf_append(&o, &c, 1);
		else
			arc_buf_printf(&o, "\\x%02x", c);
	}
	j = json_stringn(o.data ? (const char *)o.data : "", o.len);
	arc_buf_free(&o);
	return j ? j : json_string("");
}

static json_t *jstr(const char *s)
{
	json_t *j = json_stringn(s ? s : "", strlen(s ? s : ""));
	/* not UTF-8 (a hostile hosts file): keep it readable, never drop it */
	if (!j) {
		arc_buf_t b = {(unsigned char *)(uintptr_t)s, strlen(s), 0};
		j = text_of(&b);
	}
	return j ? j : json_null();
}

/* Private values: HMAC-SHA256 with the operator's salt, so that the owner of
 * the salt can show a hash is of their machine, and nobody else can guess it
 * from a list of host names. */
static json_t *jpriv(const crawl_env_t *e, const char *s)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[80] = "hmac-sha256:";
	static const char *const x = "0123456789abcdef";

	if (!e->private_env)
		return jstr(s);
	HMAC(EVP_sha256(), e->salt, (int)e->salt_len, (const unsigned char *)(s ? s : ""),
	     strlen(s ? s : ""), md, &mdlen);
	for (unsigned i = 0; i < mdlen && i < 32; i++) {
		hex[12 + 2 * i] = x[md[i] >> 4];
		hex[13 + 2 * i] = x[md[i] & 15];
	}
	hex[12 + 64] = '\0';
	return json_string(hex);
}

static void note(crawl_env_t *e, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(crawl_env_t *e, const char *kind, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e->nnotes >= CRAWL_ENV_MAX_ANOMALIES)
		return;
	char **nv = realloc(e->notes, (e->nnotes + 1) * sizeof *nv);
	if (!nv)
		return;
	e->notes = nv;
	if (!(e->notes[e->nnotes] = strdup(msg)))
		return;
	e->nnotes++;
	json_array_append_new(e->anomalies, json_pack("{s:s, s:o}", "kind", kind, "message", jstr(msg)));
}

/* Loopback, private (RFC 1918, RFC 4193), link-local, CGNAT, unspecified. */
static int addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return (a >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a);
	}
	return 0;
}

static int v4_private(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) ||
	       (a >> 16) == (192u << 8 | 168) || (a >> 16) == (169u << 8 | 254) ||
	       (a >> 22) == (100u << 2 | 1) || a == 0;
}

int crawl_env_addr_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char zero[16] = {0};
		if (!memcmp(b, mapped, 12))
			return v4_private((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
		return !memcmp(b, zero, 15) /* :: and ::1 */ || (b[0] & 0xfe) == 0xfc ||
		       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
	}
	return 0;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	out[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outsz);
}

/* An address as the record shows it: hashed under private_env unless loopback. */
static json_t *jaddr(const crawl_env_t *e, const struct sockaddr *sa)
{
	char t[INET6_ADDRSTRLEN + 1];
	addr_text(sa, t, sizeof t);
	return addr_is_loopback(sa) ? jstr(t) : jpriv(e, t);
}

static int is_ip_literal(const char *host)
{
	unsigned char b[16];
	char h[256];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		return inet_pton(AF_INET6, h, b) == 1;
	}
	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

/* Names that are local by definition (RFC 6761, RFC 6762): a private answer is expected. */
static int is_local_name(const char *host)
{
	static const char *const sfx[] = {".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test"};
	size_t n = strlen(host);
	if (!strcasecmp(host, "localhost"))
		return 1;
	for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		size_t m = strlen(sfx[i]);
		if (n > m && !strcasecmp(host + n - m, sfx[i]))
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- files */

/* A configuration file: size, SHA-256 of all of it (read in full, streamed),
 * and its first CRAWL_ENV_MAX_FILE bytes as text (unless summarised). */
static json_t *file_fact(const char *path, size_t keep, arc_buf_t *kept)
{
	FILE *f = fopen(path, "rb");
	json_t *j = json_object();
	if (!f) {
		json_object_set_new(j, "path", jstr(path));
		json_object_set_new(j, "error", jstr(strerror(errno)));
		return j;
	}
	arc_sha256_t *h = arc_sha256_new();
	unsigned char buf[16384];
	uint64_t total = 0;
	size_t n;
	char d[ARC_DIGEST_LEN];
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 && total < CRAWL_ENV_MAX_HASHED) {
		if (h)
			arc_sha256_update(h, buf, n);
		if (kept->len < keep) {
			size_t take = keep - kept->len < n ? keep - kept->len : n;
			if (arc_buf_append(kept, buf, take))
				break;
		}
		total += n;
	}
	int err = ferror(f);
	fclose(f);
	json_object_set_new(j, "path", jstr(path));
	json_object_set_new(j, "size", json_integer((json_int_t)total));
	if (h) {
		arc_sha256_final(h, d);
		arc_sha256_free(h);
		json_object_set_new(j, "sha256", json_string(d));
	}
	if (err)
		json_object_set_new(j, "error", json_string("read error"));
	if (total >= CRAWL_ENV_MAX_HASHED)
		json_object_set_new(j, "hashed_only_first", json_integer((json_int_t)total));
	return j;
}

/* ---------------------------------------------------------------- hosts file */

/* Host of a seed URL ("" when none). */
static void seed_host(const char *url, char *out, size_t outsz)
{
	if (crawl_url_host(url, out, outsz) != 0)
		out[0] = '\0';
}

/* Lines of the hosts file that name host, as {line, text}; counts them. */
static size_t hosts_matches(const arc_buf_t *b, const char *host, json_t *arr, char *first, size_t firstsz)
{
	size_t found = 0, lineno = 0;
	const char *p = (const char *)b->data, *end = p + b->len;
	first[0] = '\0';
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		char line[1024];
		size_t ll = (size_t)(le - p) < sizeof line - 1 ? (size_t)(le - p) : sizeof line - 1;
		memcpy(line, p, ll);
		line[ll] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL, *tok = strtok_r(line, " \t\r", &save);
		const char *addr = tok;
		int hit = 0;
		while (tok && (tok = strtok_r(NULL, " \t\r", &save)))
			if (!strcasecmp(tok, host))
				hit = 1;
		if (hit && addr) {
			found++;
			if (!first[0])
				snprintf(first, firstsz, "%s (line %zu)", addr, lineno);
			if (json_array_size(arr) < 16) {
				memcpy(line, p, ll);
				line[ll] = '\0';
				json_array_append_new(arr, json_pack("{s:i, s:o}", "line", (int)lineno, "text",
				                                     jstr(line)));
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return found;
}

/* ---------------------------------------------------------------- proxy */

/* A proxy URL without its credentials ("http://user:pw@h:3128" -> "http://h:3128"). */
static void strip_credentials(const char *v, char *out, size_t outsz, int *had)
{
	const char *s = strstr(v, "://");
	const char *host = s ? s + 3 : v;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	*had = 0;
	if (at && (!slash || at < slash)) {
		*had = 1;
		snprintf(out, outsz, "%.*s%s", s ? (int)(host - v) : 0, v, at + 1);
	} else {
		snprintf(out, outsz, "%s", v);
	}
}

static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                         "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"};

/* What libcurl does with the environment for one URL (its own rules: lower-case
 * http_proxy only, https_proxy/HTTPS_PROXY, then all_proxy/ALL_PROXY; no_proxy). */
static const char *curl_proxy_for(const char *url, const char *host)
{
	int https = !strncasecmp(url, "https:", 6);
	const char *np = getenv("no_proxy");
	if (!np)
		np = getenv("NO_PROXY");
	if (np) {
		if (!strcmp(np, "*"))
			return NULL;
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", np);
		char *save = NULL;
		for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			if (*t == '.')
				t++;
			size_t hl = strlen(host), tl = strlen(t);
			if (tl && hl >= tl && !strcasecmp(host + hl - tl, t) && (hl == tl || host[hl - tl - 1] == '.'))
				return NULL;
		}
	}
	const char *p = https ? (getenv("https_proxy") ? getenv("https_proxy") : getenv("HTTPS_PROXY"))
	                      : getenv("http_proxy");
	if (!p || !*p)
		p = getenv("all_proxy") ? getenv("all_proxy") : getenv("ALL_PROXY");
	return p && *p ? p : NULL;
}

static json_t *proxy_fact(crawl_env_t *e, const crawl_env_opts_t *o)
{
	json_t *j = json_object(), *vars = json_object(), *eff = json_array();
	for (size_t i = 0; i < sizeof proxy_vars / sizeof *proxy_vars; i++) {
		const char *v = getenv(proxy_vars[i]);
		if (!v)
			continue;
		char clean[1024];
		int had = 0;
		strip_credentials(v, clean, sizeof clean, &had);
		json_object_set_new(vars, proxy_vars[i], jstr(clean));
		if (had)
			json_object_set_new(j, "credentials_removed", json_true());
	}
	json_object_set_new(j, "environment", vars);
	int any = 0;
	for (size_t i = 0; i < o->nseeds && i < CRAWL_ENV_MAX_HOSTS; i++) {
		char host[256];
		seed_host(o->seeds[i], host, sizeof host);
		const char *p = curl_proxy_for(o->seeds[i], host);
		char clean[1024] = "";
		int had = 0;
		if (p)
			strip_credentials(p, clean, sizeof clean, &had);
		json_array_append_new(eff, json_pack("{s:o, s:o}", "url", jstr(o->seeds[i]), "proxy",
		                                     p ? jstr(clean) : json_null()));
		if (p && !any) {
			any = 1;
			note(e, "proxy", "a proxy is in use: %s goes through %s (set in the environment "
			     "of the crawl; custody's own browser proxy is not meant)", o->seeds[i], clean);
		}
	}
	json_object_set_new(j, "libcurl_effective", eff);
	json_object_set_new(j, "custody_sets", json_string("none: custody sets no proxy of its own for "
	                                                   "its fetches; libcurl reads the variables above"));
	return j;
}

/* ---------------------------------------------------------------- interfaces, resolution, routes */

static json_t *interfaces_fact(const crawl_env_t *e)
{
	struct ifaddrs *ifa = NULL;
	json_t *arr = json_array();
	if (getifaddrs(&ifa) != 0) {
		json_array_append_new(arr, json_pack("{s:s}", "error", strerror(errno)));
		return arr;
	}
	size_t n = 0;
	for (struct ifaddrs *p = ifa; p && n < CRAWL_ENV_MAX_IFS; p = p->ifa_next) {
		if (!p->ifa_addr || (p->ifa_addr->sa_family != AF_INET && p->ifa_addr->sa_family != AF_INET6))
			continue;
		char mask[INET6_ADDRSTRLEN + 1] = "";
		if (p->ifa_netmask)
			addr_text(p->ifa_netmask, mask, sizeof mask);
		json_array_append_new(arr, json_pack("{s:o, s:s, s:o, s:s, s:b, s:b}", "name", jstr(p->ifa_name),
		                                     "family", p->ifa_addr->sa_family == AF_INET ? "ipv4" : "ipv6",
		                                     "address", jaddr(e, p->ifa_addr), "netmask", mask,
		                                     "up", (p->ifa_flags & IFF_UP) != 0,
		                                     "loopback", (p->ifa_flags & IFF_LOOPBACK) != 0));
		n++;
	}
	freeifaddrs(ifa);
	return arr;
}

/* The kernel's route to sa: the source address and interface a connect()
 * picks (what `ip route get` shows), without sending a packet (UDP). */
static json_t *route_fact(const crawl_env_t *e, const struct sockaddr *sa, socklen_t salen)
{
	int s = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage to, src;
	socklen_t sl = sizeof src;
	if (s < 0)
		return json_pack("{s:s}", "error", strerror(errno));
	memcpy(&to, sa, salen);
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = htons(53);
	else
		((struct sockaddr_in6 *)&to)->sin6_port = htons(53);
	if (connect(s, (struct sockaddr *)&to, salen) != 0 || getsockname(s, (struct sockaddr *)&src, &sl) != 0) {
		json_t *j = json_pack("{s:s}", "error", strerror(errno));
		close(s);
		return j;
	}
	close(s);
	/* which interface holds the source address */
	const char *ifname = NULL;
	struct ifaddrs *ifa = NULL;
	char want[INET6_ADDRSTRLEN + 1], have[INET6_ADDRSTRLEN + 1];
	addr_text((struct sockaddr *)&src, want, sizeof want);
	json_t *j = json_pack("{s:o}", "source", jaddr(e, (struct sockaddr *)&src));
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *p = ifa; p; p = p->ifa_next)
			if (p->ifa_addr && p->ifa_addr->sa_family == src.ss_family) {
				addr_text(p->ifa_addr, have, sizeof have);
				if (!strcmp(have, want)) {
					ifname = p->ifa_name;
					break;
				}
			}
		if (ifname)
			json_object_set_new(j, "interface", jstr(ifname));
		freeifaddrs(ifa);
	}
	return j;
}

/* One handshake with an https seed host, verified as the crawl verifies. */
static json_t *tls_probe(crawl_env_t *e, const crawl_env_opts_t *o, const char *url, const char *host)
{
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE] = "";
	if (!h)
		return json_pack("{s:s}", "error", "cannot start libcurl");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	if (o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	CURLcode cc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	int bad = cc == CURLE_PEER_FAILED_VERIFICATION
#if LIBCURL_VERSION_NUM < 0x073e00
	          || cc == CURLE_SSL_CACERT
#endif
	    ;
	json_t *j = json_pack("{s:s, s:b}", "result", cc == CURLE_OK ? "verified" : bad ? "not verified" : "no handshake",
	                      "verified", cc == CURLE_OK);
	if (cc != CURLE_OK)
		json_object_set_new(j, "error", jstr(errbuf[0] ? errbuf : curl_easy_strerror(cc)));
	if (bad)
		note(e, "tls", "the TLS certificate of %s does not verify (%s)%s", host,
		     errbuf[0] ? errbuf : curl_easy_strerror(cc),
		     o->insecure ? "; --insecure captures it anyway" : "");
	return j;
}

static json_t *hosts_fact(crawl_env_t *e, const crawl_env_opts_t *o, const arc_buf_t *hosts_text)
{
	json_t *arr = json_array();
	char seen[CRAWL_ENV_MAX_HOSTS][256];
	size_t nseen = 0;
	time_t t0 = time(NULL);
	for (size_t i = 0; i < o->nseeds && nseen < CRAWL_ENV_MAX_HOSTS; i++) {
		char host[256];
		seed_host(o->seeds[i], host, sizeof host);
		if (!host[0])
			continue;
		int dup = 0;
		for (size_t k = 0; k < nseen; k++)
			if (!strcmp(seen[k], host))
				dup = 1;
		if (dup)
			continue;
		snprintf(seen[nseen++], sizeof seen[0], "%s", host);
		json_t *h = json_pack("{s:o}", "host", jstr(host));
		int literal = is_ip_literal(host);
		json_object_set_new(h, "ip_literal", json_boolean(literal));
		/* the hosts file */
		json_t *lines = json_array();
		char first[300];
		size_t nm = hosts_matches(hosts_text, host, lines, first, sizeof first);
		json_object_set_new(h, "hosts_file_entries", lines);
		if (nm)
			note(e, "hosts_file", "the hosts file maps the seed host %s to %s: the system "
			     "resolver answers from it, not from DNS", host, first);
		/* the system resolver, as libcurl asks it */
		struct addrinfo hints, *res = NULL;
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		char bare[256];
		snprintf(bare, sizeof bare, "%s", host);
		if (bare[0] == '[') {
			memmove(bare, bare + 1, strlen(bare));
			bare[strcspn(bare, "]")] = '\0';
		}
		int gr = getaddrinfo(bare, NULL, &hints, &res);
		json_t *addrs = json_array();
		if (gr != 0) {
			json_object_set_new(h, "resolver_error", jstr(gai_strerror(gr)));
		} else {
			size_t na = 0;
			int private_hit = 0;
			char paddr[INET6_ADDRSTRLEN + 1] = "";
			for (struct addrinfo *a = res; a && na < CRAWL_ENV_MAX_ADDRS; a = a->ai_next) {
				char t[INET6_ADDRSTRLEN + 1];
				addr_text(a->ai_addr, t, sizeof t);
				int dupa = 0;
				for (size_t k = 0; k < json_array_size(addrs); k++) {
					json_t *x = json_object_get(json_array_get(addrs, k), "text");
					if (x && !strcmp(json_string_value(x), t))
						dupa = 1;
				}
				if (dupa)
					continue;
				int priv = crawl_env_addr_private(a->ai_addr);
				json_t *aj = json_pack("{s:s, s:b}", "text", t, "private", priv);
				/* a seed's address is public by definition of the seed: kept, but
				 * hashed under private_env when it is a local one */
				if (priv && !addr_is_loopback(a->ai_addr) && e->private_env)
					json_object_set_new(aj, "text", jpriv(e, t));
				json_object_set_new(aj, "address", json_object_get(aj, "text"));
				json_incref(json_object_get(aj, "text"));
				json_object_del(aj, "text");
				json_object_set_new(aj, "route", route_fact(e, a->ai_addr, a->ai_addrlen));
				json_array_append_new(addrs, aj);
				if (priv && !private_hit) {
					private_hit = 1;
					snprintf(paddr, sizeof paddr, "%s", t);
				}
				na++;
			}
			freeaddrinfo(res);
			if (private_hit && !literal && !is_local_name(host))
				note(e, "private_answer", "the system resolver answered %s for the public host "
				     "name %s: a private or loopback address", paddr, host);
		}
		json_object_set_new(h, "addresses", addrs);
		if (o->tls_probe && !strncasecmp(o->seeds[i], "https:", 6)) {
			/* all handshakes together within a bound: a crawl of many slow seeds
			 * starts anyway, and the record says which were not probed */
			if (time(NULL) - t0 < CRAWL_ENV_PROBE_BUDGET)
				json_object_set_new(h, "tls", tls_probe(e, o, o->seeds[i], host));
			else
				json_object_set_new(h, "tls", json_pack("{s:s, s:b, s:s}", "result", "no handshake",
				                                        "verified", 0, "error",
				                                        "not probed: the probes' time bound was used up"));
		}
		json_array_append_new(arr, h);
	}
	if (o->nseeds > CRAWL_ENV_MAX_HOSTS)
		json_array_append_new(arr, json_pack("{s:I}", "hosts_not_checked",
		                                     (json_int_t)(o->nseeds - CRAWL_ENV_MAX_HOSTS)));
	return arr;
}

/* ---------------------------------------------------------------- software, identity */

static json_t *software_fact(const crawl_env_opts_t *o)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	char all[256];
	crawl_versions(all, sizeof all);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "custody", CUSTODY_VERSION, "libcurl", v->version,
	                      "tls", v->ssl_version ? v->ssl_version : "none", "all", all);
	json_object_set_new(j, "chromium", o->chromium ? jstr(o->chromium) : json_null());
	/* the executable's own bytes */
	arc_buf_t none = {0};
	json_t *exe = file_fact(o->exe_path ? o->exe_path : "/proc/self/exe", 0, &none);
	char real[4096];
	ssize_t rl = readlink("/proc/self/exe", real, sizeof real - 1);
	if (!o->exe_path && rl > 0) {
		real[rl] = '\0';
		json_object_set_new(exe, "path", jstr(real));
	}
	json_object_set_new(j, "executable", exe);
	return j;
}

static json_t *identity_fact(const crawl_env_t *e)
{
	struct utsname u;
	char host[256] = "";
	struct passwd pw, *pr = NULL;
	char pwbuf[4096];
	json_t *j = json_object();
	if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	json_object_set_new(j, "hostname", jpriv(e, host));
	if (uname(&u) == 0) {
		json_object_set_new(j, "system", jstr(u.sysname));
		json_object_set_new(j, "release", jstr(u.release));
		json_object_set_new(j, "machine", jstr(u.machine));
	}
	char uid[32];
	snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
	json_object_set_new(j, "uid", jpriv(e, uid));
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &pr) == 0 && pr)
		json_object_set_new(j, "user", jpriv(e, pr->pw_name));
	else
		json_object_set_new(j, "user", json_null());
	json_object_set_new(j, "private", json_boolean(e->private_env));
	return j;
}

/* The resolver's configuration: resolv.conf and nsswitch.conf, copied, or
 * under private_env only their nameservers (a LAN resolver's address is
 * local: hashed) and the hosts: line. */
static json_t *resolver_fact(crawl_env_t *e, const crawl_env_opts_t *o)
{
	json_t *resolver = json_object();
	const char *files[2] = {o->resolv_path ? o->resolv_path : "/etc/resolv.conf",
	                        o->nsswitch_path ? o->nsswitch_path : "/etc/nsswitch.conf"};
	const char *keys[2] = {"resolv_conf", "nsswitch_conf"};
	for (int i = 0; i < 2; i++) {
		arc_buf_t t = {0};
		json_t *f = file_fact(files[i], CRAWL_ENV_MAX_FILE, &t);
		if ((uint64_t)json_integer_value(json_object_get(f, "size")) > t.len)
			json_object_set_new(f, "truncated", json_true());
		if (!o->private_env) {
			json_object_set_new(f, "content", text_of(&t));
		} else if (i == 0) {
			/* nameservers only: a LAN resolver's address is local, hashed */
			json_t *ns = json_array();
			const char *p = (const char *)t.data, *end = p + t.len;
			while (p && p < end && json_array_size(ns) < 8) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t ll = (size_t)((nl ? nl : end) - p);
				char line[300], a[256];
				snprintf(line, sizeof line, "%.*s", (int)(ll < 299 ? ll : 299), p);
				if (sscanf(line, " nameserver %255s", a) == 1) {
					struct sockaddr_storage ss;
					memset(&ss, 0, sizeof ss);
					struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
					struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
					if (inet_pton(AF_INET, a, &s4->sin_addr) == 1)
						ss.ss_family = AF_INET;
					else if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1)
						ss.ss_family = AF_INET6;
					json_array_append_new(ns, ss.ss_family && !crawl_env_addr_private((struct sockaddr *)&ss)
					                              ? jstr(a) : jaddr(e, (struct sockaddr *)&ss));
				}
				p = nl ? nl + 1 : NULL;
			}
			json_object_set_new(f, "nameservers", ns);
		} else {
			const char *p = t.len ? memmem(t.data, t.len, "\nhosts:", 7) : NULL;
			if (p) {
				const char *nl = memchr(p + 1, '\n', t.len - (size_t)(p + 1 - (const char *)t.data));
				char line[300];
				snprintf(line, sizeof line, "%.*s", (int)((nl ? nl : (const char *)t.data + t.len) - p - 1),
				         p + 1);
				json_object_set_new(f, "hosts", jstr(line));
			}
		}
		arc_buf_free(&t);
		json_object_set_new(resolver, keys[i], f);
	}
	return resolver;
}

/* ---------------------------------------------------------------- the record */

int crawl_env_collect(const crawl_env_opts_t *o, crawl_env_t **out, arc_error_t *err)
{
	crawl_env_t *e = calloc(1, sizeof *e);
	*out = NULL;
	if (!e)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	e->private_env = o->private_env;
	e->tolerance_s = o->clock_tolerance_s > 0 ? o->clock_tolerance_s : CRAWL_ENV_CLOCK_TOLERANCE;
	if (o->private_env) {
		if (!o->salt || o->salt_len < 16) {
			free(e);
			return arc_fail(err, ARC_EINVAL, "", 0, "", "--private-environment needs a salt of 16 bytes or more");
		}
		e->salt_len = o->salt_len < sizeof e->salt ? o->salt_len : sizeof e->salt;
		memcpy(e->salt, o->salt, e->salt_len);
	}
	e->root = json_object();
	e->anomalies = json_array();
	if (!e->root || !e->anomalies) {
		crawl_env_free(e);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	char now[ARC_DATE_LEN];
	arc_now(now);
	json_object_set_new(e->root, "kind", json_string("environment"));
	json_object_set_new(e->root, "version", json_integer(1));
	json_object_set_new(e->root, "collected", json_string(now));
	json_object_set_new(e->root, "private", json_boolean(o->private_env));
	if (o->private_env)
		json_object_set_new(e->root, "private_note",
		                    json_string("host and user names and local addresses are HMAC-SHA256 "
		                                "values keyed with the operator's salt; configuration files "
		                                "are summarised by digest and the lines naming seed hosts"));

	/* the hosts file, whole into memory only up to its bound */
	const char *hp = o->hosts_path ? o->hosts_path : "/etc/hosts";
	arc_buf_t ht = {0};
	json_t *hosts = file_fact(hp, CRAWL_ENV_MAX_FILE, &ht);
	json_int_t hsize = json_integer_value(json_object_get(hosts, "size"));
	if ((uint64_t)hsize > ht.len && !json_object_get(hosts, "error")) {
		json_object_set_new(hosts, "truncated", json_true());
		json_object_set_new(hosts, "kept", json_integer((json_int_t)ht.len));
		note(e, "hosts_file_large", "the hosts file is %" PRId64 " bytes: its first %zu bytes are "
		     "recorded and searched for seed hosts, the SHA-256 covers all of it", (int64_t)hsize, ht.len);
	}
	if (!o->private_env)
		json_object_set_new(hosts, "content", text_of(&ht));
	json_object_set_new(e->root, "hosts_file", hosts);

	json_object_set_new(e->root, "resolver", resolver_fact(e, o));
	json_object_set_new(e->root, "proxy", proxy_fact(e, o));
	json_object_set_new(e->root, "interfaces", interfaces_fact(e));
	json_object_set_new(e->root, "seed_hosts", hosts_fact(e, o, &ht));
	arc_buf_free(&ht);
	json_object_set_new(e->root, "software", software_fact(o));
	json_object_set_new(e->root, "identity", identity_fact(e));
	json_object_set_new(e->root, "command_line", o->command_line ? jstr(o->command_line) : json_null());
	json_object_set_new(e->root, "clock",
	                    json_pack("{s:s, s:I, s:s}", "local_time", now, "tolerance_s", (json_int_t)e->tolerance_s,
	                              "checked", "against the genTime of the opening seal's time-stamp token: "
	                              "see the clock record after that seal"));
	json_object_set_new(e->root, "anomalies", e->anomalies);
	json_incref(e->anomalies);
	*out = e;
	return 0;
}

static int write_json(arc_case_t *c, json_t *body, const char *target, const char *refers_to,
                      char *id_out, size_t id_outsz, arc_error_t *err)
{
	char *s = json_dumps(body, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	if (!s)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	size_t len = strlen(s);
	if (len > CRAWL_ENV_MAX_RECORD) {
		free(s);
		return arc_fail(err, ARC_EINVAL, "", 0, "", "the environment record would be %zu bytes (bound %zu)",
		                len, (size_t)CRAWL_ENV_MAX_RECORD);
	}
	warc_field_t f[1] = {{"WARC-Refers-To", refers_to}};
	warc_record_t rec;
	warc_written_t w;
	memset(&rec, 0, sizeof rec);
	rec.type = "metadata";
	rec.target_uri = target;
	rec.content_type = ARC_CT_ENVIRONMENT;
	rec.block = s;
	rec.block_len = len;
	if (refers_to) {
		rec.fields = f;
		rec.nfields = 1;
	}
	memset(&w, 0, sizeof w);
	int rc = arc_case_write(c, &rec, &w, err);
	free(s);
	if (!rc && id_out)
		snprintf(id_out, id_outsz, "%s", w.record_id);
	return rc;
}

int crawl_env_put(arc_case_t *c, crawl_env_t *e, arc_error_t *err)
{
	json_object_set_new(e->root, "case", json_string(arc_case_id(c)));
	char target[ARC_UUID_LEN + 64];
	snprintf(target, sizeof target, "urn:custody:environment:%s", arc_case_id(c));
	return write_json(c, e->root, target, NULL, e->record_id, sizeof e->record_id, err);
}

int crawl_env_write(arc_case_t *c, const crawl_env_opts_t *o, crawl_env_t **out, arc_error_t *err)
{
	crawl_env_t *e = NULL;
	int rc = crawl_env_collect(o, &e, err);
	*out = NULL;
	if (rc)
		return rc;
	if ((rc = crawl_env_put(c, e, err))) {
		crawl_env_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

const char *crawl_env_hostname(const crawl_env_t *e)
{
	json_t *h = e ? json_object_get(json_object_get(e->root, "identity"), "hostname") : NULL;
	return json_is_string(h) ? json_string_value(h) : NULL;
}

const char *crawl_env_record_id(const crawl_env_t *e)
{
	return e ? e->record_id : "";
}

char *crawl_env_json(const crawl_env_t *e)
{
	return e ? json_dumps(e->root, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
}

/* "3 min 12 s" */
static void span_text(int64_t ms, char *out, size_t outsz)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;
	if (s >= 3600)
		snprintf(out, outsz, "%" PRId64 " h %" PRId64 " min %" PRId64 " s", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(out, outsz, "%" PRId64 " min %" PRId64 " s", s / 60, s % 60);
	else
		snprintf(out, outsz, "%" PRId64 " s", s);
}

int crawl_env_clock(crawl_env_t *e, const crawl_tsa_t *t)
{
	if (!e || !t || !t->first_tsa[0])
		return 0;
	/* the local clock at the middle of the exchange; genTime (whole seconds,
	 * accuracy as the TSA states) vouched for by the TSA */
	int64_t local_ms = (t->first_sent_ms + t->first_recv_ms) / 2;
	int64_t off = t->first_gen_time * 1000 - local_ms; /* > 0: this machine is behind */
	e->clock_checked = 1;
	e->clock_offset_ms = off;
	char span[64];
	span_text(off, span, sizeof span);
	int64_t aoff = off < 0 ? -off : off;
	if (aoff < 2000)
		snprintf(e->clock_line, sizeof e->clock_line,
		         "this machine's clock agreed with the time-stamp authority (within 2 s)");
	else
		snprintf(e->clock_line, sizeof e->clock_line, "this machine's clock was %s %s the time-stamp authority",
		         span, off > 0 ? "behind" : "ahead of");
	if (aoff > (int64_t)e->tolerance_s * 1000)
		note(e, "clock", "%s (tolerance %ld s)", e->clock_line, e->tolerance_s);
	return 1;
}

const char *crawl_env_clock_line(const crawl_env_t *e)
{
	return e && e->clock_checked ? e->clock_line : NULL;
}

int crawl_env_clock_off(const crawl_env_t *e)
{
	return e && e->clock_checked && (e->clock_offset_ms < 0 ? -e->clock_offset_ms : e->clock_offset_ms) >
	                                    (int64_t)e->tolerance_s * 1000;
}

int crawl_env_write_clock(arc_case_t *c, crawl_env_t *e, const crawl_tsa_t *t, arc_error_t *err)
{
	if (!e || !e->clock_checked)
		return 0;
	char gen[SEAL_TIME_LEN], sent[40], recv[40];
	seal_time_format(t->first_gen_time, gen);
	time_t s1 = (time_t)(t->first_sent_ms / 1000), s2 = (time_t)(t->first_recv_ms / 1000);
	struct tm tm1, tm2;
	gmtime_r(&s1, &tm1);
	gmtime_r(&s2, &tm2);
	char a[24], b[24];
	strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%S", &tm1);
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm2);
	snprintf(sent, sizeof sent, "%s.%03dZ", a, (int)(t->first_sent_ms % 1000));
	snprintf(recv, sizeof recv, "%s.%03dZ", b, (int)(t->first_recv_ms % 1000));
	json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s}", "kind", "clock", "version", 1,
	                      "case", arc_case_id(c), "tsa", t->first_tsa, "gen_time", gen,
	                      "local_sent", sent, "local_received", recv,
	                      "offset_ms", (json_int_t)e->clock_offset_ms, "tolerance_s", (json_int_t)e->tolerance_s,
	                      "within_tolerance", !crawl_env_clock_off(e), "summary", e->clock_line);
	if (!j)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	json_object_set_new(j, "note", json_string("offset_ms = genTime - the local clock halfway through the "
	                                           "request; > 0: this machine was behind. genTime has the "
	                                           "TSA's stated accuracy (whole seconds here)"));
	char target[ARC_UUID_LEN + 64];
	snprintf(target, sizeof target, "urn:custody:environment-clock:%s", arc_case_id(c));
	int rc = write_json(c, j, target, e->record_id[0] ? e->record_id : NULL, NULL, 0, err);
	json_decref(j);
	return rc;
}

size_t crawl_env_nanomalies(const crawl_env_t *e)
{
	return e ? e->nnotes : 0;
}

const char *crawl_env_anomaly(const crawl_env_t *e, size_t i)
{
	return e && i < e->nnotes ? e->notes[i] : NULL;
}

void crawl_env_free(crawl_env_t *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nnotes; i++)
		free(e->notes[i]);
	free(e->notes);
	json_decref(e->anomalies);
	json_decref(e->root);
	OPENSSL_cleanse(e->salt, sizeof e->salt);
	free(e);
}
