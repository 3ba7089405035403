/* k3s_sim_inspect.c: what happens at each inspect of a cluster container: scenario log
 * lines and rules §11.3 markers, scripted exits, and Docker health (scripted or computed from
 * the rules §11.2 healthcheck). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k3s_bringup.h"
#include "k3s_sim_internal.h"
#include "kube_meta.h"
#include "osh_str.h"

/* The rules §11.3 markers, at inspect `from_inspect` (and every later one with `repeat`).
 * Once is the default: the client's 15-line ring keeps a line until 15 others push it out,
 * and rules §12.5 expects each pressure condition listed once. Returns true when it logged. */
static bool emit_markers(k3s_sim *sim, const char *id, long count)
{
    const k3s_config *cfg = &sim->cfg;
    if (count < cfg->markers_from_inspect || (count > cfg->markers_from_inspect && !cfg->markers_repeat))
        return false;
    bool first = count == cfg->markers_from_inspect;
    bool logged = cfg->dns_failure || cfg->n_pressure || cfg->missing_supervisor || (cfg->dns_probe_failed && first);
    const char *host = cfg->dns_host ? cfg->dns_host : "ghcr.io";
    char *line;
    if (cfg->dns_probe_failed && first) {
        line = osh_str_printf("DNS_PROBE_FAILED: cannot resolve %s after DNS proxy setup", host);
        mock_docker_append_log(sim->d, id, 1, line);
        free(line);
    }
    if (cfg->dns_failure) {
        line = osh_str_printf("HEALTHCHECK_DNS_FAILURE: cannot resolve %s", host);
        mock_docker_append_log(sim->d, id, 1, line);
        free(line);
    }
    for (size_t i = 0; i < cfg->n_pressure; i++) {
        line = osh_str_printf("HEALTHCHECK_NODE_PRESSURE: %s", cfg->pressure[i]);
        mock_docker_append_log(sim->d, id, 1, line);
        free(line);
    }
    if (cfg->missing_supervisor)
        mock_docker_append_log(sim->d, id, 1,
                               "HEALTHCHECK_MISSING_SUPERVISOR: /opt/openshell/bin/openshell-sandbox not found");
    return logged;
}

static const char *computed_health(k3s_sim *sim, container *c, long count)
{
    const k3s_config *cfg = &sim->cfg;
    if (cfg->n_health > 0)
        return cfg->health[(size_t)count <= cfg->n_health ? (size_t)count - 1 : cfg->n_health - 1];
    /* failing healthchecks, and a container the scenario is about to kill, never pass */
    if (cfg->dns_failure || cfg->n_pressure || cfg->missing_supervisor || cfg->exit_at_inspect > 0 || !c->api_ready ||
        !c->cl)
        return "starting";
    /* a scenario that damages or delays the secret is about the M1 loop, which runs after
     * the health wait: the secret is not part of its healthcheck */
    bool need_secret = c->tls && !cfg->secret_never && cfg->secret_after_m1 == 0 && !cfg->missing_key && !cfg->broken_key;
    if (count >= cfg->healthy_after_inspects && k3s_healthcheck_passes(c->cl->store, cfg, need_secret))
        return "healthy";
    return "starting";
}

static bool docker_scripts_health(k3s_sim *sim, const char *id)
{
    if (sim->cfg.n_health > 0 || !sim->docker_health_scripts)
        return false;
    char *name = mock_docker_container_name(sim->d, id);
    bool scripted = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, sim->docker_health_scripts)
    {
        scripted = scripted || strcmp(n->valuestring, "*") == 0 || (name && strcmp(n->valuestring, name) == 0);
    }
    free(name);
    return scripted;
}

void k3s_inspect_hook(void *ctx, mock_docker *d, const char *id, long count)
{
    k3s_sim *sim = ctx;
    pthread_mutex_lock(&sim->lock);
    container *c = k3s_container_find(sim, id);
    mock_docker_container_state st;
    if (!c || count < 1 || mock_docker_container_state_get(d, id, &st) != 0 || !st.running) {
        pthread_mutex_unlock(&sim->lock);
        return;
    }
    /* The Docker mock sends its inspect answer only after followers got these lines. */
    emit_markers(sim, id, count);
    if (count == 1 && sim->cfg.boot_log) {
        /* k3s never stops talking; a follower opened before the first inspect sees this */
        char *now = kube_meta_now();
        char *line = osh_str_printf("time=\"%s\" level=info msg=\"k3s is up and running\"", now);
        mock_docker_append_log(d, id, 2, line);
        free(line);
        free(now);
    }
    for (size_t i = 0; i < sim->cfg.n_logs; i++) {
        const k3s_log_rule *r = &sim->cfg.logs[i];
        for (size_t j = 0; r->at_inspect == count && j < r->n_lines; j++) {
            mock_docker_append_log(d, id, r->stream, r->lines[j]);
        }
    }
    if (sim->cfg.exit_at_inspect == count) {
        mock_docker_container_exit(d, id, sim->cfg.exit_code, sim->cfg.exit_error, sim->cfg.exit_oom_killed);
        k3s_on_stop(sim, id);
    } else if (st.health[0] && !docker_scripts_health(sim, id)) {
        mock_docker_set_health(d, id, computed_health(sim, c, count));
    }
    pthread_mutex_unlock(&sim->lock);
}

