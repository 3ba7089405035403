/* docker_images.c: image routes: inspect, pull (POST /images/create, streamed JSON progress
 * from the instance's set of pullable references), tag, remove (force/noprune and dockerd's
 * conflict texts), list. Save and load are in docker_image_archive.c. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_base64.h"
#include "osh_str.h"

cJSON *dk_image_inspect_json(const dk_image *img)
{
    char t[48];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", img->id);
    cJSON *tags = cJSON_AddArrayToObject(o, "RepoTags");
    for (size_t i = 0; i < img->tag_count; i++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(img->tags[i]));
    cJSON *digests = cJSON_AddArrayToObject(o, "RepoDigests");
    for (size_t i = 0; i < img->digest_count; i++)
        cJSON_AddItemToArray(digests, cJSON_CreateString(img->digests[i]));
    cJSON_AddStringToObject(o, "Parent", "");
    cJSON_AddStringToObject(o, "Comment", "");
    dk_format_time(img->created_ns, t, sizeof t);
    cJSON_AddStringToObject(o, "Created", t);
    cJSON_AddStringToObject(o, "Container", "");
    cJSON *cfg = cJSON_Parse("{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
                             "\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,"
                             "\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,"
                             "\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,"
                             "\"OnBuild\":null,\"Labels\":null}");
    cJSON_AddItemToObject(o, "ContainerConfig", cJSON_Duplicate(cfg, true));
    for (const cJSON *k = img->config ? img->config->child : NULL; k; k = k->next) {
        if (cJSON_GetObjectItemCaseSensitive(cfg, k->string))
            cJSON_ReplaceItemInObjectCaseSensitive(cfg, k->string, cJSON_Duplicate(k, true));
        else
            cJSON_AddItemToObject(cfg, k->string, cJSON_Duplicate(k, true));
    }
    cJSON_AddStringToObject(o, "DockerVersion", "20.10.24");
    cJSON_AddStringToObject(o, "Author", "");
    cJSON_AddItemToObject(o, "Config", cfg);
    cJSON_AddStringToObject(o, "Architecture", img->architecture);
    cJSON_AddStringToObject(o, "Os", img->os);
    cJSON_AddNumberToObject(o, "Size", (double)img->size);
    cJSON_AddNumberToObject(o, "VirtualSize", (double)img->size);
    cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
    cJSON *gdd = cJSON_AddObjectToObject(gd, "Data");
    const char *dirs[][2] = {{"MergedDir", "merged"}, {"UpperDir", "diff"}, {"WorkDir", "work"}};
    for (size_t i = 0; i < 3; i++) {
        char *dir = osh_str_printf("/var/lib/docker/overlay2/%s/%s", DK_IMAGE_HEX(img), dirs[i][1]);
        cJSON_AddStringToObject(gdd, dirs[i][0], dir);
        free(dir);
    }
    cJSON_AddStringToObject(gd, "Name", "overlay2");
    cJSON *rootfs = cJSON_AddObjectToObject(o, "RootFS");
    cJSON_AddStringToObject(rootfs, "Type", "layers");
    char layer[80];
    /* the layer digest: the ID's two halves swapped (stable, and not the ID itself) */
    const char *hex = DK_IMAGE_HEX(img);
    snprintf(layer, sizeof layer, "sha256:%.*s%.*s", DK_HALF_ID_LEN, hex + DK_HALF_ID_LEN,
             DK_HALF_ID_LEN, hex);
    cJSON_AddItemToObject(rootfs, "Layers", cJSON_CreateStringArray((const char *[]){layer}, 1));
    cJSON *meta = cJSON_AddObjectToObject(o, "Metadata");
    cJSON_AddStringToObject(meta, "LastTagTime", t);
    return o;
}

void dk_image_inspect(mock_docker *d, const char *name, const mock_http_request *req,
                      mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_image *img = dk_find_image(d, name);
    cJSON *o = img ? dk_image_inspect_json(img) : NULL;
    dk_unlock(d);
    if (!o) {
        char *missing = dk_image_missing_ref(name);
        dk_error(res, 404, "no such image: %s: No such image: %s", name, missing);
        free(missing);
        return;
    }
    mock_http_respond_json(res, 200, o);
    cJSON_Delete(o);
}

/* ---- Pull -------------------------------------------------------------------------------- */

/* "ghcr.io/nvidia/openshell/cluster" -> "nvidia/openshell/cluster"; "busybox" ->
 * "library/busybox": the name dockerd prints in "Pulling from". */
static char *remote_name(const char *repo)
{
    const char *slash = strchr(repo, '/');
    if (slash) {
        size_t first = (size_t)(slash - repo);
        bool has_registry = memchr(repo, '.', first) || memchr(repo, ':', first) ||
                            strncmp(repo, "localhost", first) == 0;
        return osh_str_dup(has_registry ? slash + 1 : repo);
    }
    return osh_str_printf("library/%s", repo);
}

static bool has_registry_host(const char *repo)
{
    const char *slash = strchr(repo, '/');
    if (!slash)
        return false;
    size_t first = (size_t)(slash - repo);
    return memchr(repo, '.', first) || memchr(repo, ':', first) || strncmp(repo, "localhost", first) == 0;
}

static void progress_line(osh_buf *out, const char *status, const char *id, long cur, long total)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", status);
    if (id) {
        cJSON *pd = cJSON_AddObjectToObject(o, "progressDetail");
        if (total > 0) {
            cJSON_AddNumberToObject(pd, "current", (double)cur);
            cJSON_AddNumberToObject(pd, "total", (double)total);
            int bars = (int)(50 * cur / total);
            char bar[64];
            memset(bar, '=', (size_t)bars);
            bar[bars] = bars < 50 ? '>' : '\0';
            char progress[128];
            snprintf(progress, sizeof progress, "[%-50.*s]  %.3gMB/%.3gMB", bars + 1, bar,
                     cur / 1e6, total / 1e6);
            cJSON_AddStringToObject(o, "progress", progress);
        }
        cJSON_AddStringToObject(o, "id", id);
    }
    dk_stream_json_line(out, o);
}

static dk_pullable *find_pullable(mock_docker *d, const char *ref)
{
    for (size_t i = 0; i < d->pullable_count; i++)
        if (strcmp(d->pullable[i].ref, ref) == 0)
            return &d->pullable[i];
    return NULL;
}

/* The image ID a pullable ref yields: the scenario's, else one derived from the ref (a
 * registry serves the same image for the same ref every time). */
static void pullable_id(const dk_pullable *p, char out[80])
{
    char hex[DK_ID_LEN + 1];
    if (!p->id) {
        char *seed = osh_str_printf("image %s", p->ref);
        dk_derived_hex(seed, hex, DK_ID_LEN);
        free(seed);
    }
    snprintf(out, 80, "%s%s", p->id && osh_str_starts_with(p->id, "sha256:") ? "" : "sha256:",
             p->id ? p->id : hex);
}

/* The image a pullable ref yields: an existing one with its ID, or a new one (lock held). */
static dk_image *pulled_image(mock_docker *d, const dk_pullable *p)
{
    char id[80];
    pullable_id(p, id);
    dk_image *img = dk_find_image_by_id(d, id);
    if (img)
        return img;
    img = dk_add_image(d, id);
    if (p->config) {
        cJSON_Delete(img->config);
        img->config = cJSON_Duplicate(p->config, true);
    }
    if (p->architecture) {
        free(img->architecture);
        img->architecture = osh_str_dup(p->architecture);
    }
    return img;
}

/* The layer lines of a download; false when the scenario makes the stream fail. */
static bool layer_lines(osh_buf *out, const dk_pullable *p, const char *image_hex)
{
    char layer[13];
    snprintf(layer, sizeof layer, "%.12s", image_hex);
    progress_line(out, "Pulling fs layer", layer, 0, 0);
    if (p->stream_error) {
        dk_stream_error_line(out, p->stream_error);
        return false;
    }
    long total = 52428800;
    progress_line(out, "Downloading", layer, total / 2, total);
    progress_line(out, "Downloading", layer, total, total);
    progress_line(out, "Verifying Checksum", layer, 0, 0);
    progress_line(out, "Download complete", layer, 0, 0);
    progress_line(out, "Extracting", layer, total, total);
    progress_line(out, "Pull complete", layer, 0, 0);
    return true;
}

static char *unknown_ref_message(const char *repo, const char *ref)
{
    if (has_registry_host(repo))
        return osh_str_printf("manifest for %s not found: manifest unknown: manifest unknown", ref);
    return osh_str_printf("pull access denied for %s, repository does not exist or may require "
                          "'docker login': denied: requested access to the resource is denied", repo);
}

/* X-Registry-Auth is base64url JSON ({"username", "password", ...}), padded or not. */
static bool auth_matches(const char *header, const dk_pullable *p)
{
    if (!header)
        return false;
    osh_buf std = OSH_BUF_INIT, json = OSH_BUF_INIT;
    for (const char *c = header; *c; c++)
        osh_buf_append_char(&std, *c == '-' ? '+' : *c == '_' ? '/' : *c);
    while (std.len % 4)
        osh_buf_append_char(&std, '=');
    bool ok = false;
    if (osh_base64_decode(&json, std.data ? std.data : "", std.len)) {
        cJSON *doc = cJSON_ParseWithLength(osh_buf_str(&json), json.len);
        const char *user = dk_body_str(doc, "username"), *pass = dk_body_str(doc, "password");
        ok = user && pass && strcmp(user, p->auth_user) == 0 && strcmp(pass, p->auth_password) == 0;
        cJSON_Delete(doc);
    }
    osh_buf_free(&std);
    osh_buf_free(&json);
    return ok;
}

/* The progress stream of a pull that succeeds (or fails in its layers); lock held. */
static void pull_stream(mock_docker *d, const dk_pullable *p, dk_image *have, const char *repo,
                        const char *tag, const char *ref, osh_buf *out)
{
    char id[80];
    if (have)
        snprintf(id, sizeof id, "%s", have->id);
    else
        pullable_id(p, id);
    /* A registry answers the same manifest digest for the same image every time. */
    char digest[DK_ID_LEN + 1];
    char *seed = osh_str_printf("manifest of %s", id);
    dk_derived_hex(seed, digest, DK_ID_LEN);
    free(seed);
    /* dockerd puts the repository in the first line's status and the tag as its id */
    char *remote = remote_name(repo);
    char *first = osh_str_printf("Pulling from %s", remote);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", first);
    cJSON_AddStringToObject(o, "id", tag);
    dk_stream_json_line(out, o);
    free(first);
    free(remote);
    /* dockerd downloads nothing when the image (its config) is already there */
    dk_image *img = have;
    if (!have && !dk_find_image_by_id(d, id) && !layer_lines(out, p, osh_str_skip_prefix(id, "sha256:")))
        return;
    if (!img) {
        img = pulled_image(d, p);
        dk_image_add_tag(d, img, ref);
    }
    /* RepoDigests gets "{repo}@{digest}", also when the image was up to date */
    char *norm = dk_normalize_ref(ref);
    *strrchr(norm, ':') = '\0';
    dk_image_add_digest(img, norm, digest);
    free(norm);
    char *line = osh_str_printf("Digest: sha256:%s", digest);
    progress_line(out, line, NULL, 0, 0);
    free(line);
    line = osh_str_printf("Status: %s for %s", have ? "Image is up to date" : "Downloaded newer image", ref);
    progress_line(out, line, NULL, 0, 0);
    free(line);
}

/* Builds the progress stream (lock held); returns the status to answer or 0 = stream. */
static int pull_locked(mock_docker *d, const char *repo, const char *tag, const char *auth,
                       osh_buf *out, char **message)
{
    char *ref = osh_str_printf("%s:%s", repo, tag);
    dk_pullable *p = find_pullable(d, ref);
    dk_image *have = dk_find_image(d, ref);
    int status = 0;
    if (p && p->auth_user && !auth_matches(auth, p)) {
        const char *slash = strchr(repo, '/');
        bool host = has_registry_host(repo);
        char *remote = remote_name(repo);
        *message = osh_str_printf("Head \"https://%.*s/v2/%s/manifests/%s\": unauthorized",
                                  host ? (int)(slash - repo) : 20, host ? repo : "registry-1.docker.io",
                                  remote, tag);
        free(remote);
        status = 500;
    } else if (p && p->error_status > 0) {
        *message = osh_str_dup(p->error_message ? p->error_message : "pull failed");
        status = p->error_status;
    } else if (!p && !have) {
        *message = unknown_ref_message(repo, ref);
        status = 404;
    } else {
        pull_stream(d, p, have, repo, tag, ref, out);
    }
    free(ref);
    return status;
}

void dk_image_pull(mock_docker *d, const char *param, const mock_http_request *req,
                   mock_http_response *res)
{
    const char *from = mock_http_request_query_value(req, "fromImage");
    const char *tag = mock_http_request_query_value(req, "tag");
    if (!from || !*from) {
        dk_error(res, 400, mock_http_request_query_value(req, "fromSrc")
                               ? "importing images is not supported by the mock"
                               : "bad parameter: fromImage or fromSrc is required");
        return;
    }
    char *repo = osh_str_dup(from);
    char *own_tag = NULL;
    const char *slash = strrchr(repo, '/');
    char *colon = strrchr(repo, ':');
    if (colon && (!slash || colon > slash)) {
        *colon = '\0';
        own_tag = osh_str_dup(colon + 1);
    }
    const char *use_tag = tag && *tag ? tag : own_tag ? own_tag : "latest";
    osh_buf out = OSH_BUF_INIT;
    char *message = NULL;
    pthread_mutex_lock(&d->lock);
    int status = pull_locked(d, repo, use_tag, mock_http_request_header(req, "X-Registry-Auth"),
                             &out, &message);
    dk_unlock(d);
    if (status)
        dk_error(res, status, "%s", message);
    else
        dk_respond_chunked(res, 200, "application/json", out.data ? out.data : "", out.len);
    free(message);
    osh_buf_free(&out);
    free(repo);
    free(own_tag);
}

/* ---- Tag --------------------------------------------------------------------------------- */

void dk_image_tag(mock_docker *d, const char *name, const mock_http_request *req,
                  mock_http_response *res)
{
    const char *repo = mock_http_request_query_value(req, "repo");
    const char *tag = mock_http_request_query_value(req, "tag");
    pthread_mutex_lock(&d->lock);
    dk_image *img = dk_find_image(d, name);
    if (!img) {
        dk_unlock(d);
        char *missing = dk_image_missing_ref(name);
        dk_error(res, 404, "No such image: %s", missing);
        free(missing);
        return;
    }
    if (!repo || !*repo) {
        dk_unlock(d);
        dk_error(res, 400, "repository name must have at least one component");
        return;
    }
    char *ref = osh_str_printf("%s:%s", repo, tag && *tag ? tag : "latest");
    dk_image_add_tag(d, img, ref);
    free(ref);
    dk_unlock(d);
    mock_http_respond(res, 201, NULL, "", 0);
}

/* ---- Remove ------------------------------------------------------------------------------ */

static dk_container *image_user(mock_docker *d, const dk_image *img, bool running)
{
    for (size_t i = 0; i < d->container_count; i++) {
        dk_container *c = d->containers[i];
        if (strcmp(c->image_id, img->id) == 0 && (c->status == DK_RUNNING) == running)
            return c;
    }
    return NULL;
}

static void add_untag(cJSON *arr, const char *tag)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Untagged", tag);
    cJSON_AddItemToArray(arr, o);
}

static void add_untag_cb(void *arr, const char *ref)
{
    add_untag(arr, ref);
}

/* dockerd: when the last tag of a repository goes, its digest references go with it. */
static void untag_orphan_digests(dk_image *img, const char *removed_tag, cJSON *arr)
{
    size_t repo_len = (size_t)(strrchr(removed_tag, ':') - removed_tag);
    for (size_t i = 0; i < img->tag_count; i++)
        if (strncmp(img->tags[i], removed_tag, repo_len + 1) == 0)
            return;
    char *repo = osh_str_ndup(removed_tag, repo_len);
    dk_image_remove_digests(img, repo, add_untag_cb, arr);
    free(repo);
}

/* Answers and returns NULL on a conflict; else the list of what was untagged/deleted. */
static cJSON *remove_locked(mock_docker *d, dk_image *img, const char *name, bool force,
                            mock_http_response *res)
{
    char *norm = dk_normalize_ref(name);
    bool by_ref = false;
    for (size_t i = 0; i < img->tag_count; i++)
        by_ref = by_ref || strcmp(img->tags[i], norm) == 0;
    for (size_t i = 0; i < img->digest_count; i++)
        by_ref = by_ref || strcmp(img->digests[i], norm) == 0;
    dk_container *running = image_user(d, img, true);
    dk_container *stopped = image_user(d, img, false);
    dk_container *user = running ? running : stopped;
    cJSON *arr = NULL;
    if (by_ref) {
        if (img->tag_count + img->digest_count == 1 && user && !force) {
            dk_error(res, 409, "conflict: unable to remove repository reference \"%s\" (must force) "
                     "- container %.12s is using its referenced image %.12s",
                     name, user->id, osh_str_skip_prefix(img->id, "sha256:"));
        } else {
            arr = cJSON_CreateArray();
            add_untag(arr, norm);
            if (strchr(norm, '@')) {
                *strchr(norm, '@') = '\0';
                dk_image_remove_digests(img, norm, NULL, NULL);
            } else {
                dk_image_remove_tag(img, norm);
                untag_orphan_digests(img, norm, arr);
            }
            if (img->tag_count + img->digest_count == 0 && !user) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "Deleted", img->id);
                cJSON_AddItemToArray(arr, o);
                dk_remove_image(d, img);
            }
        }
    } else if (running) {
        dk_error(res, 409, "conflict: unable to delete %.12s (cannot be forced) - image is being "
                 "used by running container %.12s", osh_str_skip_prefix(img->id, "sha256:"), running->id);
    } else if (img->tag_count > 1 && !force) {
        dk_error(res, 409, "conflict: unable to delete %.12s (must be forced) - image is referenced "
                 "in multiple repositories", osh_str_skip_prefix(img->id, "sha256:"));
    } else if (stopped && !force) {
        dk_error(res, 409, "conflict: unable to delete %.12s (must be forced) - image is being used "
                 "by stopped container %.12s", osh_str_skip_prefix(img->id, "sha256:"), stopped->id);
    } else {
        arr = cJSON_CreateArray();
        for (size_t i = 0; i < img->tag_count; i++)
            add_untag(arr, img->tags[i]);
        for (size_t i = 0; i < img->digest_count; i++)
            add_untag(arr, img->digests[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Deleted", img->id);
        cJSON_AddItemToArray(arr, o);
        dk_remove_image(d, img);
    }
    free(norm);
    return arr;
}

void dk_image_remove(mock_docker *d, const char *name, const mock_http_request *req,
                     mock_http_response *res)
{
    if (!*name) {
        dk_error(res, 400, "image name cannot be blank");
        return;
    }
    pthread_mutex_lock(&d->lock);
    dk_image *img = dk_find_image(d, name);
    if (!img) {
        dk_unlock(d);
        dk_error(res, 404, "No such image: %s", name);
        return;
    }
    cJSON *arr = remove_locked(d, img, name, dk_query_bool(req, "force"), res);
    dk_unlock(d);
    if (arr) {
        mock_http_respond_json(res, 200, arr);
        cJSON_Delete(arr);
    }
}

/* ---- List -------------------------------------------------------------------------------- */

/* reference.FamiliarMatch: the whole reference, else its repository name. */
static bool ref_matches(const char *want, const char *ref)
{
    const char *cut = strchr(ref, '@');
    if (!cut)
        cut = strrchr(ref, ':');
    if (!cut)
        cut = ref + strlen(ref);
    char *repo = osh_str_ndup(ref, (size_t)(cut - ref));
    bool ok = fnmatch(want, ref, 0) == 0 || fnmatch(want, repo, 0) == 0;
    free(repo);
    return ok;
}

static bool match_reference(const char *want, void *ctx)
{
    const dk_image *img = ctx;
    for (size_t i = 0; i < img->tag_count; i++)
        if (ref_matches(want, img->tags[i]))
            return true;
    for (size_t i = 0; i < img->digest_count; i++)
        if (ref_matches(want, img->digests[i]))
            return true;
    return false;
}

static bool match_one_ref(const char *want, void *ref)
{
    return ref_matches(want, ref);
}

/* With a reference filter dockerd lists only the references that match it. */
static cJSON *listed_refs(const cJSON *f, char **refs, size_t n, bool null_when_empty)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        if (!dk_filter_has(f, "reference") || dk_filter_any(f, "reference", match_one_ref, refs[i]))
            cJSON_AddItemToArray(arr, cJSON_CreateString(refs[i]));
    if (null_when_empty && cJSON_GetArraySize(arr) == 0) {
        cJSON_Delete(arr);
        return cJSON_CreateNull();
    }
    return arr;
}

static bool match_dangling_image(const char *want, void *ctx)
{
    bool dangling = ((const dk_image *)ctx)->tag_count == 0;
    return dangling == (strcmp(want, "true") == 0 || strcmp(want, "1") == 0);
}

void dk_image_list(mock_docker *d, const char *param, const mock_http_request *req,
                   mock_http_response *res)
{
    static const char *const known[] = {"before", "dangling", "label", "reference", "since", NULL};
    cJSON *f;
    if (dk_query_filters(req, known, res, &f) != 0)
        return;
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&d->lock);
    for (size_t i = d->image_count; i-- > 0;) {
        dk_image *img = d->images[i];
        if ((dk_filter_has(f, "reference") && !dk_filter_any(f, "reference", match_reference, img)) ||
            (dk_filter_has(f, "dangling") && !dk_filter_any(f, "dangling", match_dangling_image, img)))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "Containers", -1);
        cJSON_AddNumberToObject(o, "Created", (double)(img->created_ns / 1000000000LL));
        cJSON_AddStringToObject(o, "Id", img->id);
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(img->config, "Labels");
        cJSON_AddItemToObject(o, "Labels", labels ? cJSON_Duplicate(labels, true) : cJSON_CreateNull());
        cJSON_AddStringToObject(o, "ParentId", "");
        cJSON_AddItemToObject(o, "RepoDigests", listed_refs(f, img->digests, img->digest_count, true));
        cJSON_AddItemToObject(o, "RepoTags", listed_refs(f, img->tags, img->tag_count, false));
        cJSON_AddNumberToObject(o, "SharedSize", -1);
        cJSON_AddNumberToObject(o, "Size", (double)img->size);
        cJSON_AddNumberToObject(o, "VirtualSize", (double)img->size);
        cJSON_AddItemToArray(arr, o);
    }
    dk_unlock(d);
    cJSON_Delete(f);
    mock_http_respond_json(res, 200, arr);
    cJSON_Delete(arr);
}

/* ---- Save and load (docker_image_archive.c) as route handlers ----------------------------- */

/* GET /images/get (the names= query; name "") and /images/{name}/get (never "": an empty
 * name is "//", redirected before routing). */
void dk_image_save(mock_docker *d, const char *name, const mock_http_request *req,
                   mock_http_response *res)
{
    dk_image_export(d, req, *name ? name : NULL, res);
}

void dk_image_load_tar(mock_docker *d, const char *param, const mock_http_request *req,
                       mock_http_response *res)
{
    dk_image_load(d, req, res);
}
