/* osh_file.c: whole-file reading and private files (see osh_file.h). */
#include "osh_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_str.h"

char *osh_file_read(const char *path, size_t max, size_t *len, char **error)
{
    *error = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int why = errno;
        *error = osh_str_printf("%s: %s", path, strerror(why));
        errno = why;
        return NULL;
    }
    osh_buf b = OSH_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len + n <= max)
        osh_buf_append(&b, chunk, n);
    int why = 0;
    if (n > 0) {
        why = EFBIG;
        *error = osh_str_printf("%s: larger than %zu bytes", path, max);
    } else if (ferror(f)) {
        why = errno ? errno : EIO;
        *error = osh_str_printf("%s: %s", path, strerror(why));
    }
    fclose(f);
    if (*error) {
        osh_buf_free(&b);
        errno = why;
        return NULL;
    }
    if (len)
        *len = b.len;
    osh_buf_append_char(&b, '\0');
    return osh_buf_detach(&b);
}

FILE *osh_fopen_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return f;
}
