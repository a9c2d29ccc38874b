/* Per-subject data keys and crypto-shredding (see include/civic/privacy.h).
 *
 * Layout in memory: subject ids in ordinary memory (they are pseudonyms, not
 * secrets) and all key material in one block from sodium_malloc, which is
 * guarded and locked against swapping. The vault file holds, after an 8-byte
 * magic, one entry per subject: u16 id length, id bytes, u8 state (1 = key
 * follows, 0 = erased), and 32 key bytes when the state is 1. A BLAKE2b-256
 * checksum of everything before it closes the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civic/privacy.h"
#include "diag.h"

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_PREFIX "v1:"
#define SUBJECT_MAX 1024
static const unsigned char VAULT_MAGIC[8] = {'C', 'I', 'V', 'V',
                                             'A', 'U', 'L', '1'};

typedef struct subject_entry {
  char *id;
  int erased; /* 1: key wiped for good */
} subject_entry;

struct civic_vault {
  civic_diag diag;
  char *path; /* NULL for an in-memory vault */
  subject_entry *subjects;
  unsigned char *keys; /* sodium_malloc: cap * KEY_BYTES */
  size_t count, cap;
};

static long find_subject(const civic_vault *v, const char *subject) {
  size_t i;
  for (i = 0; i < v->count; i++)
    if (strcmp(v->subjects[i].id, subject) == 0)
      return (long)i;
  return -1;
}

/* Grow both arrays; key material moves between two guarded blocks. */
static civic_status grow(civic_vault *v) {
  size_t cap = v->cap ? v->cap * 2 : 16;
  subject_entry *subjects = realloc(v->subjects, cap * sizeof *subjects);
  unsigned char *keys;
  if (subjects == NULL)
    return civic_diag_set(&v->diag, CIVIC_E_NOMEM, "vault: out of memory");
  v->subjects = subjects;
  keys = sodium_malloc(cap * KEY_BYTES);
  if (keys == NULL)
    return civic_diag_set(&v->diag, CIVIC_E_NOMEM,
                          "vault: out of secure memory");
  if (v->keys != NULL) {
    memcpy(keys, v->keys, v->count * KEY_BYTES);
    sodium_free(v->keys); /* sodium_free wipes the old block */
  }
  v->keys = keys;
  v->cap = cap;
  return CIVIC_OK;
}

static civic_status add_subject(civic_vault *v, const char *subject,
                                const unsigned char *key, int erased) {
  civic_status st;
  char *id;
  if (v->count == v->cap && (st = grow(v)) != CIVIC_OK)
    return st;
  id = strdup(subject);
  if (id == NULL)
    return civic_diag_set(&v->diag, CIVIC_E_NOMEM, "vault: out of memory");
  v->subjects[v->count].id = id;
  v->subjects[v->count].erased = erased;
  if (erased)
    sodium_memzero(v->keys + v->count * KEY_BYTES, KEY_BYTES);
  else
    memcpy(v->keys + v->count * KEY_BYTES, key, KEY_BYTES);
  v->count++;
  return CIVIC_OK;
}

/* ---- the vault file ---- */

static int write_all(int fd, const void *buf, size_t len,
                     crypto_generichash_state *h) {
  const unsigned char *p = buf;
  if (h != NULL)
    crypto_generichash_update(h, p, len);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Write the whole vault to a temporary file, fsync it, rename it over the
 * old one and fsync the directory: a crash leaves the old or the new set. */
static civic_status save(civic_vault *v) {
  char tmp[4096], dir[4096];
  crypto_generichash_state h;
  unsigned char sum[32];
  int fd, ok = 1;
  size_t i;
  char *slash;

  if (v->path == NULL)
    return CIVIC_OK;
  snprintf(tmp, sizeof tmp, "%s.tmp", v->path);
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return civic_diag_set(&v->diag, CIVIC_E_IO, "vault: cannot write %s: %s",
                          tmp, strerror(errno));
  crypto_generichash_init(&h, NULL, 0, sizeof sum);
  ok = write_all(fd, VAULT_MAGIC, sizeof VAULT_MAGIC, &h) == 0;
  for (i = 0; ok && i < v->count; i++) {
    size_t len = strlen(v->subjects[i].id);
    unsigned char head[3];
    head[0] = (unsigned char)(len >> 8);
    head[1] = (unsigned char)(len & 0xff);
    head[2] = v->subjects[i].erased ? 0 : 1;
    ok = write_all(fd, head, 2, &h) == 0 &&
         write_all(fd, v->subjects[i].id, len, &h) == 0 &&
         write_all(fd, head + 2, 1, &h) == 0 &&
         (v->subjects[i].erased ||
          write_all(fd, v->keys + i * KEY_BYTES, KEY_BYTES, &h) == 0);
  }
  crypto_generichash_final(&h, sum, sizeof sum);
  ok = ok && write_all(fd, sum, sizeof sum, NULL) == 0 && fsync(fd) == 0;
  if (close(fd) != 0)
    ok = 0;
  if (!ok || rename(tmp, v->path) != 0) {
    unlink(tmp);
    return civic_diag_set(&v->diag, CIVIC_E_IO, "vault: cannot write %s: %s",
                          v->path, strerror(errno));
  }
  snprintf(dir, sizeof dir, "%s", v->path);
  slash = strrchr(dir, '/');
  if (slash != NULL) {
    *slash = '\0';
    fd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else {
    fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  return CIVIC_OK;
}

static civic_status corrupt(civic_vault *v, const char *why) {
  return civic_diag_set(&v->diag, CIVIC_E_VAULT_CORRUPT, "vault %s: %s",
                        v->path, why);
}

/* Parse a vault file image; the key bytes are copied straight into secure
 * memory and the image is wiped by the caller. */
static civic_status parse(civic_vault *v, const unsigned char *buf,
                          size_t len) {
  unsigned char sum[32];
  size_t pos = sizeof VAULT_MAGIC, end;
  char id[SUBJECT_MAX + 1];
  civic_status st;

  if (len < sizeof VAULT_MAGIC + sizeof sum ||
      memcmp(buf, VAULT_MAGIC, sizeof VAULT_MAGIC) != 0)
    return corrupt(v, "not a libcivic vault");
  end = len - sizeof sum;
  crypto_generichash(sum, sizeof sum, buf, end, NULL, 0);
  if (sodium_memcmp(sum, buf + end, sizeof sum) != 0)
    return corrupt(v, "checksum mismatch");
  while (pos < end) {
    size_t idlen;
    int has_key;
    if (end - pos < 3)
      return corrupt(v, "truncated entry");
    idlen = ((size_t)buf[pos] << 8) | buf[pos + 1];
    if (idlen == 0 || idlen > SUBJECT_MAX || end - pos - 2 < idlen + 1)
      return corrupt(v, "bad subject length");
    memcpy(id, buf + pos + 2, idlen);
    id[idlen] = '\0';
    if (memchr(id, '\0', idlen) != NULL)
      return corrupt(v, "NUL in subject id");
    has_key = buf[pos + 2 + idlen];
    pos += 3 + idlen;
    if (has_key > 1 || (has_key && end - pos < KEY_BYTES))
      return corrupt(v, "bad key entry");
    if (find_subject(v, id) >= 0)
      return corrupt(v, "subject listed twice");
    st = add_subject(v, id, buf + pos, !has_key);
    if (st != CIVIC_OK)
      return st;
    if (has_key)
      pos += KEY_BYTES;
  }
  return CIVIC_OK;
}

static civic_status load(civic_vault *v) {
  struct stat sb;
  unsigned char *buf;
  civic_status st;
  ssize_t n;
  size_t got = 0;
  int fd = open(v->path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    return save(v); /* a new, empty vault */
  if (fd < 0)
    return civic_diag_set(&v->diag, CIVIC_E_IO, "vault: cannot open %s: %s",
                          v->path, strerror(errno));
  if (fstat(fd, &sb) != 0 || sb.st_size < 0 || sb.st_size > (1 << 30)) {
    close(fd);
    return corrupt(v, "unreadable size");
  }
  buf = sodium_malloc((size_t)sb.st_size + 1);
  if (buf == NULL) {
    close(fd);
    return civic_diag_set(&v->diag, CIVIC_E_NOMEM, "vault: out of memory");
  }
  while (got < (size_t)sb.st_size &&
         ((n = read(fd, buf + got, (size_t)sb.st_size - got)) > 0 ||
          (n < 0 && errno == EINTR)))
    if (n > 0)
      got += (size_t)n;
  close(fd);
  st = got == (size_t)sb.st_size
           ? parse(v, buf, got)
           : civic_diag_set(&v->diag, CIVIC_E_IO, "vault: short read of %s",
                            v->path);
  sodium_free(buf);
  return st;
}

/* ---- public API ---- */

civic_status civic_vault_new(civic_vault **out) {
  civic_vault *v;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if (civic_init() != CIVIC_OK)
    return CIVIC_E_NOMEM;
  v = calloc(1, sizeof *v);
  if (v == NULL)
    return CIVIC_E_NOMEM;
  *out = v;
  return CIVIC_OK;
}

civic_status civic_vault_open(civic_vault **out, const char *path) {
  civic_vault *v;
  civic_status st;
  if (out == NULL || path == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = civic_vault_new(&v);
  if (st != CIVIC_OK)
    return st;
  v->path = strdup(path);
  if (v->path == NULL) {
    civic_vault_free(v);
    return CIVIC_E_NOMEM;
  }
  st = load(v);
  if (st != CIVIC_OK) {
    civic_vault_free(v);
    return st;
  }
  *out = v;
  return CIVIC_OK;
}

void civic_vault_free(civic_vault *vault) {
  size_t i;
  if (vault == NULL)
    return;
  for (i = 0; i < vault->count; i++)
    free(vault->subjects[i].id);
  free(vault->subjects);
  if (vault->keys != NULL)
    sodium_free(vault->keys);
  free(vault->path);
  free(vault);
}

const char *civic_vault_errmsg(const civic_vault *vault) {
  return vault ? vault->diag.msg : "no vault";
}

static civic_status check_subject(civic_vault *v, const char *subject) {
  size_t len;
  if (subject == NULL)
    return civic_diag_set(&v->diag, CIVIC_E_INVALID_ARGUMENT,
                          "subject: must not be NULL");
  len = strlen(subject);
  if (len == 0 || len > SUBJECT_MAX)
    return civic_diag_set(&v->diag, CIVIC_E_OUT_OF_RANGE,
                          "subject: length must be 1..%d bytes", SUBJECT_MAX);
  return CIVIC_OK;
}

civic_status civic_vault_seal(civic_vault *vault, const char *subject,
                              const char *plaintext, char **sealed) {
  unsigned char nonce[NONCE_BYTES], *box;
  unsigned long long boxlen;
  size_t len, hexlen, prefix = sizeof SEAL_PREFIX - 1;
  long idx;
  civic_status st;
  char *text;

  if (vault == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&vault->diag);
  if (sealed == NULL || plaintext == NULL)
    return civic_diag_set(&vault->diag, CIVIC_E_INVALID_ARGUMENT,
                          "plaintext and sealed must not be NULL");
  *sealed = NULL;
  if ((st = check_subject(vault, subject)) != CIVIC_OK)
    return st;
  idx = find_subject(vault, subject);
  if (idx >= 0 && vault->subjects[idx].erased)
    return civic_diag_set(&vault->diag, CIVIC_E_SUBJECT_ERASED,
                          "subject '%s': erased; nothing new may be sealed",
                          subject);
  if (idx < 0) {
    unsigned char key[KEY_BYTES];
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    st = add_subject(vault, subject, key, 0);
    sodium_memzero(key, sizeof key);
    if (st == CIVIC_OK && (st = save(vault)) != CIVIC_OK) {
      vault->count--; /* all or nothing: forget the unsaved key */
      free(vault->subjects[vault->count].id);
      sodium_memzero(vault->keys + vault->count * KEY_BYTES, KEY_BYTES);
    }
    if (st != CIVIC_OK)
      return st;
    idx = (long)vault->count - 1;
  }
  len = strlen(plaintext);
  box = malloc(NONCE_BYTES + len + TAG_BYTES);
  hexlen = 2 * (NONCE_BYTES + len + TAG_BYTES);
  text = malloc(prefix + hexlen + 1);
  if (box == NULL || text == NULL) {
    free(box);
    free(text);
    return civic_diag_set(&vault->diag, CIVIC_E_NOMEM, "seal: out of memory");
  }
  randombytes_buf(nonce, sizeof nonce);
  memcpy(box, nonce, sizeof nonce);
  /* The subject id is the associated data: the sealed text only opens for
   * the subject it was made for. */
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      box + NONCE_BYTES, &boxlen, (const unsigned char *)plaintext, len,
      (const unsigned char *)subject, strlen(subject), NULL, nonce,
      vault->keys + (size_t)idx * KEY_BYTES);
  memcpy(text, SEAL_PREFIX, prefix);
  sodium_bin2hex(text + prefix, hexlen + 1, box, NONCE_BYTES + boxlen);
  free(box);
  *sealed = text;
  return CIVIC_OK;
}

civic_status civic_vault_unseal(civic_vault *vault, const char *subject,
                                const char *sealed, char **plaintext) {
  size_t prefix = sizeof SEAL_PREFIX - 1, hexlen, binlen;
  unsigned char *bin;
  unsigned long long outlen;
  char *out;
  long idx;
  civic_status st;

  if (vault == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&vault->diag);
  if (sealed == NULL || plaintext == NULL)
    return civic_diag_set(&vault->diag, CIVIC_E_INVALID_ARGUMENT,
                          "sealed and plaintext must not be NULL");
  *plaintext = NULL;
  if ((st = check_subject(vault, subject)) != CIVIC_OK)
    return st;
  idx = find_subject(vault, subject);
  if (idx < 0)
    return civic_diag_set(&vault->diag, CIVIC_E_UNKNOWN_REFERENCE,
                          "subject '%s': no key in this vault", subject);
  if (vault->subjects[idx].erased)
    return civic_diag_set(&vault->diag, CIVIC_E_SUBJECT_ERASED,
                          "subject '%s': key erased; data is unreadable",
                          subject);
  hexlen = strlen(sealed);
  if (hexlen < prefix || memcmp(sealed, SEAL_PREFIX, prefix) != 0 ||
      (hexlen - prefix) % 2 != 0 ||
      (hexlen - prefix) / 2 < NONCE_BYTES + TAG_BYTES)
    return civic_diag_set(&vault->diag, CIVIC_E_SEAL_INVALID,
                          "sealed: not a v1 sealed value");
  binlen = (hexlen - prefix) / 2;
  bin = malloc(binlen);
  out = malloc(binlen - NONCE_BYTES - TAG_BYTES + 1);
  if (bin == NULL || out == NULL) {
    free(bin);
    free(out);
    return civic_diag_set(&vault->diag, CIVIC_E_NOMEM, "unseal: out of memory");
  }
  if (sodium_hex2bin(bin, binlen, sealed + prefix, hexlen - prefix, NULL, NULL,
                     NULL) != 0 ||
      crypto_aead_xchacha20poly1305_ietf_decrypt(
          (unsigned char *)out, &outlen, NULL, bin + NONCE_BYTES,
          binlen - NONCE_BYTES, (const unsigned char *)subject, strlen(subject),
          bin, vault->keys + (size_t)idx * KEY_BYTES) != 0) {
    free(bin);
    free(out);
    return civic_diag_set(&vault->diag, CIVIC_E_SEAL_INVALID,
                          "sealed: does not open for subject '%s' (tampered "
                          "or sealed for another subject)",
                          subject);
  }
  free(bin);
  out[outlen] = '\0';
  *plaintext = out;
  return CIVIC_OK;
}

civic_status civic_vault_erase(civic_vault *vault, const char *subject) {
  civic_status st;
  long idx;
  if (vault == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&vault->diag);
  if ((st = check_subject(vault, subject)) != CIVIC_OK)
    return st;
  idx = find_subject(vault, subject);
  if (idx >= 0 && vault->subjects[idx].erased)
    return CIVIC_OK;
  if (idx < 0) {
    st = add_subject(vault, subject, NULL, 1);
    if (st != CIVIC_OK)
      return st;
    idx = (long)vault->count - 1;
  }
  vault->subjects[idx].erased = 1;
  sodium_memzero(vault->keys + (size_t)idx * KEY_BYTES, KEY_BYTES);
  /* Erasure is not undone if the write fails: the key is already gone from
   * memory, and a caller retrying erase will rewrite the file. */
  return save(vault);
}

int civic_vault_has_key(const civic_vault *vault, const char *subject) {
  long idx;
  if (vault == NULL || subject == NULL)
    return 0;
  idx = find_subject(vault, subject);
  return idx >= 0 && !vault->subjects[idx].erased;
}
