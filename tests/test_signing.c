/* Signed submissions under the ledger's signature policy (issue 8 item 1):
 * keys belong to institutions, "civic.policy.require_signatures" makes every
 * batch need a registered, unrevoked key of the institution owning what it
 * debits, creates, registers or revokes. Every refusal must leave the state
 * hash and the journal position unchanged. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "ledger_internal.h"
#include "testutil.h"

typedef struct keypair {
  char *pk, *sk;
} keypair;

static keypair k_muni, k_muni2, k_agency, k_rogue, k_legacy;

static void new_key(keypair *k) {
  ck_assert_int_eq(civic_keypair_new_hex(&k->pk, &k->sk), CIVIC_OK);
}

static void keys_setup(void) {
  new_key(&k_muni);
  new_key(&k_muni2);
  new_key(&k_agency);
  new_key(&k_rogue);
  new_key(&k_legacy);
}

static void keys_teardown(void) {
  keypair *all[] = {&k_muni, &k_muni2, &k_agency, &k_rogue, &k_legacy};
  size_t i;
  for (i = 0; i < sizeof all / sizeof all[0]; i++) {
    civic_free(all[i]->pk);
    civic_free(all[i]->sk);
  }
}

static char *tmp_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/test_signing_%d_%s.jnl", CIVIC_BINARY_DIR,
           (int)getpid(), name);
  unlink(path);
  return path;
}

/* A key registration event (institution NULL: a legacy key). */
static char *register_event(const char *event_id, const char *key_id,
                            const char *pk, const char *institution) {
  static char buf[4][512];
  static int next;
  char *out = buf[next++ % 4];
  if (institution)
    snprintf(out, 512,
             "{\"id\":\"%s\",\"type\":\"civic.key.register\",\"actor\":\"x\","
             "\"data\":{\"key\":\"%s\",\"public_key\":\"%s\","
             "\"institution\":\"%s\"}}",
             event_id, key_id, pk, institution);
  else
    snprintf(out, 512,
             "{\"id\":\"%s\",\"type\":\"civic.key.register\",\"actor\":\"x\","
             "\"data\":{\"key\":\"%s\",\"public_key\":\"%s\"}}",
             event_id, key_id, pk);
  return out;
}

static void state_of(const civic_ledger *l, char hash[65], uint64_t *pos) {
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hash), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_position(l, pos), CIVIC_OK);
}

/* Post `json` signed as key_id/sk (NULL: unsigned) and expect `want`; a
 * refusal must change neither the state hash nor the position, and its
 * message must contain `needle` (if given). */
static void post_expect(civic_ledger *l, const char *json, const char *key_id,
                        const char *sk, civic_status want, const char *needle) {
  char before[65], after[65];
  uint64_t pos_before, pos_after;
  civic_status st;
  state_of(l, before, &pos_before);
  st = key_id ? civic_ledger_post_json_signed(l, json, key_id, sk, NULL)
              : civic_ledger_post_json(l, json, NULL);
  ck_assert_msg(st == want, "want %s, got %s: %s", civic_status_name(want),
                civic_status_name(st), civic_ledger_errmsg(l));
  if (needle)
    ck_assert_msg(strstr(civic_ledger_errmsg(l), needle) != NULL,
                  "message '%s' lacks '%s'", civic_ledger_errmsg(l), needle);
  if (want != CIVIC_OK) {
    state_of(l, after, &pos_after);
    ck_assert_str_eq(before, after);
    ck_assert_uint_eq(pos_before, pos_after);
  }
}

/* The bootstrap batch: policy on for ledger `ledger_id`, keys of muni and
 * agency plus one legacy key; signed by muni-1, registered right here. */
static void bootstrap(civic_ledger *l, const char *ledger_id) {
  char json[4096];
  snprintf(json, sizeof json,
           "{\"assets\":[{\"code\":\"EUR\",\"scale\":2}],\"events\":["
           "{\"id\":\"policy\",\"type\":\"civic.policy.require_signatures\","
           "\"actor\":\"muni\",\"data\":{\"ledger\":\"%s\"}},%s,%s,%s]}",
           ledger_id, register_event("reg-muni-1", "muni-1", k_muni.pk, "muni"),
           register_event("reg-agency-1", "agency-1", k_agency.pk, "agency"),
           register_event("reg-legacy", "legacy-1", k_legacy.pk, NULL));
  post_expect(l, json, "muni-1", k_muni.sk, CIVIC_OK, NULL);
}

/* Bootstrap plus accounts and one payment agency -> muni. */
static civic_ledger *populated(const char *ledger_id) {
  civic_ledger *l = NULL;
  ck_assert_int_eq(civic_ledger_new_memory(&l), CIVIC_OK);
  bootstrap(l, ledger_id);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"agency:pay\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "agency-1", k_agency.sk, CIVIC_OK, NULL);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:escrow\",\"asset\":\"EUR\","
              "\"min_balance\":0},{\"id\":\"muni:fund\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "muni-1", k_muni.sk, CIVIC_OK, NULL);
  post_expect(l,
              "{\"transfers\":[{\"id\":\"agency:t1\",\"from\":\"agency:pay\","
              "\"to\":\"muni:escrow\",\"amount\":1000,\"asset\":\"EUR\"}]}",
              "agency-1", k_agency.sk, CIVIC_OK, NULL);
  return l;
}

static const char *PAY_FROM_ESCROW =
    "{\"transfers\":[{\"id\":\"muni:t2\",\"from\":\"muni:escrow\","
    "\"to\":\"agency:pay\",\"amount\":10,\"asset\":\"EUR\"}]}";

START_TEST(policy_requires_signature) {
  civic_ledger *l = populated("utrecht");
  int64_t bal = 0;
  post_expect(l, PAY_FROM_ESCROW, NULL, NULL, CIVIC_E_SIGNATURE_REQUIRED,
              "ledger 'utrecht' requires signed batches");
  post_expect(l, PAY_FROM_ESCROW, "muni-1", k_muni.sk, CIVIC_OK, NULL);
  ck_assert_int_eq(civic_ledger_balance(l, "muni:escrow", &bal), CIVIC_OK);
  ck_assert_int_eq(bal, 990);
  /* even a pure retry must be signed once the policy is on */
  post_expect(l, PAY_FROM_ESCROW, NULL, NULL, CIVIC_E_SIGNATURE_REQUIRED, NULL);
  /* the policy cannot be declared again (nor changed) */
  post_expect(l,
              "{\"events\":[{\"id\":\"policy2\",\"type\":"
              "\"civic.policy.require_signatures\",\"actor\":\"muni\","
              "\"data\":{\"ledger\":\"other\"}}]}",
              "muni-1", k_muni.sk, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
              "already on");
  post_expect(l,
              "{\"events\":[{\"id\":\"policy3\",\"type\":"
              "\"civic.policy.off\",\"actor\":\"muni\",\"data\":{}}]}",
              "muni-1", k_muni.sk, CIVIC_E_OUT_OF_RANGE, "unknown policy");
  civic_ledger_free(l);
}
END_TEST

START_TEST(forged_batches_refused) {
  civic_ledger *l = populated("utrecht");
  civic_batch *b = NULL;
  char *digest = NULL, *sig = NULL, reg[1024];
  /* a key nobody registered */
  post_expect(l, PAY_FROM_ESCROW, "rogue-1", k_rogue.sk, CIVIC_E_UNKNOWN_KEY,
              "key 'rogue-1' is not registered");
  /* muni's key id, someone else's secret */
  post_expect(l, PAY_FROM_ESCROW, "muni-1", k_rogue.sk,
              CIVIC_E_SIGNATURE_INVALID, "does not verify with key 'muni-1'");
  /* a key registering itself for muni outside the bootstrap batch */
  snprintf(reg, sizeof reg, "{\"events\":[%s]}",
           register_event("reg-evil", "muni-evil", k_rogue.pk, "muni"));
  post_expect(l, reg, "muni-evil", k_rogue.sk, CIVIC_E_UNKNOWN_KEY,
              "registered by this very batch");
  /* tampered body: muni signs 10, the batch says 900 */
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_transfer(b, "muni:t9", "muni:escrow",
                                            "agency:pay", 10, "EUR", 0, ""),
                   CIVIC_OK);
  ck_assert_int_eq(civic_batch_signing_digest_hex(b, "utrecht", &digest),
                   CIVIC_OK);
  ck_assert_int_eq(civic_sign_digest_hex(digest, k_muni.sk, &sig), CIVIC_OK);
  civic_batch_clear(b);
  ck_assert_int_eq(civic_batch_add_transfer(b, "muni:t9", "muni:escrow",
                                            "agency:pay", 900, "EUR", 0, ""),
                   CIVIC_OK);
  ck_assert_int_eq(civic_batch_set_signature(b, "muni-1", sig), CIVIC_OK);
  {
    char before[65], after[65];
    uint64_t p0, p1, pos = 0;
    state_of(l, before, &p0);
    ck_assert_int_eq(civic_ledger_post(l, b, &pos), CIVIC_E_SIGNATURE_INVALID);
    state_of(l, after, &p1);
    ck_assert_str_eq(before, after);
    ck_assert_uint_eq(p0, p1);
  }
  civic_batch_free(b);
  civic_free(digest);
  civic_free(sig);
  civic_ledger_free(l);
}
END_TEST

START_TEST(replayed_batches_change_nothing) {
  civic_ledger *l = populated("utrecht"), *other = populated("amsterdam");
  civic_batch *b = NULL;
  char *digest = NULL, *sig = NULL, h1[65], h2[65];
  uint64_t pos = 0, p1, p2;
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_transfer(b, "muni:t5", "muni:escrow",
                                            "agency:pay", 25, "EUR", 7, "r"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_batch_signing_digest_hex(b, "utrecht", &digest),
                   CIVIC_OK);
  ck_assert_int_eq(civic_sign_digest_hex(digest, k_muni.sk, &sig), CIVIC_OK);
  ck_assert_int_eq(civic_batch_set_signature(b, "muni-1", sig), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, &pos), CIVIC_OK);
  state_of(l, h1, &p1);
  ck_assert_uint_eq(p1, pos);
  /* the same signed bytes again: accepted as a retry, nothing changes */
  ck_assert_int_eq(civic_ledger_post(l, b, &pos), CIVIC_OK);
  state_of(l, h2, &p2);
  ck_assert_str_eq(h1, h2);
  ck_assert_uint_eq(p1, p2);
  /* into another ledger with the same keys: the ledger id is signed */
  state_of(other, h1, &p1);
  ck_assert_int_eq(civic_ledger_post(other, b, &pos),
                   CIVIC_E_SIGNATURE_INVALID);
  state_of(other, h2, &p2);
  ck_assert_str_eq(h1, h2);
  ck_assert_uint_eq(p1, p2);
  civic_batch_free(b);
  civic_free(digest);
  civic_free(sig);
  civic_ledger_free(l);
  civic_ledger_free(other);
}
END_TEST

START_TEST(wrong_institution_refused) {
  civic_ledger *l = populated("utrecht");
  char json[1024];
  /* agency debits muni's escrow */
  post_expect(l, PAY_FROM_ESCROW, "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER,
              "transfers[0]: debited account 'muni:escrow' is not owned by "
              "institution 'agency'");
  /* agency creates an account in muni's namespace */
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:fake\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER,
              "account 'muni:fake'");
  /* ... or one without any institution prefix */
  post_expect(l,
              "{\"accounts\":[{\"id\":\"loose\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER, "account 'loose'");
  /* agency registers a key for muni, revokes muni's key */
  snprintf(json, sizeof json, "{\"events\":[%s]}",
           register_event("reg-x", "muni-x", k_rogue.pk, "muni"));
  post_expect(l, json, "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER,
              "civic.key.register");
  post_expect(l,
              "{\"events\":[{\"id\":\"rv\",\"type\":\"civic.key.revoke\","
              "\"actor\":\"agency\",\"data\":{\"key\":\"muni-1\"}}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER, "civic.key.revoke");
  /* post/void of muni's pending transfer: the debit is the pending's from */
  post_expect(l,
              "{\"transfers\":[{\"id\":\"muni:p1\",\"from\":\"muni:escrow\","
              "\"to\":\"agency:pay\",\"amount\":100,\"asset\":\"EUR\","
              "\"pending\":true}]}",
              "muni-1", k_muni.sk, CIVIC_OK, NULL);
  post_expect(l,
              "{\"transfers\":[{\"id\":\"agency:v1\",\"void_pending\":"
              "\"muni:p1\"}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER,
              "debited account 'muni:escrow'");
  post_expect(l,
              "{\"transfers\":[{\"id\":\"agency:v2\",\"post_pending\":"
              "\"muni:p1\"}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER, NULL);
  post_expect(l,
              "{\"transfers\":[{\"id\":\"muni:v1\",\"post_pending\":"
              "\"muni:p1\",\"amount\":60}]}",
              "muni-1", k_muni.sk, CIVIC_OK, NULL);
  /* a legacy key (no institution) owns nothing under the policy */
  post_expect(l,
              "{\"events\":[{\"id\":\"note\",\"type\":\"note\",\"actor\":"
              "\"x\",\"data\":{}}]}",
              "legacy-1", k_legacy.sk, CIVIC_E_NOT_OWNER, "legacy key");
  /* crediting someone else's account is a payment: allowed */
  post_expect(l,
              "{\"transfers\":[{\"id\":\"agency:t3\",\"from\":\"agency:pay\","
              "\"to\":\"muni:escrow\",\"amount\":5,\"asset\":\"EUR\"}]}",
              "agency-1", k_agency.sk, CIVIC_OK, NULL);
  civic_ledger_free(l);
}
END_TEST

START_TEST(rotation_and_revoked_key) {
  civic_ledger *l = populated("utrecht");
  char json[2048];
  /* rotation: muni-1 registers muni-2 and revokes itself in one batch */
  snprintf(json, sizeof json,
           "{\"events\":[%s,{\"id\":\"rv-muni-1\",\"type\":"
           "\"civic.key.revoke\",\"actor\":\"muni\",\"data\":{\"key\":"
           "\"muni-1\"}}]}",
           register_event("reg-muni-2", "muni-2", k_muni2.pk, "muni"));
  post_expect(l, json, "muni-1", k_muni.sk, CIVIC_OK, NULL);
  post_expect(l, PAY_FROM_ESCROW, "muni-1", k_muni.sk, CIVIC_E_KEY_REVOKED,
              "key 'muni-1' was revoked");
  post_expect(l, PAY_FROM_ESCROW, "muni-2", k_muni2.sk, CIVIC_OK, NULL);
  /* re-registering a key under another institution is refused */
  snprintf(json, sizeof json, "{\"events\":[%s]}",
           register_event("reg-muni-2b", "muni-2", k_muni2.pk, "agency"));
  post_expect(l, json, "agency-1", k_agency.sk, CIVIC_E_KEY_EXISTS, NULL);
  /* an institution id with ':' is not an institution */
  snprintf(json, sizeof json, "{\"events\":[%s]}",
           register_event("reg-muni-3", "muni-3", k_rogue.pk, "muni:sub"));
  post_expect(l, json, "muni-2", k_muni2.sk, CIVIC_E_INVALID_KEY,
              "data.institution");
  civic_ledger_free(l);
}
END_TEST

START_TEST(bootstrap_rules) {
  civic_ledger *l = NULL;
  char json[4096];
  ck_assert_int_eq(civic_ledger_new_memory(&l), CIVIC_OK);
  /* an unsigned policy batch is refused (it is under the policy itself) */
  post_expect(l,
              "{\"events\":[{\"id\":\"policy\",\"type\":"
              "\"civic.policy.require_signatures\",\"actor\":\"m\",\"data\":"
              "{\"ledger\":\"u\"}}]}",
              NULL, NULL, CIVIC_E_SIGNATURE_REQUIRED, NULL);
  /* missing ledger id */
  snprintf(json, sizeof json,
           "{\"events\":[{\"id\":\"policy\",\"type\":"
           "\"civic.policy.require_signatures\",\"actor\":\"m\",\"data\":{}},"
           "%s]}",
           register_event("reg-muni-1", "muni-1", k_muni.pk, "muni"));
  post_expect(l, json, "muni-1", k_muni.sk, CIVIC_E_MISSING_FIELD,
              "data.ledger");
  /* the bootstrap signer still follows the ownership rule for accounts */
  snprintf(json, sizeof json,
           "{\"assets\":[{\"code\":\"EUR\",\"scale\":2}],\"accounts\":[{"
           "\"id\":\"agency:x\",\"asset\":\"EUR\",\"min_balance\":0}],"
           "\"events\":[{\"id\":\"policy\",\"type\":"
           "\"civic.policy.require_signatures\",\"actor\":\"m\",\"data\":"
           "{\"ledger\":\"u\"}},%s]}",
           register_event("reg-muni-1", "muni-1", k_muni.pk, "muni"));
  post_expect(l, json, "muni-1", k_muni.sk, CIVIC_E_NOT_OWNER,
              "account 'agency:x'");
  /* and the policy did not stick after those refusals */
  post_expect(l, "{\"assets\":[{\"code\":\"EUR\",\"scale\":2}]}", NULL, NULL,
              CIVIC_OK, NULL);
  civic_ledger_free(l);
}
END_TEST

START_TEST(policy_survives_reopen) {
  const char *path = tmp_path("reopen");
  civic_ledger *l = NULL;
  char *report = NULL, h1[65], h2[65];
  uint64_t p1, p2;
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  bootstrap(l, "utrecht");
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:escrow\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "muni-1", k_muni.sk, CIVIC_OK, NULL);
  state_of(l, h1, &p1);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  state_of(l, h2, &p2);
  ck_assert_str_eq(h1, h2);
  ck_assert_uint_eq(p1, p2);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:b\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              NULL, NULL, CIVIC_E_SIGNATURE_REQUIRED, NULL);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:b\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "agency-1", k_agency.sk, CIVIC_E_NOT_OWNER, NULL);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"muni:b\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "muni-1", k_muni.sk, CIVIC_OK, NULL);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(report, "\"records\":3"));
  civic_free(report);
  unlink(path);
}
END_TEST

/* Body of a batch with one plain event (applies to any ledger). */
static size_t note_body(uint8_t *p) {
  const char *strs[] = {"note-1", "note", "x"};
  uint8_t *s = p;
  size_t i;
  memset(p, 0, 16);
  p[12] = 1; /* one event */
  p += 16;
  for (i = 0; i < 3; i++) {
    uint32_t n = (uint32_t)strlen(strs[i]);
    p[0] = (uint8_t)n, p[1] = p[2] = p[3] = 0;
    memcpy(p + 4, strs[i], n);
    p += 4 + n;
  }
  memset(p, 0, 8); /* time */
  p += 8;
  p[0] = 2, p[1] = p[2] = p[3] = 0;
  memcpy(p + 4, "{}", 2);
  p += 6;
  return (size_t)(p - s);
}

/* Append a record (valid checksum and link) to a journal file. */
static void inject(const char *path, uint64_t position, const uint8_t prev[32],
                   const char *signer, const uint8_t *sig) {
  uint8_t body[256], hash[32], *rec;
  size_t body_len = note_body(body);
  size_t signer_len = signer ? strlen(signer) : 0;
  size_t total = civic_record_size(body_len, signer_len, sig != NULL);
  FILE *f;
  rec = calloc(1, total);
  ck_assert_ptr_nonnull(rec);
  memcpy(rec + CIVIC_RECORD_PREFIX_BYTES, body, body_len);
  civic_record_finish(rec, position, prev, body_len, signer, signer_len, sig,
                      hash);
  f = fopen(path, "ab");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(rec, 1, total, f), total);
  fclose(f);
  free(rec);
}

/* The hash of the last record: the 32 bytes before its signature. */
static void last_hash(const char *path, uint8_t out[32]) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fseek(f, -(32 + 64), SEEK_END), 0); /* signed records */
  ck_assert_uint_eq(fread(out, 1, 32, f), 32);
  fclose(f);
}

START_TEST(verify_refuses_injected_records) {
  const char *path = tmp_path("inject");
  civic_ledger *l = NULL;
  char *report = NULL;
  uint8_t prev[32], junk_sig[64];
  long size;
  FILE *f;
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  bootstrap(l, "utrecht");
  civic_ledger_free(l);
  last_hash(path, prev);
  f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fclose(f);

  /* an unsigned record with a valid checksum and hash link */
  inject(path, 2, prev, NULL, NULL);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_SIGNATURE_REQUIRED);
  ck_assert_ptr_nonnull(strstr(report, "\"record\":2"));
  ck_assert_ptr_nonnull(strstr(report, "record 2 at offset"));
  civic_free(report);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_E_SIGNATURE_REQUIRED);
  ck_assert_int_eq(truncate(path, size), 0);

  /* a record "signed" by a key that is not registered */
  memset(junk_sig, 7, sizeof junk_sig);
  inject(path, 2, prev, "rogue-1", junk_sig);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_UNKNOWN_KEY);
  ck_assert_ptr_nonnull(strstr(report, "record 2 at offset"));
  civic_free(report);
  ck_assert_int_eq(truncate(path, size), 0);

  /* by a registered key, with a bad signature */
  inject(path, 2, prev, "agency-1", junk_sig);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_SIGNATURE_INVALID);
  civic_free(report);
  ck_assert_int_eq(truncate(path, size), 0);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
  civic_free(report);
  unlink(path);
}
END_TEST

START_TEST(policy_off_by_default) {
  /* Legacy behaviour: unsigned batches, keys without institution. */
  civic_ledger *l = NULL;
  char json[1024];
  ck_assert_int_eq(civic_ledger_new_memory(&l), CIVIC_OK);
  post_expect(l,
              "{\"assets\":[{\"code\":\"EUR\",\"scale\":2}],\"accounts\":[{"
              "\"id\":\"a\",\"asset\":\"EUR\",\"min_balance\":null}]}",
              NULL, NULL, CIVIC_OK, NULL);
  snprintf(json, sizeof json, "{\"events\":[%s]}",
           register_event("reg-l", "legacy-1", k_legacy.pk, NULL));
  post_expect(l, json, "legacy-1", k_legacy.sk, CIVIC_OK, NULL);
  post_expect(l,
              "{\"accounts\":[{\"id\":\"b\",\"asset\":\"EUR\","
              "\"min_balance\":null}]}",
              "legacy-1", k_legacy.sk, CIVIC_OK, NULL);
  civic_ledger_free(l);
}
END_TEST

static Suite *signing_suite(void) {
  Suite *s = suite_create("signing");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
  tcase_add_test(tc, policy_requires_signature);
  tcase_add_test(tc, forged_batches_refused);
  tcase_add_test(tc, replayed_batches_change_nothing);
  tcase_add_test(tc, wrong_institution_refused);
  tcase_add_test(tc, rotation_and_revoked_key);
  tcase_add_test(tc, bootstrap_rules);
  tcase_add_test(tc, policy_survives_reopen);
  tcase_add_test(tc, verify_refuses_injected_records);
  tcase_add_test(tc, policy_off_by_default);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(signing_suite()); }
