/* conf_diff.c: longest-common-subsequence line diff (see conf_diff.h). */
#include "conf_diff.h"

#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

typedef struct lines {
    char **v;
    int n;
    char *store;
} lines;

static lines split_lines(const char *text)
{
    lines l = {NULL, 0, osh_str_dup(text)};
    size_t len = strlen(l.store);
    if (len && l.store[len - 1] == '\n')
        l.store[len - 1] = '\0'; /* a final newline does not make an extra empty line */
    for (char *p = l.store;;) {
        l.v = realloc(l.v, sizeof *l.v * (size_t)(l.n + 1));
        l.v[l.n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return l;
}

static void free_lines(lines *l)
{
    free(l->v);
    free(l->store);
}

char *conf_diff_lines(const char *expected, const char *actual)
{
    lines a = split_lines(expected ? expected : "");
    lines b = split_lines(actual ? actual : "");
    osh_buf out = OSH_BUF_INIT;
    if (a.n > 2000 || b.n > 2000) {
        for (int i = 0; i < a.n; i++)
            osh_buf_appendf(&out, "- %s\n", a.v[i]);
        for (int i = 0; i < b.n; i++)
            osh_buf_appendf(&out, "+ %s\n", b.v[i]);
        free_lines(&a);
        free_lines(&b);
        return osh_buf_detach(&out);
    }
    /* lcs[i][j] = LCS length of a[i..] and b[j..] */
    int w = b.n + 1;
    int *lcs = calloc((size_t)(a.n + 1) * (size_t)w, sizeof *lcs);
    for (int i = a.n - 1; i >= 0; i--)
        for (int j = b.n - 1; j >= 0; j--)
            lcs[i * w + j] = strcmp(a.v[i], b.v[j]) == 0 ? lcs[(i + 1) * w + j + 1] + 1
                             : lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
                                                                          : lcs[i * w + j + 1];
    int i = 0, j = 0;
    while (i < a.n || j < b.n) {
        if (i < a.n && j < b.n && strcmp(a.v[i], b.v[j]) == 0) {
            osh_buf_appendf(&out, "  %s\n", a.v[i]);
            i++;
            j++;
        } else if (i < a.n && (j == b.n || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
            osh_buf_appendf(&out, "- %s\n", a.v[i++]); /* expected lines first, as diff -u does */
        } else {
            osh_buf_appendf(&out, "+ %s\n", b.v[j++]);
        }
    }
    free(lcs);
    free_lines(&a);
    free_lines(&b);
    return out.data ? osh_buf_detach(&out) : osh_str_dup("");
}
