/* Placeholder until the ledger lands. */
#include "civic/ledger.h"
