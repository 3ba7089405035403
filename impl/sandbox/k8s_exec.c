/* k8s_exec.c: exec credential plugins (see k8s_exec.h). */
#include "k8s_exec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_proc.h"
#include "osh_str.h"

extern char **environ;

#define K8S_EXEC_OUTPUT_LIMIT (1024 * 1024)

void k8s_exec_credential_clear(k8s_exec_credential *c)
{
    free(c->token);
    free(c->cert_pem);
    free(c->key_pem);
    memset(c, 0, sizeof *c);
}

/* Whether the "K=V" entry is replaced by the plugin's env list (Go keeps the last of
 * duplicate keys, so the kubeconfig's entries win) or by KUBERNETES_EXEC_INFO. */
static bool overridden(const char *entry, const cJSON *env)
{
    size_t key_len = strcspn(entry, "=");
    if (key_len == strlen("KUBERNETES_EXEC_INFO") && strncmp(entry, "KUBERNETES_EXEC_INFO", key_len) == 0)
        return true;
    const cJSON *item;
    cJSON_ArrayForEach(item, env)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        if (cJSON_IsString(name) && strlen(name->valuestring) == key_len && strncmp(entry, name->valuestring, key_len) == 0)
            return true;
    }
    return false;
}

/* argv and envp for the plugin (malloc'd arrays of malloc'd strings), or false with *error. */
static bool build_command(const cJSON *exec, const char *dir, char ***argv_out, char ***envp_out, char **error)
{
    const cJSON *command = cJSON_GetObjectItemCaseSensitive(exec, "command");
    const cJSON *api_version = cJSON_GetObjectItemCaseSensitive(exec, "apiVersion");
    if (!cJSON_IsString(command) || !*command->valuestring) {
        *error = osh_str_dup("exec plugin: command is missing");
        return false;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(exec, "args");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(exec, "env");
    size_t nargs = (size_t)cJSON_GetArraySize(args), nenv = (size_t)cJSON_GetArraySize(env), nbase = 0;
    while (environ[nbase])
        nbase++;
    char **argv = calloc(nargs + 2, sizeof *argv);
    char **envp = calloc(nbase + nenv + 2, sizeof *envp);
    const char *cmd = command->valuestring;
    argv[0] = (strchr(cmd, '/') && cmd[0] != '/' && dir) ? osh_str_printf("%s/%s", dir, cmd) : osh_str_dup(cmd);
    size_t n = 1;
    const cJSON *item;
    cJSON_ArrayForEach(item, args)
    {
        argv[n++] = osh_str_dup(cJSON_IsString(item) ? item->valuestring : "");
    }
    n = 0;
    for (size_t i = 0; i < nbase; i++)
        if (!overridden(environ[i], env))
            envp[n++] = osh_str_dup(environ[i]);
    cJSON_ArrayForEach(item, env)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
        if (cJSON_IsString(name) && cJSON_IsString(value))
            envp[n++] = osh_str_printf("%s=%s", name->valuestring, value->valuestring);
    }
    envp[n] = osh_str_printf("KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
                             "\"spec\":{\"interactive\":false}}",
                             cJSON_IsString(api_version) ? api_version->valuestring
                                                         : "client.authentication.k8s.io/v1beta1");
    *argv_out = argv;
    *envp_out = envp;
    return true;
}

static void free_strings(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

static char *status_string(const cJSON *status, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(status, key);
    return (cJSON_IsString(item) && *item->valuestring) ? osh_str_dup(item->valuestring) : NULL;
}

/* Fill out from the plugin's output; false with *error when it is not a usable credential. */
static bool read_credential(const char *command, const char *text, k8s_exec_credential *out, char **error)
{
    cJSON *json = cJSON_Parse(text);
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(json, "kind");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(json, "status");
    bool ok = cJSON_IsString(kind) && strcmp(kind->valuestring, "ExecCredential") == 0 && cJSON_IsObject(status);
    if (ok) {
        out->token = status_string(status, "token");
        out->cert_pem = status_string(status, "clientCertificateData");
        out->key_pem = status_string(status, "clientKeyData");
        ok = out->token || (out->cert_pem && out->key_pem);
        if (!ok)
            *error = osh_str_printf("exec plugin %s: the ExecCredential has neither a token nor a client "
                                    "certificate and key",
                                    command);
    } else {
        *error = osh_str_printf("exec plugin %s: the output is not an ExecCredential with a status", command);
    }
    cJSON_Delete(json);
    if (!ok)
        k8s_exec_credential_clear(out);
    return ok;
}

int k8s_exec_run(const cJSON *exec, const char *dir, k8s_exec_credential *out, char **error)
{
    memset(out, 0, sizeof *out);
    char **argv = NULL, **envp = NULL;
    if (!build_command(exec, dir, &argv, &envp, error))
        return -1;
    osh_buf output = OSH_BUF_INIT;
    /* stderr stays the user's: kubectl shows what a plugin says there too. */
    osh_capture_options options = {.envp = envp, .stdin_null = true, .limit = K8S_EXEC_OUTPUT_LIMIT};
    int status = osh_capture(argv, &options, &output);
    int rc = 0;
    if (status == OSH_CAPTURE_TOO_LONG) {
        *error = osh_str_printf("exec plugin %s: printed more than %d bytes", argv[0], K8S_EXEC_OUTPUT_LIMIT);
        rc = -1;
    } else if (status < 0) {
        *error = osh_str_printf("exec plugin %s: cannot run it", argv[0]);
        rc = -1;
    } else if (status != 0) {
        *error = osh_str_printf("exec plugin %s: exited with status %d", argv[0], status);
        rc = -1;
    } else if (!read_credential(argv[0], osh_buf_str(&output), out, error)) {
        rc = -1;
    }
    osh_buf_free(&output);
    free_strings(argv);
    free_strings(envp);
    return rc;
}
