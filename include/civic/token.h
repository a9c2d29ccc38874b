/**
 * @file token.h
 * @brief (being written) the token module's public API.
 */
#ifndef CIVIC_TOKEN_H
#define CIVIC_TOKEN_H

#include "common.h"

#endif /* CIVIC_TOKEN_H */
