/**
 * @file civic.h
 * @brief Umbrella header: include this one to get every public libcivic API.
 */
#ifndef CIVIC_CIVIC_H
#define CIVIC_CIVIC_H

#include "common.h"
#include "evaluate.h"
#include "ledger.h"
#include "privacy.h"
#include "recalc.h"
#include "settle.h"
#include "token.h"
#include "vote.h"
#include "waterfall.h"

#endif /* CIVIC_CIVIC_H */
