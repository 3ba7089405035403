/* gw_mtls.c: capturing the CLI mTLS bundle (rules §8): poll the secret through kubectl in
 * the container, decode it, and swap it into place atomically. */
#include "gw_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker_stream.h"
#include "gw_timing.h"
#include "osh_base64.h"
#include "osh_str.h"

#define GW_MTLS_ATTEMPTS 90
#define GW_MTLS_SLEEP_MS 2000
#define GW_SECRET "openshell-cli-client"

static const char M1[] = "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl -n openshell get secret openshell-cli-client "
                         "-o jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}{.data.tls\\.key}'";

const char *gw_mtls_script(void) { return M1; }

int gw_tls_wanted(bool plaintext, const char *value, bool *fetch, gw_error *err)
{
    *fetch = !plaintext;
    char *v = value ? osh_str_trim_dup(value) : NULL;
    int rc = 0;
    if (v && *v) {
        if (osh_str_ieq(v, "true") || osh_str_ieq(v, "1") || osh_str_ieq(v, "yes"))
            *fetch = !plaintext;
        else if (osh_str_ieq(v, "false") || osh_str_ieq(v, "0") || osh_str_ieq(v, "no"))
            *fetch = false;
        else
            rc = gw_fail(err, GW_E_INVALID, "NAV_GATEWAY_TLS_ENABLED must be true or false (got '%s')", v);
    }
    free(v);
    return rc;
}

/* --- recent-logs snapshot for error texts --- */

static void snapshot_frame(void *ud, int stream, const char *data, size_t len) { osh_buf_append(ud, data, len); }

static char *logs_snapshot(gw_ctx *ctx)
{
    char *path = osh_str_printf("/containers/%s/logs?stdout=1&stderr=1&tail=20", ctx->resource);
    docker_response resp = DOCKER_RESPONSE_INIT;
    gw_error err = GW_ERROR_INIT;
    osh_buf payload = OSH_BUF_INIT, text = OSH_BUF_INIT;
    docker_request req = {.method = "GET", .path = path};
    if (docker_client_send(ctx->docker, &req, &resp, &err) == 0 && docker_status_ok(resp.status)) {
        docker_mux_decoder mux;
        docker_mux_init(&mux, snapshot_frame, &payload);
        docker_mux_feed(&mux, resp.body.data ? resp.body.data : "", resp.body.len, &err);
    }
    gw_strv lines = {0};
    const char *p = osh_buf_str(&payload);
    while (*p) {
        size_t len = strcspn(p, "\n");
        char *line = osh_str_ndup(p, len);
        char *t = osh_str_trim_dup(line);
        if (*t)
            gw_strv_push(&lines, t);
        free(t);
        free(line);
        p += len + (p[len] ? 1 : 0);
    }
    if (!lines.len)
        osh_buf_append_str(&text, "container logs: none available");
    else
        osh_buf_append_str(&text, "container logs:");
    for (size_t i = 0; i < lines.len; i++)
        osh_buf_appendf(&text, "\n  %s", lines.items[i]);
    gw_strv_free(&lines);
    osh_buf_free(&payload);
    gw_error_clear(&err);
    docker_response_free(&resp);
    free(path);
    return osh_buf_detach(&text);
}

static int fail_with_snapshot(gw_ctx *ctx, gw_error *err, gw_code code, const char *text)
{
    char *snap = logs_snapshot(ctx);
    gw_fail(err, code, "%s\n%s", text, snap);
    free(snap);
    return -1;
}

static int check_running(gw_ctx *ctx, gw_error *err)
{
    static const long ok[] = {200, 0};
    char *path = osh_str_printf("/containers/%s/json", ctx->resource);
    cJSON *inspect = NULL;
    int rc = gw_docker_json(ctx, "GET", path, NULL, ok, NULL, &inspect, err);
    free(path);
    if (rc != 0 || gw_state_running(inspect)) {
        cJSON_Delete(inspect);
        return rc;
    }
    const cJSON *code = gw_json_path(inspect, "State.ExitCode");
    const char *status = gw_json_string(inspect, "State.Status");
    const char *error = gw_json_string(inspect, "State.Error");
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b,
                    "gateway container is not running while waiting for mTLS secret: container exited "
                    "(status=%s, exit_code=%ld",
                    status && *status ? status : "unknown", gw_json_long(code, -1L));
    if (error && *error)
        osh_buf_appendf(&b, ", error=%s", error);
    if (cJSON_IsTrue(gw_json_path(inspect, "State.OOMKilled")))
        osh_buf_append_str(&b, ", OOMKilled=true");
    osh_buf_append_char(&b, ')');
    fail_with_snapshot(ctx, err, GW_E_UNHEALTHY, osh_buf_str(&b));
    osh_buf_free(&b);
    cJSON_Delete(inspect);
    return -1;
}

/* The secret's three lines, trimmed, or false when it is not there yet (rules §8.2 step 3). */
static bool secret_ready(const char *out, int exit_code, char *lines[3])
{
    char *trimmed = osh_str_trim_dup(out);
    bool ready = exit_code == 0 && *trimmed && !strstr(out, "NotFound") && !strstr(out, "not found") &&
                 !strstr(out, "Error from server");
    free(trimmed);
    const char *p = out;
    for (int i = 0; i < 3; i++) {
        size_t len = strcspn(p, "\n");
        char *line = osh_str_ndup(p, len);
        lines[i] = osh_str_trim_dup(line);
        free(line);
        if (!*lines[i])
            ready = false;
        p += len + (p[len] ? 1 : 0);
    }
    return ready;
}

int gw_mtls_parse_secret(const char *output, int exit_code, osh_buf decoded[3], gw_error *err)
{
    static const char *const keys[] = {"ca.crt", "tls.crt", "tls.key"};
    char *lines[3];
    int rc = secret_ready(output, exit_code, lines) ? 0 : 1;
    for (int i = 0; i < 3 && rc == 0; i++)
        if (!osh_base64_decode(&decoded[i], lines[i], strlen(lines[i])))
            rc = gw_fail(err, GW_E_MALFORMED, "failed to fetch CLI mTLS secret " GW_SECRET ": invalid base64 in %s",
                         keys[i]);
    for (int i = 0; i < 3; i++)
        free(lines[i]);
    return rc;
}

/* 1 = not yet, 0 = stored, -1 = failed. */
static int decode_and_store(const char *dir, const gw_exec_result *r, gw_error *err)
{
    osh_buf decoded[3] = {OSH_BUF_INIT, OSH_BUF_INIT, OSH_BUF_INIT};
    int rc = gw_mtls_parse_secret(osh_buf_str(&r->output), r->exit_code, decoded, err);
    if (rc == 0)
        rc = gw_mtls_store(dir, osh_buf_str(&decoded[0]), decoded[0].len, osh_buf_str(&decoded[1]), decoded[1].len,
                           osh_buf_str(&decoded[2]), decoded[2].len, err);
    for (int i = 0; i < 3; i++)
        osh_buf_free(&decoded[i]);
    return rc;
}

int gw_mtls_fetch(gw_ctx *ctx, const char *config_root, gw_error *err)
{
    char *dir = gw_mtls_dir(config_root, ctx->name);
    int rc = 1; /* 1 = not yet */
    for (int attempt = 1; attempt <= GW_MTLS_ATTEMPTS && rc == 1; attempt++) {
        gw_emit(ctx, GW_EVENT_PROGRESS, "Waiting for the CLI mTLS secret (%d/%d)", attempt,
                GW_MTLS_ATTEMPTS);
        if (check_running(ctx, err) != 0) {
            rc = -1;
            break;
        }
        gw_exec_result r;
        if (gw_exec_sh(ctx, M1, &r, err) != 0) {
            char *text = osh_str_printf("failed to fetch CLI mTLS secret " GW_SECRET ": %s", gw_error_text(err));
            fail_with_snapshot(ctx, err, err->code, text);
            free(text);
            rc = -1;
            break;
        }
        rc = decode_and_store(dir, &r, err);
        gw_exec_result_free(&r);
        if (rc == 1 && attempt < GW_MTLS_ATTEMPTS)
            gw_sleep_nominal(GW_MTLS_SLEEP_MS);
    }
    if (rc == 1) {
        fail_with_snapshot(ctx, err, GW_E_TIMEOUT, "timed out waiting for CLI mTLS secret " GW_SECRET);
        rc = -1;
    }
    free(dir);
    return rc;
}

/* --- atomic store (rules §8.3) --- */

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *child = osh_str_printf("%s/%s", path, de->d_name);
        if (remove_tree(child) != 0)
            rc = -1;
        free(child);
    }
    closedir(d);
    return rc == 0 ? rmdir(path) : -1;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int write_bundle(const char *tmp, const char *const files[3], const char *const data[3],
                        const size_t lens[3], gw_error *err)
{
    for (int i = 0; i < 3; i++) {
        char *path = osh_str_printf("%s/%s", tmp, files[i]);
        int rc = gw_write_new_file_synced(path, data[i], lens[i], i == 2 ? 0600 : 0644, err);
        if (rc == 0 && i == 2 && chmod(path, 0600) != 0)
            rc = gw_fail(err, GW_E_IO, "failed to set mode of %s: %s", path, strerror(errno));
        if (rc == 0 && lens[i] == 0)
            rc = gw_fail(err, GW_E_IO, "%s is empty", path);
        free(path);
        if (rc != 0)
            return -1;
    }
    gw_sync_dir(tmp); /* the three entries are durable before tmp is renamed into place */
    return 0;
}

static int swap_into_place(const char *dir, const char *tmp, const char *bak, gw_error *err)
{
    bool backed_up = false;
    if (exists(dir)) {
        if (remove_tree(bak) != 0)
            return gw_fail(err, GW_E_IO, "failed to remove %s: %s", bak, strerror(errno));
        if (rename(dir, bak) != 0)
            return gw_fail(err, GW_E_IO, "failed to move %s to %s: %s", dir, bak, strerror(errno));
        backed_up = true;
    }
    if (rename(tmp, dir) != 0) {
        int saved = errno;
        if (backed_up)
            rename(bak, dir);
        return gw_fail(err, GW_E_IO, "failed to move %s to %s: %s", tmp, dir, strerror(saved));
    }
    chmod(dir, 0700);
    remove_tree(bak);
    return 0;
}

void gw_mtls_recover(const char *dir)
{
    char *tmp = osh_str_printf("%s.tmp", dir);
    char *bak = osh_str_printf("%s.bak", dir);
    if (!exists(dir) && exists(bak))
        rename(bak, dir);
    remove_tree(bak);
    remove_tree(tmp);
    free(tmp);
    free(bak);
}

int gw_mtls_store(const char *dir, const char *ca, size_t ca_len, const char *crt, size_t crt_len, const char *key,
                  size_t key_len, gw_error *err)
{
    gw_mtls_recover(dir);
    char *tmp = osh_str_printf("%s.tmp", dir);
    char *bak = osh_str_printf("%s.bak", dir);
    static const char *const files[3] = {"ca.crt", "tls.crt", "tls.key"};
    const char *const data[3] = {ca, crt, key};
    const size_t lens[3] = {ca_len, crt_len, key_len};
    int rc = 0;
    if (remove_tree(tmp) != 0)
        rc = gw_fail(err, GW_E_IO, "failed to remove %s: %s", tmp, strerror(errno));
    if (rc == 0)
        rc = gw_mkdir_p(tmp, 0700, err);
    if (rc == 0 && chmod(tmp, 0700) != 0)
        rc = gw_fail(err, GW_E_IO, "failed to set mode of %s: %s", tmp, strerror(errno));
    if (rc == 0)
        rc = write_bundle(tmp, files, data, lens, err);
    if (rc == 0)
        rc = swap_into_place(dir, tmp, bak, err);
    if (rc != 0)
        remove_tree(tmp);
    free(tmp);
    free(bak);
    return rc;
}
