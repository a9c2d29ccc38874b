/* Standalone driver: replays corpus files through a harness's
 * LLVMFuzzerTestOneInput without libFuzzer, so the committed corpora run as
 * regression tests in every ctest (any compiler, no sanitizer needed).
 *
 *   replay_<name> FILE_OR_DIR...
 *
 * Directories are read one level deep, in sorted order. An invariant
 * violation aborts (ctest reports the crash); otherwise prints a count. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_support.h"

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  long n;
  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    if (f != NULL)
      fclose(f);
    return -1;
  }
  buf = malloc((size_t)n + 1);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  (void)LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  if (d == NULL) {
    fprintf(stderr, "replay: cannot open %s\n", dir);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL)
        abort();
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (n > 0)
    qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(len);
    struct stat st;
    if (path == NULL)
      abort();
    snprintf(path, len, "%s/%s", dir, names[i]);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      fprintf(stderr, "replay: %s\n", path);
      if (replay_file(path) != 0)
        rc = -1;
      else
        (*count)++;
    }
    free(path);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  size_t count = 0;
  int rc = 0;
  struct stat st;
  /* An empty input first: every harness must cope with it. */
  (void)LLVMFuzzerTestOneInput((const unsigned char *)"", 0);
  for (int i = 1; i < argc; i++) {
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      if (replay_dir(argv[i], &count) != 0)
        rc = 1;
    } else if (replay_file(argv[i]) != 0) {
      rc = 1;
    } else {
      count++;
    }
  }
  printf("replayed %zu inputs\n", count);
  return rc;
}
