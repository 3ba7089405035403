/* docker_tar.c: writing and reading tar streams in memory with libarchive (container archive
 * endpoints, image save/load). */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_tar.h"
#include "osh_str.h"

struct dk_tar_writer {
    struct archive *a;
    osh_buf *out;
};

static la_ssize_t write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
    osh_buf_append(((dk_tar_writer *)ctx)->out, buf, len);
    return (la_ssize_t)len;
}

dk_tar_writer *dk_tar_writer_new(osh_buf *out)
{
    dk_tar_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->out = out;
    w->a = archive_write_new();
    archive_write_set_format_pax_restricted(w->a);
    archive_write_set_bytes_in_last_block(w->a, 1);
    archive_write_open(w->a, w, NULL, write_cb, NULL);
    return w;
}

static void add(dk_tar_writer *w, const char *name, unsigned type, unsigned mode, int64_t mtime,
                const void *data, size_t len, const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode & 07777);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
    if (link && type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    else if (link)
        archive_entry_set_hardlink(e, link);
    archive_write_header(w->a, e);
    if (type == AE_IFREG && len)
        archive_write_data(w->a, data, len);
    archive_entry_free(e);
}

void dk_tar_add_file(dk_tar_writer *w, const char *name, unsigned mode, int64_t mtime,
                     const void *data, size_t len)
{
    add(w, name, AE_IFREG, mode, mtime, data, len, NULL);
}

void dk_tar_add_dir(dk_tar_writer *w, const char *name, unsigned mode, int64_t mtime)
{
    char *with_slash = osh_str_ends_with(name, "/") ? osh_str_dup(name) : osh_str_printf("%s/", name);
    add(w, with_slash, AE_IFDIR, mode, mtime, NULL, 0, NULL);
    free(with_slash);
}

void dk_tar_add_symlink(dk_tar_writer *w, const char *name, const char *target, int64_t mtime)
{
    add(w, name, AE_IFLNK, 0777, mtime, NULL, 0, target);
}

void dk_tar_add_hardlink(dk_tar_writer *w, const char *name, const char *target, int64_t mtime)
{
    add(w, name, AE_IFREG, 0644, mtime, NULL, 0, target);
}

void dk_tar_finish(dk_tar_writer *w)
{
    archive_write_close(w->a);
    archive_write_free(w->a);
    free(w);
}

/* Go's archive/tar texts, which dockerd reports (checked on dockerd 20.10): a header block
 * that is there but not a header, and any input cut short. */
#define GO_TAR_INVALID_HEADER "archive/tar: invalid tar header"
#define GO_UNEXPECTED_EOF "unexpected EOF"

/* Each entry: its data read when want says so (NULL = always), then fn. Returns 0 or -1 with
 * *error. As Go's tar reader: an archive may end without its end blocks; an entry whose data
 * is complete may lose its padding; an entry cut inside its data reaches fn with what there
 * is (dockerd writes those bytes), then the read fails. */
static int read_entries(struct archive *a, dk_tar_want_fn want, dk_tar_entry_fn fn, void *ctx,
                        char **error)
{
    struct archive_entry *e;
    int r, rc = 0;
    bool cut = false;
    osh_buf content = OSH_BUF_INIT;
    while (!cut && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        osh_buf_reset(&content);
        int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        bool read = !want || want(ctx, archive_entry_pathname(e), size);
        la_ssize_t n = 0;
        if (read) {
            /* block by block (archive_read_data would drop the bytes of a cut entry) into
             * the buffer the entry's consumer may take over */
            const void *block;
            size_t got;
            la_int64_t at;
            while ((n = archive_read_data_block(a, &block, &got, &at)) == ARCHIVE_OK) {
                while ((la_int64_t)content.len < at) /* a sparse hole */
                    osh_buf_append_char(&content, '\0');
                osh_buf_append(&content, block, got);
            }
            n = n == ARCHIVE_EOF ? 0 : -1;
        } else {
            n = archive_read_data_skip(a) == ARCHIVE_OK ? 0 : -1;
        }
        if (n < 0) {
            /* libarchive also wants the padding after the data; Go does not */
            cut = true;
            r = read && (int64_t)content.len >= size ? ARCHIVE_EOF : ARCHIVE_FATAL;
        }
        dk_tar_entry entry = {
            .name = archive_entry_pathname(e),
            .type = archive_entry_hardlink(e)               ? 'h'
                    : archive_entry_filetype(e) == AE_IFDIR ? 'd'
                    : archive_entry_filetype(e) == AE_IFLNK ? 'l'
                    : archive_entry_filetype(e) == AE_IFREG ? 'f' : '?',
            .mode = (unsigned)archive_entry_perm(e),
            .mtime = archive_entry_mtime(e),
            .data = content.data ? content.data : "",
            .len = content.len,
            .link = archive_entry_hardlink(e) ? archive_entry_hardlink(e) : archive_entry_symlink(e),
            .content = &content,
            .skipped = !read,
            .size = size,
        };
        if (fn(ctx, &entry, error) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF) {
        /* a whole block that fails its checksum is RETRY ("Damaged tar archive") */
        *error = osh_str_dup(r == ARCHIVE_RETRY ? GO_TAR_INVALID_HEADER : GO_UNEXPECTED_EOF);
        rc = -1;
    }
    osh_buf_free(&content);
    return rc;
}

/* An archive that would not open (not a tar): an empty body is an empty archive, as Go's
 * tar reader sees it; less than a block is cut short; a block that is no header is invalid. */
static int open_failed(struct archive *a, size_t len, char **error)
{
    int rc = 0;
    if (len != 0) {
        *error = osh_str_dup(len < 512 ? GO_UNEXPECTED_EOF : GO_TAR_INVALID_HEADER);
        rc = -1;
    }
    archive_read_free(a);
    return rc;
}

int dk_tar_read(const void *data, size_t len, dk_tar_entry_fn fn, void *ctx, char **error)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
        return open_failed(a, len, error);
    int rc = read_entries(a, NULL, fn, ctx, error);
    archive_read_free(a);
    return rc;
}

int dk_tar_read_fd(int fd, size_t len, dk_tar_want_fn want, dk_tar_entry_fn fn, void *ctx,
                   char **error)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (len == 0 || archive_read_open_fd(a, fd, DK_TAR_BLOCK) != ARCHIVE_OK)
        return open_failed(a, len, error);
    int rc = read_entries(a, want, fn, ctx, error);
    archive_read_free(a);
    return rc;
}
