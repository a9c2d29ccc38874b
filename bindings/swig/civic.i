/* civic.i: the ONE language-neutral SWIG description of libcivic's public C
 * API, shared by every binding (GDAL / libsbml style).
 *
 * A language file declares its %module, defines the language-specific
 * pieces listed below, and then does `%include "civic.i"`:
 *
 *   bindings/python/civic_python.i   (Python)
 *   bindings/java/civic_java.i       (Java)
 *
 * What this file does, for every language:
 *   - %includes every public header of include/civic/ (SWIG does not follow
 *     #include), with CIVIC_API and CIVIC_NODISCARD defined empty;
 *   - makes every opaque handle a proxy class whose destructor is the
 *     handle's *_free function (%extend), with no default constructor: the
 *     C factories (civic_ctx_new, civic_ledger_create, ...) make handles;
 *   - turns every `T **` handle out-parameter and every `char **` string
 *     out-parameter into a hidden argument (numinputs=0) and frees returned
 *     strings with civic_free after they were converted;
 *   - provides civic_swig_errmsg(), the detailed message of the handle a call
 *     was made on, for the language's error typemap.
 *
 * What the language file must provide BEFORE %include "civic.i":
 *   - %define CIVIC_LANG_HANDLE_OUT(TYPE) ... %enddef: an argout typemap for
 *     `TYPE **` that hands the new handle (in `*$1`) to the caller, owned;
 *   - %define CIVIC_LANG_STRING_OUT ... %enddef: an argout typemap for
 *     `char **` that converts `*$1` (NULL allowed) for the caller (this file
 *     frees it afterwards with civic_free in the freearg typemap);
 *   - %define CIVIC_LANG_HEX_OUT ... %enddef: an argout typemap for
 *     `char *hex` (a 65-byte buffer filled by the call);
 *   - how a civic_status return becomes an error (typemap(out) civic_status
 *     or %exception), using civic_swig_errmsg(CIVIC_SWIG_HANDLE_OF(arg1)).
 *
 * Conventions relied on (stated in the house style): every `char **` and
 * `T **` parameter of the public API is an output; inputs are `const char *`.
 */

%{
#include "civic/civic.h"
%}

/* SWIG sees the declarations bare: no visibility or warn_unused_result. */
#define CIVIC_API
#define CIVIC_NODISCARD

/* Build with -DSWIGWORDSIZE64 on LP64 platforms (Linux, macOS x86_64/arm64)
 * so int64_t is `long` there, as in <stdint.h>. */
%include <stdint.i>

/* ---- strings the library hands over: char ** outputs, freed by civic_free */

%typemap(in, numinputs=0) char ** (char *civic_out_str = NULL) {
  $1 = &civic_out_str;
}
CIVIC_LANG_STRING_OUT
%typemap(freearg) char ** {
  if ($1 != NULL)
    civic_free(*$1);
}

/* A caller-provided 65-byte buffer for a 64-character hex digest. */
%typemap(in, numinputs=0) char *hex (char civic_hex_buf[65]) {
  civic_hex_buf[0] = '\0';
  $1 = civic_hex_buf;
}
CIVIC_LANG_HEX_OUT

/* ---- opaque handles ---------------------------------------------------- */

/* Declare a handle type: proxy without default constructor, destructor over
 * FREE_FN, factories' `TYPE **` out-parameter hidden and returned owned. */
%define CIVIC_HANDLE(TYPE, FREE_FN)
%nodefaultctor TYPE;
%nodefaultdtor TYPE;
%extend TYPE {
  ~TYPE() { FREE_FN($self); }
}
%typemap(in, numinputs=0) TYPE ** (TYPE *civic_out_handle = NULL) {
  $1 = &civic_out_handle;
}
CIVIC_LANG_HANDLE_OUT(TYPE)
/* SWIG-only definition (never compiled): makes the opaque struct a class;
 * the header's `typedef struct TYPE TYPE;` then names the same class.
 * Without a body SWIG makes no proxy class and drops the %extend destructor
 * (warning 303). Keep it ONCE and LAST in this macro: class typemaps set by
 * the language hook above (Java's javainterfaces "AutoCloseable" and its
 * close() method) only apply to a class declared after them. */
%warnfilter(302) TYPE;
struct TYPE {};
%enddef

/* The destructors own the release; the bare *_free functions would let a
 * caller free a handle that its proxy still points to. */
%ignore civic_ctx_free;
%ignore civic_ledger_free;
%ignore civic_batch_free;
%ignore civic_vault_free;
%ignore civic_waterfall_plan_free;
%ignore civic_waterfall_result_free;
%ignore civic_waterfall_batch_free;
%ignore civic_token_free;
%ignore civic_recalc_scheme_free;
/* civic_free is for strings, which the typemaps above already release. */
%ignore civic_free;

CIVIC_HANDLE(civic_ctx, civic_ctx_free)
CIVIC_HANDLE(civic_ledger, civic_ledger_free)
CIVIC_HANDLE(civic_batch, civic_batch_free)
CIVIC_HANDLE(civic_vault, civic_vault_free)
CIVIC_HANDLE(civic_waterfall_plan, civic_waterfall_plan_free)
CIVIC_HANDLE(civic_waterfall_result, civic_waterfall_result_free)
CIVIC_HANDLE(civic_waterfall_batch, civic_waterfall_batch_free)
CIVIC_HANDLE(civic_token, civic_token_free)
CIVIC_HANDLE(civic_recalc_scheme, civic_recalc_scheme_free)

/* ---- the detailed message of the handle a call was made on -------------- */

%{
/* Which handle type a first argument is; 0 = none (stateless call). */
enum civic_swig_handle_kind {
  CIVIC_SWIG_NONE = 0,
  CIVIC_SWIG_CTX,
  CIVIC_SWIG_LEDGER,
  CIVIC_SWIG_VAULT,
  CIVIC_SWIG_TOKEN
};

/* CIVIC_SWIG_HANDLE_OF(arg1) -> (kind, pointer to arg1). Works for every
 * argument type (only the address is taken), so a language's generic error
 * typemap can use it in every wrapper that has a first argument. */
#define CIVIC_SWIG_HANDLE_OF(arg)                                              \
  _Generic((arg),                                                              \
      civic_ctx *: CIVIC_SWIG_CTX,                                             \
      const civic_ctx *: CIVIC_SWIG_CTX,                                       \
      civic_ledger *: CIVIC_SWIG_LEDGER,                                       \
      const civic_ledger *: CIVIC_SWIG_LEDGER,                                 \
      civic_vault *: CIVIC_SWIG_VAULT,                                         \
      const civic_vault *: CIVIC_SWIG_VAULT,                                   \
      civic_token *: CIVIC_SWIG_TOKEN,                                         \
      const civic_token *: CIVIC_SWIG_TOKEN,                                   \
      default: CIVIC_SWIG_NONE),                                               \
      (const void *)&(arg)

/* The handle's last detailed message ("obligations[2].amount: must be >= 0"),
 * or "" when the call had no handle to keep one. */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static const char *civic_swig_errmsg(enum civic_swig_handle_kind kind,
                                     const void *argp) {
  switch (kind) {
  case CIVIC_SWIG_CTX:
    return civic_ctx_errmsg(*(civic_ctx *const *)argp);
  case CIVIC_SWIG_LEDGER:
    return civic_ledger_errmsg(*(civic_ledger *const *)argp);
  case CIVIC_SWIG_VAULT:
    return civic_vault_errmsg(*(civic_vault *const *)argp);
  case CIVIC_SWIG_TOKEN:
    return civic_token_errmsg(*(civic_token *const *)argp);
  default:
    return "";
  }
}
%}

/* ---- the public headers (same order as civic/civic.h) ------------------- */

%include "civic/common.h"
%include "civic/evaluate.h"
%include "civic/ledger.h"
%include "civic/privacy.h"
%include "civic/recalc.h"
%include "civic/settle.h"
%include "civic/token.h"
%include "civic/vote.h"
%include "civic/waterfall.h"
