/* gw_network.c: the per-gateway network (rules §4.4) and the volume (rules §4.5). */
#include "gw_internal.h"

#include <stdlib.h>

#include "gw_timing.h"
#include "osh_str.h"

/* rules §4.4: a network create answered 409 (the old one still in use) is tried up to this
 * many times. */
#define GW_NETWORK_CREATE_ATTEMPTS 5

static void disconnect_endpoint(gw_ctx *ctx, const char *container)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Container", container);
    cJSON_AddBoolToObject(body, "Force", 1);
    char *path = osh_str_printf("/networks/%s/disconnect", ctx->resource);
    gw_error ignored = GW_ERROR_INIT;
    gw_docker_json(ctx, "POST", path, body, NULL, NULL, NULL, &ignored);
    gw_error_clear(&ignored);
    free(path);
    cJSON_Delete(body);
}

int gw_network_force_remove(gw_ctx *ctx, gw_error *err)
{
    static const long inspect_ok[] = {200, 404, 0};
    static const long delete_ok[] = {200, 204, 404, 0};
    char *path = osh_str_printf("/networks/%s", ctx->resource);
    cJSON *net = NULL;
    long status = 0;
    int rc = gw_docker_json(ctx, "GET", path, NULL, inspect_ok, &status, &net, err);
    if (rc == 0 && status == 200) {
        const cJSON *containers = cJSON_GetObjectItemCaseSensitive(net, "Containers");
        const cJSON *entry;
        cJSON_ArrayForEach(entry, containers)
        {
            if (entry->string)
                disconnect_endpoint(ctx, entry->string);
        }
        rc = gw_docker_json(ctx, "DELETE", path, NULL, delete_ok, NULL, NULL, err);
        if (rc != 0)
            gw_error_prefix(err, "failed to remove Docker network %s: ", ctx->resource);
    }
    cJSON_Delete(net);
    free(path);
    return rc;
}

int gw_network_ensure(gw_ctx *ctx, gw_error *err)
{
    static const long create_ok[] = {201, 200, 409, 0};
    if (gw_network_force_remove(ctx, err) != 0)
        return -1;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Name", ctx->resource);
    cJSON_AddStringToObject(body, "Driver", "bridge");
    cJSON_AddBoolToObject(body, "Attachable", 1);
    int rc = -1;
    for (int attempt = 1; attempt <= GW_NETWORK_CREATE_ATTEMPTS; attempt++) {
        if (attempt > 1) {
            gw_sleep_backoff(attempt - 1);
            if (gw_network_force_remove(ctx, err) != 0)
                break;
        }
        long status = 0;
        if (gw_docker_json(ctx, "POST", "/networks/create", body, create_ok, &status, NULL, err) != 0) {
            gw_error_prefix(err, "failed to create Docker network %s: ", ctx->resource);
            break;
        }
        if (status != 409) {
            rc = 0;
            break;
        }
        if (attempt == GW_NETWORK_CREATE_ATTEMPTS)
            gw_fail(err, GW_E_CONFLICT, "failed to create Docker network after retries (network still in use): %s",
                    ctx->resource);
    }
    cJSON_Delete(body);
    return rc;
}

int gw_volume_ensure(gw_ctx *ctx, gw_error *err)
{
    static const long inspect_ok[] = {200, 404, 0};
    char *path = osh_str_printf("/volumes/%s", ctx->resource);
    long status = 0;
    int rc = gw_docker_json(ctx, "GET", path, NULL, inspect_ok, &status, NULL, err);
    free(path);
    if (rc != 0 || status == 200)
        return rc;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Name", ctx->resource);
    rc = gw_docker_json(ctx, "POST", "/volumes/create", body, NULL, NULL, NULL, err);
    cJSON_Delete(body);
    if (rc != 0)
        gw_error_prefix(err, "failed to create Docker volume %s: ", ctx->resource);
    return rc;
}
