/* world_client.c: see world_client.h. */
#include "world_client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    osh_buf_append((osh_buf *)user, p, size * n);
    return size * n;
}

static int request(const char *unix_path, const char *url, const char *method, const char *body, osh_buf *out)
{
    CURL *c = curl_easy_init();
    osh_buf sink = OSH_BUF_INIT;
    if (!out)
        out = &sink;
    osh_buf_reset(out);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (unix_path)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    osh_buf_free(&sink);
    return (int)status;
}

int wc_docker(mock_world *w, const char *method, const char *path, const char *body, osh_buf *out)
{
    const char *unix_url = mock_world_docker_unix_url(w);
    char *url = osh_str_printf("http://localhost/v1.41%s", path);
    int rc = request(unix_url + strlen("unix://"), url, method, body, out);
    free(url);
    return rc;
}

int wc_put_tar(mock_world *w, const char *path, const void *data, size_t len)
{
    CURL *c = curl_easy_init();
    osh_buf sink = OSH_BUF_INIT;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-tar");
    char *url = osh_str_printf("http://localhost/v1.41%s", path);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, mock_world_docker_unix_url(w) + strlen("unix://"));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    osh_buf_free(&sink);
    free(url);
    return (int)status;
}

int wc_kube(mock_world *w, const char *path, osh_buf *out)
{
    char *url = osh_str_printf("%s%s", mock_world_kube_url(w), path);
    int rc = request(NULL, url, "GET", NULL, out);
    free(url);
    return rc;
}

char *wc_create(mock_world *w, const char *name, const char *body)
{
    osh_buf out = OSH_BUF_INIT;
    char *path = osh_str_printf("/containers/create?name=%s", name);
    int rc = wc_docker(w, "POST", path, body, &out);
    free(path);
    cJSON *j = cJSON_Parse(osh_buf_str(&out));
    char *id = rc == 201 ? osh_str_dup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "Id"))) : NULL;
    cJSON_Delete(j);
    osh_buf_free(&out);
    return id;
}

int wc_exec(mock_world *w, const char *id, const char *const *argv, size_t argc, osh_buf *out)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddTrueToObject(body, "AttachStdout");
    cJSON_AddTrueToObject(body, "AttachStderr");
    cJSON *cmd = cJSON_AddArrayToObject(body, "Cmd");
    for (size_t i = 0; i < argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    osh_buf resp = OSH_BUF_INIT;
    char *path = osh_str_printf("/containers/%s/exec", id);
    int rc = wc_docker(w, "POST", path, text, &resp);
    free(path);
    free(text);
    osh_buf_reset(out);
    if (rc != 201) {
        osh_buf_append(out, resp.data, resp.len);
        osh_buf_free(&resp);
        return -100 - rc;
    }
    cJSON *j = cJSON_Parse(osh_buf_str(&resp));
    char *exec_id = osh_str_dup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "Id")));
    cJSON_Delete(j);
    path = osh_str_printf("/exec/%s/start", exec_id);
    wc_docker(w, "POST", path, "{\"Detach\": false, \"Tty\": false}", &resp);
    free(path);
    for (size_t off = 0; off + 8 <= resp.len;) {
        const unsigned char *h = (const unsigned char *)resp.data + off;
        size_t len = ((size_t)h[4] << 24) | ((size_t)h[5] << 16) | ((size_t)h[6] << 8) | h[7];
        osh_buf_append(out, resp.data + off + 8, len);
        off += 8 + len;
    }
    path = osh_str_printf("/exec/%s/json", exec_id);
    wc_docker(w, "GET", path, NULL, &resp);
    free(path);
    free(exec_id);
    j = cJSON_Parse(osh_buf_str(&resp));
    const cJSON *code = cJSON_GetObjectItem(j, "ExitCode");
    int exit_code = cJSON_IsNumber(code) ? code->valueint : -2;
    cJSON_Delete(j);
    osh_buf_free(&resp);
    return exit_code;
}

int wc_sh(mock_world *w, const char *id, const char *script, osh_buf *out)
{
    const char *argv[] = {"sh", "-c", script};
    return wc_exec(w, id, argv, 3, out);
}

char *wc_inspect_health(mock_world *w, const char *id, bool *running)
{
    osh_buf out = OSH_BUF_INIT;
    char *path = osh_str_printf("/containers/%s/json", id);
    int rc = wc_docker(w, "GET", path, NULL, &out);
    free(path);
    cJSON *j = cJSON_Parse(osh_buf_str(&out));
    osh_buf_free(&out);
    if (rc != 200 || !j) {
        cJSON_Delete(j);
        return NULL;
    }
    const cJSON *state = cJSON_GetObjectItem(j, "State");
    *running = cJSON_IsTrue(cJSON_GetObjectItem(state, "Running"));
    const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(state, "Health"), "Status"));
    char *health = osh_str_dup(h ? h : "");
    cJSON_Delete(j);
    return health;
}
