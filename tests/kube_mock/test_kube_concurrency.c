/* test_kube_concurrency.c: one store, four threads at once: creates, gets, paginated lists,
 * watches from a version and deletes, on overlapping names. Checks every answer is one the
 * apiserver could give and, at the end, that the store is consistent (each surviving object
 * listed once, in key order). Clean under ThreadSanitizer when built with -fsanitize=thread
 * (the stored versions are shared between the index and the history by reference counts,
 * all under the store's lock). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "kube_store.h"
#include "osh_str.h"

#define ROUNDS 400
#define NAMES 50

static kube_store *store;
static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, int code)
{
    pthread_mutex_lock(&fail_lock);
    failures++;
    fprintf(stderr, "unexpected %s: %d\n", what, code);
    pthread_mutex_unlock(&fail_lock);
}

static const kube_resource *secrets(void) { return kube_resource_by_user_name("secrets"); }

static void *writer(void *arg)
{
    int seed = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        char *json = osh_str_printf("{\"metadata\": {\"name\": \"s%02d\"}}", (i * 7 + seed) % NAMES);
        cJSON *o = cJSON_Parse(json);
        kube_result r = kube_store_create(store, secrets(), "default", o, false);
        if (r.code != 201 && r.code != 409)
            fail("create", r.code);
        cJSON_Delete(r.body);
        cJSON_Delete(o);
        free(json);
        char name[8];
        snprintf(name, sizeof(name), "s%02d", (i * 3 + seed) % NAMES);
        r = kube_store_delete(store, secrets(), "default", name, NULL);
        if (r.code != 200 && r.code != 404)
            fail("delete", r.code);
        cJSON_Delete(r.body);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        kube_list_opts o = {.limit = "7"};
        kube_result page = kube_store_list_page(store, secrets(), "default", &o);
        while (page.code == 200) {
            const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(page.body, "metadata"), "continue"));
            if (cJSON_GetArraySize(cJSON_GetObjectItem(page.body, "items")) > 7)
                fail("page size", cJSON_GetArraySize(cJSON_GetObjectItem(page.body, "items")));
            if (!next)
                break;
            o.continue_token = osh_str_dup(next);
            cJSON_Delete(page.body);
            page = kube_store_list_page(store, secrets(), "default", &o);
            free((char *)o.continue_token);
        }
        if (page.code != 200 && page.code != 410)
            fail("list page", page.code);
        cJSON_Delete(page.body);
        cJSON *events = cJSON_CreateArray();
        long long last, oldest;
        kube_store_events_since(store, secrets(), "default", kube_store_resource_version(store) - 20, NULL, NULL, events,
                                &last, &oldest);
        cJSON_Delete(events);
        kube_result g = kube_store_get(store, secrets(), "default", "s01");
        if (g.code != 200 && g.code != 404)
            fail("get", g.code);
        cJSON_Delete(g.body);
    }
    return NULL;
}

int main(void)
{
    store = kube_store_new();
    pthread_t t[4];
    pthread_create(&t[0], NULL, writer, (void *)1L);
    pthread_create(&t[1], NULL, writer, (void *)2L);
    pthread_create(&t[2], NULL, reader, NULL);
    pthread_create(&t[3], NULL, reader, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    kube_result all = kube_store_list(store, secrets(), "default", NULL, NULL);
    const char *prev = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(all.body, "items"))
    {
        const char *name = kube_meta_get(it, "name");
        if (strcmp(prev, name) >= 0)
            fail("order or duplicate", 0);
        kube_result g = kube_store_get(store, secrets(), "default", name);
        if (g.code != 200)
            fail("get listed", g.code);
        cJSON_Delete(g.body);
        prev = name;
    }
    cJSON_Delete(all.body);
    kube_store_unref(store);
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
