/* record_proxy_internal.h: the recording proxy's state, shared by record_proxy.c (ordinary
 * requests through libcurl) and record_hijack.c (101 upgrades over a bare socket). */
#ifndef RECORD_PROXY_INTERNAL_H
#define RECORD_PROXY_INTERNAL_H

#include <stdatomic.h>

#include "record_internal.h"
#include "record_writer.h"

struct record_proxy {
    rec_upstream up;
    mock_http_server *server;
    rec_writer *writer;
    rec_redactor *redactor; /* NULL with --no-redact */
    atomic_long started;    /* exchanges begun (the last seq) */
    pthread_mutex_t lock;   /* gone, finished */
    char *gone;
    bool finished;
    void (*upstream_gone)(void *ctx);
    void *upstream_gone_ctx;
};

/* Fill the exchange's request part from req; seq and t_ms are taken. */
void rec_proxy_begin(record_proxy *p, const mock_http_request *req, rec_exchange *e);
/* Frame, redact and write a finished exchange, then free it. */
void rec_proxy_complete(record_proxy *p, rec_exchange *e);
/* The upstream failed to connect: note it (once) and tell the owner. */
void rec_proxy_upstream_failed(record_proxy *p, const char *why);
/* Copy the daemon's answer headers to res, minus those the HTTP front sets itself. */
void rec_proxy_copy_headers(const cJSON *headers, mock_http_response *res);
/* A 502 naming the upstream and the reason; _gone also tells the owner the upstream went
 * away, once the answer is out. */
void rec_proxy_respond_gone(record_proxy *p, mock_http_response *res, const char *why);
void rec_proxy_respond_failure(record_proxy *p, mock_http_response *res, const char *why);

/* record_hijack.c: a request carrying "Upgrade" (exec start, attach). */
void rec_hijack_handle(record_proxy *p, rec_exchange *e, mock_http_response *res);

#endif
