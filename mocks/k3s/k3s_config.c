/* k3s_config.c: parsing of the scenario's "cluster" section (see k3s_config.h). Unknown
 * keys are refused so that a typo never silently yields the default world. */
#include "k3s_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

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

static int get_bool(const cJSON *obj, const char *key, const char *path, bool *out, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return fail(error, path, "expected true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_string(const cJSON *obj, const char *key, const char *path, char **out, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    if (!cJSON_IsString(v))
        return fail(error, path, "expected string");
    free(*out);
    *out = osh_str_dup(v->valuestring);
    return 0;
}

/* A string or an array of strings. */
static int get_strings(const cJSON *v, const char *path, char ***out, size_t *n, char **error)
{
    if (!v)
        return 0;
    if (cJSON_IsString(v)) {
        *out = calloc(1, sizeof(char *));
        (*out)[0] = osh_str_dup(v->valuestring);
        *n = 1;
        return 0;
    }
    if (!cJSON_IsArray(v))
        return fail(error, path, "expected string or array of strings");
    *out = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
    size_t i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, v)
    {
        if (!cJSON_IsString(s)) {
            char *p = osh_str_printf("%s[%zu]", path, i);
            fail(error, p, "expected string");
            free(p);
            *n = i;
            return -1;
        }
        (*out)[i++] = osh_str_dup(s->valuestring);
    }
    *n = i;
    return 0;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static bool only_keys(const cJSON *obj, const char *const *keys, const char *path, char **error)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, obj)
    {
        bool ok = false;
        for (size_t i = 0; keys[i]; i++)
            ok = ok || strcmp(keys[i], k->string) == 0;
        if (!ok) {
            char *p = path ? osh_str_printf("%s.%s", path, k->string) : osh_str_dup(k->string);
            fail(error, p, "unknown key");
            free(p);
            return false;
        }
    }
    return true;
}

static int parse_logs(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return fail(error, "logs", "expected array");
    c->logs = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*c->logs));
    const cJSON *r;
    cJSON_ArrayForEach(r, v)
    {
        char path[64];
        snprintf(path, sizeof(path), "logs[%zu]", c->n_logs);
        k3s_log_rule *rule = &c->logs[c->n_logs++];
        rule->stream = 1;
        const char *keys[] = {"at_inspect", "at_start", "stream", "line", "lines", "generate", NULL};
        if (!cJSON_IsObject(r))
            return fail(error, path, "expected object");
        if (!only_keys(r, keys, path, error))
            return -1;
        long stream = 1;
        if (get_long(r, "at_inspect", path, &rule->at_inspect, error) || get_bool(r, "at_start", path, &rule->at_start, error) ||
            get_long(r, "stream", path, &stream, error))
            return -1;
        rule->stream = stream == 2 ? 2 : 1;
        if (!rule->at_start && rule->at_inspect == 0)
            return fail(error, path, "needs at_inspect (>= 1) or at_start");
        const cJSON *line = cJSON_GetObjectItemCaseSensitive(r, "line");
        const cJSON *lines = cJSON_GetObjectItemCaseSensitive(r, "lines");
        const cJSON *gen = cJSON_GetObjectItemCaseSensitive(r, "generate");
        if (get_strings(line ? line : lines, path, &rule->lines, &rule->n_lines, error))
            return -1;
        if (gen) {
            const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(gen, "prefix");
            const cJSON *count = cJSON_GetObjectItemCaseSensitive(gen, "count");
            if (!cJSON_IsString(prefix) || !cJSON_IsNumber(count) || count->valueint < 1 || count->valueint > 100000)
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
    const char *keys[] = {"at_inspect", "at_m1", "code", "error", "oom_killed", NULL};
    if (!cJSON_IsObject(v))
        return fail(error, "exit", "expected object");
    if (!only_keys(v, keys, "exit", error))
        return -1;
    long code = 137;
    if (get_long(v, "at_inspect", "exit.at_inspect", &c->exit_at_inspect, error) ||
        get_long(v, "at_m1", "exit.at_m1", &c->exit_at_m1, error) || get_long_max(v, "code", "exit.code", 255, &code, error) ||
        get_string(v, "error", "exit.error", &c->exit_error, error) ||
        get_bool(v, "oom_killed", "exit.oom_killed", &c->exit_oom_killed, error))
        return -1;
    if (c->exit_at_inspect == 0 && c->exit_at_m1 == 0)
        return fail(error, "exit", "needs at_inspect or at_m1 (>= 1)");
    c->exit_code = (int)code;
    return 0;
}

static int parse_markers(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    const char *keys[] = {"dns_probe_failed", "dns_failure", "node_pressure", "missing_supervisor", "from_inspect",
                          "dns_host", "repeat", NULL};
    if (!cJSON_IsObject(v))
        return fail(error, "markers", "expected object");
    if (!only_keys(v, keys, "markers", error))
        return -1;
    if (get_bool(v, "dns_probe_failed", "markers.dns_probe_failed", &c->dns_probe_failed, error) ||
        get_bool(v, "dns_failure", "markers.dns_failure", &c->dns_failure, error) ||
        get_bool(v, "missing_supervisor", "markers.missing_supervisor", &c->missing_supervisor, error) ||
        get_long(v, "from_inspect", "markers.from_inspect", &c->markers_from_inspect, error) ||
        get_bool(v, "repeat", "markers.repeat", &c->markers_repeat, error) ||
        get_string(v, "dns_host", "markers.dns_host", &c->dns_host, error) ||
        get_strings(cJSON_GetObjectItemCaseSensitive(v, "node_pressure"), "markers.node_pressure", &c->pressure,
                    &c->n_pressure, error))
        return -1;
    return 0;
}

static int parse_secret(const cJSON *v, k3s_config *c, char **error)
{
    if (!v)
        return 0;
    const char *keys[] = {"after_m1", "never", "broken_key", "broken_value", "missing_key", NULL};
    if (!cJSON_IsObject(v))
        return fail(error, "secret", "expected object");
    if (!only_keys(v, keys, "secret", error))
        return -1;
    if (get_long(v, "after_m1", "secret.after_m1", &c->secret_after_m1, error) ||
        get_bool(v, "never", "secret.never", &c->secret_never, error) ||
        get_string(v, "broken_key", "secret.broken_key", &c->broken_key, error) ||
        get_string(v, "broken_value", "secret.broken_value", &c->broken_value, error) ||
        get_string(v, "missing_key", "secret.missing_key", &c->missing_key, error))
        return -1;
    return 0;
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
    if (get_strings(v, "exit_code_null", &names, &n, error))
        return -1;
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
    if (!cJSON_IsObject(cluster)) {
        *error = osh_str_dup("cluster: expected object");
        return -1;
    }
    const char *keys[] = {"containers", "api_ready_after_s1", "health", "healthy_after_inspects", "exit", "logs",
                          "markers", "secret", "workload", "exit_code_null", "dns_fails", "boot_log", "volumes", "comment", NULL};
    if (!only_keys(cluster, keys, NULL, error))
        return -1;
    const cJSON *health = cJSON_GetObjectItemCaseSensitive(cluster, "health");
    const cJSON *volumes = cJSON_GetObjectItemCaseSensitive(cluster, "volumes");
    if (get_strings(cJSON_GetObjectItemCaseSensitive(cluster, "containers"), "containers", &c->cluster_containers,
                    &c->n_cluster_containers, error) ||
        parse_api_ready(cJSON_GetObjectItemCaseSensitive(cluster, "api_ready_after_s1"), c, error) ||
        get_strings(health, "health", &c->health, &c->n_health, error) ||
        get_long(cluster, "healthy_after_inspects", "healthy_after_inspects", &c->healthy_after_inspects, error) ||
        parse_exit(cJSON_GetObjectItemCaseSensitive(cluster, "exit"), c, error) ||
        parse_logs(cJSON_GetObjectItemCaseSensitive(cluster, "logs"), c, error) ||
        parse_markers(cJSON_GetObjectItemCaseSensitive(cluster, "markers"), c, error) ||
        parse_secret(cJSON_GetObjectItemCaseSensitive(cluster, "secret"), c, error) ||
        get_string(cluster, "workload", "workload", &c->workload, error) ||
        parse_exit_code_null(cJSON_GetObjectItemCaseSensitive(cluster, "exit_code_null"), c, error) ||
        get_bool(cluster, "dns_fails", "dns_fails", &c->dns_fails, error) ||
        get_bool(cluster, "boot_log", "boot_log", &c->boot_log, error))
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
    if (volumes && !cJSON_IsObject(volumes))
        return fail(error, "volumes", "expected object (volume name -> cluster state)");
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
