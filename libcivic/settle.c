/* Settlement of a resident period on the ledger (being written). */
#include "civic/settle.h"
