/* kube_api_internal.h: pieces of the HTTP front shared by mock_kube.c and kube_watch.c. */
#ifndef KUBE_API_INTERNAL_H
#define KUBE_API_INTERNAL_H

#include <stdbool.h>

#include "kube_store.h"
#include "mock_http.h"

/* Answers a watch request on collection r (ns NULL = every namespace) with a stream of
 * WatchEvents (Tables when as_table). */
void kube_watch_respond(mock_http_response *res, const mock_http_request *req, kube_store *s,
                        const kube_resource *r, const char *ns, bool as_table);

/* Sends a kube_result as JSON and frees its body. */
void kube_api_send(mock_http_response *res, kube_result result);

#endif
