/* docker_endpoint.c: where the Docker daemon is: DOCKER_HOST (rules §3.6) or an ssh
 * destination for --remote (rules §4.11). */
#include "docker_client.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

static int unsupported(const char *value, gw_error *err)
{
    return gw_fail(err, GW_E_INVALID, "unsupported DOCKER_HOST scheme: '%s' (expected unix:///path or tcp://host:port)",
                   value);
}

static int parse_tcp(const char *value, const char *rest, docker_endpoint *ep, gw_error *err)
{
    size_t auth_len = strcspn(rest, "/");
    if (auth_len == 0)
        return unsupported(value, err);
    char *authority = osh_str_ndup(rest, auth_len);
    /* A port is required by curl's URL; dockerd's default plain-TCP port is 2375. */
    const char *close = strrchr(authority, ']');
    const char *colon = strrchr(authority, ':');
    if (!colon || (close && colon < close)) {
        ep->address = osh_str_printf("%s:2375", authority);
        free(authority);
    } else {
        ep->address = authority;
    }
    ep->transport = DOCKER_TRANSPORT_TCP;
    return 0;
}

int docker_endpoint_parse(const char *docker_host, docker_endpoint *ep, gw_error *err)
{
    memset(ep, 0, sizeof(*ep));
    char *value = osh_str_trim_dup(docker_host ? docker_host : "");
    int rc = 0;
    if (!*value) {
        ep->transport = DOCKER_TRANSPORT_UNIX;
        ep->address = osh_str_dup(DOCKER_DEFAULT_SOCKET);
    } else if (osh_str_starts_with(value, "unix://")) {
        const char *path = value + strlen("unix://");
        if (!*path)
            rc = unsupported(value, err);
        else {
            ep->transport = DOCKER_TRANSPORT_UNIX;
            ep->address = osh_str_dup(path);
        }
    } else if (osh_str_starts_with(value, "tcp://")) {
        rc = parse_tcp(value, value + strlen("tcp://"), ep, err);
    } else {
        rc = unsupported(value, err);
    }
    free(value);
    return rc;
}

static size_t count_digits_suffix(const char *s)
{
    size_t len = strlen(s), n = 0;
    while (n < len && s[len - 1 - n] >= '0' && s[len - 1 - n] <= '9')
        n++;
    return n;
}

int docker_endpoint_ssh(const char *dest, const char *ssh_key, docker_endpoint *ep, gw_error *err)
{
    memset(ep, 0, sizeof(*ep));
    const char *d = dest ? dest : "";
    if (osh_str_starts_with(d, "ssh://"))
        d += strlen("ssh://");
    if (!*d)
        return gw_fail(err, GW_E_INVALID, "remote destination is empty");
    char *host = osh_str_dup(d);
    char *port = NULL;
    size_t digits = count_digits_suffix(host);
    size_t len = strlen(host);
    if (digits > 0 && digits < len && host[len - digits - 1] == ':') {
        port = osh_str_dup(host + len - digits);
        host[len - digits - 1] = '\0';
    }
    char **argv = calloc(12, sizeof(char *));
    if (!argv)
        abort();
    int n = 0;
    argv[n++] = osh_str_dup("ssh");
    if (ssh_key && *ssh_key) {
        argv[n++] = osh_str_dup("-i");
        argv[n++] = osh_str_dup(ssh_key);
    }
    if (port) {
        argv[n++] = osh_str_dup("-p");
        argv[n++] = port;
    }
    argv[n++] = osh_str_dup("-T");
    argv[n++] = osh_str_dup("--");
    argv[n++] = osh_str_dup(host);
    argv[n++] = osh_str_dup("docker");
    argv[n++] = osh_str_dup("system");
    argv[n++] = osh_str_dup("dial-stdio");
    ep->transport = DOCKER_TRANSPORT_SSH;
    ep->address = host;
    ep->ssh_argv = argv;
    return 0;
}

/* 0 when text is all digits with a value in [min, max] (stored in *out), else -1. */
static int bounded_integer(const char *text, long min, long max, long *out)
{
    long value = 0;
    if (!*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || value > max)
            return -1;
        value = value * 10 + (*p - '0');
    }
    if (value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int docker_bounds_from_env(docker_bounds *b, gw_error *err)
{
    b->request_ms = b->idle_ms = DOCKER_REQUEST_MS_DEFAULT;
    b->transfer_ms = DOCKER_TRANSFER_MS_DEFAULT;
    const char *ms = getenv("OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS");
    const char *secs = getenv("OPENSHELL_DOCKER_TIMEOUT_SECS");
    long v;
    if (ms) {
        if (bounded_integer(ms, 1, 600000, &v) != 0)
            return gw_fail(err, GW_E_INVALID, "invalid OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS '%s': "
                           "expected an integer from 1 to 600000 (milliseconds)", ms);
        b->request_ms = b->idle_ms = v;
    }
    if (secs) {
        if (bounded_integer(secs, 1, 2147483647L, &v) != 0)
            return gw_fail(err, GW_E_INVALID, "invalid OPENSHELL_DOCKER_TIMEOUT_SECS '%s': "
                           "expected a positive integer (seconds)", secs);
        b->transfer_ms = v * 1000;
    }
    return 0;
}

void docker_endpoint_free(docker_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->address);
    if (ep->ssh_argv) {
        for (char **a = ep->ssh_argv; *a; a++)
            free(*a);
        free(ep->ssh_argv);
    }
    memset(ep, 0, sizeof(*ep));
}
