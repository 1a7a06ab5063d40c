/*
 * test_environment.c — the capture environment (crawler/environment.c) on
 * fixtures: hosts-file entries for a seed host, a 10 MB hosts file cut and
 * said so (digest over all of it), proxy variables flagged with their
 * credentials dropped, private and loopback address classes, the private
 * mode's HMACs, the clock against a token's genTime; and the verifier's
 * parser (verify/environment.c) reading back what the collector wrote,
 * refusing what is not a record, bounded.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "crawler.h"
#include "tu.h"
#include "verify.h"

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f);
}

static int priv4(const char *a)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	inet_pton(AF_INET, a, &s.sin_addr);
	return crawl_env_addr_private((struct sockaddr *)&s);
}

static int priv6(const char *a)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof s);
	s.sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s.sin6_addr);
	return crawl_env_addr_private((struct sockaddr *)&s);
}

static int has_anomaly(const crawl_env_t *e, const char *needle)
{
	for (size_t i = 0; i < crawl_env_nanomalies(e); i++)
		if (strstr(crawl_env_anomaly(e, i), needle))
			return 1;
	return 0;
}

static crawl_env_t *collect(const char *hosts, const char *const *seeds, size_t n, int private_env)
{
	static const unsigned char salt[32] = "0123456789abcdef0123456789abcde";
	crawl_env_opts_t o;
	crawl_env_t *e = NULL;
	arc_error_t err;
	crawl_env_opts_init(&o);
	o.seeds = seeds;
	o.nseeds = n;
	o.hosts_path = hosts;
	o.tls_probe = 0;
	o.command_line = "custody crawl -o case http://localhost/";
	o.private_env = private_env;
	o.salt = salt;
	o.salt_len = sizeof salt;
	if (crawl_env_collect(&o, &e, &err) != 0)
		return NULL;
	return e;
}

static void test_classes(void)
{
	CHECK(priv4("127.0.0.1") && priv4("10.1.2.3") && priv4("172.16.0.1") && priv4("172.31.255.255") &&
	      priv4("192.168.1.1") && priv4("169.254.0.9") && priv4("100.64.0.1") && priv4("0.0.0.0"),
	      "private IPv4 ranges");
	CHECK(!priv4("8.8.8.8") && !priv4("172.32.0.1") && !priv4("192.0.2.2") && !priv4("100.128.0.1"),
	      "public IPv4 addresses");
	CHECK(priv6("::1") && priv6("fd00::2") && priv6("fe80::1") && priv6("::ffff:10.0.0.1"), "private IPv6");
	CHECK(!priv6("2001:db8::1") && !priv6("::ffff:8.8.8.8"), "public IPv6");
}

static void test_hosts_entry(void)
{
	char path[512];
	tu_tmp(path, sizeof path, "custody-env-hosts");
	write_file(path, "# a comment naming localhost\n10.9.8.7\tlocalhost other # redirect\n127.0.0.1 elsewhere\n");
	const char *seeds[] = {"http://localhost:8080/page", "http://localhost:8080/other"};
	crawl_env_t *e = collect(path, seeds, 2, 0);
	CHECK(e != NULL, "collect");
	if (!e)
		return;
	CHECK(has_anomaly(e, "hosts file maps the seed host localhost to 10.9.8.7 (line 2)"),
	      "hosts entry flagged with address and line");
	size_t n = 0;
	for (size_t i = 0; i < crawl_env_nanomalies(e); i++)
		n += strstr(crawl_env_anomaly(e, i), "hosts file maps") != NULL;
	CHECK(n == 1, "one host, flagged once (%zu)", n);
	char *js = crawl_env_json(e);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL;
	json_t *h = json_array_get(json_object_get(j, "seed_hosts"), 0);
	CHECK(json_array_size(json_object_get(j, "seed_hosts")) == 1, "seed hosts deduplicated");
	CHECK(json_array_size(json_object_get(h, "hosts_file_entries")) == 1, "the matching line recorded");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(j, "hosts_file"), "content")), "10.9.8.7") != NULL,
	      "content copied");
	/* the verifier's parser reads it back */
	vf_env_t *v = calloc(1, sizeof *v);
	char why[300];
	CHECK(v && vf_env_parse(js, strlen(js), v, why, sizeof why) == 0 && v->present, "vf_env_parse");
	CHECK(v && v->nanomalies == crawl_env_nanomalies(e) && !strcmp(v->anomalies[0].kind, "hosts_file"),
	      "anomalies read back");
	CHECK(v && v->nhosts == 1 && !strcmp(v->hosts[0].host, "localhost") && v->hosts[0].hosts_entries == 1,
	      "seed host read back");
	free(v);
	json_decref(j);
	free(js);
	crawl_env_free(e);
	unlink(path);
}

static void test_big_hosts(void)
{
	char path[512];
	tu_tmp(path, sizeof path, "custody-env-bighosts");
	FILE *f = fopen(path, "w");
	arc_sha256_t *h = arc_sha256_new();
	char line[64];
	size_t total = 0;
	while (f && total < (size_t)10 << 20) {
		int n = snprintf(line, sizeof line, "10.%zu.%zu.1 host%zu.example\n", total % 250, total / 250 % 250,
		                 total);
		fwrite(line, 1, (size_t)n, f);
		arc_sha256_update(h, line, (size_t)n);
		total += (size_t)n;
	}
	if (f)
		fclose(f);
	char want[ARC_DIGEST_LEN];
	arc_sha256_final(h, want);
	arc_sha256_free(h);
	const char *seeds[] = {"http://localhost/"};
	crawl_env_t *e = collect(path, seeds, 1, 0);
	CHECK(e != NULL, "collect over a 10 MB hosts file");
	if (!e)
		return;
	char *js = crawl_env_json(e);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL, *hf = json_object_get(j, "hosts_file");
	CHECK(json_is_true(json_object_get(hf, "truncated")), "cut");
	CHECK(json_integer_value(json_object_get(hf, "kept")) == (json_int_t)CRAWL_ENV_MAX_FILE, "kept the bound");
	CHECK(json_integer_value(json_object_get(hf, "size")) == (json_int_t)total, "size of all of it");
	CHECK_STR(json_string_value(json_object_get(hf, "sha256")), want);
	CHECK(strlen(json_string_value(json_object_get(hf, "content"))) == CRAWL_ENV_MAX_FILE, "content bounded");
	CHECK(has_anomaly(e, "its first 262144 bytes are recorded"), "says so");
	CHECK(strlen(js) < CRAWL_ENV_MAX_RECORD, "record under its bound (%zu)", strlen(js));
	json_decref(j);
	free(js);
	crawl_env_free(e);
	unlink(path);
}

static void test_proxy_and_private(void)
{
	char path[512];
	tu_tmp(path, sizeof path, "custody-env-hosts2");
	write_file(path, "127.0.0.1 localhost\n");
	setenv("http_proxy", "http://jane:s3cretPW@10.20.30.40:3128/", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	const char *seeds[] = {"http://localhost/"};
	crawl_env_t *e = collect(path, seeds, 1, 1);
	unsetenv("http_proxy");
	CHECK(e != NULL, "collect");
	if (!e)
		return;
	char *js = crawl_env_json(e);
	CHECK(has_anomaly(e, "a proxy is in use: http://localhost/ goes through http://10.20.30.40:3128/"),
	      "proxy flagged");
	CHECK(js && !strstr(js, "s3cretPW") && !strstr(js, "jane"), "credentials never written");
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	json_t *j = json_loads(js, 0, NULL), *id = json_object_get(j, "identity");
	CHECK(!strncmp(json_string_value(json_object_get(id, "hostname")), "hmac-sha256:", 12), "host name hashed");
	CHECK(!strncmp(json_string_value(json_object_get(id, "user")), "hmac-sha256:", 12), "user hashed");
	CHECK(!json_object_get(json_object_get(j, "hosts_file"), "content"), "hosts file summarised");
	json_t *ifs = json_object_get(j, "interfaces");
	int ok = 1;
	for (size_t i = 0; i < json_array_size(ifs); i++) {
		json_t *x = json_array_get(ifs, i);
		const char *a = json_string_value(json_object_get(x, "address"));
		if (a && !json_is_true(json_object_get(x, "loopback")) && strncmp(a, "hmac-sha256:", 12))
			ok = 0;
	}
	CHECK(ok, "local addresses hashed");
	CHECK_STR(crawl_env_hostname(e), json_string_value(json_object_get(id, "hostname")));
	/* the same salt, the same hash: the operator can show it is theirs */
	crawl_env_t *e2 = collect(path, seeds, 1, 1);
	CHECK(e2 && !strcmp(crawl_env_hostname(e2), crawl_env_hostname(e)), "stable under one salt");
	crawl_env_free(e2);
	json_decref(j);
	free(js);
	crawl_env_free(e);
	/* no salt: refused, never hashed with an empty key */
	crawl_env_opts_t o;
	crawl_env_opts_init(&o);
	o.seeds = seeds;
	o.nseeds = 1;
	o.private_env = 1;
	o.tls_probe = 0;
	arc_error_t err;
	CHECK(crawl_env_collect(&o, &e, &err) == ARC_EINVAL && e == NULL, "private without a salt refused");
	unlink(path);
}

static void test_clock(void)
{
	const char *seeds[] = {"http://localhost/"};
	crawl_env_t *e = collect("/dev/null", seeds, 1, 0);
	crawl_tsa_t t;
	memset(&t, 0, sizeof t);
	CHECK(e && crawl_env_clock(e, &t) == 0 && !crawl_env_clock_line(e), "no token: no clock check");
	snprintf(t.first_tsa, sizeof t.first_tsa, "http://tsa.example/");
	t.first_sent_ms = 1764500000000;
	t.first_recv_ms = 1764500000200;
	t.first_gen_time = 1764500000 + 192; /* the TSA 3 min 12 s ahead */
	CHECK(e && crawl_env_clock(e, &t) == 1, "clock compared");
	CHECK_STR(crawl_env_clock_line(e), "this machine's clock was 3 min 11 s behind the time-stamp authority");
	CHECK(crawl_env_clock_off(e) && has_anomaly(e, "behind the time-stamp authority (tolerance 120 s)"),
	      "over the tolerance: an anomaly");
	t.first_gen_time = 1764500000;
	crawl_env_t *e2 = collect("/dev/null", seeds, 1, 0);
	CHECK(e2 && crawl_env_clock(e2, &t) == 1 && !crawl_env_clock_off(e2) &&
	      strstr(crawl_env_clock_line(e2), "agreed"), "agreeing clock");
	crawl_env_free(e);
	crawl_env_free(e2);
}

static void test_parse_bounds(void)
{
	vf_env_t *v = calloc(1, sizeof *v);
	char why[300];
	static const char *const bad[] = {"", "[]", "{\"kind\":\"environment\"}", "{\"kind\":\"x\",\"version\":1}",
	                                  "{\"kind\":\"environment\",\"version\":2}", "{\"kind\":1,\"version\":1}",
	                                  "{\"kind\":\"environment\",\"version\":1,\"kind\":\"clock\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(v, 0, sizeof *v);
		CHECK(vf_env_parse(bad[i], strlen(bad[i]), v, why, sizeof why) == -1, "refused: %s", bad[i]);
	}
	size_t big = VF_ENV_MAX_BODY + 1;
	char *b = malloc(big);
	memset(b, ' ', big);
	memset(v, 0, sizeof *v);
	CHECK(vf_env_parse(b, big, v, why, sizeof why) == -1 && strstr(why, "bound"), "oversize refused: %s", why);
	free(b);
	/* many anomalies and hosts: kept to the bounds, the rest counted */
	arc_buf_t j = {0};
	arc_buf_printf(&j, "{\"kind\":\"environment\",\"version\":1,\"anomalies\":[");
	for (int i = 0; i < 200; i++)
		arc_buf_printf(&j, "%s{\"kind\":\"proxy\",\"message\":\"m%d\"}", i ? "," : "", i);
	arc_buf_printf(&j, "],\"seed_hosts\":[");
	for (int i = 0; i < 100; i++)
		arc_buf_printf(&j, "%s{\"host\":\"h%d\",\"addresses\":[]}", i ? "," : "", i);
	arc_buf_printf(&j, "]}");
	memset(v, 0, sizeof *v);
	CHECK(vf_env_parse(j.data, j.len, v, why, sizeof why) == 0 && v->nanomalies == VF_ENV_MAX_ANOMALIES &&
	      v->anomalies_omitted == 200 - VF_ENV_MAX_ANOMALIES && v->nhosts == VF_ENV_MAX_HOSTS,
	      "bounded lists (%zu, %zu)", v->nanomalies, v->nhosts);
	arc_buf_free(&j);
	/* the clock record */
	static const char clk[] = "{\"kind\":\"clock\",\"version\":1,\"offset_ms\":600000,\"tolerance_s\":120,"
	                          "\"within_tolerance\":false,\"summary\":\"s\"}";
	memset(v, 0, sizeof *v);
	CHECK(vf_env_parse(clk, strlen(clk), v, why, sizeof why) == 0 && v->has_clock && !v->present &&
	      v->clock_offset_ms == 600000 && !v->clock_within, "clock record");
	free(v);
}

int main(void)
{
	test_classes();
	test_hosts_entry();
	test_big_hosts();
	test_proxy_and_private();
	test_clock();
	test_parse_bounds();
	TU_END();
}
