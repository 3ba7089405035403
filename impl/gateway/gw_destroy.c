/* gw_destroy.c: removing a gateway's Docker resources: destroy (rules §9.4), stop (9.3) and
 * the resume-mode cleanup after a failed deploy (9.6). */
#include "gw_internal.h"

#include <stdlib.h>

#include "gw_timing.h"
#include "osh_str.h"

/* rules §9.4: an image delete answered 409 (still in use) is tried up to this many times. */
#define GW_IMAGE_DELETE_ATTEMPTS 5

static void ignore_call(gw_ctx *ctx, const char *method, const char *path, const cJSON *body)
{
    gw_error ignored = GW_ERROR_INIT;
    gw_docker_json(ctx, method, path, body, NULL, NULL, NULL, &ignored);
    gw_error_clear(&ignored);
}

static void disconnect_from_own_network(gw_ctx *ctx)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Container", ctx->resource);
    cJSON_AddBoolToObject(body, "Force", 1);
    char *path = osh_str_printf("/networks/%s/disconnect", ctx->resource);
    ignore_call(ctx, "POST", path, body);
    free(path);
    cJSON_Delete(body);
}

static void stop_ignoring_errors(gw_ctx *ctx)
{
    char *path = osh_str_printf("/containers/%s/stop", ctx->resource);
    ignore_call(ctx, "POST", path, NULL);
    free(path);
}

static int remove_container(gw_ctx *ctx, gw_error *err)
{
    static const long ok[] = {200, 204, 404, 0};
    char *path = osh_str_printf("/containers/%s?force=true", ctx->resource);
    int rc = gw_docker_json(ctx, "DELETE", path, NULL, ok, NULL, NULL, err);
    free(path);
    if (rc != 0)
        gw_error_prefix(err, "failed to remove container %s: ", ctx->resource);
    return rc;
}

static void remove_image(gw_ctx *ctx, const char *id)
{
    static const long ok[] = {200, 204, 404, 0};
    char *path = osh_str_printf("/images/%s?force=true&noprune=true", id);
    gw_error e = GW_ERROR_INIT;
    for (int attempt = 1; attempt <= GW_IMAGE_DELETE_ATTEMPTS; attempt++) {
        if (attempt > 1)
            gw_sleep_nominal(500);
        gw_error_clear(&e);
        if (gw_docker_json(ctx, "DELETE", path, NULL, ok, NULL, NULL, &e) == 0 || e.code != GW_E_CONFLICT)
            break;
    }
    if (e.message)
        gw_emit(ctx, GW_EVENT_WARNING, "failed to remove gateway image %s: %s", id, e.message);
    gw_error_clear(&e);
    free(path);
}

static int remove_volume(gw_ctx *ctx, gw_error *err)
{
    static const long ok[] = {200, 204, 404, 0};
    char *path = osh_str_printf("/volumes/%s?force=true", ctx->resource);
    int rc = gw_docker_json(ctx, "DELETE", path, NULL, ok, NULL, NULL, err);
    free(path);
    if (rc != 0)
        gw_error_prefix(err, "failed to remove volume %s: ", ctx->resource);
    return rc;
}

int gw_destroy_resources(gw_ctx *ctx, gw_error *err)
{
    cJSON *inspect = NULL;
    gw_error ignored = GW_ERROR_INIT;
    gw_inspect_container(ctx, &inspect, &ignored);
    gw_error_clear(&ignored);
    const char *image = gw_json_string(inspect, "Image");
    char *image_id = image && *image ? osh_str_dup(image) : NULL;
    cJSON_Delete(inspect);
    disconnect_from_own_network(ctx);
    stop_ignoring_errors(ctx);
    int rc = remove_container(ctx, err);
    if (rc == 0 && image_id)
        remove_image(ctx, image_id);
    if (rc == 0)
        rc = remove_volume(ctx, err);
    if (rc == 0)
        rc = gw_network_force_remove(ctx, err);
    free(image_id);
    return rc;
}

int gw_cleanup_resume(gw_ctx *ctx, gw_error *err)
{
    disconnect_from_own_network(ctx);
    stop_ignoring_errors(ctx);
    if (remove_container(ctx, err) != 0)
        return -1;
    return gw_network_force_remove(ctx, err);
}

int gw_destroy(const gw_target *t, gw_error *err)
{
    gw_ctx ctx;
    if (gw_ctx_open(&ctx, t, err) != 0)
        return -1;
    int rc = gw_destroy_resources(&ctx, err);
    gw_ctx_close(&ctx);
    return rc;
}

int gw_stop(const gw_target *t, gw_error *err)
{
    static const long ok[] = {200, 204, 304, 404, 409, 0};
    gw_ctx ctx;
    if (gw_ctx_open(&ctx, t, err) != 0)
        return -1;
    char *path = osh_str_printf("/containers/%s/stop", ctx.resource);
    int rc = gw_docker_json(&ctx, "POST", path, NULL, ok, NULL, NULL, err);
    if (rc != 0)
        gw_error_prefix(err, "failed to stop gateway container %s: ", ctx.resource);
    free(path);
    gw_ctx_close(&ctx);
    return rc;
}
