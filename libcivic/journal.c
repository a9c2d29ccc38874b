/* The journal file: record framing, checksums and durable appends.
 * Byte layout (all integers little-endian), see docs/ledger.md:
 *
 *   file   := "CIVICJNL" u32 version=1 u32 0  record*
 *   record := "CVR1" u32 total_len u64 position u8[8] header_check
 *             u8[32] prev_hash u32 body_len u8[body_len] body
 *             u16 signer_len u8[signer_len] signer
 *             u8[32] record_hash [u8[64] signature if signer_len > 0]
 *
 * header_check is the first 8 bytes of BLAKE2b-128 over the 16 bytes before
 * it: it lets us tell a torn tail (header intact, bytes missing) from a
 * damaged length field, which must be refused rather than cut.
 * record_hash is BLAKE2b-256 over every byte of the record before it.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t FILE_MAGIC[8] = {'C', 'I', 'V', 'I', 'C', 'J', 'N', 'L'};
static const uint8_t RECORD_MAGIC[4] = {'C', 'V', 'R', '1'};
#define JOURNAL_VERSION 1u
#define HEADER_CHECK_AT 16u
#define PREV_AT 24u
#define BODY_LEN_AT 56u
/* Smallest record: prefix, empty body, signer length, hash. */
#define RECORD_MIN (CIVIC_RECORD_PREFIX_BYTES + 2u + CIVIC_HASH_BYTES)

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
  int i;
  for (i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
  int i;
  for (i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void header_check(uint8_t out[8], const uint8_t *rec) {
  uint8_t h[16];
  crypto_generichash(h, sizeof h, rec, HEADER_CHECK_AT, NULL, 0);
  memcpy(out, h, 8);
}

size_t civic_record_size(size_t body_len, size_t signer_len, bool is_signed) {
  return CIVIC_RECORD_PREFIX_BYTES + body_len + 2 + signer_len +
         CIVIC_HASH_BYTES + (is_signed ? CIVIC_SIGNATURE_BYTES : 0);
}

void civic_record_finish(uint8_t *rec, uint64_t position,
                         const uint8_t prev[CIVIC_HASH_BYTES], size_t body_len,
                         const char *signer, size_t signer_len,
                         const uint8_t *sig,
                         uint8_t hash_out[CIVIC_HASH_BYTES]) {
  size_t total = civic_record_size(body_len, signer_len, sig != NULL);
  uint8_t *p = rec + CIVIC_RECORD_PREFIX_BYTES + body_len;
  memcpy(rec, RECORD_MAGIC, 4);
  put_u32(rec + 4, (uint32_t)total);
  put_u64(rec + 8, position);
  header_check(rec + HEADER_CHECK_AT, rec);
  memcpy(rec + PREV_AT, prev, CIVIC_HASH_BYTES);
  put_u32(rec + BODY_LEN_AT, (uint32_t)body_len);
  put_u16(p, (uint16_t)signer_len);
  if (signer_len)
    memcpy(p + 2, signer, signer_len);
  p += 2 + signer_len;
  civic_hash(hash_out, rec, (size_t)(p - rec));
  memcpy(p, hash_out, CIVIC_HASH_BYTES);
  if (sig != NULL)
    memcpy(p + CIVIC_HASH_BYTES, sig, CIVIC_SIGNATURE_BYTES);
}

civic_status civic_record_parse(civic_diag *d, const uint8_t *data,
                                size_t avail, uint64_t number, uint64_t offset,
                                civic_record *out) {
  uint8_t check[8], hash[CIVIC_HASH_BYTES];
  size_t total, body_len, signer_len, hashed;
  const uint8_t *p;
  if (avail < PREV_AT)
    return civic_diag_set(d, CIVIC_E_JOURNAL_TORN_TAIL,
                          "record %llu at offset %llu: file ends inside the "
                          "record header",
                          (unsigned long long)number,
                          (unsigned long long)offset);
  header_check(check, data);
  if (memcmp(data, RECORD_MAGIC, 4) != 0 ||
      sodium_memcmp(check, data + HEADER_CHECK_AT, 8) != 0)
    return civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                          "record %llu at offset %llu: record header damaged",
                          (unsigned long long)number,
                          (unsigned long long)offset);
  total = get_u32(data + 4);
  if (total < RECORD_MIN || total > CIVIC_RECORD_MAX)
    return civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                          "record %llu at offset %llu: impossible length %zu",
                          (unsigned long long)number,
                          (unsigned long long)offset, total);
  if (avail < total)
    return civic_diag_set(d, CIVIC_E_JOURNAL_TORN_TAIL,
                          "record %llu at offset %llu: file ends %zu bytes "
                          "into a %zu-byte record",
                          (unsigned long long)number,
                          (unsigned long long)offset, avail, total);
  body_len = get_u32(data + BODY_LEN_AT);
  if (body_len > total - RECORD_MIN)
    goto malformed;
  p = data + CIVIC_RECORD_PREFIX_BYTES + body_len;
  signer_len = get_u16(p);
  if (civic_record_size(body_len, signer_len, signer_len > 0) != total ||
      signer_len > CIVIC_SIGNER_MAX)
    goto malformed;
  hashed = CIVIC_RECORD_PREFIX_BYTES + body_len + 2 + signer_len;
  civic_hash(hash, data, hashed);
  if (sodium_memcmp(hash, data + hashed, CIVIC_HASH_BYTES) != 0)
    return civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                          "record %llu at offset %llu: checksum (record "
                          "hash) does not match its bytes",
                          (unsigned long long)number,
                          (unsigned long long)offset);
  out->position = get_u64(data + 8);
  out->prev = data + PREV_AT;
  out->body = data + CIVIC_RECORD_PREFIX_BYTES;
  out->body_len = body_len;
  out->signer = (const char *)p + 2;
  out->signer_len = signer_len;
  out->hash = data + hashed;
  out->sig = signer_len ? data + hashed + CIVIC_HASH_BYTES : NULL;
  out->total = total;
  return CIVIC_OK;
malformed:
  return civic_diag_set(d, CIVIC_E_JOURNAL_CORRUPT,
                        "record %llu at offset %llu: inner lengths do not add "
                        "up to the record length",
                        (unsigned long long)number, (unsigned long long)offset);
}

civic_status civic_journal_check_header(civic_diag *d, const uint8_t *data,
                                        size_t len) {
  if (len < CIVIC_JOURNAL_HEADER_BYTES || memcmp(data, FILE_MAGIC, 8) != 0 ||
      get_u32(data + 8) != JOURNAL_VERSION || get_u32(data + 12) != 0)
    return civic_diag_set(d, CIVIC_E_JOURNAL_NOT_A_JOURNAL,
                          "offset 0: not a libcivic journal (version %u) file "
                          "header",
                          JOURNAL_VERSION);
  return CIVIC_OK;
}

/* Make a new directory entry durable: fsync the directory holding path. */
static int sync_parent_dir(const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  int fd, rc;
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else if (slash == path)
    snprintf(dir, sizeof dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return -1;
  rc = fsync(fd);
  close(fd);
  return rc;
}

static civic_status io_error(civic_diag *d, const char *what,
                             const char *path) {
  return civic_diag_set(d, CIVIC_E_IO, "%s %s: %s", what, path,
                        strerror(errno));
}

civic_status civic_journal_create(civic_diag *d, const char *path,
                                  civic_journal *j) {
  uint8_t header[CIVIC_JOURNAL_HEADER_BYTES] = {0};
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error(d, "cannot create", path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return civic_diag_set(d, CIVIC_E_JOURNAL_LOCKED, "%s: locked", path);
  }
  memcpy(header, FILE_MAGIC, 8);
  put_u32(header + 8, JOURNAL_VERSION);
  if (pwrite(fd, header, sizeof header, 0) != (ssize_t)sizeof header ||
      fsync(fd) != 0 || sync_parent_dir(path) != 0) {
    civic_status st = io_error(d, "cannot write", path);
    close(fd);
    unlink(path);
    return st;
  }
  j->fd = fd;
  j->end = sizeof header;
  return CIVIC_OK;
}

civic_status civic_journal_open(civic_diag *d, const char *path, bool writable,
                                civic_journal *j, uint8_t **data, size_t *len) {
  struct stat sb;
  uint8_t *buf;
  size_t got = 0;
  int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  *data = NULL;
  *len = 0;
  if (fd < 0)
    return io_error(d, "cannot open", path);
  if (writable && flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return civic_diag_set(d, CIVIC_E_JOURNAL_LOCKED,
                          "%s: open for writing in another process", path);
  }
  if (fstat(fd, &sb) != 0) {
    civic_status st = io_error(d, "cannot stat", path);
    close(fd);
    return st;
  }
  /* Map the file rather than copy it: replay reads it once, front to back. */
  if (sb.st_size > 0) {
    void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ,
                     MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
      civic_status st = io_error(d, "cannot map", path);
      close(fd);
      return st;
    }
    madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
    buf = map;
    got = (size_t)sb.st_size;
  } else {
    buf = NULL;
  }
  j->fd = fd;
  j->end = got;
  *data = buf;
  *len = got;
  return CIVIC_OK;
}

civic_status civic_journal_append(civic_diag *d, civic_journal *j,
                                  const uint8_t *bytes, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(j->fd, bytes + done, len - done, (off_t)(j->end + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;
      /* Leave no half record behind for the next append to build on. */
      if (ftruncate(j->fd, (off_t)j->end) != 0) {
        /* nothing more we can do; the torn tail is cut on reopen */
      }
      errno = saved;
      return civic_diag_set(d, CIVIC_E_IO, "journal write failed: %s",
                            strerror(saved ? saved : EIO));
    }
    done += (size_t)n;
  }
  j->end += len;
  return CIVIC_OK;
}

civic_status civic_journal_truncate(civic_diag *d, civic_journal *j,
                                    uint64_t offset) {
  if (ftruncate(j->fd, (off_t)offset) != 0 || fsync(j->fd) != 0)
    return civic_diag_set(d, CIVIC_E_IO, "cannot cut torn tail: %s",
                          strerror(errno));
  j->end = offset;
  return CIVIC_OK;
}

int civic_journal_sync(civic_journal *j) { return fdatasync(j->fd); }

void civic_journal_unmap(uint8_t *data, size_t len) {
  if (data != NULL && len > 0)
    munmap(data, len);
}

void civic_journal_close(civic_journal *j) {
  if (j->fd >= 0)
    close(j->fd);
  j->fd = -1;
}
