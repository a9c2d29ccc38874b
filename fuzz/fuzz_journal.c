/* fuzz_journal: bytes as a journal file. civic_ledger_verify_file must
 * never modify the file and always produce a report; when it says the
 * journal is good, civic_ledger_open must succeed and reach the same state
 * hash. Neither may crash, leak or hang on any bytes (torn tails, bad
 * checksums, broken hash links, bogus lengths). Seeds in
 * fuzz/corpus/journal/ are real journals written by the library. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"

static void write_file(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    fz_fail("journal: cannot write %s", path);
}

static bool file_equals(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = malloc(size + 1);
  size_t n;
  bool same;
  if (f == NULL || buf == NULL)
    abort();
  n = fread(buf, 1, size + 1, f);
  fclose(f);
  same = n == size && (size == 0 || memcmp(buf, data, size) == 0);
  free(buf);
  return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[128];
  char *report = NULL, hash[65];
  civic_ledger *l = NULL;
  civic_status vst, ost;
  json_t *rep;
  bool verified;
  if (size > (1u << 20))
    return 0;
  snprintf(path, sizeof path, "/tmp/civic-fuzz-journal-%ld.bin",
           (long)getpid());
  write_file(path, data, size);

  vst = civic_ledger_verify_file(path, &report);
  FZ_CHECK(file_equals(path, data, size), "journal: verify modified the file");
  FZ_CHECK(report != NULL, "journal: verify (%s) gave no report",
           civic_status_name(vst));
  rep = json_loads(report, 0, NULL);
  FZ_CHECK(json_is_object(rep), "journal: verify report is not JSON: %s",
           report);
  verified = json_is_true(json_object_get(rep, "ok"));
  FZ_CHECK(verified == (vst == CIVIC_OK),
           "journal: verify status %s disagrees with its report %s",
           civic_status_name(vst), report);

  ost = civic_ledger_open(&l, path);
  if (verified) {
    FZ_CHECK(ost == CIVIC_OK, "journal: verified journal does not open: %s",
             civic_status_name(ost));
    FZ_CHECK(civic_ledger_state_hash_hex(l, hash) == CIVIC_OK, "hash");
    FZ_CHECK(strcmp(hash, fz_str(rep, "state_hash")) == 0,
             "journal: open and verify reach different state hashes");
  }
  if (ost != CIVIC_OK)
    FZ_CHECK(l == NULL, "journal: failed open returned a ledger");
  civic_ledger_free(l);
  json_decref(rep);
  civic_free(report);
  unlink(path);
  return 0;
}
