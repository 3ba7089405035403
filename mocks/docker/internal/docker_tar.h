/* docker_tar.h: in-memory tar writing and reading (libarchive) for the Docker mock. */
#ifndef DOCKER_TAR_H
#define DOCKER_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "osh_buf.h"

typedef struct dk_tar_writer dk_tar_writer;

/* A pax-restricted (ustar when possible) tar appended to out. */
dk_tar_writer *dk_tar_writer_new(osh_buf *out);
void dk_tar_add_file(dk_tar_writer *w, const char *name, unsigned mode, int64_t mtime,
                     const void *data, size_t len);
void dk_tar_add_dir(dk_tar_writer *w, const char *name, unsigned mode, int64_t mtime);
void dk_tar_add_symlink(dk_tar_writer *w, const char *name, const char *target, int64_t mtime);
/* A hard link entry: target is the name of an earlier entry (or any path, for tests). */
void dk_tar_add_hardlink(dk_tar_writer *w, const char *name, const char *target, int64_t mtime);
/* Writes the end-of-archive blocks and frees the writer. */
void dk_tar_finish(dk_tar_writer *w);

typedef struct dk_tar_entry {
    const char *name;
    char type;           /* 'f', 'd', 'l' symlink, 'h' hard link, '?' (anything else) */
    unsigned mode;
    int64_t mtime;
    const char *data;
    size_t len;
    const char *link;    /* 'l': the symlink's target; 'h': the name it links to */
} dk_tar_entry;

/* Called per entry; return non-zero (with *error set) to stop. */
typedef int (*dk_tar_entry_fn)(void *ctx, const dk_tar_entry *e, char **error);

/* Reads every entry of a tar in memory. Returns 0, or -1 with a malloc'd *error
 * ("unexpected EOF" for a cut or non-tar input, or what fn reported). */
int dk_tar_read(const void *data, size_t len, dk_tar_entry_fn fn, void *ctx, char **error);

#endif
