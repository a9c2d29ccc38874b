/* Internal: the JSON evaluators behind civic_evaluate, one per kind.
 *
 * Each takes the parsed input object and builds a new output object. On
 * failure it records the field in `d`, returns the status and leaves *out
 * NULL. They are pure: no state survives the call.
 */
#ifndef CIVIC_EVAL_H
#define CIVIC_EVAL_H

#include "json.h"

typedef civic_status (*civic_eval_fn)(civic_diag *d, const json_t *in,
                                      json_t **out);

civic_status civic_waterfall_eval_json(civic_diag *d, const json_t *in,
                                       json_t **out); /* waterfall.c */
civic_status civic_split_eval_json(civic_diag *d, const json_t *in,
                                   json_t **out); /* split.c */
civic_status civic_prorate_eval_json(civic_diag *d, const json_t *in,
                                     json_t **out); /* prorate.c */
civic_status civic_redeem_eval_json(civic_diag *d, const json_t *in,
                                    json_t **out); /* token.c */
civic_status civic_tally_eval_json(civic_diag *d, const json_t *in,
                                   json_t **out); /* vote.c */
civic_status civic_recalc_eval_json(civic_diag *d, const json_t *in,
                                    json_t **out); /* recalc.c */

#endif
