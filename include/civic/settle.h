/**
 * @file settle.h
 * @brief (being written) the settle module's public API.
 */
#ifndef CIVIC_SETTLE_H
#define CIVIC_SETTLE_H

#include "common.h"

#endif /* CIVIC_SETTLE_H */
