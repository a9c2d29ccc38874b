/* Settlement of a resident period on the ledger (being written). */
