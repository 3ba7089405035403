/* osh_buf.c: growable byte buffer (see osh_buf.h). */
#include "osh_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void buf_reserve(osh_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        abort();
    b->data = p;
    b->cap = cap;
}

void osh_buf_append(osh_buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void osh_buf_append_str(osh_buf *b, const char *s) { osh_buf_append(b, s, strlen(s)); }

void osh_buf_append_char(osh_buf *b, char c) { osh_buf_append(b, &c, 1); }

void osh_buf_vappendf(osh_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        abort();
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void osh_buf_appendf(osh_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    osh_buf_vappendf(b, fmt, ap);
    va_end(ap);
}

const char *osh_buf_str(const osh_buf *b) { return b->data ? b->data : ""; }

void osh_buf_consume(osh_buf *b, size_t n)
{
    if (n >= b->len) {
        osh_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void osh_buf_reset(osh_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *osh_buf_detach(osh_buf *b)
{
    char *p = b->data;
    if (!p) {
        p = malloc(1);
        if (!p)
            abort();
        p[0] = '\0';
    }
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void osh_buf_free(osh_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
