/* Recalculation (being written). */
