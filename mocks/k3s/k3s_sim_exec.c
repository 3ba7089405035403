/* k3s_sim_exec.c: docker exec in a cluster container: the scenario's S1/M1 counters (API
 * readiness, the delayed secret, exits at M1), then the container shell (k3s_shell.h) with
 * the container's files and the cluster's store. */
#include <stdlib.h>
#include <string.h>

#include "k3s_bringup.h"
#include "k3s_shell.h"
#include "k3s_sim_internal.h"
#include "osh_str.h"

typedef struct exec_files {
    mock_docker *d;
    const char *id;
    cluster *cl;
} exec_files;

static char *read_file(void *user, const char *path, size_t *len)
{
    exec_files *f = user;
    osh_buf b = OSH_BUF_INIT;
    if (mock_docker_file_read(f->d, f->id, path, &b) != 0) {
        osh_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    char *data = osh_buf_detach(&b);
    return data ? data : osh_str_dup("");
}

static int remove_file(void *user, const char *path)
{
    exec_files *f = user;
    return mock_docker_file_remove(f->d, f->id, path);
}

static void image_imported(void *user, const char *ref)
{
    exec_files *f = user;
    if (f->cl)
        cJSON_AddItemToArray(f->cl->images, cJSON_CreateString(ref));
}

/* Scenario counters before an S1 or M1 runs. Returns false when the call must fail as if
 * the API were down. */
static bool count_call(k3s_sim *sim, container *c, k3s_command_kind kind)
{
    const k3s_config *cfg = &sim->cfg;
    if (kind == K3S_CMD_S1) {
        c->s1_calls++;
        if (cfg->api_ready_after_s1 < 0)
            return false;
        if (c->s1_calls <= cfg->api_ready_after_s1)
            return false;
        if (!c->api_ready)
            k3s_api_up(sim, c);
    } else if (kind == K3S_CMD_M1 && c->cl && c->api_ready) {
        c->m1_calls++;
        if (cfg->secret_after_m1 > 0 && c->m1_calls >= cfg->secret_after_m1 && !cfg->secret_never) {
            kube_result r = kube_store_get(c->cl->store, kube_resource_by_user_name("secrets"), "openshell", "openshell-cli-client");
            if (r.code != 200)
                k3s_bringup_secret(c->cl->store, cfg);
            cJSON_Delete(r.body);
        }
    }
    return true;
}

/* Does a word of the command (or of its sh -c script) name stdin as kubectl's file? */
static bool reads_stdin(const char *const *argv, size_t argc)
{
    static const char *const forms[] = {"-f -", "-f=-", "--filename -", "--filename=-", NULL};
    for (size_t i = 0; i < argc; i++) {
        if (i + 1 < argc && (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--filename") == 0) &&
            strcmp(argv[i + 1], "-") == 0)
            return true;
        char *norm = k3s_shell_normalize(argv[i]);
        for (size_t k = 0; forms[k]; k++) {
            const char *at = strstr(norm, forms[k]);
            size_t n = strlen(forms[k]);
            if (at && (at[n] == '\0' || at[n] == ' ' || at[n] == ';' || at[n] == '|' || at[n] == '&')) {
                free(norm);
                return true;
            }
        }
        free(norm);
    }
    return false;
}

int k3s_exec_hook(void *ctx, mock_docker *d, const char *id, const char *const *argv, size_t argc,
                     mock_docker_exec_result *res)
{
    k3s_sim *sim = ctx;
    /* read before the lock: it waits for the client's end of input */
    const char *stdin_data = reads_stdin(argv, argc) ? mock_docker_exec_stdin_read(res->in, NULL) : NULL;
    pthread_mutex_lock(&sim->lock);
    container *c = k3s_container_find(sim, id);
    if (!c) {
        pthread_mutex_unlock(&sim->lock);
        return MOCK_DOCKER_EXEC_DECLINED;
    }
    k3s_command_kind kind = k3s_shell_classify(argv, argc);
    bool api = count_call(sim, c, kind);
    exec_files files = {d, id, c->cl};
    k3s_shell_env env = {.store = api && c->api_ready && c->cl ? c->cl->store : NULL,
                         .hostname = c->hostname,
                         .dns_fails = sim->cfg.dns_fails,
                         .user = &files,
                         .read_file = read_file,
                         .remove_file = remove_file,
                         .image_imported = image_imported,
                         .stdin_data = stdin_data};
    int code = 0;
    bool handled = k3s_shell_run(&env, argv, argc, &res->out, &res->err, &code);
    if (handled) {
        res->exit_code = code;
        res->exit_code_null = sim->cfg.exit_code_null[kind];
    }
    /* exit.at_m1 = N: M1 call N never runs, the container exits right after answering call
     * N-1 (after the first call when N is 1) */
    long exit_after = sim->cfg.exit_at_m1 > 1 ? sim->cfg.exit_at_m1 - 1 : 1;
    if (kind == K3S_CMD_M1 && sim->cfg.exit_at_m1 > 0 && c->m1_calls == exit_after) {
        mock_docker_container_exit(d, id, sim->cfg.exit_code, sim->cfg.exit_error, sim->cfg.exit_oom_killed);
        k3s_on_stop(sim, id);
    }
    pthread_mutex_unlock(&sim->lock);
    return handled ? MOCK_DOCKER_EXEC_HANDLED : MOCK_DOCKER_EXEC_DECLINED;
}

