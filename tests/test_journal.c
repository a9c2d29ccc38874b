/* The journal: replay, torn tails, damage detection (every single byte
 * flipped), hash links, signatures, locking, verify and export. */
#include <civic/civic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "journal.h"
#include "ledger_internal.h"
#include "testutil.h"

static char *tmp_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/test_journal_%d_%s.jnl", CIVIC_BINARY_DIR,
           (int)getpid(), name);
  unlink(path);
  return path;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void write_all(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void post_ok(civic_ledger *l, const char *json) {
  char *res = NULL;
  civic_status st = civic_ledger_post_json(l, json, &res);
  ck_assert_msg(st == CIVIC_OK, "%s: %s", civic_status_name(st),
                civic_ledger_errmsg(l));
  civic_free(res);
}

static const char *B1 =
    "{\"assets\": [{\"code\": \"EUR\", \"scale\": 2}],"
    " \"accounts\": [{\"id\": \"a\", \"asset\": \"EUR\", \"min_balance\":"
    " null}, {\"id\": \"b\", \"asset\": \"EUR\", \"min_balance\": 0}]}";
static const char *B2 =
    "{\"transfers\": [{\"id\": \"t1\", \"from\": \"a\", \"to\": \"b\","
    " \"amount\": 70, \"asset\": \"EUR\", \"reference\": \"x\"}],"
    " \"events\": [{\"id\": \"e1\", \"type\": \"t\", \"actor\": \"m\","
    " \"data\": {\"n\": 1}}]}";
static const char *B3 =
    "{\"transfers\": [{\"id\": \"t2\", \"from\": \"b\", \"to\": \"a\","
    " \"amount\": 20, \"asset\": \"EUR\", \"pending\": true}]}";

/* A small journal of three records, the last one signed; returns its state
 * hash in hex. */
static void make_journal(const char *path, char hex[65]) {
  civic_ledger *l = NULL;
  civic_batch *b = NULL;
  char *pk = NULL, *sk = NULL, data[256];
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  post_ok(l, B2);
  ck_assert_int_eq(civic_keypair_new_hex(&pk, &sk), CIVIC_OK);
  snprintf(data, sizeof data, "{\"key\": \"k\", \"public_key\": \"%s\"}", pk);
  ck_assert_int_eq(civic_batch_new(&b), CIVIC_OK);
  ck_assert_int_eq(
      civic_batch_add_event(b, "reg", "civic.key.register", "m", 0, data),
      CIVIC_OK);
  ck_assert_int_eq(
      civic_batch_add_pending(b, "t2", "b", "a", 20, "EUR", 0, NULL), CIVIC_OK);
  ck_assert_int_eq(civic_batch_sign(b, "k", sk), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_post(l, b, NULL), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hex), CIVIC_OK);
  civic_batch_free(b);
  civic_free(pk);
  civic_free(sk);
  civic_ledger_free(l);
}

START_TEST(reopen_replays_to_same_state) {
  char *path = tmp_path("reopen"), live[65], again[65], *report = NULL;
  civic_ledger *l = NULL;
  civic_account_view v;
  make_journal(path, live);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, again), CIVIC_OK);
  ck_assert_str_eq(live, again);
  ck_assert_int_eq(civic_ledger_account_get(l, "b", &v), CIVIC_OK);
  ck_assert_int_eq(v.balance, 70);
  ck_assert_int_eq(v.debits_pending, 20);
  ck_assert_uint_eq(civic_ledger_position_get(l), 3);
  /* posting after reopen continues the chain */
  post_ok(l, "{\"transfers\": [{\"id\": \"t3\", \"from\": \"a\", \"to\":"
             " \"b\", \"amount\": 1, \"asset\": \"EUR\"}]}");
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, live), CIVIC_OK);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(report, "\"records\":4"));
  ck_assert_ptr_nonnull(strstr(report, live));
  civic_free(report);
  ck_assert_int_eq(civic_ledger_export_file(path, &report), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(report, "\"signer\":\"k\""));
  ck_assert_ptr_nonnull(strstr(report, "\"id\":\"t3\""));
  civic_free(report);
  unlink(path);
}
END_TEST

START_TEST(create_refuses_existing_and_second_writer) {
  char *path = tmp_path("exists"), hex[65];
  civic_ledger *l = NULL, *l2 = NULL;
  make_journal(path, hex);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_E_IO);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_open(&l2, path), CIVIC_E_JOURNAL_LOCKED);
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l2, path), CIVIC_OK);
  civic_ledger_free(l2);
  ck_assert_int_eq(civic_ledger_open(&l, "/nonexistent/dir/x.jnl"), CIVIC_E_IO);
  unlink(path);
}
END_TEST

START_TEST(torn_tail_is_cut_back) {
  char *path = tmp_path("torn"), hex[65], two[65], got[65], *report = NULL;
  uint8_t *data;
  size_t len, cut, full2;
  civic_ledger *l = NULL;
  /* the state after two records */
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  post_ok(l, B2);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, two), CIVIC_OK);
  civic_ledger_free(l);
  data = read_all(path, &full2);
  free(data);
  unlink(path);
  make_journal(path, hex);
  data = read_all(path, &len);
  /* every cut inside the third record leaves exactly the first two */
  for (cut = full2; cut < len; cut += cut < full2 + 30 ? 1 : 11) {
    write_all(path, data, cut);
    ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                     cut == full2 ? CIVIC_OK : CIVIC_E_JOURNAL_TORN_TAIL);
    civic_free(report);
    ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
    ck_assert_int_eq(civic_ledger_state_hash_hex(l, got), CIVIC_OK);
    ck_assert_str_eq(got, two);
    civic_ledger_free(l);
    /* the file was cut back: it verifies now */
    ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
    civic_free(report);
  }
  free(data);
  unlink(path);
}
END_TEST

START_TEST(every_flipped_byte_is_detected) {
  char *path = tmp_path("flip"), hex[65], *report = NULL;
  uint8_t *data;
  size_t len, i;
  int bit;
  civic_ledger *l = NULL;
  make_journal(path, hex);
  data = read_all(path, &len);
  for (i = 0; i < len; i++) {
    for (bit = 0; bit < 8; bit += 7) { /* lowest and highest bit */
      civic_status st;
      data[i] ^= (uint8_t)(1u << bit);
      write_all(path, data, len);
      st = civic_ledger_verify_file(path, &report);
      ck_assert_msg(st != CIVIC_OK, "flip of byte %zu bit %d not detected", i,
                    bit);
      ck_assert_ptr_nonnull(strstr(report, "\"ok\":false"));
      civic_free(report);
      ck_assert_msg(civic_ledger_open(&l, path) != CIVIC_OK,
                    "open accepted flip of byte %zu bit %d", i, bit);
      data[i] ^= (uint8_t)(1u << bit);
    }
  }
  write_all(path, data, len);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
  civic_free(report);
  free(data);
  unlink(path);
}
END_TEST

/* Append a hand-made record (valid checksum) with the given body and prev
 * hash to a journal file. */
static void append_record(const char *path, uint64_t position,
                          const uint8_t prev[32], const uint8_t *body,
                          size_t body_len) {
  size_t total = civic_record_size(body_len, 0, false), len;
  uint8_t *rec = calloc(1, total), hash[32];
  uint8_t *data = read_all(path, &len);
  uint8_t *all = malloc(len + total);
  memcpy(rec + CIVIC_RECORD_PREFIX_BYTES, body, body_len);
  civic_record_finish(rec, position, prev, body_len, NULL, 0, NULL, hash);
  memcpy(all, data, len);
  memcpy(all + len, rec, total);
  write_all(path, all, len + total);
  free(all);
  free(data);
  free(rec);
}

/* The hash of the last record of a journal (its last 32 bytes, unsigned). */
static void last_hash(const char *path, uint8_t out[32]) {
  size_t len;
  uint8_t *data = read_all(path, &len);
  memcpy(out, data + len - 32, 32);
  free(data);
}

/* Body with one transfer "tx" from `from` to "b" of 5 EUR. */
static size_t transfer_body(uint8_t *p, const char *from) {
  uint8_t *s = p;
  const char *strs[] = {"tx", from, "b"};
  int i;
  memset(p, 0, 16);
  p[8] = 1; /* one transfer */
  p += 16;
  *p++ = 0; /* kind normal */
  for (i = 0; i < 3; i++) {
    uint32_t n = (uint32_t)strlen(strs[i]);
    memcpy(p, &n, 4); /* little-endian hosts only (test) */
    memcpy(p + 4, strs[i], n);
    p += 4 + n;
  }
  memset(p, 0, 8);
  p[0] = 5;
  p += 8;
  {
    uint32_t n = 3;
    memcpy(p, &n, 4);
    memcpy(p + 4, "EUR", 3);
    p += 7;
  }
  memset(p, 0, 16); /* time 0, reference "" (len 0), pending "" */
  p += 16;
  return (size_t)(p - s);
}

START_TEST(crafted_records_are_refused_with_their_codes) {
  char *path = tmp_path("craft"), *report = NULL;
  civic_ledger *l = NULL;
  uint8_t prev[32], body[256], zero[32] = {0};
  size_t n;
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  civic_ledger_free(l);
  last_hash(path, prev);
  /* a well-formed record from a good account applies */
  n = transfer_body(body, "a");
  append_record(path, 2, prev, body, n);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
  civic_free(report);
  /* broken link: right checksum, wrong previous hash */
  last_hash(path, prev);
  n = transfer_body(body, "a");
  body[16 + 1 + 4 + 1] = 'y'; /* id "ty" */
  append_record(path, 3, zero, body, n);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_JOURNAL_BROKEN_LINK);
  ck_assert_ptr_nonnull(strstr(report, "\"record\":3"));
  civic_free(report);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_E_JOURNAL_BROKEN_LINK);
  unlink(path);
  /* a record that no longer applies (unknown account) */
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  civic_ledger_free(l);
  last_hash(path, prev);
  n = transfer_body(body, "q");
  append_record(path, 2, prev, body, n);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_JOURNAL_REPLAY_FAILED);
  ck_assert_ptr_nonnull(strstr(report, "unknown account"));
  civic_free(report);
  unlink(path);
  /* wrong position number */
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  civic_ledger_free(l);
  last_hash(path, prev);
  n = transfer_body(body, "a");
  append_record(path, 7, prev, body, n);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_JOURNAL_CORRUPT);
  civic_free(report);
  unlink(path);
  /* a malformed body (garbage after the items) */
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  civic_ledger_free(l);
  last_hash(path, prev);
  n = transfer_body(body, "a");
  body[n++] = 1;
  append_record(path, 2, prev, body, n);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_JOURNAL_CORRUPT);
  civic_free(report);
  unlink(path);
}
END_TEST

START_TEST(not_a_journal) {
  char *path = tmp_path("notj"), *report = NULL;
  civic_ledger *l = NULL;
  write_all(path, (const uint8_t *)"{\"hello\": 1}\n", 13);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_JOURNAL_NOT_A_JOURNAL);
  civic_free(report);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_E_JOURNAL_NOT_A_JOURNAL);
  write_all(path, (const uint8_t *)"", 0);
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_E_JOURNAL_NOT_A_JOURNAL);
  unlink(path);
}
END_TEST

START_TEST(signed_record_with_forged_signature) {
  char *path = tmp_path("forge"), hex[65], *report = NULL;
  uint8_t *data;
  size_t len;
  make_journal(path, hex);
  data = read_all(path, &len);
  /* the signature is the last 64 bytes; flip one bit of it */
  data[len - 10] ^= 0x10;
  write_all(path, data, len);
  ck_assert_int_eq(civic_ledger_verify_file(path, &report),
                   CIVIC_E_SIGNATURE_INVALID);
  ck_assert_ptr_nonnull(strstr(report, "\"record\":3"));
  civic_free(report);
  free(data);
  unlink(path);
}
END_TEST

START_TEST(durable_after_post_without_close) {
  /* A handle that is never closed (a crash) loses nothing acknowledged. */
  char *path = tmp_path("noclose"), live[65], got[65];
  civic_ledger *l = NULL, *l2 = NULL;
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  post_ok(l, B2);
  post_ok(l, B3);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, live), CIVIC_OK);
  /* read it back through a read-only verify while l is still open */
  {
    char *report = NULL;
    ck_assert_int_eq(civic_ledger_verify_file(path, &report), CIVIC_OK);
    ck_assert_ptr_nonnull(strstr(report, live));
    civic_free(report);
  }
  civic_ledger_free(l);
  ck_assert_int_eq(civic_ledger_open(&l2, path), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l2, got), CIVIC_OK);
  ck_assert_str_eq(live, got);
  civic_ledger_free(l2);
  unlink(path);
}
END_TEST

START_TEST(write_failure_poisons_the_handle) {
  /* Make the next append fail (file size limit), as a full disk would. */
  char *path = tmp_path("poison"), before[65], after[65];
  civic_ledger *l = NULL;
  struct rlimit lim, saved;
  size_t len;
  uint8_t *data;
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  post_ok(l, B1);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, before), CIVIC_OK);
  data = read_all(path, &len);
  free(data);
  signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
  lim = saved;
  lim.rlim_cur = (rlim_t)len + 10; /* soft limit only: restorable */
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  ck_assert_int_eq(civic_ledger_post_json(l, B2, NULL), CIVIC_E_IO);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, after), CIVIC_OK);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(civic_ledger_post_json(l, B3, NULL),
                   CIVIC_E_LEDGER_POISONED);
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
  civic_ledger_free(l);
  /* the file was cut back: it reopens at the state before the failure */
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, after), CIVIC_OK);
  ck_assert_str_eq(before, after);
  civic_ledger_free(l);
  unlink(path);
}
END_TEST

static Suite *journal_suite(void) {
  Suite *s = suite_create("journal");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, reopen_replays_to_same_state);
  tcase_add_test(tc, create_refuses_existing_and_second_writer);
  tcase_add_test(tc, torn_tail_is_cut_back);
  tcase_add_test(tc, every_flipped_byte_is_detected);
  tcase_add_test(tc, crafted_records_are_refused_with_their_codes);
  tcase_add_test(tc, not_a_journal);
  tcase_add_test(tc, signed_record_with_forged_signature);
  tcase_add_test(tc, durable_after_post_without_close);
  tcase_add_test(tc, write_failure_poisons_the_handle);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(journal_suite()); }
