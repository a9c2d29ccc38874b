/* fuzz_waterfall_json: arbitrary bytes as the input of
 * civic_evaluate("waterfall"). Accepted inputs are checked against the spec
 * (fuzz_support.c), and a shuffled copy must give the same answer. */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_json_kind_input("waterfall", data, size);
}
