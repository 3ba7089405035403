/* docker_exec_builtin.c: the default exec handler: a handful of commands (true, false, echo,
 * hostname, cat FILE, exit N), run directly or inside `sh -c '...'` with ; && || and the
 * redirections 2>/dev/null, >/dev/null, >&2, 2>&1. Anything else is `sh: 1: NAME: not found`
 * with exit 127, as dash says it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

typedef struct words {
    char **v;
    size_t n;
} words;

static void words_add(words *w, osh_buf *cur)
{
    DK_GROW(w->v, w->n);
    w->v[w->n++] = osh_str_dup(osh_buf_str(cur));
    osh_buf_reset(cur);
}

static void words_free(words *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
}

/* Split a script into words and the operators ; && || | (each its own word). */
static words tokenize(const char *s)
{
    words w = {0};
    osh_buf cur = OSH_BUF_INIT;
    bool in_word = false;
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
            osh_buf_append(&cur, p + 1, n);
            p += n + (end ? 1 : 0);
            in_word = true;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
                    p++;
                osh_buf_append_char(&cur, *p);
            }
            if (!*p)
                p--;
            in_word = true;
        } else if (*p == '\\' && p[1]) {
            osh_buf_append_char(&cur, *++p);
            in_word = true;
        } else if (*p == ' ' || *p == '\t' || *p == '\n') {
            if (in_word)
                words_add(&w, &cur);
            in_word = false;
        } else if (*p == '&' && in_word && cur.len && (cur.data[cur.len - 1] == '>' ||
                                                        cur.data[cur.len - 1] == '<')) {
            osh_buf_append_char(&cur, *p); /* >&2, 2>&1: a redirection, not an operator */
        } else if (*p == ';' || *p == '&' || *p == '|') {
            if (in_word)
                words_add(&w, &cur);
            in_word = false;
            osh_buf_append_char(&cur, *p);
            if ((*p == '&' || *p == '|') && p[1] == *p)
                osh_buf_append_char(&cur, *++p);
            words_add(&w, &cur);
        } else {
            osh_buf_append_char(&cur, *p);
            in_word = true;
        }
    }
    if (in_word)
        words_add(&w, &cur);
    osh_buf_free(&cur);
    return w;
}

static bool is_operator(const char *w)
{
    return strcmp(w, ";") == 0 || strcmp(w, "&&") == 0 || strcmp(w, "||") == 0 ||
           strcmp(w, "|") == 0 || strcmp(w, "&") == 0;
}

typedef struct exec_env {
    mock_docker *d;
    const char *container_id;
    mock_docker_exec_result *res;
    bool exited;
} exec_env;

/* One simple command; returns its exit status. Output goes to the given buffers. */
static int run_simple(exec_env *env, char **argv, size_t argc, osh_buf *out, osh_buf *err)
{
    /* Leading NAME=value assignments only set the environment. */
    while (argc > 0 && strchr(argv[0], '=') && argv[0][0] != '=')
        argv++, argc--;
    if (argc == 0)
        return 0;
    const char *cmd = argv[0];
    if (strcmp(cmd, "true") == 0 || strcmp(cmd, ":") == 0)
        return 0;
    if (strcmp(cmd, "false") == 0)
        return 1;
    if (strcmp(cmd, "echo") == 0) {
        size_t i = 1;
        bool newline = true;
        if (argc > 1 && strcmp(argv[1], "-n") == 0)
            newline = false, i = 2;
        for (size_t k = i; k < argc; k++) {
            if (k > i)
                osh_buf_append_char(out, ' ');
            osh_buf_append_str(out, argv[k]);
        }
        if (newline)
            osh_buf_append_char(out, '\n');
        return 0;
    }
    if (strcmp(cmd, "exit") == 0) {
        env->exited = true;
        return argc > 1 ? atoi(argv[1]) & 0xff : 0;
    }
    if (strcmp(cmd, "cat") == 0 && (argc == 1 || (argc == 2 && strcmp(argv[1], "-") == 0))) {
        size_t len; /* read before any lock: it waits for the client's end of input */
        const char *in = mock_docker_exec_stdin_read(env->res->in, &len);
        osh_buf_append(out, in, len);
        return 0;
    }
    if (strcmp(cmd, "hostname") == 0 || strcmp(cmd, "cat") == 0) {
        pthread_mutex_lock(&env->d->lock);
        dk_container *c = dk_find_container_by_id(env->d, env->container_id);
        int status = 0;
        if (c && strcmp(cmd, "hostname") == 0) {
            char *h = dk_effective_hostname(c);
            osh_buf_appendf(out, "%s\n", h);
            free(h);
        }
        for (size_t k = 1; c && strcmp(cmd, "cat") == 0 && k < argc; k++) {
            char *path = dk_path_normalize(argv[k]);
            dk_file *f = path ? dk_file_find(c, path) : NULL;
            if (f && f->type == 'f')
                osh_buf_append(out, f->data.data, f->data.len);
            else {
                osh_buf_appendf(err, "cat: %s: %s\n", argv[k],
                                f ? "Is a directory" : "No such file or directory");
                status = 1;
            }
            free(path);
        }
        dk_unlock(env->d);
        return status;
    }
    osh_buf_appendf(err, "sh: 1: %s: not found\n", cmd);
    return 127;
}

/* Strip redirections from a command's words and apply them to its output. */
static int run_with_redirects(exec_env *env, char **argv, size_t argc)
{
    bool out_null = false, err_null = false, out_to_err = false, err_to_out = false;
    char **kept = calloc(argc + 1, sizeof *kept);
    if (!kept)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (strcmp(w, "2>/dev/null") == 0)
            err_null = true;
        else if (strcmp(w, ">/dev/null") == 0 || strcmp(w, "1>/dev/null") == 0)
            out_null = true;
        else if (strcmp(w, ">&2") == 0 || strcmp(w, "1>&2") == 0)
            out_to_err = true;
        else if (strcmp(w, "2>&1") == 0)
            err_to_out = true;
        else
            kept[n++] = argv[i];
    }
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    int status = run_simple(env, kept, n, &out, &err);
    free(kept);
    osh_buf *to_out = out_to_err ? &env->res->err : &env->res->out;
    osh_buf *to_err = err_to_out ? &env->res->out : &env->res->err;
    if (!out_null)
        osh_buf_append(to_out, out.data, out.len);
    if (!err_null)
        osh_buf_append(to_err, err.data, err.len);
    osh_buf_free(&out);
    osh_buf_free(&err);
    return status;
}

static int run_script(exec_env *env, const char *script)
{
    words w = tokenize(script);
    int status = 0;
    const char *pending_op = ";";
    size_t start = 0;
    for (size_t i = 0; i <= w.n && !env->exited; i++) {
        if (i < w.n && !is_operator(w.v[i]))
            continue;
        bool run = strcmp(pending_op, ";") == 0 || strcmp(pending_op, "|") == 0 ||
                   strcmp(pending_op, "&") == 0 ||
                   (strcmp(pending_op, "&&") == 0 && status == 0) ||
                   (strcmp(pending_op, "||") == 0 && status != 0);
        if (run && i > start)
            status = run_with_redirects(env, &w.v[start], i - start);
        if (i < w.n)
            pending_op = w.v[i];
        start = i + 1;
    }
    words_free(&w);
    return status;
}

void dk_exec_builtin(mock_docker *d, const char *container_id, const char *const *argv,
                     size_t argc, mock_docker_exec_result *res)
{
    exec_env env = {d, container_id, res, false};
    bool shell = argc >= 3 && (strcmp(argv[0], "sh") == 0 || strcmp(argv[0], "/bin/sh") == 0 ||
                               strcmp(argv[0], "bash") == 0 || strcmp(argv[0], "/bin/bash") == 0) &&
                 (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "-lc") == 0);
    if (shell) {
        res->exit_code = run_script(&env, argv[2]);
        return;
    }
    char **copy = calloc(argc + 1, sizeof *copy);
    if (!copy)
        abort();
    for (size_t i = 0; i < argc; i++)
        copy[i] = (char *)argv[i];
    res->exit_code = run_with_redirects(&env, copy, argc);
    free(copy);
}

/* What a container prints as it starts, for the log: the leading simple commands of its
 * `sh -c` script (or a bare command). The mock runs no process; this lets simple containers
 * (`sh -c 'echo hello; echo oops >&2; ...'`) show their first lines as dockerd's would.
 * Runs echo, true, false, :, trap and set (no effect) and exit N; stops at the first other
 * command. Returns true when that consumed the whole command line, so the container would
 * have exited (res->exit_code is its status). Lock held. */
static bool startup_command(exec_env *env, char **argv, size_t n, int *status)
{
    const char *cmd = argv[0];
    if (strcmp(cmd, "echo") == 0 || strcmp(cmd, "true") == 0 || strcmp(cmd, "false") == 0 ||
        strcmp(cmd, ":") == 0 || strcmp(cmd, "exit") == 0) {
        *status = run_with_redirects(env, argv, n);
        return true;
    }
    return strcmp(cmd, "trap") == 0 || strcmp(cmd, "set") == 0;
}

bool dk_startup_output(mock_docker *d, const char *const *argv, size_t argc,
                       mock_docker_exec_result *res)
{
    exec_env env = {d, "", res, false};
    bool shell = argc >= 3 && (strcmp(argv[0], "sh") == 0 || strcmp(argv[0], "/bin/sh") == 0) &&
                 strcmp(argv[1], "-c") == 0;
    int status = 0;
    if (!shell) {
        char **copy = calloc(argc + 1, sizeof *copy);
        if (!copy)
            abort();
        for (size_t i = 0; i < argc; i++)
            copy[i] = (char *)argv[i];
        bool done = argc >= 1 && strcmp(argv[0], "trap") != 0 && strcmp(argv[0], "set") != 0 &&
                    startup_command(&env, copy, argc, &status);
        free(copy);
        res->exit_code = status;
        return done;
    }
    words w = tokenize(argv[2]);
    size_t start = 0;
    bool done = true;
    for (size_t i = 0; i <= w.n && !env.exited; i++) {
        if (i < w.n && !is_operator(w.v[i]))
            continue;
        if (i > start && !startup_command(&env, &w.v[start], i - start, &status)) {
            done = false;
            break;
        }
        bool sequence = i < w.n && (strcmp(w.v[i], ";") == 0 || strcmp(w.v[i], "&&") == 0);
        if (i < w.n && (!sequence || (strcmp(w.v[i], "&&") == 0 && status != 0))) {
            done = false; /* a pipe, a background job, || or a failed &&: not followed */
            break;
        }
        start = i + 1;
    }
    words_free(&w);
    res->exit_code = status;
    return done;
}
