/* docker_client.h: a Docker Engine API client over libcurl (rules §3.8).
 *
 * Transports: a unix socket, plain TCP, or `ssh ... docker system dial-stdio` (one ssh
 * process per connection, HTTP over its stdin/stdout). Requests are sent without an API
 * version prefix, image names go into paths unescaped, query values are percent-encoded
 * (docker_path_add_query). Every non-2xx answer becomes the error text
 * `Docker responded with status code {code}: {message}` with the gw_code of gw_docker_code. */
#ifndef DOCKER_CLIENT_H
#define DOCKER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gw_error.h"
#include "osh_buf.h"

#define DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"

typedef enum docker_transport {
    DOCKER_TRANSPORT_UNIX,
    DOCKER_TRANSPORT_TCP,
    DOCKER_TRANSPORT_SSH
} docker_transport;

/* Time bounds of rules §3.8 in milliseconds; 0 = no bound. */
typedef struct docker_bounds {
    long request_ms;  /* a request that is not a stream: from connect to the end of the answer */
    long transfer_ms; /* a request marked `transfer` (image export, archive upload): the same */
    long idle_ms;     /* a streamed answer (on_data) that stops arriving is cut */
} docker_bounds;

#define DOCKER_REQUEST_MS_DEFAULT 120000L   /* bollard's 120 s */
#define DOCKER_TRANSFER_MS_DEFAULT 3600000L /* 3600 s */

/* The defaults, replaced by OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS (1..600000: request_ms and
 * idle_ms) and OPENSHELL_DOCKER_TIMEOUT_SECS (a positive integer: transfer_ms). A value that
 * is not one fails with GW_E_INVALID naming the variable. */
int docker_bounds_from_env(docker_bounds *b, gw_error *err);

typedef struct docker_endpoint {
    docker_transport transport;
    char *address;    /* unix: socket path; tcp: "host:port"; ssh: "USER@HOST" */
    char **ssh_argv;  /* ssh only: NULL-terminated argv of the dial-stdio command */
    docker_bounds bounds; /* zero after parsing: no bounds until the caller sets them */
} docker_endpoint;

/* From a DOCKER_HOST value; NULL or empty means the default socket. Unknown schemes and
 * empty paths fail with `unsupported DOCKER_HOST scheme`. */
int docker_endpoint_parse(const char *docker_host, docker_endpoint *ep, gw_error *err);
/* For --remote DEST (rules §4.11): `ssh [-i KEY] [-p PORT] -T -- USER@HOST docker system dial-stdio`. */
int docker_endpoint_ssh(const char *dest, const char *ssh_key, docker_endpoint *ep, gw_error *err);
void docker_endpoint_free(docker_endpoint *ep);

typedef struct docker_client docker_client;

docker_client *docker_client_new(const docker_endpoint *ep);
void docker_client_free(docker_client *dc);
/* Requests sent so far (for reports and benchmarks). */
unsigned long docker_client_request_count(const docker_client *dc);

typedef struct docker_response {
    long status;
    osh_buf body;     /* the whole body, except success bodies handed to on_data */
} docker_response;

#define DOCKER_RESPONSE_INIT {0, OSH_BUF_INIT}
void docker_response_free(docker_response *r);

/* Receives body bytes of a successful (101 or 2xx) streamed answer as they arrive.
 * Return 0 to go on; anything else aborts the transfer (it then fails with the error the
 * callback stored in its own state). */
typedef int (*docker_data_fn)(void *ud, const char *data, size_t len);

typedef struct docker_request {
    const char *method;
    const char *path;           /* absolute, with the query */
    const char *content_type;   /* NULL: no Content-Type header */
    const char *body;           /* NULL: no body */
    size_t body_len;
    FILE *body_file;            /* instead of body: uploaded from here */
    long long body_file_len;
    const char *header;         /* one extra header line ("Name: value") or NULL */
    docker_data_fn on_data;     /* NULL: collect into the response body */
    void *data_ud;
    void (*on_open)(void *data_ud); /* streams: the response headers have arrived */
    bool transfer;              /* bounded by bounds.transfer_ms instead of request_ms */
} docker_request;

/* Send one request. Transport failures are GW_E_DOCKER_UNREACHABLE; an expired bound is
 * GW_E_TIMEOUT with `{METHOD} {PATH} timed out after {T} ...`; any HTTP status returns 0. */
int docker_client_send(docker_client *dc, const docker_request *req, docker_response *resp, gw_error *err);
/* A request with an optional JSON body (Content-Type: application/json). */
int docker_call(docker_client *dc, const char *method, const char *path, const cJSON *body,
                docker_response *resp, gw_error *err);

/* Fill err with `Docker responded with status code {code}: {message}`, the code from
 * gw_docker_code and err->status = code; returns -1. */
int docker_status_error(const docker_response *resp, gw_error *err);
/* The body as JSON, or NULL with `malformed JSON in Docker response to {method} {path}`. */
cJSON *docker_response_json(const docker_response *resp, const char *method, const char *path, gw_error *err);
bool docker_status_ok(long status);

/* Append "?key=value" or "&key=value" with the value percent-encoded. */
void docker_path_add_query(osh_buf *path, const char *key, const char *value);

/* A streamed GET read on a background thread until it ends or docker_follow_stop. It has no
 * time bound: it stays open for a whole health wait and the flow closes it. */
typedef struct docker_follow docker_follow;
/* on_end runs once on the reader thread when the stream ends by itself: err is NULL at a
 * clean EOF, else what went wrong. It does not run after docker_follow_stop. */
typedef void (*docker_follow_end_fn)(void *ud, const gw_error *err);
docker_follow *docker_follow_start(docker_client *dc, const char *path, docker_data_fn on_data,
                                   void (*on_open)(void *ud), docker_follow_end_fn on_end, void *ud, gw_error *err);
/* Close the connection, join the thread, free. NULL is fine. */
void docker_follow_stop(docker_follow *f);

#endif
