/* gw_ctx.c: the per-command context (Docker client, resource names, event sink) and the
 * small Docker helpers every flow uses. */
#include "gw_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

int gw_ctx_open(gw_ctx *ctx, const gw_target *t, gw_error *err)
{
    memset(ctx, 0, sizeof(*ctx));
    docker_endpoint ep;
    int rc;
    if (t->remote && *t->remote) {
        rc = docker_endpoint_ssh(t->remote, t->ssh_key, &ep, err);
        ctx->remote = true;
    } else {
        char *host = gw_env_trimmed("DOCKER_HOST");
        rc = docker_endpoint_parse(host, &ep, err);
        free(host);
    }
    if (rc == 0 && docker_bounds_from_env(&ep.bounds, err) != 0) {
        docker_endpoint_free(&ep);
        rc = -1;
    }
    if (rc != 0)
        return -1;
    ctx->docker = docker_client_new(&ep);
    docker_endpoint_free(&ep);
    ctx->name = osh_str_dup(t->name);
    ctx->resource = gw_resource_name(t->name);
    ctx->on_event = t->on_event;
    ctx->event_ud = t->event_ud;
    return 0;
}

void gw_ctx_close(gw_ctx *ctx)
{
    docker_client_free(ctx->docker);
    free(ctx->name);
    free(ctx->resource);
    memset(ctx, 0, sizeof(*ctx));
}

void gw_emit(gw_ctx *ctx, gw_event kind, const char *fmt, ...)
{
    if (!ctx->on_event)
        return;
    osh_buf b = OSH_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    osh_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    ctx->on_event(ctx->event_ud, kind, osh_buf_str(&b));
    osh_buf_free(&b);
}

static bool accepted_status(long status, const long *accepted)
{
    if (!accepted)
        return docker_status_ok(status);
    for (const long *a = accepted; *a; a++)
        if (*a == status)
            return true;
    return false;
}

int gw_docker_json(gw_ctx *ctx, const char *method, const char *path, const cJSON *body, const long *accepted,
                   long *status, cJSON **out, gw_error *err)
{
    docker_response resp = DOCKER_RESPONSE_INIT;
    if (out)
        *out = NULL;
    int rc = docker_call(ctx->docker, method, path, body, &resp, err);
    if (rc == 0 && status)
        *status = resp.status;
    if (rc == 0 && !accepted_status(resp.status, accepted))
        rc = docker_status_error(&resp, err);
    if (rc == 0 && out && docker_status_ok(resp.status)) {
        *out = docker_response_json(&resp, method, path, err);
        if (!*out)
            rc = -1;
    }
    docker_response_free(&resp);
    return rc;
}

int gw_inspect_container(gw_ctx *ctx, cJSON **out, gw_error *err)
{
    static const long ok[] = {200, 404, 0};
    char *path = osh_str_printf("/containers/%s/json", ctx->resource);
    int rc = gw_docker_json(ctx, "GET", path, NULL, ok, NULL, out, err);
    free(path);
    return rc;
}

const cJSON *gw_json_path(const cJSON *obj, const char *dotted_path)
{
    char *copy = osh_str_dup(dotted_path);
    const cJSON *cur = obj;
    char *save = NULL;
    for (char *part = strtok_r(copy, ".", &save); part && cur; part = strtok_r(NULL, ".", &save))
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, part) : NULL;
    free(copy);
    return cur;
}

const char *gw_json_string(const cJSON *obj, const char *dotted_path)
{
    const cJSON *v = gw_json_path(obj, dotted_path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long gw_double_to_long(double d)
{
    if (d != d)
        return 0;
    if (d >= (double)LONG_MAX)
        return LONG_MAX;
    if (d <= (double)LONG_MIN)
        return LONG_MIN;
    return (long)d;
}

long gw_json_long(const cJSON *v, long fallback) { return cJSON_IsNumber(v) ? gw_double_to_long(v->valuedouble) : fallback; }

bool gw_state_running(const cJSON *inspect) { return cJSON_IsTrue(gw_json_path(inspect, "State.Running")); }
