/*
 * test_merkle.c — archive/seal/merkle.c against RFC 6962/9162's worked examples
 * (the eight leaves of the certificate-transparency test vectors) and against
 * a naive recursive reference written straight from RFC 9162 §2.1 for every
 * tree size 1..1000: roots, inclusion proofs, consistency proofs, and proofs
 * that must be refused (a flipped byte, a wrong index or size, a short or
 * long proof).
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned char hash_t[MERKLE_HASH_LEN];

/* ---------------------------------------------------------------- naive reference (RFC 9162 §2.1, recursive) */

static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(const hash_t *d, uint64_t n, hash_t out)
{
	hash_t l, r;
	uint64_t k;

	if (n == 0) {
		arc_sha256_raw("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], MERKLE_HASH_LEN);
		return;
	}
	k = ref_k(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	merkle_node_hash(l, r, out);
}

static void ref_path(uint64_t m, const hash_t *d, uint64_t n, hash_t *out, size_t *len)
{
	uint64_t k;

	if (n == 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, out, len);
		ref_mth(d + k, n - k, out[(*len)++]);
	} else {
		ref_path(m - k, d + k, n - k, out, len);
		ref_mth(d, k, out[(*len)++]);
	}
}

static void ref_subproof(uint64_t m, const hash_t *d, uint64_t n, int b, hash_t *out, size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, n, out[(*len)++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out, len);
		ref_mth(d + k, n - k, out[(*len)++]);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, out, len);
		ref_mth(d, k, out[(*len)++]);
	}
}

/* ---------------------------------------------------------------- helpers */

static int unhex_any(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s), i;
	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return (int)(n / 2);
}

static const char *hexs(const hash_t h)
{
	static char buf[4][65];
	static int i;
	i = (i + 1) % 4;
	merkle_hex(h, buf[i]);
	return buf[i];
}

/* ---------------------------------------------------------------- RFC 6962 test vectors */

static const char *tv_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243",
	"5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
static const char *tv_roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void test_vectors(void)
{
	hash_t leaves[8], root, proof[MERKLE_MAX_PROOF];
	merkle_tree_t t;
	size_t i, plen;
	char hx[65];
	static const char *incl_0_8[3] = {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	};
	static const char *cons_6_8[3] = {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	};
	static const char *cons_2_5[2] = {
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	};

	merkle_empty_root(root);
	merkle_hex(root, hx);
	CHECK(!strcmp(hx, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "empty root %s", hx);
	merkle_init(&t);
	for (i = 0; i < 8; i++) {
		unsigned char d[32];
		int n = unhex_any(tv_leaves[i], d, sizeof d);
		merkle_leaf_hash(d, (size_t)n, leaves[i]);
		merkle_append(&t, leaves[i]);
		merkle_root(&t, root);
		merkle_hex(root, hx);
		CHECK(!strcmp(hx, tv_roots[i]), "root of %zu leaves: %s", i + 1, hx);
	}
	CHECK(merkle_inclusion_proof((const hash_t *)leaves, 8, 0, proof, &plen) == 0 && plen == 3,
	      "inclusion 0 in 8");
	for (i = 0; i < 3 && i < plen; i++)
		CHECK(!strcmp(hexs(proof[i]), incl_0_8[i]), "inclusion 0/8 [%zu] %s", i, hexs(proof[i]));
	CHECK(merkle_consistency_proof((const hash_t *)leaves, 8, 6, proof, &plen) == 0 && plen == 3,
	      "consistency 6 -> 8");
	for (i = 0; i < 3 && i < plen; i++)
		CHECK(!strcmp(hexs(proof[i]), cons_6_8[i]), "consistency 6/8 [%zu] %s", i, hexs(proof[i]));
	CHECK(merkle_consistency_proof((const hash_t *)leaves, 5, 2, proof, &plen) == 0 && plen == 2,
	      "consistency 2 -> 5");
	for (i = 0; i < 2 && i < plen; i++)
		CHECK(!strcmp(hexs(proof[i]), cons_2_5[i]), "consistency 2/5 [%zu] %s", i, hexs(proof[i]));
	CHECK(merkle_consistency_proof((const hash_t *)leaves, 8, 1, proof, &plen) == 0 && plen == 3,
	      "consistency 1 -> 8");
	for (i = 0; i < 3 && i < plen; i++)
		CHECK(!strcmp(hexs(proof[i]), incl_0_8[i]), "consistency 1/8 [%zu]", i);
}

/* ---------------------------------------------------------------- against the reference */

enum { NMAX = 1000 };

static void test_roots(const hash_t *leaves)
{
	merkle_tree_t t;
	uint64_t n;
	size_t bad = 0;

	merkle_init(&t);
	for (n = 1; n <= NMAX; n++) {
		hash_t a, b, c;
		merkle_append(&t, leaves[n - 1]);
		merkle_root(&t, a);
		ref_mth(leaves, n, b);
		merkle_root_of(leaves, n, c);
		if (memcmp(a, b, 32) || memcmp(c, b, 32)) {
			if (bad++ < 5)
				CHECK(0, "root of %llu leaves differs from the reference", (unsigned long long)n);
		}
	}
	CHECK(bad == 0, "%zu sizes with a wrong root", bad);
	CHECK(t.size == NMAX, "size %llu", (unsigned long long)t.size);
}

/* Every inclusion proof for sizes 1..70 and a spread of larger sizes. */
static void test_inclusion(const hash_t *leaves)
{
	uint64_t n, m;
	size_t bad = 0, refused_ok = 0, checked = 0;

	for (n = 1; n <= NMAX; n = n < 70 ? n + 1 : n + 97 + (n % 13)) {
		hash_t root;
		ref_mth(leaves, n, root);
		for (m = 0; m < n; m++) {
			hash_t p[MERKLE_MAX_PROOF], r[MERKLE_MAX_PROOF];
			size_t plen = 0, rlen = 0;
			if (n > 70 && m % 7 != 0 && m != n - 1)
				continue;
			ref_path(m, leaves, n, r, &rlen);
			if (merkle_inclusion_proof(leaves, n, m, p, &plen) != 0 || plen != rlen ||
			    memcmp(p, r, plen * 32) != 0) {
				if (bad++ < 5)
					CHECK(0, "inclusion proof %llu/%llu differs", (unsigned long long)m,
					      (unsigned long long)n);
				continue;
			}
			checked++;
			if (merkle_verify_inclusion(m, n, leaves[m], (const hash_t *)p, plen, root) != 0) {
				if (bad++ < 5)
					CHECK(0, "inclusion proof %llu/%llu refused", (unsigned long long)m,
					      (unsigned long long)n);
				continue;
			}
			/* each of these must be refused */
			{
				int all = 1;
				hash_t q[MERKLE_MAX_PROOF + 1];
				memcpy(q, p, plen * 32);
				if (plen) {
					q[plen / 2][3] ^= 1;
					all &= merkle_verify_inclusion(m, n, leaves[m], (const hash_t *)q, plen, root) != 0;
					q[plen / 2][3] ^= 1;
					all &= merkle_verify_inclusion(m, n, leaves[m], (const hash_t *)q, plen - 1, root) != 0;
				}
				memcpy(q[plen], leaves[0], 32);
				all &= merkle_verify_inclusion(m, n, leaves[m], (const hash_t *)q, plen + 1, root) != 0;
				all &= merkle_verify_inclusion(m, n, leaves[(m + 1) % NMAX], (const hash_t *)q, plen, root) != 0;
				if (n > 1)
					all &= merkle_verify_inclusion((m + 1) % n, n, leaves[m], (const hash_t *)q, plen, root) != 0;
				all &= merkle_verify_inclusion(n, n, leaves[m], (const hash_t *)q, plen, root) != 0;
				if (all)
					refused_ok++;
				else if (bad++ < 5)
					CHECK(0, "a bad inclusion proof %llu/%llu was accepted",
					      (unsigned long long)m, (unsigned long long)n);
			}
		}
	}
	CHECK(bad == 0, "%zu inclusion proofs wrong", bad);
	CHECK(checked > 3000 && refused_ok == checked, "checked %zu, refused variants %zu", checked, refused_ok);
}

/* Consistency proofs for every pair m <= n <= 70 and a spread up to 1000. */
static void test_consistency(const hash_t *leaves)
{
	uint64_t n, m;
	size_t bad = 0, checked = 0;

	for (n = 1; n <= NMAX; n = n < 70 ? n + 1 : n + 89 + (n % 11)) {
		hash_t root2;
		ref_mth(leaves, n, root2);
		for (m = 1; m <= n; m++) {
			hash_t p[MERKLE_MAX_PROOF], r[MERKLE_MAX_PROOF], root1;
			size_t plen = 0, rlen = 0;
			if (n > 70 && m % 5 != 0 && m != n && m != 1)
				continue;
			if (m < n)
				ref_subproof(m, leaves, n, 1, r, &rlen);
			if (merkle_consistency_proof(leaves, n, m, p, &plen) != 0 || plen != rlen ||
			    memcmp(p, r, plen * 32) != 0) {
				if (bad++ < 5)
					CHECK(0, "consistency proof %llu->%llu differs (len %zu vs %zu)",
					      (unsigned long long)m, (unsigned long long)n, plen, rlen);
				continue;
			}
			ref_mth(leaves, m, root1);
			checked++;
			if (merkle_verify_consistency(m, n, root1, root2, (const hash_t *)p, plen) != 0) {
				if (bad++ < 5)
					CHECK(0, "consistency proof %llu->%llu refused", (unsigned long long)m,
					      (unsigned long long)n);
				continue;
			}
			if (m < n) {
				int all = 1;
				hash_t wrong;
				memcpy(wrong, root1, 32);
				wrong[0] ^= 0x80;
				all &= merkle_verify_consistency(m, n, wrong, root2, (const hash_t *)p, plen) != 0;
				all &= merkle_verify_consistency(m, n, root1, wrong, (const hash_t *)p, plen) != 0;
				p[plen - 1][31] ^= 1;
				all &= merkle_verify_consistency(m, n, root1, root2, (const hash_t *)p, plen) != 0;
				p[plen - 1][31] ^= 1;
				all &= merkle_verify_consistency(m, n, root1, root2, (const hash_t *)p, plen - 1) != 0;
				all &= merkle_verify_consistency(m, n, root1, root2, (const hash_t *)p, 0) != 0;
				if (!all && bad++ < 5)
					CHECK(0, "a bad consistency proof %llu->%llu was accepted",
					      (unsigned long long)m, (unsigned long long)n);
			}
		}
	}
	CHECK(bad == 0, "%zu consistency proofs wrong", bad);
	CHECK(checked > 2500, "checked %zu consistency proofs", checked);
}

static void test_edges(const hash_t *leaves)
{
	hash_t p[MERKLE_MAX_PROOF], root;
	size_t plen = 99;
	merkle_tree_t t;

	CHECK(merkle_inclusion_proof(leaves, 5, 5, p, &plen) == ARC_EINVAL && plen == 0, "index == size");
	CHECK(merkle_consistency_proof(leaves, 5, 0, p, &plen) == ARC_EINVAL, "m == 0");
	CHECK(merkle_consistency_proof(leaves, 5, 6, p, &plen) == ARC_EINVAL, "m > n");
	ref_mth(leaves, 1, root);
	CHECK(merkle_verify_inclusion(0, 1, leaves[0], NULL, 0, root) == 0, "single leaf, empty proof");
	CHECK(merkle_verify_inclusion(0, 0, leaves[0], NULL, 0, root) != 0, "empty tree");
	CHECK(merkle_verify_consistency(0, 1, root, root, NULL, 0) != 0, "first 0 refused");
	CHECK(merkle_verify_consistency(2, 1, root, root, NULL, 0) != 0, "first > second refused");
	CHECK(merkle_verify_inclusion(0, 2, leaves[0], (const hash_t *)p, MERKLE_MAX_PROOF + 1, root) != 0,
	      "overlong proof refused");
	CHECK(merkle_unhex("AB", 2, root) != 0, "short hex refused");
	{
		char hx[65];
		hash_t back;
		merkle_hex(leaves[3], hx);
		CHECK(merkle_unhex(hx, 64, back) == 0 && !memcmp(back, leaves[3], 32), "hex round trip");
		hx[5] = 'A';
		CHECK(merkle_unhex(hx, 64, back) != 0, "upper-case hex refused");
	}
	/* a copy of the tree continues independently (plain data) */
	merkle_init(&t);
	merkle_append(&t, leaves[0]);
	merkle_append(&t, leaves[1]);
	{
		merkle_tree_t u = t;
		hash_t a, b;
		merkle_append(&u, leaves[2]);
		merkle_root(&t, a);
		ref_mth(leaves, 2, b);
		CHECK(!memcmp(a, b, 32), "copy left the original alone");
	}
}

int main(void)
{
	hash_t *leaves = calloc(NMAX + 1, sizeof *leaves);
	size_t i;

	for (i = 0; i <= NMAX; i++) {
		char d[32];
		int n = snprintf(d, sizeof d, "WARC/1.1\r\nrecord %zu\r\n\r\n", i);
		merkle_leaf_hash(d, (size_t)n, leaves[i]);
	}
	test_vectors();
	test_roots((const hash_t *)leaves);
	test_inclusion((const hash_t *)leaves);
	test_consistency((const hash_t *)leaves);
	test_edges((const hash_t *)leaves);
	free(leaves);
	TU_END();
}
