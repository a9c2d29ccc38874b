/* Cryptographic helpers over libsodium; see crypto.h. */
#include "crypto.h"

#include <sodium.h>
#include <string.h>

void civic_hash(uint8_t out[CIVIC_HASH_BYTES], const void *data, size_t len) {
  crypto_generichash(out, CIVIC_HASH_BYTES, data, len, NULL, 0);
}

void civic_hex_encode(char *hex, const uint8_t *bytes, size_t n) {
  static const char DIGITS[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    hex[2 * i] = DIGITS[bytes[i] >> 4];
    hex[2 * i + 1] = DIGITS[bytes[i] & 15];
  }
  hex[2 * n] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool civic_hex_decode(uint8_t *bytes, size_t n, const char *hex) {
  size_t i;
  if (hex == NULL || strlen(hex) != 2 * n)
    return false;
  for (i = 0; i < n; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    bytes[i] = (uint8_t)(hi * 16 + lo);
  }
  return true;
}

void civic_batch_sig_digest(uint8_t out[CIVIC_HASH_BYTES], const uint8_t *body,
                            size_t len) {
  static const char TAG[] = "civic-batch-sig-v1";
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, CIVIC_HASH_BYTES);
  crypto_generichash_update(&st, (const unsigned char *)TAG, sizeof TAG - 1);
  crypto_generichash_update(&st, body, len);
  crypto_generichash_final(&st, out, CIVIC_HASH_BYTES);
}

void civic_batch_sig_digest_v2(uint8_t out[CIVIC_HASH_BYTES],
                               const char *ledger_id, size_t ledger_id_len,
                               const uint8_t *body, size_t len) {
  static const char TAG[] = "civic-batch-sig-v2";
  uint8_t n[4] = {(uint8_t)ledger_id_len, (uint8_t)(ledger_id_len >> 8),
                  (uint8_t)(ledger_id_len >> 16),
                  (uint8_t)(ledger_id_len >> 24)};
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, CIVIC_HASH_BYTES);
  crypto_generichash_update(&st, (const unsigned char *)TAG, sizeof TAG - 1);
  crypto_generichash_update(&st, n, sizeof n);
  crypto_generichash_update(&st, (const unsigned char *)ledger_id,
                            ledger_id_len);
  crypto_generichash_update(&st, body, len);
  crypto_generichash_final(&st, out, CIVIC_HASH_BYTES);
}

void civic_sign_digest(uint8_t sig[CIVIC_SIGNATURE_BYTES],
                       const uint8_t digest[CIVIC_HASH_BYTES],
                       const uint8_t sk[CIVIC_SECRET_KEY_BYTES]) {
  crypto_sign_detached(sig, NULL, digest, CIVIC_HASH_BYTES, sk);
}

bool civic_verify_digest(const uint8_t sig[CIVIC_SIGNATURE_BYTES],
                         const uint8_t digest[CIVIC_HASH_BYTES],
                         const uint8_t pk[CIVIC_PUBLIC_KEY_BYTES]) {
  return crypto_sign_verify_detached(sig, digest, CIVIC_HASH_BYTES, pk) == 0;
}
