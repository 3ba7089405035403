/* mock_docker.c: an instance's lifecycle (defaults, endpoints, free), the hooks and the C
 * API the k3s simulator uses, and the state snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker_internal.h"
#include "osh_str.h"

static void set_defaults(mock_docker *d)
{
    d->api_version = osh_str_dup("1.41");
    d->min_api_version = osh_str_dup("1.12");
    d->max_api_version = osh_str_dup("1.56");
    d->server_version = osh_str_dup("20.10.24");
    d->os = osh_str_dup("linux");
    d->arch = osh_str_dup("amd64");
    d->kernel = osh_str_dup("6.1.0-mock");
    d->hostname = osh_str_dup("mock-docker");
    d->next_pid = 4242;
    d->next_subnet = 17;
    d->next_seq = 1;
    d->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)d << 16) ^ (uint64_t)getpid();
    if (!d->rng)
        d->rng = 0x9E3779B97F4A7C15ULL;
    dk_add_network(d, "bridge", "bridge", true);
    dk_add_network(d, "host", "host", true);
    dk_add_network(d, "none", "null", true);
}

/* Route classes of request bodies: archives (PUT .../archive, POST /images/load, an image
 * import POST /images/create?fromSrc=-, a build context) are large; everything else is a
 * JSON document of a few KiB. */
static size_t body_limit(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    const char *p = mock_http_strip_version(path, NULL, NULL);
    size_t len = strlen(p);
    bool archive = (strcmp(method, "PUT") == 0 && len > 8 && strcmp(p + len - 8, "/archive") == 0) ||
                   strcmp(p, "/images/load") == 0 || strcmp(p, "/images/create") == 0 ||
                   strcmp(p, "/build") == 0;
    return archive ? MOCK_DOCKER_ARCHIVE_BODY_LIMIT : MOCK_DOCKER_JSON_BODY_LIMIT;
}

/* Archives unpacked into a container and image loads: read from a spool file as they are
 * unpacked, never held in memory whole (issue 12). */
static bool body_spool(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    const char *p = mock_http_strip_version(path, NULL, NULL);
    size_t len = strlen(p);
    return (strcmp(method, "PUT") == 0 && len > 8 && strcmp(p + len - 8, "/archive") == 0) ||
           (strcmp(method, "POST") == 0 && strcmp(p, "/images/load") == 0);
}

/* dockerd's error shape ({"message": ...}) with the 413 status. */
static void body_too_large(void *ctx, const mock_http_request *req, size_t limit,
                           mock_http_response *res)
{
    (void)ctx;
    (void)req;
    dk_error(res, 413, "request body too large: limit is %zu bytes", limit);
}

mock_docker *mock_docker_new(const cJSON *scenario, char **error)
{
    mock_docker *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    pthread_mutex_init(&d->lock, NULL);
    set_defaults(d);
    mock_http_server_options o = {.name = "docker", .handler = dk_handle, .handler_ctx = d,
                                  .mock_handler = dk_handle_mock, .mock_handler_ctx = d,
                                  .strip_version_for_faults = true,
                                  .body_limit = body_limit, .too_large = body_too_large,
                                  .body_spool = body_spool};
    d->http = mock_http_server_new(&o);
    if (dk_scenario_load(d, scenario, error) != 0) {
        mock_docker_free(d);
        return NULL;
    }
    return d;
}

int mock_docker_listen_unix(mock_docker *d, const char *path, char **error)
{
    return mock_http_server_listen_unix(d->http, path, error);
}

int mock_docker_listen_tcp(mock_docker *d, const char *host, int port, int *bound_port,
                           char **error)
{
    return mock_http_server_listen_tcp(d->http, host, port, bound_port, error);
}

const char *mock_docker_url(const mock_docker *d, size_t index)
{
    return mock_http_server_url(d->http, index);
}

mock_http_server *mock_docker_http(mock_docker *d)
{
    return d->http;
}

void mock_docker_free(mock_docker *d)
{
    if (!d)
        return;
    mock_http_server_free(d->http); /* joins every connection first */
    for (size_t i = 0; i < d->container_count; i++)
        dk_container_free(d->containers[i]);
    free(d->containers);
    for (size_t i = 0; i < d->image_count; i++)
        dk_image_free(d->images[i]);
    free(d->images);
    for (size_t i = 0; i < d->pullable_count; i++) {
        dk_pullable *p = &d->pullable[i];
        free(p->ref);
        free(p->id);
        cJSON_Delete(p->config);
        free(p->architecture);
        free(p->error_message);
        free(p->stream_error);
        free(p->auth_user);
        free(p->auth_password);
    }
    free(d->pullable);
    for (size_t i = 0; i < d->network_count; i++)
        dk_network_free(d->networks[i]);
    free(d->networks);
    for (size_t i = 0; i < d->volume_count; i++)
        dk_volume_free(d->volumes[i]);
    free(d->volumes);
    for (size_t i = 0; i < d->exec_count; i++) {
        cJSON_Delete(d->execs[i]->config);
        free(d->execs[i]);
    }
    free(d->execs);
    for (size_t i = 0; i < d->scripted_exec_count; i++) {
        dk_scripted_exec *s = &d->scripted_execs[i];
        cJSON_Delete(s->argv);
        free(s->script);
        free(s->container);
        free(s->out);
        free(s->err);
    }
    free(d->scripted_execs);
    for (size_t i = 0; i < d->named_script_count; i++) {
        free(d->named_scripts[i].container_name);
        dk_script_free(&d->named_scripts[i].script);
    }
    free(d->named_scripts);
    cJSON_Delete(d->cdi_spec_dirs);
    free(d->api_version);
    free(d->min_api_version);
    free(d->max_api_version);
    free(d->server_version);
    free(d->os);
    free(d->arch);
    free(d->kernel);
    free(d->hostname);
    free(d->builder_version);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void mock_docker_set_hooks(mock_docker *d, const mock_docker_hooks *hooks)
{
    pthread_mutex_lock(&d->lock);
    if (hooks)
        d->hooks = *hooks;
    else
        memset(&d->hooks, 0, sizeof d->hooks);
    dk_unlock(d);
}

void mock_docker_set_inspect_cache(mock_docker *d, bool on)
{
    pthread_mutex_lock(&d->lock);
    d->inspect_cache_off = !on;
    dk_unlock(d);
}

void dk_fire_event(mock_docker *d, const char *id, mock_docker_event ev)
{
    pthread_mutex_lock(&d->lock);
    mock_docker_hooks h = d->hooks;
    dk_unlock(d);
    if (h.container_event)
        h.container_event(h.ctx, d, id, ev);
}

/* ---- State snapshot ---------------------------------------------------------------------- */

static cJSON *image_state(const dk_image *img)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", img->id);
    cJSON *tags = cJSON_AddArrayToObject(o, "RepoTags");
    for (size_t t = 0; t < img->tag_count; t++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(img->tags[t]));
    cJSON_AddItemToObject(o, "Config", cJSON_Duplicate(img->config, true));
    cJSON_AddStringToObject(o, "Architecture", img->architecture);
    return o;
}

cJSON *mock_docker_state_json(mock_docker *d)
{
    cJSON *s = cJSON_CreateObject();
    pthread_mutex_lock(&d->lock);
    cJSON *cs = cJSON_AddArrayToObject(s, "containers");
    for (size_t i = 0; i < d->container_count; i++) {
        dk_container *c = d->containers[i];
        cJSON *o = dk_container_inspect_json(d, c);
        cJSON_AddItemToObject(o, "CreateBody", cJSON_Duplicate(c->body, true));
        cJSON_AddNumberToObject(o, "InspectCount", (double)c->inspects);
        cJSON *logs = cJSON_AddArrayToObject(o, "Logs");
        for (size_t k = 0; k < c->log_count; k++) {
            cJSON *l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "stream", c->logs[k].stream == 2 ? "stderr" : "stdout");
            cJSON_AddStringToObject(l, "text", c->logs[k].text);
            cJSON_AddItemToArray(logs, l);
        }
        cJSON *files = cJSON_AddArrayToObject(o, "Files");
        for (size_t k = 0; k < c->file_count; k++)
            cJSON_AddItemToArray(files, cJSON_CreateString(c->files[k].path));
        cJSON_AddItemToArray(cs, o);
    }
    cJSON *is = cJSON_AddArrayToObject(s, "images");
    for (size_t i = 0; i < d->image_count; i++)
        cJSON_AddItemToArray(is, image_state(d->images[i]));
    cJSON *ns = cJSON_AddArrayToObject(s, "networks");
    for (size_t i = 0; i < d->network_count; i++)
        cJSON_AddItemToArray(ns, dk_network_json(d, d->networks[i]));
    cJSON *vs = cJSON_AddArrayToObject(s, "volumes");
    for (size_t i = 0; i < d->volume_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Name", d->volumes[i]->name);
        cJSON_AddStringToObject(o, "Driver", d->volumes[i]->driver);
        cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(d->volumes[i]->labels, true));
        cJSON_AddItemToArray(vs, o);
    }
    cJSON *es = cJSON_AddArrayToObject(s, "execs");
    for (size_t i = 0; i < d->exec_count; i++) {
        dk_exec *e = d->execs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ID", e->id);
        cJSON_AddStringToObject(o, "ContainerID", e->container_id);
        cJSON_AddItemToObject(o, "Config", cJSON_Duplicate(e->config, true));
        cJSON_AddBoolToObject(o, "Running", e->running);
        if (e->finished && !e->exit_null)
            cJSON_AddNumberToObject(o, "ExitCode", e->exit_code);
        else
            cJSON_AddNullToObject(o, "ExitCode");
        cJSON_AddItemToArray(es, o);
    }
    dk_unlock(d);
    return s;
}

/* ---- C API: containers --------------------------------------------------------------------- */

#define WITH_CONTAINER(d, ref, missing, body)                                              \
    do {                                                                                   \
        pthread_mutex_lock(&(d)->lock);                                                    \
        dk_container *c = dk_find_container((d), (ref));                                   \
        if (!c) {                                                                          \
            dk_unlock_unchanged((d)); /* none found: nothing changed */      \
            return missing;                                                                \
        }                                                                                  \
        body;                                                                              \
    } while (0)

char *mock_docker_container_id(mock_docker *d, const char *ref)
{
    WITH_CONTAINER(d, ref, NULL, {
        char *id = osh_str_dup(c->id);
        dk_unlock_unchanged(d);
        return id;
    });
}

char *mock_docker_container_name(mock_docker *d, const char *ref)
{
    WITH_CONTAINER(d, ref, NULL, {
        char *name = osh_str_dup(c->name);
        dk_unlock_unchanged(d);
        return name;
    });
}

cJSON *mock_docker_container_create_body(mock_docker *d, const char *ref)
{
    WITH_CONTAINER(d, ref, NULL, {
        cJSON *b = cJSON_Duplicate(c->body, true);
        dk_unlock_unchanged(d);
        return b;
    });
}

static cJSON *array_field(mock_docker *d, const char *ref, bool host_config, const char *key)
{
    WITH_CONTAINER(d, ref, NULL, {
        const cJSON *src = host_config ? dk_body_get(dk_host_config(c), key) : dk_body_get(c->body, key);
        cJSON *copy = cJSON_IsArray(src) ? cJSON_Duplicate(src, true) : cJSON_CreateArray();
        dk_unlock_unchanged(d);
        return copy;
    });
}

cJSON *mock_docker_container_env(mock_docker *d, const char *ref)
{
    return array_field(d, ref, false, "Env");
}

cJSON *mock_docker_container_cmd(mock_docker *d, const char *ref)
{
    return array_field(d, ref, false, "Cmd");
}

cJSON *mock_docker_container_binds(mock_docker *d, const char *ref)
{
    return array_field(d, ref, true, "Binds");
}

char *mock_docker_container_hostname(mock_docker *d, const char *ref)
{
    WITH_CONTAINER(d, ref, NULL, {
        char *h = dk_effective_hostname(c);
        dk_unlock_unchanged(d);
        return h;
    });
}

int mock_docker_container_state_get(mock_docker *d, const char *ref,
                                    mock_docker_container_state *out)
{
    WITH_CONTAINER(d, ref, -1, {
        memset(out, 0, sizeof *out);
        strcpy(out->status, dk_status_name(c->status));
        out->running = c->status == DK_RUNNING;
        out->exit_code = c->exit_code;
        out->oom_killed = c->oom_killed;
        if (c->has_health)
            strcpy(out->health, c->health);
        out->inspect_count = c->inspects;
        out->restart_count = c->restart_count;
        dk_unlock_unchanged(d);
        return 0;
    });
}

int mock_docker_set_health(mock_docker *d, const char *ref, const char *status)
{
    WITH_CONTAINER(d, ref, -1, {
        int rc = -1;
        if (c->has_health) {
            snprintf(c->health, sizeof c->health, "%s", status);
            c->health_forced = true;
            c->failing_streak = strcmp(status, "unhealthy") == 0 ? c->failing_streak + 1 : 0;
            rc = 0;
        }
        dk_unlock(d);
        return rc;
    });
}

int mock_docker_container_exit(mock_docker *d, const char *ref, int exit_code,
                               const char *error, bool oom_killed)
{
    WITH_CONTAINER(d, ref, -1, {
        int rc = -1;
        char id[DK_ID_LEN + 1];
        snprintf(id, sizeof id, "%s", c->id);
        if (c->status == DK_RUNNING) {
            dk_container_set_exited(d, c, exit_code, error, oom_killed);
            rc = 0;
        }
        dk_unlock(d);
        mock_http_server_wake_key(d->http, mock_http_key(id));
        if (rc == 0)
            dk_after_exit(d, id);
        return rc;
    });
}

int mock_docker_append_log(mock_docker *d, const char *ref, int stream, const char *line)
{
    WITH_CONTAINER(d, ref, -1, {
        dk_container_append_log(c, stream == 2 ? 2 : 1, line);
        uint64_t key = mock_http_key(c->id);
        dk_unlock(d);
        mock_http_server_wake_key(d->http, key);
        return 0;
    });
}

int mock_docker_file_read(mock_docker *d, const char *ref, const char *path, osh_buf *out)
{
    char *norm = dk_path_normalize(path);
    if (!norm)
        return -1;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    dk_file *f = c ? dk_file_find(c, norm) : NULL;
    int rc = -1;
    if (f && f->type == 'f') {
        osh_buf_append(out, f->data.data, f->data.len);
        rc = 0;
    }
    dk_unlock(d);
    free(norm);
    return rc;
}

int mock_docker_file_write(mock_docker *d, const char *ref, const char *path,
                           const void *data, size_t len, unsigned mode)
{
    char *norm = dk_path_normalize(path);
    if (!norm || strcmp(norm, "/") == 0) {
        free(norm);
        return -1;
    }
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    int rc = -1;
    if (c) {
        dk_file *f = dk_file_put(c, norm, 'f', mode ? mode : 0644);
        osh_buf_append(&f->data, data, len);
        rc = 0;
    }
    dk_unlock(d);
    free(norm);
    return rc;
}

int mock_docker_file_remove(mock_docker *d, const char *ref, const char *path)
{
    char *norm = dk_path_normalize(path);
    if (!norm)
        return -1;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    int rc = -1;
    if (c && dk_file_find(c, norm)) {
        dk_file_remove_tree(c, norm);
        rc = 0;
    }
    dk_unlock(d);
    free(norm);
    return rc;
}

/* ---- C API: volumes ------------------------------------------------------------------------ */

cJSON *mock_docker_volume_names(mock_docker *d)
{
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->volume_count; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(d->volumes[i]->name));
    dk_unlock(d);
    return arr;
}

bool mock_docker_volume_exists(mock_docker *d, const char *name)
{
    pthread_mutex_lock(&d->lock);
    bool found = dk_find_volume(d, name) != NULL;
    dk_unlock(d);
    return found;
}

/* "vol:/path[:mode]" mounts vol at /path. */
static bool bind_mounts(const char *bind, const char *volume, const char *path)
{
    size_t vlen = strlen(volume);
    if (strncmp(bind, volume, vlen) != 0 || bind[vlen] != ':')
        return false;
    const char *dst = bind + vlen + 1;
    size_t plen = strlen(path);
    return strncmp(dst, path, plen) == 0 && (dst[plen] == '\0' || dst[plen] == ':');
}

char *mock_docker_find_volume_mount(mock_docker *d, const char *volume, const char *path)
{
    pthread_mutex_lock(&d->lock);
    dk_container *best = NULL;
    for (size_t i = 0; i < d->container_count; i++) {
        dk_container *c = d->containers[i];
        const cJSON *binds = dk_body_get(dk_host_config(c), "Binds");
        bool mounts = false;
        for (const cJSON *b = cJSON_IsArray(binds) ? binds->child : NULL; b && !mounts; b = b->next)
            mounts = cJSON_IsString(b) && bind_mounts(b->valuestring, volume, path);
        if (!mounts)
            continue;
        bool better = !best || (c->status == DK_RUNNING && best->status != DK_RUNNING) ||
                      ((c->status == DK_RUNNING) == (best->status == DK_RUNNING) && c->seq > best->seq);
        if (better)
            best = c;
    }
    char *id = best ? osh_str_dup(best->id) : NULL;
    dk_unlock(d);
    return id;
}
