/* test_docker_world.c: what scenarios and the k3s simulator drive: scenario loading and its
 * errors, pre-existing containers and networks, health/exit/log scripts by inspect count,
 * scripted exec answers, the hooks and C API, fault rules and the journal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "osh_str.h"

#define CALL(t, m, p, b) dk_call((t), (m), (p), (b), NULL)

static const char *inspect_health(dk_test *t, const char *ref, dk_reply *keep)
{
    char *target = osh_str_printf("/v1.41/containers/%s/json", ref);
    *keep = CALL(t, "GET", target, NULL);
    free(target);
    const char *h = dk_jstr(keep->json, "State.Health.Status");
    return h ? h : "(none)";
}

/* ---- Scenario errors --------------------------------------------------------------------- */

static void test_scenario_errors(void **state)
{
    const char *cases[][2] = {
        {"{\"bogus\":1}", "docker.bogus: unknown key (expected one of: api_version, min_api_version, "
                               "max_api_version, server_version, os, arch, kernel, hostname, builder_version, "
                               "experimental, cdi_spec_dirs, images, pullable, networks, volumes, containers, "
                               "scripts, execs, faults, comment)"},
        {"{\"images\":{}}", "docker.images: expected array"},
        {"{\"images\":[{\"ref\":1}]}", "docker.images[0].ref: expected string"},
        {"{\"images\":[{\"ref\":\"a:1\",\"id\":\"xyz\"}]}", "docker.images[0].id: expected 64 hex digits"},
        {"{\"containers\":[{\"name\":\"ok1\",\"create\":{\"Image\":\"none:1\"}}]}",
         "docker.containers[0].create.Image: no image none:1 in docker.images"},
        {"{\"containers\":[{\"name\":\"x\",\"create\":{\"Image\":\"a\"}}]}", "docker.containers[0].name: expected [a-zA-Z0-9][a-zA-Z0-9_.-]+"},
        {"{\"containers\":[{\"create\":{\"Image\":\"a\"}}]}", "docker.containers[0].name: required (string)"},
        {"{\"containers\":[{\"name\":\"ok1\",\"state\":1}]}", "docker.containers[0].state: expected string"},
        {"{\"containers\":[{\"name\":\"ok1\",\"stat\":1}]}", "docker.containers[0].stat: unknown key (expected one of: name,"},
        {"{\"scripts\":{\"c1\":{\"logs\":[{\"text\":\"x\",\"strem\":\"stderr\"}]}}}",
         "docker.scripts.c1.logs[0].strem: unknown key (expected one of: text, stream, at_inspect, on_log_open, comment)"},
        {"{\"scripts\":{\"c1\":{\"exit\":{\"at_inspect\":1,\"oom_killed\":\"yes\"}}}}", "docker.scripts.c1.exit.oom_killed: expected true or false"},
        {"{\"pullable\":[{\"ref\":\"a:1\",\"auth\":{\"username\":\"u\"}}]}", "docker.pullable[0].auth.password: required (string)"},
        {"{\"images\":[{\"ref\":\"a:1\",\"refs\":[\"b:1\",2]}]}", "docker.images[0].refs: expected array of strings"},
        {"{\"images\":[{\"ref\":\"a:1\",\"config\":{\"Cmd\":[\"sh\"]}}],\"containers\":[{\"name\":\"ok1\","
         "\"create\":{\"Image\":\"a:1\"},\"state\":\"paused\"}]}", "docker.containers[0].state: expected"},
        {"{\"scripts\":{\"c1\":{\"health\":[\"great\"]}}}", "docker.scripts.c1.health[0]: expected"},
        {"{\"scripts\":{\"c1\":{\"exit\":{\"code\":1}}}}", "docker.scripts.c1.exit.at_inspect: expected an integer between 1 and 1000000000"},
        /* fuzz regressions (tests/fuzz/regressions/world_scenario): (long)1e300 is undefined */
        {"{\"scripts\":{\"c1\":{\"exit\":{\"at_inspect\":1e300}}}}", "docker.scripts.c1.exit.at_inspect: expected an integer between 1 and 1000000000"},
        {"{\"scripts\":{\"c1\":{\"exit\":{\"at_inspect\":1.5}}}}", "docker.scripts.c1.exit.at_inspect: expected an integer between 1 and 1000000000"},
        {"{\"images\":[{\"ref\":\"a:1\",\"size\":1e300}]}", "docker.images[0]: size: expected an integer between 0 and 9007199254740992"},
        {"{\"images\":[{\"ref\":\"a:1\",\"size\":-1}]}", "docker.images[0]: size: expected an integer between 0 and 9007199254740992"},
        {"{\"faults\":[{\"path\":\"/_ping\",\"delay_ms\":1e300}]}", "docker.faults[0].delay_ms: expected an integer >= 0"},
        {"{\"scripts\":{\"c1\":{\"stop_exit_code\":300}}}", "docker.scripts.c1.stop_exit_code: expected 0..255"},
        {"{\"execs\":[{\"stdout\":\"x\"}]}", "docker.execs[0]: exactly one of argv and script is required"},
        {"{\"execs\":[{\"argv\":[\"x\"],\"nth\":1,\"from\":2}]}", "docker.execs[0]: nth, first and from exclude each other"},
        {"{\"execs\":[{\"argv\":[\"x\"],\"truncate_after\":-1}]}", "docker.execs[0].truncate_after: expected an integer >= 0"},
        {"{\"faults\":[{\"status\":500}]}", "docker.faults[0].path: required"},
        {"{\"cdi_spec_dirs\":\"x\"}", "docker.cdi_spec_dirs: expected null or array of strings"},
        {"{\"volumes\":[{\"name\":\"v1\"},{\"name\":\"v1\"}]}", "docker.volumes[1]: name: duplicate volume"},
        {"{\"networks\":[{\"driver\":\"bridge\"}]}", "docker.networks[0].name: required (string)"},
        {"{\"images\":[{\"ref\":\"a:1\",\"config\":{\"Cmd\":[\"sh\"]}}],\"containers\":[{\"name\":\"ok1\","
         "\"create\":{\"Image\":\"a:1\",\"HostConfig\":{\"NetworkMode\":\"gone\"}},\"state\":\"running\"}]}",
         "docker.containers[0].create.HostConfig.NetworkMode: no network gone in docker.networks"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *s = cJSON_Parse(cases[i][0]);
        assert_non_null(s);
        char *err = NULL;
        mock_docker *d = mock_docker_new(s, &err);
        cJSON_Delete(s);
        if (d) {
            mock_docker_free(d);
            fail_msg("scenario %zu accepted: %s", i, cases[i][0]);
        }
        if (!err || !strstr(err, cases[i][1]))
            fail_msg("scenario %zu: error '%s', want '%s'", i, err ? err : "(null)", cases[i][1]);
        free(err);
    }
}

/* ---- Pre-existing world ------------------------------------------------------------------ */

static const char *world =
    "{\"images\":[{\"ref\":\"ghcr.io/nvidia/openshell/cluster:dev\",\"config\":{\"Cmd\":[\"server\"],"
    "   \"Healthcheck\":{\"Test\":[\"CMD\",\"/usr/local/bin/cluster-healthcheck.sh\"],\"Retries\":60}}},"
    "  {\"ref\":\"web:1\",\"config\":{\"Cmd\":[\"nginx\"]}}],"
    " \"networks\":[{\"name\":\"openshell-cluster-t\",\"attachable\":true}],"
    " \"volumes\":[{\"name\":\"openshell-cluster-t\"}],"
    " \"containers\":["
    "  {\"name\":\"openshell-cluster-t\",\"id\":\"aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000\","
    "   \"state\":\"running\",\"create\":{\"Image\":\"ghcr.io/nvidia/openshell/cluster:dev\",\"Cmd\":[\"server\"],"
    "   \"HostConfig\":{\"NetworkMode\":\"openshell-cluster-t\",\"Binds\":[\"openshell-cluster-t:/var/lib/rancher/k3s\"],"
    "   \"PortBindings\":{\"30051/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]}},\"ExposedPorts\":{\"30051/tcp\":{}}},"
    "   \"logs\":[{\"text\":\"k3s is up\"}],\"files\":[{\"path\":\"/etc/rancher/k3s/k3s.yaml\",\"content\":\"apiVersion: v1\\n\"}]},"
    "  {\"name\":\"web\",\"state\":\"exited\",\"exit_code\":137,\"oom_killed\":true,\"error\":\"killed\","
    "   \"create\":{\"Image\":\"web:1\"}}],"
    " \"scripts\":{\"openshell-cluster-t\":{\"health\":[\"starting\",\"starting\",\"healthy\"]},"
    "   \"crashy\":{\"exit\":{\"at_inspect\":2,\"code\":1,\"error\":\"boom\",\"oom_killed\":true},"
    "     \"logs\":[{\"at_inspect\":1,\"stream\":\"stderr\",\"text\":\"HEALTHCHECK_NODE_PRESSURE: DiskPressure\"},"
    "               {\"on_log_open\":true,\"text\":\"hello follower\"},{\"text\":\"at start\"}]},"
    "   \"*\":{\"health\":[\"unhealthy\"],\"stop_exit_code\":143}},"
    " \"execs\":[{\"script\":\"KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get nodes --no-headers -o "
    "custom-columns=NAME:.metadata.name 2>/dev/null\",\"stdout\":\"node-a\\nnode-b\\n\",\"exit_code\":0},"
    "  {\"argv\":[\"ctr\",\"images\"],\"stderr\":\"slow\",\"exit_code\":2,\"exit_code_null\":true,\"container\":\"openshell-cluster-t\"}]}";

static int setup(void **state)
{
    *state = dk_test_start(world);
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

static void test_preexisting_world(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "GET", "/containers/aaaaaaaaaaaa/json", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "Name"), "/openshell-cluster-t");
    assert_string_equal(dk_jstr(r.json, "State.Status"), "running");
    assert_string_equal(dk_jstr(r.json, "Config.Hostname"), "aaaaaaaaaaaa");
    assert_true(osh_str_starts_with(dk_jstr(r.json, "NetworkSettings.Networks.openshell-cluster-t.IPAddress"), "172."));
    dk_reply_free(&r);
    r = CALL(t, "GET", "/networks/openshell-cluster-t", NULL);
    assert_non_null(dk_jget(dk_jget(r.json, "Containers"),
                            "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000"));
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/web/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "exited");
    assert_int_equal(dk_jget(r.json, "State.ExitCode")->valueint, 137);
    assert_true(cJSON_IsTrue(dk_jget(r.json, "State.OOMKilled")));
    assert_string_equal(dk_jstr(r.json, "State.Error"), "killed");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/json", NULL); /* port conflict check sees PublicPort */
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    assert_int_equal(dk_jget(r.json, "0.Ports.0.PublicPort")->valueint, 8080);
    dk_reply_free(&r);
    osh_buf f = OSH_BUF_INIT;
    assert_int_equal(mock_docker_file_read(t->d, "openshell-cluster-t", "/etc/rancher/k3s/k3s.yaml", &f), 0);
    assert_string_equal(osh_buf_str(&f), "apiVersion: v1\n");
    osh_buf_free(&f);
    char *mounter = mock_docker_find_volume_mount(t->d, "openshell-cluster-t", "/var/lib/rancher/k3s");
    assert_string_equal(mounter, "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000");
    free(mounter);
    assert_null(mock_docker_find_volume_mount(t->d, "openshell-cluster-t", "/elsewhere"));
    cJSON *vols = mock_docker_volume_names(t->d);
    assert_string_equal(cJSON_GetArrayItem(vols, 0)->valuestring, "openshell-cluster-t");
    cJSON_Delete(vols);
    r = CALL(t, "GET", "/_mock/state", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "containers")), 2);
    assert_string_equal(dk_jstr(r.json, "containers.0.CreateBody.Image"), "ghcr.io/nvidia/openshell/cluster:dev");
    assert_non_null(dk_jget(r.json, "images"));
    assert_non_null(dk_jget(r.json, "volumes"));
    assert_non_null(dk_jget(r.json, "networks"));
    dk_reply_free(&r);
}

/* Health advances by inspect count; the scripted sequence restarts with the container. */
static void test_health_sequence(void **state)
{
    dk_test *t = *state;
    dk_reply keep[4];
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[0]), "starting");
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[1]), "starting");
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[2]), "healthy");
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[3]), "healthy");
    assert_int_equal(dk_jget(keep[3].json, "State.Health.FailingStreak")->valueint, 0);
    assert_int_equal(cJSON_GetArraySize(dk_jget(keep[3].json, "State.Health.Log")), 1);
    for (int i = 0; i < 4; i++)
        dk_reply_free(&keep[i]);
    /* stopped: dockerd reports unhealthy (streak unchanged), starting again after a start */
    dk_reply r = CALL(t, "POST", "/containers/openshell-cluster-t/stop", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[0]), "unhealthy");
    assert_int_equal(dk_jget(keep[0].json, "State.Health.FailingStreak")->valueint, 0);
    dk_reply_free(&keep[0]);
    r = CALL(t, "POST", "/containers/openshell-cluster-t/restart", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[0]), "starting");
    dk_reply_free(&keep[0]);
    /* The C API overrides the script. */
    assert_int_equal(mock_docker_set_health(t->d, "openshell-cluster-t", "unhealthy"), 0);
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[0]), "unhealthy");
    assert_string_equal(inspect_health(t, "openshell-cluster-t", &keep[1]), "unhealthy");
    dk_reply_free(&keep[0]);
    dk_reply_free(&keep[1]);
    /* No Healthcheck anywhere: no Health at all, and set_health refuses. */
    assert_string_equal(inspect_health(t, "web", &keep[0]), "(none)");
    dk_reply_free(&keep[0]);
    assert_int_equal(mock_docker_set_health(t->d, "web", "healthy"), -1);
}

/* The "*" script applies to containers the client creates; a named one wins. */
static void test_scripts_for_created_containers(void **state)
{
    dk_test *t = *state;
    char *a = dk_create(t, "other", "{\"Image\":\"ghcr.io/nvidia/openshell/cluster:dev\"}", true);
    dk_reply k;
    assert_string_equal(inspect_health(t, "other", &k), "unhealthy");
    assert_int_equal(dk_jget(k.json, "State.Health.FailingStreak")->valueint, 1);
    dk_reply_free(&k);
    assert_string_equal(inspect_health(t, "other", &k), "unhealthy");
    assert_int_equal(dk_jget(k.json, "State.Health.FailingStreak")->valueint, 2);
    dk_reply_free(&k);
    dk_reply st = CALL(t, "POST", "/containers/other/stop", NULL);
    assert_int_equal(st.status, 204);
    dk_reply_free(&st);
    inspect_health(t, "other", &k);
    assert_int_equal(dk_jget(k.json, "State.ExitCode")->valueint, 143); /* stop_exit_code */
    dk_reply_free(&k);
    char *b = dk_create(t, "crashy", "{\"Image\":\"web:1\"}", true);
    dk_reply r = CALL(t, "GET", "/containers/crashy/logs?stdout=1&stderr=1", NULL);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "at start\nhello follower\n");
    assert_int_equal(err.len, 0);
    dk_reply_free(&r);
    inspect_health(t, "crashy", &k); /* inspect 1: the stderr marker is due */
    assert_string_equal(dk_jstr(k.json, "State.Status"), "running");
    dk_reply_free(&k);
    inspect_health(t, "crashy", &k); /* inspect 2: exits */
    assert_string_equal(dk_jstr(k.json, "State.Status"), "exited");
    assert_int_equal(dk_jget(k.json, "State.ExitCode")->valueint, 1);
    assert_string_equal(dk_jstr(k.json, "State.Error"), "boom");
    assert_true(cJSON_IsTrue(dk_jget(k.json, "State.OOMKilled")));
    dk_reply_free(&k);
    /* once per start: started again, it exits again at its second inspect */
    r = CALL(t, "POST", "/containers/crashy/start", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    inspect_health(t, "crashy", &k);
    assert_string_equal(dk_jstr(k.json, "State.Status"), "running");
    dk_reply_free(&k);
    inspect_health(t, "crashy", &k);
    assert_string_equal(dk_jstr(k.json, "State.Status"), "exited");
    dk_reply_free(&k);
    r = CALL(t, "GET", "/containers/crashy/logs?stderr=1&tail=1", NULL);
    osh_buf_reset(&err);
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&err), "HEALTHCHECK_NODE_PRESSURE: DiskPressure\n");
    dk_reply_free(&r);
    osh_buf_free(&out);
    osh_buf_free(&err);
    free(a);
    free(b);
}

static char *run_exec(dk_test *t, const char *ref, const char *cmd, osh_buf *out, osh_buf *err,
                      const cJSON **exit_code, dk_reply *inspect)
{
    char *target = osh_str_printf("/containers/%s/exec", ref);
    char *body = osh_str_printf("{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":%s}", cmd);
    dk_reply r = CALL(t, "POST", target, body);
    assert_int_equal(r.status, 201);
    char *id = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    free(target);
    free(body);
    target = osh_str_printf("/exec/%s/start", id);
    r = CALL(t, "POST", target, "{\"Detach\":false,\"Tty\":false}");
    assert_true(dk_demux(r.body.data, r.body.len, out, err));
    dk_reply_free(&r);
    free(target);
    target = osh_str_printf("/exec/%s/json", id);
    *inspect = CALL(t, "GET", target, NULL);
    *exit_code = dk_jget(inspect->json, "ExitCode");
    free(target);
    return id;
}

static void test_scripted_execs(void **state)
{
    dk_test *t = *state;
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    const cJSON *code;
    dk_reply ins;
    /* the script matches after removing continuations and runs of spaces (rules §5.3) */
    char *id = run_exec(t, "openshell-cluster-t",
                        "[\"sh\",\"-c\",\"KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get nodes \\\\\\n   --no-headers -o "
                        "custom-columns=NAME:.metadata.name  2>/dev/null\"]", &out, &err, &code, &ins);
    assert_string_equal(osh_buf_str(&out), "node-a\nnode-b\n");
    assert_int_equal(code->valueint, 0);
    dk_reply_free(&ins);
    free(id);
    osh_buf_reset(&out);
    id = run_exec(t, "openshell-cluster-t", "[\"ctr\",\"images\"]", &out, &err, &code, &ins);
    assert_string_equal(osh_buf_str(&err), "slow");
    assert_true(cJSON_IsNull(code)); /* exit_code_null */
    dk_reply_free(&ins);
    free(id);
    /* scoped to one container: elsewhere the default handler answers */
    char *other = dk_create(t, "plainbox", "{\"Image\":\"web:1\"}", true);
    osh_buf_reset(&err);
    id = run_exec(t, "plainbox", "[\"ctr\",\"images\"]", &out, &err, &code, &ins);
    assert_string_equal(osh_buf_str(&err), "sh: 1: ctr: not found\n");
    assert_int_equal(code->valueint, 127);
    dk_reply_free(&ins);
    free(id);
    free(other);
    osh_buf_free(&out);
    osh_buf_free(&err);
}

/* Scripted answers select calls like fault rules, and can cut the output mid-frame. */
static void test_scripted_exec_counts_and_cut(void **state)
{
    dk_test *t = dk_test_start(
        "{\"images\":[{\"ref\":\"img:1\",\"config\":{\"Cmd\":[\"x\"]}}],"
        " \"containers\":[{\"name\":\"box\",\"state\":\"running\",\"create\":{\"Image\":\"img:1\"}}],"
        " \"execs\":[{\"argv\":[\"probe\"],\"first\":2,\"exit_code\":1},"
        "   {\"argv\":[\"probe\"],\"stdout\":\"ready\\n\"},"
        "   {\"argv\":[\"secret\"],\"stdout\":\"Y2E=\\nY3J0\\na2V5\\n\",\"truncate_after\":11}]}");
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    const cJSON *code;
    dk_reply ins;
    int want[] = {1, 1, 0, 0};
    for (int i = 0; i < 4; i++) {
        osh_buf_reset(&out);
        char *id = run_exec(t, "box", "[\"probe\"]", &out, &err, &code, &ins);
        assert_int_equal(code->valueint, want[i]);
        assert_string_equal(osh_buf_str(&out), want[i] ? "" : "ready\n");
        dk_reply_free(&ins);
        free(id);
    }
    /* the cut stream: 8-byte header + 3 payload bytes, then the connection closes */
    dk_reply r = CALL(t, "POST", "/containers/box/exec", "{\"AttachStdout\":true,\"Cmd\":[\"secret\"]}");
    char *start = osh_str_printf("/exec/%s/start", dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    r = CALL(t, "POST", start, "{\"Detach\":false,\"Tty\":false}");
    assert_int_equal(r.status, 200);
    assert_int_not_equal(r.rc, CURLE_OK);
    assert_int_equal(r.body.len, 11);
    assert_false(dk_demux(r.body.data, r.body.len, &out, &err));
    dk_reply_free(&r);
    free(start);
    osh_buf_free(&out);
    osh_buf_free(&err);
    dk_test_stop(t);
}

/* ---- Hooks ------------------------------------------------------------------------------- */

typedef struct recorder {
    char events[32][16];
    int count;
    char removed_volume[64];
    long last_inspect;
    int exec_calls;
} recorder;

static void on_event(void *ctx, mock_docker *d, const char *id, mock_docker_event ev)
{
    recorder *r = ctx;
    static const char *const names[] = {"create", "start", "stop", "kill", "die", "remove"};
    if (r->count < 32)
        snprintf(r->events[r->count++], 16, "%s", names[ev]);
    /* hooks run without the instance lock: the C API is usable here */
    if (ev == MOCK_DOCKER_EVENT_START) {
        char *host = mock_docker_container_hostname(d, id);
        mock_docker_append_log(d, id, 1, host);
        free(host);
    }
}

static void on_volume(void *ctx, mock_docker *d, const char *name)
{
    snprintf(((recorder *)ctx)->removed_volume, 64, "%s", name);
}

static int on_exec(void *ctx, mock_docker *d, const char *id, const char *const *argv, size_t argc,
                   mock_docker_exec_result *res)
{
    recorder *r = ctx;
    r->exec_calls++;
    if (argc == 1 && strcmp(argv[0], "whoami-sim") == 0) {
        osh_buf_append_str(&res->out, "simulator\n");
        res->exit_code = 7;
        return MOCK_DOCKER_EXEC_HANDLED;
    }
    return MOCK_DOCKER_EXEC_DECLINED;
}

static void on_inspect(void *ctx, mock_docker *d, const char *id, long count)
{
    recorder *r = ctx;
    r->last_inspect = count;
    if (count == 2)
        mock_docker_set_health(d, id, "healthy");
}

static void test_hooks(void **state)
{
    dk_test *t = dk_test_start("{\"images\":[{\"ref\":\"img:1\",\"config\":{\"Cmd\":[\"x\"],"
                               "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}}]}");
    recorder rec = {0};
    mock_docker_hooks hooks = {.ctx = &rec, .container_event = on_event, .volume_removed = on_volume,
                               .exec = on_exec, .inspect = on_inspect};
    mock_docker_set_hooks(t->d, &hooks);
    char *id = dk_create(t, "hooked", "{\"Image\":\"img:1\",\"Hostname\":\"hk\",\"HostConfig\":{\"Binds\":[\"hv:/data\"]}}", true);
    dk_reply r = CALL(t, "GET", "/containers/hooked/logs?stdout=1", NULL);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_true(dk_demux(r.body.data, r.body.len, &out, &err));
    assert_string_equal(osh_buf_str(&out), "hk\n");
    dk_reply_free(&r);
    dk_reply k;
    assert_string_equal(inspect_health(t, "hooked", &k), "starting");
    dk_reply_free(&k);
    assert_string_equal(inspect_health(t, "hooked", &k), "healthy"); /* set by the hook, same answer */
    dk_reply_free(&k);
    assert_int_equal(rec.last_inspect, 2);
    osh_buf_reset(&out);
    const cJSON *code;
    char *eid = run_exec(t, "hooked", "[\"whoami-sim\"]", &out, &err, &code, &k);
    assert_string_equal(osh_buf_str(&out), "simulator\n");
    assert_int_equal(code->valueint, 7);
    dk_reply_free(&k);
    free(eid);
    osh_buf_reset(&out);
    eid = run_exec(t, "hooked", "[\"echo\",\"declined\"]", &out, &err, &code, &k);
    assert_string_equal(osh_buf_str(&out), "declined\n"); /* the default handler after the hook */
    assert_int_equal(rec.exec_calls, 2);
    dk_reply_free(&k);
    free(eid);
    r = CALL(t, "POST", "/containers/hooked/stop", NULL);
    dk_reply_free(&r);
    r = CALL(t, "POST", "/containers/hooked/start", NULL);
    dk_reply_free(&r);
    r = CALL(t, "DELETE", "/containers/hooked?force=1", NULL);
    dk_reply_free(&r);
    r = CALL(t, "DELETE", "/volumes/hv", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    const char *want[] = {"create", "start", "stop", "die", "start", "kill", "die", "remove"};
    assert_int_equal(rec.count, 8);
    for (int i = 0; i < 8; i++)
        assert_string_equal(rec.events[i], want[i]);
    assert_string_equal(rec.removed_volume, "hv");
    mock_docker_container_state st;
    assert_int_equal(mock_docker_container_state_get(t->d, "hooked", &st), -1);
    osh_buf_free(&out);
    osh_buf_free(&err);
    free(id);
    dk_test_stop(t);
}

static void test_c_api(void **state)
{
    dk_test *t = *state;
    char *id = mock_docker_container_id(t->d, "openshell-cluster-t");
    assert_string_equal(id, "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000");
    char *name = mock_docker_container_name(t->d, "aaaaaaaaaaaa");
    assert_string_equal(name, "openshell-cluster-t");
    cJSON *cmd = mock_docker_container_cmd(t->d, id);
    assert_string_equal(cJSON_GetArrayItem(cmd, 0)->valuestring, "server");
    cJSON *env = mock_docker_container_env(t->d, id);
    assert_int_equal(cJSON_GetArraySize(env), 0);
    cJSON *binds = mock_docker_container_binds(t->d, id);
    assert_string_equal(cJSON_GetArrayItem(binds, 0)->valuestring, "openshell-cluster-t:/var/lib/rancher/k3s");
    mock_docker_container_state st;
    assert_int_equal(mock_docker_container_state_get(t->d, id, &st), 0);
    assert_true(st.running);
    assert_string_equal(st.status, "running");
    assert_int_equal(mock_docker_file_write(t->d, id, "/tmp/new/dir/f.txt", "abc", 3, 0600), 0);
    osh_buf b = OSH_BUF_INIT;
    assert_int_equal(mock_docker_file_read(t->d, id, "/tmp/new/dir/f.txt", &b), 0);
    assert_string_equal(osh_buf_str(&b), "abc");
    assert_int_equal(mock_docker_file_remove(t->d, id, "/tmp/new"), 0);
    assert_int_equal(mock_docker_file_read(t->d, id, "/tmp/new/dir/f.txt", &b), -1);
    assert_int_equal(mock_docker_file_read(t->d, id, "/../etc", &b), -1);
    assert_int_equal(mock_docker_container_exit(t->d, id, 2, "err", false), 0);
    assert_int_equal(mock_docker_container_exit(t->d, id, 2, "err", false), -1); /* not running */
    assert_int_equal(mock_docker_container_state_get(t->d, id, &st), 0);
    assert_false(st.running);
    assert_int_equal(st.exit_code, 2);
    assert_null(mock_docker_container_id(t->d, "nosuch"));
    assert_int_equal(mock_docker_append_log(t->d, "nosuch", 1, "x"), -1);
    osh_buf_free(&b);
    cJSON_Delete(cmd);
    cJSON_Delete(env);
    cJSON_Delete(binds);
    free(id);
    free(name);
}

/* ---- Faults and journal ------------------------------------------------------------------ */

static void test_faults_from_scenario(void **state)
{
    dk_test *t = dk_test_start(
        "{\"images\":[{\"ref\":\"img:1\",\"config\":{\"Cmd\":[\"x\"]}}],"
        " \"containers\":[{\"name\":\"box\",\"state\":\"running\",\"create\":{\"Image\":\"img:1\"},"
        "   \"logs\":[{\"text\":\"0123456789\"},{\"text\":\"second\"}]}],"
        " \"faults\":[{\"method\":\"GET\",\"path\":\"/version\",\"nth\":1,\"status\":200,\"body\":\"{not json\"},"
        "   {\"path\":\"/containers/*/logs\",\"truncate_after\":12},"
        "   {\"path\":\"/containers/box/json\",\"from\":2,\"json_set\":{\"State.Health\":{\"Status\":\"unhealthy\"}}}]}");
    dk_reply r = CALL(t, "GET", "/v1.41/version", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(osh_buf_str(&r.body), "{not json");
    assert_null(r.json);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/version", NULL);
    assert_non_null(r.json);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/containers/box/logs?stdout=1", NULL);
    assert_int_not_equal(r.rc, CURLE_OK); /* cut mid-frame: 8-byte header + 4 payload bytes */
    assert_int_equal(r.body.len, 12);
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    assert_false(dk_demux(r.body.data, r.body.len, &out, &err));
    dk_reply_free(&r);
    dk_reply k;
    assert_string_equal(inspect_health(t, "box", &k), "(none)");
    dk_reply_free(&k);
    assert_string_equal(inspect_health(t, "box", &k), "unhealthy");
    dk_reply_free(&k);
    r = CALL(t, "GET", "/_mock/journal", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 5);
    assert_string_equal(dk_jstr(r.json, "0.path"), "/v1.41/version");
    assert_string_equal(dk_jstr(r.json, "0.fault"), "respond");
    assert_string_equal(dk_jstr(r.json, "2.query"), "stdout=1");
    assert_string_equal(dk_jstr(r.json, "2.fault"), "truncate");
    dk_reply_free(&r);
    osh_buf_free(&out);
    osh_buf_free(&err);
    dk_test_stop(t);
}

static void test_journal_records_bodies(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/volumes/create", "{\"Name\":\"jv\"}");
    dk_reply_free(&r);
    cJSON *j = mock_http_journal_json(mock_docker_http(t->d));
    const cJSON *e = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1);
    assert_string_equal(dk_jstr(e, "method"), "POST");
    assert_string_equal(dk_jstr(e, "path"), "/volumes/create");
    assert_string_equal(dk_jstr(e, "body"), "{\"Name\":\"jv\"}");
    assert_int_equal(dk_jget(e, "status")->valueint, 201);
    assert_string_equal(dk_jstr(e, "content_type"), "application/json");
    cJSON_Delete(j);
    r = CALL(t, "DELETE", "/_mock/journal", NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    assert_int_equal(mock_http_journal_count(mock_docker_http(t->d), NULL, "*"), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_errors),
        T(test_preexisting_world),
        T(test_health_sequence),
        T(test_scripts_for_created_containers),
        T(test_scripted_execs),
        cmocka_unit_test(test_scripted_exec_counts_and_cut),
        cmocka_unit_test(test_hooks),
        T(test_c_api),
        cmocka_unit_test(test_faults_from_scenario),
        T(test_journal_records_bodies),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
