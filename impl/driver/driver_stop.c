/* driver_stop.c: the stop confirmation of rules §13.6 (stop_sandbox, driver.rs:1502-1555 and
 * 4188-4273): poll the Sandbox until Suspended=True, a PodNotOwned refusal, (v1alpha1) the
 * pod's 404, or the deadline; sleeps 250 ms doubling to 2 s, each one scaled as §3.7. */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osh_str.h"

#define STOP_FIRST_POLL_MS 250L
#define STOP_MAX_POLL_MS 2000L
#define DEFAULT_GRACE_SECONDS 30L

/* OPENSHELL_POLL_INTERVAL_MS as §3.7: a decimal 0..600000, else ignored. */
static long poll_override_ms(void)
{
    const char *text = getenv("OPENSHELL_POLL_INTERVAL_MS");
    if (!text || !*text)
        return -1;
    long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || value > 600000)
            return -1;
        value = value * 10 + (*p - '0');
    }
    return value <= 600000 ? value : -1;
}

long driver_scaled_sleep_ms(long default_ms)
{
    long override = poll_override_ms();
    return override >= 0 ? override : default_ms;
}

void driver_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

long driver_stop_timeout_ms(const cJSON *listed)
{
    const char *text = getenv("OPENSHELL_SANDBOX_STOP_TIMEOUT_MS");
    if (text && *text) {
        char *end = NULL;
        long v = strtol(text, &end, 10);
        if (end && *end == '\0' && text[0] >= '0' && text[0] <= '9' && v >= 1 && v <= 86400000L)
            return v;
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(listed, "spec");
    const cJSON *pod = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "podTemplate"), "spec");
    const cJSON *grace = cJSON_GetObjectItemCaseSensitive(pod, "terminationGracePeriodSeconds");
    long seconds = DEFAULT_GRACE_SECONDS;
    if (cJSON_IsNumber(grace) && grace->valuedouble >= 0 && grace->valuedouble <= 86400.0 * 365)
        seconds = (long)grace->valuedouble;
    return (seconds + K8S_DEFAULT_TIMEOUT_MS / 1000) * 1000L;
}

/* Suspended=True (type exact, status any case), driver.rs:4188-4203. */
static bool has_stopped(const cJSON *object)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "status"),
                                                           "conditions"))
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(c, "status");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "Suspended") == 0 && cJSON_IsString(status) &&
            osh_str_ieq(status->valuestring, "true"))
            return true;
    }
    return false;
}

/* Suspended=False with reason PodNotOwned: the refusal text (malloc'd), driver.rs:4205-4231. */
static char *stop_refusal(const cJSON *object)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "status"),
                                                           "conditions"))
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(c, "status");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(c, "reason");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "Suspended") != 0 || !cJSON_IsString(status) ||
            !osh_str_ieq(status->valuestring, "false") || !cJSON_IsString(reason) ||
            strcmp(reason->valuestring, "PodNotOwned") != 0)
            continue;
        const cJSON *message = cJSON_GetObjectItemCaseSensitive(c, "message");
        return osh_str_printf("Kubernetes sandbox stop rejected: %s",
                              cJSON_IsString(message) && *message->valuestring
                                  ? message->valuestring
                                  : "backing pod is not owned by this sandbox");
    }
    return NULL;
}

/* v1alpha1: the pod's 404 means stopped. 1 gone, 0 present, -1 error. */
static int pod_gone(k8s_client *client, const char *namespace_, const char *pod, k8s_error *err)
{
    char *path = k8s_pod_path(namespace_, pod);
    k8s_response resp;
    int rc = k8s_client_call(client, "GET", path, NULL, &resp, err);
    if (rc == 0 && resp.status == 404)
        rc = 1;
    else if (rc == 0 && (resp.status < 200 || resp.status > 299)) {
        rc = k8s_error_from_answer(err, &resp);
    }
    k8s_response_free(&resp);
    free(path);
    return rc;
}

/* GET the Sandbox; -1 with err (a 409 as "sandbox already exists", as from_kube). */
static int get_sandbox(k8s_client *client, const char *path, cJSON **object, k8s_error *err)
{
    k8s_response resp;
    int rc = k8s_client_call(client, "GET", path, NULL, &resp, err);
    if (rc == 0 && (resp.status < 200 || resp.status > 299)) {
        rc = k8s_error_from_answer(err, &resp);
        if (err->code == 409) {
            free(err->message);
            err->message = osh_str_dup("sandbox already exists");
        }
    }
    *object = rc == 0 ? cJSON_Parse(osh_buf_str(&resp.body)) : NULL;
    k8s_response_free(&resp);
    return rc;
}

static void timed_out(k8s_error *err, long timeout_ms)
{
    char *msg = osh_str_printf("timed out after %lds waiting for Kubernetes sandbox to stop", (timeout_ms + 999) / 1000);
    k8s_error_set(err, 0, NULL, msg);
    free(msg);
}

/* One poll: 1 stopped, 0 not yet, -1 failed. */
static int poll_once(k8s_client *client, const char *version, const char *path, const char *ns, const char *pod,
                     k8s_error *err)
{
    cJSON *object = NULL;
    if (get_sandbox(client, path, &object, err) != 0)
        return -1;
    int rc = 0;
    char *refusal = NULL;
    if (has_stopped(object))
        rc = 1;
    else if ((refusal = stop_refusal(object))) {
        k8s_error_set(err, 0, NULL, refusal);
        rc = -1;
    } else if (strcmp(version, "v1alpha1") == 0)
        rc = pod_gone(client, ns, pod, err);
    free(refusal);
    cJSON_Delete(object);
    return rc;
}

int driver_wait_stopped(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                        k8s_error *err)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(listed, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(metadata, "name");
    const cJSON *ns_item = cJSON_GetObjectItemCaseSensitive(metadata, "namespace");
    const cJSON *pod_item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(metadata, "annotations"),
                                                             DRIVER_ANNOTATION_POD_NAME);
    const char *ns = cJSON_IsString(ns_item) && *ns_item->valuestring ? ns_item->valuestring : config->namespace_;
    const char *cr = cJSON_IsString(name) ? name->valuestring : "";
    const char *pod = cJSON_IsString(pod_item) && *pod_item->valuestring ? pod_item->valuestring : cr;
    long timeout_ms = driver_stop_timeout_ms(listed);
    long deadline = now_ms() + timeout_ms;
    long interval = STOP_FIRST_POLL_MS;
    long bound = k8s_client_timeout_ms(client);
    char *path = driver_sandbox_path(version, ns, cr);
    int rc;
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) {
            timed_out(err, timeout_ms);
            rc = -1;
            break;
        }
        k8s_client_set_timeout_ms(client, left < bound ? left : bound);
        rc = poll_once(client, version, path, ns, pod, err);
        if (rc == -1 && err->code == 504 && left < bound) {
            /* the call was cut short by the stop deadline, not by the API bound */
            timed_out(err, timeout_ms);
            break;
        }
        if (rc != 0)
            break;
        left = deadline - now_ms();
        if (left <= 0) {
            timed_out(err, timeout_ms);
            rc = -1;
            break;
        }
        long pause = driver_scaled_sleep_ms(interval);
        driver_sleep_ms(pause < left ? pause : left);
        interval = interval * 2 > STOP_MAX_POLL_MS ? STOP_MAX_POLL_MS : interval * 2;
    }
    k8s_client_set_timeout_ms(client, bound);
    free(path);
    return rc == 1 ? 0 : -1;
}
