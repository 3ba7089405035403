/* fuzz_util.h: what every harness shares: NUL-terminated copies of the input and splitting
 * one input into two documents (at the first NUL byte), so a fuzzer can vary both. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd, NUL-terminated copy of len bytes (which may themselves contain NULs). */
static inline char *fuzz_strndup(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        abort();
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* Split at the first NUL: *first gets the bytes before it, *second those after (both
 * malloc'd and NUL-terminated; *second is "" when there is no NUL). */
static inline void fuzz_split(const uint8_t *data, size_t size, char **first, char **second)
{
    const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
    size_t a = nul ? (size_t)(nul - data) : size;
    *first = fuzz_strndup(data, a);
    *second = nul ? fuzz_strndup(nul + 1, size - a - 1) : fuzz_strndup(data, 0);
}

/* Abort with a message: the invariant checks must fail loudly under both drivers. */
#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#endif
