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

int dk_tar_read(const void *data, size_t len, dk_tar_entry_fn fn, void *ctx, char **error)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        /* An empty body is an empty archive, as Go's tar reader sees it. */
        if (len != 0) {
            *error = osh_str_printf("%s", archive_error_string(a) ? archive_error_string(a) : "unexpected EOF");
            rc = -1;
        }
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *e;
    int r;
    osh_buf content = OSH_BUF_INIT;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        osh_buf_reset(&content);
        char buf[16384];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            osh_buf_append(&content, buf, (size_t)n);
        if (n < 0) {
            *error = osh_str_dup("unexpected EOF");
            rc = -1;
            break;
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
        };
        if (fn(ctx, &entry, error) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF) {
        *error = osh_str_dup("unexpected EOF");
        rc = -1;
    }
    osh_buf_free(&content);
    archive_read_free(a);
    return rc;
}
