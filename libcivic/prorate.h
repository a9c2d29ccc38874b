/* Internal: spec section 4, proration of a monthly amount over part of a
 * month. Shared by the `prorate` evaluator and the recalculation engine so
 * both compute exactly the same cents. */
#ifndef CIVIC_PRORATE_H
#define CIVIC_PRORATE_H

#include <stdbool.h>
#include <stdint.h>

/* Smallest and largest number of days a Gregorian month has. */
#define CIVIC_PRORATE_MIN_DAYS 28
#define CIVIC_PRORATE_MAX_DAYS 31

/* half_up(R*e/D) - half_up(R*s/D) for 0 <= s <= e <= D, 28 <= D <= 31 and
 * R >= 0. Both terms are at most R (because e <= D), so the result always
 * fits; the caller has validated the ranges. */
int64_t civic_prorate_segment(int64_t amount, int64_t start, int64_t end,
                              int64_t days);

/* Number of days of a Gregorian month (month 1..12). */
int civic_days_in_month(int64_t year, int month);

#endif
