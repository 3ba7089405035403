/* docker_archive.c: PUT/GET/HEAD /containers/{c}/archive over the container's in-memory file
 * tree: tar in and out, the X-Docker-Container-Path-Stat header, paths that escape refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_internal.h"
#include "docker_tar.h"
#include "osh_base64.h"
#include "osh_str.h"

/* Go's os.FileMode bits as dockerd reports them in the stat header. */
static double go_mode(const dk_file *f)
{
    double mode = f->mode & 0777;
    if (f->type == 'd')
        mode += 2147483648.0; /* ModeDir */
    else if (f->type == 'l')
        mode += 134217728.0;  /* ModeSymlink */
    return mode;
}

static void stat_header(const char *path, const dk_file *f, mock_http_response *res)
{
    char t[32];
    time_t secs = (time_t)f->mtime;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    const char *base = strrchr(path, '/');
    cJSON_AddStringToObject(o, "name", base && base[1] ? base + 1 : "/");
    cJSON_AddNumberToObject(o, "size", f->type == 'd' ? 4096 : (double)f->data.len);
    cJSON_AddNumberToObject(o, "mode", go_mode(f));
    cJSON_AddStringToObject(o, "mtime", t);
    cJSON_AddStringToObject(o, "linkTarget", f->link ? f->link : "");
    char *json = cJSON_PrintUnformatted(o);
    osh_buf b64 = OSH_BUF_INIT;
    osh_base64_encode(&b64, json, strlen(json));
    mock_http_response_header(res, "X-Docker-Container-Path-Stat", osh_buf_str(&b64));
    osh_buf_free(&b64);
    cJSON_free(json);
    cJSON_Delete(o);
}

static const dk_file root_dir = {.path = "/", .type = 'd', .mode = 0755};

static const dk_file *lookup(dk_container *c, const char *path)
{
    return strcmp(path, "/") == 0 ? &root_dir : dk_file_find(c, path);
}

static void tar_tree(dk_container *c, const char *path, const dk_file *top, osh_buf *out)
{
    dk_tar_writer *w = dk_tar_writer_new(out);
    const char *base = strrchr(path, '/');
    const char *top_name = strcmp(path, "/") == 0 ? "." : base + 1;
    if (top->type == 'f')
        dk_tar_add_file(w, top_name, top->mode, top->mtime, top->data.data, top->data.len);
    else if (top->type == 'l')
        dk_tar_add_symlink(w, top_name, top->link, top->mtime);
    else {
        dk_tar_add_dir(w, top_name, top->mode, top->mtime);
        size_t plen = strcmp(path, "/") == 0 ? 0 : strlen(path);
        for (size_t i = 0; i < c->file_count; i++) {
            const dk_file *f = &c->files[i];
            if (strncmp(f->path, path, plen) != 0 || f->path[plen] != '/' || !f->path[plen + 1])
                continue;
            char *name = osh_str_printf("%s%s", top_name, f->path + plen);
            if (f->type == 'd')
                dk_tar_add_dir(w, name, f->mode, f->mtime);
            else if (f->type == 'l')
                dk_tar_add_symlink(w, name, f->link, f->mtime);
            else
                dk_tar_add_file(w, name, f->mode, f->mtime, f->data.data, f->data.len);
            free(name);
        }
    }
    dk_tar_finish(w);
}

/* ---- PUT: read the whole tar first, so a bad one changes nothing ------------------------ */

typedef struct pending_entry {
    char *path;
    char type;
    unsigned mode;
    osh_buf data;
    char *link;
} pending_entry;

typedef struct pending {
    const char *dest;
    pending_entry *items;
    size_t count;
} pending;

/* Inside dest means dest itself or below it: a plain prefix test would let /tmp/xz through for
 * dest /tmp/x (entry "a/../../xz"). dest is "" for the root, where every absolute path is inside. */
static bool path_within(const char *norm, const char *dest)
{
    size_t n = strlen(dest);
    return strncmp(norm, dest, n) == 0 && (norm[n] == '\0' || norm[n] == '/');
}

static int collect(void *ctx, const dk_tar_entry *e, char **error)
{
    pending *p = ctx;
    if (e->type == '?')
        return 0; /* devices, fifos, hard links: nothing to keep in memory */
    char *joined = osh_str_printf("%s/%s", p->dest, e->name);
    char *norm = dk_path_normalize(joined);
    free(joined);
    if (!norm || strcmp(norm, p->dest) == 0 || !path_within(norm, p->dest)) {
        if (norm && strcmp(norm, p->dest) == 0) {
            free(norm);
            return 0; /* "./" itself */
        }
        free(norm);
        *error = osh_str_printf("\"%s\" is outside of \"%s\"", e->name, *p->dest ? p->dest : "/");
        return -1;
    }
    DK_GROW(p->items, p->count);
    pending_entry *pe = &p->items[p->count++];
    memset(pe, 0, sizeof *pe);
    pe->path = norm;
    pe->type = e->type;
    pe->mode = e->mode;
    osh_buf_append(&pe->data, e->data, e->len);
    pe->link = osh_str_dup(e->link);
    return 0;
}

static void pending_free(pending *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].path);
        osh_buf_free(&p->items[i].data);
        free(p->items[i].link);
    }
    free(p->items);
}

static void archive_put(mock_docker *d, dk_container *c, const char *ref, const char *path,
                        const mock_http_request *req, mock_http_response *res)
{
    const dk_file *dir = lookup(c, path);
    if (!dir) {
        dk_error(res, 404, "Could not find the file %s in container %s", path, ref);
        return;
    }
    if (dir->type != 'd') {
        dk_error(res, 500, "extraction point is not a directory");
        return;
    }
    size_t len;
    const char *body = mock_http_request_body(req, &len);
    pending p = {.dest = strcmp(path, "/") == 0 ? "" : path};
    char *err = NULL;
    if (dk_tar_read(body, len, collect, &p, &err) != 0) {
        dk_error(res, 500, "Error processing tar file(exit status 1): %s", err);
        free(err);
        pending_free(&p);
        return;
    }
    for (size_t i = 0; i < p.count; i++) {
        pending_entry *pe = &p.items[i];
        dk_file *f = dk_file_put(c, pe->path, pe->type, pe->mode);
        osh_buf_free(&f->data);
        f->data = pe->data; /* moved: image tars can be large */
        memset(&pe->data, 0, sizeof pe->data);
        f->link = osh_str_dup(pe->link);
    }
    pending_free(&p);
    mock_http_respond_empty(res, 200);
}

bool dk_route_archive(mock_docker *d, const char *method, const char *ref,
                      const mock_http_request *req, mock_http_response *res)
{
    bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    if (!get && !head && strcmp(method, "PUT") != 0)
        return false;
    const char *raw = mock_http_request_query_value(req, "path");
    if (!raw || !*raw) {
        dk_error(res, 400, "bad parameter: pathcannot be empty");
        return true;
    }
    /* dockerd resolves the path inside the container's root: ".." stops at "/" */
    char *path = raw[0] == '/' ? dk_path_clamp(raw) : NULL;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    if (!c) {
        dk_error(res, 404, "No such container: %s", ref);
    } else if (!path) {
        dk_error(res, 404, "Could not find the file %s in container %s", raw, ref);
    } else if (!get && !head) {
        archive_put(d, c, ref, path, req, res);
    } else {
        const dk_file *f = lookup(c, path);
        if (!f) {
            dk_error(res, 404, "Could not find the file %s in container %s", raw, ref);
        } else {
            stat_header(path, f, res);
            if (head) {
                mock_http_respond_empty(res, 200);
            } else {
                osh_buf tar = OSH_BUF_INIT;
                tar_tree(c, path, f, &tar);
                mock_http_respond(res, 200, "application/x-tar", tar.data, tar.len);
                osh_buf_free(&tar);
            }
        }
    }
    pthread_mutex_unlock(&d->lock);
    free(path);
    return true;
}
