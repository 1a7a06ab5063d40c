/*
 * cmd_bundle.c — `custody bundle CASE -o DIR --for court|platform|police`:
 * cut a sealed case into what one reader needs, every file made from the
 * case by the programs that already check it.
 *
 *  - court:    one exhibit per doxing page (or per --url), each verifying
 *              alone, with its seal's parts for stock openssl; the report as
 *              HTML and PDF; the certificates given as anchors; VERIFY.txt
 *              (zh and en) with the exact commands; SHA256SUMS.
 *  - platform: a complaint letter (zh and en, HTML and PDF) naming each URL,
 *              its capture time and the kinds of personal data it exposes;
 *              pages.csv; the (redacted) report; redacted by default, and
 *              then no screenshot (it shows the data).
 *  - police:   a 报案材料 summary (zh and en: who, what, where, since when),
 *              the URLs and screenshots, the exhibits, the report with the
 *              victim's data marked (--redact optional), VERIFY.txt.
 *
 * How: custody-verify (the sibling binary) writes the report and a JSON
 * summary of the doxing pages (--summary, redacted like the report, so the
 * letters never hold an unmasked value under --redact); `custody export`
 * (this binary) writes each exhibit, and custody-verify checks it; Debian's
 * chromium prints HTML to PDF (A4). Letters say only what the summary says:
 * URL, WARC-Date bound by the seal, the trusted window, the kinds found.
 * Laws and platform rules are cited only as marked placeholders: article
 * numbers must be checked against the official texts before sending.
 *
 * Exit status: 0 written; 1 the case does not verify, an exhibit does not
 * verify, or a step failed (the directory is left for inspection); 2 usage.
 *
 * Must never: modify the case, write an unmasked identifier into a redacted
 * bundle, claim more than the verifier found, or run anything through a shell.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"

#define BUNDLE_MAX_URLS 1000

static const cli_opt_t bundle_opts[] = {
	{"output", 'o', "DIR", "Write the bundle into DIR (created; must not exist or be empty)."},
	{"for", 0, "court|platform|police", "Who the bundle is for (see above)."},
	{"lang", 0, "zh|en", "The language of the report (default: Chinese when LC_ALL, LC_MESSAGES or LANG "
	                     "starts with zh, else English); letters and VERIFY.txt come in both."},
	{"redact", 0, NULL, "Mask every identifier everywhere (the default for --for platform); screenshots "
	                    "are then left out."},
	{"no-redact", 0, NULL, "Do not mask (for --for platform: the platform then sees the data)."},
	{"url", 0, "URL", "Only this page (repeatable; default: every doxing page)."},
	{"trust", 0, "CERT.pem", "The operator's certificate the case is checked against (copied into "
	                         "certs/); without it the bundle can only say the case is intact."},
	{"tsa-trust", 0, "CERT.pem", "The time-stamp authority's CA certificate (copied into certs/)."},
	{0},
};

static const cli_cmd_t bundle_cmd = {
	"bundle",
	"custody bundle CASE_DIR -o DIR --for court|platform|police [--lang zh|en] [--redact] [--url URL]... "
	"[--trust CERT.pem --tsa-trust CERT.pem]",
	"Cut a sealed case into what one reader needs. court: one exhibit per doxing page, each verifying "
	"alone, the report as HTML and PDF, the certificates, VERIFY.txt with the exact commands, SHA256SUMS. "
	"platform: a complaint letter (zh and en) naming each URL, its trusted capture time and the kinds of "
	"personal data it exposes, pages.csv and the report, redacted by default. police: a summary for a "
	"report to the police (报案材料: who, what, where, since when), the URLs and screenshots, the "
	"exhibits, the report and how to verify.\n\n"
	"Every file is made from the case by custody-verify and custody export, and every exhibit is "
	"verified before the bundle is done; SHA256SUMS lists every file. Laws and platform rules are "
	"named as marked placeholders whose article numbers must be checked against the official texts.",
	bundle_opts,
	"custody bundle case1 -o for-court --for court --trust operator.crt --tsa-trust tsa-ca.pem\n"
	"custody bundle case1 -o for-weibo --for platform --lang zh --trust operator.crt --tsa-trust tsa-ca.pem\n",
	NULL,
};

typedef struct {
	const char *out, *who, *lang, *trust, *tsa_trust;
	int redact; /* -1 default */
	const char *urls[BUNDLE_MAX_URLS];
	size_t nurls;
} bopts_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	bopts_t *b = ctx;

	if (!strcmp(name, "output")) b->out = arg;
	else if (!strcmp(name, "for")) b->who = arg;
	else if (!strcmp(name, "lang")) b->lang = arg;
	else if (!strcmp(name, "redact")) b->redact = 1;
	else if (!strcmp(name, "no-redact")) b->redact = 0;
	else if (!strcmp(name, "trust")) b->trust = arg;
	else if (!strcmp(name, "tsa-trust")) b->tsa_trust = arg;
	else if (!strcmp(name, "url")) {
		if (b->nurls == BUNDLE_MAX_URLS) {
			fprintf(stderr, "custody bundle: at most %d --url\n", BUNDLE_MAX_URLS);
			return 2;
		}
		b->urls[b->nurls++] = arg;
	}
	return 0;
}

/* ---------------------------------------------------------------- words */

enum {
	W_L_TITLE, W_L_TO, W_L_SUBJECT, W_L_BODY, W_L_TABLE_URL, W_L_TABLE_TIME, W_L_TABLE_KINDS,
	W_L_TABLE_N, W_L_WHY, W_L_RULE, W_L_LAW, W_L_ASK, W_L_EVIDENCE, W_L_SHOTS, W_L_NOSHOTS,
	W_L_FROM, W_P_TITLE, W_P_WHO, W_P_VICTIM, W_P_WHAT, W_P_WHERE, W_P_WHEN, W_P_WINDOW,
	W_P_EVIDENCE, W_P_VERIFY, W_P_MARKED, W_P_REDACTED, W_V_TITLE, W_V_INTRO, W_V_TOOL,
	W_V_OPENSSL, W_V_SUMS, W_V_NOANCHOR, W_SIGNED, W_UNSIGNED, W_NOTIME, W_N
};

static const char *const w_en[W_N] = {
	[W_L_TITLE] = "Complaint: personal information published without consent (doxing)",
	[W_L_TO] = "To the content safety team of [platform name — fill in]",
	[W_L_SUBJECT] = "Request to remove pages that expose a private person's personal information",
	[W_L_BODY] = "The pages listed below publish the personal information of a private person "
	             "without her or his consent. Each page was captured, sealed and time-stamped as "
	             "evidence; the capture proves what each page showed at the time given.",
	[W_L_TABLE_URL] = "Page (URL)",
	[W_L_TABLE_TIME] = "Captured at (UTC)",
	[W_L_TABLE_KINDS] = "Personal information exposed",
	[W_L_TABLE_N] = "Items",
	[W_L_WHY] = "Why these pages break the rules",
	[W_L_RULE] = "They publish another person's personal information without consent, which the "
	             "platform's rules forbid: <span class=ph>[PLACEHOLDER — cite the platform's own rule "
	             "on publishing others' personal information, with its article number, from the "
	             "platform's official published text; not filled in because it was not checked]</span>.",
	[W_L_LAW] = "The law protects personal information: <span class=ph>[PLACEHOLDER — cite the "
	            "Personal Information Protection Law of the People's Republic of China and the Civil "
	            "Code, each with the article number checked against the official text; not filled in "
	            "because the article numbers were not checked]</span>.",
	[W_L_ASK] = "We ask you to remove these pages, to keep the records of who published them, and "
	            "to tell us what you have done.",
	[W_L_EVIDENCE] = "The evidence: the pages were captured and signed by %s; the capture was "
	                 "time-stamped %s. The verifier's verdict: %s. The attached report and pages.csv "
	                 "list every page; the values shown are masked.",
	[W_L_SHOTS] = "Screenshots of the pages as a browser showed them are attached (screenshots/).",
	[W_L_NOSHOTS] = "Screenshots are not attached to this redacted letter: they show the personal "
	                "information. They are in the sealed case and can be given to you on request.",
	[W_L_FROM] = "From: [name and contact of the person filing the complaint — fill in]",
	[W_P_TITLE] = "Report to the police: summary (报案材料)",
	[W_P_WHO] = "Who reports: [name, ID and contact of the person reporting — fill in]. Who "
	            "published: unknown to this evidence (the capture proves what the pages showed, not "
	            "who wrote them) [fill in what is known].",
	[W_P_VICTIM] = "Whose data: [name of the person exposed — fill in]. Her or his data is marked in "
	               "the report.",
	[W_P_WHAT] = "What: pages publishing a private person's personal information (doxing): %zu "
	             "page%s, with these kinds of personal information: %s.",
	[W_P_WHERE] = "Where: the pages below.",
	[W_P_WHEN] = "Since when: the capture timeline below (each page's capture time, bound by the "
	             "case's seals).",
	[W_P_WINDOW] = "Trusted capture window: %s (time-stamp authority: %s).",
	[W_P_EVIDENCE] = "Evidence enclosed: exhibits/ (one sealed exhibit per page, each verifiable on "
	                 "its own), report.html and report.pdf (the verifier's report), screenshots/, "
	                 "certs/ and VERIFY.txt (how to verify).",
	[W_P_VERIFY] = "How to verify: see VERIFY.txt; custody-verify on each exhibit says "
	               "&ldquo;verified&rdquo; when given the certificates in certs/.",
	[W_P_MARKED] = "The victim's data is shown unmasked and marked in the report.",
	[W_P_REDACTED] = "The personal data is masked in this bundle (--redact); screenshots are left out.",
	[W_V_TITLE] = "How to verify this bundle",
	[W_V_INTRO] = "Every file below is listed with its SHA-256 in SHA256SUMS. Each exhibit in "
	              "exhibits/ is a sealed extract of the case that verifies on its own.",
	[W_V_TOOL] = "1. With custody-verify (the expected answer is \"verified\"):",
	[W_V_OPENSSL] = "2. With stock openssl only, for each exhibit's seal (files in exhibits/):",
	[W_V_SUMS] = "3. The checksums of the bundle:",
	[W_V_NOANCHOR] = "No --trust/--tsa-trust was given when this bundle was made: obtain the "
	                 "operator's certificate and the TSA's CA certificate from their owners and put "
	                 "them in certs/ as operator.crt and tsa-ca.pem.",
	[W_SIGNED] = "%s",
	[W_UNSIGNED] = "(not signed)",
	[W_NOTIME] = "(no trusted timestamp)",
};

static const char *const w_zh[W_N] = {
	[W_L_TITLE] = "投诉：未经同意公开他人个人信息（开盒）",
	[W_L_TO] = "致：[平台名称——请填写] 内容安全团队",
	[W_L_SUBJECT] = "请求删除公开他人个人信息的页面",
	[W_L_BODY] = "下列页面未经本人同意公开了一名普通人的个人信息。每个页面均已作为证据采集、封存并加盖可信时间戳；"
	             "采集证明了各页面在所列时间显示的内容。",
	[W_L_TABLE_URL] = "页面（网址）",
	[W_L_TABLE_TIME] = "采集时间（UTC）",
	[W_L_TABLE_KINDS] = "暴露的个人信息",
	[W_L_TABLE_N] = "项数",
	[W_L_WHY] = "这些页面为何违反规定",
	[W_L_RULE] = "这些页面未经同意公开他人个人信息，违反平台规则：<span class=ph>[待填写——请引用平台官方公布的"
	             "关于公开他人个人信息的规则及其条款编号；因未经核对，此处未填写]</span>。",
	[W_L_LAW] = "法律保护个人信息：<span class=ph>[待填写——请引用《中华人民共和国个人信息保护法》和《中华人民共和国民法典》"
	            "的相关条款，条款编号须对照官方文本核对；因未经核对，此处未填写]</span>。",
	[W_L_ASK] = "请删除上述页面，保存发布者的相关记录，并告知处理结果。",
	[W_L_EVIDENCE] = "证据：页面由 %s 采集并签名；采集加盖了可信时间戳：%s。核验结论：%s。"
	                 "所附报告和 pages.csv 列出了每个页面；所示信息值均已遮盖。",
	[W_L_SHOTS] = "附有浏览器所显示页面的截图（screenshots/）。",
	[W_L_NOSHOTS] = "本遮盖版投诉信未附截图：截图显示个人信息。截图保存在已封存的案件中，可应要求提供。",
	[W_L_FROM] = "投诉人：[姓名及联系方式——请填写]",
	[W_P_TITLE] = "报案材料（摘要）",
	[W_P_WHO] = "报案人：[姓名、身份证号、联系方式——请填写]。发布者：本证据无法证明（采集证明页面显示的内容，"
	            "而非作者身份）[请填写已知情况]。",
	[W_P_VICTIM] = "被公开信息的人：[姓名——请填写]。其个人信息在报告中已标出。",
	[W_P_WHAT] = "事由：网页公开他人个人信息（开盒/人肉搜索）：共 %zu 个页面%s，暴露的个人信息类别：%s。",
	[W_P_WHERE] = "地点：下列网页。",
	[W_P_WHEN] = "时间：下列采集时间线（各页面的采集时间，受案件封存约束）。",
	[W_P_WINDOW] = "可信采集时间段：%s（时间戳服务机构：%s）。",
	[W_P_EVIDENCE] = "随附证据：exhibits/（每个页面一份已封存、可单独核验的证据文件）、report.html 和 report.pdf"
	                 "（核验报告）、screenshots/（截图）、certs/（证书）及 VERIFY.txt（核验方法）。",
	[W_P_VERIFY] = "核验方法：见 VERIFY.txt；使用 certs/ 中的证书，对每份证据文件运行 custody-verify，结果应为“verified”（核验通过）。",
	[W_P_MARKED] = "受害人的个人信息在报告中未遮盖，并已标出。",
	[W_P_REDACTED] = "本材料中的个人信息已遮盖（--redact）；截图已略去。",
	[W_V_TITLE] = "如何核验本材料",
	[W_V_INTRO] = "下列每个文件及其 SHA-256 均列在 SHA256SUMS 中。exhibits/ 中每份证据文件是案件的封存摘录，可单独核验。",
	[W_V_TOOL] = "1. 使用 custody-verify（预期结果为“verified”）：",
	[W_V_OPENSSL] = "2. 仅使用标准 openssl，核验每份证据文件的封存（文件在 exhibits/ 中）：",
	[W_V_SUMS] = "3. 核对本材料的校验和：",
	[W_V_NOANCHOR] = "制作本材料时未提供 --trust/--tsa-trust：请向其所有者索取操作者证书和时间戳机构的 CA 证书，"
	                 "以 operator.crt 和 tsa-ca.pem 为名放入 certs/。",
	[W_SIGNED] = "%s",
	[W_UNSIGNED] = "（未签名）",
	[W_NOTIME] = "（无可信时间戳）",
};

/* ---------------------------------------------------------------- small helpers */

typedef struct {
	const char *dir;       /* the bundle */
	char work[PATH_MAX];   /* scratch (removed at the end) */
	char verify[PATH_MAX]; /* custody-verify */
	char self[PATH_MAX];   /* custody */
	const char *chromium;
	json_t *sum;           /* the verifier's summary */
	char **exhibits;       /* relative paths, one per page */
	size_t nexhibits;
} bundle_t;

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
	if (snprintf(out, n, "%s/%s", dir, name) >= (int)n)
		out[0] = '\0';
}

/* Run argv (no shell), stdout to out_path (or /dev/null), stderr to the
 * work log; env_home sets HOME and TMPDIR (chromium). Exit status, -1. */
static int run(const bundle_t *b, char *const argv[], const char *out_path, int chromium_env)
{
	char log[PATH_MAX];
	pid_t pid;
	int st;

	path_of(log, sizeof log, b->work, "steps.log");
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int o = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		if (chromium_env) {
			setenv("HOME", b->work, 1);
			setenv("TMPDIR", b->work, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_text(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(s, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *z = a ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (!a || !z) {
		if (a)
			fclose(a);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		if (fwrite(buf, 1, n, z) != n)
			rc = -1;
	if (ferror(a))
		rc = -1;
	fclose(a);
	if (fclose(z) != 0)
		rc = -1;
	return rc;
}

static const char *jget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void html_esc(FILE *f, const char *s)
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

/* "2026-11-30T10:42:07.123Z" -> "2026-11-30 10:42:07" */
static void put_time(FILE *f, const char *d)
{
	if (strlen(d) >= 19 && d[10] == 'T')
		fprintf(f, "%.10s %.8s", d, d + 11);
	else
		html_esc(f, d);
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The pages the bundle is about: doxing pages (response and DOM of one URL
 * counted once), or those --url names. */
static int selected(const bopts_t *o, json_t *p, json_t *pages, size_t idx)
{
	const char *url = jget(p, "url");
	size_t i;

	if (o->nurls) {
		for (i = 0; i < o->nurls; i++)
			if (!strcmp(o->urls[i], url))
				break;
		if (i == o->nurls)
			return 0;
	} else if (!json_is_true(json_object_get(p, "doxing"))) {
		return 0;
	}
	for (i = 0; i < idx; i++) /* the first entry of a URL stands for it */
		if (!strcmp(jget(json_array_get(pages, i), "url"), url) &&
		    (o->nurls || json_is_true(json_object_get(json_array_get(pages, i), "doxing"))))
			return 0;
	return 1;
}

static const char *window(json_t *s, char *buf, size_t n)
{
	const char *a = jget(s, "first_trusted_time"), *z = jget(s, "last_trusted_time");

	if (!*z)
		return "";
	if (*a && strcmp(a, z))
		snprintf(buf, n, "%s – %s", a, z);
	else
		snprintf(buf, n, "%s", z);
	return buf;
}

static const char letter_css[] =
	"<style>body{font:14px/1.6 'Noto Sans CJK SC','Noto Sans SC','DejaVu Sans',sans-serif;"
	"max-width:48em;margin:2em auto;padding:0 1em;color:#111}h1{font-size:1.4em}"
	"table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #999;"
	"padding:.3em .5em;text-align:left;vertical-align:top;font-size:92%}th{background:#eee}"
	".mono{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}"
	".murl{font-family:'DejaVu Sans Mono',monospace;font-size:90%;overflow-wrap:break-word}.ph{background:#ffd;"
	"border:1px dashed #a80}img{max-width:100%;border:1px solid #999}"
	"@page{size:A4;margin:18mm}@media print{body{max-width:none;margin:0}tr,figure{break-inside:avoid}}"
	"</style>\n";

/* The page table of a letter: URL, time, kinds, count. */
static void pages_table(FILE *f, const bopts_t *o, json_t *pages, const char *const *w)
{
	size_t i;
	json_t *p;

	fprintf(f, "<table><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        w[W_L_TABLE_URL], w[W_L_TABLE_TIME], w[W_L_TABLE_KINDS], w[W_L_TABLE_N]);
	size_t n = 0;
	json_array_foreach(pages, i, p) {
		if (!selected(o, p, pages, i))
			continue;
		fprintf(f, "<tr><td>%zu</td><td class=murl>", ++n);
		{ /* break only after '/', '?', '&' */
			const char *u = jget(p, "url");

			while (*u) {
				size_t l = strcspn(u, "/?&");
				char part[2048];

				if (u[l])
					l++;
				snprintf(part, sizeof part, "%.*s", (int)l, u);
				html_esc(f, part);
				if (u[l])
					fputs("<wbr>", f);
				u += l;
			}
		}
		fputs("</td><td>", f);
		put_time(f, jget(p, "date"));
		fputs("</td><td>", f);
		html_esc(f, jget(p, "kinds"));
		fprintf(f, "</td><td>%lld</td></tr>\n",
		        (long long)json_integer_value(json_object_get(p, "findings")));
	}
	fputs("</table>\n", f);
}

/* The kinds on every selected page, joined (from the summary's words). */
static void all_kinds(const bopts_t *o, json_t *pages, char *out, size_t n, int zh)
{
	size_t i, used = 0;
	json_t *p;

	out[0] = '\0';
	json_array_foreach(pages, i, p) {
		const char *k = jget(p, "kinds"), *s = k;

		if (!selected(o, p, pages, i))
			continue;
		while (*s) { /* split on the separators put_kinds writes */
			const char *sep = zh ? "、" : ", ";
			const char *e = strstr(s, sep);
			size_t len = e ? (size_t)(e - s) : strlen(s);
			char item[200];

			snprintf(item, sizeof item, "%.*s", (int)len, s);
			if (*item && !strstr(out, item) && used + strlen(item) + 8 < n)
				used += (size_t)snprintf(out + used, n - used, "%s%s", used ? sep : "", item);
			s = e ? e + strlen(sep) : s + len;
		}
	}
}

static int shots_list(FILE *f, const bundle_t *b)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	char *names[256];
	size_t n = 0, i;

	path_of(dir, sizeof dir, b->dir, "screenshots");
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (i = 0; i < n; i++) {
		size_t j;
		for (j = i + 1; j < n; j++)
			if (names[i] && names[j] && strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	}
	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		fprintf(f, "<figure><img src=\"screenshots/%s\" alt=\"screenshot\"><figcaption>screenshots/%s"
		           "</figcaption></figure>\n", names[i], names[i]);
		free(names[i]);
	}
	return (int)n;
}

/* fmt with each %s replaced by the next argument, HTML-escaped (the words
 * tables hold markup; the case's text never does). */
static void put_fmt(FILE *f, const char *fmt, const char *a, const char *b2, const char *c)
{
	const char *args[3] = { a, b2, c };
	size_t k = 0;
	const char *p;

	for (p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			html_esc(f, k < 3 ? args[k] : "");
			k++;
			p++;
		} else {
			fputc(*p, f);
		}
	}
}

static const char *verdict_word(const char *v, int zh)
{
	if (!strcmp(v, "verified"))
		return zh ? "verified（核验通过：内容未被改动，签名和时间戳均可追溯至受信任证书）"
		          : "verified (unaltered since capture; signature and timestamps chain to the trusted certificates)";
	if (!strcmp(v, "intact"))
		return zh ? "intact（内容完整，但签名者和时间未对照受信任证书核验）"
		          : "intact (unaltered, but who and when were not checked against trusted certificates)";
	return v;
}

/* ---------------------------------------------------------------- the parts */

static int complaint(const bundle_t *b, const bopts_t *o, const char *lang, int redact)
{
	int zh = !strcmp(lang, "zh");
	const char *const *w = zh ? w_zh : w_en;
	char path[PATH_MAX], win[200];
	json_t *s = b->sum, *pages = json_object_get(s, "pages");
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/complaint-%s.html", b->dir, lang);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=%s><head><meta charset=utf-8><title>%s</title>\n%s"
	           "</head><body>\n<p>%s</p>\n<h1>%s</h1>\n<p><b>%s</b></p>\n<p>%s</p>\n",
	        zh ? "zh-CN" : "en", w[W_L_TITLE], letter_css, w[W_L_TO], w[W_L_TITLE], w[W_L_SUBJECT],
	        w[W_L_BODY]);
	pages_table(f, o, pages, w);
	fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n<p>%s</p>\n<p>%s</p>\n<p>", w[W_L_WHY], w[W_L_RULE],
	        w[W_L_LAW], w[W_L_ASK]);
	put_fmt(f, w[W_L_EVIDENCE], *jget(s, "signer") ? jget(s, "signer") : w[W_UNSIGNED],
	        *window(s, win, sizeof win) ? win : w[W_NOTIME], verdict_word(jget(s, "verdict"), zh));
	fprintf(f, "</p>\n<p>%s</p>\n", redact ? w[W_L_NOSHOTS] : w[W_L_SHOTS]);
	if (!redact)
		shots_list(f, b);
	fprintf(f, "<p>%s</p>\n</body></html>\n", w[W_L_FROM]);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static int police(const bundle_t *b, const bopts_t *o, const char *lang, int redact)
{
	int zh = !strcmp(lang, "zh");
	const char *const *w = zh ? w_zh : w_en;
	char path[PATH_MAX], win[200], kinds[2000];
	json_t *s = b->sum, *pages = json_object_get(s, "pages"), *p;
	size_t i, n = 0;
	FILE *f;
	int rc;

	json_array_foreach(pages, i, p)
		n += selected(o, p, pages, i);
	all_kinds(o, pages, kinds, sizeof kinds, zh);
	snprintf(path, sizeof path, "%s/police-report-%s.html", b->dir, lang);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=%s><head><meta charset=utf-8><title>%s</title>\n%s"
	           "</head><body>\n<h1>%s</h1>\n<p>%s</p>\n<p>%s</p>\n<p>",
	        zh ? "zh-CN" : "en", w[W_P_TITLE], letter_css, w[W_P_TITLE], w[W_P_WHO], w[W_P_VICTIM]);
	{
		char num[32];

		snprintf(num, sizeof num, "%zu", n);
		/* "%zu" in the table is written as a number here */
		const char *fmt = w[W_P_WHAT];
		const char *z = strstr(fmt, "%zu");
		if (z) {
			fwrite(fmt, 1, (size_t)(z - fmt), f);
			fputs(num, f);
			put_fmt(f, z + 3, zh || n == 1 ? "" : "s", kinds, "");
		}
	}
	fprintf(f, "</p>\n<p>%s %s</p>\n", w[W_P_WHERE], w[W_P_WHEN]);
	pages_table(f, o, pages, w);
	fputs("<p>", f);
	put_fmt(f, w[W_P_WINDOW], *window(s, win, sizeof win) ? win : w[W_NOTIME],
	        *jget(s, "tsa") ? jget(s, "tsa") : "-", "");
	fprintf(f, "</p>\n<p>%s</p>\n<p>%s</p>\n<p>%s</p>\n", w[W_P_EVIDENCE], w[W_P_VERIFY],
	        redact ? w[W_P_REDACTED] : w[W_P_MARKED]);
	if (!redact)
		shots_list(f, b);
	fputs("</body></html>\n", f);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static int pages_csv(const bundle_t *b, const bopts_t *o)
{
	char path[PATH_MAX];
	json_t *pages = json_object_get(b->sum, "pages"), *p, *t;
	size_t i, k;
	FILE *f;
	int rc;

	path_of(path, sizeof path, b->dir, "pages.csv");
	if (!(f = fopen(path, "w")))
		return -1;
	fputs("url,first_captured,types,findings\n", f);
	json_array_foreach(pages, i, p) {
		char types[1000] = "";
		size_t used = 0;

		if (!selected(o, p, pages, i))
			continue;
		json_array_foreach(json_object_get(p, "types"), k, t)
			if (used + 64 < sizeof types)
				used += (size_t)snprintf(types + used, sizeof types - used, "%s%s", k ? ";" : "",
				                         json_string_value(t));
		csv_field(f, jget(p, "url"));
		fputc(',', f);
		csv_field(f, jget(p, "date"));
		fputc(',', f);
		csv_field(f, types);
		fprintf(f, ",%lld\n", (long long)json_integer_value(json_object_get(p, "findings")));
	}
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* The seal of an exhibit as files for stock openssl: NAME.sth.txt, NAME.p7s,
 * NAME.tsr (the first token). 0, or -1. */
static int seal_parts(const char *exhibit, const char *prefix)
{
	warc_reader_opts_t ro = { 0 };
	arc_error_t err;
	warc_reader_t *r = warc_reader_open(exhibit, &ro, &err);
	warc_rec_t rec;
	int rc = -1, n;

	if (!r)
		return -1;
	while ((n = warc_reader_next(r, &rec, &err)) == 1) {
		json_t *j;
		arc_buf_t cms = { 0 }, tsr = { 0 };
		char path[PATH_MAX + 16];
		const char *sth, *c64, *t64;

		if (!arc_ct_is(warc_rec_get(&rec, "Content-Type"), ARC_CT_SEAL))
			continue;
		if (!(j = json_loadb((const char *)rec.block, (size_t)rec.block_len, 0, NULL)))
			break;
		sth = json_string_value(json_object_get(j, "sth"));
		c64 = json_string_value(json_object_get(j, "cms"));
		t64 = json_string_value(json_object_get(json_array_get(json_object_get(j, "timestamps"), 0), "tsr"));
		rc = 0;
		snprintf(path, sizeof path, "%s.sth.txt", prefix);
		if (!sth || write_text(path, sth))
			rc = -1;
		if (c64 && !seal_b64_decode(c64, strlen(c64), SEAL_MAX_CMS, &cms)) {
			FILE *f;

			snprintf(path, sizeof path, "%s.p7s", prefix);
			if (!(f = fopen(path, "wb")) || fwrite(cms.data, 1, cms.len, f) != cms.len)
				rc = -1;
			if (f && fclose(f))
				rc = -1;
		}
		if (t64 && !seal_b64_decode(t64, strlen(t64), SEAL_MAX_CMS, &tsr)) {
			FILE *f;

			snprintf(path, sizeof path, "%s.tsr", prefix);
			if (!(f = fopen(path, "wb")) || fwrite(tsr.data, 1, tsr.len, f) != tsr.len)
				rc = -1;
			if (f && fclose(f))
				rc = -1;
		}
		arc_buf_free(&cms);
		arc_buf_free(&tsr);
		json_decref(j);
		break;
	}
	warc_reader_free(r);
	return rc;
}

/* The screenshot records of the selected URLs, as screenshots/NN.png. */
static int screenshots(const bundle_t *b, const bopts_t *o, const char *case_dir)
{
	json_t *pages = json_object_get(b->sum, "pages");
	arc_case_files_t files;
	arc_error_t err;
	char dir[PATH_MAX];
	size_t fi, n = 0;

	path_of(dir, sizeof dir, b->dir, "screenshots");
	if (arc_case_files(case_dir, &files, &err) != ARC_OK)
		return -1;
	for (fi = 0; fi < files.n; fi++) {
		char path[PATH_MAX];
		warc_reader_opts_t ro = { 0 };
		warc_reader_t *r;
		warc_rec_t rec;

		path_of(path, sizeof path, case_dir, files.v[fi].name);
		if (!(r = warc_reader_open(path, &ro, &err)))
			continue;
		while (warc_reader_next(r, &rec, &err) == 1) {
			const char *u = warc_rec_get(&rec, "WARC-Target-URI"), *pre = "urn:custody:screenshot:";
			json_t *p;
			size_t i, k = 0;

			if (!u || strncmp(u, pre, strlen(pre)) || strcmp(warc_rec_get(&rec, "WARC-Type") ? warc_rec_get(&rec, "WARC-Type") : "", "resource"))
				continue;
			u += strlen(pre);
			json_array_foreach(pages, i, p) {
				if (!selected(o, p, pages, i))
					continue;
				k++;
				if (!strcmp(jget(p, "url"), u)) {
					char png[PATH_MAX + 32];
					FILE *f;

					if (!n++ && mkdir(dir, 0755) && errno != EEXIST)
						break;
					snprintf(png, sizeof png, "%s/page-%02zu.png", dir, k);
					if ((f = fopen(png, "wb"))) {
						fwrite(rec.block, 1, (size_t)rec.block_len, f);
						fclose(f);
					}
					break;
				}
			}
		}
		warc_reader_free(r);
	}
	arc_case_files_free(&files);
	return 0;
}

static int verify_txt(const bundle_t *b, const bopts_t *o, const char *first_lang)
{
	char path[PATH_MAX];
	FILE *f;
	int rc, pass;

	path_of(path, sizeof path, b->dir, "VERIFY.txt");
	if (!(f = fopen(path, "w")))
		return -1;
	for (pass = 0; pass < 2; pass++) {
		int zh = (pass == 0) == !strcmp(first_lang, "zh");
		const char *const *w = zh ? w_zh : w_en;
		size_t i;

		fprintf(f, "%s%s\n%s\n\n%s\n\n", pass ? "\n\n" : "", w[W_V_TITLE],
		        zh ? "====================" : "=========================", w[W_V_INTRO]);
		if (!o->trust || !o->tsa_trust)
			fprintf(f, "%s\n\n", w[W_V_NOANCHOR]);
		fprintf(f, "%s\n\n", w[W_V_TOOL]);
		for (i = 0; i < b->nexhibits; i++)
			fprintf(f, "    custody-verify --trust certs/operator.crt --tsa-trust certs/tsa-ca.pem %s\n",
			        b->exhibits[i]);
		fprintf(f, "\n%s\n\n", w[W_V_OPENSSL]);
		for (i = 0; i < b->nexhibits; i++) {
			char base[PATH_MAX];
			size_t l = strlen(b->exhibits[i]);

			snprintf(base, sizeof base, "%.*s", (int)(l > 9 ? l - 9 : l), b->exhibits[i]);
			fprintf(f, "    openssl cms -verify -binary -inform DER -in %s.seal.p7s -content %s.seal.sth.txt "
			           "-CAfile certs/operator.crt -purpose any -out /dev/null\n", base, base);
			fprintf(f, "    openssl ts -verify -data %s.seal.sth.txt -in %s.seal.tsr -CAfile certs/tsa-ca.pem\n",
			        base, base);
		}
		fprintf(f, "\n%s\n\n    sha256sum -c SHA256SUMS\n", w[W_V_SUMS]);
	}
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* SHA256SUMS: every file under the bundle, sorted, as sha256sum writes them. */
static int add_sums(const char *root, const char *rel, char ***names, size_t *n)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char sub[PATH_MAX], full[PATH_MAX * 2];
		struct stat st;

		if (e->d_name[0] == '.' || (!*rel && !strcmp(e->d_name, "SHA256SUMS")))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			add_sums(root, sub, names, n);
		} else {
			char **v = realloc(*names, (*n + 1) * sizeof *v);

			if (!v)
				break;
			*names = v;
			v[(*n)++] = strdup(sub);
		}
	}
	closedir(d);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sums(const char *dir)
{
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i;
	FILE *out;
	int rc = 0;

	add_sums(dir, "", &names, &n);
	qsort(names, n, sizeof *names, str_cmp);
	path_of(path, sizeof path, dir, "SHA256SUMS");
	if (!(out = fopen(path, "w")))
		rc = -1;
	for (i = 0; i < n; i++) {
		char full[PATH_MAX * 2];
		unsigned char md[32], buf[65536];
		unsigned int mdlen = 0;
		EVP_MD_CTX *x = EVP_MD_CTX_new();
		FILE *f;
		size_t k;

		snprintf(full, sizeof full, "%s/%s", dir, names[i]);
		if (out && x && (f = fopen(full, "rb")) && EVP_DigestInit_ex(x, EVP_sha256(), NULL)) {
			while ((k = fread(buf, 1, sizeof buf, f)) > 0)
				EVP_DigestUpdate(x, buf, k);
			fclose(f);
			EVP_DigestFinal_ex(x, md, &mdlen);
			for (k = 0; k < mdlen; k++)
				fprintf(out, "%02x", md[k]);
			fprintf(out, "  %s\n", names[i]);
		} else {
			rc = -1;
		}
		EVP_MD_CTX_free(x);
		free(names[i]);
	}
	free(names);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

/* chromium prints an HTML file of the bundle to PDF (A4, no header line). */
static int to_pdf(const bundle_t *b, const char *html, const char *pdf)
{
	char in[PATH_MAX + 8], outarg[PATH_MAX + 20], prof[PATH_MAX + 20], abs_html[PATH_MAX];
	char *argv[12];
	int k = 0;

	if (!b->chromium)
		return -1;
	if (!realpath(html, abs_html))
		return -1;
	if (snprintf(in, sizeof in, "file://%s", abs_html) >= (int)sizeof in ||
	    snprintf(outarg, sizeof outarg, "--print-to-pdf=%s", pdf) >= (int)sizeof outarg ||
	    snprintf(prof, sizeof prof, "--user-data-dir=%s/profile", b->work) >= (int)sizeof prof)
		return -1; /* a path too long for chromium's arguments */
	argv[k++] = (char *)b->chromium;
	argv[k++] = "--headless";
	argv[k++] = "--no-sandbox";
	argv[k++] = "--disable-gpu";
	argv[k++] = "--no-first-run";
	argv[k++] = "--disable-background-networking";
	argv[k++] = "--no-pdf-header-footer";
	argv[k++] = prof;
	argv[k++] = outarg;
	argv[k++] = in;
	argv[k] = NULL;
	return run(b, argv, NULL, 1) == 0 && access(pdf, R_OK) == 0 ? 0 : -1;
}

static const char *find_chromium(void)
{
	static char found[PATH_MAX];
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	const char *env = getenv("CUSTODY_CHROMIUM"), *path = getenv("PATH");
	size_t i;

	if (env && *env)
		return env;
	for (i = 0; path && i < sizeof names / sizeof *names; i++) {
		const char *p = path;

		while (*p) {
			size_t l = strcspn(p, ":");

			snprintf(found, sizeof found, "%.*s/%s", (int)l, p, names[i]);
			if (access(found, X_OK) == 0)
				return found;
			p += l + (p[l] == ':');
		}
	}
	return NULL;
}

static int rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return unlink(path);
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path_of(sub, sizeof sub, path, e->d_name);
		rm_rf(sub);
	}
	closedir(d);
	return rmdir(path);
}

static int fail(const char *fmt, const char *a)
{
	fprintf(stderr, "custody bundle: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 1;
}

int cmd_bundle(int argc, char **argv)
{
	bopts_t o;
	bundle_t b;
	int first = 0, rc, zh, redact, vrc;
	const char *case_dir, *lang;
	char report[PATH_MAX], summary[PATH_MAX], path[PATH_MAX], *slash;
	json_t *pages, *p;
	size_t i, k;

	memset(&o, 0, sizeof o);
	memset(&b, 0, sizeof b);
	o.redact = -1;
	rc = cli_parse(&bundle_cmd, argc, argv, on_opt, &o, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (first != argc - 1 || !o.out || !o.who) {
		fprintf(stderr, "custody bundle: give one CASE_DIR, -o DIR and --for court|platform|police\n"
		                "Try 'custody bundle --help' for the options.\n");
		return 2;
	}
	if (strcmp(o.who, "court") && strcmp(o.who, "platform") && strcmp(o.who, "police")) {
		fprintf(stderr, "custody bundle: --for %s: expected court, platform or police\n", o.who);
		return 2;
	}
	lang = o.lang;
	if (!lang) {
		const char *v = getenv("LC_ALL");

		if (!v || !*v)
			v = getenv("LC_MESSAGES");
		if (!v || !*v)
			v = getenv("LANG");
		lang = v && !strncmp(v, "zh", 2) ? "zh" : "en";
	}
	if (strcmp(lang, "zh") && strcmp(lang, "en")) {
		fprintf(stderr, "custody bundle: --lang %s: expected zh or en\n", lang);
		return 2;
	}
	zh = !strcmp(lang, "zh");
	redact = o.redact >= 0 ? o.redact : !strcmp(o.who, "platform");
	case_dir = argv[first];
	b.dir = o.out;
	if (mkdir(o.out, 0755) && errno != EEXIST)
		return fail("cannot create %s", o.out) + 1;
	{
		DIR *d = opendir(o.out);
		struct dirent *e;
		int empty = 1;

		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				empty = 0;
		if (d)
			closedir(d);
		if (!d || !empty)
			return fail("%s is not an empty directory: a bundle is written into a new one", o.out) + 1;
	}
	path_of(b.work, sizeof b.work, o.out, ".work");
	if (mkdir(b.work, 0700))
		return fail("cannot create %s", b.work);
	/* the sibling programs */
	{
		ssize_t n = readlink("/proc/self/exe", b.self, sizeof b.self - 1);
		const char *env = getenv("CUSTODY_VERIFY");

		if (n <= 0)
			return fail("cannot find my own program (%s)", "/proc/self/exe");
		b.self[n] = '\0';
		if (env && *env) {
			snprintf(b.verify, sizeof b.verify, "%s", env);
		} else {
			snprintf(b.verify, sizeof b.verify, "%s", b.self);
			if ((slash = strrchr(b.verify, '/')))
				snprintf(slash + 1, sizeof b.verify - (size_t)(slash + 1 - b.verify), "custody-verify");
		}
		if (access(b.verify, X_OK))
			return fail("custody-verify not found at %s (set CUSTODY_VERIFY)", b.verify);
	}
	b.chromium = find_chromium();

	/* 1. the report and the summary, by the verifier */
	path_of(report, sizeof report, o.out, "report.html");
	path_of(summary, sizeof summary, b.work, "summary.json");
	{
		char *av[16];
		int n = 0;

		av[n++] = b.verify;
		if (o.trust) { av[n++] = "--trust"; av[n++] = (char *)o.trust; }
		if (o.tsa_trust) { av[n++] = "--tsa-trust"; av[n++] = (char *)o.tsa_trust; }
		av[n++] = "--lang";
		av[n++] = (char *)lang;
		if (redact)
			av[n++] = "--redact";
		av[n++] = "--no-date";
		av[n++] = "--report";
		av[n++] = report;
		av[n++] = "--summary";
		av[n++] = summary;
		av[n++] = "-q";
		av[n++] = (char *)case_dir;
		av[n] = NULL;
		vrc = run(&b, av, NULL, 0);
	}
	if (vrc != 0 && vrc != 3)
		return fail(vrc == 1 ? "the case %s does not verify: nothing to hand over (run custody-verify on it)"
		                     : "custody-verify could not check %s (see its message with custody-verify)",
		            case_dir);
	if (vrc == 3 && o.trust && o.tsa_trust)
		fprintf(stderr, "custody bundle: note: the case is intact but not anchored by the certificates given\n");
	if (!(b.sum = json_load_file(summary, 0, NULL)))
		return fail("cannot read the verifier's summary %s", summary);
	pages = json_object_get(b.sum, "pages");
	for (i = 0; i < o.nurls; i++) {
		json_array_foreach(pages, k, p)
			if (!strcmp(jget(p, "url"), o.urls[i]))
				break;
		if (k == json_array_size(pages)) {
			/* any captured page may be named, personal data or not: ask export */
			fprintf(stderr, "custody bundle: note: %s has no personal data in the case's findings\n",
			        o.urls[i]);
		}
	}

	/* 2. exhibits (court, police), each checked alone */
	if (strcmp(o.who, "platform")) {
		char exdir[PATH_MAX];
		size_t n = 0;

		path_of(exdir, sizeof exdir, o.out, "exhibits");
		mkdir(exdir, 0755);
		b.exhibits = calloc(json_array_size(pages) + o.nurls + 1, sizeof *b.exhibits);
		json_array_foreach(pages, i, p) {
			if (!selected(&o, p, pages, i) || !b.exhibits)
				continue;
			char rel[64], full[PATH_MAX], prefix[PATH_MAX];
			char *ex[8], *vx[8];
			int m = 0, vm = 0, erc;

			snprintf(rel, sizeof rel, "exhibits/page-%02zu.warc.zst", ++n);
			path_of(full, sizeof full, o.out, rel);
			ex[m++] = b.self; ex[m++] = "export"; ex[m++] = (char *)case_dir;
			ex[m++] = "--url"; ex[m++] = (char *)jget(p, "url"); ex[m++] = "-o"; ex[m++] = full;
			ex[m] = NULL;
			if (redact) {
				/* the URL in the summary is masked: export by record instead */
				ex[3] = "--record";
				ex[4] = (char *)jget(p, "record");
			}
			if ((erc = run(&b, ex, NULL, 0)) != 0)
				return fail("custody export of %s failed (see .work/steps.log)", rel);
			vx[vm++] = b.verify;
			if (o.trust) { vx[vm++] = "--trust"; vx[vm++] = (char *)o.trust; }
			if (o.tsa_trust) { vx[vm++] = "--tsa-trust"; vx[vm++] = (char *)o.tsa_trust; }
			vx[vm++] = "-q"; vx[vm++] = full; vx[vm] = NULL;
			erc = run(&b, vx, NULL, 0);
			if (erc != 0 && !(erc == 3 && (!o.trust || !o.tsa_trust)))
				return fail("the exhibit %s does not verify alone", rel);
			snprintf(prefix, sizeof prefix, "%.*s.seal", (int)(strlen(full) - 9), full);
			if (seal_parts(full, prefix))
				fprintf(stderr, "custody bundle: note: %s has no seal parts for openssl\n", rel);
			b.exhibits[b.nexhibits++] = strdup(rel);
		}
	}
	/* 3. certificates */
	if (o.trust || o.tsa_trust) {
		path_of(path, sizeof path, o.out, "certs");
		mkdir(path, 0755);
		if (o.trust) {
			path_of(path, sizeof path, o.out, "certs/operator.crt");
			if (copy_file(o.trust, path))
				return fail("cannot copy %s", o.trust);
		}
		if (o.tsa_trust) {
			path_of(path, sizeof path, o.out, "certs/tsa-ca.pem");
			if (copy_file(o.tsa_trust, path))
				return fail("cannot copy %s", o.tsa_trust);
		}
	}
	/* 4. screenshots (never in a redacted bundle: they show the data) */
	if (!redact && strcmp(o.who, "court"))
		screenshots(&b, &o, case_dir);
	/* 5. letters */
	if (!strcmp(o.who, "platform")) {
		if (complaint(&b, &o, "zh", redact) || complaint(&b, &o, "en", redact) || pages_csv(&b, &o))
			return fail("cannot write the letters in %s", o.out);
	}
	if (!strcmp(o.who, "police")) {
		if (police(&b, &o, "zh", redact) || police(&b, &o, "en", redact))
			return fail("cannot write the summaries in %s", o.out);
	}
	if (strcmp(o.who, "platform") && verify_txt(&b, &o, lang))
		return fail("cannot write %s/VERIFY.txt", o.out);
	/* 6. PDFs */
	{
		static const char *const docs[] = { "report", "complaint-zh", "complaint-en",
		                                    "police-report-zh", "police-report-en" };
		for (i = 0; i < sizeof docs / sizeof *docs; i++) {
			char html[PATH_MAX], pdf[PATH_MAX];

			snprintf(html, sizeof html, "%s/%s.html", o.out, docs[i]);
			snprintf(pdf, sizeof pdf, "%s/%s.pdf", o.out, docs[i]);
			if (access(html, R_OK))
				continue;
			if (to_pdf(&b, html, pdf)) {
				if (!b.chromium)
					fprintf(stderr, "custody bundle: chromium not found (install Debian's chromium, "
					                "or set CUSTODY_CHROMIUM): %s.pdf not written\n", docs[i]);
				else
					fprintf(stderr, "custody bundle: chromium could not print %s.pdf\n", docs[i]);
				return 1;
			}
		}
	}
	rm_rf(b.work);
	/* 7. checksums, last */
	if (sums(o.out))
		return fail("cannot write %s/SHA256SUMS", o.out);
	printf("%s: bundle for %s written (%s%s): %zu page%s, %zu exhibit%s; check with: cd %s && sha256sum -c SHA256SUMS\n",
	       o.out, o.who, zh ? "zh" : "en", redact ? ", redacted" : "",
	       json_array_size(pages), json_array_size(pages) == 1 ? "" : "s", b.nexhibits,
	       b.nexhibits == 1 ? "" : "s", o.out);
	for (i = 0; i < b.nexhibits; i++)
		free(b.exhibits[i]);
	free(b.exhibits);
	json_decref(b.sum);
	return 0;
}
