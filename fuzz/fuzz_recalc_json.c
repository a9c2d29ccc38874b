/* fuzz_recalc_json: arbitrary bytes as the input of
 * civic_evaluate("recalc") (scheme + household timeline + payments, see
 * docs/recalc.md). No crash, leak, hang or undefined behaviour on any
 * bytes, every refusal carries a message, and the same input always gives
 * the same answer. */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_json_kind_input("recalc", data, size);
}
