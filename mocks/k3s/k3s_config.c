/* k3s_config.c: parsing of the scenario's "cluster" section (see k3s_config.h). Unknown
 * keys are refused so that a typo never silently yields the default world. */
#include "k3s_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_json_check.h"
#include "osh_str.h"

/* The section's keys and their types, checked before anything is read; the readers below
 * check what a type cannot say (ranges, names, one-of rules). */
static const osh_json_field exit_fields[] = {
    {"at_inspect", OSH_JSON_NUMBER, false, NULL}, {"at_m1", OSH_JSON_NUMBER, false, NULL},
    {"code", OSH_JSON_NUMBER, false, NULL},       {"error", OSH_JSON_STRING, false, NULL},
    {"oom_killed", OSH_JSON_BOOL, false, NULL},   {NULL, 0, false, NULL}};
static const osh_json_field generate_fields[] = {
    {"prefix", OSH_JSON_STRING, true, NULL}, {"count", OSH_JSON_NUMBER, true, NULL}, {NULL, 0, false, NULL}};
static const osh_json_field log_fields[] = {
    {"at_inspect", OSH_JSON_NUMBER, false, NULL},
    {"at_start", OSH_JSON_BOOL, false, NULL},
    {"stream", OSH_JSON_NUMBER, false, NULL},
    {"line", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"lines", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"generate", OSH_JSON_OBJECT, false, generate_fields},
    {NULL, 0, false, NULL}};
static const osh_json_field marker_fields[] = {
    {"dns_probe_failed", OSH_JSON_BOOL, false, NULL},
    {"dns_failure", OSH_JSON_BOOL, false, NULL},
    {"node_pressure", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"missing_supervisor", OSH_JSON_BOOL, false, NULL},
    {"from_inspect", OSH_JSON_NUMBER, false, NULL},
    {"dns_host", OSH_JSON_STRING, false, NULL},
    {"repeat", OSH_JSON_BOOL, false, NULL},
    {NULL, 0, false, NULL}};
static const osh_json_field secret_fields[] = {
    {"after_m1", OSH_JSON_NUMBER, false, NULL},    {"never", OSH_JSON_BOOL, false, NULL},
    {"broken_key", OSH_JSON_STRING, false, NULL},  {"broken_value", OSH_JSON_STRING, false, NULL},
    {"missing_key", OSH_JSON_STRING, false, NULL}, {NULL, 0, false, NULL}};
static const osh_json_field cluster_fields[] = {
    {"containers", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"api_ready_after_s1", OSH_JSON_NUMBER | OSH_JSON_STRING, false, NULL},
    {"health", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"healthy_after_inspects", OSH_JSON_NUMBER, false, NULL},
    {"exit", OSH_JSON_OBJECT, false, exit_fields},
    {"logs", OSH_JSON_ARRAY, false, log_fields},
    {"markers", OSH_JSON_OBJECT, false, marker_fields},
    {"secret", OSH_JSON_OBJECT, false, secret_fields},
    {"workload", OSH_JSON_STRING, false, NULL},
    {"exit_code_null", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
    {"dns_fails", OSH_JSON_BOOL, false, NULL},
    {"boot_log", OSH_JSON_BOOL, false, NULL},
    {"volumes", OSH_JSON_OBJECT, false, NULL},
    {"comment", OSH_JSON_STRING, false, NULL},
    {NULL, 0, false, NULL}};

static int fail(char **error, const char *path, const char *what)
{
    *error = osh_str_printf("cluster.%s: %s", path, what);
    return -1;
}

/* Largest count a scenario may give: far beyond any test, and exactly representable as a
 * double, so the range check below is exact and the cast to long never overflows (1e300
 * would be undefined behaviour). */
#define K3S_CONFIG_MAX_COUNT 1000000000.0

/* A whole number in [0, max]; refuses fractions, negatives and huge values by name. */
static int number_in_range(const cJSON *v, const char *path, double max, long *out, char **error)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return fail(error, path, "expected a non-negative number");
    if (!(v->valuedouble <= max)) {
        char *what = osh_str_printf("out of range (at most %.0f)", max);
        fail(error, path, what);
        free(what);
        return -1;
    }
    long whole = (long)v->valuedouble;
    if ((double)whole != v->valuedouble)
        return fail(error, path, "expected a whole number");
    *out = whole;
    return 0;
}

static int get_long_max(const cJSON *obj, const char *key, const char *path, double max, long *out, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    return number_in_range(v, path, max, out, error);
}

static int get_long(const cJSON *obj, const char *key, const char *path, long *out, char **error)
{
    return get_long_max(obj, key, path, K3S_CONFIG_MAX_COUNT, out, error);
}

/* The getters below read values whose types cluster_fields has checked. */
static void get_bool(const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v)
        *out = cJSON_IsTrue(v);
}

static void get_string(const cJSON *obj, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return;
    free(*out);
    *out = osh_str_dup(v->valuestring);
}

/* A string or an array of strings. */
static void get_strings(const cJSON *v, char ***out, size_t *n)
{
    if (!v)
        return;
    *out = calloc((size_t)(cJSON_IsString(v) ? 1 : cJSON_GetArraySize(v)) + 1, sizeof(char *));
    if (cJSON_IsString(v)) {
        (*out)[(*n)++] = osh_str_dup(v->valuestring);
        return;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, v)
    (*out)[(*n)++] = osh_str_dup(s->valuestring);
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static int parse_logs(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    c->logs = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*c->logs));
    const cJSON *r;
    cJSON_ArrayForEach(r, v)
    {
        char path[64];
        snprintf(path, sizeof(path), "logs[%zu]", c->n_logs);
        k3s_log_rule *rule = &c->logs[c->n_logs++];
        rule->stream = 1;
        long stream = 1;
        get_bool(r, "at_start", &rule->at_start);
        if (get_long(r, "at_inspect", path, &rule->at_inspect, error) || get_long(r, "stream", path, &stream, error))
            return -1;
        rule->stream = stream == 2 ? 2 : 1;
        if (!rule->at_start && rule->at_inspect == 0)
            return fail(error, path, "needs at_inspect (>= 1) or at_start");
        const cJSON *line = cJSON_GetObjectItemCaseSensitive(r, "line");
        const cJSON *lines = cJSON_GetObjectItemCaseSensitive(r, "lines");
        const cJSON *gen = cJSON_GetObjectItemCaseSensitive(r, "generate");
        get_strings(line ? line : lines, &rule->lines, &rule->n_lines);
        if (gen) {
            const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(gen, "prefix");
            const cJSON *count = cJSON_GetObjectItemCaseSensitive(gen, "count");
            if (count->valueint < 1 || count->valueint > 100000)
                return fail(error, path, "generate needs {\"prefix\": string, \"count\": 1..100000}");
            size_t base = rule->n_lines;
            rule->lines = realloc(rule->lines, (base + (size_t)count->valueint) * sizeof(char *));
            for (int i = 0; i < count->valueint; i++)
                rule->lines[base + (size_t)i] = osh_str_printf("%s%d", prefix->valuestring, i + 1);
            rule->n_lines += (size_t)count->valueint;
        }
    }
    return 0;
}

static int parse_exit(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    long code = 137;
    if (get_long(v, "at_inspect", "exit.at_inspect", &c->exit_at_inspect, error) ||
        get_long(v, "at_m1", "exit.at_m1", &c->exit_at_m1, error) || get_long_max(v, "code", "exit.code", 255, &code, error))
        return -1;
    get_string(v, "error", &c->exit_error);
    get_bool(v, "oom_killed", &c->exit_oom_killed);
    if (c->exit_at_inspect == 0 && c->exit_at_m1 == 0)
        return fail(error, "exit", "needs at_inspect or at_m1 (>= 1)");
    c->exit_code = (int)code;
    return 0;
}

static int parse_markers(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    get_bool(v, "dns_probe_failed", &c->dns_probe_failed);
    get_bool(v, "dns_failure", &c->dns_failure);
    get_bool(v, "missing_supervisor", &c->missing_supervisor);
    get_bool(v, "repeat", &c->markers_repeat);
    get_string(v, "dns_host", &c->dns_host);
    get_strings(cJSON_GetObjectItemCaseSensitive(v, "node_pressure"), &c->pressure, &c->n_pressure);
    return get_long(v, "from_inspect", "markers.from_inspect", &c->markers_from_inspect, error);
}

static int parse_secret(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    get_bool(v, "never", &c->secret_never);
    get_string(v, "broken_key", &c->broken_key);
    get_string(v, "broken_value", &c->broken_value);
    get_string(v, "missing_key", &c->missing_key);
    return get_long(v, "after_m1", "secret.after_m1", &c->secret_after_m1, error);
}

static int parse_api_ready(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    if (cJSON_IsString(v) && strcmp(v->valuestring, "never") == 0) {
        c->api_ready_after_s1 = -1;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return fail(error, "api_ready_after_s1", "expected a non-negative number or \"never\"");
    return number_in_range(v, "api_ready_after_s1", K3S_CONFIG_MAX_COUNT, &c->api_ready_after_s1, error);
}

static int parse_exit_code_null(const cJSON *v, k3s_config *c, char **error)
{
    char **names = NULL;
    size_t n = 0;
    get_strings(v, &names, &n);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        k3s_command_kind k = k3s_command_kind_from_name(names[i]);
        if (k == K3S_CMD_OTHER && rc == 0)
            rc = fail(error, "exit_code_null", "expected command names such as S1, S2, S3, S4, M1, W1, W2, hostname");
        c->exit_code_null[k] = true;
    }
    free_strings(names, n);
    return rc;
}

int k3s_config_parse(const cJSON *cluster, k3s_config *c, char **error)
{
    memset(c, 0, sizeof(*c));
    c->healthy_after_inspects = 2;
    c->markers_from_inspect = 1;
    c->workload = osh_str_dup("statefulset");
    c->boot_log = true;
    *error = NULL;
    if (!cluster || cJSON_IsNull(cluster))
        return 0;
    if (osh_json_check(cluster, cluster_fields, "cluster", error) != OSH_JSON_OK)
        return -1;
    const cJSON *volumes = cJSON_GetObjectItemCaseSensitive(cluster, "volumes");
    get_strings(cJSON_GetObjectItemCaseSensitive(cluster, "containers"), &c->cluster_containers, &c->n_cluster_containers);
    get_strings(cJSON_GetObjectItemCaseSensitive(cluster, "health"), &c->health, &c->n_health);
    get_string(cluster, "workload", &c->workload);
    get_bool(cluster, "dns_fails", &c->dns_fails);
    get_bool(cluster, "boot_log", &c->boot_log);
    if (parse_api_ready(cJSON_GetObjectItemCaseSensitive(cluster, "api_ready_after_s1"), c, error) ||
        get_long(cluster, "healthy_after_inspects", "healthy_after_inspects", &c->healthy_after_inspects, error) ||
        parse_exit(cJSON_GetObjectItemCaseSensitive(cluster, "exit"), c, error) ||
        parse_logs(cJSON_GetObjectItemCaseSensitive(cluster, "logs"), c, error) ||
        parse_markers(cJSON_GetObjectItemCaseSensitive(cluster, "markers"), c, error) ||
        parse_secret(cJSON_GetObjectItemCaseSensitive(cluster, "secret"), c, error) ||
        parse_exit_code_null(cJSON_GetObjectItemCaseSensitive(cluster, "exit_code_null"), c, error))
        return -1;
    for (size_t i = 0; i < c->n_health; i++) {
        const char *h = c->health[i];
        if (strcmp(h, "starting") != 0 && strcmp(h, "healthy") != 0 && strcmp(h, "unhealthy") != 0) {
            char *p = osh_str_printf("health[%zu]", i);
            fail(error, p, "expected starting, healthy or unhealthy");
            free(p);
            return -1;
        }
    }
    if (strcmp(c->workload, "statefulset") != 0 && strcmp(c->workload, "deployment") != 0 && strcmp(c->workload, "none") != 0)
        return fail(error, "workload", "expected statefulset, deployment or none");
    c->volumes = volumes ? cJSON_Duplicate(volumes, true) : NULL;
    return 0;
}

void k3s_config_free(k3s_config *c)
{
    free_strings(c->cluster_containers, c->n_cluster_containers);
    free_strings(c->health, c->n_health);
    free(c->exit_error);
    for (size_t i = 0; i < c->n_logs; i++)
        free_strings(c->logs[i].lines, c->logs[i].n_lines);
    free(c->logs);
    free_strings(c->pressure, c->n_pressure);
    free(c->dns_host);
    free(c->broken_key);
    free(c->broken_value);
    free(c->missing_key);
    free(c->workload);
    cJSON_Delete(c->volumes);
    memset(c, 0, sizeof(*c));
}
