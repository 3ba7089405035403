/* mock_http_internal.h: structures shared by the files of mocks/http (not a public API). */
#ifndef MOCK_HTTP_INTERNAL_H
#define MOCK_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>

#include "mock_http.h"

#define MOCK_HTTP_MAX_ENDPOINTS 8
/* The journal also drops its oldest entries while it weighs more than this. */
#define MOCK_HTTP_JOURNAL_BYTES ((size_t)32 << 20)
/* libmicrohttpd's per-connection pool (request head, read buffer, answer head): it is zeroed
 * for every request, so its size is a per-request cost (callgrind: 49K instructions of
 * memset a request at 32 KiB). 16 KiB still holds a 10 KiB request head (a long bearer token:
 * mock_http.load test_large_request_head; 8 KiB fails it). */
#define MOCK_HTTP_CONNECTION_POOL ((size_t)16 << 10)

typedef struct mock_http_fault_action mock_http_fault_action;

typedef struct mock_http_endpoint {
    struct MHD_Daemon *daemon;
    char *url;
    char *unix_path; /* removed on stop */
} mock_http_endpoint;

typedef struct mock_http_journal_entry {
    long seq;
    char *method, *path, *query;
    char *body;          /* the first body_len bytes (at most the body cap) */
    size_t body_len;
    size_t body_size;    /* the whole body's size */
    char body_sha256[65];/* of the whole body; "" when it was refused unread */
    int status;
    char *content_type;
    const char *fault;
    cJSON *headers;      /* request headers, {name: value} */
} mock_http_journal_entry;

typedef struct mock_http_rule {
    char *method, *path;
    int nth, first, from;
    int delay_ms;
    bool hang;           /* never answer (until the server stops) */
    bool drop;
    int status;
    char *body, *content_type;
    long truncate_after;
    cJSON *json_set;
    long matched;
} mock_http_rule;

typedef struct stream_state stream_state;
typedef struct upgrade_state upgrade_state;

struct mock_http_server {
    mock_http_server_options opts;
    char *name;
    mock_http_endpoint endpoints[MOCK_HTTP_MAX_ENDPOINTS];
    size_t endpoint_count;
    atomic_bool stopping;

    pthread_mutex_t lock; /* journal, rules */
    pthread_cond_t wake;  /* fault delays end early on stop */

    /* Streams and the threads the front owns (mock_http_stream.c, mock_http_upgrade.c).
     * Lock order: stream_lock before libmicrohttpd's own locks; never the reverse. */
    pthread_mutex_t stream_lock;
    pthread_cond_t threads_done;   /* an upgrade or delay thread ended */
    unsigned long stream_calls;    /* stream callbacks called (stats) */
    unsigned long watcher_wakeups; /* the watcher's poll returned (stats) */
    atomic_size_t body_bytes_peak; /* the most body bytes one request held in memory */
    int watch_timeout_ms;          /* the watcher's current poll timeout; -1 = none */
    mock_http_waiter *waiters;     /* upgrade threads waiting for a wake */
    stream_state *streams;         /* every live stream, suspended or not */
    size_t stream_count, suspended_count;
    unsigned long next_stream_serial;
    struct deferred_answer *deferred; /* connections waiting for the streams to be idle */
    upgrade_state *upgrades;       /* every upgraded connection whose thread runs */
    size_t upgrade_count, delay_count;
    int watch_fd;                  /* eventfd: the watcher rebuilds its poll set */
    pthread_mutex_t later_lock;    /* never held while calling libmicrohttpd */
    struct free_later *later;      /* frees to run on the watcher thread */
    pthread_t watcher;
    bool watcher_running;
    long next_seq;
    mock_http_journal_entry *journal; /* a ring of journal_cap entries */
    size_t journal_start, journal_len, journal_cap;
    size_t journal_bytes;             /* what the kept entries weigh, roughly */
    unsigned long journal_dropped;
    mock_http_rule *rules;
    size_t rule_count;
};

typedef struct mock_http_query_pair {
    char *key, *value;
} mock_http_query_pair;

struct mock_http_request {
    mock_http_server *server;
    struct MHD_Connection *conn;
    char *method;
    char *path;
    char *query;
    mock_http_query_pair *pairs;
    size_t pair_count;
    cJSON *headers;      /* request headers as received, for the journal */
    osh_buf body;        /* the body; of a spooled one, its first journal_body_cap bytes */
    size_t body_total;   /* bytes of body received */
    int spool_fd;        /* >= 0: the body is in this unlinked file (mock_http_spool.c) */
    gnutls_hash_hd_t spool_hash;
    char body_sha256[65];/* of a spooled body, once complete */
    bool spool_loaded;   /* body holds the whole spooled body (mock_http_request_body) */
    size_t body_limit;   /* from the route class */
    bool too_large;      /* the body passed body_limit: answered 413, the rest discarded */
    long seq;
    bool dispatched;     /* the handler ran; a later call only finishes the answer */
    bool delaying;       /* suspended for a fault delay */
    mock_http_fault_action *fault; /* decided, waiting out its delay */
    mock_http_response *deferred;  /* answered, waiting for the streams (after_streams) */
    long deferred_truncate;
    void *upgrade; /* owned upgrade closure, freed with the request */
    void (*upgrade_free)(void *);
};

typedef enum { RESPONSE_NONE, RESPONSE_FULL, RESPONSE_STREAM, RESPONSE_UPGRADE } response_kind;

typedef struct mock_http_header {
    char *name, *value;
} mock_http_header;

struct mock_http_response {
    response_kind kind;
    int status;
    mock_http_header *headers;
    size_t header_count;
    osh_buf body;
    mock_http_stream_fn stream_fn;
    mock_http_upgrade_fn upgrade_fn;
    void *ctx;
    mock_http_free_fn free_ctx;
    bool after_streams;
    bool keyed;          /* a stream woken by mock_http_server_wake_key(key) */
    uint64_t key;
};

/* The fault decision for one request. */
struct mock_http_fault_action {
    const char *name; /* journal "fault" value, NULL = none */
    int delay_ms;
    bool drop;
    int status;
    char *body, *content_type;
    long truncate_after;
    cJSON *json_set;
};

/* mock_http_fault.c */
void mock_http_fault_decide(mock_http_server *s, const char *method, const char *path,
                            mock_http_fault_action *out);
void mock_http_fault_action_free(mock_http_fault_action *a);
void mock_http_apply_json_set(osh_buf *body, const cJSON *set);
void mock_http_rules_free(mock_http_server *s);

/* mock_http_journal.c */
/* Takes over the request's headers. */
void mock_http_journal_record(mock_http_server *s, mock_http_request *r, int status,
                              const char *content_type, const char *fault);
void mock_http_journal_free(mock_http_server *s);
/* The entry seq was refused with 413: its body was never read; announced bytes. */
void mock_http_journal_note_refused(mock_http_server *s, long seq, size_t announced);
void mock_http_builtin_route(mock_http_server *s, const mock_http_request *r,
                             mock_http_response *res);

/* mock_http_spool.c */
void mock_http_spool_begin(mock_http_request *r); /* spool_fd stays -1 when it cannot */
/* Write a piece; the first head_cap bytes are kept in r->body too. false: write failed. */
bool mock_http_spool_append(mock_http_request *r, const char *data, size_t len, size_t head_cap);
void mock_http_spool_finish(mock_http_request *r); /* the body is complete: its sha256 */
void mock_http_spool_free(mock_http_request *r);
void mock_http_spool_load(mock_http_request *r);

/* mock_http_stream.c */
void mock_http_streams_init(mock_http_server *s);
/* Resume every suspended stream and keep new ones from suspending (stop, step 1). */
void mock_http_streams_stop(mock_http_server *s);
void mock_http_streams_free(mock_http_server *s); /* joins the watcher */
/* Run fn(ctx) soon on the watcher thread, outside every lock (for frees requested from
 * libmicrohttpd callbacks that run under its own lock). */
void mock_http_free_later(mock_http_server *s, mock_http_free_fn fn, void *ctx);
stream_state *mock_http_stream_new(mock_http_server *s, struct MHD_Connection *conn,
                                   long truncate_after);
void mock_http_stream_set_fn(stream_state *st, mock_http_stream_fn fn, void *ctx,
                             mock_http_free_fn free_ctx);
void mock_http_stream_set_key(stream_state *st, uint64_t key);
void mock_http_stream_append(stream_state *st, const void *data, size_t len);
ssize_t mock_http_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void mock_http_stream_free(void *cls);
/* Suspend conn until every stream is idle (mock_http_response_after_streams); false when
 * they already are (or the server stops): answer at once. Called from the access handler. */
bool mock_http_streams_defer(mock_http_server *s, struct MHD_Connection *conn);

/* mock_http_upgrade.c */
/* The MHD upgrade callback: runs the upgrade on a thread of its own. */
upgrade_state *mock_http_upgrade_new(mock_http_server *s, long truncate_after,
                                     mock_http_upgrade_fn fn, void *ctx,
                                     mock_http_free_fn free_ctx);
void mock_http_upgrade_free(void *u);
void mock_http_upgrade_run(void *cls, struct MHD_Connection *conn, void *con_cls,
                           const char *extra_in, size_t extra_in_size, MHD_socket sock,
                           struct MHD_UpgradeResponseHandle *urh);
/* Cut every upgraded connection and join their threads (stop, step 2). */
void mock_http_upgrades_stop(mock_http_server *s);

/* mock_http_response.c */
void mock_http_response_init(mock_http_response *res);
void mock_http_response_release(mock_http_response *res);
const char *mock_http_response_header_value(const mock_http_response *res, const char *name);
/* Turn res into an MHD response (taking over its stream/upgrade ctx) and queue it.
 * truncate_after >= 0 cuts the body after that many bytes. */
enum MHD_Result mock_http_queue(mock_http_server *s, mock_http_request *req,
                                mock_http_response *res, long truncate_after);
/* mock_http_server.c */
/* Serve fd (listening) with a new daemon; takes over fd, url and unix_path. */
int mock_http_start_daemon(mock_http_server *s, int fd, char *url, char *unix_path,
                           const char *cert_pem, const char *key_pem, char **error);
/* A fault delay: suspends the connection; a thread resumes it after ms (or on stop). */
void mock_http_delay_connection(mock_http_server *s, struct MHD_Connection *conn, int ms);

#endif
