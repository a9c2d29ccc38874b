/* Dates, and schemes: dated parameters plus a small integer formula language.
 * See scheme.h for the model and docs/recalc.md for the language. */
#include "scheme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"

/* ---------------------------------------------------------------- dates */

/* Howard Hinnant's days_from_civil, on integers only. */
int32_t civic_date_days(int32_t year, int32_t month, int32_t day) {
  int32_t y = year - (month <= 2);
  int32_t era = (y >= 0 ? y : y - 399) / 400;
  int32_t yoe = y - era * 400;
  int32_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civic_date_civil(int32_t days, int32_t *year, int32_t *month,
                      int32_t *day) {
  int32_t z = days + 719468;
  int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  int32_t doe = z - era * 146097;
  int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int32_t mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = yoe + era * 400 + (*month <= 2);
}

static bool leap_year(int32_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int32_t month_days(int32_t year, int32_t month) {
  static const int32_t DAYS[12] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : DAYS[month - 1];
}

/* `n` decimal digits of v (0 <= v < 10^n) into buf. Dates are written
 * several times per household-month; snprintf was a tenth of the run. */
static void put_digits(char *buf, int32_t v, int n) {
  while (n-- > 0) {
    buf[n] = (char)('0' + v % 10);
    v /= 10;
  }
}

const char *civic_date_format(int32_t days, char *buf) {
  int32_t y, m, dd;
  civic_date_civil(days, &y, &m, &dd);
  if (y < 0 || y > 9999) { /* not reachable from parsed dates; keep exact */
    snprintf(buf, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)dd);
    return buf;
  }
  put_digits(buf, y, 4);
  buf[4] = '-';
  put_digits(buf + 5, m, 2);
  buf[7] = '-';
  put_digits(buf + 8, dd, 2);
  buf[10] = '\0';
  return buf;
}

/* Read exactly `n` decimal digits. */
static bool digits(const char *s, int n, int32_t *out) {
  int32_t v = 0;
  int i;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static civic_status date_string(civic_diag *d, const json_t *obj,
                                const char *where, const char *key,
                                const char **text) {
  return civic_json_string(d, obj, where, key, false, text);
}

civic_status civic_date_field(civic_diag *d, const json_t *obj,
                              const char *where, const char *key,
                              int32_t *out) {
  char path[256];
  const char *s = NULL;
  int32_t y, m, dd;
  civic_status st = date_string(d, obj, where, key, &s);
  if (st != CIVIC_OK)
    return st;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
      !digits(s + 5, 2, &m) || !digits(s + 8, 2, &dd) || y < 1900 || m < 1 ||
      m > 12 || dd < 1 || dd > month_days(y, m))
    return civic_diag_set(d, CIVIC_E_BAD_DATE,
                          "%s: '%.32s' is not a date YYYY-MM-DD in 1900..9999",
                          civic_json_path(path, sizeof path, where, key), s);
  *out = civic_date_days(y, m, dd);
  return CIVIC_OK;
}

civic_status civic_month_field(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               int32_t *out) {
  char path[256];
  const char *s = NULL;
  int32_t y, m;
  civic_status st = date_string(d, obj, where, key, &s);
  if (st != CIVIC_OK)
    return st;
  if (strlen(s) != 7 || s[4] != '-' || !digits(s, 4, &y) ||
      !digits(s + 5, 2, &m) || y < 1900 || m < 1 || m > 12)
    return civic_diag_set(d, CIVIC_E_BAD_DATE,
                          "%s: '%.32s' is not a month YYYY-MM in 1900..9999",
                          civic_json_path(path, sizeof path, where, key), s);
  *out = y * 12 + (m - 1);
  return CIVIC_OK;
}

const char *civic_month_format(int32_t month_index, char *buf) {
  if (month_index < 0 || month_index / 12 > 9999) {
    snprintf(buf, 16, "%04d-%02d", (int)(month_index / 12),
             (int)(month_index % 12 + 1));
    return buf;
  }
  put_digits(buf, month_index / 12, 4);
  buf[4] = '-';
  put_digits(buf + 5, month_index % 12 + 1, 2);
  buf[7] = '\0';
  return buf;
}

int32_t civic_month_first_day(int32_t month_index) {
  return civic_date_days(month_index / 12, month_index % 12 + 1, 1);
}

int32_t civic_month_length(int32_t month_index) {
  return month_days(month_index / 12, month_index % 12 + 1);
}

int32_t civic_month_of_day(int32_t days) {
  int32_t y, m, dd;
  civic_date_civil(days, &y, &m, &dd);
  return y * 12 + (m - 1);
}

/* ---------------------------------------------------------------- facts */

static const char *const FACT_NAMES[CIVIC_FACT_COUNT_] = {
    "adults",        "children",     "has_partner",   "rent", "municipality",
    "earned_income", "other_income", "earned_months", "alive"};

const char *civic_fact_name(civic_fact fact) { return FACT_NAMES[fact]; }

/* ------------------------------------------------------- scheme structure */

typedef struct period {
  int32_t from, until; /* inclusive */
  int64_t value;
} period;

typedef struct param {
  char *name;
  period *periods; /* sorted by from, contiguous, covering the scheme */
  size_t count;
} param;

typedef enum node_type {
  N_NUM,
  N_FACT,
  N_PARAM,
  N_VAR,
  N_NEG,
  N_NOT,
  N_BIN,
  N_CALL
} node_type;

typedef enum binop {
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
  OP_EQ,
  OP_NE,
  OP_AND,
  OP_OR
} binop;

typedef enum func {
  F_MIN,
  F_MAX,
  F_IF,
  F_DIV,
  F_MULDIV,
  F_BP,
  F_ROUND_UP,
  F_ROUND_DOWN,
  F_ROUND_HALF_UP,
  F_ABS
} func;

typedef struct node {
  node_type type;
  int op;            /* binop or func */
  int64_t num;       /* N_NUM */
  size_t ref;        /* fact, param or variable index */
  size_t lhs, rhs;   /* N_BIN / N_NEG / N_NOT (lhs) */
  size_t arg0, argc; /* N_CALL: args[arg0 .. arg0+argc) */
} node;

typedef enum round_mode {
  ROUND_NONE,
  ROUND_UP,
  ROUND_DOWN,
  ROUND_HALF_UP
} round_mode;

typedef struct variable {
  char *name;
  char *formula;
  size_t root;
  round_mode round;
  int64_t unit;
} variable;

struct civic_scheme {
  int32_t valid_from, valid_until;
  param *params;
  size_t param_count;
  variable *vars;
  size_t var_count;
  size_t *benefits; /* variable index of each benefit, sorted by name */
  size_t benefit_count;
  node *nodes;
  size_t node_count, node_cap;
  size_t *args;
  size_t arg_count, arg_cap;
  int32_t *changes; /* every parameter period start, sorted, unique */
  size_t change_count;
};

void civic_scheme_free(civic_scheme *s) {
  size_t i;
  if (s == NULL)
    return;
  for (i = 0; i < s->param_count; i++) {
    free(s->params[i].name);
    free(s->params[i].periods);
  }
  for (i = 0; i < s->var_count; i++) {
    free(s->vars[i].name);
    free(s->vars[i].formula);
  }
  free(s->params);
  free(s->vars);
  free(s->benefits);
  free(s->nodes);
  free(s->args);
  free(s->changes);
  free(s);
}

int32_t civic_scheme_valid_from(const civic_scheme *s) { return s->valid_from; }
int32_t civic_scheme_valid_until(const civic_scheme *s) {
  return s->valid_until;
}
size_t civic_scheme_benefit_count(const civic_scheme *s) {
  return s->benefit_count;
}
const char *civic_scheme_benefit_id(const civic_scheme *s, size_t index) {
  return s->vars[s->benefits[index]].name;
}

long civic_scheme_benefit_find(const civic_scheme *s, const char *id) {
  size_t i;
  for (i = 0; i < s->benefit_count; i++)
    if (strcmp(civic_scheme_benefit_id(s, i), id) == 0)
      return (long)i;
  return -1;
}

static long find_param(const civic_scheme *s, const char *name, size_t len) {
  size_t i;
  for (i = 0; i < s->param_count; i++)
    if (strlen(s->params[i].name) == len &&
        memcmp(s->params[i].name, name, len) == 0)
      return (long)i;
  return -1;
}

static long find_var(const civic_scheme *s, const char *name, size_t len) {
  size_t i;
  for (i = 0; i < s->var_count; i++)
    if (strlen(s->vars[i].name) == len &&
        memcmp(s->vars[i].name, name, len) == 0)
      return (long)i;
  return -1;
}

static long find_fact(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < CIVIC_FACT_COUNT_; i++)
    if (strlen(FACT_NAMES[i]) == len && memcmp(FACT_NAMES[i], name, len) == 0)
      return (long)i;
  return -1;
}

bool civic_scheme_has_param(const civic_scheme *s, const char *name) {
  return find_param(s, name, strlen(name)) >= 0;
}

/* Called once per segment of every month: a binary search over the change
 * days collected at load instead of a walk over every parameter period. */
int32_t civic_scheme_next_change(const civic_scheme *s, int32_t day) {
  size_t lo = 0, hi = s->change_count;
  while (lo < hi) { /* first change day > day */
    size_t mid = lo + (hi - lo) / 2;
    if (s->changes[mid] <= day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->change_count ? s->changes[lo] : INT32_MAX;
}

static int cmp_day(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Collect every parameter period start once, sorted and without repeats. */
static civic_status collect_changes(civic_diag *d, civic_scheme *s) {
  size_t i, j, n = 0, total = 0;
  for (i = 0; i < s->param_count; i++)
    total += s->params[i].count;
  s->changes = malloc((total + 1) * sizeof *s->changes);
  if (s->changes == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
  for (i = 0; i < s->param_count; i++)
    for (j = 0; j < s->params[i].count; j++)
      s->changes[n++] = s->params[i].periods[j].from;
  qsort(s->changes, n, sizeof *s->changes, cmp_day);
  s->change_count = 0;
  for (i = 0; i < n; i++)
    if (s->change_count == 0 ||
        s->changes[s->change_count - 1] != s->changes[i])
      s->changes[s->change_count++] = s->changes[i];
  return CIVIC_OK;
}

/* -------------------------------------------------------------- periods */

static int cmp_period(const void *a, const void *b) {
  const period *x = a, *y = b;
  return (x->from > y->from) - (x->from < y->from);
}

/* A parameter is a list of {from, until?, value}. Periods are taken in date
 * order whatever their order in the file; each runs until the next one
 * starts unless it gives `until` (inclusive). Together they must cover the
 * scheme period exactly once: a hole is a gap, a day covered twice (or two
 * periods starting on the same day) is an overlap. */
static civic_status load_param(civic_diag *d, civic_scheme *s, const char *name,
                               const json_t *list, const char *where,
                               param *out) {
  char path[256], buf1[11], buf2[11];
  size_t i, n;
  bool *has_until;
  if (!json_is_array(list))
    return civic_diag_set(d, CIVIC_E_WRONG_TYPE,
                          "%s: must be an array of {from, value}", where);
  n = json_array_size(list);
  if (n == 0)
    return civic_diag_set(d, CIVIC_E_PARAMETER_GAP,
                          "%s: no period; the parameter has no value at all",
                          where);
  out->name = strdup(name);
  out->periods = calloc(n, sizeof *out->periods);
  has_until = calloc(n, sizeof *has_until);
  if (out->name == NULL || out->periods == NULL || has_until == NULL) {
    free(has_until);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading %s", where);
  }
  out->count = n;
  for (i = 0; i < n; i++) {
    const json_t *p = json_array_get(list, i);
    civic_status st = civic_json_element_object(d, list, where, i);
    civic_json_index_path(path, sizeof path, where, i);
    if (st == CIVIC_OK)
      st = civic_date_field(d, p, path, "from", &out->periods[i].from);
    if (st == CIVIC_OK)
      st = civic_json_int(d, p, path, "value", INT64_MIN, INT64_MAX,
                          &out->periods[i].value);
    out->periods[i].until = INT32_MAX;
    if (st == CIVIC_OK && civic_json_has(p, "until")) {
      st = civic_date_field(d, p, path, "until", &out->periods[i].until);
      if (st == CIVIC_OK && out->periods[i].until < out->periods[i].from)
        st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "%s.until: ends before its from date", path);
    }
    if (st != CIVIC_OK) {
      free(has_until);
      return st;
    }
  }
  free(has_until);
  qsort(out->periods, n, sizeof *out->periods, cmp_period);
  for (i = 0; i + 1 < n; i++) {
    period *a = &out->periods[i], *b = &out->periods[i + 1];
    if (b->from == a->from)
      return civic_diag_set(d, CIVIC_E_PARAMETER_OVERLAP,
                            "%s: two periods start on %s", where,
                            civic_date_format(a->from, buf1));
    if (a->until == INT32_MAX)
      a->until = b->from - 1; /* open period: runs until the next starts */
    if (b->from <= a->until)
      return civic_diag_set(d, CIVIC_E_PARAMETER_OVERLAP,
                            "%s: the period from %s overlaps the one from %s",
                            where, civic_date_format(b->from, buf1),
                            civic_date_format(a->from, buf2));
    if (b->from > a->until + 1)
      return civic_diag_set(d, CIVIC_E_PARAMETER_GAP,
                            "%s: no value from %s until %s", where,
                            civic_date_format(a->until + 1, buf1),
                            civic_date_format(b->from - 1, buf2));
  }
  if (out->periods[0].from > s->valid_from)
    return civic_diag_set(d, CIVIC_E_PARAMETER_GAP,
                          "%s: no value from %s (scheme start) until %s", where,
                          civic_date_format(s->valid_from, buf1),
                          civic_date_format(out->periods[0].from - 1, buf2));
  if (out->periods[n - 1].until < s->valid_until)
    return civic_diag_set(
        d, CIVIC_E_PARAMETER_GAP, "%s: no value from %s until %s (scheme end)",
        where, civic_date_format(out->periods[n - 1].until + 1, buf1),
        civic_date_format(s->valid_until, buf2));
  return CIVIC_OK;
}

/* Value of parameter `p` (an index, resolved when the formula was parsed)
 * on `day`: formulas read parameters by index, never by name. */
static civic_status param_value(civic_diag *d, const civic_scheme *s, size_t p,
                                int32_t day, int64_t *out) {
  char buf[11];
  const param *x = &s->params[p];
  size_t i;
  for (i = 0; i < x->count; i++)
    if (x->periods[i].from <= day && day <= x->periods[i].until) {
      *out = x->periods[i].value;
      return CIVIC_OK;
    }
  return civic_diag_set(d, CIVIC_E_PARAMETER_GAP,
                        "scheme.parameters.%s: no value on %s", x->name,
                        civic_date_format(day, buf));
}

civic_status civic_scheme_param(civic_diag *d, const civic_scheme *s,
                                const char *name, int32_t day, int64_t *out) {
  long p = find_param(s, name, strlen(name));
  if (p < 0)
    return civic_diag_set(d, CIVIC_E_UNKNOWN_REFERENCE,
                          "scheme.parameters: no parameter '%.64s'", name);
  return param_value(d, s, (size_t)p, day, out);
}

/* -------------------------------------------------------------- parsing */

typedef struct parser {
  civic_diag *d;
  civic_scheme *s;
  const char *where; /* "scheme.variables.name" */
  const char *text;
  size_t pos;
  int depth;
} parser;

static const struct {
  const char *name;
  func f;
  size_t min_args, max_args;
} FUNCS[] = {
    {"min", F_MIN, 2, 64},
    {"max", F_MAX, 2, 64},
    {"if", F_IF, 3, 3},
    {"div", F_DIV, 2, 2},
    {"muldiv", F_MULDIV, 3, 3},
    {"bp", F_BP, 2, 2},
    {"round_up", F_ROUND_UP, 2, 2},
    {"round_down", F_ROUND_DOWN, 2, 2},
    {"round_half_up", F_ROUND_HALF_UP, 2, 2},
    {"abs", F_ABS, 1, 1},
};

static civic_status syntax(parser *p, const char *what) {
  return civic_diag_set(p->d, CIVIC_E_BAD_FORMULA, "%s: %s at column %zu",
                        p->where, what, p->pos + 1);
}

static void skip_space(parser *p) {
  while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
         p->text[p->pos] == '\n')
    p->pos++;
}

static bool accept(parser *p, const char *tok) {
  size_t n = strlen(tok);
  skip_space(p);
  if (strncmp(p->text + p->pos, tok, n) != 0)
    return false;
  /* "<" must not swallow the first half of "<=" and so on */
  if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!') &&
      p->text[p->pos + 1] == '=')
    return false;
  p->pos += n;
  return true;
}

static civic_status new_node(parser *p, node n, size_t *out) {
  civic_scheme *s = p->s;
  if (s->node_count == s->node_cap) {
    size_t cap = s->node_cap ? s->node_cap * 2 : 64;
    node *grown = realloc(s->nodes, cap * sizeof *grown);
    if (grown == NULL)
      return civic_diag_set(p->d, CIVIC_E_NOMEM, "out of memory parsing %s",
                            p->where);
    s->nodes = grown;
    s->node_cap = cap;
  }
  s->nodes[s->node_count] = n;
  *out = s->node_count++;
  return CIVIC_OK;
}

static civic_status parse_expr(parser *p, size_t *out);

static civic_status parse_call(parser *p, const char *name, size_t len,
                               size_t *out) {
  size_t f, nargs = 0, i, collected[64];
  node n = {0};
  civic_status st;
  for (f = 0; f < sizeof FUNCS / sizeof FUNCS[0]; f++)
    if (strlen(FUNCS[f].name) == len && memcmp(FUNCS[f].name, name, len) == 0)
      break;
  if (f == sizeof FUNCS / sizeof FUNCS[0])
    return civic_diag_set(p->d, CIVIC_E_UNKNOWN_REFERENCE,
                          "%s: unknown function '%.*s' at column %zu", p->where,
                          (int)len, name, p->pos + 1);
  if (!accept(p, ")")) {
    do {
      if (nargs == 64)
        return syntax(p, "too many arguments");
      st = parse_expr(p, &collected[nargs]);
      if (st != CIVIC_OK)
        return st;
      nargs++;
    } while (accept(p, ","));
    if (!accept(p, ")"))
      return syntax(p, "expected ',' or ')'");
  }
  if (nargs < FUNCS[f].min_args || nargs > FUNCS[f].max_args)
    return civic_diag_set(
        p->d, CIVIC_E_BAD_FORMULA, "%s: %s takes %zu..%zu arguments, got %zu",
        p->where, FUNCS[f].name, FUNCS[f].min_args, FUNCS[f].max_args, nargs);
  if (p->s->arg_count + nargs > p->s->arg_cap) {
    size_t cap = (p->s->arg_cap + nargs) * 2;
    size_t *grown = realloc(p->s->args, cap * sizeof *grown);
    if (grown == NULL)
      return civic_diag_set(p->d, CIVIC_E_NOMEM, "out of memory parsing %s",
                            p->where);
    p->s->args = grown;
    p->s->arg_cap = cap;
  }
  n.type = N_CALL;
  n.op = (int)FUNCS[f].f;
  n.arg0 = p->s->arg_count;
  n.argc = nargs;
  for (i = 0; i < nargs; i++)
    p->s->args[p->s->arg_count++] = collected[i];
  return new_node(p, n, out);
}

static bool ident_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

static civic_status parse_name(parser *p, size_t *out) {
  const char *start = p->text + p->pos;
  size_t len = 0;
  long idx;
  node n = {0};
  while (ident_char(start[len], len == 0))
    len++;
  p->pos += len;
  if (accept(p, "("))
    return parse_call(p, start, len, out);
  if ((idx = find_fact(start, len)) >= 0)
    n.type = N_FACT;
  else if ((idx = find_param(p->s, start, len)) >= 0)
    n.type = N_PARAM;
  else if ((idx = find_var(p->s, start, len)) >= 0)
    n.type = N_VAR;
  else
    return civic_diag_set(p->d, CIVIC_E_UNKNOWN_REFERENCE,
                          "%s: unknown variable '%.*s' at column %zu "
                          "(not a household fact, parameter or variable)",
                          p->where, (int)len, start, p->pos - len + 1);
  n.ref = (size_t)idx;
  return new_node(p, n, out);
}

static civic_status parse_primary(parser *p, size_t *out) {
  char c;
  skip_space(p);
  c = p->text[p->pos];
  if (c >= '0' && c <= '9') {
    node n = {0};
    n.type = N_NUM;
    while (p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
      int digit = p->text[p->pos] - '0';
      if (n.num > (INT64_MAX - digit) / 10)
        return civic_diag_set(p->d, CIVIC_E_OVERFLOW,
                              "%s: number outside int64 at column %zu",
                              p->where, p->pos + 1);
      n.num = n.num * 10 + digit;
      p->pos++;
    }
    if (ident_char(p->text[p->pos], false) || p->text[p->pos] == '.')
      return syntax(p, "integers only (no fraction, exponent or suffix)");
    return new_node(p, n, out);
  }
  if (ident_char(c, true))
    return parse_name(p, out);
  if (accept(p, "(")) {
    civic_status st = parse_expr(p, out);
    if (st == CIVIC_OK && !accept(p, ")"))
      return syntax(p, "expected ')'");
    return st;
  }
  return syntax(p, c ? "unexpected character" : "unexpected end of formula");
}

static civic_status parse_unary(parser *p, size_t *out) {
  node n = {0};
  civic_status st;
  if (++p->depth > 200)
    return syntax(p, "nested too deeply");
  if (accept(p, "-"))
    n.type = N_NEG;
  else if (accept(p, "!"))
    n.type = N_NOT;
  else {
    st = parse_primary(p, out);
    p->depth--;
    return st;
  }
  st = parse_unary(p, &n.lhs);
  p->depth--;
  return st == CIVIC_OK ? new_node(p, n, out) : st;
}

/* Binary levels, lowest precedence first. */
static const struct {
  const char *tok;
  binop op;
  int level;
} BINOPS[] = {
    {"||", OP_OR, 0}, {"&&", OP_AND, 1}, {"==", OP_EQ, 2}, {"!=", OP_NE, 2},
    {"<=", OP_LE, 2}, {">=", OP_GE, 2},  {"<", OP_LT, 2},  {">", OP_GT, 2},
    {"+", OP_ADD, 3}, {"-", OP_SUB, 3},  {"*", OP_MUL, 4},
};

static civic_status parse_level(parser *p, int level, size_t *out) {
  civic_status st =
      level > 4 ? parse_unary(p, out) : parse_level(p, level + 1, out);
  while (st == CIVIC_OK && level <= 4) {
    size_t k;
    node n = {0};
    for (k = 0; k < sizeof BINOPS / sizeof BINOPS[0]; k++)
      if (BINOPS[k].level == level && accept(p, BINOPS[k].tok))
        break;
    if (k == sizeof BINOPS / sizeof BINOPS[0])
      break;
    n.type = N_BIN;
    n.op = (int)BINOPS[k].op;
    n.lhs = *out;
    st = parse_level(p, level + 1, &n.rhs);
    if (st == CIVIC_OK)
      st = new_node(p, n, out);
  }
  return st;
}

static civic_status parse_expr(parser *p, size_t *out) {
  return parse_level(p, 0, out);
}

static civic_status parse_formula(civic_diag *d, civic_scheme *s,
                                  const char *where, variable *v) {
  parser p = {d, s, where, v->formula, 0, 0};
  civic_status st = parse_expr(&p, &v->root);
  if (st != CIVIC_OK)
    return st;
  skip_space(&p);
  if (p.text[p.pos] != '\0')
    return syntax(&p, "unexpected text after the formula");
  return CIVIC_OK;
}

/* ----------------------------------------------------------- cycle check */

/* Depth-first walk over the variables a node refers to; colour 1 = on the
 * current path (seeing it again is a cycle), 2 = finished. */
static civic_status visit_var(civic_diag *d, const civic_scheme *s, size_t v,
                              unsigned char *colour, size_t *path,
                              size_t depth);

static civic_status visit_node(civic_diag *d, const civic_scheme *s, size_t n,
                               unsigned char *colour, size_t *path,
                               size_t depth) {
  const node *x = &s->nodes[n];
  civic_status st = CIVIC_OK;
  size_t i;
  switch (x->type) {
  case N_VAR:
    return visit_var(d, s, x->ref, colour, path, depth);
  case N_NEG:
  case N_NOT:
    return visit_node(d, s, x->lhs, colour, path, depth);
  case N_BIN:
    st = visit_node(d, s, x->lhs, colour, path, depth);
    return st == CIVIC_OK ? visit_node(d, s, x->rhs, colour, path, depth) : st;
  case N_CALL:
    for (i = 0; i < x->argc && st == CIVIC_OK; i++)
      st = visit_node(d, s, s->args[x->arg0 + i], colour, path, depth);
    return st;
  default:
    return CIVIC_OK;
  }
}

static civic_status visit_var(civic_diag *d, const civic_scheme *s, size_t v,
                              unsigned char *colour, size_t *path,
                              size_t depth) {
  civic_status st;
  if (colour[v] == 2)
    return CIVIC_OK;
  path[depth] = v;
  if (colour[v] == 1) {
    char chain[400] = "";
    size_t i, start = 0, used = 0;
    for (i = 0; i < depth; i++)
      if (path[i] == v)
        start = i;
    for (i = start; i <= depth && used + 70 < sizeof chain; i++)
      used += (size_t)snprintf(chain + used, sizeof chain - used, "%s%.64s",
                               i == start ? "" : " -> ", s->vars[path[i]].name);
    return civic_diag_set(d, CIVIC_E_CYCLIC_RULE,
                          "scheme.variables.%s: cyclic rule %s",
                          s->vars[v].name, chain);
  }
  colour[v] = 1;
  st = visit_node(d, s, s->vars[v].root, colour, path, depth + 1);
  colour[v] = 2;
  return st;
}

static civic_status check_cycles(civic_diag *d, const civic_scheme *s) {
  unsigned char *colour = calloc(s->var_count + 1, 1);
  size_t *path = calloc(s->var_count + 2, sizeof *path);
  size_t v;
  civic_status st = CIVIC_OK;
  if (colour == NULL || path == NULL)
    st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory checking rules");
  for (v = 0; v < s->var_count && st == CIVIC_OK; v++)
    st = visit_var(d, s, v, colour, path, 0);
  free(colour);
  free(path);
  return st;
}

/* -------------------------------------------------------------- loading */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names of an object's members in byte-wise order, so loading does not
 * depend on the order of keys in the file. */
static const char **sorted_keys(const json_t *obj, size_t *count) {
  const char **keys = malloc((json_object_size(obj) + 1) * sizeof *keys);
  const char *key;
  json_t *value;
  size_t n = 0;
  if (keys == NULL)
    return NULL;
  json_object_foreach((json_t *)obj, key, value) {
    (void)value;
    keys[n++] = key;
  }
  qsort(keys, n, sizeof *keys, cmp_str);
  *count = n;
  return keys;
}

static bool valid_name(const char *name) {
  size_t i;
  if (!ident_char(name[0], true))
    return false;
  for (i = 1; name[i]; i++)
    if (!ident_char(name[i], false))
      return false;
  return true;
}

static civic_status load_params(civic_diag *d, civic_scheme *s,
                                const json_t *obj, const char *where) {
  char path[256];
  size_t n = 0, i;
  json_t *params;
  const char **keys;
  civic_status st = civic_json_object(d, obj, where, "parameters", &params);
  if (st != CIVIC_OK)
    return st;
  keys = sorted_keys(params, &n);
  s->params = calloc(n + 1, sizeof *s->params);
  if (keys == NULL || s->params == NULL) {
    free(keys);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
  }
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    snprintf(path, sizeof path, "%s.parameters.%.100s", where, keys[i]);
    if (!valid_name(keys[i]) || find_fact(keys[i], strlen(keys[i])) >= 0)
      st = civic_diag_set(
          d, valid_name(keys[i]) ? CIVIC_E_DUPLICATE_ID : CIVIC_E_BAD_FORMULA,
          "%s: a parameter name must be an identifier that is "
          "not a household fact",
          path);
    else {
      st = load_param(d, s, keys[i], json_object_get(params, keys[i]), path,
                      &s->params[i]);
      s->param_count = i + 1;
    }
  }
  free(keys);
  return st;
}

static civic_status load_rounding(civic_diag *d, const json_t *spec,
                                  const char *where, variable *v) {
  char path[256];
  const char *mode = NULL;
  json_t *round;
  civic_status st = civic_json_object(d, spec, where, "round", &round);
  civic_json_path(path, sizeof path, where, "round");
  if (st == CIVIC_OK)
    st = civic_json_string(d, round, path, "mode", true, &mode);
  if (st == CIVIC_OK)
    st = civic_json_int(d, round, path, "unit", 1, INT64_MAX, &v->unit);
  if (st != CIVIC_OK)
    return st;
  if (strcmp(mode, "up") == 0)
    v->round = ROUND_UP;
  else if (strcmp(mode, "down") == 0)
    v->round = ROUND_DOWN;
  else if (strcmp(mode, "half_up") == 0)
    v->round = ROUND_HALF_UP;
  else
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s.mode: must be up, down or half_up, got '%.32s'",
                          path, mode);
  return CIVIC_OK;
}

/* A variable is a formula string, or {formula, round?: {mode, unit}}. */
static civic_status load_var_text(civic_diag *d, const json_t *spec,
                                  const char *where, variable *v) {
  const char *text = NULL;
  civic_status st;
  if (json_is_string(spec))
    text = json_string_value(spec);
  else if (json_is_object(spec)) {
    st = civic_json_string(d, spec, where, "formula", true, &text);
    if (st == CIVIC_OK && civic_json_has(spec, "round"))
      st = load_rounding(d, spec, where, v);
    if (st != CIVIC_OK)
      return st;
  } else
    return civic_diag_set(d, CIVIC_E_WRONG_TYPE,
                          "%s: must be a formula string or {formula, round}",
                          where);
  v->formula = strdup(text);
  if (v->formula == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading %s", where);
  return CIVIC_OK;
}

static civic_status load_vars(civic_diag *d, civic_scheme *s, const json_t *obj,
                              const char *where) {
  char path[256];
  size_t n = 0, i;
  json_t *vars;
  const char **keys;
  civic_status st = civic_json_object(d, obj, where, "variables", &vars);
  if (st != CIVIC_OK)
    return st;
  keys = sorted_keys(vars, &n);
  s->vars = calloc(n + 1, sizeof *s->vars);
  if (keys == NULL || s->vars == NULL) {
    free(keys);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
  }
  /* Names first, so formulas may refer to variables defined after them. */
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    snprintf(path, sizeof path, "%s.variables.%.100s", where, keys[i]);
    s->vars[i].name = strdup(keys[i]);
    s->var_count = i + 1;
    if (s->vars[i].name == NULL)
      st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
    else if (!valid_name(keys[i]))
      st = civic_diag_set(d, CIVIC_E_BAD_FORMULA,
                          "%s: a variable name must be an identifier", path);
    else if (find_fact(keys[i], strlen(keys[i])) >= 0 ||
             find_param(s, keys[i], strlen(keys[i])) >= 0)
      st = civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                          "%s: the name is already a household fact or a "
                          "parameter",
                          path);
    else
      st = load_var_text(d, json_object_get(vars, keys[i]), path, &s->vars[i]);
  }
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    snprintf(path, sizeof path, "%s.variables.%.100s", where, keys[i]);
    st = parse_formula(d, s, path, &s->vars[i]);
  }
  free(keys);
  return st == CIVIC_OK ? check_cycles(d, s) : st;
}

static int cmp_benefit(const void *a, const void *b, const civic_scheme *s) {
  return strcmp(s->vars[*(const size_t *)a].name,
                s->vars[*(const size_t *)b].name);
}

/* Insertion sort (benefit lists are short) since qsort has no context. */
static void sort_benefits(civic_scheme *s) {
  size_t i, j;
  for (i = 1; i < s->benefit_count; i++)
    for (j = i;
         j > 0 && cmp_benefit(&s->benefits[j - 1], &s->benefits[j], s) > 0;
         j--) {
      size_t t = s->benefits[j];
      s->benefits[j] = s->benefits[j - 1];
      s->benefits[j - 1] = t;
    }
}

static civic_status load_benefits(civic_diag *d, civic_scheme *s,
                                  const json_t *obj, const char *where) {
  char path[256];
  json_t *list;
  size_t i, j, n;
  civic_status st = civic_json_array(d, obj, where, "benefits", &list);
  if (st != CIVIC_OK)
    return st;
  n = json_array_size(list);
  s->benefits = calloc(n + 1, sizeof *s->benefits);
  if (s->benefits == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
  civic_json_path(path, sizeof path, where, "benefits");
  for (i = 0; i < n; i++) {
    const json_t *b = json_array_get(list, i);
    const char *name = json_string_value(b);
    long v;
    if (name == NULL)
      return civic_diag_set(d, CIVIC_E_WRONG_TYPE,
                            "%s[%zu]: must be a variable name", path, i);
    v = find_var(s, name, strlen(name));
    if (v < 0)
      return civic_diag_set(d, CIVIC_E_UNKNOWN_REFERENCE,
                            "%s[%zu]: no variable '%.64s'", path, i, name);
    for (j = 0; j < s->benefit_count; j++)
      if (s->benefits[j] == (size_t)v)
        return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                              "%s[%zu]: '%.64s' is listed twice", path, i,
                              name);
    s->benefits[s->benefit_count++] = (size_t)v;
  }
  sort_benefits(s);
  return CIVIC_OK;
}

civic_status civic_scheme_load(civic_diag *d, const json_t *obj,
                               const char *where, civic_scheme **out) {
  char path[256];
  json_t *span;
  civic_scheme *s = calloc(1, sizeof *s);
  civic_status st;
  *out = NULL;
  if (s == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory loading scheme");
  civic_json_path(path, sizeof path, where, "period");
  st = civic_json_object(d, obj, where, "period", &span);
  if (st == CIVIC_OK)
    st = civic_date_field(d, span, path, "from", &s->valid_from);
  if (st == CIVIC_OK)
    st = civic_date_field(d, span, path, "until", &s->valid_until);
  if (st == CIVIC_OK && s->valid_until < s->valid_from)
    st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                        "%s.until: ends before its from date", path);
  if (st == CIVIC_OK)
    st = load_params(d, s, obj, where);
  if (st == CIVIC_OK)
    st = load_vars(d, s, obj, where);
  if (st == CIVIC_OK)
    st = load_benefits(d, s, obj, where);
  if (st == CIVIC_OK)
    st = collect_changes(d, s);
  if (st != CIVIC_OK) {
    civic_scheme_free(s);
    return st;
  }
  *out = s;
  return CIVIC_OK;
}

/* ----------------------------------------------------------- evaluation */

typedef struct evaluator {
  civic_diag *d;
  const civic_scheme *s;
  int32_t day;
  const int64_t *facts;
  int64_t *values;
  unsigned char *done;
  size_t current; /* variable being evaluated, for error messages */
} evaluator;

static civic_status eval_var(evaluator *e, size_t v, int64_t *out);

static civic_status overflow(evaluator *e) {
  char buf[11];
  return civic_diag_set(
      e->d, CIVIC_E_OVERFLOW, "scheme.variables.%s: result outside int64 on %s",
      e->s->vars[e->current].name, civic_date_format(e->day, buf));
}

static civic_status bad_divisor(evaluator *e, int64_t divisor) {
  char buf[11];
  return civic_diag_set(e->d, CIVIC_E_OUT_OF_RANGE,
                        "scheme.variables.%s: divisor or unit must be > 0, "
                        "got %lld on %s",
                        e->s->vars[e->current].name, (long long)divisor,
                        civic_date_format(e->day, buf));
}

/* floor(num / den) for den > 0, on 128-bit numerators. */
static civic_i128 floor_div(civic_i128 num, civic_i128 den) {
  civic_i128 q = num / den;
  if (num % den != 0 && num < 0)
    q--;
  return q;
}

static civic_status fit(evaluator *e, civic_i128 v, int64_t *out) {
  if (!civic_i128_fits_i64(v))
    return overflow(e);
  *out = (int64_t)v;
  return CIVIC_OK;
}

/* Round x to a multiple of unit (> 0): down = floor, up = ceiling,
 * half_up = nearest with halves going up. */
static civic_status round_to(evaluator *e, round_mode mode, int64_t x,
                             int64_t unit, int64_t *out) {
  civic_i128 q;
  if (unit <= 0)
    return bad_divisor(e, unit);
  if (mode == ROUND_DOWN)
    q = floor_div(x, unit);
  else if (mode == ROUND_UP)
    q = -floor_div(-(civic_i128)x, unit);
  else
    q = floor_div(2 * (civic_i128)x + unit, 2 * (civic_i128)unit);
  return fit(e, q * unit, out);
}

static civic_status eval_node(evaluator *e, size_t n, int64_t *out);

static civic_status eval_call(evaluator *e, const node *x, int64_t *out) {
  int64_t a[64];
  size_t i;
  civic_status st;
  if ((func)x->op == F_IF) { /* lazy: only the chosen branch is evaluated */
    st = eval_node(e, e->s->args[x->arg0], &a[0]);
    if (st != CIVIC_OK)
      return st;
    return eval_node(e, e->s->args[x->arg0 + (a[0] != 0 ? 1 : 2)], out);
  }
  for (i = 0; i < x->argc; i++) {
    st = eval_node(e, e->s->args[x->arg0 + i], &a[i]);
    if (st != CIVIC_OK)
      return st;
  }
  switch ((func)x->op) {
  case F_MIN:
  case F_MAX:
    *out = a[0];
    for (i = 1; i < x->argc; i++)
      if (((func)x->op == F_MIN) ? a[i] < *out : a[i] > *out)
        *out = a[i];
    return CIVIC_OK;
  case F_DIV:
    if (a[1] <= 0)
      return bad_divisor(e, a[1]);
    return fit(e, floor_div(a[0], a[1]), out);
  case F_MULDIV:
    if (a[2] <= 0)
      return bad_divisor(e, a[2]);
    return fit(e, floor_div((civic_i128)a[0] * a[1], a[2]), out);
  case F_BP:
    return fit(e, floor_div((civic_i128)a[0] * a[1], 10000), out);
  case F_ROUND_UP:
    return round_to(e, ROUND_UP, a[0], a[1], out);
  case F_ROUND_DOWN:
    return round_to(e, ROUND_DOWN, a[0], a[1], out);
  case F_ROUND_HALF_UP:
    return round_to(e, ROUND_HALF_UP, a[0], a[1], out);
  case F_ABS:
    return fit(e, a[0] < 0 ? -(civic_i128)a[0] : a[0], out);
  case F_IF:
    break;
  }
  return CIVIC_OK;
}

static civic_status eval_bin(evaluator *e, const node *x, int64_t *out) {
  int64_t l, r;
  civic_status st = eval_node(e, x->lhs, &l);
  if (st != CIVIC_OK)
    return st;
  /* && and || short-circuit so a guard can protect a division */
  if ((binop)x->op == OP_AND && l == 0)
    return *out = 0, CIVIC_OK;
  if ((binop)x->op == OP_OR && l != 0)
    return *out = 1, CIVIC_OK;
  st = eval_node(e, x->rhs, &r);
  if (st != CIVIC_OK)
    return st;
  switch ((binop)x->op) {
  case OP_ADD:
    return fit(e, (civic_i128)l + r, out);
  case OP_SUB:
    return fit(e, (civic_i128)l - r, out);
  case OP_MUL:
    return fit(e, (civic_i128)l * r, out);
  case OP_LT:
    *out = l < r;
    break;
  case OP_LE:
    *out = l <= r;
    break;
  case OP_GT:
    *out = l > r;
    break;
  case OP_GE:
    *out = l >= r;
    break;
  case OP_EQ:
    *out = l == r;
    break;
  case OP_NE:
    *out = l != r;
    break;
  case OP_AND:
  case OP_OR:
    *out = r != 0;
    break;
  }
  return CIVIC_OK;
}

static civic_status eval_node(evaluator *e, size_t n, int64_t *out) {
  const node *x = &e->s->nodes[n];
  civic_status st;
  switch (x->type) {
  case N_NUM:
    *out = x->num;
    return CIVIC_OK;
  case N_FACT:
    *out = e->facts[x->ref];
    return CIVIC_OK;
  case N_PARAM:
    return param_value(e->d, e->s, x->ref, e->day, out);
  case N_VAR:
    return eval_var(e, x->ref, out);
  case N_NEG:
    st = eval_node(e, x->lhs, out);
    return st == CIVIC_OK ? fit(e, -(civic_i128)*out, out) : st;
  case N_NOT:
    st = eval_node(e, x->lhs, out);
    *out = *out == 0;
    return st;
  case N_BIN:
    return eval_bin(e, x, out);
  case N_CALL:
    return eval_call(e, x, out);
  }
  return CIVIC_OK;
}

static civic_status eval_var(evaluator *e, size_t v, int64_t *out) {
  size_t outer = e->current;
  const variable *var = &e->s->vars[v];
  civic_status st;
  if (e->done[v]) {
    *out = e->values[v];
    return CIVIC_OK;
  }
  e->current = v;
  st = eval_node(e, var->root, out);
  if (st == CIVIC_OK && var->round != ROUND_NONE)
    st = round_to(e, var->round, *out, var->unit, out);
  e->current = outer;
  if (st != CIVIC_OK)
    return st;
  e->values[v] = *out;
  e->done[v] = 1;
  return CIVIC_OK;
}

bool civic_scheme_has_name(const civic_scheme *s, const char *name) {
  return find_param(s, name, strlen(name)) >= 0 ||
         find_var(s, name, strlen(name)) >= 0;
}

/* Schemes up to this many variables evaluate with memo tables on the stack:
 * an evaluation runs for every segment of every month, and a heap
 * allocation per call used to cost more than the arithmetic. */
#define STACK_VARS 256

civic_status civic_scheme_eval(civic_diag *d, const civic_scheme *s,
                               int32_t day, const int64_t *facts,
                               int64_t *amounts) {
  int64_t values[STACK_VARS];
  unsigned char done[STACK_VARS];
  evaluator e = {d, s, day, facts, values, done, 0};
  size_t i;
  civic_status st = CIVIC_OK;
  if (s->var_count > STACK_VARS) {
    e.values = calloc(s->var_count + 1, sizeof *e.values);
    e.done = calloc(s->var_count + 1, 1);
    if (e.values == NULL || e.done == NULL)
      st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory evaluating scheme");
  } else
    memset(done, 0, s->var_count);
  for (i = 0; i < s->benefit_count && st == CIVIC_OK; i++) {
    int64_t v = 0;
    st = eval_var(&e, s->benefits[i], &v);
    amounts[i] = v < 0 ? 0 : v;
  }
  if (e.values != values) {
    free(e.values);
    free(e.done);
  }
  return st;
}

civic_status civic_scheme_value(civic_diag *d, const civic_scheme *s,
                                const char *name, int32_t day,
                                const int64_t *facts, int64_t *out) {
  int64_t values[STACK_VARS];
  unsigned char done[STACK_VARS];
  evaluator e = {d, s, day, facts, values, done, 0};
  long v = find_var(s, name, strlen(name));
  civic_status st;
  if (v < 0)
    return civic_scheme_param(d, s, name, day, out);
  if (s->var_count > STACK_VARS) {
    e.values = calloc(s->var_count + 1, sizeof *e.values);
    e.done = calloc(s->var_count + 1, 1);
    if (e.values == NULL || e.done == NULL) {
      free(e.values);
      free(e.done);
      return civic_diag_set(d, CIVIC_E_NOMEM,
                            "out of memory evaluating scheme");
    }
  } else
    memset(done, 0, s->var_count);
  st = eval_var(&e, (size_t)v, out);
  if (e.values != values) {
    free(e.values);
    free(e.done);
  }
  return st;
}
