/* mockd_main.c: openshell-mockd: serves the mock world of one scenario (mocks/world: the
 * Docker mock, the k3s simulator, with --kube the Kubernetes API) until SIGINT or SIGTERM.
 * Prints each endpoint's final address ("docker: unix:///...", "kube: http://...") and
 * then "ready".
 * Argument parsing and scenario loading are in mockd_options.c, the record/replay modes in
 * mockd_record.c; this file only runs. */
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_docker.h"
#include "mock_kube.h"
#include "mock_world.h"
#include "mockd_options.h"
#include "mockd_record.h"

#ifndef OSH_VERSION
#define OSH_VERSION "unknown"
#endif

/* Listens on every --docker endpoint and prints them (the world's private socket, its
 * endpoint 0, is not printed), then "kube: URL". Returns 0 or 1. */
static int listen_and_print(mock_world *w, const mockd_options *o)
{
    char *error = NULL;
    mock_docker *d = mock_world_docker(w);
    for (size_t i = 0; i < o->endpoint_count; i++) {
        const mockd_endpoint *e = &o->endpoints[i];
        int rc = e->unix_path ? mock_docker_listen_unix(d, e->unix_path, &error)
                              : mock_docker_listen_tcp(d, e->host, e->port, NULL, &error);
        if (rc != 0) {
            fprintf(stderr, "openshell-mockd: cannot serve docker on %s: %s\n", e->spec, error);
            free(error);
            return 1;
        }
    }
    for (size_t i = 1; mock_docker_url(d, i); i++)
        printf("docker: %s\n", mock_docker_url(d, i));
    if (o->kube) {
        printf("kube: %s\n", mock_world_kube_url(w));
        if (o->kubeconfig_out && mock_world_write_kubeconfig(w, o->kubeconfig_out, &error) != 0) {
            fprintf(stderr, "openshell-mockd: %s\n", error);
            free(error);
            return 1;
        }
    }
    return 0;
}

static int serve(const mockd_options *o)
{
    char *error = NULL;
    mock_world_options wo = {.kube_enabled = o->kube, .kube_port = o->kube_port,
                             .kube_tls = o->kube_tls, .kube_tls_cert_path = o->tls_cert,
                             .kube_tls_key_path = o->tls_key, .agent_sandbox = o->agent_sandbox};
    mock_world *w = mock_world_new(o->scenario, &wo, &error);
    if (!w) {
        /* a scenario error names its section; anything else is the API's port */
        const char *sections[] = {"scenario", "docker", "cluster", "kube.", "defaults"};
        bool scenario_error = false;
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
            scenario_error = scenario_error || strncmp(error, sections[i], strlen(sections[i])) == 0;
        if (scenario_error)
            fprintf(stderr, "openshell-mockd: %s: %s\n", o->scenario_path, error);
        else
            fprintf(stderr, "openshell-mockd: cannot serve kube on %s://127.0.0.1:%d: %s\n",
                    o->kube_tls ? "https" : "http", o->kube_port, error);
        free(error);
        return scenario_error ? 2 : 1;
    }
    if (o->journal_entries) {
        mock_http_journal_set_capacity(mock_docker_http(mock_world_docker(w)), o->journal_entries);
        if (mock_world_kube(w))
            mock_http_journal_set_capacity(mock_kube_http(mock_world_kube(w)), o->journal_entries);
    }
    if (listen_and_print(w, o) != 0) {
        mock_world_free(w);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    sigwait(&set, &sig);
    mock_world_free(w);
    return 0;
}

int main(int argc, char **argv)
{
    /* Block the stop signals before any server thread exists, so only sigwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    mockd_options o;
    char *error = NULL;
    int rc = mockd_options_parse(argc, argv, &o, &error);
    if (rc != 0) {
        char *usage = rc == 2 ? mockd_usage() : NULL;
        fprintf(stderr, "openshell-mockd: %s\n%s", error, usage ? usage : "");
        free(usage);
        free(error);
        return 2;
    }
    if (o.help || o.version) {
        char *usage = o.help ? mockd_usage() : NULL;
        if (usage)
            fputs(usage, stdout);
        else
            printf("openshell-mockd %s\n", OSH_VERSION);
        free(usage);
        mockd_options_free(&o);
        return 0;
    }
    if (o.record_file)
        rc = mockd_run_record(&o);
    else if (o.replay_file)
        rc = mockd_run_replay(&o);
    else if (o.to_scenario_file)
        rc = mockd_run_to_scenario(&o);
    else
        rc = serve(&o);
    mockd_options_free(&o);
    return rc;
}
