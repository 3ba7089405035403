/* record_internal.h: the recording's data structures shared by the files of mocks/record
 * (not a public API). One rec_exchange is one request and its answer. */
#ifndef RECORD_INTERNAL_H
#define RECORD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "osh_buf.h"
#include "record.h"

/* Who sent a piece of a stream. */
typedef enum { REC_OUT = 0 /* daemon to client */, REC_IN = 1 /* client to daemon */ } rec_dir;

/* A piece of an answer stream or of a hijacked connection: a read as it arrived (framing
 * "raw") or one frame of Docker's multiplexed format (stream 0/1/2 = stdin/out/err). */
typedef struct rec_chunk {
    double t_ms;   /* since the exchange started */
    long after;    /* how many exchanges had started when it arrived (replay ordering) */
    rec_dir dir;
    int stream;    /* -1 raw; 0, 1, 2 for a multiplexed frame */
    osh_buf data;
} rec_chunk;

typedef enum { REC_BODY, REC_STREAM, REC_UPGRADE } rec_kind;

typedef struct rec_exchange {
    long seq;
    double t_ms;               /* since the recording started */
    char *method, *path, *query;
    cJSON *req_headers;        /* {name: value} */
    osh_buf req_body;
    int status;                /* 0: no answer (upstream failed; see error) */
    cJSON *res_headers;        /* [[name, value], ...] as the daemon sent them */
    rec_kind kind;
    osh_buf res_body;          /* REC_BODY */
    rec_chunk *chunks;         /* REC_STREAM, REC_UPGRADE */
    size_t chunk_count, chunk_cap;
    bool multiplexed;          /* chunks are frames of the multiplexed format */
    char *end;                 /* streams: "complete", "cut", "client-closed" */
    double end_ms;
    long end_after;
    char *error;               /* the upstream failure, when status is 0 */
    cJSON *redacted;           /* placeholders used in this exchange, or NULL */
} rec_exchange;

/* record_doc.c: the exchange in memory and as JSON. */
void rec_exchange_free(rec_exchange *e);
rec_chunk *rec_exchange_add_chunk(rec_exchange *e, rec_dir dir, double t_ms, long after,
                                  const void *data, size_t len);
/* Re-cut the out chunks into multiplexed frames when the whole out stream parses as
 * such (each frame timed like the read that completed it). */
void rec_exchange_frame(rec_exchange *e);
cJSON *rec_exchange_to_json(const rec_exchange *e);
/* Parse exchanges[index]; on error *error is "exchanges[3].response.status: ..." */
int rec_exchange_from_json(const cJSON *j, size_t index, rec_exchange *e, char **error);
/* A response header's value (case-insensitive), or NULL. */
const char *rec_response_header(const rec_exchange *e, const char *name);
/* Body/data as "key" (UTF-8 text without NUL) or "key_base64". */
void rec_json_add_bytes(cJSON *obj, const char *key, const char *data, size_t len);
int rec_json_get_bytes(const cJSON *obj, const char *key, osh_buf *out, bool *present);

/* A loaded recording: header fields and the exchanges sorted by seq. */
typedef struct rec_document {
    char *path;
    cJSON *root;
    rec_exchange *exchanges;
    size_t count;
} rec_document;
/* Reads, parses and checks the file; errors name the file and line:column or JSON path. */
int rec_document_load(const char *path, rec_document *d, char **error);
void rec_document_free(rec_document *d);

/* record_redact.c: consistent placeholders for secrets. */
typedef struct rec_redactor rec_redactor;
rec_redactor *rec_redactor_new(void);
void rec_redactor_free(rec_redactor *r);
/* Redact everything in the exchange (request headers and body, answer body and stream
 * data); lists the placeholders used in e->redacted. */
void rec_redact_exchange(rec_redactor *r, rec_exchange *e);
/* [{"placeholder", "kind", "exchanges": [seq...]}] */
cJSON *rec_redactor_json(rec_redactor *r);
/* Replace placeholders by stand-ins a client can parse (replay): the base64 of a private key
 * becomes the base64 of a marked PEM-like text, others stay as they are. */
void rec_unredact(osh_buf *data);
/* Secrets and placeholders alike become "<secret>" (replay matching). */
void rec_mask_secrets(osh_buf *data);

/* record_upstream.c: the client side towards the real daemon. */
typedef struct rec_upstream {
    char *url;        /* as given */
    char *unix_path;  /* or NULL */
    char *base;       /* "http://docker" for unix, "http://HOST:PORT" for tcp */
    char *host;       /* tcp */
    int port;
} rec_upstream;
int rec_upstream_parse(const char *url, rec_upstream *u, char **error);
void rec_upstream_free(rec_upstream *u);
/* A connected socket (libcurl CURLOPT_CONNECT_ONLY); the handle owns it. -1 and *error. */
int rec_upstream_connect(const rec_upstream *u, void **curl_handle, char **error);
void rec_upstream_close(void *curl_handle);
/* GET /_ping answered 200? 0, or -1 and *error naming the address. */
int rec_upstream_ping(const rec_upstream *u, char **error);
/* The decoded path as a URL path again, for the proxied and the hijacked requests alike
 * (Docker clients send names and refs unencoded): RFC 3986 pchar and '/' as they are, every
 * other byte %XX. */
void rec_append_url_path(osh_buf *b, const char *path);
/* Send all len bytes on a socket, waiting out EAGAIN/EINTR; 0, or -1 once the peer is gone. */
int rec_send_all(int fd, const char *data, size_t len);

/* record_match.c: normalisation for replay matching. */
/* The path without /vX.Y. */
char *rec_norm_path(const char *path);
/* Canonical query: decoded pairs sorted by key (order kept within a key), JSON values
 * with sorted keys, volatile values (since, until) masked. */
char *rec_norm_query(const char *query);
/* Canonical body: JSON with sorted keys and timestamps masked; other bodies as given. */
char *rec_norm_body(const char *body, size_t len, size_t *out_len);

double rec_now_ms(void); /* monotonic */

#endif
