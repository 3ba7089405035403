/* driver_watch.c: the driver's watch (rules §13.7; watch_sandboxes, driver.rs:1771-1889, with
 * kube-runtime 0.90's watcher and the gateway's watch_loop, compute/mod.rs:2520-2574): list,
 * then watch from the list's resourceVersion; a watch that simply ends resumes from the last
 * resourceVersion; any failure (a 410, an ERROR event, an error answer, a broken connection)
 * ends the driver's stream: RESTARTED, a 2 s pause (scaled as §3.7), and a fresh list. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

#define RESTART_PAUSE_MS 2000L
#define EMPTY_STREAM_PAUSE_MS 500L
#define WATCH_LIST_PAGE 500L /* kube-runtime's initial list pages */

typedef struct watch_state {
    k8s_client *client;
    const driver_watch_options *o;
    char *rv;
    bool stop;     /* the consumer asked to stop */
    bool failed;   /* this stream failed: restart */
    char *why;     /* what failed */
    int events;    /* watch lines seen in the current stream */
} watch_state;

static void warn(watch_state *s, const char *text)
{
    if (s->o->on_warning)
        s->o->on_warning(text, s->o->user);
}

static bool emit(watch_state *s, const driver_event *event)
{
    if (!s->o->on_event(event, s->o->user))
        s->stop = true;
    return !s->stop;
}

static void fail(watch_state *s, const char *why)
{
    s->failed = true;
    free(s->why);
    s->why = osh_str_dup(why);
}

static bool applied(watch_state *s, const cJSON *object)
{
    driver_identity who;
    if (!driver_object_identity(object, &who)) {
        warn(s, "skipping a Sandbox that is not an OpenShell sandbox (managed-by, id, name or workspace missing)");
        return true;
    }
    driver_event e = {.type = DRIVER_EVENT_APPLIED, .id = who.id, .cr_name = who.cr_name,
                      .phase = driver_derive_phase(object)};
    return emit(s, &e);
}

static bool deleted(watch_state *s, const cJSON *object)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const cJSON *cr_name = cJSON_GetObjectItemCaseSensitive(metadata, "name");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(metadata, "labels");
    const cJSON *annotations = cJSON_GetObjectItemCaseSensitive(metadata, "annotations");
    const cJSON *managed = cJSON_GetObjectItemCaseSensitive(annotations, DRIVER_LABEL_MANAGED_BY);
    if (!cJSON_IsString(managed))
        managed = cJSON_GetObjectItemCaseSensitive(labels, DRIVER_LABEL_MANAGED_BY);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(annotations, DRIVER_LABEL_ID);
    if (!cJSON_IsString(id))
        id = cJSON_GetObjectItemCaseSensitive(labels, DRIVER_LABEL_ID);
    if (!cJSON_IsString(managed) || strcmp(managed->valuestring, "openshell") != 0 || !cJSON_IsString(id))
        return true;
    driver_event e = {.type = DRIVER_EVENT_DELETED, .id = id->valuestring,
                      .cr_name = cJSON_IsString(cr_name) ? cr_name->valuestring : "",
                      .phase = DRIVER_PHASE_DELETING};
    return emit(s, &e);
}

static void remember_rv(watch_state *s, const cJSON *object)
{
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"),
                                                       "resourceVersion");
    if (cJSON_IsString(rv) && *rv->valuestring) {
        free(s->rv);
        s->rv = osh_str_dup(rv->valuestring);
    }
}

static bool on_line(const char *line, size_t len, void *user)
{
    watch_state *s = user;
    const char *type;
    const cJSON *object;
    cJSON *event = k8s_watch_event(line, len, &type, &object);
    bool go_on = true;
    if (!type) {
        fail(s, "a watch line that is not a watch event");
        go_on = false;
    } else if (strcmp(type, "ERROR") == 0) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(object, "code");
        const cJSON *message = cJSON_GetObjectItemCaseSensitive(object, "message");
        char *why = osh_str_printf("watch error %d: %s", cJSON_IsNumber(code) ? code->valueint : 0,
                                   cJSON_IsString(message) ? message->valuestring : "");
        fail(s, why);
        free(why);
        go_on = false;
    } else {
        s->events++;
        remember_rv(s, object);
        if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
            go_on = applied(s, object);
        else if (strcmp(type, "DELETED") == 0)
            go_on = deleted(s, object);
    }
    cJSON_Delete(event);
    return go_on;
}

/* List and apply every object. -1 with err when the list failed. */
static int relist(watch_state *s, k8s_error *err)
{
    cJSON *items = NULL;
    char *rv = NULL;
    if (driver_list(s->client, s->o->version, s->o->config, DRIVER_WATCH_SELECTOR, WATCH_LIST_PAGE, &items, &rv, err) != 0)
        return -1;
    free(s->rv);
    s->rv = rv;
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        if (!applied(s, item))
            break;
    }
    cJSON_Delete(items);
    return 0;
}

static void watch_stream(watch_state *s)
{
    char *base = driver_sandbox_path(s->o->version, s->o->config->namespace_, NULL);
    char *sel = k8s_escape(DRIVER_WATCH_SELECTOR);
    char *rv = k8s_escape(s->rv ? s->rv : "");
    char *path = osh_str_printf("%s?watch=true&labelSelector=%s&resourceVersion=%s&allowWatchBookmarks=true"
                                "&timeoutSeconds=290",
                                base, sel, rv);
    k8s_response resp;
    k8s_error err = {0};
    s->events = 0;
    int rc = k8s_client_stream(s->client, path, on_line, s, &resp, &err);
    if (rc != 0) {
        fail(s, err.message ? err.message : "watch failed");
    } else if (resp.status < 200 || resp.status > 299) {
        k8s_error_from_answer(&err, &resp);
        char *why = osh_str_printf("watch answered %d %s: %s", err.code, err.reason ? err.reason : "",
                                   err.message ? err.message : "");
        fail(s, why);
        free(why);
    }
    k8s_error_clear(&err);
    k8s_response_free(&resp);
    free(path);
    free(rv);
    free(sel);
    free(base);
}

int driver_watch_run(k8s_client *client, const driver_watch_options *options, k8s_error *err)
{
    watch_state s = {.client = client, .o = options};
    int rc = relist(&s, err); /* a first list that fails is the command's error */
    while (rc == 0 && !s.stop) {
        watch_stream(&s);
        if (s.stop)
            break;
        if (!s.failed) {
            if (s.events == 0) /* an API that ends watches at once is not hammered */
                driver_sleep_ms(driver_scaled_sleep_ms(EMPTY_STREAM_PAUSE_MS));
            continue;
        }
        driver_event e = {.type = DRIVER_EVENT_RESTARTED, .why = s.why};
        if (!emit(&s, &e))
            break;
        s.failed = false;
        do {
            driver_sleep_ms(driver_scaled_sleep_ms(RESTART_PAUSE_MS));
            k8s_error relist_err = {0};
            if (relist(&s, &relist_err) != 0) {
                fail(&s, relist_err.message ? relist_err.message : "list failed");
                k8s_error_clear(&relist_err);
                driver_event again = {.type = DRIVER_EVENT_RESTARTED, .why = s.why};
                s.failed = false;
                if (!emit(&s, &again))
                    break;
                continue;
            }
            break;
        } while (!s.stop);
    }
    free(s.rv);
    free(s.why);
    return rc;
}
