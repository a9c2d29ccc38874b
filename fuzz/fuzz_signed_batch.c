/* fuzz_signed_batch: a ledger with the signature policy on (issue 8). The
 * first input byte picks who signs, the rest is a batch (spec section 9
 * JSON) posted to a small populated ledger:
 *   0 unsigned            1 muni-1 (muni's key)    2 agency-1 (agency's key)
 *   3 muni-0 (revoked)    4 rogue-1 (unregistered) 5 muni-1 id, rogue secret
 * Invariants: a refused batch changes neither the state hash nor the
 * position; choices 0, 3, 4 and 5 are never accepted; an accepted batch
 * creates only accounts of the signer's institution, and posting the same
 * signed batch again is a no-op (state hash and position unchanged; it is
 * refused with key_revoked when the batch revoked its own signer). */
#include <civic/civic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fuzz_support.h"

typedef struct fixed_key {
  char pk[2 * CIVIC_PUBLIC_KEY_BYTES + 1];
  char sk[2 * CIVIC_SECRET_KEY_BYTES + 1];
} fixed_key;

/* Deterministic keys (seed = 32 copies of one byte), so that every run of
 * the corpus computes the same signatures and state hashes. */
static void fixed(fixed_key *k, uint8_t seed_byte) {
  uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
      sk[crypto_sign_SECRETKEYBYTES];
  memset(seed, seed_byte, sizeof seed);
  FZ_CHECK(sodium_init() >= 0, "sodium_init failed");
  crypto_sign_seed_keypair(pk, sk, seed);
  civic_hex_encode(k->pk, pk, sizeof pk);
  civic_hex_encode(k->sk, sk, sizeof sk);
}

typedef struct keys {
  fixed_key muni0, muni1, agency1, rogue1;
} keys;

static void post_ok(civic_ledger *l, const char *json, const char *key_id,
                    const char *sk) {
  civic_status st = civic_ledger_post_json_signed(l, json, key_id, sk, NULL);
  FZ_CHECK(st == CIVIC_OK, "signed: fixture batch refused: %s",
           civic_ledger_errmsg(l));
}

static civic_ledger *fixture(const keys *k) {
  civic_ledger *l = NULL;
  char json[2048];
  FZ_CHECK(civic_ledger_new_memory(&l) == CIVIC_OK, "ledger_new failed");
  snprintf(json, sizeof json,
           "{\"assets\":[{\"code\":\"EUR\",\"scale\":2}],\"events\":["
           "{\"id\":\"policy\",\"type\":\"civic.policy.require_signatures\","
           "\"actor\":\"muni\",\"data\":{\"ledger\":\"fuzz\"}},"
           "{\"id\":\"reg-m0\",\"type\":\"civic.key.register\",\"actor\":"
           "\"muni\",\"data\":{\"key\":\"muni-0\",\"public_key\":\"%s\","
           "\"institution\":\"muni\"}},"
           "{\"id\":\"reg-m1\",\"type\":\"civic.key.register\",\"actor\":"
           "\"muni\",\"data\":{\"key\":\"muni-1\",\"public_key\":\"%s\","
           "\"institution\":\"muni\"}},"
           "{\"id\":\"reg-a1\",\"type\":\"civic.key.register\",\"actor\":"
           "\"agency\",\"data\":{\"key\":\"agency-1\",\"public_key\":\"%s\","
           "\"institution\":\"agency\"}}]}",
           k->muni0.pk, k->muni1.pk, k->agency1.pk);
  post_ok(l, json, "muni-0", k->muni0.sk);
  post_ok(l,
          "{\"accounts\":[{\"id\":\"muni:escrow\",\"asset\":\"EUR\","
          "\"min_balance\":0},{\"id\":\"muni:fund\",\"asset\":\"EUR\","
          "\"min_balance\":null}],\"events\":[{\"id\":\"rv-m0\",\"type\":"
          "\"civic.key.revoke\",\"actor\":\"muni\",\"data\":{\"key\":"
          "\"muni-0\"}}]}",
          "muni-1", k->muni1.sk);
  post_ok(l,
          "{\"accounts\":[{\"id\":\"agency:pay\",\"asset\":\"EUR\","
          "\"min_balance\":null}],\"transfers\":[{\"id\":\"agency:t1\","
          "\"from\":\"agency:pay\",\"to\":\"muni:escrow\",\"amount\":1000,"
          "\"asset\":\"EUR\"}]}",
          "agency-1", k->agency1.sk);
  post_ok(l,
          "{\"transfers\":[{\"id\":\"muni:p1\",\"from\":\"muni:escrow\","
          "\"to\":\"agency:pay\",\"amount\":100,\"asset\":\"EUR\","
          "\"pending\":true}]}",
          "muni-1", k->muni1.sk);
  return l;
}

static civic_status post_as(civic_ledger *l, const keys *k, unsigned choice,
                            const char *text) {
  switch (choice) {
  case 1:
    return civic_ledger_post_json_signed(l, text, "muni-1", k->muni1.sk, NULL);
  case 2:
    return civic_ledger_post_json_signed(l, text, "agency-1", k->agency1.sk,
                                         NULL);
  case 3:
    return civic_ledger_post_json_signed(l, text, "muni-0", k->muni0.sk, NULL);
  case 4:
    return civic_ledger_post_json_signed(l, text, "rogue-1", k->rogue1.sk,
                                         NULL);
  case 5:
    return civic_ledger_post_json_signed(l, text, "muni-1", k->rogue1.sk, NULL);
  default:
    return civic_ledger_post_json(l, text, NULL);
  }
}

/* Every account an accepted batch lists belongs to the signer. */
static void check_owned(const char *text, const char *prefix) {
  json_t *root = json_loads(text, 0, NULL);
  const json_t *list = json_object_get(root, "accounts");
  size_t i;
  for (i = 0; i < json_array_size(list); i++) {
    const json_t *id = json_object_get(json_array_get(list, i), "id");
    FZ_CHECK(json_is_string(id) &&
                 strncmp(json_string_value(id), prefix, strlen(prefix)) == 0,
             "signed: accepted an account not owned by the signer ('%s')",
             prefix);
  }
  json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  keys k;
  civic_ledger *l;
  char h0[65], h1[65], h2[65], *text;
  uint64_t p0 = 0, p1 = 0, p2 = 0;
  unsigned choice;
  civic_status st;
  if (size < 1 || size > 65536)
    return 0;
  choice = data[0] % 6u;
  text = malloc(size);
  FZ_CHECK(text != NULL, "out of memory");
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  fixed(&k.muni0, 1);
  fixed(&k.muni1, 2);
  fixed(&k.agency1, 3);
  fixed(&k.rogue1, 4);
  l = fixture(&k);
  FZ_CHECK(civic_ledger_state_hash_hex(l, h0) == CIVIC_OK &&
               civic_ledger_position(l, &p0) == CIVIC_OK,
           "hash failed");
  st = post_as(l, &k, choice, text);
  FZ_CHECK(civic_ledger_state_hash_hex(l, h1) == CIVIC_OK &&
               civic_ledger_position(l, &p1) == CIVIC_OK,
           "hash failed");
  if (st != CIVIC_OK) {
    FZ_CHECK(strcmp(h0, h1) == 0 && p0 == p1,
             "signed: refused batch (%s) changed the state",
             civic_status_name(st));
    FZ_CHECK(civic_ledger_errmsg(l)[0] != '\0',
             "signed: refusal (%s) without a message", civic_status_name(st));
  } else {
    FZ_CHECK(choice == 1 || choice == 2,
             "signed: batch accepted with signer choice %u", choice);
    check_owned(text, choice == 1 ? "muni:" : "agency:");
    /* the same signed bytes again: a no-op (or refused, if the batch
     * revoked its own signing key) */
    st = post_as(l, &k, choice, text);
    FZ_CHECK(st == CIVIC_OK || st == CIVIC_E_KEY_REVOKED,
             "signed: replay of an accepted batch failed: %s",
             civic_ledger_errmsg(l));
    FZ_CHECK(civic_ledger_state_hash_hex(l, h2) == CIVIC_OK &&
                 civic_ledger_position(l, &p2) == CIVIC_OK,
             "hash failed");
    FZ_CHECK(strcmp(h1, h2) == 0 && p1 == p2,
             "signed: replaying an accepted batch changed the state");
  }
  civic_ledger_free(l);
  free(text);
  return 0;
}
