/* The waterfall's explanation trace: every amount's source, destination
 * and rule, as JSON and as plain English for residents and caseworkers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "waterfall_internal.h"

typedef struct rule_info {
  const char *name;
  int step;
  const char *from, *to; /* node kinds */
} rule_info;

static const rule_info RULES[WF_RULE_COUNT_] = {
    [WF_RULE_EARMARKED_INCOME] = {"earmarked_income", 1, "income",
                                  "earmark_pool"},
    [WF_RULE_EARMARK] = {"earmark", 1, "earmark_pool", "obligation"},
    [WF_RULE_EARMARK_UNUSED] = {"earmark_unused", 2, "earmark_pool",
                                "general_pool"},
    [WF_RULE_OPENING_BALANCE] = {"opening_balance", 2, "opening_balance",
                                 "general_pool"},
    [WF_RULE_GENERAL_INCOME] = {"general_income", 2, "income", "general_pool"},
    [WF_RULE_PRIORITY] = {"priority", 3, "general_pool", "obligation"},
    [WF_RULE_RECOVERY] = {"recovery", 4, "general_pool", "municipality"},
    [WF_RULE_LIVING_ALLOWANCE] = {"living_allowance", 5, "general_pool",
                                  "resident"},
    [WF_RULE_GUARANTEE] = {"guarantee", 6, "guarantee_fund", "obligation"},
    [WF_RULE_ARREARS] = {"arrears", 6, "arrears", "obligation"},
    [WF_RULE_FLOOR] = {"floor", 6, "guarantee_fund", "resident"},
    [WF_RULE_ADVANCE] = {"advance", 7, "guarantee_fund", "receivable"},
};

const char *wf_rule_name(wf_rule rule) { return RULES[rule].name; }

int wf_rule_step(wf_rule rule) { return RULES[rule].step; }

civic_status wf_trace_push(wf_trace *t, const wf_trace_entry *e) {
  if (t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    wf_trace_entry *p = realloc(t->entries, cap * sizeof *p);
    if (p == NULL)
      return CIVIC_E_NOMEM;
    t->entries = p;
    t->cap = cap;
  }
  t->entries[t->count++] = *e;
  return CIVIC_OK;
}

static const char *income_id(const civic_waterfall_result *r, int32_t i) {
  return r->snap.text + r->snap.income_id[i];
}

static const char *obligation_id(const civic_waterfall_result *r, int32_t i) {
  return r->snap.text + r->snap.obligation_id[i];
}

/* ---- JSON ---- */

static civic_status entry_json(civic_diag *d, const civic_waterfall_result *r,
                               const wf_trace_entry *e, json_t *item) {
  const rule_info *info = &RULES[e->rule];
  civic_status st = civic_json_set_int(d, item, "step", info->step);
  if (st == CIVIC_OK)
    st = civic_json_set_str(d, item, "rule", info->name);
  if (st == CIVIC_OK)
    st = civic_json_set_str(d, item, "from", info->from);
  if (st == CIVIC_OK)
    st = civic_json_set_str(d, item, "to", info->to);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, item, "amount", e->amount);
  if (st == CIVIC_OK && e->income >= 0)
    st = civic_json_set_str(d, item, "income", income_id(r, e->income));
  if (st == CIVIC_OK && e->obligation >= 0)
    st = civic_json_set_str(d, item, "obligation",
                            obligation_id(r, e->obligation));
  if (st == CIVIC_OK && e->category >= 0)
    st =
        civic_json_set_str(d, item, "category", r->category_names[e->category]);
  if (st == CIVIC_OK && e->priority >= 0)
    st = civic_json_set_int(d, item, "priority", e->priority);
  if (st == CIVIC_OK && e->pro_rata) {
    json_t *pr = json_object();
    st = civic_json_set_new(d, item, "pro_rata", pr);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, pr, "claim", e->claim);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, pr, "level_need", e->level_need);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, pr, "level_paid", e->level_pay);
    if (st == CIVIC_OK)
      st = civic_json_set_new(d, pr, "extra_unit",
                              json_boolean(e->extra_unit != 0));
  }
  return st;
}

civic_status wf_trace_to_json(civic_diag *d, const civic_waterfall_result *r,
                              json_t **out) {
  json_t *list = json_array();
  civic_status st = CIVIC_OK;
  size_t i;
  if (list == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building trace");
  for (i = 0; st == CIVIC_OK && i < r->trace.count; i++) {
    json_t *item = json_object();
    st = civic_json_append_new(d, list, item);
    if (st == CIVIC_OK)
      st = entry_json(d, r, &r->trace.entries[i], item);
  }
  if (st != CIVIC_OK) {
    json_decref(list);
    return st;
  }
  *out = list;
  return CIVIC_OK;
}

/* ---- plain text ---- */

/* Minor units as "EUR 1234.56" (the waterfall's amounts are cents). */
#define M(k, v) civic_text_eur(mb[k], sizeof mb[k], (v))

static void explain_pro_rata(civic_text *b, const wf_trace_entry *e,
                             const char *pool) {
  char mb[5][40];
  if (!e->pro_rata)
    return;
  civic_text_add(
      b,
      "    Pro-rata share: %s had only %s for the %s due at priority %lld, so "
      "it was shared in proportion to what each obligation still needed (this "
      "one %s).",
      pool, M(0, e->level_pay), M(1, e->level_need), (long long)e->priority,
      M(2, e->claim));
  if (e->extra_unit)
    civic_text_add(
        b, " It received one extra cent because its remainder was among the "
           "largest (equal remainders go to the id that sorts first).");
  civic_text_add(b, "\n");
}

static void explain_entry(civic_text *b, const civic_waterfall_result *r,
                          const wf_trace_entry *e) {
  char mb[5][40];
  const civic_waterfall_plan *s = &r->snap;
  const char *cat = e->category >= 0 ? r->category_names[e->category] : "";
  switch ((wf_rule)e->rule) {
  case WF_RULE_EARMARKED_INCOME:
    civic_text_add(b, "  Income '%s' (%s) is earmarked for %s.\n",
                   income_id(r, e->income), M(0, e->amount), cat);
    break;
  case WF_RULE_EARMARK:
    civic_text_add(
        b, "  %s of the money earmarked for %s paid '%s' (priority %lld).\n",
        M(0, e->amount), cat, obligation_id(r, e->obligation),
        (long long)e->priority);
    explain_pro_rata(b, e, "the earmarked money");
    break;
  case WF_RULE_EARMARK_UNUSED:
    civic_text_add(b,
                   "  %s earmarked for %s was not needed for %s and joined the "
                   "general pool.\n",
                   M(0, e->amount), cat, cat);
    break;
  case WF_RULE_OPENING_BALANCE:
    civic_text_add(b, "  The opening balance of %s joined the general pool.\n",
                   M(0, e->amount));
    break;
  case WF_RULE_GENERAL_INCOME:
    civic_text_add(b, "  Income '%s' (%s) joined the general pool.\n",
                   income_id(r, e->income), M(0, e->amount));
    break;
  case WF_RULE_PRIORITY:
    civic_text_add(b,
                   "  %s from the general pool paid '%s' (priority %lld; lower "
                   "priorities are paid first).\n",
                   M(0, e->amount), obligation_id(r, e->obligation),
                   (long long)e->priority);
    explain_pro_rata(b, e, "the general pool");
    break;
  case WF_RULE_RECOVERY:
    civic_text_add(
        b,
        "  %s went to the municipality to pay back what you owe (%s "
        "before; at most %s per period, and never taking your living "
        "allowance below %s).\n",
        M(0, e->amount), M(1, s->receivable_outstanding), M(2, s->recovery_cap),
        M(3, s->living_floor));
    break;
  case WF_RULE_LIVING_ALLOWANCE:
    civic_text_add(b, "  %s is left for you as living allowance.\n",
                   M(0, e->amount));
    break;
  case WF_RULE_GUARANTEE:
    civic_text_add(
        b,
        "  %s still due on '%s' is paid by the municipal guarantee fund, "
        "because it is a guaranteed obligation. This is an advance you "
        "owe the municipality.\n",
        M(0, e->amount), obligation_id(r, e->obligation));
    break;
  case WF_RULE_ARREARS:
    civic_text_add(
        b, "  %s of '%s' stays unpaid (arrears): it is not guaranteed.\n",
        M(0, e->amount), obligation_id(r, e->obligation));
    break;
  case WF_RULE_FLOOR:
    civic_text_add(
        b,
        "  The guarantee fund adds %s so that your living allowance "
        "reaches the protected floor of %s. This is an advance you owe "
        "the municipality.\n",
        M(0, e->amount), M(1, s->living_floor));
    break;
  case WF_RULE_ADVANCE:
    civic_text_add(b,
                   "  The guarantee fund advanced %s in total this period.\n",
                   M(0, e->amount));
    break;
  case WF_RULE_COUNT_:
    break;
  }
}

static const char *const STEP_TITLES[8] = {
    "",
    "Step 1 - earmarked money pays the obligations it is meant for:",
    "Step 2 - everything else goes into the general pool:",
    "Step 3 - the general pool pays obligations by priority:",
    "Step 4 - recovery of what you owe the municipality:",
    "Step 5 - your living allowance:",
    "Step 6 - the guarantee fund steps in:",
    "Step 7 - the advance:",
};

/* Step 4 leaves no trace entry when nothing was recovered; a resident who
 * owes money still deserves to know why none was taken. */
static void explain_no_recovery(civic_text *b,
                                const civic_waterfall_result *r) {
  char mb[5][40];
  const civic_waterfall_plan *s = &r->snap;
  if (r->out.recovery != 0 || s->receivable_outstanding == 0)
    return;
  civic_text_add(b, "%s\n",
                 "Step 4 - recovery of what you owe the municipality:");
  if (s->recovery_cap == 0)
    civic_text_add(
        b,
        "  Nothing was recovered of the %s you owe: the recovery cap is "
        "zero.\n",
        M(0, s->receivable_outstanding));
  else
    civic_text_add(
        b,
        "  Nothing was recovered of the %s you owe, because what was left "
        "was not above the protected living floor of %s.\n",
        M(0, s->receivable_outstanding), M(1, s->living_floor));
}

civic_status wf_explain_text(civic_diag *d, const civic_waterfall_result *r,
                             char **out) {
  civic_text b = {0};
  char mb[5][40];
  int step = 0;
  size_t i;

  civic_text_add(&b, "Waterfall for this period (amounts in EUR):\n");
  for (i = 0; i < r->trace.count; i++) {
    const wf_trace_entry *e = &r->trace.entries[i];
    int s = wf_rule_step((wf_rule)e->rule);
    if (step < 4 && s > 4)
      explain_no_recovery(&b, r);
    if (s != step) {
      civic_text_add(&b, "%s\n", STEP_TITLES[s]);
      step = s;
    }
    explain_entry(&b, r, e);
  }
  if (step < 4)
    explain_no_recovery(&b, r);
  civic_text_add(
      &b,
      "Summary: living allowance %s (of which top-up %s); recovered %s; "
      "advanced %s; you now owe the municipality %s.\n",
      M(0, r->out.living_allowance), M(1, r->out.top_up), M(2, r->out.recovery),
      M(3, r->out.advance), M(4, r->out.receivable_after));
  if (b.failed) {
    free(b.data);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory writing text");
  }
  *out = b.data;
  return CIVIC_OK;
}
