/*
 * verify.c — custody-verify, the program: parse the options, run the checks
 * (checks.c, a library with no global state) on a case folder, single
 * .warc.zst, .warc.gz or .warc files, or a WACZ exported by custody, and
 * print what holds.
 *
 * Modelled on OpenBSD signify: usage(), main() with getopt_long, small
 * x-helpers that fail loudly, no network. It links only archive/'s reading
 * and checking code, libcrypto, libzstd, jansson and zlib (a test checks
 * ldd), and stays small enough for a court-side expert to read in a sitting.
 *
 * Output, for a reader who is not a programmer, first line first:
 *   "1 234 records in 3 files intact; 0 failures"
 * then one FAILED line per failure (file, offset, record id, check, expected
 * and found), what was not checked, and the verdict. --json prints one
 * object with every failure; --report writes the HTML report (report.c).
 *
 * Must never report a check it did not run as passed, print archive bytes
 * unescaped, or write anything but the report it was asked for.
 *
 * Exit status: 0 verified, 1 failed, 2 usage or I/O error, 3 intact.
 */
#include "archive.h"
#include "verify.h"
#include "seal.h"
#include "cli/i18n.h"
#include "crawlseal.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define VF_VERSION "custody-verify " CUSTODY_VERSION

#define VF_EXIT_VERIFIED 0
#define VF_EXIT_FAILED   1
#define VF_EXIT_ERROR    2
#define VF_EXIT_INTACT   3

static const char *progname = "custody-verify";

/* Everything printed goes through here: the formatted text, line by line, as
 * vf_printable shows it, so no byte from a case (a certificate subject, a file
 * name, a message quoting a field) reaches the terminal as a control: C0, C1
 * (U+009B is CSI) and the bidirectional controls are written visibly. */
static void vtwrite(FILE *f, const char *fmt, va_list ap)
{
	char small[1024], *buf = small, *line, *nl, *p;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof small) {
		if (!(buf = malloc((size_t)n + 1)))
			return;
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
	}
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		p = vf_printable(line, nl ? (size_t)(nl - line) : strlen(line));
		if (p)
			fputs(p, f);
		free(p);
		if (!nl)
			break;
		fputc('\n', f);
	}
	if (buf != small)
		free(buf);
}

static void __attribute__((format(printf, 1, 2))) tprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtwrite(stdout, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn, format(printf, 1, 2))) xerr(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vtwrite(stderr, cli_tr(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(VF_EXIT_ERROR);
}

/* The trust anchors of --trust / --tsa-trust (every certificate in the file). */
static seal_trust_t *load_anchors(const char *path, const char *opt)
{
	seal_trust_t *t = NULL;
	arc_error_t e;
	FILE *fp = fopen(path, "r");

	if (!fp)
		xerr("cannot open %s: %s", path, strerror(errno));
	fclose(fp);
	if (seal_trust_load(path, &t, &e) != ARC_OK)
		xerr("%s %s: %s", opt, path, e.msg);
	return t;
}

/* ---------------------------------------------------------------- the seal checker's hook
 * seal.c rebuilds each case's Merkle log from every record in order and checks
 * the seals against it; it plugs into the checker as a vf_hook_t (verify.h)
 * and reports through vf_fail/vf_pass, its summary through vf_anchors(). */
typedef struct {
	vf_seal_t *seal;
	vf_seal_summary_t sum;
	int have_trust, have_tsa_trust;
	vf_ctx_t *c;      /* of the record being fed */
	size_t file;
} seal_hook_t;

static void seal_fail(void *ctx, uint64_t off, const char *record, const char *check, const char *msg)
{
	seal_hook_t *h = ctx;
	vf_fail(h->c, h->file, off, record ? record : "", check, "%s", msg);
}

static void seal_pass(void *ctx)
{
	seal_hook_t *h = ctx;
	vf_pass(h->c, h->file);
}

static void seal_group_begin(void *state, vf_ctx_t *c)
{
	(void)c;
	vf_seal_begin_case(((seal_hook_t *)state)->seal);
}

static void seal_record(void *state, vf_ctx_t *c, size_t file, const warc_rec_t *rec)
{
	seal_hook_t *h = state;
	h->c = c;
	h->file = file;
	vf_seal_record(h->seal, h, rec);
}

static void seal_gap(void *state, vf_ctx_t *c, size_t file, uint64_t offset)
{
	(void)c;
	(void)file;
	(void)offset;
	vf_seal_break(((seal_hook_t *)state)->seal);
}

/* A name from a certificate as it is shown everywhere (text, JSON, report):
 * its controls written visibly (vf_printable). */
static void show(char *out, size_t outsz, const char *s)
{
	char *p = vf_printable(s, strlen(s));

	snprintf(out, outsz, "%s", p ? p : "?");
	free(p);
}

/* After each case: the summary so far becomes the anchors the verdict reads. */
static void seal_group_end(void *state, vf_ctx_t *c)
{
	seal_hook_t *h = state;
	char notes[VF_SEAL_MAX_NOTES][VF_SEAL_NOTE_LEN], headline[1600];
	size_t nn = 0, i;
	vf_anchors_t *a = vf_anchors(c);
	int ok;

	vf_seal_end_case(h->seal, &h->sum);
	ok = vf_seal_verdict(&h->sum, h->have_trust, h->have_tsa_trust, notes, &nn, headline,
	                     sizeof headline);
	for (i = 0; i < nn; i++)
		vf_not_checked(c, "%s", notes[i]);
	a->seals = h->sum.seals;
	a->seals_ok = h->sum.seals_ok;
	a->records_sealed = h->sum.records_sealed;
	a->unsealed_tail = h->sum.tail;
	a->anchored = ok;
	a->nsigners = 0;
	if (h->sum.signer[0]) {
		show(a->signers[0].subject, sizeof a->signers[0].subject, h->sum.signer);
		show(a->signers[0].chain, sizeof a->signers[0].chain, h->sum.chain);
		a->signers[0].trusted = !h->have_trust ? 0 : h->sum.seals_trusted == h->sum.seals ? 1 : -1;
		a->signers[0].seals = h->sum.seals;
		a->nsigners = 1;
	}
	a->scope[0] = a->claimed[0] = '\0';
	if (h->sum.exhibits)
		snprintf(a->scope, sizeof a->scope, "exhibit of case %s: %llu of the %llu records in its "
		         "sealed log are disclosed here (the exhibit's own warcinfo and proof record are "
		         "not evidence)", h->sum.case_of, (unsigned long long)h->sum.ex_disclosed,
		         (unsigned long long)h->sum.ex_size);
	else if (h->sum.case_of[0])
		snprintf(a->scope, sizeof a->scope, "case %s (named by its signed tree heads): %llu "
		         "records sealed", h->sum.case_of, (unsigned long long)h->sum.records_sealed);
	if (!h->sum.last_time[0] && h->sum.claimed_time[0])
	{
		char tsa[sizeof h->sum.claimed_tsa * 2];

		show(tsa, sizeof tsa, h->sum.claimed_tsa);
		snprintf(a->claimed, sizeof a->claimed, "a token that claims to come from %.*s says "
		         "%.10s %.8s UTC (not checked: give --tsa-trust)", (int)(sizeof a->claimed / 2), tsa,
		         h->sum.claimed_time, h->sum.claimed_time + 11);
	}
	a->window[0] = '\0';
	if (h->sum.first_time[0] && h->sum.last_time[0])
		snprintf(a->window, sizeof a->window, "%.10s %.8s UTC to %.10s %.8s UTC", h->sum.first_time,
		         h->sum.first_time + 11, h->sum.last_time, h->sum.last_time + 11);
	a->ntimes = 0;
	if (h->sum.last_time[0]) {
		/* "2026-11-30T10:42:07Z" as a reader writes it: "2026-11-30 10:42:07 UTC" */
		snprintf(a->times[0].time, sizeof a->times[0].time, "%.10s %.8s UTC", h->sum.last_time,
		         h->sum.last_time + 11);
		show(a->times[0].tsa, sizeof a->times[0].tsa, h->sum.tsa);
		a->times[0].trusted = !h->have_tsa_trust ? 0 : h->sum.seals_time_trusted == h->sum.seals ? 1 : -1;
		a->ntimes = 1;
	}
	a->first_time[0] = '\0';
	if (h->sum.first_time[0])
		snprintf(a->first_time, sizeof a->first_time, "%.10s %.8s UTC", h->sum.first_time,
		         h->sum.first_time + 11);
}

/* --at: "YYYY-MM-DD" or a full "YYYY-MM-DDThh:mm:ss[.f]Z". */
static int valid_time(const char *s)
{
	char d14[15], buf[64];

	if (strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
	}
	return arc_date14(s, d14) == 0;
}

static void progress(void *arg, const char *file, uint64_t records)
{
	(void)arg;
	char *f = vf_printable(file, strlen(file));

	fprintf(stderr, "\r%s: %llu records...\033[K", f ? f : "?", (unsigned long long)records);
	free(f);
}

/* ---------------------------------------------------------------- output */

/* 1234567 -> "1 234 567" */
static const char *grouped(uint64_t n, char out[32])
{
	char digits[24];
	size_t len = (size_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)n), i, o = 0;

	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ' ';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

/* "verified: signed by ...; existed no later than ... according to ..." */
/* "verified: signed by ...; existed no later than ... according to ..."; for a
 * case that is not verified the same facts, marked as not anchored. */
static void print_seal_line(const vf_anchors_t *s, int verified)
{
	size_t i;

	if (!verified && (s->nsigners || s->ntimes))
		tprintf("%s", cli_tr(" (seals"));
	if (s->nsigners) {
		/* TRANSLATORS: ":" and ";" are the punctuation between the parts of the first line */
		tprintf(cli_tr("%s signed by %s"), verified ? cli_tr(":") : "", s->signers[0].subject);
		for (i = 1; i < s->nsigners; i++)
			tprintf(cli_tr(" and %s"), s->signers[i].subject);
	}
	if (s->ntimes) {
		tprintf(cli_tr("%s existed no later than %s according to %s"), s->nsigners ? cli_tr(";") : cli_tr(":"),
		        s->times[0].time, s->times[0].tsa);
		for (i = 1; i < s->ntimes; i++)
			tprintf(cli_tr(" (and %s at %s)"), s->times[i].tsa, s->times[i].time);
	}
	if (!s->ntimes && s->claimed[0])
		tprintf("; %s", s->claimed);
	if (!verified && (s->nsigners || s->ntimes))
		tprintf("%s", cli_tr(", not anchored: see \"not checked\")"));
}

static void print_human(const vf_result_t *r, int quiet, const vf_env_t *env)
{
	char a[32], b[32];
	size_t i;

	if (quiet) {
		tprintf("%s\n", r->verdict);
		return;
	}
	tprintf(r->nfiles == 1 ? cli_tr("%s records in %zu file %s") : cli_tr("%s records in %zu files %s"),
	        grouped(r->records, a), r->nfiles,
	        !strcmp(r->verdict, "failed") ? cli_tr("FAILED") : cli_tr(r->verdict));
	print_seal_line(&r->anchors, !strcmp(r->verdict, "verified"));
	tprintf(r->failures_total == 1 ? cli_tr("; %s failure\n") : cli_tr("; %s failures\n"),
	        grouped(r->failures_total, b));
	for (i = 0; i < r->nfailures; i++) {
		const vf_failure_t *x = &r->failures[i];
		tprintf("FAILED %s: offset %llu%s%s: %s: %s\n", x->file, (unsigned long long)x->offset,
		       *x->record ? ", record " : "", x->record, x->check, x->message);
	}
	if (r->failures_total > r->nfailures)
		tprintf("FAILED ... and %llu more failures not listed (VF_MAX_FAILURES)\n",
		       (unsigned long long)(r->failures_total - r->nfailures));
	for (i = 0; i < r->nfiles; i++) {
		const vf_file_t *f = &r->files[i];
		tprintf(cli_tr("file %s: %llu records, %llu checks passed, %llu failed\n"), f->name,
		       (unsigned long long)f->records, (unsigned long long)f->passed,
		       (unsigned long long)f->failed);
	}
	if (r->anchors.scope[0])
		tprintf("%s\n", r->anchors.scope);
	else if (r->case_id && *r->case_id)
		tprintf(cli_tr("case: %s (named by an unsealed warcinfo field)\n"), r->case_id);
	if (r->anchors.window[0])
		tprintf(cli_tr("trusted capture window: %s (the first and last trusted time stamp; every sealed "
		               "record existed by the time of the seal that covers it)\n"), r->anchors.window);
	for (i = 0; i < r->anchors.nsigners; i++) {
		if (r->anchors.signers[i].chain[0])
			tprintf(cli_tr("signer's chain: %s\n"), r->anchors.signers[i].chain);
	}
	if (r->findings_checked)
		tprintf(cli_tr("findings: %llu fragments checked against the captured payloads\n"),
		        (unsigned long long)r->findings_checked);
	if (r->references_checked)
		tprintf(cli_tr("references: %llu resolved to records of the right type\n"),
		        (unsigned long long)r->references_checked);
	if (env && env->present) {
		tprintf("%s", env->sealed ? cli_tr("environment: recorded before the first capture, sealed")
		                          : cli_tr("environment: recorded before the first capture, NOT sealed"));
		if (env->seal_clock)
			tprintf(cli_tr("; clock %+" PRId64 " s against the time-stamp authority (genTime - local time)"),
			        env->seal_offset_s);
		tprintf(env->nanomalies == 1 ? cli_tr("; %zu anomaly\n") : cli_tr("; %zu anomalies\n"), env->nanomalies);
		for (i = 0; i < env->nanomalies; i++)
			tprintf(cli_tr("environment: %s\n"), env->anomalies[i].message);
	}
	for (i = 0; i < r->nnot_checked; i++)
		tprintf(cli_tr("not checked: %s\n"), r->not_checked[i]);
	if (!strcmp(r->verdict, "failed"))
		tprintf(r->failures_total == 1 ? cli_tr("verdict: failed (%llu check failed; see the FAILED lines)\n")
		                               : cli_tr("verdict: failed (%llu checks failed; see the FAILED lines)\n"),
		        (unsigned long long)r->failures_total);
	else if (!strcmp(r->verdict, "intact"))
		tprintf(cli_tr("verdict: intact (%llu records agree with their own digests: every integrity "
		               "check passed; nothing proves they were not rewritten: who captured them and "
		               "when is not anchored)\n"), (unsigned long long)r->records);
	else if (r->wacz_unchecked)
		tprintf(cli_tr("verdict: verified (%llu records: every check passed, identity and time "
		               "anchored; the seals cover the records' content, not the file's compression; "
		               "the WACZ's own index and page list are not checked: see \"not "
		               "checked\")\n"), (unsigned long long)r->records);
	else
		tprintf(cli_tr("verdict: verified (%llu records: every check passed, identity and time "
		               "anchored; the seals cover the records' content, not the file's compression)\n"),
		        (unsigned long long)r->records);
}

static json_t *xjson(json_t *j)
{
	if (!j)
		xerr("out of memory (JSON output)");
	return j;
}

static void print_json(const vf_result_t *r, const vf_env_t *env)
{
	json_t *o = xjson(json_object()), *errs = xjson(json_array()), *nc = xjson(json_array());
	json_t *files = xjson(json_array()), *seal = xjson(json_object()), *arr;
	char *s;
	size_t i;

	/* every string in r is printable UTF-8 (vf_printable): none is dropped */
	json_object_set_new(o, "verdict", xjson(json_string(r->verdict)));
	json_object_set_new(o, "records", xjson(json_integer((json_int_t)r->records)));
	json_object_set_new(o, "sealed", xjson(json_integer((json_int_t)r->anchors.seals)));
	json_object_set_new(o, "findings_checked", xjson(json_integer((json_int_t)r->findings_checked)));
	json_object_set_new(o, "references_checked",
	                    xjson(json_integer((json_int_t)r->references_checked)));
	json_object_set_new(o, "outside", xjson(json_integer((json_int_t)r->outside)));
	json_object_set_new(o, "wacz_unchecked", xjson(json_integer((json_int_t)r->wacz_unchecked)));
	json_object_set_new(o, "case_id", xjson(json_string(r->case_id ? r->case_id : "")));
	for (i = 0; i < r->nfailures; i++) {
		const vf_failure_t *x = &r->failures[i];
		json_array_append_new(errs, xjson(json_pack("{s:s, s:I, s:s, s:s, s:s}", "file",
		                                            x->file ? x->file : "", "offset",
		                                            (json_int_t)x->offset, "record",
		                                            x->record ? x->record : "", "check",
		                                            x->check ? x->check : "", "message",
		                                            x->message ? x->message : "")));
	}
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "errors_total", xjson(json_integer((json_int_t)r->failures_total)));
	for (i = 0; i < r->nnot_checked; i++)
		json_array_append_new(nc, xjson(json_string(r->not_checked[i])));
	json_object_set_new(o, "not_checked", nc);
	for (i = 0; i < r->nfiles; i++) {
		const vf_file_t *f = &r->files[i];
		json_array_append_new(files, xjson(json_pack("{s:s, s:I, s:I, s:I}", "file", f->name,
		                                             "records", (json_int_t)f->records,
		                                             "checks_passed", (json_int_t)f->passed,
		                                             "checks_failed", (json_int_t)f->failed)));
	}
	json_object_set_new(o, "files", files);
	json_object_set_new(seal, "seals", xjson(json_integer((json_int_t)r->anchors.seals)));
	json_object_set_new(seal, "seals_ok", xjson(json_integer((json_int_t)r->anchors.seals_ok)));
	json_object_set_new(seal, "unsealed_tail", xjson(json_integer((json_int_t)r->anchors.unsealed_tail)));
	{
		char *sc = vf_printable(r->anchors.scope, strlen(r->anchors.scope));
		char *cl = vf_printable(r->anchors.claimed, strlen(r->anchors.claimed));
		json_object_set_new(seal, "scope", xjson(json_string(sc ? sc : "")));
		json_object_set_new(seal, "claimed_time", xjson(json_string(cl ? cl : "")));
		json_object_set_new(seal, "window", xjson(json_string(r->anchors.window)));
		free(sc);
		free(cl);
	}
	arr = xjson(json_array());
	for (i = 0; i < r->anchors.nsigners; i++) {
		char *subj = vf_printable(r->anchors.signers[i].subject, strlen(r->anchors.signers[i].subject));
		json_array_append_new(arr, xjson(json_pack("{s:s, s:i, s:s}", "subject", subj ? subj : "",
		                                           "trusted", r->anchors.signers[i].trusted,
		                                           "chain", r->anchors.signers[i].chain)));
		free(subj);
	}
	json_object_set_new(seal, "signers", arr);
	arr = xjson(json_array());
	for (i = 0; i < r->anchors.ntimes; i++) {
		char *tsa = vf_printable(r->anchors.times[i].tsa, strlen(r->anchors.times[i].tsa));
		char *tm = vf_printable(r->anchors.times[i].time, strlen(r->anchors.times[i].time));
		json_array_append_new(arr, xjson(json_pack("{s:s, s:s, s:i}", "time", tm ? tm : "", "tsa",
		                                           tsa ? tsa : "", "trusted",
		                                           r->anchors.times[i].trusted)));
		free(tsa);
		free(tm);
	}
	json_object_set_new(seal, "times", arr);
	json_object_set_new(o, "seal", seal);
	if (env) {
		json_t *ej = xjson(json_object()), *an = xjson(json_array());
		for (i = 0; i < env->nanomalies; i++)
			json_array_append_new(an, xjson(json_pack("{s:s, s:s}", "kind", env->anomalies[i].kind,
			                                          "message", env->anomalies[i].message)));
		json_object_set_new(ej, "sealed", json_boolean(env->sealed));
		json_object_set_new(ej, "private", json_boolean(env->private_env));
		json_object_set_new(ej, "anomalies", an);
		json_object_set_new(ej, "clock_offset_s", env->seal_clock ? xjson(json_integer(env->seal_offset_s))
		                                                          : json_null());
		json_object_set_new(ej, "clock_recorded", env->has_clock ? xjson(json_string(env->clock_summary))
		                                                         : json_null());
		json_object_set_new(o, "environment", ej);
	}
	if (r->at)
		json_object_set_new(o, "at", xjson(json_string(r->at)));
	s = json_dumps(o, JSON_ENSURE_ASCII);
	if (!s)
		xerr("cannot format the JSON output");
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* ---------------------------------------------------------------- main */

/* The report's language: the interface's (--lang, else the locale's as
 * gettext reads it: LANGUAGE, LC_ALL, LC_MESSAGES, LANG), zh for zh_CN and
 * zh_TW (the report's words are in simplified script). */
static const char *locale_lang(void)
{
	return !strncmp(cli_lang(), "zh", 2) ? "zh" : "en";
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: %s [--trust CERT.pem] [--tsa-trust CERT.pem] [--at TIME] [--json]\n"
	        "       [--report FILE.html [--redact] [--lang zh|en]] [-q] PATH...\n"
	        "try '%s --help'\n", progname, progname);
	exit(VF_EXIT_ERROR);
}

static const char help_text[] =
"NAME\n"
"    custody-verify - check a custody case and say exactly what holds\n"
"\n"
"SYNOPSIS\n"
"    custody-verify [--trust CERT.pem] [--tsa-trust CERT.pem] [--at TIME]\n"
"                   [--json] [--report FILE.html [--redact] [--lang zh|en]]\n"
"                   [--summary FILE.json] [--no-date] [-q] PATH...\n"
"\n"
"DESCRIPTION\n"
"    PATH is a case folder (every capture-*.warc.zst in it, in numeric order),\n"
"    one or more .warc.zst, .warc.gz (one gzip member per record) or .warc\n"
"    files, or a WACZ made by 'custody export --wacz' (its archive/*.warc.gz\n"
"    entries, read in place). custody-verify reads every byte\n"
"    and prints first one line a reader can take away, e.g.\n"
"\n"
"        1 234 records in 3 files intact; 0 failures\n"
"\n"
"    then one FAILED line per failure with its file, byte offset, record id,\n"
"    check, and what was expected and found. The checks:\n"
"\n"
"    zstd frame       each record is one intact zstd frame with its checksum;\n"
"                     every byte of the file belongs to a record (no skippable\n"
"                     or dictionary frame, no plain WARC named .zst)\n"
"    warc framing     WARC/1.0 or WARC/1.1 header, Content-Length matches the\n"
"                     block, CRLF CRLF after it, one record per frame, no bytes\n"
"                     between the records of a plain WARC\n"
"    mandatory fields WARC-Record-ID, WARC-Type and WARC-Date are present\n"
"    unique fields    fields allowed once (WARC-Block-Digest, WARC-Payload-\n"
"                     Digest, WARC-Record-ID, WARC-Date, WARC-Type, Content-\n"
"                     Length, WARC-Target-URI, ...) appear once\n"
"    record id        no WARC-Record-ID appears twice\n"
"    block digest     WARC-Block-Digest matches the block\n"
"    payload digest   WARC-Payload-Digest matches the payload (HTTP entity\n"
"                     with transfer coding removed)\n"
"    warcinfo first   every file starts with a warcinfo record\n"
"    case identity    each warcinfo names its own file (WARC-Filename) and\n"
"                     the same case (Custody-Case-ID); one warcinfo per file;\n"
"                     a folder holds one case\n"
"    file sequence    no capture file is missing from a case folder\n"
"    references       WARC-Concurrent-To, WARC-Refers-To, WARC-Warcinfo-ID,\n"
"                     the capture record's request_record and response_record\n"
"                     and the findings' target name records of the right type\n"
"                     in the case; a revisit names its original (not itself)\n"
"                     and has the same payload digest\n"
"    findings         every finding's [start,end) lies inside the target's\n"
"                     decoded payload and the SHA-256 of those bytes equals\n"
"                     the finding's sha256: each fragment provably comes from\n"
"                     the captured bytes\n"
"    seal root        every record is a leaf of the case's Merkle log (RFC 9162,\n"
"                     leaf = SHA-256 of 0x00 and its exact WARC header); the log\n"
"                     rebuilt from the files gives each seal's tree-size and root\n"
"    seal chain       each seal's previous-root is the previous seal's root\n"
"    seal signature   the CMS signature holds over the tree head and, with\n"
"                     --trust, the signer chains to it at the earliest trusted\n"
"                     time proving the seal existed (its token's or a later\n"
"                     stamp's; none: --at, else now); the body's certificate is\n"
"                     the one that signed\n"
"    opening seal     the case's first seal is its opening seal (custody-sth-v2\n"
"                     kind: opening), nothing captured before it\n"
"    closing seal     after a closing seal only a new file's warcinfo, stamps\n"
"                     and a reopening seal follow; files and records agree\n"
"    seal case        every seal and every file names the case of the first\n"
"                     signed tree head\n"
"    seal timestamp   each RFC 3161 token is over the tree head and, with\n"
"                     --tsa-trust, chains to it at its own genTime\n"
"    stamp            a stamp record (custody stamp) refers to an earlier seal\n"
"                     and its tokens are over that seal's tree head\n"
"    inclusion proof  in an exhibit (custody export), each record is a leaf of\n"
"                     the exhibit's seal\n"
"    environment      the capture environment record (what the machine said\n"
"                     about itself before the first capture) parses, and a\n"
"                     verified seal covers it; its anomalies are listed\n"
"\n"
"    Files given one by one are checked as part of a case: a record they\n"
"    name that lies in another file is reported as \"target outside the\n"
"    files given\", which is not a failure; give the case folder to check it.\n"
"    Memory and time are bounded whatever the files hold: a decoded page is\n"
"    at most 64 MiB, a JSON body 8 MiB, and decoding and hashing for the\n"
"    findings at most 16 times the input plus 1 GiB (else \"work limit\").\n"
"\n"
"    Seals (signed Merkle tree heads with RFC 3161 timestamps) are what\n"
"    anchors who captured a case and when. Records after the last seal are\n"
"    reported as an unsealed tail and keep the verdict at intact; so do\n"
"    unsigned or unstamped seals, missing anchors and a case whose last seal\n"
"    is not a closing seal (\"the case was not closed\"; --resume closes it):\n"
"    the \"not checked\" lines say what is not anchored. A token that does\n"
"    not chain to --tsa-trust is reported as a claim, never as the time.\n"
"\n"
"OPTIONS\n"
"    --trust CERT.pem\n"
"        Certificates a seal's signer must chain to (the operator's certificate\n"
"        from custody keygen, or their organisation's CA).\n"
"    --tsa-trust CERT.pem\n"
"        Certificates a timestamp authority must chain to.\n"
"    --at TIME\n"
"        Verify as of TIME (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ): a token whose\n"
"        genTime is later is refused; a seal without a token is checked at TIME.\n"
"    --json\n"
"        Print one JSON object: {\"verdict\", \"records\", \"sealed\", \"errors\":\n"
"        [{\"file\", \"offset\", \"record\", \"check\", \"message\"}], \"errors_total\",\n"
"        \"not_checked\", \"files\", \"findings_checked\", \"references_checked\",\n"
"        \"outside\", \"case_id\", \"seal\", \"environment\"}. Bytes that are not UTF-8\n"
"        appear as \\xNN; no failure is left out. \"environment\" (the capture\n"
"        environment record): {\"sealed\", \"private\", \"anomalies\",\n"
"        \"clock_offset_s\", \"clock_recorded\"}.\n"
"    --report FILE.html\n"
"        Also write a self-contained HTML report for a court (no scripts,\n"
"        nothing loaded from elsewhere, prints well): what was checked and\n"
"        how, every failure, and per captured page the URL, capture time,\n"
"        server address, TLS certificate and whether it verified, HTTP\n"
"        status, digests with their check results, and every finding\n"
"        highlighted in its context with type, byte range and SHA-256.\n"
"        An existing FILE is not replaced unless --force; a name that is\n"
"        evidence (.warc, .warc.gz, .warc.zst, .wacz, index.cdxj) or a path\n"
"        inside a folder being verified is refused always.\n"
"    --force\n"
"        Let --report and --summary replace an existing file (never evidence).\n"
"    --redact\n"
"        In the report, mask every identifier found anywhere in the case\n"
"        (every finding's value and text, on every page, in URLs, titles\n"
"        and contexts) and leave the screenshots and finding hashes out,\n"
"        for sharing outside the court.\n"
"    --lang zh|zh_TW|en\n"
"        The language of the messages, the help and the report (default:\n"
"        the locale's: LANGUAGE, LC_ALL, LC_MESSAGES, LANG; English in the C\n"
"        locale). The report is in simplified script for zh and zh_TW.\n"
"    --summary FILE.json\n"
"        Also write the doxing pages as JSON (URL, times, kinds of personal\n"
"        data, masked values, records), redacted like the report: what\n"
"        custody bundle writes its letters from.\n"
"    --no-date\n"
"        Leave the report's own date out: the same case and options always\n"
"        give the same report (custody bundle).\n"
"    -q, --quiet\n"
"        Print only the verdict.\n"
"    -V, --version\n"
"        Print the version.\n"
"    -h, --help\n"
"        Print this help.\n"
"\n"
"VERDICTS AND EXIT STATUS\n"
"    0  verified  every check passed and every seal chains to --trust and\n"
"                 every timestamp to --tsa-trust\n"
"    1  failed    something did not verify (see the FAILED lines)\n"
"    2            usage or I/O error (e.g. a PATH that cannot be opened)\n"
"    3  intact    every integrity check passed, but who captured it and when\n"
"                 is not anchored (no seal, or no anchors given)\n"
"\n"
"EXAMPLES\n"
"    custody-verify case-2026-001/\n"
"    custody-verify --trust operator.crt --tsa-trust tsa-ca.pem case-2026-001/\n"
"    custody-verify --json case-2026-001/ > verify.json\n"
"    custody-verify --report report.html case-2026-001/\n"
"    custody-verify --report share.html --redact case-2026-001/\n";

/* The help, translated paragraph by paragraph (cli_tr_text). */
static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* What custody-verify writes never replaces evidence: a name that is a
 * capture file, an index or an archive, or a path inside a folder being
 * verified, is refused always; an existing file unless --force. Checked
 * before anything is read, so a slip (--report capture-*.warc.zst, taking
 * --report for a switch) costs nothing. */
static void output_ok(const char *opt, const char *path, int force, char **inputs, int ninputs)
{
	static const char *const evidence[] = { ".warc", ".warc.gz", ".warc.zst", ".wacz", ".cdxj", ".zst",
	                                        ".gz", ".p7s", ".tsr" };
	char real_out[PATH_MAX], real_in[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	size_t k;

	for (k = 0; k < sizeof evidence / sizeof *evidence; k++)
		if (ends_with_ci(path, evidence[k]))
			xerr("%s %s: refused: that name is evidence (a capture file, index or archive), never "
			     "replaced; give the report a name of its own, e.g. %s report.html", opt, path, opt);
	/* the folder it would go in, resolved */
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (realpath(dir, real_out)) {
		for (int i = 0; i < ninputs; i++) {
			char idir[PATH_MAX];
			if (stat(inputs[i], &st) != 0)
				continue;
			/* a folder given, or the folder of a file given */
			snprintf(idir, sizeof idir, "%s", inputs[i]);
			if (!S_ISDIR(st.st_mode)) {
				char *sl = strrchr(idir, '/');
				if (sl)
					*(sl == idir ? sl + 1 : sl) = '\0';
				else
					snprintf(idir, sizeof idir, ".");
			}
			if (!realpath(idir, real_in))
				continue;
			size_t n = strlen(real_in);
			if (!strncmp(real_out, real_in, n) && (real_out[n] == '\0' || real_out[n] == '/'))
				xerr("%s %s: refused: it is inside %s, the folder of what is being verified "
				     "(evidence is never written into); write it somewhere else", opt, path, real_in);
		}
	}
	if (!force && lstat(path, &st) == 0)
		xerr("%s %s: the file exists: nothing was written. Give another name, or add --force to "
		     "replace it", opt, path);
}

static void help(void)
{
	cli_tr_text(stdout, help_text);
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "report", required_argument, NULL, 'r' },
		{ "redact", no_argument, NULL, 'R' },
		{ "lang", required_argument, NULL, 'L' },
		{ "summary", required_argument, NULL, 'S' },
		{ "no-date", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'F' },
		{ "at", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *tsa_trust = NULL, *report = NULL, *summary = NULL, *crawl_seal = NULL;
	arc_buf_t cs_text = { 0 };
	int no_date = 0, force = 0;
	seal_trust_t *trust_t = NULL, *tsa_trust_t = NULL;
	seal_hook_t sh;
	vf_seal_report_t srep = { seal_fail, seal_pass };
	int64_t at = -1;
	vf_opts_t o = { 0 };
	vf_report_opts_t ro = { 0 };
	vf_env_hook_t *envh = NULL;
	const vf_result_t *res;
	arc_error_t e;
	vf_ctx_t *c;
	char when[40];
	time_t now;
	int ch, i, rc, json = 0, quiet = 0, exit_code;

	if (cli_i18n_init(argc, argv))
		xerr("--lang: expected zh, zh_TW or en");
	if (argc == 2 && !strcmp(argv[1], "--dump-strings")) {
		/* the .pot of the help (make pot); the messages are xgettext's */
		cli_pot_header(stdout);
		cli_pot_text(stdout, help_text, "custody-verify --help");
		cli_pot_entry(stdout, "intact", "custody-verify: the verdict in the first line");
		cli_pot_entry(stdout, "verified", "custody-verify: the verdict in the first line");
		return fflush(stdout) ? VF_EXIT_ERROR : 0;
	}

	while ((ch = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': trust = optarg; break;
		case 'T': tsa_trust = optarg; break;
		case 'j': json = 1; break;
		case 'r': report = optarg; break;
		case 'R': ro.redact = 1; break;
		case 'L': ro.lang = optarg; break;
		case 'S': summary = optarg; break;
		case 'D': no_date = 1; break;
		case 'F': force = 1; break;
		case 'a': o.at = optarg; break;
		case 'q': quiet = 1; break;
		case 'V': printf("%s\n", VF_VERSION); return 0;
		case 'h': help(); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (report)
		output_ok("--report", report, force, argv, argc);
	if (summary)
		output_ok("--summary", summary, force, argv, argc);
	if (ro.redact && !report && !summary)
		xerr("--redact applies to --report: give --report FILE.html too");
	/* --lang (zh, zh_TW or en) was read by cli_i18n_init; the report has zh and en */
	ro.lang = locale_lang();
	if (o.at && !valid_time(o.at))
		xerr("--at %s: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", o.at);
	if (trust)
		trust_t = load_anchors(trust, "--trust");
	if (tsa_trust)
		tsa_trust_t = load_anchors(tsa_trust, "--tsa-trust");
	if (o.at) {
		char full[40];
		snprintf(full, sizeof full, strlen(o.at) == 10 ? "%sT00:00:00Z" : "%.20s", o.at);
		if (seal_time_parse(full, strlen(full), &at) != ARC_OK)
			xerr("--at %s: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", o.at);
	}
	o.collect_pages = report != NULL || summary != NULL;
	if (!quiet && !json && isatty(STDERR_FILENO))
		o.progress = progress;
	if (!(c = vf_new(&o)))
		xerr("out of memory");
	memset(&sh, 0, sizeof sh);
	sh.have_trust = trust_t != NULL;
	sh.have_tsa_trust = tsa_trust_t != NULL;
	if (!(sh.seal = vf_seal_new(trust_t, tsa_trust_t, at, &srep)))
		xerr("out of memory");
	{
		vf_hook_t hook = { &sh, seal_group_begin, seal_record, seal_gap, seal_group_end };
		if (vf_add_hook(c, &hook) != 0)
			xerr("out of memory");
	}
	/* the capture environment (environment.c), after the seal checker: it reads its anchors */
	if (!(envh = vf_env_hook_new()) || vf_env_hook_add(envh, c) != 0)
		xerr("out of memory");

	/* DIR1 DIR2 ... FILE: the last one a crawl seal (crawlseal.c, issue 23) */
	if (argc >= 2 && vf_crawl_seal_is(argv[argc - 1]))
		crawl_seal = argv[--argc];
	/* Resolve every PATH first: a missing input is an I/O error (2), not a
	 * verification failure. */
	for (i = 0; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0)
			xerr("cannot open %s: %s", argv[i], strerror(errno));
		if (S_ISDIR(st.st_mode))
			rc = vf_add_dir(c, argv[i], &e);
		else if (!S_ISREG(st.st_mode))
			xerr("%s: not a regular file (refused: it could block or never end)", argv[i]);
		else if (strlen(argv[i]) > 5 && !strcmp(argv[i] + strlen(argv[i]) - 5, ".wacz"))
			rc = vf_add_wacz(c, argv[i], &e);
		else
			rc = vf_add_file(c, argv[i]);
		if (rc == ARC_ENOMEM)
			xerr("out of memory");
		if (rc)
			xerr("%s", e.msg);
	}
	rc = vf_run(c);
	if (o.progress)
		fputs("\r\033[K", stderr);
	if (rc == ARC_ENOMEM)
		xerr("out of memory");
	res = vf_result(c);
	if (crawl_seal) {
		/* the crawl seal can only lower the verdict: a host missing -> intact, a head that differs -> failed */
		int cs = vf_crawl_seal_check(crawl_seal, argv, (size_t)argc, trust_t, tsa_trust_t, at, &cs_text);
		if (cs < 0)
			xerr("out of memory");
		if (cs == VF_CS_FAILED)
			((vf_result_t *)res)->verdict = "failed";
		else if (cs == VF_CS_INTACT && !strcmp(res->verdict, "verified"))
			((vf_result_t *)res)->verdict = "intact";
	}
	exit_code = !strcmp(res->verdict, "failed")   ? VF_EXIT_FAILED
	            : !strcmp(res->verdict, "verified") ? VF_EXIT_VERIFIED
	                                               : VF_EXIT_INTACT;
	if (report) {
		now = time(NULL);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
		ro.generated = no_date ? NULL : when;
		ro.version = VF_VERSION;
		ro.env = vf_env_hook_result(envh);
		if (vf_report_html(report, res, &ro) != 0)
			xerr("cannot write %s: %s", report, strerror(errno));
	}
	if (summary && vf_report_json(summary, res, &ro) != 0)
		xerr("cannot write %s: %s", summary, strerror(errno));
	if (crawl_seal && !json)
		tprintf("%.*s", (int)cs_text.len, (const char *)cs_text.data); /* controls shown, never sent */
	arc_buf_free(&cs_text);
	if (json)
		print_json(res, vf_env_hook_result(envh));
	else
		print_human(res, quiet, vf_env_hook_result(envh));
	if (fflush(stdout) != 0)
		xerr("cannot write the output: %s", strerror(errno));
	if (rc == ARC_EIO) {
		fprintf(stderr, "%s: some input could not be read (see the \"read\" failures)\n", progname);
		exit_code = VF_EXIT_ERROR;
	}
	vf_free(c);
	vf_seal_free(sh.seal);
	vf_env_hook_free(envh);
	seal_trust_free(trust_t);
	seal_trust_free(tsa_trust_t);
	return exit_code;
}
