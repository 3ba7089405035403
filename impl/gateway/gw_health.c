/* gw_health.c: the health wait (rules §7.2): 180 attempts of drain, log-marker checks,
 * inspect, exit and health decisions, with the log follower running alongside. */
#include "gw_answers.h"

#include <stdlib.h>
#include <string.h>

#include "gw_log_follower.h"
#include "gw_timing.h"
#include "osh_str.h"

#define GW_HEALTH_ATTEMPTS 180
#define GW_HEALTH_SLEEP_MS 2000
#define GW_DNS_LIMIT 5
#define GW_PRESSURE_LIMIT 8

typedef struct health_state {
    gw_ctx *ctx;
    gw_log_follower *follower;
    gw_log_ring ring;
    gw_marker_state markers;
} health_state;

static void drain(health_state *h)
{
    gw_strv lines = {0};
    gw_log_follower_take(h->follower, &lines);
    for (size_t i = 0; i < lines.len; i++) {
        gw_log_ring_push(&h->ring, lines.items[i]);
        gw_emit(h->ctx, GW_EVENT_LOG, "%s", lines.items[i]);
    }
    gw_strv_free(&lines);
}

static bool ring_has(const gw_log_ring *r, const char *needle)
{
    for (size_t i = 0; i < r->count; i++)
        if (strstr(gw_log_ring_at(r, i), needle))
            return true;
    return false;
}

static int fail_with_ring(const gw_log_ring *ring, gw_error *err, gw_code code, const char *text)
{
    char *logs = gw_log_ring_render(ring);
    gw_fail(err, code, "%s\n%s", text, logs);
    free(logs);
    return -1;
}

static int fail_with_logs(health_state *h, gw_error *err, gw_code code, const char *text)
{
    return fail_with_ring(&h->ring, err, code, text);
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The conditions named by the pressure lines of the ring, each once, sorted. The healthcheck
 * logs one line per condition on every run, so the ring repeats them; the spec joins the
 * conditions, and its example ("DiskPressure, MemoryPressure") is the sorted set. */
static char *pressure_conditions(const gw_log_ring *r)
{
    const char *marker = "HEALTHCHECK_NODE_PRESSURE";
    gw_strv conds = {0};
    for (size_t i = 0; i < r->count; i++) {
        const char *at = strstr(gw_log_ring_at(r, i), marker);
        if (!at)
            continue;
        at += strlen(marker);
        while (*at == ':')
            at++;
        char *cond = osh_str_trim_dup(at);
        if (*cond && !gw_strv_contains(&conds, cond))
            gw_strv_push(&conds, cond);
        free(cond);
    }
    if (conds.len > 1)
        qsort(conds.items, conds.len, sizeof(char *), compare_strings);
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < conds.len; i++)
        osh_buf_appendf(&b, "%s%s", i ? ", " : "", conds.items[i]);
    if (!b.len)
        osh_buf_append_str(&b, "unknown pressure condition");
    gw_strv_free(&conds);
    return osh_buf_detach(&b);
}

int gw_log_markers_check(const gw_log_ring *ring, gw_marker_state *st, gw_error *err)
{
    if (ring_has(ring, "DNS_PROBE_FAILED") || ring_has(ring, "HEALTHCHECK_DNS_FAILURE"))
        st->dns_count++;
    else
        st->dns_count = 0;
    if (st->dns_count >= GW_DNS_LIMIT)
        return fail_with_ring(ring, err, GW_E_UNHEALTHY,
                              "dial tcp: lookup registry: Try again\n"
                              "DNS resolution is failing inside the gateway container."),
               1;
    if (!ring_has(ring, "HEALTHCHECK_NODE_PRESSURE"))
        st->pressure_count = 0;
    else if (++st->pressure_count >= GW_PRESSURE_LIMIT) {
        char *conds = pressure_conditions(ring);
        char *text = osh_str_printf("HEALTHCHECK_NODE_PRESSURE: %s\nThe cluster node is under resource pressure. "
                                    "The kubelet is evicting pods and rejecting new scheduling.",
                                    conds);
        fail_with_ring(ring, err, GW_E_UNHEALTHY, text);
        free(text);
        free(conds);
        return 1;
    }
    if (ring_has(ring, "HEALTHCHECK_MISSING_SUPERVISOR"))
        return fail_with_ring(ring, err, GW_E_UNHEALTHY,
                              "The sandbox supervisor binary is missing from the cluster image "
                              "(/opt/openshell/bin/openshell-sandbox not found).\n"
                              "Rebuild the cluster image so that it includes the supervisor, then run: "
                              "openshell gateway destroy && openshell gateway start"),
               1;
    return 0;
}

char *gw_exit_text(const cJSON *inspect)
{
    const cJSON *code = gw_json_path(inspect, "State.ExitCode");
    const char *error = gw_json_string(inspect, "State.Error");
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "gateway container exited unexpectedly (exit_code=%ld",
                    gw_json_long(code, -1L));
    if (error && *error)
        osh_buf_appendf(&b, ", error=%s", error);
    if (cJSON_IsTrue(gw_json_path(inspect, "State.OOMKilled")))
        osh_buf_append_str(&b, ", OOMKilled=true");
    osh_buf_append_char(&b, ')');
    return osh_buf_detach(&b);
}

/* One attempt: 1 = healthy, 0 = go on, -1 = failed. */
static int attempt(health_state *h, int i, gw_error *err)
{
    drain(h);
    if (gw_log_markers_check(&h->ring, &h->markers, err))
        return -1;
    static const long ok[] = {200, 0};
    char *path = osh_str_printf("/containers/%s/json", h->ctx->resource);
    cJSON *inspect = NULL;
    int rc = gw_docker_json(h->ctx, "GET", path, NULL, ok, NULL, &inspect, err);
    free(path);
    if (rc != 0)
        return -1;
    int result = 0;
    const char *health = gw_json_string(inspect, "State.Health.Status");
    if (!gw_state_running(inspect)) {
        /* The stream ends once the container stops: wait briefly so its last lines count. */
        gw_log_follower_wait_end(h->follower, gw_wait_bound_ms(1000));
        drain(h);
        char *text = gw_exit_text(inspect);
        result = fail_with_logs(h, err, GW_E_UNHEALTHY, text);
        free(text);
    } else if (health && strcmp(health, "healthy") == 0) {
        result = 1;
    } else if (health && strcmp(health, "unhealthy") == 0 && i == GW_HEALTH_ATTEMPTS - 1) {
        result = fail_with_logs(h, err, GW_E_UNHEALTHY, "gateway health check reported unhealthy");
    } else if ((!health || !*health || strcmp(health, "none") == 0) && i == 0) {
        result = fail_with_logs(h, err, GW_E_UNHEALTHY, "gateway container does not expose a health check");
    }
    cJSON_Delete(inspect);
    return result;
}

int gw_health_wait(gw_ctx *ctx, gw_error *err)
{
    char *path = osh_str_printf("/containers/%s/logs?follow=1&stdout=1&stderr=1&tail=0", ctx->resource);
    health_state h = {.ctx = ctx};
    h.follower = gw_log_follower_start(ctx->docker, path, err);
    free(path);
    if (!h.follower)
        return -1;
    int result = 0;
    for (int i = 0; i < GW_HEALTH_ATTEMPTS && result == 0; i++) {
        gw_emit(ctx, GW_EVENT_PROGRESS, "Waiting for the gateway to become healthy (%d/%d)", i + 1,
                GW_HEALTH_ATTEMPTS);
        result = attempt(&h, i, err);
        if (result == 0)
            gw_sleep_nominal(GW_HEALTH_SLEEP_MS);
    }
    if (result > 0)
        drain(&h); /* forward what arrived during the last inspect */
    if (result == 0) {
        drain(&h);
        fail_with_logs(&h, err, GW_E_TIMEOUT, "timed out waiting for gateway health check");
        result = -1;
    }
    gw_log_follower_stop(h.follower);
    gw_log_ring_free(&h.ring);
    return result > 0 ? 0 : -1;
}
