/* mockd_options.c: parsing openshell-mockd's arguments and reading the scenario file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mockd_options.h"
#include "osh_buf.h"
#include "osh_str.h"

const char mockd_usage[] =
    "usage: openshell-mockd --docker unix:///PATH/docker.sock [--docker tcp://HOST:PORT]...\n"
    "                       [--scenario FILE] [--kube http://127.0.0.1:PORT [--kubeconfig-out FILE]]\n"
    "                       [--kube https://127.0.0.1:PORT [--tls-cert FILE --tls-key FILE]]\n"
    "                       [--journal-entries N]\n"
    "Serves a mock world until SIGINT/SIGTERM: the mock Docker Engine with the k3s simulator,\n"
    "and with --kube the mock Kubernetes API of the simulated cluster. Prints \"docker: URL\"\n"
    "per endpoint, \"kube: URL\", then \"ready\". Port 0 picks a free port. --kubeconfig-out\n"
    "writes a kubeconfig for the API. With https:// the API is served over TLS with the PEM\n"
    "pair --tls-cert/--tls-key, or without them the public self-signed test certificate of\n"
    "fixtures/tls/ (127.0.0.1, localhost; never for real use); the kubeconfig then trusts\n"
    "that certificate. --journal-entries N keeps the last N requests per server in the\n"
    "journal (GET /_mock/journal; default 10000). Scenario format: docs/scenarios.md.\n";

/* --kube http(s)://127.0.0.1:PORT (the API listens on loopback only). */
static int parse_kube(const char *spec, mockd_options *o, char **error)
{
    const char *prefixes[] = {"http://127.0.0.1:", "http://localhost:", "https://127.0.0.1:",
                              "https://localhost:"};
    for (size_t i = 0; i < 4; i++) {
        if (!osh_str_starts_with(spec, prefixes[i]))
            continue;
        const char *digits = spec + strlen(prefixes[i]);
        char *end = NULL;
        long port = strtol(digits, &end, 10);
        if (*digits && end && (*end == '\0' || strcmp(end, "/") == 0) && port >= 0 && port <= 65535) {
            o->kube = true;
            o->kube_tls = i >= 2;
            o->kube_port = (int)port;
            return 0;
        }
    }
    *error = osh_str_printf("--kube %s: expected http://127.0.0.1:PORT or https://127.0.0.1:PORT", spec);
    return -1;
}

static int parse_endpoint(const char *spec, mockd_endpoint *e, char **error)
{
    memset(e, 0, sizeof *e);
    e->spec = osh_str_dup(spec);
    if (osh_str_starts_with(spec, "unix://") && spec[7]) {
        e->unix_path = osh_str_dup(spec + 7);
        return 0;
    }
    if (osh_str_starts_with(spec, "tcp://")) {
        const char *hp = spec + 6;
        const char *colon = strrchr(hp, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (colon && colon > hp && end && *end == '\0' && colon[1] && port >= 0 && port <= 65535) {
            bool bracketed = hp[0] == '[' && colon[-1] == ']'; /* tcp://[::1]:0 */
            e->host = bracketed ? osh_str_ndup(hp + 1, (size_t)(colon - hp) - 2)
                                : osh_str_ndup(hp, (size_t)(colon - hp));
            e->port = (int)port;
            return 0;
        }
    }
    *error = osh_str_printf("--docker %s: expected unix:///PATH or tcp://HOST:PORT", spec);
    return -1;
}

static int read_scenario(mockd_options *o, char **error)
{
    FILE *f = fopen(o->scenario_path, "rb");
    if (!f) {
        *error = osh_str_printf("%s: cannot read scenario: %s", o->scenario_path, strerror(errno));
        return -1;
    }
    osh_buf text = OSH_BUF_INIT;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        osh_buf_append(&text, buf, n);
    fclose(f);
    const char *end = NULL;
    o->scenario = cJSON_ParseWithLengthOpts(osh_buf_str(&text), text.len + 1, &end, true);
    if (!o->scenario || !cJSON_IsObject(o->scenario)) {
        size_t offset = end ? (size_t)(end - osh_buf_str(&text)) : 0;
        *error = o->scenario ? osh_str_printf("%s: invalid scenario: expected a JSON object", o->scenario_path)
                             : osh_str_printf("%s: invalid scenario: JSON syntax error at byte %zu",
                                              o->scenario_path, offset);
        osh_buf_free(&text);
        return -1;
    }
    osh_buf_free(&text);
    /* The world format: Docker objects under "docker"; other mocks' sections are theirs. */
    static const char *const known[] = {"docker", "cluster", "clusters", "kube", "defaults", "name",
                                        "description", "comment", NULL};
    for (const cJSON *k = o->scenario->child; k; k = k->next) {
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            ok = ok || strcmp(k->string, known[i]) == 0;
        if (!ok) {
            *error = osh_str_printf("%s: invalid scenario: %s: unknown field (Docker objects go "
                                    "under \"docker\", see docs/scenarios.md)", o->scenario_path, k->string);
            return -1;
        }
    }
    o->docker_scenario = cJSON_GetObjectItemCaseSensitive(o->scenario, "docker");
    return 0;
}

int mockd_options_parse(int argc, char **argv, mockd_options *o, char **error)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = true;
            return 0;
        }
        const char *value = NULL;
        bool docker = strcmp(a, "--docker") == 0, scenario = strcmp(a, "--scenario") == 0;
        bool kube = strcmp(a, "--kube") == 0, kubeconfig = strcmp(a, "--kubeconfig-out") == 0;
        bool cert = strcmp(a, "--tls-cert") == 0, key = strcmp(a, "--tls-key") == 0;
        bool journal = strcmp(a, "--journal-entries") == 0;
        if (osh_str_starts_with(a, "--journal-entries="))
            journal = true, value = a + 18;
        else if (osh_str_starts_with(a, "--docker="))
            docker = true, value = a + 9;
        else if (osh_str_starts_with(a, "--scenario="))
            scenario = true, value = a + 11;
        else if (osh_str_starts_with(a, "--kube="))
            kube = true, value = a + 7;
        else if (osh_str_starts_with(a, "--kubeconfig-out="))
            kubeconfig = true, value = a + 17;
        else if (osh_str_starts_with(a, "--tls-cert="))
            cert = true, value = a + 11;
        else if (osh_str_starts_with(a, "--tls-key="))
            key = true, value = a + 10;
        else if ((docker || scenario || kube || kubeconfig || cert || key || journal) && i + 1 < argc)
            value = argv[++i];
        if (!docker && !scenario && !kube && !kubeconfig && !cert && !key && !journal) {
            *error = osh_str_printf("unknown argument: %s", a);
            mockd_options_free(o);
            return 2;
        }
        if (!value) {
            *error = osh_str_printf("%s needs a value", a);
            mockd_options_free(o);
            return 2;
        }
        if (journal) {
            char *end = NULL;
            errno = 0;
            long n = strtol(value, &end, 10);
            if (errno || end == value || *end || n < 1 || n > 100000000) {
                *error = osh_str_printf("--journal-entries %s: expected a number from 1 to 100000000", value);
                mockd_options_free(o);
                return 2;
            }
            o->journal_entries = (size_t)n;
        } else if (cert || key) {
            char **slot = cert ? &o->tls_cert : &o->tls_key;
            free(*slot);
            *slot = osh_str_dup(value);
        } else if (kube || kubeconfig) {
            if (kubeconfig) {
                free(o->kubeconfig_out);
                o->kubeconfig_out = osh_str_dup(value);
            } else if (parse_kube(value, o, error) != 0) {
                mockd_options_free(o);
                return 2;
            }
        } else if (scenario) {
            free(o->scenario_path);
            o->scenario_path = osh_str_dup(value);
        } else if (o->endpoint_count == MOCKD_MAX_ENDPOINTS) {
            *error = osh_str_printf("at most %d --docker endpoints", MOCKD_MAX_ENDPOINTS);
            mockd_options_free(o);
            return 2;
        } else if (parse_endpoint(value, &o->endpoints[o->endpoint_count++], error) != 0) {
            mockd_options_free(o);
            return 2;
        }
    }
    if (o->endpoint_count == 0) {
        *error = osh_str_dup("at least one --docker endpoint is required");
        mockd_options_free(o);
        return 2;
    }
    if (o->kubeconfig_out && !o->kube) {
        *error = osh_str_dup("--kubeconfig-out needs --kube");
        mockd_options_free(o);
        return 2;
    }
    if ((o->tls_cert || o->tls_key) && !o->kube_tls) {
        *error = osh_str_dup("--tls-cert/--tls-key need --kube https://127.0.0.1:PORT");
        mockd_options_free(o);
        return 2;
    }
    if (!o->tls_cert != !o->tls_key) {
        *error = osh_str_printf("%s given without %s", o->tls_cert ? "--tls-cert" : "--tls-key",
                                o->tls_cert ? "--tls-key" : "--tls-cert");
        mockd_options_free(o);
        return 2;
    }
    if (!o->scenario_path) {
        o->scenario_path = osh_str_dup("(none)");
        o->scenario = cJSON_CreateObject();
        return 0;
    }
    if (read_scenario(o, error) != 0) {
        mockd_options_free(o);
        return 1;
    }
    return 0;
}

void mockd_options_free(mockd_options *o)
{
    for (size_t i = 0; i < o->endpoint_count; i++) {
        free(o->endpoints[i].spec);
        free(o->endpoints[i].unix_path);
        free(o->endpoints[i].host);
    }
    free(o->scenario_path);
    free(o->kubeconfig_out);
    free(o->tls_cert);
    free(o->tls_key);
    cJSON_Delete(o->scenario);
    memset(o, 0, sizeof *o);
}
