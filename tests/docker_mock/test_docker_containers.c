/* test_docker_containers.c: the Docker mock over HTTP: version negotiation and system routes,
 * the container lifecycle with dockerd's status codes and texts, logs, archive and exec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "dk_test_client.h"
#include "docker_tar.h"
#include "osh_base64.h"
#include "osh_str.h"

static const char *base_scenario =
    "{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\",\"A=image\"]}}],"
    " \"cdi_spec_dirs\":[\"/etc/cdi\",\"/var/run/cdi\"]}";

static int setup(void **state)
{
    *state = dk_test_start(base_scenario);
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

#define CALL(t, m, p, b) dk_call((t), (m), (p), (b), NULL)

/* ---- System -------------------------------------------------------------------------- */

static void test_ping_and_version(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "GET", "/_ping", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(osh_buf_str(&r.body), "OK");
    char *h = dk_header(&r, "Api-Version");
    assert_string_equal(h, "1.41");
    free(h);
    h = dk_header(&r, "Ostype");
    assert_string_equal(h, "linux");
    free(h);
    h = dk_header(&r, "Server");
    assert_true(osh_str_starts_with(h, "Docker/20.10"));
    free(h);
    assert_null(dk_header(&r, "Builder-Version")); /* dockerd 20.10 without BuildKit */
    dk_reply_free(&r);
    r = CALL(t, "HEAD", "/v1.41/_ping", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    h = dk_header(&r, "Docker-Experimental");
    assert_string_equal(h, "false");
    free(h);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/v1.56/version", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "ApiVersion"), "1.41");
    assert_string_equal(dk_jstr(r.json, "MinAPIVersion"), "1.12");
    assert_string_equal(dk_jstr(r.json, "Arch"), "amd64");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/v1.57/version", NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "client version 1.57 is too new. Maximum supported API version is 1.41");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/v1.11/version", NULL);
    assert_int_equal(r.status, 400);
    assert_true(osh_str_starts_with(osh_buf_str(&r.body), "client version 1.11 is too old. Minimum supported API version is 1.12"));
    h = dk_header(&r, "Content-Type");
    assert_string_equal(h, "text/plain; charset=utf-8");
    free(h);
    dk_reply_free(&r);
    /* Issue 12.5: version texts as the real dockerd 20.10 answers them (asked on its socket):
     * compared part by part without wrapping, echoed as written. */
    static const struct { const char *path; int status; const char *start; } versions[] = {
        {"/v4294967297.41/version", 400, "{\"message\":\"client version 4294967297.41 is too new. "},
        {"/v1.4294967337/version", 400, "{\"message\":\"client version 1.4294967337 is too new. "},
        {"/v99999999999999999999.1/version", 400,
         "{\"message\":\"client version 99999999999999999999.1 is too new. "},
        {"/v1/version", 400, "client version 1 is too old. Minimum supported API version is 1.12"},
        {"/v.41/version", 400, "client version .41 is too old. "},
        {"/v1.41x/version", 404, "{\"message\":\"page not found\"}"},
        {"/v01.041/version", 200, "{"},
        {"/v1.41.0/version", 200, "{"},
    };
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        r = CALL(t, "GET", versions[i].path, NULL);
        if (r.status != versions[i].status ||
            !osh_str_starts_with(osh_buf_str(&r.body), versions[i].start))
            fail_msg("%s: %ld %s", versions[i].path, r.status, osh_buf_str(&r.body));
        dk_reply_free(&r);
    }
    r = CALL(t, "GET", "/info", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "CDISpecDirs.1"), "/var/run/cdi");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/nosuch/endpoint", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(dk_message(&r), "page not found");
    dk_reply_free(&r);
}

static void test_info_without_cdi(void **state)
{
    dk_test *t = dk_test_start("{\"builder_version\":\"2\"}");
    dk_reply p = CALL(t, "GET", "/_ping", NULL);
    char *bv = dk_header(&p, "Builder-Version");
    assert_string_equal(bv, "2");
    free(bv);
    dk_reply_free(&p);
    dk_reply r = CALL(t, "GET", "/info", NULL);
    assert_int_equal(r.status, 200);
    assert_null(dk_jget(r.json, "CDISpecDirs"));
    dk_reply_free(&r);
    dk_test_stop(t);
}

/* ---- Create and inspect ----------------------------------------------------------------- */

static const char *spec_body =
    "{\"Image\":\"busy:1\",\"Hostname\":\"openshell-t\",\"Cmd\":[\"server\",\"--disable=traefik\"],"
    "\"Env\":[\"A=body\",\"OPENSHELL_NODE_NAME=openshell-t\"],\"ExposedPorts\":{\"30051/tcp\":{}},"
    "\"HostConfig\":{\"Privileged\":true,\"CgroupnsMode\":\"host\",\"PortBindings\":{\"30051/tcp\":"
    "[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]},\"Binds\":[\"vol-t:/var/lib/rancher/k3s\"],"
    "\"RestartPolicy\":{\"Name\":\"unless-stopped\"},\"ExtraHosts\":[\"host.docker.internal:host-gateway\"],"
    "\"DeviceRequests\":[{\"Driver\":\"cdi\",\"DeviceIDs\":[\"nvidia.com/gpu=all\"]}]}}";

static void test_create_keeps_body(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "openshell-cluster-t", spec_body, false);
    assert_int_equal(strlen(id), 64);
    dk_reply r = CALL(t, "GET", "/v1.41/containers/openshell-cluster-t/json", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "Id"), id);
    assert_string_equal(dk_jstr(r.json, "Name"), "/openshell-cluster-t");
    assert_true(osh_str_starts_with(dk_jstr(r.json, "Image"), "sha256:"));
    assert_string_equal(dk_jstr(r.json, "Config.Image"), "busy:1");
    assert_string_equal(dk_jstr(r.json, "Config.Hostname"), "openshell-t");
    assert_string_equal(dk_jstr(r.json, "Config.Cmd.1"), "--disable=traefik");
    /* body Env first, then image Env the body does not override */
    assert_string_equal(dk_jstr(r.json, "Config.Env.0"), "A=body");
    assert_string_equal(dk_jstr(r.json, "Config.Env.2"), "PATH=/bin");
    assert_null(dk_jget(r.json, "Config.Env.3"));
    assert_true(cJSON_IsTrue(dk_jget(r.json, "HostConfig.Privileged")));
    assert_string_equal(dk_jstr(r.json, "HostConfig.CgroupnsMode"), "host");
    assert_string_equal(dk_jstr(r.json, "HostConfig.PortBindings.30051/tcp.0.HostPort"), "8080");
    assert_string_equal(dk_jstr(r.json, "HostConfig.Binds.0"), "vol-t:/var/lib/rancher/k3s");
    assert_string_equal(dk_jstr(r.json, "HostConfig.RestartPolicy.Name"), "unless-stopped");
    assert_int_equal(dk_jget(r.json, "HostConfig.RestartPolicy.MaximumRetryCount")->valueint, 0);
    assert_string_equal(dk_jstr(r.json, "HostConfig.DeviceRequests.0.DeviceIDs.0"), "nvidia.com/gpu=all");
    assert_int_equal(dk_jget(r.json, "HostConfig.DeviceRequests.0.Count")->valueint, 0);
    assert_true(cJSON_IsNull(dk_jget(r.json, "HostConfig.DeviceRequests.0.Capabilities")));
    assert_true(cJSON_IsNull(dk_jget(r.json, "HostConfig.DeviceRequests.0.Options")));
    assert_string_equal(dk_jstr(r.json, "State.Status"), "created");
    assert_false(cJSON_IsTrue(dk_jget(r.json, "State.Running")));
    assert_null(dk_jget(r.json, "State.Health"));
    assert_string_equal(dk_jstr(r.json, "Mounts.0.Name"), "vol-t");
    dk_reply_free(&r);
    /* the whole body is kept, as the simulator reads it */
    cJSON *body = mock_docker_container_create_body(t->d, "openshell-cluster-t");
    assert_string_equal(dk_jstr(body, "HostConfig.ExtraHosts.0"), "host.docker.internal:host-gateway");
    cJSON_Delete(body);
    /* the bind's volume was created with the container, as dockerd does */
    assert_true(mock_docker_volume_exists(t->d, "vol-t"));
    free(id);
}

static void test_hostname_defaults_to_short_id(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "plain", "{\"Image\":\"busy:1\"}", false);
    dk_reply r = CALL(t, "GET", "/containers/plain/json", NULL);
    char want[13];
    snprintf(want, sizeof want, "%.12s", id);
    assert_string_equal(dk_jstr(r.json, "Config.Hostname"), want);
    assert_string_equal(dk_jstr(r.json, "Config.Cmd.0"), "sh"); /* from the image */
    assert_string_equal(dk_jstr(r.json, "HostConfig.NetworkMode"), "default");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/plain/json?size=1", NULL);
    assert_non_null(dk_jget(r.json, "SizeRw"));
    assert_true(dk_jget(r.json, "SizeRootFs")->valuedouble > 0);
    dk_reply_free(&r);
    /* found by a unique ID prefix too */
    char *target = osh_str_printf("/containers/%.10s/json", id);
    r = CALL(t, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    free(target);
    free(id);
}

static void test_create_errors(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "taken", "{\"Image\":\"busy:1\"}", false);
    struct {
        const char *target, *body, *header;
        long status;
        const char *message;
    } cases[] = {
        {"/containers/create?name=taken", "{\"Image\":\"busy:1\"}", NULL, 409, NULL},
        {"/containers/create?name=a", "{\"Image\":\"busy:1\"}", NULL, 400,
         "Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"},
        {"/containers/create?name=-x", "{\"Image\":\"busy:1\"}", NULL, 400,
         "Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"},
        {"/containers/create?name=a%2Fb", "{\"Image\":\"busy:1\"}", NULL, 400,
         "Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"},
        {"/containers/create?name=ok1", "{\"Image\":\"nosuch:1\"}", NULL, 404, "No such image: nosuch:1"},
        {"/containers/create", "{}", NULL, 400, "Config cannot be empty in order to create a container"},
        {"/containers/create?name=ok2", "{\"Image\":\"busy:1\"}", "Content-Type: text/plain", 400,
         "Content-Type specified (text/plain) must be 'application/json'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dk_reply r = dk_call(t, "POST", cases[i].target, cases[i].body, cases[i].header);
        if (r.status != cases[i].status)
            fail_msg("case %zu: status %ld, want %ld (%s)", i, r.status, cases[i].status, osh_buf_str(&r.body));
        if (cases[i].message)
            assert_string_equal(dk_message(&r), cases[i].message);
        dk_reply_free(&r);
    }
    dk_reply r = CALL(t, "POST", "/containers/create?name=taken", "{\"Image\":\"busy:1\"}");
    char *want = osh_str_printf("Conflict. The container name \"/taken\" is already in use by container \"%s\". "
                                "You have to remove (or rename) that container to be able to reuse that name.", id);
    assert_string_equal(dk_message(&r), want);
    free(want);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/containers/create?name=nocmd", "{\"Image\":\"bare:1\"}");
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/nosuch/json", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(dk_message(&r), "No such container: nosuch");
    dk_reply_free(&r);
    free(id);
}

static void test_no_command(void **state)
{
    dk_test *t = dk_test_start("{\"images\":[{\"ref\":\"bare:1\"}]}");
    dk_reply r = CALL(t, "POST", "/containers/create?name=x1", "{\"Image\":\"bare:1\"}");
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "No command specified");
    dk_reply_free(&r);
    dk_test_stop(t);
}

/* ---- Start, stop, kill, restart, wait, remove ------------------------------------------- */

static long post_status(dk_test *t, const char *fmt, const char *ref, char *message, size_t size)
{
    char *target = osh_str_printf(fmt, ref);
    dk_reply r = CALL(t, "POST", target, NULL);
    free(target);
    long s = r.status;
    if (message)
        snprintf(message, size, "%s", dk_message(&r));
    dk_reply_free(&r);
    return s;
}

static void test_lifecycle_statuses(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "life", "{\"Image\":\"busy:1\",\"Cmd\":[\"sleep\",\"1\"]}", false);
    char msg[512];
    assert_int_equal(post_status(t, "/containers/%s/stop", "life", NULL, 0), 304);
    assert_int_equal(post_status(t, "/containers/%s/start", "life", NULL, 0), 204);
    assert_int_equal(post_status(t, "/containers/%s/start", "life", NULL, 0), 304);
    dk_reply r = CALL(t, "DELETE", "/containers/life", NULL);
    assert_int_equal(r.status, 409);
    char *want = osh_str_printf("You cannot remove a running container %s. Stop the container before "
                                "attempting removal or force remove", id);
    assert_string_equal(dk_message(&r), want);
    free(want);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/life/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "running");
    assert_true(dk_jget(r.json, "State.Pid")->valueint > 0);
    dk_reply_free(&r);
    assert_int_equal(post_status(t, "/containers/%s/stop?t=5", "life", NULL, 0), 204);
    r = CALL(t, "POST", "/containers/life/wait", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(dk_jget(r.json, "StatusCode")->valueint, 0);
    assert_true(cJSON_IsNull(dk_jget(r.json, "Error")));
    dk_reply_free(&r);
    assert_int_equal(post_status(t, "/containers/%s/kill", "life", msg, sizeof msg), 409);
    want = osh_str_printf("Cannot kill container: life: Container %s is not running", id);
    assert_string_equal(msg, want);
    free(want);
    assert_int_equal(post_status(t, "/containers/%s/restart", "life", NULL, 0), 204);
    assert_int_equal(post_status(t, "/containers/%s/kill", "life", NULL, 0), 204);
    r = CALL(t, "GET", "/containers/life/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "exited");
    assert_int_equal(dk_jget(r.json, "State.ExitCode")->valueint, 137);
    dk_reply_free(&r);
    assert_int_equal(post_status(t, "/containers/%s/kill", "nosuch", msg, sizeof msg), 404);
    assert_string_equal(msg, "Cannot kill container: nosuch: No such container: nosuch");
    assert_int_equal(post_status(t, "/containers/%s/start", "nosuch", msg, sizeof msg), 404);
    assert_string_equal(msg, "No such container: nosuch");
    assert_int_equal(post_status(t, "/containers/%s/stop", "nosuch", NULL, 0), 404);
    assert_int_equal(post_status(t, "/containers/%s/restart", "nosuch", NULL, 0), 404);
    assert_int_equal(post_status(t, "/containers/%s/wait", "nosuch", NULL, 0), 404);
    r = CALL(t, "DELETE", "/containers/life", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    r = CALL(t, "DELETE", "/containers/life?force=1", NULL);
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    free(id);
}

static void test_force_remove_running(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "forced", "{\"Image\":\"busy:1\"}", true);
    dk_reply r = CALL(t, "DELETE", "/containers/forced?force=true", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    assert_null(mock_docker_container_id(t->d, id));
    free(id);
}

typedef struct waiter {
    dk_test *t;
    dk_reply r;
} waiter;

static void *wait_thread(void *p)
{
    waiter *w = p;
    w->r = CALL(w->t, "POST", "/containers/waited/wait", NULL);
    return NULL;
}

/* wait blocks until the container stops; driven by the stop request, not by time */
static void test_wait_blocks_until_stop(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "waited", "{\"Image\":\"busy:1\"}", true);
    waiter w = {t, {0}};
    pthread_t th;
    pthread_create(&th, NULL, wait_thread, &w);
    while (mock_http_journal_count(mock_docker_http(t->d), "POST", "/containers/waited/wait") == 0)
        usleep(1000);
    assert_int_equal(mock_docker_container_exit(t->d, "waited", 3, "boom", true), 0);
    pthread_join(th, NULL);
    assert_int_equal(w.r.status, 200);
    assert_int_equal(dk_jget(w.r.json, "StatusCode")->valueint, 3);
    dk_reply_free(&w.r);
    dk_reply r = CALL(t, "GET", "/containers/waited/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Error"), "boom");
    assert_true(cJSON_IsTrue(dk_jget(r.json, "State.OOMKilled")));
    dk_reply_free(&r);
    free(id);
}

/* rules §11.5: the start failures the flow relies on */
static void test_start_failures(void **state)
{
    dk_test *t = *state;
    char *a = dk_create(t, "holder", "{\"Image\":\"busy:1\",\"ExposedPorts\":{\"30051/tcp\":{}},"
                        "\"HostConfig\":{\"PortBindings\":{\"30051/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]}}}", true);
    char *b = dk_create(t, "clash", "{\"Image\":\"busy:1\",\"ExposedPorts\":{\"30051/tcp\":{}},"
                        "\"HostConfig\":{\"PortBindings\":{\"30051/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}}}", false);
    char msg[512];
    assert_int_equal(post_status(t, "/containers/%s/start", "clash", msg, sizeof msg), 500);
    assert_true(osh_str_starts_with(msg, "driver failed programming external connectivity on endpoint clash ("));
    assert_true(osh_str_ends_with(msg, "): Bind for 0.0.0.0:8080 failed: port is already allocated"));
    dk_reply r = CALL(t, "GET", "/containers/json", NULL);
    assert_int_equal(dk_jget(r.json, "0.Ports.0.PublicPort")->valueint, 8080);
    assert_int_equal(dk_jget(r.json, "0.Ports.0.PrivatePort")->valueint, 30051);
    assert_string_equal(dk_jstr(r.json, "0.Ports.0.Type"), "tcp");
    dk_reply_free(&r);
    char *c = dk_create(t, "longhost", "{\"Image\":\"busy:1\",\"Hostname\":"
                        "\"h234567890123456789012345678901234567890123456789012345678901234x\"}", false);
    assert_int_equal(post_status(t, "/containers/%s/start", "longhost", msg, sizeof msg), 500);
    assert_non_null(strstr(msg, "sethostname: invalid argument"));
    r = CALL(t, "GET", "/containers/longhost/json", NULL);
    assert_int_equal(dk_jget(r.json, "State.ExitCode")->valueint, 128);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "created");
    dk_reply_free(&r);
    free(a);
    free(b);
    free(c);
}

static void test_network_gone_at_start(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/networks/create", "{\"Name\":\"gone\",\"Driver\":\"bridge\"}");
    char *net1 = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    char *id = dk_create(t, "gonenet", "{\"Image\":\"busy:1\",\"HostConfig\":{\"NetworkMode\":\"gone\"}}", false);
    /* never started: the name is resolved at the first start, so a recreated network works */
    r = CALL(t, "DELETE", "/networks/gone", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/networks/create", "{\"Name\":\"gone\"}");
    char *net2 = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    assert_int_equal(post_status(t, "/containers/%s/start", "gonenet", NULL, 0), 204);
    assert_int_equal(post_status(t, "/containers/%s/stop", "gonenet", NULL, 0), 204);
    r = CALL(t, "DELETE", "/networks/gone", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/networks/create", "{\"Name\":\"gone\"}");
    dk_reply_free(&r);
    char msg[256];
    assert_int_equal(post_status(t, "/containers/%s/start", "gonenet", msg, sizeof msg), 404);
    char *want = osh_str_printf("network %s not found", net2);
    assert_string_equal(msg, want);
    free(want);
    /* the bootstrap's reconcile (rules §4.8.1): disconnect by name drops the stale endpoint,
     * connect attaches the new network, and the start works */
    r = CALL(t, "GET", "/containers/gonenet/json", NULL);
    assert_non_null(dk_jget(r.json, "NetworkSettings.Networks.gone"));
    dk_reply_free(&r);
    r = CALL(t, "POST", "/networks/gone/disconnect", "{\"Container\":\"gonenet\",\"Force\":true}");
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/networks/gone/connect", "{\"Container\":\"gonenet\",\"EndpointConfig\":{}}");
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    assert_int_equal(post_status(t, "/containers/%s/start", "gonenet", NULL, 0), 204);
    free(net1);
    free(net2);
    free(id);
}

/* ---- List ------------------------------------------------------------------------------- */

static size_t list_count(dk_test *t, const char *query)
{
    char *target = osh_str_printf("/containers/json%s", query);
    dk_reply r = CALL(t, "GET", target, NULL);
    free(target);
    assert_int_equal(r.status, 200);
    size_t n = (size_t)cJSON_GetArraySize(r.json);
    dk_reply_free(&r);
    return n;
}

static void test_list_filters(void **state)
{
    dk_test *t = *state;
    char *a = dk_create(t, "web-1", "{\"Image\":\"busy:1\",\"Labels\":{\"app\":\"web\",\"tier\":\"f\"}}", true);
    char *b = dk_create(t, "web-2", "{\"Image\":\"busy:1\",\"Labels\":{\"app\":\"web\"}}", false);
    char *c = dk_create(t, "db", "{\"Image\":\"busy:1\",\"Labels\":{\"app\":\"db\"}}", false);
    assert_int_equal(list_count(t, ""), 1);
    assert_int_equal(list_count(t, "?all=1"), 3);
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22name%22%3A%5B%22web%22%5D%7D"), 2);
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22name%22%3A%5B%22%5Eweb-1%24%22%5D%7D"), 1);
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22label%22%3A%5B%22app%3Dweb%22%5D%7D"), 2);
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22label%22%3A%5B%22app%3Dweb%22%2C%22tier%22%5D%7D"), 1);
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22status%22%3A%5B%22created%22%5D%7D"), 2);
    assert_int_equal(list_count(t, "?filters=%7B%22status%22%3A%5B%22created%22%5D%7D"), 2);
    char *q = osh_str_printf("?all=1&filters=%%7B%%22id%%22%%3A%%5B%%22%.8s%%22%%5D%%7D", c);
    assert_int_equal(list_count(t, q), 1);
    free(q);
    /* legacy map form of filters */
    assert_int_equal(list_count(t, "?all=1&filters=%7B%22name%22%3A%7B%22db%22%3Atrue%7D%7D"), 1);
    dk_reply r = CALL(t, "GET", "/containers/json?filters=%7B%22status%22%3A%5B%22bogus%22%5D%7D", NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "Invalid filter 'status=bogus'");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "Invalid filter 'bogus'");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/json?filters=%7Bnot", NULL);
    assert_int_equal(r.status, 500);
    assert_string_equal(dk_message(&r), "invalid character 'n' looking for beginning of object key string");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/json?all=1&filters=%7B%22name%22%3A%5B%22web-1%22%5D%7D", NULL);
    assert_string_equal(dk_jstr(r.json, "0.Names.0"), "/web-1");
    assert_string_equal(dk_jstr(r.json, "0.State"), "running");
    assert_true(osh_str_starts_with(dk_jstr(r.json, "0.Status"), "Up "));
    assert_string_equal(dk_jstr(r.json, "0.Labels.tier"), "f");
    dk_reply_free(&r);
    free(a);
    free(b);
    free(c);
}

/* ---- Logs ------------------------------------------------------------------------------- */

static void test_logs(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "talker", "{\"Image\":\"busy:1\",\"Cmd\":[\"sh\",\"-c\",\"echo hello; echo oops >&2; while :; do sleep 1; done\"]}", true);
    mock_docker_append_log(t->d, "talker", 1, "third");
    dk_reply r = CALL(t, "GET", "/containers/talker/logs?stdout=1&stderr=1", NULL);
    assert_int_equal(r.status, 200);
    char *ct = dk_header(&r, "Content-Type");
    assert_null(ct); /* dockerd 20.10 sends none */
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "hello\nthird\n");
    assert_string_equal(osh_buf_str(&err), "oops\n");
    dk_reply_free(&r);
    osh_buf_reset(&out);
    osh_buf_reset(&err);
    r = CALL(t, "GET", "/containers/talker/logs?stdout=1&tail=1", NULL);
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "third\n");
    assert_int_equal(err.len, 0);
    dk_reply_free(&r);
    osh_buf_reset(&out);
    r = CALL(t, "GET", "/containers/talker/logs?stdout=1&tail=0", NULL);
    assert_int_equal(r.body.len, 0);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/talker/logs?stdout=1&tail=-1", NULL);
    osh_buf_reset(&out);
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "hello\nthird\n");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/talker/logs?stderr=1&timestamps=1", NULL);
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_true(osh_str_ends_with(osh_buf_str(&err), "Z oops\n"));
    assert_int_equal(osh_buf_str(&err)[4], '-');
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/talker/logs?stdout=1&since=4000000000", NULL);
    assert_int_equal(r.body.len, 0);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/talker/logs", NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "Bad parameters: you must choose at least one stream");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/nosuch/logs?stdout=1", NULL);
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    osh_buf_free(&out);
    osh_buf_free(&err);
    free(id);
}

static void test_logs_tty_raw(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "tty", "{\"Image\":\"busy:1\",\"Tty\":true}", true);
    mock_docker_append_log(t->d, "tty", 1, "raw line");
    dk_reply r = CALL(t, "GET", "/containers/tty/logs?stdout=1", NULL);
    assert_string_equal(osh_buf_str(&r.body), "raw line\r\n"); /* through a pty */
    dk_reply_free(&r);
    free(id);
}

typedef struct follower {
    dk_test *t;
    dk_reply r;
} follower;

static void *follow_thread(void *p)
{
    follower *f = p;
    f->r = CALL(f->t, "GET", "/containers/followed/logs?follow=1&stdout=1&stderr=1&tail=0", NULL);
    return NULL;
}

/* follow=1 streams new lines and ends when the container stops */
static void test_logs_follow(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "followed", "{\"Image\":\"busy:1\"}", true);
    mock_docker_append_log(t->d, "followed", 1, "before");
    follower f = {t, {0}};
    pthread_t th;
    pthread_create(&th, NULL, follow_thread, &f);
    while (mock_http_journal_count(mock_docker_http(t->d), "GET", "/containers/followed/logs") == 0)
        usleep(1000);
    mock_docker_append_log(t->d, "followed", 2, "DNS_PROBE_FAILED: cannot resolve ghcr.io");
    mock_docker_append_log(t->d, "followed", 1, "after");
    assert_int_equal(mock_docker_container_exit(t->d, "followed", 0, NULL, false), 0);
    pthread_join(th, NULL);
    assert_int_equal(f.r.rc, CURLE_OK);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(f.r.body.data, f.r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "after\n"); /* tail=0: nothing from before */
    assert_string_equal(osh_buf_str(&err), "DNS_PROBE_FAILED: cannot resolve ghcr.io\n");
    osh_buf_free(&out);
    osh_buf_free(&err);
    dk_reply_free(&f.r);
    free(id);
}

static void *attach_thread(void *p)
{
    follower *f = p;
    f->r = CALL(f->t, "POST", "/containers/att/attach?stream=1&stdout=1&stderr=1", NULL);
    return NULL;
}

/* attach (as docker run does it: before start) gets the output and ends at the exit; a
 * command made only of echo/exit finishes at once with its status */
static void test_attach_and_short_commands(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "att", "{\"Image\":\"busy:1\",\"Cmd\":[\"sh\",\"-c\",\"echo hi; echo err >&2; exit 2\"]}", false);
    follower f = {t, {0}};
    pthread_t th;
    pthread_create(&th, NULL, attach_thread, &f);
    while (mock_http_journal_count(mock_docker_http(t->d), "POST", "/containers/att/attach") == 0)
        usleep(1000);
    assert_int_equal(post_status(t, "/containers/%s/start", "att", NULL, 0), 204);
    pthread_join(th, NULL);
    assert_int_equal(f.r.status, 200);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(f.r.body.data, f.r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "hi\n");
    assert_string_equal(osh_buf_str(&err), "err\n");
    dk_reply_free(&f.r);
    dk_reply r = CALL(t, "GET", "/containers/att/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "exited");
    assert_int_equal(dk_jget(r.json, "State.ExitCode")->valueint, 2);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/containers/nosuch/attach?stream=1&stdout=1", NULL);
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    /* AutoRemove (docker run --rm): gone once it exits */
    char *rm = dk_create(t, "autorm", "{\"Image\":\"busy:1\",\"Cmd\":[\"echo\",\"x\"],\"HostConfig\":{\"AutoRemove\":true}}", true);
    r = CALL(t, "GET", "/containers/autorm/json", NULL);
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    osh_buf_free(&out);
    osh_buf_free(&err);
    free(rm);
    free(id);
}

/* ---- Archive ---------------------------------------------------------------------------- */

static void test_archive(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "files", "{\"Image\":\"busy:1\"}", true);
    osh_buf tar = OSH_BUF_INIT;
    dk_tar_writer *w = dk_tar_writer_new(&tar);
    dk_tar_add_dir(w, "d", 0755, 0);
    dk_tar_add_file(w, "d/a.txt", 0644, 0, "hello archive\n", 14);
    dk_tar_finish(w);
    dk_reply r = dk_call_bin(t, "PUT", "/containers/files/archive?path=/tmp", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    osh_buf content = OSH_BUF_INIT;
    assert_int_equal(mock_docker_file_read(t->d, "files", "/tmp/d/a.txt", &content), 0);
    assert_string_equal(osh_buf_str(&content), "hello archive\n");
    r = CALL(t, "HEAD", "/containers/files/archive?path=/tmp/d/a.txt", NULL);
    assert_int_equal(r.status, 200);
    char *stat = dk_header(&r, "X-Docker-Container-Path-Stat");
    osh_buf decoded = OSH_BUF_INIT;
    assert_true(osh_base64_decode(&decoded, stat, strlen(stat)));
    cJSON *st = cJSON_Parse(osh_buf_str(&decoded));
    assert_string_equal(dk_jstr(st, "name"), "a.txt");
    assert_int_equal(dk_jget(st, "size")->valueint, 14);
    assert_int_equal((long)dk_jget(st, "mode")->valuedouble, 0644);
    cJSON_Delete(st);
    free(stat);
    dk_reply_free(&r);
    r = CALL(t, "HEAD", "/containers/files/archive?path=/../../tmp/d/a.txt", NULL); /* clamped at / */
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    r = CALL(t, "HEAD", "/containers/files/archive?path=/tmp/d", NULL);
    stat = dk_header(&r, "X-Docker-Container-Path-Stat");
    osh_buf_reset(&decoded);
    osh_base64_decode(&decoded, stat, strlen(stat));
    st = cJSON_Parse(osh_buf_str(&decoded));
    assert_true(dk_jget(st, "mode")->valuedouble >= 2147483648.0); /* os.ModeDir */
    cJSON_Delete(st);
    free(stat);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/files/archive?path=/tmp/d", NULL);
    assert_int_equal(r.status, 200);
    char *ct = dk_header(&r, "Content-Type");
    assert_string_equal(ct, "application/x-tar");
    free(ct);
    /* what came out can go back in elsewhere */
    dk_reply back = dk_call_bin(t, "PUT", "/containers/files/archive?path=/root", r.body.data, r.body.len, "application/x-tar");
    assert_int_equal(back.status, 200);
    dk_reply_free(&back);
    osh_buf_reset(&content);
    assert_int_equal(mock_docker_file_read(t->d, "files", "/root/d/a.txt", &content), 0);
    assert_string_equal(osh_buf_str(&content), "hello archive\n");
    dk_reply_free(&r);
    struct {
        const char *method, *target;
        long status;
        const char *message;
    } errors[] = {
        {"GET", "/containers/files/archive?path=/nonexistent", 404, "Could not find the file /nonexistent in container files"},
        {"HEAD", "/containers/files/archive?path=/nonexistent", 404, NULL},
        {"GET", "/containers/files/archive", 400, "bad parameter: pathcannot be empty"},
        {"GET", "/containers/nosuch/archive?path=/tmp", 404, "No such container: nosuch"},
        {"GET", "/containers/files/archive?path=/../../nonexistent", 404, "Could not find the file /../../nonexistent in container files"},
        {"GET", "/containers/files/archive?path=relative", 404, NULL},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        r = CALL(t, errors[i].method, errors[i].target, NULL);
        if (r.status != errors[i].status)
            fail_msg("%s %s: %ld", errors[i].method, errors[i].target, r.status);
        if (errors[i].message)
            assert_string_equal(dk_message(&r), errors[i].message);
        dk_reply_free(&r);
    }
    r = dk_call_bin(t, "PUT", "/containers/files/archive?path=/nonexistent", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    r = dk_call_bin(t, "PUT", "/containers/files/archive?path=/tmp", "notatar", 7, "application/x-tar");
    assert_int_equal(r.status, 500);
    assert_true(osh_str_starts_with(dk_message(&r), "Error processing tar file(exit status 1): "));
    dk_reply_free(&r);
    /* an entry escaping the target is refused; dockerd keeps the entries before it */
    osh_buf evil = OSH_BUF_INIT;
    w = dk_tar_writer_new(&evil);
    dk_tar_add_file(w, "ok.txt", 0644, 0, "x", 1);
    dk_tar_add_file(w, "../../escape.txt", 0644, 0, "x", 1);
    dk_tar_finish(w);
    r = dk_call_bin(t, "PUT", "/containers/files/archive?path=/tmp", evil.data, evil.len, "application/x-tar");
    assert_int_equal(r.status, 500);
    assert_string_equal(dk_message(&r), "Error processing tar file(exit status 1): \"../../escape.txt\" is outside of \"/tmp\"");
    dk_reply_free(&r);
    r = dk_call_bin(t, "PUT", "/containers/files/archive?path=/tmp/d/a.txt", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 500);
    assert_string_equal(dk_message(&r), "extraction point is not a directory");
    dk_reply_free(&r);
    osh_buf_reset(&content);
    assert_int_equal(mock_docker_file_read(t->d, "files", "/tmp/ok.txt", &content), 0);
    assert_int_equal(mock_docker_file_read(t->d, "files", "/escape.txt", &content), -1);
    osh_buf_free(&evil);
    osh_buf_free(&decoded);
    osh_buf_free(&content);
    osh_buf_free(&tar);
    free(id);
}

/* Fuzz regression (tests/fuzz/regressions/docker_archive/sibling-prefix.tar): /tmp/xz starts with
 * the bytes of /tmp/x but is a sibling, not a child; a prefix test let "a/../../xz" land there. */
static void test_archive_sibling_prefix(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "sibling", "{\"Image\":\"busy:1\"}", true);
    osh_buf tar = OSH_BUF_INIT;
    dk_tar_writer *w = dk_tar_writer_new(&tar);
    dk_tar_add_dir(w, "x", 0755, 0);
    dk_tar_finish(w);
    dk_reply r = dk_call_bin(t, "PUT", "/containers/sibling/archive?path=/tmp", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    osh_buf_reset(&tar);
    w = dk_tar_writer_new(&tar);
    dk_tar_add_file(w, "a/../../xz", 0644, 0, "x", 1);
    dk_tar_finish(w);
    r = dk_call_bin(t, "PUT", "/containers/sibling/archive?path=/tmp/x", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 500);
    /* the name as Go's filepath.Clean gives it (checked on dockerd) */
    assert_string_equal(dk_message(&r), "Error processing tar file(exit status 1): \"../xz\" is outside of \"/tmp/x\"");
    dk_reply_free(&r);
    osh_buf content = OSH_BUF_INIT;
    assert_int_equal(mock_docker_file_read(t->d, "sibling", "/tmp/xz", &content), -1);
    /* going up and back down into dest stays allowed */
    osh_buf_reset(&tar);
    w = dk_tar_writer_new(&tar);
    dk_tar_add_file(w, "a/../../x/in.txt", 0644, 0, "in", 2);
    dk_tar_finish(w);
    r = dk_call_bin(t, "PUT", "/containers/sibling/archive?path=/tmp/x", tar.data, tar.len, "application/x-tar");
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    assert_int_equal(mock_docker_file_read(t->d, "sibling", "/tmp/x/in.txt", &content), 0);
    assert_string_equal(osh_buf_str(&content), "in");
    osh_buf_free(&content);
    osh_buf_free(&tar);
    free(id);
}

/* A PUT of one tar (entries given as {name, type 'f'|'d'|'l'|'h', data or link}) to path. */
typedef struct tar_ent {
    const char *name;
    char type;
    const char *data; /* 'f': the content; 'l' and 'h': the link */
} tar_ent;

static dk_reply put_tar(dk_test *t, const char *target, const tar_ent *ents, size_t n)
{
    osh_buf tar = OSH_BUF_INIT;
    dk_tar_writer *w = dk_tar_writer_new(&tar);
    for (size_t i = 0; i < n; i++) {
        if (ents[i].type == 'h')
            dk_tar_add_hardlink(w, ents[i].name, ents[i].data, 0);
        else if (ents[i].type == 'l')
            dk_tar_add_symlink(w, ents[i].name, ents[i].data, 0);
        else if (ents[i].type == 'd')
            dk_tar_add_dir(w, ents[i].name, 0755, 0);
        else
            dk_tar_add_file(w, ents[i].name, 0644, 0, ents[i].data, strlen(ents[i].data));
    }
    dk_tar_finish(w);
    dk_reply r = dk_call_bin(t, "PUT", target, tar.data, tar.len, "application/x-tar");
    osh_buf_free(&tar);
    return r;
}

static void expect_put(dk_test *t, const char *target, const tar_ent *ents, size_t n, long status,
                       const char *message)
{
    dk_reply r = put_tar(t, target, ents, n);
    if (r.status != status || (message && strcmp(dk_message(&r), message) != 0))
        fail_msg("PUT %s: %ld %s, want %ld %s", target, r.status, osh_buf_str(&r.body), status,
                 message ? message : "");
    dk_reply_free(&r);
}

static void expect_file(dk_test *t, const char *path, const char *want)
{
    osh_buf content = OSH_BUF_INIT;
    int rc = mock_docker_file_read(t->d, "links", path, &content);
    if (want ? rc != 0 || strcmp(osh_buf_str(&content), want) != 0 : rc == 0)
        fail_msg("%s: rc %d '%s', want %s", path, rc, osh_buf_str(&content), want ? want : "absent");
    osh_buf_free(&content);
}

#define PUT(t, target, status, msg, ...)                                                        \
    do {                                                                                       \
        const tar_ent ents_[] = {__VA_ARGS__};                                                 \
        expect_put(t, target, ents_, sizeof ents_ / sizeof ents_[0], status, msg);             \
    } while (0)
#define TARERR "Error processing tar file(exit status 1): "

/* Hard links and symlinks in an archive PUT, as dockerd 20.10 answers them (each case run on
 * the real daemon, docs/docker-fidelity.md "Archive PUT"): a hard link names a path inside
 * the destination (a leading "/" is inside too), so one to /etc/shadow fails with "no such
 * file"; one that climbs out is an "invalid hardlink"; symlinks may point anywhere inside the
 * container but not climb out of the destination; writes through a symlink land in the
 * container's tree; entries before an error stay. */
static void test_archive_links(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "links", "{\"Image\":\"busy:1\"}", true);
    PUT(t, "/containers/links/archive?path=/etc", 200, NULL, {"shadow", 'f', "secret\n"});
    PUT(t, "/containers/links/archive?path=/", 200, NULL, {"dst", 'd', NULL});
    const char *dst = "/containers/links/archive?path=/dst";
    PUT(t, dst, 500, TARERR "link /dst/etc/shadow /dst/h: no such file or directory", {"h", 'h', "/etc/shadow"});
    PUT(t, dst, 500, TARERR "link /dst/etc/shadow /dst/h: no such file or directory", {"h", 'h', "etc/shadow"});
    PUT(t, dst, 500, TARERR "invalid hardlink \"/etc/passwd\" -> \"../etc/passwd\"", {"h", 'h', "../etc/passwd"});
    expect_file(t, "/dst/h", NULL);
    /* a link to a file of the same archive is its content */
    PUT(t, dst, 200, NULL, {"a", 'f', "hello"}, {"b", 'h', "a"});
    expect_file(t, "/dst/b", "hello");
    /* a link replaces what was there */
    PUT(t, dst, 200, NULL, {"c", 'f', "C"}, {"c", 'h', "a"});
    expect_file(t, "/dst/c", "hello");
    PUT(t, dst, 500, TARERR "link /dst/d /dst/hd: operation not permitted", {"d", 'd', NULL}, {"hd", 'h', "d"});
    /* the entries before the error stay, the ones after are not written */
    PUT(t, dst, 500, TARERR "link /dst/nosuch /dst/h: no such file or directory",
        {"p1", 'f', "1"}, {"h", 'h', "nosuch"}, {"p2", 'f', "2"});
    expect_file(t, "/dst/p1", "1");
    expect_file(t, "/dst/p2", NULL);
    /* symlinks: absolute targets are inside the container; climbing out of dest is refused */
    PUT(t, dst, 200, NULL, {"s", 'l', "/etc/shadow"});
    PUT(t, dst, 500, TARERR "invalid symlink \"/dst/s2\" -> \"../../../etc/passwd\"", {"s2", 'l', "../../../etc/passwd"});
    /* a write through a symlinked directory lands where it points, inside the container */
    PUT(t, dst, 200, NULL, {"se", 'l', "/etc"}, {"se/evil", 'f', "pwn"});
    expect_file(t, "/etc/evil", "pwn");
    /* a hard link through a symlink reaches the container's file */
    PUT(t, dst, 200, NULL, {"hv", 'h', "se/shadow"});
    expect_file(t, "/dst/hv", "secret\n");
    /* the destination itself is resolved */
    PUT(t, "/containers/links/archive?path=/", 200, NULL, {"dst2", 'l', "/dst"});
    PUT(t, "/containers/links/archive?path=/dst2", 500, TARERR "link /dst/nosuch /dst/b2: no such file or directory", {"b2", 'h', "nosuch"});
    /* noOverwriteDirNonDir, as docker cp sends it */
    PUT(t, "/containers/links/archive?path=/dst&noOverwriteDirNonDir=true", 500,
        TARERR "cannot overwrite directory \"/dst/d\" with non-directory \"/dst\"", {"d", 'f', "x"});
    PUT(t, "/containers/links/archive?path=/dst&noOverwriteDirNonDir=true", 500,
        TARERR "cannot overwrite non-directory \"/dst/a\" with directory \"/dst\"", {"a", 'd', NULL});
    PUT(t, dst, 200, NULL, {"d", 'f', "now a file"});
    expect_file(t, "/dst/d", "now a file");
    free(id);
}

/* ---- Exec ------------------------------------------------------------------------------- */

static char *exec_create(dk_test *t, const char *ref, const char *cmd_json)
{
    char *target = osh_str_printf("/containers/%s/exec", ref);
    char *body = osh_str_printf("{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":%s}", cmd_json);
    dk_reply r = CALL(t, "POST", target, body);
    free(target);
    free(body);
    assert_int_equal(r.status, 201);
    char *id = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    return id;
}

static void test_exec_plain_stream(void **state)
{
    dk_test *t = *state;
    char *cid = dk_create(t, "ex", "{\"Image\":\"busy:1\",\"Hostname\":\"exhost\"}", true);
    char *eid = exec_create(t, "ex", "[\"sh\",\"-c\",\"echo out; nosuch; exit 5\"]");
    char *target = osh_str_printf("/exec/%s/json", eid);
    dk_reply r = CALL(t, "GET", target, NULL);
    assert_true(cJSON_IsNull(dk_jget(r.json, "ExitCode")));
    assert_false(cJSON_IsTrue(dk_jget(r.json, "Running")));
    assert_string_equal(dk_jstr(r.json, "ProcessConfig.entrypoint"), "sh");
    assert_string_equal(dk_jstr(r.json, "ContainerID"), cid);
    dk_reply_free(&r);
    char *start = osh_str_printf("/exec/%s/start", eid);
    r = CALL(t, "POST", start, "{\"Detach\":false,\"Tty\":false}");
    assert_int_equal(r.status, 200);
    char *ct = dk_header(&r, "Content-Type");
    assert_string_equal(ct, "application/vnd.docker.raw-stream");
    free(ct);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "out\n");
    assert_string_equal(osh_buf_str(&err), "sh: 1: nosuch: not found\n");
    dk_reply_free(&r);
    r = CALL(t, "GET", target, NULL);
    assert_int_equal(dk_jget(r.json, "ExitCode")->valueint, 5);
    assert_true(dk_jget(r.json, "Pid")->valueint > 0);
    dk_reply_free(&r);
    /* a second start: dockerd answers 200 and writes the error into the stream */
    r = CALL(t, "POST", start, "{\"Detach\":false,\"Tty\":false}");
    assert_int_equal(r.status, 200);
    osh_buf_reset(&out);
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    char *want = osh_str_printf("Error: Exec command %s has already run\r\n", eid);
    assert_string_equal(osh_buf_str(&out), want);
    free(want);
    dk_reply_free(&r);
    osh_buf_free(&out);
    osh_buf_free(&err);
    free(start);
    free(target);
    free(eid);
    free(cid);
}

/* An exec start with Upgrade: tcp on a raw socket; sends `input` (then half-closes when
 * half_close) after the request, and returns the demuxed stdout of the hijacked stream. */
static char *hijacked_exec(dk_test *t, const char *eid, const char *input, bool half_close)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, t->sock, strlen(t->sock) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    /* a guard against a mock that waits for input it should not wait for; not a timing check */
    struct timeval guard = {.tv_sec = 60};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    const char *body = "{\"Detach\":false,\"Tty\":false}";
    char *req = osh_str_printf("POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: docker\r\n"
                               "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\n\r\n%s%s", eid, strlen(body), body, input);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    if (half_close)
        shutdown(fd, SHUT_WR);
    osh_buf got = OSH_BUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        osh_buf_append(&got, buf, (size_t)n);
    assert_int_equal(n, 0); /* the mock closed it; not the guard */
    close(fd);
    const char *text = osh_buf_str(&got);
    assert_true(osh_str_starts_with(text, "HTTP/1.1 101"));
    const char *payload = strstr(text, "\r\n\r\n") + 4;
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(payload, got.len - (size_t)(payload - text), &out, &err));
    osh_buf_free(&err);
    osh_buf_free(&got);
    free(req);
    return osh_buf_detach(&out);
}

/* Issue 13 item 6: with AttachStdin the bytes the client sends on the hijacked connection
 * reach the command, up to its half-close; a command that does not read stdin answers
 * without waiting for it (as on dockerd: `docker exec -i c echo hi`). */
static void test_exec_stdin(void **state)
{
    dk_test *t = *state;
    char *cid = dk_create(t, "in", "{\"Image\":\"busy:1\"}", true);
    const char *attached = "{\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":%s}";
    const char *cmds[] = {"[\"cat\"]", "[\"sh\",\"-c\",\"cat; echo end\"]", "[\"cat\",\"-\"]"};
    const char *want[] = {"line 1\nline 2\n", "line 1\nline 2\nend\n", "line 1\nline 2\n"};
    for (size_t i = 0; i < 3; i++) {
        char *body = osh_str_printf(attached, cmds[i]);
        dk_reply r = CALL(t, "POST", "/containers/in/exec", body);
        assert_int_equal(r.status, 201);
        char *eid = osh_str_dup(dk_jstr(r.json, "Id"));
        dk_reply_free(&r);
        char *out = hijacked_exec(t, eid, "line 1\nline 2\n", true);
        assert_string_equal(out, want[i]);
        free(out);
        free(eid);
        free(body);
    }
    char *body = osh_str_printf(attached, "[\"echo\",\"hi\"]");
    dk_reply r = CALL(t, "POST", "/containers/in/exec", body);
    char *eid = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    char *out = hijacked_exec(t, eid, "", false); /* input never ends */
    assert_string_equal(out, "hi\n");
    free(out);
    free(eid);
    free(body);
    /* without AttachStdin the input is not the command's */
    char *plain = exec_create(t, "in", "[\"cat\"]");
    out = hijacked_exec(t, plain, "ignored\n", true);
    assert_string_equal(out, "");
    free(out);
    free(plain);
    free(cid);
}

static void test_exec_upgrade(void **state)
{
    dk_test *t = *state;
    char *cid = dk_create(t, "up", "{\"Image\":\"busy:1\",\"Hostname\":\"uphost\"}", true);
    char *eid = exec_create(t, "up", "[\"hostname\"]");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, t->sock, strlen(t->sock) + 1); /* the temp path is short */
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    const char *body = "{\"Detach\":false,\"Tty\":false}";
    char *req = osh_str_printf("POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: docker\r\n"
                               "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\n\r\n%s", eid, strlen(body), body);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    osh_buf got = OSH_BUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        osh_buf_append(&got, buf, (size_t)n);
    close(fd);
    const char *text = osh_buf_str(&got);
    assert_true(osh_str_starts_with(text, "HTTP/1.1 101"));
    assert_non_null(strstr(text, "Upgrade: tcp\r\n"));
    const char *payload = strstr(text, "\r\n\r\n") + 4;
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(payload, got.len - (size_t)(payload - text), &out, &err));
    assert_string_equal(osh_buf_str(&out), "uphost\n");
    osh_buf_free(&out);
    osh_buf_free(&err);
    osh_buf_free(&got);
    free(req);
    char *target = osh_str_printf("/exec/%s/json", eid);
    dk_reply r = CALL(t, "GET", target, NULL);
    assert_int_equal(dk_jget(r.json, "ExitCode")->valueint, 0);
    dk_reply_free(&r);
    free(target);
    free(eid);
    free(cid);
}

static void test_exec_errors(void **state)
{
    dk_test *t = *state;
    char *cid = dk_create(t, "stopped", "{\"Image\":\"busy:1\"}", false);
    dk_reply r = CALL(t, "POST", "/containers/stopped/exec", "{\"Cmd\":[\"true\"]}");
    assert_int_equal(r.status, 409);
    char *want = osh_str_printf("Container %s is not running", cid);
    assert_string_equal(dk_message(&r), want);
    free(want);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/containers/nosuch/exec", "{\"Cmd\":[\"true\"]}");
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    char *run = dk_create(t, "running", "{\"Image\":\"busy:1\"}", true);
    r = CALL(t, "POST", "/containers/running/exec", "{\"AttachStdout\":true}");
    assert_int_equal(r.status, 400);
    assert_string_equal(dk_message(&r), "No exec command specified");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/exec/nosuchexec/json", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(dk_message(&r), "No such exec instance: nosuchexec");
    dk_reply_free(&r);
    r = CALL(t, "POST", "/exec/nosuchexec/start", "{}");
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    /* Tty: raw output through a pty, no frames */
    r = CALL(t, "POST", "/containers/running/exec", "{\"AttachStdout\":true,\"Tty\":true,\"Cmd\":[\"echo\",\"tty\"]}");
    char *tty_start = osh_str_printf("/exec/%s/start", dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    r = CALL(t, "POST", tty_start, "{\"Detach\":false,\"Tty\":true}");
    assert_string_equal(osh_buf_str(&r.body), "tty\r\n");
    dk_reply_free(&r);
    free(tty_start);
    /* Detach: runs, answers 200 without output */
    char *eid = exec_create(t, "running", "[\"false\"]");
    char *start = osh_str_printf("/exec/%s/start", eid);
    r = CALL(t, "POST", start, "{\"Detach\":true}");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    dk_reply_free(&r);
    char *target = osh_str_printf("/exec/%s/json", eid);
    r = CALL(t, "GET", target, NULL);
    assert_int_equal(dk_jget(r.json, "ExitCode")->valueint, 1);
    dk_reply_free(&r);
    free(target);
    free(start);
    free(eid);
    free(run);
    free(cid);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ping_and_version),
        cmocka_unit_test(test_info_without_cdi),
        T(test_create_keeps_body),
        T(test_hostname_defaults_to_short_id),
        T(test_create_errors),
        cmocka_unit_test(test_no_command),
        T(test_lifecycle_statuses),
        T(test_force_remove_running),
        T(test_wait_blocks_until_stop),
        T(test_start_failures),
        T(test_network_gone_at_start),
        T(test_list_filters),
        T(test_logs),
        T(test_logs_tty_raw),
        T(test_logs_follow),
        T(test_attach_and_short_commands),
        T(test_archive),
        T(test_archive_sibling_prefix),
        T(test_archive_links),
        T(test_exec_plain_stream),
        T(test_exec_upgrade),
        T(test_exec_stdin),
        T(test_exec_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
