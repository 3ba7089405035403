/* mock_http_journal.c: the request journal (what clients sent, what they were answered) and
 * the built-in /_mock/ routes that expose it and the fault rules. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "mock_http_internal.h"
#include "osh_base64.h"
#include "osh_str.h"

void mock_http_journal_record(mock_http_server *s, mock_http_request *r, int status,
                              const char *content_type, const char *fault)
{
    pthread_mutex_lock(&s->lock);
    if (s->journal_len == s->journal_cap) {
        s->journal_cap = s->journal_cap ? s->journal_cap * 2 : 64;
        s->journal = realloc(s->journal, s->journal_cap * sizeof *s->journal);
        if (!s->journal)
            abort();
    }
    /* Keep arrival order even when a slow handler answers after a later request. */
    size_t at = s->journal_len;
    while (at > 0 && s->journal[at - 1].seq > r->seq)
        at--;
    memmove(&s->journal[at + 1], &s->journal[at], (s->journal_len - at) * sizeof *s->journal);
    mock_http_journal_entry *e = &s->journal[at];
    e->seq = r->seq;
    e->method = osh_str_dup(r->method);
    e->path = osh_str_dup(r->path);
    e->query = osh_str_dup(r->query);
    e->body = malloc(r->body.len + 1); /* binary-safe: strndup would stop at a NUL */
    if (!e->body)
        abort();
    memcpy(e->body, osh_buf_str(&r->body), r->body.len);
    e->body[r->body.len] = '\0';
    e->body_len = r->body.len;
    e->status = status;
    e->content_type = osh_str_dup(content_type);
    e->fault = fault;
    e->headers = r->headers ? r->headers : cJSON_CreateObject(); /* taken over */
    r->headers = NULL;
    s->journal_len++;
    pthread_mutex_unlock(&s->lock);
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

void mock_http_journal_clear(mock_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->journal_len; i++)
        entry_free(&s->journal[i]);
    s->journal_len = 0;
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
        cJSON_AddItemToArray(arr, entry_json(&s->journal[i]));
    pthread_mutex_unlock(&s->lock);
    return arr;
}

size_t mock_http_journal_count(mock_http_server *s, const char *method, const char *glob)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->journal_len; i++) {
        const mock_http_journal_entry *e = &s->journal[i];
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
