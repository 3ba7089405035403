/* docker_volumes.c: volumes: create (idempotent), inspect, list with filters, remove (force;
 * 409 while any container mounts it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_internal.h"
#include "osh_str.h"

dk_volume *dk_volume_add(mock_docker *d, const char *name)
{
    dk_volume *v = calloc(1, sizeof *v);
    if (!v)
        abort();
    v->name = osh_str_dup(name);
    v->driver = osh_str_dup("local");
    v->created_ns = dk_now_ns();
    DK_GROW(d->volumes, d->volume_count);
    d->volumes[d->volume_count++] = v;
    return v;
}

/* Containers whose Binds use the volume, as "id1 id2" (Go's %v of a slice, without []). */
static char *users_of(mock_docker *d, const char *name)
{
    osh_buf b = OSH_BUF_INIT;
    size_t nlen = strlen(name);
    for (size_t i = 0; i < d->container_count; i++) {
        const cJSON *binds = dk_body_get(dk_host_config(d->containers[i]), "Binds");
        for (const cJSON *e = cJSON_IsArray(binds) ? binds->child : NULL; e; e = e->next) {
            if (cJSON_IsString(e) && strncmp(e->valuestring, name, nlen) == 0 &&
                e->valuestring[nlen] == ':') {
                if (b.len)
                    osh_buf_append_char(&b, ' ');
                osh_buf_append_str(&b, d->containers[i]->id);
                break;
            }
        }
    }
    return osh_buf_detach(&b);
}

static cJSON *volume_json(const dk_volume *v)
{
    char t[32];
    time_t secs = (time_t)(v->created_ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "CreatedAt", t);
    cJSON_AddStringToObject(o, "Driver", v->driver);
    cJSON_AddItemToObject(o, "Labels", v->labels ? cJSON_Duplicate(v->labels, true) : cJSON_CreateNull());
    char *mp = osh_str_printf("/var/lib/docker/volumes/%s/_data", v->name);
    cJSON_AddStringToObject(o, "Mountpoint", mp);
    free(mp);
    cJSON_AddStringToObject(o, "Name", v->name);
    cJSON_AddItemToObject(o, "Options", v->options ? cJSON_Duplicate(v->options, true) : cJSON_CreateNull());
    cJSON_AddStringToObject(o, "Scope", "local");
    return o;
}

/* The volume store's OpErr text: "get NAME: no such volume", "get: no such volume" for "". */
static void no_such_volume(mock_http_response *res, const char *name)
{
    dk_error(res, 404, "get%s%s: no such volume", *name ? " " : "", name);
}

void dk_volume_create(mock_docker *d, const char *param, const mock_http_request *req,
                      mock_http_response *res)
{
    cJSON *body;
    if (!dk_optional_json_body(req, res, &body))
        return;
    const char *given = dk_body_str(body, "Name");
    char hex[DK_ID_LEN + 1];
    pthread_mutex_lock(&d->lock);
    if (!given || !*given) {
        dk_random_hex(d, hex, DK_ID_LEN);
        given = hex;
    }
    if (!dk_valid_name(given)) {
        dk_unlock(d);
        dk_error(res, 400, "create %s: \"%s\" includes invalid characters for a local volume name, "
                 "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                 "directory, use absolute path", given, given);
        cJSON_Delete(body);
        return;
    }
    dk_volume *v = dk_find_volume(d, given);
    if (!v) {
        v = dk_volume_add(d, given);
        const cJSON *labels = dk_body_get(body, "Labels");
        const cJSON *opts = dk_body_get(body, "DriverOpts");
        const char *driver = dk_body_str(body, "Driver");
        if (cJSON_IsObject(labels) && labels->child)
            v->labels = cJSON_Duplicate(labels, true);
        if (cJSON_IsObject(opts) && opts->child)
            v->options = cJSON_Duplicate(opts, true);
        if (driver && *driver) {
            free(v->driver);
            v->driver = osh_str_dup(driver);
        }
    }
    cJSON *o = volume_json(v);
    dk_unlock(d);
    mock_http_respond_json(res, 201, o);
    cJSON_Delete(o);
    cJSON_Delete(body);
}

typedef struct volume_match {
    mock_docker *d;
    dk_volume *v;
} volume_match;

static bool match_volume_name(const char *want, void *ctx)
{
    return strstr(((volume_match *)ctx)->v->name, want) != NULL;
}

static bool match_volume_label(const char *want, void *ctx)
{
    const cJSON *labels = ((volume_match *)ctx)->v->labels;
    const char *eq = strchr(want, '=');
    char *key = eq ? osh_str_ndup(want, (size_t)(eq - want)) : osh_str_dup(want);
    const cJSON *val = labels ? cJSON_GetObjectItemCaseSensitive(labels, key) : NULL;
    bool ok = val && (!eq || (cJSON_IsString(val) && strcmp(val->valuestring, eq + 1) == 0));
    free(key);
    return ok;
}

static bool match_dangling(const char *want, void *ctx)
{
    volume_match *m = ctx;
    char *users = users_of(m->d, m->v->name);
    bool dangling = users[0] == '\0';
    free(users);
    bool want_dangling = strcmp(want, "true") == 0 || strcmp(want, "1") == 0;
    return dangling == want_dangling;
}

static bool match_volume_driver(const char *want, void *ctx)
{
    return strcmp(((volume_match *)ctx)->v->driver, want) == 0;
}

void dk_volume_list(mock_docker *d, const char *param, const mock_http_request *req,
                    mock_http_response *res)
{
    static const char *const known[] = {"dangling", "driver", "label", "name", NULL};
    cJSON *f;
    if (dk_query_filters(req, known, res, &f) != 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "Volumes");
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->volume_count; i++) {
        volume_match m = {d, d->volumes[i]};
        if ((dk_filter_has(f, "name") && !dk_filter_any(f, "name", match_volume_name, &m)) ||
            (dk_filter_has(f, "label") && !dk_filter_any(f, "label", match_volume_label, &m)) ||
            (dk_filter_has(f, "dangling") && !dk_filter_any(f, "dangling", match_dangling, &m)) ||
            (dk_filter_has(f, "driver") && !dk_filter_any(f, "driver", match_volume_driver, &m)))
            continue;
        cJSON_AddItemToArray(arr, volume_json(d->volumes[i]));
    }
    dk_unlock(d);
    cJSON_AddNullToObject(o, "Warnings");
    cJSON_Delete(f);
    mock_http_respond_json(res, 200, o);
    cJSON_Delete(o);
}

void dk_volume_remove(mock_docker *d, const char *name, const mock_http_request *req,
                      mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_volume *v = dk_find_volume(d, name);
    if (!v) {
        dk_unlock(d);
        if (dk_query_bool(req, "force"))
            mock_http_respond_empty(res, 204);
        else
            no_such_volume(res, name);
        return;
    }
    char *users = users_of(d, name);
    if (users[0]) {
        dk_unlock(d);
        dk_error(res, 409, "remove %s: volume is in use - [%s]", name, users);
        free(users);
        return;
    }
    free(users);
    for (size_t i = 0; i < d->volume_count; i++)
        if (d->volumes[i] == v) {
            memmove(&d->volumes[i], &d->volumes[i + 1], (d->volume_count - i - 1) * sizeof *d->volumes);
            d->volume_count--;
            break;
        }
    dk_volume_free(v);
    mock_docker_hooks h = d->hooks;
    dk_unlock(d);
    if (h.volume_removed)
        h.volume_removed(h.ctx, d, name);
    mock_http_respond_empty(res, 204);
}

void dk_volume_inspect(mock_docker *d, const char *name, const mock_http_request *req,
                       mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_volume *v = dk_find_volume(d, name);
    cJSON *o = v ? volume_json(v) : NULL;
    dk_unlock(d);
    if (!o) {
        no_such_volume(res, name);
        return;
    }
    mock_http_respond_json(res, 200, o);
    cJSON_Delete(o);
}
