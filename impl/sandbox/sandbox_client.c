/* sandbox_client.c: create, delete and pod-IP calls (rules §10.1, §10.6). */
#include "sandbox_client.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "sandbox_translate.h"

char *sandbox_resource_path(const char *namespace_, const char *name)
{
    char *ns = k8s_escape(namespace_);
    char *path;
    if (name) {
        char *n = k8s_escape(name);
        path = osh_str_printf("/apis/%s/namespaces/%s/sandboxes/%s", SANDBOX_API_VERSION, ns, n);
        free(n);
    } else {
        path = osh_str_printf("/apis/%s/namespaces/%s/sandboxes", SANDBOX_API_VERSION, ns);
    }
    free(ns);
    return path;
}

static bool is_success(long status) { return status == 200 || status == 201 || status == 202; }

int sandbox_create(k8s_client *client, const char *namespace_, const cJSON *object, cJSON **created,
                   k8s_error *err)
{
    *created = NULL;
    char *path = sandbox_resource_path(namespace_, NULL);
    char *body = cJSON_PrintUnformatted(object);
    k8s_response resp;
    int rc = k8s_client_call(client, "POST", path, body, &resp, err);
    if (rc == 0 && is_success(resp.status)) {
        *created = cJSON_Parse(osh_buf_str(&resp.body));
        if (!*created) {
            char *what = osh_str_printf("POST %s", path);
            rc = k8s_error_malformed(err, what);
            free(what);
        }
    } else if (rc == 0) {
        rc = k8s_error_from_answer(err, &resp);
    }
    k8s_response_free(&resp);
    cJSON_free(body);
    free(path);
    return rc;
}

int sandbox_delete(k8s_client *client, const char *namespace_, const char *name, bool *deleted,
                   k8s_error *err)
{
    *deleted = false;
    char *path = sandbox_resource_path(namespace_, name);
    k8s_response resp;
    int rc = k8s_client_call(client, "DELETE", path, NULL, &resp, err);
    if (rc == 0 && (resp.status == 200 || resp.status == 202)) {
        *deleted = true;
    } else if (rc == 0 && resp.status != 404) {
        rc = k8s_error_from_answer(err, &resp);
    }
    k8s_response_free(&resp);
    free(path);
    return rc;
}

char *sandbox_parse_pod_ip(const cJSON *pod)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(status, "podIP");
    if (!cJSON_IsString(ip))
        return NULL;
    unsigned char addr[sizeof(struct in6_addr)];
    char text[INET6_ADDRSTRLEN];
    int family = strchr(ip->valuestring, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, ip->valuestring, addr) != 1 || !inet_ntop(family, addr, text, sizeof text))
        return NULL;
    return osh_str_dup(text);
}

int sandbox_pod_ip(k8s_client *client, const char *namespace_, const char *pod, char **ip, k8s_error *err)
{
    *ip = NULL;
    char *path = k8s_pod_path(namespace_, pod);
    k8s_response resp;
    int rc = k8s_client_call(client, "GET", path, NULL, &resp, err);
    if (rc == 0 && resp.status == 200) {
        cJSON *json = cJSON_Parse(osh_buf_str(&resp.body));
        if (cJSON_IsObject(json)) {
            *ip = sandbox_parse_pod_ip(json);
        } else {
            char *what = osh_str_printf("GET %s", path);
            rc = k8s_error_malformed(err, what);
            free(what);
        }
        cJSON_Delete(json);
    } else if (rc == 0 && resp.status != 404) {
        rc = k8s_error_from_answer(err, &resp);
    }
    k8s_response_free(&resp);
    free(path);
    return rc;
}
