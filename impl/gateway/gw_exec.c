/* gw_exec.c: the exec protocol (rules §5.1): create, attached start (200 or 101 UPGRADED),
 * multiplexed output, and up to 20 exit-code polls. */
#include "gw_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker_stream.h"
#include "gw_timing.h"
#include "osh_str.h"

#define GW_EXEC_EXIT_POLLS 20
#define GW_EXEC_POLL_MS 200

void gw_exec_result_free(gw_exec_result *r)
{
    osh_buf_free(&r->output);
    r->exit_code = 0;
}

cJSON *gw_exec_create_body(const char *const *cmd, int argc)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddBoolToObject(body, "AttachStdout", 1);
    cJSON_AddBoolToObject(body, "AttachStderr", 1);
    cJSON_AddItemToObject(body, "Cmd", cJSON_CreateStringArray(cmd, argc));
    return body;
}

static int exec_create(gw_ctx *ctx, const char *const *cmd, int argc, char **id, gw_error *err)
{
    char *path = osh_str_printf("/containers/%s/exec", ctx->resource);
    cJSON *body = gw_exec_create_body(cmd, argc);
    cJSON *resp = NULL;
    int rc = gw_docker_json(ctx, "POST", path, body, NULL, NULL, &resp, err);
    const char *exec_id = rc == 0 ? gw_json_string(resp, "Id") : NULL;
    if (rc == 0 && !exec_id)
        rc = gw_fail(err, GW_E_MALFORMED, "malformed JSON in Docker response to POST %s: no Id", path);
    *id = rc == 0 ? osh_str_dup(exec_id) : NULL;
    cJSON_Delete(resp);
    cJSON_Delete(body);
    free(path);
    return rc;
}

typedef struct exec_stream {
    docker_mux_decoder mux;
    gw_error err;
    bool failed;
} exec_stream;

static int exec_data(void *ud, const char *data, size_t len)
{
    exec_stream *s = ud;
    if (docker_mux_feed(&s->mux, data, len, &s->err) != 0) {
        s->failed = true;
        return 1;
    }
    return 0;
}

/* Attached start: the multiplexed stream is fed to on_frame until EOF. */
static int exec_start(gw_ctx *ctx, const char *id, docker_frame_fn on_frame, void *ud, gw_error *err)
{
    char *path = osh_str_printf("/exec/%s/start", id);
    const char *body = "{\"Detach\":false,\"Tty\":false}";
    exec_stream s = {0};
    docker_mux_init(&s.mux, on_frame, ud);
    docker_request req = {.method = "POST", .path = path, .content_type = "application/json", .body = body,
                          .body_len = strlen(body), .on_data = exec_data, .data_ud = &s};
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_client_send(ctx->docker, &req, &resp, err);
    bool streamed = resp.status == 101 || docker_status_ok(resp.status);
    if (s.failed) {
        gw_error_move(err, &s.err);
        rc = -1;
    } else if (streamed) {
        /* A connection cut mid-frame is a truncated stream, not a transport problem. */
        gw_error fin = GW_ERROR_INIT;
        if (docker_mux_finish(&s.mux, &fin) != 0) {
            gw_error_move(err, &fin);
            rc = -1;
        }
        gw_error_clear(&fin);
    } else if (rc == 0) {
        rc = docker_status_error(&resp, err);
    }
    gw_error_clear(&s.err);
    docker_response_free(&resp);
    free(path);
    return rc;
}

static int exec_exit_code(gw_ctx *ctx, const char *id, int *code, gw_error *err)
{
    char *path = osh_str_printf("/exec/%s/json", id);
    int rc = 0;
    *code = 1;
    for (int poll = 1; poll <= GW_EXEC_EXIT_POLLS; poll++) {
        cJSON *doc = NULL;
        rc = gw_docker_json(ctx, "GET", path, NULL, NULL, NULL, &doc, err);
        if (rc != 0)
            break;
        const cJSON *ec = cJSON_GetObjectItemCaseSensitive(doc, "ExitCode");
        bool have = cJSON_IsNumber(ec);
        if (have) {
            long value = gw_json_long(ec, 1);
            *code = value > INT_MAX ? INT_MAX : value < INT_MIN ? INT_MIN : (int)value;
        }
        cJSON_Delete(doc);
        if (have)
            break;
        gw_sleep_nominal(GW_EXEC_POLL_MS);
    }
    free(path);
    return rc;
}

static void collect_frame(void *ud, int stream, const char *data, size_t len)
{
    osh_buf_append((osh_buf *)ud, data, len);
}

static int cmd_len(const char *const *cmd)
{
    int n = 0;
    while (cmd[n])
        n++;
    return n;
}

int gw_exec_capture(gw_ctx *ctx, const char *const *cmd, gw_exec_result *r, gw_error *err)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = 1;
    char *id = NULL;
    if (exec_create(ctx, cmd, cmd_len(cmd), &id, err) != 0)
        return -1;
    osh_buf raw = OSH_BUF_INIT;
    int rc = exec_start(ctx, id, collect_frame, &raw, err);
    if (rc == 0) {
        docker_utf8_sanitize(&r->output, raw.data ? raw.data : "", raw.len);
        rc = exec_exit_code(ctx, id, &r->exit_code, err);
        if (rc != 0)
            osh_buf_free(&r->output); /* -1 leaves nothing to free (the exec may be gone: 404) */
    }
    osh_buf_free(&raw);
    free(id);
    return rc;
}

int gw_exec_sh(gw_ctx *ctx, const char *script, gw_exec_result *r, gw_error *err)
{
    const char *cmd[] = {"sh", "-c", script, NULL};
    return gw_exec_capture(ctx, cmd, r, err);
}

/* --- doctor exec: frames copied to the caller's descriptors as they arrive --- */

typedef struct exec_fds {
    int out_fd;
    int err_fd;
} exec_fds;

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w <= 0)
            return;
        data += w;
        len -= (size_t)w;
    }
}

static void forward_frame(void *ud, int stream, const char *data, size_t len)
{
    exec_fds *fds = ud;
    write_all(stream == DOCKER_STREAM_STDOUT ? fds->out_fd : fds->err_fd, data, len);
}

char *gw_shell_escape(const char *arg)
{
    if (!*arg)
        return osh_str_dup("''");
    bool plain = true;
    for (const char *p = arg; *p && plain; p++) {
        char c = *p;
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_./,:=@", c);
    }
    if (plain)
        return osh_str_dup(arg);
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_char(&b, '\'');
    for (const char *p = arg; *p; p++) {
        if (*p == '\'')
            osh_buf_append_str(&b, "'\\''");
        else
            osh_buf_append_char(&b, *p);
    }
    osh_buf_append_char(&b, '\'');
    return osh_buf_detach(&b);
}

int gw_doctor_exec(const gw_target *t, char *const *argv, int argc, int out_fd, int err_fd, int *exit_code,
                   gw_error *err)
{
    gw_ctx ctx;
    if (gw_ctx_open(&ctx, t, err) != 0)
        return -1;
    osh_buf inner = OSH_BUF_INIT;
    osh_buf_append_str(&inner, "KUBECONFIG=/etc/rancher/k3s/k3s.yaml");
    for (int i = 0; i < argc; i++) {
        char *e = gw_shell_escape(argv[i]);
        osh_buf_appendf(&inner, " %s", e);
        free(e);
    }
    const char *cmd[] = {"sh", "-lc", osh_buf_str(&inner), NULL};
    char *id = NULL;
    int rc = exec_create(&ctx, cmd, 3, &id, err);
    exec_fds fds = {out_fd, err_fd};
    if (rc == 0)
        rc = exec_start(&ctx, id, forward_frame, &fds, err);
    if (rc == 0)
        rc = exec_exit_code(&ctx, id, exit_code, err);
    free(id);
    osh_buf_free(&inner);
    gw_ctx_close(&ctx);
    return rc;
}
