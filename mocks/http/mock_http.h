/* mock_http.h: the HTTP front shared by the mock servers (Docker Engine, Kubernetes API).
 *
 * One mock_http_server is one logical server: a request handler, a request journal and a
 * list of fault-injection rules. It can listen on several endpoints at once (a unix socket
 * and TCP ports), each served by its own libmicrohttpd daemon: a few event-loop threads
 * (epoll) serving every connection, with a connection limit and an idle timeout. Handlers
 * must therefore not block: an answer that waits (following logs, waiting for a container
 * to stop, a watch) is a stream whose callback says "nothing yet" and is called again after
 * a wake for what it waits on (mock_http_server_wake_key, mock_http_server_wake) or at the
 * time it asked for (mock_http_stream_retry_in); its connection is suspended meanwhile and a
 * client hanging up frees it at once. Nothing runs periodically: an idle server does no work. Upgraded connections get a thread each, so their callbacks may block.
 * Many servers can live in one process.
 *
 * Request flow: the body is read (up to the route class's limit; beyond it the answer is a
 * 413 from options.too_large and the rest is discarded), then
 *   1. paths under /_mock/ go to the built-in routes (journal, faults) or the server's
 *      mock_handler; they are never journaled nor faulted;
 *   2. the fault rules are matched (format: docs/scenarios.md, "Fault rules"); a rule may
 *      delay, answer instead of the handler, drop the connection, truncate the answer or
 *      override JSON fields of it;
 *   3. the handler fills a mock_http_response: a complete body, a stream, or an upgrade;
 *   4. the request is journaled with the status and Content-Type it was answered with.
 *
 * Threading: handlers and stream callbacks run on an event-loop thread, upgrade callbacks on
 * their own thread, with no lock of this module held. Every function here is thread-safe. */
#ifndef MOCK_HTTP_H
#define MOCK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "osh_buf.h"

typedef struct mock_http_server mock_http_server;
typedef struct mock_http_request mock_http_request;
typedef struct mock_http_response mock_http_response;

/* ---- Handlers ---------------------------------------------------------------------- */

/* Called once per request with the full body read. It must call exactly one of the
 * mock_http_respond* functions (otherwise the client gets a 500 naming the path). */
typedef void (*mock_http_handler_fn)(void *ctx, const mock_http_request *req,
                                     mock_http_response *res);

/* A streamed body. Called repeatedly on an event-loop thread; appends zero or more bytes
 * to out and returns MOCK_HTTP_STREAM_MORE to be called again or MOCK_HTTP_STREAM_END when
 * done (what it appended in that call is still sent), or MOCK_HTTP_STREAM_ABORT to send what
 * it appended and then close the connection without ending the body (a cut stream, as a
 * crashing daemon would leave it). When it appends nothing and returns MORE, the connection
 * is suspended until a wake for the stream (mock_http_server_wake(), or
 * mock_http_server_wake_key() with its key or, for a stream without a key, any key) or the
 * time it asked for with mock_http_stream_retry_in(); there is no periodic retry, so a
 * callback that waits on anything else must ask for a time. A callback must not block. The stream is cut when the server stops or the client
 * hangs up (seen while suspended too), and free_ctx runs then. */
enum { MOCK_HTTP_STREAM_ABORT = -1, MOCK_HTTP_STREAM_END = 0, MOCK_HTTP_STREAM_MORE = 1 };
typedef int (*mock_http_stream_fn)(void *ctx, osh_buf *out);

/* A hijacked connection after a 101 answer, on a thread of its own: it may block reading
 * the client's bytes from fd or writing to it. fd is the raw socket (do not close it: the
 * server closes it when the callback returns); extra holds bytes the client sent after its
 * request head, to be treated as already read from fd. The callback starts once the client
 * has read the 101 head (unix sockets; on TCP once acknowledged plus a short grace), because
 * clients such as docker-py switch to the raw socket after a buffered read of the head.
 * On stop the socket is shut down (reads return 0, writes fail) and the callback must then
 * return; mock_http_server_stopping() turns true as well. */
typedef void (*mock_http_upgrade_fn)(void *ctx, int fd, const char *extra, size_t extra_len);

/* Frees a stream or upgrade ctx once the server is done with it (may be NULL). */
typedef void (*mock_http_free_fn)(void *ctx);

/* ---- Server lifecycle -------------------------------------------------------------- */

typedef struct mock_http_server_options {
    const char *name;                /* for messages and logs, e.g. "docker" */
    mock_http_handler_fn handler;    /* every request not under /_mock/ */
    void *handler_ctx;
    /* Requests under /_mock/ that the built-in routes do not answer (may be NULL: 404). */
    mock_http_handler_fn mock_handler;
    void *mock_handler_ctx;
    /* Fault rules match the path after a leading /vX.Y is removed (Docker's versioned
     * paths); set for the Docker mock, leave false for Kubernetes. */
    bool strip_version_for_faults;

    /* Limits (0 = the default named). */
    unsigned max_connections;  /* per endpoint; MOCK_HTTP_DEFAULT_MAX_CONNECTIONS */
    unsigned idle_timeout_s;   /* an idle keep-alive connection is closed after it;
                                * MOCK_HTTP_DEFAULT_IDLE_TIMEOUT_S */
    unsigned threads;          /* event-loop threads per endpoint; MOCK_HTTP_DEFAULT_THREADS */
    /* The body limit of a request's route class, asked once its head is in (ctx is
     * handler_ctx); NULL or 0 = MOCK_HTTP_DEFAULT_BODY_LIMIT. */
    size_t (*body_limit)(void *ctx, const char *method, const char *path);
    /* The answer to a body beyond its limit (ctx is handler_ctx; the request's body is
     * empty). NULL = 413 {"message": "request body too large: limit is N bytes"}. */
    void (*too_large)(void *ctx, const mock_http_request *req, size_t limit,
                      mock_http_response *res);
    /* Routes whose body goes to an unlinked temporary file as it arrives, not to memory
     * (archives, image loads): their handler reads it with mock_http_request_body_fd. NULL
     * = none. */
    bool (*body_spool)(void *ctx, const char *method, const char *path);
    size_t journal_entries;    /* the journal keeps the last N; MOCK_HTTP_DEFAULT_JOURNAL_ENTRIES */
    size_t journal_body_cap;   /* bytes of each body kept; MOCK_HTTP_DEFAULT_JOURNAL_BODY_CAP */
} mock_http_server_options;

#define MOCK_HTTP_DEFAULT_MAX_CONNECTIONS 10000
#define MOCK_HTTP_DEFAULT_IDLE_TIMEOUT_S 60
#define MOCK_HTTP_DEFAULT_THREADS 2
#define MOCK_HTTP_DEFAULT_BODY_LIMIT ((size_t)4 << 20)
#define MOCK_HTTP_DEFAULT_JOURNAL_ENTRIES 10000
#define MOCK_HTTP_DEFAULT_JOURNAL_BODY_CAP ((size_t)16 << 10)

/* A server with no endpoint yet. Never fails (allocation failure aborts). The first one
 * raises the process's soft RLIMIT_NOFILE to its hard limit (connections are files). */
mock_http_server *mock_http_server_new(const mock_http_server_options *opts);

/* Start serving on a unix socket at path, mode 0600 whatever the umask. A socket file that
 * answers a connect is in use: refused (-1, "PATH: in use by another server"); a stale one
 * (connect refused) is replaced; any other kind of file is an error. Returns 0, or -1 and a
 * malloc'd *error naming path and reason. */
int mock_http_server_listen_unix(mock_http_server *s, const char *path, char **error);

/* Start serving on TCP host:port (port 0 = ephemeral). *bound_port (may be NULL) receives
 * the port actually bound. Returns 0, or -1 and a malloc'd *error. */
int mock_http_server_listen_tcp(mock_http_server *s, const char *host, int port,
                                int *bound_port, char **error);

/* The same over TLS (libmicrohttpd with GnuTLS): cert_pem and key_pem are the PEM texts
 * (not paths) of the server certificate (chain) and its private key; they need not outlive
 * the call. Fails with a clear *error when libmicrohttpd has no TLS support, when either PEM
 * is missing, or when GnuTLS refuses them (bad PEM, key not matching the certificate). */
int mock_http_server_listen_tcp_tls(mock_http_server *s, const char *host, int port,
                                    const char *cert_pem, const char *key_pem, int *bound_port,
                                    char **error);

/* Endpoint URLs in the order they were added: "unix:///path", "tcp://host:port" or
 * "https://host:port" (TLS).
 * NULL past the last one. The string lives as long as the server. */
const char *mock_http_server_url(const mock_http_server *s, size_t index);

/* Stop every endpoint: ends open streams and upgraded connections (their callbacks see
 * mock_http_server_stopping()), joins every connection thread, removes unix socket files.
 * Idempotent. The journal and faults stay readable until free. */
void mock_http_server_stop(mock_http_server *s);
void mock_http_server_free(mock_http_server *s); /* stops first; NULL is fine */

/* Wake every stream and waiter (call after changing state every stream may report). */
void mock_http_server_wake(mock_http_server *s);
/* Wake the streams and waiters that wait on key (mock_http_response_wait_key), and those
 * without a key (call after changing the one thing key names, e.g. a container). */
void mock_http_server_wake_key(mock_http_server *s, uint64_t key);
/* A key naming a thing by its text (FNV-1a of a container id, say). */
uint64_t mock_http_key(const char *text);
bool mock_http_server_stopping(const mock_http_server *s);

/* From inside a stream callback: call it again after ms even if nothing wakes it (a watch's
 * timeoutSeconds, a replay's real timing). Asked anew on each call; ignored elsewhere. */
void mock_http_stream_retry_in(unsigned ms);

/* An upgrade callback that waits for a change (attach following a container's output)
 * registers a waiter first, then looks, then waits: a wake between the look and the wait is
 * not lost. keyed = false: woken by every wake. */
typedef struct mock_http_waiter mock_http_waiter;
mock_http_waiter *mock_http_waiter_new(mock_http_server *s, bool keyed, uint64_t key);
/* Block until a wake for the waiter since the last wait (true), or the client on fd hangs
 * up both ways or the server stops (false). fd < 0: wakes and stop only. */
bool mock_http_waiter_wait(mock_http_waiter *w, int fd);
void mock_http_waiter_free(mock_http_waiter *w); /* NULL is fine */

/* What the server holds right now (for tests and /_mock/ introspection). */
typedef struct mock_http_stats {
    size_t connections;        /* open, over every endpoint */
    size_t streams;            /* streamed answers in progress */
    size_t suspended_streams;  /* of which waiting for a wake */
    size_t upgrades;           /* hijacked connections whose callback runs */
    unsigned long stream_calls;    /* stream callbacks called so far */
    unsigned long watcher_wakeups; /* times the hang-up watcher woke up */
    int watcher_timeout_ms;        /* the watcher's poll timeout now; -1 = none (idle) */
    size_t journal_entries;    /* kept */
    unsigned long journal_dropped; /* dropped from the ring since the last clear */
    size_t body_bytes_peak;    /* the most request-body bytes one request held in memory */
} mock_http_stats;
void mock_http_server_stats(mock_http_server *s, mock_http_stats *out);

/* ---- Request view (valid during the handler call only) ----------------------------- */

const char *mock_http_request_method(const mock_http_request *r);
/* Percent-decoded path without the query, e.g. "/v1.41/containers/abc/json". */
const char *mock_http_request_path(const mock_http_request *r);
/* The raw query string after '?' ("" when none), still percent-encoded. */
const char *mock_http_request_query(const mock_http_request *r);
/* The decoded value of the first occurrence of key; "" for "?key" without '=';
 * NULL when the key is absent. */
const char *mock_http_request_query_value(const mock_http_request *r, const char *key);
/* Repeated keys (names=a&names=b): how many, and the i-th value (decoded). */
size_t mock_http_request_query_count(const mock_http_request *r, const char *key);
const char *mock_http_request_query_nth(const mock_http_request *r, const char *key, size_t i);
/* A request header by case-insensitive name; NULL when absent. */
const char *mock_http_request_header(const mock_http_request *r, const char *name);
/* Every request header as received, {name: value} in arrival order (a repeated header keeps
 * its last value); for a proxy that forwards them (mocks/record). */
const cJSON *mock_http_request_headers(const mock_http_request *r);
/* The full body (NUL-terminated for convenience; len excludes the terminator). A spooled
 * body (options.body_spool) is read into memory by this call: use the fd instead. */
const char *mock_http_request_body(const mock_http_request *r, size_t *len);
/* A spooled body: a file descriptor positioned at its start (owned by the request: do not
 * close it) and its size; -1 when the body is in memory (not spooled, or no temporary file
 * could be made). */
int mock_http_request_body_fd(const mock_http_request *r, size_t *len);
/* The path with a leading version segment removed ("/v1.41/_ping" -> "/_ping"). The
 * segment is dockerd's route pattern /v{[0-9.]+}: "/v1.41.0/x", "/v1/x" and "/v.41/x" have
 * one, "/v1.41x/x" has none. major and minor get its first two numbers (a missing or empty
 * one is 0; one beyond INT_MAX is INT_MAX, never wrapped), or -1 when there is no prefix
 * (both may be NULL). */
const char *mock_http_request_unversioned_path(const mock_http_request *r, int *major, int *minor);
mock_http_server *mock_http_request_server(const mock_http_request *r);

/* Strip a leading version segment from any path (same rule as above); returns a pointer
 * into path. */
const char *mock_http_strip_version(const char *path, int *major, int *minor);
/* The version segment's text ("4294967297.41", as the client wrote it, which is what dockerd
 * echoes in its errors): a pointer into path and its length, or 0 when there is none. */
size_t mock_http_version_text(const char *path, const char **text);

/* ---- Responses --------------------------------------------------------------------- */

/* Add a response header (call before or after choosing the body; order is kept). */
void mock_http_response_header(mock_http_response *res, const char *name, const char *value);

/* A complete body (copied). content_type may be NULL (no Content-Type header). */
void mock_http_respond(mock_http_response *res, int status, const char *content_type,
                       const void *body, size_t len);
/* A JSON body: compact serialization plus "\n", as Go's json.Encoder writes it (dockerd and
 * kube-apiserver both do); Content-Type application/json. json is not taken over. */
void mock_http_respond_json(mock_http_response *res, int status, const cJSON *json);
/* No body at all (204, 304; or a HEAD answer). */
void mock_http_respond_empty(mock_http_response *res, int status);

/* A streamed body of unknown length: chunked on HTTP/1.1, close-delimited on HTTP/1.0.
 * Headers go out at once, before the first chunk. free_ctx(ctx) runs when it ends. */
void mock_http_respond_stream(mock_http_response *res, int status, const char *content_type,
                              mock_http_stream_fn fn, void *ctx, mock_http_free_fn free_ctx);

/* A stream answer (mock_http_respond_stream) that waits on key: woken by
 * mock_http_server_wake_key(key) and mock_http_server_wake() only. */
void mock_http_response_wait_key(mock_http_response *res, uint64_t key);

/* Send this answer only once every stream of the server has written what it has now
 * (each is idle again), so that output a handler just produced for streams (log lines for a
 * follower) reaches their clients before this answer does; after at most 400 ms it goes
 * anyway (the watcher looks every millisecond while such an answer waits). The connection waits suspended, no thread is held. */
void mock_http_response_after_streams(mock_http_response *res);

/* 101 Switching Protocols with "Upgrade: {protocol}" and "Connection: Upgrade"; then fn
 * gets the raw socket. content_type may be NULL. free_ctx(ctx) runs afterwards, also when
 * the client vanished before the 101 was sent. */
void mock_http_respond_upgrade(mock_http_response *res, const char *protocol,
                               const char *content_type, mock_http_upgrade_fn fn, void *ctx,
                               mock_http_free_fn free_ctx);

/* ---- Journal ----------------------------------------------------------------------- */

/* A JSON array, one object per request (not /_mock/ ones) in arrival order:
 *   {"seq": 1, "method": "GET", "path": "/v1.41/_ping", "query": "a=b",
 *    "headers": {"Host": "docker", "X-Registry-Auth": "...", ...} (as received),
 *    "body": "..." (text bodies) or "body_base64": "..." (binary bodies),
 *    "status": 200, "content_type": "application/json" or null,
 *    "fault": "respond|drop|truncate|delay|hang|json_set" (only when a rule acted)}
 * status is 0 for a dropped connection. The journal is a ring: the last journal_entries
 * requests are kept (seq shows the gap; GET /_mock/journal says how many were dropped in
 * its X-Mock-Journal-Dropped header). A body longer than journal_body_cap keeps its first
 * cap bytes and adds "body_truncated": true, "body_size": N and "body_sha256": hex of the
 * whole body; a body refused with 413 adds "body_size" (what was announced) only.
 * Caller frees with cJSON_Delete. */
cJSON *mock_http_journal_json(mock_http_server *s);
void mock_http_journal_clear(mock_http_server *s);
/* Keep the last n requests from now on (n >= 1; the oldest go when it shrinks). */
void mock_http_journal_set_capacity(mock_http_server *s, size_t n);
/* How many journaled requests have this method (NULL = any) and a path (version prefix
 * removed) matching glob (fnmatch, '*' also crosses '/'). */
size_t mock_http_journal_count(mock_http_server *s, const char *method, const char *glob);

/* ---- Fault injection --------------------------------------------------------------- */

/* One rule. Match: method (NULL = any) and path glob (fnmatch without FNM_PATHNAME, on the
 * path with any /vX.Y removed when the server strips versions). Occurrences (counted per
 * rule over the requests matching method+path, starting at 1): nth > 0 → only the nth;
 * first > 0 → the first `first`; from > 0 → the from-th and every later one; all zero →
 * every one. hang: the request is read and never answered (until the server stops), as a
 * daemon that accepts and stalls. Actions (several may combine): delay_ms, then one of drop / respond
 * (status > 0) / the real handler, then truncate_after (>= 0 cuts the body after that many
 * bytes by closing the connection) and json_set (an object {"Dotted.Path": value} applied
 * to a complete JSON answer). At most one rule acts per request: the first that matches
 * and whose occurrence condition holds. */
typedef struct mock_http_fault {
    const char *method;
    const char *path;
    int nth, first, from;
    int delay_ms;
    bool drop;
    int status;                 /* > 0: answer this instead of calling the handler */
    const char *body;           /* with status; sent as is (may be malformed JSON) */
    const char *content_type;   /* with status; default application/json */
    long truncate_after;        /* -1 = off */
    const cJSON *json_set;      /* NULL = off; copied */
    bool hang;                  /* never answer (overrides every other action) */
} mock_http_fault;

#define MOCK_HTTP_FAULT_INIT {NULL, "*", 0, 0, 0, 0, false, 0, NULL, NULL, -1, NULL, false}

void mock_http_fault_add(mock_http_server *s, const mock_http_fault *f);
/* One rule object or an array of them (docs/scenarios.md). Adds nothing and returns -1
 * with a malloc'd *error naming the bad field ("faults[1].status: expected number") when
 * anything is invalid; 0 on success. */
int mock_http_fault_add_json(mock_http_server *s, const cJSON *rules, char **error);
void mock_http_fault_clear(mock_http_server *s);
/* The rules as JSON (with "matched": how many requests each has counted). */
cJSON *mock_http_fault_json(mock_http_server *s);

/* Built-in /_mock/ routes on every server:
 *   GET /_mock/journal, DELETE /_mock/journal
 *   GET /_mock/faults, POST /_mock/faults (body: rule or array; 400 with the error),
 *   DELETE /_mock/faults */

#endif
