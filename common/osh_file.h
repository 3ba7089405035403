/* osh_file.h: files only their owner may read (kubeconfigs carry credentials). */
#ifndef OSH_FILE_H
#define OSH_FILE_H

#include <stdio.h>

/* fopen(path, "w") but the file is mode 0600 whatever the umask, also when it existed
 * before with a wider mode. NULL with errno set on failure. */
FILE *osh_fopen_private(const char *path);

#endif
