/* conf_argv.c: shell-like word splitting for --impl (see conf_argv.h). */
#include "conf_argv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

static void push_word(char ***words, int *n, osh_buf *w)
{
    *words = realloc(*words, sizeof **words * (size_t)(*n + 2));
    (*words)[(*n)++] = w->data ? osh_buf_detach(w) : osh_str_dup("");
    (*words)[*n] = NULL;
}

char **conf_argv_split(const char *line, int *count, char **error)
{
    char **words = NULL;
    int n = 0;
    osh_buf w = OSH_BUF_INIT;
    bool in_word = false;
    const char *p = line ? line : "";
    while (*p) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word)
                push_word(&words, &n, &w);
            in_word = false;
            p++;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                *error = osh_str_dup("--impl: unterminated single quote");
                goto fail;
            }
            osh_buf_append(&w, p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else if (c == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                    p++;
                osh_buf_append_char(&w, *p++);
            }
            if (*p != '"') {
                *error = osh_str_dup("--impl: unterminated double quote");
                goto fail;
            }
            p++;
        } else if (c == '\\') {
            if (!p[1]) {
                *error = osh_str_dup("--impl: trailing backslash");
                goto fail;
            }
            osh_buf_append_char(&w, p[1]);
            p += 2;
        } else {
            osh_buf_append_char(&w, c);
            p++;
        }
    }
    if (in_word)
        push_word(&words, &n, &w);
    if (n == 0) {
        *error = osh_str_dup("--impl: empty command");
        goto fail;
    }
    *count = n;
    return words;
fail:
    osh_buf_free(&w);
    if (words)
        words[n] = NULL;
    conf_argv_free(words);
    return NULL;
}

void conf_argv_free(char **words)
{
    if (!words)
        return;
    for (char **p = words; *p; p++)
        free(*p);
    free(words);
}
