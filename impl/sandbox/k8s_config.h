/* k8s_config.h: where the Kubernetes API is and how to authenticate to it (rules §10.8):
 * a kubeconfig file (YAML or JSON, its current-context) or the in-cluster service account. */
#ifndef OSH_K8S_CONFIG_H
#define OSH_K8S_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct k8s_config {
    char *server;      /* "https://host:port" or "http://...", without trailing slashes */
    char *source;      /* "kubeconfig /path (context x)" or "in-cluster": for messages */
    char *token;       /* bearer token, or NULL */
    char *username;    /* basic auth, or NULL */
    char *password;
    char *ca_file;     /* CA bundle path, or NULL */
    char *ca_data;     /* PEM bytes (decoded), or NULL */
    size_t ca_data_len;
    char *cert_file;   /* client certificate path, or NULL */
    char *cert_data;   /* PEM bytes (decoded), or NULL */
    size_t cert_data_len;
    char *key_file;
    char *key_data;
    size_t key_data_len;
    char *tls_server_name; /* the TLS name (SNI, certificate check) when not the server's host */
    char *proxy_url;       /* the cluster's proxy-url, or NULL: no proxy at all */
    bool insecure_skip_tls_verify;
} k8s_config;

/* Read a kubeconfig file and resolve its current-context. Relative file paths inside it are
 * taken relative to the file's directory, as kubectl does. NULL with *error on failure
 * (e.g. "kubeconfig /p: context \"x\" not found"). */
k8s_config *k8s_config_from_file(const char *path, char **error);
/* The same from text already read; dir resolves relative paths, source names it in errors. */
k8s_config *k8s_config_from_text(const char *text, const char *dir, const char *source, char **error);
/* The in-cluster configuration from KUBERNETES_SERVICE_HOST/_PORT and the token and CA under
 * secrets_dir (normally /var/run/secrets/kubernetes.io/serviceaccount). */
k8s_config *k8s_config_in_cluster(const char *secrets_dir, char **error);
/* The connection of §10.8: explicit_path (--kubeconfig) if non-NULL, else the first path of
 * KUBECONFIG, else ~/.kube/config when it exists, else in-cluster. */
k8s_config *k8s_config_load(const char *explicit_path, char **error);
void k8s_config_free(k8s_config *config);

#define K8S_IN_CLUSTER_SECRETS_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

#endif
