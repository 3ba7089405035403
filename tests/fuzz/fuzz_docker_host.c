/* fuzz_docker_host.c: DOCKER_HOST values and --remote destinations (docker_client.h), and the
 * TLS SAN derivation from them (gw_spec.h, rules §4.6). Invariants: a refusal names the
 * DOCKER_HOST problem; a local SAN host is never empty, loopback, or holds '/'. */
#include <stdio.h>

#include "docker_client.h"
#include "fuzz_util.h"
#include "gw_internal.h"
#include "gw_spec.h"

static void check_docker_host(const char *value)
{
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    if (docker_endpoint_parse(value, &ep, &err) == 0) {
        FUZZ_CHECK(ep.address != NULL);
        docker_endpoint_free(&ep);
    } else {
        FUZZ_CHECK(err.message && strstr(err.message, "DOCKER_HOST"));
    }
    gw_error_clear(&err);

    char *host = gw_local_host_from_docker_host(value);
    if (host) {
        FUZZ_CHECK(*host && !strchr(host, '/') && strcmp(host, "localhost") != 0 && strcmp(host, "127.0.0.1") != 0 &&
                   strcmp(host, "::1") != 0);
        gw_strv sans = {0};
        gw_sans_add(&sans, host);
        gw_sans_add(&sans, host);
        FUZZ_CHECK(sans.len == 1);
        gw_strv_free(&sans);
    }
    free(host);
}

static void check_remote(const char *dest, const char *key)
{
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    if (docker_endpoint_ssh(dest, *key ? key : NULL, &ep, &err) == 0) {
        FUZZ_CHECK(ep.transport == DOCKER_TRANSPORT_SSH && ep.ssh_argv && ep.ssh_argv[0]);
        docker_endpoint_free(&ep);
    } else {
        FUZZ_CHECK(err.message != NULL);
    }
    gw_error_clear(&err);
    free(gw_ssh_host_of(dest));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a, *b;
    fuzz_split(data, size, &a, &b);
    check_docker_host(a);
    check_remote(a, b);
    free(a);
    free(b);
    return 0;
}
