/* kube_store_watch.c: what watches need from the store (see kube_store.h): events since a
 * resourceVersion from the bounded history, waiting for a change, compaction, and the
 * listeners that wake watch streams. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_meta.h"
#include "kube_selector.h"
#include "kube_store_internal.h"

int kube_store_add_listener(kube_store *s, kube_store_listener fn, void *user)
{
    pthread_mutex_lock(&s->lock);
    int id = -1;
    for (size_t i = 0; i < sizeof(s->listeners) / sizeof(s->listeners[0]) && id < 0; i++) {
        if (s->listeners[i].fn)
            continue;
        id = ++s->next_listener_id;
        s->listeners[i].id = id;
        s->listeners[i].fn = fn;
        s->listeners[i].user = user;
    }
    pthread_mutex_unlock(&s->lock);
    return id; /* -1: full; the watch then relies on its stream's periodic poll */
}

void kube_store_remove_listener(kube_store *s, int id)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < sizeof(s->listeners) / sizeof(s->listeners[0]); i++)
        if (s->listeners[i].fn && s->listeners[i].id == id)
            s->listeners[i].fn = NULL;
    pthread_mutex_unlock(&s->lock);
}

int kube_store_events_since(kube_store *s, const kube_resource *r, const char *ns, long long since_rv,
                            const char *label_selector, const char *field_selector, cJSON *events,
                            long long *last_rv, long long *oldest)
{
    char *error = NULL;
    kube_selector *ls = kube_label_selector_parse(label_selector, &error);
    free(error);
    kube_selector *fs = kube_field_selector_parse(field_selector, r, &error);
    free(error);
    pthread_mutex_lock(&s->lock);
    *last_rv = s->rv;
    *oldest = s->compacted_rv;
    int rc = 0;
    if (since_rv < s->compacted_rv) {
        rc = -1;
    } else {
        size_t first = s->n_events;
        while (first > 0 && kube_store_event_at(s, first - 1)->rv > since_rv)
            first--;
        for (size_t i = first; i < s->n_events; i++) {
            const kube_event *e = kube_store_event_at(s, i);
            const cJSON *obj = e->obj->json;
            const char *ons = kube_meta_get(obj, "namespace");
            if (e->r != r || (r->namespaced && ns && (!ons || strcmp(ons, ns) != 0)))
                continue;
            if (!kube_selector_matches(ls, obj) || !kube_selector_matches(fs, obj))
                continue;
            cJSON *ev = cJSON_CreateObject();
            cJSON_AddStringToObject(ev, "type", e->type);
            cJSON_AddItemToObject(ev, "object", cJSON_Duplicate(obj, true));
            cJSON_AddItemToArray(events, ev);
        }
    }
    pthread_mutex_unlock(&s->lock);
    kube_selector_free(ls);
    kube_selector_free(fs);
    return rc;
}

bool kube_store_wait_change(kube_store *s, long long rv, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (s->rv <= rv) {
        if (pthread_cond_timedwait(&s->changed, &s->lock, &deadline) == ETIMEDOUT)
            break;
    }
    bool changed = s->rv > rv;
    pthread_mutex_unlock(&s->lock);
    return changed;
}

void kube_store_compact(kube_store *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_events; i++) {
        kube_obj_unref(kube_store_event_at(s, i)->obj);
        kube_obj_unref(kube_store_event_at(s, i)->prev);
    }
    s->n_events = 0;
    s->ev_first = 0;
    s->compacted_rv = s->rv;
    pthread_mutex_unlock(&s->lock);
}
