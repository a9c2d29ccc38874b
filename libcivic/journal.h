/* Internal: the journal file and its record framing (docs/ledger.md has the
 * byte layout).
 *
 * The journal knows nothing about batches: a record carries an opaque body
 * (the batch's canonical encoding, written by ledger.c), the hash of the
 * previous record, an optional signer and signature, and its own BLAKE2b-256
 * hash, which doubles as the record's checksum and as the next record's link.
 */
#ifndef CIVIC_JOURNAL_H
#define CIVIC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "diag.h"

/* File header: "CIVICJNL", u32 version (1), u32 zero. */
#define CIVIC_JOURNAL_HEADER_BYTES 16u
/* Record prefix before the body: magic, length, position, header check,
 * previous hash, body length. */
#define CIVIC_RECORD_PREFIX_BYTES 60u
/* Largest signer id and record accepted. */
#define CIVIC_SIGNER_MAX 255u
#define CIVIC_RECORD_MAX ((size_t)1 << 31)

/* Size of a whole record. */
size_t civic_record_size(size_t body_len, size_t signer_len, bool is_signed);

/* Fill in a record in `rec`, whose body (body_len bytes) is already at
 * rec + CIVIC_RECORD_PREFIX_BYTES and which has room for
 * civic_record_size(...) bytes. `sig` is NULL for an unsigned record.
 * Writes the record hash to hash_out. */
void civic_record_finish(uint8_t *rec, uint64_t position,
                         const uint8_t prev[CIVIC_HASH_BYTES], size_t body_len,
                         const char *signer, size_t signer_len,
                         const uint8_t *sig,
                         uint8_t hash_out[CIVIC_HASH_BYTES]);

/* A parsed record; pointers into the caller's bytes. */
typedef struct civic_record {
  uint64_t position;
  const uint8_t *prev;
  const uint8_t *body;
  size_t body_len;
  const char *signer; /* not NUL-terminated */
  size_t signer_len;
  const uint8_t *hash;
  const uint8_t *sig; /* NULL when unsigned */
  size_t total;
} civic_record;

/* Parse and checksum the record at data[0..avail). Returns
 * CIVIC_E_JOURNAL_TORN_TAIL when the bytes end inside a record whose header
 * is intact (or inside the header itself), CIVIC_E_JOURNAL_CORRUPT for any
 * other damage. `number` and `offset` are only used in messages. */
civic_status civic_record_parse(civic_diag *d, const uint8_t *data,
                                size_t avail, uint64_t number, uint64_t offset,
                                civic_record *out);

/* Check the file header. */
civic_status civic_journal_check_header(civic_diag *d, const uint8_t *data,
                                        size_t len);

/* An open journal file. */
typedef struct civic_journal {
  int fd;
  uint64_t end; /* offset where the next record goes */
} civic_journal;

/* Create a new journal (fails if the path exists), durable on return. */
civic_status civic_journal_create(civic_diag *d, const char *path,
                                  civic_journal *j);

/* Open an existing journal and map it whole at *data (read-only; release
 * with civic_journal_unmap; NULL for an empty file).
 * A writable open takes an exclusive lock on the file. */
civic_status civic_journal_open(civic_diag *d, const char *path, bool writable,
                                civic_journal *j, uint8_t **data, size_t *len);

/* Append bytes at j->end; on failure the file is cut back to j->end. */
civic_status civic_journal_append(civic_diag *d, civic_journal *j,
                                  const uint8_t *bytes, size_t len);

/* Cut the file to `offset` (a torn tail) and make that durable. */
civic_status civic_journal_truncate(civic_diag *d, civic_journal *j,
                                    uint64_t offset);

/* fdatasync; 0 on success. */
int civic_journal_sync(civic_journal *j);

void civic_journal_unmap(uint8_t *data, size_t len);

void civic_journal_close(civic_journal *j);

#endif
