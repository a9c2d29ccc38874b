/* fuzz_ledger_ops: differential test of the ledger against a small
 * reference model of spec section 9. The bytes become up to eight batches of
 * asset, account and transfer operations over small id pools (so ids get
 * reused: safe retries and conflicting re-declarations), posted through the
 * C batch API. After every batch the ledger and the model must agree on
 * whether it was accepted (all or nothing) and on every balance.
 *
 * Model rules (spec section 9 plus the ledger header): assets, then
 * accounts, then transfers are applied in order; an item whose id exists
 * with identical fields is skipped, with other fields it refuses the batch;
 * an account needs a known asset and min_balance <= 0 (or no minimum); a
 * transfer needs amount > 0, two different known accounts holding its
 * asset, must not take `from` below its minimum, and no balance may leave
 * int64. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"

#define N_ACC 6
#define N_TR 16
#define N_ASSETS 3

static const char *const ASSET_CODES[N_ASSETS] = {"EUR", "HLN", "XYZ"};
static const char *const ACC_IDS[N_ACC] = {"a0", "a1", "a2", "a3", "a4", "a5"};
static const char *const TR_IDS[N_TR] = {
    "t0", "t1", "t2",  "t3",  "t4",  "t5",  "t6",  "t7",
    "t8", "t9", "t10", "t11", "t12", "t13", "t14", "t15"};

typedef struct model {
  bool asset_exists[N_ASSETS];
  int32_t scale[N_ASSETS];
  bool acc_exists[N_ACC];
  int acc_asset[N_ACC];
  int64_t acc_min[N_ACC];
  fz_i128 balance[N_ACC];
  bool tr_exists[N_TR];
  int tr_from[N_TR], tr_to[N_TR], tr_asset[N_TR];
  int64_t tr_amount[N_TR], tr_time[N_TR];
} model;

typedef struct op_asset {
  int code;
  int32_t scale;
} op_asset;
typedef struct op_account {
  int id, asset;
  int64_t min;
} op_account;
typedef struct op_transfer {
  int id, from, to, asset;
  int64_t amount, time;
} op_transfer;

static int64_t pick_min(fz_bytes *b) {
  static const int64_t MINS[] = {
      0, -50, -1000000, CIVIC_NO_MIN_BALANCE, 5, INT64_MIN + 1};
  return MINS[fz_range(b, 0, sizeof MINS / sizeof MINS[0] - 1)];
}

static int64_t pick_amount(fz_bytes *b) {
  switch (fz_range(b, 0, 7)) {
  case 0:
    return 0;
  case 1:
    return -(int64_t)fz_range(b, 1, 10);
  case 2:
    return INT64_MAX - (int64_t)fz_range(b, 0, 3);
  case 3:
    return (int64_t)fz_range(b, 1, 2000000);
  default:
    return (int64_t)fz_range(b, 1, 200);
  }
}

/* Apply one batch to a copy of the model; true if the whole batch holds. */
static bool model_apply(model *m, const op_asset *as, size_t nas,
                        const op_account *ac, size_t nac, const op_transfer *tr,
                        size_t ntr) {
  model t = *m;
  for (size_t i = 0; i < nas; i++) {
    int c = as[i].code;
    if (t.asset_exists[c]) {
      if (t.scale[c] != as[i].scale)
        return false;
      continue;
    }
    if (as[i].scale < 0 || as[i].scale > 18)
      return false;
    t.asset_exists[c] = true;
    t.scale[c] = as[i].scale;
  }
  for (size_t i = 0; i < nac; i++) {
    int id = ac[i].id;
    if (t.acc_exists[id]) {
      if (t.acc_asset[id] != ac[i].asset || t.acc_min[id] != ac[i].min)
        return false;
      continue;
    }
    if (!t.asset_exists[ac[i].asset] || ac[i].min > 0)
      return false;
    t.acc_exists[id] = true;
    t.acc_asset[id] = ac[i].asset;
    t.acc_min[id] = ac[i].min;
    t.balance[id] = 0;
  }
  for (size_t i = 0; i < ntr; i++) {
    const op_transfer *x = &tr[i];
    int id = x->id;
    if (t.tr_exists[id]) {
      if (t.tr_from[id] != x->from || t.tr_to[id] != x->to ||
          t.tr_asset[id] != x->asset || t.tr_amount[id] != x->amount ||
          t.tr_time[id] != x->time)
        return false;
      continue;
    }
    if (x->amount <= 0 || x->from == x->to || !t.asset_exists[x->asset] ||
        !t.acc_exists[x->from] || !t.acc_exists[x->to] ||
        t.acc_asset[x->from] != x->asset || t.acc_asset[x->to] != x->asset)
      return false;
    if (t.acc_min[x->from] != CIVIC_NO_MIN_BALANCE &&
        t.balance[x->from] - x->amount < t.acc_min[x->from])
      return false;
    if (t.balance[x->from] - x->amount < INT64_MIN ||
        t.balance[x->to] + x->amount > INT64_MAX)
      return false;
    t.balance[x->from] -= x->amount;
    t.balance[x->to] += x->amount;
    t.tr_exists[id] = true;
    t.tr_from[id] = x->from;
    t.tr_to[id] = x->to;
    t.tr_asset[id] = x->asset;
    t.tr_amount[id] = x->amount;
    t.tr_time[id] = x->time;
  }
  *m = t;
  return true;
}

static void compare(const civic_ledger *l, const model *m, int batch) {
  for (int i = 0; i < N_ACC; i++) {
    int64_t bal = 0;
    civic_status st = civic_ledger_balance(l, ACC_IDS[i], &bal);
    if (!m->acc_exists[i]) {
      FZ_CHECK(st == CIVIC_E_UNKNOWN_REFERENCE,
               "ledger_ops: batch %d: account %s should not exist (%s)", batch,
               ACC_IDS[i], civic_status_name(st));
      continue;
    }
    FZ_CHECK(st == CIVIC_OK, "ledger_ops: batch %d: balance(%s): %s", batch,
             ACC_IDS[i], civic_status_name(st));
    FZ_CHECK(bal == (int64_t)m->balance[i],
             "ledger_ops: batch %d: balance of %s is %lld, model says %lld",
             batch, ACC_IDS[i], (long long)bal, (long long)m->balance[i]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_bytes b = {data, size};
  civic_ledger *l = NULL;
  civic_batch *batch = NULL;
  model m;
  int n_batches = (int)fz_range(&b, 1, 8);
  memset(&m, 0, sizeof m);
  if (civic_ledger_new_memory(&l) != CIVIC_OK ||
      civic_batch_new(&batch) != CIVIC_OK)
    abort();
  for (int k = 0; k < n_batches; k++) {
    op_asset as[2];
    op_account ac[3];
    op_transfer tr[4];
    size_t nas = (size_t)fz_range(&b, 0, 2), nac = (size_t)fz_range(&b, 0, 3),
           ntr = (size_t)fz_range(&b, 0, 4);
    bool want, got;
    civic_status st;
    char hash0[65], hash1[65];
    civic_batch_clear(batch);
    for (size_t i = 0; i < nas; i++) {
      static const int32_t SCALES[] = {2, 0, 19, 2};
      as[i].code = (int)fz_range(&b, 0, N_ASSETS - 1);
      as[i].scale = SCALES[fz_range(&b, 0, 3)];
      if (civic_batch_add_asset(batch, ASSET_CODES[as[i].code], as[i].scale))
        abort();
    }
    for (size_t i = 0; i < nac; i++) {
      ac[i].id = (int)fz_range(&b, 0, N_ACC - 1);
      ac[i].asset = (int)fz_range(&b, 0, N_ASSETS - 1);
      ac[i].min = pick_min(&b);
      if (civic_batch_add_account(batch, ACC_IDS[ac[i].id],
                                  ASSET_CODES[ac[i].asset], ac[i].min))
        abort();
    }
    for (size_t i = 0; i < ntr; i++) {
      tr[i].id = (int)fz_range(&b, 0, N_TR - 1);
      tr[i].from = (int)fz_range(&b, 0, N_ACC - 1);
      tr[i].to = (int)fz_range(&b, 0, N_ACC - 1);
      tr[i].asset = (int)fz_range(&b, 0, 1);
      tr[i].amount = pick_amount(&b);
      tr[i].time = (int64_t)fz_range(&b, 0, 1);
      if (civic_batch_add_transfer(batch, TR_IDS[tr[i].id], ACC_IDS[tr[i].from],
                                   ACC_IDS[tr[i].to], tr[i].amount,
                                   ASSET_CODES[tr[i].asset], tr[i].time, NULL))
        abort();
    }
    FZ_CHECK(civic_ledger_state_hash_hex(l, hash0) == CIVIC_OK, "hash");
    want = model_apply(&m, as, nas, ac, nac, tr, ntr);
    st = civic_ledger_post(l, batch, NULL);
    got = st == CIVIC_OK;
    FZ_CHECK(want == got,
             "ledger_ops: batch %d: model %s it, ledger says %s (%s)", k,
             want ? "accepts" : "refuses", civic_status_name(st),
             civic_ledger_errmsg(l));
    if (!got) {
      FZ_CHECK(civic_ledger_state_hash_hex(l, hash1) == CIVIC_OK, "hash");
      FZ_CHECK(strcmp(hash0, hash1) == 0,
               "ledger_ops: refused batch %d changed the state hash", k);
    }
    compare(l, &m, k);
  }
  civic_batch_free(batch);
  civic_ledger_free(l);
  return 0;
}
