/* docker_router.c: the entry point of every Docker request: path cleaning and route lookup
 * in the table of docker_routes.c as gorilla/mux does them in dockerd, API version
 * negotiation as dockerd 20.10 does it, the headers dockerd puts on every answer, error
 * bodies, query helpers (booleans, filters) and the /_mock/ routes. */
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker_internal.h"
#include "osh_str.h"

void dk_error(mock_http_response *res, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    osh_buf msg = OSH_BUF_INIT;
    osh_buf_vappendf(&msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", osh_buf_str(&msg));
    mock_http_respond_json(res, status, o);
    cJSON_Delete(o);
    osh_buf_free(&msg);
}

typedef struct chunked_body {
    osh_buf data;
} chunked_body;

static int chunked_once(void *ctx, osh_buf *out)
{
    chunked_body *b = ctx;
    osh_buf_append(out, b->data.data, b->data.len);
    return MOCK_HTTP_STREAM_END;
}

static void chunked_free(void *ctx)
{
    chunked_body *b = ctx;
    osh_buf_free(&b->data);
    free(b);
}

void dk_respond_chunked(mock_http_response *res, int status, const char *content_type,
                        const char *data, size_t len)
{
    chunked_body *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    osh_buf_append(&b->data, data, len);
    mock_http_respond_stream(res, status, content_type, chunked_once, b, chunked_free);
}

void dk_stream_json_line(osh_buf *out, cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    osh_buf_appendf(out, "%s\r\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
}

void dk_stream_error_line(osh_buf *out, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "errorDetail"), "message", message);
    cJSON_AddStringToObject(o, "error", message);
    dk_stream_json_line(out, o);
}

bool dk_wants_tcp_upgrade(const mock_http_request *req)
{
    const char *conn = mock_http_request_header(req, "Connection");
    const char *up = mock_http_request_header(req, "Upgrade");
    return conn && up && strcasestr(conn, "upgrade") && strcasecmp(up, "tcp") == 0;
}

bool dk_json_body(const mock_http_request *req, mock_http_response *res, cJSON **body,
                  const char **text, size_t *len)
{
    *body = NULL;
    if (!dk_require_json(req, res))
        return false;
    *text = mock_http_request_body(req, len);
    *body = cJSON_ParseWithLength(*text, *len);
    return true;
}

bool dk_optional_json_body(const mock_http_request *req, mock_http_response *res, cJSON **body)
{
    const char *text;
    size_t len;
    if (!dk_json_body(req, res, body, &text, &len))
        return false;
    if (!len)
        *body = cJSON_CreateObject();
    if (!*body) {
        dk_error(res, 400, "invalid character '%c' looking for beginning of value", text[0]);
        return false;
    }
    return true;
}

void dk_common_headers(mock_docker *d, mock_http_response *res)
{
    char server[128];
    snprintf(server, sizeof server, "Docker/%s (linux)", d->server_version);
    mock_http_response_header(res, "Api-Version", d->api_version);
    mock_http_response_header(res, "Docker-Experimental", d->experimental ? "true" : "false");
    mock_http_response_header(res, "Ostype", "linux");
    mock_http_response_header(res, "Server", server);
}

bool dk_require_json(const mock_http_request *req, mock_http_response *res)
{
    const char *ct = mock_http_request_header(req, "Content-Type");
    if (!ct || !*ct)
        return true;
    size_t len = strcspn(ct, ";");
    while (len > 0 && ct[len - 1] == ' ')
        len--;
    if (len == strlen("application/json") && strncasecmp(ct, "application/json", len) == 0)
        return true;
    dk_error(res, 400, "Content-Type specified (%s) must be 'application/json'", ct);
    return false;
}

bool dk_query_bool(const mock_http_request *req, const char *key)
{
    const char *v = mock_http_request_query_value(req, key);
    if (!v)
        return false;
    /* dockerd's httputils.BoolValue: anything but "", "0", "no", "false", "none" is true. */
    return !(strcmp(v, "") == 0 || strcmp(v, "0") == 0 || osh_str_ieq(v, "no") ||
             osh_str_ieq(v, "false") || osh_str_ieq(v, "none"));
}

/* Filters come as {"key": ["v", ...]} or the older {"key": {"v": true}}; both become the
 * first form. */
/* The first key of filters that is not in known, or NULL. */
static const char *unknown_filter(const cJSON *filters, const char *const known[])
{
    for (const cJSON *k = filters->child; k; k = k->next) {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(k->string, known[i]) == 0;
        if (!ok)
            return k->string;
    }
    return NULL;
}

int dk_query_filters(const mock_http_request *req, const char *const known[], mock_http_response *res,
                     cJSON **out)
{
    *out = NULL;
    const char *raw = mock_http_request_query_value(req, "filters");
    if (!raw || !*raw)
        return 0;
    cJSON *doc = cJSON_Parse(raw);
    if (!doc || !cJSON_IsObject(doc)) {
        char bad = raw[0];
        if (doc)
            dk_error(res, 500, "json: cannot unmarshal %s into Go value of type map[string]map[string]bool",
                     cJSON_IsArray(doc) ? "array" : "value");
        else
            dk_error(res, 500, "invalid character '%c' looking for beginning of object key string",
                     bad == '{' && raw[1] ? raw[1] : bad);
        cJSON_Delete(doc);
        return -1;
    }
    cJSON *norm = cJSON_CreateObject();
    for (cJSON *k = doc->child; k; k = k->next) {
        cJSON *vals = cJSON_AddArrayToObject(norm, k->string);
        if (cJSON_IsArray(k)) {
            for (cJSON *v = k->child; v; v = v->next)
                if (cJSON_IsString(v))
                    cJSON_AddItemToArray(vals, cJSON_CreateString(v->valuestring));
        } else if (cJSON_IsObject(k)) {
            for (cJSON *v = k->child; v; v = v->next)
                if (cJSON_IsTrue(v))
                    cJSON_AddItemToArray(vals, cJSON_CreateString(v->string));
        }
    }
    cJSON_Delete(doc);
    const char *unknown = unknown_filter(norm, known);
    if (unknown) {
        dk_error(res, 400, "Invalid filter '%s'", unknown);
        cJSON_Delete(norm);
        return -1;
    }
    *out = norm;
    return 0;
}

bool dk_filter_has(const cJSON *filters, const char *key)
{
    const cJSON *v = filters ? cJSON_GetObjectItemCaseSensitive(filters, key) : NULL;
    return v && cJSON_GetArraySize(v) > 0;
}

bool dk_filter_any(const cJSON *filters, const char *key, bool (*match)(const char *, void *),
                   void *ctx)
{
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(filters, key);
    for (const cJSON *v = vals ? vals->child : NULL; v; v = v->next)
        if (cJSON_IsString(v) && match(v->valuestring, ctx))
            return true;
    return false;
}

/* ---- Version negotiation ---------------------------------------------------------------- */

/* One dot-separated component of a version, as Go's strconv.Atoi in dockerd's
 * versions.compare reads it: empty is 0, beyond int64 is the largest int64. */
static long long version_part(const char **p, const char *end)
{
    long long v = 0;
    for (; *p < end && **p != '.'; (*p)++) {
        int digit = **p - '0';
        v = v > (LLONG_MAX - digit) / 10 ? LLONG_MAX : v * 10 + digit;
    }
    if (*p < end)
        (*p)++; /* the dot */
    return v;
}

/* dockerd's versions.compare of the client's version text against v ("1.41"). */
static int version_cmp(const char *text, size_t len, const char *v)
{
    const char *a = text, *a_end = text + len, *b = v, *b_end = v + strlen(v);
    while (a < a_end || b < b_end) {
        long long x = version_part(&a, a_end), y = version_part(&b, b_end);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* dockerd's VersionMiddleware: too new is a JSON 400, too old a plain-text 400; both echo
 * the version as the client wrote it. */
static bool version_refused(mock_docker *d, const char *path, mock_http_response *res)
{
    const char *text;
    size_t len = mock_http_version_text(path, &text);
    if (len == 0)
        return false;
    char server[128];
    snprintf(server, sizeof server, "Docker/%s (linux)", d->server_version);
    if (version_cmp(text, len, d->max_api_version) > 0) {
        mock_http_response_header(res, "Api-Version", d->api_version);
        mock_http_response_header(res, "Ostype", "linux");
        mock_http_response_header(res, "Server", server);
        dk_error(res, 400, "client version %.*s is too new. Maximum supported API version is %s",
                 (int)len, text, d->api_version);
        return true;
    }
    if (version_cmp(text, len, d->min_api_version) < 0) {
        mock_http_response_header(res, "Api-Version", d->api_version);
        mock_http_response_header(res, "Ostype", "linux");
        mock_http_response_header(res, "Server", server);
        mock_http_response_header(res, "X-Content-Type-Options", "nosniff");
        char *msg = osh_str_printf("client version %.*s is too old. Minimum supported API "
                                   "version is %s, please upgrade your client to a newer "
                                   "version\n", (int)len, text, d->min_api_version);
        mock_http_respond(res, 400, "text/plain; charset=utf-8", msg, strlen(msg));
        free(msg);
        return true;
    }
    return false;
}

/* ---- Dispatch ------------------------------------------------------------------------------ */

/* Does path fit pattern? param gets the text standing for its {…} part (malloc'd, "" when
 * the pattern has none). */
static bool route_match(const char *pattern, const char *path, char **param)
{
    const char *open = strchr(pattern, '{');
    if (!open) {
        if (strcmp(pattern, path) != 0)
            return false;
        *param = osh_str_dup("");
        return true;
    }
    size_t prefix = (size_t)(open - pattern), len = strlen(path);
    const char *suffix = strchr(open, '}') + 1;
    size_t suffix_len = strlen(suffix);
    if (len < prefix + suffix_len || strncmp(path, pattern, prefix) != 0 ||
        strcmp(path + len - suffix_len, suffix) != 0)
        return false;
    *param = osh_str_ndup(path + prefix, len - prefix - suffix_len);
    return true;
}

const dk_route *dk_route_find(const char *method, const char *path, char **param)
{
    for (size_t i = 0; i < dk_route_count; i++)
        if (strcmp(dk_routes[i].method, method) == 0 && route_match(dk_routes[i].pattern, path, param))
            return &dk_routes[i];
    *param = NULL;
    return NULL;
}

/* Go's url.URL.EscapedPath: what a path looks like in a Location header. */
static void append_escaped_path(osh_buf *out, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~$&+,/:;=@", *p))
            osh_buf_append_char(out, (char)*p);
        else
            osh_buf_appendf(out, "%%%02X", *p);
    }
}

/* gorilla/mux's cleanPath: a path with "//", "." or ".." is answered 301 to its clean form
 * (a trailing slash kept), before any route or version check. */
static bool redirected_unclean(const mock_http_request *req, mock_http_response *res)
{
    const char *path = mock_http_request_path(req);
    char *clean = dk_path_clamp(path);
    if (!clean)
        return false;
    osh_buf want = OSH_BUF_INIT;
    osh_buf_append_str(&want, clean);
    if (osh_str_ends_with(path, "/") && strcmp(clean, "/") != 0)
        osh_buf_append_char(&want, '/');
    free(clean);
    bool unclean = strcmp(osh_buf_str(&want), path) != 0;
    if (unclean) {
        osh_buf location = OSH_BUF_INIT;
        append_escaped_path(&location, osh_buf_str(&want));
        if (*mock_http_request_query(req))
            osh_buf_appendf(&location, "?%s", mock_http_request_query(req));
        mock_http_response_header(res, "Location", osh_buf_str(&location));
        mock_http_respond(res, 301, NULL, "", 0);
        osh_buf_free(&location);
    }
    osh_buf_free(&want);
    return unclean;
}

/* dockerd's NotFoundHandler: no daemon headers; plain text for a version prefix below 1.24,
 * where dockerd's errors are not JSON yet. */
static void page_not_found(const mock_http_request *req, mock_http_response *res)
{
    const char *text;
    size_t len = mock_http_version_text(mock_http_request_path(req), &text);
    if (len > 0 && version_cmp(text, len, DK_FIRST_JSON_ERROR_VERSION) < 0) {
        static const char msg[] = "page not found\n";
        mock_http_response_header(res, "X-Content-Type-Options", "nosniff");
        mock_http_respond(res, 404, "text/plain; charset=utf-8", msg, sizeof msg - 1);
        return;
    }
    dk_error(res, 404, "page not found");
}

void dk_handle(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    mock_docker *d = ctx;
    if (redirected_unclean(req, res))
        return;
    char *param;
    const dk_route *route = dk_route_find(mock_http_request_method(req),
                                          mock_http_request_unversioned_path(req, NULL, NULL), &param);
    if (!route) {
        page_not_found(req, res);
        return;
    }
    /* Version negotiation is a middleware of matched routes: an unknown path is a 404 first. */
    if (!version_refused(d, mock_http_request_path(req), res)) {
        route->handler(d, param, req, res);
        dk_common_headers(d, res);
    }
    free(param);
}

void dk_handle_mock(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    mock_docker *d = ctx;
    const char *path = mock_http_request_path(req);
    if (strcmp(path, "/_mock/state") == 0 && strcmp(mock_http_request_method(req), "GET") == 0) {
        cJSON *state = mock_docker_state_json(d);
        mock_http_respond_json(res, 200, state);
        cJSON_Delete(state);
    }
}
