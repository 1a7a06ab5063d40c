/*
 * environment.c — the capture environment as custody-verify reads it: the
 * environment record (application/vnd.custody.environment+json, written by
 * the crawler right after warcinfo) and its clock record, parsed (bounded),
 * checked to be covered by a verified seal, and rendered as the report's
 * "Environment of the capture" section (English and Chinese).
 *
 * The clock is read twice: what the crawler recorded (its clock record) and
 * what the first seal after the environment record proves by itself, its
 * tree head's local "time:" against its time-stamp token's genTime. The
 * second needs no trust in the crawler's arithmetic.
 *
 * Must never: print, exit, read the network, call a record sealed that no
 * verified seal covers, or keep more than VF_ENV_* of anything from the file.
 */
#include "verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---------------------------------------------------------------- parsing */

static void keep(char *dst, size_t dstsz, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	char *p = s ? vf_printable(s, strlen(s)) : NULL;
	snprintf(dst, dstsz, "%s", p ? p : "");
	free(p);
}

static int64_t num(json_t *v, int64_t dflt)
{
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* Bounded parse of one body: kind "environment" or "clock". 0, or -1 with why. */
int vf_env_parse(const void *body, size_t len, vf_env_t *out, char *why, size_t whysz)
{
	json_error_t je;
	json_t *j, *v;
	size_t i;

	if (len > VF_ENV_MAX_BODY) {
		snprintf(why, whysz, "environment record of %zu bytes (bound %zu)", len, (size_t)VF_ENV_MAX_BODY);
		return -1;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		snprintf(why, whysz, "not a JSON object (%s)", j ? "other JSON" : je.text);
		json_decref(j);
		return -1;
	}
	v = json_object_get(j, "kind");
	if (!json_is_string(v) || num(json_object_get(j, "version"), 0) != 1) {
		snprintf(why, whysz, "no \"kind\" or not version 1");
		json_decref(j);
		return -1;
	}
	if (!strcmp(json_string_value(v), "clock")) {
		out->has_clock = 1;
		keep(out->clock_tsa, sizeof out->clock_tsa, json_object_get(j, "tsa"));
		keep(out->clock_gen_time, sizeof out->clock_gen_time, json_object_get(j, "gen_time"));
		keep(out->clock_summary, sizeof out->clock_summary, json_object_get(j, "summary"));
		out->clock_offset_ms = num(json_object_get(j, "offset_ms"), 0);
		out->clock_tolerance_s = num(json_object_get(j, "tolerance_s"), 0);
		out->clock_within = json_is_true(json_object_get(j, "within_tolerance"));
		json_decref(j);
		return 0;
	}
	if (strcmp(json_string_value(v), "environment")) {
		snprintf(why, whysz, "unknown kind");
		json_decref(j);
		return -1;
	}
	out->present = 1;
	keep(out->collected, sizeof out->collected, json_object_get(j, "collected"));
	out->private_env = json_is_true(json_object_get(j, "private"));
	json_t *id = json_object_get(j, "identity");
	keep(out->hostname, sizeof out->hostname, json_object_get(id, "hostname"));
	keep(out->user, sizeof out->user, json_object_get(id, "user"));
	char sys[64], rel[128], mach[32];
	keep(sys, sizeof sys, json_object_get(id, "system"));
	keep(rel, sizeof rel, json_object_get(id, "release"));
	keep(mach, sizeof mach, json_object_get(id, "machine"));
	snprintf(out->system, sizeof out->system, "%s %s %s", sys, rel, mach);
	json_t *sw = json_object_get(j, "software");
	{
		char cv[40], all[250];
		keep(cv, sizeof cv, json_object_get(sw, "custody"));
		keep(all, sizeof all, json_object_get(sw, "all"));
		snprintf(out->software, sizeof out->software, "custody/%s %s", cv, all);
	}
	keep(out->chromium, sizeof out->chromium, json_object_get(sw, "chromium"));
	keep(out->exe_sha256, sizeof out->exe_sha256, json_object_get(json_object_get(sw, "executable"), "sha256"));
	json_t *hf = json_object_get(j, "hosts_file");
	keep(out->hosts_sha256, sizeof out->hosts_sha256, json_object_get(hf, "sha256"));
	out->hosts_size = num(json_object_get(hf, "size"), -1);
	out->hosts_truncated = json_is_true(json_object_get(hf, "truncated"));
	json_t *px = json_object_get(json_object_get(j, "proxy"), "environment");
	const char *k;
	json_object_foreach(px, k, v) {
		size_t l = strlen(out->proxy_vars);
		if (l + strlen(k) + 3 < sizeof out->proxy_vars)
			snprintf(out->proxy_vars + l, sizeof out->proxy_vars - l, "%s%s", l ? ", " : "", k);
	}
	json_t *sh = json_object_get(j, "seed_hosts");
	for (i = 0; json_is_array(sh) && i < json_array_size(sh) && out->nhosts < VF_ENV_MAX_HOSTS; i++) {
		json_t *h = json_array_get(sh, i), *addrs = json_object_get(h, "addresses");
		vf_env_host_t *x = &out->hosts[out->nhosts];
		if (!json_is_string(json_object_get(h, "host")))
			continue;
		keep(x->host, sizeof x->host, json_object_get(h, "host"));
		for (size_t a = 0; json_is_array(addrs) && a < json_array_size(addrs); a++) {
			char t[128];
			json_t *aj = json_array_get(addrs, a);
			keep(t, sizeof t, json_object_get(aj, "address"));
			size_t l = strlen(x->addresses);
			if (l + strlen(t) + 3 < sizeof x->addresses)
				snprintf(x->addresses + l, sizeof x->addresses - l, "%s%s", l ? ", " : "", t);
			if (a == 0) {
				json_t *r = json_object_get(aj, "route");
				char src[128], ifn[64];
				keep(src, sizeof src, json_object_get(r, "source"));
				keep(ifn, sizeof ifn, json_object_get(r, "interface"));
				snprintf(x->route, sizeof x->route, "%s%s%s", src, ifn[0] ? " via " : "", ifn);
			}
		}
		json_t *tls = json_object_get(h, "tls");
		keep(x->tls, sizeof x->tls, json_object_get(tls, "result"));
		x->hosts_entries = json_array_size(json_object_get(h, "hosts_file_entries"));
		out->nhosts++;
	}
	json_t *an = json_object_get(j, "anomalies");
	for (i = 0; json_is_array(an) && i < json_array_size(an); i++) {
		json_t *a = json_array_get(an, i);
		if (out->nanomalies >= VF_ENV_MAX_ANOMALIES) {
			out->anomalies_omitted++;
			continue;
		}
		keep(out->anomalies[out->nanomalies].kind, sizeof out->anomalies[0].kind, json_object_get(a, "kind"));
		keep(out->anomalies[out->nanomalies].message, sizeof out->anomalies[0].message,
		     json_object_get(a, "message"));
		out->nanomalies++;
	}
	json_decref(j);
	return 0;
}

/* ---------------------------------------------------------------- the hook */

struct vf_env_hook {
	vf_env_t env;
	uint64_t idx;            /* records of the group so far */
	uint64_t env_idx;        /* the environment record's place in the log */
	int env_seen, seal_clock_done, in_first_group;
	int groups;
	size_t file;
	uint64_t offset;
	char record[ARC_UUID_LEN + 8];
};

static void h_begin(void *state, vf_ctx_t *c)
{
	vf_env_hook_t *h = state;
	(void)c;
	h->groups++;
	h->idx = 0;
}

/* The first seal after the environment record: its tree head's local time
 * against its first token's genTime. */
static void seal_clock(vf_env_hook_t *h, const warc_rec_t *rec)
{
	seal_body_t b;
	arc_error_t err;
	int64_t local = 0;
	if (rec->block_len > SEAL_MAX_BODY || seal_body_parse(rec->block, (size_t)rec->block_len, 0, &b, &err) != 0)
		return;
	h->seal_clock_done = 1;
	if (b.ntokens && seal_time_parse(b.sth_parsed.time, strlen(b.sth_parsed.time), &local) == 0) {
		seal_tsr_info_t info;
		seal_tsr_verify(b.tokens[0].tsr.data, b.tokens[0].tsr.len, b.sth.data, b.sth.len, NULL,
		                INT64_MAX / 4, &info, &err);
		if (info.gen_time >= 0 && info.imprint_ok && info.signature_ok) {
			h->env.seal_clock = 1;
			h->env.seal_offset_s = info.gen_time - local;
			snprintf(h->env.seal_time, sizeof h->env.seal_time, "%s", b.sth_parsed.time);
			snprintf(h->env.seal_gen_time, sizeof h->env.seal_gen_time, "%s", info.gen_time_text);
		}
	}
	seal_body_free(&b);
}

static void h_record(void *state, vf_ctx_t *c, size_t file, const warc_rec_t *rec)
{
	vf_env_hook_t *h = state;
	const char *type = warc_rec_get(rec, "WARC-Type"), *ct = warc_rec_get(rec, "Content-Type");
	uint64_t i = h->idx++;
	if (h->groups != 1 || !type || strcmp(type, "metadata") || !ct)
		return;
	if (arc_ct_is(ct, ARC_CT_ENVIRONMENT)) {
		char why[300];
		const char *id = warc_rec_get(rec, "WARC-Record-ID");
		vf_env_t tmp;
		memset(&tmp, 0, sizeof tmp);
		if (rec->block_len < rec->block_total ||
		    vf_env_parse(rec->block, (size_t)rec->block_len, &tmp, why, sizeof why) != 0) {
			if (rec->block_len < rec->block_total)
				snprintf(why, sizeof why, "record larger than the bound kept in memory");
			vf_fail(c, file, rec->offset, id ? id : "", "environment", "the environment record does not "
			        "parse: %s", why);
			h->env.failed = 1;
			return;
		}
		if (tmp.has_clock && !tmp.present) {
			if (!h->env.has_clock) {
				h->env.has_clock = 1;
				memcpy(h->env.clock_tsa, tmp.clock_tsa, sizeof tmp.clock_tsa);
				memcpy(h->env.clock_gen_time, tmp.clock_gen_time, sizeof tmp.clock_gen_time);
				memcpy(h->env.clock_summary, tmp.clock_summary, sizeof tmp.clock_summary);
				h->env.clock_offset_ms = tmp.clock_offset_ms;
				h->env.clock_tolerance_s = tmp.clock_tolerance_s;
				h->env.clock_within = tmp.clock_within;
			}
			vf_pass(c, file);
			return;
		}
		if (h->env_seen)
			return; /* the first session's environment (a resumed case has more) */
		int keep_clock = h->env.has_clock;
		vf_env_t saved = h->env;
		h->env = tmp;
		if (keep_clock) {
			h->env.has_clock = 1;
			memcpy(h->env.clock_summary, saved.clock_summary, sizeof saved.clock_summary);
		}
		h->env_seen = 1;
		h->env_idx = i;
		h->file = file;
		h->offset = rec->offset;
		snprintf(h->record, sizeof h->record, "%s", id ? id : "");
		vf_pass(c, file);
	} else if (arc_ct_is(ct, ARC_CT_SEAL) && h->env_seen && !h->seal_clock_done) {
		seal_clock(h, rec);
	}
}

static void h_end(void *state, vf_ctx_t *c)
{
	vf_env_hook_t *h = state;
	const vf_anchors_t *a = vf_anchors(c);
	if (h->groups != 1 || !h->env_seen)
		return;
	/* the seal checker's hook ran first: records_sealed counts the log's
	 * records the last verified seal covers */
	h->env.sealed = a->seals_ok > 0 && h->env_idx < a->records_sealed ? 1 : 0;
	/* a clock off by more than the tolerance is a fact to weigh, as the seal proves it */
	int64_t tol = h->env.clock_tolerance_s > 0 ? h->env.clock_tolerance_s : 120;
	int64_t off = h->env.seal_offset_s < 0 ? -h->env.seal_offset_s : h->env.seal_offset_s;
	if (h->env.seal_clock && off > tol && h->env.nanomalies < VF_ENV_MAX_ANOMALIES) {
		snprintf(h->env.anomalies[h->env.nanomalies].kind, sizeof h->env.anomalies[0].kind, "clock");
		snprintf(h->env.anomalies[h->env.nanomalies].message, sizeof h->env.anomalies[0].message,
		         "this machine's clock was %" PRId64 " min %" PRId64 " s %s the time-stamp authority "
		         "(the first seal's tree-head time %s, its token's genTime %s; tolerance %" PRId64 " s)",
		         off / 60, off % 60, h->env.seal_offset_s > 0 ? "behind" : "ahead of", h->env.seal_time,
		         h->env.seal_gen_time, tol);
		h->env.nanomalies++;
	}
	if (!h->env.sealed)
		vf_not_checked(c, "environment: the environment record is not covered by a verified seal");
}

vf_env_hook_t *vf_env_hook_new(void)
{
	return calloc(1, sizeof(vf_env_hook_t));
}

void vf_env_hook_free(vf_env_hook_t *h)
{
	free(h);
}

int vf_env_hook_add(vf_env_hook_t *h, vf_ctx_t *c)
{
	vf_hook_t hook = { h, h_begin, h_record, NULL, h_end };
	return vf_add_hook(c, &hook);
}

const vf_env_t *vf_env_hook_result(const vf_env_hook_t *h)
{
	return h && (h->env_seen || h->env.failed) ? &h->env : NULL;
}

/* ---------------------------------------------------------------- the report section */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static void span(FILE *f, int64_t s, int zh)
{
	int64_t a = s < 0 ? -s : s;
	if (a >= 60)
		fprintf(f, zh ? "%" PRId64 " 分 %" PRId64 " 秒" : "%" PRId64 " min %" PRId64 " s", a / 60, a % 60);
	else
		fprintf(f, zh ? "%" PRId64 " 秒" : "%" PRId64 " s", a);
}

static void row(FILE *f, const char *th, const char *v)
{
	fprintf(f, "<tr><th>%s</th><td>", th);
	esc(f, v && *v ? v : "—");
	fputs("</td></tr>\n", f);
}

void vf_env_html(FILE *f, const vf_env_t *e, const char *lang)
{
	int zh = lang && !strcmp(lang, "zh");
	size_t i;
	fprintf(f, "<section id=environment>\n<h2>%s</h2>\n", zh ? "采集环境" : "Environment of the capture");
	if (!e) {
		fprintf(f, "<p class=na>%s</p>\n</section>\n",
		        zh ? "本案没有采集环境记录（由较早版本的 custody 写成，或为单独导出的证据）。"
		           : "This case has no environment record (written by an earlier custody, or an "
		             "exhibit exported on its own).");
		return;
	}
	if (e->failed && !e->present) {
		fprintf(f, "<p class=bad>%s</p>\n</section>\n",
		        zh ? "采集环境记录无法读取：见“失败”。" : "The environment record could not be read: see Failures.");
		return;
	}
	fprintf(f, "<p>%s <span class=%s>%s</span>%s</p>\n",
	        zh ? "在第一次抓取之前，custody 记录了本机自己报告的环境，并"
	           : "Before the first capture, custody recorded what this machine said about itself, and",
	        e->sealed ? "ok" : "bad",
	        e->sealed ? (zh ? "该记录已被验证过的封印覆盖" : "the record is covered by a verified seal")
	                  : (zh ? "该记录未被验证过的封印覆盖" : "the record is NOT covered by a verified seal"),
	        zh ? "。它记录的是机器所说的情况，并不能证明机器是诚实的。"
	           : ". It records what the machine said; it does not prove the machine was honest.");
	/* what the reader should weigh first */
	if (e->nanomalies) {
		fprintf(f, "<p><b>%s</b></p>\n<ul>\n",
		        zh ? "需要读者权衡的事实（不是证据的失败）：" : "Facts the reader should weigh (not failures of the evidence):");
		for (i = 0; i < e->nanomalies; i++) {
			fputs("<li>", f);
			esc(f, e->anomalies[i].message);
			fputs("</li>\n", f);
		}
		if (e->anomalies_omitted)
			fprintf(f, "<li>%" PRIu64 " %s</li>\n", e->anomalies_omitted, zh ? "条未列出" : "more not listed");
		fputs("</ul>\n", f);
	} else {
		fprintf(f, "<p>%s</p>\n", zh ? "未发现异常：hosts 文件没有重定向种子主机，未使用代理，解析器没有把公网主机名解析到内网或回环地址，没有 TLS 证书验证失败。"
		                             : "No anomaly was found: the hosts file did not redirect a seed host, no proxy "
		                               "was in use, the resolver gave no private or loopback address for a public "
		                               "host name, and no TLS certificate failed to verify.");
	}
	/* the clock */
	fputs("<table>\n", f);
	fprintf(f, "<tr><th>%s</th><td>", zh ? "时钟" : "Clock");
	if (e->seal_clock) {
		if (e->seal_offset_s == 0 || e->seal_offset_s == 1 || e->seal_offset_s == -1)
			fputs(zh ? "本机时钟与时间戳机构一致（误差 1 秒内）" : "this machine's clock agreed with the "
			      "time-stamp authority (within 1 s)", f);
		else {
			fputs(zh ? "本机时钟比时间戳机构" : "this machine's clock was ", f);
			if (zh) {
				fputs(e->seal_offset_s > 0 ? "慢 " : "快 ", f);
				span(f, e->seal_offset_s, 1);
			} else {
				span(f, e->seal_offset_s, 0);
				fputs(e->seal_offset_s > 0 ? " behind" : " ahead of", f);
				fputs(" the time-stamp authority", f);
			}
		}
		fputs(zh ? "（由第一个封印证明：其树头本地时间 " : " (proven by the first seal itself: its tree head's local time ", f);
		esc(f, e->seal_time);
		fputs(zh ? "，时间戳 genTime " : ", its time-stamp token's genTime ", f);
		esc(f, e->seal_gen_time);
		fputs(zh ? "）" : ")", f);
	} else {
		fputs(zh ? "未经时间戳机构核对（没有带时间戳的封印）" : "not checked against a time-stamp authority "
		      "(no time-stamped seal after the record)", f);
	}
	if (e->has_clock) {
		fputs(zh ? "；custody 采集时记录：" : "; custody recorded at capture: ", f);
		esc(f, e->clock_summary);
	}
	fputs("</td></tr>\n", f);
	row(f, zh ? "记录时间（本机时钟）" : "Recorded at (local clock)", e->collected);
	row(f, zh ? "主机名" : "Host name", e->hostname);
	row(f, zh ? "用户" : "User", e->user);
	if (e->private_env)
		row(f, zh ? "隐私" : "Privacy", zh ? "--private-environment：主机名、用户名和本地地址为加盐哈希"
		                                     : "--private-environment: host and user names and local "
		                                       "addresses are salted hashes");
	row(f, zh ? "系统" : "System", e->system);
	row(f, zh ? "软件" : "Software", e->software);
	if (e->chromium[0])
		row(f, zh ? "浏览器" : "Browser", e->chromium);
	row(f, zh ? "程序自身的 SHA-256" : "The program's own SHA-256", e->exe_sha256);
	{
		char t[300];
		snprintf(t, sizeof t, "%s (%" PRId64 " %s%s)", e->hosts_sha256, e->hosts_size, zh ? "字节" : "bytes",
		         e->hosts_truncated ? (zh ? "，记录中已截断" : ", cut in the record") : "");
		row(f, zh ? "hosts 文件" : "Hosts file", t);
	}
	row(f, zh ? "代理环境变量" : "Proxy variables", e->proxy_vars[0] ? e->proxy_vars : (zh ? "无" : "none"));
	fputs("</table>\n", f);
	if (e->nhosts) {
		fprintf(f, "<table class=list><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
		        zh ? "种子主机" : "Seed host", zh ? "系统解析器的回答" : "System resolver answered",
		        zh ? "路由（源地址、接口）" : "Route (source, interface)", zh ? "hosts 条目" : "Hosts entries",
		        "TLS");
		for (i = 0; i < e->nhosts; i++) {
			const vf_env_host_t *x = &e->hosts[i];
			fputs("<tr><td class=mono>", f);
			esc(f, x->host);
			fputs("</td><td class=mono>", f);
			esc(f, x->addresses);
			fputs("</td><td class=mono>", f);
			esc(f, x->route);
			fprintf(f, "</td><td>%zu</td><td>", x->hosts_entries);
			esc(f, x->tls[0] ? x->tls : "—");
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("</section>\n", f);
}
