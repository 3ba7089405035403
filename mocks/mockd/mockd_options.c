/* mockd_options.c: parsing openshell-mockd's arguments and reading the scenario file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "mockd_options.h"
#include "osh_args.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

enum mockd_flag {
    FLAG_DOCKER, FLAG_SCENARIO, FLAG_KUBE, FLAG_KUBECONFIG_OUT, FLAG_TLS_CERT, FLAG_TLS_KEY,
    FLAG_AGENT_SANDBOX, FLAG_RECORD, FLAG_UPSTREAM, FLAG_NO_REDACT, FLAG_REPLAY, FLAG_REPLAY_TIMING,
    FLAG_JOURNAL_ENTRIES, FLAG_TO_SCENARIO, FLAG_HELP, FLAG_VERSION
};

/* The command line, read top to bottom; --help prints it. */
static const osh_arg_flag mockd_flags[] = {
    {"--docker", NULL, "URL", FLAG_DOCKER, "a Docker endpoint to serve: unix:///PATH or tcp://HOST:PORT\n(repeatable)"},
    {"--scenario", NULL, "FILE", FLAG_SCENARIO, "the world to serve (format: docs/scenarios.md; default: {})"},
    {"--kube", NULL, "URL", FLAG_KUBE, "also serve the Kubernetes API on http://127.0.0.1:PORT, or over\n"
                                       "TLS on https://127.0.0.1:PORT"},
    {"--kubeconfig-out", NULL, "FILE", FLAG_KUBECONFIG_OUT, "write a kubeconfig for that API (trusting its certificate)"},
    {"--tls-cert", NULL, "FILE", FLAG_TLS_CERT, "the PEM certificate for https (with --tls-key); without both,\n"
                                                "the public self-signed test pair of fixtures/tls/ (127.0.0.1,\n"
                                                "localhost; never for real use)"},
    {"--tls-key", NULL, "FILE", FLAG_TLS_KEY, "the PEM key for https (with --tls-cert)"},
    {"--agent-sandbox", NULL, "REL", FLAG_AGENT_SANDBOX, "the agent-sandbox release the API serves: 0.1, 0.5 (default),\n"
                                                          "1.0 or none (a scenario's kube.agent_sandbox wins)"},
    {"--record", NULL, "FILE", FLAG_RECORD, "serve a transparent proxy in front of --upstream instead of a\n"
                                            "mock world, writing every exchange to FILE (prints\n"
                                            "\"recording: FILE\" before \"ready\"; format: docs/recording.md)"},
    {"--upstream", NULL, "URL", FLAG_UPSTREAM, "the real daemon behind --record: unix:///PATH or tcp://HOST:PORT"},
    {"--no-redact", NULL, NULL, FLAG_NO_REDACT, "with --record, keep private keys, registry auth and credential\n"
                                                "env values (redacted by default)"},
    {"--replay", NULL, "FILE", FLAG_REPLAY, "answer each request with the recorded answer of the matching\n"
                                           "exchange (GET /_mock/replay tells what was consumed)"},
    {"--replay-timing", NULL, "MODE", FLAG_REPLAY_TIMING, "compressed (default) or real: the pace of replayed streams"},
    {"--journal-entries", NULL, "N", FLAG_JOURNAL_ENTRIES, "keep the last N requests per server in the journal\n"
                                                            "(GET /_mock/journal; default 10000)"},
    {"--recording-to-scenario", NULL, "FILE", FLAG_TO_SCENARIO, "print a world scenario reproducing the recording, and exit"},
    {"--help", "-h", NULL, FLAG_HELP, "print this help and exit"},
    {"--version", NULL, NULL, FLAG_VERSION, "print the version and exit"},
    OSH_ARGS_END};

static const osh_args_texts mockd_texts = {"unknown argument: %s", "%s needs a value", "%s takes no value"};

/* The option column of --help. */
#define MOCKD_HELP_COLUMN 26

char *mockd_usage(void)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "%s",
                    "Usage: openshell-mockd --docker URL... [--scenario FILE] [--kube URL [--kubeconfig-out FILE]]\n"
                    "\n"
                    "Serves a mock world until SIGINT/SIGTERM: the mock Docker Engine with the k3s simulator,\n"
                    "and with --kube the mock Kubernetes API of the simulated cluster. Prints \"docker: URL\"\n"
                    "per endpoint, \"kube: URL\", then \"ready\". Port 0 picks a free port.\n"
                    "\n"
                    "Options:\n");
    osh_args_help(&b, mockd_flags, MOCKD_HELP_COLUMN);
    return osh_buf_detach(&b);
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
    if (!o->scenario) {
        *error = osh_str_printf("%s: invalid scenario: JSON syntax error at byte %zu", o->scenario_path,
                                end ? (size_t)(end - text) : 0);
        free(text);
        return -1;
    }
    free(text);
    /* Its shape is checked by mock_world_new(), the one validator of the world format. */
    return 0;
}

/* A flag's value into o; 0 or -1 with *error. */
static int set_value(mockd_options *o, int id, const char *value, char **error)
{
    long n = 0;
    char **slot = NULL;
    switch (id) {
    case FLAG_DOCKER:
        if (o->endpoint_count == MOCKD_MAX_ENDPOINTS) {
            *error = osh_str_printf("at most %d --docker endpoints", MOCKD_MAX_ENDPOINTS);
            return -1;
        }
        return parse_endpoint(value, &o->endpoints[o->endpoint_count++], error);
    case FLAG_KUBE: return parse_kube(value, o, error);
    case FLAG_AGENT_SANDBOX:
        if (!agent_sandbox_release_known(value)) {
            *error = osh_str_printf("--agent-sandbox: unknown release \"%s\" (expected 0.1, 0.5, 1.0 or none)", value);
            return -1;
        }
        slot = &o->agent_sandbox;
        break;
    case FLAG_REPLAY_TIMING:
        if (strcmp(value, "real") != 0 && strcmp(value, "compressed") != 0) {
            *error = osh_str_printf("--replay-timing %s: expected compressed or real", value);
            return -1;
        }
        o->replay_timing_real = strcmp(value, "real") == 0;
        return 0;
    case FLAG_JOURNAL_ENTRIES:
        if (osh_args_int(value, 1, 100000000, &n) != 0) {
            *error = osh_str_printf("--journal-entries %s: expected a number from 1 to 100000000", value);
            return -1;
        }
        o->journal_entries = (size_t)n;
        return 0;
    case FLAG_SCENARIO: slot = &o->scenario_path; break;
    case FLAG_KUBECONFIG_OUT: slot = &o->kubeconfig_out; break;
    case FLAG_TLS_CERT: slot = &o->tls_cert; break;
    case FLAG_TLS_KEY: slot = &o->tls_key; break;
    case FLAG_RECORD: slot = &o->record_file; break;
    case FLAG_UPSTREAM: slot = &o->upstream; break;
    case FLAG_REPLAY: slot = &o->replay_file; break;
    case FLAG_TO_SCENARIO: slot = &o->to_scenario_file; break;
    default: return 0;
    }
    free(*slot);
    *slot = osh_str_dup(value);
    return 0;
}

/* The flags in order into o; --help or --version ends the reading. 0 or -1 with *error. */
static int read_flags(int argc, char **argv, mockd_options *o, char **error)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (argv[i][0] != '-') {
            *error = osh_str_printf(mockd_texts.unknown, argv[i]);
            return -1;
        }
        const osh_arg_flag *f = osh_args_take(argc, argv, &i, mockd_flags, &mockd_texts, &value, error);
        if (!f)
            return -1;
        if (f->id == FLAG_HELP || f->id == FLAG_VERSION) {
            o->help = f->id == FLAG_HELP;
            o->version = f->id == FLAG_VERSION;
            return 0;
        }
        if (f->id == FLAG_NO_REDACT)
            o->no_redact = true;
        else if (set_value(o, f->id, value, error) != 0)
            return -1;
    }
    return 0;
}

/* What the flags need of each other; NULL or the complaint. */
static char *check_combinations(const mockd_options *o)
{
    char *bad = check_record_flags(o, o->scenario_path != NULL);
    if (bad || o->to_scenario_file)
        return bad;
    if (o->endpoint_count == 0)
        return osh_str_dup("at least one --docker endpoint is required");
    if (o->kubeconfig_out && !o->kube)
        return osh_str_dup("--kubeconfig-out needs --kube");
    if ((o->tls_cert || o->tls_key) && !o->kube_tls)
        return osh_str_dup("--tls-cert/--tls-key need --kube https://127.0.0.1:PORT");
    if (!o->tls_cert != !o->tls_key)
        return osh_str_printf("%s given without %s", o->tls_cert ? "--tls-cert" : "--tls-key",
                              o->tls_cert ? "--tls-key" : "--tls-cert");
    return NULL;
}

int mockd_options_parse(int argc, char **argv, mockd_options *o, char **error)
{
    memset(o, 0, sizeof *o);
    if (read_flags(argc, argv, o, error) != 0 || (!o->help && !o->version && (*error = check_combinations(o)))) {
        mockd_options_free(o);
        return 2;
    }
    if (o->help || o->version || o->to_scenario_file)
        return 0;
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
