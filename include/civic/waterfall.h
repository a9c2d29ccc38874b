/**
 * @file waterfall.h
 * @brief (being written) the waterfall module's public API.
 */
#ifndef CIVIC_WATERFALL_H
#define CIVIC_WATERFALL_H

#include "common.h"

#endif /* CIVIC_WATERFALL_H */
