/* mockd_options.h: openshell-mockd's command line and scenario file. */
#ifndef MOCKD_OPTIONS_H
#define MOCKD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define MOCKD_MAX_ENDPOINTS 8

typedef struct mockd_endpoint {
    char *spec;         /* as given: "unix:///x.sock", "tcp://127.0.0.1:0" */
    char *unix_path;    /* set for unix:// */
    char *host;         /* set for tcp:// */
    int port;
} mockd_endpoint;

typedef struct mockd_options {
    mockd_endpoint endpoints[MOCKD_MAX_ENDPOINTS];
    size_t endpoint_count;
    char *scenario_path;      /* "(none)" when no --scenario */
    cJSON *scenario;          /* the whole document ({} without --scenario) */
    bool kube;                /* --kube given: serve the Kubernetes API too */
    int kube_port;            /* its port (0 = ephemeral) */
    bool kube_tls;            /* --kube https://...: serve it over TLS */
    char *tls_cert, *tls_key; /* --tls-cert/--tls-key PEM files, or NULL (test pair) */
    char *agent_sandbox;      /* --agent-sandbox RELEASE, or NULL (the default) */
    char *kubeconfig_out;     /* --kubeconfig-out FILE, or NULL */
    bool help, version;
    /* Record and replay (mocks/record, docs/recording.md); each excludes the world above. */
    char *record_file;        /* --record FILE */
    char *upstream;           /* --upstream unix:///PATH | tcp://HOST:PORT */
    bool no_redact;           /* --no-redact */
    char *replay_file;        /* --replay FILE */
    bool replay_timing_real;  /* --replay-timing real */
    char *to_scenario_file;   /* --recording-to-scenario FILE */
    size_t journal_entries;   /* --journal-entries N, or 0 (the default) */
} mockd_options;

/* The --help text, from the flag table (malloc'd). */
char *mockd_usage(void);

/* Returns 0; 1 on a bad scenario file; 2 on a bad command line. *error is malloc'd. */
int mockd_options_parse(int argc, char **argv, mockd_options *o, char **error);
void mockd_options_free(mockd_options *o);

#endif
