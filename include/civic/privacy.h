/**
 * @file privacy.h
 * @brief Erasable personal data: per-subject encryption keys held outside the
 *        journal (crypto-shredding).
 *
 * Accounts in the ledger are pseudonymous. Personal data that must travel
 * with them (a name, an address, a case note) is sealed with
 * XChaCha20-Poly1305 under a key that belongs to one data subject and lives
 * only in a ::civic_vault, never in the journal. The journal keeps the sealed
 * bytes, so the hash chain stays verifiable forever; erasing the subject's key
 * makes every sealed item of that subject unreadable, which is how the right
 * to erasure is honoured on an append-only journal.
 *
 * Determinism: sealing draws a random key (first use of a subject) and a
 * random nonce. That is the one non-deterministic step, taken once by the
 * institution that submits the data; every other institution replicates the
 * sealed text, never re-seals it. Nothing consensus-critical depends on it.
 *
 * Keys are kept in libsodium's guarded, locked memory and wiped on erase and
 * on free. A file-backed vault is written with mode 0600 by an atomic
 * replace (temporary file, fsync, rename), so a crash leaves either the old
 * or the new key set.
 *
 * Thread safety: a ::civic_vault must not be used by two threads at once.
 */
#ifndef CIVIC_PRIVACY_H
#define CIVIC_PRIVACY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A store of per-subject data keys. */
typedef struct civic_vault civic_vault;

/**
 * Create an empty vault held in memory only.
 * @param[out] out receives the vault; free with ::civic_vault_free.
 * @return ::CIVIC_OK, ::CIVIC_E_NOMEM or ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_vault_new(civic_vault **out);

/**
 * Open the vault file at @p path, creating it (mode 0600) if it does not
 * exist. Every change is written back before the call returns.
 * @param[out] out  receives the vault; free with ::civic_vault_free.
 * @param path      file name.
 * @return ::CIVIC_OK, ::CIVIC_E_IO, ::CIVIC_E_VAULT_CORRUPT or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_vault_open(civic_vault **out,
                                                        const char *path);

/** Wipe every key from memory and free the vault. Accepts NULL. */
CIVIC_API void civic_vault_free(civic_vault *vault);

/** Last detailed error message on this vault, or "". */
CIVIC_API const char *civic_vault_errmsg(const civic_vault *vault);

/**
 * Seal @p plaintext for data subject @p subject. The subject's key is created
 * on first use. The sealed form is text, `"v1:" + hex(nonce || ciphertext)`,
 * safe to put in a JSON journal event; it is bound to the subject id, so it
 * cannot be moved to another subject.
 * @param vault     the vault.
 * @param subject   pseudonymous subject id (non-empty).
 * @param plaintext NUL-terminated UTF-8 text.
 * @param[out] sealed receives the sealed text; free with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_SUBJECT_ERASED (no new data for an erased
 *         subject), ::CIVIC_E_IO, ::CIVIC_E_NOMEM or
 * ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_vault_seal(civic_vault *vault,
                                                        const char *subject,
                                                        const char *plaintext,
                                                        char **sealed);

/**
 * Open text sealed by ::civic_vault_seal.
 * @param vault   the vault.
 * @param subject the subject the text was sealed for.
 * @param sealed  the sealed text.
 * @param[out] plaintext receives the text; free with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_SUBJECT_ERASED (key shredded),
 *         ::CIVIC_E_UNKNOWN_REFERENCE (no key for the subject),
 *         ::CIVIC_E_SEAL_INVALID (malformed, tampered, or sealed for another
 *         subject) or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_vault_unseal(civic_vault *vault,
                                                          const char *subject,
                                                          const char *sealed,
                                                          char **plaintext);

/**
 * Erase a subject's key for good (crypto-shredding). Afterwards nothing
 * sealed for the subject can be opened and no new data can be sealed for it.
 * Erasing an unknown subject records the erasure too, so it stays erased.
 * Erasing twice is a no-op.
 * @return ::CIVIC_OK, ::CIVIC_E_IO or ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_vault_erase(civic_vault *vault,
                                                         const char *subject);

/**
 * Whether a subject currently has a usable key.
 * @param vault   the vault.
 * @param subject the subject id.
 * @return 1 if it has one, 0 if it has none or was erased.
 */
CIVIC_API int civic_vault_has_key(const civic_vault *vault,
                                  const char *subject);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_PRIVACY_H */
