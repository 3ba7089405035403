/* kube_watch.c: watch streams (?watch=1): newline-separated WatchEvents, chunked, from a
 * resourceVersion on; an ERROR event with a 410 Expired Status for a compacted version, as
 * the apiserver sends it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_api_internal.h"
#include "kube_table.h"
#include "osh_str.h"

typedef struct watch_ctx {
    kube_store *store;
    const kube_resource *r;
    char *ns, *label_selector, *field_selector, *include_object;
    long long rv;
    bool as_table;
    kube_view view; /* view.crd NULL for a built-in resource */
    cJSON *pending;     /* events not yet sent */
    bool end_after_pending;
    struct timespec deadline;
    bool has_deadline;
    struct store_link *link; /* NULL: no listener slot left, the stream polls */
} watch_ctx;

/* One store listener per (HTTP server, store) pair, shared by every watch on that pair: it
 * wakes exactly the streams keyed by the store (the store has a few listener slots only, and
 * a watch is woken by a change of its store, not by a clock). */
typedef struct store_link {
    mock_http_server *server;
    kube_store *store;
    int listener;
    size_t watches;
    struct store_link *next;
} store_link;

static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static store_link *links;

/* How often a watch without a listener slot looks for events (named limit). */
#define KUBE_WATCH_POLL_MS 200

static uint64_t store_key(const kube_store *s) { return (uint64_t)(uintptr_t)s; }

/* Called by the store under its lock, on every change. */
static void wake_store_watches(void *user)
{
    store_link *l = user;
    mock_http_server_wake_key(l->server, store_key(l->store));
}

static store_link *link_watch(mock_http_server *server, kube_store *store)
{
    pthread_mutex_lock(&links_lock);
    store_link *l = links;
    while (l && (l->server != server || l->store != store))
        l = l->next;
    if (!l) {
        l = calloc(1, sizeof *l);
        if (!l)
            abort();
        *l = (store_link){server, store, -1, 0, links};
        l->listener = kube_store_add_listener(store, wake_store_watches, l);
        if (l->listener < 0) {
            free(l);
            l = NULL;
        } else {
            links = l;
        }
    }
    if (l)
        l->watches++;
    pthread_mutex_unlock(&links_lock);
    return l;
}

static void unlink_watch(store_link *l)
{
    pthread_mutex_lock(&links_lock);
    if (--l->watches == 0) {
        kube_store_remove_listener(l->store, l->listener); /* no call in flight after it */
        for (store_link **pp = &links; *pp; pp = &(*pp)->next) {
            if (*pp == l) {
                *pp = l->next;
                break;
            }
        }
        free(l);
    }
    pthread_mutex_unlock(&links_lock);
}

static void watch_free(void *p)
{
    watch_ctx *w = p;
    if (w->link)
        unlink_watch(w->link);
    kube_store_unref(w->store);
    kube_crd_unref(w->view.crd);
    free(w->ns);
    free(w->label_selector);
    free(w->field_selector);
    free(w->include_object);
    cJSON_Delete(w->pending);
    free(w);
}

static void write_event(watch_ctx *w, const cJSON *ev, osh_buf *out)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    cJSON *copy = cJSON_CreateObject();
    cJSON_AddStringToObject(copy, "type", type);
    if (w->view.crd && strcmp(type, "ERROR") != 0) {
        if (w->as_table) {
            cJSON *items = cJSON_CreateArray();
            cJSON_AddItemToArray(items, cJSON_Duplicate(obj, true));
            cJSON_AddItemToObject(copy, "object",
                                  kube_view_table(&w->view, items, w->include_object,
                                                  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                                      cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "resourceVersion"))));
            cJSON_Delete(items);
        } else {
            cJSON_AddItemToObject(copy, "object", kube_view_object(&w->view, obj));
        }
    } else if (w->as_table && strcmp(type, "ERROR") != 0) {
        cJSON *items = cJSON_CreateArray();
        cJSON_AddItemToArray(items, cJSON_Duplicate(obj, true));
        cJSON_AddItemToObject(copy, "object",
                              kube_table_build(w->r, items, w->include_object,
                                               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                                   cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "resourceVersion"))));
        cJSON_Delete(items);
    } else {
        cJSON_AddItemToObject(copy, "object", cJSON_Duplicate(obj, true));
    }
    char *text = cJSON_PrintUnformatted(copy);
    osh_buf_append_str(out, text);
    osh_buf_append_char(out, '\n');
    free(text);
    cJSON_Delete(copy);
}

/* Milliseconds left before timeoutSeconds ends the watch (0: over; -1: no deadline). */
static long long ms_left(const watch_ctx *w)
{
    if (!w->has_deadline)
        return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long left = (long long)(w->deadline.tv_sec - now.tv_sec) * 1000 +
                     (w->deadline.tv_nsec - now.tv_nsec) / 1000000;
    return left > 0 ? left : 0;
}

static int watch_next(void *p, osh_buf *out)
{
    watch_ctx *w = p;
    if (cJSON_GetArraySize(w->pending) == 0) {
        long long last, oldest;
        if (kube_store_events_since(w->store, w->r, w->ns, w->rv, w->label_selector, w->field_selector, w->pending,
                                    &last, &oldest) == 0)
            w->rv = last;
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, w->pending) write_event(w, ev, out);
    cJSON_Delete(w->pending);
    w->pending = cJSON_CreateArray();
    long long left = ms_left(w);
    if (w->end_after_pending || left == 0)
        return MOCK_HTTP_STREAM_END;
    if (!w->link && (left < 0 || left > KUBE_WATCH_POLL_MS))
        left = KUBE_WATCH_POLL_MS;
    if (left > 0)
        mock_http_stream_retry_in((unsigned)left); /* the deadline, or the poll */
    return MOCK_HTTP_STREAM_MORE;
}

static void add_event(cJSON *events, const char *type, cJSON *obj)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddItemToObject(ev, "object", obj);
    cJSON_AddItemToArray(events, ev);
}

/* The initial ADDED events of a watch without a resourceVersion (what the apiserver sends). */
static void initial_events(watch_ctx *w, const kube_resource *r)
{
    kube_result list = kube_store_list(w->store, r, w->ns, w->label_selector, w->field_selector);
    if (list.code != 200) {
        add_event(w->pending, "ERROR", list.body);
        w->end_after_pending = true;
        return;
    }
    const char *rv = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(list.body, "metadata"), "resourceVersion"));
    w->rv = rv ? atoll(rv) : 0;
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list.body, "items"))
    {
        cJSON *copy = cJSON_Duplicate(item, true);
        cJSON_AddStringToObject(copy, "apiVersion", kube_resource_api_version(r));
        cJSON_AddStringToObject(copy, "kind", r->kind);
        add_event(w->pending, "ADDED", copy);
    }
    cJSON_Delete(list.body);
}

void kube_watch_respond(mock_http_response *res, const mock_http_request *req, kube_store *s,
                        const kube_resource *r, const char *ns, bool as_table, const kube_view *view)
{
    watch_ctx *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    if (view) {
        w->view = *view;
        kube_crd_ref(w->view.crd);
    }
    w->store = kube_store_ref(s);
    w->r = r;
    w->ns = osh_str_dup(ns);
    w->label_selector = osh_str_dup(mock_http_request_query_value(req, "labelSelector"));
    w->field_selector = osh_str_dup(mock_http_request_query_value(req, "fieldSelector"));
    w->include_object = osh_str_dup(mock_http_request_query_value(req, "includeObject"));
    w->as_table = as_table;
    w->pending = cJSON_CreateArray();
    w->link = link_watch(mock_http_request_server(req), s);
    const char *timeout = mock_http_request_query_value(req, "timeoutSeconds");
    if (timeout && atoi(timeout) > 0) {
        clock_gettime(CLOCK_MONOTONIC, &w->deadline);
        w->deadline.tv_sec += atoi(timeout);
        w->has_deadline = true;
    }
    const char *rv = mock_http_request_query_value(req, "resourceVersion");
    if (!rv || !*rv || strcmp(rv, "0") == 0) {
        initial_events(w, r);
    } else {
        w->rv = atoll(rv);
        long long last, oldest;
        if (kube_store_events_since(s, r, ns, w->rv, w->label_selector, w->field_selector, w->pending, &last,
                                    &oldest) != 0) {
            char oldest_text[32];
            snprintf(oldest_text, sizeof(oldest_text), "%lld", oldest + 1);
            kube_result gone = kube_err_gone(rv, oldest_text);
            add_event(w->pending, "ERROR", gone.body);
            w->end_after_pending = true;
        } else {
            w->rv = last;
        }
    }
    mock_http_respond_stream(res, 200, "application/json", watch_next, w, watch_free);
    mock_http_response_wait_key(res, store_key(s));
}
