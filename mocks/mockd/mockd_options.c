/* mockd_options.c: parsing openshell-mockd's arguments and reading the scenario file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "mockd_options.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

const char mockd_usage[] =
    "Usage: openshell-mockd --docker URL... [--scenario FILE] [--kube URL [--kubeconfig-out FILE]]\n"
    "\n"
    "Serves a mock world until SIGINT/SIGTERM: the mock Docker Engine with the k3s simulator,\n"
    "and with --kube the mock Kubernetes API of the simulated cluster. Prints \"docker: URL\"\n"
    "per endpoint, \"kube: URL\", then \"ready\". Port 0 picks a free port.\n"
    "\n"
    "Options:\n"
    "  --docker URL            a Docker endpoint to serve: unix:///PATH or tcp://HOST:PORT\n"
    "                          (repeatable)\n"
    "  --scenario FILE         the world to serve (format: docs/scenarios.md; default: {})\n"
    "  --kube URL              also serve the Kubernetes API on http://127.0.0.1:PORT, or over\n"
    "                          TLS on https://127.0.0.1:PORT\n"
    "  --kubeconfig-out FILE   write a kubeconfig for that API (trusting its certificate)\n"
    "  --tls-cert FILE         the PEM certificate for https (with --tls-key); without both,\n"
    "                          the public self-signed test pair of fixtures/tls/ (127.0.0.1,\n"
    "                          localhost; never for real use)\n"
    "  --tls-key FILE          the PEM key for https (with --tls-cert)\n"
    "  --agent-sandbox REL     the agent-sandbox release the API serves: 0.1, 0.5 (default),\n"
    "                          1.0 or none (a scenario's kube.agent_sandbox wins)\n"
    "  --record FILE           serve a transparent proxy in front of --upstream instead of a\n"
    "                          mock world, writing every exchange to FILE (prints\n"
    "                          \"recording: FILE\" before \"ready\"; format: docs/recording.md)\n"
    "  --upstream URL          the real daemon behind --record: unix:///PATH or tcp://HOST:PORT\n"
    "  --no-redact             with --record, keep private keys, registry auth and credential\n"
    "                          env values (redacted by default)\n"
    "  --replay FILE           answer each request with the recorded answer of the matching\n"
    "                          exchange (GET /_mock/replay tells what was consumed)\n"
    "  --replay-timing MODE    compressed (default) or real: the pace of replayed streams\n"
    "  --journal-entries N     keep the last N requests per server in the journal\n"
    "                          (GET /_mock/journal; default 10000)\n"
    "  --recording-to-scenario FILE\n"
    "                          print a world scenario reproducing the recording, and exit\n"
    "  --help                  print this help and exit\n"
    "  --version               print the version and exit\n";

/* The record/replay flags. Returns 1 when argv[*i] was one of them (value taken), 0 when
 * not, -1 on a missing value. */
static int parse_record_flag(int argc, char **argv, int *i, mockd_options *o, char **error)
{
    static const char *const names[] = {"--record", "--upstream", "--replay", "--replay-timing",
                                        "--recording-to-scenario", NULL};
    const char *a = argv[*i];
    if (strcmp(a, "--no-redact") == 0) {
        o->no_redact = true;
        return 1;
    }
    for (size_t k = 0; names[k]; k++) {
        size_t n = strlen(names[k]);
        const char *value = NULL;
        if (strncmp(a, names[k], n) == 0 && a[n] == '=')
            value = a + n + 1;
        else if (strcmp(a, names[k]) == 0 && *i + 1 < argc)
            value = argv[++*i];
        else if (strcmp(a, names[k]) != 0)
            continue;
        if (!value) {
            *error = osh_str_printf("%s needs a value", a);
            return -1;
        }
        char **slots[] = {&o->record_file, &o->upstream, &o->replay_file, NULL, &o->to_scenario_file};
        if (k == 3) {
            if (strcmp(value, "real") != 0 && strcmp(value, "compressed") != 0) {
                *error = osh_str_printf("--replay-timing %s: expected compressed or real", value);
                return -1;
            }
            o->replay_timing_real = strcmp(value, "real") == 0;
            return 1;
        }
        free(*slots[k]);
        *slots[k] = osh_str_dup(value);
        return 1;
    }
    return 0;
}

/* Which combinations make sense; NULL or the complaint. */
static char *check_record_flags(const mockd_options *o, bool scenario_given)
{
    int modes = (o->record_file != NULL) + (o->replay_file != NULL) + (o->to_scenario_file != NULL);
    if (modes > 1)
        return osh_str_dup("--record, --replay and --recording-to-scenario exclude each other");
    if (o->upstream && !o->record_file)
        return osh_str_dup("--upstream needs --record");
    if (o->record_file && !o->upstream)
        return osh_str_dup("--record needs --upstream unix:///PATH or tcp://HOST:PORT (the real daemon)");
    if (o->no_redact && !o->record_file)
        return osh_str_dup("--no-redact needs --record");
    if (modes && (scenario_given || o->kube))
        return osh_str_dup("--scenario and --kube serve a mock world; they do not go with --record, "
                           "--replay or --recording-to-scenario");
    return NULL;
}

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
    const char *path = osh_str_after(spec, "unix://"), *hp = osh_str_after(spec, "tcp://");
    if (path && *path) {
        e->unix_path = osh_str_dup(path);
        return 0;
    }
    if (hp) {
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

/* A world scenario is a few KiB; the limit only stops a mistaken path (/dev/zero). */
#define MOCKD_SCENARIO_FILE_MAX ((size_t)64 * 1024 * 1024)

static int read_scenario(mockd_options *o, char **error)
{
    char *why = NULL;
    size_t len = 0;
    char *text = osh_file_read(o->scenario_path, MOCKD_SCENARIO_FILE_MAX, &len, &why);
    if (!text) {
        *error = errno == EFBIG ? osh_str_printf("%s: cannot read scenario: larger than %zu bytes",
                                                 o->scenario_path, MOCKD_SCENARIO_FILE_MAX)
                                : osh_str_printf("%s: cannot read scenario: %s", o->scenario_path, strerror(errno));
        free(why);
        return -1;
    }
    const char *end = NULL;
    o->scenario = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (!o->scenario || !cJSON_IsObject(o->scenario)) {
        size_t offset = end ? (size_t)(end - text) : 0;
        *error = o->scenario ? osh_str_printf("%s: invalid scenario: expected a JSON object", o->scenario_path)
                             : osh_str_printf("%s: invalid scenario: JSON syntax error at byte %zu",
                                              o->scenario_path, offset);
        free(text);
        return -1;
    }
    free(text);
    /* Its keys are checked by mock_world_new(), the one validator of the world format. */
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
        if (strcmp(a, "--version") == 0) {
            o->version = true;
            return 0;
        }
        int taken = parse_record_flag(argc, argv, &i, o, error);
        if (taken < 0) {
            mockd_options_free(o);
            return 2;
        }
        if (taken)
            continue;
        const char *value = NULL;
        bool docker = strcmp(a, "--docker") == 0, scenario = strcmp(a, "--scenario") == 0;
        bool kube = strcmp(a, "--kube") == 0, kubeconfig = strcmp(a, "--kubeconfig-out") == 0;
        bool cert = strcmp(a, "--tls-cert") == 0, key = strcmp(a, "--tls-key") == 0;
        bool release = strcmp(a, "--agent-sandbox") == 0;
        bool journal = strcmp(a, "--journal-entries") == 0;
        if ((value = osh_str_after(a, "--agent-sandbox=")))
            release = true;
        else if ((value = osh_str_after(a, "--journal-entries=")))
            journal = true;
        else if ((value = osh_str_after(a, "--docker=")))
            docker = true;
        else if ((value = osh_str_after(a, "--scenario=")))
            scenario = true;
        else if ((value = osh_str_after(a, "--kube=")))
            kube = true;
        else if ((value = osh_str_after(a, "--kubeconfig-out=")))
            kubeconfig = true;
        else if ((value = osh_str_after(a, "--tls-cert=")))
            cert = true;
        else if ((value = osh_str_after(a, "--tls-key=")))
            key = true;
        else if ((docker || scenario || kube || kubeconfig || cert || key || release || journal) && i + 1 < argc)
            value = argv[++i];
        if (!docker && !scenario && !kube && !kubeconfig && !cert && !key && !release && !journal) {
            *error = osh_str_printf("unknown argument: %s", a);
            mockd_options_free(o);
            return 2;
        }
        if (!value) {
            *error = osh_str_printf("%s needs a value", a);
            mockd_options_free(o);
            return 2;
        }
        if (release && !agent_sandbox_release_known(value)) {
            *error = osh_str_printf("--agent-sandbox: unknown release \"%s\" (expected 0.1, 0.5, 1.0 or none)", value);
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
        } else if (cert || key || release) {
            char **slot = release ? &o->agent_sandbox : cert ? &o->tls_cert : &o->tls_key;
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
    char *bad = check_record_flags(o, o->scenario_path != NULL);
    if (bad) {
        *error = bad;
        mockd_options_free(o);
        return 2;
    }
    if (o->to_scenario_file)
        return 0;
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
    free(o->agent_sandbox);
    free(o->record_file);
    free(o->upstream);
    free(o->replay_file);
    free(o->to_scenario_file);
    cJSON_Delete(o->scenario);
    memset(o, 0, sizeof *o);
}
