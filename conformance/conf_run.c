/* conf_run.c: one scenario from start to verdict (see conf_run.h). The implementation is
 * only ever a subprocess: this file knows the contract's environment, not any code. */
#include "conf_run.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf_check.h"
#include "conf_proc.h"
#include "conf_request.h"
#include "conf_vars.h"
#include "osh_buf.h"
#include "osh_str.h"

extern char **environ;

/* Variables of the runner's own environment an implementation may need to even start:
 * where programs are, the locale, and sanitizer settings. Nothing else leaks in. */
static const char *const passthrough_env[] = {"PATH", "LANG", "LC_ALL", "ASAN_OPTIONS",
                                              "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdir_parents(const char *path, mode_t mode)
{
    char *copy = osh_str_dup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    int rc = (mkdir(copy, mode) == 0 || errno == EEXIST) ? 0 : -1;
    free(copy);
    return rc;
}

/* Pre-existing files of a scenario or step. Returns NULL or an error message. */
static char *write_setup_files(const cJSON *files)
{
    for (const cJSON *f = files ? files->child : NULL; f; f = f->next) {
        const char *path = cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring;
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(f, "mode");
        mode_t m = mode ? (mode_t)strtoul(mode->valuestring, NULL, 8) : 0;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "dir"))) {
            if (mkdir_parents(path, 0755) != 0)
                return osh_str_printf("setup file %s: %s", path, strerror(errno));
            if (mode)
                chmod(path, m);
            continue;
        }
        char *slash = strrchr(path, '/');
        if (slash && slash != path) {
            char *parent = osh_str_ndup(path, (size_t)(slash - path));
            int rc = mkdir_parents(parent, 0755);
            free(parent);
            if (rc != 0)
                return osh_str_printf("setup file %s: %s", path, strerror(errno));
        }
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(f, "content");
        char *text = c ? osh_str_dup(c->valuestring)
                       : cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(f, "json"));
        FILE *out = fopen(path, "wb");
        if (!out) {
            char *e = osh_str_printf("setup file %s: %s", path, strerror(errno));
            free(text);
            return e;
        }
        fwrite(text, 1, strlen(text), out);
        fclose(out);
        free(text);
        if (mode)
            chmod(path, m);
    }
    return NULL;
}

static void set_str(cJSON *obj, const char *key, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value)
        cJSON_AddStringToObject(obj, key, value);
}

/* Apply a scenario or step "env" object: strings set, null unsets. */
static void apply_env(cJSON *env, const cJSON *changes)
{
    for (const cJSON *c = changes ? changes->child : NULL; c; c = c->next)
        set_str(env, c->string, cJSON_IsString(c) ? c->valuestring : NULL);
}

static char **env_array(const cJSON *env)
{
    int n = cJSON_GetArraySize(env);
    char **envp = calloc((size_t)n + 1, sizeof *envp);
    int i = 0;
    for (const cJSON *e = env->child; e; e = e->next)
        envp[i++] = osh_str_printf("%s=%s", e->string, e->valuestring);
    return envp;
}

static void free_strv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static char *printable_command(char *const argv[])
{
    osh_buf b = OSH_BUF_INIT;
    for (int i = 0; argv[i]; i++) {
        const char *a = argv[i];
        if (i)
            osh_buf_append_char(&b, ' ');
        if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=@%+") == strlen(a)) {
            osh_buf_append_str(&b, a);
            continue;
        }
        osh_buf_append_char(&b, '\'');
        for (const char *p = a; *p; p++) {
            if (*p == '\'')
                osh_buf_append_str(&b, "'\\''");
            else if ((unsigned char)*p < 0x20)
                osh_buf_appendf(&b, "\\x%02x", (unsigned char)*p);
            else
                osh_buf_append_char(&b, *p);
        }
        osh_buf_append_char(&b, '\'');
    }
    return osh_buf_detach(&b);
}

/* A step started with "background": it runs on its own thread until a "wait" step. */
typedef struct bg_job {
    char *label;
    char *command;
    char **argv, **envp;
    const char *cwd;
    int timeout_ms;
    pthread_t thread;
    volatile int pid;
    int rc;
    char *err;
    conf_proc_result p;
    int docker_from, kube_from;
    bool joined;
} bg_job;

typedef struct run_ctx {
    bg_job *bg;
    int n_bg;
    const conf_run_config *cfg;
    const conf_scenario *s;
    conf_result *r;
    char *tmp;
    cJSON *doc;     /* the scenario with variables expanded */
    cJSON *vars;
    void *world;    /* NULL when the scenario has none */
    bool kube;
    cJSON *env;     /* the scenario-level environment */
} run_ctx;

static void add_var(run_ctx *c, const char *name, const char *value)
{
    set_str(c->vars, name, value);
}

static bool setup_temp(run_ctx *c)
{
    char *tmpl = osh_str_printf("%s/osh-conf-%s-XXXXXX", c->cfg->temp_root, c->s->id);
    /* Scenario ids are short, but a path must stay usable for unix sockets (108 bytes). */
    if (strlen(tmpl) > 80) {
        free(tmpl);
        tmpl = osh_str_printf("%s/osh-conf-XXXXXX", c->cfg->temp_root);
    }
    if (!mkdtemp(tmpl)) {
        conf_result_add_failure(c->r, "setup", osh_str_printf("mkdtemp %s: %s", tmpl, strerror(errno)),
                                NULL, NULL);
        free(tmpl);
        return false;
    }
    c->tmp = tmpl;
    char *home = osh_str_printf("%s/home", tmpl);
    char *config = osh_str_printf("%s/config", tmpl);
    char *root = osh_str_printf("%s/openshell", config);
    mkdir(home, 0755);
    mkdir(config, 0755);
    add_var(c, "TMP", tmpl);
    add_var(c, "HOME", home);
    add_var(c, "XDG_CONFIG_HOME", config);
    add_var(c, "CONFIG_ROOT", root);
    add_var(c, "SCENARIO_DIR", c->s->dir);
    add_var(c, "SCENARIO_ID", c->s->id);
    free(home);
    free(config);
    free(root);
    return true;
}

static void add_user_vars(run_ctx *c)
{
    const cJSON *uv = cJSON_GetObjectItemCaseSensitive(c->s->doc, "vars");
    for (const cJSON *v = uv ? uv->child : NULL; v; v = v->next) {
        char *x = cJSON_IsString(v) ? conf_vars_expand(v->valuestring, c->vars) : NULL;
        add_var(c, v->string, x);
        free(x);
    }
}

static const char *url_after(const char *url, const char *prefix)
{
    return url && osh_str_starts_with(url, prefix) ? url + strlen(prefix) : NULL;
}

static bool setup_world(run_ctx *c)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(c->doc, "world");
    if (cJSON_IsFalse(w)) {
        /* No world: point Docker at a socket that does not exist, so an implementation
         * never reaches a real daemon by accident. */
        char *dh = osh_str_printf("unix://%s/no-docker.sock", c->tmp);
        add_var(c, "DOCKER_HOST", dh);
        free(dh);
        return true;
    }
    const conf_world_backend *b = c->cfg->backend;
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(c->doc, "docker");
    const char *m = mode ? mode->valuestring : "unix";
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(c->doc, "docker_tcp_host");
    const cJSON *kube = cJSON_GetObjectItemCaseSensitive(c->doc, "kube");
    conf_world_settings set = {
        .docker_unix = strcmp(m, "tcp") != 0,
        .docker_tcp_host = strcmp(m, "unix") != 0 ? (host ? host->valuestring : "127.0.0.1") : NULL,
        .kube = !kube || cJSON_IsTrue(kube),
    };
    w = cJSON_GetObjectItemCaseSensitive(c->doc, b->member);
    char *err = NULL;
    if (!cJSON_IsObject(w)) /* absent, or "world": true: the default world */
        w = NULL;
    cJSON *empty = w ? NULL : cJSON_CreateObject();
    c->world = b->create(b->self, w ? w : empty, &set, &err);
    cJSON_Delete(empty);
    if (!c->world) {
        conf_result_add_failure(c->r, "setup",
                                osh_str_printf("cannot build the mock world: %s", err ? err : "unknown error"),
                                NULL, NULL);
        free(err);
        return false;
    }
    c->kube = set.kube && b->kube_url(c->world);
    const char *unix_url = b->docker_unix_url(c->world);
    const char *tcp_url = b->docker_tcp_url(c->world);
    add_var(c, "DOCKER_HOST", set.docker_unix ? unix_url : tcp_url);
    add_var(c, "DOCKER_UNIX_URL", unix_url);
    add_var(c, "DOCKER_TCP_URL", tcp_url);
    add_var(c, "DOCKER_SOCKET", url_after(unix_url, "unix://"));
    const char *hostport = url_after(tcp_url, "tcp://");
    add_var(c, "DOCKER_TCP_PORT", hostport && strrchr(hostport, ':') ? strrchr(hostport, ':') + 1 : NULL);
    if (c->kube) {
        add_var(c, "KUBE_URL", b->kube_url(c->world));
        char *kc = osh_str_printf("%s/kubeconfig", c->tmp);
        if (b->write_kubeconfig(c->world, kc, &err) != 0) {
            conf_result_add_failure(c->r, "setup", osh_str_printf("cannot write the kubeconfig: %s", err),
                                    NULL, NULL);
            free(err);
            free(kc);
            return false;
        }
        add_var(c, "KUBECONFIG", kc);
        free(kc);
    }
    return true;
}

static void build_base_env(run_ctx *c)
{
    c->env = cJSON_CreateObject();
    for (int i = 0; passthrough_env[i]; i++) {
        const char *v = getenv(passthrough_env[i]);
        if (v)
            cJSON_AddStringToObject(c->env, passthrough_env[i], v);
    }
    static const char *const from_vars[] = {"HOME", "XDG_CONFIG_HOME", "DOCKER_HOST", "KUBECONFIG", NULL};
    for (int i = 0; from_vars[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->vars, from_vars[i]);
        if (cJSON_IsString(v))
            set_str(c->env, from_vars[i], v->valuestring);
    }
    set_str(c->env, "TMPDIR", c->tmp);
    c->cfg->backend->environment(c->cfg->backend->self, c->env);
    apply_env(c->env, cJSON_GetObjectItemCaseSensitive(c->doc, "env"));
}

static int journal_length(run_ctx *c, const char *which)
{
    if (!c->world)
        return 0;
    cJSON *j = c->cfg->backend->journal(c->world, which);
    int n = cJSON_GetArraySize(j);
    cJSON_Delete(j);
    return n;
}

static int step_timeout(run_ctx *c, const cJSON *step)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(step, "timeout_ms");
    if (!t)
        t = cJSON_GetObjectItemCaseSensitive(c->doc, "timeout_ms");
    return t ? t->valueint : c->cfg->default_timeout_ms;
}

static char *request_text(const cJSON *req)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(req, "query");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(req, "which");
    return osh_str_printf("%s %s%s%s (runner request to %s)", m ? m->valuestring : "GET",
                          cJSON_GetObjectItemCaseSensitive(req, "path")->valuestring,
                          q && *q->valuestring ? "?" : "", q ? q->valuestring : "", w ? w->valuestring : "docker");
}

static char *step_label(const cJSON *step, int i)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(step, "name");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(step, "request");
    if (name)
        return osh_str_printf("step %d (%s)", i + 1, name->valuestring);
    if (req) {
        char *t = request_text(req);
        char *l = osh_str_printf("step %d (%s)", i + 1, t);
        free(t);
        return l;
    }
    const cJSON *wait = cJSON_GetObjectItemCaseSensitive(step, "wait");
    if (wait)
        return osh_str_printf("step %d (wait for %s)", i + 1, wait->valuestring);
    if (cJSON_GetObjectItemCaseSensitive(step, "await"))
        return osh_str_printf("step %d (await a request)", i + 1);
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "step %d (", i + 1);
    int k = 0;
    for (const cJSON *a = cJSON_GetObjectItemCaseSensitive(step, "args")->child; a && k < 3; a = a->next, k++)
        osh_buf_appendf(&b, "%s%.40s", k ? " " : "", a->valuestring);
    osh_buf_append_char(&b, ')');
    return osh_buf_detach(&b);
}

static char **step_argv(run_ctx *c, const cJSON *step)
{
    int n = 0;
    while (c->cfg->impl[n])
        n++;
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(step, "args");
    char **argv = calloc((size_t)(n + cJSON_GetArraySize(args) + 1), sizeof *argv);
    int i = 0;
    for (; i < n; i++)
        argv[i] = osh_str_dup(c->cfg->impl[i]);
    for (const cJSON *a = args->child; a; a = a->next)
        argv[i++] = osh_str_dup(a->valuestring);
    return argv;
}

/* Where a request step goes: the world's own endpoints, whatever the scenario's env says
 * the implementation should use. */
static const char *request_base(run_ctx *c, const cJSON *req)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(req, "which");
    const cJSON *v;
    if (w && strcmp(w->valuestring, "kube") == 0)
        v = cJSON_GetObjectItemCaseSensitive(c->vars, "KUBE_URL");
    else if (!(v = cJSON_GetObjectItemCaseSensitive(c->vars, "DOCKER_UNIX_URL")))
        v = cJSON_GetObjectItemCaseSensitive(c->vars, "DOCKER_TCP_URL");
    return c->world && cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Record what a step produced and evaluate its expectations. Takes ownership of err. */
static void finish_step(run_ctx *c, const cJSON *expect, const char *where, char *command, int rc,
                        conf_proc_result *p, char *err, conf_observation *obs)
{
    conf_result *r = c->r;
    r->steps = realloc(r->steps, sizeof *r->steps * (size_t)(r->n_steps + 1));
    conf_step_record *rec = &r->steps[r->n_steps++];
    memset(rec, 0, sizeof *rec);
    rec->name = osh_str_dup(where);
    rec->command = command;
    if (rc != 0) {
        rec->exit_code = -1;
        rec->out = osh_str_dup("");
        rec->err = osh_str_dup(err);
        conf_result_add_failure(r, where, err, NULL, NULL);
        return;
    }
    rec->exit_code = p->exit_code;
    rec->signal = p->signal;
    rec->timed_out = p->timed_out;
    rec->out = osh_str_dup(p->out);
    rec->err = osh_str_dup(p->err);
    rec->seconds = p->seconds;
    obs->proc = p;
    cJSON *defaulted = NULL;
    if (!cJSON_GetObjectItemCaseSensitive(expect, "exit")) {
        /* A step without an "exit" expectation must succeed. */
        defaulted = expect ? cJSON_Duplicate(expect, true) : cJSON_CreateObject();
        cJSON_AddNumberToObject(defaulted, "exit", 0);
        expect = defaulted;
    }
    conf_check_block(expect, obs, where, r);
    cJSON_Delete(defaulted);
    conf_observation_release(obs);
    conf_proc_result_free(p);
}

static conf_observation observe_from_now(run_ctx *c)
{
    conf_observation obs = {.backend = c->world ? c->cfg->backend : NULL, .world = c->world,
                            .docker_from = journal_length(c, "docker"),
                            .kube_from = c->kube ? journal_length(c, "kube") : 0};
    return obs;
}

static void *bg_main(void *arg)
{
    bg_job *j = arg;
    j->rc = conf_proc_run_pid(j->argv, j->envp, j->cwd, j->timeout_ms, &j->p, &j->err, &j->pid);
    return NULL;
}

/* "background": start the command; its checks run at the matching "wait" step. */
static void start_background(run_ctx *c, const cJSON *step, char **argv, char **envp)
{
    c->bg = realloc(c->bg, sizeof *c->bg * (size_t)(c->n_bg + 1));
    bg_job *j = &c->bg[c->n_bg++];
    memset(j, 0, sizeof *j);
    j->label = osh_str_dup(cJSON_GetObjectItemCaseSensitive(step, "background")->valuestring);
    j->command = printable_command(argv);
    j->argv = argv;
    j->envp = envp;
    j->cwd = c->tmp;
    j->timeout_ms = step_timeout(c, step);
    conf_observation obs = observe_from_now(c);
    j->docker_from = obs.docker_from;
    j->kube_from = obs.kube_from;
    pthread_create(&j->thread, NULL, bg_main, j);
}

static void join_background(bg_job *j, bool kill_it)
{
    if (j->joined)
        return;
    if (kill_it && j->pid > 0)
        kill(-j->pid, SIGKILL);
    pthread_join(j->thread, NULL);
    j->joined = true;
}

static void free_background(run_ctx *c)
{
    for (int i = 0; i < c->n_bg; i++) {
        bg_job *j = &c->bg[i];
        join_background(j, true);
        if (j->rc == 0)
            conf_proc_result_free(&j->p);
        free(j->err);
        free(j->label);
        free(j->command);
        free_strv(j->argv);
        free_strv(j->envp);
    }
    free(c->bg);
}

/* "wait": the background command's end, judged with this step's expectations over the
 * requests made since it started. */
static void wait_background(run_ctx *c, const cJSON *step, const char *where)
{
    const char *label = cJSON_GetObjectItemCaseSensitive(step, "wait")->valuestring;
    for (int i = 0; i < c->n_bg; i++) {
        bg_job *j = &c->bg[i];
        if (strcmp(j->label, label) != 0 || j->joined)
            continue;
        join_background(j, false);
        conf_observation obs = {.backend = c->world ? c->cfg->backend : NULL, .world = c->world,
                                .docker_from = j->docker_from, .kube_from = j->kube_from};
        char *err = j->err;
        j->err = NULL; /* finish_step owns it now */
        finish_step(c, cJSON_GetObjectItemCaseSensitive(step, "expect"), where, osh_str_dup(j->command),
                    j->rc, &j->p, err, &obs);
        j->rc = -1; /* its result is consumed */
        return;
    }
    conf_result_add_failure(c->r, where, osh_str_printf("no background step '%s' to wait for", label), NULL, NULL);
}

/* "await": wait until the journal holds `count` requests matching `match` (the way a
 * scenario synchronises with a background command, by requests, not by time). */
static void await_journal(run_ctx *c, const cJSON *step, const char *where)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(step, "await");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(a, "which");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(a, "match");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "count");
    const char *which = w ? w->valuestring : "docker";
    int want = n ? n->valueint : 1, limit_ms = step_timeout(c, step);
    for (int waited = 0; c->world; waited += 2) {
        cJSON *j = c->cfg->backend->journal(c->world, which);
        int hits = 0;
        for (const cJSON *e = j ? j->child : NULL; e; e = e->next)
            hits += conf_check_entry_matches(m, e);
        cJSON_Delete(j);
        if (hits >= want)
            return;
        if (waited >= limit_ms)
            break;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    char *t = conf_check_matcher_text(m);
    conf_result_add_failure(c->r, where,
                            osh_str_printf("await: fewer than %d %s request(s) matching %s within %d ms", want, which, t, limit_ms),
                            NULL, NULL);
    free(t);
}

/* Returns false when the scenario must stop (a failure without --keep-going). */
static bool run_step(run_ctx *c, const cJSON *step, int i)
{
    char *where = step_label(step, i);
    char *err = write_setup_files(cJSON_GetObjectItemCaseSensitive(step, "files"));
    if (err) {
        conf_result_add_failure(c->r, where, err, NULL, NULL);
    } else if (cJSON_GetObjectItemCaseSensitive(step, "wait")) {
        wait_background(c, step, where);
    } else if (cJSON_GetObjectItemCaseSensitive(step, "await")) {
        await_journal(c, step, where);
    } else {
        cJSON *env = cJSON_Duplicate(c->env, true);
        apply_env(env, cJSON_GetObjectItemCaseSensitive(step, "env"));
        char **envp = env_array(env);
        cJSON_Delete(env);
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(step, "request");
        char **argv = req ? NULL : step_argv(c, step);
        if (cJSON_GetObjectItemCaseSensitive(step, "background")) {
            start_background(c, step, argv, envp); /* owns argv and envp now */
        } else {
            conf_observation obs = observe_from_now(c);
            conf_proc_result p;
            int rc = req ? conf_request_send(req, request_base(c, req), step_timeout(c, step), &p, &err)
                         : conf_proc_run(argv, envp, c->tmp, step_timeout(c, step), &p, &err);
            finish_step(c, cJSON_GetObjectItemCaseSensitive(step, "expect"), where,
                        req ? request_text(req) : printable_command(argv), rc, &p, err, &obs);
            free_strv(argv);
            free_strv(envp);
        }
    }
    free(where);
    return c->r->status != CONF_FAIL || c->cfg->keep_going;
}

static void keep_evidence(run_ctx *c)
{
    if (!c->world)
        return;
    cJSON *j = c->cfg->backend->journal(c->world, "docker");
    c->r->docker_journal = conf_check_journal_lines(j, 0);
    cJSON_Delete(j);
    if (c->kube) {
        j = c->cfg->backend->journal(c->world, "kube");
        c->r->kube_journal = conf_check_journal_lines(j, 0);
        cJSON_Delete(j);
    }
    cJSON *st = c->cfg->backend->state(c->world);
    char *text = st ? cJSON_Print(st) : NULL;
    c->r->state = text ? osh_str_dup(text) : NULL;
    cJSON_free(text);
    cJSON_Delete(st);
}

static char *missing_capability(const conf_run_config *cfg, const conf_scenario *s)
{
    const cJSON *needs = conf_scenario_needs(s);
    for (const cJSON *n = needs ? needs->child : NULL; n; n = n->next)
        for (const cJSON *m = cfg->missing ? cfg->missing->child : NULL; m; m = m->next)
            if (cJSON_IsString(m) && strcmp(m->valuestring, n->valuestring) == 0)
                return osh_str_printf("implementation lacks capability '%s'", n->valuestring);
    return NULL;
}

static void run_all_steps(run_ctx *c)
{
    add_user_vars(c);
    c->doc = cJSON_Duplicate(c->s->doc, true);
    conf_vars_expand_tree(c->doc, c->vars);
    if (!setup_world(c))
        return;
    conf_vars_expand_tree(c->doc, c->vars);
    build_base_env(c);
    char *err = write_setup_files(cJSON_GetObjectItemCaseSensitive(c->doc, "files"));
    if (err) {
        conf_result_add_failure(c->r, "setup", err, NULL, NULL);
        return;
    }
    int i = 0;
    for (const cJSON *st = cJSON_GetObjectItemCaseSensitive(c->doc, "steps")->child; st; st = st->next, i++)
        if (!run_step(c, st, i))
            return;
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c->doc, "expect");
    if (expect) {
        conf_observation obs = {.backend = c->world ? c->cfg->backend : NULL, .world = c->world};
        conf_check_block(expect, &obs, "after all steps", c->r);
        conf_observation_release(&obs);
    }
}

void conf_run_scenario(const conf_run_config *cfg, const conf_scenario *s, conf_result *r)
{
    memset(r, 0, sizeof *r);
    r->scenario = s;
    r->status = CONF_PASS;
    double start = now_seconds();
    r->skip_reason = missing_capability(cfg, s);
    if (r->skip_reason) {
        r->status = CONF_SKIP;
        return;
    }
    run_ctx c = {.cfg = cfg, .s = s, .r = r, .vars = cJSON_CreateObject()};
    if (setup_temp(&c))
        run_all_steps(&c);
    free_background(&c);
    if (r->status == CONF_FAIL || cfg->keep_state)
        keep_evidence(&c);
    if (c.world)
        cfg->backend->destroy(c.world);
    if (c.tmp && !cfg->keep_temp)
        remove_tree(c.tmp);
    free(c.tmp);
    cJSON_Delete(c.doc);
    cJSON_Delete(c.vars);
    cJSON_Delete(c.env);
    r->seconds = now_seconds() - start;
}
