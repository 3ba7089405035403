/* docker_image_archive.c: GET /images/get (docker save: a docker-archive tar with
 * manifest.json, repositories, the config and one layer per image) and POST /images/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "docker_tar.h"
#include "osh_str.h"

cJSON *dk_image_inspect_json(const dk_image *img);

/* A layer ID derived from the image ID (reversed), so it shares no substring with it. */
static void layer_hex(const dk_image *img, char *out)
{
    for (size_t i = 0; i < DK_ID_LEN; i++)
        out[i] = img->id[7 + DK_ID_LEN - 1 - i];
    out[DK_ID_LEN] = '\0';
}

/* The image config document as dockerd stores it (lower-case keys). */
static cJSON *config_document(const dk_image *img)
{
    char t[48], diff[80], layer[DK_ID_LEN + 1];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "architecture", img->architecture);
    cJSON_AddItemToObject(o, "config", cJSON_Duplicate(img->config, true));
    dk_format_time(img->created_ns, t, sizeof t);
    cJSON_AddStringToObject(o, "created", t);
    cJSON_AddStringToObject(o, "os", img->os);
    cJSON *rootfs = cJSON_AddObjectToObject(o, "rootfs");
    cJSON_AddStringToObject(rootfs, "type", "layers");
    layer_hex(img, layer);
    snprintf(diff, sizeof diff, "sha256:%s", layer);
    cJSON_AddItemToObject(rootfs, "diff_ids", cJSON_CreateStringArray((const char *[]){diff}, 1));
    return o;
}

static void add_json_file(dk_tar_writer *w, const char *name, const cJSON *doc, int64_t mtime)
{
    char *text = cJSON_PrintUnformatted(doc);
    dk_tar_add_file(w, name, 0644, mtime, text, strlen(text));
    cJSON_free(text);
}

static void write_image(dk_tar_writer *w, const dk_image *img, int64_t mtime)
{
    char layer[DK_ID_LEN + 1], name[200];
    layer_hex(img, layer);
    cJSON *cfg = config_document(img);
    snprintf(name, sizeof name, "%s.json", DK_IMAGE_HEX(img));
    add_json_file(w, name, cfg, mtime);
    cJSON_Delete(cfg);
    dk_tar_add_dir(w, layer, 0755, mtime);
    snprintf(name, sizeof name, "%s/VERSION", layer);
    dk_tar_add_file(w, name, 0644, mtime, "1.0", 3);
    cJSON *lj = cJSON_CreateObject();
    cJSON_AddStringToObject(lj, "id", layer);
    cJSON_AddStringToObject(lj, "os", img->os);
    snprintf(name, sizeof name, "%s/json", layer);
    add_json_file(w, name, lj, mtime);
    cJSON_Delete(lj);
    osh_buf empty = OSH_BUF_INIT;
    const osh_buf *content = &img->layer;
    if (content->len == 0) {
        dk_tar_writer *inner = dk_tar_writer_new(&empty);
        dk_tar_finish(inner);
        content = &empty;
    }
    snprintf(name, sizeof name, "%s/layer.tar", layer);
    dk_tar_add_file(w, name, 0644, mtime, content->data, content->len);
    osh_buf_free(&empty);
}

/* One manifest.json entry; the tag it was exported by also goes into `repositories`. */
static cJSON *manifest_entry(const dk_image *img, const char *name, cJSON *repositories)
{
    char layer[DK_ID_LEN + 1], cfg_name[200], layer_tar[200];
    layer_hex(img, layer);
    snprintf(cfg_name, sizeof cfg_name, "%s.json", DK_IMAGE_HEX(img));
    snprintf(layer_tar, sizeof layer_tar, "%s/layer.tar", layer);
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "Config", cfg_name);
    cJSON *tags = cJSON_AddArrayToObject(entry, "RepoTags");
    char *norm = dk_normalize_ref(name);
    for (size_t t = 0; t < img->tag_count; t++) {
        if (strcmp(img->tags[t], norm) != 0)
            continue;
        cJSON_AddItemToArray(tags, cJSON_CreateString(norm));
        char *colon = strrchr(norm, ':');
        char *repo = osh_str_ndup(norm, (size_t)(colon - norm));
        cJSON *r = cJSON_GetObjectItemCaseSensitive(repositories, repo);
        if (!r)
            r = cJSON_AddObjectToObject(repositories, repo);
        cJSON_AddStringToObject(r, colon + 1, layer);
        free(repo);
    }
    free(norm);
    cJSON_AddItemToObject(entry, "Layers", cJSON_CreateStringArray((const char *[]){layer_tar}, 1));
    return entry;
}

/* The docker-archive of the named images (lock held); false when a name is unknown. */
static bool export_locked(mock_docker *d, const char *const *names, size_t n, osh_buf *tar)
{
    for (size_t i = 0; i < n; i++)
        if (!dk_find_image(d, names[i]))
            return false;
    dk_tar_writer *w = dk_tar_writer_new(tar);
    cJSON *manifest = cJSON_CreateArray();
    cJSON *repositories = cJSON_CreateObject();
    int64_t mtime = dk_now_ns() / 1000000000LL;
    for (size_t i = 0; i < n; i++) {
        dk_image *img = dk_find_image(d, names[i]);
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || dk_find_image(d, names[k]) == img;
        if (!seen)
            write_image(w, img, mtime);
        cJSON_AddItemToArray(manifest, manifest_entry(img, names[i], repositories));
    }
    add_json_file(w, "manifest.json", manifest, 0);
    add_json_file(w, "repositories", repositories, 0);
    dk_tar_finish(w);
    cJSON_Delete(manifest);
    cJSON_Delete(repositories);
    return true;
}

void dk_image_export(mock_docker *d, const mock_http_request *req, const char *single,
                     mock_http_response *res)
{
    size_t n = single ? 1 : mock_http_request_query_count(req, "names");
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names)
        abort();
    for (size_t i = 0; i < n; i++)
        names[i] = single ? single : mock_http_request_query_nth(req, "names", i);
    osh_buf tar = OSH_BUF_INIT;
    pthread_mutex_lock(&d->lock);
    bool ok = export_locked(d, names, n, &tar);
    dk_unlock(d);
    free(names);
    if (ok)
        dk_respond_chunked(res, 200, "application/x-tar", tar.data, tar.len);
    else
        dk_error(res, 404, "reference does not exist");
    osh_buf_free(&tar);
}

/* ---- Load -------------------------------------------------------------------------------- */

typedef struct loaded_file {
    char *name;
    osh_buf data;
} loaded_file;

typedef struct loaded {
    loaded_file *files;
    size_t count;
    const cJSON *wanted; /* second pass over a spooled archive: the layers still needed */
} loaded;

/* A spooled archive is read twice: first its small files (manifest.json, image configs),
 * every layer skipped unread; then what the manifest names that is still missing (the
 * layers). A manifest.json beyond this size is not found. */
#define LOAD_SMALL_FILE ((int64_t)1 << 20)

static const osh_buf *loaded_get(const loaded *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->files[i].name, name) == 0)
            return &l->files[i].data;
    return NULL;
}

static bool want_file(void *ctx, const char *name, int64_t size)
{
    const loaded *l = ctx;
    if (!l->wanted)
        return size <= LOAD_SMALL_FILE;
    if (loaded_get(l, name))
        return false;
    for (const cJSON *w = l->wanted->child; w; w = w->next)
        if (strcmp(w->valuestring, name) == 0)
            return true;
    return false;
}

static int keep_file(void *ctx, const dk_tar_entry *e, char **error)
{
    loaded *l = ctx;
    if (e->type != 'f' || e->skipped)
        return 0;
    DK_GROW(l->files, l->count);
    loaded_file *f = &l->files[l->count++];
    f->name = osh_str_dup(e->name);
    f->data = *e->content; /* taken over, not copied */
    *e->content = (osh_buf)OSH_BUF_INIT;
    return 0;
}

/* What load_entry reads of every manifest entry: its config and first layer. */
static cJSON *needed_files(const cJSON *manifest)
{
    cJSON *names = cJSON_CreateArray();
    for (const cJSON *e = cJSON_IsArray(manifest) ? manifest->child : NULL; e; e = e->next) {
        const char *config = dk_body_str(e, "Config");
        if (config)
            cJSON_AddItemToArray(names, cJSON_CreateString(config));
        const cJSON *layers = dk_body_get(e, "Layers");
        const cJSON *first = cJSON_IsArray(layers) ? cJSON_GetArrayItem(layers, 0) : NULL;
        if (cJSON_IsString(first))
            cJSON_AddItemToArray(names, cJSON_CreateString(first->valuestring));
    }
    return names;
}

/* Read the archive (spooled or in memory) into l: 0, or -1 with *err. */
static int read_image_archive(const mock_http_request *req, loaded *l, char **err)
{
    size_t len;
    int fd = mock_http_request_body_fd(req, &len);
    if (fd < 0) {
        const char *body = mock_http_request_body(req, &len);
        return dk_tar_read(body, len, keep_file, l, err);
    }
    if (dk_tar_read_fd(fd, len, want_file, keep_file, l, err) != 0)
        return -1;
    const osh_buf *m = loaded_get(l, "manifest.json");
    cJSON *manifest = m ? cJSON_ParseWithLength(m->data, m->len) : NULL;
    cJSON *layers = needed_files(manifest);
    cJSON_Delete(manifest);
    int rc = 0;
    if (cJSON_GetArraySize(layers) > 0) {
        l->wanted = layers;
        fd = mock_http_request_body_fd(req, &len); /* at the start again */
        rc = dk_tar_read_fd(fd, len, want_file, keep_file, l, err);
        l->wanted = NULL;
    }
    cJSON_Delete(layers);
    return rc;
}

static void stream_line(osh_buf *out, const char *key, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, text);
    dk_stream_json_line(out, o);
}

/* Applies one manifest entry (lock held); appends the "Loaded image" lines. */
static int load_entry(mock_docker *d, const loaded *l, const cJSON *entry, osh_buf *out)
{
    const char *cfg_name = dk_body_str(entry, "Config");
    const osh_buf *cfg_data = cfg_name ? loaded_get(l, cfg_name) : NULL;
    cJSON *cfg = cfg_data ? cJSON_ParseWithLength(cfg_data->data, cfg_data->len) : NULL;
    if (!cfg) {
        dk_stream_error_line(out, cfg_name ? "invalid image config in archive" : "invalid manifest entry");
        return -1;
    }
    char *hex = osh_str_ndup(cfg_name, strcspn(cfg_name, "."));
    char *id = osh_str_printf("sha256:%s", hex);
    dk_image *img = dk_find_image_by_id(d, id);
    if (!img) {
        img = dk_add_image(d, id);
        const cJSON *c = dk_body_get(cfg, "config");
        if (cJSON_IsObject(c)) {
            cJSON_Delete(img->config);
            img->config = cJSON_Duplicate(c, true);
        }
        const char *arch = dk_body_str(cfg, "architecture");
        if (arch) {
            free(img->architecture);
            img->architecture = osh_str_dup(arch);
        }
        const cJSON *layers = dk_body_get(entry, "Layers");
        const cJSON *first = cJSON_IsArray(layers) ? cJSON_GetArrayItem(layers, 0) : NULL;
        const osh_buf *layer = cJSON_IsString(first) ? loaded_get(l, first->valuestring) : NULL;
        if (layer)
            osh_buf_append(&img->layer, layer->data, layer->len);
    }
    const cJSON *tags = dk_body_get(entry, "RepoTags");
    bool tagged = false;
    for (const cJSON *t = cJSON_IsArray(tags) ? tags->child : NULL; t; t = t->next) {
        if (!cJSON_IsString(t))
            continue;
        dk_image_add_tag(d, img, t->valuestring);
        char *line = osh_str_printf("Loaded image: %s\n", t->valuestring);
        stream_line(out, "stream", line);
        free(line);
        tagged = true;
    }
    if (!tagged) {
        char *line = osh_str_printf("Loaded image ID: %s\n", id);
        stream_line(out, "stream", line);
        free(line);
    }
    free(hex);
    free(id);
    cJSON_Delete(cfg);
    return 0;
}

void dk_image_load(mock_docker *d, const mock_http_request *req, mock_http_response *res)
{
    loaded l = {0};
    char *err = NULL;
    osh_buf out = OSH_BUF_INIT;
    if (read_image_archive(req, &l, &err) != 0) {
        char *msg = osh_str_printf("Error processing tar file(exit status 1): %s", err);
        dk_stream_error_line(&out, msg);
        free(msg);
        free(err);
    } else {
        const osh_buf *m = loaded_get(&l, "manifest.json");
        cJSON *manifest = m ? cJSON_ParseWithLength(m->data, m->len) : NULL;
        if (!cJSON_IsArray(manifest)) {
            dk_stream_error_line(&out, "invalid archive: manifest.json is missing or not a JSON array");
        } else {
            pthread_mutex_lock(&d->lock);
            for (const cJSON *e = manifest->child; e; e = e->next)
                if (load_entry(d, &l, e, &out) != 0)
                    break;
            dk_unlock(d);
        }
        cJSON_Delete(manifest);
    }
    for (size_t i = 0; i < l.count; i++) {
        free(l.files[i].name);
        osh_buf_free(&l.files[i].data);
    }
    free(l.files);
    dk_respond_chunked(res, 200, "application/json", out.data ? out.data : "", out.len);
    osh_buf_free(&out);
}
