/* mock_cluster.h: the mock Kubernetes API server (mocks/kube) as the sandbox tests that
 * run end to end set it up: a temporary directory, a kubeconfig there pointing at the mock,
 * and the namespace "openshell" created. */
#ifndef MOCK_CLUSTER_H
#define MOCK_CLUSTER_H

#include "mock_kube.h"

typedef struct mock_cluster {
    mock_kube *kube;
    char dir[64];     /* the temporary directory (removed with everything in it) */
    char *kubeconfig; /* dir/kubeconfig */
} mock_cluster;

/* Fails the test when the mock cannot start. dir_prefix: "/tmp/osh-sbx-mock" and the like. */
mock_cluster *mock_cluster_start(const char *dir_prefix);
/* Stops the mock and removes the directory: 0, or -1 when it could not be removed. */
int mock_cluster_free(mock_cluster *c);

/* The served resource, which must exist. */
const kube_resource *mock_cluster_resource(const char *group, const char *version, const char *plural);
/* Stores the object (JSON text) directly, as a controller would; ns NULL for a cluster-scoped
 * kind. Fails the test unless the store answers 201. */
void mock_cluster_create(mock_cluster *c, const char *group, const char *version, const char *plural, const char *ns,
                         const char *json);
void mock_cluster_create_namespace(mock_cluster *c, const char *name);

#endif
