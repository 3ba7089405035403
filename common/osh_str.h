/* osh_str.h: small string helpers the C library lacks. */
#ifndef OSH_STR_H
#define OSH_STR_H

#include <stdbool.h>
#include <stddef.h>

/* A malloc'd copy of s with ASCII whitespace removed at both ends. */
char *osh_str_trim_dup(const char *s);
/* The bounds of s without surrounding ASCII whitespace (no allocation). */
void osh_str_trim_bounds(const char *s, size_t *start, size_t *len);
bool osh_str_starts_with(const char *s, const char *prefix);
bool osh_str_ends_with(const char *s, const char *suffix);
/* What follows prefix in s, or NULL when s does not start with it: `osh_str_after(url,
 * "unix://")` rather than `url + 7`, so no prefix length is ever written as a number. */
const char *osh_str_after(const char *s, const char *prefix);
/* s without prefix when it starts with it, else s itself ("sha256:HEX" and "HEX" -> "HEX"). */
const char *osh_str_skip_prefix(const char *s, const char *prefix);
/* asprintf that aborts on allocation failure instead of returning -1. */
char *osh_str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strdup that aborts on allocation failure; NULL in gives NULL out. */
char *osh_str_dup(const char *s);
char *osh_str_ndup(const char *s, size_t n);
/* Case-insensitive ASCII equality. */
bool osh_str_ieq(const char *a, const char *b);
/* A list of n malloc'd strings: append item (the list owns it from then on; aborts when out
 * of memory), and free every string and the list. */
void osh_str_list_push(char ***list, size_t *n, char *item);
void osh_str_list_free(char **list, size_t n);

#endif
