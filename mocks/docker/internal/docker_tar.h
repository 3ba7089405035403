/* docker_tar.h: in-memory tar writing and reading (libarchive) for the Docker mock. */
#ifndef DOCKER_TAR_H
#define DOCKER_TAR_H

#include <stdbool.h>
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
    /* The buffer holding data: fn may take it over (move it out and leave it empty) instead
     * of copying the data. */
    osh_buf *content;
    bool skipped;        /* want said no: data is empty, size is the entry's */
    int64_t size;
} dk_tar_entry;

/* How much an archive is read by (bytes held at once besides the entry being read). */
#define DK_TAR_BLOCK ((size_t)64 << 10)

/* Whether to read the data of the entry name of size bytes (else it is skipped unread). */
typedef bool (*dk_tar_want_fn)(void *ctx, const char *name, int64_t size);

/* Called per entry; return non-zero (with *error set) to stop. */
typedef int (*dk_tar_entry_fn)(void *ctx, const dk_tar_entry *e, char **error);

/* Reads every entry of a tar in memory. Returns 0, or -1 with a malloc'd *error
 * ("unexpected EOF" for a cut or non-tar input, or what fn reported). */
int dk_tar_read(const void *data, size_t len, dk_tar_entry_fn fn, void *ctx, char **error);
/* The same from a file (a spooled upload of len bytes), read DK_TAR_BLOCK at a time; want
 * (NULL = every entry) chooses the entries whose data is read. */
int dk_tar_read_fd(int fd, size_t len, dk_tar_want_fn want, dk_tar_entry_fn fn, void *ctx,
                   char **error);

#endif
