/* fuzz_ledger_batch: bytes as one ledger batch (spec section 9 JSON) posted
 * to a small populated in-memory ledger. A refused batch must leave the
 * state hash and every balance unchanged (all or nothing); an accepted one
 * must keep every asset's balances summing to 0 and every account at or
 * above its min_balance; posting the same batch again is a safe retry that
 * succeeds without changing any balance. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "ledger_fixture.h"

static civic_ledger *fixture(void) {
  civic_ledger *l = NULL;
  if (civic_ledger_new_memory(&l) != CIVIC_OK ||
      civic_ledger_post_json(l, LEDGER_FIXTURE, NULL) != CIVIC_OK)
    fz_fail("ledger: fixture refused: %s", l ? civic_ledger_errmsg(l) : "");
  return l;
}

static char *balances(const civic_ledger *l) {
  char *out = NULL;
  FZ_CHECK(civic_ledger_balances_json(l, &out) == CIVIC_OK && out != NULL,
           "ledger: balances_json failed");
  return out;
}

/* Only the accounts list: the state hash may legitimately move on a retry
 * (a journal position), balances may not. */
static json_t *accounts_of(const char *balances_text) {
  json_t *root = json_loads(balances_text, 0, NULL), *acc;
  FZ_CHECK(root != NULL, "ledger: balances_json is not JSON");
  acc = json_incref(json_object_get(root, "accounts"));
  json_decref(root);
  FZ_CHECK(json_is_array(acc), "ledger: balances_json has no accounts");
  return acc;
}

static void check_state(const civic_ledger *l, const json_t *accounts) {
  /* Per-asset zero sum, in 128 bits, and every minimum respected. */
  size_t n = json_array_size(accounts);
  for (size_t i = 0; i < n; i++) {
    const json_t *a = json_array_get(accounts, i);
    const char *asset = fz_str(a, "asset");
    fz_i128 sum = 0;
    bool first = true;
    char *info = NULL;
    json_t *acct;
    for (size_t j = 0; j < n; j++) {
      const json_t *b = json_array_get(accounts, j);
      if (strcmp(fz_str(b, "asset"), asset) != 0)
        continue;
      if (j < i)
        first = false;
      sum += fz_int(b, "balance");
    }
    FZ_CHECK(!first || sum == 0, "ledger: balances of %s sum to %lld, not 0",
             asset, (long long)sum);
    FZ_CHECK(civic_ledger_account_json(l, fz_str(a, "id"), &info) == CIVIC_OK,
             "ledger: account_json(%s) failed", fz_str(a, "id"));
    acct = json_loads(info, 0, NULL);
    FZ_CHECK(acct != NULL, "ledger: account_json is not JSON");
    if (json_is_integer(json_object_get(acct, "min_balance")))
      FZ_CHECK((fz_i128)fz_int(acct, "balance") -
                       fz_int(acct, "debits_pending") >=
                   fz_int(acct, "min_balance"),
               "ledger: account %s below its min_balance", fz_str(a, "id"));
    json_decref(acct);
    civic_free(info);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  civic_ledger *l;
  char hash0[65], hash1[65], *text, *bal0, *bal1, *result = NULL;
  civic_status st;
  if (size > 65536)
    return 0;
  text = malloc(size + 1);
  if (text == NULL)
    abort();
  memcpy(text, data, size);
  text[size] = '\0';
  l = fixture();
  FZ_CHECK(civic_ledger_state_hash_hex(l, hash0) == CIVIC_OK, "hash failed");
  bal0 = balances(l);
  st = civic_ledger_post_json(l, text, &result);
  FZ_CHECK(civic_ledger_state_hash_hex(l, hash1) == CIVIC_OK, "hash failed");
  bal1 = balances(l);
  if (st != CIVIC_OK) {
    FZ_CHECK(result == NULL, "ledger: refused batch returned a result");
    FZ_CHECK(strcmp(hash0, hash1) == 0,
             "ledger: refused batch (%s) changed the state hash",
             civic_status_name(st));
    FZ_CHECK(strcmp(bal0, bal1) == 0,
             "ledger: refused batch (%s) changed balances",
             civic_status_name(st));
    FZ_CHECK(civic_ledger_errmsg(l)[0] != '\0',
             "ledger: refused batch (%s) without a message",
             civic_status_name(st));
  } else {
    json_t *acc1 = accounts_of(bal1), *acc2;
    char *bal2;
    check_state(l, acc1);
    civic_free(result);
    result = NULL;
    st = civic_ledger_post_json(l, text, &result);
    FZ_CHECK(st == CIVIC_OK,
             "ledger: re-posting an accepted batch failed: "
             "%s: %s",
             civic_status_name(st), civic_ledger_errmsg(l));
    bal2 = balances(l);
    acc2 = accounts_of(bal2);
    FZ_CHECK(json_equal(acc1, acc2), "ledger: a retry changed balances");
    json_decref(acc1);
    json_decref(acc2);
    civic_free(bal2);
  }
  civic_free(result);
  civic_free(bal0);
  civic_free(bal1);
  civic_ledger_free(l);
  free(text);
  return 0;
}
