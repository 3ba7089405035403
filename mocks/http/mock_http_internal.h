/* mock_http_internal.h: structures shared by the files of mocks/http (not a public API). */
#ifndef MOCK_HTTP_INTERNAL_H
#define MOCK_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <microhttpd.h>

#include "mock_http.h"

#define MOCK_HTTP_MAX_ENDPOINTS 8

typedef struct mock_http_endpoint {
    struct MHD_Daemon *daemon;
    char *url;
    char *unix_path; /* removed on stop */
} mock_http_endpoint;

typedef struct mock_http_journal_entry {
    long seq;
    char *method, *path, *query;
    char *body;
    size_t body_len;
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

struct mock_http_server {
    mock_http_server_options opts;
    char *name;
    mock_http_endpoint endpoints[MOCK_HTTP_MAX_ENDPOINTS];
    size_t endpoint_count;
    atomic_bool stopping;

    pthread_mutex_t lock; /* journal, rules, wake generation */
    pthread_cond_t wake;
    unsigned long wake_generation;
    long next_seq;
    mock_http_journal_entry *journal;
    size_t journal_len, journal_cap;
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
    osh_buf body;
    long seq;
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
};

/* The fault decision for one request. */
typedef struct mock_http_fault_action {
    const char *name; /* journal "fault" value, NULL = none */
    int delay_ms;
    bool drop;
    int status;
    char *body, *content_type;
    long truncate_after;
    cJSON *json_set;
} mock_http_fault_action;

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
void mock_http_builtin_route(mock_http_server *s, const mock_http_request *r,
                             mock_http_response *res);

/* mock_http_response.c */
void mock_http_response_init(mock_http_response *res);
void mock_http_response_release(mock_http_response *res);
const char *mock_http_response_header_value(const mock_http_response *res, const char *name);
/* Turn res into an MHD response (taking over its stream/upgrade ctx) and queue it.
 * truncate_after >= 0 cuts the body after that many bytes. */
enum MHD_Result mock_http_queue(mock_http_server *s, mock_http_request *req,
                                mock_http_response *res, long truncate_after);
/* Wait for a wake-up (or timeout_ms); false when the server is stopping. */
bool mock_http_wait_wake(mock_http_server *s, unsigned long *seen_generation, int timeout_ms);

#endif
