/* Exact JSON reading and writing; see json.h for why jansson. */
#include "json.h"

#include <stdio.h>
#include <string.h>

civic_status civic_json_parse(civic_diag *d, const char *text, size_t len,
                              json_t **out) {
  json_error_t err;
  json_t *root;

  *out = NULL;
  if (text == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "input: NULL text");
  root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  if (root == NULL) {
    if (json_error_code(&err) == json_error_numeric_overflow)
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "line %d column %d: integer outside int64: %s",
                            err.line, err.column, err.text);
    if (json_error_code(&err) == json_error_out_of_memory)
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory parsing JSON");
    if (json_error_code(&err) == json_error_duplicate_key)
      return civic_diag_set(d, CIVIC_E_MALFORMED_JSON,
                            "line %d column %d: duplicate key: %s", err.line,
                            err.column, err.text);
    return civic_diag_set(d, CIVIC_E_MALFORMED_JSON, "line %d column %d: %s",
                          err.line, err.column, err.text);
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return civic_diag_set(d, CIVIC_E_MALFORMED_JSON,
                          "input: the top level must be a JSON object");
  }
  *out = root;
  return CIVIC_OK;
}

char *civic_json_dump(const json_t *value) {
  return json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

const char *civic_json_path(char *buf, size_t cap, const char *where,
                            const char *key) {
  if (where == NULL || where[0] == '\0')
    snprintf(buf, cap, "%s", key);
  else
    snprintf(buf, cap, "%s.%s", where, key);
  return buf;
}

const char *civic_json_index_path(char *buf, size_t cap, const char *where,
                                  size_t index) {
  snprintf(buf, cap, "%s[%zu]", where ? where : "", index);
  return buf;
}

bool civic_json_has(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return v != NULL && !json_is_null(v);
}

/* Fetch a present, non-null member or report it missing. */
static civic_status member(civic_diag *d, const json_t *obj, const char *where,
                           const char *key, json_t **out) {
  char path[256];
  json_t *v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v))
    return civic_diag_set(d, CIVIC_E_MISSING_FIELD,
                          "%s: required field missing",
                          civic_json_path(path, sizeof path, where, key));
  *out = v;
  return CIVIC_OK;
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a number with a fraction or exponent";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

civic_status civic_json_int(civic_diag *d, const json_t *obj, const char *where,
                            const char *key, int64_t min, int64_t max,
                            int64_t *out) {
  char path[256];
  json_t *v = NULL;
  civic_status st = member(d, obj, where, key, &v);
  json_int_t x;
  if (st != CIVIC_OK)
    return st;
  civic_json_path(path, sizeof path, where, key);
  if (json_is_real(v))
    return civic_diag_set(d, CIVIC_E_NOT_INTEGER,
                          "%s: must be an integer literal (no fraction or "
                          "exponent)",
                          path);
  if (!json_is_integer(v))
    return civic_diag_set(d, CIVIC_E_WRONG_TYPE,
                          "%s: must be an integer, got %s", path, type_name(v));
  x = json_integer_value(v);
  if (x < min) {
    if (min == 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "%s: must be >= 0, got %lld", path, (long long)x);
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s: must be >= %lld, got %lld", path, (long long)min,
                          (long long)x);
  }
  if (x > max)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s: must be <= %lld, got %lld", path, (long long)max,
                          (long long)x);
  *out = (int64_t)x;
  return CIVIC_OK;
}

civic_status civic_json_amount(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               int64_t *out) {
  return civic_json_int(d, obj, where, key, 0, INT64_MAX, out);
}

civic_status civic_json_bool(civic_diag *d, const json_t *obj,
                             const char *where, const char *key, bool *out) {
  char path[256];
  json_t *v = NULL;
  civic_status st = member(d, obj, where, key, &v);
  if (st != CIVIC_OK)
    return st;
  if (!json_is_boolean(v))
    return civic_diag_set(
        d, CIVIC_E_WRONG_TYPE, "%s: must be true or false, got %s",
        civic_json_path(path, sizeof path, where, key), type_name(v));
  *out = json_is_true(v);
  return CIVIC_OK;
}

civic_status civic_json_string(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               bool nonempty, const char **out) {
  char path[256];
  json_t *v = NULL;
  civic_status st = member(d, obj, where, key, &v);
  if (st != CIVIC_OK)
    return st;
  if (!json_is_string(v))
    return civic_diag_set(d, CIVIC_E_WRONG_TYPE, "%s: must be a string, got %s",
                          civic_json_path(path, sizeof path, where, key),
                          type_name(v));
  if (nonempty && json_string_length(v) == 0)
    return civic_diag_set(d, CIVIC_E_EMPTY, "%s: must not be empty",
                          civic_json_path(path, sizeof path, where, key));
  *out = json_string_value(v);
  return CIVIC_OK;
}

civic_status civic_json_array(civic_diag *d, const json_t *obj,
                              const char *where, const char *key,
                              json_t **out) {
  char path[256];
  json_t *v = NULL;
  civic_status st = member(d, obj, where, key, &v);
  if (st != CIVIC_OK)
    return st;
  if (!json_is_array(v))
    return civic_diag_set(d, CIVIC_E_WRONG_TYPE, "%s: must be an array, got %s",
                          civic_json_path(path, sizeof path, where, key),
                          type_name(v));
  *out = v;
  return CIVIC_OK;
}

civic_status civic_json_object(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               json_t **out) {
  char path[256];
  json_t *v = NULL;
  civic_status st = member(d, obj, where, key, &v);
  if (st != CIVIC_OK)
    return st;
  if (!json_is_object(v))
    return civic_diag_set(
        d, CIVIC_E_WRONG_TYPE, "%s: must be an object, got %s",
        civic_json_path(path, sizeof path, where, key), type_name(v));
  *out = v;
  return CIVIC_OK;
}

civic_status civic_json_element_object(civic_diag *d, const json_t *array,
                                       const char *where, size_t index) {
  char path[256];
  const json_t *v = json_array_get(array, index);
  if (!json_is_object(v))
    return civic_diag_set(
        d, CIVIC_E_WRONG_TYPE, "%s: must be an object, got %s",
        civic_json_index_path(path, sizeof path, where, index),
        v ? type_name(v) : "nothing");
  return CIVIC_OK;
}

civic_status civic_json_set_new(civic_diag *d, json_t *obj, const char *key,
                                json_t *value) {
  if (value == NULL || json_object_set_new(obj, key, value) != 0)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  return CIVIC_OK;
}

civic_status civic_json_set_int(civic_diag *d, json_t *obj, const char *key,
                                int64_t value) {
  return civic_json_set_new(d, obj, key, json_integer((json_int_t)value));
}

civic_status civic_json_set_str(civic_diag *d, json_t *obj, const char *key,
                                const char *value) {
  return civic_json_set_new(d, obj, key, json_string(value));
}

civic_status civic_json_append_new(civic_diag *d, json_t *array,
                                   json_t *value) {
  if (value == NULL || json_array_append_new(array, value) != 0)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  return CIVIC_OK;
}
