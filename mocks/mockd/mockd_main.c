/* mockd_main.c: openshell-mockd: serves the mock daemons of one scenario until SIGINT or
 * SIGTERM. Prints each endpoint's final address ("docker: unix:///...") and then "ready".
 * Argument parsing and scenario loading are in mockd_options.c; this file only runs. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "mock_docker.h"
#include "mockd_options.h"

static int serve(const mockd_options *o)
{
    char *error = NULL;
    mock_docker *d = mock_docker_new(o->docker_scenario, &error);
    if (!d) {
        fprintf(stderr, "openshell-mockd: %s: %s\n", o->scenario_path, error);
        free(error);
        return 2;
    }
    for (size_t i = 0; i < o->endpoint_count; i++) {
        const mockd_endpoint *e = &o->endpoints[i];
        int rc = e->unix_path ? mock_docker_listen_unix(d, e->unix_path, &error)
                              : mock_docker_listen_tcp(d, e->host, e->port, NULL, &error);
        if (rc != 0) {
            fprintf(stderr, "openshell-mockd: cannot serve docker on %s: %s\n", e->spec, error);
            free(error);
            mock_docker_free(d);
            return 1;
        }
    }
    for (size_t i = 0; mock_docker_url(d, i); i++)
        printf("docker: %s\n", mock_docker_url(d, i));
    printf("ready\n");
    fflush(stdout);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    sigwait(&set, &sig);
    mock_docker_free(d);
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
        fprintf(stderr, "openshell-mockd: %s\n%s", error, rc == 2 ? mockd_usage : "");
        free(error);
        return 2;
    }
    if (o.help) {
        fputs(mockd_usage, stdout);
        mockd_options_free(&o);
        return 0;
    }
    rc = serve(&o);
    mockd_options_free(&o);
    return rc;
}
