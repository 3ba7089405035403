/* mockd_record.c: openshell-mockd's record and replay modes (mocks/record): listening, the
 * lines it prints, and how it ends. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mockd_options.h"
#include "mockd_record.h"
#include "record.h"

/* Listen on every --docker endpoint and print "docker: URL" lines. 0 or 1. */
static int listen_all(mock_http_server *s, const mockd_options *o)
{
    for (size_t i = 0; i < o->endpoint_count; i++) {
        const mockd_endpoint *e = &o->endpoints[i];
        char *error = NULL;
        int rc = e->unix_path ? mock_http_server_listen_unix(s, e->unix_path, &error)
                              : mock_http_server_listen_tcp(s, e->host, e->port, NULL, &error);
        if (rc != 0) {
            fprintf(stderr, "openshell-mockd: cannot serve docker on %s: %s\n", e->spec, error);
            free(error);
            return 1;
        }
    }
    for (size_t i = 0; mock_http_server_url(s, i); i++)
        printf("docker: %s\n", mock_http_server_url(s, i));
    return 0;
}

static int wait_for_stop(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

/* The upstream went away: stop as if signalled (the main thread waits in sigwait). */
static void on_upstream_gone(void *ctx)
{
    (void)ctx;
    kill(getpid(), SIGTERM);
}

int mockd_run_record(const mockd_options *o)
{
    char *error = NULL;
    record_proxy_options ro = {.upstream = o->upstream, .file = o->record_file,
                               .redact = !o->no_redact, .upstream_gone = on_upstream_gone};
    record_proxy *p = record_proxy_new(&ro, &error);
    if (!p) {
        fprintf(stderr, "openshell-mockd: %s\n", error);
        free(error);
        return 1;
    }
    if (listen_all(record_proxy_server(p), o) != 0) {
        record_proxy_free(p);
        return 1;
    }
    printf("recording: %s\nready\n", o->record_file);
    fflush(stdout);
    int sig = wait_for_stop();
    const char *gone = record_proxy_upstream_error(p);
    int rc = record_proxy_finish(p, sig == SIGINT ? "SIGINT" : "SIGTERM", &error);
    if (rc != 0) {
        fprintf(stderr, "openshell-mockd: %s\n", error);
        free(error);
    }
    if (gone)
        fprintf(stderr, "openshell-mockd: upstream %s went away: %s; recording %s is complete\n",
                o->upstream, gone, o->record_file);
    record_proxy_free(p);
    return rc != 0 || gone ? 1 : 0;
}

int mockd_run_replay(const mockd_options *o)
{
    char *error = NULL;
    record_replay *r = record_replay_new(o->replay_file,
                                         o->replay_timing_real ? RECORD_TIMING_REAL : RECORD_TIMING_COMPRESSED,
                                         &error);
    if (!r) {
        fprintf(stderr, "openshell-mockd: %s\n", error);
        free(error);
        return 1;
    }
    if (listen_all(record_replay_server(r), o) != 0) {
        record_replay_free(r);
        return 1;
    }
    printf("replaying: %s\nready\n", o->replay_file);
    fflush(stdout);
    wait_for_stop();
    record_replay_free(r);
    return 0;
}

int mockd_run_to_scenario(const mockd_options *o)
{
    char *error = NULL;
    cJSON *world = record_to_scenario(o->to_scenario_file, &error);
    if (!world) {
        fprintf(stderr, "openshell-mockd: %s\n", error);
        free(error);
        return 1;
    }
    char *text = cJSON_Print(world);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(world);
    return fflush(stdout) == 0 ? 0 : 1;
}
