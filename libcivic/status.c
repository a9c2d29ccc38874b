/* Names and sentences for every status code.
 *
 * The name is the stable, machine-readable form printed as `error` in JSON;
 * the sentence is for people. tests/test_core.c checks that every number
 * below CIVIC_STATUS_END_ that is in use has both.
 */
#include "civic/common.h"

typedef struct status_text {
  civic_status status;
  const char *name;
  const char *sentence;
} status_text;

static const status_text STATUS_TEXTS[] = {
    {CIVIC_OK, "ok", "success"},
    {CIVIC_E_NOMEM, "out_of_memory", "memory could not be allocated"},
    {CIVIC_E_INVALID_ARGUMENT, "invalid_argument",
     "an argument to the call is NULL or unusable"},
    {CIVIC_E_MALFORMED_JSON, "malformed_json",
     "the input is not one well-formed JSON object"},
    {CIVIC_E_MISSING_FIELD, "missing_field", "a required field is missing"},
    {CIVIC_E_WRONG_TYPE, "wrong_type", "a field has the wrong type"},
    {CIVIC_E_NOT_INTEGER, "not_integer",
     "a number has a fraction or an exponent where an integer is required"},
    {CIVIC_E_NEGATIVE_AMOUNT, "negative_amount",
     "an amount that must be zero or more is negative"},
    {CIVIC_E_OVERFLOW, "overflow",
     "an input or a computed quantity falls outside the signed 64-bit range"},
    {CIVIC_E_DUPLICATE_ID, "duplicate_id", "the same id appears twice"},
    {CIVIC_E_OUT_OF_RANGE, "out_of_range",
     "a value lies outside its allowed range"},
    {CIVIC_E_UNKNOWN_KIND, "unknown_kind", "the evaluation kind is not known"},
    {CIVIC_E_IO, "io_error", "a file could not be read or written"},
    {CIVIC_E_UNKNOWN_REFERENCE, "unknown_reference",
     "a field refers to something that does not exist"},
    {CIVIC_E_EMPTY, "empty", "a value that must not be empty is empty"},
    /* ledger and journal (100-199) */
    /* waterfall and settlement (200-299) */
    /* recalculation (300-399) */
    /* reward token and voting (400-499) */
    /* signatures, keys and privacy (500-599) */
};

static const status_text *find(civic_status status) {
  size_t i;
  for (i = 0; i < sizeof STATUS_TEXTS / sizeof STATUS_TEXTS[0]; i++)
    if (STATUS_TEXTS[i].status == status)
      return &STATUS_TEXTS[i];
  return 0;
}

const char *civic_status_name(civic_status status) {
  const status_text *t = find(status);
  return t ? t->name : "unknown";
}

const char *civic_strerror(civic_status status) {
  const status_text *t = find(status);
  return t ? t->sentence : "unknown status code";
}
