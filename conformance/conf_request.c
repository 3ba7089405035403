/* conf_request.c: world-changing HTTP requests of scenarios (see conf_request.h). */
#include "conf_request.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osh_buf.h"
#include "osh_str.h"

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    osh_buf_append(userdata, data, size * n);
    return size * n;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The URL to ask and, for unix sockets, the socket path. */
static char *request_url(const char *base, const cJSON *req, char **socket_path)
{
    const char *path = cJSON_GetObjectItemCaseSensitive(req, "path")->valuestring;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(req, "query");
    const char *query = cJSON_IsString(q) && *q->valuestring ? q->valuestring : NULL;
    *socket_path = NULL;
    const char *host, *unix_path = osh_str_after(base, "unix://"), *tcp = osh_str_after(base, "tcp://");
    if (unix_path) {
        *socket_path = osh_str_dup(unix_path);
        host = "http://localhost";
    } else if (tcp) {
        return osh_str_printf("http://%s%s%s%s", tcp, path, query ? "?" : "", query ? query : "");
    } else {
        host = base;
    }
    return osh_str_printf("%s%s%s%s", host, path, query ? "?" : "", query ? query : "");
}

int conf_request_send(const cJSON *req, const char *base_url, int timeout_ms,
                      conf_proc_result *res, char **error)
{
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    if (!base_url) {
        *error = osh_str_dup("request step: the world does not serve that endpoint");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        *error = osh_str_dup("request step: curl_easy_init failed");
        return -1;
    }
    char *sock = NULL;
    char *url = request_url(base_url, req, &sock);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, "body");
    char *body = !b ? NULL : cJSON_IsString(b) ? osh_str_dup(b->valuestring) : cJSON_PrintUnformatted(b);
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(req, "content_type");
    char *ct_header = osh_str_printf("Content-Type: %s", cJSON_IsString(ct) ? ct->valuestring : "application/json");
    struct curl_slist *headers = curl_slist_append(NULL, ct_header);
    free(ct_header);
    osh_buf out = OSH_BUF_INIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (sock)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m ? m->valuestring : "GET");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    if (!body && (!m || strcmp(m->valuestring, "GET") == 0 || strcmp(m->valuestring, "DELETE") == 0))
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (!body && m && strcmp(m->valuestring, "DELETE") == 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    double start = now_seconds();
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    res->seconds = now_seconds() - start;
    int ret = 0;
    if (rc != CURLE_OK) {
        *error = osh_str_printf("request step %s %s: %s", m ? m->valuestring : "GET", url, curl_easy_strerror(rc));
        osh_buf_free(&out);
        ret = -1;
    } else {
        res->exit_code = status >= 200 && status < 400 ? 0 : 1;
        res->out_len = out.len;
        res->out = out.data ? osh_buf_detach(&out) : osh_str_dup("");
        res->err = osh_str_printf("HTTP %ld", status);
        res->err_len = strlen(res->err);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    free(body);
    free(url);
    free(sock);
    return ret;
}
