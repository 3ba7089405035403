/* osh_args.c: table-driven flag parsing and the help lines of the same table (osh_args.h). */
#include "osh_args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

static bool names(const char *name, const char *arg, size_t len)
{
    return name && strlen(name) == len && strncmp(name, arg, len) == 0;
}

static const osh_arg_flag *find_flag(const osh_arg_flag *flags, const char *arg, size_t len)
{
    for (const osh_arg_flag *f = flags; f->long_name; f++)
        if (names(f->long_name, arg, len) || names(f->short_name, arg, len))
            return f;
    return NULL;
}

const osh_arg_flag *osh_args_take(int argc, char **argv, int *i, const osh_arg_flag *flags,
                                  const osh_args_texts *texts, const char **value, char **error)
{
    const char *a = argv[*i];
    /* only a long flag carries its value after '=' ("-n=5" is no flag) */
    const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
    const osh_arg_flag *f = find_flag(flags, a, eq ? (size_t)(eq - a) : strlen(a));
    *value = NULL;
    if (!f) {
        *error = osh_str_printf(texts->unknown, a);
        return NULL;
    }
    if (!f->value_name) {
        if (eq) {
            *error = osh_str_printf(texts->takes_no_value, a);
            return NULL;
        }
        return f;
    }
    if (eq) {
        *value = eq + 1;
        return f;
    }
    if (*i + 1 >= argc) {
        *error = osh_str_printf(texts->needs_value, f->long_name);
        return NULL;
    }
    *value = argv[++*i];
    return f;
}

void osh_args_help(osh_buf *out, const osh_arg_flag *flags, int column)
{
    for (const osh_arg_flag *f = flags; f->long_name; f++) {
        if (!f->help)
            continue;
        size_t start = out->len;
        osh_buf_appendf(out, "  %s%s%s", f->long_name, f->value_name ? " " : "", f->value_name ? f->value_name : "");
        int width = (int)(out->len - start);
        if (width > column - 2) /* keep two blanks before the text */
            osh_buf_appendf(out, "\n%*s", column, "");
        else
            osh_buf_appendf(out, "%*s", column - width, "");
        for (const char *line = f->help; *line;) {
            const char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            osh_buf_append(out, line, n);
            osh_buf_append_char(out, '\n');
            line += n + (nl != NULL);
            if (*line)
                osh_buf_appendf(out, "%*s", column, "");
        }
    }
}

int osh_args_int(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
