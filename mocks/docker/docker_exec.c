/* docker_exec.c: exec create, start (HTTP upgrade 101 or plain 200 stream, or detached) and
 * inspect; running a command through the chain: scripted answers, the simulator hook, the
 * built-in handler (docker_exec_builtin.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "docker_internal.h"
#include "osh_str.h"

/* "a \\\n   b" -> "a b": the reference writes long scripts with continuations (rules §5.3). */
static char *normalize_script(const char *s)
{
    osh_buf b = OSH_BUF_INIT;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == '\n') {
            p++;
            while (p[1] == ' ' || p[1] == '\t')
                p++;
            if (b.len && b.data[b.len - 1] != ' ')
                osh_buf_append_char(&b, ' ');
            continue;
        }
        if ((*p == ' ' || *p == '\t' || *p == '\n') && b.len && b.data[b.len - 1] == ' ')
            continue;
        osh_buf_append_char(&b, *p == '\t' || *p == '\n' ? ' ' : *p);
    }
    char *out = osh_str_trim_dup(osh_buf_str(&b));
    osh_buf_free(&b);
    return out;
}

static bool is_shell_c(const char *const *argv, size_t argc)
{
    return argc >= 3 && (strcmp(argv[0], "sh") == 0 || strcmp(argv[0], "/bin/sh") == 0 ||
                         strcmp(argv[0], "bash") == 0 || strcmp(argv[0], "/bin/bash") == 0) &&
           (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "-lc") == 0);
}

static bool scripted_matches(const dk_scripted_exec *s, const char *container_name,
                             const char *const *argv, size_t argc)
{
    if (s->container && strcmp(s->container, container_name) != 0)
        return false;
    if (s->argv) {
        if ((size_t)cJSON_GetArraySize(s->argv) != argc)
            return false;
        size_t i = 0;
        for (const cJSON *v = s->argv->child; v; v = v->next, i++)
            if (!cJSON_IsString(v) || strcmp(v->valuestring, argv[i]) != 0)
                return false;
        return true;
    }
    if (!s->script || !is_shell_c(argv, argc))
        return false;
    char *want = normalize_script(s->script), *got = normalize_script(argv[2]);
    bool ok = strcmp(want, got) == 0;
    free(want);
    free(got);
    return ok;
}

static bool run_scripted(mock_docker *d, const char *container_id, const char *const *argv,
                         size_t argc, mock_docker_exec_result *res)
{
    bool found = false;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container_by_id(d, container_id);
    for (size_t i = 0; c && i < d->scripted_exec_count; i++) {
        dk_scripted_exec *s = &d->scripted_execs[i];
        if (!scripted_matches(s, c->name, argv, argc))
            continue;
        /* every matching rule counts the call; it answers only for its selected calls */
        long n = ++s->calls;
        if (found || (s->nth && n != s->nth) || (s->first && n > s->first) || (s->from && n < s->from))
            continue;
        if (s->truncate_after >= 0) {
            res->truncate = true;
            res->truncate_after = (size_t)s->truncate_after;
        }
        osh_buf_append_str(&res->out, s->out ? s->out : "");
        osh_buf_append_str(&res->err, s->err ? s->err : "");
        res->exit_code = s->exit_code;
        res->exit_code_null = s->exit_null;
        found = true;
    }
    dk_unlock(d);
    return found;
}

void dk_exec_run(mock_docker *d, const char *container_id, const cJSON *cmd,
                 mock_docker_exec_result *res)
{
    size_t argc = (size_t)cJSON_GetArraySize(cmd);
    const char **argv = calloc(argc + 1, sizeof *argv);
    if (!argv)
        abort();
    size_t i = 0;
    for (const cJSON *v = cmd->child; v; v = v->next)
        argv[i++] = cJSON_IsString(v) ? v->valuestring : "";
    pthread_mutex_lock(&d->lock);
    mock_docker_hooks h = d->hooks;
    dk_unlock(d);
    if (!run_scripted(d, container_id, argv, argc, res) &&
        !(h.exec && h.exec(h.ctx, d, container_id, argv, argc, res) == MOCK_DOCKER_EXEC_HANDLED))
        dk_exec_builtin(d, container_id, argv, argc, res);
    free(argv);
}

/* ---- Create ------------------------------------------------------------------------------ */

void dk_exec_create(mock_docker *d, const char *ref, const mock_http_request *req,
                    mock_http_response *res)
{
    cJSON *body;
    const char *text;
    size_t len;
    if (!dk_json_body(req, res, &body, &text, &len))
        return;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    const cJSON *cmd = dk_body_get(body, "Cmd");
    if (!c) {
        dk_error(res, 404, "No such container: %s", ref);
    } else if (!body) {
        dk_error(res, 400, "unexpected end of JSON input");
    } else if (!cJSON_IsArray(cmd) || cJSON_GetArraySize(cmd) == 0) {
        dk_error(res, 400, "No exec command specified");
    } else if (c->status != DK_RUNNING) {
        dk_error(res, 409, "Container %s is not running", c->id);
    } else {
        dk_exec *e = calloc(1, sizeof *e);
        if (!e)
            abort();
        dk_random_hex(d, e->id, DK_ID_LEN);
        snprintf(e->container_id, sizeof e->container_id, "%s", c->id);
        e->config = body;
        body = NULL;
        DK_GROW(d->execs, d->exec_count);
        d->execs[d->exec_count++] = e;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Id", e->id);
        mock_http_respond_json(res, 201, o);
        cJSON_Delete(o);
    }
    dk_unlock(d);
    cJSON_Delete(body);
}

/* ---- Start ------------------------------------------------------------------------------- */

typedef struct exec_output {
    osh_buf bytes;       /* framed (or raw for TTY) output */
    bool cut;            /* close without ending the stream (truncated output) */
} exec_output;

static void exec_output_free(void *p)
{
    exec_output *o = p;
    osh_buf_free(&o->bytes);
    free(o);
}

static int send_once(void *ctx, osh_buf *out)
{
    exec_output *o = ctx;
    osh_buf_append(out, o->bytes.data, o->bytes.len);
    osh_buf_reset(&o->bytes);
    return o->cut ? MOCK_HTTP_STREAM_ABORT : MOCK_HTTP_STREAM_END;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void send_upgraded(void *ctx, int fd, const char *extra, size_t extra_len)
{
    exec_output *o = ctx;
    write_all(fd, o->bytes.data, o->bytes.len);
}

/* ---- Stdin of a hijacked exec ----------------------------------------------------------- */

struct mock_docker_exec_stdin {
    int fd;              /* the hijacked connection */
    osh_buf data;        /* starts with what the server read past the request */
    bool done;
};

const char *mock_docker_exec_stdin_read(mock_docker_exec_stdin *in, size_t *len)
{
    if (!in) {
        if (len)
            *len = 0;
        return "";
    }
    while (!in->done) {
        char buf[16384];
        ssize_t n = read(in->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* 0: the client half-closed (or closed): end of input */
            in->done = true;
        else if (in->data.len + (size_t)n <= MOCK_DOCKER_EXEC_STDIN_MAX)
            osh_buf_append(&in->data, buf, (size_t)n);
    }
    if (len)
        *len = in->data.len;
    return osh_buf_str(&in->data);
}

/* Runs the exec (lock NOT held) and returns its output, framed unless tty. */
static exec_output *run_exec(mock_docker *d, const char *exec_id, mock_docker_exec_stdin *in)
{
    pthread_mutex_lock(&d->lock);
    dk_exec *e = dk_find_exec(d, exec_id);
    if (!e) { /* removed with its container meanwhile */
        dk_unlock(d);
        exec_output *none = calloc(1, sizeof *none);
        if (!none)
            abort();
        return none;
    }
    char container_id[DK_ID_LEN + 1];
    snprintf(container_id, sizeof container_id, "%s", e->container_id);
    cJSON *cmd = cJSON_Duplicate(dk_body_get(e->config, "Cmd"), true);
    bool out_on = cJSON_IsTrue(dk_body_get(e->config, "AttachStdout"));
    bool err_on = cJSON_IsTrue(dk_body_get(e->config, "AttachStderr"));
    bool tty = e->tty || cJSON_IsTrue(dk_body_get(e->config, "Tty"));
    e->running = true;
    e->pid = d->next_pid++;
    dk_unlock(d);

    mock_docker_exec_result r = {OSH_BUF_INIT, OSH_BUF_INIT, 0, false, false, 0, in};
    dk_exec_run(d, container_id, cmd, &r);
    cJSON_Delete(cmd);

    exec_output *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    if (out_on && r.out.len)
        tty ? dk_tty_append(&o->bytes, r.out.data, r.out.len)
            : dk_frame_append(&o->bytes, 1, r.out.data, r.out.len);
    if (err_on && r.err.len)
        tty ? dk_tty_append(&o->bytes, r.err.data, r.err.len)
            : dk_frame_append(&o->bytes, 2, r.err.data, r.err.len);
    if (r.truncate) {
        o->cut = true;
        if (o->bytes.len > r.truncate_after)
            o->bytes.len = r.truncate_after;
    }
    pthread_mutex_lock(&d->lock);
    e = dk_find_exec(d, exec_id);
    if (e) {
        e->running = false;
        e->finished = true;
        e->exit_code = r.exit_code;
        e->exit_null = r.exit_code_null;
    }
    dk_unlock(d);
    osh_buf_free(&r.out);
    osh_buf_free(&r.err);
    return o;
}

/* An exec with AttachStdin on a hijacked connection runs once the connection is the
 * client's: its command may read what the client sends. */
typedef struct stdin_exec {
    mock_docker *d;
    char exec_id[DK_ID_LEN + 1];
} stdin_exec;

static void run_with_stdin(void *ctx, int fd, const char *extra, size_t extra_len)
{
    stdin_exec *s = ctx;
    mock_docker_exec_stdin in = {.fd = fd};
    osh_buf_append(&in.data, extra, extra_len);
    exec_output *o = run_exec(s->d, s->exec_id, &in);
    write_all(fd, o->bytes.data, o->bytes.len);
    exec_output_free(o);
    osh_buf_free(&in.data);
}

void dk_exec_start(mock_docker *d, const char *id, const mock_http_request *req,
                   mock_http_response *res)
{
    cJSON *body;
    if (!dk_optional_json_body(req, res, &body))
        return;
    bool detach = cJSON_IsTrue(dk_body_get(body, "Detach"));
    bool tty = cJSON_IsTrue(dk_body_get(body, "Tty"));
    cJSON_Delete(body);
    pthread_mutex_lock(&d->lock);
    dk_exec *e = dk_find_exec(d, id);
    char problem[200] = "";
    bool stdin_attached = false;
    if (e) {
        dk_container *c = dk_find_container_by_id(d, e->container_id);
        if (e->running || e->finished)
            snprintf(problem, sizeof problem, "Error: Exec command %s has already run", e->id);
        else if (!c || c->status != DK_RUNNING)
            snprintf(problem, sizeof problem, "Container %s is not running", e->container_id);
        e->tty = tty;
        stdin_attached = cJSON_IsTrue(dk_body_get(e->config, "AttachStdin"));
    }
    char exec_id[DK_ID_LEN + 1] = "";
    if (e)
        snprintf(exec_id, sizeof exec_id, "%s", e->id);
    dk_unlock(d);
    if (!e) {
        dk_error(res, 404, "No such exec instance: %s", id);
        return;
    }
    if (!problem[0] && !detach && stdin_attached && dk_wants_tcp_upgrade(req)) {
        stdin_exec *s = calloc(1, sizeof *s);
        if (!s)
            abort();
        s->d = d;
        snprintf(s->exec_id, sizeof s->exec_id, "%s", exec_id);
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", run_with_stdin, s, free);
        return;
    }
    exec_output *o;
    if (problem[0]) {
        /* dockerd has already hijacked the connection: the error goes out as stdout. */
        o = calloc(1, sizeof *o);
        if (!o)
            abort();
        char *line = osh_str_printf("%s\r\n", problem);
        dk_frame_append(&o->bytes, 1, line, strlen(line));
        free(line);
    } else {
        o = run_exec(d, exec_id, NULL);
    }
    if (detach && !problem[0]) {
        exec_output_free(o);
        mock_http_respond_empty(res, 200);
        return;
    }
    if (dk_wants_tcp_upgrade(req))
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", send_upgraded,
                                  o, exec_output_free);
    else
        mock_http_respond_stream(res, 200, "application/vnd.docker.raw-stream", send_once, o,
                                 exec_output_free);
}

/* ---- Inspect ----------------------------------------------------------------------------- */

void dk_exec_inspect(mock_docker *d, const char *id, const mock_http_request *req,
                     mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_exec *e = dk_find_exec(d, id);
    if (!e) {
        dk_unlock(d);
        dk_error(res, 404, "No such exec instance: %s", id);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ID", e->id);
    cJSON_AddBoolToObject(o, "Running", e->running);
    if (e->finished && !e->exit_null)
        cJSON_AddNumberToObject(o, "ExitCode", e->exit_code);
    else
        cJSON_AddNullToObject(o, "ExitCode");
    cJSON *pc = cJSON_AddObjectToObject(o, "ProcessConfig");
    cJSON_AddBoolToObject(pc, "tty", e->tty || cJSON_IsTrue(dk_body_get(e->config, "Tty")));
    const cJSON *cmd = dk_body_get(e->config, "Cmd");
    cJSON *args = cJSON_Duplicate(cmd, true);
    cJSON *first = cJSON_DetachItemFromArray(args, 0);
    cJSON_AddStringToObject(pc, "entrypoint", cJSON_IsString(first) ? first->valuestring : "");
    cJSON_Delete(first);
    cJSON_AddItemToObject(pc, "arguments", args);
    cJSON_AddBoolToObject(pc, "privileged", cJSON_IsTrue(dk_body_get(e->config, "Privileged")));
    const char *user = dk_body_str(e->config, "User");
    if (user && *user)
        cJSON_AddStringToObject(pc, "user", user);
    cJSON_AddBoolToObject(o, "OpenStdin", cJSON_IsTrue(dk_body_get(e->config, "AttachStdin")));
    cJSON_AddBoolToObject(o, "OpenStderr", cJSON_IsTrue(dk_body_get(e->config, "AttachStderr")));
    cJSON_AddBoolToObject(o, "OpenStdout", cJSON_IsTrue(dk_body_get(e->config, "AttachStdout")));
    cJSON_AddBoolToObject(o, "CanRemove", false);
    cJSON_AddStringToObject(o, "ContainerID", e->container_id);
    cJSON_AddStringToObject(o, "DetachKeys", "");
    cJSON_AddNumberToObject(o, "Pid", e->pid);
    dk_unlock(d);
    mock_http_respond_json(res, 200, o);
    cJSON_Delete(o);
}
