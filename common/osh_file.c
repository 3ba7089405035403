/* osh_file.c: whole-file reading (see osh_file.h). */
#include "osh_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

char *osh_file_read(const char *path, size_t max, size_t *len, char **error)
{
    *error = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *error = osh_str_printf("%s: %s", path, strerror(errno));
        return NULL;
    }
    osh_buf b = OSH_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len + n <= max)
        osh_buf_append(&b, chunk, n);
    if (n > 0)
        *error = osh_str_printf("%s: larger than %zu bytes", path, max);
    else if (ferror(f))
        *error = osh_str_printf("%s: read error", path);
    fclose(f);
    if (*error) {
        osh_buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    osh_buf_append_char(&b, '\0');
    return osh_buf_detach(&b);
}
