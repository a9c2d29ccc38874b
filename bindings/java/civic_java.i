/* civic_java.i: the Java half of the SWIG interface; everything shared with
 * the other languages is in ../swig/civic.i.
 *
 * The generated proxies (package org.libcivic.swig) are internal: the public
 * Java API is the hand-written org.libcivic package on top of them. The
 * Java-specific choices:
 *   - handles are proxy classes (civic.i) that are also AutoCloseable;
 *     a `T **out` parameter is a T[1] holder filled with an owning proxy;
 *   - a `char **` result is a String[1] holder (the C string is copied and
 *     released with civic_free inside the wrapper; Java never owns C memory),
 *     likewise the 65-byte `char *hex` buffer;
 *   - every `const char *` crosses as NUL-terminated standard UTF-8 bytes:
 *     JNI's own string calls use "modified UTF-8", which would mangle NUL and
 *     characters outside the BMP;
 *   - a non-zero civic_status is thrown as org.libcivic.CivicException
 *     (code, snake_case name, the handle's detailed message) at the very end
 *     of the wrapper, after outputs were converted and strings freed.
 * Holders, not return values, because a SWIG/Java wrapper's return type is
 * fixed by the C return type (civic_status) and cannot depend on the
 * arguments.
 */
%module CivicSwig

%{
#include <string.h>

/* A Java byte[] with the bytes of s (no NUL), or NULL for a NULL s. */
static jbyteArray civic_java_bytes(JNIEnv *jenv, const char *s) {
  jsize n;
  jbyteArray b;
  if (s == NULL)
    return NULL;
  n = (jsize)strlen(s);
  b = (*jenv)->NewByteArray(jenv, n);
  if (b != NULL && n > 0)
    (*jenv)->SetByteArrayRegion(jenv, b, 0, n, (const jbyte *)s);
  return b;
}

/* Throw org.libcivic.CivicException through the Java-side factory
 * org.libcivic.swig.Errors.make(int, byte[], byte[]), so the texts are
 * decoded as standard UTF-8 in Java. */
static void civic_java_throw(JNIEnv *jenv, int status, const char *name,
                             const char *message) {
  jclass errors;
  jmethodID make;
  jobject ex;
  if ((*jenv)->ExceptionCheck(jenv))
    return; /* keep the first exception (e.g. OutOfMemoryError) */
  errors = (*jenv)->FindClass(jenv, "org/libcivic/swig/Errors");
  if (errors == NULL)
    return;
  make = (*jenv)->GetStaticMethodID(jenv, errors, "make",
                                    "(I[B[B)Ljava/lang/RuntimeException;");
  if (make == NULL)
    return;
  ex = (*jenv)->CallStaticObjectMethod(jenv, errors, make, (jint)status,
                                       civic_java_bytes(jenv, name),
                                       civic_java_bytes(jenv, message));
  if (ex != NULL && !(*jenv)->ExceptionCheck(jenv))
    (*jenv)->Throw(jenv, (jthrowable)ex);
}
%}

%include <typemaps.i>
%include <enumtypeunsafe.swg>
/* Constants as Java literals (enum values and the string macros; the
 * getter form would not go through the UTF-8 typemaps above). A new macro
 * whose C expression is not also Java (INT64_MIN, `1u << 3`) needs a line
 * here: %javaconst(0) NAME; or %ignore NAME;. */
%javaconst(1);
%javaconst(0) CIVIC_VERSION_NUMBER;
%ignore CIVIC_NO_MIN_BALANCE; /* INT64_MIN: Java has Ledger.NO_MIN_BALANCE */

/* ---- strings in: String -> NUL-terminated UTF-8 byte[] ------------------ */
%typemap(jni) const char * "jbyteArray"
%typemap(jtype) const char * "byte[]"
%typemap(jstype) const char * "String"
%typemap(javain) const char * "org.libcivic.swig.Utf8.encodeZ($javainput)"
%typemap(in) const char * {
  $1 = NULL;
  if ($input) {
    $1 = ($1_ltype)(*jenv)->GetByteArrayElements(jenv, $input, NULL);
    if ($1 == NULL)
      return $null;
  }
}
%typemap(freearg) const char * {
  if ($1)
    (*jenv)->ReleaseByteArrayElements(jenv, $input, (jbyte *)$1, JNI_ABORT);
}
/* ---- static or handle-owned strings out: byte[] -> String --------------- */
%typemap(out) const char * { $result = civic_java_bytes(jenv, $1); }
%typemap(javaout) const char * {
    return org.libcivic.swig.Utf8.decode($jnicall);
  }

/* ---- hooks required by civic.i ----------------------------------------- */

/* `char **` result -> String[1] holder. Replaces civic.i's hidden `in`
 * (numinputs=0) by a visible holder; civic.i's freearg releases the C string
 * after this argout copied it. */
%define CIVIC_JAVA_STRING_HOLDER(DECL)
%typemap(jni) DECL "jobjectArray"
%typemap(jtype) DECL "byte[][]"
%typemap(jstype) DECL "String[]"
%typemap(javain,
         pre="    byte[][] bytes$javainput = new byte[1][];",
         post="      if ($javainput != null && $javainput.length > 0) $javainput[0] = org.libcivic.swig.Utf8.decode(bytes$javainput[0]);")
  DECL "bytes$javainput"
%enddef

%define CIVIC_LANG_STRING_OUT
CIVIC_JAVA_STRING_HOLDER(char **)
%typemap(in) char ** (char *civic_out_str = NULL) { $1 = &civic_out_str; }
%typemap(argout) char ** {
  if (*$1 != NULL) {
    jbyteArray b = civic_java_bytes(jenv, *$1);
    if (b != NULL)
      (*jenv)->SetObjectArrayElement(jenv, $input, 0, b);
  }
}
%enddef

%define CIVIC_LANG_HEX_OUT
CIVIC_JAVA_STRING_HOLDER(char *hex)
%typemap(in) char *hex (char civic_hex_buf[65]) {
  civic_hex_buf[0] = '\0';
  $1 = civic_hex_buf;
}
%typemap(freearg) char *hex ""
%typemap(argout) char *hex {
  {
    jbyteArray b = civic_java_bytes(jenv, $1);
    if (b != NULL)
      (*jenv)->SetObjectArrayElement(jenv, $input, 0, b);
  }
}
%enddef

/* `TYPE **` factory output -> TYPE[1] holder receiving an owning proxy.
 * Also makes the proxy AutoCloseable (close() == delete()). */
%define CIVIC_LANG_HANDLE_OUT(TYPE)
%typemap(jni) TYPE ** "jlongArray"
%typemap(jtype) TYPE ** "long[]"
%typemap(jstype) TYPE ** "TYPE[]"
%typemap(javain,
         pre="    long[] ptr$javainput = new long[1];",
         post="      if ($javainput != null && $javainput.length > 0 && ptr$javainput[0] != 0) $javainput[0] = new TYPE(ptr$javainput[0], true);")
  TYPE ** "ptr$javainput"
%typemap(in) TYPE ** (TYPE *civic_out_handle = NULL) { $1 = &civic_out_handle; }
%typemap(argout) TYPE ** {
  jlong v = 0;
  *(TYPE **)&v = *$1;
  (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &v);
}
%typemap(javainterfaces) struct TYPE "AutoCloseable"
%typemap(javacode) struct TYPE %{
  /** Frees the native handle (same as delete()); safe to call twice. */
  @Override
  public void close() {
    delete();
  }
%}
%enddef

/* civic_status: an int in Java; non-zero is thrown after everything else the
 * wrapper does. The message is the detailed one of the handle in the first
 * argument (civic.i's civic_swig_errmsg), "" for stateless calls. */
%typemap(ret) civic_status {
  if ($1 != CIVIC_OK)
    civic_java_throw(jenv, (int)$1, civic_status_name($1),
                     civic_swig_errmsg(CIVIC_SWIG_HANDLE_OF(arg1)));
}
/* A status reported as data, not as a failure. */
%typemap(ret) civic_status civic_ctx_errcode ""
%typemap(ret) civic_status civic_init {
  if ($1 != CIVIC_OK)
    civic_java_throw(jenv, (int)$1, civic_status_name($1), "");
}

/* ---- scalar outputs: long[1] holders ------------------------------------ */
%apply long long *OUTPUT { int64_t *balance, int64_t *gross, int64_t *net, int64_t *fee,
                          int64_t *out };
%apply int *OUTPUT { int *granted };
/* Journal positions are uint64 in C but never reach 2^63; Java sees long. */
%typemap(jni) uint64_t *position "jlongArray"
%typemap(jtype) uint64_t *position "long[]"
%typemap(jstype) uint64_t *position "long[]"
%typemap(javain) uint64_t *position "$javainput"
%typemap(in) uint64_t *position (uint64_t civic_pos = 0) { $1 = &civic_pos; }
%typemap(argout) uint64_t *position {
  if ($input != NULL && (*jenv)->GetArrayLength(jenv, $input) > 0) {
    jlong v = (jlong)civic_pos$argnum;
    (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &v);
  }
}
%apply long long { uint64_t position };

/* ---- a caller-provided text buffer (char *buf, size_t cap): String[1] --- */
CIVIC_JAVA_STRING_HOLDER((char *buf, size_t cap))
%typemap(in) (char *buf, size_t cap) (char civic_text_buf[128]) {
  civic_text_buf[0] = '\0';
  $1 = civic_text_buf;
  $2 = sizeof civic_text_buf;
}
%typemap(argout) (char *buf, size_t cap) {
  {
    jbyteArray b = civic_java_bytes(jenv, $1);
    if (b != NULL)
      (*jenv)->SetObjectArrayElement(jenv, $input, 0, b);
  }
}

/* ---- int64 arrays (waterfall columns, recalc due batch): long[] ------- */
%typemap(jni) (const int64_t *values, size_t count), (int64_t *out, size_t count),
  (int64_t *due, size_t due_count) "jlongArray"
%typemap(jtype) (const int64_t *values, size_t count), (int64_t *out, size_t count),
  (int64_t *due, size_t due_count) "long[]"
%typemap(jstype) (const int64_t *values, size_t count), (int64_t *out, size_t count),
  (int64_t *due, size_t due_count) "long[]"
%typemap(javain) (const int64_t *values, size_t count), (int64_t *out, size_t count),
  (int64_t *due, size_t due_count) "$javainput"
%typemap(in) (const int64_t *values, size_t count), (int64_t *out, size_t count),
  (int64_t *due, size_t due_count) {
  if ($input == NULL) {
    SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "null array");
    return $null;
  }
  /* jlong and int64_t are both 64-bit two's complement. */
  $1 = (int64_t *)(*jenv)->GetLongArrayElements(jenv, $input, NULL);
  if ($1 == NULL)
    return $null;
  $2 = (size_t)(*jenv)->GetArrayLength(jenv, $input);
}
%typemap(freearg) (const int64_t *values, size_t count) {
  (*jenv)->ReleaseLongArrayElements(jenv, $input, (jlong *)$1, JNI_ABORT);
}
/* The output lands in the caller's array (not the scalar OUTPUT of
 * `int64_t *out` above): copy back what the call wrote. */
%typemap(argout) (int64_t *out, size_t count), (int64_t *due, size_t due_count) ""
%typemap(freearg) (int64_t *out, size_t count), (int64_t *due, size_t due_count) {
  (*jenv)->ReleaseLongArrayElements(jenv, $input, (jlong *)$1, 0);
}

%include "../swig/civic.i"
