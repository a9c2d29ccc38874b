/* Internal: the few cryptographic helpers the ledger and journal need, on top
 * of libsodium (BLAKE2b-256 for hashes, Ed25519 for signatures, SipHash for
 * hash tables).
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

/* Ed25519 over a 32-byte digest. */
void civic_sign_digest(uint8_t sig[CIVIC_SIGNATURE_BYTES],
                       const uint8_t digest[CIVIC_HASH_BYTES],
                       const uint8_t sk[CIVIC_SECRET_KEY_BYTES]);
bool civic_verify_digest(const uint8_t sig[CIVIC_SIGNATURE_BYTES],
                         const uint8_t digest[CIVIC_HASH_BYTES],
                         const uint8_t pk[CIVIC_PUBLIC_KEY_BYTES]);

/* Keyed 64-bit hash for in-memory hash tables (SipHash-2-4). The key is
 * random per ledger so crafted ids cannot force collisions; it never
 * influences any output, only where entries sit in memory. */
uint64_t civic_table_hash(const uint8_t key[16], const char *s, size_t len);

#endif
