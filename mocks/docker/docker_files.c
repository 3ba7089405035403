/* docker_files.c: a container's in-memory file tree (a flat list of absolute paths) and the
 * path rules: normalization and refusing paths that escape the root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

static char *normalize(const char *path, bool clamp);

char *dk_path_normalize(const char *path)
{
    return normalize(path, false);
}

char *dk_path_clamp(const char *path)
{
    return normalize(path, true);
}

static char *normalize(const char *path, bool clamp)
{
    if (!path || path[0] != '/')
        return NULL;
    char *copy = osh_str_dup(path);
    char **parts = NULL;
    size_t n = 0;
    char *save = NULL;
    bool escaped = false;
    for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0)
            continue;
        if (strcmp(p, "..") == 0) {
            if (n == 0)
                escaped = !clamp;
            else
                n--;
            continue;
        }
        DK_GROW(parts, n);
        parts[n++] = p;
    }
    osh_buf out = OSH_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        osh_buf_append_char(&out, '/');
        osh_buf_append_str(&out, parts[i]);
    }
    if (n == 0)
        osh_buf_append_char(&out, '/');
    free(parts);
    free(copy);
    if (escaped) {
        osh_buf_free(&out);
        return NULL;
    }
    return osh_buf_detach(&out);
}

dk_file *dk_file_find(dk_container *c, const char *path)
{
    for (size_t i = 0; i < c->file_count; i++)
        if (strcmp(c->files[i].path, path) == 0)
            return &c->files[i];
    return NULL;
}

/* Appends component to the resolved directory dir ("/" or "/a/b"), or goes up for "..". */
static void path_step(osh_buf *dir, const char *comp, size_t len)
{
    if (len == 2 && comp[0] == '.' && comp[1] == '.') {
        char *slash = strrchr(osh_buf_str(dir), '/');
        dir->len = slash && slash != dir->data ? (size_t)(slash - dir->data) : 1;
        dir->data[dir->len] = '\0';
        return;
    }
    if (dir->len > 1)
        osh_buf_append_char(dir, '/');
    osh_buf_append(dir, comp, len);
}

char *dk_path_resolve(dk_container *c, const char *path, bool follow_last)
{
    osh_buf done = OSH_BUF_INIT;
    osh_buf_append_char(&done, '/');
    char *rest = osh_str_dup(path);
    int links = 0;
    size_t at = 0;
    while (rest[at]) {
        while (rest[at] == '/')
            at++;
        size_t len = strcspn(rest + at, "/");
        if (len == 0)
            break;
        const char *comp = rest + at;
        at += len;
        if (len == 1 && comp[0] == '.')
            continue;
        size_t before = done.len;
        path_step(&done, comp, len);
        bool last = rest[at + strspn(rest + at, "/")] == '\0';
        const dk_file *f = dk_file_find(c, osh_buf_str(&done));
        if (!f || f->type != 'l' || (last && !follow_last) || (len == 2 && comp[0] == '.' && comp[1] == '.'))
            continue;
        if (++links > 40) {
            free(rest);
            osh_buf_free(&done);
            return NULL;
        }
        /* the link's target takes the place of the component */
        char *next = osh_str_printf("%s/%s", f->link, rest + at);
        free(rest);
        rest = next;
        at = 0;
        done.len = f->link[0] == '/' ? 1 : (before ? before : 1);
        done.data[done.len] = '\0';
    }
    free(rest);
    return osh_buf_detach(&done);
}

static void file_clear(dk_file *f)
{
    free(f->path);
    osh_buf_free(&f->data);
    free(f->link);
}

/* Creates missing parents as directories. Replaces an existing entry's type and content. */
dk_file *dk_file_put(dk_container *c, const char *path, char type, unsigned mode)
{
    if (strcmp(path, "/") == 0)
        return NULL;
    char *parent = osh_str_dup(path);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        dk_file *p = dk_file_find(c, parent);
        if (!p)
            dk_file_put(c, parent, 'd', 0755);
    }
    free(parent);
    dk_file *f = dk_file_find(c, path);
    if (f) {
        osh_buf_reset(&f->data);
        free(f->link);
        f->link = NULL;
    } else {
        DK_GROW(c->files, c->file_count);
        f = &c->files[c->file_count++];
        memset(f, 0, sizeof *f);
        f->path = osh_str_dup(path);
    }
    f->type = type;
    f->mode = mode;
    f->mtime = dk_now_ns() / 1000000000LL;
    return f;
}

void dk_file_remove_tree(dk_container *c, const char *path)
{
    size_t plen = strlen(path);
    size_t keep = 0;
    for (size_t i = 0; i < c->file_count; i++) {
        const char *p = c->files[i].path;
        bool inside = strcmp(p, path) == 0 ||
                      (strncmp(p, path, plen) == 0 && (p[plen] == '/' || strcmp(path, "/") == 0));
        if (inside)
            file_clear(&c->files[i]);
        else
            c->files[keep++] = c->files[i];
    }
    c->file_count = keep;
}

/* What a busybox-like rootfs offers the bootstrap: the directories it writes to and the
 * files an exec reads. */
void dk_files_default(dk_container *c)
{
    static const char *const dirs[] = {"/bin", "/etc", "/tmp", "/var", "/run", "/root",
                                       "/usr", "/usr/local", "/usr/local/bin", NULL};
    for (size_t i = 0; dirs[i]; i++)
        dk_file_put(c, dirs[i], 'd', strcmp(dirs[i], "/tmp") == 0 ? 01777 : 0755);
    char *host = dk_effective_hostname(c);
    dk_file *f = dk_file_put(c, "/etc/hostname", 'f', 0644);
    osh_buf_appendf(&f->data, "%s\n", host);
    free(host);
}

void dk_files_free(dk_container *c)
{
    for (size_t i = 0; i < c->file_count; i++)
        file_clear(&c->files[i]);
    free(c->files);
    c->files = NULL;
    c->file_count = 0;
}
