/* osh_str.c: string helpers (see osh_str.h). */
#include "osh_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

void osh_str_trim_bounds(const char *s, size_t *start, size_t *len)
{
    size_t b = 0, e = strlen(s);
    while (b < e && is_space(s[b]))
        b++;
    while (e > b && is_space(s[e - 1]))
        e--;
    *start = b;
    *len = e - b;
}

char *osh_str_trim_dup(const char *s)
{
    size_t start, len;
    osh_str_trim_bounds(s, &start, &len);
    return osh_str_ndup(s + start, len);
}

bool osh_str_starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

const char *osh_str_after(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

const char *osh_str_skip_prefix(const char *s, const char *prefix)
{
    const char *rest = osh_str_after(s, prefix);
    return rest ? rest : s;
}

bool osh_str_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

char *osh_str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    return out;
}

char *osh_str_dup(const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

char *osh_str_ndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        abort();
    return p;
}

bool osh_str_ieq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

void osh_str_list_push(char ***list, size_t *n, char *item)
{
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        abort();
    grown[(*n)++] = item;
    *list = grown;
}

void osh_str_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}
