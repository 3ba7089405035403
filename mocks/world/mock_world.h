/* mock_world.h: one simulated machine, as a conformance scenario or openshell-mockd sees it:
 * a mock Docker Engine, a mock Kubernetes API server, and the k3s simulator joining them,
 * set up from a scenario document (format: docs/scenarios.md).
 *
 * Every world has private sockets and ephemeral ports, so many worlds can live in one
 * process at once (the conformance runner runs scenarios in parallel this way).
 *
 * This header is the contract between mocks/ (which implements it) and its users
 * (conformance/, mocks/mockd, tests/). Everything is read back as JSON documents, so a user
 * needs no knowledge of the mocks' internal structures. */
#ifndef MOCK_WORLD_H
#define MOCK_WORLD_H

#include <stdbool.h>
#include <cjson/cJSON.h>

typedef struct mock_world mock_world;

typedef struct mock_world_options {
    /* Docker endpoints. Unix: a path, or NULL for a private socket in a fresh temp dir.
     * TCP: enabled when docker_tcp_host is non-NULL ("127.0.0.1", "127.0.0.2", ...),
     * on docker_tcp_port (0 = ephemeral). At least one endpoint is always served. */
    const char *docker_unix_path;
    bool docker_unix_disabled;
    const char *docker_tcp_host;
    int docker_tcp_port;
    /* Kubernetes API on http://127.0.0.1:{kube_port}; kube_port 0 = ephemeral. */
    bool kube_enabled;
    int kube_port;
    /* kube_tls: serve it on https://127.0.0.1:{kube_port} instead, with the PEM files
     * kube_tls_cert_path/kube_tls_key_path (both or neither), or without them the public
     * self-signed test pair fixtures/tls/mock-{cert,key}.pem (127.0.0.1 and localhost). */
    bool kube_tls;
    const char *kube_tls_cert_path;
    const char *kube_tls_key_path;
    /* The agent-sandbox release the API serves (rules §14.1: "0.1", "0.5", "1.0", "none") when
     * the scenario's kube.agent_sandbox does not say; NULL = "0.5". */
    const char *agent_sandbox;
} mock_world_options;

/* Build and start a world from a scenario document (NULL or {} = the default healthy
 * world of docs/scenarios.md). On failure returns NULL and sets *error to a malloc'd
 * message naming what is wrong (e.g. "scenario: containers[0].name: expected string"). */
mock_world *mock_world_new(const cJSON *scenario, const mock_world_options *opts, char **error);

/* Stop every server, remove private sockets and temp dirs, free everything. NULL is fine. */
void mock_world_free(mock_world *w);

/* "unix:///tmp/.../docker.sock"; NULL when not served. */
const char *mock_world_docker_unix_url(const mock_world *w);
/* "tcp://127.0.0.1:PORT"; NULL when not served. */
const char *mock_world_docker_tcp_url(const mock_world *w);
/* "http://127.0.0.1:PORT" ("https://..." with kube_tls); NULL when not served. */
const char *mock_world_kube_url(const mock_world *w);

/* Write a kubeconfig for the Kubernetes API (kubectl and the sandbox client use it); over
 * https it trusts the served certificate (certificate-authority-data), so clients verify it.
 * Returns 0, or -1 with *error set. */
int mock_world_write_kubeconfig(const mock_world *w, const char *path, char **error);

/* Snapshots, owned by the caller (cJSON_Delete):
 *  state:   {"docker": {...containers, images, networks, volumes...},
 *            "clusters": {"<volume name>": {...kubernetes objects by kind...}},
 *            "kube": {...objects the API server holds outside any cluster volume...}}
 *           Kubernetes objects are listed by resource plural ("nodes": [...], "pods": [...])
 *           with "resourceVersion"; a cluster also lists the "images" imported with ctr. A
 *           cluster container without a volume appears as "container:<id>".
 *  journal: [{"seq", "method", "path", "query", "body", "status", ...}, ...] in arrival order,
 *           for which = "docker" or "kube". */
cJSON *mock_world_state(mock_world *w);
cJSON *mock_world_journal(mock_world *w, const char *which);

/* The kit's version ("0.1.0"); defined by the installed library libopenshell-mocks. */
const char *mock_world_version(void);

/* The parts, for tests and tools that drive them directly (fault rules, files, stores).
 * Owned by the world. */
struct mock_docker;
struct mock_kube;
struct mock_docker *mock_world_docker(mock_world *w);
struct mock_kube *mock_world_kube(mock_world *w);

#endif
