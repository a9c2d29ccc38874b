/* Crypto-shredding vault: sealing, opening, erasure, persistence, damage. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *temp_path(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/civic-test-%ld-%s", P_tmpdir, (long)getpid(),
           name);
  unlink(buf);
  return buf;
}

START_TEST(seal_roundtrip_and_binding) {
  civic_vault *v = NULL;
  char *sealed = NULL, *plain = NULL, *sealed2 = NULL;
  ck_assert_int_eq(civic_vault_new(&v), CIVIC_OK);
  ck_assert_int_eq(
      civic_vault_seal(v, "res-001", "Jan Jansen, Oudegracht 1", &sealed),
      CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(sealed, "v1:"));
  ck_assert_ptr_null(strstr(sealed, "Jansen"));
  ck_assert_int_eq(civic_vault_unseal(v, "res-001", sealed, &plain), CIVIC_OK);
  ck_assert_str_eq(plain, "Jan Jansen, Oudegracht 1");
  civic_free(plain);
  /* Same plaintext twice gives different sealed text (fresh nonce). */
  ck_assert_int_eq(
      civic_vault_seal(v, "res-001", "Jan Jansen, Oudegracht 1", &sealed2),
      CIVIC_OK);
  ck_assert_str_ne(sealed, sealed2);
  /* Bound to its subject: another subject's key cannot open it. */
  ck_assert_int_eq(civic_vault_seal(v, "res-002", "x", &plain), CIVIC_OK);
  civic_free(plain);
  plain = NULL;
  ck_assert_int_eq(civic_vault_unseal(v, "res-002", sealed, &plain),
                   CIVIC_E_SEAL_INVALID);
  ck_assert_ptr_null(plain);
  ck_assert_int_eq(civic_vault_unseal(v, "res-404", sealed, &plain),
                   CIVIC_E_UNKNOWN_REFERENCE);
  civic_free(sealed);
  civic_free(sealed2);
  civic_vault_free(v);
}
END_TEST

START_TEST(tampering_is_detected) {
  civic_vault *v = NULL;
  char *sealed = NULL, *plain = NULL;
  size_t i, n;
  ck_assert_int_eq(civic_vault_new(&v), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "s", "case note", &sealed), CIVIC_OK);
  n = strlen(sealed);
  for (i = 3; i < n; i++) {
    char saved = sealed[i];
    sealed[i] = saved == '0' ? '1' : '0';
    ck_assert_int_eq(civic_vault_unseal(v, "s", sealed, &plain),
                     CIVIC_E_SEAL_INVALID);
    sealed[i] = saved;
  }
  ck_assert_int_eq(civic_vault_unseal(v, "s", "v1:00", &plain),
                   CIVIC_E_SEAL_INVALID);
  ck_assert_int_eq(civic_vault_unseal(v, "s", "garbage", &plain),
                   CIVIC_E_SEAL_INVALID);
  ck_assert_ptr_nonnull(strstr(civic_vault_errmsg(v), "sealed"));
  civic_free(sealed);
  civic_vault_free(v);
}
END_TEST

START_TEST(erasure_makes_data_unreadable) {
  civic_vault *v = NULL;
  char *sealed = NULL, *plain = NULL;
  ck_assert_int_eq(civic_vault_new(&v), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "res-9", "address", &sealed), CIVIC_OK);
  ck_assert_int_eq(civic_vault_has_key(v, "res-9"), 1);
  ck_assert_int_eq(civic_vault_erase(v, "res-9"), CIVIC_OK);
  ck_assert_int_eq(civic_vault_erase(v, "res-9"), CIVIC_OK); /* idempotent */
  ck_assert_int_eq(civic_vault_has_key(v, "res-9"), 0);
  ck_assert_int_eq(civic_vault_unseal(v, "res-9", sealed, &plain),
                   CIVIC_E_SUBJECT_ERASED);
  ck_assert_ptr_null(plain);
  ck_assert_int_eq(civic_vault_seal(v, "res-9", "new", &plain),
                   CIVIC_E_SUBJECT_ERASED);
  /* Erasing a subject never seen keeps it erased too. */
  ck_assert_int_eq(civic_vault_erase(v, "res-never"), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "res-never", "x", &plain),
                   CIVIC_E_SUBJECT_ERASED);
  civic_free(sealed);
  civic_vault_free(v);
}
END_TEST

START_TEST(file_vault_persists_keys_and_erasures) {
  const char *path = temp_path("vault");
  civic_vault *v = NULL;
  char *a = NULL, *b = NULL, *plain = NULL;
  ck_assert_int_eq(civic_vault_open(&v, path), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "alice", "A data", &a), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "bob", "B data", &b), CIVIC_OK);
  ck_assert_int_eq(civic_vault_erase(v, "bob"), CIVIC_OK);
  civic_vault_free(v);
  ck_assert_int_eq(access(path, F_OK), 0);

  ck_assert_int_eq(civic_vault_open(&v, path), CIVIC_OK);
  ck_assert_int_eq(civic_vault_unseal(v, "alice", a, &plain), CIVIC_OK);
  ck_assert_str_eq(plain, "A data");
  civic_free(plain);
  ck_assert_int_eq(civic_vault_unseal(v, "bob", b, &plain),
                   CIVIC_E_SUBJECT_ERASED);
  civic_vault_free(v);
  civic_free(a);
  civic_free(b);
  unlink(path);
}
END_TEST

START_TEST(damaged_vault_file_is_refused) {
  const char *path = temp_path("vault-bad");
  civic_vault *v = NULL;
  char *s = NULL;
  FILE *f;
  long size, i;
  ck_assert_int_eq(civic_vault_open(&v, path), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "carol", "C", &s), CIVIC_OK);
  civic_vault_free(v);
  civic_free(s);
  f = fopen(path, "r+b");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  /* Flip each byte in turn: every single-byte change must be refused. */
  for (i = 0; i < size; i++) {
    int c;
    fseek(f, i, SEEK_SET);
    c = fgetc(f);
    fseek(f, i, SEEK_SET);
    fputc(c ^ 0x20, f);
    fflush(f);
    v = NULL;
    ck_assert_int_eq(civic_vault_open(&v, path), CIVIC_E_VAULT_CORRUPT);
    ck_assert_ptr_null(v);
    fseek(f, i, SEEK_SET);
    fputc(c, f);
    fflush(f);
  }
  fclose(f);
  ck_assert_int_eq(civic_vault_open(&v, path), CIVIC_OK);
  civic_vault_free(v);
  unlink(path);
}
END_TEST

/* The whole point of crypto-shredding: personal data sealed into journal
 * events becomes unreadable after erasure while the hash chain still
 * verifies byte for byte and the ledger reopens to the same state hash. */
START_TEST(erasure_keeps_the_journal_verifiable) {
  const char *jpath = temp_path("journal");
  civic_vault *v = NULL;
  civic_ledger *l = NULL;
  civic_batch *b = NULL;
  char *sealed = NULL, *data = NULL, *plain = NULL, *report = NULL;
  char before[65], after[65];
  size_t need;

  ck_assert_int_eq(civic_vault_new(&v), CIVIC_OK);
  ck_assert_int_eq(
      civic_vault_seal(v, "r-0042", "Fatima El Amrani, Kanaleneiland", &sealed),
      CIVIC_OK);
  need = strlen(sealed) + 64;
  data = malloc(need);
  ck_assert_ptr_nonnull(data);
  snprintf(data, need, "{\"subject\":\"r-0042\",\"sealed\":\"%s\"}", sealed);

  ck_assert_int_eq(civic_ledger_create(&l, jpath), CIVIC_OK);
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_event(b, "pd-r-0042-1", "casefile.personal",
                                         "municipality", 0, data),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, before), CIVIC_OK);
  civic_ledger_free(l);
  l = NULL;

  /* Erase: the key is gone, the journal is untouched. */
  ck_assert_int_eq(civic_vault_erase(v, "r-0042"), CIVIC_OK);
  ck_assert_int_eq(civic_vault_unseal(v, "r-0042", sealed, &plain),
                   CIVIC_E_SUBJECT_ERASED);
  ck_assert_int_eq(civic_ledger_verify_file(jpath, &report), CIVIC_OK);
  civic_free(report);
  ck_assert_int_eq(civic_ledger_open(&l, jpath), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, after), CIVIC_OK);
  ck_assert_str_eq(before, after);
  /* The journal holds only ciphertext: the name never reached it. */
  {
    char *events = NULL;
    ck_assert_int_eq(civic_ledger_events_json(l, "casefile.", &events),
                     CIVIC_OK);
    ck_assert_ptr_nonnull(strstr(events, "v1:"));
    ck_assert_ptr_null(strstr(events, "Fatima"));
    civic_free(events);
  }
  civic_ledger_free(l);
  civic_batch_free(b);
  civic_vault_free(v);
  civic_free(sealed);
  free(data);
  unlink(jpath);
}
END_TEST

START_TEST(bad_arguments_are_refused) {
  civic_vault *v = NULL;
  char *s = NULL;
  ck_assert_int_eq(civic_vault_new(NULL), CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_vault_new(&v), CIVIC_OK);
  ck_assert_int_eq(civic_vault_seal(v, "", "x", &s), CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(civic_vault_seal(v, NULL, "x", &s),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_vault_seal(v, "a", NULL, &s),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_vault_has_key(v, "a"), 0);
  civic_vault_free(v);
  civic_vault_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("privacy");
  TCase *tc = tcase_create("vault");
  tcase_add_test(tc, seal_roundtrip_and_binding);
  tcase_add_test(tc, tampering_is_detected);
  tcase_add_test(tc, erasure_makes_data_unreadable);
  tcase_add_test(tc, file_vault_persists_keys_and_erasures);
  tcase_add_test(tc, damaged_vault_file_is_refused);
  tcase_add_test(tc, erasure_keeps_the_journal_verifiable);
  tcase_add_test(tc, bad_arguments_are_refused);
  suite_add_tcase(s, tc);
  return civic_test_run(s);
}
