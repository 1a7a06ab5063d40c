/*
 * report.c — custody-verify's HTML report, written for the people who read
 * it: a judge, a platform's moderator, a police officer, and last the expert.
 *
 * Page one is a summary read in a minute: the verdict in plain words, the
 * case, who captured it (signer and chain), the trusted capture window, the
 * pages the user asked for, the user's note, and a table of the doxing pages
 * (URL, time, kinds of personal data, masked values). Then each doxing page,
 * highest score first: its screenshot when a browser rendered it, the exposed
 * data in context (identifiers before dox wording), and its proof (record,
 * offsets, hashes, seal). Then the other pages where personal data was found,
 * the environment of the capture, the remaining pages as one compact table,
 * style sheets, scripts, images and robots.txt as one table of resources, and
 * an appendix for the expert: every check and how, the files, signers and
 * trusted times, what was not checked, how to re-check without custody, and
 * the command line. Print CSS for A4 and Letter; the case id and page numbers
 * on every printed page.
 *
 * Words come from two tables, msg_en[] and msg_zh[] (one per language, same
 * ids, so they can move to gettext as they are); --lang picks one.
 *
 * --redact masks every identifier found anywhere in the case (every finding's
 * value and text except dox wording, on every page) wherever it appears in the
 * output — contexts, URLs, titles, the note, the command line — also written
 * with separators or full-width digits, or percent-encoded in a URL; finding
 * hashes and screenshots are left out (a hash of a short identifier can be
 * brute-forced; a screenshot shows the data).
 *
 * Must never: let archive text reach the page unescaped (every byte of it goes
 * through put(), which escapes what HTML gives meaning to), load anything from
 * elsewhere (inline style, no scripts, a Content-Security-Policy that forbids
 * the rest), decide a result — it only shows vf_result_t — or say more than
 * the checks found.
 */
#include "verify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- words */

enum {
	M_TITLE, M_SUBTITLE, M_RUNHEAD, M_V_VERIFIED, M_V_INTACT, M_V_FAILED, M_V_NOSEAL,
	M_CASE, M_CAPTURED_BY, M_CHAIN_OK, M_CHAIN_NA, M_CHAIN_BAD, M_NOT_SIGNED, M_WINDOW,
	M_WINDOW_NA, M_TSA, M_ASKED, M_ASKED_NA, M_CAPTURED, M_NOT_CAPTURED, M_NOTE, M_WRITTEN,
	M_REDACTED, M_COUNTS, M_DOX_TABLE, M_NO_DOX, M_COL_URL, M_COL_TIME, M_COL_KINDS,
	M_COL_VALUES, M_DOX_PAGES, M_DOX_PAGE, M_OTHER_PD, M_OTHER_PD_PAGE, M_RENDERED_TAG, M_UNSEALED_TAG,
	M_URL, M_TIME_SEALED, M_TIME_CLAIM, M_RENDER_SEALED, M_RENDER_CLAIM, M_SERVER,
	M_PROTOCOL, M_STATUS, M_TLS_SUBJECT, M_TLS_ISSUER, M_TLS_AT, M_TLS_OK, M_TLS_NOT,
	M_TLS_UNKNOWN, M_TLS_NONE, M_TLS_NOREC, M_KINDS, M_SCORE, M_EXPOSED, M_COL_KIND,
	M_COL_VALUE, M_COL_CONTEXT, M_COL_PROOF, M_KEYWORDS, M_MORE, M_PROOF, M_RECORD,
	M_BLOCK, M_PAYLOAD, M_FINDINGS_CHECK, M_SEALED_BY, M_NOT_SEALED, M_OMITTED,
	M_SHOT, M_SHOT_REDACTED, M_SHOT_BIG, M_SHOT_SEE, M_RENDERING, M_RENDER_BY,
	M_SETTLED, M_NOT_SETTLED, M_SETTLE_NA, M_RENDER_TAIL, M_NO_RENDERING, M_ENV,
	M_ENV_INTRO, M_SOFTWARE, M_HOST, M_OPERATOR, M_ENV_OTHER, M_APPX_PAGES, M_APPX_PAGES_INTRO,
	M_APPX_RES, M_APPX_RES_INTRO, M_COL_TYPE, M_COL_STATUS, M_COL_SERVER, M_COL_RECORD,
	M_COL_FINDINGS, M_NONE, M_APPX_EXPERT, M_WHAT_VERIFIED, M_COL_FILE, M_COL_RECORDS,
	M_COL_BYTES, M_COL_PASSED, M_COL_FAILED, M_COL_CHECK, M_COL_HOW, M_COL_RESULT,
	M_PASSED, M_FAILED, M_NOT_PRESENT, M_PARTLY, M_N_FAILED, M_TOTALS, M_SIGNERS,
	M_COL_WHO, M_COL_WHAT, M_COL_CHAIN, M_SIGNED_N, M_STAMP, M_NOT_CHECKED,
	M_NOT_CHECKED_INTRO, M_FAILURES, M_COL_OFFSET, M_COL_EXPECTED, M_AND_MORE,
	M_RECHECK, M_RECHECK_TEXT, M_CLAIM_NOTE, M_COMMAND, M_NOT_RECORDED, M_REVISIT,
	M_HIDDEN, M_FAILED_SUMMARY, M_BYTES_AT, M_N
};

static const char *const msg_en[M_N] = {
	[M_TITLE] = "Evidence report",
	[M_SUBTITLE] = "custody-verify report: what the captured files prove, checked by custody-verify",
	[M_RUNHEAD] = "custody-verify report · case ",
	[M_V_VERIFIED] = "<b>Verified.</b> The %llu records in %zu file%s are exactly what was "
	                 "sealed: nothing was changed, added or removed since the seals were made. Who "
	                 "sealed them is proven by a signature that chains to the trusted certificate, "
	                 "and when by trusted timestamps. The seals cover the records' content (WARC "
	                 "headers and blocks), not the file's compression: a file recompressed at "
	                 "another level has another SHA-256 and still verifies.",
	[M_V_INTACT] = "<b>Intact, but not anchored.</b> The %llu records in %zu file%s agree with "
	               "their own digests (every integrity check passed), but <b>nothing proves they "
	               "were not rewritten</b>: who captured them and when is <b>not</b> anchored by a "
	               "verified signature and trusted timestamp (anyone can recompute a digest): "
	               "see &ldquo;Not checked&rdquo; in the appendix for the expert.",
	[M_V_FAILED] = "<b>FAILED.</b> Something in these %zu file%s is not what was captured, or "
	               "cannot be checked: see &ldquo;Failures&rdquo; below for the file, byte "
	               "offset, record and check.",
	[M_V_NOSEAL] = "The case is not sealed: capture times are the archive's own claim.",
	[M_CASE] = "Case",
	[M_CAPTURED_BY] = "Captured and signed by",
	[M_CHAIN_OK] = "certificate chains to the trusted certificate given",
	[M_CHAIN_NA] = "certificate not checked against a trusted certificate",
	[M_CHAIN_BAD] = "certificate does NOT chain to the trusted certificate given",
	[M_NOT_SIGNED] = "not signed",
	[M_WINDOW] = "Trusted capture window",
	[M_WINDOW_NA] = "no trusted timestamp",
	[M_TSA] = "time-stamp authority",
	[M_ASKED] = "Pages asked for",
	[M_ASKED_NA] = "not recorded",
	[M_CAPTURED] = "captured",
	[M_NOT_CAPTURED] = "not captured",
	[M_NOTE] = "Note by the person who captured it",
	[M_WRITTEN] = "Report written",
	[M_REDACTED] = "Personal data masked (--redact): every identifier found in the case is "
	               "masked everywhere in this report; screenshots and hashes of the data are left out.",
	[M_COUNTS] = "%zu page%s captured; %zu doxing page%s; %zu further page%s with personal data; "
	             "%zu resource%s (style sheets, scripts, images, robots.txt).",
	[M_DOX_TABLE] = "Doxing pages (personal data exposed)",
	[M_NO_DOX] = "No page of this case was judged a doxing page.",
	[M_COL_URL] = "URL",
	[M_COL_TIME] = "Captured at",
	[M_COL_KINDS] = "Personal data exposed",
	[M_COL_VALUES] = "Values (masked)",
	[M_DOX_PAGES] = "The doxing pages, highest score first",
	[M_DOX_PAGE] = "Doxing page %zu",
	[M_OTHER_PD] = "Other pages where personal data was found",
	[M_OTHER_PD_PAGE] = "Page %zu",
	[M_RENDERED_TAG] = "as rendered in a browser",
	[M_UNSEALED_TAG] = "NOT sealed: after the last seal, the archive's own claim",
	[M_URL] = "URL",
	[M_TIME_SEALED] = "Capture time (WARC-Date, sealed: a verified seal covers this record)",
	[M_TIME_CLAIM] = "Capture time (WARC-Date, NOT sealed: the archive's own claim)",
	[M_RENDER_SEALED] = "Rendered at (WARC-Date, sealed: a verified seal covers this record)",
	[M_RENDER_CLAIM] = "Rendered at (WARC-Date, NOT sealed: the archive's own claim)",
	[M_SERVER] = "Server address",
	[M_PROTOCOL] = "Protocol",
	[M_STATUS] = "HTTP status",
	[M_TLS_SUBJECT] = "TLS certificate subject",
	[M_TLS_ISSUER] = "TLS certificate issuer",
	[M_TLS_AT] = "TLS certificate at capture",
	[M_TLS_OK] = "<span class=ok>verified</span> (chain and host name)",
	[M_TLS_NOT] = "<span class=bad>not verified</span>",
	[M_TLS_UNKNOWN] = "<span class=na>unknown</span>",
	[M_TLS_NONE] = "none (plain HTTP)",
	[M_TLS_NOREC] = "no capture record for this page",
	[M_KINDS] = "Personal data exposed",
	[M_SCORE] = "Doxing score",
	[M_EXPOSED] = "The exposed data, in context",
	[M_COL_KIND] = "Kind",
	[M_COL_VALUE] = "Value",
	[M_COL_CONTEXT] = "In context",
	[M_COL_PROOF] = "Bytes, SHA-256 of those bytes, check",
	[M_KEYWORDS] = "Doxing wording (a signal, not personal data)",
	[M_MORE] = "... and %llu more findings (all checked; the report shows the first %zu)",
	[M_PROOF] = "Proof",
	[M_RECORD] = "Record",
	[M_BLOCK] = "Block digest",
	[M_PAYLOAD] = "Payload digest",
	[M_FINDINGS_CHECK] = "%llu fragment%s; offsets and hashes %s",
	[M_SEALED_BY] = "Bound by the case's seals (%llu of %llu verified)",
	[M_NOT_SEALED] = "No verified seal: nothing binds this record's time",
	[M_OMITTED] = "%llu further fragment%s found at capture time were left out of the findings "
	              "record, which keeps the first ones in page order; the page itself is recorded whole",
	[M_SHOT] = "Screenshot",
	[M_SHOT_REDACTED] = "The screenshot is left out of this report (--redact): it shows the personal data.",
	[M_SHOT_BIG] = "not embedded: larger than %zu MiB (or the report's image budget is spent); "
	               "extract it from the record",
	[M_SHOT_SEE] = "see the page as rendered in a browser, below",
	[M_RENDERING] = "Rendering",
	[M_RENDER_BY] = "The DOM below was rendered by ",
	[M_SETTLED] = "; the page <span class=ok>settled</span> (no request in flight) before it was collected",
	[M_NOT_SETTLED] = "; the page <span class=bad>did not settle</span>: collected as far as it got",
	[M_SETTLE_NA] = "; whether it settled is not recorded",
	[M_RENDER_TAIL] = ". It shows what a person opening the page saw; the bytes the server sent "
	                  "are in the page's response records.",
	[M_NO_RENDERING] = "no rendering metadata record for this DOM",
	[M_ENV] = "Environment of the capture",
	[M_ENV_INTRO] = "What the capture files say of the machine and software that made them "
	                "(the first warcinfo record; shown as recorded, not checked).",
	[M_SOFTWARE] = "Software",
	[M_HOST] = "Host name",
	[M_OPERATOR] = "Operator",
	[M_ENV_OTHER] = "Further fields",
	[M_APPX_PAGES] = "Appendix A: the other pages captured",
	[M_APPX_PAGES_INTRO] = "Pages in which no personal data was found, in capture order.",
	[M_APPX_RES] = "Appendix B: resources",
	[M_APPX_RES_INTRO] = "Style sheets, scripts, images, robots.txt and other files the pages "
	                     "use, in capture order. Each is sealed like the pages.",
	[M_COL_TYPE] = "Type",
	[M_COL_STATUS] = "HTTP status",
	[M_COL_SERVER] = "Server address",
	[M_COL_RECORD] = "Record, file and offset",
	[M_COL_FINDINGS] = "Findings",
	[M_NONE] = "none",
	[M_APPX_EXPERT] = "Appendix C: for the expert",
	[M_WHAT_VERIFIED] = "What was verified and how",
	[M_COL_FILE] = "File",
	[M_COL_RECORDS] = "Records",
	[M_COL_BYTES] = "Bytes",
	[M_COL_PASSED] = "Checks passed",
	[M_COL_FAILED] = "Failed",
	[M_COL_CHECK] = "Check",
	[M_COL_HOW] = "How",
	[M_COL_RESULT] = "Result",
	[M_PASSED] = "<span class=ok>passed</span>",
	[M_FAILED] = "<span class=bad>FAILED</span>",
	[M_NOT_PRESENT] = "<span class=na>not present</span>",
	[M_PARTLY] = "<span class=ok>passed</span> <span class=na>(partly not checked: see below)</span>",
	[M_N_FAILED] = "<span class=bad>%llu failed</span>",
	[M_TOTALS] = "%llu findings re-checked against the captured bytes; %llu references resolved; "
	             "%llu seal record%s (%llu verified).",
	[M_SIGNERS] = "Signers and trusted times",
	[M_COL_WHO] = "Who",
	[M_COL_WHAT] = "What",
	[M_COL_CHAIN] = "Chain",
	[M_SIGNED_N] = "signed %llu seal%s",
	[M_STAMP] = "timestamp ",
	[M_NOT_CHECKED] = "Not checked",
	[M_NOT_CHECKED_INTRO] = "What custody-verify could not check, in its own words (give the "
	                        "anchors it names to check them):",
	[M_FAILURES] = "Failures",
	[M_COL_OFFSET] = "Offset",
	[M_COL_EXPECTED] = "Expected and found",
	[M_AND_MORE] = "... and %llu more",
	[M_RECHECK] = "Re-checking without custody",
	[M_RECHECK_TEXT] = "Each <code>.warc.zst</code> file is a series of standard zstd frames, one "
	                   "WARC record each: <code>zstd -dc FILE</code> prints the records. A record's "
	                   "block digest is the SHA-256 of the Content-Length bytes after its header's "
	                   "blank line; a finding's SHA-256 is that of bytes [start, end) of the page "
	                   "after removing the chunked and gzip codings.",
	[M_CLAIM_NOTE] = "Capture times are the archive's own claim until a verified seal with a "
	                 "trusted timestamp anchors them.",
	[M_COMMAND] = "Command line of the capture",
	[M_NOT_RECORDED] = "(not recorded)",
	[M_REVISIT] = " (revisit: same content as an earlier capture)",
	[M_HIDDEN] = "(hidden by --redact)",
	[M_FAILED_SUMMARY] = "%llu failure%s",
	[M_BYTES_AT] = "byte offset",
};

static const char *const msg_zh[M_N] = {
	[M_TITLE] = "证据报告",
	[M_SUBTITLE] = "custody-verify report：由 custody-verify 核验的采集文件所能证明的内容",
	[M_RUNHEAD] = "custody-verify 报告 · 案件 ",
	[M_V_VERIFIED] = "<b>核验通过。</b>%llu 条记录（%zu 个文件%s）与封存时完全一致：封存之后未被修改、增加或删除。"
	                 "由谁封存，由可追溯至受信任证书的数字签名证明；何时封存，由可信时间戳证明。"
	                 "封印覆盖的是记录的内容（WARC 头部和正文），而不是文件的压缩方式：以其他压缩级别重新压缩的文件 SHA-256 不同，但仍能通过核验。",
	[M_V_INTACT] = "<b>内容完整，但未锚定。</b>%llu 条记录（%zu 个文件%s）与其自身的摘要一致（全部完整性检查通过），"
	               "但<b>没有任何东西能证明它们未被改写</b>：由谁、何时采集<b>未</b>经已核验的签名和可信时间戳锚定"
	               "（任何人都能重新计算摘要）：见附录“未检查的项目”。",
	[M_V_FAILED] = "<b>核验失败。</b>这些文件（%zu 个%s）中有内容与采集时不一致，或无法检查："
	               "见下文“失败项”，其中列出文件、字节偏移、记录和检查项。",
	[M_V_NOSEAL] = "本案件未封存：采集时间仅为归档文件自身的声明。",
	[M_CASE] = "案件",
	[M_CAPTURED_BY] = "采集和签名者",
	[M_CHAIN_OK] = "证书可追溯至所给的受信任证书",
	[M_CHAIN_NA] = "证书未对照受信任证书检查",
	[M_CHAIN_BAD] = "证书不能追溯至所给的受信任证书",
	[M_NOT_SIGNED] = "未签名",
	[M_WINDOW] = "可信采集时间段",
	[M_WINDOW_NA] = "无可信时间戳",
	[M_TSA] = "时间戳服务机构",
	[M_ASKED] = "要求采集的页面",
	[M_ASKED_NA] = "未记录",
	[M_CAPTURED] = "已采集",
	[M_NOT_CAPTURED] = "未采集",
	[M_NOTE] = "采集人备注",
	[M_WRITTEN] = "报告生成时间",
	[M_REDACTED] = "个人信息已遮盖（--redact）：本案件中发现的每一项身份信息在本报告各处均已遮盖；"
	               "截图和个人信息的哈希值已略去。",
	[M_COUNTS] = "共采集 %zu 个页面%s；开盒页面 %zu 个%s；另有 %zu 个页面含个人信息%s；"
	             "资源文件 %zu 个%s（样式表、脚本、图片、robots.txt）。",
	[M_DOX_TABLE] = "开盒页面（暴露个人信息）",
	[M_NO_DOX] = "本案件中没有页面被判定为开盒页面。",
	[M_COL_URL] = "网址",
	[M_COL_TIME] = "采集时间",
	[M_COL_KINDS] = "暴露的个人信息",
	[M_COL_VALUES] = "信息值（已遮盖）",
	[M_DOX_PAGES] = "开盒页面（按评分从高到低）",
	[M_DOX_PAGE] = "开盒页面 %zu",
	[M_OTHER_PD] = "发现个人信息的其他页面",
	[M_OTHER_PD_PAGE] = "页面 %zu",
	[M_RENDERED_TAG] = "浏览器渲染后的页面",
	[M_UNSEALED_TAG] = "未封存：位于最后一个封印之后，仅为归档自身声明",
	[M_URL] = "网址",
	[M_TIME_SEALED] = "采集时间（WARC-Date，已封存：有经核验的封印覆盖本记录）",
	[M_TIME_CLAIM] = "采集时间（WARC-Date，未封存：仅为归档自身声明）",
	[M_RENDER_SEALED] = "渲染时间（WARC-Date，已封存：有经核验的封印覆盖本记录）",
	[M_RENDER_CLAIM] = "渲染时间（WARC-Date，未封存：仅为归档自身声明）",
	[M_SERVER] = "服务器地址",
	[M_PROTOCOL] = "协议",
	[M_STATUS] = "HTTP 状态码",
	[M_TLS_SUBJECT] = "TLS 证书主体",
	[M_TLS_ISSUER] = "TLS 证书签发者",
	[M_TLS_AT] = "采集时的 TLS 证书",
	[M_TLS_OK] = "<span class=ok>已验证</span>（证书链和主机名）",
	[M_TLS_NOT] = "<span class=bad>未验证</span>",
	[M_TLS_UNKNOWN] = "<span class=na>未知</span>",
	[M_TLS_NONE] = "无（明文 HTTP）",
	[M_TLS_NOREC] = "此页面没有采集记录",
	[M_KINDS] = "暴露的个人信息",
	[M_SCORE] = "开盒评分",
	[M_EXPOSED] = "暴露的信息及其上下文",
	[M_COL_KIND] = "类别",
	[M_COL_VALUE] = "信息值",
	[M_COL_CONTEXT] = "上下文",
	[M_COL_PROOF] = "字节范围、该字节的 SHA-256、检查结果",
	[M_KEYWORDS] = "开盒用语（信号，非个人信息）",
	[M_MORE] = "……另有 %llu 项发现（均已检查；报告显示前 %zu 项）",
	[M_PROOF] = "证明",
	[M_RECORD] = "记录",
	[M_BLOCK] = "块摘要",
	[M_PAYLOAD] = "载荷摘要",
	[M_FINDINGS_CHECK] = "%llu 个片段%s；偏移和哈希 %s",
	[M_SEALED_BY] = "受本案件封存约束（%llu 个封存中 %llu 个已核验）",
	[M_NOT_SEALED] = "无已核验的封存：此记录的时间未受约束",
	[M_OMITTED] = "采集时另发现 %llu 个片段%s，未写入发现记录（记录按页面顺序保留前面的片段）；页面本身已完整记录",
	[M_SHOT] = "截图",
	[M_SHOT_REDACTED] = "本报告略去了截图（--redact）：截图显示个人信息。",
	[M_SHOT_BIG] = "未嵌入：大于 %zu MiB（或报告的图片容量已用完）；请从记录中提取",
	[M_SHOT_SEE] = "见下文浏览器渲染后的页面",
	[M_RENDERING] = "渲染",
	[M_RENDER_BY] = "下面的 DOM 由以下浏览器渲染：",
	[M_SETTLED] = "；页面在收集前已<span class=ok>稳定</span>（无进行中的请求）",
	[M_NOT_SETTLED] = "；页面<span class=bad>未稳定</span>：按当时已加载的内容收集",
	[M_SETTLE_NA] = "；未记录页面是否稳定",
	[M_RENDER_TAIL] = "。它显示打开该页面的人所看到的内容；服务器发送的原始字节在该页面的响应记录中。",
	[M_NO_RENDERING] = "此 DOM 没有渲染元数据记录",
	[M_ENV] = "采集环境",
	[M_ENV_INTRO] = "采集文件关于生成它们的机器和软件的说明（第一个 warcinfo 记录；按记录原样显示，未经检查）。",
	[M_SOFTWARE] = "软件",
	[M_HOST] = "主机名",
	[M_OPERATOR] = "操作者",
	[M_ENV_OTHER] = "其他字段",
	[M_APPX_PAGES] = "附录 A：采集的其他页面",
	[M_APPX_PAGES_INTRO] = "未发现个人信息的页面，按采集顺序排列。",
	[M_APPX_RES] = "附录 B：资源文件",
	[M_APPX_RES_INTRO] = "页面使用的样式表、脚本、图片、robots.txt 等文件，按采集顺序排列。它们与页面一样已封存。",
	[M_COL_TYPE] = "类型",
	[M_COL_STATUS] = "HTTP 状态码",
	[M_COL_SERVER] = "服务器地址",
	[M_COL_RECORD] = "记录、文件和偏移",
	[M_COL_FINDINGS] = "发现",
	[M_NONE] = "无",
	[M_APPX_EXPERT] = "附录 C：供技术专家参考",
	[M_WHAT_VERIFIED] = "核验了什么、如何核验",
	[M_COL_FILE] = "文件",
	[M_COL_RECORDS] = "记录数",
	[M_COL_BYTES] = "字节数",
	[M_COL_PASSED] = "通过的检查",
	[M_COL_FAILED] = "失败",
	[M_COL_CHECK] = "检查项",
	[M_COL_HOW] = "方法",
	[M_COL_RESULT] = "结果",
	[M_PASSED] = "<span class=ok>通过</span>",
	[M_FAILED] = "<span class=bad>失败</span>",
	[M_NOT_PRESENT] = "<span class=na>不存在</span>",
	[M_PARTLY] = "<span class=ok>通过</span> <span class=na>（部分未检查：见下文）</span>",
	[M_N_FAILED] = "<span class=bad>%llu 项失败</span>",
	[M_TOTALS] = "对照采集的字节重新检查了 %llu 项发现；解析了 %llu 个引用；封存记录 %llu 个%s（%llu 个已核验）。",
	[M_SIGNERS] = "签名者和可信时间",
	[M_COL_WHO] = "主体",
	[M_COL_WHAT] = "内容",
	[M_COL_CHAIN] = "证书链",
	[M_SIGNED_N] = "签署了 %llu 个封存%s",
	[M_STAMP] = "时间戳 ",
	[M_NOT_CHECKED] = "未检查的项目",
	[M_NOT_CHECKED_INTRO] = "custody-verify 无法检查的项目（原文照录；提供其中提到的信任锚即可检查）：",
	[M_FAILURES] = "失败项",
	[M_COL_OFFSET] = "偏移",
	[M_COL_EXPECTED] = "预期与实际",
	[M_AND_MORE] = "……另有 %llu 项",
	[M_RECHECK] = "不借助 custody 的复核方法",
	[M_RECHECK_TEXT] = "每个 <code>.warc.zst</code> 文件由标准 zstd 帧组成，每帧一条 WARC 记录："
	                   "<code>zstd -dc FILE</code> 即可输出这些记录。记录的块摘要是其头部空行之后 "
	                   "Content-Length 个字节的 SHA-256；发现的 SHA-256 是去除 chunked 和 gzip 编码后"
	                   "页面第 [start, end) 字节的 SHA-256。",
	[M_CLAIM_NOTE] = "在带可信时间戳的已核验封存锚定之前，采集时间仅为归档文件自身的声明。",
	[M_COMMAND] = "采集时的命令行",
	[M_NOT_RECORDED] = "（未记录）",
	[M_REVISIT] = "（重访：内容与之前的采集相同）",
	[M_HIDDEN] = "（已按 --redact 隐去）",
	[M_FAILED_SUMMARY] = "%llu 项失败%s",
	[M_BYTES_AT] = "字节偏移",
};

/* Kinds of personal data in words; rank orders a page's findings
 * (identifiers first, dox wording last). */
static const struct {
	const char *code, *en, *zh;
	int rank;
} kinds[] = {
	{ "cn_resident_id", "resident ID number", "居民身份证号码", 1 },
	{ "hk_id", "Hong Kong identity card number", "香港身份证号码", 2 },
	{ "tw_id", "Taiwan identity card number", "台湾身份证号码", 2 },
	{ "cn_passport", "passport number", "护照号码", 3 },
	{ "cn_bank_card", "bank card number", "银行卡号", 4 },
	{ "cn_mobile", "mobile phone number", "手机号码", 5 },
	{ "cn_landline", "landline phone number", "固定电话号码", 6 },
	{ "cn_address", "home address", "住址", 7 },
	{ "person_name", "name", "姓名", 8 },
	{ "cn_plate", "vehicle licence plate", "机动车号牌", 9 },
	{ "email", "e-mail address", "电子邮箱", 10 },
	{ "qq", "QQ number", "QQ 号", 11 },
	{ "wechat", "WeChat ID", "微信号", 12 },
	{ "social_handle", "social media account", "社交媒体账号", 13 },
	{ "dox_keyword", "doxing wording", "开盒用语", 99 },
};

/* ---------------------------------------------------------------- context */

typedef struct {
	char *s;        /* the exact bytes to find */
	size_t len;
	const char *mask_of; /* the identifier whose mask replaces it */
} term_t;

typedef struct {
	FILE *f;
	const vf_result_t *res;
	const vf_report_opts_t *o;
	const char *const *m;
	int zh, redact, sealed;
	term_t *terms;       /* --redact: exact strings, longest first */
	size_t nterms;
	const char **loose;  /* --redact: [0-9A-Z] values, matched across separators */
	size_t nloose;
} rp_t;

#define RP_MAX_TERMS 20000u  /* distinct strings masked (a case holds at most this many kept) */

static const char *T(const rp_t *r, int id)
{
	return r->m[id] ? r->m[id] : msg_en[id];
}

static const char *plural(const rp_t *r, unsigned long long n)
{
	return r->zh || n == 1 ? "" : "s";
}

static int kind_rank(const char *code)
{
	size_t i;

	for (i = 0; code && i < sizeof kinds / sizeof *kinds; i++)
		if (!strcmp(kinds[i].code, code))
			return kinds[i].rank;
	return 50;
}

static const char *kind_name(const rp_t *r, const char *code)
{
	size_t i;

	for (i = 0; code && i < sizeof kinds / sizeof *kinds; i++)
		if (!strcmp(kinds[i].code, code))
			return r->zh ? kinds[i].zh : kinds[i].en;
	return code ? code : "?";
}

static int is_keyword(const vf_finding_t *fd)
{
	return fd->type && !strcmp(fd->type, "dox_keyword");
}

/* ---------------------------------------------------------------- escaping and masking */

/* A control shown as what it is, never acted on: "[U+009B]" marked. */
static void visible_control(FILE *f, uint32_t cp)
{
	fprintf(f, "<span class=ctl>[U+%04X]</span>", (unsigned)cp);
}

/* The length of the UTF-8 sequence at s (n bytes left) and its code point;
 * 0 if it is not UTF-8. */
static size_t utf8_at(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
	size_t k;

	*cp = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
	if (!len || len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[k] & 0x3Fu);
	}
	if ((len == 2 && *cp < 0x80) || (len == 3 && (*cp < 0x800 || (*cp >= 0xD800 && *cp < 0xE000))) ||
	    (len == 4 && (*cp < 0x10000 || *cp > 0x10FFFF)))
		return 0;
	return len;
}

static void html_text(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		default: break;
		}
		len = utf8_at(u + i, n - i, &cp);
		if (!len) {
			fprintf(f, "<span class=ctl>[byte %02X]</span>", u[i]);
			i++;
		} else if ((len == 1 && cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F ||
		           vf_is_control(cp)) {
			visible_control(f, cp);
			i += len;
		} else {
			fwrite(s + i, 1, len, f);
			i += len;
		}
	}
}

/* UTF-8 aware: values of more than 7 characters keep their first two and
 * last two, of 5 to 7 their first and last, shorter ones nothing; the rest is
 * '*'. No run of 4 of the value's characters survives. */
char *vf_mask(const char *s)
{
	size_t len = s ? strlen(s) : 0, chars = 0, i, keep_a, keep_b, k = 0, o = 0;
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	keep_a = keep_b = chars > 7 ? 2 : chars > 4 ? 1 : 0;
	for (i = 0; i < len; i++) {
		int lead = ((unsigned char)s[i] & 0xC0) != 0x80;

		if (lead)
			k++;
		if (k <= keep_a || k > chars - keep_b)
			out[o++] = s[i];
		else if (lead)
			out[o++] = '*';
	}
	out[o] = '\0';
	return out;
}

static void put_mask(FILE *f, const char *value)
{
	char *m = vf_mask(value);

	html_text(f, m ? m : "***", m ? strlen(m) : 3);
	free(m);
}

/* One character of s at i folded for the loose match: ASCII digits and
 * letters upper-cased, full-width ones folded; *adv its length in bytes.
 * 0: not a digit or letter; -1: a separator people write inside numbers. */
static int fold(const unsigned char *s, size_t n, size_t i, size_t *adv)
{
	*adv = 1;
	if (s[i] >= '0' && s[i] <= '9')
		return s[i];
	if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
		return s[i] & ~0x20;
	if (s[i] == ' ' || s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '/')
		return -1;
	if (i + 2 < n + 0 && s[i] == 0xEF && (s[i + 1] == 0xBC || s[i + 1] == 0xBD)) {
		unsigned cp = ((unsigned)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F)) + 0xF000;

		*adv = 3;
		if (cp >= 0xFF10 && cp <= 0xFF19)
			return (int)(cp - 0xFF10 + '0');
		if (cp >= 0xFF21 && cp <= 0xFF3A)
			return (int)(cp - 0xFF21 + 'A');
		if (cp >= 0xFF41 && cp <= 0xFF5A)
			return (int)(cp - 0xFF41 + 'A');
		if (cp == 0xFF0D || cp == 0xFF0E)
			return -1;
		return 0;
	}
	if (i + 2 < n && s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) {
		*adv = 3; /* ideographic space */
		return -1;
	}
	return 0;
}

/* Length of the loose match of value at s[i] (separators skipped between its
 * characters), or 0. */
static size_t loose_at(const unsigned char *s, size_t n, size_t i, const char *value)
{
	size_t j = i, k = 0, adv;
	int ch;

	while (value[k]) {
		if (j >= n)
			return 0;
		ch = fold(s, n, j, &adv);
		if (ch == -1 && k > 0) {
			j += adv;
			continue;
		}
		if (ch != (unsigned char)value[k])
			return 0;
		j += adv;
		k++;
	}
	return j - i;
}

/* A run of digits and letters starting at s[i] (separators allowed inside)
 * whose first 4 or more characters are a piece of an identifier: the length
 * in bytes of that piece, or 0.
 * Only at the start of a run, so a longer run is judged whole. */
static size_t partial_run(const rp_t *r, const unsigned char *s, size_t n, size_t i)
{
	char run[80];
	size_t j = i, k = 0, end = i, adv, pa, q;
	int ch;

	if (!r->nloose)
		return 0;
	if (fold(s, n, i, &adv) <= 0)
		return 0;
	if (i > 0) { /* the byte before must not be a letter or digit */
		size_t b = i - 1;

		while (b > 0 && (s[b] & 0xC0) == 0x80)
			b--;
		if (fold(s, n, b, &pa) > 0)
			return 0;
	}
	/* the longest prefix of the run that is a piece of some identifier */
	while (j < n && k < sizeof run - 1) {
		ch = fold(s, n, j, &adv);
		if (ch > 0) {
			int piece = 0;

			run[k] = (char)ch;
			run[k + 1] = '\0';
			for (q = 0; q < r->nloose && !piece; q++)
				piece = strstr(r->loose[q], run) != NULL;
			if (!piece)
				break;
			k++;
			j += adv;
			end = j;
		} else if (ch == -1 && j + adv < n && fold(s, n, j + adv, &pa) > 0) {
			j += adv;
		} else {
			break;
		}
	}
	return k >= 4 ? end - i : 0;
}

/* Archive text to the page: escaped; under --redact every identifier masked. */
static void putn(const rp_t *r, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, from = 0, k;

	if (!r->redact) {
		html_text(r->f, s, n);
		return;
	}
	while (i < n) {
		size_t hit = 0;
		const char *of = NULL;

		if ((u[i] & 0xC0) != 0x80) {
			for (k = 0; k < r->nterms && !hit; k++)
				if (r->terms[k].len <= n - i && !memcmp(s + i, r->terms[k].s, r->terms[k].len))
					hit = r->terms[k].len, of = r->terms[k].mask_of;
			if (!hit && (u[i] < 0x80 ? (u[i] >= '0' && u[i] <= '9') || ((u[i] | 0x20) >= 'a' &&
			             (u[i] | 0x20) <= 'z') : u[i] == 0xEF))
				for (k = 0; k < r->nloose && !hit; k++)
					if ((hit = loose_at(u, n, i, r->loose[k])))
						of = r->loose[k];
		}
		if (!hit && (u[i] & 0xC0) != 0x80 && (hit = partial_run(r, u, n, i))) {
			/* a piece of an identifier (a context cut it): all of it masked */
			html_text(r->f, s + from, i - from);
			fputs("****", r->f);
			i += hit;
			from = i;
			continue;
		}
		if (!hit) {
			i++;
			continue;
		}
		html_text(r->f, s + from, i - from);
		put_mask(r->f, of);
		i += hit;
		from = i;
	}
	html_text(r->f, s + from, n - from);
}

static void put(const rp_t *r, const char *s)
{
	putn(r, s ? s : "", s ? strlen(s) : 0);
}

/* A proof's name: a record id (<urn:uuid:...>) or a capture file's path.
 * custody made these names, so redaction never masks them (a masked
 * "capture-xxxx-****.warc.zst" would send a court to a file that does not
 * exist); only the folders above the file, which the user named and may
 * carry a person's name, go through redaction. */
static void put_proof(const rp_t *r, const char *s)
{
	const char *base;

	if (!s)
		return;
	if (s[0] == '<' || !strncmp(s, "urn:uuid:", 9)) {
		html_text(r->f, s, strlen(s));
		return;
	}
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	putn(r, s, (size_t)(base - s));
	if (!strncmp(base, "capture-", 8))
		html_text(r->f, base, strlen(base));
	else
		put(r, base);
}

/* A URL that may break only after a '/', '?' or '&' (a table cell keeps
 * "thread/101.html" whole). */
static void put_url(const rp_t *r, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "/?&");

		if (s[n])
			n++;
		putn(r, s, n);
		if (s[n])
			fputs("<wbr>", r->f);
		s += n;
	}
}

static int term_cmp(const void *a, const void *b)
{
	const term_t *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static int add_term(rp_t *r, size_t *cap, const char *s, const char *mask_of)
{
	size_t len = s ? strlen(s) : 0, chars = 0, i;

	for (i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	if (chars < 2 || len < 3 || r->nterms >= RP_MAX_TERMS)
		return 0;
	for (i = 0; i < r->nterms; i++)
		if (r->terms[i].len == len && !memcmp(r->terms[i].s, s, len))
			return 0;
	if (r->nterms == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		term_t *t = realloc(r->terms, nc * sizeof *t);

		if (!t)
			return -1;
		r->terms = t;
		*cap = nc;
	}
	if (!(r->terms[r->nterms].s = strdup(s)))
		return -1;
	r->terms[r->nterms].len = len;
	r->terms[r->nterms].mask_of = mask_of;
	r->nterms++;
	return 0;
}

/* s percent-encoded as a URL carries it (every byte >= 0x80 as %XX), in upper
 * or lower hex; NULL when s is ASCII (then s itself is the term). */
static char *pct(const char *s, int lower)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0, hi = 0;
	char *out;

	for (i = 0; i < n; i++)
		hi += (unsigned char)s[i] >= 0x80;
	if (!hi || !(out = malloc(n + 2 * hi + 1)))
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static int all_alnum_upper(const char *v)
{
	size_t n = 0;

	for (; *v; v++, n++)
		if (!((*v >= '0' && *v <= '9') || (*v >= 'A' && *v <= 'Z')))
			return 0;
	return n >= 6;
}

/* Every identifier of the case (all pages' findings but dox wording), as
 * seen and normalized, and percent-encoded. -1 without memory. */
static int rp_terms(rp_t *r)
{
	size_t cap = 0, lcap = 0, i, j, k;

	for (i = 0; i < r->res->npages; i++) {
		const vf_page_t *p = &r->res->pages[i];

		for (j = 0; j < p->nfindings; j++) {
			const vf_finding_t *fd = &p->findings[j];
			const char *forms[2] = { fd->text, fd->value };

			if (is_keyword(fd))
				continue;
			for (k = 0; k < 2; k++) {
				char *e;

				if (!forms[k])
					continue;
				if (add_term(r, &cap, forms[k], fd->value ? fd->value : forms[k]))
					return -1;
				for (int lower = 0; lower < 2; lower++) {
					if ((e = pct(forms[k], lower)) &&
					    add_term(r, &cap, e, fd->value ? fd->value : forms[k])) {
						free(e);
						return -1;
					}
					free(e);
				}
			}
			if (fd->value && all_alnum_upper(fd->value) && r->nloose < RP_MAX_TERMS) {
				for (k = 0; k < r->nloose && strcmp(r->loose[k], fd->value); k++)
					;
				if (k < r->nloose)
					continue;
				if (r->nloose == lcap) {
					size_t nc = lcap ? lcap * 2 : 64;
					const char **t = realloc(r->loose, nc * sizeof *t);

					if (!t)
						return -1;
					r->loose = t;
					lcap = nc;
				}
				r->loose[r->nloose++] = fd->value;
			}
		}
	}
	if (r->nterms)
		qsort(r->terms, r->nterms, sizeof *r->terms, term_cmp);
	return 0;
}

static void rp_free(rp_t *r)
{
	size_t i;

	for (i = 0; i < r->nterms; i++)
		free(r->terms[i].s);
	free(r->terms);
	free(r->loose);
}

/* ---------------------------------------------------------------- pieces */

static const char *state(const rp_t *r, int ok)
{
	return T(r, ok > 0 ? M_PASSED : ok < 0 ? M_FAILED : M_NOT_PRESENT);
}

static void row(const rp_t *r, const char *th, const char *value, const char *cls)
{
	fprintf(r->f, "<tr><th>%s</th><td%s%s>", th, cls ? " class=" : "", cls ? cls : "");
	if (value && *value)
		put(r, value);
	else
		fputs(T(r, M_NOT_RECORDED), r->f);
	fputs("</td></tr>\n", r->f);
}

/* "2026-11-30T10:42:07.123Z" -> "2026-11-30 10:42:07 UTC" for the summary. */
static void put_time(const rp_t *r, const char *d)
{
	if (d && strlen(d) >= 19 && d[10] == 'T') {
		fprintf(r->f, "%.10s %.8s UTC", d, d + 11);
		return;
	}
	put(r, d);
}

static int is_resource(const vf_page_t *p)
{
	const char *m = p->mime ? p->mime : "", *u = p->url ? p->url : "", *q;
	size_t n;

	if (p->rendered)
		return 0;
	q = strpbrk(u, "?#");
	n = q ? (size_t)(q - u) : strlen(u);
	if (n >= 11 && !strncmp(u + n - 11, "/robots.txt", 11))
		return 1;
	if (!*m)
		return 0;
	return strncmp(m, "text/html", 9) && strncmp(m, "application/xhtml", 17) &&
	       strncmp(m, "text/plain", 10) && strncmp(m, "application/json", 16);
}

static int has_personal(const vf_page_t *p)
{
	size_t i;

	for (i = 0; i < p->nfindings; i++)
		if (!is_keyword(&p->findings[i]))
			return 1;
	return 0;
}

static int is_doxing(const vf_page_t *p)
{
	return p->has_findings && p->doxing;
}

/* The kinds of personal data on a page, in words, most serious first. */
static void put_kinds(const rp_t *r, const vf_page_t *p)
{
	int seen[sizeof kinds / sizeof *kinds + 1] = { 0 };
	size_t i, k, n = 0;

	for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		if (!strcmp(kinds[k].code, "dox_keyword"))
			continue;
		for (i = 0; i < p->nfindings && !seen[k]; i++)
			if (p->findings[i].type && !strcmp(p->findings[i].type, kinds[k].code))
				seen[k] = 1;
	}
	/* by rank */
	for (int rank = 1; rank < 99; rank++)
		for (k = 0; k < sizeof kinds / sizeof *kinds; k++)
			if (seen[k] && kinds[k].rank == rank) {
				fputs(n++ ? (r->zh ? "、" : ", ") : "", r->f);
				fputs(r->zh ? kinds[k].zh : kinds[k].en, r->f);
			}
	for (i = 0; i < p->nfindings; i++) { /* types this report has no words for */
		const char *t = p->findings[i].type;

		if (t && kind_rank(t) == 50) {
			size_t j;

			for (j = 0; j < i && (!p->findings[j].type || strcmp(p->findings[j].type, t)); j++)
				;
			if (j == i) {
				fputs(n++ ? ", " : "", r->f);
				put(r, t);
			}
		}
	}
	if (!n)
		fputs(T(r, M_NONE), r->f);
}

/* Masked values of a page's identifiers, distinct, most serious first (at most 3). */
static void put_values(const rp_t *r, const vf_page_t *p)
{
	size_t i, j, n = 0;

	for (int rank = 1; rank <= 50 && n < 3; rank++)
		for (i = 0; i < p->nfindings && n < 3; i++) {
			const vf_finding_t *fd = &p->findings[i];

			if (is_keyword(fd) || kind_rank(fd->type) != rank || !fd->value)
				continue;
			for (j = 0; j < i; j++)
				if (p->findings[j].value && !strcmp(p->findings[j].value, fd->value))
					break;
			if (j < i)
				continue;
			fputs(n++ ? "<br>" : "", r->f);
			put_mask(r->f, fd->value);
		}
	if (!n)
		fputs("&mdash;", r->f);
}

/* The context with the finding's text marked (first occurrence). */
static void context_marked(const rp_t *r, const vf_finding_t *fd)
{
	const char *ctx = fd->context ? fd->context : "", *text = fd->text ? fd->text : "";
	const char *hit = *text ? strstr(ctx, text) : NULL;

	if (!hit) {
		if (!*ctx)
			fputs("<mark>", r->f);
		put(r, *ctx ? ctx : text);
		if (!*ctx)
			fputs("</mark>", r->f);
		return;
	}
	putn(r, ctx, (size_t)(hit - ctx));
	fputs("<mark>", r->f);
	if (r->redact && !is_keyword(fd))
		put_mask(r->f, fd->value && *fd->value ? fd->value : text);
	else
		put(r, text);
	fputs("</mark>", r->f);
	put(r, hit + strlen(text));
}

static void png_inline(FILE *f, const unsigned char *png, size_t len)
{
	arc_buf_t b = { 0 };
	size_t off = 0;

	fputs("<img class=shot alt=\"screenshot\" src=\"data:image/png;base64,", f);
	while (off < len) {
		size_t n = len - off > 3 * 16384 ? 3 * 16384 : len - off; /* whole groups of 3 */

		b.len = 0;
		if (seal_b64_encode(png + off, n, &b) != 0)
			break;
		fwrite(b.data, 1, b.len, f);
		off += n;
	}
	arc_buf_free(&b);
	fputs("\">\n", f);
}

static void tls_rows(const rp_t *r, const vf_page_t *x)
{
	FILE *f = r->f;

	if (x->has_capture && x->tls) {
		row(r, T(r, M_TLS_SUBJECT), x->tls_subject, "mono");
		row(r, T(r, M_TLS_ISSUER), x->tls_issuer, "mono");
		fprintf(f, "<tr><th>%s</th><td>%s</td></tr>\n", T(r, M_TLS_AT),
		        T(r, x->tls_verified > 0 ? M_TLS_OK : x->tls_verified == 0 ? M_TLS_NOT : M_TLS_UNKNOWN));
	} else if (x->has_capture) {
		fprintf(f, "<tr><th>TLS</th><td>%s</td></tr>\n", T(r, M_TLS_NONE));
	} else {
		fprintf(f, "<tr><th>TLS</th><td class=na>%s</td></tr>\n", T(r, M_TLS_NOREC));
	}
}

static void rendering(const rp_t *r, const vf_page_t *x)
{
	FILE *f = r->f;

	if (!x->has_rendering) {
		fprintf(f, "<tr><th>%s</th><td class=na>%s</td></tr>\n", T(r, M_RENDERING),
		        T(r, M_NO_RENDERING));
		return;
	}
	fprintf(f, "<tr><th>%s</th><td>%s", T(r, M_RENDERING), T(r, M_RENDER_BY));
	put(r, x->browser && *x->browser ? x->browser : "?");
	fputs(T(r, x->settled > 0 ? M_SETTLED : x->settled == 0 ? M_NOT_SETTLED : M_SETTLE_NA), f);
	if (x->render_note && *x->render_note) {
		fputs(" (", f);
		put(r, x->render_note);
		fputs(")", f);
	}
	fprintf(f, "%s</td></tr>\n", T(r, M_RENDER_TAIL));
}

/* The rendered page of the same URL that holds a screenshot, if any. */
static const vf_page_t *rendered_of(const rp_t *r, const vf_page_t *x)
{
	size_t i;

	for (i = 0; i < r->res->npages; i++) {
		const vf_page_t *p = &r->res->pages[i];

		if (p != x && p->rendered && p->png_total && p->url && x->url && !strcmp(p->url, x->url))
			return p;
	}
	return NULL;
}

static void screenshot(const rp_t *r, const vf_page_t *x)
{
	FILE *f = r->f;

	if (!x->png_total)
		return;
	fprintf(f, "<figure><figcaption>%s: ", T(r, M_SHOT));
	put_proof(r, x->png_record);
	fprintf(f, ", %llu %s, %s %s", (unsigned long long)x->png_total, r->zh ? "字节" : "bytes",
	        T(r, M_BLOCK), state(r, x->png_ok));
	if (!x->png)
		fprintf(f, "; <span class=na>");
	if (!x->png)
		fprintf(f, T(r, M_SHOT_BIG), VF_REPORT_PNG_MAX >> 20);
	if (!x->png)
		fputs("</span>", f);
	fputs("</figcaption>\n", f);
	if (x->png && r->redact)
		fprintf(f, "<p class=na>%s</p>\n", T(r, M_SHOT_REDACTED));
	else if (x->png)
		png_inline(f, x->png, x->png_len);
	fputs("</figure>\n", f);
}

/* One finding's row: kind, value, context, proof. */
static void finding_row(const rp_t *r, const vf_finding_t *fd)
{
	FILE *f = r->f;

	fprintf(f, "<tr><td>%s <small class=code>", kind_name(r, fd->type));
	put(r, fd->type);
	fputs("</small>", f);
	if (fd->disguise && *fd->disguise) {
		/* how the poster wrote it to get past filters (the detector's "disguise") */
		fprintf(f, "<br><small class=disguise>%s", r->zh ? "伪装写法：" : "written as: ");
		put(r, fd->disguise);
		fputs("</small>", f);
	}
	fputs("</td><td class=mono>", f);
	if (r->redact)
		put_mask(f, fd->value);
	else
		put(r, fd->value);
	fputs("</td><td>", f);
	context_marked(r, fd);
	fprintf(f, "</td><td class=\"mono hash\">[%llu, %llu)<br>", (unsigned long long)fd->start,
	        (unsigned long long)fd->end);
	if (r->redact)
		fputs(T(r, M_HIDDEN), f);
	else
		put(r, fd->sha256);
	fprintf(f, "<br>%s</td></tr>\n", state(r, fd->ok));
}

/* A page with personal data, in full: what it shows, then its proof. */
/* Whether a verified seal covers this page's record: every seal verified,
 * and the record not among those after the last seal. */
static int page_sealed(const rp_t *r, const vf_page_t *x)
{
	return r->sealed && x->seq + r->res->anchors.unsealed_tail < r->res->records;
}

static void page_full(const rp_t *r, const vf_page_t *x, size_t n, int dox, const char *heading)
{
	FILE *f = r->f;
	const vf_page_t *shot = x->rendered ? NULL : rendered_of(r, x);
	size_t i;
	int rank;

	fprintf(f, "<section class=page id=p%zu>", (size_t)(x - r->res->pages));
	if (heading) /* inside the section: a printed page never holds the heading alone */
		fprintf(f, "<h2 class=section>%s</h2>\n", heading);
	fputs("<h3>", f);
	fprintf(f, T(r, dox ? M_DOX_PAGE : M_OTHER_PD_PAGE), n);
	if (x->rendered)
		fprintf(f, " <span class=tag>%s</span>", T(r, M_RENDERED_TAG));
	if (x->revisit)
		fputs(T(r, M_REVISIT), f);
	fputs("</h3>\n<p class=url>", f);
	put(r, x->url);
	fputs("</p>\n<table>\n", f);
	row(r, T(r, M_URL), x->url, "mono");
	if (x->rendered) {
		row(r, T(r, page_sealed(r, x) ? M_RENDER_SEALED : M_RENDER_CLAIM), x->date, NULL);
		rendering(r, x);
	} else {
		row(r, T(r, page_sealed(r, x) ? M_TIME_SEALED : M_TIME_CLAIM), x->date, NULL);
		row(r, T(r, M_SERVER), x->ip, "mono");
		fprintf(f, "<tr><th>%s</th><td>%d</td></tr>\n", T(r, M_STATUS), x->status);
		tls_rows(r, x);
	}
	fprintf(f, "<tr><th>%s</th><td><b>", T(r, M_KINDS));
	put_kinds(r, x);
	fprintf(f, "</b></td></tr>\n<tr><th>%s</th><td>%.2f</td></tr>\n</table>\n", T(r, M_SCORE),
	        x->score);
	if (x->rendered)
		screenshot(r, x);
	else if (shot)
		fprintf(f, "<p class=na>%s: %s</p>\n", T(r, M_SHOT), T(r, M_SHOT_SEE));

	fprintf(f, "<h4>%s</h4>\n<table class=findings><tr><th>%s</th><th>%s</th><th>%s</th>"
	           "<th>%s</th></tr>\n", T(r, M_EXPOSED), T(r, M_COL_KIND), T(r, M_COL_VALUE),
	        T(r, M_COL_CONTEXT), T(r, M_COL_PROOF));
	for (rank = 1; rank <= 50; rank++)
		for (i = 0; i < x->nfindings; i++)
			if (!is_keyword(&x->findings[i]) && kind_rank(x->findings[i].type) == rank)
				finding_row(r, &x->findings[i]);
	fputs("</table>\n", f);
	/* dox wording: one compact list after the identifiers */
	{
		size_t nk = 0;

		for (i = 0; i < x->nfindings; i++) {
			const vf_finding_t *fd = &x->findings[i];

			if (!is_keyword(fd))
				continue;
			fputs(nk++ ? "; " : "<p class=kw>", f);
			if (nk == 1)
				fprintf(f, "<b>%s:</b> ", T(r, M_KEYWORDS));
			fputs("&ldquo;", f);
			put(r, fd->text);
			fprintf(f, "&rdquo; <small class=mono>[%llu, %llu) %s</small>",
			        (unsigned long long)fd->start, (unsigned long long)fd->end, state(r, fd->ok));
		}
		if (nk)
			fputs("</p>\n", f);
	}
	if (x->findings_total > x->nfindings) {
		fputs("<p class=na>", f);
		fprintf(f, T(r, M_MORE), (unsigned long long)(x->findings_total - x->nfindings),
		        x->nfindings);
		fputs("</p>\n", f);
	}

	fprintf(f, "<h4>%s</h4>\n<table class=proof>\n<tr><th>%s</th><td class=mono>", T(r, M_PROOF),
	        T(r, M_RECORD));
	put_proof(r, x->record_id);
	fputs("<br>", f);
	put_proof(r, x->file);
	fprintf(f, ", %s %llu</td></tr>\n<tr><th>%s</th><td class=mono>", T(r, M_BYTES_AT),
	        (unsigned long long)x->offset, T(r, M_BLOCK));
	put(r, x->block_digest && *x->block_digest ? x->block_digest : "-");
	fprintf(f, " %s</td></tr>\n<tr><th>%s</th><td class=mono>", state(r, x->block_ok),
	        T(r, M_PAYLOAD));
	put(r, x->payload_digest && *x->payload_digest ? x->payload_digest : "-");
	fprintf(f, " %s</td></tr>\n", state(r, x->payload_ok));
	if (x->has_findings) {
		fprintf(f, "<tr><th>%s</th><td>", T(r, M_COL_FINDINGS));
		fprintf(f, T(r, M_FINDINGS_CHECK), (unsigned long long)x->findings_total,
		        plural(r, x->findings_total), state(r, x->findings_ok));
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr><th>%s</th><td>", r->zh ? "封存" : "Seal");
	if (r->sealed)
		fprintf(f, T(r, M_SEALED_BY), (unsigned long long)r->res->anchors.seals_ok,
		        (unsigned long long)r->res->anchors.seals);
	else
		fputs(T(r, M_NOT_SEALED), f);
	fputs("</td></tr>\n", f);
	if (x->findings_omitted) {
		fprintf(f, "<tr><th>%s</th><td>", r->zh ? "未记录" : "Not recorded");
		fprintf(f, T(r, M_OMITTED), (unsigned long long)x->findings_omitted,
		        plural(r, x->findings_omitted));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

/* ---------------------------------------------------------------- sections */

static const struct {
	const char *check, *how_en, *how_zh;
} checks[] = {
	{ "zstd frame", "each record is one intact zstd frame with its checksum; every byte of the "
	                "file belongs to a record", "每条记录是一个带校验和的完整 zstd 帧；文件的每个字节都属于某条记录" },
	{ "warc framing", "WARC header, Content-Length and the CRLF CRLF after each block",
	                  "WARC 头、Content-Length 以及每个块后的 CRLF CRLF" },
	{ "mandatory fields", "WARC-Record-ID, WARC-Type and WARC-Date are present",
	                      "WARC-Record-ID、WARC-Type 和 WARC-Date 均存在" },
	{ "unique fields", "fields allowed once appear once (no second, contradicting digest)",
	                   "只允许出现一次的字段只出现一次（没有第二个相互矛盾的摘要）" },
	{ "record id", "no record id is used twice", "没有记录编号被重复使用" },
	{ "block digest", "the SHA-256 of every record block equals its WARC-Block-Digest",
	                  "每个记录块的 SHA-256 等于其 WARC-Block-Digest" },
	{ "payload digest", "the SHA-256 of every HTTP payload equals its WARC-Payload-Digest",
	                    "每个 HTTP 载荷的 SHA-256 等于其 WARC-Payload-Digest" },
	{ "warcinfo first", "every file starts with a warcinfo record", "每个文件以 warcinfo 记录开头" },
	{ "case identity", "each file's warcinfo names that file and the same case",
	                   "每个文件的 warcinfo 写明该文件和同一案件" },
	{ "file sequence", "no capture file is missing from the case folder", "案件文件夹中没有缺失的采集文件" },
	{ "references", "every record a record names exists, with the right type",
	                "记录所引用的每条记录都存在且类型正确" },
	{ "findings", "every finding's byte range and SHA-256 match the captured payload",
	              "每项发现的字节范围和 SHA-256 与采集的载荷一致" },
};

static uint64_t failures_of(const vf_result_t *res, const char *check)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < res->nfailures; i++)
		n += res->failures[i].check && !strcmp(res->failures[i].check, check);
	return n;
}

/* Whether the word at p is the argument of a crawl option that takes a URL
 * (--tsa URL is not a page asked for). */
static int option_arg(const char *line, const char *p)
{
	static const char *const opts[] = { "--tsa", "--proxy", "-x", "--state", "--referer" };
	const char *e = p, *b;
	size_t i;

	while (e > line && e[-1] == ' ')
		e--;
	for (b = e; b > line && b[-1] != ' '; b--)
		;
	for (i = 0; i < sizeof opts / sizeof *opts; i++)
		if ((size_t)(e - b) == strlen(opts[i]) && !strncmp(b, opts[i], (size_t)(e - b)))
			return 1;
	return 0;
}

/* The URLs on the capture's command line: the pages the user asked for. */
static void asked_for(const rp_t *r)
{
	const char *c = r->res->info_command, *p;
	size_t n = 0, i;

	fprintf(r->f, "<tr><th>%s</th><td>", T(r, M_ASKED));
	for (p = c; p && *p;) {
		size_t len;
		int got = 0;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (((len > 7 && !strncmp(p, "http://", 7)) || (len > 8 && !strncmp(p, "https://", 8))) &&
		    !option_arg(c, p)) {
			for (i = 0; i < r->res->npages && !got; i++)
				got = r->res->pages[i].url && strlen(r->res->pages[i].url) == len &&
				      !strncmp(r->res->pages[i].url, p, len);
			fputs(n++ ? "<br>" : "", r->f);
			fputs("<span class=mono>", r->f);
			putn(r, p, len);
			fprintf(r->f, "</span> <span class=%s>(%s)</span>", got ? "ok" : "bad",
			        T(r, got ? M_CAPTURED : M_NOT_CAPTURED));
		}
		p += len;
	}
	if (!n)
		fprintf(r->f, "<span class=na>%s</span>", T(r, M_ASKED_NA));
	fputs("</td></tr>\n", r->f);
}

static void summary(const rp_t *r, const size_t *dox, size_t ndox, size_t nother_pd,
                    size_t nres)
{
	FILE *f = r->f;
	const vf_result_t *res = r->res;
	const vf_anchors_t *s = &res->anchors;
	const char *v = res->verdict;
	int failed = !strcmp(v, "failed");
	size_t i;

	fprintf(f, "<section class=summary>\n<h1>%s</h1>\n<p class=sub>%s</p>\n", T(r, M_TITLE),
	        T(r, M_SUBTITLE));
	fprintf(f, "<p class=\"verdict %s\">", failed ? "failed" : v);
	if (!strcmp(v, "verified"))
		fprintf(f, T(r, M_V_VERIFIED), (unsigned long long)res->records, res->nfiles,
		        plural(r, res->nfiles));
	else if (!failed)
		fprintf(f, T(r, M_V_INTACT), (unsigned long long)res->records, res->nfiles,
		        plural(r, res->nfiles));
	else
		fprintf(f, T(r, M_V_FAILED), res->nfiles, plural(r, res->nfiles));
	fputs(" ", f);
	fprintf(f, T(r, M_FAILED_SUMMARY), (unsigned long long)res->failures_total,
	        plural(r, res->failures_total));
	fputs(".</p>\n<table class=facts>\n", f);
	if (res->case_id && *res->case_id)
		row(r, T(r, M_CASE), res->case_id, "mono");
	fprintf(f, "<tr><th>%s</th><td>", T(r, M_CAPTURED_BY));
	if (s->nsigners) {
		for (i = 0; i < s->nsigners; i++) {
			fputs(i ? "<br>" : "", f);
			fputs("<b>", f);
			put(r, s->signers[i].subject);
			fprintf(f, "</b> <span class=%s>(%s)</span>", s->signers[i].trusted > 0 ? "ok"
			        : s->signers[i].trusted < 0 ? "bad" : "na",
			        T(r, s->signers[i].trusted > 0 ? M_CHAIN_OK : s->signers[i].trusted < 0
			             ? M_CHAIN_BAD : M_CHAIN_NA));
		}
	} else {
		fprintf(f, "<span class=na>%s</span>", T(r, M_NOT_SIGNED));
	}
	fprintf(f, "</td></tr>\n<tr><th>%s</th><td>", T(r, M_WINDOW));
	if (s->ntimes) {
		fputs("<b>", f);
		if (s->first_time[0] && strcmp(s->first_time, s->times[0].time)) {
			put(r, s->first_time);
			fputs(" &ndash; ", f);
		}
		put(r, s->times[0].time);
		fprintf(f, "</b> <span class=%s>(%s: ", s->times[0].trusted > 0 ? "ok"
		        : s->times[0].trusted < 0 ? "bad" : "na", T(r, M_TSA));
		put(r, s->times[0].tsa);
		fprintf(f, "; %s)</span>", T(r, s->times[0].trusted > 0 ? M_CHAIN_OK
		                               : s->times[0].trusted < 0 ? M_CHAIN_BAD : M_CHAIN_NA));
	} else {
		fprintf(f, "<span class=na>%s</span>", T(r, M_WINDOW_NA));
	}
	fputs("</td></tr>\n", f);
	asked_for(r);
	{ /* the capture environment's anomalies: facts the reader should weigh, on page one */
		const vf_env_t *env = r->o->env;
		if (env && env->present && env->nanomalies) {
			fprintf(f, "<tr><th>%s</th><td><span class=bad>", r->zh ? "采集环境" : "Capture environment");
			fprintf(f, "%zu %s", env->nanomalies, r->zh ? "项需要权衡的事实"
			        : env->nanomalies == 1 ? "fact the reader should weigh" : "facts the reader should weigh");
			fputs("</span>: ", f);
			for (size_t k = 0; k < env->nanomalies; k++) {
				if (k)
					fputs("; ", f);
				put(r, env->anomalies[k].message);
			}
			fprintf(f, " %s</td></tr>\n", r->zh ? "（不是证据的失败；见“采集环境”）"
			                                     : "(not failures of the evidence; see &ldquo;Environment of the capture&rdquo;)");
		}
	}
	if (res->info_note && *res->info_note)
		row(r, T(r, M_NOTE), res->info_note, NULL);
	if (r->o->generated)
		row(r, T(r, M_WRITTEN), r->o->generated, NULL);
	if (r->redact)
		fprintf(f, "<tr><th>%s</th><td>%s</td></tr>\n", r->zh ? "遮盖" : "Redaction",
		        T(r, M_REDACTED));
	fputs("</table>\n<p>", f);
	{
		size_t npages = 0;

		for (i = 0; i < res->npages; i++)
			npages += !is_resource(&res->pages[i]);
		fprintf(f, T(r, M_COUNTS), npages, plural(r, npages), ndox, plural(r, ndox), nother_pd,
		        plural(r, nother_pd), nres, plural(r, nres));
	}
	fprintf(f, "</p>\n<h2>%s</h2>\n", T(r, M_DOX_TABLE));
	if (!ndox) {
		fprintf(f, "<p>%s</p>\n</section>\n", T(r, M_NO_DOX));
		return;
	}
	fprintf(f, "<table class=dox><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        T(r, M_COL_URL), T(r, M_COL_TIME), T(r, M_COL_KINDS), T(r, M_COL_VALUES));
	for (i = 0; i < ndox; i++) {
		const vf_page_t *p = &res->pages[dox[i]];

		fprintf(f, "<tr><td>%zu</td><td class=murl><a href=\"#p%zu\">", i + 1, dox[i]);
		put_url(r, p->url);
		fputs("</a>", f);
		if (p->rendered)
			fprintf(f, " <span class=tag>%s</span>", T(r, M_RENDERED_TAG));
		fputs("</td><td>", f);
		put_time(r, p->date);
		fputs("</td><td>", f);
		put_kinds(r, p);
		fputs("</td><td class=mono>", f);
		put_values(r, p);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (!r->sealed)
		fprintf(f, "<p><small>%s</small></p>\n", T(r, M_V_NOSEAL));
	fputs("</section>\n", f);
}

static void failures(const rp_t *r)
{
	FILE *f = r->f;
	const vf_result_t *res = r->res;
	size_t i;

	if (!res->nfailures)
		return;
	fprintf(f, "<h2>%s</h2>\n<table class=list><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	           "<th>%s</th></tr>\n", r->zh ? T(r, M_FAILURES) : "Failures", T(r, M_COL_FILE),
	        T(r, M_COL_OFFSET), T(r, M_RECORD), T(r, M_COL_CHECK), T(r, M_COL_EXPECTED));
	for (i = 0; i < res->nfailures; i++) {
		const vf_failure_t *x = &res->failures[i];

		fputs("<tr><td class=mono>", f);
		put_proof(r, x->file);
		fprintf(f, "</td><td>%llu</td><td class=mono>", (unsigned long long)x->offset);
		put_proof(r, x->record);
		fputs("</td><td class=bad>", f);
		put(r, x->check);
		fputs("</td><td>", f);
		put(r, x->message);
		fputs("</td></tr>\n", f);
	}
	if (res->failures_total > res->nfailures) {
		fputs("<tr><td colspan=5>", f);
		fprintf(f, T(r, M_AND_MORE), (unsigned long long)(res->failures_total - res->nfailures));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The environment of the capture: what the warcinfo says. Hook for the
 * environment record (issue 24): its facts go in this section's table. */
static void environment(const rp_t *r)
{
	FILE *f = r->f;
	const vf_result_t *res = r->res;

	fprintf(f, "<section id=environment class=appx>\n<h2>%s</h2>\n<p>%s</p>\n<table>\n", T(r, M_ENV),
	        T(r, M_ENV_INTRO));
	row(r, T(r, M_SOFTWARE), res->info_software, NULL);
	row(r, T(r, M_HOST), res->info_host, "mono");
	row(r, T(r, M_OPERATOR), res->info_operator, NULL);
	if (res->info_extra && *res->info_extra) {
		fprintf(f, "<tr><th>%s</th><td class=\"mono pre\">", T(r, M_ENV_OTHER));
		put(r, res->info_extra);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
	/* the environment record (environment.c): what the machine said of itself */
	vf_env_html(f, r->o->env, r->zh ? "zh" : "en");
	/* "How long it stayed up" (issue 26, custody watch) follows here */
}

static void compact_table(const rp_t *r, int resources)
{
	FILE *f = r->f;
	const vf_result_t *res = r->res;
	size_t i, n = 0;

	fprintf(f, "<section class=appx>\n<h2>%s</h2>\n<p>%s</p>\n", T(r, resources ? M_APPX_RES
	                                                                       : M_APPX_PAGES),
	        T(r, resources ? M_APPX_RES_INTRO : M_APPX_PAGES_INTRO));
	fprintf(f, "<table class=compact><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th>",
	        T(r, M_COL_URL), T(r, M_COL_TIME), T(r, M_COL_STATUS));
	if (resources)
		fprintf(f, "<th>%s</th>", T(r, M_COL_TYPE));
	else
		fprintf(f, "<th>%s</th><th>%s / %s</th>", T(r, M_COL_SERVER), T(r, M_TLS_SUBJECT),
		        T(r, M_TLS_AT));
	fprintf(f, "<th>%s</th></tr>\n", T(r, M_COL_RECORD));
	for (i = 0; i < res->npages; i++) {
		const vf_page_t *p = &res->pages[i];

		if (is_resource(p) != resources || (!resources && has_personal(p)) ||
		    (!resources && is_doxing(p)))
			continue;
		fprintf(f, "<tr id=p%zu><td>%zu</td><td class=mono>", i, ++n);
		put(r, p->url);
		if (p->rendered)
			fprintf(f, " <span class=tag>%s</span>", T(r, M_RENDERED_TAG));
		if (p->revisit)
			fputs(T(r, M_REVISIT), f);
		fputs("</td><td>", f);
		put_time(r, p->date);
		if (r->sealed && !page_sealed(r, p))
			fprintf(f, "<br><span class=bad>%s</span>", T(r, M_UNSEALED_TAG));
		fprintf(f, "</td><td>%d</td><td", p->status);
		if (resources) {
			fputs(" class=mono>", f);
			put(r, p->mime);
		} else {
			fputs(" class=mono>", f);
			put(r, p->ip);
			fputs("</td><td>", f);
			if (p->has_capture && p->tls) {
				fputs("<span class=mono>", f);
				put(r, p->tls_subject);
				fprintf(f, "</span><br>%s", T(r, p->tls_verified > 0 ? M_TLS_OK
				                                 : p->tls_verified == 0 ? M_TLS_NOT : M_TLS_UNKNOWN));
			} else if (p->has_capture) {
				fputs(T(r, M_TLS_NONE), f);
			} else {
				fputs("&mdash;", f);
			}
		}
		fputs("</td><td class=\"mono small\">", f);
		put_proof(r, p->record_id);
		fputs("<br>", f);
		put_proof(r, p->file);
		fprintf(f, " @%llu %s %s</td></tr>\n", (unsigned long long)p->offset, T(r, M_BLOCK),
		        state(r, p->block_ok));
	}
	if (!n)
		fprintf(f, "<tr><td colspan=7 class=na>%s</td></tr>\n", T(r, M_NONE));
	fputs("</table>\n</section>\n", f);
}

static void expert(const rp_t *r)
{
	FILE *f = r->f;
	const vf_result_t *res = r->res;
	const vf_anchors_t *s = &res->anchors;
	size_t i, k;

	fprintf(f, "<section class=appx>\n<h2>%s</h2>\n<h3>%s</h3>\n", T(r, M_APPX_EXPERT),
	        r->zh ? T(r, M_WHAT_VERIFIED) : "What was verified and how");
	fprintf(f, "<table class=list><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        T(r, M_COL_FILE), T(r, M_COL_RECORDS), T(r, M_COL_BYTES), T(r, M_COL_PASSED),
	        T(r, M_COL_FAILED));
	for (i = 0; i < res->nfiles; i++) {
		fputs("<tr><td class=mono>", f);
		put(r, res->files[i].name);
		fprintf(f, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
		        (unsigned long long)res->files[i].records, (unsigned long long)res->files[i].bytes,
		        (unsigned long long)res->files[i].passed, (unsigned long long)res->files[i].failed);
	}
	fprintf(f, "</table>\n<table class=list><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        T(r, M_COL_CHECK), T(r, M_COL_HOW), T(r, M_COL_RESULT));
	for (i = 0; i < sizeof checks / sizeof *checks; i++) {
		uint64_t n = failures_of(res, checks[i].check);
		size_t partly = 0;

		for (k = 0; k < res->nnot_checked; k++)
			partly |= !strncmp(res->not_checked[k], checks[i].check, strlen(checks[i].check));
		if (!strcmp(checks[i].check, "references") && res->outside)
			partly = 1;
		fprintf(f, "<tr><td>%s</td><td>%s</td><td>", checks[i].check,
		        r->zh ? checks[i].how_zh : checks[i].how_en);
		if (n)
			fprintf(f, T(r, M_N_FAILED), (unsigned long long)n);
		else
			fputs(T(r, partly ? M_PARTLY : M_PASSED), f);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p>", f);
	fprintf(f, T(r, M_TOTALS), (unsigned long long)res->findings_checked,
	        (unsigned long long)res->references_checked, (unsigned long long)s->seals,
	        plural(r, s->seals), (unsigned long long)s->seals_ok);
	fputs("</p>\n", f);
	if (s->nsigners || s->ntimes) {
		fprintf(f, "<h3>%s</h3>\n<table class=list><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
		        T(r, M_SIGNERS), T(r, M_COL_WHO), T(r, M_COL_WHAT), T(r, M_COL_CHAIN));
		for (i = 0; i < s->nsigners; i++) {
			fputs("<tr><td class=mono>", f);
			put(r, s->signers[i].subject);
			fputs("</td><td>", f);
			fprintf(f, T(r, M_SIGNED_N), (unsigned long long)s->signers[i].seals,
			        plural(r, s->signers[i].seals));
			fprintf(f, "</td><td>%s", state(r, s->signers[i].trusted));
			if (s->signers[i].chain[0]) { /* the chain as checked */
				fputs("<br><span class=mono>", f);
				put(r, s->signers[i].chain);
				fputs("</span>", f);
			}
			fputs("</td></tr>\n", f);
		}
		for (i = 0; i < s->ntimes; i++) {
			fputs("<tr><td class=mono>", f);
			put(r, s->times[i].tsa);
			fprintf(f, "</td><td>%s", T(r, M_STAMP));
			put(r, s->times[i].time);
			fprintf(f, "</td><td>%s</td></tr>\n", state(r, s->times[i].trusted));
		}
		fputs("</table>\n", f);
	}
	if (res->nnot_checked) {
		fprintf(f, "<h3>%s</h3>\n<p>%s</p>\n<ul>\n", r->zh ? T(r, M_NOT_CHECKED) : "Not checked",
		        T(r, M_NOT_CHECKED_INTRO));
		for (i = 0; i < res->nnot_checked; i++) {
			fputs("<li>", f);
			put(r, res->not_checked[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fprintf(f, "<h3>%s</h3>\n<p>%s</p>\n", T(r, M_RECHECK), T(r, M_RECHECK_TEXT));
	if (!r->sealed)
		fprintf(f, "<p><small>%s</small></p>\n", T(r, M_CLAIM_NOTE));
	if (res->info_command && *res->info_command) {
		fprintf(f, "<h3>%s</h3>\n<p class=\"mono pre\">", T(r, M_COMMAND));
		put(r, res->info_command);
		fputs("</p>\n", f);
	}
	fprintf(f, "<p class=na>");
	put(r, r->o->version ? r->o->version : "custody-verify");
	fputs("</p>\n</section>\n", f);
}

/* ---------------------------------------------------------------- the report */

static int by_score(const void *a, const void *b, void *arg)
{
	const vf_result_t *res = arg;
	const vf_page_t *x = &res->pages[*(const size_t *)a], *y = &res->pages[*(const size_t *)b];

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int rp_open(rp_t *r, FILE *f, const vf_result_t *res, const vf_report_opts_t *o)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->res = res;
	r->o = o;
	r->zh = o->lang && !strcmp(o->lang, "zh");
	r->m = r->zh ? msg_zh : msg_en;
	r->redact = o->redact;
	r->sealed = res->anchors.seals > 0 && res->anchors.seals_ok == res->anchors.seals;
	return r->redact ? rp_terms(r) : 0;
}

/* Indexes of the doxing pages and the other pages with personal data, each
 * highest score first; caller frees both. */
static int rp_lists(const vf_result_t *res, size_t **dox, size_t *ndox, size_t **pd, size_t *npd,
                    size_t *nres)
{
	size_t i;

	*dox = malloc((res->npages + 1) * sizeof **dox);
	*pd = malloc((res->npages + 1) * sizeof **pd);
	*ndox = *npd = *nres = 0;
	if (!*dox || !*pd) {
		free(*dox);
		free(*pd);
		return -1;
	}
	for (i = 0; i < res->npages; i++) {
		const vf_page_t *p = &res->pages[i];

		if (is_doxing(p))
			(*dox)[(*ndox)++] = i;
		else if (has_personal(p))
			(*pd)[(*npd)++] = i;
		else if (is_resource(p))
			(*nres)++;
	}
	qsort_r(*dox, *ndox, sizeof **dox, by_score, (void *)res);
	qsort_r(*pd, *npd, sizeof **pd, by_score, (void *)res);
	return 0;
}

static const char css[] =
	".ctl{border:1px solid #a00;color:#a00;font:12px monospace;padding:0 .1em}\n"
	"body{font:15px/1.5 'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','WenQuanYi Micro Hei',"
	"'DejaVu Sans',sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#111}\n"
	"h1{font-size:1.7em;margin:.2em 0}.sub{color:#555;margin-top:0}\n"
	"table{border-collapse:collapse;margin:.5em 0;width:100%}\n"
	"th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2;width:14em}.findings th,.list th,.dox th,.compact th{width:auto}\n"
	".murl{font-family:'DejaVu Sans Mono',monospace;font-size:80%;overflow-wrap:break-word}"
	".dox td{font-size:90%}.dox td.mono{font-size:80%}.dox td:nth-child(2){width:30%}"
	".dox td:nth-child(5){width:22%}\n"
	"img.shot{max-width:100%;max-height:24cm;border:1px solid #bbb;margin:.3em 0}\n"
	"figure{margin:.5em 0}figcaption{font-size:85%;color:#444}\n"
	".mono{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}.hash,.small{font-size:80%}\n"
	".pre{white-space:pre-wrap}.code{color:#666;font-family:monospace}\n"
	".ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}.na{color:#666}\n"
	"mark{background:#ff0;font-weight:bold}.tag{font-size:80%;background:#eef;padding:0 .3em}\n"
	".verdict{font-size:1.15em;padding:.6em;border:3px solid #060}\n"
	".verdict.failed{border-color:#b00}.verdict.intact{border-color:#c80}\n"
	".verdict .word{text-transform:uppercase;font-weight:bold;letter-spacing:.05em}\n"
	".url{font-family:monospace;word-break:break-all;font-size:1.05em;margin:.2em 0}\n"
	".kw{font-size:90%;color:#333}.compact td{font-size:85%}\n"
	".page{border-top:2px solid #333;margin-top:1.5em}.appx{border-top:2px solid #333;margin-top:2em}\n"
	".runhead{display:none}\n"
	"@page{size:A4;margin:16mm 14mm 16mm 14mm;"
	"@bottom-right{content:counter(page) ' / ' counter(pages);font:9pt sans-serif}}\n"
	"@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
	".runhead{display:block;position:fixed;top:-11mm;left:0;right:0;font-size:8pt;color:#555;"
	"border-bottom:1px solid #aaa}"
	".summary{break-after:page}.page{break-before:page;border-top:none}.appx{break-before:page;border-top:none}"
	"h2,h3,h4{break-after:avoid}tr,figure{break-inside:avoid}mark{outline:1px solid #000}"
	"a{color:inherit;text-decoration:none}.summary{font-size:9pt}.summary h1{font-size:16pt}}\n"
	"";

int vf_report_html(const char *path, const vf_result_t *res, const vf_report_opts_t *o)
{
	vf_report_opts_t none = { 0 };
	size_t *dox = NULL, *pd = NULL, ndox, npd, nres, i;
	FILE *f;
	rp_t r;
	int rc;

	if (!o)
		o = &none;
	if (!(f = fopen(path, "w")))
		return -1;
	if (rp_open(&r, f, res, o) != 0 || rp_lists(res, &dox, &ndox, &pd, &npd, &nres) != 0) {
		rp_free(&r);
		fclose(f);
		return -1;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=%s><head><meta charset=utf-8>\n"
	           "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
	           "style-src 'unsafe-inline'; img-src data:\">\n<title>", r.zh ? "zh-CN" : "en");
	fputs(T(&r, M_RUNHEAD), f);
	put(&r, res->case_id);
	fprintf(f, "</title>\n<style>\n%s</style></head><body>\n<div class=runhead>", css);
	fputs(T(&r, M_RUNHEAD), f);
	put(&r, res->case_id);
	fputs("</div>\n", f);

	summary(&r, dox, ndox, npd, nres);
	failures(&r);
	for (i = 0; i < ndox; i++)
		page_full(&r, &res->pages[dox[i]], i + 1, 1, i ? NULL : T(&r, M_DOX_PAGES));
	for (i = 0; i < npd; i++)
		page_full(&r, &res->pages[pd[i]], i + 1, 0, i ? NULL : T(&r, M_OTHER_PD));
	environment(&r);
	compact_table(&r, 0);
	compact_table(&r, 1);
	expert(&r);
	fputs("</body></html>\n", f);
	free(dox);
	free(pd);
	rp_free(&r);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* ---------------------------------------------------------------- JSON for custody bundle */

/* s through the redaction filter, as a string (the same masking as the HTML,
 * without its escaping). */
static char *filtered(const rp_t *r, const char *s)
{
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	FILE *m;
	rp_t t = *r;

	if (!s)
		s = "";
	if (!r->redact)
		return strdup(s);
	if (!(m = open_memstream(&buf, &len)))
		return NULL;
	t.f = m;
	putn(&t, s, strlen(s));
	fclose(m);
	/* undo the HTML escaping: this text goes to JSON, not HTML */
	if (buf && (out = malloc(len + 1))) {
		size_t i = 0, o = 0;
		static const struct { const char *e; char c; } ents[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
		};

		while (i < len) {
			size_t k, hit = 0;

			for (k = 0; k < sizeof ents / sizeof *ents && !hit; k++)
				if (!strncmp(buf + i, ents[k].e, strlen(ents[k].e)))
					hit = strlen(ents[k].e), out[o++] = ents[k].c;
			if (!hit)
				out[o++] = buf[i], hit = 1;
			i += hit;
		}
		out[o] = '\0';
	}
	free(buf);
	return out;
}

static json_t *jstr_f(const rp_t *r, const char *s)
{
	char *v = filtered(r, s);
	json_t *j = json_string(v ? v : "");

	free(v);
	return j ? j : json_null();
}

int vf_report_json(const char *path, const vf_result_t *res, const vf_report_opts_t *o)
{
	vf_report_opts_t none = { 0 };
	size_t *dox = NULL, *pd = NULL, ndox, npd, nres, i, j;
	json_t *root = json_object(), *pages = json_array();
	const vf_anchors_t *s = &res->anchors;
	FILE *f = NULL;
	rp_t r;
	int rc = -1;

	memset(&r, 0, sizeof r);
	if (!o)
		o = &none;
	if (!root || !pages || rp_open(&r, NULL, res, o) != 0)
		goto out;
	if (rp_lists(res, &dox, &ndox, &pd, &npd, &nres) != 0)
		goto out;
	json_object_set_new(root, "verdict", json_string(res->verdict));
	json_object_set_new(root, "case_id", json_string(res->case_id ? res->case_id : ""));
	json_object_set_new(root, "redacted", json_boolean(o->redact));
	json_object_set_new(root, "signer", json_string(s->nsigners ? s->signers[0].subject : ""));
	json_object_set_new(root, "signer_trusted", json_integer(s->nsigners ? s->signers[0].trusted : 0));
	json_object_set_new(root, "tsa", json_string(s->ntimes ? s->times[0].tsa : ""));
	json_object_set_new(root, "tsa_trusted", json_integer(s->ntimes ? s->times[0].trusted : 0));
	json_object_set_new(root, "first_trusted_time", json_string(s->first_time));
	json_object_set_new(root, "last_trusted_time", json_string(s->ntimes ? s->times[0].time : ""));
	json_object_set_new(root, "records", json_integer((json_int_t)res->records));
	json_object_set_new(root, "note", jstr_f(&r, res->info_note));
	json_object_set_new(root, "command_line", jstr_f(&r, res->info_command));
	for (i = 0; i < ndox + npd; i++) {
		const vf_page_t *p = &res->pages[i < ndox ? dox[i] : pd[i - ndox]];
		json_t *pg = json_object(), *types = json_array(), *vals = json_array();
		char *buf = NULL;
		size_t len = 0;
		FILE *m;
		int rank;
		size_t nf = 0;

		if (!pg || !types || !vals)
			goto out;
		for (rank = 1; rank <= 50; rank++)
			for (j = 0; j < p->nfindings; j++) {
				const vf_finding_t *fd = &p->findings[j];
				size_t k;

				if (is_keyword(fd) || kind_rank(fd->type) != rank)
					continue;
				nf++;
				for (k = 0; k < json_array_size(types); k++)
					if (!strcmp(json_string_value(json_array_get(types, k)), fd->type))
						break;
				if (k == json_array_size(types))
					json_array_append_new(types, json_string(fd->type));
				{
					char *mv = vf_mask(fd->value);

					for (k = 0; k < json_array_size(vals); k++)
						if (mv && !strcmp(json_string_value(json_array_get(vals, k)), mv))
							break;
					if (mv && k == json_array_size(vals) && k < 16)
						json_array_append_new(vals, json_string(mv));
					free(mv);
				}
			}
		json_object_set_new(pg, "doxing", json_boolean(i < ndox));
		json_object_set_new(pg, "url", jstr_f(&r, p->url));
		json_object_set_new(pg, "date", json_string(p->date ? p->date : ""));
		json_object_set_new(pg, "record", json_string(p->record_id ? p->record_id : ""));
		json_object_set_new(pg, "rendered", json_boolean(p->rendered));
		json_object_set_new(pg, "screenshot", json_string(p->png_record ? p->png_record : ""));
		json_object_set_new(pg, "score", json_real(p->score));
		json_object_set_new(pg, "findings", json_integer((json_int_t)nf));
		json_object_set_new(pg, "types", types);
		json_object_set_new(pg, "values_masked", vals);
		/* the kinds in words of the report's language */
		if ((m = open_memstream(&buf, &len))) {
			rp_t t = r;

			t.f = m;
			put_kinds(&t, p);
			fclose(m);
			json_object_set_new(pg, "kinds", json_string(buf ? buf : ""));
			free(buf);
		}
		json_array_append_new(pages, pg);
	}
	json_object_set(root, "pages", pages);
	if (!(f = fopen(path, "w")))
		goto out;
	rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3)) == 0
	     ? 0 : -1;
	if (fputc('\n', f) == EOF)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
out:
	free(dox);
	free(pd);
	rp_free(&r);
	json_decref(pages);
	json_decref(root);
	return rc;
}
