/* Internal: the few cryptographic helpers the ledger and journal need, on top
 * of libsodium (BLAKE2b-256 for hashes, Ed25519 for signatures), and the
 * keyed SipHash-1-3 used by the in-memory hash tables.
 */
#ifndef CIVIC_CRYPTO_H
#define CIVIC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIVIC_HASH_BYTES 32u       /* BLAKE2b-256 */
#define CIVIC_PUBLIC_KEY_BYTES 32u /* Ed25519 */
#define CIVIC_SECRET_KEY_BYTES 64u /* Ed25519 (seed + public key) */
#define CIVIC_SIGNATURE_BYTES 64u  /* Ed25519 */

/* out = BLAKE2b-256(data). */
void civic_hash(uint8_t out[CIVIC_HASH_BYTES], const void *data, size_t len);

/* Lowercase hex of n bytes into hex (2n + 1 bytes, NUL-terminated). */
void civic_hex_encode(char *hex, const uint8_t *bytes, size_t n);

/* Decode exactly n bytes from a 2n-character hex string; false if the text
 * has another length or a non-hex character. */
bool civic_hex_decode(uint8_t *bytes, size_t n, const char *hex);

/* The message an institution signs for a batch body: BLAKE2b-256 over the
 * domain tag "civic-batch-sig-v1" followed by the canonical body. */
void civic_batch_sig_digest(uint8_t out[CIVIC_HASH_BYTES], const uint8_t *body,
                            size_t len);

/* The message signed for a batch once the ledger's signature policy is on:
 * BLAKE2b-256 over "civic-batch-sig-v2", a u32 little-endian length, the
 * ledger id of the policy, then the canonical body. Binding the ledger id
 * stops a batch signed for one ledger from being accepted by another. */
void civic_batch_sig_digest_v2(uint8_t out[CIVIC_HASH_BYTES],
                               const char *ledger_id, size_t ledger_id_len,
                               const uint8_t *body, size_t len);

/* Ed25519 over a 32-byte digest. */
void civic_sign_digest(uint8_t sig[CIVIC_SIGNATURE_BYTES],
                       const uint8_t digest[CIVIC_HASH_BYTES],
                       const uint8_t sk[CIVIC_SECRET_KEY_BYTES]);
bool civic_verify_digest(const uint8_t sig[CIVIC_SIGNATURE_BYTES],
                         const uint8_t digest[CIVIC_HASH_BYTES],
                         const uint8_t pk[CIVIC_PUBLIC_KEY_BYTES]);

/* Keyed 64-bit hash for in-memory hash tables: SipHash-1-3 (one compression
 * round per 8-byte word, three finalisation rounds), the variant Rust's
 * standard HashMap and CPython use. Why keyed at all: ids come from the
 * batches institutions submit and from journal files anyone can craft, so an
 * unkeyed hash would let an adversary pick ids that all land in one probe
 * chain (HashDoS: every lookup linear). The key is 128 random bits per ledger
 * handle and never leaves it; table placement influences no output, only
 * speed, so the hash need not be stable across runs. Why 1-3 rather than the
 * 2-4 of libsodium's crypto_shorthash: it is still a keyed PRF for this use
 * (the attacker never sees a hash value, only timing), and inlined it costs
 * about a third as much on the 8-20 byte ids that dominate. */
typedef struct civic_table_key {
  uint64_t k0, k1;
} civic_table_key;

#define CIVIC_ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define CIVIC_SIPROUND                                                         \
  do {                                                                         \
    v0 += v1;                                                                  \
    v1 = CIVIC_ROTL64(v1, 13);                                                 \
    v1 ^= v0;                                                                  \
    v0 = CIVIC_ROTL64(v0, 32);                                                 \
    v2 += v3;                                                                  \
    v3 = CIVIC_ROTL64(v3, 16);                                                 \
    v3 ^= v2;                                                                  \
    v0 += v3;                                                                  \
    v3 = CIVIC_ROTL64(v3, 21);                                                 \
    v3 ^= v0;                                                                  \
    v2 += v1;                                                                  \
    v1 = CIVIC_ROTL64(v1, 17);                                                 \
    v1 ^= v2;                                                                  \
    v2 = CIVIC_ROTL64(v2, 32);                                                 \
  } while (0)

/* Little-endian 64-bit load (the byte order only changes where entries sit,
 * but reading it the same way everywhere keeps the function standard). */
static inline uint64_t civic_load_le64(const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
         (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t civic_table_hash(const civic_table_key *key,
                                        const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  uint64_t v0 = key->k0 ^ 0x736f6d6570736575ULL;
  uint64_t v1 = key->k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key->k0 ^ 0x6c7967656e657261ULL;
  uint64_t v3 = key->k1 ^ 0x7465646279746573ULL;
  uint64_t m, b = (uint64_t)len << 56;
  size_t i, left = len & 7;
  const unsigned char *end = p + (len - left);
  for (; p != end; p += 8) {
    m = civic_load_le64(p);
    v3 ^= m;
    CIVIC_SIPROUND;
    v0 ^= m;
  }
  for (i = 0; i < left; i++)
    b |= (uint64_t)p[i] << (8 * i);
  v3 ^= b;
  CIVIC_SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  CIVIC_SIPROUND;
  CIVIC_SIPROUND;
  CIVIC_SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

#endif
