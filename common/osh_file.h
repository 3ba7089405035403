/* osh_file.h: reading a whole file into memory, the one way the kit does it. */
#ifndef OSH_FILE_H
#define OSH_FILE_H

#include <stddef.h>

/* The bytes of the file at path, NUL-terminated (malloc'd; *len, when given, is the size
 * without the NUL). A file larger than max bytes is refused, never truncated. On failure:
 * NULL and *error = "PATH: reason" (malloc'd). */
char *osh_file_read(const char *path, size_t max, size_t *len, char **error);

#endif
