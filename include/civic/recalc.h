/**
 * @file recalc.h
 * @brief (being written) the recalc module's public API.
 */
#ifndef CIVIC_RECALC_H
#define CIVIC_RECALC_H

#include "common.h"

#endif /* CIVIC_RECALC_H */
