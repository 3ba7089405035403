/* kube_script.c: the scripted Kubernetes API of the HTTP tests (see kube_script.h). */
#include "kube_script.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_str.h"
#include "sandbox_test_util.h"

static int emit_all(void *ctx, osh_buf *out)
{
    osh_buf_append_str(out, ctx);
    return MOCK_HTTP_STREAM_END;
}

static void add_string(cJSON *obj, const char *key, const char *value)
{
    cJSON_AddItemToObject(obj, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

static void record(kube_script *s, const mock_http_request *req)
{
    cJSON *entry = cJSON_CreateObject();
    add_string(entry, "method", mock_http_request_method(req));
    add_string(entry, "path", mock_http_request_path(req));
    add_string(entry, "query", mock_http_request_query(req));
    add_string(entry, "auth", mock_http_request_header(req, "Authorization"));
    add_string(entry, "content_type", mock_http_request_header(req, "Content-Type"));
    size_t len;
    add_string(entry, "body", mock_http_request_body(req, &len));
    cJSON_AddItemToArray(s->seen, entry);
}

static void handler(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    kube_script *s = ctx;
    pthread_mutex_lock(&s->lock);
    record(s, req);
    const kube_canned *c = s->next < s->count                 ? &s->answers[s->next++]
                           : (s->repeat_last && s->count) ? &s->answers[s->count - 1]
                                                          : NULL;
    pthread_mutex_unlock(&s->lock);
    if (!c)
        mock_http_respond(res, 599, "text/plain", "script exhausted", 16);
    else if (c->stream)
        mock_http_respond_stream(res, c->status, "application/json", emit_all, (void *)c->body, NULL);
    else
        mock_http_respond(res, c->status, c->content_type ? c->content_type : "application/json", c->body,
                          strlen(c->body));
}

kube_script *kube_script_start(const char *dir_prefix, const char *token)
{
    kube_script *s = calloc(1, sizeof *s);
    assert_non_null(s);
    pthread_mutex_init(&s->lock, NULL);
    s->seen = cJSON_CreateArray();
    mock_http_server_options opts = {.name = "kube-script", .handler = handler, .handler_ctx = s};
    s->server = mock_http_server_new(&opts);
    int port = 0;
    char *error = NULL;
    if (mock_http_server_listen_tcp(s->server, "127.0.0.1", 0, &port, &error) != 0)
        fail_msg("%s", error);
    snprintf(s->dir, sizeof s->dir, "%s-XXXXXX", dir_prefix);
    assert_non_null(mkdtemp(s->dir));
    s->kubeconfig = osh_str_printf("%s/kubeconfig", s->dir);
    char *text = osh_str_printf("apiVersion: v1\nkind: Config\ncurrent-context: t\n"
                                "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
                                "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                                "users: [{name: u, user: {token: %s}}]\n",
                                port, token);
    test_write_file(s->kubeconfig, text);
    free(text);
    return s;
}

void kube_script_free(kube_script *s)
{
    mock_http_server_free(s->server);
    unlink(s->kubeconfig);
    rmdir(s->dir);
    free(s->kubeconfig);
    cJSON_Delete(s->seen);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void kube_script_play(kube_script *s, const kube_canned *answers, size_t count)
{
    pthread_mutex_lock(&s->lock);
    s->answers = answers;
    s->count = count;
    s->next = 0;
    pthread_mutex_unlock(&s->lock);
}
