/* test_impl_resume.c: deploys over what an earlier run left (rules §4.2, 4.4, 4.8.1, 9.6):
 * volume-only resume, pre-existing containers (port read-back, image not compared),
 * stale network endpoints, stored host defaults, environment-driven create bodies, and the
 * resume-mode cleanup that keeps the volume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include "impl_world.h"
#include "osh_str.h"

#define C "openshell-cluster-t"

static const char *const START_T[] = {"gateway", "start", "--name", "t", NULL};

static void assert_exit(impl_world *w, int want)
{
    if (w->exit_code != want)
        fail_msg("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", w->exit_code, want, osh_buf_str(&w->out),
                 osh_buf_str(&w->err));
}

static char *create_env(impl_world *w)
{
    cJSON *body = iw_body(w, "POST", "/containers/create");
    assert_non_null(body);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(body, "Env"));
    cJSON_Delete(body);
    return text;
}

/* RES-VOLUME-ONLY (Docker side) */
static void volume_only_resumes_with_image_step(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"volumes\": [{\"name\": \"" C "\"}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "  Resuming gateway from existing state\n  Downloading gateway\n");
    assert_int_equal(iw_count(w, "POST", "/volumes/create"), 0);
    assert_int_equal(iw_count(w, "POST", "/containers/create"), 1);
    iw_free(w);
}

/* CLN-RESUME: a failed resumed deploy keeps the volume. */
static void resume_failure_keeps_volume(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"volumes\": [{\"name\": \"" C "\"}], \"faults\": [{\"method\": \"GET\", "
                           "\"path\": \"/containers/*/json\", \"json_set\": {\"State.Health.Status\": \"starting\"}}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "timed out waiting for gateway health check");
    assert_true(iw_docker_has(w, "volumes", C));
    assert_false(iw_docker_has(w, "containers", C));
    assert_false(iw_docker_has(w, "networks", C));
    assert_int_equal(iw_count(w, "DELETE", "/volumes/*"), 0);
    assert_int_equal(iw_count(w, "DELETE", "/images/*"), 0);
    iw_free(w);
}

/* NET-STALE */
static void stale_network_endpoints_are_disconnected(void **state)
{
    const char *create = "\"create\": {\"Image\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"Cmd\": [\"sleep\"], "
                         "\"HostConfig\": {\"NetworkMode\": \"" C "\"}}";
    char *scenario = osh_str_printf(
        "{\"docker\": {\"networks\": [{\"name\": \"" C "\"}], \"containers\": ["
        "{\"name\": \"other1\", \"state\": \"running\", \"networks\": [\"" C "\"], %s},"
        "{\"name\": \"other2\", \"state\": \"running\", \"networks\": [\"" C "\"], %s}]}}",
        create, create);
    impl_world *w = iw_new(scenario);
    free(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    int first_delete = iw_find(w, 0, "DELETE", "/networks/" C);
    assert_int_equal(iw_count_between(w, 0, first_delete, "POST", "/networks/" C "/disconnect"), 2);
    int create_net = iw_find(w, first_delete, "POST", "/networks/create");
    assert_true(create_net > first_delete);
    cJSON *j = iw_journal(w);
    const cJSON *e;
    int forced = 0;
    cJSON_ArrayForEach(e, j)
    {
        const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(e, "body"));
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));
        if (path && strstr(path, "/disconnect") && body && strstr(body, "\"Force\":true"))
            forced++;
    }
    cJSON_Delete(j);
    assert_true(forced >= 2);
    iw_free(w);
}

/* RES-PORT-READBACK and RES-IMAGE-CHANGED: an existing stopped container is reused as it
 * is; its published port is what the metadata records. */
static void existing_container_is_reused(void **state)
{
    impl_world *w = iw_new(
        "{\"docker\": {\"images\": [{\"ref\": \"x/other:b\"}], \"volumes\": [{\"name\": \"" C "\"}], "
        "\"containers\": [{\"name\": \"" C "\", \"state\": \"exited\", \"create\": {\"Image\": "
        "\"ghcr.io/nvidia/openshell/cluster:dev\", \"Hostname\": \"openshell-t\", \"Cmd\": [\"server\"], "
        "\"HostConfig\": {\"PortBindings\": {\"30051/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"8123\"}]}, "
        "\"Binds\": [\"" C ":/var/lib/rancher/k3s\"]}}}]}}");
    iw_run(w, START_T, (const char *const[]){"OPENSHELL_CLUSTER_IMAGE=x/other:b", NULL});
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "Resuming gateway from existing state");
    iw_assert_not_contains(osh_buf_str(&w->err), "Downloading gateway");
    assert_int_equal(iw_count(w, "POST", "/containers/create"), 0);
    assert_int_equal(iw_count(w, "GET", "/images/*"), 0);
    char *meta = iw_file(w, "gateways/t_metadata.json");
    iw_assert_contains(meta, "\"gateway_port\": 8123");
    iw_assert_contains(meta, "\"gateway_endpoint\": \"https://127.0.0.1:8123\"");
    free(meta);
    iw_free(w);
}

/* RES-STORED-HOST: the stored endpoint host fills in --gateway-host. */
static void stored_host_is_reused(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"volumes\": [{\"name\": \"" C "\"}]}}");
    char *cmd = osh_str_printf("mkdir -p '%s/gateways' && printf '%%s' '{\"name\": \"t\", \"gateway_endpoint\": "
                               "\"https://10.1.2.3:8080\", \"is_remote\": false, \"gateway_port\": 8080}' > "
                               "'%s/gateways/t_metadata.json'",
                               w->config_root, w->config_root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *env = create_env(w);
    iw_assert_contains(env, "\"EXTRA_SANS=10.1.2.3\",\"SSH_GATEWAY_HOST=10.1.2.3\",\"SSH_GATEWAY_PORT=8080\"");
    free(env);
    iw_assert_contains(osh_buf_str(&w->err), "Endpoint: https://10.1.2.3:8080");
    iw_free(w);
}

static void write_metadata(impl_world *w, const char *json)
{
    char *cmd = osh_str_printf("mkdir -p '%s/gateways' && printf '%%s' '%s' > '%s/gateways/t_metadata.json'",
                               w->config_root, json, w->config_root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static char *host_port(impl_world *w)
{
    cJSON *body = iw_body(w, "POST", "/containers/create");
    const cJSON *b = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "HostConfig"), "PortBindings"), "30051/tcp"), 0);
    char *port = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(b, "HostPort")));
    cJSON_Delete(body);
    return port;
}

/* rules §4.2 stored defaults: the stored port wins over --port unless --recreate. */
static void stored_port_replaces_the_flag(void **state)
{
    const char *meta = "{\"name\": \"t\", \"gateway_endpoint\": \"https://127.0.0.1:9191\", "
                       "\"is_remote\": false, \"gateway_port\": 9191}";
    impl_world *w = iw_new(NULL);
    write_metadata(w, meta);
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t", "--port", "9999"), NULL);
    assert_exit(w, 0);
    char *port = host_port(w);
    assert_string_equal(port, "9191");
    free(port);
    iw_assert_contains(osh_buf_str(&w->err), "Endpoint: https://127.0.0.1:9191");
    iw_free(w);
    w = iw_new(NULL);
    write_metadata(w, meta);
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t", "--port", "9999", "--recreate"), NULL);
    assert_exit(w, 0);
    port = host_port(w);
    assert_string_equal(port, "9999");
    free(port);
    iw_free(w);
}

/* DEP-GWHOST, DEP-PORT, DEP-REGISTRY, DEP-IMAGEREF */
static void create_body_follows_flags_and_environment(void **state)
{
    impl_world *w = iw_new(NULL);
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t", "--gateway-host", "host.docker.internal", "--port", "9090"),
           NULL);
    assert_exit(w, 0);
    cJSON *body = iw_body(w, "POST", "/containers/create");
    char *text = cJSON_PrintUnformatted(body);
    iw_assert_contains(text, "\"--tls-san=host.docker.internal\"]");
    iw_assert_contains(text, "\"EXTRA_SANS=host.docker.internal\",\"SSH_GATEWAY_HOST=host.docker.internal\","
                             "\"SSH_GATEWAY_PORT=9090\"");
    iw_assert_contains(text, "\"HostPort\":\"9090\"");
    free(text);
    cJSON_Delete(body);
    char *meta = iw_file(w, "gateways/t_metadata.json");
    iw_assert_contains(meta, "\"gateway_endpoint\": \"https://host.docker.internal:9090\"");
    iw_assert_contains(meta, "\"gateway_port\": 9090");
    free(meta);
    iw_free(w);

    w = iw_new(NULL);
    const char *env[] = {"OPENSHELL_REGISTRY_HOST=reg.local:5000", "OPENSHELL_REGISTRY_INSECURE=yes",
                         "OPENSHELL_REGISTRY_ENDPOINT=http://m", "IMAGE_TAG=v1", NULL};
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t", "--registry-token", "tk"), env);
    assert_exit(w, 0);
    char *envs = create_env(w);
    iw_assert_contains(envs, "\"REGISTRY_HOST=reg.local:5000\",\"REGISTRY_INSECURE=true\","
                             "\"IMAGE_REPO_BASE=reg.local:5000/openshell\",\"OPENSHELL_NODE_NAME=openshell-t\","
                             "\"REGISTRY_ENDPOINT=http://m\",\"REGISTRY_USERNAME=__token__\",\"REGISTRY_PASSWORD=tk\","
                             "\"IMAGE_TAG=v1\"");
    free(envs);
    cJSON *created = iw_body(w, "POST", "/containers/create");
    assert_string_equal(cJSON_GetObjectItem(created, "Image")->valuestring, "ghcr.io/nvidia/openshell/cluster:v1");
    cJSON_Delete(created);
    assert_int_equal(iw_count(w, "POST", "/images/create"), 1);
    iw_free(w);
}

/* Read from the pty until needle shows up or it closes; returns what was read. */
static void pty_read_until(int fd, osh_buf *out, const char *needle)
{
    for (int rounds = 0; rounds < 600; rounds++) {
        if (needle && strstr(osh_buf_str(out), needle))
            return;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0)
            return; /* EIO once the child has gone */
        osh_buf_append(out, chunk, (size_t)n);
    }
}

/* Run openshell on a pseudo-terminal (stdin, stdout, stderr); answer is written once
 * `question` shows up (NULL: never). Returns the exit status; out gets everything. */
static int pty_run(impl_world *w, char *const *argv, const char *extra_env, const char *question, const char *answer,
                   osh_buf *out)
{
    char *docker_host = osh_str_printf("DOCKER_HOST=%s", iw_docker_url(w, "unix://"));
    char *xdg = osh_str_printf("XDG_CONFIG_HOME=%s", w->config_root);
    xdg[strlen(xdg) - strlen("/openshell")] = '\0';
    char *path = osh_str_printf("PATH=%s", getenv("PATH"));
    char *env[] = {docker_host, xdg, path, "HOME=/nonexistent", "OPENSHELL_POLL_INTERVAL_MS=0",
                   "ASAN_OPTIONS=detect_leaks=1", (char *)extra_env, NULL};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        execve(argv[0], argv, env);
        _exit(127);
    }
    if (question) {
        pty_read_until(master, out, question);
        iw_assert_contains(osh_buf_str(out), question);
        assert_int_equal(write(master, answer, strlen(answer)), (ssize_t)strlen(answer));
    }
    pty_read_until(master, out, NULL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    free(docker_host);
    free(xdg);
    free(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* rules §3.4: on a terminal, [progress] lines show on one transient line. */
static void progress_on_a_terminal(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"images\": [{\"ref\": \"a/gateway:dev\"}], \"execs\": ["
                           "{\"argv\": [\"ctr\", \"-a\", \"/run/k3s/containerd/containerd.sock\", \"-n\", \"k8s.io\", "
                           "\"images\", \"import\", \"/tmp/openshell-images.tar\"]}, "
                           "{\"script\": \"KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get statefulset/openshell -n openshell "
                           "-o name 2>/dev/null\"}, {\"script\": \"KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl rollout restart "
                           "statefulset/openshell -n openshell\"}, {\"script\": \"KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl "
                           "rollout status statefulset/openshell -n openshell --timeout=180s\"}]}}");
    char *argv[] = {OPENSHELL_BIN, "gateway", "start", "--name", "t", "--recreate", NULL};
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(pty_run(w, argv, "OPENSHELL_PUSH_IMAGES=a/gateway:dev", NULL, NULL, &out), 0);
    iw_assert_contains(osh_buf_str(&out), "\r\x1b[K  Uploaded to gateway");
    iw_assert_contains(osh_buf_str(&out), "Gateway t ready.");
    osh_buf_free(&out);
    iw_free(w);
}

/* rules §3.1: on a terminal, an existing gateway is offered for recreation; answer recreates. */
static void prompt_answer_recreates(const char *answer)
{
    impl_world *w = iw_new(NULL);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *argv[] = {OPENSHELL_BIN, "gateway", "start", "--name", "t", NULL};
    osh_buf out = OSH_BUF_INIT;
    int code = pty_run(w, argv, NULL, "Gateway 't' already exists. Destroy and recreate it? [y/N] ", answer, &out);
    assert_int_equal(code, 0);
    iw_assert_contains(osh_buf_str(&out), "Removing existing gateway");
    /* A terminal gets the transient progress line of the health wait. */
    iw_assert_contains(osh_buf_str(&out), "\r\x1b[K  Waiting for the gateway to become healthy (1/180)");
    assert_int_equal(iw_count(w, "POST", "/containers/create"), 2);
    osh_buf_free(&out);
    iw_free(w);
}

static void interactive_prompt_recreates(void **state)
{
    (void)state;
    prompt_answer_recreates("y\n");
}

/* The whole answer line counts, however long (a 64-byte buffer once judged only its start). */
static void interactive_prompt_reads_the_whole_line(void **state)
{
    (void)state;
    char answer[200];
    memset(answer, ' ', 100);
    strcpy(answer + 100, "yes\n");
    prompt_answer_recreates(answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(volume_only_resumes_with_image_step, iw_teardown),
        cmocka_unit_test_teardown(resume_failure_keeps_volume, iw_teardown),
        cmocka_unit_test_teardown(stale_network_endpoints_are_disconnected, iw_teardown),
        cmocka_unit_test_teardown(existing_container_is_reused, iw_teardown),
        cmocka_unit_test_teardown(stored_host_is_reused, iw_teardown),
        cmocka_unit_test_teardown(stored_port_replaces_the_flag, iw_teardown),
        cmocka_unit_test_teardown(interactive_prompt_recreates, iw_teardown),
        cmocka_unit_test_teardown(interactive_prompt_reads_the_whole_line, iw_teardown),
        cmocka_unit_test_teardown(progress_on_a_terminal, iw_teardown),
        cmocka_unit_test_teardown(create_body_follows_flags_and_environment, iw_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
