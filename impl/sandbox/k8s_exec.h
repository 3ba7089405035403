/* k8s_exec.h: exec credential plugins of kubeconfig users (client.authentication.k8s.io):
 * run the command, read the ExecCredential it prints, keep its token or client certificate. */
#ifndef OSH_K8S_EXEC_H
#define OSH_K8S_EXEC_H

#include <cjson/cJSON.h>

typedef struct k8s_exec_credential {
    char *token;    /* status.token, or NULL */
    char *cert_pem; /* status.clientCertificateData (PEM text), or NULL */
    char *key_pem;  /* status.clientKeyData (PEM text), or NULL */
} k8s_exec_credential;

/* Run the plugin described by exec ({apiVersion, command, args, env}). A command with a '/'
 * that is relative is taken relative to dir (the kubeconfig's directory), as client-go does;
 * one without is looked up in PATH. The plugin inherits stderr and gets KUBERNETES_EXEC_INFO.
 * Returns 0, or -1 with a malloc'd *error naming the plugin and what went wrong. */
int k8s_exec_run(const cJSON *exec, const char *dir, k8s_exec_credential *out, char **error);
void k8s_exec_credential_clear(k8s_exec_credential *c);

#endif
