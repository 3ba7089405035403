/* mock_http_response.c: building responses and handing them to libmicrohttpd: complete
 * bodies, streams (mock_http_stream.c) and 101 upgrades (mock_http_upgrade.c). */
#include <stdlib.h>
#include <string.h>

#include "mock_http_internal.h"
#include "osh_str.h"

void mock_http_response_init(mock_http_response *res)
{
    memset(res, 0, sizeof *res);
}

void mock_http_response_release(mock_http_response *res)
{
    for (size_t i = 0; i < res->header_count; i++) {
        free(res->headers[i].name);
        free(res->headers[i].value);
    }
    free(res->headers);
    osh_buf_free(&res->body);
    if (res->free_ctx && res->ctx)
        res->free_ctx(res->ctx);
    memset(res, 0, sizeof *res);
}

static void drop_body(mock_http_response *res)
{
    if (res->free_ctx && res->ctx)
        res->free_ctx(res->ctx);
    res->ctx = NULL;
    res->free_ctx = NULL;
    osh_buf_reset(&res->body);
}

static void set_header(mock_http_response *res, const char *name, const char *value)
{
    for (size_t i = 0; i < res->header_count; i++) {
        if (osh_str_ieq(res->headers[i].name, name)) {
            free(res->headers[i].value);
            res->headers[i].value = osh_str_dup(value);
            return;
        }
    }
    mock_http_response_header(res, name, value);
}

void mock_http_response_header(mock_http_response *res, const char *name, const char *value)
{
    mock_http_header *h = realloc(res->headers, (res->header_count + 1) * sizeof *h);
    if (!h)
        abort();
    res->headers = h;
    h[res->header_count].name = osh_str_dup(name);
    h[res->header_count].value = osh_str_dup(value);
    res->header_count++;
}

const char *mock_http_response_header_value(const mock_http_response *res, const char *name)
{
    for (size_t i = 0; i < res->header_count; i++)
        if (osh_str_ieq(res->headers[i].name, name))
            return res->headers[i].value;
    return NULL;
}

void mock_http_respond(mock_http_response *res, int status, const char *content_type,
                       const void *body, size_t len)
{
    drop_body(res);
    res->kind = RESPONSE_FULL;
    res->status = status;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    osh_buf_append(&res->body, body, len);
}

void mock_http_respond_json(mock_http_response *res, int status, const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        abort();
    mock_http_respond(res, status, "application/json", text, strlen(text));
    osh_buf_append_char(&res->body, '\n');
    cJSON_free(text);
}

void mock_http_respond_empty(mock_http_response *res, int status)
{
    drop_body(res);
    res->kind = RESPONSE_FULL;
    res->status = status;
}

void mock_http_respond_stream(mock_http_response *res, int status, const char *content_type,
                              mock_http_stream_fn fn, void *ctx, mock_http_free_fn free_ctx)
{
    drop_body(res);
    res->kind = RESPONSE_STREAM;
    res->status = status;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    res->stream_fn = fn;
    res->ctx = ctx;
    res->free_ctx = free_ctx;
}

void mock_http_response_wait_key(mock_http_response *res, uint64_t key)
{
    res->keyed = true;
    res->key = key;
}

void mock_http_response_after_streams(mock_http_response *res)
{
    res->after_streams = true;
}

void mock_http_respond_upgrade(mock_http_response *res, const char *protocol,
                               const char *content_type, mock_http_upgrade_fn fn, void *ctx,
                               mock_http_free_fn free_ctx)
{
    drop_body(res);
    res->kind = RESPONSE_UPGRADE;
    res->status = 101;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    set_header(res, "Upgrade", protocol);
    res->upgrade_fn = fn;
    res->ctx = ctx;
    res->free_ctx = free_ctx;
}

/* ---- Queueing ---------------------------------------------------------------------- */

static struct MHD_Response *make_mhd_response(mock_http_server *s, mock_http_request *req,
                                              mock_http_response *res, long truncate_after,
                                              upgrade_state **upgrade)
{
    *upgrade = NULL;
    if (res->kind == RESPONSE_UPGRADE) {
        upgrade_state *u = mock_http_upgrade_new(s, truncate_after, res->upgrade_fn, res->ctx,
                                                 res->free_ctx);
        res->ctx = NULL;
        res->free_ctx = NULL;
        *upgrade = u;
        return MHD_create_response_for_upgrade(mock_http_upgrade_run, u);
    }
    if (res->kind == RESPONSE_STREAM) {
        stream_state *st = mock_http_stream_new(s, req->conn, truncate_after);
        mock_http_stream_set_fn(st, res->stream_fn, res->ctx, res->free_ctx);
        if (res->keyed)
            mock_http_stream_set_key(st, res->key);
        res->ctx = NULL;
        res->free_ctx = NULL;
        return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
                                                 mock_http_stream_read, st, mock_http_stream_free);
    }
    if (truncate_after >= 0 && (size_t)truncate_after < res->body.len) {
        /* Announce the full length, then close early: the client sees a short body. */
        stream_state *st = mock_http_stream_new(s, req->conn, truncate_after);
        mock_http_stream_append(st, res->body.data, res->body.len);
        return MHD_create_response_from_callback(res->body.len, 16 * 1024,
                                                 mock_http_stream_read, st, mock_http_stream_free);
    }
    size_t len = res->body.len; /* handed over, not copied: libmicrohttpd frees it */
    return MHD_create_response_from_buffer(len, osh_buf_detach(&res->body), MHD_RESPMEM_MUST_FREE);
}

enum MHD_Result mock_http_queue(mock_http_server *s, mock_http_request *req,
                                mock_http_response *res, long truncate_after)
{
    struct MHD_Connection *conn = req->conn;
    upgrade_state *upgrade;
    struct MHD_Response *r = make_mhd_response(s, req, res, truncate_after, &upgrade);
    if (!r) {
        if (upgrade)
            mock_http_upgrade_free(upgrade);
        return MHD_NO;
    }
    for (size_t i = 0; i < res->header_count; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    if (upgrade) {
        /* MHD has no destructor for upgrade closures: the request owns it and frees it when
         * the request completes, whether or not the 101 ever went out. */
        if (ret != MHD_YES)
            mock_http_upgrade_free(upgrade);
        else {
            req->upgrade = upgrade;
            req->upgrade_free = mock_http_upgrade_free;
        }
    }
    return ret;
}
