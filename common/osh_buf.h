/* osh_buf.h: a growable byte buffer, always NUL-terminated so it can be used as a string.
 *
 * A zeroed osh_buf is a valid empty buffer (OSH_BUF_INIT). Allocation failure aborts:
 * the kit is a test tool and a half-built buffer would only produce misleading results. */
#ifndef OSH_BUF_H
#define OSH_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct osh_buf {
    char *data;   /* NUL-terminated; NULL while nothing was ever appended */
    size_t len;   /* bytes used, not counting the terminator */
    size_t cap;   /* bytes allocated */
} osh_buf;

#define OSH_BUF_INIT {NULL, 0, 0}

void osh_buf_append(osh_buf *b, const void *data, size_t len);
void osh_buf_append_str(osh_buf *b, const char *s);
void osh_buf_append_char(osh_buf *b, char c);
void osh_buf_appendf(osh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void osh_buf_vappendf(osh_buf *b, const char *fmt, va_list ap);
/* The contents as a string: "" for an empty buffer, never NULL. */
const char *osh_buf_str(const osh_buf *b);
/* Drop the first n bytes (n > len drops everything). */
void osh_buf_consume(osh_buf *b, size_t n);
void osh_buf_reset(osh_buf *b);
/* Hand the allocation to the caller (a malloc'd, NUL-terminated string) and empty the buffer. */
char *osh_buf_detach(osh_buf *b);
void osh_buf_free(osh_buf *b);

#endif
