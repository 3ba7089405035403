/* kube_client.h: HTTP calls to the Kubernetes API over libcurl, with the per-call bound of
 * SPEC §10.6 and the error mapping of §10.1 (code, reason, message from a Status body, else
 * the HTTP status, reason phrase and body text). */
#ifndef OSH_KUBE_CLIENT_H
#define OSH_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_config.h"
#include "osh_buf.h"

typedef struct kube_error {
    int code;      /* the API's code (404, 409, 504...); 0 when the API could not be reached */
    char *status;  /* "Failure", or NULL */
    char *reason;  /* "NotFound", "Timeout", a reason phrase...; NULL when code is 0 */
    char *message; /* always set once an error was recorded */
} kube_error;

void kube_error_set(kube_error *err, int code, const char *reason, const char *message);
void kube_error_clear(kube_error *err);
/* Fill err from an HTTP error response (§10.1). */
void kube_error_from_response(kube_error *err, long http_status, const char *reason_phrase, const char *body);

#define KUBE_DEFAULT_TIMEOUT_MS 30000L
#define KUBE_CONNECT_TIMEOUT_MS 10000L

/* The per-call bound: OPENSHELL_KUBE_API_TIMEOUT_MS when it is a decimal 1..600000, else 30 s. */
long kube_timeout_ms_from_env(void);
/* "timed out after {T}s waiting for Kubernetes API", T = ceil(ms / 1000). Malloc'd. */
char *kube_timeout_message(long timeout_ms);

typedef struct kube_client kube_client;

/* Takes ownership of config. The bound starts as kube_timeout_ms_from_env(). */
kube_client *kube_client_new(kube_config *config);
void kube_client_free(kube_client *client);
void kube_client_set_timeout_ms(kube_client *client, long timeout_ms);
const kube_config *kube_client_config(const kube_client *client);

typedef struct kube_response {
    long status;         /* HTTP status */
    char reason[64];     /* reason phrase of the status line ("" over HTTP/2) */
    osh_buf body;
} kube_response;

void kube_response_free(kube_response *resp);

/* One bounded call. json_body may be NULL (no body). Returns 0 when a response arrived (any
 * status, in *resp), -1 when none did (err set: 504 Timeout when the bound expired, code 0
 * for a connection failure). */
int kube_client_call(kube_client *client, const char *method, const char *path, const char *json_body,
                     kube_response *resp, kube_error *err);

/* A streaming GET (watch): on a 2xx answer each complete line goes to on_line; returning
 * false from it ends the stream early (not an error). Not bounded by the per-call timeout.
 * Other statuses leave their body in resp->body. Returns 0 when the stream ended (either
 * way), -1 when it failed (err set). */
typedef bool (*kube_line_fn)(const char *line, size_t len, void *user);
int kube_client_stream(kube_client *client, const char *path, kube_line_fn on_line, void *user,
                       kube_response *resp, kube_error *err);

/* Percent-encode one path segment or query value. Malloc'd. */
char *kube_escape(const char *text);

#endif
