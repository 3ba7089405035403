/* k3s_filters.c: the filters a pipe in the simulated container may end in (see
 * k3s_filters.h). grep uses POSIX regular expressions from the C library. */
#include "k3s_filters.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

bool k3s_filter_is(const char *name)
{
    const char *filters[] = {"head", "tail", "grep", "wc", "sort", "cat"};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
        if (strcmp(name, filters[i]) == 0)
            return true;
    return false;
}

typedef struct lines {
    char **v;
    size_t n;
} lines;

static lines split_lines(const char *text)
{
    lines l = {NULL, 0};
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        l.v = realloc(l.v, (l.n + 1) * sizeof(char *));
        l.v[l.n++] = osh_str_ndup(p, len);
        p += len + (nl ? 1 : 0);
    }
    return l;
}

static void free_lines(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* -n N, -nN or -N (default 10). */
static long count_arg(const char *const *w, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (strcmp(w[i], "-n") == 0 && i + 1 < n)
            return atol(w[i + 1]);
        if (osh_str_starts_with(w[i], "-n"))
            return atol(w[i] + 2);
        if (w[i][0] == '-' && w[i][1] >= '0' && w[i][1] <= '9')
            return atol(w[i] + 1);
    }
    return 10;
}

static int compare_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int grep_lines(const lines *l, const char *const *w, size_t n, osh_buf *out, osh_buf *err)
{
    bool invert = false, quiet = false, count = false, icase = false, extended = false, fixed = false;
    const char *pattern = NULL;
    for (size_t i = 1; i < n; i++) {
        if (w[i][0] == '-' && w[i][1] && !pattern) {
            for (const char *f = w[i] + 1; *f; f++) {
                invert |= *f == 'v', quiet |= *f == 'q', count |= *f == 'c';
                icase |= *f == 'i', extended |= *f == 'E', fixed |= *f == 'F';
            }
        } else if (!pattern) {
            pattern = w[i];
        }
    }
    if (!pattern) {
        osh_buf_append_str(err, "Usage: grep [OPTION]... PATTERNS [FILE]...\n");
        return 2;
    }
    regex_t re;
    if (!fixed && regcomp(&re, pattern, REG_NOSUB | (extended ? REG_EXTENDED : 0) | (icase ? REG_ICASE : 0)) != 0) {
        osh_buf_appendf(err, "grep: Invalid regular expression\n");
        return 2;
    }
    size_t hits = 0;
    for (size_t i = 0; i < l->n; i++) {
        bool match = fixed ? strstr(l->v[i], pattern) != NULL : regexec(&re, l->v[i], 0, NULL, 0) == 0;
        if (match == invert)
            continue;
        hits++;
        if (!quiet && !count)
            osh_buf_appendf(out, "%s\n", l->v[i]);
    }
    if (!fixed)
        regfree(&re);
    if (count && !quiet)
        osh_buf_appendf(out, "%zu\n", hits);
    return hits ? 0 : 1;
}

int k3s_filter_run(const k3s_shell_env *env, const char *const *w, size_t n, const char *input, osh_buf *out,
                      osh_buf *err)
{
    if (strcmp(w[0], "cat") == 0 && n > 1) {
        int rc = 0;
        for (size_t i = 1; i < n; i++) {
            size_t len = 0;
            char *data = env->read_file ? env->read_file(env->user, w[i], &len) : NULL;
            if (!data) {
                osh_buf_appendf(err, "cat: %s: No such file or directory\n", w[i]);
                rc = 1;
                continue;
            }
            osh_buf_append(out, data, len);
            free(data);
        }
        return rc;
    }
    lines l = split_lines(input ? input : "");
    int rc = 0;
    if (strcmp(w[0], "head") == 0 || strcmp(w[0], "tail") == 0) {
        size_t k = (size_t)count_arg(w, n);
        size_t from = strcmp(w[0], "head") == 0 ? 0 : (l.n > k ? l.n - k : 0);
        for (size_t i = from; i < l.n && i < from + k; i++)
            osh_buf_appendf(out, "%s\n", l.v[i]);
    } else if (strcmp(w[0], "grep") == 0) {
        rc = grep_lines(&l, w, n, out, err);
    } else if (strcmp(w[0], "wc") == 0) {
        osh_buf_appendf(out, "%zu\n", l.n);
    } else if (strcmp(w[0], "sort") == 0) {
        if (l.n)
            qsort(l.v, l.n, sizeof(char *), compare_lines);
        for (size_t i = 0; i < l.n; i++)
            osh_buf_appendf(out, "%s\n", l.v[i]);
    } else {
        osh_buf_append_str(out, input ? input : "");
    }
    free_lines(&l);
    return rc;
}

