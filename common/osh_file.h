/* osh_file.h: whole files, the one way the kit reads them, and files only their owner may
 * read (kubeconfigs carry credentials). */
#ifndef OSH_FILE_H
#define OSH_FILE_H

#include <stddef.h>
#include <stdio.h>

/* The bytes of the file at path, NUL-terminated (malloc'd; *len, when given, is the size
 * without the NUL). A file larger than max bytes is refused, never truncated. On failure:
 * NULL, *error = "PATH: reason" (malloc'd) and errno saying why (ENOENT..., EFBIG when
 * over max), so callers can tell a missing file from an unreadable one. */
char *osh_file_read(const char *path, size_t max, size_t *len, char **error);

/* fopen(path, "w") but the file is mode 0600 whatever the umask, also when it existed
 * before with a wider mode. NULL with errno set on failure. */
FILE *osh_fopen_private(const char *path);

#endif
