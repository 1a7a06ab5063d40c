/*
 * keys.c — find and load the operator's signing key for crawl, stamp and
 * export (see keys.h). The default key lives in the user's config directory
 * ($XDG_CONFIG_HOME/custody/operator.key and .crt, else ~/.config/custody/),
 * where `custody keygen` without -o puts it, so a newcomer signs every case
 * after one keygen.
 *
 * Must never: print a key or passphrase, or use a key whose certificate does
 * not match it (seal_signer_load refuses that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "i18n.h"
#include "keys.h"

int keys_config_dir(char *out, size_t outsz)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(out, outsz, "%s/custody", x);
	else if (h && h[0])
		n = snprintf(out, outsz, "%s/.config/custody", h);
	else
		return -1;
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

int keys_default_prefix(char *out, size_t outsz)
{
	char d[3000];
	int n;

	if (keys_config_dir(d, sizeof d))
		return -1;
	n = snprintf(out, outsz, "%s/operator", d);
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

int keys_read_pass(const char *path, char *out, size_t *len, char *why, size_t whysz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	*len = 0;
	if (!f) {
		snprintf(why, whysz, "cannot read the passphrase file %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(out, 1, 1023, f);
	fclose(f);
	out[n] = '\0';
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0) {
		snprintf(why, whysz, "the passphrase file %s is empty", path);
		return -1;
	}
	*len = n;
	return 0;
}

int keys_load(const char *cmd, const char *key, const char *cert, const char *pass_file,
              seal_signer_t **signer, int *used_default)
{
	char prefix[3100], kp[3200], cp[3200], pass[1024], why[600];
	size_t plen = 0;
	arc_error_t err;
	int rc;

	*signer = NULL;
	*used_default = 0;
	if (!key && cert) {
		fprintf(stderr, cli_tr("custody %s: --cert needs --key\n"), cmd);
		return -1;
	}
	if (!key) {
		if (keys_default_prefix(prefix, sizeof prefix))
			return 0;
		snprintf(kp, sizeof kp, "%s.key", prefix);
		snprintf(cp, sizeof cp, "%s.crt", prefix);
		if (access(kp, F_OK) != 0)
			return 0; /* no key: an unsigned case, said so by the caller */
		key = kp;
		cert = cp;
		*used_default = 1;
	}
	if (!cert) { /* KEY.key -> KEY.crt next to it */
		size_t n = strlen(key);
		if (n > 4 && !strcmp(key + n - 4, ".key") && n < sizeof cp) {
			memcpy(cp, key, n - 4);
			memcpy(cp + n - 4, ".crt", 5);
			cert = cp;
		} else {
			fprintf(stderr, cli_tr("custody %s: --key %s needs --cert CERT.pem\n"), cmd, key);
			return -1;
		}
	}
	if (pass_file && keys_read_pass(pass_file, pass, &plen, why, sizeof why)) {
		fprintf(stderr, "custody %s: %s\n", cmd, why);
		return -1;
	}
	rc = seal_signer_load(key, cert, plen ? pass : NULL, plen, signer, &err);
	OPENSSL_cleanse(pass, sizeof pass);
	if (rc != ARC_OK) {
		fprintf(stderr, "custody %s: %s\n", cmd, err.msg);
		return -1;
	}
	return 0;
}
