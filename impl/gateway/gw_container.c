/* gw_container.c: the gateway container: port-conflict check (rules §4.7), reuse, recreate or
 * create (4.8), network reconciliation, the actual port, and start with retries (4.9). */
#include "gw_internal.h"

#include <stdlib.h>
#include <string.h>

#include "gw_timing.h"
#include "osh_str.h"

/* rules §4.9: a start refused because the host port is still allocated is tried up to this
 * many times. */
#define GW_START_ATTEMPTS 5

static bool names_include(const cJSON *names, const char *want)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, names)
    {
        if (!cJSON_IsString(n))
            continue;
        const char *s = n->valuestring[0] == '/' ? n->valuestring + 1 : n->valuestring;
        if (strcmp(s, want) == 0)
            return true;
    }
    return false;
}

static char *container_label(const cJSON *c)
{
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "Names"), 0);
    if (cJSON_IsString(first))
        return osh_str_dup(first->valuestring[0] == '/' ? first->valuestring + 1 : first->valuestring);
    const char *id = gw_json_string(c, "Id");
    return osh_str_dup(id ? id : "<unknown>");
}

int gw_port_conflict_check(gw_ctx *ctx, int port, gw_error *err)
{
    cJSON *list = NULL;
    if (gw_docker_json(ctx, "GET", "/containers/json", NULL, NULL, NULL, &list, err) != 0) {
        gw_error_prefix(err, "failed to list containers for port conflict check: ");
        return -1;
    }
    osh_buf held = OSH_BUF_INIT, stops = OSH_BUF_INIT;
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        if (names_include(cJSON_GetObjectItemCaseSensitive(c, "Names"), ctx->resource))
            continue;
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "Ports"))
        {
            const cJSON *pub = cJSON_GetObjectItemCaseSensitive(p, "PublicPort");
            if (gw_json_long(pub, -1L) != port)
                continue;
            char *label = container_label(c);
            osh_buf_appendf(&held, "%sport %d is held by container \"%s\"", held.len ? ", " : "", port, label);
            osh_buf_appendf(&stops, "\n  docker stop %s", label);
            free(label);
        }
    }
    int rc = 0;
    if (held.len)
        rc = gw_fail(err, GW_E_PORT_IN_USE,
                     "cannot start gateway: %s\n\nStop or remove the conflicting container(s) first, then retry:%s",
                     osh_buf_str(&held), osh_buf_str(&stops));
    osh_buf_free(&held);
    osh_buf_free(&stops);
    cJSON_Delete(list);
    return rc;
}

static int create_container(gw_ctx *ctx, const gw_container_spec *spec, gw_error *err)
{
    osh_buf path = OSH_BUF_INIT;
    osh_buf_append_str(&path, "/containers/create");
    docker_path_add_query(&path, "name", ctx->resource);
    cJSON *body = gw_container_create_body(spec);
    int rc = gw_docker_json(ctx, "POST", osh_buf_str(&path), body, NULL, NULL, NULL, err);
    if (rc != 0)
        gw_error_prefix(err, "failed to create gateway container: ");
    cJSON_Delete(body);
    osh_buf_free(&path);
    return rc;
}

/* Not resuming: reuse only when the container runs the wanted image's ID. */
static bool same_image(gw_ctx *ctx, const cJSON *inspect, const char *ref)
{
    static const long ok[] = {200, 0};
    char *path = osh_str_printf("/images/%s/json", ref);
    cJSON *image = NULL;
    gw_error ignored = GW_ERROR_INIT;
    bool same = false;
    if (gw_docker_json(ctx, "GET", path, NULL, ok, NULL, &image, &ignored) == 0) {
        const char *want = gw_json_string(image, "Id");
        const char *have = gw_json_string(inspect, "Image");
        same = want && have && strcmp(want, have) == 0;
    }
    gw_error_clear(&ignored);
    cJSON_Delete(image);
    free(path);
    return same;
}

static int remove_stale_container(gw_ctx *ctx, gw_error *err)
{
    gw_error ignored = GW_ERROR_INIT;
    char *stop = osh_str_printf("/containers/%s/stop", ctx->resource);
    gw_docker_json(ctx, "POST", stop, NULL, NULL, NULL, NULL, &ignored);
    gw_error_clear(&ignored);
    free(stop);
    char *del = osh_str_printf("/containers/%s?force=true", ctx->resource);
    int rc = gw_docker_json(ctx, "DELETE", del, NULL, NULL, NULL, NULL, err);
    free(del);
    if (rc != 0)
        gw_error_prefix(err, "failed to remove stale container: ");
    return rc;
}

static int reconcile_network(gw_ctx *ctx, gw_error *err)
{
    cJSON *inspect = NULL;
    if (gw_inspect_container(ctx, &inspect, err) == 0 && !inspect)
        gw_fail(err, GW_E_NOT_FOUND, "No such container: %s", ctx->resource);
    if (!inspect) {
        gw_error_prefix(err, "failed to inspect container for network reconciliation: ");
        return -1;
    }
    const cJSON *net;
    cJSON_ArrayForEach(net, gw_json_path(inspect, "NetworkSettings.Networks"))
    {
        if (!net->string)
            continue;
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "Container", ctx->resource);
        cJSON_AddBoolToObject(body, "Force", 1);
        char *path = osh_str_printf("/networks/%s/disconnect", net->string);
        gw_error ignored = GW_ERROR_INIT;
        gw_docker_json(ctx, "POST", path, body, NULL, NULL, NULL, &ignored);
        gw_error_clear(&ignored);
        free(path);
        cJSON_Delete(body);
    }
    cJSON_Delete(inspect);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Container", ctx->resource);
    cJSON_AddObjectToObject(body, "EndpointConfig");
    char *path = osh_str_printf("/networks/%s/connect", ctx->resource);
    int rc = gw_docker_json(ctx, "POST", path, body, NULL, NULL, NULL, err);
    if (rc != 0)
        gw_error_prefix(err, "failed to connect container to gateway network: ");
    free(path);
    cJSON_Delete(body);
    return rc;
}

static int bound_port(const cJSON *inspect, int fallback)
{
    const cJSON *list = gw_json_path(inspect, "HostConfig.PortBindings");
    list = cJSON_GetObjectItemCaseSensitive(list, "30051/tcp");
    const char *hp = gw_json_string(cJSON_GetArrayItem(list, 0), "HostPort");
    if (!hp || !*hp)
        return fallback;
    char *end = NULL;
    long v = strtol(hp, &end, 10);
    if (*end || v < 1 || v > 65535)
        return fallback;
    return (int)v;
}

int gw_container_ensure(gw_ctx *ctx, const gw_container_spec *spec, bool resume, int *actual_port, gw_error *err)
{
    *actual_port = spec->host_port;
    cJSON *inspect = NULL;
    if (gw_inspect_container(ctx, &inspect, err) != 0)
        return -1;
    if (inspect && !resume && !same_image(ctx, inspect, spec->image_ref)) {
        cJSON_Delete(inspect);
        inspect = NULL;
        if (remove_stale_container(ctx, err) != 0)
            return -1;
    }
    if (!inspect)
        return create_container(ctx, spec, err);
    *actual_port = bound_port(inspect, spec->host_port);
    cJSON_Delete(inspect);
    return reconcile_network(ctx, err);
}

int gw_container_start(gw_ctx *ctx, gw_error *err)
{
    static const long ok[] = {204, 200, 304, 409, 0};
    char *path = osh_str_printf("/containers/%s/start", ctx->resource);
    int rc = -1;
    for (int attempt = 1; attempt <= GW_START_ATTEMPTS; attempt++) {
        gw_error e = GW_ERROR_INIT;
        if (gw_docker_json(ctx, "POST", path, NULL, ok, NULL, NULL, &e) == 0) {
            rc = 0;
            break;
        }
        if (attempt < GW_START_ATTEMPTS && e.code == GW_E_PORT_IN_USE) {
            gw_error_clear(&e);
            gw_sleep_backoff(attempt);
            continue;
        }
        gw_error_move(err, &e);
        gw_error_prefix(err, "failed to start gateway container: ");
        break;
    }
    free(path);
    return rc;
}
