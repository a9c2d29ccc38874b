/* Internal: dates, and the scheme (rules as data) for recalculation.
 *
 * A scheme is JSON: a validity period, dated parameters (a value in force
 * from a date on, as in OpenFisca), named variables written in a small
 * integer formula language, and benefits (variables paid monthly). Loading
 * checks everything an analyst can get wrong (gaps and overlaps in parameter
 * periods, unknown names, cycles, bad syntax) and names the place; a loaded
 * scheme is immutable, so evaluations may run on many threads at once.
 * The language is described in docs/recalc.md.
 */
#ifndef CIVIC_SCHEME_H
#define CIVIC_SCHEME_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

/* ---- dates: a day number counts days from 1970-01-01 ---- */

/* Days since 1970-01-01 of a valid Gregorian date. */
int32_t civic_date_days(int32_t year, int32_t month, int32_t day);
/* Year, month (1..12) and day of month of a day number. */
void civic_date_civil(int32_t days, int32_t *year, int32_t *month,
                      int32_t *day);
/* "YYYY-MM-DD" into buf (at least 11 bytes). */
const char *civic_date_format(int32_t days, char *buf);
/* Parse a required "YYYY-MM-DD" field (years 1900..9999) into a day number;
 * CIVIC_E_BAD_DATE names the field otherwise. */
civic_status civic_date_field(civic_diag *d, const json_t *obj,
                              const char *where, const char *key, int32_t *out);
/* Parse a required "YYYY-MM" field into a month index (year*12 + month-1). */
civic_status civic_month_field(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               int32_t *out);
/* "YYYY-MM" of a month index into buf (at least 16 bytes). */
const char *civic_month_format(int32_t month_index, char *buf);
/* First day number of a month index, and its number of days. */
int32_t civic_month_first_day(int32_t month_index);
int32_t civic_month_length(int32_t month_index);
/* Month index containing a day number. */
int32_t civic_month_of_day(int32_t days);

/* ---- household facts a formula can read ---- */

typedef enum civic_fact {
  CIVIC_FACT_ADULTS,        /* adults living in the household */
  CIVIC_FACT_CHILDREN,      /* children living in the household */
  CIVIC_FACT_HAS_PARTNER,   /* 1 while the applicant cohabits, else 0 */
  CIVIC_FACT_RENT,          /* monthly rent in cents */
  CIVIC_FACT_MUNICIPALITY,  /* CBS municipality code (Utrecht is 344) */
  CIVIC_FACT_EARNED_INCOME, /* monthly earned income in cents */
  CIVIC_FACT_OTHER_INCOME,  /* monthly other income in cents */
  CIVIC_FACT_EARNED_MONTHS, /* months of the current earnings spell, 1 = first
                             */
  CIVIC_FACT_ALIVE,         /* 1 until the applicant dies */
  CIVIC_FACT_COUNT_
} civic_fact;

/* Name of a fact as used in formulas and timeline JSON. */
const char *civic_fact_name(civic_fact fact);

/* ---- schemes ---- */

typedef struct civic_scheme civic_scheme;

/* Load and check a scheme object; `where` prefixes error places
 * ("scheme"). */
civic_status civic_scheme_load(civic_diag *d, const json_t *obj,
                               const char *where, civic_scheme **out);
void civic_scheme_free(civic_scheme *s);

/* First and last day the scheme covers (inclusive). */
int32_t civic_scheme_valid_from(const civic_scheme *s);
int32_t civic_scheme_valid_until(const civic_scheme *s);

size_t civic_scheme_benefit_count(const civic_scheme *s);
const char *civic_scheme_benefit_id(const civic_scheme *s, size_t index);
/* Index of a benefit by id, or -1. */
long civic_scheme_benefit_find(const civic_scheme *s, const char *id);
/* true if `name` is a parameter of the scheme. */
bool civic_scheme_has_param(const civic_scheme *s, const char *name);

/* true if `name` is a parameter or a variable of the scheme. */
bool civic_scheme_has_name(const civic_scheme *s, const char *name);

/* Value on `day` of a parameter or (evaluated with `facts`) a variable. */
civic_status civic_scheme_value(civic_diag *d, const civic_scheme *s,
                                const char *name, int32_t day,
                                const int64_t *facts, int64_t *out);

/* Smallest day > `day` on which some parameter period starts, or INT32_MAX. */
int32_t civic_scheme_next_change(const civic_scheme *s, int32_t day);

/* Value of a parameter on a day (checked at load to exist in the scheme
 * period). */
civic_status civic_scheme_param(civic_diag *d, const civic_scheme *s,
                                const char *name, int32_t day, int64_t *out);

/* Monthly amount of every benefit on `day` for the given facts; amounts has
 * civic_scheme_benefit_count entries. A negative result counts as 0. */
civic_status civic_scheme_eval(civic_diag *d, const civic_scheme *s,
                               int32_t day, const int64_t *facts,
                               int64_t *amounts);

#endif
