/* docker_archive_put.c: PUT /containers/{c}/archive as dockerd 20.10's chrooted Unpack does
 * it over the container's in-memory tree: entries applied in order until the first error (the
 * ones before it stay), names cleaned and kept inside the destination, symlinks inside the
 * container followed, hard links checked and copied, noOverwriteDirNonDir. Texts and
 * behaviour checked on the real dockerd (docs/docker-fidelity.md, "Archive PUT"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "docker_tar.h"
#include "osh_str.h"

typedef struct unpack {
    dk_container *c;
    const char *dest;       /* resolved, normalized: "/" or "/a/b" */
    bool no_overwrite_dir_non_dir;
} unpack;

/* Go's filepath.Clean of a tar entry name: ".." that cannot be cancelled stays in front. */
static char *clean_name(const char *name)
{
    bool rooted = name[0] == '/';
    char *copy = osh_str_dup(name), *save = NULL;
    const char **parts = NULL;
    size_t n = 0;
    for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0)
            continue;
        if (strcmp(p, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
            n--;
            continue;
        }
        if (strcmp(p, "..") == 0 && rooted)
            continue;
        DK_GROW(parts, n);
        parts[n++] = p;
    }
    osh_buf out = OSH_BUF_INIT;
    if (rooted)
        osh_buf_append_char(&out, '/');
    for (size_t i = 0; i < n; i++)
        osh_buf_appendf(&out, "%s%s", i ? "/" : "", parts[i]);
    if (out.len == 0)
        osh_buf_append_char(&out, '.');
    free(parts);
    free(copy);
    return osh_buf_detach(&out);
}

/* filepath.Join(dir, name), cleaned; ".." stops at the root as in a chroot. */
static char *join(const char *dir, const char *name)
{
    char *joined = osh_str_printf("%s/%s", dir, name);
    char *clean = dk_path_clamp(joined);
    free(joined);
    return clean;
}

static bool inside(const char *path, const char *dest)
{
    size_t n = strlen(dest);
    return strcmp(dest, "/") == 0 ||
           (strncmp(path, dest, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? osh_str_dup("/") : osh_str_ndup(path, (size_t)(slash - path));
}

/* Where an entry lands: its directory resolved (symlinks followed, created when missing, as
 * MkdirAll), then its own name, not followed. NULL with *error when a loop or a file is in
 * the way. */
static char *landing(unpack *u, const char *path, char **error)
{
    char *dir = dir_of(path);
    char *real_dir = dk_path_resolve(u->c, dir, true);
    const dk_file *d = real_dir && strcmp(real_dir, "/") != 0 ? dk_file_find(u->c, real_dir) : NULL;
    char *out = NULL;
    if (!real_dir)
        *error = osh_str_printf("mkdir %s: too many levels of symbolic links", dir);
    else if (d && d->type != 'd')
        *error = osh_str_printf("mkdir %s: not a directory", dir);
    else {
        if (!d && strcmp(real_dir, "/") != 0)
            dk_file_put(u->c, real_dir, 'd', 0755);
        const char *base = strrchr(path, '/') + 1;
        out = osh_str_printf("%s/%s", strcmp(real_dir, "/") == 0 ? "" : real_dir, base);
    }
    free(dir);
    free(real_dir);
    return out;
}

static int hard_link(unpack *u, const dk_tar_entry *e, const char *path, const char *at, char **error)
{
    char *target = join(u->dest, e->link);
    /* dockerd tests a plain string prefix here */
    if (strncmp(target, u->dest, strlen(u->dest)) != 0) {
        *error = osh_str_printf("invalid hardlink \"%s\" -> \"%s\"", target, e->link);
        free(target);
        return -1;
    }
    char *src_path = dk_path_resolve(u->c, target, false);
    const dk_file *src = src_path ? dk_file_find(u->c, src_path) : NULL;
    int rc = 0;
    if (!src || src->type == 'd') {
        *error = osh_str_printf("link %s %s: %s", target, path,
                                src ? "operation not permitted" : "no such file or directory");
        rc = -1;
    } else {
        /* no shared inode here: the link is a copy of the file (or symlink) it names */
        char type = src->type, *link = osh_str_dup(src->link);
        unsigned mode = src->mode;
        osh_buf data = OSH_BUF_INIT;
        osh_buf_append(&data, src->data.data, src->data.len);
        dk_file *f = dk_file_put(u->c, at, type, mode);
        osh_buf_free(&f->data);
        f->data = data;
        f->link = link;
    }
    free(src_path);
    free(target);
    return rc;
}

static int symlink_entry(unpack *u, const dk_tar_entry *e, const char *path, const char *at, char **error)
{
    char *dir = dir_of(path);
    char *target = join(dir, e->link);
    free(dir);
    bool ok = strncmp(target, u->dest, strlen(u->dest)) == 0;
    free(target);
    if (!ok) {
        *error = osh_str_printf("invalid symlink \"%s\" -> \"%s\"", path, e->link);
        return -1;
    }
    dk_file *f = dk_file_put(u->c, at, 'l', 0777);
    f->link = osh_str_dup(e->link);
    return 0;
}

/* What is already at `at` may go: dockerd removes it unless both are directories. */
static int make_room(unpack *u, const dk_tar_entry *e, const char *path, const char *at, char **error)
{
    const dk_file *old = dk_file_find(u->c, at);
    if (!old)
        return 0;
    bool old_dir = old->type == 'd', new_dir = e->type == 'd';
    if (u->no_overwrite_dir_non_dir && old_dir != new_dir) {
        *error = osh_str_printf("cannot overwrite %sdirectory \"%s\" with %sdirectory \"%s\"",
                                old_dir ? "" : "non-", path, new_dir ? "" : "non-", u->dest);
        return -1;
    }
    if (!(old_dir && new_dir))
        dk_file_remove_tree(u->c, at);
    return 0;
}

static int apply_entry(void *ctx, const dk_tar_entry *e, char **error)
{
    unpack *u = ctx;
    if (e->type == '?')
        return 0; /* devices and fifos: nothing to keep in memory */
    char *name = clean_name(e->name);
    char *path = join(u->dest, name);
    int rc = 0;
    if (!inside(path, u->dest)) {
        *error = osh_str_printf("\"%s\" is outside of \"%s\"", name, u->dest);
        rc = -1;
    } else if (strcmp(path, u->dest) != 0) { /* "." merges into dest */
        char *at = landing(u, path, error);
        if (!at || make_room(u, e, path, at, error) != 0)
            rc = -1;
        else if (e->type == 'h')
            rc = hard_link(u, e, path, at, error);
        else if (e->type == 'l')
            rc = symlink_entry(u, e, path, at, error);
        else {
            dk_file *f = dk_file_find(u->c, at);
            if (!f || f->type != 'd')
                f = dk_file_put(u->c, at, e->type, e->mode);
            f->mode = e->mode;
            if (f->data.len == 0) { /* take the read buffer over: the data is not copied */
                osh_buf_free(&f->data);
                f->data = *e->content;
                *e->content = (osh_buf)OSH_BUF_INIT;
            } else {
                osh_buf_append(&f->data, e->data, e->len);
            }
        }
        free(at);
    }
    free(path);
    free(name);
    return rc;
}

void dk_archive_put(mock_docker *d, dk_container *c, const char *ref, const char *path,
                    const mock_http_request *req, mock_http_response *res)
{
    (void)d;
    char *dest = dk_path_resolve(c, path, true);
    const dk_file *dir = !dest ? NULL : strcmp(dest, "/") == 0 ? NULL : dk_file_find(c, dest);
    if (!dest || (strcmp(dest, "/") != 0 && !dir)) {
        dk_error(res, 404, "Could not find the file %s in container %s", path, ref);
    } else if (dir && dir->type != 'd') {
        dk_error(res, 500, "extraction point is not a directory");
    } else {
        unpack u = {.c = c, .dest = dest,
                    .no_overwrite_dir_non_dir = dk_query_bool(req, "noOverwriteDirNonDir")};
        char *err = NULL;
        size_t len;
        int fd = mock_http_request_body_fd(req, &len); /* spooled: read as it is unpacked */
        int rc;
        if (fd >= 0) {
            rc = dk_tar_read_fd(fd, len, NULL, apply_entry, &u, &err);
        } else {
            const char *body = mock_http_request_body(req, &len);
            rc = dk_tar_read(body, len, apply_entry, &u, &err);
        }
        if (rc != 0)
            dk_error(res, 500, "Error processing tar file(exit status 1): %s", err);
        else
            mock_http_respond_empty(res, 200);
        free(err);
    }
    free(dest);
}
