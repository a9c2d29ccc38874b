/* Recalculation (being written). */
#include "civic/recalc.h"
