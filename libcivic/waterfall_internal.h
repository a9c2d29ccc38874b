/* Internal: the waterfall engine shared by the plan/result API, the JSON
 * kind, the batch API and the explanation trace (waterfall.c, trace.c).
 *
 * The engine works on arrays with dense category numbers so that the string
 * API and the columnar batch API run the very same arithmetic.
 */
#ifndef CIVIC_WATERFALL_INTERNAL_H
#define CIVIC_WATERFALL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "civic/waterfall.h"
#include "diag.h"
#include "json.h"

/* One plan as the engine sees it. Categories are dense numbers in
 * [0, n_categories); an income category of -1 means general income.
 * `order` lists the obligations by (priority, tie-break rank) ascending;
 * `by_category` lists them by (category, priority, tie-break rank), so the
 * obligations of category c are by_category[category_start[c] ..
 * category_start[c + 1]) (category_start has n_categories + 1 entries). */
typedef struct wf_problem {
  int64_t opening_balance, receivable_outstanding;
  int64_t living_floor, recovery_cap;
  bool floor_guaranteed;
  size_t n_incomes;
  const int64_t *income_amount;
  const int32_t *income_category;
  size_t n_obligations;
  const int64_t *obligation_amount;
  const int64_t *obligation_priority;
  const int32_t *obligation_category;
  const uint8_t *obligation_guaranteed;
  const uint32_t *order;
  const uint32_t *by_category;
  const uint32_t *category_start;
  size_t n_categories;
  /* For messages only: category names (string API) or codes (batch). */
  const char *const *category_names;
  const int64_t *category_codes;
} wf_problem;

/* Engine outputs: per-obligation arrays (caller-sized) and totals. */
typedef struct wf_outcome {
  int64_t *paid_earmarked, *paid_general, *covered, *unpaid;
  int64_t living_allowance, top_up, recovery, advance, receivable_after;
} wf_outcome;

/* Scratch sized for n_obligations and n_categories (never allocated by
 * the engine itself). */
typedef struct wf_work {
  int64_t *earmarked; /* per category: E_k, then what is left of it */
  uint8_t *has_earmark;
  int64_t *claim, *share, *rem; /* per level member */
  uint32_t *member, *sort_a, *sort_b;
} wf_work;

/* Trace entries (see docs/waterfall.md). */
typedef enum wf_rule {
  WF_RULE_EARMARKED_INCOME, /* step 1: income -> earmark pool */
  WF_RULE_EARMARK,          /* step 1: earmark pool -> obligation */
  WF_RULE_EARMARK_UNUSED,   /* step 2: earmark pool -> general pool */
  WF_RULE_OPENING_BALANCE,  /* step 2: opening balance -> general pool */
  WF_RULE_GENERAL_INCOME,   /* step 2: income -> general pool */
  WF_RULE_PRIORITY,         /* step 3: general pool -> obligation */
  WF_RULE_RECOVERY,         /* step 4: general pool -> municipality */
  WF_RULE_LIVING_ALLOWANCE, /* step 5: general pool -> resident */
  WF_RULE_GUARANTEE,        /* step 6: guarantee fund -> obligation */
  WF_RULE_ARREARS,          /* step 6: obligation rest left unpaid */
  WF_RULE_FLOOR,            /* step 6: guarantee fund -> resident */
  WF_RULE_ADVANCE,          /* step 7: advance booked as receivable */
  WF_RULE_COUNT_
} wf_rule;

typedef struct wf_trace_entry {
  uint8_t rule;
  uint8_t pro_rata;   /* the level was split (pay < level need) */
  uint8_t extra_unit; /* got one more unit by largest remainder */
  int32_t income;     /* income index or -1 */
  int32_t obligation; /* obligation index or -1 */
  int32_t category;   /* category index or -1 */
  int64_t amount;
  int64_t priority;                     /* -1 when not a priority rule */
  int64_t claim, level_need, level_pay; /* pro-rata details */
} wf_trace_entry;

typedef struct wf_trace {
  wf_trace_entry *entries;
  size_t count, cap;
} wf_trace;

/* Run spec section 3 steps 1-7. Inputs must already be validated (>= 0
 * where required). Reports only CIVIC_E_OVERFLOW (named sums) and
 * CIVIC_E_NOMEM (trace growth). trace may be NULL. */
civic_status wf_compute(civic_diag *d, const wf_problem *p, wf_work *w,
                        wf_outcome *o, wf_trace *trace);

/* Fill category_start (n_categories + 1 entries) from obligations sorted by
 * category: category c's run is [category_start[c], category_start[c+1]). */
void wf_category_runs(const int32_t *category, const uint32_t *by_category,
                      size_t n_obligations, size_t n_categories,
                      uint32_t *category_start);

/* trace.c */
civic_status wf_trace_push(wf_trace *t, const wf_trace_entry *e);
const char *wf_rule_name(wf_rule rule);
/* Step number of a rule (1..7). */
int wf_rule_step(wf_rule rule);

/* The plan's stored form (waterfall.c); also the result's snapshot of it. */
struct civic_waterfall_plan {
  int64_t opening_balance, receivable_outstanding;
  int64_t living_floor, recovery_cap;
  int floor_guaranteed;
  size_t n_incomes, cap_incomes;
  int64_t *income_amount;
  size_t *income_id;      /* offsets into text */
  size_t *income_earmark; /* offset into text, or WF_NO_TEXT */
  size_t n_obligations, cap_obligations;
  size_t *obligation_id, *obligation_category;
  int64_t *obligation_priority, *obligation_amount;
  uint8_t *obligation_guaranteed;
  char *text; /* arena of NUL-terminated strings */
  size_t text_len, text_cap;
};
#define WF_NO_TEXT ((size_t)-1)

struct civic_waterfall_result {
  struct civic_waterfall_plan snap; /* what was run (ids, amounts) */
  bool valid;
  bool traced;
  size_t cap_outcome;
  wf_outcome out;
  /* dense categories of the snapshot, for naming in trace and messages */
  size_t n_categories, cap_categories;
  const char **category_names;
  int32_t *income_category, *obligation_category;
  uint32_t *order, *by_category, *category_start;
  const char **ids;      /* scratch for duplicate checks */
  const char **cat_text; /* category/earmark strings, for interning */
  uint32_t *cat_idx, *cat_tmp;
  wf_work work;
  wf_trace trace;
};

/* trace.c: JSON trace array and plain-English text of a traced result. */
civic_status wf_trace_to_json(civic_diag *d, const civic_waterfall_result *r,
                              json_t **out);
civic_status wf_explain_text(civic_diag *d, const civic_waterfall_result *r,
                             char **out);

#endif
