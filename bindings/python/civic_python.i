/* civic_python.i: the Python-specific part of the SWIG binding.
 *
 * The language-neutral description is ../swig/civic.i; this file only says
 * how outputs and errors look in Python:
 *   - a failing civic_status raises the exception that civic._errors.error_for
 *     builds (civic.CivicError or a subclass) carrying .code, .name and
 *     .message (the handle's detailed message naming the field);
 *   - a successful civic_status returns nothing, so a call returns its
 *     outputs: one value, or a list of them when there are several;
 *   - the GIL is released around the calls that can take long (evaluate,
 *     recalculation, posting, opening and verifying journals, batches).
 *
 * The raw module is civic.capi; users import the pythonic package `civic`.
 */
%module(package="civic", threads="1") capi

%{
#include "civic/civic.h"
%}

/* ---- language pieces that civic.i needs -------------------------------- */

%define CIVIC_LANG_STRING_OUT
%typemap(argout) char ** {
  PyObject *s;
  if (*$1 != NULL) {
    s = PyUnicode_FromString(*$1);
    if (s == NULL)
      SWIG_fail;
  } else {
    s = Py_None;
    Py_INCREF(s);
  }
  $result = SWIG_Python_AppendOutput($result, s);
}
%enddef

%define CIVIC_LANG_HEX_OUT
%typemap(argout) char *hex {
  $result = SWIG_Python_AppendOutput($result, PyUnicode_FromString($1));
}
%enddef

%define CIVIC_LANG_HANDLE_OUT(TYPE)
%typemap(argout) TYPE ** {
  $result = SWIG_Python_AppendOutput(
      $result, SWIG_NewPointerObj(*$1, $*1_descriptor, SWIG_POINTER_OWN));
}
%enddef

/* ---- errors -------------------------------------------------------------- */

%{
/* Raise civic._errors.error_for(code, name, message). The Python side picks
 * the subclass per status family; this side only supplies the facts. */
static void civic_py_raise(civic_status status, const char *message) {
  PyObject *mod, *exc;
  mod = PyImport_ImportModule("civic._errors");
  if (mod == NULL)
    return;
  exc = PyObject_CallMethod(mod, "error_for", "iss", (int)status,
                            civic_status_name(status),
                            message != NULL ? message : "");
  Py_DECREF(mod);
  if (exc == NULL)
    return;
  PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
  Py_DECREF(exc);
}
%}

/* Every call returning civic_status: raise on failure with the message of the
 * handle it was made on; on success contribute nothing to the result. */
%typemap(out) civic_status {
  if ($1 != CIVIC_OK) {
    civic_py_raise($1, civic_swig_errmsg(CIVIC_SWIG_HANDLE_OF(arg1)));
    SWIG_fail;
  }
  $result = SWIG_Py_Void();
}
/* Calls without arguments have no arg1 to take a message from. */
%typemap(out) civic_status civic_init {
  if ($1 != CIVIC_OK) {
    civic_py_raise($1, "");
    SWIG_fail;
  }
  $result = SWIG_Py_Void();
}
/* Getters that report a status as data, not as a failure. */
%typemap(out) civic_status civic_ctx_errcode "$result = PyLong_FromLong((long)$1);"

/* A status given as an argument (civic_status_name, civic_strerror). */
%typemap(in) civic_status {
  long v = PyLong_AsLong($input);
  if (v == -1 && PyErr_Occurred())
    SWIG_fail;
  $1 = (civic_status)v;
}
%typemap(typecheck) civic_status = int;

/* ---- scalar out-parameters become return values ------------------------- */

%include <typemaps.i>
%apply int64_t *OUTPUT { int64_t *balance, int64_t *out, int64_t *gross,
                         int64_t *net, int64_t *fee };
%apply uint64_t *OUTPUT { uint64_t *position };
%apply int *OUTPUT { int *granted };

/* A small text the call writes into a caller's buffer (civic_settle_format_eur). */
%typemap(in, numinputs=0) (char *buf, size_t cap) (char civic_text_buf[64]) {
  civic_text_buf[0] = '\0';
  $1 = civic_text_buf;
  $2 = sizeof civic_text_buf;
}
%typemap(argout) (char *buf, size_t cap) {
  $result = SWIG_Python_AppendOutput($result, PyUnicode_FromString($1));
}

/* ---- int64 columns through the buffer protocol (numpy, array('q')) ----- */

%{
/* Borrow a C-contiguous buffer of 8-byte signed integers; refuse anything
 * else (floats, bools, int32) so no value is silently converted. */
static int civic_py_int64_buffer(PyObject *obj, Py_buffer *view, int writable) {
  int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
  const char *f;
  if (PyObject_GetBuffer(obj, view, flags) != 0)
    return -1;
  f = view->format != NULL ? view->format : "B";
  if (*f == '@' || *f == '=' || *f == '<')
    f++;
  if (view->itemsize != 8 || (strcmp(f, "q") != 0 && strcmp(f, "l") != 0)) {
    PyBuffer_Release(view);
    PyErr_SetString(PyExc_TypeError,
                    "expected a contiguous buffer of int64 (numpy dtype int64)");
    return -1;
  }
  return 0;
}
%}

%typemap(in) (const int64_t *values, size_t count) (Py_buffer view, int have_view = 0) {
  if (civic_py_int64_buffer($input, &view, 0) != 0)
    SWIG_fail;
  have_view = 1;
  $1 = (int64_t *)view.buf;
  $2 = (size_t)(view.len / 8);
}
%typemap(freearg) (const int64_t *values, size_t count) {
  if (have_view$argnum)
    PyBuffer_Release(&view$argnum);
}
%typemap(in) (int64_t *out, size_t count) (Py_buffer view, int have_view = 0) {
  if (civic_py_int64_buffer($input, &view, 1) != 0)
    SWIG_fail;
  have_view = 1;
  $1 = (int64_t *)view.buf;
  $2 = (size_t)(view.len / 8);
}
/* The output lands in the caller's array: nothing to append. */
%typemap(argout) (int64_t *out, size_t count) ""
%typemap(freearg) (int64_t *out, size_t count) {
  if (have_view$argnum)
    PyBuffer_Release(&view$argnum);
}
/* civic_recalc_due_batch writes H x M x B amounts into the caller's array. */
%typemap(in) (int64_t *due, size_t due_count) = (int64_t *out, size_t count);
%typemap(argout) (int64_t *due, size_t due_count) = (int64_t *out, size_t count);
%typemap(freearg) (int64_t *due, size_t due_count) = (int64_t *out, size_t count);

/* ---- the GIL: held for quick calls, released for the heavy ones --------- */

%nothread;
%thread civic_evaluate;
%thread civic_recalc_run;
%thread civic_ledger_post;
%thread civic_ledger_post_json;
%thread civic_ledger_create;
%thread civic_ledger_open;
%thread civic_ledger_balances_json;
%thread civic_ledger_verify_file;
%thread civic_ledger_export_file;
%thread civic_ledger_history_json;
%thread civic_waterfall_run;
%thread civic_waterfall_batch_run;
%thread civic_waterfall_batch_set_column;
%thread civic_waterfall_batch_get_column;
%thread civic_waterfall_plan_load_json;
%thread civic_settle_period_json;
%thread civic_recalc_scheme_new;
%thread civic_recalc_run_with_scheme;
%thread civic_recalc_due_batch;
%thread civic_settle_alerts_json;
%thread civic_token_redeem;

/* Declared-but-not-yet-defined functions (generated at build time). */
%include "civic_missing.i"

%include "civic.i"
