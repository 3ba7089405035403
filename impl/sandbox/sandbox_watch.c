/* sandbox_watch.c: the Sandbox list+watch loop (rules §10.7): resume, relist on 410, events. */
#include "sandbox_watch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osh_str.h"
#include "sandbox_client.h"

/* State of one watcher run. */
typedef struct watch_state {
    const sandbox_watch_options *options;
    char *resource_version;
    bool stop;         /* on_event asked to stop */
    bool gone;         /* 410: relist */
    int lines;         /* events seen in the current stream */
} watch_state;

static void warn(watch_state *s, const char *text)
{
    if (s->options->on_warning)
        s->options->on_warning(text, s->options->user);
}

static void remember_version(watch_state *s, const cJSON *object)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(metadata, "resourceVersion");
    if (cJSON_IsString(rv) && *rv->valuestring) {
        free(s->resource_version);
        s->resource_version = osh_str_dup(rv->valuestring);
    }
}

/* Deliver one Applied/Deleted event; false when the consumer asked to stop. */
static bool deliver(watch_state *s, sandbox_event_type type, const cJSON *object)
{
    char *id = sandbox_object_id(object);
    if (!id) {
        warn(s, "sandbox id not found on object");
        return true;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"), "name");
    sandbox_event event = {
        .type = type,
        .id = id,
        .name = cJSON_IsString(name) ? name->valuestring : "",
        .phase = sandbox_derive_phase(object),
        .object = object,
    };
    bool go_on = s->options->on_event(&event, s->options->user);
    free(id);
    if (!go_on)
        s->stop = true;
    return go_on;
}

static bool handle_error_event(watch_state *s, const cJSON *status)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(status, "code");
    if (cJSON_IsNumber(code) && code->valueint == 410) {
        s->gone = true;
        return false;
    }
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(status, "message");
    char *text = osh_str_printf("watch error event: %s", cJSON_IsString(message) ? message->valuestring : "(no message)");
    warn(s, text);
    free(text);
    return false; /* end this stream; the loop resumes */
}

static bool on_watch_line(const char *line, size_t len, void *user)
{
    watch_state *s = user;
    const char *type;
    const cJSON *object;
    cJSON *event = k8s_watch_event(line, len, &type, &object);
    bool go_on = true;
    if (!type) {
        warn(s, "ignoring a watch line that is not a watch event");
    } else if (strcmp(type, "ERROR") == 0) {
        go_on = handle_error_event(s, object);
    } else {
        s->lines++;
        remember_version(s, object);
        if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
            go_on = deliver(s, SANDBOX_EVENT_APPLIED, object);
        else if (strcmp(type, "DELETED") == 0)
            go_on = deliver(s, SANDBOX_EVENT_DELETED, object);
        /* BOOKMARK only moves the resourceVersion. */
    }
    cJSON_Delete(event);
    return go_on;
}

/* List and apply every item. Returns 0, or -1 with err set. */
static int list_all(k8s_client *client, watch_state *s, k8s_error *err)
{
    char *path = sandbox_resource_path(s->options->namespace_, NULL);
    k8s_response resp;
    int rc = k8s_client_call(client, "GET", path, NULL, &resp, err);
    free(path);
    if (rc == 0 && resp.status != 200)
        rc = k8s_error_from_answer(err, &resp);
    cJSON *list = rc == 0 ? cJSON_Parse(osh_buf_str(&resp.body)) : NULL;
    k8s_response_free(&resp);
    if (rc == 0 && !cJSON_IsObject(list))
        rc = k8s_error_malformed(err, "the sandbox list");
    if (rc == 0) {
        free(s->resource_version);
        s->resource_version = NULL;
        remember_version(s, list);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
        {
            if (!deliver(s, SANDBOX_EVENT_APPLIED, item))
                break;
        }
    }
    cJSON_Delete(list);
    return rc;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The pause before retry k (k >= 1): 500 ms x k, or OPENSHELL_POLL_INTERVAL_MS x k. */
static long retry_delay_ms(int k)
{
    const char *env = getenv("OPENSHELL_POLL_INTERVAL_MS");
    long base = 500;
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 0 && v <= 600000)
            base = v;
    }
    return base * k;
}

/* One watch request from the remembered resourceVersion. Returns 0 on a clean end. */
static int watch_once(k8s_client *client, watch_state *s, k8s_error *err)
{
    char *base = sandbox_resource_path(s->options->namespace_, NULL);
    char *rv = k8s_escape(s->resource_version ? s->resource_version : "");
    char *path = osh_str_printf("%s?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=290", base, rv);
    k8s_response resp;
    s->lines = 0;
    int rc = k8s_client_stream(client, path, on_watch_line, s, &resp, err);
    if (rc == 0 && resp.status == 410)
        s->gone = true;
    else if (rc == 0 && (resp.status < 200 || resp.status > 299)) {
        rc = k8s_error_from_answer(err, &resp);
    }
    k8s_response_free(&resp);
    free(path);
    free(rv);
    free(base);
    return rc;
}

int sandbox_watch_run(k8s_client *client, const sandbox_watch_options *options, k8s_error *err)
{
    watch_state s = {.options = options};
    int max_failures = options->max_failures > 0 ? options->max_failures : 5;
    int failures = 0;
    int rc = list_all(client, &s, err);
    while (rc == 0 && !s.stop) {
        if (s.gone) {
            s.gone = false;
            rc = list_all(client, &s, err);
            continue;
        }
        if (watch_once(client, &s, err) == 0) {
            failures = 0;
            if (s.lines == 0 && !s.gone && !s.stop)
                pause_ms(retry_delay_ms(1)); /* an empty stream: do not spin */
            continue;
        }
        if (++failures >= max_failures) {
            rc = -1;
            break;
        }
        char *text = osh_str_printf("watch failed (%s), retrying", err->message ? err->message : "");
        warn(&s, text);
        free(text);
        k8s_error_clear(err);
        pause_ms(retry_delay_ms(failures));
    }
    free(s.resource_version);
    return rc;
}
