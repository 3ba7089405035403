/* mock_cluster.c: the mock Kubernetes API of the end-to-end sandbox tests (see mock_cluster.h). */
#include "mock_cluster.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "osh_str.h"

mock_cluster *mock_cluster_start(const char *dir_prefix)
{
    mock_cluster *c = calloc(1, sizeof *c);
    assert_non_null(c);
    char *error = NULL;
    mock_kube_options opts = {0};
    c->kube = mock_kube_new(&opts, &error);
    if (!c->kube)
        fail_msg("mock_kube_new: %s", error);
    snprintf(c->dir, sizeof c->dir, "%s-XXXXXX", dir_prefix);
    assert_non_null(mkdtemp(c->dir));
    c->kubeconfig = osh_str_printf("%s/kubeconfig", c->dir);
    if (mock_kube_write_kubeconfig(c->kube, c->kubeconfig, &error) != 0)
        fail_msg("%s", error);
    mock_cluster_create_namespace(c, "openshell");
    return c;
}

int mock_cluster_free(mock_cluster *c)
{
    mock_kube_free(c->kube);
    char *cmd = osh_str_printf("rm -rf '%s'", c->dir);
    int rc = system(cmd);
    free(cmd);
    free(c->kubeconfig);
    free(c);
    return rc == 0 ? 0 : -1;
}

const kube_resource *mock_cluster_resource(const char *group, const char *version, const char *plural)
{
    const kube_resource *r = kube_resource_by_path(group, version, plural);
    assert_non_null(r);
    return r;
}

void mock_cluster_create(mock_cluster *c, const char *group, const char *version, const char *plural, const char *ns,
                         const char *json)
{
    kube_store *s = mock_kube_current_store(c->kube);
    cJSON *obj = cJSON_Parse(json);
    assert_non_null(obj);
    kube_result res = kube_store_create(s, mock_cluster_resource(group, version, plural), ns, obj, false);
    if (res.code != 201) /* kube_store_create's only success */
        fail_msg("store create %s: %d", json, res.code);
    cJSON_Delete(res.body);
    cJSON_Delete(obj);
    kube_store_unref(s);
}

void mock_cluster_create_namespace(mock_cluster *c, const char *name)
{
    char *json = osh_str_printf("{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"%s\"}}", name);
    mock_cluster_create(c, "", "v1", "namespaces", NULL, json);
    free(json);
}
