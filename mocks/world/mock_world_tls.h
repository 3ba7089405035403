/* mock_world_tls.h: the world's HTTPS endpoint for the Kubernetes API (internal to mocks/world). */
#ifndef MOCK_WORLD_TLS_H
#define MOCK_WORLD_TLS_H

#include "mock_http.h"

typedef struct mock_world_tls {
    char *cert_pem; /* the served certificate, for certificate-authority-data */
    char *url;      /* "https://127.0.0.1:PORT" */
} mock_world_tls;

/* Serve http over TLS on 127.0.0.1:port with the given PEM files, or with the public test
 * pair of fixtures/tls/ when both paths are NULL. Returns 0, or -1 and a malloc'd *error
 * naming the file and the reason. */
int mock_world_tls_listen(mock_world_tls *t, mock_http_server *http, int port,
                          const char *cert_path, const char *key_path, char **error);
/* A kubeconfig for t->url whose certificate-authority-data is the served certificate. */
int mock_world_tls_write_kubeconfig(const mock_world_tls *t, const char *path, char **error);
void mock_world_tls_clear(mock_world_tls *t);

#endif
