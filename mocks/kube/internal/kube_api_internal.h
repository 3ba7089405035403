/* kube_api_internal.h: pieces of the HTTP front shared by mock_kube.c and kube_watch.c. */
#ifndef KUBE_API_INTERNAL_H
#define KUBE_API_INTERNAL_H

#include <stdbool.h>

#include "kube_crd.h"
#include "kube_store.h"
#include "mock_http.h"

/* How a custom resource is shown to a client: the CRD and the version asked for. */
typedef struct kube_view {
    kube_crd *crd; /* referenced by whoever holds the view */
    const kube_crd_version *v;
} kube_view;

/* A stored custom object converted to the view's version and defaulted (kube_crd_view.c). */
cJSON *kube_view_object(const kube_view *view, const cJSON *stored);
/* The Table of stored objects from the version's printer columns (kube_crd_view.c). */
cJSON *kube_view_table(const kube_view *view, const cJSON *items, const char *include_object, const char *rv);

/* Answers a watch request on collection r (ns NULL = every namespace) with a stream of
 * WatchEvents (Tables when as_table). view: for a custom resource, r is its storage version
 * and every object is shown through the view; NULL otherwise. */
void kube_watch_respond(mock_http_response *res, const mock_http_request *req, kube_store *s,
                        const kube_resource *r, const char *ns, bool as_table, const kube_view *view);

/* Serves a request on a custom resource (kube_crd_serve.c): r is the entry of the version in
 * the path, subresource NULL, "status" or "scale". */
void kube_crd_serve(mock_http_response *res, const mock_http_request *req, kube_store *s, const kube_resource *r,
                    const char *ns, const char *name, const char *subresource);

/* A boolean query value as strconv.ParseBool reads it ("1", "t", "true", "True", ...). */
bool kube_api_query_true(const char *v);
/* dryRun=All. */
bool kube_api_dry_run(const mock_http_request *req);
/* DeleteOptions from the query and the body (NULL when none). */
void kube_api_delete_options(const mock_http_request *req, const cJSON *body, kube_delete_opts *o);
/* DeleteOptions.preconditions of a DELETE body (members NULL when absent). */
kube_preconditions kube_api_preconditions(const cJSON *body);
/* The OpenAPI v3 document of a served CRD version (kube_crd_openapi.c), made from the text of
 * the trimmed v1alpha1 template (compiled in from openapi/); NULL if it does not parse. */
cJSON *kube_crd_openapi(const kube_crd *crd, const kube_crd_version *v, const char *template_text);

/* Whether the request asks for a Table. */
bool kube_api_wants_table(const mock_http_request *req);
/* The request body as JSON (or YAML); NULL with *result set to the apiserver's 400/415. */
cJSON *kube_api_decode_body(const mock_http_request *req, kube_result *result);

/* Sends a kube_result as JSON and frees its body. */
void kube_api_send(mock_http_response *res, kube_result result);

#endif
