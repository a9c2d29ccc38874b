/* The ledger: assets, accounts, transfers (one- and two-phase), events and
 * the key registry, posted in all-or-nothing batches and journalled.
 *
 * How a batch is applied: items are validated and applied one by one to the
 * live state while an undo log remembers what changed; the first refusal
 * rolls everything back. That is the "scratch view" without copying the
 * state, and it lets later items of a batch see earlier ones (an account
 * created and funded in one batch). Posting holds the write lock; the fsync
 * happens after it is released so that concurrent posters share one fsync
 * (group commit). Replay (open, verify) keeps no undo log: a record that
 * fails makes the open fail and the half-built ledger is freed.
 *
 * Memory: ids and texts live in a chunked arena that never moves, so views
 * handed to other modules stay valid; lookups use open-addressing tables
 * keyed by a per-ledger SipHash-1-3 (crypto.h says why keyed), with a small
 * memo in front for the accounts transfers name; nothing is allocated per
 * transfer apart from the amortised growth of arrays (a transfer is 56
 * bytes, plus its table slot and its id and reference in the arena).
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "checked.h"
#include "civic/ledger.h"
#include "crypto.h"
#include "journal.h"
#include "json.h"
#include "ledger_internal.h"

#define NONE UINT32_MAX
#define MAX_SCALE 18
#define KEY_TYPE_PREFIX "civic.key."
#define POLICY_TYPE_PREFIX "civic.policy."
#define POLICY_REQUIRE_SIGNATURES POLICY_TYPE_PREFIX "require_signatures"
#define PREFETCH_AHEAD 8u
#define ACCOUNT_MEMO_BITS 12
#define ACCOUNT_MEMO_SLOTS (1u << ACCOUNT_MEMO_BITS)

/* Fault in a large fresh range that is about to be filled in one call
 * (Linux 5.14+) instead of one page fault per 4 KiB on first touch: the
 * transfer array when replay knows its size, a table's slots, an arena
 * chunk. Only a hint. */
static void prefault(void *p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  const uintptr_t page = 4096;
  uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1),
            hi = ((uintptr_t)p + bytes) & ~(page - 1);
  if (bytes >= ((size_t)1 << 20) && hi > lo)
    madvise((void *)lo, (size_t)(hi - lo), MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

/* ------------------------------------------------------------------ arena */

typedef struct arena_chunk {
  struct arena_chunk *prev;
  size_t used, cap;
  char data[];
} arena_chunk;

typedef struct arena {
  arena_chunk *head;
} arena;

typedef struct arena_mark {
  arena_chunk *head;
  size_t used;
} arena_mark;

/* n bytes that never move until the arena is reset past them. */
static char *arena_alloc(arena *a, size_t n) {
  arena_chunk *c = a->head;
  char *p;
  if (c == NULL || c->cap - c->used < n) {
    /* chunks grow twofold up to 2 MiB: a big ledger then asks the allocator a
     * few hundred times, not once per 64 KiB, and at most a chunk's
     * worth (or half of what is held) goes unused */
    size_t cap = c == NULL                    ? 65536
                 : c->cap < ((size_t)2 << 20) ? 2 * c->cap
                                              : c->cap;
    arena_chunk *fresh;
    if (cap < n)
      cap = n;
    fresh = malloc(sizeof *fresh + cap);
    if (fresh == NULL)
      return NULL;
    prefault(fresh, sizeof *fresh + cap);
    fresh->prev = c;
    fresh->used = 0;
    fresh->cap = cap;
    a->head = c = fresh;
  }
  p = c->data + c->used;
  c->used += n;
  return p;
}

static const char *arena_strdup(arena *a, const char *s, size_t len) {
  char *p = arena_alloc(a, len + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

/* Two strings stored back to back (each NUL-terminated) in one
 * allocation; returns the first, the second starts right after its NUL. */
static const char *arena_strdup2(arena *a, const char *s, size_t len,
                                 const char *s2, size_t len2) {
  char *p = arena_alloc(a, len + 1 + len2 + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  memcpy(p + len + 1, s2, len2);
  p[len + 1 + len2] = '\0';
  return p;
}

static arena_mark arena_get_mark(const arena *a) {
  arena_mark m = {a->head, a->head ? a->head->used : 0};
  return m;
}

static void arena_reset(arena *a, arena_mark m) {
  while (a->head != m.head) {
    arena_chunk *prev = a->head->prev;
    free(a->head);
    a->head = prev;
  }
  if (a->head)
    a->head->used = m.used;
}

static void arena_free(arena *a) {
  arena_mark none = {NULL, 0};
  arena_reset(a, none);
}

/* ------------------------------------------------------------ hash tables */

typedef struct strref {
  const char *s;
  uint32_t len;
} strref;

/* 8 bytes a slot: the low 32 bits of the hash (enough to place and to
 * filter candidates in tables of up to 2^32 slots) and the object index.
 * Small slots matter: with a million transfers the table is far larger than
 * the cache and every lookup of a new id is one random memory access. */
typedef struct slot {
  uint32_t hash;
  uint32_t idx; /* NONE when empty */
} slot;

typedef struct table {
  slot *slots;
  size_t mask; /* capacity - 1; capacity is a power of two */
  size_t count;
} table;

/* Every stored object starts with its id (a strref), so one table type
 * serves all of them: the caller passes the array base and element size. */
static const strref *key_at(const void *base, size_t stride, uint32_t idx) {
  return (const strref *)((const char *)base + (size_t)idx * stride);
}

/* Equal bytes? Ids are mostly 4-16 bytes, where a libc memcmp call costs
 * more than the compare: two overlapping loads cover any length in [4, 16]
 * without reading outside either string. */
static inline bool key_eq(const char *a, const char *b, size_t len) {
  if (len >= 8 && len <= 16) {
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    memcpy(&a1, a + len - 8, 8);
    memcpy(&b1, b + len - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (len >= 4 && len < 8) {
    uint32_t a0, a1, b0, b1;
    memcpy(&a0, a, 4);
    memcpy(&b0, b, 4);
    memcpy(&a1, a + len - 4, 4);
    memcpy(&b1, b + len - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  return memcmp(a, b, len) == 0;
}

static uint32_t table_find(const table *t, const void *base, size_t stride,
                           uint64_t h64, const char *s, size_t len) {
  uint32_t h = (uint32_t)h64;
  size_t i;
  if (t->slots == NULL)
    return NONE;
  for (i = h & t->mask;; i = (i + 1) & t->mask) {
    const slot *sl = &t->slots[i];
    if (sl->idx == NONE)
      return NONE;
    if (sl->hash == h) {
      const strref *k = key_at(base, stride, sl->idx);
      if (k->len == len && key_eq(k->s, s, len))
        return sl->idx;
    }
  }
}

/* Large tables ask for transparent huge pages: random probes then miss the
 * TLB far less often. Only a hint; plain pages work the same. */
static slot *slots_alloc(size_t cap) {
  size_t bytes = cap * sizeof(slot);
  slot *n;
  if (bytes >= ((size_t)2 << 20)) {
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0)
      return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);
    prefault(p, bytes);
    n = p;
  } else {
    n = malloc(bytes);
  }
  if (n != NULL)
    memset(n, 0xff, bytes); /* every idx = NONE */
  return n;
}

static bool table_grow(table *t) {
  size_t cap = t->slots ? (t->mask + 1) * 2 : 64, i;
  slot *n;
  if (cap > ((size_t)1 << 32))
    return false;
  n = slots_alloc(cap);
  if (n == NULL)
    return false;
  if (t->slots) {
    for (i = 0; i <= t->mask; i++) {
      size_t j;
      if (t->slots[i].idx == NONE)
        continue;
      for (j = t->slots[i].hash & (cap - 1); n[j].idx != NONE;
           j = (j + 1) & (cap - 1))
        ;
      n[j] = t->slots[i];
    }
  }
  free(t->slots);
  t->slots = n;
  t->mask = cap - 1;
  return true;
}

static bool table_insert(table *t, uint64_t h64, uint32_t idx) {
  uint32_t h = (uint32_t)h64;
  size_t i;
  /* at most half full: a miss (every new id is one) then probes ~2.5
   * slots on average instead of ~8.5 at three quarters */
  if ((t->slots == NULL || (t->count + 1) * 2 > t->mask + 1) && !table_grow(t))
    return false;
  for (i = h & t->mask; t->slots[i].idx != NONE; i = (i + 1) & t->mask)
    ;
  t->slots[i].hash = h;
  t->slots[i].idx = idx;
  t->count++;
  return true;
}

/* Make room for n entries without growing (replay knows roughly how many
 * are coming from the file size). */
static bool table_reserve(table *t, size_t n) {
  while (t->slots == NULL || n * 2 > t->mask + 1)
    if (!table_grow(t))
      return false;
  return true;
}

/* Remove entry idx (rollback only). Backward-shift deletion keeps linear
 * probing chains intact without tombstones. */
static void table_remove(table *t, uint64_t h64, uint32_t idx) {
  size_t i = (uint32_t)h64 & t->mask, j;
  while (t->slots[i].idx != idx)
    i = (i + 1) & t->mask;
  for (j = i;;) {
    size_t home;
    j = (j + 1) & t->mask;
    if (t->slots[j].idx == NONE)
      break;
    home = t->slots[j].hash & t->mask;
    /* move j back to i if its home is not cyclically within (i, j] */
    if ((j > i && (home <= i || home > j)) ||
        (j < i && home <= i && home > j)) {
      t->slots[i] = t->slots[j];
      i = j;
    }
  }
  t->slots[i].idx = NONE;
  t->count--;
}

/* ------------------------------------------------------------ the objects */

typedef struct asset {
  strref id; /* the code */
  int32_t scale;
  uint64_t position;
} asset;

typedef struct account {
  strref id;
  uint32_t asset;
  int64_t min_balance; /* CIVIC_NO_MIN_BALANCE = unbounded */
  int64_t balance, debits_pending, credits_pending;
  uint64_t position;
} account;

/* 56 bytes: a big ledger holds millions, so nothing here is derivable.
 * The asset is that of the `from` account (a transfer's accounts and asset
 * must agree); the amount as submitted is `amount` except for a post that
 * asked for the whole pending amount (submitted as 0: posted_whole). */
typedef struct transfer {
  strref id;
  uint32_t from, to;
  uint32_t pending;      /* index of the pending transfer for post/void */
  uint8_t kind;          /* civic_transfer_kind */
  uint8_t pending_state; /* civic_pending_state, for kind PENDING */
  uint8_t posted_whole;  /* post_pending submitted with amount 0 */
  int64_t amount;        /* moved (post), reserved (pending), 0 (void) */
  int64_t time;
  uint64_t position;
} transfer;

static uint32_t transfer_asset(const civic_ledger *l, const transfer *t);

/* The reference is stored right after the id in the arena (one allocation
 * and no pointer per transfer); "" when none was given. */
static const char *transfer_reference(const transfer *t) {
  return t->id.s + t->id.len + 1;
}

/* The amount as submitted (0 = the whole pending amount, post only). */
static int64_t transfer_requested(const transfer *t) {
  return t->posted_whole ? 0 : t->amount;
}

typedef struct event {
  strref id;
  const char *type, *actor, *data;
  int64_t time;
  uint64_t position;
} event;

typedef struct regkey {
  strref id;
  strref institution; /* {NULL, 0} for a legacy key (owns nothing) */
  uint8_t public_key[CIVIC_PUBLIC_KEY_BYTES];
  uint64_t registered; /* position of the registering batch */
  uint64_t revoked;    /* position of the revoking batch, 0 if live */
} regkey;

#define VEC(T)                                                                 \
  struct {                                                                     \
    T *v;                                                                      \
    uint32_t n, cap;                                                           \
  }

static bool vec_reserve(void **v, uint32_t *cap, uint32_t need, size_t size) {
  uint32_t ncap;
  void *nv;
  if (need <= *cap)
    return true;
  if (need >= NONE / 2)
    return false;
  ncap = *cap ? *cap : 16;
  while (ncap < need)
    ncap *= 2;
  nv = realloc(*v, (size_t)ncap * size);
  if (nv == NULL)
    return false;
  *v = nv;
  *cap = ncap;
  return true;
}
#define VEC_RESERVE(x, need)                                                   \
  vec_reserve((void **)&(x).v, &(x).cap, (need), sizeof *(x).v)

/* Undo log entries for changes to existing objects. */
enum { UNDO_ACCOUNT, UNDO_PENDING_STATE, UNDO_KEY_REVOKED };
typedef struct undo {
  uint32_t kind, idx;
  int64_t a, b, c;
} undo;

/* ------------------------------------------------------------- the batch */

typedef struct b_asset {
  uint32_t code;
  int32_t scale;
} b_asset;
typedef struct b_account {
  uint32_t id, asset;
  int64_t min_balance;
} b_account;
typedef struct b_transfer {
  uint8_t kind;
  uint32_t id, from, to, asset, reference, pending_id;
  int64_t amount, time;
} b_transfer;
typedef struct b_event {
  uint32_t id, type, actor, data;
  int64_t time;
} b_event;

/* Strings are offsets into `text` (which may move while the batch grows). */
struct civic_batch {
  char *text;
  size_t tlen, tcap;
  VEC(b_asset) assets;
  VEC(b_account) accounts;
  VEC(b_transfer) transfers;
  VEC(b_event) events;
  bool has_sk;
  char signer[CIVIC_SIGNER_MAX + 1];
  /* The secret key, in libsodium's guarded, locked memory (sodium_malloc:
   * never swapped, guard pages around it), allocated on the first sign and
   * wiped by sodium_free. */
  uint8_t *sk;
  /* A signature read back from the journal (replay), instead of sk. */
  bool has_sig;
  uint8_t sig[CIVIC_SIGNATURE_BYTES];
};

/* ------------------------------------------------------------- the ledger */

struct civic_ledger {
  pthread_rwlock_t lock; /* state: write for posting, read for queries */
  civic_diag diag;
  civic_table_key table_key;
  arena ar;
  VEC(asset) assets;
  VEC(account) accounts;
  VEC(transfer) transfers;
  VEC(event) events;
  VEC(regkey) keys;
  /* Signature policy (civic.policy.require_signatures): the position of the
   * batch that turned it on (0: off) and the ledger id bound into every
   * signature from then on (in the arena). Once on it stays on. */
  uint64_t policy_pos;
  const char *ledger_id;
  size_t ledger_id_len;
  table asset_t, account_t, transfer_t, event_t, key_t;
  VEC(undo) undo;
  /* Replaying a journal (open, verify): a record that fails to apply makes
   * the whole open fail and the ledger is freed unseen, so nothing needs
   * undoing and the undo log (two entries per transfer) is not kept. */
  bool replaying;
  /* Account ids recently resolved by a posting batch (see resolve_account);
   * touched only under the write lock. */
  uint32_t account_memo[ACCOUNT_MEMO_SLOTS];
  VEC(uint64_t) id_hash; /* transfer id hashes of the batch being applied */
  uint64_t position;
  uint8_t head[CIVIC_HASH_BYTES];
  /* record under construction (prefix + body + trailer) */
  uint8_t *rec;
  size_t rec_len, rec_cap;
  /* journal and group commit */
  bool has_journal;
  civic_journal journal;
  bool poisoned;
  pthread_mutex_t sync_mu;
  pthread_cond_t sync_cv;
  bool syncing;
  uint64_t written; /* records written to the file (atomic reads) */
  uint64_t synced;  /* records known durable */
};

static civic_ledger *mut(const civic_ledger *l) { return (civic_ledger *)l; }
static void rdlock(const civic_ledger *l) {
  pthread_rwlock_rdlock(&mut(l)->lock);
}
static void unlock(const civic_ledger *l) {
  pthread_rwlock_unlock(&mut(l)->lock);
}

static uint64_t hash_str(const civic_ledger *l, const char *s, size_t len) {
  return civic_table_hash(&l->table_key, s, len);
}

static uint32_t transfer_asset(const civic_ledger *l, const transfer *t) {
  return l->accounts.v[t->from].asset;
}

static uint32_t find_asset(const civic_ledger *l, const char *s, size_t len,
                           uint64_t h) {
  return table_find(&l->asset_t, l->assets.v, sizeof(asset), h, s, len);
}
static uint32_t find_account(const civic_ledger *l, const char *s, size_t len,
                             uint64_t h) {
  return table_find(&l->account_t, l->accounts.v, sizeof(account), h, s, len);
}
static uint32_t find_transfer(const civic_ledger *l, const char *s, size_t len,
                              uint64_t h) {
  return table_find(&l->transfer_t, l->transfers.v, sizeof(transfer), h, s,
                    len);
}
static uint32_t find_event(const civic_ledger *l, const char *s, size_t len,
                           uint64_t h) {
  return table_find(&l->event_t, l->events.v, sizeof(event), h, s, len);
}
static uint32_t find_key(const civic_ledger *l, const char *s, size_t len,
                         uint64_t h) {
  return table_find(&l->key_t, l->keys.v, sizeof(regkey), h, s, len);
}
static uint32_t lookup_account_n(const civic_ledger *l, const char *s,
                                 size_t len) {
  return find_account(l, s, len, hash_str(l, s, len));
}
/* Where an account id sits in the memo: a cheap unkeyed mix of its first
 * and last 8 bytes (or all of a shorter id) and its length. */
static size_t memo_slot(const char *s, size_t len) {
  uint64_t a = 0, b = 0;
  if (len >= 8) {
    memcpy(&a, s, 8);
    memcpy(&b, s + len - 8, 8);
  } else {
    memcpy(&a, s, len);
  }
  a = (a ^ (uint64_t)len) * 0x9e3779b97f4a7c15ULL;
  b *= 0xc2b2ae3d27d4eb4fULL;
  return (size_t)((a ^ (b >> 7)) >> (64 - ACCOUNT_MEMO_BITS));
}

/* Resolve a transfer's account while posting. Every transfer names two
 * accounts and a few thousand accounts carry most transfers, so a small
 * direct-mapped memo (slot = account index + 1, 0 = empty) answers most
 * lookups without the keyed hash and the probe. It is only a cache: a hit
 * is confirmed by comparing the id itself (an entry left by a rolled-back
 * account, or overwritten by another id, is simply a miss), and every miss
 * goes to the keyed table, so ids chosen to collide in the memo cost a
 * table lookup each, nothing worse. */
static uint32_t resolve_account(civic_ledger *l, const char *s, size_t len) {
  size_t m = memo_slot(s, len);
  uint32_t idx = l->account_memo[m];
  if (idx != 0 && idx - 1 < l->accounts.n) {
    const strref *k = &l->accounts.v[idx - 1].id;
    if (k->len == len && key_eq(k->s, s, len))
      return idx - 1;
  }
  idx = lookup_account_n(l, s, len);
  if (idx != NONE)
    l->account_memo[m] = idx + 1;
  return idx;
}

static uint32_t lookup_account(const civic_ledger *l, const char *s) {
  return lookup_account_n(l, s, strlen(s));
}

static civic_ledger *ledger_alloc(void) {
  civic_ledger *l;
  if (civic_init() != CIVIC_OK)
    return NULL;
  l = calloc(1, sizeof *l);
  if (l == NULL)
    return NULL;
  pthread_rwlock_init(&l->lock, NULL);
  pthread_mutex_init(&l->sync_mu, NULL);
  pthread_cond_init(&l->sync_cv, NULL);
  randombytes_buf(&l->table_key, sizeof l->table_key);
  l->journal.fd = -1;
  return l;
}

void civic_ledger_free(civic_ledger *l) {
  if (l == NULL)
    return;
  if (l->has_journal)
    civic_journal_close(&l->journal);
  arena_free(&l->ar);
  free(l->assets.v);
  free(l->accounts.v);
  free(l->transfers.v);
  free(l->events.v);
  free(l->keys.v);
  free(l->undo.v);
  free(l->id_hash.v);
  free(l->asset_t.slots);
  free(l->account_t.slots);
  free(l->transfer_t.slots);
  free(l->event_t.slots);
  free(l->key_t.slots);
  free(l->rec);
  pthread_rwlock_destroy(&l->lock);
  pthread_mutex_destroy(&l->sync_mu);
  pthread_cond_destroy(&l->sync_cv);
  free(l);
}

const char *civic_ledger_errmsg(const civic_ledger *l) {
  return l ? l->diag.msg : "no ledger";
}

civic_status civic_ledger_new_memory(civic_ledger **out) {
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = ledger_alloc();
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}

/* --------------------------------------------------------- batch building */

civic_status civic_batch_new(civic_batch **out) {
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}

void civic_batch_free(civic_batch *b) {
  if (b == NULL)
    return;
  sodium_free(b->sk);
  free(b->text);
  free(b->assets.v);
  free(b->accounts.v);
  free(b->transfers.v);
  free(b->events.v);
  free(b);
}

void civic_batch_clear(civic_batch *b) {
  if (b == NULL)
    return;
  b->tlen = 0;
  b->assets.n = b->accounts.n = b->transfers.n = b->events.n = 0;
  if (b->sk != NULL)
    sodium_memzero(b->sk, CIVIC_SECRET_KEY_BYTES);
  b->has_sk = b->has_sig = false;
  b->signer[0] = '\0';
}

size_t civic_batch_item_count(const civic_batch *b) {
  return b ? (size_t)b->assets.n + b->accounts.n + b->transfers.n + b->events.n
           : 0;
}

/* Make room for `extra` more bytes of batch text. */
static bool batch_room(civic_batch *b, size_t extra) {
  size_t cap = b->tcap ? b->tcap : 1024;
  char *n;
  if (b->tlen + extra <= b->tcap)
    return true;
  while (cap < b->tlen + extra)
    cap *= 2;
  if (cap >= NONE)
    return false;
  n = realloc(b->text, cap);
  if (n == NULL)
    return false;
  b->text = n;
  b->tcap = cap;
  return true;
}

/* Append a string the caller has made room for (batch_room). */
static uint32_t batch_put(civic_batch *b, const char *s, size_t len) {
  size_t off = b->tlen + 4;
  uint32_t n32 = (uint32_t)len;
  memcpy(b->text + b->tlen, &n32, 4);
  memcpy(b->text + off, s, len);
  b->text[off + len] = '\0';
  b->tlen += len + 5;
  return (uint32_t)off;
}

/* Copy a string into the batch text; returns its offset or NONE. Each
 * string is stored as a u32 length, the bytes and a NUL, and the offset
 * points at the bytes: lengths come back in O(1) (bslen) on the hot path
 * instead of strlen. */
static uint32_t batch_str(civic_batch *b, const char *s, size_t len) {
  if (!batch_room(b, len + 5))
    return NONE;
  return batch_put(b, s, len);
}
static uint32_t batch_cstr(civic_batch *b, const char *s) {
  return batch_str(b, s ? s : "", s ? strlen(s) : 0);
}
static const char *bs(const civic_batch *b, uint32_t off) {
  return b->text + off;
}
static size_t bslen(const civic_batch *b, uint32_t off) {
  uint32_t n;
  memcpy(&n, b->text + off - 4, 4);
  return n;
}

civic_status civic_batch_add_asset(civic_batch *b, const char *code,
                                   int32_t scale) {
  b_asset a;
  if (b == NULL || code == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (!VEC_RESERVE(b->assets, b->assets.n + 1) ||
      (a.code = batch_cstr(b, code)) == NONE)
    return CIVIC_E_NOMEM;
  a.scale = scale;
  b->assets.v[b->assets.n++] = a;
  return CIVIC_OK;
}

civic_status civic_batch_add_account(civic_batch *b, const char *id,
                                     const char *asset_code,
                                     int64_t min_balance) {
  b_account a;
  if (b == NULL || id == NULL || asset_code == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (!VEC_RESERVE(b->accounts, b->accounts.n + 1) ||
      (a.id = batch_cstr(b, id)) == NONE ||
      (a.asset = batch_cstr(b, asset_code)) == NONE)
    return CIVIC_E_NOMEM;
  a.min_balance = min_balance;
  b->accounts.v[b->accounts.n++] = a;
  return CIVIC_OK;
}

static civic_status add_transfer(civic_batch *b, uint8_t kind, const char *id,
                                 const char *from, const char *to,
                                 int64_t amount, const char *asset_code,
                                 int64_t time, const char *reference,
                                 const char *pending_id) {
  /* the six strings in one capacity check (this runs once per transfer of
   * every batch; reference and pending id are usually empty) */
  const char *str[6];
  size_t len[6], need = 0, k;
  b_transfer t;
  str[0] = id;
  str[1] = from;
  str[2] = to;
  str[3] = asset_code;
  str[4] = reference;
  str[5] = pending_id;
  for (k = 0; k < 6; k++) {
    if (str[k] == NULL) /* as batch_cstr: NULL is "" */
      str[k] = "";
    len[k] = *str[k] ? strlen(str[k]) : 0;
    need += len[k] + 5;
  }
  if (!VEC_RESERVE(b->transfers, b->transfers.n + 1) || !batch_room(b, need))
    return CIVIC_E_NOMEM;
  t.id = batch_put(b, str[0], len[0]);
  t.from = batch_put(b, str[1], len[1]);
  t.to = batch_put(b, str[2], len[2]);
  t.asset = batch_put(b, str[3], len[3]);
  t.reference = batch_put(b, str[4], len[4]);
  t.pending_id = batch_put(b, str[5], len[5]);
  t.kind = kind;
  t.amount = amount;
  t.time = time;
  b->transfers.v[b->transfers.n++] = t;
  return CIVIC_OK;
}

civic_status civic_batch_add_transfer(civic_batch *b, const char *id,
                                      const char *from, const char *to,
                                      int64_t amount, const char *asset_code,
                                      int64_t effective_time,
                                      const char *reference) {
  if (b == NULL || id == NULL || from == NULL || to == NULL ||
      asset_code == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return add_transfer(b, CIVIC_TRANSFER_NORMAL, id, from, to, amount,
                      asset_code, effective_time, reference, "");
}

civic_status civic_batch_add_pending(civic_batch *b, const char *id,
                                     const char *from, const char *to,
                                     int64_t amount, const char *asset_code,
                                     int64_t effective_time,
                                     const char *reference) {
  if (b == NULL || id == NULL || from == NULL || to == NULL ||
      asset_code == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return add_transfer(b, CIVIC_TRANSFER_PENDING, id, from, to, amount,
                      asset_code, effective_time, reference, "");
}

civic_status civic_batch_add_post_pending(civic_batch *b, const char *id,
                                          const char *pending_id,
                                          int64_t amount,
                                          int64_t effective_time,
                                          const char *reference) {
  if (b == NULL || id == NULL || pending_id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return add_transfer(b, CIVIC_TRANSFER_POST_PENDING, id, "", "", amount, "",
                      effective_time, reference, pending_id);
}

civic_status civic_batch_add_void_pending(civic_batch *b, const char *id,
                                          const char *pending_id,
                                          int64_t effective_time,
                                          const char *reference) {
  if (b == NULL || id == NULL || pending_id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return add_transfer(b, CIVIC_TRANSFER_VOID_PENDING, id, "", "", 0, "",
                      effective_time, reference, pending_id);
}

/* Add an event whose data is already canonical (replay, JSON path). */
static civic_status add_event_raw(civic_batch *b, const char *id,
                                  const char *type, const char *actor,
                                  int64_t time, const char *data,
                                  size_t data_len) {
  b_event e;
  if (!VEC_RESERVE(b->events, b->events.n + 1) ||
      (e.id = batch_cstr(b, id)) == NONE ||
      (e.type = batch_cstr(b, type)) == NONE ||
      (e.actor = batch_cstr(b, actor)) == NONE ||
      (e.data = batch_str(b, data, data_len)) == NONE)
    return CIVIC_E_NOMEM;
  e.time = time;
  b->events.v[b->events.n++] = e;
  return CIVIC_OK;
}

/* Canonical JSON text of an object: compact, keys sorted byte-wise, UTF-8
 * as is, integers exact. */
static char *canonical_json(const json_t *obj) {
  return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
}

civic_status civic_batch_add_event(civic_batch *b, const char *id,
                                   const char *type, const char *actor,
                                   int64_t time, const char *data_json) {
  json_t *obj = NULL;
  char *canon;
  civic_status st;
  if (b == NULL || id == NULL || type == NULL || actor == NULL ||
      data_json == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = civic_json_parse(NULL, data_json, strlen(data_json), &obj);
  if (st != CIVIC_OK)
    return st;
  canon = canonical_json(obj);
  json_decref(obj);
  if (canon == NULL)
    return CIVIC_E_NOMEM;
  st = add_event_raw(b, id, type, actor, time, canon, strlen(canon));
  free(canon);
  return st;
}

civic_status civic_batch_sign(civic_batch *b, const char *key_id,
                              const char *secret_key_hex) {
  size_t len;
  if (b == NULL || key_id == NULL || secret_key_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  len = strlen(key_id);
  if (len == 0 || len > CIVIC_SIGNER_MAX)
    return CIVIC_E_INVALID_KEY;
  if (b->sk == NULL &&
      (civic_init() != CIVIC_OK ||
       (b->sk = sodium_malloc(CIVIC_SECRET_KEY_BYTES)) == NULL))
    return CIVIC_E_NOMEM;
  if (!civic_hex_decode(b->sk, CIVIC_SECRET_KEY_BYTES, secret_key_hex)) {
    sodium_memzero(b->sk, CIVIC_SECRET_KEY_BYTES);
    b->has_sk = false;
    return CIVIC_E_INVALID_KEY;
  }
  memcpy(b->signer, key_id, len + 1);
  b->has_sk = true;
  b->has_sig = false;
  return CIVIC_OK;
}

civic_status civic_keypair_new_hex(char **public_key_hex,
                                   char **secret_key_hex) {
  uint8_t pk[CIVIC_PUBLIC_KEY_BYTES], sk[CIVIC_SECRET_KEY_BYTES];
  if (public_key_hex == NULL || secret_key_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *public_key_hex = *secret_key_hex = NULL;
  if (civic_init() != CIVIC_OK)
    return CIVIC_E_NOMEM;
  *public_key_hex = malloc(2 * sizeof pk + 1);
  *secret_key_hex = malloc(2 * sizeof sk + 1);
  if (*public_key_hex == NULL || *secret_key_hex == NULL) {
    free(*public_key_hex);
    free(*secret_key_hex);
    *public_key_hex = *secret_key_hex = NULL;
    return CIVIC_E_NOMEM;
  }
  crypto_sign_keypair(pk, sk);
  civic_hex_encode(*public_key_hex, pk, sizeof pk);
  civic_hex_encode(*secret_key_hex, sk, sizeof sk);
  sodium_memzero(sk, sizeof sk);
  return CIVIC_OK;
}

/* ------------------------------------------------- canonical body encoding
 *
 * body     := u32 n_assets u32 n_accounts u32 n_transfers u32 n_events
 *             asset* account* transfer* event*
 * asset    := str code, i32 scale
 * account  := str id, str asset, i64 min_balance (INT64_MIN = unbounded)
 * transfer := u8 kind, str id, str from, str to, i64 amount, str asset,
 *             i64 time, str reference, str pending_id
 * event    := str id, str type, str actor, i64 time, str data
 * str      := u32 length, bytes (no NUL)
 * Integers little-endian, signed ones as two's complement.
 */

static bool rec_reserve(civic_ledger *l, size_t extra) {
  size_t cap;
  uint8_t *n;
  if (l->rec_len + extra <= l->rec_cap)
    return true;
  cap = l->rec_cap ? l->rec_cap : 4096;
  while (cap < l->rec_len + extra)
    cap *= 2;
  n = realloc(l->rec, cap);
  if (n == NULL)
    return false;
  l->rec = n;
  l->rec_cap = cap;
  return true;
}

static void enc_u32(uint8_t **p, uint32_t v) {
  int i;
  for (i = 0; i < 4; i++)
    (*p)[i] = (uint8_t)(v >> (8 * i));
  *p += 4;
}
static void enc_i64(uint8_t **p, int64_t v) {
  uint64_t u = (uint64_t)v;
  int i;
  for (i = 0; i < 8; i++)
    (*p)[i] = (uint8_t)(u >> (8 * i));
  *p += 8;
}
/* The batch text keeps each string as u32 length (host order) then bytes,
 * so on a little-endian host length and bytes go over in one copy: a fixed
 * 24 bytes for short strings (the record buffer has that much slack, see
 * encode_body), one memcpy otherwise. */
static void enc_str(uint8_t **p, const civic_batch *b, uint32_t off) {
  size_t len = bslen(b, off);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (len <= 20 && b->tcap - (off - 4) >= 24)
    memcpy(*p, b->text + off - 4, 24);
  else
    memcpy(*p, b->text + off - 4, len + 4);
  *p += len + 4;
#else
  enc_u32(p, (uint32_t)len);
  memcpy(*p, b->text + off, len);
  *p += len;
#endif
}

/* Encode the batch body after the record prefix in l->rec. */
static bool encode_body(civic_ledger *l, const civic_batch *b,
                        size_t *body_len) {
  /* Upper bound: every string with its length, plus fixed fields. */
  size_t need = 16 + b->tlen + 4 * 16 * (size_t)civic_batch_item_count(b) +
                40 * (size_t)civic_batch_item_count(b);
  uint8_t *p, *start;
  uint32_t i;
  l->rec_len = 0;
  if (!rec_reserve(l, CIVIC_RECORD_PREFIX_BYTES + need + 2 + CIVIC_SIGNER_MAX +
                          CIVIC_HASH_BYTES + CIVIC_SIGNATURE_BYTES + 24))
    return false;
  start = p = l->rec + CIVIC_RECORD_PREFIX_BYTES;
  enc_u32(&p, b->assets.n);
  enc_u32(&p, b->accounts.n);
  enc_u32(&p, b->transfers.n);
  enc_u32(&p, b->events.n);
  for (i = 0; i < b->assets.n; i++) {
    enc_str(&p, b, b->assets.v[i].code);
    enc_u32(&p, (uint32_t)b->assets.v[i].scale);
  }
  for (i = 0; i < b->accounts.n; i++) {
    const b_account *a = &b->accounts.v[i];
    enc_str(&p, b, a->id);
    enc_str(&p, b, a->asset);
    enc_i64(&p, a->min_balance);
  }
  for (i = 0; i < b->transfers.n; i++) {
    const b_transfer *t = &b->transfers.v[i];
    *p++ = t->kind;
    enc_str(&p, b, t->id);
    enc_str(&p, b, t->from);
    enc_str(&p, b, t->to);
    enc_i64(&p, t->amount);
    enc_str(&p, b, t->asset);
    enc_i64(&p, t->time);
    enc_str(&p, b, t->reference);
    enc_str(&p, b, t->pending_id);
  }
  for (i = 0; i < b->events.n; i++) {
    const b_event *e = &b->events.v[i];
    enc_str(&p, b, e->id);
    enc_str(&p, b, e->type);
    enc_str(&p, b, e->actor);
    enc_i64(&p, e->time);
    enc_str(&p, b, e->data);
  }
  *body_len = (size_t)(p - start);
  return true;
}

typedef struct reader {
  const uint8_t *p, *end;
  bool bad;
} reader;

static uint32_t dec_u32(reader *r) {
  uint32_t v;
  if (r->end - r->p < 4) {
    r->bad = true;
    return 0;
  }
  v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
      (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}
static int64_t dec_i64(reader *r) {
  uint64_t lo = dec_u32(r), hi = dec_u32(r);
  return (int64_t)(lo | hi << 32);
}
static uint8_t dec_u8(reader *r) {
  if (r->p >= r->end) {
    r->bad = true;
    return 0;
  }
  return *r->p++;
}
/* Does any of the first n (<= 8) bytes of w (read little-endian) equal 0?
 * The bytes past n are forced non-zero first; the classic "has a zero byte"
 * test is then exact. */
static inline bool zero_byte_in(uint64_t w, size_t n) {
  if (n < 8)
    w |= ~(uint64_t)0 << (8 * n);
  return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
}

/* A string: copied into the batch, refused if it holds a NUL.
 * The batch text was reserved for the whole body plus slack (decode_body),
 * and a body string (u32 length, bytes) has the batch text's layout but for
 * the NUL, so one copy of length and bytes does. Strings of up to 16 bytes
 * (nearly all ids) take a fixed 24-byte copy and a word-wise NUL check
 * instead of two libc calls; the bytes copied past the string are
 * overwritten by the next one or lie in the slack. */
static uint32_t dec_str(reader *r, civic_batch *b) {
  size_t avail = (size_t)(r->end - r->p), len;
  char *dst = b->text + b->tlen;
  uint32_t off;
  bool nul;
  if (avail < 4) {
    r->bad = true;
    return 0;
  }
  len = (size_t)r->p[0] | (size_t)r->p[1] << 8 | (size_t)r->p[2] << 16 |
        (size_t)r->p[3] << 24;
  if (avail - 4 < len || b->tlen + len + 5 > b->tcap) {
    r->bad = true;
    return 0;
  }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (len <= 16 && avail >= 24 && b->tcap - b->tlen >= 24) {
    uint64_t w0, w1;
    /* read the words from the source: loading them back from dst right
     * after the wide store would stall on store forwarding */
    memcpy(&w0, r->p + 4, 8);
    memcpy(&w1, r->p + 12, 8);
    memcpy(dst, r->p, 24);
    nul = zero_byte_in(w0, len < 8 ? len : 8) ||
          (len > 8 && zero_byte_in(w1, len - 8));
  } else
#endif
  {
    nul = memchr(r->p + 4, '\0', len) != NULL;
    memcpy(dst, r->p, len + 4);
  }
  if (nul) {
    r->bad = true;
    return 0;
  }
  off = (uint32_t)(b->tlen + 4);
  b->text[off + len] = '\0';
  b->tlen += len + 5;
  r->p += len + 4;
  return off;
}

/* Room for every string of a body of `len` bytes: each takes its 4 + n
 * bytes plus one NUL, and there are at most len / 4 of them; plus slack for
 * dec_str's fixed-size copies. */
static bool batch_text_reserve(civic_batch *b, size_t len) {
  size_t need = len + len / 4 + 32;
  char *n;
  if (need <= b->tcap)
    return true;
  if (need >= NONE)
    return false;
  n = realloc(b->text, need);
  if (n == NULL)
    return false;
  b->text = n;
  b->tcap = need;
  return true;
}

/* Decode a body into b (cleared first). false on malformed bytes. */
static bool decode_body(civic_batch *b, const uint8_t *body, size_t len) {
  reader r = {body, body + len, false};
  uint32_t na, nc, nt, ne, i;
  civic_batch_clear(b);
  na = dec_u32(&r);
  nc = dec_u32(&r);
  nt = dec_u32(&r);
  ne = dec_u32(&r);
  /* each item takes at least 4 bytes: refuse counts the body cannot hold */
  if (r.bad || (uint64_t)na + nc + nt + ne > len / 4 ||
      !batch_text_reserve(b, len) || !VEC_RESERVE(b->assets, na) ||
      !VEC_RESERVE(b->accounts, nc) || !VEC_RESERVE(b->transfers, nt) ||
      !VEC_RESERVE(b->events, ne))
    return false;
  for (i = 0; i < na && !r.bad; i++) {
    b_asset *a = &b->assets.v[b->assets.n++];
    a->code = dec_str(&r, b);
    a->scale = (int32_t)dec_u32(&r);
  }
  for (i = 0; i < nc && !r.bad; i++) {
    b_account *a = &b->accounts.v[b->accounts.n++];
    a->id = dec_str(&r, b);
    a->asset = dec_str(&r, b);
    a->min_balance = dec_i64(&r);
  }
  for (i = 0; i < nt && !r.bad; i++) {
    b_transfer *t = &b->transfers.v[b->transfers.n++];
    t->kind = dec_u8(&r);
    t->id = dec_str(&r, b);
    t->from = dec_str(&r, b);
    t->to = dec_str(&r, b);
    t->amount = dec_i64(&r);
    t->asset = dec_str(&r, b);
    t->time = dec_i64(&r);
    t->reference = dec_str(&r, b);
    t->pending_id = dec_str(&r, b);
    if (t->kind > CIVIC_TRANSFER_VOID_PENDING)
      r.bad = true;
  }
  for (i = 0; i < ne && !r.bad; i++) {
    b_event *e = &b->events.v[b->events.n++];
    e->id = dec_str(&r, b);
    e->type = dec_str(&r, b);
    e->actor = dec_str(&r, b);
    e->time = dec_i64(&r);
    e->data = dec_str(&r, b);
  }
  return !r.bad && r.p == r.end;
}

/* ------------------------------------------------------ applying a batch */

typedef struct apply_ctx {
  civic_ledger *l;
  const civic_batch *b;
  uint64_t pos;
  civic_diag *d;
  size_t applied, skipped;
  /* last asset resolved: batches rarely mix many assets */
  const char *asset_code;
  size_t asset_len;
  uint32_t asset_idx;
} apply_ctx;

static civic_status nomem(apply_ctx *c) {
  return civic_diag_set(c->d, CIVIC_E_NOMEM, "out of memory applying batch");
}

static bool push_undo(civic_ledger *l, uint32_t kind, uint32_t idx, int64_t a,
                      int64_t b2, int64_t c2) {
  undo *u;
  if (l->replaying)
    return true;
  if (!VEC_RESERVE(l->undo, l->undo.n + 1))
    return false;
  u = &l->undo.v[l->undo.n++];
  u->kind = kind;
  u->idx = idx;
  u->a = a;
  u->b = b2;
  u->c = c2;
  return true;
}

static bool save_account(civic_ledger *l, uint32_t idx) {
  const account *a = &l->accounts.v[idx];
  return push_undo(l, UNDO_ACCOUNT, idx, a->balance, a->debits_pending,
                   a->credits_pending);
}

static civic_status apply_asset(apply_ctx *c, uint32_t i) {
  civic_ledger *l = c->l;
  const b_asset *ba = &c->b->assets.v[i];
  const char *code = bs(c->b, ba->code);
  size_t len = strlen(code);
  uint64_t h = hash_str(l, code, len);
  uint32_t found = find_asset(l, code, len, h);
  asset *a;
  if (len == 0)
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "assets[%u].code: must not be "
                          "empty",
                          i);
  if (found != NONE) {
    if (l->assets.v[found].scale != ba->scale)
      return civic_diag_set(c->d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                            "assets[%u]: asset %s exists with scale %d, not %d",
                            i, code, (int)l->assets.v[found].scale,
                            (int)ba->scale);
    c->skipped++;
    return CIVIC_OK;
  }
  if (ba->scale < 0 || ba->scale > MAX_SCALE)
    return civic_diag_set(c->d, CIVIC_E_INVALID_SCALE,
                          "assets[%u].scale: must be 0..18, got %d", i,
                          (int)ba->scale);
  if (!VEC_RESERVE(l->assets, l->assets.n + 1))
    return nomem(c);
  a = &l->assets.v[l->assets.n];
  if ((a->id.s = arena_strdup(&l->ar, code, len)) == NULL)
    return nomem(c);
  a->id.len = (uint32_t)len;
  a->scale = ba->scale;
  a->position = c->pos;
  if (!table_insert(&l->asset_t, h, l->assets.n))
    return nomem(c);
  l->assets.n++;
  c->applied++;
  return CIVIC_OK;
}

static civic_status apply_account(apply_ctx *c, uint32_t i) {
  civic_ledger *l = c->l;
  const b_account *ba = &c->b->accounts.v[i];
  const char *id = bs(c->b, ba->id), *code = bs(c->b, ba->asset);
  size_t len = strlen(id), clen = strlen(code);
  uint64_t h = hash_str(l, id, len);
  uint32_t found = find_account(l, id, len, h);
  uint32_t as = find_asset(l, code, clen, hash_str(l, code, clen));
  account *a;
  if (len == 0)
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "accounts[%u].id: must not be empty", i);
  if (found != NONE) {
    const account *old = &l->accounts.v[found];
    if (as != old->asset || old->min_balance != ba->min_balance)
      return civic_diag_set(c->d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                            "accounts[%u]: account %s exists with other asset "
                            "or min_balance",
                            i, id);
    c->skipped++;
    return CIVIC_OK;
  }
  if (as == NONE)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_ASSET,
                          "accounts[%u].asset: unknown asset '%s'", i, code);
  if (ba->min_balance > 0)
    return civic_diag_set(c->d, CIVIC_E_INVALID_MIN_BALANCE,
                          "accounts[%u].min_balance: must be <= 0 or null, got "
                          "%lld",
                          i, (long long)ba->min_balance);
  if (!VEC_RESERVE(l->accounts, l->accounts.n + 1))
    return nomem(c);
  a = &l->accounts.v[l->accounts.n];
  memset(a, 0, sizeof *a);
  if ((a->id.s = arena_strdup(&l->ar, id, len)) == NULL)
    return nomem(c);
  a->id.len = (uint32_t)len;
  a->asset = as;
  a->min_balance = ba->min_balance;
  a->position = c->pos;
  if (!table_insert(&l->account_t, h, l->accounts.n))
    return nomem(c);
  l->accounts.n++;
  c->applied++;
  return CIVIC_OK;
}

/* Does an existing transfer carry exactly the fields submitted again? */
static bool same_transfer(const civic_ledger *l, const transfer *t,
                          const civic_batch *b, const b_transfer *bt) {
  const char *ref = bs(b, bt->reference);
  if (t->kind != bt->kind || t->time != bt->time ||
      strcmp(transfer_reference(t), ref))
    return false;
  if (bt->kind == CIVIC_TRANSFER_NORMAL || bt->kind == CIVIC_TRANSFER_PENDING)
    return t->amount == bt->amount &&
           strcmp(l->accounts.v[t->from].id.s, bs(b, bt->from)) == 0 &&
           strcmp(l->accounts.v[t->to].id.s, bs(b, bt->to)) == 0 &&
           !strcmp(l->assets.v[transfer_asset(l, t)].id.s, bs(b, bt->asset));
  if (strcmp(l->transfers.v[t->pending].id.s, bs(b, bt->pending_id)) != 0)
    return false;
  if (bt->kind == CIVIC_TRANSFER_POST_PENDING &&
      transfer_requested(t) != bt->amount)
    return false;
  /* optional from/to/asset: when given they matched the pending one */
  return (!*bs(b, bt->from) ||
          !strcmp(l->accounts.v[t->from].id.s, bs(b, bt->from))) &&
         (!*bs(b, bt->to) ||
          !strcmp(l->accounts.v[t->to].id.s, bs(b, bt->to))) &&
         (!*bs(b, bt->asset) ||
          !strcmp(l->assets.v[transfer_asset(l, t)].id.s, bs(b, bt->asset)));
}

/* Resolve and check the accounts and asset of a one-phase or pending
 * transfer. */
static civic_status resolve_parties(apply_ctx *c, uint32_t i,
                                    const b_transfer *bt, uint32_t *from,
                                    uint32_t *to, uint32_t *as) {
  civic_ledger *l = c->l;
  const char *f = bs(c->b, bt->from), *t = bs(c->b, bt->to),
             *code = bs(c->b, bt->asset);
  size_t clen = bslen(c->b, bt->asset), flen = bslen(c->b, bt->from),
         tlen = bslen(c->b, bt->to);
  if (bt->amount <= 0)
    return civic_diag_set(c->d, CIVIC_E_AMOUNT_MUST_BE_POSITIVE,
                          "transfers[%u].amount: must be > 0, got %lld", i,
                          (long long)bt->amount);
  if (flen == tlen && memcmp(f, t, flen) == 0)
    return civic_diag_set(c->d, CIVIC_E_ACCOUNTS_MUST_BE_DIFFERENT,
                          "transfers[%u]: from and to are both '%s'", i, f);
  if (c->asset_code != NULL && c->asset_len == clen &&
      memcmp(c->asset_code, code, clen) == 0) {
    *as = c->asset_idx;
  } else {
    *as = find_asset(l, code, clen, hash_str(l, code, clen));
    if (*as != NONE) {
      c->asset_code = l->assets.v[*as].id.s;
      c->asset_len = clen;
      c->asset_idx = *as;
    }
  }
  if (*as == NONE)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_ASSET,
                          "transfers[%u].asset: unknown asset '%s'", i, code);
  *from = resolve_account(l, f, flen);
  if (*from == NONE)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_ACCOUNT,
                          "transfers[%u].from: unknown account '%s'", i, f);
  *to = resolve_account(l, t, tlen);
  if (*to == NONE)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_ACCOUNT,
                          "transfers[%u].to: unknown account '%s'", i, t);
  if (l->accounts.v[*from].asset != *as)
    return civic_diag_set(c->d, CIVIC_E_ASSET_MISMATCH,
                          "transfers[%u].from: account '%s' holds %s, not %s",
                          i, f, l->assets.v[l->accounts.v[*from].asset].id.s,
                          code);
  if (l->accounts.v[*to].asset != *as)
    return civic_diag_set(c->d, CIVIC_E_ASSET_MISMATCH,
                          "transfers[%u].to: account '%s' holds %s, not %s", i,
                          t, l->assets.v[l->accounts.v[*to].asset].id.s, code);
  return CIVIC_OK;
}

/* Would debiting `amount` more take the account below its minimum?
 * balance - debits_pending - amount >= min_balance, in 128 bits. */
static bool exceeds_min(const account *a, int64_t amount) {
  if (a->min_balance == CIVIC_NO_MIN_BALANCE)
    return false;
  return (civic_i128)a->balance - a->debits_pending - amount <
         (civic_i128)a->min_balance;
}

static civic_status check_min(apply_ctx *c, uint32_t i, const account *a,
                              int64_t amount) {
  if (exceeds_min(a, amount))
    return civic_diag_set(
        c->d, CIVIC_E_EXCEEDS_MIN_BALANCE,
        "transfers[%u].amount: %lld from '%s' (balance %lld, pending %lld) "
        "goes below its min_balance %lld",
        i, (long long)amount, a->id.s, (long long)a->balance,
        (long long)a->debits_pending, (long long)a->min_balance);
  return CIVIC_OK;
}

static civic_status overflow_balance(apply_ctx *c, uint32_t i,
                                     const account *a) {
  return civic_diag_set(c->d, CIVIC_E_OVERFLOWS_BALANCE,
                        "transfers[%u].amount: balance of '%s' would leave "
                        "int64",
                        i, a->id.s);
}
static civic_status overflow_pending(apply_ctx *c, uint32_t i,
                                     const account *a) {
  return civic_diag_set(c->d, CIVIC_E_OVERFLOWS_PENDING,
                        "transfers[%u].amount: pending total of '%s' would "
                        "leave int64",
                        i, a->id.s);
}

/* Resolve the pending transfer a post or void names, with its checks. */
static civic_status resolve_pending(apply_ctx *c, uint32_t i,
                                    const b_transfer *bt, uint32_t *pidx) {
  const civic_ledger *l = c->l;
  const char *pid = bs(c->b, bt->pending_id), *f = bs(c->b, bt->from),
             *t = bs(c->b, bt->to), *code = bs(c->b, bt->asset);
  size_t plen = strlen(pid);
  const transfer *p;
  if (plen == 0)
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "transfers[%u].pending_id: must not be empty", i);
  *pidx = find_transfer(l, pid, plen, hash_str(l, pid, plen));
  if (*pidx == NONE)
    return civic_diag_set(c->d, CIVIC_E_PENDING_NOT_FOUND,
                          "transfers[%u].pending_id: no transfer '%s'", i, pid);
  p = &l->transfers.v[*pidx];
  if (p->kind != CIVIC_TRANSFER_PENDING)
    return civic_diag_set(c->d, CIVIC_E_NOT_PENDING,
                          "transfers[%u].pending_id: '%s' is not a pending "
                          "transfer",
                          i, pid);
  if (p->pending_state == CIVIC_PENDING_POSTED)
    return civic_diag_set(c->d, CIVIC_E_PENDING_ALREADY_POSTED,
                          "transfers[%u].pending_id: '%s' was already posted",
                          i, pid);
  if (p->pending_state == CIVIC_PENDING_VOIDED)
    return civic_diag_set(c->d, CIVIC_E_PENDING_ALREADY_VOIDED,
                          "transfers[%u].pending_id: '%s' was already voided",
                          i, pid);
  if ((*f && strcmp(f, l->accounts.v[p->from].id.s)) ||
      (*t && strcmp(t, l->accounts.v[p->to].id.s)) ||
      (*code && strcmp(code, l->assets.v[transfer_asset(l, p)].id.s)))
    return civic_diag_set(c->d, CIVIC_E_PENDING_MISMATCH,
                          "transfers[%u]: from/to/asset differ from pending "
                          "transfer '%s'",
                          i, pid);
  if (bt->kind == CIVIC_TRANSFER_POST_PENDING) {
    if (bt->amount < 0)
      return civic_diag_set(c->d, CIVIC_E_AMOUNT_MUST_BE_POSITIVE,
                            "transfers[%u].amount: must be > 0 (or 0 for the "
                            "whole pending amount), got %lld",
                            i, (long long)bt->amount);
    if (bt->amount > p->amount)
      return civic_diag_set(c->d, CIVIC_E_POST_EXCEEDS_PENDING,
                            "transfers[%u].amount: %lld exceeds pending %lld "
                            "of '%s'",
                            i, (long long)bt->amount, (long long)p->amount,
                            pid);
  }
  return CIVIC_OK;
}

/* Move the balances for transfer t (already filled in); checks first. */
static civic_status move_funds(apply_ctx *c, uint32_t i, transfer *t) {
  civic_ledger *l = c->l;
  account *from = &l->accounts.v[t->from], *to = &l->accounts.v[t->to];
  int64_t fb, tb, fp, tp;
  civic_status st;
  switch (t->kind) {
  case CIVIC_TRANSFER_NORMAL:
    if ((st = check_min(c, i, from, t->amount)) != CIVIC_OK)
      return st;
    if (!civic_sub_i64(from->balance, t->amount, &fb))
      return overflow_balance(c, i, from);
    if (!civic_add_i64(to->balance, t->amount, &tb))
      return overflow_balance(c, i, to);
    if (!save_account(l, t->from) || !save_account(l, t->to))
      return nomem(c);
    from->balance = fb;
    to->balance = tb;
    return CIVIC_OK;
  case CIVIC_TRANSFER_PENDING:
    if ((st = check_min(c, i, from, t->amount)) != CIVIC_OK)
      return st;
    if (!civic_add_i64(from->debits_pending, t->amount, &fp))
      return overflow_pending(c, i, from);
    if (!civic_add_i64(to->credits_pending, t->amount, &tp))
      return overflow_pending(c, i, to);
    if (!save_account(l, t->from) || !save_account(l, t->to))
      return nomem(c);
    from->debits_pending = fp;
    to->credits_pending = tp;
    return CIVIC_OK;
  default: { /* post or void: release the reservation, then move */
    transfer *p = &l->transfers.v[t->pending];
    if (!civic_sub_i64(from->balance, t->amount, &fb))
      return overflow_balance(c, i, from);
    if (!civic_add_i64(to->balance, t->amount, &tb))
      return overflow_balance(c, i, to);
    if (!save_account(l, t->from) || !save_account(l, t->to) ||
        !push_undo(l, UNDO_PENDING_STATE, t->pending, p->pending_state, 0, 0))
      return nomem(c);
    from->debits_pending -= p->amount;
    to->credits_pending -= p->amount;
    from->balance = fb;
    to->balance = tb;
    p->pending_state = t->kind == CIVIC_TRANSFER_POST_PENDING
                           ? CIVIC_PENDING_POSTED
                           : CIVIC_PENDING_VOIDED;
    return CIVIC_OK;
  }
  }
}

static civic_status apply_transfer(apply_ctx *c, uint32_t i) {
  civic_ledger *l = c->l;
  const b_transfer *bt = &c->b->transfers.v[i];
  const char *id = bs(c->b, bt->id);
  size_t len = bslen(c->b, bt->id);
  uint64_t h = l->id_hash.v[i];
  uint32_t found = find_transfer(l, id, len, h);
  transfer t;
  uint32_t as;
  civic_status st;
  if (len == 0)
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "transfers[%u].id: must not be empty", i);
  if (found != NONE) {
    if (!same_transfer(l, &l->transfers.v[found], c->b, bt))
      return civic_diag_set(c->d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                            "transfers[%u]: transfer '%s' exists with other "
                            "fields",
                            i, id);
    c->skipped++;
    return CIVIC_OK;
  }
  memset(&t, 0, sizeof t);
  t.kind = bt->kind;
  t.time = bt->time;
  t.pending = NONE;
  if (bt->kind == CIVIC_TRANSFER_NORMAL || bt->kind == CIVIC_TRANSFER_PENDING) {
    st = resolve_parties(c, i, bt, &t.from, &t.to, &as);
    if (st != CIVIC_OK)
      return st;
    t.amount = bt->amount;
    if (bt->kind == CIVIC_TRANSFER_PENDING)
      t.pending_state = CIVIC_PENDING_OPEN;
  } else {
    const transfer *p;
    st = resolve_pending(c, i, bt, &t.pending);
    if (st != CIVIC_OK)
      return st;
    p = &l->transfers.v[t.pending];
    t.from = p->from;
    t.to = p->to;
    t.posted_whole = bt->kind == CIVIC_TRANSFER_POST_PENDING && bt->amount == 0;
    t.amount = bt->kind == CIVIC_TRANSFER_VOID_PENDING ? 0
               : bt->amount == 0                       ? p->amount
                                                       : bt->amount;
  }
  if (!VEC_RESERVE(l->transfers, l->transfers.n + 1))
    return nomem(c);
  if ((st = move_funds(c, i, &t)) != CIVIC_OK)
    return st;
  t.id.s = arena_strdup2(&l->ar, id, len, bs(c->b, bt->reference),
                         bslen(c->b, bt->reference));
  if (t.id.s == NULL)
    return nomem(c);
  t.id.len = (uint32_t)len;
  t.position = c->pos;
  l->transfers.v[l->transfers.n] = t;
  if (!table_insert(&l->transfer_t, h, l->transfers.n))
    return nomem(c);
  l->transfers.n++;
  c->applied++;
  return CIVIC_OK;
}

/* An institution id: 1..255 bytes, no ':' (so "a" never owns "a:b:..." ids
 * of a nested "a:b" institution by accident). */
static bool valid_institution(const json_t *v) {
  return json_is_string(v) && json_string_length(v) > 0 &&
         json_string_length(v) <= CIVIC_SIGNER_MAX &&
         strlen(json_string_value(v)) == json_string_length(v) &&
         strchr(json_string_value(v), ':') == NULL;
}

/* The signature policy rides on one event "civic.policy.require_signatures"
 * with data {"ledger": ID}. It can be turned on once and never off. */
static civic_status apply_policy_event(apply_ctx *c, uint32_t i,
                                       const char *type, const char *data) {
  civic_ledger *l = c->l;
  json_t *obj;
  const json_t *lid;
  civic_status st = CIVIC_OK;
  if (strcmp(type, POLICY_REQUIRE_SIGNATURES) != 0)
    return civic_diag_set(c->d, CIVIC_E_OUT_OF_RANGE,
                          "events[%u].type: unknown policy event '%s'", i,
                          type);
  if (l->policy_pos != 0)
    return civic_diag_set(c->d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                          "events[%u]: the signature policy is already on "
                          "(ledger '%s', since position %llu)",
                          i, l->ledger_id, (unsigned long long)l->policy_pos);
  obj = json_loads(data, 0, NULL);
  lid = obj ? json_object_get(obj, "ledger") : NULL;
  if (!json_is_string(lid) || json_string_length(lid) == 0 ||
      json_string_length(lid) > CIVIC_SIGNER_MAX ||
      strlen(json_string_value(lid)) != json_string_length(lid))
    st = civic_diag_set(c->d, CIVIC_E_MISSING_FIELD,
                        "events[%u].data.ledger: must be a ledger id of "
                        "1..255 bytes",
                        i);
  else {
    l->ledger_id_len = json_string_length(lid);
    l->ledger_id =
        arena_strdup(&l->ar, json_string_value(lid), l->ledger_id_len);
    if (l->ledger_id == NULL)
      st = nomem(c);
    else
      l->policy_pos = c->pos;
  }
  json_decref(obj);
  return st;
}

/* The key registry rides on events "civic.key.register" / "civic.key.revoke".
 */
static civic_status apply_key_event(apply_ctx *c, uint32_t i, const char *type,
                                    const char *data) {
  civic_ledger *l = c->l;
  json_t *obj = json_loads(data, 0, NULL);
  const json_t *kid = obj ? json_object_get(obj, "key") : NULL;
  const char *key_id;
  size_t len;
  uint64_t h;
  uint32_t found;
  civic_status st = CIVIC_OK;
  if (!json_is_string(kid) || json_string_length(kid) == 0 ||
      json_string_length(kid) > CIVIC_SIGNER_MAX) {
    json_decref(obj);
    return civic_diag_set(c->d, CIVIC_E_INVALID_KEY,
                          "events[%u].data.key: must be a key id of 1..255 "
                          "bytes",
                          i);
  }
  key_id = json_string_value(kid);
  len = strlen(key_id);
  h = hash_str(l, key_id, len);
  found = find_key(l, key_id, len, h);
  if (strcmp(type, KEY_TYPE_PREFIX "register") == 0) {
    uint8_t pk[CIVIC_PUBLIC_KEY_BYTES];
    const json_t *hex = json_object_get(obj, "public_key");
    const json_t *inst = json_object_get(obj, "institution");
    const char *inst_s = json_is_string(inst) ? json_string_value(inst) : "";
    size_t inst_len = strlen(inst_s);
    if (!json_is_string(hex) ||
        !civic_hex_decode(pk, sizeof pk, json_string_value(hex)))
      st = civic_diag_set(c->d, CIVIC_E_INVALID_KEY,
                          "events[%u].data.public_key: must be 64 hex "
                          "characters",
                          i);
    else if (inst != NULL && !valid_institution(inst))
      st = civic_diag_set(c->d, CIVIC_E_INVALID_KEY,
                          "events[%u].data.institution: must be an "
                          "institution id of 1..255 bytes without ':'",
                          i);
    else if (found != NONE)
      st = memcmp(l->keys.v[found].public_key, pk, sizeof pk) == 0 &&
                   l->keys.v[found].institution.len == inst_len &&
                   memcmp(inst_s,
                          l->keys.v[found].institution.s
                              ? l->keys.v[found].institution.s
                              : "",
                          inst_len) == 0
               ? CIVIC_OK
               : civic_diag_set(c->d, CIVIC_E_KEY_EXISTS,
                                "events[%u].data.key: key '%s' is registered "
                                "with another public key or institution",
                                i, key_id);
    else if (!VEC_RESERVE(l->keys, l->keys.n + 1))
      st = nomem(c);
    else {
      regkey *k = &l->keys.v[l->keys.n];
      k->id.s = arena_strdup(&l->ar, key_id, len);
      k->id.len = (uint32_t)len;
      k->institution.s =
          inst_len ? arena_strdup(&l->ar, inst_s, inst_len) : NULL;
      k->institution.len = (uint32_t)inst_len;
      memcpy(k->public_key, pk, sizeof pk);
      k->registered = c->pos;
      k->revoked = 0;
      if (k->id.s == NULL || (inst_len && k->institution.s == NULL) ||
          !table_insert(&l->key_t, h, l->keys.n))
        st = nomem(c);
      else
        l->keys.n++;
    }
  } else if (strcmp(type, KEY_TYPE_PREFIX "revoke") == 0) {
    if (found == NONE)
      st = civic_diag_set(c->d, CIVIC_E_UNKNOWN_KEY,
                          "events[%u].data.key: no key '%s'", i, key_id);
    else if (l->keys.v[found].revoked == 0) {
      if (!push_undo(l, UNDO_KEY_REVOKED, found, 0, 0, 0))
        st = nomem(c);
      else
        l->keys.v[found].revoked = c->pos;
    }
  } else {
    st = civic_diag_set(c->d, CIVIC_E_OUT_OF_RANGE,
                        "events[%u].type: unknown key registry event '%s'", i,
                        type);
  }
  json_decref(obj);
  return st;
}

static civic_status apply_event(apply_ctx *c, uint32_t i) {
  civic_ledger *l = c->l;
  const b_event *be = &c->b->events.v[i];
  const char *id = bs(c->b, be->id), *type = bs(c->b, be->type),
             *actor = bs(c->b, be->actor), *data = bs(c->b, be->data);
  size_t len = strlen(id);
  uint64_t h = hash_str(l, id, len);
  uint32_t found = find_event(l, id, len, h);
  event *e;
  civic_status st;
  if (len == 0)
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "events[%u].id: must not be empty", i);
  if (found != NONE) {
    const event *old = &l->events.v[found];
    if (strcmp(old->type, type) || strcmp(old->actor, actor) ||
        old->time != be->time || strcmp(old->data, data))
      return civic_diag_set(c->d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                            "events[%u]: event '%s' exists with other fields",
                            i, id);
    c->skipped++;
    return CIVIC_OK;
  }
  if (*type == '\0')
    return civic_diag_set(c->d, CIVIC_E_EMPTY,
                          "events[%u].type: must not be empty", i);
  if (strncmp(type, KEY_TYPE_PREFIX, strlen(KEY_TYPE_PREFIX)) == 0 &&
      (st = apply_key_event(c, i, type, data)) != CIVIC_OK)
    return st;
  if (strncmp(type, POLICY_TYPE_PREFIX, strlen(POLICY_TYPE_PREFIX)) == 0 &&
      (st = apply_policy_event(c, i, type, data)) != CIVIC_OK)
    return st;
  if (!VEC_RESERVE(l->events, l->events.n + 1))
    return nomem(c);
  e = &l->events.v[l->events.n];
  e->id.s = arena_strdup(&l->ar, id, len);
  e->id.len = (uint32_t)len;
  e->type = arena_strdup(&l->ar, type, strlen(type));
  e->actor = arena_strdup(&l->ar, actor, strlen(actor));
  e->data = arena_strdup(&l->ar, data, strlen(data));
  e->time = be->time;
  e->position = c->pos;
  if (!e->id.s || !e->type || !e->actor || !e->data ||
      !table_insert(&l->event_t, h, l->events.n))
    return nomem(c);
  l->events.n++;
  c->applied++;
  return CIVIC_OK;
}

/* What a batch brings to be signed or checked: the signer and either a
 * secret key (a live post signs here) or a signature (from the caller or a
 * journal record), plus the canonical body. The digest depends on the
 * policy as it stands after the batch (the batch that turns the policy on
 * is already bound to the ledger id it declares), so it is computed only
 * once the items are applied. */
typedef struct sig_input {
  const char *signer;
  size_t signer_len;  /* 0: unsigned */
  const uint8_t *sig; /* or NULL when sk is given */
  const uint8_t *sk;  /* or NULL */
  const uint8_t *body;
  size_t body_len;
  uint8_t sig_out[CIVIC_SIGNATURE_BYTES]; /* the signature recorded */
} sig_input;

/* Check the batch's signature against the registry as it stands after the
 * batch. Without the policy a key may be registered by the batch it signs
 * (bootstrap); with it, only in the batch that turns the policy on. */
static civic_status check_signature(apply_ctx *c, const sig_input *s,
                                    const uint8_t digest[CIVIC_HASH_BYTES],
                                    uint32_t *key) {
  const civic_ledger *l = c->l;
  int n = (int)s->signer_len;
  uint32_t k = find_key(l, s->signer, s->signer_len,
                        hash_str(l, s->signer, s->signer_len));
  *key = k;
  if (k == NONE)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_KEY,
                          "signature: key '%.*s' is not registered", n,
                          s->signer);
  if (l->policy_pos != 0 && l->policy_pos != c->pos &&
      l->keys.v[k].registered == c->pos)
    return civic_diag_set(c->d, CIVIC_E_UNKNOWN_KEY,
                          "signature: key '%.*s' is registered by this very "
                          "batch; under the signature policy the signer must "
                          "be registered by an earlier batch",
                          n, s->signer);
  if (l->keys.v[k].revoked != 0 && l->keys.v[k].revoked < c->pos)
    return civic_diag_set(c->d, CIVIC_E_KEY_REVOKED,
                          "signature: key '%.*s' was revoked at position %llu",
                          n, s->signer,
                          (unsigned long long)l->keys.v[k].revoked);
  if (!civic_verify_digest(s->sig_out, digest, l->keys.v[k].public_key))
    return civic_diag_set(c->d, CIVIC_E_SIGNATURE_INVALID,
                          "signature: does not verify with key '%.*s'%s", n,
                          s->signer,
                          l->policy_pos ? " over this ledger's id" : "");
  return CIVIC_OK;
}

/* The ownership rule: institution I owns every id starting with "I:". */
static bool owns(const strref *inst, const char *id) {
  return inst->len > 0 && strncmp(id, inst->s, inst->len) == 0 &&
         id[inst->len] == ':';
}

static civic_status not_owner(apply_ctx *c, const char *where, uint32_t i,
                              const char *what, const char *id,
                              const regkey *k) {
  return civic_diag_set(c->d, CIVIC_E_NOT_OWNER,
                        "%s[%u]: %s '%s' is not owned by institution '%s' "
                        "(signer key '%s')",
                        where, i, what, id, k->institution.s, k->id.s);
}

/* The institution owning the key a key event names: for a registration the
 * data's "institution", for a revocation the registered key's. "" if none. */
static bool key_event_owned(const civic_ledger *l, const char *type,
                            const char *data, const regkey *signer) {
  json_t *obj = json_loads(data, 0, NULL);
  const json_t *kid = obj ? json_object_get(obj, "key") : NULL;
  bool ok = false;
  if (strcmp(type, KEY_TYPE_PREFIX "register") == 0) {
    const json_t *inst = json_object_get(obj, "institution");
    ok = json_is_string(inst) &&
         json_string_length(inst) == signer->institution.len &&
         memcmp(json_string_value(inst), signer->institution.s,
                signer->institution.len) == 0;
  } else if (json_is_string(kid)) {
    const char *id = json_string_value(kid);
    size_t len = json_string_length(kid);
    uint32_t k = find_key(l, id, len, hash_str(l, id, len));
    ok = k != NONE && l->keys.v[k].institution.len == signer->institution.len &&
         signer->institution.len > 0 &&
         memcmp(l->keys.v[k].institution.s, signer->institution.s,
                signer->institution.len) == 0;
  }
  json_decref(obj);
  return ok;
}

/* With the policy on, the signer's institution must own every account the
 * batch creates or debits and every key it registers or revokes (except in
 * the batch that turns the policy on, which registers the first keys). */
static civic_status check_ownership(apply_ctx *c, const regkey *k) {
  const civic_ledger *l = c->l;
  const civic_batch *b = c->b;
  uint32_t i;
  if (k->institution.len == 0)
    return civic_diag_set(c->d, CIVIC_E_NOT_OWNER,
                          "signature: key '%s' belongs to no institution (a "
                          "legacy key) and can sign nothing under the "
                          "signature policy",
                          k->id.s);
  for (i = 0; i < b->accounts.n; i++)
    if (!owns(&k->institution, bs(b, b->accounts.v[i].id)))
      return not_owner(c, "accounts", i, "account", bs(b, b->accounts.v[i].id),
                       k);
  for (i = 0; i < b->transfers.n; i++) {
    const b_transfer *t = &b->transfers.v[i];
    const char *from = bs(b, t->from);
    if (t->kind == CIVIC_TRANSFER_POST_PENDING ||
        t->kind == CIVIC_TRANSFER_VOID_PENDING) {
      /* Applied without error, so the pending transfer exists. */
      const char *pid = bs(b, t->pending_id);
      size_t plen = strlen(pid);
      uint32_t p = find_transfer(l, pid, plen, hash_str(l, pid, plen));
      from = p == NONE ? "" : l->accounts.v[l->transfers.v[p].from].id.s;
    }
    if (!owns(&k->institution, from))
      return not_owner(c, "transfers", i, "debited account", from, k);
  }
  if (l->policy_pos == c->pos)
    return CIVIC_OK;
  for (i = 0; i < b->events.n; i++) {
    const char *type = bs(b, b->events.v[i].type);
    if (strncmp(type, KEY_TYPE_PREFIX, strlen(KEY_TYPE_PREFIX)) == 0 &&
        !key_event_owned(l, type, bs(b, b->events.v[i].data), k))
      return civic_diag_set(c->d, CIVIC_E_NOT_OWNER,
                            "events[%u]: %s of a key not of institution '%s' "
                            "(signer key '%s')",
                            i, type, k->institution.s, k->id.s);
  }
  return CIVIC_OK;
}

/* After the items: sign (live post with a secret key) or take the given
 * signature, check it, and with the policy on require it and the ownership
 * rule. */
static civic_status check_authorship(apply_ctx *c, sig_input *s) {
  civic_ledger *l = c->l;
  uint8_t digest[CIVIC_HASH_BYTES];
  uint32_t k;
  civic_status st;
  if (s->signer_len == 0)
    return l->policy_pos == 0
               ? CIVIC_OK
               : civic_diag_set(c->d, CIVIC_E_SIGNATURE_REQUIRED,
                                "signature: ledger '%s' requires signed "
                                "batches (policy since position %llu); this "
                                "batch is unsigned",
                                l->ledger_id,
                                (unsigned long long)l->policy_pos);
  if (l->policy_pos != 0)
    civic_batch_sig_digest_v2(digest, l->ledger_id, l->ledger_id_len, s->body,
                              s->body_len);
  else
    civic_batch_sig_digest(digest, s->body, s->body_len);
  if (s->sk != NULL)
    civic_sign_digest(s->sig_out, digest, s->sk);
  else
    memcpy(s->sig_out, s->sig, CIVIC_SIGNATURE_BYTES);
  st = check_signature(c, s, digest, &k);
  if (st == CIVIC_OK && l->policy_pos != 0)
    st = check_ownership(c, &l->keys.v[k]);
  return st;
}

typedef struct counts {
  uint32_t assets, accounts, transfers, events, keys;
  uint64_t policy_pos;
  arena_mark mark;
} counts;

static counts snapshot(const civic_ledger *l) {
  counts k = {l->assets.n, l->accounts.n, l->transfers.n,        l->events.n,
              l->keys.n,   l->policy_pos, arena_get_mark(&l->ar)};
  return k;
}

/* Table entries are removed by hashing the id again: rollback is rare, and
 * not storing the hash saves 8 bytes per object (a million transfers). */
static void unindex(const civic_ledger *l, table *t, strref id, uint32_t idx) {
  table_remove(t, hash_str(l, id.s, id.len), idx);
}

/* Undo everything since `k` (newest first). */
static void rollback(civic_ledger *l, counts k) {
  while (l->undo.n > 0) {
    const undo *u = &l->undo.v[--l->undo.n];
    if (u->kind == UNDO_ACCOUNT) {
      account *a = &l->accounts.v[u->idx];
      a->balance = u->a;
      a->debits_pending = u->b;
      a->credits_pending = u->c;
    } else if (u->kind == UNDO_PENDING_STATE) {
      l->transfers.v[u->idx].pending_state = (uint8_t)u->a;
    } else {
      l->keys.v[u->idx].revoked = (uint64_t)u->a;
    }
  }
  while (l->events.n > k.events) {
    l->events.n--;
    unindex(l, &l->event_t, l->events.v[l->events.n].id, l->events.n);
  }
  while (l->transfers.n > k.transfers) {
    l->transfers.n--;
    unindex(l, &l->transfer_t, l->transfers.v[l->transfers.n].id,
            l->transfers.n);
  }
  while (l->accounts.n > k.accounts) {
    l->accounts.n--;
    unindex(l, &l->account_t, l->accounts.v[l->accounts.n].id, l->accounts.n);
  }
  while (l->assets.n > k.assets) {
    l->assets.n--;
    unindex(l, &l->asset_t, l->assets.v[l->assets.n].id, l->assets.n);
  }
  while (l->keys.n > k.keys) {
    l->keys.n--;
    unindex(l, &l->key_t, l->keys.v[l->keys.n].id, l->keys.n);
  }
  if (l->policy_pos != k.policy_pos) { /* the batch turned the policy on */
    l->policy_pos = k.policy_pos;
    l->ledger_id = NULL;
    l->ledger_id_len = 0;
  }
  arena_reset(&l->ar, k.mark);
}

/* Validate and apply every item; on failure everything is rolled back. The
 * signature and the policy are checked afterwards, inside the same undo
 * scope. */
static civic_status apply_items(apply_ctx *c, sig_input *s, counts *k) {
  civic_ledger *l = c->l;
  const civic_batch *b = c->b;
  civic_status st = CIVIC_OK;
  uint32_t i;
  *k = snapshot(l);
  l->undo.n = 0;
  for (i = 0; st == CIVIC_OK && i < b->assets.n; i++)
    st = apply_asset(c, i);
  for (i = 0; st == CIVIC_OK && i < b->accounts.n; i++)
    st = apply_account(c, i);
  if (st == CIVIC_OK && b->transfers.n > 0 &&
      !VEC_RESERVE(l->id_hash, b->transfers.n))
    st = nomem(c);
  /* Hash every transfer id first, then look each one up while the table
   * slot of a later one is being fetched: with a million transfers the
   * table is far larger than the cache and one miss per lookup dominates. */
  for (i = 0; st == CIVIC_OK && i < b->transfers.n; i++) {
    uint32_t off = b->transfers.v[i].id;
    l->id_hash.v[i] = hash_str(l, bs(b, off), bslen(b, off));
  }
  for (i = 0; st == CIVIC_OK && i < b->transfers.n; i++) {
    if (i + PREFETCH_AHEAD < b->transfers.n && l->transfer_t.slots != NULL)
      __builtin_prefetch(&l->transfer_t.slots[l->id_hash.v[i + PREFETCH_AHEAD] &
                                              l->transfer_t.mask]);
    st = apply_transfer(c, i);
  }
  for (i = 0; st == CIVIC_OK && i < b->events.n; i++)
    st = apply_event(c, i);
  if (st == CIVIC_OK)
    st = check_authorship(c, s);
  if (st != CIVIC_OK)
    rollback(l, *k);
  return st;
}

/* ---------------------------------------------- detached signatures */

civic_status civic_batch_signing_digest_hex(const civic_batch *b,
                                            const char *ledger_id,
                                            char **digest_hex) {
  civic_ledger *scratch;
  uint8_t digest[CIVIC_HASH_BYTES];
  size_t body_len;
  if (b == NULL || ledger_id == NULL || digest_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *digest_hex = NULL;
  /* The canonical encoding is built in a ledger's record buffer; a scratch
   * ledger keeps this call free of any real ledger's lock. */
  if ((scratch = ledger_alloc()) == NULL)
    return CIVIC_E_NOMEM;
  if (!encode_body(scratch, b, &body_len)) {
    civic_ledger_free(scratch);
    return CIVIC_E_NOMEM;
  }
  if (*ledger_id != '\0')
    civic_batch_sig_digest_v2(digest, ledger_id, strlen(ledger_id),
                              scratch->rec + CIVIC_RECORD_PREFIX_BYTES,
                              body_len);
  else
    civic_batch_sig_digest(digest, scratch->rec + CIVIC_RECORD_PREFIX_BYTES,
                           body_len);
  civic_ledger_free(scratch);
  if ((*digest_hex = malloc(2 * sizeof digest + 1)) == NULL)
    return CIVIC_E_NOMEM;
  civic_hex_encode(*digest_hex, digest, sizeof digest);
  return CIVIC_OK;
}

civic_status civic_batch_set_signature(civic_batch *b, const char *key_id,
                                       const char *signature_hex) {
  size_t len;
  if (b == NULL || key_id == NULL || signature_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  len = strlen(key_id);
  if (len == 0 || len > CIVIC_SIGNER_MAX ||
      !civic_hex_decode(b->sig, CIVIC_SIGNATURE_BYTES, signature_hex))
    return CIVIC_E_INVALID_KEY;
  memcpy(b->signer, key_id, len + 1);
  if (b->sk != NULL)
    sodium_memzero(b->sk, CIVIC_SECRET_KEY_BYTES);
  b->has_sk = false;
  b->has_sig = true;
  return CIVIC_OK;
}

civic_status civic_sign_digest_hex(const char *digest_hex,
                                   const char *secret_key_hex,
                                   char **signature_hex) {
  uint8_t digest[CIVIC_HASH_BYTES], sk[CIVIC_SECRET_KEY_BYTES],
      sig[CIVIC_SIGNATURE_BYTES];
  if (digest_hex == NULL || secret_key_hex == NULL || signature_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *signature_hex = NULL;
  if (!civic_hex_decode(digest, sizeof digest, digest_hex) ||
      !civic_hex_decode(sk, sizeof sk, secret_key_hex)) {
    sodium_memzero(sk, sizeof sk);
    return CIVIC_E_INVALID_KEY;
  }
  civic_sign_digest(sig, digest, sk);
  sodium_memzero(sk, sizeof sk);
  if ((*signature_hex = malloc(2 * sizeof sig + 1)) == NULL)
    return CIVIC_E_NOMEM;
  civic_hex_encode(*signature_hex, sig, sizeof sig);
  return CIVIC_OK;
}

/* ---------------------------------------------------------------- posting */

/* Wait until record number `upto` is durable, sharing fsyncs. */
static civic_status sync_upto(civic_ledger *l, uint64_t upto, civic_diag *d) {
  civic_status st = CIVIC_OK;
  if (!l->has_journal)
    return CIVIC_OK;
  pthread_mutex_lock(&l->sync_mu);
  while (l->synced < upto && !l->poisoned) {
    if (!l->syncing) {
      uint64_t target = __atomic_load_n(&l->written, __ATOMIC_ACQUIRE);
      int rc;
      l->syncing = true;
      pthread_mutex_unlock(&l->sync_mu);
      rc = civic_journal_sync(&l->journal);
      pthread_mutex_lock(&l->sync_mu);
      l->syncing = false;
      if (rc != 0)
        __atomic_store_n(&l->poisoned, true, __ATOMIC_RELEASE);
      else if (target > l->synced)
        l->synced = target;
      pthread_cond_broadcast(&l->sync_cv);
    } else {
      pthread_cond_wait(&l->sync_cv, &l->sync_mu);
    }
  }
  if (l->synced < upto)
    st = civic_diag_set(d, CIVIC_E_LEDGER_POISONED,
                        "journal fsync failed; the ledger must be reopened");
  pthread_mutex_unlock(&l->sync_mu);
  return st;
}

static civic_status post_locked(civic_ledger *l, const civic_batch *b,
                                uint64_t *position, size_t *applied,
                                size_t *skipped, uint64_t *wait_for,
                                civic_diag *d) {
  apply_ctx c = {l, b, l->position + 1, d, 0, 0, NULL, 0, 0};
  size_t body_len, total;
  uint8_t hash[32];
  sig_input s;
  const uint8_t *sigp;
  counts k;
  civic_status st;
  if (__atomic_load_n(&l->poisoned, __ATOMIC_ACQUIRE))
    return civic_diag_set(d, CIVIC_E_LEDGER_POISONED,
                          "an earlier journal write failed; reopen the ledger");
  if (!encode_body(l, b, &body_len))
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory encoding batch");
  s.signer = b->signer;
  s.signer_len = b->has_sk || b->has_sig ? strlen(b->signer) : 0;
  s.sig = b->has_sig ? b->sig : NULL;
  s.sk = b->has_sk ? b->sk : NULL;
  s.body = l->rec + CIVIC_RECORD_PREFIX_BYTES;
  s.body_len = body_len;
  st = apply_items(&c, &s, &k);
  sigp = s.signer_len ? s.sig_out : NULL;
  if (st != CIVIC_OK)
    return st;
  *applied = c.applied;
  *skipped = c.skipped;
  *wait_for = __atomic_load_n(&l->written, __ATOMIC_ACQUIRE);
  if (c.applied == 0) { /* a pure retry: nothing to record */
    *position = l->position;
    return CIVIC_OK;
  }
  total = civic_record_size(body_len, s.signer_len, sigp != NULL);
  if (total > CIVIC_RECORD_MAX) {
    rollback(l, k);
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "batch: %zu bytes encoded, the limit per journal "
                          "record is %zu; split the batch",
                          total, (size_t)CIVIC_RECORD_MAX);
  }
  civic_record_finish(l->rec, c.pos, l->head, body_len, b->signer, s.signer_len,
                      sigp, hash);
  if (l->has_journal) {
    st = civic_journal_append(d, &l->journal, l->rec, total);
    if (st != CIVIC_OK) {
      /* The file may hold part of the record if cutting it back failed
       * too: accept nothing more on this handle; reopening repairs it. */
      rollback(l, k);
      __atomic_store_n(&l->poisoned, true, __ATOMIC_RELEASE);
      return st;
    }
    __atomic_store_n(&l->written, c.pos, __ATOMIC_RELEASE);
  }
  memcpy(l->head, hash, sizeof hash);
  l->position = c.pos;
  *position = c.pos;
  *wait_for = c.pos;
  return CIVIC_OK;
}

static civic_status post_common(civic_ledger *l, const civic_batch *b,
                                uint64_t *position, size_t *applied,
                                size_t *skipped, civic_diag *extra) {
  civic_status st;
  uint64_t pos = 0, wait_for = 0;
  size_t na = 0, ns = 0;
  if (l == NULL || b == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  pthread_rwlock_wrlock(&l->lock);
  civic_diag_clear(&l->diag);
  st = post_locked(l, b, &pos, &na, &ns, &wait_for, &l->diag);
  if (st != CIVIC_OK && extra != NULL)
    civic_diag_set(extra, st, "%s", l->diag.msg);
  pthread_rwlock_unlock(&l->lock);
  if (st == CIVIC_OK)
    st = sync_upto(l, wait_for, extra);
  if (position)
    *position = pos;
  if (applied)
    *applied = na;
  if (skipped)
    *skipped = ns;
  return st;
}

civic_status civic_ledger_post(civic_ledger *l, const civic_batch *b,
                               uint64_t *position) {
  return post_common(l, b, position, NULL, NULL, NULL);
}

civic_status civic_ledger_post_diag(civic_ledger *l, const civic_batch *b,
                                    uint64_t *position, civic_diag *d) {
  return post_common(l, b, position, NULL, NULL, d);
}

/* ------------------------------------------------------- JSON batch input */

static civic_status opt_string(civic_diag *d, const json_t *o,
                               const char *where, const char *key,
                               const char **out) {
  *out = "";
  if (!civic_json_has(o, key))
    return CIVIC_OK;
  return civic_json_string(d, o, where, key, false, out);
}

static civic_status opt_int(civic_diag *d, const json_t *o, const char *where,
                            const char *key, int64_t *out) {
  *out = 0;
  if (!civic_json_has(o, key))
    return CIVIC_OK;
  return civic_json_int(d, o, where, key, INT64_MIN, INT64_MAX, out);
}

static civic_status opt_list(civic_diag *d, const json_t *root, const char *key,
                             json_t **out) {
  *out = NULL;
  if (!civic_json_has(root, key))
    return CIVIC_OK;
  return civic_json_array(d, root, "", key, out);
}

static civic_status json_assets(civic_diag *d, const json_t *list,
                                civic_batch *b) {
  size_t i;
  char where[64];
  for (i = 0; list && i < json_array_size(list); i++) {
    const json_t *o = json_array_get(list, i);
    const char *code;
    int64_t scale;
    civic_status st = civic_json_element_object(d, list, "assets", i);
    civic_json_index_path(where, sizeof where, "assets", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "code", true, &code);
    if (st == CIVIC_OK)
      st = civic_json_int(d, o, where, "scale", INT32_MIN, INT32_MAX, &scale);
    if (st == CIVIC_OK && (scale < 0 || scale > MAX_SCALE))
      st = civic_diag_set(d, CIVIC_E_INVALID_SCALE,
                          "%s.scale: must be 0..18, got %lld", where,
                          (long long)scale);
    if (st == CIVIC_OK)
      st = civic_batch_add_asset(b, code, (int32_t)scale);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status json_accounts(civic_diag *d, const json_t *list,
                                  civic_batch *b) {
  size_t i;
  char where[64];
  for (i = 0; list && i < json_array_size(list); i++) {
    const json_t *o = json_array_get(list, i), *mb;
    const char *id, *code;
    int64_t min = CIVIC_NO_MIN_BALANCE;
    civic_status st = civic_json_element_object(d, list, "accounts", i);
    civic_json_index_path(where, sizeof where, "accounts", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "id", true, &id);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "asset", true, &code);
    if (st == CIVIC_OK) {
      mb = json_object_get(o, "min_balance");
      if (mb == NULL)
        st = civic_diag_set(d, CIVIC_E_MISSING_FIELD,
                            "%s.min_balance: required field missing (null for "
                            "no limit)",
                            where);
      else if (!json_is_null(mb))
        st = civic_json_int(d, o, where, "min_balance", INT64_MIN, INT64_MAX,
                            &min);
    }
    if (st == CIVIC_OK && min > 0)
      st = civic_diag_set(d, CIVIC_E_INVALID_MIN_BALANCE,
                          "%s.min_balance: must be <= 0 or null, got %lld",
                          where, (long long)min);
    if (st == CIVIC_OK && min == CIVIC_NO_MIN_BALANCE && !json_is_null(mb))
      st = civic_diag_set(d, CIVIC_E_INVALID_MIN_BALANCE,
                          "%s.min_balance: write null for no limit", where);
    if (st == CIVIC_OK)
      st = civic_batch_add_account(b, id, code, min);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status json_transfers(civic_diag *d, const json_t *list,
                                   civic_batch *b) {
  size_t i;
  char where[64];
  for (i = 0; list && i < json_array_size(list); i++) {
    const json_t *o = json_array_get(list, i);
    const char *id, *from = "", *to = "", *code = "", *ref, *pid = "";
    int64_t amount = 0, time;
    uint8_t kind = CIVIC_TRANSFER_NORMAL;
    bool pending = false;
    civic_status st = civic_json_element_object(d, list, "transfers", i);
    civic_json_index_path(where, sizeof where, "transfers", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "id", true, &id);
    if (st == CIVIC_OK && civic_json_has(o, "post_pending")) {
      kind = CIVIC_TRANSFER_POST_PENDING;
      st = civic_json_string(d, o, where, "post_pending", true, &pid);
    } else if (st == CIVIC_OK && civic_json_has(o, "void_pending")) {
      kind = CIVIC_TRANSFER_VOID_PENDING;
      st = civic_json_string(d, o, where, "void_pending", true, &pid);
    } else if (st == CIVIC_OK && civic_json_has(o, "pending")) {
      st = civic_json_bool(d, o, where, "pending", &pending);
      if (pending)
        kind = CIVIC_TRANSFER_PENDING;
    }
    if (st != CIVIC_OK)
      return st;
    if (kind == CIVIC_TRANSFER_NORMAL || kind == CIVIC_TRANSFER_PENDING) {
      st = civic_json_string(d, o, where, "from", true, &from);
      if (st == CIVIC_OK)
        st = civic_json_string(d, o, where, "to", true, &to);
      if (st == CIVIC_OK)
        st = civic_json_int(d, o, where, "amount", INT64_MIN, INT64_MAX,
                            &amount);
      if (st == CIVIC_OK)
        st = civic_json_string(d, o, where, "asset", true, &code);
    } else {
      st = opt_string(d, o, where, "from", &from);
      if (st == CIVIC_OK)
        st = opt_string(d, o, where, "to", &to);
      if (st == CIVIC_OK)
        st = opt_string(d, o, where, "asset", &code);
      if (st == CIVIC_OK && kind == CIVIC_TRANSFER_POST_PENDING &&
          civic_json_has(o, "amount")) {
        st = civic_json_int(d, o, where, "amount", INT64_MIN, INT64_MAX,
                            &amount);
        if (st == CIVIC_OK && amount <= 0)
          st = civic_diag_set(d, CIVIC_E_AMOUNT_MUST_BE_POSITIVE,
                              "%s.amount: must be > 0 (omit it to post the "
                              "whole pending amount)",
                              where);
      }
    }
    if (st == CIVIC_OK)
      st = opt_int(d, o, where, "time", &time);
    if (st == CIVIC_OK)
      st = opt_string(d, o, where, "reference", &ref);
    if (st == CIVIC_OK)
      st = add_transfer(b, kind, id, from, to, amount, code, time, ref, pid);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status json_events(civic_diag *d, const json_t *list,
                                civic_batch *b) {
  size_t i;
  char where[64];
  for (i = 0; list && i < json_array_size(list); i++) {
    const json_t *o = json_array_get(list, i);
    const char *id, *type, *actor;
    json_t *data;
    int64_t time;
    char *canon;
    civic_status st = civic_json_element_object(d, list, "events", i);
    civic_json_index_path(where, sizeof where, "events", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "id", true, &id);
    if (st == CIVIC_OK)
      st = civic_json_string(d, o, where, "type", true, &type);
    if (st == CIVIC_OK)
      st = opt_string(d, o, where, "actor", &actor);
    if (st == CIVIC_OK)
      st = opt_int(d, o, where, "time", &time);
    if (st == CIVIC_OK)
      st = civic_json_object(d, o, where, "data", &data);
    if (st != CIVIC_OK)
      return st;
    canon = canonical_json(data);
    if (canon == NULL)
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
    st = add_event_raw(b, id, type, actor, time, canon, strlen(canon));
    free(canon);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

/* Build a batch from the spec section 9 JSON form plus "events" and the
 * two-phase fields. Secrets never travel in batch JSON: sign a batch through
 * civic_batch_sign. */
static civic_status batch_from_json(civic_diag *d, const char *text,
                                    civic_batch *b) {
  json_t *root = NULL, *assets, *accounts, *transfers, *events;
  civic_status st = civic_json_parse(d, text, strlen(text), &root);
  if (st != CIVIC_OK)
    return st;
  if ((st = opt_list(d, root, "assets", &assets)) == CIVIC_OK &&
      (st = opt_list(d, root, "accounts", &accounts)) == CIVIC_OK &&
      (st = opt_list(d, root, "transfers", &transfers)) == CIVIC_OK &&
      (st = opt_list(d, root, "events", &events)) == CIVIC_OK &&
      (st = json_assets(d, assets, b)) == CIVIC_OK &&
      (st = json_accounts(d, accounts, b)) == CIVIC_OK &&
      (st = json_transfers(d, transfers, b)) == CIVIC_OK)
    st = json_events(d, events, b);
  json_decref(root);
  return st;
}

static char *dump_and_free(json_t *o) {
  char *text = o ? civic_json_dump(o) : NULL;
  json_decref(o);
  return text;
}

static civic_status post_json_common(civic_ledger *l, const char *batch_json,
                                     const char *key_id, const char *sk_hex,
                                     char **result) {
  civic_batch *b = NULL;
  civic_status st;
  uint64_t pos = 0;
  size_t applied = 0, skipped = 0;
  if (result)
    *result = NULL;
  if (l == NULL || batch_json == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (civic_batch_new(&b) != CIVIC_OK)
    return CIVIC_E_NOMEM;
  pthread_rwlock_wrlock(&l->lock);
  civic_diag_clear(&l->diag);
  st = batch_from_json(&l->diag, batch_json, b);
  if (st == CIVIC_OK && key_id != NULL) {
    st = civic_batch_sign(b, key_id, sk_hex);
    if (st != CIVIC_OK)
      civic_diag_set(&l->diag, st, "signing key '%s': malformed", key_id);
  }
  pthread_rwlock_unlock(&l->lock);
  if (st == CIVIC_OK)
    st = post_common(l, b, &pos, &applied, &skipped, NULL);
  civic_batch_free(b);
  if (st == CIVIC_OK && result) {
    json_t *o =
        json_pack("{s:I,s:I,s:I}", "position", (json_int_t)pos, "applied",
                  (json_int_t)applied, "skipped", (json_int_t)skipped);
    *result = dump_and_free(o);
    if (*result == NULL)
      return CIVIC_E_NOMEM;
  }
  return st;
}

civic_status civic_ledger_post_json(civic_ledger *l, const char *batch_json,
                                    char **result) {
  return post_json_common(l, batch_json, NULL, NULL, result);
}

civic_status civic_ledger_post_json_signed(civic_ledger *l,
                                           const char *batch_json,
                                           const char *key_id,
                                           const char *secret_key_hex,
                                           char **result) {
  if (key_id == NULL || secret_key_hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return post_json_common(l, batch_json, key_id, secret_key_hex, result);
}

/* ------------------------------------------------------------- state hash
 *
 * state := "civic-ledger-state-v1" u64 position u8[32] head
 *          u32 n_assets (str code, i32 scale)*          sorted by code
 *          u32 n_accounts (str id, str asset, i64 min_balance, i64 balance,
 *                          i64 debits_pending, i64 credits_pending)*
 *                                                       sorted by id
 * The head (hash of the last journal record) commits to the whole history:
 * every transfer, pending state and event, which future batches depend on.
 */

typedef struct sort_item {
  const char *s;
  uint32_t len, idx;
} sort_item;

static int cmp_sort_item(const void *a, const void *b) {
  const sort_item *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  if (c != 0)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Indices of n objects sorted byte-wise by id; caller frees. */
static uint32_t *sorted_ids(const void *base, size_t stride, uint32_t n) {
  sort_item *items = malloc((size_t)(n ? n : 1) * sizeof *items);
  uint32_t *out = malloc((size_t)(n ? n : 1) * sizeof *out), i;
  if (items == NULL || out == NULL) {
    free(items);
    free(out);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    const strref *k = key_at(base, stride, i);
    items[i].s = k->s;
    items[i].len = k->len;
    items[i].idx = i;
  }
  qsort(items, n, sizeof *items, cmp_sort_item);
  for (i = 0; i < n; i++)
    out[i] = items[i].idx;
  free(items);
  return out;
}

typedef struct hasher {
  crypto_generichash_state st;
  uint8_t buf[4096];
  size_t n;
} hasher;

static void h_flush(hasher *h) {
  crypto_generichash_update(&h->st, h->buf, h->n);
  h->n = 0;
}
static void h_bytes(hasher *h, const void *p, size_t len) {
  if (h->n + len > sizeof h->buf) {
    h_flush(h);
    if (len > sizeof h->buf) {
      crypto_generichash_update(&h->st, p, len);
      return;
    }
  }
  memcpy(h->buf + h->n, p, len);
  h->n += len;
}
static void h_u64(hasher *h, uint64_t v) {
  uint8_t b[8];
  int i;
  for (i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  h_bytes(h, b, 8);
}
static void h_u32(hasher *h, uint32_t v) {
  uint8_t b[4];
  int i;
  for (i = 0; i < 4; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  h_bytes(h, b, 4);
}
static void h_str(hasher *h, const char *s, uint32_t len) {
  h_u32(h, len);
  h_bytes(h, s, len);
}

/* Compute the state hash; the caller holds a lock. */
static civic_status state_hash(const civic_ledger *l,
                               uint8_t out[CIVIC_HASH_BYTES],
                               uint32_t **acct_order) {
  static const char TAG[] = "civic-ledger-state-v1";
  uint32_t *as = sorted_ids(l->assets.v, sizeof(asset), l->assets.n);
  uint32_t *ac = sorted_ids(l->accounts.v, sizeof(account), l->accounts.n);
  hasher *h = malloc(sizeof *h);
  uint32_t i;
  if (as == NULL || ac == NULL || h == NULL) {
    free(as);
    free(ac);
    free(h);
    return CIVIC_E_NOMEM;
  }
  crypto_generichash_init(&h->st, NULL, 0, CIVIC_HASH_BYTES);
  h->n = 0;
  h_bytes(h, TAG, sizeof TAG - 1);
  h_u64(h, l->position);
  h_bytes(h, l->head, CIVIC_HASH_BYTES);
  h_u32(h, l->assets.n);
  for (i = 0; i < l->assets.n; i++) {
    const asset *a = &l->assets.v[as[i]];
    h_str(h, a->id.s, a->id.len);
    h_u32(h, (uint32_t)a->scale);
  }
  h_u32(h, l->accounts.n);
  for (i = 0; i < l->accounts.n; i++) {
    const account *a = &l->accounts.v[ac[i]];
    const asset *x = &l->assets.v[a->asset];
    h_str(h, a->id.s, a->id.len);
    h_str(h, x->id.s, x->id.len);
    h_u64(h, (uint64_t)a->min_balance);
    h_u64(h, (uint64_t)a->balance);
    h_u64(h, (uint64_t)a->debits_pending);
    h_u64(h, (uint64_t)a->credits_pending);
  }
  h_flush(h);
  crypto_generichash_final(&h->st, out, CIVIC_HASH_BYTES);
  free(h);
  free(as);
  if (acct_order)
    *acct_order = ac;
  else
    free(ac);
  return CIVIC_OK;
}

civic_status civic_ledger_state_hash_hex(const civic_ledger *l, char *hex) {
  uint8_t hash[CIVIC_HASH_BYTES];
  civic_status st;
  if (l == NULL || hex == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  st = state_hash(l, hash, NULL);
  unlock(l);
  if (st == CIVIC_OK)
    civic_hex_encode(hex, hash, sizeof hash);
  return st;
}

/* --------------------------------------------------------------- queries */

civic_status civic_ledger_balance(const civic_ledger *l, const char *id,
                                  int64_t *balance) {
  uint32_t a;
  if (l == NULL || id == NULL || balance == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  a = lookup_account(l, id);
  if (a != NONE)
    *balance = l->accounts.v[a].balance;
  unlock(l);
  return a == NONE ? CIVIC_E_UNKNOWN_REFERENCE : CIVIC_OK;
}

civic_status civic_ledger_position(const civic_ledger *l, uint64_t *position) {
  if (l == NULL || position == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *position = civic_ledger_position_get(l);
  return CIVIC_OK;
}

uint64_t civic_ledger_position_get(const civic_ledger *l) {
  uint64_t p;
  rdlock(l);
  p = l->position;
  unlock(l);
  return p;
}

/* The signed effect of transfer t on account a's posted balance. */
static int64_t effect_on(const transfer *t, uint32_t a) {
  if (t->kind == CIVIC_TRANSFER_PENDING ||
      t->kind == CIVIC_TRANSFER_VOID_PENDING)
    return 0;
  return t->to == a ? t->amount : t->from == a ? -t->amount : 0;
}

civic_status civic_ledger_balance_at(const civic_ledger *l, const char *id,
                                     uint64_t position, int64_t *balance) {
  uint32_t a, i;
  int64_t sum = 0;
  civic_status st = CIVIC_OK;
  if (l == NULL || id == NULL || balance == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  a = lookup_account(l, id);
  if (position > l->position)
    st = CIVIC_E_OUT_OF_RANGE;
  else if (a == NONE || l->accounts.v[a].position > position)
    st = CIVIC_E_UNKNOWN_REFERENCE;
  for (i = 0; st == CIVIC_OK && i < l->transfers.n; i++) {
    const transfer *t = &l->transfers.v[i];
    if (t->position > position)
      break;                /* transfers are stored in position order */
    sum += effect_on(t, a); /* partial sums were live balances: no overflow */
  }
  unlock(l);
  if (st == CIVIC_OK)
    *balance = sum;
  return st;
}

static void fill_account_view(const civic_ledger *l, uint32_t i,
                              civic_account_view *out) {
  const account *a = &l->accounts.v[i];
  out->id = a->id.s;
  out->asset = l->assets.v[a->asset].id.s;
  out->has_min_balance = a->min_balance != CIVIC_NO_MIN_BALANCE;
  out->min_balance = a->min_balance;
  out->balance = a->balance;
  out->debits_pending = a->debits_pending;
  out->credits_pending = a->credits_pending;
  out->created_position = a->position;
}

civic_status civic_ledger_account_get(const civic_ledger *l, const char *id,
                                      civic_account_view *out) {
  uint32_t a;
  if (l == NULL || id == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  a = lookup_account(l, id);
  if (a != NONE)
    fill_account_view(l, a, out);
  unlock(l);
  return a == NONE ? CIVIC_E_UNKNOWN_REFERENCE : CIVIC_OK;
}

bool civic_ledger_has_account(const civic_ledger *l, const char *id) {
  bool found;
  if (l == NULL || id == NULL)
    return false;
  rdlock(l);
  found = lookup_account(l, id) != NONE;
  unlock(l);
  return found;
}

static uint32_t lookup_asset(const civic_ledger *l, const char *code) {
  size_t len = strlen(code);
  return find_asset(l, code, len, hash_str(l, code, len));
}

bool civic_ledger_has_asset(const civic_ledger *l, const char *code) {
  bool found;
  if (l == NULL || code == NULL)
    return false;
  rdlock(l);
  found = lookup_asset(l, code) != NONE;
  unlock(l);
  return found;
}

civic_status civic_ledger_asset_scale(const civic_ledger *l, const char *code,
                                      int32_t *scale) {
  uint32_t a;
  if (l == NULL || code == NULL || scale == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  a = lookup_asset(l, code);
  if (a != NONE)
    *scale = l->assets.v[a].scale;
  unlock(l);
  return a == NONE ? CIVIC_E_UNKNOWN_REFERENCE : CIVIC_OK;
}

static void fill_event_view(const civic_ledger *l, uint32_t i,
                            civic_event_view *out) {
  const event *e = &l->events.v[i];
  out->id = e->id.s;
  out->type = e->type;
  out->actor = e->actor;
  out->time = e->time;
  out->data_json = e->data;
  out->position = e->position;
  out->index = i;
}

size_t civic_ledger_event_count(const civic_ledger *l) {
  size_t n;
  if (l == NULL)
    return 0;
  rdlock(l);
  n = l->events.n;
  unlock(l);
  return n;
}

civic_status civic_ledger_event_at(const civic_ledger *l, size_t index,
                                   civic_event_view *out) {
  civic_status st = CIVIC_OK;
  if (l == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  if (index >= l->events.n)
    st = CIVIC_E_OUT_OF_RANGE;
  else
    fill_event_view(l, (uint32_t)index, out);
  unlock(l);
  return st;
}

civic_status civic_ledger_event_find(const civic_ledger *l, const char *id,
                                     civic_event_view *out) {
  uint32_t e;
  size_t len;
  if (l == NULL || id == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  len = strlen(id);
  rdlock(l);
  e = find_event(l, id, len, hash_str(l, id, len));
  if (e != NONE)
    fill_event_view(l, e, out);
  unlock(l);
  return e == NONE ? CIVIC_E_UNKNOWN_REFERENCE : CIVIC_OK;
}

static void fill_transfer_view(const civic_ledger *l, uint32_t i,
                               civic_transfer_view *out) {
  const transfer *t = &l->transfers.v[i];
  out->kind = (civic_transfer_kind)t->kind;
  out->id = t->id.s;
  out->from = l->accounts.v[t->from].id.s;
  out->to = l->accounts.v[t->to].id.s;
  out->amount = t->amount;
  out->asset = l->assets.v[transfer_asset(l, t)].id.s;
  out->time = t->time;
  out->reference = transfer_reference(t);
  out->pending_id = t->pending != NONE ? l->transfers.v[t->pending].id.s : "";
  out->pending_state = (civic_pending_state)t->pending_state;
  out->position = t->position;
}

civic_status civic_ledger_transfer_find(const civic_ledger *l, const char *id,
                                        civic_transfer_view *out) {
  uint32_t t;
  size_t len;
  if (l == NULL || id == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  len = strlen(id);
  rdlock(l);
  t = find_transfer(l, id, len, hash_str(l, id, len));
  if (t != NONE)
    fill_transfer_view(l, t, out);
  unlock(l);
  return t == NONE ? CIVIC_E_UNKNOWN_REFERENCE : CIVIC_OK;
}

size_t civic_ledger_transfer_count(const civic_ledger *l) {
  size_t n;
  if (l == NULL)
    return 0;
  rdlock(l);
  n = l->transfers.n;
  unlock(l);
  return n;
}

civic_status civic_ledger_transfer_at(const civic_ledger *l, size_t index,
                                      civic_transfer_view *out) {
  civic_status st = CIVIC_OK;
  if (l == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  rdlock(l);
  if (index >= l->transfers.n)
    st = CIVIC_E_OUT_OF_RANGE;
  else
    fill_transfer_view(l, (uint32_t)index, out);
  unlock(l);
  return st;
}

/* ---------------------------------------------------------- JSON outputs */

static const char *KIND_NAMES[] = {"transfer", "pending", "post_pending",
                                   "void_pending"};
static const char *STATE_NAMES[] = {"", "open", "posted", "voided"};

static json_t *transfer_json(const civic_ledger *l, uint32_t i) {
  civic_transfer_view v;
  json_t *o;
  fill_transfer_view(l, i, &v);
  o = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:s}", "id", v.id, "kind",
                KIND_NAMES[v.kind], "position", (json_int_t)v.position, "time",
                (json_int_t)v.time, "from", v.from, "to", v.to, "amount",
                (json_int_t)v.amount, "asset", v.asset);
  if (o && *v.reference)
    json_object_set_new(o, "reference", json_string(v.reference));
  if (o && *v.pending_id)
    json_object_set_new(o, "pending_id", json_string(v.pending_id));
  if (o && v.kind == CIVIC_TRANSFER_PENDING)
    json_object_set_new(o, "state", json_string(STATE_NAMES[v.pending_state]));
  return o;
}

static civic_status finish_json(json_t *o, char **out) {
  *out = dump_and_free(o);
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}

civic_status civic_ledger_balances_json(const civic_ledger *l, char **out) {
  uint8_t hash[CIVIC_HASH_BYTES];
  char hex[2 * CIVIC_HASH_BYTES + 1];
  uint32_t *order = NULL, i;
  json_t *root, *list;
  civic_status st;
  if (l == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  root = json_object();
  list = json_array();
  rdlock(l);
  st = state_hash(l, hash, &order);
  for (i = 0; st == CIVIC_OK && i < l->accounts.n; i++) {
    const account *a = &l->accounts.v[order[i]];
    if (json_array_append_new(list,
                              json_pack("{s:s,s:s,s:I}", "id", a->id.s, "asset",
                                        l->assets.v[a->asset].id.s, "balance",
                                        (json_int_t)a->balance)) != 0)
      st = CIVIC_E_NOMEM;
  }
  unlock(l);
  free(order);
  if (st == CIVIC_OK) {
    civic_hex_encode(hex, hash, sizeof hash);
    if (!root || !list || json_object_set(root, "accounts", list) != 0 ||
        json_object_set_new(root, "state_hash", json_string(hex)) != 0)
      st = CIVIC_E_NOMEM;
  }
  json_decref(list);
  if (st != CIVIC_OK) {
    json_decref(root);
    return st;
  }
  return finish_json(root, out);
}

static json_t *account_json(const civic_ledger *l, uint32_t i) {
  civic_account_view v;
  json_t *o;
  fill_account_view(l, i, &v);
  o = json_pack("{s:s,s:s}", "id", v.id, "asset", v.asset);
  if (o == NULL)
    return NULL;
  json_object_set_new(o, "min_balance",
                      v.has_min_balance ? json_integer(v.min_balance)
                                        : json_null());
  json_object_set_new(o, "balance", json_integer(v.balance));
  json_object_set_new(o, "debits_pending", json_integer(v.debits_pending));
  json_object_set_new(o, "credits_pending", json_integer(v.credits_pending));
  return o;
}

civic_status civic_ledger_account_json(const civic_ledger *l, const char *id,
                                       char **out) {
  uint32_t a;
  json_t *o = NULL;
  if (l == NULL || id == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  rdlock(l);
  a = lookup_account(l, id);
  if (a != NONE)
    o = account_json(l, a);
  unlock(l);
  if (a == NONE)
    return CIVIC_E_UNKNOWN_REFERENCE;
  return finish_json(o, out);
}

civic_status civic_ledger_history_json(const civic_ledger *l, const char *id,
                                       char **out) {
  uint32_t a, i;
  json_t *root = NULL, *list;
  int64_t bal = 0;
  if (l == NULL || id == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  rdlock(l);
  a = lookup_account(l, id);
  if (a == NONE) {
    unlock(l);
    return CIVIC_E_UNKNOWN_REFERENCE;
  }
  list = json_array();
  for (i = 0; list && i < l->transfers.n; i++) {
    const transfer *t = &l->transfers.v[i];
    json_t *o;
    if (t->from != a && t->to != a)
      continue;
    bal += effect_on(t, a);
    o = transfer_json(l, i);
    if (o)
      json_object_set_new(o, "balance", json_integer(bal));
    json_array_append_new(list, o);
  }
  root = json_pack("{s:s,s:s,s:o}", "account", id, "asset",
                   l->assets.v[l->accounts.v[a].asset].id.s, "entries", list);
  unlock(l);
  return finish_json(root, out);
}

civic_status civic_ledger_transfers_by_reference_json(const civic_ledger *l,
                                                      const char *reference,
                                                      char **out) {
  uint32_t i;
  json_t *list;
  if (l == NULL || reference == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  list = json_array();
  rdlock(l);
  for (i = 0; list && i < l->transfers.n; i++)
    if (strcmp(transfer_reference(&l->transfers.v[i]), reference) == 0)
      json_array_append_new(list, transfer_json(l, i));
  unlock(l);
  return finish_json(json_pack("{s:o}", "transfers", list), out);
}

civic_status civic_ledger_events_json(const civic_ledger *l,
                                      const char *type_prefix, char **out) {
  uint32_t i;
  size_t plen = type_prefix ? strlen(type_prefix) : 0;
  json_t *list;
  if (l == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  list = json_array();
  rdlock(l);
  for (i = 0; list && i < l->events.n; i++) {
    const event *e = &l->events.v[i];
    if (plen && strncmp(e->type, type_prefix, plen) != 0)
      continue;
    json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:I,s:o,s:I}", "id",
                                          e->id.s, "type", e->type, "actor",
                                          e->actor, "time", (json_int_t)e->time,
                                          "data", json_loads(e->data, 0, NULL),
                                          "position", (json_int_t)e->position));
  }
  unlock(l);
  return finish_json(json_pack("{s:o}", "events", list), out);
}

/* ------------------------------------------------------ journal and replay */

civic_status civic_ledger_create(civic_ledger **out, const char *path) {
  civic_ledger *l;
  civic_status st;
  if (out == NULL || path == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if ((l = ledger_alloc()) == NULL)
    return CIVIC_E_NOMEM;
  st = civic_journal_create(&l->diag, path, &l->journal);
  if (st != CIVIC_OK) {
    civic_ledger_free(l);
    return st;
  }
  l->has_journal = true;
  *out = l;
  return CIVIC_OK;
}

/* Where replay stopped, for messages and reports. */
typedef struct replay_result {
  uint64_t records;  /* whole records replayed */
  uint64_t good_end; /* offset just after the last good record */
  uint64_t bad_offset;
} replay_result;

/* How many transfers the journal holds, read from each record's body
 * header (n_transfers) by hopping from record to record on the length
 * fields: a sizing hint only, taken before anything is checked, so each
 * count is capped by what its body could hold (a transfer encodes to at
 * least 53 bytes) and the walk stops at the first implausible length. */
static size_t count_transfers(const uint8_t *data, size_t len) {
  size_t off = CIVIC_JOURNAL_HEADER_BYTES, n = 0;
  while (len - off >= CIVIC_RECORD_PREFIX_BYTES + 16) {
    const uint8_t *rec = data + off;
    size_t total = (size_t)rec[4] | (size_t)rec[5] << 8 | (size_t)rec[6] << 16 |
                   (size_t)rec[7] << 24;
    const uint8_t *body = rec + CIVIC_RECORD_PREFIX_BYTES;
    size_t nt = (size_t)body[8] | (size_t)body[9] << 8 |
                (size_t)body[10] << 16 | (size_t)body[11] << 24;
    if (total < CIVIC_RECORD_PREFIX_BYTES + 16 || total > len - off)
      break;
    n += nt < total / 53 ? nt : total / 53;
    off += total;
  }
  return n;
}

/* Replay every record of data[0..len) into the empty ledger l. Returns
 * CIVIC_E_JOURNAL_TORN_TAIL (with good_end set) when the file ends inside a
 * record, any other status naming the first bad record. */
static civic_status replay(civic_ledger *l, const uint8_t *data, size_t len,
                           replay_result *r, civic_diag *d) {
  uint64_t off = CIVIC_JOURNAL_HEADER_BYTES;
  civic_batch *b = NULL;
  civic_status st;
  r->records = 0;
  r->good_end = off;
  r->bad_offset = 0;
  if ((st = civic_journal_check_header(d, data, len)) != CIVIC_OK)
    return st;
  {
    /* Size the transfer table and array once instead of growing them step
     * by step (each growth rehashes or copies everything so far). */
    size_t guess = count_transfers(data, len);
    if (guess > 1024 && guess < NONE / 4) {
      if (!table_reserve(&l->transfer_t, guess) ||
          !VEC_RESERVE(l->transfers, (uint32_t)guess))
        return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
      prefault(l->transfers.v, guess * sizeof(transfer));
    }
  }
  if (civic_batch_new(&b) != CIVIC_OK)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  l->replaying = true;
  while (off < len) {
    civic_record rec;
    uint64_t number = r->records + 1;
    apply_ctx c = {l, b, number, d, 0, 0, NULL, 0, 0};
    sig_input s;
    counts k;
    r->bad_offset = off;
    st = civic_record_parse(d, data + off, len - off, number, off, &rec);
    if (st != CIVIC_OK)
      break;
    if (rec.position != number) {
      st = civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                          "record %llu at offset %llu: carries position %llu",
                          (unsigned long long)number, (unsigned long long)off,
                          (unsigned long long)rec.position);
      break;
    }
    if (sodium_memcmp(rec.prev, l->head, CIVIC_HASH_BYTES) != 0) {
      st = civic_diag_set(d, CIVIC_E_JOURNAL_BROKEN_LINK,
                          "record %llu at offset %llu: previous-record hash "
                          "does not match record %llu",
                          (unsigned long long)number, (unsigned long long)off,
                          (unsigned long long)(number - 1));
      break;
    }
    if (!decode_body(b, rec.body, rec.body_len)) {
      st = civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                          "record %llu at offset %llu: batch body is "
                          "malformed",
                          (unsigned long long)number, (unsigned long long)off);
      break;
    }
    s.signer = rec.signer;
    s.signer_len = rec.sig ? rec.signer_len : 0;
    s.sig = rec.sig;
    s.sk = NULL;
    s.body = rec.body;
    s.body_len = rec.body_len;
    st = apply_items(&c, &s, &k);
    if (st == CIVIC_OK && c.applied == 0)
      st = civic_diag_set(d, CIVIC_E_JOURNAL_REPLAY_FAILED,
                          "record %llu changes nothing",
                          (unsigned long long)number);
    if (st != CIVIC_OK) {
      char msg[CIVIC_DIAG_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", d ? d->msg : "");
      if (st == CIVIC_E_NOMEM)
        break;
      /* A signature failure keeps its own code; anything else means the
       * record no longer applies. */
      if (st != CIVIC_E_SIGNATURE_INVALID && st != CIVIC_E_UNKNOWN_KEY &&
          st != CIVIC_E_KEY_REVOKED && st != CIVIC_E_SIGNATURE_REQUIRED &&
          st != CIVIC_E_NOT_OWNER)
        st = CIVIC_E_JOURNAL_REPLAY_FAILED;
      civic_diag_set(d, st, "record %llu at offset %llu: %s",
                     (unsigned long long)number, (unsigned long long)off, msg);
      break;
    }
    memcpy(l->head, rec.hash, CIVIC_HASH_BYTES);
    l->position = number;
    off += rec.total;
    r->records = number;
    r->good_end = off;
  }
  l->replaying = false;
  civic_batch_free(b);
  return st;
}

civic_status civic_ledger_open(civic_ledger **out, const char *path) {
  civic_ledger *l;
  uint8_t *data = NULL;
  size_t len = 0;
  replay_result r;
  civic_status st;
  if (out == NULL || path == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if ((l = ledger_alloc()) == NULL)
    return CIVIC_E_NOMEM;
  st = civic_journal_open(&l->diag, path, true, &l->journal, &data, &len);
  if (st == CIVIC_OK) {
    l->has_journal = true;
    st = replay(l, data, len, &r, &l->diag);
    if (st == CIVIC_E_JOURNAL_TORN_TAIL)
      st = civic_journal_truncate(&l->diag, &l->journal, r.good_end);
    l->journal.end = r.good_end;
    l->written = l->synced = l->position;
  }
  civic_journal_unmap(data, len);
  if (st != CIVIC_OK) {
    civic_ledger_free(l);
    return st;
  }
  *out = l;
  return CIVIC_OK;
}

civic_status civic_ledger_verify_file(const char *path, char **report) {
  civic_ledger *l;
  civic_journal j = {-1, 0};
  uint8_t *data = NULL;
  size_t len = 0;
  replay_result r = {0, 0, 0};
  civic_diag d = {CIVIC_OK, ""};
  civic_status st;
  json_t *o;
  if (path == NULL || report == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *report = NULL;
  if ((l = ledger_alloc()) == NULL)
    return CIVIC_E_NOMEM;
  st = civic_journal_open(&d, path, false, &j, &data, &len);
  civic_journal_close(&j);
  if (st == CIVIC_OK)
    st = replay(l, data, len, &r, &d);
  civic_journal_unmap(data, len);
  if (st == CIVIC_OK) {
    uint8_t hash[CIVIC_HASH_BYTES];
    char hex[2 * CIVIC_HASH_BYTES + 1];
    st = state_hash(l, hash, NULL);
    civic_hex_encode(hex, hash, sizeof hash);
    o = json_pack("{s:b,s:I,s:s}", "ok", 1, "records", (json_int_t)r.records,
                  "state_hash", hex);
  } else {
    o = json_pack("{s:b,s:s,s:I,s:I,s:s}", "ok", 0, "error",
                  civic_status_name(st), "record", (json_int_t)(r.records + 1),
                  "offset", (json_int_t)r.bad_offset, "message", d.msg);
  }
  civic_ledger_free(l);
  *report = dump_and_free(o);
  if (*report == NULL && st == CIVIC_OK)
    st = CIVIC_E_NOMEM;
  return st;
}

/* A decoded batch back to JSON (export). */
static json_t *batch_json(const civic_batch *b) {
  json_t *root = json_object(), *as = json_array(), *ac = json_array(),
         *tr = json_array(), *ev = json_array();
  uint32_t i;
  for (i = 0; i < b->assets.n; i++)
    json_array_append_new(as, json_pack("{s:s,s:i}", "code",
                                        bs(b, b->assets.v[i].code), "scale",
                                        (int)b->assets.v[i].scale));
  for (i = 0; i < b->accounts.n; i++) {
    const b_account *a = &b->accounts.v[i];
    json_array_append_new(ac, json_pack("{s:s,s:s,s:o}", "id", bs(b, a->id),
                                        "asset", bs(b, a->asset), "min_balance",
                                        a->min_balance == CIVIC_NO_MIN_BALANCE
                                            ? json_null()
                                            : json_integer(a->min_balance)));
  }
  for (i = 0; i < b->transfers.n; i++) {
    const b_transfer *t = &b->transfers.v[i];
    json_t *o = json_pack("{s:s}", "id", bs(b, t->id));
    if (t->kind == CIVIC_TRANSFER_POST_PENDING)
      json_object_set_new(o, "post_pending", json_string(bs(b, t->pending_id)));
    if (t->kind == CIVIC_TRANSFER_VOID_PENDING)
      json_object_set_new(o, "void_pending", json_string(bs(b, t->pending_id)));
    if (t->kind == CIVIC_TRANSFER_PENDING)
      json_object_set_new(o, "pending", json_true());
    if (*bs(b, t->from))
      json_object_set_new(o, "from", json_string(bs(b, t->from)));
    if (*bs(b, t->to))
      json_object_set_new(o, "to", json_string(bs(b, t->to)));
    if (t->amount != 0)
      json_object_set_new(o, "amount", json_integer(t->amount));
    if (*bs(b, t->asset))
      json_object_set_new(o, "asset", json_string(bs(b, t->asset)));
    json_object_set_new(o, "time", json_integer(t->time));
    if (*bs(b, t->reference))
      json_object_set_new(o, "reference", json_string(bs(b, t->reference)));
    json_array_append_new(tr, o);
  }
  for (i = 0; i < b->events.n; i++) {
    const b_event *e = &b->events.v[i];
    json_array_append_new(ev, json_pack("{s:s,s:s,s:s,s:I,s:o}", "id",
                                        bs(b, e->id), "type", bs(b, e->type),
                                        "actor", bs(b, e->actor), "time",
                                        (json_int_t)e->time, "data",
                                        json_loads(bs(b, e->data), 0, NULL)));
  }
  json_object_set_new(root, "assets", as);
  json_object_set_new(root, "accounts", ac);
  json_object_set_new(root, "transfers", tr);
  json_object_set_new(root, "events", ev);
  return root;
}

civic_status civic_ledger_export_file(const char *path, char **out) {
  civic_journal j = {-1, 0};
  civic_diag d = {CIVIC_OK, ""};
  uint8_t *data = NULL;
  size_t len = 0;
  uint64_t off = CIVIC_JOURNAL_HEADER_BYTES, n = 0;
  civic_batch *b = NULL;
  json_t *list;
  civic_status st;
  if (path == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  st = civic_journal_open(&d, path, false, &j, &data, &len);
  civic_journal_close(&j);
  if (st == CIVIC_OK)
    st = civic_journal_check_header(&d, data, len);
  if (st == CIVIC_OK && civic_batch_new(&b) != CIVIC_OK)
    st = CIVIC_E_NOMEM;
  list = json_array();
  while (st == CIVIC_OK && off < len) {
    civic_record rec;
    char hex[2 * CIVIC_HASH_BYTES + 1];
    json_t *o;
    st = civic_record_parse(&d, data + off, len - off, ++n, off, &rec);
    if (st == CIVIC_E_JOURNAL_TORN_TAIL) {
      st = CIVIC_OK; /* a crash leftover: not part of the ledger */
      break;
    }
    if (st != CIVIC_OK)
      break;
    if (!decode_body(b, rec.body, rec.body_len)) {
      st = CIVIC_E_JOURNAL_CORRUPT;
      break;
    }
    civic_hex_encode(hex, rec.hash, CIVIC_HASH_BYTES);
    o = json_pack("{s:I,s:s,s:o}", "position", (json_int_t)rec.position, "hash",
                  hex, "batch", batch_json(b));
    if (o && rec.signer_len)
      json_object_set_new(o, "signer",
                          json_stringn(rec.signer, rec.signer_len));
    json_array_append_new(list, o);
    off += rec.total;
  }
  civic_journal_unmap(data, len);
  civic_batch_free(b);
  if (st != CIVIC_OK) {
    json_decref(list);
    return st;
  }
  return finish_json(json_pack("{s:o}", "records", list), out);
}
