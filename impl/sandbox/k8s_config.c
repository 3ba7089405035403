/* k8s_config.c: kubeconfig and in-cluster credentials (see k8s_config.h). */
#include "k8s_config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "k8s_exec.h"
#include "k8s_yaml.h"
#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

void k8s_config_free(k8s_config *c)
{
    if (!c)
        return;
    free(c->server);
    free(c->source);
    free(c->token);
    free(c->username);
    free(c->password);
    free(c->ca_file);
    free(c->ca_data);
    free(c->cert_file);
    free(c->cert_data);
    free(c->key_file);
    free(c->key_data);
    free(c->tls_server_name);
    free(c->proxy_url);
    free(c);
}

/* Credentials and kubeconfigs are small; a bigger "file" (/dev/zero...) is a mistake. */
#define K8S_FILE_LIMIT ((size_t)4 * 1024 * 1024)

static char *read_whole_file(const char *path, char **error)
{
    char *why = NULL;
    char *text = osh_file_read(path, K8S_FILE_LIMIT, NULL, &why);
    if (!text)
        *error = osh_str_printf("cannot read %s", why);
    free(why);
    return text;
}

/* The named entry's inner object of a kubeconfig list: clusters[i].cluster where
 * clusters[i].name == name. */
static const cJSON *find_named(const cJSON *root, const char *list, const char *inner, const char *name)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(root, list))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(entry, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            const cJSON *obj = cJSON_GetObjectItemCaseSensitive(entry, inner);
            return cJSON_IsObject(obj) ? obj : NULL;
        }
    }
    return NULL;
}

static const char *get_string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return (cJSON_IsString(item) && *item->valuestring) ? item->valuestring : NULL;
}

static char *resolve_path(const char *dir, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/' || !dir)
        return osh_str_dup(path);
    return osh_str_printf("%s/%s", dir, path);
}

/* Decode a *-data member (base64 of PEM). Returns false with *error on bad base64. */
static bool decode_data(const cJSON *obj, const char *key, char **out, size_t *out_len,
                        const char *source, char **error)
{
    const char *text = get_string(obj, key);
    if (!text)
        return true;
    /* Line breaks are skipped, as Go's decoder (kubectl, client-go) skips them. */
    osh_buf clean = OSH_BUF_INIT;
    for (const char *p = text; *p; p++)
        if (*p != '\n' && *p != '\r')
            osh_buf_append_char(&clean, *p);
    osh_buf b = OSH_BUF_INIT;
    bool ok = osh_base64_decode(&b, osh_buf_str(&clean), clean.len);
    osh_buf_free(&clean);
    if (!ok) {
        osh_buf_free(&b); /* a refused decode may leave the buffer allocated */
        *error = osh_str_printf("%s: %s is not valid base64", source, key);
        return false;
    }
    *out_len = b.len;
    osh_buf_append(&b, "", 0);
    *out = osh_buf_detach(&b);
    return true;
}

/* A YAML 1.1 true, as Go's YAML reader (kubectl, client-go) takes it: true, yes, on, y. */
static bool yaml_true(const cJSON *item)
{
    if (cJSON_IsTrue(item))
        return true;
    if (!cJSON_IsString(item))
        return false;
    const char *words[] = {"true", "yes", "on", "y"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (osh_str_ieq(item->valuestring, words[i]))
            return true;
    return false;
}

static bool read_cluster(k8s_config *c, const cJSON *cluster, const char *dir, char **error)
{
    const char *server = get_string(cluster, "server");
    if (!server) {
        *error = osh_str_printf("%s: the cluster has no server", c->source);
        return false;
    }
    c->server = osh_str_dup(server);
    size_t len = strlen(c->server);
    while (len > 0 && c->server[len - 1] == '/')
        c->server[--len] = '\0'; /* paths are appended with their own leading slash */
    if (len == 0) {
        *error = osh_str_printf("%s: the cluster's server \"%s\" is not a URL", c->source, server);
        return false;
    }
    c->ca_file = resolve_path(dir, get_string(cluster, "certificate-authority"));
    c->tls_server_name = osh_str_dup(get_string(cluster, "tls-server-name"));
    c->proxy_url = osh_str_dup(get_string(cluster, "proxy-url"));
    c->insecure_skip_tls_verify = yaml_true(cJSON_GetObjectItemCaseSensitive(cluster, "insecure-skip-tls-verify"));
    return decode_data(cluster, "certificate-authority-data", &c->ca_data, &c->ca_data_len, c->source, error);
}

/* Credentials from an exec plugin fill what the user entry does not set itself. */
static bool apply_exec(k8s_config *c, const cJSON *exec, const char *dir, char **error)
{
    k8s_exec_credential cred;
    char *exec_error = NULL;
    if (k8s_exec_run(exec, dir, &cred, &exec_error) != 0) {
        *error = osh_str_printf("%s: %s", c->source, exec_error);
        free(exec_error);
        return false;
    }
    if (!c->token && cred.token) {
        c->token = cred.token;
        cred.token = NULL;
    }
    if (!c->cert_data && !c->cert_file && cred.cert_pem && cred.key_pem) {
        c->cert_data_len = strlen(cred.cert_pem);
        c->cert_data = cred.cert_pem;
        c->key_data_len = strlen(cred.key_pem);
        c->key_data = cred.key_pem;
        cred.cert_pem = cred.key_pem = NULL;
    }
    k8s_exec_credential_clear(&cred);
    return true;
}

static bool read_user(k8s_config *c, const cJSON *user, const char *dir, char **error)
{
    if (cJSON_GetObjectItemCaseSensitive(user, "auth-provider")) {
        *error = osh_str_printf("%s: auth-provider credentials are not supported (use exec)", c->source);
        return false;
    }
    c->token = osh_str_dup(get_string(user, "token"));
    const char *token_file = get_string(user, "tokenFile");
    if (!c->token && token_file) {
        char *path = resolve_path(dir, token_file);
        char *text = read_whole_file(path, error);
        free(path);
        if (!text)
            return false;
        c->token = osh_str_trim_dup(text);
        free(text);
    }
    c->username = osh_str_dup(get_string(user, "username"));
    c->password = osh_str_dup(get_string(user, "password"));
    c->cert_file = resolve_path(dir, get_string(user, "client-certificate"));
    c->key_file = resolve_path(dir, get_string(user, "client-key"));
    if (!decode_data(user, "client-certificate-data", &c->cert_data, &c->cert_data_len, c->source, error) ||
        !decode_data(user, "client-key-data", &c->key_data, &c->key_data_len, c->source, error))
        return false;
    const cJSON *exec = cJSON_GetObjectItemCaseSensitive(user, "exec");
    return !cJSON_IsObject(exec) || apply_exec(c, exec, dir, error);
}

static k8s_config *from_document(const cJSON *root, const char *dir, const char *source, char **error)
{
    if (!cJSON_IsObject(root)) {
        *error = osh_str_printf("%s: not a kubeconfig (expected a mapping)", source);
        return NULL;
    }
    const char *current = get_string(root, "current-context");
    if (!current) {
        *error = osh_str_printf("%s: no current-context is set", source);
        return NULL;
    }
    const cJSON *context = find_named(root, "contexts", "context", current);
    if (!context) {
        *error = osh_str_printf("%s: context \"%s\" not found", source, current);
        return NULL;
    }
    const char *cluster_name = get_string(context, "cluster");
    const cJSON *cluster = cluster_name ? find_named(root, "clusters", "cluster", cluster_name) : NULL;
    if (!cluster) {
        *error = osh_str_printf("%s: cluster \"%s\" of context \"%s\" not found", source,
                                cluster_name ? cluster_name : "", current);
        return NULL;
    }
    const char *user_name = get_string(context, "user");
    const cJSON *user = user_name ? find_named(root, "users", "user", user_name) : NULL;
    if (user_name && !user) {
        *error = osh_str_printf("%s: user \"%s\" of context \"%s\" not found", source, user_name, current);
        return NULL;
    }
    k8s_config *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->source = osh_str_printf("%s (context %s)", source, current);
    if (!read_cluster(c, cluster, dir, error) || (user && !read_user(c, user, dir, error))) {
        k8s_config_free(c);
        return NULL;
    }
    return c;
}

k8s_config *k8s_config_from_text(const char *text, const char *dir, const char *source, char **error)
{
    char *parse_error = NULL;
    cJSON *root = k8s_yaml_parse(text, &parse_error);
    if (!root) {
        *error = osh_str_printf("%s: %s", source, parse_error);
        free(parse_error);
        return NULL;
    }
    k8s_config *c = from_document(root, dir, source, error);
    cJSON_Delete(root);
    return c;
}

k8s_config *k8s_config_from_file(const char *path, char **error)
{
    char *read_error = NULL;
    char *text = read_whole_file(path, &read_error);
    if (!text) {
        *error = osh_str_printf("kubeconfig: %s", read_error);
        free(read_error);
        return NULL;
    }
    char *path_copy = osh_str_dup(path);
    char *source = osh_str_printf("kubeconfig %s", path);
    k8s_config *c = k8s_config_from_text(text, dirname(path_copy), source, error);
    free(source);
    free(path_copy);
    free(text);
    return c;
}

k8s_config *k8s_config_in_cluster(const char *secrets_dir, char **error)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port) {
        *error = osh_str_dup("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
        return NULL;
    }
    char *token_path = osh_str_printf("%s/token", secrets_dir);
    char *read_error = NULL;
    char *token = read_whole_file(token_path, &read_error);
    free(token_path);
    if (!token) {
        *error = osh_str_printf("in-cluster: %s", read_error);
        free(read_error);
        return NULL;
    }
    k8s_config *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    /* An IPv6 service host needs brackets in the URL. */
    bool v6 = strchr(host, ':') != NULL;
    c->server = osh_str_printf("https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
    c->source = osh_str_dup("in-cluster");
    c->token = osh_str_trim_dup(token);
    c->ca_file = osh_str_printf("%s/ca.crt", secrets_dir);
    free(token);
    return c;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

k8s_config *k8s_config_load(const char *explicit_path, char **error)
{
    if (explicit_path)
        return k8s_config_from_file(explicit_path, error);
    const char *env = getenv("KUBECONFIG");
    while (env && *env == ':')
        env++; /* kubectl skips empty entries of the list */
    if (env && *env) {
        char *first = osh_str_ndup(env, strcspn(env, ":"));
        k8s_config *c = k8s_config_from_file(first, error);
        free(first);
        return c;
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        char *path = osh_str_printf("%s/.kube/config", home);
        if (file_exists(path)) {
            k8s_config *c = k8s_config_from_file(path, error);
            free(path);
            return c;
        }
        free(path);
    }
    char *cluster_error = NULL;
    k8s_config *c = k8s_config_in_cluster(K8S_IN_CLUSTER_SECRETS_DIR, &cluster_error);
    if (!c) {
        *error = osh_str_printf("no Kubernetes configuration: no --kubeconfig, KUBECONFIG or ~/.kube/config, "
                                "and %s",
                                cluster_error);
        free(cluster_error);
    }
    return c;
}
