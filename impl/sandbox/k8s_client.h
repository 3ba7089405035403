/* k8s_client.h: HTTP calls to the Kubernetes API over libcurl, with the per-call bound of
 * rules §10.6 and the error mapping of §10.1 (code, reason, message from a Status body, else
 * the HTTP status, reason phrase and body text).
 *
 * Error model of the Kubernetes client layer (impl/sandbox and impl/driver on top of it):
 * errors are k8s_error values, the API's own Status. Its HTTP code and reason are the codes
 * callers branch on (404 NotFound, 409 AlreadyExists or Conflict, 504 Timeout when the bound
 * expired; 0 when there is no API answer: unreachable, or a body that does not parse). The
 * gateway library has its own model (gw_error, impl/gateway/gw_error.h); the parsers below
 * both layers (kubeconfig, YAML, SandboxSpec) report through a `char **error` out-parameter. */
#ifndef OSH_K8S_CLIENT_H
#define OSH_K8S_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "k8s_config.h"
#include "osh_buf.h"

typedef struct k8s_error {
    int code;      /* the API's code (404, 409, 504...); 0 when the API could not be reached */
    char *status;  /* "Failure", or NULL */
    char *reason;  /* "NotFound", "Timeout", a reason phrase...; NULL when code is 0 */
    char *message; /* always set once an error was recorded */
} k8s_error;

void k8s_error_set(k8s_error *err, int code, const char *reason, const char *message);
void k8s_error_clear(k8s_error *err);
/* Fill err from an HTTP error response (§10.1). */
void k8s_error_from_response(k8s_error *err, long http_status, const char *reason_phrase, const char *body);

#define K8S_DEFAULT_TIMEOUT_MS 30000L
#define K8S_CONNECT_TIMEOUT_MS 10000L
/* A watch stream silent this long is given up and resumed (the watch asks the server to
 * end it after 290 s). */
#define K8S_STREAM_IDLE_SECONDS 295L

/* The per-call bound: OPENSHELL_KUBE_API_TIMEOUT_MS when it is a decimal 1..600000, else 30 s. */
long k8s_timeout_ms_from_env(void);
/* "timed out after {T}s waiting for Kubernetes API", T = ceil(ms / 1000). Malloc'd. */
char *k8s_timeout_message(long timeout_ms);

typedef struct k8s_client k8s_client;

/* Takes ownership of config. The bound starts as k8s_timeout_ms_from_env(). */
k8s_client *k8s_client_new(k8s_config *config);
void k8s_client_free(k8s_client *client);
void k8s_client_set_timeout_ms(k8s_client *client, long timeout_ms);
const k8s_config *k8s_client_config(const k8s_client *client);

typedef struct k8s_response {
    long status;         /* HTTP status */
    char reason[64];     /* reason phrase of the status line ("" over HTTP/2) */
    osh_buf body;
} k8s_response;

void k8s_response_free(k8s_response *resp);
/* k8s_error_from_response of an answer that is not the one wanted; returns -1 (the callers'
 * failure result). */
int k8s_error_from_answer(k8s_error *err, const k8s_response *resp);
/* "malformed JSON in the Kubernetes API's answer to WHAT" as a code-0 error (the answer
 * itself is broken, not an API error); returns -1. */
int k8s_error_malformed(k8s_error *err, const char *what);

/* One bounded call. json_body may be NULL (no body). Returns 0 when a response arrived (any
 * status, in *resp), -1 when none did (err set: 504 Timeout when the bound expired, code 0
 * for a connection failure). */
int k8s_client_call(k8s_client *client, const char *method, const char *path, const char *json_body,
                     k8s_response *resp, k8s_error *err);
/* The same with the body's Content-Type named (a merge patch is
 * "application/merge-patch+json"); k8s_client_call sends "application/json". */
int k8s_client_call_typed(k8s_client *client, const char *method, const char *path, const char *content_type,
                          const char *body, k8s_response *resp, k8s_error *err);
/* The per-call bound in force (ms). */
long k8s_client_timeout_ms(const k8s_client *client);

/* A streaming GET (watch): on a 2xx answer each complete line goes to on_line; returning
 * false from it ends the stream early (not an error). Not bounded by the per-call timeout;
 * a 2xx stream that breaks off or stays silent K8S_STREAM_IDLE_SECONDS counts as ended.
 * Other statuses leave their body in resp->body. Returns 0 when the stream ended (either
 * way), -1 when it failed (err set). */
typedef bool (*k8s_line_fn)(const char *line, size_t len, void *user);
int k8s_client_stream(k8s_client *client, const char *path, k8s_line_fn on_line, void *user,
                       k8s_response *resp, k8s_error *err);

/* One line of a watch stream, parsed (cJSON_Delete it): *type and *object point into it, or
 * *type is NULL when the line is not {"type": STRING, "object": {...}}. */
cJSON *k8s_watch_event(const char *line, size_t len, const char **type, const cJSON **object);

/* Percent-encode one path segment or query value. Malloc'd. */
char *k8s_escape(const char *text);
/* "/api/v1/namespaces/NS/pods/POD", both escaped. Malloc'd. */
char *k8s_pod_path(const char *namespace_, const char *pod);

#endif
