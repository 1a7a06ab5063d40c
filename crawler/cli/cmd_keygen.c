/*
 * cmd_keygen.c — `custody keygen`: the operator's signing key, a self-signed
 * certificate and a CSR for an organisation's CA (archive/seal/sign.c does the work).
 *
 * Without -o the key goes to the user's config directory (created 0700),
 * where `custody crawl` finds it, so one keygen signs every later case.
 * Exit status: 0 written, 2 usage error or nothing written.
 *
 * Must never: print the key or the passphrase, or overwrite an existing key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "cmd.h"
#include "crawler.h"
#include "keys.h"

static const cli_opt_t keygen_opts[] = {
	{"output", 'o', "PREFIX", "Write PREFIX.key, PREFIX.crt and PREFIX.csr. Default: operator.* in "
	                          "$XDG_CONFIG_HOME/custody/ (else ~/.config/custody/), which `custody crawl` "
	                          "then uses by itself."},
	{"subject", 0, "DN", "Who signs, as \"/CN=Jane Roe/O=Example Advocacy/C=CN\": CN required; O, OU, C "
	                     "(two capital letters), ST, L, emailAddress allowed; UTF-8 text; \\/ puts a slash "
	                     "in a value. Required."},
	{"alg", 0, "ALG", "p256 (ECDSA P-256 with SHA-256, the default), sm2 (SM2 with SM3) or ed25519. sm2 "
	                  "and ed25519 are accepted only if this OpenSSL's CMS can sign and verify with them "
	                  "(OpenSSL 3.0 cannot: keygen then refuses and says so)."},
	{"days", 0, "N", "The self-signed certificate is valid for N days (default 1095). Seals stay "
	                 "verifiable after it expires: custody-verify checks it at the time a seal's time "
	                 "stamp proves."},
	{"pass-file", 0, "FILE", "Encrypt the key (AES-256-CBC, PKCS#8) with the passphrase on the first line "
	                         "of FILE; give the same --pass-file to crawl."},
	{0},
};

static const cli_cmd_t keygen_cmd = {
	"keygen",
	"custody keygen [-o PREFIX] --subject \"/CN=.../O=...\" [--alg p256|sm2|ed25519] [--days N] [--pass-file FILE]",
	"Make the operator's signing key. PREFIX.key is the private key (PEM PKCS#8, created with mode 0600; "
	"keep it secret and backed up), PREFIX.crt a self-signed certificate naming the subject, and "
	"PREFIX.csr a certificate request to send to an organisation's CA: a certificate it issues replaces "
	"PREFIX.crt (give it to crawl with --cert) and lets a court check the signer against that CA.\n\n"
	"Give the court-side expert PREFIX.crt (or the CA's certificate): custody-verify --trust checks every "
	"seal against it. Existing files are never overwritten.\n\n"
	"Exit status: 0 written, 2 usage error or nothing written.",
	keygen_opts,
	"custody keygen --subject \"/CN=Jane Roe/O=Example Advocacy\"\n"
	"custody keygen -o ./demo-operator --subject \"/CN=Demo Operator\" --days 30\n"
	"custody crawl -o case1 https://forum.example/thread/123     (signed with the default key)\n",
	NULL, /* few options: --help shows them all */
};

typedef struct {
	const char *out, *subject, *alg, *pass_file;
	int days;
} keygen_cli_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	keygen_cli_t *k = ctx;

	if (!strcmp(name, "output"))
		k->out = arg;
	else if (!strcmp(name, "subject"))
		k->subject = arg;
	else if (!strcmp(name, "alg"))
		k->alg = arg;
	else if (!strcmp(name, "pass-file"))
		k->pass_file = arg;
	else if (!strcmp(name, "days")) {
		char *end;
		long v;
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 36500) {
			fprintf(stderr, "custody keygen: --days wants a number from 1 to 36500, not '%s'\n", arg);
			return 2;
		}
		k->days = (int)v;
	}
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	keygen_cli_t k = { NULL, NULL, "p256", NULL, 1095 };
	char prefix[3100], dir[3000], pass[1024], why[600];
	size_t plen = 0;
	seal_alg_t alg;
	seal_signer_t *s = NULL;
	arc_error_t err;
	int first = 0, rc;

	rc = cli_parse(&keygen_cmd, argc, argv, on_opt, &k, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (first < argc) {
		fprintf(stderr, "custody keygen: unexpected argument '%s'\n", argv[first]);
		return 2;
	}
	if (!k.subject) {
		fprintf(stderr, "custody keygen: --subject \"/CN=Your Name/O=Your Organisation\" is required\n"
		                "Try 'custody keygen --help'.\n");
		return 2;
	}
	if (seal_alg_parse(k.alg, &alg, &err) != ARC_OK || seal_subject_check(k.subject, &err) != ARC_OK) {
		fprintf(stderr, "custody keygen: %s\n", err.msg);
		return 2;
	}
	if (k.out) {
		snprintf(prefix, sizeof prefix, "%s", k.out);
	} else {
		if (keys_config_dir(dir, sizeof dir) || arc_mkdirs(dir, 0700) ||
		    keys_default_prefix(prefix, sizeof prefix)) {
			fprintf(stderr, "custody keygen: cannot use the config directory (set HOME or "
			                "XDG_CONFIG_HOME, or give -o PREFIX)\n");
			return 2;
		}
	}
	if (k.pass_file && keys_read_pass(k.pass_file, pass, &plen, why, sizeof why)) {
		fprintf(stderr, "custody keygen: %s\n", why);
		return 2;
	}
	if (seal_keygen(alg, k.subject, k.days, &s, &err) != ARC_OK ||
	    seal_signer_write(s, prefix, plen ? pass : NULL, plen, &err) != ARC_OK) {
		OPENSSL_cleanse(pass, sizeof pass);
		seal_signer_free(s);
		fprintf(stderr, "custody keygen: %s\n", err.msg);
		return 2;
	}
	OPENSSL_cleanse(pass, sizeof pass);
	printf("%s.key  private key (%s%s, mode 0600: keep it secret)\n"
	       "%s.crt  self-signed certificate for %s, valid %d days: give it to whoever verifies\n"
	       "%s.csr  certificate request for an organisation's CA\n",
	       prefix, seal_alg_name(alg), plen ? ", encrypted" : "", prefix, seal_signer_subject(s),
	       k.days, prefix);
	if (!k.out)
		printf("custody crawl signs every case with this key from now on.\n");
	seal_signer_free(s);
	return 0;
}
