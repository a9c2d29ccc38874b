/**
 * @file civic.h
 * @brief Umbrella header: include this one to get every public libcivic API.
 */
#ifndef CIVIC_CIVIC_H
#define CIVIC_CIVIC_H

#include "common.h"
#include "evaluate.h"
#include "ledger.h"

#endif /* CIVIC_CIVIC_H */
