/* impl_world.c: world + subprocess harness for the integration tests (see impl_world.h). */
#include "impl_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "impl_proc.h"
#include "osh_file.h"
#include "osh_str.h"

#ifndef OPENSHELL_BIN
#error OPENSHELL_BIN must name the openshell binary
#endif

static impl_world *world_new(const char *scenario_json, const char *tcp_host);

impl_world *iw_new(const char *scenario_json) { return world_new(scenario_json, NULL); }
impl_world *iw_new_tcp(const char *scenario_json, const char *tcp_host) { return world_new(scenario_json, tcp_host); }

#ifndef IMPL_WORLD_MOCK_WORLD
#define KCFG "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"
static const char S1[] = KCFG " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null";
static const char M1[] = KCFG " kubectl -n openshell get secret openshell-cli-client -o "
                         "jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}{.data.tls\\.key}'";

/* The base world: a cluster image with a HEALTHCHECK, a ready API listing openshell-t, and
 * the CLI secret (base64 of CA, CRT, KEY). */
static cJSON *base_docker(void)
{
    cJSON *d = cJSON_Parse("{\"images\": [{\"ref\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"config\": "
                           "{\"Healthcheck\": {\"Test\": [\"CMD\", \"/usr/local/bin/cluster-healthcheck.sh\"]}}}],"
                           " \"pullable\": [{\"ref\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"config\": {\"Healthcheck\": "
                           "{\"Test\": [\"CMD\", \"/usr/local/bin/cluster-healthcheck.sh\"]}}},"
                           " {\"ref\": \"ghcr.io/nvidia/openshell/cluster:v1\", \"config\": {\"Healthcheck\": "
                           "{\"Test\": [\"CMD\", \"/usr/local/bin/cluster-healthcheck.sh\"]}}}],"
                           " \"execs\": []}");
    cJSON *execs = cJSON_GetObjectItem(d, "execs");
    cJSON *s1 = cJSON_CreateObject();
    cJSON_AddStringToObject(s1, "script", S1);
    cJSON_AddStringToObject(s1, "stdout", "openshell-t\n");
    cJSON_AddItemToArray(execs, s1);
    cJSON *m1 = cJSON_CreateObject();
    cJSON_AddStringToObject(m1, "script", M1);
    cJSON_AddStringToObject(m1, "stdout", "Q0E=\nQ1JU\nS0VZ");
    cJSON_AddItemToArray(execs, m1);
    return d;
}

/* Test arrays go in front of the base ones (exec answers: first match wins); other keys
 * replace. */
static cJSON *merged_docker(const cJSON *test)
{
    cJSON *base = base_docker();
    const cJSON *item;
    cJSON_ArrayForEach(item, test)
    {
        cJSON *have = cJSON_GetObjectItem(base, item->string);
        if (cJSON_IsArray(item) && cJSON_IsArray(have)) {
            int n = cJSON_GetArraySize(item);
            for (int i = n - 1; i >= 0; i--)
                cJSON_InsertItemInArray(have, 0, cJSON_Duplicate(cJSON_GetArrayItem(item, i), 1));
        } else {
            cJSON_DeleteItemFromObject(base, item->string);
            cJSON_AddItemToObject(base, item->string, cJSON_Duplicate(item, 1));
        }
    }
    return base;
}

#endif

/* The world a failed assertion left behind (cmocka jumps out of the test). */
static impl_world *live_world;

int iw_teardown(void **state)
{
    iw_free(live_world);
    return 0;
}

#ifdef IMPL_WORLD_MOCK_WORLD
/* The whole world (mocks/world: Docker mock, Kubernetes mock, k3s simulator): the scenario
 * is used as it is, the simulator plays the cluster. */
static void backend_start(impl_world *w, const cJSON *scenario, const char *tcp_host)
{
    mock_world_options opts = {.docker_tcp_host = tcp_host};
    char *error = NULL;
    w->world = mock_world_new(scenario, &opts, &error);
    if (!w->world)
        fail_msg("mock_world_new: %s", error ? error : "?");
}
#else
static void backend_start(impl_world *w, const cJSON *scenario, const char *tcp_host)
{
    cJSON *docker = merged_docker(cJSON_GetObjectItem(scenario, "docker"));
    char *error = NULL;
    w->docker = mock_docker_new(docker, &error);
    cJSON_Delete(docker);
    if (!w->docker)
        fail_msg("mock_docker_new: %s", error ? error : "?");
    char *sock = osh_str_printf("%s/docker.sock", w->tmp);
    if (mock_docker_listen_unix(w->docker, sock, &error) != 0)
        fail_msg("listen: %s", error);
    free(sock);
    if (tcp_host && mock_docker_listen_tcp(w->docker, tcp_host, 0, NULL, &error) != 0)
        fail_msg("listen tcp: %s", error);
}
#endif

static impl_world *world_new(const char *scenario_json, const char *tcp_host)
{
    iw_free(live_world);
    impl_world *w = calloc(1, sizeof(*w));
    live_world = w;
    char tmpl[] = "/tmp/osh-impl-it-XXXXXX";
    w->tmp = strdup(mkdtemp(tmpl));
    char *home = osh_str_printf("%s/home", w->tmp);
    char *config = osh_str_printf("%s/config", w->tmp);
    mkdir(home, 0700);
    mkdir(config, 0700);
    w->config_root = osh_str_printf("%s/openshell", config);
    free(home);
    free(config);
    cJSON *scenario = scenario_json ? cJSON_Parse(scenario_json) : NULL;
    if (scenario_json && !scenario)
        fail_msg("scenario is not JSON: %s", scenario_json);
    backend_start(w, scenario, tcp_host);
    cJSON_Delete(scenario);
    return w;
}

#ifdef IMPL_WORLD_MOCK_WORLD
const char *iw_docker_url(impl_world *w, const char *scheme)
{
    const char *url = strcmp(scheme, "tcp://") == 0 ? mock_world_docker_tcp_url(w->world)
                                                    : mock_world_docker_unix_url(w->world);
    return url;
}
#else
const char *iw_docker_url(impl_world *w, const char *scheme)
{
    for (size_t i = 0; mock_docker_url(w->docker, i); i++)
        if (strncmp(mock_docker_url(w->docker, i), scheme, strlen(scheme)) == 0)
            return mock_docker_url(w->docker, i);
    return NULL;
}
#endif

void iw_free(impl_world *w)
{
    if (!w)
        return;
    if (w == live_world)
        live_world = NULL;
#ifdef IMPL_WORLD_MOCK_WORLD
    mock_world_free(w->world);
#else
    mock_docker_free(w->docker);
#endif
    char *cmd = osh_str_printf("rm -rf '%s'", w->tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", w->tmp);
    free(cmd);
    free(w->tmp);
    free(w->config_root);
    osh_buf_free(&w->out);
    osh_buf_free(&w->err);
    free(w);
}

static char **build_env(impl_world *w, const char *const *extra)
{
    char **env = NULL;
    const char *copied[] = {"PATH", "LANG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        const char *v = getenv(copied[i]);
        if (v) {
            char *e = osh_str_printf("%s=%s", copied[i], v);
            impl_env_set(&env, e);
            free(e);
        }
    }
    char *entries[] = {osh_str_printf("HOME=%s/home", w->tmp), osh_str_printf("XDG_CONFIG_HOME=%s/config", w->tmp),
                       osh_str_printf("TMPDIR=%s", w->tmp),
                       osh_str_printf("DOCKER_HOST=%s", iw_docker_url(w, "unix://")),
                       osh_str_dup("OPENSHELL_POLL_INTERVAL_MS=0")};
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        impl_env_set(&env, entries[i]);
        free(entries[i]);
    }
    for (size_t i = 0; extra && extra[i]; i++)
        impl_env_set(&env, extra[i]);
    return env;
}

int iw_run(impl_world *w, const char *const *args, const char *const *env_extra)
{
    size_t argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc(argc + 2, sizeof(char *));
    argv[0] = OPENSHELL_BIN;
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    char **env = build_env(w, env_extra);
    impl_proc_result r = {0};
    impl_proc_run(argv, env, &r);
    osh_buf_free(&w->out);
    osh_buf_free(&w->err);
    w->out = r.out;
    w->err = r.err;
    w->exit_code = r.exit_code;
    impl_env_free(env);
    free(argv);
    return w->exit_code;
}

#ifdef IMPL_WORLD_MOCK_WORLD
cJSON *iw_journal(impl_world *w) { return mock_world_journal(w->world, "docker"); }
#else
cJSON *iw_journal(impl_world *w) { return mock_http_journal_json(mock_docker_http(w->docker)); }
#endif

static const char *unversioned(const char *path)
{
    if (path[0] == '/' && path[1] == 'v') {
        const char *p = path + 2;
        while ((*p >= '0' && *p <= '9') || *p == '.')
            p++;
        if (*p == '/' && p > path + 2)
            return p;
    }
    return path;
}

static bool entry_matches(const cJSON *e, const char *method, const char *glob)
{
    const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(e, "method"));
    const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));
    if (!m || !p || (method && strcmp(m, method) != 0))
        return false;
    return fnmatch(glob, unversioned(p), 0) == 0;
}

int iw_count_between(impl_world *w, int from, int to, const char *method, const char *glob)
{
    cJSON *j = iw_journal(w);
    int n = 0, i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        if (i >= from && (to < 0 || i < to) && entry_matches(e, method, glob))
            n++;
        i++;
    }
    cJSON_Delete(j);
    return n;
}

int iw_count(impl_world *w, const char *method, const char *glob) { return iw_count_between(w, 0, -1, method, glob); }

int iw_find(impl_world *w, int from, const char *method, const char *glob)
{
    cJSON *j = iw_journal(w);
    int found = -1, i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        if (found < 0 && i >= from && entry_matches(e, method, glob))
            found = i;
        i++;
    }
    cJSON_Delete(j);
    return found;
}

cJSON *iw_body(impl_world *w, const char *method, const char *glob)
{
    cJSON *j = iw_journal(w);
    cJSON *body = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        if (!body && entry_matches(e, method, glob)) {
            const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(e, "body"));
            body = text ? cJSON_Parse(text) : NULL;
        }
    }
    cJSON_Delete(j);
    return body;
}

char *iw_journal_lines(impl_world *w)
{
    cJSON *j = iw_journal(w);
    osh_buf b = OSH_BUF_INIT;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(e, "method"));
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));
        osh_buf_appendf(&b, "%s %s\n", m ? m : "?", p ? unversioned(p) : "?");
    }
    cJSON_Delete(j);
    return osh_buf_detach(&b);
}

#ifdef IMPL_WORLD_MOCK_WORLD
cJSON *iw_state(impl_world *w) { return mock_world_state(w->world); }
#else
cJSON *iw_state(impl_world *w)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddItemToObject(s, "docker", mock_docker_state_json(w->docker));
    return s;
}
#endif

static bool name_matches(const cJSON *v, const char *name)
{
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring[0] == '/' ? v->valuestring + 1 : v->valuestring;
        return strcmp(s, name) == 0;
    }
    if (cJSON_IsArray(v)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, v) if (name_matches(x, name)) return true;
    }
    return false;
}

static bool element_named(const cJSON *el, const char *name)
{
    if (el->string && strcmp(el->string, name) == 0)
        return true;
    const char *keys[] = {"Name", "name", "Names", "RepoTags", "Id"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (name_matches(cJSON_GetObjectItem(el, keys[i]), name))
            return true;
    return false;
}

bool iw_docker_has(impl_world *w, const char *kind, const char *name)
{
    cJSON *state = iw_state(w);
    const cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "docker"), kind);
    bool found = false;
    const cJSON *el;
    cJSON_ArrayForEach(el, list) if (element_named(el, name)) found = true;
    cJSON_Delete(state);
    return found;
}

static char *path_of(impl_world *w, const char *relative) { return osh_str_printf("%s/%s", w->config_root, relative); }

char *iw_file(impl_world *w, const char *relative)
{
    char *path = path_of(w, relative);
    char *error = NULL;
    char *text = osh_file_read(path, (size_t)64 * 1024 * 1024, NULL, &error);
    free(error);
    free(path);
    return text;
}

bool iw_exists(impl_world *w, const char *relative)
{
    char *path = path_of(w, relative);
    bool ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

int iw_mode(impl_world *w, const char *relative)
{
    char *path = path_of(w, relative);
    struct stat st;
    int mode = stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
    free(path);
    return mode;
}

void iw_assert_contains(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("expected to find\n  %s\nin\n%s", needle, text ? text : "(null)");
}

void iw_assert_not_contains(const char *text, const char *needle)
{
    if (text && strstr(text, needle))
        fail_msg("did not expect\n  %s\nin\n%s", needle, text);
}
