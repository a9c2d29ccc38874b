/**
 * @file vote.h
 * @brief (being written) the vote module's public API.
 */
#ifndef CIVIC_VOTE_H
#define CIVIC_VOTE_H

#include "common.h"

#endif /* CIVIC_VOTE_H */
