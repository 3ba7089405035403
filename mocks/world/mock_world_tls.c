/* mock_world_tls.c: the Kubernetes API over HTTPS for a world: reading the PEM files (the
 * given ones, or the public test pair under fixtures/tls/), adding the TLS endpoint, and the
 * kubeconfig that trusts that certificate (certificate-authority-data). */
#include "mock_world_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_http.h"
#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

/* The public test pair of fixtures/tls/, compiled in (cmake/OshEmbed.cmake). */
const char *mock_world_tls_embedded(const char *name, size_t *len);

static char *embedded_pem(const char *name)
{
    size_t len = 0;
    const char *pem = mock_world_tls_embedded(name, &len);
    return osh_str_ndup(pem, len);
}

/* A certificate chain or key is a few KiB; the limit only stops a mistaken path. */
#define MOCK_WORLD_PEM_FILE_MAX ((size_t)1024 * 1024)

/* The whole file as a string; NULL and *error naming the file and why. */
static char *read_pem(const char *what, const char *path, char **error)
{
    char *why = NULL;
    size_t len = 0;
    char *pem = osh_file_read(path, MOCK_WORLD_PEM_FILE_MAX, &len, &why);
    if (!pem || len == 0) {
        *error = pem ? osh_str_printf("cannot read TLS %s %s: file is empty", what, path)
                     : osh_str_printf("cannot read TLS %s %s", what, why);
        free(why);
        free(pem);
        return NULL;
    }
    if (!strstr(pem, "-----BEGIN ")) {
        *error = osh_str_printf("cannot read TLS %s %s: not a PEM file (no -----BEGIN line)",
                                what, path);
        free(pem);
        return NULL;
    }
    return pem;
}

int mock_world_tls_listen(mock_world_tls *t, mock_http_server *http, int port,
                          const char *cert_path, const char *key_path, char **error)
{
    if (!cert_path != !key_path) {
        *error = osh_str_dup("kube TLS: give both a certificate and a key file, or neither");
        return -1;
    }
    const char *cert = cert_path ? cert_path : "the built-in test certificate (fixtures/tls)";
    const char *key = key_path ? key_path : "the built-in test key";
    t->cert_pem = cert_path ? read_pem("certificate", cert_path, error) : embedded_pem("mock-cert.pem");
    if (!t->cert_pem)
        return -1;
    char *key_pem = key_path ? read_pem("key", key_path, error) : embedded_pem("mock-key.pem");
    if (!key_pem)
        return -1;
    int bound = 0;
    int rc = mock_http_server_listen_tcp_tls(http, "127.0.0.1", port, t->cert_pem, key_pem,
                                             &bound, error);
    /* The key is a secret even when it is a test one: do not keep it around. */
    memset(key_pem, 0, strlen(key_pem));
    free(key_pem);
    if (rc != 0) {
        char *inner = *error;
        *error = osh_str_printf("%s (certificate %s, key %s)", inner, cert, key);
        free(inner);
        return -1;
    }
    t->url = osh_str_printf("https://127.0.0.1:%d", bound);
    return 0;
}

int mock_world_tls_write_kubeconfig(const mock_world_tls *t, const char *path, char **error)
{
    osh_buf ca = OSH_BUF_INIT;
    osh_base64_encode(&ca, t->cert_pem, strlen(t->cert_pem));
    FILE *f = osh_fopen_private(path); /* it carries the token */
    if (!f) {
        *error = osh_str_printf("cannot write kubeconfig %s: %s", path, strerror(errno));
        osh_buf_free(&ca);
        return -1;
    }
    fprintf(f,
            "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
            "    server: %s\n  name: mock\ncontexts:\n- context:\n"
            "    cluster: mock\n    namespace: default\n    user: mock\n  name: mock\ncurrent-context: mock\n"
            "preferences: {}\nusers:\n- name: mock\n  user:\n    token: mock-token\n",
            osh_buf_str(&ca), t->url);
    osh_buf_free(&ca);
    if (fclose(f) != 0) {
        *error = osh_str_printf("cannot write kubeconfig %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void mock_world_tls_clear(mock_world_tls *t)
{
    free(t->cert_pem);
    free(t->url);
    t->cert_pem = t->url = NULL;
}
