/* A small populated ledger shared by the ledger harnesses: two assets, an
 * escrow (min 0), a guarantee fund with a credit line, an outside agency
 * (no limit), a landlord, a token wallet and issuer, and some history. */
#ifndef CIVIC_FUZZ_LEDGER_FIXTURE_H
#define CIVIC_FUZZ_LEDGER_FIXTURE_H

static const char LEDGER_FIXTURE[] =
    "{\"assets\": [{\"code\": \"EUR\", \"scale\": 2}, {\"code\": \"HLN\", "
    "\"scale\": 0}],"
    " \"accounts\": ["
    "{\"id\": \"escrow\", \"asset\": \"EUR\", \"min_balance\": 0},"
    "{\"id\": \"fund\", \"asset\": \"EUR\", \"min_balance\": -100000},"
    "{\"id\": \"agency\", \"asset\": \"EUR\", \"min_balance\": null},"
    "{\"id\": \"landlord\", \"asset\": \"EUR\", \"min_balance\": 0},"
    "{\"id\": \"wallet\", \"asset\": \"HLN\", \"min_balance\": 0},"
    "{\"id\": \"issuer\", \"asset\": \"HLN\", \"min_balance\": null}],"
    " \"transfers\": ["
    "{\"id\": \"t1\", \"from\": \"agency\", \"to\": \"escrow\", \"amount\": "
    "150000, \"asset\": \"EUR\"},"
    "{\"id\": \"t2\", \"from\": \"escrow\", \"to\": \"landlord\", \"amount\": "
    "75000, \"asset\": \"EUR\"},"
    "{\"id\": \"t3\", \"from\": \"issuer\", \"to\": \"wallet\", \"amount\": "
    "40, \"asset\": \"HLN\"}]}";

#endif
