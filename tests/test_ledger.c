/* Ledger semantics: every result code, two-phase transfers, queries, and
 * property tests over random batch sequences. */
#include <civic/civic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger_internal.h"
#include "testutil.h"

static civic_ledger *mem(void) {
  civic_ledger *l = NULL;
  ck_assert_int_eq(civic_ledger_new_memory(&l), CIVIC_OK);
  return l;
}

static civic_status post(civic_ledger *l, const char *json) {
  char *res = NULL;
  civic_status st = civic_ledger_post_json(l, json, &res);
  civic_free(res);
  return st;
}

static void hash_of(civic_ledger *l, char hex[65]) {
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hex), CIVIC_OK);
}

static int64_t bal(civic_ledger *l, const char *id) {
  int64_t b = 0;
  ck_assert_int_eq(civic_ledger_balance(l, id, &b), CIVIC_OK);
  return b;
}

/* Two assets, a fund with a credit line, an escrow, a payee, an outside
 * party with no limit. */
static const char *SETUP =
    "{\"assets\": [{\"code\": \"EUR\", \"scale\": 2}, {\"code\": \"HLN\","
    " \"scale\": 0}],"
    " \"accounts\": [{\"id\": \"agency\", \"asset\": \"EUR\", \"min_balance\":"
    " null}, {\"id\": \"escrow\", \"asset\": \"EUR\", \"min_balance\": 0},"
    " {\"id\": \"fund\", \"asset\": \"EUR\", \"min_balance\": -1000},"
    " {\"id\": \"landlord\", \"asset\": \"EUR\", \"min_balance\": 0},"
    " {\"id\": \"wallet\", \"asset\": \"HLN\", \"min_balance\": 0},"
    " {\"id\": \"issuer\", \"asset\": \"HLN\", \"min_balance\": null}],"
    " \"transfers\": [{\"id\": \"in1\", \"from\": \"agency\", \"to\":"
    " \"escrow\", \"amount\": 500, \"asset\": \"EUR\", \"time\": 7,"
    " \"reference\": \"jan\"}]}";

static civic_ledger *setup(void) {
  civic_ledger *l = mem();
  ck_assert_int_eq(post(l, SETUP), CIVIC_OK);
  return l;
}

/* Post a batch that must fail with `want` and change nothing. */
static void refused(civic_ledger *l, const char *json, civic_status want) {
  char before[65], after[65];
  uint64_t p0 = 0, p1 = 0;
  civic_status st;
  hash_of(l, before);
  ck_assert_int_eq(civic_ledger_position(l, &p0), CIVIC_OK);
  st = post(l, json);
  ck_assert_msg(st == want, "want %s, got %s (%s) for %s",
                civic_status_name(want), civic_status_name(st),
                civic_ledger_errmsg(l), json);
  ck_assert_str_ne(civic_ledger_errmsg(l), "");
  hash_of(l, after);
  ck_assert_int_eq(civic_ledger_position(l, &p1), CIVIC_OK);
  ck_assert_str_eq(before, after);
  ck_assert_uint_eq(p0, p1);
}

START_TEST(basic_transfer_and_balances) {
  civic_ledger *l = setup();
  char *out = NULL;
  ck_assert_int_eq(bal(l, "escrow"), 500);
  ck_assert_int_eq(bal(l, "agency"), -500);
  ck_assert_int_eq(civic_ledger_balances_json(l, &out), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(out, "{\"accounts\":[{\"id\":\"agency\","
                                    "\"asset\":\"EUR\",\"balance\":-500},"));
  ck_assert_ptr_nonnull(strstr(out, "\"state_hash\":\""));
  civic_free(out);
  civic_ledger_free(l);
}
END_TEST

START_TEST(retry_is_skipped_and_changes_nothing) {
  civic_ledger *l = setup();
  char before[65], after[65], *res = NULL;
  hash_of(l, before);
  ck_assert_int_eq(civic_ledger_post_json(l, SETUP, &res), CIVIC_OK);
  ck_assert_str_eq(res, "{\"position\":1,\"applied\":0,\"skipped\":9}");
  civic_free(res);
  hash_of(l, after);
  ck_assert_str_eq(before, after);
  civic_ledger_free(l);
}
END_TEST

START_TEST(every_transfer_refusal_has_its_code) {
  civic_ledger *l = setup();
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 1, \"asset\": \"USD\"}]}",
          CIVIC_E_UNKNOWN_ASSET);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"nobody\", \"to\":"
          " \"escrow\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_UNKNOWN_ACCOUNT);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"nobody\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_UNKNOWN_ACCOUNT);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"wallet\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_ASSET_MISMATCH);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"issuer\", \"to\":"
          " \"wallet\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_ASSET_MISMATCH);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 0, \"asset\": \"EUR\"}]}",
          CIVIC_E_AMOUNT_MUST_BE_POSITIVE);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": -5, \"asset\": \"EUR\"}]}",
          CIVIC_E_AMOUNT_MUST_BE_POSITIVE);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"escrow\", \"to\":"
          " \"escrow\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_ACCOUNTS_MUST_BE_DIFFERENT);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"escrow\", \"to\":"
          " \"landlord\", \"amount\": 501, \"asset\": \"EUR\"}]}",
          CIVIC_E_EXCEEDS_MIN_BALANCE);
  /* the credit line allows -1000 but not -1001 */
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"f1\", \"from\":"
                           " \"fund\", \"to\": \"landlord\", \"amount\":"
                           " 1000, \"asset\": \"EUR\"}]}"),
                   CIVIC_OK);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"fund\", \"to\":"
          " \"landlord\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_EXCEEDS_MIN_BALANCE);
  refused(l,
          "{\"transfers\": [{\"id\": \"in1\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 501, \"asset\": \"EUR\", \"time\": 7,"
          " \"reference\": \"jan\"}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l,
          "{\"transfers\": [{\"id\": \"in1\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 500, \"asset\": \"EUR\", \"time\": 7,"
          " \"reference\": \"feb\"}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l,
          "{\"transfers\": [{\"id\": \"\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_EMPTY);
  civic_ledger_free(l);
}
END_TEST

START_TEST(asset_and_account_refusals) {
  civic_ledger *l = setup();
  refused(l, "{\"assets\": [{\"code\": \"X\", \"scale\": 19}]}",
          CIVIC_E_INVALID_SCALE);
  refused(l, "{\"assets\": [{\"code\": \"X\", \"scale\": -1}]}",
          CIVIC_E_INVALID_SCALE);
  refused(l, "{\"assets\": [{\"code\": \"EUR\", \"scale\": 3}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l, "{\"assets\": [{\"code\": \"\", \"scale\": 3}]}", CIVIC_E_EMPTY);
  refused(l,
          "{\"accounts\": [{\"id\": \"a\", \"asset\": \"USD\","
          " \"min_balance\": 0}]}",
          CIVIC_E_UNKNOWN_ASSET);
  refused(l,
          "{\"accounts\": [{\"id\": \"a\", \"asset\": \"EUR\","
          " \"min_balance\": 1}]}",
          CIVIC_E_INVALID_MIN_BALANCE);
  refused(l,
          "{\"accounts\": [{\"id\": \"escrow\", \"asset\": \"EUR\","
          " \"min_balance\": -1}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l,
          "{\"accounts\": [{\"id\": \"escrow\", \"asset\": \"HLN\","
          " \"min_balance\": 0}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l, "{\"accounts\": [{\"id\": \"a\", \"asset\": \"EUR\"}]}",
          CIVIC_E_MISSING_FIELD);
  /* the C API refuses the same way */
  {
    civic_batch *b = NULL;
    ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
    ck_assert_int_eq(civic_batch_add_asset(b, "Y", 40), CIVIC_OK);
    ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_INVALID_SCALE);
    civic_batch_clear(b);
    ck_assert_int_eq(civic_batch_add_account(b, "z", "EUR", 5), CIVIC_OK);
    ck_assert_int_eq(civic_ledger_post(l, b, NULL),
                     CIVIC_E_INVALID_MIN_BALANCE);
    civic_batch_free(b);
  }
  civic_ledger_free(l);
}
END_TEST

START_TEST(json_input_errors) {
  civic_ledger *l = setup();
  refused(l, "{\"transfers\": [", CIVIC_E_MALFORMED_JSON);
  refused(l, "[]", CIVIC_E_MALFORMED_JSON);
  refused(l, "{\"transfers\": {}}", CIVIC_E_WRONG_TYPE);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 1.5, \"asset\": \"EUR\"}]}",
          CIVIC_E_NOT_INTEGER);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": \"1\", \"asset\": \"EUR\"}]}",
          CIVIC_E_WRONG_TYPE);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"agency\", \"to\":"
          " \"escrow\", \"amount\": 9223372036854775808, \"asset\":"
          " \"EUR\"}]}",
          CIVIC_E_OVERFLOW);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"to\": \"escrow\", \"amount\":"
          " 1, \"asset\": \"EUR\"}]}",
          CIVIC_E_MISSING_FIELD);
  refused(l, "{\"transfers\": [7]}", CIVIC_E_WRONG_TYPE);
  refused(l, "{\"events\": [{\"id\": \"e\", \"type\": \"t\", \"data\": 5}]}",
          CIVIC_E_WRONG_TYPE);
  civic_ledger_free(l);
}
END_TEST

START_TEST(batch_is_all_or_nothing) {
  civic_ledger *l = setup();
  /* a new asset, account and a good transfer, then one bad transfer */
  refused(l,
          "{\"assets\": [{\"code\": \"USD\", \"scale\": 2}],"
          " \"accounts\": [{\"id\": \"new\", \"asset\": \"EUR\","
          " \"min_balance\": 0}],"
          " \"transfers\": [{\"id\": \"ok\", \"from\": \"agency\", \"to\":"
          " \"new\", \"amount\": 5, \"asset\": \"EUR\"}, {\"id\": \"bad\","
          " \"from\": \"new\", \"to\": \"escrow\", \"amount\": 6, \"asset\":"
          " \"EUR\"}],"
          " \"events\": [{\"id\": \"ev\", \"type\": \"t\", \"data\": {}}]}",
          CIVIC_E_EXCEEDS_MIN_BALANCE);
  ck_assert(!civic_ledger_has_account(l, "new"));
  ck_assert(!civic_ledger_has_asset(l, "USD"));
  ck_assert_uint_eq(civic_ledger_event_count(l), 0);
  /* later items see earlier ones of the same batch */
  ck_assert_int_eq(
      post(l, "{\"accounts\": [{\"id\": \"new\", \"asset\": \"EUR\","
              " \"min_balance\": 0}],"
              " \"transfers\": [{\"id\": \"ok\", \"from\": \"agency\", \"to\":"
              " \"new\", \"amount\": 6, \"asset\": \"EUR\"}, {\"id\": \"ok2\","
              " \"from\": \"new\", \"to\": \"escrow\", \"amount\": 6,"
              " \"asset\": \"EUR\"}]}"),
      CIVIC_OK);
  ck_assert_int_eq(bal(l, "new"), 0);
  ck_assert_int_eq(bal(l, "escrow"), 506);
  civic_ledger_free(l);
}
END_TEST

START_TEST(two_phase_transfers) {
  civic_ledger *l = setup();
  civic_account_view v;
  civic_transfer_view tv;
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1\", \"from\":"
                           " \"escrow\", \"to\": \"landlord\", \"amount\":"
                           " 300, \"asset\": \"EUR\", \"pending\": true}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_account_get(l, "escrow", &v), CIVIC_OK);
  ck_assert_int_eq(v.balance, 500);
  ck_assert_int_eq(v.debits_pending, 300);
  ck_assert_int_eq(civic_ledger_account_get(l, "landlord", &v), CIVIC_OK);
  ck_assert_int_eq(v.credits_pending, 300);
  /* the reservation counts against min_balance */
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"from\": \"escrow\", \"to\":"
          " \"landlord\", \"amount\": 201, \"asset\": \"EUR\"}]}",
          CIVIC_E_EXCEEDS_MIN_BALANCE);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"post_pending\": \"p1\","
          " \"amount\": 301}]}",
          CIVIC_E_POST_EXCEEDS_PENDING);
  refused(l, "{\"transfers\": [{\"id\": \"x\", \"post_pending\": \"nope\"}]}",
          CIVIC_E_PENDING_NOT_FOUND);
  refused(l, "{\"transfers\": [{\"id\": \"x\", \"post_pending\": \"in1\"}]}",
          CIVIC_E_NOT_PENDING);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"post_pending\": \"p1\","
          " \"to\": \"fund\"}]}",
          CIVIC_E_PENDING_MISMATCH);
  refused(l,
          "{\"transfers\": [{\"id\": \"x\", \"post_pending\": \"p1\","
          " \"amount\": 0}]}",
          CIVIC_E_AMOUNT_MUST_BE_POSITIVE);
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1-post\","
                           " \"post_pending\": \"p1\", \"amount\": 250}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_account_get(l, "escrow", &v), CIVIC_OK);
  ck_assert_int_eq(v.balance, 250);
  ck_assert_int_eq(v.debits_pending, 0);
  ck_assert_int_eq(bal(l, "landlord"), 250);
  ck_assert_int_eq(civic_ledger_transfer_find(l, "p1", &tv), CIVIC_OK);
  ck_assert_int_eq(tv.pending_state, CIVIC_PENDING_POSTED);
  refused(l, "{\"transfers\": [{\"id\": \"y\", \"void_pending\": \"p1\"}]}",
          CIVIC_E_PENDING_ALREADY_POSTED);
  ck_assert_int_eq(post(l,
                        "{\"transfers\": [{\"id\": \"p2\", \"from\":"
                        " \"escrow\", \"to\": \"landlord\", \"amount\":"
                        " 100, \"asset\": \"EUR\", \"pending\": true},"
                        " {\"id\": \"p2-void\", \"void_pending\": \"p2\"}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_account_get(l, "escrow", &v), CIVIC_OK);
  ck_assert_int_eq(v.balance, 250);
  ck_assert_int_eq(v.debits_pending, 0);
  refused(l, "{\"transfers\": [{\"id\": \"z\", \"post_pending\": \"p2\"}]}",
          CIVIC_E_PENDING_ALREADY_VOIDED);
  /* whole-amount post through the C API */
  {
    civic_batch *b = NULL;
    ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
    ck_assert_int_eq(civic_batch_add_pending(b, "p3", "escrow", "landlord", 50,
                                             "EUR", 1, "r"),
                     CIVIC_OK);
    ck_assert_int_eq(
        civic_batch_add_post_pending(b, "p3-post", "p3", 0, 2, NULL), CIVIC_OK);
    ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
    ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK); /* retry */
    civic_batch_clear(b);
    ck_assert_int_eq(civic_batch_add_void_pending(b, "p3-void", "p3", 3, NULL),
                     CIVIC_OK);
    ck_assert_int_eq(civic_ledger_post(l, b, NULL),
                     CIVIC_E_PENDING_ALREADY_POSTED);
    civic_batch_free(b);
  }
  ck_assert_int_eq(bal(l, "escrow"), 200);
  civic_ledger_free(l);
}
END_TEST

START_TEST(overflow_is_refused) {
  civic_ledger *l = mem();
  ck_assert_int_eq(
      post(l, "{\"assets\": [{\"code\": \"E\", \"scale\": 0}],"
              " \"accounts\": [{\"id\": \"a\", \"asset\": \"E\","
              " \"min_balance\": null}, {\"id\": \"b\", \"asset\": \"E\","
              " \"min_balance\": null}, {\"id\": \"c\", \"asset\": \"E\","
              " \"min_balance\": null}],"
              " \"transfers\": [{\"id\": \"t1\", \"from\": \"a\", \"to\":"
              " \"b\", \"amount\": 9223372036854775807, \"asset\": \"E\"}]}"),
      CIVIC_OK);
  refused(l,
          "{\"transfers\": [{\"id\": \"t2\", \"from\": \"c\", \"to\":"
          " \"b\", \"amount\": 1, \"asset\": \"E\"}]}",
          CIVIC_E_OVERFLOWS_BALANCE);
  refused(l,
          "{\"transfers\": [{\"id\": \"t2\", \"from\": \"a\", \"to\":"
          " \"c\", \"amount\": 2, \"asset\": \"E\"}]}",
          CIVIC_E_OVERFLOWS_BALANCE);
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1\", \"from\":"
                           " \"c\", \"to\": \"a\", \"amount\":"
                           " 9223372036854775807, \"asset\": \"E\","
                           " \"pending\": true}]}"),
                   CIVIC_OK);
  refused(l,
          "{\"transfers\": [{\"id\": \"p2\", \"from\": \"c\", \"to\":"
          " \"b\", \"amount\": 1, \"asset\": \"E\", \"pending\": true}]}",
          CIVIC_E_OVERFLOWS_PENDING);
  refused(l,
          "{\"transfers\": [{\"id\": \"p2\", \"from\": \"b\", \"to\":"
          " \"a\", \"amount\": 1, \"asset\": \"E\", \"pending\": true}]}",
          CIVIC_E_OVERFLOWS_PENDING);
  civic_ledger_free(l);
}
END_TEST

START_TEST(events_are_idempotent_and_canonical) {
  civic_ledger *l = setup();
  civic_batch *b = NULL;
  civic_event_view ev;
  char *out = NULL;
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_event(b, "c1", "settle.consent", "muni", 5,
                                         "{\"z\": 1, \"a\": {\"y\": 2, \"b\":"
                                         " 9223372036854775807}}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_event(b, "x", "t", "", 0, "[1]"),
                   CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  ck_assert_uint_eq(civic_ledger_event_count(l), 1);
  ck_assert_int_eq(civic_ledger_event_at(l, 0, &ev), CIVIC_OK);
  ck_assert_str_eq(ev.data_json, "{\"a\":{\"b\":9223372036854775807,\"y\":2},"
                                 "\"z\":1}");
  ck_assert_uint_eq(ev.position, 2);
  ck_assert_int_eq(civic_ledger_event_at(l, 1, &ev), CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(civic_ledger_event_find(l, "c1", &ev), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_event_find(l, "c2", &ev),
                   CIVIC_E_UNKNOWN_REFERENCE);
  refused(l,
          "{\"events\": [{\"id\": \"c1\", \"type\": \"settle.consent\","
          " \"actor\": \"muni\", \"time\": 5, \"data\": {\"z\": 2}}]}",
          CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  refused(l, "{\"events\": [{\"id\": \"c9\", \"type\": \"\", \"data\": {}}]}",
          CIVIC_E_EMPTY);
  /* the same event in JSON with other key order is a retry */
  ck_assert_int_eq(post(l, "{\"events\": [{\"id\": \"c1\", \"type\":"
                           " \"settle.consent\", \"actor\": \"muni\","
                           " \"time\": 5, \"data\": {\"a\": {\"b\":"
                           " 9223372036854775807, \"y\": 2}, \"z\": 1}}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_events_json(l, "settle.", &out), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"id\":\"c1\""));
  civic_free(out);
  ck_assert_int_eq(civic_ledger_events_json(l, "token.", &out), CIVIC_OK);
  ck_assert_str_eq(out, "{\"events\":[]}");
  civic_free(out);
  civic_batch_free(b);
  civic_ledger_free(l);
}
END_TEST

START_TEST(queries_history_reference_balance_at) {
  civic_ledger *l = setup();
  int64_t b = 0;
  char *out = NULL;
  ck_assert_int_eq(post(l,
                        "{\"transfers\": [{\"id\": \"r1\", \"from\":"
                        " \"escrow\", \"to\": \"landlord\", \"amount\":"
                        " 200, \"asset\": \"EUR\", \"reference\": \"rent\"}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_balance_at(l, "escrow", 1, &b), CIVIC_OK);
  ck_assert_int_eq(b, 500);
  ck_assert_int_eq(civic_ledger_balance_at(l, "escrow", 2, &b), CIVIC_OK);
  ck_assert_int_eq(b, 300);
  ck_assert_int_eq(civic_ledger_balance_at(l, "escrow", 3, &b),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(civic_ledger_balance_at(l, "escrow", 0, &b),
                   CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_int_eq(civic_ledger_balance(l, "nobody", &b),
                   CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_int_eq(civic_ledger_history_json(l, "escrow", &out), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"id\":\"r1\""));
  ck_assert_ptr_nonnull(strstr(out, "\"balance\":300"));
  civic_free(out);
  ck_assert_int_eq(civic_ledger_transfers_by_reference_json(l, "rent", &out),
                   CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"id\":\"r1\""));
  ck_assert_ptr_null(strstr(out, "\"id\":\"in1\""));
  civic_free(out);
  ck_assert_int_eq(civic_ledger_account_json(l, "agency", &out), CIVIC_OK);
  ck_assert_str_eq(out, "{\"id\":\"agency\",\"asset\":\"EUR\",\"min_balance\":"
                        "null,\"balance\":-500,\"debits_pending\":0,"
                        "\"credits_pending\":0}");
  civic_free(out);
  civic_ledger_free(l);
}
END_TEST

START_TEST(key_registry_and_signatures) {
  civic_ledger *l = setup();
  civic_batch *b = NULL;
  char *pk = NULL, *sk = NULL, *pk2 = NULL, *sk2 = NULL, json[512];
  ck_assert_int_eq(civic_keypair_new_hex(&pk, &sk), CIVIC_OK);
  ck_assert_int_eq(civic_keypair_new_hex(&pk2, &sk2), CIVIC_OK);
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  /* unknown key */
  ck_assert_int_eq(
      civic_batch_add_transfer(b, "s1", "agency", "escrow", 1, "EUR", 0, NULL),
      CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_UNKNOWN_KEY);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", "abc"), CIVIC_E_INVALID_KEY);
  /* self-registering bootstrap batch */
  snprintf(json, sizeof json, "{\"key\": \"muni-1\", \"public_key\": \"%s\"}",
           pk);
  ck_assert_int_eq(
      civic_batch_add_event(b, "k1", "civic.key.register", "muni", 0, json),
      CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  /* wrong secret for the key */
  civic_batch_clear(b);
  ck_assert_int_eq(
      civic_batch_add_transfer(b, "s2", "agency", "escrow", 1, "EUR", 0, NULL),
      CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk2), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_SIGNATURE_INVALID);
  /* re-registering with another key */
  snprintf(json, sizeof json, "{\"key\": \"muni-1\", \"public_key\": \"%s\"}",
           pk2);
  ck_assert_int_eq(
      civic_batch_add_event(b, "k2", "civic.key.register", "muni", 0, json),
      CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_KEY_EXISTS);
  civic_batch_clear(b);
  ck_assert_int_eq(civic_batch_add_event(b, "k3", "civic.key.register", "muni",
                                         0,
                                         "{\"key\": \"m2\","
                                         " \"public_key\": \"zz\"}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_INVALID_KEY);
  civic_batch_clear(b);
  ck_assert_int_eq(civic_batch_add_event(b, "k4", "civic.key.revoke", "muni", 0,
                                         "{\"key\": \"nope\"}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_UNKNOWN_KEY);
  /* revoke, then a batch signed by the revoked key is refused */
  civic_batch_clear(b);
  ck_assert_int_eq(civic_batch_add_event(b, "k5", "civic.key.revoke", "muni", 0,
                                         "{\"key\": \"muni-1\"}"),
                   CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  civic_batch_clear(b);
  ck_assert_int_eq(
      civic_batch_add_transfer(b, "s3", "agency", "escrow", 1, "EUR", 0, NULL),
      CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "muni-1", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_E_KEY_REVOKED);
  civic_batch_free(b);
  civic_free(pk);
  civic_free(sk);
  civic_free(pk2);
  civic_free(sk2);
  civic_ledger_free(l);
}
END_TEST

START_TEST(invalid_arguments) {
  civic_ledger *l = setup();
  civic_batch *b = NULL;
  int64_t v;
  ck_assert_int_eq(civic_ledger_new_memory(NULL), CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_ledger_post(l, NULL, NULL), CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_ledger_balance(l, NULL, &v), CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_transfer(b, NULL, "a", "b", 1, "E", 0, NULL),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_batch_add_event(b, "e", NULL, "", 0, "{}"),
                   CIVIC_E_INVALID_ARGUMENT);
  civic_batch_free(b);
  civic_batch_free(NULL);
  civic_ledger_free(NULL);
  civic_ledger_free(l);
}
END_TEST

/* ---------------------------------------------------------- properties */

#define N_ACCOUNTS 6

/* A random batch: mostly good transfers between random accounts of two
 * assets, sometimes a pending / post / void, sometimes a poisoned item. */
static void random_batch(civic_test_rng *rng, civic_batch *b, int round,
                         int *next_id) {
  int n = 1 + (int)civic_test_rng_below(rng, 3), i;
  char id[32], from[16], to[16], pid[32];
  for (i = 0; i < n; i++) {
    int asset = (int)civic_test_rng_below(rng, 2);
    int f = (int)civic_test_rng_below(rng, N_ACCOUNTS);
    int t = (int)civic_test_rng_below(rng, N_ACCOUNTS);
    int64_t amount = civic_test_rng_below(rng, 40) == 0
                         ? -5
                         : 1 + (int64_t)civic_test_rng_below(rng, 300);
    int what = (int)civic_test_rng_below(rng, 20);
    snprintf(id, sizeof id, "t%d", (*next_id)++);
    snprintf(from, sizeof from, "%c%d", asset ? 'h' : 'e', f);
    snprintf(to, sizeof to, "%c%d", asset ? 'h' : 'e', t);
    if (what == 0 && *next_id > 3) { /* retry an older id */
      snprintf(id, sizeof id, "t%d",
               (int)civic_test_rng_below(rng, (uint64_t)*next_id - 1));
    }
    if (what == 1 || what == 5) {
      ck_assert_int_eq(civic_batch_add_pending(b, id, from, to, amount,
                                               asset ? "HLN" : "EUR", round,
                                               NULL),
                       CIVIC_OK);
    } else if (what == 2 || what == 3) {
      snprintf(pid, sizeof pid, "t%d",
               (int)civic_test_rng_below(rng, (uint64_t)*next_id));
      if (what == 2)
        ck_assert_int_eq(civic_batch_add_post_pending(
                             b, id, pid, (int64_t)civic_test_rng_below(rng, 50),
                             round, NULL),
                         CIVIC_OK);
      else
        ck_assert_int_eq(civic_batch_add_void_pending(b, id, pid, round, NULL),
                         CIVIC_OK);
    } else {
      ck_assert_int_eq(civic_batch_add_transfer(b, id, from, to, amount,
                                                asset ? "HLN" : "EUR", round,
                                                what == 4 ? "ref" : NULL),
                       CIVIC_OK);
    }
  }
  if (civic_test_rng_below(rng, 4) == 0) {
    snprintf(id, sizeof id, "ev%d", (int)civic_test_rng_below(rng, 40));
    ck_assert_int_eq(
        civic_batch_add_event(b, id, "test.ev", "me", 1, "{\"k\": 1}"),
        CIVIC_OK);
  }
}

static void check_sums_zero(civic_ledger *l) {
  int64_t sum[2] = {0, 0};
  int i;
  char id[16];
  for (i = 0; i < 2 * N_ACCOUNTS; i++) {
    snprintf(id, sizeof id, "%c%d", i < N_ACCOUNTS ? 'e' : 'h', i % N_ACCOUNTS);
    sum[i / N_ACCOUNTS] += bal(l, id);
  }
  ck_assert_int_eq(sum[0], 0);
  ck_assert_int_eq(sum[1], 0);
}

static void setup_random(civic_ledger *l) {
  civic_batch *b = NULL;
  char id[16];
  int i;
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_asset(b, "EUR", 2), CIVIC_OK);
  ck_assert_int_eq(civic_batch_add_asset(b, "HLN", 0), CIVIC_OK);
  for (i = 0; i < 2 * N_ACCOUNTS; i++) {
    snprintf(id, sizeof id, "%c%d", i < N_ACCOUNTS ? 'e' : 'h', i % N_ACCOUNTS);
    ck_assert_int_eq(
        civic_batch_add_account(b, id, i < N_ACCOUNTS ? "EUR" : "HLN",
                                i % N_ACCOUNTS == 0   ? CIVIC_NO_MIN_BALANCE
                                : i % N_ACCOUNTS == 1 ? -200
                                                      : 0),
        CIVIC_OK);
  }
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  civic_batch_free(b);
}

START_TEST(property_random_batches) {
  char path[256], live[65], replayed[65], before[65], after[65];
  civic_test_rng rng = {20261122u};
  civic_ledger *l = NULL, *m = NULL;
  civic_batch *b = NULL;
  int round, next_id = 0, accepted = 0, refused_n = 0;
  snprintf(path, sizeof path, "%s/test_ledger_prop_%d.jnl", CIVIC_BINARY_DIR,
           (int)getpid());
  unlink(path);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  m = mem();
  setup_random(l);
  setup_random(m);
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  for (round = 0; round < 400; round++) {
    civic_status st, st2;
    uint64_t p0, p1;
    civic_batch_clear(b);
    random_batch(&rng, b, round, &next_id);
    hash_of(l, before);
    ck_assert_int_eq(civic_ledger_position(l, &p0), CIVIC_OK);
    st = civic_ledger_post(l, b, NULL);
    st2 = civic_ledger_post(m, b, NULL); /* memory and journal agree */
    ck_assert_int_eq(st, st2);
    hash_of(l, after);
    if (st != CIVIC_OK) {
      refused_n++;
      ck_assert_str_eq(before, after);
      ck_assert_int_eq(civic_ledger_position(l, &p1), CIVIC_OK);
      ck_assert_uint_eq(p0, p1);
    } else {
      accepted++;
      /* a retry of an accepted batch is a no-op */
      ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
      hash_of(l, before);
      ck_assert_str_eq(before, after);
    }
    hash_of(m, before);
    ck_assert_str_eq(before, after);
    check_sums_zero(l);
  }
  ck_assert_int_gt(accepted, 80);
  ck_assert_int_gt(refused_n, 50);
  hash_of(l, live);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  hash_of(l, replayed);
  ck_assert_str_eq(live, replayed);
  check_sums_zero(l);
  civic_batch_free(b);
  civic_ledger_free(l);
  civic_ledger_free(m);
  unlink(path);
}
END_TEST

/* Many threads post durable batches on one handle (group commit). */
typedef struct thread_arg {
  civic_ledger *l;
  int thread;
} thread_arg;

static void *poster(void *p) {
  thread_arg *a = p;
  civic_batch *b = NULL;
  char id[32];
  int i;
  if (civic_batch_new(&b) != CIVIC_OK)
    return NULL;
  for (i = 0; i < 50; i++) {
    civic_batch_clear(b);
    snprintf(id, sizeof id, "th%d-%d", a->thread, i);
    if (civic_batch_add_transfer(b, id, "e0", "e2", 1, "EUR", i, NULL) !=
            CIVIC_OK ||
        civic_ledger_post(a->l, b, NULL) != CIVIC_OK)
      abort();
  }
  civic_batch_free(b);
  return NULL;
}

/* The account memo in front of the account table is only a cache: ids that
 * share length and first and last 8 bytes (one memo slot), and an account
 * that was created in a refused batch (so its index is reused by another
 * id), must still resolve exactly. References and "post the whole pending
 * amount" survive a journal round trip. */
START_TEST(account_memo_collisions_and_rollback) {
  char path[256], live[65], replayed[65];
  civic_ledger *l = NULL;
  civic_transfer_view v;
  int64_t b1 = 0;
  snprintf(path, sizeof path, "%s/test_ledger_memo_%d.jnl", CIVIC_BINARY_DIR,
           (int)getpid());
  unlink(path);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  ck_assert_int_eq(post(l,
                        "{\"assets\": [{\"code\": \"EUR\", \"scale\": 2}],"
                        " \"accounts\": ["
                        "{\"id\": \"aaaaaaaa-1-bbbbbbbb\", \"asset\": \"EUR\","
                        " \"min_balance\": null},"
                        "{\"id\": \"aaaaaaaa-2-bbbbbbbb\", \"asset\": \"EUR\","
                        " \"min_balance\": null},"
                        "{\"id\": \"aaaaaaaa-3-bbbbbbbb\", \"asset\": \"EUR\","
                        " \"min_balance\": 0}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(post(l, "{\"transfers\": ["
                           "{\"id\": \"t1\", \"from\": \"aaaaaaaa-1-bbbbbbbb\","
                           " \"to\": \"aaaaaaaa-2-bbbbbbbb\", \"amount\": 5,"
                           " \"asset\": \"EUR\", \"reference\": \"r-1\"},"
                           "{\"id\": \"t2\", \"from\": \"aaaaaaaa-2-bbbbbbbb\","
                           " \"to\": \"aaaaaaaa-3-bbbbbbbb\", \"amount\": 3,"
                           " \"asset\": \"EUR\"},"
                           "{\"id\": \"t3\", \"from\": \"aaaaaaaa-1-bbbbbbbb\","
                           " \"to\": \"aaaaaaaa-3-bbbbbbbb\", \"amount\": 7,"
                           " \"asset\": \"EUR\"}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(bal(l, "aaaaaaaa-1-bbbbbbbb"), -12);
  ck_assert_int_eq(bal(l, "aaaaaaaa-2-bbbbbbbb"), 2);
  ck_assert_int_eq(bal(l, "aaaaaaaa-3-bbbbbbbb"), 10);
  /* "x-new" is created and used, then the batch is refused (t5 overdraws
   * the escrow): the memo may remember it, the ledger must not */
  ck_assert_int_eq(
      post(l, "{\"accounts\": [{\"id\": \"x-new\", \"asset\": \"EUR\","
              " \"min_balance\": null}],"
              " \"transfers\": ["
              "{\"id\": \"t4\", \"from\": \"x-new\","
              " \"to\": \"aaaaaaaa-3-bbbbbbbb\", \"amount\": 1,"
              " \"asset\": \"EUR\"},"
              "{\"id\": \"t5\", \"from\": \"aaaaaaaa-3-bbbbbbbb\","
              " \"to\": \"x-new\", \"amount\": 100,"
              " \"asset\": \"EUR\"}]}"),
      CIVIC_E_EXCEEDS_MIN_BALANCE);
  ck_assert(!civic_ledger_has_account(l, "x-new"));
  /* another id takes the rolled-back account's index */
  ck_assert_int_eq(
      post(l, "{\"accounts\": [{\"id\": \"y-new\", \"asset\": \"EUR\","
              " \"min_balance\": null}]}"),
      CIVIC_OK);
  ck_assert_int_eq(
      post(l, "{\"transfers\": [{\"id\": \"t6\", \"from\": \"x-new\","
              " \"to\": \"y-new\", \"amount\": 1, \"asset\": \"EUR\"}]}"),
      CIVIC_E_UNKNOWN_ACCOUNT);
  ck_assert_int_eq(post(l,
                        "{\"transfers\": [{\"id\": \"p1\", \"from\": \"y-new\","
                        " \"to\": \"aaaaaaaa-3-bbbbbbbb\", \"amount\": 9,"
                        " \"asset\": \"EUR\", \"pending\": true},"
                        " {\"id\": \"p1-post\", \"post_pending\": \"p1\","
                        " \"reference\": \"whole\"}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(bal(l, "y-new"), -9);
  /* the whole-amount post is a retry only when posted again without amount */
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1-post\","
                           " \"post_pending\": \"p1\", \"reference\":"
                           " \"whole\"}]}"),
                   CIVIC_OK);
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1-post\","
                           " \"post_pending\": \"p1\", \"amount\": 9,"
                           " \"reference\": \"whole\"}]}"),
                   CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS);
  hash_of(l, live);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  hash_of(l, replayed);
  ck_assert_str_eq(live, replayed);
  ck_assert_int_eq(civic_ledger_transfer_find(l, "t1", &v), CIVIC_OK);
  ck_assert_str_eq(v.reference, "r-1");
  ck_assert_str_eq(v.asset, "EUR");
  ck_assert_int_eq(civic_ledger_transfer_find(l, "t2", &v), CIVIC_OK);
  ck_assert_str_eq(v.reference, "");
  ck_assert_int_eq(civic_ledger_transfer_find(l, "p1-post", &v), CIVIC_OK);
  ck_assert_str_eq(v.reference, "whole");
  ck_assert_int_eq(v.amount, 9);
  ck_assert_int_eq(civic_ledger_balance(l, "aaaaaaaa-3-bbbbbbbb", &b1),
                   CIVIC_OK);
  ck_assert_int_eq(b1, 19);
  ck_assert_int_eq(post(l, "{\"transfers\": [{\"id\": \"p1-post\","
                           " \"post_pending\": \"p1\", \"reference\":"
                           " \"whole\"}]}"),
                   CIVIC_OK);
  civic_ledger_free(l);
  unlink(path);
}
END_TEST

START_TEST(concurrent_durable_posts) {
  char path[256], live[65], replayed[65];
  civic_ledger *l = NULL;
  pthread_t th[4];
  thread_arg args[4];
  int i;
  snprintf(path, sizeof path, "%s/test_ledger_threads_%d.jnl", CIVIC_BINARY_DIR,
           (int)getpid());
  unlink(path);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  setup_random(l);
  for (i = 0; i < 4; i++) {
    args[i].l = l;
    args[i].thread = i;
    pthread_create(&th[i], NULL, poster, &args[i]);
  }
  for (i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  ck_assert_int_eq(bal(l, "e2"), 200);
  hash_of(l, live);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  hash_of(l, replayed);
  ck_assert_str_eq(live, replayed);
  ck_assert_int_eq(bal(l, "e2"), 200);
  civic_ledger_free(l);
  unlink(path);
}
END_TEST

static Suite *ledger_suite(void) {
  Suite *s = suite_create("ledger");
  TCase *tc = tcase_create("core");
  TCase *tc_slow;
  tcase_add_test(tc, basic_transfer_and_balances);
  tcase_add_test(tc, retry_is_skipped_and_changes_nothing);
  tcase_add_test(tc, every_transfer_refusal_has_its_code);
  tcase_add_test(tc, asset_and_account_refusals);
  tcase_add_test(tc, json_input_errors);
  tcase_add_test(tc, batch_is_all_or_nothing);
  tcase_add_test(tc, two_phase_transfers);
  tcase_add_test(tc, overflow_is_refused);
  tcase_add_test(tc, events_are_idempotent_and_canonical);
  tcase_add_test(tc, queries_history_reference_balance_at);
  tcase_add_test(tc, key_registry_and_signatures);
  tcase_add_test(tc, invalid_arguments);
  tcase_add_test(tc, account_memo_collisions_and_rollback);
  tcase_add_test(tc, concurrent_durable_posts);
  suite_add_tcase(s, tc);
  /* Long property loops: run plain and under the sanitizers, skipped
   * by the valgrind stage (CK_EXCLUDE_TAGS=slow). */
  tc_slow = tcase_create("slow");
  tcase_set_tags(tc_slow, "slow");
  tcase_add_test(tc_slow, property_random_batches);
  suite_add_tcase(s, tc_slow);
  return s;
}

int main(void) { return civic_test_run(ledger_suite()); }
