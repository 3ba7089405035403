/* k3s_config.h: the "cluster" section of a scenario, parsed (format: docs/scenarios.md). Every
 * knob counts requests (inspects since the container started, S1 and M1 calls), never time. */
#ifndef K3S_CONFIG_H
#define K3S_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "k3s_shell.h"

typedef struct k3s_log_rule {
    long at_inspect;      /* 0 with at_start */
    bool at_start;
    int stream;           /* 1 stdout, 2 stderr */
    char **lines;
    size_t n_lines;
} k3s_log_rule;

typedef struct k3s_config {
    char **cluster_containers;   /* names marked as cluster containers */
    size_t n_cluster_containers;
    long api_ready_after_s1;     /* S1 calls that fail first; -1 = S1 never succeeds */
    char **health;               /* per inspect (1-based), last repeats; NULL = computed */
    size_t n_health;
    long healthy_after_inspects; /* computed health: healthy from this inspect on */
    long exit_at_inspect, exit_at_m1;
    int exit_code;
    char *exit_error;
    bool exit_oom_killed;
    k3s_log_rule *logs;
    size_t n_logs;
    bool dns_probe_failed, dns_failure, missing_supervisor;
    char **pressure;
    size_t n_pressure;
    long markers_from_inspect;
    bool markers_repeat;         /* healthcheck markers at every inspect, not once */
    char *dns_host;
    long secret_after_m1;        /* 0: created at bring-up */
    bool secret_never;
    char *broken_key, *broken_value, *missing_key;
    char *workload;              /* statefulset, deployment, none */
    bool exit_code_null[K3S_CMD_HOSTNAME + 1];
    bool dns_fails;
    bool boot_log;               /* k3s logs a line at the first inspect (default true) */
    cJSON *volumes;              /* {"<volume>": store document (+ "legacy_node", "images")} */
} k3s_config;

/* Parses the section (NULL = defaults). Returns 0, or -1 with *error naming the field. */
int k3s_config_parse(const cJSON *cluster, k3s_config *out, char **error);
void k3s_config_free(k3s_config *c);

#endif
