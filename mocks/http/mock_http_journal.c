/* mock_http_journal.c: the request journal (what clients sent, what they were answered) and
 * the built-in /_mock/ routes that expose it and the fault rules. */
#include <fnmatch.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_http_internal.h"
#include "osh_base64.h"
#include "osh_str.h"

/* A rough weight of an entry, for the journal's byte budget. */
static size_t entry_weight(const mock_http_journal_entry *e)
{
    return sizeof *e + e->body_len + strlen(e->path) + strlen(e->query) + 512;
}

static void entry_free(mock_http_journal_entry *e)
{
    free(e->method);
    free(e->path);
    free(e->query);
    free(e->body);
    free(e->content_type);
    cJSON_Delete(e->headers);
}

static mock_http_journal_entry *at(mock_http_server *s, size_t i)
{
    return &s->journal[(s->journal_start + i) % s->journal_cap];
}

/* Called with s->lock held. */
static void drop_oldest(mock_http_server *s)
{
    mock_http_journal_entry *e = at(s, 0);
    s->journal_bytes -= entry_weight(e);
    entry_free(e);
    s->journal_start = (s->journal_start + 1) % s->journal_cap;
    s->journal_len--;
    s->journal_dropped++;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Move the live entries, oldest first, into a new ring of cap slots. s->lock held. */
static void move_ring(mock_http_server *s, size_t cap)
{
    mock_http_journal_entry *ring = calloc(cap, sizeof *ring);
    if (!ring)
        abort();
    for (size_t i = 0; i < s->journal_len; i++)
        ring[i] = *at(s, i);
    free(s->journal);
    s->journal = ring;
    s->journal_start = 0;
    s->journal_cap = cap;
}

/* The ring grows by doubling up to journal_entries: a world answers a few dozen requests, and
 * zeroing the whole ring (1.3 MB at the default 10,000) for each of its servers was most of
 * the conformance suite's page faults. s->lock held. */
static void grow_ring(mock_http_server *s)
{
    size_t cap = s->journal_cap ? s->journal_cap * 2 : 64;
    if (cap > s->opts.journal_entries)
        cap = s->opts.journal_entries;
    move_ring(s, cap);
}

/* A free slot at the place of seq (arrival order, even when a slow handler answers after a
 * later request), the oldest entry dropped first when the ring is full. s->lock held. */
static mock_http_journal_entry *make_room(mock_http_server *s, long seq)
{
    if (s->journal_len == s->journal_cap && s->journal_cap < s->opts.journal_entries)
        grow_ring(s);
    if (s->journal_len == s->journal_cap)
        drop_oldest(s);
    size_t pos = s->journal_len;
    while (pos > 0 && at(s, pos - 1)->seq > seq)
        pos--;
    for (size_t i = s->journal_len; i > pos; i--)
        *at(s, i) = *at(s, i - 1);
    s->journal_len++;
    return at(s, pos);
}

void mock_http_journal_record(mock_http_server *s, mock_http_request *r, int status,
                              const char *content_type, const char *fault)
{
    mock_http_journal_entry e = {0};
    e.seq = r->seq;
    e.method = osh_str_dup(r->method);
    e.path = osh_str_dup(r->path);
    e.query = osh_str_dup(r->query);
    size_t cap = s->opts.journal_body_cap;
    e.body_size = r->body_total;
    e.body_len = r->body.len < cap ? r->body.len : cap;
    e.body = malloc(e.body_len + 1); /* binary-safe: strndup would stop at a NUL */
    if (!e.body)
        abort();
    memcpy(e.body, osh_buf_str(&r->body), e.body_len);
    e.body[e.body_len] = '\0';
    if (r->body_sha256[0]) /* spooled: hashed on the way */
        memcpy(e.body_sha256, r->body_sha256, sizeof e.body_sha256);
    else if (e.body_size > e.body_len)
        sha256_hex(r->body.data, r->body.len, e.body_sha256);
    e.status = status;
    e.content_type = osh_str_dup(content_type);
    e.fault = fault;
    e.headers = r->headers ? r->headers : cJSON_CreateObject(); /* taken over */
    r->headers = NULL;
    pthread_mutex_lock(&s->lock);
    *make_room(s, e.seq) = e;
    s->journal_bytes += entry_weight(&e);
    while (s->journal_bytes > MOCK_HTTP_JOURNAL_BYTES && s->journal_len > 1)
        drop_oldest(s);
    pthread_mutex_unlock(&s->lock);
}

void mock_http_journal_note_refused(mock_http_server *s, long seq, size_t announced)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->journal_len; i > 0; i--) {
        mock_http_journal_entry *e = at(s, i - 1);
        if (e->seq == seq) {
            e->body_size = announced;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

void mock_http_journal_set_capacity(mock_http_server *s, size_t n)
{
    if (n == 0)
        n = 1;
    pthread_mutex_lock(&s->lock);
    while (s->journal_len > n)
        drop_oldest(s);
    if (s->journal)
        move_ring(s, n);
    s->opts.journal_entries = n;
    pthread_mutex_unlock(&s->lock);
}

void mock_http_journal_clear(mock_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->journal_len > 0)
        drop_oldest(s);
    s->journal_dropped = 0;
    s->journal_bytes = 0;
    pthread_mutex_unlock(&s->lock);
}

void mock_http_journal_free(mock_http_server *s)
{
    mock_http_journal_clear(s);
    free(s->journal);
    s->journal = NULL;
    s->journal_cap = 0;
}

/* True when the bytes are UTF-8 text without NUL, so they can be a JSON string. */
static bool is_text(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                     : (c & 0xF8) == 0xF0 ? 3 : 99;
        if (c == 0 || extra == 99 || i + extra >= len)
            return false;
        for (size_t k = 1; k <= extra; k++)
            if (((unsigned char)p[i + k] & 0xC0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

static cJSON *entry_json(const mock_http_journal_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)e->seq);
    cJSON_AddStringToObject(o, "method", e->method);
    cJSON_AddStringToObject(o, "path", e->path);
    cJSON_AddStringToObject(o, "query", e->query);
    cJSON_AddItemToObject(o, "headers", cJSON_Duplicate(e->headers, true));
    if (e->body_size > e->body_len) {
        cJSON_AddBoolToObject(o, "body_truncated", true);
        cJSON_AddNumberToObject(o, "body_size", (double)e->body_size);
        if (e->body_sha256[0])
            cJSON_AddStringToObject(o, "body_sha256", e->body_sha256);
    }
    if (is_text(e->body, e->body_len)) {
        cJSON_AddStringToObject(o, "body", e->body);
    } else {
        osh_buf b = OSH_BUF_INIT;
        osh_base64_encode(&b, e->body, e->body_len);
        cJSON_AddStringToObject(o, "body_base64", osh_buf_str(&b));
        osh_buf_free(&b);
    }
    cJSON_AddNumberToObject(o, "status", e->status);
    if (e->content_type)
        cJSON_AddStringToObject(o, "content_type", e->content_type);
    else
        cJSON_AddNullToObject(o, "content_type");
    if (e->fault)
        cJSON_AddStringToObject(o, "fault", e->fault);
    return o;
}

cJSON *mock_http_journal_json(mock_http_server *s)
{
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->journal_len; i++)
        cJSON_AddItemToArray(arr, entry_json(at(s, i)));
    pthread_mutex_unlock(&s->lock);
    return arr;
}

size_t mock_http_journal_count(mock_http_server *s, const char *method, const char *glob)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->journal_len; i++) {
        const mock_http_journal_entry *e = at(s, i);
        if (method && strcmp(method, e->method) != 0)
            continue;
        if (glob && fnmatch(glob, mock_http_strip_version(e->path, NULL, NULL), 0) != 0)
            continue;
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- /_mock/journal and /_mock/faults ---------------------------------------------- */

static void respond_message(mock_http_response *res, int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", message);
    mock_http_respond_json(res, status, o);
    cJSON_Delete(o);
}

static void route_faults(mock_http_server *s, const mock_http_request *r, mock_http_response *res)
{
    if (strcmp(r->method, "GET") == 0) {
        cJSON *j = mock_http_fault_json(s);
        mock_http_respond_json(res, 200, j);
        cJSON_Delete(j);
    } else if (strcmp(r->method, "DELETE") == 0) {
        mock_http_fault_clear(s);
        mock_http_respond_empty(res, 204);
    } else if (strcmp(r->method, "POST") == 0) {
        cJSON *rules = cJSON_ParseWithLength(r->body.data ? r->body.data : "", r->body.len);
        char *error = NULL;
        if (!rules)
            respond_message(res, 400, "faults: body is not valid JSON");
        else if (mock_http_fault_add_json(s, rules, &error) != 0)
            respond_message(res, 400, error);
        else
            mock_http_respond_empty(res, 204);
        free(error);
        cJSON_Delete(rules);
    } else {
        respond_message(res, 405, "method not allowed");
    }
}

void mock_http_builtin_route(mock_http_server *s, const mock_http_request *r,
                             mock_http_response *res)
{
    if (strcmp(r->path, "/_mock/journal") == 0) {
        if (strcmp(r->method, "GET") == 0) {
            cJSON *j = mock_http_journal_json(s);
            mock_http_respond_json(res, 200, j);
            cJSON_Delete(j);
            mock_http_stats st;
            mock_http_server_stats(s, &st);
            char n[32];
            snprintf(n, sizeof n, "%lu", st.journal_dropped);
            mock_http_response_header(res, "X-Mock-Journal-Dropped", n);
            snprintf(n, sizeof n, "%zu", s->opts.journal_entries);
            mock_http_response_header(res, "X-Mock-Journal-Capacity", n);
        } else if (strcmp(r->method, "DELETE") == 0) {
            mock_http_journal_clear(s);
            mock_http_respond_empty(res, 204);
        } else {
            respond_message(res, 405, "method not allowed");
        }
    } else if (strcmp(r->path, "/_mock/faults") == 0) {
        route_faults(s, r, res);
    }
}
