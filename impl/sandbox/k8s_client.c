/* k8s_client.c: libcurl transport to the Kubernetes API (see k8s_client.h). */
#include "k8s_client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "osh_str.h"

struct k8s_client {
    k8s_config *config;
    long timeout_ms;
};

void k8s_error_clear(k8s_error *err)
{
    free(err->status);
    free(err->reason);
    free(err->message);
    memset(err, 0, sizeof *err);
}

void k8s_error_set(k8s_error *err, int code, const char *reason, const char *message)
{
    k8s_error_clear(err);
    err->code = code;
    err->status = code ? osh_str_dup("Failure") : NULL;
    err->reason = osh_str_dup(reason);
    err->message = osh_str_dup(message ? message : "");
}

/* The standard phrase when the status line carried none (HTTP/2). */
static const char *standard_reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

void k8s_error_from_response(k8s_error *err, long http_status, const char *reason_phrase, const char *body)
{
    cJSON *json = cJSON_Parse(body ? body : "");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(json, "kind");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(json, "status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(json, "code");
    bool is_status = cJSON_IsObject(json) && ((cJSON_IsString(kind) && strcmp(kind->valuestring, "Status") == 0) ||
                                              (cJSON_IsString(status) && cJSON_IsNumber(code)));
    if (is_status) {
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(json, "reason");
        const cJSON *message = cJSON_GetObjectItemCaseSensitive(json, "message");
        int c = (cJSON_IsNumber(code) && code->valueint > 0) ? code->valueint : (int)http_status;
        k8s_error_set(err, c, cJSON_IsString(reason) ? reason->valuestring : "",
                       cJSON_IsString(message) ? message->valuestring : "");
        if (cJSON_IsString(status)) {
            free(err->status);
            err->status = osh_str_dup(status->valuestring);
        }
    } else {
        const char *phrase = (reason_phrase && *reason_phrase) ? reason_phrase : standard_reason(http_status);
        char *text = osh_str_trim_dup(body ? body : "");
        k8s_error_set(err, (int)http_status, phrase, text);
        free(text);
    }
    cJSON_Delete(json);
}

long k8s_timeout_ms_from_env(void)
{
    const char *text = getenv("OPENSHELL_KUBE_API_TIMEOUT_MS");
    if (!text || !*text)
        return K8S_DEFAULT_TIMEOUT_MS;
    long value = 0;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p) || value > 600000)
            return K8S_DEFAULT_TIMEOUT_MS;
        value = value * 10 + (*p - '0');
    }
    return (value >= 1 && value <= 600000) ? value : K8S_DEFAULT_TIMEOUT_MS;
}

char *k8s_timeout_message(long timeout_ms)
{
    return osh_str_printf("timed out after %lds waiting for Kubernetes API", (timeout_ms + 999) / 1000);
}

k8s_client *k8s_client_new(k8s_config *config)
{
    k8s_client *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->config = config;
    c->timeout_ms = k8s_timeout_ms_from_env();
    return c;
}

void k8s_client_free(k8s_client *client)
{
    if (!client)
        return;
    k8s_config_free(client->config);
    free(client);
}

void k8s_client_set_timeout_ms(k8s_client *client, long timeout_ms) { client->timeout_ms = timeout_ms; }

const k8s_config *k8s_client_config(const k8s_client *client) { return client->config; }

void k8s_response_free(k8s_response *resp)
{
    osh_buf_free(&resp->body);
    memset(resp, 0, sizeof *resp);
}

int k8s_error_from_answer(k8s_error *err, const k8s_response *resp)
{
    k8s_error_from_response(err, resp->status, resp->reason, osh_buf_str(&resp->body));
    return -1;
}

int k8s_error_malformed(k8s_error *err, const char *what)
{
    char *message = osh_str_printf("malformed JSON in the Kubernetes API's answer to %s", what);
    k8s_error_set(err, 0, NULL, message);
    free(message);
    return -1;
}

cJSON *k8s_watch_event(const char *line, size_t len, const char **type, const cJSON **object)
{
    cJSON *event = cJSON_ParseWithLength(line, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(event, "type");
    *object = cJSON_GetObjectItemCaseSensitive(event, "object");
    *type = cJSON_IsString(t) && cJSON_IsObject(*object) ? t->valuestring : NULL;
    return event;
}

char *k8s_escape(const char *text)
{
    char *escaped = curl_easy_escape(NULL, text, 0);
    if (!escaped)
        abort();
    char *out = osh_str_dup(escaped);
    curl_free(escaped);
    return out;
}

char *k8s_pod_path(const char *namespace_, const char *pod)
{
    char *ns = k8s_escape(namespace_);
    char *name = k8s_escape(pod);
    char *path = osh_str_printf("/api/v1/namespaces/%s/pods/%s", ns, name);
    free(name);
    free(ns);
    return path;
}

typedef struct transfer {
    CURL *curl;
    k8s_response *resp;
    k8s_line_fn on_line; /* NULL for a plain call */
    void *user;
    bool stopped;         /* on_line asked to stop */
    bool complete;        /* the body arrived whole (not cut off) */
} transfer;

/* Keeps the reason phrase of the last status line ("HTTP/1.1 404 Not Found"). */
static size_t on_header(char *data, size_t size, size_t count, void *userp)
{
    transfer *t = userp;
    size_t len = size * count;
    if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
        const char *p = memchr(data, ' ', len);
        const char *end = data + len;
        t->resp->reason[0] = '\0';
        if (p && (p = memchr(p + 1, ' ', (size_t)(end - p - 1)))) {
            p++;
            size_t n = (size_t)(end - p);
            while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
                n--;
            if (n >= sizeof t->resp->reason)
                n = sizeof t->resp->reason - 1;
            memcpy(t->resp->reason, p, n);
            t->resp->reason[n] = '\0';
        }
    }
    return len;
}

/* Hands complete lines of a 2xx stream to on_line; everything else is just kept. */
static size_t on_body(char *data, size_t size, size_t count, void *userp)
{
    transfer *t = userp;
    size_t len = size * count;
    osh_buf_append(&t->resp->body, data, len);
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (!t->on_line || status < 200 || status > 299)
        return len;
    char *nl;
    while ((nl = memchr(t->resp->body.data, '\n', t->resp->body.len))) {
        size_t line_len = (size_t)(nl - t->resp->body.data);
        *nl = '\0';
        bool go_on = line_len == 0 || t->on_line(t->resp->body.data, line_len, t->user);
        osh_buf_consume(&t->resp->body, line_len + 1);
        if (!go_on) {
            t->stopped = true;
            return 0;
        }
    }
    return len;
}

static struct curl_slist *build_headers(const k8s_config *cfg, const char *content_type)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (content_type) {
        char *line = osh_str_printf("Content-Type: %s", content_type);
        headers = curl_slist_append(headers, line);
        free(line);
    }
    if (cfg->token) {
        char *auth = osh_str_printf("Authorization: Bearer %s", cfg->token);
        headers = curl_slist_append(headers, auth);
        free(auth);
    }
    headers = curl_slist_append(headers, "Expect:");
    return headers;
}

static void apply_tls(CURL *curl, const k8s_config *cfg)
{
    if (cfg->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->ca_data) {
        struct curl_blob blob = {cfg->ca_data, cfg->ca_data_len, CURL_BLOB_COPY};
        curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (cfg->cert_file)
        curl_easy_setopt(curl, CURLOPT_SSLCERT, cfg->cert_file);
    if (cfg->cert_data) {
        struct curl_blob blob = {cfg->cert_data, cfg->cert_data_len, CURL_BLOB_COPY};
        curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &blob);
        curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (cfg->key_file)
        curl_easy_setopt(curl, CURLOPT_SSLKEY, cfg->key_file);
    if (cfg->key_data) {
        struct curl_blob blob = {cfg->key_data, cfg->key_data_len, CURL_BLOB_COPY};
        curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &blob);
        curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (cfg->insecure_skip_tls_verify) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->username && !cfg->token) { /* a token wins over basic auth, as in client-go */
        curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
}

/* Every option of one request; returns the connect timeout used. */
static long configure(CURL *curl, const k8s_client *client, const char *method, const char *url,
                      const char *json_body, struct curl_slist *headers, bool bounded, transfer *t)
{
    const k8s_config *cfg = client->config;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    /* Only the kubeconfig's proxy-url is used: http_proxy & co. in the environment must not
     * divert calls to the cluster (kube-rs ignores them too). */
    curl_easy_setopt(curl, CURLOPT_PROXY, cfg->proxy_url ? cfg->proxy_url : "");
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
    if (json_body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
    }
    long connect_ms = K8S_CONNECT_TIMEOUT_MS;
    if (bounded) {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, client->timeout_ms);
        if (client->timeout_ms < connect_ms)
            connect_ms = client->timeout_ms;
    } else {
        /* A watch that stays silent longer than the server's own timeout is dead. */
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, K8S_STREAM_IDLE_SECONDS);
    }
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    apply_tls(curl, cfg);
    return connect_ms;
}

/* A transfer that got no usable answer: the expired bound is 504 Timeout (§10.6); a connect
 * timeout shorter than the bound, and everything else, is an unreachable server. */
static void record_failure(CURL *curl, const k8s_client *client, CURLcode rc, bool bounded, long connect_ms,
                           k8s_error *err)
{
    double connect_time = 0;
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME, &connect_time);
    bool connect_timeout = connect_time == 0 && (!bounded || connect_ms < client->timeout_ms);
    char *message;
    if (rc == CURLE_OPERATION_TIMEDOUT && bounded && !connect_timeout) {
        message = k8s_timeout_message(client->timeout_ms);
        k8s_error_set(err, 504, "Timeout", message);
    } else {
        message = osh_str_printf("cannot reach the Kubernetes API at %s: %s", client->config->server,
                                 curl_easy_strerror(rc));
        k8s_error_set(err, 0, NULL, message);
    }
    free(message);
}

/* tls-server-name: the TLS name (SNI and certificate check) differs from the address. The
 * URL gets the name and CURLOPT_CONNECT_TO sends the connection to the real address; the
 * Host header keeps the real address, as client-go sends it. */
static void apply_server_name(CURL *curl, const k8s_config *cfg, char **url, struct curl_slist **headers,
                              struct curl_slist **connect_to)
{
    if (!cfg->tls_server_name || !osh_str_starts_with(cfg->server, "https://"))
        return;
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *renamed = NULL;
    if (curl_url_set(u, CURLUPART_URL, *url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &renamed, 0) == CURLUE_OK) {
        char *mapping = osh_str_printf("%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
        *connect_to = curl_slist_append(NULL, mapping);
        char *host_header = osh_str_printf("Host: %s:%s", host, port);
        *headers = curl_slist_append(*headers, host_header);
        free(*url);
        *url = osh_str_dup(renamed);
        curl_easy_setopt(curl, CURLOPT_CONNECT_TO, *connect_to);
        free(host_header);
        free(mapping);
    }
    curl_free(renamed);
    curl_free(port);
    curl_free(host);
    curl_url_cleanup(u);
}

/* Runs one transfer. bounded: apply the per-call timeout. */
static int perform(k8s_client *client, const char *method, const char *path, const char *content_type,
                   const char *json_body, bool bounded, transfer *t, k8s_error *err)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        abort();
    t->curl = curl;
    char *url = osh_str_printf("%s%s", client->config->server, path);
    struct curl_slist *headers = build_headers(client->config, json_body ? content_type : NULL);
    struct curl_slist *connect_to = NULL;
    apply_server_name(curl, client->config, &url, &headers, &connect_to);
    long connect_ms = configure(curl, client, method, url, json_body, headers, bounded, t);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    /* A stream that was accepted and then broke off (dropped, idle) simply ended: the
     * watcher resumes from what it saw, as kube-rs does. */
    bool stream_ended = !bounded && status >= 200 && status <= 299;
    t->complete = rc == CURLE_OK;
    int result = 0;
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t->stopped) || stream_ended) {
        t->resp->status = status;
    } else {
        record_failure(curl, client, rc, bounded, connect_ms, err);
        result = -1;
    }
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    curl_easy_cleanup(curl);
    free(url);
    return result;
}

int k8s_client_call_typed(k8s_client *client, const char *method, const char *path, const char *content_type,
                          const char *body, k8s_response *resp, k8s_error *err)
{
    memset(resp, 0, sizeof *resp);
    transfer t = {.resp = resp};
    return perform(client, method, path, content_type, body, true, &t, err);
}

int k8s_client_call(k8s_client *client, const char *method, const char *path, const char *json_body,
                     k8s_response *resp, k8s_error *err)
{
    return k8s_client_call_typed(client, method, path, "application/json", json_body, resp, err);
}

long k8s_client_timeout_ms(const k8s_client *client) { return client->timeout_ms; }

int k8s_client_stream(k8s_client *client, const char *path, k8s_line_fn on_line, void *user,
                       k8s_response *resp, k8s_error *err)
{
    memset(resp, 0, sizeof *resp);
    transfer t = {.resp = resp, .on_line = on_line, .user = user};
    int rc = perform(client, "GET", path, NULL, NULL, false, &t, err);
    /* A last line without its newline still counts when the stream ended cleanly; the
     * rest of a line cut off by a broken connection does not. */
    if (rc == 0 && t.complete && resp->status >= 200 && resp->status <= 299 && resp->body.len) {
        char *line = osh_buf_detach(&resp->body);
        on_line(line, strlen(line), user);
        free(line);
    }
    return rc;
}
