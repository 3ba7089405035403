/* docker_archive.c: GET/HEAD /containers/{c}/archive over the container's in-memory file
 * tree (tar out, the X-Docker-Container-Path-Stat header) and the route of all three; PUT is
 * in docker_archive_put.c. */
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

/* HEAD, GET and PUT /containers/{name}/archive (the route table sends only those). */
void dk_container_archive(mock_docker *d, const char *ref, const mock_http_request *req,
                          mock_http_response *res)
{
    const char *method = mock_http_request_method(req);
    bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    const char *raw = mock_http_request_query_value(req, "path");
    if (!raw || !*raw) {
        dk_error(res, 400, "bad parameter: pathcannot be empty");
        return;
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
        dk_archive_put(d, c, ref, path, req, res);
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
    dk_unlock(d);
    free(path);
}
