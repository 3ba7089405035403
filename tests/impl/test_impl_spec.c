/* test_impl_spec.c: the pure deploy builders: create body (rules §4.8.2), env order (4.8.3),
 * GPU requests (4.8.4), SANs (4.6), image references (4.3), X-Registry-Auth, host env. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "gw_internal.h"
#include "gw_spec.h"
#include "osh_base64.h"

static void clear_env(void)
{
    const char *vars[] = {"DOCKER_HOST", "OPENSHELL_CLUSTER_IMAGE", "IMAGE_TAG", "OPENSHELL_REGISTRY_HOST",
                          "OPENSHELL_REGISTRY_NAMESPACE", "IMAGE_REPO_BASE", "OPENSHELL_IMAGE_REPO_BASE",
                          "OPENSHELL_REGISTRY_INSECURE", "OPENSHELL_REGISTRY_ENDPOINT", "OPENSHELL_REGISTRY_USERNAME",
                          "OPENSHELL_REGISTRY_PASSWORD", "OPENSHELL_PUSH_IMAGES"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static int reset(void **state)
{
    clear_env();
    return 0;
}

static const char *fresh_body_json =
    "{\"Image\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"Hostname\": \"openshell-t\","
    " \"Cmd\": [\"server\", \"--disable=traefik\", \"--tls-san=127.0.0.1\", \"--tls-san=localhost\","
    "  \"--tls-san=host.docker.internal\"],"
    " \"Env\": [\"REGISTRY_MODE=external\", \"REGISTRY_HOST=ghcr.io\", \"REGISTRY_INSECURE=false\","
    "  \"IMAGE_REPO_BASE=ghcr.io/nvidia/openshell\", \"OPENSHELL_NODE_NAME=openshell-t\"],"
    " \"ExposedPorts\": {\"30051/tcp\": {}},"
    " \"HostConfig\": {\"Privileged\": true, \"CgroupnsMode\": \"host\","
    "  \"PortBindings\": {\"30051/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"8080\"}]},"
    "  \"Binds\": [\"openshell-cluster-t:/var/lib/rancher/k3s\"], \"NetworkMode\": \"openshell-cluster-t\","
    "  \"RestartPolicy\": {\"Name\": \"unless-stopped\"},"
    "  \"ExtraHosts\": [\"host.docker.internal:host-gateway\", \"host.openshell.internal:host-gateway\"]}}";

typedef struct fixture {
    gw_host_env env;
    gw_strv sans;
    gw_strv gpu;
    gw_container_spec spec;
    char *image;
} fixture;

static void fixture_init(fixture *f, const char *name, const char *node)
{
    memset(f, 0, sizeof(*f));
    gw_host_env_read(&f->env);
    f->image = gw_image_ref(NULL, &f->env);
    f->spec = (gw_container_spec){.name = name, .image_ref = f->image, .node_name = node, .host_port = 8080,
                                  .sans = &f->sans, .gpu_devices = &f->gpu, .env = &f->env};
}

static void fixture_free(fixture *f)
{
    gw_host_env_free(&f->env);
    gw_strv_free(&f->sans);
    gw_strv_free(&f->gpu);
    free(f->image);
}

static char **env_strings(const gw_container_spec *s, int *n)
{
    cJSON *env = gw_container_env(s);
    *n = cJSON_GetArraySize(env);
    char **out = calloc((size_t)*n + 1, sizeof(char *));
    for (int i = 0; i < *n; i++)
        out[i] = strdup(cJSON_GetArrayItem(env, i)->valuestring);
    cJSON_Delete(env);
    return out;
}

static void expect_env(const gw_container_spec *s, const char *const *want, int want_n)
{
    int n = 0;
    char **got = env_strings(s, &n);
    for (int i = 0; i < n && i < want_n; i++)
        assert_string_equal(got[i], want[i]);
    assert_int_equal(n, want_n);
    for (int i = 0; i < n; i++)
        free(got[i]);
    free(got);
}

static void create_body_matches_spec_exactly(void **state)
{
    fixture f;
    fixture_init(&f, "t", "openshell-t");
    cJSON *body = gw_container_create_body(&f.spec);
    cJSON *want = cJSON_Parse(fresh_body_json);
    assert_non_null(want);
    assert_true(cJSON_Compare(body, want, 1));
    cJSON_Delete(want);
    cJSON_Delete(body);
    fixture_free(&f);
}

static void env_full_order(void **state)
{
    setenv("OPENSHELL_REGISTRY_HOST", " reg.local:5000 ", 1);
    setenv("OPENSHELL_REGISTRY_INSECURE", "YES", 1);
    setenv("OPENSHELL_REGISTRY_ENDPOINT", "http://m", 1);
    setenv("OPENSHELL_PUSH_IMAGES", " a/gateway:dev, b/x:1", 1);
    fixture f;
    fixture_init(&f, "t", "openshell-t");
    gw_sans_add(&f.sans, "10.0.0.5");
    gw_sans_add(&f.sans, "gw.example");
    gw_gpu_resolve(true, false, &f.gpu);
    f.spec.ssh_gateway_host = "gw.example";
    f.spec.registry_token = "tk";
    f.spec.plaintext = true;
    f.spec.host_port = 9090;
    const char *want[] = {"REGISTRY_MODE=external", "REGISTRY_HOST=reg.local:5000", "REGISTRY_INSECURE=true",
                          "IMAGE_REPO_BASE=reg.local:5000/openshell", "OPENSHELL_NODE_NAME=openshell-t",
                          "REGISTRY_ENDPOINT=http://m", "REGISTRY_USERNAME=__token__", "REGISTRY_PASSWORD=tk",
                          "EXTRA_SANS=10.0.0.5,gw.example", "SSH_GATEWAY_HOST=gw.example", "SSH_GATEWAY_PORT=9090",
                          "PUSH_IMAGE_REFS= a/gateway:dev, b/x:1", "IMAGE_TAG=dev", "IMAGE_PULL_POLICY=IfNotPresent",
                          "DISABLE_TLS=true", "DISABLE_GATEWAY_AUTH=true", "GPU_ENABLED=true"};
    expect_env(&f.spec, want, (int)(sizeof(want) / sizeof(want[0])));
    fixture_free(&f);
}

static void env_registry_precedence_and_repo_base(void **state)
{
    setenv("OPENSHELL_REGISTRY_USERNAME", "envuser", 1);
    setenv("OPENSHELL_REGISTRY_PASSWORD", "envpass", 1);
    setenv("OPENSHELL_IMAGE_REPO_BASE", "other/base", 1);
    setenv("IMAGE_TAG", "v9", 1);
    fixture f;
    fixture_init(&f, "t", "openshell-t");
    f.spec.registry_username = "flaguser";
    f.spec.registry_token = "flagtoken";
    f.spec.disable_gateway_auth = true;
    const char *want[] = {"REGISTRY_MODE=external", "REGISTRY_HOST=ghcr.io", "REGISTRY_INSECURE=false",
                          "IMAGE_REPO_BASE=other/base", "OPENSHELL_NODE_NAME=openshell-t",
                          "REGISTRY_USERNAME=envuser", "REGISTRY_PASSWORD=envpass", "IMAGE_TAG=v9",
                          "DISABLE_GATEWAY_AUTH=true"};
    expect_env(&f.spec, want, (int)(sizeof(want) / sizeof(want[0])));
    assert_string_equal(f.image, "ghcr.io/nvidia/openshell/cluster:v9");
    fixture_free(&f);
    setenv("IMAGE_REPO_BASE", "first/base", 1);
    unsetenv("OPENSHELL_REGISTRY_PASSWORD");
    fixture_init(&f, "t", "openshell-t");
    f.spec.registry_username = "flaguser";
    f.spec.registry_token = "flagtoken";
    const char *want2[] = {"REGISTRY_MODE=external", "REGISTRY_HOST=ghcr.io", "REGISTRY_INSECURE=false",
                           "IMAGE_REPO_BASE=first/base", "OPENSHELL_NODE_NAME=openshell-t",
                           "REGISTRY_USERNAME=envuser", "REGISTRY_PASSWORD=flagtoken", "IMAGE_TAG=v9"};
    expect_env(&f.spec, want2, (int)(sizeof(want2) / sizeof(want2[0])));
    fixture_free(&f);
}

static void insecure_values(void **state)
{
    const char *yes[] = {"1", "true", "TRUE", "yes", "on", " On "};
    const char *no[] = {"0", "false", "y", "enabled", ""};
    for (size_t i = 0; i < 6; i++) {
        setenv("OPENSHELL_REGISTRY_INSECURE", yes[i], 1);
        gw_host_env e;
        gw_host_env_read(&e);
        assert_true(e.registry_insecure);
        gw_host_env_free(&e);
    }
    for (size_t i = 0; i < 5; i++) {
        setenv("OPENSHELL_REGISTRY_INSECURE", no[i], 1);
        gw_host_env e;
        gw_host_env_read(&e);
        assert_false(e.registry_insecure);
        gw_host_env_free(&e);
    }
}

static void expect_device_requests(bool cdi, const char *want_json)
{
    fixture f;
    fixture_init(&f, "t", "openshell-t");
    gw_gpu_resolve(true, cdi, &f.gpu);
    cJSON *body = gw_container_create_body(&f.spec);
    cJSON *got = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "HostConfig"), "DeviceRequests");
    cJSON *want = cJSON_Parse(want_json);
    assert_true(cJSON_Compare(got, want, 1));
    cJSON_Delete(want);
    cJSON_Delete(body);
    fixture_free(&f);
}

static void gpu_device_requests(void **state)
{
    expect_device_requests(true, "[{\"Driver\": \"cdi\", \"DeviceIDs\": [\"nvidia.com/gpu=all\"]}]");
    expect_device_requests(false, "[{\"Driver\": \"nvidia\", \"Count\": -1, "
                                  "\"Capabilities\": [[\"gpu\", \"utility\", \"compute\"]]}]");
    gw_strv none = {0};
    gw_gpu_resolve(false, true, &none);
    assert_int_equal(none.len, 0);
}

static void cmd_appends_sans_in_order(void **state)
{
    fixture f;
    fixture_init(&f, "t", "openshell-t");
    gw_sans_add(&f.sans, "docker");
    gw_sans_add(&f.sans, "host.docker.internal");
    gw_sans_add(&f.sans, "docker");
    cJSON *cmd = gw_container_cmd(&f.spec);
    assert_int_equal(cJSON_GetArraySize(cmd), 7);
    assert_string_equal(cJSON_GetArrayItem(cmd, 5)->valuestring, "--tls-san=docker");
    assert_string_equal(cJSON_GetArrayItem(cmd, 6)->valuestring, "--tls-san=host.docker.internal");
    cJSON_Delete(cmd);
    fixture_free(&f);
}

static void expect_local_host(const char *docker_host, const char *want)
{
    char *got = gw_local_host_from_docker_host(docker_host);
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got, want);
    free(got);
}

static void local_host_examples(void **state)
{
    expect_local_host("tcp://docker:2375", "docker");
    expect_local_host("tcp://[fd00::5]:2375", "fd00::5");
    expect_local_host("tcp://127.0.0.2:2375", "127.0.0.2");
    expect_local_host("tcp://[::1]:1", NULL);
    expect_local_host("tcp://localhost:2375", NULL);
    expect_local_host("tcp://127.0.0.1:2375", NULL);
    expect_local_host("tcp:///x", NULL);
    expect_local_host("unix:///var/run/docker.sock", NULL);
    expect_local_host(NULL, NULL);
    expect_local_host("tcp://host.example/path", "host.example");
}

static void expect_split(const char *ref, const char *repo, const char *tag, bool local)
{
    char *r, *t;
    gw_image_ref_split(ref, &r, &t);
    assert_string_equal(r, repo);
    assert_string_equal(t, tag);
    assert_int_equal(gw_image_ref_is_local(ref), local);
    free(r);
    free(t);
}

static void image_reference_parsing(void **state)
{
    expect_split("ghcr.io/nvidia/openshell/cluster:dev", "ghcr.io/nvidia/openshell/cluster", "dev", false);
    expect_split("cluster-local:dev", "cluster-local", "dev", true);
    expect_split("localhost:5000/x", "localhost:5000/x", "latest", false);
    expect_split("a/b@sha256:abc", "a/b@sha256:abc", "", false);
    expect_split("busybox", "busybox", "latest", true);
    setenv("IMAGE_TAG", "v9", 1);
    setenv("OPENSHELL_CLUSTER_IMAGE", " x/y:z ", 1);
    gw_host_env e;
    gw_host_env_read(&e);
    char *ref = gw_image_ref(NULL, &e);
    assert_string_equal(ref, "x/y:z");
    free(ref);
    ref = gw_image_ref("a/b:c", &e);
    assert_string_equal(ref, "a/b:c");
    free(ref);
    gw_host_env_free(&e);
}

static void registry_auth_header(void **state)
{
    assert_null(gw_registry_auth_header("ghcr.io/nvidia/openshell/cluster", "u", NULL));
    assert_null(gw_registry_auth_header("docker.io/library/x", "u", "tk"));
    char *h = gw_registry_auth_header("ghcr.io/nvidia/openshell/cluster", NULL, "tk");
    assert_non_null(h);
    const char *prefix = "X-Registry-Auth: ";
    assert_memory_equal(h, prefix, strlen(prefix));
    /* base64url: turn it back into the standard alphabet to decode it. */
    char *b64 = strdup(h + strlen(prefix));
    for (char *p = b64; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    osh_buf json = OSH_BUF_INIT;
    assert_true(osh_base64_decode(&json, b64, strlen(b64)));
    cJSON *doc = cJSON_Parse(osh_buf_str(&json));
    assert_string_equal(cJSON_GetObjectItem(doc, "username")->valuestring, "__token__");
    assert_string_equal(cJSON_GetObjectItem(doc, "password")->valuestring, "tk");
    assert_string_equal(cJSON_GetObjectItem(doc, "serveraddress")->valuestring, "ghcr.io");
    cJSON_Delete(doc);
    osh_buf_free(&json);
    free(b64);
    free(h);
}

static void stored_endpoint_host(void **state)
{
    const char *cases[][2] = {{"https://10.1.2.3:8080", "10.1.2.3"}, {"http://gw.example:80", "gw.example"},
                              {"https://127.0.0.1:8080", NULL},     {"https://localhost:1", NULL},
                              {"https://[::1]:8080", NULL},         {"https://fd00::5:8080", "fd00::5"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *h = gw_endpoint_stored_host(cases[i][0]);
        if (cases[i][1])
            assert_string_equal(h, cases[i][1]);
        else
            assert_null(h);
        free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(create_body_matches_spec_exactly, reset),
        cmocka_unit_test_setup(env_full_order, reset),
        cmocka_unit_test_setup(env_registry_precedence_and_repo_base, reset),
        cmocka_unit_test_setup(insecure_values, reset),
        cmocka_unit_test_setup(gpu_device_requests, reset),
        cmocka_unit_test_setup(cmd_appends_sans_in_order, reset),
        cmocka_unit_test_setup(local_host_examples, reset),
        cmocka_unit_test_setup(image_reference_parsing, reset),
        cmocka_unit_test_setup(registry_auth_header, reset),
        cmocka_unit_test_setup(stored_endpoint_host, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
