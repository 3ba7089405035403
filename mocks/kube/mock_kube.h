/* mock_kube.h: a mock Kubernetes API server on loopback HTTP, served by mocks/http.
 *
 * It serves discovery (/version, /api, /api/v1, /apis, /apis/{group}/{version}), health
 * (/healthz, /readyz, /livez), and the resources of kube_resources.h with get, list, watch,
 * create, update, patch and delete, answering errors as Status objects. Fault injection,
 * the request journal and /_mock/journal, /_mock/faults come from mocks/http; /_mock/state
 * answers the store being served as JSON.
 *
 * Storage: every server owns a default store (objects outside any cluster volume). The k3s
 * simulator switches the server to the store of the cluster that is running
 * (mock_kube_use_store) and back (NULL). Thread-safe. */
#ifndef MOCK_KUBE_H
#define MOCK_KUBE_H

#include "kube_store.h"
#include "mock_http.h"

typedef struct mock_kube mock_kube;

/* kube-apiserver's default --max-request-body-bytes; a larger body gets its 413 Status. */
#define MOCK_KUBE_BODY_LIMIT ((size_t)3 << 20)

typedef struct mock_kube_options {
    const char *host;   /* NULL = 127.0.0.1 */
    int port;           /* 0 = ephemeral */
    /* The agent-sandbox release whose Sandbox CRD the default store serves (rules §14.1);
     * NULL = "0.1", the reference commit's (a world installs its own, default "0.5"). */
    const char *agent_sandbox;
} mock_kube_options;

/* Starts serving. NULL and *error (malloc'd) when the port cannot be bound. */
mock_kube *mock_kube_new(const mock_kube_options *opts, char **error);
void mock_kube_free(mock_kube *k);

/* "http://127.0.0.1:PORT". */
const char *mock_kube_url(const mock_kube *k);
mock_http_server *mock_kube_http(mock_kube *k);

/* The store outside any cluster (not referenced for the caller). */
kube_store *mock_kube_default_store(mock_kube *k);
/* Replace the default store (e.g. with one imported from a scenario); the server keeps its
 * own reference. If the default store was being served, s is served instead. */
void mock_kube_set_default_store(mock_kube *k, kube_store *s);
/* Serve s from now on (NULL = the default store). The server keeps its own reference. */
void mock_kube_use_store(mock_kube *k, kube_store *s);
/* The store being served, referenced for the caller (kube_store_unref when done). */
kube_store *mock_kube_current_store(mock_kube *k);

/* Called at the start of every API request (not /_mock/...) with the store being served, on
 * the request's thread: what drives simulated controllers by request counts. NULL clears. */
typedef void (*mock_kube_request_hook)(kube_store *s, void *user);
void mock_kube_set_request_hook(mock_kube *k, mock_kube_request_hook hook, void *user);

/* A kubeconfig (context "mock", namespace default) pointing at the server. */
int mock_kube_write_kubeconfig(const mock_kube *k, const char *path, char **error);

#endif
