/* Names and sentences for every status code.
 *
 * The name is the stable, machine-readable form printed as `error` in JSON;
 * the sentence is for people. tests/test_core.c checks that every number
 * below CIVIC_STATUS_END_ that is in use has both.
 */
#include "civic/common.h"

typedef struct status_text {
  civic_status status;
  const char *name;
  const char *sentence;
} status_text;

static const status_text STATUS_TEXTS[] = {
    {CIVIC_OK, "ok", "success"},
    {CIVIC_E_NOMEM, "out_of_memory", "memory could not be allocated"},
    {CIVIC_E_INVALID_ARGUMENT, "invalid_argument",
     "an argument to the call is NULL or unusable"},
    {CIVIC_E_MALFORMED_JSON, "malformed_json",
     "the input is not one well-formed JSON object"},
    {CIVIC_E_MISSING_FIELD, "missing_field", "a required field is missing"},
    {CIVIC_E_WRONG_TYPE, "wrong_type", "a field has the wrong type"},
    {CIVIC_E_NOT_INTEGER, "not_integer",
     "a number has a fraction or an exponent where an integer is required"},
    {CIVIC_E_NEGATIVE_AMOUNT, "negative_amount",
     "an amount that must be zero or more is negative"},
    {CIVIC_E_OVERFLOW, "overflow",
     "an input or a computed quantity falls outside the signed 64-bit range"},
    {CIVIC_E_DUPLICATE_ID, "duplicate_id", "the same id appears twice"},
    {CIVIC_E_OUT_OF_RANGE, "out_of_range",
     "a value lies outside its allowed range"},
    {CIVIC_E_UNKNOWN_KIND, "unknown_kind", "the evaluation kind is not known"},
    {CIVIC_E_IO, "io_error", "a file could not be read or written"},
    {CIVIC_E_UNKNOWN_REFERENCE, "unknown_reference",
     "a field refers to something that does not exist"},
    {CIVIC_E_EMPTY, "empty", "a value that must not be empty is empty"},
    /* ledger and journal (100-199) */
    {CIVIC_E_UNKNOWN_ASSET, "unknown_asset",
     "the asset is not registered in the ledger"},
    {CIVIC_E_UNKNOWN_ACCOUNT, "unknown_account",
     "the account does not exist in the ledger"},
    {CIVIC_E_ASSET_MISMATCH, "asset_mismatch",
     "the transfer's asset differs from an account's asset"},
    {CIVIC_E_AMOUNT_MUST_BE_POSITIVE, "amount_must_be_positive",
     "a transfer amount must be greater than zero"},
    {CIVIC_E_ACCOUNTS_MUST_BE_DIFFERENT, "accounts_must_be_different",
     "a transfer must move funds between two different accounts"},
    {CIVIC_E_EXCEEDS_MIN_BALANCE, "exceeds_min_balance",
     "the transfer would take the debited account below its minimum balance"},
    {CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS, "exists_with_different_fields",
     "an item with this id already exists with other fields"},
    {CIVIC_E_PENDING_NOT_FOUND, "pending_not_found",
     "the pending transfer to post or void does not exist"},
    {CIVIC_E_PENDING_ALREADY_POSTED, "pending_already_posted",
     "the pending transfer has already been posted"},
    {CIVIC_E_PENDING_ALREADY_VOIDED, "pending_already_voided",
     "the pending transfer has already been voided"},
    {CIVIC_E_POST_EXCEEDS_PENDING, "post_exceeds_pending",
     "the amount posted exceeds the pending amount"},
    {CIVIC_E_INVALID_SCALE, "invalid_scale",
     "an asset scale must lie between 0 and 18"},
    {CIVIC_E_NOT_PENDING, "not_pending",
     "the transfer named to post or void is not a pending transfer"},
    {CIVIC_E_PENDING_MISMATCH, "pending_mismatch",
     "the accounts or asset given differ from those of the pending transfer"},
    {CIVIC_E_OVERFLOWS_BALANCE, "overflows_balance",
     "the transfer would take a balance outside the signed 64-bit range"},
    {CIVIC_E_OVERFLOWS_PENDING, "overflows_pending",
     "the transfer would take a pending total outside the signed 64-bit range"},
    {CIVIC_E_INVALID_MIN_BALANCE, "invalid_min_balance",
     "a minimum balance must be zero, negative, or unbounded"},
    {CIVIC_E_JOURNAL_CORRUPT, "journal_corrupt",
     "a journal record fails its checksum or is malformed"},
    {CIVIC_E_JOURNAL_BROKEN_LINK, "journal_broken_link",
     "a journal record does not link to the hash of the record before it"},
    {CIVIC_E_JOURNAL_NOT_A_JOURNAL, "not_a_journal",
     "the file is not a libcivic journal or has an unsupported version"},
    {CIVIC_E_JOURNAL_TORN_TAIL, "journal_torn_tail",
     "the journal ends inside a record left by a crash (opening cuts it)"},
    {CIVIC_E_JOURNAL_REPLAY_FAILED, "journal_replay_failed",
     "a journal record no longer applies to the state before it"},
    {CIVIC_E_LEDGER_POISONED, "ledger_poisoned",
     "an earlier write or sync failed; reopen the ledger"},
    {CIVIC_E_JOURNAL_LOCKED, "journal_locked",
     "the journal is open for writing in another process"},
    /* waterfall and settlement (200-299) */
    {CIVIC_E_NO_CONSENT, "no_consent",
     "the resident has no consent in force for settlement"},
    {CIVIC_E_PERIOD_CLOSED, "period_closed",
     "the period is closed and a re-run may not change it"},
    {CIVIC_E_PERIOD_OPEN, "period_open",
     "another period of the resident is still open and must be closed first"},
    {CIVIC_E_SETTLE_CONFLICT, "settle_conflict",
     "the plan would undo a payment that was already made"},
    /* recalculation (300-399) */
    {CIVIC_E_BAD_DATE, "bad_date",
     "a date is not a valid YYYY-MM-DD Gregorian date in 1900..9999"},
    {CIVIC_E_PARAMETER_GAP, "parameter_gap",
     "a dated parameter has no value in force on a date where it is needed"},
    {CIVIC_E_PARAMETER_OVERLAP, "parameter_overlap",
     "two periods of a dated parameter overlap or are out of order"},
    {CIVIC_E_CYCLIC_RULE, "cyclic_rule",
     "scheme rules refer to each other in a cycle"},
    {CIVIC_E_BAD_FORMULA, "bad_formula", "a scheme formula cannot be parsed"},
    /* reward token and voting (400-499) */
    {CIVIC_E_DUPLICATE_BALLOT, "duplicate_ballot",
     "the voter already cast a ballot in this poll"},
    {CIVIC_E_OVER_CREDITS, "over_credits",
     "the sum of the squared quadratic votes exceeds the voter's credits"},
    {CIVIC_E_BALLOT_METHOD_MISMATCH, "ballot_method_mismatch",
     "the ballot has the shape of the other voting method"},
    {CIVIC_E_RESERVE_INSUFFICIENT, "reserve_insufficient",
     "the reserve would no longer cover the outstanding tokens"},
    {CIVIC_E_TASK_STATE, "task_state",
     "the task is not in a state that allows this operation"},
    {CIVIC_E_ALREADY_REWARDED, "already_rewarded",
     "the commitment was already approved and rewarded"},
    {CIVIC_E_CAPACITY_FULL, "capacity_full", "the task has no free place left"},
    {CIVIC_E_NOT_ENTREPRENEUR, "not_entrepreneur",
     "the payee is not a registered entrepreneur"},
    {CIVIC_E_ENTREPRENEUR_INACTIVE, "entrepreneur_inactive",
     "the entrepreneur is deactivated"},
    {CIVIC_E_TRANSFERS_DISABLED, "transfers_disabled",
     "transfers between citizens are switched off by policy"},
    {CIVIC_E_INSUFFICIENT_TOKENS, "insufficient_tokens",
     "the wallet does not hold enough tokens"},
    {CIVIC_E_TOKENS_EXPIRED, "tokens_expired",
     "the wallet would hold enough tokens only if expired lots still counted"},
    {CIVIC_E_REWARD_CAP, "reward_cap",
     "the reward would exceed the citizen's monthly or yearly cap"},
    {CIVIC_E_POLL_CLOSED, "poll_closed",
     "the poll does not accept ballots now"},
    /* signatures, keys and privacy (500-599) */
    {CIVIC_E_SUBJECT_ERASED, "subject_erased",
     "the data subject's key was erased, so the data can no longer be read"},
    {CIVIC_E_SEAL_INVALID, "seal_invalid",
     "sealed data is malformed, was tampered with, or belongs to another "
     "subject"},
    {CIVIC_E_VAULT_CORRUPT, "vault_corrupt", "the key vault file is damaged"},
    {CIVIC_E_SIGNATURE_INVALID, "signature_invalid",
     "a batch signature does not verify against the signer's key"},
    {CIVIC_E_UNKNOWN_KEY, "unknown_key",
     "the signing key is not registered in the ledger"},
    {CIVIC_E_KEY_REVOKED, "key_revoked",
     "the signing key was revoked before this batch"},
    {CIVIC_E_INVALID_KEY, "invalid_key",
     "a key is not well formed (wrong length or not hex)"},
    {CIVIC_E_KEY_EXISTS, "key_exists",
     "a key with this id is already registered with another public key"},
    {CIVIC_E_SIGNATURE_REQUIRED, "signature_required",
     "the ledger requires signed batches and this batch is unsigned"},
    {CIVIC_E_NOT_OWNER, "not_owner",
     "the signer's institution does not own an account or key the batch "
     "debits, creates, registers or revokes"},
};

static const status_text *find(civic_status status) {
  size_t i;
  for (i = 0; i < sizeof STATUS_TEXTS / sizeof STATUS_TEXTS[0]; i++)
    if (STATUS_TEXTS[i].status == status)
      return &STATUS_TEXTS[i];
  return 0;
}

const char *civic_status_name(civic_status status) {
  const status_text *t = find(status);
  return t ? t->name : "unknown";
}

const char *civic_strerror(civic_status status) {
  const status_text *t = find(status);
  return t ? t->sentence : "unknown status code";
}
