/* as_release.c: the Sandbox CRD of each agent-sandbox release, from the CRD documents of
 * fixtures/crds compiled into the library (parsed once per process: a CRD is immutable and
 * shared), or from a directory given instead. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "kube_yaml.h"
#include "osh_file.h"
#include "osh_str.h"

#define SANDBOX_CRD "sandboxes.agents.x-k8s.io"

const char *agent_sandbox_crd_embedded(const char *name, size_t *len); /* cmake/OshEmbed.cmake */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static kube_crd *cache[3]; /* 0.1, 0.5, 1.0 from the default directory */

bool agent_sandbox_release_known(const char *r)
{
    return r && (strcmp(r, "0.1") == 0 || strcmp(r, "0.5") == 0 || strcmp(r, "1.0") == 0 || strcmp(r, "none") == 0);
}

/* 1.0 is the v0.5.6 CRD without v1alpha1 and without conversion (rules §14). */
static kube_crd *load_v1(const char *text, size_t len, const char *origin, char **error)
{
    char *yerr = NULL;
    cJSON *doc = kube_yaml_parse(text, len, &yerr);
    if (!doc) {
        *error = osh_str_printf("%s: %s", origin, yerr);
        free(yerr);
        return NULL;
    }
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(doc, "spec");
    cJSON *versions = cJSON_GetObjectItemCaseSensitive(spec, "versions");
    for (int i = cJSON_GetArraySize(versions) - 1; i >= 0; i--) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(versions, i), "name"));
        if (name && strcmp(name, "v1alpha1") == 0)
            cJSON_DeleteItemFromArray(versions, i);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(spec, "conversion");
    char *perr = NULL;
    kube_crd *crd = kube_crd_parse(doc, &perr);
    cJSON_Delete(doc);
    if (!crd) {
        *error = osh_str_printf("%s: %s", origin, perr);
        free(perr);
    }
    return crd;
}

/* Release idx's CRD from the document in crd_dir, or from the copy of fixtures/crds compiled
 * into the library (an installed library has no source tree) when crd_dir is NULL. */
static kube_crd *load_release(int idx, const char *crd_dir, char **error)
{
    const char *file = idx == 0 ? "agent-sandbox-v0.1.0.yaml" : "agent-sandbox-v0.5.6-sandboxes-crd.yaml";
    char *origin = crd_dir ? osh_str_printf("%s/%s", crd_dir, file) : osh_str_printf("fixtures/crds/%s", file);
    size_t len = 0;
    char *owned = NULL;
    const char *text = crd_dir ? (owned = osh_file_read(origin, KUBE_CRD_FILE_MAX, &len, error))
                               : agent_sandbox_crd_embedded(file, &len);
    kube_crd *crd = NULL;
    if (text)
        crd = idx == 2 ? load_v1(text, len, origin, error) : kube_crd_load_text(text, len, origin, SANDBOX_CRD, error);
    else if (!*error)
        *error = osh_str_printf("%s: not compiled in", origin);
    free(owned);
    free(origin);
    return crd;
}

kube_crd *agent_sandbox_crd(const char *release, const char *crd_dir, char **error)
{
    *error = NULL;
    if (!agent_sandbox_release_known(release)) {
        *error = osh_str_printf("agent_sandbox: unknown release \"%s\" (expected \"0.1\", \"0.5\", \"1.0\" or \"none\")",
                                release ? release : "");
        return NULL;
    }
    if (strcmp(release, "none") == 0)
        return NULL;
    int idx = strcmp(release, "0.1") == 0 ? 0 : strcmp(release, "0.5") == 0 ? 1 : 2;
    pthread_mutex_lock(&cache_lock);
    kube_crd *crd = crd_dir ? NULL : kube_crd_ref(cache[idx]);
    pthread_mutex_unlock(&cache_lock);
    if (crd)
        return crd;
    crd = load_release(idx, crd_dir, error);
    if (!crd)
        return NULL;
    crd->convert = agent_sandbox_convert;
    if (!crd_dir) {
        pthread_mutex_lock(&cache_lock);
        if (!cache[idx])
            cache[idx] = kube_crd_ref(crd);
        pthread_mutex_unlock(&cache_lock);
    }
    return crd;
}

int agent_sandbox_install(kube_store *s, const char *release, char **error)
{
    kube_crd *crd = agent_sandbox_crd(release, NULL, error);
    if (!crd && !*error)
        kube_store_remove_crd(s, SANDBOX_CRD); /* "none" */
    if (!crd)
        return *error ? -1 : 0;
    kube_store_install_crd(s, crd);
    kube_crd_unref(crd);
    return 0;
}
