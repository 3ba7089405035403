/* dk_test_client.c: see dk_test_client.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dk_test_client.h"
#include "osh_str.h"

dk_test *dk_test_start(const char *scenario_json)
{
    dk_test *t = calloc(1, sizeof *t);
    strcpy(t->dir, "/tmp/dk_test.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->sock, sizeof t->sock, "%s/docker.sock", t->dir);
    cJSON *scenario = scenario_json && *scenario_json ? cJSON_Parse(scenario_json) : NULL;
    if (scenario_json && *scenario_json && !scenario)
        fail_msg("test scenario is not JSON: %s", scenario_json);
    char *err = NULL;
    t->d = mock_docker_new(scenario, &err);
    cJSON_Delete(scenario);
    if (!t->d)
        fail_msg("scenario refused: %s", err);
    assert_int_equal(mock_docker_listen_unix(t->d, t->sock, &err), 0);
    return t;
}

void dk_test_stop(dk_test *t)
{
    if (!t)
        return;
    mock_docker_free(t->d);
    rmdir(t->dir);
    free(t);
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    osh_buf_append(ud, p, sz * n);
    return sz * n;
}

static dk_reply perform(dk_test *t, const char *method, const char *target, const void *body,
                        size_t len, struct curl_slist *headers)
{
    dk_reply r = {0};
    CURL *c = curl_easy_init();
    char *url = osh_str_printf("http://localhost%s", target);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->sock);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* "/./" and "//" reach the server as written */
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    r.rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    free(url);
    r.json = r.body.len ? cJSON_ParseWithLength(r.body.data, r.body.len) : NULL;
    return r;
}

dk_reply dk_call(dk_test *t, const char *method, const char *target, const char *body,
                 const char *header)
{
    struct curl_slist *h = NULL;
    if (body && !(header && strncasecmp(header, "Content-Type:", 13) == 0))
        h = curl_slist_append(h, "Content-Type: application/json");
    if (header)
        h = curl_slist_append(h, header);
    dk_reply r = perform(t, method, target, body, body ? strlen(body) : 0, h);
    curl_slist_free_all(h);
    return r;
}

dk_reply dk_call_bin(dk_test *t, const char *method, const char *target, const void *body,
                     size_t len, const char *content_type)
{
    char *ct = osh_str_printf("Content-Type: %s", content_type);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    dk_reply r = perform(t, method, target, body ? body : "", len, h);
    curl_slist_free_all(h);
    free(ct);
    return r;
}

void dk_reply_free(dk_reply *r)
{
    osh_buf_free(&r->body);
    osh_buf_free(&r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

const cJSON *dk_jget(const cJSON *root, const char *path)
{
    char *copy = osh_str_dup(path);
    const cJSON *node = root;
    char *save = NULL;
    for (char *p = strtok_r(copy, ".", &save); p && node; p = strtok_r(NULL, ".", &save))
        node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(p))
                                   : cJSON_GetObjectItemCaseSensitive(node, p);
    free(copy);
    return node;
}

const char *dk_jstr(const cJSON *root, const char *path)
{
    const cJSON *v = dk_jget(root, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *dk_message(const dk_reply *r)
{
    const char *m = dk_jstr(r->json, "message");
    return m ? m : "";
}

char *dk_header(const dk_reply *r, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = osh_buf_str(&r->headers);
    while (p && *p) {
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (*v == ' ')
                v++;
            return osh_str_ndup(v, strcspn(v, "\r\n"));
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

char *dk_create(dk_test *t, const char *name, const char *body, bool start)
{
    char *target = osh_str_printf("/v1.41/containers/create?name=%s", name);
    dk_reply r = dk_call(t, "POST", target, body, NULL);
    free(target);
    if (r.status != 201)
        fail_msg("create %s: %ld %s", name, r.status, osh_buf_str(&r.body));
    char *id = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    if (start) {
        target = osh_str_printf("/v1.41/containers/%s/start", id);
        r = dk_call(t, "POST", target, NULL, NULL);
        free(target);
        assert_int_equal(r.status, 204);
        dk_reply_free(&r);
    }
    return id;
}

bool dk_demux(const char *data, size_t len, osh_buf *out, osh_buf *err)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos < 8)
            return false;
        const unsigned char *h = (const unsigned char *)data + pos;
        if (h[1] || h[2] || h[3] || h[0] > 3)
            return false;
        size_t n = ((size_t)h[4] << 24) | ((size_t)h[5] << 16) | ((size_t)h[6] << 8) | h[7];
        if (len - pos - 8 < n)
            return false;
        osh_buf_append(h[0] == 2 ? err : out, data + pos + 8, n);
        pos += 8 + n;
    }
    return true;
}
