/* kube_store_list.c: lists and their pagination (see kube_store.h). A list reads a snapshot
 * of one resource at a resourceVersion: the current objects, or, for an older version
 * still covered by the event history, the current objects with every key changed since
 * then put back as it was (what etcd's MVCC read at a revision gives). Pages walk the
 * snapshot in key order from the continue token's start key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_continue.h"
#include "kube_meta.h"
#include "kube_selector.h"
#include "kube_store_internal.h"
#include "osh_str.h"

/* The apiserver's texts (k8s.io/apiserver/pkg/storage/etcd3/errors.go). */
#define LIST_EXPIRED "The resourceVersion for the provided list is too old."
#define CONTINUE_EXPIRED                                                                                               \
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "     \
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "   \
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "     \
    "modified, or deleted between the time the first chunk was returned and now may show up in the list."

typedef struct snapshot {
    kube_obj **items; /* borrowed from the store (lock held), in key order */
    size_t n;
} snapshot;

static int compare_objs(const void *a, const void *b)
{
    return strcmp((*(kube_obj *const *)a)->key, (*(kube_obj *const *)b)->key);
}

static void snapshot_add(snapshot *sn, size_t cap, kube_obj *o)
{
    if (sn->n < cap)
        sn->items[sn->n++] = o;
}

/* r's objects as they were at version at; the caller checked at >= s->compacted_rv. */
static void take_snapshot(kube_store *s, const kube_resource *r, long long at, snapshot *sn)
{
    kube_collection *c = kube_store_collection(s, r, 0);
    size_t changed_after = 0;
    for (size_t i = s->n_events; i-- > 0 && kube_store_event_at(s, i)->rv > at;)
        changed_after++;
    size_t cap = (c ? c->n : 0) + changed_after + 1;
    sn->items = calloc(cap, sizeof(*sn->items));
    sn->n = 0;
    if (!sn->items)
        abort();
    if (c)
        kube_collection_sort(c);
    if (changed_after == 0) {
        for (size_t i = 0; c && i < c->n; i++)
            snapshot_add(sn, cap, c->items[i]->obj);
        return;
    }
    /* the first change after `at` to each key tells what that key held at `at` */
    static kube_obj absent;
    kube_index was = KUBE_INDEX_INIT;
    for (size_t i = s->n_events - changed_after; i < s->n_events; i++) {
        kube_event *e = kube_store_event_at(s, i);
        if (e->r == r && !kube_index_get(&was, e->obj->key))
            kube_index_put(&was, e->obj->key, e->prev ? e->prev : &absent);
    }
    for (size_t i = 0; c && i < c->n; i++)
        if (!kube_index_get(&was, c->items[i]->key))
            snapshot_add(sn, cap, c->items[i]->obj);
    for (size_t i = 0; i < was.cap; i++)
        if (was.slots[i].hash && was.slots[i].value != &absent)
            snapshot_add(sn, cap, was.slots[i].value);
    kube_index_free(&was);
    qsort(sn->items, sn->n, sizeof(*sn->items), compare_objs);
}

/* The first position whose key is >= key (> key when after). */
static size_t lower_bound(const snapshot *sn, const char *key, bool after)
{
    size_t lo = 0, hi = sn->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sn->items[mid]->key, key);
        if (c < 0 || (after && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct page_request {
    const kube_resource *r;
    const char *ns;
    kube_selector *labels, *fields;
    bool filtered;       /* a selector was given: no remainingItemCount */
    long long limit;     /* <= 0: everything */
    long long at;        /* the snapshot's version */
    char *start;         /* absolute key to start from, or NULL */
    bool after;
} page_request;

static cJSON *new_list(const kube_resource *r, long long rv)
{
    cJSON *list = cJSON_CreateObject();
    char *kind = osh_str_printf("%sList", r->kind);
    cJSON_AddStringToObject(list, "kind", kind);
    free(kind);
    cJSON_AddStringToObject(list, "apiVersion", kube_resource_api_version(r));
    cJSON *meta = cJSON_AddObjectToObject(list, "metadata");
    char text[32];
    snprintf(text, sizeof(text), "%lld", rv);
    cJSON_AddStringToObject(meta, "resourceVersion", text);
    cJSON_AddArrayToObject(list, "items");
    return list;
}

/* Builds the page (lock held). */
static cJSON *read_page(kube_store *s, const page_request *q)
{
    snapshot sn;
    take_snapshot(s, q->r, q->at, &sn);
    char *prefix = q->r->namespaced && q->ns ? osh_str_printf("%s/", q->ns) : osh_str_dup("");
    size_t plen = strlen(prefix);
    const char *from = q->start && strcmp(q->start, prefix) > 0 ? q->start : prefix;
    size_t i = lower_bound(&sn, from, from == q->start && q->after);
    cJSON *list = new_list(q->r, q->at);
    cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    long long count = 0;
    const char *last = NULL;
    bool more = false;
    for (; i < sn.n && strncmp(sn.items[i]->key, prefix, plen) == 0; i++) {
        if (q->limit > 0 && count == q->limit) {
            more = true;
            break;
        }
        const cJSON *o = sn.items[i]->json;
        if (!kube_selector_matches(q->labels, o) || !kube_selector_matches(q->fields, o))
            continue;
        cJSON *copy = cJSON_Duplicate(o, true);
        /* Items of a list carry no apiVersion/kind in the apiserver's answers. */
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "apiVersion");
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "kind");
        cJSON_AddItemToArray(items, copy);
        last = sn.items[i]->key;
        count++;
    }
    if (more && last) {
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(list, "metadata");
        char *token = kube_continue_encode(last + plen, q->at);
        cJSON_AddStringToObject(meta, "continue", token);
        free(token);
        if (!q->filtered) {
            size_t end = i;
            while (end < sn.n && strncmp(sn.items[end]->key, prefix, plen) == 0)
                end++;
            cJSON_AddNumberToObject(meta, "remainingItemCount", (double)(end - i));
        }
    }
    free(prefix);
    free(sn.items);
    return list;
}

static kube_result bad_request_free(char *msg)
{
    kube_result res = kube_err_bad_request(msg);
    free(msg);
    return res;
}

/* 410 for a token whose snapshot is gone, with a token that goes on at the latest version. */
static kube_result continue_expired(const char *start)
{
    char *token = kube_continue_encode(start, -1);
    kube_result res = {410, kube_status_failure(410, "Expired", CONTINUE_EXPIRED, NULL)};
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(res.body, "metadata"), "continue", token);
    free(token);
    return res;
}

/* Reads limit, continue and resourceVersion into q (lock held); .code 0 when usable. */
static kube_result plan_page(kube_store *s, const kube_list_opts *o, page_request *q)
{
    char *error = NULL;
    q->at = s->rv;
    if (o->limit && kube_parse_int64(o->limit, &q->limit, &error) != 0)
        return bad_request_free(error);
    const char *rv = o->resource_version;
    if (o->continue_token && *o->continue_token) {
        kube_continue tok;
        if (kube_continue_decode(o->continue_token, &tok, &error) != 0) {
            char *msg = osh_str_printf("invalid continue token: %s", error);
            free(error);
            return bad_request_free(msg);
        }
        if (rv && *rv && strcmp(rv, "0") != 0) {
            kube_continue_free(&tok);
            return kube_err_bad_request("specifying resource version is not allowed when using continue");
        }
        q->start = q->r->namespaced && q->ns ? osh_str_printf("%s/%s", q->ns, tok.start) : osh_str_dup(tok.start);
        q->after = tok.after;
        kube_result res = {0, NULL};
        if (tok.rv > 0 && tok.rv < s->compacted_rv)
            res = continue_expired(tok.start);
        else if (tok.rv > s->rv)
            res = (kube_result){500, kube_status_failure(500, "", "etcdserver: mvcc: required revision is a future revision", NULL)};
        else if (tok.rv > 0)
            q->at = tok.rv;
        kube_continue_free(&tok);
        return res;
    }
    long long want = 0;
    if (q->limit > 0 && rv && *rv && kube_parse_int64(rv, &want, &error) == 0 && want > 0) {
        /* a paginated list from a given version reads exactly that snapshot */
        if (want < s->compacted_rv)
            return (kube_result){410, kube_status_failure(410, "Expired", LIST_EXPIRED, NULL)};
        if (want > s->rv) {
            char *msg = osh_str_printf("Too large resource version: %lld, current: %lld", want, s->rv);
            kube_result res = {504, kube_status_failure(504, "Timeout", msg, NULL)};
            free(msg);
            return res;
        }
        q->at = want;
    }
    free(error);
    return (kube_result){0, NULL};
}

kube_result kube_store_list_page(kube_store *s, const kube_resource *r, const char *ns, const kube_list_opts *o)
{
    kube_list_opts none = {0};
    if (!o)
        o = &none;
    page_request q = {.r = r, .ns = r->namespaced ? ns : NULL};
    char *error = NULL;
    if (!(q.labels = kube_label_selector_parse(o->label_selector, &error)))
        return bad_request_free(error);
    if (!(q.fields = kube_field_selector_parse(o->field_selector, r, &error))) {
        kube_selector_free(q.labels);
        return bad_request_free(error);
    }
    q.filtered = (o->label_selector && *o->label_selector) || (o->field_selector && *o->field_selector);
    pthread_mutex_lock(&s->lock);
    kube_result res = plan_page(s, o, &q);
    if (res.code == 0)
        res = (kube_result){200, read_page(s, &q)};
    pthread_mutex_unlock(&s->lock);
    free(q.start);
    kube_selector_free(q.labels);
    kube_selector_free(q.fields);
    return res;
}

kube_result kube_store_list(kube_store *s, const kube_resource *r, const char *ns, const char *label_selector,
                            const char *field_selector)
{
    kube_list_opts o = {.label_selector = label_selector, .field_selector = field_selector};
    return kube_store_list_page(s, r, ns, &o);
}
