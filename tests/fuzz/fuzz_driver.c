/* fuzz_driver.c: the main() of a harness in the default (non-libFuzzer) build: it replays every
 * file of the directories (and files) given as arguments through LLVMFuzzerTestOneInput, so
 * the seed corpus and the regression inputs run as an ordinary ctest under the sanitizers. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"
#include "osh_file.h"

/* Corpus and regression inputs are a few KiB; the limit only stops a mistaken path. */
#define FUZZ_INPUT_MAX ((size_t)16 * 1024 * 1024)

static int run_file(const char *path)
{
    char *error = NULL;
    size_t len = 0;
    char *buf = osh_file_read(path, FUZZ_INPUT_MAX, &len, &error);
    if (!buf) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return -1;
    }
    /* An exact-size copy, so ASan catches reads one byte past the input as libFuzzer would. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact)
        abort();
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs the files of dir in name order; returns the count, or -1. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (count + 1) * sizeof *names);
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name);
    int ran = 0;
    for (size_t i = 0; i < count; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(plen);
        snprintf(path, plen, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) == 0)
            ran++;
        free(path);
        free(names[i]);
    }
    free(names);
    return ran;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue; /* a target without regressions has no directory */
        int n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0;
        if (n < 0) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        printf("%s: %d inputs\n", argv[i], n);
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "no inputs replayed: the seed corpus is missing\n");
        return 1;
    }
    printf("replayed %d inputs\n", total);
    return 0;
}
