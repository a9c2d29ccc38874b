/* Placeholder until the module lands: refuses every input. */
#include "eval.h"

civic_status civic_waterfall_eval_json(civic_diag *d, const json_t *in,
                                   json_t **out) {
  (void)in;
  *out = NULL;
  return civic_diag_set(d, CIVIC_E_UNKNOWN_KIND, "waterfall: not built yet");
}
